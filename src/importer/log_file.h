#pragma once
/// Reading a log that a Legion run wrote, plain or gzip-compressed (zlib reads both the same
/// way): line by line (Legion Spy) or as raw bytes (Legion Prof). Memory is bounded by one
/// buffer and the longest line, never by the file. Problems are InputErrors that name the file
/// and the line or byte where they were found.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace mapsmith::importer {

/// Called now and then while a file is read: bytes of the file (as stored on disk) consumed so
/// far and its size; `path` names the file.
using Progress =
    std::function<void(const std::string& path, std::uint64_t done, std::uint64_t total)>;

class LogFile {
 public:
  /// Opens `path`. Throws InputError "PATH: cannot open: REASON".
  explicit LogFile(std::string path, Progress progress = {});
  ~LogFile();
  LogFile(const LogFile&) = delete;
  LogFile& operator=(const LogFile&) = delete;

  const std::string& path() const { return path_; }
  /// The next line without its end of line; false at the end of the file. A last line without
  /// a newline is returned too, and `last_line_unterminated()` then says so (a cut-off log).
  bool read_line(std::string& line);
  /// The number of the line `read_line` returned last, from 1.
  std::uint64_t line_number() const { return line_; }
  bool last_line_unterminated() const { return unterminated_; }

  /// Reads up to `n` bytes into `out`; fewer only at the end of the file.
  std::size_t read(void* out, std::size_t n);
  /// Reads a NUL-terminated string (the NUL is consumed, not stored); false when the file ends
  /// before the NUL.
  bool read_cstring(std::string& out);
  /// True when the next read would return nothing.
  bool at_end();
  /// Uncompressed bytes consumed so far (lines and reads).
  std::uint64_t offset() const { return offset_; }
  /// True when the file is gzip-compressed.
  bool compressed() const { return compressed_; }
  /// "PATH:LINE" for the last line read.
  std::string where() const;

 private:
  bool fill();
  void report();
  std::string path_;
  Progress progress_;
  void* gz_ = nullptr;  // gzFile
  std::string buf_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  bool eof_ = false;
  bool compressed_ = false;
  bool unterminated_ = false;
  std::uint64_t line_ = 0;
  std::uint64_t offset_ = 0;
  std::uint64_t size_ = 0;
  std::uint64_t reported_ = 0;
};

}  // namespace mapsmith::importer
