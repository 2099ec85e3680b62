#pragma once
/// The optimizers `llm` and `hybrid` (docs/llm.md): the LLM agent behind the tuner's ask/tell
/// interface. Each ask of `llm` is one step of the agent (one request and its repair rounds)
/// that proposes one whole program as text; what the tuner tells back (the time, or the failure,
/// with the simulator's findings or the diagnostics) becomes the history the next prompt shows.
/// `hybrid` alternates an LLM step with a short coordinate descent in the space built around the
/// best mapper so far, and shows the classical search's best back to the model.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/agent.h"
#include "app/app.h"
#include "llm/chat.h"
#include "machine/machine.h"
#include "search/optimizer.h"
#include "search/rng.h"

namespace mapsmith::agent {

struct LlmSetup {
  llm::ChatClient* client = nullptr;  ///< must outlive the optimizer
  const app::App* app = nullptr;
  const machine::Machine* machine = nullptr;
  /// The mapper the first prompt starts from, as the tuner renders it (the expert's canonical
  /// text, or "" for the default policy); one that is not a reference is evaluated first.
  std::string start_text;
  std::string start_name = "the expert mapper";
  AgentOptions agent;
  std::size_t history = 6;     ///< history entries shown with their text (older: one line each)
  std::size_t max_steps = 20;  ///< LLM steps in all, failed ones included
  std::size_t max_errors_in_a_row = 3;  ///< steps in a row that could not ask the model
  std::size_t hybrid_evaluations = 8;   ///< mappers per classical phase of `hybrid`
  /// Called with the feedback on every step of the model (its proposal's outcome, or why the step
  /// failed) as soon as it is known, the last one included, with the number of the step's last
  /// request (the manual exchange writes it to DIR/outcome-000n.md).
  std::function<void(std::size_t request, const std::string& text)> on_outcome;
};

/// What the run cost and how it went, for the CLI's summary.
struct LlmStats {
  std::size_t steps = 0;
  std::size_t failed_steps = 0;  ///< no mapper, does not check, or an error
  std::size_t calls = 0;         ///< requests, repair rounds included
  std::size_t repairs = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::string model;  ///< the model that answered last, as the endpoint said ("" before any)
};

class LlmOptimizer : public search::Optimizer {
 public:
  virtual LlmStats stats() const = 0;
};

/// The optimizer `kind` ("llm" or "hybrid"); `rng` seeds hybrid's classical phases. Asserts a
/// complete setup.
std::unique_ptr<LlmOptimizer> make_llm_optimizer(std::string_view kind, const LlmSetup& setup,
                                                 search::Rng& rng);

}  // namespace mapsmith::agent
