// The published dialect (`--dialect published`): a located warning for each construct mapsmith
// accepts and the published DSL mapper's front end rejects or never applies, and none for a
// program it accepts.
#include "dsl/published.h"

#include <gtest/gtest.h>

#include <string>

#include "dsl/checker.h"
#include "dsl/parser.h"

namespace mapsmith::dsl {
namespace {

/// The rendered warnings the published dialect adds to a program that checks without errors.
std::string published(std::string text) {
  Diagnostics diags;
  Program p = parse_string(std::move(text), diags, "p.mapping");
  EXPECT_FALSE(diags.has_errors());
  p.dialect = Dialect::Published;
  Diagnostics out;
  check(p, out);
  EXPECT_FALSE(out.has_errors());
  std::string s;
  for (const Diagnostic& d : out.all())
    s += render(d);
  return s;
}

/// The first line of each warning only.
std::string firsts(std::string text) {
  std::string all = published(std::move(text));
  std::string out;
  std::size_t at = 0;
  while (at < all.size()) {
    std::size_t nl = all.find('\n', at);
    std::string line = all.substr(at, nl - at);
    if (line.rfind("p.mapping:", 0) == 0) out += line + "\n";
    at = nl == std::string::npos ? all.size() : nl + 1;
  }
  return out;
}

TEST(Published, AProgramItAcceptsGetsNoWarning) {
  EXPECT_EQ(published("Task * GPU,CPU;\n"
                      "Region * * GPU FBMEM;\n"
                      "Region t 0 CPU SYSMEM;\n"
                      "Layout * * * SOA C_order Align==64;\n"
                      "Layout t r FBMEM AOS;\n"
                      "InstanceLimit t 2;\n"
                      "CollectMemory t r;\n"
                      "ControlReplicate a,b;\n"
                      "m = Machine(GPU);\n"
                      "def f(Task task) {\n"
                      "  ip = task.ipoint;\n"
                      "  x = ip.size[0] > 1 ? m.volume : m.len;\n"
                      "  return m[*ip];\n"
                      "}\n"
                      "def g() { return m[0, 0]; }\n"
                      "def h(int x) { return x; }\n"
                      "IndexTaskMap t f;\n"
                      "IndexTaskMap GPU f;\n"
                      "SingleTaskMap a,b f;\n"
                      "z = tuple(i * 2 for i in (1, 2));\n"
                      "w = m.auto_split(0, (2, 2))[0, 0, 0].has(FBMEM);\n"
                      "print(\"{}\", (h)(1));\n"),
            "");
}

TEST(Published, EmptyProgram) {
  // Reported where its parser sees the end of the file: after the last newline.
  EXPECT_EQ(firsts("# nothing here\n\n"),
            "p.mapping:3:1: warning: the published DSL mapper rejects a program without "
            "statements\n");
}

TEST(Published, ReservedWordsAsNames) {
  EXPECT_EQ(firsts("size = 3;\n"
                   "Task split CPU;\n"
                   "def ipoint(Task volume) { return Machine(CPU)[0, 0]; }\n"
                   "x = tuple(len for len in (1, 2));\n"
                   "Region t SOA CPU SYSMEM;\n"),
            "p.mapping:1:1: warning: the published DSL mapper rejects 'size' as a variable name: "
            "it is a reserved word of its grammar\n"
            "p.mapping:2:6: warning: the published DSL mapper rejects 'split' as a task name: it "
            "is a reserved word of its grammar\n"
            "p.mapping:3:5: warning: the published DSL mapper rejects 'ipoint' as a function "
            "name: it is a reserved word of its grammar\n"
            "p.mapping:3:17: warning: the published DSL mapper rejects 'volume' as a parameter "
            "name: it is a reserved word of its grammar\n"
            "p.mapping:4:11: warning: the published DSL mapper rejects 'len' as a variable name: "
            "it is a reserved word of its grammar\n"
            "p.mapping:4:19: warning: the published DSL mapper rejects 'len' as a loop variable: "
            "it is a reserved word of its grammar\n"
            "p.mapping:5:10: warning: the published DSL mapper rejects 'SOA' as a region name: it "
            "is a reserved word of its grammar\n");
  // Kinds are values in its expressions; `Machine` is an ordinary name outside them.
  EXPECT_EQ(firsts("m = Machine(GPU);\nb = m[0, 0].has(FBMEM);\nTask Machine CPU;\n"), "");
}

TEST(Published, TaskMapKindForms) {
  EXPECT_EQ(firsts("def f(Task t) { return Machine(CPU)[0, 0]; }\n"
                   "IndexTaskMap IO f;\n"
                   "SingleTaskMap PROC f;\n"
                   "IndexTaskMap OMP f;\n"
                   "IndexTaskMap * f;\n"),
            "p.mapping:2:14: warning: the published DSL mapper rejects 'IndexTaskMap IO': its "
            "kind form takes CPU, GPU or OMP only\n"
            "p.mapping:3:15: warning: the published DSL mapper rejects 'SingleTaskMap PROC': its "
            "kind form takes CPU, GPU or OMP only\n"
            "p.mapping:5:1: warning: the published DSL mapper never applies 'IndexTaskMap *': it "
            "looks a task up by its name and then by CPU, GPU or OMP only\n");
}

TEST(Published, SemicolonAfterADefAndEmptyStatements) {
  EXPECT_EQ(published("def f(Task t) { return Machine(CPU)[0, 0]; };\nTask * CPU;;\n"),
            "p.mapping:1:45: warning: the published DSL mapper rejects ';' after a function "
            "definition\n"
            "  def f(Task t) { return Machine(CPU)[0, 0]; };\n"
            "                                              ^\n"
            "hint: delete the ';'\n"
            "p.mapping:2:12: warning: the published DSL mapper rejects an empty statement (a ';' "
            "alone)\n"
            "  Task * CPU;;\n"
            "             ^\n"
            "hint: delete the ';'\n");
}

TEST(Published, FormFeedAndVerticalTab) {
  EXPECT_EQ(firsts("Task * CPU;\n\f\nRegion * * CPU SYSMEM;\v\n"),
            "p.mapping:2:1: warning: the published DSL mapper rejects a form feed character\n");
}

TEST(Published, StatementForms) {
  EXPECT_EQ(firsts("InstanceLimit t CPU 2;\n"
                   "InstanceLimit * 2;\n"
                   "InstanceLimit a,b 2;\n"
                   "ControlReplicate *;\n"
                   "Region a,b * CPU SYSMEM;\n"
                   "Layout t 0 * SOA;\n"
                   "Layout t * GPU SOA No_Align;\n"
                   "CollectMemory t 1;\n"),
            "p.mapping:1:1: warning: deprecated form 'InstanceLimit TASK PROC N'\n"
            "p.mapping:1:17: warning: the published DSL mapper rejects a processor kind in "
            "InstanceLimit\n"
            "p.mapping:2:1: warning: the published DSL mapper rejects 'InstanceLimit *': it "
            "takes task names only\n"
            "p.mapping:3:17: warning: the published DSL mapper rejects a list of tasks in "
            "InstanceLimit: it takes one task or '*'\n"
            "p.mapping:4:1: warning: the published DSL mapper rejects 'ControlReplicate *': it "
            "takes task names only\n"
            "p.mapping:5:10: warning: the published DSL mapper rejects a list of tasks in "
            "Region: it takes one task or '*'\n"
            "p.mapping:6:10: warning: the published DSL mapper rejects a region index in Layout: "
            "it takes a region name or '*'\n"
            "p.mapping:7:12: warning: the published DSL mapper rejects a processor kind (GPU) as "
            "the third field of Layout: it takes a memory kind or '*'\n"
            "p.mapping:7:20: warning: the published DSL mapper rejects No_Align\n"
            "p.mapping:8:17: warning: the published DSL mapper rejects a region index in "
            "CollectMemory: it takes a region name or '*'\n");
}

TEST(Published, Expressions) {
  EXPECT_EQ(firsts("m = Machine(CPU);\n"
                   "a = !True;\n"
                   "b = len((1, 2)) + min(1, 2) + max(1, 2) + abs(-1);\n"
                   "c = m.decompose(0, (2, 2));\n"
                   "d = (1,);\n"
                   "e = ();\n"
                   "def f() { return 1; }\n"
                   "g = f();\n"
                   "h = True ? 1 : False ? 2 : 3;\n"
                   "i = True ? 1 : (False ? 2 : 3);\n"
                   "print(\"a\\tb\");\n"),
            "p.mapping:2:5: warning: the published DSL mapper rejects '!' (it has no logical "
            "not)\n"
            "p.mapping:3:5: warning: the published DSL mapper has no built-in len()\n"
            "p.mapping:3:19: warning: the published DSL mapper has no built-in min()\n"
            "p.mapping:3:31: warning: the published DSL mapper has no built-in max()\n"
            "p.mapping:3:43: warning: the published DSL mapper has no built-in abs()\n"
            "p.mapping:4:7: warning: the published DSL mapper has no member 'decompose'\n"
            "p.mapping:5:7: warning: the published DSL mapper rejects a trailing comma: (a,) or "
            "f(a,)\n"
            "p.mapping:6:5: warning: the published DSL mapper rejects an empty tuple '()'\n"
            "p.mapping:8:6: warning: the published DSL mapper rejects a call without arguments\n"
            "p.mapping:9:22: warning: the published DSL mapper reads a ? b : c ? d : e as (a ? b "
            ": c) ? d : e\n"
            "p.mapping:11:7: warning: the published DSL mapper does not decode escapes in a "
            "string: a '\\' is printed as written, and \\\" ends the string there\n");
}

TEST(Published, ShadowingFavoursTheFirstStatement) {
  EXPECT_EQ(firsts("Task t GPU;\nTask t CPU;\nTask t OMP;\n"),
            "p.mapping:2:1: warning: this statement never decides anything: line 1 decides "
            "first\n"
            "p.mapping:3:1: warning: this statement never decides anything: line 1 decides "
            "first\n");
}

}  // namespace
}  // namespace mapsmith::dsl
