#include "dsl/checker.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "dsl/checker_impl.h"
#include "dsl/published.h"
#include "util/kinds.h"
#include "util/strings.h"

namespace mapsmith::dsl {

const FunctionInfo* ProgramInfo::function(std::string_view name) const {
  auto it = std::lower_bound(functions.begin(), functions.end(), name,
                             [](const FunctionInfo& f, std::string_view n) { return f.name < n; });
  return it != functions.end() && it->name == name ? &*it : nullptr;
}

int specificity(const Stmt& s) {
  auto region_any = [&] {
    return static_cast<RegionSel::Kind>((s.flags >> Stmt::kRegionShift) & 3) ==
           RegionSel::Kind::Any;
  };
  int n = s.any_task() ? 0 : 1;
  switch (s.kind) {
    case StmtKind::Region:
    case StmtKind::Layout:
      n += region_any() ? 0 : 1;
      n += s.any_proc() ? 0 : 1;
      break;
    case StmtKind::CollectMemory:
      n += region_any() ? 0 : 1;
      break;
    default:
      break;
  }
  return n;
}

namespace detail {

std::vector<std::string> proc_kind_names() {
  std::vector<std::string> out;
  for (ProcKind k : kAllProcKinds)
    if (k != ProcKind::UTIL) out.emplace_back(to_string(k));
  return out;
}

bool is_lang_proc_kind(std::string_view s) {
  auto k = parse_proc_kind(s);
  return k && *k != ProcKind::UTIL;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  auto m = closest_match(word, candidates);
  return m ? fmt::format("did you mean '{}'?", *m) : std::string();
}

std::string kind_hint(std::string_view word, const std::vector<std::string>& kinds) {
  std::string dym = did_you_mean(word, kinds);
  std::string list = join(kinds, ", ");
  return dym.empty() ? fmt::format("the kinds are {}", list)
                     : fmt::format("{} (the kinds are {})", dym, list);
}

}  // namespace detail

namespace {

std::vector<std::string> mem_kind_names() {
  std::vector<std::string> out;
  for (MemKind k : kAllMemKinds)
    out.emplace_back(to_string(k));
  return out;
}

/// Counts the `{}` placeholders of a print format.
std::size_t placeholders(std::string_view f) {
  std::size_t n = 0;
  for (std::size_t i = 0; i + 1 < f.size(); ++i)
    if (f[i] == '{' && f[i + 1] == '}') ++n, ++i;
  return n;
}

}  // namespace

namespace detail {

ProgramInfo Checker::run() {
  collect_functions();
  for (const Stmt& s : p_.stmts) {
    switch (s.kind) {
      case StmtKind::Task:
        check_task(s);
        break;
      case StmtKind::Region:
        check_region(s);
        break;
      case StmtKind::Layout:
        check_layout(s);
        break;
      case StmtKind::InstanceLimit:
        check_instance_limit(s);
        break;
      case StmtKind::CollectMemory:
        break;
      case StmtKind::IndexTaskMap:
      case StmtKind::SingleTaskMap:
        check_task_map(s);
        break;
      case StmtKind::ControlReplicate:
        break;
      case StmtKind::Assign: {
        VType t = check_expr(p_.value(s), nullptr);
        globals_.set(p_.name(s).text, t);
        break;
      }
      case StmtKind::Def:
        check_def(s);
        break;
      case StmtKind::Print:
        check_print(s, nullptr);
        break;
      case StmtKind::Return:
        break;  // the parser rejects it at top level
    }
    if (s.kind != StmtKind::Def && s.kind != StmtKind::Assign && s.kind != StmtKind::Print)
      check_task_list(s);
  }
  warn_shadowed();
  warn_never_matching();
  return std::move(info_);
}

void Checker::error(std::uint32_t pos, std::string msg, std::string hint) {
  diags_.error(src_, src_.loc_at(pos), std::move(msg), std::move(hint));
}

void Checker::warning(std::uint32_t pos, std::string msg, std::string hint) {
  diags_.warning(src_, src_.loc_at(pos), std::move(msg), std::move(hint));
}

void Checker::collect_functions() {
  std::size_t n = 0;
  for (const Stmt& s : p_.stmts)
    n += s.kind == StmtKind::Def;
  info_.functions.reserve(n);
  for (const Stmt& s : p_.stmts)
    if (s.kind == StmtKind::Def) info_.functions.push_back({p_.name(s).text, &s, {}});
  // Sorted by name; between definitions of one name the first stays, the others are reported.
  std::stable_sort(info_.functions.begin(), info_.functions.end(),
                   [](const FunctionInfo& a, const FunctionInfo& b) { return a.name < b.name; });
  std::vector<const Stmt*> again;
  for (std::size_t i = 1; i < info_.functions.size(); ++i)
    if (info_.functions[i].name == info_.functions[i - 1].name)
      again.push_back(info_.functions[i].def);
  info_.functions.erase(
      std::unique(info_.functions.begin(), info_.functions.end(),
                  [](const FunctionInfo& a, const FunctionInfo& b) { return a.name == b.name; }),
      info_.functions.end());
  std::sort(again.begin(), again.end());  // statement order
  for (const Stmt& s : p_.stmts) {
    if (s.kind != StmtKind::Def) continue;
    Name name = p_.name(s);
    if (std::binary_search(again.begin(), again.end(), &s)) {
      error(name.pos,
            fmt::format("function '{}' is already defined at line {}", name.text,
                        p_.loc(p_.name(*info_.function(name.text)->def)).line),
            "give the functions different names");
    }
    if (find_builtin(name.text)) {
      warning(name.pos,
              fmt::format("function '{}' hides the built-in function of that name", name.text));
    }
  }
}

FunctionInfo* Checker::function(std::string_view name) {
  return const_cast<FunctionInfo*>(info_.function(name));
}

void Checker::check_task_list(const Stmt& s) {
  NameList names = p_.tasks(s).names;
  const auto& repeats = mark_repeats(names, [](const Name&) { return true; });
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!repeats[i]) continue;
    Name n = names[i];
    warning(n.pos, fmt::format("task '{}' is listed twice", n.text));
  }
}

