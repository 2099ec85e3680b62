// decide (dsl.md §5): every resolution rule (specificity, later wins, task map precedence, region
// names and indices), every default, the memory fallbacks, machine spaces through real evaluation
// of mapping functions, and the exact text of every error decide reports.
#include "mapping/decide.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "dsl/value.h"
#include "machine/machine_json.h"
#include "machine/presets.h"
#include "mapping/test_util.h"

namespace mapsmith::mapping {
namespace {

using machine::make_machine;
using test::arg;
using test::decide_errors;
using test::decide_ok;
using test::demo_app;
using test::kinds;
using test::launch;
using test::make_app;
using test::Mapper;
using test::mems;
using test::procs;
using test::task;

constexpr ProcKind CPU = ProcKind::CPU;
constexpr ProcKind GPU = ProcKind::GPU;
constexpr ProcKind OMP = ProcKind::OMP;

/// demo_app with one single launch of each task: launch 0 is stencil, launch 1 is reduce.
app::App demo_single() {
  app::App a = demo_app();
  launch(a, "stencil");
  launch(a, "reduce");
  return a;
}

/// demo_app with one index launch of each task over `domain`.
app::App demo_index(std::vector<std::int64_t> domain) {
  app::App a = demo_app();
  launch(a, "stencil", domain);
  launch(a, "reduce", domain);
  return a;
}

/// A one-node machine without SOCKMEM: 2 CPUs, 2 GPUs. ZCMEM is listed before SYSMEM and a CPU
/// reaches it more slowly, so the default CPU memory is chosen by bandwidth, not by order.
machine::Machine no_sockmem_machine() {
  return machine::load_machine_json(R"({
  "format": 1, "name": "nosock", "nodes": 1,
  "node": {
    "processors": [
      {"kind": "CPU", "count": 2, "flops": 1e10},
      {"kind": "GPU", "count": 2, "flops": 1e12},
      {"kind": "UTIL", "count": 1, "flops": 1e10}
    ],
    "memories": [
      {"kind": "ZCMEM", "capacity": 1073741824},
      {"kind": "FBMEM", "capacity": 17179869184},
      {"kind": "SYSMEM", "capacity": 68719476736}
    ],
    "affinities": [
      {"proc": "CPU", "mem": "ZCMEM", "bandwidth": 2e10, "latency": 1e-7},
      {"proc": "CPU", "mem": "SYSMEM", "bandwidth": 5e10, "latency": 1e-7},
      {"proc": "UTIL", "mem": "SYSMEM", "bandwidth": 5e10, "latency": 1e-7},
      {"proc": "GPU", "mem": "FBMEM", "bandwidth": 9e11, "latency": 5e-7},
      {"proc": "GPU", "mem": "ZCMEM", "bandwidth": 2.5e10, "latency": 1e-6}
    ],
    "links": [
      {"kind": "PCIE", "bandwidth": 2.5e10, "latency": 1e-6},
      {"kind": "MEMBUS", "bandwidth": 5e10, "latency": 1e-7},
      {"kind": "NIC", "count": 1, "bandwidth": 2.5e10, "latency": 1e-6}
    ]
  }
})",
                                    "nosock.json");
}

std::string points_text(const LaunchDecision& d) {
  std::string out;
  for (const PointDecision& p : d.points)
    out += (out.empty() ? "" : " ") + dsl::tuple_text(p.point);
  return out;
}

// ---- No program: Legion's default policy (dsl.md §5, "With no candidate"). ----

TEST(DecideDefault, NullProgramOnTwoSaplingNodes) {
  app::App a = make_app({task("stencil", {GPU, CPU}, {arg("ghost_sub", "ghost_part", "ghost")}),
                         task("reduce", {CPU}, {arg("grid", "", "grid")}),
                         task("blend", {OMP, CPU}, {arg("grid", "", "grid")})});
  launch(a, "stencil", {8});
  launch(a, "stencil");
  launch(a, "reduce");
  launch(a, "reduce", {6});
  launch(a, "blend");
  launch(a, "stencil", {6});
  const machine::Machine m = make_machine("sapling-2");
  Mapping out = decide_ok(a, m, nullptr);
  ASSERT_EQ(out.launches.size(), 6u);
  for (std::size_t i = 0; i < out.launches.size(); ++i) {
    const LaunchDecision& d = out.launches[i];
    EXPECT_EQ(d.launch, i);
    EXPECT_EQ(d.task, a.launches[i].task);
    EXPECT_EQ(d.kind_stmt, nullptr);
    EXPECT_EQ(d.map_stmt, nullptr);
    EXPECT_EQ(d.instance_limit, std::nullopt);
    EXPECT_FALSE(d.control_replicate);
    ASSERT_EQ(d.args.size(), 1u);
    EXPECT_EQ(to_string(d.args[0].layout), "SOA F_order");
    EXPECT_EQ(d.args[0].layout, Layout{});
    EXPECT_FALSE(d.args[0].collect);
    EXPECT_EQ(d.args[0].region_stmt, nullptr);
    EXPECT_EQ(d.args[0].layout_stmt, nullptr);
  }
  // 8 points over the 8 GPUs, blocked, nodes first; each GPU's own framebuffer.
  const LaunchDecision& l0 = out.launches[0];
  EXPECT_EQ(l0.kind, GPU);
  EXPECT_EQ(points_text(l0), "(0,) (1,) (2,) (3,) (4,) (5,) (6,) (7,)");
  EXPECT_EQ(procs(m, l0),
            "node0/GPU0 node0/GPU1 node0/GPU2 node0/GPU3 node1/GPU0 node1/GPU1 node1/GPU2 "
            "node1/GPU3");
  EXPECT_EQ(kinds(l0, 0), "FBMEM");
  EXPECT_EQ(mems(m, l0, 0),
            "node0/FBMEM0 node0/FBMEM1 node0/FBMEM2 node0/FBMEM3 node1/FBMEM0 node1/FBMEM1 "
            "node1/FBMEM2 node1/FBMEM3");
  // A single GPU launch from the top-level task (on CPU 0 of node 0): GPU 0 of node 0.
  const LaunchDecision& l1 = out.launches[1];
  EXPECT_EQ(l1.kind, GPU);
  EXPECT_EQ(points_text(l1), "()");
  EXPECT_EQ(procs(m, l1), "node0/GPU0");
  EXPECT_EQ(mems(m, l1, 0), "node0/FBMEM0");
  // A single CPU launch runs on the parent's own processor, in its socket's memory.
  const LaunchDecision& l2 = out.launches[2];
  EXPECT_EQ(l2.kind, CPU);
  EXPECT_EQ(procs(m, l2), "node0/CPU0");
  EXPECT_EQ(kinds(l2, 0), "SOCKMEM");
  EXPECT_EQ(mems(m, l2, 0), "node0/SOCKMEM0");
  // 6 points over 40 CPUs: point n on CPU floor(n*40/6); CPUs 10..19 of a node are on socket 1.
  const LaunchDecision& l3 = out.launches[3];
  EXPECT_EQ(l3.kind, CPU);
  EXPECT_EQ(procs(m, l3), "node0/CPU0 node0/CPU6 node0/CPU13 node1/CPU0 node1/CPU6 node1/CPU13");
  EXPECT_EQ(mems(m, l3, 0),
            "node0/SOCKMEM0 node0/SOCKMEM0 node0/SOCKMEM1 node1/SOCKMEM0 node1/SOCKMEM0 "
            "node1/SOCKMEM1");
  // OMP comes before CPU; a single launch of another kind than the parent's: processor 0.
  const LaunchDecision& l4 = out.launches[4];
  EXPECT_EQ(l4.kind, OMP);
  EXPECT_EQ(procs(m, l4), "node0/OMP0");
  EXPECT_EQ(kinds(l4, 0), "SOCKMEM");
  EXPECT_EQ(mems(m, l4, 0), "node0/SOCKMEM0");
  // 6 points over 8 GPUs: point n on GPU floor(n*8/6).
  const LaunchDecision& l5 = out.launches[5];
  EXPECT_EQ(procs(m, l5), "node0/GPU0 node0/GPU1 node0/GPU2 node1/GPU0 node1/GPU1 node1/GPU2");
}

