// `mapsmith check`, as issue 15 found it: stdin without a limit (item 4), `--machine --app`
// missing what simulate refuses (item 11), its messages (item 12), its flags and exit codes
// (item 13).
#include <gtest/gtest.h>
#include <pty.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <iterator>
#include <streambuf>

#include "cli/test_util.h"

namespace mapsmith::cli {
namespace {

using test::mapsmith;
using test::write;

class Check : public test::CliTest {};

// ---- item 4: standard input has the file's size limit ----

/// An endless stream of '#' (what `check - < /dev/zero` is, but text).
class Endless : public std::streambuf {
 public:
  Endless() {
    std::fill(std::begin(buf_), std::end(buf_), '#');
    setg(buf_, buf_, buf_ + sizeof buf_);
  }

 protected:
  int_type underflow() override {
    setg(buf_, buf_, buf_ + sizeof buf_);
    return traits_type::to_int_type(buf_[0]);
  }

 private:
  char buf_[4096];
};

TEST_F(Check, Item4EndlessStandardInputStopsAtTheLimit) {
  Endless endless;
  std::streambuf* old = std::cin.rdbuf(&endless);
  const auto r = mapsmith({"check", "-"});
  std::cin.rdbuf(old);
  std::cin.clear();
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err,
            "<stdin>: error: standard input is larger than the limit of 16777216 bytes for a "
            "mapping file\n"
            "1 error, 0 warnings\n");
}

// ---- item 11: everything simulate would refuse ----

constexpr const char* kApp = R"({
  "format": 1, "name": "tiny",
  "regions": [{"name": "grid", "extents": [400], "fields": [{"name": "u"}],
               "atoms": [100, 100, 100, 100]}],
  "partitions": [{"name": "blocks", "region": "grid", "colors": [4],
                  "pieces": [[0], [1], [2], [3]]}],
  "tasks": [
    {"name": "main", "variants": [{"kind": "CPU", "inner": true}]},
    {"name": "work", "variants": [{"kind": "CPU"}, {"kind": "GPU", "needs_c_order": true}]},
    {"name": "report", "variants": [{"kind": "CPU"}]}
  ],
  "top": "main",
  "program": [
    {"task": "work", "domain": [4], "point_vars": ["i"], "flops": 1e6,
     "reqs": [{"region": "grid", "partition": "blocks", "projection": ["i"],
               "privilege": "read-write"}]},
    {"task": "report", "flops": 1e3, "reqs": [{"region": "grid", "privilege": "read"}]}
  ]
})";

TEST_F(Check, Item11AFunctionReturningATupleIsFoundByCheck) {
  write(path("app.json"), kApp);
  write(path("m.mapping"),
        "Task work GPU;\n"
        "Layout work * GPU C_order;\n"
        "def f(Task task) {\n"
        "  return task.ipoint;\n"
        "}\n"
        "IndexTaskMap work f;\n");
  const auto r =
      mapsmith({"check", "--machine", "sapling", "--app", path("app.json"), path("m.mapping")});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, path("m.mapping") +
                       ":4:3: error: function 'f', used by the IndexTaskMap at line 6, returned a "
                       "tuple instead of a processor while mapping task work at point (0,)\n"
                       "    return task.ipoint;\n"
                       "    ^\n"
                       "hint: a mapping function returns a processor: an index into a machine "
                       "space, m[i, j]\n"
                       "1 error, 0 warnings\n");
}

TEST_F(Check, Item11ACpuProcessorForAGpuTaskIsFoundByCheck) {
  write(path("app.json"), kApp);
  write(path("m.mapping"),
        "Task work GPU;\n"
        "Layout work * GPU C_order;\n"
        "c = Machine(CPU);\n"
        "def f(Task task) {\n"
        "  return c[0, task.ipoint[0]];\n"
        "}\n"
        "IndexTaskMap work f;\n");
  const auto r =
      mapsmith({"check", "--machine", "sapling", "--app", path("app.json"), path("m.mapping")});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, path("m.mapping") +
                       ":5:3: error: function 'f', used by the IndexTaskMap at line 7, returned a "
                       "CPU processor, but task work runs on GPU\n"
                       "    return c[0, task.ipoint[0]];\n"
                       "    ^\n"
                       "hint: index Machine(GPU) in this function, or change the task's kind with "
                       "a Task statement\n"
                       "1 error, 0 warnings\n");
}

