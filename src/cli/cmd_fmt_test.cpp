// `mapsmith fmt -i` (issue 15 item 6): refuses what must not be rewritten, keeps the mode, and
// never rewrites a file with errors.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/test_util.h"

namespace mapsmith::cli {
namespace {

using test::mapsmith;
using test::read;
using test::write;

class FmtInPlace : public test::CliTest {};

TEST_F(FmtInPlace, Item6RewritesAndKeepsTheMode) {
  write(path("m.mapping"), "Task *   GPU , CPU ;\n");
  ASSERT_EQ(chmod(path("m.mapping").c_str(), 0640), 0);
  const auto r = mapsmith({"fmt", "-i", path("m.mapping")});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(read(path("m.mapping")), "Task * GPU,CPU;\n");
  struct stat st {};
  ASSERT_EQ(stat(path("m.mapping").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST_F(FmtInPlace, Item6AFileWithCheckerErrorsIsNotRewritten) {
  const std::string text = "Task *   GPU ;\nIndexTaskMap t nowhere;\n";
  write(path("bad.mapping"), text);
  const auto r = mapsmith({"fmt", "-i", path("bad.mapping")});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(read(path("bad.mapping")), text);
  EXPECT_NE(r.err.find("error: undefined function 'nowhere'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("mapsmith fmt: " + path("bad.mapping") + ": not rewritten: it has errors\n"),
            std::string::npos)
      << r.err;
}

TEST_F(FmtInPlace, Item6ASymbolicLinkIsRefusedAndItsTargetUntouched) {
  const std::string text = "Task *   GPU ;\n";
  write(path("real.mapping"), text);
  ASSERT_EQ(symlink("real.mapping", path("link.mapping").c_str()), 0);
  const auto r = mapsmith({"fmt", "-i", path("link.mapping")});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, "mapsmith fmt: " + path("link.mapping") +
                       ": not rewritten: it is a symbolic link (run fmt -i on the file it points "
                       "to)\n");
  EXPECT_EQ(read(path("real.mapping")), text);
}

TEST_F(FmtInPlace, Item6AReadOnlyFileIsRefused) {
  const std::string text = "Task *   GPU ;\n";
  write(path("ro.mapping"), text);
  ASSERT_EQ(chmod(path("ro.mapping").c_str(), 0444), 0);
  const auto r = mapsmith({"fmt", "-i", path("ro.mapping")});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, "mapsmith fmt: " + path("ro.mapping") + ": not rewritten: it is read-only\n");
  EXPECT_EQ(read(path("ro.mapping")), text);
}

}  // namespace
}  // namespace mapsmith::cli
