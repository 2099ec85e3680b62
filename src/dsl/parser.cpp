#include "dsl/parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <span>

#include "dsl/lexer.h"
#include "util/error.h"
#include "util/kinds.h"

namespace mapsmith::dsl {

namespace {

constexpr std::array<std::pair<std::string_view, LayoutWord>, 8> kLayoutWords = {{
    {"SOA", LayoutWord::SOA},
    {"AOS", LayoutWord::AOS},
    {"C_order", LayoutWord::C_order},
    {"F_order", LayoutWord::F_order},
    {"Compact", LayoutWord::Compact},
    {"Exact", LayoutWord::Exact},
    {"Align", LayoutWord::Align},
    {"No_Align", LayoutWord::No_Align},
}};

std::optional<LayoutWord> layout_word(std::string_view s) {
  for (const auto& [text, w] : kLayoutWords)
    if (text == s) return w;
  return std::nullopt;
}

/// Thrown to abandon the current statement after a syntax error was reported; caught at the
/// statement level, where the parser skips to the next statement.
struct SyntaxError {};

class Parser {
 public:
  Parser(SourcePtr source, Diagnostics& diags)
      : src_(*source), diags_(diags), lexer_(src_, diags_, &prog_.comments) {
    prog_.source = std::move(source);
    next_token();
  }

  Program run() {
    while (!at(Tok::End) && !diags_.saturated()) {
      try {
        parse_top_statement();
      } catch (const SyntaxError&) {
        recover();
      }
    }
    return std::move(prog_);
  }

 private:
  // ---- token helpers ----
  const Token& peek() const { return cur_; }
  bool at(Tok t) const { return cur_.kind == t; }
  /// Consumes the current token and returns it (valid until the next advance).
  const Token& advance() {
    prev_ = cur_;
    if (cur_.kind != Tok::End) next_token();
    ++pos_;
    return prev_;
  }
  void next_token() {
    std::size_t errors = diags_.error_count();
    cur_ = lexer_.next();
    after_lex_error_ = diags_.error_count() != errors;
  }
  bool accept(Tok t) {
    if (!at(t)) return false;
    advance();
    return true;
  }
  const Token& prev() const { return prev_; }

  /// The location just after the previous token: where a missing ';' belongs.
  SourceLoc after_prev() const {
    const Token& p = prev();
    SourceLoc l = p.loc;
    std::uint32_t len = static_cast<std::uint32_t>(p.text.size());
    if (p.kind == Tok::String) len += 2;
    l.col += len;
    l.offset += len;
    return l;
  }

  [[noreturn]] void fail(SourceLoc loc, std::string message, std::string hint = {}) {
    diags_.error(src_, loc, std::move(message), std::move(hint));
    throw SyntaxError{};
  }

  std::string found() const {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::End:
        return "end of file";
      case Tok::Ident:
        return fmt::format("'{}'", t.text);
      case Tok::Int:
        return fmt::format("the number {}", t.text);
      case Tok::String:
        return "a string";
      default:
        return std::string(describe(t.kind));
    }
  }

  [[noreturn]] void expected(std::string_view what, std::string hint = {}) {
    // Right after a stray character or an unterminated string, the lexer has said what is
    // wrong; "expected X, found Y" would only repeat it in other words.
    if (after_lex_error_) throw SyntaxError{};
    fail(peek().loc, fmt::format("expected {}, found {}", what, found()), std::move(hint));
  }

  void expect(Tok t, std::string_view context) {
    if (accept(t)) return;
    expected(fmt::format("{} {}", describe(t), context));
  }

  /// Every statement ends with ';'. A missing one is reported right after the previous token,
  /// where the user must type it.
  void expect_semi(std::string_view what) {
    if (accept(Tok::Semi)) return;
    if (peek().loc.line != prev().loc.line || at(Tok::End) || at(Tok::RBrace)) {
      fail(after_prev(), fmt::format("missing ';' after {}", what),
           "every statement ends with ';'");
    }
    expected(fmt::format("';' to end {}", what));
  }

  /// A name just parsed, with its place for messages.
  struct Word {
    std::string_view text;
    SourceLoc loc;
  };

  Word ident(std::string_view what) {
    if (!at(Tok::Ident)) {
      std::string hint;
      if (peek().kind >= Tok::KwTask && peek().kind <= Tok::KwMachine)
        hint = fmt::format("{} is a keyword and cannot be used as a name", describe(peek().kind));
      expected(what, hint);
    }
    const Token& t = advance();
    return Word{t.text, t.loc};
  }

  // ---- the program's arrays ----

