#include "dsl/ast.h"

#include <limits>

#include <fmt/format.h>

#include "dsl/lexer.h"

namespace mapsmith::dsl {

std::string_view op_text(Op op) {
  switch (op) {
    case Op::None:
      return "";
    case Op::Neg:
      return "-";
    case Op::Not:
      return "!";
    case Op::Add:
      return "+";
    case Op::Sub:
      return "-";
    case Op::Mul:
      return "*";
    case Op::Div:
      return "/";
    case Op::Mod:
      return "%";
    case Op::Lt:
      return "<";
    case Op::Le:
      return "<=";
    case Op::Gt:
      return ">";
    case Op::Ge:
      return ">=";
    case Op::Eq:
      return "==";
    case Op::Ne:
      return "!=";
    case Op::And:
      return "&&";
    case Op::Or:
      return "||";
  }
  return "?";
}

std::string_view to_string(LayoutWord w) {
  switch (w) {
    case LayoutWord::SOA:
      return "SOA";
    case LayoutWord::AOS:
      return "AOS";
    case LayoutWord::C_order:
      return "C_order";
    case LayoutWord::F_order:
      return "F_order";
    case LayoutWord::Compact:
      return "Compact";
    case LayoutWord::Exact:
      return "Exact";
    case LayoutWord::Align:
      return "Align";
    case LayoutWord::No_Align:
      return "No_Align";
  }
  return "?";
}

// ---- Program's accessors: the one place besides the parser that knows how nodes are packed ----

Name Program::name_at(std::uint32_t pos) const {
  return Name{word_at(source->text(), pos), pos};
}

std::int64_t Program::int_at(std::uint32_t pos) const {
  const std::string_view text = source->text();
  if (pos < text.size() && text[pos] == '-') {
    // The one negative literal the parser makes: -9223372036854775808 (see parse_unary).
    std::string_view digits = word_at(text, pos + 1);
    bool overflow = false;
    std::int64_t v = decimal_value(digits, &overflow);
    return overflow ? std::numeric_limits<std::int64_t>::min() : -v;
  }
  return decimal_value(word_at(text, pos));
}

std::uint32_t Program::arity(const Expr& e) const {
  switch (e.kind()) {
    case ExprKind::Int:
    case ExprKind::Bool:
    case ExprKind::Name:
    case ExprKind::Wildcard:
    case ExprKind::Machine:
      return 0;
    case ExprKind::Unary:
    case ExprKind::Unpack:
    case ExprKind::Attr:
      return 1;
    case ExprKind::Binary:
    case ExprKind::TupleComp:
      return 2;
    case ExprKind::Cond:
    case ExprKind::Slice:
      return 3;
    case ExprKind::Tuple:
    case ExprKind::Index:
    case ExprKind::Call:
    case ExprKind::Method:
      return operands[e.data];
  }
  return 0;
}

ExprId Program::child(const Expr& e, std::uint32_t i) const {
  switch (e.kind()) {
    case ExprKind::Unary:
    case ExprKind::Unpack:
    case ExprKind::Attr:
      return e.data;
    case ExprKind::Binary:
    case ExprKind::TupleComp:
    case ExprKind::Cond:
    case ExprKind::Slice:
      return operands[e.data + i];
    default:
      return operands[e.data + 1 + i];
  }
}

std::int64_t Program::int_value(const Expr& e) const {
  if (e.kind() == ExprKind::Int && e.data == Expr::kBigInt) return int_at(e.pos());
  return e.data;
}

Name Program::name_of(const Expr& e) const {
  switch (e.kind()) {
    case ExprKind::Machine:
      return name_at(e.data);
    case ExprKind::TupleComp:
      return name_at(operands[e.data + 2]);
    default:
      return name_at(e.pos());
  }
}

// The fields a–d mean different things in different kinds, so each accessor first checks that
// the statement has what it reads, and gives what a statement without it has: no tasks, no kinds,
// region '*', no name, no value (kNoExpr), no parameters, an empty body or format.
namespace {

bool has_tasks(StmtKind k) {
  return k != StmtKind::Assign && k != StmtKind::Def && k != StmtKind::Print &&
         k != StmtKind::Return;
}
bool has_region(StmtKind k) {
  return k == StmtKind::Region || k == StmtKind::Layout || k == StmtKind::CollectMemory;
}

}  // namespace

TaskSel Program::tasks(const Stmt& s) const {
  if (!has_tasks(s.kind)) return {};
  return TaskSel{s.any_task(), NameList(this, std::span(names).subspan(s.a, s.b))};
}

NameList Program::kinds(const Stmt& s) const {
  if (s.kind != StmtKind::Task && s.kind != StmtKind::Region) return {};
  // Region keeps its region and proc between the tasks and the kinds.
  std::uint32_t first = s.a + s.b + (s.kind == StmtKind::Region ? 2 : 0);
  return NameList(this, std::span(names).subspan(first, s.c));
}

RegionSel Program::region(const Stmt& s) const {
  RegionSel r;
  if (!has_region(s.kind)) return r;
  r.kind = static_cast<RegionSel::Kind>((s.flags >> Stmt::kRegionShift) & 3);
  r.pos = names[s.a + s.b];
  if (r.kind == RegionSel::Kind::Named) r.name = name_at(r.pos);
  if (r.kind == RegionSel::Kind::Index) r.index = int_at(r.pos);
  return r;
}

Name Program::proc(const Stmt& s) const {
  if (s.kind == StmtKind::Region || s.kind == StmtKind::Layout)
    return name_at(names[s.a + s.b + 1]);
  if (s.kind == StmtKind::InstanceLimit && s.old_form()) return name_at(names[s.a + s.b]);
  return {};
}

std::span<const LayoutItem> Program::layout(const Stmt& s) const {
  if (s.kind != StmtKind::Layout) return {};
  return std::span(layout_items).subspan(s.c, s.d);
}

std::int64_t Program::limit(const Stmt& s) const {
  return s.kind == StmtKind::InstanceLimit ? int_at(s.c) : 0;
}

Name Program::name(const Stmt& s) const {
  switch (s.kind) {
    case StmtKind::Def:
      return name_at(names[s.a]);
    case StmtKind::Assign:
    case StmtKind::IndexTaskMap:
    case StmtKind::SingleTaskMap:
      return name_at(s.c);
    default:
      return {};
  }
}

ExprId Program::value(const Stmt& s) const {
  return s.kind == StmtKind::Assign || s.kind == StmtKind::Return ? s.d : kNoExpr;
}

ParamList Program::params(const Stmt& s) const {
  if (s.kind != StmtKind::Def) return {};
  return ParamList(this, std::span(names).subspan(s.a + 1, 2 * std::size_t{s.b}));
}

std::span<const Stmt> Program::body(const Stmt& s) const {
  if (s.kind != StmtKind::Def) return {};
  return std::span(body_stmts).subspan(s.c, s.d);
}

std::string_view Program::format(const Stmt& s) const {
  if (s.kind != StmtKind::Print) return {};
  return std::string_view(source->text()).substr(s.c, s.d);
}

std::span<const ExprId> Program::args(const Stmt& s) const {
  if (s.kind != StmtKind::Print) return {};
  return std::span(operands).subspan(s.a, s.b);
}

namespace {

void dump_expr(const Program& p, ExprId id, std::string& out) {
  if (id == kNoExpr) {
    out += "_";
    return;
  }
  const Expr& e = p.expr(id);
  switch (e.kind()) {
    case ExprKind::Int:
      out += fmt::format("{}", p.int_value(e));
      return;
    case ExprKind::Bool:
      out += p.int_value(e) ? "True" : "False";
      return;
    case ExprKind::Name:
      out += p.name(e);
      return;
    case ExprKind::Wildcard:
      out += "*";
      return;
    case ExprKind::Machine:
      out += fmt::format("(Machine {})", p.name(e));
      return;
    case ExprKind::Tuple:
      out += "(tuple";
      break;
    case ExprKind::Unary:
    case ExprKind::Binary:
      out += fmt::format("({}", op_text(e.op()));
      break;
    case ExprKind::Cond:
      out += "(?";
      break;
    case ExprKind::Index:
      out += "(index";
      break;
    case ExprKind::Slice:
      out += "(slice";
      break;
    case ExprKind::Call:
      out += fmt::format("(call {}", p.name(e));
      break;
    case ExprKind::Attr:
      out += fmt::format("(. {}", p.name(e));
      break;
    case ExprKind::Method:
      out += fmt::format("(method {}", p.name(e));
      break;
    case ExprKind::TupleComp:
      out += fmt::format("(for {}", p.name(e));
      break;
    case ExprKind::Unpack:
      out += "(unpack";
      break;
  }
  for (std::uint32_t i = 0, n = p.arity(e); i < n; ++i) {
    out += ' ';
    dump_expr(p, p.child(e, i), out);
  }
  out += ')';
}

std::string dump_names(const NameList& ns) {
  std::string out;
  for (std::size_t i = 0; i < ns.size(); ++i) {
    if (i) out += ',';
    out += ns[i].text;
  }
  return out;
}

std::string dump_tasks(const TaskSel& t) {
  return t.any ? std::string("*") : dump_names(t.names);
}

std::string dump_region(const RegionSel& r) {
  switch (r.kind) {
    case RegionSel::Kind::Any:
      return "*";
    case RegionSel::Kind::Named:
      return std::string(r.name.text);
    case RegionSel::Kind::Index:
      return fmt::format("#{}", r.index);
  }
  return "?";
}

void dump_stmt(const Program& p, const Stmt& s, std::string& out, int indent) {
  out.append(static_cast<std::size_t>(indent), ' ');
  switch (s.kind) {
    case StmtKind::Task:
      out += fmt::format("(Task {} {})", dump_tasks(p.tasks(s)), dump_names(p.kinds(s)));
      break;
    case StmtKind::Region:
      out += fmt::format("(Region {} {} {} {})", dump_tasks(p.tasks(s)), dump_region(p.region(s)),
                         p.proc(s).text, dump_names(p.kinds(s)));
      break;
    case StmtKind::Layout: {
      out += fmt::format("(Layout {} {} {}", dump_tasks(p.tasks(s)), dump_region(p.region(s)),
                         p.proc(s).text);
      for (const LayoutItem& l : p.layout(s)) {
        out += fmt::format(" {}", to_string(l.word));
        if (l.word == LayoutWord::Align) out += fmt::format("{}{}", op_text(l.cmp), l.value);
      }
      out += ')';
      break;
    }
    case StmtKind::InstanceLimit:
      out += fmt::format("(InstanceLimit {}{} {})", dump_tasks(p.tasks(s)),
                         s.old_form() ? fmt::format(" {}", p.proc(s).text) : "", p.limit(s));
      break;
    case StmtKind::CollectMemory:
      out += fmt::format("(CollectMemory {} {})", dump_tasks(p.tasks(s)), dump_region(p.region(s)));
      break;
    case StmtKind::IndexTaskMap:
      out += fmt::format("(IndexTaskMap {} {})", dump_tasks(p.tasks(s)), p.name(s).text);
      break;
    case StmtKind::SingleTaskMap:
      out += fmt::format("(SingleTaskMap {} {})", dump_tasks(p.tasks(s)), p.name(s).text);
      break;
    case StmtKind::ControlReplicate:
      out += fmt::format("(ControlReplicate {})", dump_tasks(p.tasks(s)));
      break;
    case StmtKind::Assign:
      out += fmt::format("(= {} ", p.name(s).text);
      dump_expr(p, p.value(s), out);
      out += ')';
      break;
    case StmtKind::Return:
      out += "(return ";
      dump_expr(p, p.value(s), out);
      out += ')';
      break;
    case StmtKind::Print:
      out += fmt::format("(print \"{}\"", p.format(s));
      for (ExprId a : p.args(s)) {
        out += ' ';
        dump_expr(p, a, out);
      }
      out += ')';
      break;
    case StmtKind::Def: {
      out += fmt::format("(def {} (", p.name(s).text);
      ParamList params = p.params(s);
      for (std::size_t i = 0; i < params.size(); ++i)
        out += fmt::format("{}{} {}", i ? ", " : "", params[i].type.text, params[i].name.text);
      out += ")\n";
      for (const Stmt& b : p.body(s))
        dump_stmt(p, b, out, indent + 2);
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
  for (const Stmt& s : p.stmts)
    dump_stmt(p, s, out, 0);
  return out;
}

}  // namespace mapsmith::dsl