TEST_F(Check, Item11ALayoutTheVariantCannotTakeIsFoundByCheck) {
  write(path("app.json"), kApp);
  write(path("m.mapping"), "Task work GPU;\nLayout work * GPU F_order;\n");
  const auto r =
      mapsmith({"check", "--machine", "sapling", "--app", path("app.json"), path("m.mapping")});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, path("m.mapping") +
                       ":2:1: error: task work's GPU variant needs C_order instances, but region "
                       "argument 0 'blocks' is laid out SOA F_order\n"
                       "  Layout work * GPU F_order;\n"
                       "  ^\n"
                       "hint: add: Layout work blocks GPU C_order;\n"
                       "1 error, 0 warnings\n");
  // The same mapper, simulated, fails with the same message.
  const auto s = mapsmith({"simulate", "--machine", "sapling", "--app", path("app.json"),
                           "--mapper", path("m.mapping"), "--no-compare"});
  EXPECT_EQ(s.rc, 1);
  EXPECT_NE(s.err.find("error: task work's GPU variant needs C_order instances, but region "
                       "argument 0 'blocks' is laid out SOA F_order\n"),
            std::string::npos)
      << s.err;
}

TEST_F(Check, Item11AMapStatementForTheWrongKindOfLaunchIsAWarning) {
  write(path("app.json"), kApp);
  write(path("m.mapping"),
        "Layout work * GPU C_order;\n"
        "m = Machine(CPU);\n"
        "def f(Task task) {\n"
        "  return m[0, 0];\n"
        "}\n"
        "IndexTaskMap report f;\n"
        "SingleTaskMap work f;\n");
  const auto r =
      mapsmith({"check", "--machine", "sapling", "--app", path("app.json"), path("m.mapping")});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.err, path("m.mapping") +
                       ":6:14: warning: task report is only ever launched singly (never as an "
                       "index launch) in tiny: this IndexTaskMap never applies to it\n"
                       "  IndexTaskMap report f;\n"
                       "               ^\n"
                       "hint: use SingleTaskMap report f;\n" +
                       path("m.mapping") +
                       ":7:15: warning: task work is only ever launched as an index launch in "
                       "tiny: this SingleTaskMap never applies to it\n"
                       "  SingleTaskMap work f;\n"
                       "                ^\n"
                       "hint: use IndexTaskMap work f;\n"
                       "0 errors, 2 warnings\n");
}

// ---- item 12: messages ----

TEST_F(Check, Item12AByteOrderMarkAtTheStartIsAccepted) {
  write(path("bom.mapping"), "\xEF\xBB\xBFTask * GPU;\n");
  const auto r = mapsmith({"check", path("bom.mapping")});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, path("bom.mapping") + ": ok (1 statement, 0 warnings)\n");
}

TEST_F(Check, Item12AByteOrderMarkElsewhereIsNamed) {
  write(path("bom.mapping"), "Task * GPU;\n\xEF\xBB\xBFTask * CPU;\n");
  const auto r = mapsmith({"check", path("bom.mapping")});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')),
            path("bom.mapping") + ":2:1: error: unexpected character U+FEFF (a byte-order mark)");
  EXPECT_NE(r.err.find("hint: a byte-order mark is accepted only at the very start of the file; "
                       "delete this one\n"),
            std::string::npos);
}

TEST_F(Check, Item12CarriageReturnLineEndingsAreLineEndings) {
  // An old Mac file: a comment must end at its line, not swallow the mapper.
  write(path("cr.mapping"), "# a comment\rTask * GPU;\rIndexTaskMap t nowhere;\r");
  const auto r = mapsmith({"check", path("cr.mapping")});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')),
            path("cr.mapping") + ":3:16: error: undefined function 'nowhere'");
  write(path("ok.mapping"), "# a comment\rTask * GPU;\r");
  const auto ok = mapsmith({"check", path("ok.mapping")});
  EXPECT_EQ(ok.out, path("ok.mapping") + ": ok (1 statement, 0 warnings)\n");
}

TEST_F(Check, Item12ALongNameIsCutInMessages) {
  const std::string name(10'000'000, 'a');
  write(path("long.mapping"), "x = " + name + ";\n");
  const auto r = mapsmith({"check", path("long.mapping")});
  EXPECT_EQ(r.rc, 1);
  EXPECT_LT(r.err.size(), 1000u);
  EXPECT_EQ(
      r.err.substr(0, r.err.find('\n')),
      path("long.mapping") + ":1:5: error: undefined variable '" + std::string(40, 'a') + "...'");
}

TEST_F(Check, Item12TheSmallestIntegerCanBeWritten) {
  write(path("min.mapping"), "x = -9223372036854775808;\ny = x + 1;\n");
  const auto r = mapsmith({"check", path("min.mapping")});
  EXPECT_EQ(r.rc, 0) << r.err;
  const auto f = mapsmith({"fmt", path("min.mapping")});
  EXPECT_EQ(f.out, "x = -9223372036854775808;\ny = x + 1;\n");
  // Without its sign the number does not fit, wherever the '-' is.
  write(path("big.mapping"), "x = 1 -9223372036854775808;\n");
  const auto b = mapsmith({"check", path("big.mapping")});
  EXPECT_EQ(b.rc, 1);
  EXPECT_EQ(
      b.err.substr(0, b.err.find('\n')),
      path("big.mapping") + ":1:8: error: integer 9223372036854775808 does not fit in 64 bits");
}