  /// Makes room for `more` elements in one of the program's arrays. Doubling would leave a large
  /// mapper with up to half of each array unused, and would hold the old and the new array at
  /// once when it grows near the end of the input. Once an eighth of the input is read, reserve
  /// instead what the density so far predicts for the whole input, plus a sixteenth.
  template <typename T>
  void reserve_more(std::vector<T>& v, std::size_t more = 1) {
    std::size_t need = v.size() + more;
    if (need <= v.capacity()) return;
    std::size_t cap = std::max<std::size_t>(2 * v.capacity(), 64);
    double done = static_cast<double>(peek().loc.offset) / static_cast<double>(src_.text().size());
    if (done >= 0.125) cap = static_cast<std::size_t>(static_cast<double>(need) / done * 1.0625);
    v.reserve(std::max(cap, need + need / 16));
  }

  /// Appends a name's offset to the current statement's list of names.
  void push_name(std::uint32_t pos) {
    reserve_more(prog_.names);
    prog_.names.push_back(pos);
  }

  /// Skips to just after the next ';' or '}' at the current nesting, or to a token that can
  /// only start a statement.
  void recover() {
    int depth = 0;
    while (!at(Tok::End)) {
      Tok k = peek().kind;
      if (depth == 0 && pos_ > 0 && is_statement_keyword(k) && peek().loc.line != prev().loc.line)
        return;
      advance();
      if (k == Tok::LBrace || k == Tok::LParen || k == Tok::LBracket) ++depth;
      if (k == Tok::RParen || k == Tok::RBracket) depth = depth > 0 ? depth - 1 : 0;
      if (k == Tok::RBrace) {
        if (depth <= 1) return;
        --depth;
      }
      if (k == Tok::Semi && depth == 0) return;
    }
  }

  static bool is_statement_keyword(Tok k) {
    return (k >= Tok::KwTask && k <= Tok::KwDef) || k == Tok::KwPrint;
  }

  // ---- statements ----

  // statement := task | region | layout | instance_limit | collect_memory | index_task_map
  //            | single_task_map | control_replicate | def | print | IDENT '=' expr ';'
  void parse_top_statement() {
    Stmt s;
    s.begin = peek().loc.offset;
    heights_.clear();
    scratch_.clear();
    first_expr_ = static_cast<ExprId>(prog_.exprs.size());
    switch (peek().kind) {
      case Tok::KwTask:
        parse_task(s);
        break;
      case Tok::KwRegion:
        parse_region(s);
        break;
      case Tok::KwLayout:
        parse_layout(s);
        break;
      case Tok::KwInstanceLimit:
        parse_instance_limit(s);
        break;
      case Tok::KwCollectMemory:
        parse_collect_memory(s);
        break;
      case Tok::KwIndexTaskMap:
        parse_task_map(s, StmtKind::IndexTaskMap);
        break;
      case Tok::KwSingleTaskMap:
        parse_task_map(s, StmtKind::SingleTaskMap);
        break;
      case Tok::KwControlReplicate:
        parse_control_replicate(s);
        break;
      case Tok::KwDef:
        parse_def(s);
        break;
      case Tok::KwPrint:
        parse_print(s);
        break;
      case Tok::Ident:
        parse_assign(s);
        break;
      case Tok::Semi:
        advance();
        return;  // an empty statement; fmt drops it
      case Tok::KwReturn:
        fail(peek().loc, "'return' outside a function",
             "'return' can only appear in the body of a 'def'");
      default:
        expected("a statement",
                 "a statement starts with Task, Region, Layout, InstanceLimit, CollectMemory, "
                 "IndexTaskMap, SingleTaskMap, ControlReplicate, def, print or a name to assign");
    }
    s.end = prev().loc.offset;
    reserve_more(prog_.stmts);
    prog_.stmts.push_back(s);
  }

  // tasks := '*' | IDENT (',' IDENT)*
  // The names go to the program's list of names from s.a on; s.b counts them.
  void parse_tasks(Stmt& s) {
    s.a = static_cast<std::uint32_t>(prog_.names.size());
    if (accept(Tok::Star)) {
      s.flags |= Stmt::kAnyTask;
      return;
    }
    push_name(ident("a task name or '*'").loc.offset);
    while (accept(Tok::Comma))
      push_name(ident("a task name after ','").loc.offset);
    s.b = static_cast<std::uint32_t>(prog_.names.size()) - s.a;
  }

  // kind_list := IDENT (',' IDENT)*
  // Returns the number of names added to the program's list of names.
  std::uint32_t parse_kind_list(std::string_view what) {
    std::uint32_t n = 1;
    push_name(ident(what).loc.offset);
    for (; accept(Tok::Comma); ++n)
      push_name(ident(what).loc.offset);
    return n;
  }

  // task := 'Task' tasks kind_list ';'
  void parse_task(Stmt& s) {
    advance();
    s.kind = StmtKind::Task;
    parse_tasks(s);
    if (at(Tok::Semi))
      expected("a processor kind list",
               "write the kinds in priority order, for example: Task * GPU,CPU;");
    s.c = parse_kind_list("a processor kind");
    expect_semi("the Task statement");
  }

