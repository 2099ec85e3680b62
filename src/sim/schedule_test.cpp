// The discrete-event engine's rules, each on a hand-built program: work is served in the order it
// becomes ready (back-filling), shared memories and links divide their bandwidth, copies between
// GPUs that are not peers go through host memory, waited launches and futures hold what comes
// after them, the timed region, and InstanceLimit only under back-pressure.
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

/// tiny() with each socket's DRAM at `dram` B/s, `sockets` sockets, a socket bus with
/// `io` B/s for PCIe traffic, and GPU peers as `peers` says.
machine::Machine shared_machine(double dram, int sockets = 1, double io = 0,
                                const char* peers = "socket") {
  const std::string bus =
      sockets > 1 ? fmt::format(R"({{"kind": "SOCKET_BUS", "bandwidth": 4e9, "latency": 1e-7{}}},)",
                                io > 0 ? fmt::format(R"(, "io_bandwidth": {})", io) : "")
                  : "";
  const std::string sock =
      sockets > 1 ? R"({"kind": "SOCKMEM", "capacity": 1000000000},)" : std::string();
  const std::string sock_aff =
      sockets > 1 ? R"({"proc": "CPU", "mem": "SOCKMEM", "bandwidth": 1e9, "latency": 1e-7},)"
                  : std::string();
  return machine::load_machine_json(fmt::format(R"({{
  "format": 1, "name": "shared", "nodes": 1,
  "node": {{
    "sockets": {}, "dram_bandwidth": {}, "gpu_peers": "{}",
    "processors": [
      {{"kind": "CPU", "count": 2, "flops": 1e9}},
      {{"kind": "GPU", "count": 2, "flops": 1e10}}
    ],
    "memories": [
      {} {{"kind": "SYSMEM", "capacity": 1000000000}},
      {{"kind": "FBMEM", "capacity": 1000000}},
      {{"kind": "ZCMEM", "capacity": 100000000}}
    ],
    "affinities": [
      {} {{"proc": "CPU", "mem": "SYSMEM", "bandwidth": 1e9, "latency": 1e-7}},
      {{"proc": "CPU", "mem": "ZCMEM", "bandwidth": 1e9, "latency": 1e-7}},
      {{"proc": "GPU", "mem": "FBMEM", "bandwidth": 1e11, "latency": 5e-7}},
      {{"proc": "GPU", "mem": "ZCMEM", "bandwidth": 1e9, "latency": 1e-6}}
    ],
    "links": [
      {} {{"kind": "PCIE", "bandwidth": 1e9, "latency": 1e-6}},
      {{"kind": "MEMBUS", "bandwidth": 1e10, "latency": 1e-7}}
    ]
  }}
}})",
                                                sockets, dram, peers, sock, sock_aff, bus),
                                    "shared.json");
}

TEST(Shared, ProcessorsReadingOneMemoryShareItsBandwidth) {
  // Two CPU tasks each stream 1 MB of SYSMEM at 1 GB/s: alone 1 ms each. With 1 GB/s of DRAM
  // they share it and both take 2 ms; with 4 GB/s each keeps its own 1 GB/s.
  app::App a = test::empty_app();
  add_region(a, "r", {125000, 125000});  // two 1 MB atoms
  test::add_partition(a, "halves", "r", {{0}, {1}});
  add_task(a, "scan", {variant(CPU)}, {{"r", Privilege::Read, "halves"}});
  add_launch(a, "scan", {2}, {{"r", Privilege::Read, "halves"}});
  const std::string mapper = "Task * CPU;\nRegion * * CPU SYSMEM;\n";
  auto narrow = run(a, shared_machine(1e9), mapper);
  ASSERT_TRUE(narrow->outcome.ok) << test::failure(narrow->outcome);
  EXPECT_EQ(narrow->task("scan", 0).proc.index != narrow->task("scan", 1).proc.index, true);
  for (int k = 0; k < 2; ++k)
    EXPECT_DOUBLE_EQ(narrow->task("scan", k).end, kC.task_overhead + 2e-3);
  auto wide = run(a, shared_machine(4e9), mapper);
  for (int k = 0; k < 2; ++k)
    EXPECT_DOUBLE_EQ(wide->task("scan", k).end, kC.task_overhead + 1e-3);
  // The run reports the shared part as waiting, not compute.
  EXPECT_DOUBLE_EQ(narrow->outcome.critical_path.compute, 1e-3);
  EXPECT_DOUBLE_EQ(narrow->outcome.critical_path.waiting, 1e-3);
}

