#include <fmt/format.h>

#include <ostream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/file_write.h"
#include "cli/front_end.h"
#include "dsl/printer.h"

namespace mapsmith::cli {

namespace {

struct FmtOptions {
  std::vector<std::string> files;
  bool check = false;
  bool in_place = false;
};

}  // namespace

void add_fmt_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<FmtOptions>();
  CLI::App* cmd = app.add_subcommand(
      "fmt",
      "Print mapping files in canonical form (comments kept).\n"
      "With --check, only report files that are not in canonical form (exit 1 if any);\n"
      "with -i, rewrite them in place. A file with errors is never rewritten.");
  cmd->add_option("files", opts->files, "Mapping files ('-' reads standard input)")->required();
  auto* check = cmd->add_flag("--check", opts->check,
                              "Exit 1 and name each file that is not in canonical form");
  auto* inplace = cmd->add_flag("-i,--in-place", opts->in_place, "Rewrite the files in place");
  check->excludes(inplace);
  cmd->callback([opts, &ctx] {
    int code = kExitOk;
    for (const std::string& f : opts->files) {
      dsl::Diagnostics diags;
      LoadedProgram lp = load_program(f, diags);
      if (!lp.parsed) {
        print_diagnostics(ctx, diags, false);
        code = kExitInput;
        continue;
      }
      std::string formatted = dsl::format_program(lp.program);
      const std::string& original = lp.program.source->text();
      if (opts->check) {
        if (formatted != original) {
          ctx.err << fmt::format("{}: not in canonical form (run: mapsmith fmt -i {})\n", f, f);
          code = kExitInput;
        }
      } else if (opts->in_place) {
        if (f == "-") {
          ctx.err << "mapsmith fmt: -i cannot rewrite standard input\n";
          code = kExitUsage;
          continue;
        }
        if (!lp.ok) {
          // A file with errors is never rewritten: say why, and fail.
          print_diagnostics(ctx, diags, false);
          ctx.err << fmt::format("mapsmith fmt: {}: not rewritten: it has errors\n", f);
          code = kExitInput;
          continue;
        }
        if (formatted != original) {
          std::string e = write_file_safely(f, formatted, Replace::InPlace);
          if (!e.empty()) {
            ctx.err << "mapsmith fmt: " << e << '\n';
            code = kExitInput;
          }
        }
      } else {
        ctx.out << formatted;
      }
    }
    ctx.exit_code = code;
  });
}

}  // namespace mapsmith::cli
