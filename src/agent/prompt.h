#pragma once
/// The agent's prompts (docs/llm.md, "What the prompt contains"): a system prompt with the
/// language reference, and a user prompt with the application, the machine, the best mapper so
/// far, the history of candidates with their three-part feedback, and the format of the reply.
/// Every prompt is a function of its inputs only (no clock, no paths), so a recorded run replays.
#include <optional>
#include <string>
#include <vector>

#include "agent/feedback.h"
#include "app/app.h"
#include "dsl/diagnostics.h"
#include "machine/machine.h"

namespace mapsmith::agent {

/// One candidate of the history, or one step that produced none.
struct HistoryEntry {
  std::size_t number = 0;  ///< the mapper's number in the run; 0 for a step without a mapper
  std::string source;      ///< "LLM step 3", "coordinate descent around #4"
  std::optional<std::string> mapper;  ///< its text (absent: nothing to show)
  Feedback feedback;
};

struct PromptInput {
  const app::App* app = nullptr;
  const machine::Machine* machine = nullptr;
  std::string current;        ///< the best mapper so far (its text)
  std::string current_label;  ///< "#1, the expert mapper"
  Feedback current_feedback;  ///< its outcome, explanation and suggestion
  std::optional<double> expert_s, default_s;
  std::string default_failure;        ///< why Legion's default policy fails, when it does
  std::vector<HistoryEntry> history;  ///< oldest first
  std::size_t shown = 6;              ///< the last this many entries are shown with their text
};

/// The role, how the mapper is judged, and the language reference.
std::string system_prompt();
/// Regions, tasks with their variants, and the launches in program order with their domains,
/// work and region arguments (privilege and size per point).
std::string app_summary(const app::App& app);
/// Machine::summary() and the size of Machine(K) for each processor kind.
std::string machine_summary(const machine::Machine& machine);
/// The user message of a step, without the reply format (format_instructions adds it).
std::string user_prompt(const PromptInput& in);
/// How to reply: JSON blocks (`structured`) or one ```mapping block.
std::string format_instructions(bool structured);
/// The JSON Schema of a structured reply: {"explanation", "blocks": {one string per Block}}.
std::string reply_schema();
/// The follow-up message of a repair round: the errors as mapsmith prints them (at most 10).
std::string repair_prompt(const std::vector<dsl::Diagnostic>& errors);

}  // namespace mapsmith::agent
