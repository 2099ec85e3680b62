#pragma once
/// What the simulator tells its observers: every task instance and every copy once the run is
/// over, in program order (not in time order; a task instance's copies just before it), then the
/// Outcome. Observers decide what to do with
/// them: the trace writer (trace.h) writes a file, tests record them, statistics sum them.
#include <cstdint>

#include "app/app.h"
#include "machine/machine.h"

namespace mapsmith::sim {

struct Outcome;

struct TaskEvent {
  std::size_t decision = 0;  ///< index into Mapping::launches
  std::size_t point = 0;     ///< index into the decision's points
  app::TaskId task = 0;
  machine::ProcId proc;
  std::uint64_t instance = 0;  ///< the task instance's number in program order, from 0
  double issued = 0;  ///< passed its gate: its parent launched it, its limit and fences allow it
  double ready = 0;   ///< every dependence and copy satisfied as well
  double start = 0;   ///< the processor took it (ready, or later when it was busy)
  double end = 0;
  double overhead = 0;  ///< of end - start, Legion's runtime overhead
  bool inner = false;
};

struct CopyEvent {
  std::uint64_t id = 0;      ///< the copy's number in program order, from 0
  std::size_t decision = 0;  ///< the task instance whose argument needed the data
  std::size_t point = 0;
  app::TaskId task = 0;
  std::size_t arg = 0;
  machine::MemId src;
  machine::MemId dst;
  std::uint64_t bytes = 0;
  double ready = 0;      ///< the source data was valid and the task mapped
  double start = 0;      ///< its DMA channels took it and its bytes started to move
  double end = 0;        ///< the bytes arrived
  double link_time = 0;  ///< how long its bytes moved (the links are shared while they do)
  machine::Route route;
  bool reduction = false;  ///< folds a reduction instance into the destination
};

/// Override what you need; the defaults ignore the event.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_task(const TaskEvent&) {}
  virtual void on_copy(const CopyEvent&) {}
  /// After the run, with the outcome (also after a failure).
  virtual void on_finish(const Outcome&) {}
};

}  // namespace mapsmith::sim
