#include "agent/llm_optimizer.h"

#include <gtest/gtest.h>

#include "agent/test_util.h"
#include "search/results_db.h"
#include "search/sim_evaluator.h"
#include "search/test_util.h"
#include "search/tune.h"

namespace mapsmith::agent {
namespace {

using Kind = llm::ChatError::Kind;

const char* const kExpert =
    "Task * GPU,CPU;\n"
    "m = Machine(GPU);\n"
    "def f(Task task) {\n"
    "  return m[0, task.ipoint[0] % 2];\n"
    "}\n"
    "IndexTaskMap work f;\n";

std::string fenced(const std::string& text) {
  return "```mapping\n" + text + "```\n";
}

/// A tuning run of the tiny app with an LLM optimizer answering from a script.
class LlmTune : public ::testing::Test {
 protected:
  void SetUp() override {
    dsl::Diagnostics diags;
    space = std::make_unique<search::Space>(search::Space::build(app, machine, kExpert, diags));
    ASSERT_FALSE(diags.has_errors());
    study = db.study(search::StudyKey{"tiny", "", "tiny", sim.identity(), "fp"});
  }

  search::TuneResult run(test::ScriptedClient& client, std::size_t budget,
                         const std::string& kind = "llm", std::size_t max_steps = 20) {
    LlmSetup setup;
    setup.client = &client;
    setup.app = &app;
    setup.machine = &machine;
    setup.start_text = space->render(space->expert_point());
    setup.max_steps = max_steps;
    setup.hybrid_evaluations = 3;
    search::Rng rng(0);
    optimizer = make_llm_optimizer(kind, setup, rng);
    search::TuneOptions o;
    o.budget = budget;
    o.optimizer = kind;
    return search::tune(*space, *optimizer, sim, o, &db, study);
  }

  /// The user message of the request made at `i`.
  std::string prompt(const test::ScriptedClient& client, std::size_t i) {
    return client.requests.at(i).messages.at(1).content;
  }

