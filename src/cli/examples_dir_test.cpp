// Issue 15 item 14: the expert mappers are found from the executable, installed or built.
#include "cli/examples_dir.h"

#include <gtest/gtest.h>

#include "cli/test_util.h"

namespace mapsmith::cli {
namespace {

class ExamplesDir : public test::CliTest {};

TEST_F(ExamplesDir, Item14AnInstalledLayoutIsFoundFromTheBinary) {
  std::filesystem::create_directories(path("prefix/bin"));
  std::filesystem::create_directories(path("prefix/share/mapsmith/examples/circuit"));
  test::write(path("prefix/bin/mapsmith"), "");
  const auto found = examples_dir(path("prefix/bin/mapsmith"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, std::filesystem::canonical(path("prefix/share/mapsmith/examples")));
}

TEST_F(ExamplesDir, Item14ABuildTreeLinkIsFound) {
  std::filesystem::create_directories(path("build/examples"));
  test::write(path("build/mapsmith"), "");
  EXPECT_EQ(examples_dir(path("build/mapsmith")),
            std::filesystem::canonical(path("build/examples")));
  std::filesystem::create_directories(path("lonely"));
  test::write(path("lonely/mapsmith"), "");
  EXPECT_FALSE(examples_dir(path("lonely/mapsmith")).has_value());
}

TEST(BuiltinExpert, Item14TheTestBinaryFindsTheShippedExperts) {
  // The test runs from the build tree, where CMake links examples/ beside the binaries.
  const std::string p = builtin_expert("circuit");
  EXPECT_TRUE(p.ends_with("/examples/circuit/expert.mapping")) << p;
  EXPECT_EQ(builtin_expert("no-such-app"), "");
}

}  // namespace
}  // namespace mapsmith::cli
