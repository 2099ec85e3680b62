#include "llm/openai_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "llm/detail.h"
#include "llm/test_util.h"
#include "llm/testing/fake_openai_server.h"

namespace mapsmith::llm {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using testing::FakeOpenAiServer;
using ::testing::HasSubstr;
using testing::ScriptedResponse;
using ::testing::StartsWith;

const char* kSchema = R"({"type":"object","properties":{"mapper":{"type":"string"}}})";

std::string error_body(const std::string& message) {
  return json{{"error", {{"message", message}, {"type", "test"}}}}.dump();
}

/// Runs `f`, which must throw ChatError, and returns it.
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

class OpenAiClientTest : public ::testing::Test {
 protected:
  FakeOpenAiServer server;
  std::vector<double> waits;
  ClientOptions options = test::test_options(server.base_url(), waits);
  std::string endpoint() const { return server.base_url() + "/chat/completions"; }
};

TEST_F(OpenAiClientTest, SendsTheRequestAndReadsTheReply) {
  server.push(testing::completion("Here is a mapper.", 123, 45));
  OpenAiClient client(options);
  ChatRequest request = test::test_request();
  request.json_schema = kSchema;
  request.schema_name = "mapper_reply";
  request.seed = 7;
  ChatReply reply = client.complete(request);
  EXPECT_EQ(reply.content, "Here is a mapper.");
  EXPECT_EQ(reply.finish_reason, "stop");
  EXPECT_EQ(reply.model, "fake-model");
  EXPECT_EQ(reply.usage.prompt_tokens, 123);
  EXPECT_EQ(reply.usage.completion_tokens, 45);
  EXPECT_EQ(reply.attempts, 1);
  EXPECT_EQ(client.usage().total(), 168);
  EXPECT_TRUE(client.supports_json_schema());
  EXPECT_EQ(client.describe(), "openai " + server.base_url() + " model test-model");

  auto received = server.requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].path, "/v1/chat/completions");
  EXPECT_EQ(received[0].authorization, "Bearer sk-test-key");
  json body = json::parse(received[0].body);
  EXPECT_EQ(body["model"], "test-model");
  EXPECT_EQ(body["messages"], json::parse(R"([{"role":"system","content":"You write mappers."},
                                              {"role":"user","content":"Make it faster."}])"));
  EXPECT_EQ(body["temperature"], 0.2);
  EXPECT_EQ(body["max_tokens"], 4096);
  EXPECT_EQ(body["seed"], 7);
  EXPECT_EQ(
      body["response_format"],
      json({{"type", "json_schema"},
            {"json_schema",
             {{"name", "mapper_reply"}, {"schema", json::parse(kSchema)}, {"strict", true}}}}));
  EXPECT_TRUE(waits.empty());
}

TEST_F(OpenAiClientTest, NoSchemaNoSeedNoKeyTrailingSlash) {
  server.push(testing::completion("ok"));
  options.api_key = "";
  options.base_url += "/";
  OpenAiClient client(options);
  EXPECT_EQ(client.endpoint(), endpoint());
  client.complete(test::test_request());
  auto received = server.requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].path, "/v1/chat/completions");
  EXPECT_EQ(received[0].authorization, "");
  json body = json::parse(received[0].body);
  EXPECT_FALSE(body.contains("response_format"));
  EXPECT_FALSE(body.contains("seed"));
}

TEST_F(OpenAiClientTest, StructuredOffSendsNoResponseFormat) {
  server.push(testing::completion("ok"));
  options.structured = false;
  OpenAiClient client(options);
  EXPECT_FALSE(client.supports_json_schema());
  ChatRequest request = test::test_request();
  request.json_schema = kSchema;
  client.complete(request);
  EXPECT_FALSE(json::parse(server.requests().at(0).body).contains("response_format"));
}

TEST_F(OpenAiClientTest, TimeOutThenSuccess) {
  options.timeout_s = 0.2;
  ScriptedResponse slow = testing::completion("too late");
  slow.delay_ms = 1000;
  server.push(slow);
  server.push(testing::completion("in time"));
  OpenAiClient client(options);
  ChatReply reply = client.complete(test::test_request());
  EXPECT_EQ(reply.content, "in time");
  EXPECT_EQ(reply.attempts, 2);
  EXPECT_THAT(waits, ElementsAre(0.5));
  EXPECT_EQ(client.usage().total(), 20);  // the timed-out attempt counts nothing
}

