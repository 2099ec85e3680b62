#include "agent/analysis.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "dsl/checker.h"
#include "dsl/parser.h"
#include "mapping/check_against.h"
#include "mapping/decide.h"
#include "search/tune.h"
#include "sim/sim.h"
#include "util/strings.h"

namespace mapsmith::agent {

std::string CriticalPart::label() const {
  if (kind == "copy") return fmt::format("copies into {} {}", task, arg);
  if (kind == "wait") return fmt::format("waits of {}", task);
  return task;
}

const TaskRow* RunFacts::task(const std::string& name) const {
  for (const TaskRow& t : tasks)
    if (t.task == name) return &t;
  return nullptr;
}

double RunFacts::critical_of(const std::string& label) const {
  for (const CriticalPart& c : critical)
    if (c.label() == label) return c.seconds;
  return 0;
}

RunFacts read_facts(const std::string& feedback) {
  RunFacts f;
  std::istringstream in(feedback);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const std::size_t colon = line.find(": ");
    std::string kind = colon == std::string::npos ? "" : line.substr(0, colon);
    if (kind.empty() ||
        kind.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos) {
      f.sentences.emplace_back("", line);
      continue;
    }
    std::istringstream rest(line.substr(colon + 2));
    if (kind == "task_time") {
      TaskRow r;
      double inputs = 0;
      if (rest >> r.task >> r.points >> r.busy >> inputs >> r.queued >> r.critical)
        f.tasks.push_back(r);
    } else if (kind == "critical") {
      CriticalPart c;
      rest >> c.kind >> c.task;
      if (c.kind == "copy") rest >> c.arg;
      if (rest >> c.seconds) f.critical.push_back(c);
    } else {
      f.sentences.emplace_back(kind, line.substr(colon + 2));
    }
  }
  return f;
}

namespace {

std::string proc_text(const machine::Machine& m, machine::ProcId p) {
  std::string n = m.name_of(p);
  if (m.nodes() == 1 && n.starts_with("node0/")) n = n.substr(6);
  return n;
}

std::string point_text(const std::vector<std::int64_t>& p) {
  std::string out = "(";
  for (std::size_t i = 0; i < p.size(); ++i)
    out += fmt::format("{}{}", i ? "," : "", p[i]);
  return out + ")";
}

std::string mems_text(const std::vector<MemKind>& ms) {
  std::string out;
  for (MemKind k : ms)
    out += fmt::format("{}{}", out.empty() ? "" : ",", to_string(k));
  return out;
}

}  // namespace

std::optional<std::vector<TaskDecisions>> decisions_of(const app::App& app,
                                                       const machine::Machine& machine,
                                                       const std::string& text) {
  dsl::Diagnostics diags;
  dsl::Program program = dsl::parse_string(text, diags, "candidate.mapping");
  dsl::ProgramInfo info;
  if (!diags.has_errors()) info = dsl::check(program, diags);
  if (!diags.has_errors()) mapping::check_against(program, info, &machine, &app, diags);
  if (diags.has_errors()) return std::nullopt;
  std::optional<mapping::Mapping> m;
  try {
    m = mapping::decide(app, machine, &program, &info, diags);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!m) return std::nullopt;
  std::vector<TaskDecisions> out;
  std::map<app::TaskId, std::size_t> index;
  std::map<app::TaskId, std::size_t> launches_of;
  for (std::size_t l = 0; l < app.launches.size(); ++l)
    if (!m->by_launch[l].empty()) ++launches_of[app.launches[l].task];
  std::map<app::TaskId, std::size_t> launch_no;
  for (std::size_t l = 0; l < app.launches.size(); ++l) {
    if (m->by_launch[l].empty()) continue;
    const app::TaskId t = app.launches[l].task;
    auto [it, fresh] = index.try_emplace(t, out.size());
    if (fresh) {
      out.emplace_back();
      out.back().task = app.task(t).name;
    }
    TaskDecisions& td = out[it->second];
    const std::size_t k = ++launch_no[t];
    const mapping::LaunchDecision& first = m->launches[m->by_launch[l].front()];
    auto set = [&](const std::string& key, const std::string& value) {
      for (auto& [d, v] : td.decisions)
        if (d == key) {
          if (v != value) v += "; " + value;
          return;
        }
      td.decisions.emplace_back(key, value);
    };
    if (k == 1) {
      td.kind = first.kind;
      set("processor kind", std::string(to_string(first.kind)));
      if (first.instance_limit) set("instance limit", std::to_string(*first.instance_limit));
      const auto& args = app.launches[l].effective_args(app.task(t));
      for (std::size_t a = 0; a < first.args.size() && !first.inner; ++a) {
        const std::string name = a < args.size() ? args[a].display_name() : std::to_string(a);
        set(fmt::format("memory {} {}", a, name), mems_text(first.args[a].memories));
        set(fmt::format("layout {} {}", a, name), mapping::to_string(first.args[a].layout));
        if (first.args[a].collect) set(fmt::format("collect {} {}", a, name), "collected");
        if (first.kind == ProcKind::GPU && !first.args[a].memories.empty() &&
            first.args[a].memories.front() != MemKind::FBMEM)
          td.host_args.push_back(name);
      }
    }
    // Placement: every point of every decision of this launch.
    std::string where;
    std::size_t shown = 0, total = 0;
    std::set<std::uint32_t> used;
    for (std::size_t d : m->by_launch[l])
      for (const mapping::PointDecision& p : m->launches[d].points) {
        used.insert(p.proc.index);
        if (++total <= 8)
          where += fmt::format("{}{}{}", shown++ ? " " : "",
                               p.point.empty() ? "" : point_text(p.point) + "->",
                               proc_text(machine, p.proc));
      }
    if (total > 8) where += fmt::format(" ... ({} points on {} processors)", total, used.size());
    if (app.launches[l].index && total > td.points) {
      td.points = total;
      td.procs_used = used.size();
      td.procs_available = machine.address_spaces() * machine.count(first.kind, 0);
    }
    set(launches_of[t] > 1 ? fmt::format("placement of launch {}", k) : "placement", where);
  }
  return out;
}

std::vector<DecisionChange> decision_changes(const std::vector<TaskDecisions>& candidate,
                                             const std::vector<TaskDecisions>& best) {
  std::vector<DecisionChange> out;
  for (const TaskDecisions& c : candidate) {
    const TaskDecisions* b = nullptr;
    for (const TaskDecisions& x : best)
      if (x.task == c.task) b = &x;
    if (!b) continue;
    for (const auto& [d, v] : c.decisions) {
      std::string was = "default";
      for (const auto& [bd, bv] : b->decisions)
        if (bd == d) was = bv;
      if (was != v) out.push_back({c.task, fmt::format("{} {}: {} (was {})", c.task, d, v, was)});
    }
    for (const auto& [bd, bv] : b->decisions) {
      bool present = false;
      for (const auto& [d, v] : c.decisions)
        present = present || d == bd;
      if (!present) out.push_back({c.task, fmt::format("{} {}: default (was {})", c.task, bd, bv)});
    }
  }
  return out;
}

std::string time_against(double a, double b) {
  if (search::tied(a, b)) return sim::time_text(a, 4);
  for (int digits = 4; digits < 9; ++digits)
    if (sim::time_text(a, digits) != sim::time_text(b, digits)) return sim::time_text(a, digits);
  return sim::time_text(a, 9);
}

}  // namespace mapsmith::agent
