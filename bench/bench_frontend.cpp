// Parse+check throughput of the front end on a generated 10,000-line mapper (issue: >= 50 MB/s on
// one core) and the peak heap memory it needs per input byte (target < 4), counted by replacing the
// global allocator: `peak_heap_per_input_byte` in the JSON output.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
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

#include "dsl/checker.h"
#include "dsl/parser.h"

namespace {

/// A mapper of about `lines` lines in the style of the published ones: statements, globals and
/// functions with index arithmetic.
std::string generate_mapper(int lines) {
  std::string out = "Task * GPU,OMP,CPU;\nm_2d = Machine(GPU);\nm_cpu = Machine(CPU);\n";
  int i = 0;
  while (static_cast<int>(std::count(out.begin(), out.end(), '\n')) < lines) {
    out += fmt::format(
        "# block {0}\n"
        "Region task_{0},task_{1} region_{0} GPU FBMEM,ZCMEM;\n"
        "Region * ghost_{0} CPU SOCKMEM,SYSMEM;\n"
        "Layout task_{0} * * SOA C_order Align==128;\n"
        "InstanceLimit task_{0} {2};\n"
        "CollectMemory task_{0} region_{0};\n"
        "def map_{0}(Task task) {{\n"
        "  ip = task.ipoint;\n"
        "  sz = task.ispace;\n"
        "  lin = ip[0] + ip[1] * sz[0] + {0};\n"
        "  m = m_2d.merge(0, 1).split(0, 2);\n"
        "  return m_2d[lin % m_2d.size[0], lin / m_2d.size[0] % m_2d.size[1]];\n"
        "}}\n"
        "IndexTaskMap task_{0},task_{1} map_{0};\n",
        i, i + 1, i % 7 + 1);
    ++i;
  }
  return out;
}

void BM_ParseCheck(benchmark::State& state) {
  std::string text = generate_mapper(static_cast<int>(state.range(0)));
  {
    // One run with the allocator counters: peak heap above what was live before, per input byte.
    std::size_t base = g_live.load();
    g_peak.store(base);
    mapsmith::dsl::Diagnostics diags;
    auto p = mapsmith::dsl::parse_string(text, diags, "bench.mapping");
    auto info = mapsmith::dsl::check(p, diags);
    benchmark::DoNotOptimize(info);
    state.counters["peak_heap_per_input_byte"] =
        static_cast<double>(g_peak.load() - base) / static_cast<double>(text.size());
  }
  for (auto _ : state) {
    mapsmith::dsl::Diagnostics diags;
    auto p = mapsmith::dsl::parse_string(text, diags, "bench.mapping");
    auto info = mapsmith::dsl::check(p, diags);
    if (diags.has_errors()) state.SkipWithError("the generated mapper has errors");
    benchmark::DoNotOptimize(info);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
  state.counters["input_bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_ParseCheck)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_ParseOnly(benchmark::State& state) {
  std::string text = generate_mapper(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    mapsmith::dsl::Diagnostics diags;
    auto p = mapsmith::dsl::parse_string(text, diags, "bench.mapping");
    benchmark::DoNotOptimize(p);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_ParseOnly)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
