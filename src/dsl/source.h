#pragma once
/// A mapping program's text and positions in it.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace mapsmith::dsl {

/// A 1-based line and column (columns count bytes) and the 0-based byte offset.
struct SourceLoc {
  std::uint32_t line = 0;
  std::uint32_t col = 0;
  std::uint32_t offset = 0;
  friend bool operator==(const SourceLoc&, const SourceLoc&) = default;
};

/// A comment as written ("# ..." or "// ...", trailing blanks dropped), kept so `fmt` can put it
/// back: where it starts and how long it is. SourceFile::text_of gives its text.
struct Comment {
  std::uint32_t pos = 0;
  std::uint32_t size = 0;
};

/// The UTF-8 byte-order mark.
inline constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

/// The text of one input, with its name as the user gave it (a path or "<string>"). A UTF-8
/// byte-order mark at its start is dropped, as JSON readers drop it: offsets, lines and columns
/// count from the first character after it. The table of
/// line starts is built the first time a line or a location is asked for: a program that draws no
/// message never needs it. Safe to share between threads.
class SourceFile {
 public:
  SourceFile(std::string name, std::string text);
  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  /// The text of a 1-based line, without its line terminator.
  std::string_view line_text(std::uint32_t line) const;
  std::uint32_t line_count() const { return static_cast<std::uint32_t>(line_starts().size()); }
  /// The location of a byte offset (offsets past the end map to the end).
  SourceLoc loc_at(std::uint32_t offset) const;
  /// The text of a comment.
  std::string_view text_of(const Comment& c) const {
    return std::string_view(text_).substr(c.pos, c.size);
  }

 private:
  const std::vector<std::uint32_t>& line_starts() const;

  std::string name_;
  std::string text_;
  mutable std::once_flag lines_once_;
  mutable std::vector<std::uint32_t> line_starts_;
};

using SourcePtr = std::shared_ptr<const SourceFile>;

}  // namespace mapsmith::dsl
