// `mapsmith validate`: import a real run and simulate the model under the mapper the run used;
// print what was measured beside what is predicted, per task kind and per copy channel, the
// error of the whole run and per iteration, and a verdict (docs/import.md).
#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/front_end.h"
#include "cli/run_logs.h"
#include "importer/validate.h"
#include "mapping/check_against.h"
#include "mapping/decide.h"
#include "sim/sim.h"
#include "util/error.h"

namespace mapsmith::cli {

namespace {

struct ValidateCmdOptions {
  RunLogOptions logs;
  std::string mapper;
  bool json = false;
};

using Json = nlohmann::ordered_json;

std::string error_text(double measured, double predicted) {
  if (measured <= 0) return predicted > 0 ? "new" : "";
  const double e = 100 * (predicted - measured) / measured;
  return std::fabs(e) < 0.05 ? std::string("0.0%") : fmt::format("{:+.1f}%", e);
}

Json stat_json(const importer::Stat& s, bool bytes) {
  Json j{{"count", s.count}, {"seconds", s.seconds}};
  if (bytes) j["bytes"] = s.bytes;
  return j;
}

Json rows_json(const std::vector<importer::Row>& rows, bool bytes) {
  Json a = Json::array();
  for (const importer::Row& r : rows)
    a.push_back({{"name", r.name},
                 {"measured", stat_json(r.measured, bytes)},
                 {"predicted", stat_json(r.predicted, bytes)}});
  return a;
}

}  // namespace

void add_validate_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ValidateCmdOptions>();
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Measure the simulator against a real Legion run: import the run's logs, simulate the\n"
      "model under the mapper it ran with, and print measured beside predicted time, bytes and\n"
      "count per task kind and per copy channel, the error of the whole run and per iteration,\n"
      "and a verdict (docs/import.md).\n"
      "Example: mapsmith validate run/ --mapper daxpy.mapping");
  add_run_log_options(*cmd, opts->logs);
  cmd->add_option("--mapper", opts->mapper,
                  "The mapping file the run used (default: Legion's default mapper policy)");
  cmd->add_flag("--json", opts->json, "Print the comparison as JSON");
  cmd->callback([opts, &ctx] {
    const RunLogs r = read_run_logs(opts->logs, ctx);
    const importer::Imported& im = r.imported;
    const machine::Machine m = machine::Machine::seal(im.machine);
    dsl::Diagnostics diags;
    LoadedProgram program;
    if (!opts->mapper.empty()) {
      program = load_program(opts->mapper, diags);
      if (program.ok) mapping::check_against(program.program, program.info, &m, &im.app, diags);
    }
    std::optional<mapping::Mapping> mp;
    if (!diags.has_errors())
      mp = mapping::decide(im.app, m, opts->mapper.empty() ? nullptr : &program.program,
                           opts->mapper.empty() ? nullptr : &program.info, diags);
    if (!mp) {
      print_diagnostics(ctx, diags, false);
      ctx.exit_code = kExitInput;
      return;
    }
    sim::Options so;
    so.program = opts->mapper.empty() ? nullptr : &program.program;
    sim::Outcome outcome;
    const importer::Measurement predicted = importer::predict(im.app, m, *mp, so, outcome);
    if (!outcome.ok) {
      for (const dsl::Diagnostic& d : outcome.failures)
        ctx.err << dsl::render(d);
      ctx.err << "mapsmith: error: the model fails under this mapper, so there is no prediction "
                 "to compare\n";
      ctx.exit_code = kExitInput;
      return;
    }
    const importer::Validation v = importer::compare(im.measured, predicted);
    const std::string mapper = opts->mapper.empty() ? "default policy" : opts->mapper;
    if (opts->json) {
      Json j{
          {"app", im.app.name}, {"mapper", mapper}, {"spy", r.spy_files}, {"prof", r.prof_files}};
      j["tasks"] = rows_json(v.tasks, false);
      j["channels"] = rows_json(v.channels, true);
      j["fills"] = stat_json(im.measured.fills, true);
      j["whole_run"] = {{"measured_s", v.measured_time_s},
                        {"predicted_s", v.predicted_time_s},
                        {"error", v.time_error}};
      j["per_iteration"] = {{"iterations", v.iterations},
                            {"measured_s", v.measured_iteration_s},
                            {"predicted_s", v.predicted_iteration_s},
                            {"error", v.iteration_error}};
      j["counts_match"] = v.counts_match;
      Json pl = Json::array();
      for (const importer::PlacementRow& p : v.placements)
        pl.push_back({{"task", p.task},
                      {"arg", p.arg},
                      {"measured", p.measured},
                      {"predicted", p.predicted}});
      j["placements_differ"] = pl;
      j["verdict"] = importer::to_string(v.verdict);
      j["reason"] = v.reason;
      j["notes"] = im.notes;
      ctx.out << j.dump(2) << '\n';
      return;
    }
    std::ostream& o = ctx.out;
    o << fmt::format("{} under {}: measured (Legion Prof) beside predicted (mapsmith simulate)\n",
                     im.app.name, mapper);
    o << fmt::format("  {:<24} {:>9} {:>11} {:>9} {:>11} {:>8}\n", "task", "count", "time", "count",
                     "time", "error");
    for (const importer::Row& row : v.tasks)
      o << fmt::format("  {:<24} {:>9} {:>11} {:>9} {:>11} {:>8}\n", row.name, row.measured.count,
                       sim::time_text(row.measured.seconds), row.predicted.count,
                       sim::time_text(row.predicted.seconds),
                       error_text(row.measured.seconds, row.predicted.seconds));
    if (!v.channels.empty()) {
      o << fmt::format("  {:<24} {:>9} {:>11} {:>9} {:>11} {:>8}\n", "copy channel", "count",
                       "bytes", "count", "bytes", "error");
      for (const importer::Row& row : v.channels)
        o << fmt::format("  {:<24} {:>9} {:>11} {:>9} {:>11} {:>8}\n", row.name, row.measured.count,
                         sim::bytes_text(row.measured.bytes), row.predicted.count,
                         sim::bytes_text(row.predicted.bytes),
                         error_text(static_cast<double>(row.measured.bytes),
                                    static_cast<double>(row.predicted.bytes)));
    }
    if (im.measured.fills.count)
      o << fmt::format("  fills (not modelled): {} of {} in {}\n", im.measured.fills.count,
                       sim::bytes_text(im.measured.fills.bytes),
                       sim::time_text(im.measured.fills.seconds));
    o << fmt::format("  whole run: measured {}, predicted {} ({})\n",
                     sim::time_text(v.measured_time_s), sim::time_text(v.predicted_time_s),
                     error_text(v.measured_time_s, v.predicted_time_s));
    if (v.iterations)
      o << fmt::format("  per iteration ({} iterations): measured {}, predicted {} ({})\n",
                       v.iterations, sim::time_text(v.measured_iteration_s),
                       sim::time_text(v.predicted_iteration_s),
                       error_text(v.measured_iteration_s, v.predicted_iteration_s));
    for (const importer::PlacementRow& p : v.placements)
      o << fmt::format("  placed differently: task {} argument {}: run {}, model {}\n", p.task,
                       p.arg, p.measured, p.predicted);
    o << fmt::format("verdict: {}: {}\n", importer::to_string(v.verdict), v.reason);
  });
}

}  // namespace mapsmith::cli
