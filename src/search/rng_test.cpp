#include "search/rng.h"

#include <gtest/gtest.h>

namespace mapsmith::search {
namespace {

// The numbers are pinned: a seed must give the same search on every platform and library.
TEST(Rng, IsXoshiro256StarStarSeededBySplitMix64) {
  Rng r(0);
  EXPECT_EQ(r.next(), 11091344671253066420ULL);
  EXPECT_EQ(r.next(), 13793997310169335082ULL);
  EXPECT_EQ(r.next(), 1900383378846508768ULL);
}

TEST(Rng, BelowIsPinnedAndInRange) {
  Rng r(42);
  std::vector<std::uint64_t> got;
  for (int i = 0; i < 10; ++i)
    got.push_back(r.below(10));
  EXPECT_EQ(got, (std::vector<std::uint64_t>{0, 3, 6, 9, 9, 7, 7, 8, 7, 5}));
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(r.below(1), 0u);
    EXPECT_LT(r.below(3), 3u);
    const double u = r.uniform();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

TEST(Rng, SplitGivesAnIndependentReproducibleStream) {
  Rng a(5), b(5);
  Rng ca = a.split(), cb = b.split();
  EXPECT_EQ(ca.next(), cb.next());
  EXPECT_EQ(a.next(), b.next());
  EXPECT_NE(Rng(5).next(), Rng(6).next());
}

}  // namespace
}  // namespace mapsmith::search