// ---- item 13: the closing line, --werror, colour, exit codes ----

TEST_F(Check, Item13AClosingLineCountsErrorsAndWarnings) {
  write(path("w.mapping"), "Task t GPU;\nTask t CPU;\nIndexTaskMap t nowhere;\n");
  const auto r = mapsmith({"check", path("w.mapping")});
  EXPECT_EQ(r.rc, 1);
  EXPECT_TRUE(r.err.ends_with("\n1 error, 1 warning\n")) << r.err;
}

TEST_F(Check, Item13WerrorMakesWarningsFail) {
  write(path("w.mapping"), "Task t GPU;\nTask t CPU;\n");
  const auto plain = mapsmith({"check", path("w.mapping")});
  EXPECT_EQ(plain.rc, 0);
  const auto strict = mapsmith({"check", "--werror", path("w.mapping")});
  EXPECT_EQ(strict.rc, 1);
  EXPECT_EQ(strict.out, "");
  EXPECT_TRUE(strict.err.ends_with("\n0 errors, 1 warning\n")) << strict.err;
}

TEST_F(Check, Item13DiagnosticsAreColouredOnATerminal) {
  write(path("e.mapping"), "IndexTaskMap t nowhere;\n");
  const auto r = mapsmith({"check", path("e.mapping")}, /*color=*/true);
  EXPECT_EQ(r.err, "\033[1m" + path("e.mapping") +
                       ":1:16:\033[0m \033[1;31merror\033[0m: undefined function 'nowhere'\n"
                       "  IndexTaskMap t nowhere;\n"
                       "                 \033[1;32m^\033[0m\n"
                       "\033[1;36mhint:\033[0m define it: def nowhere(Task task) { return ...; }\n"
                       "1 error, 0 warnings\n");
}

TEST(WantColor, Item13ATerminalUnlessNoColor) {
  int master = -1, slave = -1;
  ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  unsetenv("NO_COLOR");
  setenv("TERM", "xterm", 1);
  EXPECT_TRUE(want_color(slave));
  setenv("NO_COLOR", "1", 1);
  EXPECT_FALSE(want_color(slave));
  setenv("NO_COLOR", "", 1);  // empty: as if unset (no-color.org)
  EXPECT_TRUE(want_color(slave));
  unsetenv("NO_COLOR");
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  EXPECT_FALSE(want_color(p[1]));
  close(p[0]);
  close(p[1]);
  close(master);
  close(slave);
}

TEST_F(Check, Item13UsageErrorsExitTwo) {
  write(path("app.json"), kApp);
  const auto runner = mapsmith({"tune", "--app", path("app.json"), "--machine", "sapling",
                                "--runner", "cat {mapper}", "--db", "none", "--out", "none"});
  EXPECT_EQ(runner.rc, 2);
  EXPECT_EQ(runner.err,
            "mapsmith: error: --runner: needs --metric REGEX\nRun 'mapsmith --help' for usage.\n");
  const auto llm = mapsmith({"tune", "--app", path("app.json"), "--machine", "sapling",
                             "--llm-model", "x", "--db", "none", "--out", "none"});
  EXPECT_EQ(llm.rc, 2);
  EXPECT_EQ(llm.err,
            "mapsmith: error: --llm-model: is for --optimizer llm or hybrid\n"
            "Run 'mapsmith --help' for usage.\n");
  const auto opt = mapsmith({"tune", "--app", path("app.json"), "--machine", "sapling",
                             "--optimizer", "randm", "--db", "none", "--out", "none"});
  EXPECT_EQ(opt.rc, 2);
  EXPECT_NE(opt.err.find("unknown optimizer 'randm'; did you mean 'random'?"), std::string::npos)
      << opt.err;
}

TEST_F(Check, Item13OutputFilesAreDashOOrOutEverywhere) {
  write(path("m.mapping"), "Task * GPU;\n");
  const auto a = mapsmith({"codegen", path("m.mapping"), "--out", path("a.cc")});
  EXPECT_EQ(a.rc, 0) << a.err;
  const auto b = mapsmith({"codegen", path("m.mapping"), "-o", path("b.cc")});
  EXPECT_EQ(b.rc, 0) << b.err;
  const auto c = mapsmith({"codegen", path("m.mapping"), "--output", path("c.cc")});
  EXPECT_EQ(c.rc, 0) << c.err;
  EXPECT_EQ(test::read(path("a.cc")), test::read(path("b.cc")));
  EXPECT_EQ(test::read(path("a.cc")), test::read(path("c.cc")));
}

}  // namespace
}  // namespace mapsmith::cli
