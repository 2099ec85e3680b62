#pragma once
/// A synthetic Legion run for the importer's tests and its benchmark: the Legion Spy and Legion
/// Prof logs a 1-D halo program would write with Legion 25.06 (the lines and records its
/// legion_spy.h and legion_profiling_serializer.cc write), of any size. The program: a region
/// `grid` of `cells` elements with fields u and v, cut into `pieces` blocks and a halo partition
/// (each block plus one cell on each side); `init` writes u of each block, then `steps` times
/// `stencil` reads the halo's u and writes the block's v and `update` reads and writes the
/// block's u; `check` reads all of v. Point i runs on CPU i mod cpus.
#include <cstdint>
#include <functional>
#include <string>

namespace mapsmith::importer::synthetic {

struct Params {
  std::int64_t cells = 1024;
  std::int64_t pieces = 4;
  std::int64_t steps = 3;
  int cpus = 2;
  /// Event lines written per task instance (real Spy logs are mostly such lines).
  int events_per_task = 4;
  /// Nanoseconds a stencil / update point takes (init and check take half a stencil).
  std::uint64_t stencil_ns = 100000, update_ns = 40000;
  /// Shift every processor id by this (a run on other processors: a mismatched pair).
  std::uint64_t proc_shift = 0;
  /// Put point i on CPU (i + placement_shift) mod cpus (another mapper's run).
  int placement_shift = 0;
  /// Which halo piece stencil's point i reads: 0 piece i, 1 piece pieces-1-i (an affine
  /// projection), 2 piece i*i mod pieces (no affine projection gives it).
  int halo_map = 0;
  std::uint32_t prof_version = 1008;
};

/// Writes the Spy log line by line to `spy` and the Prof log's bytes to `prof`.
void write_run(const Params& p, const std::function<void(const std::string&)>& spy,
               const std::function<void(const std::string&)>& prof);

}  // namespace mapsmith::importer::synthetic
