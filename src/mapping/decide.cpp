#include "mapping/decide.h"

#include <fmt/format.h>

#include <algorithm>

#include "dsl/eval.h"
#include "dsl/precedence.h"
#include "mapping/host.h"
#include "util/error.h"
#include "util/strings.h"

namespace mapsmith::mapping {

std::string to_string(const Layout& l) {
  std::string out = l.soa ? "SOA" : "AOS";
  out += l.c_order ? " C_order" : " F_order";
  if (l.align_op != dsl::Op::None)
    out += fmt::format(" Align{}{}", dsl::op_text(l.align_op), l.align);
  if (l.compact) out += " Compact";
  if (l.exact) out += " Exact";
  return out;
}

namespace {

using dsl::RegionSel;
using dsl::Stmt;
using dsl::StmtKind;

bool names_task(const dsl::TaskSel& sel, std::string_view task) {
  if (sel.any) return true;
  return std::any_of(sel.names.begin(), sel.names.end(),
                     [&](const dsl::Name& n) { return n.text == task; });
}

bool names_region(const RegionSel& sel, const app::RegionArg& arg, std::size_t index) {
  switch (sel.kind) {
    case RegionSel::Kind::Any:
      return true;
    case RegionSel::Kind::Named:
      return arg.answers_to(sel.name.text);
    case RegionSel::Kind::Index:
      return sel.index >= 0 && static_cast<std::size_t>(sel.index) == index;
  }
  return false;
}

/// The kind a `*TaskMap KIND f;` statement names, if it has that form.
std::optional<ProcKind> kind_form(const dsl::Program& p, const Stmt& s) {
  dsl::TaskSel tasks = p.tasks(s);
  if (tasks.any || tasks.names.size() != 1) return std::nullopt;
  return parse_proc_kind(tasks.names.front().text);
}

std::string kinds_text(std::span<const ProcKind> ks) {
  std::string out;
  for (std::size_t i = 0; i < ks.size(); ++i)
    out += fmt::format("{}{}", i ? ", " : "", to_string(ks[i]));
  return out.empty() ? "none" : out;
}

class Decider {
 public:
  Decider(const app::App& app, const machine::Machine& m, const dsl::Program* p,
          const dsl::ProgramInfo* info, dsl::Diagnostics& diags, std::int64_t total_budget)
      : app_(app), m_(m), p_(p), info_(info), diags_(diags), host_(m), total_budget_(total_budget) {
    if (p_) {
      for (const Stmt& s : p_->stmts)
        by_kind_[static_cast<std::size_t>(s.kind)].push_back(&s);
    }
  }

  std::optional<Mapping> run() {
    if (p_) {
      MAPSMITH_ASSERT(info_ != nullptr);
      // The whole mapper's work is bounded too, so that one mapper cannot stall the tools.
      eval_.emplace(*p_, *info_, host_, diags_, dsl::kDefaultStepBudget, total_budget_);
      if (!eval_->run_globals()) return std::nullopt;
    }
    top_.name = app_.top ? std::string_view(app_.task(*app_.top).name) : "top_level";
    top_.has_processor = true;
    if (m_.has_kind(ProcKind::CPU)) top_.processor = dsl::ProcValue{ProcKind::CPU, 0, 0};
    Mapping out;
    out.by_launch.resize(app_.launches.size());
    bool ok = true;
    bool stop = false;
    auto add = [&](std::size_t launch, const dsl::TaskView& parent,
                   std::optional<std::size_t> parent_decision, std::size_t parent_point) {
      auto d = decide_launch(launch, parent);
      if (!d) {
        ok = false;
        // With the whole budget spent, every other launch would only say so again.
        if (eval_ && eval_->spent()) stop = true;
        return;
      }
      d->parent_decision = parent_decision;
      d->parent_point = parent_point;
      out.by_launch[launch].push_back(out.launches.size());
      out.launches.push_back(std::move(*d));
    };
    for (std::size_t i = 0; i < app_.launches.size() && !diags_.saturated() && !stop; ++i) {
      const app::Launch& launch = app_.launches[i];
      if (!launch.parent) {
        add(i, top_, std::nullopt, 0);
        continue;
      }
      // A launch made by an inner task: decided once per point of each decision of its parent
      // launch, whose processor is then `task.parent.processor(m)`.
      MAPSMITH_ASSERT(*launch.parent < i);
      const app::Launch& parent = app_.launches[*launch.parent];
      std::vector<std::size_t> parents = out.by_launch[*launch.parent];
      for (std::size_t pd : parents) {
        for (std::size_t k = 0; k < out.launches[pd].points.size() && ok && !stop; ++k) {
          const PointDecision& pp = out.launches[pd].points[k];
          dsl::TaskView view;
          view.name = app_.task(parent.task).name;
          view.ipoint = pp.point;
          view.ispace = parent.domain;
          view.parent = &top_;
          view.has_processor = true;
          view.processor = host_.proc_value(pp.proc);
          add(i, view, pd, k);
        }
      }
    }
    if (!ok) return std::nullopt;
    return out;
  }

