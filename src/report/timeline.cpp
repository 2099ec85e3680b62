#include "report/timeline.h"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>

#include <map>
#include <set>

namespace mapsmith::report {

namespace {

constexpr std::uint32_t kUnused = ~std::uint32_t{0};

/// Every bar of the run, rows given as ProcId (processors) or procs + ChannelId (channels).
std::vector<Bar> all_bars(const RunFacts& f, std::size_t procs) {
  std::set<std::uint64_t> crit_tasks, crit_copies;
  for (const ChainLink& l : f.critical_chain)
    (l.copy ? crit_copies : crit_tasks).insert(l.id);
  std::vector<Bar> bars;
  bars.reserve(f.tasks.size() + f.copies.size());
  for (std::uint64_t i = 0; i < f.tasks.size(); ++i) {
    const TaskRec& t = f.tasks[i];
    bars.push_back(Bar{t.proc, t.start, t.end, t.task, t.inner ? BarKind::Inner : BarKind::Task,
                       crit_tasks.count(i) > 0, i});
  }
  for (std::uint64_t i = 0; i < f.copies.size(); ++i) {
    const CopyRec& c = f.copies[i];
    const app::TaskId task = c.instance < f.tasks.size() ? f.tasks[c.instance].task : 0;
    for (machine::ChannelId h : c.route)
      bars.push_back(Bar{static_cast<std::uint32_t>(procs + h.index), c.start,
                         c.start + c.link_time, task, c.reduction ? BarKind::Fold : BarKind::Copy,
                         crit_copies.count(i) > 0, i});
  }
  return bars;
}

}  // namespace

Timeline build_timeline(const RunFacts& facts, const machine::Machine& m,
                        const TimelineLimits& limits) {
  Timeline tl;
  const std::size_t procs = m.processors().size();
  std::vector<Bar> bars = all_bars(facts, procs);
  tl.events = bars.size();

  // Only the rows that did something, processors first.
  std::vector<std::uint32_t> row_of(procs + m.channels().size(), kUnused);
  for (const Bar& b : bars) {
    row_of[b.row] = 0;
    tl.span_s = std::max(tl.span_s, b.t1);
  }
  for (const TaskRec& t : facts.tasks)
    tl.span_s = std::max(tl.span_s, t.end);
  std::vector<std::string> kind_of;  // per row: "node0/CPU", "node0/PCIE"
  for (std::size_t r = 0; r < row_of.size(); ++r) {
    if (row_of[r] == kUnused) continue;
    row_of[r] = static_cast<std::uint32_t>(tl.rows.size());
    if (r < procs) {
      const machine::ProcId p{static_cast<std::uint32_t>(r)};
      const machine::Processor& x = m.processor(p);
      tl.rows.push_back(TimelineRow{m.name_of(p), false, x.node});
      kind_of.push_back(fmt::format("node{}/{}", x.node, to_string(x.kind)));
    } else {
      const machine::ChannelId c{static_cast<std::uint32_t>(r - procs)};
      const machine::Channel& x = m.channel(c);
      tl.rows.push_back(TimelineRow{m.name_of(c), true, x.node});
      kind_of.push_back(fmt::format("node{}/{}", x.node, machine::to_string(x.kind)));
    }
  }
  for (Bar& b : bars)
    b.row = row_of[b.row];

  if (bars.size() <= limits.max_bars || tl.rows.empty() || !(tl.span_s > 0)) {
    tl.bars = std::move(bars);
    return tl;
  }

  // Binned. First, the rows busy less than 1% of the run (CPUs that only initialised the data,
  // links that carried a copy or two) are gathered into one row per node and kind.
  tl.binned = true;
  {
    std::vector<double> busy(tl.rows.size(), 0.0);
    for (const Bar& b : bars)
      busy[b.row] += b.t1 - b.t0;
    std::map<std::string, std::vector<std::uint32_t>> quiet;
    for (std::uint32_t r = 0; r < tl.rows.size(); ++r)
      if (busy[r] < 0.01 * tl.span_s) quiet[kind_of[r]].push_back(r);
    std::vector<std::uint32_t> merged(tl.rows.size());
    std::vector<TimelineRow> kept;
    for (std::uint32_t r = 0; r < tl.rows.size(); ++r) {
      const auto q = quiet.find(kind_of[r]);
      const bool grouped = q != quiet.end() && q->second.size() > 1 &&
                           std::find(q->second.begin(), q->second.end(), r) != q->second.end();
      if (grouped && q->second.front() != r) {
        merged[r] = merged[q->second.front()];
        continue;
      }
      merged[r] = static_cast<std::uint32_t>(kept.size());
      kept.push_back(tl.rows[r]);
      if (grouped) {
        kept.back().name = fmt::format("{} x{} (<1% busy)", kind_of[r], q->second.size());
        tl.grouped_rows += q->second.size();
      }
    }
    tl.rows = std::move(kept);
    for (Bar& b : bars)
      b.row = merged[b.row];
  }
  const std::size_t rows = tl.rows.size();
  const std::size_t per_row = std::clamp<std::size_t>(limits.max_buckets / rows, 20, 2000);
  tl.buckets_per_row = static_cast<std::uint32_t>(per_row);
  app::TaskId tasks = 0;
  for (const Bar& b : bars)
    tasks = std::max<app::TaskId>(tasks, b.task + 1);
  const double width = tl.span_s / static_cast<double>(per_row);
  // Busy time per (row, bucket, task): rows x per_row is bounded by max_buckets (or 20 per row).
  std::vector<double> busy(rows * per_row * tasks, 0.0);
  for (const Bar& b : bars) {
    if (!(b.t1 > b.t0)) continue;
    auto first = static_cast<std::size_t>(b.t0 / width);
    auto last = static_cast<std::size_t>(b.t1 / width);
    first = std::min(first, per_row - 1);
    last = std::min(last, per_row - 1);
    for (std::size_t k = first; k <= last; ++k) {
      const double lo = std::max(b.t0, static_cast<double>(k) * width);
      const double hi = std::min(b.t1, static_cast<double>(k + 1) * width);
      if (hi > lo) busy[(b.row * per_row + k) * tasks + b.task] += hi - lo;
    }
  }
  for (std::uint32_t r = 0; r < rows; ++r) {
    for (std::size_t k = 0; k < per_row; ++k) {
      const double* at = &busy[(r * per_row + k) * tasks];
      double total = 0;
      app::TaskId top = 0;
      for (app::TaskId t = 0; t < tasks; ++t) {
        total += at[t];
        if (at[t] > at[top]) top = t;
      }
      if (!(total > 0)) continue;
      // Several bars may overlap in a bucket of a channel row (a link shared by copies whose
      // holds the model serialises, so in fact they do not); cap at full.
      const double share = std::min(1.0, total / width);
      const auto tenths = static_cast<std::uint8_t>(std::clamp(std::ceil(share * 10.0), 1.0, 10.0));
      const auto kk = static_cast<std::uint32_t>(k);
      if (!tl.buckets.empty()) {
        Bucket& prev = tl.buckets.back();
        if (prev.row == r && prev.last + 1 == kk && prev.task == top && prev.tenths == tenths) {
          prev.last = kk;
          continue;
        }
      }
      tl.buckets.push_back(Bucket{r, kk, kk, top, tenths});
    }
  }
  std::vector<bool> crit(rows * per_row, false);
  for (const Bar& b : bars) {
    if (!b.critical) continue;
    const std::size_t first = std::min(static_cast<std::size_t>(b.t0 / width), per_row - 1);
    const std::size_t last = std::min(static_cast<std::size_t>(b.t1 / width), per_row - 1);
    for (std::size_t k = first; k <= last; ++k)
      crit[b.row * per_row + k] = true;
  }
  for (std::uint32_t r = 0; r < rows; ++r)
    for (std::uint32_t k = 0; k < per_row; ++k) {
      if (!crit[r * per_row + k]) continue;
      if (!tl.critical.empty() && tl.critical.back().row == r && tl.critical.back().last + 1 == k)
        tl.critical.back().last = k;
      else
        tl.critical.push_back(CriticalSpan{r, k, k});
    }
  return tl;
}

}  // namespace mapsmith::report
