// The paths issue 15 (item 5) found quadratic, each timed at growing sizes so that Google
// Benchmark fits the complexity (`--benchmark_format=json`: "big_o" and "rms" per family):
//   - checking a mapper that uses thousands of unknown names ("did you mean" searched every
//     name defined for each of them);
//   - checking a mapper whose one long line holds many errors;
//   - loading an application JSON file with many launches (a parser callback made nlohmann
//     rescan the parent array after every object).
// Each should be linear: time per element constant as the size grows.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <string>

#include "app/app_json.h"
#include "dsl/checker.h"
#include "dsl/parser.h"

namespace {

/// `n` globals defined, then `n` lines each using a name nobody defined (close to a defined one,
/// so that a suggestion exists to be searched for).
std::string unknown_names(std::int64_t n) {
  std::string out;
  for (std::int64_t i = 0; i < n; ++i)
    out += fmt::format("value_{} = {};\n", i, i);
  for (std::int64_t i = 0; i < n; ++i)
    out += fmt::format("use_{} = valeu_{};\n", i, i);
  return out;
}

/// One line of `n` statements each with an error (an undefined name).
std::string errors_on_one_line(std::int64_t n) {
  std::string out;
  for (std::int64_t i = 0; i < n; ++i)
    out += fmt::format("x{} = undefined_{}; ", i, i);
  return out + "\n";
}

void check(benchmark::State& state, const std::string& text) {
  for (auto _ : state) {
    mapsmith::dsl::Diagnostics diags;
    auto p = mapsmith::dsl::parse_string(text, diags, "bench.mapping");
    auto info = mapsmith::dsl::check(p, diags);
    benchmark::DoNotOptimize(info);
    benchmark::DoNotOptimize(diags.error_count());
  }
  state.SetComplexityN(state.range(0));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void BM_CheckUnknownNames(benchmark::State& state) {
  check(state, unknown_names(state.range(0)));
}
BENCHMARK(BM_CheckUnknownNames)
    ->RangeMultiplier(2)
    ->Range(1 << 10, 1 << 14)
    ->Unit(benchmark::kMillisecond)
    ->Complexity();

void BM_CheckManyErrorsOnOneLine(benchmark::State& state) {
  check(state, errors_on_one_line(state.range(0)));
}
BENCHMARK(BM_CheckManyErrorsOnOneLine)
    ->RangeMultiplier(2)
    ->Range(1 << 10, 1 << 14)
    ->Unit(benchmark::kMillisecond)
    ->Complexity();

/// An application with `n` single launches of one task, in a loop-free program, with params.
std::string app_with_launches(std::int64_t n) {
  std::string out = R"({"format": 1, "name": "many", "params": {"n": 1, "m": 2},
  "tasks": [{"name": "main", "variants": [{"kind": "CPU", "inner": true}]},
            {"name": "work", "variants": [{"kind": "CPU"}]}],
  "top": "main", "program": [)";
  for (std::int64_t i = 0; i < n; ++i)
    out += fmt::format("{}{{\"task\": \"work\", \"flops\": {}}}", i ? ",\n" : "\n", i + 1);
  return out + "]}\n";
}

void BM_LoadAppJsonLaunches(benchmark::State& state) {
  const std::string text = app_with_launches(state.range(0));
  for (auto _ : state) {
    auto app = mapsmith::app::load_app_json(text, "many.json");
    benchmark::DoNotOptimize(app);
  }
  state.SetComplexityN(state.range(0));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_LoadAppJsonLaunches)
    ->RangeMultiplier(4)
    ->Range(1 << 10, 1 << 16)
    ->Unit(benchmark::kMillisecond)
    ->Complexity();

}  // namespace

BENCHMARK_MAIN();
