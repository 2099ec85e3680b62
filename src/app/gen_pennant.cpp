// The pennant model: the Regent port of PENNANT, language/examples/pennant.rg with
// pennant_common.rg (StanfordLegion/legion@d8e35c48d089014b0f764181b7b90278a7558b21), the program
// the published DSL mappers and the perfbench scripts (app/pennant/src0/run.py) run, with one
// Legion task per physics kernel (not pennant_fast.rg, which fuses them). Task, region and
// partition names, requirement order, field sizes and privileges are the real program's; see
// docs/apps.md (pennant) for what the model keeps and leaves out.
//
// Structure: a rectangular mesh of nzx x nzy zones (4 sides per zone, (nzx+1)(nzy+1) points) cut
// into numpcx x numpcy pieces, piece = pcy*numpcx + pcx. Points on the lines between pieces are
// ghost points: each piece owns (rp_all_shared_p) its right and bottom boundary segments and the
// corner between them, and sees (rp_all_ghost_p, aliased) the eight segments around it, its
// neighbours' included (pennant_common.rg 1119-1336). Every cycle runs 27 index launches over the
// pieces and 2 single tasks (pennant.rg simulate, lines 1094-1315).
#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/generator_impls.h"
#include "util/error.h"

namespace mapsmith::app::gen {

namespace {

// ---- Efficiency: the fraction of the processor's FP64 peak the arithmetic reaches (estimates).
// The kernels are short double-precision loops with divisions and square roots and gathers
// through pointer fields; they are memory-bound (roughly 1 flop per 5-10 bytes, the counts
// below), so bytes decide their time. GPU: divides and square roots take many FP64 issue slots
// (0.2); CPU: mostly scalar code, a few loops __demand(__vectorize) (0.1); CPU-only helper tasks:
// about one scalar operation per cycle (1/16 of an AVX2 core's 16 flop/cycle).
constexpr double kGpu = 0.2;
constexpr double kCpu = 0.1;
constexpr double kScalarCpu = 1.0 / 16;

// ---- Field spaces (pennant_common.rg 187-314): zone 185 B, point 122 B, side 258 B. Regent
// flattens a vec2 into .x and .y (8 B each); a pointer into one region is `__ptr` (8 B), into
// several regions `__ptr` plus a 1-byte `__index` (language/src/regent/std.t 2046-2064).

const std::array<const char*, 3> kZoneVec2 = {"zxp", "zx", "zuc"};
const std::array<const char*, 7> kPointVec2 = {"px0", "pxp", "px", "pu0", "pu", "pap", "pf"};
const std::array<const char*, 8> kSideVec2 = {"ssurfp", "sfp", "sft",  "sfq",
                                              "exp",    "ex",  "cqe1", "cqe2"};

/// The flattened Legion fields of source-level fields.
std::vector<std::string> flat(std::initializer_list<const char*> names) {
  auto in = [](const char* n, const auto& set) {
    for (const char* s : set)
      if (std::string_view(s) == n) return true;
    return false;
  };
  std::vector<std::string> out;
  for (const char* n : names) {
    if (in(n, kZoneVec2) || in(n, kPointVec2) || in(n, kSideVec2)) {
      out.push_back(fmt::format("{}.x", n));
      out.push_back(fmt::format("{}.y", n));
    } else if (std::string_view(n) == "mapsp1" || std::string_view(n) == "mapsp2") {
      out.push_back(fmt::format("{}.__ptr", n));
      out.push_back(fmt::format("{}.__index", n));
    } else if (std::string_view(n).substr(0, 4) == "maps") {
      out.push_back(fmt::format("{}.__ptr", n));
    } else {
      out.emplace_back(n);
    }
  }
  return out;
}

std::vector<Field> zone_fields() {
  std::vector<Field> out;
  for (const std::string& f :
       flat({"zxp", "zx", "zareap", "zarea", "zvol0",  "zvolp", "zvol", "zdl", "zm",  "zrp",
             "zr",  "ze", "zetot",  "zw",    "zwrate", "zp",    "zss",  "zdu", "zuc", "z0tmp"}))
    out.push_back({f, 8});
  out.push_back({"znump", 1});
  return out;
}

std::vector<Field> point_fields() {
  std::vector<Field> out;
  for (const std::string& f : flat({"px0", "pxp", "px", "pu0", "pu", "pap", "pf", "pmaswt"}))
    out.push_back({f, 8});
  out.push_back({"has_bcx", 1});
  out.push_back({"has_bcy", 1});
  return out;
}

std::vector<Field> side_fields() {
  std::vector<Field> out = {{"mapsz.__ptr", 8},  {"mapsp1.__ptr", 8},   {"mapsp1.__index", 1},
                            {"mapsp2.__ptr", 8}, {"mapsp2.__index", 1}, {"mapss3.__ptr", 8},
                            {"mapss4.__ptr", 8}};
  for (const std::string& f :
       flat({"sareap", "sarea", "svolp", "svol", "ssurfp", "smf", "sfp", "sft", "sfq", "exp", "ex",
             "elen", "carea", "cevol", "cdu", "cdiv", "ccos", "cqe1", "cqe2"}))
    out.push_back({f, 8});
  return out;
}

// ---- Region arguments. Most tasks take the standard set rz <- rz_all_p[i], rpp <-
// rp_all_private_p[i], rpg <- rp_all_ghost_p[i], rs <- rs_all_p[i]; the point tasks take one
// point region, launched once on rp_all_private_p[i] and once on rp_all_shared_p[i].
enum class Part { Zones, Private, Ghost, Shared, Sides, Points };

struct PartName {
  const char* region;
  const char* partition;
};
PartName part_name(Part p) {
  switch (p) {
    case Part::Zones:
      return {"rz_all", "rz_all_p"};
    case Part::Private:
      return {"rp_all", "rp_all_private_p"};
    case Part::Ghost:
      return {"rp_all", "rp_all_ghost_p"};
    case Part::Shared:
      return {"rp_all", "rp_all_shared_p"};
    case Part::Sides:
      return {"rs_all", "rs_all_p"};
    case Part::Points:
      return {"rp_all", "rp_all_private_p"};
  }
  MAPSMITH_UNREACHABLE();
}

/// One requirement as Regent compiles it: a region parameter and one privilege group. `none`: a
/// parameter without privileges (NO_ACCESS in Legion, no fields). The model has no no-access
/// privilege: it is a read of nothing (touched = 0), which keeps the real requirement indices.
struct ReqSpec {
  Part part;
  Privilege privilege;
  std::vector<std::string> fields;
  bool none = false;
  /// Point accesses through mapsp1/mapsp2 per side (a side loop reaching its points), and how:
  /// gathers, or atomic adds (`components` per access: pf.x and pf.y are two).
  double refs = 0;
  Pattern pattern = Pattern::Stream;
  double components = 1;
};

constexpr Privilege RO = Privilege::Read, RW = Privilege::ReadWrite, RED = Privilege::Reduce;
ReqSpec ro(Part p, std::initializer_list<const char*> f) {
  return {p, RO, flat(f)};
}
ReqSpec rw(Part p, std::initializer_list<const char*> f) {
  return {p, RW, flat(f)};
}
ReqSpec none(Part p) {
  return {p, RO, {}, true};
}
/// A point argument a side loop gathers from through mapsp1/mapsp2, `refs` times per side.
ReqSpec gather(Part p, std::initializer_list<const char*> f, double refs) {
  ReqSpec r{p, RO, flat(f)};
  r.refs = refs;
  r.pattern = Pattern::Gather;
  return r;
}
/// A point argument a side loop adds into through mapsp1, once per side: `x +=` in a CUDA kernel
/// is an atomic add (Regent's cudahelper), into the private points (read-write) or the ghost
/// points' reduction instance.
ReqSpec atomic(Part p, Privilege privilege, std::initializer_list<const char*> f,
               double components) {
  ReqSpec r{p, privilege, flat(f)};
  r.refs = 1;
  r.pattern = Pattern::Atomic;
  r.components = components;
  return r;
}

Variant variant(ProcKind kind, double efficiency, bool inner = false) {
  Variant v(kind);
  v.efficiency = efficiency;
  v.inner = inner;
  return v;
}

Step launch_step(std::size_t launch) {
  Step s;
  s.launch = launch;
  return s;
}

/// Sizes of the mesh and of each piece's parts.
struct Mesh {
  std::int64_t nzx, nzy, numpcx, numpcy;
  std::int64_t pieces() const { return numpcx * numpcy; }
  std::int64_t zones() const { return nzx * nzy; }
  std::int64_t points() const { return (nzx + 1) * (nzy + 1); }
  // block_zx / block_zy (pennant_common.rg 1067-1079).
  std::int64_t stride_zx(std::int64_t pcx) const {
    return nzx * (pcx + 1) / numpcx - nzx * pcx / numpcx;
  }
  std::int64_t stride_zy(std::int64_t pcy) const {
    return nzy * (pcy + 1) / numpcy - nzy * pcy / numpcy;
  }
  // block_p (1089-1117): the points strictly inside the piece's boundary lines.
  std::int64_t private_points(std::int64_t pcx, std::int64_t pcy) const {
    std::int64_t px = stride_zx(pcx) + (pcx == numpcx - 1) - (pcx != 0);
    std::int64_t py = stride_zy(pcy) + (pcy == numpcy - 1) - (pcy != 0);
    return px * py;
  }
  // ghost_right_p / ghost_bottom_p / ghost_bottom_right_p (1137-1203): the segments a piece owns.
  std::int64_t right(std::int64_t pcx, std::int64_t pcy) const {
    if (pcx >= numpcx - 1) return 0;
    return stride_zy(pcy) - 1 + (pcy == 0) + (pcy == numpcy - 1);
  }
  std::int64_t bottom(std::int64_t pcx, std::int64_t pcy) const {
    if (pcy >= numpcy - 1) return 0;
    return stride_zx(pcx) - 1 + (pcx == 0) + (pcx == numpcx - 1);
  }
  std::int64_t corner(std::int64_t pcx, std::int64_t pcy) const {
    return pcx < numpcx - 1 && pcy < numpcy - 1 ? 1 : 0;
  }
};

struct Config {
  Mesh mesh;
  std::int64_t cstop, prune;
};

Config read_config(const Params& params, const machine::Machine& machine) {
  const auto nodes = static_cast<std::int64_t>(machine.nodes());
  Config c{};
  c.mesh.nzx = param(params, "nzx", 2160);
  c.mesh.nzy = param(params, "nzy", 2160 * nodes);
  const std::int64_t npieces = param(params, "npieces", 4 * nodes);
  c.mesh.numpcx = param(params, "numpcx", 1);
  if (npieces < 1 || c.mesh.numpcx < 1)
    throw InputError("app pennant: npieces and numpcx must be at least 1");
  c.mesh.numpcy = param(params, "numpcy", npieces / c.mesh.numpcx);
  c.cstop = param(params, "cstop", 30);
  c.prune = param(params, "prune", 30);
  const Mesh& m = c.mesh;
  if (m.numpcy < 1 || m.numpcx * m.numpcy != npieces) {
    throw InputError(fmt::format("app pennant: numpcx * numpcy must equal npieces ({} * {} != {})",
                                 m.numpcx, m.numpcy, npieces));
  }
  if (m.nzx < m.numpcx || m.nzy < m.numpcy) {
    throw InputError(fmt::format(
        "app pennant: every piece needs a zone: nzx ({}) must be at least numpcx ({}) and nzy "
        "({}) at least numpcy ({})",
        m.nzx, m.numpcx, m.nzy, m.numpcy));
  }
  if (npieces > (std::int64_t{1} << 16) || m.nzx > (std::int64_t{1} << 20) ||
      m.nzy > (std::int64_t{1} << 20)) {
    throw InputError("app pennant: npieces is limited to 2^16 and nzx, nzy to 2^20");
  }
  if (c.cstop < 1) throw InputError("app pennant: cstop must be at least 1");
  return c;
}

class Builder {
 public:
  explicit Builder(App& app) : app_(app) {}

