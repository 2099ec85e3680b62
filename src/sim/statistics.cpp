#include "sim/statistics.h"

#include <algorithm>

namespace mapsmith::sim {

Statistics::PerTask& Statistics::at(app::TaskId t) {
  if (t >= tasks_.size()) tasks_.resize(std::size_t{t} + 1);
  return tasks_[t];
}

void Statistics::on_task(const TaskEvent& e) {
  PerTask& p = at(e.task);
  ++p.instances;
  p.busy_s += e.end - e.start;
  p.first_start = std::min(p.first_start, e.start);
  p.last_end = std::max(p.last_end, e.end);
}

void Statistics::on_copy(const CopyEvent& e) {
  PerTask& p = at(e.task);
  ++p.copies;
  p.copy_bytes += e.bytes;
}

}  // namespace mapsmith::sim
