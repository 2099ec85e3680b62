#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ostream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/front_end.h"
#include "dsl/printer.h"

namespace mapsmith::cli {

namespace {

struct FmtOptions {
  std::vector<std::string> files;
  bool check = false;
  bool in_place = false;
};

/// Writes `text` to `path` through a temporary file and a rename, so a full disk or a crash
/// never leaves a half-written mapper. Returns an error message, empty on success.
std::string write_atomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".mapsmith-tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return fmt::format("cannot write {}: {}", tmp, std::strerror(errno));
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  int saved = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    return fmt::format("cannot write {}: {}", path, std::strerror(saved ? saved : errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    saved = errno;
    std::remove(tmp.c_str());
    return fmt::format("cannot replace {}: {}", path, std::strerror(saved));
  }
  return {};
}

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
        if (formatted != original) {
          std::string e = write_atomically(f, formatted);
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
