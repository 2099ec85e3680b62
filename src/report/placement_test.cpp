#include "report/placement.h"

#include <gtest/gtest.h>

#include "report/test_util.h"

namespace mapsmith::report {
namespace {

app::App grid_app(std::vector<std::int64_t> domain) {
  app::App a = sim::test::empty_app();
  sim::test::add_region(a, "r", {100});
  sim::test::add_task(a, "t", {sim::test::variant(ProcKind::GPU)}, {{"r", app::Privilege::Read}});
  sim::test::add_launch(a, "t", {1}, {{"r", app::Privilege::Read}});
  a.launches[0].domain = std::move(domain);
  a.launches[0].point_vars = {"i", "j"};
  return a;
}

const char* kMapper =
    "Region * * GPU ZCMEM;\n"
    "m = Machine(GPU);\n"
    "def f(Task task) { return m[0, (task.ipoint[0] + task.ipoint[1]) % m.size[1]]; }\n"
    "IndexTaskMap t f;\n";

TEST(Placement, EveryPointOfTheLaunchWithItsProcessorAndMemory) {
  const machine::Machine m = sim::test::tiny();
  const app::App a = grid_app({3, 2});
  mapping::test::Mapper mapper(kMapper);
  const mapping::Mapping mapping = mapping::test::decide_ok(a, m, &mapper);
  const Placement p = placement(a, mapping);
  ASSERT_EQ(p.grids.size(), 1u);
  const PlacementGrid& g = p.grids[0];
  EXPECT_EQ(g.domain, (std::vector<std::int64_t>{3, 2}));
  EXPECT_EQ(g.shown, (std::vector<std::int64_t>{3, 2}));
  EXPECT_EQ(g.step, 1);
  EXPECT_EQ(g.kind, ProcKind::GPU);
  // Cells first dimension fastest: (0,0) (1,0) (2,0) (0,1) (1,1) (2,1); GPU (i + j) % 2.
  const std::uint32_t gpu0 = m.proc(ProcKind::GPU, 0, 0).index,
                      gpu1 = m.proc(ProcKind::GPU, 0, 1).index;
  EXPECT_EQ(g.procs, (std::vector<std::uint32_t>{gpu0, gpu1, gpu0, gpu1, gpu0, gpu1}));
  ASSERT_EQ(g.memories.size(), 1u);
  const std::uint32_t zc = m.memory_for(machine::ProcId{gpu0}, MemKind::ZCMEM)->index;
  EXPECT_EQ(g.memories[0], std::vector<std::uint32_t>(6, zc));
  EXPECT_EQ(g.arg_names, (std::vector<std::string>{"r"}));
}

TEST(Placement, ALargeLaunchShowsEveryStepthPoint) {
  const machine::Machine m = sim::test::tiny();
  const app::App a = grid_app({10, 7});
  mapping::test::Mapper mapper(kMapper);
  const mapping::Mapping mapping = mapping::test::decide_ok(a, m, &mapper);
  PlacementLimits lim;
  lim.max_points = 20;  // 70 points: every 2nd along each dimension, 5 x 4 cells
  const Placement p = placement(a, mapping, lim);
  ASSERT_EQ(p.grids.size(), 1u);
  const PlacementGrid& g = p.grids[0];
  EXPECT_EQ(g.step, 2);
  EXPECT_EQ(g.shown, (std::vector<std::int64_t>{5, 4}));
  ASSERT_EQ(g.procs.size(), 20u);
  // Cell (1, 1) is point (2, 2): GPU 0; cell (2, 3) is point (4, 6): GPU 0; cell (0, 0): (0, 0).
  const std::uint32_t gpu0 = m.proc(ProcKind::GPU, 0, 0).index;
  EXPECT_EQ(g.procs[1 + 1 * 5], gpu0);
  EXPECT_EQ(g.procs[2 + 3 * 5], gpu0);
  for (std::uint32_t proc : g.procs)
    EXPECT_NE(proc, PlacementGrid::kNoPoint);
}

}  // namespace
}  // namespace mapsmith::report
