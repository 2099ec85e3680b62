// The machine of an imported run: what Legion Prof (else Legion Spy) lists of node 0, with
// bandwidths from `mapsmith calibrate` or the documented defaults. Realm's own affinity figures
// (its "bandwidth" 100 for a CPU and its system memory) are nominal ranks, not measurements, and
// are not used.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

#include "importer/import_detail.h"
#include "util/error.h"

namespace mapsmith::importer {

std::optional<ProcKind> proc_kind_of_realm(int kind) {
  switch (kind) {
    case 1:
      return ProcKind::GPU;  // TOC_PROC
    case 2:
      return ProcKind::CPU;  // LOC_PROC
    case 3:
      return ProcKind::UTIL;  // UTIL_PROC
    case 4:
      return ProcKind::IO;  // IO_PROC
    case 7:
      return ProcKind::OMP;  // OMP_PROC
    case 8:
      return ProcKind::PY;  // PY_PROC
    default:
      return std::nullopt;  // NO_KIND, PROC_GROUP, PROC_SET
  }
}

std::optional<MemKind> mem_kind_of_realm(int kind) {
  switch (kind) {
    case 2:
      return MemKind::SYSMEM;  // SYSTEM_MEM
    case 3:
      return MemKind::RDMEM;  // REGDMA_MEM
    case 4:
      return MemKind::SOCKMEM;  // SOCKET_MEM
    case 5:
      return MemKind::ZCMEM;  // Z_COPY_MEM
    case 6:
      return MemKind::FBMEM;  // GPU_FB_MEM
    default:
      return std::nullopt;  // GLOBAL, DISK, HDF, FILE, caches, managed, dynamic FB
  }
}

HostFigures host_figures(const machine::MachineSpec& calibration) {
  HostFigures h;
  for (const machine::ProcSpec& p : calibration.node.processors)
    if (p.kind == ProcKind::CPU) h.core_flops = p.flops;
  for (const machine::AffinitySpec& a : calibration.node.affinities)
    if (a.proc == ProcKind::CPU && a.mem == MemKind::SYSMEM) {
      h.core_bandwidth = a.bandwidth;
      h.memory_latency = a.latency;
    }
  for (const machine::LinkSpec& l : calibration.node.links)
    if (l.kind == machine::ChannelKind::MEMBUS) h.copy_bandwidth = l.bandwidth;
  return h;
}

namespace detail {

namespace {

bool host_memory(MemKind k) {
  return k == MemKind::SYSMEM || k == MemKind::ZCMEM || k == MemKind::RDMEM ||
         k == MemKind::SOCKMEM;
}

}  // namespace

machine::MachineSpec build_machine(const SpyLog& spy, const ProfLog& prof,
                                   const ImportOptions& options, std::vector<std::string>& notes) {
  // Processors and memories, each with its node.
  std::vector<std::pair<std::uint64_t, int>> procs;
  std::vector<std::tuple<std::uint64_t, int, std::uint64_t>> mems;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> affinities;
  if (!prof.procs.empty()) {
    for (const ProfProc& p : prof.procs)
      procs.emplace_back(p.id, p.kind);
    for (const ProfMem& m : prof.mems)
      mems.emplace_back(m.id, m.kind, m.capacity);
    for (const ProfAffinity& a : prof.affinities)
      affinities.emplace_back(a.proc, a.mem);
  } else {
    procs = spy.procs;
    for (const SpyLog::Mem& m : spy.mems)
      mems.emplace_back(m.id, m.kind, m.capacity);
  }
  std::set<std::uint32_t> nodes;
  for (const auto& [id, kind] : procs)
    nodes.insert(node_of(id));
  const std::uint32_t node0 = nodes.empty() ? 0 : *nodes.begin();

  machine::MachineSpec spec;
  spec.name = options.name.empty() ? "imported" : options.name;
  spec.nodes = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(nodes.size()));
  std::map<ProcKind, std::uint32_t> proc_count;
  std::map<std::uint64_t, ProcKind> proc_kind;
  std::set<int> unnamed;
  for (const auto& [id, kind] : procs) {
    const auto k = proc_kind_of_realm(kind);
    if (!k) {
      unnamed.insert(kind);
      continue;
    }
    proc_kind[id] = *k;
    if (node_of(id) == node0) ++proc_count[*k];
  }
  if (!unnamed.empty())
    notes.push_back(
        fmt::format("processors of Realm kinds {} have no name in the mapping "
                    "language and are left out",
                    fmt::join(unnamed, ", ")));
  if (!proc_count.count(ProcKind::CPU))
    throw InputError(
        "the logs list no CPU processor on the first node: the top-level task needs "
        "one");
  const double core_flops = options.host.core_flops.value_or(kDefaultCoreFlops);
  for (const auto& [k, n] : proc_count) {
    machine::ProcSpec p;
    p.kind = k;
    p.count = n;
    p.flops = k == ProcKind::GPU ? 1.0e13 : core_flops;
    p.model = k == ProcKind::GPU ? "GPU (imported; flops nominal)" : "core (imported)";
    spec.node.processors.push_back(p);
  }

