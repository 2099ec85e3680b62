#include "agent/feedback.h"

#include <gtest/gtest.h>

#include "search/test_util.h"

namespace mapsmith::agent {
namespace {

TEST(Feedback, TimesHaveFourDigits) {
  EXPECT_EQ(time_text(0.0111), "11.1 ms");
  EXPECT_EQ(time_text(0.010334), "10.33 ms");
  EXPECT_EQ(time_text(2.5), "2.5 s");
  EXPECT_EQ(time_text(52.12e-6), "52.12 µs");
}

TEST(Feedback, ASuccessHasItsTimeTasksCriticalPathAndACheckedSuggestion) {
  search::Evaluation e;
  e.ok = true;
  e.time_s = 0.01;
  e.run_time_s = 0.5;
  e.feedback =
      "Timed region: 10 ms per iteration over 10 iterations; the whole run takes 500 ms.\n"
      "150 task instances, 43 copies: 0 B between nodes, 20.8 MiB within nodes.\n"
      "critical_path: The critical path of 114 ms is 99% compute, 0% copies.\n"
      "task_time: work 4 0.002 0 0 0.002\n"
      "critical: copy work blocks 0.007\n"
      "critical: task work 0.002\n";
  const app::App a = search::test::tiny_app();
  Feedback f = evaluation_feedback(e, Baseline{0.0105, 0.0111}, a);
  EXPECT_EQ(f.outcome,
            "10 ms per iteration (1.1100x as fast as the expert mapper; the best so far; the "
            "previous best took 10.5 ms)");
  // The whole run's counts and findings give way to the timed region's tasks and critical path.
  EXPECT_EQ(f.explanation,
            "Timed region: 10 ms per iteration over 10 iterations; the whole run takes 500 ms.\n"
            "Tasks of the timed region, per iteration:\n"
            "- work: 4 points, 2 ms each, 2 ms on the critical path\n"
            "Critical path of one iteration: copies into work blocks 7 ms, work 2 ms.\n");
  // 70% of the iteration in copies: the copy rule, naming them.
  EXPECT_EQ(f.suggestion,
            "Copies into work argument blocks take 7 ms of the 10 ms per iteration on the "
            "critical path: make that data already be where work's points run. Place the launch "
            "that writes it on the same processors as the work points that read it (the same "
            "index-map function, with the pieces of both launches in mind), or map work's points "
            "to where that data is.");
  f = evaluation_feedback(e, Baseline{0.009, std::nullopt}, a);
  EXPECT_EQ(f.outcome,
            "10 ms per iteration (slower than the best so far, which takes 9 ms "
            "(+11.11%))");
  // Copies are 5% of the iteration: no advice about copies, whatever the findings say.
  e.feedback =
      "large_copies: Task work region argument 0 'blocks' needed 1 MiB of copies.\n"
      "task_time: work 4 0.0095 0 0 0.0095\n"
      "critical: task work 0.0095\n"
      "critical: copy work blocks 0.0005\n";
  EXPECT_EQ(evaluation_feedback(e, Baseline{}, a).suggestion,
            "The largest part of the critical path is work (9.5 ms of 10 ms per iteration): "
            "change the decisions of work (its processors, the memory of its arguments) first.");
}

TEST(Feedback, TimesShowTheDigitsThatDecideAndTiesAreBrokenOutLoud) {
  const app::App a = search::test::tiny_app();
  search::Evaluation best, e;
  best.ok = e.ok = true;
  best.time_s = 0.0103312;
  best.run_time_s = 0.724;
  e.time_s = 0.0103318;  // 0.006% slower: six digits tell them apart
  e.run_time_s = 0.700;
  Baseline b{best.time_s, std::nullopt};
  b.best = &best;
  b.best_number = 3;
  EXPECT_EQ(evaluation_feedback(e, b, a).outcome,
            "10.332 ms per iteration (slower than the best so far, #3, which takes 10.331 ms "
            "(+0.01%))");
  // 2 ns on 10 ms is a tie: the whole run decides, and the outcome says so.
  e.time_s = best.time_s + 2e-9;
  EXPECT_EQ(evaluation_feedback(e, b, a).outcome,
            "10.33 ms per iteration (a tie with #3 per iteration (within 0.0001%), broken by the "
            "shorter whole run (whole run 700 ms against 724 ms): the new best so far)");
  e.run_time_s = 0.8;
  EXPECT_EQ(evaluation_feedback(e, b, a).outcome,
            "10.33 ms per iteration (a tie with #3 per iteration (within 0.0001%), broken by the "
            "whole run (whole run 800 ms against 724 ms): #3 stays the best)");
  e.run_time_s = best.run_time_s;
  EXPECT_EQ(evaluation_feedback(e, b, a).outcome,
            "10.33 ms per iteration (a tie with #3 per iteration and over the whole run (whole "
            "run 724 ms against 724 ms): #3, found first, stays the best)");
}

TEST(Feedback, EachChangedDecisionSaysWhatItsTaskMovedAndTheSuggestionNamesTheCostliest) {
  const app::App a = search::test::tiny_app();
  const machine::Machine m = search::test::tiny_machine();
  search::Evaluation best, e;
  best.ok = e.ok = true;
  best.time_s = 0.002;
  best.run_time_s = 0.01;
  best.feedback = "task_time: work 4 0.002 0 0 0.002\ncritical: task work 0.002\n";
  e.time_s = 0.005;
  e.run_time_s = 0.02;
  e.feedback = "task_time: work 4 0.005 0 0 0.005\ncritical: task work 0.005\n";
  const std::string best_text = "Task work GPU;\n";
  const std::string text = "Task work GPU;\nRegion work blocks GPU ZCMEM;\n";
  Baseline b{best.time_s, std::nullopt};
  b.best = &best;
  b.best_number = 2;
  b.best_text = &best_text;
  b.candidate = &text;
  b.machine = &m;
  const Feedback f = evaluation_feedback(e, b, a);
  EXPECT_NE(f.explanation.find("What it decides differently from #2 (-> the task's part of the "
                               "critical path: body, copies into it, waits):\n- work memory 0 "
                               "blocks: ZCMEM (was FBMEM) -> work 5 ms (+3 ms)\n"),
            std::string::npos)
      << f.explanation;
  EXPECT_EQ(f.suggestion,
            "Undo this change, it made its task slower (+15 ms per iteration, busy and critical "
            "time together): work memory 0 blocks: ZCMEM (was FBMEM).");
}

TEST(Feedback, FailuresGetARuleAndTheCheckersHint) {
  const app::App a = search::test::tiny_app();
  search::Evaluation e;
  e.failure = "line 2: out of memory: task work needs 800000 bytes";
  e.feedback =
      "candidate.mapping:2:1: error: out of memory: ...\n  Region work blocks GPU FBMEM;\n"
      "  ^\nhint: use a larger memory\n";
  Feedback f = evaluation_feedback(e, Baseline{}, a);
  EXPECT_EQ(f.outcome, "fails: line 2: out of memory: task work needs 800000 bytes");
  EXPECT_EQ(f.explanation, e.feedback);
  EXPECT_EQ(f.suggestion,
            "Put that region argument in a larger memory (ZCMEM or SYSMEM), give it a fallback "
            "(Region T R GPU FBMEM,ZCMEM;), or free instances sooner (CollectMemory T R; "
            "InstanceLimit T 1;). The checker's hint: use a larger memory.");
  EXPECT_EQ(failure_suggestion("line 1: unknown task 'wrok' in the application tiny", "", a),
            "Name only the application's tasks: main, work, report.");
  EXPECT_EQ(failure_suggestion("line 1: task report has no GPU variant (it has CPU)", "", a),
            "Run each task only on a processor kind it has a variant for (see the tasks above).");
}

TEST(Feedback, RepeatsAndStepsWithoutAMapper) {
  EXPECT_EQ(repeat_feedback(3, 0.0111).outcome, "the same mapper as #3: 11.1 ms per iteration");
  EXPECT_EQ(repeat_feedback(4, std::numeric_limits<double>::infinity()).outcome,
            "the same mapper as #4, which fails");
  const app::App a = search::test::tiny_app();
  const Feedback f = step_feedback("no mapper: the reply is empty", "", a);
  EXPECT_EQ(f.explanation, "Nothing was evaluated.");
  EXPECT_EQ(f.suggestion, "Reply with one whole mapper in the format asked for.");
  // A long explanation is cut at a line end.
  search::Evaluation e;
  for (int i = 0; i < 200; ++i)
    e.feedback += "candidate.mapping:1:1: error: x\n";
  e.failure = "x";
  const std::string x = evaluation_feedback(e, Baseline{}, a).explanation;
  EXPECT_TRUE(x.ends_with("\n[... 4929 more bytes]\n")) << x.substr(x.size() - 60);
  EXPECT_LE(x.size(), 1500u + 30u);
}

}  // namespace
}  // namespace mapsmith::agent
