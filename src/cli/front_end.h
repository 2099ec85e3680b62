#pragma once
/// Reading, parsing and checking mapping files for the CLI commands.
#include <optional>
#include <string>

#include "dsl/ast.h"
#include "dsl/checker.h"
#include "dsl/diagnostics.h"

namespace mapsmith::cli {

/// A mapping file read and parsed; `ok` when it parsed and checked without errors.
struct LoadedProgram {
  dsl::Program program;
  dsl::ProgramInfo info;
  bool parsed = false;  // no syntax errors: the tree is complete
  bool ok = false;      // no errors at all
};

/// Reads `path` ("-" for standard input), parses it and, when it parsed, checks it. Every
/// problem, including an unreadable file, goes to `diags`.
LoadedProgram load_program(const std::string& path, dsl::Diagnostics& diags);

/// Parses and checks text already in memory.
LoadedProgram load_program_text(std::string name, std::string text, dsl::Diagnostics& diags);

}  // namespace mapsmith::cli
