#include "machine/presets.h"

#include <gtest/gtest.h>

#include <string>

#include "util/error.h"

namespace mapsmith::machine {
namespace {

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

std::string error_of(std::string_view spec) {
  try {
    make_machine(spec);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

const ProcSpec& group(const Machine& m, ProcKind k) {
  for (const ProcSpec& p : m.spec().node.processors)
    if (p.kind == k) return p;
  throw std::logic_error("no such kind");
}
const MemSpec& memspec(const Machine& m, MemKind k) {
  for (const MemSpec& x : m.spec().node.memories)
    if (x.kind == k) return x;
  throw std::logic_error("no such kind");
}

TEST(Presets, Sapling) {
  Machine m = make_machine("sapling");
  EXPECT_EQ(m.name(), "sapling");
  EXPECT_EQ(m.nodes(), 1u);
  EXPECT_EQ(group(m, ProcKind::CPU).count, 20u);
  EXPECT_EQ(group(m, ProcKind::CPU).flops, 38.4e9);
  EXPECT_EQ(group(m, ProcKind::GPU).count, 4u);
  EXPECT_EQ(group(m, ProcKind::GPU).flops, 4.7e12);
  EXPECT_EQ(group(m, ProcKind::OMP).count, 2u);
  EXPECT_EQ(group(m, ProcKind::OMP).flops, 384e9);
  EXPECT_EQ(group(m, ProcKind::UTIL).count, 1u);
  EXPECT_EQ(memspec(m, MemKind::SYSMEM).capacity, 256 * kGiB);
  EXPECT_EQ(memspec(m, MemKind::SOCKMEM).capacity, 128 * kGiB);
  EXPECT_EQ(memspec(m, MemKind::FBMEM).capacity, 16 * kGiB);
  EXPECT_EQ(memspec(m, MemKind::ZCMEM).capacity, 32 * kGiB);
  EXPECT_FALSE(m.has_kind(MemKind::RDMEM));
  std::vector<std::pair<ChannelKind, double>> links;
  for (const LinkSpec& l : m.spec().node.links)
    links.emplace_back(l.kind, l.bandwidth);
  EXPECT_EQ(links, (std::vector<std::pair<ChannelKind, double>>{{ChannelKind::SOCKET_BUS, 32e9},
                                                                {ChannelKind::PCIE, 12e9},
                                                                {ChannelKind::NIC, 12.5e9},
                                                                {ChannelKind::MEMBUS, 68.256e9}}));
}

TEST(Presets, SaplingN) {
  Machine m = make_machine("sapling-4");
  EXPECT_EQ(m.name(), "sapling-4");
  EXPECT_EQ(m.nodes(), 4u);
  EXPECT_EQ(m.processors().size(), 4u * 27);
  EXPECT_EQ(m.memories().size(), 4u * 8);
  EXPECT_EQ(m.channels().size(), 4u * 13);
  EXPECT_EQ(make_machine("sapling-1").spec().node, make_machine("sapling").spec().node);
}

TEST(Presets, DgxH100) {
  Machine m = make_machine("dgx-h100-2");
  EXPECT_EQ(m.nodes(), 2u);
  EXPECT_EQ(group(m, ProcKind::CPU).count, 112u);
  EXPECT_EQ(group(m, ProcKind::CPU).flops, 64e9);
  EXPECT_EQ(group(m, ProcKind::GPU).count, 8u);
  EXPECT_EQ(group(m, ProcKind::GPU).flops, 67e12);
  EXPECT_EQ(memspec(m, MemKind::FBMEM).capacity, 80 * kGiB);
  EXPECT_EQ(memspec(m, MemKind::SYSMEM).capacity, 2048 * kGiB);
  EXPECT_EQ(m.processors().size(), 2u * (112 + 8 + 2 + 1));
  EXPECT_EQ(m.memories().size(), 2u * (1 + 8 + 1 + 2));
  EXPECT_EQ(m.channels().size(), 2u * (2 + 16 + 16 + 16 + 1));
  ProcId gpu = m.proc(ProcKind::GPU, 1, 7);
  EXPECT_EQ(m.affinity(gpu, m.best_memory(gpu))->bandwidth, 3.35e12);
  EXPECT_EQ(make_machine("dgx-h100").nodes(), 1u);
  Machine r8 = make_machine("dgx-h100-1:ranks=8");
  EXPECT_EQ(r8.count(ProcKind::GPU, 7), 1u);
  EXPECT_EQ(r8.count(ProcKind::CPU, 7), 14u);
  EXPECT_EQ(r8.count(ProcKind::OMP, 7), 1u);
}

TEST(Presets, CpuN) {
  Machine m = make_machine("cpu-3");
  EXPECT_EQ(m.nodes(), 3u);
  EXPECT_FALSE(m.has_kind(ProcKind::GPU));
  EXPECT_FALSE(m.has_kind(MemKind::FBMEM));
  EXPECT_FALSE(m.has_kind(MemKind::ZCMEM));
  EXPECT_EQ(m.processors().size(), 3u * 23);
  EXPECT_EQ(m.memories().size(), 3u * 3);
  EXPECT_EQ(m.channels().size(), 3u * 5);
  EXPECT_EQ(m.count(ProcKind::CPU, 2), 20u);
  EXPECT_EQ(make_machine("cpu-1:ranks=5").count(ProcKind::OMP, 4), 1u);
}

TEST(Presets, Options) {
  Machine m = make_machine("sapling:ranks=4,omp=0");
  EXPECT_EQ(m.name(), "sapling:ranks=4,omp=0");
  EXPECT_FALSE(m.has_kind(ProcKind::OMP));
  EXPECT_EQ(m.count(ProcKind::UTIL, 3), 1u);
  EXPECT_EQ(make_machine("sapling:omp=0,ranks=4").name(), "sapling:ranks=4,omp=0");
  Machine omp4 = make_machine("sapling:omp=4");
  EXPECT_EQ(omp4.count(ProcKind::OMP, 0), 4u);
  EXPECT_EQ(group(omp4, ProcKind::OMP).flops, 5 * 38.4e9);
  EXPECT_EQ(make_machine("sapling:ranks=2").count(ProcKind::OMP, 1), 1u);
}

TEST(Presets, Errors) {
  EXPECT_EQ(error_of("saplin"),
            "unknown machine \"saplin\" (did you mean \"sapling\"?); choose sapling, sapling-N, "
            "dgx-h100-N, cpu-N, or a file ending in .json");
  EXPECT_EQ(error_of("saplng-2"),
            "unknown machine \"saplng-2\" (did you mean \"sapling-2\"?); choose sapling, "
            "sapling-N, dgx-h100-N, cpu-N, or a file ending in .json");
  EXPECT_EQ(error_of("dgx"),
            "unknown machine \"dgx\"; choose sapling, sapling-N, dgx-h100-N, cpu-N, or a file "
            "ending in .json");
  EXPECT_EQ(error_of("sapling-0"), "sapling-0: the node count must be between 1 and 65536");
  EXPECT_EQ(error_of("cpu-65537"), "cpu-65537: the node count must be between 1 and 65536");
  EXPECT_EQ(error_of("sapling:ranks=3"),
            "sapling:ranks=3: 3 ranks per node do not split a node's 20 CPU cores and 4 GPUs "
            "evenly; ranks may be 1, 2, 4");
  EXPECT_EQ(error_of("dgx-h100-2:ranks=3"),
            "dgx-h100-2:ranks=3: 3 ranks per node do not split a node's 112 CPU cores and 8 GPUs "
            "evenly; ranks may be 1, 2, 4, 8");
  EXPECT_EQ(error_of("cpu:ranks=3"),
            "cpu:ranks=3: 3 ranks per node do not split a node's 20 CPU cores evenly; ranks may "
            "be 1, 2, 4, 5, 10, 20");
  EXPECT_EQ(error_of("sapling:rank=4"),
            "sapling:rank=4: unknown option \"rank\" (did you mean \"ranks\"?); options: ranks=R, "
            "omp=K");
  EXPECT_EQ(error_of("sapling:ranks=x"),
            "sapling:ranks=x: ranks must be a positive integer (got \"x\")");
  EXPECT_EQ(error_of("sapling:ranks=0"),
            "sapling:ranks=0: ranks must be a positive integer (got \"0\")");
  EXPECT_EQ(error_of("sapling:ranks=2,ranks=2"),
            "sapling:ranks=2,ranks=2: option \"ranks\" is given twice");
  EXPECT_EQ(error_of("cpu:omp=3"),
            "cpu:omp=3: 3 OMP processors cannot share a node's 20 CPU cores evenly");
  EXPECT_EQ(error_of("sapling:ranks=4,omp=2"),
            "sapling:ranks=4,omp=2: 2 OMP processors per node do not split evenly over 4 ranks");
  EXPECT_EQ(error_of("m.json:ranks=2"),
            "m.json:ranks=2: options cannot follow a machine file; set \"ranks_per_node\" in the "
            "file instead");
}

TEST(Presets, List) {
  std::vector<std::string> patterns;
  for (const PresetInfo& p : list_presets()) {
    patterns.push_back(p.pattern);
    EXPECT_FALSE(p.description.empty());
  }
  EXPECT_EQ(patterns, (std::vector<std::string>{"sapling", "sapling-N", "dgx-h100-N", "cpu-N",
                                                ":ranks=R,omp=K"}));
}

}  // namespace
}  // namespace mapsmith::machine
