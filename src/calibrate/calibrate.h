#pragma once
/// Measuring the host mapsmith runs on (docs/machines.md, "Calibrating a host"): how fast one core
/// and a whole socket stream memory, how fast a copy between two host buffers goes (what Realm's
/// CPU DMA does), the latency of a dependent load, and a core's flop rate on a multiply-add
/// loop; GPU figures where the build has CUDA. The figures become a machine file (what `import
/// --calibration` and `simulate --machine` read).
#include <cstdint>
#include <optional>
#include <string>

#include "machine/machine.h"

namespace mapsmith::calibrate {

struct Options {
  std::uint64_t bytes = std::uint64_t{256} << 20;  ///< per buffer: well past the caches
  int repeats = 3;                                 ///< the best of these is kept
  unsigned threads = 0;                            ///< 0: every core
};

struct Figures {
  unsigned cores = 1;
  unsigned sockets = 1;
  std::uint64_t memory_bytes = 0;  ///< the host's memory
  double core_bandwidth = 0;       ///< one thread summing a buffer, bytes/s
  double socket_bandwidth = 0;     ///< the cores of one socket at once, bytes/s in all
  double node_bandwidth = 0;       ///< every core at once, bytes/s in all
  double copy_bandwidth = 0;       ///< one thread copying a buffer to another, bytes/s
  double latency = 0;              ///< a dependent load through a random cycle, seconds
  double core_flops = 0;           ///< one thread's multiply-adds, flop/s (not the peak)
  /// GPU figures, measured only in a build with CUDA and a GPU present.
  std::optional<double> pcie_h2d, pcie_d2h;  ///< pinned copies, bytes/s
  std::string gpu_note;                      ///< why there are none, or what was not measured
  std::string cpu_model;
};

/// Runs every measurement (seconds with the defaults; a few milliseconds with tiny buffers).
Figures measure(const Options& options);

/// The host as a machine file: one node, its cores, its memory, the measured figures.
machine::MachineSpec machine_of(const Figures& f, const std::string& name);

}  // namespace mapsmith::calibrate
