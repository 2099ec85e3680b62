// The checker (dsl.md §3, §5, §6): names, types, kinds, contradictions, deprecated forms and the
// warnings that need no application or machine, each with its exact message, from strings.
#include "dsl/checker.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "dsl/parser.h"

namespace mapsmith::dsl {
namespace {

std::string rendered(const Diagnostics& diags) {
  std::string out;
  for (const Diagnostic& d : diags.all())
    out += render(d);
  return out;
}

/// Parses (which must succeed) and checks `text`; returns every diagnostic, rendered.
std::string check_text(std::string text) {
  Diagnostics diags;
  Program p = parse_string(std::move(text), diags, "c.mapping");
  EXPECT_FALSE(diags.has_errors()) << rendered(diags);
  check(p, diags);
  return rendered(diags);
}

TEST(Check, ACleanMapperHasNoDiagnostics) {
  EXPECT_EQ(check_text("Task * GPU,CPU;\n"
                       "Region * * GPU FBMEM,ZCMEM;\n"
                       "Region * * CPU SYSMEM;\n"
                       "Region * ghost GPU ZCMEM;\n"
                       "Layout * * * SOA C_order;\n"
                       "Layout * * FBMEM AOS Align==128;\n"
                       "InstanceLimit step 2;\n"
                       "CollectMemory step *;\n"
                       "ControlReplicate main;\n"
                       "mg = Machine(GPU);\n"
                       "m1 = mg.merge(0, 1);\n"
                       "def blk(IPoint x, ISpace y, MSpace z, int d) {\n"
                       "  return x[d] * z.size[d] / y[d];\n"
                       "}\n"
                       "def cyc(Task task) {\n"
                       "  i = blk(task.ipoint, task.ispace, mg, 0);\n"
                       "  return m1[i % m1.size[0]];\n"
                       "}\n"
                       "def same(Task task) {\n"
                       "  return mg[*task.parent.processor(mg)];\n"
                       "}\n"
                       "IndexTaskMap step cyc;\n"
                       "SingleTaskMap GPU same;\n"),
            "");
}

TEST(Check, ProgramInfoHasFunctionsAndReturnTypes) {
  Diagnostics diags;
  Program p = parse_string(
      "m = Machine(GPU);\n"
      "def a(Task t) { return m[0, 0]; }\n"
      "def b(int x) { return (x, x); }\n"
      "def c(int x) { return x > 1; }\n"
      "def d(Task t) { return m.merge(0, 1); }\n"
      "def e(Task t) { return b(1)[0]; }\n",
      diags);
  ProgramInfo info = check(p, diags);
  EXPECT_FALSE(diags.has_errors()) << rendered(diags);
  ASSERT_EQ(info.functions.size(), 5u);
  ASSERT_NE(info.function("b"), nullptr);
  EXPECT_EQ(info.function("b")->def, &p.stmts[2]);
  EXPECT_EQ(info.function("zz"), nullptr);
  EXPECT_EQ(info.function("a")->returns, (VType{Type::Proc, -1}));
  EXPECT_EQ(info.function("b")->returns, (VType{Type::Tuple, 2}));
  EXPECT_EQ(info.function("c")->returns, (VType{Type::Bool, -1}));
  EXPECT_EQ(info.function("d")->returns, (VType{Type::Space, 1}));
  EXPECT_EQ(info.function("e")->returns, (VType{Type::Int, -1}));
}

TEST(Specificity, CountsTheFieldsThatAreNotStars) {
  Diagnostics diags;
  Program p = parse_string(
      "Task * GPU;\nTask a,b GPU;\nRegion * * * FBMEM;\nRegion t * GPU FBMEM;\n"
      "Region t 0 GPU FBMEM;\nLayout * r FBMEM SOA;\nCollectMemory t r;\nCollectMemory * *;\n"
      "IndexTaskMap GPU f;\nIndexTaskMap t f;\n",
      diags);
  ASSERT_EQ(p.stmts.size(), 10u);
  int want[] = {0, 1, 0, 2, 3, 2, 2, 0, 1, 1};
  for (std::size_t i = 0; i < 10; ++i)
    EXPECT_EQ(specificity(p.stmts[i]), want[i]) << i;
}

// ---- names ----

TEST(CheckNames, UndefinedVariableWithDidYouMean) {
  EXPECT_EQ(check_text("mgpu = Machine(GPU);\nx = mgpx.size;\n"),
            "c.mapping:2:5: error: undefined variable 'mgpx'\n"
            "  x = mgpx.size;\n"
            "      ^\n"
            "hint: did you mean 'mgpu'?\n");
}

TEST(CheckNames, UndefinedVariableInAFunctionSuggestsLocals) {
  EXPECT_EQ(check_text("def f(Task task) {\n  offset = 1;\n  return ofset;\n}\n"),
            "c.mapping:3:10: error: undefined variable 'ofset'\n"
            "    return ofset;\n"
            "           ^\n"
            "hint: did you mean 'offset'?\n");
}

TEST(CheckNames, UndefinedVariableWithNothingClose) {
  EXPECT_EQ(check_text("x = nothing_like_it + 1;"),
            "c.mapping:1:5: error: undefined variable 'nothing_like_it'\n"
            "  x = nothing_like_it + 1;\n"
            "      ^\n");
}

TEST(CheckNames, VariableAssignedLaterInTheFile) {
  EXPECT_EQ(check_text("x = z;\nz = 1;\n"),
            "c.mapping:1:5: error: undefined variable 'z'\n"
            "  x = z;\n"
            "      ^\n"
            "hint: 'z' is assigned later in the file; move that line above this one\n");
}

TEST(CheckNames, LocalsDoNotLeakBetweenFunctions) {
  EXPECT_EQ(check_text("def f(int a) { shared = a; return shared; }\n"
                       "def g(int c) { return shared; }\n"),
            "c.mapping:2:23: error: undefined variable 'shared'\n"
            "  def g(int c) { return shared; }\n"
            "                        ^\n");
}

TEST(CheckNames, FunctionUsedAsAVariable) {
  EXPECT_EQ(check_text("def f(Task t) { return 1; }\nx = f;\n"),
            "c.mapping:2:5: error: 'f' is a function; call it with f(...)\n"
            "  x = f;\n"
            "      ^\n");
}

TEST(CheckNames, UndefinedFunctionWithDidYouMean) {
  EXPECT_EQ(check_text("def block(int i) { return i; }\nx = blok(1);\n"),
            "c.mapping:2:5: error: undefined function 'blok'\n"
            "  x = blok(1);\n"
            "      ^\n"
            "hint: did you mean 'block'?\n");
  // The built-ins are candidates too.
  EXPECT_EQ(check_text("x = mx(1, 2);"),
            "c.mapping:1:5: error: undefined function 'mx'\n"
            "  x = mx(1, 2);\n"
            "      ^\n"
            "hint: did you mean 'max'?\n");
}

TEST(CheckNames, UndefinedFunctionWithNothingClose) {
  EXPECT_EQ(check_text("x = f();"),
            "c.mapping:1:5: error: undefined function 'f'\n"
            "  x = f();\n"
            "      ^\n"
            "hint: define it with def f(...) { ... }\n");
}

TEST(CheckNames, FunctionCalledByAGlobalBeforeItsDefinition) {
  EXPECT_EQ(check_text("x = f(1);\ndef f(int a) { return a; }\n"),
            "c.mapping:1:5: error: function 'f' is called before its definition at line 2\n"
            "  x = f(1);\n"
            "      ^\n"
            "hint: global assignments run in order; move the def above this line\n");
}

TEST(CheckNames, MappingFunctionMayBeDefinedAfterTheStatement) {
  EXPECT_EQ(check_text("IndexTaskMap t later;\nSingleTaskMap u later;\n"
                       "def later(Task t) { return Machine(GPU)[0, 0]; }\n"),
            "");
}

TEST(CheckNames, MappingFunctionThatDoesNotExist) {
  EXPECT_EQ(check_text("def block1d(Task t) { return 1; }\nIndexTaskMap t blok1d;\n"),
            "c.mapping:2:16: error: undefined function 'blok1d'\n"
            "  IndexTaskMap t blok1d;\n"
            "                 ^\n"
            "hint: did you mean 'block1d'?\n");
  EXPECT_EQ(check_text("SingleTaskMap t nothing;"),
            "c.mapping:1:17: error: undefined function 'nothing'\n"
            "  SingleTaskMap t nothing;\n"
            "                  ^\n"
            "hint: define it: def nothing(Task task) { return ...; }\n");
  EXPECT_EQ(check_text("m = Machine(GPU);\nIndexTaskMap t m;\n"),
            "c.mapping:2:16: error: undefined function 'm'\n"
            "  IndexTaskMap t m;\n"
            "                 ^\n"
            "hint: 'm' is a variable; IndexTaskMap takes a function def m(Task task) { ... }\n");
}

TEST(CheckNames, MappingFunctionMustTakeOneTask) {
  EXPECT_EQ(check_text("def f(int a) { return a; }\nIndexTaskMap t f;\n"),
            "c.mapping:2:16: error: function 'f' must take exactly one parameter of type Task to "
            "be used by IndexTaskMap (it is declared at line 1 with 1 parameter)\n"
            "  IndexTaskMap t f;\n"
            "                 ^\n"
            "hint: declare it as def f(Task task) { ... }\n");
  EXPECT_EQ(check_text("def g(IPoint x, ISpace y, MSpace z) { return 0; }\nSingleTaskMap t g;\n"),
            "c.mapping:2:17: error: function 'g' must take exactly one parameter of type Task to "
            "be used by SingleTaskMap (it is declared at line 1 with 3 parameters)\n"
            "  SingleTaskMap t g;\n"
            "                  ^\n"
            "hint: declare it as def g(Task task) { ... }\n");
}

TEST(CheckNames, TaskMapCannotNameUtil) {
  EXPECT_EQ(check_text("def f(Task t) { return 1; }\nIndexTaskMap UTIL f;\n"),
            "c.mapping:2:14: error: IndexTaskMap cannot name the processor kind UTIL\n"
            "  IndexTaskMap UTIL f;\n"
            "               ^\n");
}

TEST(CheckNames, DuplicateDef) {
  EXPECT_EQ(check_text("def f(Task t) { return 1; }\ndef f(Task t) { return 2; }\n"),
            "c.mapping:2:5: error: function 'f' is already defined at line 1\n"
            "  def f(Task t) { return 2; }\n"
            "      ^\n"
            "hint: give the functions different names\n");
}

TEST(CheckNames, DefHidingABuiltinIsAWarning) {
  EXPECT_EQ(check_text("def min(int a, int b) { return a; }"),
            "c.mapping:1:5: warning: function 'min' hides the built-in function of that name\n"
            "  def min(int a, int b) { return a; }\n"
            "      ^\n");
}

TEST(CheckNames, ParameterTypesAndNames) {
  EXPECT_EQ(check_text("def f(Ipoint p) { return p; }"),
            "c.mapping:1:7: error: unknown parameter type 'Ipoint'\n"
            "  def f(Ipoint p) { return p; }\n"
            "        ^\n"
            "hint: did you mean 'IPoint'?\n");
  EXPECT_EQ(check_text("def f(Foo p) { return 1; }"),
            "c.mapping:1:7: error: unknown parameter type 'Foo'\n"
            "  def f(Foo p) { return 1; }\n"
            "        ^\n"
            "hint: the parameter types are int, bool, IPoint, ISpace, MSpace and Task\n");
  EXPECT_EQ(check_text("def f(int a, int a) { return a; }"),
            "c.mapping:1:18: error: parameter 'a' is declared twice\n"
            "  def f(int a, int a) { return a; }\n"
            "                   ^\n");
}

// ---- functions ----

TEST(CheckFunctions, NoReturn) {
  EXPECT_EQ(check_text("def f(Task t) {\n  x = 1;\n}\n"),
            "c.mapping:1:5: error: function 'f' has no return statement\n"
            "  def f(Task t) {\n"
            "      ^\n"
            "hint: end the body with return EXPR;\n");
}

TEST(CheckFunctions, StatementAfterReturnIsAWarning) {
  EXPECT_EQ(check_text("def f(int a) {\n  return a;\n  x = 1;\n  return x;\n}\n"),
            "c.mapping:3:3: warning: statement after 'return' is never run\n"
            "    x = 1;\n"
            "    ^\n");
}

TEST(CheckFunctions, RecursionIsAllowed) {
  EXPECT_EQ(check_text("def f(int n) { return n > 0 ? f(n - 1) : 0; }"), "");
}

// ---- print ----

TEST(CheckPrint, PlaceholderMismatch) {
  EXPECT_EQ(check_text("print(\"a {} b {}\", 1);"),
            "c.mapping:1:1: error: print has 2 placeholders '{}' but 1 argument\n"
            "  print(\"a {} b {}\", 1);\n"
            "  ^\n"
            "hint: give one argument per '{}'\n");
  EXPECT_EQ(check_text("def f(Task t) {\n  print(\"{}\");\n  return 1;\n}\n"),
            "c.mapping:2:3: error: print has 1 placeholder '{}' but 0 arguments\n"
            "    print(\"{}\");\n"
            "    ^\n"
            "hint: give one argument per '{}'\n");
  EXPECT_EQ(check_text("print(\"none\", 1, 2);"),
            "c.mapping:1:1: error: print has 0 placeholders '{}' but 2 arguments\n"
            "  print(\"none\", 1, 2);\n"
            "  ^\n"
            "hint: give one argument per '{}'\n");
}

TEST(CheckPrint, ArgumentsAreChecked) {
  EXPECT_EQ(check_text("print(\"{} {}\", 1, q);"),
            "c.mapping:1:19: error: undefined variable 'q'\n"
            "  print(\"{} {}\", 1, q);\n"
            "                    ^\n");
  EXPECT_EQ(check_text("m = Machine(GPU);\nprint(\"m={}, p={}\", m.size, m[0, *]);\n"), "");
}

// ---- types ----

TEST(CheckTypes, WrongArgumentCount) {
  EXPECT_EQ(check_text("def f(int a, int b) { return a + b; }\nx = f(1);\n"),
            "c.mapping:2:5: error: function 'f' takes 2 arguments, but 1 was given\n"
            "  x = f(1);\n"
            "      ^\n"
            "hint: it is declared at line 1\n");
  EXPECT_EQ(check_text("def f(int a) { return a; }\nx = f(1, 2, 3);\n"),
            "c.mapping:2:5: error: function 'f' takes 1 argument, but 3 were given\n"
            "  x = f(1, 2, 3);\n"
            "      ^\n"
            "hint: it is declared at line 1\n");
  EXPECT_EQ(check_text("x = len((1, 2), (3,));"),
            "c.mapping:1:5: error: built-in function 'len' takes 1 argument, but 2 were given\n"
            "  x = len((1, 2), (3,));\n"
            "      ^\n");
  EXPECT_EQ(check_text("m = Machine(GPU);\nx = m.merge(0);\n"),
            "c.mapping:2:7: error: method 'merge' takes 2 arguments, but 1 was given\n"
            "  x = m.merge(0);\n"
            "        ^\n");
}

TEST(CheckTypes, WrongArgumentType) {
  EXPECT_EQ(check_text("def f(int a, int b) { return a + b; }\nx = f(1, (1, 2));\n"),
            "c.mapping:2:10: error: argument 2 of 'f' (int b) must be an int, not a tuple\n"
            "  x = f(1, (1, 2));\n"
            "           ^\n");
  EXPECT_EQ(check_text("def f(MSpace m) { return m.volume; }\nx = f(3);\n"),
            "c.mapping:2:7: error: argument 1 of 'f' (MSpace m) must be a machine space, not an "
            "int\n"
            "  x = f(3);\n"
            "        ^\n");
  EXPECT_EQ(check_text("x = abs((1, 2));"),
            "c.mapping:1:9: error: argument 1 of 'abs' must be an int, not a tuple\n"
            "  x = abs((1, 2));\n"
            "          ^\n");
  EXPECT_EQ(check_text("m = Machine(GPU);\nx = m.auto_split(0, 4);\n"),
            "c.mapping:2:21: error: argument 2 of 'auto_split' must be a tuple, not an int\n"
            "  x = m.auto_split(0, 4);\n"
            "                      ^\n");
  EXPECT_EQ(check_text("m = Machine(GPU);\nx = m[0, 0].has(GPU);\n"),
            "c.mapping:2:17: error: argument 1 of 'has' must be a memory kind, not a processor "
            "kind\n"
            "  x = m[0, 0].has(GPU);\n"
            "                  ^\n");
}

TEST(CheckTypes, UnpackedCallArguments) {
  const std::string f = "def f(int a, int b, int c) { return a + b + c; }\n";
  EXPECT_EQ(check_text(f + "x = f(*(1, 2), 3);\ny = f(*(1, 2, 3));\n"), "");
  EXPECT_EQ(check_text(f + "x = f(*(1, 2));\n"),
            "c.mapping:2:5: error: function 'f' takes 3 arguments, but 2 were given\n"
            "  x = f(*(1, 2));\n"
            "      ^\n"
            "hint: it is declared at line 1\n");
  EXPECT_EQ(check_text(f + "x = f(*(1, 2), (3, 4));\n"),
            "c.mapping:2:16: error: argument 3 of 'f' (int c) must be an int, not a tuple\n"
            "  x = f(*(1, 2), (3, 4));\n"
            "                 ^\n");
  // A tuple of unknown length: the evaluator counts.
  EXPECT_EQ(check_text(f + "def g(IPoint p) { return f(*p, 1) + max(*p); }\n"), "");
}

TEST(CheckTypes, IndexingANonTuple) {
  EXPECT_EQ(check_text("x = 1;\ny = x[0];\n"),
            "c.mapping:2:6: error: cannot index an int\n"
            "  y = x[0];\n"
            "       ^\n"
            "hint: only tuples and machine spaces can be indexed\n");
  EXPECT_EQ(check_text("x = True[0];"),
            "c.mapping:1:9: error: cannot index a bool\n"
            "  x = True[0];\n"
            "          ^\n"
            "hint: only tuples and machine spaces can be indexed\n");
  EXPECT_EQ(check_text("x = 3[1:];"),
            "c.mapping:1:6: error: cannot slice an int\n"
            "  x = 3[1:];\n"
            "       ^\n"
            "hint: only tuples and machine spaces can be sliced\n");
}

TEST(CheckTypes, TupleIndexForms) {
  EXPECT_EQ(check_text("x = (1, 2)[0, 1];"),
            "c.mapping:1:11: error: a tuple takes one index, not 2\n"
            "  x = (1, 2)[0, 1];\n"
            "            ^\n"
            "hint: write t[i]; to pick a processor, index a machine space\n");
  EXPECT_EQ(check_text("x = (1, 2)[*(0,)];"),
            "c.mapping:1:11: error: a tuple takes one index, not an unpacked list\n"
            "  x = (1, 2)[*(0,)];\n"
            "            ^\n"
            "hint: write t[i]; to pick a processor, index a machine space\n");
  EXPECT_EQ(check_text("x = (1, 2)[*];"),
            "c.mapping:1:12: error: '*' as an index is only allowed when indexing a machine space\n"
            "  x = (1, 2)[*];\n"
            "             ^\n"
            "hint: m[i, *] picks any processor of the partial index i\n");
  EXPECT_EQ(check_text("x = (1, 2)[(0, 1)];"),
            "c.mapping:1:12: error: an index must be an int, not a tuple\n"
            "  x = (1, 2)[(0, 1)];\n"
            "             ^\n");
}

TEST(CheckTypes, MachineIndexNeedsOneIndexPerDimension) {
  EXPECT_EQ(check_text("m = Machine(GPU);\nx = m[0];\n"),
            "c.mapping:2:6: error: a 2-dimensional machine space takes 2 indices, not 1\n"
            "  x = m[0];\n"
            "       ^\n"
            "hint: give one index per dimension: m[i, j]\n");
  EXPECT_EQ(check_text("m = Machine(GPU).merge(0, 1);\nx = m[0, 1];\n"),
            "c.mapping:2:6: error: a 1-dimensional machine space takes 1 index, not 2\n"
            "  x = m[0, 1];\n"
            "       ^\n"
            "hint: give one index per dimension: m[i]\n");
  EXPECT_EQ(check_text("m = Machine(GPU).split(1, 2);\nx = m[*(0, 1)];\n"),
            "c.mapping:2:6: error: a 3-dimensional machine space takes 3 indices, not 2\n"
            "  x = m[*(0, 1)];\n"
            "       ^\n"
            "hint: give one index per dimension: m[i, j, k, ...]\n");
  // Dimensions are followed through the transformations.
  EXPECT_EQ(check_text("m = Machine(GPU);\n"
                       "a = m.merge(0, 1)[0];\n"
                       "b = m.split(0, 2)[0, 0, 0];\n"
                       "c = m.balance_split(1, 3)[0, 0, 0, 0];\n"
                       "d = m.auto_split(0, (1, 1, 1))[0, 0, 0, 0];\n"
                       "e = m.swap(0, 1).reverse(0).slice(1, 0, 1)[0, *];\n"
                       "f = m[*(0, 0)];\n"
                       "g = m[0, *];\n"),
            "");
}

TEST(CheckTypes, UnknownPropertyOrMethod) {
  EXPECT_EQ(check_text("m = Machine(GPU);\ny = m.sizes;\n"),
            "c.mapping:2:7: error: unknown property 'sizes' of a machine space\n"
            "  y = m.sizes;\n"
            "        ^\n"
            "hint: did you mean 'size'? a machine space has: size, volume, len, merge(), split(), "
            "swap(), slice(), reverse(), balance_split(), auto_split(), greedy_split(), "
            "decompose()\n");
  EXPECT_EQ(check_text("m = Machine(GPU);\nz = m.splat(0, 2);\n"),
            "c.mapping:2:7: error: unknown method 'splat' of a machine space\n"
            "  z = m.splat(0, 2);\n"
            "        ^\n"
            "hint: did you mean 'split'? a machine space has: size, volume, len, merge(), split(), "
            "swap(), slice(), reverse(), balance_split(), auto_split(), greedy_split(), "
            "decompose()\n");
  EXPECT_EQ(check_text("def f(Task task) { return task.point; }"),
            "c.mapping:1:32: error: unknown property 'point' of a task\n"
            "  def f(Task task) { return task.point; }\n"
            "                                 ^\n"
            "hint: did you mean 'ipoint'? a task has: ipoint, ispace, parent, processor()\n");
  EXPECT_EQ(check_text("x = (1, 2).first;"),
            "c.mapping:1:12: error: unknown property 'first' of a tuple\n"
            "  x = (1, 2).first;\n"
            "             ^\n"
            "hint: a tuple has: size, volume, len\n");
  EXPECT_EQ(check_text("x = 1.size;"),
            "c.mapping:1:7: error: unknown property 'size' of an int\n"
            "  x = 1.size;\n"
            "        ^\n"
            "hint: an int has no properties or methods\n");
}

TEST(CheckTypes, PropertyCalledOrMethodNotCalled) {
  EXPECT_EQ(check_text("m = Machine(GPU);\nx = m.size();\n"),
            "c.mapping:2:7: error: 'size' is a property, not a method; write .size\n"
            "  x = m.size();\n"
            "        ^\n");
  EXPECT_EQ(check_text("m = Machine(GPU);\nx = m.merge;\n"),
            "c.mapping:2:7: error: 'merge' is a method; call it: .merge(...)\n"
            "  x = m.merge;\n"
            "        ^\n");
}

TEST(CheckTypes, Operators) {
  EXPECT_EQ(check_text("x = 1 < True;"),
            "c.mapping:1:9: error: an operand of '<' must be an int, not a bool\n"
            "  x = 1 < True;\n"
            "          ^\n");
  EXPECT_EQ(check_text("x = !(1, 2);"),
            "c.mapping:1:6: error: the operand of '!' must be a bool, not a tuple\n"
            "  x = !(1, 2);\n"
            "       ^\n");
  EXPECT_EQ(check_text("x = -True;"),
            "c.mapping:1:6: error: the operand of unary '-' must be an int, not a bool\n"
            "  x = -True;\n"
            "       ^\n");
  EXPECT_EQ(check_text("x = (1, 2) && True;"),
            "c.mapping:1:5: error: an operand of '&&' must be a bool, not a tuple\n"
            "  x = (1, 2) && True;\n"
            "      ^\n");
  EXPECT_EQ(check_text("x = (1, 2) == 1;"),
            "c.mapping:1:12: error: cannot compare a tuple with an int\n"
            "  x = (1, 2) == 1;\n"
            "             ^\n");
  EXPECT_EQ(check_text("x = True + 1;"),
            "c.mapping:1:5: error: an operand of '+' must be an int, not a bool\n"
            "  x = True + 1;\n"
            "      ^\n");
  // Ints test as != 0, bools compare with ints, kinds with kinds.
  EXPECT_EQ(check_text("x = 1 && 2 || !0;\ny = (1 == True) ? 1 : 0;\nz = GPU == CPU;\n"), "");
}

TEST(CheckTypes, TupleArithmetic) {
  EXPECT_EQ(check_text("x = (1, 2) + (1, 2, 3);"),
            "c.mapping:1:12: error: '+' on tuples of different lengths (2 and 3)\n"
            "  x = (1, 2) + (1, 2, 3);\n"
            "             ^\n"
            "hint: element-wise arithmetic needs tuples of equal length\n");
  EXPECT_EQ(check_text("x = (1, 2) * 2;"),
            "c.mapping:1:12: error: '*' between a tuple and an int\n"
            "  x = (1, 2) * 2;\n"
            "             ^\n"
            "hint: arithmetic takes two ints or two tuples of equal length\n");
  EXPECT_EQ(check_text("t = (4, 6);\nu = t * t / (2, 3) % (5, 7) - -t;\nv = t[:-1] + t[1:];\n"),
            "");
}

TEST(CheckTypes, TuplesUnpackAndComprehensions) {
  EXPECT_EQ(check_text("x = (1, *2);"),
            "c.mapping:1:10: error: the value unpacked with '*' must be a tuple, not an int\n"
            "  x = (1, *2);\n"
            "           ^\n");
  EXPECT_EQ(check_text("x = (1, (2, 3));"),
            "c.mapping:1:9: error: a tuple element must be an int, not a tuple\n"
            "  x = (1, (2, 3));\n"
            "          ^\n");
  EXPECT_EQ(check_text("x = tuple(i for i in 3);"),
            "c.mapping:1:22: error: the sequence after 'in' must be a tuple, not an int\n"
            "  x = tuple(i for i in 3);\n"
            "                       ^\n");
  EXPECT_EQ(check_text("x = tuple((i, i) for i in (1, 2));"),
            "c.mapping:1:11: error: each element of tuple(...) must be an int, not a tuple\n"
            "  x = tuple((i, i) for i in (1, 2));\n"
            "            ^\n");
  EXPECT_EQ(check_text("lo = (1, 2);\nx = (*lo, *lo, 3)[4];\ny = tuple(i * 2 for i in lo);\n"), "");
}

TEST(CheckTypes, ConditionalBranchesMustAgree) {
  EXPECT_EQ(check_text("x = True ? 1 : (1, 2);"),
            "c.mapping:1:10: error: the branches of '?:' have different types: an int and a "
            "tuple\n"
            "  x = True ? 1 : (1, 2);\n"
            "           ^\n"
            "hint: both branches must give the same kind of value\n");
  EXPECT_EQ(check_text("x = (1, 2) ? 1 : 2;"),
            "c.mapping:1:5: error: the condition of '?:' must be a bool, not a tuple\n"
            "  x = (1, 2) ? 1 : 2;\n"
            "      ^\n");
  EXPECT_EQ(check_text("mg = Machine(GPU);\nmc = Machine(CPU);\nm = mg.volume > 0 ? mg : mc;\n"),
            "");
}

TEST(CheckTypes, WildcardOnlyInAMachineIndex) {
  EXPECT_EQ(check_text("x = (1, 2)[*];"),
            "c.mapping:1:12: error: '*' as an index is only allowed when indexing a machine space\n"
            "  x = (1, 2)[*];\n"
            "             ^\n"
            "hint: m[i, *] picks any processor of the partial index i\n");
}

TEST(CheckTypes, ParametersHaveTheirDeclaredTypes) {
  EXPECT_EQ(check_text("def f(IPoint x, ISpace y, MSpace z, int d, bool b, Task t) {\n"
                       "  a = x[d] + y.size[d] + z.size[d] + t.ipoint[0] + x.len + y.volume;\n"
                       "  return b ? z[a, 0] : z[*t.parent.processor(z)];\n"
                       "}\n"),
            "");
  EXPECT_EQ(check_text("def f(int d) { return d.size; }"),
            "c.mapping:1:25: error: unknown property 'size' of an int\n"
            "  def f(int d) { return d.size; }\n"
            "                          ^\n"
            "hint: an int has no properties or methods\n");
}

TEST(CheckTypes, DivisionByZeroAtCheckTime) {
  EXPECT_EQ(check_text("x = 1 / 0;"),
            "c.mapping:1:9: error: division by zero\n"
            "  x = 1 / 0;\n"
            "          ^\n");
  EXPECT_EQ(check_text("def f(int a) { return a % 0; }"),
            "c.mapping:1:27: error: modulo by zero\n"
            "  def f(int a) { return a % 0; }\n"
            "                            ^\n");
  // Only a literal zero is known before evaluation.
  EXPECT_EQ(check_text("z = 0;\nx = 1 / z;\n"), "");
}

// ---- kinds ----

TEST(CheckKinds, TaskKinds) {
  EXPECT_EQ(check_text("Task * GPX;"),
            "c.mapping:1:8: error: unknown processor kind 'GPX'\n"
            "  Task * GPX;\n"
            "         ^\n"
            "hint: did you mean 'GPU'? (the kinds are CPU, GPU, OMP, IO, PY, PROC)\n");
  EXPECT_EQ(check_text("Task * FBMEM;"),
            "c.mapping:1:8: error: unknown processor kind 'FBMEM'\n"
            "  Task * FBMEM;\n"
            "         ^\n"
            "hint: FBMEM is a memory kind; Task takes processor kinds\n");
  EXPECT_EQ(check_text("Task * Banana;"),
            "c.mapping:1:8: error: unknown processor kind 'Banana'\n"
            "  Task * Banana;\n"
            "         ^\n"
            "hint: the kinds are CPU, GPU, OMP, IO, PY, PROC\n");
  EXPECT_EQ(check_text("Task * GPU,CPU,GPU;"),
            "c.mapping:1:16: warning: processor kind GPU is listed twice\n"
            "  Task * GPU,CPU,GPU;\n"
            "                 ^\n"
            "hint: only its first place in the list counts\n");
  EXPECT_EQ(check_text("Task * IO,PY,PROC,OMP;"), "");
}

TEST(CheckKinds, RegionKinds) {
  EXPECT_EQ(check_text("Region * * GPU FBMEN;"),
            "c.mapping:1:16: error: unknown memory kind 'FBMEN'\n"
            "  Region * * GPU FBMEN;\n"
            "                 ^\n"
            "hint: did you mean 'FBMEM'? (the kinds are SYSMEM, FBMEM, ZCMEM, RDMEM, SOCKMEM, "
            "VIRTUAL)\n");
  EXPECT_EQ(check_text("Region * * GPU GPU;"),
            "c.mapping:1:16: error: unknown memory kind 'GPU'\n"
            "  Region * * GPU GPU;\n"
            "                 ^\n"
            "hint: GPU is a processor kind; the list after it names memory kinds, for example "
            "FBMEM,ZCMEM\n");
  EXPECT_EQ(check_text("Region * * GPX FBMEM;"),
            "c.mapping:1:12: error: unknown processor kind 'GPX'\n"
            "  Region * * GPX FBMEM;\n"
            "             ^\n"
            "hint: did you mean 'GPU'? (the kinds are CPU, GPU, OMP, IO, PY, PROC)\n");
  EXPECT_EQ(check_text("Region * * GPU FBMEM,FBMEM;"),
            "c.mapping:1:22: warning: memory kind FBMEM is listed twice\n"
            "  Region * * GPU FBMEM,FBMEM;\n"
            "                       ^\n"
            "hint: only its first place in the list counts\n");
  EXPECT_EQ(check_text("Region * * * SYSMEM,ZCMEM,RDMEM,SOCKMEM;\nRegion * r * VIRTUAL;"), "");
}

TEST(CheckKinds, VirtualIsNoFallback) {
  // Issue 14, item 4: SOCKMEM,VIRTUAL checked clean and aborted the run where SOCKMEM was missing.
  EXPECT_EQ(check_text("Region * * CPU SOCKMEM,VIRTUAL;"),
            "c.mapping:1:24: error: VIRTUAL cannot share a Region list with memory kinds\n"
            "  Region * * CPU SOCKMEM,VIRTUAL;\n"
            "                         ^\n"
            "hint: a list falls back to the next kind when a memory is full or unreachable, and "
            "Legion maps a region virtually only for an inner task; write VIRTUAL alone, in a "
            "statement for the inner tasks\n");
  EXPECT_NE(check_text("Region * * CPU VIRTUAL,SYSMEM;").find("error: VIRTUAL cannot share"),
            std::string::npos);
}

TEST(CheckKinds, LayoutKind) {
  EXPECT_EQ(check_text("Layout * * FBMX SOA;"),
            "c.mapping:1:12: error: unknown processor or memory kind 'FBMX'\n"
            "  Layout * * FBMX SOA;\n"
            "             ^\n"
            "hint: the kinds are CPU, GPU, OMP, IO, PY, PROC, SYSMEM, FBMEM, ZCMEM, RDMEM, "
            "SOCKMEM, VIRTUAL\n");
  EXPECT_EQ(check_text("Layout * * GPU SOA;\nLayout * * ZCMEM AOS;\n"), "");
}

TEST(CheckKinds, MachineKind) {
  EXPECT_EQ(check_text("x = Machine(FBMEM);"),
            "c.mapping:1:13: error: unknown processor kind 'FBMEM' in Machine(...)\n"
            "  x = Machine(FBMEM);\n"
            "              ^\n"
            "hint: FBMEM is a memory kind; Machine takes a processor kind such as GPU or CPU\n");
  EXPECT_EQ(check_text("x = Machine(GPX);"),
            "c.mapping:1:13: error: unknown processor kind 'GPX' in Machine(...)\n"
            "  x = Machine(GPX);\n"
            "              ^\n"
            "hint: did you mean 'GPU'? (the kinds are CPU, GPU, OMP, IO, PY, PROC)\n");
}

// ---- Layout contradictions ----

TEST(CheckLayout, Contradictions) {
  EXPECT_EQ(check_text("Layout * * * SOA AOS;"),
            "c.mapping:1:18: error: contradictory layout constraints: SOA and AOS\n"
            "  Layout * * * SOA AOS;\n"
            "                   ^\n"
            "hint: keep one of SOA and AOS\n");
  EXPECT_EQ(check_text("Layout * * * F_order SOA C_order;"),
            "c.mapping:1:26: error: contradictory layout constraints: F_order and C_order\n"
            "  Layout * * * F_order SOA C_order;\n"
            "                           ^\n"
            "hint: keep one of F_order and C_order\n");
  EXPECT_EQ(check_text("Layout * * * Align==64 No_Align;"),
            "c.mapping:1:24: error: contradictory layout constraints: Align and No_Align\n"
            "  Layout * * * Align==64 No_Align;\n"
            "                         ^\n"
            "hint: keep one of Align and No_Align\n");
  EXPECT_EQ(check_text("Layout * * * No_Align Align==64;"),
            "c.mapping:1:23: error: contradictory layout constraints: No_Align and Align\n"
            "  Layout * * * No_Align Align==64;\n"
            "                        ^\n"
            "hint: keep one of No_Align and Align\n");
  EXPECT_EQ(check_text("Layout * * * Align==64 Align>=128;"),
            "c.mapping:1:24: error: contradictory layout constraints: Align==64 and Align>=128\n"
            "  Layout * * * Align==64 Align>=128;\n"
            "                         ^\n"
            "hint: give one alignment\n");
}

TEST(CheckLayout, AlignmentIsAPowerOfTwo) {
  EXPECT_EQ(check_text("Layout * * * Align==48;"),
            "c.mapping:1:14: error: alignment 48 is not a power of two\n"
            "  Layout * * * Align==48;\n"
            "               ^\n"
            "hint: alignments are powers of two bytes, for example Align==128\n");
  EXPECT_EQ(check_text("Layout * * * Align<0;"),
            "c.mapping:1:14: error: alignment 0 is not a power of two\n"
            "  Layout * * * Align<0;\n"
            "               ^\n"
            "hint: alignments are powers of two bytes, for example Align==128\n");
}

TEST(CheckLayout, RepeatedConstraintIsAWarning) {
  EXPECT_EQ(check_text("Layout * * * SOA C_order SOA;"),
            "c.mapping:1:26: warning: layout constraint SOA is given twice\n"
            "  Layout * * * SOA C_order SOA;\n"
            "                           ^\n");
  EXPECT_EQ(check_text("Layout * * * Align==64 Align==64 Exact Compact;"), "");
}

// ---- InstanceLimit ----

TEST(CheckInstanceLimit, DeprecatedFormIsAWarning) {
  EXPECT_EQ(check_text("InstanceLimit gemm_step GPU 2;"),
            "c.mapping:1:1: warning: deprecated form 'InstanceLimit TASK PROC N'\n"
            "  InstanceLimit gemm_step GPU 2;\n"
            "  ^\n"
            "hint: the processor kind is no longer needed: InstanceLimit gemm_step 2;\n");
  EXPECT_EQ(check_text("InstanceLimit t GPX 1;"),
            "c.mapping:1:17: error: unknown processor kind 'GPX'\n"
            "  InstanceLimit t GPX 1;\n"
            "                  ^\n"
            "hint: did you mean 'GPU'? (the kinds are CPU, GPU, OMP, IO, PY, PROC)\n"
            "c.mapping:1:1: warning: deprecated form 'InstanceLimit TASK PROC N'\n"
            "  InstanceLimit t GPX 1;\n"
            "  ^\n"
            "hint: the processor kind is no longer needed: InstanceLimit t 1;\n");
}

TEST(CheckInstanceLimit, AtLeastOne) {
  EXPECT_EQ(check_text("InstanceLimit t 0;"),
            "c.mapping:1:1: error: instance limit 0 is less than 1\n"
            "  InstanceLimit t 0;\n"
            "  ^\n"
            "hint: give the number of instances that may be in flight at once, at least 1\n");
}

// ---- warnings over the whole program ----

TEST(CheckWarnings, TaskListedTwice) {
  EXPECT_EQ(check_text("Task a,b,a GPU;"),
            "c.mapping:1:10: warning: task 'a' is listed twice\n"
            "  Task a,b,a GPU;\n"
            "           ^\n");
}

TEST(CheckWarnings, ShadowedStatements) {
  const std::string shadow_hint =
      "hint: between equally specific statements the later one wins; delete one of them\n";
  EXPECT_EQ(check_text("Region * * GPU FBMEM;\nRegion * * GPU ZCMEM;\n"),
            "c.mapping:1:1: warning: this statement never decides anything: line 2 overrides it\n"
            "  Region * * GPU FBMEM;\n"
            "  ^\n" +
                shadow_hint);
  EXPECT_EQ(check_text("Task * GPU;\nTask * CPU;\n"),
            "c.mapping:1:1: warning: this statement never decides anything: line 2 overrides it\n"
            "  Task * GPU;\n"
            "  ^\n" +
                shadow_hint);
  // A later list that holds every task of an earlier one covers it.
  EXPECT_EQ(check_text("Task a GPU;\nTask a,b CPU;\n"),
            "c.mapping:1:1: warning: this statement never decides anything: line 2 overrides it\n"
            "  Task a GPU;\n"
            "  ^\n" +
                shadow_hint);
  EXPECT_EQ(check_text("Layout * r * SOA;\nx = 1;\nLayout * r * AOS;\n"),
            "c.mapping:1:1: warning: this statement never decides anything: line 3 overrides it\n"
            "  Layout * r * SOA;\n"
            "  ^\n" +
                shadow_hint);
  EXPECT_EQ(check_text("CollectMemory t *;\nCollectMemory t *;\n"),
            "c.mapping:1:1: warning: this statement never decides anything: line 2 overrides it\n"
            "  CollectMemory t *;\n"
            "  ^\n" +
                shadow_hint);
  EXPECT_EQ(check_text("InstanceLimit t 1;\nInstanceLimit t 2;\n"),
            "c.mapping:1:1: warning: this statement never decides anything: line 2 overrides it\n"
            "  InstanceLimit t 1;\n"
            "  ^\n" +
                shadow_hint);
  EXPECT_EQ(check_text("def f(Task t) { return 1; }\ndef g(Task t) { return 1; }\n"
                       "IndexTaskMap t f;\nIndexTaskMap t g;\n"),
            "c.mapping:3:1: warning: this statement never decides anything: line 4 overrides it\n"
            "  IndexTaskMap t f;\n"
            "  ^\n" +
                shadow_hint);
}

TEST(CheckWarnings, NotShadowed) {
  EXPECT_EQ(check_text("Task a,b GPU;\nTask a CPU;\n"), "");  // b is still decided by line 1
  EXPECT_EQ(check_text("Region * * GPU FBMEM;\nRegion * * CPU SYSMEM;\n"), "");
  EXPECT_EQ(check_text("Region * * * SYSMEM;\nRegion * * GPU FBMEM;\n"), "");
  EXPECT_EQ(check_text("Region * r GPU FBMEM;\nRegion * 0 GPU ZCMEM;\n"), "");
  EXPECT_EQ(check_text("Region t * GPU FBMEM;\nRegion * * GPU ZCMEM;\n"), "");
  EXPECT_EQ(check_text("Layout * * GPU SOA;\nLayout * * FBMEM AOS;\n"), "");
  EXPECT_EQ(check_text("ControlReplicate t;\nControlReplicate t;\n"), "");
  EXPECT_EQ(check_text("def f(Task t) { return 1; }\nIndexTaskMap t f;\nIndexTaskMap GPU f;\n"),
            "");
}

TEST(CheckWarnings, NeverMatchingStatement) {
  EXPECT_EQ(check_text("Task t CPU;\nRegion t * GPU FBMEM;\n"),
            "c.mapping:2:12: warning: this statement can never match: the Task statement at line "
            "1 never runs this task on GPU\n"
            "  Region t * GPU FBMEM;\n"
            "             ^\n"
            "hint: add GPU to that Task statement, or change GPU here\n");
  EXPECT_EQ(check_text("Task * CPU;\nLayout t * GPU SOA;\n"),
            "c.mapping:2:12: warning: this statement can never match: the Task statement at line "
            "1 never runs this task on GPU\n"
            "  Layout t * GPU SOA;\n"
            "             ^\n"
            "hint: add GPU to that Task statement, or change GPU here\n");
  EXPECT_EQ(check_text("Task a CPU;\nTask b OMP;\nRegion a,b * GPU FBMEM;\n"),
            "c.mapping:3:14: warning: this statement can never match: the Task statements at "
            "lines 1 and 2 never run these tasks on GPU\n"
            "  Region a,b * GPU FBMEM;\n"
            "               ^\n"
            "hint: add GPU to those Task statements, or change GPU here\n");
  EXPECT_EQ(check_text("Task a,b CPU;\nRegion a,b * GPU FBMEM;\n"),
            "c.mapping:2:14: warning: this statement can never match: the Task statement at line "
            "1 never runs these tasks on GPU\n"
            "  Region a,b * GPU FBMEM;\n"
            "               ^\n"
            "hint: add GPU to that Task statement, or change GPU here\n");
}

TEST(CheckWarnings, MayMatch) {
  EXPECT_EQ(check_text("Task a CPU;\nTask b GPU;\nRegion a,b * GPU FBMEM;\n"), "");
  EXPECT_EQ(check_text("Task * GPU,CPU;\nRegion t * CPU SYSMEM;\n"), "");
  EXPECT_EQ(check_text("Region t * GPU FBMEM;\n"), "");  // no Task statement: the default
  EXPECT_EQ(check_text("Task * CPU;\nLayout t * FBMEM SOA;\n"), "");  // a memory kind
  EXPECT_EQ(check_text("Task * CPU;\nRegion * * GPU FBMEM;\n"), "");  // any task
}

TEST(Check, ReportsEveryProblemInOneRun) {
  EXPECT_EQ(check_text("Task * GPX;\nx = y;\nLayout * * * SOA AOS;\n"),
            "c.mapping:1:8: error: unknown processor kind 'GPX'\n"
            "  Task * GPX;\n"
            "         ^\n"
            "hint: did you mean 'GPU'? (the kinds are CPU, GPU, OMP, IO, PY, PROC)\n"
            "c.mapping:2:5: error: undefined variable 'y'\n"
            "  x = y;\n"
            "      ^\n"
            "c.mapping:3:18: error: contradictory layout constraints: SOA and AOS\n"
            "  Layout * * * SOA AOS;\n"
            "                   ^\n"
            "hint: keep one of SOA and AOS\n");
}

TEST(Check, AnErrorIsReportedOnceNotAtEveryUse) {
  // 'y' is unknown; the expressions built on it are not reported again.
  EXPECT_EQ(check_text("x = y.size[0] + y.merge(0, 1).volume;"),
            "c.mapping:1:5: error: undefined variable 'y'\n"
            "  x = y.size[0] + y.merge(0, 1).volume;\n"
            "      ^\n"
            "c.mapping:1:17: error: undefined variable 'y'\n"
            "  x = y.size[0] + y.merge(0, 1).volume;\n"
            "                  ^\n");
}

}  // namespace
}  // namespace mapsmith::dsl

