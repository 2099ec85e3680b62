#include "machine/space.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "util/error.h"

namespace mapsmith::machine {
namespace {

using ::testing::ElementsAre;
using Index = std::vector<std::int64_t>;
using Base = std::array<std::int64_t, 2>;

Space gpus(std::int64_t nodes, std::int64_t per_node) {
  return Space::base(ProcKind::GPU, nodes, per_node);
}

/// Unwraps a transformation that must succeed, reporting `why` otherwise.
Space ok(const std::optional<Space>& s, const std::string& why) {
  if (!s) ADD_FAILURE() << "unexpected failure: " << why;
  return s.value();
}

/// Every full index of `s`, first dimension slowest.
std::vector<Index> all_indices(const Space& s) {
  std::vector<Index> out;
  Index idx(s.dims(), 0);
  for (std::int64_t n = 0; n < s.volume(); ++n) {
    out.push_back(idx);
    for (std::size_t d = s.dims(); d-- > 0;) {
      if (++idx[d] < s.size()[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/// Checks new.to_base(i) == old.to_base(rule(i)) for every full index i of `now`: the rule is
/// dsl.md's, written out independently in each test.
void expect_rule(const Space& now, const Space& old,
                 const std::function<Index(const Index&)>& rule) {
  for (const Index& i : all_indices(now)) {
    Index o = rule(i);
    ASSERT_TRUE(old.contains(o)) << now.describe() << " index " << ::testing::PrintToString(i);
    EXPECT_EQ(now.to_base(i), old.to_base(o))
        << now.describe() << " index " << ::testing::PrintToString(i);
  }
}

TEST(SpaceBase, KindSizeVolumeAndIdentityIndex) {
  Space m = gpus(2, 4);
  EXPECT_EQ(m.kind(), ProcKind::GPU);
  EXPECT_THAT(m.size(), ElementsAre(2, 4));
  EXPECT_EQ(m.volume(), 8);
  EXPECT_EQ(m.dims(), 2u);
  EXPECT_EQ(m.describe(), "Machine(GPU)");
  EXPECT_EQ(m.to_base(Index{1, 3}), (Base{1, 3}));
}

TEST(SpaceBase, RejectsBadCounts) {
  EXPECT_THROW(Space::base(ProcKind::CPU, 0, 4), InputError);
  EXPECT_THROW(Space::base(ProcKind::CPU, 4, 0), InputError);
  EXPECT_NO_THROW(Space::base(ProcKind::CPU, std::int64_t{1} << 16, std::int64_t{1} << 15));
  try {
    Space::base(ProcKind::GPU, std::int64_t{1} << 16, (std::int64_t{1} << 15) + 1);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "Machine(GPU): 65536 nodes x 32769 processors is more than the 2147483648 "
                 "processors supported");
  }
  try {
    Space::base(ProcKind::OMP, 2, 0);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "Machine(OMP): the machine has no OMP processors");
  }
}

TEST(SpaceBase, ContainsAndToBasePrecondition) {
  Space m = gpus(2, 4);
  EXPECT_TRUE(m.contains(Index{0, 0}));
  EXPECT_FALSE(m.contains(Index{2, 0}));
  EXPECT_FALSE(m.contains(Index{0, -1}));
  EXPECT_FALSE(m.contains(Index{0}));
  EXPECT_FALSE(m.contains(Index{0, 0, 0}));
  EXPECT_THROW(m.to_base(Index{0, 4}), InternalError);
  EXPECT_THROW(m.to_base(Index{0}), InternalError);
}

TEST(SpaceMerge, WorkedExample) {
  std::string why;
  Space m = ok(gpus(2, 4).merge(0, 1, why), why);
  EXPECT_THAT(m.size(), ElementsAre(8));
  EXPECT_EQ(m.to_base(Index{5}), (Base{1, 1}));
  EXPECT_EQ(m.describe(), "Machine(GPU).merge(0, 1)");
}

TEST(SpaceMerge, IndexRule) {
  std::string why;
  // merge(1, 0): the merged dim stands at 0, and dim 0 (d2) varies fastest.
  Space base = gpus(2, 4);
  Space m = ok(base.merge(1, 0, why), why);
  EXPECT_THAT(m.size(), ElementsAre(8));
  EXPECT_EQ(m.to_base(Index{5}), (Base{1, 2}));
  expect_rule(m, base, [](const Index& i) { return Index{i[0] % 2, i[0] / 2}; });

  Space three = ok(gpus(2, 6).split(1, 2, why), why);  // (2, 2, 3)
  // d1 < d2: merged dim at d1.
  Space a = ok(three.merge(0, 2, why), why);
  EXPECT_THAT(a.size(), ElementsAre(6, 2));
  expect_rule(a, three, [](const Index& i) { return Index{i[0] / 3, i[1], i[0] % 3}; });
  // d1 > d2: merged dim at d1 - 1.
  Space b = ok(three.merge(2, 0, why), why);
  EXPECT_THAT(b.size(), ElementsAre(2, 6));
  expect_rule(b, three, [](const Index& i) { return Index{i[1] % 2, i[0], i[1] / 2}; });
  Space c = ok(three.merge(2, 1, why), why);
  EXPECT_THAT(c.size(), ElementsAre(2, 6));
  expect_rule(c, three, [](const Index& i) { return Index{i[0], i[1] % 2, i[1] / 2}; });
  Space d = ok(three.merge(1, 2, why), why);
  EXPECT_THAT(d.size(), ElementsAre(2, 6));
  expect_rule(d, three, [](const Index& i) { return Index{i[0], i[1] / 3, i[1] % 3}; });
}

TEST(SpaceSplit, IndexRule) {
  std::string why;
  Space base = gpus(2, 6);
  Space s = ok(base.split(1, 2, why), why);
  EXPECT_THAT(s.size(), ElementsAre(2, 2, 3));
  EXPECT_EQ(s.to_base(Index{1, 1, 2}), (Base{1, 5}));
  EXPECT_EQ(s.to_base(Index{1, 0, 1}), (Base{1, 2}));
  expect_rule(s, base, [](const Index& i) { return Index{i[0], i[1] + i[2] * 2}; });
  Space t = ok(base.split(0, 1, why), why);
  EXPECT_THAT(t.size(), ElementsAre(1, 2, 6));
  expect_rule(t, base, [](const Index& i) { return Index{i[0] + i[1], i[2]}; });
  Space u = ok(base.split(1, 6, why), why);
  EXPECT_THAT(u.size(), ElementsAre(2, 6, 1));
}

TEST(SpaceSwapSliceReverse, IndexRules) {
  std::string why;
  Space base = gpus(3, 5);
  Space w = ok(base.swap(0, 1, why), why);
  EXPECT_THAT(w.size(), ElementsAre(5, 3));
  EXPECT_EQ(w.to_base(Index{4, 1}), (Base{1, 4}));
  expect_rule(w, base, [](const Index& i) { return Index{i[1], i[0]}; });
  Space same = ok(base.swap(1, 1, why), why);
  EXPECT_THAT(same.size(), ElementsAre(3, 5));
  expect_rule(same, base, [](const Index& i) { return i; });

  Space s = ok(base.slice(1, 1, 3, why), why);
  EXPECT_THAT(s.size(), ElementsAre(3, 3));
  EXPECT_EQ(s.volume(), 9);
  EXPECT_EQ(s.to_base(Index{2, 0}), (Base{2, 1}));
  expect_rule(s, base, [](const Index& i) { return Index{i[0], i[1] + 1}; });
  Space one = ok(base.slice(0, 2, 2, why), why);
  EXPECT_THAT(one.size(), ElementsAre(1, 5));

  Space r = ok(base.reverse(1, why), why);
  EXPECT_THAT(r.size(), ElementsAre(3, 5));
  EXPECT_EQ(r.to_base(Index{0, 0}), (Base{0, 4}));
  expect_rule(r, base, [](const Index& i) { return Index{i[0], 4 - i[1]}; });
}

TEST(SpaceBalanceSplit, Factors) {
  EXPECT_THAT(balance_split_factors(6, 2), ElementsAre(3, 2));
  EXPECT_THAT(balance_split_factors(12, 3), ElementsAre(3, 2, 2));
  EXPECT_THAT(balance_split_factors(72, 3), ElementsAre(6, 6, 2));
  EXPECT_THAT(balance_split_factors(1, 2), ElementsAre(1, 1));
  EXPECT_THAT(balance_split_factors(7, 3), ElementsAre(7, 1, 1));
  EXPECT_THAT(balance_split_factors(16, 2), ElementsAre(4, 4));
  EXPECT_THAT(balance_split_factors(38, 2), ElementsAre(19, 2));  // primes past 17 too
  EXPECT_THAT(balance_split_factors(30, 2), ElementsAre(10, 3));  // not the most even: the rule
  EXPECT_THROW(balance_split_factors(12, 4), InternalError);
}

TEST(SpaceBalanceSplit, IndexRule) {
  std::string why;
  Space base = gpus(2, 12);
  Space b = ok(base.balance_split(1, 3, why), why);
  EXPECT_THAT(b.size(), ElementsAre(2, 3, 2, 2));
  EXPECT_EQ(b.describe(), "Machine(GPU).balance_split(1, 3)");
  expect_rule(b, base, [](const Index& i) { return Index{i[0], i[1] + i[2] * 3 + i[3] * 6}; });
  Space b2 = ok(base.balance_split(0, 2, why), why);
  EXPECT_THAT(b2.size(), ElementsAre(2, 1, 12));
  expect_rule(b2, base, [](const Index& i) { return Index{i[0] + i[1] * 2, i[2]}; });
}

TEST(SpaceAutoSplit, WorkedExamples) {
  EXPECT_THAT(auto_split_factors(4, std::vector<std::int64_t>{4, 2, 4}), ElementsAre(2, 1, 2));
  EXPECT_THAT(auto_split_factors(24, std::vector<std::int64_t>{2, 2, 3}), ElementsAre(2, 3, 4));
  EXPECT_THAT(auto_split_factors(1, std::vector<std::int64_t>{5, 7}), ElementsAre(1, 1));
  EXPECT_THAT(auto_split_factors(12, std::vector<std::int64_t>{9}), ElementsAre(12));
  // A square launch domain: greedy's (4, 2) is a minimiser, so it wins the tie with (2, 4).
  EXPECT_THAT(auto_split_factors(8, std::vector<std::int64_t>{10, 10}), ElementsAre(4, 2));
  EXPECT_THAT(auto_split_factors(8, std::vector<std::int64_t>{1, 100}), ElementsAre(1, 8));
}

TEST(SpaceGreedySplit, WorkedExamples) {
  EXPECT_THAT(greedy_split_factors(24, std::vector<std::int64_t>{2, 2, 3}), ElementsAre(4, 2, 3));
  EXPECT_THAT(greedy_split_factors(8, std::vector<std::int64_t>{1, 1}), ElementsAre(4, 2));
  EXPECT_THAT(greedy_split_factors(6, std::vector<std::int64_t>{1, 10}), ElementsAre(1, 6));
  EXPECT_THAT(greedy_split_factors(1, std::vector<std::int64_t>{3}), ElementsAre(1));
}

TEST(SpaceAutoSplit, SpaceIndexRuleAndDecompose) {
  std::string why;
  Space m = ok(gpus(2, 2).merge(0, 1, why), why);  // (4,)
  const std::vector<std::int64_t> L = {4, 2, 4};
  Space a = ok(m.auto_split(0, L, why), why);
  EXPECT_THAT(a.size(), ElementsAre(2, 1, 2));
  EXPECT_EQ(a.describe(), "Machine(GPU).merge(0, 1).auto_split(0, (4, 2, 4))");
  expect_rule(a, m, [](const Index& i) { return Index{i[0] + i[1] * 2 + i[2] * 2}; });
  Space d = ok(m.decompose(0, L, why), why);
  EXPECT_EQ(d.size(), a.size());
  EXPECT_EQ(d.describe(), "Machine(GPU).merge(0, 1).decompose(0, (4, 2, 4))");

  Space base = gpus(3, 8);
  const std::vector<std::int64_t> L2 = {2, 2, 3};
  Space g = ok(base.greedy_split(1, std::vector<std::int64_t>{1, 1}, why), why);
  EXPECT_THAT(g.size(), ElementsAre(3, 4, 2));
  expect_rule(g, base, [](const Index& i) { return Index{i[0], i[1] + i[2] * 4}; });
  Space one = ok(base.auto_split(1, std::vector<std::int64_t>{7}, why), why);
  EXPECT_THAT(one.size(), ElementsAre(3, 8));
  EXPECT_EQ(one.describe(), "Machine(GPU).auto_split(1, (7,))");
}

TEST(SpaceErrors, Messages) {
  Space m = gpus(2, 4);
  std::string why;
  const auto fails = [&](const std::optional<Space>& s) {
    EXPECT_FALSE(s.has_value());
    return why;
  };
  EXPECT_EQ(fails(m.merge(0, 2, why)), "merge: dimension 2 out of range for a 2-D space");
  EXPECT_EQ(fails(m.merge(-1, 0, why)),
            "merge: dimension -1 out of range for a 2-D space (dimensions count from 0; negative "
            "ones are not allowed)");
  EXPECT_EQ(fails(m.merge(1, 1, why)), "merge: cannot merge dimension 1 with itself");
  EXPECT_EQ(fails(m.split(1, 3, why)), "split: factor 3 does not divide size 4 of dimension 1");
  EXPECT_EQ(fails(m.split(1, 0, why)), "split: factor 0 must be positive");
  EXPECT_EQ(fails(m.split(1, -2, why)), "split: factor -2 must be positive");
  EXPECT_EQ(fails(m.split(2, 1, why)), "split: dimension 2 out of range for a 2-D space");
  EXPECT_EQ(fails(m.swap(0, 5, why)), "swap: dimension 5 out of range for a 2-D space");
  EXPECT_EQ(fails(m.slice(1, 2, 5, why)), "slice: range 2..5 out of 0..3 for dimension 1");
  EXPECT_EQ(fails(m.slice(0, -1, 0, why)), "slice: range -1..0 out of 0..1 for dimension 0");
  EXPECT_EQ(fails(m.slice(1, 3, 2, why)),
            "slice: range 3..2 of dimension 1 is empty (lo must be <= hi)");
  EXPECT_EQ(fails(m.reverse(3, why)), "reverse: dimension 3 out of range for a 2-D space");
  EXPECT_EQ(fails(m.balance_split(1, 4, why)),
            "balance_split: the number of parts must be 2 or 3, not 4");
  EXPECT_EQ(fails(m.balance_split(1, 1, why)),
            "balance_split: the number of parts must be 2 or 3, not 1");
  EXPECT_EQ(fails(m.auto_split(1, std::vector<std::int64_t>{}, why)),
            "auto_split: the launch domain () is empty; give one extent per dimension");
  EXPECT_EQ(fails(m.auto_split(1, std::vector<std::int64_t>{4, 0}, why)),
            "auto_split: launch domain (4, 0) has extent 0 at position 1; extents must be "
            "positive");
  EXPECT_EQ(fails(m.greedy_split(1, std::vector<std::int64_t>{-3}, why)),
            "greedy_split: launch domain (-3,) has extent -3 at position 0; extents must be "
            "positive");
  EXPECT_EQ(fails(m.decompose(-2, std::vector<std::int64_t>{4}, why)),
            "decompose: dimension -2 out of range for a 2-D space (dimensions count from 0; "
            "negative ones are not allowed)");
  const std::int64_t big = std::int64_t{1} << 32;
  EXPECT_EQ(fails(m.auto_split(1, std::vector<std::int64_t>{big, big}, why)),
            "auto_split: launch domain (4294967296, 4294967296) has more than 2^63 points");
  // greedy_split needs no product, so the same domain is fine there.
  EXPECT_TRUE(m.greedy_split(1, std::vector<std::int64_t>{big, big}, why).has_value());
}

TEST(SpaceErrors, Limits) {
  std::string why;
  Space m = Space::base(ProcKind::CPU, 1, 1);
  for (int i = 0; i < 14; ++i)
    m = ok(m.split(0, 1, why), why);
  EXPECT_EQ(m.dims(), 16u);
  EXPECT_FALSE(m.split(0, 1, why).has_value());
  EXPECT_EQ(why, "split: the result would have 17 dimensions; at most 16 are supported");
  Space small = Space::base(ProcKind::CPU, 1, 4);
  EXPECT_FALSE(small.auto_split(0, std::vector<std::int64_t>(16, 1), why).has_value());
  EXPECT_EQ(why, "auto_split: the result would have 17 dimensions; at most 16 are supported");

  Space huge =
      ok(Space::base(ProcKind::CPU, std::int64_t{1} << 16, std::int64_t{1} << 15).merge(0, 1, why),
         why);
  EXPECT_EQ(huge.volume(), std::int64_t{1} << 31);
  EXPECT_FALSE(huge.auto_split(0, std::vector<std::int64_t>(15, 2), why).has_value());
  EXPECT_EQ(why,
            "auto_split: too many ways to split size 2147483648 over 15 dimensions (more than "
            "1048576); split the machine into fewer dimensions first");
  // Three dimensions are always fine, even for the largest machine; greedy's choice is a minimiser.
  Space three = ok(huge.auto_split(0, std::vector<std::int64_t>{1000, 1000, 1000}, why), why);
  EXPECT_THAT(three.size(), ElementsAre(2048, 1024, 1024));
  EXPECT_EQ(three.to_base(Index{2047, 1023, 1023}), (Base{65535, 32767}));
  EXPECT_EQ(three.to_base(Index{1, 1, 0}), (Base{0, 2049}));
}

TEST(SpaceValue, TransformationsLeaveTheOriginalAlone) {
  std::string why;
  Space m = gpus(2, 4);
  Space copy = m;
  Space s = ok(m.split(1, 2, why), why);
  EXPECT_THAT(m.size(), ElementsAre(2, 4));
  EXPECT_EQ(m.describe(), "Machine(GPU)");
  EXPECT_EQ(copy.describe(), "Machine(GPU)");
  EXPECT_EQ(ok(ok(s.reverse(2, why), why).slice(0, 0, 0, why), why).describe(),
            "Machine(GPU).split(1, 2).reverse(2).slice(0, 0, 0)");
}

/// One random transformation of `s`; usually with valid arguments, sometimes with arbitrary ones
/// (which must then fail with a message or succeed consistently).
std::optional<Space> random_step(const Space& s, std::mt19937& rng, bool& sliced) {
  const auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  const auto n = static_cast<std::int64_t>(s.dims());
  const bool wild = pick(0, 9) == 0;
  const auto dim = [&] { return wild ? pick(-2, n + 1) : pick(0, n - 1); };
  std::string why;
  std::optional<Space> out;
  std::int64_t d = dim();
  const std::int64_t extent = d >= 0 && d < n ? s.size()[static_cast<std::size_t>(d)] : 1;
  switch (pick(0, 7)) {
    case 0:
      out = s.merge(d, dim(), why);
      break;
    case 1: {
      std::vector<std::int64_t> divisors;
      for (std::int64_t f = 1; f <= extent; ++f)
        if (extent % f == 0) divisors.push_back(f);
      std::int64_t f = wild ? pick(-1, 7) : divisors[pick(0, std::ssize(divisors) - 1)];
      out = s.split(d, f, why);
      break;
    }
    case 2:
      out = s.swap(d, dim(), why);
      break;
    case 3: {
      std::int64_t lo = wild ? pick(-1, extent) : pick(0, extent - 1);
      std::int64_t hi = wild ? pick(-1, extent) : pick(lo, extent - 1);
      out = s.slice(d, lo, hi, why);
      if (out) sliced = sliced || out->volume() < s.volume();
      break;
    }
    case 4:
      out = s.reverse(d, why);
      break;
    case 5:
      out = s.balance_split(d, wild ? pick(0, 4) : pick(2, 3), why);
      break;
    default: {
      std::vector<std::int64_t> L(static_cast<std::size_t>(pick(wild ? 0 : 1, 3)));
      for (auto& l : L)
        l = pick(wild ? 0 : 1, 6);
      out = pick(0, 1) ? s.auto_split(d, L, why) : s.greedy_split(d, L, why);
      break;
    }
  }
  if (!out) {
    EXPECT_FALSE(why.empty());
  }
  return out;
}

TEST(SpaceProperty, RandomChainsMapOneToOneOntoTheBase) {
  std::mt19937 rng(20240611);
  const std::vector<std::pair<std::int64_t, std::int64_t>> bases = {
      {1, 4}, {2, 4}, {4, 8}, {3, 5}, {8, 6}};
  int failures = 0;
  for (int chain = 0; chain < 2000; ++chain) {
    auto [nodes, per_node] = bases[static_cast<std::size_t>(chain) % bases.size()];
    Space s = Space::base(ProcKind::CPU, nodes, per_node);
    bool sliced = false;
    const int steps = std::uniform_int_distribution<int>(1, 5)(rng);
    for (int i = 0; i < steps; ++i) {
      std::optional<Space> next = random_step(s, rng, sliced);
      if (next) s = *next;
    }
    std::int64_t volume = 1;
    for (std::int64_t e : s.size())
      volume *= e;
    ASSERT_EQ(volume, s.volume()) << s.describe();
    std::set<Base> seen;
    for (const Index& i : all_indices(s)) {
      ASSERT_TRUE(s.contains(i));
      Base b = s.to_base(i);
      ASSERT_TRUE(b[0] >= 0 && b[0] < nodes && b[1] >= 0 && b[1] < per_node)
          << s.describe() << " " << ::testing::PrintToString(i);
      seen.insert(b);
    }
    EXPECT_EQ(std::ssize(seen), s.volume()) << s.describe() << ": two indices share a processor";
    if (!sliced) {
      EXPECT_EQ(s.volume(), nodes * per_node) << s.describe();
    }
    if (::testing::Test::HasFailure() && ++failures > 5) return;
  }
}

/// Exact sum O_i/L_i as a comparable integer: sum O_i * (prod L / L_i).
std::int64_t cost(const std::vector<std::int64_t>& O, const std::vector<std::int64_t>& L) {
  std::int64_t D = 1, sum = 0;
  for (std::int64_t l : L)
    D *= l;
  for (std::size_t i = 0; i < O.size(); ++i)
    sum += O[i] * (D / L[i]);
  return sum;
}

/// Every ordered factorisation of O into k factors.
void factorisations(std::int64_t O, std::size_t k, std::vector<std::int64_t>& cur,
                    std::vector<std::vector<std::int64_t>>& out) {
  if (cur.size() + 1 == k) {
    cur.push_back(O);
    out.push_back(cur);
    cur.pop_back();
    return;
  }
  for (std::int64_t f = 1; f <= O; ++f) {
    if (O % f) continue;
    cur.push_back(f);
    factorisations(O / f, k, cur, out);
    cur.pop_back();
  }
}

/// The position of a factorisation in dsl.md's enumeration: for each prime, largest first, the
/// exponents of dims 0..k-2; smaller keys come first.
std::vector<int> enumeration_key(const std::vector<std::int64_t>& O) {
  std::int64_t total = std::accumulate(O.begin(), O.end(), std::int64_t{1}, std::multiplies<>());
  std::vector<std::int64_t> primes;
  for (std::int64_t p = total; p >= 2; --p) {
    bool prime = true;
    for (std::int64_t q = 2; q * q <= p; ++q)
      prime = prime && p % q != 0;
    if (prime && total % p == 0) primes.push_back(p);
  }
  std::vector<int> key;
  for (std::int64_t p : primes) {
    for (std::size_t i = 0; i + 1 < O.size(); ++i) {
      int e = 0;
      for (std::int64_t v = O[i]; v % p == 0; v /= p)
        ++e;
      key.push_back(e);
    }
  }
  return key;
}

/// Legion's default-mapper greedy, written plainly.
std::vector<std::int64_t> plain_greedy(std::int64_t O, const std::vector<std::int64_t>& L) {
  std::vector<std::int64_t> primes;
  for (std::int64_t p = 2, n = O; n > 1; ++p)
    for (; n % p == 0; n /= p)
      primes.push_back(p);
  std::vector<std::int64_t> out(L.size(), 1);
  for (auto it = primes.rbegin(); it != primes.rend(); ++it) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < L.size(); ++i)
      if (L[i] * out[best] > L[best] * out[i]) best = i;  // L_i/O_i > L_best/O_best
    out[best] *= *it;
  }
  return out;
}

/// Every launch domain of length 1..3 with entries 1..6.
std::vector<std::vector<std::int64_t>> small_domains() {
  std::vector<std::vector<std::int64_t>> out;
  for (int k = 1; k <= 3; ++k) {
    std::vector<std::int64_t> L(static_cast<std::size_t>(k), 1);
    while (true) {
      out.push_back(L);
      std::size_t i = 0;
      while (i < L.size() && ++L[i] > 6)
        L[i++] = 1;
      if (i == L.size()) break;
    }
  }
  return out;
}

TEST(SpaceAutoSplit, BruteForceMinimiserAndTieRule) {
  const auto domains = small_domains();
  for (std::int64_t O = 1; O <= 64; ++O) {
    for (const auto& L : domains) {
      std::vector<std::vector<std::int64_t>> all;
      std::vector<std::int64_t> cur;
      factorisations(O, L.size(), cur, all);
      std::int64_t best = cost(all[0], L);
      for (const auto& c : all)
        best = std::min(best, cost(c, L));
      std::vector<std::int64_t> got = auto_split_factors(O, L);
      ASSERT_EQ(cost(got, L), best) << "O=" << O << " L=" << ::testing::PrintToString(L);
      ASSERT_EQ(std::accumulate(got.begin(), got.end(), std::int64_t{1}, std::multiplies<>()), O);
      // The tie rule: greedy when it is a minimiser, else the first minimiser in dsl.md's order.
      std::vector<std::int64_t> greedy = plain_greedy(O, L), expected;
      if (cost(greedy, L) == best) {
        expected = greedy;
      } else {
        for (const auto& c : all)
          if (cost(c, L) == best &&
              (expected.empty() || enumeration_key(c) < enumeration_key(expected)))
            expected = c;
      }
      ASSERT_EQ(got, expected) << "O=" << O << " L=" << ::testing::PrintToString(L);
    }
  }
}

TEST(SpaceGreedySplit, MatchesPlainReimplementation) {
  const auto domains = small_domains();
  for (std::int64_t O = 1; O <= 64; ++O)
    for (const auto& L : domains)
      ASSERT_EQ(greedy_split_factors(O, L), plain_greedy(O, L))
          << "O=" << O << " L=" << ::testing::PrintToString(L);
}

}  // namespace
}  // namespace mapsmith::machine
