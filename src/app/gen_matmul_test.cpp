// The six DISTAL matrix-multiply models (gen_cannon.cpp ... gen_cosma.cpp, gen_matmul_common.cpp):
// exact task, launch and point counts, tile sizes, flops, projections, parameters per machine,
// app::check, and the expert and real-program mappers against the models, including the bytes
// they make the GEMMs move (the closed forms of docs/apps.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "app/app_json.h"
#include "app/gen_matmul_common.h"
#include "app/generators.h"
#include "machine/presets.h"
#include "util/error.h"

// The mapper tests need the mapping module (mapping/, dsl/), which app_test links only when
// CMake defines MAPSMITH_APP_TEST_WITH_MAPPING.
#ifdef MAPSMITH_APP_TEST_WITH_MAPPING
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mapping/check_against.h"
#include "mapping/test_util.h"
#endif

namespace mapsmith::app {
namespace {

const machine::Machine& machine_named(const std::string& spec) {
  static std::map<std::string, machine::Machine> cache;
  auto it = cache.find(spec);
  if (it == cache.end()) it = cache.emplace(spec, machine::make_machine(spec)).first;
  return it->second;
}
const machine::Machine& sapling() {
  return machine_named("sapling");
}
const machine::Machine& sapling2() {
  return machine_named("sapling-2");
}
const machine::Machine& sapling4() {
  return machine_named("sapling-4");
}
const machine::Machine& sapling_r4() {
  return machine_named("sapling:ranks=4");
}
const machine::Machine& sapling4_r4() {
  return machine_named("sapling-4:ranks=4");
}

const std::vector<std::string> kApps = {"cannon",  "summa",     "pumma",
                                        "johnson", "solomonik", "cosma"};

// ---- Helpers over an App.

std::int64_t param_of(const App& a, std::string_view name) {
  for (const auto& [k, v] : a.params)
    if (k == name) return v;
  ADD_FAILURE() << "no parameter " << name;
  return -1;
}

const Partition& part(const App& a, std::string_view name) {
  auto i = a.find_partition(name);
  EXPECT_TRUE(i.has_value()) << name;
  return a.partitions.at(i.value_or(0));
}

/// Elements in piece `piece` of partition `name`.
std::int64_t elements(const App& a, std::string_view name, std::size_t piece) {
  const Partition& p = part(a, name);
  std::int64_t n = 0;
  for (std::uint32_t atom : p.pieces.at(piece))
    n += a.regions[p.region].atoms.at(atom);
  return n;
}

/// The launches of a task, in launch order.
std::vector<const Launch*> launches_of(const App& a, std::string_view task) {
  std::vector<const Launch*> out;
  auto id = a.find_task(task);
  for (const Launch& l : a.launches)
    if (id && l.task == *id) out.push_back(&l);
  return out;
}

const Launch& launch_of(const App& a, std::string_view task, std::size_t k = 0) {
  auto ls = launches_of(a, task);
  EXPECT_LT(k, ls.size()) << task;
  return *ls.at(k);
}

/// Points each launch runs over the whole program (loop counts times parents' points).
void count_runs(const App& a, const std::vector<Step>& steps, std::int64_t times,
                std::vector<std::int64_t>& out) {
  for (const Step& s : steps) {
    if (s.kind == Step::Kind::Loop) {
      count_runs(a, s.body, times * s.count, out);
    } else {
      const Launch& l = a.launches[s.launch];
      out[s.launch] += times * l.volume();
      count_runs(a, l.body, times * l.volume(), out);
    }
  }
}

/// How many points of `task` the whole program runs.
std::int64_t runs(const App& a, std::string_view task) {
  std::vector<std::int64_t> per(a.launches.size(), 0);
  count_runs(a, a.program, 1, per);
  std::int64_t n = 0;
  auto id = a.find_task(task);
  for (std::size_t i = 0; i < a.launches.size(); ++i)
    if (id && a.launches[i].task == *id) n += per[i];
  return n;
}

/// The piece (linearised, first colour dimension fastest) `r` names for these variable values.
std::size_t piece_of(const App& a, const Requirement& r,
                     const std::map<std::string, std::int64_t>& vars) {
  const Partition& p = part(a, r.partition);
  std::size_t linear = 0;
  std::int64_t stride = 1;
  for (std::size_t d = 0; d < p.colors.size(); ++d) {
    std::int64_t v = r.projection.at(d).offset;
    for (const Term& t : r.projection[d].terms)
      v += t.coef * vars.at(t.var);
    const std::int64_t c = ((v % p.colors[d]) + p.colors[d]) % p.colors[d];
    linear += static_cast<std::size_t>(c * stride);
    stride *= p.colors[d];
  }
  return linear;
}

std::string kinds_of(const Task& t) {
  std::string out;
  for (const Variant& v : t.variants)
    out += std::string(out.empty() ? "" : ",") + std::string(to_string(v.kind)) +
           (v.inner ? "(inner)" : "");
  return out;
}

std::string task_names(const App& a) {
  std::string out;
  for (const Task& t : a.tasks)
    out += (out.empty() ? "" : " ") + t.name;
  return out;
}

// ---- Every model on every machine.

TEST(MatmulModels, CheckOnEveryMachine) {
  for (const char* spec : {"sapling", "sapling-2", "sapling-4", "sapling:ranks=4",
                           "sapling-4:ranks=4", "sapling:ranks=2", "dgx-h100-1", "cpu-1"}) {
    for (const std::string& name : kApps) {
      App a = app::generate(name, {}, machine_named(spec));
      auto e = check(a);
      EXPECT_FALSE(e.has_value()) << name << " on " << spec << ": " << e->path << ": "
                                  << e->message;
      EXPECT_EQ(a.name, name);
    }
  }
}

TEST(MatmulModels, Infos) {
  std::map<std::string, std::string> params;
  for (const GeneratorInfo& g : list_generators()) {
    std::string ps;
    for (const ParamInfo& p : g.params)
      ps += (ps.empty() ? "" : " ") + p.name + "=" + std::to_string(p.default_value);
    params[g.name] = ps;
    if (g.name == "cannon") {
      EXPECT_NE(g.source.find("legion/cannonMM/taco-generated.cu"), std::string::npos);
    }
    for (const ParamInfo& p : g.params)
      EXPECT_FALSE(p.doc.empty()) << g.name << " " << p.name;
  }
  EXPECT_EQ(params["cannon"], "n=0 gx=0 gy=0 iterations=10");
  EXPECT_EQ(params["summa"], "n=0 gx=0 gy=0 iterations=10");
  EXPECT_EQ(params["pumma"], "n=0 gx=0 gy=0 iterations=10");
  EXPECT_EQ(params["johnson"], "n=0 gdim=0 iterations=10");
  EXPECT_EQ(params["solomonik"], "n=0 rpoc=0 c=0 rpoc3=0 iterations=10");
  EXPECT_EQ(params["cosma"], "n=0 gx=0 gy=0 gz=0 iterations=10");
}

TEST(MatmulModels, GridTablesOfTheRunScript) {
  using namespace gen::matmul;
  EXPECT_EQ(getgx(1), 1);
  EXPECT_EQ(getgx(2), 1);
  EXPECT_EQ(getgx(4), 2);
  EXPECT_EQ(getgx(8), 2);
  EXPECT_EQ(getgx(16), 4);
  EXPECT_EQ(getgx(32), 4);
  EXPECT_EQ(johnson_gdim(1), 1);
  EXPECT_EQ(johnson_gdim(4), 2);
  EXPECT_EQ(johnson_gdim(12), 2);
  EXPECT_EQ(johnson_gdim(16), 4);
  EXPECT_EQ(johnson_gdim(256), 7);
  EXPECT_EQ(solomonik_grid(4), std::make_tuple(2, 1, 2));
  EXPECT_EQ(solomonik_grid(8), std::make_tuple(2, 2, 2));
  EXPECT_EQ(solomonik_grid(16), std::make_tuple(4, 1, 4));
  EXPECT_EQ(solomonik_grid(2), std::make_tuple(1, 1, 1));
  EXPECT_EQ(cosma_grid(1), std::make_tuple(1, 1, 1));
  EXPECT_EQ(cosma_grid(4), std::make_tuple(1, 2, 2));
  EXPECT_EQ(cosma_grid(16), std::make_tuple(2, 2, 4));
  EXPECT_EQ(cosma_grid(24), std::make_tuple(2, 2, 4));
  EXPECT_EQ(default_size(sapling()), 10000);
  EXPECT_EQ(default_size(sapling2()), 14142);
  EXPECT_EQ(default_size(sapling4()), 20000);
  EXPECT_EQ(default_size(machine_named("sapling-3")), 17320);
}

// ---- Cannon, SUMMA, PUMMA.

TEST(MatmulCannon, StructureOnSapling) {
  App a = app::generate("cannon", {}, sapling());
  EXPECT_EQ(param_of(a, "n"), 10000);
  EXPECT_EQ(param_of(a, "gx"), 1);
  EXPECT_EQ(param_of(a, "gy"), 1);
  EXPECT_EQ(param_of(a, "iterations"), 10);
  EXPECT_EQ(task_names(a),
            "top_level init_cublas taco_fill taco_validate task_1 task_2 task_3 task_4 task_5 "
            "task_6 task_7");
  EXPECT_EQ(a.task(*a.top).name, "top_level");
  EXPECT_EQ(kinds_of(a.task(*a.find_task("top_level"))), "CPU,OMP");
  EXPECT_EQ(kinds_of(a.task(*a.find_task("init_cublas"))), "GPU");
  EXPECT_EQ(kinds_of(a.task(*a.find_task("taco_fill"))), "CPU,OMP,GPU");
  EXPECT_EQ(kinds_of(a.task(*a.find_task("taco_validate"))), "CPU,OMP,GPU");
  EXPECT_EQ(kinds_of(a.task(*a.find_task("task_1"))), "GPU");
  EXPECT_EQ(kinds_of(a.task(*a.find_task("task_4"))), "GPU");
  EXPECT_EQ(kinds_of(a.task(*a.find_task("task_5"))), "GPU(inner)");
  EXPECT_EQ(kinds_of(a.task(*a.find_task("task_6"))), "OMP(inner)");
  EXPECT_EQ(kinds_of(a.task(*a.find_task("task_7"))), "OMP(inner)");
  const Variant& gemm = a.task(*a.find_task("task_4")).variants.at(0);
  EXPECT_EQ(gemm.needs_c_order, std::optional<bool>(true));
  EXPECT_DOUBLE_EQ(gemm.efficiency, 0.9);

  // init_cublas; fills, placement and task_7 in the loop; taco_validate.
  ASSERT_EQ(a.program.size(), 3u);
  EXPECT_EQ(a.launches[a.program[0].launch].domain, std::vector<std::int64_t>{4});
  EXPECT_EQ(a.program[1].kind, Step::Kind::Loop);
  EXPECT_EQ(a.program[1].count, 10);
  // main.cpp times computeLegion alone (task_7, the body's seventh step) in all 10 iterations;
  // the placements before it and task_7 itself are waited for.
  EXPECT_TRUE(a.program[1].timed);
  EXPECT_EQ(a.program[1].warmup, 0);
  EXPECT_EQ(a.program[1].timed_from, 6);
  EXPECT_TRUE(a.launches[a.program[0].launch].wait);
  EXPECT_TRUE(launch_of(a, "task_1").wait);
  EXPECT_TRUE(launch_of(a, "task_7").wait);
  EXPECT_FALSE(launch_of(a, "taco_fill").wait);
  ASSERT_EQ(a.program[1].body.size(), 7u);
  EXPECT_EQ(a.launches.size(), 12u);
  EXPECT_EQ(launches_of(a, "taco_fill").size(), 3u);
  for (const char* t : {"taco_fill", "task_1", "task_2", "task_3", "taco_validate"})
    EXPECT_EQ(launch_of(a, t).domain, (std::vector<std::int64_t>{2, 2})) << t;
  EXPECT_EQ(launch_of(a, "task_7").domain, (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(launch_of(a, "task_5").domain, (std::vector<std::int64_t>{2, 2}));
  EXPECT_FALSE(launch_of(a, "task_6").index);
  EXPECT_FALSE(launch_of(a, "task_4").index);
  // Nesting: task_7 -> loop kos (gx) -> task_6 -> task_5 -> loop kios (2) -> task_4.
  const Launch& t7 = launch_of(a, "task_7");
  ASSERT_EQ(t7.body.size(), 1u);
  EXPECT_EQ(t7.body[0].var, "kos");
  EXPECT_EQ(t7.body[0].count, 1);
  EXPECT_EQ(a.launches[t7.body[0].body.at(0).launch].parent, a.program[1].body[6].launch);
  const Launch& t5 = launch_of(a, "task_5");
  EXPECT_EQ(t5.body.at(0).var, "kios");
  EXPECT_EQ(t5.body.at(0).count, 2);

  // Per iteration 8 gx^2 gy GEMMs of 5000^3, 2 per GPU: 2 n^3 flops in all.
  EXPECT_EQ(runs(a, "task_4"), 10 * 8);
  EXPECT_EQ(runs(a, "task_5"), 10 * 4);
  EXPECT_EQ(runs(a, "task_6"), 10 * 1);
  EXPECT_EQ(runs(a, "taco_fill"), 10 * 12);
  EXPECT_DOUBLE_EQ(launch_of(a, "task_4").flops, 2.0 * 5000 * 5000 * 5000);
  EXPECT_DOUBLE_EQ(launch_of(a, "task_4").flops * runs(a, "task_4"), 10 * 2e12);
  // cuBLAS re-reads B once per 128-column tile of A and C once per 128-row tile: 5000 / 128.
  EXPECT_EQ(launch_of(a, "task_4").reqs[0].access.passes, 1);
  EXPECT_EQ(launch_of(a, "task_4").reqs[1].access.passes, 40);
  EXPECT_EQ(launch_of(a, "task_4").reqs[2].access.passes, 40);
  EXPECT_EQ(elements(a, "A_quarter", 3), 25'000'000);
  EXPECT_EQ(elements(a, "B_sub", 0), 25'000'000);
  EXPECT_EQ(elements(a, "C_sub", 3), 25'000'000);
  EXPECT_EQ(elements(a, "B_rows", 0), 100'000'000);
  EXPECT_EQ(a.regions.at(0).atoms.size(), 4u);

  // Region arguments in order A (output), B, C with the programs' privileges.
  const Launch& t4 = launch_of(a, "task_4");
  ASSERT_EQ(t4.reqs.size(), 3u);
  EXPECT_EQ(t4.reqs[0].region, "A");
  EXPECT_EQ(t4.reqs[0].privilege, Privilege::ReadWrite);
  EXPECT_EQ(t4.reqs[1].region, "B");
  EXPECT_EQ(t4.reqs[1].privilege, Privilege::Read);
  EXPECT_EQ(t4.reqs[2].partition, "C_sub");
  EXPECT_EQ(launch_of(a, "taco_fill", 1).reqs.at(0).privilege, Privilege::Write);
  EXPECT_EQ(launch_of(a, "task_2").reqs.at(0).partition, "B_place");
}

TEST(MatmulCannon, StructureOnFourNodes) {
  for (const machine::Machine* m : {&sapling4(), &sapling_r4()}) {
    App a = app::generate("cannon", {}, *m);
    EXPECT_EQ(param_of(a, "gx"), 2) << m->name();
    EXPECT_EQ(param_of(a, "gy"), 2);
    EXPECT_EQ(runs(a, "task_4"), 10 * 8 * 2 * 2 * 2);
    EXPECT_EQ(runs(a, "task_6"), 10 * 8);
    EXPECT_EQ(launch_of(a, "task_1").domain, (std::vector<std::int64_t>{4, 4}));
  }
  App a = app::generate("cannon", {}, sapling4());
  EXPECT_EQ(param_of(a, "n"), 20000);
  EXPECT_EQ(launch_of(a, "init_cublas").domain, std::vector<std::int64_t>{16});
  EXPECT_DOUBLE_EQ(launch_of(a, "task_4").flops, 2.0 * 5000 * 5000 * 5000);
  EXPECT_EQ(elements(a, "A_tile", 3), 100'000'000);
  EXPECT_EQ(elements(a, "B_block", 1), 100'000'000);
  EXPECT_EQ(elements(a, "B_half_block", 1), 50'000'000);
  EXPECT_EQ(App(app::generate("cannon", {}, sapling_r4())).params.at(0).second, 10000);
}

TEST(MatmulCannon, UnevenTilesOnTwoNodes) {
  // sapling-2: n = 14142, Cannon gx = 2, gy = 1 ("x gets the larger extent"), SUMMA 1 x 2.
  App a = app::generate("cannon", {}, sapling2());
  EXPECT_EQ(param_of(a, "n"), 14142);
  EXPECT_EQ(param_of(a, "gx"), 2);
  EXPECT_EQ(param_of(a, "gy"), 1);
  // Tx = 7071, hx = 3536 (the last half 3535); Ty = 14142, hy = 7071.
  EXPECT_DOUBLE_EQ(launch_of(a, "task_4").flops, 2.0 * 7071 * 3536 * 3536);
  EXPECT_EQ(elements(a, "A_quarter", 0), 3536 * 7071);
  EXPECT_EQ(elements(a, "A_quarter", 1), 3535 * 7071);
  // The placement tiles (ceil(n / 4) = 3536 rows: cuts at 3536, 7072, 10608) and the quarters
  // (cuts at 3536, 7071, 10607) disagree by one row in the second node's tiles: the atoms keep
  // both, 6 row bands by 2 column bands.
  EXPECT_EQ(elements(a, "A_place", 2), 3536 * 7071);
  EXPECT_EQ(elements(a, "A_quarter", 2), 3536 * 7071);
  EXPECT_EQ(a.regions.at(0).atoms.size(), 6u * 2u);
  for (const Partition& p : a.partitions) {
    if (!p.disjoint) continue;
    std::int64_t sum = 0;
    for (std::size_t k = 0; k < p.pieces.size(); ++k)
      sum += elements(a, p.name, k);
    EXPECT_EQ(sum, 14142LL * 14142) << p.name;  // every disjoint partition here is complete
  }
  App s = app::generate("summa", {}, sapling2());
  EXPECT_EQ(param_of(s, "gx"), 1);
  EXPECT_EQ(param_of(s, "gy"), 2);
  EXPECT_EQ(runs(s, "task_4"), 10 * 8 * 1 * 1 * 2);
}

TEST(MatmulCannon, ShiftedBlocks) {
  // Point (in, jn) = (1, 0) of task_7 at step kos = 1, task_5 point (iln, jln) = (1, 1) at kios =
  // 0, on the 2 x 2 node grid of sapling-4.
  std::map<std::string, std::int64_t> vars = {{"in", 1},  {"jn", 0},  {"kos", 1},  {"ko", 1},
                                              {"iln", 1}, {"jln", 1}, {"kios", 0}, {"kio", 0}};
  App cannon = app::generate("cannon", {}, sapling4());
  const Launch& c6 = launch_of(cannon, "task_6");
  // Cannon: node k block (in + jn + kos) mod gx = 0; GPU half (iln + jln + kios) mod 2 = 0.
  EXPECT_EQ(piece_of(cannon, c6.reqs[1], vars), 1u + 2u * 0u);  // B_block (in, s)
  EXPECT_EQ(piece_of(cannon, c6.reqs[2], vars), 0u + 2u * 0u);  // C_block (s, jn)
  const Launch& c4 = launch_of(cannon, "task_4");
  EXPECT_EQ(piece_of(cannon, c4.reqs[0], vars), 3u + 4u * 1u);            // A_quarter (3, 1)
  EXPECT_EQ(piece_of(cannon, c4.reqs[1], vars), 3u + 4u * 0u + 8u * 0u);  // B_sub (3, 0, 0)
  EXPECT_EQ(piece_of(cannon, c4.reqs[2], vars), 0u + 2u * 0u + 4u * 1u);  // C_sub (0, 0, 1)
  App summa = app::generate("summa", {}, sapling4());
  const Launch& s4 = launch_of(summa, "task_4");
  // SUMMA: k block ko = 1, half kio = 0.
  EXPECT_EQ(piece_of(summa, s4.reqs[1], vars), 3u + 4u * 1u + 8u * 0u);  // B_sub (3, 1, 0)
  EXPECT_EQ(piece_of(summa, s4.reqs[2], vars), 1u + 2u * 0u + 4u * 1u);  // C_sub (1, 0, 1)
  EXPECT_EQ(launch_of(summa, "task_7").body.at(0).var, "ko");
  EXPECT_EQ(launch_of(summa, "task_5").body.at(0).var, "kio");
  App pumma = app::generate("pumma", {}, sapling4());
  const Launch& p4 = launch_of(pumma, "task_4");
  // PUMMA: k block (in + kos) mod gx = 0, half kio = 0.
  EXPECT_EQ(piece_of(pumma, p4.reqs[1], vars), 3u + 4u * 0u + 8u * 0u);
  EXPECT_EQ(piece_of(pumma, p4.reqs[2], vars), 0u + 2u * 0u + 4u * 1u);
  EXPECT_EQ(launch_of(pumma, "task_7").body.at(0).var, "kos");
  EXPECT_EQ(launch_of(pumma, "task_5").body.at(0).var, "kio");
}

TEST(MatmulCannon, Parameters) {
  App a =
      app::generate("cannon", {{"n", 4096}, {"gx", 2}, {"gy", 4}, {"iterations", 3}}, sapling());
  EXPECT_EQ(param_of(a, "n"), 4096);
  EXPECT_EQ(runs(a, "task_4"), 3 * 8 * 2 * 2 * 4);
  EXPECT_EQ(runs(a, "taco_validate"), 4 * 8);
  EXPECT_DOUBLE_EQ(launch_of(a, "task_4").flops, 2.0 * 512 * 1024 * 1024);
  EXPECT_THROW(app::generate("cannon", {{"n", 3}}, sapling4()), InputError);
  EXPECT_THROW(app::generate("cannon", {{"iterations", 0}}, sapling()), InputError);
  EXPECT_THROW(app::generate("cannon", {{"gx", 5000}}, sapling()), InputError);
  EXPECT_THROW(app::generate("cannon", {{"grid", 2}}, sapling()), InputError);
  try {
    app::generate("summa", {{"n", 6}, {"gx", 4}}, sapling());
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("too small for the grid (n=6 gx=4 gy=1"),
              std::string::npos)
        << e.what();
  }
}

// ---- Johnson and COSMA.

TEST(MatmulJohnson, Structure) {
  App a = app::generate("johnson", {}, sapling());
  EXPECT_EQ(param_of(a, "gdim"), 2);
  EXPECT_EQ(task_names(a),
            "top_level init_cublas taco_fill taco_validate task_1 task_2 task_3 task_4");
  EXPECT_EQ(kinds_of(a.task(*a.find_task("task_4"))), "GPU");
  EXPECT_TRUE(launches_of(a, "taco_fill").empty());  // registered, never launched
  EXPECT_EQ(a.launches.size(), 6u);
  EXPECT_EQ(launches_of(a, "task_1").size(), 2u);
  EXPECT_EQ(launch_of(a, "task_1").domain, (std::vector<std::int64_t>{2, 2, 1}));
  EXPECT_EQ(launch_of(a, "task_2").domain, (std::vector<std::int64_t>{2, 1, 2}));
  EXPECT_EQ(launch_of(a, "task_3").domain, (std::vector<std::int64_t>{1, 2, 2}));
  const Launch& gemm = launch_of(a, "task_4");
  EXPECT_EQ(gemm.domain, (std::vector<std::int64_t>{2, 2, 2}));
  EXPECT_EQ(gemm.reqs.at(0).privilege, Privilege::Reduce);
  EXPECT_EQ(gemm.reqs.at(1).privilege, Privilege::Read);
  EXPECT_EQ(runs(a, "task_4"), 11 * 8);  // 10 timed iterations and a warm-up
  EXPECT_DOUBLE_EQ(gemm.flops, 2.0 * 5000 * 5000 * 5000);
  EXPECT_FALSE(part(a, "A_compute").disjoint);
  // GEMM (i, j, k) = (1, 0, 1): A tile (1, 0), B tile (1, 1), C tile (1, 0), read from the
  // placement tiles A (1, 0, 0), B (1, 0, 1) and C (0, 0, 1).
  std::map<std::string, std::int64_t> p = {{"in", 1}, {"jn", 0}, {"kn", 1}};
  EXPECT_EQ(part(a, "A_compute").pieces.at(piece_of(a, gemm.reqs[0], p)),
            part(a, "A_place").pieces.at(1));
  EXPECT_EQ(part(a, "B_compute").pieces.at(piece_of(a, gemm.reqs[1], p)),
            part(a, "B_place").pieces.at(1 + 2 * 1));
  std::map<std::string, std::int64_t> q = {{"in", 0}, {"jn", 0}, {"kn", 1}};
  EXPECT_EQ(part(a, "C_compute").pieces.at(piece_of(a, gemm.reqs[2], p)),
            part(a, "C_place").pieces.at(piece_of(a, launch_of(a, "task_3").reqs[0], q)));
  // The fold: task_1 again after the GEMMs.
  EXPECT_EQ(a.program.at(1).body.size(), 5u);
  EXPECT_EQ(a.launches[a.program[1].body[4].launch].task, *a.find_task("task_1"));

  EXPECT_EQ(param_of(app::generate("johnson", {}, sapling_r4()), "gdim"), 2);
  App four = app::generate("johnson", {}, sapling4());
  EXPECT_EQ(param_of(four, "gdim"), 4);
  EXPECT_EQ(param_of(four, "n"), 20000);
  EXPECT_EQ(runs(four, "task_4"), 11 * 64);
  EXPECT_DOUBLE_EQ(launch_of(four, "task_4").flops, 2.0 * 5000 * 5000 * 5000);
  EXPECT_EQ(param_of(app::generate("johnson", {}, sapling4_r4()), "gdim"), 4);
  EXPECT_EQ(param_of(app::generate("johnson", {}, machine_named("cpu-1")), "gdim"), 1);
  App it = app::generate("johnson", {{"iterations", 10}, {"gdim", 3}, {"n", 999}}, sapling());
  EXPECT_EQ(runs(it, "task_4"), 11 * 27);
  EXPECT_EQ(runs(it, "task_1"), 11 * 18);
  EXPECT_TRUE(it.program.at(1).timed);
  EXPECT_EQ(it.program.at(1).warmup, 1);
  EXPECT_EQ(it.program.at(1).timed_from, 3);
  EXPECT_DOUBLE_EQ(launch_of(it, "task_4").flops, 2.0 * 333 * 333 * 333);
}

TEST(MatmulCosma, Structure) {
  App a = app::generate("cosma", {}, sapling());
  EXPECT_EQ(param_of(a, "gx"), 1);
  EXPECT_EQ(param_of(a, "gy"), 2);
  EXPECT_EQ(param_of(a, "gz"), 2);
  const Launch& gemm = launch_of(a, "task_4");
  EXPECT_EQ(gemm.domain, (std::vector<std::int64_t>{1, 2, 2}));
  EXPECT_EQ(runs(a, "task_4"), 11 * 4);
  // cublasDgemm m = n/gy, n = n/gx, k = n/gz.
  EXPECT_DOUBLE_EQ(gemm.flops, 2.0 * 5000 * 10000 * 5000);
  EXPECT_EQ(launch_of(a, "task_2").domain, (std::vector<std::int64_t>{1, 1, 2}));
  EXPECT_EQ(elements(a, "B_place", 1), 10000 * 5000);
  EXPECT_EQ(elements(a, "A_place", 1), 10000 * 5000);
  App four = app::generate("cosma", {}, sapling4());
  EXPECT_EQ(param_of(four, "gx"), 2);
  EXPECT_EQ(param_of(four, "gy"), 2);
  EXPECT_EQ(param_of(four, "gz"), 4);
  EXPECT_EQ(runs(four, "task_4"), 11 * 16);
  EXPECT_DOUBLE_EQ(launch_of(four, "task_4").flops, 2.0 * 10000 * 10000 * 5000);
  App two = app::generate("cosma", {}, sapling2());
  EXPECT_EQ(param_of(two, "gx") * param_of(two, "gy") * param_of(two, "gz"), 8);
  App custom = app::generate("cosma", {{"gz", 1}}, sapling());
  EXPECT_EQ(param_of(custom, "gz"), 1);
  EXPECT_EQ(param_of(custom, "gy"), 2);
  EXPECT_TRUE(part(custom, "A_compute").pieces.at(0) != part(custom, "A_compute").pieces.at(1));
}

// ---- Solomonik.

TEST(MatmulSolomonik, Structure) {
  App a = app::generate("solomonik", {}, sapling());
  EXPECT_EQ(param_of(a, "rpoc"), 2);
  EXPECT_EQ(param_of(a, "c"), 1);
  EXPECT_EQ(param_of(a, "rpoc3"), 2);
  EXPECT_EQ(task_names(a),
            "top_level init_cublas taco_fill taco_validate task_1 task_2 task_3 task_4 task_5");
  EXPECT_EQ(kinds_of(a.task(*a.find_task("task_5"))), "GPU(inner)");
  const Launch& t5 = launch_of(a, "task_5");
  EXPECT_EQ(t5.domain, (std::vector<std::int64_t>{2, 2, 1}));
  EXPECT_EQ(t5.reqs.at(0).privilege, Privilege::Reduce);
  ASSERT_EQ(t5.body.size(), 1u);
  EXPECT_EQ(t5.body[0].var, "k1s");
  EXPECT_EQ(t5.body[0].count, 2);
  const Launch& t4 = launch_of(a, "task_4");
  EXPECT_FALSE(t4.index);
  EXPECT_EQ(t4.reqs.at(0).privilege, Privilege::Reduce);
  EXPECT_EQ(runs(a, "task_4"), 11 * 8);
  EXPECT_DOUBLE_EQ(t4.flops, 2.0 * 5000 * 5000 * 5000);
  // Point (1, 0, 0) at step k1s = 0 reads chunk (in + jn + k1s) mod rpoc3 = 1.
  std::map<std::string, std::int64_t> v = {{"in", 1}, {"jn", 0}, {"kn", 0}, {"k1s", 0}};
  EXPECT_EQ(piece_of(a, t4.reqs[1], v), 1u + 2u * 0u + 2u * 1u);  // B_chunk (1, 0, 1)
  EXPECT_EQ(piece_of(a, t4.reqs[2], v), 0u + 1u * 1u + 2u * 0u);  // C_chunk (0, 1, 0)
  EXPECT_EQ(part(a, "B_chunk").pieces.at(3), part(a, "B_place").pieces.at(1 + 2 * 1));

  App four = app::generate("solomonik", {}, sapling4());
  EXPECT_EQ(param_of(four, "rpoc"), 4);
  EXPECT_EQ(param_of(four, "c"), 1);
  EXPECT_EQ(param_of(four, "rpoc3"), 4);
  EXPECT_EQ(runs(four, "task_4"), 11 * 64);
  EXPECT_DOUBLE_EQ(launch_of(four, "task_4").flops, 2.0 * 5000 * 5000 * 5000);
  // sapling-2: 8 GPUs -> (2, 2, 2): two k layers of 7071, chunks of 3536.
  App two = app::generate("solomonik", {}, sapling2());
  EXPECT_EQ(param_of(two, "c"), 2);
  EXPECT_EQ(runs(two, "task_5"), 11 * 8);
  EXPECT_EQ(runs(two, "task_4"), 11 * 16);
  EXPECT_DOUBLE_EQ(launch_of(two, "task_4").flops, 2.0 * 7071 * 7071 * 3536);
  EXPECT_EQ(elements(two, "B_compute", 4), 7071 * 7071);
  EXPECT_THROW(app::generate("solomonik", {{"n", 8}, {"c", 4}, {"rpoc3", 4}}, sapling()),
               InputError);
}

#ifdef MAPSMITH_APP_TEST_WITH_MAPPING

// ---- Mappers against the models.

std::string read_text(const std::string& rel) {
  std::ifstream in(std::filesystem::path(MAPSMITH_SOURCE_DIR) / rel, std::ios::binary);
  EXPECT_TRUE(in.good()) << rel;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// check_against reports nothing for the mapper on the app and machine, and decide succeeds
/// without diagnostics.
mapping::Mapping checked_decisions(const std::string& rel, const App& a,
                                   const machine::Machine& m) {
  mapping::test::Mapper mapper(read_text(rel));
  dsl::Diagnostics diags;
  mapping::check_against(mapper.program, mapper.info, &m, &a, diags);
  EXPECT_EQ(mapping::test::rendered(diags), "") << rel << " on " << m.name();
  return mapping::test::decide_ok(a, m, &mapper);
}

/// The k-th decision of `task`.
const mapping::LaunchDecision& decision(const App& a, const mapping::Mapping& d,
                                        std::string_view task, std::size_t k = 0) {
  auto id = a.find_task(task);
  for (const mapping::LaunchDecision& l : d.launches)
    if (l.task == id && k-- == 0) return l;
  ADD_FAILURE() << "no decision for " << task;
  return d.launches.front();
}

std::string procs(const machine::Machine& m, const mapping::LaunchDecision& d) {
  return mapping::test::procs(m, d);
}

/// The loops around `launch` in `steps` (innermost last); false when it is not there.
bool loops_around(const std::vector<Step>& steps, std::size_t launch,
                  std::vector<std::pair<std::string, std::int64_t>>& path) {
  for (const Step& s : steps) {
    if (s.kind == Step::Kind::Launch && s.launch == launch) return true;
    if (s.kind == Step::Kind::Loop) {
      path.emplace_back(s.var, s.count);
      if (loops_around(s.body, launch, path)) return true;
      path.pop_back();
    }
  }
  return false;
}

/// Bytes the GEMMs (task_4) of one iteration copy between GPUs, and between nodes, under
/// `d`: each GEMM reads its B and C pieces from the GPUs whose placement launch (task_2, task_3)
/// holds each atom, and each reduction into A (or read-write use of A) is folded into (or read
/// from) the GPU whose task_1 point holds it. One copy per GEMM and atom: CollectMemory task_4 *
/// frees the copies after each GEMM. The placement launches hold every atom after the first
/// iteration's placement, and the timed part begins there.
struct Traffic {
  double gpus = 0;
  double nodes = 0;
  std::int64_t gemms = 0;
};
Traffic gemm_traffic(const App& a, const machine::Machine& m, const mapping::Mapping& d) {
  // Who holds each atom of A, B and C: the first launch of task_1, task_2, task_3.
  std::map<std::string, std::vector<machine::ProcId>> owner;
  const char* placers[] = {"task_1", "task_2", "task_3"};
  for (const char* t : placers) {
    const mapping::LaunchDecision& ld = decision(a, d, t);
    const Launch& l = a.launches[ld.launch];
    const Requirement& r = l.reqs.at(0);
    const Partition& p = part(a, r.partition);
    auto& own = owner[r.region];
    own.assign(a.regions[p.region].atoms.size(), machine::ProcId{~0u});
    for (const mapping::PointDecision& pd : ld.points) {
      std::map<std::string, std::int64_t> vars;
      for (std::size_t k = 0; k < l.point_vars.size(); ++k)
        vars[l.point_vars[k]] = pd.point[k];
      for (std::uint32_t atom : p.pieces.at(piece_of(a, r, vars)))
        own[atom] = pd.proc;
    }
  }
  Traffic out;
  auto gemm = a.find_task("task_4");
  for (const mapping::LaunchDecision& ld : d.launches) {
    if (ld.task != *gemm) continue;
    const Launch& l = a.launches[ld.launch];
    // The variables of the enclosing launches' points and the loops between them.
    std::map<std::string, std::int64_t> outer;
    std::vector<std::pair<std::string, std::int64_t>> loops;
    std::size_t child = ld.launch;
    const mapping::LaunchDecision* cur = &ld;
    while (cur->parent_decision) {
      const mapping::LaunchDecision& pd = d.launches[*cur->parent_decision];
      const Launch& pl = a.launches[pd.launch];
      for (std::size_t k = 0; k < pl.point_vars.size(); ++k)
        outer[pl.point_vars[k]] = pd.points.at(cur->parent_point).point[k];
      EXPECT_TRUE(loops_around(pl.body, child, loops));
      child = pd.launch;
      cur = &pd;
    }
    for (const mapping::PointDecision& pt : ld.points) {
      std::map<std::string, std::int64_t> vars = outer;
      for (std::size_t k = 0; k < l.point_vars.size(); ++k)
        vars[l.point_vars[k]] = pt.point[k];
      std::int64_t steps = 1;
      for (const auto& lp : loops)
        steps *= lp.second;
      for (std::int64_t s = 0; s < steps; ++s) {
        std::int64_t rest = s;
        for (const auto& [var, count] : loops) {
          vars[var] = rest % count;
          rest /= count;
        }
        ++out.gemms;
        for (const Requirement& r : l.reqs) {
          const Partition& p = part(a, r.partition);
          const auto& own = owner.at(r.region);
          for (std::uint32_t atom : p.pieces.at(piece_of(a, r, vars))) {
            machine::ProcId from = own.at(atom);
            if (from == pt.proc) continue;
            const double bytes = 8.0 * static_cast<double>(a.regions[p.region].atoms[atom]);
            out.gpus += bytes;
            if (m.processor(from).node != m.processor(pt.proc).node) out.nodes += bytes;
          }
        }
      }
    }
  }
  return out;
}

Traffic expert_traffic(const std::string& app, const machine::Machine& m) {
  App a = app::generate(app, {}, m);
  return gemm_traffic(a, m, checked_decisions("examples/" + app + "/expert.mapping", a, m));
}

TEST(MatmulMappers, ExpertsOnEveryMachine) {
  for (const std::string& name : kApps) {
    for (const machine::Machine* m :
         {&sapling(), &sapling2(), &sapling4(), &sapling_r4(), &sapling4_r4()}) {
      App a = app::generate(name, {}, *m);
      mapping::Mapping d = checked_decisions("examples/" + name + "/expert.mapping", a, *m);
      const auto& gemm = decision(a, d, "task_4");
      EXPECT_EQ(gemm.kind, ProcKind::GPU) << name;
      EXPECT_TRUE(gemm.args.at(0).layout.c_order) << name;
      EXPECT_EQ(mapping::test::kinds(gemm, 1), "FBMEM,ZCMEM") << name;
      EXPECT_TRUE(gemm.args.at(2).collect) << name;
      // One cuBLAS handle on every GPU of the machine.
      const auto& init = decision(a, d, "init_cublas");
      std::vector<machine::ProcId> seen;
      for (const auto& p : init.points)
        seen.push_back(p.proc);
      std::sort(seen.begin(), seen.end());
      EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end()) << name << " " << m->name();
      EXPECT_EQ(static_cast<std::int64_t>(seen.size()), gen::matmul::total_gpus(*m));
    }
  }
}

TEST(MatmulMappers, CannonExpertPlacements) {
  App a = app::generate("cannon", {}, sapling());
  auto d = checked_decisions("examples/cannon/expert.mapping", a, sapling());
  EXPECT_EQ(procs(sapling(), decision(a, d, "task_1")),
            "node0/GPU0 node0/GPU1 node0/GPU2 node0/GPU3");
  EXPECT_EQ(procs(sapling(), decision(a, d, "taco_fill", 2)),
            "node0/GPU0 node0/GPU1 node0/GPU2 node0/GPU3");
  EXPECT_EQ(procs(sapling(), decision(a, d, "task_7")), "node0/OMP0");
  EXPECT_EQ(decision(a, d, "task_6").kind, ProcKind::OMP);
  EXPECT_EQ(procs(sapling(), decision(a, d, "task_6")), "node0/OMP0");
  EXPECT_EQ(procs(sapling(), decision(a, d, "task_5")),
            "node0/GPU0 node0/GPU1 node0/GPU2 node0/GPU3");
  EXPECT_EQ(procs(sapling(), decision(a, d, "task_4", 3)), "node0/GPU3");
  EXPECT_EQ(decision(a, d, "task_4").instance_limit, std::optional<std::int64_t>(1));
  EXPECT_EQ(decision(a, d, "task_6").instance_limit, std::optional<std::int64_t>(1));
  EXPECT_TRUE(decision(a, d, "task_7").inner);
  EXPECT_EQ(mapping::test::kinds(decision(a, d, "task_7"), 0), "SOCKMEM,SYSMEM");

  App four = app::generate("cannon", {}, sapling4());
  auto d4 = checked_decisions("examples/cannon/expert.mapping", four, sapling4());
  // Placement tile (I, J) on node (I / 2) + 2 (J / 2), GPU (I % 2) + 2 (J % 2).
  const auto& place = decision(four, d4, "task_1");
  EXPECT_EQ(sapling4().name_of(place.points.at(1 + 4 * 2).proc), "node2/GPU1");
  EXPECT_EQ(sapling4().name_of(place.points.at(2 + 4 * 1).proc), "node1/GPU2");
  EXPECT_EQ(procs(sapling4(), decision(four, d4, "task_7")),
            "node0/OMP0 node1/OMP0 node2/OMP0 node3/OMP0");
  // task_5 of node 3 (task_7 point (1, 1)) stays on node 3.
  EXPECT_EQ(procs(sapling4(), decision(four, d4, "task_5", 3)),
            "node3/GPU0 node3/GPU1 node3/GPU2 node3/GPU3");
}

TEST(MatmulMappers, JohnsonAndCosmaExpertsWithOneGpuPerRank) {
  App a = app::generate("johnson", {}, sapling_r4());
  auto d = checked_decisions("examples/johnson/expert.mapping", a, sapling_r4());
  // GEMM (i, j, k) on rank i + 2 j: the two k of one A tile share a GPU.
  EXPECT_EQ(procs(sapling_r4(), decision(a, d, "task_4")),
            "node0/GPU0 node0/GPU1 node0/GPU2 node0/GPU3 node0/GPU0 node0/GPU1 node0/GPU2 "
            "node0/GPU3");
  // Placement: point (i, j, k) numbered i + 2 j + 4 k in the 2^3 cube, dealt round 4 GPUs.
  EXPECT_EQ(procs(sapling_r4(), decision(a, d, "task_2")),
            "node0/GPU0 node0/GPU1 node0/GPU0 node0/GPU1");
  EXPECT_EQ(procs(sapling_r4(), decision(a, d, "task_3")),
            "node0/GPU0 node0/GPU2 node0/GPU0 node0/GPU2");
  EXPECT_EQ(procs(sapling_r4(), decision(a, d, "init_cublas")),
            "node0/GPU0 node0/GPU1 node0/GPU2 node0/GPU3");
  // Plain sapling (one rank, four GPUs): the same GPUs, indexed through the merged space.
  App b = app::generate("johnson", {}, sapling());
  auto e = checked_decisions("examples/johnson/expert.mapping", b, sapling());
  EXPECT_EQ(procs(sapling(), decision(b, e, "task_4")),
            procs(sapling_r4(), decision(a, d, "task_4")));

  App c = app::generate("cosma", {}, sapling_r4());
  auto dc = checked_decisions("examples/cosma/expert.mapping", c, sapling_r4());
  // (1, 2, 2): GEMM (0, j, k) on GPU j + 2 k; A tile (0, j) on GPU j; B tile (0, k) on 2 k.
  EXPECT_EQ(procs(sapling_r4(), decision(c, dc, "task_4")),
            "node0/GPU0 node0/GPU1 node0/GPU2 node0/GPU3");
  EXPECT_EQ(procs(sapling_r4(), decision(c, dc, "task_1")), "node0/GPU0 node0/GPU1");
  EXPECT_EQ(procs(sapling_r4(), decision(c, dc, "task_2")), "node0/GPU0 node0/GPU2");
  EXPECT_EQ(procs(sapling_r4(), decision(c, dc, "task_3")),
            "node0/GPU0 node0/GPU1 node0/GPU2 node0/GPU3");

  App four = app::generate("johnson", {}, sapling4_r4());
  auto d4 = checked_decisions("examples/johnson/expert.mapping", four, sapling4_r4());
  // 4^3 GEMMs on a (4, 2, 2) split of 16 GPUs: (i, j, k) on GPU i + 4 (j / 2) + 8 (k / 2).
  const auto& g4 = decision(four, d4, "task_4");
  EXPECT_EQ(sapling4_r4().name_of(g4.points.at(3 + 4 * 3 + 16 * 2).proc), "node3/GPU3");
  EXPECT_EQ(sapling4_r4().name_of(g4.points.at(1 + 4 * 2 + 16 * 1).proc), "node1/GPU1");
}

TEST(MatmulMappers, PublishedProcessorZeroStrategyOnOneRank) {
  // The published Johnson and COSMA files take processor 0 of each rank: with one rank and four
  // GPUs, init_all_gpus's m_2d[ipoint[0], 0] runs past the single rank.
  App a = app::generate("johnson", {}, sapling());
  mapping::test::Mapper m(
      "m_2d = Machine(GPU);\n"
      "def first_gpu_of_rank(Task task) {\n"
      "  return m_2d[task.ipoint[0], 0];\n"
      "}\n"
      "IndexTaskMap init_cublas first_gpu_of_rank;\n");
  std::string errors = mapping::test::decide_errors(a, sapling(), &m);
  EXPECT_NE(errors.find("out of range"), std::string::npos) << errors;
}

TEST(MatmulMappers, SolomonikExpertPlacements) {
  App a = app::generate("solomonik", {}, sapling());
  auto d = checked_decisions("examples/solomonik/expert.mapping", a, sapling());
  EXPECT_EQ(procs(sapling(), decision(a, d, "task_5")),
            "node0/GPU0 node0/GPU1 node0/GPU2 node0/GPU3");
  EXPECT_EQ(procs(sapling(), decision(a, d, "task_1")),
            "node0/GPU0 node0/GPU1 node0/GPU2 node0/GPU3");
  EXPECT_EQ(procs(sapling(), decision(a, d, "task_4", 2)), "node0/GPU2");
  EXPECT_EQ(decision(a, d, "task_4").instance_limit, std::optional<std::int64_t>(1));

  App four = app::generate("solomonik", {}, sapling4());
  auto d4 = checked_decisions("examples/solomonik/expert.mapping", four, sapling4());
  // task_5 (i, j, 0): node (i / 2) + 2 (j / 2), GPU (i % 2) + 2 (j % 2).
  const auto& t5 = decision(four, d4, "task_5");
  EXPECT_EQ(sapling4().name_of(t5.points.at(1 + 4 * 2).proc), "node2/GPU1");
  EXPECT_EQ(sapling4().name_of(t5.points.at(3 + 4 * 3).proc), "node3/GPU3");
  // Placement (i, j, 0): number i + 4 j, node = number % 4 = i, GPU = number / 4 % 4 = j.
  const auto& t1 = decision(four, d4, "task_1");
  EXPECT_EQ(sapling4().name_of(t1.points.at(1 + 4 * 2).proc), "node1/GPU2");
  EXPECT_EQ(procs(sapling4(), decision(four, d4, "task_4", 9)), "node2/GPU1");
}

TEST(MatmulMappers, GemmTrafficMatchesTheDocumentedFormulas) {
  const double n1 = 10000.0 * 10000.0;  // n^2 on one node
  const double n4 = 20000.0 * 20000.0;  // n^2 on four nodes
  // Cannon, SUMMA, PUMMA with one rank per node: 16 n^2 (gx + gy - 2) bytes between nodes and
  // 16 n^2 more between the GPUs of a node.
  for (const char* app : {"cannon", "summa", "pumma"}) {
    Traffic one = expert_traffic(app, sapling());
    EXPECT_EQ(one.gemms, 8) << app;
    EXPECT_DOUBLE_EQ(one.gpus, 16 * n1) << app;
    EXPECT_DOUBLE_EQ(one.nodes, 0) << app;
    Traffic four = expert_traffic(app, sapling4());
    EXPECT_DOUBLE_EQ(four.nodes, 16 * n4 * 2) << app;
    EXPECT_DOUBLE_EQ(four.gpus, 16 * n4 * 2 + 16 * n4) << app;
    // sapling-2: n = 14142, uneven tiles; the formula holds within 0.1%.
    Traffic two = expert_traffic(app, sapling2());
    const double n2 = 14142.0 * 14142.0;
    EXPECT_NEAR(two.nodes / (16 * n2 * 1), 1.0, 1e-3) << app;
    EXPECT_NEAR(two.gpus / (16 * n2 * 2), 1.0, 1e-3) << app;
    // One GPU per rank: the 2 x 2 node grid of ranks, every copy between ranks, 32 n^2.
    Traffic ranks = expert_traffic(app, sapling_r4());
    EXPECT_DOUBLE_EQ(ranks.gpus, 32 * n1) << app;
    EXPECT_DOUBLE_EQ(ranks.nodes, 0) << app;
  }
  // Johnson: 16 n^2 on one node (4 GPUs, gdim 2), 24 (g - 1) n^2 when there are g^3 GPUs.
  EXPECT_DOUBLE_EQ(expert_traffic("johnson", sapling()).gpus, 16 * n1);
  EXPECT_DOUBLE_EQ(expert_traffic("johnson", sapling_r4()).gpus, 16 * n1);
  Traffic j2 = expert_traffic("johnson", sapling2());
  EXPECT_NEAR(j2.gpus / (24 * 14142.0 * 14142.0), 1.0, 1e-3);
  EXPECT_NEAR(j2.nodes / (8 * 14142.0 * 14142.0), 1.0, 1e-3);
  Traffic j4 = expert_traffic("johnson", sapling4());
  EXPECT_DOUBLE_EQ(j4.gpus, 78 * n4);
  EXPECT_DOUBLE_EQ(j4.nodes, 72 * n4);
  Traffic j4r = expert_traffic("johnson", sapling4_r4());
  EXPECT_DOUBLE_EQ(j4r.gpus, 78 * n4);
  EXPECT_DOUBLE_EQ(j4r.nodes, 72 * n4);
  // COSMA: 16 n^2 on one node (1, 2, 2).
  EXPECT_DOUBLE_EQ(expert_traffic("cosma", sapling()).gpus, 16 * n1);
  EXPECT_DOUBLE_EQ(expert_traffic("cosma", sapling_r4()).gpus, 16 * n1);
  Traffic c2 = expert_traffic("cosma", sapling2());
  EXPECT_NEAR(c2.gpus / (24 * 14142.0 * 14142.0), 1.0, 1e-3);
  EXPECT_NEAR(c2.nodes / (8 * 14142.0 * 14142.0), 1.0, 1e-3);
  Traffic c4 = expert_traffic("cosma", sapling4());
  EXPECT_DOUBLE_EQ(c4.gpus, 40 * n4);
  EXPECT_DOUBLE_EQ(c4.nodes, 24 * n4);
  // Solomonik: 16 n^2 on one node (2, 1, 2).
  EXPECT_DOUBLE_EQ(expert_traffic("solomonik", sapling()).gpus, 16 * n1);
  EXPECT_DOUBLE_EQ(expert_traffic("solomonik", sapling_r4()).gpus, 16 * n1);
  Traffic s2 = expert_traffic("solomonik", sapling2());
  EXPECT_NEAR(s2.gpus / (40 * 14142.0 * 14142.0), 1.0, 1e-3);
  EXPECT_NEAR(s2.nodes / (8 * 14142.0 * 14142.0), 1.0, 1e-3);
  Traffic s2r = expert_traffic("solomonik", machine_named("sapling-2:ranks=4"));
  EXPECT_NEAR(s2r.nodes / (32 * 14142.0 * 14142.0), 1.0, 1e-3);
  Traffic s4 = expert_traffic("solomonik", sapling4());
  EXPECT_DOUBLE_EQ(s4.gpus, 88 * n4);
  EXPECT_DOUBLE_EQ(s4.nodes, 72 * n4);
  Traffic s4r = expert_traffic("solomonik", sapling4_r4());
  EXPECT_DOUBLE_EQ(s4r.gpus, 48 * n4);
  EXPECT_DOUBLE_EQ(s4r.nodes, 24 * n4);
  // Cannon with one GPU per rank on four nodes: 16 n^2 (4 + 4 - 2) between ranks.
  Traffic r16 = expert_traffic("cannon", sapling4_r4());
  EXPECT_DOUBLE_EQ(r16.gpus, 96 * n4);
  EXPECT_DOUBLE_EQ(r16.nodes, 48 * n4);
}

TEST(MatmulMappers, RealProgramMappers) {
  for (const std::string& name : kApps) {
    for (const machine::Machine* m : {&sapling(), &sapling4(), &sapling_r4()}) {
      App a = app::generate(name, {}, *m);
      mapping::Mapping d = checked_decisions("tests/mappers/real_" + name + ".mapping", a, *m);
      EXPECT_EQ(decision(a, d, "task_4").kind, ProcKind::GPU) << name;
    }
  }
}

TEST(MatmulMappers, NamesTheRealProgramsDoNotHave) {
  App a = app::generate("cannon", {}, sapling());
  mapping::test::Mapper m(
      "Region task_4 b GPU ZCMEM;\nIndexTaskMap task4 f;\ndef f(Task t) {\n"
      "  return Machine(GPU)[0, 0];\n}\n");
  dsl::Diagnostics diags;
  mapping::check_against(m.program, m.info, &sapling(), &a, diags);
  std::string text = mapping::test::rendered(diags);
  EXPECT_NE(text.find("unknown region 'b' for task task_4"), std::string::npos) << text;
  EXPECT_NE(text.find("did you mean 'task_4'?"), std::string::npos) << text;
  // task_7 has no GPU variant.
  mapping::test::Mapper k("Task task_7 GPU;\n");
  dsl::Diagnostics kd;
  mapping::check_against(k.program, k.info, &sapling(), &a, kd);
  EXPECT_NE(mapping::test::rendered(kd).find("task task_7 has no variant for GPU"),
            std::string::npos)
      << mapping::test::rendered(kd);
}

#else

TEST(MatmulMappers, NeedTheMappingModule) {
  GTEST_SKIP() << "app_test is built without the mapping module: link it with mapsmith_mapping "
                  "and define MAPSMITH_APP_TEST_WITH_MAPPING to run the expert-mapper tests";
}

#endif

}  // namespace
}  // namespace mapsmith::app
