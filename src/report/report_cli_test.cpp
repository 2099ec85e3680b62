// `mapsmith report` end to end, in-process: the page is self-contained and the same bytes every
// time; its sections, legend and grids are there; bad invocations get clear errors.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli.h"
#include "report/report_test_util.h"

namespace mapsmith::report {
namespace {

using test::Mapsmith;

TEST_F(ReportCli, ASimulationReportIsSelfContainedAndTheSameBytesEveryTime) {
  const std::string mapper = write("best.mapping", test::kCircuitMapper);
  const Mapsmith a =
      run({"report", "--app", "circuit", "--machine", "sapling-2", "--mapper", mapper, "-o", "-"});
  ASSERT_EQ(a.rc, 0) << a.err;
  const Mapsmith b = run({"report", "--app", "circuit", "--machine", "sapling-2", "--mapper",
                          mapper, "--jobs", "1", "-o", "-"});
  EXPECT_EQ(a.out, b.out);  // threads change nothing
  const std::string& page = a.out;
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* id : {"timeline", "breakdown", "placement", "changes", "search", "topology"})
    EXPECT_NE(page.find(fmt::format("<section id=\"{}\"", id)), std::string::npos) << id;
  // Nothing is fetched when the page is viewed (a URL in a mapper's comment is text, not a
  // reference).
  for (const char* ref : {"src=", "href=\"http", "href=\"//", "<link", "@import", "url("})
    EXPECT_EQ(page.find(ref), std::string::npos) << ref;
  // What changed: the mapper moves the main loop's tasks.
  EXPECT_NE(page.find("<tr class=\"change\"><td>calculate_new_currents</td><td>processors"),
            std::string::npos);
}

TEST_F(ReportCli, JsonSaysWhatWasWritten) {
  const std::string out = dir + "/r.html";
  const Mapsmith r = run({"report", "--app", "cosma", "--machine", "sapling", "--json", "-o", out});
  // cosma's default policy breaks task_4's layout requirement: the page is written, exit 1.
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(
      r.err,
      "mapsmith: error: default policy (no --mapper): task task_4's GPU variant needs C_order "
      "instances, but region argument 0 'A_compute' is laid out SOA F_order\n");
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["out"], out);
  EXPECT_EQ(j["bytes"], std::filesystem::file_size(out));
  EXPECT_EQ(j["app"], "cosma");
  ASSERT_EQ(j["mappers"].size(), 2u);
  EXPECT_EQ(j["mappers"][0]["role"], "best");
  EXPECT_EQ(j["mappers"][0]["ok"], false);
  EXPECT_EQ(j["mappers"][1]["role"], "expert");
  EXPECT_EQ(j["mappers"][1]["ok"], true);
}

TEST_F(ReportCli, AStudyReportShowsTheSearch) {
  const std::string db = dir + "/s.db";
  ASSERT_EQ(run({"tune", "--app", "circuit", "--machine", "sapling", "--budget", "60", "--db", db,
                 "--out", "none"})
                .rc,
            0);
  ASSERT_EQ(run({"tune", "--app", "circuit", "--machine", "sapling", "--budget", "40", "--seed",
                 "1", "--optimizer", "random", "--db", db, "--out", "none"})
                .rc,
            0);
  const Mapsmith r = run({"report", "--db", db, "-o", "-"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("<g class=\"run\" data-run=\"1\">"), std::string::npos);
  EXPECT_NE(r.out.find("<g class=\"run\" data-run=\"2\">"), std::string::npos);
  EXPECT_NE(r.out.find("<h3>Which dimensions mattered</h3>\n<p class=\"note\">Method: "
                       "epsilon-squared"),
            std::string::npos);
  EXPECT_EQ(r.out, run({"report", "--db", db, "--study", "1", "-o", "-"}).out);
}

TEST_F(ReportCli, BadInvocationsSayWhatIsWrong) {
  Mapsmith r = run({"report"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.err,
            "mapsmith: error: --app (or --db) is required\nRun 'mapsmith --help' for usage.\n");
  r = run({"report", "--db", dir + "/missing.db"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, "mapsmith: error: " + dir +
                       "/missing.db: cannot read the results database: no such file\n");
  r = run({"report", "--db", "x.db", "--mapper", "m.mapping"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.err, "mapsmith: error: --mapper excludes --db\nRun 'mapsmith --help' for usage.\n");
  r = run(
      {"report", "--app", "circuit", "--machine", "sapling", "--mapper", dir + "/none.mapping"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err,
            "mapsmith: error: " + dir + "/none.mapping: cannot read: No such file or directory\n");
  r = run({"report", "--app", "circuit", "--machine", "sapling", "-o", dir + "/no/such/dir.html"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, "mapsmith: error: " + dir + "/no/such/dir.html: cannot write the report\n");
}

}  // namespace
}  // namespace mapsmith::report
