#pragma once
/// Where the time of the timed region goes, per task: every processor that ran a task is followed
/// through the region and each moment of it is charged to a task —
///
/// - **compute**: the task's body runs;
/// - **overhead**: Legion's per-task runtime overhead before the body;
/// - **copy**: the processor is idle before the task while a copy made for the task is in flight;
/// - **waiting**: the processor is idle before the task otherwise (its inputs are not produced
///   yet, it was not issued yet, or an instance limit holds it back);
///
/// and what follows a processor's last task in the region is **idle**. So the parts of every task
/// and the idle time sum to (processors × the region's length): processor time, as Legion Prof's
/// utilisation counts it, split by the task it was spent on or waited for.
#include <cstdint>
#include <vector>

#include "app/app.h"
#include "report/run.h"

namespace mapsmith::report {

struct TaskTime {
  app::TaskId task = 0;
  std::uint64_t instances = 0;  ///< instances that end inside the region
  double compute = 0;
  double copy = 0;
  double waiting = 0;
  double overhead = 0;
  double total() const { return compute + copy + waiting + overhead; }
  friend bool operator==(const TaskTime&, const TaskTime&) = default;
};

struct TimeByTask {
  std::vector<TaskTime> tasks;  ///< tasks charged any time, by TaskId
  double idle = 0;
  std::uint32_t processors = 0;  ///< processors that ran a task (anywhere in the run)
  double begin_s = 0;            ///< the region
  double end_s = 0;
};

TimeByTask time_by_task(const RunFacts& facts);

}  // namespace mapsmith::report
