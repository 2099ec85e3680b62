#pragma once
/// Per-task statistics, as an observer: a caller that wants them attaches one, and a simulation
/// without it pays nothing.
#include <cstdint>
#include <limits>
#include <vector>

#include "sim/observer.h"

namespace mapsmith::sim {

class Statistics : public Observer {
 public:
  struct PerTask {
    std::uint64_t instances = 0;
    double busy_s = 0;  ///< summed processor time, runtime overhead included
    std::uint64_t copies = 0;
    std::uint64_t copy_bytes = 0;  ///< copies made for the task's arguments, folds included
    double first_start = std::numeric_limits<double>::infinity();
    double last_end = 0;
  };

  void on_task(const TaskEvent& e) override;
  void on_copy(const CopyEvent& e) override;

  /// Indexed by TaskId; tasks that never ran have an entry of zeros (or none past the last).
  const std::vector<PerTask>& by_task() const { return tasks_; }

 private:
  PerTask& at(app::TaskId t);
  std::vector<PerTask> tasks_;
};

}  // namespace mapsmith::sim
