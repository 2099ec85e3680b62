#include "dsl/published.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/lexer.h"
#include "util/kinds.h"

namespace mapsmith::dsl {

namespace {

// Words the published scanner turns into tokens of their own, which mapsmith reads as ordinary
// names: none of them can name a task, a region, a variable, a function or a parameter there.
// (Its other reserved words, Task ... print, are keywords in mapsmith too.)
constexpr std::array<std::string_view, 42> kReserved = {
    "size",       "split",        "merge",  "swap",   "slice",   "reverse", "balance_split",
    "auto_split", "greedy_split", "volume", "has",    "len",     "ipoint",  "ispace",
    "parent",     "processor",    "CPU",    "GPU",    "IO",      "PY",      "PROC",
    "OMP",        "SYSMEM",       "FBMEM",  "RDMEM",  "ZCMEM",   "SOCKMEM", "VIRTUAL",
    "F_order",    "C_order",      "AOS",    "SOA",    "Compact", "Align",   "Exact",
    "int",        "bool",         "IPoint", "ISpace", "MSpace",  "tuple",   "Machine"};

// The members the published grammar can name after '.' (its Prop rule).
constexpr std::array<std::string_view, 16> kMembers = {
    "size",         "split",  "merge", "swap", "slice",  "reverse", "balance_split", "auto_split",
    "greedy_split", "volume", "has",   "len",  "ipoint", "ispace",  "parent",        "processor"};

bool reserved(std::string_view w) {
  // `Machine` is an ordinary name in the published grammar outside expressions.
  return w != "Machine" && std::find(kReserved.begin(), kReserved.end(), w) != kReserved.end();
}

bool is_kind(std::string_view w) {
  return parse_proc_kind(w) || parse_mem_kind(w);
}

class PublishedCheck {
 public:
  PublishedCheck(const Program& p, Diagnostics& diags) : p_(p), diags_(diags) {}

  void run() {
    if (p_.stmts.empty()) {
      // The published grammar needs one statement at least; its parser reports the end of the
      // file, on the line after the last newline.
      warn_at(p_.source->loc_at(static_cast<std::uint32_t>(p_.source->text().size())),
              "the published DSL mapper rejects a program without statements",
              "add a statement, for example: Task * CPU;");
    }
    raw_text();
    tokens();
    for (const Stmt& s : p_.stmts)
      statement(s);
    // In the order of the file, as its parser would meet them.
    std::stable_sort(found_.begin(), found_.end(),
                     [](const Found& a, const Found& b) { return a.at.offset < b.at.offset; });
    for (Found& f : found_)
      diags_.warning(*p_.source, f.at, std::move(f.msg), std::move(f.hint));
  }

 private:
  struct Found {
    SourceLoc at;
    std::string msg, hint;
  };

  void warn_at(SourceLoc loc, std::string msg, std::string hint = {}) {
    found_.push_back(Found{loc, std::move(msg), std::move(hint)});
  }
  void warn(std::uint32_t pos, std::string msg, std::string hint = {}) {
    warn_at(p_.loc(pos), std::move(msg), std::move(hint));
  }

  void name(const Name& n, std::string_view what) {
    if (!reserved(n.text)) return;
    warn(n.pos,
         fmt::format("the published DSL mapper rejects '{}' as {}: it is a reserved word of its "
                     "grammar",
                     n.text, what),
         "choose another name");
  }

  /// Characters its scanner does not know: a form feed or a vertical tab (its white space is
  /// space, tab, carriage return and bell).
  void raw_text() {
    const std::string& t = p_.source->text();
    std::size_t at = t.find_first_of("\f\v");
    if (at == std::string::npos) return;
    warn(static_cast<std::uint32_t>(at),
         fmt::format("the published DSL mapper rejects a {} character",
                     t[at] == '\f' ? "form feed" : "vertical tab"),
         "replace it with a space or a newline");
  }

