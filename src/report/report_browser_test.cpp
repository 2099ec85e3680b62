// The report in a real browser: headless Chromium (Debian's `chromium`, started by the test)
// loads the pages of circuit (a simulation) and COSMA (a study of the results database), runs
// their script, dumps the DOM and takes a screenshot. The DOM must hold every section, every task
// of the application in the timeline's legend, and every point of every placement grid. Skipped,
// with a message, where Chromium is not installed (tools/install-deps.sh installs it).
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <thread>

#include "app/generators.h"
#include "machine/machine_json.h"
#include "report/report_test_util.h"

extern char** environ;

namespace mapsmith::report {
namespace {

/// $MAPSMITH_CHROMIUM, else chromium (or chromium-browser) on the PATH; empty when none.
std::string find_chromium() {
  if (const char* e = std::getenv("MAPSMITH_CHROMIUM"); e && *e) return e;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string d; std::getline(dirs, d, ':');)
    for (const char* name : {"chromium", "chromium-browser"}) {
      const std::string p = d + "/" + name;
      if (access(p.c_str(), X_OK) == 0) return p;
    }
  return {};
}

/// Runs Chromium headless on `url` with `extra` flags, its standard output to `out`; kills its
/// whole process group after `timeout`. Returns its exit status (-1: killed or not started).
int chromium(const std::string& exe, const std::string& profile,
             const std::vector<std::string>& extra, const std::string& url, const std::string& out,
             std::chrono::seconds timeout) {
  std::vector<std::string> args = {exe,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--disable-quic",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--user-data-dir=" + profile};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(url);
  std::vector<char*> argv;
  for (std::string& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, exe.c_str(), &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(-pid, SIGKILL);  // helpers it may have left behind
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1))
    ++n;
  return n;
}

class ReportBrowser : public ReportCli {
 protected:
  void SetUp() override {
    ReportCli::SetUp();
    exe = find_chromium();
    if (exe.empty())
      GTEST_SKIP() << "chromium is not installed (Debian package `chromium`, which "
                      "tools/install-deps.sh installs; or set MAPSMITH_CHROMIUM): the browser "
                      "tests of the report are skipped";
  }

  /// Loads the page in Chromium: its DOM after the script ran, and a screenshot.
  std::string render(const std::string& page, const std::string& png) {
    const std::string url = "file://" + page;
    const int dumped = chromium(exe, dir + "/profile-dom", {"--dump-dom"}, url, dir + "/dom.html",
                                std::chrono::seconds(120));
    EXPECT_EQ(dumped, 0) << "chromium --dump-dom failed";
    const int shot =
        chromium(exe, dir + "/profile-shot",
                 {"--hide-scrollbars", "--window-size=1400,4000", "--screenshot=" + png}, url,
                 dir + "/shot.txt", std::chrono::seconds(120));
    EXPECT_EQ(shot, 0) << "chromium --screenshot failed";
    const std::string image = slurp(png);
    EXPECT_GT(image.size(), 20000u);
    EXPECT_EQ(image.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    return slurp(dir + "/dom.html");
  }

  /// What every report's DOM must hold, for `app` run on `machine`.
  void check_dom(const std::string& dom, const app::App& app, std::size_t mappers) {
    // The script ran: it stamps the body and draws the timelines' axes.
    EXPECT_NE(dom.find("data-ready-ms=\""), std::string::npos);
    EXPECT_NE(dom.find("<svg class=\"tl-axis\" height=\"18\"><line"), std::string::npos);
    for (const char* id : {"timeline", "breakdown", "placement", "changes", "search", "topology"})
      EXPECT_EQ(count(dom, fmt::format("<section id=\"{}\" class=\"sec\"", id)), 1u) << id;
    const std::size_t at = dom.find("<div class=\"legend\" id=\"timeline-legend\">");
    ASSERT_NE(at, std::string::npos);
    const std::string legend = dom.substr(at, dom.find("</div>", at) - at);
    for (const app::Task& t : app.tasks)
      EXPECT_EQ(count(legend, "data-task=\"" + t.name + "\""), 1u) << t.name;
    // Every index launch's grids: one per mapper for its processors, one per region argument;
    // each with exactly the launch's points.
    const std::regex block(
        "<div class=\"pg\" data-task=\"([a-z_0-9]+)\" data-launch=\"([0-9]+)\" "
        "data-decision=\"[0-9]+\" data-points=\"([0-9]+)\" data-step=\"1\">");
    std::size_t blocks = 0, grids = 0, launches = 0;
    for (const app::Launch& l : app.launches)
      launches += l.index ? 1 : 0;
    for (auto it = std::sregex_iterator(dom.begin(), dom.end(), block);
         it != std::sregex_iterator(); ++it) {
      ++blocks;
      const std::size_t launch = std::stoul((*it)[2]);
      ASSERT_LT(launch, app.launches.size());
      const std::int64_t volume = app.launches[launch].volume();
      EXPECT_EQ(std::stoll((*it)[3]), volume);
      const std::size_t begin = static_cast<std::size_t>(it->position());
      const std::size_t end = dom.find("<div class=\"pg\"", begin + 1);
      const std::string body = dom.substr(begin, end - begin);
      const std::size_t args =
          app.launches[launch].effective_args(app.tasks[app.launches[launch].task]).size();
      EXPECT_EQ(count(body, "<svg class=\"grid\""), mappers * (1 + args)) << (*it)[1];
      for (std::size_t g = body.find("<svg class=\"grid\""); g != std::string::npos;
           g = body.find("<svg class=\"grid\"", g + 1)) {
        const std::string svg = body.substr(g, body.find("</svg>", g) - g);
        EXPECT_EQ(count(svg, "class=\"pt "), static_cast<std::size_t>(volume))
            << (*it)[1] << " " << svg.substr(0, 200);
        ++grids;
      }
    }
    EXPECT_EQ(blocks, launches);
    EXPECT_GT(grids, blocks);
  }

  std::string exe;
};

TEST_F(ReportBrowser, CircuitSimulation) {
  const std::string mapper = write("best.mapping", test::kCircuitMapper);
  const std::string page = dir + "/circuit.html";
  const auto r =
      run({"report", "--app", "circuit", "--machine", "sapling-2", "--mapper", mapper, "-o", page});
  ASSERT_EQ(r.rc, 0) << r.err;
  const std::string dom = render(page, dir + "/circuit.png");
  const machine::Machine m = machine::load_machine("sapling-2");
  check_dom(dom, app::load_app("circuit", m), 2);  // the mapper and the expert
  EXPECT_GT(count(dom, "<tr class=\"change\">"), 0u);
}

TEST_F(ReportBrowser, CosmaStudy) {
  const std::string db = dir + "/cosma.db";
  ASSERT_EQ(run({"tune", "--app", "cosma", "--machine", "sapling", "--budget", "40", "--db", db,
                 "--out", "none"})
                .rc,
            0);
  const std::string page = dir + "/cosma.html";
  const auto r = run({"report", "--db", db, "-o", page});
  ASSERT_EQ(r.rc, 0) << r.err;
  const std::string dom = render(page, dir + "/cosma.png");
  const machine::Machine m = machine::load_machine("sapling");
  check_dom(dom, app::load_app("cosma", m), 2);  // the best and the expert
  EXPECT_EQ(count(dom, "<svg class=\"chart\" id=\"search-chart\""), 1u);
  EXPECT_EQ(count(dom, "<g class=\"run\" data-run=\"1\">"), 1u);
}

}  // namespace
}  // namespace mapsmith::report
