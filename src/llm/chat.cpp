#include "llm/chat.h"

#include <fmt/format.h>

#include <array>
#include <cstdlib>

#include "llm/budget.h"
#include "llm/manual_client.h"
#include "llm/openai_client.h"
#include "llm/recording.h"
#include "util/strings.h"

namespace mapsmith::llm {

namespace {

using Kind = ChatError::Kind;

constexpr std::array<std::pair<Kind, std::string_view>, 7> kKindNames = {{
    {Kind::Unreachable, "Unreachable"},
    {Kind::Auth, "Auth"},
    {Kind::Http, "Http"},
    {Kind::BadReply, "BadReply"},
    {Kind::Budget, "Budget"},
    {Kind::Replay, "Replay"},
    {Kind::Config, "Config"},
}};

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

ChatError config_error(const std::string& what) {
  return ChatError(Kind::Config, what);
}

std::unique_ptr<ChatClient> make_backend(const ClientOptions& options) {
  if (!options.replay_path.empty())
    return std::make_unique<ReplayClient>(options.replay_path, options.replay_loose);
  if (options.backend == "openai") return std::make_unique<OpenAiClient>(options);
  if (options.backend == "manual") {
    if (options.exchange_dir.empty())
      throw config_error("the manual backend needs an exchange directory: --exchange DIR");
    ManualOptions manual;
    manual.dir = options.exchange_dir;
    manual.timeout_s = options.timeout_s;
    manual.sleep = options.sleep;
    return std::make_unique<ManualClient>(std::move(manual));
  }
  if (options.backend == "replay")
    throw config_error("the replay backend needs a recording: --llm-replay FILE");
  const std::vector<std::string> known = {"openai", "manual"};
  std::string hint;
  if (auto match = closest_match(options.backend, known))
    hint = fmt::format(" (did you mean '{}'?)", *match);
  throw config_error(fmt::format("unknown LLM backend '{}'{}; known: {}", options.backend, hint,
                                 join(known, ", ")));
}

}  // namespace

std::string_view kind_name(ChatError::Kind kind) {
  for (const auto& [k, name] : kKindNames)
    if (k == kind) return name;
  return "Unknown";
}

std::optional<ChatError::Kind> kind_from_name(std::string_view name) {
  for (const auto& [k, n] : kKindNames)
    if (n == name) return k;
  return std::nullopt;
}

ClientOptions options_from_env() {
  ClientOptions options;
  options.base_url = env("OPENAI_BASE_URL");
  options.api_key = env("OPENAI_API_KEY");
  options.model = env("MAPSMITH_MODEL");
  return options;
}

std::unique_ptr<ChatClient> make_client(const ClientOptions& options) {
  if (options.max_tokens < 0)
    throw config_error(
        fmt::format("--max-tokens {} is negative (0: no budget)", options.max_tokens));
  std::unique_ptr<ChatClient> client = make_backend(options);
  if (!options.record_path.empty())
    client = std::make_unique<RecordingClient>(std::move(client), options.record_path);
  if (options.max_tokens > 0)
    client = std::make_unique<BudgetClient>(std::move(client), options.max_tokens);
  return client;
}

}  // namespace mapsmith::llm
