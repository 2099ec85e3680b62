// Exhaustive, random, greedy-mutation and coordinate-descent search, and the factory.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

#include "search/optimizers_detail.h"
#include "util/error.h"
#include "util/strings.h"

namespace mapsmith::search {

namespace detail {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<std::size_t> active_dims(const Space& s) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < s.dims().size(); ++i)
    if (s.dims()[i].size >= 2) out.push_back(i);
  return out;
}

/// Every point in mixed-radix order (the last dimension fastest), the start point first.
class Exhaustive final : public Optimizer {
 public:
  Exhaustive(const Space& s, const Point& start)
      : s_(s), start_(start), next_(s.dims().size(), 0) {}
  std::string name() const override { return "exhaustive"; }
  std::vector<Candidate> ask(std::size_t n) override {
    std::vector<Candidate> out;
    if (!started_) {
      started_ = true;
      out.push_back({start_, name()});
    }
    while (out.size() < n && !done_) {
      if (next_ != start_) out.push_back({next_, name()});
      std::size_t d = next_.size();
      while (d > 0) {
        --d;
        if (++next_[d] < s_.dims()[d].size) break;
        next_[d] = 0;
        if (d == 0) done_ = true;
      }
      if (next_.empty()) done_ = true;
    }
    return out;
  }
  void tell(const std::vector<Candidate>&, const std::vector<double>&) override {}

 private:
  const Space& s_;
  Point start_, next_;
  bool started_ = false, done_ = false;
};

/// Uniform random points, the start point first; a point already proposed is drawn again.
class Random final : public Optimizer {
 public:
  Random(const Space& s, const Point& start, Rng rng) : s_(s), start_(start), rng_(rng) {}
  std::string name() const override { return "random"; }
  std::vector<Candidate> ask(std::size_t n) override {
    std::vector<Candidate> out;
    if (seen_.empty()) {
      seen_.insert(start_);
      out.push_back({start_, name()});
    }
    for (int tries = 0; out.size() < n && tries < 64 * static_cast<int>(n); ++tries) {
      Point p = s_.random_point(rng_);
      if (seen_.insert(p)) out.push_back({std::move(p), name()});
    }
    return out;
  }
  void tell(const std::vector<Candidate>&, const std::vector<double>&) override {}

 private:
  const Space& s_;
  Point start_;
  Rng rng_;
  PointSet seen_;
};

/// An optimizer that works from the best point it has seen (its own results and the ones the
/// ensemble shares): greedy mutation and coupled mutation.
class FromBest : public Optimizer {
 public:
  FromBest(const Space& s, const Point& start, Rng rng) : s_(s), best_(start), rng_(rng) {}
  void tell(const std::vector<Candidate>& asked, const std::vector<double>& times) override {
    for (std::size_t i = 0; i < asked.size(); ++i)
      share_best(asked[i].point, times[i]);
  }
  void share_best(const Point& p, double t) override {
    if (t < best_t_) {
      best_ = p;
      best_t_ = t;
    }
  }

 protected:
  const Space& s_;
  Point best_;
  double best_t_ = kInf;
  Rng rng_;
  PointSet seen_;
};

/// Hill climbing by random mutations of the best point so far.
class Mutation final : public FromBest {
 public:
  using FromBest::FromBest;
  std::string name() const override { return "greedy-mutation"; }
  std::vector<Candidate> ask(std::size_t n) override {
    std::vector<Candidate> out;
    if (seen_.empty()) {
      seen_.insert(best_);
      out.push_back({best_, name()});
      return out;
    }
    for (int tries = 0; out.size() < n && tries < 64 * static_cast<int>(n); ++tries) {
      Point p = mutate(s_, best_, 1 + rng_.below(3), rng_);
      if (seen_.insert(p)) out.push_back({std::move(p), name()});
    }
    return out;
  }
};

