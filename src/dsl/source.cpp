#include "dsl/source.h"

#include <algorithm>

namespace mapsmith::dsl {

SourceFile::SourceFile(std::string name, std::string text)
    : name_(std::move(name)), text_(std::move(text)) {
  if (text_.starts_with(kByteOrderMark)) text_.erase(0, kByteOrderMark.size());
}

const std::vector<std::uint32_t>& SourceFile::line_starts() const {
  std::call_once(lines_once_, [this] {
    line_starts_.reserve(static_cast<std::size_t>(std::count(text_.begin(), text_.end(), '\n')) +
                         1);
    line_starts_.push_back(0);
    // A line ends with LF, CR LF, or a CR alone, as the lexer counts them.
    for (std::uint32_t i = 0; i < text_.size(); ++i)
      if (text_[i] == '\n' || (text_[i] == '\r' && (i + 1 == text_.size() || text_[i + 1] != '\n')))
        line_starts_.push_back(i + 1);
  });
  return line_starts_;
}

std::string_view SourceFile::line_text(std::uint32_t line) const {
  const std::vector<std::uint32_t>& starts = line_starts();
  if (line == 0 || line > starts.size()) return {};
  std::uint32_t begin = starts[line - 1];
  std::uint32_t end =
      line < starts.size() ? starts[line] - 1 : static_cast<std::uint32_t>(text_.size());
  std::string_view s(text_.data() + begin, end - begin);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

SourceLoc SourceFile::loc_at(std::uint32_t offset) const {
  const std::vector<std::uint32_t>& starts = line_starts();
  offset = std::min<std::uint32_t>(offset, static_cast<std::uint32_t>(text_.size()));
  auto it = std::upper_bound(starts.begin(), starts.end(), offset);
  std::uint32_t line = static_cast<std::uint32_t>(it - starts.begin());
  return SourceLoc{line, offset - starts[line - 1] + 1, offset};
}

}  // namespace mapsmith::dsl
