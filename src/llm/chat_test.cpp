#include "llm/chat.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "llm/test_util.h"
#include "llm/testing/fake_openai_server.h"

namespace mapsmith::llm {
namespace {

using testing::FakeOpenAiServer;

std::string config_error(const ClientOptions& options) {
  try {
    make_client(options);
  } catch (const ChatError& e) {
    EXPECT_EQ(e.kind(), ChatError::Kind::Config);
    EXPECT_TRUE(e.fatal());
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(MakeClient, ExplainsUnusableOptions) {
  ClientOptions options;
  EXPECT_EQ(config_error(options), "no model: set MAPSMITH_MODEL or --llm-model");
  options.backend = "opnai";
  EXPECT_EQ(config_error(options),
            "unknown LLM backend 'opnai' (did you mean 'openai'?); known: openai, manual");
  options.backend = "carrier-pigeon";
  EXPECT_EQ(config_error(options), "unknown LLM backend 'carrier-pigeon'; known: openai, manual");
  options.backend = "manual";
  EXPECT_EQ(config_error(options),
            "the manual backend needs an exchange directory: --exchange DIR");
  options.backend = "replay";
  EXPECT_EQ(config_error(options), "the replay backend needs a recording: --llm-replay FILE");
  options.replay_path = "/nonexistent/run.jsonl";
  EXPECT_EQ(config_error(options),
            "--llm-replay /nonexistent/run.jsonl: cannot read: No such file or directory");
  options = ClientOptions();
  options.model = "m";
  options.max_tokens = -5;
  EXPECT_EQ(config_error(options), "--max-tokens -5 is negative (0: no budget)");
}

TEST(MakeClient, DefaultsToOpenAi) {
  ClientOptions options;
  options.model = "gpt-4o-mini";
  options.api_key = "sk-never-shown";
  auto client = make_client(options);
  EXPECT_EQ(client->describe(), "openai https://api.openai.com/v1 model gpt-4o-mini");
  EXPECT_TRUE(client->supports_json_schema());
  EXPECT_EQ(client->usage().total(), 0);
}

TEST(MakeClient, TheBudgetStopsTheRun) {
  FakeOpenAiServer server;
  server.set_responder([](const nlohmann::json&) { return testing::completion("ok", 10, 10); });
  std::vector<double> waits;
  ClientOptions options = test::test_options(server.base_url(), waits);
  options.max_tokens = 25;
  auto client = make_client(options);
  client->complete(test::test_request());
  client->complete(test::test_request());  // 20 < 25: allowed, and ends over the budget
  try {
    client->complete(test::test_request());
    FAIL() << "no budget error";
  } catch (const ChatError& e) {
    EXPECT_EQ(e.kind(), ChatError::Kind::Budget);
    EXPECT_TRUE(e.fatal());
    EXPECT_EQ(std::string(e.what()),
              "the token budget is spent: 40 tokens used of --max-tokens 25");
  }
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(client->usage().prompt_tokens, 20);
  EXPECT_EQ(client->usage().completion_tokens, 20);
}

TEST(OptionsFromEnv, ReadsTheThreeVariables) {
  setenv("OPENAI_BASE_URL", "http://localhost:11434/v1", 1);
  setenv("OPENAI_API_KEY", "sk-env", 1);
  setenv("MAPSMITH_MODEL", "qwen2.5-coder", 1);
  ClientOptions options = options_from_env();
  EXPECT_EQ(options.backend, "openai");
  EXPECT_EQ(options.base_url, "http://localhost:11434/v1");
  EXPECT_EQ(options.api_key, "sk-env");
  EXPECT_EQ(options.model, "qwen2.5-coder");
  unsetenv("OPENAI_BASE_URL");
  unsetenv("OPENAI_API_KEY");
  unsetenv("MAPSMITH_MODEL");
  options = options_from_env();
  EXPECT_EQ(options.base_url, "");
  EXPECT_EQ(options.api_key, "");
  EXPECT_EQ(options.model, "");
}

TEST(ChatError, KindNamesRoundTrip) {
  for (auto kind : {ChatError::Kind::Unreachable, ChatError::Kind::Auth, ChatError::Kind::Http,
                    ChatError::Kind::BadReply, ChatError::Kind::Budget, ChatError::Kind::Replay,
                    ChatError::Kind::Config})
    EXPECT_EQ(kind_from_name(kind_name(kind)), kind);
  EXPECT_EQ(kind_name(ChatError::Kind::BadReply), "BadReply");
  EXPECT_EQ(kind_from_name("Nope"), std::nullopt);
}

TEST(FakeOpenAiServer, AnswersOtherPathsWith404AndEmptyQueuesWith500) {
  FakeOpenAiServer server;
  std::vector<double> waits;
  ClientOptions options = test::test_options(server.base_url() + "/v2", waits);
  options.retries = 0;
  auto client = make_client(options);
  EXPECT_THROW(client->complete(test::test_request()), ChatError);
  options.base_url = server.base_url();
  client = make_client(options);
  try {
    client->complete(test::test_request());
  } catch (const ChatError& e) {
    EXPECT_EQ(std::string(e.what()), "POST " + server.base_url() +
                                         "/chat/completions: HTTP 500: the fake server has no "
                                         "scripted reply");
  }
  auto received = server.requests();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].path, "/v1/v2/chat/completions");
}

TEST(FakeOpenAiServer, StopsPromptlyWithADelayedReplyPending) {
  auto start = std::chrono::steady_clock::now();
  {
    FakeOpenAiServer server;
    testing::ScriptedResponse slow = testing::completion("late");
    slow.delay_ms = 30000;
    server.push(slow);
    std::vector<double> waits;
    ClientOptions options = test::test_options(server.base_url(), waits);
    options.timeout_s = 0.1;
    options.retries = 0;
    EXPECT_THROW(make_client(options)->complete(test::test_request()), ChatError);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace mapsmith::llm
