#include "mapping/check_against.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "dsl/eval.h"
#include "mapping/decide.h"
#include "mapping/host.h"
#include "util/strings.h"

namespace mapsmith::mapping {

namespace {

using dsl::Stmt;
using dsl::StmtKind;

std::string dym(std::string_view word, const std::vector<std::string>& candidates) {
  auto m = closest_match(word, candidates);
  return m ? fmt::format("did you mean '{}'?", *m) : std::string();
}

class AgainstMachine {
 public:
  AgainstMachine(const dsl::Program& p, const dsl::ProgramInfo& info, const machine::Machine& m,
                 dsl::Diagnostics& d)
      : p_(p), info_(info), m_(m), diags_(d) {}

  void run() {
    // Globals: Machine(K) and every transformation, evaluated on this machine.
    MachineHost host(m_);
    dsl::Evaluator eval(p_, info_, host, diags_, dsl::kDefaultStepBudget, dsl::kDefaultTotalBudget);
    eval.run_globals();
    for (const Stmt& s : p_.stmts) {
      if (s.kind == StmtKind::Region) check_region(s);
      if (s.kind == StmtKind::Task) check_task(s);
    }
  }

 private:
  std::optional<machine::ProcId> representative(ProcKind k) const {
    if (!m_.has_kind(k) || m_.count(k, 0) == 0) return std::nullopt;
    return m_.proc(k, 0, 0);
  }

  void check_task(const Stmt& s) {
    for (const dsl::Name& k : p_.kinds(s)) {
      auto kind = parse_proc_kind(k.text);
      if (kind && !m_.has_kind(*kind)) {
        diags_.warning(*p_.source, p_.loc(k),
                       fmt::format("the machine {} has no {} processors; this entry is skipped",
                                   m_.name(), k.text));
      }
    }
  }

  void check_region(const Stmt& s) {
    const dsl::Name proc = p_.proc(s);
    const dsl::NameList kinds = p_.kinds(s);
    auto kind = parse_proc_kind(proc.text);
    if (!kind) return;  // '*': checked per task when mapping
    auto rep = representative(*kind);
    if (!rep) {
      diags_.warning(*p_.source, p_.loc(proc),
                     fmt::format("the machine {} has no {} processors; this statement never "
                                 "applies",
                                 m_.name(), proc.text));
      return;
    }
    std::vector<dsl::Name> unreachable;
    for (dsl::Name k : kinds) {
      auto mk = parse_mem_kind(k.text);
      // VIRTUAL is no memory: decide() checks that the task can take a virtual mapping.
      if (mk && *mk != MemKind::VIRTUAL && !m_.reaches(*rep, *mk)) unreachable.push_back(k);
    }
    if (unreachable.empty()) return;
    std::vector<std::string> ok;
    for (MemKind mk : kAllMemKinds)
      if (m_.reaches(*rep, mk)) ok.emplace_back(to_string(mk));
    std::string hint = fmt::format("a {} processor can address {}", proc.text, join(ok, ", "));
    if (unreachable.size() == kinds.size()) {
      diags_.error(*p_.source, p_.loc(unreachable.front()),
                   fmt::format("a {} processor cannot reach {} on the machine {}", proc.text,
                               kinds.size() == 1 ? std::string(kinds.front().text)
                                                 : "any memory in this list",
                               m_.name()),
                   hint);
    } else {
      for (const dsl::Name& n : unreachable) {
        diags_.warning(*p_.source, p_.loc(n),
                       fmt::format("a {} processor cannot reach {} on the machine {}; this "
                                   "entry is skipped",
                                   proc.text, n.text, m_.name()),
                       hint);
      }
    }
  }

  const dsl::Program& p_;
  const dsl::ProgramInfo& info_;
  const machine::Machine& m_;
  dsl::Diagnostics& diags_;
};

class AgainstApp {
 public:
  AgainstApp(const dsl::Program& p, const app::App& a, dsl::Diagnostics& d)
      : p_(p), app_(a), diags_(d) {
    for (const app::Task& t : app_.tasks)
      task_names_.push_back(t.name);
  }

