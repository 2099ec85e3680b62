#include "dsl/ast.h"

#include <fmt/format.h>

namespace mapsmith::dsl {

std::string_view op_text(Op op) {
  switch (op) {
    case Op::None: return "";
    case Op::Neg: return "-";
    case Op::Not: return "!";
    case Op::Add: return "+";
    case Op::Sub: return "-";
    case Op::Mul: return "*";
    case Op::Div: return "/";
    case Op::Mod: return "%";
    case Op::Lt: return "<";
    case Op::Le: return "<=";
    case Op::Gt: return ">";
    case Op::Ge: return ">=";
    case Op::Eq: return "==";
    case Op::Ne: return "!=";
    case Op::And: return "&&";
    case Op::Or: return "||";
  }
  return "?";
}

std::string_view to_string(LayoutWord w) {
  switch (w) {
    case LayoutWord::SOA: return "SOA";
    case LayoutWord::AOS: return "AOS";
    case LayoutWord::C_order: return "C_order";
    case LayoutWord::F_order: return "F_order";
    case LayoutWord::Compact: return "Compact";
    case LayoutWord::Exact: return "Exact";
    case LayoutWord::Align: return "Align";
    case LayoutWord::No_Align: return "No_Align";
  }
  return "?";
}

namespace {

void dump_expr(const Program& p, ExprId id, std::string& out) {
  if (id == kNoExpr) {
    out += "_";
    return;
  }
  const Expr& e = p.expr(id);
  auto kids = [&](std::uint32_t from) {
    for (std::uint32_t i = from; i < e.count; ++i) {
      out += ' ';
      dump_expr(p, p.child(e, i), out);
    }
  };
  switch (e.kind) {
    case ExprKind::Int: out += fmt::format("{}", e.value); return;
    case ExprKind::Bool: out += e.value ? "True" : "False"; return;
    case ExprKind::Name: out += e.name; return;
    case ExprKind::Wildcard: out += "*"; return;
    case ExprKind::Machine: out += fmt::format("(Machine {})", e.name); return;
    case ExprKind::Tuple: out += "(tuple"; break;
    case ExprKind::Unary:
    case ExprKind::Binary: out += fmt::format("({}", op_text(e.op)); break;
    case ExprKind::Cond: out += "(?"; break;
    case ExprKind::Index: out += "(index"; break;
    case ExprKind::Slice: out += "(slice"; break;
    case ExprKind::Call: out += fmt::format("(call {}", e.name); break;
    case ExprKind::Attr: out += fmt::format("(. {}", e.name); break;
    case ExprKind::Method: out += fmt::format("(method {}", e.name); break;
    case ExprKind::TupleComp: out += fmt::format("(for {}", e.name); break;
    case ExprKind::Unpack: out += "(unpack"; break;
  }
  kids(0);
  out += ')';
}

std::string dump_tasks(const TaskSel& t) {
  if (t.any) return "*";
  std::string out;
  for (std::size_t i = 0; i < t.names.size(); ++i) {
    if (i) out += ',';
    out += t.names[i].text;
  }
  return out;
}

std::string dump_region(const RegionSel& r) {
  switch (r.kind) {
    case RegionSel::Kind::Any: return "*";
    case RegionSel::Kind::Named: return std::string(r.name.text);
    case RegionSel::Kind::Index: return fmt::format("#{}", r.index);
  }
  return "?";
}

std::string dump_names(const std::vector<Name>& ns) {
  std::string out;
  for (std::size_t i = 0; i < ns.size(); ++i) {
    if (i) out += ',';
    out += ns[i].text;
  }
  return out;
}

void dump_stmt(const Program& p, const Stmt& s, std::string& out, int indent) {
  out.append(static_cast<std::size_t>(indent), ' ');
  switch (s.kind) {
    case StmtKind::Task:
      out += fmt::format("(Task {} {})", dump_tasks(s.tasks), dump_names(s.kinds));
      break;
    case StmtKind::Region:
      out += fmt::format("(Region {} {} {} {})", dump_tasks(s.tasks), dump_region(s.region),
                         s.proc.text, dump_names(s.kinds));
      break;
    case StmtKind::Layout: {
      out += fmt::format("(Layout {} {} {}", dump_tasks(s.tasks), dump_region(s.region),
                         s.proc.text);
      for (const LayoutItem& l : s.layout) {
        out += fmt::format(" {}", to_string(l.word));
        if (l.word == LayoutWord::Align) out += fmt::format("{}{}", op_text(l.cmp), l.value);
      }
      out += ')';
      break;
    }
    case StmtKind::InstanceLimit:
      out += fmt::format("(InstanceLimit {}{} {})", dump_tasks(s.tasks),
                         s.old_form ? fmt::format(" {}", s.proc.text) : "", s.limit);
      break;
    case StmtKind::CollectMemory:
      out += fmt::format("(CollectMemory {} {})", dump_tasks(s.tasks), dump_region(s.region));
      break;
    case StmtKind::IndexTaskMap:
      out += fmt::format("(IndexTaskMap {} {})", dump_tasks(s.tasks), s.name.text);
      break;
    case StmtKind::SingleTaskMap:
      out += fmt::format("(SingleTaskMap {} {})", dump_tasks(s.tasks), s.name.text);
      break;
    case StmtKind::ControlReplicate:
      out += fmt::format("(ControlReplicate {})", dump_tasks(s.tasks));
      break;
    case StmtKind::Assign:
      out += fmt::format("(= {} ", s.name.text);
      dump_expr(p, s.value, out);
      out += ')';
      break;
    case StmtKind::Return:
      out += "(return ";
      dump_expr(p, s.value, out);
      out += ')';
      break;
    case StmtKind::Print:
      out += fmt::format("(print \"{}\"", s.format);
      for (ExprId a : s.args) {
        out += ' ';
        dump_expr(p, a, out);
      }
      out += ')';
      break;
    case StmtKind::Def: {
      out += fmt::format("(def {} (", s.name.text);
      for (std::size_t i = 0; i < s.params.size(); ++i)
        out += fmt::format("{}{} {}", i ? ", " : "", s.params[i].type.text, s.params[i].name.text);
      out += ")\n";
      for (const Stmt& b : s.body) dump_stmt(p, b, out, indent + 2);
      out.append(static_cast<std::size_t>(indent), ' ');
      out += ")";
      break;
    }
  }
  out += '\n';
}

}  // namespace

std::string dump_ast(const Program& p) {
  std::string out;
  for (const Stmt& s : p.stmts) dump_stmt(p, s, out, 0);
  return out;
}

}  // namespace mapsmith::dsl
