#include "llm/openai_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

#include "llm/detail.h"

namespace mapsmith::llm {

using nlohmann::json;

namespace {

constexpr double kMaxRetryAfterS = 300;
constexpr double kMaxConnectTimeoutS = 30;

void global_init() {
  // curl_global_init is not thread-safe; a function-local static is initialised exactly once.
  static const CURLcode init = curl_global_init(CURL_GLOBAL_DEFAULT);
  (void)init;
}

/// What one HTTP attempt gave: a transport error, or a status and a body.
struct Response {
  CURLcode code = CURLE_OK;
  std::string error;  ///< curl's own words for `code`
  long status = 0;
  std::string body;
  std::string retry_after;  ///< the Retry-After header, if any
};

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

long to_ms(double seconds) {
  return seconds <= 0 ? 0 : std::max(1L, std::lround(seconds * 1000));
}

Response post(const std::string& url, const std::string& body, const std::string& api_key,
              double timeout_s) {
  global_init();
  Response r;
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) {
    r.code = CURLE_FAILED_INIT;
    r.error = "curl_easy_init failed";
    return r;
  }
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(nullptr, &curl_slist_free_all);
  auto add_header = [&](const std::string& h) {
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  };
  add_header("Content-Type: application/json");
  add_header("Expect:");  // no "100-continue" round trip for large prompts
  if (!api_key.empty()) add_header("Authorization: Bearer " + api_key);

  char errbuf[CURL_ERROR_SIZE] = {};
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_USERAGENT, "mapsmith");
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // time-outs without SIGALRM: we may run on threads
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, to_ms(timeout_s));
  double connect_s =
      timeout_s <= 0 ? kMaxConnectTimeoutS : std::min(timeout_s, kMaxConnectTimeoutS);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, to_ms(connect_s));
  r.code = curl_easy_perform(h);
  if (r.code != CURLE_OK) {
    r.error = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(r.code);
    return r;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  curl_header* retry_after = nullptr;
  if (curl_easy_header(h, "Retry-After", 0, CURLH_HEADER, -1, &retry_after) == CURLHE_OK)
    r.retry_after = retry_after->value;
  return r;
}

/// Errors worth another attempt: the server may be starting, overloaded or briefly away.
bool retryable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return true;
    default:
      return false;
  }
}

bool retryable_status(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

/// The server's own explanation in an error body: OpenAI's {"error": {"message"}}, or the
/// {"error": "..."}, {"message"} and {"detail"} that other servers send; else the body itself.
std::string error_detail(const std::string& body) {
  if (body.empty()) return "(empty body)";
  json j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    const json* text = nullptr;
    if (auto e = j.find("error"); e != j.end()) {
      if (e->is_string()) text = &*e;
      if (e->is_object())
        if (auto m = e->find("message"); m != e->end() && m->is_string()) text = &*m;
    }
    for (const char* key : {"message", "detail"})
      if (auto m = j.find(key); !text && m != j.end() && m->is_string()) text = &*m;
    if (text) return excerpt(text->get<std::string>(), 300);
  }
  return excerpt(body, 300);
}

bool mentions_response_format(const std::string& body) {
  std::string lower = body;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("response_format") != std::string::npos ||
         lower.find("json_schema") != std::string::npos;
}

std::int64_t prompt_chars(const ChatRequest& request) {
  std::size_t n = 0;
  for (const Message& m : request.messages)
    n += m.content.size();
  return static_cast<std::int64_t>(n);
}

