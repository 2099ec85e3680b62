#include "importer/log_file.h"

#include <gtest/gtest.h>

#include "importer/test_util.h"
#include "util/error.h"

namespace mapsmith::importer {
namespace {

using test::temp_dir;
using test::write_gz;
using test::write_text;

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(LogFile, ReadsPlainAndGzipLinesTheSame) {
  const std::string dir = temp_dir("lines");
  const std::string text = "one\ntwo\n\nfour\n";
  write_text(dir + "/a.log", text);
  write_gz(dir + "/a.log.gz", text);
  for (const std::string name : {"a.log", "a.log.gz"}) {
    LogFile f(dir + "/" + name);
    std::string line;
    std::vector<std::string> lines;
    while (f.read_line(line))
      lines.push_back(line);
    EXPECT_EQ(lines, (std::vector<std::string>{"one", "two", "", "four"})) << name;
    EXPECT_EQ(f.line_number(), 4u);
    EXPECT_FALSE(f.last_line_unterminated());
    EXPECT_EQ(f.offset(), text.size());
    EXPECT_EQ(f.compressed(), name == "a.log.gz");
  }
}

TEST(LogFile, SaysWhenTheLastLineHasNoEnd) {
  const std::string dir = temp_dir("cut");
  write_text(dir + "/a.log", "one\ntw");
  LogFile f(dir + "/a.log");
  std::string line;
  ASSERT_TRUE(f.read_line(line));
  EXPECT_FALSE(f.last_line_unterminated());
  ASSERT_TRUE(f.read_line(line));
  EXPECT_EQ(line, "tw");
  EXPECT_TRUE(f.last_line_unterminated());
  EXPECT_EQ(f.where(), dir + "/a.log:2");
  EXPECT_FALSE(f.read_line(line));
}

TEST(LogFile, MixesLinesBytesAndStrings) {
  const std::string dir = temp_dir("mixed");
  std::string bytes = "head\n";
  bytes += std::string("abc\0def", 7);
  bytes += std::string("\x01\x02\x03\x04", 4);
  write_gz(dir + "/m.gz", bytes);
  LogFile f(dir + "/m.gz");
  std::string line;
  ASSERT_TRUE(f.read_line(line));
  EXPECT_EQ(line, "head");
  std::string s;
  ASSERT_TRUE(f.read_cstring(s));
  EXPECT_EQ(s, "abc");
  char buf[8] = {};
  EXPECT_EQ(f.read(buf, 3), 3u);
  EXPECT_EQ(std::string(buf, 3), "def");
  EXPECT_EQ(f.read(buf, 8), 4u);
  EXPECT_TRUE(f.at_end());
  EXPECT_EQ(f.offset(), bytes.size());
}

TEST(LogFile, ReportsProgressUpToTheFileSize) {
  const std::string dir = temp_dir("progress");
  std::string text;
  for (int i = 0; i < 400000; ++i)
    text += "line number " + std::to_string(i) + "\n";
  write_text(dir + "/p.log", text);
  std::vector<std::uint64_t> done;
  std::uint64_t total = 0;
  LogFile f(dir + "/p.log", [&](const std::string&, std::uint64_t d, std::uint64_t t) {
    done.push_back(d);
    total = t;
  });
  std::string line;
  while (f.read_line(line)) {
  }
  ASSERT_GE(done.size(), 2u);
  EXPECT_EQ(total, text.size());
  EXPECT_EQ(done.back(), text.size());
  EXPECT_TRUE(std::is_sorted(done.begin(), done.end()));
}

TEST(LogFile, NamesAMissingFile) {
  EXPECT_EQ(message_of([] { LogFile f("/nonexistent/spy_0.log"); }),
            "/nonexistent/spy_0.log: cannot open: No such file or directory");
}

TEST(LogFile, TruncatedGzipIsAnError) {
  const std::string dir = temp_dir("truncgz");
  std::string text;
  for (int i = 0; i < 20000; ++i)
    text += "line " + std::to_string(i * 7919 % 10007) + "\n";
  write_gz(dir + "/t.gz", text);
  std::string gz = test::read_bytes(dir + "/t.gz");
  write_text(dir + "/t.gz", gz.substr(0, gz.size() / 2));
  const std::string msg = message_of([&] {
    LogFile f(dir + "/t.gz");
    std::string line;
    while (f.read_line(line)) {
    }
  });
  EXPECT_EQ(msg.rfind(dir + "/t.gz: truncated: the compressed data ends early after ", 0), 0u)
      << msg;
  EXPECT_NE(msg.find(": unexpected end of file"), std::string::npos) << msg;
}

TEST(LogFile, CorruptGzipIsAnError) {
  const std::string dir = temp_dir("corruptgz");
  std::string text;
  for (int i = 0; i < 20000; ++i)
    text += "line " + std::to_string(i * 7919 % 10007) + "\n";
  write_gz(dir + "/c.gz", text);
  std::string gz = test::read_bytes(dir + "/c.gz");
  for (std::size_t i = 100; i < 200; ++i)
    gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  write_text(dir + "/c.gz", gz);
  const std::string msg = message_of([&] {
    LogFile f(dir + "/c.gz");
    std::string line;
    while (f.read_line(line)) {
    }
  });
  EXPECT_EQ(msg.rfind(dir + "/c.gz: corrupt compressed data after ", 0), 0u) << msg;
}

}  // namespace
}  // namespace mapsmith::importer
