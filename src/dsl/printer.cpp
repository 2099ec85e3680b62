#include "dsl/printer.h"

#include <fmt/format.h>

#include <algorithm>
#include <span>

namespace mapsmith::dsl {

namespace {

// Binding strength, higher binds tighter.
enum Prec : int { kCond = 1, kOr, kAnd, kEq, kRel, kAdd, kMul, kUnary, kPostfix, kAtom };

int prec_of(const Expr& e) {
  switch (e.kind()) {
    case ExprKind::Cond:
      return kCond;
    case ExprKind::Binary:
      switch (e.op()) {
        case Op::Or:
          return kOr;
        case Op::And:
          return kAnd;
        case Op::Eq:
        case Op::Ne:
          return kEq;
        case Op::Lt:
        case Op::Le:
        case Op::Gt:
        case Op::Ge:
          return kRel;
        case Op::Add:
        case Op::Sub:
          return kAdd;
        default:
          return kMul;
      }
    case ExprKind::Unary:
    case ExprKind::Unpack:
      return kUnary;
    case ExprKind::Index:
    case ExprKind::Slice:
    case ExprKind::Attr:
    case ExprKind::Method:
      return kPostfix;
    default:
      return kAtom;
  }
}

class ExprPrinter {
 public:
  explicit ExprPrinter(const Program& p) : p_(p) {}

  void print(ExprId id, int min_prec, std::string& out) const {
    const Expr& e = p_.expr(id);
    bool paren = prec_of(e) < min_prec;
    if (paren) out += '(';
    print_bare(e, out);
    if (paren) out += ')';
  }

 private:
  void list(const Expr& e, std::uint32_t from, std::string& out) const {
    for (std::uint32_t i = from, n = p_.arity(e); i < n; ++i) {
      if (i > from) out += ", ";
      print(p_.child(e, i), kCond, out);
    }
  }

  void print_bare(const Expr& e, std::string& out) const {
    switch (e.kind()) {
      case ExprKind::Int:
        out += fmt::format("{}", p_.int_value(e));
        return;
      case ExprKind::Bool:
        out += p_.int_value(e) ? "True" : "False";
        return;
      case ExprKind::Name:
        out += p_.name(e);
        return;
      case ExprKind::Wildcard:
        out += '*';
        return;
      case ExprKind::Machine:
        out += fmt::format("Machine({})", p_.name(e));
        return;
      case ExprKind::Tuple:
        out += '(';
        list(e, 0, out);
        if (p_.arity(e) == 1) out += ',';
        out += ')';
        return;
      case ExprKind::Unary: {
        out += op_text(e.op());
        // A nested unary prints without parentheses ("!!b", "- -x": a space keeps two minus
        // signs apart), so that the text nests no deeper than the tree: parentheses would make
        // each level cost the parser two, and a chain the parser accepted could print as one
        // it refuses (the nesting cap).
        const Expr& c = p_.expr(p_.child(e, 0));
        if (e.op() == Op::Neg && c.kind() == ExprKind::Unary && c.op() == Op::Neg) out += ' ';
        print(p_.child(e, 0), kUnary, out);
        return;
      }
      case ExprKind::Unpack:
        out += '*';
        print(p_.child(e, 0), kUnary, out);
        return;
      case ExprKind::Binary: {
        int pr = prec_of(e);
        print(p_.child(e, 0), pr, out);
        out += fmt::format(" {} ", op_text(e.op()));
        print(p_.child(e, 1), pr + 1, out);  // left-associative: a - (b - c) keeps its parens
        return;
      }
      case ExprKind::Cond:
        print(p_.child(e, 0), kOr, out);
        out += " ? ";
        print(p_.child(e, 1), kCond, out);
        out += " : ";
        print(p_.child(e, 2), kCond, out);
        return;
      case ExprKind::Index:
        print(p_.child(e, 0), kPostfix, out);
        out += '[';
        list(e, 1, out);
        out += ']';
        return;
      case ExprKind::Slice: {
        print(p_.child(e, 0), kPostfix, out);
        out += '[';
        ExprId lo = p_.child(e, 1), hi = p_.child(e, 2);
        if (lo != kNoExpr) print(lo, kCond, out);
        out += ':';
        if (hi != kNoExpr) print(hi, kCond, out);
        out += ']';
        return;
      }
      case ExprKind::Call:
        out += p_.name(e);
        out += '(';
        list(e, 0, out);
        out += ')';
        return;
      case ExprKind::Attr:
        print(p_.child(e, 0), kPostfix, out);
        out += '.';
        out += p_.name(e);
        return;
      case ExprKind::Method:
        print(p_.child(e, 0), kPostfix, out);
        out += '.';
        out += p_.name(e);
        out += '(';
        list(e, 1, out);
        out += ')';
        return;
      case ExprKind::TupleComp:
        out += "tuple(";
        print(p_.child(e, 0), kCond, out);
        out += fmt::format(" for {} in ", p_.name(e));
        print(p_.child(e, 1), kCond, out);
        out += ')';
        return;
    }
  }

