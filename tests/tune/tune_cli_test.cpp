// `mapsmith tune` as a user runs it: killed with SIGKILL in the middle of a search and run again,
// it reuses every result the killed run stored and evaluates only the rest; and its output does
// not depend on the number of threads.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

/// Starts mapsmith with `args`, its standard output and error going to files.
pid_t start(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
  std::vector<std::string> argv = {MAPSMITH_EXE};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (std::string& a : argv)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

/// Runs mapsmith to the end; returns its standard output.
std::string run(const std::vector<std::string>& args, const std::string& dir) {
  const pid_t pid = start(args, dir + "/out.txt", dir + "/err.txt");
  EXPECT_GT(pid, 0);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(dir + "/err.txt");
  return slurp(dir + "/out.txt");
}

/// The evaluations stored so far (0 while the database is not there yet).
long long stored(const std::string& db) {
  sqlite3* h = nullptr;
  long long n = 0;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM evaluations", -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
      n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
  }
  sqlite3_close(h);
  return n;
}

class TuneCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "tune_cli_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string dir;
};

#ifdef MAPSMITH_SANITIZED  // 35x slower: the same kill and resume over fewer evaluations
constexpr int kBudget = 400;
#else
constexpr int kBudget = 1500;
#endif
constexpr int kMappers = kBudget + 2;  // the budget's proposals, the expert and the default

std::vector<std::string> tune_args(const std::string& db, const std::string& jobs) {
  return {"tune", "--app", "stencil", "--machine", "sapling-2", "--budget", std::to_string(kBudget),
          "--db", db,      "--out",   "none",      "--json",    "--jobs",   jobs};
}

TEST_F(TuneCli, ASearchKilledWithSigkillResumesWithoutEvaluatingAnythingTwice) {
  const std::string db = dir + "/results.db";
  const std::vector<std::string> args = tune_args(db, "2");
  const pid_t pid = start(args, dir + "/killed.out", dir + "/killed.err");
  ASSERT_GT(pid, 0);
  // Kill it once a hundred results are in, long before the end.
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (stored(db) < 100) {
    ASSERT_EQ(waitpid(pid, &status, WNOHANG), 0) << "finished before it could be killed";
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  const long long kept = stored(db);
  ASSERT_GE(kept, 100);
  ASSERT_LT(kept, kBudget);

  // The same command again: every stored result is reused, the rest evaluated.
  const auto resumed = nlohmann::json::parse(run(args, dir));
  EXPECT_EQ(resumed["evaluations"], kMappers);
  EXPECT_EQ(resumed["cached_evaluations"], kept);
  EXPECT_EQ(resumed["fresh_evaluations"], kMappers - kept);
  EXPECT_EQ(stored(db), kMappers);

  // Once more: nothing left to evaluate.
  const auto again = nlohmann::json::parse(run(args, dir));
  EXPECT_EQ(again["cached_evaluations"], kMappers);
  EXPECT_EQ(again["fresh_evaluations"], 0);

  // `results --runs` tells the killed run from the two that finished.
  const auto listed =
      nlohmann::json::parse(run({"results", db, "--runs", "--top", "1", "--json"}, dir));
  const auto& runs = listed["studies"][0]["runs"];
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0]["finished_at"], nullptr);
  EXPECT_EQ(runs[0]["evaluations"], 0);
  EXPECT_NE(runs[1]["finished_at"], nullptr);
  EXPECT_EQ(runs[1]["evaluations"], kMappers);
  EXPECT_EQ(runs[1]["fresh"], kMappers - kept);
  EXPECT_EQ(runs[2]["fresh"], 0);
  EXPECT_EQ(runs[2]["best_evaluation"], resumed["best"]["evaluation"]);

  // And the result is the one of a search never killed, on one thread, with no database.
  auto whole = nlohmann::json::parse(run(tune_args("none", "1"), dir));
  EXPECT_EQ(whole["fresh_evaluations"], kMappers);
  for (auto* j : {&whole, const_cast<nlohmann::json*>(&resumed)}) {
    j->erase("fresh_evaluations");
    j->erase("cached_evaluations");
  }
  EXPECT_EQ(whole.dump(2), resumed.dump(2));
  EXPECT_NE(resumed["best"], nullptr);
  EXPECT_LE(resumed["best"]["time_s"].get<double>(), resumed["expert_time_s"].get<double>());
}

TEST_F(TuneCli, TheOutputDoesNotDependOnTheThreads) {
  std::vector<std::string> one = {"tune",     "--app",  "stencil", "--machine", "sapling-2",
                                  "--budget", "300",    "--db",    "none",      "--out",
                                  "none",     "--seed", "5"};
  std::vector<std::string> two = one;
  one.insert(one.end(), {"--jobs", "1"});
  two.insert(two.end(), {"--jobs", "2"});
  const std::string a = run(one, dir), b = run(two, dir);
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, b);
}

