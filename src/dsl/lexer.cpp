#include "dsl/lexer.h"

#include <fmt/format.h>

#include <limits>

namespace mapsmith::dsl {

std::string_view describe(Tok t) {
  switch (t) {
    case Tok::End:
      return "end of file";
    case Tok::Ident:
      return "a name";
    case Tok::Int:
      return "an integer";
    case Tok::String:
      return "a string";
    case Tok::KwTask:
      return "'Task'";
    case Tok::KwRegion:
      return "'Region'";
    case Tok::KwLayout:
      return "'Layout'";
    case Tok::KwInstanceLimit:
      return "'InstanceLimit'";
    case Tok::KwCollectMemory:
      return "'CollectMemory'";
    case Tok::KwIndexTaskMap:
      return "'IndexTaskMap'";
    case Tok::KwSingleTaskMap:
      return "'SingleTaskMap'";
    case Tok::KwControlReplicate:
      return "'ControlReplicate'";
    case Tok::KwDef:
      return "'def'";
    case Tok::KwReturn:
      return "'return'";
    case Tok::KwPrint:
      return "'print'";
    case Tok::KwTuple:
      return "'tuple'";
    case Tok::KwFor:
      return "'for'";
    case Tok::KwIn:
      return "'in'";
    case Tok::KwTrue:
      return "'True'";
    case Tok::KwFalse:
      return "'False'";
    case Tok::KwMachine:
      return "'Machine'";
    case Tok::LParen:
      return "'('";
    case Tok::RParen:
      return "')'";
    case Tok::LBracket:
      return "'['";
    case Tok::RBracket:
      return "']'";
    case Tok::LBrace:
      return "'{'";
    case Tok::RBrace:
      return "'}'";
    case Tok::Comma:
      return "','";
    case Tok::Semi:
      return "';'";
    case Tok::Colon:
      return "':'";
    case Tok::Dot:
      return "'.'";
    case Tok::Question:
      return "'?'";
    case Tok::Assign:
      return "'='";
    case Tok::Plus:
      return "'+'";
    case Tok::Minus:
      return "'-'";
    case Tok::Star:
      return "'*'";
    case Tok::Slash:
      return "'/'";
    case Tok::Percent:
      return "'%'";
    case Tok::Lt:
      return "'<'";
    case Tok::Le:
      return "'<='";
    case Tok::Gt:
      return "'>'";
    case Tok::Ge:
      return "'>='";
    case Tok::EqEq:
      return "'=='";
    case Tok::Ne:
      return "'!='";
    case Tok::AndAnd:
      return "'&&'";
    case Tok::OrOr:
      return "'||'";
    case Tok::Bang:
      return "'!'";
  }
  return "?";
}

namespace {

bool is_ident_start(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ident_char(unsigned char c) {
  return is_ident_start(c) || (c >= '0' && c <= '9');
}
bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}

// Every identifier is looked up, so the first letter picks the few keywords to compare.
Tok keyword(std::string_view s) {
  auto is = [&](std::string_view w, Tok t) { return s == w ? t : Tok::Ident; };
  switch (s[0]) {
    case 'C':
      return s.size() == 13 ? is("CollectMemory", Tok::KwCollectMemory)
                            : is("ControlReplicate", Tok::KwControlReplicate);
    case 'F':
      return is("False", Tok::KwFalse);
    case 'I':
      return s.size() == 13 ? is("InstanceLimit", Tok::KwInstanceLimit)
                            : is("IndexTaskMap", Tok::KwIndexTaskMap);
    case 'L':
      return is("Layout", Tok::KwLayout);
    case 'M':
      return is("Machine", Tok::KwMachine);
    case 'R':
      return is("Region", Tok::KwRegion);
    case 'S':
      return is("SingleTaskMap", Tok::KwSingleTaskMap);
    case 'T':
      return s.size() == 4 ? (s == "Task" ? Tok::KwTask : is("True", Tok::KwTrue)) : Tok::Ident;
    case 'd':
      return is("def", Tok::KwDef);
    case 'f':
      return is("for", Tok::KwFor);
    case 'i':
      return is("in", Tok::KwIn);
    case 'p':
      return is("print", Tok::KwPrint);
    case 'r':
      return is("return", Tok::KwReturn);
    case 't':
      return is("tuple", Tok::KwTuple);
    default:
      return Tok::Ident;
  }
}

}  // namespace

Lexer::Lexer(const SourceFile& src, Diagnostics& diags, std::vector<Comment>* comments)
    : src_(src), text_(src.text()), diags_(diags), comments_(comments) {}

Token Lexer::next() {
  while (true) {
    skip_space_and_comments();
    if (pos_ >= text_.size() || diags_.saturated()) {
      Token end;
      end.kind = Tok::End;
      end.loc = loc();
      return end;
    }
    Token t;
    t.loc = loc();
    std::size_t start = pos_;
    unsigned char c = static_cast<unsigned char>(text_[pos_]);
    if (is_ident_start(c)) {
      while (pos_ < text_.size() && is_ident_char(static_cast<unsigned char>(text_[pos_]))) {
        ++pos_;
      }
      t.text = text_.substr(start, pos_ - start);
      t.kind = keyword(t.text);
    } else if (is_digit(c)) {
      lex_int(t);
    } else if (c == '"') {
      if (!lex_string(t)) continue;
    } else if (!lex_punct(t)) {
      bad_char(t.loc, c);
      continue;
    }
    // An empty string's text is empty, not the two quotes.
    if (t.text.empty() && t.kind != Tok::String) t.text = text_.substr(start, pos_ - start);
    return t;
  }
}

SourceLoc Lexer::loc() const {
  return SourceLoc{line_, static_cast<std::uint32_t>(pos_ - line_start_ + 1),
                   static_cast<std::uint32_t>(pos_)};
}

void Lexer::skip_space_and_comments() {
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == '\n' || (c == '\r' && (pos_ + 1 == text_.size() || text_[pos_ + 1] != '\n'))) {
      // A line ends with LF, CR LF, or a CR alone (old Mac files), as SourceFile counts lines.
      ++pos_;
      ++line_;
      line_start_ = pos_;
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      ++pos_;
    } else if (c == '#' || (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/')) {
      std::size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r')
        ++pos_;
      if (comments_) {
        std::string_view body = text_.substr(start, pos_ - start);
        while (!body.empty() && (body.back() == ' ' || body.back() == '\t' || body.back() == '\r'))
          body.remove_suffix(1);
        comments_->push_back(
            Comment{static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(body.size())});
      }
    } else {
      break;
    }
  }
}

