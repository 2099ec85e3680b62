#pragma once
/// The Parser class shared by parser.cpp (statements) and parser_expr.cpp (expressions).
/// Private to src/dsl: include only from the parser's own sources.
#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/ast.h"
#include "dsl/diagnostics.h"
#include "dsl/lexer.h"
#include "dsl/parser.h"

namespace mapsmith::dsl::detail {

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

  Program run();

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
  SourceLoc after_prev() const;

  [[noreturn]] void fail(SourceLoc loc, std::string message, std::string hint = {});
  std::string found() const;

  [[noreturn]] void expected(std::string_view what, std::string hint = {});
  void expect(Tok t, std::string_view context);

  /// Every statement ends with ';'. A missing one is reported right after the previous token,
  /// where the user must type it.
  void expect_semi(std::string_view what);

  /// A name just parsed, with its place for messages.
  struct Word {
    std::string_view text;
    SourceLoc loc;
  };

  Word ident(std::string_view what);

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
  void push_name(std::uint32_t pos);

  /// Skips to just after the next ';' or '}' at the current nesting, or to a token that can
  /// only start a statement.
  void recover();
  static bool is_statement_keyword(Tok k) {
    return (k >= Tok::KwTask && k <= Tok::KwDef) || k == Tok::KwPrint;
  }

  // ---- statements ----

  void parse_top_statement();
  void parse_tasks(Stmt& s);
  std::uint32_t parse_kind_list(std::string_view what);
  void parse_task(Stmt& s);
  void parse_region_sel(Stmt& s);
  void parse_proc_or_star(Stmt& s, std::string_view what);
  void parse_region(Stmt& s);
  void parse_layout(Stmt& s);
  void parse_instance_limit(Stmt& s);
  void parse_collect_memory(Stmt& s);
  void parse_task_map(Stmt& s, StmtKind kind);
  std::string tasks_text(const Stmt& s) const;
  void parse_control_replicate(Stmt& s);

  /// Statement words of the 2022 drafts of the language, with what replaced them.
  static std::string_view old_statement(std::string_view w);
  void parse_assign(Stmt& s);
  void parse_print(Stmt& s);
  void parse_def(Stmt& s);
  void recover_in_body();
  void parse_body_statement();

  // ---- expressions ----
  // (grammar in parser_expr.cpp)

  /// Adds an expression whose `data` (see Expr) is already known; `kids` are its children, to
  /// bound the height of the tree.
  ExprId push_expr(ExprKind kind, Op op, SourceLoc loc, std::uint32_t data,
                   std::span<const ExprId> kids);

  /// Int, Bool, Name, Wildcard, Machine.
  ExprId leaf(ExprKind kind, SourceLoc loc, std::uint32_t data = 0);
  /// Unary, Unpack, Attr: `data` is the child.
  ExprId one(ExprKind kind, Op op, SourceLoc loc, ExprId kid);
  /// Binary, Cond, Slice, TupleComp: `data` is where the children start in operands.
  ExprId fixed(ExprKind kind, Op op, SourceLoc loc, std::initializer_list<ExprId> kids);
  /// Tuple, Index, Call, Method, from the children on scratch_ since `base`: `data` is where
  /// their number, then they, are in operands.
  ExprId list(ExprKind kind, SourceLoc loc, std::size_t base);
  /// Appends scratch_ since `base` to operands and pops it.
  void move_scratch_to_operands(std::size_t base);
  ExprId binary(Op op, SourceLoc loc, ExprId a, ExprId b);

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

  ExprId parse_expr();
  ExprId parse_or();
  ExprId parse_and();
  ExprId parse_eq();
  ExprId parse_rel();
  ExprId parse_add();
  ExprId parse_mul();
  ExprId parse_unary();
  ExprId parse_postfix();
  /// The postfix operators ([...], .name, .name(...)) applied to `e`.
  ExprId postfix_ops(ExprId e);
  ExprId parse_index(ExprId base, SourceLoc loc);
  ExprId parse_index_item();

  /// Parses call arguments up to the ')' onto scratch_. `callee` names the function called, if
  /// any, for the message.
  void parse_args(std::string_view what, std::string_view callee = {});
  ExprId parse_primary();
  ExprId parse_item();
  ExprId parse_paren();
  ExprId parse_tuple_comp();

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

}  // namespace mapsmith::dsl::detail