// ---- issue 15 item 2: a full disk under --jobs stops the run cleanly ----

TEST_F(TuneCli, Item2AFullDiskUnderJobsEndsWithAnErrorNotACrash) {
  // A file-size limit makes the database's writes fail as on a full disk (SIGXFSZ ignored, as
  // the shell's trap leaves it across exec). Before, the error was thrown on a worker thread and
  // nothing caught it: abort or segfault.
  const std::string db = dir + "/r.db";
  const std::string script = "trap '' XFSZ; ulimit -f 1024; exec \"$0\" \"$@\"";
  std::vector<std::string> args = {
      "-c",       script, MAPSMITH_EXE, "tune", "--app", "circuit", "--machine", "sapling-4",
      "--budget", "400",  "--db",       db,     "--out", "none",    "--jobs",    "2"};
  args.insert(args.begin(), "/bin/sh");
  std::vector<char*> cargv;
  for (std::string& a : args)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  const std::string err = dir + "/err.txt";
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, "/bin/sh", &fa, nullptr, cargv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  int status = 0;
  waitpid(pid, &status, 0);
  const std::string said = slurp(err);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status) << ": " << said;
  EXPECT_EQ(WEXITSTATUS(status), 1) << said;
  EXPECT_EQ(said.rfind("mapsmith: error: ", 0), 0u) << said;
  EXPECT_EQ(said.find("This is a bug"), std::string::npos) << said;
  // What was stored before the disk filled up is still there, and readable.
  EXPECT_GT(stored(db), 0);
}

// ---- issue 15 item 10: a killed tuner leaves no runner and no temporary directory ----

/// Starts a tune whose runner records its process group and sleeps; returns once it runs.
pid_t start_sleeping_runner(const std::string& dir, pid_t& runner_group) {
  const std::string pidfile = dir + "/runner.pid";
  const std::string runner = "sh -c 'echo $$ > " + pidfile + "; sleep 300' {mapper}";
  setenv("TMPDIR", (dir + "/tmp").c_str(), 1);
  std::filesystem::create_directories(dir + "/tmp");
  const pid_t pid =
      start({"tune", "--app", "circuit", "--machine", "sapling", "--budget", "5", "--db", "none",
             "--out", "none", "--runner", runner, "--metric", "time ([0-9.]+)", "--timeout", "600"},
            dir + "/out.txt", dir + "/err.txt");
  unsetenv("TMPDIR");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  runner_group = 0;
  while (runner_group == 0 && std::chrono::steady_clock::now() < deadline) {
    std::ifstream f(pidfile);
    f >> runner_group;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pid;
}

/// Whether a live process (not a zombie nobody reaped) is in the process group.
bool group_alive(pid_t group) {
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::ifstream f(e.path() / "stat");
    std::string line;
    if (!std::getline(f, line)) continue;
    // "pid (comm) state ppid pgrp ...": comm may hold spaces, so read after the last ')'.
    std::istringstream rest(line.substr(line.rfind(')') + 1));
    char state = 0;
    long ppid = 0, pgrp = 0;
    rest >> state >> ppid >> pgrp;
    if (pgrp == group && state != 'Z' && state != 'X') return true;
  }
  return false;
}

/// Whether the process group still has a live member, waiting up to 10 s for it to go.
bool group_outlives(pid_t group) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!group_alive(group)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

bool temp_dirs_remain(const std::string& tmp) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::is_empty(tmp)) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TEST_F(TuneCli, Item10SigtermLeavesNoRunnerAndNoTemporaryDirectory) {
  pid_t group = 0;
  const pid_t pid = start_sleeping_runner(dir, group);
  ASSERT_GT(pid, 0);
  ASSERT_GT(group, 0) << slurp(dir + "/err.txt");
  EXPECT_FALSE(std::filesystem::is_empty(dir + "/tmp"));
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  // The search stops at once (the runner in flight is killed, not waited for) and says so.
  ASSERT_TRUE(WIFEXITED(status)) << slurp(dir + "/err.txt");
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM) << slurp(dir + "/err.txt");
  EXPECT_FALSE(group_outlives(group));
  EXPECT_FALSE(temp_dirs_remain(dir + "/tmp"));
  kill(-group, SIGKILL);  // in case it failed
}

TEST_F(TuneCli, Item10SigkillLeavesNoRunnerAndNoTemporaryDirectory) {
  pid_t group = 0;
  const pid_t pid = start_sleeping_runner(dir, group);
  ASSERT_GT(pid, 0);
  ASSERT_GT(group, 0) << slurp(dir + "/err.txt");
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_FALSE(group_outlives(group));
  EXPECT_FALSE(temp_dirs_remain(dir + "/tmp"));
  kill(-group, SIGKILL);
}

