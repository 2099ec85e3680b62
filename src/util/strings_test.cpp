#include "util/strings.h"

#include <gtest/gtest.h>

namespace mapsmith {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsSubstitutionsAndSwaps) {
  EXPECT_EQ(edit_distance("GPU", "GPU"), 0u);
  EXPECT_EQ(edit_distance("GPU", "GPUU"), 1u);
  EXPECT_EQ(edit_distance("GPU", "GP"), 1u);
  EXPECT_EQ(edit_distance("GPU", "CPU"), 1u);
  EXPECT_EQ(edit_distance("CUP", "CPU"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(ClosestMatch, SuggestsPlausibleTypos) {
  std::vector<std::string> kinds = {"CPU", "GPU", "OMP"};
  EXPECT_EQ(closest_match("CUP", kinds), "CPU");
  EXPECT_EQ(closest_match("gpu", kinds), "GPU");
  EXPECT_EQ(closest_match("GPUS", kinds), "GPU");
  EXPECT_EQ(closest_match("XYZW", kinds), std::nullopt);
}

TEST(ClosestMatch, DoesNotGuessForOneLetterNames) {
  std::vector<std::string> names = {"a", "c", "m"};
  EXPECT_EQ(closest_match("b", names), std::nullopt);
  EXPECT_EQ(closest_match("M", names), "m");  // case-insensitive match is still a typo
}

}  // namespace
}  // namespace mapsmith
