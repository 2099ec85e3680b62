#include "agent/agent.h"

#include <gtest/gtest.h>

#include "agent/prompt.h"
#include "agent/test_util.h"
#include "search/test_util.h"

namespace mapsmith::agent {
namespace {

using Kind = llm::ChatError::Kind;
using Status = StepResult::Status;

class AgentTest : public ::testing::Test {
 protected:
  app::App app = search::test::tiny_app();
  machine::Machine machine = search::test::tiny_machine();
};

TEST_F(AgentTest, ARepliedMapperThatChecksIsTheStepsProposal) {
  test::ScriptedClient client;
  client.reply("Everything on GPUs.\n```mapping\nTask * GPU,CPU;\n```\n");
  Agent agent(client, app, machine, AgentOptions{});
  const StepResult r = agent.step("PROMPT\n");
  EXPECT_EQ(r.status, Status::Ok);
  EXPECT_EQ(r.mapper, "Task * GPU,CPU;\n");
  EXPECT_EQ(r.explanation, "Everything on GPUs.");
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(r.repairs, 0);
  EXPECT_EQ(r.usage.prompt_tokens, 10);
  EXPECT_EQ(r.usage.completion_tokens, 5);
  EXPECT_EQ(r.model, "scripted-model");
  ASSERT_EQ(client.requests.size(), 1u);
  const llm::ChatRequest& q = client.requests[0];
  ASSERT_EQ(q.messages.size(), 2u);
  EXPECT_EQ(q.messages[0].role, "system");
  EXPECT_EQ(q.messages[0].content, system_prompt());
  EXPECT_EQ(q.messages[1].role, "user");
  EXPECT_EQ(q.messages[1].content, "PROMPT\n\n" + format_instructions(false));
  EXPECT_EQ(q.json_schema, "");  // the client has no structured output
  EXPECT_EQ(q.temperature, 0.2);
}

TEST_F(AgentTest, AReplyThatDoesNotCheckGoesBackWithItsDiagnostics) {
  test::ScriptedClient client;
  client.reply("```mapping\nTask wrok GPU;\n```");
  client.reply("```mapping\nTask work GPU;\n```");
  Agent agent(client, app, machine, AgentOptions{});
  const StepResult r = agent.step("PROMPT\n");
  EXPECT_EQ(r.status, Status::Ok);
  EXPECT_EQ(r.mapper, "Task work GPU;\n");
  EXPECT_EQ(r.repairs, 1);
  EXPECT_EQ(r.calls, 2);
  EXPECT_EQ(r.usage.prompt_tokens, 20);
  ASSERT_EQ(client.requests.size(), 2u);
  const std::vector<llm::Message>& m = client.requests[1].messages;
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0], client.requests[0].messages[0]);
  EXPECT_EQ(m[1], client.requests[0].messages[1]);
  EXPECT_EQ(m[2], (llm::Message{"assistant", "```mapping\nTask wrok GPU;\n```"}));
  EXPECT_EQ(m[3].role, "user");
  EXPECT_EQ(m[3].content,
            "The mapper in your reply does not check against the application and the machine:\n"
            "\n"
            "candidate.mapping:1:6: error: unknown task 'wrok' in the application tiny\n"
            "  Task wrok GPU;\n"
            "       ^\n"
            "hint: did you mean 'work'?\n"
            "\n"
            "Reply again with the whole corrected mapper, in the same format.\n");
}

