#pragma once
/// The `mapsmith` command line: parses arguments, runs the pipeline stages a command needs, and
/// decides what the user sees and the exit code (0 ok, 1 the input is wrong, 2 usage error).
#include <iosfwd>
#include <string>
#include <vector>

namespace mapsmith::cli {

/// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInput = 1;
inline constexpr int kExitUsage = 2;

/// Runs the command line `argv` (argv[0] is the program name), writing to the given streams;
/// `color`: diagnostics with ANSI colours (see want_color). Without it: no colour.
int run(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);
int run(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err, bool color);

/// Whether diagnostics written to `fd` should be coloured: a terminal, NO_COLOR unset or
/// empty, TERM not "dumb".
bool want_color(int fd);
/// The entry point of the executable.
int run(int argc, char** argv);

}  // namespace mapsmith::cli
