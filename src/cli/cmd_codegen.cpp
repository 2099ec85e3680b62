#include <fmt/format.h>

#include <ostream>
#include <sstream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/file_write.h"
#include "cli/front_end.h"
#include "codegen/codegen.h"
#include "util/error.h"

namespace mapsmith::cli {

namespace {
struct CodegenOptions {
  std::string file;
  std::string output;
  std::string app;
  std::string name;
  std::string base;
  std::string base_header;
  std::string dialect = "mapsmith";
};
}  // namespace

void add_codegen_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<CodegenOptions>();
  CLI::App* cmd = app.add_subcommand(
      "codegen",
      "Generate the C++ source of a Legion mapper with a mapping program's decisions compiled "
      "in.\n"
      "The mapper derives from Legion's DefaultMapper (or from --base) and is installed by\n"
      "register_NAME_mapper(). See docs/legion.md.\n"
      "Example: mapsmith codegen examples/circuit/expert.mapping --name circuit -o mapper.cc");
  cmd->add_option("file", opts->file, "Mapping file ('-' reads standard input)")->required();
  cmd->add_option("-o,--out", opts->output,
                  "Write the source to this file (default: standard output)");
  // The name it had before every command wrote its output file with -o/--out.
  cmd->add_option("--output", opts->output, "Same as --out")->group("");
  cmd->add_option("--name", opts->name,
                  "Mapper name: class NameMapper, register_name_mapper() (default: the file's "
                  "stem)");
  cmd->add_option("--app", opts->app,
                  "The application the mapper is for (recorded in the source; not checked yet)");
  CLI::Option* base = cmd->add_option(
      "--base", opts->base,
      "Derive from this application mapper class (itself a DefaultMapper) instead of "
      "DefaultMapper; its map_task then chooses the instances");
  CLI::Option* header =
      cmd->add_option("--base-header", opts->base_header, "The header that declares --base");
  base->needs(header);
  header->needs(base);
  cmd->add_option("--dialect", opts->dialect, kDialectHelp)
      ->check(CLI::IsMember({"mapsmith", "published"}));
  cmd->callback([opts, &ctx] {
    dsl::Diagnostics diags;
    LoadedProgram lp = load_program(opts->file, diags, dialect_named(opts->dialect));
    if (!lp.ok) {
      print_diagnostics(ctx, diags, false);
      ctx.exit_code = kExitInput;
      return;
    }
    codegen::Options o;
    o.source_name = opts->file == "-" ? std::string("<stdin>") : opts->file;
    o.name = opts->name.empty() ? codegen::mapper_name_for(o.source_name) : opts->name;
    o.base_class = opts->base;
    o.base_header = opts->base_header;
    o.app = opts->app;
    std::ostringstream text;
    bool ok = codegen::generate_legion_mapper(lp.program, lp.info, o, text, diags);
    print_diagnostics(ctx, diags, false);
    if (!ok) {
      ctx.exit_code = kExitInput;
      return;
    }
    if (opts->output.empty() || opts->output == "-") {
      ctx.out << text.str();
      return;
    }
    // Through a temporary file: a full disk leaves the previous file as it was.
    const std::string e = write_file_safely(opts->output, text.str(), Replace::Output);
    if (!e.empty()) throw InputError(e);
  });
}

}  // namespace mapsmith::cli
