#pragma once
/// Record and replay (--llm-record FILE, --llm-replay FILE). A recording is JSON lines: a header
/// {"format": "mapsmith-llm-record", "version": 1, "client": ..., "structured": ...}, then one
/// line per exchange, {"n", "request", "reply" or "error", "structured"} (docs/llm-client.md).
/// The API key is part of no request and of no describe(), so it cannot reach the file.
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "llm/chat.h"

namespace mapsmith::llm {

/// Passes every call to `inner` and appends the exchange (the request and the reply, or the
/// error, which is then re-thrown) to the record file, flushed line by line so that a killed run
/// keeps what it did. Replaying needs the calls in the same order: make them from one thread.
class RecordingClient : public ChatClient {
 public:
  /// Creates (or empties) `path` and writes the header. Throws ChatError (Config) when it cannot
  /// write, now or on any later exchange (a full disk).
  RecordingClient(std::unique_ptr<ChatClient> inner, std::string path);
  ~RecordingClient() override;
  RecordingClient(const RecordingClient&) = delete;
  RecordingClient& operator=(const RecordingClient&) = delete;

  std::string describe() const override { return inner_->describe(); }
  bool supports_json_schema() const override { return inner_->supports_json_schema(); }
  ChatReply complete(const ChatRequest& request) override;
  Usage usage() const override { return inner_->usage(); }

 private:
  void write_line(const std::string& line);

  std::unique_ptr<ChatClient> inner_;
  std::string path_;
  std::FILE* file_ = nullptr;
  std::mutex mutex_;
  int exchanges_ = 0;
};

/// Serves the replies of a recording, in order, without any network. Each request must equal the
/// recorded one, else ChatError (Replay) says which exchange and where it differs; a recorded
/// error is thrown again with its kind.
class ReplayClient : public ChatClient {
 public:
  /// Reads the whole recording. Throws ChatError (Config) for a missing or malformed file
  /// ("FILE:LINE: ...").
  /// `loose`: a request that differs from the recorded one gets the recorded reply all the same
  /// (to record a run again after the prompt changed; the replies then answer older requests).
  explicit ReplayClient(std::string path, bool loose = false);

  /// "replay FILE (recorded from openai http://... model ...)".
  std::string describe() const override;
  /// As the recorded client said at this point of the run.
  bool supports_json_schema() const override;
  ChatReply complete(const ChatRequest& request) override;
  Usage usage() const override;

 private:
  struct Exchange {
    std::string request;  ///< compact JSON, as request_json writes it
    bool failed = false;
    ChatReply reply;
    ChatError::Kind error_kind = ChatError::Kind::Http;
    std::string error_message;
    bool structured = false;  ///< supports_json_schema() after this exchange
  };

  std::string path_;
  bool loose_ = false;
  std::string recorded_client_;
  std::vector<Exchange> exchanges_;
  mutable std::mutex mutex_;
  std::size_t next_ = 0;
  bool structured_ = false;
  Usage usage_;
};

/// The recording's JSON text for a request: {messages, json_schema, schema_name, temperature,
/// seed, max_reply_tokens}, compact.
std::string request_json(const ChatRequest& request);

}  // namespace mapsmith::llm
