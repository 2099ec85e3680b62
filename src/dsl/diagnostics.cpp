#include "dsl/diagnostics.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace mapsmith::dsl {

namespace {
constexpr std::size_t kWindow = 100;  // columns of a long source line shown around the caret
}

void Diagnostics::add(Diagnostic d) {
  if (d.severity == Severity::Error) {
    if (errors_ >= limit_) return;
    ++errors_;
    if (errors_ == limit_) {
      d.hint = fmt::format("stopped after {} errors; fix these first", limit_);
    }
  } else {
    if (warnings_ >= limit_) return;
    ++warnings_;
  }
  items_.push_back(std::move(d));
}

void Diagnostics::error(const SourceFile& src, SourceLoc loc, std::string message,
                        std::string hint) {
  add(Diagnostic{Severity::Error, src.name(), loc.line, loc.col, std::move(message),
                 std::move(hint), std::string(src.line_text(loc.line))});
}

void Diagnostics::warning(const SourceFile& src, SourceLoc loc, std::string message,
                          std::string hint) {
  add(Diagnostic{Severity::Warning, src.name(), loc.line, loc.col, std::move(message),
                 std::move(hint), std::string(src.line_text(loc.line))});
}

void Diagnostics::file_error(std::string file, std::string message, std::string hint) {
  add(Diagnostic{Severity::Error, std::move(file), 0, 0, std::move(message), std::move(hint), {}});
}

std::string render(const Diagnostic& d) {
  const char* sev = d.severity == Severity::Error ? "error" : "warning";
  std::string out;
  if (d.line == 0) {
    out = fmt::format("{}: {}: {}\n", d.file, sev, d.message);
  } else {
    out = fmt::format("{}:{}:{}: {}: {}\n", d.file, d.line, d.col, sev, d.message);
    std::string_view line = d.source_line;
    std::size_t col = d.col > 0 ? d.col - 1 : 0;
    std::size_t begin = 0;
    std::string prefix, suffix;
    if (line.size() > kWindow) {
      begin = col > kWindow / 2 ? col - kWindow / 2 : 0;
      if (begin > 0) prefix = "...";
      if (begin + kWindow < line.size()) suffix = "...";
      line = line.substr(begin, kWindow);
    }
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
    caret += '^';
    out += fmt::format("  {}\n  {}\n", shown, caret);
  }
  if (!d.hint.empty()) out += fmt::format("hint: {}\n", d.hint);
  return out;
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
