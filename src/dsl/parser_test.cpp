// The parser (dsl.md §1–§3 and the forms of the published mappers): every statement, every
// expression form with its precedence, and the exact syntax error messages, from strings.
#include "dsl/parser.h"

#include <gtest/gtest.h>

#include <string>

namespace mapsmith::dsl {
namespace {

std::string rendered(const Diagnostics& diags) {
  std::string out;
  for (const Diagnostic& d : diags.all())
    out += render(d);
  return out;
}

/// The tree of a program that must parse.
std::string tree(std::string text) {
  Diagnostics diags;
  Program p = parse_string(std::move(text), diags, "p.mapping");
  EXPECT_EQ(rendered(diags), "");
  return dump_ast(p);
}

/// The tree of one expression.
std::string expr(const std::string& e) {
  std::string t = tree("x = " + e + ";");
  const std::string head = "(= x ";
  EXPECT_EQ(t.substr(0, head.size()), head) << t;
  EXPECT_EQ(t.substr(t.size() - 2), ")\n") << t;
  return t.substr(head.size(), t.size() - head.size() - 2);
}

/// The rendered diagnostics of a program that must not parse.
std::string errors(std::string text) {
  Diagnostics diags;
  parse_string(std::move(text), diags, "p.mapping");
  EXPECT_TRUE(diags.has_errors());
  return rendered(diags);
}

// ---- statements ----

TEST(ParseStatement, Task) {
  EXPECT_EQ(tree("Task * GPU,OMP,CPU;"), "(Task * GPU,OMP,CPU)\n");
  EXPECT_EQ(tree("Task * CPU;"), "(Task * CPU)\n");
  EXPECT_EQ(tree("Task solve CPU;"), "(Task solve CPU)\n");
  // A task list, with spaces after the commas, as in the published files' IDLISTs.
  EXPECT_EQ(tree("Task a,b, c GPU, CPU;"), "(Task a,b,c GPU,CPU)\n");
}

TEST(ParseStatement, MachineIsAnOrdinaryNameOutsideExpressions) {
  // As in the published grammar, where the scanner makes `Machine` an identifier and only an
  // expression reads it as the machine.
  EXPECT_EQ(tree("Task Machine GPU;"), "(Task Machine GPU)\n");
  EXPECT_EQ(tree("Region Machine Machine GPU FBMEM;"), "(Region Machine Machine GPU FBMEM)\n");
  EXPECT_EQ(tree("IndexTaskMap Machine f;"), "(IndexTaskMap Machine f)\n");
  EXPECT_EQ(tree("Machine = 3;"), "(= Machine 3)\n");
  // In an expression it is still the machine.
  EXPECT_EQ(tree("m = Machine(GPU);"), "(= m (Machine GPU))\n");
}

TEST(ParseStatement, Region) {
  EXPECT_EQ(tree("Region * * GPU FBMEM,ZCMEM;"), "(Region * * GPU FBMEM,ZCMEM)\n");
  EXPECT_EQ(tree("Region * halo_part GPU ZCMEM;"), "(Region * halo_part GPU ZCMEM)\n");
  EXPECT_EQ(tree("Region solve 3 GPU ZCMEM;"), "(Region solve #3 GPU ZCMEM)\n");
  EXPECT_EQ(tree("Region * * * SOCKMEM,SYSMEM;"), "(Region * * * SOCKMEM,SYSMEM)\n");
  EXPECT_EQ(tree("Region step,init halo * ZCMEM;"), "(Region step,init halo * ZCMEM)\n");
}

TEST(ParseStatement, Layout) {
  EXPECT_EQ(tree("Layout * * * SOA C_order;"), "(Layout * * * SOA C_order)\n");
  EXPECT_EQ(tree("Layout * * * AOS F_order;"), "(Layout * * * AOS F_order)\n");
  EXPECT_EQ(tree("Layout * * * SOA C_order Exact;"), "(Layout * * * SOA C_order Exact)\n");
  EXPECT_EQ(tree("Layout t r * F_order AOS;"), "(Layout t r * F_order AOS)\n");
  EXPECT_EQ(tree("Layout * * FBMEM SOA;"), "(Layout * * FBMEM SOA)\n");
  EXPECT_EQ(tree("Layout * * GPU SOA Compact No_Align;"),
            "(Layout * * GPU SOA Compact No_Align)\n");
  EXPECT_EQ(tree("Layout * * * Align==128;"), "(Layout * * * Align==128)\n");
  EXPECT_EQ(tree("Layout * * * Align == 64;"), "(Layout * * * Align==64)\n");
  EXPECT_EQ(tree("Layout * * * Align!=8 Align<4096 Align<=1 Align>2 Align>=16;"),
            "(Layout * * * Align!=8 Align<4096 Align<=1 Align>2 Align>=16)\n");
  // No constraint at all is legal in the published grammar.
  EXPECT_EQ(tree("Layout * * *;"), "(Layout * * *)\n");
}

TEST(ParseStatement, InstanceLimit) {
  EXPECT_EQ(tree("InstanceLimit gemm_step 1;"), "(InstanceLimit gemm_step 1)\n");
  // The deprecated 2022 form (the checker warns about it).
  EXPECT_EQ(tree("InstanceLimit gemm_step GPU 2;"), "(InstanceLimit gemm_step GPU 2)\n");
}

TEST(ParseStatement, CollectMemory) {
  EXPECT_EQ(tree("CollectMemory gemm_step *;"), "(CollectMemory gemm_step *)\n");
  EXPECT_EQ(tree("CollectMemory * *;"), "(CollectMemory * *)\n");
  EXPECT_EQ(tree("CollectMemory t rA;"), "(CollectMemory t rA)\n");
  EXPECT_EQ(tree("CollectMemory t 2;"), "(CollectMemory t #2)\n");
}

TEST(ParseStatement, IndexTaskMapAndSingleTaskMap) {
  EXPECT_EQ(tree("IndexTaskMap init_blas spread1d;"), "(IndexTaskMap init_blas spread1d)\n");
  EXPECT_EQ(tree("IndexTaskMap * auto2d;"), "(IndexTaskMap * auto2d)\n");
  EXPECT_EQ(tree("IndexTaskMap step_a,step_b, step_c cyc3d;"),
            "(IndexTaskMap step_a,step_b,step_c cyc3d)\n");
  EXPECT_EQ(tree("IndexTaskMap GPU lincyc;"), "(IndexTaskMap GPU lincyc)\n");
  EXPECT_EQ(tree("SingleTaskMap reduce_step same_proc;"),
            "(SingleTaskMap reduce_step same_proc)\n");
  EXPECT_EQ(tree("SingleTaskMap CPU on_parent;"), "(SingleTaskMap CPU on_parent)\n");
}

TEST(ParseStatement, ControlReplicate) {
  EXPECT_EQ(tree("ControlReplicate top;"), "(ControlReplicate top)\n");
  EXPECT_EQ(tree("ControlReplicate top,main;"), "(ControlReplicate top,main)\n");
}

TEST(ParseStatement, Assign) {
  EXPECT_EQ(tree("mg = Machine(GPU);"), "(= mg (Machine GPU))\n");
  EXPECT_EQ(tree("m = mg.volume > 0 ? mg : mc;"), "(= m (? (> (. volume mg) 0) mg mc))\n");
  // Kind words are values.
  EXPECT_EQ(tree("k = GPU;"), "(= k GPU)\n");
}

TEST(ParseStatement, Print) {
  EXPECT_EQ(tree("print(\"in fn\");"), "(print \"in fn\")\n");
  EXPECT_EQ(tree("print(\"m={}, p={}\", m.size, m[0,*]);"),
            "(print \"m={}, p={}\" (. size m) (index m 0 *))\n");
}

TEST(ParseStatement, Def) {
  EXPECT_EQ(tree("def f(Task task) {\n  return m[0, 0];\n}\n"),
            "(def f (Task task)\n"
            "  (return (index m 0 0))\n"
            ")\n");
  EXPECT_EQ(tree("def blk(IPoint x, ISpace y, MSpace z, int d1, int d2)\n"
                 "{\n"
                 "  print(\"blk {}\", d1);\n"
                 "  a = x[d1] * z.size[d2];\n"
                 "  return a / y.size[d1];\n"
                 "}"),
            "(def blk (IPoint x, ISpace y, MSpace z, int d1, int d2)\n"
            "  (print \"blk {}\" d1)\n"
            "  (= a (* (index x d1) (index (. size z) d2)))\n"
            "  (return (/ a (index (. size y) d1)))\n"
            ")\n");
  EXPECT_EQ(tree("def g(bool b) { return b; }"), "(def g (bool b)\n  (return b)\n)\n");
  EXPECT_EQ(tree("def h() { return 1; }"), "(def h ()\n  (return 1)\n)\n");
}

TEST(ParseStatement, StatementsSpanLinesAndShareLines) {
  EXPECT_EQ(tree("x = a\n  + b\n  * c; y = 1;"), "(= x (+ a (* b c)))\n(= y 1)\n");
}

TEST(ParseStatement, EmptyStatementsAreDropped) {
  EXPECT_EQ(tree(";;Task * GPU;;"), "(Task * GPU)\n");
  EXPECT_EQ(tree("def f(Task t) { ; return 1; };"), "(def f (Task t)\n  (return 1)\n)\n");
}

TEST(ParseStatement, EmptyAndCommentOnlyPrograms) {
  EXPECT_EQ(tree(""), "");
  EXPECT_EQ(tree("# nothing\n// here"), "");
}

TEST(ParseStatement, CrLfNoTrailingNewlineAndComments) {
  EXPECT_EQ(tree("Task * GPU; # c;\r\n// x = 1;\r\nIndexTaskMap GPU f;"),
            "(Task * GPU)\n(IndexTaskMap GPU f)\n");
}

TEST(ParseStatement, KeepsPlacesForLaterStages) {
  Diagnostics diags;
  Program p = parse_string("Task * GPU;\n  Region t r GPU FBMEM;\ndef f(Task t) {\n return 1;\n}",
                           diags, "p.mapping");
  ASSERT_EQ(p.stmts.size(), 3u);
  EXPECT_EQ(p.loc(p.stmts[0]), (SourceLoc{1, 1, 0}));
  EXPECT_EQ(p.loc(p.stmts[0].end), (SourceLoc{1, 11, 10}));
  EXPECT_EQ(p.loc(p.stmts[1]), (SourceLoc{2, 3, 14}));
  EXPECT_EQ(p.loc(p.tasks(p.stmts[1]).names[0]), (SourceLoc{2, 10, 21}));
  EXPECT_EQ(p.loc(p.region(p.stmts[1]).pos), (SourceLoc{2, 12, 23}));
  EXPECT_EQ(p.loc(p.proc(p.stmts[1])), (SourceLoc{2, 14, 25}));
  EXPECT_EQ(p.loc(p.name(p.stmts[2])), (SourceLoc{3, 5, 40}));
  EXPECT_EQ(p.loc(p.stmts[2].end), (SourceLoc{5, 1, 63}));
  ASSERT_EQ(p.body(p.stmts[2]).size(), 1u);
  EXPECT_EQ(p.loc(p.body(p.stmts[2])[0]), (SourceLoc{4, 2, 53}));
}

TEST(ParseStatement, AStatementHasNothingOfAnotherKind) {
  // The accessors read fields that mean different things per kind; asked of the wrong kind they
  // give what that statement lacks, as the empty fields of a statement always did.
  Diagnostics diags;
  Program p = parse_string(
      "x = 1;\nprint(\"{}\", x);\ndef f(Task t) { print(\"a\"); return x; }\n"
      "Region t r GPU FBMEM;\nInstanceLimit t 3;\n",
      diags);
  ASSERT_FALSE(diags.has_errors());
  ASSERT_EQ(p.stmts.size(), 5u);
  const Stmt& assign = p.stmts[0];
  const Stmt& print = p.stmts[1];
  const Stmt& def = p.stmts[2];
  const Stmt& region = p.stmts[3];
  EXPECT_EQ(p.value(print), kNoExpr);
  EXPECT_EQ(p.value(p.body(def)[0]), kNoExpr);
  EXPECT_NE(p.value(p.body(def)[1]), kNoExpr);
  EXPECT_TRUE(p.args(assign).empty());
  EXPECT_EQ(p.args(print).size(), 1u);
  EXPECT_EQ(p.format(p.body(def)[0]), "a");
  EXPECT_TRUE(p.format(assign).empty());
  EXPECT_TRUE(p.tasks(print).names.empty());
  EXPECT_FALSE(p.tasks(def).any);
  EXPECT_TRUE(p.kinds(def).empty());
  EXPECT_EQ(p.region(assign).kind, RegionSel::Kind::Any);
  EXPECT_EQ(p.region(region).name.text, "r");
  EXPECT_EQ(p.proc(assign).text, "");
  EXPECT_EQ(p.proc(p.stmts[4]).text, "");  // the new form names no processor
  EXPECT_EQ(p.proc(region).text, "GPU");
  EXPECT_TRUE(p.layout(region).empty());
  EXPECT_EQ(p.limit(region), 0);
  EXPECT_EQ(p.limit(p.stmts[4]), 3);
  EXPECT_EQ(p.name(region).text, "");
  EXPECT_EQ(p.name(def).text, "f");
  EXPECT_TRUE(p.params(assign).empty());
  EXPECT_TRUE(p.body(assign).empty());
}

// ---- expressions ----

TEST(ParseExpr, Atoms) {
  EXPECT_EQ(expr("42"), "42");
  EXPECT_EQ(expr("True"), "True");
  EXPECT_EQ(expr("False"), "False");
  EXPECT_EQ(expr("name"), "name");
  EXPECT_EQ(expr("FBMEM"), "FBMEM");
  EXPECT_EQ(expr("Machine(CPU)"), "(Machine CPU)");
  EXPECT_EQ(expr("(7)"), "7");  // grouping, not a tuple
}

TEST(ParseExpr, Tuples) {
  EXPECT_EQ(expr("(0,1,2)"), "(tuple 0 1 2)");
  EXPECT_EQ(expr("(0, 1)"), "(tuple 0 1)");
  EXPECT_EQ(expr("(a,)"), "(tuple a)");
  EXPECT_EQ(expr("()"), "(tuple)");
  EXPECT_EQ(expr("(*lo, *hi)"), "(tuple (unpack lo) (unpack hi))");
  EXPECT_EQ(expr("(*lo,)"), "(tuple (unpack lo))");
  EXPECT_EQ(expr("(1, *t.size, f(x)[0])"), "(tuple 1 (unpack (. size t)) (index (call f x) 0))");
}

TEST(ParseExpr, ArithmeticPrecedenceAndAssociativity) {
  EXPECT_EQ(expr("a + b * c"), "(+ a (* b c))");
  EXPECT_EQ(expr("(a + b) * c"), "(* (+ a b) c)");
  EXPECT_EQ(expr("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(expr("a - (b - c)"), "(- a (- b c))");
  EXPECT_EQ(expr("a / b % c * d"), "(* (% (/ a b) c) d)");
  EXPECT_EQ(expr("(lin / m.size[0]) % m.size[1]"),
            "(% (/ lin (index (. size m) 0)) (index (. size m) 1))");
}

TEST(ParseExpr, UnaryBindsTighterThanBinaryAndLooserThanPostfix) {
  EXPECT_EQ(expr("-2*3"), "(* (- 2) 3)");
  EXPECT_EQ(expr("-a.size"), "(- (. size a))");
  EXPECT_EQ(expr("a + -b * c"), "(+ a (* (- b) c))");
  EXPECT_EQ(expr("-(-x)"), "(- (- x))");
  EXPECT_EQ(expr("- -x"), "(- (- x))");
  EXPECT_EQ(expr("!b"), "(! b)");
  EXPECT_EQ(expr("!a && b"), "(&& (! a) b)");
}

TEST(ParseExpr, ComparisonsAndLogic) {
  EXPECT_EQ(expr("a == b < c"), "(== a (< b c))");
  EXPECT_EQ(expr("a < b < c"), "(< (< a b) c)");
  EXPECT_EQ(expr("a <= b != c >= d"), "(!= (<= a b) (>= c d))");
  EXPECT_EQ(expr("a || b && c"), "(|| a (&& b c))");
  EXPECT_EQ(expr("a && b || c && d"), "(|| (&& a b) (&& c d))");
  EXPECT_EQ(expr("a + 1 > b * 2 && c"), "(&& (> (+ a 1) (* b 2)) c)");
}

TEST(ParseExpr, Conditional) {
  EXPECT_EQ(expr("sp[0] > sp[2] ? sp[0] : sp[2]"),
            "(? (> (index sp 0) (index sp 2)) (index sp 0) (index sp 2))");
  EXPECT_EQ(expr("a || b ? 1 : 2"), "(? (|| a b) 1 2)");
  // Nested in the middle and in the else branch. (The published grammar makes '?:'
  // left-associative; no published mapper nests one, and mapsmith nests to the right, as C does.)
  EXPECT_EQ(expr("a ? b ? 1 : 2 : 3"), "(? a (? b 1 2) 3)");
  EXPECT_EQ(expr("a ? 1 : b ? 2 : 3"), "(? a 1 (? b 2 3))");
  EXPECT_EQ(expr("(a ? b : c) ? 1 : 2"), "(? (? a b c) 1 2)");
}

TEST(ParseExpr, ParenthesisedCallee) {
  // The published grammar calls any expression: (f)(1) is f(1), (m.split)(0, 2) is m.split(0, 2).
  EXPECT_EQ(expr("(f)(1)"), "(call f 1)");
  EXPECT_EQ(expr("((f))(1, 2)"), "(call f 1 2)");
  EXPECT_EQ(expr("(m.split)(0, 2)"), "(method split m 0 2)");
  EXPECT_EQ(expr("(f)(1) + 2"), "(+ (call f 1) 2)");
}

TEST(ParseExpr, IndexAndMachineIndex) {
  EXPECT_EQ(expr("x[d]"), "(index x d)");
  EXPECT_EQ(expr("t[-1]"), "(index t (- 1))");
  EXPECT_EQ(expr("m[i, j]"), "(index m i j)");
  EXPECT_EQ(expr("m[*up, *lo]"), "(index m (unpack up) (unpack lo))");
  EXPECT_EQ(expr("m[*up, 0]"), "(index m (unpack up) 0)");
  EXPECT_EQ(expr("m[*task.parent.processor(m)]"),
            "(index m (unpack (method processor (. parent task) m)))");
  EXPECT_EQ(expr("m[i, *]"), "(index m i *)");
  EXPECT_EQ(expr("m[*, j]"), "(index m * j)");
  EXPECT_EQ(expr("m[task.parent.processor(m)[0], *]"),
            "(index m (index (method processor (. parent task) m) 0) *)");
  EXPECT_EQ(expr("m[ip0 / m.size[1], ip0 % m.size[1]]"),
            "(index m (/ ip0 (index (. size m) 1)) (% ip0 (index (. size m) 1)))");
  EXPECT_EQ(expr("t[0][1]"), "(index (index t 0) 1)");
}

TEST(ParseExpr, Slices) {
  EXPECT_EQ(expr("s[:-1]"), "(slice s _ (- 1))");
  EXPECT_EQ(expr("t[1:]"), "(slice t 1 _)");
  EXPECT_EQ(expr("t[:2]"), "(slice t _ 2)");
  EXPECT_EQ(expr("t[a:b]"), "(slice t a b)");
  EXPECT_EQ(expr("t[:]"), "(slice t _ _)");
  EXPECT_EQ(expr("z[:-1] + z[1:]"), "(+ (slice z _ (- 1)) (slice z 1 _))");
  EXPECT_EQ(expr("m.size[1:][0]"), "(index (slice (. size m) 1 _) 0)");
}

TEST(ParseExpr, PropertiesMethodsAndCalls) {
  EXPECT_EQ(expr("task.ipoint[0]"), "(index (. ipoint task) 0)");
  EXPECT_EQ(expr("m.merge(0, 1)"), "(method merge m 0 1)");
  EXPECT_EQ(expr("m.auto_split(3, task.ispace / m4[:-1])"),
            "(method auto_split m 3 (/ (. ispace task) (slice m4 _ (- 1))))");
  EXPECT_EQ(expr("m.slice(0, 1, 2).volume"), "(. volume (method slice m 0 1 2))");
  EXPECT_EQ(expr("Machine(GPU).merge(0, 1).split(0, 2)"),
            "(method split (method merge (Machine GPU) 0 1) 0 2)");
  EXPECT_EQ(expr("m[0, 1].has(FBMEM)"), "(method has (index m 0 1) FBMEM)");
  EXPECT_EQ(expr("blk(task.ipoint, task.ispace, m, i, i)"),
            "(call blk (. ipoint task) (. ispace task) m i i)");
  EXPECT_EQ(expr("f(*t, 1)"), "(call f (unpack t) 1)");
  EXPECT_EQ(expr("len(t) + min(a, b) - max(a, b) * abs(c)"),
            "(- (+ (call len t) (call min a b)) (* (call max a b) (call abs c)))");
  // A call with no argument parses (the published grammar rejects it; the checker judges it).
  EXPECT_EQ(expr("f()"), "(call f)");
}

TEST(ParseExpr, TupleComprehension) {
  EXPECT_EQ(expr("tuple(f(x, y, m, i, i + 3) for i in (0,1,2))"),
            "(for i (call f x y m i (+ i 3)) (tuple 0 1 2))");
  EXPECT_EQ(expr("tuple(i * 2 for i in t.size)"), "(for i (* i 2) (. size t))");
}

TEST(ParseExpr, LongChainsParseWithoutRecursion) {
  std::string e = "1";
  for (int i = 0; i < 150; ++i)
    e += " + 1";
  Diagnostics diags;
  Program p = parse_string("x = " + e + ";", diags);
  EXPECT_FALSE(diags.has_errors());
  ASSERT_EQ(p.stmts.size(), 1u);
}

// ---- syntax errors ----

TEST(SyntaxError, UnexpectedTokenSaysWhatWasExpected) {
  EXPECT_EQ(errors("mgpu = Machine(GPU;\n"),
            "p.mapping:1:19: error: expected ')' to close Machine(...), found ';'\n"
            "  mgpu = Machine(GPU;\n"
            "                    ^\n");
  EXPECT_EQ(errors("Task * GPU CPU;"),
            "p.mapping:1:12: error: expected ';' to end the Task statement, found 'CPU'\n"
            "  Task * GPU CPU;\n"
            "             ^\n");
  EXPECT_EQ(errors("x = (1, 2;"),
            "p.mapping:1:10: error: expected ',' or ')', found ';'\n"
            "  x = (1, 2;\n"
            "           ^\n");
  EXPECT_EQ(errors("x = m[1, 2;"),
            "p.mapping:1:11: error: expected ',' or ']' in the index, found ';'\n"
            "  x = m[1, 2;\n"
            "            ^\n");
  EXPECT_EQ(errors("x = f(1 2);"),
            "p.mapping:1:9: error: expected ',' or ')' in the call of f, found the number 2\n"
            "  x = f(1 2);\n"
            "          ^\n");
  EXPECT_EQ(errors("x = 1 +;"),
            "p.mapping:1:8: error: expected an expression, found ';'\n"
            "  x = 1 +;\n"
            "         ^\n");
  EXPECT_EQ(errors("x = a ? 1;"),
            "p.mapping:1:10: error: expected ':' in the conditional expression c ? a : b, found "
            "';'\n"
            "  x = a ? 1;\n"
            "           ^\n");
}

TEST(SyntaxError, ExpectedStatement) {
  EXPECT_EQ(errors("42;"),
            "p.mapping:1:1: error: expected a statement, found the number 42\n"
            "  42;\n"
            "  ^\n"
            "hint: a statement starts with Task, Region, Layout, InstanceLimit, CollectMemory, "
            "IndexTaskMap, SingleTaskMap, ControlReplicate, def, print or a name to assign\n");
  EXPECT_EQ(errors("}"),
            "p.mapping:1:1: error: expected a statement, found '}'\n"
            "  }\n"
            "  ^\n"
            "hint: a statement starts with Task, Region, Layout, InstanceLimit, CollectMemory, "
            "IndexTaskMap, SingleTaskMap, ControlReplicate, def, print or a name to assign\n");
}

TEST(SyntaxError, UnknownStatementWord) {
  EXPECT_EQ(errors("Taks * GPU;"),
            "p.mapping:1:1: error: unknown statement 'Taks'\n"
            "  Taks * GPU;\n"
            "  ^\n"
            "hint: statements start with Task, Region, Layout, InstanceLimit, CollectMemory, "
            "IndexTaskMap, SingleTaskMap, ControlReplicate, def or print\n");
  EXPECT_EQ(errors("x 1;"),
            "p.mapping:1:3: error: expected '=' after 'x', found the number 1\n"
            "  x 1;\n"
            "    ^\n");
}

TEST(SyntaxError, KeywordUsedAsAName) {
  EXPECT_EQ(errors("Task for GPU;"),
            "p.mapping:1:6: error: expected a task name or '*', found 'for'\n"
            "  Task for GPU;\n"
            "       ^\n"
            "hint: 'for' is a keyword and cannot be used as a name\n");
  EXPECT_EQ(errors("def print(Task t) { return 1; }"),
            "p.mapping:1:5: error: expected the function's name, found 'print'\n"
            "  def print(Task t) { return 1; }\n"
            "      ^\n"
            "hint: 'print' is a keyword and cannot be used as a name\n");
}

TEST(SyntaxError, ColonAfterDefHead) {
  EXPECT_EQ(errors("def f(Task t):\n  return 1;\n"),
            "p.mapping:1:14: error: ':' after a def head\n"
            "  def f(Task t):\n"
            "               ^\n"
            "hint: the body of a function is a block in braces: def f(Task t) { return ...; }\n");
}

TEST(SyntaxError, MissingSemicolonAtEndOfLine) {
  EXPECT_EQ(errors("Task * GPU\nRegion * * GPU FBMEM;\n"),
            "p.mapping:1:11: error: missing ';' after the Task statement\n"
            "  Task * GPU\n"
            "            ^\n"
            "hint: every statement ends with ';'\n");
  EXPECT_EQ(errors("m = Machine(GPU)\nn = 1;"),
            "p.mapping:1:17: error: missing ';' after the assignment\n"
            "  m = Machine(GPU)\n"
            "                  ^\n"
            "hint: every statement ends with ';'\n");
}

TEST(SyntaxError, MissingSemicolonAtEndOfFileAndBlock) {
  EXPECT_EQ(errors("Layout * * * SOA"),
            "p.mapping:1:17: error: missing ';' after the Layout statement\n"
            "  Layout * * * SOA\n"
            "                  ^\n"
            "hint: every statement ends with ';'\n");
  EXPECT_EQ(errors("def f(Task t) {\n  return m[0, 0]\n}\n"),
            "p.mapping:2:17: error: missing ';' after the return statement\n"
            "    return m[0, 0]\n"
            "                  ^\n"
            "hint: every statement ends with ';'\n");
  EXPECT_EQ(errors("print(\"x\")"),
            "p.mapping:1:11: error: missing ';' after the print statement\n"
            "  print(\"x\")\n"
            "            ^\n"
            "hint: every statement ends with ';'\n");
}

TEST(SyntaxError, UnterminatedStringIsOneError) {
  EXPECT_EQ(errors("print(\"x = {}, x);\nTask * GPU;\n"),
            "p.mapping:1:7: error: unterminated string\n"
            "  print(\"x = {}, x);\n"
            "        ^\n"
            "hint: close the string with '\"' on the same line\n");
}

TEST(SyntaxError, StrayCharacterIsOneError) {
  EXPECT_EQ(errors("x = a & b;\ny = 1;"),
            "p.mapping:1:7: error: unexpected character '&'\n"
            "  x = a & b;\n"
            "        ^\n"
            "hint: logical operators are written '&&'\n");
  EXPECT_EQ(errors("x = 12abc;"),
            "p.mapping:1:7: error: unexpected 'a' after the number 12\n"
            "  x = 12abc;\n"
            "        ^\n"
            "hint: put a space or an operator between a number and a name\n");
}

TEST(SyntaxError, UnterminatedBlock) {
  EXPECT_EQ(errors("def f(Task t) {\n  return 1;\n"),
            "p.mapping:1:15: error: unterminated block: '{' of function 'f' is never closed\n"
            "  def f(Task t) {\n"
            "                ^\n"
            "hint: add '}' after the last statement of the function\n");
}

TEST(SyntaxError, BlockNotClosedBeforeTheNextDef) {
  EXPECT_EQ(errors("def f(Task t) {\n  return 1;\ndef g(Task t) {\n  return 2;\n}\n"),
            "p.mapping:3:1: error: missing '}' before the next 'def': function 'f' opened at "
            "line 1 is never closed\n"
            "  def g(Task t) {\n"
            "  ^\n"
            "hint: add '}' after the last statement of the function\n");
}

TEST(SyntaxError, StatementInsideAFunction) {
  EXPECT_EQ(errors("def f(Task t) {\n  IndexTaskMap t f;\n  return 1;\n}"),
            "p.mapping:2:3: error: 'IndexTaskMap' cannot appear inside a function\n"
            "    IndexTaskMap t f;\n"
            "    ^\n"
            "hint: a function body holds assignments, print and return; close the function with "
            "'}' first\n");
  EXPECT_EQ(errors("def f(Task t) { 3; }"),
            "p.mapping:1:17: error: expected a statement in the function body (NAME = EXPR;, "
            "return EXPR; or print(...);), found the number 3\n"
            "  def f(Task t) { 3; }\n"
            "                  ^\n");
}

TEST(SyntaxError, ReturnOutsideAFunction) {
  EXPECT_EQ(errors("return 1;"),
            "p.mapping:1:1: error: 'return' outside a function\n"
            "  return 1;\n"
            "  ^\n"
            "hint: 'return' can only appear in the body of a 'def'\n");
}

TEST(SyntaxError, DefHeadMistakes) {
  EXPECT_EQ(errors("def f(Task) { return 1; }"),
            "p.mapping:1:11: error: expected a parameter name after the type 'Task', found ')'\n"
            "  def f(Task) { return 1; }\n"
            "            ^\n"
            "hint: parameters are written TYPE NAME, for example: def f(Task task)\n");
  EXPECT_EQ(errors("def f(Task t) return 1;"),
            "p.mapping:1:15: error: expected '{' to open the function body, found 'return'\n"
            "  def f(Task t) return 1;\n"
            "                ^\n");
}

TEST(SyntaxError, StatementFieldsMissing) {
  EXPECT_EQ(errors("Task *;"),
            "p.mapping:1:7: error: expected a processor kind list, found ';'\n"
            "  Task *;\n"
            "        ^\n"
            "hint: write the kinds in priority order, for example: Task * GPU,CPU;\n");
  EXPECT_EQ(errors("Region * * GPU;"),
            "p.mapping:1:15: error: expected a memory kind list, found ';'\n"
            "  Region * * GPU;\n"
            "                ^\n"
            "hint: for example: Region * * GPU FBMEM,ZCMEM;\n");
  EXPECT_EQ(errors("IndexTaskMap t;"),
            "p.mapping:1:15: error: expected the name of a function after the task list, found "
            "';'\n"
            "  IndexTaskMap t;\n"
            "                ^\n"
            "hint: for example: IndexTaskMap my_task block1d;\n");
  // "GPU" is read as a second task name: the kinds are what is missing.
  EXPECT_EQ(errors("Task a, GPU;"),
            "p.mapping:1:12: error: expected a processor kind list, found ';'\n"
            "  Task a, GPU;\n"
            "             ^\n"
            "hint: write the kinds in priority order, for example: Task * GPU,CPU;\n");
}

TEST(SyntaxError, LayoutConstraints) {
  EXPECT_EQ(errors("Layout * * * SOA Fortran;"),
            "p.mapping:1:18: error: unknown layout constraint 'Fortran'\n"
            "  Layout * * * SOA Fortran;\n"
            "                   ^\n"
            "hint: layout constraints are SOA, AOS, C_order, F_order, Compact, Exact, Align OP N "
            "and No_Align\n");
  EXPECT_EQ(errors("Layout * * * Align 128;"),
            "p.mapping:1:20: error: expected a comparison after Align, found the number 128\n"
            "  Layout * * * Align 128;\n"
            "                     ^\n"
            "hint: for example: Align==128\n");
  EXPECT_EQ(errors("Layout * * * Align==x;"),
            "p.mapping:1:21: error: expected a byte count after the comparison, found 'x'\n"
            "  Layout * * * Align==x;\n"
            "                      ^\n"
            "hint: for example: Align==128\n");
}

TEST(SyntaxError, OldIndexTaskMapWithAMachineSpace) {
  // The 2022 form `IndexTaskMap TASKS MSPACE FUNCTION;`.
  EXPECT_EQ(errors("IndexTaskMap * m6 blkcyc;"),
            "p.mapping:1:16: error: the old form 'IndexTaskMap TASKS MSPACE FUNCTION' is no "
            "longer accepted\n"
            "  IndexTaskMap * m6 blkcyc;\n"
            "                 ^\n"
            "hint: index the machine space inside the function and drop it here: def "
            "blkcyc(Task task) { ... return m6[...]; } then IndexTaskMap * blkcyc;\n");
}

TEST(SyntaxError, OldStatementWords) {
  EXPECT_EQ(errors("task_default GPU,CPU;"),
            "p.mapping:1:1: error: 'task_default' is a statement of an old version of the "
            "language\n"
            "  task_default GPU,CPU;\n"
            "  ^\n"
            "hint: write it as: Task * KINDS;\n");
  EXPECT_EQ(errors("region_default GPU FBMEM;"),
            "p.mapping:1:1: error: 'region_default' is a statement of an old version of the "
            "language\n"
            "  region_default GPU FBMEM;\n"
            "  ^\n"
            "hint: write it as: Region * * PROC MEMORIES;\n");
  EXPECT_EQ(errors("task solve CPU;"),
            "p.mapping:1:1: error: 'task' is a statement of an old version of the language\n"
            "  task solve CPU;\n"
            "  ^\n"
            "hint: write it as: Task TASKS KINDS;\n");
  EXPECT_EQ(errors("IndexTaskMap_Default m fn;"),
            "p.mapping:1:1: error: 'IndexTaskMap_Default' is a statement of an old version of "
            "the language\n"
            "  IndexTaskMap_Default m fn;\n"
            "  ^\n"
            "hint: write it as: IndexTaskMap * FUNCTION;\n");
  // The old words are still fine as variable names.
  EXPECT_EQ(tree("task = 1;"), "(= task 1)\n");
}

TEST(SyntaxError, InstanceLimitWithAStar) {
  // Never valid in any version of the language.
  EXPECT_EQ(errors("InstanceLimit gemm_step * 1;"),
            "p.mapping:1:25: error: expected the instance count, found '*'\n"
            "  InstanceLimit gemm_step * 1;\n"
            "                          ^\n"
            "hint: for example: InstanceLimit my_task 4;\n");
}

TEST(SyntaxError, IndexForms) {
  EXPECT_EQ(errors("x = t[];"),
            "p.mapping:1:7: error: empty index '[]'\n"
            "  x = t[];\n"
            "        ^\n"
            "hint: write m[i] or m[i, j]\n");
  EXPECT_EQ(errors("x = m[1:2, 3];"),
            "p.mapping:1:10: error: expected ']' to close the slice, found ','\n"
            "  x = m[1:2, 3];\n"
            "           ^\n");
  EXPECT_EQ(errors("x = *t;"),
            "p.mapping:1:5: error: '*' unpacking is only allowed inside a tuple, an index or "
            "call arguments\n"
            "  x = *t;\n"
            "      ^\n"
            "hint: for example: m[*p, 0] or (*p, 1)\n");
  EXPECT_EQ(errors("x = m.size.foo(1)(2);"),
            "p.mapping:1:18: error: only a function name can be called\n"
            "  x = m.size.foo(1)(2);\n"
            "                   ^\n"
            "hint: call a function by its name: f(x); methods are called as m.split(0, 2)\n");
  EXPECT_EQ(errors("x = m.1;"),
            "p.mapping:1:7: error: expected a property or method name after '.', found the "
            "number 1\n"
            "  x = m.1;\n"
            "        ^\n");
}

TEST(SyntaxError, TaskIsNotAValue) {
  EXPECT_EQ(errors("x = Task;"),
            "p.mapping:1:5: error: 'Task' is a statement keyword and cannot be used as a value\n"
            "  x = Task;\n"
            "      ^\n"
            "hint: to name a task parameter, write def f(Task task) and use 'task'\n");
}

TEST(SyntaxError, TupleComprehensionForm) {
  EXPECT_EQ(errors("x = tuple(i, for i in t);"),
            "p.mapping:1:12: error: expected 'for' in tuple(EXPR for NAME in TUPLE), found ','\n"
            "  x = tuple(i, for i in t);\n"
            "             ^\n");
  EXPECT_EQ(errors("x = tuple(i for i of t);"),
            "p.mapping:1:19: error: expected 'in' in tuple(EXPR for NAME in TUPLE), found 'of'\n"
            "  x = tuple(i for i of t);\n"
            "                    ^\n");
}

TEST(SyntaxError, RecoveryReportsEveryIndependentMistake) {
  EXPECT_EQ(errors("Task * GPU CPU;\n"
                   "Region * * GPU FBMEM;\n"
                   "x = (1 + ;\n"
                   "def f(Task t) {\n"
                   "  y = ;\n"
                   "  return 1;\n"
                   "}\n"
                   "Layout * * * SOA\n"
                   "IndexTaskMap * f;\n"),
            "p.mapping:1:12: error: expected ';' to end the Task statement, found 'CPU'\n"
            "  Task * GPU CPU;\n"
            "             ^\n"
            "p.mapping:3:10: error: expected an expression, found ';'\n"
            "  x = (1 + ;\n"
            "           ^\n"
            "p.mapping:5:7: error: expected an expression, found ';'\n"
            "    y = ;\n"
            "        ^\n"
            "p.mapping:8:17: error: missing ';' after the Layout statement\n"
            "  Layout * * * SOA\n"
            "                  ^\n"
            "hint: every statement ends with ';'\n");
  // The statements that parsed are kept.
  Diagnostics diags;
  Program p = parse_string("Task * GPU CPU;\nRegion * * GPU FBMEM;\nIndexTaskMap * f;", diags);
  EXPECT_EQ(dump_ast(p), "(Region * * GPU FBMEM)\n(IndexTaskMap * f)\n");
}

TEST(SyntaxError, TenThousandParenthesesGiveOneError) {
  std::string text = "x = " + std::string(10000, '(') + "1" + std::string(10000, ')') + ";\n";
  Diagnostics diags;
  Program p = parse_string(text, diags, "deep.mapping");
  ASSERT_EQ(diags.all().size(), 1u);
  const Diagnostic& d = diags.all()[0];
  EXPECT_EQ(d.message, "expression nested too deeply (more than 200 levels)");
  EXPECT_EQ(d.hint, "split the expression with intermediate variables");
  EXPECT_EQ(d.line, 1u);
  EXPECT_EQ(d.col, 205u);  // at the 201st '('
  EXPECT_TRUE(p.stmts.empty());
}

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += s;
  return out;
}

TEST(SyntaxError, DeepUnaryAndTernaryNestingGiveOneError) {
  for (const std::string& text : {
           "x = " + repeat("-", 10000) + "1;",
           "x = " + repeat("!", 10000) + "a;",
           "x = " + repeat("a ? ", 5000) + "1" + repeat(" : 2", 5000) + ";",
           "x = " + repeat("(1, ", 5000) + "1" + repeat(")", 5000) + ";",
           "x = m" + repeat("[m", 5000) + repeat("]", 5000) + ";",
       }) {
    Diagnostics diags;
    parse_string(text, diags, "deep.mapping");
    ASSERT_EQ(diags.all().size(), 1u) << text.substr(0, 20);
    EXPECT_EQ(diags.all()[0].message, "expression nested too deeply (more than 200 levels)");
  }
}

TEST(SyntaxError, VeryLongChainsGiveOneError) {
  // A chain such as 1 + 1 + ... is parsed by a loop, but every later stage walks the tree
  // recursively: it is bounded like nesting, so no stage can run out of stack.
  for (const char* op : {" + ", " * ", " && ", " == ", ".size", "[0]"}) {
    std::string text = "x = 1";
    bool postfix = op[0] == '.' || op[0] == '[';
    for (int i = 0; i < 100000; ++i)
      text += postfix ? op : std::string(op) + "1";
    text += ";\ny = 2;\n";
    Diagnostics diags;
    Program p = parse_string(text, diags, "long.mapping");
    ASSERT_EQ(diags.all().size(), 1u) << op;
    EXPECT_EQ(diags.all()[0].message, "expression nested too deeply (more than 200 levels)");
    EXPECT_EQ(diags.all()[0].line, 1u);
    EXPECT_EQ(dump_ast(p), "(= y 2)\n");
  }
}

TEST(SyntaxError, DeeplyNestedBlocksOfGarbageDoNotCrash) {
  std::string text = std::string(100000, '{') + std::string(100000, '}');
  Diagnostics diags;
  parse_string(text, diags, "braces.mapping");
  EXPECT_TRUE(diags.has_errors());
  EXPECT_LE(diags.error_count(), 50u);
}

TEST(BinaryInput, NulByteIsOneWholeFileError) {
  Diagnostics diags;
  Program p = parse_string(std::string("Task * GPU;\n\0\x01\x02", 15), diags, "blob.mapping");
  ASSERT_EQ(diags.all().size(), 1u);
  EXPECT_EQ(render(diags.all()[0]),
            "blob.mapping: error: not a text file (a NUL byte at offset 12)\n"
            "hint: mapping files are plain text\n");
  EXPECT_TRUE(p.stmts.empty());
  EXPECT_NE(p.source, nullptr);
}

TEST(BinaryInput, InvalidUtf8IsOneWholeFileError) {
  Diagnostics diags;
  parse_string("Task * GPU;\n# caf\xe9\n\xff\xfe", diags, "latin1.mapping");
  ASSERT_EQ(diags.all().size(), 1u);
  EXPECT_EQ(render(diags.all()[0]),
            "latin1.mapping: error: not a text file (invalid UTF-8 at offset 17)\n"
            "hint: mapping files are plain text in UTF-8\n");
}

TEST(BinaryInput, TruncatedUtf8SequenceAtTheEnd) {
  Diagnostics diags;
  parse_string("# \xe2\x86", diags, "cut.mapping");
  ASSERT_EQ(diags.all().size(), 1u);
  EXPECT_EQ(diags.all()[0].message, "not a text file (invalid UTF-8 at offset 2)");
}

TEST(BinaryInput, ValidUtf8IsText) {
  Diagnostics diags;
  SourceFile src("u.mapping", "# \xe2\x86\x92 \xf0\x9f\x99\x82\nTask * GPU;");
  EXPECT_TRUE(looks_like_text(src, diags));
  EXPECT_FALSE(diags.has_errors());
}

TEST(BinaryInput, TooLargeIsOneWholeFileError) {
  Diagnostics diags;
  SourceFile src("big.mapping", std::string(kMaxSourceBytes + 1, ' '));
  EXPECT_FALSE(looks_like_text(src, diags));
  ASSERT_EQ(diags.all().size(), 1u);
  EXPECT_EQ(render(diags.all()[0]),
            "big.mapping: error: file is 16777217 bytes; a mapping file may hold at most "
            "16777216 bytes\n"
            "hint: is this the right file? a mapper is usually a few dozen lines\n");
}

}  // namespace
}  // namespace mapsmith::dsl
