// The cost model, number for number: a task's time is the roofline of its work and the bytes it
// touches plus Legion's task overhead, on every processor and memory kind; a copy's time is the
// copy overhead plus every hop's latency plus bytes over the slowest hop's bandwidth; copies that
// share a link queue on it; bytes are accounted exactly per node boundary and channel kind.
#include <gtest/gtest.h>

#include <algorithm>

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

/// A task that reads 1000 pointers (`w.p.__ptr`, Regent's flattened ptr field) and follows them
/// into the 400 nodes of `n` (privilege `nodes`) and the 1 element of `t` (read-write).
app::App pointer_app(Privilege nodes, Privilege pointers = Privilege::Read) {
  app::App a = test::empty_app();
  add_region(a, "w", {1000}, {{"p.__ptr", 8}, {"x", 4}});
  add_region(a, "n", {400}, {{"f", 4}});
  add_region(a, "t", {1}, {{"s", 8}});
  const std::vector<test::Use> uses = {
      {"w", pointers, "", {"p.__ptr"}}, {"n", nodes, "", {"f"}}, {"t", Privilege::ReadWrite}};
  add_task(a, "follow", {variant(GPU), variant(CPU)}, uses);
  add_launch(a, "follow", {}, uses);
  return a;
}

TEST(Pointers, ZeroCopyAccessesCostLatencyOverTheAccessesInFlight) {
  // 1000 dereferences spread over n and t by elements x touched: 400/401 of them land in n.
  const double accesses = 1000.0 * 400 / 401;
  const double streams = 8000 / 1e11 + 1600 / 1e9 + 8 / 1e11;  // w and t in FBMEM, n in ZCMEM
  for (Privilege p : {Privilege::Reduce, Privilege::ReadWrite, Privilege::Read}) {
    app::App a = pointer_app(p);
    auto r = run(a, tiny(), "Task * GPU;\nRegion follow n GPU ZCMEM;\n");
    ASSERT_TRUE(r->outcome.ok) << test::failure(r->outcome);
    // Reductions and read-write are atomics: 14 in flight; reads are gathers: 740 in flight.
    const double in_flight =
        p == Privilege::Read ? kC.zero_copy_gathers_in_flight : kC.zero_copy_atomics_in_flight;
    EXPECT_DOUBLE_EQ(r->outcome.time_s, kC.task_overhead + (streams + accesses * 1e-6 / in_flight));
  }
  // touched weighs the spread: with n's at 0.25, 100 of every 101 weighted elements are n's.
  app::App a = pointer_app(Privilege::Reduce);
  a.launches[0].reqs[1].touched = 0.25;
  auto r = run(a, tiny(), "Task * GPU;\nRegion follow n GPU ZCMEM;\n");
  EXPECT_DOUBLE_EQ(r->outcome.time_s,
                   kC.task_overhead + (8000 / 1e11 + 400 / 1e9 + 8 / 1e11 +
                                       1000.0 * 100 / 101 * 1e-6 / kC.zero_copy_atomics_in_flight));
}

TEST(Pointers, OnlyAGpuFollowingPointersIntoHostMemoryPaysPerAccess) {
  const double streams = 8000 / 1e11 + 1600 / 1e11 + 8 / 1e11;
  // In the framebuffer the accesses are covered by the bytes streamed.
  auto fb = run(pointer_app(Privilege::Reduce), tiny(), "Task * GPU;\n");
  EXPECT_DOUBLE_EQ(fb->outcome.time_s, kC.task_overhead + streams);
  // Pointers that are rewritten, not read, are not followed (init_pointers).
  auto rw = run(pointer_app(Privilege::Reduce, Privilege::ReadWrite), tiny(),
                "Task * GPU;\nRegion follow n GPU ZCMEM;\n");
  EXPECT_DOUBLE_EQ(rw->outcome.time_s, kC.task_overhead + (8000 / 1e11 + 1600 / 1e9 + 8 / 1e11));
  // A CPU reaches host memory through its caches: no per-access term.
  auto cpu = run(pointer_app(Privilege::Reduce), tiny(), "Task * CPU;\nRegion * * CPU SYSMEM;\n");
  EXPECT_DOUBLE_EQ(cpu->outcome.time_s, kC.task_overhead + (8000 + 1600 + 8) / 1e9);
  // The constant is the simulator's to change: twice the atomics in flight, half the time.
  Constants c;
  c.zero_copy_atomics_in_flight = 28;
  auto fast =
      run(pointer_app(Privilege::Reduce), tiny(), "Task * GPU;\nRegion follow n GPU ZCMEM;\n", c);
  EXPECT_DOUBLE_EQ(fast->outcome.time_s, kC.task_overhead + (8000 / 1e11 + 1600 / 1e9 + 8 / 1e11 +
                                                             1000.0 * 400 / 401 * 1e-6 / 28));
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
  EXPECT_EQ(c.end, w_end + (kC.copy_overhead + ((1e-6 + 1e-6) + 8e5 / 1e9)));
  EXPECT_EQ(r->task("rd").start, c.end);
  EXPECT_EQ(r->outcome.time_s, c.end + (kC.task_overhead + 8e5 / 1e11));
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
  EXPECT_EQ(c.end, w_end + (kC.copy_overhead + ((((1e-6 + 2e-6) + 2e-6) + 1e-6) + 8e5 / 5e8)));
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
  EXPECT_EQ(c1.end, w_end + (kC.copy_overhead + (2e-6 + link)));
  // The second waits until the first releases PCIE0.out and PCIE1.in.
  EXPECT_EQ(c2.start, w_end + link);
  EXPECT_EQ(c2.end, c2.start + (kC.copy_overhead + (2e-6 + link)));
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
  EXPECT_EQ(r->outcome.time_s, 2 * (kC.task_overhead + 8000 / 1e9));
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
