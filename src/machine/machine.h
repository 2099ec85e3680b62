#pragma once
/// The machine model: nodes, processors, memories, what each processor can address and how fast,
/// and the channels a copy between two memories crosses.
///
/// Build, then seal: fill a MachineSpec (one node's description, the node count, the ranks per
/// node; every node is alike), then `Machine::seal` checks it and expands it into an immutable
/// Machine whose look-ups are table reads. A Machine is a cheap-to-copy value, safe to share
/// between threads. Units: bytes, bytes/s, seconds, flop/s.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/kinds.h"

namespace mapsmith::machine {

/// A small typed index into one of the Machine's lists; ids of different things do not mix.
template <typename Tag>
struct Id {
  std::uint32_t index = 0;
  friend constexpr auto operator<=>(Id, Id) = default;
};
using ProcId = Id<struct ProcTag>;
using MemId = Id<struct MemTag>;
using ChannelId = Id<struct ChannelTag>;

/// SOCKET_BUS: QPI/UPI between sockets; MEMBUS: a copy inside one node's DRAM (SYSMEM, ZCMEM,
/// RDMEM, SOCKMEM to one another); NIC: a node's network adapter.
enum class ChannelKind : std::uint8_t { SOCKET_BUS, PCIE, NVLINK, NIC, MEMBUS };
/// Which sockets' SOCKMEM an affinity covers, relative to the processor's own socket.
enum class SocketRule : std::uint8_t { ANY, LOCAL, REMOTE };
/// OUT: away from the channel's unit (GPU→host, GPU→NVSwitch, node→network, socket→peer socket).
enum class Direction : std::uint8_t { OUT, IN, BOTH };

std::string_view to_string(ChannelKind k);
std::string_view to_string(SocketRule r);
std::optional<ChannelKind> parse_channel_kind(std::string_view s);
std::optional<SocketRule> parse_socket_rule(std::string_view s);

// ---- The description: what a JSON machine file holds, field by field. ----

/// `count` processors of one kind per node, spread over the sockets in order and split evenly
/// over the ranks in order (the first count/ranks go to rank 0, ...).
struct ProcSpec {
  ProcKind kind{};
  std::uint32_t count = 0;
  double flops = 0;   ///< peak FP64 flop/s of one processor
  std::string model;  ///< free text, e.g. "NVIDIA Tesla P100 PCIe 16 GB"; may be empty
  /// The most one processor can stream from all memories together (a core's load bandwidth);
  /// 0: only its affinities bound it.
  double memory_bandwidth = 0;
  /// GPU: its DMA copy engines. Two or more: copies to and from it move at once (one per
  /// direction); one: they take turns.
  std::uint32_t copy_engines = 2;
  friend bool operator==(const ProcSpec&, const ProcSpec&) = default;
};
/// One memory kind. Instances: SOCKMEM one per socket, FBMEM one per GPU, others one per node.
struct MemSpec {
  MemKind kind{};
  std::uint64_t capacity = 0;  ///< bytes, per instance
  friend bool operator==(const MemSpec&, const MemSpec&) = default;
};
/// Processors of kind `proc` can address the node's memories of kind `mem` (FBMEM: only a GPU's
/// own; SOCKMEM: as `socket` says) at this bandwidth and latency.
struct AffinitySpec {
  ProcKind proc{};
  MemKind mem{};
  SocketRule socket = SocketRule::ANY;  ///< only for SOCKMEM
  double bandwidth = 0;
  double latency = 0;
  friend bool operator==(const AffinitySpec&, const AffinitySpec&) = default;
};
/// A kind of link, instantiated per unit: PCIE and NVLINK per GPU, SOCKET_BUS per ordered socket
/// pair, MEMBUS once, NIC `count` times. Bandwidth is per direction.
struct LinkSpec {
  ChannelKind kind{};
  std::uint32_t count = 1;  ///< only NIC may have more than 1
  double bandwidth = 0;
  double latency = 0;
  /// SOCKET_BUS: the bandwidth left to PCIe traffic that crosses it (a GPU reading or copying to
  /// the other socket's memory, measured far below a CPU's); 0: `bandwidth`.
  double io_bandwidth = 0;
  /// SOCKET_BUS: the same for PCIe traffic from a GPU toward host memory on the other socket
  /// (device-to-host: a GPU writing, or copying out of its framebuffer), measured lower still;
  /// 0: `io_bandwidth`.
  double io_bandwidth_to_host = 0;
  friend bool operator==(const LinkSpec&, const LinkSpec&) = default;
};
/// Which GPUs of a node copy directly to one another (peer to peer) rather than through host
/// memory: all (NVLink, or one PCIe switch), those on the same socket (PCIe peer access stops at
/// the socket bus on Intel hosts), or none.
enum class GpuPeers : std::uint8_t { ALL, SOCKET, NONE };
std::string_view to_string(GpuPeers g);
std::optional<GpuPeers> parse_gpu_peers(std::string_view s);

struct NodeSpec {
  std::uint32_t sockets = 1;
  /// Each socket's DRAM bandwidth, shared by everything that reads or writes host memory there;
  /// 0: not shared (each user gets its affinity's bandwidth).
  double dram_bandwidth = 0;
  GpuPeers gpu_peers = GpuPeers::SOCKET;
  std::vector<ProcSpec> processors;
  std::vector<MemSpec> memories;
  std::vector<AffinitySpec> affinities;
  std::vector<LinkSpec> links;
  friend bool operator==(const NodeSpec&, const NodeSpec&) = default;
};
struct MachineSpec {
  std::string name;
  std::uint32_t nodes = 1;
  std::uint32_t ranks_per_node = 1;  ///< processes per node; address spaces = nodes * ranks
  NodeSpec node;
  friend bool operator==(const MachineSpec&, const MachineSpec&) = default;
};

/// A problem in a spec: `path` in the JSON file's terms ("$.node.affinities[2].mem").
struct SpecError {
  std::string path;
  std::string message;
};
/// The first problem of the spec, if any: limits, duplicates, affinities and links to memory or
/// processor kinds the node lacks, links every route needs, counts that do not split over ranks.
std::optional<SpecError> check(const MachineSpec& spec);

// ---- The sealed machine. ----

struct Processor {
  ProcKind kind{};
  std::uint32_t node = 0;
  std::uint32_t address_space = 0;  ///< node * ranks_per_node + rank on the node
  std::uint32_t socket = 0;
  std::uint32_t local_index = 0;  ///< among processors of this kind in its address space
  std::uint32_t node_index = 0;   ///< among processors of this kind on its node
  double flops = 0;
  double memory_bandwidth = 0;  ///< see ProcSpec
};
struct Memory {
  MemKind kind{};
  std::uint32_t node = 0;
  std::optional<std::uint32_t> address_space;  ///< FBMEM: its GPU's; others: node-wide (nullopt)
  std::optional<std::uint32_t> socket;         ///< SOCKMEM: its socket
  std::optional<ProcId> gpu;                   ///< FBMEM: its GPU
  std::uint64_t capacity = 0;
};
struct Affinity {
  double bandwidth = 0;
  double latency = 0;
};
struct Channel {
  ChannelKind kind{};
  std::uint32_t node = 0;
  std::uint32_t unit = 0;  ///< PCIE/NVLINK: GPU node_index; NIC: its index; SOCKET_BUS: sender
  std::uint32_t peer = 0;  ///< SOCKET_BUS: receiving socket; otherwise equal to unit
  Direction direction = Direction::BOTH;
  double bandwidth = 0;
  double latency = 0;
};

/// The channels a copy crosses, in order; at most kMaxHops, stored inline (no allocation).
class Route {
 public:
  static constexpr std::size_t kMaxHops = 4;
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  ChannelId operator[](std::size_t i) const { return hops_[i]; }
  const ChannelId* begin() const { return hops_.data(); }
  const ChannelId* end() const { return hops_.data() + size_; }
  void push_back(ChannelId c);  ///< asserts the route is not full
  friend bool operator==(const Route& a, const Route& b);