 private:
  const std::vector<const Stmt*>& stmts(StmtKind k) const {
    return by_kind_[static_cast<std::size_t>(k)];
  }

  void error_at(const Stmt* s, dsl::SourceLoc loc, std::string msg, std::string hint = {}) {
    if (s && p_)
      diags_.error(*p_->source, loc, std::move(msg), std::move(hint));
    else
      diags_.file_error(p_ ? p_->source->name() : std::string("<default mapper>"), std::move(msg),
                        std::move(hint));
  }

  /// The statement that decides among those for which `matches` holds: the highest
  /// dsl::precedence_rank, and between equals the later one (the earlier one in the published
  /// dialect).
  template <typename Match>
  const Stmt* best(StmtKind kind, Match matches) const {
    if (!p_) return nullptr;  // no program: the default policy
    const Stmt* out = nullptr;
    int best_rank = -1;
    const bool later = dsl::later_wins(*p_);
    for (const Stmt* s : stmts(kind)) {
      if (!dsl::applies(*p_, *s) || !matches(*s)) continue;
      const int r = dsl::precedence_rank(*p_, *s);
      if (r > best_rank || (r == best_rank && later)) {
        best_rank = r;
        out = s;
      }
    }
    return out;
  }

  /// Every statement for which `matches` holds, in the order they decide (best first).
  template <typename Match>
  std::vector<const Stmt*> all_matching(StmtKind kind, Match matches) const {
    std::vector<const Stmt*> out;
    for (const Stmt* s : dsl::by_precedence(*p_, kind))
      if (matches(*s)) out.push_back(s);
    return out;
  }

  std::optional<LaunchDecision> decide_launch(std::size_t index, const dsl::TaskView& parent) {
    const app::Launch& launch = app_.launches[index];
    const app::Task& task = app_.task(launch.task);
    LaunchDecision d;
    d.launch = index;
    d.task = launch.task;
    if (!choose_kind(task, d)) return std::nullopt;
    const app::Variant* v = task.variant(d.kind);
    d.inner = v && v->inner;
    if (!place_points(launch, task, parent, d)) return std::nullopt;
    if (!place_args(task, launch.effective_args(task), d)) return std::nullopt;
    if (const Stmt* s = best(StmtKind::InstanceLimit,
                             [&](const Stmt& s) { return names_task(p_->tasks(s), task.name); })) {
      d.instance_limit = p_->limit(*s);
    }
    d.control_replicate = best(StmtKind::ControlReplicate, [&](const Stmt& s) {
                            return names_task(p_->tasks(s), task.name);
                          }) != nullptr;
    return d;
  }

  bool runnable(const app::Task& task, ProcKind k) const {
    return task.has_variant(k) && m_.has_kind(k);
  }

  std::vector<ProcKind> machine_kinds() const {
    std::vector<ProcKind> out;
    for (ProcKind k : kAllProcKinds)
      if (k != ProcKind::UTIL && m_.has_kind(k)) out.push_back(k);
    return out;
  }

  // Task: the first listed kind the task has a variant for and the machine has processors of.
  // A `*` list is a priority list over every task: a task it does not fit gets the default, as
  // in the published DSL mapper (check_against accepts such lists too); a list that names the
  // task and does not fit it is an error.
  bool choose_kind(const app::Task& task, LaunchDecision& d) {
    const Stmt* s =
        best(StmtKind::Task, [&](const Stmt& s) { return names_task(p_->tasks(s), task.name); });
    if (s) {
      for (const dsl::Name& k : p_->kinds(*s)) {
        auto kind = parse_proc_kind(k.text);
        if (kind && runnable(task, *kind)) {
          d.kind = *kind;
          d.kind_stmt = s;
          return true;
        }
      }
    }
    if (s && !s->any_task()) {
      // Suggest a kind that would work: one the task has and the machine has too.
      std::string hint;
      for (ProcKind k : task.kinds()) {
        if (runnable(task, k)) {
          hint = fmt::format("list a kind it can run on, for example: Task {} {};", task.name,
                             to_string(k));
          break;
        }
      }
      error_at(
          s, p_->loc(p_->kinds(*s).front()),
          fmt::format("task {} cannot run on any kind in this list: it has variants for {} "
                      "and the machine {} has {}",
                      task.name, kinds_text(task.kinds()), m_.name(), kinds_text(machine_kinds())),
          hint);
      return false;
    }
    for (ProcKind k : {ProcKind::GPU, ProcKind::OMP, ProcKind::CPU}) {
      if (runnable(task, k)) {
        d.kind = k;
        return true;
      }
    }
    for (ProcKind k : task.kinds()) {
      if (runnable(task, k)) {
        d.kind = k;
        return true;
      }
    }
    error_at(
        nullptr, {},
        fmt::format("task {} has no variant this machine can run: it has variants for {} and "
                    "the machine {} has {}",
                    task.name, kinds_text(task.kinds()), m_.name(), kinds_text(machine_kinds())));
    return false;
  }

