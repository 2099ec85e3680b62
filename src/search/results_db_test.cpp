#include "search/results_db.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "util/error.h"

namespace mapsmith::search {
namespace {

/// A fresh directory for database files, removed afterwards.
class ResultsDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "results_db_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string dir;
};

StudyKey key(std::string evaluator = "simulator") {
  return StudyKey{"circuit", "p=4", "sapling", evaluator,
                  fingerprint({"app", "machine", evaluator})};
}

Evaluation ok(double t) {
  Evaluation e;
  e.ok = true;
  e.time_s = t;
  e.run_time_s = 10 * t;
  e.seconds = 0.001;
  return e;
}

TEST(Fingerprint, IsPinnedAndSeparatesParts) {
  EXPECT_EQ(fingerprint({}), "cbf29ce484222325");
  EXPECT_EQ(fingerprint({"a"}), fingerprint({"a"}));
  EXPECT_NE(fingerprint({"ab", "c"}), fingerprint({"a", "bc"}));
  EXPECT_EQ(fingerprint({"x"}).size(), 16u);
}

TEST_F(ResultsDbTest, StoresLooksUpAndRanks) {
  ResultsDb db(dir + "/r.db");
  const std::int64_t s = db.study(key());
  EXPECT_EQ(db.study(key()), s);
  EXPECT_NE(db.study(key("other")), s);
  const std::int64_t run = db.begin_run(s, RunInfo{"random", 7, 100, "expert"});
  EXPECT_FALSE(db.lookup(s, "Task * GPU;\n"));
  db.record(s, "Task * GPU;\n", ok(2.0), run, 1, "expert");
  db.record(s, "Task * CPU;\n", ok(1.0), run, 2, "random");
  Evaluation bad;
  bad.failure = "line 1: out of memory";
  bad.feedback = "x.mapping:1:1: error: out of memory\n";
  db.record(s, "Layout * * * AOS;\n", bad, run, 3, "random");
  // A repeat is ignored: the first result stays.
  db.record(s, "Task * GPU;\n", ok(5.0), run, 4, "random");
  db.end_run(run, 4, 3, 2);

  const auto got = db.lookup(s, "Task * GPU;\n");
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->ok);
  EXPECT_EQ(got->time_s, 2.0);
  EXPECT_EQ(got->run_time_s, 20.0);
  const auto failed = db.lookup(s, "Layout * * * AOS;\n");
  ASSERT_TRUE(failed);
  EXPECT_FALSE(failed->ok);
  EXPECT_EQ(failed->failure, "line 1: out of memory");
  EXPECT_EQ(failed->feedback, "x.mapping:1:1: error: out of memory\n");
  // Another study does not see these results.
  EXPECT_FALSE(db.lookup(db.study(key("other")), "Task * GPU;\n"));

  const auto top = db.top(s, 10);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].mapper, "Task * CPU;\n");
  EXPECT_EQ(top[0].number, 2);
  EXPECT_EQ(top[0].origin, "random");
  EXPECT_EQ(top[0].run, run);
  EXPECT_EQ(top[1].mapper, "Task * GPU;\n");
  EXPECT_EQ(db.count(s), 3);
  const auto studies = db.studies();
  ASSERT_EQ(studies.size(), 2u);
  EXPECT_EQ(studies[0].key.app, "circuit");
  EXPECT_EQ(studies[0].evaluations, 3);
  EXPECT_EQ(studies[0].ok, 2);
}

TEST_F(ResultsDbTest, ResultsSurviveReopeningAndTextIsStoredOnce) {
  {
    ResultsDb db(dir + "/r.db");
    const std::int64_t a = db.study(key("a")), b = db.study(key("b"));
    db.record(a, "Task * GPU;\n", ok(1.0), 0, 1, "x");
    db.record(b, "Task * GPU;\n", ok(3.0), 0, 1, "x");
  }
  ResultsDb db(dir + "/r.db");
  const std::int64_t a = db.study(key("a")), b = db.study(key("b"));
  EXPECT_EQ(db.lookup(a, "Task * GPU;\n")->time_s, 1.0);
  EXPECT_EQ(db.lookup(b, "Task * GPU;\n")->time_s, 3.0);
  EXPECT_TRUE(std::filesystem::exists(dir + "/r.db-wal") || std::filesystem::exists(dir + "/r.db"));
}

