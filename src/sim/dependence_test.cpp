// Program-order dependences for every pair of privileges, reductions and their folds, instance
// limits, instance collection, fallback memories and inner tasks.
#include <gtest/gtest.h>

#include "sim/test_util.h"

namespace mapsmith::sim {
namespace {

using app::Privilege;
using test::add_launch;
using test::add_region;
using test::add_task;
using test::run;
using test::tiny;
using test::variant;

constexpr ProcKind CPU = ProcKind::CPU;
constexpr ProcKind GPU = ProcKind::GPU;
const Constants kC{};

/// Task a on GPU0 then task b on GPU1, both using region r (800 kB) in zero-copy memory, which
/// both reach: no copies, so b's start shows the dependence alone.
struct Pair {
  Privilege first;
  Privilege second;
  bool dependent;
};

class PrivilegePairs : public ::testing::TestWithParam<Pair> {};

TEST_P(PrivilegePairs, SecondWaitsExactlyWhenTheyInterfere) {
  const Pair& p = GetParam();
  app::App a = test::empty_app();
  add_region(a, "r", {100000});
  add_task(a, "a", {variant(GPU)}, {{"r", p.first}});
  add_task(a, "b", {variant(GPU)}, {{"r", p.second}});
  add_launch(a, "a", {}, {{"r", p.first}});
  add_launch(a, "b", {}, {{"r", p.second}});
  auto r = run(a, tiny(),
               "Task * GPU;\nRegion * r GPU ZCMEM;\nm = Machine(GPU);\n"
               "def g0(Task task) { return m[0, 0]; }\ndef g1(Task task) { return m[0, 1]; }\n"
               "SingleTaskMap a g0;\nSingleTaskMap b g1;\n");
  ASSERT_TRUE(r->outcome.ok) << test::failure(r->outcome);
  // A read or a write streams the 800 kB once; a read-write or a reduction reads and writes it.
  const bool twice = p.first == Privilege::ReadWrite || p.first == Privilege::Reduce;
  const double d = kC.task_overhead + (twice ? 1.6e6 : 8e5) / 1e9;
  EXPECT_EQ(r->task("a").start, 0);
  EXPECT_EQ(r->task("b").start, p.dependent ? d : 0)
      << app::to_string(p.first) << " then " << app::to_string(p.second);
  EXPECT_EQ(r->outcome.copies, 0u);
}

constexpr Privilege R = Privilege::Read, W = Privilege::Write, RW = Privilege::ReadWrite,
                    RED = Privilege::Reduce;
INSTANTIATE_TEST_SUITE_P(All, PrivilegePairs,
                         ::testing::Values(Pair{R, R, false}, Pair{R, W, true}, Pair{R, RW, true},
                                           Pair{R, RED, true}, Pair{W, R, true}, Pair{W, W, true},
                                           Pair{W, RW, true}, Pair{W, RED, true}, Pair{RW, R, true},
                                           Pair{RW, W, true}, Pair{RW, RW, true},
                                           Pair{RW, RED, true}, Pair{RED, R, true},
                                           Pair{RED, W, true}, Pair{RED, RW, true},
                                           Pair{RED, RED, false}));

TEST(Reduction, InstancesAreFoldedIntoTheReadersMemory) {
  // Two reducers on GPU0 and GPU1 (each into its own framebuffer), then a reader on GPU0: the
  // GPU1 instance is copied over PCIe and folded; GPU0's needs no copy.
  app::App a = test::empty_app();
  add_region(a, "r", {50000});  // 400 kB
  add_task(a, "red", {variant(GPU)}, {{"r", Privilege::Reduce}});
  add_task(a, "use", {variant(GPU)}, {{"r", Privilege::Read}});
  add_launch(a, "red", {2}, {{"r", Privilege::Reduce}});
  add_launch(a, "use", {}, {{"r", Privilege::Read}});
  auto r = run(a, tiny(), "");
  ASSERT_TRUE(r->outcome.ok) << test::failure(r->outcome);
  const double d = kC.task_overhead + 8e5 / 1e11;  // a reduction reads and writes its instance
  EXPECT_EQ(r->task("red", 0).start, 0);
  EXPECT_EQ(r->task("red", 1).start, 0);  // reductions commute
  ASSERT_EQ(r->events.copies.size(), 1u);
  const CopyEvent& c = r->events.copies[0];
  EXPECT_TRUE(c.reduction);
  EXPECT_EQ(tiny().name_of(c.src), "node0/FBMEM1");
  EXPECT_EQ(tiny().name_of(c.dst), "node0/FBMEM0");
  EXPECT_EQ(c.bytes, 400000u);
  EXPECT_EQ(c.start, d);
  EXPECT_EQ(r->task("use").start, c.end);
  // Reduction instances are freed once folded: GPU1 held one, GPU0 now holds the data.
  EXPECT_EQ(r->outcome.memories[1].peak_bytes, 400000u);  // node0/FBMEM0: instance + data
  EXPECT_EQ(r->outcome.memories[2].end_bytes, 0u);        // node0/FBMEM1
  EXPECT_EQ(r->outcome.memories[1].end_bytes, 400000u);
}

TEST(Reduction, AWriterDiscardsPendingReductions) {
  app::App a = test::empty_app();
  add_region(a, "r", {1000});
  add_task(a, "red", {variant(GPU)}, {{"r", Privilege::Reduce}});
  add_task(a, "w", {variant(GPU)}, {{"r", Privilege::Write}});
  add_launch(a, "red", {2}, {{"r", Privilege::Reduce}});
  add_launch(a, "w", {}, {{"r", Privilege::Write}});
  auto r = run(a, tiny(), "");
  EXPECT_EQ(r->outcome.copies, 0u);
  EXPECT_EQ(r->task("w").start, kC.task_overhead + 16000 / 1e11);
  EXPECT_EQ(r->outcome.memories[2].end_bytes, 0u);
}

app::App points(std::int64_t n) {
  app::App a = test::empty_app();
  add_task(a, "t", {variant(GPU)});
  add_launch(a, "t", {n}, {}, 0);
  return a;
}

TEST(InstanceLimit, APointWaitsForTheNthPreviousToFinish) {
  // Two points on the two GPUs of one node.
  const machine::Machine m = tiny();
  const app::App a = points(2);
  const double o = kC.task_overhead;
  auto free = run(a, m, "");
  EXPECT_EQ(free->task("t", 1).start, 0);
  auto one = run(a, m, "InstanceLimit t 1;");
  EXPECT_EQ(one->task("t", 0).start, 0);
  EXPECT_EQ(one->task("t", 1).start, o);  // on the other GPU, but the limit holds it back
  EXPECT_EQ(one->outcome.time_s, 2 * o);
}

TEST(InstanceLimit, CountsTheTopLevelLaunchesOfEachAddressSpace) {
  // Two nodes of two GPUs: points 0 and 1 on node 0, 2 and 3 on node 1. The top-level task's
  // shard on each node holds back its own second point only.
  const double o = kC.task_overhead;
  auto one = run(points(4), tiny(2), "InstanceLimit t 1;");
  EXPECT_EQ(one->task("t", 0).start, 0);
  EXPECT_EQ(one->task("t", 1).start, o);
  EXPECT_EQ(one->task("t", 2).start, 0);
  EXPECT_EQ(one->task("t", 3).start, o);
  auto two = run(points(8), tiny(2), "InstanceLimit t 2;");
  // Node 0 runs points 0 and 1 on GPU0 (one after the other), 2 and 3 on GPU1: point 2 waits
  // for point 0 to finish, point 3 for point 1. Node 1 is not held back by node 0.
  EXPECT_EQ(two->task("t", 2).start, o);
  EXPECT_EQ(two->task("t", 3).start, o + o);
  EXPECT_EQ(two->task("t", 4).start, 0);
}

TEST(InstanceLimit, CountsTheChildrenOfEachInnerTaskInstanceApart) {
  // An inner task on both GPUs of one node; each point launches `leaf` twice, one step after the
  // other, on its own GPU. With a limit of 1 each GPU runs its own leaves one at a time, but the
  // two GPUs are not held back by each other: the limit is counted per originating processor.
  app::App a = test::empty_app();
  app::Variant inner(GPU);
  inner.inner = true;
  add_task(a, "outer", {inner});
  add_task(a, "leaf", {variant(GPU)});
  const std::size_t p = add_launch(a, "outer", {2});
  app::Step loop;
  loop.kind = app::Step::Kind::Loop;
  loop.var = "k";
  loop.count = 2;
  add_launch(a, "leaf", {}, {}, 0, &loop.body, p);
  a.launches[p].body.push_back(loop);
  const double o = kC.task_overhead;
  auto r = run(a, tiny(),
               "m = Machine(GPU);\n"
               "def here(Task task) {\n"
               "  return m[*task.parent.processor(m)];\n"
               "}\n"
               "SingleTaskMap leaf here;\n"
               "InstanceLimit leaf 1;\n");
  ASSERT_TRUE(r->outcome.ok) << test::failure(r->outcome);
  EXPECT_EQ(r->task("outer", 0).end, o);
  EXPECT_EQ(r->task("outer", 1).end, o);
  EXPECT_EQ(r->task("leaf", 0).start, o);      // outer 0's first leaf, on GPU 0
  EXPECT_EQ(r->task("leaf", 1).start, 2 * o);  // its second waits for the first
  EXPECT_EQ(r->task("leaf", 2).start, o);      // outer 1's first leaf, on GPU 1: not held back
  EXPECT_EQ(r->task("leaf", 3).start, 2 * o);
  EXPECT_EQ(r->outcome.time_s, 3 * o);
}

TEST(Collect, TheInstanceIsFreedAndTheNextReaderCopiesAgain) {
  // w writes r on a CPU; rd reads it twice on GPU0.
  app::App a = test::empty_app();
  add_region(a, "r", {10000});  // 80 kB
  add_task(a, "w", {variant(CPU)}, {{"r", Privilege::Write}});
  add_task(a, "rd", {variant(GPU)}, {{"r", Privilege::Read}});
  add_launch(a, "w", {}, {{"r", Privilege::Write}});
  add_launch(a, "rd", {}, {{"r", Privilege::Read}});
  add_launch(a, "rd", {}, {{"r", Privilege::Read}});
  auto kept = run(a, tiny(), "");
  EXPECT_EQ(kept->outcome.copies, 1u);
  EXPECT_EQ(kept->outcome.memories[1].end_bytes, 80000u);
  auto collected = run(a, tiny(), "CollectMemory rd r;");
  EXPECT_EQ(collected->outcome.copies, 2u);
  EXPECT_EQ(collected->outcome.bytes.intra_node, 160000u);
  EXPECT_EQ(collected->outcome.memories[1].peak_bytes, 80000u);
  EXPECT_EQ(collected->outcome.memories[1].end_bytes, 0u);
}

TEST(Collect, TheOnlyValidCopyIsKept) {
  app::App a = test::empty_app();
  add_region(a, "r", {1000});
  add_task(a, "w", {variant(GPU)}, {{"r", Privilege::Write}});
  add_task(a, "rd", {variant(GPU)}, {{"r", Privilege::Read}});
  add_launch(a, "w", {}, {{"r", Privilege::Write}});
  add_launch(a, "rd", {}, {{"r", Privilege::Read}});
  auto r = run(a, tiny(), "CollectMemory w r;");
  EXPECT_EQ(r->outcome.copies, 0u);
  EXPECT_EQ(r->outcome.memories[1].end_bytes, 8000u);
}

TEST(Fallback, AFullFirstChoiceFallsBackToTheNextKind) {
  // 2 MB does not fit a 1 MB framebuffer: the data goes to zero-copy memory and the task reads it
  // over PCIe.
  app::App a = test::empty_app();
  add_region(a, "r", {250000});
  add_task(a, "t", {variant(GPU)}, {{"r", Privilege::Read}});
  add_launch(a, "t", {}, {{"r", Privilege::Read}});
  auto r = run(a, tiny(), "Region t r GPU FBMEM,ZCMEM;");
  ASSERT_TRUE(r->outcome.ok) << test::failure(r->outcome);
  EXPECT_EQ(r->outcome.time_s, kC.task_overhead + 2e6 / 1e9);
  EXPECT_EQ(r->outcome.memories[1].peak_bytes, 0u);        // node0/FBMEM0
  EXPECT_EQ(r->outcome.memories[3].peak_bytes, 2000000u);  // node0/ZCMEM
}

TEST(Fallback, StaleInstancesAreCollectedBeforeFallingBack) {
  // GPU0 reads a (600 kB) then a writer elsewhere makes it stale; reading b (600 kB) on GPU0 fits
  // once the stale copy of a is collected.
  app::App a = test::empty_app();
  add_region(a, "a", {75000});
  add_region(a, "b", {75000});
  add_task(a, "ra", {variant(GPU)}, {{"a", Privilege::Read}});
  add_task(a, "wa", {variant(CPU)}, {{"a", Privilege::Write}});
  add_task(a, "rb", {variant(GPU)}, {{"b", Privilege::Read}});
  add_launch(a, "ra", {}, {{"a", Privilege::Read}});
  add_launch(a, "wa", {}, {{"a", Privilege::Write}});
  add_launch(a, "rb", {}, {{"b", Privilege::Read}});
  auto r = run(a, tiny(), "Region * * GPU FBMEM,ZCMEM;");
  ASSERT_TRUE(r->outcome.ok) << test::failure(r->outcome);
  EXPECT_EQ(r->outcome.memories[1].peak_bytes, 600000u);
  EXPECT_EQ(r->outcome.memories[1].end_bytes, 600000u);
  EXPECT_EQ(r->outcome.memories[3].peak_bytes, 0u);  // no fallback was needed
}

TEST(Inner, AnInnerTaskCostsOverheadAndItsChildrenFollow) {
  app::App a = test::empty_app();
  app::Variant inner(CPU);
  inner.inner = true;
  add_task(a, "parent", {inner});
  add_task(a, "leaf", {variant(GPU)});
  const std::size_t p = add_launch(a, "parent", {});
  add_launch(a, "leaf", {2}, {}, 0, &a.launches[p].body, p);
  auto r = run(a, tiny(), "");
  ASSERT_TRUE(r->outcome.ok) << test::failure(r->outcome);
  const double o = kC.task_overhead;
  EXPECT_TRUE(r->task("parent").inner);
  EXPECT_EQ(r->task("parent").end, o);
  EXPECT_EQ(r->task("leaf", 0).start, o);
  EXPECT_EQ(r->task("leaf", 1).start, o);
  EXPECT_EQ(r->outcome.time_s, o + o);
  EXPECT_EQ(r->outcome.task_instances, 3u);
}

TEST(Loop, IterationTimeIsTheSteadyStateOfTheMainLoop) {
  app::App a = test::empty_app();
  add_region(a, "r", {1000});
  add_task(a, "init", {variant(GPU)}, {{"r", Privilege::Write}});
  add_task(a, "step", {variant(GPU)}, {{"r", Privilege::ReadWrite}});
  add_launch(a, "init", {}, {{"r", Privilege::Write}});
  app::Step loop;
  loop.kind = app::Step::Kind::Loop;
  loop.var = "t";
  loop.count = 5;
  add_launch(a, "step", {}, {{"r", Privilege::ReadWrite}}, 0, &loop.body);
  a.program.push_back(loop);
  auto r = run(a, tiny(), "");
  const double w = kC.task_overhead + 8000 / 1e11, rw = kC.task_overhead + 16000 / 1e11;
  EXPECT_EQ(r->outcome.iterations, 5);
  // Undeclared, the timed region is the main loop without its first iteration.
  EXPECT_EQ(r->outcome.timed_iterations, 4);
  EXPECT_DOUBLE_EQ(r->outcome.timed_begin_s, w + rw);
  EXPECT_DOUBLE_EQ(r->outcome.iteration_time_s, rw);
  EXPECT_DOUBLE_EQ(r->outcome.time_s, w + 5 * rw);
  EXPECT_EQ(r->outcome.task_instances, 6u);
}

}  // namespace
}  // namespace mapsmith::sim
