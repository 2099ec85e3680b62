#pragma once
/// The feedback the agent learns from, in the paper's three parts: the raw outcome (the time, or
/// the error), an explanation (the simulator's findings, or the diagnostics), and a suggestion
/// (a rule chosen by the kind of failure or finding).
#include <optional>
#include <string>

#include "app/app.h"
#include "machine/machine.h"
#include "search/evaluator.h"

namespace mapsmith::agent {

struct Feedback {
  std::string outcome;      ///< "10.33 ms per iteration (1.075x as fast as the expert mapper)"
  std::string explanation;  ///< why, in the evaluator's or the checker's words
  std::string suggestion;   ///< what to try next
  friend bool operator==(const Feedback&, const Feedback&) = default;
};

/// What a new result is compared with.
struct Baseline {
  std::optional<double> best_s;  ///< the best time before this candidate
  std::optional<double> expert_s;
  /// The best mapper so far, when known: its number, evaluation (per-task changes, ties) and
  /// text (decision-by-decision changes, with `candidate` and `machine`).
  std::size_t best_number = 0;
  const search::Evaluation* best = nullptr;
  const std::string* best_text = nullptr;
  const std::string* candidate = nullptr;
  const machine::Machine* machine = nullptr;
};

/// "10.33 ms", "1.234 s", "52.12 µs": sim::time_text with four significant digits (one more than
/// its default, so that the model sees small gains).
std::string time_text(double seconds);

/// The feedback on an evaluated mapper: the outcome (with the digits that tell it from the best,
/// and how a tie was broken), the per-task times and critical path of the timed region with their
/// changes against the best, the decisions that differ from the best, and a suggestion whose
/// precondition holds in the candidate's own numbers.
Feedback evaluation_feedback(const search::Evaluation& e, const Baseline& base,
                             const app::App& app);
/// The feedback on a mapper proposed again: evaluated before as `number`, `time_s` (infinity
/// when it failed).
Feedback repeat_feedback(std::size_t number, double time_s);
/// The feedback on a step that produced no mapper to evaluate: `outcome` says what went wrong
/// ("no mapper: the reply is empty"), `diagnostics` are the rendered errors of a reply that did
/// not check (empty otherwise).
Feedback step_feedback(const std::string& outcome, const std::string& diagnostics,
                       const app::App& app);

/// The suggestion for a failure (its one-line message and rendered diagnostics): out of memory,
/// unknown names, a layout a variant needs, a processor kind without a variant, an index out of
/// range, a syntax error; else the checker's first hint.
std::string failure_suggestion(const std::string& failure, const std::string& feedback,
                               const app::App& app);

}  // namespace mapsmith::agent