void Checker::check_task(const Stmt& s) {
  NameList kinds = p_.kinds(s);
  const auto& repeats =
      mark_repeats(kinds, [](const Name& k) { return is_lang_proc_kind(k.text); });
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    Name k = kinds[i];
    if (!is_lang_proc_kind(k.text)) {
      std::string extra =
          parse_mem_kind(k.text)
              ? fmt::format("{} is a memory kind; Task takes processor kinds", k.text)
              : kind_hint(k.text, proc_kind_names());
      error(k.pos, fmt::format("unknown processor kind '{}'", k.text), extra);
    } else if (repeats[i]) {
      warning(k.pos, fmt::format("processor kind {} is listed twice", k.text),
              "only its first place in the list counts");
    }
  }
}

void Checker::check_proc_or_star(Name n, bool memory_too) {
  if (n.text == "*" || is_lang_proc_kind(n.text)) return;
  if (memory_too && parse_mem_kind(n.text)) return;
  std::vector<std::string> kinds = proc_kind_names();
  if (memory_too) {
    auto mk = mem_kind_names();
    kinds.insert(kinds.end(), mk.begin(), mk.end());
  }
  error(n.pos,
        fmt::format("unknown {} '{}'", memory_too ? "processor or memory kind" : "processor kind",
                    n.text),
        kind_hint(n.text, kinds));
}

