#include "cli/progress.h"

#include <gtest/gtest.h>

#include <sstream>

namespace mapsmith::cli {
namespace {

using std::chrono::milliseconds;
using TimePoint = std::chrono::steady_clock::time_point;

search::TuneProgress at(std::size_t evaluations, std::size_t budget) {
  search::TuneProgress p;
  p.evaluations = evaluations;
  p.budget = budget;
  p.fresh = evaluations;
  p.best_s = 0.0103;
  p.expert_s = 0.0111;
  return p;
}

TEST(ProgressText, RateTimeLeftBestAndGain) {
  // 300 in 2 s: 150/s; 700 left take 4.67 s.
  EXPECT_EQ(progress_text(at(300, 1000), 2.0, 0),
            "300/1000 (30%), 150/s, 5 s left, best 10.3 ms (1.078x vs expert)");
  EXPECT_EQ(progress_text(at(30, 100000), 20.0, 0),
            "30/100000 (0%), 1.5/s, 18 h 30 min left, best 10.3 ms (1.078x vs expert)");
  EXPECT_EQ(progress_text(at(1000, 1000), 2.0, 0),
            "1000/1000 (100%), 500/s, best 10.3 ms (1.078x vs expert)");
}

TEST(ProgressText, TheTimeLimitCapsTheTimeLeft) {
  EXPECT_EQ(progress_text(at(300, 1000), 2.0, 3.0),
            "300/1000 (30%), 150/s, 1 s left, best 10.3 ms (1.078x vs expert)");
  EXPECT_EQ(progress_text(at(300, 1000), 200.0, 500.0),
            "300/1000 (30%), 1.5/s, 5 min 00 s left, best 10.3 ms (1.078x vs expert)");
}

TEST(ProgressText, NothingKnownYet) {
  search::TuneProgress p;
  p.budget = 50;
  EXPECT_EQ(progress_text(p, 0.0, 0), "0/50 (0%)");
}

/// A clock that advances 1 s per call after the first.
ProgressReporter::Clock ticking() {
  auto t = std::make_shared<TimePoint>();
  return [t] {
    const TimePoint now = *t;
    *t += milliseconds(1000);
    return now;
  };
}

TEST(ProgressReporter, APlainLineEachTimeTheEvaluationsPassAMultipleOfN) {
  std::ostringstream err;
  ProgressReporter r(err, false, 100, 0, ticking());
  for (std::size_t n : {32, 64, 96, 128, 160, 192, 224, 256, 288, 300})
    r(at(n, 300));
  r.clear();
  EXPECT_EQ(err.str(),
            "tune: 128/300 (42%), 32/s, 5 s left, best 10.3 ms (1.078x vs expert)\n"
            "tune: 224/300 (74%), 32/s, 2 s left, best 10.3 ms (1.078x vs expert)\n"
            "tune: 300/300 (100%), 30/s, best 10.3 ms (1.078x vs expert)\n");
}

TEST(ProgressReporter, ARunThatStopsEarlyStillEndsWithItsLastProgress) {
  std::ostringstream err;
  ProgressReporter r(err, false, 100, 0, ticking());
  r(at(32, 500));
  r(at(64, 500));
  EXPECT_EQ(err.str(), "");
  r.clear();
  EXPECT_EQ(err.str(), "tune: 64/500 (12%), 32/s, 14 s left, best 10.3 ms (1.078x vs expert)\n");
}

TEST(ProgressReporter, EveryZeroPrintsOnlyTheLast) {
  std::ostringstream err;
  ProgressReporter r(err, false, 0, 0, ticking());
  for (std::size_t n : {100, 200, 300})
    r(at(n, 300));
  r.clear();
  EXPECT_EQ(err.str(), "tune: 300/300 (100%), 100/s, best 10.3 ms (1.078x vs expert)\n");
}

TEST(ProgressReporter, OnATerminalOneLineIsRedrawnThenErased) {
  std::ostringstream err;
  ProgressReporter r(err, true, 100, 0, ticking());
  r(at(150, 300));
  r(at(300, 300));
  r.clear();
  EXPECT_EQ(err.str(),
            "\r[############            ] 150/300 (50%), 150/s, 1 s left, best 10.3 ms (1.078x vs "
            "expert)\033[K"
            "\r[########################] 300/300 (100%), 150/s, best 10.3 ms (1.078x vs "
            "expert)\033[K"
            "\r\033[K");
}

}  // namespace
}  // namespace mapsmith::cli