namespace mapsmith::dsl {
namespace {

// ---- issue 15 item 1: a tuple that doubles on every line costs the checker nothing ----

std::string doubling_program(int n, const std::string& tail) {
  std::string out = "def f(int a) { return a; }\nt0 = (1, 2);\n";
  for (int k = 1; k <= n; ++k)
    out += fmt::format("t{} = (*t{}, *t{});\n", k, k - 1, k - 1);
  return out + tail;
}

TEST(CheckLimits, Item1ALongDoubledTupleHasAnUnknownLengthNotAHugeOne) {
  // 26 doublings: the checker listed 2^27 arguments of f(...) one by one (2 GB); 40 overflowed
  // its int. Past 2^22 elements a length is unknown, and the evaluator counts what is built.
  EXPECT_EQ(check_text(doubling_program(26, "x = f(*t26);\n")), "");
  EXPECT_EQ(check_text(doubling_program(40, "x = f(*t40);\ny = t40 + t40;\n")), "");
}

TEST(CheckLimits, Item1KnownLengthsStillCheckBelowTheLimit) {
  EXPECT_EQ(check_text(doubling_program(2, "x = f(*t2);\n")),
            "c.mapping:5:5: error: function 'f' takes 1 argument, but 8 were given\n"
            "  x = f(*t2);\n"
            "      ^\n"
            "hint: it is declared at line 1\n");
}

}  // namespace
}  // namespace mapsmith::dsl