TEST_F(OpenAiClientTest, TimeOutEveryTime) {
  options.timeout_s = 0.2;
  options.retries = 1;
  ScriptedResponse slow = testing::completion("too late");
  slow.delay_ms = 1000;
  server.push(slow);
  server.push(slow);
  OpenAiClient client(options);
  ChatError e = chat_error([&] { client.complete(test::test_request()); });
  EXPECT_EQ(e.kind(), ChatError::Kind::Unreachable);
  EXPECT_TRUE(e.fatal());
  EXPECT_THAT(e.what(), StartsWith("POST " + endpoint() +
                                   ": no reply within 0.2 s after 2 "
                                   "attempts: Operation timed out"));
}

TEST(OpenAiClient, ConnectionRefusedAfterRetries) {
  std::vector<double> waits;
  std::string url = testing::unused_local_url();
  OpenAiClient client(test::test_options(url, waits));
  ChatError e = chat_error([&] { client.complete(test::test_request()); });
  EXPECT_EQ(e.kind(), ChatError::Kind::Unreachable);
  EXPECT_THAT(e.what(),
              StartsWith("POST " + url + "/chat/completions: cannot connect after 3 attempts: "));
  EXPECT_THAT(e.what(), HasSubstr("127.0.0.1"));
  EXPECT_THAT(waits, ElementsAre(0.5, 1.0));
}

TEST_F(OpenAiClientTest, TooManyRequestsWaitsRetryAfter) {
  server.push({429, error_body("Rate limit reached"), {{"Retry-After", "7"}}, 0});
  server.push(testing::completion("ok"));
  OpenAiClient client(options);
  ChatReply reply = client.complete(test::test_request());
  EXPECT_EQ(reply.content, "ok");
  EXPECT_EQ(reply.attempts, 2);
  EXPECT_THAT(waits, ElementsAre(7.0));
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST_F(OpenAiClientTest, RetryAfterIsCappedAndBackOffDoubles) {
  server.push({429, error_body("slow down"), {{"Retry-After", "100000"}}, 0});
  server.push({429, error_body("slow down"), {}, 0});  // no Retry-After: the back-off
  server.push({503, error_body("overloaded"), {}, 0});
  server.push(testing::completion("ok"));
  options.retries = 3;
  OpenAiClient client(options);
  EXPECT_EQ(client.complete(test::test_request()).attempts, 4);
  EXPECT_THAT(waits, ElementsAre(300.0, 1.0, 2.0));
}

TEST(ParseRetryAfter, SecondsOrHttpDate) {
  EXPECT_EQ(parse_retry_after("7", 0), 7.0);
  EXPECT_EQ(parse_retry_after(" 0 ", 0), 0.0);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 - 30), 30.0);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 + 30), 0.0);
  EXPECT_EQ(parse_retry_after("soon", 0), std::nullopt);
  EXPECT_EQ(parse_retry_after("7x", 0), std::nullopt);
  EXPECT_EQ(parse_retry_after("", 0), std::nullopt);
}

TEST_F(OpenAiClientTest, ServerErrorsExhaustTheRetries) {
  for (int i = 0; i < 3; ++i)
    server.push({500, error_body("The server had an error while processing your request."), {}, 0});
  OpenAiClient client(options);
  ChatError e = chat_error([&] { client.complete(test::test_request()); });
  EXPECT_EQ(e.kind(), ChatError::Kind::Http);
  EXPECT_FALSE(e.fatal());
  EXPECT_EQ(std::string(e.what()),
            "POST " + endpoint() +
                ": HTTP 500 after 3 attempts: The server had an error while processing your "
                "request.");
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_THAT(waits, ElementsAre(0.5, 1.0));
}

TEST_F(OpenAiClientTest, UnauthorizedStopsAtOnceAndNeverShowsTheKey) {
  server.push({401, error_body("Incorrect API key provided: sk-test-key."), {}, 0});
  OpenAiClient client(options);
  ChatError e = chat_error([&] { client.complete(test::test_request()); });
  EXPECT_EQ(e.kind(), ChatError::Kind::Auth);
  EXPECT_TRUE(e.fatal());
  EXPECT_EQ(std::string(e.what()), "POST " + endpoint() +
                                       ": HTTP 401: Incorrect API key provided: [redacted]. "
                                       "(check OPENAI_API_KEY)");
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_TRUE(waits.empty());
}

TEST_F(OpenAiClientTest, ForbiddenIsAuthToo) {
  server.push({403, R"({"detail":"not allowed"})", {}, 0});
  OpenAiClient client(options);
  ChatError e = chat_error([&] { client.complete(test::test_request()); });
  EXPECT_EQ(e.kind(), ChatError::Kind::Auth);
  EXPECT_EQ(std::string(e.what()),
            "POST " + endpoint() + ": HTTP 403: not allowed (check OPENAI_API_KEY)");
}