std::optional<std::int64_t> token_count(const json& usage, const char* key) {
  if (!usage.is_object()) return std::nullopt;
  auto it = usage.find(key);
  if (it == usage.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

/// A chat.completion body as a reply; throws BadReply for anything else.
ChatReply parse_reply(const std::string& where, const std::string& body,
                      const ChatRequest& request) {
  if (body.empty()) throw ChatError(ChatError::Kind::BadReply, where + ": the reply is empty");
  json j;
  try {
    j = json::parse(body);
  } catch (const json::parse_error& e) {
    throw ChatError(ChatError::Kind::BadReply,
                    fmt::format("{}: the reply is not valid JSON (byte {}): {}", where, e.byte,
                                excerpt(body, 200)));
  }
  const json* message = nullptr;
  if (j.is_object()) {
    auto choices = j.find("choices");
    if (choices != j.end() && choices->is_array() && !choices->empty() &&
        (*choices)[0].is_object()) {
      auto m = (*choices)[0].find("message");
      if (m != (*choices)[0].end() && m->is_object()) message = &*m;
    }
  }
  if (!message) {
    std::string detail =
        j.is_object() && j.contains("error") ? error_detail(body) : excerpt(body, 200);
    throw ChatError(ChatError::Kind::BadReply,
                    fmt::format("{}: the reply has no choices[0].message: {}", where, detail));
  }
  ChatReply reply;
  if (auto c = message->find("content"); c != message->end() && !c->is_null()) {
    if (!c->is_string())
      throw ChatError(ChatError::Kind::BadReply,
                      fmt::format("{}: choices[0].message.content is not a string: {}", where,
                                  excerpt(body, 200)));
    reply.content = c->get<std::string>();
  }
  const json& choice = j["choices"][0];
  if (auto f = choice.find("finish_reason"); f != choice.end() && f->is_string())
    reply.finish_reason = f->get<std::string>();
  if (auto m = j.find("model"); m != j.end() && m->is_string()) reply.model = m->get<std::string>();
  const json usage = j.value("usage", json());
  // Some local servers send no usage: estimate it so that the budget still works.
  reply.usage.prompt_tokens =
      token_count(usage, "prompt_tokens").value_or(estimate_tokens(prompt_chars(request)));
  reply.usage.completion_tokens =
      token_count(usage, "completion_tokens").value_or(estimate_tokens(reply.content.size()));
  return reply;
}

std::string attempts_text(int attempts) {
  return attempts == 1 ? "" : fmt::format(" after {} attempts", attempts);
}

}  // namespace

std::int64_t estimate_tokens(std::size_t chars) {
  return static_cast<std::int64_t>((chars + 3) / 4);
}

std::optional<double> parse_retry_after(const std::string& value, long long now) {
  std::string v = trim(value);
  if (v.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(v[0]))) {
    char* end = nullptr;
    double seconds = std::strtod(v.c_str(), &end);
    if (end && *end == '\0') return std::max(0.0, seconds);
    return std::nullopt;
  }
  time_t date = curl_getdate(v.c_str(), nullptr);
  if (date == -1) return std::nullopt;
  return std::max(0.0, static_cast<double>(date - now));
}

std::string openai_request_body(const ChatRequest& request, const std::string& model,
                                bool with_schema) {
  json body = {{"model", model}, {"messages", json::array()}};
  for (const Message& m : request.messages)
    body["messages"].push_back({{"role", m.role}, {"content", m.content}});
  body["temperature"] = request.temperature;
  body["max_tokens"] = request.max_reply_tokens;
  if (request.seed) body["seed"] = *request.seed;
  if (with_schema && !request.json_schema.empty()) {
    json schema = json::parse(request.json_schema, nullptr, false);
    if (schema.is_discarded())
      throw ChatError(ChatError::Kind::Config,
                      "the request's JSON schema '" + request.schema_name + "' is not valid JSON");
    body["response_format"] = {
        {"type", "json_schema"},
        {"json_schema", {{"name", request.schema_name}, {"schema", schema}, {"strict", true}}}};
  }
  return dump_json(body);
}

OpenAiClient::OpenAiClient(const ClientOptions& options)
    : options_(options), json_schema_ok_(options.structured.value_or(true)) {
  if (options_.base_url.empty()) options_.base_url = "https://api.openai.com/v1";
  // The path ends before the query string: /chat/completions goes there, the query after it.
  std::string& url = options_.base_url;
  url = url.substr(0, url.find('#'));
  const std::size_t q = url.find('?');
  std::string path = url.substr(0, q);
  const std::string query = q == std::string::npos ? std::string() : url.substr(q);
  while (path.ends_with('/'))
    path.pop_back();
  url = path + query;
  if (!url.starts_with("http://") && !url.starts_with("https://"))
    throw ChatError(ChatError::Kind::Config,
                    fmt::format("the LLM base URL '{}' (OPENAI_BASE_URL) is not an http:// or "
                                "https:// URL",
                                shown_url(url)));
  if (options_.model.empty())
    throw ChatError(ChatError::Kind::Config, "no model: set MAPSMITH_MODEL or --llm-model");
  endpoint_ = path + "/chat/completions" + query;
  if (!options_.api_key.empty()) secrets_.push_back(options_.api_key);
  for (std::string& s : url_secrets(url))
    if (s.size() >= 6) secrets_.push_back(std::move(s));  // "1" must not blank every digit
}

