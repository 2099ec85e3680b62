#include "search/sim_evaluator.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <atomic>
#include <set>

#include "search/space.h"
#include "search/test_util.h"
#include "util/error.h"

namespace mapsmith::search {
namespace {

class SimEvaluatorTest : public ::testing::Test {
 protected:
  machine::Machine m = test::tiny_machine();
  app::App a = test::tiny_app();
  Evaluation one(const std::string& text) {
    return SimEvaluator::evaluate_one(a, m, text, SimSettings{});
  }
};

TEST_F(SimEvaluatorTest, TheDefaultPolicyRuns) {
  const Evaluation e = one("");
  ASSERT_TRUE(e.ok) << e.failure;
  EXPECT_GT(e.time_s, 0);
  EXPECT_GE(e.run_time_s, e.time_s);
  EXPECT_EQ(e.failure, "");
}

TEST_F(SimEvaluatorTest, ASyntaxErrorIsAFailureWithItsLine) {
  const Evaluation e = one("Task work GPU\nLayout * * * SOA;\n");
  EXPECT_FALSE(e.ok);
  EXPECT_EQ(e.failure.rfind("line ", 0), 0u) << e.failure;
  EXPECT_NE(e.feedback.find("candidate.mapping:"), std::string::npos) << e.feedback;
}

TEST_F(SimEvaluatorTest, AnUnknownTaskIsAFailure) {
  const Evaluation e = one("Task nosuch GPU;\n");
  EXPECT_FALSE(e.ok);
  EXPECT_NE(e.failure.find("nosuch"), std::string::npos) << e.failure;
}

TEST_F(SimEvaluatorTest, AProcessorOutOfRangeIsAFailure) {
  const Evaluation e =
      one("m = Machine(GPU);\n"
          "def f(Task task) {\n"
          "  return m[7, 0];\n"
          "}\n"
          "IndexTaskMap work f;\n");
  EXPECT_FALSE(e.ok);
  EXPECT_EQ(e.failure.rfind("line 3: ", 0), 0u) << e.failure;
}

TEST_F(SimEvaluatorTest, OutOfMemoryIsAFailure) {
  // Every block of a 4 x 800 KB grid in the 1 MB framebuffer of one GPU.
  a.regions[0].extents = {400000};
  a.regions[0].atoms = {100000, 100000, 100000, 100000};
  const Evaluation e =
      one("Region work blocks GPU FBMEM;\n"
          "m = Machine(GPU);\n"
          "def f(Task task) {\n"
          "  return m[0, 0];\n"
          "}\n"
          "IndexTaskMap work f;\n");
  EXPECT_FALSE(e.ok);
  EXPECT_NE(e.failure.find("out of memory"), std::string::npos) << e.failure;
}

TEST_F(SimEvaluatorTest, ThreadsDoNotChangeResults) {
  dsl::Diagnostics diags;
  const Space s = Space::build(a, m, std::nullopt, diags);
  Rng rng(3);
  std::vector<std::string> texts;
  for (int i = 0; i < 40; ++i)
    texts.push_back(s.render(s.random_point(rng)));
  SimEvaluator serial(a, m, 1), parallel(a, m, 4);
  EXPECT_EQ(serial.threads(), 1u);
  EXPECT_EQ(parallel.threads(), 4u);
  std::multiset<std::size_t> seen;
  const auto x = serial.evaluate(texts, nullptr);
  const auto y =
      parallel.evaluate(texts, [&](std::size_t i, const Evaluation&) { seen.insert(i); });
  ASSERT_EQ(x.size(), texts.size());
  ASSERT_EQ(y.size(), texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(x[i].ok, y[i].ok);
    EXPECT_EQ(x[i].time_s, y[i].time_s);
    EXPECT_EQ(x[i].failure, y[i].failure);
    EXPECT_EQ(seen.count(i), 1u);
  }
  // The pool is reused batch after batch.
  for (int round = 0; round < 20; ++round)
    EXPECT_EQ(parallel.evaluate({texts[0], texts[1], texts[2]}, nullptr).size(), 3u);
  EXPECT_TRUE(parallel.evaluate({}, nullptr).empty());
  EXPECT_EQ(serial.identity(), "simulator (task overhead 2e-05 s, copy overhead 5e-06 s)");
}

}  // namespace
}  // namespace mapsmith::search

namespace mapsmith::search {
namespace {

// ---- issue 15 item 2: an exception on a worker thread stops the batch cleanly ----

TEST_F(SimEvaluatorTest, Item2AnErrorOnAWorkerThreadReachesTheCaller) {
  SimEvaluator e(a, m, 4);
  std::vector<std::string> programs;
  for (int i = 0; i < 64; ++i)
    programs.push_back(fmt::format("InstanceLimit work {};\n", i + 1));
  std::atomic<int> calls{0};
  try {
    e.evaluate(programs, [&](std::size_t, const Evaluation&) {
      if (++calls == 5) throw InputError("r.db: database or disk is full");
    });
    FAIL() << "no exception";
  } catch (const InputError& x) {
    EXPECT_EQ(std::string(x.what()), "r.db: database or disk is full");
  }
  EXPECT_LT(calls.load(), 64);
  // The pool is still usable afterwards.
  std::size_t done = 0;
  const auto r = e.evaluate({"", "Task * CPU;\n"}, [&](std::size_t, const Evaluation&) { ++done; });
  EXPECT_EQ(done, 2u);
  EXPECT_TRUE(r[0].ok);
}

}  // namespace
}  // namespace mapsmith::search