TEST_F(ResultsDbTest, KeepsTheFindingsOfAMapperThatRanAndTheStepsOfARun) {
  ResultsDb db(dir + "/r.db");
  const std::int64_t s = db.study(key());
  const std::int64_t run = db.begin_run(s, RunInfo{"llm (scripted)", 0, 10, "expert"});
  Evaluation e = ok(1.0);
  e.feedback = "critical_path: The critical path is 99% compute.\n";
  db.record(s, "Task * GPU;\n", e, run, 1, "expert");
  EXPECT_EQ(db.lookup(s, "Task * GPU;\n")->feedback, e.feedback);
  const StepRecord a{1, "no-mapper", "the reply is empty", 0, 100, 0, 0};
  const StepRecord b{2, "ok", "GPUs first", 1, 250, 40, 3};
  db.record_step(run, a);
  db.record_step(run, b);
  EXPECT_EQ(db.steps(run), (std::vector<StepRecord>{a, b}));
  EXPECT_TRUE(db.steps(run + 1).empty());
  StepRecord bad = a;
  bad.status = "exploded";  // the schema keeps the statuses to the four known ones
  EXPECT_THROW(db.record_step(run, bad), InputError);
}

TEST_F(ResultsDbTest, ListsTheRunsOfAStudyFinishedOrNot) {
  ResultsDb db(dir + "/r.db");
  const std::int64_t s = db.study(key()), other = db.study(key("other"));
  const std::int64_t one = db.begin_run(s, RunInfo{"ensemble", 3, 100, "default"});
  db.end_run(one, 100, 60, 42);
  const std::int64_t two = db.begin_run(s, RunInfo{"llm gpt", 0, 10, "expert"});
  db.record_step(two, StepRecord{1, "ok", "", 0, 10, 5, 3});
  db.record_step(two, StepRecord{2, "no-mapper", "prose", 0, 10, 5, 0});
  db.begin_run(other, RunInfo{"random", 0, 5, "expert"});
  const std::vector<RunRow> runs = db.runs(s);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].id, one);
  EXPECT_EQ(runs[0].study, s);
  EXPECT_EQ(runs[0].info.optimizer, "ensemble");
  EXPECT_EQ(runs[0].info.seed, 3u);
  EXPECT_EQ(runs[0].info.budget, 100);
  EXPECT_EQ(runs[0].info.start, "default");
  EXPECT_TRUE(runs[0].finished_at);
  EXPECT_EQ(runs[0].evaluations, 100);
  EXPECT_EQ(runs[0].fresh, 60);
  EXPECT_EQ(runs[0].best_number, 42);
  EXPECT_EQ(runs[0].steps, 0);
  EXPECT_EQ(runs[1].id, two);
  EXPECT_FALSE(runs[1].finished_at);  // never ended: killed
  EXPECT_EQ(runs[1].evaluations, 0);
  EXPECT_FALSE(runs[1].best_number);
  EXPECT_EQ(runs[1].steps, 2);
  EXPECT_EQ(runs[1].failed_steps, 1);
  EXPECT_EQ(runs[0].started_at.size(), 24u);  // 2026-11-26T12:00:00.000Z
  EXPECT_TRUE(db.runs(s + 100).empty());
}

/// Runs one SQL statement on a database file.
void exec(const std::string& path, const char* sql) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &h), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(h, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(h);
  sqlite3_close(h);
}

TEST_F(ResultsDbTest, AVersionOneDatabaseIsUpgradedAndANewerOneRefused) {
  const std::string path = dir + "/r.db";
  {
    ResultsDb db(path);
    db.record(db.study(key()), "Task * GPU;\n", ok(2.0), 0, 1, "expert");
  }
  // What version 1 had: no llm_steps, version '1'.
  exec(path, "DROP TABLE llm_steps; UPDATE meta SET value = '1' WHERE key = 'version'");
  {
    ResultsDb db(path);
    const std::int64_t s = db.study(key());
    EXPECT_EQ(db.lookup(s, "Task * GPU;\n")->time_s, 2.0);
    const std::int64_t run = db.begin_run(s, RunInfo{"llm", 0, 10, "expert"});
    db.record_step(run, StepRecord{1, "ok", "", 0, 1, 1, 1});
    EXPECT_EQ(db.steps(run).size(), 1u);
  }
  exec(path, "UPDATE meta SET value = '4' WHERE key = 'version'");
  try {
    ResultsDb db(path);
    FAIL() << "a newer database was opened";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              path + ": the results database has version 4, newer than this mapsmith reads (3)");
  }
}

