#pragma once
/// Splits a mapping program into tokens (dsl.md §1).
#include <cstdint>
#include <string_view>
#include <vector>

#include "dsl/diagnostics.h"
#include "dsl/source.h"

namespace mapsmith::dsl {

enum class Tok : std::uint8_t {
  End,
  Ident,
  Int,
  String,
  // keywords
  KwTask, KwRegion, KwLayout, KwInstanceLimit, KwCollectMemory, KwIndexTaskMap, KwSingleTaskMap,
  KwControlReplicate, KwDef, KwReturn, KwPrint, KwTuple, KwFor, KwIn, KwTrue, KwFalse, KwMachine,
  // punctuation
  LParen, RParen, LBracket, RBracket, LBrace, RBrace, Comma, Semi, Colon, Dot, Question, Assign,
  Plus, Minus, Star, Slash, Percent, Lt, Le, Gt, Ge, EqEq, Ne, AndAnd, OrOr, Bang,
};

/// What a token of kind `t` looks like in a message: "';'", "an identifier", "end of file".
std::string_view describe(Tok t);

struct Token {
  Tok kind = Tok::End;
  SourceLoc loc;
  /// The token's text as written (for strings: without the quotes, escapes not yet decoded).
  std::string_view text;
  /// The value of an Int token.
  std::int64_t value = 0;
};

/// Tokenizes `src` whole. Lexical errors (a stray character, an unterminated string, an integer
/// that does not fit in 64 bits) go to `diags`; the offending bytes are skipped. The result always
/// ends with an End token. Comments are appended to `comments` when it is given.
std::vector<Token> lex(const SourceFile& src, Diagnostics& diags,
                       std::vector<Comment>* comments = nullptr);

}  // namespace mapsmith::dsl