TEST(DecideDefault, IndexLaunchPointsFirstDimensionFastest) {
  app::App a = make_app({task("t", {GPU})});
  launch(a, "t", {2, 4});
  launch(a, "t", {3, 1, 2});
  const machine::Machine m = make_machine("sapling-2");
  Mapping out = decide_ok(a, m, nullptr);
  ASSERT_EQ(out.launches.size(), 2u);
  EXPECT_EQ(points_text(out.launches[0]),
            "(0, 0) (1, 0) (0, 1) (1, 1) (0, 2) (1, 2) (0, 3) (1, 3)");
  EXPECT_EQ(procs(m, out.launches[0]),
            "node0/GPU0 node0/GPU1 node0/GPU2 node0/GPU3 node1/GPU0 node1/GPU1 node1/GPU2 "
            "node1/GPU3");
  EXPECT_EQ(points_text(out.launches[1]),
            "(0, 0, 0) (1, 0, 0) (2, 0, 0) (0, 0, 1) (1, 0, 1) (2, 0, 1)");
  EXPECT_EQ(procs(m, out.launches[1]),
            "node0/GPU0 node0/GPU1 node0/GPU2 node1/GPU0 node1/GPU1 node1/GPU2");
  EXPECT_TRUE(out.launches[0].args.empty());
  EXPECT_TRUE(out.launches[0].points[0].memories.empty());
}

TEST(DecideDefault, IndexLaunchOverRanksStillNodesFirst) {
  // sapling-2:ranks=4: 8 address spaces of 1 GPU and 5 CPUs each.
  app::App a = make_app({task("g", {GPU}), task("c", {CPU})});
  launch(a, "g", {8});
  launch(a, "g", {4});
  launch(a, "c", {4});
  launch(a, "c");
  const machine::Machine m = make_machine("sapling-2:ranks=4");
  Mapping out = decide_ok(a, m, nullptr);
  ASSERT_EQ(out.launches.size(), 4u);
  EXPECT_EQ(procs(m, out.launches[0]),
            "node0/GPU0 node0/GPU1 node0/GPU2 node0/GPU3 node1/GPU0 node1/GPU1 node1/GPU2 "
            "node1/GPU3");
  EXPECT_EQ(procs(m, out.launches[1]), "node0/GPU0 node0/GPU2 node1/GPU0 node1/GPU2");
  // 40 CPUs, point n on CPU 10n: address space 2n, node-local index 10n mod 20.
  EXPECT_EQ(procs(m, out.launches[2]), "node0/CPU0 node0/CPU10 node1/CPU0 node1/CPU10");
  EXPECT_EQ(procs(m, out.launches[3]), "node0/CPU0");
}

TEST(DecideDefault, LaunchesMadeByAnInnerTask) {
  // outer's 4 points run on CPUs 0 and 10 of each node; each point makes the launches below.
  app::App a = make_app({task("outer", {CPU}), task("leaf", {GPU, CPU}), task("cpu_leaf", {CPU})});
  launch(a, "outer", {4});
  launch(a, "leaf", {}, 0);
  launch(a, "cpu_leaf", {}, 0);
  launch(a, "leaf", {2}, 0);
  const machine::Machine m = make_machine("sapling-2");
  Mapping out = decide_ok(a, m, nullptr);
  ASSERT_EQ(out.launches.size(), 13u);
  EXPECT_EQ(out.by_launch, (std::vector<std::vector<std::size_t>>{
                               {0}, {1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}}));
  std::string s;
  for (const LaunchDecision& d : out.launches) {
    s += fmt::format("{} {} [{}] parent {}:{}\n", d.launch, a.task(d.task).name, procs(m, d),
                     d.parent_decision ? std::to_string(*d.parent_decision) : "-", d.parent_point);
  }
  // A single launch runs on the parent point's processor when it is of the chosen kind, else on
  // processor 0 of that kind on the parent's node; an index launch is blocked as from the top.
  EXPECT_EQ(s,
            "0 outer [node0/CPU0 node0/CPU10 node1/CPU0 node1/CPU10] parent -:0\n"
            "1 leaf [node0/GPU0] parent 0:0\n"
            "1 leaf [node0/GPU0] parent 0:1\n"
            "1 leaf [node1/GPU0] parent 0:2\n"
            "1 leaf [node1/GPU0] parent 0:3\n"
            "2 cpu_leaf [node0/CPU0] parent 0:0\n"
            "2 cpu_leaf [node0/CPU10] parent 0:1\n"
            "2 cpu_leaf [node1/CPU0] parent 0:2\n"
            "2 cpu_leaf [node1/CPU10] parent 0:3\n"
            "3 leaf [node0/GPU0 node1/GPU0] parent 0:0\n"
            "3 leaf [node0/GPU0 node1/GPU0] parent 0:1\n"
            "3 leaf [node0/GPU0 node1/GPU0] parent 0:2\n"
            "3 leaf [node0/GPU0 node1/GPU0] parent 0:3\n");
}

TEST(DecideDefault, KindIsGpuThenOmpThenCpuAmongVariantsAndMachineKinds) {
  app::App a = make_app({task("all", {CPU, OMP, GPU}), task("co", {CPU, OMP}), task("c", {CPU}),
                         task("io_c", {ProcKind::IO, CPU})});
  for (const char* t : {"all", "co", "c", "io_c"})
    launch(a, t);
  auto kinds_on = [&](std::string_view machine) {
    const machine::Machine m = make_machine(machine);
    Mapping out = decide_ok(a, m, nullptr);
    std::string s;
    for (const LaunchDecision& d : out.launches)
      s += (s.empty() ? "" : " ") + std::string(to_string(d.kind));
    return s;
  };
  EXPECT_EQ(kinds_on("sapling"), "GPU OMP CPU CPU");
  EXPECT_EQ(kinds_on("cpu-1"), "OMP OMP CPU CPU");
  EXPECT_EQ(kinds_on("cpu-1:omp=0"), "CPU CPU CPU CPU");
}

TEST(DecideDefault, KindFallsBackToAnyVariantTheMachineHas) {
  // Neither GPU, OMP nor CPU: the first of the task's variants the machine has.
  machine::MachineSpec spec = machine::preset_spec("cpu-1:omp=0");
  spec.node.processors.push_back({ProcKind::IO, 2, 1e9, ""});
  spec.node.affinities.push_back(
      {ProcKind::IO, MemKind::SYSMEM, machine::SocketRule::ANY, 1e10, 1e-7});
  const machine::Machine m = machine::Machine::seal(spec);
  app::App a = make_app({task("io", {ProcKind::PY, ProcKind::IO}, {arg("log")})});
  launch(a, "io");
  launch(a, "io", {3});
  Mapping out = decide_ok(a, m, nullptr);
  ASSERT_EQ(out.launches.size(), 2u);
  EXPECT_EQ(out.launches[0].kind, ProcKind::IO);
  EXPECT_EQ(procs(m, out.launches[0]), "node0/IO0");
  EXPECT_EQ(kinds(out.launches[0], 0), "SYSMEM");
  EXPECT_EQ(procs(m, out.launches[1]), "node0/IO0 node0/IO0 node0/IO1");
}