  std::map<MemKind, std::pair<std::uint32_t, std::uint64_t>> mem_count;  // count, capacity
  std::map<std::uint64_t, MemKind> mem_kind;
  std::set<int> unused_mems;
  for (const auto& [id, kind, capacity] : mems) {
    const auto k = mem_kind_of_realm(kind);
    if (!k || capacity == 0) {
      if (!k && capacity > 0) unused_mems.insert(kind);  // Realm makes empty ones always
      continue;
    }
    mem_kind[id] = *k;
    if (node_of(id) != node0) continue;
    auto& [count, cap] = mem_count[*k];
    ++count;
    cap = std::max(cap, capacity);
  }
  if (!unused_mems.empty())
    notes.push_back(
        fmt::format("memories of Realm kinds {} (disk, caches, global or managed "
                    "memory) are left out",
                    fmt::join(unused_mems, ", ")));
  for (const auto& [k, cc] : mem_count)
    spec.node.memories.push_back({k, cc.second});
  if (const auto it = mem_count.find(MemKind::SOCKMEM); it != mem_count.end())
    spec.node.sockets = std::max<std::uint32_t>(1, it->second.first);

  // Affinities: every (processor kind, memory kind) pair Prof says can see each other, else
  // every CPU-like processor with every host memory and a GPU with its framebuffer and ZCMEM.
  std::set<std::pair<ProcKind, MemKind>> pairs;
  for (const auto& [p, m] : affinities) {
    const auto pk = proc_kind.find(p);
    const auto mk = mem_kind.find(m);
    if (pk != proc_kind.end() && mk != mem_kind.end() && node_of(p) == node_of(m))
      pairs.insert({pk->second, mk->second});
  }
  if (pairs.empty())
    for (const auto& [pk, n] : proc_count)
      for (const auto& [mk, cc] : mem_count)
        if (pk == ProcKind::GPU ? (mk == MemKind::FBMEM || mk == MemKind::ZCMEM) : host_memory(mk))
          pairs.insert({pk, mk});
  const double core_bw = options.host.core_bandwidth.value_or(kDefaultCoreBandwidth);
  const double latency = options.host.memory_latency.value_or(kDefaultLatency);
  for (const auto& [pk, mk] : pairs) {
    if (mk == MemKind::FBMEM && pk != ProcKind::GPU) continue;
    machine::AffinitySpec a;
    a.proc = pk;
    a.mem = mk;
    if (pk == ProcKind::GPU)
      a.bandwidth = mk == MemKind::FBMEM ? 1.0e12 : 2.0e10;
    else
      a.bandwidth = core_bw;
    a.latency = pk == ProcKind::GPU && mk != MemKind::FBMEM ? 1e-6 : latency;
    spec.node.affinities.push_back(a);
  }
  for (const auto& [pk, n] : proc_count) {
    const bool has = std::any_of(spec.node.affinities.begin(), spec.node.affinities.end(),
                                 [&](const machine::AffinitySpec& a) { return a.proc == pk; });
    if (!has && mem_count.count(MemKind::SYSMEM))
      spec.node.affinities.push_back(
          {pk, MemKind::SYSMEM, machine::SocketRule::ANY, core_bw, latency});
  }

  // Links.
  const double copy_bw = options.host.copy_bandwidth.value_or(kDefaultCopyBandwidth);
  int host_kinds = 0;
  for (const auto& [mk, cc] : mem_count)
    host_kinds += host_memory(mk) ? 1 : 0;
  if (host_kinds >= 2)
    spec.node.links.push_back({machine::ChannelKind::MEMBUS, 1, copy_bw, latency});
  if (mem_count.count(MemKind::SOCKMEM) && spec.node.sockets >= 2)
    spec.node.links.push_back({machine::ChannelKind::SOCKET_BUS, 1, copy_bw, latency});
  if (mem_count.count(MemKind::FBMEM)) {
    spec.node.links.push_back({machine::ChannelKind::PCIE, 1, 1.2e10, 1e-6});
    notes.push_back(
        "the GPU figures (flops, framebuffer and PCIe bandwidth) are nominal: "
        "calibrate measures no GPU here");
  }
  if (spec.nodes >= 2) {
    spec.node.links.push_back({machine::ChannelKind::NIC, 1, 1.0e10, 2e-6});
    notes.push_back("the network (NIC) figures are nominal: 10 GB/s, 2 us");
  }
  if (!options.host.core_bandwidth)
    notes.push_back(
        fmt::format("no calibration: processors read memory at a default {:.3g} GB/s "
                    "and copies between host memories run at {:.3g} GB/s "
                    "(mapsmith calibrate measures them)",
                    core_bw / 1e9, copy_bw / 1e9));
  if (const auto err = machine::check(spec))
    throw InputError(
        fmt::format("the imported machine is invalid: {}: {}", err->path, err->message));
  return spec;
}

}  // namespace detail
}  // namespace mapsmith::importer
