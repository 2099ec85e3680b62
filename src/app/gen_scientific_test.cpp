// The circuit, stencil and pennant models (gen_circuit.cpp, gen_stencil.cpp, gen_pennant.cpp):
// exact counts of tasks and launches, points per launch, region and piece sizes, ghost overlaps,
// requirement order, parameters and weak scaling (sapling against sapling-4), app::check, and
// the expert and real-program mappers against the models.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/app_json.h"
#include "app/generator_impls.h"
#include "app/generators.h"
#include "machine/presets.h"
#include "util/error.h"

// The mapper tests need the mapping module (mapping/, dsl/), which app_test links only when
// CMake defines MAPSMITH_APP_TEST_WITH_MAPPING (see the end of this file).
#ifdef MAPSMITH_APP_TEST_WITH_MAPPING
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mapping/check_against.h"
#include "mapping/test_util.h"
#endif

namespace mapsmith::app {
namespace {

// ---- Helpers over an App.

const Partition& part(const App& a, std::string_view name) {
  auto i = a.find_partition(name);
  EXPECT_TRUE(i.has_value()) << name;
  return a.partitions.at(i.value_or(0));
}

const Region& region(const App& a, std::string_view name) {
  auto i = a.find_region(name);
  EXPECT_TRUE(i.has_value()) << name;
  return a.regions.at(i.value_or(0));
}

/// Elements in piece `piece` of partition `name`.
std::int64_t elements(const App& a, std::string_view name, std::size_t piece) {
  const Partition& p = part(a, name);
  std::int64_t n = 0;
  for (std::uint32_t atom : p.pieces.at(piece))
    n += a.regions[p.region].atoms.at(atom);
  return n;
}

/// Elements piece i of partition p and piece j of partition q have in common.
std::int64_t overlap(const App& a, std::string_view p, std::size_t i, std::string_view q,
                     std::size_t j) {
  const Partition& pp = part(a, p);
  const Partition& qq = part(a, q);
  EXPECT_EQ(pp.region, qq.region);
  std::int64_t n = 0;
  for (std::uint32_t atom : pp.pieces.at(i)) {
    const auto& other = qq.pieces.at(j);
    if (std::find(other.begin(), other.end(), atom) != other.end())
      n += a.regions[pp.region].atoms.at(atom);
  }
  return n;
}

std::int64_t bytes_per_element(const Region& r) {
  std::int64_t b = 0;
  for (const Field& f : r.fields)
    b += f.bytes;
  return b;
}

std::int64_t region_bytes(const App& a, std::string_view name) {
  const Region& r = region(a, name);
  return r.volume() * bytes_per_element(r);
}

/// Launch indices in program order (a launch, then its body; loop bodies once), and the loops.
void walk(const App& a, const std::vector<Step>& steps, std::vector<std::size_t>& launches,
          std::vector<const Step*>& loops) {
  for (const Step& s : steps) {
    if (s.kind == Step::Kind::Loop) {
      loops.push_back(&s);
      walk(a, s.body, launches, loops);
    } else {
      launches.push_back(s.launch);
      walk(a, a.launches.at(s.launch).body, launches, loops);
    }
  }
}

/// Task names of the launches in program order, e.g. "parse_input begin_init ...".
std::string program_text(const App& a) {
  std::vector<std::size_t> launches;
  std::vector<const Step*> loops;
  walk(a, a.program, launches, loops);
  std::string out;
  for (std::size_t l : launches)
    out += (out.empty() ? "" : " ") + a.task(a.launches[l].task).name;
  return out;
}

/// The k-th launch of `task` in the App's launch list.
const Launch& launch_of(const App& a, std::string_view task, std::size_t k = 0) {
  auto id = a.find_task(task);
  EXPECT_TRUE(id.has_value()) << task;
  for (const Launch& l : a.launches)
    if (l.task == id && k-- == 0) return l;
  ADD_FAILURE() << "no launch " << k << " of " << task;
  return a.launches.front();
}

/// "partition:privilege:fields" per requirement, fields joined by '+'.
std::string reqs_text(const Launch& l) {
  std::string out;
  for (const Requirement& r : l.reqs) {
    std::string fields;
    for (const std::string& f : r.fields)
      fields += (fields.empty() ? "" : "+") + f;
    out += fmt::format("{}{}:{}:{}{}", out.empty() ? "" : " ",
                       r.partition.empty() ? r.region : r.partition, to_string(r.privilege),
                       r.touched == 0 ? "none" : (fields.empty() ? "*" : fields), "");
  }
  return out;
}

std::string variants_text(const App& a, std::string_view task) {
  std::string out;
  for (const Variant& v : a.task(*a.find_task(task)).variants)
    out += (out.empty() ? "" : ",") + std::string(to_string(v.kind));
  return out;
}

/// app::check accepts the model, and the app JSON format carries it unchanged.
void expect_valid(const App& a) {
  auto err = check(a);
  EXPECT_FALSE(err.has_value()) << err->path << ": " << err->message;
  if (err) return;
  EXPECT_TRUE(load_app_json(dump_app_json(a), "model.json") == a) << a.name;
}

std::int64_t param_of(const App& a, std::string_view name) {
  for (const auto& [k, v] : a.params)
    if (k == name) return v;
  ADD_FAILURE() << "no parameter " << name;
  return -1;
}

const machine::Machine& sapling() {
  static const machine::Machine m = machine::make_machine("sapling");
  return m;
}
const machine::Machine& sapling4() {
  static const machine::Machine m = machine::make_machine("sapling-4");
  return m;
}

// ---- Info.

TEST(ScientificInfo, CircuitStencilPennantDescribeThemselves) {
  for (auto info : {gen::circuit_info(), gen::stencil_info(), gen::pennant_info()}) {
    EXPECT_FALSE(info.description.empty()) << info.name;
    EXPECT_NE(info.source.find("StanfordLegion/legion language/examples/"), std::string::npos);
    EXPECT_NE(info.source.find("d8e35c48d089014b0f764181b7b90278a7558b21"), std::string::npos);
    for (const ParamInfo& p : info.params)
      EXPECT_FALSE(p.doc.empty()) << p.name;
  }
  auto names = [](const GeneratorInfo& g) {
    std::string out;
    for (const ParamInfo& p : g.params)
      out += fmt::format("{}{}={}", out.empty() ? "" : " ", p.name, p.default_value);
    return out;
  };
  EXPECT_EQ(names(gen::circuit_info()),
            "l=10 prune=30 i=10000 p=0 pps=10 npp=1000 wpp=5000 pct=80");
  EXPECT_EQ(names(gen::stencil_info()),
            "tile_size=10000 nx=0 ny=0 ntx=0 nty=0 tsteps=10 tprune=30");
  EXPECT_EQ(names(gen::pennant_info()),
            "nzx=2160 nzy=0 npieces=0 numpcx=1 numpcy=0 cstop=30 prune=30");
}

// ---- Circuit.

TEST(CircuitModel, TasksVariantsAndProgramOrder) {
  App a = generate("circuit", {}, sapling());
  expect_valid(a);
  EXPECT_EQ(a.name, "circuit");
  EXPECT_EQ(a.tasks.size(), 12u);
  EXPECT_EQ(a.launches.size(), 12u);
  EXPECT_EQ(a.task(*a.top).name, "toplevel");
  EXPECT_EQ(program_text(a),
            "parse_input begin_init init_piece init_nodes init_nodes init_wires init_pointers "
            "calculate_new_currents distribute_charge update_voltages get_elapsed print_summary");
  std::vector<std::size_t> launches;
  std::vector<const Step*> loops;
  walk(a, a.program, launches, loops);
  ASSERT_EQ(loops.size(), 1u);
  EXPECT_EQ(loops[0]->var, "j");
  // l = 10 timed iterations and prune = 30 untimed ones on each side, as perfbench runs it.
  EXPECT_EQ(loops[0]->count, 70);
  EXPECT_TRUE(loops[0]->timed);
  EXPECT_EQ(loops[0]->warmup, 30);
  EXPECT_EQ(loops[0]->tail, 30);
  EXPECT_EQ(loops[0]->body.size(), 3u);
  for (const char* t : {"calculate_new_currents", "distribute_charge", "update_voltages"})
    EXPECT_EQ(variants_text(a, t), "GPU,CPU") << t;
  for (const char* t : {"parse_input", "begin_init", "init_piece", "init_nodes", "init_wires",
                        "init_pointers", "get_elapsed", "print_summary"})
    EXPECT_EQ(variants_text(a, t), "CPU") << t;
  EXPECT_TRUE(a.task(*a.find_task("init_piece")).variants[0].inner);
  EXPECT_TRUE(a.task(*a.top).variants[0].inner);
  EXPECT_EQ(generate("circuit", {{"l", 3}, {"prune", 2}}, sapling()).program[4].count, 7);
}

TEST(CircuitModel, RequirementsInRegentOrder) {
  App a = generate("circuit", {}, sapling());
  EXPECT_EQ(reqs_text(launch_of(a, "calculate_new_currents")),
            "rp_private:read:node_voltage rp_shared:read:node_voltage rp_ghost:read:node_voltage "
            "rp_wires:read:in_ptr.__ptr+in_ptr.__index+out_ptr.__ptr+out_ptr.__index+inductance+"
            "resistance+wire_cap "
            "rp_wires:read-write:current._0+current._1+current._2+current._3+current._4+current._5+"
            "current._6+current._7+current._8+current._9+voltage._0+voltage._1+voltage._2+"
            "voltage._3+voltage._4+voltage._5+voltage._6+voltage._7+voltage._8 "
            "rp_times:read-write:init_start+init_stop+start+stop");
  EXPECT_EQ(reqs_text(launch_of(a, "distribute_charge")),
            "rp_private:read-write:charge rp_shared:reduce:charge rp_ghost:reduce:charge "
            "rp_wires:read:in_ptr.__ptr+in_ptr.__index+out_ptr.__ptr+out_ptr.__index+current._0+"
            "current._9");
  EXPECT_EQ(reqs_text(launch_of(a, "update_voltages")),
            "rp_private:read:node_cap+leakage rp_private:read-write:node_voltage+charge "
            "rp_shared:read:node_cap+leakage rp_shared:read-write:node_voltage+charge "
            "rp_times:read-write:init_start+init_stop+start+stop");
  EXPECT_EQ(reqs_text(launch_of(a, "init_pointers")),
            "rp_private:read:none rp_shared:read:none rp_ghost:read:none "
            "rp_wires:read-write:in_ptr.__ptr+in_ptr.__index+out_ptr.__ptr+out_ptr.__index");
  const Launch& init = launch_of(a, "init_piece");
  EXPECT_EQ(init.reqs.size(), 5u);
  EXPECT_EQ(init.reqs[3].partition, "rp_all_nodes");
  EXPECT_EQ(init.reqs[3].projection[0].offset, 1);  // all_shared = rp_all_nodes[1]
  EXPECT_EQ(init.body.size(), 3u);
  EXPECT_EQ(launch_of(a, "init_wires").reqs.size(), 5u);
  EXPECT_EQ(launch_of(a, "init_wires").parent, std::optional<std::size_t>(2));

  // The names a mapper sees: the partition each argument is taken from and the root region.
  const Task& cnc = a.task(*a.find_task("calculate_new_currents"));
  EXPECT_TRUE(cnc.args[1].answers_to("rp_shared"));
  EXPECT_TRUE(cnc.args[1].answers_to("all_nodes"));
  EXPECT_TRUE(cnc.args[2].answers_to("rp_ghost"));
  EXPECT_FALSE(cnc.args[2].answers_to("rp_shared"));
  EXPECT_TRUE(cnc.args[3].answers_to("rp_wires"));
  EXPECT_TRUE(cnc.args[3].answers_to("all_wires"));
  EXPECT_TRUE(a.task(*a.find_task("get_elapsed")).args[0].answers_to("all_times"));
}

TEST(CircuitModel, SizesAndGhostOverlapOnSapling) {
  App a = generate("circuit", {}, sapling());
  EXPECT_EQ(param_of(a, "p"), 40);
  for (const Launch& l : a.launches) {
    if (l.index) {
      EXPECT_EQ(l.domain, std::vector<std::int64_t>{4});
    }
  }
  EXPECT_EQ(region(a, "all_nodes").volume(), 40000);
  EXPECT_EQ(region_bytes(a, "all_nodes"), 640000);
  EXPECT_EQ(region(a, "all_wires").volume(), 200000);
  EXPECT_EQ(bytes_per_element(region(a, "all_wires")), 106);
  EXPECT_EQ(region(a, "all_wires").fields.size(), 26u);
  EXPECT_EQ(region_bytes(a, "all_wires"), 21200000);
  EXPECT_EQ(region_bytes(a, "all_times"), 4 * 32);
  // Shared nodes: 10 per piece (1% of 1000), 100 per superpiece, cut into atoms at the ghost
  // ranges' ends: pieces [0,12], [7,22], [17,32], [27,39].
  EXPECT_EQ(
      region(a, "all_nodes").atoms,
      (std::vector<std::int64_t>{70, 30, 30, 40, 30, 30, 40, 30, 30, 70, 9900, 9900, 9900, 9900}));
  for (std::size_t s = 0; s < 4; ++s) {
    EXPECT_EQ(elements(a, "rp_private", s), 9900);
    EXPECT_EQ(elements(a, "rp_shared", s), 100);
    EXPECT_EQ(elements(a, "rp_wires", s), 50000);
  }
  EXPECT_EQ(elements(a, "rp_ghost", 0), 130);
  EXPECT_EQ(elements(a, "rp_ghost", 1), 160);
  EXPECT_EQ(elements(a, "rp_ghost", 2), 160);
  EXPECT_EQ(elements(a, "rp_ghost", 3), 130);
  EXPECT_FALSE(part(a, "rp_ghost").disjoint);
  EXPECT_TRUE(part(a, "rp_shared").disjoint);
  // Ghost piece 1 = the last 3 pieces of superpiece 0, all of its own, the first 3 of 2.
  EXPECT_EQ(overlap(a, "rp_ghost", 1, "rp_shared", 0), 30);
  EXPECT_EQ(overlap(a, "rp_ghost", 1, "rp_shared", 1), 100);
  EXPECT_EQ(overlap(a, "rp_ghost", 1, "rp_shared", 2), 30);
  EXPECT_EQ(overlap(a, "rp_ghost", 1, "rp_shared", 3), 0);
  EXPECT_EQ(overlap(a, "rp_ghost", 0, "rp_private", 0), 0);
  EXPECT_EQ(elements(a, "rp_all_nodes", 0), 39600);
  EXPECT_EQ(elements(a, "rp_all_nodes", 1), 400);
  // Work: 96 flops per wire and step (the program's own count), 4 per wire, 4 per node.
  EXPECT_DOUBLE_EQ(launch_of(a, "calculate_new_currents").flops, 96.0 * 10000 * 5000 * 10);
  EXPECT_DOUBLE_EQ(launch_of(a, "distribute_charge").flops, 4.0 * 50000);
  EXPECT_DOUBLE_EQ(launch_of(a, "update_voltages").flops, 4.0 * 10000);
}

TEST(CircuitModel, WeakScalingOnSapling4) {
  App a = generate("circuit", {}, sapling4());
  expect_valid(a);
  EXPECT_EQ(param_of(a, "p"), 160);
  EXPECT_EQ(launch_of(a, "calculate_new_currents").domain, std::vector<std::int64_t>{16});
  EXPECT_EQ(region(a, "all_nodes").volume(), 160000);
  EXPECT_EQ(region(a, "all_wires").volume(), 800000);
  EXPECT_EQ(elements(a, "rp_shared", 5), 100);
  EXPECT_EQ(elements(a, "rp_ghost", 5), 160);  // pieces 47..62
  EXPECT_EQ(elements(a, "rp_ghost", 15), 130);
  EXPECT_EQ(overlap(a, "rp_ghost", 5, "rp_shared", 4), 30);
  EXPECT_EQ(overlap(a, "rp_ghost", 5, "rp_shared", 6), 30);
  // At most 3 shared atoms per superpiece and one private atom.
  EXPECT_LE(region(a, "all_nodes").atoms.size(), 16u * 4);
  // The same per-point work as on one node.
  EXPECT_DOUBLE_EQ(launch_of(a, "calculate_new_currents").flops, 96.0 * 10000 * 5000 * 10);
}

TEST(CircuitModel, ParametersAndTheirErrors) {
  App one = generate("circuit", {{"p", 4}, {"pps", 1}, {"npp", 100}, {"wpp", 8}}, sapling());
  expect_valid(one);
  EXPECT_EQ(launch_of(one, "calculate_new_currents").domain, std::vector<std::int64_t>{4});
  // p = 4: each piece reaches up to 3 neighbours, so every ghost range spans all four pieces
  // but its own end piece: piece 0 sees [1,3], piece 1 sees [0,3].
  EXPECT_EQ(elements(one, "rp_ghost", 0), 3);
  EXPECT_EQ(elements(one, "rp_ghost", 1), 4);
  EXPECT_EQ(overlap(one, "rp_ghost", 0, "rp_shared", 0), 0);
  // Every wire stays in its piece: no ghost nodes.
  App local = generate("circuit", {{"pct", 100}}, sapling());
  expect_valid(local);
  EXPECT_EQ(elements(local, "rp_ghost", 1), 0);
  EXPECT_THROW(generate("circuit", {{"p", 45}}, sapling()), InputError);
  EXPECT_THROW(generate("circuit", {{"npp", 0}}, sapling()), InputError);
  EXPECT_THROW(generate("circuit", {{"pct", 101}}, sapling()), InputError);
  EXPECT_THROW(generate("circuit", {{"pieces", 4}}, sapling()), InputError);
}

// ---- Stencil.

TEST(StencilModel, TasksRequirementsAndNames) {
  App a = generate("stencil", {}, sapling());
  expect_valid(a);
  EXPECT_EQ(a.tasks.size(), 11u);
  EXPECT_EQ(a.launches.size(), 10u);
  EXPECT_EQ(a.task(*a.top).name, "main");
  EXPECT_EQ(program_text(a),
            "read_config begin_init stencil increment check get_init_start get_init_stop "
            "get_start get_stop print_time");
  EXPECT_EQ(a.program[2].kind, Step::Kind::Loop);
  EXPECT_EQ(a.program[2].count, 70);
  EXPECT_TRUE(a.program[2].timed);
  EXPECT_EQ(a.program[2].warmup, 30);
  EXPECT_EQ(generate("stencil", {{"tprune", 0}}, sapling()).program[2].count, 10);
  EXPECT_EQ(variants_text(a, "stencil"), "GPU,CPU");
  EXPECT_EQ(variants_text(a, "increment"), "GPU,CPU");
  for (const char* t : {"check", "begin_init", "get_start", "print_time", "read_config"})
    EXPECT_EQ(variants_text(a, t), "CPU") << t;
  EXPECT_EQ(reqs_text(launch_of(a, "stencil")),
            "private:read-write:input+output interior:read:none pxm_in:read:input "
            "pxp_in:read:input pym_in:read:input pyp_in:read:input "
            "p_times:read-write:init_start+init_stop+start+stop");
  EXPECT_EQ(reqs_text(launch_of(a, "increment")),
            "private:read-write:input exterior:read:none pxm_out:read-write:input "
            "pxp_out:read-write:input pym_out:read-write:input pyp_out:read-write:input "
            "p_times:read-write:init_start+init_stop+start+stop");
  EXPECT_EQ(reqs_text(launch_of(a, "check")), "private:read:input+output interior:read:none");
  EXPECT_EQ(reqs_text(launch_of(a, "get_start")), "p_times:read:start");
  // At run time every partition made by an inlined helper is called "p"; roots keep their names.
  const Task& st = a.task(*a.find_task("stencil"));
  EXPECT_TRUE(st.args[0].answers_to("p"));
  EXPECT_TRUE(st.args[0].answers_to("points"));
  EXPECT_FALSE(st.args[0].answers_to("private"));
  EXPECT_TRUE(st.args[2].answers_to("xm"));
  EXPECT_FALSE(st.args[2].answers_to("xp"));
  EXPECT_TRUE(st.args[6].answers_to("p_times"));
}

TEST(StencilModel, TilesAndHalosOnSapling) {
  App a = generate("stencil", {}, sapling());
  EXPECT_EQ(param_of(a, "nx"), 10000);
  EXPECT_EQ(param_of(a, "ntx"), 2);
  EXPECT_EQ(param_of(a, "nty"), 2);
  EXPECT_EQ(launch_of(a, "stencil").domain, std::vector<std::int64_t>{4});
  EXPECT_EQ(region(a, "points").extents, (std::vector<std::int64_t>{10004, 10004}));
  EXPECT_EQ(region_bytes(a, "points"), 10004LL * 10004 * 16);
  for (std::size_t t = 0; t < 4; ++t) {
    EXPECT_EQ(elements(a, "private", t), 5002LL * 5002);
    EXPECT_EQ(elements(a, "interior", t), 4998LL * 4998);
    EXPECT_EQ(elements(a, "exterior", t), 5000LL * 5000);  // each tile has two border sides
  }
  EXPECT_EQ(region(a, "points").atoms.size(), 12u);  // interior, exterior ring, rest per tile
  EXPECT_EQ(region(a, "xm").extents, (std::vector<std::int64_t>{4, 9996}));
  EXPECT_EQ(region(a, "ym").extents, (std::vector<std::int64_t>{9996, 4}));
  // Tile 1 (ix=1, iy=0) reads the xm slab of tile 0 and has no right neighbour; tile 2
  // (ix=0, iy=1) reads the ym slab of tile 0 below it.
  EXPECT_EQ(elements(a, "pxm_out", 0), 2 * 4998);
  EXPECT_EQ(elements(a, "pxm_in", 1), 2 * 4998);
  EXPECT_EQ(overlap(a, "pxm_in", 1, "pxm_out", 0), 2 * 4998);
  EXPECT_EQ(elements(a, "pxm_in", 0), 0);
  EXPECT_EQ(elements(a, "pxp_in", 1), 0);
  EXPECT_EQ(overlap(a, "pxp_in", 0, "pxp_out", 1), 2 * 4998);
  EXPECT_EQ(overlap(a, "pym_in", 2, "pym_out", 0), 2 * 4998);
  EXPECT_EQ(overlap(a, "pyp_in", 0, "pyp_out", 2), 2 * 4998);
  EXPECT_EQ(elements(a, "pyp_in", 3), 0);
  EXPECT_DOUBLE_EQ(launch_of(a, "stencil").flops, 16.0 * 4998 * 4998);
  EXPECT_DOUBLE_EQ(launch_of(a, "increment").flops, 5000.0 * 5000 + 4 * 4 * 9996 / 4.0);
}

TEST(StencilModel, WeakScalingOnSapling4) {
  App a = generate("stencil", {}, sapling4());
  expect_valid(a);
  EXPECT_EQ(param_of(a, "nx"), 20000);
  EXPECT_EQ(param_of(a, "ny"), 20000);
  EXPECT_EQ(param_of(a, "ntx"), 4);
  EXPECT_EQ(launch_of(a, "increment").domain, std::vector<std::int64_t>{16});
  EXPECT_EQ(region(a, "points").extents, (std::vector<std::int64_t>{20012, 20012}));
  EXPECT_EQ(elements(a, "private", 5), 5003LL * 5003);
  EXPECT_EQ(elements(a, "interior", 5), 4999LL * 4999);
  EXPECT_EQ(elements(a, "exterior", 5), 4999LL * 4999);  // an inner tile: no border side
  EXPECT_EQ(elements(a, "exterior", 0), 5001LL * 5001);
  EXPECT_EQ(overlap(a, "pxm_in", 5, "pxm_out", 4), 2 * 4999);
  EXPECT_EQ(overlap(a, "pym_in", 5, "pym_out", 1), 2 * 4999);
  // Uneven cuts stay exact: 3 tiles over 9996 points per dimension.
  App odd = generate("stencil", {{"ntx", 3}, {"nty", 1}}, sapling());
  expect_valid(odd);
  EXPECT_EQ(elements(odd, "pxm_out", 0), 2 * 9996);
  EXPECT_EQ(region(odd, "points").volume(), (9996 + 12) * 10000LL);
  EXPECT_THROW(generate("stencil", {{"nx", 5}}, sapling()), InputError);
  EXPECT_THROW(generate("stencil", {{"ntx", 0}}, sapling()), InputError);
}

// ---- Pennant.

TEST(PennantModel, TasksAndProgram) {
  App a = generate("pennant", {}, sapling());
  expect_valid(a);
  EXPECT_EQ(a.tasks.size(), 36u);
  EXPECT_EQ(a.launches.size(), 48u);
  EXPECT_EQ(a.task(*a.top).name, "toplevel");
  const Step& loop = a.program.at(15);
  ASSERT_EQ(loop.kind, Step::Kind::Loop);
  EXPECT_EQ(loop.var, "cycle");
  EXPECT_EQ(loop.count, 90);  // cstop 30 timed, prune 30 before and after
  EXPECT_TRUE(loop.timed);
  EXPECT_EQ(loop.warmup, 30);
  EXPECT_EQ(loop.tail, 30);
  EXPECT_EQ(loop.body.size(), 29u);
  std::size_t index = 0;
  for (const Step& s : loop.body)
    index += a.launches[s.launch].index ? 1 : 0;
  EXPECT_EQ(index, 27u);  // and calc_global_dt, continue_simulation
  EXPECT_EQ(generate("pennant", {{"prune", 30}}, sapling()).program.at(15).count, 90);
  for (const char* t : {"calc_centers", "qcs_corner_divergence", "sum_point_force", "calc_dt_hydro",
                        "init_hydro", "init_radial_velocity", "adv_pos_full"})
    EXPECT_EQ(variants_text(a, t), "GPU,CPU") << t;
  for (const char* t : {"calc_global_dt", "continue_simulation", "init_pointers",
                        "initialize_topology", "dummy", "output1"})
    EXPECT_EQ(variants_text(a, t), "CPU") << t;
}

TEST(PennantModel, RequirementsInRegentOrder) {
  App a = generate("pennant", {}, sapling());
  EXPECT_EQ(reqs_text(launch_of(a, "calc_centers")),
            "rz_all_p:read:znump rz_all_p:read-write:zxp.x+zxp.y "
            "rp_all_private_p:read:pxp.x+pxp.y rp_all_ghost_p:read:pxp.x+pxp.y "
            "rs_all_p:read:mapsz.__ptr+mapsp1.__ptr+mapsp1.__index+mapsp2.__ptr+mapsp2.__index "
            "rs_all_p:read-write:exp.x+exp.y");
  EXPECT_EQ(reqs_text(launch_of(a, "sum_point_mass")),
            "rz_all_p:read:zareap+zrp rp_all_private_p:read-write:pmaswt "
            "rp_all_ghost_p:reduce:pmaswt "
            "rs_all_p:read:mapsz.__ptr+mapsp1.__ptr+mapsp1.__index+mapss3.__ptr+smf");
  EXPECT_EQ(reqs_text(launch_of(a, "qcs_force")),
            "rz_all_p:read:none rp_all_private_p:read:none rp_all_ghost_p:read:none "
            "rs_all_p:read:mapss4.__ptr+elen+carea+ccos+cqe1.x+cqe1.y+cqe2.x+cqe2.y "
            "rs_all_p:read-write:sfq.x+sfq.y");
  EXPECT_EQ(reqs_text(launch_of(a, "initialize_topology")),
            "rz_all_p:read-write:znump rp_all_private_p:read-write:px.x+px.y+has_bcx+has_bcy "
            "rp_all_shared_p:read-write:px.x+px.y+has_bcx+has_bcy rp_all_ghost_p:read:none "
            "rs_all_p:read-write:mapsz.__ptr+mapsp1.__ptr+mapsp1.__index+mapsp2.__ptr+"
            "mapsp2.__index+mapss3.__ptr+mapss4.__ptr");
  // The point tasks run once on the private and once on the shared pieces.
  EXPECT_EQ(reqs_text(launch_of(a, "adv_pos_half", 0)),
            "rp_all_private_p:read:px.x+px.y+pu.x+pu.y "
            "rp_all_private_p:read-write:px0.x+px0.y+pxp.x+pxp.y+pu0.x+pu0.y");
  EXPECT_EQ(launch_of(a, "adv_pos_half", 1).reqs[0].partition, "rp_all_shared_p");
  EXPECT_EQ(launch_of(a, "calc_char_len").reqs.size(), 5u);
  EXPECT_EQ(launch_of(a, "calc_volumes_full").reqs.size(), 6u);
  const Task& cc = a.task(*a.find_task("calc_centers_full"));
  EXPECT_TRUE(cc.args[3].answers_to("rp_all_ghost_p"));
  EXPECT_TRUE(cc.args[3].answers_to("rp_all"));
  EXPECT_TRUE(cc.args[4].answers_to("rs_all_p"));
  EXPECT_EQ(bytes_per_element(region(a, "rz_all")), 185);
  EXPECT_EQ(bytes_per_element(region(a, "rp_all")), 122);
  EXPECT_EQ(bytes_per_element(region(a, "rs_all")), 258);
}

TEST(PennantModel, MeshPiecesAndGhostPointsOnSapling) {
  App a = generate("pennant", {}, sapling());
  EXPECT_EQ(param_of(a, "npieces"), 4);
  EXPECT_EQ(param_of(a, "numpcy"), 4);
  EXPECT_EQ(launch_of(a, "calc_centers").domain, std::vector<std::int64_t>{4});
  EXPECT_EQ(region(a, "rz_all").volume(), 4665600);
  EXPECT_EQ(region(a, "rp_all").volume(), 4669921);
  EXPECT_EQ(region(a, "rs_all").volume(), 18662400);
  EXPECT_EQ(region_bytes(a, "rs_all"), 18662400LL * 258);
  EXPECT_EQ(elements(a, "rz_all_p", 2), 540 * 2160);
  EXPECT_EQ(elements(a, "rs_all_p", 2), 4 * 540 * 2160);
  EXPECT_EQ(elements(a, "rp_all_private_p", 0), 2161 * 540);
  EXPECT_EQ(elements(a, "rp_all_private_p", 1), 2161 * 539);
  EXPECT_EQ(elements(a, "rp_all_private_p", 3), 2161 * 540);
  EXPECT_EQ(elements(a, "rp_all_p", 1), 3 * 2161);  // the ghost points: 3 rows between strips
  EXPECT_EQ(elements(a, "rp_all_shared_p", 0), 2161);
  EXPECT_EQ(elements(a, "rp_all_shared_p", 3), 0);
  EXPECT_EQ(elements(a, "rp_all_ghost_p", 0), 2161);
  EXPECT_EQ(elements(a, "rp_all_ghost_p", 1), 2 * 2161);
  EXPECT_EQ(overlap(a, "rp_all_ghost_p", 1, "rp_all_shared_p", 0), 2161);
  EXPECT_EQ(overlap(a, "rp_all_ghost_p", 1, "rp_all_shared_p", 1), 2161);
  EXPECT_EQ(overlap(a, "rp_all_ghost_p", 1, "rp_all_private_p", 1), 0);
  EXPECT_FALSE(part(a, "rp_all_ghost_p").disjoint);
  EXPECT_DOUBLE_EQ(launch_of(a, "qcs_corner_divergence").flops, 110.0 * 4 * 540 * 2160);
}

TEST(PennantModel, TwoDimensionalPiecesAndWeakScaling) {
  App big = generate("pennant", {}, sapling4());
  expect_valid(big);
  EXPECT_EQ(param_of(big, "nzy"), 8640);
  EXPECT_EQ(param_of(big, "npieces"), 16);
  EXPECT_EQ(launch_of(big, "calc_centers").domain, std::vector<std::int64_t>{16});
  EXPECT_EQ(elements(big, "rz_all_p", 7), 540 * 2160);  // the same piece as on one node
  // A 2 x 2 grid of pieces on a 4 x 4 mesh: the ghost points are the middle row and column.
  // Each piece owns its right and bottom segments and the corner between them (piece 0: 2 + 2 +
  // the centre); piece 3 sees the centre, the bottom segment of piece 1 above it and the right
  // segment of piece 2 to its left.
  App grid =
      generate("pennant", {{"nzx", 4}, {"nzy", 4}, {"npieces", 4}, {"numpcx", 2}}, sapling());
  expect_valid(grid);
  EXPECT_EQ(region(grid, "rp_all").volume(), 25);
  EXPECT_EQ(elements(grid, "rp_all_p", 1), 9);
  EXPECT_EQ(elements(grid, "rp_all_private_p", 0), 4);
  EXPECT_EQ(elements(grid, "rp_all_shared_p", 0), 2 + 2 + 1);
  EXPECT_EQ(elements(grid, "rp_all_shared_p", 1), 2);  // its bottom segment
  EXPECT_EQ(elements(grid, "rp_all_shared_p", 2), 2);  // its right segment
  EXPECT_EQ(elements(grid, "rp_all_shared_p", 3), 0);
  EXPECT_EQ(elements(grid, "rp_all_ghost_p", 0), 5);
  EXPECT_EQ(elements(grid, "rp_all_ghost_p", 3), 5);
  EXPECT_EQ(overlap(grid, "rp_all_ghost_p", 3, "rp_all_shared_p", 0), 1);
  EXPECT_EQ(overlap(grid, "rp_all_ghost_p", 3, "rp_all_shared_p", 1), 2);
  EXPECT_EQ(overlap(grid, "rp_all_ghost_p", 3, "rp_all_shared_p", 2), 2);
  EXPECT_EQ(overlap(grid, "rp_all_ghost_p", 1, "rp_all_shared_p", 0), 3);  // right and centre
  EXPECT_THROW(generate("pennant", {{"npieces", 4}, {"numpcx", 3}}, sapling()), InputError);
  EXPECT_THROW(generate("pennant", {{"nzy", 3}}, sapling()), InputError);
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

/// check_against reports nothing (no error, no warning) for the mapper on the app and machine,
/// and decide succeeds without diagnostics.
mapping::Mapping checked_decisions(const std::string& rel, const App& a,
                                   const machine::Machine& m) {
  mapping::test::Mapper mapper(read_text(rel));
  dsl::Diagnostics diags;
  mapping::check_against(mapper.program, mapper.info, &m, &a, diags);
  EXPECT_EQ(mapping::test::rendered(diags), "") << rel << " on " << m.name();
  return mapping::test::decide_ok(a, m, &mapper);
}

const mapping::LaunchDecision& decision(const App& a, const mapping::Mapping& d,
                                        std::string_view task, std::size_t k = 0) {
  auto id = a.find_task(task);
  for (const mapping::LaunchDecision& l : d.launches)
    if (l.task == id && k-- == 0) return l;
  ADD_FAILURE() << "no decision for " << task;
  return d.launches.front();
}

TEST(ScientificMappers, CircuitExpert) {
  for (const machine::Machine* m : {&sapling(), &sapling4()}) {
    App a = generate("circuit", {}, *m);
    mapping::Mapping d = checked_decisions("examples/circuit/expert.mapping", a, *m);
    const auto& cnc = decision(a, d, "calculate_new_currents");
    EXPECT_EQ(cnc.kind, ProcKind::GPU);
    EXPECT_EQ(mapping::test::kinds(cnc, 0), "FBMEM");
    EXPECT_EQ(mapping::test::kinds(cnc, 1), "ZCMEM");  // rp_shared
    EXPECT_EQ(mapping::test::kinds(cnc, 2), "ZCMEM");  // rp_ghost
    EXPECT_EQ(mapping::test::kinds(cnc, 3), "FBMEM");
    EXPECT_EQ(mapping::test::kinds(decision(a, d, "distribute_charge"), 2), "ZCMEM");
    EXPECT_EQ(mapping::test::kinds(decision(a, d, "update_voltages"), 3), "ZCMEM");
    EXPECT_EQ(decision(a, d, "init_piece").kind, ProcKind::CPU);
    EXPECT_TRUE(cnc.args[4].layout.soa);
  }
  App one = generate("circuit", {}, sapling());
  auto d1 = checked_decisions("examples/circuit/expert.mapping", one, sapling());
  EXPECT_EQ(mapping::test::procs(sapling(), decision(one, d1, "calculate_new_currents")),
            "node0/GPU0 node0/GPU1 node0/GPU2 node0/GPU3");
  App four = generate("circuit", {}, sapling4());
  auto d4 = checked_decisions("examples/circuit/expert.mapping", four, sapling4());
  const auto& cnc = decision(four, d4, "calculate_new_currents");
  EXPECT_EQ(sapling4().name_of(cnc.points.at(5).proc), "node1/GPU1");  // superpiece 5
  EXPECT_EQ(sapling4().name_of(cnc.points.at(5).memories.at(1)), "node1/ZCMEM");
  EXPECT_EQ(sapling4().name_of(cnc.points.at(15).proc), "node3/GPU3");
  // The published mapper puts every CPU task of a node group on CPU 0 of node i / CPUs-per-node.
  EXPECT_EQ(sapling4().name_of(decision(four, d4, "init_piece").points.at(5).proc), "node0/CPU0");
}

TEST(ScientificMappers, StencilExpert) {
  App four = generate("stencil", {}, sapling4());
  auto d = checked_decisions("examples/stencil/expert.mapping", four, sapling4());
  const auto& st = decision(four, d, "stencil");
  EXPECT_EQ(st.kind, ProcKind::GPU);
  EXPECT_EQ(sapling4().name_of(st.points.at(5).proc), "node1/GPU1");
  EXPECT_EQ(mapping::test::kinds(st, 2), "FBMEM");
  EXPECT_FALSE(st.args[0].layout.c_order);
  const auto& check = decision(four, d, "check");
  EXPECT_EQ(check.kind, ProcKind::CPU);
  EXPECT_EQ(sapling4().name_of(check.points.at(5).proc), "node1/CPU0");  // CPU 0 of its node
  EXPECT_EQ(mapping::test::kinds(check, 0), "SYSMEM");
  App one = generate("stencil", {}, sapling());
  auto d1 = checked_decisions("examples/stencil/expert.mapping", one, sapling());
  EXPECT_EQ(mapping::test::procs(sapling(), decision(one, d1, "increment")),
            "node0/GPU0 node0/GPU1 node0/GPU2 node0/GPU3");
}

TEST(ScientificMappers, PennantExpert) {
  App four = generate("pennant", {}, sapling4());
  auto d = checked_decisions("examples/pennant/expert.mapping", four, sapling4());
  const auto& qcd = decision(four, d, "qcs_corner_divergence");
  EXPECT_EQ(sapling4().name_of(qcd.points.at(5).proc), "node1/GPU1");
  EXPECT_EQ(sapling4().name_of(qcd.points.at(2).proc), "node2/GPU0");
  EXPECT_EQ(mapping::test::kinds(qcd, 0), "FBMEM");
  EXPECT_EQ(mapping::test::kinds(qcd, 2), "ZCMEM");  // rp_all_ghost_p
  EXPECT_EQ(mapping::test::kinds(decision(four, d, "initialize_topology"), 2), "SYSMEM");
  EXPECT_EQ(decision(four, d, "calc_global_dt").kind, ProcKind::CPU);
  EXPECT_EQ(sapling4().name_of(decision(four, d, "init_pointers").points.at(6).proc), "node2/CPU0");
  App one = generate("pennant", {}, sapling());
  auto d1 = checked_decisions("examples/pennant/expert.mapping", one, sapling());
  EXPECT_EQ(mapping::test::procs(sapling(), decision(one, d1, "sum_point_force")),
            "node0/GPU0 node0/GPU1 node0/GPU2 node0/GPU3");
}

TEST(ScientificMappers, RealProgramMappersHaveNoNameErrors) {
  for (const machine::Machine* m : {&sapling(), &sapling4()}) {
    App circuit = generate("circuit", {}, *m);
    for (const char* f :
         {"tests/mappers/real_circuit.mapping", "tests/mappers/real_circuit_bishop.mapping"}) {
      SCOPED_TRACE(f);
      auto d = checked_decisions(f, circuit, *m);
      EXPECT_EQ(mapping::test::kinds(decision(circuit, d, "update_voltages"), 3).substr(0, 5),
                "ZCMEM");
    }
    App stencil = generate("stencil", {}, *m);
    auto ds = checked_decisions("tests/mappers/real_stencil.mapping", stencil, *m);
    EXPECT_EQ(mapping::test::kinds(decision(stencil, ds, "stencil"), 2), "ZCMEM,FBMEM");
    App pennant = generate("pennant", {}, *m);
    auto dp = checked_decisions("tests/mappers/real_pennant.mapping", pennant, *m);
    EXPECT_EQ(mapping::test::kinds(decision(pennant, dp, "calc_centers_full", 0), 3), "ZCMEM");
  }
}

TEST(ScientificMappers, NamesTheRealProgramsDoNotHave) {
  // calc_new_currents is the C++ circuit's name; `private` is a Regent variable whose partition
  // the runtime calls "p".
  App circuit = generate("circuit", {}, sapling());
  mapping::test::Mapper m("Region calc_new_currents rp_shared GPU ZCMEM;\n");
  dsl::Diagnostics diags;
  mapping::check_against(m.program, m.info, &sapling(), &circuit, diags);
  EXPECT_NE(mapping::test::rendered(diags).find("did you mean 'calculate_new_currents'?"),
            std::string::npos);
  App stencil = generate("stencil", {}, sapling());
  mapping::test::Mapper s("Region stencil private GPU ZCMEM;\n");
  dsl::Diagnostics sd;
  mapping::check_against(s.program, s.info, &sapling(), &stencil, sd);
  EXPECT_NE(mapping::test::rendered(sd).find("unknown region 'private' for task stencil"),
            std::string::npos);
}

#else

TEST(ScientificMappers, NeedTheMappingModule) {
  GTEST_SKIP() << "app_test is built without the mapping module: link it with mapsmith_mapping "
                  "and define MAPSMITH_APP_TEST_WITH_MAPPING to run the expert-mapper tests";
}

#endif

}  // namespace
}  // namespace mapsmith::app
