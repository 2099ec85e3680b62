#include "llm/recording.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "llm/detail.h"
#include "util/error.h"
#include "util/strings.h"

namespace mapsmith::llm {

using nlohmann::json;
using nlohmann::ordered_json;  // written in a fixed, readable key order

namespace {

constexpr const char* kFormat = "mapsmith-llm-record";
constexpr int kVersion = 1;

ordered_json to_json(const ChatRequest& r) {
  ordered_json messages = ordered_json::array();
  for (const Message& m : r.messages)
    messages.push_back({{"role", m.role}, {"content", m.content}});
  return {{"messages", messages},
          {"json_schema", r.json_schema},
          {"schema_name", r.schema_name},
          {"temperature", r.temperature},
          {"seed", r.seed ? ordered_json(*r.seed) : ordered_json()},
          {"max_reply_tokens", r.max_reply_tokens}};
}

ordered_json to_json(const ChatReply& r) {
  return {{"content", r.content},
          {"finish_reason", r.finish_reason},
          {"model", r.model},
          {"usage",
           {{"prompt_tokens", r.usage.prompt_tokens},
            {"completion_tokens", r.usage.completion_tokens}}},
          {"attempts", r.attempts}};
}

ChatRequest request_from_json(const json& j) {
  ChatRequest r;
  for (const json& m : j.at("messages"))
    r.messages.push_back({m.at("role").get<std::string>(), m.at("content").get<std::string>()});
  r.json_schema = j.at("json_schema").get<std::string>();
  r.schema_name = j.at("schema_name").get<std::string>();
  r.temperature = j.at("temperature").get<double>();
  if (!j.at("seed").is_null()) r.seed = j.at("seed").get<std::uint64_t>();
  r.max_reply_tokens = j.at("max_reply_tokens").get<std::int64_t>();
  return r;
}

ChatReply reply_from_json(const json& j) {
  ChatReply r;
  r.content = j.at("content").get<std::string>();
  r.finish_reason = j.at("finish_reason").get<std::string>();
  r.model = j.at("model").get<std::string>();
  r.usage.prompt_tokens = j.at("usage").at("prompt_tokens").get<std::int64_t>();
  r.usage.completion_tokens = j.at("usage").at("completion_tokens").get<std::int64_t>();
  r.attempts = j.at("attempts").get<int>();
  return r;
}

/// 1-based position of the first character where `a` and `b` differ.
std::size_t first_difference(const std::string& a, const std::string& b) {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i])
    ++i;
  return i + 1;
}

/// Where a request (`now`) differs from the recorded one (`then`), in words.
std::string difference(const json& then, const json& now) {
  const json& a = then.at("messages");
  const json& b = now.at("messages");
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    std::string role_a = a[i].at("role").get<std::string>();
    std::string role_b = b[i].at("role").get<std::string>();
    if (role_a != role_b)
      return fmt::format("message {} is '{}', the recording has '{}'", i + 1, role_b, role_a);
    std::string text_a = a[i].at("content").get<std::string>();
    std::string text_b = b[i].at("content").get<std::string>();
    if (text_a != text_b)
      return fmt::format("message {} ({}) differs at character {}", i + 1, role_b,
                         first_difference(text_a, text_b));
  }
  if (a.size() != b.size())
    return fmt::format("the request has {} messages, the recording {}", b.size(), a.size());
  if (then.at("json_schema") != now.at("json_schema"))
    return fmt::format("json_schema differs at character {}",
                       first_difference(then.at("json_schema").get<std::string>(),
                                        now.at("json_schema").get<std::string>()));
  for (const char* key : {"schema_name", "temperature", "seed", "max_reply_tokens"})
    if (then.at(key) != now.at(key))
      return fmt::format("{} is {}, the recording has {}", key, dump_json(now.at(key)),
                         dump_json(then.at(key)));
  return "the requests differ";  // only a field the comparison above does not know
}

}  // namespace

std::string request_json(const ChatRequest& request) {
  // Compared as plain (key-sorted) JSON, so that the key order of the file does not matter.
  return dump_json(json::parse(dump_json(to_json(request))));
}

// ---- RecordingClient ------------------------------------------------------------------------

RecordingClient::RecordingClient(std::unique_ptr<ChatClient> inner, std::string path)
    : inner_(std::move(inner)), path_(std::move(path)) {
  file_ = std::fopen(path_.c_str(), "w");
  if (!file_)
    throw ChatError(ChatError::Kind::Config,
                    fmt::format("--llm-record {}: cannot write: {}", path_, std::strerror(errno)));
  write_line(dump_json(ordered_json{{"format", kFormat},
                                    {"version", kVersion},
                                    {"client", inner_->describe()},
                                    {"structured", inner_->supports_json_schema()}}));
}