  const Program& p_;
};

std::string names_text(const NameList& ns) {
  std::string out;
  for (std::size_t i = 0; i < ns.size(); ++i) {
    if (i) out += ',';
    out += ns[i].text;
  }
  return out;
}

std::string tasks_text(const TaskSel& t) {
  return t.any ? std::string("*") : names_text(t.names);
}

std::string region_text(const RegionSel& r) {
  switch (r.kind) {
    case RegionSel::Kind::Any:
      return "*";
    case RegionSel::Kind::Named:
      return std::string(r.name.text);
    case RegionSel::Kind::Index:
      return fmt::format("{}", r.index);
  }
  return "?";
}

class ProgramPrinter {
 public:
  explicit ProgramPrinter(const Program& p) : p_(p), exprs_(p) {}

  std::string run() {
    print_block(p_.stmts, 0, UINT32_MAX);
    flush_comments_before(UINT32_MAX, 0);
    return std::move(out_);
  }

 private:
  std::uint32_t line(std::uint32_t pos) const { return p_.loc(pos).line; }
  std::uint32_t comment_line(std::size_t i) const { return line(p_.comments[i].pos); }
  std::string_view comment_text(std::size_t i) const { return p_.source->text_of(p_.comments[i]); }

  // Emits the statements of one block with the comments that fall between them.
  void print_block(std::span<const Stmt> stmts, int indent, std::uint32_t block_end) {
    for (std::size_t i = 0; i < stmts.size(); ++i) {
      const Stmt& s = stmts[i];
      flush_comments_before(s.begin, indent);
      blank_line_if_gap(line(s.begin));
      out_.append(static_cast<std::size_t>(indent), ' ');
      print_stmt(s, indent);
      last_line_ = line(s.end);
      // In "x = 1; y = 2;  # c" the comment belongs to the statement after it, not to x.
      trailing_comment(last_line_, i + 1 < stmts.size() ? stmts[i + 1].begin : block_end);
      out_ += '\n';
    }
  }

  void blank_line_if_gap(std::uint32_t line) {
    if (last_line_ != 0 && line > last_line_ + 1 && !out_.empty()) out_ += '\n';
  }

  void flush_comments_before(std::uint32_t offset, int indent) {
    while (next_comment_ < p_.comments.size() && p_.comments[next_comment_].pos < offset) {
      std::uint32_t l = comment_line(next_comment_);
      blank_line_if_gap(l);
      out_.append(static_cast<std::size_t>(indent), ' ');
      out_ += comment_text(next_comment_++);
      out_ += '\n';
      last_line_ = l;
    }
  }

  // Comments on the statement's last line stay at the end of that line. Comments inside a
  // multi-line statement (not a function) move there too, joined in order.
  void trailing_comment(std::uint32_t end_line, std::uint32_t before) {
    while (next_comment_ < p_.comments.size() && comment_line(next_comment_) <= end_line &&
           p_.comments[next_comment_].pos < before) {
      out_ += "  ";
      out_ += comment_text(next_comment_++);
    }
  }