  /// What only the tokens show: empty statements, a trailing comma, `()`, `!`, escapes.
  void tokens() {
    Diagnostics scratch;  // the program lexed cleanly once already
    Lexer lexer(*p_.source, scratch);
    Token before2, before;
    before.kind = Tok::End;
    before2.kind = Tok::End;
    bool first = true;
    int parens = 0;
    for (Token t = lexer.next(); t.kind != Tok::End; t = lexer.next()) {
      const bool starts = first || before.kind == Tok::Semi || before.kind == Tok::LBrace ||
                          before.kind == Tok::RBrace;
      if (t.kind == Tok::Semi && starts) {
        warn_at(t.loc,
                before.kind == Tok::RBrace && parens == 0
                    ? "the published DSL mapper rejects ';' after a function definition"
                    : "the published DSL mapper rejects an empty statement (a ';' alone)",
                "delete the ';'");
      }
      if (t.kind == Tok::RParen && before.kind == Tok::Comma) {
        warn_at(before.loc, "the published DSL mapper rejects a trailing comma: (a,) or f(a,)",
                "a tuple of one element cannot be written there; use the value itself, or "
                "t[0:1] to take one element of a tuple t");
      }
      if (t.kind == Tok::RParen && before.kind == Tok::LParen && !def_params_) {
        if (before2.kind == Tok::Ident) {
          warn_at(before.loc, "the published DSL mapper rejects a call without arguments",
                  "give the function a parameter and pass it a value");
        } else {
          warn_at(before.loc, "the published DSL mapper rejects an empty tuple '()'");
        }
      }
      if (t.kind == Tok::Bang) {
        warn_at(t.loc, "the published DSL mapper rejects '!' (it has no logical not)",
                "write the comparison the other way (a == b for !(a != b)), or c ? False : True");
      }
      if (t.kind == Tok::String && t.text.find('\\') != std::string_view::npos) {
        warn_at(t.loc,
                "the published DSL mapper does not decode escapes in a string: a '\\' is printed "
                "as written, and \\\" ends the string there",
                "remove the backslash");
      }
      if (t.kind == Tok::LParen) ++parens;
      if (t.kind == Tok::RParen) --parens;
      if (t.kind == Tok::LParen)
        def_params_ = before.kind != Tok::End && before2.kind == Tok::KwDef;
      before2 = before;
      before = t;
      first = false;
    }
  }

  void tasks(const Stmt& s, std::string_view stmt, bool list_ok, bool star_ok) {
    TaskSel sel = p_.tasks(s);
    if (sel.any && !star_ok) {
      warn(s.begin,
           fmt::format("the published DSL mapper rejects '{} *': it takes task names only", stmt),
           fmt::format("name the tasks: {} task1,task2 ...", stmt));
    }
    if (!sel.any && sel.names.size() > 1 && !list_ok) {
      warn(sel.names[1].pos,
           fmt::format("the published DSL mapper rejects a list of tasks in {}: it takes one task "
                       "or '*'",
                       stmt),
           "write one statement per task");
    }
    for (const Name& n : sel.names)
      name(n, "a task name");
  }

  void region(const Stmt& s, std::string_view stmt, bool index_ok) {
    RegionSel r = p_.region(s);
    if (r.kind == RegionSel::Kind::Named) name(r.name, "a region name");
    if (r.kind == RegionSel::Kind::Index && !index_ok) {
      warn(r.pos,
           fmt::format("the published DSL mapper rejects a region index in {}: it takes a "
                       "region name or '*'",
                       stmt),
           "name the region (the published mapper then needs -tm:use_semantic_name)");
    }
  }

