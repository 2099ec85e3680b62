#pragma once
/// The default evaluator: parse, check, decide and simulate each candidate, on a pool of threads
/// (one per core by default). The App and Machine are built once by the caller and shared
/// read-only by every thread; each simulation owns its state (sim::simulate keeps no globals).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "app/app.h"
#include "machine/machine.h"
#include "search/evaluator.h"
#include "sim/sim.h"

namespace mapsmith::search {

/// What the search minimises: the steady-state time per iteration of the timed region (what the
/// real program reports), or the whole run (set-up included).
enum class Objective : std::uint8_t { Iteration, Run };
std::string_view to_string(Objective o);

/// How candidates are simulated.
struct SimSettings {
  sim::Constants constants;
  bool backpressure = true;  ///< sim::Options::backpressure
  Objective objective = Objective::Iteration;
};

class SimEvaluator final : public Evaluator {
 public:
  /// `threads` 0: one per hardware thread. `app` and `machine` must outlive the evaluator.
  SimEvaluator(const app::App& app, const machine::Machine& machine, unsigned threads = 0,
               SimSettings settings = {});
  ~SimEvaluator() override;
  SimEvaluator(const SimEvaluator&) = delete;
  SimEvaluator& operator=(const SimEvaluator&) = delete;

  /// "simulator (task overhead 2e-05 s, copy overhead 5e-06 s)", then ", back-pressure off" and
  /// ", objective run" when they are not the defaults.
  std::string identity() const override;
  std::vector<Evaluation> evaluate(const std::vector<std::string>& programs,
                                   const OnEvaluated& on_done) override;
  unsigned threads() const;

  /// One candidate on the calling thread: what every worker runs.
  static Evaluation evaluate_one(const app::App& app, const machine::Machine& machine,
                                 const std::string& text, const SimSettings& settings);

 private:
  struct Pool;
  const app::App& app_;
  const machine::Machine& machine_;
  SimSettings settings_;
  std::unique_ptr<Pool> pool_;
};

}  // namespace mapsmith::search
