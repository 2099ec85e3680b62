#pragma once
/// Each `mapsmith` subcommand registers itself on the CLI11 app; its callback sets the exit code.
#include <CLI/CLI.hpp>
#include <iosfwd>

#include "dsl/diagnostics.h"

namespace mapsmith::cli {

/// What every command shares: the output streams and the exit code it sets.
struct Context {
  std::ostream& out;
  std::ostream& err;
  int exit_code = 0;
  bool color = false;
};

void add_check_command(CLI::App& app, Context& ctx);
void add_fmt_command(CLI::App& app, Context& ctx);
void add_explain_command(CLI::App& app, Context& ctx);
void add_machines_command(CLI::App& app, Context& ctx);
void add_apps_command(CLI::App& app, Context& ctx);
void add_codegen_command(CLI::App& app, Context& ctx);
void add_simulate_command(CLI::App& app, Context& ctx);
void add_tune_command(CLI::App& app, Context& ctx);
void add_results_command(CLI::App& app, Context& ctx);
void add_report_command(CLI::App& app, Context& ctx);
void add_import_command(CLI::App& app, Context& ctx);
void add_validate_command(CLI::App& app, Context& ctx);
void add_calibrate_command(CLI::App& app, Context& ctx);

/// Prints diagnostics: rendered to `err` (in colour when ctx.color) and closed by a summary line
/// ("2 errors, 1 warning") when there are any, or as a JSON array to `out` when `json`.
void print_diagnostics(Context& ctx, const dsl::Diagnostics& diags, bool json);
void print_rendered(Context& ctx, const std::vector<dsl::Diagnostic>& ds);

}  // namespace mapsmith::cli
