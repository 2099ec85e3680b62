#pragma once
/// Internal to sim/: the state the engine keeps — stamped times with their critical-path
/// breakdown, resources, and per-cell instance lists in free-list pools.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "sim/plan.h"
#include "sim/sim.h"
#include "util/error.h"

namespace mapsmith::sim::detail {

/// A time and how the chain of events that produced it splits into categories.
struct Stamp {
  double t = 0;
  Breakdown b;
};
inline const Stamp& later(const Stamp& a, const Stamp& b) {
  return b.t > a.t ? b : a;
}
inline void raise(Stamp& a, const Stamp& b) {
  if (b.t > a.t) a = b;
}
/// A processor or channel: when it is free, and the stamp and own segment of the work that holds
/// it until then.
struct Busy {
  Stamp end;
  double overhead = 0;
  double work = 0;
  double Breakdown::*category = &Breakdown::compute;
};

/// When work ready at `ready` can start on a resource, with the chain that leads there: the
/// ready chain when the resource is free, else the chain of the work holding it (the binding
/// predecessor), of which the part this work spent queued, min(free - ready, that work's own
/// segment), is waiting.
inline Stamp start_on(const Stamp& ready, const Busy& r) {
  if (r.end.t <= ready.t) return ready;
  Stamp s = r.end;
  const double w = std::min(r.end.t - ready.t, r.overhead + r.work);
  const double from_work = std::min(w, r.work);
  s.b.*r.category -= from_work;
  s.b.overhead -= w - from_work;
  s.b.waiting += w;
  return s;
}
/// The end of work started at `s` taking `o` of runtime overhead and `work` of its category:
/// end = start + (o + work).
inline Stamp finish(Stamp s, double o, double work, double Breakdown::*category) {
  s.t += o + work;
  s.b.overhead += o;
  s.b.*category += work;
  return s;
}

/// A memory holding an instance of a cell: valid (holding the current version since `arrival`)
/// or stale (allocated, reusable, collectable when the memory fills up).
struct Entry {
  std::uint32_t mem = 0;
  std::uint32_t next = kNone;
  bool valid = false;
  Stamp arrival;
};
/// A reduction instance of a cell not yet folded into the cell's data.
struct Pending {
  std::uint32_t mem = 0;
  std::uint32_t next = kNone;
  Stamp end;
};
struct Cell {
  Stamp write;     ///< the current version was produced (a writer ended, or a fold arrived)
  Stamp readers;   ///< the last reader of the current version ended
  Stamp reducers;  ///< the last pending reducer ended
  std::uint32_t entries = kNone;
  std::uint32_t pending = kNone;
};

/// List nodes with a free list: after warm-up the engine allocates nothing per task instance.
template <typename T>
class Pool {
 public:
  std::uint32_t make(const T& v) {
    if (free_ != kNone) {
      std::uint32_t i = free_;
      free_ = items_[i].next;
      items_[i] = v;
      return i;
    }
    MAPSMITH_ASSERT(items_.size() < kNone);
    items_.push_back(v);
    return static_cast<std::uint32_t>(items_.size() - 1);
  }
  void release(std::uint32_t i) {
    items_[i].next = free_;
    free_ = i;
  }
  T& operator[](std::uint32_t i) { return items_[i]; }

 private:
  std::vector<T> items_;
  std::uint32_t free_ = kNone;
};

/// Raised to stop the run at the first failure, as the runtime would.

}  // namespace mapsmith::sim::detail
