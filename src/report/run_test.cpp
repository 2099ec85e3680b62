#include "report/run.h"

#include <gtest/gtest.h>

#include "report/test_util.h"

namespace mapsmith::report {
namespace {

using app::Privilege;
using sim::test::add_launch;
using sim::test::add_region;
using sim::test::add_task;
using sim::test::tiny;
using sim::test::variant;
using test::copy;
using test::task;

constexpr ProcKind CPU = ProcKind::CPU;
constexpr ProcKind GPU = ProcKind::GPU;

TEST(CopiesByInstance, GroupsTheCopiesOfEachInstanceWhateverTheirOrder) {
  RunFacts f;
  f.tasks = {task(0, 0, 0, 0, 1), task(0, 0, 1, 1, 2), task(0, 0, 2, 2, 3)};
  f.copies = {copy(2, 0, 0, 1), copy(0, 0, 0, 1), copy(2, 0, 0, 1), copy(3, 0, 0, 1)};
  const CopiesByInstance by(f);
  EXPECT_EQ(by.first, (std::vector<std::size_t>{0, 1, 1, 3, 4}));  // instance 3: a failed run's
  EXPECT_EQ(by.ids, (std::vector<std::uint64_t>{1, 0, 2, 3}));
}

/// A writer on a CPU, then a loop of 3 steps of a GPU reader.
app::App loop_app() {
  app::App a = sim::test::empty_app();
  add_region(a, "r", {10000});
  add_task(a, "w", {variant(CPU)}, {{"r", Privilege::Write}});
  add_task(a, "rd", {variant(GPU)}, {{"r", Privilege::ReadWrite}});
  add_launch(a, "w", {}, {{"r", Privilege::Write}}, 1e6);
  app::Step loop;
  loop.kind = app::Step::Kind::Loop;
  loop.var = "t";
  loop.count = 3;
  add_launch(a, "rd", {2}, {{"r", Privilege::ReadWrite}}, 1e6, &loop.body);
  a.program.push_back(loop);
  return a;
}

TEST(Adapt, TheSimulatedRunGivesAConnectedChainAndTheMainLoop) {
  const app::App a = loop_app();
  const auto r = test::record(a, tiny(), "Task rd GPU;\n");
  ASSERT_TRUE(r->outcome.ok);
  const RunFacts& f = r->facts;
  ASSERT_EQ(f.tasks.size(), r->outcome.task_instances);
  ASSERT_EQ(f.copies.size(), r->outcome.copies);
  // The timed region is the simulator's: the loop without its first iteration (a steady state).
  EXPECT_EQ(f.timed_begin_s, r->outcome.timed_begin_s);
  EXPECT_EQ(f.timed_end_s, r->outcome.time_s);
  EXPECT_DOUBLE_EQ((f.timed_end_s - f.timed_begin_s) / 2, r->outcome.iteration_time_s);
  // The chain starts at the task that ends last and goes back without gaps to time 0.
  ASSERT_FALSE(f.critical_chain.empty());
  EXPECT_EQ(f.critical_chain.front(), (ChainLink{false, f.tasks.size() - 1}));
  EXPECT_EQ(f.tasks.back().end, r->outcome.time_s);
  const auto begin = [&](const ChainLink& l) {
    return l.copy ? f.copies[l.id].start : f.tasks[l.id].start;
  };
  const auto end = [&](const ChainLink& l) {
    return l.copy ? f.copies[l.id].end : f.tasks[l.id].end;
  };
  for (std::size_t i = 1; i < f.critical_chain.size(); ++i)
    EXPECT_LE(end(f.critical_chain[i]), begin(f.critical_chain[i - 1])) << i;
  EXPECT_EQ(f.critical_chain.back(), (ChainLink{false, 0}));  // the writer, at time 0
  EXPECT_EQ(begin(f.critical_chain.back()), 0);
  for (const TaskRec& t : f.tasks)
    EXPECT_EQ(t.issued, 0);  // top-level launches are issued at once
}

TEST(Adapt, AChildIsIssuedWhenItsParentEnds) {
  app::App a = sim::test::empty_app();
  app::Variant inner(GPU);
  inner.inner = true;
  add_task(a, "outer", {inner});
  add_task(a, "leaf", {variant(GPU)});
  const std::size_t p = add_launch(a, "outer", {2});
  add_launch(a, "leaf", {}, {}, 0, &a.launches[p].body, p);
  const auto r = test::record(a, tiny(), "");
  ASSERT_TRUE(r->outcome.ok);
  const RunFacts& f = r->facts;
  ASSERT_EQ(f.tasks.size(), 4u);  // outer 0, its leaf, outer 1, its leaf
  EXPECT_EQ(f.tasks[0].issued, 0);
  EXPECT_EQ(f.tasks[1].issued, f.tasks[0].end);
  EXPECT_EQ(f.tasks[3].issued, f.tasks[2].end);
  EXPECT_EQ(f.timed_begin_s, 0);  // no loop: the whole run
  EXPECT_EQ(f.timed_end_s, r->outcome.time_s);
}

}  // namespace
}  // namespace mapsmith::report