  // region_sel := '*' | IDENT | INT
  void parse_region_sel(Stmt& s) {
    push_name(peek().loc.offset);
    RegionSel::Kind kind = RegionSel::Kind::Named;
    if (accept(Tok::Star)) {
      kind = RegionSel::Kind::Any;
    } else if (at(Tok::Int)) {
      advance();
      kind = RegionSel::Kind::Index;
    } else {
      ident("a region name, a region index or '*'");
    }
    s.flags |= static_cast<std::uint8_t>(static_cast<unsigned>(kind) << Stmt::kRegionShift);
  }

  void parse_proc_or_star(Stmt& s, std::string_view what) {
    if (at(Tok::Star)) {
      s.flags |= Stmt::kAnyProc;
      push_name(advance().loc.offset);
      return;
    }
    push_name(ident(what).loc.offset);
  }

  // region := 'Region' tasks region_sel (PROC | '*') kind_list ';'
  void parse_region(Stmt& s) {
    advance();
    s.kind = StmtKind::Region;
    parse_tasks(s);
    parse_region_sel(s);
    parse_proc_or_star(s, "a processor kind or '*'");
    if (at(Tok::Semi)) expected("a memory kind list", "for example: Region * * GPU FBMEM,ZCMEM;");
    s.c = parse_kind_list("a memory kind");
    expect_semi("the Region statement");
  }

  // layout := 'Layout' tasks region_sel (KIND | '*') constraint+ ';'
  // constraint := SOA | AOS | C_order | F_order | Compact | Exact | No_Align
  //             | Align ('==' | '!=' | '<' | '<=' | '>' | '>=') INT
  void parse_layout(Stmt& s) {
    advance();
    s.kind = StmtKind::Layout;
    parse_tasks(s);
    parse_region_sel(s);
    parse_proc_or_star(s, "a processor kind, a memory kind or '*'");
    s.c = static_cast<std::uint32_t>(prog_.layout_items.size());
    while (at(Tok::Ident)) {
      const Token& t = advance();
      auto w = layout_word(t.text);
      if (!w) {
        fail(t.loc, fmt::format("unknown layout constraint '{}'", t.text),
             "layout constraints are SOA, AOS, C_order, F_order, Compact, Exact, "
             "Align OP N and No_Align");
      }
      LayoutItem item{*w, Op::None, t.loc.offset, 0};
      if (*w == LayoutWord::Align) {
        Tok k = peek().kind;
        switch (k) {
          case Tok::EqEq:
            item.cmp = Op::Eq;
            break;
          case Tok::Ne:
            item.cmp = Op::Ne;
            break;
          case Tok::Lt:
            item.cmp = Op::Lt;
            break;
          case Tok::Le:
            item.cmp = Op::Le;
            break;
          case Tok::Gt:
            item.cmp = Op::Gt;
            break;
          case Tok::Ge:
            item.cmp = Op::Ge;
            break;
          default:
            expected("a comparison after Align", "for example: Align==128");
        }
        advance();
        if (!at(Tok::Int)) expected("a byte count after the comparison", "for example: Align==128");
        item.value = advance().value;
      }
      reserve_more(prog_.layout_items);
      prog_.layout_items.push_back(item);
    }
    s.d = static_cast<std::uint32_t>(prog_.layout_items.size()) - s.c;
    expect_semi("the Layout statement");
  }

  // instance_limit := 'InstanceLimit' tasks [PROC] INT ';'
  void parse_instance_limit(Stmt& s) {
    advance();
    s.kind = StmtKind::InstanceLimit;
    parse_tasks(s);
    if (at(Tok::Ident)) {
      s.flags |= Stmt::kOldForm;
      push_name(ident("a processor kind").loc.offset);
    }
    if (!at(Tok::Int)) expected("the instance count", "for example: InstanceLimit my_task 4;");
    s.c = advance().loc.offset;
    expect_semi("the InstanceLimit statement");
  }

  // collect_memory := 'CollectMemory' tasks region_sel ';'
  void parse_collect_memory(Stmt& s) {
    advance();
    s.kind = StmtKind::CollectMemory;
    parse_tasks(s);
    parse_region_sel(s);
    expect_semi("the CollectMemory statement");
  }