void Lexer::lex_int(Token& t) {
  std::size_t start = pos_;
  while (pos_ < text_.size() && is_digit(static_cast<unsigned char>(text_[pos_])))
    ++pos_;
  t.kind = Tok::Int;
  t.text = text_.substr(start, pos_ - start);
  if (pos_ < text_.size() && is_ident_start(static_cast<unsigned char>(text_[pos_]))) {
    diags_.error(src_, loc(),
                 fmt::format("unexpected '{}' after the number {}", text_[pos_], t.text),
                 "put a space or an operator between a number and a name");
    // The rest of the name belongs to this mistake, not to a second one.
    while (pos_ < text_.size() && is_ident_char(static_cast<unsigned char>(text_[pos_])))
      ++pos_;
  }
  bool overflow = false;
  t.value = decimal_value(t.text, &overflow);
  if (overflow && t.text == "9223372036854775808" && start > 0 && text_[start - 1] == '-') {
    // -9223372036854775808, the smallest integer: the parser folds the '-' into the literal
    // (and reports the number where it is not negated).
    t.value = std::numeric_limits<std::int64_t>::min();
  } else if (overflow) {
    diags_.error(src_, t.loc, fmt::format("integer {} does not fit in 64 bits", t.text),
                 "integers range from -9223372036854775808 to 9223372036854775807");
  }
}

bool Lexer::lex_string(Token& t) {
  std::size_t start = ++pos_;
  while (pos_ < text_.size() && text_[pos_] != '"' && text_[pos_] != '\n' && text_[pos_] != '\r') {
    if (text_[pos_] == '\\' && pos_ + 1 < text_.size() && text_[pos_ + 1] != '\n' &&
        text_[pos_ + 1] != '\r')
      ++pos_;
    ++pos_;
  }
  if (pos_ >= text_.size() || text_[pos_] != '"') {
    diags_.error(src_, t.loc, "unterminated string", "close the string with '\"' on the same line");
    return false;
  }
  t.kind = Tok::String;
  t.text = text_.substr(start, pos_ - start);
  ++pos_;
  return true;
}