/// Two writers of r and s, then two readers on GPU1: r's writer (first in program order) runs long
/// on CPU0, s's short on CPU1.
app::App out_of_order() {
  app::App a = test::empty_app();
  add_region(a, "r", {1000});
  add_region(a, "s", {1000});
  add_task(a, "wr", {variant(CPU)}, {{"r", Privilege::Write}});
  add_task(a, "ws", {variant(CPU)}, {{"s", Privilege::Write}});
  add_task(a, "rr", {variant(GPU)}, {{"r", Privilege::Read}});
  add_task(a, "rs", {variant(GPU)}, {{"s", Privilege::Read}});
  add_launch(a, "wr", {}, {{"r", Privilege::Write}}, 1e6);  // 1 ms at 1 GFLOP/s
  add_launch(a, "ws", {}, {{"s", Privilege::Write}}, 0);
  add_launch(a, "rr", {}, {{"r", Privilege::Read}}, 0);
  add_launch(a, "rs", {}, {{"s", Privilege::Read}}, 0);
  return a;
}

TEST(Order, WorkThatIsReadyIsNotHeldBehindEarlierWorkThatIsNot) {
  const std::string mapper =
      "Task wr,ws CPU;\nTask rr,rs GPU;\nRegion * * CPU SYSMEM;\nm = Machine(CPU);\n"
      "g = Machine(GPU);\ndef c0(Task t) { return m[0, 0]; }\ndef c1(Task t) { return m[0, 1]; }\n"
      "def g1(Task t) { return g[0, 1]; }\nSingleTaskMap wr c0;\nSingleTaskMap ws c1;\n"
      "SingleTaskMap rr,rs g1;\n";
  auto r = run(out_of_order(), tiny(), mapper);
  ASSERT_TRUE(r->outcome.ok) << test::failure(r->outcome);
  ASSERT_EQ(r->events.copies.size(), 2u);
  const CopyEvent& cr = r->events.copies[0];  // program order: r's copy first
  const CopyEvent& cs = r->events.copies[1];
  // Both go host-to-device on GPU1's channel; s's is ready long before r's and goes first.
  EXPECT_EQ(cs.start, r->task("ws").end);
  EXPECT_DOUBLE_EQ(cr.start, r->task("wr").end);
  EXPECT_LT(cs.end, cr.start);
  // So does the reader of s on GPU1.
  EXPECT_LT(r->task("rs").end, r->task("rr").start);
}

TEST(Copies, BetweenGpusThatAreNotPeersGoThroughHostMemoryPipelined) {
  // GPU0 writes 400 kB, GPU1 reads it. With peers: one peer copy over PCIE0.out and PCIE1.in.
  // Without: the same route, but through host memory: both GPUs' DMA channels and the DRAM
  // (written and read: 800 kB at 1 GB/s), which makes it the bottleneck.
  app::App a = test::empty_app();
  add_region(a, "r", {50000});
  add_task(a, "w", {variant(GPU)}, {{"r", Privilege::Write}});
  add_task(a, "rd", {variant(GPU)}, {{"r", Privilege::Read}});
  add_launch(a, "w", {}, {{"r", Privilege::Write}});
  add_launch(a, "rd", {}, {{"r", Privilege::Read}});
  const std::string mapper =
      "Task * GPU;\nm = Machine(GPU);\ndef g0(Task t) { return m[0, 0]; }\n"
      "def g1(Task t) { return m[0, 1]; }\nSingleTaskMap w g0;\nSingleTaskMap rd g1;\n";
  auto peer = run(a, shared_machine(1e9, 1, 0, "all"), mapper);
  auto staged = run(a, shared_machine(1e9, 1, 0, "none"), mapper);
  ASSERT_TRUE(peer->outcome.ok && staged->outcome.ok);
  ASSERT_EQ(peer->events.copies.size(), 1u);
  ASSERT_EQ(staged->events.copies.size(), 1u);
  EXPECT_DOUBLE_EQ(peer->events.copies[0].link_time, 4e5 / 1e9);
  EXPECT_DOUBLE_EQ(staged->events.copies[0].link_time, 8e5 / 1e9);
}

