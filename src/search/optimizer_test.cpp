#include "search/optimizer.h"

#include <gtest/gtest.h>

#include <set>

#include "search/test_util.h"
#include "search/tune.h"
#include "util/error.h"

namespace mapsmith::search {
namespace {

Space space_of(const app::App& a) {
  dsl::Diagnostics diags;
  return Space::build(a, test::tiny_machine(), std::nullopt, diags);
}

bool has(const std::string& text, const char* what) {
  return text.find(what) != std::string::npos;
}

/// A separable objective on the tiny app: four choices each take time off, one layout fails.
double separable(const std::string& t) {
  if (has(t, "Layout work * * AOS C_order;")) return -1;
  return 100 - 3.0 * has(t, "Task work CPU") - 2.0 * has(t, "InstanceLimit work 4;") -
         1.0 * has(t, "Layout work * * AOS F_order;") - 1.0 * has(t, "CollectMemory report grid;");
}

TuneResult run(const Space& s, const std::string& name, std::uint64_t seed, std::size_t budget,
               test::FakeEvaluator& fake, ResultsDb* db = nullptr, std::int64_t study = 0) {
  Rng rng(seed);
  auto opt = make_optimizer(name, s, s.default_point(), rng, budget);
  TuneOptions o;
  o.budget = budget;
  return tune(s, *opt, fake, o, db, study);
}

TEST(Exhaustive, EvaluatesEveryPointOnceAndFindsTheBest) {
  const Space s = space_of(test::mini_app());
  // The shortest non-empty program wins; the empty one (the default policy) fails.
  auto score = [](const std::string& t) { return t.empty() ? -1.0 : 1e-6 * double(t.size()); };
  test::FakeEvaluator fake(score);
  const TuneResult r = run(s, "exhaustive", 0, 40, fake);
  EXPECT_EQ(r.evaluations, 33u);
  EXPECT_EQ(r.fresh, 33u);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(r.stopped, "optimizer finished");
  EXPECT_EQ(fake.asked.size(), 33u);
  EXPECT_EQ(std::set<std::string>(fake.asked.begin(), fake.asked.end()).size(), 33u);
  std::string shortest;
  for (const std::string& t : fake.asked)
    if (!t.empty() && (shortest.empty() || t.size() < shortest.size())) shortest = t;
  ASSERT_TRUE(r.best);
  EXPECT_EQ(r.best->mapper, shortest);
  EXPECT_EQ(r.best->mapper, "Task work GPU,CPU;\n");  // as short as CPU,GPU, and found first
  EXPECT_EQ(r.best->number, 12u);
}

TEST(Exhaustive, RefusesASpaceLargerThanTheBudget) {
  const Space s = space_of(test::tiny_app());
  Rng rng(0);
  try {
    make_optimizer("exhaustive", s, s.default_point(), rng, 100);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "the space has 1.056e+06 points, more than the budget of 100: exhaustive search "
                 "needs --budget 1056000 or more (or use another optimizer)");
  }
}

TEST(MakeOptimizer, SuggestsTheNameMeant) {
  const Space s = space_of(test::mini_app());
  Rng rng(0);
  try {
    make_optimizer("coordinate-decent", s, s.default_point(), rng, 10);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "unknown optimizer 'coordinate-decent'; did you mean 'coordinate-descent'? (one "
                 "of: exhaustive, random, coordinate-descent, evolutionary, ensemble, llm, "
                 "hybrid)");
  }
  // The LLM optimizers need a client: agent::make_llm_optimizer makes them.
  try {
    make_optimizer("llm", s, s.default_point(), rng, 10);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "the optimizer 'llm' asks a language model: make it with "
                 "agent::make_llm_optimizer");
  }
}

TEST(Optimizers, AreReproducibleForASeedAndNeverPickAFailure) {
  const Space s = space_of(test::tiny_app());
  for (const char* name : {"random", "coordinate-descent", "evolutionary", "ensemble"}) {
    SCOPED_TRACE(name);
    test::FakeEvaluator a(separable), b(separable), c(separable);
    const TuneResult ra = run(s, name, 3, 120, a);
    const TuneResult rb = run(s, name, 3, 120, b);
    run(s, name, 4, 120, c);
    EXPECT_EQ(a.asked, b.asked);
    EXPECT_NE(a.asked, c.asked);
    EXPECT_EQ(ra.proposals, 120u);
    ASSERT_TRUE(ra.best);
    EXPECT_EQ(ra.best->mapper, rb.best->mapper);
    EXPECT_EQ(ra.best->number, rb.best->number);
    EXPECT_TRUE(ra.best->eval.ok);
    EXPECT_LT(ra.best->eval.time_s, 100);  // better than the start (the default policy)
    EXPECT_FALSE(has(ra.best->mapper, "Layout work * * AOS C_order;"));
  }
}

TEST(CoordinateDescent, FindsTheOptimumOfASeparableObjectiveInOneSweep) {
  const Space s = space_of(test::tiny_app());
  test::FakeEvaluator fake(separable);
  const TuneResult r = run(s, "coordinate-descent", 0, 200, fake);
  ASSERT_TRUE(r.best);
  EXPECT_EQ(r.best->eval.time_s, 93);
  EXPECT_EQ(r.best->origin, "coordinate-descent");
  // One sweep over the dimensions tries every other value of each once: 1 + 35 candidates.
  EXPECT_LE(r.best->number, 37u);
  EXPECT_EQ(s.describe(r.best->point),
            "base = default policy\n"
            "kinds work = CPU,GPU\n"
            "layout work = AOS F_order\n"
            "instance-limit work = 4\n"
            "collect report grid = collect\n");
}

TEST(Ensemble, SharesTheBudgetBetweenItsMembers) {
  const Space s = space_of(test::tiny_app());
  test::FakeEvaluator fake(separable);
  ResultsDb db(":memory:");
  const std::int64_t study = db.study(StudyKey{"tiny", "", "tiny", "fake", "f"});
  const TuneResult r = run(s, "ensemble", 1, 300, fake, &db, study);
  ASSERT_TRUE(r.best);
  EXPECT_EQ(r.best->eval.time_s, 93);
  std::set<std::string> origins;
  for (const EvalRow& row : db.top(study, 1000))
    origins.insert(row.origin);
  EXPECT_GE(origins.size(), 4u);  // default + at least three members
}

}  // namespace
}  // namespace mapsmith::search
