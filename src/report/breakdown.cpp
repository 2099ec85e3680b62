#include "report/breakdown.h"

#include <algorithm>
#include <map>
#include <utility>

namespace mapsmith::report {

namespace {

/// The length of [lo, hi] covered by the (sorted, disjoint) intervals.
double covered(const std::vector<std::pair<double, double>>& iv, double lo, double hi) {
  double sum = 0;
  for (const auto& [a, b] : iv) {
    const double x = std::max(a, lo), y = std::min(b, hi);
    if (y > x) sum += y - x;
  }
  return sum;
}

/// Sorts and merges overlapping intervals.
void merge(std::vector<std::pair<double, double>>& iv) {
  std::sort(iv.begin(), iv.end());
  std::size_t out = 0;
  for (const auto& x : iv) {
    if (out > 0 && x.first <= iv[out - 1].second)
      iv[out - 1].second = std::max(iv[out - 1].second, x.second);
    else
      iv[out++] = x;
  }
  iv.resize(out);
}

}  // namespace

TimeByTask time_by_task(const RunFacts& f) {
  TimeByTask out;
  const double tb = f.timed_begin_s, te = f.timed_end_s;
  out.begin_s = tb;
  out.end_s = te;
  const CopiesByInstance by_instance(f);

  std::map<std::uint32_t, std::vector<std::size_t>> by_proc;  // instances in program order
  for (std::size_t i = 0; i < f.tasks.size(); ++i)
    by_proc[f.tasks[i].proc].push_back(i);
  out.processors = static_cast<std::uint32_t>(by_proc.size());

  std::map<app::TaskId, TaskTime> per;
  std::vector<std::pair<double, double>> iv;
  for (const auto& [proc, list] : by_proc) {
    double cursor = tb;  // the processor is accounted for up to here
    for (std::size_t i : list) {
      const TaskRec& t = f.tasks[i];
      if (t.end <= tb) continue;
      if (t.start >= te) break;
      TaskTime& tt = per[t.task];
      tt.task = t.task;
      if (t.end <= te) ++tt.instances;
      const double gap_lo = std::max(cursor, tb), gap_hi = std::min(t.start, te);
      if (gap_hi > gap_lo) {
        iv.clear();
        for (std::size_t k = by_instance.first[i]; k < by_instance.first[i + 1]; ++k)
          iv.emplace_back(f.copies[by_instance.ids[k]].start, f.copies[by_instance.ids[k]].end);
        merge(iv);
        const double copy = covered(iv, gap_lo, gap_hi);
        tt.copy += copy;
        tt.waiting += (gap_hi - gap_lo) - copy;
      }
      const double body = t.start + t.overhead;
      tt.overhead += std::max(0.0, std::min(body, te) - std::max(t.start, tb));
      tt.compute += std::max(0.0, std::min(t.end, te) - std::max(body, tb));
      cursor = std::max(cursor, t.end);
    }
    out.idle += std::max(0.0, te - std::max(cursor, tb));
  }
  for (auto& [task, tt] : per)
    out.tasks.push_back(tt);
  return out;
}

}  // namespace mapsmith::report
