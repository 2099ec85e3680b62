// `mapsmith import`: the logs of a real Legion run (Legion Spy and Legion Prof) become an app
// JSON and a machine JSON that check, explain, simulate and tune accept (docs/import.md).
#include <fmt/format.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>

#include "app/app_json.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/run_logs.h"
#include "machine/machine_json.h"
#include "sim/sim.h"
#include "util/error.h"

namespace mapsmith::cli {

namespace {

struct ImportCmdOptions {
  RunLogOptions logs;
  std::string out;
  bool json = false;
};

using Json = nlohmann::ordered_json;

void write(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) throw InputError(fmt::format("{}: cannot write", path));
}

struct Counts {
  std::size_t launches = 0, loops = 0;
  std::uint64_t instances = 0;
};

Counts count(const app::App& a) {
  Counts c;
  c.launches = a.launches.size();
  std::function<void(const std::vector<app::Step>&, std::uint64_t)> walk =
      [&](const std::vector<app::Step>& steps, std::uint64_t times) {
        for (const app::Step& s : steps) {
          if (s.kind == app::Step::Kind::Loop) {
            ++c.loops;
            walk(s.body, times * static_cast<std::uint64_t>(s.count));
          } else {
            c.instances += times * static_cast<std::uint64_t>(a.launches[s.launch].volume());
          }
        }
      };
  walk(a.program, 1);
  return c;
}

std::string machine_line(const machine::MachineSpec& m) {
  std::string procs, mems;
  for (const machine::ProcSpec& p : m.node.processors)
    procs += fmt::format("{}{} {}", procs.empty() ? "" : ", ", p.count, to_string(p.kind));
  for (const machine::MemSpec& mem : m.node.memories)
    mems += fmt::format("{}{} {}", mems.empty() ? "" : ", ", to_string(mem.kind),
                        sim::bytes_text(mem.capacity));
  return fmt::format("{} node{}: {}; {}", m.nodes, m.nodes == 1 ? "" : "s", procs, mems);
}

}  // namespace

void add_import_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ImportCmdOptions>();
  CLI::App* cmd = app.add_subcommand(
      "import",
      "Model a real Legion run from its own logs: Legion Spy's (-lg:spy -logfile spy_%.log) and\n"
      "Legion Prof's (-lg:prof 1 -lg:prof_logfile prof_%.gz) become an app JSON and a machine\n"
      "JSON, with each launch's cost taken from the measured task times (docs/import.md).\n"
      "Example: mapsmith import run/ -o daxpy   (writes daxpy.app.json, daxpy.machine.json)");
  add_run_log_options(*cmd, opts->logs);
  cmd->add_option("-o,--out", opts->out,
                  "Write PREFIX.app.json and PREFIX.machine.json (default: the app's name)");
  cmd->add_flag("--json", opts->json, "Print what was imported as JSON");
  cmd->callback([opts, &ctx] {
    const RunLogs r = read_run_logs(opts->logs, ctx);
    const importer::Imported& im = r.imported;
    const std::string prefix = opts->out.empty() ? im.app.name : opts->out;
    const std::string app_path = prefix + ".app.json", machine_path = prefix + ".machine.json";
    write(app_path, app::dump_app_json(im.app));
    write(machine_path, machine::dump_machine_json(im.machine));
    const Counts c = count(im.app);
    const importer::Measurement& m = im.measured;
    if (opts->json) {
      Json j{{"app", app_path},
             {"machine", machine_path},
             {"name", im.app.name},
             {"spy", r.spy_files},
             {"prof", r.prof_files},
             {"regions", im.app.regions.size()},
             {"partitions", im.app.partitions.size()},
             {"tasks", im.app.tasks.size()},
             {"launches", c.launches},
             {"loops", c.loops},
             {"task_instances", c.instances}};
      j["measured"] = {{"time_s", m.time_s},
                       {"iteration_time_s", m.iteration_time_s},
                       {"iterations", m.iterations},
                       {"task_instances", m.task_instances},
                       {"copies", m.copies}};
      j["notes"] = im.notes;
      ctx.out << j.dump(2) << '\n';
      return;
    }
    ctx.out << fmt::format(
        "imported {} from {} Legion Spy log{} ({}) and {} Legion Prof log{} "
        "({}) in {:.2f} s\n",
        im.app.name, r.spy_files.size(), r.spy_files.size() == 1 ? "" : "s",
        sim::bytes_text(r.spy_bytes), r.prof_files.size(), r.prof_files.size() == 1 ? "" : "s",
        sim::bytes_text(r.prof_bytes), r.seconds);
    const auto n = [](std::size_t k, const char* what) {
      const std::string w(what);
      return fmt::format("{} {}{}", k, w, k == 1 ? "" : w.ends_with("h") ? "es" : "s");
    };
    ctx.out << fmt::format(
        "  app {}: {}, {}, {}, {} in {}, {}\n", app_path, n(im.app.regions.size(), "region"),
        n(im.app.partitions.size(), "partition"), n(im.app.tasks.size(), "task"),
        n(c.launches, "launch"), n(c.loops, "loop"), n(c.instances, "task instance"));
    ctx.out << fmt::format("  machine {}: {}\n", machine_path, machine_line(im.machine));
    ctx.out << fmt::format("  measured: whole run {}", sim::time_text(m.time_s));
    if (m.iterations)
      ctx.out << fmt::format("; main loop {} iterations of {}", m.iterations,
                             sim::time_text(m.iteration_time_s));
    ctx.out << '\n';
    if (!im.notes.empty()) {
      ctx.out << "notes:\n";
      for (const std::string& n : im.notes)
        ctx.out << "  - " << n << '\n';
    }
  });
}

}  // namespace mapsmith::cli
