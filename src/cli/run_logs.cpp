#include "cli/run_logs.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "machine/machine_json.h"
#include "sim/sim.h"
#include "util/error.h"
#include "util/strings.h"

namespace mapsmith::cli {

namespace fs = std::filesystem;

void add_run_log_options(CLI::App& cmd, RunLogOptions& o) {
  cmd.add_option("dir", o.dir,
                 "A run's directory: its spy_*.log (or .log.gz) and prof_*.gz files are read");
  cmd.add_option("--spy", o.spy, "Legion Spy logs of the run (-lg:spy -logfile spy_%.log)")
      ->expected(1, -1);
  cmd.add_option("--prof", o.prof,
                 "Legion Prof logs of the run (-lg:prof N -lg:prof_logfile prof_%.gz)")
      ->expected(1, -1);
  cmd.add_option("--calibration", o.calibration,
                 "A machine file from `mapsmith calibrate` on the run's host: its bandwidths "
                 "and latency replace the defaults");
  cmd.add_option("--name", o.name, "Name of the app and machine (default: the top-level task's)");
  cmd.add_option("--variant", o.variants,
                 "Assume a variant the run did not use: [TASK:]KIND[=EFFICIENCY] (default 1), "
                 "e.g. GPU=0.5 (every task) or stencil:GPU=0.8; the logs only say where tasks "
                 "ran");
  cmd.add_flag("-q,--quiet", o.quiet, "No progress on standard error");
}

namespace {

std::vector<std::string> in_dir(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.rfind(prefix, 0) != 0) continue;
    const bool spy = prefix == "spy_" && (name.ends_with(".log") || name.ends_with(".log.gz"));
    const bool prof = prefix == "prof_" && name.ends_with(".gz");
    if (spy || prof) out.push_back(e.path().string());
  }
  if (ec) throw InputError(fmt::format("{}: cannot read the directory: {}", dir, ec.message()));
  std::sort(out.begin(), out.end());
  return out;
}

/// Progress lines: redrawn in place on a terminal, every 10% otherwise.
class ProgressLine {
 public:
  explicit ProgressLine(std::ostream& err)
      : err_(err), tty_(&err == &std::cerr && isatty(STDERR_FILENO)) {}
  ~ProgressLine() {
    if (tty_ && shown_) err_ << "\r\033[K" << std::flush;
  }
  void operator()(const std::string& path, std::uint64_t done, std::uint64_t total) {
    const int pct = total ? static_cast<int>(100 * done / total) : 0;
    const std::string name = fs::path(path).filename().string();
    if (tty_) {
      err_ << fmt::format("\rreading {}: {}% ({} of {})\033[K", name, pct, sim::bytes_text(done),
                          sim::bytes_text(total))
           << std::flush;
      shown_ = true;
      return;
    }
    if (path != last_path_) {
      last_path_ = path;
      last_pct_ = -10;
    }
    if (pct >= last_pct_ + 10 || (done == total && last_pct_ != 100)) {
      last_pct_ = pct - pct % 10;
      if (done == total) last_pct_ = 100;
      err_ << fmt::format("reading {}: {}% ({} of {})\n", name, pct, sim::bytes_text(done),
                          sim::bytes_text(total));
    }
  }

 private:
  std::ostream& err_;
  bool tty_;
  bool shown_ = false;
  std::string last_path_;
  int last_pct_ = -10;
};

/// "[TASK:]KIND[=EFFICIENCY]".
importer::AssumedVariant parse_variant(const std::string& text) {
  importer::AssumedVariant v;
  std::string rest = text;
  if (const auto colon = rest.rfind(':'); colon != std::string::npos) {
    v.task = rest.substr(0, colon);
    rest = rest.substr(colon + 1);
  }
  std::string kind = rest;
  if (const auto eq = rest.find('='); eq != std::string::npos) {
    kind = rest.substr(0, eq);
    const std::string eff = rest.substr(eq + 1);
    char* end = nullptr;
    v.efficiency = std::strtod(eff.c_str(), &end);
    if (eff.empty() || *end != '\0' || !(v.efficiency > 0 && v.efficiency <= 1))
      throw InputError(
          fmt::format("--variant {}: the efficiency must be a number in (0, 1], "
                      "not \"{}\"",
                      text, eff));
  }
  const auto k = parse_proc_kind(kind);
  if (!k || *k == ProcKind::UTIL)
    throw InputError(
        fmt::format("--variant {}: unknown processor kind \"{}\" (CPU, GPU, OMP, "
                    "IO, PY or PROC)",
                    text, kind));
  v.kind = *k;
  return v;
}

std::uint64_t size_of(const std::vector<std::string>& files) {
  std::uint64_t n = 0;
  for (const std::string& f : files) {
    std::error_code ec;
    const auto s = fs::file_size(f, ec);
    if (!ec) n += s;
  }
  return n;
}

}  // namespace

RunLogs read_run_logs(const RunLogOptions& o, Context& ctx) {
  RunLogs r;
  r.spy_files = o.spy;
  r.prof_files = o.prof;
  if (!o.dir.empty()) {
    if (r.spy_files.empty()) r.spy_files = in_dir(o.dir, "spy_");
    if (r.prof_files.empty()) r.prof_files = in_dir(o.dir, "prof_");
    if (r.spy_files.empty())
      throw InputError(fmt::format("{}: no Legion Spy log (spy_*.log) in the directory", o.dir));
    if (r.prof_files.empty())
      throw InputError(fmt::format("{}: no Legion Prof log (prof_*.gz) in the directory", o.dir));
  }
  if (r.spy_files.empty() || r.prof_files.empty())
    throw InputError("give a run's directory, or its logs with --spy FILE... and --prof FILE...");
  importer::ImportOptions io;
  io.name = o.name;
  for (const std::string& v : o.variants)
    io.assumed_variants.push_back(parse_variant(v));
  if (!o.calibration.empty())
    io.host = importer::host_figures(
        machine::parse_machine_json(read_file(o.calibration), o.calibration));
  r.spy_bytes = size_of(r.spy_files);
  r.prof_bytes = size_of(r.prof_files);
  const auto t0 = std::chrono::steady_clock::now();
  ProgressLine line(ctx.err);
  importer::Progress progress;
  if (!o.quiet)
    progress = [&line](const std::string& p, std::uint64_t d, std::uint64_t t) { line(p, d, t); };
  const importer::SpyLog spy = importer::read_spy(r.spy_files, progress);
  const importer::ProfLog prof = importer::read_prof(r.prof_files, progress);
  r.imported = importer::import_run(spy, prof, io);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace mapsmith::cli
