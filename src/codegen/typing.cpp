#include "codegen/typing.h"

#include <algorithm>
#include <set>

#include "util/kinds.h"

namespace mapsmith::codegen {

namespace {

using dsl::Expr;
using dsl::ExprId;
using dsl::ExprKind;
using dsl::Op;
using dsl::Stmt;
using dsl::StmtKind;
using dsl::Type;
using dsl::VType;

class Typer {
 public:
  Typer(const dsl::Program& p, const dsl::ProgramInfo& info) : p_(p), info_(info) {
    out_.expr.assign(p.exprs.size(), VType{});
  }

  ProgramTypes run() {
    // Functions may use globals assigned later in the file, and globals may call functions, so
    // settle both: a second round sees every global and every function of the first.
    for (int round = 0; round < 2; ++round) {
      done_.clear();
      for (const Stmt& s : p_.stmts) {
        if (s.kind == StmtKind::Assign) {
          out_.globals[p_.name(s).text] = type(p_.value(s), nullptr);
        } else if (s.kind == StmtKind::Print) {
          for (ExprId a : p_.args(s))
            type(a, nullptr);
        }
      }
      for (const Stmt& s : p_.stmts)
        if (s.kind == StmtKind::Def) function(s);
    }
    return std::move(out_);
  }

 private:
  using Scope = std::unordered_map<std::string_view, VType>;

  VType function(const Stmt& def) {
    auto known = out_.returns.find(p_.name(def).text);
    if (done_.count(&def)) return known != out_.returns.end() ? known->second : VType{};
    done_.insert(&def);  // a recursive call sees Unknown
    Scope locals;
    dsl::ParamList params = p_.params(def);
    for (const dsl::Param& prm : params)
      locals[prm.name.text] = VType{dsl::param_type(prm.type.text).value_or(Type::Unknown), -1};
    std::vector<std::pair<std::string_view, VType>> order;
    std::optional<VType> ret;
    for (const Stmt& b : p_.body(def)) {
      switch (b.kind) {
        case StmtKind::Assign: {
          VType t = type(p_.value(b), &locals);
          std::string_view name = p_.name(b).text;
          bool is_param = std::any_of(params.begin(), params.end(),
                                      [&](const auto& prm) { return prm.name.text == name; });
          bool seen = std::any_of(order.begin(), order.end(),
                                  [&](const auto& l) { return l.first == name; });
          if (!is_param && !seen) order.emplace_back(name, t);
          locals[name] = t;
          break;
        }
        case StmtKind::Print:
          for (ExprId a : p_.args(b))
            type(a, &locals);
          break;
        case StmtKind::Return: {
          VType t = type(p_.value(b), &locals);
          if (!ret) ret = t;
          break;
        }
        default:
          break;
      }
    }
    out_.locals[&def] = std::move(order);
    VType& out = out_.returns[p_.name(def).text];
    out = ret.value_or(VType{});
    return out;
  }

  const Expr& ex(ExprId id) const { return p_.expr(id); }

  VType type(ExprId id, Scope* locals) {
    VType t = compute(id, locals);
    out_.expr[id] = t;
    return t;
  }

  VType lookup(const Expr& e, Scope* locals) {
    const std::string_view name = p_.name(e);
    if (locals) {
      auto it = locals->find(name);
      if (it != locals->end()) return it->second;
    }
    auto g = out_.globals.find(name);
    if (g != out_.globals.end()) return g->second;
    if (auto k = parse_proc_kind(name); k && *k != ProcKind::UTIL) return {Type::ProcKind, -1};
    if (parse_mem_kind(name)) return {Type::MemKind, -1};
    return {};
  }

