#include "machine/presets.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <numeric>
#include <optional>

#include "util/error.h"
#include "util/strings.h"

namespace mapsmith::machine {

namespace {

constexpr double kGB = 1e9;  // bandwidths: decimal, as data sheets give them
constexpr double kGFLOP = 1e9;
constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;  // capacities: binary, as DIMMs and HBM
// Latencies are written in ns or µs and divided, so that they print as written (9e-08, not
// 9.000000000000001e-08).
constexpr double ns(double v) {
  return v / 1e9;
}
constexpr double us(double v) {
  return v / 1e6;
}

// ---- Figures. Bandwidths are per direction. "est." marks a latency that is an order-of-
// ---- magnitude estimate, not a data-sheet figure (data sheets do not give latencies).

/// The CPU side of a node.
struct Host {
  const char* model;
  std::uint32_t sockets;
  std::uint32_t cores_per_socket;
  double core_flops;
  std::uint64_t dram_per_socket;
  double dram_bandwidth;  // per socket, theoretical peak
  double dram_ns;         // latency of a local DRAM load, ns
  double socket_bus_bandwidth;
  double remote_ns;        // latency of a load from the other socket's DRAM, ns
  double dram_achievable;  // per socket, what a STREAM-like kernel of all cores reaches (0: peak)
  double core_bandwidth;   // what one core can stream (0: not bounded beyond its affinities)
  double socket_bus_io;    // bandwidth left to PCIe traffic crossing the socket bus (0: the bus's)
  double socket_bus_io_to_host;  // the same for device-to-host traffic (0: socket_bus_io)
};

/// The GPUs of a node.
struct Gpus {
  const char* model;
  std::uint32_t count;
  double flops;
  std::uint64_t memory;
  double bandwidth;
  double latency;
  double pcie_bandwidth;
  double pcie_latency;
  std::optional<double> nvlink_bandwidth;  // per GPU, through NVSwitch
  double nvlink_latency;
  std::uint32_t copy_engines;
};

struct Network {
  std::uint32_t nics;
  double bandwidth;  // per NIC
  double latency;    // per end: a copy between nodes crosses two NIC channels
};

// Intel Xeon E5-2640 v4 (Broadwell-EP), the CPU of a Sapling node.
//  - 10 cores, 2.4 GHz base: Intel ARK, "Intel Xeon Processor E5-2640 v4 (25M Cache, 2.40 GHz)",
//    https://ark.intel.com (search "E5-2640 v4").
//  - 16 FP64 flop/cycle (two 256-bit FMA units, AVX2): Intel 64 and IA-32 Architectures
//    Optimization Reference Manual, Haswell/Broadwell microarchitecture chapter.
//    2.4 GHz × 16 = 38.4 GFLOP/s per core.
//  - Memory: 4 channels of DDR4 at up to 2133 MT/s per socket (ARK, "Max Memory Speed 2133 MHz",
//    "Max # of Memory Channels 4"): 4 × 2133 MT/s × 8 B = 68.3 GB/s per socket.
//  - QPI: 2 links at 8 GT/s (ARK, "Intel QPI Speed 8 GT/s", "# of QPI Links 2"):
//    2 × 8 GT/s × 2 B = 32 GB/s per direction between the sockets.
//  - 256 GB per node (128 GB per socket): the Sapling node of Wei et al. 2024.
//  - Latencies est.: ~90 ns local DRAM, ~140 ns remote (typical Broadwell-EP measurements).
//  - Achievable DRAM bandwidth: 0.75 of the peak per socket (51.2 GB/s). No STREAM figure for the
//    E5-2640 v4 was found; the nearest published one, a 2-socket Haswell-EP (the same memory
//    subsystem, DDR4, 4 channels per socket) reaches 102 GB/s STREAM triad on two sockets, 0.75 of
//    its 136.5 GB/s peak (Puget Systems, "Memory Performance for Intel Xeon Haswell-EP DDR4").
//  - One core streams at most 20 GB/s (the same Puget measurement, one core).
//  - PCIe traffic across QPI: a P100 PCIe host measured 3.8 GB/s host-to-device (2.5 GB/s
//    device-to-host) with the memory on the other socket, against 12.2 / 12.9 GB/s on the GPU's
//    own socket (GitHub mpicbg-scicomp/gearshifft PR #82, bandwidthTest under numactl): 3.8 GB/s
//    for PCIe traffic that crosses the socket bus toward a GPU, 2.5 GB/s toward host memory.
constexpr Host kXeonE5_2640v4{.model = "Intel Xeon E5-2640 v4 core",
                              .sockets = 2,
                              .cores_per_socket = 10,
                              .core_flops = 2.4 * 16 * kGFLOP,
                              .dram_per_socket = 128 * kGiB,
                              .dram_bandwidth = 4 * 2133e6 * 8,
                              .dram_ns = 90,
                              .socket_bus_bandwidth = 2 * 8e9 * 2,
                              .remote_ns = 140,
                              .dram_achievable = 0.75 * 4 * 2133e6 * 8,
                              .core_bandwidth = 20e9,
                              .socket_bus_io = 3.8e9,
                              .socket_bus_io_to_host = 2.5e9};

// NVIDIA Tesla P100 PCIe 16 GB: "NVIDIA Tesla P100 PCIe data sheet",
// https://images.nvidia.com/content/tesla/pdf/nvidia-tesla-p100-PCIe-datasheet.pdf
//  - 4.7 TFLOP/s FP64, 16 GB CoWoS HBM2 at 732 GB/s.
//  - PCIe 3.0 x16: 8 GT/s × 16 lanes × 128/130 / 8 = 15.75 GB/s per direction theoretical (PCI-SIG,
//    PCI Express Base Specification 3.0); we use 12 GB/s, what pinned cudaMemcpy typically
//    achieves on such links (~76% of theoretical).
//  - Latencies est.: ~500 ns HBM2 load, ~1 µs across PCIe. No NVLink on the PCIe card.
//  - 2 copy engines ("Concurrent copy and kernel execution: Yes with 2 copy engine(s)", deviceQuery
//    of a P100 PCIe in the CSCS Sarus tutorial).
constexpr Gpus kP100{.model = "NVIDIA Tesla P100 PCIe 16 GB",
                     .count = 4,
                     .flops = 4.7e12,
                     .memory = 16 * kGiB,
                     .bandwidth = 732 * kGB,
                     .latency = ns(500),
                     .pcie_bandwidth = 12 * kGB,
                     .pcie_latency = us(1),
                     .nvlink_bandwidth = std::nullopt,
                     .nvlink_latency = 0,
                     .copy_engines = 2};

// 100 Gb/s EDR InfiniBand (Mellanox ConnectX-4 VPI adapter product brief: "EDR 100Gb/s
// InfiniBand"): 100 Gb/s / 8 = 12.5 GB/s per direction. Latency est.: ~1 µs end to end, 0.5 µs
// charged at each end.
constexpr Network kEdr{.nics = 1, .bandwidth = 12.5 * kGB, .latency = us(0.5)};

// NVIDIA DGX H100: "NVIDIA DGX H100 User Guide: Introduction to the NVIDIA DGX H100 System",
// https://docs.nvidia.com/dgx/dgxh100-user-guide/introduction-to-dgxh100.html, and the DGX H100
// data sheet: 8 × H100 SXM5 80 GB, 4 × NVSwitch, 2 × Intel Xeon Platinum 8480C (56 cores each),
// 2 TB DDR5, 8 × single-port ConnectX-7 400 Gb/s (one per GPU) for the compute fabric.
//  - Xeon Platinum 8480C: a DGX-specific SKU of the 8480+ (Intel ARK, "Intel Xeon Platinum 8480+
//    Processor (105M Cache, 2.00 GHz)"): 56 cores, 2.0 GHz base, 8 channels of DDR5-4800 per
//    socket = 8 × 4800 MT/s × 8 B = 307.2 GB/s, 4 UPI links at 16 GT/s = 4 × 16 GT/s × 2 B =
//    128 GB/s per direction (assuming all four join the two sockets).
//  - 32 FP64 flop/cycle (two 512-bit FMA units, AVX-512: Intel Optimization Reference Manual,
//    Sapphire Rapids): 2.0 GHz × 32 = 64 GFLOP/s per core.
//  - Latencies est.: ~110 ns local DDR5, ~190 ns remote.
constexpr Host kXeon8480C{.model = "Intel Xeon Platinum 8480C core",
                          .sockets = 2,
                          .cores_per_socket = 56,
                          .core_flops = 2.0 * 32 * kGFLOP,
                          .dram_per_socket = 1024 * kGiB,
                          .dram_bandwidth = 8 * 4800e6 * 8,
                          .dram_ns = 110,
                          .socket_bus_bandwidth = 4 * 16e9 * 2,
                          .remote_ns = 190,
                          .dram_achievable = 0.75 * 8 * 4800e6 * 8,
                          .core_bandwidth = 0,
                          .socket_bus_io = 0,
                          .socket_bus_io_to_host = 0};

// NVIDIA H100 SXM5 80 GB: "NVIDIA H100 Tensor Core GPU data sheet",
// https://resources.nvidia.com/en-us-tensor-core/nvidia-tensor-core-gpu-datasheet
//  - FP64 Tensor Core 67 TFLOP/s (FP64 vector: 34). We take 67: `flops` is a peak that the app
//    model's per-kind efficiency scales down, and the flop-heavy tasks (the matmul benchmarks'
//    cuBLAS DGEMMs) run on the FP64 tensor cores; with 34 they could not be modelled faster than
//    half of what H100 DGEMM reaches. Non-GEMM kernels get a lower efficiency in the app model.
//  - 80 GB HBM3 at 3.35 TB/s.
//  - NVLink 4: 900 GB/s per GPU (both directions together) = 450 GB/s per direction, to every
//    other GPU through the NVSwitches.
//  - PCIe Gen5 x16: 128 GB/s both directions = 64 GB/s per direction (63 after 128b/130b); we use
//    50 GB/s achievable (~80%, as for PCIe 3.0 above).
//  - Latencies est.: ~500 ns HBM3 load, ~1 µs across PCIe, ~0.5 µs across NVLink.
//  - 3 copy engines (a captured deviceQuery of an H100 SXM5 80 GB: thamada/nvidia-smi,
//    nvsim/H100SXMx8_deviceQuery.py).
constexpr Gpus kH100{.model = "NVIDIA H100 SXM5 80 GB",
                     .count = 8,
                     .flops = 67e12,
                     .memory = 80 * kGiB,
                     .bandwidth = 3350 * kGB,
                     .latency = ns(500),
                     .pcie_bandwidth = 50 * kGB,
                     .pcie_latency = us(1),
                     .nvlink_bandwidth = 450 * kGB,
                     .nvlink_latency = us(0.5),
                     .copy_engines = 3};

// NVIDIA ConnectX-7 (NVIDIA ConnectX-7 400G adapter data sheet: "up to 400Gb/s"), one per GPU:
// 400 Gb/s / 8 = 50 GB/s per direction. Latency est. as for EDR.
constexpr Network kConnectX7x8{.nics = 8, .bandwidth = 50 * kGB, .latency = us(0.5)};

// ---- Building a spec from the figures.

struct Options {
  std::uint32_t nodes = 1;
  std::uint32_t ranks = 1;
  std::optional<std::uint32_t> omp;  // OMP processors per node; nullopt: the default
};

MachineSpec build(std::string name, const Host& h, const Gpus* g, const Network& net,
                  std::uint32_t omp, const Options& o) {
  MachineSpec s;
  s.name = std::move(name);
  s.nodes = o.nodes;
  s.ranks_per_node = o.ranks;
  NodeSpec& n = s.node;
  n.sockets = h.sockets;
  n.dram_bandwidth = h.dram_achievable;
  n.gpu_peers = g && g->nvlink_bandwidth ? GpuPeers::ALL : GpuPeers::SOCKET;
  const std::uint32_t cores = h.sockets * h.cores_per_socket;

  auto proc = [](ProcKind k, std::uint32_t count, double flops, std::string model,
                 double bandwidth) {
    ProcSpec p;
    p.kind = k;
    p.count = count;
    p.flops = flops;
    p.model = std::move(model);
    p.memory_bandwidth = bandwidth;
    return p;
  };
  n.processors.push_back(proc(ProcKind::CPU, cores, h.core_flops, h.model, h.core_bandwidth));
  if (g) {
    n.processors.push_back(proc(ProcKind::GPU, g->count, g->flops, g->model, 0));
    n.processors.back().copy_engines = g->copy_engines;
  }
  if (omp > 0)
    n.processors.push_back(proc(ProcKind::OMP, omp, h.core_flops * (cores / omp),
                                fmt::format("{} cores", cores / omp),
                                h.core_bandwidth * (cores / omp)));
  // Legion's -ll:util 1: one utility processor per process.
  n.processors.push_back(proc(ProcKind::UTIL, o.ranks, h.core_flops, h.model, h.core_bandwidth));

  // SYSMEM is the whole node's DRAM, interleaved over the sockets; SOCKMEM is one socket's.
  // ZCMEM (pinned host memory the GPUs map over PCIe) exists only with GPUs: Legion's default
  // -ll:zsize is 64 MiB, programs that use it raise it; we assume 1/8 of the node's DRAM.
  const std::uint64_t dram = h.dram_per_socket * h.sockets;
  n.memories.push_back({MemKind::SYSMEM, dram});
  if (g) n.memories.push_back({MemKind::FBMEM, g->memory});
  if (g) n.memories.push_back({MemKind::ZCMEM, dram / 8});
  n.memories.push_back({MemKind::SOCKMEM, h.dram_per_socket});

  // Interleaved memory: half the lines are remote, so the time per byte is the mean of the local
  // and remote times per byte (harmonic mean of the bandwidths), likewise for latency.
  const double remote = std::min(h.dram_bandwidth, h.socket_bus_bandwidth);
  const double interleaved = 2 / (1 / h.dram_bandwidth + 1 / remote);
  const double interleaved_latency = ns((h.dram_ns + h.remote_ns) / 2);
  for (const ProcSpec& p : n.processors) {
    if (p.kind == ProcKind::GPU) continue;
    n.affinities.push_back(
        {p.kind, MemKind::SYSMEM, SocketRule::ANY, interleaved, interleaved_latency});
    if (g)
      n.affinities.push_back(
          {p.kind, MemKind::ZCMEM, SocketRule::ANY, interleaved, interleaved_latency});
    n.affinities.push_back(
        {p.kind, MemKind::SOCKMEM, SocketRule::LOCAL, h.dram_bandwidth, ns(h.dram_ns)});
    n.affinities.push_back({p.kind, MemKind::SOCKMEM, SocketRule::REMOTE, remote, ns(h.remote_ns)});
  }
  if (g) {
    n.affinities.push_back(
        {ProcKind::GPU, MemKind::FBMEM, SocketRule::ANY, g->bandwidth, g->latency});
    n.affinities.push_back(
        {ProcKind::GPU, MemKind::ZCMEM, SocketRule::ANY, g->pcie_bandwidth, g->pcie_latency});
  }

  // Crossing the socket bus costs what a remote load costs more than a local one.
  n.links.push_back({ChannelKind::SOCKET_BUS, 1, h.socket_bus_bandwidth,
                     ns(h.remote_ns - h.dram_ns), g ? h.socket_bus_io : 0,
                     g ? h.socket_bus_io_to_host : 0});
  if (g) n.links.push_back({ChannelKind::PCIE, 1, g->pcie_bandwidth, g->pcie_latency});
  if (g && g->nvlink_bandwidth)
    n.links.push_back({ChannelKind::NVLINK, 1, *g->nvlink_bandwidth, g->nvlink_latency});
  n.links.push_back({ChannelKind::NIC, net.nics, net.bandwidth, net.latency});
  // A copy inside host memory reads and writes DRAM: one socket's peak bandwidth.
  n.links.push_back({ChannelKind::MEMBUS, 1, h.dram_bandwidth, ns(h.dram_ns)});
  return s;
}

// ---- Parsing "NAME[-N][:OPTIONS]".

struct Family {
  std::string_view base;
  std::string_view description;
  const Host* host;
  const Gpus* gpus;
  const Network* net;
};
constexpr std::array<Family, 3> kFamilies = {{
    {"sapling",
     "the paper's node: 2 × 10-core Xeon E5-2640 v4, 256 GB, 4 × Tesla P100 16 GB on PCIe 3.0, "
     "no NVLink; N nodes on 100 Gb/s EDR InfiniBand",
     &kXeonE5_2640v4, &kP100, &kEdr},
    {"dgx-h100",
     "NVIDIA DGX H100: 2 × 56-core Xeon 8480C, 2 TB, 8 × H100 SXM 80 GB on NVLink 4 / NVSwitch, "
     "8 × 400 Gb/s ConnectX-7 per node",
     &kXeon8480C, &kH100, &kConnectX7x8},
    {"cpu", "CPU-only Sapling-like node: 2 × 10-core Xeon E5-2640 v4, 256 GB, 100 Gb/s EDR",
     &kXeonE5_2640v4, nullptr, &kEdr},
}};
constexpr std::uint32_t kMaxNodes = 65536;

std::optional<std::uint32_t> parse_uint(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  std::uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  return v;
}

std::string unknown_machine(std::string_view name) {
  std::vector<std::string> bases;
  for (const Family& f : kFamilies)
    bases.emplace_back(f.base);
  // Match the part before a trailing "-N" so that "saplng-2" suggests "sapling-2".
  std::string_view stem = name, suffix;
  if (auto dash = name.rfind('-');
      dash != std::string_view::npos && parse_uint(name.substr(dash + 1))) {
    stem = name.substr(0, dash);
    suffix = name.substr(dash);
  }
  std::string hint;
  if (auto m = closest_match(stem, bases))
    hint = fmt::format(" (did you mean \"{}{}\"?)", *m, suffix);
  return fmt::format(
      "unknown machine \"{}\"{}; choose sapling, sapling-N, dgx-h100-N, cpu-N, or a file ending "
      "in .json",
      name, hint);
}

std::string divisors_list(std::uint32_t g) {
  std::string out;
  for (std::uint32_t d = 1; d <= g; ++d)
    if (g % d == 0) out += fmt::format("{}{}", out.empty() ? "" : ", ", d);
  return out;
}

}  // namespace

std::vector<PresetInfo> list_presets() {
  std::vector<PresetInfo> out;
  out.push_back({"sapling", "one Sapling node (= sapling-1)"});
  out.push_back({"sapling-N", std::string(kFamilies[0].description)});
  out.push_back({"dgx-h100-N", std::string(kFamilies[1].description)});
  out.push_back({"cpu-N", std::string(kFamilies[2].description)});
  out.push_back({":ranks=R,omp=K",
                 "options: R processes per node (the node's processors split evenly over them); "
                 "K OMP processors per node (0: none; default one per socket or per rank)"});
  return out;
}

MachineSpec preset_spec(std::string_view spec) {
  const auto colon = spec.find(':');
  const std::string_view name = spec.substr(0, colon);

  const Family* family = nullptr;
  Options o;
  for (const Family& f : kFamilies) {
    if (name == f.base) {
      family = &f;
    } else if (name.size() > f.base.size() + 1 && name.substr(0, f.base.size()) == f.base &&
               name[f.base.size()] == '-') {
      if (auto n = parse_uint(name.substr(f.base.size() + 1))) {
        family = &f;
        if (*n < 1 || *n > kMaxNodes)
          throw InputError(
              fmt::format("{}: the node count must be between 1 and {}", name, kMaxNodes));
        o.nodes = *n;
      }
    }
    if (family) break;
  }
  if (!family) {
    if (name.ends_with(".json"))
      throw InputError(
          fmt::format("{}: options cannot follow a machine file; set "
                      "\"ranks_per_node\" in the file instead",
                      spec));
    throw InputError(unknown_machine(name));
  }

  // Options, applied in a fixed order so that the name is canonical.
  bool has_ranks = false;
  if (colon != std::string_view::npos) {
    std::string_view rest = spec.substr(colon + 1);
    static const std::vector<std::string> kOptions = {"ranks", "omp"};
    while (true) {
      const auto comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      const auto eq = item.find('=');
      const std::string_view key = item.substr(0, eq);
      if (key != "ranks" && key != "omp") {
        std::string hint;
        if (auto m = closest_match(key, kOptions))
          hint = fmt::format(" (did you mean \"{}\"?)", *m);
        throw InputError(
            fmt::format("{}: unknown option \"{}\"{}; options: ranks=R, omp=K", spec, key, hint));
      }
      if ((key == "ranks" && has_ranks) || (key == "omp" && o.omp))
        throw InputError(fmt::format("{}: option \"{}\" is given twice", spec, key));
      const std::string_view value =
          eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
      auto v = parse_uint(value);
      if (key == "ranks") {
        if (!v || *v == 0)
          throw InputError(
              fmt::format("{}: ranks must be a positive integer (got \"{}\")", spec, value));
        o.ranks = *v;
        has_ranks = true;
      } else {
        if (!v)
          throw InputError(
              fmt::format("{}: omp must be a non-negative integer (got \"{}\")", spec, value));
        o.omp = *v;
      }
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }

  const Host& h = *family->host;
  const std::uint32_t cores = h.sockets * h.cores_per_socket;
  const std::uint32_t gpus = family->gpus ? family->gpus->count : 0;
  const std::uint32_t g = std::gcd(cores, gpus);  // gcd(x, 0) = x
  if (g % o.ranks != 0) {
    std::string what = fmt::format("{} CPU cores", cores);
    if (gpus) what += fmt::format(" and {} GPUs", gpus);
    throw InputError(
        fmt::format("{}: {} ranks per node do not split a node's {} evenly; "
                    "ranks may be {}",
                    spec, o.ranks, what, divisors_list(g)));
  }
  const std::uint32_t omp = o.omp.value_or(std::max(h.sockets, o.ranks));
  if (omp > 0 && omp % o.ranks != 0)
    throw InputError(
        fmt::format("{}: {} OMP processors per node do not split evenly over {} "
                    "ranks",
                    spec, omp, o.ranks));
  if (omp > 0 && cores % omp != 0)
    throw InputError(
        fmt::format("{}: {} OMP processors cannot share a node's {} CPU cores "
                    "evenly",
                    spec, omp, cores));

  std::string canonical(name);
  std::string opts;
  if (has_ranks) opts += fmt::format("ranks={}", o.ranks);
  if (o.omp) opts += fmt::format("{}omp={}", opts.empty() ? "" : ",", *o.omp);
  if (!opts.empty()) canonical += ":" + opts;
  return build(std::move(canonical), h, family->gpus, *family->net, omp, o);
}

Machine make_machine(std::string_view spec) {
  return Machine::seal(preset_spec(spec));
}

}  // namespace mapsmith::machine
