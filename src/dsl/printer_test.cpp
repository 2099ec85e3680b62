// The canonical printer (`mapsmith fmt`): exact output for each construct, comments and blank
// lines kept, minimal parentheses, and its two promises on every mapper in tests/mappers:
// printing is idempotent and does not change the tree.
#include "dsl/printer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dsl/checker.h"
#include "dsl/parser.h"

namespace mapsmith::dsl {
namespace {

std::string rendered(const Diagnostics& diags) {
  std::string out;
  for (const Diagnostic& d : diags.all())
    out += render(d);
  return out;
}

/// Formats `text`, and checks both promises of the printer on it.
std::string fmt_checked(const std::string& text) {
  Diagnostics d1;
  Program p = parse_string(text, d1, "f.mapping");
  EXPECT_FALSE(d1.has_errors()) << rendered(d1);
  std::string once = format_program(p);
  Diagnostics d2;
  Program q = parse_string(once, d2, "f.mapping");
  EXPECT_FALSE(d2.has_errors()) << rendered(d2) << once;
  EXPECT_EQ(dump_ast(q), dump_ast(p)) << once;
  EXPECT_EQ(format_program(q), once);
  return once;
}

std::string fmt_expr(const std::string& e) {
  std::string out = fmt_checked("x = " + e + ";\n");
  EXPECT_EQ(out.substr(0, 4), "x = ");
  EXPECT_EQ(out.substr(out.size() - 2), ";\n");
  return out.substr(4, out.size() - 6);
}

// ---- statements ----

TEST(Format, StatementsInCanonicalForm) {
  EXPECT_EQ(fmt_checked("Task  *   GPU , OMP,CPU ;"), "Task * GPU,OMP,CPU;\n");
  EXPECT_EQ(fmt_checked("Task a, b,c CPU;"), "Task a,b,c CPU;\n");
  EXPECT_EQ(fmt_checked("Region * * GPU FBMEM, ZCMEM;"), "Region * * GPU FBMEM,ZCMEM;\n");
  EXPECT_EQ(fmt_checked("Region solve 3 * ZCMEM;"), "Region solve 3 * ZCMEM;\n");
  EXPECT_EQ(fmt_checked("Layout * * * SOA  C_order Align == 128;"),
            "Layout * * * SOA C_order Align==128;\n");
  EXPECT_EQ(fmt_checked("Layout t r FBMEM Align>=8 No_Align Compact Exact;"),
            "Layout t r FBMEM Align>=8 No_Align Compact Exact;\n");
  EXPECT_EQ(fmt_checked("Layout * * *;"), "Layout * * *;\n");
  EXPECT_EQ(fmt_checked("InstanceLimit t 4;"), "InstanceLimit t 4;\n");
  EXPECT_EQ(fmt_checked("InstanceLimit t GPU 4;"), "InstanceLimit t GPU 4;\n");
  EXPECT_EQ(fmt_checked("CollectMemory t *;CollectMemory * 0;"),
            "CollectMemory t *;\nCollectMemory * 0;\n");
  EXPECT_EQ(fmt_checked("IndexTaskMap a, b f;"), "IndexTaskMap a,b f;\n");
  EXPECT_EQ(fmt_checked("IndexTaskMap GPU f;"), "IndexTaskMap GPU f;\n");
  EXPECT_EQ(fmt_checked("SingleTaskMap * g;"), "SingleTaskMap * g;\n");
  EXPECT_EQ(fmt_checked("ControlReplicate a,  b;"), "ControlReplicate a,b;\n");
  EXPECT_EQ(fmt_checked("print( \"x={}\" ,x );"), "print(\"x={}\", x);\n");
  EXPECT_EQ(fmt_checked("print(\"\");"), "print(\"\");\n");
  EXPECT_EQ(fmt_checked("print(\"a \\\"q\\\" {}\", 1);"), "print(\"a \\\"q\\\" {}\", 1);\n");
}

TEST(Format, Defs) {
  EXPECT_EQ(fmt_checked("def f(Task task){return m[0,0];}"),
            "def f(Task task) {\n  return m[0, 0];\n}\n");
  EXPECT_EQ(fmt_checked("def g(IPoint x,ISpace y,MSpace z,int d,bool b) {\n"
                        "        a = x[d];\n"
                        "        print(\"{}\", a);\n"
                        "        return a;\n"
                        "}\n"),
            "def g(IPoint x, ISpace y, MSpace z, int d, bool b) {\n"
            "  a = x[d];\n"
            "  print(\"{}\", a);\n"
            "  return a;\n"
            "}\n");
  EXPECT_EQ(fmt_checked("def h() { return 1; }"), "def h() {\n  return 1;\n}\n");
}

TEST(Format, DefWithTheBraceOnTheNextLine) {
  // The brace moves up; no blank line appears where it was.
  EXPECT_EQ(fmt_checked("def f(Task t)\n{\n  return 1;\n}\n"), "def f(Task t) {\n  return 1;\n}\n");
  EXPECT_EQ(fmt_checked("def f(Task t)\n\n{\n  return 1;\n}\n"),
            "def f(Task t) {\n  return 1;\n}\n");
  EXPECT_EQ(fmt_checked("def f(int a,\n      int b)\n{\n  return a;\n}\n"),
            "def f(int a, int b) {\n  return a;\n}\n");
  EXPECT_EQ(fmt_checked("def f()\n{\n  return 1;\n}\n"), "def f() {\n  return 1;\n}\n");
  // A real blank line at the top of the body is kept as one.
  EXPECT_EQ(fmt_checked("def f(Task t) {\n\n\n  return 1;\n}\n"),
            "def f(Task t) {\n\n  return 1;\n}\n");
}

TEST(Format, EmptyStatementsAreDropped) {
  EXPECT_EQ(fmt_checked(";Task * GPU;;\ndef f(Task t) { ; return 1; };\n"),
            "Task * GPU;\ndef f(Task t) {\n  return 1;\n}\n");
}

TEST(Format, EmptyProgram) {
  EXPECT_EQ(fmt_checked(""), "");
  EXPECT_EQ(fmt_checked("\n\n"), "");
}

TEST(Format, CrLfAndNoTrailingNewline) {
  EXPECT_EQ(fmt_checked("Task * GPU;\r\n\r\n\r\nx = 1; # c\r\n# last"),
            "Task * GPU;\n\nx = 1;  # c\n# last\n");
}

// ---- expressions ----

TEST(FormatExpr, OperatorSpacing) {
  EXPECT_EQ(fmt_expr("a+b*c"), "a + b * c");
  EXPECT_EQ(fmt_expr("a<=b&&c!=d||!e"), "a <= b && c != d || !e");
  EXPECT_EQ(fmt_expr("a%b/c"), "a % b / c");
  EXPECT_EQ(fmt_expr("-a"), "-a");
  EXPECT_EQ(fmt_expr("c?a:b"), "c ? a : b");
}

TEST(FormatExpr, MinimalParentheses) {
  EXPECT_EQ(fmt_expr("(a+b)*c"), "(a + b) * c");
  EXPECT_EQ(fmt_expr("a+(b*c)"), "a + b * c");
  EXPECT_EQ(fmt_expr("(a+b)+c"), "a + b + c");
  EXPECT_EQ(fmt_expr("a-(b-c)"), "a - (b - c)");
  EXPECT_EQ(fmt_expr("a/(b*c)"), "a / (b * c)");
  EXPECT_EQ(fmt_expr("(a/b)%c"), "a / b % c");
  EXPECT_EQ(fmt_expr("((((a))))"), "a");
  EXPECT_EQ(fmt_expr("(-a)*b"), "-a * b");
  EXPECT_EQ(fmt_expr("-(a*b)"), "-(a * b)");
  EXPECT_EQ(fmt_expr("(a || b) && c"), "(a || b) && c");
  EXPECT_EQ(fmt_expr("a || (b && c)"), "a || b && c");
  EXPECT_EQ(fmt_expr("(a == b) == c"), "a == b == c");
  EXPECT_EQ(fmt_expr("a == (b == c)"), "a == (b == c)");
  EXPECT_EQ(fmt_expr("(a < b) == (c < d)"), "a < b == c < d");
  EXPECT_EQ(fmt_expr("-(a.size)"), "-a.size");
  EXPECT_EQ(fmt_expr("(-a).size"), "(-a).size");
  EXPECT_EQ(fmt_expr("(a + b)[0]"), "(a + b)[0]");
  EXPECT_EQ(fmt_expr("(m.merge(0, 1))[i]"), "m.merge(0, 1)[i]");
}

TEST(FormatExpr, NestedUnaryPrintsWithoutParentheses) {
  EXPECT_EQ(fmt_expr("-(-x)"), "- -x");
  EXPECT_EQ(fmt_expr("- -x"), "- -x");
  EXPECT_EQ(fmt_expr("!(!b)"), "!!b");
  EXPECT_EQ(fmt_expr("-(-(-1))"), "- - -1");
  EXPECT_EQ(fmt_expr("-(!b)"), "-!b");
  EXPECT_EQ(fmt_expr("!(-x)"), "!-x");
  EXPECT_EQ(fmt_expr("-(a * b)"), "-(a * b)");
}

TEST(FormatExpr, AChainOfUnariesTheParserTookPrintsAsOneItTakes) {
  // 150 levels are within the parser's cap of 200; with a pair of parentheses per level the
  // printed text would nest 299 deep and be refused (found by the fuzzer).
  for (const char* op : {"!", "-"}) {
    std::string chain;
    for (int i = 0; i < 150; ++i)
      chain += op;
    const std::string text = "x = " + chain + "y;\n";
    Diagnostics diags;
    Program p = parse_string(text, diags, "chain.mapping");
    ASSERT_FALSE(diags.has_errors()) << op;
    const std::string once = format_program(p);
    Diagnostics again;
    Program q = parse_string(once, again, "chain.mapping");
    EXPECT_FALSE(again.has_errors()) << op;
    EXPECT_EQ(dump_ast(q), dump_ast(p)) << op;
    EXPECT_EQ(format_program(q), once) << op;
  }
}

TEST(FormatExpr, Conditionals) {
  // A conditional inside a condition needs its parentheses; in a branch it does not.
  EXPECT_EQ(fmt_expr("(a > b ? a : b) > c ? 1 : 2"), "(a > b ? a : b) > c ? 1 : 2");
  EXPECT_EQ(fmt_expr("(a ? b : c) ? 1 : 2"), "(a ? b : c) ? 1 : 2");
  EXPECT_EQ(fmt_expr("a ? (b ? 1 : 2) : 3"), "a ? b ? 1 : 2 : 3");
  EXPECT_EQ(fmt_expr("a ? 1 : (b ? 2 : 3)"), "a ? 1 : b ? 2 : 3");
  EXPECT_EQ(fmt_expr("(a ? 1 : 2) + 3"), "(a ? 1 : 2) + 3");
  EXPECT_EQ(fmt_expr("f(a ? 1 : 2, (c ? d : e))"), "f(a ? 1 : 2, c ? d : e)");
}

TEST(FormatExpr, Tuples) {
  EXPECT_EQ(fmt_expr("(a,)"), "(a,)");
  EXPECT_EQ(fmt_expr("( a , )"), "(a,)");
  EXPECT_EQ(fmt_expr("()"), "()");
  EXPECT_EQ(fmt_expr("(0,1,2)"), "(0, 1, 2)");
  EXPECT_EQ(fmt_expr("(*lo,*hi)"), "(*lo, *hi)");
  EXPECT_EQ(fmt_expr("(*lo,)"), "(*lo,)");
  EXPECT_EQ(fmt_expr("(*t.size, *f(x))"), "(*t.size, *f(x))");
  EXPECT_EQ(fmt_expr("(a+1, (b, c)[0])"), "(a + 1, (b, c)[0])");
}

TEST(FormatExpr, IndexSliceCallsAndComprehensions) {
  EXPECT_EQ(fmt_expr("m[ i ,j ]"), "m[i, j]");
  EXPECT_EQ(fmt_expr("m[*up,*lo]"), "m[*up, *lo]");
  EXPECT_EQ(fmt_expr("m[i,*]"), "m[i, *]");
  EXPECT_EQ(fmt_expr("m[*task.parent.processor(m)]"), "m[*task.parent.processor(m)]");
  EXPECT_EQ(fmt_expr("t[-1]"), "t[-1]");
  EXPECT_EQ(fmt_expr("s[ : -1 ]"), "s[:-1]");
  EXPECT_EQ(fmt_expr("t[1 :]"), "t[1:]");
  EXPECT_EQ(fmt_expr("t[a+1:b]"), "t[a + 1:b]");
  EXPECT_EQ(fmt_expr("t[:]"), "t[:]");
  EXPECT_EQ(fmt_expr("f( a,b )"), "f(a, b)");
  EXPECT_EQ(fmt_expr("f()"), "f()");
  EXPECT_EQ(fmt_expr("m.auto_split(0,task.ispace/m[:-1])"),
            "m.auto_split(0, task.ispace / m[:-1])");
  EXPECT_EQ(fmt_expr("Machine( GPU ).merge(0,1)"), "Machine(GPU).merge(0, 1)");
  EXPECT_EQ(fmt_expr("tuple(f(x,i,i+3) for i in (0,1,2))"),
            "tuple(f(x, i, i + 3) for i in (0, 1, 2))");
  EXPECT_EQ(fmt_expr("True&&False"), "True && False");
}

TEST(FormatExpr, FormatExprOfOneExpression) {
  Diagnostics diags;
  Program p = parse_string("x = (a+b)*-c;", diags);
  ASSERT_FALSE(diags.has_errors());
  EXPECT_EQ(format_expr(p, p.value(p.stmts[0])), "(a + b) * -c");
}

// ---- comments and blank lines ----

TEST(FormatComments, OwnLineTrailingAndAtTheEnd) {
  EXPECT_EQ(fmt_checked("# head\nTask * GPU;   # trailing   \n// own line\nx = 1;\n# end"),
            "# head\nTask * GPU;  # trailing\n// own line\nx = 1;\n# end\n");
}

TEST(FormatComments, InsideFunctions) {
  EXPECT_EQ(fmt_checked("def f(Task t) { # head\n"
                        "    # first\n"
                        "    x = 1; # on x\n"
                        "    # before return\n"
                        "    return x;\n"
                        "    # before the brace\n"
                        "} # after the brace\n"),
            "def f(Task t) {  # head\n"
            "  # first\n"
            "  x = 1;  # on x\n"
            "  # before return\n"
            "  return x;\n"
            "  # before the brace\n"
            "}  # after the brace\n");
}

TEST(FormatComments, InsideAMultiLineStatementMoveToItsEnd) {
  EXPECT_EQ(fmt_checked("x = a # first part\n  + b; # second\ny = 2;\n"),
            "x = a + b;  # first part  # second\ny = 2;\n");
}

TEST(FormatComments, StatementsSharingALine) {
  // The comment follows the last statement of the line, and stays with it.
  EXPECT_EQ(fmt_checked("x = 1; y = 2;  # on y\nz = 3;\n"), "x = 1;\ny = 2;  # on y\nz = 3;\n");
  EXPECT_EQ(fmt_checked("def f(Task t) { a = 1; return a; # on return\n}\n"),
            "def f(Task t) {\n  a = 1;\n  return a;  # on return\n}\n");
}

TEST(FormatComments, CommentsThatLookLikeCode) {
  EXPECT_EQ(fmt_checked("Layout * * * SOA; # Exact; # Align==128 Compact\n#def f(Task t) {\n"),
            "Layout * * * SOA;  # Exact; # Align==128 Compact\n#def f(Task t) {\n");
}

TEST(FormatBlankLines, CollapsedToOne) {
  EXPECT_EQ(fmt_checked("\n\n\nTask * GPU;\n\n\n\nRegion * * GPU FBMEM;\nx = 1;\n\n# c\n\n\n"),
            "Task * GPU;\n\nRegion * * GPU FBMEM;\nx = 1;\n\n# c\n");
  EXPECT_EQ(fmt_checked("def f(Task t) {\n  a = 1;\n\n\n\n  return a;\n}\n\n\n\ny = 1;"),
            "def f(Task t) {\n  a = 1;\n\n  return a;\n}\n\ny = 1;\n");
}

// ---- the promises, on every mapper of tests/mappers ----

std::vector<std::filesystem::path> mapper_files() {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(
           std::filesystem::path(MAPSMITH_SOURCE_DIR) / "tests" / "mappers")) {
    if (e.path().extension() == ".mapping") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Mappers, ThereAreEnough) {
  EXPECT_GE(mapper_files().size(), 8u);
}

TEST(Mappers, ParseAndCheckWithoutErrors) {
  for (const auto& path : mapper_files()) {
    Diagnostics diags;
    Program p = parse_string(read(path), diags, path.filename().string());
    ASSERT_FALSE(diags.has_errors()) << rendered(diags);
    check(p, diags);
    EXPECT_FALSE(diags.has_errors()) << rendered(diags);
    EXPECT_FALSE(p.stmts.empty()) << path;
  }
}

TEST(Mappers, FormattingIsIdempotentAndKeepsTheTree) {
  for (const auto& path : mapper_files()) {
    SCOPED_TRACE(path.filename().string());
    std::string text = read(path);
    Diagnostics d1;
    Program original = parse_string(text, d1, "a.mapping");
    ASSERT_FALSE(d1.has_errors()) << rendered(d1);
    std::string once = format_program(original);
    Diagnostics d2;
    Program reparsed = parse_string(once, d2, "b.mapping");
    ASSERT_FALSE(d2.has_errors()) << rendered(d2) << once;
    EXPECT_EQ(dump_ast(reparsed), dump_ast(original));
    EXPECT_EQ(format_program(reparsed), once);
    // Every comment survives.
    EXPECT_EQ(reparsed.comments.size(), original.comments.size());
  }
}

}  // namespace
}  // namespace mapsmith::dsl