TEST(DecideDefault, MemoryIsTheFastestVisible) {
  app::App a = make_app({task("g", {GPU}, {arg("r")}), task("c", {CPU}, {arg("r")})});
  launch(a, "g", {2});
  launch(a, "c", {2});
  {
    const machine::Machine m = make_machine("sapling");
    Mapping out = decide_ok(a, m, nullptr);
    EXPECT_EQ(kinds(out.launches[0], 0), "FBMEM");
    EXPECT_EQ(mems(m, out.launches[0], 0), "node0/FBMEM0 node0/FBMEM2");
    EXPECT_EQ(kinds(out.launches[1], 0), "SOCKMEM");
    EXPECT_EQ(mems(m, out.launches[1], 0), "node0/SOCKMEM0 node0/SOCKMEM1");
  }
  {
    // Without SOCKMEM a CPU's fastest memory is SYSMEM.
    const machine::Machine m = no_sockmem_machine();
    Mapping out = decide_ok(a, m, nullptr);
    EXPECT_EQ(kinds(out.launches[0], 0), "FBMEM");
    EXPECT_EQ(mems(m, out.launches[0], 0), "node0/FBMEM0 node0/FBMEM1");
    EXPECT_EQ(kinds(out.launches[1], 0), "SYSMEM");
    EXPECT_EQ(mems(m, out.launches[1], 0), "node0/SYSMEM node0/SYSMEM");
  }
}

TEST(DecideDefault, ProgramWithNoCandidateUsesTheDefaults) {
  // Statements about other tasks, regions and kinds leave every decision to the defaults.
  Mapper p(
      "Task other CPU;\n"
      "Region * nothing GPU ZCMEM;\n"
      "Region * * CPU SYSMEM;\n"
      "Layout * * SYSMEM AOS;\n"
      "InstanceLimit other 2;\n"
      "CollectMemory * nothing;\n"
      "ControlReplicate other;\n"
      "m = Machine(GPU);\n"
      "def f(Task task) { return m[0, 0]; }\n"
      "IndexTaskMap other f;\n"
      "SingleTaskMap CPU f;\n");
  app::App a = make_app({task("stencil", {GPU, CPU}, {arg("ghost_sub", "ghost_part", "ghost")})});
  launch(a, "stencil", {4});
  launch(a, "stencil");
  const machine::Machine m = make_machine("sapling");
  Mapping out = decide_ok(a, m, &p);
  ASSERT_EQ(out.launches.size(), 2u);
  for (const LaunchDecision& d : out.launches) {
    EXPECT_EQ(d.kind, GPU);
    EXPECT_EQ(d.kind_stmt, nullptr);
    EXPECT_EQ(d.map_stmt, nullptr);
    EXPECT_EQ(d.instance_limit, std::nullopt);
    EXPECT_FALSE(d.control_replicate);
    EXPECT_EQ(kinds(d, 0), "FBMEM");
    EXPECT_EQ(d.args[0].region_stmt, nullptr);
    EXPECT_EQ(d.args[0].layout_stmt, nullptr);
    EXPECT_EQ(to_string(d.args[0].layout), "SOA F_order");
    EXPECT_FALSE(d.args[0].collect);
  }
  EXPECT_EQ(procs(m, out.launches[0]), "node0/GPU0 node0/GPU1 node0/GPU2 node0/GPU3");
  EXPECT_EQ(procs(m, out.launches[1]), "node0/GPU0");
}

// ---- Task: the processor kind. ----

/// The kind of each launch and the line of the statement that chose it: "GPU@0 OMP@2".
std::string kind_choices(const app::App& a, const machine::Machine& m, const Mapper& p) {
  Mapping out = decide_ok(a, m, &p);
  std::string s;
  for (const LaunchDecision& d : out.launches)
    s += fmt::format("{}{}@{}", s.empty() ? "" : " ", to_string(d.kind), p.line_of(d.kind_stmt));
  return s;
}

TEST(DecideTask, NamedTaskBeatsStarInEitherOrder) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();
  EXPECT_EQ(kind_choices(a, m, Mapper("Task stencil CPU;\nTask * OMP;\n")), "CPU@1 OMP@2");
  EXPECT_EQ(kind_choices(a, m, Mapper("Task * CPU;\nTask stencil OMP;\n")), "OMP@2 CPU@1");
  // A list of several tasks names each of them.
  EXPECT_EQ(kind_choices(a, m, Mapper("Task reduce,stencil CPU;\nTask * OMP;\n")), "CPU@1 CPU@1");
}

TEST(DecideTask, LaterWinsAmongEquallySpecific) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();
  EXPECT_EQ(kind_choices(a, m, Mapper("Task * GPU,CPU;\nTask * OMP;\n")), "OMP@2 OMP@2");
  EXPECT_EQ(kind_choices(a, m, Mapper("Task * OMP;\nTask * CPU;\n")), "CPU@2 CPU@2");
  EXPECT_EQ(kind_choices(a, m, Mapper("Task stencil OMP;\nTask stencil CPU;\nTask * GPU,OMP;\n")),
            "CPU@2 OMP@3");
}

TEST(DecideTask, FirstKindWithAVariantAndProcessors) {
  const app::App a = demo_single();
  {
    const machine::Machine m = make_machine("sapling");
    // reduce has no GPU variant: its next kind.
    EXPECT_EQ(kind_choices(a, m, Mapper("Task * GPU,CPU;\n")), "GPU@1 CPU@1");
    // The machine has no IO processors.
    EXPECT_EQ(kind_choices(a, m, Mapper("Task * IO,OMP,CPU;\n")), "OMP@1 OMP@1");
  }
  {
    const machine::Machine m = make_machine("cpu-1");
    EXPECT_EQ(kind_choices(a, m, Mapper("Task * GPU,CPU;\n")), "CPU@1 CPU@1");
  }
}

TEST(DecideTask, StarListThatDoesNotFitLeavesTheDefault) {
  // As in the published DSL mapper: `Task * GPU;` does not stop a CPU-only task from running.
  const app::App a = demo_single();
  {
    const machine::Machine m = make_machine("sapling");
    EXPECT_EQ(kind_choices(a, m, Mapper("Task * GPU;\n")), "GPU@1 OMP@0");
    EXPECT_EQ(kind_choices(a, m, Mapper("Task * IO,PY;\n")), "GPU@0 OMP@0");
    // The later `*` statement decides, and falls back to the default, not to the earlier one.
    EXPECT_EQ(kind_choices(a, m, Mapper("Task * CPU;\nTask * GPU;\n")), "GPU@2 OMP@0");
  }
  {
    const machine::Machine m = make_machine("cpu-1");
    EXPECT_EQ(kind_choices(a, m, Mapper("Task * GPU;\n")), "OMP@0 OMP@0");
  }
}

