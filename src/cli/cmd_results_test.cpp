// `mapsmith results` and `tune --db` (issue 15 item 7): another program's SQLite file is never
// touched, and a database the user cannot write can still be read.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "cli/test_util.h"

namespace mapsmith::cli {
namespace {

using test::mapsmith;
using test::read;

class Results : public test::CliTest {
 protected:
  void sql(const std::string& db, const char* text) {
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(h, text, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(h);
  }
};

TEST_F(Results, Item7AForeignDatabaseIsRefusedAndLeftAlone) {
  const std::string db = path("notes.sqlite");
  sql(db, "CREATE TABLE notes(body TEXT); INSERT INTO notes VALUES ('keep me')");
  const std::string before = read(db);
  const auto r = mapsmith({"results", db});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, "mapsmith: error: " + db + ": not a mapsmith results database\n");
  const auto t = mapsmith({"tune", "--app", "circuit", "--machine", "sapling", "--budget", "2",
                           "--db", db, "--out", "none", "--jobs", "1"});
  EXPECT_EQ(t.rc, 1);
  EXPECT_EQ(t.err, "mapsmith: error: " + db + ": not a mapsmith results database\n");
  EXPECT_EQ(read(db), before);  // no tables added, not switched to WAL
  EXPECT_FALSE(std::filesystem::exists(db + "-wal"));
}

TEST_F(Results, Item7AReadOnlyDatabaseIsListed) {
  const std::string db = path("r.db");
  const auto t = mapsmith({"tune", "--app", "circuit", "--machine", "sapling", "--budget", "2",
                           "--db", db, "--out", "none", "--jobs", "1"});
  ASSERT_EQ(t.rc, 0) << t.err;
  ASSERT_EQ(chmod(db.c_str(), 0444), 0);
  const std::string before = read(db);
  const auto r = mapsmith({"results", "--db", db, "--top", "1"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out.rfind("study 1: circuit (", 0), 0u) << r.out;
  EXPECT_EQ(read(db), before);
}

}  // namespace
}  // namespace mapsmith::cli
