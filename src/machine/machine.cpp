#include "machine/machine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "util/error.h"

namespace mapsmith::machine {

namespace {

constexpr std::size_t kProcKinds = kAllProcKinds.size();
constexpr std::size_t kMemKinds = kAllMemKinds.size();

// Limits that keep a hostile or mistaken file from exhausting memory: the tables below are
// O(nodes × processors per node) and O(memories per node ²).
constexpr std::uint32_t kMaxNodes = 65536;
constexpr std::uint32_t kMaxRanks = 1024;
constexpr std::uint32_t kMaxSockets = 16;
constexpr std::uint32_t kMaxPerKind = 16384;  // processors of one kind per node
constexpr std::uint32_t kMaxGpus = 256;       // per node; one FBMEM and two PCIe channels each
constexpr std::uint32_t kMaxNics = 64;
constexpr std::uint64_t kMaxTotal = std::uint64_t{1} << 22;  // processors or channels in all

std::size_t idx(ProcKind k) {
  return static_cast<std::size_t>(k);
}
std::size_t idx(MemKind k) {
  return static_cast<std::size_t>(k);
}

bool is_host(MemKind k) {
  return k != MemKind::FBMEM;
}

std::string count_error(std::uint64_t got, std::string_view what) {
  return fmt::format("must be a positive {} (got {})", what, got);
}

}  // namespace

std::string_view to_string(ChannelKind k) {
  constexpr std::array<std::string_view, 5> names = {"SOCKET_BUS", "PCIE", "NVLINK", "NIC",
                                                     "MEMBUS"};
  return names[static_cast<std::size_t>(k)];
}
std::string_view to_string(SocketRule r) {
  constexpr std::array<std::string_view, 3> names = {"any", "local", "remote"};
  return names[static_cast<std::size_t>(r)];
}
std::optional<ChannelKind> parse_channel_kind(std::string_view s) {
  for (auto k : {ChannelKind::SOCKET_BUS, ChannelKind::PCIE, ChannelKind::NVLINK, ChannelKind::NIC,
                 ChannelKind::MEMBUS})
    if (to_string(k) == s) return k;
  return std::nullopt;
}
std::string_view to_string(GpuPeers g) {
  constexpr std::array<std::string_view, 3> names = {"all", "socket", "none"};
  return names[static_cast<std::size_t>(g)];
}
std::optional<GpuPeers> parse_gpu_peers(std::string_view s) {
  for (auto g : {GpuPeers::ALL, GpuPeers::SOCKET, GpuPeers::NONE})
    if (to_string(g) == s) return g;
  return std::nullopt;
}
std::optional<SocketRule> parse_socket_rule(std::string_view s) {
  for (auto r : {SocketRule::ANY, SocketRule::LOCAL, SocketRule::REMOTE})
    if (to_string(r) == s) return r;
  return std::nullopt;
}

void Route::push_back(ChannelId c) {
  MAPSMITH_ASSERT(size_ < kMaxHops);
  hops_[size_++] = c;
}
bool operator==(const Route& a, const Route& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// ---------------------------------------------------------------------------------------------
// check

namespace {

using Err = std::optional<SpecError>;

Err err(std::string path, std::string message) {
  return SpecError{std::move(path), std::move(message)};
}

Err check_number(const std::string& path, double v, bool zero_ok) {
  if (!std::isfinite(v) || v < 0 || (!zero_ok && v == 0))
    return err(path, fmt::format("must be a {} number (got {})",
                                 zero_ok ? "non-negative" : "positive", v));
  return std::nullopt;
}

const ProcSpec* find_proc(const NodeSpec& n, ProcKind k) {
  for (const ProcSpec& p : n.processors)
    if (p.kind == k) return &p;
  return nullptr;
}
const MemSpec* find_mem(const NodeSpec& n, MemKind k) {
  for (const MemSpec& m : n.memories)
    if (m.kind == k) return &m;
  return nullptr;
}
const LinkSpec* find_link(const NodeSpec& n, ChannelKind k) {
  for (const LinkSpec& l : n.links)
    if (l.kind == k) return &l;
  return nullptr;
}

std::string kinds_list(const NodeSpec& n) {
  std::string out;
  for (const MemSpec& m : n.memories)
    out += fmt::format("{}{}", out.empty() ? "" : ", ", to_string(m.kind));
  return out;
}

bool overlaps(SocketRule a, SocketRule b) {
  return a == SocketRule::ANY || b == SocketRule::ANY || a == b;
}

Err check_processors(const MachineSpec& s) {
  const NodeSpec& n = s.node;
  if (n.processors.empty()) return err("$.node.processors", "must list at least one processor");
  for (std::size_t i = 0; i < n.processors.size(); ++i) {
    const ProcSpec& p = n.processors[i];
    std::string at = fmt::format("$.node.processors[{}]", i);
    for (std::size_t j = 0; j < i; ++j)
      if (n.processors[j].kind == p.kind)
        return err(at + ".kind", fmt::format("{} is listed twice (first at $.node.processors[{}])",
                                             to_string(p.kind), j));
    if (p.count == 0) return err(at + ".count", count_error(p.count, "integer"));
    std::uint32_t limit = p.kind == ProcKind::GPU ? kMaxGpus : kMaxPerKind;
    if (p.count > limit)
      return err(at + ".count",
                 fmt::format("at most {} {} processors per node are supported (got {})", limit,
                             to_string(p.kind), p.count));
    if (Err e = check_number(at + ".flops", p.flops, false)) return e;
    if (p.memory_bandwidth != 0)
      if (Err e = check_number(at + ".memory_bandwidth", p.memory_bandwidth, false)) return e;
    if (p.kind != ProcKind::GPU && p.copy_engines != 2)
      return err(at + ".copy_engines", "only GPUs have copy engines");
    if (p.copy_engines == 0 || p.copy_engines > 64)
      return err(at + ".copy_engines",
                 fmt::format("must be between 1 and 64 (got {})", p.copy_engines));
    if (p.count % s.ranks_per_node != 0)
      return err(at + ".count",
                 fmt::format("{} {} processors per node do not split evenly over {} ranks per node",
                             p.count, to_string(p.kind), s.ranks_per_node));
  }
  return std::nullopt;
}

Err check_memories(const NodeSpec& n) {
  if (n.memories.empty()) return err("$.node.memories", "must list at least one memory");
  for (std::size_t i = 0; i < n.memories.size(); ++i) {
    const MemSpec& m = n.memories[i];
    std::string at = fmt::format("$.node.memories[{}]", i);
    for (std::size_t j = 0; j < i; ++j)
      if (n.memories[j].kind == m.kind)
        return err(at + ".kind", fmt::format("{} is listed twice (first at $.node.memories[{}])",
                                             to_string(m.kind), j));
    if (m.kind == MemKind::VIRTUAL)
      return err(at + ".kind", "VIRTUAL is not a physical memory; leave it out");
    if (m.kind == MemKind::FBMEM && !find_proc(n, ProcKind::GPU))
      return err(at + ".kind", "FBMEM is one per GPU, but the node has no GPU processors");
    if (m.capacity == 0) return err(at + ".capacity", count_error(0, "integer"));
  }
  return std::nullopt;
}

Err check_affinities(const NodeSpec& n) {
  for (std::size_t i = 0; i < n.affinities.size(); ++i) {
    const AffinitySpec& a = n.affinities[i];
    std::string at = fmt::format("$.node.affinities[{}]", i);
    if (!find_proc(n, a.proc))
      return err(at + ".proc", fmt::format("the node has no {} processors", to_string(a.proc)));
    if (!find_mem(n, a.mem))
      return err(at + ".mem", fmt::format("the node has no {} (its memories: {})", to_string(a.mem),
                                          kinds_list(n)));
    if (a.mem == MemKind::FBMEM && a.proc != ProcKind::GPU)
      return err(at + ".mem", "only a GPU reaches FBMEM (its own)");
    if (a.socket != SocketRule::ANY && a.mem != MemKind::SOCKMEM)
      return err(at + ".socket", "only SOCKMEM affinities depend on the socket");
    if (Err e = check_number(at + ".bandwidth", a.bandwidth, false)) return e;
    if (Err e = check_number(at + ".latency", a.latency, true)) return e;
    for (std::size_t j = 0; j < i; ++j) {
      const AffinitySpec& b = n.affinities[j];
      if (b.proc == a.proc && b.mem == a.mem && overlaps(a.socket, b.socket))
        return err(at, fmt::format("{} → {} is already given by $.node.affinities[{}]",
                                   to_string(a.proc), to_string(a.mem), j));
    }
  }
  for (const ProcSpec& p : n.processors) {
    bool any = std::any_of(n.affinities.begin(), n.affinities.end(),
                           [&](const AffinitySpec& a) { return a.proc == p.kind; });
    if (!any)
      return err("$.node.affinities",
                 fmt::format("{} processors reach no memory; add an affinity for them",
                             to_string(p.kind)));
  }
  return std::nullopt;
}

Err check_links(const MachineSpec& s) {
  const NodeSpec& n = s.node;
  for (std::size_t i = 0; i < n.links.size(); ++i) {
    const LinkSpec& l = n.links[i];
    std::string at = fmt::format("$.node.links[{}]", i);
    for (std::size_t j = 0; j < i; ++j)
      if (n.links[j].kind == l.kind)
        return err(at + ".kind", fmt::format("{} is listed twice (first at $.node.links[{}])",
                                             to_string(l.kind), j));
    if (l.kind == ChannelKind::NIC) {
      if (l.count == 0) return err(at + ".count", count_error(0, "integer"));
      if (l.count > kMaxNics)
        return err(at + ".count", fmt::format("at most {} NICs per node are supported (got {})",
                                              kMaxNics, l.count));
    } else if (l.count != 1) {
      return err(at + ".count", "only NIC links have a count");
    }
    if (Err e = check_number(at + ".bandwidth", l.bandwidth, false)) return e;
    if (Err e = check_number(at + ".latency", l.latency, true)) return e;
    if (l.io_bandwidth != 0) {
      if (l.kind != ChannelKind::SOCKET_BUS)
        return err(at + ".io_bandwidth", "only a SOCKET_BUS link has an io_bandwidth");
      if (Err e = check_number(at + ".io_bandwidth", l.io_bandwidth, false)) return e;
    }
    if (l.io_bandwidth_to_host != 0) {
      if (l.kind != ChannelKind::SOCKET_BUS)
        return err(at + ".io_bandwidth_to_host",
                   "only a SOCKET_BUS link has an io_bandwidth_to_host");
      if (Err e = check_number(at + ".io_bandwidth_to_host", l.io_bandwidth_to_host, false))
        return e;
    }
    bool fb = find_mem(n, MemKind::FBMEM) != nullptr;
    bool sock = find_mem(n, MemKind::SOCKMEM) != nullptr;
    bool host = std::any_of(n.memories.begin(), n.memories.end(),
                            [](const MemSpec& m) { return is_host(m.kind); });
    if ((l.kind == ChannelKind::PCIE || l.kind == ChannelKind::NVLINK) && !fb)
      return err(at + ".kind", fmt::format("a {} link joins each GPU's FBMEM to the node, but the "
                                           "node has no FBMEM",
                                           to_string(l.kind)));
    if (l.kind == ChannelKind::SOCKET_BUS && !sock)
      return err(
          at + ".kind",
          "a SOCKET_BUS link joins the SOCKMEMs of two sockets, but the node has no SOCKMEM");
    if (l.kind == ChannelKind::SOCKET_BUS && n.sockets < 2)
      return err(at + ".kind", "a SOCKET_BUS link needs at least 2 sockets");
    if (l.kind == ChannelKind::MEMBUS && !host)
      return err(at + ".kind", "a MEMBUS link joins host memories, but the node has none");
  }
  // The links every route needs (see route()).
  std::size_t host_kinds = std::count_if(n.memories.begin(), n.memories.end(),
                                         [](const MemSpec& m) { return is_host(m.kind); });
  auto need = [&](ChannelKind k, const char* why) -> Err {
    if (find_link(n, k)) return std::nullopt;
    return err("$.node.links", fmt::format("a {} link is required: {}", to_string(k), why));
  };
  if (find_mem(n, MemKind::FBMEM))
    if (Err e = need(ChannelKind::PCIE, "every GPU sits on PCIe")) return e;
  if (find_mem(n, MemKind::SOCKMEM) && n.sockets > 1)
    if (Err e = need(ChannelKind::SOCKET_BUS, "copies between SOCKMEMs cross it")) return e;
  if (host_kinds > 1)
    if (Err e = need(ChannelKind::MEMBUS, "copies between host memories cross it")) return e;
  if (s.nodes > 1)
    if (Err e = need(ChannelKind::NIC, "copies between nodes cross it")) return e;
  return std::nullopt;
}

}  // namespace

std::optional<SpecError> check(const MachineSpec& s) {
  if (s.name.empty()) return err("$.name", "must not be empty");
  if (s.nodes == 0 || s.nodes > kMaxNodes)
    return err("$.nodes", fmt::format("must be between 1 and {} (got {})", kMaxNodes, s.nodes));
  if (s.ranks_per_node == 0 || s.ranks_per_node > kMaxRanks)
    return err("$.ranks_per_node",
               fmt::format("must be between 1 and {} (got {})", kMaxRanks, s.ranks_per_node));
  if (s.node.sockets == 0 || s.node.sockets > kMaxSockets)
    return err("$.node.sockets",
               fmt::format("must be between 1 and {} (got {})", kMaxSockets, s.node.sockets));
  if (s.node.dram_bandwidth != 0)
    if (Err e = check_number("$.node.dram_bandwidth", s.node.dram_bandwidth, false)) return e;
  if (Err e = check_processors(s)) return e;
  if (Err e = check_memories(s.node)) return e;
  if (Err e = check_affinities(s.node)) return e;
  if (Err e = check_links(s)) return e;
  std::uint64_t per_node = 0;
  for (const ProcSpec& p : s.node.processors)
    per_node += p.count;
  if (per_node * s.nodes > kMaxTotal)
    return err("$.nodes", fmt::format("{} nodes of {} processors are too many (at most {} "
                                      "processors in all)",
                                      s.nodes, per_node, kMaxTotal));
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// seal: expand one node's layout, then replicate it with offsets. Every per-node table below is
// indexed by node-local ids (global id = node * per-node count + local id).

struct Machine::Tables {
  MachineSpec spec;
  std::uint32_t P = 0, M = 0, C = 0;  // processors, memories, channels per node
  std::vector<Processor> procs;
  std::vector<Memory> mems;
  std::vector<Channel> chans;
  std::array<std::uint32_t, kProcKinds> kind_offset{}, kind_count{};
  std::array<bool, kMemKinds> mem_present{};

  struct LocalAffinity {
    std::uint32_t mem;
    Affinity a;
  };
  struct LocalRoute {
    std::array<std::uint32_t, 2> hops;
    std::uint8_t size;
  };
  std::vector<std::vector<LocalAffinity>> visible;              // per local proc, sorted
  std::vector<std::array<std::int32_t, kMemKinds>> memory_for;  // per local proc; -1: none
  std::vector<LocalRoute> routes;                               // M × M
  std::vector<std::int32_t> up, down;  // per local memory: its GPU's PCIe channels, or -1
  std::vector<std::uint32_t> nic;      // per local memory: the OUT channel of the NIC it uses
};

namespace {

// Where each kind of link starts in the node-local channel list.
struct ChannelLayout {
  std::int32_t pcie = -1, nvlink = -1, socket_bus = -1, membus = -1, nic = -1;
  std::uint32_t nics = 0;
};

}  // namespace

Machine Machine::seal(MachineSpec spec) {
  if (auto e = check(spec))
    throw InputError(fmt::format("{}: {}: {}", spec.name, e->path, e->message));
  auto t = std::make_shared<Tables>();
  const NodeSpec& n = spec.node;
  const std::uint32_t S = n.sockets, R = spec.ranks_per_node;

  // Processors of node 0.
  std::vector<Processor> lp;
  for (const ProcSpec& g : n.processors) {
    t->kind_offset[idx(g.kind)] = static_cast<std::uint32_t>(lp.size());
    t->kind_count[idx(g.kind)] = g.count;
    const std::uint32_t per_rank = g.count / R;
    for (std::uint32_t i = 0; i < g.count; ++i)
      lp.push_back({.kind = g.kind,
                    .node = 0,
                    .address_space = i / per_rank,
                    .socket = static_cast<std::uint32_t>(std::uint64_t{i} * S / g.count),
                    .local_index = i % per_rank,
                    .node_index = i,
                    .flops = g.flops,
                    .memory_bandwidth = g.memory_bandwidth});
  }
  const std::uint32_t gpus = t->kind_count[idx(ProcKind::GPU)];
  const std::uint32_t gpu0 = t->kind_offset[idx(ProcKind::GPU)];

  // Memories of node 0.
  std::vector<Memory> lm;
  for (const MemSpec& m : n.memories) {
    t->mem_present[idx(m.kind)] = true;
    Memory me;
    me.kind = m.kind;
    me.capacity = m.capacity;
    if (m.kind == MemKind::SOCKMEM) {
      for (std::uint32_t s = 0; s < S; ++s) {
        me.socket = s;
        lm.push_back(me);
      }
    } else if (m.kind == MemKind::FBMEM) {
      for (std::uint32_t g = 0; g < gpus; ++g) {
        me.address_space = lp[gpu0 + g].address_space;
        me.gpu = ProcId{gpu0 + g};
        lm.push_back(me);
      }
    } else {
      lm.push_back(me);
    }
  }

  // Channels of node 0.
  std::vector<Channel> lc;
  ChannelLayout L;
  auto pair = [&](ChannelKind k, std::uint32_t unit, const LinkSpec& l) {
    lc.push_back({k, 0, unit, unit, Direction::OUT, l.bandwidth, l.latency});
    lc.push_back({k, 0, unit, unit, Direction::IN, l.bandwidth, l.latency});
  };
  for (const LinkSpec& l : n.links) {
    auto start = static_cast<std::int32_t>(lc.size());
    switch (l.kind) {
      case ChannelKind::PCIE:
        L.pcie = start;
        for (std::uint32_t g = 0; g < gpus; ++g)
          pair(l.kind, g, l);
        break;
      case ChannelKind::NVLINK:
        L.nvlink = start;
        for (std::uint32_t g = 0; g < gpus; ++g)
          pair(l.kind, g, l);
        break;
      case ChannelKind::NIC:
        L.nic = start;
        L.nics = l.count;
        for (std::uint32_t j = 0; j < l.count; ++j)
          pair(l.kind, j, l);
        break;
      case ChannelKind::SOCKET_BUS:
        L.socket_bus = start;
        for (std::uint32_t a = 0; a < S; ++a)
          for (std::uint32_t b = 0; b < S; ++b)
            if (a != b) lc.push_back({l.kind, 0, a, b, Direction::OUT, l.bandwidth, l.latency});
        break;
      case ChannelKind::MEMBUS:
        L.membus = start;
        lc.push_back({l.kind, 0, 0, 0, Direction::BOTH, l.bandwidth, l.latency});
        break;
    }
  }
  t->P = static_cast<std::uint32_t>(lp.size());
  t->M = static_cast<std::uint32_t>(lm.size());
  t->C = static_cast<std::uint32_t>(lc.size());
  if (std::uint64_t{t->C} * spec.nodes > kMaxTotal)
    throw InputError(fmt::format("{}: $.nodes: {} nodes of {} channels are too many", spec.name,
                                 spec.nodes, t->C));

  // Affinities, sorted views and defaults per local processor.
  t->visible.resize(t->P);
  t->memory_for.resize(t->P);
  for (std::uint32_t p = 0; p < t->P; ++p) {
    const Processor& pr = lp[p];
    auto& vis = t->visible[p];
    for (std::uint32_t m = 0; m < t->M; ++m) {
      const Memory& me = lm[m];
      for (const AffinitySpec& a : n.affinities) {
        if (a.proc != pr.kind || a.mem != me.kind) continue;
        if (me.kind == MemKind::FBMEM && me.gpu->index != p) continue;
        if (me.kind == MemKind::SOCKMEM &&
            ((a.socket == SocketRule::LOCAL && *me.socket != pr.socket) ||
             (a.socket == SocketRule::REMOTE && *me.socket == pr.socket)))
          continue;
        vis.push_back({m, {a.bandwidth, a.latency}});
        break;
      }
    }
    std::stable_sort(vis.begin(), vis.end(),
                     [](const auto& x, const auto& y) { return x.a.bandwidth > y.a.bandwidth; });
    auto& mf = t->memory_for[p];
    mf.fill(-1);
    for (const auto& v : vis) {
      const Memory& me = lm[v.mem];
      bool own = (me.gpu && me.gpu->index == p) || (me.socket && *me.socket == pr.socket);
      auto& slot = mf[idx(me.kind)];
      if (slot < 0 || own) slot = static_cast<std::int32_t>(v.mem);
    }
  }

  // Routes inside a node, and each memory's way to its NIC.
  auto gpu_of = [&](std::uint32_t m) { return lm[m].gpu->index - gpu0; };
  t->routes.resize(std::size_t{t->M} * t->M);
  t->up.assign(t->M, -1);
  t->down.assign(t->M, -1);
  t->nic.assign(t->M, 0);
  for (std::uint32_t a = 0; a < t->M; ++a) {
    const Memory& A = lm[a];
    if (A.kind == MemKind::FBMEM) {
      t->up[a] = L.pcie + 2 * static_cast<std::int32_t>(gpu_of(a));
      t->down[a] = t->up[a] + 1;
    }
    if (L.nics > 0) {
      std::uint32_t j = 0;
      if (A.kind == MemKind::FBMEM) j = gpu_of(a) * L.nics / gpus;
      if (A.kind == MemKind::SOCKMEM) j = *A.socket * L.nics / S;
      t->nic[a] = static_cast<std::uint32_t>(L.nic) + 2 * j;
    }
    for (std::uint32_t b = 0; b < t->M; ++b) {
      const Memory& B = lm[b];
      Tables::LocalRoute r{{0, 0}, 0};
      auto add = [&](std::int32_t c) {
        MAPSMITH_ASSERT(c >= 0);
        r.hops[r.size++] = static_cast<std::uint32_t>(c);
      };
      if (a == b) {
      } else if (A.kind == MemKind::FBMEM && B.kind == MemKind::FBMEM) {
        std::int32_t base = L.nvlink >= 0 ? L.nvlink : L.pcie;
        MAPSMITH_ASSERT(base >= 0);
        add(base + 2 * static_cast<std::int32_t>(gpu_of(a)));
        add(base + 2 * static_cast<std::int32_t>(gpu_of(b)) + 1);
      } else if (A.kind == MemKind::FBMEM) {
        add(L.pcie + 2 * static_cast<std::int32_t>(gpu_of(a)));
      } else if (B.kind == MemKind::FBMEM) {
        add(L.pcie + 2 * static_cast<std::int32_t>(gpu_of(b)) + 1);
      } else if (A.kind == MemKind::SOCKMEM && B.kind == MemKind::SOCKMEM) {
        std::uint32_t x = *A.socket, y = *B.socket;
        add(L.socket_bus + static_cast<std::int32_t>(x * (S - 1) + (y < x ? y : y - 1)));
      } else {
        add(L.membus);
      }
      t->routes[std::size_t{a} * t->M + b] = r;
    }
  }

  // Replicate node 0 over all nodes.
  t->procs.reserve(std::size_t{t->P} * spec.nodes);
  t->mems.reserve(std::size_t{t->M} * spec.nodes);
  t->chans.reserve(std::size_t{t->C} * spec.nodes);
  for (std::uint32_t node = 0; node < spec.nodes; ++node) {
    for (Processor p : lp) {
      p.node = node;
      p.address_space += node * R;
      t->procs.push_back(p);
    }
    for (Memory m : lm) {
      m.node = node;
      if (m.address_space) *m.address_space += node * R;
      if (m.gpu) m.gpu->index += node * t->P;
      t->mems.push_back(m);
    }
    for (Channel c : lc) {
      c.node = node;
      t->chans.push_back(c);
    }
  }
  t->spec = std::move(spec);
  return Machine(std::move(t));
}

// ---------------------------------------------------------------------------------------------
// Queries

const MachineSpec& Machine::spec() const {
  return t_->spec;
}
std::span<const Processor> Machine::processors() const {
  return t_->procs;
}
std::span<const Memory> Machine::memories() const {
  return t_->mems;
}
std::span<const Channel> Machine::channels() const {
  return t_->chans;
}

bool Machine::has_kind(ProcKind k) const {
  return t_->kind_count[idx(k)] > 0;
}
bool Machine::has_kind(MemKind k) const {
  return t_->mem_present[idx(k)];
}

std::uint32_t Machine::count(ProcKind k, std::uint32_t address_space) const {
  MAPSMITH_ASSERT(address_space < address_spaces());
  return t_->kind_count[idx(k)] / ranks_per_node();
}

ProcId Machine::proc(ProcKind k, std::uint32_t address_space, std::uint32_t local_index) const {
  const std::uint32_t per_rank = count(k, address_space);
  MAPSMITH_ASSERT(local_index < per_rank);
  const std::uint32_t node = address_space / ranks_per_node();
  const std::uint32_t rank = address_space % ranks_per_node();
  return ProcId{node * t_->P + t_->kind_offset[idx(k)] + rank * per_rank + local_index};
}

std::optional<Affinity> Machine::affinity(ProcId p, MemId m) const {
  const Processor& pr = processor(p);
  if (memory(m).node != pr.node) return std::nullopt;
  const std::uint32_t lm = m.index - pr.node * t_->M;
  for (const auto& v : t_->visible[p.index - pr.node * t_->P])
    if (v.mem == lm) return v.a;
  return std::nullopt;
}

std::vector<MemId> Machine::visible_memories(ProcId p) const {
  const std::uint32_t node = processor(p).node;
  std::vector<MemId> out;
  for (const auto& v : t_->visible[p.index - node * t_->P])
    out.push_back(MemId{node * t_->M + v.mem});
  return out;
}

std::optional<MemId> Machine::memory_for(ProcId p, MemKind k) const {
  const std::uint32_t node = processor(p).node;
  std::int32_t m = t_->memory_for[p.index - node * t_->P][idx(k)];
  if (m < 0) return std::nullopt;
  return MemId{node * t_->M + static_cast<std::uint32_t>(m)};
}

MemId Machine::best_memory(ProcId p) const {
  const std::uint32_t node = processor(p).node;
  const auto& vis = t_->visible[p.index - node * t_->P];
  MAPSMITH_ASSERT(!vis.empty());  // check() requires an affinity for every processor kind
  return MemId{node * t_->M + vis.front().mem};
}

Route Machine::route(MemId from, MemId to) const {
  const Tables& t = *t_;
  MAPSMITH_ASSERT(from.index < t.mems.size() && to.index < t.mems.size());
  const std::uint32_t na = from.index / t.M, nb = to.index / t.M;
  const std::uint32_t a = from.index % t.M, b = to.index % t.M;
  Route r;
  if (na == nb) {
    const auto& lr = t.routes[std::size_t{a} * t.M + b];
    for (std::uint8_t i = 0; i < lr.size; ++i)
      r.push_back(ChannelId{na * t.C + lr.hops[i]});
    return r;
  }
  if (t.up[a] >= 0) r.push_back(ChannelId{na * t.C + static_cast<std::uint32_t>(t.up[a])});
  r.push_back(ChannelId{na * t.C + t.nic[a]});
  r.push_back(ChannelId{nb * t.C + t.nic[b] + 1});
  if (t.down[b] >= 0) r.push_back(ChannelId{nb * t.C + static_cast<std::uint32_t>(t.down[b])});
  return r;
}

// ---------------------------------------------------------------------------------------------
// Names and summary

std::string Machine::name_of(ProcId p) const {
  const Processor& pr = processor(p);
  return fmt::format("node{}/{}{}", pr.node, to_string(pr.kind), pr.node_index);
}

std::string Machine::name_of(MemId m) const {
  const Memory& me = memory(m);
  if (me.gpu) return fmt::format("node{}/FBMEM{}", me.node, processor(*me.gpu).node_index);
  if (me.socket) return fmt::format("node{}/{}{}", me.node, to_string(me.kind), *me.socket);
  return fmt::format("node{}/{}", me.node, to_string(me.kind));
}

std::string Machine::name_of(ChannelId c) const {
  const Channel& ch = channel(c);
  switch (ch.kind) {
    case ChannelKind::MEMBUS:
      return fmt::format("node{}/MEMBUS", ch.node);
    case ChannelKind::SOCKET_BUS:
      return fmt::format("node{}/SOCKET_BUS{}-{}", ch.node, ch.unit, ch.peer);
    default:
      return fmt::format("node{}/{}{}.{}", ch.node, to_string(ch.kind), ch.unit,
                         ch.direction == Direction::OUT ? "out" : "in");
  }
}

namespace {

// "38.4 GFLOP/s", "732 GB/s": three significant digits with a decimal prefix.
std::string rate(double v, std::string_view unit) {
  constexpr std::array<std::string_view, 6> prefix = {"", "k", "M", "G", "T", "P"};
  std::size_t i = 0;
  while (i + 1 < prefix.size() && v >= 1000) {
    v /= 1000;
    ++i;
  }
  return fmt::format("{:.3g} {}{}", v, prefix[i], unit);
}

// "256 GiB": binary prefixes, as memory is sold and as Legion's -ll:*size flags count.
std::string bytes(std::uint64_t v) {
  constexpr std::array<std::string_view, 6> prefix = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  std::size_t i = 0;
  double d = static_cast<double>(v);
  while (i + 1 < prefix.size() && d >= 1024) {
    d /= 1024;
    ++i;
  }
  return fmt::format("{:.3g} {}", d, prefix[i]);
}

}  // namespace

std::string Machine::summary() const {
  const MachineSpec& s = spec();
  const NodeSpec& n = s.node;
  std::string out = fmt::format("{}: {} node{}", s.name, s.nodes, s.nodes == 1 ? "" : "s");
  if (s.ranks_per_node > 1)
    out +=
        fmt::format(", {} ranks per node ({} address spaces)", s.ranks_per_node, address_spaces());
  out += fmt::format(". Each node: {} socket{}; ", n.sockets, n.sockets == 1 ? "" : "s");
  for (std::size_t i = 0; i < n.processors.size(); ++i) {
    const ProcSpec& p = n.processors[i];
    out += fmt::format("{}{} {} ({}{} each)", i ? ", " : "", p.count, to_string(p.kind),
                       p.model.empty() ? "" : p.model + ", ", rate(p.flops, "FLOP/s"));
  }
  if (s.ranks_per_node > 1) {
    out += "; per rank: ";
    for (std::size_t i = 0; i < n.processors.size(); ++i)
      out += fmt::format("{}{} {}", i ? ", " : "", n.processors[i].count / s.ranks_per_node,
                         to_string(n.processors[i].kind));
  }
  out += ". Memories per node: ";
  for (std::size_t i = 0; i < n.memories.size(); ++i) {
    const MemSpec& m = n.memories[i];
    out += i ? ", " : "";
    if (m.kind == MemKind::SOCKMEM && n.sockets > 1)
      out += fmt::format("SOCKMEM {} × {} (one per socket)", n.sockets, bytes(m.capacity));
    else if (m.kind == MemKind::FBMEM)
      out += fmt::format("FBMEM {} × {} (one per GPU)", t_->kind_count[idx(ProcKind::GPU)],
                         bytes(m.capacity));
    else
      out += fmt::format("{} {}", to_string(m.kind), bytes(m.capacity));
  }
  out += ". ";
  // What each kind reaches, from its first processor on node 0 (best memory of each kind);
  // kinds that reach the same memories at the same speeds share one clause.
  std::vector<std::pair<std::string, std::string>> reach;  // (kinds, memories)
  for (const ProcSpec& p : n.processors) {
    ProcId first{t_->kind_offset[idx(p.kind)]};
    std::array<bool, kMemKinds> seen{};
    std::string mems;
    for (MemId m : visible_memories(first)) {
      MemKind k = memory(m).kind;
      if (seen[idx(k)]) continue;
      seen[idx(k)] = true;
      mems += fmt::format("{}{} ({})", mems.empty() ? "" : ", ", to_string(k),
                          rate(affinity(first, m)->bandwidth, "B/s"));
    }
    auto same =
        std::find_if(reach.begin(), reach.end(), [&](const auto& r) { return r.second == mems; });
    if (same == reach.end())
      reach.emplace_back(std::string(to_string(p.kind)), mems);
    else
      same->first += fmt::format(", {}", to_string(p.kind));
  }
  for (const auto& [kinds, mems] : reach)
    out += fmt::format("{} {} {}; ", kinds,
                       kinds.find(',') == std::string::npos ? "reaches" : "reach", mems);
  out += "links: ";
  for (std::size_t i = 0; i < n.links.size(); ++i) {
    const LinkSpec& l = n.links[i];
    out += i ? ", " : "";
    switch (l.kind) {
      case ChannelKind::PCIE:
      case ChannelKind::NVLINK:
        out += fmt::format("{} {} per GPU", to_string(l.kind), rate(l.bandwidth, "B/s"));
        break;
      case ChannelKind::NIC:
        out += fmt::format("{} NIC{} of {} per node", l.count, l.count == 1 ? "" : "s",
                           rate(l.bandwidth, "B/s"));
        break;
      default:
        out += fmt::format("{} {}", to_string(l.kind), rate(l.bandwidth, "B/s"));
    }
  }
  out += " (bandwidths per direction).";
  if (!has_kind(MemKind::FBMEM) || t_->kind_count[idx(ProcKind::GPU)] < 2) return out;
  out +=
      n.links.end() != std::find_if(n.links.begin(), n.links.end(),
                                    [](const LinkSpec& l) { return l.kind == ChannelKind::NVLINK; })
          ? " GPU-to-GPU copies use NVLink."
          : " GPU-to-GPU copies go through host memory over PCIe (no NVLink).";
  return out;
}

}  // namespace mapsmith::machine
