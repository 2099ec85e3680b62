#include "search/tune.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "dsl/parser.h"
#include "dsl/printer.h"
#include "util/error.h"

namespace mapsmith::search {

namespace {

constexpr std::size_t kMaxStall = 100;  // rounds in a row with nothing new: give up

/// A candidate and its text.
struct Rendered {
  std::string text;
  const std::string* origin;
  const Point* point;
};

/// What a run remembers of every mapper: its outcome, and two independent 64-bit hashes of its
/// text to recognise it again (a few dozen bytes, however long the text). Only the expert, the
/// default and the best keep their whole Trial.
struct Known {
  double time_s = 0;
  bool ok = false;
};
struct TextKey {
  std::uint64_t a = 0, b = 0;
  friend bool operator==(const TextKey&, const TextKey&) = default;
};
struct TextKeyHash {
  std::size_t operator()(const TextKey& k) const { return static_cast<std::size_t>(k.a ^ k.b); }
};
TextKey key_of(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text)
    h = (h ^ c) * 0x100000001b3ULL;
  return {h, std::hash<std::string>{}(text)};
}

class Run {
 public:
  Run(Evaluator& evaluator, const TuneOptions& options, ResultsDb* db, std::int64_t study)
      : evaluator_(evaluator), options_(options), db_(db), study_(study) {
    if (db_)
      run_id_ =
          db_->begin_run(study_, RunInfo{options.optimizer, options.seed,
                                         static_cast<std::int64_t>(options.budget), options.start});
  }

  /// Evaluates a batch of rendered candidates; returns each one's trial index. Mappers seen in
  /// this run are reused; new ones get the next numbers, in batch order. `kept`, when given,
  /// receives the whole Trial of every new mapper.
  std::vector<std::size_t> run_batch(const std::vector<Rendered>& batch,
                                     std::vector<Trial>* kept = nullptr) {
    std::vector<std::size_t> idx(batch.size());
    std::vector<Trial> news;
    std::vector<std::string> pending;
    std::vector<std::size_t> pending_new;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const std::size_t next = known_.size() + news.size();
      auto [it, fresh] = index_.try_emplace(key_of(batch[i].text), next);
      idx[i] = it->second;
      if (!fresh) continue;
      Trial t;
      t.mapper = batch[i].text;
      t.number = next + 1;
      t.origin = *batch[i].origin;
      t.point = *batch[i].point;
      if (db_) {
        if (auto e = db_->lookup(study_, t.mapper)) {
          t.eval = std::move(*e);
          t.cached = true;
        }
      }
      if (!t.cached) {
        pending.push_back(t.mapper);
        pending_new.push_back(news.size());
      }
      news.push_back(std::move(t));
    }
    if (!pending.empty()) {
      // Each result is stored as soon as it is known (a kill loses at most the ones in flight).
      const OnEvaluated store = [&](std::size_t k, const Evaluation& e) {
        if (!db_ || e.failure == kInterruptedFailure) return;
        const Trial& t = news[pending_new[k]];
        db_->record(study_, t.mapper, e, run_id_, static_cast<std::int64_t>(t.number), t.origin);
      };
      std::vector<Evaluation> results = evaluator_.evaluate(pending, store);
      MAPSMITH_ASSERT(results.size() == pending.size());
      for (std::size_t k = 0; k < results.size(); ++k)
        news[pending_new[k]].eval = std::move(results[k]);
    }
    // Fold in candidate order (new trials were numbered in it): the best changes only on a
    // strictly faster mapper, so the first of equals stays.
    for (Trial& t : news) {
      known_.push_back(Known{t.eval.time_s, t.eval.ok});
      if (t.cached)
        ++cached_;
      else
        ++fresh_;
      if (!t.eval.ok) {
        ++failed_;
        continue;
      }
      if (t.origin != "expert" &&
          (trajectory_.empty() || t.eval.time_s < trajectory_.back().time_s))
        trajectory_.push_back({t.number, t.eval.time_s});
      if (!best_ || better(t.eval, best_->eval)) best_ = t;
    }
    if (kept) *kept = std::move(news);
    return idx;
  }