void Checker::check_region(const Stmt& s) {
  check_proc_or_star(p_.proc(s), false);
  NameList kinds = p_.kinds(s);
  const auto& repeats =
      mark_repeats(kinds, [](const Name& k) { return parse_mem_kind(k.text).has_value(); });
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    Name k = kinds[i];
    if (!parse_mem_kind(k.text)) {
      std::string extra = is_lang_proc_kind(k.text)
                              ? fmt::format(
                                    "{} is a processor kind; the list after it names "
                                    "memory kinds, for example FBMEM,ZCMEM",
                                    k.text)
                              : kind_hint(k.text, mem_kind_names());
      error(k.pos, fmt::format("unknown memory kind '{}'", k.text), extra);
    } else if (repeats[i]) {
      warning(k.pos, fmt::format("memory kind {} is listed twice", k.text),
              "only its first place in the list counts");
    } else if (k.text == "VIRTUAL" && kinds.size() > 1) {
      // A list falls back to its next kind when a memory is unreachable or full; a virtual
      // mapping is no such place: Legion maps a region virtually only for an inner task.
      error(k.pos, "VIRTUAL cannot share a Region list with memory kinds",
            "a list falls back to the next kind when a memory is full or unreachable, and "
            "Legion maps a region virtually only for an inner task; write VIRTUAL alone, in a "
            "statement for the inner tasks");
    }
  }
}

void Checker::check_layout(const Stmt& s) {
  check_proc_or_star(p_.proc(s), true);
  const LayoutItem* seen[8] = {};
  for (const LayoutItem& l : p_.layout(s)) {
    auto w = static_cast<std::size_t>(l.word);
    auto conflict = [&](LayoutWord other) {
      const LayoutItem* o = seen[static_cast<std::size_t>(other)];
      if (o) {
        error(l.pos,
              fmt::format("contradictory layout constraints: {} and {}", to_string(o->word),
                          to_string(l.word)),
              fmt::format("keep one of {} and {}", to_string(o->word), to_string(l.word)));
        return true;
      }
      return false;
    };
    switch (l.word) {
      case LayoutWord::SOA:
        conflict(LayoutWord::AOS);
        break;
      case LayoutWord::AOS:
        conflict(LayoutWord::SOA);
        break;
      case LayoutWord::C_order:
        conflict(LayoutWord::F_order);
        break;
      case LayoutWord::F_order:
        conflict(LayoutWord::C_order);
        break;
      case LayoutWord::No_Align:
        conflict(LayoutWord::Align);
        break;
      case LayoutWord::Align:
        if (!conflict(LayoutWord::No_Align)) {
          if (seen[w] && (seen[w]->cmp != l.cmp || seen[w]->value != l.value)) {
            error(l.pos,
                  fmt::format("contradictory layout constraints: Align{}{} and Align{}{}",
                              op_text(seen[w]->cmp), seen[w]->value, op_text(l.cmp), l.value),
                  "give one alignment");
          }
        }
        if (l.value <= 0 || (l.value & (l.value - 1)) != 0) {
          error(l.pos, fmt::format("alignment {} is not a power of two", l.value),
                "alignments are powers of two bytes, for example Align==128");
        }
        break;
      default:
        break;
    }
    if (seen[w] && l.word != LayoutWord::Align) {
      warning(l.pos, fmt::format("layout constraint {} is given twice", to_string(l.word)));
    }
    seen[w] = &l;
  }
}

void Checker::check_instance_limit(const Stmt& s) {
  std::int64_t limit = p_.limit(s);
  if (s.old_form()) {
    check_proc_or_star(p_.proc(s), false);
    TaskSel tasks = p_.tasks(s);
    warning(s.begin, "deprecated form 'InstanceLimit TASK PROC N'",
            fmt::format("the processor kind is no longer needed: InstanceLimit {} {};",
                        tasks.any ? "*" : tasks.names.front().text, limit));
  }
  if (limit < 1) {
    error(s.begin, fmt::format("instance limit {} is less than 1", limit),
          "give the number of instances that may be in flight at once, at least 1");
  }
}

