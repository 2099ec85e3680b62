#include "dsl/checker.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "util/kinds.h"
#include "util/strings.h"

namespace mapsmith::dsl {

int specificity(const Stmt& s) {
  int n = s.tasks.any ? 0 : 1;
  switch (s.kind) {
    case StmtKind::Region:
    case StmtKind::Layout:
      n += s.region.kind == RegionSel::Kind::Any ? 0 : 1;
      n += s.proc.text == "*" ? 0 : 1;
      break;
    case StmtKind::CollectMemory:
      n += s.region.kind == RegionSel::Kind::Any ? 0 : 1;
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
          VType t = check_expr(s.value, nullptr);
          globals_[s.name.text] = t;
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
        check_task_list(s.tasks);
    }
    warn_shadowed();
    warn_never_matching();
    return std::move(info_);
  }

 private:
  using Scope = std::unordered_map<std::string_view, VType>;

  void error(SourceLoc loc, std::string msg, std::string hint = {}) {
    diags_.error(src_, loc, std::move(msg), std::move(hint));
  }
  void warning(SourceLoc loc, std::string msg, std::string hint = {}) {
    diags_.warning(src_, loc, std::move(msg), std::move(hint));
  }

  void collect_functions() {
    for (const Stmt& s : p_.stmts) {
      if (s.kind != StmtKind::Def) continue;
      auto [it, inserted] = info_.functions.emplace(s.name.text, &s);
      if (!inserted) {
        error(s.name.loc,
              fmt::format("function '{}' is already defined at line {}", s.name.text,
                          it->second->name.loc.line),
              "give the functions different names");
      }
      if (find_builtin(s.name.text)) {
        warning(s.name.loc,
                fmt::format("function '{}' hides the built-in function of that name", s.name.text));
      }
    }
  }

  void check_task_list(const TaskSel& t) {
    std::set<std::string_view> seen;
    for (const Name& n : t.names) {
      if (!seen.insert(n.text).second)
        warning(n.loc, fmt::format("task '{}' is listed twice", n.text));
    }
  }

  // ---- statements ----

  void check_task(const Stmt& s) {
    std::set<std::string_view> seen;
    for (const Name& k : s.kinds) {
      if (!is_lang_proc_kind(k.text)) {
        std::string extra =
            parse_mem_kind(k.text)
                ? fmt::format("{} is a memory kind; Task takes processor kinds", k.text)
                : kind_hint(k.text, proc_kind_names());
        error(k.loc, fmt::format("unknown processor kind '{}'", k.text), extra);
      } else if (!seen.insert(k.text).second) {
        warning(k.loc, fmt::format("processor kind {} is listed twice", k.text),
                "only its first place in the list counts");
      }
    }
  }

  void check_proc_or_star(const Name& n, bool memory_too) {
    if (n.text == "*" || is_lang_proc_kind(n.text)) return;
    if (memory_too && parse_mem_kind(n.text)) return;
    std::vector<std::string> kinds = proc_kind_names();
    if (memory_too) {
      auto mk = mem_kind_names();
      kinds.insert(kinds.end(), mk.begin(), mk.end());
    }
    error(n.loc,
          fmt::format("unknown {} '{}'", memory_too ? "processor or memory kind" : "processor kind",
                      n.text),
          kind_hint(n.text, kinds));
  }

  void check_region(const Stmt& s) {
    check_proc_or_star(s.proc, false);
    std::set<std::string_view> seen;
    for (const Name& k : s.kinds) {
      if (!parse_mem_kind(k.text)) {
        std::string extra = is_lang_proc_kind(k.text)
                                ? fmt::format(
                                      "{} is a processor kind; the list after it names "
                                      "memory kinds, for example FBMEM,ZCMEM",
                                      k.text)
                                : kind_hint(k.text, mem_kind_names());
        error(k.loc, fmt::format("unknown memory kind '{}'", k.text), extra);
      } else if (!seen.insert(k.text).second) {
        warning(k.loc, fmt::format("memory kind {} is listed twice", k.text),
                "only its first place in the list counts");
      }
    }
  }

