// The evolutionary search and the bandit ensemble.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

#include "search/optimizers_detail.h"
#include "util/error.h"

namespace mapsmith::search::detail {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// A (mu + lambda) genetic algorithm: a population of 16; each generation 16 children by
/// tournament selection (2), uniform crossover (half the time) and mutation (each gene with
/// probability 1/n, at least one); the 16 best of parents and children survive (earlier first
/// on ties). The first generation is the start point and 15 mutants of it.
class Evolutionary final : public Optimizer {
 public:
  static constexpr std::size_t kPopulation = 16;

  Evolutionary(const Space& s, const Point& start, Rng rng) : s_(s), start_(start), rng_(rng) {
    for (std::size_t i = 0; i < s.dims().size(); ++i)
      if (s.dims()[i].size >= 2) ++active_;
  }
  std::string name() const override { return "evolutionary"; }

  std::vector<Candidate> ask(std::size_t n) override {
    for (int tries = 0; tries < 8 && queue_.empty() && told_ == generation_size_; ++tries)
      breed();
    std::vector<Candidate> out;
    while (!queue_.empty() && out.size() < n) {
      out.push_back({std::move(queue_.front()), name()});
      queue_.pop_front();
    }
    return out;
  }

  void tell(const std::vector<Candidate>& asked, const std::vector<double>& times) override {
    for (std::size_t i = 0; i < asked.size(); ++i)
      children_.push_back({asked[i].point, times[i]});
    told_ += asked.size();
    if (told_ < generation_size_) return;
    for (auto& c : children_)
      population_.push_back(std::move(c));
    children_.clear();
    std::stable_sort(population_.begin(), population_.end(),
                     [](const auto& a, const auto& b) { return a.second < b.second; });
    if (population_.size() > kPopulation) population_.resize(kPopulation);
  }

  void share_best(const Point& p, double t) override {
    for (const auto& m : population_)
      if (m.first == p) return;
    if (population_.size() < kPopulation) {
      population_.push_back({p, t});
    } else if (t < population_.back().second) {
      population_.back() = {p, t};
    } else {
      return;
    }
    std::stable_sort(population_.begin(), population_.end(),
                     [](const auto& a, const auto& b) { return a.second < b.second; });
    seen_.insert(p);
  }

 private:
  void breed() {
    told_ = 0;
    if (population_.empty()) {
      seen_.insert(start_);
      queue_.push_back(start_);
      for (std::size_t i = 1; i < kPopulation; ++i)
        add(mutate(s_, start_, 1 + rng_.below(4), rng_));
    } else {
      for (std::size_t i = 0; i < kPopulation; ++i) {
        Point child = pick();
        if (rng_.below(2)) {
          const Point& other = pick();
          for (std::size_t d = 0; d < child.size(); ++d)
            if (rng_.below(2)) child[d] = other[d];
        }
        add(mutate_genes(std::move(child)));
      }
    }
    generation_size_ = queue_.size();
  }

  /// Keeps a new point; a point already tried gets more mutations (a few tries).
  void add(Point p) {
    for (int tries = 0; tries < 8 && seen_.contains(p); ++tries)
      p = mutate(s_, std::move(p), 1, rng_);
    if (seen_.insert(p)) queue_.push_back(std::move(p));
  }

  const Point& pick() {
    const std::size_t a = rng_.below(population_.size());
    const std::size_t b = rng_.below(population_.size());
    return population_[std::min(a, b)].first;  // sorted: the lower index is the fitter one
  }

  Point mutate_genes(Point p) {
    std::size_t changed = 0;
    for (std::size_t d = 0; d < p.size(); ++d) {
      if (s_.dims()[d].size < 2 || rng_.below(std::max<std::size_t>(active_, 1)) != 0) continue;
      const auto v = static_cast<std::uint32_t>(rng_.below(s_.dims()[d].size - 1));
      p[d] = v >= p[d] ? v + 1 : v;
      ++changed;
    }
    return changed ? p : mutate(s_, std::move(p), 1, rng_);
  }

