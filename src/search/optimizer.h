#pragma once
/// The classical optimizers (docs/tuning.md §2), behind one ask/tell interface: the tuner asks
/// for a batch of points, evaluates them (in parallel, in any order) and tells the times back in
/// the order it was given them. An optimizer never sees threads or the clock, and draws every
/// random number from the generator it was given, so a seed reproduces a search exactly.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "search/rng.h"
#include "search/space.h"

namespace mapsmith::search {

/// A point to evaluate and the optimizer (or ensemble member) that proposed it.
struct Candidate {
  Point point;
  std::string origin;
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
};

/// "exhaustive", "random", "coordinate-descent", "evolutionary", "ensemble".
std::vector<std::string> optimizer_names();

/// The optimizer called `name`, starting from `start`, with its own generator split from `rng`.
/// `budget` is the number of evaluations it will get (exhaustive refuses a space larger than
/// that). Throws InputError for an unknown name (with "did you mean").
std::unique_ptr<Optimizer> make_optimizer(std::string_view name, const Space& space,
                                          const Point& start, Rng& rng, std::size_t budget);

}  // namespace mapsmith::search
