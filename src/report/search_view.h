#pragma once
/// The search, as the report shows it: per run (optimizer and seed) the best time so far against
/// the evaluation number, the LLM's steps on it with their status; the failed candidates grouped
/// by why; and which dimensions of the classical space mattered most.
///
/// **Importance.** The stored mappers are texts; `PointDecoder` finds the point of the space each
/// text renders from (a text the space cannot render — an LLM's program — has none). Over the
/// decoded points, the importance of a dimension is the share of the variance of log(time) that
/// its value alone explains: epsilon-squared, (SS_between - (k-1) MS_within) / (SS_total +
/// MS_within), the bias-corrected correlation ratio of a one-way analysis of variance — the
/// first-order (main-effect) term of an fANOVA decomposition, computed over the evaluated points
/// rather than over a fitted model. The same is computed for failing (0/1). The optimizers do not
/// sample uniformly, so dimensions are confounded (a mapper that moves the main task to the CPUs
/// is slow whatever its memories): a forward selection also says what each dimension explains
/// beyond the ones above it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/app.h"
#include "report/study.h"
#include "search/space.h"

namespace mapsmith::report {

/// Maps canonical texts back to points of a space.
class PointDecoder {
 public:
  /// `app` is the application the space was built for.
  PointDecoder(const search::Space& space, const app::App& app);
  ~PointDecoder();
  /// The point `text` renders from (equivalent values decode to the smallest), or nullopt.
  std::optional<search::Point> decode(const std::string& text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct Importance {
  std::size_t dim = 0;
  std::string name;
  double time_share = 0;  ///< epsilon-squared of log(time) over the points that ran
  /// What it explains beyond the dimensions before it in the forward selection (0: not taken).
  double added_share = 0;
  double failure_share = 0;  ///< epsilon-squared of failing, over every decoded point
  std::size_t values = 0;    ///< distinct values evaluated
  std::string best_value;    ///< the value with the lowest mean log(time)
};

/// Importance of every dimension with at least two values evaluated. First the dimensions of a
/// forward selection — at each step the one whose values explain most of the variance the steps
/// before left (its group means are then removed) — then the others by their share alone, then by
/// failure share, then in dimension order. `log_times[i]` is NaN for a failure.
std::vector<Importance> importance(const search::Space& space,
                                   const std::vector<search::Point>& points,
                                   const std::vector<double>& log_times);

struct StepMark {
  double x = 0;  ///< on the evaluation axis: its mapper's number, or just after the previous one
  std::int64_t step = 0;
  std::string status;
  std::string detail;
};

struct RunCurve {
  search::RunRow run;
  std::vector<std::pair<double, double>> best;     ///< (number, best so far) at each improvement
  std::vector<std::pair<double, double>> samples;  ///< (number, time) of mappers that ran
  std::size_t stored = 0;                          ///< evaluations stored by the run
  std::size_t failed = 0;
  std::size_t sampled_out = 0;  ///< samples left out beyond the limit
  std::vector<StepMark> steps;
};

struct FailureGroup {
  std::string reason;  ///< the failure with its numbers replaced by '#'
  std::size_t count = 0;
  std::string example;  ///< the first such failure, whole
  std::int64_t run = 0;
  std::int64_t number = 0;
};

struct SearchView {
  std::vector<RunCurve> runs;
  std::vector<FailureGroup> failures;  ///< most common first
  std::size_t failed = 0;
  std::vector<Importance> importance;
  std::size_t decoded = 0;  ///< evaluations whose text is a point of the space
  std::optional<double> expert_s;
  std::optional<double> default_s;
};

struct SearchLimits {
  std::size_t max_samples = 6000;  ///< scatter points over all runs
  std::size_t max_failure_groups = 25;
};

/// `space` and `app` may be null (the study's app or machine could not be rebuilt): no importance
/// then.
SearchView search_view(const StudyData& study, const search::Space* space, const app::App* app,
                       const SearchLimits& limits = {});

/// "line 12: out of memory: task t (point (3)) needs 512 bytes" -> "out of memory: task t (point
/// (#)) needs # bytes".
std::string failure_reason(const std::string& failure);

}  // namespace mapsmith::report
