#include "cli/progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>

#include "sim/sim.h"

namespace mapsmith::cli {

namespace {

/// "under a second", "42 s", "3 min 20 s", "2 h 05 min".
std::string left_text(double s) {
  if (s < 1) return "under a second";
  const auto t = static_cast<long long>(s + 0.5);
  if (t < 60) return fmt::format("{} s", t);
  if (t < 3600) return fmt::format("{} min {:02} s", t / 60, t % 60);
  return fmt::format("{} h {:02} min", t / 3600, t / 60 % 60);
}

}  // namespace

std::string progress_text(const search::TuneProgress& p, double elapsed_s, double time_limit_s) {
  std::string s = fmt::format("{}/{}", p.evaluations, p.budget);
  if (p.budget) s += fmt::format(" ({}%)", 100 * p.evaluations / p.budget);
  if (elapsed_s > 0 && p.evaluations > 0) {
    const double rate = static_cast<double>(p.evaluations) / elapsed_s;
    s += rate >= 10 ? fmt::format(", {:.0f}/s", rate) : fmt::format(", {:.2g}/s", rate);
    double left =
        p.budget > p.evaluations ? static_cast<double>(p.budget - p.evaluations) / rate : 0.0;
    if (time_limit_s > 0) left = std::min(left, std::max(0.0, time_limit_s - elapsed_s));
    if (left > 0) s += fmt::format(", {} left", left_text(left));
  }
  if (p.best_s) s += fmt::format(", best {}", sim::time_text(*p.best_s));
  if (p.best_s && p.expert_s && *p.best_s > 0)
    s += fmt::format(" ({:.3f}x vs expert)", *p.expert_s / *p.best_s);
  return s;
}

ProgressReporter::ProgressReporter(std::ostream& err, bool terminal, std::size_t every,
                                   double time_limit_s, Clock clock)
    : err_(err),
      terminal_(terminal),
      every_(every),
      time_limit_s_(time_limit_s),
      clock_(std::move(clock)),
      start_(clock_()) {}

void ProgressReporter::operator()(const search::TuneProgress& p) {
  const auto now = clock_();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const bool done = p.evaluations >= p.budget;
  if (!terminal_) {
    // A line when the evaluations pass a multiple of `every`, and one at the end.
    const bool due = every_ > 0 && p.evaluations / every_ > printed_ / every_;
    const std::string line = "tune: " + progress_text(p, elapsed, time_limit_s_) + "\n";
    if ((!due && !done) || (done && shown_ && printed_ == p.evaluations)) {
      pending_ = printed_ == p.evaluations ? std::string() : line;
      return;
    }
    err_ << line << std::flush;
    printed_ = p.evaluations;
    pending_.clear();
    shown_ = true;
    return;
  }
  // At most ten redraws a second, and always the last one.
  if (shown_ && !done && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  constexpr int kWidth = 24;
  const double frac = p.budget ? std::min(1.0, double(p.evaluations) / double(p.budget)) : 1.0;
  const int full = static_cast<int>(frac * kWidth);
  err_ << fmt::format("\r[{}{}] {}", std::string(full, '#'), std::string(kWidth - full, ' '),
                      progress_text(p, elapsed, time_limit_s_))
       << "\033[K" << std::flush;
  shown_ = true;
}

void ProgressReporter::clear() {
  if (terminal_ && shown_) err_ << "\r\033[K" << std::flush;
  if (!terminal_ && !pending_.empty()) err_ << pending_ << std::flush;
  pending_.clear();
}

}  // namespace mapsmith::cli