TEST(DecideTask, NoKindInTheListIsAnError) {
  const machine::Machine m = make_machine("sapling");
  app::App a = make_app({task("reduce", {CPU, OMP})});
  launch(a, "reduce");
  Mapper p("Task * CPU;\nTask reduce GPU, IO;\n");
  EXPECT_EQ(decide_errors(a, m, &p),
            "m.mapping:2:13: error: task reduce cannot run on any kind in this list: it has "
            "variants for CPU, OMP and the machine sapling has CPU, GPU, OMP\n"
            "  Task reduce GPU, IO;\n"
            "              ^\n"
            "hint: list a kind it can run on, for example: Task reduce CPU;\n");
  // The example is a kind the machine has too.
  const machine::Machine c = make_machine("cpu-1:omp=0");
  app::App b = make_app({task("solve", {GPU, CPU})});
  launch(b, "solve");
  Mapper q("Task solve GPU;\n");
  EXPECT_EQ(decide_errors(b, c, &q),
            "m.mapping:1:12: error: task solve cannot run on any kind in this list: it has "
            "variants for GPU, CPU and the machine cpu-1:omp=0 has CPU\n"
            "  Task solve GPU;\n"
            "             ^\n"
            "hint: list a kind it can run on, for example: Task solve CPU;\n");
}

TEST(DecideTask, EveryFailingLaunchIsReported) {
  const machine::Machine m = make_machine("cpu-1");
  app::App a = make_app({task("a", {GPU}), task("b", {CPU})});
  launch(a, "a");
  launch(a, "b");
  launch(a, "a", {2});
  Mapper p("Task a GPU;\n");
  const std::string one =
      "m.mapping:1:8: error: task a cannot run on any kind in this list: it has variants for "
      "GPU and the machine cpu-1 has CPU, OMP\n"
      "  Task a GPU;\n"
      "         ^\n";
  EXPECT_EQ(decide_errors(a, m, &p), one + one);
}

TEST(DecideTask, NoRunnableVariantWithoutAStatementIsAFileError) {
  const machine::Machine m = make_machine("sapling");
  app::App a = make_app({task("py", {ProcKind::PY})});
  launch(a, "py");
  EXPECT_EQ(decide_errors(a, m, nullptr),
            "<default mapper>: error: task py has no variant this machine can run: it has "
            "variants for PY and the machine sapling has CPU, GPU, OMP\n");
  Mapper p("Task other CPU;\n");
  EXPECT_EQ(decide_errors(a, m, &p),
            "m.mapping: error: task py has no variant this machine can run: it has variants for "
            "PY and the machine sapling has CPU, GPU, OMP\n");
}

// ---- Region: the memory. ----

/// "KINDS@LINE" for each region argument of each launch, launches separated by " | ".
std::string region_choices(const app::App& a, const machine::Machine& m, const Mapper& p) {
  Mapping out = decide_ok(a, m, &p);
  std::string s;
  for (const LaunchDecision& d : out.launches) {
    if (!s.empty()) s += " | ";
    for (std::size_t i = 0; i < d.args.size(); ++i)
      s += fmt::format("{}{}@{}", i ? " " : "", kinds(d, i), p.line_of(d.args[i].region_stmt));
  }
  return s;
}

TEST(DecideRegion, NamedTaskBeatsStar) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();  // stencil on GPU, reduce on OMP
  EXPECT_EQ(region_choices(a, m, Mapper("Region stencil * GPU ZCMEM;\nRegion * * GPU FBMEM;\n")),
            "ZCMEM@1 ZCMEM@1 | SOCKMEM@0");
  EXPECT_EQ(region_choices(a, m, Mapper("Region * * * ZCMEM;\nRegion reduce * * SYSMEM;\n")),
            "ZCMEM@1 ZCMEM@1 | SYSMEM@2");
}

TEST(DecideRegion, NamedOrIndexedRegionBeatsStar) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();
  EXPECT_EQ(region_choices(a, m, Mapper("Region * ghost GPU ZCMEM;\nRegion * * GPU FBMEM;\n")),
            "ZCMEM@1 FBMEM@2 | SOCKMEM@0");
  EXPECT_EQ(region_choices(a, m, Mapper("Region * 1 GPU ZCMEM;\nRegion * * GPU FBMEM;\n")),
            "FBMEM@2 ZCMEM@1 | SOCKMEM@0");
  EXPECT_EQ(region_choices(a, m, Mapper("Region * 0 * ZCMEM;\nRegion * * * SYSMEM,ZCMEM;\n")),
            "ZCMEM@1 ZCMEM@2 | ZCMEM@1");
  // A name and an index are equally specific: the later one wins.
  EXPECT_EQ(region_choices(a, m, Mapper("Region * 0 GPU ZCMEM;\nRegion * ghost GPU FBMEM;\n")),
            "FBMEM@2 FBMEM@0 | SOCKMEM@0");
  EXPECT_EQ(region_choices(a, m, Mapper("Region * ghost GPU FBMEM;\nRegion * 0 GPU ZCMEM;\n")),
            "ZCMEM@2 FBMEM@0 | SOCKMEM@0");
}

TEST(DecideRegion, NameMatchesTheRegionItsPartitionAndItsRoot) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();
  for (const char* name : {"ghost_sub", "ghost_part", "ghost"}) {
    Mapper p(fmt::format("Region * {} GPU ZCMEM;\n", name));
    EXPECT_EQ(region_choices(a, m, p), "ZCMEM@1 FBMEM@0 | SOCKMEM@0") << name;
  }
  // Another task's or no argument's name matches nothing.
  Mapper p("Region * ghost_sub2 GPU ZCMEM;\nRegion * gri GPU ZCMEM;\n");
  EXPECT_EQ(region_choices(a, m, p), "FBMEM@0 FBMEM@0 | SOCKMEM@0");
  // `grid` is the root of stencil's argument 1 and of reduce's argument 0.
  EXPECT_EQ(region_choices(a, m, Mapper("Region * grid * ZCMEM;\n")), "FBMEM@0 ZCMEM@1 | ZCMEM@1");
}

TEST(DecideRegion, SpecificProcessorKindBeatsStar) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();
  EXPECT_EQ(region_choices(a, m, Mapper("Region * * GPU FBMEM;\nRegion * * * ZCMEM;\n")),
            "FBMEM@1 FBMEM@1 | ZCMEM@2");
  // A kind the task does not run on does not match.
  EXPECT_EQ(region_choices(a, m, Mapper("Region * * CPU SYSMEM;\n")),
            "FBMEM@0 FBMEM@0 | SOCKMEM@0");
  EXPECT_EQ(region_choices(a, m, Mapper("Region * * OMP SYSMEM;\n")), "FBMEM@0 FBMEM@0 | SYSMEM@1");
}

TEST(DecideRegion, MoreSpecificWinsEvenWhenEarlier) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();
  // Task and region named (2) beat processor kind named (1).
  EXPECT_EQ(region_choices(a, m, Mapper("Region stencil ghost * ZCMEM;\nRegion * * GPU FBMEM;\n")),
            "ZCMEM@1 FBMEM@2 | SOCKMEM@0");
  // All three named (3) beat two.
  EXPECT_EQ(region_choices(a, m,
                           Mapper("Region stencil 0 GPU ZCMEM;\nRegion stencil ghost * FBMEM;\n"
                                  "Region stencil * GPU FBMEM;\n")),
            "ZCMEM@1 FBMEM@3 | SOCKMEM@0");
}

TEST(DecideRegion, LaterWinsAmongEquallySpecific) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();
  EXPECT_EQ(region_choices(a, m, Mapper("Region * * GPU ZCMEM;\nRegion * * GPU FBMEM,ZCMEM;\n")),
            "FBMEM,ZCMEM@2 FBMEM,ZCMEM@2 | SOCKMEM@0");
  EXPECT_EQ(region_choices(a, m, Mapper("Region stencil * * FBMEM;\nRegion * ghost * ZCMEM;\n")),
            "ZCMEM@2 FBMEM@1 | SOCKMEM@0");
  EXPECT_EQ(region_choices(a, m, Mapper("Region * ghost * ZCMEM;\nRegion stencil * * FBMEM;\n")),
            "FBMEM@2 FBMEM@2 | SOCKMEM@0");
}

