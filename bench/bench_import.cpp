// Importing a large run (issue #16): read a Legion Spy log of about 100 MB and its Legion Prof
// log, and build the model, on one core; the peak heap during the import (counted by replacing
// the global allocator) shows that memory follows the operations kept, not the file.
//
// The logs are a synthetic halo run (src/importer/synthetic.h: the lines Legion 25.06 writes,
// eight event lines per task as real logs have) of 64 pieces x 460 steps, written once to
// $TMPDIR/mapsmith-bench-import/ and kept there, so `mapsmith import` can be timed on them too:
//
//   build-bench/bench/bench_import --benchmark_format=json
//   /usr/bin/time -v build/mapsmith import $TMPDIR/mapsmith-bench-import -o /tmp/big
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <string>

namespace {
std::atomic<std::size_t> g_live{0};
std::atomic<std::size_t> g_peak{0};
}  // namespace

#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#pragma GCC diagnostic ignored "-Warray-bounds"
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

#include "importer/import.h"
#include "importer/synthetic.h"

namespace {

using namespace mapsmith;

std::string logs_dir() {
  const char* tmp = std::getenv("TMPDIR");
  const std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/mapsmith-bench-import";
  if (std::filesystem::exists(dir + "/spy_0.log") && std::filesystem::exists(dir + "/prof_0.gz"))
    return dir;
  std::filesystem::create_directories(dir);
  importer::synthetic::Params p;
  p.cells = 64 * 4096;
  p.pieces = 64;
  p.steps = 460;
  p.cpus = 8;
  p.events_per_task = 8;
  std::ofstream spy(dir + "/spy_0.log", std::ios::binary);
  std::string prof;
  importer::synthetic::write_run(
      p, [&](const std::string& s) { spy << s; }, [&](const std::string& s) { prof += s; });
  spy.close();
  // The Prof log, gzipped as Legion writes it.
  const std::string raw = dir + "/prof_0.raw";
  std::ofstream(raw, std::ios::binary) << prof;
  if (std::system(fmt::format("gzip -c '{}' > '{}/prof_0.gz'", raw, dir).c_str()) != 0)
    std::abort();
  std::filesystem::remove(raw);
  return dir;
}

void BM_Import100MB(benchmark::State& state) {
  const std::string dir = logs_dir();
  const auto bytes = std::filesystem::file_size(dir + "/spy_0.log");
  std::size_t reports = 0;
  const importer::Progress progress = [&](const std::string&, std::uint64_t, std::uint64_t) {
    ++reports;
  };
  std::size_t launches = 0, instances = 0;
  const std::size_t base = g_live.load();
  g_peak = base;
  for (auto _ : state) {
    const importer::SpyLog spy = importer::read_spy({dir + "/spy_0.log"}, progress);
    const importer::ProfLog prof = importer::read_prof({dir + "/prof_0.gz"}, progress);
    const importer::Imported im = importer::import_run(spy, prof);
    launches = im.app.launches.size();
    instances = im.measured.task_instances;
    benchmark::DoNotOptimize(im);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) *
                          static_cast<std::int64_t>(state.iterations()));
  state.counters["spy_mb"] = static_cast<double>(bytes) / 1e6;
  state.counters["peak_heap_mb"] = static_cast<double>(g_peak.load() - base) / 1e6;
  state.counters["task_instances"] = static_cast<double>(instances);
  state.counters["app_launches"] = static_cast<double>(launches);
  state.counters["progress_reports"] =
      static_cast<double>(reports) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_Import100MB)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
