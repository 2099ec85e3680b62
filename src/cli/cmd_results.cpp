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
  bool runs = false;
  std::int64_t steps = 0;
  bool json = false;
};

using Json = nlohmann::ordered_json;

Json run_json(const search::RunRow& r) {
  return {{"run", r.id},
          {"optimizer", r.info.optimizer},
          {"seed", r.info.seed},
          {"start", r.info.start},
          {"budget", r.info.budget},
          {"started_at", r.started_at},
          {"finished_at", r.finished_at ? Json(*r.finished_at) : Json(nullptr)},
          {"evaluations", r.evaluations},
          {"fresh", r.fresh},
          {"best_evaluation", r.best_number ? Json(*r.best_number) : Json(nullptr)},
          {"llm_steps", r.steps},
          {"failed_llm_steps", r.failed_steps}};
}

/// The runs of a study as a table under its heading.
void print_runs(std::ostream& out, const std::vector<search::RunRow>& runs) {
  out << fmt::format("  {:>4}  {:<24}  {:>4}  {:<7}  {:>6}  {:>11}  {:>6}  {:>5}  {:>9}  {}\n",
                     "run", "optimizer", "seed", "start", "budget", "evaluations", "fresh", "best",
                     "LLM steps", "finished");
  for (const search::RunRow& r : runs)
    out << fmt::format("  {:>4}  {:<24}  {:>4}  {:<7}  {:>6}  {:>11}  {:>6}  {:>5}  {:>9}  {}\n",
                       r.id, r.info.optimizer, r.info.seed, r.info.start, r.info.budget,
                       r.evaluations, r.fresh, r.best_number ? std::to_string(*r.best_number) : "-",
                       r.steps ? fmt::format("{} ({} failed)", r.steps, r.failed_steps) : "-",
                       r.finished_at ? *r.finished_at : "no (killed, or still running)");
}

/// `--steps RUN`: what the LLM optimizer did in one run, step by step.
void print_steps(Context& ctx, search::ResultsDb& db, const std::string& path, std::int64_t run,
                 bool json) {
  std::optional<search::RunRow> row;
  for (const search::StudyRow& s : db.studies())
    for (search::RunRow& r : db.runs(s.id))
      if (r.id == run) row = std::move(r);
  if (!row) throw InputError(fmt::format("{}: there is no run {}", path, run));
  const std::vector<search::StepRecord> steps = db.steps(run);
  if (json) {
    Json rows = Json::array();
    for (const search::StepRecord& s : steps)
      rows.push_back({{"step", s.step},
                      {"status", s.status},
                      {"detail", s.detail},
                      {"repairs", s.repairs},
                      {"prompt_tokens", s.prompt_tokens},
                      {"completion_tokens", s.completion_tokens},
                      {"evaluation", s.number ? Json(s.number) : Json(nullptr)}});
    ctx.out << Json{{"database", path}, {"run", run_json(*row)}, {"steps", rows}}.dump(2) << '\n';
    return;
  }
  ctx.out << fmt::format("run {}: {} (seed {}, from the {}): {} LLM steps, {} failed\n", run,
                         row->info.optimizer, row->info.seed, row->info.start, row->steps,
                         row->failed_steps);
  if (steps.empty()) return;
  ctx.out << fmt::format("  {:>4}  {:<14}  {:>7}  {:>6}  {:>10}  {:>10}  {}\n", "step", "status",
                         "repairs", "prompt", "completion", "evaluation", "detail");
  for (const search::StepRecord& s : steps) {
    std::string detail = s.detail.substr(0, s.detail.find('\n'));
    if (detail.size() > 100) detail = detail.substr(0, 97) + "...";
    ctx.out << fmt::format("  {:>4}  {:<14}  {:>7}  {:>6}  {:>10}  {:>10}  {}\n", s.step, s.status,
                           s.repairs, s.prompt_tokens, s.completion_tokens,
                           s.number ? std::to_string(s.number) : "-", detail);
  }
}

}  // namespace

void add_results_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ResultsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "results",
      "List what the searches stored in a results database (docs/results-db.md): per study\n"
      "(application, parameters, machine, evaluator), the fastest mappers found.\n"
      "Example: mapsmith results mapsmith.db --top 5");
  CLI::Option* positional = cmd->add_option("DB", opts->db, "The results database (SQLite)");
  // The name `tune` gives it, so that one flag works with both commands.
  CLI::Option* named = cmd->add_option("--db", opts->db, "Same as DB");
  positional->excludes(named);
  cmd->add_option("--top", opts->top, "How many mappers per study (default 10)");
  cmd->add_option("--study", opts->study, "Only this study (by its id)");
  cmd->add_flag("--runs", opts->runs,
                "Also list each study's runs: optimizer, seed, start, budget, evaluations, the "
                "best mapper's number, LLM steps, and whether it finished");
  cmd->add_option("--steps", opts->steps,
                  "Show what the LLM optimizer did in this run (by its id, from --runs): each "
                  "step's status, repair rounds, tokens and the mapper it proposed");
  cmd->add_flag("--json", opts->json,
                "Print JSON: studies, each with its key and its top mappers (with their text)");
  cmd->callback([opts, &ctx] {
    if (opts->db.empty()) throw CLI::RequiredError("DB");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(opts->db, ec))
      throw InputError(fmt::format("{}: no such results database", opts->db));
    search::ResultsDb db(opts->db, search::DbAccess::ReadOnly);  // never writes it
    if (opts->steps) return print_steps(ctx, db, opts->db, opts->steps, opts->json);
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
        if (opts->runs) {
          Json runs = Json::array();
          for (const search::RunRow& r : db.runs(s.id))
            runs.push_back(run_json(r));
          studies.back()["runs"] = runs;
        }
        continue;
      }
      ctx.out << fmt::format("study {}: {} ({}) on {}, {}: {} evaluations, {} ran\n", s.id,
                             s.key.app, s.key.params, s.key.machine, s.key.evaluator, s.evaluations,
                             s.ok);
      if (!top.empty()) {
        ctx.out << fmt::format("  {:>4}  {:>12}  {:>12}  {:<20}  {}\n", "rank", "time/iter",
                               "whole run", "found by", "run:evaluation");
        for (std::size_t i = 0; i < top.size(); ++i)
          ctx.out << fmt::format(
              "  {:>4}  {:>12}  {:>12}  {:<20}  {}:{}\n", i + 1, sim::time_text(top[i].eval.time_s),
              sim::time_text(top[i].eval.run_time_s), top[i].origin, top[i].run, top[i].number);
      }
      if (opts->runs) {
        ctx.out << "  runs:\n";
        print_runs(ctx.out, db.runs(s.id));
      }
    }
    if (opts->json) ctx.out << Json{{"database", opts->db}, {"studies", studies}}.dump(2) << '\n';
  });
}

}  // namespace mapsmith::cli
