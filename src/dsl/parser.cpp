#include "dsl/parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <span>

#include "dsl/lexer.h"
#include "dsl/parser_impl.h"
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

}  // namespace

namespace detail {

Program Parser::run() {
  while (!at(Tok::End) && !diags_.saturated()) {
    try {
      parse_top_statement();
    } catch (const SyntaxError&) {
      recover();
    }
  }
  return std::move(prog_);
}

SourceLoc Parser::after_prev() const {
  const Token& p = prev();
  SourceLoc l = p.loc;
  std::uint32_t len = static_cast<std::uint32_t>(p.text.size());
  if (p.kind == Tok::String) len += 2;
  l.col += len;
  l.offset += len;
  return l;
}

void Parser::fail(SourceLoc loc, std::string message, std::string hint) {
  diags_.error(src_, loc, std::move(message), std::move(hint));
  throw SyntaxError{};
}

std::string Parser::found() const {
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

void Parser::expected(std::string_view what, std::string hint) {
  // Right after a stray character or an unterminated string, the lexer has said what is
  // wrong; "expected X, found Y" would only repeat it in other words.
  if (after_lex_error_) throw SyntaxError{};
  fail(peek().loc, fmt::format("expected {}, found {}", what, found()), std::move(hint));
}

void Parser::expect(Tok t, std::string_view context) {
  if (accept(t)) return;
  expected(fmt::format("{} {}", describe(t), context));
}

void Parser::expect_semi(std::string_view what) {
  if (accept(Tok::Semi)) return;
  if (peek().loc.line != prev().loc.line || at(Tok::End) || at(Tok::RBrace)) {
    fail(after_prev(), fmt::format("missing ';' after {}", what), "every statement ends with ';'");
  }
  expected(fmt::format("';' to end {}", what));
}

Parser::Word Parser::ident(std::string_view what) {
  // `Machine` is a keyword only in expressions: elsewhere it is an ordinary name, as in the
  // published grammar (`Task Machine GPU;`).
  if (!at(Tok::Ident) && !at(Tok::KwMachine)) {
    std::string hint;
    if (peek().kind >= Tok::KwTask && peek().kind <= Tok::KwMachine)
      hint = fmt::format("{} is a keyword and cannot be used as a name", describe(peek().kind));
    expected(what, hint);
  }
  const Token& t = advance();
  return Word{t.text, t.loc};
}

void Parser::push_name(std::uint32_t pos) {
  reserve_more(prog_.names);
  prog_.names.push_back(pos);
}

void Parser::recover() {
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

// statement := task | region | layout | instance_limit | collect_memory | index_task_map
//            | single_task_map | control_replicate | def | print | IDENT '=' expr ';'
void Parser::parse_top_statement() {
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
    case Tok::KwMachine:  // `Machine = ...;` assigns a variable of that name
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
void Parser::parse_tasks(Stmt& s) {
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
std::uint32_t Parser::parse_kind_list(std::string_view what) {
  std::uint32_t n = 1;
  push_name(ident(what).loc.offset);
  for (; accept(Tok::Comma); ++n)
    push_name(ident(what).loc.offset);
  return n;
}

// task := 'Task' tasks kind_list ';'
void Parser::parse_task(Stmt& s) {
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
void Parser::parse_region_sel(Stmt& s) {
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

void Parser::parse_proc_or_star(Stmt& s, std::string_view what) {
  if (at(Tok::Star)) {
    s.flags |= Stmt::kAnyProc;
    push_name(advance().loc.offset);
    return;
  }
  push_name(ident(what).loc.offset);
}

// region := 'Region' tasks region_sel (PROC | '*') kind_list ';'
void Parser::parse_region(Stmt& s) {
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
void Parser::parse_layout(Stmt& s) {
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
void Parser::parse_instance_limit(Stmt& s) {
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
void Parser::parse_collect_memory(Stmt& s) {
  advance();
  s.kind = StmtKind::CollectMemory;
  parse_tasks(s);
  parse_region_sel(s);
  expect_semi("the CollectMemory statement");
}

// task_map := ('IndexTaskMap' | 'SingleTaskMap') tasks IDENT ';'
void Parser::parse_task_map(Stmt& s, StmtKind kind) {
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

std::string Parser::tasks_text(const Stmt& s) const {
  if (s.any_task()) return "*";
  std::string out;
  for (std::uint32_t i = 0; i < s.b; ++i)
    out += fmt::format("{}{}", out.empty() ? "" : ",", word_at(src_.text(), prog_.names[s.a + i]));
  return out;
}

// control_replicate := 'ControlReplicate' tasks ';'
void Parser::parse_control_replicate(Stmt& s) {
  advance();
  s.kind = StmtKind::ControlReplicate;
  parse_tasks(s);
  expect_semi("the ControlReplicate statement");
}

std::string_view Parser::old_statement(std::string_view w) {
  if (w == "task_default") return "Task * KINDS;";
  if (w == "region_default") return "Region * * PROC MEMORIES;";
  if (w == "task" || w == "taskdefault") return "Task TASKS KINDS;";
  if (w == "region") return "Region TASKS REGION PROC MEMORIES;";
  if (w == "IndexTaskMap_Default") return "IndexTaskMap * FUNCTION;";
  return {};
}

// assign := IDENT '=' expr ';'
void Parser::parse_assign(Stmt& s) {
  s.kind = StmtKind::Assign;
  Word name = ident("a name");
  s.c = name.loc.offset;
  if (!at(Tok::Assign) && !old_statement(name.text).empty()) {
    fail(name.loc, fmt::format("'{}' is a statement of an old version of the language", name.text),
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
void Parser::parse_print(Stmt& s) {
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
void Parser::parse_def(Stmt& s) {
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

void Parser::recover_in_body() {
  while (!at(Tok::End) && !at(Tok::RBrace) && !at(Tok::KwDef)) {
    if (advance().kind == Tok::Semi) return;
  }
}

void Parser::parse_body_statement() {
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

}  // namespace detail

namespace {

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
  return detail::Parser(std::move(source), diags).run();
}

Program parse_string(std::string text, Diagnostics& diags, std::string name) {
  return parse(std::make_shared<SourceFile>(std::move(name), std::move(text)), diags);
}

}  // namespace mapsmith::dsl