  void statement(const Stmt& s) {
    switch (s.kind) {
      case StmtKind::Task:
        tasks(s, "Task", true, true);
        break;
      case StmtKind::Region:
        tasks(s, "Region", false, true);
        region(s, "Region", true);
        break;
      case StmtKind::Layout: {
        tasks(s, "Layout", false, true);
        region(s, "Layout", false);
        Name k = p_.proc(s);
        if (parse_proc_kind(k.text)) {
          warn(k.pos,
               fmt::format("the published DSL mapper rejects a processor kind ({}) as the third "
                           "field of Layout: it takes a memory kind or '*'",
                           k.text),
               "name the memory the instances are in, for example FBMEM for a GPU, or '*'");
        }
        for (const LayoutItem& l : p_.layout(s)) {
          if (l.word == LayoutWord::No_Align) {
            warn(l.pos, "the published DSL mapper rejects No_Align",
                 "leave it out: without Align there is no alignment constraint");
          }
        }
        break;
      }
      case StmtKind::InstanceLimit:
        tasks(s, "InstanceLimit", false, false);
        if (s.old_form()) {
          warn(p_.proc(s).pos, "the published DSL mapper rejects a processor kind in InstanceLimit",
               fmt::format("write: InstanceLimit TASK {};", p_.limit(s)));
        }
        break;
      case StmtKind::CollectMemory:
        tasks(s, "CollectMemory", false, true);
        region(s, "CollectMemory", false);
        break;
      case StmtKind::IndexTaskMap:
      case StmtKind::SingleTaskMap: {
        const std::string_view stmt =
            s.kind == StmtKind::IndexTaskMap ? "IndexTaskMap" : "SingleTaskMap";
        TaskSel sel = p_.tasks(s);
        if (sel.any) {
          warn(s.begin,
               fmt::format("the published DSL mapper never applies '{} *': it looks a task up by "
                           "its name and then by CPU, GPU or OMP only",
                           stmt),
               fmt::format("name the tasks, or the processor kind: {} GPU {};", stmt,
                           p_.name(s).text));
        } else if (sel.names.size() == 1 && parse_proc_kind(sel.names[0].text)) {
          auto k = *parse_proc_kind(sel.names[0].text);
          if (k != ProcKind::CPU && k != ProcKind::GPU && k != ProcKind::OMP) {
            warn(sel.names[0].pos,
                 fmt::format("the published DSL mapper rejects '{} {}': its kind form takes CPU, "
                             "GPU or OMP only",
                             stmt, sel.names[0].text),
                 "name the tasks instead");
          }
        } else {
          for (const Name& n : sel.names)
            name(n, "a task name");
        }
        name(p_.name(s), "a function name");
        break;
      }
      case StmtKind::ControlReplicate:
        tasks(s, "ControlReplicate", true, false);
        break;
      case StmtKind::Assign:
        name(p_.name(s), "a variable name");
        expr(p_.value(s));
        break;
      case StmtKind::Def:
        name(p_.name(s), "a function name");
        for (const Param& prm : p_.params(s))
          name(prm.name, "a parameter name");
        for (const Stmt& b : p_.body(s))
          statement(b);
        break;
      case StmtKind::Return:
        expr(p_.value(s));
        break;
      case StmtKind::Print:
        for (ExprId a : p_.args(s))
          expr(a);
        break;
    }
  }

  void expr(ExprId id) {
    if (id == kNoExpr) return;
    const Expr& e = p_.expr(id);
    switch (e.kind()) {
      case ExprKind::Name:
        // Kinds are values in its expressions (Machine(GPU), m.has(FBMEM)).
        if (!is_kind(p_.name(e))) name(p_.name_of(e), "a variable name");
        break;
      case ExprKind::Call: {
        const Name n = p_.name_of(e);
        if (n.text == "len" || n.text == "min" || n.text == "max" || n.text == "abs") {
          warn(n.pos, fmt::format("the published DSL mapper has no built-in {}()", n.text),
               n.text == "len" ? "write t.len" : "define it with def, or write it with ?:");
        } else {
          name(n, "a function name");
        }
        break;
      }
      case ExprKind::Attr:
      case ExprKind::Method: {
        const Name n = p_.name_of(e);
        if (std::find(kMembers.begin(), kMembers.end(), n.text) == kMembers.end()) {
          warn(n.pos, fmt::format("the published DSL mapper has no member '{}'", n.text),
               n.text == "decompose" ? "write auto_split: it is the same transformation"
                                     : std::string());
        }
        break;
      }
      case ExprKind::TupleComp:
        name(p_.name_of(e), "a loop variable");
        break;
      case ExprKind::Cond: {
        // Its grammar groups a ? b : c ? d : e as (a ? b : c) ? d : e.
        const ExprId other = p_.child(e, 2);
        if (p_.expr(other).kind() == ExprKind::Cond && !parenthesised(e.pos(), other)) {
          warn(p_.expr(other).pos(),
               "the published DSL mapper reads a ? b : c ? d : e as (a ? b : c) ? d : e",
               "put the inner conditional in parentheses: a ? b : (c ? d : e)");
        }
        break;
      }
      default:
        break;
    }
    const std::uint32_t n = p_.arity(e);
    for (std::uint32_t i = 0; i < n; ++i)
      expr(p_.child(e, i));
  }

  /// Whether the conditional whose '?' is at `inner` is inside parentheses opened after the
  /// outer '?' at `outer`: more '(' than ')' between the two.
  bool parenthesised(std::uint32_t outer, ExprId inner) const {
    const std::string& t = p_.source->text();
    int depth = 0;
    for (std::uint32_t i = outer; i < p_.expr(inner).pos() && i < t.size(); ++i) {
      if (t[i] == '(') ++depth;
      if (t[i] == ')') --depth;
    }
    return depth > 0;
  }

  const Program& p_;
  Diagnostics& diags_;
  std::vector<Found> found_;
  bool def_params_ = false;  // the last '(' opened the parameters of a def
};

}  // namespace

void check_published(const Program& p, Diagnostics& diags) {
  PublishedCheck(p, diags).run();
}

}  // namespace mapsmith::dsl