TEST(DecideRegion, UnreachableFallbacksAreSkipped) {
  const machine::Machine m = make_machine("sapling-2");
  app::App a = demo_index({8});
  Mapper p("Region * * GPU SYSMEM,ZCMEM;\nRegion * * OMP FBMEM,SOCKMEM,SYSMEM;\n");
  Mapping out = decide_ok(a, m, &p);
  ASSERT_EQ(out.launches.size(), 2u);
  const LaunchDecision& g = out.launches[0];
  EXPECT_EQ(kinds(g, 0), "ZCMEM");
  EXPECT_EQ(mems(m, g, 0),
            "node0/ZCMEM node0/ZCMEM node0/ZCMEM node0/ZCMEM node1/ZCMEM node1/ZCMEM "
            "node1/ZCMEM node1/ZCMEM");
  const LaunchDecision& o = out.launches[1];
  EXPECT_EQ(o.kind, OMP);
  EXPECT_EQ(procs(m, o),
            "node0/OMP0 node0/OMP0 node0/OMP1 node0/OMP1 node1/OMP0 node1/OMP0 node1/OMP1 "
            "node1/OMP1");
  EXPECT_EQ(kinds(o, 0), "SOCKMEM,SYSMEM");
  // Each OMP processor's own socket.
  EXPECT_EQ(mems(m, o, 0),
            "node0/SOCKMEM0 node0/SOCKMEM0 node0/SOCKMEM1 node0/SOCKMEM1 node1/SOCKMEM0 "
            "node1/SOCKMEM0 node1/SOCKMEM1 node1/SOCKMEM1");
}

TEST(DecideRegion, EveryPointGetsItsOwnMemoryOfTheFirstKind) {
  const machine::Machine m = make_machine("sapling-2");
  app::App a = demo_index({4});
  Mapper p("Region * * GPU FBMEM,ZCMEM;\nRegion * 0 GPU ZCMEM,FBMEM;\nTask reduce CPU;\n");
  Mapping out = decide_ok(a, m, &p);
  const LaunchDecision& g = out.launches[0];
  EXPECT_EQ(procs(m, g), "node0/GPU0 node0/GPU2 node1/GPU0 node1/GPU2");
  EXPECT_EQ(kinds(g, 0), "ZCMEM,FBMEM");
  EXPECT_EQ(mems(m, g, 0), "node0/ZCMEM node0/ZCMEM node1/ZCMEM node1/ZCMEM");
  EXPECT_EQ(kinds(g, 1), "FBMEM,ZCMEM");
  EXPECT_EQ(mems(m, g, 1), "node0/FBMEM0 node0/FBMEM2 node1/FBMEM0 node1/FBMEM2");
  // 4 points over 40 CPUs: CPUs 0 and 10 of each node, on sockets 0 and 1.
  const LaunchDecision& c = out.launches[1];
  EXPECT_EQ(procs(m, c), "node0/CPU0 node0/CPU10 node1/CPU0 node1/CPU10");
  EXPECT_EQ(mems(m, c, 0), "node0/SOCKMEM0 node0/SOCKMEM1 node1/SOCKMEM0 node1/SOCKMEM1");
}

TEST(DecideRegion, NoReachableMemoryIsAnError) {
  const machine::Machine m = make_machine("sapling");
  app::App a = demo_app();
  launch(a, "stencil", {2});
  Mapper p("Region * * * SOCKMEM,SYSMEM;\n");
  EXPECT_EQ(decide_errors(a, m, &p),
            "m.mapping:1:14: error: no memory in this list can be reached from a GPU processor, "
            "where task stencil runs (region argument 0 'ghost_sub')\n"
            "  Region * * * SOCKMEM,SYSMEM;\n"
            "               ^\n"
            "hint: a GPU processor can address FBMEM, ZCMEM\n");
  Mapper q("Region stencil grid GPU SYSMEM;\n");
  EXPECT_EQ(decide_errors(a, m, &q),
            "m.mapping:1:25: error: no memory in this list can be reached from a GPU processor, "
            "where task stencil runs (region argument 1 'grid')\n"
            "  Region stencil grid GPU SYSMEM;\n"
            "                          ^\n"
            "hint: a GPU processor can address FBMEM, ZCMEM\n");
}

// ---- Layout. ----

/// "LAYOUT@LINE" for each region argument of each launch, launches separated by " | ".
std::string layout_choices(const app::App& a, const machine::Machine& m, const Mapper& p) {
  Mapping out = decide_ok(a, m, &p);
  std::string s;
  for (const LaunchDecision& d : out.launches) {
    if (!s.empty()) s += " | ";
    for (std::size_t i = 0; i < d.args.size(); ++i)
      s += fmt::format("{}{}@{}", i ? ", " : "", to_string(d.args[i].layout),
                       p.line_of(d.args[i].layout_stmt));
  }
  return s;
}

TEST(DecideLayout, ConstraintsAndTheirText) {
  const machine::Machine m = make_machine("sapling");
  app::App a = make_app({task("t", {CPU}, {arg("r")})});
  launch(a, "t");
  EXPECT_EQ(layout_choices(a, m, Mapper("Layout * * * AOS C_order Align==128 Compact Exact;\n")),
            "AOS C_order Align==128 Compact Exact@1");
  EXPECT_EQ(layout_choices(a, m, Mapper("Layout * * * Align<=64;\n")), "SOA F_order Align<=64@1");
  EXPECT_EQ(layout_choices(a, m, Mapper("Layout * * * C_order;\n")), "SOA C_order@1");
  EXPECT_EQ(layout_choices(a, m, Mapper("Layout * * * AOS F_order No_Align;\n")), "AOS F_order@1");
  EXPECT_EQ(layout_choices(a, m, Mapper("Layout * * *;\n")), "SOA F_order@1");
  Layout want;
  want.soa = false;
  want.c_order = true;
  want.align_op = dsl::Op::Ge;
  want.align = 64;
  want.exact = true;
  EXPECT_EQ(to_string(want), "AOS C_order Align>=64 Exact");
  Mapper p("Layout * * * Exact Align>=64 C_order AOS;\n");
  EXPECT_EQ(decide_ok(a, m, &p).launches[0].args[0].layout, want);
}

TEST(DecideLayout, MemoryKindField) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();  // stencil in FBMEM, reduce in SOCKMEM
  EXPECT_EQ(layout_choices(a, m, Mapper("Layout * * FBMEM AOS;\nLayout * * SOCKMEM C_order;\n")),
            "AOS F_order@1, AOS F_order@1 | SOA C_order@2");
  // The memory decided by the Region statements, fallbacks applied.
  EXPECT_EQ(layout_choices(a, m,
                           Mapper("Region * ghost GPU SYSMEM,ZCMEM;\nLayout * * SYSMEM AOS;\n"
                                  "Layout * * ZCMEM C_order;\n")),
            "SOA C_order@3, SOA F_order@0 | SOA F_order@0");
}

TEST(DecideLayout, ProcessorKindField) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();
  EXPECT_EQ(layout_choices(a, m, Mapper("Layout * * OMP AOS;\n")),
            "SOA F_order@0, SOA F_order@0 | AOS F_order@1");
  EXPECT_EQ(layout_choices(a, m, Mapper("Layout * * GPU AOS;\nLayout * * CPU C_order;\n")),
            "AOS F_order@1, AOS F_order@1 | SOA F_order@0");
}