RecordingClient::~RecordingClient() {
  if (file_) std::fclose(file_);
}

void RecordingClient::write_line(const std::string& line) {
  errno = 0;
  bool ok = std::fwrite(line.data(), 1, line.size(), file_) == line.size() &&
            std::fputc('\n', file_) != EOF && std::fflush(file_) == 0;
  if (!ok)
    throw ChatError(ChatError::Kind::Config, fmt::format("--llm-record {}: cannot write: {}", path_,
                                                         std::strerror(errno != 0 ? errno : EIO)));
}

ChatReply RecordingClient::complete(const ChatRequest& request) {
  std::optional<ChatReply> reply;
  std::optional<ChatError> error;
  try {
    reply = inner_->complete(request);
  } catch (const ChatError& e) {
    error = e;
  }
  ordered_json line = {{"n", 0}, {"request", to_json(request)}};
  if (reply)
    line["reply"] = to_json(*reply);
  else
    line["error"] = {{"kind", kind_name(error->kind())}, {"message", error->what()}};
  line["structured"] = inner_->supports_json_schema();
  {
    std::lock_guard lock(mutex_);
    line["n"] = ++exchanges_;
    write_line(dump_json(line));
  }
  if (error) throw *error;
  return *reply;
}

// ---- ReplayClient ---------------------------------------------------------------------------

ReplayClient::ReplayClient(std::string path, bool loose) : path_(std::move(path)), loose_(loose) {
  std::string text;
  try {
    text = read_file(path_);
  } catch (const InputError& e) {
    throw ChatError(ChatError::Kind::Config, std::string("--llm-replay ") + e.what());
  }
  std::size_t line_number = 0;
  bool header = false;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (trim(line).empty()) continue;
    auto fail = [&](const std::string& what) {
      return ChatError(ChatError::Kind::Config, fmt::format("{}:{}: {}", path_, line_number, what));
    };
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw fail("not a JSON object");
    try {
      if (!header) {
        if (j.value("format", "") != kFormat)
          throw fail(fmt::format("not a mapsmith LLM recording (no \"format\": \"{}\")", kFormat));
        if (j.at("version") != kVersion)
          throw fail(fmt::format("recording version {} is not supported (this mapsmith reads {})",
                                 dump_json(j.at("version")), kVersion));
        recorded_client_ = j.at("client").get<std::string>();
        structured_ = j.at("structured").get<bool>();
        header = true;
        continue;
      }
      if (j.at("n") != exchanges_.size() + 1)
        throw fail(fmt::format("expected exchange {}, found {}", exchanges_.size() + 1,
                               dump_json(j.at("n"))));
      Exchange x;
      x.request = request_json(request_from_json(j.at("request")));
      x.structured = j.at("structured").get<bool>();
      if (auto e = j.find("error"); e != j.end()) {
        x.failed = true;
        auto kind = kind_from_name(e->at("kind").get<std::string>());
        if (!kind) throw fail("unknown error kind " + dump_json(e->at("kind")));
        x.error_kind = *kind;
        x.error_message = e->at("message").get<std::string>();
      } else {
        x.reply = reply_from_json(j.at("reply"));
      }
      exchanges_.push_back(std::move(x));
    } catch (const json::exception& e) {
      throw fail(fmt::format("malformed record: {}", e.what()));
    }
  }
  if (!header) throw ChatError(ChatError::Kind::Config, path_ + ": empty recording (no header)");
}

std::string ReplayClient::describe() const {
  return fmt::format("replay {} (recorded from {})", path_, recorded_client_);
}

bool ReplayClient::supports_json_schema() const {
  std::lock_guard lock(mutex_);
  return structured_;
}

Usage ReplayClient::usage() const {
  std::lock_guard lock(mutex_);
  return usage_;
}

ChatReply ReplayClient::complete(const ChatRequest& request) {
  std::lock_guard lock(mutex_);
  if (next_ >= exchanges_.size())
    throw ChatError(
        ChatError::Kind::Replay,
        fmt::format("replaying {}: the recording has only {} exchanges", path_, exchanges_.size()));
  const Exchange& x = exchanges_[next_];
  std::string now = request_json(request);
  if (now != x.request && !loose_)
    throw ChatError(ChatError::Kind::Replay,
                    fmt::format("replaying {}: exchange {} differs from the recording: {}", path_,
                                next_ + 1, difference(json::parse(x.request), json::parse(now))));
  ++next_;
  structured_ = x.structured;
  if (x.failed) throw ChatError(x.error_kind, x.error_message);
  usage_.prompt_tokens += x.reply.usage.prompt_tokens;
  usage_.completion_tokens += x.reply.usage.completion_tokens;
  return x.reply;
}

}  // namespace mapsmith::llm
