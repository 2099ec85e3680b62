// End to end: `mapsmith tune --optimizer llm` run in-process (cli::run) against a fake
// OpenAI-compatible server, with the faults of issue #7 injected.
#include <nlohmann/json.hpp>
#include "agent/cli_test_util.h"

namespace mapsmith::agent {
namespace {

using test::CliRun;
using test::kKey;
using test::LlmCli;
namespace fs = std::filesystem;

TEST_F(LlmCli, AFullTuningRun) {
  const CliRun r = tune({"--llm-record", dir + "/run.jsonl"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(
      r.out.starts_with("circuit on sapling: llm (seed 0, from the expert mapper), 2 mappers "
                        "proposed + 2 references (the expert and the default policy)\n"))
      << r.out;
  EXPECT_NE(r.out.find("  4 new, 0 from the database, 0 failed; stopped: budget\n"
                       "  llm: 2 steps (0 failed), 2 requests (0 repair rounds), 20 prompt + 20 "
                       "completion tokens; model fake-model\n"),
            std::string::npos)
      << r.out;
  const std::vector<llm::testing::ReceivedRequest> got = server->requests();
  ASSERT_EQ(got.size(), 2u);
  for (const auto& q : got) {
    EXPECT_EQ(q.path, "/v1/chat/completions");
    EXPECT_EQ(q.authorization, std::string("Bearer ") + kKey);
    const nlohmann::json body = nlohmann::json::parse(q.body);
    EXPECT_EQ(body["model"], "fake-model");
    EXPECT_EQ(body["response_format"]["type"], "json_schema");
  }
  const DbState s = db_state();
  EXPECT_EQ(s.evaluations, 4);
  EXPECT_EQ(s.steps, (std::vector<std::string>{"ok:3", "ok:4"}));
  EXPECT_TRUE(s.finished);
  // The key is in no file the run wrote.
  for (const auto& f : fs::directory_iterator(dir)) {
    const std::string bytes = read_file(f.path().string());
    EXPECT_EQ(bytes.find(kKey), std::string::npos) << f.path();
    EXPECT_EQ(bytes.find("TEST-KEY"), std::string::npos) << f.path();
  }
  EXPECT_TRUE(fs::exists(dir + "/run.jsonl"));
}

TEST_F(LlmCli, AReplayReproducesARecordedRunWithoutTheServer) {
  const CliRun recorded = tune({"--json", "--llm-record", dir + "/run.jsonl"}, "a.db");
  ASSERT_EQ(recorded.rc, 0) << recorded.err;
  server.reset();  // nothing listens any more
  unsetenv("OPENAI_API_KEY");
  const CliRun replayed = tune({"--json", "--llm-replay", dir + "/run.jsonl"}, "b.db");
  EXPECT_EQ(replayed.rc, 0) << replayed.err;
  EXPECT_EQ(replayed.out, recorded.out);
  EXPECT_EQ(read_file(dir + "/best.mapping").find("# mapsmith tune"), 0u);
  const nlohmann::json j = nlohmann::json::parse(replayed.out);
  EXPECT_EQ(j["llm"]["steps"], 2);
  EXPECT_EQ(j["llm"]["model"], "fake-model");
  EXPECT_EQ(j["error"], nullptr);
  // Against the recorded run's own database every result is cached, and the prompts are the same
  // all the same (the database keeps what the simulator found).
  const CliRun cached = tune({"--json", "--llm-replay", dir + "/run.jsonl"}, "a.db");
  EXPECT_EQ(cached.rc, 0) << cached.err;
  EXPECT_EQ(nlohmann::json::parse(cached.out)["cached_evaluations"], 4);
  // A replay that asks what the recording does not hold stops with an error.
  const CliRun longer = tune({"--llm-replay", dir + "/run.jsonl", "--budget", "4"}, "c.db");
  EXPECT_EQ(longer.rc, 1);
  EXPECT_NE(longer.err.find("mapsmith: error: llm: "), std::string::npos) << longer.err;
  EXPECT_TRUE(db_state("c.db").finished);
}

TEST_F(LlmCli, HybridRunsTheClassicalSearchAroundTheModelsBest) {
  const CliRun r = tune({"--optimizer", "hybrid", "--budget", "6", "--hybrid-evals", "3"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(
      r.out.starts_with("circuit on sapling: hybrid (seed 0, from the expert mapper), 6 mappers "
                        "proposed + 2 references (the expert and the default policy)\n"))
      << r.out;
  search::ResultsDb db(dir + "/r.db");
  const std::int64_t study = db.studies().at(0).id;
  std::size_t classical = 0, llm = 0;
  for (const search::EvalRow& row : db.top(study, 100)) {
    classical += row.origin == "hybrid/coordinate-descent";
    llm += row.origin == "hybrid/llm";
  }
  EXPECT_EQ(llm, static_cast<std::size_t>(served.load()));
  EXPECT_EQ(classical + llm, 6u);
}

TEST_F(LlmCli, TheManualBackendWritesRequestsReadsRepliesAndWritesEveryOutcome) {
  const std::string ex = dir + "/exchange";
  // No reply yet: with a time-out asked for, the run stops and says where it waited.
  CliRun r = tune({"--llm", "manual", "--exchange", ex, "--budget", "1", "--llm-timeout", "0.1"});
  EXPECT_EQ(r.rc, 1);
  const std::string request = read_file(ex + "/request-0001.md");
  const std::string id = request.substr(request.rfind("\nr0001-") + 1, 14);
  EXPECT_NE(request.find("# Best mapper so far\n\n#2, Legion's default policy (the empty "
                         "mapper):\n"),
            std::string::npos);
  // The reply, under the request's id; the same command resumes and takes it.
  {
    std::ofstream f(ex + "/reply-0001.md");
    f << id << "\nEverything on GPUs.\n```mapping\nTask * GPU,CPU;\nRegion * * GPU FBMEM;\n```\n";
  }
  r = tune({"--llm", "manual", "--exchange", ex, "--budget", "1", "--llm-timeout", "0.1"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("  llm: 1 step (0 failed), 1 request (0 repair rounds), "),
            std::string::npos)
      << r.out;
  // The last proposal's outcome is written too (no request follows it).
  const std::string outcome = read_file(ex + "/outcome-0001.md");
  EXPECT_TRUE(outcome.starts_with("# Outcome of #3, LLM step 1\n\nOutcome: ")) << outcome;
  EXPECT_NE(outcome.find("\nThe best so far: #"), std::string::npos) << outcome;
  EXPECT_EQ(server->requests().size(), 0u);
}

TEST_F(LlmCli, LlmFlagsNeedAnLlmOptimizer) {
  std::ostringstream out, err;
  const int rc = cli::run({"mapsmith", "tune", "--app", "circuit", "--machine", "sapling", "--db",
                           "none", "--out", "none", "--llm-record", dir + "/x.jsonl"},
                          out, err);
  // A usage error: exit 2, as every command gives one (issue 15 item 13).
  EXPECT_EQ(rc, 2);
  EXPECT_EQ(err.str(),
            "mapsmith: error: --llm-record: is for --optimizer llm or hybrid\n"
            "Run 'mapsmith --help' for usage.\n");
  EXPECT_FALSE(fs::exists(dir + "/x.jsonl"));
}

// The recorded benchmark (docs/results.md): manual-mode runs of 10 proposals on circuit, COSMA
// and PENNANT on sapling, the "model" answering each request file by hand. Replayed offline, each
// asks the same questions and ends with the recorded best mapper, byte for byte.
struct Recorded {
  const char* optimizer;  ///< "llm" (tests/llm/APP.jsonl) or "hybrid" (tests/llm/hybrid-APP.jsonl)
  const char* app;
  int best_evaluation;
  double best_ms;
};

class LlmBenchmark : public ::testing::TestWithParam<Recorded> {};

TEST_P(LlmBenchmark, TheRecordedRunReplaysToItsBestMapper) {
  const Recorded rec = GetParam();
  const std::string opt = rec.optimizer;
  const std::string data = std::string(MAPSMITH_SOURCE_DIR) + "/tests/llm/" +
                           (opt == "hybrid" ? "hybrid-" : "") + rec.app;
  std::ostringstream out, err;
  const int rc = cli::run({"mapsmith", "tune", "--app", rec.app, "--machine", "sapling",
                           "--optimizer", opt, "--llm", "manual", "--llm-replay", data + ".jsonl",
                           "--budget", "10", "--db", "none", "--out", "none", "--json"},
                          out, err);
  ASSERT_EQ(rc, 0) << err.str();
  const nlohmann::json j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["best"]["mapper"].get<std::string>(), read_file(data + "-best.mapping"));
  EXPECT_EQ(j["best"]["evaluation"], rec.best_evaluation);
  EXPECT_EQ(j["proposals"], 10);
  EXPECT_EQ(j["llm"]["steps"], opt == "hybrid" ? 2 : 10);  // hybrid: 1 + 8 classical + 1
  EXPECT_EQ(j["llm"]["failed_steps"], 0);
  EXPECT_NEAR(j["best"]["time_s"].get<double>() * 1e3, rec.best_ms, 0.01);
}

INSTANTIATE_TEST_SUITE_P(Sapling, LlmBenchmark,
                         ::testing::Values(Recorded{"llm", "circuit", 7, 10.29},
                                           Recorded{"llm", "cosma", 3, 278.80},
                                           Recorded{"llm", "pennant", 6, 10.07},
                                           Recorded{"hybrid", "circuit", 12, 10.297},
                                           Recorded{"hybrid", "cosma", 3, 278.80},
                                           Recorded{"hybrid", "pennant", 1, 10.07}),
                         [](const auto& info) {
                           return std::string(info.param.optimizer) + "_" + info.param.app;
                         });

}  // namespace
}  // namespace mapsmith::agent
