#include "llm/recording.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "llm/test_util.h"
#include "llm/testing/fake_openai_server.h"

namespace mapsmith::llm {
namespace {

using nlohmann::json;
using testing::FakeOpenAiServer;
using ::testing::StartsWith;

template <typename F>
ChatError chat_error(F&& f) {
  try {
    f();
  } catch (const ChatError& e) {
    return e;
  }
  ADD_FAILURE() << "no ChatError";
  return ChatError(ChatError::Kind::Config, "none");
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    lines.push_back(text.substr(start, end - start));
  return lines;
}

class RecordingTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  std::string record = dir.file("run.jsonl");
  std::vector<double> waits;

  /// Records two exchanges with a fake server, the second with a schema; returns the replies.
  std::vector<ChatReply> record_run() {
    FakeOpenAiServer server;
    server.push(testing::completion("first answer", 11, 3));
    server.push(testing::completion("second answer", 22, 4));
    ClientOptions options = test::test_options(server.base_url(), waits);
    options.record_path = record;
    auto client = make_client(options);
    std::vector<ChatReply> replies;
    replies.push_back(client->complete(test::test_request("one")));
    ChatRequest second = test::test_request("two");
    second.json_schema = R"({"type":"object"})";
    second.seed = 42;
    replies.push_back(client->complete(second));
    return replies;
  }

  std::unique_ptr<ChatClient> replay() {
    ClientOptions options;
    options.replay_path = record;
    options.base_url = testing::unused_local_url();  // ignored: a replay needs no network
    return make_client(options);
  }
};

TEST_F(RecordingTest, WritesAHeaderAndOneLinePerExchange) {
  FakeOpenAiServer server;
  server.push(testing::completion("answer", 11, 3));
  ClientOptions options = test::test_options(server.base_url(), waits);
  options.record_path = record;
  auto client = make_client(options);
  client->complete(test::test_request());
  // Flushed at once: the file is complete while the client still lives.
  auto lines = lines_of(test::slurp(record));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], R"({"format":"mapsmith-llm-record","version":1,"client":"openai )" +
                          server.base_url() + R"( model test-model","structured":true})");
  EXPECT_EQ(
      lines[1],
      R"({"n":1,"request":{"messages":[{"role":"system","content":"You write mappers."},)"
      R"({"role":"user","content":"Make it faster."}],"json_schema":"","schema_name":"reply",)"
      R"("temperature":0.2,"seed":null,"max_reply_tokens":4096},"reply":{"content":"answer",)"
      R"("finish_reason":"stop","model":"fake-model","usage":{"prompt_tokens":11,)"
      R"("completion_tokens":3},"attempts":1},"structured":true})");
}

TEST_F(RecordingTest, ReplayGivesTheSameRepliesWithoutAServer) {
  std::vector<ChatReply> recorded = record_run();
  auto client = replay();
  EXPECT_TRUE(client->supports_json_schema());
  EXPECT_THAT(client->describe(), StartsWith("replay " + record + " (recorded from openai "));
  ChatReply first = client->complete(test::test_request("one"));
  ChatRequest second = test::test_request("two");
  second.json_schema = R"({"type":"object"})";
  second.seed = 42;
  ChatReply again = client->complete(second);
  for (auto [a, b] : {std::pair{recorded[0], first}, std::pair{recorded[1], again}}) {
    EXPECT_EQ(a.content, b.content);
    EXPECT_EQ(a.finish_reason, b.finish_reason);
    EXPECT_EQ(a.model, b.model);
    EXPECT_EQ(a.usage.prompt_tokens, b.usage.prompt_tokens);
    EXPECT_EQ(a.usage.completion_tokens, b.usage.completion_tokens);
    EXPECT_EQ(a.attempts, b.attempts);
  }
  EXPECT_EQ(again.content, "second answer");
  EXPECT_EQ(client->usage().total(), 11 + 3 + 22 + 4);

  ChatError e = chat_error([&] { client->complete(second); });
  EXPECT_EQ(e.kind(), ChatError::Kind::Replay);
  EXPECT_EQ(std::string(e.what()), "replaying " + record + ": the recording has only 2 exchanges");
}