  TaskId task(std::string name, std::vector<Variant> variants, std::vector<ReqSpec> reqs) {
    std::vector<RegionArg> args;
    for (const ReqSpec& r : reqs) {
      PartName n = part_name(r.part);
      args.push_back(RegionArg{"", n.partition, n.region, r.privilege});
    }
    app_.tasks.push_back(Task{std::move(name), std::move(variants), std::move(args)});
    specs_.push_back(std::move(reqs));
    return static_cast<TaskId>(app_.tasks.size() - 1);
  }

  /// An index launch over the pieces; a task's `Points` argument takes `points` (Private or
  /// Shared).
  std::size_t index(TaskId task, double flops, Part points = Part::Private) {
    Launch l;
    l.task = task;
    l.index = true;
    l.domain = {pieces_};
    l.point_vars = {"i"};
    for (const ReqSpec& s : specs_[task]) {
      PartName n = part_name(s.part == Part::Points ? points : s.part);
      Requirement r;
      r.region = n.region;
      r.partition = n.partition;
      r.projection = {ProjectionDim{{{"i", 1}}, 0}};
      r.privilege = s.privilege;
      r.fields = s.fields;
      if (s.none) r.touched = 0;
      if (s.refs > 0) r.access = point_access(s);
      l.reqs.push_back(std::move(r));
    }
    l.flops = flops;
    app_.launches.push_back(std::move(l));
    return app_.launches.size() - 1;
  }

