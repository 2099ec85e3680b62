// The cost model, number for number: a task's time is the roofline of its work and the bytes it
// touches plus Legion's task overhead, on every processor and memory kind; a copy's time is the
// copy overhead plus every hop's latency plus bytes over the slowest hop's bandwidth; copies that
// share a link queue on it; bytes are accounted exactly per node boundary and channel kind.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

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
constexpr ProcKind OMP = ProcKind::OMP;
const Constants kC{};

struct Roofline {
  ProcKind kind;
  const char* memory;
  double flops;       // work of the launch
  double proc;        // the processor's peak
  double efficiency;  // the variant's
  double bandwidth;   // processor → memory
};

class RooflineTest : public ::testing::TestWithParam<Roofline> {};

TEST_P(RooflineTest, TimeIsOverheadPlusTheLargerOfWorkAndBytes) {
  const Roofline& p = GetParam();
  app::App a = test::empty_app();
  add_region(a, "r", {1000});  // 8000 bytes
  add_task(a, "t", {variant(CPU, 0.25), variant(GPU, 0.5), variant(OMP, 1.0)},
           {{"r", Privilege::Read}});
  add_launch(a, "t", {}, {{"r", Privilege::Read}}, p.flops);
  const std::string kind(to_string(p.kind));
  auto r = run(a, tiny(), fmt::format("Task t {};\nRegion t r {} {};\n", kind, kind, p.memory));
  ASSERT_TRUE(r->outcome.ok) << test::failure(r->outcome);
  const double work = std::max(p.flops / (p.proc * p.efficiency), 8000.0 / p.bandwidth);
  EXPECT_EQ(r->outcome.time_s, kC.task_overhead + work);
  EXPECT_EQ(r->outcome.copies, 0u);
  // Where the time went: overhead and the roofline's maximum, nothing else.
  EXPECT_EQ(r->outcome.critical_path.overhead, kC.task_overhead);
  EXPECT_EQ(r->outcome.critical_path.compute, work);
  EXPECT_EQ(r->outcome.critical_path.copy, 0);
  EXPECT_EQ(r->outcome.critical_path.waiting, 0);
}

INSTANTIATE_TEST_SUITE_P(
    EveryKind, RooflineTest,
    ::testing::Values(Roofline{CPU, "SYSMEM", 1e4, 1e9, 0.25, 1e9},   // compute-bound
                      Roofline{CPU, "SYSMEM", 1e3, 1e9, 0.25, 1e9},   // memory-bound
                      Roofline{CPU, "ZCMEM", 1e3, 1e9, 0.25, 5e8},    // slower memory
                      Roofline{GPU, "FBMEM", 1e4, 1e10, 0.5, 1e11},   // compute-bound
                      Roofline{GPU, "FBMEM", 1e2, 1e10, 0.5, 1e11},   // memory-bound
                      Roofline{GPU, "ZCMEM", 1e4, 1e10, 0.5, 1e9},    // zero-copy over PCIe
                      Roofline{OMP, "SYSMEM", 1e5, 2e9, 1.0, 2e9},    // compute-bound
                      Roofline{OMP, "SYSMEM", 1e3, 2e9, 1.0, 2e9}));  // memory-bound

TEST(Cost, BytesTouchedScaleTheMemoryTerm) {
  app::App a = test::empty_app();
  add_region(a, "r", {1000}, {{"a", 8}, {"b", 4}});
  add_task(a, "t", {variant(GPU)}, {{"r", Privilege::Read}});
  add_launch(a, "t", {}, {{"r", Privilege::Read, "", {"b"}}}, 0);
  a.launches[0].reqs[0].touched = 0.5;
  auto r = run(a, tiny(), "Region t r GPU ZCMEM;");
  // Field b only: 4000 bytes, half of them touched, at 1 GB/s.
  EXPECT_EQ(r->outcome.time_s, kC.task_overhead + 2000.0 / 1e9);
}

/// A task on a GPU that reads 1000 pointers from `w` (streamed) and follows them into the
/// 400 elements of `n` (4-byte field f) with the given pattern: 1000 accesses, every lane of a
/// warp instruction reaching `n` unless `lanes` says otherwise, over `hot` elements (0: all 400).
app::App pointer_app(Privilege nodes, app::Pattern pattern, double lanes = 1, double hot = 0) {
  app::App a = test::empty_app();
  add_region(a, "w", {1000}, {{"p", 8}});
  add_region(a, "n", {400}, {{"f", 4}});
  const std::vector<test::Use> uses = {{"w", Privilege::Read}, {"n", nodes}};
  add_task(a, "follow", {variant(GPU), variant(CPU)}, uses);
  add_launch(a, "follow", {}, uses);
  app::Access& acc = a.launches[0].reqs[1].access;
  acc.pattern = pattern;
  acc.accesses = 1000;
  acc.lanes = lanes;
  acc.hot = hot;
  return a;
}

