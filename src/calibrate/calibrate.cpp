#include "calibrate/calibrate.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <numeric>
#include <set>
#include <thread>
#include <vector>

#include "calibrate/gpu.h"

namespace mapsmith::calibrate {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// Keeps a result alive so the compiler cannot drop the loop that made it.
void keep(double v) {
  asm volatile("" : : "g"(v) : "memory");
}

double sum(const double* p, std::size_t n) {
  // Four accumulators: the loop streams, it does not wait on one addition chain.
  double a = 0, b = 0, c = 0, d = 0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a += p[i];
    b += p[i + 1];
    c += p[i + 2];
    d += p[i + 3];
  }
  for (; i < n; ++i)
    a += p[i];
  return a + b + c + d;
}

/// Bytes per second of `threads` threads each summing its own buffer at once (best of repeats).
double stream(unsigned threads, std::uint64_t bytes, int repeats) {
  const std::size_t n = std::max<std::size_t>(1, bytes / sizeof(double));
  std::vector<std::vector<double>> bufs(threads, std::vector<double>(n, 1.0));
  double best = 0;
  for (int r = 0; r < repeats; ++r) {
    std::vector<std::thread> pool;
    std::vector<double> out(threads);
    const auto t0 = Clock::now();
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { out[t] = sum(bufs[t].data(), n); });
    for (std::thread& th : pool)
      th.join();
    const double s = seconds_since(t0);
    keep(std::accumulate(out.begin(), out.end(), 0.0));
    if (s > 0) best = std::max(best, static_cast<double>(n * sizeof(double) * threads) / s);
  }
  return best;
}

double copy(std::uint64_t bytes, int repeats) {
  const std::size_t n = std::max<std::uint64_t>(64, bytes);
  std::vector<char> a(n, 1), b(n, 2);
  double best = 0;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = Clock::now();
    std::memcpy(b.data(), a.data(), n);
    const double s = seconds_since(t0);
    keep(b[n / 2]);
    if (s > 0) best = std::max(best, static_cast<double>(n) / s);
  }
  return best;
}

/// Seconds per load of a chain of dependent loads through a random cycle over the buffer.
double latency(std::uint64_t bytes, int repeats) {
  const std::size_t n = std::max<std::size_t>(16, bytes / sizeof(std::size_t));
  std::vector<std::size_t> next(n);
  std::iota(next.begin(), next.end(), std::size_t{0});
  // Sattolo's shuffle: one cycle through every slot, with a fixed seed (the same every run).
  std::uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (std::size_t i = n - 1; i > 0; --i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::swap(next[i], next[x % i]);
  }
  const std::size_t steps = std::min<std::size_t>(n * 4, 4'000'000);
  double best = 1e9;
  for (int r = 0; r < repeats; ++r) {
    std::size_t at = 0;
    const auto t0 = Clock::now();
    for (std::size_t s = 0; s < steps; ++s)
      at = next[at];
    const double sec = seconds_since(t0);
    keep(static_cast<double>(at));
    best = std::min(best, sec / static_cast<double>(steps));
  }
  return best;
}

double flops(std::uint64_t bytes, int repeats) {
  const std::size_t kIters = std::clamp<std::uint64_t>(bytes / 16, 1'000'000, 20'000'000);
  double best = 0;
  for (int r = 0; r < repeats; ++r) {
    double a[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const double m = 0.999999, c = 1e-7;
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < kIters; ++i)
      for (double& v : a)
        v = v * m + c;
    const double s = seconds_since(t0);
    keep(std::accumulate(std::begin(a), std::end(a), 0.0));
    if (s > 0) best = std::max(best, 2.0 * 8 * kIters / s);
  }
  return best;
}

unsigned sockets() {
  std::set<std::string> ids;
  for (unsigned c = 0; c < 4096; ++c) {
    std::ifstream f(fmt::format("/sys/devices/system/cpu/cpu{}/topology/physical_package_id", c));
    if (!f) break;
    std::string id;
    f >> id;
    ids.insert(id);
  }
  return std::max<unsigned>(1, static_cast<unsigned>(ids.size()));
}

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  return "CPU core";
}

}  // namespace

Figures measure(const Options& o) {
  Figures f;
  f.cores = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  f.sockets = std::min(sockets(), f.cores);
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  f.memory_bytes = pages > 0 && page > 0
                       ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page)
                       : std::uint64_t{1} << 30;
  const int reps = std::max(1, o.repeats);
  f.core_bandwidth = stream(1, o.bytes, reps);
  f.socket_bandwidth = stream(std::max(1u, f.cores / f.sockets), o.bytes, reps);
  f.node_bandwidth = f.sockets == 1 ? f.socket_bandwidth : stream(f.cores, o.bytes, reps);
  f.copy_bandwidth = copy(o.bytes, reps);
  f.latency = latency(o.bytes, reps);
  f.core_flops = flops(o.bytes, reps);
  f.cpu_model = cpu_model();
  measure_gpu(f, o);
  return f;
}

machine::MachineSpec machine_of(const Figures& f, const std::string& name) {
  machine::MachineSpec m;
  m.name = name;
  m.nodes = 1;
  m.node.sockets = 1;
  m.node.processors.push_back(
      {ProcKind::CPU, f.cores, f.core_flops,
       fmt::format("{} (calibrated: socket {:.3g} GB/s, node {:.3g} GB/s)", f.cpu_model,
                   f.socket_bandwidth / 1e9, f.node_bandwidth / 1e9)});
  m.node.memories.push_back({MemKind::SYSMEM, f.memory_bytes});
  m.node.affinities.push_back(
      {ProcKind::CPU, MemKind::SYSMEM, machine::SocketRule::ANY, f.core_bandwidth, f.latency});
  m.node.links.push_back({machine::ChannelKind::MEMBUS, 1, f.copy_bandwidth, f.latency});
  return m;
}

}  // namespace mapsmith::calibrate