TEST(DecideLayout, SpecificKindBeatsStarAndConstraintsAreNotMerged) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();
  EXPECT_EQ(layout_choices(a, m, Mapper("Layout * * GPU AOS;\nLayout * * * C_order;\n")),
            "AOS F_order@1, AOS F_order@1 | SOA C_order@2");
  EXPECT_EQ(layout_choices(a, m, Mapper("Layout * * FBMEM AOS;\nLayout * * * C_order;\n")),
            "AOS F_order@1, AOS F_order@1 | SOA C_order@2");
}

TEST(DecideLayout, MemoryKindAndProcessorKindAreEquallySpecific) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();
  EXPECT_EQ(layout_choices(a, m, Mapper("Layout * * FBMEM AOS;\nLayout * * GPU C_order;\n")),
            "SOA C_order@2, SOA C_order@2 | SOA F_order@0");
  EXPECT_EQ(layout_choices(a, m, Mapper("Layout * * GPU C_order;\nLayout * * FBMEM AOS;\n")),
            "AOS F_order@2, AOS F_order@2 | SOA F_order@0");
}

TEST(DecideLayout, TaskRegionAndIndexSpecificity) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();
  EXPECT_EQ(layout_choices(a, m, Mapper("Layout stencil ghost * AOS;\nLayout * * GPU C_order;\n")),
            "AOS F_order@1, SOA C_order@2 | SOA F_order@0");
  EXPECT_EQ(layout_choices(a, m, Mapper("Layout * 1 FBMEM AOS;\nLayout stencil * * C_order;\n")),
            "SOA C_order@2, AOS F_order@1 | SOA F_order@0");
  EXPECT_EQ(layout_choices(a, m,
                           Mapper("Layout stencil 1 FBMEM AOS;\nLayout stencil * * C_order;\n"
                                  "Layout * grid * Exact;\n")),
            "SOA C_order@2, AOS F_order@1 | SOA F_order Exact@3");
}

// ---- InstanceLimit, CollectMemory, ControlReplicate. ----

TEST(DecideInstanceLimit, NamedBeatsStarAndLaterWins) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();
  auto limits = [&](const char* text) {
    Mapper p(text);
    Mapping out = decide_ok(a, m, &p);
    std::string s;
    for (const LaunchDecision& d : out.launches)
      s += (s.empty() ? "" : " ") +
           (d.instance_limit ? std::to_string(*d.instance_limit) : std::string("none"));
    return s;
  };
  EXPECT_EQ(limits("InstanceLimit stencil 4;\nInstanceLimit * 1;\n"), "4 1");
  EXPECT_EQ(limits("InstanceLimit * 1;\nInstanceLimit stencil 4;\n"), "4 1");
  EXPECT_EQ(limits("InstanceLimit stencil 2;\nInstanceLimit stencil 3;\n"), "3 none");
  EXPECT_EQ(limits("InstanceLimit * 2;\nInstanceLimit * 5;\n"), "5 5");
  EXPECT_EQ(limits("InstanceLimit reduce,stencil 7;\n"), "7 7");
  // The deprecated form (a warning from the checker) still sets the limit.
  EXPECT_EQ(limits("InstanceLimit reduce GPU 2;\n"), "none 2");
}

TEST(DecideCollectMemory, MatchesTaskAndRegion) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();
  auto collected = [&](const char* text) {
    Mapper p(text);
    Mapping out = decide_ok(a, m, &p);
    std::string s;
    for (const LaunchDecision& d : out.launches) {
      if (!s.empty()) s += " |";
      for (const ArgDecision& x : d.args)
        s += x.collect ? " yes" : " no";
    }
    return s;
  };
  EXPECT_EQ(collected(""), " no no | no");
  EXPECT_EQ(collected("CollectMemory stencil ghost;\n"), " yes no | no");
  EXPECT_EQ(collected("CollectMemory * ghost_part;\n"), " yes no | no");
  EXPECT_EQ(collected("CollectMemory * ghost_sub;\n"), " yes no | no");
  EXPECT_EQ(collected("CollectMemory * grid;\n"), " no yes | yes");
  EXPECT_EQ(collected("CollectMemory * 0;\n"), " yes no | yes");
  EXPECT_EQ(collected("CollectMemory reduce *;\n"), " no no | yes");
  EXPECT_EQ(collected("CollectMemory * *;\n"), " yes yes | yes");
  EXPECT_EQ(collected("CollectMemory stencil 1;\nCollectMemory * ghost;\n"), " yes yes | no");
}

TEST(DecideControlReplicate, NamedOrStar) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();
  auto replicated = [&](const char* text) {
    Mapper p(text);
    Mapping out = decide_ok(a, m, &p);
    std::string s;
    for (const LaunchDecision& d : out.launches)
      s += d.control_replicate ? "yes " : "no ";
    return s;
  };
  EXPECT_EQ(replicated(""), "no no ");
  EXPECT_EQ(replicated("ControlReplicate stencil;\n"), "yes no ");
  EXPECT_EQ(replicated("ControlReplicate reduce, stencil;\n"), "yes yes ");
  EXPECT_EQ(replicated("ControlReplicate *;\n"), "yes yes ");
}

// ---- IndexTaskMap and SingleTaskMap: which statement places the points. ----

/// Three functions that each send every point to a different GPU of node 1 of sapling-2.
constexpr const char* kPlacers =
    "m = Machine(GPU);\n"
    "def by_name(Task task) { return m[1, 3]; }\n"
    "def by_kind(Task task) { return m[1, 2]; }\n"
    "def by_any(Task task) { return m[1, 1]; }\n"
    "def cpu_f(Task task) { return Machine(CPU)[1, 19]; }\n";

/// "PROCESSOR@LINE" of the first point of each launch.
std::string placements(const app::App& a, const machine::Machine& m, const std::string& rules,
                       dsl::Dialect dialect = dsl::Dialect::Mapsmith) {
  Mapper p(kPlacers + rules, dialect);
  Mapping out = decide_ok(a, m, &p);
  std::string s;
  for (const LaunchDecision& d : out.launches)
    s += fmt::format("{}{}@{}", s.empty() ? "" : " ", m.name_of(d.points.front().proc),
                     p.line_of(d.map_stmt));
  return s;
}

TEST(DecideIndexTaskMap, NamedTaskBeatsKindBeatsStar) {
  const machine::Machine m = make_machine("sapling-2");
  app::App a = demo_app();
  launch(a, "stencil", {2});
  EXPECT_EQ(placements(a, m,
                       "IndexTaskMap stencil by_name;\nIndexTaskMap GPU by_kind;\n"
                       "IndexTaskMap * by_any;\n"),
            "node1/GPU3@6");
  EXPECT_EQ(placements(a, m,
                       "IndexTaskMap * by_any;\nIndexTaskMap GPU by_kind;\n"
                       "IndexTaskMap stencil by_name;\n"),
            "node1/GPU3@8");
  EXPECT_EQ(placements(a, m, "IndexTaskMap GPU by_kind;\nIndexTaskMap * by_any;\n"),
            "node1/GPU2@6");
  EXPECT_EQ(placements(a, m, "IndexTaskMap * by_any;\nIndexTaskMap GPU by_kind;\n"),
            "node1/GPU2@7");
  EXPECT_EQ(placements(a, m, "IndexTaskMap * by_any;\n"), "node1/GPU1@6");
  EXPECT_EQ(placements(a, m, ""), "node0/GPU0@0");
}

