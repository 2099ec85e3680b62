#pragma once
/// One step of the LLM agent: ask the model for a mapper, read the reply as a mapper, check it
/// against the application and the machine, and send the errors back for up to K repair rounds.
/// The model's text is only ever parsed as a mapping program.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "app/app.h"
#include "llm/chat.h"
#include "machine/machine.h"

namespace mapsmith::agent {

struct AgentOptions {
  int repair_rounds = 2;   ///< follow-up requests for a reply that does not check
  bool structured = true;  ///< ask for JSON blocks where the client supports a JSON schema
  double temperature = 0.2;
  std::optional<std::uint64_t> seed;  ///< sent to endpoints that accept one
  std::int64_t max_reply_tokens = 4096;
};

struct StepResult {
  enum class Status { Ok, NoMapper, DoesNotCheck, Error };
  Status status = Status::Error;
  std::string mapper;       ///< Ok: the proposal; DoesNotCheck: the last attempt
  std::string explanation;  ///< the model's own words about the change, on one line
  std::string detail;       ///< NoMapper, DoesNotCheck, Error: why, on one line
  std::string diagnostics;  ///< DoesNotCheck: the errors of the last attempt, rendered
  int repairs = 0;          ///< repair rounds asked for
  int calls = 0;            ///< requests made (each repair round is one)
  llm::Usage usage;         ///< the tokens of this step's replies
  std::string model;        ///< the model that answered, as the endpoint said
};

/// "ok", "no-mapper", "does-not-check", "error" (as the results database stores them).
std::string_view status_name(StepResult::Status s);

class Agent {
 public:
  /// `client`, `app` and `machine` must outlive the agent.
  Agent(llm::ChatClient& client, const app::App& app, const machine::Machine& machine,
        AgentOptions options);

  /// One step from the user message `prompt` (the reply format is appended). A non-fatal
  /// llm::ChatError (an HTTP error left after the retries, a body that is not a completion)
  /// makes a step with status Error; a fatal one is thrown.
  StepResult step(const std::string& prompt);

 private:
  llm::ChatClient& client_;
  const app::App& app_;
  const machine::Machine& machine_;
  AgentOptions options_;
};

}  // namespace mapsmith::agent