TEST(Copies, PcieTrafficAcrossSocketsTakesTheBussIoShare) {
  // GPU1 sits on socket 1 and reads 1 MB of zero-copy memory, which lives near GPU0 (socket 0):
  // its bytes cross the socket bus at 0.25 GB/s for PCIe traffic.
  app::App a = test::empty_app();
  add_region(a, "r", {125000});
  add_task(a, "t", {variant(GPU)}, {{"r", Privilege::Read}});
  add_launch(a, "t", {}, {{"r", Privilege::Read}});
  auto far = run(a, shared_machine(1e10, 2, 2.5e8),
                 "Task * GPU;\nRegion * * GPU ZCMEM;\nm = Machine(GPU);\n"
                 "def g(Task t) { return m[0, 1]; }\nSingleTaskMap t g;\n");
  ASSERT_TRUE(far->outcome.ok) << test::failure(far->outcome);
  EXPECT_DOUBLE_EQ(far->outcome.time_s, kC.task_overhead + 1e6 / 2.5e8);
  auto near = run(a, shared_machine(1e10, 2, 2.5e8),
                  "Task * GPU;\nRegion * * GPU ZCMEM;\nm = Machine(GPU);\n"
                  "def g(Task t) { return m[0, 0]; }\nSingleTaskMap t g;\n");
  EXPECT_DOUBLE_EQ(near->outcome.time_s, kC.task_overhead + 1e6 / 1e9);
}

/// `first` then, in a loop of 4, `step` (reads and writes r); `first` waits when asked.
app::App fenced(bool wait) {
  app::App a = test::empty_app();
  add_region(a, "r", {1000});
  add_region(a, "q", {1000});
  add_task(a, "first", {variant(GPU)}, {{"r", Privilege::Write}});
  add_task(a, "other", {variant(GPU)}, {{"q", Privilege::Write}});
  add_launch(a, "first", {}, {{"r", Privilege::Write}}, 1e7);  // 1 ms at 10 GFLOP/s
  add_launch(a, "other", {}, {{"q", Privilege::Write}}, 0);
  a.launches[0].wait = wait;
  return a;
}

TEST(Fences, AWaitedLaunchHoldsEverythingAfterIt) {
  const std::string mapper =
      "Task * GPU;\nm = Machine(GPU);\ndef g0(Task t) { return m[0, 0]; }\n"
      "def g1(Task t) { return m[0, 1]; }\nSingleTaskMap first g0;\nSingleTaskMap other g1;\n";
  // Independent: `other` runs at once on GPU1.
  auto free = run(fenced(false), tiny(), mapper);
  EXPECT_EQ(free->task("other").start, 0);
  // The parent waits for `first`: `other` is issued only when it ends.
  auto held = run(fenced(true), tiny(), mapper);
  EXPECT_EQ(held->task("other").issued, held->task("first").end);
  EXPECT_EQ(held->task("other").start, held->task("first").end);
}