TEST_F(RecordingTest, LooseReplayServesTheRecordedRepliesToChangedRequests) {
  record_run();
  ClientOptions options;
  options.replay_path = record;
  options.replay_loose = true;
  options.base_url = testing::unused_local_url();
  auto client = make_client(options);
  // Both requests differ from the recorded ones; the replies come in their recorded order.
  EXPECT_EQ(client->complete(test::test_request("one, reworded")).content, "first answer");
  EXPECT_EQ(client->complete(test::test_request("two, reworded")).content, "second answer");
  // Loose about the requests, not about their number.
  ChatError e = chat_error([&] { client->complete(test::test_request("three")); });
  EXPECT_EQ(e.kind(), ChatError::Kind::Replay);
  EXPECT_EQ(std::string(e.what()), "replaying " + record + ": the recording has only 2 exchanges");
}

TEST_F(RecordingTest, ReplaySaysWhereARequestDiffers) {
  record_run();
  auto expect_difference = [&](const ChatRequest& request, int exchange, const std::string& where) {
    auto client = replay();
    if (exchange == 2) client->complete(test::test_request("one"));
    ChatError e = chat_error([&] { client->complete(request); });
    EXPECT_EQ(e.kind(), ChatError::Kind::Replay);
    EXPECT_EQ(std::string(e.what()), "replaying " + record + ": exchange " +
                                         std::to_string(exchange) +
                                         " differs from the recording: " + where);
  };
  expect_difference(test::test_request("onE"), 1, "message 2 (user) differs at character 3");
  expect_difference(test::test_request("one more"), 1, "message 2 (user) differs at character 4");
  ChatRequest request = test::test_request("one");
  request.messages[1].role = "assistant";
  expect_difference(request, 1, "message 2 is 'assistant', the recording has 'user'");
  request = test::test_request("one");
  request.messages.push_back({"user", "and?"});
  expect_difference(request, 1, "the request has 3 messages, the recording 2");
  request = test::test_request("one");
  request.temperature = 0.7;
  expect_difference(request, 1, "temperature is 0.7, the recording has 0.2");
  request = test::test_request("two");
  request.json_schema = R"({"type":"object"})";
  expect_difference(request, 2, "seed is null, the recording has 42");
  request.seed = 42;
  request.json_schema = R"({"type":"array"})";
  expect_difference(request, 2, "json_schema differs at character 10");
}

TEST_F(RecordingTest, ErrorsAreRecordedAndReplayedWithTheirKind) {
  {
    FakeOpenAiServer server;
    server.push({401, R"({"error":{"message":"bad key"}})", {}, 0});
    ClientOptions options = test::test_options(server.base_url(), waits);
    options.record_path = record;
    auto client = make_client(options);
    EXPECT_EQ(chat_error([&] { client->complete(test::test_request()); }).kind(),
              ChatError::Kind::Auth);
  }
  auto lines = lines_of(test::slurp(record));
  ASSERT_EQ(lines.size(), 2u);
  json line = json::parse(lines[1]);
  EXPECT_EQ(line["error"]["kind"], "Auth");
  EXPECT_FALSE(line.contains("reply"));
  ChatError e = chat_error([&] { replay()->complete(test::test_request()); });
  EXPECT_EQ(e.kind(), ChatError::Kind::Auth);
  EXPECT_EQ(std::string(e.what()), line["error"]["message"].get<std::string>());
}

