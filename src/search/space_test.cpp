#include "search/space.h"

#include <gtest/gtest.h>

#include <set>

#include "app/generators.h"
#include "dsl/parser.h"
#include "dsl/printer.h"
#include "machine/machine_json.h"
#include "search/test_util.h"
#include "util/strings.h"

namespace mapsmith::search {
namespace {

const char* const kTinyExpert =
    "# An expert for the tiny app.\n"
    "Task * GPU,CPU;  # GPUs first\n"
    "m = Machine(GPU);\n"
    "def f(Task task) {\n"
    "  return m[0, task.ipoint[0] % 2];  # node 0 only\n"
    "}\n"
    "IndexTaskMap work f;\n";

Space tiny_space(const char* expert = kTinyExpert) {
  dsl::Diagnostics diags;
  Space s = Space::build(test::tiny_app(), test::tiny_machine(),
                         expert ? std::optional<std::string>(expert) : std::nullopt, diags);
  EXPECT_FALSE(diags.has_errors());
  return s;
}

TEST(Space, DimensionsOfTheTinyApp) {
  const Space s = tiny_space();
  std::string dims;
  for (const Dimension& d : s.dims())
    dims += d.name + " " + std::to_string(d.size) + "\n";
  EXPECT_EQ(dims,
            "base 2\n"
            "kinds work 3\n"
            "memory work blocks 4\n"
            "layout work 5\n"
            "index-map work 11\n"
            "instance-limit work 5\n"
            "collect work blocks 2\n"
            "memory report grid 4\n"
            "layout report 5\n"
            "single-map report 4\n"
            "collect report grid 2\n");
  EXPECT_EQ(s.size(), 2112000.0);
  EXPECT_TRUE(s.has_expert());
  EXPECT_EQ(s.expert_point(), (Point{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(s.default_point(), Point(11, 0));
}

TEST(Space, TheDefaultPolicyIsTheEmptyProgramAndTheExpertLosesItsComments) {
  const Space s = tiny_space();
  EXPECT_EQ(s.render(s.default_point()), "");
  EXPECT_EQ(s.render(s.expert_point()),
            "Task * GPU,CPU;\n"
            "m = Machine(GPU);\n"
            "def f(Task task) {\n"
            "  return m[0, task.ipoint[0] % 2];\n"
            "}\n"
            "IndexTaskMap work f;\n");
}

TEST(Space, MovingATaskToAnotherKindReplacesTheBaseMapThatNamesIt) {
  // The expert's f returns GPUs: kept for a task moved to CPUs it would fail, so the first
  // member of the family replaces it.
  const Space s = tiny_space();
  Point p = s.expert_point();
  p[1] = 2;  // kinds work: CPU first
  EXPECT_EQ(s.render(p),
            "Task * GPU,CPU;\n"
            "m = Machine(GPU);\n"
            "def f(Task task) {\n"
            "  return m[0, task.ipoint[0] % 2];\n"
            "}\n"
            "IndexTaskMap work f;\n"
            "\n"
            "Task work CPU,GPU;\n"
            "\n"
            "tune_cpu = Machine(CPU);\n"
            "tune_cpu_all = tune_cpu.merge(0, 1);\n"
            "\n"
            "def tune_cpu_1d_all_block(Task task) {\n"
            "  p = task.ipoint;\n"
            "  s = task.ispace;\n"
            "  i = p[0];\n"
            "  return tune_cpu_all[i * tune_cpu_all.size[0] / s.volume];\n"
            "}\n"
            "\n"
            "IndexTaskMap work tune_cpu_1d_all_block;\n");
  EXPECT_EQ(s.describe(p), "base = expert mapper\nkinds work = CPU,GPU\n");
}

TEST(Space, EveryStatementKindRendersInAFixedOrder) {
  const Space s = tiny_space();
  Point p(s.dims().size());
  for (std::size_t i = 0; i < p.size(); ++i)
    p[i] = s.dims()[i].size - 1;
  p[0] = 0;
  EXPECT_EQ(s.render(p),
            "Task work CPU,GPU;\n"
            "\n"
            "Region work blocks CPU SYSMEM,ZCMEM;\n"
            "Region report grid CPU SYSMEM,ZCMEM;\n"
            "\n"
            "Layout work * * AOS C_order;\n"
            "Layout report * * AOS C_order;\n"
            "\n"
            "InstanceLimit work 16;\n"
            "\n"
            "CollectMemory work blocks;\n"
            "CollectMemory report grid;\n"
            "\n"
            "tune_cpu = Machine(CPU);\n"
            "\n"
            "def tune_cpu_1d_nodes_cyclic(Task task) {\n"
            "  p = task.ipoint;\n"
            "  s = task.ispace;\n"
            "  n = tune_cpu.decompose(0, s);\n"
            "  f = n.decompose(1, s / n[:-1]);\n"
            "  return f[p[0] * f.size[0] / s[0], p[0] % f.size[1]];\n"
            "}\n"
            "\n"
            "def tune_cpu_last_proc(Task task) {\n"
            "  return tune_cpu[0, tune_cpu.size[1] - 1];\n"
            "}\n"
            "\n"
            "IndexTaskMap work tune_cpu_1d_nodes_cyclic;\n"
            "\n"
            "SingleTaskMap report tune_cpu_last_proc;\n");
  EXPECT_EQ(s.label(p, 2), "SYSMEM,ZCMEM on CPU");
  EXPECT_EQ(s.label(p, 4), "grid of nodes, block; within a node, cyclic");
  EXPECT_EQ(s.label(p, 9), "last processor of node 0");
}

TEST(Space, MemoryValuesFollowTheKindTheTaskRunsOn) {
  // GPU lists: FBMEM, ZCMEM, FBMEM+ZCMEM; value 4 wraps round to FBMEM. On CPUs: SYSMEM, ZCMEM,
  // SYSMEM+ZCMEM.
  const Space s = tiny_space(nullptr);
  Point p = s.default_point();
  std::vector<std::string> gpu, cpu;
  for (std::uint32_t v = 1; v <= 4; ++v) {
    p[2] = v;
    p[1] = 0;
    gpu.push_back(s.label(p, 2));
    p[1] = 2;
    cpu.push_back(s.label(p, 2));
  }
  EXPECT_EQ(gpu, (std::vector<std::string>{"FBMEM on GPU", "ZCMEM on GPU", "FBMEM,ZCMEM on GPU",
                                           "FBMEM on GPU"}));
  EXPECT_EQ(cpu, (std::vector<std::string>{"SYSMEM on CPU", "ZCMEM on CPU", "SYSMEM,ZCMEM on CPU",
                                           "SYSMEM on CPU"}));
}

TEST(Space, AnExpertThatDoesNotCheckIsReportedAndLeftOut) {
  dsl::Diagnostics diags;
  const Space s = Space::build(test::tiny_app(), test::tiny_machine(),
                               std::string("Task wrok GPU;\n"), diags, "e.mapping");
  ASSERT_TRUE(diags.has_errors());
  EXPECT_NE(diags.all().front().message.find("wrok"), std::string::npos);
  EXPECT_EQ(diags.all().front().file, "e.mapping");
  EXPECT_FALSE(s.has_expert());
  EXPECT_EQ(s.dims().front().size, 1u);
}

TEST(Space, TheMiniAppIsSmallEnoughToEnumerate) {
  dsl::Diagnostics diags;
  const Space s = Space::build(test::mini_app(), test::tiny_machine(), std::nullopt, diags);
  ASSERT_EQ(s.dims().size(), 3u);
  EXPECT_EQ(s.size(), 33.0);
}

TEST(Space, RandomPointsAreReproducible) {
  const Space s = tiny_space();
  Rng a(7), b(7);
  for (int i = 0; i < 20; ++i) {
    const Point p = s.random_point(a);
    EXPECT_EQ(p, s.random_point(b));
    for (std::size_t d = 0; d < p.size(); ++d)
      EXPECT_LT(p[d], s.dims()[d].size);
  }
}

// Every point of every benchmark's space is a canonical program: format_program leaves the text
// as is (the database keys on it) and it parses and checks.
TEST(Space, PointsOfTheNineAppsRenderCanonicalPrograms) {
  for (const char* mname : {"sapling", "sapling-4"}) {
    const machine::Machine m = machine::load_machine(mname);
    for (const char* name : {"circuit", "stencil", "pennant", "cannon", "summa", "pumma", "johnson",
                             "cosma", "solomonik"}) {
      SCOPED_TRACE(std::string(name) + " on " + mname);
      const app::App a = app::load_app(name, m);
      dsl::Diagnostics diags;
      const Space s = Space::build(
          a, m,
          read_file(std::string(MAPSMITH_SOURCE_DIR) + "/examples/" + name + "/expert.mapping"),
          diags);
      ASSERT_FALSE(diags.has_errors());
      ASSERT_TRUE(s.has_expert());
      Rng rng(1);
      std::set<std::string> texts;
      for (int i = 0; i < 30; ++i) {
        const std::string text = s.render(i == 0 ? s.expert_point() : s.random_point(rng));
        dsl::Diagnostics d;
        const dsl::Program p = dsl::parse_string(text, d);
        ASSERT_FALSE(d.has_errors()) << text;
        ASSERT_EQ(dsl::format_program(p), text);
        texts.insert(text);
      }
      EXPECT_EQ(texts.size(), 30u);
    }
  }
}

TEST(Space, OwnerComputesMembersPlaceEachPointWhereThePartnerPointWithItsDataRuns) {
  const machine::Machine m = machine::load_machine("sapling");
  const app::App a = app::load_app("cosma", m);
  dsl::Diagnostics diags;
  const Space s = Space::build(a, m, std::nullopt, diags);
  std::size_t task2 = 0, task4 = 0;
  for (std::size_t i = 0; i < s.dims().size(); ++i) {
    if (s.dims()[i].name == "index-map task_2") task2 = i;
    if (s.dims()[i].name == "index-map task_4") task4 = i;
  }
  ASSERT_GT(task2, 0u);
  ASSERT_GT(task4, 0u);
  // task_2 places B (1, 1, 2) and task_4 reads it (1, 2, 2): four ways to pick the task_4 point
  // along the dimension task_2 does not span; task_4 aligns with task_1, task_2 and task_3.
  const Coupling* c = nullptr;
  for (const Coupling& k : s.couplings())
    if (k.dim == task2 && k.partner == task4) c = &k;
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->values.size(), 4u);
  Point p = s.default_point();
  p[task2] = c->values[3];
  EXPECT_EQ(s.label(p, task2), "where task_4's point with the same data runs (antidiagonal)");
  // With task_4 keeping the default, the partner's map is the family's first member.
  EXPECT_EQ(s.render(p),
            "tune_gpu = Machine(GPU);\n"
            "tune_gpu_all = tune_gpu.merge(0, 1);\n"
            "\n"
            "def tune_gpu_as_task_4_antidiagonal_gpu_3d_all_block(Task task) {\n"
            "  p = (task.ipoint[0], 1 - task.ipoint[2] % 2, task.ipoint[2]);\n"
            "  s = (1, 2, 2);\n"
            "  i = p[0] + s[0] * p[1] + s[0] * s[1] * p[2];\n"
            "  return tune_gpu_all[i * tune_gpu_all.size[0] / s.volume];\n"
            "}\n"
            "\n"
            "IndexTaskMap task_2 tune_gpu_as_task_4_antidiagonal_gpu_3d_all_block;\n");
  // Canonical, like every rendering.
  dsl::Diagnostics d2;
  dsl::Program prog = dsl::parse_string(s.render(p), d2, "x.mapping");
  ASSERT_FALSE(d2.has_errors());
  EXPECT_EQ(dsl::format_program(prog), s.render(p));
}

}  // namespace
}  // namespace mapsmith::search