  void check_layout(const Stmt& s) {
    check_proc_or_star(s.proc, true);
    const LayoutItem* seen[8] = {};
    for (const LayoutItem& l : s.layout) {
      auto w = static_cast<std::size_t>(l.word);
      auto conflict = [&](LayoutWord other) {
        const LayoutItem* o = seen[static_cast<std::size_t>(other)];
        if (o) {
          error(l.loc,
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
              error(l.loc,
                    fmt::format("contradictory layout constraints: Align{}{} and Align{}{}",
                                op_text(seen[w]->cmp), seen[w]->value, op_text(l.cmp), l.value),
                    "give one alignment");
            }
          }
          if (l.value <= 0 || (l.value & (l.value - 1)) != 0) {
            error(l.loc, fmt::format("alignment {} is not a power of two", l.value),
                  "alignments are powers of two bytes, for example Align==128");
          }
          break;
        default:
          break;
      }
      if (seen[w] && l.word != LayoutWord::Align) {
        warning(l.loc, fmt::format("layout constraint {} is given twice", to_string(l.word)));
      }
      seen[w] = &l;
    }
  }

  void check_instance_limit(const Stmt& s) {
    if (s.old_form) {
      check_proc_or_star(s.proc, false);
      warning(s.loc, "deprecated form 'InstanceLimit TASK PROC N'",
              fmt::format("the processor kind is no longer needed: InstanceLimit {} {};",
                          s.tasks.any ? "*" : s.tasks.names.front().text, s.limit));
    }
    if (s.limit < 1) {
      error(s.loc, fmt::format("instance limit {} is less than 1", s.limit),
            "give the number of instances that may be in flight at once, at least 1");
    }
  }

  void check_task_map(const Stmt& s) {
    const char* what = s.kind == StmtKind::IndexTaskMap ? "IndexTaskMap" : "SingleTaskMap";
    // The KIND form: IndexTaskMap GPU f;
    if (!s.tasks.any && s.tasks.names.size() == 1 && parse_proc_kind(s.tasks.names[0].text) &&
        !is_lang_proc_kind(s.tasks.names[0].text)) {
      error(s.tasks.names[0].loc, fmt::format("{} cannot name the processor kind UTIL", what));
    }
    auto it = info_.functions.find(s.name.text);
    if (it == info_.functions.end()) {
      std::string hint;
      std::vector<std::string> names;
      for (const auto& [n, _] : info_.functions)
        names.emplace_back(n);
      std::sort(names.begin(), names.end());
      auto m = closest_match(s.name.text, names);
      if (m) {
        hint = fmt::format("did you mean '{}'?", *m);
      } else if (globals_.count(s.name.text)) {
        hint = fmt::format("'{}' is a variable; {} takes a function def {}(Task task) {{ ... }}",
                           s.name.text, what, s.name.text);
      } else {
        hint = fmt::format("define it: def {}(Task task) {{ return ...; }}", s.name.text);
      }
      error(s.name.loc, fmt::format("undefined function '{}'", s.name.text), hint);
      return;
    }
    const Stmt& def = *it->second;
    if (def.params.size() != 1 || param_type(def.params[0].type.text) != Type::Task) {
      error(s.name.loc,
            fmt::format("function '{}' must take exactly one parameter of type Task to be used "
                        "by {} (it is declared at line {} with {} parameter{})",
                        s.name.text, what, def.loc.line, def.params.size(),
                        def.params.size() == 1 ? "" : "s"),
            fmt::format("declare it as def {}(Task task) {{ ... }}", s.name.text));
    }
  }

  void check_print(const Stmt& s, Scope* locals) {
    std::size_t n = placeholders(s.format);
    if (n != s.args.size()) {
      error(s.loc,
            fmt::format("print has {} placeholder{} '{{}}' but {} argument{}", n, n == 1 ? "" : "s",
                        s.args.size(), s.args.size() == 1 ? "" : "s"),
            "give one argument per '{}'");
    }
    for (ExprId a : s.args)
      check_expr(a, locals);
  }

