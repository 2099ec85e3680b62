// `mapsmith report`: one self-contained HTML page about a simulation (a mapper beside the expert
// mapper and the default policy) or about a study of the results database (its best mapper beside
// the expert, and the search). The stages: load, simulate and prepare (report::build_report),
// render (report::write_html), write.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/app_json.h"
#include "app/generators.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "machine/machine_json.h"
#include "report/html.h"
#include "report/report.h"
#include "report/study.h"
#include "search/results_db.h"
#include "search/sim_evaluator.h"
#include "search/space.h"
#include "util/error.h"
#include "util/strings.h"

#ifndef MAPSMITH_SOURCE_DIR
#define MAPSMITH_SOURCE_DIR "."
#endif

namespace mapsmith::cli {

namespace {

struct ReportOptions {
  std::string app;
  std::string machine;
  std::string mapper;
  std::string expert;
  std::string db;
  std::int64_t study = 0;
  std::string out = "report.html";
  std::size_t swaps = 16;
  unsigned jobs = 0;
  std::size_t max_bars = 12000;
  bool json = false;
};

/// The expert mapper of the app: --expert, else examples/<app>/expert.mapping in the source tree.
std::string expert_path(const ReportOptions& opts, const app::App& a) {
  if (opts.expert == "none") return {};
  if (!opts.expert.empty()) return opts.expert;
  const std::filesystem::path p =
      std::filesystem::path(MAPSMITH_SOURCE_DIR) / "examples" / a.name / "expert.mapping";
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec) ? p.string() : std::string();
}

std::string params_text(const app::App& a) {
  std::string out;
  for (const auto& [k, v] : a.params)
    out += fmt::format("{}{}={}", out.empty() ? "" : ",", k, v);
  return out;
}

report::MapperSource default_policy() {
  return report::MapperSource{"default", "default policy", "", true};
}

/// A simulation's report: the mapper (or the default policy), the expert, the default policy.
std::vector<report::MapperSource> simulation_mappers(const ReportOptions& o, const app::App& a) {
  std::vector<report::MapperSource> out;
  if (o.mapper.empty())
    out.push_back(report::MapperSource{"best", "default policy (no --mapper)", "", true});
  else
    out.push_back(report::MapperSource{"best", "mapper " + o.mapper, read_file(o.mapper), false});
  if (const std::string e = expert_path(o, a); !e.empty())
    out.push_back(report::MapperSource{"expert", "expert mapper", read_file(e), false});
  if (!o.mapper.empty()) out.push_back(default_policy());
  return out;
}

using Json = nlohmann::ordered_json;

}  // namespace

