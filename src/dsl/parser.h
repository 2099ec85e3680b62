#pragma once
/// The recursive-descent parser of the mapping language (dsl.md §1–§3).
#include <memory>
#include <string>

#include "dsl/ast.h"
#include "dsl/diagnostics.h"

namespace mapsmith::dsl {

/// Limits that keep hostile input from exhausting the stack or memory.
inline constexpr std::uint32_t kMaxNesting = 200;         // expression and block depth
inline constexpr std::size_t kMaxSourceBytes = 16 << 20;  // a mapper is a few lines; 16 MiB

/// Parses a whole program. Syntax errors go to `diags`; the parser recovers at the next
/// statement, so one run reports every independent mistake. The Program is returned even when
/// there were errors (holding the statements that parsed), but must not be used to map anything.
Program parse(SourcePtr source, Diagnostics& diags);

/// Convenience for tests and tools: parse a string named `name`.
Program parse_string(std::string text, Diagnostics& diags, std::string name = "<string>");

/// Checks that a file's bytes can be a mapping program at all (not binary, not too large) before
/// lexing. Reports one whole-file error and returns false if not.
bool looks_like_text(const SourceFile& src, Diagnostics& diags);

}  // namespace mapsmith::dsl