  // task_map := ('IndexTaskMap' | 'SingleTaskMap') tasks IDENT ';'
  void parse_task_map(Stmt& s, StmtKind kind) {
    advance();
    s.kind = kind;
    parse_tasks(s);
    if (at(Tok::Semi)) {
      expected("the name of a function after the task list",
               "for example: IndexTaskMap my_task block1d;");
    }
    Word name = ident("the name of a mapping function");
    s.c = name.loc.offset;
    if (kind == StmtKind::IndexTaskMap && at(Tok::Ident)) {
      // The 2022 form named a machine space and a function taking (IPoint, ISpace, MSpace).
      fail(name.loc,
           fmt::format("the old form 'IndexTaskMap TASKS MSPACE FUNCTION' is no longer accepted"),
           fmt::format("index the machine space inside the function and drop it here: "
                       "def {}(Task task) {{ ... return {}[...]; }} then "
                       "IndexTaskMap {} {};",
                       peek().text, name.text, tasks_text(s), peek().text));
    }
    expect_semi(kind == StmtKind::IndexTaskMap ? "the IndexTaskMap statement"
                                               : "the SingleTaskMap statement");
  }

  std::string tasks_text(const Stmt& s) const {
    if (s.any_task()) return "*";
    std::string out;
    for (std::uint32_t i = 0; i < s.b; ++i)
      out +=
          fmt::format("{}{}", out.empty() ? "" : ",", word_at(src_.text(), prog_.names[s.a + i]));
    return out;
  }

  // control_replicate := 'ControlReplicate' tasks ';'
  void parse_control_replicate(Stmt& s) {
    advance();
    s.kind = StmtKind::ControlReplicate;
    parse_tasks(s);
    expect_semi("the ControlReplicate statement");
  }

  /// Statement words of the 2022 drafts of the language, with what replaced them.
  static std::string_view old_statement(std::string_view w) {
    if (w == "task_default") return "Task * KINDS;";
    if (w == "region_default") return "Region * * PROC MEMORIES;";
    if (w == "task" || w == "taskdefault") return "Task TASKS KINDS;";
    if (w == "region") return "Region TASKS REGION PROC MEMORIES;";
    if (w == "IndexTaskMap_Default") return "IndexTaskMap * FUNCTION;";
    return {};
  }

  // assign := IDENT '=' expr ';'
  void parse_assign(Stmt& s) {
    s.kind = StmtKind::Assign;
    Word name = ident("a name");
    s.c = name.loc.offset;
    if (!at(Tok::Assign) && !old_statement(name.text).empty()) {
      fail(name.loc,
           fmt::format("'{}' is a statement of an old version of the language", name.text),
           fmt::format("write it as: {}", old_statement(name.text)));
    }
    if (!at(Tok::Assign)) {
      if (at(Tok::Ident) || at(Tok::Star)) {
        fail(name.loc, fmt::format("unknown statement '{}'", name.text),
             "statements start with Task, Region, Layout, InstanceLimit, CollectMemory, "
             "IndexTaskMap, SingleTaskMap, ControlReplicate, def or print");
      }
      expected(fmt::format("'=' after '{}'", name.text));
    }
    advance();
    s.d = parse_expr();
    expect_semi("the assignment");
  }

  // print := 'print' '(' STRING (',' expr)* ')' ';'
  void parse_print(Stmt& s) {
    advance();
    s.kind = StmtKind::Print;
    expect(Tok::LParen, "after print");
    if (!at(Tok::String)) expected("a format string", "for example: print(\"x = {}\", x);");
    std::string_view format = advance().text;
    s.c = static_cast<std::uint32_t>(format.data() - src_.text().data());
    s.d = static_cast<std::uint32_t>(format.size());
    std::size_t base = scratch_.size();
    while (accept(Tok::Comma))
      scratch_.push_back(parse_expr());
    s.a = static_cast<std::uint32_t>(prog_.operands.size());
    s.b = static_cast<std::uint32_t>(scratch_.size() - base);
    move_scratch_to_operands(base);
    expect(Tok::RParen, "to close print(...)");
    expect_semi("the print statement");
  }

  // def := 'def' IDENT '(' [param (',' param)*] ')' '{' body_stmt* '}'
  // param := TYPE IDENT
  // body_stmt := IDENT '=' expr ';' | 'return' expr ';' | print
  void parse_def(Stmt& s) {
    advance();
    s.kind = StmtKind::Def;
    Word name = ident("the function's name");
    s.a = static_cast<std::uint32_t>(prog_.names.size());
    push_name(name.loc.offset);
    expect(Tok::LParen, "after the function's name");
    if (!at(Tok::RParen)) {
      do {
        Word type;
        if (at(Tok::KwTask)) {
          // "Task" starts a statement elsewhere; here it is the type of a parameter.
          const Token& t = advance();
          type = Word{t.text, t.loc};
        } else {
          type = ident("a parameter type (int, bool, IPoint, ISpace, MSpace or Task)");
        }
        if (!at(Tok::Ident)) {
          expected(fmt::format("a parameter name after the type '{}'", type.text),
                   "parameters are written TYPE NAME, for example: def f(Task task)");
        }
        push_name(type.loc.offset);
        push_name(ident("a parameter name").loc.offset);
        ++s.b;
      } while (accept(Tok::Comma));
    }
    expect(Tok::RParen, "to close the parameter list");
    if (at(Tok::Colon)) {
      fail(peek().loc, "':' after a def head",
           "the body of a function is a block in braces: def f(Task t) { return ...; }");
    }
    if (!at(Tok::LBrace)) expected("'{' to open the function body");
    SourceLoc open = advance().loc;
    if (++depth_ > kMaxNesting) fail(open, "blocks nested too deeply");
    s.c = static_cast<std::uint32_t>(prog_.body_stmts.size());
    while (!at(Tok::RBrace)) {
      if (at(Tok::End)) {
        fail(open,
             fmt::format("unterminated block: '{{' of function '{}' is never closed", name.text),
             "add '}' after the last statement of the function");
      }
      if (at(Tok::KwDef)) {
        fail(peek().loc,
             fmt::format("missing '}}' before the next 'def': function '{}' opened "
                         "at line {} is never closed",
                         name.text, open.line),
             "add '}' after the last statement of the function");
      }
      try {
        parse_body_statement();
      } catch (const SyntaxError&) {
        recover_in_body();
      }
    }
    s.d = static_cast<std::uint32_t>(prog_.body_stmts.size()) - s.c;
    --depth_;
    advance();          // '}'
    accept(Tok::Semi);  // a stray ';' after '}' is harmless
  }