  void print_stmt(const Stmt& s, int indent) {
    switch (s.kind) {
      case StmtKind::Task:
        out_ += fmt::format("Task {} {};", tasks_text(p_.tasks(s)), names_text(p_.kinds(s)));
        return;
      case StmtKind::Region:
        out_ += fmt::format("Region {} {} {} {};", tasks_text(p_.tasks(s)),
                            region_text(p_.region(s)), p_.proc(s).text, names_text(p_.kinds(s)));
        return;
      case StmtKind::Layout:
        out_ += fmt::format("Layout {} {} {}", tasks_text(p_.tasks(s)), region_text(p_.region(s)),
                            p_.proc(s).text);
        for (const LayoutItem& l : p_.layout(s)) {
          out_ += ' ';
          out_ += to_string(l.word);
          if (l.word == LayoutWord::Align) out_ += fmt::format("{}{}", op_text(l.cmp), l.value);
        }
        out_ += ';';
        return;
      case StmtKind::InstanceLimit:
        if (s.old_form()) {
          out_ += fmt::format("InstanceLimit {} {} {};", tasks_text(p_.tasks(s)), p_.proc(s).text,
                              p_.limit(s));
        } else {
          out_ += fmt::format("InstanceLimit {} {};", tasks_text(p_.tasks(s)), p_.limit(s));
        }
        return;
      case StmtKind::CollectMemory:
        out_ +=
            fmt::format("CollectMemory {} {};", tasks_text(p_.tasks(s)), region_text(p_.region(s)));
        return;
      case StmtKind::IndexTaskMap:
        out_ += fmt::format("IndexTaskMap {} {};", tasks_text(p_.tasks(s)), p_.name(s).text);
        return;
      case StmtKind::SingleTaskMap:
        out_ += fmt::format("SingleTaskMap {} {};", tasks_text(p_.tasks(s)), p_.name(s).text);
        return;
      case StmtKind::ControlReplicate:
        out_ += fmt::format("ControlReplicate {};", tasks_text(p_.tasks(s)));
        return;
      case StmtKind::Assign:
        out_ += fmt::format("{} = ", p_.name(s).text);
        exprs_.print(p_.value(s), kCond, out_);
        out_ += ';';
        return;
      case StmtKind::Return:
        out_ += "return ";
        exprs_.print(p_.value(s), kCond, out_);
        out_ += ';';
        return;
      case StmtKind::Print:
        out_ += fmt::format("print(\"{}\"", p_.format(s));
        for (ExprId a : p_.args(s)) {
          out_ += ", ";
          exprs_.print(a, kCond, out_);
        }
        out_ += ");";
        return;
      case StmtKind::Def: {
        ParamList params = p_.params(s);
        std::span<const Stmt> body = p_.body(s);
        out_ += fmt::format("def {}(", p_.name(s).text);
        for (std::size_t i = 0; i < params.size(); ++i) {
          Param prm = params[i];
          out_ += fmt::format("{}{} {}", i ? ", " : "", prm.type.text, prm.name.text);
        }
        out_ += ") {";
        // A comment on the head line stays there. Blank lines in the body count from the line
        // of the '{', which may stand on a line of its own.
        std::uint32_t def_line = line(s.begin);
        last_line_ = std::max(def_line, brace_line(s));
        std::uint32_t head_line = body.empty() ? line(s.end) : line(body.front().begin);
        while (next_comment_ < p_.comments.size() && comment_line(next_comment_) == def_line &&
               comment_line(next_comment_) < head_line) {
          out_ += "  ";
          out_ += comment_text(next_comment_++);
        }
        out_ += '\n';
        print_block(body, indent + 2, s.end);
        flush_comments_before(s.end, indent + 2);
        out_.append(static_cast<std::size_t>(indent), ' ');
        out_ += '}';
        return;
      }
    }
  }

  /// The line of the '{' that opens a function body. Between the last name of the head and
  /// the brace there are only blanks, parentheses and comments.
  std::uint32_t brace_line(const Stmt& s) const {
    const std::string& t = p_.source->text();
    ParamList params = p_.params(s);
    Name last = params.empty() ? p_.name(s) : params.back().name;
    std::size_t i = last.pos + last.text.size();
    while (i < t.size() && t[i] != '{') {
      if (t[i] == '#' || (t[i] == '/' && i + 1 < t.size() && t[i + 1] == '/')) {
        while (i < t.size() && t[i] != '\n')
          ++i;
      } else {
        ++i;
      }
    }
    return line(static_cast<std::uint32_t>(i));
  }

  const Program& p_;
  ExprPrinter exprs_;
  std::string out_;
  std::size_t next_comment_ = 0;
  std::uint32_t last_line_ = 0;
};

}  // namespace

std::string format_program(const Program& p) {
  return ProgramPrinter(p).run();
}

std::string format_expr(const Program& p, ExprId id) {
  std::string out;
  ExprPrinter(p).print(id, kCond, out);
  return out;
}

}  // namespace mapsmith::dsl
