// The stencil model: the Regent PRK star stencil, language/examples/stencil_fast.rg with
// stencil_common.rg (StanfordLegion/legion@d8e35c48d089014b0f764181b7b90278a7558b21), the program
// the published DSL mappers and the perfbench scripts (app/stencil/src2/run.py) run. Task, region
// and partition structure, requirement order, field sizes and privileges are the real program's;
// see docs/apps.md (stencil) for what the model keeps and leaves out.
//
// Structure (stencil_fast.rg main, lines 519-636): a 2-D grid `points` of n + nt*2r points per
// dimension (n = nx - 2r, r = RADIUS = 2) is cut into ntx*nty tiles, tile i = iy*ntx + ix. Each
// tile's `private` block includes a radius-2 ring; its inner part is `interior`. Four halo
// regions xm, xp, ym, yp hold, per tile, a slab of r columns (rows) that `increment` of that tile
// writes (p*_out) and `stencil` of the neighbouring tile reads (p*_in).
//
// Names: every partition but p_times is made inside a __demand(__inline) helper as
// `var p = partition(...)`. Regent attaches a partition's name only where a `var` is initialised
// by a partitioning expression (codegen.t, stat_var, lines 9922-9954), and inlining keeps the
// helper's variable name (inline_tasks.t: new symbols take `symbol:hasname()`), so at run time
// all of them are called "p". The model's partitions carry the Regent variable names of main
// (they must be unique), while the region arguments answer, as in the real program, to "p" and
// to their root region (points, xm, xp, ym, yp, times).
#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/generator_impls.h"
#include "util/error.h"

