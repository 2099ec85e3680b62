#pragma once
/// The timeline of a run: one row per processor and per channel that did any work, tasks and
/// copies as bars (a copy on every link of its route, for as long as it holds the link, as the
/// Chrome trace shows it), the critical path marked. A run with more bars than a browser draws
/// quickly is binned: each row is cut into equal buckets of time, each drawn as one bar whose
/// shade is the share of the bucket the row was busy and whose colour is the task that kept it
/// busiest; the critical path is binned the same way (the buckets it passes through). Rows busy
/// less than 1% of the run are then gathered into one row per node and kind.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "app/app.h"
#include "machine/machine.h"
#include "report/run.h"

namespace mapsmith::report {

struct TimelineRow {
  std::string name;  ///< "node0/GPU1", "node0/PCIE1.out"
  bool channel = false;
  std::uint32_t node = 0;
};

enum class BarKind : std::uint8_t { Task, Inner, Copy, Fold };

struct Bar {
  std::uint32_t row = 0;
  double t0 = 0;
  double t1 = 0;
  app::TaskId task = 0;  ///< the task, or the task a copy was made for
  BarKind kind = BarKind::Task;
  bool critical = false;
  std::uint64_t id = 0;  ///< the task instance or the copy
  friend bool operator==(const Bar&, const Bar&) = default;
};

/// Buckets [first, last] of a row, each busy for about `tenths`/10 of its time, mostly with
/// `task` (adjacent buckets alike are merged).
struct Bucket {
  std::uint32_t row = 0;
  std::uint32_t first = 0;
  std::uint32_t last = 0;
  app::TaskId task = 0;
  std::uint8_t tenths = 0;  ///< 1..10
  friend bool operator==(const Bucket&, const Bucket&) = default;
};

struct TimelineLimits {
  std::size_t max_bars = 12000;     ///< more bars than this: bin
  std::size_t max_buckets = 80000;  ///< row-buckets in all when binned
};

/// Binned: buckets [first, last] of a row that the critical path passes through.
struct CriticalSpan {
  std::uint32_t row = 0;
  std::uint32_t first = 0;
  std::uint32_t last = 0;
  friend bool operator==(const CriticalSpan&, const CriticalSpan&) = default;
};

struct Timeline {
  std::vector<TimelineRow> rows;  ///< processors (by ProcId), then channels (by ChannelId)
  double span_s = 0;              ///< the end of the last event
  std::size_t events = 0;         ///< bars before binning
  bool binned = false;
  std::uint32_t buckets_per_row = 0;   ///< binned: each bucket is span_s / buckets_per_row long
  std::vector<Bar> bars;               ///< every bar (none when binned)
  std::vector<std::string> tips;       ///< per bar, its description (filled by the caller)
  std::vector<Bucket> buckets;         ///< binned only, by row then time
  std::vector<CriticalSpan> critical;  ///< binned only, by row then time
  /// Binned: rows busy less than 1% of the run, gathered into one row per node and kind.
  std::size_t grouped_rows = 0;
};

Timeline build_timeline(const RunFacts& facts, const machine::Machine& machine,
                        const TimelineLimits& limits = {});

}  // namespace mapsmith::report