  void recover_in_body() {
    while (!at(Tok::End) && !at(Tok::RBrace) && !at(Tok::KwDef)) {
      if (advance().kind == Tok::Semi) return;
    }
  }

  void parse_body_statement() {
    Stmt s;
    s.begin = peek().loc.offset;
    scratch_.clear();
    switch (peek().kind) {
      case Tok::KwReturn:
        advance();
        s.kind = StmtKind::Return;
        s.d = parse_expr();
        expect_semi("the return statement");
        break;
      case Tok::KwPrint:
        parse_print(s);
        break;
      case Tok::Ident:
        parse_assign(s);
        break;
      case Tok::Semi:
        advance();
        return;
      default:
        if (is_statement_keyword(peek().kind)) {
          fail(peek().loc, fmt::format("{} cannot appear inside a function", describe(peek().kind)),
               "a function body holds assignments, print and return; close the function with "
               "'}' first");
        }
        expected("a statement in the function body (NAME = EXPR;, return EXPR; or print(...);)");
    }
    s.end = prev().loc.offset;
    reserve_more(prog_.body_stmts);
    prog_.body_stmts.push_back(s);
  }

  // ---- expressions ----
  // Precedence, lowest first:
  //   expr    := or ['?' expr ':' expr]
  //   or      := and ('||' and)*
  //   and     := eq ('&&' eq)*
  //   eq      := rel (('==' | '!=') rel)*
  //   rel     := add (('<' | '<=' | '>' | '>=') add)*
  //   add     := mul (('+' | '-') mul)*
  //   mul     := unary (('*' | '/' | '%') unary)*
  //   unary   := ('-' | '!') unary | postfix
  //   postfix := primary ('[' index ']' | '.' IDENT ['(' args ')'])*
  //   primary := INT | True | False | IDENT ['(' args ')'] | Machine '(' IDENT ')'
  //            | '(' ')' | '(' expr ')' | '(' item (',' item)* [','] ')'
  //            | tuple '(' expr for IDENT in expr ')'
  //   item    := '*' unary | expr      (an unpacked tuple inside a tuple or an index)

  /// Adds an expression whose `data` (see Expr) is already known; `kids` are its children, to
  /// bound the height of the tree.
  ExprId push_expr(ExprKind kind, Op op, SourceLoc loc, std::uint32_t data,
                   std::span<const ExprId> kids) {
    // A chain such as 1 + 1 + ... + 1 is parsed by a loop, not by recursion, but every later
    // stage walks the tree recursively: bound the height of the tree as well. Expressions only
    // refer to expressions of their own statement, so heights_ holds that statement's.
    std::uint32_t height = 1;
    for (ExprId k : kids)
      if (k != kNoExpr) height = std::max(height, heights_[k - first_expr_] + 1);
    if (height > kMaxNesting) {
      fail(loc, fmt::format("expression nested too deeply (more than {} levels)", kMaxNesting),
           "split the expression with intermediate variables");
    }
    static_assert(kMaxSourceBytes <= (std::size_t{1} << 24), "Expr keeps places in 24 bits");
    Expr e;
    e.head =
        loc.offset | static_cast<std::uint32_t>(op) << 24 | static_cast<std::uint32_t>(kind) << 28;
    e.data = data;
    reserve_more(prog_.exprs);
    prog_.exprs.push_back(e);
    heights_.push_back(height);
    return static_cast<ExprId>(prog_.exprs.size() - 1);
  }