  VType compute(ExprId id, Scope* locals) {
    const Expr& e = ex(id);
    switch (e.kind()) {
      case ExprKind::Int:
        return {Type::Int, -1};
      case ExprKind::Bool:
        return {Type::Bool, -1};
      case ExprKind::Name:
        return lookup(e, locals);
      case ExprKind::Wildcard:
        return {};
      case ExprKind::Unpack: {
        VType t = type(p_.child(e, 0), locals);
        return {Type::Tuple, t.len};
      }
      case ExprKind::Machine:
        return {Type::Space, 2};
      case ExprKind::Tuple: {
        int len = 0;
        for (std::uint32_t i = 0; i < p_.arity(e); ++i) {
          ExprId c = p_.child(e, i);
          VType t = type(c, locals);
          if (ex(c).kind() == ExprKind::Unpack)
            len = (len < 0 || t.len < 0) ? -1 : len + t.len;
          else if (len >= 0)
            ++len;
        }
        return {Type::Tuple, len};
      }
      case ExprKind::Unary: {
        VType t = type(p_.child(e, 0), locals);
        if (e.op() == Op::Neg) return t.type == Type::Tuple ? t : VType{Type::Int, -1};
        return {Type::Bool, -1};
      }
      case ExprKind::Binary: {
        VType a = type(p_.child(e, 0), locals);
        VType b = type(p_.child(e, 1), locals);
        switch (e.op()) {
          case Op::And:
          case Op::Or:
          case Op::Eq:
          case Op::Ne:
          case Op::Lt:
          case Op::Le:
          case Op::Gt:
          case Op::Ge:
            return {Type::Bool, -1};
          default:
            break;
        }
        if (a.type == Type::Tuple || b.type == Type::Tuple)
          return {Type::Tuple, a.type == Type::Tuple && a.len >= 0 ? a.len : b.len};
        if (a.type == Type::Unknown || b.type == Type::Unknown) return {};
        return {Type::Int, -1};
      }
      case ExprKind::Cond: {
        type(p_.child(e, 0), locals);
        VType a = type(p_.child(e, 1), locals);
        VType b = type(p_.child(e, 2), locals);
        if (a.type == b.type) return {a.type, a.len == b.len ? a.len : -1};
        if (a.type == Type::Unknown) return b;
        if (b.type == Type::Unknown) return a;
        return {};
      }
      case ExprKind::Index: {
        VType base = type(p_.child(e, 0), locals);
        for (std::uint32_t i = 1; i < p_.arity(e); ++i)
          type(p_.child(e, i), locals);
        if (base.type == Type::Tuple) return {Type::Int, -1};
        if (base.type == Type::Space) return {Type::Proc, -1};
        return {};
      }
      case ExprKind::Slice: {
        type(p_.child(e, 0), locals);
        for (std::uint32_t i = 1; i < 3; ++i) {
          ExprId b = p_.child(e, i);
          if (b != dsl::kNoExpr) type(b, locals);
        }
        return {Type::Tuple, -1};
      }
      case ExprKind::Call: {
        std::vector<VType> args;
        for (std::uint32_t i = 0; i < p_.arity(e); ++i)
          args.push_back(type(p_.child(e, i), locals));
        if (const dsl::FunctionInfo* f = info_.function(p_.name(e))) return function(*f->def);
        if (const dsl::Builtin* b = dsl::find_builtin(p_.name(e))) return {b->result, -1};
        return {};
      }
      case ExprKind::Attr:
      case ExprKind::Method:
        return member(e, locals);
      case ExprKind::TupleComp: {
        VType iter = type(p_.child(e, 1), locals);
        Scope inner = locals ? *locals : Scope{};
        inner[p_.name(e)] = {Type::Int, -1};
        type(p_.child(e, 0), &inner);
        return {Type::Tuple, iter.len};
      }
    }
    return {};
  }

  VType member(const Expr& e, Scope* locals) {
    const std::string_view name = p_.name(e);
    VType recv = type(p_.child(e, 0), locals);
    std::vector<VType> args;
    for (std::uint32_t i = 1; i < p_.arity(e); ++i)
      args.push_back(type(p_.child(e, i), locals));
    if (recv.type == Type::Unknown) return {};
    const dsl::Member* m = dsl::find_member(recv.type, name);
    if (!m) return {};
    if (m->result == Type::Space && recv.len >= 0) {
      int n = recv.len;
      if (name == "merge") return {Type::Space, n - 1};
      if (name == "split") return {Type::Space, n + 1};
      if (name == "balance_split") {
        const Expr& k = ex(p_.child(e, 2));
        return {Type::Space,
                k.kind() == ExprKind::Int ? n - 1 + static_cast<int>(p_.int_value(k)) : -1};
      }
      if (name == "auto_split" || name == "greedy_split" || name == "decompose")
        return {Type::Space, args.size() == 2 && args[1].len >= 0 ? n - 1 + args[1].len : -1};
      return {Type::Space, n};
    }
    if (name == "size" && recv.type == Type::Space) return {Type::Tuple, recv.len};
    if (name == "size" && recv.type == Type::Tuple) return recv;
    return {m->result, -1};
  }

  const dsl::Program& p_;
  const dsl::ProgramInfo& info_;
  ProgramTypes out_;
  std::set<const Stmt*> done_;
};

}  // namespace

ProgramTypes infer_types(const dsl::Program& p, const dsl::ProgramInfo& info) {
  return Typer(p, info).run();
}

}  // namespace mapsmith::codegen