TEST_F(ResultsDbTest, AVersionTwoDatabaseGainsConfirmations) {
  const std::string path = dir + "/r.db";
  {
    ResultsDb db(path);
    db.record(db.study(key()), "Task * GPU;\n", ok(2.0), 0, 1, "expert");
  }
  // What version 2 had: no confirmations, version '2'.
  exec(path, "DROP TABLE confirmations; UPDATE meta SET value = '2' WHERE key = 'version'");
  ResultsDb db(path);
  const std::int64_t s = db.study(key());
  const std::int64_t run = db.begin_run(s, RunInfo{"random", 0, 10, "expert"});
  Confirmation a{run, "Task * GPU;\n", 2.0, true, 2.5, "", 3, "./app -mapping {mapper}"};
  Confirmation b{run, "Task * CPU;\n", 3.0, false, 0, "exit status 1", 1, "./app"};
  db.record_confirmation(s, a);
  db.record_confirmation(s, b);
  EXPECT_EQ(db.confirmations(s), (std::vector<Confirmation>{a, b}));
  EXPECT_TRUE(db.confirmations(db.study(key("other"))).empty());
  // The mapper text is shared with the evaluations.
  EXPECT_EQ(db.lookup(s, "Task * GPU;\n")->time_s, 2.0);
}

TEST_F(ResultsDbTest, RefusesAFileThatIsNotAResultsDatabase) {
  {
    std::ofstream f(dir + "/junk.db");
    f << "this is not SQLite, just text that is long enough to have a header......\n";
  }
  EXPECT_THROW(ResultsDb(dir + "/junk.db"), InputError);
  EXPECT_THROW(ResultsDb(dir + "/no/such/dir/r.db"), InputError);
}

TEST(ResultsDbMemory, WorksInMemory) {
  ResultsDb db(":memory:");
  const std::int64_t s = db.study(key());
  db.record(s, "", ok(1.0), 0, 1, "default");
  EXPECT_TRUE(db.lookup(s, "")->ok);
}

}  // namespace
}  // namespace mapsmith::search

namespace mapsmith::search {
namespace {

// ---- issue 15 item 7: a foreign SQLite file is never touched; reading needs no write access ----

/// The bytes of a file.
std::string bytes_of(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

TEST_F(ResultsDbTest, Item7AnotherProgramsDatabaseIsRefusedAndLeftAsItWas) {
  const std::string path = dir + "/app.sqlite";
  exec(path,
       "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT); "
       "INSERT INTO users(name) VALUES ('ada')");
  const std::string before = bytes_of(path);
  for (DbAccess access : {DbAccess::ReadWrite, DbAccess::ReadOnly}) {
    try {
      ResultsDb db(path, access);
      FAIL() << "a foreign database was opened";
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()), path + ": not a mapsmith results database");
    }
  }
  EXPECT_EQ(bytes_of(path), before);  // not switched to WAL, no tables added
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST_F(ResultsDbTest, Item7ATextFileIsRefusedSaying) {
  {
    std::ofstream f(dir + "/junk.db");
    f << "this is not SQLite, just text that is long enough to have a header......\n";
  }
  try {
    ResultsDb db(dir + "/junk.db");
    FAIL() << "opened";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              dir + "/junk.db: not a mapsmith results database (file is not a database)");
  }
}

TEST_F(ResultsDbTest, Item7AReadOnlyDatabaseCanBeRead) {
  const std::string path = dir + "/r.db";
  {
    ResultsDb db(path);
    db.record(db.study(key()), "Task * GPU;\n", ok(2.0), 0, 1, "expert");
  }
  const std::string before = bytes_of(path);
  ASSERT_EQ(chmod(path.c_str(), 0444), 0);
  ASSERT_EQ(chmod(dir.c_str(), 0555), 0);  // not even a -shm file can be made beside it
  {
    ResultsDb db(path, DbAccess::ReadOnly);
    ASSERT_EQ(db.studies().size(), 1u);
    EXPECT_EQ(db.top(db.studies()[0].id, 5).size(), 1u);
    EXPECT_EQ(db.runs(db.studies()[0].id).size(), 0u);
  }
  chmod(dir.c_str(), 0755);
  EXPECT_EQ(bytes_of(path), before);
  // A version-1 database (no llm_steps) reads too, read-only.
  chmod(path.c_str(), 0644);
  exec(path, "DROP TABLE llm_steps; UPDATE meta SET value = '1' WHERE key = 'version'");
  chmod(path.c_str(), 0444);
  ResultsDb old(path, DbAccess::ReadOnly);
  EXPECT_EQ(old.runs(old.studies()[0].id).size(), 0u);
}

TEST_F(ResultsDbTest, Item7AnEmptyFileBecomesADatabaseOnlyWhenWritable) {
  const std::string path = dir + "/new.db";
  { std::ofstream f(path); }
  EXPECT_THROW(ResultsDb(path, DbAccess::ReadOnly), InputError);
  ResultsDb db(path);
  EXPECT_EQ(db.studies().size(), 0u);
}

}  // namespace
}  // namespace mapsmith::search
