// Tuning throughput (issue #6): candidate mappers evaluated per minute for circuit on `sapling`
// (target >= 10,000 per minute on 2 cores), through the whole pipeline a `mapsmith tune` run
// takes: the ensemble proposes, each candidate is rendered to canonical text, looked up in and
// stored to a SQLite results database (a fresh file per iteration, so nothing is cached), parsed,
// checked, decided and simulated on a pool of `threads` threads.
//
// Run: build-tune/bench/bench_tune --benchmark_format=json
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "app/generators.h"
#include "machine/presets.h"
#include "search/results_db.h"
#include "search/sim_evaluator.h"
#include "search/space.h"
#include "search/tune.h"
#include "util/strings.h"

#ifndef MAPSMITH_SOURCE_DIR
#define MAPSMITH_SOURCE_DIR "."
#endif

namespace {

using namespace mapsmith;

struct Circuit {
  machine::Machine m = machine::make_machine("sapling");
  app::App a = app::load_app("circuit", m);
  search::Space space = [&] {
    // The source tree it was built from, else the current directory (a copy of the tree).
    std::string path = std::string(MAPSMITH_SOURCE_DIR) + "/examples/circuit/expert.mapping";
    if (!std::filesystem::exists(path)) path = "examples/circuit/expert.mapping";
    dsl::Diagnostics diags;
    return search::Space::build(a, m, read_file(path), diags);
  }();
};

const Circuit& circuit() {
  static const Circuit c;
  return c;
}

/// Arguments: threads, and 1 to store every result in a database file.
void BM_TuneCircuit(benchmark::State& state) {
  const Circuit& c = circuit();
  const auto threads = static_cast<unsigned>(state.range(0));
  const bool with_db = state.range(1) != 0;
  constexpr std::size_t kBudget = 2000;
  search::SimEvaluator sim(c.a, c.m, threads);
  std::string dir = std::filesystem::temp_directory_path().string() + "/bench_tune_XXXXXX";
  if (!mkdtemp(dir.data())) state.SkipWithError("cannot make a directory");
  double seconds = 0;
  std::size_t evaluations = 0, round = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    std::unique_ptr<search::ResultsDb> db;
    std::int64_t study = 0;
    if (with_db) {
      db = std::make_unique<search::ResultsDb>(fmt::format("{}/r{}.db", dir, round++));
      study = db->study(search::StudyKey{"circuit", "", "sapling", sim.identity(), "bench"});
    }
    search::Rng rng(0);
    auto opt = search::make_optimizer("ensemble", c.space, c.space.expert_point(), rng, kBudget);
    search::TuneOptions o;
    o.budget = kBudget;
    const search::TuneResult r = search::tune(c.space, *opt, sim, o, db.get(), study);
    benchmark::DoNotOptimize(r.best);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    evaluations += r.fresh;
  }
  std::filesystem::remove_all(dir);
  state.counters["evaluations"] = static_cast<double>(evaluations);
  state.counters["evaluations_per_minute"] = 60.0 * static_cast<double>(evaluations) / seconds;
  state.counters["ms_per_evaluation"] = 1e3 * seconds / static_cast<double>(evaluations);
}
BENCHMARK(BM_TuneCircuit)
    ->ArgsProduct({{1, 2}, {0, 1}})
    ->ArgNames({"threads", "db"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

/// One candidate, parse to outcome, on the calling thread: the expert mapper of circuit.
void BM_EvaluateCircuitExpert(benchmark::State& state) {
  const Circuit& c = circuit();
  const std::string text = c.space.render(c.space.expert_point());
  for (auto _ : state) {
    const search::Evaluation e = search::SimEvaluator::evaluate_one(c.a, c.m, text, {});
    benchmark::DoNotOptimize(e.time_s);
  }
}
BENCHMARK(BM_EvaluateCircuitExpert)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
