#include "app/gen_matmul_common.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "util/error.h"

namespace mapsmith::app::gen::matmul {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

Span tile(Span parent, std::int64_t block, std::int64_t t) {
  Span s{parent.lo + t * block, std::min(parent.lo + (t + 1) * block, parent.hi)};
  if (parent.empty() || s.lo >= parent.hi) return Span{s.lo, s.lo};
  return s;
}

// ---- Builder. ----

Builder::Builder(std::string name) {
  app_.name = std::move(name);
}

void Builder::add_matrices(std::int64_t n) {
  for (const char* name : {"A", "B", "C"}) {
    Region r;
    r.name = name;
    r.extents = {n, n};
    r.fields = {Field{"vals", 8}};
    app_.regions.push_back(std::move(r));
  }
}

void Builder::add_partition(std::string name, std::string region, bool disjoint,
                            std::vector<std::int64_t> colors,
                            const std::function<Rect(const std::vector<std::int64_t>&)>& piece) {
  auto rid = app_.find_region(region);
  MAPSMITH_ASSERT(rid.has_value());
  Partition p;
  p.name = std::move(name);
  p.region = *rid;
  p.disjoint = disjoint;
  p.colors = std::move(colors);
  std::vector<Rect> rects;
  std::int64_t count = p.piece_count();
  std::vector<std::int64_t> color(p.colors.size(), 0);
  for (std::int64_t k = 0; k < count; ++k) {
    std::int64_t rest = k;
    for (std::size_t d = 0; d < color.size(); ++d) {
      color[d] = rest % p.colors[d];
      rest /= p.colors[d];
    }
    Rect r = piece(color);
    if (r.rows.empty() || r.cols.empty()) {
      std::string where;
      for (std::int64_t c : color)
        where += fmt::format("{}{}", where.empty() ? "" : ", ", c);
      std::string params;
      for (const auto& [k2, v] : app_.params)
        params += fmt::format("{}{}={}", params.empty() ? "" : " ", k2, v);
      throw InputError(fmt::format(
          "app {}: the matrices are too small for the grid ({}): piece ({}) of {} would be empty; "
          "use a larger n or a smaller grid",
          app_.name, params, where, p.name));
    }
    rects.push_back(r);
  }
  app_.partitions.push_back(std::move(p));
  rects_.push_back(std::move(rects));
}

TaskId Builder::add_task(std::string name, std::vector<Variant> variants,
                         std::vector<RegionArg> args) {
  Task t;
  t.name = std::move(name);
  t.variants = std::move(variants);
  t.args = std::move(args);
  app_.tasks.push_back(std::move(t));
  return static_cast<TaskId>(app_.tasks.size() - 1);
}

std::size_t Builder::add_launch(Launch launch) {
  app_.launches.push_back(std::move(launch));
  return app_.launches.size() - 1;
}

void Builder::set_params(std::vector<std::pair<std::string, std::int64_t>> params) {
  app_.params = std::move(params);
}

App Builder::finish() {
  for (std::uint32_t r = 0; r < app_.regions.size(); ++r) {
    Region& region = app_.regions[r];
    std::vector<std::int64_t> rows{0, region.extents[0]};
    std::vector<std::int64_t> cols{0, region.extents[1]};
    for (std::size_t p = 0; p < app_.partitions.size(); ++p) {
      if (app_.partitions[p].region != r) continue;
      for (const Rect& rect : rects_[p]) {
        rows.insert(rows.end(), {rect.rows.lo, rect.rows.hi});
        cols.insert(cols.end(), {rect.cols.lo, rect.cols.hi});
      }
    }
    for (auto* cuts : {&rows, &cols}) {
      std::sort(cuts->begin(), cuts->end());
      cuts->erase(std::unique(cuts->begin(), cuts->end()), cuts->end());
    }
    // Atom (a, b) is row band a by column band b, numbered with the row band fastest.
    const std::size_t bands = rows.size() - 1;
    region.atoms.clear();
    for (std::size_t b = 0; b + 1 < cols.size(); ++b)
      for (std::size_t a = 0; a < bands; ++a)
        region.atoms.push_back((rows[a + 1] - rows[a]) * (cols[b + 1] - cols[b]));
    auto index = [](const std::vector<std::int64_t>& cuts, std::int64_t v) {
      return static_cast<std::size_t>(std::lower_bound(cuts.begin(), cuts.end(), v) - cuts.begin());
    };
    for (std::size_t p = 0; p < app_.partitions.size(); ++p) {
      if (app_.partitions[p].region != r) continue;
      auto& pieces = app_.partitions[p].pieces;
      pieces.clear();
      for (const Rect& rect : rects_[p]) {
        std::vector<std::uint32_t> atoms;
        for (std::size_t b = index(cols, rect.cols.lo); b < index(cols, rect.cols.hi); ++b)
          for (std::size_t a = index(rows, rect.rows.lo); a < index(rows, rect.rows.hi); ++a)
            atoms.push_back(static_cast<std::uint32_t>(a + bands * b));
        pieces.push_back(std::move(atoms));
      }
    }
  }
  return std::move(app_);
}

// ---- Constructors. ----

RegionArg arg(std::string partition, std::string root, Privilege p) {
  RegionArg a;
  a.partition = std::move(partition);
  a.root = std::move(root);
  a.privilege = p;
  return a;
}

Term var(std::string name, std::int64_t coef) {
  return Term{std::move(name), coef};
}

ProjectionDim proj(std::vector<Term> terms, std::int64_t offset) {
  return ProjectionDim{std::move(terms), offset};
}

Requirement req(std::string region, std::string partition, std::vector<ProjectionDim> projection,
                Privilege p) {
  Requirement r;
  r.region = std::move(region);
  r.partition = std::move(partition);
  r.projection = std::move(projection);
  r.privilege = p;
  r.fields = {"vals"};
  return r;
}

Launch index_launch(TaskId task, std::vector<std::int64_t> domain,
                    std::vector<std::string> point_vars, std::vector<Requirement> reqs,
                    double flops) {
  Launch l;
  l.task = task;
  l.index = true;
  l.domain = std::move(domain);
  l.point_vars = std::move(point_vars);
  l.reqs = std::move(reqs);
  l.flops = flops;
  return l;
}

Launch single_launch(TaskId task, std::size_t parent, std::vector<Requirement> reqs, double flops) {
  Launch l;
  l.task = task;
  l.parent = parent;
  l.reqs = std::move(reqs);
  l.flops = flops;
  return l;
}

Step launch_step(std::size_t launch) {
  Step s;
  s.kind = Step::Kind::Launch;
  s.launch = launch;
  return s;
}

Step loop(std::string var, std::int64_t count, std::vector<Step> body) {
  Step s;
  s.kind = Step::Kind::Loop;
  s.var = std::move(var);
  s.count = count;
  s.body = std::move(body);
  return s;
}

void gemm_access(std::vector<Requirement>& reqs, std::int64_t rows, std::int64_t cols) {
  reqs[1].access.passes = static_cast<double>(std::max<std::int64_t>(1, ceil_div(cols, kGemmTile)));
  reqs[2].access.passes = static_cast<double>(std::max<std::int64_t>(1, ceil_div(rows, kGemmTile)));
}

Variant gemm_variant() {
  Variant v(ProcKind::GPU);
  v.efficiency = kGemmEfficiency;
  v.needs_c_order = true;
  return v;
}

namespace {

Variant inner(ProcKind k) {
  Variant v(k);
  v.inner = true;
  return v;
}

}  // namespace

CommonTasks add_common_tasks(Builder& b, const std::string& place_a) {
  CommonTasks t;
  t.top = b.add_task("top_level", {ProcKind::CPU, ProcKind::OMP}, {});
  b.app().top = t.top;
  t.init_cublas = b.add_task("init_cublas", {ProcKind::GPU}, {});
  t.fill = b.add_task("taco_fill", {ProcKind::CPU, ProcKind::OMP, ProcKind::GPU},
                      {arg(place_a, "A", Privilege::Write)});
  t.validate = b.add_task("taco_validate", {ProcKind::CPU, ProcKind::OMP, ProcKind::GPU},
                          {arg(place_a, "A", Privilege::Read)});
  return t;
}

std::size_t add_init_cublas(Builder& b, TaskId init_cublas, const machine::Machine& m) {
  Launch l = index_launch(init_cublas, {std::max<std::int64_t>(1, total_gpus(m))}, {"gpu"}, {});
  l.wait = true;  // main.cpp waits for the handles before anything else
  return b.add_launch(std::move(l));
}

// ---- Parameters. ----

std::int64_t total_gpus(const machine::Machine& m) {
  return static_cast<std::int64_t>(m.address_spaces()) * m.count(ProcKind::GPU, 0);
}

std::int64_t default_size(const machine::Machine& m) {
  auto n = static_cast<std::int64_t>(10000 * std::sqrt(static_cast<double>(m.nodes())));
  return n - n % 2;
}

std::int64_t param_or(const Params& p, std::string_view app, std::string_view name,
                      std::int64_t fallback, std::int64_t max) {
  std::int64_t v = param(p, name, 0);
  if (v == 0) return fallback;
  if (v > max)
    throw InputError(fmt::format("app {}: {}={} is too large (at most {})", app, name, v, max));
  return v;
}

std::int64_t iterations(const Params& p, std::string_view app) {
  std::int64_t v = param(p, "iterations", 10);
  if (v < 1 || v > 1000)
    throw InputError(fmt::format("app {}: iterations={} must be between 1 and 1000", app, v));
  return v;
}

ParamInfo size_param() {
  return ParamInfo{"n", 0,
                   "matrix size: A, B and C are n x n doubles (-n); default 10000 x sqrt(nodes) "
                   "rounded down to even"};
}

ParamInfo iterations_param(std::string_view real_loop) {
  return ParamInfo{"iterations", 10,
                   fmt::format("timed iterations (the real program: {})", real_loop)};
}

namespace {

/// The largest v with v * v * den <= num.
std::int64_t isqrt_floor(std::int64_t num, std::int64_t den) {
  std::int64_t v = 0;
  while ((v + 1) * (v + 1) * den <= num)
    ++v;
  return v;
}

/// The entry of `table` with the largest key <= key, or `below` when there is none.
template <typename V>
V lookup(const std::map<std::int64_t, V>& table, std::int64_t key, V below) {
  auto it = table.upper_bound(key);
  if (it == table.begin()) return below;
  return std::prev(it)->second;
}

using Triple = std::tuple<std::int64_t, std::int64_t, std::int64_t>;

}  // namespace

std::int64_t getgx(std::int64_t procs) {
  std::int64_t ns = isqrt_floor(procs, 1);
  if (ns * ns == procs) return std::max<std::int64_t>(ns, 1);
  return std::max<std::int64_t>(isqrt_floor(procs, 2), 1);
}

std::int64_t johnson_gdim(std::int64_t gpus) {
  static const std::map<std::int64_t, std::int64_t> table = {{4, 2},  {8, 2},   {16, 4}, {32, 4},
                                                             {64, 4}, {128, 6}, {256, 7}};
  return lookup<std::int64_t>(table, gpus, 1);
}

std::tuple<std::int64_t, std::int64_t, std::int64_t> solomonik_grid(std::int64_t gpus) {
  static const std::map<std::int64_t, Triple> table = {
      {4, {2, 1, 2}},   {8, {2, 2, 2}},     {16, {4, 1, 4}},    {32, {4, 2, 4}},    {64, {8, 1, 8}},
      {128, {8, 2, 8}}, {256, {16, 1, 16}}, {512, {16, 2, 16}}, {1024, {32, 1, 32}}};
  return lookup<Triple>(table, gpus, {1, 1, 1});
}

std::tuple<std::int64_t, std::int64_t, std::int64_t> cosma_grid(std::int64_t gpus) {
  static const std::map<std::int64_t, Triple> table = {
      {2, {2, 1, 1}},  {4, {1, 2, 2}},   {8, {2, 2, 2}},   {16, {2, 2, 4}}, {32, {2, 4, 4}},
      {64, {4, 4, 4}}, {128, {4, 4, 8}}, {256, {4, 8, 8}}, {512, {8, 8, 8}}};
  return lookup<Triple>(table, gpus, {1, 1, 1});
}

// ---- Shapes. ----

namespace {

constexpr std::int64_t kMaxGrid = 1024;
constexpr std::int64_t kMaxSize = 2147483647;  // the programs hold n in an int32_t
constexpr std::int64_t kMaxGemms = 1 << 20;    // per iteration, to keep models fast

void check_gemm_count(std::string_view app, std::int64_t gemms) {
  if (gemms > kMaxGemms)
    throw InputError(fmt::format(
        "app {}: this grid makes {} GEMM tasks per iteration; the models allow at most {}", app,
        gemms, kMaxGemms));
}

}  // namespace

std::vector<ParamInfo> hierarchical_2d_params(std::string_view grid_rule) {
  return {size_param(),
          ParamInfo{
              "gx", 0,
              fmt::format("node grid rows (-gx): task_7 runs over gx x gy; default {}", grid_rule)},
          ParamInfo{"gy", 0, "node grid columns (-gy); default: see gx"},
          iterations_param("10, all timed, each after fills and placement")};
}

App hierarchical_2d(std::string name, Shift shift, const Params& params,
                    const machine::Machine& machine) {
  const std::int64_t procs = machine.address_spaces();
  std::int64_t dgx = 0;
  std::int64_t dgy = 0;
  if (shift == Shift::Cannon) {
    // "We swap the gx and gy here so that x gets a larger extent" (CannonGPUBench).
    dgy = getgx(procs);
    dgx = procs / dgy;
  } else {
    dgx = getgx(procs);
    dgy = procs / dgx;
  }
  const std::int64_t n = param_or(params, name, "n", default_size(machine), kMaxSize);
  const std::int64_t gx = param_or(params, name, "gx", dgx, kMaxGrid);
  const std::int64_t gy = param_or(params, name, "gy", dgy, kMaxGrid);
  const std::int64_t iters = iterations(params, name);
  check_gemm_count(name, 8 * gx * gx * gy);

  Builder b(name);
  b.set_params({{"n", n}, {"gx", gx}, {"gy", gy}, {"iterations", iters}});
  b.add_matrices(n);
  const Span full{0, n};
  const std::int64_t tx = ceil_div(n, gx);  // node tile rows, and the k block
  const std::int64_t ty = ceil_div(n, gy);  // node tile columns
  const std::int64_t hx = ceil_div(tx, 2);  // GPU half of a node tile (rows, k)
  const std::int64_t hy = ceil_div(ty, 2);  // GPU half of a node tile (columns)
  const std::int64_t px = ceil_div(n, 2 * gx);
  const std::int64_t py = ceil_div(n, 2 * gy);
  auto row_tile = [&](std::int64_t in) { return tile(full, tx, in); };
  auto col_tile = [&](std::int64_t jn) { return tile(full, ty, jn); };
  auto kblock = [&](std::int64_t s) { return tile(full, tx, s); };
  auto row_half = [&](std::int64_t r) { return tile(row_tile(r / 2), hx, r % 2); };
  auto col_half = [&](std::int64_t c) { return tile(col_tile(c / 2), hy, c % 2); };

  // partitionForplaceLegion{A,B,C}: the (2gx) x (2gy) tiles that fills and placement use.
  for (const char* m : {"A", "B", "C"}) {
    b.add_partition(fmt::format("{}_place", m), m, true, {2 * gx, 2 * gy}, [&](const auto& c) {
      return Rect{tile(full, px, c[0]), tile(full, py, c[1])};
    });
  }
  // partitionForcomputeLegion: A disjoint tiles, B row panels and C column panels (aliased).
  b.add_partition("A_tile", "A", true, {gx, gy}, [&](const auto& c) {
    return Rect{row_tile(c[0]), col_tile(c[1])};
  });
  b.add_partition("B_rows", "B", false, {gx, gy}, [&](const auto& c) {
    return Rect{row_tile(c[0]), full};
  });
  b.add_partition("C_cols", "C", false, {gx, gy}, [&](const auto& c) {
    return Rect{full, col_tile(c[1])};
  });
  // task_7's per-step k blocks (colour: node row or column, k block).
  b.add_partition("B_block", "B", true, {gx, gx}, [&](const auto& c) {
    return Rect{row_tile(c[0]), kblock(c[1])};
  });
  b.add_partition("C_block", "C", true, {gx, gy}, [&](const auto& c) {
    return Rect{kblock(c[0]), col_tile(c[1])};
  });
  // task_6's 2 x 2 split of its node tile.
  b.add_partition("A_quarter", "A", true, {2 * gx, 2 * gy}, [&](const auto& c) {
    return Rect{row_half(c[0]), col_half(c[1])};
  });
  b.add_partition("B_half_block", "B", true, {2 * gx, gx}, [&](const auto& c) {
    return Rect{row_half(c[0]), kblock(c[1])};
  });
  b.add_partition("C_block_half", "C", true, {gx, 2 * gy}, [&](const auto& c) {
    return Rect{kblock(c[0]), col_half(c[1])};
  });
  // task_5's per-step halves of the k block.
  b.add_partition("B_sub", "B", true, {2 * gx, gx, 2}, [&](const auto& c) {
    return Rect{row_half(c[0]), tile(kblock(c[1]), hx, c[2])};
  });
  b.add_partition("C_sub", "C", true, {gx, 2, 2 * gy}, [&](const auto& c) {
    return Rect{tile(kblock(c[0]), hx, c[1]), col_half(c[2])};
  });

  CommonTasks common = add_common_tasks(b, "A_place");
  using P = Privilege;
  TaskId t1 = b.add_task("task_1", {ProcKind::GPU}, {arg("A_place", "A", P::Read)});
  TaskId t2 = b.add_task("task_2", {ProcKind::GPU}, {arg("B_place", "B", P::Read)});
  TaskId t3 = b.add_task("task_3", {ProcKind::GPU}, {arg("C_place", "C", P::Read)});
  TaskId t4 = b.add_task("task_4", {gemm_variant()},
                         {arg("A_quarter", "A", P::ReadWrite), arg("B_sub", "B", P::Read),
                          arg("C_sub", "C", P::Read)});
  TaskId t5 = b.add_task("task_5", {inner(ProcKind::GPU)},
                         {arg("A_quarter", "A", P::ReadWrite), arg("B_half_block", "B", P::Read),
                          arg("C_block_half", "C", P::Read)});
  TaskId t6 = b.add_task("task_6", {inner(ProcKind::OMP)},
                         {arg("A_tile", "A", P::ReadWrite), arg("B_block", "B", P::Read),
                          arg("C_block", "C", P::Read)});
  TaskId t7 = b.add_task(
      "task_7", {inner(ProcKind::OMP)},
      {arg("A_tile", "A", P::ReadWrite), arg("B_rows", "B", P::Read), arg("C_cols", "C", P::Read)});

  // The k block a node works on at step `ko` and the half of it a GPU works on at step `kio`.
  std::string ko = shift == Shift::Summa ? "ko" : "kos";
  std::string kio = shift == Shift::Cannon ? "kios" : "kio";
  ProjectionDim s = shift == Shift::Cannon  ? proj({var("in"), var("jn"), var(ko)})
                    : shift == Shift::Pumma ? proj({var("in"), var(ko)})
                                            : proj({var(ko)});
  ProjectionDim sigma =
      shift == Shift::Cannon ? proj({var("iln"), var("jln"), var(kio)}) : proj({var(kio)});
  ProjectionDim in = proj({var("in")});
  ProjectionDim jn = proj({var("jn")});
  ProjectionDim il = proj({var("in", 2), var("iln")});
  ProjectionDim jl = proj({var("jn", 2), var("jln")});

  std::size_t init = add_init_cublas(b, common.init_cublas, machine);
  std::vector<Step> iteration;
  const std::vector<std::int64_t> place_domain{2 * gx, 2 * gy};
  const std::vector<std::string> place_vars{"in", "jn"};
  for (const char* m : {"A", "B", "C"}) {
    // taco_fill fills A, then B, then C: each launch answers to its own tensor's names.
    Launch fill = index_launch(common.fill, place_domain, place_vars,
                               {req(m, fmt::format("{}_place", m), {in, jn}, P::Write)});
    fill.args = {arg(fmt::format("{}_place", m), m, P::Write)};
    iteration.push_back(launch_step(b.add_launch(std::move(fill))));
  }
  TaskId placers[] = {t1, t2, t3};
  const char* names[] = {"A", "B", "C"};
  for (int k = 0; k < 3; ++k) {
    // placeLegionA/B/C end with fm.wait_all_results(): the top-level task waits for each.
    Launch place =
        index_launch(placers[k], place_domain, place_vars,
                     {req(names[k], fmt::format("{}_place", names[k]), {in, jn}, P::Read)});
    place.wait = true;
    iteration.push_back(launch_step(b.add_launch(std::move(place))));
  }
  // computeLegion launches task_7 and waits for it; main.cpp times that call alone.
  Launch seven =
      index_launch(t7, {gx, gy}, {"in", "jn"},
                   {req("A", "A_tile", {in, jn}, P::ReadWrite),
                    req("B", "B_rows", {in, jn}, P::Read), req("C", "C_cols", {in, jn}, P::Read)});
  seven.wait = true;
  std::size_t l7 = b.add_launch(std::move(seven));
  std::size_t l6 = b.add_launch(single_launch(
      t6, l7,
      {req("A", "A_tile", {in, jn}, P::ReadWrite), req("B", "B_block", {in, s}, P::Read),
       req("C", "C_block", {s, jn}, P::Read)}));
  Launch five = index_launch(
      t5, {2, 2}, {"iln", "jln"},
      {req("A", "A_quarter", {il, jl}, P::ReadWrite), req("B", "B_half_block", {il, s}, P::Read),
       req("C", "C_block_half", {s, jl}, P::Read)});
  five.parent = l6;
  five.same_address_space = true;  // task_5 is tagged SAME_ADDRESS_SPACE
  std::size_t l5 = b.add_launch(std::move(five));
  // cublasDgemm(m = C tile columns, n = B tile rows, k = C tile rows): 2·m·n·k flops.
  const double gemm_flops =
      2.0 * static_cast<double>(hy) * static_cast<double>(hx) * static_cast<double>(hx);
  std::vector<Requirement> gemm_reqs = {req("A", "A_quarter", {il, jl}, P::ReadWrite),
                                        req("B", "B_sub", {il, s, sigma}, P::Read),
                                        req("C", "C_sub", {s, sigma, jl}, P::Read)};
  gemm_access(gemm_reqs, hx, hy);
  std::size_t l4 = b.add_launch(single_launch(t4, l5, std::move(gemm_reqs), gemm_flops));
  App& app = b.app();
  app.launches[l5].body = {loop(kio, 2, {launch_step(l4)})};
  app.launches[l6].body = {launch_step(l5)};
  app.launches[l7].body = {loop(ko, gx, {launch_step(l6)})};
  iteration.push_back(launch_step(l7));
  std::size_t validate = b.add_launch(index_launch(common.validate, place_domain, place_vars,
                                                   {req("A", "A_place", {in, jn}, P::Read)}));
  // main.cpp: for i in 0..9: fills, placement (waited), then benchmark(computeLegion): all 10
  // iterations timed, each from the end of its placement to the end of task_7.
  Step timed = loop("i", iters, std::move(iteration));
  timed.timed = true;
  timed.timed_from = 6;
  app.program = {launch_step(init), std::move(timed), launch_step(validate)};
  return b.finish();
}

App flat_3d(std::string name, std::int64_t n, std::int64_t gx, std::int64_t gy, std::int64_t gz,
            std::int64_t iters, std::vector<std::pair<std::string, std::int64_t>> params,
            const machine::Machine& machine) {
  if (n > kMaxSize)
    throw InputError(fmt::format("app {}: n={} is too large (at most {})", name, n, kMaxSize));
  check_gemm_count(name, gx * gy * gz);
  Builder b(name);
  b.set_params(std::move(params));
  b.add_matrices(n);
  const Span full{0, n};
  const std::int64_t tx = ceil_div(n, gx);
  const std::int64_t ty = ceil_div(n, gy);
  const std::int64_t tz = ceil_div(n, gz);
  auto ti = [&](std::int64_t i) { return tile(full, tx, i); };
  auto tj = [&](std::int64_t j) { return tile(full, ty, j); };
  auto tk = [&](std::int64_t k) { return tile(full, tz, k); };
  // Placement grids: A on the (i, j) face, B on (i, k), C on (j, k) with C's rows along k.
  b.add_partition("A_place", "A", true, {gx, gy, 1}, [&](const auto& c) {
    return Rect{ti(c[0]), tj(c[1])};
  });
  b.add_partition("B_place", "B", true, {gx, 1, gz}, [&](const auto& c) {
    return Rect{ti(c[0]), tk(c[2])};
  });
  b.add_partition("C_place", "C", true, {1, gy, gz}, [&](const auto& c) {
    return Rect{tk(c[2]), tj(c[1])};
  });
  // partitionForcomputeLegion: coloured by the whole gx x gy x gz launch, hence aliased.
  b.add_partition("A_compute", "A", false, {gx, gy, gz}, [&](const auto& c) {
    return Rect{ti(c[0]), tj(c[1])};
  });
  b.add_partition("B_compute", "B", false, {gx, gy, gz}, [&](const auto& c) {
    return Rect{ti(c[0]), tk(c[2])};
  });
  b.add_partition("C_compute", "C", false, {gx, gy, gz}, [&](const auto& c) {
    return Rect{tk(c[2]), tj(c[1])};
  });

  CommonTasks common = add_common_tasks(b, "A_place");
  using P = Privilege;
  // task_1 is launched WRITE_ONLY (placement) and READ_ONLY (the fold of A): the fold launch
  // carries its own args.
  TaskId t1 = b.add_task("task_1", {ProcKind::GPU}, {arg("A_place", "A", P::Write)});
  TaskId t2 = b.add_task("task_2", {ProcKind::GPU}, {arg("B_place", "B", P::Write)});
  TaskId t3 = b.add_task("task_3", {ProcKind::GPU}, {arg("C_place", "C", P::Write)});
  TaskId t4 = b.add_task("task_4", {gemm_variant()},
                         {arg("A_compute", "A", P::Reduce), arg("B_compute", "B", P::Read),
                          arg("C_compute", "C", P::Read)});

  const std::vector<std::string> vars{"in", "jn", "kn"};
  std::vector<ProjectionDim> ijk{proj({var("in")}), proj({var("jn")}), proj({var("kn")})};
  std::size_t init = add_init_cublas(b, common.init_cublas, machine);
  // The placements wait (PLACEMENT_SHARD launches, fm.wait_all_results()).
  auto placed = [](Launch l) {
    l.wait = true;
    return l;
  };
  std::size_t place_a = b.add_launch(
      placed(index_launch(t1, {gx, gy, 1}, vars, {req("A", "A_place", ijk, P::Write)})));
  std::size_t place_b = b.add_launch(
      placed(index_launch(t2, {gx, 1, gz}, vars, {req("B", "B_place", ijk, P::Write)})));
  std::size_t place_c = b.add_launch(
      placed(index_launch(t3, {1, gy, gz}, vars, {req("C", "C_place", ijk, P::Write)})));
  // cublasDgemm(m = C tile columns, n = B tile rows, k = C tile rows).
  const double gemm_flops =
      2.0 * static_cast<double>(ty) * static_cast<double>(tx) * static_cast<double>(tz);
  std::vector<Requirement> gemm_reqs = {req("A", "A_compute", ijk, P::Reduce),
                                        req("B", "B_compute", ijk, P::Read),
                                        req("C", "C_compute", ijk, P::Read)};
  gemm_access(gemm_reqs, tx, ty);
  std::size_t gemm =
      b.add_launch(index_launch(t4, {gx, gy, gz}, vars, std::move(gemm_reqs), gemm_flops));
  Launch fold_launch = index_launch(t1, {gx, gy, 1}, vars, {req("A", "A_place", ijk, P::Read)});
  fold_launch.args = {arg("A_place", "A", P::Read)};
  fold_launch.wait = true;  // placeLegionA(..., READ_ONLY) waits: the end of the timed region
  std::size_t fold = b.add_launch(std::move(fold_launch));
  // main.cpp: 11 iterations, the first a warm-up; each times computeLegion and the fold, after
  // the placement (waited).
  Step timed = loop("i", iters + 1,
                    {launch_step(place_a), launch_step(place_b), launch_step(place_c),
                     launch_step(gemm), launch_step(fold)});
  timed.timed = true;
  timed.warmup = 1;
  timed.timed_from = 3;
  b.app().program = {launch_step(init), std::move(timed)};
  return b.finish();
}

}  // namespace mapsmith::app::gen::matmul
