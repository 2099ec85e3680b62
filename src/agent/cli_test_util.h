#pragma once
// The fixture of the end-to-end tests: `mapsmith tune --optimizer llm` run in-process (cli::run)
// against a fake OpenAI-compatible server, and what the run left in its results database.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "cli/cli.h"
#include "llm/testing/fake_openai_server.h"
#include "search/results_db.h"
#include "util/strings.h"

namespace mapsmith::agent::test {

namespace fs = std::filesystem;
using llm::testing::completion;
using llm::testing::FakeOpenAiServer;
using llm::testing::ScriptedResponse;

inline constexpr const char* kKey = "sk-mapsmith-TEST-KEY-7f3a9c";

/// A structured reply: the expert's decisions plus one InstanceLimit that makes it new.
inline std::string blocks_reply(int k) {
  return fmt::format(
      R"({{"explanation": "variant {}", "blocks": {{"processors": "Task * GPU,CPU;",
      "regions": "Region * * GPU FBMEM;\nRegion * * CPU SYSMEM;", "layouts": "",
      "instance_limits": "InstanceLimit update_voltages {};", "functions": "",
      "index_task_maps": "", "single_task_maps": ""}}}})",
      k, k);
}

struct CliRun {
  int rc = 0;
  std::string out, err;
};

class LlmCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "llm_cli_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir = tmpl;
    setenv("OPENAI_API_KEY", kKey, 1);
    unsetenv("OPENAI_BASE_URL");
    unsetenv("MAPSMITH_MODEL");
    server = std::make_unique<FakeOpenAiServer>();
    // Unless a test scripts otherwise: a new mapper each time.
    server->set_responder(
        [this](const nlohmann::json&) { return completion(blocks_reply(++served)); });
  }
  void TearDown() override {
    server.reset();
    unsetenv("OPENAI_API_KEY");
    fs::remove_all(dir);
  }

  /// `mapsmith tune` of circuit on sapling with the LLM optimizer and fast client settings.
  CliRun tune(std::vector<std::string> extra, const std::string& db = "r.db") {
    std::vector<std::string> argv = {"mapsmith",      "tune",
                                     "--app",         "circuit",
                                     "--machine",     "sapling",
                                     "--optimizer",   "llm",
                                     "--budget",      "2",
                                     "--db",          dir + "/" + db,
                                     "--out",         dir + "/best.mapping",
                                     "--llm-model",   "fake-model",
                                     "--llm-timeout", "5",
                                     "--llm-retries", "0",
                                     "--jobs",        "1"};
    bool has_url = false;
    for (const std::string& e : extra)
      has_url = has_url || e == "--llm-url" || e == "--llm-replay";
    if (!has_url) extra.insert(extra.begin(), {"--llm-url", server->base_url()});
    // A flag given in `extra` replaces its default above.
    for (std::size_t i = 0; i + 1 < extra.size(); ++i) {
      auto at = std::find(argv.begin(), argv.end(), extra[i]);
      if (at == argv.end() || !extra[i].starts_with("--")) continue;
      *(at + 1) = extra[i + 1];
      extra.erase(extra.begin() + static_cast<std::ptrdiff_t>(i),
                  extra.begin() + static_cast<std::ptrdiff_t>(i + 2));
      --i;
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::ostringstream out, err;
    CliRun r;
    r.rc = cli::run(argv, out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
  }

  /// Evaluations, LLM steps (as "status:number" in step order) and whether every run finished.
  struct DbState {
    std::int64_t evaluations = 0;
    std::vector<std::string> steps;
    bool finished = false;
  };
  DbState db_state(const std::string& db = "r.db") {
    DbState s;
    {
      search::ResultsDb results(dir + "/" + db);
      for (const search::StudyRow& st : results.studies())
        s.evaluations += st.evaluations;
      for (const search::StepRecord& step : results.steps(1))
        s.steps.push_back(fmt::format("{}:{}", step.status, step.number));
    }
    sqlite3* h = nullptr;
    EXPECT_EQ(sqlite3_open((dir + "/" + db).c_str(), &h), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM runs WHERE finished_at IS NULL", -1, &st, nullptr);
    s.finished = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0;
    sqlite3_finalize(st);
    sqlite3_close(h);
    return s;
  }

  std::string dir;
  std::unique_ptr<FakeOpenAiServer> server;
  std::atomic<int> served{0};
};

}  // namespace mapsmith::agent::test
