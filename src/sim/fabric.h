#pragma once
/// Internal to sim/: what moving data costs on a machine, as the engine's two kinds of resources
/// (docs/simulator.md §6):
///
/// - **servers** serve work one at a time (or a few at a time), in the order it becomes ready:
///   processors, and the DMA channels Realm runs copies on (per GPU one host-to-device and one
///   device-to-host channel and one to its peers; per node the CPU copy workers);
/// - **shared resources** divide their bandwidth between the transfers that cross them at once:
///   links (PCIe, NVLink, NIC, socket bus), each socket's DRAM, the socket bus's share for PCIe
///   traffic, a GPU's rate of zero-copy transactions, and the cache lines of a region in host
///   memory that atomics update.
///
/// A flow (a task's body or a copy's bytes) has a *demand* on each shared resource it uses: the
/// seconds it would take if it had that resource alone.
#include <cstdint>
#include <vector>

#include "machine/machine.h"
#include "sim/sim.h"

namespace mapsmith::sim::detail {

struct Demand {
  std::uint32_t resource = 0;
  double work = 0;  ///< seconds on the resource alone
};

/// The DMA channels a copy is served by (at most two: the source's and the destination's when it
/// is staged through host memory), its route for reports, and its latency.
struct CopyPlan {
  std::uint32_t servers[2] = {0, 0};
  std::uint8_t server_count = 0;
  double latency = 0;  ///< Σ hop latencies
};

class Fabric {
 public:
  Fabric(const machine::Machine& m, const Constants& c);

  // ---- Servers.
  std::uint32_t servers() const { return static_cast<std::uint32_t>(slots_.size()); }
  std::uint32_t slots(std::uint32_t server) const { return slots_[server]; }
  /// A processor's server is its ProcId's index.
  static std::uint32_t proc_server(machine::ProcId p) { return p.index; }

  // ---- Shared resources: the static ones; callers may add their own above static_resources().
  std::uint32_t static_resources() const { return static_cast<std::uint32_t>(kind_.size()); }
  /// The machine channel behind a resource, if it is one (for the channel statistics).
  bool is_channel(std::uint32_t r) const { return r < channels_; }

  /// A task on `p` streaming `read` bytes from and `written` bytes to memory `m`: appends its
  /// demands on shared resources (PCIe, socket bus, DRAM).
  void stream(machine::ProcId p, machine::MemId m, double read, double written,
              std::vector<Demand>& out) const;
  /// A GPU's zero-copy transactions into host memory `m`, each one 32-byte sector: `reads`
  /// gathers, `rmw` read-modify-writes (atomics).
  void transactions(machine::ProcId p, machine::MemId m, double reads, double rmw,
                    std::vector<Demand>& out) const;
  /// Whether a GPU's accesses to `m` cross PCIe (a host memory): zero-copy.
  bool zero_copy(machine::ProcId p, machine::MemId m) const;

  /// A copy of `bytes` from `src` to `dst` (different memories): its servers and latency, and
  /// its demands (every link of its route, the DRAM it reads and writes, staging through host
  /// memory between GPUs that are not peers).
  CopyPlan copy(machine::MemId src, machine::MemId dst, double bytes,
                std::vector<Demand>& out) const;

 private:
  std::uint32_t pcie(std::uint32_t node, std::uint32_t gpu, bool out) const;
  std::uint32_t dram(std::uint32_t node, std::uint32_t socket) const;
  /// The sockets a host memory lives on (SOCKMEM: its own; ZCMEM: its rank's first GPU's; SYSMEM
  /// and RDMEM: every socket, interleaved).
  void homes(machine::MemId m, std::uint32_t rank_socket, std::uint32_t* out,
             std::uint32_t& n) const;
  std::uint32_t zc_socket(std::uint32_t address_space) const;
  /// Whose bytes cross the socket bus: a CPU's, or PCIe traffic toward a GPU (host-to-device)
  /// or from one toward host memory (device-to-host), which the bus carries at lower rates.
  enum class Io : std::uint8_t { None, ToDevice, ToHost };
  /// Bytes flowing between sockets `from` and `to` of `node`.
  void cross(std::uint32_t node, std::uint32_t from, std::uint32_t to, double bytes, Io io,
             std::vector<Demand>& out) const;
  void dram_use(machine::MemId m, std::uint32_t rank_socket, double bytes,
                std::vector<Demand>& out) const;
  bool peers(const machine::Processor& a, const machine::Processor& b) const;
  std::uint32_t gpu_local(machine::ProcId g) const;

  const machine::Machine& m_;
  const Constants& c_;
  std::uint32_t channels_ = 0, sockets_ = 1, gpus_ = 0;
  machine::GpuPeers peer_rule_ = machine::GpuPeers::SOCKET;
  bool nvlink_ = false;
  double dram_bw_ = 0;
  double io_to_device_bw_ = 0, io_to_host_bw_ = 0;  ///< 0: PCIe traffic is not set apart
  std::vector<std::uint8_t> kind_;                  ///< per static resource (for asserts and docs)
  /// Per static resource: bytes/s (links, DRAM; io: the toward-GPU rate, for reference only, as
  /// `cross` charges each direction at its own rate).
  std::vector<double> capacity_;
  std::vector<std::int32_t> pcie_;  ///< per (node, gpu, direction): channel id
  std::vector<std::int32_t> bus_;   ///< per (node, from socket, to socket): SOCKET_BUS channel
  std::uint32_t dram_base_ = 0, io_base_ = 0, limiter_base_ = 0;
  std::vector<std::uint32_t> slots_;  ///< per server
  std::uint32_t dma_base_ = 0, memcpy_base_ = 0, peer_base_ = 0;
  std::vector<std::uint32_t> copy_engines_;  ///< per GPU (machine-wide index)
  std::vector<std::uint32_t> gpu_socket_of_rank_;
};

}  // namespace mapsmith::sim::detail
