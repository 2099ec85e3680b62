// Code generation time against the number of functions (#15 item 5: it must grow linearly). Each
// function is a mapping function that an IndexTaskMap and a SingleTaskMap statement name, so every
// per-function part of the generator (sharding functors, decision chains, the translation) runs.
// Google Benchmark fits the complexity: `mapsmith_codegen/N` with BigO in the JSON output.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <sstream>
#include <string>

#include "codegen/codegen.h"
#include "dsl/checker.h"
#include "dsl/parser.h"

namespace {

std::string program(int functions) {
  std::string out = "m = Machine(CPU);\n";
  for (int i = 0; i < functions; ++i) {
    out += fmt::format(
        "def f{0}(Task task) {{\n"
        "  p = task.ipoint;\n"
        "  return m[p[0] % m.size[0], (p[0] + {0}) % m.size[1]];\n"
        "}}\n"
        "IndexTaskMap task_{0} f{0};\n"
        "SingleTaskMap single_{0} f{0};\n"
        "Region task_{0} * CPU SYSMEM;\n"
        "Layout task_{0} * * AOS;\n",
        i);
  }
  return out;
}

void BM_Codegen(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  mapsmith::dsl::Diagnostics diags(1000);
  mapsmith::dsl::Program p = mapsmith::dsl::parse_string(program(n), diags, "bench.mapping");
  mapsmith::dsl::ProgramInfo info = mapsmith::dsl::check(p, diags);
  if (diags.has_errors()) {
    state.SkipWithError("the generated program has errors");
    return;
  }
  mapsmith::codegen::Options o;
  o.name = "bench";
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::ostringstream out;
    if (!mapsmith::codegen::generate_legion_mapper(p, info, o, out, diags)) {
      state.SkipWithError("code generation failed");
      return;
    }
    bytes = out.str().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetComplexityN(n);
  state.counters["source_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Codegen)
    ->RangeMultiplier(2)
    ->Range(64, 2048)
    ->Complexity()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