std::string OpenAiClient::redacted(std::string text) const {
  for (const std::string& s : secrets_)
    text = redact(std::move(text), s);
  return text;
}

std::string OpenAiClient::describe() const {
  return fmt::format("openai {} model {}", shown_url(options_.base_url), options_.model);
}

bool OpenAiClient::supports_json_schema() const {
  return json_schema_ok_;
}

Usage OpenAiClient::usage() const {
  std::lock_guard lock(mutex_);
  return usage_;
}

ChatReply OpenAiClient::complete(const ChatRequest& request) {
  const std::string where = "POST " + shown_url(endpoint_);
  const std::string& key = options_.api_key;
  bool with_schema = !request.json_schema.empty() && supports_json_schema();
  std::string body = openai_request_body(request, options_.model, with_schema);
  const int max_failures = std::max(0, options_.retries) + 1;
  double backoff = options_.backoff_s;
  int attempts = 0;
  int failures = 0;
  while (true) {
    ++attempts;
    Response r = post(endpoint_, body, key, options_.timeout_s);
    ChatError::Kind kind = ChatError::Kind::Http;
    std::string what;    // "HTTP 500", "cannot connect", ...
    std::string detail;  // the server's or curl's words
    std::optional<double> wait;
    if (r.code != CURLE_OK) {
      kind = ChatError::Kind::Unreachable;
      detail = redacted(r.error);
      if (!retryable(r.code)) throw ChatError(kind, fmt::format("{}: {}", where, detail));
      what = r.code == CURLE_OPERATION_TIMEDOUT
                 ? fmt::format("no reply within {} s", options_.timeout_s)
                 : (r.code == CURLE_COULDNT_CONNECT ? "cannot connect" : "network error");
    } else if (r.status >= 200 && r.status < 300) {
      ChatReply reply;
      try {
        reply = parse_reply(where, r.body, request);
      } catch (const ChatError& e) {
        throw ChatError(e.kind(), redacted(e.what()));  // in case the body echoes the key
      }
      // A reply that echoes the key (or a secret of the URL) must not carry it into the
      // database, the record file or the next prompt.
      reply.content = redacted(std::move(reply.content));
      reply.model = redacted(std::move(reply.model));
      reply.attempts = attempts;
      std::lock_guard lock(mutex_);
      usage_.prompt_tokens += reply.usage.prompt_tokens;
      usage_.completion_tokens += reply.usage.completion_tokens;
      return reply;
    } else {
      detail = redacted(error_detail(r.body));
      what = fmt::format("HTTP {}", r.status);
      if (r.status == 401 || r.status == 403)
        throw ChatError(ChatError::Kind::Auth,
                        fmt::format("{}: {}: {} (check OPENAI_API_KEY)", where, what, detail));
      if (r.status == 400 && with_schema && mentions_response_format(r.body)) {
        // The endpoint has no structured output: say so from now on, and ask again without it.
        json_schema_ok_ = false;
        with_schema = false;
        body = openai_request_body(request, options_.model, false);
        continue;
      }
      if (!retryable_status(r.status))
        throw ChatError(kind,
                        fmt::format("{}: {}{}: {}", where, what, attempts_text(attempts), detail));
      if (r.status == 429 && !r.retry_after.empty())
        wait = parse_retry_after(r.retry_after, static_cast<long long>(std::time(nullptr)));
    }
    if (++failures >= max_failures)
      throw ChatError(kind,
                      fmt::format("{}: {}{}: {}", where, what, attempts_text(attempts), detail));
    double seconds = wait ? std::min(*wait, kMaxRetryAfterS) : backoff;
    backoff *= 2;
    wait_for(options_.sleep, seconds);
  }
}

}  // namespace mapsmith::llm
