#include "search/command_evaluator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "util/error.h"

namespace mapsmith::search {
namespace {

using Words = std::vector<std::string>;

TEST(SplitCommand, SplitsLikeAShellWithoutExpanding) {
  EXPECT_EQ(split_command("a b\tc"), (Words{"a", "b", "c"}));
  EXPECT_EQ(split_command("  ./circuit -p 4  {mapper} "),
            (Words{"./circuit", "-p", "4", "{mapper}"}));
  EXPECT_EQ(split_command("a 'b c' \"d e\""), (Words{"a", "b c", "d e"}));
  EXPECT_EQ(split_command("'$HOME' \"$HOME\" *"), (Words{"$HOME", "$HOME", "*"}));
  EXPECT_EQ(split_command("x\\ y \"q\\\"uote\" 'it''s'"), (Words{"x y", "q\"uote", "its"}));
  EXPECT_EQ(split_command("a '' b"), (Words{"a", "", "b"}));
  EXPECT_EQ(split_command("-lg:mapper={mapper}"), (Words{"-lg:mapper={mapper}"}));
}

TEST(SplitCommand, RejectsBadQuotingAndEmptyCommands) {
  EXPECT_THROW(split_command("a 'b"), InputError);
  EXPECT_THROW(split_command("a \"b"), InputError);
  EXPECT_THROW(split_command("   "), InputError);
}

TEST(RunCommand, CollectsOutputsAndStatus) {
  const CommandResult r = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"}, 10);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.timed_out);
  const CommandResult missing = run_command({"/nonexistent/program"}, 10);
  EXPECT_EQ(missing.exit_code, -1);
  EXPECT_EQ(missing.err, "cannot run /nonexistent/program: No such file or directory");
}

TEST(RunCommand, ATimeOutKillsTheWholeProcessGroup) {
  const auto start = std::chrono::steady_clock::now();
  // The background sleep holds the pipes: only killing the group lets the run end early.
  const CommandResult r = run_command({"sh", "-c", "sleep 30 & sleep 30"}, 0.3);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, 9);
  EXPECT_LT(took, 5.0);
}

TEST(FindMetric, TakesTheLastMatchOfTheFirstGroup) {
  CommandResult r;
  r.out = "iteration 1: 0.5 s\niteration 2: 0.25 s\n";
  double t = 0;
  EXPECT_TRUE(find_metric("([0-9.]+) s", r, t));
  EXPECT_EQ(t, 0.25);
  r.out = "nothing";
  r.err = "ELAPSED 1.5e-3";
  EXPECT_TRUE(find_metric("ELAPSED ([0-9.e+-]+)", r, t));
  EXPECT_EQ(t, 1.5e-3);
  EXPECT_FALSE(find_metric("GFLOPS ([0-9.]+)", r, t));
}

TEST(CommandEvaluator, RunsTheCandidateFileAndReadsTheMetric) {
  CommandOptions o;
  o.runner = "cat {mapper}";
  o.metric = "time: ([0-9.]+)";
  o.jobs = 2;
  CommandEvaluator e(o);
  EXPECT_EQ(e.identity(), "command: cat {mapper}; metric: time: ([0-9.]+)");
  std::size_t done = 0;
  const auto r = e.evaluate({"# time: 0.25\n", "# time: 1.5\n", "# no time\n"},
                            [&](std::size_t, const Evaluation&) { ++done; });
  EXPECT_EQ(done, 3u);
  ASSERT_TRUE(r[0].ok);
  EXPECT_EQ(r[0].time_s, 0.25);
  EXPECT_EQ(r[1].time_s, 1.5);
  EXPECT_FALSE(r[2].ok);
  EXPECT_EQ(r[2].failure, "no match for the metric /time: ([0-9.]+)/ in its output");
  // The metric is looked for in both streams: both are shown.
  EXPECT_EQ(r[2].feedback, "standard output:\n# no time\n\nstandard error:\n\n");
}

TEST(CommandEvaluator, AFailingRunKeepsItsStandardErrorAsFeedback) {
  CommandOptions o;
  o.runner = "sh -c 'echo broken mapper >&2; exit 2' {mapper}";
  o.metric = "([0-9.]+)";
  CommandEvaluator e(o);
  const auto r = e.evaluate({"x"}, nullptr);
  EXPECT_FALSE(r[0].ok);
  EXPECT_EQ(r[0].failure, "exited with status 2");
  EXPECT_EQ(r[0].feedback, "broken mapper\n");

  o.runner = "sh -c 'sleep 30' {mapper}";
  o.timeout_s = 0.2;
  CommandEvaluator slow(o);
  const auto s = slow.evaluate({"x"}, nullptr);
  EXPECT_FALSE(s[0].ok);
  EXPECT_EQ(s[0].failure, "timed out after 0.2 s");
}

TEST(CommandEvaluator, RejectsARunnerWithoutTheMapperAndABadMetric) {
  CommandOptions o;
  o.runner = "./app -n 4";
  o.metric = "x";
  EXPECT_THROW(CommandEvaluator{o}, InputError);
  o.runner = "./app {mapper}";
  o.metric = "([0-9";
  EXPECT_THROW(CommandEvaluator{o}, InputError);
}

}  // namespace
}  // namespace mapsmith::search

