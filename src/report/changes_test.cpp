#include "report/changes.h"

#include <gtest/gtest.h>

#include "report/test_util.h"

namespace mapsmith::report {
namespace {

TEST(LineDiff, EqualLinesSideBySideTheRestPairedRowByRow) {
  EXPECT_EQ(
      line_diff({"1", "2", "3", "4"}, {"1", "3", "X", "4", "5"}),
      (std::vector<DiffRow>{
          {1, 1, true}, {2, 0, false}, {3, 2, true}, {0, 3, false}, {4, 4, true}, {0, 5, false}}));
  EXPECT_EQ(line_diff({"x", "old", "y"}, {"x", "new", "y"}),
            (std::vector<DiffRow>{{1, 1, true}, {2, 2, false}, {3, 3, true}}));
  EXPECT_EQ(line_diff({}, {"a"}), (std::vector<DiffRow>{{0, 1, false}}));
  EXPECT_EQ(split_lines("a\n\nb\n"), (std::vector<std::string>{"a", "", "b"}));
}

/// One GPU task over a region, 4 points, in a loop of 3 steps.
app::App loop_app() {
  app::App a = sim::test::empty_app();
  sim::test::add_region(a, "r", {4000, 4000, 4000, 4000});
  sim::test::add_partition(a, "p", "r", {{0}, {1}, {2}, {3}});
  sim::test::add_task(a, "t",
                      {sim::test::variant(ProcKind::GPU), sim::test::variant(ProcKind::CPU)},
                      {{"r", app::Privilege::ReadWrite, "p"}});
  app::Step loop{app::Step::Kind::Loop, 0, "s", 3, {}};
  sim::test::add_launch(a, "t", {4}, {{"r", app::Privilege::ReadWrite, "p"}}, 1e4, &loop.body);
  a.program.push_back(loop);
  return a;
}

double time_of(const app::App& a, const machine::Machine& m, const std::string& mapper) {
  const auto r = test::record(a, m, mapper);
  EXPECT_TRUE(r->outcome.ok);
  return r->outcome.iteration_time_s;
}

const char* kExpert = "Task * GPU;\nRegion * * GPU FBMEM;\n";
const char* kBest = "Task * GPU;\nRegion * * GPU ZCMEM;\nInstanceLimit t 2;\n";

TEST(DecisionChanges, EachDifferingDecisionInWordsAndMeasuredBothWays) {
  const machine::Machine m = sim::test::tiny();
  const app::App a = loop_app();
  mapping::test::Mapper expert(kExpert), best(kBest);
  const mapping::Mapping me = mapping::test::decide_ok(a, m, &expert);
  const mapping::Mapping mb = mapping::test::decide_ok(a, m, &best);
  ASSERT_TRUE(comparable(me, mb));
  std::vector<Change> cs = decision_changes(a, me, mb);
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].aspect, Aspect::Memory);
  EXPECT_EQ(cs[0].arg_name, "p");
  EXPECT_EQ(cs[0].expert_value, "FBMEM");
  EXPECT_EQ(cs[0].best_value, "ZCMEM");
  EXPECT_EQ(cs[1].aspect, Aspect::InstanceLimit);
  EXPECT_EQ(cs[1].expert_value, "none");
  EXPECT_EQ(cs[1].best_value, "2");

  evaluate_changes(cs, a, m, me, mb, {}, 1, 2);  // only the first is measured
  EXPECT_TRUE(cs[0].evaluated);
  EXPECT_FALSE(cs[1].evaluated);
  EXPECT_FALSE(cs[1].alone_s.has_value());
  // The swapped mappings are the ones these programs decide.
  EXPECT_EQ(cs[0].alone_s, time_of(a, m, "Task * GPU;\nRegion * * GPU ZCMEM;\n"));
  EXPECT_EQ(cs[0].without_s,
            time_of(a, m, "Task * GPU;\nRegion * * GPU FBMEM;\nInstanceLimit t 2;\n"));
  EXPECT_NE(cs[0].alone_s, time_of(a, m, kExpert));
}

TEST(DecisionChanges, MovingATaskToAnotherKindTakesItsMemoriesWhenTheOldAreOutOfReach) {
  const machine::Machine m = sim::test::tiny();
  const app::App a = loop_app();
  mapping::test::Mapper expert(kExpert), best("Task * CPU;\n");
  const mapping::Mapping me = mapping::test::decide_ok(a, m, &expert);
  const mapping::Mapping mb = mapping::test::decide_ok(a, m, &best);
  const std::vector<Change> cs = decision_changes(a, me, mb);
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].aspect, Aspect::Processors);
  EXPECT_EQ(cs[0].expert_value, "GPU on 2 processors");
  EXPECT_EQ(cs[0].best_value, "CPU on 2 processors");
  EXPECT_EQ(cs[0].detail, "4 of 4 points on other processors");
  EXPECT_EQ(cs[1].aspect, Aspect::Memory);
  EXPECT_EQ(cs[1].expert_value, "FBMEM");
  EXPECT_EQ(cs[1].best_value, "SYSMEM");
  std::string why;
  const auto moved = with_change(me, mb, cs[0], m, why);
  ASSERT_TRUE(moved.has_value()) << why;
  EXPECT_EQ(moved->launches[0].kind, ProcKind::CPU);
  EXPECT_EQ(moved->launches[0].args[0].memories, (std::vector<MemKind>{MemKind::SYSMEM}));
  // FBMEM alone cannot go to the CPUs: that decision cannot be swapped into the best alone.
  EXPECT_FALSE(with_change(mb, me, cs[1], m, why).has_value());
  EXPECT_EQ(why, "FBMEM is out of reach of the CPU processors");
}

}  // namespace
}  // namespace mapsmith::report
