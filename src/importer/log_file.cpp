#include "importer/log_file.h"

#include <fmt/format.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "util/error.h"

namespace mapsmith::importer {

namespace {
constexpr std::size_t kBuffer = std::size_t{1} << 18;
/// A line longer than this is not a log line: the file is not a text log (or is corrupt).
constexpr std::size_t kMaxLine = std::size_t{1} << 24;
constexpr std::uint64_t kReportEvery = std::uint64_t{1} << 22;

gzFile gz(void* p) {
  return static_cast<gzFile>(p);
}
}  // namespace

LogFile::LogFile(std::string path, Progress progress)
    : path_(std::move(path)), progress_(std::move(progress)) {
  std::error_code ec;
  if (std::filesystem::is_directory(path_, ec))
    throw InputError(fmt::format("{}: cannot open: it is a directory", path_));
  errno = 0;
  gzFile f = gzopen(path_.c_str(), "rb");
  if (!f)
    throw InputError(
        fmt::format("{}: cannot open: {}", path_, errno ? std::strerror(errno) : "out of memory"));
  gz_ = f;
  gzbuffer(f, 1 << 17);
  const auto size = std::filesystem::file_size(path_, ec);
  size_ = ec ? 0 : size;
  buf_.resize(kBuffer);
  try {
    fill();
  } catch (...) {
    gzclose(f);  // the destructor does not run for a constructor that throws
    gz_ = nullptr;
    throw;
  }
  compressed_ = gzdirect(f) == 0;
}

LogFile::~LogFile() {
  if (gz_) gzclose(gz(gz_));
}

std::string LogFile::where() const {
  return fmt::format("{}:{}", path_, line_);
}

void LogFile::report() {
  if (!progress_) return;
  const auto done = static_cast<std::uint64_t>(gzoffset(gz(gz_)));
  if (done < reported_ + kReportEvery && !eof_) return;
  reported_ = done;
  progress_(path_, eof_ ? size_ : done, size_);
}

/// Moves what is left of the buffer to its front and reads more; false when nothing more came.
bool LogFile::fill() {
  if (eof_) return false;
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
  const int n = gzread(gz(gz_), buf_.data() + end_, static_cast<unsigned>(buf_.size() - end_));
  int err = Z_OK;
  const char* msg = gzerror(gz(gz_), &err);
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END)) {
    // zlib says "unexpected end of file" for a gzip stream cut short.
    const bool cut = err == Z_BUF_ERROR;
    throw InputError(fmt::format(
        "{}: {} after {} bytes: {}", path_,
        cut ? "truncated: the compressed data ends early" : "corrupt compressed data",
        offset_ + (end_ - pos_) + static_cast<std::uint64_t>(n > 0 ? n : 0), msg ? msg : "?"));
  }
  if (n == 0) {
    eof_ = true;
    report();
    return false;
  }
  end_ += static_cast<std::size_t>(n);
  report();
  return true;
}

bool LogFile::read_line(std::string& line) {
  for (;;) {
    const char* begin = buf_.data() + pos_;
    const void* nl = std::memchr(begin, '\n', end_ - pos_);
    if (nl) {
      const auto len = static_cast<std::size_t>(static_cast<const char*>(nl) - begin);
      line.assign(begin, len);
      pos_ += len + 1;
      offset_ += len + 1;
      ++line_;
      return true;
    }
    if (end_ - pos_ > kMaxLine)
      throw InputError(fmt::format("{}:{}: a line longer than {} bytes: not a text log", path_,
                                   line_ + 1, kMaxLine));
    if (!fill()) {
      if (pos_ == end_) return false;
      line.assign(buf_.data() + pos_, end_ - pos_);
      offset_ += end_ - pos_;
      pos_ = end_;
      ++line_;
      unterminated_ = true;
      return true;
    }
  }
}

std::size_t LogFile::read(void* out, std::size_t n) {
  auto* dst = static_cast<char*>(out);
  std::size_t got = 0;
  while (got < n) {
    if (pos_ == end_ && !fill()) break;
    const std::size_t take = std::min(n - got, end_ - pos_);
    std::memcpy(dst + got, buf_.data() + pos_, take);
    pos_ += take;
    got += take;
  }
  offset_ += got;
  return got;
}

bool LogFile::read_cstring(std::string& out) {
  out.clear();
  for (;;) {
    if (pos_ == end_ && !fill()) return false;
    const char* begin = buf_.data() + pos_;
    const void* nul = std::memchr(begin, '\0', end_ - pos_);
    const std::size_t len =
        nul ? static_cast<std::size_t>(static_cast<const char*>(nul) - begin) : end_ - pos_;
    out.append(begin, len);
    pos_ += len;
    offset_ += len;
    if (nul) {
      ++pos_;
      ++offset_;
      return true;
    }
    if (out.size() > kMaxLine) return false;
  }
}

bool LogFile::at_end() {
  return pos_ == end_ && !fill();
}

}  // namespace mapsmith::importer