  std::size_t single(TaskId task) {
    MAPSMITH_ASSERT(specs_[task].empty());
    Launch l;
    l.task = task;
    app_.launches.push_back(std::move(l));
    return app_.launches.size() - 1;
  }

  void set_pieces(std::int64_t n) { pieces_ = n; }
  /// Sides per piece, the share of a side loop's point references that land on ghost points,
  /// and the zones of a row of a piece (consecutive sides walk a row, 4 per zone).
  void set_mesh(double sides, double ghost_share) {
    sides_ = sides;
    ghost_share_ = ghost_share;
  }

 private:
  /// The declared access of a point argument of a side loop (docs/apps.md, pennant): a warp's 32
  /// lanes take 32 consecutive sides, the 4 sides of 8 neighbouring zones, whose points are 9
  /// consecutive points of each of the two rows around them: 18 points in the private part; on
  /// a piece boundary the lanes whose point is on the boundary line (half of them) reach 9
  /// consecutive ghost points.
  Access point_access(const ReqSpec& s) const {
    Access a;
    a.pattern = s.pattern;
    const bool ghost = s.part == Part::Ghost;
    const double share = ghost ? ghost_share_ : 1 - ghost_share_;
    a.accesses = s.refs * s.components * sides_ * share;
    a.lanes = ghost ? 0.5 : 1;
    a.spread = ghost ? 9 : 18;
    a.via = "rs_all.mapsp1,mapsp2";
    return a;
  }