 private:
  std::array<ChannelId, kMaxHops> hops_{};
  std::uint8_t size_ = 0;
};

class Machine {
 public:
  /// Checks and expands the spec. Throws InputError "NAME: PATH: MESSAGE" when check() fails.
  static Machine seal(MachineSpec spec);

  const MachineSpec& spec() const;
  const std::string& name() const { return spec().name; }
  std::uint32_t nodes() const { return spec().nodes; }
  std::uint32_t ranks_per_node() const { return spec().ranks_per_node; }
  std::uint32_t address_spaces() const { return nodes() * ranks_per_node(); }
  std::uint32_t sockets_per_node() const { return spec().node.sockets; }

  /// Ordered by node, then by the spec's order of kinds, then node_index.
  std::span<const Processor> processors() const;
  /// Ordered by node, then by the spec's order of kinds, then socket or GPU.
  std::span<const Memory> memories() const;
  /// Ordered by node, then by the spec's order of links, then unit and direction (OUT before IN).
  std::span<const Channel> channels() const;
  const Processor& processor(ProcId p) const { return processors()[p.index]; }
  const Memory& memory(MemId m) const { return memories()[m.index]; }
  const Channel& channel(ChannelId c) const { return channels()[c.index]; }

  bool has_kind(ProcKind k) const;
  bool has_kind(MemKind k) const;
  /// Processors of kind k in one address space (0 when the machine has none of that kind).
  std::uint32_t count(ProcKind k, std::uint32_t address_space) const;
  /// The local_index-th processor of kind k in that address space; asserts it exists.
  ProcId proc(ProcKind k, std::uint32_t address_space, std::uint32_t local_index) const;

