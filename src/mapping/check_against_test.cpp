// check_against (dsl.md §6, "against an application" and "against a machine"): every located
// error and warning, with its exact text, from programs given as strings.
#include "mapping/check_against.h"

#include <gtest/gtest.h>

#include <string>

#include "machine/presets.h"
#include "mapping/test_util.h"

namespace mapsmith::mapping {
namespace {

using machine::make_machine;
using test::demo_app;
using test::make_app;
using test::Mapper;
using test::rendered;

/// What check_against reports (the checker's own warnings are not included).
std::string against(std::string text, const machine::Machine* m, const app::App* a) {
  Mapper p(std::move(text));
  dsl::Diagnostics diags;
  check_against(p.program, p.info, m, a, diags);
  return rendered(diags);
}

std::string on_machine(std::string text, std::string_view machine) {
  const machine::Machine m = make_machine(machine);
  return against(std::move(text), &m, nullptr);
}

std::string on_app(std::string text) {
  const app::App a = demo_app();
  return against(std::move(text), nullptr, &a);
}

// ---- Against a machine. ----

TEST(CheckAgainstMachine, MachineKindMissing) {
  EXPECT_EQ(on_machine("m = Machine(GPU);\n", "cpu-1"),
            "m.mapping:1:5: error: Machine(GPU): the machine cpu-1 has no GPU processors\n"
            "  m = Machine(GPU);\n"
            "      ^\n");
  EXPECT_EQ(on_machine("m = Machine(GPU);\n", "sapling"), "");
  EXPECT_EQ(on_machine("o = Machine(OMP).merge(0, 1);\n", "sapling:omp=0"),
            "m.mapping:1:5: error: Machine(OMP): the machine sapling:omp=0 has no OMP processors\n"
            "  o = Machine(OMP).merge(0, 1);\n"
            "      ^\n");
}

TEST(CheckAgainstMachine, TransformationThatDoesNotFit) {
  EXPECT_EQ(on_machine("m = Machine(GPU).split(1, 3);\n", "sapling"),
            "m.mapping:1:18: error: cannot apply split to Machine(GPU) of size (1, 4): factor 3 "
            "does not divide size 4 of dimension 1\n"
            "  m = Machine(GPU).split(1, 3);\n"
            "                   ^\n");
  // The same split fits two nodes' worth of merged GPUs.
  EXPECT_EQ(on_machine("m = Machine(GPU).merge(0, 1).split(0, 3);\n", "sapling-3"), "");
  EXPECT_EQ(on_machine("m = Machine(GPU);\nh = m.slice(1, 2, 5);\n", "sapling"),
            "m.mapping:2:7: error: cannot apply slice to Machine(GPU) of size (1, 4): range 2..5 "
            "out of 0..3 for dimension 1\n"
            "  h = m.slice(1, 2, 5);\n"
            "        ^\n");
  // Functions are not evaluated here: their transformations depend on the task.
  EXPECT_EQ(
      on_machine("def f(Task task) { return Machine(GPU).split(1, 3)[0, 0, 0]; }\n", "sapling"),
      "");
}

TEST(CheckAgainstMachine, RegionListNoneReachable) {
  EXPECT_EQ(on_machine("Region * * GPU SYSMEM;\n", "sapling"),
            "m.mapping:1:16: error: a GPU processor cannot reach SYSMEM on the machine sapling\n"
            "  Region * * GPU SYSMEM;\n"
            "                 ^\n"
            "hint: a GPU processor can address FBMEM, ZCMEM\n");
  EXPECT_EQ(on_machine("Region * * GPU SYSMEM,SOCKMEM;\n", "sapling"),
            "m.mapping:1:16: error: a GPU processor cannot reach any memory in this list on the "
            "machine sapling\n"
            "  Region * * GPU SYSMEM,SOCKMEM;\n"
            "                 ^\n"
            "hint: a GPU processor can address FBMEM, ZCMEM\n");
  EXPECT_EQ(on_machine("Region stencil 0 CPU FBMEM;\n", "sapling"),
            "m.mapping:1:22: error: a CPU processor cannot reach FBMEM on the machine sapling\n"
            "  Region stencil 0 CPU FBMEM;\n"
            "                       ^\n"
            "hint: a CPU processor can address SYSMEM, ZCMEM, SOCKMEM\n");
  EXPECT_EQ(on_machine("Region * * CPU ZCMEM;\n", "cpu-1"),
            "m.mapping:1:16: error: a CPU processor cannot reach ZCMEM on the machine cpu-1\n"
            "  Region * * CPU ZCMEM;\n"
            "                 ^\n"
            "hint: a CPU processor can address SYSMEM, SOCKMEM\n");
}

TEST(CheckAgainstMachine, RegionListSomeUnreachableWarnsPerEntry) {
  EXPECT_EQ(on_machine("Region * * GPU SYSMEM,ZCMEM;\n", "sapling"),
            "m.mapping:1:16: warning: a GPU processor cannot reach SYSMEM on the machine sapling; "
            "this entry is skipped\n"
            "  Region * * GPU SYSMEM,ZCMEM;\n"
            "                 ^\n"
            "hint: a GPU processor can address FBMEM, ZCMEM\n");
  EXPECT_EQ(on_machine("Region * * GPU SOCKMEM,FBMEM,SYSMEM;\n", "sapling"),
            "m.mapping:1:16: warning: a GPU processor cannot reach SOCKMEM on the machine "
            "sapling; this entry is skipped\n"
            "  Region * * GPU SOCKMEM,FBMEM,SYSMEM;\n"
            "                 ^\n"
            "hint: a GPU processor can address FBMEM, ZCMEM\n"
            "m.mapping:1:30: warning: a GPU processor cannot reach SYSMEM on the machine "
            "sapling; this entry is skipped\n"
            "  Region * * GPU SOCKMEM,FBMEM,SYSMEM;\n"
            "                               ^\n"
            "hint: a GPU processor can address FBMEM, ZCMEM\n");
  EXPECT_EQ(on_machine("Region * * GPU FBMEM,ZCMEM;\nRegion * * OMP SOCKMEM,SYSMEM;\n", "sapling"),
            "");
}

TEST(CheckAgainstMachine, RegionWithStarOrAMissingKind) {
  // `*`: which processors it meets depends on the tasks; decide checks it per task.
  EXPECT_EQ(on_machine("Region * * * SYSMEM;\n", "sapling"), "");
  EXPECT_EQ(on_machine("Region * * GPU FBMEM;\n", "cpu-1"),
            "m.mapping:1:12: warning: the machine cpu-1 has no GPU processors; this statement "
            "never applies\n"
            "  Region * * GPU FBMEM;\n"
            "             ^\n");
}

TEST(CheckAgainstMachine, TaskKindsTheMachineLacks) {
  EXPECT_EQ(on_machine("Task * GPU,CPU;\n", "cpu-1"),
            "m.mapping:1:8: warning: the machine cpu-1 has no GPU processors; this entry is "
            "skipped\n"
            "  Task * GPU,CPU;\n"
            "         ^\n");
  EXPECT_EQ(on_machine("Task stencil IO,PY,GPU;\n", "sapling"),
            "m.mapping:1:14: warning: the machine sapling has no IO processors; this entry is "
            "skipped\n"
            "  Task stencil IO,PY,GPU;\n"
            "               ^\n"
            "m.mapping:1:17: warning: the machine sapling has no PY processors; this entry is "
            "skipped\n"
            "  Task stencil IO,PY,GPU;\n"
            "                  ^\n");
  EXPECT_EQ(on_machine("Task * GPU,OMP,CPU;\n", "sapling"), "");
}

TEST(CheckAgainstMachine, NamesAreNotCheckedWithoutAnApp) {
  EXPECT_EQ(on_machine("Task nosuch GPU;\nRegion nosuch 9 GPU FBMEM;\n", "sapling"), "");
}

// ---- Against an application. ----

TEST(CheckAgainstApp, UnknownTaskInEveryStatement) {
  EXPECT_EQ(on_app("Task stencl GPU;\n"
                   "Region reduse * * SYSMEM;\n"
                   "Layout initt * * AOS;\n"
                   "InstanceLimit stencil_x 2;\n"
                   "CollectMemory xyz *;\n"
                   "def f(Task task) { return Machine(GPU)[0, 0]; }\n"
                   "IndexTaskMap stencl f;\n"
                   "SingleTaskMap GPU f;\n"
                   "ControlReplicate reduce, qqq;\n"),
            "m.mapping:1:6: error: unknown task 'stencl' in the application demo\n"
            "  Task stencl GPU;\n"
            "       ^\n"
            "hint: did you mean 'stencil'?\n"
            "m.mapping:2:8: error: unknown task 'reduse' in the application demo\n"
            "  Region reduse * * SYSMEM;\n"
            "         ^\n"
            "hint: did you mean 'reduce'?\n"
            "m.mapping:3:8: error: unknown task 'initt' in the application demo\n"
            "  Layout initt * * AOS;\n"
            "         ^\n"
            "hint: did you mean 'init'?\n"
            "m.mapping:4:15: error: unknown task 'stencil_x' in the application demo\n"
            "  InstanceLimit stencil_x 2;\n"
            "                ^\n"
            "hint: did you mean 'stencil'?\n"
            "m.mapping:5:15: error: unknown task 'xyz' in the application demo\n"
            "  CollectMemory xyz *;\n"
            "                ^\n"
            "hint: the tasks of demo are: main, stencil, reduce, init\n"
            "m.mapping:7:14: error: unknown task 'stencl' in the application demo\n"
            "  IndexTaskMap stencl f;\n"
            "               ^\n"
            "hint: did you mean 'stencil'?\n"
            "m.mapping:9:26: error: unknown task 'qqq' in the application demo\n"
            "  ControlReplicate reduce, qqq;\n"
            "                           ^\n"
            "hint: the tasks of demo are: main, stencil, reduce, init\n");
}

TEST(CheckAgainstApp, KnownTasksAndKindFormsAreFine) {
  EXPECT_EQ(on_app("Task stencil,reduce CPU;\n"
                   "def f(Task task) { return Machine(GPU)[0, 0]; }\n"
                   "IndexTaskMap GPU f;\n"
                   "SingleTaskMap * f;\n"
                   "InstanceLimit main 1;\n"
                   "ControlReplicate *;\n"),
            "");
}

TEST(CheckAgainstApp, TopLevelTaskIsNotTheProgramsToPlace) {
  // Issue 14, item 8: Legion starts the top-level task; Task and SingleTaskMap naming it were
  // silently ignored by both mappers. `*` does not name it, and other statements apply.
  EXPECT_EQ(on_app("Task main,stencil CPU;\n"
                   "def f(Task task) { return Machine(CPU)[0, 0]; }\n"
                   "SingleTaskMap main f;\n"
                   "Task * CPU;\n"
                   "ControlReplicate main;\n"),
            "m.mapping:1:6: warning: Task does not apply to main, the top-level task: Legion "
            "starts it on the first CPU of node 0\n"
            "  Task main,stencil CPU;\n"
            "       ^\n"
            "hint: leave main out of this statement\n"
            "m.mapping:3:15: warning: SingleTaskMap does not apply to main, the top-level task: "
            "Legion starts it on the first CPU of node 0\n"
            "  SingleTaskMap main f;\n"
            "                ^\n"
            "hint: leave main out of this statement\n");
}

TEST(CheckAgainstApp, UnknownRegionName) {
  EXPECT_EQ(on_app("Region stencil ghst GPU FBMEM;\n"),
            "m.mapping:1:16: error: unknown region 'ghst' for task stencil\n"
            "  Region stencil ghst GPU FBMEM;\n"
            "                 ^\n"
            "hint: did you mean 'ghost'?\n");
  EXPECT_EQ(on_app("Region stencil zzz * ZCMEM;\n"),
            "m.mapping:1:16: error: unknown region 'zzz' for task stencil\n"
            "  Region stencil zzz * ZCMEM;\n"
            "                 ^\n"
            "hint: the region names these tasks answer to are: ghost_sub, ghost_part, ghost, "
            "grid\n");
  EXPECT_EQ(on_app("Region * zzz * ZCMEM;\n"),
            "m.mapping:1:10: error: unknown region 'zzz' for any task of demo\n"
            "  Region * zzz * ZCMEM;\n"
            "           ^\n"
            "hint: the region names the tasks answer to are: ghost_sub, ghost_part, ghost, "
            "grid\n");
  EXPECT_EQ(on_app("Layout stencil,reduce grd * AOS;\n"),
            "m.mapping:1:23: error: unknown region 'grd' for these tasks\n"
            "  Layout stencil,reduce grd * AOS;\n"
            "                        ^\n"
            "hint: did you mean 'grid'?\n");
  EXPECT_EQ(on_app("CollectMemory init r;\n"),
            "m.mapping:1:20: error: unknown region 'r' for task init\n"
            "  CollectMemory init r;\n"
            "                     ^\n"
            "hint: task init takes no region arguments\n");
  // A region name counts when any listed task has an argument that answers to it: its own
  // region, its partition or its root.
  EXPECT_EQ(on_app("Region stencil,reduce ghost * ZCMEM;\n"
                   "Region stencil ghost_part * ZCMEM;\n"
                   "Layout * ghost_sub * AOS;\n"
                   "CollectMemory reduce grid;\n"),
            "");
}

TEST(CheckAgainstApp, RegionIndexPastTheArguments) {
  EXPECT_EQ(on_app("Region reduce 1 * ZCMEM;\n"),
            "m.mapping:1:15: error: task reduce has 1 region argument; index 1 is past the end\n"
            "  Region reduce 1 * ZCMEM;\n"
            "                ^\n"
            "hint: the only index is 0\n");
  EXPECT_EQ(on_app("Layout init 0 * AOS;\n"),
            "m.mapping:1:13: error: task init has 0 region arguments; index 0 is past the end\n"
            "  Layout init 0 * AOS;\n"
            "              ^\n"
            "hint: it takes no regions\n");
  EXPECT_EQ(on_app("CollectMemory stencil,reduce 1;\nCollectMemory stencil 2;\n"),
            "m.mapping:1:30: error: task reduce has 1 region argument; index 1 is past the end\n"
            "  CollectMemory stencil,reduce 1;\n"
            "                               ^\n"
            "hint: the only index is 0\n"
            "m.mapping:2:23: error: task stencil has 2 region arguments; index 2 is past the end\n"
            "  CollectMemory stencil 2;\n"
            "                        ^\n"
            "hint: indices count from 0 to 1\n");
  // With `*` an index applies to the tasks that have that many arguments.
  EXPECT_EQ(on_app("Region * 1 * ZCMEM;\nRegion stencil 1 * ZCMEM;\n"), "");
}

TEST(CheckAgainstApp, TaskKindWithoutAVariant) {
  EXPECT_EQ(on_app("Task reduce GPU;\n"),
            "m.mapping:1:13: error: task reduce has no variant for GPU\n"
            "  Task reduce GPU;\n"
            "              ^\n"
            "hint: task reduce has variants for CPU, OMP\n");
  EXPECT_EQ(on_app("Task reduce GPU,IO;\n"),
            "m.mapping:1:13: error: task reduce has no variant for any kind in this list\n"
            "  Task reduce GPU,IO;\n"
            "              ^\n"
            "hint: task reduce has variants for CPU, OMP\n");
  EXPECT_EQ(on_app("Task reduce GPU,OMP,IO;\n"),
            "m.mapping:1:13: warning: task reduce has no variant for GPU; this entry is skipped\n"
            "  Task reduce GPU,OMP,IO;\n"
            "              ^\n"
            "hint: task reduce has variants for CPU, OMP\n"
            "m.mapping:1:21: warning: task reduce has no variant for IO; this entry is skipped\n"
            "  Task reduce GPU,OMP,IO;\n"
            "                      ^\n"
            "hint: task reduce has variants for CPU, OMP\n");
  EXPECT_EQ(on_app("Task reduce,stencil GPU;\n"),
            "m.mapping:1:21: error: task reduce has no variant for GPU\n"
            "  Task reduce,stencil GPU;\n"
            "                      ^\n"
            "hint: task reduce has variants for CPU, OMP\n");
  // `*` lists are priorities over every task: a kind some tasks lack is normal there.
  EXPECT_EQ(on_app("Task * GPU;\nTask stencil GPU,OMP;\n"), "");
}

TEST(CheckAgainst, AppFirstThenMachineAndNothingWithNeither) {
  const machine::Machine m = make_machine("sapling");
  const app::App a = demo_app();
  const std::string text = "Task reduce GPU;\nRegion * * GPU SYSMEM;\n";
  EXPECT_EQ(against(text, &m, &a),
            "m.mapping:1:13: error: task reduce has no variant for GPU\n"
            "  Task reduce GPU;\n"
            "              ^\n"
            "hint: task reduce has variants for CPU, OMP\n"
            "m.mapping:2:16: error: a GPU processor cannot reach SYSMEM on the machine sapling\n"
            "  Region * * GPU SYSMEM;\n"
            "                 ^\n"
            "hint: a GPU processor can address FBMEM, ZCMEM\n");
  EXPECT_EQ(against(text, nullptr, nullptr), "");
}

}  // namespace
}  // namespace mapsmith::mapping