namespace mapsmith::search {
namespace {

// ---- issue 15 items 3 and 10: hostile regexes and hostile runners ----

TEST(FindMetric, Item3ABacktrackingRegexOnLongOutputNeitherCrashesNorHangs) {
  CommandResult r;
  // std::regex recursed once per character here and overflowed the stack at about 136 KB.
  r.out = std::string(200'000, 'x') + "\nELAPSED TIME = 1.5 s\n";
  double t = 0;
  EXPECT_TRUE(find_metric("[\\s\\S]*ELAPSED TIME = ([0-9.]+) s", r, t));
  EXPECT_EQ(t, 1.5);
  // Exponential for a backtracking engine; linear for RE2.
  r.out = std::string(100'000, 'a');
  EXPECT_FALSE(find_metric("(a|a)*b", r, t));
}

TEST(FindMetric, Item3TheMatchedTextIsReported) {
  CommandResult r;
  r.out = "time 1\ntime 2.5\n";
  double t = 0;
  std::string found;
  EXPECT_TRUE(find_metric("time ([0-9.]+)", r, t, &found));
  EXPECT_EQ(found, "2.5");
  r.out = "1.25 s\n";
  EXPECT_TRUE(find_metric("[0-9.]+", r, t, &found));  // no group: the whole match
  EXPECT_EQ(found, "1.25");
  EXPECT_EQ(t, 1.25);
}

TEST(CommandEvaluator, Item3AMetricThatRe2RejectsIsAnInputError) {
  CommandOptions o;
  o.runner = "cat {mapper}";
  o.metric = "(a)\\1";  // a back-reference: not linear, not RE2
  try {
    CommandEvaluator e(o);
    FAIL() << "accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "the metric '(a)\\1' is not a regular expression: invalid escape sequence: \\1");
  }
}

TEST(RunCommand, Item10ABackgroundChildDoesNotMakeAFinishedRunTimeOut) {
  const auto start = std::chrono::steady_clock::now();
  const CommandResult r = run_command({"sh", "-c", "sleep 30 & echo 'time 0.5'"}, 20);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.out, "time 0.5\n");
  EXPECT_LT(took, 10.0);
}

TEST(RunCommand, Item10OutputPast16MiBKeepsTheTail) {
  const CommandResult r = run_command(
      {"sh", "-c", "head -c 20000000 /dev/zero | tr '\\0' x; echo; echo 'ELAPSED 0.25'"}, 60);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.size(), std::size_t{16} << 20);
  EXPECT_TRUE(r.out.ends_with("x\nELAPSED 0.25\n"));
  double t = 0;
  EXPECT_TRUE(find_metric("ELAPSED ([0-9.]+)", r, t));
  EXPECT_EQ(t, 0.25);
}

TEST(CommandEvaluator, Item10NanInfinityAndNegativeMetricsAreFailures) {
  CommandOptions o;
  o.runner = "cat {mapper}";
  o.metric = "time: (\\S+)";
  CommandEvaluator e(o);
  const auto r = e.evaluate(
      {"time: nan\n", "time: -inf\n", "time: inf\n", "time: -1\n", "time: 0.5\n"}, nullptr);
  ASSERT_EQ(r.size(), 5u);
  EXPECT_FALSE(r[0].ok);
  EXPECT_EQ(r[0].failure, "the metric /time: (\\S+)/ read 'nan', which is not a time in seconds");
  EXPECT_FALSE(r[1].ok);
  EXPECT_EQ(r[1].failure, "the metric /time: (\\S+)/ read '-inf', which is not a time in seconds");
  EXPECT_FALSE(r[2].ok);
  EXPECT_FALSE(r[3].ok);
  EXPECT_EQ(r[3].failure, "the metric /time: (\\S+)/ read '-1', which is not a time in seconds");
  ASSERT_TRUE(r[4].ok);
  EXPECT_EQ(r[4].time_s, 0.5);
}

TEST(CommandEvaluator, Item10ATmpdirContainingThePlaceholderDoesNotLoop) {
  const std::string base = ::testing::TempDir() + "tmp-{mapper}-dir";
  std::filesystem::create_directories(base);
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  setenv("TMPDIR", base.c_str(), 1);
  {
    CommandOptions o;
    o.runner = "cat {mapper}";
    o.metric = "time: ([0-9.]+)";
    CommandEvaluator e(o);
    const auto r = e.evaluate({"time: 0.75\n"}, nullptr);
    ASSERT_TRUE(r[0].ok) << r[0].failure;
    EXPECT_EQ(r[0].time_s, 0.75);
  }
  if (old)
    setenv("TMPDIR", saved.c_str(), 1);
  else
    unsetenv("TMPDIR");
  // The evaluator removed its directory.
  EXPECT_TRUE(std::filesystem::is_empty(base));
  std::filesystem::remove_all(base);
}

TEST(CommandEvaluator, Item2AnErrorOnAWorkerThreadReachesTheCaller) {
  CommandOptions o;
  o.runner = "cat {mapper}";
  o.metric = "time: ([0-9.]+)";
  o.jobs = 4;
  CommandEvaluator e(o);
  std::vector<std::string> programs(16, "time: 1\n");
  std::atomic<int> calls{0};
  try {
    e.evaluate(programs, [&](std::size_t, const Evaluation&) {
      if (++calls == 3) throw InputError("r.db: database or disk is full");
    });
    FAIL() << "no exception";
  } catch (const InputError& x) {
    EXPECT_EQ(std::string(x.what()), "r.db: database or disk is full");
  }
  EXPECT_LT(calls.load(), 16);  // the others stopped
}

}  // namespace
}  // namespace mapsmith::search
