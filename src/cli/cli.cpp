#include "cli/cli.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>

#include <iostream>
#include <new>
#include <ostream>

#include "cli/commands.h"
#include "util/error.h"

#ifndef MAPSMITH_VERSION
#define MAPSMITH_VERSION "0.0.0"
#endif

namespace mapsmith::cli {

void print_diagnostics(Context& ctx, const dsl::Diagnostics& diags, bool json) {
  if (json) {
    ctx.out << dsl::render_json(diags.all()) << '\n';
    return;
  }
  print_rendered(ctx, diags.all());
}

void print_rendered(Context& ctx, const std::vector<dsl::Diagnostic>& ds) {
  std::size_t errors = 0;
  for (const dsl::Diagnostic& d : ds) {
    ctx.err << dsl::render(d, ctx.color);
    errors += d.severity == dsl::Severity::Error;
  }
  if (!ds.empty()) ctx.err << dsl::summary(errors, ds.size() - errors);
}

bool want_color(int fd) {
  // https://no-color.org: NO_COLOR set to anything but the empty string turns colour off.
  const char* no = std::getenv("NO_COLOR");
  if (no && *no) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string_view(term) == "dumb") return false;
  return isatty(fd) == 1;
}

int run(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  return run(argv, out, err, false);
}

int run(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err, bool color) {
  CLI::App app{
      "mapsmith: write, check, simulate and tune Legion mappers in the mapping language.\n"
      "Run 'mapsmith COMMAND --help' for the options of a command.",
      "mapsmith"};
  app.set_version_flag("--version", std::string("mapsmith ") + MAPSMITH_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);
  Context ctx{out, err};
  ctx.color = color;
  add_check_command(app, ctx);
  add_fmt_command(app, ctx);
  add_explain_command(app, ctx);
  add_machines_command(app, ctx);
  add_apps_command(app, ctx);
  add_codegen_command(app, ctx);
  add_simulate_command(app, ctx);
  add_tune_command(app, ctx);
  add_results_command(app, ctx);
  add_report_command(app, ctx);
  add_import_command(app, ctx);
  add_validate_command(app, ctx);
  add_calibrate_command(app, ctx);

  std::vector<std::string> args(argv.begin() + (argv.empty() ? 0 : 1), argv.end());
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion&) {
    out << app.version() << '\n';
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    // --help on a subcommand arrives here as CallForHelp from that subcommand.
    if (e.get_exit_code() == 0) {
      // --help after a subcommand: show the help of the deepest one named.
      CLI::App* shown = &app;
      while (!shown->get_subcommands().empty())
        shown = shown->get_subcommands().front();
      out << shown->help();
      return kExitOk;
    }
    err << "mapsmith: error: " << e.what() << '\n';
    err << "Run 'mapsmith --help' for usage.\n";
    return kExitUsage;
  } catch (const InputError& e) {
    err << "mapsmith: error: " << e.what() << '\n';
    return kExitInput;
  } catch (const InternalError& e) {
    err << "mapsmith: " << e.what() << "\nThis is a bug in mapsmith; please report it.\n";
    return 3;
  } catch (const std::bad_alloc&) {
    err << "mapsmith: error: out of memory\n";
    return kExitInput;
  } catch (const std::exception& e) {
    // Anything else (from a library, on any thread of a search) ends the run with a message,
    // never with std::terminate.
    err << "mapsmith: error: " << e.what() << "\nThis is a bug in mapsmith; please report it.\n";
    return 3;
  }
  return ctx.exit_code;
}

int run(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  return run(args, std::cout, std::cerr, want_color(STDERR_FILENO));
}

}  // namespace mapsmith::cli
