#include "report/timeline.h"

#include <gtest/gtest.h>

#include "report/test_util.h"

namespace mapsmith::report {
namespace {

using test::copy;
using test::task;

/// Two tasks on CPU0 and one on GPU0 (processor 2 of the tiny machine), a copy for the GPU task
/// over channel 0; every event on the critical chain.
RunFacts facts() {
  RunFacts f;
  f.tasks = {task(0, 0, 0, 0, 1), task(2, 1, 2, 2, 5), task(0, 2, 1.125, 1.125, 1.25)};
  f.copies = {copy(1, 1, 1, 2, {0}, 0.5)};
  f.critical_chain = {{false, 1}, {true, 0}, {false, 0}};
  return f;
}

TEST(Timeline, OneRowPerProcessorAndChannelThatWorkedWithEveryBar) {
  const machine::Machine m = sim::test::tiny();
  const Timeline tl = build_timeline(facts(), m);
  ASSERT_EQ(tl.rows.size(), 3u);
  EXPECT_EQ(tl.rows[0].name, m.name_of(machine::ProcId{0}));
  EXPECT_EQ(tl.rows[1].name, m.name_of(machine::ProcId{2}));
  EXPECT_EQ(tl.rows[2].name, m.name_of(machine::ChannelId{0}));
  EXPECT_FALSE(tl.rows[1].channel);
  EXPECT_TRUE(tl.rows[2].channel);
  EXPECT_EQ(tl.span_s, 5);
  EXPECT_EQ(tl.events, 4u);
  EXPECT_FALSE(tl.binned);
  EXPECT_EQ(tl.bars, (std::vector<Bar>{{0, 0, 1, 0, BarKind::Task, true, 0},
                                       {1, 2, 5, 1, BarKind::Task, true, 1},
                                       {0, 1.125, 1.25, 2, BarKind::Task, false, 2},
                                       {2, 1, 1.5, 1, BarKind::Copy, true, 0}}));
}

TEST(Timeline, BeyondTheLimitEachRowIsBinnedAndTheCriticalPathKept) {
  TimelineLimits lim;
  lim.max_bars = 3;
  lim.max_buckets = 60;  // 20 buckets per row (the least), of 0.25 s each
  const Timeline tl = build_timeline(facts(), sim::test::tiny(), lim);
  EXPECT_TRUE(tl.binned);
  EXPECT_EQ(tl.buckets_per_row, 20u);
  EXPECT_EQ(tl.buckets, (std::vector<Bucket>{{0, 0, 3, 0, 10},     // CPU0 busy with task 0
                                             {0, 4, 4, 2, 5},      // then half a bucket of task 2
                                             {1, 8, 19, 1, 10},    // GPU0: task 1 from 2 s to 5 s
                                             {2, 4, 5, 1, 10}}));  // the copy's link
  EXPECT_TRUE(tl.bars.empty());
  // The critical path: task 0 (buckets 0-4: it ends on the edge of 4), the copy (4-6), task 1.
  EXPECT_EQ(tl.critical, (std::vector<CriticalSpan>{{0, 0, 4}, {1, 8, 19}, {2, 4, 6}}));
}

}  // namespace
}  // namespace mapsmith::report