TEST(DecideIndexTaskMap, LaterWinsAmongEquallySpecific) {
  const machine::Machine m = make_machine("sapling-2");
  app::App a = demo_app();
  launch(a, "stencil", {2});
  EXPECT_EQ(placements(a, m, "IndexTaskMap stencil by_kind;\nIndexTaskMap stencil by_name;\n"),
            "node1/GPU3@7");
  EXPECT_EQ(
      placements(a, m, "IndexTaskMap stencil by_name;\nIndexTaskMap reduce,stencil by_any;\n"),
      "node1/GPU1@7");
  EXPECT_EQ(placements(a, m, "IndexTaskMap GPU by_name;\nIndexTaskMap GPU by_kind;\n"),
            "node1/GPU2@7");
  EXPECT_EQ(placements(a, m, "IndexTaskMap * by_name;\nIndexTaskMap * by_any;\n"), "node1/GPU1@7");
}

TEST(DecideIndexTaskMap, KindFormAppliesToTheChosenKindOnly) {
  const machine::Machine m = make_machine("sapling-2");
  app::App a = demo_app();
  launch(a, "stencil", {2});
  launch(a, "reduce", {2});
  // stencil runs on GPU, reduce on OMP: neither kind form applies to reduce.
  EXPECT_EQ(placements(a, m, "IndexTaskMap GPU by_kind;\nIndexTaskMap CPU cpu_f;\n"),
            "node1/GPU2@6 node0/OMP0@0");
  // Sending reduce to CPU makes the CPU form apply; stencil too, once on CPU.
  EXPECT_EQ(placements(a, m, "Task * CPU;\nIndexTaskMap GPU by_kind;\nIndexTaskMap CPU cpu_f;\n"),
            "node1/CPU19@8 node1/CPU19@8");
}

TEST(DecideIndexTaskMap, AppliesToIndexLaunchesOnly) {
  const machine::Machine m = make_machine("sapling-2");
  app::App a = demo_app();
  launch(a, "stencil", {2});
  launch(a, "stencil");
  EXPECT_EQ(placements(a, m, "IndexTaskMap stencil by_name;\nSingleTaskMap stencil by_kind;\n"),
            "node1/GPU3@6 node1/GPU2@7");
  EXPECT_EQ(placements(a, m, "IndexTaskMap * by_name;\n"), "node1/GPU3@6 node0/GPU0@0");
  EXPECT_EQ(placements(a, m, "SingleTaskMap * by_name;\n"), "node0/GPU0@0 node1/GPU3@6");
}

TEST(DecideSingleTaskMap, NamedTaskBeatsKindBeatsStar) {
  const machine::Machine m = make_machine("sapling-2");
  app::App a = demo_app();
  launch(a, "stencil");
  EXPECT_EQ(placements(a, m,
                       "SingleTaskMap stencil by_name;\nSingleTaskMap GPU by_kind;\n"
                       "SingleTaskMap * by_any;\n"),
            "node1/GPU3@6");
  EXPECT_EQ(placements(a, m,
                       "SingleTaskMap * by_any;\nSingleTaskMap GPU by_kind;\n"
                       "SingleTaskMap stencil by_name;\n"),
            "node1/GPU3@8");
  EXPECT_EQ(placements(a, m, "SingleTaskMap * by_any;\nSingleTaskMap GPU by_kind;\n"),
            "node1/GPU2@7");
  EXPECT_EQ(placements(a, m, "SingleTaskMap * by_any;\n"), "node1/GPU1@6");
  EXPECT_EQ(placements(a, m, "SingleTaskMap stencil by_kind;\nSingleTaskMap stencil by_name;\n"),
            "node1/GPU3@7");
  EXPECT_EQ(placements(a, m, "SingleTaskMap CPU cpu_f;\n"), "node0/GPU0@0");
}

TEST(DecideSingleTaskMap, ParentProcessorInAMappingFunction) {
  const char* text =
      "g = Machine(GPU);\n"
      "c = Machine(CPU);\n"
      "def near_parent(Task task) {\n"
      "  p = task.parent.processor(c);\n"
      "  return g[p[0], g.size[1] - 1 - p[1]];\n"
      "}\n"
      "SingleTaskMap stencil near_parent;\n";
  Mapper p(text);
  app::App a = demo_app();
  launch(a, "stencil");
  {
    const machine::Machine m = make_machine("sapling-2");
    Mapping out = decide_ok(a, m, &p);
    EXPECT_EQ(procs(m, out.launches[0]), "node0/GPU3");
    EXPECT_EQ(p.line_of(out.launches[0].map_stmt), 7u);
  }
  {
    const machine::Machine m = make_machine("sapling-2:ranks=4");
    Mapping out = decide_ok(a, m, &p);
    EXPECT_EQ(procs(m, out.launches[0]), "node0/GPU0");
  }
}

TEST(DecideSingleTaskMap, ParentOfALaunchMadeByAnInnerTask) {
  // Each point of outer (on CPU 0 of nodes 0 and 1) launches leaf; leaf goes to the last GPU of
  // its parent's node, and to the GPU numbered by its parent's point when given by point.
  Mapper p(
      "g = Machine(GPU);\n"
      "c = Machine(CPU);\n"
      "def near_parent(Task task) {\n"
      "  p = task.parent.processor(c);\n"
      "  return g[p[0], g.size[1] - 1 - p[1]];\n"
      "}\n"
      "def by_parent_point(Task task) {\n"
      "  return g[0, task.parent.ipoint[0] * g.size[1] / task.parent.ispace[0]];\n"
      "}\n"
      "SingleTaskMap leaf near_parent;\n"
      "SingleTaskMap leaf2 by_parent_point;\n");
  app::App a = make_app({task("outer", {CPU}), task("leaf", {GPU}), task("leaf2", {GPU})});
  launch(a, "outer", {2});
  launch(a, "leaf", {}, 0);
  launch(a, "leaf2", {}, 0);
  const machine::Machine m = make_machine("sapling-2");
  Mapping out = decide_ok(a, m, &p);
  ASSERT_EQ(out.launches.size(), 5u);
  EXPECT_EQ(procs(m, out.launches[1]), "node0/GPU3");
  EXPECT_EQ(procs(m, out.launches[2]), "node1/GPU3");
  EXPECT_EQ(procs(m, out.launches[3]), "node0/GPU0");
  EXPECT_EQ(procs(m, out.launches[4]), "node0/GPU2");
}

// ---- Errors at evaluation. ----

TEST(DecideErrors, ProcessorIndexOutOfRange) {
  const machine::Machine m = make_machine("sapling");
  app::App a = demo_app();
  launch(a, "stencil", {3});
  Mapper p(
      "m = Machine(GPU);\n"
      "def f(Task task) { return m[task.ipoint[0], 0]; }\n"
      "IndexTaskMap stencil f;\n");
  EXPECT_EQ(decide_errors(a, m, &p),
            "m.mapping:2:28: error: processor index (1, 0) is out of range for Machine(GPU) of "
            "size (1, 4): index 1 of dimension 0 is not in 0..0 while mapping task stencil at "
            "point (1,)\n"
            "  def f(Task task) { return m[task.ipoint[0], 0]; }\n"
            "                             ^\n"
            "hint: wrap the index with '%' the size of that dimension, e.g. m[i % m.size[0], 0]\n");
}

