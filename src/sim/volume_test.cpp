// The simulator against the matrix multiplies' closed-form communication volumes (issue #5): for
// each of the six DISTAL models with its expert mapper, the bytes the simulator moves per timed
// iteration between nodes and between the GPUs of one node equal the formula of
// docs/apps.md (the section of each app) within 2%. The derivations are in docs/simulator.md,
// "Communication volume of the matrix multiplies".
//
// Per iteration: the run with `iterations=2` minus the run with `iterations=1`, so that what
// happens once (init_cublas, the validation at the end) cancels and what an iteration moves in
// the steady state remains. Every copy of the matmul experts goes from a framebuffer to a
// framebuffer (checked below), so the simulator's intra_node bytes are GPU-to-GPU bytes inside a
// node and its inter_node bytes are GPU-to-GPU bytes across nodes.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "app/generators.h"
#include "machine/presets.h"
#include "mapping/check_against.h"
#include "mapping/test_util.h"
#include "sim/observer.h"
#include "sim/sim.h"

namespace mapsmith::sim {
namespace {

const machine::Machine& machine_named(const std::string& spec) {
  static std::map<std::string, machine::Machine> cache;
  auto it = cache.find(spec);
  if (it == cache.end()) it = cache.emplace(spec, machine::make_machine(spec)).first;
  return it->second;
}

std::string read_text(const std::string& rel) {
  std::ifstream in(std::string(MAPSMITH_SOURCE_DIR) + "/" + rel);
  EXPECT_TRUE(in.good()) << rel;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Copies that do not go from one framebuffer to another.
struct NotGpuToGpu : Observer {
  explicit NotGpuToGpu(const machine::Machine& m) : m_(m) {}
  void on_copy(const CopyEvent& e) override {
    if (m_.memory(e.src).kind != MemKind::FBMEM || m_.memory(e.dst).kind != MemKind::FBMEM) ++count;
  }
  const machine::Machine& m_;
  int count = 0;
};

struct Volume {
  double n = 0;      // the matrix size the generator chose
  double inter = 0;  // bytes per iteration between nodes
  double intra = 0;  // bytes per iteration between the GPUs of one node
};

Bytes simulate_expert(const std::string& app, const machine::Machine& m, std::int64_t iterations,
                      double* n) {
  const app::App a = app::generate(app, {{"iterations", iterations}}, m);
  for (const auto& [k, v] : a.params)
    if (k == "n") *n = static_cast<double>(v);
  const std::string rel = "examples/" + app + "/expert.mapping";
  mapping::test::Mapper mapper(read_text(rel));
  dsl::Diagnostics diags;
  mapping::check_against(mapper.program, mapper.info, &m, &a, diags);
  EXPECT_EQ(mapping::test::rendered(diags), "") << rel << " on " << m.name();
  const mapping::Mapping d = mapping::test::decide_ok(a, m, &mapper);
  NotGpuToGpu other(m);
  Options o;
  o.program = &mapper.program;
  o.observers = {&other};
  const Outcome out = simulate(a, m, d, o);
  EXPECT_TRUE(out.ok) << app << " on " << m.name();
  EXPECT_EQ(other.count, 0) << app << " on " << m.name()
                            << ": copies that are not framebuffer to framebuffer";
  return out.bytes;
}

Volume per_iteration(const std::string& app, const std::string& spec) {
  const machine::Machine& m = machine_named(spec);
  Volume v;
  const Bytes one = simulate_expert(app, m, 1, &v.n);
  const Bytes two = simulate_expert(app, m, 2, &v.n);
  v.inter = static_cast<double>(two.inter_node - one.inter_node);
  v.intra = static_cast<double>(two.intra_node - one.intra_node);
  return v;
}

/// A row of the tables in docs/apps.md (the section of each app): bytes per iteration between GPUs
/// (all of them) and between nodes, as multiples of n².
struct Row {
  const char* app;
  const char* machine;
  double gpus;
  double nodes;
};

// Between GPUs = within a node + between nodes. The closed forms (docs/simulator.md):
//  cannon, summa, pumma: 16 n² within a node (one rank of 4 GPUs per node), 16 n² (gx + gy - 2)
//    between ranks; sapling 1 x 1, sapling:ranks=4 and sapling-4 2 x 2, sapling-4:ranks=4 4 x 4.
//  johnson: 16 n² on 4 GPUs with g = 2; the indicator sum on 16 GPUs with g = 4.
//  solomonik, cosma: the indicator sums of their docs.
const Row kRows[] = {
    {"cannon", "sapling", 16, 0},       {"cannon", "sapling:ranks=4", 32, 0},
    {"cannon", "sapling-4", 48, 32},    {"cannon", "sapling-4:ranks=4", 96, 48},
    {"summa", "sapling", 16, 0},        {"summa", "sapling:ranks=4", 32, 0},
    {"summa", "sapling-4", 48, 32},     {"summa", "sapling-4:ranks=4", 96, 48},
    {"pumma", "sapling", 16, 0},        {"pumma", "sapling:ranks=4", 32, 0},
    {"pumma", "sapling-4", 48, 32},     {"pumma", "sapling-4:ranks=4", 96, 48},
    {"johnson", "sapling", 16, 0},      {"johnson", "sapling:ranks=4", 16, 0},
    {"johnson", "sapling-4", 78, 72},   {"johnson", "sapling-4:ranks=4", 78, 72},
    {"solomonik", "sapling", 16, 0},    {"solomonik", "sapling:ranks=4", 16, 0},
    {"solomonik", "sapling-4", 88, 72}, {"solomonik", "sapling-4:ranks=4", 48, 24},
    {"cosma", "sapling", 16, 0},        {"cosma", "sapling:ranks=4", 16, 0},
    {"cosma", "sapling-4", 40, 24},     {"cosma", "sapling-4:ranks=4", 40, 24},
};

/// Within 2% of the formula; exactly nothing where the formula says nothing.
void expect_close(double simulated, double formula, const std::string& what) {
  if (formula == 0) {
    EXPECT_EQ(simulated, 0) << what;
  } else {
    EXPECT_NEAR(simulated / formula, 1.0, 0.02)
        << what << ": simulated " << simulated << " B, formula " << formula << " B";
  }
}

class MatmulVolume : public ::testing::TestWithParam<Row> {};

TEST_P(MatmulVolume, BytesPerIterationMatchTheClosedForm) {
  const Row& r = GetParam();
  const Volume v = per_iteration(r.app, r.machine);
  const double n2 = v.n * v.n;
  const std::string what = std::string(r.app) + " on " + r.machine;
  expect_close(v.inter, r.nodes * n2, what + ", between nodes");
  expect_close(v.intra, (r.gpus - r.nodes) * n2, what + ", between the GPUs of a node");
}

std::string row_name(const ::testing::TestParamInfo<Row>& info) {
  std::string s = std::string(info.param.app) + "_" + info.param.machine;
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

INSTANTIATE_TEST_SUITE_P(Experts, MatmulVolume, ::testing::ValuesIn(kRows), row_name);

// The odd sizes of two nodes: n = 14142 makes uneven DISTAL tiles, and the formulas hold within
// a fraction of a per cent.
const Row kTwoNodes[] = {
    {"cannon", "sapling-2", 32, 16},   {"summa", "sapling-2", 32, 16},
    {"pumma", "sapling-2", 32, 16},    {"johnson", "sapling-2", 24, 8},
    {"solomonik", "sapling-2", 40, 8}, {"solomonik", "sapling-2:ranks=4", 40, 32},
    {"cosma", "sapling-2", 24, 8},     {"cosma", "sapling-2:ranks=4", 24, 8},
};
INSTANTIATE_TEST_SUITE_P(TwoNodes, MatmulVolume, ::testing::ValuesIn(kTwoNodes), row_name);

}  // namespace
}  // namespace mapsmith::sim