void Checker::check_task_map(const Stmt& s) {
  const char* what = s.kind == StmtKind::IndexTaskMap ? "IndexTaskMap" : "SingleTaskMap";
  // The KIND form: IndexTaskMap GPU f;
  TaskSel tasks = p_.tasks(s);
  if (!tasks.any && tasks.names.size() == 1 && parse_proc_kind(tasks.names[0].text) &&
      !is_lang_proc_kind(tasks.names[0].text)) {
    error(tasks.names[0].pos, fmt::format("{} cannot name the processor kind UTIL", what));
  }
  Name name = p_.name(s);
  const FunctionInfo* f = info_.function(name.text);
  if (!f) {
    if (diags_.saturated()) return;  // no hint to search for (see Checker::lookup)
    std::string hint;
    std::vector<std::string> names;
    for (const FunctionInfo& fi : info_.functions)
      names.emplace_back(fi.name);  // sorted already
    auto m = closest_match(name.text, names);
    if (m) {
      hint = fmt::format("did you mean '{}'?", *m);
    } else if (globals_.contains(name.text)) {
      hint = fmt::format("'{}' is a variable; {} takes a function def {}(Task task) {{ ... }}",
                         name.text, what, name.text);
    } else {
      hint = fmt::format("define it: def {}(Task task) {{ return ...; }}", name.text);
    }
    error(name.pos, fmt::format("undefined function '{}'", name.text), hint);
    return;
  }
  const Stmt& def = *f->def;
  ParamList params = p_.params(def);
  if (params.size() != 1 || param_type(params[0].type.text) != Type::Task) {
    error(name.pos,
          fmt::format("function '{}' must take exactly one parameter of type Task to be used "
                      "by {} (it is declared at line {} with {} parameter{})",
                      name.text, what, p_.loc(def).line, params.size(),
                      params.size() == 1 ? "" : "s"),
          fmt::format("declare it as def {}(Task task) {{ ... }}", name.text));
  }
}

void Checker::check_print(const Stmt& s, const Scope* locals) {
  std::size_t n = placeholders(p_.format(s));
  std::span<const ExprId> args = p_.args(s);
  if (n != args.size()) {
    error(s.begin,
          fmt::format("print has {} placeholder{} '{{}}' but {} argument{}", n, n == 1 ? "" : "s",
                      args.size(), args.size() == 1 ? "" : "s"),
          "give one argument per '{}'");
  }
  for (ExprId a : args)
    check_expr(a, locals);
}

void Checker::check_def(const Stmt& s) {
  Scope& locals = def_scope_;
  locals.clear();
  for (Param prm : p_.params(s)) {
    auto t = param_type(prm.type.text);
    if (!t) {
      std::vector<std::string> names(std::begin(kParamTypeNames), std::end(kParamTypeNames));
      std::string dym = did_you_mean(prm.type.text, names);
      error(
          prm.type.pos, fmt::format("unknown parameter type '{}'", prm.type.text),
          dym.empty() ? "the parameter types are int, bool, IPoint, ISpace, MSpace and Task" : dym);
    }
    if (locals.contains(prm.name.text)) {
      error(prm.name.pos, fmt::format("parameter '{}' is declared twice", prm.name.text));
    }
    locals.set(prm.name.text, VType{t.value_or(Type::Unknown), -1});
  }
  bool returned = false;
  std::optional<VType> ret;
  std::span<const Stmt> body = p_.body(s);
  for (const Stmt& b : body) {
    if (returned) {
      warning(b.begin, "statement after 'return' is never run");
      returned = false;  // warn once
      break;
    }
    switch (b.kind) {
      case StmtKind::Assign:
        locals.set(p_.name(b).text, check_expr(p_.value(b), &locals));
        break;
      case StmtKind::Print:
        check_print(b, &locals);
        break;
      case StmtKind::Return: {
        VType t = check_expr(p_.value(b), &locals);
        if (!ret) ret = t;
        returned = true;
        break;
      }
      default:
        break;
    }
  }
  Name name = p_.name(s);
  bool has_return = std::any_of(body.begin(), body.end(),
                                [](const Stmt& b) { return b.kind == StmtKind::Return; });
  if (!has_return) {
    error(name.pos, fmt::format("function '{}' has no return statement", name.text),
          "end the body with return EXPR;");
  }
  // Between definitions of one name, the last one checked gives the type.
  function(name.text)->returns = ret.value_or(VType{});
}