/// The distinct units (sectors, lines) n lanes drawn at random from `units` touch.
double distinct(double units, double lanes) {
  return units * (1 - std::pow(1 - 1 / units, lanes));
}
/// A 32-byte sector's share of the link: (32 + 24) / (128 + 24) of a 128-byte packet.
constexpr double kSectorLinkBytes = 56.0 * 128 / 152;

TEST(Pointers, ZeroCopyGathersAreSectorReadsBoundByLatencyOrTheLink) {
  auto r = run(pointer_app(Privilege::Read, app::Pattern::Gather), tiny(),
               "Task * GPU;\nRegion follow n GPU ZCMEM;\n");
  ASSERT_TRUE(r->outcome.ok) << test::failure(r->outcome);
  // 1000 accesses, 32 per warp instruction, over 50 sectors (400 × 4 B): the sectors each
  // instruction touches, one PCIe read each.
  const double sectors = 1000.0 / 32 * distinct(50, 32);
  const double latency = sectors * 1e-6 / kC.zero_copy_reads_in_flight;  // Little's law
  const double link = sectors * kSectorLinkBytes / 1e9;                  // PCIE0.in, 1 GB/s
  EXPECT_GT(link, latency);
  EXPECT_DOUBLE_EQ(r->task("follow").end - r->task("follow").start,
                   kC.task_overhead + std::max({8000 / 1e11, latency, link}));
}

TEST(Pointers, ZeroCopyAtomicsSerialiseOnTheLinesTheyHit) {
  // 100 hot elements: 400 B, 4 lines of 128 B. A full warp instruction hits all 4; each line's
  // read-modify-writes take a PCIe round trip one after the other.
  auto dense = run(pointer_app(Privilege::ReadWrite, app::Pattern::Atomic, 1, 100), tiny(),
                   "Task * GPU;\nRegion follow n GPU ZCMEM;\n");
  ASSERT_TRUE(dense->outcome.ok) << test::failure(dense->outcome);
  const double rmw = 1000.0 / 32 * distinct(4, 32);
  const double per_line = rmw / 4 * kC.zero_copy_line_s;
  EXPECT_NEAR(per_line, 75e-6, 1e-7);
  EXPECT_DOUBLE_EQ(dense->task("follow").end - dense->task("follow").start,
                   kC.task_overhead + per_line);
  // A tenth of the lanes reach the hot nodes (circuit's pattern): 3.2 lanes per instruction,
  // each instruction its own round trip on fewer lines: about 6 times as long for as many
  // atomics.
  auto sparse = run(pointer_app(Privilege::ReadWrite, app::Pattern::Atomic, 0.1, 100), tiny(),
                    "Task * GPU;\nRegion follow n GPU ZCMEM;\n");
  const double sparse_rmw = 1000.0 / 3.2 * distinct(4, 3.2);
  EXPECT_DOUBLE_EQ(sparse->task("follow").end - sparse->task("follow").start,
                   kC.task_overhead + sparse_rmw / 4 * kC.zero_copy_line_s);
  EXPECT_GT(sparse_rmw / rmw, 6);
  // Spread over all 400 elements (13 lines): less serialised.
  auto spread = run(pointer_app(Privilege::ReadWrite, app::Pattern::Atomic), tiny(),
                    "Task * GPU;\nRegion follow n GPU ZCMEM;\n");
  EXPECT_LT(spread->task("follow").end, dense->task("follow").end);
}

TEST(Pointers, InTheFramebufferOrOnACpuAccessesCostOnlyTheirBytes) {
  // In the framebuffer: the sectors' bytes, read and written, at 100 GB/s.
  auto fb =
      run(pointer_app(Privilege::ReadWrite, app::Pattern::Atomic, 1, 100), tiny(), "Task * GPU;\n");
  const double sectors = 1000.0 / 32 * distinct(13, 32);  // 400 B hot: 13 sectors
  EXPECT_DOUBLE_EQ(fb->task("follow").end - fb->task("follow").start,
                   kC.task_overhead + (8000 + 2 * 32 * sectors) / 1e11);
  // A CPU reaches host memory through its caches: the piece's bytes, read and written.
  auto cpu = run(pointer_app(Privilege::ReadWrite, app::Pattern::Atomic), tiny(),
                 "Task * CPU;\nRegion * * CPU SYSMEM;\n");
  EXPECT_DOUBLE_EQ(cpu->task("follow").end - cpu->task("follow").start,
                   kC.task_overhead + (8000 + 2 * 1600) / 1e9);
}

