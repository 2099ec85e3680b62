#include "importer/validate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "importer/synthetic.h"
#include "importer/test_util.h"
#include "machine/machine.h"
#include "mapping/decide.h"

namespace mapsmith::importer {
namespace {

TEST(Validate, KendallTau) {
  EXPECT_DOUBLE_EQ(kendall_tau({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
  EXPECT_DOUBLE_EQ(kendall_tau({1, 2, 3, 4}, {40, 30, 20, 10}), -1.0);
  // 6 pairs: (1,2)+ (1,3)+ (1,4)+ (2,3)- (2,4)+ (3,4)+ : (5 - 1) / 6.
  EXPECT_DOUBLE_EQ(kendall_tau({1, 2, 3, 4}, {1, 3, 2, 4}), 4.0 / 6.0);
  // tau-b with a tie in b: pairs (1,2) tie; others concordant: 5 / sqrt(6 * 5).
  EXPECT_DOUBLE_EQ(kendall_tau({1, 2, 3, 4}, {1, 1, 2, 3}), 5.0 / std::sqrt(30.0));
  EXPECT_DOUBLE_EQ(kendall_tau({1}, {2}), 0.0);
}

TEST(Validate, MedianRelativeError) {
  EXPECT_DOUBLE_EQ(median_relative_error({1, 2, 4}, {1.25, 2, 2}), 0.25);
  EXPECT_DOUBLE_EQ(median_relative_error({1, 1, 1, 1}, {1, 1.2, 0.6, 2}), 0.3);
  EXPECT_DOUBLE_EQ(median_relative_error({}, {}), 0.0);
}

TEST(Validate, CompareRowsErrorsAndVerdicts) {
  Measurement m, p;
  m.time_s = 1.0;
  m.iteration_time_s = 0.1;
  m.iterations = 10;
  m.tasks = {{"a", 4, 0, 0.4}, {"b", 2, 0, 0.2}};
  m.channels = {{"SYSMEM->SYSMEM", 3, 300, 0.003}};
  p.time_s = 1.1;
  p.iteration_time_s = 0.11;
  p.tasks = {{"a", 4, 0, 0.44}, {"b", 2, 0, 0.1}};
  p.channels = {{"SYSMEM->RDMEM", 1, 100, 0.001}};
  const Validation v = compare(m, p);
  ASSERT_EQ(v.tasks.size(), 2u);
  EXPECT_EQ(v.tasks[1].name, "b");
  EXPECT_DOUBLE_EQ(v.tasks[1].predicted.seconds, 0.1);
  ASSERT_EQ(v.channels.size(), 2u);
  EXPECT_EQ(v.channels[0].name, "SYSMEM->RDMEM");
  EXPECT_EQ(v.channels[0].measured.count, 0u);
  EXPECT_EQ(v.channels[0].predicted.count, 1u);
  EXPECT_EQ(v.channels[1].measured.bytes, 300u);
  EXPECT_NEAR(v.time_error, 0.1, 1e-12);
  EXPECT_NEAR(v.iteration_error, 0.1, 1e-12);
  EXPECT_TRUE(v.counts_match);
  EXPECT_EQ(v.verdict, Verdict::Good);
  EXPECT_EQ(v.reason, "the predicted time per iteration is 10.0% above the measured one");

  m.placements = {{"a", 0, "SYSMEM"}, {"a", 1, "RDMEM"}, {"b", 0, "SYSMEM"}};
  p.placements = {{"a", 0, "SYSMEM"}, {"a", 1, "SYSMEM"}};
  const Validation placed = compare(m, p);
  ASSERT_EQ(placed.placements.size(), 1u);
  EXPECT_EQ(placed.placements[0].task, "a");
  EXPECT_EQ(placed.placements[0].arg, 1u);
  EXPECT_EQ(placed.placements[0].measured, "RDMEM");
  EXPECT_EQ(placed.placements[0].predicted, "SYSMEM");

  p.iteration_time_s = 0.06;
  p.tasks[1].count = 1;
  const Validation w = compare(m, p);
  EXPECT_FALSE(w.counts_match);
  EXPECT_EQ(w.verdict, Verdict::Fair);
  EXPECT_EQ(w.reason,
            "the predicted time per iteration is 40.0% below the measured one; the model does "
            "not run every task as often as the run did");
  p.iteration_time_s = 0.2;
  EXPECT_EQ(compare(m, p).verdict, Verdict::Poor);
}

TEST(Validate, TheImportedHaloRunPredictsItsOwnTasks) {
  const std::string dir = test::temp_dir("halo");
  std::string spy, prof;
  synthetic::write_run(
      {}, [&](const std::string& s) { spy += s; }, [&](const std::string& s) { prof += s; });
  test::write_text(dir + "/spy_0.log", spy);
  test::write_gz(dir + "/prof_0.gz", prof);
  const Imported im = import_run(read_spy({dir + "/spy_0.log"}), read_prof({dir + "/prof_0.gz"}));
  const machine::Machine m = machine::Machine::seal(im.machine);
  dsl::Diagnostics diags;
  const auto mapping = mapping::decide(im.app, m, nullptr, nullptr, diags);
  ASSERT_TRUE(mapping);
  sim::Outcome outcome;
  const Measurement p = predict(im.app, m, *mapping, {}, outcome);
  ASSERT_TRUE(outcome.ok);
  const Validation v = compare(im.measured, p);
  // Every task kind runs as often in the model, and each body takes its measured mean (the
  // roofline's bytes term is smaller at 10 GB/s: a 256-cell piece is 2 KiB).
  EXPECT_TRUE(v.counts_match);
  ASSERT_EQ(v.tasks.size(), 4u);
  for (const Row& r : v.tasks)
    EXPECT_NEAR(r.predicted.seconds, r.measured.seconds, 1e-12) << r.name;
  // The run placed every argument in system memory, as the default policy does.
  EXPECT_EQ(im.measured.placements, (std::vector<Placement>{{"check", 0, "SYSMEM"},
                                                            {"init", 0, "SYSMEM"},
                                                            {"stencil", 0, "SYSMEM"},
                                                            {"stencil", 1, "SYSMEM"},
                                                            {"update", 0, "SYSMEM"}}));
  EXPECT_EQ(p.placements, im.measured.placements);
  EXPECT_TRUE(v.placements.empty());
  // No copies in the model (one memory), three in the run.
  ASSERT_EQ(v.channels.size(), 1u);
  EXPECT_EQ(v.channels[0].predicted.count, 0u);
  EXPECT_EQ(v.channels[0].measured.count, 3u);
}

}  // namespace
}  // namespace mapsmith::importer
