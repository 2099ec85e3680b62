#pragma once
/// An in-process HTTP server that speaks the OpenAI chat-completions protocol, for tests: it
/// answers POST /v1/chat/completions with scripted replies (a queue, then a responder) and keeps
/// every request it received. Faults are scripted replies too: a status, a truncated body, a
/// Retry-After header, a delay longer than the client's time-out.
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace mapsmith::llm::testing {

struct ScriptedResponse {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int delay_ms = 0;  ///< wait this long before answering (cut short when the server stops)
};

/// A well-formed chat.completion body (model "fake-model", finish_reason "stop") with `content`.
ScriptedResponse completion(const std::string& content, int prompt_tokens = 10,
                            int completion_tokens = 10);

struct ReceivedRequest {
  std::string path;
  std::string body;
  std::string authorization;  ///< the Authorization header; empty when there was none
  std::string target;         ///< the request target as sent: the path and any query string
};

class FakeOpenAiServer {
 public:
  /// Listens on 127.0.0.1, on a free port, until destroyed.
  FakeOpenAiServer();
  ~FakeOpenAiServer();
  FakeOpenAiServer(const FakeOpenAiServer&) = delete;
  FakeOpenAiServer& operator=(const FakeOpenAiServer&) = delete;

  /// "http://127.0.0.1:PORT/v1".
  std::string base_url() const;
  /// Queues a response; queued responses answer requests in order.
  void push(ScriptedResponse r);
  /// Answers requests when the queue is empty (it gets the parsed request body, or a discarded
  /// JSON value when the body is not JSON). Without one: HTTP 500.
  void set_responder(std::function<ScriptedResponse(const nlohmann::json& request)> f);
  /// Every request received so far (any path), in order.
  std::vector<ReceivedRequest> requests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// An http://127.0.0.1:PORT/v1 URL on which nothing listens.
std::string unused_local_url();

}  // namespace mapsmith::llm::testing