  /// The search proposed trial `trial` again: when it is the expert's (trial 0 of a run with an
  /// expert), the search has found the expert's time by itself.
  void rediscovered(std::size_t trial, bool has_expert) {
    if (!has_expert || trial != 0 || !known_[0].ok) return;
    if (trajectory_.empty() || known_[0].time_s < trajectory_.back().time_s)
      trajectory_.push_back({known_.size(), known_[0].time_s});
  }

  double time_of(std::size_t trial) const {
    const Known& k = known_[trial];
    return k.ok ? k.time_s : std::numeric_limits<double>::infinity();
  }

  void report(const std::optional<double>& expert_s) const {
    if (!options_.progress) return;
    TuneProgress p;
    p.evaluations = known_.size();
    p.proposals = known_.size() - references_;
    p.budget = options_.budget;
    p.fresh = fresh_;
    if (best_) p.best_s = best_->eval.time_s;
    p.expert_s = expert_s;
    options_.progress(p);
  }

  /// Stores the steps the optimizer took since the last call.
  void record_steps(Optimizer& optimizer) {
    std::vector<StepRecord> steps = optimizer.take_steps();
    if (!db_) return;
    for (const StepRecord& s : steps)
      db_->record_step(run_id_, s);
  }

  TuneResult finish(std::optional<Trial> expert, Trial def, std::string stopped) {
    TuneResult r;
    r.best = best_;
    r.expert = std::move(expert);
    r.def = std::move(def);
    r.evaluations = known_.size();
    r.references = references_;
    r.proposals = known_.size() - references_;
    r.fresh = fresh_;
    r.cached = cached_;
    r.failed = failed_;
    r.stopped = std::move(stopped);
    r.trajectory = trajectory_;
    if (db_)
      db_->end_run(run_id_, static_cast<std::int64_t>(r.evaluations),
                   static_cast<std::int64_t>(r.fresh),
                   best_ ? std::optional<std::int64_t>(best_->number) : std::nullopt);
    return r;
  }

  std::size_t size() const { return known_.size(); }
  /// The mappers evaluated so far are the references: the budget counts what comes after.
  void end_references() { references_ = known_.size(); }
  std::size_t proposals() const { return known_.size() - references_; }

 private:
  Evaluator& evaluator_;
  const TuneOptions& options_;
  ResultsDb* db_;
  std::int64_t study_;
  std::int64_t run_id_ = 0;
  std::vector<Known> known_;
  std::unordered_map<TextKey, std::size_t, TextKeyHash> index_;
  std::size_t fresh_ = 0, cached_ = 0, failed_ = 0, references_ = 0;
  std::optional<Trial> best_;
  std::vector<Improvement> trajectory_;
};

/// Stops the run with the check's message for the first new trial that fails it.
void check_trials(const TuneOptions& options, const std::vector<Trial>& trials) {
  if (!options.check) return;
  for (const Trial& t : trials)
    if (std::optional<std::string> why = options.check(t)) throw StopSearch(*why, true);
}

}  // namespace

bool tied(double a_s, double b_s) {
  return std::fabs(a_s - b_s) <= kTieTolerance * std::max(std::fabs(a_s), std::fabs(b_s));
}

bool better(const Evaluation& a, const Evaluation& b) {
  if (!tied(a.time_s, b.time_s)) return a.time_s < b.time_s;
  return !tied(a.run_time_s, b.run_time_s) && a.run_time_s < b.run_time_s;
}

std::string canonical_text(const std::string& text) {
  dsl::Diagnostics diags;
  dsl::Program p = dsl::parse_string(text, diags, "candidate.mapping");
  if (diags.has_errors()) return text;
  p.comments.clear();
  return dsl::format_program(p);
}

