#include "search/command_evaluator.h"

#include <gtest/gtest.h>

#include <chrono>

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