  app::App app = search::test::tiny_app();
  machine::Machine machine = search::test::tiny_machine();
  search::SimEvaluator sim{app, machine, 1};
  search::ResultsDb db{":memory:"};
  std::int64_t study = 0;
  std::unique_ptr<search::Space> space;
  std::unique_ptr<LlmOptimizer> optimizer;
};

TEST_F(LlmTune, ProposalsFailedStepsRepairsAndRepeatsMakeTheHistory) {
  test::ScriptedClient client;
  client.reply(fenced("Task * GPU,CPU;\nRegion * * GPU FBMEM;\n"));  // step 1: #3
  client.reply("I cannot help with that.");                          // step 2: no mapper
  client.reply(fenced("Task wrok CPU;\n"));                          // step 3, repaired: #4
  client.reply(fenced("Task work CPU;\n"));
  client.reply(fenced("Task * GPU,CPU;\nRegion * * GPU FBMEM;\n"));  // step 4: #3 again
  client.reply(fenced("Layout * * * AOS;\n"));                       // step 5: #5
  const search::TuneResult r = run(client, 3);  // three proposals; the references are extra
  EXPECT_EQ(r.evaluations, 5u);
  EXPECT_EQ(r.proposals, 3u);
  EXPECT_EQ(r.stopped, "budget");
  EXPECT_FALSE(r.stopped_by_error);
  ASSERT_TRUE(r.best && r.expert && r.expert->eval.ok);
  EXPECT_LE(r.best->eval.time_s, r.expert->eval.time_s);
  EXPECT_EQ(client.left(), 0u);
  ASSERT_EQ(client.requests.size(), 6u);

  // The default policy is faster than the expert here: it is the best so far, and the expert,
  // where the search starts, is the first history entry (compared with it).
  const std::string first = prompt(client, 0);
  EXPECT_NE(first.find("# Best mapper so far\n\n#2, Legion's default policy (the empty "
                       "mapper):\n```mapping\n# (empty: Legion's default mapper policy)\n```\n"
                       "Outcome: "),
            std::string::npos)
      << first;
  EXPECT_NE(first.find("\n## #1, the expert mapper, where the search starts\n\n```mapping\n" +
                       std::string(kExpert) + "```\nOutcome: "),
            std::string::npos)
      << first;
  EXPECT_NE(first.find("slower than the best so far, #2, which takes "), std::string::npos);
  // The last one shows every step with its three-part feedback.
  const std::string last = prompt(client, 5);
  EXPECT_NE(last.find("\n## #3, LLM step 1\n\n```mapping\nTask * GPU,CPU;\nRegion * * GPU "
                      "FBMEM;\n```\nOutcome: "),
            std::string::npos)
      << last;
  EXPECT_NE(last.find("\n## LLM step 2\n\nOutcome: no mapper: the reply holds no mapping "
                      "program: no ``` code block, and the text is not a program\nExplanation:\n"
                      "Nothing was evaluated.\nSuggestion: Reply with one whole mapper in the "
                      "format asked for.\n"),
            std::string::npos)
      << last;
  EXPECT_NE(last.find("\n## #4, LLM step 3\n\n```mapping\nTask work CPU;\n```\nOutcome: "),
            std::string::npos);
  EXPECT_NE(last.find("\n## #3, LLM step 4\n\nOutcome: the same mapper as #3: "),
            std::string::npos);
  for (const char* part : {"Explanation:\n", "Suggestion: "})
    EXPECT_NE(last.find(part, last.find("## #4, LLM step 3")), std::string::npos) << part;

  // The steps are in the database, the failed one included.
  const std::vector<search::StepRecord> steps = db.steps(1);
  ASSERT_EQ(steps.size(), 5u);
  const std::vector<std::string> statuses = {"ok", "no-mapper", "ok", "ok", "ok"};
  const std::vector<std::int64_t> numbers = {3, 0, 4, 3, 5};
  for (std::size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(steps[i].step, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(steps[i].status, statuses[i]);
    EXPECT_EQ(steps[i].number, numbers[i]);
  }
  EXPECT_EQ(steps[2].repairs, 1);
  EXPECT_EQ(steps[2].prompt_tokens, 20);
  EXPECT_EQ(steps[2].completion_tokens, 10);
  EXPECT_EQ(steps[1].detail,
            "the reply holds no mapping program: no ``` code block, and the text is not a "
            "program");
  EXPECT_EQ(db.count(study), 5);

  const LlmStats s = optimizer->stats();
  EXPECT_EQ(s.steps, 5u);
  EXPECT_EQ(s.failed_steps, 1u);
  EXPECT_EQ(s.calls, 6u);
  EXPECT_EQ(s.repairs, 1u);
  EXPECT_EQ(s.prompt_tokens, 60);
  EXPECT_EQ(s.completion_tokens, 30);
  EXPECT_EQ(s.model, "scripted-model");
}

TEST_F(LlmTune, TheSameRepliesGiveTheSamePrompts) {
  std::vector<std::vector<llm::ChatRequest>> seen;
  for (int i = 0; i < 2; ++i) {
    search::ResultsDb fresh(":memory:");
    test::ScriptedClient client;
    client.reply(fenced("Task * GPU,CPU;\nRegion * * GPU FBMEM;\n"));
    client.reply(fenced("Task work CPU;\n"));
    const search::TuneResult r = run(client, 4);
    EXPECT_EQ(r.evaluations, 4u);
    seen.push_back(client.requests);
  }
  ASSERT_EQ(seen[0].size(), seen[1].size());
  for (std::size_t i = 0; i < seen[0].size(); ++i)
    EXPECT_EQ(seen[0][i].messages, seen[1][i].messages);
}

TEST_F(LlmTune, AFatalErrorEndsTheRunWithWhatItHas) {
  test::ScriptedClient client;
  client.reply(fenced("Task work CPU;\n"));
  client.fail(Kind::Unreachable,
              "POST http://127.0.0.1:9/v1/chat/completions: cannot connect after 2 attempts: "
              "Connection refused");
  const search::TuneResult r = run(client, 10);
  EXPECT_TRUE(r.stopped_by_error);
  EXPECT_EQ(r.stopped,
            "llm: POST http://127.0.0.1:9/v1/chat/completions: cannot connect after 2 attempts: "
            "Connection refused");
  EXPECT_EQ(r.evaluations, 3u);
  ASSERT_TRUE(r.best);
  EXPECT_EQ(db.count(study), 3);
  const std::vector<search::StepRecord> steps = db.steps(1);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[1].status, "error");
  EXPECT_EQ(steps[1].number, 0);
  const std::vector<search::EvalRow> top = db.top(study, 10);
  EXPECT_EQ(top.size(), 3u);
}

TEST_F(LlmTune, ASpentTokenBudgetIsALimitNotAnError) {
  test::ScriptedClient client;
  client.fail(Kind::Budget, "the token budget is spent: 1200 tokens used of --max-tokens 1000");
  const search::TuneResult r = run(client, 10);
  EXPECT_FALSE(r.stopped_by_error);
  EXPECT_EQ(r.stopped, "llm: the token budget is spent: 1200 tokens used of --max-tokens 1000");
}

TEST_F(LlmTune, ThreeErrorsInARowStopTheRunAndTheStepLimitStopsAModelThatNeverAnswers) {
  test::ScriptedClient client;
  client.fail(Kind::Http, "HTTP 500 (1)");
  client.reply("no mapper here");
  client.fail(Kind::Http, "HTTP 500 (2)");
  client.fail(Kind::BadReply, "truncated (3)");
  client.fail(Kind::Http, "HTTP 500 (4)");
  search::TuneResult r = run(client, 10);
  EXPECT_TRUE(r.stopped_by_error);
  EXPECT_EQ(r.stopped, "llm: 3 steps in a row failed; the last: HTTP 500 (4)");
  EXPECT_EQ(r.evaluations, 2u);

  test::ScriptedClient prose;
  for (int i = 0; i < 4; ++i)
    prose.reply("Just use GPUs.");
  r = run(prose, 10, "llm", /*max_steps=*/4);
  EXPECT_FALSE(r.stopped_by_error);
  EXPECT_EQ(r.stopped, "llm: step limit (4 LLM steps)");
  EXPECT_EQ(optimizer->stats().failed_steps, 4u);
}

TEST_F(LlmTune, HybridRefinesTheBestAndShowsItBack) {
  test::ScriptedClient client;
  client.reply(fenced("Task * GPU,CPU;\nRegion * * GPU FBMEM;\n"));
  client.reply(fenced("Task work CPU;\n"));
  client.reply(fenced("Layout * * * AOS;\n"));
  const search::TuneResult r = run(client, 1 + 3 + 1, "hybrid");
  EXPECT_EQ(r.evaluations, 7u);
  ASSERT_TRUE(r.best && r.expert);
  EXPECT_LE(r.best->eval.time_s, r.expert->eval.time_s);
  ASSERT_EQ(client.requests.size(), 2u);
  const std::string second = prompt(client, 1);
  EXPECT_NE(second.find("\n## #3, LLM step 1\n"), std::string::npos) << second;
  EXPECT_NE(second.find("coordinate descent around #"), std::string::npos) << second;
  // It names the base by its number and lists what it tried, each with its time or failure.
  EXPECT_NE(second.find("Coordinate descent tried, each a change of #2 (120 µs per iteration):\n"
                        "- #4 instance-limit work = 1: 240 µs per iteration\n"),
            std::string::npos)
      << second;
  EXPECT_EQ(second.find("base = expert mapper"), std::string::npos) << second;
  // The classical search's candidates are whole programs too, with their own origin.
  std::size_t classical = 0;
  for (const search::EvalRow& row : db.top(study, 100))
    classical += row.origin == "hybrid/coordinate-descent";
  EXPECT_GE(classical, 1u);
}

}  // namespace
}  // namespace mapsmith::agent