namespace mapsmith::app::gen {

namespace {

// stencil_fast.rg 35: RADIUS.
constexpr std::int64_t kRadius = 2;
/// The name the runtime gives the partition the model calls `model_name` (see above): "p" for
/// every partition made by an inlined helper.
const char* runtime_partition_name(const char* model_name) {
  return std::string_view(model_name) == "p_times" ? "p_times" : "p";
}

// ---- Work per point (flops; the simulator charges bytes separately), counted from the source.
// With GPUs present stencil_fast.rg uses its Regent kernels (USE_FOREIGN is 0 when
// check_gpu_available(), line 32), for both variants.
//  - stencil: output += the 8 weighted neighbours at distance 1 and 2 along x and y
//    (make_stencil_pattern): 8 multiplies + 8 adds = 16 per interior point; copying the four
//    halo slabs into `private` is data movement only.
//  - increment: input += 1 on every exterior point and every slab point, 1 each.
//  - check: 2 comparisons per interior point.
constexpr double kStencilFlops = 16;
constexpr double kIncrementFlops = 1;
constexpr double kCheckOps = 2;

// ---- Efficiency: the fraction of the processor's FP64 peak the arithmetic reaches (estimates).
//  - stencil/increment on a GPU: independent multiply-adds that the Regent CUDA code does not
//    fuse into FMAs (at most half of the FMA peak) and integer index arithmetic beside them: 0.3.
//    The kernels are memory-bound (16 flops per ~24 bytes), so bytes decide their time anyway.
//  - on a CPU: Regent's loop over a 2-D index space is scalar code: ~2 of 16 flop/cycle, 0.12.
//  - CPU-only check and timing tasks: about one scalar operation per cycle, 1/16.
constexpr double kGpu = 0.3;
constexpr double kCpu = 0.12;
constexpr double kScalarCpu = 1.0 / 16;

// ---- Small builders.

std::vector<ProjectionDim> by_point() {
  return {ProjectionDim{{{"i", 1}}, 0}};
}

Requirement req(std::string region, std::string partition, Privilege privilege,
                std::vector<std::string> fields) {
  Requirement r;
  r.region = std::move(region);
  r.partition = std::move(partition);
  if (!r.partition.empty()) r.projection = by_point();
  r.privilege = privilege;
  r.fields = std::move(fields);
  return r;
}

/// A Regent region parameter without privileges (interior, exterior): Legion still gets a
/// requirement (NO_ACCESS, no fields), which keeps the real requirement indices. The model has no
/// no-access privilege: it is a read of nothing (touched = 0).
Requirement no_access(std::string region, std::string partition) {
  Requirement r = req(std::move(region), std::move(partition), Privilege::Read, {});
  r.touched = 0;
  return r;
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

std::size_t add_launch(App& app, TaskId task, std::vector<std::int64_t> domain,
                       std::vector<Requirement> reqs, double flops) {
  Launch l;
  l.task = task;
  l.index = !domain.empty();
  if (l.index) l.point_vars = {"i"};
  l.domain = std::move(domain);
  l.reqs = std::move(reqs);
  l.flops = flops;
  MAPSMITH_ASSERT(l.reqs.size() == app.tasks[task].args.size());
  app.launches.push_back(std::move(l));
  return app.launches.size() - 1;
}

Step launch_step(std::size_t launch) {
  Step s;
  s.launch = launch;
  return s;
}

/// The two factors of `nodes` closest to each other, smaller first (perfbench
/// app/stencil/src2/run.py, factorize_nodes).
std::pair<std::int64_t, std::int64_t> factorize(std::int64_t nodes) {
  std::int64_t root = 1;
  while ((root + 1) * (root + 1) <= nodes)
    ++root;
  for (std::int64_t i = root; i > 0; --i)
    if (nodes % i == 0) return {i, nodes / i};
  return {1, nodes};
}

struct Config {
  std::int64_t nx, ny, ntx, nty, tsteps, tprune;
};

Config read_config(const Params& params, const machine::Machine& machine) {
  auto [fx, fy] = factorize(machine.nodes());
  const std::int64_t tile = param(params, "tile_size", 10000);
  if (tile < 1) throw InputError(fmt::format("app stencil: tile_size must be at least 1"));
  Config c{};
  c.nx = param(params, "nx", tile * fx);
  c.ny = param(params, "ny", tile * fy);
  c.ntx = param(params, "ntx", 2 * fx);
  c.nty = param(params, "nty", 2 * fy);
  c.tsteps = param(params, "tsteps", 10);
  c.tprune = param(params, "tprune", 30);
  for (auto [name, v] : {std::pair{"ntx", c.ntx}, {"nty", c.nty}, {"tsteps", c.tsteps}}) {
    if (v < 1) throw InputError(fmt::format("app stencil: {} must be at least 1, not {}", name, v));
  }
  if (c.ntx * c.nty > (std::int64_t{1} << 20) || c.nx > (std::int64_t{1} << 30) ||
      c.ny > (std::int64_t{1} << 30)) {
    throw InputError("app stencil: ntx*nty is limited to 2^20 and nx, ny to 2^30");
  }
  // main: `regentlib.assert(n >= nt, "grid too small")` with n = {nx, ny} - 2*RADIUS.
  if (c.nx - 2 * kRadius < c.ntx || c.ny - 2 * kRadius < c.nty) {
    throw InputError(fmt::format(
        "app stencil: the grid is too small: nx - 4 must be at least ntx and ny - 4 at least nty "
        "(nx={}, ny={}, ntx={}, nty={})",
        c.nx, c.ny, c.ntx, c.nty));
  }
  return c;
}

/// [lo, hi) of block k of `extent` cut into `count` blocks, as the colorings compute it.
std::pair<std::int64_t, std::int64_t> block(std::int64_t extent, std::int64_t count,
                                            std::int64_t k) {
  return {k * extent / count, (k + 1) * extent / count};
}

}  // namespace

GeneratorInfo stencil_info() {
  return GeneratorInfo{
      "stencil",
      "Regent PRK 2-D star stencil of radius 2 (stencil_fast.rg): per step stencil (reads four "
      "halo slabs of the neighbouring tiles) and increment over tiles; check at the end",
      {
          {"tile_size", 10000,
           "grid points per node and dimension used for the default nx, ny (perfbench run.py)"},
          {"nx", 0,
           "grid size along x including the border (-nx); default tile_size times the nodes "
           "along x (the nodes are factorised as close to a square as possible)"},
          {"ny", 0,
           "grid size along y including the border (-ny); default tile_size times the "
           "nodes along y"},
          {"ntx", 0, "tiles along x (-ntx); default 2 per node along x"},
          {"nty", 0, "tiles along y (-nty); default 2 per node along y"},
          {"tsteps", 10, "timed steps (-tsteps); the loop runs tsteps + 2*tprune steps"},
          {"tprune", 30,
           "untimed steps before and after the timed ones (-tprune; the published run scripts "
           "pass 30)"},
      },
      "StanfordLegion/legion language/examples/stencil_fast.rg "
      "(d8e35c48d089014b0f764181b7b90278a7558b21)"};
}

App stencil(const Params& params, const machine::Machine& machine) {
  const Config c = read_config(params, machine);
  const std::int64_t r = kRadius;
  const std::int64_t ntx = c.ntx, nty = c.nty, nt2 = ntx * nty;
  const std::int64_t n_x = c.nx - 2 * r, n_y = c.ny - 2 * r;            // the grid without border
  const std::int64_t g_x = n_x + ntx * 2 * r, g_y = n_y + nty * 2 * r;  // `grid`

  App app;
  app.name = "stencil";
  app.params = {{"nx", c.nx},   {"ny", c.ny},         {"ntx", c.ntx},
                {"nty", c.nty}, {"tsteps", c.tsteps}, {"tprune", c.tprune}};

  // ---- Data (main, lines 527-561).

  Region points{"points", {g_x, g_y}, {{"input", 8}, {"output", 8}}, {}};
  Partition priv{"private", 0, true, {nt2}, {}};
  Partition interior{"interior", 0, true, {nt2}, {}};
  Partition exterior{"exterior", 0, true, {nt2}, {}};
  std::int64_t interior_points = 0, exterior_points = 0;
  for (std::int64_t iy = 0; iy < nty; ++iy) {
    for (std::int64_t ix = 0; ix < ntx; ++ix) {
      // make_private_partition: the tile's block of `grid`; make_interior_partition: shrunk by r
      // on every side; make_exterior_partition: shrunk by r except on the grid's border.
      auto [x0, x1] = block(g_x, ntx, ix);
      auto [y0, y1] = block(g_y, nty, iy);
      const std::int64_t w = x1 - x0, h = y1 - y0;
      const std::int64_t in = (w - 2 * r) * (h - 2 * r);
      const std::int64_t ex = (w - (ix == 0 ? 0 : r) - (ix == ntx - 1 ? 0 : r)) *
                              (h - (iy == 0 ? 0 : r) - (iy == nty - 1 ? 0 : r));
      interior_points += in;
      exterior_points += ex;
      // Atoms of the tile: interior, exterior minus interior, the rest of the ring.
      std::vector<std::uint32_t> own;
      for (std::int64_t size : {in, ex - in, w * h - ex}) {
        if (size == 0) continue;
        own.push_back(static_cast<std::uint32_t>(points.atoms.size()));
        points.atoms.push_back(size);
      }
      priv.pieces.push_back(own);
      interior.pieces.push_back({own.front()});
      exterior.pieces.push_back(ex > in ? std::vector<std::uint32_t>{own[0], own[1]}
                                        : std::vector<std::uint32_t>{own[0]});
    }
  }
  app.regions.push_back(std::move(points));
  app.partitions = {priv, interior, exterior};

  // Halo slabs (make_ghost_x/y_partition): slab i of xm/xp is tile i's r columns over its rows
  // of n, slab i of ym/yp its r rows over its columns of n. *_out[i] is slab i; pxm_in[i] is
  // the slab of the tile to the left (none at the border), pxp_in the right, pym_in the one
  // below (iy - 1), pyp_in the one above.
  for (const char* name : {"xm", "xp", "ym", "yp"}) {
    const bool along_x = name[0] == 'x';
    const bool minus = name[1] == 'm';
    Region halo{
        name,
        along_x ? std::vector<std::int64_t>{ntx * r, n_y} : std::vector<std::int64_t>{n_x, nty * r},
        {{"input", 8}, {"output", 8}},
        {}};
    Partition out{fmt::format("p{}_out", name),
                  static_cast<std::uint32_t>(app.regions.size()),
                  true,
                  {nt2},
                  {}};
    Partition in{fmt::format("p{}_in", name), out.region, true, {nt2}, {}};
    for (std::int64_t iy = 0; iy < nty; ++iy) {
      for (std::int64_t ix = 0; ix < ntx; ++ix) {
        auto [lo, hi] = along_x ? block(n_y, nty, iy) : block(n_x, ntx, ix);
        halo.atoms.push_back(r * (hi - lo));
        const auto i = static_cast<std::uint32_t>(iy * ntx + ix);
        out.pieces.push_back({i});
        const std::int64_t k = along_x ? ix : iy;
        const std::int64_t kn = along_x ? ntx : nty;
        const std::int64_t step = along_x ? 1 : ntx;
        if (minus && k > 0)
          in.pieces.push_back({static_cast<std::uint32_t>(i - step)});
        else if (!minus && k + 1 < kn)
          in.pieces.push_back({static_cast<std::uint32_t>(i + step)});
        else
          in.pieces.push_back({});
      }
    }
    app.regions.push_back(std::move(halo));
    app.partitions.push_back(std::move(in));
    app.partitions.push_back(std::move(out));
  }
  std::int64_t all_slabs = 0;
  for (std::size_t k = 1; k <= 4; ++k)
    all_slabs += app.regions[k].volume();

  Region times{"times",
               {nt2},
               {{"init_start", 8}, {"init_stop", 8}, {"start", 8}, {"stop", 8}},
               std::vector<std::int64_t>(static_cast<std::size_t>(nt2), 1)};
  Partition p_times{"p_times", static_cast<std::uint32_t>(app.regions.size()), true, {nt2}, {}};
  for (std::int64_t i = 0; i < nt2; ++i)
    p_times.pieces.push_back({static_cast<std::uint32_t>(i)});
  app.regions.push_back(std::move(times));
  app.partitions.push_back(std::move(p_times));

  // ---- Tasks, requirements in Regent's order (one per parameter and privilege group).

  const Privilege RO = Privilege::Read, RW = Privilege::ReadWrite;
  auto named = [](const char* partition, const char* root, Privilege p) {
    return RegionArg{"", runtime_partition_name(partition), root, p};
  };
  const RegionArg times_rw = named("p_times", "times", RW);
  const RegionArg times_ro = named("p_times", "times", RO);

  app.top = add_task(app, "main", {variant(ProcKind::CPU, kScalarCpu, true)});
  const TaskId read_config_task =
      add_task(app, "read_config", {variant(ProcKind::CPU, kScalarCpu)});
  const TaskId begin_init =
      add_task(app, "begin_init", {variant(ProcKind::CPU, kScalarCpu)}, {times_rw});
  // stencil and increment carry __demand(__cuda) (lines 308, 383); nothing else does.
  const TaskId stencil_task = add_task(
      app, "stencil", {variant(ProcKind::GPU, kGpu), variant(ProcKind::CPU, kCpu)},
      {named("private", "points", RW), named("interior", "points", RO), named("pxm_in", "xm", RO),
       named("pxp_in", "xp", RO), named("pym_in", "ym", RO), named("pyp_in", "yp", RO), times_rw});
  const TaskId increment_task =
      add_task(app, "increment", {variant(ProcKind::GPU, kGpu), variant(ProcKind::CPU, kCpu)},
               {named("private", "points", RW), named("exterior", "points", RO),
                named("pxm_out", "xm", RW), named("pxp_out", "xp", RW), named("pym_out", "ym", RW),
                named("pyp_out", "yp", RW), times_rw});
  const TaskId check_task =
      add_task(app, "check", {variant(ProcKind::CPU, kScalarCpu)},
               {named("private", "points", RO), named("interior", "points", RO)});
  std::vector<TaskId> reductions;
  for (const char* name : {"get_init_start", "get_init_stop", "get_start", "get_stop"})
    reductions.push_back(add_task(app, name, {variant(ProcKind::CPU, kScalarCpu)}, {times_ro}));
  const TaskId print_time = add_task(app, "print_time", {variant(ProcKind::CPU, kScalarCpu)});

  // ---- Launches in program order. The loops `for i in tiles` are index launches (explicitly
  // for begin_init and the timing reductions; by Regent's automatic index launch otherwise, as
  // the DSL mapper logs of the benchmark show).

  const std::vector<std::int64_t> tiles = {nt2};
  const std::vector<std::string> all_times = {"init_start", "init_stop", "start", "stop"};
  const auto per_tile = [&](double ops, std::int64_t total) {
    return ops * static_cast<double>(total) / static_cast<double>(nt2);
  };
  std::vector<Step>& program = app.program;
  program.push_back(launch_step(add_launch(app, read_config_task, {}, {}, 0)));
  program.push_back(
      launch_step(add_launch(app, begin_init, tiles, {req("times", "p_times", RW, all_times)}, 0)));

  // The program times tsteps steps between timestamps taken in stencil(t == tprune) and
  // increment(t == tsteps + tprune - 1).
  Step loop;
  loop.kind = Step::Kind::Loop;
  loop.var = "t";
  loop.count = c.tsteps + 2 * c.tprune;
  loop.timed = true;
  loop.warmup = c.tprune;
  loop.tail = c.tprune;
  loop.body.push_back(launch_step(
      add_launch(app, stencil_task, tiles,
                 {req("points", "private", RW, {"input", "output"}),
                  no_access("points", "interior"), req("xm", "pxm_in", RO, {"input"}),
                  req("xp", "pxp_in", RO, {"input"}), req("ym", "pym_in", RO, {"input"}),
                  req("yp", "pyp_in", RO, {"input"}), req("times", "p_times", RW, all_times)},
                 per_tile(kStencilFlops, interior_points))));
  loop.body.push_back(launch_step(
      add_launch(app, increment_task, tiles,
                 {req("points", "private", RW, {"input"}), no_access("points", "exterior"),
                  req("xm", "pxm_out", RW, {"input"}), req("xp", "pxp_out", RW, {"input"}),
                  req("ym", "pym_out", RW, {"input"}), req("yp", "pyp_out", RW, {"input"}),
                  req("times", "p_times", RW, all_times)},
                 per_tile(kIncrementFlops, exterior_points + all_slabs))));
  program.push_back(std::move(loop));

  program.push_back(launch_step(add_launch(
      app, check_task, tiles,
      {req("points", "private", RO, {"input", "output"}), no_access("points", "interior")},
      per_tile(kCheckOps, interior_points))));
  for (std::size_t k = 0; k < reductions.size(); ++k) {
    program.push_back(launch_step(
        add_launch(app, reductions[k], tiles, {req("times", "p_times", RO, {all_times[k]})}, 0)));
  }
  // `for i = 0, nt2 do print_time(i, ...) end`: index-launched in the DSL mapper logs.
  program.push_back(launch_step(add_launch(app, print_time, tiles, {}, 0)));
  return app;
}

}  // namespace mapsmith::app::gen
