// Simulator throughput (issue #5): simulated task instances per second on one core for a program
// of over 1M task instances (target >= 1,000,000/s), the peak heap per task instance during a
// simulation (target <= 1 KiB, counted by replacing the global allocator), and how simulation
// time grows with the machine from 1 to 1024 nodes at fixed work per GPU (weak scaling: it should
// be linear in the task instances, so the time per instance stays flat).
//
// The program is built here, so the figures do not move when the app models change: a 1-D halo
// code over `pieces` blocks for `steps` iterations, each iteration
//   - `exchange`: reads its block and both neighbours' edge atoms (a ghost piece), writes field v
//     of its block, and reduces into a one-element residual;
//   - `update`:   reads v and writes u of its block;
// and every 10 iterations a single `check` reads the residual (folding every reduction
// instance). The default policy maps it onto every GPU of `sapling-N`.
//
// Run: build-sim/bench_sim --benchmark_format=json
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>
#include <string>

namespace {
std::atomic<std::size_t> g_live{0};
std::atomic<std::size_t> g_peak{0};
}  // namespace

// Each block carries its size in front, so delete can account for it. (GCC cannot see that the
// pointer freed here came from the malloc above.)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  auto* p = static_cast<std::size_t*>(std::malloc(n + sizeof(std::max_align_t)));
  if (!p) throw std::bad_alloc();
  *p = n;
  std::size_t live = g_live.fetch_add(n) + n;
  std::size_t peak = g_peak.load();
  while (live > peak && !g_peak.compare_exchange_weak(peak, live)) {
  }
  return reinterpret_cast<char*>(p) + sizeof(std::max_align_t);
}
void operator delete(void* q) noexcept {
  if (!q) return;
  auto* p = reinterpret_cast<std::size_t*>(static_cast<char*>(q) - sizeof(std::max_align_t));
  g_live.fetch_sub(*p);
  std::free(p);
}
void operator delete(void* q, std::size_t) noexcept {
  operator delete(q);
}

#include "app/app.h"
#include "app/generators.h"
#include "dsl/diagnostics.h"
#include "machine/presets.h"
#include "mapping/decide.h"
#include "sim/sim.h"
#include "util/error.h"

