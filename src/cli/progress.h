#pragma once
/// The progress of `mapsmith tune`, on standard error. On a terminal: one line redrawn in place
/// (at most ten times a second) with a bar, the evaluations, their rate, the time left, the best
/// time so far and its gain over the expert. Elsewhere (a CI log, a file): one plain line every N
/// evaluations, and one at the end.
#include <chrono>
#include <cstddef>
#include <functional>
#include <iosfwd>
#include <string>

#include "search/tune.h"

namespace mapsmith::cli {

/// "300/1000 (30%), 152/s, about 4.6 s left, best 10.3 ms (1.078x vs expert)". `elapsed_s` is the
/// time since the search started; `time_limit_s` (0: none) caps the time left.
std::string progress_text(const search::TuneProgress& p, double elapsed_s, double time_limit_s);

class ProgressReporter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  /// `terminal`: redraw one line; else a line each time the evaluations pass a multiple of
  /// `every` (0: none but the last).
  ProgressReporter(std::ostream& err, bool terminal, std::size_t every, double time_limit_s,
                   Clock clock = &std::chrono::steady_clock::now);
  void operator()(const search::TuneProgress& p);
  /// Erases the terminal line; in a plain log, prints the last progress if it was not (a run
  /// that stopped before its budget).
  void clear();

 private:
  std::ostream& err_;
  bool terminal_;
  std::size_t every_;
  double time_limit_s_;
  Clock clock_;
  std::chrono::steady_clock::time_point start_, last_;
  bool shown_ = false;
  std::size_t printed_ = 0;  ///< plain lines: the evaluations of the last line printed
  std::string pending_;      ///< plain lines: the last progress, when not printed
};

}  // namespace mapsmith::cli
