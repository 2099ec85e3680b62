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
  KwTask,
  KwRegion,
  KwLayout,
  KwInstanceLimit,
  KwCollectMemory,
  KwIndexTaskMap,
  KwSingleTaskMap,
  KwControlReplicate,
  KwDef,
  KwReturn,
  KwPrint,
  KwTuple,
  KwFor,
  KwIn,
  KwTrue,
  KwFalse,
  KwMachine,
  // punctuation
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Semi,
  Colon,
  Dot,
  Question,
  Assign,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Lt,
  Le,
  Gt,
  Ge,
  EqEq,
  Ne,
  AndAnd,
  OrOr,
  Bang,
};

/// What a token of kind `t` looks like in a message: "';'", "an identifier", "end of file".
std::string_view describe(Tok t);

struct Token {
  Tok kind = Tok::End;
  SourceLoc loc;
  /// The token's text as written (for strings: without the quotes, escapes not yet decoded).
  std::string_view text;
  /// The value of an Int token. Negative only for 9223372036854775808 written right after a
  /// '-': the parser folds that '-' in (the literal alone does not fit in 64 bits).
  std::int64_t value = 0;
};

/// Produces the tokens of `src` one at a time, so the parser never holds more than two. After
/// the last token it returns End forever. Lexical errors go to `diags`.
class Lexer {
 public:
  Lexer(const SourceFile& src, Diagnostics& diags, std::vector<Comment>* comments = nullptr);
  Token next();

 private:
  SourceLoc loc() const;
  void skip_space_and_comments();
  void lex_int(Token& t);
  bool lex_string(Token& t);
  bool lex_punct(Token& t);
  void bad_char(SourceLoc at, unsigned char c);

  const SourceFile& src_;
  std::string_view text_;
  Diagnostics& diags_;
  std::vector<Comment>* comments_;
  std::size_t pos_ = 0;
  std::uint32_t line_ = 1;
  std::size_t line_start_ = 0;
};

/// The identifier or integer that starts at byte `pos` of `text`, or the one character there
/// (such as '*'): how the tree reads back a name or a number it keeps as an offset.
std::string_view word_at(std::string_view text, std::uint32_t pos);

/// The value of a decimal literal; 0 when it does not fit in 64 bits (`overflow` then says so).
std::int64_t decimal_value(std::string_view digits, bool* overflow = nullptr);

/// Tokenizes `src` whole. Lexical errors (a stray character, an unterminated string, an integer
/// that does not fit in 64 bits) go to `diags`; the offending bytes are skipped. The result always
/// ends with an End token. Comments are appended to `comments` when it is given.
std::vector<Token> lex(const SourceFile& src, Diagnostics& diags,
                       std::vector<Comment>* comments = nullptr);

}  // namespace mapsmith::dsl
