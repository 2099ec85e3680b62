#include "dsl/printer.h"

#include <fmt/format.h>

#include <algorithm>

namespace mapsmith::dsl {

namespace {

// Binding strength, higher binds tighter.
enum Prec : int { kCond = 1, kOr, kAnd, kEq, kRel, kAdd, kMul, kUnary, kPostfix, kAtom };

int prec_of(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Cond:
      return kCond;
    case ExprKind::Binary:
      switch (e.op) {
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
    for (std::uint32_t i = from; i < e.count; ++i) {
      if (i > from) out += ", ";
      print(p_.child(e, i), kCond, out);
    }
  }

  void print_bare(const Expr& e, std::string& out) const {
    switch (e.kind) {
      case ExprKind::Int:
        out += fmt::format("{}", e.value);
        return;
      case ExprKind::Bool:
        out += e.value ? "True" : "False";
        return;
      case ExprKind::Name:
        out += e.name;
        return;
      case ExprKind::Wildcard:
        out += '*';
        return;
      case ExprKind::Machine:
        out += fmt::format("Machine({})", e.name);
        return;
      case ExprKind::Tuple:
        out += '(';
        list(e, 0, out);
        if (e.count == 1) out += ',';
        out += ')';
        return;
      case ExprKind::Unary: {
        out += op_text(e.op);
        const Expr& c = p_.expr(p_.child(e, 0));
        // "- -x" must not print as "--x"; parenthesise a nested unary for clarity.
        print(p_.child(e, 0), c.kind == ExprKind::Unary ? kPostfix : kUnary, out);
        return;
      }
      case ExprKind::Unpack:
        out += '*';
        print(p_.child(e, 0), kUnary, out);
        return;
      case ExprKind::Binary: {
        int pr = prec_of(e);
        print(p_.child(e, 0), pr, out);
        out += fmt::format(" {} ", op_text(e.op));
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
        out += e.name;
        out += '(';
        list(e, 0, out);
        out += ')';
        return;
      case ExprKind::Attr:
        print(p_.child(e, 0), kPostfix, out);
        out += '.';
        out += e.name;
        return;
      case ExprKind::Method:
        print(p_.child(e, 0), kPostfix, out);
        out += '.';
        out += e.name;
        out += '(';
        list(e, 1, out);
        out += ')';
        return;
      case ExprKind::TupleComp:
        out += "tuple(";
        print(p_.child(e, 0), kCond, out);
        out += fmt::format(" for {} in ", e.name);
        print(p_.child(e, 1), kCond, out);
        out += ')';
        return;
    }
  }

  const Program& p_;
};

std::string tasks_text(const TaskSel& t) {
  if (t.any) return "*";
  std::string out;
  for (std::size_t i = 0; i < t.names.size(); ++i) {
    if (i) out += ',';
    out += t.names[i].text;
  }
  return out;
}

std::string names_text(const std::vector<Name>& ns) {
  std::string out;
  for (std::size_t i = 0; i < ns.size(); ++i) {
    if (i) out += ',';
    out += ns[i].text;
  }
  return out;
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
  // Emits the statements of one block with the comments that fall between them.
  void print_block(const std::vector<Stmt>& stmts, int indent, std::uint32_t block_end) {
    for (std::size_t i = 0; i < stmts.size(); ++i) {
      const Stmt& s = stmts[i];
      flush_comments_before(s.loc.offset, indent);
      blank_line_if_gap(s.loc.line);
      out_.append(static_cast<std::size_t>(indent), ' ');
      print_stmt(s, indent);
      last_line_ = s.end.line;
      // In "x = 1; y = 2;  # c" the comment belongs to the statement after it, not to x.
      trailing_comment(s.end, i + 1 < stmts.size() ? stmts[i + 1].loc.offset : block_end);
      out_ += '\n';
    }
  }

  void blank_line_if_gap(std::uint32_t line) {
    if (last_line_ != 0 && line > last_line_ + 1 && !out_.empty()) out_ += '\n';
  }

  void flush_comments_before(std::uint32_t offset, int indent) {
    while (next_comment_ < p_.comments.size() && p_.comments[next_comment_].loc.offset < offset) {
      const Comment& c = p_.comments[next_comment_++];
      blank_line_if_gap(c.loc.line);
      out_.append(static_cast<std::size_t>(indent), ' ');
      out_ += c.text;
      out_ += '\n';
      last_line_ = c.loc.line;
    }
  }

  // Comments on the statement's last line stay at the end of that line. Comments inside a
  // multi-line statement (not a function) move there too, joined in order.
  void trailing_comment(SourceLoc end, std::uint32_t before) {
    while (next_comment_ < p_.comments.size() && p_.comments[next_comment_].loc.line <= end.line &&
           p_.comments[next_comment_].loc.offset < before) {
      out_ += "  ";
      out_ += p_.comments[next_comment_++].text;
    }
  }

  void print_stmt(const Stmt& s, int indent) {
    switch (s.kind) {
      case StmtKind::Task:
        out_ += fmt::format("Task {} {};", tasks_text(s.tasks), names_text(s.kinds));
        return;
      case StmtKind::Region:
        out_ += fmt::format("Region {} {} {} {};", tasks_text(s.tasks), region_text(s.region),
                            s.proc.text, names_text(s.kinds));
        return;
      case StmtKind::Layout:
        out_ +=
            fmt::format("Layout {} {} {}", tasks_text(s.tasks), region_text(s.region), s.proc.text);
        for (const LayoutItem& l : s.layout) {
          out_ += ' ';
          out_ += to_string(l.word);
          if (l.word == LayoutWord::Align) out_ += fmt::format("{}{}", op_text(l.cmp), l.value);
        }
        out_ += ';';
        return;
      case StmtKind::InstanceLimit:
        if (s.old_form) {
          out_ += fmt::format("InstanceLimit {} {} {};", tasks_text(s.tasks), s.proc.text, s.limit);
        } else {
          out_ += fmt::format("InstanceLimit {} {};", tasks_text(s.tasks), s.limit);
        }
        return;
      case StmtKind::CollectMemory:
        out_ += fmt::format("CollectMemory {} {};", tasks_text(s.tasks), region_text(s.region));
        return;
      case StmtKind::IndexTaskMap:
        out_ += fmt::format("IndexTaskMap {} {};", tasks_text(s.tasks), s.name.text);
        return;
      case StmtKind::SingleTaskMap:
        out_ += fmt::format("SingleTaskMap {} {};", tasks_text(s.tasks), s.name.text);
        return;
      case StmtKind::ControlReplicate:
        out_ += fmt::format("ControlReplicate {};", tasks_text(s.tasks));
        return;
      case StmtKind::Assign:
        out_ += fmt::format("{} = ", s.name.text);
        exprs_.print(s.value, kCond, out_);
        out_ += ';';
        return;
      case StmtKind::Return:
        out_ += "return ";
        exprs_.print(s.value, kCond, out_);
        out_ += ';';
        return;
      case StmtKind::Print:
        out_ += fmt::format("print(\"{}\"", s.format);
        for (ExprId a : s.args) {
          out_ += ", ";
          exprs_.print(a, kCond, out_);
        }
        out_ += ");";
        return;
      case StmtKind::Def: {
        out_ += fmt::format("def {}(", s.name.text);
        for (std::size_t i = 0; i < s.params.size(); ++i) {
          out_ +=
              fmt::format("{}{} {}", i ? ", " : "", s.params[i].type.text, s.params[i].name.text);
        }
        out_ += ") {";
        // A comment on the head line stays there. Blank lines in the body count from the line
        // of the '{', which may stand on a line of its own.
        last_line_ = std::max(s.loc.line, brace_line(s));
        std::uint32_t head_line = s.body.empty() ? s.end.line : s.body.front().loc.line;
        while (next_comment_ < p_.comments.size() &&
               p_.comments[next_comment_].loc.line == s.loc.line &&
               p_.comments[next_comment_].loc.line < head_line) {
          out_ += "  ";
          out_ += p_.comments[next_comment_++].text;
        }
        out_ += '\n';
        print_block(s.body, indent + 2, s.end.offset);
        flush_comments_before(s.end.offset, indent + 2);
        out_.append(static_cast<std::size_t>(indent), ' ');
        out_ += '}';
        return;
      }
    }
  }

  /// The line of the '{' that opens a function body. Between the last name of the head and
  /// the brace there are only blanks, parentheses and comments.
  std::uint32_t brace_line(const Stmt& s) const {
    if (!p_.source) return s.loc.line;
    const std::string& t = p_.source->text();
    const Name& last = s.params.empty() ? s.name : s.params.back().name;
    std::size_t i = last.loc.offset + last.text.size();
    while (i < t.size() && t[i] != '{') {
      if (t[i] == '#' || (t[i] == '/' && i + 1 < t.size() && t[i + 1] == '/')) {
        while (i < t.size() && t[i] != '\n')
          ++i;
      } else {
        ++i;
      }
    }
    return p_.source->loc_at(static_cast<std::uint32_t>(i)).line;
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
