#include "machine/machine.h"

#include <gtest/gtest.h>

#include <string>
#include <unordered_set>
#include <vector>

#include "machine/presets.h"
#include "util/error.h"

namespace mapsmith::machine {
namespace {

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

std::vector<std::string> names(const Machine& m, const Route& r) {
  std::vector<std::string> out;
  for (ChannelId c : r)
    out.push_back(m.name_of(c));
  return out;
}
std::vector<std::string> names(const Machine& m, const std::vector<MemId>& ms) {
  std::vector<std::string> out;
  for (MemId x : ms)
    out.push_back(m.name_of(x));
  return out;
}

// The first memory of that kind on that node, by its name ("node1/FBMEM3").
MemId mem(const Machine& m, const std::string& name) {
  for (std::uint32_t i = 0; i < m.memories().size(); ++i)
    if (m.name_of(MemId{i}) == name) return MemId{i};
  ADD_FAILURE() << "no memory " << name;
  return MemId{};
}
ProcId proc(const Machine& m, const std::string& name) {
  for (std::uint32_t i = 0; i < m.processors().size(); ++i)
    if (m.name_of(ProcId{i}) == name) return ProcId{i};
  ADD_FAILURE() << "no processor " << name;
  return ProcId{};
}

// A hand-built machine without SOCKMEM: the CPU default falls back to SYSMEM.
MachineSpec tiny_spec() {
  MachineSpec s;
  s.name = "tiny";
  s.node.processors = {{ProcKind::CPU, 2, 1e9, ""}, {ProcKind::GPU, 2, 1e12, ""}};
  s.node.memories = {{MemKind::SYSMEM, 8 * kGiB}, {MemKind::FBMEM, kGiB}, {MemKind::ZCMEM, kGiB}};
  s.node.affinities = {{ProcKind::CPU, MemKind::SYSMEM, SocketRule::ANY, 2e10, 1e-7},
                       {ProcKind::CPU, MemKind::ZCMEM, SocketRule::ANY, 2e10, 1e-7},
                       {ProcKind::GPU, MemKind::FBMEM, SocketRule::ANY, 5e11, 5e-7},
                       {ProcKind::GPU, MemKind::ZCMEM, SocketRule::ANY, 1e10, 1e-6}};
  s.node.links = {{ChannelKind::PCIE, 1, 1e10, 1e-6}, {ChannelKind::MEMBUS, 1, 2e10, 1e-7}};
  return s;
}

TEST(Machine, LayoutOfSapling) {
  Machine m = make_machine("sapling");
  EXPECT_EQ(m.name(), "sapling");
  EXPECT_EQ(m.nodes(), 1u);
  EXPECT_EQ(m.ranks_per_node(), 1u);
  EXPECT_EQ(m.address_spaces(), 1u);
  EXPECT_EQ(m.sockets_per_node(), 2u);
  ASSERT_EQ(m.processors().size(), 27u);  // 20 CPU, 4 GPU, 2 OMP, 1 UTIL
  ASSERT_EQ(m.memories().size(), 8u);     // SYSMEM, 4 FBMEM, ZCMEM, 2 SOCKMEM
  ASSERT_EQ(m.channels().size(), 13u);    // 2 socket bus, 8 PCIe, 2 NIC, 1 membus
  std::vector<std::string> mems;
  for (std::uint32_t i = 0; i < 8; ++i)
    mems.push_back(m.name_of(MemId{i}));
  EXPECT_EQ(mems, (std::vector<std::string>{"node0/SYSMEM", "node0/FBMEM0", "node0/FBMEM1",
                                            "node0/FBMEM2", "node0/FBMEM3", "node0/ZCMEM",
                                            "node0/SOCKMEM0", "node0/SOCKMEM1"}));
  std::vector<std::string> chans;
  for (std::uint32_t i = 0; i < 13; ++i)
    chans.push_back(m.name_of(ChannelId{i}));
  EXPECT_EQ(chans, (std::vector<std::string>{"node0/SOCKET_BUS0-1", "node0/SOCKET_BUS1-0",
                                             "node0/PCIE0.out", "node0/PCIE0.in", "node0/PCIE1.out",
                                             "node0/PCIE1.in", "node0/PCIE2.out", "node0/PCIE2.in",
                                             "node0/PCIE3.out", "node0/PCIE3.in", "node0/NIC0.out",
                                             "node0/NIC0.in", "node0/MEMBUS"}));

  const Processor& cpu11 = m.processor(proc(m, "node0/CPU11"));
  EXPECT_EQ(cpu11.kind, ProcKind::CPU);
  EXPECT_EQ(cpu11.socket, 1u);
  EXPECT_EQ(cpu11.local_index, 11u);
  EXPECT_EQ(cpu11.flops, 38.4e9);
  const Processor& gpu1 = m.processor(proc(m, "node0/GPU1"));
  EXPECT_EQ(gpu1.socket, 0u);
  EXPECT_EQ(m.processor(proc(m, "node0/GPU2")).socket, 1u);
  EXPECT_EQ(gpu1.flops, 4.7e12);

  const Memory& fb2 = m.memory(mem(m, "node0/FBMEM2"));
  EXPECT_EQ(fb2.capacity, 16 * kGiB);
  EXPECT_EQ(fb2.gpu, proc(m, "node0/GPU2"));
  EXPECT_EQ(fb2.address_space, 0u);
  const Memory& sock1 = m.memory(mem(m, "node0/SOCKMEM1"));
  EXPECT_EQ(sock1.socket, 1u);
  EXPECT_EQ(sock1.address_space, std::nullopt);  // node-wide
  EXPECT_EQ(sock1.capacity, 128 * kGiB);
  EXPECT_EQ(m.memory(mem(m, "node0/SYSMEM")).capacity, 256 * kGiB);
  EXPECT_EQ(m.memory(mem(m, "node0/ZCMEM")).capacity, 32 * kGiB);

  const Channel& pcie = m.channel(ChannelId{4});
  EXPECT_EQ(pcie.kind, ChannelKind::PCIE);
  EXPECT_EQ(pcie.unit, 1u);
  EXPECT_EQ(pcie.direction, Direction::OUT);
  EXPECT_EQ(pcie.bandwidth, 12e9);
}

TEST(Machine, KindsAndCounts) {
  Machine m = make_machine("sapling");
  EXPECT_TRUE(m.has_kind(ProcKind::GPU));
  EXPECT_TRUE(m.has_kind(ProcKind::OMP));
  EXPECT_FALSE(m.has_kind(ProcKind::PY));
  EXPECT_FALSE(m.has_kind(ProcKind::IO));
  EXPECT_TRUE(m.has_kind(MemKind::SOCKMEM));
  EXPECT_FALSE(m.has_kind(MemKind::RDMEM));
  EXPECT_EQ(m.count(ProcKind::CPU, 0), 20u);
  EXPECT_EQ(m.count(ProcKind::GPU, 0), 4u);
  EXPECT_EQ(m.count(ProcKind::OMP, 0), 2u);
  EXPECT_EQ(m.count(ProcKind::UTIL, 0), 1u);
  EXPECT_EQ(m.count(ProcKind::PY, 0), 0u);
  EXPECT_EQ(m.name_of(m.proc(ProcKind::GPU, 0, 3)), "node0/GPU3");
  EXPECT_EQ(m.name_of(m.proc(ProcKind::CPU, 0, 0)), "node0/CPU0");
  EXPECT_THROW(m.proc(ProcKind::GPU, 0, 4), InternalError);
  EXPECT_THROW(m.count(ProcKind::GPU, 1), InternalError);
}

TEST(Machine, RanksSplitEachKindInOrder) {
  Machine m = make_machine("sapling-2:ranks=4");
  EXPECT_EQ(m.address_spaces(), 8u);
  for (std::uint32_t as = 0; as < 8; ++as) {
    EXPECT_EQ(m.count(ProcKind::GPU, as), 1u);
    EXPECT_EQ(m.count(ProcKind::CPU, as), 5u);
    EXPECT_EQ(m.count(ProcKind::OMP, as), 1u);
    EXPECT_EQ(m.count(ProcKind::UTIL, as), 1u);
  }
  const Processor& g = m.processor(m.proc(ProcKind::GPU, 6, 0));
  EXPECT_EQ(g.node, 1u);
  EXPECT_EQ(g.node_index, 2u);
  EXPECT_EQ(g.address_space, 6u);
  EXPECT_EQ(g.local_index, 0u);
  const Processor& c = m.processor(m.proc(ProcKind::CPU, 3, 4));
  EXPECT_EQ(c.node, 0u);
  EXPECT_EQ(c.node_index, 19u);
  EXPECT_EQ(c.socket, 1u);
  EXPECT_EQ(c.address_space, 3u);
  EXPECT_EQ(m.name_of(m.proc(ProcKind::CPU, 5, 0)), "node1/CPU5");
  EXPECT_EQ(m.processor(m.proc(ProcKind::OMP, 1, 0)).flops, 5 * 38.4e9);
  // FBMEM belongs to its GPU's address space; host memories are node-wide.
  EXPECT_EQ(m.memory(mem(m, "node1/FBMEM3")).address_space, 7u);
  EXPECT_EQ(m.memory(mem(m, "node1/SYSMEM")).address_space, std::nullopt);
}

TEST(Machine, AffinitiesOfSapling) {
  Machine m = make_machine("sapling");
  ProcId cpu0 = proc(m, "node0/CPU0"), cpu15 = proc(m, "node0/CPU15");
  ProcId gpu1 = proc(m, "node0/GPU1");
  EXPECT_EQ(names(m, m.visible_memories(cpu0)),
            (std::vector<std::string>{"node0/SOCKMEM0", "node0/SYSMEM", "node0/ZCMEM",
                                      "node0/SOCKMEM1"}));
  EXPECT_EQ(names(m, m.visible_memories(cpu15)),
            (std::vector<std::string>{"node0/SOCKMEM1", "node0/SYSMEM", "node0/ZCMEM",
                                      "node0/SOCKMEM0"}));
  EXPECT_EQ(names(m, m.visible_memories(gpu1)),
            (std::vector<std::string>{"node0/FBMEM1", "node0/ZCMEM"}));

  auto a = m.affinity(cpu0, mem(m, "node0/SOCKMEM1"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->bandwidth, 32e9);
  EXPECT_EQ(a->latency, 140e-9);
  // SYSMEM interleaves over both sockets: the harmonic mean of local and remote bandwidth.
  EXPECT_DOUBLE_EQ(m.affinity(cpu0, mem(m, "node0/SYSMEM"))->bandwidth,
                   2 / (1 / 68.256e9 + 1 / 32e9));
  EXPECT_EQ(m.affinity(gpu1, mem(m, "node0/FBMEM1"))->bandwidth, 732e9);
  EXPECT_EQ(m.affinity(gpu1, mem(m, "node0/ZCMEM"))->bandwidth, 12e9);
  EXPECT_FALSE(m.affinity(gpu1, mem(m, "node0/FBMEM0")));  // another GPU's framebuffer
  EXPECT_FALSE(m.affinity(gpu1, mem(m, "node0/SYSMEM")));  // GPUs do not address SYSMEM
  EXPECT_FALSE(m.affinity(cpu0, mem(m, "node0/FBMEM0")));

  EXPECT_TRUE(m.reaches(gpu1, MemKind::ZCMEM));
  EXPECT_FALSE(m.reaches(gpu1, MemKind::SYSMEM));
  EXPECT_FALSE(m.reaches(gpu1, MemKind::SOCKMEM));
  EXPECT_FALSE(m.reaches(cpu0, MemKind::FBMEM));
  EXPECT_FALSE(m.reaches(cpu0, MemKind::RDMEM));
  EXPECT_TRUE(m.reaches(proc(m, "node0/UTIL0"), MemKind::SOCKMEM));

  Machine two = make_machine("sapling-2");
  EXPECT_FALSE(two.affinity(proc(two, "node0/CPU0"), mem(two, "node1/SYSMEM")));
  EXPECT_EQ(names(two, two.visible_memories(proc(two, "node1/GPU3"))),
            (std::vector<std::string>{"node1/FBMEM3", "node1/ZCMEM"}));
}

TEST(Machine, DefaultMemories) {
  Machine m = make_machine("sapling-2");
  ProcId gpu2 = proc(m, "node1/GPU2"), cpu12 = proc(m, "node1/CPU12");
  EXPECT_EQ(m.name_of(m.best_memory(gpu2)), "node1/FBMEM2");
  EXPECT_EQ(m.name_of(m.best_memory(cpu12)), "node1/SOCKMEM1");
  EXPECT_EQ(m.name_of(m.best_memory(proc(m, "node0/OMP0"))), "node0/SOCKMEM0");
  EXPECT_EQ(m.name_of(*m.memory_for(gpu2, MemKind::FBMEM)), "node1/FBMEM2");
  EXPECT_EQ(m.name_of(*m.memory_for(gpu2, MemKind::ZCMEM)), "node1/ZCMEM");
  EXPECT_EQ(m.memory_for(gpu2, MemKind::SYSMEM), std::nullopt);
  EXPECT_EQ(m.name_of(*m.memory_for(cpu12, MemKind::SOCKMEM)), "node1/SOCKMEM1");
  EXPECT_EQ(m.name_of(*m.memory_for(cpu12, MemKind::SYSMEM)), "node1/SYSMEM");
  EXPECT_EQ(m.memory_for(cpu12, MemKind::FBMEM), std::nullopt);
  EXPECT_EQ(m.memory_for(cpu12, MemKind::RDMEM), std::nullopt);

  // Without SOCKMEM a CPU's default is SYSMEM (a tie with ZCMEM goes to the lower MemId).
  Machine tiny = Machine::seal(tiny_spec());
  EXPECT_EQ(tiny.name_of(tiny.best_memory(proc(tiny, "node0/CPU1"))), "node0/SYSMEM");
  EXPECT_EQ(tiny.name_of(tiny.best_memory(proc(tiny, "node0/GPU1"))), "node0/FBMEM1");
}

TEST(Machine, RoutesInsideASaplingNode) {
  Machine m = make_machine("sapling");
  auto r = [&](const char* a, const char* b) { return names(m, m.route(mem(m, a), mem(m, b))); };
  using V = std::vector<std::string>;
  EXPECT_EQ(r("node0/FBMEM1", "node0/FBMEM1"), V{});
  // No NVLink: GPU to GPU goes up one PCIe link and down the other.
  EXPECT_EQ(r("node0/FBMEM0", "node0/FBMEM2"), (V{"node0/PCIE0.out", "node0/PCIE2.in"}));
  EXPECT_EQ(r("node0/FBMEM3", "node0/FBMEM1"), (V{"node0/PCIE3.out", "node0/PCIE1.in"}));
  EXPECT_EQ(r("node0/FBMEM1", "node0/SYSMEM"), (V{"node0/PCIE1.out"}));
  EXPECT_EQ(r("node0/ZCMEM", "node0/FBMEM3"), (V{"node0/PCIE3.in"}));
  EXPECT_EQ(r("node0/SOCKMEM1", "node0/FBMEM0"), (V{"node0/PCIE0.in"}));
  EXPECT_EQ(r("node0/SOCKMEM0", "node0/SOCKMEM1"), (V{"node0/SOCKET_BUS0-1"}));
  EXPECT_EQ(r("node0/SOCKMEM1", "node0/SOCKMEM0"), (V{"node0/SOCKET_BUS1-0"}));
  EXPECT_EQ(r("node0/SYSMEM", "node0/ZCMEM"), (V{"node0/MEMBUS"}));
  EXPECT_EQ(r("node0/SOCKMEM1", "node0/SYSMEM"), (V{"node0/MEMBUS"}));
}

TEST(Machine, RoutesBetweenSaplingNodes) {
  Machine m = make_machine("sapling-2");
  auto route = m.route(mem(m, "node0/FBMEM1"), mem(m, "node1/FBMEM3"));
  EXPECT_EQ(names(m, route), (std::vector<std::string>{"node0/PCIE1.out", "node0/NIC0.out",
                                                       "node1/NIC0.in", "node1/PCIE3.in"}));
  std::vector<ChannelKind> kinds;
  for (ChannelId c : route)
    kinds.push_back(m.channel(c).kind);
  EXPECT_EQ(kinds, (std::vector<ChannelKind>{ChannelKind::PCIE, ChannelKind::NIC, ChannelKind::NIC,
                                             ChannelKind::PCIE}));
  EXPECT_EQ(m.channel(route[1]).bandwidth, 12.5e9);
  EXPECT_EQ(names(m, m.route(mem(m, "node1/SYSMEM"), mem(m, "node0/SOCKMEM1"))),
            (std::vector<std::string>{"node1/NIC0.out", "node0/NIC0.in"}));
  EXPECT_EQ(names(m, m.route(mem(m, "node1/ZCMEM"), mem(m, "node0/FBMEM0"))),
            (std::vector<std::string>{"node1/NIC0.out", "node0/NIC0.in", "node0/PCIE0.in"}));
}

TEST(Machine, RoutesOnDgxUseNvlinkAndTheGpusNic) {
  Machine m = make_machine("dgx-h100-2");
  using V = std::vector<std::string>;
  auto r = [&](const char* a, const char* b) { return names(m, m.route(mem(m, a), mem(m, b))); };
  EXPECT_EQ(r("node0/FBMEM2", "node0/FBMEM5"), (V{"node0/NVLINK2.out", "node0/NVLINK5.in"}));
  EXPECT_EQ(r("node0/FBMEM2", "node0/ZCMEM"), (V{"node0/PCIE2.out"}));
  EXPECT_EQ(r("node0/FBMEM3", "node1/FBMEM6"),
            (V{"node0/PCIE3.out", "node0/NIC3.out", "node1/NIC6.in", "node1/PCIE6.in"}));
  // Host memory uses the first NIC of its socket (NICs 0-3 on socket 0, 4-7 on socket 1).
  EXPECT_EQ(r("node0/SOCKMEM1", "node1/SYSMEM"), (V{"node0/NIC4.out", "node1/NIC0.in"}));
  EXPECT_EQ(m.channel(m.route(mem(m, "node0/FBMEM0"), mem(m, "node0/FBMEM1"))[0]).bandwidth, 450e9);
}

TEST(Machine, RoutesAreCheapAndBounded) {
  Machine m = make_machine("dgx-h100-4");
  std::size_t hops = 0;
  for (std::uint32_t a = 0; a < m.memories().size(); ++a)
    for (std::uint32_t b = 0; b < m.memories().size(); ++b) {
      Route r = m.route(MemId{a}, MemId{b});
      EXPECT_LE(r.size(), Route::kMaxHops);
      EXPECT_EQ(r.empty(), a == b);
      hops += r.size();
    }
  EXPECT_GT(hops, 0u);
}

TEST(Machine, SummaryOfSaplingWithRanks) {
  EXPECT_EQ(
      make_machine("sapling-2:ranks=4").summary(),
      "sapling-2:ranks=4: 2 nodes, 4 ranks per node (8 address spaces). Each node: 2 sockets; "
      "20 CPU (Intel Xeon E5-2640 v4 core, 38.4 GFLOP/s each), 4 GPU (NVIDIA Tesla P100 PCIe "
      "16 GB, 4.7 TFLOP/s each), 4 OMP (5 cores, 192 GFLOP/s each), 4 UTIL (Intel Xeon "
      "E5-2640 v4 core, 38.4 GFLOP/s each); per rank: 5 CPU, 1 GPU, 1 OMP, 1 UTIL. Memories "
      "per node: SYSMEM 256 GiB, FBMEM 4 × 16 GiB (one per GPU), ZCMEM 32 GiB, SOCKMEM 2 × "
      "128 GiB (one per socket). CPU, OMP, UTIL reach SOCKMEM (68.3 GB/s), SYSMEM (43.6 GB/s), "
      "ZCMEM (43.6 GB/s); GPU reaches FBMEM (732 GB/s), ZCMEM (12 GB/s); links: SOCKET_BUS "
      "32 GB/s, PCIE 12 GB/s per GPU, 1 NIC of 12.5 GB/s per node, MEMBUS 68.3 GB/s "
      "(bandwidths per direction). GPU-to-GPU copies go through host memory over PCIe (no "
      "NVLink).");
}

TEST(Machine, SealRejectsABadSpec) {
  MachineSpec s = tiny_spec();
  s.node.affinities.push_back({ProcKind::GPU, MemKind::SYSMEM, SocketRule::LOCAL, 1e9, 0});
  try {
    Machine::seal(s);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "tiny: $.node.affinities[4].socket: only SOCKMEM affinities depend on the socket");
  }
}

TEST(Machine, CheckFindsMissingLinksAndAffinities) {
  MachineSpec s = tiny_spec();
  s.node.links.erase(s.node.links.begin());  // no PCIE
  auto e = check(s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->path, "$.node.links");
  EXPECT_EQ(e->message, "a PCIE link is required: every GPU sits on PCIe");

  s = tiny_spec();
  s.nodes = 2;
  e = check(s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "a NIC link is required: copies between nodes cross it");

  s = tiny_spec();
  s.node.affinities.resize(2);  // GPUs reach nothing
  e = check(s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->path, "$.node.affinities");
  EXPECT_EQ(e->message, "GPU processors reach no memory; add an affinity for them");

  s = tiny_spec();
  s.node.affinities.push_back({ProcKind::CPU, MemKind::SYSMEM, SocketRule::ANY, 1e9, 0});
  e = check(s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->path, "$.node.affinities[4]");
  EXPECT_EQ(e->message, "CPU → SYSMEM is already given by $.node.affinities[0]");
}

TEST(Machine, IsAValue) {
  Machine a = make_machine("sapling");
  Machine b = a;  // shares the sealed tables
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, make_machine("sapling"));
  EXPECT_FALSE(a == make_machine("sapling-2"));
  Route r1 = a.route(MemId{1}, MemId{2}), r2 = b.route(MemId{1}, MemId{2});
  EXPECT_EQ(r1, r2);
  std::unordered_set<MemId> seen{MemId{1}, MemId{2}, MemId{1}};
  EXPECT_EQ(seen.size(), 2u);
}

}  // namespace
}  // namespace mapsmith::machine