void add_report_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "Write one self-contained HTML page (no network needed to view it) about a simulation or a\n"
      "study of the results database: the timeline of the best mapper beside the expert's, where\n"
      "the time goes per task, the placement of every index launch, what changed against the\n"
      "expert (each decision measured), the search (curves, failures, which dimensions mattered)\n"
      "and the machine.\n"
      "Examples: mapsmith report --app circuit --machine sapling --mapper best.mapping\n"
      "          mapsmith report --db mapsmith.db --study 1 -o study.html");
  cmd->add_option("--app", opts->app,
                  "Application (NAME, NAME:k=v,... or app JSON); with --db: instead of the "
                  "study's own");
  cmd->add_option("--machine", opts->machine,
                  "Machine preset or JSON file; with --db: instead of the study's own");
  cmd->add_option("--mapper", opts->mapper,
                  "The mapper to report on (default: Legion's default mapper policy)");
  cmd->add_option("--expert", opts->expert,
                  "The expert mapper to compare with (default: examples/APP/expert.mapping in the "
                  "source tree; 'none': no comparison)");
  auto* db = cmd->add_option("--db", opts->db,
                             "A results database: report on one of its studies (its best mapper "
                             "against the expert, and the search)");
  cmd->add_option("--study", opts->study, "With --db: the study (default: the only one)")
      ->needs(db);
  cmd->get_option("--mapper")->excludes(db);
  cmd->add_option("-o,--out", opts->out,
                  "The HTML file to write (default report.html; '-': stdout)");
  cmd->add_option("--swaps", opts->swaps,
                  "Decisions measured by swapping them one at a time, two simulations each "
                  "(default 16; 0: none)");
  cmd->add_option("--jobs", opts->jobs,
                  "Simulations at once for the swaps (default: one per core)");
  cmd->add_option("--max-bars", opts->max_bars,
                  "A timeline with more bars than this is binned per row (default 12000)");
  cmd->add_flag(
      "--json", opts->json,
      "Print what was written as JSON: out, bytes, app, machine, mappers, changes, notes");
  cmd->callback([opts, cmd, &ctx] {
    const ReportOptions& o = *opts;
    if (o.db.empty() && (o.app.empty() || o.machine.empty()))
      throw CLI::RequiredError(o.app.empty() ? "--app (or --db)" : "--machine");
    report::BuildOptions bo;
    bo.swaps = o.swaps;
    bo.threads = o.jobs;
    bo.timeline.max_bars = o.max_bars;

    std::optional<report::StudyData> study;
    std::optional<machine::Machine> m;
    std::optional<app::App> a;
    std::vector<report::MapperSource> mappers;
    std::optional<search::Space> space;
    std::vector<std::string> warnings;
    std::string title, subtitle;
    if (!o.db.empty()) {
      study =
          report::load_study(o.db, cmd->count("--study") ? std::optional(o.study) : std::nullopt);
      const search::StudyKey& key = study->study.key;
      try {
        m = machine::load_machine(o.machine.empty() ? key.machine : o.machine);
        a = app::load_app(
            o.app.empty() ? key.app + (key.params.empty() ? "" : ":" + key.params) : o.app, *m);
      } catch (const InputError& e) {
        throw InputError(fmt::format(
            "{}: study {}: cannot rebuild its application or machine ({}): give them with --app "
            "and --machine",
            o.db, study->study.id, e.what()));
      }
      const std::string fp = search::fingerprint(
          {app::dump_app_json(*a), machine::dump_machine_json(*m), key.evaluator});
      if (fp != key.fingerprint) {
        if (!o.app.empty() || !o.machine.empty())
          throw InputError(
              fmt::format("{}: study {} was not run on this application and machine "
                          "(their fingerprint {} is not the study's {})",
                          o.db, study->study.id, fp, key.fingerprint));
        warnings.push_back(fmt::format(
            "the application and machine rebuilt from the study's names differ from those it was "
            "run on (fingerprint {} against {}: the built-in model may have changed since); the "
            "simulated sections may not match the stored times",
            fp, key.fingerprint));
      }
      const search::SimEvaluator reference(*a, *m, 1);
      if (key.evaluator != reference.identity())
        warnings.push_back(fmt::format(
            "the study's times come from '{}'; the timeline, the breakdown and the swaps are "
            "the simulator's predictions",
            key.evaluator));
      const report::StudyEval* best = study->best();
      if (best)
        mappers.push_back(
            report::MapperSource{"best",
                                 fmt::format("best mapper (run {}, evaluation {}, by {})",
                                             best->run, best->number, best->origin),
                                 study->texts[best->text], false});
      const std::string epath = expert_path(o, *a);
      std::optional<std::string> etext;
      if (!epath.empty()) etext = read_file(epath);
      if (const report::StudyEval* e = study->by_origin("expert"))
        mappers.push_back(
            report::MapperSource{"expert", "expert mapper", study->texts[e->text], false});
      else if (etext)
        mappers.push_back(report::MapperSource{"expert", "expert mapper", *etext, false});
      if (mappers.empty())
        throw InputError(fmt::format("{}: study {}: no mapper ran", o.db, study->study.id));
      mappers.push_back(default_policy());
      dsl::Diagnostics ediags;
      space.emplace(search::Space::build(*a, *m, etext, ediags, epath));
      title = fmt::format("{} on {}: study {} of {}", a->name, m->name(), study->study.id, o.db);
      subtitle = fmt::format("{} evaluations ({} ran) in {} run{}; {}", study->study.evaluations,
                             study->study.ok, study->runs.size(),
                             study->runs.size() == 1 ? "" : "s", key.evaluator);
    } else {
      m = machine::load_machine(o.machine);
      a = app::load_app(o.app, *m);
      mappers = simulation_mappers(o, *a);
      title = fmt::format("{} on {}: {}", a->name, m->name(), mappers.front().label);
      subtitle = fmt::format("simulated by mapsmith: {}; parameters {}",
                             mappers.size() > 1 ? "beside the expert mapper and the default policy"
                                                : "no expert mapper to compare with",
                             params_text(*a).empty() ? "none" : params_text(*a));
    }

    report::ReportData r = report::build_report(*a, *m, mappers, bo, study ? &*study : nullptr,
                                                space ? &*space : nullptr);
    r.title = title;
    r.subtitle = subtitle;
    if (!study)
      r.search_note =
          "This is the report of one simulation: there is no search to show. "
          "`mapsmith report --db FILE` shows a study of the results database "
          "(what `mapsmith tune` stores).";
    for (const std::string& w : warnings) {
      r.notes.insert(r.notes.begin(), "Warning: " + w + ".");
      ctx.err << "mapsmith: warning: " << w << '\n';
    }

    std::ostringstream html;
    report::write_html(html, r, *a, *m);
    const std::string page = html.str();
    if (o.out == "-") {
      ctx.out << page;
    } else {
      std::ofstream f(o.out, std::ios::binary | std::ios::trunc);
      f << page;
      f.close();
      if (!f) throw InputError(fmt::format("{}: cannot write the report", o.out));
    }
    const report::MapperView& first = r.mappers.front();
    if (o.json && o.out != "-") {
      Json j{{"out", o.out}, {"bytes", page.size()}, {"app", a->name}, {"machine", m->name()}};
      Json ms = Json::array();
      for (const report::MapperView& v : r.mappers) {
        Json x{{"role", v.source.role}, {"label", v.source.label}, {"ok", v.ok}};
        if (v.ok) {
          x["time_s"] = v.time_s;
          x["iteration_time_s"] = v.iteration_time_s;
        } else {
          x["failure"] = v.failure;
        }
        ms.push_back(x);
      }
      j["mappers"] = ms;
      j["changes"] = r.changes.size();
      j["notes"] = r.notes;
      ctx.out << j.dump(2) << '\n';
    } else if (o.out != "-") {
      ctx.out << fmt::format("wrote {} ({:.2f} MB): {}\n", o.out, page.size() / 1e6, r.title);
      for (const report::MapperView& v : r.mappers)
        ctx.out << fmt::format(
            "  {}: {}\n", v.source.label,
            v.ok ? sim::time_text(v.iteration_time_s) + (v.iterations > 0 ? " per iteration" : "")
                 : "fails: " + v.failure);
      if (!r.notes.empty())
        ctx.out << fmt::format("  {} note{} on what the report approximates (its last section)\n",
                               r.notes.size(), r.notes.size() == 1 ? "" : "s");
    }
    if (!study && !first.ok) {
      ctx.err << fmt::format("mapsmith: error: {}: {}\n", first.source.label, first.failure);
      ctx.exit_code = kExitInput;
    }
  });
}

}  // namespace mapsmith::cli
