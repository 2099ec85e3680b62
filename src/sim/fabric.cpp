// The machine as the engine's servers and shared resources (fabric.h; docs/simulator.md §6).
#include "sim/fabric.h"

#include <algorithm>

#include "util/error.h"

namespace mapsmith::sim::detail {

namespace {

using machine::ChannelKind;
using machine::Direction;
using machine::MemId;
using machine::ProcId;

bool is_host(MemKind k) {
  return k == MemKind::SYSMEM || k == MemKind::ZCMEM || k == MemKind::RDMEM ||
         k == MemKind::SOCKMEM;
}

constexpr std::uint32_t kCopyWorkers = 2;  // Realm's -ll:bgwork default: 2 background workers
constexpr double kSectorBytes = 32;        // a GPU's memory transaction: one 32-byte sector

}  // namespace

Fabric::Fabric(const machine::Machine& m, const Constants& c) : m_(m), c_(c) {
  const machine::MachineSpec& spec = m.spec();
  const auto chans = m.channels();
  const auto procs = m.processors();
  sockets_ = spec.node.sockets;
  peer_rule_ = spec.node.gpu_peers;
  dram_bw_ = spec.node.dram_bandwidth;
  const std::uint32_t nodes = m.nodes(), S = sockets_;
  for (const machine::ProcSpec& p : spec.node.processors)
    if (p.kind == ProcKind::GPU) gpus_ = p.count;
  for (const machine::LinkSpec& l : spec.node.links) {
    if (l.kind == ChannelKind::NVLINK) nvlink_ = true;
    if (l.kind == ChannelKind::SOCKET_BUS) {
      io_to_device_bw_ = l.io_bandwidth;
      io_to_host_bw_ = l.io_bandwidth_to_host > 0 ? l.io_bandwidth_to_host : l.io_bandwidth;
    }
  }

  // Shared resources: the channels, then DRAM per socket, then the socket bus's share for PCIe
  // traffic per ordered socket pair (its demands in seconds at the rate of their direction, so
  // host-to-device and device-to-host flows crossing the same way share it), then two
  // transaction limiters per GPU.
  channels_ = static_cast<std::uint32_t>(chans.size());
  pcie_.assign(std::size_t{nodes} * gpus_ * 2, -1);
  bus_.assign(std::size_t{nodes} * S * S, -1);
  for (std::uint32_t i = 0; i < channels_; ++i) {
    const machine::Channel& ch = chans[i];
    kind_.push_back(0);
    capacity_.push_back(ch.bandwidth);
    if (ch.kind == ChannelKind::PCIE)
      pcie_[(std::size_t{ch.node} * gpus_ + ch.unit) * 2 + (ch.direction == Direction::OUT)] =
          static_cast<std::int32_t>(i);
    if (ch.kind == ChannelKind::SOCKET_BUS)
      bus_[(std::size_t{ch.node} * S + ch.unit) * S + ch.peer] = static_cast<std::int32_t>(i);
  }
  dram_base_ = static_cast<std::uint32_t>(kind_.size());
  for (std::uint32_t i = 0; i < nodes * S; ++i) {
    kind_.push_back(1);
    capacity_.push_back(dram_bw_);
  }
  io_base_ = static_cast<std::uint32_t>(kind_.size());
  for (std::uint32_t i = 0; i < nodes * S * S; ++i) {
    kind_.push_back(2);
    capacity_.push_back(io_to_device_bw_);
  }
  limiter_base_ = static_cast<std::uint32_t>(kind_.size());
  for (std::uint32_t i = 0; i < nodes * gpus_ * 2; ++i) {
    kind_.push_back(3);
    capacity_.push_back(0);
  }

  // Servers: the processors, then per GPU its host-to-device and device-to-host channels, per
  // node its CPU copy workers, per GPU its channel to its peers.
  for (std::size_t p = 0; p < procs.size(); ++p)
    slots_.push_back(1);
  dma_base_ = static_cast<std::uint32_t>(slots_.size());
  for (std::uint32_t i = 0; i < nodes * gpus_ * 2; ++i)
    slots_.push_back(1);
  memcpy_base_ = static_cast<std::uint32_t>(slots_.size());
  for (std::uint32_t i = 0; i < nodes; ++i)
    slots_.push_back(kCopyWorkers);
  peer_base_ = static_cast<std::uint32_t>(slots_.size());
  for (std::uint32_t i = 0; i < nodes * gpus_; ++i)
    slots_.push_back(1);
  for (const machine::ProcSpec& p : spec.node.processors)
    if (p.kind == ProcKind::GPU) copy_engines_.push_back(p.copy_engines);

  // Realm allocates a process's zero-copy memory (and its copy staging buffer) near its first
  // GPU: GPUAllocation::allocate_host(gpus[0], ...), runtime/realm/cuda/cuda_module.cc.
  gpu_socket_of_rank_.assign(m.address_spaces(), 0);
  std::vector<bool> seen(m.address_spaces(), false);
  for (const machine::Processor& p : procs)
    if (p.kind == ProcKind::GPU && !seen[p.address_space]) {
      seen[p.address_space] = true;
      gpu_socket_of_rank_[p.address_space] = p.socket;
    }
}

std::uint32_t Fabric::gpu_local(ProcId g) const {
  return m_.processor(g).node_index;
}

std::uint32_t Fabric::pcie(std::uint32_t node, std::uint32_t gpu, bool out) const {
  const std::int32_t c = pcie_[(std::size_t{node} * gpus_ + gpu) * 2 + (out ? 1 : 0)];
  MAPSMITH_ASSERT(c >= 0);
  return static_cast<std::uint32_t>(c);
}

std::uint32_t Fabric::dram(std::uint32_t node, std::uint32_t socket) const {
  return dram_base_ + node * sockets_ + socket;
}

std::uint32_t Fabric::zc_socket(std::uint32_t address_space) const {
  return gpu_socket_of_rank_[address_space];
}

void Fabric::homes(MemId id, std::uint32_t rank_socket, std::uint32_t* out,
                   std::uint32_t& n) const {
  const machine::Memory& mem = m_.memory(id);
  n = 0;
  if (mem.kind == MemKind::SOCKMEM) {
    out[n++] = *mem.socket;
  } else if (mem.kind == MemKind::ZCMEM) {
    out[n++] = rank_socket;
  } else {
    for (std::uint32_t s = 0; s < sockets_; ++s)
      out[n++] = s;
  }
}

void Fabric::dram_use(MemId m, std::uint32_t rank_socket, double bytes,
                      std::vector<Demand>& out) const {
  if (dram_bw_ <= 0 || bytes <= 0) return;
  std::uint32_t h[16], n = 0;
  homes(m, rank_socket, h, n);
  const std::uint32_t node = m_.memory(m).node;
  for (std::uint32_t i = 0; i < n; ++i)
    out.push_back({dram(node, h[i]), bytes / n / dram_bw_});
}

void Fabric::cross(std::uint32_t node, std::uint32_t from, std::uint32_t to, double bytes, Io io,
                   std::vector<Demand>& out) const {
  if (from == to || bytes <= 0) return;
  const std::int32_t bus = bus_[(std::size_t{node} * sockets_ + from) * sockets_ + to];
  if (bus >= 0) out.push_back({static_cast<std::uint32_t>(bus), bytes / capacity_[bus]});
  const std::uint32_t r = io_base_ + (node * sockets_ + from) * sockets_ + to;
  const double rate = io == Io::ToDevice ? io_to_device_bw_ : io == Io::ToHost ? io_to_host_bw_ : 0;
  if (rate > 0) out.push_back({r, bytes / rate});
}

bool Fabric::zero_copy(ProcId p, MemId m) const {
  return m_.processor(p).kind == ProcKind::GPU && is_host(m_.memory(m).kind);
}

void Fabric::stream(ProcId p, MemId m, double read, double written,
                    std::vector<Demand>& out) const {
  const machine::Memory& mem = m_.memory(m);
  if (!is_host(mem.kind)) return;  // a GPU's own framebuffer: its private path only
  const machine::Processor& pr = m_.processor(p);
  const std::uint32_t zc = zc_socket(pr.address_space);
  dram_use(m, zc, read + written, out);
  std::uint32_t h[16], n = 0;
  homes(m, zc, h, n);
  const bool gpu = pr.kind == ProcKind::GPU;
  if (gpu) {
    const std::uint32_t g = gpu_local(p);
    if (read > 0)
      out.push_back({pcie(pr.node, g, false), read / capacity_[pcie(pr.node, g, false)]});
    if (written > 0)
      out.push_back({pcie(pr.node, g, true), written / capacity_[pcie(pr.node, g, true)]});
  }
  for (std::uint32_t i = 0; i < n; ++i) {
    cross(pr.node, h[i], pr.socket, read / n, gpu ? Io::ToDevice : Io::None, out);
    cross(pr.node, pr.socket, h[i], written / n, gpu ? Io::ToHost : Io::None, out);
  }
}

void Fabric::transactions(ProcId p, MemId m, double reads, double rmw,
                          std::vector<Demand>& out) const {
  const machine::Processor& pr = m_.processor(p);
  MAPSMITH_ASSERT(pr.kind == ProcKind::GPU);
  const std::uint32_t gpu = pr.node * gpus_ + gpu_local(p);
  const auto aff = m_.affinity(p, m);
  // Little's law: at most `zero_copy_reads_in_flight` reads outstanding, each for the latency.
  if (reads > 0 && aff && c_.zero_copy_reads_in_flight > 0)
    out.push_back({limiter_base_ + 2 * gpu, reads * aff->latency / c_.zero_copy_reads_in_flight});
  if (rmw > 0 && c_.zero_copy_atomic_s > 0)
    out.push_back({limiter_base_ + 2 * gpu + 1, rmw * c_.zero_copy_atomic_s});
  // On the link each transaction moves a sector plus a packet's overhead; the link's bandwidth is
  // what bulk transfers (128-byte payloads) reach, so a sector costs (32 + o) / (128 + o) of a
  // 128-byte packet.
  const double o = c_.pcie_overhead_bytes;
  const double per = (kSectorBytes + o) * 128 / (128 + o);
  const double in = (reads + rmw) * per, back = rmw * per;
  const std::uint32_t g = gpu_local(p);
  out.push_back({pcie(pr.node, g, false), in / capacity_[pcie(pr.node, g, false)]});
  if (back > 0) out.push_back({pcie(pr.node, g, true), back / capacity_[pcie(pr.node, g, true)]});
  const std::uint32_t zc = zc_socket(pr.address_space);
  dram_use(m, zc, (reads + 2 * rmw) * kSectorBytes, out);
  std::uint32_t h[16], n = 0;
  homes(m, zc, h, n);
  for (std::uint32_t i = 0; i < n; ++i) {
    cross(pr.node, h[i], pr.socket, in / n, Io::ToDevice, out);
    cross(pr.node, pr.socket, h[i], back / n, Io::ToHost, out);
  }
}

bool Fabric::peers(const machine::Processor& a, const machine::Processor& b) const {
  switch (peer_rule_) {
    case machine::GpuPeers::ALL:
      return true;
    case machine::GpuPeers::SOCKET:
      return a.socket == b.socket;
    case machine::GpuPeers::NONE:
      return false;
  }
  return false;
}

CopyPlan Fabric::copy(MemId src, MemId dst, double bytes, std::vector<Demand>& out) const {
  CopyPlan plan;
  const machine::Route route = m_.route(src, dst);
  for (machine::ChannelId h : route) {
    plan.latency += m_.channel(h).latency;
    out.push_back({h.index, bytes / capacity_[h.index]});
  }
  const machine::Memory& A = m_.memory(src);
  const machine::Memory& B = m_.memory(dst);
  auto server = [&](std::uint32_t s) { plan.servers[plan.server_count++] = s; };
  auto dma = [&](machine::ProcId g, bool out_of_gpu) {
    const std::uint32_t gpu = m_.processor(g).node * gpus_ + gpu_local(g);
    const bool one = copy_engines_.empty() || copy_engines_[0] < 2;
    return dma_base_ + 2 * gpu + (out_of_gpu && !one ? 1 : 0);
  };
  const bool fa = A.kind == MemKind::FBMEM, fb = B.kind == MemKind::FBMEM;
  if (A.node != B.node) {
    if (fa) server(dma(*A.gpu, true));
    if (fb) server(dma(*B.gpu, false));
    if (!fa) dram_use(src, 0, bytes, out);
    if (!fb) dram_use(dst, 0, bytes, out);
    if (plan.server_count == 0) server(memcpy_base_ + A.node);
    return plan;
  }
  if (fa && fb) {
    const machine::Processor& ga = m_.processor(*A.gpu);
    const machine::Processor& gb = m_.processor(*B.gpu);
    if (peers(ga, gb)) {
      server(peer_base_ + A.node * gpus_ + gpu_local(*A.gpu));
      return plan;
    }
    // Staged through a pinned buffer in host memory near the first GPU of the source's process:
    // the source's device-to-host channel and the destination's host-to-device channel, pipelined
    // (Realm's intermediate buffers).
    server(dma(*A.gpu, true));
    server(dma(*B.gpu, false));
    const std::uint32_t ib = zc_socket(ga.address_space);
    if (dram_bw_ > 0) out.push_back({dram(A.node, ib), 2 * bytes / dram_bw_});
    cross(A.node, ga.socket, ib, bytes, Io::ToHost, out);
    cross(A.node, ib, gb.socket, bytes, Io::ToDevice, out);
    return plan;
  }
  if (fa || fb) {
    const machine::Processor& g = m_.processor(fa ? *A.gpu : *B.gpu);
    const MemId host = fa ? dst : src;
    server(dma(fa ? *A.gpu : *B.gpu, fa));
    const std::uint32_t zc = zc_socket(g.address_space);
    dram_use(host, zc, bytes, out);
    std::uint32_t h[16], n = 0;
    homes(host, zc, h, n);
    for (std::uint32_t i = 0; i < n; ++i) {
      if (fa)
        cross(A.node, g.socket, h[i], bytes / n, Io::ToHost, out);
      else
        cross(A.node, h[i], g.socket, bytes / n, Io::ToDevice, out);
    }
    return plan;
  }
  // Between host memories: the node's CPU copy workers; the route's MEMBUS or socket bus, and
  // each side's DRAM.
  server(memcpy_base_ + A.node);
  dram_use(src, 0, bytes, out);
  dram_use(dst, 0, bytes, out);
  return plan;
}

}  // namespace mapsmith::sim::detail
