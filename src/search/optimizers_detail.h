#pragma once
/// Internal to search/: the optimizers' constructors and the helpers they share.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_set>

#include "search/optimizer.h"

namespace mapsmith::search::detail {

std::unique_ptr<Optimizer> make_exhaustive(const Space& s, const Point& start, std::size_t budget);
std::unique_ptr<Optimizer> make_random(const Space& s, const Point& start, Rng rng);
std::unique_ptr<Optimizer> make_coordinate_descent(const Space& s, const Point& start, Rng rng);
std::unique_ptr<Optimizer> make_evolutionary(const Space& s, const Point& start, Rng rng);
/// Greedy mutation (OpenTuner's): 1 to 3 random changes to the best point so far.
std::unique_ptr<Optimizer> make_mutation(const Space& s, const Point& start, Rng rng);
/// Coupled mutation: changes a launch's index map together with the maps of the launches that
/// share its data (Space::couplings), aligned to it, from the best point so far.
std::unique_ptr<Optimizer> make_coupled(const Space& s, const Point& start, Rng rng);
std::unique_ptr<Optimizer> make_ensemble(const Space& s, const Point& start, Rng rng);

/// The points an optimizer has proposed, as 64-bit hashes (a few bytes per point however many
/// dimensions; a collision only makes it skip a point, the same way every run).
class PointSet {
 public:
  /// True when `p` was not in the set yet.
  bool insert(const Point& p) { return hashes_.insert(hash(p)).second; }
  bool contains(const Point& p) const { return hashes_.count(hash(p)) != 0; }
  bool empty() const { return hashes_.empty(); }
  static std::uint64_t hash(const Point& p) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (std::uint32_t v : p)
      h = (h ^ v) * 0x100000001b3ULL;
    h ^= h >> 31;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 29);
  }

 private:
  std::unordered_set<std::uint64_t> hashes_;
};

/// `p` with `changes` distinct coordinates (of dimensions with 2 values or more) set to other
/// values, drawn uniformly.
Point mutate(const Space& s, Point p, std::size_t changes, Rng& rng);

}  // namespace mapsmith::search::detail