  void run() {
    // Which tasks are launched as index launches, and which singly.
    launched_.assign(app_.tasks.size(), 0);
    for (const app::Launch& l : app_.launches)
      launched_[l.task] |= l.index ? kIndex : kSingle;
    for (const Stmt& s : p_.stmts) {
      switch (s.kind) {
        case StmtKind::Task:
        case StmtKind::Region:
        case StmtKind::Layout:
        case StmtKind::InstanceLimit:
        case StmtKind::CollectMemory:
        case StmtKind::IndexTaskMap:
        case StmtKind::SingleTaskMap:
        case StmtKind::ControlReplicate:
          check_statement(s);
          break;
        default:
          break;
      }
    }
  }

 private:
  void check_statement(const Stmt& s) {
    const dsl::TaskSel sel = p_.tasks(s);
    bool kind_form = (s.kind == StmtKind::IndexTaskMap || s.kind == StmtKind::SingleTaskMap) &&
                     !sel.any && sel.names.size() == 1 && parse_proc_kind(sel.names.front().text);
    std::vector<app::TaskId> tasks;
    if (s.any_task()) {
      for (app::TaskId i = 0; i < app_.tasks.size(); ++i)
        tasks.push_back(i);
    } else if (!kind_form) {
      for (const dsl::Name& n : sel.names) {
        auto id = app_.find_task(n.text);
        if (!id) {
          if (diags_.saturated()) continue;  // past the limit: no hint to search for
          std::string hint = dym(n.text, task_names_);
          if (hint.empty())
            hint = fmt::format("the tasks of {} are: {}", app_.name, join(task_names_, ", "));
          diags_.error(*p_.source, p_.loc(n),
                       fmt::format("unknown task '{}' in the application {}", n.text, app_.name),
                       hint);
        } else {
          tasks.push_back(*id);
          // Legion starts the top-level task itself, on the first CPU of node 0 (issue 14,
          // item 8): where it runs is not the mapping program's to decide.
          if (app_.top && *id == *app_.top &&
              (s.kind == StmtKind::Task || s.kind == StmtKind::SingleTaskMap)) {
            diags_.warning(*p_.source, p_.loc(n),
                           fmt::format("{} does not apply to {}, the top-level task: Legion "
                                       "starts it on the first CPU of node 0",
                                       s.kind == StmtKind::Task ? "Task" : "SingleTaskMap", n.text),
                           fmt::format("leave {} out of this statement", n.text));
          }
        }
      }
    }
    if (s.kind == StmtKind::Task && !s.any_task()) check_kinds(s, tasks);
    if ((s.kind == StmtKind::IndexTaskMap || s.kind == StmtKind::SingleTaskMap) && !kind_form &&
        !s.any_task())
      check_launch_kind(s, tasks);
    if ((s.kind == StmtKind::Region || s.kind == StmtKind::Layout ||
         s.kind == StmtKind::CollectMemory) &&
        p_.region(s).kind != dsl::RegionSel::Kind::Any && !tasks.empty()) {
      check_region(s, tasks);
    }
  }

  /// IndexTaskMap applies to index launches only, SingleTaskMap to single launches only: one
  /// that names a task never launched that way never applies to it.
  void check_launch_kind(const Stmt& s, const std::vector<app::TaskId>& tasks) {
    const bool index = s.kind == StmtKind::IndexTaskMap;
    const dsl::TaskSel sel = p_.tasks(s);
    for (std::size_t k = 0; k < tasks.size(); ++k) {
      const app::Task& t = app_.task(tasks[k]);
      const int how = launched_[tasks[k]];
      if (how == 0 || (how & (index ? kIndex : kSingle))) continue;
      // The name in the statement that led to this task.
      dsl::Name at = sel.names.front();
      for (const dsl::Name& n : sel.names)
        if (n.text == t.name) at = n;
      diags_.warning(
          *p_.source, p_.loc(at),
          fmt::format("task {} is only ever launched {} in {}: this {} never applies to it", t.name,
                      index ? "singly (never as an index launch)" : "as an index launch", app_.name,
                      index ? "IndexTaskMap" : "SingleTaskMap"),
          fmt::format("use {} {} {};", index ? "SingleTaskMap" : "IndexTaskMap", t.name,
                      p_.name(s).text));
    }
  }