TEST(Pointers, TheConstantsAreTheSimulatorsToChange) {
  Constants c;
  c.zero_copy_line_s = 1.2e-6;  // half the round trip: half the time
  auto r = run(pointer_app(Privilege::ReadWrite, app::Pattern::Atomic, 1, 100), tiny(),
               "Task * GPU;\nRegion follow n GPU ZCMEM;\n", c);
  const double rmw = 1000.0 / 32 * distinct(4, 32);
  EXPECT_DOUBLE_EQ(r->task("follow").end - r->task("follow").start,
                   kC.task_overhead + rmw / 4 * 1.2e-6);
}

/// Two tasks on the two GPUs that update `n` through pointers at once: read-write on one
/// instance in zero-copy memory, or reductions, each into its own reduction instance.
app::App two_updaters(Privilege p) {
  app::App a = test::empty_app();
  add_region(a, "n", {100}, {{"f", 4}});
  add_task(a, "add", {variant(GPU)}, {{"n", p}});
  add_launch(a, "add", {2}, {{"n", p}});
  app::Access& acc = a.launches[0].reqs[0].access;
  acc.pattern = app::Pattern::Atomic;
  acc.accesses = 1000;
  return a;
}

TEST(Pointers, ReductionsThroughPointersUseTheirOwnInstancesLines) {
  const double alone = 1000.0 / 32 * distinct(4, 32) / 4 * kC.zero_copy_line_s;
  // Reductions run at once, each into its own reduction instance: its own lines.
  auto reduce = run(two_updaters(Privilege::Reduce), tiny(), "Region * n GPU ZCMEM;\n");
  ASSERT_TRUE(reduce->outcome.ok) << test::failure(reduce->outcome);
  for (int k = 0; k < 2; ++k) {
    EXPECT_EQ(reduce->task("add", k).start, 0);
    EXPECT_DOUBLE_EQ(reduce->task("add", k).end, kC.task_overhead + alone);
  }
  // Read-write updates of one instance run one after the other (Legion orders them): each has
  // the lines alone.
  auto rw = run(two_updaters(Privilege::ReadWrite), tiny(), "Region * n GPU ZCMEM;\n");
  EXPECT_DOUBLE_EQ(rw->task("add", 0).end, kC.task_overhead + alone);
  EXPECT_EQ(rw->task("add", 1).start, rw->task("add", 0).end);
  EXPECT_DOUBLE_EQ(rw->task("add", 1).end - rw->task("add", 1).start, kC.task_overhead + alone);
}

TEST(Stream, ARereadOperandCostsItsPassesOverItsPath) {
  // A GEMM-like task reads `b` 40 times (once per tile of its output): from the framebuffer
  // that is hidden under its work; over PCIe it is not.
  app::App a = test::empty_app();
  add_region(a, "b", {10000});  // 80 kB
  add_task(a, "gemm", {variant(GPU)}, {{"b", Privilege::Read}});
  add_launch(a, "gemm", {}, {{"b", Privilege::Read}}, 1e5);  // 10 µs at 10 GFLOP/s
  a.launches[0].reqs[0].access.passes = 40;
  auto fb = run(a, tiny(), "Task * GPU;\n");
  EXPECT_DOUBLE_EQ(fb->outcome.time_s, kC.task_overhead + std::max(1e-5, 40 * 8e4 / 1e11));
  auto zc = run(a, tiny(), "Task * GPU;\nRegion * b GPU ZCMEM;\n");
  EXPECT_DOUBLE_EQ(zc->outcome.time_s, kC.task_overhead + 40 * 8e4 / 1e9);
}

/// w writes r (and s) on one GPU, rd reads them on another.
app::App producer_consumer(std::int64_t elements, bool two_regions) {
  app::App a = test::empty_app();
  add_region(a, "r", {elements});
  std::vector<test::Use> w = {{"r", Privilege::Write}}, rd = {{"r", Privilege::Read}};
  if (two_regions) {
    add_region(a, "s", {elements});
    w.push_back({"s", Privilege::Write});
    rd.push_back({"s", Privilege::Read});
  }
  add_task(a, "w", {variant(GPU)}, w);
  add_task(a, "rd", {variant(GPU)}, rd);
  add_launch(a, "w", {}, w);
  add_launch(a, "rd", {}, rd);
  return a;
}

