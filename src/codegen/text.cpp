#include "codegen/text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "codegen/cpp_names.h"

namespace mapsmith::codegen {

std::string snake(std::string_view name) {
  std::string out;
  for (char c : name)
    out += std::isalnum(static_cast<unsigned char>(c))
               ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
               : '_';
  return out;
}

std::string quoted_list(const dsl::NameList& names, std::string_view var) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += fmt::format("{}{} == {}", i ? " || " : "", var, cpp_string(names[i].text));
  return out;
}

/// A function head or call "BEFORE(P1, P2, ...)AFTER" that fits in 100 columns: the parameters
/// follow the parenthesis on as few lines as possible, aligned after it, or on the next lines
/// indented by 4 when the parenthesis is far to the right.
std::string wrapped(std::string_view indent, std::string_view before,
                    const std::vector<std::string>& params, std::string_view after) {
  std::string first = std::string(indent) + std::string(before) + "(";
  std::string one = first;
  for (std::size_t i = 0; i < params.size(); ++i)
    one += (i ? ", " : "") + params[i];
  one += ")" + std::string(after);
  if (one.size() <= 100) return one;
  auto layout = [&](bool far) {
    const std::string cont = far ? std::string(indent) + "    " : std::string(first.size(), ' ');
    std::string out = far ? first + "\n" + cont : first;
    std::size_t len = far ? cont.size() : first.size();
    bool fresh = true, fits = true;
    for (std::size_t i = 0; i < params.size(); ++i) {
      std::string piece = params[i] + (i + 1 < params.size() ? "," : ")" + std::string(after));
      if (!fresh && len + 1 + piece.size() > 100) {
        out += "\n" + cont;
        len = cont.size();
      } else if (!fresh) {
        out += " ";
        ++len;
      }
      out += piece;
      len += piece.size();
      fits = fits && len <= 100;
      fresh = false;
    }
    return std::make_pair(out, fits);
  };
  if (first.size() <= 60) {
    auto [out, fits] = layout(false);
    if (fits) return out;
  }
  return layout(true).first;
}

/// A comment of one or more lines, each at most 100 columns, broken between words.
std::string comment(std::string_view indent, std::string_view text) {
  std::string out;
  std::string line = std::string(indent) + "//";
  std::size_t start = 0;
  bool first = true;
  while (start <= text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(start, end - start);
    if (!first && line.size() + 1 + word.size() > 100) {
      out += line + "\n";
      line = std::string(indent) + "//  ";
    }
    line += " ";
    line += word;
    first = false;
    start = end + 1;
  }
  return out + line + "\n";
}

/// "  if (COND) return VALUE;" in 100 columns: the return on its own line if need be, and the
/// condition broken after its || or && when it is still too long.
namespace {

/// "  if (COND) ACTION;\n" in 100 columns.
std::string guarded(const std::vector<std::string>& conds, std::string_view action) {
  std::string cond;
  for (std::size_t i = 0; i < conds.size(); ++i)
    cond += (i ? " && " : "") + conds[i];
  std::string line = fmt::format("  if ({}) {};\n", cond, action);
  if (line.size() <= 101) return line;
  // Break between the terms of the condition, keeping each term whole.
  std::vector<std::string> terms;
  std::size_t start = 0;
  int depth = 0;
  for (std::size_t i = 0; i < cond.size(); ++i) {
    if (cond[i] == '(') ++depth;
    if (cond[i] == ')') --depth;
    if (depth == 0 && (cond.compare(i, 4, " || ") == 0 || cond.compare(i, 4, " && ") == 0)) {
      terms.push_back(cond.substr(start, i + 3 - start));
      start = i + 4;
      i += 3;
    }
  }
  terms.push_back(cond.substr(start));
  std::string out = "  if (";
  std::size_t len = out.size();
  for (std::size_t i = 0; i < terms.size(); ++i) {
    std::string piece = terms[i] + (i + 1 < terms.size() ? "" : ")");
    if (i > 0 && len + 1 + piece.size() > 100) {
      out += "\n      ";
      len = 6;
    } else if (i > 0) {
      out += " ";
      ++len;
    }
    out += piece;
    len += piece.size();
  }
  return out + fmt::format("\n    {};\n", action);
}

}  // namespace

std::string guarded_return(const std::vector<std::string>& conds, std::string_view value) {
  return guarded(conds, fmt::format("return {}", value));
}

std::string guarded_call(const std::vector<std::string>& conds, std::string_view call) {
  return guarded(conds, call);
}

std::string indent_text(int n) {
  return std::string(static_cast<std::size_t>(n), ' ');
}

/// The longest line of a text.
std::size_t widest(std::string_view text) {
  std::size_t best = 0, start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    best = std::max(best, end - start);
    start = end + 1;
  }
  return best;
}

/// A statement "PREFIX EXPR;" in 100 columns where it can be: broken after the loosest operators
/// outside brackets (||, then &&, then ?:, then + and -), the continuation lines aligned under
/// the expression, or else with the expression on its own line.
std::string fit_statement(const std::string& prefix, const std::string& expr, int indent) {
  std::string one = prefix + expr + ";\n";
  if (widest(one) <= 101 || expr.find('\n') != std::string::npos) return one;
  for (const char* op : {" || ", " && ", " ? ", " + "}) {
    // Split after || && + - (the operator ends the line); before ? and : (it starts the next).
    const std::string_view o = op;
    const bool before = o == " ? ";
    std::vector<std::string> parts;
    int depth = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i < expr.size(); ++i) {
      char c = expr[i];
      if (c == '(' || c == '[' || c == '{') ++depth;
      if (c == ')' || c == ']' || c == '}') --depth;
      if (depth != 0) continue;
      std::size_t len = 0;
      if (expr.compare(i, o.size(), o) == 0) len = o.size();
      if (o == " + " && expr.compare(i, 3, " - ") == 0) len = 3;
      if (before && expr.compare(i, 3, " : ") == 0) len = 3;
      if (len == 0) continue;
      if (before) {
        parts.push_back(expr.substr(start, i - start));
        start = i + 1;
      } else {
        parts.push_back(expr.substr(start, i + len - 1 - start));
        start = i + len;
      }
      i += len - 1;
    }
    if (parts.empty()) continue;
    parts.push_back(expr.substr(start));
    std::size_t col = prefix.size() <= 60 ? prefix.size() : static_cast<std::size_t>(indent + 4);
    std::string out = prefix.size() <= 60 ? prefix : prefix + "\n" + std::string(col, ' ');
    std::size_t len = col;
    const std::size_t cont = before ? col + parts[0].size() + 1 : col;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      std::string piece = parts[i] + (i + 1 == parts.size() ? ";" : "");
      if (i > 0 && (before || len + 1 + piece.size() > 100)) {
        out += "\n" + std::string(cont, ' ');
        len = cont;
      } else if (i > 0) {
        out += " ";
        ++len;
      }
      out += piece;
      len += piece.size();
    }
    out += "\n";
    if (widest(out) <= 100) return out;
  }
  std::string broken = prefix + "\n" + indent_text(indent + 4) + expr + ";\n";
  if (prefix.back() == ' ')
    broken = prefix.substr(0, prefix.size() - 1) + "\n" + indent_text(indent + 4) + expr + ";\n";
  return widest(broken) <= 100 ? broken : one;
}

}  // namespace mapsmith::codegen
