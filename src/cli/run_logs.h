#pragma once
/// Reading the logs of a real Legion run for `import` and `validate`: which files (a directory's
/// spy_*.log and prof_*.gz, or --spy and --prof), progress on standard error, the calibration.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "importer/import.h"

namespace mapsmith::cli {

struct RunLogOptions {
  std::string dir;  ///< a run's directory: its spy_*.log[.gz] and prof_*.gz
  std::vector<std::string> spy;
  std::vector<std::string> prof;
  std::string calibration;
  std::string name;
  std::vector<std::string> variants;  ///< [TASK:]KIND[=EFFICIENCY]
  bool quiet = false;
};

/// Adds DIR, --spy, --prof, --calibration, --name and -q to a command.
void add_run_log_options(CLI::App& cmd, RunLogOptions& o);

struct RunLogs {
  std::vector<std::string> spy_files, prof_files;
  std::uint64_t spy_bytes = 0, prof_bytes = 0;  ///< on disk
  double seconds = 0;                           ///< reading and building
  importer::Imported imported;
};

/// Finds the files, reads them (progress on ctx.err unless quiet) and imports the run.
RunLogs read_run_logs(const RunLogOptions& o, Context& ctx);

}  // namespace mapsmith::cli