  const Stmt* map_statement(StmtKind kind, const app::Task& task, ProcKind chosen) const {
    // A statement naming the task beats one naming a kind, which beats `*`.
    return best(kind, [&](const Stmt& s) {
      if (auto k = kind_form(*p_, s)) return *k == chosen;
      return names_task(p_->tasks(s), task.name);
    });
  }

  bool place_points(const app::Launch& launch, const app::Task& task, const dsl::TaskView& parent,
                    LaunchDecision& d) {
    std::int64_t volume = launch.volume();
    std::uint32_t spaces = m_.address_spaces();
    std::uint32_t per = m_.count(d.kind, 0);
    std::int64_t procs = static_cast<std::int64_t>(spaces) * per;
    MAPSMITH_ASSERT(procs > 0);
    d.map_stmt = map_statement(launch.index ? StmtKind::IndexTaskMap : StmtKind::SingleTaskMap,
                               task, d.kind);
    dsl::TaskView view;
    view.name = task.name;
    view.ispace = launch.domain;
    view.parent = &parent;
    d.points.reserve(static_cast<std::size_t>(volume));
    std::vector<std::int64_t> point(launch.domain.size(), 0);
    for (std::int64_t n = 0; n < volume; ++n) {
      // Points in Legion's order: the first dimension varies fastest.
      std::int64_t rest = n;
      for (std::size_t k = 0; k < point.size(); ++k) {
        point[k] = rest % launch.domain[k];
        rest /= launch.domain[k];
      }
      PointDecision pd;
      pd.point = point;
      if (d.map_stmt) {
        view.ipoint = point;
        auto pv = eval_->map_point(p_->name(*d.map_stmt).text, view, d.kind, d.map_stmt);
        if (!pv) return false;
        pd.proc = host_.proc_id(*pv);
      } else if (launch.index && launch.same_address_space && parent.has_processor) {
        // Legion's default mapper with SAME_ADDRESS_SPACE: blocked over the processors of the
        // kind in the parent's address space.
        const std::uint32_t as = m_.processor(host_.proc_id(parent.processor)).address_space;
        const std::int64_t local = m_.count(d.kind, as);
        pd.proc = m_.proc(d.kind, as, static_cast<std::uint32_t>(n * local / volume));
      } else if (launch.index) {
        // Legion's default: blocked over every processor of the kind, nodes first.
        std::int64_t g = n * procs / volume;
        pd.proc = m_.proc(d.kind, static_cast<std::uint32_t>(g / per),
                          static_cast<std::uint32_t>(g % per));
      } else {
        // The parent's processor if it is of that kind, else processor 0 of the kind on its node.
        if (parent.has_processor && parent.processor.kind == d.kind) {
          pd.proc = host_.proc_id(parent.processor);
        } else {
          pd.proc = m_.proc(d.kind, static_cast<std::uint32_t>(parent.processor.node), 0);
        }
      }
      d.points.push_back(std::move(pd));
    }
    return true;
  }

  std::string reachable_kinds(machine::ProcId p) const {
    std::vector<std::string> names;
    for (MemKind k : kAllMemKinds)
      if (m_.reaches(p, k)) names.emplace_back(to_string(k));
    return join(names, ", ");
  }