  void check_kinds(const Stmt& s, const std::vector<app::TaskId>& tasks) {
    for (app::TaskId id : tasks) {
      const app::Task& t = app_.task(id);
      std::vector<dsl::Name> missing;
      for (dsl::Name k : p_.kinds(s)) {
        auto kind = parse_proc_kind(k.text);
        if (kind && !t.has_variant(*kind)) missing.push_back(k);
      }
      if (missing.empty()) continue;
      std::vector<std::string> has;
      for (ProcKind k : t.kinds())
        has.emplace_back(to_string(k));
      std::string hint = fmt::format("task {} has variants for {}", t.name, join(has, ", "));
      if (missing.size() == p_.kinds(s).size()) {
        diags_.error(*p_.source, p_.loc(missing.front()),
                     fmt::format("task {} has no variant for {}", t.name,
                                 missing.size() == 1 ? std::string(missing.front().text)
                                                     : "any kind in this list"),
                     hint);
      } else {
        for (const dsl::Name& k : missing) {
          diags_.warning(
              *p_.source, p_.loc(k),
              fmt::format("task {} has no variant for {}; this entry is skipped", t.name, k.text),
              hint);
        }
      }
    }
  }

  void check_region(const Stmt& s, const std::vector<app::TaskId>& tasks) {
    const dsl::RegionSel r = p_.region(s);
    if (r.kind == dsl::RegionSel::Kind::Index) {
      if (s.any_task()) return;  // an index past a task's arguments matches nothing there
      for (app::TaskId id : tasks) {
        const app::Task& t = app_.task(id);
        if (!s.any_task() && (r.index < 0 || static_cast<std::size_t>(r.index) >= t.args.size())) {
          diags_.error(*p_.source, p_.loc(r.pos),
                       fmt::format("task {} has {} region argument{}; index {} is past the end",
                                   t.name, t.args.size(), t.args.size() == 1 ? "" : "s", r.index),
                       t.args.empty() ? std::string("it takes no regions")
                       : t.args.size() == 1
                           ? std::string("the only index is 0")
                           : fmt::format("indices count from 0 to {}", t.args.size() - 1));
        }
      }
      return;
    }
    // The region names of these tasks, each once; those of every task are gathered only once,
    // for all the statements that name `*`.
    RegionNames mine;
    if (!s.any_task()) mine = region_names(tasks);
    if (s.any_task() && !all_names_) all_names_ = region_names(tasks);
    const RegionNames& known = s.any_task() ? *all_names_ : mine;
    if (known.set.contains(std::string(r.name.text))) return;
    if (diags_.saturated()) return;
    const std::vector<std::string>& names = known.list;
    std::string hint = dym(r.name.text, names);
    if (names.empty() && tasks.size() == 1)
      hint = fmt::format("task {} takes no region arguments", app_.task(tasks.front()).name);
    else if (names.empty())
      hint = "none of these tasks takes region arguments";
    else if (hint.empty())
      hint = fmt::format("the region names {} answer to are: {}",
                         s.any_task() ? "the tasks" : "these tasks", join(names, ", "));
    diags_.error(
        *p_.source, p_.loc(r.name),
        fmt::format("unknown region '{}' for {}", r.name.text,
                    s.any_task() ? std::string("any task of ") + app_.name
                                 : (tasks.size() == 1 ? "task " + app_.task(tasks.front()).name
                                                      : std::string("these tasks"))),
        hint);
  }