bool Checker::covers(const TaskSel& later, const TaskSel& earlier) const {
  if (later.any) return true;
  if (earlier.any) return false;
  return std::all_of(earlier.names.begin(), earlier.names.end(), [&](const Name& n) {
    return std::any_of(later.names.begin(), later.names.end(),
                       [&](const Name& m) { return m.text == n.text; });
  });
}

bool Checker::same_region(const RegionSel& a, const RegionSel& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == RegionSel::Kind::Named) return a.name.text == b.name.text;
  if (a.kind == RegionSel::Kind::Index) return a.index == b.index;
  return true;
}

bool Checker::decides(const Stmt& s) {
  return s.kind != StmtKind::Assign && s.kind != StmtKind::Def && s.kind != StmtKind::Print &&
         s.kind != StmtKind::ControlReplicate;  // repeating ControlReplicate changes nothing
}

bool Checker::same_selectors(const Stmt& a, const Stmt& b) const {
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case StmtKind::Region:
    case StmtKind::Layout:
      if (p_.proc(a).text != p_.proc(b).text) return false;
      [[fallthrough]];
    case StmtKind::CollectMemory:
      return same_region(p_.region(a), p_.region(b));
    default:
      return true;
  }
}

std::uint32_t Checker::shadow_hash(const Stmt& s, std::string_view task) const {
  std::size_t h = std::hash<std::string_view>()(task) * 31 + static_cast<std::size_t>(s.kind);
  switch (s.kind) {
    case StmtKind::Region:
    case StmtKind::Layout:
      h = h * 31 + std::hash<std::string_view>()(p_.proc(s).text);
      [[fallthrough]];
    case StmtKind::CollectMemory: {
      RegionSel r = p_.region(s);
      h = h * 31 + static_cast<std::size_t>(r.kind);
      if (r.kind == RegionSel::Kind::Named) h = h * 31 + std::hash<std::string_view>()(r.name.text);
      if (r.kind == RegionSel::Kind::Index) h = h * 31 + static_cast<std::size_t>(r.index);
      break;
    }
    default:
      break;
  }
  return static_cast<std::uint32_t>(h ^ (h >> 32));
}

void Checker::warn_shadowed() {
  const auto& ss = p_.stmts;
  std::size_t n = 0;
  for (const Stmt& s : ss)
    if (decides(s)) n += s.any_task() ? 1 : s.b;
  std::vector<std::uint64_t> entries;
  entries.reserve(n);
  for (std::size_t j = 0; j < ss.size(); ++j) {
    if (!decides(ss[j])) continue;
    auto entry = [&](std::string_view task) {
      entries.push_back(std::uint64_t{shadow_hash(ss[j], task)} << 32 | j);
    };
    if (ss[j].any_task()) {
      entry("*");
    } else {
      for (Name t : p_.tasks(ss[j]).names)
        entry(t.text);
    }
  }
  std::sort(entries.begin(), entries.end());
  std::vector<bool> overridden(p_.dialect == Dialect::Published ? ss.size() : 0, false);
  for (std::size_t i = 0; i < ss.size(); ++i) {
    const Stmt& a = ss[i];
    if (!decides(a)) continue;
    TaskSel at = p_.tasks(a);
    if (!at.any && at.names.empty()) continue;
    std::string_view first = at.any ? std::string_view("*") : at.names.front().text;
    std::uint64_t h = shadow_hash(a, first);
    for (auto it = std::upper_bound(entries.begin(), entries.end(), h << 32 | i);
         it != entries.end() && *it >> 32 == h; ++it) {
      const Stmt& b = ss[*it & 0xFFFFFFFF];
      if (!same_selectors(a, b)) continue;  // another key with the same hash
      TaskSel bt = p_.tasks(b);
      if (p_.dialect == Dialect::Published) {
        // The published mapper keeps the first of two statements with the same selectors.
        if (at.any != bt.any || !covers(at, bt) || overridden[*it & 0xFFFFFFFF]) continue;
        overridden[*it & 0xFFFFFFFF] = true;
        warning(b.begin,
                fmt::format("this statement never decides anything: line {} decides first",
                            p_.loc(a).line),
                "in the published dialect the first of equally specific statements wins; delete "
                "one of them");
        continue;
      }
      if (at.any != bt.any || !covers(bt, at)) continue;
      warning(a.begin,
              fmt::format("this statement never decides anything: line {} overrides it",
                          p_.loc(b).line),
              "between equally specific statements the later one wins; delete one of them");
      break;
    }
  }
}

