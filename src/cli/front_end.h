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

/// Reads `path` ("-" for standard input), parses it and, when it parsed, checks it in `dialect`
/// (docs/language.md, "Dialects"). Every problem, including an unreadable file, goes to `diags`.
LoadedProgram load_program(const std::string& path, dsl::Diagnostics& diags,
                           dsl::Dialect dialect = dsl::Dialect::Mapsmith);

/// Parses and checks text already in memory.
LoadedProgram load_program_text(std::string name, std::string text, dsl::Diagnostics& diags,
                                dsl::Dialect dialect = dsl::Dialect::Mapsmith);

/// The dialect an option's value names: "mapsmith" (the default) or "published".
dsl::Dialect dialect_named(const std::string& name);
/// The help text of the commands' --dialect option.
inline constexpr const char* kDialectHelp =
    "How to read the mapping file: mapsmith (default) or published, the published DSL "
    "mapper's reading: the first of equally specific statements wins, and check warns about "
    "every construct its front end rejects (docs/language.md, Dialects)";

}  // namespace mapsmith::cli