  const Space& s_;
  Point start_;
  Rng rng_;
  std::size_t active_ = 0;
  std::vector<std::pair<Point, double>> population_, children_;
  std::deque<Point> queue_;
  std::size_t generation_size_ = 0, told_ = 0;
  PointSet seen_;
};

/// OpenTuner's AUC bandit over members that share one budget: each batch goes to the member with
/// the highest credit (the recency-weighted share of its recent batches that improved the best
/// time) plus an exploration bonus; members that have not been tried go first. A new best found
/// by one member is shared with the others.
class Ensemble final : public Optimizer {
 public:
  static constexpr std::size_t kWindow = 50;
  static constexpr double kExploration = 0.05;

  Ensemble(const Space& s, const Point& start, Rng rng) {
    for (auto make :
         {make_coordinate_descent, make_evolutionary, make_mutation, make_random, make_coupled}) {
      Arm arm;
      arm.opt = make(s, start, rng.split());
      arms_.push_back(std::move(arm));
    }
  }
  std::string name() const override { return "ensemble"; }

  std::vector<Candidate> ask(std::size_t n) override {
    for (;;) {
      const std::optional<std::size_t> a = choose();
      if (!a) return {};
      std::vector<Candidate> out = arms_[*a].opt->ask(n);
      if (out.empty()) {
        arms_[*a].retired = true;
        continue;
      }
      current_ = *a;
      return out;
    }
  }

  void tell(const std::vector<Candidate>& asked, const std::vector<double>& times) override {
    Arm& arm = arms_[current_];
    arm.opt->tell(asked, times);
    std::size_t best = asked.size();
    for (std::size_t i = 0; i < asked.size(); ++i)
      if (times[i] < best_t_ && (best == asked.size() || times[i] < times[best])) best = i;
    const bool improved = best < asked.size();
    if (improved) {
      best_t_ = times[best];
      for (std::size_t k = 0; k < arms_.size(); ++k)
        if (k != current_) arms_[k].opt->share_best(asked[best].point, best_t_);
    }
    arm.history.push_back(improved);
    if (arm.history.size() > kWindow) arm.history.pop_front();
    ++arm.uses;
    ++uses_;
  }

  void share_best(const Point& p, double t) override {
    for (Arm& a : arms_)
      a.opt->share_best(p, t);
    best_t_ = std::min(best_t_, t);
  }

 private:
  struct Arm {
    std::unique_ptr<Optimizer> opt;
    std::deque<bool> history;
    std::size_t uses = 0;
    bool retired = false;
  };

  static double auc(const std::deque<bool>& h) {
    if (h.empty()) return 0;
    double sum = 0;
    for (std::size_t i = 0; i < h.size(); ++i)
      sum += h[i] ? static_cast<double>(i + 1) : 0;
    const double k = static_cast<double>(h.size());
    return sum / (k * (k + 1) / 2);
  }

  std::optional<std::size_t> choose() const {
    std::optional<std::size_t> pick;
    double score = -kInf;
    for (std::size_t k = 0; k < arms_.size(); ++k) {
      const Arm& a = arms_[k];
      if (a.retired) continue;
      if (a.uses == 0) return k;
      const double s =
          auc(a.history) + kExploration * std::sqrt(2 * std::log(static_cast<double>(uses_)) /
                                                    static_cast<double>(a.uses));
      if (s > score) {
        score = s;
        pick = k;
      }
    }
    return pick;
  }

  std::vector<Arm> arms_;
  std::size_t current_ = 0, uses_ = 0;
  double best_t_ = kInf;
};

}  // namespace

std::unique_ptr<Optimizer> make_evolutionary(const Space& s, const Point& start, Rng rng) {
  return std::make_unique<Evolutionary>(s, start, rng);
}
std::unique_ptr<Optimizer> make_ensemble(const Space& s, const Point& start, Rng rng) {
  return std::make_unique<Ensemble>(s, start, rng);
}

}  // namespace mapsmith::search::detail
