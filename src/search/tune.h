#pragma once
/// The search driver: tune(Space, Optimizer, Evaluator, budget) → the best mapper found
/// (docs/tuning.md §5). The expert mapper is evaluated first and the default policy second, so
/// the best is never slower than the expert; then the optimizer's batches, each rendered to
/// canonical text, looked up in the results database, the rest evaluated in parallel and folded
/// back in candidate order, so threads never change a result. A mapper counts once per run
/// however often it is proposed; one stored in the database costs no evaluation. An optimizer that
/// throws StopSearch ends the run early, with everything found so far.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "search/evaluator.h"
#include "search/optimizer.h"
#include "search/results_db.h"
#include "search/space.h"

namespace mapsmith::search {

/// One distinct mapper of a run.
struct Trial {
  std::string mapper;  ///< canonical text
  Evaluation eval;
  std::size_t number = 0;  ///< in this run, from 1 (the expert is 1 when there is one)
  std::string origin;      ///< "expert", "default", or the optimizer that proposed it
  bool cached = false;     ///< taken from the results database
  Point point;             ///< the point of the space it was first proposed as
};

struct TuneProgress {
  std::size_t evaluations = 0;
  std::size_t budget = 0;
  std::size_t fresh = 0;
  std::optional<double> best_s;
  std::optional<double> expert_s;
};

struct TuneOptions {
  std::size_t budget = 500;  ///< distinct mappers, the expert and the default included
  double time_limit_s = 0;   ///< 0: none (a time limit makes the result depend on speed)
  std::size_t batch = 32;    ///< the most candidates asked for at once (fixed: not per thread)
  std::function<void(const TuneProgress&)> progress;  ///< after every batch
  // Recorded with the run in the database.
  std::string optimizer;
  std::uint64_t seed = 0;
  std::string start;
};

/// A point of a run's trajectory: the best time so far among the mappers the search proposed
/// (the expert excluded), at the evaluation that improved it.
struct Improvement {
  std::size_t number = 0;  ///< the trial's number in the run
  double time_s = 0;
  friend bool operator==(const Improvement&, const Improvement&) = default;
};

struct TuneResult {
  std::optional<Trial> best;    ///< the fastest successful mapper (the first found on ties)
  std::optional<Trial> expert;  ///< absent when the space has no expert
  Trial def;                    ///< the default policy
  std::size_t evaluations = 0;  ///< distinct mappers, fresh + cached
  std::size_t fresh = 0;        ///< evaluated in this run
  std::size_t cached = 0;       ///< found in the results database
  std::size_t failed = 0;
  /// "budget", "time limit", "optimizer finished", "no new candidates", or the optimizer's reason
  /// (StopSearch: "llm: POST ...: HTTP 401 ...").
  std::string stopped;
  bool stopped_by_error = false;  ///< the optimizer could not go on (StopSearch::failed())
  /// Each improvement of the best mapper found without the expert's help (the default policy and
  /// everything the optimizer proposed): how many evaluations a search needs to reach a time,
  /// whichever point it started from. An optimizer that proposes the expert's own text reaches
  /// the expert's time at the run's evaluation count of that moment.
  std::vector<Improvement> trajectory;
};

/// The text a Candidate::text is evaluated as: the program in canonical form without its comments
/// (as the expert is), or `text` itself when it does not parse.
std::string canonical_text(const std::string& text);

/// Runs the search. `db` may be null (nothing stored, nothing reused); `study` is its study.
TuneResult tune(const Space& space, Optimizer& optimizer, Evaluator& evaluator,
                const TuneOptions& options, ResultsDb* db = nullptr, std::int64_t study = 0);

}  // namespace mapsmith::search
