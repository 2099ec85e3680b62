#pragma once
/// The classical optimizers (docs/tuning.md §2), behind one ask/tell interface: the tuner asks
/// for a batch of points, evaluates them (in parallel, in any order) and tells the times back in
/// the order it was given them. An optimizer never sees threads or the clock, and draws every
/// random number from the generator it was given, so a seed reproduces a search exactly.
#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "search/evaluator.h"
#include "search/results_db.h"
#include "search/rng.h"
#include "search/space.h"

namespace mapsmith::search {

/// A point to evaluate and the optimizer (or ensemble member) that proposed it.
struct Candidate {
  Point point;
  std::string origin;
  /// A whole program proposed as text (the LLM agent), evaluated instead of a point of the space:
  /// in canonical form without comments when it parses, else as it is (so that the evaluator
  /// reports the syntax error). `point` is then empty.
  std::optional<std::string> text = std::nullopt;
};

/// What the tuner tells an optimizer about one mapper: the time, and for a mapper new to the run
/// its canonical text and whole evaluation (failure, feedback), for optimizers that learn from
/// more than times (the LLM agent).
struct Told {
  double time_s = std::numeric_limits<double>::infinity();  ///< infinity when it fails
  std::size_t number = 0;  ///< the mapper's number in the run (from 1)
  /// Evaluated earlier in this run (proposed again): `mapper` and `eval` are then null, only the
  /// time and the number are known.
  bool repeat = false;
  const std::string* mapper = nullptr;
  const Evaluation* eval = nullptr;
  std::string_view origin;  ///< "expert", "default", or the candidate's origin
};

/// Thrown by Optimizer::ask (or tell_evaluations) when the search cannot go on: the LLM's
/// endpoint is unreachable, the key is refused, the token budget is spent. tune() ends the run
/// with what it has (every result stays in the database, the run is closed) and reports `what()`
/// as the reason it stopped; `failed` says whether that is an error (the CLI exits 1) or a limit
/// the user set.
class StopSearch : public std::runtime_error {
 public:
  StopSearch(const std::string& what, bool failed) : std::runtime_error(what), failed_(failed) {}
  bool failed() const { return failed_; }

 private:
  bool failed_;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;
  /// At most `n` (>= 1) candidates to evaluate next; none when it has nothing more to try.
  virtual std::vector<Candidate> ask(std::size_t n) = 0;
  /// The times of the candidates of the last ask, in their order; infinity for a mapper that
  /// fails. Called once after every ask that returned candidates.
  virtual void tell(const std::vector<Candidate>& asked, const std::vector<double>& times) = 0;
  /// A better point found by someone else (ensembles share what their members find).
  virtual void share_best(const Point& /*p*/, double /*time*/) {}

  /// The reference mappers, once, before the first ask: the expert mapper (when the space has
  /// one) and the default policy, in that order.
  virtual void tell_references(const std::vector<Told>& /*refs*/) {}
  /// What the tuner calls after every ask that returned candidates, with one Told per candidate
  /// in their order. The default passes the times to tell().
  virtual void tell_evaluations(const std::vector<Candidate>& asked,
                                const std::vector<Told>& told) {
    std::vector<double> times;
    times.reserve(told.size());
    for (const Told& t : told)
      times.push_back(t.time_s);
    tell(asked, times);
  }
  /// The steps the optimizer took since the last call that are worth keeping beside the
  /// evaluations (the LLM agent's calls of the model, the failed ones included); the tuner stores
  /// them in the results database.
  virtual std::vector<StepRecord> take_steps() { return {}; }
};

/// "exhaustive", "random", "coordinate-descent", "evolutionary", "ensemble", and the two that ask
/// a language model, "llm" and "hybrid" (made by agent::make_llm_optimizer, which needs a client).
std::vector<std::string> optimizer_names();

/// The optimizer called `name`, starting from `start`, with its own generator split from `rng`.
/// `budget` is the number of evaluations it will get (exhaustive refuses a space larger than
/// that). Throws InputError for an unknown name (with "did you mean").
std::unique_ptr<Optimizer> make_optimizer(std::string_view name, const Space& space,
                                          const Point& start, Rng& rng, std::size_t budget);

}  // namespace mapsmith::search