/// Moves that change coupled decisions together: a partner dimension (a launch that others can
/// align with) gets a random value half of the time, and every dimension coupled to it is set
/// to one of its aligned values (or, a third of the time, kept), from the best point so far.
/// Without couplings it proposes nothing.
class Coupled final : public FromBest {
 public:
  Coupled(const Space& s, const Point& start, Rng rng) : FromBest(s, start, rng) {
    for (const Coupling& c : s.couplings())
      if (std::find(partners_.begin(), partners_.end(), c.partner) == partners_.end())
        partners_.push_back(c.partner);
  }
  std::string name() const override { return "coupled-mutation"; }
  std::vector<Candidate> ask(std::size_t n) override {
    std::vector<Candidate> out;
    if (partners_.empty()) return out;
    for (int tries = 0; out.size() < n && tries < 64 * static_cast<int>(n); ++tries) {
      Point p = best_;
      const std::size_t partner = partners_[rng_.below(partners_.size())];
      if (rng_.below(2) == 0)
        p[partner] = static_cast<std::uint32_t>(rng_.below(s_.dims()[partner].size));
      for (const Coupling& c : s_.couplings())
        if (c.partner == partner && rng_.below(3) != 0)
          p[c.dim] = c.values[rng_.below(c.values.size())];
      if (seen_.insert(p)) out.push_back({std::move(p), name()});
    }
    return out;
  }

 private:
  std::vector<std::size_t> partners_;
};

/// Coordinate descent in the style of AutoMap (SC'23): one dimension at a time, try every value
/// of it with the others fixed and move to the best; sweep the dimensions in a random order;
/// when a whole sweep finds nothing better, restart from the best point with 1 to 3 random
/// changes (iterated local search), so the search uses all the budget it is given.
class CoordinateDescent final : public Optimizer {
 public:
  CoordinateDescent(const Space& s, const Point& start, Rng rng)
      : s_(s), current_(start), best_(start), rng_(rng), dims_(active_dims(s)) {}
  std::string name() const override { return "coordinate-descent"; }

  std::vector<Candidate> ask(std::size_t n) override {
    if (queue_.empty() && !next_step()) return {};
    std::vector<Candidate> out;
    while (!queue_.empty() && out.size() < n) {
      out.push_back({std::move(queue_.front()), name()});
      queue_.pop_front();
    }
    return out;
  }

  void tell(const std::vector<Candidate>& asked, const std::vector<double>& times) override {
    for (std::size_t i = 0; i < asked.size(); ++i) {
      if (times[i] < step_best_t_) {
        step_best_t_ = times[i];
        step_best_ = asked[i].point;
      }
      if (times[i] < best_t_) {
        best_t_ = times[i];
        best_ = asked[i].point;
      }
    }
    if (!queue_.empty()) return;
    // The step is complete: move when it found something strictly better (the first such
    // candidate in proposal order on ties).
    if (evaluating_current_) {
      current_t_ = step_best_t_;
      evaluating_current_ = false;
    } else if (step_best_t_ < current_t_) {
      current_ = step_best_;
      current_t_ = step_best_t_;
      improved_ = true;
    }
  }

  void share_best(const Point& p, double t) override {
    if (t < best_t_) {
      best_ = p;
      best_t_ = t;
    }
    if (t < current_t_ && queue_.empty()) {
      current_ = p;
      current_t_ = t;
    }
  }

 private:
  /// Fills the queue with the next step's candidates; false when there is nothing left to try.
  bool next_step() {
    step_best_t_ = kInf;
    if (!started_) {
      started_ = true;
      return enqueue_current();
    }
    for (std::size_t guard = 0; guard < 4 * (dims_.size() + 1) + 64; ++guard) {
      if (pos_ >= order_.size()) {
        if (!order_.empty() && !improved_) {  // converged: restart near the best point
          current_ = mutate(s_, best_, 1 + rng_.below(3), rng_);
          order_.clear();
          if (enqueue_current()) return true;
          continue;
        }
        order_ = dims_;
        for (std::size_t i = order_.size(); i > 1; --i)
          std::swap(order_[i - 1], order_[rng_.below(i)]);
        pos_ = 0;
        improved_ = false;
        if (order_.empty()) return false;
      }
      const std::size_t d = order_[pos_++];
      for (std::uint32_t v = 0; v < s_.dims()[d].size; ++v) {
        if (v == current_[d]) continue;
        Point p = current_;
        p[d] = v;
        if (seen_.insert(p)) queue_.push_back(std::move(p));
      }
      if (!queue_.empty()) return true;
    }
    return false;
  }