TEST(DecideErrors, MachineKindMissing) {
  const machine::Machine m = make_machine("cpu-1");
  app::App a = demo_app();
  launch(a, "reduce");
  Mapper p("m = Machine(GPU);\n");
  EXPECT_EQ(decide_errors(a, m, &p),
            "m.mapping:1:5: error: Machine(GPU): the machine cpu-1 has no GPU processors\n"
            "  m = Machine(GPU);\n"
            "      ^\n");
}

TEST(DecideErrors, TransformationThatDoesNotFit) {
  const machine::Machine m = make_machine("sapling");
  app::App a = demo_app();
  launch(a, "stencil");
  Mapper p("m = Machine(GPU).split(1, 3);\n");
  EXPECT_EQ(decide_errors(a, m, &p),
            "m.mapping:1:18: error: cannot apply split to Machine(GPU) of size (1, 4): factor 3 "
            "does not divide size 4 of dimension 1\n"
            "  m = Machine(GPU).split(1, 3);\n"
            "                   ^\n");
}

TEST(DecideErrors, StepBudget) {
  const machine::Machine m = make_machine("sapling");
  app::App a = demo_app();
  launch(a, "stencil", {2});
  Mapper p(
      "def work(int n) { return n == 0 ? 0 : work(n - 1) + work(n - 1); }\n"
      "def f(Task task) { return Machine(GPU)[0, work(40) % 4]; }\n"
      "IndexTaskMap stencil f;\n");
  EXPECT_EQ(decide_errors(a, m, &p),
            "m.mapping:1:35: error: evaluation stopped after 100000 steps while mapping task "
            "stencil at point (0,)\n"
            "  def work(int n) { return n == 0 ? 0 : work(n - 1) + work(n - 1); }\n"
            "                                    ^\n"
            "hint: the step budget keeps a mapper from hanging the tool; look for unbounded "
            "recursion\n");
}

TEST(DecideErrors, RecursionDepth) {
  const machine::Machine m = make_machine("sapling");
  app::App a = demo_app();
  launch(a, "stencil");
  Mapper p(
      "def loop(int n) { return loop(n + 1); }\n"
      "def f(Task task) { return Machine(GPU)[0, loop(0)]; }\n"
      "SingleTaskMap stencil f;\n");
  EXPECT_EQ(decide_errors(a, m, &p),
            "m.mapping:1:26: error: function calls nested more than 64 deep while mapping task "
            "stencil at point ()\n"
            "  def loop(int n) { return loop(n + 1); }\n"
            "                           ^\n"
            "hint: look for a function that calls itself without end\n");
}

TEST(DecideErrors, FunctionReturnsAProcessorOfAnotherKind) {
  const machine::Machine m = make_machine("sapling");
  app::App a = demo_app();
  launch(a, "stencil", {2});
  Mapper p(
      "def f(Task task) { return Machine(CPU)[0, task.ipoint[0]]; }\n"
      "IndexTaskMap stencil f;\n");
  EXPECT_EQ(decide_errors(a, m, &p),
            // At the `return` (issue 15 item 12), naming the statement that used the function.
            "m.mapping:1:20: error: function 'f', used by the IndexTaskMap at line 2, returned a "
            "CPU processor, but task stencil runs on GPU\n"
            "  def f(Task task) { return Machine(CPU)[0, task.ipoint[0]]; }\n"
            "                     ^\n"
            "hint: index Machine(GPU) in this function, or change the task's kind with a Task "
            "statement\n");
}

TEST(DecideErrors, DivisionByZeroNamesThePoint) {
  const machine::Machine m = make_machine("sapling");
  app::App a = demo_app();
  launch(a, "stencil", {3});
  Mapper p(
      "def f(Task task) { return Machine(GPU)[0, 3 / (2 - task.ipoint[0])]; }\n"
      "IndexTaskMap stencil f;\n");
  EXPECT_EQ(decide_errors(a, m, &p),
            "m.mapping:1:45: error: division by zero while mapping task stencil at point (2,)\n"
            "  def f(Task task) { return Machine(GPU)[0, 3 / (2 - task.ipoint[0])]; }\n"
            "                                              ^\n"
            "hint: guard the divisor, for example with max(d, 1)\n");
}

}  // namespace
}  // namespace mapsmith::mapping

// ---- The published dialect: the published DSL mapper's lookup order. ----

namespace mapsmith::mapping {
namespace {

constexpr dsl::Dialect kPublished = dsl::Dialect::Published;

TEST(DecidePublished, FirstWinsAmongEquals) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();
  EXPECT_EQ(kind_choices(a, m, Mapper("Task * GPU,CPU;\nTask * OMP;\n", kPublished)),
            "GPU@1 CPU@1");
  EXPECT_EQ(kind_choices(a, m, Mapper("Task * GPU,CPU;\nTask * OMP;\n")), "OMP@2 OMP@2");
  EXPECT_EQ(kind_choices(a, m, Mapper("Task stencil OMP;\nTask stencil CPU;\n", kPublished)),
            "OMP@1 OMP@0");
  EXPECT_EQ(region_choices(
                a, m, Mapper("Region * * GPU ZCMEM;\nRegion * * GPU FBMEM,ZCMEM;\n", kPublished)),
            "ZCMEM,FBMEM@1 ZCMEM,FBMEM@1 | SOCKMEM@0");
}

TEST(DecidePublished, TaskThenRegionThenKind) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();
  // Equally specific in mapsmith's count (two named fields each); the published mapper looks a
  // named task up before a named region, and a named region before a named kind.
  const char* text = "Region stencil * * FBMEM;\nRegion * ghost GPU ZCMEM;\n";
  EXPECT_EQ(region_choices(a, m, Mapper(text)), "ZCMEM@2 FBMEM@1 | SOCKMEM@0");
  EXPECT_EQ(region_choices(a, m, Mapper(text, kPublished)), "FBMEM,ZCMEM@1 FBMEM@1 | SOCKMEM@0");
  const char* layouts = "Layout * ghost * AOS;\nLayout * * FBMEM C_order;\n";
  EXPECT_EQ(layout_choices(a, m, Mapper(layouts, kPublished)),
            "AOS F_order@1, SOA C_order@2 | SOA F_order@0");
}

TEST(DecidePublished, MemoryListsOfEveryMatchingStatementFollowEachOther) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_single();
  // Its query_memory_list appends the lists of every statement that matches, best first: a list
  // none of whose kinds a GPU reaches falls through to the next statement's.
  const char* text = "Region stencil * GPU SYSMEM;\nRegion * * GPU ZCMEM;\n";
  EXPECT_EQ(region_choices(a, m, Mapper(text, kPublished)), "ZCMEM@1 ZCMEM@1 | SOCKMEM@0");
  dsl::Diagnostics diags;
  Mapper mine(text);
  EXPECT_FALSE(decide(a, m, &mine.program, &mine.info, diags).has_value());
}

TEST(DecidePublished, TaskMapStarIsNeverApplied) {
  const machine::Machine m = make_machine("sapling-2");
  app::App a = demo_app();
  launch(a, "stencil", {2});
  EXPECT_EQ(placements(a, m, "IndexTaskMap * by_any;\n", kPublished), "node0/GPU0@0");
  EXPECT_EQ(placements(a, m, "IndexTaskMap * by_any;\nIndexTaskMap GPU by_kind;\n", kPublished),
            "node1/GPU2@7");
  EXPECT_EQ(placements(a, m, "IndexTaskMap stencil by_name;\nIndexTaskMap stencil by_kind;\n",
                       kPublished),
            "node1/GPU3@6");
}

}  // namespace
}  // namespace mapsmith::mapping
