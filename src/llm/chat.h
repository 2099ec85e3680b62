#pragma once
/// The LLM behind a narrow interface (style.md item 6): a ChatClient turns a list of messages into
/// one reply. Implementations: the OpenAI-compatible chat-completions protocol over libcurl
/// (openai_client.h), a replay of a recorded run (recording.h), and a manual exchange through files
/// (manual_client.h). Wrappers add recording and a token budget. Nothing here knows about mappers.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mapsmith::llm {

struct Message {
  std::string role;  ///< "system", "user" or "assistant"
  std::string content;
  friend bool operator==(const Message&, const Message&) = default;
};

struct ChatRequest {
  std::vector<Message> messages;
  /// A JSON Schema (as JSON text) the reply must follow, for endpoints with structured output
  /// (`response_format: {type: json_schema}`); empty: free text. Clients that do not support it
  /// ignore it (see ChatClient::supports_json_schema).
  std::string json_schema;
  std::string schema_name = "reply";
  double temperature = 0.2;
  std::optional<std::uint64_t> seed;  ///< sent to endpoints that accept one
  std::int64_t max_reply_tokens = 4096;
};

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t total() const { return prompt_tokens + completion_tokens; }
};

struct ChatReply {
  std::string content;        ///< the assistant's text; may be empty
  std::string finish_reason;  ///< "stop", "length", ... as the endpoint said (may be empty)
  std::string model;          ///< the model that answered, as the endpoint said
  Usage usage;
  int attempts = 1;  ///< HTTP requests it took (retries included)
};

/// Why a request produced no usable reply. Every message says what and where ("POST
/// http://host/v1/chat/completions: HTTP 401: invalid api key"), never the API key.
class ChatError : public std::runtime_error {
 public:
  enum class Kind {
    Unreachable,  ///< connection refused, DNS, time-out: after all retries
    Auth,         ///< 401 or 403: stop at once, retrying cannot help
    Http,         ///< any other HTTP error left after the retries (5xx, 4xx)
    BadReply,     ///< the body is not a chat completion (truncated JSON, no choices)
    Budget,       ///< the run's token budget (--max-tokens) is spent
    Replay,       ///< a replayed run asked something the recording does not hold
    Config,       ///< a missing URL or model, an unreadable exchange directory, ...
  };
  ChatError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }
  /// Whether the optimizer should give up the whole run (Unreachable, Auth, Budget, Replay,
  /// Config) rather than count one failed step and go on (Http, BadReply).
  bool fatal() const { return kind_ != Kind::Http && kind_ != Kind::BadReply; }

 private:
  Kind kind_;
};

/// "Unreachable", "Auth", ... (the enumerator's name, as the record file writes it).
std::string_view kind_name(ChatError::Kind kind);
/// The kind named `name` (kind_name's inverse), if any.
std::optional<ChatError::Kind> kind_from_name(std::string_view name);

/// Waits `seconds` (between HTTP retries, between polls of the manual exchange). Tests pass one
/// that records the waits instead of sleeping; empty: std::this_thread::sleep_for.
using SleepFunction = std::function<void(double seconds)>;

class ChatClient {
 public:
  virtual ~ChatClient() = default;
  /// "openai http://localhost:8080/v1 model gpt-4o-mini": for logs and the results database.
  virtual std::string describe() const = 0;
  /// Whether ChatRequest::json_schema is honoured.
  virtual bool supports_json_schema() const = 0;
  /// One reply; throws ChatError.
  virtual ChatReply complete(const ChatRequest& request) = 0;
  /// Tokens used so far by this client (all calls).
  virtual Usage usage() const = 0;
};

/// Everything that configures a client; flags override the environment (options_from_env).
struct ClientOptions {
  std::string backend = "openai";  ///< "openai", "manual" (or "replay" when replay_path is set)
  std::string base_url;            ///< OPENAI_BASE_URL, default https://api.openai.com/v1
  std::string api_key;             ///< OPENAI_API_KEY (never written anywhere)
  std::string model;               ///< MAPSMITH_MODEL
  double timeout_s = 120;          ///< per HTTP request; manual: the wait per reply (<= 0: none)
  int retries = 4;                 ///< extra attempts after a time-out, refusal, 429 or 5xx
  double backoff_s = 1;            ///< first back-off; doubles each retry (Retry-After wins)
  std::int64_t max_tokens = 0;     ///< the run's token budget; 0: none
  std::optional<bool> structured;  ///< JSON-schema output: on/off; unset: on for "openai"
  std::string record_path;         ///< --llm-record FILE
  std::string replay_path;         ///< --llm-replay FILE
  /// --llm-replay-loose: serve the recorded replies even where the requests now differ (after a
  /// change to the prompt), to record the run again with --llm-record.
  bool replay_loose = false;
  std::string exchange_dir;  ///< --exchange DIR (manual backend)
  SleepFunction sleep;       ///< for tests (see SleepFunction); empty: really sleep
};

/// The options from OPENAI_BASE_URL, OPENAI_API_KEY and MAPSMITH_MODEL (unset ones stay empty).
ClientOptions options_from_env();

/// The client the options describe, wrapped for recording and the token budget. Throws ChatError
/// (Config) for unusable options: an unknown backend, no model for "openai", a missing replay
/// file or exchange directory.
std::unique_ptr<ChatClient> make_client(const ClientOptions& options);

}  // namespace mapsmith::llm