  /// Int, Bool, Name, Wildcard, Machine.
  ExprId leaf(ExprKind kind, SourceLoc loc, std::uint32_t data = 0) {
    return push_expr(kind, Op::None, loc, data, {});
  }
  /// Unary, Unpack, Attr: `data` is the child.
  ExprId one(ExprKind kind, Op op, SourceLoc loc, ExprId kid) {
    return push_expr(kind, op, loc, kid, std::span(&kid, 1));
  }
  /// Binary, Cond, Slice, TupleComp: `data` is where the children start in operands.
  ExprId fixed(ExprKind kind, Op op, SourceLoc loc, std::initializer_list<ExprId> kids) {
    auto first = static_cast<std::uint32_t>(prog_.operands.size());
    reserve_more(prog_.operands, kids.size());
    prog_.operands.insert(prog_.operands.end(), kids.begin(), kids.end());
    return push_expr(kind, op, loc, first, std::span(kids.begin(), kids.size()));
  }
  /// Tuple, Index, Call, Method, from the children on scratch_ since `base`: `data` is where
  /// their number, then they, are in operands.
  ExprId list(ExprKind kind, SourceLoc loc, std::size_t base) {
    auto first = static_cast<std::uint32_t>(prog_.operands.size());
    reserve_more(prog_.operands);
    prog_.operands.push_back(static_cast<std::uint32_t>(scratch_.size() - base));
    std::span<const ExprId> kids(scratch_.data() + base, scratch_.size() - base);
    ExprId id = push_expr(kind, Op::None, loc, first, kids);
    move_scratch_to_operands(base);
    return id;
  }
  /// Appends scratch_ since `base` to operands and pops it.
  void move_scratch_to_operands(std::size_t base) {
    reserve_more(prog_.operands, scratch_.size() - base);
    prog_.operands.insert(prog_.operands.end(),
                          scratch_.begin() + static_cast<std::ptrdiff_t>(base), scratch_.end());
    scratch_.resize(base);
  }
  ExprId binary(Op op, SourceLoc loc, ExprId a, ExprId b) {
    return fixed(ExprKind::Binary, op, loc, {a, b});
  }

  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxNesting) {
        p.fail(p.peek().loc,
               fmt::format("expression nested too deeply (more than {} levels)", kMaxNesting),
               "split the expression with intermediate variables");
      }
    }
    ~DepthGuard() { --p.depth_; }
  };

  ExprId parse_expr() {
    DepthGuard guard(*this);
    ExprId c = parse_or();
    if (at(Tok::Question)) {
      SourceLoc loc = advance().loc;
      ExprId a = parse_expr();
      if (!at(Tok::Colon)) expected("':' in the conditional expression c ? a : b");
      advance();
      ExprId b = parse_expr();
      return fixed(ExprKind::Cond, Op::None, loc, {c, a, b});
    }
    return c;
  }

  ExprId parse_or() {
    ExprId l = parse_and();
    while (at(Tok::OrOr)) {
      SourceLoc loc = advance().loc;
      l = binary(Op::Or, loc, l, parse_and());
    }
    return l;
  }
  ExprId parse_and() {
    ExprId l = parse_eq();
    while (at(Tok::AndAnd)) {
      SourceLoc loc = advance().loc;
      l = binary(Op::And, loc, l, parse_eq());
    }
    return l;
  }
  ExprId parse_eq() {
    ExprId l = parse_rel();
    while (at(Tok::EqEq) || at(Tok::Ne)) {
      Op op = at(Tok::EqEq) ? Op::Eq : Op::Ne;
      SourceLoc loc = advance().loc;
      l = binary(op, loc, l, parse_rel());
    }
    return l;
  }
  ExprId parse_rel() {
    ExprId l = parse_add();
    while (true) {
      Op op;
      switch (peek().kind) {
        case Tok::Lt:
          op = Op::Lt;
          break;
        case Tok::Le:
          op = Op::Le;
          break;
        case Tok::Gt:
          op = Op::Gt;
          break;
        case Tok::Ge:
          op = Op::Ge;
          break;
        default:
          return l;
      }
      SourceLoc loc = advance().loc;
      l = binary(op, loc, l, parse_add());
    }
  }
  ExprId parse_add() {
    ExprId l = parse_mul();
    while (at(Tok::Plus) || at(Tok::Minus)) {
      Op op = at(Tok::Plus) ? Op::Add : Op::Sub;
      SourceLoc loc = advance().loc;
      l = binary(op, loc, l, parse_mul());
    }
    return l;
  }
  ExprId parse_mul() {
    ExprId l = parse_unary();
    while (at(Tok::Star) || at(Tok::Slash) || at(Tok::Percent)) {
      Op op = at(Tok::Star) ? Op::Mul : at(Tok::Slash) ? Op::Div : Op::Mod;
      SourceLoc loc = advance().loc;
      l = binary(op, loc, l, parse_unary());
    }
    return l;
  }
  ExprId parse_unary() {
    if (at(Tok::Minus) || at(Tok::Bang)) {
      DepthGuard guard(*this);
      Op op = at(Tok::Minus) ? Op::Neg : Op::Not;
      SourceLoc loc = advance().loc;
      return one(ExprKind::Unary, op, loc, parse_unary());
    }
    return parse_postfix();
  }

  ExprId parse_postfix() {
    ExprId e = parse_primary();
    while (true) {
      if (at(Tok::LBracket)) {
        SourceLoc loc = advance().loc;
        e = parse_index(e, loc);
      } else if (at(Tok::Dot)) {
        advance();
        Word n = ident("a property or method name after '.'");
        if (accept(Tok::LParen)) {
          std::size_t base = scratch_.size();
          scratch_.push_back(e);
          parse_args("the method call");
          e = list(ExprKind::Method, n.loc, base);
        } else {
          e = one(ExprKind::Attr, Op::None, n.loc, e);
        }
      } else if (at(Tok::LParen)) {
        fail(peek().loc, "only a function name can be called",
             "call a function by its name: f(x); methods are called as m.split(0, 2)");
      } else {
        return e;
      }
    }
  }

  // index := ':' [expr] | expr ':' [expr] | item (',' item)*    ('*' alone is a wildcard)
  ExprId parse_index(ExprId base, SourceLoc loc) {
    if (accept(Tok::RBracket)) fail(prev().loc, "empty index '[]'", "write m[i] or m[i, j]");
    if (at(Tok::Colon)) {
      advance();
      ExprId hi = at(Tok::RBracket) ? kNoExpr : parse_expr();
      expect(Tok::RBracket, "to close the slice");
      return fixed(ExprKind::Slice, Op::None, loc, {base, kNoExpr, hi});
    }
    ExprId first = parse_index_item();
    ExprKind fk = prog_.exprs[first].kind();
    if (at(Tok::Colon) && fk != ExprKind::Wildcard && fk != ExprKind::Unpack) {
      advance();
      ExprId hi = at(Tok::RBracket) ? kNoExpr : parse_expr();
      expect(Tok::RBracket, "to close the slice");
      return fixed(ExprKind::Slice, Op::None, loc, {base, first, hi});
    }
    std::size_t at_base = scratch_.size();
    scratch_.push_back(base);
    scratch_.push_back(first);
    while (accept(Tok::Comma))
      scratch_.push_back(parse_index_item());
    if (!at(Tok::RBracket)) expected("',' or ']' in the index");
    advance();
    return list(ExprKind::Index, loc, at_base);
  }

  ExprId parse_index_item() {
    if (at(Tok::Star)) {
      SourceLoc loc = advance().loc;
      if (at(Tok::Comma) || at(Tok::RBracket)) return leaf(ExprKind::Wildcard, loc);
      return one(ExprKind::Unpack, Op::None, loc, parse_unary());
    }
    return parse_expr();
  }

  /// Parses call arguments up to the ')' onto scratch_. `callee` names the function called, if
  /// any, for the message.
  void parse_args(std::string_view what, std::string_view callee = {}) {
    if (accept(Tok::RParen)) return;
    do {
      if (at(Tok::Star)) {
        SourceLoc loc = advance().loc;
        ExprId u = one(ExprKind::Unpack, Op::None, loc, parse_unary());
        scratch_.push_back(u);
      } else {
        ExprId a = parse_expr();
        scratch_.push_back(a);
      }
    } while (accept(Tok::Comma));
    if (!at(Tok::RParen)) {
      expected(callee.empty() ? fmt::format("',' or ')' in {}", what)
                              : fmt::format("',' or ')' in {} {}", what, callee));
    }
    advance();
  }

  ExprId parse_primary() {
    const Token t = peek();
    switch (t.kind) {
      case Tok::Int: {
        advance();
        auto v = static_cast<std::uint64_t>(t.value);
        return leaf(ExprKind::Int, t.loc,
                    v < Expr::kBigInt ? static_cast<std::uint32_t>(v) : Expr::kBigInt);
      }
      case Tok::KwTrue:
      case Tok::KwFalse:
        advance();
        return leaf(ExprKind::Bool, t.loc, t.kind == Tok::KwTrue ? 1 : 0);
      case Tok::Ident: {
        advance();
        if (accept(Tok::LParen)) {
          std::size_t base = scratch_.size();
          parse_args("the call of", t.text);
          return list(ExprKind::Call, t.loc, base);
        }
        return leaf(ExprKind::Name, t.loc);
      }
      case Tok::KwMachine: {
        advance();
        expect(Tok::LParen, "after Machine");
        Word k = ident("a processor kind in Machine(...)");
        expect(Tok::RParen, "to close Machine(...)");
        return leaf(ExprKind::Machine, t.loc, k.loc.offset);
      }
      case Tok::KwTuple:
        return parse_tuple_comp();
      case Tok::LParen:
        return parse_paren();
      case Tok::Star:
        fail(t.loc, "'*' unpacking is only allowed inside a tuple, an index or call arguments",
             "for example: m[*p, 0] or (*p, 1)");
      case Tok::KwTask:
        fail(t.loc, "'Task' is a statement keyword and cannot be used as a value",
             "to name a task parameter, write def f(Task task) and use 'task'");
      default:
        expected("an expression");
    }
  }

  // item := '*' unary | expr
  ExprId parse_item() {
    if (at(Tok::Star)) {
      SourceLoc sl = advance().loc;
      return one(ExprKind::Unpack, Op::None, sl, parse_unary());
    }
    return parse_expr();
  }

  ExprId parse_paren() {
    SourceLoc loc = advance().loc;
    std::size_t base = scratch_.size();
    if (accept(Tok::RParen)) return list(ExprKind::Tuple, loc, base);
    bool tuple = at(Tok::Star);
    ExprId item = parse_item();
    scratch_.push_back(item);
    while (accept(Tok::Comma)) {
      tuple = true;
      if (at(Tok::RParen)) break;  // trailing comma: (a,)
      item = parse_item();
      scratch_.push_back(item);
    }
    if (!at(Tok::RParen)) expected("',' or ')'");
    advance();
    if (!tuple) {
      ExprId only = scratch_[base];
      scratch_.resize(base);
      return only;
    }
    return list(ExprKind::Tuple, loc, base);
  }

  // tuple_comp := 'tuple' '(' expr 'for' IDENT 'in' expr ')'
  ExprId parse_tuple_comp() {
    SourceLoc loc = advance().loc;
    expect(Tok::LParen, "after tuple");
    ExprId body = parse_expr();
    if (!at(Tok::KwFor)) expected("'for' in tuple(EXPR for NAME in TUPLE)");
    advance();
    Word var = ident("a loop variable after 'for'");
    if (!at(Tok::KwIn)) expected("'in' in tuple(EXPR for NAME in TUPLE)");
    advance();
    ExprId iter = parse_expr();
    expect(Tok::RParen, "to close tuple(...)");
    // The loop variable's offset follows the two children (see Program::name_of); the height
    // bound looks at the children only.
    ExprId id = fixed(ExprKind::TupleComp, Op::None, loc, {body, iter});
    reserve_more(prog_.operands);
    prog_.operands.push_back(var.loc.offset);
    return id;
  }

  const SourceFile& src_;
  Diagnostics& diags_;
  Program prog_;
  Lexer lexer_;
  Token cur_;
  Token prev_;
  bool after_lex_error_ = false;  // the lexer reported an error just before cur_
  std::size_t pos_ = 0;           // tokens consumed
  std::uint32_t depth_ = 0;
  std::vector<std::uint32_t> heights_;  // the height of each expression of this statement
  ExprId first_expr_ = 0;               // the first expression of this statement
  std::vector<ExprId> scratch_;         // lists of children being parsed, innermost last
};

