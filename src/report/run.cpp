#include "report/run.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <utility>

#include "util/error.h"

namespace mapsmith::report {

namespace {

// The simulator engine is being rewritten, keeping sim/observer.h and sim::Outcome and adding
// TaskEvent::issued, CopyEvent::id, Outcome::critical_chain and Outcome::timed_begin_s /
// timed_end_s. Each is read through one of the helpers below: while the field is absent from the
// simulator's interface the helper says so and adapt() computes a fallback; once it lands the
// helper reads it and the fallback is no longer used (and may then be deleted).

template <class E>
double issued_of(const E& e) {
  if constexpr (requires { e.issued; })
    return e.issued;
  else
    return std::numeric_limits<double>::quiet_NaN();  // adapt() fills it in
}

template <class E>
std::uint64_t copy_id_of(const E& e, std::uint64_t fallback) {
  if constexpr (requires { e.id; })
    return e.id;
  else
    return fallback;  // copies arrive in the order the simulator makes them
}

template <class O>
bool chain_of(const O& o, std::vector<ChainLink>& out) {
  if constexpr (requires {
                  o.critical_chain.front().copy;
                  o.critical_chain.front().id;
                }) {
    out.clear();
    for (const auto& l : o.critical_chain)
      out.push_back(ChainLink{l.copy, l.id});
    return true;
  } else {
    return false;
  }
}

template <class O>
bool timed_region_of(const O& o, RunFacts& f) {
  if constexpr (requires {
                  o.timed_begin_s;
                  o.timed_end_s;
                }) {
    f.timed_begin_s = o.timed_begin_s;
    f.timed_end_s = o.timed_end_s;
    return true;
  } else {
    return false;
  }
}

constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();

/// (end, number) of every task or copy, sorted: the events that end at a given time.
using ByEnd = std::vector<std::pair<double, std::uint64_t>>;

/// The latest event (largest number below `before`) that ends exactly at `t`; kNone if none.
/// Times are compared exactly: the simulator stores a dependent's ready time as a copy of the
/// end time it waited for.
std::uint64_t ending_at(const ByEnd& v, double t, std::uint64_t before) {
  auto it = std::lower_bound(v.begin(), v.end(), std::make_pair(t, before));
  if (it == v.begin()) return kNone;
  --it;
  return it->first == t ? it->second : kNone;
}

}  // namespace

void Recorder::on_task(const sim::TaskEvent& e) {
  TaskRec r;
  r.decision = static_cast<std::uint32_t>(e.decision);
  r.point = static_cast<std::uint32_t>(e.point);
  r.task = e.task;
  r.proc = e.proc.index;
  r.issued = issued_of(e);
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
  // A task instance's copies are made while its arguments are mapped, before its own event; adapt()
  // finds the instance from the decision and point, which does not depend on that order.
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
  r.id = copy_id_of(e, facts_.copies.size());
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

void fallback_issued(RunFacts& f, const mapping::Mapping& mapping) {
  // A (decision, point) runs once per iteration of the loops around its launch: a child's parent
  // is the latest instance of its parent's (decision, point), which precedes it in program order.
  std::vector<std::size_t> offset(mapping.launches.size() + 1, 0);
  for (std::size_t d = 0; d < mapping.launches.size(); ++d)
    offset[d + 1] = offset[d] + mapping.launches[d].points.size();
  std::vector<std::uint64_t> latest(offset.back(), kNone);
  for (std::uint64_t i = 0; i < f.tasks.size(); ++i) {
    TaskRec& t = f.tasks[i];
    const mapping::LaunchDecision& d = mapping.launches[t.decision];
    t.issued = 0;
    if (d.parent_decision) {
      const std::uint64_t parent = latest[offset[*d.parent_decision] + d.parent_point];
      if (parent != kNone) t.issued = f.tasks[parent].end;
    }
    latest[offset[t.decision] + t.point] = i;
  }
}

void fallback_timed_region(RunFacts& f, const app::App& app, const mapping::Mapping& mapping) {
  const app::Step* main_loop = nullptr;
  std::int64_t most = 0;
  for (const app::Step& s : app.program)
    if (s.kind == app::Step::Kind::Loop && s.count > most) {
      most = s.count;
      main_loop = &s;
    }
  double last_end = 0;
  for (const TaskRec& t : f.tasks)
    last_end = std::max(last_end, t.end);
  f.timed_begin_s = 0;
  f.timed_end_s = last_end;
  if (!main_loop) return;
  std::vector<bool> in_loop(app.launches.size(), false);
  const auto mark = [&](const auto& self, const std::vector<app::Step>& steps) -> void {
    for (const app::Step& s : steps) {
      if (s.kind == app::Step::Kind::Launch) in_loop[s.launch] = true;
      self(self, s.body);
    }
  };
  mark(mark, main_loop->body);
  // Tasks arrive in program order: the loop's tasks are one contiguous stretch of them (the
  // children of an inner task follow their parent).
  double max_end = 0;
  bool seen = false;
  for (const TaskRec& t : f.tasks) {
    std::size_t d = t.decision;
    while (mapping.launches[d].parent_decision)
      d = *mapping.launches[d].parent_decision;
    const bool inside = in_loop[mapping.launches[d].launch];
    if (inside && !seen) {
      f.timed_begin_s = max_end;
      seen = true;
    }
    if (!inside && seen) break;
    max_end = std::max(max_end, t.end);
  }
  if (seen)
    f.timed_end_s = max_end;
  else
    f.timed_begin_s = 0;
}

std::vector<ChainLink> fallback_critical_chain(const RunFacts& f) {
  std::vector<ChainLink> chain;
  if (f.tasks.empty()) return chain;
  ByEnd task_ends, copy_ends;
  task_ends.reserve(f.tasks.size());
  copy_ends.reserve(f.copies.size());
  std::uint64_t last = 0;
  for (std::uint64_t i = 0; i < f.tasks.size(); ++i) {
    task_ends.emplace_back(f.tasks[i].end, i);
    if (f.tasks[i].end > f.tasks[last].end) last = i;
  }
  for (std::uint64_t i = 0; i < f.copies.size(); ++i)
    copy_ends.emplace_back(f.copies[i].end, i);
  std::sort(task_ends.begin(), task_ends.end());
  std::sort(copy_ends.begin(), copy_ends.end());

  // The previous task on each task's processor, and the copy that held a link just before each
  // copy (resources are FIFO in program order, so that is the last one reserved on the link).
  std::vector<std::uint64_t> prev_on_proc(f.tasks.size(), kNone);
  {
    std::vector<std::uint64_t> last_on(1, kNone);
    for (std::uint64_t i = 0; i < f.tasks.size(); ++i) {
      const std::uint32_t p = f.tasks[i].proc;
      if (p >= last_on.size()) last_on.resize(p + 1, kNone);
      prev_on_proc[i] = last_on[p];
      last_on[p] = i;
    }
  }
  std::vector<std::uint64_t> prev_on_link(f.copies.size(), kNone);
  {
    std::vector<std::uint64_t> last_on(1, kNone);
    for (std::uint64_t i = 0; i < f.copies.size(); ++i) {
      const CopyRec& c = f.copies[i];
      for (machine::ChannelId h : c.route) {
        if (h.index >= last_on.size()) last_on.resize(h.index + 1, kNone);
        const std::uint64_t p = last_on[h.index];
        if (p != kNone && f.copies[p].start + f.copies[p].link_time == c.start &&
            (prev_on_link[i] == kNone || p > prev_on_link[i]))
          prev_on_link[i] = p;
        last_on[h.index] = i;
      }
    }
  }
  const CopiesByInstance by_instance(f);

  ChainLink cur{false, last};
  for (std::size_t steps = 0; steps <= f.tasks.size() + f.copies.size(); ++steps) {
    chain.push_back(cur);
    ChainLink next{false, kNone};
    if (!cur.copy) {
      const TaskRec& t = f.tasks[cur.id];
      if (t.start > t.ready) {
        next = {false, prev_on_proc[cur.id]};
      } else {
        for (std::size_t k = by_instance.first[cur.id]; k < by_instance.first[cur.id + 1]; ++k) {
          const std::uint64_t c = by_instance.ids[k];
          if (f.copies[c].end == t.ready && (next.id == kNone || c > next.id)) next = {true, c};
        }
        if (next.id == kNone && t.ready > 0) next = {false, ending_at(task_ends, t.ready, cur.id)};
      }
    } else {
      const CopyRec& c = f.copies[cur.id];
      if (c.start > c.ready && prev_on_link[cur.id] != kNone) {
        next = {true, prev_on_link[cur.id]};
      } else if (c.ready > 0) {
        next = {false, ending_at(task_ends, c.ready, c.instance)};
        if (next.id == kNone) next = {true, ending_at(copy_ends, c.ready, cur.id)};
      }
    }
    if (next.id == kNone) break;
    // Every step goes strictly back in time (tasks and copies take time), so the walk ends.
    const double cur_end = cur.copy ? f.copies[cur.id].end : f.tasks[cur.id].end;
    const double next_end = next.copy ? f.copies[next.id].end : f.tasks[next.id].end;
    if (!(next_end < cur_end)) break;
    cur = next;
  }
  return chain;
}

Fallbacks fallbacks_in_use() {
  Fallbacks f;
  f.issued = std::isnan(issued_of(sim::TaskEvent{}));
  f.copy_id = copy_id_of(sim::CopyEvent{}, kNone) == kNone;
  std::vector<ChainLink> chain;
  f.critical_chain = !chain_of(sim::Outcome{}, chain);
  RunFacts facts;
  f.timed_region = !timed_region_of(sim::Outcome{}, facts);
  return f;
}

RunFacts adapt(RunFacts f, const sim::Outcome& outcome, const app::App& app,
               const mapping::Mapping& mapping) {
  // A copy belongs to the next task instance with its decision and point (the simulator makes an
  // instance's copies while it maps its arguments, just before the instance's own event).
  for (CopyRec& c : f.copies) {
    std::uint64_t i = c.instance;
    while (i < f.tasks.size() && (f.tasks[i].decision != c.decision || f.tasks[i].point != c.point))
      ++i;
    c.instance = i;
  }
  if (!f.tasks.empty() && std::isnan(f.tasks.front().issued)) fallback_issued(f, mapping);
  if (chain_of(outcome, f.critical_chain)) {
    // The simulator names copies by their CopyEvent::id; the report by their place in `copies`.
    std::unordered_map<std::uint64_t, std::uint64_t> index;
    for (std::uint64_t i = 0; i < f.copies.size(); ++i)
      if (f.copies[i].id != i) index.emplace(f.copies[i].id, i);
    if (!index.empty())
      for (ChainLink& l : f.critical_chain)
        if (l.copy && index.count(l.id)) l.id = index[l.id];
  } else {
    f.critical_chain = fallback_critical_chain(f);
  }
  if (!timed_region_of(outcome, f)) fallback_timed_region(f, app, mapping);
  return f;
}

}  // namespace mapsmith::report
