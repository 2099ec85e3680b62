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
  std::size_t evaluations = 0;  ///< distinct mappers, the references included
  std::size_t proposals = 0;  ///< distinct mappers the optimizer proposed (what the budget counts)
  std::size_t budget = 0;
  std::size_t fresh = 0;
  std::optional<double> best_s;
  std::optional<double> expert_s;
};

struct TuneOptions {
  /// Distinct mappers the optimizer proposes; the references (the expert and the default policy,
  /// evaluated first) are extra.
  std::size_t budget = 500;
  double time_limit_s = 0;  ///< 0: none (a time limit makes the result depend on speed)
  std::size_t batch = 32;   ///< the most candidates asked for at once (fixed: not per thread)
  std::function<void(const TuneProgress&)> progress;  ///< after every batch
  /// Asked before every batch: true stops the run at once, with what it has ("interrupted").
  std::function<bool()> interrupted;
  /// Asked for every new mapper as soon as its batch is evaluated, in order (the references
  /// too): a message stops the run as an error with that message (a --runner whose metric does
  /// not match the command's output).
  std::function<std::optional<std::string>(const Trial&)> check;
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
  /// The fastest successful mapper (see `better`: on a tie the shorter whole run, then the first).
  std::optional<Trial> best;
  std::optional<Trial> expert;  ///< absent when the space has no expert
  Trial def;                    ///< the default policy
  std::size_t evaluations = 0;  ///< distinct mappers, fresh + cached, the references included
  std::size_t references = 0;   ///< of those, the expert and the default policy (1 or 2)
  std::size_t proposals = 0;    ///< of those, the optimizer's: evaluations - references
  std::size_t fresh = 0;        ///< evaluated in this run
  std::size_t cached = 0;       ///< found in the results database
  std::size_t failed = 0;
  /// "budget", "time limit", "optimizer finished", "no new candidates", or the optimizer's reason
  /// (StopSearch: "llm: POST ...: HTTP 401 ...").
  std::string stopped;
  bool stopped_by_error = false;  ///< the optimizer could not go on (StopSearch::failed())
  bool interrupted = false;       ///< TuneOptions::interrupted said so
  /// Each improvement of the best mapper found without the expert's help (the default policy and
  /// everything the optimizer proposed): how many evaluations a search needs to reach a time,
  /// whichever point it started from. An optimizer that proposes the expert's own text reaches
  /// the expert's time at the run's evaluation count of that moment.
  std::vector<Improvement> trajectory;
};

/// Two times closer than this (relative) are a tie: the objective cannot tell them apart.
inline constexpr double kTieTolerance = 1e-6;
/// Whether a tie (`kTieTolerance`).
bool tied(double a_s, double b_s);
/// Whether evaluation `a` beats `b` (both successful): faster by more than the tie tolerance, or
/// tied and with a whole run shorter by more than the tolerance. Otherwise the one found first
/// stays the best.
bool better(const Evaluation& a, const Evaluation& b);

/// The text a Candidate::text is evaluated as: the program in canonical form without its comments
/// (as the expert is), or `text` itself when it does not parse.
std::string canonical_text(const std::string& text);

/// Runs the search. `db` may be null (nothing stored, nothing reused); `study` is its study.
TuneResult tune(const Space& space, Optimizer& optimizer, Evaluator& evaluator,
                const TuneOptions& options, ResultsDb* db = nullptr, std::int64_t study = 0);

}  // namespace mapsmith::search
