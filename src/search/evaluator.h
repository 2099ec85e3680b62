#pragma once
/// How the search scores a mapper (style.md item 6: the outside world behind a narrow interface).
/// An Evaluator turns canonical program texts into Evaluations: the simulator (sim_evaluator.h)
/// or a real program run once per candidate (command_evaluator.h); tests use fakes.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace mapsmith::search {

/// What one evaluation of one mapper found. A mapper that fails (does not parse or check, cannot
/// be decided, runs out of memory, breaks a layout requirement, crashes, times out) has `ok`
/// false, a one-line `failure` and the whole story in `feedback`; it never wins.
struct Evaluation {
  bool ok = false;
  double time_s = 0;      ///< the objective: predicted (or measured) time per iteration
  double run_time_s = 0;  ///< the whole run, where known (else time_s)
  std::string failure;    ///< "line 12: out of memory: ..." (empty when ok)
  /// Rendered diagnostics, or the command's standard error; for a mapper that ran, what the
  /// evaluator can say about the run (the simulator: copies and findings), possibly nothing.
  std::string feedback;
  double seconds = 0;  ///< wall-clock time the evaluation took (not part of any result)
};

/// The failure of an evaluation cut short because the user stopped the search (Ctrl-C, SIGTERM):
/// it says nothing about the mapper, so it is never stored and a rerun evaluates the mapper again.
inline constexpr const char* kInterruptedFailure = "interrupted: the search was stopped";

/// Called once per program as soon as its evaluation is done, with the program's index in the
/// batch; calls never overlap (an evaluator serialises them), but may come from any thread.
using OnEvaluated = std::function<void(std::size_t, const Evaluation&)>;

class Evaluator {
 public:
  virtual ~Evaluator() = default;
  /// What makes results comparable: two evaluators with the same identity give the same
  /// evaluation to the same mapper (part of the results database's key).
  virtual std::string identity() const = 0;
  /// Evaluates every program (each a complete, canonical mapping text); the results are in the
  /// order of `programs`, whatever order they were computed in. Never throws for a bad mapper.
  virtual std::vector<Evaluation> evaluate(const std::vector<std::string>& programs,
                                           const OnEvaluated& on_done) = 0;
};

}  // namespace mapsmith::search