  void check_def(const Stmt& s) {
    Scope locals;
    for (const Param& prm : s.params) {
      auto t = param_type(prm.type.text);
      if (!t) {
        std::vector<std::string> names(std::begin(kParamTypeNames), std::end(kParamTypeNames));
        std::string dym = did_you_mean(prm.type.text, names);
        error(prm.type.loc, fmt::format("unknown parameter type '{}'", prm.type.text),
              dym.empty() ? "the parameter types are int, bool, IPoint, ISpace, MSpace and Task"
                          : dym);
      }
      if (locals.count(prm.name.text)) {
        error(prm.name.loc, fmt::format("parameter '{}' is declared twice", prm.name.text));
      }
      locals[prm.name.text] = VType{t.value_or(Type::Unknown), -1};
    }
    bool returned = false;
    std::optional<VType> ret;
    for (const Stmt& b : s.body) {
      if (returned) {
        warning(b.loc, "statement after 'return' is never run");
        returned = false;  // warn once
        break;
      }
      switch (b.kind) {
        case StmtKind::Assign:
          locals[b.name.text] = check_expr(b.value, &locals);
          break;
        case StmtKind::Print:
          check_print(b, &locals);
          break;
        case StmtKind::Return: {
          VType t = check_expr(b.value, &locals);
          if (!ret) ret = t;
          returned = true;
          break;
        }
        default:
          break;
      }
    }
    bool has_return = std::any_of(s.body.begin(), s.body.end(),
                                  [](const Stmt& b) { return b.kind == StmtKind::Return; });
    if (!has_return) {
      error(s.name.loc, fmt::format("function '{}' has no return statement", s.name.text),
            "end the body with return EXPR;");
    }
    info_.returns[s.name.text] = ret.value_or(VType{});
  }

  // ---- expressions ----

  const Expr& ex(ExprId id) const { return p_.expr(id); }

  VType lookup(const Expr& e, Scope* locals) {
    if (locals) {
      auto it = locals->find(e.name);
      if (it != locals->end()) return it->second;
    }
    auto g = globals_.find(e.name);
    if (g != globals_.end()) return g->second;
    if (is_lang_proc_kind(e.name)) return VType{Type::ProcKind, -1};
    if (parse_mem_kind(e.name)) return VType{Type::MemKind, -1};
    if (info_.functions.count(e.name) || find_builtin(e.name)) {
      error(e.loc, fmt::format("'{}' is a function; call it with {}(...)", e.name, e.name));
      return {};
    }
    std::vector<std::string> names;
    if (locals)
      for (const auto& [n, _] : *locals)
        names.emplace_back(n);
    for (const auto& [n, _] : globals_)
      names.emplace_back(n);
    std::sort(names.begin(), names.end());
    std::string hint = did_you_mean(e.name, names);
    if (hint.empty() && !locals && later_global(e.name)) {
      hint =
          fmt::format("'{}' is assigned later in the file; move that line above this one", e.name);
    }
    error(e.loc, fmt::format("undefined variable '{}'", e.name), hint);
    return {};
  }

  bool later_global(std::string_view name) const {
    return std::any_of(p_.stmts.begin(), p_.stmts.end(), [&](const Stmt& s) {
      return s.kind == StmtKind::Assign && s.name.text == name;
    });
  }

  /// Reports a type mismatch unless `got` is Unknown (already reported, or dynamic).
  bool expect_type(ExprId id, VType got, Type want, std::string_view context) {
    if (got.type == Type::Unknown || got.type == want) return true;
    if (want == Type::Bool && got.type == Type::Int) return true;  // ints test as != 0
    error(ex(id).loc,
          fmt::format("{} must be {}, not {}", context, type_phrase(want), type_phrase(got.type)));
    return false;
  }