  bool place_args(const app::Task& task, const std::vector<app::RegionArg>& args,
                  LaunchDecision& d) {
    machine::ProcId rep = d.points.front().proc;
    d.args.resize(args.size());
    for (auto& pd : d.points)
      pd.memories.resize(args.size());
    for (std::size_t i = 0; i < args.size(); ++i) {
      const app::RegionArg& arg = args[i];
      ArgDecision& a = d.args[i];
      auto region_matches = [&](const Stmt& s) {
        std::string_view proc = p_->proc(s).text;
        return names_task(p_->tasks(s), task.name) && names_region(p_->region(s), arg, i) &&
               (proc == "*" || proc == to_string(d.kind));
      };
      a.region_stmt = best(StmtKind::Region, region_matches);
      if (a.region_stmt) {
        // The memory list: the deciding statement's; in the published dialect every matching
        // statement's, best first, one after the other (its query_memory_list).
        std::vector<const Stmt*> lists{a.region_stmt};
        if (!dsl::later_wins(*p_)) lists = all_matching(StmtKind::Region, region_matches);
        for (const Stmt* rs : lists) {
          for (const dsl::Name& k : p_->kinds(*rs)) {
            auto mk = parse_mem_kind(k.text);
            if (mk && m_.reaches(rep, *mk) &&
                std::find(a.memories.begin(), a.memories.end(), *mk) == a.memories.end())
              a.memories.push_back(*mk);
          }
        }
        const dsl::Name first = p_->kinds(*a.region_stmt).front();
        if (a.memories.empty() && first.text == "VIRTUAL") {
          // VIRTUAL (alone: check refuses it in a list): Legion maps a region virtually only
          // for an inner task, whose regions the mappers map virtually anyway.
          if (!d.inner) {
            error_at(a.region_stmt, p_->loc(first),
                     fmt::format("task {} runs a leaf variant on {}: Legion maps a region "
                                 "virtually only for an inner task (region argument {} '{}')",
                                 task.name, to_string(d.kind), i, arg.display_name()),
                     fmt::format("name a memory for it instead, for example {}",
                                 to_string(m_.memory(m_.best_memory(rep)).kind)));
            return false;
          }
          a.memories.push_back(m_.memory(m_.best_memory(rep)).kind);
        }
        if (a.memories.empty()) {
          error_at(a.region_stmt, p_->loc(p_->kinds(*a.region_stmt).front()),
                   fmt::format("no memory in this list can be reached from a {} processor, where "
                               "task {} runs (region argument {} '{}')",
                               to_string(d.kind), task.name, i, arg.display_name()),
                   fmt::format("a {} processor can address {}", to_string(d.kind),
                               reachable_kinds(rep)));
          return false;
        }
      } else {
        a.memories.push_back(m_.memory(m_.best_memory(rep)).kind);
      }
      a.layout_stmt = best(StmtKind::Layout, [&](const Stmt& s) {
        std::string_view proc = p_->proc(s).text;
        return names_task(p_->tasks(s), task.name) && names_region(p_->region(s), arg, i) &&
               (proc == "*" || proc == to_string(d.kind) || proc == to_string(a.memories.front()));
      });
      if (a.layout_stmt) {
        for (const dsl::LayoutItem& l : p_->layout(*a.layout_stmt)) {
          switch (l.word) {
            case dsl::LayoutWord::SOA:
              a.layout.soa = true;
              break;
            case dsl::LayoutWord::AOS:
              a.layout.soa = false;
              break;
            case dsl::LayoutWord::C_order:
              a.layout.c_order = true;
              break;
            case dsl::LayoutWord::F_order:
              a.layout.c_order = false;
              break;
            case dsl::LayoutWord::Compact:
              a.layout.compact = true;
              break;
            case dsl::LayoutWord::Exact:
              a.layout.exact = true;
              break;
            case dsl::LayoutWord::Align:
              a.layout.align_op = l.cmp;
              a.layout.align = l.value;
              break;
            case dsl::LayoutWord::No_Align:
              a.layout.align_op = dsl::Op::None;
              a.layout.align = 0;
              break;
          }
        }
      }
      a.collect =
          best(StmtKind::CollectMemory, [&](const Stmt& s) {
            return names_task(p_->tasks(s), task.name) && names_region(p_->region(s), arg, i);
          }) != nullptr;
      for (PointDecision& pd : d.points) {
        auto mem = m_.memory_for(pd.proc, a.memories.front());
        MAPSMITH_ASSERT(mem.has_value());
        pd.memories[i] = *mem;
      }
    }
    return true;
  }

  const app::App& app_;
  const machine::Machine& m_;
  const dsl::Program* p_;
  const dsl::ProgramInfo* info_;
  dsl::Diagnostics& diags_;
  MachineHost host_;
  std::int64_t total_budget_;
  std::optional<dsl::Evaluator> eval_;
  dsl::TaskView top_;
  std::array<std::vector<const Stmt*>, 12> by_kind_;
};

}  // namespace

std::optional<Mapping> decide(const app::App& app, const machine::Machine& machine,
                              const dsl::Program* program, const dsl::ProgramInfo* info,
                              dsl::Diagnostics& diags, std::int64_t total_budget) {
  return Decider(app, machine, program, info, diags, total_budget).run();
}

}  // namespace mapsmith::mapping
