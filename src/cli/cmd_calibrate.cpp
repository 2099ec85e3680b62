// `mapsmith calibrate`: measure the host (memory bandwidth of a core and of a socket, copy
// bandwidth, latency, a core's flop rate; PCIe where the build has CUDA) and write it as a
// machine file for `import --calibration` and `simulate --machine`.
#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "calibrate/calibrate.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "machine/machine_json.h"
#include "sim/sim.h"
#include "util/error.h"

namespace mapsmith::cli {

namespace {

struct CalibrateCmdOptions {
  std::string out = "host.json";
  std::string name = "host";
  std::uint64_t bytes = std::uint64_t{256} << 20;
  int repeats = 3;
  unsigned threads = 0;
  bool json = false;
};

using Json = nlohmann::ordered_json;

}  // namespace

void add_calibrate_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<CalibrateCmdOptions>();
  CLI::App* cmd = app.add_subcommand(
      "calibrate",
      "Measure this host: how fast a core and a socket read memory, how fast a copy between two\n"
      "host buffers goes, the latency of a load, a core's flop rate (and PCIe copies where\n"
      "mapsmith was built with CUDA); write it as a machine file (docs/machines.md).\n"
      "Example: mapsmith calibrate -o host.json; mapsmith import run/ --calibration host.json");
  cmd->add_option("-o,--out", opts->out, "The machine file to write (default host.json; 'none')");
  cmd->add_option("--name", opts->name, "The machine's name (default host)");
  cmd->add_option("--bytes", opts->bytes,
                  "Bytes per buffer (default 268435456: well past the caches; smaller sizes "
                  "measure the caches, not the memory)")
      ->check(CLI::Range(std::uint64_t{4096}, std::uint64_t{1} << 36));
  cmd->add_option("--repeats", opts->repeats, "Runs of each measurement; the best counts (3)")
      ->check(CLI::Range(1, 100));
  cmd->add_option("--threads", opts->threads, "Cores to use (default: all)")
      ->check(CLI::Range(1u, 4096u));
  cmd->add_flag("--json", opts->json, "Print the figures as JSON");
  cmd->callback([opts, &ctx] {
    calibrate::Options o;
    o.bytes = opts->bytes;
    o.repeats = opts->repeats;
    o.threads = opts->threads;
    const calibrate::Figures f = calibrate::measure(o);
    const machine::MachineSpec m = calibrate::machine_of(f, opts->name);
    if (opts->out != "none") {
      std::ofstream file(opts->out, std::ios::binary | std::ios::trunc);
      file << machine::dump_machine_json(m);
      file.close();
      if (!file) throw InputError(fmt::format("{}: cannot write", opts->out));
    }
    if (opts->json) {
      Json j{{"cores", f.cores},
             {"sockets", f.sockets},
             {"memory_bytes", f.memory_bytes},
             {"core_bandwidth", f.core_bandwidth},
             {"socket_bandwidth", f.socket_bandwidth},
             {"node_bandwidth", f.node_bandwidth},
             {"copy_bandwidth", f.copy_bandwidth},
             {"latency_s", f.latency},
             {"core_flops", f.core_flops},
             {"pcie_h2d", f.pcie_h2d ? Json(*f.pcie_h2d) : Json(nullptr)},
             {"pcie_d2h", f.pcie_d2h ? Json(*f.pcie_d2h) : Json(nullptr)},
             {"gpu", f.gpu_note},
             {"cpu", f.cpu_model},
             {"bytes", opts->bytes},
             {"machine", opts->out == "none" ? Json(nullptr) : Json(opts->out)}};
      ctx.out << j.dump(2) << '\n';
      return;
    }
    std::ostream& out = ctx.out;
    out << fmt::format("{}: {} cores, {} socket{}, {} of memory\n", f.cpu_model, f.cores, f.sockets,
                       f.sockets == 1 ? "" : "s", sim::bytes_text(f.memory_bytes));
    out << fmt::format("  one core reads memory at     {:.3g} GB/s\n", f.core_bandwidth / 1e9);
    out << fmt::format("  a socket's cores together    {:.3g} GB/s\n", f.socket_bandwidth / 1e9);
    out << fmt::format("  every core together          {:.3g} GB/s\n", f.node_bandwidth / 1e9);
    out << fmt::format("  a copy between host buffers  {:.3g} GB/s\n", f.copy_bandwidth / 1e9);
    out << fmt::format("  a dependent load             {}\n", sim::time_text(f.latency));
    out << fmt::format("  one core's multiply-adds     {:.3g} Gflop/s\n", f.core_flops / 1e9);
    if (f.pcie_h2d)
      out << fmt::format("  PCIe host to device {:.3g} GB/s, device to host {:.3g} GB/s\n",
                         *f.pcie_h2d / 1e9, f.pcie_d2h.value_or(0) / 1e9);
    out << fmt::format("  GPU: {}\n", f.gpu_note);
    if (opts->out != "none") out << fmt::format("written to {}\n", opts->out);
  });
}

}  // namespace mapsmith::cli
