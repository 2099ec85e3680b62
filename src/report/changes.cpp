#include "report/changes.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <set>
#include <thread>

namespace mapsmith::report {

std::string_view to_string(Aspect a) {
  switch (a) {
    case Aspect::Processors:
      return "processors";
    case Aspect::Memory:
      return "memory";
    case Aspect::Layout:
      return "layout";
    case Aspect::Collect:
      return "collect";
    case Aspect::InstanceLimit:
      return "instance limit";
  }
  return "?";
}

namespace {

std::string kinds_text(const std::vector<MemKind>& kinds) {
  std::string s;
  for (MemKind k : kinds)
    s += (s.empty() ? "" : ",") + std::string(to_string(k));
  return s;
}

std::string limit_text(const std::optional<std::int64_t>& l) {
  return l ? std::to_string(*l) : std::string("none");
}

/// The decisions of task `t`.
std::vector<std::size_t> decisions_of(const mapping::Mapping& m, app::TaskId t) {
  std::vector<std::size_t> out;
  for (std::size_t d = 0; d < m.launches.size(); ++d)
    if (m.launches[d].task == t) out.push_back(d);
  return out;
}

/// One value per decision, in words; the first, marked when they are not all the same.
template <class F>
std::string value_over(const mapping::Mapping& m, const std::vector<std::size_t>& ds, F&& text) {
  const std::string first = text(m.launches[ds.front()]);
  for (std::size_t d : ds)
    if (text(m.launches[d]) != first) return first + " (varies by launch)";
  return first;
}

std::string procs_text(const mapping::Mapping& m, const std::vector<std::size_t>& ds) {
  std::set<std::uint32_t> used;
  std::set<ProcKind> kinds;
  for (std::size_t d : ds) {
    kinds.insert(m.launches[d].kind);
    for (const mapping::PointDecision& p : m.launches[d].points)
      used.insert(p.proc.index);
  }
  std::string k;
  for (ProcKind x : kinds)
    k += (k.empty() ? "" : "+") + std::string(to_string(x));
  return fmt::format("{} on {} processor{}", k, used.size(), used.size() == 1 ? "" : "s");
}

/// Keeps the kinds of `a` that processor `p` reaches; false when none is left.
bool reachable_only(mapping::ArgDecision& a, machine::ProcId p, const machine::Machine& m) {
  std::erase_if(a.memories, [&](MemKind k) { return !m.reaches(p, k); });
  return !a.memories.empty();
}

}  // namespace

bool comparable(const mapping::Mapping& a, const mapping::Mapping& b) {
  if (a.launches.size() != b.launches.size()) return false;
  for (std::size_t d = 0; d < a.launches.size(); ++d) {
    const mapping::LaunchDecision &x = a.launches[d], &y = b.launches[d];
    if (x.launch != y.launch || x.task != y.task || x.points.size() != y.points.size() ||
        x.args.size() != y.args.size())
      return false;
  }
  return true;
}

std::vector<Change> decision_changes(const app::App& app, const mapping::Mapping& expert,
                                     const mapping::Mapping& best) {
  std::vector<Change> out;
  if (!comparable(expert, best)) return out;
  for (app::TaskId t = 0; t < app.tasks.size(); ++t) {
    const std::vector<std::size_t> ds = decisions_of(expert, t);
    if (ds.empty()) continue;
    std::size_t moved = 0, points = 0;
    bool kind_differs = false;
    for (std::size_t d : ds) {
      const mapping::LaunchDecision &e = expert.launches[d], &b = best.launches[d];
      kind_differs = kind_differs || e.kind != b.kind || e.inner != b.inner;
      for (std::size_t k = 0; k < e.points.size(); ++k, ++points)
        if (e.points[k].proc != b.points[k].proc) ++moved;
    }
    if (moved > 0 || kind_differs) {
      Change c;
      c.task = t;
      c.aspect = Aspect::Processors;
      c.expert_value = procs_text(expert, ds);
      c.best_value = procs_text(best, ds);
      c.detail = fmt::format("{} of {} points on other processors", moved, points);
      out.push_back(std::move(c));
    }
    const std::size_t nargs = expert.launches[ds.front()].args.size();
    const auto& names =
        app.launches[expert.launches[ds.front()].launch].effective_args(app.tasks[t]);
    for (std::uint32_t i = 0; i < nargs; ++i) {
      const std::string name = i < names.size() ? names[i].display_name() : std::to_string(i);
      const auto add = [&](Aspect a, auto&& text) {
        bool differs = false;
        for (std::size_t d : ds) {
          const mapping::LaunchDecision &e = expert.launches[d], &b = best.launches[d];
          if (e.inner && b.inner) continue;  // no instances either way
          differs = differs || text(e) != text(b);
        }
        if (!differs) return;
        Change c;
        c.task = t;
        c.aspect = a;
        c.arg = i;
        c.arg_name = name;
        c.expert_value = value_over(expert, ds, text);
        c.best_value = value_over(best, ds, text);
        out.push_back(std::move(c));
      };
      add(Aspect::Memory,
          [i](const mapping::LaunchDecision& d) { return kinds_text(d.args[i].memories); });
      add(Aspect::Layout,
          [i](const mapping::LaunchDecision& d) { return mapping::to_string(d.args[i].layout); });
      add(Aspect::Collect, [i](const mapping::LaunchDecision& d) {
        return std::string(d.args[i].collect ? "collect" : "keep");
      });
    }
    bool limit_differs = false;
    for (std::size_t d : ds)
      limit_differs =
          limit_differs || expert.launches[d].instance_limit != best.launches[d].instance_limit;
    if (limit_differs) {
      Change c;
      c.task = t;
      c.aspect = Aspect::InstanceLimit;
      const auto text = [](const mapping::LaunchDecision& d) {
        return limit_text(d.instance_limit);
      };
      c.expert_value = value_over(expert, ds, text);
      c.best_value = value_over(best, ds, text);
      out.push_back(std::move(c));
    }
  }
  return out;
}

std::optional<mapping::Mapping> with_change(const mapping::Mapping& to,
                                            const mapping::Mapping& from, const Change& c,
                                            const machine::Machine& m, std::string& why) {
  if (!comparable(to, from)) {
    why = "the two mappings decide different launches";
    return std::nullopt;
  }
  mapping::Mapping out = to;
  for (std::size_t d = 0; d < out.launches.size(); ++d) {
    mapping::LaunchDecision& L = out.launches[d];
    const mapping::LaunchDecision& F = from.launches[d];
    if (L.task != c.task) continue;
    switch (c.aspect) {
      case Aspect::Processors: {
        L.kind = F.kind;
        L.inner = F.inner;
        L.kind_stmt = F.kind_stmt;
        L.map_stmt = F.map_stmt;
        for (std::size_t k = 0; k < L.points.size(); ++k)
          L.points[k].proc = F.points[k].proc;
        for (std::size_t i = 0; i < L.args.size(); ++i) {
          // Keep this mapping's memories where the new processors reach them.
          bool reach = reachable_only(L.args[i], L.points.front().proc, m);
          for (std::size_t k = 0; reach && k < L.points.size(); ++k)
            reach = m.memory_for(L.points[k].proc, L.args[i].memories.front()).has_value();
          if (!reach) L.args[i] = F.args[i];
          for (std::size_t k = 0; k < L.points.size(); ++k)
            L.points[k].memories[i] =
                reach ? *m.memory_for(L.points[k].proc, L.args[i].memories.front())
                      : F.points[k].memories[i];
        }
        break;
      }
      case Aspect::Memory: {
        mapping::ArgDecision& a = L.args[c.arg];
        const std::vector<MemKind> kinds = F.args[c.arg].memories;
        a.memories = kinds;
        a.region_stmt = F.args[c.arg].region_stmt;
        if (L.inner) break;
        if (!reachable_only(a, L.points.front().proc, m) || a.memories.front() != kinds.front()) {
          why = fmt::format("{} is out of reach of the {} processors", to_string(kinds.front()),
                            to_string(L.kind));
          return std::nullopt;
        }
        for (mapping::PointDecision& p : L.points) {
          const auto mem = m.memory_for(p.proc, a.memories.front());
          if (!mem) {
            why = fmt::format("{} is out of reach of {}", to_string(kinds.front()),
                              m.name_of(p.proc));
            return std::nullopt;
          }
          p.memories[c.arg] = *mem;
        }
        break;
      }
      case Aspect::Layout:
        L.args[c.arg].layout = F.args[c.arg].layout;
        L.args[c.arg].layout_stmt = F.args[c.arg].layout_stmt;
        break;
      case Aspect::Collect:
        L.args[c.arg].collect = F.args[c.arg].collect;
        break;
      case Aspect::InstanceLimit:
        L.instance_limit = F.instance_limit;
        break;
    }
  }
  return out;
}

void evaluate_changes(std::vector<Change>& changes, const app::App& app,
                      const machine::Machine& machine, const mapping::Mapping& expert,
                      const mapping::Mapping& best, const sim::Constants& constants,
                      std::size_t limit, unsigned threads) {
  const std::size_t n = std::min(limit, changes.size());
  const std::size_t jobs = 2 * n;  // job 2i: change i alone on the expert; 2i+1: off the best
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t j; (j = next.fetch_add(1)) < jobs;) {
      Change& c = changes[j / 2];
      const bool alone = j % 2 == 0;
      std::string& failure = alone ? c.alone_failure : c.without_failure;
      std::optional<double>& time = alone ? c.alone_s : c.without_s;
      std::string why;
      const auto swapped = alone ? with_change(expert, best, c, machine, why)
                                 : with_change(best, expert, c, machine, why);
      if (!swapped) {
        failure = "cannot apply alone: " + why;
        continue;
      }
      try {
        sim::Options o;
        o.constants = constants;
        const sim::Outcome out = sim::simulate(app, machine, *swapped, o);
        if (out.ok)
          time = out.iteration_time_s;
        else
          failure = out.failures.empty() ? std::string("it fails") : out.failures.front().message;
      } catch (const std::exception& e) {
        failure = e.what();
      }
    }
  };
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  const auto extra = static_cast<unsigned>(std::min<std::size_t>(threads, jobs)) - (jobs ? 1 : 0);
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < extra; ++i)
    pool.emplace_back(work);
  work();
  for (std::thread& t : pool)
    t.join();
  for (std::size_t i = 0; i < n; ++i)
    changes[i].evaluated = true;
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) nl = text.size();
    out.emplace_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  return out;
}

