#include "dsl/diagnostics.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace mapsmith::dsl {

namespace {

constexpr std::size_t kWindow = 100;  // columns of a long source line shown around the caret

bool word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/// Where the window of a long line starts, for a caret at byte `col` (0-based) of the line.
std::size_t window_begin(std::size_t size, std::size_t col) {
  if (size <= kWindow) return 0;
  return col > kWindow / 2 ? std::min(col - kWindow / 2, size) : 0;
}

Diagnostic located(Severity sev, const SourceFile& src, SourceLoc loc, std::string message,
                   std::string hint) {
  Diagnostic d{sev, src.name(), loc.line, loc.col, std::move(message), std::move(hint), {}};
  const std::string_view line = src.line_text(loc.line);
  const std::size_t begin = window_begin(line.size(), loc.col > 0 ? loc.col - 1 : 0);
  d.source_line = std::string(line.substr(begin, line.size() > kWindow ? kWindow : line.size()));
  d.source_begin = static_cast<std::uint32_t>(begin);
  d.source_cut = begin + d.source_line.size() < line.size();
  return d;
}

}  // namespace

std::string clip_words(std::string_view text) {
  std::string out;
  out.reserve(std::min(text.size(), std::size_t{4096}));
  for (std::size_t i = 0; i < text.size();) {
    if (!word_char(text[i])) {
      out += text[i++];
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && word_char(text[end]))
      ++end;
    if (end - i > kMaxShownWord) {
      out.append(text.substr(i, 40));
      out += "...";
    } else {
      out.append(text.substr(i, end - i));
    }
    i = end;
  }
  return out;
}

void Diagnostics::add(Diagnostic d) {
  if (d.severity == Severity::Error) {
    if (errors_ >= limit_) return;
    ++errors_;
    d.message = clip_words(d.message);
    d.hint = clip_words(d.hint);
    if (errors_ == limit_) {
      d.hint = fmt::format("stopped after {} errors; fix these first", limit_);
    }
  } else {
    if (warnings_ >= limit_) return;
    ++warnings_;
    d.message = clip_words(d.message);
    d.hint = clip_words(d.hint);
  }
  items_.push_back(std::move(d));
}

void Diagnostics::error(const SourceFile& src, SourceLoc loc, std::string message,
                        std::string hint) {
  if (errors_ >= limit_) return;  // not even the line's window is copied
  add(located(Severity::Error, src, loc, std::move(message), std::move(hint)));
}

void Diagnostics::warning(const SourceFile& src, SourceLoc loc, std::string message,
                          std::string hint) {
  if (warnings_ >= limit_) return;
  add(located(Severity::Warning, src, loc, std::move(message), std::move(hint)));
}

void Diagnostics::file_error(std::string file, std::string message, std::string hint) {
  add(Diagnostic{Severity::Error, std::move(file), 0, 0, std::move(message), std::move(hint), {}});
}

std::string render(const Diagnostic& d, bool color) {
  // ANSI colours as compilers use them: the place in bold, "error" red, "warning" magenta, the
  // caret green, "hint" cyan.
  const char* bold = color ? "\033[1m" : "";
  const char* reset = color ? "\033[0m" : "";
  const bool error = d.severity == Severity::Error;
  const std::string sev = fmt::format("{}{}{}", color ? (error ? "\033[1;31m" : "\033[1;35m") : "",
                                      error ? "error" : "warning", reset);
  std::string out;
  if (d.line == 0) {
    out = fmt::format("{}{}:{} {}: {}\n", bold, d.file, reset, sev, d.message);
  } else {
    out = fmt::format("{}{}:{}:{}:{} {}: {}\n", bold, d.file, d.line, d.col, reset, sev, d.message);
    std::string_view line = d.source_line;
    std::size_t col = d.col > 0 ? d.col - 1 : 0;
    // A window of the line (source_begin), or a whole long line that another stage gave.
    std::size_t begin = d.source_begin;
    bool cut = d.source_cut;
    if (line.size() > kWindow) {
      const std::size_t w = window_begin(line.size(), col >= begin ? col - begin : 0);
      cut = cut || w + kWindow < line.size();
      begin += w;
      line = line.substr(w, kWindow);
    }
    std::string prefix = begin > 0 ? "..." : "";
    std::string suffix = cut ? "..." : "";
    // Printable text only: control bytes would garble the terminal.
    std::string shown = prefix;
    std::string caret(prefix.size(), ' ');
    for (std::size_t i = 0; i < line.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(line[i]);
      char shown_c = (c == '\t' || c >= 0x20) && c != 0x7f ? static_cast<char>(c) : '?';
      shown += shown_c;
      if (begin + i < col) caret += c == '\t' ? '\t' : ' ';
    }
    shown += suffix;
    out += fmt::format("  {}\n  {}{}^{}\n", shown, caret, color ? "\033[1;32m" : "", reset);
  }
  if (!d.hint.empty())
    out += fmt::format("{}hint:{} {}\n", color ? "\033[1;36m" : "", reset, d.hint);
  return out;
}

std::string summary(std::size_t errors, std::size_t warnings) {
  return fmt::format("{} error{}, {} warning{}\n", errors, errors == 1 ? "" : "s", warnings,
                     warnings == 1 ? "" : "s");
}

std::string render_json(const std::vector<Diagnostic>& ds) {
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const Diagnostic& d : ds) {
    arr.push_back({{"file", d.file},
                   {"line", d.line},
                   {"col", d.col},
                   {"severity", d.severity == Severity::Error ? "error" : "warning"},
                   {"message", d.message},
                   {"hint", d.hint}});
  }
  return arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace mapsmith::dsl
