#pragma once
/// From the logs of a real Legion run to what mapsmith models (docs/import.md): Legion Spy's
/// region trees, launches and requirements become an app::App; Legion Prof's processors and
/// memories become a machine::MachineSpec; Prof's measured task times become the launches'
/// costs; and what was measured (per task kind, per copy channel, the whole run, the main loop)
/// is kept beside them, for `validate` to compare with a simulation of the model.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/app.h"
#include "importer/prof.h"
#include "importer/spy.h"
#include "machine/machine.h"

namespace mapsmith::importer {

/// Bandwidths and latencies of the host the run was on (`mapsmith calibrate`), for the machine's
/// affinities and links; absent figures take the defaults docs/import.md gives.
struct HostFigures {
  std::optional<double> core_bandwidth;  ///< one core streaming its node's memory, bytes/s
  std::optional<double> copy_bandwidth;  ///< a copy between two host memories, bytes/s
  std::optional<double> memory_latency;  ///< seconds
  std::optional<double> core_flops;      ///< FP64 flop/s of one core (scales flops only)
};

/// The figures a machine file from `mapsmith calibrate` holds: its CPU's affinity to SYSMEM
/// (bandwidth, latency), its MEMBUS link (copy bandwidth) and its CPU's flops.
HostFigures host_figures(const machine::MachineSpec& calibration);

/// A variant the run did not use, assumed (`import --variant`): the logs do not say which
/// processor kinds a task has variants for, only where it ran.
struct AssumedVariant {
  std::string task;  ///< empty: every task but the top-level one
  ProcKind kind = ProcKind::GPU;
  double efficiency = 1.0;  ///< of that kind's peak, for the launch's measured flops
};

struct ImportOptions {
  std::string name;  ///< the app's and machine's name (default: the top-level task's)
  std::vector<AssumedVariant> assumed_variants;
  HostFigures host;
  std::size_t max_loop_body = 256;  ///< the longest loop body (in launches) searched for
};

/// What the run measured of one kind of thing: task bodies of one task, or copies over one
/// channel ("SYSMEM->RDMEM", "SYSMEM->SYSMEM (between nodes)").
struct Stat {
  std::string name;
  std::uint64_t count = 0;
  std::uint64_t bytes = 0;  ///< copies only
  double seconds = 0;       ///< summed durations
  friend bool operator==(const Stat&, const Stat&) = default;
};

/// Which memory kinds one region argument of a task was placed in ("SYSMEM", "RDMEM,SYSMEM").
struct Placement {
  std::string task;
  std::size_t arg = 0;
  std::string memories;
  friend bool operator==(const Placement&, const Placement&) = default;
};

struct Measurement {
  double time_s = 0;            ///< the first launched task's creation to the end of the last one
  double iteration_time_s = 0;  ///< the main loop's span over its count (time_s without a loop)
  std::int64_t iterations = 0;
  std::vector<Stat> tasks;            ///< by task name, sorted
  std::vector<Stat> channels;         ///< by channel name, sorted
  Stat fills;                         ///< fills are measured, not modelled
  std::vector<Placement> placements;  ///< by task and argument (Spy's mapping decisions)
  std::uint64_t task_instances = 0;
  std::uint64_t copies = 0;
};

struct Imported {
  app::App app;
  machine::MachineSpec machine;
  Measurement measured;
  /// What the import estimated, defaulted or left out, one sentence each.
  std::vector<std::string> notes;
};

/// Builds the model. Throws InputError when the two logs are not of the same run (a task Prof
/// timed that Spy does not know, or one that ran elsewhere), when Spy has no top-level task, or
/// when the run uses what the app format cannot express; the message names the log and the
/// operation.
Imported import_run(const SpyLog& spy, const ProfLog& prof, const ImportOptions& options = {});

/// The name of a copy channel between memories of these kinds: "SYSMEM->RDMEM", with
/// " (between nodes)" when they are on different nodes.
std::string channel_name(MemKind src, MemKind dst, bool between_nodes);

/// The Realm kind numbers of Legion Prof and Spy, as the mapping language names them; nullopt
/// for kinds it has no name for (processor groups, disk memory, caches).
std::optional<ProcKind> proc_kind_of_realm(int kind);
std::optional<MemKind> mem_kind_of_realm(int kind);

/// The node a Realm processor or memory id belongs to.
inline std::uint32_t node_of(std::uint64_t realm_id) {
  return static_cast<std::uint32_t>((realm_id >> 40) & 0xffff);
}

}  // namespace mapsmith::importer