TEST_F(AgentTest, AfterKRepairRoundsTheStepDoesNotCheck) {
  test::ScriptedClient client;
  for (int i = 0; i < 3; ++i)
    client.reply("```mapping\nTask wrok GPU;\n```");
  AgentOptions options;
  options.repair_rounds = 2;
  Agent agent(client, app, machine, options);
  const StepResult r = agent.step("PROMPT\n");
  EXPECT_EQ(r.status, Status::DoesNotCheck);
  EXPECT_EQ(r.repairs, 2);
  EXPECT_EQ(r.calls, 3);
  EXPECT_EQ(r.detail, "line 1: unknown task 'wrok' in the application tiny");
  EXPECT_EQ(r.mapper, "Task wrok GPU;\n");
  EXPECT_EQ(r.diagnostics,
            "candidate.mapping:1:6: error: unknown task 'wrok' in the application tiny\n"
            "  Task wrok GPU;\n"
            "       ^\n"
            "hint: did you mean 'work'?\n");
  EXPECT_EQ(client.requests.back().messages.size(), 6u);
  EXPECT_EQ(status_name(r.status), "does-not-check");
}

TEST_F(AgentTest, ProseIsAFailedStepWithoutRepair) {
  test::ScriptedClient client;
  client.reply("You should use the GPUs more.");
  client.reply("```mapping\nTask work GPU;\n```");  // never asked for
  Agent agent(client, app, machine, AgentOptions{});
  const StepResult r = agent.step("PROMPT\n");
  EXPECT_EQ(r.status, Status::NoMapper);
  EXPECT_EQ(r.detail,
            "the reply holds no mapping program: no ``` code block, and the text is not a "
            "program");
  EXPECT_EQ(r.calls, 1);
  EXPECT_EQ(client.left(), 1u);
  EXPECT_EQ(status_name(r.status), "no-mapper");
}

TEST_F(AgentTest, NonFatalErrorsAreFailedStepsAndFatalOnesAreThrown) {
  test::ScriptedClient client;
  client.fail(Kind::Http, "POST http://x/v1/chat/completions: HTTP 500: overloaded");
  client.fail(Kind::BadReply, "POST http://x/v1/chat/completions: the reply is empty");
  client.fail(Kind::Auth, "POST http://x/v1/chat/completions: HTTP 401: bad key");
  Agent agent(client, app, machine, AgentOptions{});
  StepResult r = agent.step("PROMPT\n");
  EXPECT_EQ(r.status, Status::Error);
  EXPECT_EQ(r.detail, "POST http://x/v1/chat/completions: HTTP 500: overloaded");
  r = agent.step("PROMPT\n");
  EXPECT_EQ(r.status, Status::Error);
  EXPECT_EQ(r.detail, "POST http://x/v1/chat/completions: the reply is empty");
  try {
    agent.step("PROMPT\n");
    FAIL() << "no exception";
  } catch (const llm::ChatError& e) {
    EXPECT_EQ(e.kind(), Kind::Auth);
  }
}

TEST_F(AgentTest, AsksForJsonBlocksWhereTheEndpointSupportsThem) {
  test::ScriptedClient client(/*structured=*/true);
  client.reply(R"({"explanation": "GPU first", "blocks": {"processors": "Task * GPU,CPU;",
    "regions": "", "layouts": "", "instance_limits": "", "functions": "",
    "index_task_maps": "", "single_task_maps": ""}})");
  client.reply("```mapping\nTask * CPU;\n```");
  Agent agent(client, app, machine, AgentOptions{});
  StepResult r = agent.step("PROMPT\n");
  EXPECT_EQ(r.status, Status::Ok);
  EXPECT_EQ(r.mapper, "Task * GPU,CPU;\n");
  EXPECT_EQ(r.explanation, "GPU first");
  EXPECT_EQ(client.requests[0].json_schema, reply_schema());
  EXPECT_EQ(client.requests[0].schema_name, "mapper");
  EXPECT_EQ(client.requests[0].messages[1].content, "PROMPT\n\n" + format_instructions(true));
  // --no-structured: free text even where the endpoint could do better; a free-text reply to a
  // structured request would be read all the same.
  AgentOptions plain;
  plain.structured = false;
  Agent free_text(client, app, machine, plain);
  r = free_text.step("PROMPT\n");
  EXPECT_EQ(r.status, Status::Ok);
  EXPECT_EQ(client.requests[1].json_schema, "");
}

}  // namespace
}  // namespace mapsmith::agent
