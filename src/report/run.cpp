#include "report/run.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <utility>

#include "util/error.h"

namespace mapsmith::report {

namespace {}  // namespace

void Recorder::on_task(const sim::TaskEvent& e) {
  TaskRec r;
  r.decision = static_cast<std::uint32_t>(e.decision);
  r.point = static_cast<std::uint32_t>(e.point);
  r.task = e.task;
  r.proc = e.proc.index;
  r.issued = e.issued;
  r.ready = e.ready;
  r.start = e.start;
  r.end = e.end;
  r.overhead = e.overhead;
  r.inner = e.inner;
  MAPSMITH_ASSERT(e.instance == facts_.tasks.size());
  facts_.tasks.push_back(r);
}

void Recorder::on_copy(const sim::CopyEvent& e) {
  CopyRec r;
  // The simulator reports a task instance's copies just before the instance; adapt() finds the
  // instance from the decision and point.
  r.instance = facts_.tasks.size();
  r.decision = static_cast<std::uint32_t>(e.decision);
  r.point = static_cast<std::uint32_t>(e.point);
  r.arg = static_cast<std::uint32_t>(e.arg);
  r.src = e.src.index;
  r.dst = e.dst.index;
  r.bytes = e.bytes;
  r.ready = e.ready;
  r.start = e.start;
  r.end = e.end;
  r.link_time = e.link_time;
  r.route = e.route;
  r.reduction = e.reduction;
  r.id = e.id;
  facts_.copies.push_back(r);
}

RunFacts Recorder::take() {
  return std::exchange(facts_, RunFacts{});
}

CopiesByInstance::CopiesByInstance(const RunFacts& f) : first(f.tasks.size() + 2, 0) {
  // A counting sort by instance (tasks.size() for the instance a failed run stopped at).
  for (const CopyRec& c : f.copies)
    ++first[std::min<std::uint64_t>(c.instance, f.tasks.size()) + 1];
  for (std::size_t i = 1; i < first.size(); ++i)
    first[i] += first[i - 1];
  ids.resize(f.copies.size());
  std::vector<std::size_t> next(first.begin(), first.end() - 1);
  for (std::uint64_t i = 0; i < f.copies.size(); ++i)
    ids[next[std::min<std::uint64_t>(f.copies[i].instance, f.tasks.size())]++] = i;
}

RunFacts adapt(RunFacts f, const sim::Outcome& outcome) {
  // A copy belongs to the next task instance with its decision and point (the simulator makes an
  // instance's copies while it maps its arguments, just before the instance's own event).
  for (CopyRec& c : f.copies) {
    std::uint64_t i = c.instance;
    while (i < f.tasks.size() && (f.tasks[i].decision != c.decision || f.tasks[i].point != c.point))
      ++i;
    c.instance = i;
  }
  // The simulator names copies by their CopyEvent::id; the report by their place in `copies`.
  f.critical_chain.clear();
  std::unordered_map<std::uint64_t, std::uint64_t> index;
  for (std::uint64_t i = 0; i < f.copies.size(); ++i)
    if (f.copies[i].id != i) index.emplace(f.copies[i].id, i);
  for (const sim::ChainLink& l : outcome.critical_chain) {
    ChainLink c{l.copy, l.id};
    if (c.copy && index.count(c.id)) c.id = index[c.id];
    f.critical_chain.push_back(c);
  }
  f.timed_begin_s = outcome.timed_begin_s;
  f.timed_end_s = outcome.timed_end_s;
  return f;
}

}  // namespace mapsmith::report