TEST_F(OpenAiClientTest, OtherClientErrorsAreNotRetried) {
  server.push({404, error_body("The model `test-model` does not exist"), {}, 0});
  OpenAiClient client(options);
  ChatError e = chat_error([&] { client.complete(test::test_request()); });
  EXPECT_EQ(e.kind(), ChatError::Kind::Http);
  EXPECT_EQ(std::string(e.what()),
            "POST " + endpoint() + ": HTTP 404: The model `test-model` does not exist");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(OpenAiClientTest, TruncatedJsonIsABadReply) {
  std::string body = testing::completion("hello").body.substr(0, 40);
  server.push({200, body, {}, 0});
  OpenAiClient client(options);
  ChatError e = chat_error([&] { client.complete(test::test_request()); });
  EXPECT_EQ(e.kind(), ChatError::Kind::BadReply);
  EXPECT_FALSE(e.fatal());
  EXPECT_EQ(std::string(e.what()),
            "POST " + endpoint() + ": the reply is not valid JSON (byte 41): " + body);
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST_F(OpenAiClientTest, EmptyBodyIsABadReply) {
  server.push({200, "", {}, 0});
  OpenAiClient client(options);
  ChatError e = chat_error([&] { client.complete(test::test_request()); });
  EXPECT_EQ(e.kind(), ChatError::Kind::BadReply);
  EXPECT_EQ(std::string(e.what()), "POST " + endpoint() + ": the reply is empty");
}

TEST_F(OpenAiClientTest, NoChoicesIsABadReply) {
  server.push({200, R"({"object":"chat.completion","choices":[]})", {}, 0});
  OpenAiClient client(options);
  ChatError e = chat_error([&] { client.complete(test::test_request()); });
  EXPECT_EQ(e.kind(), ChatError::Kind::BadReply);
  EXPECT_EQ(std::string(e.what()), "POST " + endpoint() +
                                       ": the reply has no choices[0].message: "
                                       R"({"object":"chat.completion","choices":[]})");
}

TEST_F(OpenAiClientTest, EmptyOrNullContentIsAnEmptyReply) {
  server.push(testing::completion(""));
  server.push({200, R"({"choices":[{"message":{"role":"assistant","content":null}}]})", {}, 0});
  OpenAiClient client(options);
  ChatReply first = client.complete(test::test_request());
  EXPECT_EQ(first.content, "");
  EXPECT_EQ(first.finish_reason, "stop");
  ChatReply second = client.complete(test::test_request());
  EXPECT_EQ(second.content, "");
  EXPECT_EQ(second.finish_reason, "");
  EXPECT_EQ(second.model, "");
}

TEST_F(OpenAiClientTest, MissingUsageIsEstimated) {
  // 18 + 15 characters of prompt: 9 tokens; 10 characters of reply: 3 tokens.
  server.push({200,
               R"({"choices":[{"message":{"content":"0123456789"},"finish_reason":"length"}]})",
               {},
               0});
  OpenAiClient client(options);
  ChatReply reply = client.complete(test::test_request());
  EXPECT_EQ(reply.finish_reason, "length");
  EXPECT_EQ(reply.usage.prompt_tokens, 9);
  EXPECT_EQ(reply.usage.completion_tokens, 3);
}

TEST_F(OpenAiClientTest, SchemaRejectedRetriesWithoutIt) {
  server.push({400,
               error_body("Invalid parameter: 'response_format' of type 'json_schema' is "
                          "not supported with this model."),
               {},
               0});
  server.push(testing::completion("free text"));
  server.push(testing::completion("again"));
  OpenAiClient client(options);
  ChatRequest request = test::test_request();
  request.json_schema = kSchema;
  ChatReply reply = client.complete(request);
  EXPECT_EQ(reply.content, "free text");
  EXPECT_EQ(reply.attempts, 2);
  EXPECT_FALSE(client.supports_json_schema());
  EXPECT_TRUE(waits.empty());
  client.complete(request);
  auto received = server.requests();
  ASSERT_EQ(received.size(), 3u);
  EXPECT_TRUE(json::parse(received[0].body).contains("response_format"));
  EXPECT_FALSE(json::parse(received[1].body).contains("response_format"));
  EXPECT_FALSE(json::parse(received[2].body).contains("response_format"));
}

TEST_F(OpenAiClientTest, ABadRequestWithoutSchemaIsAnError) {
  server.push({400, error_body("response_format is wrong"), {}, 0});
  OpenAiClient client(options);
  ChatError e = chat_error([&] { client.complete(test::test_request()); });  // no schema sent
  EXPECT_EQ(e.kind(), ChatError::Kind::Http);
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_TRUE(client.supports_json_schema());
}

TEST_F(OpenAiClientTest, ResponderAnswersWhenTheQueueIsEmpty) {
  server.set_responder([](const json& request) {
    return testing::completion("echo: " + request["messages"][1]["content"].get<std::string>());
  });
  OpenAiClient client(options);
  EXPECT_EQ(client.complete(test::test_request("hi")).content, "echo: hi");
  EXPECT_EQ(client.complete(test::test_request("ho")).content, "echo: ho");
}

TEST(OpenAiClient, RejectsUnusableOptions) {
  ClientOptions options;
  options.model = "m";
  options.base_url = "ftp://example.com/v1";
  ChatError e = chat_error([&] { OpenAiClient client(options); });
  EXPECT_EQ(e.kind(), ChatError::Kind::Config);
  EXPECT_EQ(std::string(e.what()),
            "the LLM base URL 'ftp://example.com/v1' (OPENAI_BASE_URL) is not an http:// or "
            "https:// URL");
  options.base_url = "http://user:secret@localhost:8080/v1/";
  OpenAiClient client(options);
  EXPECT_EQ(client.describe(), "openai http://localhost:8080/v1 model m");
}

TEST(EstimateTokens, RoundsUp) {
  EXPECT_EQ(estimate_tokens(0), 0);
  EXPECT_EQ(estimate_tokens(1), 1);
  EXPECT_EQ(estimate_tokens(8), 2);
  EXPECT_EQ(estimate_tokens(9), 3);
}

}  // namespace
}  // namespace mapsmith::llm