TEST_F(RecordingTest, TheApiKeyIsNeverWritten) {
  const std::string key = "sk-proj-DISTINCTIVE-Kq9zX7wV3mN8";
  {
    FakeOpenAiServer server;
    server.push(testing::completion("fine"));
    // A server that echoes the key in its error message.
    server.push(
        {401, R"({"error":{"message":"Incorrect API key provided: )" + key + "\"}}", {}, 0});
    ClientOptions options = test::test_options(server.base_url(), waits);
    options.api_key = key;
    options.record_path = record;
    auto client = make_client(options);
    client->complete(test::test_request());
    ChatError e = chat_error([&] { client->complete(test::test_request()); });
    EXPECT_EQ(std::string(e.what()).find(key), std::string::npos);
    EXPECT_EQ(client->describe().find(key), std::string::npos);
    ASSERT_EQ(server.requests().size(), 2u);
    EXPECT_EQ(server.requests()[0].authorization, "Bearer " + key);  // it was sent, though
  }
  std::string text = test::slurp(record);
  EXPECT_EQ(lines_of(text).size(), 3u);
  EXPECT_EQ(text.find(key), std::string::npos);
  EXPECT_EQ(text.find("DISTINCTIVE"), std::string::npos);
}

TEST_F(RecordingTest, ReplayFollowsTheStructuredOutputOfTheRecordedRun) {
  {
    FakeOpenAiServer server;
    server.push({400, R"({"error":{"message":"response_format is not supported"}})", {}, 0});
    server.push(testing::completion("free text"));
    ClientOptions options = test::test_options(server.base_url(), waits);
    options.record_path = record;
    auto client = make_client(options);
    ChatRequest request = test::test_request();
    request.json_schema = R"({"type":"object"})";
    client->complete(request);
  }
  auto client = replay();
  EXPECT_TRUE(client->supports_json_schema());
  ChatRequest request = test::test_request();
  request.json_schema = R"({"type":"object"})";
  EXPECT_EQ(client->complete(request).content, "free text");
  EXPECT_FALSE(client->supports_json_schema());
}

TEST_F(RecordingTest, MalformedRecordingsAreConfigErrors) {
  auto error_for = [&](const std::string& text) {
    test::spit(record, text);
    ChatError e = chat_error([&] { ReplayClient client(record); });
    EXPECT_EQ(e.kind(), ChatError::Kind::Config);
    return std::string(e.what());
  };
  std::string header =
      R"({"format":"mapsmith-llm-record","version":1,"client":"x","structured":false})"
      "\n";
  EXPECT_EQ(error_for(""), record + ": empty recording (no header)");
  EXPECT_EQ(error_for("{}\n"),
            record + ":1: not a mapsmith LLM recording (no \"format\": \"mapsmith-llm-record\")");
  EXPECT_EQ(error_for(R"({"format":"mapsmith-llm-record","version":2})"),
            record + ":1: recording version 2 is not supported (this mapsmith reads 1)");
  EXPECT_EQ(error_for(header + "\n{\"n\":1,\"request\":"), record + ":3: not a JSON object");
  EXPECT_EQ(error_for(header + R"({"n":2})"), record + ":2: expected exchange 1, found 2");
  EXPECT_THAT(error_for(header + R"({"n":1,"request":{},"structured":false})"),
              StartsWith(record + ":2: malformed record: "));
  ChatError missing = chat_error([&] { ReplayClient client(dir.file("none.jsonl")); });
  EXPECT_EQ(missing.kind(), ChatError::Kind::Config);
  EXPECT_EQ(std::string(missing.what()),
            "--llm-replay " + dir.file("none.jsonl") + ": cannot read: No such file or directory");
}

TEST_F(RecordingTest, AFullDiskIsAConfigError) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  FakeOpenAiServer server;
  ClientOptions options = test::test_options(server.base_url(), waits);
  options.record_path = "/dev/full";
  ChatError e = chat_error([&] { make_client(options); });
  EXPECT_EQ(e.kind(), ChatError::Kind::Config);
  EXPECT_EQ(std::string(e.what()), "--llm-record /dev/full: cannot write: No space left on device");
  options.record_path = dir.file("no/such/dir/run.jsonl");
  e = chat_error([&] { make_client(options); });
  EXPECT_EQ(std::string(e.what()),
            "--llm-record " + options.record_path + ": cannot write: No such file or directory");
}

}  // namespace
}  // namespace mapsmith::llm