bool Lexer::lex_punct(Token& t) {
  char c = text_[pos_];
  char n = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
  auto one = [&](Tok k) {
    t.kind = k;
    pos_ += 1;
    return true;
  };
  auto two = [&](Tok k) {
    t.kind = k;
    pos_ += 2;
    return true;
  };
  switch (c) {
    case '(':
      return one(Tok::LParen);
    case ')':
      return one(Tok::RParen);
    case '[':
      return one(Tok::LBracket);
    case ']':
      return one(Tok::RBracket);
    case '{':
      return one(Tok::LBrace);
    case '}':
      return one(Tok::RBrace);
    case ',':
      return one(Tok::Comma);
    case ';':
      return one(Tok::Semi);
    case ':':
      return one(Tok::Colon);
    case '.':
      return one(Tok::Dot);
    case '?':
      return one(Tok::Question);
    case '+':
      return one(Tok::Plus);
    case '-':
      return one(Tok::Minus);
    case '*':
      return one(Tok::Star);
    case '/':
      return one(Tok::Slash);
    case '%':
      return one(Tok::Percent);
    case '<':
      return n == '=' ? two(Tok::Le) : one(Tok::Lt);
    case '>':
      return n == '=' ? two(Tok::Ge) : one(Tok::Gt);
    case '=':
      return n == '=' ? two(Tok::EqEq) : one(Tok::Assign);
    case '!':
      return n == '=' ? two(Tok::Ne) : one(Tok::Bang);
    case '&':
      if (n == '&') return two(Tok::AndAnd);
      return false;
    case '|':
      if (n == '|') return two(Tok::OrOr);
      return false;
    default:
      return false;
  }
}

void Lexer::bad_char(SourceLoc at, unsigned char c) {
  std::string hint;
  if (c == '&' || c == '|') {
    hint = fmt::format("logical operators are written '{0}{0}'", static_cast<char>(c));
  } else if (c == '\'') {
    hint = "strings use double quotes: \"...\"";
  }
  // Skip one whole UTF-8 sequence so a multibyte character is reported once.
  std::size_t len = 1;
  if (c >= 0xC0 && c < 0xE0)
    len = 2;
  else if (c >= 0xE0 && c < 0xF0)
    len = 3;
  else if (c >= 0xF0 && c < 0xF8)
    len = 4;
  std::string shown = c >= 0x20 && c < 0x7f ? fmt::format("'{}'", static_cast<char>(c))
                                            : fmt::format("byte 0x{:02X}", c);
  // A well-formed multibyte character is shown as itself: "byte 0xC3" would hide an 'é'.
  bool whole = len > 1 && pos_ + len <= text_.size();
  for (std::size_t k = 1; whole && k < len; ++k)
    whole = (static_cast<unsigned char>(text_[pos_ + k]) & 0xC0) == 0x80;
  if (whole && text_.substr(pos_, len) == kByteOrderMark) {
    // Invisible in an editor: say what it is.
    shown = "U+FEFF (a byte-order mark)";
    hint = "a byte-order mark is accepted only at the very start of the file; delete this one";
  } else if (whole) {
    shown = fmt::format("'{}'", text_.substr(pos_, len));
    hint = "names and operators are ASCII; non-ASCII text may appear only in comments and strings";
  } else {
    len = 1;  // a broken sequence: do not swallow the bytes after it
  }
  diags_.error(src_, at, fmt::format("unexpected character {}", shown), hint);
  pos_ = std::min(text_.size(), pos_ + len);
}

std::string_view word_at(std::string_view text, std::uint32_t pos) {
  if (pos >= text.size()) return {};
  auto c = static_cast<unsigned char>(text[pos]);
  std::size_t end = pos + 1;
  if (is_ident_start(c)) {
    while (end < text.size() && is_ident_char(static_cast<unsigned char>(text[end])))
      ++end;
  } else if (is_digit(c)) {
    while (end < text.size() && is_digit(static_cast<unsigned char>(text[end])))
      ++end;
  }
  return text.substr(pos, end - pos);
}

std::int64_t decimal_value(std::string_view digits, bool* overflow) {
  std::uint64_t v = 0;
  for (char ch : digits) {
    auto d = static_cast<std::uint64_t>(ch - '0');
    if (v > (static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) - d) / 10) {
      if (overflow) *overflow = true;
      return 0;
    }
    v = v * 10 + d;
  }
  return static_cast<std::int64_t>(v);
}

std::vector<Token> lex(const SourceFile& src, Diagnostics& diags, std::vector<Comment>* comments) {
  Lexer lexer(src, diags, comments);
  std::vector<Token> out;
  do {
    out.push_back(lexer.next());
  } while (out.back().kind != Tok::End);
  return out;
}

}  // namespace mapsmith::dsl