TuneResult tune(const Space& space, Optimizer& optimizer, Evaluator& evaluator,
                const TuneOptions& options, ResultsDb* db, std::int64_t study) {
  const auto start = std::chrono::steady_clock::now();
  Run run(evaluator, options, db, study);
  // The expert first, then the default policy: the references every result is compared with.
  const std::string expert_origin = "expert", default_origin = "default";
  const Point expert_point = space.has_expert() ? space.expert_point() : Point{};
  const Point default_point = space.default_point();
  std::vector<Rendered> refs;
  if (space.has_expert())
    refs.push_back({space.render(expert_point), &expert_origin, &expert_point});
  refs.push_back({space.render(default_point), &default_origin, &default_point});
  std::vector<Trial> ref_trials;
  run.run_batch(refs, &ref_trials);
  run.end_references();
  std::optional<Trial> expert;
  if (space.has_expert()) expert = ref_trials.front();
  const Trial def = ref_trials.back();  // the expert itself when its text is empty
  std::optional<double> expert_s;
  if (expert && expert->eval.ok) expert_s = expert->eval.time_s;
  run.report(expert_s);

  const std::size_t batch = std::max<std::size_t>(1, options.batch);
  std::size_t stall = 0;
  std::string stopped = "budget";
  bool failed = false, interrupted = false;
  try {
    check_trials(options, ref_trials);
    std::vector<Told> told_refs;
    for (std::size_t i = 0; i < refs.size(); ++i) {
      // With an empty expert the two references are one trial: tell it twice all the same.
      const Trial& t = ref_trials[std::min(i, ref_trials.size() - 1)];
      told_refs.push_back(
          Told{run.time_of(t.number - 1), t.number, false, &t.mapper, &t.eval, *refs[i].origin});
    }
    optimizer.tell_references(told_refs);
    while (run.proposals() < options.budget) {
      if (options.interrupted && options.interrupted()) {
        stopped = "interrupted";
        interrupted = true;
        break;
      }
      if (options.time_limit_s > 0 &&
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >=
              options.time_limit_s) {
        stopped = "time limit";
        break;
      }
      const std::size_t n = std::min(batch, options.budget - run.proposals());
      std::vector<Candidate> asked = optimizer.ask(n);
      run.record_steps(optimizer);
      if (asked.empty()) {
        stopped = "optimizer finished";
        break;
      }
      MAPSMITH_ASSERT(asked.size() <= n);
      std::vector<Rendered> texts;
      texts.reserve(asked.size());
      for (const Candidate& c : asked)
        texts.push_back(
            {c.text ? canonical_text(*c.text) : space.render(c.point), &c.origin, &c.point});
      const std::size_t before = run.size();
      std::vector<Trial> news;
      const std::vector<std::size_t> idx = run.run_batch(texts, &news);
      check_trials(options, news);
      std::vector<Told> told(idx.size());
      for (std::size_t i = 0; i < idx.size(); ++i) {
        told[i].time_s = run.time_of(idx[i]);
        told[i].number = idx[i] + 1;
        told[i].origin = asked[i].origin;
        if (idx[i] >= before) {
          const Trial& t = news[idx[i] - before];
          told[i].mapper = &t.mapper;
          told[i].eval = &t.eval;
        } else {
          told[i].repeat = true;
        }
        run.rediscovered(idx[i], space.has_expert());
      }
      optimizer.tell_evaluations(asked, told);
      run.record_steps(optimizer);
      run.report(expert_s);
      stall = run.size() == before ? stall + 1 : 0;
      if (stall >= kMaxStall) {
        stopped = "no new candidates";
        break;
      }
    }
  } catch (const StopSearch& e) {
    // The run ends with what it has: every result is already in the database.
    run.record_steps(optimizer);
    stopped = e.what();
    failed = e.failed();
    // An optimizer waiting for a person (the manual exchange) stops when interrupted, too.
    if (options.interrupted && options.interrupted()) {
      stopped = "interrupted";
      failed = false;
      interrupted = true;
    }
  }
  TuneResult r = run.finish(std::move(expert), def, stopped);
  r.stopped_by_error = failed;
  r.interrupted = interrupted;
  return r;
}

}  // namespace mapsmith::search
