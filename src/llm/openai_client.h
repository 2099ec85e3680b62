#pragma once
/// The OpenAI-compatible chat-completions protocol over libcurl: POST {base_url}/chat/completions.
/// The same protocol is spoken by OpenAI, vLLM, llama.cpp's server, Ollama, LM Studio and most
/// hosted models. Another protocol is another ChatClient beside this one.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "llm/chat.h"

namespace mapsmith::llm {

/// Retries (up to ClientOptions::retries extra attempts) after a refused connection, a DNS
/// failure, a time-out, HTTP 429 (waiting Retry-After, at most 300 s) and HTTP 500/502/503/504,
/// backing off from backoff_s and doubling. 401/403 stop at once (ChatError::Auth). A 400 that
/// rejects `response_format` is retried once without the schema, and the endpoint is then taken
/// not to support JSON-schema output. Thread-safe: each call uses its own curl handle.
class OpenAiClient : public ChatClient {
 public:
  /// Uses base_url (a trailing '/' is dropped), api_key, model, timeout_s, retries, backoff_s,
  /// structured (unset: on) and sleep from `options`. Throws ChatError (Config) for a URL that is
  /// not http:// or https://, or no model.
  explicit OpenAiClient(const ClientOptions& options);

  std::string describe() const override;
  bool supports_json_schema() const override;
  ChatReply complete(const ChatRequest& request) override;
  Usage usage() const override;

  /// The URL requests go to: "{base_url}/chat/completions", with the base URL's query string
  /// (Azure's ?api-version=...) after the path, not inside it.
  const std::string& endpoint() const { return endpoint_; }

 private:
  /// `text` with every secret (the key, the URL's password and query values) redacted.
  std::string redacted(std::string text) const;

  ClientOptions options_;
  std::string endpoint_;
  std::vector<std::string> secrets_;
  std::atomic<bool> json_schema_ok_;
  mutable std::mutex mutex_;
  Usage usage_;
};

/// The body OpenAiClient posts for `request` (the API key is never part of it).
std::string openai_request_body(const ChatRequest& request, const std::string& model,
                                bool with_schema);

/// Seconds to wait for a Retry-After value: delta-seconds or an HTTP date (relative to `now`,
/// seconds since the epoch); nullopt when unparsable. Never negative.
std::optional<double> parse_retry_after(const std::string& value, long long now);

/// A rough token count for text without a tokenizer: ceil(bytes / 4).
std::int64_t estimate_tokens(std::size_t chars);

}  // namespace mapsmith::llm