TEST(Futures, ALaunchTakingAFutureWaitsForItsLatestRun) {
  app::App a = fenced(false);
  a.launches[1].futures = {0};
  auto r = run(a, tiny(),
               "Task * GPU;\nm = Machine(GPU);\ndef g1(Task t) { return m[0, 1]; }\n"
               "SingleTaskMap other g1;\n");
  EXPECT_EQ(r->task("other").ready, r->task("first").end);
}

TEST(Timed, WarmupTailAndTimedStepsChooseWhatIsTimed) {
  // A loop of 6 iterations of: set-up (waited), then work. Each iteration the work takes
  // 1 ms + overhead and the set-up its overhead.
  app::App a = test::empty_app();
  add_region(a, "r", {1000});
  add_task(a, "setup", {variant(GPU)}, {{"r", Privilege::Write}});
  add_task(a, "work", {variant(GPU)}, {{"r", Privilege::ReadWrite}});
  app::Step loop;
  loop.kind = app::Step::Kind::Loop;
  loop.var = "t";
  loop.count = 6;
  add_launch(a, "setup", {}, {{"r", Privilege::Write}}, 0, &loop.body);
  add_launch(a, "work", {}, {{"r", Privilege::ReadWrite}}, 1e7, &loop.body);
  a.launches[0].wait = true;
  loop.timed = true;
  loop.warmup = 1;
  loop.tail = 2;
  a.program.push_back(loop);
  const double setup = kC.task_overhead + 8000 / 1e11;
  const double work = kC.task_overhead + std::max(1e-3, 16000 / 1e11);
  // The whole body: iterations 1-3 from the end of iteration 0.
  auto whole = run(a, tiny(), "Task * GPU;\n");
  EXPECT_EQ(whole->outcome.timed_iterations, 3);
  EXPECT_DOUBLE_EQ(whole->outcome.timed_begin_s, setup + work);
  EXPECT_DOUBLE_EQ(whole->outcome.iteration_time_s, setup + work);
  // Steps 1... (the work alone), each iteration timed from the end of its set-up.
  a.program[0].timed_from = 1;
  auto steps = run(a, tiny(), "Task * GPU;\n");
  EXPECT_EQ(steps->outcome.timed_iterations, 3);
  EXPECT_DOUBLE_EQ(steps->outcome.iteration_time_s, work);
  EXPECT_DOUBLE_EQ(steps->outcome.time_s, 6 * (setup + work));
  // The tasks of the timed region: 3 instances of work.
  const TaskTime& tt = steps->outcome.task_times[*a.find_task("work")];
  EXPECT_EQ(tt.instances, 3u);
  EXPECT_DOUBLE_EQ(tt.busy_s, 3 * work);
}

TEST(Backpressure, InstanceLimitThrottlesOnlyWhenEnabled) {
  // 4 points of t on one GPU; t has its own data: with InstanceLimit t 1 under back-pressure,
  // each point's copy waits for the previous point to finish; without, all copy at once.
  app::App a = test::empty_app();
  add_region(a, "r", {1000, 1000, 1000, 1000});
  test::add_partition(a, "p", "r", {{0}, {1}, {2}, {3}});
  add_task(a, "t", {variant(GPU)}, {{"r", Privilege::Read, "p"}});
  add_launch(a, "t", {4}, {{"r", Privilege::Read, "p"}}, 1e6);
  const std::string mapper =
      "Task * GPU;\nm = Machine(GPU);\ndef g0(Task t) { return m[0, 0]; }\n"
      "IndexTaskMap t g0;\nInstanceLimit t 1;\n";
  Options on;
  auto limited = test::run_with(a, tiny(), mapper, on);
  EXPECT_FALSE(limited->outcome.limits_inactive);
  EXPECT_EQ(limited->task("t", 1).issued, limited->task("t", 0).end);
  Options off;
  off.backpressure = false;
  auto free = test::run_with(a, tiny(), mapper, off);
  EXPECT_TRUE(free->outcome.limits_inactive);
  EXPECT_EQ(free->task("t", 1).issued, 0);
}

}  // namespace
}  // namespace mapsmith::sim