std::string place(const char* writer, const char* reader) {
  return fmt::format(
      "Task * GPU;\nm = Machine(GPU);\n"
      "def pw(Task task) {{ return m[{}]; }}\n"
      "def pr(Task task) {{ return m[{}]; }}\n"
      "SingleTaskMap w pw;\nSingleTaskMap rd pr;\n",
      writer, reader);
}

TEST(Copy, BetweenGpusOfANodeOverPcie) {
  app::App a = producer_consumer(100000, false);  // 800 kB
  auto r = run(a, tiny(), place("0, 0", "0, 1"));
  ASSERT_TRUE(r->outcome.ok) << test::failure(r->outcome);
  const double w_end = kC.task_overhead + 8e5 / 1e11;
  EXPECT_EQ(r->task("w").end, w_end);
  ASSERT_EQ(r->events.copies.size(), 1u);
  const CopyEvent& c = r->events.copies[0];
  // Route: PCIE0.out then PCIE1.in, 1 µs each, 1 GB/s.
  EXPECT_EQ(tiny().name_of(c.src), "node0/FBMEM0");
  EXPECT_EQ(tiny().name_of(c.dst), "node0/FBMEM1");
  ASSERT_EQ(c.route.size(), 2u);
  EXPECT_EQ(tiny().name_of(c.route[0]), "node0/PCIE0.out");
  EXPECT_EQ(tiny().name_of(c.route[1]), "node0/PCIE1.in");
  EXPECT_EQ(c.bytes, 800000u);
  EXPECT_EQ(c.start, w_end);
  EXPECT_DOUBLE_EQ(c.end, w_end + (kC.copy_overhead + ((1e-6 + 1e-6) + 8e5 / 1e9)));
  EXPECT_EQ(r->task("rd").start, c.end);
  EXPECT_DOUBLE_EQ(r->outcome.time_s, c.end + (kC.task_overhead + 8e5 / 1e11));
  EXPECT_EQ(r->outcome.bytes.intra_node, 800000u);
  EXPECT_EQ(r->outcome.bytes.inter_node, 0u);
  EXPECT_EQ(r->outcome.bytes.by_kind[static_cast<int>(machine::ChannelKind::PCIE)], 800000u);
  EXPECT_EQ(r->outcome.bytes.by_kind[static_cast<int>(machine::ChannelKind::NIC)], 0u);
  // The critical path: both tasks, the copy, and nothing waited.
  const Breakdown& b = r->outcome.critical_path;
  EXPECT_DOUBLE_EQ(b.overhead, 2 * kC.task_overhead + kC.copy_overhead);
  EXPECT_DOUBLE_EQ(b.compute, 2 * (8e5 / 1e11));
  EXPECT_DOUBLE_EQ(b.copy, 2e-6 + 8e5 / 1e9);
  EXPECT_EQ(b.waiting, 0);
  EXPECT_DOUBLE_EQ(b.total(), r->outcome.time_s);
}

TEST(Copy, BetweenNodesCrossesTheNics) {
  app::App a = producer_consumer(100000, false);
  const machine::Machine m = tiny(2);
  auto r = run(a, m, place("0, 0", "1, 1"));
  ASSERT_TRUE(r->outcome.ok) << test::failure(r->outcome);
  ASSERT_EQ(r->events.copies.size(), 1u);
  const CopyEvent& c = r->events.copies[0];
  std::vector<std::string> hops;
  for (machine::ChannelId h : c.route)
    hops.push_back(m.name_of(h));
  EXPECT_EQ(hops, (std::vector<std::string>{"node0/PCIE0.out", "node0/NIC0.out", "node1/NIC0.in",
                                            "node1/PCIE1.in"}));
  const double w_end = kC.task_overhead + 8e5 / 1e11;
  // Latencies of every hop; the NIC is the slowest link (0.5 GB/s).
  EXPECT_DOUBLE_EQ(c.end,
                   w_end + (kC.copy_overhead + ((((1e-6 + 2e-6) + 2e-6) + 1e-6) + 8e5 / 5e8)));
  EXPECT_EQ(c.link_time, 8e5 / 5e8);
  EXPECT_EQ(r->outcome.bytes.inter_node, 800000u);
  EXPECT_EQ(r->outcome.bytes.intra_node, 0u);
  EXPECT_EQ(r->outcome.bytes.by_kind[static_cast<int>(machine::ChannelKind::NIC)], 800000u);
  EXPECT_EQ(r->outcome.bytes.by_kind[static_cast<int>(machine::ChannelKind::PCIE)], 800000u);
  // Each channel on the way carried the bytes once.
  for (machine::ChannelId h : c.route) {
    EXPECT_EQ(r->outcome.channels[h.index].bytes, 800000u);
    EXPECT_EQ(r->outcome.channels[h.index].busy_s, 8e5 / 5e8);
  }
}

