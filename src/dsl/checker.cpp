#include "dsl/checker.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

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

namespace {

std::vector<std::string> proc_kind_names() {
  std::vector<std::string> out;
  for (ProcKind k : kAllProcKinds)
    if (k != ProcKind::UTIL) out.emplace_back(to_string(k));
  return out;
}
std::vector<std::string> mem_kind_names() {
  std::vector<std::string> out;
  for (MemKind k : kAllMemKinds)
    out.emplace_back(to_string(k));
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

/// Counts the `{}` placeholders of a print format.
std::size_t placeholders(std::string_view f) {
  std::size_t n = 0;
  for (std::size_t i = 0; i + 1 < f.size(); ++i)
    if (f[i] == '{' && f[i + 1] == '}') ++n, ++i;
  return n;
}

/// Names and their static types: a function's locals, the globals. Real mappers have a handful
/// per function, so the entries sit in a vector searched in order; a hash index joins them past
/// a few dozen, so that a generated function with thousands of locals stays linear. A scope
/// inside another (tuple(... for x in ...)) sees the outer one's names.
class Scope {
 public:
  explicit Scope(const Scope* outer = nullptr) : outer_(outer) {}

  const VType* find(std::string_view name) const {
    for (const Scope* s = this; s; s = s->outer_)
      if (const VType* t = s->find_here(name)) return t;
    return nullptr;
  }
  bool contains(std::string_view name) const { return find(name) != nullptr; }

  void set(std::string_view name, VType t) {
    if (auto i = index_of(name)) {
      entries_[*i].second = t;
      return;
    }
    entries_.emplace_back(name, t);
    if (!index_.empty()) {
      index_.emplace(name, static_cast<std::uint32_t>(entries_.size() - 1));
    } else if (entries_.size() > kLinear) {
      for (std::uint32_t i = 0; i < entries_.size(); ++i)
        index_.emplace(entries_[i].first, i);
    }
  }

  void clear() {
    entries_.clear();
    index_.clear();
  }

  /// Every name visible here, outer scopes' included, in no particular order.
  void names(std::vector<std::string>& out) const {
    for (const Scope* s = this; s; s = s->outer_)
      for (const auto& [n, _] : s->entries_)
        out.emplace_back(n);
  }

 private:
  static constexpr std::size_t kLinear = 32;

  std::optional<std::uint32_t> index_of(std::string_view name) const {
    if (!index_.empty()) {
      auto it = index_.find(name);
      if (it == index_.end()) return std::nullopt;
      return it->second;
    }
    for (std::uint32_t i = 0; i < entries_.size(); ++i)
      if (entries_[i].first == name) return i;
    return std::nullopt;
  }
  const VType* find_here(std::string_view name) const {
    auto i = index_of(name);
    return i ? &entries_[*i].second : nullptr;
  }

  const Scope* outer_;
  std::vector<std::pair<std::string_view, VType>> entries_;
  std::unordered_map<std::string_view, std::uint32_t> index_;
};

class Checker {
 public:
  Checker(const Program& p, Diagnostics& diags) : p_(p), src_(*p.source), diags_(diags) {}

  ProgramInfo run() {
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

 private:
  void error(std::uint32_t pos, std::string msg, std::string hint = {}) {
    diags_.error(src_, src_.loc_at(pos), std::move(msg), std::move(hint));
  }
  void warning(std::uint32_t pos, std::string msg, std::string hint = {}) {
    diags_.warning(src_, src_.loc_at(pos), std::move(msg), std::move(hint));
  }

  void collect_functions() {
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

  /// The entry of info_ (ours to fill) for a function.
  FunctionInfo* function(std::string_view name) {
    return const_cast<FunctionInfo*>(info_.function(name));
  }

  /// For each name of `names`, whether it repeats an earlier one, counting only names for which
  /// `counts` holds. Lists are short, so they are compared pairwise; a long one is sorted.
  template <typename Counts>
  const std::vector<char>& mark_repeats(const NameList& names, Counts counts) {
    repeats_.assign(names.size(), 0);
    if (names.size() <= 16) {
      for (std::size_t i = 1; i < names.size(); ++i) {
        Name n = names[i];
        if (!counts(n)) continue;
        for (std::size_t j = 0; j < i && !repeats_[i]; ++j) {
          Name m = names[j];
          repeats_[i] = m.text == n.text && counts(m);
        }
      }
      return repeats_;
    }
    sorted_.clear();
    for (std::uint32_t i = 0; i < names.size(); ++i)
      if (Name n = names[i]; counts(n)) sorted_.emplace_back(n.text, i);
    std::sort(sorted_.begin(), sorted_.end());
    for (std::size_t i = 1; i < sorted_.size(); ++i)
      if (sorted_[i].first == sorted_[i - 1].first) repeats_[sorted_[i].second] = 1;
    return repeats_;
  }

  void check_task_list(const Stmt& s) {
    NameList names = p_.tasks(s).names;
    const auto& repeats = mark_repeats(names, [](const Name&) { return true; });
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (!repeats[i]) continue;
      Name n = names[i];
      warning(n.pos, fmt::format("task '{}' is listed twice", n.text));
    }
  }

  // ---- statements ----

  void check_task(const Stmt& s) {
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

  void check_proc_or_star(Name n, bool memory_too) {
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
  void check_region(const Stmt& s) {
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
      }
    }
  }

  void check_layout(const Stmt& s) {
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

  void check_instance_limit(const Stmt& s) {
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

  void check_task_map(const Stmt& s) {
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

  void check_print(const Stmt& s, const Scope* locals) {
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

  void check_def(const Stmt& s) {
    Scope& locals = def_scope_;
    locals.clear();
    for (Param prm : p_.params(s)) {
      auto t = param_type(prm.type.text);
      if (!t) {
        std::vector<std::string> names(std::begin(kParamTypeNames), std::end(kParamTypeNames));
        std::string dym = did_you_mean(prm.type.text, names);
        error(prm.type.pos, fmt::format("unknown parameter type '{}'", prm.type.text),
              dym.empty() ? "the parameter types are int, bool, IPoint, ISpace, MSpace and Task"
                          : dym);
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

  // ---- expressions ----

  const Expr& ex(ExprId id) const { return p_.expr(id); }

  VType lookup(const Expr& e, const Scope* locals) {
    std::string_view name = p_.name(e);
    if (locals)
      if (const VType* t = locals->find(name)) return *t;
    if (const VType* t = globals_.find(name)) return *t;
    if (is_lang_proc_kind(name)) return VType{Type::ProcKind, -1};
    if (parse_mem_kind(name)) return VType{Type::MemKind, -1};
    if (info_.function(name) || find_builtin(name)) {
      error(e.pos(), fmt::format("'{}' is a function; call it with {}(...)", name, name));
      return {};
    }
    std::vector<std::string> names;
    if (locals) locals->names(names);
    globals_.names(names);
    std::sort(names.begin(), names.end());
    std::string hint = did_you_mean(name, names);
    if (hint.empty() && !locals && later_global(name)) {
      hint = fmt::format("'{}' is assigned later in the file; move that line above this one", name);
    }
    error(e.pos(), fmt::format("undefined variable '{}'", name), hint);
    return {};
  }

  bool later_global(std::string_view name) const {
    return std::any_of(p_.stmts.begin(), p_.stmts.end(), [&](const Stmt& s) {
      return s.kind == StmtKind::Assign && p_.name(s).text == name;
    });
  }

  /// Reports a type mismatch unless `got` is Unknown (already reported, or dynamic). The
  /// context ("an index", "argument 2 of 'f'") is formatted only for the message.
  template <typename... Args>
  bool expect_type(ExprId id, VType got, Type want, fmt::format_string<Args...> context,
                   Args&&... args) {
    if (got.type == Type::Unknown || got.type == want) return true;
    if (want == Type::Bool && got.type == Type::Int) return true;  // ints test as != 0
    error(ex(id).pos(),
          fmt::format("{} must be {}, not {}", fmt::format(context, std::forward<Args>(args)...),
                      type_phrase(want), type_phrase(got.type)));
    return false;
  }

  VType check_expr(ExprId id, const Scope* locals) {
    const Expr& e = ex(id);
    switch (e.kind()) {
      case ExprKind::Int:
        return {Type::Int, -1};
      case ExprKind::Bool:
        return {Type::Bool, -1};
      case ExprKind::Name:
        return lookup(e, locals);
      case ExprKind::Wildcard:
        error(e.pos(), "'*' as an index is only allowed when indexing a machine space",
              "m[i, *] picks any processor of the partial index i");
        return {};
      case ExprKind::Unpack: {
        VType t = check_expr(p_.child(e, 0), locals);
        expect_type(p_.child(e, 0), t, Type::Tuple, "the value unpacked with '*'");
        return {Type::Tuple, t.len};
      }
      case ExprKind::Machine: {
        Name kind = p_.name_of(e);
        if (!is_lang_proc_kind(kind.text)) {
          std::string extra = parse_mem_kind(kind.text)
                                  ? fmt::format(
                                        "{} is a memory kind; Machine takes a processor "
                                        "kind such as GPU or CPU",
                                        kind.text)
                                  : kind_hint(kind.text, proc_kind_names());
          error(kind.pos, fmt::format("unknown processor kind '{}' in Machine(...)", kind.text),
                extra);
        }
        return {Type::Space, 2};
      }
      case ExprKind::Tuple: {
        int len = 0;
        for (std::uint32_t i = 0, n = p_.arity(e); i < n; ++i) {
          ExprId c = p_.child(e, i);
          VType t = check_expr(c, locals);
          if (ex(c).kind() == ExprKind::Unpack) {
            len = (len < 0 || t.len < 0) ? -1 : len + t.len;
          } else {
            expect_type(c, t, Type::Int, "a tuple element");
            if (len >= 0) ++len;
          }
        }
        return {Type::Tuple, len};
      }
      case ExprKind::Unary: {
        VType t = check_expr(p_.child(e, 0), locals);
        if (e.op() == Op::Neg) {
          if (t.type == Type::Tuple) return t;
          expect_type(p_.child(e, 0), t, Type::Int, "the operand of unary '-'");
          return {Type::Int, -1};
        }
        expect_type(p_.child(e, 0), t, Type::Bool, "the operand of '!'");
        return {Type::Bool, -1};
      }
      case ExprKind::Binary:
        return check_binary(e, locals);
      case ExprKind::Cond: {
        VType c = check_expr(p_.child(e, 0), locals);
        expect_type(p_.child(e, 0), c, Type::Bool, "the condition of '?:'");
        VType a = check_expr(p_.child(e, 1), locals);
        VType b = check_expr(p_.child(e, 2), locals);
        if (a.type == b.type) return {a.type, a.len == b.len ? a.len : -1};
        if (a.type != Type::Unknown && b.type != Type::Unknown) {
          error(e.pos(),
                fmt::format("the branches of '?:' have different types: {} and {}",
                            type_phrase(a.type), type_phrase(b.type)),
                "both branches must give the same kind of value");
        }
        return {};
      }
      case ExprKind::Index:
        return check_index(e, locals);
      case ExprKind::Slice: {
        VType base = check_expr(p_.child(e, 0), locals);
        for (std::uint32_t i = 1; i < 3; ++i) {
          ExprId b = p_.child(e, i);
          if (b != kNoExpr) expect_type(b, check_expr(b, locals), Type::Int, "a slice bound");
        }
        if (base.type == Type::Unknown || base.type == Type::Tuple || base.type == Type::Space)
          return {Type::Tuple, -1};
        error(e.pos(), fmt::format("cannot slice {}", type_phrase(base.type)),
              "only tuples and machine spaces can be sliced");
        return {};
      }
      case ExprKind::Call:
        return check_call(e, locals);
      case ExprKind::Attr:
      case ExprKind::Method:
        return check_member(e, locals);
      case ExprKind::TupleComp: {
        VType iter = check_expr(p_.child(e, 1), locals);
        expect_type(p_.child(e, 1), iter, Type::Tuple, "the sequence after 'in'");
        Scope inner(locals);
        inner.set(p_.name(e), {Type::Int, -1});
        VType body = check_expr(p_.child(e, 0), &inner);
        expect_type(p_.child(e, 0), body, Type::Int, "each element of tuple(...)");
        return {Type::Tuple, iter.len};
      }
    }
    return {};
  }

  VType check_binary(const Expr& e, const Scope* locals) {
    ExprId l = p_.child(e, 0), r = p_.child(e, 1);
    VType a = check_expr(l, locals);
    VType b = check_expr(r, locals);
    std::string_view op = op_text(e.op());
    switch (e.op()) {
      case Op::And:
      case Op::Or:
        expect_type(l, a, Type::Bool, "an operand of '{}'", op);
        expect_type(r, b, Type::Bool, "an operand of '{}'", op);
        return {Type::Bool, -1};
      case Op::Eq:
      case Op::Ne:
        if (a.type != Type::Unknown && b.type != Type::Unknown && a.type != b.type &&
            !(a.type == Type::Int && b.type == Type::Bool) &&
            !(a.type == Type::Bool && b.type == Type::Int)) {
          error(e.pos(),
                fmt::format("cannot compare {} with {}", type_phrase(a.type), type_phrase(b.type)));
        }
        return {Type::Bool, -1};
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge:
        expect_type(l, a, Type::Int, "an operand of '{}'", op);
        expect_type(r, b, Type::Int, "an operand of '{}'", op);
        return {Type::Bool, -1};
      default:
        break;
    }
    // Arithmetic: int with int, or tuple with tuple of the same length (element-wise).
    if (a.type == Type::Tuple || b.type == Type::Tuple) {
      if (a.type == Type::Tuple && b.type == Type::Tuple) {
        if (a.len >= 0 && b.len >= 0 && a.len != b.len) {
          error(e.pos(),
                fmt::format("'{}' on tuples of different lengths ({} and {})", op, a.len, b.len),
                "element-wise arithmetic needs tuples of equal length");
        }
        return {Type::Tuple, a.len >= 0 ? a.len : b.len};
      }
      if (a.type != Type::Unknown && b.type != Type::Unknown) {
        error(e.pos(),
              fmt::format("'{}' between {} and {}", op, type_phrase(a.type), type_phrase(b.type)),
              "arithmetic takes two ints or two tuples of equal length");
      }
      return {Type::Tuple, -1};
    }
    expect_type(l, a, Type::Int, "an operand of '{}'", op);
    expect_type(r, b, Type::Int, "an operand of '{}'", op);
    if (e.op() == Op::Div || e.op() == Op::Mod) {
      const Expr& rx = ex(r);
      if (rx.kind() == ExprKind::Int && p_.int_value(rx) == 0) {
        error(rx.pos(), fmt::format("{} by zero", e.op() == Op::Div ? "division" : "modulo"));
      }
    }
    return {Type::Int, -1};
  }

  VType check_index(const Expr& e, const Scope* locals) {
    VType base = check_expr(p_.child(e, 0), locals);
    std::uint32_t count = p_.arity(e);
    std::uint32_t n = count - 1;
    bool has_unpack = false;
    int known = 0;
    for (std::uint32_t i = 1; i < count; ++i) {
      ExprId c = p_.child(e, i);
      const Expr& cx = ex(c);
      if (cx.kind() == ExprKind::Wildcard) {
        if (base.type != Type::Space && base.type != Type::Unknown) {
          error(cx.pos(), "'*' as an index is only allowed when indexing a machine space",
                "m[i, *] picks any processor of the partial index i");
        }
        ++known;
        continue;
      }
      VType t = check_expr(c, locals);
      if (cx.kind() == ExprKind::Unpack) {
        has_unpack = true;
        if (t.len >= 0)
          known += t.len;
        else
          known = -1000;
      } else {
        expect_type(c, t, Type::Int, "an index");
        ++known;
      }
    }
    switch (base.type) {
      case Type::Unknown:
        return {};
      case Type::Tuple:
        if (n != 1 || has_unpack) {
          error(e.pos(),
                fmt::format("a tuple takes one index, not {}",
                            has_unpack ? "an unpacked list" : std::to_string(n)),
                "write t[i]; to pick a processor, index a machine space");
        }
        return {Type::Int, -1};
      case Type::Space:
        if (base.len >= 0 && known >= 0 && known != base.len) {
          error(
              e.pos(),
              fmt::format("a {}-dimensional machine space takes {} {}, not {}", base.len, base.len,
                          base.len == 1 ? "index" : "indices", known),
              fmt::format("give one index per dimension: m[{}]", base.len == 1   ? "i"
                                                                 : base.len == 2 ? "i, j"
                                                                                 : "i, j, k, ..."));
        }
        return {Type::Proc, -1};
      default:
        error(e.pos(), fmt::format("cannot index {}", type_phrase(base.type)),
              "only tuples and machine spaces can be indexed");
        return {};
    }
  }

  /// The types of the arguments of the calls being checked, innermost last: a call's checks
  /// use args_[base, end) and give it back when done.
  struct ArgFrame {
    std::vector<std::pair<VType, ExprId>>& args;
    std::size_t base;
    explicit ArgFrame(std::vector<std::pair<VType, ExprId>>& a) : args(a), base(a.size()) {}
    ~ArgFrame() { args.resize(base); }
    std::size_t size() const { return args.size() - base; }
    VType type(std::size_t i) const { return args[base + i].first; }
    ExprId id(std::size_t i) const { return args[base + i].second; }
  };

  VType check_call(const Expr& e, const Scope* locals) {
    // f(*t, x) passes the elements of t as arguments, as the evaluator does: count them when
    // the length of t is known, and leave the count to the evaluator when it is not.
    std::string_view name = p_.name(e);
    ArgFrame args(args_);
    bool count_unknown = false;
    for (std::uint32_t i = 0, n = p_.arity(e); i < n; ++i) {
      ExprId c = p_.child(e, i);
      VType t = check_expr(c, locals);
      if (ex(c).kind() != ExprKind::Unpack) {
        args_.emplace_back(t, c);  // the expression each argument comes from
        continue;
      }
      if (t.len < 0) count_unknown = true;
      for (int k = 0; k < t.len; ++k)
        args_.emplace_back(VType{Type::Int, -1}, c);
    }
    if (const FunctionInfo* f = info_.function(name)) {
      const Stmt& def = *f->def;
      ParamList params = p_.params(def);
      if (!locals && def.begin > e.pos()) {
        error(e.pos(),
              fmt::format("function '{}' is called before its definition at line {}", name,
                          p_.loc(def).line),
              "global assignments run in order; move the def above this line");
      }
      if (count_unknown) return f->returns;
      if (args.size() != params.size()) {
        error(e.pos(),
              fmt::format("function '{}' takes {} argument{}, but {} {} given", name, params.size(),
                          params.size() == 1 ? "" : "s", args.size(),
                          args.size() == 1 ? "was" : "were"),
              fmt::format("it is declared at line {}", p_.loc(def).line));
        return f->returns;
      }
      for (std::size_t i = 0; i < args.size(); ++i) {
        Param prm = params[i];
        auto want = param_type(prm.type.text);
        if (want)
          expect_type(args.id(i), args.type(i), *want, "argument {} of '{}' ({} {})", i + 1, name,
                      prm.type.text, prm.name.text);
      }
      return f->returns;
    }
    if (const Builtin* b = find_builtin(name)) {
      if (count_unknown) return {b->result, -1};
      if (args.size() != b->params.size()) {
        error(e.pos(), fmt::format("built-in function '{}' takes {} argument{}, but {} {} given",
                                   name, b->params.size(), b->params.size() == 1 ? "" : "s",
                                   args.size(), args.size() == 1 ? "was" : "were"));
        return {b->result, -1};
      }
      for (std::size_t i = 0; i < args.size(); ++i) {
        Type want = b->params[i];
        if (name == "len" && args.type(i).type == Type::Space) continue;
        expect_type(args.id(i), args.type(i), want, "argument {} of '{}'", i + 1, name);
      }
      return {b->result, -1};
    }
    std::vector<std::string> names;
    for (const FunctionInfo& f : info_.functions)
      names.emplace_back(f.name);
    for (std::string_view bn : {"len", "min", "max", "abs"})
      names.emplace_back(bn);
    std::sort(names.begin(), names.end());
    std::string hint = did_you_mean(name, names);
    if (hint.empty()) hint = fmt::format("define it with def {}(...) {{ ... }}", name);
    error(e.pos(), fmt::format("undefined function '{}'", name), hint);
    return {};
  }

  VType check_member(const Expr& e, const Scope* locals) {
    VType recv = check_expr(p_.child(e, 0), locals);
    bool call = e.kind() == ExprKind::Method;
    std::string_view name = p_.name(e);
    ArgFrame args(args_);
    for (std::uint32_t i = 1, n = p_.arity(e); i < n; ++i) {
      ExprId c = p_.child(e, i);
      VType t = check_expr(c, locals);
      args_.emplace_back(t, c);
    }
    if (recv.type == Type::Unknown) return {};
    const Member* m = find_member(recv.type, name);
    if (!m) {
      std::vector<std::string> names;
      for (const Member& mm : all_members())
        if (mm.receiver == recv.type) names.emplace_back(mm.name);
      std::string dym = did_you_mean(name, names);
      std::string list = member_list(recv.type);
      std::string hint =
          list.empty() ? fmt::format("{} has no properties or methods", type_phrase(recv.type))
                       : fmt::format("{}{} has: {}", dym.empty() ? "" : dym + " ",
                                     type_phrase(recv.type), list);
      error(e.pos(),
            fmt::format("unknown {} '{}' of {}", call ? "method" : "property", name,
                        type_phrase(recv.type)),
            hint);
      return {};
    }
    if (m->is_method != call) {
      error(e.pos(), m->is_method
                         ? fmt::format("'{}' is a method; call it: .{}(...)", name, name)
                         : fmt::format("'{}' is a property, not a method; write .{}", name, name));
      return {m->result, -1};
    }
    if (call) {
      if (args.size() != m->params.size()) {
        error(e.pos(), fmt::format("method '{}' takes {} argument{}, but {} {} given", name,
                                   m->params.size(), m->params.size() == 1 ? "" : "s", args.size(),
                                   args.size() == 1 ? "was" : "were"));
        return {m->result, -1};
      }
      for (std::size_t i = 0; i < args.size(); ++i)
        expect_type(args.id(i), args.type(i), m->params[i], "argument {} of '{}'", i + 1, name);
    }
    // Track a space's dimensions through its transformations.
    if (m->result == Type::Space && recv.len >= 0) {
      int n = recv.len;
      auto int_arg = [&](std::size_t i) -> std::optional<std::int64_t> {
        const Expr& a = ex(args.id(i));
        if (a.kind() == ExprKind::Int) return p_.int_value(a);
        return std::nullopt;
      };
      if (name == "merge") return {Type::Space, n - 1};
      if (name == "split") return {Type::Space, n + 1};
      if (name == "balance_split") {
        auto k = int_arg(1);
        return {Type::Space, k ? n - 1 + static_cast<int>(*k) : -1};
      }
      if (name == "auto_split" || name == "greedy_split" || name == "decompose") {
        return {Type::Space,
                args.size() == 2 && args.type(1).len >= 0 ? n - 1 + args.type(1).len : -1};
      }
      return {Type::Space, n};
    }
    if (name == "size" && recv.type == Type::Space) return {Type::Tuple, recv.len};
    if (name == "size" && recv.type == Type::Tuple) return recv;
    return {m->result, -1};
  }

  // ---- warnings over the whole program ----

  bool covers(const TaskSel& later, const TaskSel& earlier) const {
    if (later.any) return true;
    if (earlier.any) return false;
    return std::all_of(earlier.names.begin(), earlier.names.end(), [&](const Name& n) {
      return std::any_of(later.names.begin(), later.names.end(),
                         [&](const Name& m) { return m.text == n.text; });
    });
  }

  static bool same_region(const RegionSel& a, const RegionSel& b) {
    if (a.kind != b.kind) return false;
    if (a.kind == RegionSel::Kind::Named) return a.name.text == b.name.text;
    if (a.kind == RegionSel::Kind::Index) return a.index == b.index;
    return true;
  }

  static bool decides(const Stmt& s) {
    return s.kind != StmtKind::Assign && s.kind != StmtKind::Def && s.kind != StmtKind::Print &&
           s.kind != StmtKind::ControlReplicate;  // repeating ControlReplicate changes nothing
  }

  /// Whether two statements of one kind have the same selectors besides the tasks.
  bool same_selectors(const Stmt& a, const Stmt& b) const {
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

  /// A hash of what same_selectors compares, and of one task name ("*" for any).
  std::uint32_t shadow_hash(const Stmt& s, std::string_view task) const {
    std::size_t h = std::hash<std::string_view>()(task) * 31 + static_cast<std::size_t>(s.kind);
    switch (s.kind) {
      case StmtKind::Region:
      case StmtKind::Layout:
        h = h * 31 + std::hash<std::string_view>()(p_.proc(s).text);
        [[fallthrough]];
      case StmtKind::CollectMemory: {
        RegionSel r = p_.region(s);
        h = h * 31 + static_cast<std::size_t>(r.kind);
        if (r.kind == RegionSel::Kind::Named)
          h = h * 31 + std::hash<std::string_view>()(r.name.text);
        if (r.kind == RegionSel::Kind::Index) h = h * 31 + static_cast<std::size_t>(r.index);
        break;
      }
      default:
        break;
    }
    return static_cast<std::uint32_t>(h ^ (h >> 32));
  }

  /// A statement is shadowed when a later one of the same kind matches every decision it
  /// matches and is at least as specific: the later one always wins (dsl.md §5). Each statement
  /// is filed under (its selectors, one of its task names) so this stays linear in the size of
  /// the program: one 8-byte entry (hash, statement) per task name, sorted.
  void warn_shadowed() {
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
        if (at.any != bt.any || !covers(bt, at)) continue;
        warning(a.begin,
                fmt::format("this statement never decides anything: line {} overrides it",
                            p_.loc(b).line),
                "between equally specific statements the later one wins; delete one of them");
        break;
      }
    }
  }

  /// A statement tied to a processor kind can never match a task that every Task statement
  /// naming it sends elsewhere.
  void warn_never_matching() {
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
        warning(proc.pos,
                fmt::format("this statement can never match: {} {} on {}", which,
                            tasks.size() == 1 ? "this task" : "these tasks", proc.text),
                fmt::format("add {} to {} Task statement{}, or change {} here", proc.text,
                            nums.size() == 1 ? "that" : "those", nums.size() == 1 ? "" : "s",
                            proc.text));
      }
    }
  }

  /// The Task statement that decides a named task's kinds: the last one naming it, else the
  /// last `Task *`.
  const Stmt* task_kind_decider(std::string_view task) {
    if (!task_deciders_built_) {
      for (const Stmt& s : p_.stmts) {
        if (s.kind != StmtKind::Task) continue;
        if (s.any_task()) last_task_any_ = &s;
        for (Name n : p_.tasks(s).names)
          task_deciders_[n.text] = &s;
      }
      task_deciders_built_ = true;
    }
    auto it = task_deciders_.find(task);
    return it != task_deciders_.end() ? it->second : last_task_any_;
  }

  const Program& p_;
  const SourceFile& src_;
  Diagnostics& diags_;
  ProgramInfo info_;
  Scope globals_;
  Scope def_scope_;                             // the locals of the function being checked
  std::vector<std::pair<VType, ExprId>> args_;  // see ArgFrame
  std::vector<char> repeats_;                   // see mark_repeats
  std::vector<std::pair<std::string_view, std::uint32_t>> sorted_;  // see mark_repeats
  bool task_deciders_built_ = false;
  std::unordered_map<std::string_view, const Stmt*> task_deciders_;
  const Stmt* last_task_any_ = nullptr;
};

}  // namespace

ProgramInfo check(const Program& p, Diagnostics& diags) {
  return Checker(p, diags).run();
}

}  // namespace mapsmith::dsl