  struct RegionNames {
    std::vector<std::string> list;  ///< in the order the tasks name them
    std::unordered_set<std::string> set;
  };
  RegionNames region_names(const std::vector<app::TaskId>& tasks) const {
    RegionNames out;
    for (app::TaskId id : tasks)
      for (std::string& n : app_.region_names(id))
        if (out.set.insert(n).second) out.list.push_back(std::move(n));
    return out;
  }

  const dsl::Program& p_;
  const app::App& app_;
  dsl::Diagnostics& diags_;
  std::vector<std::string> task_names_;
  std::optional<RegionNames> all_names_;
  static constexpr int kIndex = 1, kSingle = 2;
  std::vector<int> launched_;  ///< per task: kIndex | kSingle, how its launches are made
};

}  // namespace

void check_against(const dsl::Program& program, const dsl::ProgramInfo& info,
                   const machine::Machine* machine, const app::App* app, dsl::Diagnostics& diags) {
  if (app) AgainstApp(program, *app, diags).run();
  if (machine) AgainstMachine(program, info, *machine, diags).run();
}

namespace {

/// The layouts each decision's variant cannot take: simulate's first failure, found for every
/// (task, argument) at once. The message is simulate's.
void check_layouts(const dsl::Program& p, const app::App& app, const Mapping& mapping,
                   dsl::Diagnostics& diags) {
  std::unordered_map<std::string_view, std::size_t> fields;  // region name -> its fields
  for (const app::Region& r : app.regions)
    fields.emplace(r.name, r.fields.size());
  std::set<std::tuple<app::TaskId, std::size_t, ProcKind>> reported;
  for (const LaunchDecision& d : mapping.launches) {
    const app::Task& task = app.task(d.task);
    const app::Variant* v = task.variant(d.kind);
    if (!v || v->inner || (!v->needs_c_order && !v->needs_soa)) continue;
    const app::Launch& launch = app.launches[d.launch];
    const std::vector<app::RegionArg>& args = launch.effective_args(task);
    for (std::size_t i = 0; i < d.args.size() && i < args.size() && i < launch.reqs.size(); ++i) {
      // An argument the task touches nothing of is not instantiated: its layout is free.
      const app::Requirement& req = launch.reqs[i];
      const auto f = fields.find(req.region);
      const std::size_t n =
          req.fields.empty() ? (f == fields.end() ? 0 : f->second) : req.fields.size();
      if (req.touched <= 0 || n == 0) continue;
      const Layout& l = d.args[i].layout;
      const bool order = v->needs_c_order && *v->needs_c_order != l.c_order;
      const bool soa = v->needs_soa && *v->needs_soa != l.soa;
      if (!order && !soa) continue;
      if (!reported.emplace(d.task, i, d.kind).second) continue;
      const std::string need =
          order ? (*v->needs_c_order ? "C_order" : "F_order") : (*v->needs_soa ? "SOA" : "AOS");
      const std::string& region = args[i].display_name();
      std::string message = fmt::format(
          "task {}'s {} variant needs {} instances, but region argument {} '{}' is laid out {}",
          task.name, to_string(v->kind), need, i, region, to_string(l));
      std::string hint = fmt::format("add: Layout {} {} {} {};", task.name,
                                     region.empty() ? "*" : region, to_string(v->kind), need);
      if (const dsl::Stmt* s = d.args[i].layout_stmt)
        diags.error(*p.source, p.loc(*s), std::move(message), std::move(hint));
      else
        diags.file_error(p.source->name(), std::move(message), std::move(hint));
    }
  }
}

}  // namespace

void check_mapping(const dsl::Program& program, const dsl::ProgramInfo& info,
                   const machine::Machine& machine, const app::App& app, dsl::Diagnostics& diags) {
  check_against(program, info, &machine, &app, diags);
  if (diags.has_errors()) return;
  const std::optional<Mapping> mapping = decide(app, machine, &program, &info, diags);
  if (mapping) check_layouts(program, app, *mapping, diags);
}

}  // namespace mapsmith::mapping
