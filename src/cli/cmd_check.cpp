#include <fmt/format.h>

#include <algorithm>
#include <ostream>
#include <tuple>

#include "app/generators.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/front_end.h"
#include "machine/machine_json.h"
#include "mapping/check_against.h"

namespace mapsmith::cli {

namespace {
struct CheckOptions {
  std::vector<std::string> files;
  bool json = false;
  bool quiet = false;
  bool werror = false;
  std::string machine;
  std::string app;
  std::string dialect = "mapsmith";
};
}  // namespace

void add_check_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<CheckOptions>();
  CLI::App* cmd = app.add_subcommand(
      "check",
      "Check mapping files for errors and warnings.\n"
      "Prints each problem as FILE:LINE:COL with the source line, a caret and a hint.\n"
      "Exit status: 0 no errors (warnings allowed), 1 errors found, 2 usage error.");
  cmd->add_option("files", opts->files, "Mapping files to check ('-' reads standard input)")
      ->required();
  cmd->add_flag("--json", opts->json,
                "Print the diagnostics as a JSON array of {file, line, col, severity, message, "
                "hint} on standard output");
  cmd->add_flag("-q,--quiet", opts->quiet, "Print nothing for files without problems");
  cmd->add_flag("--werror", opts->werror,
                "Treat warnings as errors: any warning makes the exit status 1");
  cmd->add_option("--machine", opts->machine,
                  "Also check against this machine (a preset such as sapling-2, or a machine JSON "
                  "file): processor kinds, memory reachability, machine-space transformations");
  cmd->add_option("--app", opts->app,
                  "Also check names against this application (NAME, NAME:k=v,... or an app JSON "
                  "file): unknown tasks and regions, region indices, kinds without a variant, "
                  "map statements for the wrong kind of launch; scaled to --machine (default: "
                  "sapling). With --machine too, every decision is made as simulate makes it "
                  "(each mapping function at every point, each layout against its variant)");
  cmd->add_option("--dialect", opts->dialect, kDialectHelp)
      ->check(CLI::IsMember({"mapsmith", "published"}));
  cmd->callback([opts, &ctx] {
    std::optional<machine::Machine> m;
    if (!opts->machine.empty()) m = machine::load_machine(opts->machine);
    std::optional<app::App> a;
    if (!opts->app.empty()) a = app::load_app(opts->app, m ? *m : machine::load_machine("sapling"));
    dsl::Diagnostics all(1000);
    for (const std::string& f : opts->files) {
      dsl::Diagnostics diags;
      LoadedProgram lp = load_program(f, diags, dialect_named(opts->dialect));
      if (lp.ok && m && a) {
        // Everything simulate would refuse before running: every decision is made.
        mapping::check_mapping(lp.program, lp.info, *m, *a, diags);
        lp.ok = !diags.has_errors();
      } else if (lp.ok && (m || a)) {
        mapping::check_against(lp.program, lp.info, m ? &*m : nullptr, a ? &*a : nullptr, diags);
        lp.ok = !diags.has_errors();
      }
      // Report in source order: the checks run in stages, not line by line.
      std::vector<dsl::Diagnostic> found = diags.all();
      std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
        return std::tie(a.line, a.col) < std::tie(b.line, b.col);
      });
      for (dsl::Diagnostic& d : found)
        all.add(std::move(d));
      if (!opts->json && !opts->quiet && lp.ok && !(opts->werror && diags.warning_count() > 0)) {
        ctx.out << fmt::format("{}: ok ({} statement{}, {} warning{})\n", f,
                               lp.program.stmts.size(), lp.program.stmts.size() == 1 ? "" : "s",
                               diags.warning_count(), diags.warning_count() == 1 ? "" : "s");
      }
    }
    print_diagnostics(ctx, all, opts->json);
    const bool failed = all.has_errors() || (opts->werror && all.warning_count() > 0);
    ctx.exit_code = failed ? kExitInput : kExitOk;
  });
}

}  // namespace mapsmith::cli