  App& app_;
  std::vector<std::vector<ReqSpec>> specs_;
  std::int64_t pieces_ = 1;
  double sides_ = 0, ghost_share_ = 0;
};

/// The share of a side loop's point references (p1 and p2 of every side: each zone's four corner
/// points twice) that land on the piece's boundary lines with a neighbour (its ghost points), for
/// an interior piece: a line of L zones has L + 1 points and 2L zone-corner incidences; a corner
/// where two such lines meet is counted once.
double ghost_share(const Mesh& m) {
  const std::int64_t pcx = std::min<std::int64_t>(1, m.numpcx - 1);
  const std::int64_t pcy = std::min<std::int64_t>(1, m.numpcy - 1);
  const double zx = static_cast<double>(m.stride_zx(pcx));
  const double zy = static_cast<double>(m.stride_zy(pcy));
  const bool top = pcy > 0, bottom = pcy<m.numpcy - 1, left = pcx> 0, right = pcx < m.numpcx - 1;
  double incidences = 2 * zx * (top + bottom) + 2 * zy * (left + right);
  incidences -= (top && left) + (top && right) + (bottom && left) + (bottom && right);
  return incidences / (4 * zx * zy);
}

}  // namespace

GeneratorInfo pennant_info() {
  return GeneratorInfo{
      "pennant",
      "Regent PENNANT (pennant.rg): Lagrangian hydrodynamics on a rectangular mesh of zones, "
      "sides and points; 27 index launches over pieces and 2 single tasks per cycle",
      {
          {"nzx", 2160, "zones along x (sedovbig4x30: 2160)"},
          {"nzy", 0, "zones along y; default 2160 per node of the machine (weak scaling)"},
          {"npieces", 0, "pieces (-npieces); default 4 per node, one per GPU"},
          {"numpcx", 1, "pieces along x (-numpcx); perfbench uses 1 (horizontal strips)"},
          {"numpcy", 0, "pieces along y (-numpcy); default npieces / numpcx"},
          {"cstop", 30, "timed cycles (cstop of the input deck; sedovbig4x30: 30)"},
          {"prune", 30,
           "untimed cycles before and after the timed ones (-prune; the published run scripts "
           "pass 30)"},
      },
      "StanfordLegion/legion language/examples/pennant.rg and pennant_common.rg "
      "(d8e35c48d089014b0f764181b7b90278a7558b21)"};
}

App pennant(const Params& params, const machine::Machine& machine) {
  const Config c = read_config(params, machine);
  const Mesh& m = c.mesh;
  const std::int64_t np = m.pieces();

  App app;
  app.name = "pennant";
  app.params = {{"nzx", m.nzx},       {"nzy", m.nzy},     {"npieces", np},   {"numpcx", m.numpcx},
                {"numpcy", m.numpcy}, {"cstop", c.cstop}, {"prune", c.prune}};

  // ---- Data (toplevel, pennant.rg 1466-1503; colorings pennant_common.rg 1212-1336).

  Region rz{"rz_all", {m.zones()}, zone_fields(), {}};
  Region rp{"rp_all", {m.points()}, point_fields(), {}};
  Region rs{"rs_all", {4 * m.zones()}, side_fields(), {}};
  Partition rz_p{"rz_all_p", 0, true, {np}, {}};
  Partition rs_p{"rs_all_p", 2, true, {np}, {}};
  Partition rp_p{"rp_all_p", 1, true, {2}, {{}, {}}};
  Partition rpp_p{"rp_all_private_p", 1, true, {np}, {}};
  Partition rpg_p{"rp_all_ghost_p", 1, false, {np}, {}};
  Partition rps_p{"rp_all_shared_p", 1, true, {np}, {}};
  // Ghost atoms first (the real numbering puts ghost points first), then private atoms.
  std::map<std::pair<int, std::int64_t>, std::uint32_t> segment;  // (kind, piece) -> atom
  auto add_atom = [&](std::int64_t size) {
    rp.atoms.push_back(size);
    return static_cast<std::uint32_t>(rp.atoms.size() - 1);
  };
  std::int64_t ghost_points = 0, private_points = 0;
  for (std::int64_t pcy = 0; pcy < m.numpcy; ++pcy) {
    for (std::int64_t pcx = 0; pcx < m.numpcx; ++pcx) {
      const std::int64_t piece = pcy * m.numpcx + pcx;
      const std::array<std::int64_t, 3> sizes = {m.right(pcx, pcy), m.bottom(pcx, pcy),
                                                 m.corner(pcx, pcy)};
      for (int k = 0; k < 3; ++k) {
        if (sizes[k] == 0) continue;
        std::uint32_t a = add_atom(sizes[k]);
        segment[{k, piece}] = a;
        rp_p.pieces[1].push_back(a);
        ghost_points += sizes[k];
      }
    }
  }
  for (std::int64_t pcy = 0; pcy < m.numpcy; ++pcy) {
    for (std::int64_t pcx = 0; pcx < m.numpcx; ++pcx) {
      const std::int64_t piece = pcy * m.numpcx + pcx;
      const std::int64_t zones = m.stride_zx(pcx) * m.stride_zy(pcy);
      rz.atoms.push_back(zones);
      rs.atoms.push_back(4 * zones);
      rz_p.pieces.push_back({static_cast<std::uint32_t>(piece)});
      rs_p.pieces.push_back({static_cast<std::uint32_t>(piece)});
      std::uint32_t a = add_atom(m.private_points(pcx, pcy));
      private_points += m.private_points(pcx, pcy);
      rp_p.pieces[0].push_back(a);
      rpp_p.pieces.push_back({a});
      // The segment of kind k (0 right, 1 bottom, 2 corner) owned by piece (x, y), if any.
      auto seg = [&](int k, std::int64_t x, std::int64_t y, std::vector<std::uint32_t>& out) {
        if (x < 0 || y < 0) return;
        auto it = segment.find({k, y * m.numpcx + x});
        if (it != segment.end()) out.push_back(it->second);
      };
      std::vector<std::uint32_t> shared, ghost;
      for (int k = 0; k < 3; ++k)
        seg(k, pcx, pcy, shared);
      // read_partitions: top-left, top, top-right, left, right, bottom-left, bottom, bottom-right.
      seg(2, pcx - 1, pcy - 1, ghost);
      seg(1, pcx, pcy - 1, ghost);
      seg(2, pcx, pcy - 1, ghost);
      seg(0, pcx - 1, pcy, ghost);
      seg(0, pcx, pcy, ghost);
      seg(2, pcx - 1, pcy, ghost);
      seg(1, pcx, pcy, ghost);
      seg(2, pcx, pcy, ghost);
      rps_p.pieces.push_back(std::move(shared));
      rpg_p.pieces.push_back(std::move(ghost));
    }
  }
  MAPSMITH_ASSERT(ghost_points + private_points == m.points());
  app.regions = {std::move(rz), std::move(rp), std::move(rs)};
  app.partitions = {rz_p, rp_p, rpp_p, rpg_p, rps_p, rs_p};

  // ---- Tasks (pennant.rg 46-1030, pennant_common.rg 1573), requirements in Regent's order: one
  // per (region parameter, privilege group), read-only before read-write before reductions; a
  // parameter without privileges still takes its place.

  Builder b(app);
  b.set_pieces(np);
  b.set_mesh(4 * static_cast<double>(m.zones()) / static_cast<double>(np), ghost_share(m));
  const std::vector<Variant> cuda = {variant(ProcKind::GPU, kGpu), variant(ProcKind::CPU, kCpu)};
  const std::vector<Variant> cpu = {variant(ProcKind::CPU, kScalarCpu)};
  using P = Part;

  app.top = b.task("toplevel", {variant(ProcKind::CPU, kScalarCpu, true)}, {});
  const TaskId output0 = b.task("output0", cpu, {});
  const TaskId output1 = b.task("output1", cpu, {});
  const TaskId dummy = b.task("dummy", cpu, {});
  const TaskId initialize_topology =
      b.task("initialize_topology", cpu,
             {rw(P::Zones, {"znump"}), rw(P::Private, {"px", "has_bcx", "has_bcy"}),
              rw(P::Shared, {"px", "has_bcx", "has_bcy"}), none(P::Ghost),
              rw(P::Sides, {"mapsz", "mapsp1", "mapsp2", "mapss3", "mapss4"})});
  const TaskId init_pointers = b.task(
      "init_pointers", cpu,
      {none(P::Zones), none(P::Private), none(P::Ghost), rw(P::Sides, {"mapsp1", "mapsp2"})});
  const TaskId init_mesh_zones =
      b.task("init_mesh_zones", cuda, {rw(P::Zones, {"zx", "zarea", "zvol"})});
  const TaskId calc_centers_full =
      b.task("calc_centers_full", cuda,
             {ro(P::Zones, {"znump"}), rw(P::Zones, {"zx"}), gather(P::Private, {"px"}, 2),
              gather(P::Ghost, {"px"}, 2), ro(P::Sides, {"mapsz", "mapsp1", "mapsp2"}),
              rw(P::Sides, {"ex"})});
  const TaskId calc_volumes_full =
      b.task("calc_volumes_full", cuda,
             {ro(P::Zones, {"zx", "znump"}), rw(P::Zones, {"zarea", "zvol"}),
              gather(P::Private, {"px"}, 2), gather(P::Ghost, {"px"}, 2),
              ro(P::Sides, {"mapsz", "mapsp1", "mapsp2"}), rw(P::Sides, {"sarea"})});
  const TaskId verify = b.task("verify_calc_volumes_full", cpu, {});
  const TaskId init_side_fracs = b.task("init_side_fracs", cuda,
                                        {ro(P::Zones, {"zarea"}), none(P::Private), none(P::Ghost),
                                         ro(P::Sides, {"mapsz", "sarea"}), rw(P::Sides, {"smf"})});
  const TaskId init_hydro =
      b.task("init_hydro", cuda,
             {ro(P::Zones, {"zx", "zvol"}), rw(P::Zones, {"zr", "ze", "zwrate", "zm", "zetot"})});
  const TaskId init_radial_velocity =
      b.task("init_radial_velocity", cuda, {ro(P::Points, {"px"}), rw(P::Points, {"pu"})});

  const TaskId init_step_points =
      b.task("init_step_points", cuda, {rw(P::Points, {"pmaswt", "pf"})});
  const TaskId init_step_zones =
      b.task("init_step_zones", cuda, {ro(P::Zones, {"zvol"}), rw(P::Zones, {"zvol0"})});
  const TaskId calc_global_dt = b.task("calc_global_dt", cpu, {});
  const TaskId continue_simulation = b.task("continue_simulation", cpu, {});
  const TaskId adv_pos_half = b.task(
      "adv_pos_half", cuda, {ro(P::Points, {"px", "pu"}), rw(P::Points, {"px0", "pxp", "pu0"})});
  const TaskId calc_centers =
      b.task("calc_centers", cuda,
             {ro(P::Zones, {"znump"}), rw(P::Zones, {"zxp"}), gather(P::Private, {"pxp"}, 2),
              gather(P::Ghost, {"pxp"}, 2), ro(P::Sides, {"mapsz", "mapsp1", "mapsp2"}),
              rw(P::Sides, {"exp"})});
  const TaskId calc_volumes =
      b.task("calc_volumes", cuda,
             {ro(P::Zones, {"zxp", "znump"}), rw(P::Zones, {"zareap", "zvolp"}),
              gather(P::Private, {"pxp"}, 2), gather(P::Ghost, {"pxp"}, 2),
              ro(P::Sides, {"mapsz", "mapsp1", "mapsp2"}), rw(P::Sides, {"sareap", "elen"})});
  const TaskId calc_char_len =
      b.task("calc_char_len", cuda,
             {ro(P::Zones, {"znump"}), rw(P::Zones, {"zdl"}), none(P::Private), none(P::Ghost),
              ro(P::Sides, {"mapsz", "sareap", "elen"})});
  const TaskId calc_rho_half =
      b.task("calc_rho_half", cuda, {ro(P::Zones, {"zvolp", "zm"}), rw(P::Zones, {"zrp"})});
  const TaskId sum_point_mass = b.task(
      "sum_point_mass", cuda,
      {ro(P::Zones, {"zareap", "zrp"}), atomic(P::Private, RW, {"pmaswt"}, 1),
       atomic(P::Ghost, RED, {"pmaswt"}, 1), ro(P::Sides, {"mapsz", "mapsp1", "mapss3", "smf"})});
  const TaskId calc_state_at_half = b.task(
      "calc_state_at_half", cuda,
      {ro(P::Zones, {"zvol0", "zvolp", "zm", "zr", "ze", "zwrate"}), rw(P::Zones, {"zp", "zss"})});
  const TaskId calc_force_pgas_tts =
      b.task("calc_force_pgas_tts", cuda,
             {ro(P::Zones, {"zxp", "zareap", "zrp", "zss", "zp"}), none(P::Private), none(P::Ghost),
              ro(P::Sides, {"mapsz", "sareap", "smf", "exp"}), rw(P::Sides, {"sfp", "sft"})});
  const TaskId qcs_zone_center_velocity =
      b.task("qcs_zone_center_velocity", cuda,
             {ro(P::Zones, {"znump"}), rw(P::Zones, {"zuc"}), gather(P::Private, {"pu"}, 1),
              gather(P::Ghost, {"pu"}, 1), ro(P::Sides, {"mapsz", "mapsp1"})});
  const TaskId qcs_corner_divergence =
      b.task("qcs_corner_divergence", cuda,
             {ro(P::Zones, {"zxp", "zuc"}), gather(P::Private, {"pxp", "pu"}, 3),
              gather(P::Ghost, {"pxp", "pu"}, 3),
              ro(P::Sides, {"mapsz", "mapsp1", "mapsp2", "mapss3", "exp", "elen"}),
              rw(P::Sides, {"carea", "ccos", "cdiv", "cevol", "cdu"})});
  const TaskId qcs_qcn_force = b.task(
      "qcs_qcn_force", cuda,
      {ro(P::Zones, {"zrp", "zss"}), gather(P::Private, {"pu"}, 3), gather(P::Ghost, {"pu"}, 3),
       ro(P::Sides, {"mapsz", "mapsp1", "mapsp2", "mapss3", "elen", "cdiv", "cdu", "cevol"}),
       rw(P::Sides, {"cqe1", "cqe2"})});
  const TaskId qcs_force = b.task(
      "qcs_force", cuda,
      {none(P::Zones), none(P::Private), none(P::Ghost),
       ro(P::Sides, {"mapss4", "elen", "carea", "ccos", "cqe1", "cqe2"}), rw(P::Sides, {"sfq"})});
  const TaskId qcs_vel_diff = b.task(
      "qcs_vel_diff", cuda,
      {ro(P::Zones, {"zss"}), rw(P::Zones, {"zdu", "z0tmp"}), gather(P::Private, {"pxp", "pu"}, 2),
       gather(P::Ghost, {"pxp", "pu"}, 2), ro(P::Sides, {"mapsp1", "mapsp2", "mapsz", "elen"})});
  const TaskId sum_point_force = b.task(
      "sum_point_force", cuda,
      {ro(P::Zones, {"znump"}), atomic(P::Private, RW, {"pf"}, 2), atomic(P::Ghost, RED, {"pf"}, 2),
       ro(P::Sides, {"mapsz", "mapsp1", "mapss3", "sfq", "sft"})});
  const TaskId apply_boundary_conditions =
      b.task("apply_boundary_conditions", cuda,
             {ro(P::Points, {"has_bcx", "has_bcy"}), rw(P::Points, {"pu0", "pf"})});
  const TaskId adv_pos_full =
      b.task("adv_pos_full", cuda,
             {ro(P::Points, {"px0", "pu0", "pf", "pmaswt"}), rw(P::Points, {"px", "pu"})});
  const TaskId calc_work = b.task(
      "calc_work", cuda,
      {ro(P::Zones, {"znump"}), rw(P::Zones, {"zetot", "zw"}),
       gather(P::Private, {"pxp", "pu0", "pu"}, 2), gather(P::Ghost, {"pxp", "pu0", "pu"}, 2),
       ro(P::Sides, {"mapsz", "mapsp1", "mapsp2", "sfp", "sfq"})});
  const TaskId calc_work_rate = b.task("calc_work_rate_energy_rho_full", cuda,
                                       {ro(P::Zones, {"zvol0", "zvol", "zm", "zw", "zp", "zetot"}),
                                        rw(P::Zones, {"zwrate", "ze", "zr"})});
  const TaskId calc_dt_hydro =
      b.task("calc_dt_hydro", cuda, {ro(P::Zones, {"zdl", "zvol0", "zvol", "zss", "zdu"})});

  // ---- Work per piece. Per-element counts are rough estimates counted from the kernels (flops,
  // a division or square root counting one): Z per zone, S per side, P per point.
  const double Z = static_cast<double>(m.zones()) / static_cast<double>(np);
  const double S = 4 * Z;
  const double PP = static_cast<double>(private_points) / static_cast<double>(np);
  const double PS = static_cast<double>(ghost_points) / static_cast<double>(np);

  // ---- Launches in program order: toplevel (pennant.rg 1448-1547), initialize (1325-1397) and
  // simulate (1034-1322). The plain `for i = 0, npieces` loops of initialize are index-launched
  // (the DSL mapper logs of the benchmark show SLICE_TASK for them).
  std::vector<Step>& program = app.program;
  auto add = [&](std::size_t launch) { program.push_back(launch_step(launch)); };
  add(b.single(output1));  // "Running test"
  add(b.index(dummy, 0));
  add(b.index(initialize_topology, 10 * S));  // builds the maps: ~10 operations per side
  add(b.single(output1));                     // "Initializing"
  add(b.index(init_pointers, 10 * S));        // two checked dynamic casts per side
  add(b.index(init_mesh_zones, 10 * Z));
  add(b.index(calc_centers_full, 9 * S));
  add(b.index(calc_volumes_full, 20 * S));
  add(b.single(verify));
  add(b.index(init_side_fracs, 2 * S));
  add(b.index(init_hydro, 10 * Z));
  add(b.index(init_radial_velocity, 10 * PP, P::Private));
  add(b.index(init_radial_velocity, 10 * PS, P::Shared));
  add(b.single(output1));  // "Starting simulation"
  add(b.single(continue_simulation));

  // simulate (pennant.rg 1094-1315): cstop + 2*prune cycles; the program times the middle cstop
  // between blocking execution fences (at cycle == prune and cycle == cstop - prune).
  Step loop;
  loop.kind = Step::Kind::Loop;
  loop.var = "cycle";
  loop.count = c.cstop + 2 * c.prune;
  loop.timed = true;
  loop.warmup = c.prune;
  loop.tail = c.prune;
  auto body = [&](std::size_t launch) { loop.body.push_back(launch_step(launch)); };
  body(b.index(init_step_points, 0, P::Private));
  body(b.index(init_step_points, 0, P::Shared));
  body(b.index(init_step_zones, 0));
  // dt = calc_global_dt(dt, dtfac, dtinit, dtmax, dthydro, time, tstop, cycle) takes the future
  // of the previous cycle's calc_dt_hydro (a min-reduction), and the loop's condition reads
  // continue_simulation's future: the top-level task waits for it every cycle, so it runs at
  // most about one cycle ahead of the GPUs.
  const std::size_t global_dt = b.single(calc_global_dt);
  const std::size_t cont = b.single(continue_simulation);
  body(global_dt);
  body(cont);
  body(b.index(adv_pos_half, 4 * PP, P::Private));
  body(b.index(adv_pos_half, 4 * PS, P::Shared));
  body(b.index(calc_centers, 9 * S));
  body(b.index(calc_volumes, 22 * S));
  body(b.index(calc_char_len, 3 * S));
  body(b.index(calc_rho_half, 1 * Z));
  body(b.index(sum_point_mass, 5 * S));
  body(b.index(calc_state_at_half, 25 * Z));
  body(b.index(calc_force_pgas_tts, 20 * S));
  body(b.index(qcs_zone_center_velocity, 5 * S));
  body(b.index(qcs_corner_divergence, 110 * S));
  body(b.index(qcs_qcn_force, 25 * S));
  body(b.index(qcs_force, 25 * S));
  body(b.index(qcs_vel_diff, 12 * S + 3 * Z));
  body(b.index(sum_point_force, 6 * S));
  body(b.index(apply_boundary_conditions, 2 * PP, P::Private));
  body(b.index(apply_boundary_conditions, 2 * PS, P::Shared));
  body(b.index(adv_pos_full, 13 * PP, P::Private));
  body(b.index(adv_pos_full, 13 * PS, P::Shared));
  body(b.index(calc_centers_full, 9 * S));
  body(b.index(calc_volumes_full, 20 * S));
  body(b.index(calc_work, 20 * S));
  body(b.index(calc_work_rate, 8 * Z));
  const std::size_t dt_hydro = b.index(calc_dt_hydro, 10 * Z);  // `dthydro min= ...`
  body(dt_hydro);
  app.launches[global_dt].futures = {dt_hydro};
  app.launches[cont].futures = {global_dt};
  app.launches[cont].wait = true;
  program.push_back(std::move(loop));

  add(b.single(output1));  // INIT TIME
  add(b.single(output1));  // ELAPSED TIME
  add(b.single(output1));  // "Elapsed time = ... (total)"
  add(b.single(output0));  // "Warning: Skipping sequential validation"
  return app;
}

}  // namespace mapsmith::app::gen
