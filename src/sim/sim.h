#pragma once
/// The simulator: predicts what a mapping does to an application's run time on a machine.
///
/// `simulate` lowers (App, Machine, Mapping) to a physical graph — task instances on processors,
/// copies between memories along the machine's routes, reduction instances and their folds,
/// instance allocation and release — and runs it as a deterministic discrete-event simulation in
/// which processors and DMA channels serve work in the order it becomes ready and links and
/// memories share their bandwidth between the transfers that cross them. It returns an Outcome: the
/// predicted time, the bytes moved, per-resource statistics, the first failure the real runtime
/// would hit (out of memory, a layout a variant cannot take, no variant for the processor), and
/// findings that explain the result. Every formula and constant is in docs/simulator.md.
///
/// Nothing here prints: observers (observer.h) receive the events; the trace writer (trace.h)
/// is one. `simulate` keeps no global state and may run on several threads at once.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/app.h"
#include "dsl/ast.h"
#include "dsl/diagnostics.h"
#include "machine/machine.h"
#include "mapping/mapping.h"

namespace mapsmith::sim {

class Observer;

/// Legion's runtime costs and the measured costs of a GPU's accesses to host memory (sources in
/// docs/simulator.md §9).
struct Constants {
  double task_overhead = 20e-6;  ///< per task instance, on its processor, before its body runs
  double copy_overhead = 5e-6;   ///< per copy: issuing the DMA, before its bytes arrive
  /// Zero-copy: a GPU's gathers and atomics in host memory, each a PCIe transaction of one 32-byte
  /// sector (docs/simulator.md §2). Reads a GPU keeps in flight; with the affinity's latency they
  /// bound its gather rate (740 at 1 µs: 1.35 ns per gather, measured on an H100).
  double zero_copy_reads_in_flight = 740;
  /// The time per atomic transaction of one GPU when the atomics spread over many lines (its rate
  /// bound: 2.7 ns, measured on an H100).
  double zero_copy_atomic_s = 2.7e-9;
  /// Read-modify-writes of one cache line (128 B) in host memory serialise: each takes a PCIe round
  /// trip (2.4 µs, measured on an H100 with atomics on 4 and 9 lines).
  double zero_copy_line_s = 2.4e-6;
  /// Bytes of header and framing a PCIe transaction adds to its payload (TLP header, sequence
  /// number, LCRC, framing: PCIe 3.0 base specification).
  double pcie_overhead_bytes = 24;
};

struct Options {
  Constants constants;
  /// The mapper the Mapping came from: names the file of a located failure and gives its source
  /// line. Null: the default policy (failures name "<default mapper>").
  const dsl::Program* program = nullptr;
  /// Receive every task and copy (in program order) after the run, then the Outcome.
  std::vector<Observer*> observers;
  /// A program with more task instances is refused (InputError) rather than run for hours.
  std::uint64_t max_task_instances = std::uint64_t{1} << 30;
  /// `InstanceLimit` throttles only when the run enables back-pressure, as in the DSL mapper: the
  /// published one (and the one perfbench runs on Sapling) turns it on by default and off with
  /// `-tm:disable_backpressure`; its 2023 version needed `-tm:enable_backpressure`.
  bool backpressure = true;
};

/// Where time went along one chain of events; the parts sum to the chain's end time.
struct Breakdown {
  double compute = 0;   ///< task bodies (the roofline of work and bytes touched)
  double copy = 0;      ///< link latencies and bytes over bandwidth
  double waiting = 0;   ///< ready but queued behind other work on a processor or channel
  double overhead = 0;  ///< Legion's per-task and per-copy runtime costs
  double total() const { return compute + copy + waiting + overhead; }
};

/// Bytes moved by copies. A copy counts once in inter_node or intra_node, and once for every
/// channel kind its route crosses (by_kind is indexed by machine::ChannelKind).
struct Bytes {
  std::uint64_t inter_node = 0;
  std::uint64_t intra_node = 0;
  std::array<std::uint64_t, 5> by_kind{};
};

struct ProcStats {
  std::uint64_t tasks = 0;
  double busy_s = 0;
};
struct ChannelStats {
  std::uint64_t bytes = 0;       ///< carried across it: by copies and by task bodies (zero-copy)
  std::uint64_t copy_bytes = 0;  ///< of `bytes`, carried by copies
  std::uint64_t copies = 0;
  double busy_s = 0;  ///< time its bandwidth was reserved
};
struct MemoryStats {
  std::uint64_t peak_bytes = 0;  ///< high-water mark of allocated instances
  std::uint64_t end_bytes = 0;   ///< allocated at the end of the run
};
/// The copies made for one region argument of one task (reduction folds included).
struct CopyGroup {
  app::TaskId task = 0;
  std::size_t arg = 0;
  std::uint64_t bytes = 0;
  std::uint64_t copies = 0;
  double seconds = 0;  ///< summed copy durations
};

enum class FindingKind : std::uint8_t {
  CriticalPath,
  BusyChannel,
  IdleProcessors,
  LargeCopies,
  MemoryPeak
};
std::string_view to_string(FindingKind k);

/// One explanation of the outcome: a sentence and the structured facts behind it. Findings are
/// ranked: the critical path first, then by `seconds` (the time at stake), largest first.
struct Finding {
  FindingKind kind = FindingKind::CriticalPath;
  std::string text;
  double seconds = 0;
  double fraction = 0;  ///< of the run time (busy or idle share; the dominant category's share)
  std::uint64_t bytes = 0;
  std::uint64_t count = 0;  ///< copies, or processors
  std::string category;     ///< CriticalPath: the dominant category
  std::optional<app::TaskId> task;
  std::optional<std::size_t> arg;
  std::string region;  ///< the argument's display name
  std::optional<machine::ChannelId> channel;
  std::optional<machine::MemId> memory;
  std::optional<ProcKind> proc_kind;
};

/// One link of the critical path: a task instance (TaskEvent::instance) or a copy (CopyEvent::id).
struct ChainLink {
  bool copy = false;
  std::uint64_t id = 0;
  friend bool operator==(const ChainLink&, const ChainLink&) = default;
};

/// Where one task's instances of the timed region spent their time (sums over the instances).
struct TaskTime {
  std::uint64_t instances = 0;
  double busy_s = 0;      ///< on the processor: runtime overhead and body
  double inputs_s = 0;    ///< issued but waiting for data, copies and dependences
  double queued_s = 0;    ///< ready but waiting for its processor
  double critical_s = 0;  ///< of the timed region's critical path, the part in this task's bodies
};

struct Outcome {
  bool ok = true;     ///< false: the run fails; `failures` says where and why
  double time_s = 0;  ///< the whole run: the end of the last task
  /// The timed region (what the real program times: app::App::timed_region): its steady-state
  /// time per iteration, its bounds and how many iterations it counts. Without a loop the whole
  /// run is the region and counts as one iteration.
  double iteration_time_s = 0;
  std::int64_t iterations = 0;  ///< the main loop's count (0 without one)
  std::int64_t timed_iterations = 0;
  double timed_begin_s = 0;
  double timed_end_s = 0;
  /// The mapping has InstanceLimit statements that back-pressure is not enabled to enforce.
  bool limits_inactive = false;
  Breakdown critical_path;
  std::vector<ChainLink> critical_chain;  ///< the critical path's tasks and copies, last first
  Bytes bytes;
  std::uint64_t task_instances = 0;
  std::uint64_t copies = 0;
  std::vector<ProcStats> procs;        ///< by ProcId
  std::vector<ChannelStats> channels;  ///< by ChannelId
  std::vector<MemoryStats> memories;   ///< by MemId
  std::vector<CopyGroup> copy_groups;  ///< by bytes, largest first
  std::vector<TaskTime> task_times;    ///< by TaskId, over the timed region
  std::vector<dsl::Diagnostic> failures;
  std::vector<Finding> findings;
};

/// Units for sentences: "1.5 ms", "20 µs", "3 s", with `digits` significant digits (3 by default;
/// the LLM agent asks for 4, so that the model sees small gains: "10.33 ms").
std::string time_text(double seconds, int digits = 3);
/// "512 B", "1.50 KiB", "2.00 GiB".
std::string bytes_text(std::uint64_t bytes);
/// "1 copy", "3 copies": `n` and the word that goes with it.
std::string count_text(std::uint64_t n, std::string_view one, std::string_view many);

/// Runs the mapping. Throws InputError when the app or the mapping is malformed (they do not
/// match, a projection names an unknown variable, ...); a mapping the runtime would reject is a
/// located failure in the Outcome, not an exception.
Outcome simulate(const app::App& app, const machine::Machine& machine,
                 const mapping::Mapping& mapping, const Options& options = {});

}  // namespace mapsmith::sim
