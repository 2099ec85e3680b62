#pragma once
/// Laying out the generated C++: names, wrapped heads and statements, comments. Everything the
/// generator prints stays within 100 columns where it can.
#include <string>
#include <string_view>
#include <vector>

#include "dsl/ast.h"

namespace mapsmith::codegen {

/// A name in lower case with every other character made '_': "Heat2D" -> "heat2d".
std::string snake(std::string_view name);
/// `var == "a" || var == "b"` for a task list.
std::string quoted_list(const dsl::NameList& names, std::string_view var);
/// A function head or call "BEFORE(P1, P2, ...)AFTER" in 100 columns: the parameters follow
/// the parenthesis on as few lines as possible, aligned after it, or indented by 4 on the next
/// lines when the parenthesis is far to the right.
std::string wrapped(std::string_view indent, std::string_view before,
                    const std::vector<std::string>& params, std::string_view after);
/// A comment of one or more lines of at most 100 columns, broken between words.
std::string comment(std::string_view indent, std::string_view text);
/// "  if (COND) return VALUE;\n" in 100 columns: the return on its own line if need be, and
/// the condition broken after its || and && when it is still too long.
std::string guarded_return(const std::vector<std::string>& conds, std::string_view value);
/// "  if (COND) CALL;\n", laid out as guarded_return lays out its return.
std::string guarded_call(const std::vector<std::string>& conds, std::string_view call);
/// `n` spaces.
std::string indent_text(int n);
/// The longest line of a text.
std::size_t widest(std::string_view text);
/// A statement "PREFIX EXPR;\n" in 100 columns where it can be: broken after the loosest
/// operators outside brackets, or with the expression on its own line.
std::string fit_statement(const std::string& prefix, const std::string& expr, int indent);

}  // namespace mapsmith::codegen
