#include "report/search_view.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "app/generators.h"
#include "machine/machine_json.h"
#include "report/test_util.h"
#include "util/error.h"
#include "util/strings.h"

namespace mapsmith::report {
namespace {

TEST(FailureReason, NumbersBecomeHashesNamesStay) {
  EXPECT_EQ(failure_reason("line 12: out of memory: task task_4 (point (3,1)) needs 5.21 MiB for "
                           "region argument 0 'A' in node0/FBMEM1"),
            "out of memory: task task_4 (point (#,#)) needs # MiB for region argument # 'A' in "
            "node0/FBMEM1");
  EXPECT_EQ(failure_reason("evaluation error: x"), "evaluation error: x");
}

/// The space of one GPU task over a region in a loop, on the tiny machine (no expert).
struct TinySpace {
  machine::Machine m = sim::test::tiny();
  app::App a;
  std::optional<search::Space> space;
  TinySpace() {
    a = sim::test::empty_app();
    sim::test::add_region(a, "r", {4000});
    sim::test::add_task(a, "t", {sim::test::variant(ProcKind::GPU)}, {{"r", app::Privilege::Read}});
    app::Step loop{app::Step::Kind::Loop, 0, "s", 3, {}};
    sim::test::add_launch(a, "t", {4}, {{"r", app::Privilege::Read}}, 1e4, &loop.body);
    a.program.push_back(loop);
    dsl::Diagnostics d;
    space.emplace(search::Space::build(a, m, std::nullopt, d));
  }
  std::size_t dim(const std::string& name) const {
    for (std::size_t i = 0; i < space->dims().size(); ++i)
      if (space->dims()[i].name == name) return i;
    ADD_FAILURE() << name;
    return 0;
  }
};

TEST(Importance, EpsilonSquaredOfLogTimeByValue) {
  const TinySpace s;
  const std::size_t d = s.dim("memory t r");
  std::vector<search::Point> pts(5, s.space->default_point());
  pts[2][d] = pts[3][d] = pts[4][d] = 1;
  // Values 0: {0, 2}; 1: {4, 6} (and one failure, which the time share leaves out).
  const double nan = std::nan("");
  const std::vector<Importance> imp = importance(*s.space, pts, {0, 2, 4, 6, nan});
  ASSERT_EQ(imp.size(), 1u);  // the other dimensions took one value
  EXPECT_EQ(imp[0].name, "memory t r");
  EXPECT_EQ(imp[0].values, 2u);
  // SS_total 20, SS_between 16, MS_within 4/2: (16 - 2) / (20 + 2).
  EXPECT_DOUBLE_EQ(imp[0].time_share, 14.0 / 22.0);
  // Failing: groups {0, 0} and {0, 0, 1}: less than chance, clipped to 0.
  EXPECT_EQ(imp[0].failure_share, 0);
  EXPECT_EQ(imp[0].best_value, "keep");
  EXPECT_DOUBLE_EQ(imp[0].added_share, 14.0 / 22.0);  // the first step: the same
}

TEST(Importance, AConfoundedDimensionAddsNothing) {
  const TinySpace s;
  const std::size_t d1 = s.dim("memory t r"), d2 = s.dim("layout t");
  std::vector<search::Point> pts(4, s.space->default_point());
  pts[2][d1] = pts[3][d1] = pts[2][d2] = pts[3][d2] = 1;  // the two always change together
  const std::vector<Importance> imp = importance(*s.space, pts, {0, 2, 4, 6});
  ASSERT_EQ(imp.size(), 2u);
  EXPECT_EQ(imp[0].name, "memory t r");  // the first of equals
  EXPECT_DOUBLE_EQ(imp[0].added_share, 14.0 / 22.0);
  EXPECT_EQ(imp[1].name, "layout t");
  EXPECT_DOUBLE_EQ(imp[1].time_share, 14.0 / 22.0);  // alone, as much
  EXPECT_EQ(imp[1].added_share, 0);                  // but nothing beyond the first
}

TEST(PointDecoder, EveryRenderedPointDecodesToOneThatRendersTheSame) {
  const machine::Machine m = machine::load_machine("sapling-2");
  const app::App a = app::load_app("circuit", m);
  dsl::Diagnostics d;
  const std::string expert = read_file(MAPSMITH_SOURCE_DIR "/examples/circuit/expert.mapping");
  const search::Space space = search::Space::build(a, m, expert, d);
  ASSERT_TRUE(space.has_expert());
  const PointDecoder decoder(space, a);
  search::Rng rng(7);
  for (int i = 0; i < 300; ++i) {
    search::Point p = space.random_point(rng);
    if (i % 3 == 0)  // points near the expert, as the optimizers make them
      for (std::size_t k = 1; k < p.size(); ++k)
        if (rng.below(4) != 0) p[k] = 0;
    const std::string text = space.render(p);
    const auto q = decoder.decode(text);
    ASSERT_TRUE(q.has_value()) << text;
    EXPECT_EQ(space.render(*q), text);
  }
  EXPECT_EQ(decoder.decode(space.render(space.expert_point())), space.expert_point());
  EXPECT_EQ(decoder.decode(""), space.default_point());
  EXPECT_EQ(decoder.decode("Task * CPU;\n"), std::nullopt);  // a program of its own
}

/// A fresh database file, removed afterwards.
class StudyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "report_study_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir = tmpl;
    path = dir + "/r.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string dir, path;
};

search::Evaluation ran(double t) {
  search::Evaluation e;
  e.ok = true;
  e.time_s = t;
  e.run_time_s = 10 * t;
  return e;
}
search::Evaluation failed(std::string why) {
  search::Evaluation e;
  e.failure = std::move(why);
  return e;
}

search::StudyKey key(const std::string& app) {
  return search::StudyKey{app, "p=4", "sapling", "simulator",
                          search::fingerprint({app, "sapling", "simulator"})};
}

TEST_F(StudyTest, CurvesStepsAndFailuresFromTheDatabase) {
  {
    search::ResultsDb db(path);
    const std::int64_t s = db.study(key("circuit"));
    const std::int64_t r1 = db.begin_run(s, {"ensemble", 0, 5, "expert"});
    db.record(s, "expert", ran(0.011), r1, 1, "expert");
    db.record(s, "", ran(0.0103), r1, 2, "default");
    db.record(s, "a", failed("line 3: out of memory: needs 12 bytes"), r1, 3, "random");
    db.record(s, "b", ran(0.012), r1, 4, "random");
    db.record(s, "c", ran(0.009), r1, 5, "greedy-mutation");
    db.end_run(r1, 5, 5, 5);
    const std::int64_t r2 = db.begin_run(s, {"llm", 1, 3, "expert"});
    db.record_step(r2, {1, "no-mapper", "no code block", 0, 10, 10, 0});
    db.record(s, "d", failed("line 9: out of memory: needs 40 bytes"), r2, 3, "llm");
    db.record_step(r2, {2, "ok", "variant", 0, 10, 10, 3});
    db.end_run(r2, 3, 1, std::nullopt);
  }
  const StudyData st = load_study(path, std::nullopt);
  EXPECT_EQ(st.study.key.app, "circuit");
  ASSERT_EQ(st.runs.size(), 2u);
  ASSERT_EQ(st.evals.size(), 6u);
  ASSERT_NE(st.best(), nullptr);
  EXPECT_EQ(st.texts[st.best()->text], "c");
  EXPECT_EQ(st.texts[st.by_origin("expert")->text], "expert");

  const SearchView v = search_view(st, nullptr, nullptr);
  EXPECT_EQ(v.expert_s, 0.011);
  EXPECT_EQ(v.default_s, 0.0103);
  ASSERT_EQ(v.runs.size(), 2u);
  EXPECT_EQ(v.runs[0].best,
            (std::vector<std::pair<double, double>>{{1, 0.011}, {2, 0.0103}, {5, 0.009}}));
  EXPECT_EQ(v.runs[0].samples.size(), 4u);
  EXPECT_EQ(v.runs[0].stored, 5u);
  EXPECT_EQ(v.runs[0].failed, 1u);
  EXPECT_TRUE(v.runs[1].best.empty());
  ASSERT_EQ(v.runs[1].steps.size(), 2u);
  EXPECT_EQ(v.runs[1].steps[0].x, 0.5);  // no mapper: just after the previous one
  EXPECT_EQ(v.runs[1].steps[0].status, "no-mapper");
  EXPECT_EQ(v.runs[1].steps[1].x, 3);
  EXPECT_EQ(v.failed, 2u);
  ASSERT_EQ(v.failures.size(), 1u);
  EXPECT_EQ(v.failures[0].reason, "out of memory: needs # bytes");
  EXPECT_EQ(v.failures[0].count, 2u);
  EXPECT_EQ(v.failures[0].example, "line 3: out of memory: needs 12 bytes");
  EXPECT_EQ(v.decoded, 0u);  // no space: no importance
}

TEST_F(StudyTest, ClearErrorsForWhatIsNotAStudy) {
  const auto message = [&](std::optional<std::int64_t> id) {
    try {
      load_study(path, id);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(std::nullopt), path + ": cannot read the results database: no such file");
  std::ofstream(path) << "hello, this is not a database, just some text to fill a page..........";
  EXPECT_EQ(message(std::nullopt),
            path + ": cannot read the results database: file is not a database");
  std::filesystem::remove(path);
  {
    search::ResultsDb db(path);
    db.study(key("circuit"));
    db.study(key("stencil"));
  }
  EXPECT_EQ(message(std::nullopt), path +
                                       ": 2 studies; choose one with --study ID:\n"
                                       "  study 1: circuit on sapling (0 evaluations)\n"
                                       "  study 2: stencil on sapling (0 evaluations)");
  EXPECT_EQ(message(7), path +
                            ": no study 7; the studies are:\n"
                            "  study 1: circuit on sapling (0 evaluations)\n"
                            "  study 2: stencil on sapling (0 evaluations)");
  EXPECT_EQ(load_study(path, 2).study.key.app, "stencil");

  // A version this mapsmith does not read: newer, or not a version at all.
  const auto set_version = [&](const char* v) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    const std::string sql =
        std::string("UPDATE meta SET value = '") + v + "' WHERE key = 'version'";
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  };
  set_version("4");
  EXPECT_EQ(message(std::nullopt),
            path + ": results database version 4 is newer than this mapsmith reads (1 to 3)");
  set_version("2b");
  EXPECT_EQ(message(std::nullopt),
            path + ": results database version '2b' is not one this mapsmith reads (1 to 3)");
}

}  // namespace
}  // namespace mapsmith::report