/// The offset of the first byte that is not part of a well-formed UTF-8 sequence, or npos.
std::size_t first_invalid_utf8(std::string_view t) {
  std::size_t i = 0;
  while (i < t.size()) {
    unsigned char c = static_cast<unsigned char>(t[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 0;
    if (len == 0 || i + len > t.size()) return i;
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(t[i + k]) >> 6) != 0x2) return i;
    i += len;
  }
  return std::string::npos;
}

}  // namespace

bool looks_like_text(const SourceFile& src, Diagnostics& diags) {
  const std::string& t = src.text();
  if (t.size() > kMaxSourceBytes) {
    diags.file_error(src.name(),
                     fmt::format("file is {} bytes; a mapping file may hold at most {} bytes",
                                 t.size(), kMaxSourceBytes),
                     "is this the right file? a mapper is usually a few dozen lines");
    return false;
  }
  if (std::size_t bad = first_invalid_utf8(t); bad != std::string::npos) {
    diags.file_error(src.name(), fmt::format("not a text file (invalid UTF-8 at offset {})", bad),
                     "mapping files are plain text in UTF-8");
    return false;
  }
  std::size_t nul = t.find('\0');
  if (nul != std::string::npos) {
    diags.file_error(src.name(), fmt::format("not a text file (a NUL byte at offset {})", nul),
                     "mapping files are plain text");
    return false;
  }
  return true;
}

Program parse(SourcePtr source, Diagnostics& diags) {
  if (!looks_like_text(*source, diags)) {
    Program p;
    p.source = std::move(source);
    return p;
  }
  return Parser(std::move(source), diags).run();
}

Program parse_string(std::string text, Diagnostics& diags, std::string name) {
  return parse(std::make_shared<SourceFile>(std::move(name), std::move(text)), diags);
}

}  // namespace mapsmith::dsl