  bool enqueue_current() {
    evaluating_current_ = true;
    current_t_ = kInf;
    seen_.insert(current_);
    queue_.push_back(current_);
    return true;
  }

  const Space& s_;
  Point current_, best_, step_best_;
  double current_t_ = kInf, best_t_ = kInf, step_best_t_ = kInf;
  Rng rng_;
  std::vector<std::size_t> dims_, order_;
  std::size_t pos_ = 0;
  bool started_ = false, improved_ = false, evaluating_current_ = false;
  std::deque<Point> queue_;
  PointSet seen_;
};

}  // namespace

Point mutate(const Space& s, Point p, std::size_t changes, Rng& rng) {
  std::vector<std::size_t> dims = active_dims(s);
  for (std::size_t c = 0; c < changes && !dims.empty(); ++c) {
    const std::size_t k = rng.below(dims.size());
    const std::size_t d = dims[k];
    dims.erase(dims.begin() + static_cast<std::ptrdiff_t>(k));
    const std::uint32_t v = static_cast<std::uint32_t>(rng.below(s.dims()[d].size - 1));
    p[d] = v >= p[d] ? v + 1 : v;
  }
  return p;
}

std::unique_ptr<Optimizer> make_exhaustive(const Space& s, const Point& start, std::size_t budget) {
  if (s.size() > static_cast<double>(budget))
    throw InputError(fmt::format(
        "the space has {:.4g} points, more than the budget of {}: exhaustive search needs "
        "--budget {} or more (or use another optimizer)",
        s.size(), budget,
        s.size() < 1e15 ? fmt::format("{:.0f}", s.size()) : fmt::format("{:.4g}", s.size())));
  return std::make_unique<Exhaustive>(s, start);
}
std::unique_ptr<Optimizer> make_random(const Space& s, const Point& start, Rng rng) {
  return std::make_unique<Random>(s, start, rng);
}
std::unique_ptr<Optimizer> make_mutation(const Space& s, const Point& start, Rng rng) {
  return std::make_unique<Mutation>(s, start, rng);
}
std::unique_ptr<Optimizer> make_coupled(const Space& s, const Point& start, Rng rng) {
  return std::make_unique<Coupled>(s, start, rng);
}
std::unique_ptr<Optimizer> make_coordinate_descent(const Space& s, const Point& start, Rng rng) {
  return std::make_unique<CoordinateDescent>(s, start, rng);
}

}  // namespace detail

std::vector<std::string> optimizer_names() {
  return {"exhaustive", "random", "coordinate-descent", "evolutionary", "ensemble",
          "llm",        "hybrid"};
}

std::unique_ptr<Optimizer> make_optimizer(std::string_view name, const Space& space,
                                          const Point& start, Rng& rng, std::size_t budget) {
  if (name == "exhaustive") return detail::make_exhaustive(space, start, budget);
  if (name == "random") return detail::make_random(space, start, rng.split());
  if (name == "coordinate-descent")
    return detail::make_coordinate_descent(space, start, rng.split());
  if (name == "evolutionary") return detail::make_evolutionary(space, start, rng.split());
  if (name == "ensemble") return detail::make_ensemble(space, start, rng.split());
  if (name == "llm" || name == "hybrid")
    throw InputError(fmt::format(
        "the optimizer '{}' asks a language model: make it with agent::make_llm_optimizer", name));
  const std::vector<std::string> names = optimizer_names();
  std::string msg = fmt::format("unknown optimizer '{}'", name);
  if (auto m = closest_match(name, names)) msg += fmt::format("; did you mean '{}'?", *m);
  throw InputError(msg + fmt::format(" (one of: {})", join(names, ", ")));
}

}  // namespace mapsmith::search
