// Issue 15 item 6: files are written through a unique temporary file, never half written, never
// through a planted link, keeping the mode and owner of what they replace.
#include "cli/file_write.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/test_util.h"

namespace mapsmith::cli {
namespace {

using test::CliTest;
using test::read;
using test::write;

class FileWrite : public CliTest {};

mode_t mode_of(const std::string& p) {
  struct stat st {};
  EXPECT_EQ(stat(p.c_str(), &st), 0);
  return st.st_mode & 07777;
}

TEST_F(FileWrite, Item6ReplacesAFileAndKeepsItsMode) {
  write(path("m.mapping"), "old\n");
  ASSERT_EQ(chmod(path("m.mapping").c_str(), 0640), 0);
  EXPECT_EQ(write_file_safely(path("m.mapping"), "new\n", Replace::InPlace), "");
  EXPECT_EQ(read(path("m.mapping")), "new\n");
  EXPECT_EQ(mode_of(path("m.mapping")), 0640u);  // was 0644 after a rewrite
  // Nothing is left beside it.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                          std::filesystem::directory_iterator()),
            1);
}

TEST_F(FileWrite, Item6APlantedLinkAtTheOldTemporaryNameIsNotFollowed) {
  write(path("victim"), "precious\n");
  write(path("m.mapping"), "old\n");
  // The fixed name the old code wrote through, pointing at another file.
  ASSERT_EQ(symlink(path("victim").c_str(), path("m.mapping.mapsmith-tmp").c_str()), 0);
  EXPECT_EQ(write_file_safely(path("m.mapping"), "new\n", Replace::InPlace), "");
  EXPECT_EQ(read(path("victim")), "precious\n");
  EXPECT_EQ(read(path("m.mapping")), "new\n");
}

TEST_F(FileWrite, Item6InPlaceRefusesLinksHardLinksAndReadOnlyFiles) {
  write(path("real.mapping"), "old\n");
  ASSERT_EQ(symlink(path("real.mapping").c_str(), path("link.mapping").c_str()), 0);
  EXPECT_EQ(write_file_safely(path("link.mapping"), "new\n", Replace::InPlace),
            path("link.mapping") +
                ": not rewritten: it is a symbolic link (run fmt -i on the file it points to)");
  EXPECT_TRUE(std::filesystem::is_symlink(path("link.mapping")));

  ASSERT_EQ(link(path("real.mapping").c_str(), path("hard.mapping").c_str()), 0);
  EXPECT_EQ(write_file_safely(path("hard.mapping"), "new\n", Replace::InPlace),
            path("hard.mapping") +
                ": not rewritten: it has 2 hard links, which a rewrite would separate (print it "
                "with 'mapsmith fmt' instead)");
  ASSERT_EQ(unlink(path("hard.mapping").c_str()), 0);

  ASSERT_EQ(chmod(path("real.mapping").c_str(), 0444), 0);
  EXPECT_EQ(write_file_safely(path("real.mapping"), "new\n", Replace::InPlace),
            path("real.mapping") + ": not rewritten: it is read-only");
  EXPECT_EQ(read(path("real.mapping")), "old\n");
}

TEST_F(FileWrite, Item6AnOutputCreatesAFileAndWritesThroughALink) {
  EXPECT_EQ(write_file_safely(path("new.cc"), "x\n", Replace::Output), "");
  EXPECT_EQ(read(path("new.cc")), "x\n");
  const mode_t mask = umask(0);
  umask(mask);
  EXPECT_EQ(mode_of(path("new.cc")), 0666u & ~mask);
  ASSERT_EQ(symlink(path("new.cc").c_str(), path("out.cc").c_str()), 0);
  EXPECT_EQ(write_file_safely(path("out.cc"), "y\n", Replace::Output), "");
  EXPECT_TRUE(std::filesystem::is_symlink(path("out.cc")));
  EXPECT_EQ(read(path("new.cc")), "y\n");
}

/// In a child process: 100 KB written under a 4 KB file-size limit; prints the message, exits 1
/// when the write failed.
[[noreturn]] void write_beyond_a_file_size_limit(const std::string& target) {
  signal(SIGXFSZ, SIG_IGN);
  const rlimit lim{4096, 4096};
  setrlimit(RLIMIT_FSIZE, &lim);
  const std::string e = write_file_safely(target, std::string(100'000, 'x'), Replace::Output);
  std::cerr << e << '\n';
  std::exit(e.empty() ? 0 : 1);
}

TEST_F(FileWrite, Item6AFullDiskLeavesThePreviousFileAsItWas) {
  // A file-size limit makes write() fail the way a full disk does: the old file must survive.
  write(path("mapper.cc"), "the previous mapper\n");
  const std::string target = path("mapper.cc");
  EXPECT_EXIT(write_beyond_a_file_size_limit(target), ::testing::ExitedWithCode(1),
              "mapper.cc: cannot write: File too large; the file is unchanged");
  EXPECT_EQ(read(target), "the previous mapper\n");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                          std::filesystem::directory_iterator()),
            1);
}

}  // namespace
}  // namespace mapsmith::cli
