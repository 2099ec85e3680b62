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

TEST(Feedback, ASuccessHasItsTimeFindingsAndASuggestion) {
  search::Evaluation e;
  e.ok = true;
  e.time_s = 0.01;
  e.feedback =
      "150 task instances, 43 copies: 0 B between nodes, 20.8 MiB within nodes.\n"
      "critical_path: The critical path of 114 ms is 99% compute, 0% copies.\n"
      "idle_processors: 16 of 20 CPU processors ran no task.\n";
  const app::App a = search::test::tiny_app();
  Feedback f = evaluation_feedback(e, Baseline{0.0105, 0.0111}, a);
  EXPECT_EQ(f.outcome,
            "10 ms per iteration (1.110x as fast as the expert mapper; the best so far)");
  EXPECT_EQ(f.explanation,
            "150 task instances, 43 copies: 0 B between nodes, 20.8 MiB within nodes.\n"
            "The critical path of 114 ms is 99% compute, 0% copies.\n"
            "16 of 20 CPU processors ran no task.\n");
  EXPECT_EQ(f.suggestion,
            "Compute dominates the critical path and some processors are idle: spread the "
            "expensive index launches over every processor of the kind that runs them (an "
            "IndexTaskMap over the whole machine space), and balance their points.");
  f = evaluation_feedback(e, Baseline{0.009, std::nullopt}, a);
  EXPECT_EQ(f.outcome, "10 ms per iteration (the best so far takes 9 ms)");
  e.feedback =
      "critical_path: The critical path of 1 ms is 40% compute, 60% copies.\n"
      "large_copies: Task work region argument 0 'blocks' needed 1 MiB of copies.\n";
  EXPECT_EQ(evaluation_feedback(e, Baseline{}, a).suggestion,
            "Copies take a large share: put the region argument named above in the memory of the "
            "processor that uses it, or map the tasks that produce and consume it to the same "
            "processor.");
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
