// The faults of issue #7, each injected into a `mapsmith tune --optimizer llm` run against the
// fake server: the run handles it as docs/llm.md says (a failed step and on, or a clean stop
// with exit 1), and the database keeps every result and a closed run.
#include "agent/cli_test_util.h"

namespace mapsmith::agent {
namespace {

using llm::testing::completion;
using llm::testing::ScriptedResponse;
using test::blocks_reply;
using test::CliRun;
using test::kKey;
using test::LlmCli;
using Steps = std::vector<std::string>;

using LlmFaults = LlmCli;

/// The first line of the summary: the run printed its result.
constexpr const char* kSummary = "circuit on sapling: llm (seed 0, from the expert mapper), ";

TEST_F(LlmFaults, ATimeOutEndsTheRunWithWhatItHas) {
  server->push(ScriptedResponse{200, "{}", {}, 3000});
  const CliRun r = tune({"--llm-timeout", "0.2"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_TRUE(
      r.out.starts_with(std::string(kSummary) +
                        "0 mappers proposed + 2 references (the expert and the default policy)\n"))
      << r.out;
  EXPECT_NE(r.out.find("  best mapper: "), std::string::npos);
  EXPECT_TRUE(r.err.starts_with(
      fmt::format("mapsmith: error: llm: POST {}/chat/completions: no reply within 0.2 s: ",
                  server->base_url())))
      << r.err;
  const auto s = db_state();
  EXPECT_EQ(s.evaluations, 2);
  EXPECT_EQ(s.steps, Steps{"error:0"});
  EXPECT_TRUE(s.finished);
}

TEST_F(LlmFaults, ARefusedConnectionEndsTheRun) {
  const std::string url = llm::testing::unused_local_url();
  const CliRun r = tune({"--llm-url", url});
  EXPECT_EQ(r.rc, 1);
  EXPECT_TRUE(
      r.out.starts_with(std::string(kSummary) +
                        "0 mappers proposed + 2 references (the expert and the default policy)\n"))
      << r.out;
  EXPECT_TRUE(r.err.starts_with(
      fmt::format("mapsmith: error: llm: POST {}/chat/completions: cannot connect: ", url)))
      << r.err;
  const auto s = db_state();
  EXPECT_EQ(s.evaluations, 2);
  EXPECT_EQ(s.steps, Steps{"error:0"});
  EXPECT_TRUE(s.finished);
}

TEST_F(LlmFaults, A429IsRetriedAfterRetryAfter) {
  server->push(
      ScriptedResponse{429, R"({"error":{"message":"slow down"}})", {{"Retry-After", "1"}}, 0});
  const CliRun r = tune({"--llm-retries", "1"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(server->requests().size(), 3u);  // step 1 twice, step 2 once
  EXPECT_NE(r.out.find("  llm: 2 steps (0 failed), 2 requests"), std::string::npos) << r.out;
  const auto s = db_state();
  EXPECT_EQ(s.evaluations, 4);
  EXPECT_EQ(s.steps, (Steps{"ok:3", "ok:4"}));
}

TEST_F(LlmFaults, A500IsAFailedStepAndTheRunGoesOn) {
  server->push(ScriptedResponse{500, R"({"error":{"message":"overloaded"}})", {}, 0});
  const CliRun r = tune({});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("  llm: 3 steps (1 failed), 3 requests"), std::string::npos) << r.out;
  const auto s = db_state();
  EXPECT_EQ(s.evaluations, 4);
  EXPECT_EQ(s.steps, (Steps{"error:0", "ok:3", "ok:4"}));
  // The next prompt tells the model what happened.
  const auto got = server->requests();
  ASSERT_EQ(got.size(), 3u);
  const std::string prompt = nlohmann::json::parse(got[1].body)["messages"][1]["content"];
  EXPECT_NE(prompt.find(fmt::format("\n## LLM step 1\n\nOutcome: no reply: POST "
                                    "{}/chat/completions: HTTP 500: overloaded\n",
                                    server->base_url())),
            std::string::npos)
      << prompt;
}

TEST_F(LlmFaults, A401EndsTheRunAndNeverShowsTheKey) {
  server->push(
      ScriptedResponse{401, R"({"error":{"message":"Incorrect API key provided"}})", {}, 0});
  const CliRun r = tune({"--json"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, fmt::format("mapsmith: error: llm: POST {}/chat/completions: HTTP 401: "
                               "Incorrect API key provided (check OPENAI_API_KEY)\n",
                               server->base_url()));
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["evaluations"], 2);
  EXPECT_EQ(j["error"], r.err.substr(17, r.err.size() - 18));
  EXPECT_EQ(j["llm"]["failed_steps"], 1);
  EXPECT_EQ(r.out.find(kKey), std::string::npos);
  EXPECT_EQ(r.err.find(kKey), std::string::npos);
  const auto s = db_state();
  EXPECT_EQ(s.evaluations, 2);
  EXPECT_EQ(s.steps, Steps{"error:0"});
  EXPECT_TRUE(s.finished);
}

TEST_F(LlmFaults, TruncatedJsonIsAFailedStep) {
  server->push(ScriptedResponse{200, R"({"choices": [{"message": {"content": "Task)", {}, 0});
  const CliRun r = tune({});
  EXPECT_EQ(r.rc, 0) << r.err;
  const auto s = db_state();
  EXPECT_EQ(s.evaluations, 4);
  EXPECT_EQ(s.steps, (Steps{"error:0", "ok:3", "ok:4"}));
}

TEST_F(LlmFaults, AnEmptyReplyIsAFailedStep) {
  server->push(completion(""));                    // a completion with no content
  server->push(ScriptedResponse{200, "", {}, 0});  // no body at all
  const CliRun r = tune({});
  EXPECT_EQ(r.rc, 0) << r.err;
  const auto s = db_state();
  EXPECT_EQ(s.steps, (Steps{"no-mapper:0", "error:0", "ok:3", "ok:4"}));
  EXPECT_EQ(s.evaluations, 4);
  search::ResultsDb db(dir + "/r.db");
  EXPECT_EQ(db.steps(1)[0].detail, "the reply is empty");
}

TEST_F(LlmFaults, ProseWithNoMapperIsAFailedStep) {
  server->push(completion("The best mapper puts everything on the GPUs."));
  const CliRun r = tune({});
  EXPECT_EQ(r.rc, 0) << r.err;
  const auto s = db_state();
  EXPECT_EQ(s.steps, (Steps{"no-mapper:0", "ok:3", "ok:4"}));
  EXPECT_EQ(s.evaluations, 4);
}

TEST_F(LlmFaults, TheResultsCommandShowsTheStepsOfARun) {
  server->push(completion("The best mapper puts everything on the GPUs."));
  ASSERT_EQ(tune({}).rc, 0);
  std::ostringstream out, err;
  ASSERT_EQ(cli::run({"mapsmith", "results", dir + "/r.db", "--steps", "1"}, out, err), 0)
      << err.str();
  const std::string text = out.str();
  // The run's optimizer names the client (its URL has the fake server's port).
  const std::string head = "model fake-model) (seed 0, from the expert): 3 LLM steps, 1 failed\n";
  ASSERT_TRUE(text.starts_with("run 1: llm (openai http://127.0.0.1:")) << text;
  const std::size_t body = text.find(head);
  ASSERT_NE(body, std::string::npos) << text;
  EXPECT_EQ(text.substr(body + head.size()),
            "  step  status          repairs  prompt  completion  evaluation  detail\n"
            "     1  no-mapper             0      10          10           -  the reply holds no "
            "mapping program: no ``` code block, and the text is not a program\n"
            "     2  ok                    0      10          10           3  variant 1\n"
            "     3  ok                    0      10          10           4  variant 2\n");
  std::ostringstream out2, err2;
  EXPECT_EQ(cli::run({"mapsmith", "results", dir + "/r.db", "--steps", "9"}, out2, err2), 1);
  EXPECT_EQ(err2.str(), "mapsmith: error: " + dir + "/r.db: there is no run 9\n");
}

TEST_F(LlmFaults, AMapperNamingUnknownTasksIsRepairedOrFails) {
  const std::string bad =
      R"({"explanation": "", "blocks": {"processors": "Task calculate_currents GPU;",
      "regions": "", "layouts": "", "instance_limits": "", "functions": "",
      "index_task_maps": "", "single_task_maps": ""}})";
  server->push(completion(bad));
  server->push(completion(bad));  // the repair round repeats the mistake
  const CliRun r = tune({"--repair", "1"});
  EXPECT_EQ(r.rc, 0) << r.err;
  const auto s = db_state();
  EXPECT_EQ(s.steps, (Steps{"does-not-check:0", "ok:3", "ok:4"}));
  EXPECT_EQ(s.evaluations, 4);  // the mapper that does not check was never evaluated
  const auto got = server->requests();
  ASSERT_EQ(got.size(), 4u);
  const nlohmann::json repair = nlohmann::json::parse(got[1].body)["messages"];
  ASSERT_EQ(repair.size(), 4u);
  EXPECT_EQ(repair[2]["role"], "assistant");
  const std::string msg = repair[3]["content"];
  EXPECT_NE(msg.find("candidate.mapping:1:6: error: unknown task 'calculate_currents' in the "
                     "application circuit\n  Task calculate_currents GPU;\n       ^\nhint: did "
                     "you mean 'calculate_new_currents'?\n"),
            std::string::npos)
      << msg;
  search::ResultsDb db(dir + "/r.db");
  EXPECT_EQ(db.steps(1)[0].detail,
            "line 1: unknown task 'calculate_currents' in the application circuit");
  EXPECT_EQ(db.steps(1)[0].repairs, 1);
}

}  // namespace
}  // namespace mapsmith::agent