void Checker::warn_never_matching() {
  for (const Stmt& s : p_.stmts) {
    if (s.kind != StmtKind::Region && s.kind != StmtKind::Layout) continue;
    Name proc = p_.proc(s);
    if (s.any_task() || !is_lang_proc_kind(proc.text)) continue;
    bool all_elsewhere = true;
    std::set<std::uint32_t> lines;  // of the Task statements that send the tasks elsewhere
    NameList tasks = p_.tasks(s).names;
    for (Name t : tasks) {
      const Stmt* decider = task_kind_decider(t.text);
      if (!decider) {
        all_elsewhere = false;
        break;
      }
      NameList kinds = p_.kinds(*decider);
      bool lists = std::any_of(kinds.begin(), kinds.end(),
                               [&](const Name& k) { return k.text == proc.text; });
      if (lists) {
        all_elsewhere = false;
        break;
      }
      lines.insert(p_.loc(*decider).line);
    }
    if (all_elsewhere) {
      std::vector<std::string> nums;
      for (std::uint32_t l : lines)
        nums.push_back(std::to_string(l));
      std::string which =
          nums.size() == 1
              ? fmt::format("the Task statement at line {} never runs", nums[0])
              : fmt::format("the Task statements at lines {} and {} never run",
                            join(std::span(nums).first(nums.size() - 1), ", "), nums.back());
      warning(
          proc.pos,
          fmt::format("this statement can never match: {} {} on {}", which,
                      tasks.size() == 1 ? "this task" : "these tasks", proc.text),
          fmt::format("add {} to {} Task statement{}, or change {} here", proc.text,
                      nums.size() == 1 ? "that" : "those", nums.size() == 1 ? "" : "s", proc.text));
    }
  }
}

const Stmt* Checker::task_kind_decider(std::string_view task) {
  if (!task_deciders_built_) {
    for (const Stmt& s : p_.stmts) {
      if (s.kind != StmtKind::Task) continue;
      // The statement that decides: the last of equals, or the first in the published dialect.
      const bool first_wins = p_.dialect == Dialect::Published;
      if (s.any_task() && (!first_wins || last_task_any_ == nullptr)) last_task_any_ = &s;
      for (Name n : p_.tasks(s).names)
        if (!first_wins || !task_deciders_.count(n.text)) task_deciders_[n.text] = &s;
    }
    task_deciders_built_ = true;
  }
  auto it = task_deciders_.find(task);
  return it != task_deciders_.end() ? it->second : last_task_any_;
}

}  // namespace detail

ProgramInfo check(const Program& p, Diagnostics& diags) {
  ProgramInfo info = detail::Checker(p, diags).run();
  if (p.dialect == Dialect::Published) check_published(p, diags);
  return info;
}

}  // namespace mapsmith::dsl