/// Runs mapsmith to the end; returns its exit status, and its output in `out` and `err`.
int run_status(const std::vector<std::string>& args, const std::string& dir, std::string& out,
               std::string& err) {
  const pid_t pid = start(args, dir + "/s.out", dir + "/s.err");
  int status = 0;
  waitpid(pid, &status, 0);
  out = slurp(dir + "/s.out");
  err = slurp(dir + "/s.err");
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(TuneCli, SigintStopsTheSearchCleanlyAndSaysHowToResume) {
  const std::string db = dir + "/r.db", best = dir + "/best.mapping";
  const std::vector<std::string> args = {"tune",     "--app",  "circuit", "--machine", "sapling-4",
                                         "--budget", "20000",  "--db",    db,          "--out",
                                         best,       "--jobs", "1"};
  const pid_t pid = start(args, dir + "/i.out", dir + "/i.err");
  ASSERT_GT(pid, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (stored(db) < 50 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(kill(pid, SIGINT), 0);
  int status = 0;
  waitpid(pid, &status, 0);
  // Not killed by the signal: it printed what it had and exited 128 + SIGINT.
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  const std::string out = slurp(dir + "/i.out"), err = slurp(dir + "/i.err");
  EXPECT_NE(out.find("; stopped: interrupted\n"), std::string::npos) << out;
  EXPECT_NE(out.find("  written to " + best + "\n"), std::string::npos) << out;
  // The last progress line, then what to do.
  EXPECT_TRUE(
      err.ends_with("mapsmith: interrupted (SIGINT): the best mapper so far is above and in " +
                    best + "; every result is in " + db + ": rerun the same command to resume\n"))
      << err;
  EXPECT_TRUE(std::filesystem::exists(best));
  EXPECT_LT(stored(db), 20002);
}

TEST_F(TuneCli, OutNeverReplacesAMapperItCannotBeat) {
  const std::string best = dir + "/best.mapping";
  {
    std::ofstream f(best);
    f << "Task nothing_here GPU;\n";  // a mapper of another search: not for circuit
  }
  std::string out, err;
  const std::vector<std::string> args = {"tune",    "--app",    "circuit", "--machine",
                                         "sapling", "--budget", "5",       "--db",
                                         "none",    "--out",    best};
  EXPECT_EQ(run_status(args, dir, out, err), 0) << err;
  EXPECT_NE(out.find("  " + best + " holds a mapper that does not run here (line 1: "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("): kept; this run's best goes to " + dir + "/best-2.mapping\n  written to " +
                     dir + "/best-2.mapping\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(slurp(best), "Task nothing_here GPU;\n");
  // A second run finds best-2.mapping no better than its own: it overwrites that one only if
  // named; best.mapping still is not touched, and the next free name is taken.
  EXPECT_EQ(run_status(args, dir, out, err), 0) << err;
  EXPECT_NE(out.find("written to " + dir + "/best-3.mapping\n"), std::string::npos) << out;
}

TEST_F(TuneCli, UsageErrorsAndAMetricThatNeverMatches) {
  std::string out, err;
  EXPECT_EQ(run_status({"tune", "--app", "circuit", "--machine", "sapling", "--budget", "-3"}, dir,
                       out, err),
            2);
  EXPECT_EQ(err,
            "mapsmith: error: --budget: '-3' is not a whole number of mappers, at least 1\n"
            "Run 'mapsmith --help' for usage.\n");
  EXPECT_EQ(run_status({"tune", "--app", "circuit", "--machine", "sapling", "--budget", "0"}, dir,
                       out, err),
            2);
  EXPECT_EQ(run_status({"tune", "--app", "circuit", "--machine", "sapling", "--seed", "-1"}, dir,
                       out, err),
            2);
  EXPECT_EQ(err,
            "mapsmith: error: --seed: '-1' is not a whole number from 0 to "
            "18446744073709551615\nRun 'mapsmith --help' for usage.\n");
  // The first candidate's output does not match: the run stops there, showing it and the regex.
  EXPECT_EQ(run_status({"tune", "--app", "circuit", "--machine", "sapling", "--budget", "50",
                        "--db", "none", "--out", "none", "--runner",
                        "sh -c 'echo elapsed 3.5; echo oops >&2' sh {mapper}", "--metric",
                        "TIME=([0-9.]+)"},
                       dir, out, err),
            1);
  EXPECT_NE(out.find("2 new, 0 from the database, 2 failed; stopped: --metric /TIME=([0-9.]+)/ "
                     "does not match the output of candidate #1 (expert), so its time cannot be "
                     "read; the search stops here. Fix --metric (its first group must capture "
                     "the time in seconds) or the command. The command's output:\n"),
            std::string::npos)
      << out;
  EXPECT_TRUE(
      err.ends_with("The command's output:\nstandard output:\nelapsed 3.5\n\nstandard "
                    "error:\noops\n"))
      << err;
}

}  // namespace
