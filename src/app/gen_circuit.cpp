// The circuit model: Legion's Regent circuit simulation, language/examples/circuit_sparse.rg
// (StanfordLegion/legion@d8e35c48d089014b0f764181b7b90278a7558b21), the program the published DSL
// mappers and the perfbench scripts run. Task, region and partition names, requirement order,
// field sizes and privileges are the real program's; see docs/apps.md (circuit) for what the
// model keeps and leaves out.
//
// Structure (circuit_sparse.rg lines 671-766): the graph has p pieces of npp nodes and wpp wires,
// grouped into p/pps superpieces; every launch runs over the superpieces (`launch_domain`). Node
// numbering puts every piece's shared nodes first (snpp = ceil(npp/100) per piece, piece-major),
// then the private nodes. `rp_ghost[s]` is the image of one contiguous range of shared nodes: the
// shared nodes of the pieces that superpiece s's wires reach (init_wires, lines 189-339).
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/generator_impls.h"
#include "util/error.h"

namespace mapsmith::app::gen {

namespace {

// ---- Constants of the real program.

// circuit_sparse.rg 58: WIRE_SEGMENTS. A wire carries WIRE_SEGMENTS currents and
// WIRE_SEGMENTS - 1 inner voltages.
constexpr int kSegments = 10;
// toplevel (lines 686-689): conf.pct_shared_nodes = 1.0 (per cent of a piece's nodes that are
// shared), conf.num_neighbors = 5, conf.window = 3. None of them has a command-line flag.
constexpr double kPctSharedNodes = 1.0;
constexpr std::int64_t kNumNeighbors = 5;
constexpr std::int64_t kWindow = 3;

// ---- Work per element (flops; the simulator charges bytes separately).

// print_summary (lines 657-661), the program's own count: calculate_new_currents does
// (WIRE_SEGMENTS*6 + (WIRE_SEGMENTS-1)*4) = 96 flops per wire per step; distribute_charge 4 per
// wire; update_voltages 4 per node.
constexpr double kCurrentFlopsPerWireStep = kSegments * 6 + (kSegments - 1) * 4;
constexpr double kChargeFlopsPerWire = 4;
constexpr double kVoltageFlopsPerNode = 4;
// Initialisation, estimates counted as scalar operations from the source: init_nodes draws 3
// drand48 per node (~10 operations each) and stores 4 floats; init_wires draws ~10 numbers per
// wire and writes 26 fields; init_pointers does two checked dynamic_casts per wire.
constexpr double kInitNodeOps = 34;
constexpr double kInitWireOps = 126;
constexpr double kInitPointerOps = 10;

// ---- Efficiency: the fraction of the processor's peak flop rate (the machine's FP64 peak) the
// kernel's arithmetic reaches.
//  - calculate_new_currents, GPU: a float32 kernel, one thread per wire (128 per block, Regent's
//    THREAD_BLOCK_SIZE), ~40 live floats per thread in registers and 10 + 9 independent updates
//    per step: issue-bound on the FP32 pipes. Measured: a CUDA kernel of the same shape (10
//    segments, 96 flops per wire and step, 50,000 to 800,000 wires) reaches 0.51-0.56 of the FP32
//    peak of an H100 (docs/simulator.md §14, "Calibration"). The P100's FP32 peak (9.3 TFLOP/s,
//    NVIDIA Tesla P100 PCIe data sheet) is twice the FP64 figure the machine model carries, so
//    that is 1.0-1.1 of it; the model's efficiency is at most 1, hence 1.0.
//  - calculate_new_currents, CPU: Regent emits a scalar loop (the __demand(__vectorize) at line 392
//    is commented out): ~2 of the 16 flop/cycle of an AVX2 core, 0.12.
//  - distribute_charge and update_voltages: a few flops per element against 16-30 bytes and
//    scattered reductions; memory-bound, so the flop rate is low whatever the processor.
//  - CPU-only initialisation: about one scalar operation per cycle, 1/16 of an AVX2 core's peak.
constexpr double kCurrentsGpu = 1.0;
constexpr double kCurrentsCpu = 0.12;
constexpr double kMemoryBoundGpu = 0.05;
constexpr double kMemoryBoundCpu = 0.06;
constexpr double kScalarCpu = 1.0 / 16;

// ---- Field spaces (circuit_sparse.rg 70-123). Regent flattens struct fields (current._0 ...)
// and gives a pointer into several regions a 1-byte __index bitmask beside its 8-byte __ptr
// (language/src/regent/std.t 2046-2064).

std::vector<Field> node_fields() {
  return {{"node_cap", 4}, {"leakage", 4}, {"charge", 4}, {"node_voltage", 4}};
}

std::vector<std::string> currents() {
  std::vector<std::string> out;
  for (int k = 0; k < kSegments; ++k)
    out.push_back(fmt::format("current._{}", k));
  return out;
}

std::vector<std::string> voltages() {
  std::vector<std::string> out;
  for (int k = 0; k < kSegments - 1; ++k)
    out.push_back(fmt::format("voltage._{}", k));
  return out;
}

std::vector<std::string> wire_pointers() {
  return {"in_ptr.__ptr", "in_ptr.__index", "out_ptr.__ptr", "out_ptr.__index"};
}

std::vector<Field> wire_fields() {
  std::vector<Field> out = {{"in_ptr.__ptr", 8},    {"in_ptr.__index", 1}, {"out_ptr.__ptr", 8},
                            {"out_ptr.__index", 1}, {"inductance", 4},     {"resistance", 4},
                            {"wire_cap", 4}};
  for (const std::string& f : currents())
    out.push_back({f, 4});
  for (const std::string& f : voltages())
    out.push_back({f, 4});
  return out;
}

std::vector<Field> timestamp_fields() {
  return {{"init_start", 8}, {"init_stop", 8}, {"start", 8}, {"stop", 8}};
}

// ---- Small builders.

std::vector<ProjectionDim> by_point(const std::string& var) {
  return {ProjectionDim{{{var, 1}}, 0}};
}

Requirement req(std::string region, std::string partition, std::vector<ProjectionDim> projection,
                Privilege privilege, std::vector<std::string> fields) {
  Requirement r;
  r.region = std::move(region);
  r.partition = std::move(partition);
  r.projection = std::move(projection);
  r.privilege = privilege;
  r.fields = std::move(fields);
  return r;
}

/// A Regent parameter the task takes no privilege on: Legion still gets a requirement for it
/// (NO_ACCESS, no fields), which keeps the requirement indices of the real program. The model has
/// no no-access privilege: it is a read of nothing (touched = 0).
Requirement no_access(std::string region, std::string partition,
                      std::vector<ProjectionDim> projection) {
  Requirement r =
      req(std::move(region), std::move(partition), std::move(projection), Privilege::Read, {});
  r.touched = 0;
  return r;
}

RegionArg arg(std::string partition, std::string root, Privilege privilege) {
  return RegionArg{"", std::move(partition), std::move(root), privilege};
}

Variant variant(ProcKind kind, double efficiency, bool inner = false) {
  Variant v(kind);
  v.efficiency = efficiency;
  v.inner = inner;
  return v;
}

TaskId add_task(App& app, std::string name, std::vector<Variant> variants,
                std::vector<RegionArg> args = {}) {
  app.tasks.push_back(Task{std::move(name), std::move(variants), std::move(args)});
  return static_cast<TaskId>(app.tasks.size() - 1);
}

/// Appends a launch; its requirements' privileges must be the task's.
std::size_t add_launch(App& app, TaskId task, std::vector<std::int64_t> domain,
                       std::vector<Requirement> reqs, double flops,
                       std::optional<std::size_t> parent = std::nullopt) {
  Launch l;
  l.task = task;
  l.index = !domain.empty();
  if (l.index) l.point_vars = {"i"};
  l.domain = std::move(domain);
  l.reqs = std::move(reqs);
  l.flops = flops;
  l.parent = parent;
  MAPSMITH_ASSERT(l.reqs.size() == app.tasks[task].args.size());
  app.launches.push_back(std::move(l));
  return app.launches.size() - 1;
}

Step launch_step(std::size_t launch) {
  Step s;
  s.launch = launch;
  return s;
}

struct Config {
  std::int64_t loops, prune, steps, pieces, pps, npp, wpp, pct;
  std::int64_t snpp() const {
    // parse_input (line 602): ceil(npp * pct_shared_nodes / 100), computed in double as there.
    auto v = static_cast<double>(npp) * kPctSharedNodes / 100.0;
    auto c = static_cast<std::int64_t>(v);
    return c < v ? c + 1 : c;
  }
  std::int64_t superpieces() const { return pieces / pps; }
};

Config read_config(const Params& params, const machine::Machine& machine) {
  Config c{};
  c.loops = param(params, "l", 10);
  c.prune = param(params, "prune", 30);
  c.steps = param(params, "i", 10000);
  c.pieces = param(params, "p", 40 * static_cast<std::int64_t>(machine.nodes()));
  c.pps = param(params, "pps", 10);
  c.npp = param(params, "npp", 1000);
  c.wpp = param(params, "wpp", 5000);
  c.pct = param(params, "pct", 80);
  auto positive = [](std::string_view name, std::int64_t v) {
    if (v < 1) throw InputError(fmt::format("app circuit: {} must be at least 1, not {}", name, v));
  };
  positive("l", c.loops);
  positive("i", c.steps);
  positive("p", c.pieces);
  positive("pps", c.pps);
  positive("npp", c.npp);
  positive("wpp", c.wpp);
  if (c.pct > 100) throw InputError(fmt::format("app circuit: pct is a percentage, not {}", c.pct));
  if (c.pieces % c.pps != 0) {
    throw InputError(fmt::format(
        "app circuit: p ({}) must be a multiple of pps ({}): pieces are grouped into superpieces",
        c.pieces, c.pps));
  }
  if (c.pieces > (std::int64_t{1} << 20) || c.npp > (std::int64_t{1} << 30) ||
      c.wpp > (std::int64_t{1} << 30)) {
    throw InputError("app circuit: p is limited to 2^20 and npp, wpp to 2^30");
  }
  return c;
}

std::int64_t num_neighbors(const Config& c) {
  return std::min(kNumNeighbors, c.pieces - 1);
}

/// The window [start, end] of pieces that piece `q` picks its neighbours from (lines 232-259).
std::pair<std::int64_t, std::int64_t> neighbor_window(const Config& c, std::int64_t q) {
  const std::int64_t neighbors = num_neighbors(c);
  std::int64_t window = kWindow;
  if (window * 2 < neighbors) window = (neighbors + 1) / 2;
  std::int64_t start = q - window, end = q + window;
  if (start < 0) {
    start = 0;
    end = std::min(neighbors, c.pieces - 1);
  }
  if (end >= c.pieces) {
    start = std::max<std::int64_t>(0, c.pieces - 1 - neighbors);
    end = c.pieces - 1;
  }
  return {start, end};
}

/// The pieces whose shared nodes superpiece `s`'s wires reach, [lo, hi] (lo > hi: none).
/// init_wires picks num_neighbors distinct pieces at random in a window around each piece
/// (shifted at the ends, lines 232-259) and fills their shared nodes from the first one on; the
/// ghost range is [min, max] of the nodes picked (lines 310-336). The model takes the whole
/// window, which makes it deterministic: a real run picks 5 of the 6 candidates, so its range
/// can be up to one piece narrower at either end.
std::pair<std::int64_t, std::int64_t> ghost_pieces(const Config& c, std::int64_t s) {
  std::int64_t lo = c.pieces, hi = -1;
  if (num_neighbors(c) == 0 || c.pct >= 100) return {lo, hi};  // no wire leaves its piece
  for (std::int64_t q = s * c.pps; q < (s + 1) * c.pps; ++q) {
    auto [start, end] = neighbor_window(c, q);
    lo = std::min(lo, start == q ? start + 1 : start);
    hi = std::max(hi, end == q ? end - 1 : end);
  }
  return {lo, hi};
}

/// Where calculate_new_currents' and distribute_charge's pointer accesses land (their
/// declared access patterns, docs/apps.md (circuit)). Per wire each task follows in_ptr and
/// out_ptr once: a gather of node_voltage, or an atomic add into charge. From init_wires (lines
/// 262-327): in_ptr is a uniform node of the wire's own piece, shared with probability
/// s = snpp/npp; out_ptr is one too with probability p = pct/100 (always when there is one
/// piece), else a shared node of one of the piece's window neighbours, which is in the
/// superpiece (rp_shared) or outside it (rp_ghost, with probability f). Per wire that makes
/// (1-s)(1+p) private, s(1+p) + (1-p)(1-f) shared and (1-p)f ghost accesses. f is that of an
/// interior superpiece (the second, when there are three or more).
struct PointerShares {
  double priv = 1, shared = 0, ghost = 0;  ///< accesses per wire
};

PointerShares pointer_shares(const Config& c) {
  const double s = static_cast<double>(c.snpp()) / static_cast<double>(c.npp);
  const double p =
      c.pieces == 1 ? 1.0 : static_cast<double>(std::min<std::int64_t>(c.pct, 100)) / 100.0;
  const std::int64_t sp = c.superpieces() >= 3 ? 1 : 0;
  const std::int64_t first = sp * c.pps, last = (sp + 1) * c.pps;  // the superpiece's pieces
  double f = 0;
  for (std::int64_t q = first; q < last && num_neighbors(c) > 0; ++q) {
    auto [start, end] = neighbor_window(c, q);
    std::int64_t candidates = 0, outside = 0;
    for (std::int64_t r = start; r <= end; ++r) {
      if (r == q) continue;
      ++candidates;
      if (r < first || r >= last) ++outside;
    }
    if (candidates > 0)
      f += static_cast<double>(outside) / static_cast<double>(candidates) /
           static_cast<double>(c.pps);
  }
  return {(1 - s) * (1 + p), s * (1 + p) + (1 - p) * (1 - f), (1 - p) * f};
}

/// The access pattern of a node requirement reached through the wires' pointers: `per_wire`
/// accesses per wire out of the two (in_ptr, out_ptr) each wire makes, landing on `hot` nodes.
Access through_pointers(app::Pattern pattern, double per_wire, double wires, double hot,
                        std::string via) {
  Access a;
  a.pattern = pattern;
  a.accesses = per_wire * wires;
  // Each pointer is followed by its own instruction, one wire per lane: the share of a warp's
  // lanes that reach this requirement is its share of the two pointers' accesses.
  a.lanes = std::clamp(per_wire / 2, 1.0 / 64, 1.0);
  a.hot = hot;
  a.via = std::move(via);
  return a;
}

}  // namespace

GeneratorInfo circuit_info() {
  return GeneratorInfo{
      "circuit",
      "Regent circuit simulation (circuit_sparse.rg): per loop calculate_new_currents, "
      "distribute_charge (reductions into shared and ghost nodes) and update_voltages over "
      "superpieces",
      {
          {"l", 10, "loops timed (-l); the main loop runs l + 2*prune iterations"},
          {"prune", 30,
           "untimed iterations before and after the timed ones (-prune; perfbench's run scripts "
           "pass 30)"},
          {"i", 10000, "RLC steps per wire in calculate_new_currents (-i, STEPS)"},
          {"p", 0, "pieces (-p); default 40 per node of the machine"},
          {"pps", 10, "pieces per superpiece (-pps); launches run over p/pps superpieces"},
          {"npp", 1000, "circuit nodes per piece (-npp); 1% of them (rounded up) are shared"},
          {"wpp", 5000, "wires per piece (-wpp)"},
          {"pct", 80, "per cent of wires that stay in their piece (-pct); 100: no ghost nodes"},
      },
      "StanfordLegion/legion language/examples/circuit_sparse.rg "
      "(d8e35c48d089014b0f764181b7b90278a7558b21)"};
}

App circuit(const Params& params, const machine::Machine& machine) {
  const Config c = read_config(params, machine);
  const std::int64_t S = c.superpieces();
  const std::int64_t snpp = c.snpp();
  const std::int64_t pnpp = c.npp - snpp;
  const std::int64_t shared_per_sp = snpp * c.pps;
  const std::int64_t num_shared = snpp * c.pieces;

  App app;
  app.name = "circuit";
  app.params = {{"l", c.loops}, {"prune", c.prune}, {"i", c.steps}, {"p", c.pieces},
                {"pps", c.pps}, {"npp", c.npp},     {"wpp", c.wpp}, {"pct", c.pct}};

  // ---- Data.

  // Shared nodes are cut where a superpiece's shared block or some ghost range starts or ends,
  // so that each rp_shared and rp_ghost piece is a union of atoms (at most 3 per superpiece).
  std::vector<std::pair<std::int64_t, std::int64_t>> ghost(static_cast<std::size_t>(S));
  std::vector<std::int64_t> cuts = {0, num_shared};
  for (std::int64_t s = 0; s < S; ++s) {
    cuts.push_back(s * shared_per_sp);
    auto [lo, hi] = ghost_pieces(c, s);
    ghost[static_cast<std::size_t>(s)] = {lo * snpp, (hi + 1) * snpp};  // [begin, end)
    if (lo <= hi) {
      cuts.push_back(lo * snpp);
      cuts.push_back((hi + 1) * snpp);
    }
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  const std::size_t shared_atoms = cuts.size() - 1;

  Region nodes{"all_nodes", {c.pieces * c.npp}, node_fields(), {}};
  for (std::size_t a = 0; a < shared_atoms; ++a)
    nodes.atoms.push_back(cuts[a + 1] - cuts[a]);
  for (std::int64_t s = 0; s < S; ++s)
    nodes.atoms.push_back(pnpp * c.pps);
  Region wires{"all_wires", {c.pieces * c.wpp}, wire_fields(), {}};
  Region times{"all_times", {S}, timestamp_fields(), {}};
  Region ranges{"ghost_ranges", {S}, {{"rect", 16}}, {}};
  for (std::int64_t s = 0; s < S; ++s) {
    wires.atoms.push_back(c.wpp * c.pps);
    times.atoms.push_back(1);
    ranges.atoms.push_back(1);
  }
  app.regions = {nodes, wires, times, ranges};
  constexpr std::uint32_t kNodes = 0, kWires = 1, kTimes = 2, kRanges = 3;

  // The atoms inside [begin, end): a contiguous run of the sorted cuts, found by binary search
  // (a scan per superpiece made this quadratic in the superpieces).
  auto atoms_in = [&](std::int64_t begin, std::int64_t end) {
    std::vector<std::uint32_t> out;
    const auto first = std::lower_bound(cuts.begin(), cuts.end() - 1, begin) - cuts.begin();
    for (auto a = static_cast<std::size_t>(first); a < shared_atoms && cuts[a + 1] <= end; ++a)
      out.push_back(static_cast<std::uint32_t>(a));
    return out;
  };
  Partition privacy{"rp_all_nodes", kNodes, true, {2}, {{}, {}}};
  Partition priv{"rp_private", kNodes, true, {S}, {}};
  Partition shared{"rp_shared", kNodes, true, {S}, {}};
  Partition ghosts{"rp_ghost", kNodes, false, {S}, {}};
  Partition wire_parts{"rp_wires", kWires, true, {S}, {}};
  Partition time_parts{"rp_times", kTimes, true, {S}, {}};
  Partition range_parts{"rp_ghost_ranges", kRanges, true, {S}, {}};
  for (std::size_t a = 0; a < shared_atoms; ++a)
    privacy.pieces[1].push_back(static_cast<std::uint32_t>(a));
  for (std::int64_t s = 0; s < S; ++s) {
    auto private_atom = static_cast<std::uint32_t>(shared_atoms + static_cast<std::size_t>(s));
    auto own = static_cast<std::uint32_t>(s);
    privacy.pieces[0].push_back(private_atom);
    priv.pieces.push_back({private_atom});
    shared.pieces.push_back(atoms_in(s * shared_per_sp, (s + 1) * shared_per_sp));
    auto [gb, ge] = ghost[static_cast<std::size_t>(s)];
    ghosts.pieces.push_back(gb < ge ? atoms_in(gb, ge) : std::vector<std::uint32_t>{});
    wire_parts.pieces.push_back({own});
    time_parts.pieces.push_back({own});
    range_parts.pieces.push_back({own});
  }
  app.partitions = {privacy, priv, shared, ghosts, wire_parts, time_parts, range_parts};

  // ---- Tasks, with their requirements in the order Regent compiles them: one per (parameter,
  // privilege group), read-only fields before read-write before reductions.

  const Privilege RO = Privilege::Read, RW = Privilege::ReadWrite, RED = Privilege::Reduce;
  const RegionArg rpn_ro = arg("rp_private", "all_nodes", RO);
  const RegionArg rpn_rw = arg("rp_private", "all_nodes", RW);
  const RegionArg rsn_ro = arg("rp_shared", "all_nodes", RO);
  const RegionArg rsn_rw = arg("rp_shared", "all_nodes", RW);
  const RegionArg rgn_ro = arg("rp_ghost", "all_nodes", RO);
  const RegionArg rw_ro = arg("rp_wires", "all_wires", RO);
  const RegionArg rw_rw = arg("rp_wires", "all_wires", RW);
  const RegionArg rt_rw = arg("rp_times", "all_times", RW);
  const RegionArg rgr_rw = arg("rp_ghost_ranges", "ghost_ranges", RW);
  // `all_shared = rp_all_nodes[1]` is a subregion without a name of its own.
  const RegionArg all_shared = arg("rp_all_nodes", "all_nodes", RO);

  const TaskId toplevel = add_task(app, "toplevel", {variant(ProcKind::CPU, kScalarCpu, true)});
  app.top = toplevel;
  const TaskId parse_input = add_task(app, "parse_input", {variant(ProcKind::CPU, kScalarCpu)});
  const TaskId begin_init =
      add_task(app, "begin_init", {variant(ProcKind::CPU, kScalarCpu)}, {rt_rw});
  // init_piece only launches init_nodes and init_wires: Regent infers it is inner (the "inner"
  // option is on by default; optimize_config_options.t).
  const TaskId init_piece = add_task(app, "init_piece", {variant(ProcKind::CPU, kScalarCpu, true)},
                                     {rgr_rw, rpn_rw, rsn_rw, all_shared, rw_rw});
  // init_nodes runs once on rp_private[i] and once on rp_shared[i]; a task's arguments have one
  // set of names in the model, those of the first call.
  const TaskId init_nodes =
      add_task(app, "init_nodes", {variant(ProcKind::CPU, kScalarCpu)}, {rpn_rw});
  const TaskId init_wires = add_task(app, "init_wires", {variant(ProcKind::CPU, kScalarCpu)},
                                     {rgr_rw, rpn_ro, rsn_ro, all_shared, rw_rw});
  const TaskId init_pointers = add_task(app, "init_pointers", {variant(ProcKind::CPU, kScalarCpu)},
                                        {rpn_ro, rsn_ro, rgn_ro, rw_rw});
  // Only the three main-loop tasks carry __demand(__cuda) (lines 372, 472, 491).
  const TaskId currents_task =
      add_task(app, "calculate_new_currents",
               {variant(ProcKind::GPU, kCurrentsGpu), variant(ProcKind::CPU, kCurrentsCpu)},
               {rpn_ro, rsn_ro, rgn_ro, rw_ro, rw_rw, rt_rw});
  const TaskId charge_task = add_task(
      app, "distribute_charge",
      {variant(ProcKind::GPU, kMemoryBoundGpu), variant(ProcKind::CPU, kMemoryBoundCpu)},
      {rpn_rw, arg("rp_shared", "all_nodes", RED), arg("rp_ghost", "all_nodes", RED), rw_ro});
  const TaskId voltages_task =
      add_task(app, "update_voltages",
               {variant(ProcKind::GPU, kMemoryBoundGpu), variant(ProcKind::CPU, kMemoryBoundCpu)},
               {rpn_ro, rpn_rw, rsn_ro, rsn_rw, rt_rw});
  const TaskId get_elapsed = add_task(app, "get_elapsed", {variant(ProcKind::CPU, kScalarCpu)},
                                      {RegionArg{"all_times", "", "all_times", RO}});
  const TaskId print_summary = add_task(app, "print_summary", {variant(ProcKind::CPU, kScalarCpu)});

  // ---- Launches, in program order (toplevel, lines 691-766).

  const std::vector<std::int64_t> domain = {S};
  const auto at_i = by_point("i");
  const auto sp = static_cast<double>(c.pps);
  auto node_reqs = [&](std::string partition, Privilege p, std::vector<std::string> fields) {
    return req("all_nodes", std::move(partition), at_i, p, std::move(fields));
  };
  const std::vector<ProjectionDim> shared_color = {ProjectionDim{{}, 1}};
  const std::vector<std::string> all_node = {"node_cap", "leakage", "charge", "node_voltage"};
  const std::vector<std::string> all_times = {"init_start", "init_stop", "start", "stop"};
  std::vector<std::string> all_wire = wire_pointers();
  for (const char* f : {"inductance", "resistance", "wire_cap"})
    all_wire.emplace_back(f);
  for (const std::string& f : currents())
    all_wire.push_back(f);
  for (const std::string& f : voltages())
    all_wire.push_back(f);

  std::vector<Step>& program = app.program;
  program.push_back(launch_step(add_launch(app, parse_input, {}, {}, 0)));
  program.push_back(launch_step(
      add_launch(app, begin_init, domain, {req("all_times", "rp_times", at_i, RW, all_times)}, 0)));

  const std::size_t init =
      add_launch(app, init_piece, domain,
                 {req("ghost_ranges", "rp_ghost_ranges", at_i, RW, {"rect"}),
                  node_reqs("rp_private", RW, all_node), node_reqs("rp_shared", RW, all_node),
                  no_access("all_nodes", "rp_all_nodes", shared_color),
                  req("all_wires", "rp_wires", at_i, RW, all_wire)},
                 0);
  program.push_back(launch_step(init));
  // init_piece's body (lines 341-355): init_nodes(rpn), init_nodes(rsn), init_wires(...).
  std::vector<Step> init_body;
  init_body.push_back(
      launch_step(add_launch(app, init_nodes, {}, {node_reqs("rp_private", RW, all_node)},
                             kInitNodeOps * static_cast<double>(pnpp) * sp, init)));
  init_body.push_back(
      launch_step(add_launch(app, init_nodes, {}, {node_reqs("rp_shared", RW, all_node)},
                             kInitNodeOps * static_cast<double>(snpp) * sp, init)));
  init_body.push_back(launch_step(add_launch(
      app, init_wires, {},
      {req("ghost_ranges", "rp_ghost_ranges", at_i, RW, {"rect"}),
       no_access("all_nodes", "rp_private", at_i), no_access("all_nodes", "rp_shared", at_i),
       no_access("all_nodes", "rp_all_nodes", shared_color),
       req("all_wires", "rp_wires", at_i, RW, all_wire)},
      kInitWireOps * static_cast<double>(c.wpp) * sp, init)));
  app.launches[init].body = std::move(init_body);

  program.push_back(launch_step(add_launch(
      app, init_pointers, domain,
      {no_access("all_nodes", "rp_private", at_i), no_access("all_nodes", "rp_shared", at_i),
       no_access("all_nodes", "rp_ghost", at_i),
       req("all_wires", "rp_wires", at_i, RW, wire_pointers())},
      kInitPointerOps * static_cast<double>(c.wpp) * sp)));

  // The main loop (lines 749-756): l + 2*prune iterations of three index launches.
  std::vector<std::string> wire_ro = wire_pointers();
  for (const char* f : {"inductance", "resistance", "wire_cap"})
    wire_ro.emplace_back(f);
  std::vector<std::string> wire_rw = currents();
  for (const std::string& f : voltages())
    wire_rw.push_back(f);
  std::vector<std::string> charge_wire = wire_pointers();
  charge_wire.insert(charge_wire.end(), {"current._0", "current._9"});

  // Both tasks follow every wire's in_ptr and out_ptr into the node pieces: gathers of
  // node_voltage, atomic adds into charge. The nodes they reach: the superpiece's private nodes,
  // its shared nodes, its ghost range (an interior superpiece's).
  const PointerShares shares = pointer_shares(c);
  const double sp_wires = static_cast<double>(c.wpp) * sp;
  const double private_nodes = static_cast<double>(pnpp) * sp;
  const double shared_nodes = static_cast<double>(snpp) * sp;
  const std::int64_t ghost_sp = S >= 3 ? 1 : 0;
  const auto [glo, ghi] = ghost[static_cast<std::size_t>(ghost_sp)];
  const double ghost_nodes = static_cast<double>(std::max<std::int64_t>(0, ghi - glo));
  auto through = [&](std::vector<Requirement> reqs, app::Pattern pattern) {
    const std::string via = "all_wires.in_ptr,out_ptr";
    reqs[0].access = through_pointers(pattern, shares.priv, sp_wires, private_nodes, via);
    reqs[1].access = through_pointers(pattern, shares.shared, sp_wires, shared_nodes, via);
    reqs[2].access = through_pointers(pattern, shares.ghost, sp_wires, ghost_nodes, via);
    for (int k = 0; k < 3; ++k)
      if (reqs[k].access.accesses <= 0) reqs[k].access = Access{};
    return reqs;
  };
  Step loop;
  loop.kind = Step::Kind::Loop;
  loop.var = "j";
  loop.count = c.loops + 2 * c.prune;
  // The program times l iterations between timestamps taken inside the first and last of them
  // (calculate_new_currents(j == prune), update_voltages(j == num_loops - prune - 1)).
  loop.timed = true;
  loop.warmup = c.prune;
  loop.tail = c.prune;
  loop.body.push_back(launch_step(add_launch(
      app, currents_task, domain,
      through({node_reqs("rp_private", RO, {"node_voltage"}),
               node_reqs("rp_shared", RO, {"node_voltage"}),
               node_reqs("rp_ghost", RO, {"node_voltage"}),
               req("all_wires", "rp_wires", at_i, RO, wire_ro),
               req("all_wires", "rp_wires", at_i, RW, wire_rw),
               req("all_times", "rp_times", at_i, RW, all_times)},
              app::Pattern::Gather),
      kCurrentFlopsPerWireStep * static_cast<double>(c.steps) * static_cast<double>(c.wpp) * sp)));
  loop.body.push_back(launch_step(add_launch(
      app, charge_task, domain,
      through({node_reqs("rp_private", RW, {"charge"}), node_reqs("rp_shared", RED, {"charge"}),
               node_reqs("rp_ghost", RED, {"charge"}),
               req("all_wires", "rp_wires", at_i, RO, charge_wire)},
              app::Pattern::Atomic),
      kChargeFlopsPerWire * static_cast<double>(c.wpp) * sp)));
  loop.body.push_back(
      launch_step(add_launch(app, voltages_task, domain,
                             {node_reqs("rp_private", RO, {"node_cap", "leakage"}),
                              node_reqs("rp_private", RW, {"node_voltage", "charge"}),
                              node_reqs("rp_shared", RO, {"node_cap", "leakage"}),
                              node_reqs("rp_shared", RW, {"node_voltage", "charge"}),
                              req("all_times", "rp_times", at_i, RW, all_times)},
                             kVoltageFlopsPerNode * static_cast<double>(c.npp) * sp)));
  program.push_back(std::move(loop));

  program.push_back(
      launch_step(add_launch(app, get_elapsed, {}, {req("all_times", "", {}, RO, all_times)}, 0)));
  // `for i = 0, num_superpieces do print_summary(i, ...) end`: index-launched (the DSL mapper
  // logs show SLICE_TASK for it).
  program.push_back(launch_step(add_launch(app, print_summary, domain, {}, 0)));
  return app;
}

}  // namespace mapsmith::app::gen
