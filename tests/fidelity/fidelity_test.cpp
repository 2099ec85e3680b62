// The fidelity suite: facts about real runs the simulator must reproduce — measured effects
// from the paper and from the published programs' authors, and first-principles orderings —
// each with its source, asserting the direction and a band for the size (docs/simulator.md,
// "Fidelity suite").
//
// A fact the model cannot reproduce yet stays here as a known gap, with the reason: its test
// passes while the gap is there and FAILS when the model starts to reproduce the fact, so that
// the gap is then marked as holding, never silently forgotten. Every case prints its measured
// ratio (look for "fidelity:" in the test output).
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "app/generators.h"
#include "machine/presets.h"
#include "mapping/test_util.h"
#include "sim/sim.h"

namespace mapsmith {
namespace {

std::string expert(const std::string& app) {
  std::ifstream in(std::string(MAPSMITH_SOURCE_DIR) + "/examples/" + app + "/expert.mapping");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << app;
  return text.str();
}

/// The steady-state time per timed iteration of `mapper` (empty: the default policy).
double time_of(const app::App& a, const machine::Machine& m, const std::string& mapper,
               bool backpressure = true) {
  std::unique_ptr<mapping::test::Mapper> p;
  if (!mapper.empty()) p = std::make_unique<mapping::test::Mapper>(mapper);
  sim::Options o;
  o.program = p ? &p->program : nullptr;
  o.backpressure = backpressure;
  const sim::Outcome out = sim::simulate(a, m, mapping::test::decide_ok(a, m, p.get()), o);
  EXPECT_TRUE(out.ok) << (out.failures.empty() ? "" : out.failures[0].message);
  return out.iteration_time_s;
}

struct Case {
  std::string name;
  std::string fact;    ///< what a real run shows
  std::string source;  ///< where it comes from
  double lo, hi;       ///< the band the ratio must fall in
  std::function<double()> ratio;
  std::string gap;  ///< empty: the model reproduces it; else why it does not (yet)
};

/// time(variant) / time(base) for an app on a machine.
std::function<double()> slowdown(std::string app, std::string machine, std::string base,
                                 std::string variant) {
  return [=] {
    const machine::Machine m = machine::make_machine(machine);
    const app::App a = app::generate(app, {}, m);
    return time_of(a, m, variant) / time_of(a, m, base);
  };
}

std::string with(const std::string& mapper, const std::string& line) {
  return mapper + "\n" + line + "\n";
}

/// A hand-built program: `pieces` CPU tasks at once, each streaming `bytes` from SYSMEM.
app::App scan(int pieces, std::int64_t bytes) {
  app::App a;
  a.name = "scan";
  a.tasks.push_back(app::Task{"main", {ProcKind::CPU}, {}});
  a.top = 0;
  app::Region r{"data", {pieces * bytes / 8}, {{"f", 8}}, {}};
  app::Partition p{"parts", 0, true, {pieces}, {}};
  for (int i = 0; i < pieces; ++i) {
    r.atoms.push_back(bytes / 8);
    p.pieces.push_back({static_cast<std::uint32_t>(i)});
  }
  a.regions = {r};
  a.partitions = {p};
  a.tasks.push_back(
      app::Task{"scan", {ProcKind::CPU}, {{"", "parts", "data", app::Privilege::Read}}});
  app::Launch l;
  l.task = 1;
  l.index = true;
  l.domain = {pieces};
  l.point_vars = {"i"};
  app::Requirement q;
  q.region = "data";
  q.partition = "parts";
  q.projection = {app::ProjectionDim{{{"i", 1}}, 0}};
  q.privilege = app::Privilege::Read;
  l.reqs = {q};
  a.launches = {l};
  app::Step s;
  s.launch = 0;
  a.program = {s};
  return a;
}

/// Jacobi-like: `init` writes the grid on a CPU once, then 20 iterations of `sweep` on GPU0.
app::App migration() {
  app::App a;
  a.name = "jacobi";
  a.tasks.push_back(app::Task{"main", {ProcKind::CPU}, {}});
  a.top = 0;
  a.regions = {app::Region{"grid", {1 << 24}, {{"u", 8}}, {}}};  // 128 MiB
  a.tasks.push_back(
      app::Task{"init", {ProcKind::CPU}, {{"grid", "", "grid", app::Privilege::Write}}});
  a.tasks.push_back(
      app::Task{"sweep", {ProcKind::GPU}, {{"grid", "", "grid", app::Privilege::ReadWrite}}});
  for (app::TaskId t : {1u, 2u}) {
    app::Launch l;
    l.task = t;
    app::Requirement q;
    q.region = "grid";
    q.privilege = t == 1 ? app::Privilege::Write : app::Privilege::ReadWrite;
    l.reqs = {q};
    l.flops = t == 2 ? 1e10 : 0;
    a.launches.push_back(l);
  }
  app::Step init;
  init.launch = 0;
  app::Step sweep;
  sweep.launch = 1;
  app::Step loop;
  loop.kind = app::Step::Kind::Loop;
  loop.var = "t";
  loop.count = 20;
  loop.body = {sweep};
  a.program = {init, loop};
  return a;
}

/// A GPU gathering 100,000 two-field (x, y) elements from zero-copy memory at random.
app::App gather_xy() {
  app::App a;
  a.name = "gather";
  a.tasks.push_back(app::Task{"main", {ProcKind::CPU}, {}});
  a.top = 0;
  a.regions = {app::Region{"points", {1 << 20}, {{"x", 8}, {"y", 8}}, {}}};
  a.tasks.push_back(
      app::Task{"pull", {ProcKind::GPU}, {{"points", "", "points", app::Privilege::Read}}});
  app::Launch l;
  l.task = 1;
  app::Requirement q;
  q.region = "points";
  q.privilege = app::Privilege::Read;
  q.access.pattern = app::Pattern::Gather;
  q.access.accesses = 1e5;
  l.reqs = {q};
  a.launches = {l};
  app::Step s;
  s.launch = 0;
  a.program = {s};
  return a;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  const std::string wei =
      "Wei et al., arXiv 2410.15625 (v1 abstract: up to 1.34x in scientific apps)";
  // ---- circuit
  {
    std::string fb = expert("circuit");
    for (const char* r : {"rp_shared", "rp_ghost"}) {
      const std::string line = std::string("Region * ") + r + " GPU ZCMEM;";
      fb.replace(fb.find(line), line.size(), std::string("Region * ") + r + " GPU FBMEM;");
    }
    out.push_back({"circuit_framebuffer_beats_zero_copy",
                   "the paper's best circuit mapper moved rp_shared and rp_ghost from zero-copy "
                   "memory to the framebuffer: 1.34x on a Sapling node",
                   wei, 1.15, 1.60, slowdown("circuit", "sapling", fb, expert("circuit")), ""});
  }
  // ---- pennant
  {
    std::string fb = expert("pennant");
    for (const char* r : {"rp_all_shared_p", "rp_all_ghost_p"}) {
      const std::string line = std::string("Region * ") + r + " GPU ZCMEM;";
      const auto at = fb.find(line);
      if (at != std::string::npos)
        fb.replace(at, line.size(), std::string("Region * ") + r + " GPU FBMEM;");
    }
    out.push_back({"pennant_zero_copy_is_not_a_large_loss",
                   "the paper's best PENNANT mapper gained at most 1.04x; the authors tried "
                   "framebuffer placement (pennant_mappings_try) and kept zero-copy ghost points, "
                   "as the original C++ PENNANT mapper does",
                   "Anjiang-Wei/legion language/ppopp23_scripts/pennant_mappings_try; "
                   "language/examples/pennant.cc (Z_COPY_MEM for ghost points)",
                   0.90, 1.10, slowdown("pennant", "sapling", fb, expert("pennant")), ""});
  }
  // ---- the six matrix multiplies: operands and accumulators in zero-copy memory
  struct Gemm {
    const char* app;
    const char* operand;
    const char* accumulator;
  };
  const Gemm gemms[] = {
      {"cannon", "B_sub", "A_quarter"},      {"summa", "C_sub", "A_quarter"},
      {"pumma", "B_sub", "A_quarter"},       {"johnson", "B_compute", "A_compute"},
      {"solomonik", "C_chunk", "A_compute"}, {"cosma", "C_compute", "A_compute"}};
  for (const Gemm& g : gemms) {
    for (const char* m : {"sapling", "sapling-4"}) {
      const std::string e = expert(g.app);
      out.push_back(
          {std::string(g.app) + "_operand_in_zero_copy_" + (m[7] ? "four_nodes" : "one_node"),
           "a cuBLAS DGEMM re-reads each operand once per output tile (n / 128 passes, CUTLASS's "
           "128x128 FP64 tile); from pinned host memory over PCIe 3 (12 GB/s) instead of HBM2 "
           "(732 GB/s) that is several times slower",
           "first principles: CUTLASS default_gemm_configuration.h (sm_60 FP64 128x128x8); P100 "
           "data sheet",
           3, 1e6,
           slowdown(g.app, m, e,
                    with(e, std::string("Region task_4 ") + g.operand + " GPU ZCMEM;")),
           ""});
      const bool cosma_one_node = std::string(g.app) == "cosma" && !m[7];
      out.push_back(
          {std::string(g.app) + "_accumulator_in_zero_copy_" + (m[7] ? "four_nodes" : "one_node"),
           "the GEMM's accumulator in pinned host memory makes every GEMM read and write it over "
           "PCIe: slower than in the framebuffer",
           "first principles (issue: an accumulator in ZCMEM belongs near the bottom)", 1.05, 1e6,
           slowdown(g.app, m, e,
                    with(e, std::string("Region task_4 ") + g.accumulator + " GPU ZCMEM;")),
           cosma_one_node
               ? "on one sapling node the partial sums of the GEMMs on the other socket reach the "
                 "fold only through host memory (GPU peer access stops at the socket bus, "
                 "3.8 GB/s for PCIe traffic), so a zero-copy accumulator saves the "
                 "framebuffer-to-host leg of those folds and the model predicts it ~1.1x faster; "
                 "sapling's real PCIe topology (which socket each P100 hangs off, whether peer "
                 "access crosses it) is not published"
               : ""});
    }
  }
  // ---- COSMA's index-map gain
  {
    // The expert's statements with index maps that follow the data (each GEMM where its C piece
    // is, each B piece on the socket of its readers, the two A folds on opposite sockets): the
    // owner-computes mapper both the recorded LLM run and the classical search found
    // (tests/llm/cosma-best.mapping), nothing changed but the maps.
    const std::string owner_computes =
        with(expert("cosma"),
             "def gemm_gpu(Task task) {\n  p = task.ipoint;\n"
             "  return every_gpu[(p[1] + 2 * p[2]) % every_gpu.size[0]];\n}\n"
             "def b_home(Task task) {\n  k = task.ipoint[2];\n"
             "  return every_gpu[(1 + k) % every_gpu.size[0]];\n}\n"
             "def a_home(Task task) {\n  j = task.ipoint[1];\n"
             "  return every_gpu[3 * j % every_gpu.size[0]];\n}\n"
             "IndexTaskMap task_3,task_4 gemm_gpu;\nIndexTaskMap task_2 b_home;\n"
             "IndexTaskMap task_1 a_home;");
    out.push_back({"cosma_index_maps_gain",
                   "the paper's best COSMA mapper changed only index maps and ran 1.31x faster "
                   "than the expert on a Sapling node",
                   wei + "; 1.31x for matrix multiplication (v1 abstract)", 1.2, 1.7,
                   [=] {
                     const machine::Machine m = machine::make_machine("sapling");
                     const app::App a = app::generate("cosma", {}, m);
                     return time_of(a, m, expert("cosma")) / time_of(a, m, owner_computes);
                   },
                   ""});
  }
  // ---- stencil: a memory-bound kernel on GPUs against CPUs
  out.push_back({"stencil_gpus_beat_cpus",
                 "a memory-bound stencil runs several times faster on four GPUs (732 GB/s of HBM2 "
                 "each) than on the node's CPUs (137 GB/s of DDR4 in all)",
                 "first principles: P100 data sheet; Intel ARK E5-2640 v4", 3, 1e6,
                 slowdown("stencil", "sapling", expert("stencil"),
                          "Task * CPU;\nRegion * * CPU SOCKMEM,SYSMEM;\n"),
                 ""});
  // ---- InstanceLimit
  out.push_back(
      {"cannon_instance_limit_costs_little",
       "an ideal schedule of the expert's InstanceLimit task_4 1 costs 1.22x against no "
       "limit; the authors' mappers used it and ran well",
       "issue analysis of the published cannon mapper (taco build/cannonMM-cuda/mappings)", 0.7,
       1.25,
       [] {
         const machine::Machine m = machine::make_machine("sapling");
         const app::App a = app::generate("cannon", {}, m);
         std::string free = expert("cannon");
         for (const char* l : {"InstanceLimit task_4 1;", "InstanceLimit task_6 1;"})
           free.replace(free.find(l), std::string(l).size(), "");
         return time_of(a, m, expert("cannon")) / time_of(a, m, free);
       },
       ""});
  out.push_back({"instance_limit_is_inert_without_backpressure",
                 "the DSL mapper enforces InstanceLimit only with back-pressure on (its 2023 "
                 "version needed -tm:enable_backpressure; perfbench's turns it off with "
                 "-tm:disable_backpressure)",
                 "Anjiang-Wei/DSLMapper src/dsl_mapper.cc select_tasks_to_map; Anjiang-Wei/"
                 "perfbench DSLMapper/dsl_mapper.cc create_mappers",
                 1, 1,
                 [] {
                   const machine::Machine m = machine::make_machine("sapling");
                   const app::App a = app::generate("cannon", {}, m);
                   std::string free = expert("cannon");
                   for (const char* l : {"InstanceLimit task_4 1;", "InstanceLimit task_6 1;"})
                     free.replace(free.find(l), std::string(l).size(), "");
                   return time_of(a, m, expert("cannon"), false) / time_of(a, m, free, false);
                 },
                 ""});
  // ---- shared memory bandwidth
  out.push_back({"cores_share_the_dram",
                 "20 cores streaming 1 GB each cannot read faster than the node's DRAM: at least "
                 "20 GB / (2 x 51.2 GB/s achievable) = 0.195 s",
                 "Intel ARK E5-2640 v4 (4 x DDR4-2133 per socket); STREAM on 2-socket Haswell-EP "
                 "(Puget Systems): 0.75 of peak",
                 1, 1.05,
                 [] {
                   const machine::Machine m = machine::make_machine("sapling");
                   const app::App a = scan(20, 1'000'000'000);
                   return time_of(a, m, "Task * CPU;\nRegion * * CPU SYSMEM;\n") /
                          (20e9 / (2 * 0.75 * 4 * 2133e6 * 8));
                 },
                 ""});
  // ---- the timed region
  out.push_back({"steady_state_excludes_a_one_time_migration",
                 "a program that creates its data on the CPU and iterates on a GPU pays the move "
                 "once; its reported time per iteration is the GPU's steady state",
                 "first principles (the real programs time their main loop after warm-up)", 1, 1.05,
                 [] {
                   const machine::Machine m = machine::make_machine("sapling");
                   const app::App a = migration();
                   const double sweep = 20e-6 + std::max(1e10 / (4.7e12), 2.0 * 134217728 / 732e9);
                   return time_of(a, m, "Task init CPU;\nTask sweep GPU;\n") / sweep;
                 },
                 ""});
  // ---- layouts
  out.push_back({"aos_coalesces_gathers_of_wide_elements",
                 "gathering (x, y) pairs at random moves one 32-byte sector per element from an "
                 "array of structs and two from a struct of arrays",
                 "NVIDIA CUDA C++ Best Practices Guide, 'Coalesced Access to Global Memory' "
                 "(32-byte sectors)",
                 1.8, 2.2,
                 [] {
                   const machine::Machine m = machine::make_machine("sapling");
                   const app::App a = gather_xy();
                   const std::string zc = "Task * GPU;\nRegion * * GPU ZCMEM;\n";
                   return time_of(a, m, zc + "Layout * * * SOA;\n") /
                          time_of(a, m, zc + "Layout * * * AOS;\n");
                 },
                 ""});
  // ---- the socket bus carries PCIe traffic at a different rate each way
  out.push_back({"cross_socket_device_to_host_is_slower_than_host_to_device",
                 "a P100 host measured 2.5 GB/s device-to-host and 3.8 GB/s host-to-device with "
                 "the memory on the other socket",
                 "GitHub mpicbg-scicomp/gearshifft PR #82 (bandwidthTest under numactl)", 1.3, 1.7,
                 [] {
                   // A GPU on socket 1 writing then reading 1 GB of zero-copy memory (socket 0).
                   const machine::Machine m = machine::make_machine("sapling");
                   app::App a = gather_xy();
                   a.launches[0].reqs[0].access = app::Access{};
                   a.launches[0].reqs[0].privilege = app::Privilege::Write;
                   a.tasks[1].args[0].privilege = app::Privilege::Write;
                   const std::string on3 =
                       "Task * GPU;\nRegion * * GPU ZCMEM;\ng = Machine(GPU);\n"
                       "def g3(Task t) { return g[0, 3]; }\nSingleTaskMap pull g3;\n";
                   const double write = time_of(a, m, on3);
                   a.launches[0].reqs[0].privilege = app::Privilege::Read;
                   a.tasks[1].args[0].privilege = app::Privilege::Read;
                   return write / time_of(a, m, on3);
                 },
                 ""});
  return out;
}

class Fidelity : public ::testing::TestWithParam<std::size_t> {};

TEST_P(Fidelity, Case) {
  static const std::vector<Case> all = cases();
  const Case& c = all[GetParam()];
  const double r = c.ratio();
  const bool holds = r >= c.lo && r <= c.hi;
  std::printf("fidelity: %-60s %8.3f in [%g, %g]: %s\n", c.name.c_str(), r, c.lo, c.hi,
              holds ? "holds" : (c.gap.empty() ? "FAILS" : "known gap"));
  RecordProperty("ratio", std::to_string(r));
  if (c.gap.empty()) {
    EXPECT_TRUE(holds) << c.name << ": " << c.fact << " (" << c.source << "): ratio " << r
                       << " is outside [" << c.lo << ", " << c.hi << "]";
  } else {
    EXPECT_FALSE(holds) << c.name << " now holds (ratio " << r
                        << "): the gap is closed, remove its reason. It was: " << c.gap;
  }
}

INSTANTIATE_TEST_SUITE_P(All, Fidelity, ::testing::Range<std::size_t>(0, cases().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& info) {
                           return cases()[info.param].name;
                         });

}  // namespace
}  // namespace mapsmith