TEST(Copy, TwoCopiesSharingALinkQueueOnIt) {
  app::App a = producer_consumer(50000, true);  // two regions of 400 kB
  auto r = run(a, tiny(), place("0, 0", "0, 1"));
  ASSERT_TRUE(r->outcome.ok) << test::failure(r->outcome);
  ASSERT_EQ(r->events.copies.size(), 2u);
  const CopyEvent& c1 = r->events.copies[0];
  const CopyEvent& c2 = r->events.copies[1];
  const double w_end = kC.task_overhead + (4e5 / 1e11 + 4e5 / 1e11);
  const double link = 4e5 / 1e9;
  EXPECT_EQ(c1.start, w_end);
  EXPECT_DOUBLE_EQ(c1.end, w_end + (kC.copy_overhead + (2e-6 + link)));
  // The second waits until the first releases PCIE0.out and PCIE1.in.
  EXPECT_DOUBLE_EQ(c2.start, w_end + link);
  EXPECT_DOUBLE_EQ(c2.end, c2.start + (kC.copy_overhead + (2e-6 + link)));
  EXPECT_EQ(r->task("rd").ready, c2.end);
  // Together they take what one copy of both regions would: 2 × bytes / bandwidth.
  EXPECT_DOUBLE_EQ(c2.end - w_end, kC.copy_overhead + 2e-6 + 2 * link);
  EXPECT_DOUBLE_EQ(r->outcome.critical_path.waiting, link);
}

TEST(Copy, SameMemoryNeedsNoCopy) {
  app::App a = producer_consumer(1000, false);
  auto r = run(a, tiny(), place("0, 0", "0, 0"));
  EXPECT_EQ(r->outcome.copies, 0u);
  EXPECT_EQ(r->task("rd").start, r->task("w").end);
}

TEST(Copy, ZeroCopyMemorySharedByGpusNeedsNoCopy) {
  app::App a = producer_consumer(1000, false);
  auto r = run(a, tiny(), place("0, 0", "0, 1") + "Region * r GPU ZCMEM;\n");
  EXPECT_EQ(r->outcome.copies, 0u);
  EXPECT_EQ(r->task("rd").start, r->task("w").end);
  EXPECT_DOUBLE_EQ(r->outcome.time_s, 2 * (kC.task_overhead + 8000 / 1e9));
}

TEST(Copy, HaloGathersEachAtomFromItsOwner) {
  // Four blocks of 1000 elements on four GPUs of two nodes; each halo piece is its block and the
  // neighbouring blocks, so each point copies each neighbour's atom from the GPU that wrote it.
  app::App a = test::empty_app();
  add_region(a, "g", {1000, 1000, 1000, 1000});
  test::add_partition(a, "blocks", "g", {{0}, {1}, {2}, {3}});
  test::add_partition(a, "halo", "g", {{0, 1}, {0, 1, 2}, {1, 2, 3}, {2, 3}}, false);
  add_task(a, "own", {variant(GPU)}, {{"g", Privilege::Write, "blocks"}});
  add_task(a, "sum", {variant(GPU)}, {{"g", Privilege::Read, "halo"}});
  add_launch(a, "own", {4}, {{"g", Privilege::Write, "blocks"}});
  add_launch(a, "sum", {4}, {{"g", Privilege::Read, "halo"}});
  auto r = run(a, tiny(2), "");
  ASSERT_TRUE(r->outcome.ok) << test::failure(r->outcome);
  EXPECT_EQ(r->outcome.copies, 6u);
  // GPU1 ↔ node1's GPU0 crosses the network; the other four neighbours share a node.
  EXPECT_EQ(r->outcome.bytes.inter_node, 2u * 8000);
  EXPECT_EQ(r->outcome.bytes.intra_node, 4u * 8000);
  EXPECT_EQ(r->outcome.bytes.by_kind[static_cast<int>(machine::ChannelKind::NIC)], 2u * 8000);
  EXPECT_EQ(r->outcome.bytes.by_kind[static_cast<int>(machine::ChannelKind::PCIE)], 6u * 8000);
  ASSERT_FALSE(r->outcome.copy_groups.empty());
  EXPECT_EQ(a.tasks[r->outcome.copy_groups[0].task].name, "sum");
  EXPECT_EQ(r->outcome.copy_groups[0].bytes, 6u * 8000);
}

}  // namespace
}  // namespace mapsmith::sim
