#pragma once
/// The canonical pretty-printer: one statement per line, two-space indentation in function
/// bodies, single spaces around binary operators, comments and single blank lines kept.
/// Printing is idempotent, and parsing the output gives the same tree as parsing the input.
#include <string>

#include "dsl/ast.h"

namespace mapsmith::dsl {

/// The whole program in canonical form. The program must have parsed without errors.
std::string format_program(const Program& p);

/// One expression in canonical form (used in messages and by the code generator).
std::string format_expr(const Program& p, ExprId id);

}  // namespace mapsmith::dsl
