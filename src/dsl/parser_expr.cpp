#include <fmt/format.h>

#include <algorithm>
#include <span>

#include "dsl/parser_impl.h"

namespace mapsmith::dsl::detail {

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

ExprId Parser::push_expr(ExprKind kind, Op op, SourceLoc loc, std::uint32_t data,
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

ExprId Parser::leaf(ExprKind kind, SourceLoc loc, std::uint32_t data) {
  return push_expr(kind, Op::None, loc, data, {});
}

ExprId Parser::one(ExprKind kind, Op op, SourceLoc loc, ExprId kid) {
  return push_expr(kind, op, loc, kid, std::span(&kid, 1));
}

ExprId Parser::fixed(ExprKind kind, Op op, SourceLoc loc, std::initializer_list<ExprId> kids) {
  auto first = static_cast<std::uint32_t>(prog_.operands.size());
  reserve_more(prog_.operands, kids.size());
  prog_.operands.insert(prog_.operands.end(), kids.begin(), kids.end());
  return push_expr(kind, op, loc, first, std::span(kids.begin(), kids.size()));
}

ExprId Parser::list(ExprKind kind, SourceLoc loc, std::size_t base) {
  auto first = static_cast<std::uint32_t>(prog_.operands.size());
  reserve_more(prog_.operands);
  prog_.operands.push_back(static_cast<std::uint32_t>(scratch_.size() - base));
  std::span<const ExprId> kids(scratch_.data() + base, scratch_.size() - base);
  ExprId id = push_expr(kind, Op::None, loc, first, kids);
  move_scratch_to_operands(base);
  return id;
}

void Parser::move_scratch_to_operands(std::size_t base) {
  reserve_more(prog_.operands, scratch_.size() - base);
  prog_.operands.insert(prog_.operands.end(), scratch_.begin() + static_cast<std::ptrdiff_t>(base),
                        scratch_.end());
  scratch_.resize(base);
}

ExprId Parser::binary(Op op, SourceLoc loc, ExprId a, ExprId b) {
  return fixed(ExprKind::Binary, op, loc, {a, b});
}

ExprId Parser::parse_expr() {
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

ExprId Parser::parse_or() {
  ExprId l = parse_and();
  while (at(Tok::OrOr)) {
    SourceLoc loc = advance().loc;
    l = binary(Op::Or, loc, l, parse_and());
  }
  return l;
}

ExprId Parser::parse_and() {
  ExprId l = parse_eq();
  while (at(Tok::AndAnd)) {
    SourceLoc loc = advance().loc;
    l = binary(Op::And, loc, l, parse_eq());
  }
  return l;
}

ExprId Parser::parse_eq() {
  ExprId l = parse_rel();
  while (at(Tok::EqEq) || at(Tok::Ne)) {
    Op op = at(Tok::EqEq) ? Op::Eq : Op::Ne;
    SourceLoc loc = advance().loc;
    l = binary(op, loc, l, parse_rel());
  }
  return l;
}

ExprId Parser::parse_rel() {
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

ExprId Parser::parse_add() {
  ExprId l = parse_mul();
  while (at(Tok::Plus) || at(Tok::Minus)) {
    Op op = at(Tok::Plus) ? Op::Add : Op::Sub;
    SourceLoc loc = advance().loc;
    l = binary(op, loc, l, parse_mul());
  }
  return l;
}

ExprId Parser::parse_mul() {
  ExprId l = parse_unary();
  while (at(Tok::Star) || at(Tok::Slash) || at(Tok::Percent)) {
    Op op = at(Tok::Star) ? Op::Mul : at(Tok::Slash) ? Op::Div : Op::Mod;
    SourceLoc loc = advance().loc;
    l = binary(op, loc, l, parse_unary());
  }
  return l;
}

ExprId Parser::parse_unary() {
  if (at(Tok::Minus) || at(Tok::Bang)) {
    DepthGuard guard(*this);
    Op op = at(Tok::Minus) ? Op::Neg : Op::Not;
    SourceLoc loc = advance().loc;
    if (op == Op::Neg && at(Tok::Int) && peek().value < 0) {
      // -9223372036854775808: one literal, read back from the '-' (Program::int_at).
      advance();
      return postfix_ops(leaf(ExprKind::Int, loc, Expr::kBigInt));
    }
    return one(ExprKind::Unary, op, loc, parse_unary());
  }
  return parse_postfix();
}

ExprId Parser::parse_postfix() {
  return postfix_ops(parse_primary());
}

ExprId Parser::postfix_ops(ExprId e) {
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
      // A callee in parentheses: `(f)(x)` is `f(x)` and `(m.split)(0, 2)` is `m.split(0, 2)`,
      // as in the published grammar. (A name or member directly followed by '(' never gets
      // here: the primary and '.' above take the call themselves.)
      const Expr callee = prog_.exprs[e];
      if (callee.kind() != ExprKind::Name && callee.kind() != ExprKind::Attr) {
        fail(peek().loc, "only a function name can be called",
             "call a function by its name: f(x); methods are called as m.split(0, 2)");
      }
      advance();
      std::size_t base = scratch_.size();
      if (callee.kind() == ExprKind::Attr) scratch_.push_back(prog_.child(callee, 0));
      parse_args(callee.kind() == ExprKind::Attr ? "the method call" : "the call of",
                 callee.kind() == ExprKind::Name ? prog_.name(callee) : std::string_view());
      e = list(callee.kind() == ExprKind::Attr ? ExprKind::Method : ExprKind::Call,
               prog_.loc(callee.pos()), base);
    } else {
      return e;
    }
  }
}

// index := ':' [expr] | expr ':' [expr] | item (',' item)*    ('*' alone is a wildcard)
ExprId Parser::parse_index(ExprId base, SourceLoc loc) {
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

ExprId Parser::parse_index_item() {
  if (at(Tok::Star)) {
    SourceLoc loc = advance().loc;
    if (at(Tok::Comma) || at(Tok::RBracket)) return leaf(ExprKind::Wildcard, loc);
    return one(ExprKind::Unpack, Op::None, loc, parse_unary());
  }
  return parse_expr();
}

void Parser::parse_args(std::string_view what, std::string_view callee) {
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

ExprId Parser::parse_primary() {
  const Token t = peek();
  switch (t.kind) {
    case Tok::Int: {
      advance();
      if (t.value < 0) {  // 9223372036854775808 after a '-' that is not its sign (x -9223...)
        diags_.error(src_, t.loc, fmt::format("integer {} does not fit in 64 bits", t.text),
                     "integers range from -9223372036854775808 to 9223372036854775807");
        return leaf(ExprKind::Int, t.loc, 0);
      }
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
ExprId Parser::parse_item() {
  if (at(Tok::Star)) {
    SourceLoc sl = advance().loc;
    return one(ExprKind::Unpack, Op::None, sl, parse_unary());
  }
  return parse_expr();
}

ExprId Parser::parse_paren() {
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
ExprId Parser::parse_tuple_comp() {
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

}  // namespace mapsmith::dsl::detail
