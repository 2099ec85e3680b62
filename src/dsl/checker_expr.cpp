#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "dsl/checker_impl.h"
#include "util/kinds.h"
#include "util/strings.h"

namespace mapsmith::dsl::detail {

VType Checker::lookup(const Expr& e, const Scope* locals) {
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
  // Past the error limit nothing more is shown: skip the hint's search, which is linear in the
  // names defined (10,000 unknown names among 10,000 would be quadratic).
  if (diags_.saturated()) return {};
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

bool Checker::later_global(std::string_view name) const {
  return std::any_of(p_.stmts.begin(), p_.stmts.end(), [&](const Stmt& s) {
    return s.kind == StmtKind::Assign && p_.name(s).text == name;
  });
}

VType Checker::check_expr(ExprId id, const Scope* locals) {
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
          len = add_lengths(len, t.len);
        } else {
          expect_type(c, t, Type::Int, "a tuple element");
          len = add_lengths(len, 1);
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

VType Checker::check_binary(const Expr& e, const Scope* locals) {
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

VType Checker::check_index(const Expr& e, const Scope* locals) {
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
      known = add_lengths(known, 1);
      continue;
    }
    VType t = check_expr(c, locals);
    if (cx.kind() == ExprKind::Unpack) {
      has_unpack = true;
      known = add_lengths(known, t.len);
    } else {
      expect_type(c, t, Type::Int, "an index");
      known = add_lengths(known, 1);
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
        error(e.pos(),
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

VType Checker::check_call(const Expr& e, const Scope* locals) {
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
    if (t.len < 0 || args.size() + static_cast<std::size_t>(t.len) > kMaxListedArguments) {
      count_unknown = true;
      continue;
    }
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
  if (diags_.saturated()) return {};  // no hint to search for (see lookup)
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

VType Checker::check_member(const Expr& e, const Scope* locals) {
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
    std::string hint = list.empty()
                           ? fmt::format("{} has no properties or methods", type_phrase(recv.type))
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
    if (name == "split") return {Type::Space, add_lengths(n, 1)};
    if (name == "balance_split") {
      auto k = int_arg(1);
      return {Type::Space, k && *k >= 0 ? add_lengths(n - 1, *k) : -1};
    }
    if (name == "auto_split" || name == "greedy_split" || name == "decompose") {
      return {Type::Space, args.size() == 2 ? add_lengths(n - 1, args.type(1).len) : -1};
    }
    return {Type::Space, n};
  }
  if (name == "size" && recv.type == Type::Space) return {Type::Tuple, recv.len};
  if (name == "size" && recv.type == Type::Tuple) return recv;
  return {m->result, -1};
}

}  // namespace mapsmith::dsl::detail
