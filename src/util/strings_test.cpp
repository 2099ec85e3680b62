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

namespace mapsmith {
namespace {

// ---- issue 15 item 5: "did you mean" costs a bounded amount per name ----

TEST(ClosestMatch, Item5ANameLongerThan64CharactersGetsNoSuggestion) {
  // Comparing two 10 MB names would take 10^14 steps; no typo is worth that.
  const std::string longname(65, 'a');
  const std::vector<std::string> candidates = {longname + "b", std::string(64, 'a')};
  EXPECT_EQ(closest_match(longname, candidates), std::nullopt);
  const std::string ok(64, 'a');
  EXPECT_EQ(closest_match(ok, std::vector<std::string>{ok + "b"}), ok + "b");
}

TEST(ClosestMatch, Item5CandidatesTooFarInLengthAreSkippedWithTheSameAnswer) {
  const std::vector<std::string> candidates = {std::string(1000, 'x'), "cpu_tasks", "gpu_task"};
  EXPECT_EQ(closest_match("gpu_tsk", candidates), "gpu_task");
  EXPECT_EQ(closest_match("CPU_TASKS", candidates), "cpu_tasks");  // a case-insensitive match
}

}  // namespace
}  // namespace mapsmith