  VType check_expr(ExprId id, Scope* locals) {
    const Expr& e = ex(id);
    switch (e.kind) {
      case ExprKind::Int:
        return {Type::Int, -1};
      case ExprKind::Bool:
        return {Type::Bool, -1};
      case ExprKind::Name:
        return lookup(e, locals);
      case ExprKind::Wildcard:
        error(e.loc, "'*' as an index is only allowed when indexing a machine space",
              "m[i, *] picks any processor of the partial index i");
        return {};
      case ExprKind::Unpack: {
        VType t = check_expr(p_.child(e, 0), locals);
        expect_type(p_.child(e, 0), t, Type::Tuple, "the value unpacked with '*'");
        return {Type::Tuple, t.len};
      }
      case ExprKind::Machine: {
        if (!is_lang_proc_kind(e.name)) {
          SourceLoc kl = src_.loc_at(static_cast<std::uint32_t>(e.value));
          std::string extra = parse_mem_kind(e.name)
                                  ? fmt::format(
                                        "{} is a memory kind; Machine takes a processor "
                                        "kind such as GPU or CPU",
                                        e.name)
                                  : kind_hint(e.name, proc_kind_names());
          error(kl, fmt::format("unknown processor kind '{}' in Machine(...)", e.name), extra);
        }
        return {Type::Space, 2};
      }
      case ExprKind::Tuple: {
        int len = 0;
        for (std::uint32_t i = 0; i < e.count; ++i) {
          ExprId c = p_.child(e, i);
          VType t = check_expr(c, locals);
          if (ex(c).kind == ExprKind::Unpack) {
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
        if (e.op == Op::Neg) {
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
          error(e.loc,
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
        error(e.loc, fmt::format("cannot slice {}", type_phrase(base.type)),
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
        Scope inner = locals ? *locals : Scope{};
        inner[e.name] = {Type::Int, -1};
        VType body = check_expr(p_.child(e, 0), &inner);
        expect_type(p_.child(e, 0), body, Type::Int, "each element of tuple(...)");
        return {Type::Tuple, iter.len};
      }
    }
    return {};
  }

  VType check_binary(const Expr& e, Scope* locals) {
    ExprId l = p_.child(e, 0), r = p_.child(e, 1);
    VType a = check_expr(l, locals);
    VType b = check_expr(r, locals);
    std::string ctx = fmt::format("an operand of '{}'", op_text(e.op));
    switch (e.op) {
      case Op::And:
      case Op::Or:
        expect_type(l, a, Type::Bool, ctx);
        expect_type(r, b, Type::Bool, ctx);
        return {Type::Bool, -1};
      case Op::Eq:
      case Op::Ne:
        if (a.type != Type::Unknown && b.type != Type::Unknown && a.type != b.type &&
            !(a.type == Type::Int && b.type == Type::Bool) &&
            !(a.type == Type::Bool && b.type == Type::Int)) {
          error(e.loc,
                fmt::format("cannot compare {} with {}", type_phrase(a.type), type_phrase(b.type)));
        }
        return {Type::Bool, -1};
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge:
        expect_type(l, a, Type::Int, ctx);
        expect_type(r, b, Type::Int, ctx);
        return {Type::Bool, -1};
      default:
        break;
    }
    // Arithmetic: int with int, or tuple with tuple of the same length (element-wise).
    if (a.type == Type::Tuple || b.type == Type::Tuple) {
      if (a.type == Type::Tuple && b.type == Type::Tuple) {
        if (a.len >= 0 && b.len >= 0 && a.len != b.len) {
          error(e.loc,
                fmt::format("'{}' on tuples of different lengths ({} and {})", op_text(e.op), a.len,
                            b.len),
                "element-wise arithmetic needs tuples of equal length");
        }
        return {Type::Tuple, a.len >= 0 ? a.len : b.len};
      }
      if (a.type != Type::Unknown && b.type != Type::Unknown) {
        error(e.loc,
              fmt::format("'{}' between {} and {}", op_text(e.op), type_phrase(a.type),
                          type_phrase(b.type)),
              "arithmetic takes two ints or two tuples of equal length");
      }
      return {Type::Tuple, -1};
    }
    expect_type(l, a, Type::Int, ctx);
    expect_type(r, b, Type::Int, ctx);
    if (e.op == Op::Div || e.op == Op::Mod) {
      const Expr& rx = ex(r);
      if (rx.kind == ExprKind::Int && rx.value == 0) {
        error(rx.loc, fmt::format("{} by zero", e.op == Op::Div ? "division" : "modulo"));
      }
    }
    return {Type::Int, -1};
  }

  VType check_index(const Expr& e, Scope* locals) {
    VType base = check_expr(p_.child(e, 0), locals);
    std::uint32_t n = e.count - 1;
    bool has_unpack = false;
    int known = 0;
    for (std::uint32_t i = 1; i < e.count; ++i) {
      ExprId c = p_.child(e, i);
      const Expr& cx = ex(c);
      if (cx.kind == ExprKind::Wildcard) {
        if (base.type != Type::Space && base.type != Type::Unknown) {
          error(cx.loc, "'*' as an index is only allowed when indexing a machine space",
                "m[i, *] picks any processor of the partial index i");
        }
        ++known;
        continue;
      }
      VType t = check_expr(c, locals);
      if (cx.kind == ExprKind::Unpack) {
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
          error(e.loc,
                fmt::format("a tuple takes one index, not {}",
                            has_unpack ? "an unpacked list" : std::to_string(n)),
                "write t[i]; to pick a processor, index a machine space");
        }
        return {Type::Int, -1};
      case Type::Space:
        if (base.len >= 0 && known >= 0 && known != base.len) {
          error(
              e.loc,
              fmt::format("a {}-dimensional machine space takes {} {}, not {}", base.len, base.len,
                          base.len == 1 ? "index" : "indices", known),
              fmt::format("give one index per dimension: m[{}]", base.len == 1   ? "i"
                                                                 : base.len == 2 ? "i, j"
                                                                                 : "i, j, k, ..."));
        }
        return {Type::Proc, -1};
      default:
        error(e.loc, fmt::format("cannot index {}", type_phrase(base.type)),
              "only tuples and machine spaces can be indexed");
        return {};
    }
  }

  VType check_call(const Expr& e, Scope* locals) {
    // f(*t, x) passes the elements of t as arguments, as the evaluator does: count them when
    // the length of t is known, and leave the count to the evaluator when it is not.
    std::vector<VType> args;
    std::vector<ExprId> arg_ids;  // the expression each argument comes from
    bool count_unknown = false;
    for (std::uint32_t i = 0; i < e.count; ++i) {
      ExprId c = p_.child(e, i);
      VType t = check_expr(c, locals);
      if (ex(c).kind != ExprKind::Unpack) {
        args.push_back(t);
        arg_ids.push_back(c);
        continue;
      }
      if (t.len < 0) count_unknown = true;
      for (int k = 0; k < t.len; ++k) {
        args.push_back({Type::Int, -1});
        arg_ids.push_back(c);
      }
    }
    auto fit = info_.functions.find(e.name);
    if (fit != info_.functions.end()) {
      const Stmt& def = *fit->second;
      if (!locals && def.loc.offset > e.loc.offset) {
        error(e.loc,
              fmt::format("function '{}' is called before its definition at line {}", e.name,
                          def.loc.line),
              "global assignments run in order; move the def above this line");
      }
      if (count_unknown) {
        auto r = info_.returns.find(e.name);
        return r != info_.returns.end() ? r->second : VType{};
      }
      if (args.size() != def.params.size()) {
        error(e.loc,
              fmt::format("function '{}' takes {} argument{}, but {} {} given", e.name,
                          def.params.size(), def.params.size() == 1 ? "" : "s", args.size(),
                          args.size() == 1 ? "was" : "were"),
              fmt::format("it is declared at line {}", def.loc.line));
        return info_.returns.count(e.name) ? info_.returns[e.name] : VType{};
      }
      for (std::size_t i = 0; i < args.size(); ++i) {
        auto want = param_type(def.params[i].type.text);
        if (want)
          expect_type(arg_ids[i], args[i], *want,
                      fmt::format("argument {} of '{}' ({} {})", i + 1, e.name,
                                  def.params[i].type.text, def.params[i].name.text));
      }
      auto r = info_.returns.find(e.name);
      return r != info_.returns.end() ? r->second : VType{};
    }
    if (const Builtin* b = find_builtin(e.name)) {
      if (count_unknown) return {b->result, -1};
      if (args.size() != b->params.size()) {
        error(e.loc, fmt::format("built-in function '{}' takes {} argument{}, but {} {} given",
                                 e.name, b->params.size(), b->params.size() == 1 ? "" : "s",
                                 args.size(), args.size() == 1 ? "was" : "were"));
        return {b->result, -1};
      }
      for (std::size_t i = 0; i < args.size(); ++i) {
        Type want = b->params[i];
        if (e.name == "len" && args[i].type == Type::Space) continue;
        expect_type(arg_ids[i], args[i], want, fmt::format("argument {} of '{}'", i + 1, e.name));
      }
      return {b->result, -1};
    }
    std::vector<std::string> names;
    for (const auto& [n, _] : info_.functions)
      names.emplace_back(n);
    for (std::string_view bn : {"len", "min", "max", "abs"})
      names.emplace_back(bn);
    std::sort(names.begin(), names.end());
    std::string hint = did_you_mean(e.name, names);
    if (hint.empty()) hint = fmt::format("define it with def {}(...) {{ ... }}", e.name);
    error(e.loc, fmt::format("undefined function '{}'", e.name), hint);
    return {};
  }

  VType check_member(const Expr& e, Scope* locals) {
    VType recv = check_expr(p_.child(e, 0), locals);
    bool call = e.kind == ExprKind::Method;
    std::vector<VType> args;
    for (std::uint32_t i = 1; i < e.count; ++i)
      args.push_back(check_expr(p_.child(e, i), locals));
    if (recv.type == Type::Unknown) return {};
    const Member* m = find_member(recv.type, e.name);
    if (!m) {
      std::vector<std::string> names;
      for (const Member& mm : all_members())
        if (mm.receiver == recv.type) names.emplace_back(mm.name);
      std::string dym = did_you_mean(e.name, names);
      std::string list = member_list(recv.type);
      std::string hint =
          list.empty() ? fmt::format("{} has no properties or methods", type_phrase(recv.type))
                       : fmt::format("{}{} has: {}", dym.empty() ? "" : dym + " ",
                                     type_phrase(recv.type), list);
      error(e.loc,
            fmt::format("unknown {} '{}' of {}", call ? "method" : "property", e.name,
                        type_phrase(recv.type)),
            hint);
      return {};
    }
    if (m->is_method != call) {
      error(e.loc, m->is_method ? fmt::format("'{}' is a method; call it: .{}(...)", e.name, e.name)
                                : fmt::format("'{}' is a property, not a method; write .{}", e.name,
                                              e.name));
      return {m->result, -1};
    }
    if (call) {
      if (args.size() != m->params.size()) {
        error(e.loc, fmt::format("method '{}' takes {} argument{}, but {} {} given", e.name,
                                 m->params.size(), m->params.size() == 1 ? "" : "s", args.size(),
                                 args.size() == 1 ? "was" : "were"));
        return {m->result, -1};
      }
      for (std::size_t i = 0; i < args.size(); ++i) {
        expect_type(p_.child(e, static_cast<std::uint32_t>(i + 1)), args[i], m->params[i],
                    fmt::format("argument {} of '{}'", i + 1, e.name));
      }
    }
    // Track a space's dimensions through its transformations.
    if (m->result == Type::Space && recv.len >= 0) {
      int n = recv.len;
      auto int_arg = [&](std::size_t i) -> std::optional<std::int64_t> {
        const Expr& a = ex(p_.child(e, static_cast<std::uint32_t>(i + 1)));
        if (a.kind == ExprKind::Int) return a.value;
        return std::nullopt;
      };
      if (e.name == "merge") return {Type::Space, n - 1};
      if (e.name == "split") return {Type::Space, n + 1};
      if (e.name == "balance_split") {
        auto k = int_arg(1);
        return {Type::Space, k ? n - 1 + static_cast<int>(*k) : -1};
      }
      if (e.name == "auto_split" || e.name == "greedy_split" || e.name == "decompose")
        return {Type::Space, args.size() == 2 && args[1].len >= 0 ? n - 1 + args[1].len : -1};
      return {Type::Space, n};
    }
    if (e.name == "size" && recv.type == Type::Space) return {Type::Tuple, recv.len};
    if (e.name == "size" && recv.type == Type::Tuple) return recv;
    return {m->result, -1};
  }

  // ---- warnings over the whole program ----

  static bool covers(const TaskSel& later, const TaskSel& earlier) {
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

  /// A statement is shadowed when a later one of the same kind matches every decision it
  /// matches and is at least as specific: the later one always wins (dsl.md §5). Statements are
  /// bucketed by (kind, selectors, one task name) so this stays linear in the program's size.
  static std::string shadow_key(const Stmt& s, std::string_view task) {
    std::string key = fmt::format("{}|{}|", static_cast<int>(s.kind), task);
    switch (s.kind) {
      case StmtKind::Region:
      case StmtKind::Layout:
      case StmtKind::CollectMemory:
        key += s.region.kind == RegionSel::Kind::Named   ? std::string(s.region.name.text)
               : s.region.kind == RegionSel::Kind::Index ? fmt::format("#{}", s.region.index)
                                                         : std::string("*");
        if (s.kind != StmtKind::CollectMemory) key += fmt::format("|{}", s.proc.text);
        break;
      default:
        break;
    }
    return key;
  }

  void warn_shadowed() {
    const auto& ss = p_.stmts;
    auto decides = [](const Stmt& s) {
      return s.kind != StmtKind::Assign && s.kind != StmtKind::Def && s.kind != StmtKind::Print &&
             s.kind != StmtKind::ControlReplicate;  // repeating ControlReplicate changes nothing
    };
    std::unordered_map<std::string, std::vector<std::size_t>> buckets;
    for (std::size_t j = 0; j < ss.size(); ++j) {
      if (!decides(ss[j])) continue;
      if (ss[j].tasks.any) {
        buckets[shadow_key(ss[j], "*")].push_back(j);
      } else {
        for (const Name& n : ss[j].tasks.names)
          buckets[shadow_key(ss[j], n.text)].push_back(j);
      }
    }
    for (std::size_t i = 0; i < ss.size(); ++i) {
      const Stmt& a = ss[i];
      if (!decides(a) || (!a.tasks.any && a.tasks.names.empty())) continue;
      auto it = buckets.find(shadow_key(a, a.tasks.any ? "*" : a.tasks.names.front().text));
      if (it == buckets.end()) continue;
      auto later = std::upper_bound(it->second.begin(), it->second.end(), i);
      for (; later != it->second.end(); ++later) {
        const Stmt& b = ss[*later];
        if (a.tasks.any != b.tasks.any || !covers(b.tasks, a.tasks)) continue;
        warning(
            a.loc,
            fmt::format("this statement never decides anything: line {} overrides it", b.loc.line),
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
      if (s.tasks.any || !is_lang_proc_kind(s.proc.text)) continue;
      bool all_elsewhere = true;
      std::set<std::uint32_t> lines;  // of the Task statements that send the tasks elsewhere
      for (const Name& t : s.tasks.names) {
        const Stmt* decider = task_kind_decider(t.text);
        if (!decider) {
          all_elsewhere = false;
          break;
        }
        bool lists = std::any_of(decider->kinds.begin(), decider->kinds.end(),
                                 [&](const Name& k) { return k.text == s.proc.text; });
        if (lists) {
          all_elsewhere = false;
          break;
        }
        lines.insert(decider->loc.line);
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
        warning(s.proc.loc,
                fmt::format("this statement can never match: {} {} on {}", which,
                            s.tasks.names.size() == 1 ? "this task" : "these tasks", s.proc.text),
                fmt::format("add {} to {} Task statement{}, or change {} here", s.proc.text,
                            nums.size() == 1 ? "that" : "those", nums.size() == 1 ? "" : "s",
                            s.proc.text));
      }
    }
  }

  /// The Task statement that decides a named task's kinds: the last one naming it, else the
  /// last `Task *`.
  const Stmt* task_kind_decider(std::string_view task) {
    if (!task_deciders_built_) {
      for (const Stmt& s : p_.stmts) {
        if (s.kind != StmtKind::Task) continue;
        if (s.tasks.any) last_task_any_ = &s;
        for (const Name& n : s.tasks.names)
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
  bool task_deciders_built_ = false;
  std::unordered_map<std::string_view, const Stmt*> task_deciders_;
  const Stmt* last_task_any_ = nullptr;
};

}  // namespace

ProgramInfo check(const Program& p, Diagnostics& diags) {
  return Checker(p, diags).run();
}

}  // namespace mapsmith::dsl
