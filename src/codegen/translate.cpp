#include "codegen/translate.h"

#include "codegen/text.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>

#include "util/error.h"
#include "util/kinds.h"

namespace mapsmith::codegen {

using dsl::Expr;
using dsl::ExprId;
using dsl::ExprKind;
using dsl::kNoExpr;
using dsl::Op;
using dsl::Stmt;
using dsl::StmtKind;
using dsl::Type;
using dsl::VType;

namespace {

/// Every name read by an expression, its sub-expressions included.
void names_read(const dsl::Program& p, ExprId id, std::set<std::string_view>& out) {
  if (id == kNoExpr) return;
  const Expr& e = p.expr(id);
  if (e.kind() == ExprKind::Name) out.insert(p.name(e));
  for (std::uint32_t i = 0, n = p.arity(e); i < n; ++i)
    names_read(p, p.child(e, i), out);
}

std::set<std::string_view> names_read_in(const dsl::Program& p, const Stmt& def) {
  std::set<std::string_view> out;
  for (const Stmt& b : p.body(def)) {
    names_read(p, p.value(b), out);
    for (ExprId a : p.args(b))
      names_read(p, a, out);
  }
  return out;
}

// Precedences of C++ operators: lower binds tighter.
constexpr int kPrimary = 1;
constexpr int kUnary = 3;
constexpr int kMul = 5;
constexpr int kAdd = 6;
constexpr int kRel = 9;
constexpr int kEq = 10;
constexpr int kAnd = 14;
constexpr int kOr = 15;
constexpr int kCond = 16;

int binary_prec(Op op) {
  switch (op) {
    case Op::Mul:
    case Op::Div:
    case Op::Mod:
      return kMul;
    case Op::Add:
    case Op::Sub:
      return kAdd;
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge:
      return kRel;
    case Op::Eq:
    case Op::Ne:
      return kEq;
    case Op::And:
      return kAnd;
    case Op::Or:
      return kOr;
    default:
      return kPrimary;
  }
}

}  // namespace

/// The names visible inside a function body or a tuple comprehension.
struct Translator::Scope {
  std::map<std::string_view, std::string> names;  // DSL local -> C++ name
  std::map<std::string_view, Type> declared;      // C++ type each local was declared with
  std::set<std::string_view> nonneg;              // locals that hold non-negative values now
  Scope* outer = nullptr;

