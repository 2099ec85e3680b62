#pragma once
/// The one diagnostics sink of the language front end and of every later stage that reports a
/// problem at a line of a mapping program.
#include <cstddef>
#include <string>
#include <vector>

#include "dsl/source.h"

namespace mapsmith::dsl {

enum class Severity { Error, Warning };

/// One finding: where (file, line, col; line 0 when the input as a whole is at fault), what, and
/// how to fix it (`hint`, possibly empty). `source_line` is the text of that line, kept so a
/// diagnostic can be rendered after the source is gone.
struct Diagnostic {
  Severity severity = Severity::Error;
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t col = 0;
  std::string message;
  std::string hint;
  std::string source_line;
};

/// Collects diagnostics in the order they were found. Stops recording after `limit` errors (the
/// last recorded one says so), so garbage input cannot flood the output.
class Diagnostics {
 public:
  explicit Diagnostics(std::size_t limit = 50) : limit_(limit) {}

  void error(const SourceFile& src, SourceLoc loc, std::string message, std::string hint = {});
  void warning(const SourceFile& src, SourceLoc loc, std::string message, std::string hint = {});
  /// An error about a whole input (unreadable, binary, too large): no line.
  void file_error(std::string file, std::string message, std::string hint = {});
  void add(Diagnostic d);

  bool has_errors() const { return errors_ > 0; }
  std::size_t error_count() const { return errors_; }
  std::size_t warning_count() const { return warnings_; }
  const std::vector<Diagnostic>& all() const { return items_; }
  /// True once the error limit was reached: callers may stop early.
  bool saturated() const { return errors_ >= limit_; }

 private:
  std::vector<Diagnostic> items_;
  std::size_t errors_ = 0;
  std::size_t warnings_ = 0;
  std::size_t limit_;
};

/// Renders one diagnostic as
///   FILE:LINE:COL: error: MESSAGE
///     <the source line>
///     <caret under the column>
///   hint: HOW TO FIX
/// Long source lines are shown as a window around the column.
std::string render(const Diagnostic& d);
/// All diagnostics as a JSON array of {file, line, col, severity, message, hint}.
std::string render_json(const std::vector<Diagnostic>& ds);

}  // namespace mapsmith::dsl
