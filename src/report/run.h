#pragma once
/// One simulated run as the report sees it: the simulator's events in compact form, and what the
/// report derives from them — each task instance's issue time, the critical chain (the events on
/// the critical path) and the timed region (the main loop).
///
/// `Recorder` is a sim::Observer; `adapt` is the one place that reads the simulator's interface
/// (sim/observer.h, sim::Outcome), so that a change there changes one function here.
#include <cstdint>
#include <vector>

#include "app/app.h"
#include "machine/machine.h"
#include "mapping/mapping.h"
#include "sim/observer.h"
#include "sim/sim.h"

namespace mapsmith::report {

/// A task instance (numbered in program order, from 0: the index into RunFacts::tasks).
struct TaskRec {
  std::uint32_t decision = 0;  ///< into Mapping::launches
  std::uint32_t point = 0;     ///< into the decision's points
  app::TaskId task = 0;
  std::uint32_t proc = 0;  ///< ProcId::index
  double issued = 0;       ///< passed its gate: waiting for inputs = ready - issued
  double ready = 0;
  double start = 0;
  double end = 0;
  double overhead = 0;
  bool inner = false;
};

/// A copy (numbered in the order the simulator made them, from 0: the index into
/// RunFacts::copies), made for the task instance `instance` (tasks.size() for the instance a
/// failed run stopped at, which has no TaskRec).
struct CopyRec {
  std::uint64_t instance = 0;
  std::uint32_t decision = 0;  ///< the instance's decision and point
  std::uint32_t point = 0;
  std::uint64_t id = 0;  ///< the simulator's number for it (CopyEvent::id; else its index)
  std::uint32_t arg = 0;
  std::uint32_t src = 0;  ///< MemId::index
  std::uint32_t dst = 0;
  std::uint64_t bytes = 0;
  double ready = 0;
  double start = 0;
  double end = 0;
  double link_time = 0;
  machine::Route route;
  bool reduction = false;
};

/// One event of the critical path: a task instance or a copy, by its number.
struct ChainLink {
  bool copy = false;
  std::uint64_t id = 0;
  friend bool operator==(const ChainLink&, const ChainLink&) = default;
};

struct RunFacts {
  std::vector<TaskRec> tasks;
  std::vector<CopyRec> copies;
  /// The events on the critical path, the last first (the task that ends last).
  std::vector<ChainLink> critical_chain;
  double timed_begin_s = 0;  ///< the timed region: the main loop, else the whole run
  double timed_end_s = 0;
};

/// The copies made for each task instance, in the order they were made: for instance i,
/// ids[first[i]] .. ids[first[i + 1] - 1] (whatever order the copies arrived in).
struct CopiesByInstance {
  std::vector<std::uint64_t> ids;
  std::vector<std::size_t> first;
  explicit CopiesByInstance(const RunFacts& facts);
};

/// Keeps every task and copy of a run (about 60 bytes per event).
class Recorder : public sim::Observer {
 public:
  void on_task(const sim::TaskEvent& e) override;
  void on_copy(const sim::CopyEvent& e) override;
  /// Hands the events over (the recorder is left empty).
  RunFacts take();

 private:
  RunFacts facts_;
};

/// The adapter: completes what the recorder kept with what the outcome says (the critical path's
/// events, the timed region) and ties each copy to its task instance.
RunFacts adapt(RunFacts facts, const sim::Outcome& outcome);

}  // namespace mapsmith::report