namespace mapsmith::llm {
namespace {

// ---- issue 15 item 9: secrets in the URL's query string, and keys echoed in a reply ----

TEST_F(OpenAiClientTest, Item9TheQueryStringGoesAfterTheEndpointsPath) {
  options.base_url = server.base_url() + "/?api-version=2024-02-01&api_key=sk-query-SECRET-42";
  server.push(testing::completion("ok", 1, 1));
  OpenAiClient client(options);
  EXPECT_EQ(client.endpoint(), server.base_url() +
                                   "/chat/completions?api-version=2024-02-01&api_key=sk-query-"
                                   "SECRET-42");
  client.complete(test::test_request());
  auto received = server.requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].path, "/v1/chat/completions");
  EXPECT_EQ(received[0].target,
            "/v1/chat/completions?api-version=2024-02-01&api_key=sk-query-SECRET-42");
  // What is shown and stored names the parameters, never their values.
  EXPECT_EQ(client.describe(), "openai " + server.base_url() +
                                   "?api-version=[redacted]&api_key=[redacted] model test-model");
}

TEST_F(OpenAiClientTest, Item9AnErrorNeverShowsTheQuerysKey) {
  options.base_url = server.base_url() + "?api_key=sk-query-SECRET-42";
  options.retries = 0;
  server.push({401, error_body("bad key sk-query-SECRET-42"), {}, 0});
  OpenAiClient client(options);
  ChatError e = chat_error([&] { client.complete(test::test_request()); });
  EXPECT_EQ(std::string(e.what()), "POST " + server.base_url() +
                                       "/chat/completions?api_key=[redacted]: HTTP 401: bad key "
                                       "[redacted] (check OPENAI_API_KEY)");
}

TEST_F(OpenAiClientTest, Item9AKeyEchoedInASuccessfulReplyIsRedacted) {
  options.base_url = server.base_url() + "?token=tok-SECRET-777";
  server.push(testing::completion("Your key is sk-test-key and your token tok-SECRET-777.", 1, 1));
  OpenAiClient client(options);
  ChatReply reply = client.complete(test::test_request());
  EXPECT_EQ(reply.content, "Your key is [redacted] and your token [redacted].");
}

TEST(ShownUrl, Item9RedactsQueryValuesAndUserInfo) {
  EXPECT_EQ(shown_url("https://u:pw@h.example/v1?a=1&b&c=x#frag"),
            "https://h.example/v1?a=[redacted]&b&c=[redacted]");
  EXPECT_EQ(shown_url("https://h.example/v1"), "https://h.example/v1");
  EXPECT_EQ(url_secrets("https://u:pa%2Fss@h/v1?k=a%20b"),
            (std::vector<std::string>{"pa%2Fss", "pa/ss", "a%20b", "a b"}));
}

}  // namespace
}  // namespace mapsmith::llm
