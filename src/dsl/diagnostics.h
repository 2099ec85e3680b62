#pragma once
/// The one diagnostics sink of the language front end and of every later stage that reports a
/// problem at a line of a mapping program.
#include <cstddef>
#include <string>
#include <string_view>
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
  /// The source line, or on a long line only a window of it around `col`, which starts at byte
  /// `source_begin` of the line (so that many errors on one long line stay cheap).
  std::string source_line;
  std::uint32_t source_begin = 0;
  bool source_cut = false;  ///< the line goes on after the window
};

/// The longest name or number a message shows whole; a longer one is cut (clip_words).
inline constexpr std::size_t kMaxShownWord = 64;
/// `text` with every run of name characters ([A-Za-z0-9_]) longer than kMaxShownWord cut to
/// its first 40 characters and "...": a 10 MB name must not make a 10 MB message.
std::string clip_words(std::string_view text);

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
/// Long source lines are shown as a window around the column. `color`: with ANSI colours, for
/// a terminal.
std::string render(const Diagnostic& d, bool color = false);
/// The closing line of a list of diagnostics: "2 errors, 1 warning".
std::string summary(std::size_t errors, std::size_t warnings);
/// All diagnostics as a JSON array of {file, line, col, severity, message, hint}.
std::string render_json(const std::vector<Diagnostic>& ds);

}  // namespace mapsmith::dsl
