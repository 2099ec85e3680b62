// The lexer (dsl.md §1): tokens, their places, comments, and the exact lexical error messages.
#include "dsl/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mapsmith::dsl {
namespace {

struct Lexed {
  std::vector<Token> tokens;
  std::vector<Comment> comments;
  std::string errors;               // every diagnostic, rendered
  std::shared_ptr<SourceFile> src;  // keeps the token texts alive
};

Lexed run(std::string text) {
  Lexed out;
  out.src = std::make_shared<SourceFile>("lex.mapping", std::move(text));
  Diagnostics diags;
  out.tokens = lex(*out.src, diags, &out.comments);
  for (const Diagnostic& d : diags.all())
    out.errors += render(d);
  return out;
}

std::vector<Tok> kinds(std::string text) {
  Lexed l = run(std::move(text));
  EXPECT_EQ(l.errors, "");
  std::vector<Tok> out;
  for (const Token& t : l.tokens)
    out.push_back(t.kind);
  return out;
}

std::string errors(std::string text) {
  return run(std::move(text)).errors;
}

TEST(Lexer, EmptyInputIsJustEnd) {
  Lexed l = run("");
  ASSERT_EQ(l.tokens.size(), 1u);
  EXPECT_EQ(l.tokens[0].kind, Tok::End);
  EXPECT_EQ(l.tokens[0].loc, (SourceLoc{1, 1, 0}));
}

TEST(Lexer, Keywords) {
  EXPECT_EQ(kinds("Task Region Layout InstanceLimit CollectMemory IndexTaskMap SingleTaskMap "
                  "ControlReplicate def return print tuple for in True False Machine"),
            (std::vector<Tok>{Tok::KwTask, Tok::KwRegion, Tok::KwLayout, Tok::KwInstanceLimit,
                              Tok::KwCollectMemory, Tok::KwIndexTaskMap, Tok::KwSingleTaskMap,
                              Tok::KwControlReplicate, Tok::KwDef, Tok::KwReturn, Tok::KwPrint,
                              Tok::KwTuple, Tok::KwFor, Tok::KwIn, Tok::KwTrue, Tok::KwFalse,
                              Tok::KwMachine, Tok::End}));
}

TEST(Lexer, KindsLayoutWordsAndTypesAreNames) {
  // Kinds, layout words, parameter types and property names are ordinary identifiers: the
  // parser and checker give them meaning where they stand.
  Lexed l = run("GPU FBMEM SOA C_order No_Align IPoint MSpace int size auto_split decompose len");
  EXPECT_EQ(l.errors, "");
  ASSERT_EQ(l.tokens.size(), 13u);
  for (std::size_t i = 0; i + 1 < l.tokens.size(); ++i)
    EXPECT_EQ(l.tokens[i].kind, Tok::Ident) << l.tokens[i].text;
  EXPECT_EQ(l.tokens[3].text, "C_order");
}

TEST(Lexer, IdentifiersAreCaseSensitiveAndMayHoldDigits) {
  Lexed l = run("task_1 _x Task2 TASK task");
  ASSERT_EQ(l.tokens.size(), 6u);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(l.tokens[i].kind, Tok::Ident);
  EXPECT_EQ(l.tokens[0].text, "task_1");
  EXPECT_EQ(l.tokens[1].text, "_x");
  EXPECT_EQ(l.tokens[2].text, "Task2");
}

TEST(Lexer, Integers) {
  Lexed l = run("0 42 007 9223372036854775807");
  EXPECT_EQ(l.errors, "");
  ASSERT_EQ(l.tokens.size(), 5u);
  EXPECT_EQ(l.tokens[0].value, 0);
  EXPECT_EQ(l.tokens[1].value, 42);
  EXPECT_EQ(l.tokens[2].value, 7);
  EXPECT_EQ(l.tokens[2].text, "007");
  EXPECT_EQ(l.tokens[3].value, 9223372036854775807);
}

TEST(Lexer, MinusIsAnOperatorNotPartOfTheNumber) {
  Lexed l = run("-1");
  ASSERT_EQ(l.tokens.size(), 3u);
  EXPECT_EQ(l.tokens[0].kind, Tok::Minus);
  EXPECT_EQ(l.tokens[1].kind, Tok::Int);
  EXPECT_EQ(l.tokens[1].value, 1);
}

TEST(Lexer, Punctuation) {
  EXPECT_EQ(kinds("( ) [ ] { } , ; : . ? = + - * / % < <= > >= == != && || !"),
            (std::vector<Tok>{
                Tok::LParen, Tok::RParen, Tok::LBracket, Tok::RBracket, Tok::LBrace,   Tok::RBrace,
                Tok::Comma,  Tok::Semi,   Tok::Colon,    Tok::Dot,      Tok::Question, Tok::Assign,
                Tok::Plus,   Tok::Minus,  Tok::Star,     Tok::Slash,    Tok::Percent,  Tok::Lt,
                Tok::Le,     Tok::Gt,     Tok::Ge,       Tok::EqEq,     Tok::Ne,       Tok::AndAnd,
                Tok::OrOr,   Tok::Bang,   Tok::End}));
}

TEST(Lexer, LongestMatch) {
  // As in the published files: no spaces around the comparison of Align.
  EXPECT_EQ(kinds("Align==128"), (std::vector<Tok>{Tok::Ident, Tok::EqEq, Tok::Int, Tok::End}));
  EXPECT_EQ(kinds("a<=b"), (std::vector<Tok>{Tok::Ident, Tok::Le, Tok::Ident, Tok::End}));
  EXPECT_EQ(kinds("a===b"),
            (std::vector<Tok>{Tok::Ident, Tok::EqEq, Tok::Assign, Tok::Ident, Tok::End}));
  EXPECT_EQ(kinds("!!=x"), (std::vector<Tok>{Tok::Bang, Tok::Ne, Tok::Ident, Tok::End}));
  EXPECT_EQ(kinds("m[*up,*lo]"),
            (std::vector<Tok>{Tok::Ident, Tok::LBracket, Tok::Star, Tok::Ident, Tok::Comma,
                              Tok::Star, Tok::Ident, Tok::RBracket, Tok::End}));
}

TEST(Lexer, Strings) {
  Lexed l = run(R"(print("x = {}, m = {}", x);)");
  EXPECT_EQ(l.errors, "");
  ASSERT_EQ(l.tokens.size(), 8u);
  EXPECT_EQ(l.tokens[2].kind, Tok::String);
  EXPECT_EQ(l.tokens[2].text, "x = {}, m = {}");  // without the quotes
  EXPECT_EQ(l.tokens[2].loc, (SourceLoc{1, 7, 6}));
  EXPECT_EQ(l.tokens[3].loc, (SourceLoc{1, 23, 22}));  // the ',' after the closing quote
  Lexed e = run(R"("")");
  EXPECT_EQ(e.tokens[0].kind, Tok::String);
  EXPECT_EQ(e.tokens[0].text, "");
}

TEST(Lexer, StringEscapesAreKeptAsWritten) {
  Lexed l = run(R"("a \"quoted\" word" x)");
  EXPECT_EQ(l.errors, "");
  ASSERT_EQ(l.tokens.size(), 3u);
  EXPECT_EQ(l.tokens[0].text, R"(a \"quoted\" word)");
  EXPECT_EQ(l.tokens[1].text, "x");
}

TEST(Lexer, LocationsCountLinesAndByteColumns) {
  Lexed l = run("Task * GPU;\n  x = 10;\n");
  ASSERT_EQ(l.tokens.size(), 9u);
  EXPECT_EQ(l.tokens[0].loc, (SourceLoc{1, 1, 0}));
  EXPECT_EQ(l.tokens[2].loc, (SourceLoc{1, 8, 7}));
  EXPECT_EQ(l.tokens[3].loc, (SourceLoc{1, 11, 10}));
  EXPECT_EQ(l.tokens[4].loc, (SourceLoc{2, 3, 14}));
  EXPECT_EQ(l.tokens[6].loc, (SourceLoc{2, 7, 18}));
  EXPECT_EQ(l.tokens[8].kind, Tok::End);
  EXPECT_EQ(l.tokens[8].loc, (SourceLoc{3, 1, 22}));
}

TEST(Lexer, CrLfAndTabsAreWhitespace) {
  Lexed l = run("Task\t*\tGPU;\r\nx = 1;\r\n");
  EXPECT_EQ(l.errors, "");
  ASSERT_EQ(l.tokens.size(), 9u);
  EXPECT_EQ(l.tokens[4].text, "x");
  EXPECT_EQ(l.tokens[4].loc, (SourceLoc{2, 1, 13}));
}

TEST(Lexer, CommentsAreSkippedAndKept) {
  Lexed l = run("# whole line\nTask * GPU; // trailing  \nx = 1; # a; {b} == c\n#last");
  EXPECT_EQ(l.errors, "");
  ASSERT_EQ(l.tokens.size(), 9u);
  EXPECT_EQ(l.tokens[0].kind, Tok::KwTask);
  ASSERT_EQ(l.comments.size(), 4u);
  EXPECT_EQ(l.src->text_of(l.comments[0]), "# whole line");
  EXPECT_EQ(l.src->loc_at(l.comments[0].pos), (SourceLoc{1, 1, 0}));
  EXPECT_EQ(l.src->text_of(l.comments[1]), "// trailing");  // trailing blanks dropped
  EXPECT_EQ(l.src->loc_at(l.comments[1].pos), (SourceLoc{2, 13, 25}));
  EXPECT_EQ(l.src->text_of(l.comments[2]), "# a; {b} == c");
  EXPECT_EQ(l.src->text_of(l.comments[3]), "#last");  // no newline at the end of the file
}

TEST(Lexer, CommentEndsAtCrLf) {
  Lexed l = run("x = 1; # c\r\ny = 2;");
  ASSERT_EQ(l.comments.size(), 1u);
  EXPECT_EQ(l.src->text_of(l.comments[0]), "# c");
  EXPECT_EQ(l.tokens[4].text, "y");
}

TEST(Lexer, ASingleSlashIsDivision) {
  EXPECT_EQ(kinds("a / b // c"), (std::vector<Tok>{Tok::Ident, Tok::Slash, Tok::Ident, Tok::End}));
}

TEST(Lexer, CommentsNeedNotBeCollected) {
  SourceFile src("x.mapping", "# c\nx");
  Diagnostics diags;
  std::vector<Token> toks = lex(src, diags);
  ASSERT_EQ(toks.size(), 2u);
  EXPECT_EQ(toks[0].text, "x");
}

TEST(Describe, TokensReadAsInMessages) {
  EXPECT_EQ(describe(Tok::End), "end of file");
  EXPECT_EQ(describe(Tok::Ident), "a name");
  EXPECT_EQ(describe(Tok::Int), "an integer");
  EXPECT_EQ(describe(Tok::String), "a string");
  EXPECT_EQ(describe(Tok::Semi), "';'");
  EXPECT_EQ(describe(Tok::AndAnd), "'&&'");
  EXPECT_EQ(describe(Tok::KwControlReplicate), "'ControlReplicate'");
  EXPECT_EQ(describe(Tok::KwMachine), "'Machine'");
}

// ---- lexical errors ----

TEST(LexerErrors, UnterminatedString) {
  Lexed l = run("print(\"x = {}, x);\nTask * GPU;\n");
  EXPECT_EQ(l.errors,
            "lex.mapping:1:7: error: unterminated string\n"
            "  print(\"x = {}, x);\n"
            "        ^\n"
            "hint: close the string with '\"' on the same line\n");
  // Lexing goes on at the next line.
  EXPECT_EQ(l.tokens.back().kind, Tok::End);
  bool saw_task = false;
  for (const Token& t : l.tokens)
    saw_task |= t.kind == Tok::KwTask;
  EXPECT_TRUE(saw_task);
}

TEST(LexerErrors, UnterminatedStringAtEndOfFile) {
  EXPECT_EQ(errors("print(\"abc"),
            "lex.mapping:1:7: error: unterminated string\n"
            "  print(\"abc\n"
            "        ^\n"
            "hint: close the string with '\"' on the same line\n");
}

TEST(LexerErrors, SingleAmpersandAndBar) {
  EXPECT_EQ(errors("a & b"),
            "lex.mapping:1:3: error: unexpected character '&'\n"
            "  a & b\n"
            "    ^\n"
            "hint: logical operators are written '&&'\n");
  EXPECT_EQ(errors("a | b"),
            "lex.mapping:1:3: error: unexpected character '|'\n"
            "  a | b\n"
            "    ^\n"
            "hint: logical operators are written '||'\n");
}

TEST(LexerErrors, SingleQuote) {
  EXPECT_EQ(errors("print('x');"),
            "lex.mapping:1:7: error: unexpected character '''\n"
            "  print('x');\n"
            "        ^\n"
            "hint: strings use double quotes: \"...\"\n"
            "lex.mapping:1:9: error: unexpected character '''\n"
            "  print('x');\n"
            "          ^\n"
            "hint: strings use double quotes: \"...\"\n");
}

TEST(LexerErrors, OtherStrayCharacters) {
  EXPECT_EQ(errors("x = 1 @ 2;"),
            "lex.mapping:1:7: error: unexpected character '@'\n"
            "  x = 1 @ 2;\n"
            "        ^\n");
  EXPECT_EQ(errors("x = $y;"),
            "lex.mapping:1:5: error: unexpected character '$'\n"
            "  x = $y;\n"
            "      ^\n");
}

TEST(LexerErrors, NonAsciiCharacterIsReportedOnce) {
  // 'é' is two bytes in UTF-8; one error for the character, and lexing resumes after it.
  Lexed l = run("x = \xc3\xa9;");
  EXPECT_EQ(l.errors,
            "lex.mapping:1:5: error: unexpected character '\xc3\xa9'\n"
            "  x = \xc3\xa9;\n"
            "      ^\n"
            "hint: names and operators are ASCII; non-ASCII text may appear only in comments "
            "and strings\n");
  ASSERT_GE(l.tokens.size(), 2u);
  EXPECT_EQ(l.tokens[l.tokens.size() - 2].kind, Tok::Semi);
}

TEST(LexerErrors, BrokenUtf8SequenceIsOneByte) {
  // parse() rejects such a file as a whole; the lexer on its own still skips only the bad byte.
  Lexed l = run("x = \xc3(1);");
  EXPECT_EQ(l.errors,
            "lex.mapping:1:5: error: unexpected character byte 0xC3\n"
            "  x = \xc3(1);\n"
            "      ^\n");
  ASSERT_EQ(l.tokens.size(), 7u);
  EXPECT_EQ(l.tokens[2].kind, Tok::LParen);
}

TEST(LexerErrors, NonAsciiInCommentsAndStringsIsFine) {
  Lexed l = run("# caf\xc3\xa9\nprint(\"\xe2\x86\x92 {}\", 1);");
  EXPECT_EQ(l.errors, "");
  EXPECT_EQ(l.tokens[2].text, "\xe2\x86\x92 {}");
}

TEST(LexerErrors, NameGluedToANumber) {
  EXPECT_EQ(errors("x = 12abc;"),
            "lex.mapping:1:7: error: unexpected 'a' after the number 12\n"
            "  x = 12abc;\n"
            "        ^\n"
            "hint: put a space or an operator between a number and a name\n");
}

TEST(LexerErrors, NameGluedToANumberIsOneToken) {
  // The name is part of the mistake: no second token, so no second error from the parser.
  Lexed l = run("x = 12abc;");
  ASSERT_EQ(l.tokens.size(), 5u);
  EXPECT_EQ(l.tokens[2].kind, Tok::Int);
  EXPECT_EQ(l.tokens[2].value, 12);
  EXPECT_EQ(l.tokens[3].kind, Tok::Semi);
}

TEST(LexerErrors, IntegerTooLarge) {
  Lexed l = run("x = 9223372036854775808;");
  EXPECT_EQ(l.errors,
            "lex.mapping:1:5: error: integer 9223372036854775808 does not fit in 64 bits\n"
            "  x = 9223372036854775808;\n"
            "      ^\n"
            "hint: integers range from -9223372036854775808 to 9223372036854775807\n");
  EXPECT_EQ(l.tokens[2].kind, Tok::Int);
}

TEST(LexerErrors, ManyBadCharactersStopAtTheLimit) {
  Diagnostics diags(5);
  SourceFile src("many.mapping", std::string(1000, '@'));
  std::vector<Token> toks = lex(src, diags);
  EXPECT_EQ(diags.error_count(), 5u);
  EXPECT_EQ(toks.back().kind, Tok::End);
}

}  // namespace
}  // namespace mapsmith::dsl
