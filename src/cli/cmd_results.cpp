// `mapsmith results DB`: what the searches stored in a results database, best first per study.
#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "search/results_db.h"
#include "sim/sim.h"
#include "util/error.h"

namespace mapsmith::cli {

namespace {

struct ResultsOptions {
  std::string db;
  std::size_t top = 10;
  std::int64_t study = 0;
  bool json = false;
};

using Json = nlohmann::ordered_json;

}  // namespace

void add_results_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ResultsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "results",
      "List what the searches stored in a results database (docs/results-db.md): per study\n"
      "(application, parameters, machine, evaluator), the fastest mappers found.\n"
      "Example: mapsmith results mapsmith.db --top 5");
  cmd->add_option("DB", opts->db, "The results database (SQLite)")->required();
  cmd->add_option("--top", opts->top, "How many mappers per study (default 10)");
  cmd->add_option("--study", opts->study, "Only this study (by its id)");
  cmd->add_flag("--json", opts->json,
                "Print JSON: studies, each with its key and its top mappers (with their text)");
  cmd->callback([opts, &ctx] {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(opts->db, ec))
      throw InputError(fmt::format("{}: no such results database", opts->db));
    search::ResultsDb db(opts->db);
    Json studies = Json::array();
    for (const search::StudyRow& s : db.studies()) {
      if (opts->study && s.id != opts->study) continue;
      const std::vector<search::EvalRow> top = db.top(s.id, opts->top);
      if (opts->json) {
        Json rows = Json::array();
        for (std::size_t i = 0; i < top.size(); ++i)
          rows.push_back({{"rank", i + 1},
                          {"time_s", top[i].eval.time_s},
                          {"run_time_s", top[i].eval.run_time_s},
                          {"origin", top[i].origin},
                          {"run", top[i].run},
                          {"evaluation", top[i].number},
                          {"mapper", top[i].mapper}});
        studies.push_back({{"study", s.id},
                           {"app", s.key.app},
                           {"params", s.key.params},
                           {"machine", s.key.machine},
                           {"evaluator", s.key.evaluator},
                           {"fingerprint", s.key.fingerprint},
                           {"evaluations", s.evaluations},
                           {"ok", s.ok},
                           {"top", rows}});
        continue;
      }
      ctx.out << fmt::format("study {}: {} ({}) on {}, {}: {} evaluations, {} ran\n", s.id,
                             s.key.app, s.key.params, s.key.machine, s.key.evaluator, s.evaluations,
                             s.ok);
      if (top.empty()) continue;
      ctx.out << fmt::format("  {:>4}  {:>12}  {:>12}  {:<20}  {}\n", "rank", "time/iter",
                             "whole run", "found by", "run:evaluation");
      for (std::size_t i = 0; i < top.size(); ++i)
        ctx.out << fmt::format(
            "  {:>4}  {:>12}  {:>12}  {:<20}  {}:{}\n", i + 1, sim::time_text(top[i].eval.time_s),
            sim::time_text(top[i].eval.run_time_s), top[i].origin, top[i].run, top[i].number);
    }
    if (opts->json) ctx.out << Json{{"database", opts->db}, {"studies", studies}}.dump(2) << '\n';
  });
}

}  // namespace mapsmith::cli