  const std::string* find(std::string_view n) const {
    for (const Scope* s = this; s; s = s->outer) {
      auto it = s->names.find(n);
      if (it != s->names.end()) return &it->second;
    }
    return nullptr;
  }
  bool is_nonneg(std::string_view n) const {
    for (const Scope* s = this; s; s = s->outer) {
      if (s->names.count(n)) return s->nonneg.count(n) > 0;
    }
    return false;
  }
};

Translator::Translator(const dsl::Program& p, const dsl::ProgramInfo& info,
                       const ProgramTypes& types, dsl::Diagnostics& diags)
    : p_(p), info_(info), types_(types), diags_(diags) {
  std::set<std::string> taken;
  for (const Stmt& s : p_.stmts) {
    std::string_view name = p_.name(s).text;
    if (s.kind == StmtKind::Def && !functions_.count(name)) {
      functions_[name] = cpp_identifier(name);
      taken.insert(functions_[name]);
    }
  }
  function_cpp_names_ = taken;
  std::set<std::string_view> tainted;
  for (const Stmt& s : p_.stmts) {
    if (s.kind != StmtKind::Assign) continue;
    std::string_view name = p_.name(s).text;
    if (!globals_.count(name)) {
      std::string n = cpp_identifier(name);
      while (taken.count(n))
        n += "_";  // a global may share its name with a function
      globals_[name] = n;
      taken.insert(n);
      if (nonneg(p_.value(s), nullptr)) nonneg_globals_.insert(name);
    } else if (!nonneg(p_.value(s), nullptr)) {
      tainted.insert(name);
    }
  }
  for (std::string_view t : tainted)
    nonneg_globals_.erase(t);
}

const std::string& Translator::global_name(std::string_view n) const {
  auto it = globals_.find(n);
  MAPSMITH_ASSERT(it != globals_.end());
  return it->second;
}

const std::string& Translator::function_name(std::string_view n) const {
  auto it = functions_.find(n);
  MAPSMITH_ASSERT(it != functions_.end());
  return it->second;
}

std::string Translator::where(const dsl::Expr& e) const {
  const dsl::SourceLoc l = p_.loc(e);
  return cpp_string(fmt::format("{}:{}:{}", p_.source->name(), l.line, l.col));
}

void Translator::error(dsl::SourceLoc loc, std::string msg, std::string hint) {
  diags_.error(*p_.source, loc, std::move(msg), std::move(hint));
}

std::vector<std::pair<std::string, std::string>> Translator::global_members() const {
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string_view> seen;
  for (const Stmt& s : p_.stmts) {
    if (s.kind != StmtKind::Assign) continue;
    std::string_view name = p_.name(s).text;
    if (!seen.insert(name).second) continue;
    auto t = types_.globals.find(name);
    std::string type = t != types_.globals.end() ? cpp_type(t->second.type) : std::string();
    out.emplace_back(type, global_name(name));
  }
  return out;
}

std::string Translator::wrap(const Code& c, int max_prec) const {
  if (c.prec > max_prec) return "(" + c.text + ")";
  return c.text;
}

bool Translator::nonneg(ExprId id, Scope* scope) const {
  const Expr& e = p_.expr(id);
  switch (e.kind()) {
    case ExprKind::Int:
      return p_.int_value(e) >= 0;
    case ExprKind::Bool:
      return true;
    case ExprKind::Name: {
      std::string_view name = p_.name(e);
      if (scope && scope->find(name)) return scope->is_nonneg(name);
      return nonneg_globals_.count(name) > 0;
    }
    case ExprKind::Unpack:
      return nonneg(p_.child(e, 0), scope);
    case ExprKind::Tuple:
      for (std::uint32_t i = 0, n = p_.arity(e); i < n; ++i)
        if (!nonneg(p_.child(e, i), scope)) return false;
      return true;
    case ExprKind::Unary:
      return e.op() == Op::Not;
    case ExprKind::Binary:
      switch (e.op()) {
        case Op::Add:
        case Op::Mul:
        case Op::Div:
        case Op::Mod:
          return nonneg(p_.child(e, 0), scope) && nonneg(p_.child(e, 1), scope);
        case Op::Sub:
        case Op::Neg:
        case Op::None:
          return false;
        default:
          return true;  // comparisons and logic give bools
      }
    case ExprKind::Cond:
      return nonneg(p_.child(e, 1), scope) && nonneg(p_.child(e, 2), scope);
    case ExprKind::Index:
    case ExprKind::Slice: {
      VType base = type(p_.child(e, 0));
      if (base.type == Type::Space) return true;  // a processor, or a slice of the extents
      return nonneg(p_.child(e, 0), scope);
    }
    case ExprKind::Attr: {
      std::string_view name = p_.name(e);
      if (name == "volume" || name == "size")
        return type(p_.child(e, 0)).type == Type::Space || nonneg(p_.child(e, 0), scope);
      return name == "ipoint" || name == "ispace" || name == "len";
    }
    case ExprKind::Method:
      return p_.name(e) == "processor";
    case ExprKind::Call: {
      std::string_view name = p_.name(e);
      if (name == "len" || name == "abs") return !info_.function(name);
      if ((name == "min" || name == "max") && !info_.function(name) && p_.arity(e) == 2)
        return nonneg(p_.child(e, 0), scope) && nonneg(p_.child(e, 1), scope);
      return false;
    }
    case ExprKind::TupleComp: {
      std::string_view var = p_.name(e);
      Scope inner;
      inner.outer = scope;
      inner.names[var] = std::string(var);
      if (nonneg(p_.child(e, 1), scope)) inner.nonneg.insert(var);
      return nonneg(p_.child(e, 0), &inner);
    }
    default:
      return false;
  }
}

Translator::Code Translator::expr(ExprId id, Scope* scope) {
  const Expr& e = p_.expr(id);
  switch (e.kind()) {
    case ExprKind::Int:
      // -9223372036854775808 is not a C++ literal (9223372036854775808 does not fit).
      if (p_.int_value(e) == std::numeric_limits<std::int64_t>::min())
        return {"(-9223372036854775807 - 1)", kPrimary};
      return {fmt::format("{}", p_.int_value(e)), kPrimary};
    case ExprKind::Bool:
      return {p_.int_value(e) ? "true" : "false", kPrimary};
    case ExprKind::Name: {
      std::string_view name = p_.name(e);
      if (scope)
        if (const std::string* n = scope->find(name)) return {*n, kPrimary};
      if (globals_.count(name)) return {globals_[name], kPrimary};
      if (auto k = parse_proc_kind(name)) return {legion_kind(*k), kPrimary};
      if (auto m = parse_mem_kind(name)) {
        if (*m == MemKind::VIRTUAL) needs_.insert("virtual");
        return {legion_kind(*m), kPrimary};
      }
      error(p_.loc(e), fmt::format("cannot generate code for the name '{}'", name));
      return {std::string(name), kPrimary};
    }
    case ExprKind::Machine: {
      needs_.insert("mspace");
      auto k = parse_proc_kind(p_.name(e));
      MAPSMITH_ASSERT(k.has_value());
      return {fmt::format("machine_space({})", legion_kind(*k)), kPrimary};
    }
    case ExprKind::Tuple:
      return {tuple_of(e, 0, scope), kPrimary};
    case ExprKind::Unpack:
      return expr(p_.child(e, 0), scope);
    case ExprKind::Wildcard:
      error(p_.loc(e), "'*' outside a machine space index");
      return {"0", kPrimary};
    case ExprKind::Unary: {
      ExprId c = p_.child(e, 0);
      Code inner = expr(c, scope);
      if (e.op() == Op::Neg && type(c).type == Type::Tuple) needs_.insert("tuple_ops");
      // "- -x" must not become "--x".
      int max = p_.expr(c).kind() == ExprKind::Unary ? kPrimary : kUnary;
      return {fmt::format("{}{}", e.op() == Op::Not ? "!" : "-", wrap(inner, max)), kUnary};
    }
    case ExprKind::Binary:
      return binary(e, scope);
    case ExprKind::Cond: {
      Code c = expr(p_.child(e, 0), scope);
      Code a = expr(p_.child(e, 1), scope);
      Code b = expr(p_.child(e, 2), scope);
      return {fmt::format("{} ? {} : {}", wrap(c, kOr), wrap(a, kCond), wrap(b, kCond)), kCond};
    }
    case ExprKind::Index:
      return index(e, scope);
    case ExprKind::Slice: {
      ExprId base = p_.child(e, 0);
      std::string seq = type(base).type == Type::Space
                            ? wrap(expr(base, scope), kPrimary) + ".size()"
                            : expr(base, scope).text;
      ExprId lo = p_.child(e, 1), hi = p_.child(e, 2);
      needs_.insert("slice");
      std::string lo_text = lo == kNoExpr ? "0" : expr(lo, scope).text;
      if (hi == kNoExpr) return {fmt::format("slice({}, {})", seq, lo_text), kPrimary};
      return {fmt::format("slice({}, {}, {})", seq, lo_text, expr(hi, scope).text), kPrimary};
    }
    case ExprKind::Call:
      return call(e, scope);
    case ExprKind::Attr:
    case ExprKind::Method:
      return member(e, scope);
    case ExprKind::TupleComp: {
      needs_.insert("map_tuple");
      Scope inner;
      inner.outer = scope;
      std::string_view name = p_.name(e);
      std::string var = cpp_identifier(name);
      inner.names[name] = var;
      inner.declared[name] = Type::Int;
      if (nonneg(p_.child(e, 1), scope)) inner.nonneg.insert(name);
      Code iter = expr(p_.child(e, 1), scope);
      Code body = expr(p_.child(e, 0), &inner);
      std::set<std::string_view> read;
      names_read(p_, p_.child(e, 0), read);
      if (!read.count(name)) var = "/*" + var + "*/";
      std::string one =
          fmt::format("map_tuple({}, [&](coord_t {}) {{ return {}; }})", iter.text, var, body.text);
      if (one.size() <= 60) return {one, kPrimary};
      // A long body goes on its own line, as one writes a lambda by hand.
      return {fmt::format("map_tuple({}, [&](coord_t {}) {{\n{}return {};\n{}}})", iter.text, var,
                          indent_text(indent_ + 2), body.text, indent_text(indent_)),
              kPrimary};
    }
  }
  return {"0", kPrimary};
}

std::string Translator::tuple_of(const Expr& e, std::uint32_t first, Scope* scope) {
  // Plain elements become Tuple{a, b}; unpacked ones are joined with cat({...}).
  std::vector<std::string> parts;
  std::vector<std::string> run;
  bool any_unpack = false;
  auto flush = [&] {
    if (!run.empty()) {
      std::string joined;
      for (std::size_t i = 0; i < run.size(); ++i)
        joined += (i ? ", " : "") + run[i];
      parts.push_back("Tuple{" + joined + "}");
      run.clear();
    }
  };
  for (std::uint32_t i = first; i < p_.arity(e); ++i) {
    ExprId c = p_.child(e, i);
    if (p_.expr(c).kind() == ExprKind::Unpack) {
      any_unpack = true;
      flush();
      parts.push_back(expr(p_.child(p_.expr(c), 0), scope).text);
    } else {
      run.push_back(expr(c, scope).text);
    }
  }
  flush();
  if (parts.empty()) return "Tuple{}";
  if (!any_unpack) return parts.front();
  if (parts.size() == 1) return parts.front();
  needs_.insert("cat");
  std::string joined;
  for (std::size_t i = 0; i < parts.size(); ++i)
    joined += (i ? ", " : "") + parts[i];
  return "cat({" + joined + "})";
}

Translator::Code Translator::binary(const Expr& e, Scope* scope) {
  ExprId l = p_.child(e, 0), r = p_.child(e, 1);
  Code a = expr(l, scope);
  Code b = expr(r, scope);
  const int pr = binary_prec(e.op());
  const std::string_view op = dsl::op_text(e.op());
  auto is_not = [&](ExprId id) {
    const Expr& x = p_.expr(id);
    return x.kind() == ExprKind::Unary && x.op() == Op::Not;
  };
  switch (e.op()) {
    case Op::And:
    case Op::Or: {
      // g++ asks for parentheses around && inside ||; a right operand of the same operator
      // keeps its parentheses, as written.
      std::string lt = e.op() == Op::Or && a.prec == kAnd ? "(" + a.text + ")" : wrap(a, pr);
      return {fmt::format("{} {} {}", lt, op, wrap(b, kEq)), pr};
    }
    case Op::Eq:
    case Op::Ne:
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge: {
      Type ta = type(l).type;
      if (ta == Type::Space || ta == Type::Task) {
        error(p_.loc(e),
              fmt::format("cannot generate code that compares {}s",
                          ta == Type::Space ? "machine space" : "task"),
              "compare their sizes or points instead");
      }
      std::string lt = is_not(l) ? "(" + a.text + ")" : wrap(a, kAdd);
      std::string rt = is_not(r) ? "(" + b.text + ")" : wrap(b, kAdd);
      return {fmt::format("{} {} {}", lt, op, rt), pr};
    }
    default:
      break;
  }
  const bool tuples = type(l).type == Type::Tuple || type(r).type == Type::Tuple;
  if (tuples) needs_.insert("tuple_ops");
  if ((e.op() == Op::Div || e.op() == Op::Mod) && !tuples &&
      !(nonneg(l, scope) && nonneg(r, scope))) {
    // Python's rounding, which C++'s / and % only share on non-negative operands.
    needs_.insert("floor");
    return {
        fmt::format("{}({}, {})", e.op() == Op::Div ? "floor_div" : "floor_mod", a.text, b.text),
        kPrimary};
  }
  return {fmt::format("{} {} {}", wrap(a, pr), op, wrap(b, pr - 1)), pr};
}

Translator::Code Translator::index(const Expr& e, Scope* scope) {
  ExprId base_id = p_.child(e, 0);
  const Expr& base = p_.expr(base_id);
  VType bt = type(base_id);
  if (bt.type == Type::Tuple) {
    ExprId i = p_.child(e, 1);
    // m.size[d] reads as m.size(d).
    if (base.kind() == ExprKind::Attr && p_.name(base) == "size" &&
        type(p_.child(base, 0)).type == Type::Space) {
      Code m = expr(p_.child(base, 0), scope);
      return {fmt::format("{}.size({})", wrap(m, kPrimary), expr(i, scope).text), kPrimary};
    }
    // Every index is checked, a constant one too (task.ipoint[0] of a single task has none),
    // and a bad one stops the mapper with the place in the program, as explain reports it.
    Code b = expr(base_id, scope);
    needs_.insert("at");
    return {fmt::format("at({}, {}, {})", b.text, expr(i, scope).text, where(e)), kPrimary};
  }
  if (bt.type != Type::Space) {
    error(p_.loc(e), "cannot generate code for this index: the indexed value's type is not known");
    return {"Processor::NO_PROC", kPrimary};
  }
  needs_.insert("mspace");
  Code m = expr(base_id, scope);
  bool wild = false, unpack = false;
  for (std::uint32_t i = 1; i < p_.arity(e); ++i) {
    ExprKind k = p_.expr(p_.child(e, i)).kind();
    wild = wild || k == ExprKind::Wildcard;
    unpack = unpack || k == ExprKind::Unpack;
  }
  if (wild) {
    // m[i, *]: the wildcards are marked kAny; a counter per expression deals them out in turn.
    needs_.insert("any");
    std::vector<std::string> items;
    for (std::uint32_t i = 1; i < p_.arity(e); ++i) {
      ExprId c = p_.child(e, i);
      if (p_.expr(c).kind() == ExprKind::Wildcard) {
        items.push_back("Tuple{MSpace::kAny}");
      } else if (p_.expr(c).kind() == ExprKind::Unpack) {
        items.push_back(expr(p_.child(p_.expr(c), 0), scope).text);
      } else {
        items.push_back("Tuple{" + expr(c, scope).text + "}");
      }
    }
    // Merge neighbouring single-element tuples for readability.
    std::string idx;
    if (!unpack) {
      std::vector<std::string> plain;
      for (std::uint32_t i = 1; i < p_.arity(e); ++i) {
        ExprId c = p_.child(e, i);
        plain.push_back(p_.expr(c).kind() == ExprKind::Wildcard ? "MSpace::kAny"
                                                                : expr(c, scope).text);
      }
      idx = "Tuple{";
      for (std::size_t i = 0; i < plain.size(); ++i)
        idx += (i ? ", " : "") + plain[i];
      idx += "}";
    } else {
      needs_.insert("cat");
      idx = "cat({";
      for (std::size_t i = 0; i < items.size(); ++i)
        idx += (i ? ", " : "") + items[i];
      idx += "})";
    }
    return {fmt::format("{}.any({}, turn_[{}])", wrap(m, kPrimary), idx, wildcards_++), kPrimary};
  }
  if (unpack) return {fmt::format("{}({})", wrap(m, kPrimary), tuple_of(e, 1, scope)), kPrimary};
  std::string args;
  for (std::uint32_t i = 1; i < p_.arity(e); ++i)
    args += (i > 1 ? ", " : "") + expr(p_.child(e, i), scope).text;
  return {fmt::format("{}({})", wrap(m, kPrimary), args), kPrimary};
}

Translator::Code Translator::member(const Expr& e, Scope* scope) {
  ExprId recv_id = p_.child(e, 0);
  Type rt = type(recv_id).type;
  Code recv = expr(recv_id, scope);
  std::string r = wrap(recv, kPrimary);
  std::vector<Code> args;
  for (std::uint32_t i = 1; i < p_.arity(e); ++i)
    args.push_back(expr(p_.child(e, i), scope));
  auto joined = [&] {
    std::string out;
    for (std::size_t i = 0; i < args.size(); ++i)
      out += (i ? ", " : "") + args[i].text;
    return out;
  };
  const std::string_view n = p_.name(e);
  switch (rt) {
    case Type::Space:
      if (n == "size") return {r + ".size()", kPrimary};
      if (n == "volume") return {r + ".volume()", kPrimary};
      if (n == "len") return {r + ".dims()", kPrimary};
      needs_.insert("mspace");
      needs_.insert(fmt::format("space.{}", n));
      return {fmt::format("{}.{}({})", r, n, joined()), kPrimary};
    case Type::Task:
      if (n == "ipoint" || n == "ispace") return {fmt::format("{}.{}", r, n), kPrimary};
      if (n == "parent") {
        needs_.insert("parent");
        return {fmt::format("parent_of({}, {})", recv.text, where(e)), kPrimary};
      }
      if (n == "processor" && args.size() == 1) {
        needs_.insert("mspace");
        needs_.insert("index_of");
        return {fmt::format("{}.index_of({}.processor)", wrap(args[0], kPrimary), r), kPrimary};
      }
      break;
    case Type::Tuple:
      if (n == "size") return recv;
      if (n == "volume") {
        needs_.insert("volume");
        return {fmt::format("volume({})", recv.text), kPrimary};
      }
      if (n == "len") {
        needs_.insert("len");
        return {fmt::format("len({})", recv.text), kPrimary};
      }
      break;
    case Type::Proc:
      if (n == "has") {
        needs_.insert("has_memory");
        return {fmt::format("has_memory({}, {})", recv.text, joined()), kPrimary};
      }
      break;
    default:
      break;
  }
  error(p_.loc(e), fmt::format("cannot generate code for '.{}' here: the type of the value before "
                               "the dot is not known",
                               n));
  return {"0", kPrimary};
}

Translator::Code Translator::call(const Expr& e, Scope* scope) {
  std::vector<std::string> args;
  for (std::uint32_t i = 0; i < p_.arity(e); ++i) {
    ExprId c = p_.child(e, i);
    if (p_.expr(c).kind() == ExprKind::Unpack) {
      error(p_.loc(p_.expr(c)), "cannot generate code for '*' in the arguments of a call",
            "pass the tuple and index it inside the function");
    }
    args.push_back(expr(c, scope).text);
  }
  auto joined = [&] {
    std::string out;
    for (std::size_t i = 0; i < args.size(); ++i)
      out += (i ? ", " : "") + args[i];
    return out;
  };
  if (functions_.count(p_.name(e)))
    return {fmt::format("{}({})", functions_[p_.name(e)], joined()), kPrimary};
  if (p_.name(e) == "len" && args.size() == 1) {
    if (type(p_.child(e, 0)).type == Type::Space)
      return {wrap(Code{args[0], kPrimary}, kPrimary) + ".dims()", kPrimary};
    needs_.insert("len");
    return {fmt::format("len({})", args[0]), kPrimary};
  }
  if ((p_.name(e) == "min" || p_.name(e) == "max") && args.size() == 2)
    return {fmt::format("std::{}<coord_t>({})", p_.name(e), joined()), kPrimary};
  if (p_.name(e) == "abs" && args.size() == 1)
    return {fmt::format("std::abs(coord_t{{{}}})", args[0]), kPrimary};
  error(p_.loc(e), fmt::format("cannot generate code for the call of '{}'", p_.name(e)));
  return {"0", kPrimary};
}

std::string Translator::text_of(ExprId id, Scope* scope) {
  Code c = expr(id, scope);
  if (type(id).type == Type::Proc) {
    needs_.insert("describe");
    return fmt::format("describe({})", c.text);
  }
  needs_.insert("text");
  if (type(id).type == Type::Space) needs_.insert("mspace");
  return fmt::format("text({})", c.text);
}

std::string Translator::print(const Stmt& s, Scope* scope) {
  needs_.insert("print");
  std::string args;
  std::span<const ExprId> ids = p_.args(s);
  for (std::size_t i = 0; i < ids.size(); ++i)
    args += (i ? ", " : "") + text_of(ids[i], scope);
  return fmt::format("print({}, {{{}}});", cpp_string(p_.format(s)), args);
}

std::string Translator::result_type(const Stmt& def) const {
  auto ret = types_.returns.find(p_.name(def).text);
  std::string rtype = ret != types_.returns.end() ? cpp_type(ret->second.type) : std::string();
  return rtype.empty() ? std::string("void") : rtype;
}

std::vector<std::string> Translator::parameters(const Stmt& def) const {
  const std::set<std::string_view> read = names_read_in(p_, def);
  std::set<std::string_view> assigned;
  for (const Stmt& b : p_.body(def))
    if (b.kind == StmtKind::Assign) assigned.insert(p_.name(b).text);
  std::vector<std::string> out;
  for (const dsl::Param& prm : p_.params(def)) {
    Type t = dsl::param_type(prm.type.text).value_or(Type::Unknown);
    std::string ct = cpp_type(t);
    // A parameter the body assigns to is taken by value; a task never is (the mapping functions
    // share one signature), and assigning to it is reported by body().
    bool by_value =
        t == Type::Int || t == Type::Bool || (assigned.count(prm.name.text) && t != Type::Task);
    if (!by_value) ct = "const " + ct + "&";
    std::string name = cpp_identifier(prm.name.text);
    out.push_back(read.count(prm.name.text) ? fmt::format("{} {}", ct, name)
                                            : fmt::format("{} /*{}*/", ct, name));
  }
  return out;
}

std::string Translator::signature(const Stmt& def, std::string_view qualifier) const {
  std::string_view def_name = p_.name(def).text;
  auto fn = functions_.find(def_name);
  std::string name = fn != functions_.end() ? fn->second : cpp_identifier(def_name);
  std::string params;
  for (const std::string& p : parameters(def))
    params += (params.empty() ? "" : ", ") + p;
  return fmt::format("{} {}{}({})", result_type(def), qualifier, name, params);
}

std::string Translator::body(const Stmt& def, int indent) {
  indent_ = indent;
  const std::set<std::string_view> read = names_read_in(p_, def);
  Scope scope;
  const std::set<std::string>& taken = function_cpp_names_;  // a local must not hide one
  for (const dsl::Param& prm : p_.params(def)) {
    scope.names[prm.name.text] = cpp_identifier(prm.name.text);
    scope.declared[prm.name.text] = dsl::param_type(prm.type.text).value_or(Type::Unknown);
  }
  const dsl::Name name = p_.name(def);
  auto ret = types_.returns.find(name.text);
  if (ret == types_.returns.end() || ret->second.type == Type::Unknown) {
    error(p_.loc(name),
          fmt::format("cannot generate code for function '{}': the type of its result is not "
                      "known statically",
                      name.text),
          "make every return give the same kind of value, and avoid recursion");
  }
  std::string out;
  const std::string pad = indent_text(indent);
  for (const Stmt& b : p_.body(def)) {
    switch (b.kind) {
      case StmtKind::Assign: {
        const std::string_view name = p_.name(b).text;
        VType t = type(p_.value(b));
        Code v = expr(p_.value(b), &scope);
        bool nn = nonneg(p_.value(b), &scope);
        auto known = scope.declared.find(name);
        if (known != scope.declared.end() && known->second == Type::Task) {
          error(p_.loc(b), fmt::format("cannot generate code that assigns to the task '{}'", name),
                "use a new name");
        }
        if (known == scope.declared.end()) {
          if (t.type == Type::Unknown) {
            error(p_.loc(b), fmt::format("cannot generate code for '{}': its type is not known "
                                         "statically",
                                         name));
          }
          std::string n = cpp_identifier(name);
          while (taken.count(n))
            n += "_";  // a local that hides a function
          scope.names[name] = n;
          scope.declared[name] = t.type;
          if (nn) scope.nonneg.insert(name);
          // A local nothing reads would draw -Wunused-variable.
          const char* unused = read.count(name) ? "" : "[[maybe_unused]] ";
          out += fit_statement(fmt::format("{}{}{} {} = ", pad, unused, cpp_type(t.type), n),
                               v.text, indent);
        } else {
          if (t.type != known->second && t.type != Type::Unknown) {
            error(p_.loc(b),
                  fmt::format("cannot generate code: '{}' was {} and is now assigned {}", name,
                              dsl::type_phrase(known->second), dsl::type_phrase(t.type)),
                  "use a new name for the new value");
          }
          if (nn)
            scope.nonneg.insert(name);
          else
            scope.nonneg.erase(name);
          out += fit_statement(fmt::format("{}{} = ", pad, *scope.find(name)), v.text, indent);
        }
        break;
      }
      case StmtKind::Print:
        out += pad + print(b, &scope) + "\n";
        break;
      case StmtKind::Return:
        out += fit_statement(pad + "return ", expr(p_.value(b), &scope).text, indent);
        return out;  // what follows never runs
      default:
        break;
    }
  }
  return out;
}

std::string Translator::globals_init(int indent) {
  indent_ = indent;
  std::string out;
  const std::string pad = indent_text(indent);
  std::map<std::string_view, Type> declared;
  for (const Stmt& s : p_.stmts) {
    if (s.kind == StmtKind::Assign) {
      const std::string_view name = p_.name(s).text;
      VType t = type(p_.value(s));
      auto g = types_.globals.find(name);
      Type member = g != types_.globals.end() ? g->second.type : Type::Unknown;
      if (t.type == Type::Unknown || member == Type::Unknown) {
        error(p_.loc(s), fmt::format("cannot generate code for '{}': its type is not known "
                                     "statically",
                                     name));
      } else if (t.type != member) {
        error(p_.loc(s),
              fmt::format("cannot generate code: '{}' is assigned {} here and {} later", name,
                          dsl::type_phrase(t.type), dsl::type_phrase(member)),
              "use a new name for the new value");
      }
      out += fit_statement(fmt::format("{}{} = ", pad, global_name(name)),
                           expr(p_.value(s), nullptr).text, indent);
    } else if (s.kind == StmtKind::Print) {
      out += pad + print(s, nullptr) + "\n";
    }
  }
  return out;
}

}  // namespace mapsmith::codegen