std::vector<DiffRow> line_diff(const std::vector<std::string>& a,
                               const std::vector<std::string>& b) {
  // Common prefix and suffix first; the LCS table only for what is left (and not at all past
  // 4,000 x 4,000 lines, where the middle is shown as replaced).
  std::size_t pre = 0;
  while (pre < a.size() && pre < b.size() && a[pre] == b[pre])
    ++pre;
  std::size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre &&
         a[a.size() - 1 - suf] == b[b.size() - 1 - suf])
    ++suf;
  const std::size_t n = a.size() - pre - suf, m = b.size() - pre - suf;
  // ops: 0 same, 1 only in a, 2 only in b (in order).
  std::vector<std::uint8_t> ops;
  if (n * m <= 16'000'000) {
    std::vector<std::uint32_t> t((n + 1) * (m + 1), 0);
    for (std::size_t i = n; i-- > 0;)
      for (std::size_t j = m; j-- > 0;)
        t[i * (m + 1) + j] = a[pre + i] == b[pre + j]
                                 ? t[(i + 1) * (m + 1) + j + 1] + 1
                                 : std::max(t[(i + 1) * (m + 1) + j], t[i * (m + 1) + j + 1]);
    std::size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[pre + i] == b[pre + j]) {
        ops.push_back(0);
        ++i, ++j;
      } else if (j == m || (i < n && t[(i + 1) * (m + 1) + j] >= t[i * (m + 1) + j + 1])) {
        ops.push_back(1);
        ++i;
      } else {
        ops.push_back(2);
        ++j;
      }
    }
  } else {
    ops.assign(n, 1);
    ops.insert(ops.end(), m, 2);
  }
  std::vector<DiffRow> rows;
  for (std::size_t i = 0; i < pre; ++i)
    rows.push_back(DiffRow{i + 1, i + 1, true});
  std::size_t ai = pre, bi = pre;
  for (std::size_t k = 0; k < ops.size();) {
    if (ops[k] == 0) {
      rows.push_back(DiffRow{++ai, ++bi, true});
      ++k;
      continue;
    }
    std::size_t dels = 0, adds = 0;
    for (; k < ops.size() && ops[k] != 0; ++k)
      (ops[k] == 1 ? dels : adds)++;
    for (std::size_t r = 0; r < std::max(dels, adds); ++r)
      rows.push_back(DiffRow{r < dels ? ++ai : 0, r < adds ? ++bi : 0, false});
  }
  for (std::size_t i = 0; i < suf; ++i)
    rows.push_back(DiffRow{++ai, ++bi, true});
  return rows;
}

}  // namespace mapsmith::report