  /// How the processor reaches the memory; nullopt when it cannot address it.
  std::optional<Affinity> affinity(ProcId p, MemId m) const;
  bool reaches(ProcId p, MemKind k) const { return memory_for(p, k).has_value(); }
  /// Every memory the processor can address, by bandwidth descending, ties by lower MemId.
  std::vector<MemId> visible_memories(ProcId p) const;
  /// The memory of that kind the processor would use: its own FBMEM, its socket's SOCKMEM (else
  /// the fastest reachable one), its node's SYSMEM/ZCMEM/RDMEM; nullopt when unreachable.
  std::optional<MemId> memory_for(ProcId p, MemKind k) const;
  /// The highest-bandwidth visible memory (the default of dsl.md §5).
  MemId best_memory(ProcId p) const;

  /// The channels a copy from `from` to `to` crosses (empty for the same memory). O(1).
  Route route(MemId from, MemId to) const;

  /// Short names for reports: "node0/GPU1", "node0/FBMEM1", "node0/PCIE1.out".
  std::string name_of(ProcId p) const;
  std::string name_of(MemId m) const;
  std::string name_of(ChannelId c) const;
  /// One paragraph in plain words (nodes, ranks, processors and memories per node, links).
  std::string summary() const;

  /// Machines are equal when their specs are (the expansion is a function of the spec).
  friend bool operator==(const Machine& a, const Machine& b) { return a.spec() == b.spec(); }

 private:
  struct Tables;
  explicit Machine(std::shared_ptr<const Tables> t) : t_(std::move(t)) {}
  std::shared_ptr<const Tables> t_;
};

}  // namespace mapsmith::machine

/// Ids hash to their index, for unordered containers keyed by processor, memory or channel.
template <typename Tag>
struct std::hash<mapsmith::machine::Id<Tag>> {
  std::size_t operator()(mapsmith::machine::Id<Tag> id) const noexcept { return id.index; }
};
