// `mapsmith import`, `validate`, `calibrate` and `tune --confirm`, run in-process on a synthetic
// run's logs (src/importer/synthetic.h): exact output, files that the other commands accept, and
// located errors for bad logs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "cli/cli.h"
#include "importer/synthetic.h"
#include "importer/test_util.h"
#include "machine/machine_json.h"
#include "search/results_db.h"
#include "util/strings.h"

namespace mapsmith {
namespace {

struct CliRun {
  int code = 0;
  std::string out, err;
};

CliRun run(std::vector<std::string> args) {
  args.insert(args.begin(), "mapsmith");
  std::ostringstream out, err;
  CliRun r;
  r.code = cli::run(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

/// The output with the seconds an import took replaced by "T" (they depend on the machine).
std::string untimed(const std::string& out) {
  return std::regex_replace(out, std::regex(" in [0-9]+\\.[0-9]+ s\n"), " in T s\n");
}

std::string write_run(const std::string& dir, const importer::synthetic::Params& p = {}) {
  std::string spy, prof;
  importer::synthetic::write_run(
      p, [&](const std::string& s) { spy += s; }, [&](const std::string& s) { prof += s; });
  importer::test::write_text(dir + "/spy_0.log", spy);
  importer::test::write_gz(dir + "/prof_0.gz", prof);
  return spy;
}

TEST(ImportCli, WritesAModelTheOtherCommandsAccept) {
  const std::string dir = importer::test::temp_dir("run");
  write_run(dir);
  const std::string prefix = dir + "/halo";
  const CliRun r = run({"import", dir, "-o", prefix, "-q", "--name", "halo"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(
      untimed(r.out),
      "imported halo from 1 Legion Spy log (44.2 KiB) and 1 Legion Prof log (1.38 KiB) in "
      "T s\n"
      "  app " +
          prefix +
          ".app.json: 1 region, 2 partitions, 5 tasks, 4 launches in 1 "
          "loop, 29 task instances\n"
          "  machine " +
          prefix +
          ".machine.json: 1 node: 2 CPU, 1 UTIL; SYSMEM 512 MiB\n"
          "  measured: whole run 1 ms; main loop 3 iterations of 284 µs\n"
          "notes:\n"
          "  - no calibration: processors read memory at a default 10 GB/s and copies between "
          "host memories run at 5 GB/s (mapsmith calibrate measures them)\n"
          "  - task costs are the measured mean time of each launch's points (flops = seconds "
          "x the processor's 1e+10 flop/s at efficiency 1)\n");
  const std::string app = prefix + ".app.json", machine = prefix + ".machine.json";
  EXPECT_EQ(run({"simulate", "--app", app, "--machine", machine, "--no-compare", "--json"}).code,
            0);
  const CliRun e = run({"explain", "--app", app, "--machine", machine});
  EXPECT_EQ(e.code, 0) << e.err;
  const CliRun t = run({"tune", "--app", app, "--machine", machine, "--budget", "5", "--db", "none",
                        "--out", "none", "--expert", "none"});
  EXPECT_EQ(t.code, 0) << t.err;
  EXPECT_NE(t.out.find("5 mappers proposed"), std::string::npos) << t.out;
}

TEST(ImportCli, ReportsProgressOnStandardError) {
  const std::string dir = importer::test::temp_dir("progress");
  write_run(dir);
  const CliRun r = run({"import", dir, "-o", dir + "/x"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err,
            "reading spy_0.log: 100% (44.2 KiB of 44.2 KiB)\n"
            "reading prof_0.gz: 100% (1.38 KiB of 1.38 KiB)\n");
}

TEST(ImportCli, JsonSaysWhatWasImported) {
  const std::string dir = importer::test::temp_dir("json");
  write_run(dir);
  const CliRun r = run({"import", dir, "-o", dir + "/x", "-q", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["app"], dir + "/x.app.json");
  EXPECT_EQ(j["launches"], 4);
  EXPECT_EQ(j["loops"], 1);
  EXPECT_EQ(j["task_instances"], 29);
  EXPECT_EQ(j["measured"]["iterations"], 3);
  EXPECT_DOUBLE_EQ(j["measured"]["iteration_time_s"].get<double>(), 284000e-9);
  EXPECT_EQ(j["notes"].size(), 2u);
}

TEST(ImportCli, ValidatePrintsTheTableAndAVerdict) {
  const std::string dir = importer::test::temp_dir("validate");
  write_run(dir);
  const CliRun r = run({"validate", dir, "-q"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "top_level under default policy: measured (Legion Prof) beside predicted (mapsmith "
            "simulate)\n"
            "  task                         count        time     count        time    error\n"
            "  check                            1       50 µs         1       50 µs     0.0%\n"
            "  init                             4      200 µs         4      200 µs     0.0%\n"
            "  stencil                         12      1.2 ms        12      1.2 ms     0.0%\n"
            "  update                          12      480 µs        12      480 µs     0.0%\n"
            "  copy channel                 count       bytes     count       bytes    error\n"
            "  SYSMEM->SYSMEM                   3       6 KiB         0         0 B  -100.0%\n"
            "  whole run: measured 1 ms, predicted 1.29 ms (+28.5%)\n"
            "  per iteration (3 iterations): measured 284 µs, predicted 360 µs (+26.8%)\n"
            "verdict: fair: the predicted time per iteration is 26.8% above the measured one\n");
  const CliRun j = run({"validate", dir, "-q", "--json"});
  ASSERT_EQ(j.code, 0) << j.err;
  const auto v = nlohmann::json::parse(j.out);
  EXPECT_EQ(v["verdict"], "fair");
  EXPECT_EQ(v["tasks"].size(), 4u);
  EXPECT_EQ(v["channels"][0]["measured"]["bytes"], 6144);
  EXPECT_EQ(v["per_iteration"]["iterations"], 3);
  EXPECT_TRUE(v["counts_match"].get<bool>());
}

TEST(ImportCli, ValidateWithTheMapperTheRunUsed) {
  const std::string dir = importer::test::temp_dir("mapper");
  write_run(dir);
  // Points dealt over the CPUs as the synthetic run dealt them.
  importer::test::write_text(dir + "/m.mapping",
                             "cpus = Machine(CPU);\n"
                             "def dealt(Task task) {\n"
                             "  return cpus[0, task.ipoint[0] % cpus.size[1]];\n"
                             "}\n"
                             "IndexTaskMap init,stencil,update dealt;\n");
  const CliRun r = run({"validate", dir, "-q", "--mapper", dir + "/m.mapping", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto v = nlohmann::json::parse(r.out);
  EXPECT_EQ(v["mapper"], dir + "/m.mapping");
  // Each CPU runs the same points as in the run; only the runtime overhead per task (20 us)
  // separates the prediction from the measurement.
  EXPECT_NEAR(v["per_iteration"]["predicted_s"].get<double>(), 284e-6 + 4 * 20e-6 - 4e-6, 1e-9);
  const CliRun bad = run({"validate", dir, "-q", "--mapper", dir + "/nope.mapping"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("nope.mapping"), std::string::npos) << bad.err;
}

TEST(ImportCli, BadLogsAreLocatedErrors) {
  const std::string dir = importer::test::temp_dir("bad");
  EXPECT_EQ(run({"import"}).err,
            "mapsmith: error: give a run's directory, or its logs with --spy FILE... and --prof "
            "FILE...\n");
  const CliRun empty = run({"import", dir});
  EXPECT_EQ(empty.code, 1);
  EXPECT_EQ(empty.err,
            "mapsmith: error: " + dir + ": no Legion Spy log (spy_*.log) in the directory\n");
  const std::string spy = write_run(dir);
  // Truncated: the run was killed while writing.
  importer::test::write_text(dir + "/spy_0.log", spy.substr(0, spy.size() / 2 + 7));
  const CliRun cut = run({"import", dir, "-q", "-o", dir + "/x"});
  EXPECT_EQ(cut.code, 1);
  EXPECT_NE(cut.err.find("/spy_0.log:"), std::string::npos) << cut.err;
  EXPECT_NE(cut.err.find(": truncated: the file ends in the middle of a line (was the run cut "
                         "short?)\n"),
            std::string::npos)
      << cut.err;
  // A mismatched pair: Spy of one run, Prof of another mapper's run.
  const std::string other = importer::test::temp_dir("other");
  importer::synthetic::Params moved;
  moved.placement_shift = 1;
  write_run(dir);
  write_run(other, moved);
  const CliRun pair = run({"import", "--spy", dir + "/spy_0.log", "--prof", other + "/prof_0.gz",
                           "-q", "-o", dir + "/x"});
  EXPECT_EQ(pair.code, 1);
  EXPECT_EQ(pair.err, "mapsmith: error: " + dir + "/spy_0.log and " + other +
                          "/prof_0.gz are not logs of the same run: task init (unique id 4) ran "
                          "on processor 1d00000000000003 according to Legion Prof but on "
                          "1d00000000000002 according to Legion Spy\n");
  // Another Legion version.
  importer::synthetic::Params old;
  old.prof_version = 1001;
  write_run(other, old);
  const CliRun version = run({"import", other, "-q", "-o", dir + "/x"});
  EXPECT_EQ(version.code, 1);
  EXPECT_NE(version.err.find("MachineDesc record: Legion Prof version 1001, but this reader reads "
                             "version 1008 (Legion 25.06.0)"),
            std::string::npos)
      << version.err;
}

TEST(ImportCli, AssumedVariantsAreNoted) {
  const std::string dir = importer::test::temp_dir("variants");
  write_run(dir);
  const CliRun r = run({"import", dir, "-q", "-o", dir + "/x", "--json", "--variant", "GPU=0.5",
                        "--variant", "stencil:OMP"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto app = nlohmann::json::parse(read_file(dir + "/x.app.json"));
  EXPECT_EQ(app["tasks"][2]["variants"].dump(),
            R"([{"kind":"CPU"},{"efficiency":0.5,"kind":"GPU"},{"kind":"OMP"}])");
  EXPECT_EQ(app["tasks"][0]["variants"].size(), 1u);  // the top-level task keeps its own
  const auto notes = nlohmann::json::parse(r.out)["notes"];
  EXPECT_EQ(notes[1],
            "variant GPU assumed for every task at efficiency 0.5: its time is the measured flops "
            "at that fraction of the GPU peak, not a measurement");
  EXPECT_EQ(notes[2],
            "variant OMP assumed for task stencil at efficiency 1: its time is the measured flops "
            "at that fraction of the OMP peak, not a measurement");
  EXPECT_EQ(run({"import", dir, "-q", "--variant", "TPU"}).err,
            "mapsmith: error: --variant TPU: unknown processor kind \"TPU\" (CPU, GPU, OMP, IO, "
            "PY or PROC)\n");
  EXPECT_EQ(run({"import", dir, "-q", "--variant", "GPU=2"}).err,
            "mapsmith: error: --variant GPU=2: the efficiency must be a number in (0, 1], not "
            "\"2\"\n");
  EXPECT_EQ(run({"import", dir, "-q", "--variant", "nope:GPU"}).err,
            "mapsmith: error: --variant nope:GPU: the run has no task nope\n");
}

TEST(ImportCli, CalibrateWritesAMachineFileImportReads) {
  const std::string dir = importer::test::temp_dir("calibrate");
  const CliRun c = run({"calibrate", "--bytes", "1048576", "--repeats", "1", "--threads", "1", "-o",
                        dir + "/host.json", "--json"});
  ASSERT_EQ(c.code, 0) << c.err;
  const auto j = nlohmann::json::parse(c.out);
  EXPECT_EQ(j["cores"], 1);
  EXPECT_GT(j["core_bandwidth"].get<double>(), 0);
  const machine::MachineSpec host =
      machine::parse_machine_json(read_file(dir + "/host.json"), "host.json");
  write_run(dir);
  const CliRun r =
      run({"import", dir, "-q", "-o", dir + "/x", "--calibration", dir + "/host.json", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const machine::MachineSpec m =
      machine::parse_machine_json(read_file(dir + "/x.machine.json"), "x.json");
  EXPECT_EQ(m.node.affinities[0].bandwidth, host.node.affinities[0].bandwidth);
  EXPECT_EQ(m.node.processors[0].flops, host.node.processors[0].flops);
  // The calibration replaced the defaults: no note about them.
  EXPECT_EQ(nlohmann::json::parse(r.out)["notes"].size(), 1u);
  EXPECT_EQ(run({"calibrate", "--bytes", "12"}).code, 2);
}

TEST(ImportCli, TuneConfirmsTheBestMappersOnTheRealProgram) {
  const std::string dir = importer::test::temp_dir("confirm");
  write_run(dir);
  ASSERT_EQ(run({"import", dir, "-q", "-o", dir + "/h"}).code, 0);
  // The "real program" prints a time that grows with the mapper file's size.
  const std::string runner = "sh -c 'echo time: $(wc -c < $0)e-6' {mapper}";
  const CliRun t = run({"tune",
                        "--app",
                        dir + "/h.app.json",
                        "--machine",
                        dir + "/h.machine.json",
                        "--budget",
                        "6",
                        "--db",
                        dir + "/r.db",
                        "--out",
                        "none",
                        "--expert",
                        "none",
                        "--confirm",
                        "2",
                        "--confirm-repeat",
                        "2",
                        "--runner",
                        runner,
                        "--metric",
                        "time: ([0-9.e-]+)",
                        "--json"});
  ASSERT_EQ(t.code, 0) << t.err;
  const auto j = nlohmann::json::parse(t.out);
  ASSERT_EQ(j["confirmed"].size(), 2u);
  for (const auto& c : j["confirmed"]) {
    EXPECT_TRUE(c["ok"].get<bool>());
    EXPECT_EQ(c["runs"].size(), 2u);
    EXPECT_DOUBLE_EQ(c["measured_s"].get<double>(), c["mapper"].get<std::string>().size() * 1e-6);
  }
  search::ResultsDb db(dir + "/r.db");
  const auto studies = db.studies();
  ASSERT_EQ(studies.size(), 1u);
  const auto stored = db.confirmations(studies[0].id);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].runner, runner);
  EXPECT_EQ(stored[0].repeats, 2);
  EXPECT_EQ(stored[0].mapper, j["confirmed"][0]["mapper"].get<std::string>());
  EXPECT_EQ(run({"tune", "--app", dir + "/h.app.json", "--machine", dir + "/h.machine.json",
                 "--confirm", "2"})
                .err,
            "mapsmith: error: --confirm needs --runner (the real program) and --metric\n");
}

/// The recorded real runs (tests/legion-runs, docs/legion.md): each example's model checks,
/// simulates and tunes, and validate prints its table for a run under the mapper it used.
TEST(ImportCli, RecordedRunsGiveModelsTheCommandsAccept) {
  const std::string runs = std::string(MAPSMITH_SOURCE_DIR) + "/tests/legion-runs";
  const std::string dir = importer::test::temp_dir("recorded");
  for (const char* example : {"daxpy", "stencil", "circuit"}) {
    std::vector<std::string> mappers;
    for (const auto& e : std::filesystem::directory_iterator(runs + "/" + example + "/mappers"))
      mappers.push_back(e.path().string());
    std::sort(mappers.begin(), mappers.end());
    ASSERT_GE(mappers.size(), 12u) << example;
    const std::string baseline = std::filesystem::path(mappers.front()).stem().string();
    const std::string model = dir + "/" + example;
    const CliRun im = run({"import", runs + "/" + example + "/" + baseline + "/1", "-o", model,
                           "-q", "--calibration", runs + "/host.json", "--name", example});
    ASSERT_EQ(im.code, 0) << im.err;
    const std::string app = model + ".app.json", machine = model + ".machine.json";
    for (const std::string& m : mappers) {
      const CliRun c = run({"check", "-q", "--machine", machine, m});
      EXPECT_EQ(c.code, 0) << m << "\n" << c.err;
      const CliRun s =
          run({"simulate", "--app", app, "--machine", machine, "--mapper", m, "--no-compare"});
      EXPECT_EQ(s.code, 0) << m << "\n" << s.err;
    }
    const CliRun t = run({"tune", "--app", app, "--machine", machine, "--budget", "4", "--db",
                          "none", "--out", "none", "--expert", "none"});
    EXPECT_EQ(t.code, 0) << example << "\n" << t.err;
    const std::string last = mappers.back();
    const std::string stem = std::filesystem::path(last).stem().string();
    const CliRun v = run({"validate", runs + "/" + example + "/" + stem + "/1", "--mapper", last,
                          "-q", "--calibration", runs + "/host.json", "--name", example});
    EXPECT_EQ(v.code, 0) << v.err;
    EXPECT_EQ(v.out.rfind(std::string(example) + " under " + last +
                              ": measured (Legion Prof) beside predicted (mapsmith simulate)\n",
                          0),
              0u)
        << v.out;
    EXPECT_NE(v.out.find("\nverdict: "), std::string::npos) << v.out;
  }
}

}  // namespace
}  // namespace mapsmith