namespace {

using namespace mapsmith;

app::App halo_program(std::int64_t pieces, std::int64_t steps) {
  app::App a;
  a.name = "bench_halo";
  app::Task main;
  main.name = "main";
  main.variants = {ProcKind::CPU};
  a.tasks.push_back(main);
  a.top = 0;
  // Each block: left edge, interior, right edge (atoms 3i, 3i+1, 3i+2).
  app::Region grid{"grid", {pieces * 102400}, {{"u", 8}, {"v", 8}}, {}};
  app::Partition blocks{"blocks", 0, true, {pieces}, {}};
  app::Partition ghost{"ghost", 0, false, {pieces}, {}};
  for (std::int64_t i = 0; i < pieces; ++i) {
    const auto b = static_cast<std::uint32_t>(3 * i);
    grid.atoms.insert(grid.atoms.end(), {1024, 100352, 1024});
    blocks.pieces.push_back({b, b + 1, b + 2});
    std::vector<std::uint32_t> g;
    if (i > 0) g.push_back(b - 1);
    g.insert(g.end(), {b, b + 1, b + 2});
    if (i + 1 < pieces) g.push_back(b + 3);
    ghost.pieces.push_back(std::move(g));
  }
  a.regions = {grid, app::Region{"residual", {1}, {{"r", 8}}, {1}}};
  a.partitions = {blocks, ghost};
  auto variant = [](ProcKind k, double e) {
    app::Variant v(k);
    v.efficiency = e;
    return v;
  };
  a.tasks.push_back(app::Task{"exchange",
                              {variant(ProcKind::GPU, 0.3), variant(ProcKind::CPU, 0.1)},
                              {{"", "ghost", "grid", app::Privilege::Read},
                               {"", "blocks", "grid", app::Privilege::Write},
                               {"residual", "", "residual", app::Privilege::Reduce}}});
  a.tasks.push_back(app::Task{"update",
                              {variant(ProcKind::GPU, 0.3), variant(ProcKind::CPU, 0.1)},
                              {{"", "blocks", "grid", app::Privilege::Read},
                               {"", "blocks", "grid", app::Privilege::Write}}});
  a.tasks.push_back(app::Task{"check",
                              {variant(ProcKind::CPU, 0.1)},
                              {{"residual", "", "residual", app::Privilege::Read}}});
  auto req = [](std::string region, std::string part, app::Privilege p, std::string field) {
    app::Requirement r;
    r.region = std::move(region);
    r.partition = std::move(part);
    if (!r.partition.empty()) r.projection = {app::ProjectionDim{{{"i", 1}}, 0}};
    r.privilege = p;
    if (!field.empty()) r.fields = {std::move(field)};
    return r;
  };
  auto launch = [&](app::TaskId t, bool index, std::vector<app::Requirement> reqs, double flops) {
    app::Launch l;
    l.task = t;
    l.index = index;
    if (index) {
      l.domain = {pieces};
      l.point_vars = {"i"};
    }
    l.reqs = std::move(reqs);
    l.flops = flops;
    a.launches.push_back(std::move(l));
    return app::Step{app::Step::Kind::Launch, a.launches.size() - 1, {}, 0, {}};
  };
  app::Step inner{app::Step::Kind::Loop, 0, "k", 10, {}};
  inner.body.push_back(launch(1, true,
                              {req("grid", "ghost", app::Privilege::Read, "u"),
                               req("grid", "blocks", app::Privilege::Write, "v"),
                               req("residual", "", app::Privilege::Reduce, "")},
                              5 * 102400.0));
  inner.body.push_back(launch(2, true,
                              {req("grid", "blocks", app::Privilege::Read, "v"),
                               req("grid", "blocks", app::Privilege::Write, "u")},
                              2 * 102400.0));
  app::Step outer{app::Step::Kind::Loop, 0, "t", std::max<std::int64_t>(1, steps / 10), {}};
  outer.body.push_back(std::move(inner));
  outer.body.push_back(launch(3, false, {req("residual", "", app::Privilege::Read, "")}, 1));
  a.program.push_back(std::move(outer));
  return a;
}

struct Prepared {
  app::App app;
  machine::Machine machine;
  mapping::Mapping mapping;
};

Prepared prepare(const app::App& a, std::uint32_t nodes) {
  machine::Machine m = machine::make_machine(fmt::format("sapling-{}", nodes));
  dsl::Diagnostics diags;
  auto mapping = mapping::decide(a, m, nullptr, nullptr, diags);
  if (!mapping) throw InputError("decide failed");
  return {a, m, std::move(*mapping)};
}

/// One run with the allocator counters: peak heap above what was live before, per instance.
void count_memory(benchmark::State& state, const Prepared& p) {
  const std::size_t base = g_live.load();
  g_peak.store(base);
  sim::Outcome out = sim::simulate(p.app, p.machine, p.mapping);
  const double peak = static_cast<double>(g_peak.load() - base);
  state.counters["task_instances"] = static_cast<double>(out.task_instances);
  state.counters["peak_heap_bytes"] = peak;
  state.counters["heap_bytes_per_instance"] = peak / static_cast<double>(out.task_instances);
  state.counters["simulated_time_s"] = out.time_s;
}

void run(benchmark::State& state, const Prepared& p) {
  count_memory(state, p);
  std::uint64_t instances = 0;
  double seconds = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    sim::Outcome out = sim::simulate(p.app, p.machine, p.mapping);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    instances += out.task_instances;
    benchmark::DoNotOptimize(out.time_s);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(instances));
  state.counters["instances_per_s"] =
      benchmark::Counter(static_cast<double>(instances), benchmark::Counter::kIsRate);
  state.counters["ns_per_instance"] = seconds * 1e9 / static_cast<double>(instances);
}

/// 1024 pieces × 500 steps × 2 launches (+ 50 checks) = 1,024,050 task instances on 64 nodes.
void BM_Simulate1M(benchmark::State& state) {
  static const Prepared p = prepare(halo_program(1024, 500), 64);
  run(state, p);
}
BENCHMARK(BM_Simulate1M)->Unit(benchmark::kMillisecond)->UseRealTime();

/// Weak scaling: 4 pieces per GPU (16 per node), 20 steps, sapling-N for N = 1 ... 1024.
void BM_WeakScaling(benchmark::State& state) {
  const auto nodes = static_cast<std::uint32_t>(state.range(0));
  const Prepared p = prepare(halo_program(16 * nodes, 20), nodes);
  state.counters["nodes"] = nodes;
  run(state, p);
}
BENCHMARK(BM_WeakScaling)
    ->RangeMultiplier(4)
    ->Range(1, 1024)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

/// The circuit model, when its generator is available, on sapling-16 with the default policy.
void BM_Circuit(benchmark::State& state) {
  const machine::Machine m = machine::make_machine("sapling-16");
  app::App a;
  try {
    a = app::generate("circuit", {}, m);
  } catch (const InputError& e) {
    state.SkipWithError(e.what());
    return;
  }
  dsl::Diagnostics diags;
  auto mapping = mapping::decide(a, m, nullptr, nullptr, diags);
  if (!mapping) {
    state.SkipWithError("decide failed");
    return;
  }
  run(state, Prepared{a, m, *mapping});
}
BENCHMARK(BM_Circuit)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
