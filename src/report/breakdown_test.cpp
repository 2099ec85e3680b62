#include "report/breakdown.h"

#include <gtest/gtest.h>

#include "report/test_util.h"

namespace mapsmith::report {
namespace {

using test::copy;
using test::task;

TEST(TimeByTask, ChargesEveryMomentOfEveryProcessorInTheRegion) {
  RunFacts f;
  f.timed_begin_s = 1;
  f.timed_end_s = 9;
  // Processor 0: task 0 runs [0, 2] (0.5 s of overhead), task 1 is ready at 3 and runs [4, 6]
  // after a copy for it in [2.5, 3.5]; then the processor is idle to the end.
  // Processor 1: task 0 waits from the start and runs [8, 10] (1 s of overhead).
  f.tasks = {task(0, 0, 0, 0, 2, 0.5), task(0, 1, 3, 4, 6, 0.5), task(1, 0, 0, 8, 10, 1)};
  f.copies = {copy(1, 2.5, 2.5, 3.5)};
  const TimeByTask t = time_by_task(f);
  EXPECT_EQ(t.processors, 2u);
  EXPECT_EQ(t.begin_s, 1);
  EXPECT_EQ(t.end_s, 9);
  EXPECT_EQ(t.idle, 3);
  ASSERT_EQ(t.tasks.size(), 2u);
  // Task 0: [1, 2] of its body on processor 0; on processor 1, [1, 8] waiting, [8, 9] overhead
  // (its body runs past the region, and it ends outside it: not counted as an instance).
  EXPECT_EQ(t.tasks[0], (TaskTime{0, 1, 1.0, 0.0, 7.0, 1.0}));
  // Task 1: [2, 4] idle before it, half of it while its copy was in flight.
  EXPECT_EQ(t.tasks[1], (TaskTime{1, 1, 1.5, 1.0, 1.0, 0.5}));
  // Everything sums to processors x the region.
  EXPECT_EQ(t.tasks[0].total() + t.tasks[1].total() + t.idle, 2 * 8);
}

TEST(TimeByTask, TheSimulatedLoopSumsToProcessorsTimesTheRegion) {
  app::App a = sim::test::empty_app();
  sim::test::add_region(a, "r", {10000});
  sim::test::add_task(a, "w", {sim::test::variant(ProcKind::GPU)},
                      {{"r", app::Privilege::ReadWrite}});
  app::Step loop;
  loop.kind = app::Step::Kind::Loop;
  loop.var = "t";
  loop.count = 4;
  sim::test::add_launch(a, "w", {4}, {{"r", app::Privilege::ReadWrite}}, 1e6, &loop.body);
  a.program.push_back(loop);
  const auto r = test::record(a, sim::test::tiny(2), "");
  ASSERT_TRUE(r->outcome.ok);
  const TimeByTask t = time_by_task(r->facts);
  ASSERT_EQ(t.tasks.size(), 1u);
  EXPECT_EQ(t.tasks[0].instances, 12u);  // the timed region: iterations 1-3
  EXPECT_NEAR(t.tasks[0].total() + t.idle, t.processors * (t.end_s - t.begin_s), 1e-15);
  EXPECT_GT(t.tasks[0].copy, 0);  // the region moves between GPUs
}

}  // namespace
}  // namespace mapsmith::report
