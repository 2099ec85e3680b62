// `mapsmith tune`: build the search space of an application on a machine, search it with an
// optimizer scored by an evaluator (the simulator, or a real command), keep every result in the
// results database, and report the best mapper against the expert mapper and the default policy.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <ostream>

#include "agent/llm_optimizer.h"
#include "app/app_json.h"
#include "app/generators.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/examples_dir.h"
#include "cli/file_write.h"
#include "cli/progress.h"
#include "importer/validate.h"
#include "llm/chat.h"
#include "machine/machine_json.h"
#include "search/command_evaluator.h"
#include "search/confirm.h"
#include "search/optimizer.h"
#include "search/results_db.h"
#include "search/sim_evaluator.h"
#include "search/space.h"
#include "search/tune.h"
#include "sim/sim.h"
#include "util/error.h"
#include "util/interrupt.h"
#include "util/strings.h"

namespace mapsmith::cli {

namespace {

struct TuneCmdOptions {
  std::string app;
  std::string machine;
  std::string optimizer = "ensemble";
  std::size_t budget = 1000;
  double time_limit = 0;
  std::uint64_t seed = 0;
  std::string db = "mapsmith.db";
  std::string out = "best.mapping";
  std::string start = "expert";
  std::string expert;
  std::string runner;
  std::string metric;
  double timeout = 600;
  std::string objective = "iteration";
  std::string backpressure = "on";
  std::size_t confirm = 0;
  int confirm_repeat = 1;
  unsigned jobs = 0;
  std::size_t batch = 32;
  std::size_t progress_every = 100;
  bool json = false;
  bool show_space = false;
  // The LLM optimizers (docs/llm.md).
  std::string llm = "openai";
  std::string llm_url;
  std::string llm_model;
  double llm_timeout = 120;
  bool llm_timeout_given = false;  // --llm manual waits without a time-out unless it is given
  int llm_retries = 4;
  std::int64_t max_tokens = 0;
  std::string llm_record;
  std::string llm_replay;
  bool llm_replay_loose = false;
  std::string exchange;
  int repair = 2;
  std::size_t llm_history = 6;
  std::size_t llm_steps = 0;
  bool no_structured = false;
  std::size_t hybrid_evaluations = 8;
};

using Json = nlohmann::ordered_json;

/// The flags that only the LLM optimizers read.
constexpr const char* kLlmFlags[] = {
    "--llm",        "--llm-url",     "--llm-model",  "--llm-timeout",      "--llm-retries",
    "--max-tokens", "--llm-record",  "--llm-replay", "--llm-replay-loose", "--exchange",
    "--repair",     "--llm-history", "--llm-steps",  "--no-structured",    "--hybrid-evals"};

bool is_llm_optimizer(const std::string& name) {
  return name == "llm" || name == "hybrid";
}

/// The chat client the flags and the environment describe (OPENAI_API_KEY is read from the
/// environment only: a flag would show in `ps`).
std::unique_ptr<llm::ChatClient> make_chat_client(const TuneCmdOptions& opts) {
  llm::ClientOptions co = llm::options_from_env();
  co.backend = opts.llm;
  if (!opts.llm_url.empty()) co.base_url = opts.llm_url;
  if (!opts.llm_model.empty()) co.model = opts.llm_model;
  co.timeout_s = opts.llm == "manual" && !opts.llm_timeout_given ? 0 : opts.llm_timeout;
  co.retries = opts.llm_retries;
  co.max_tokens = opts.max_tokens;
  co.record_path = opts.llm_record;
  co.replay_path = opts.llm_replay;
  co.replay_loose = opts.llm_replay_loose;
  co.exchange_dir = opts.exchange;
  if (opts.no_structured) co.structured = false;
  try {
    return llm::make_client(co);
  } catch (const llm::ChatError& e) {
    throw InputError(fmt::format("llm: {}", e.what()));
  }
}

Json llm_json(const agent::LlmStats& s) {
  return Json{{"model", s.model},
              {"steps", s.steps},
              {"failed_steps", s.failed_steps},
              {"calls", s.calls},
              {"repairs", s.repairs},
              {"prompt_tokens", s.prompt_tokens},
              {"completion_tokens", s.completion_tokens}};
}

std::string expert_path(const TuneCmdOptions& opts, const app::App& a) {
  if (opts.expert == "none") return {};
  if (!opts.expert.empty()) return opts.expert;
  return builtin_expert(a.name);
}

std::string params_text(const app::App& a) {
  std::string out;
  for (const auto& [k, v] : a.params)
    out += fmt::format("{}{}={}", out.empty() ? "" : ",", k, v);
  return out;
}

Json trial_ref_json(const std::optional<search::Trial>& t) {
  if (!t) return nullptr;
  return t->eval.ok ? Json(t->eval.time_s) : Json(nullptr);
}

/// "per iteration" or "for the whole run": what the times the search compares are.
std::string unit_of(const TuneCmdOptions& opts) {
  return opts.objective == "run" ? "for the whole run" : "per iteration";
}

std::string compare_line(const char* what, const search::Trial& ref, const search::Trial& best,
                         const std::string& unit) {
  if (!ref.eval.ok) return fmt::format("  {}: fails: {}\n", what, ref.eval.failure);
  const double ratio = best.eval.time_s > 0 ? ref.eval.time_s / best.eval.time_s : 0;
  return fmt::format("  {}: {} {}; the best is {:.3f}x as fast\n", what,
                     sim::time_text(ref.eval.time_s), unit, ratio);
}

/// `text` for a `#` comment: a line break (or any control character) in an app's or a machine's
/// name would end the comment and put the rest in the mapper as statements; it is escaped.
std::string comment_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (u < 0x20 || u == 0x7f)
      out += fmt::format("\\x{:02x}", u);
    else
      out += c;
  }
  return out;
}

/// The comment that heads the best mapper's file: where it comes from and what it gains (a
/// file of the default policy would otherwise be empty).
std::string out_header(const app::App& a, const machine::Machine& m, const TuneCmdOptions& opts,
                       const search::TuneResult& r, double expert_s) {
  const search::Trial& b = *r.best;
  std::string h = fmt::format(
      "# mapsmith tune: the best of {} mappers for {} on {} ({}, seed {}):\n", r.evaluations,
      comment_text(a.name), comment_text(m.name()), comment_text(opts.optimizer), opts.seed);
  h += fmt::format("# {} {}", sim::time_text(b.eval.time_s), unit_of(opts));
  if (!std::isnan(expert_s))
    h += fmt::format("; the expert mapper takes {} ({:.3f}x)", sim::time_text(expert_s),
                     expert_s / b.eval.time_s);
  h += ".\n";
  if (b.mapper.empty()) h += "# It is Legion's default mapper policy: no statement at all.\n";
  return h + (b.mapper.empty() ? "" : "\n");
}

/// Keeps every mapper the search evaluated (for --confirm without a database).
class Recorder final : public search::Evaluator {
 public:
  explicit Recorder(search::Evaluator& inner) : inner_(inner) {}
  std::string identity() const override { return inner_.identity(); }
  std::vector<search::Evaluation> evaluate(const std::vector<std::string>& programs,
                                           const search::OnEvaluated& on_done) override {
    std::vector<search::Evaluation> out = inner_.evaluate(programs, on_done);
    for (std::size_t i = 0; i < programs.size() && i < out.size(); ++i)
      if (out[i].ok) seen.emplace_back(programs[i], out[i].time_s);
    return out;
  }
  std::vector<std::pair<std::string, double>> seen;

 private:
  search::Evaluator& inner_;
};

/// The best `k` distinct mappers the search found, fastest first.
std::vector<std::pair<std::string, double>> best_simulated(search::ResultsDb* db,
                                                           std::int64_t study, const Recorder& rec,
                                                           std::size_t k) {
  std::vector<std::pair<std::string, double>> out;
  if (db) {
    for (const search::EvalRow& r : db->top(study, k))
      out.emplace_back(r.mapper, r.eval.time_s);
    return out;
  }
  std::vector<std::pair<std::string, double>> all = rec.seen;
  std::stable_sort(all.begin(), all.end(),
                   [](const auto& a, const auto& b) { return a.second < b.second; });
  for (const auto& m : all) {
    if (out.size() == k) break;
    if (std::none_of(out.begin(), out.end(), [&](const auto& o) { return o.first == m.first; }))
      out.push_back(m);
  }
  return out;
}

/// A validator for a whole number of at least `min` (unsigned options would wrap "-3" around).
CLI::Validator whole_number(long long min, std::string what) {
  return CLI::Validator(
      [min, what](std::string& v) -> std::string {
        const bool digits = !v.empty() && v.find_first_not_of("0123456789") == std::string::npos;
        if (!digits || (min > 0 && v.find_first_not_of('0') == std::string::npos))
          return fmt::format("'{}' is not {}", v, what);
        if (v.size() > 20 || (v.size() == 20 && v > "18446744073709551615"))
          return fmt::format("'{}' is too large: it must be {}", v, what);
        return std::string();
      },
      "", "");
}

/// The check that stops a --runner search at the first candidate whose output the metric does
/// not match (docs/tuning.md §3): spending the budget on times nobody can read helps no one.
std::function<std::optional<std::string>(const search::Trial&)> metric_check(
    const std::string& metric) {
  return [metric](const search::Trial& t) -> std::optional<std::string> {
    if (t.eval.ok || !t.eval.failure.starts_with("no match for the metric")) return std::nullopt;
    std::string out = t.eval.feedback;
    if (!out.empty() && out.back() != '\n') out += '\n';
    std::string msg = fmt::format(
        "--metric /{}/ does not match the output of candidate #{} ({}), so its time cannot be "
        "read; the search stops here. Fix --metric (its first group must capture the time in "
        "seconds) or the command. The command's output:\n{}",
        metric, t.number, t.origin, out.empty() ? "(nothing)" : out);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' '))
      msg.pop_back();
    return msg;
  };
}

/// `path` with "-2", "-3", ... before its extension: the first name that is free.
std::string free_name(const std::string& path) {
  const std::filesystem::path p(path);
  for (int k = 2;; ++k) {
    std::filesystem::path q = p;
    q.replace_filename(fmt::format("{}-{}{}", p.stem().string(), k, p.extension().string()));
    std::error_code ec;
    if (!std::filesystem::exists(q, ec)) return q.string();
  }
}

/// Where the best mapper goes: `path`, unless the file there holds a mapper that is faster on this
/// app and machine, or one that does not run here (a result of another search): then a new name,
/// and `note` says why. A file of comments only (the default policy) holds nothing to lose.
std::string out_destination(const std::string& path, const search::Trial& best,
                            search::Evaluator& evaluator, search::ResultsDb* db, std::int64_t study,
                            std::string& note) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return path;
  std::string old;
  try {
    old = read_file(path);
  } catch (const InputError&) {
    return path;  // unreadable: writing it says why
  }
  const std::string text = search::canonical_text(old);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos || text == best.mapper) return path;
  std::optional<search::Evaluation> e = db ? db->lookup(study, text) : std::nullopt;
  if (!e) e = evaluator.evaluate({text}, {}).front();
  if (e->ok && !search::better(*e, best.eval)) return path;
  const std::string to = free_name(path);
  note = e->ok ? fmt::format(
                     "{} holds a faster mapper ({} per iteration, whole run {}): kept; this "
                     "run's best goes to {}",
                     path, sim::time_text(e->time_s, 6), sim::time_text(e->run_time_s, 6), to)
               : fmt::format(
                     "{} holds a mapper that does not run here ({}): kept; this run's "
                     "best goes to {}",
                     path, e->failure, to);
  return to;
}

}  // namespace

void add_tune_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<TuneCmdOptions>();
  CLI::App* cmd = app.add_subcommand(
      "tune",
      "Search the mapping space of an application on a machine for a faster mapper.\n"
      "Starts from the expert mapper, scores candidates with the simulator (or a real command,\n"
      "--runner), stores every result in a SQLite database (a rerun resumes for free), and\n"
      "reports the best mapper against the expert mapper and the default policy.\n"
      "Example: mapsmith tune --app circuit --machine sapling --budget 2000 --out best.mapping");
  cmd->add_option("--app", opts->app, "Application: NAME, NAME:k=v,... or an app JSON file")
      ->required();
  cmd->add_option("--machine", opts->machine, "Machine preset or machine JSON file")->required();
  cmd->add_option("--optimizer", opts->optimizer,
                  "exhaustive, random, coordinate-descent, evolutionary, ensemble (default), or "
                  "llm and hybrid, which ask a language model (docs/llm.md)");
  cmd->add_option("--budget", opts->budget,
                  "Distinct mappers the optimizer proposes (default 1000); the expert mapper and "
                  "the default policy are evaluated first, in addition")
      ->check(whole_number(1, "a whole number of mappers, at least 1"));
  cmd->add_option("--time-limit", opts->time_limit,
                  "Stop after this many seconds (the result then depends on the speed)");
  cmd->add_option("--seed", opts->seed, "Seed of the search's random numbers (default 0)")
      ->check(whole_number(0, "a whole number from 0 to 18446744073709551615"));
  cmd->add_option("--db", opts->db,
                  "Results database (SQLite; default mapsmith.db; 'none': keep nothing)");
  cmd->add_option("-o,--out", opts->out,
                  "Write the best mapper here (default best.mapping; 'none': do not write)");
  cmd->add_option("--start", opts->start,
                  "Where the optimizer starts: expert (default), default (policy) or random")
      ->check(CLI::IsMember({"expert", "default", "random"}));
  cmd->add_option("--expert", opts->expert,
                  "The expert mapper (default: the shipped examples/APP/expert.mapping; "
                  "'none': no expert)");
  cmd->add_option("--runner", opts->runner,
                  "Evaluate by running this command, with {mapper} replaced by the candidate's "
                  "file (no shell), e.g. './circuit -lg:mapper {mapper}'");
  cmd->add_option("--metric", opts->metric,
                  "With --runner: a regular expression (RE2 syntax, matched in linear time) "
                  "whose first group is the time in seconds");
  cmd->add_option("--confirm", opts->confirm,
                  "With --runner: search with the simulator, then run the best K mappers with the "
                  "runner and report the simulated beside the measured time (both stored in the "
                  "database)");
  cmd->add_option("--confirm-repeat", opts->confirm_repeat,
                  "With --confirm: runs of each mapper; the median counts (default 1)")
      ->check(CLI::Range(1, 100));
  cmd->add_option("--timeout", opts->timeout,
                  "With --runner: kill a run (its whole process group) after this many seconds "
                  "(default 600)");
  cmd->add_option("--objective", opts->objective,
                  "What to minimise: iteration (default: the time per iteration of the region the "
                  "program times, in steady state) or run (the whole run, set-up included)")
      ->check(CLI::IsMember({"iteration", "run"}));
  cmd->add_option("--backpressure", opts->backpressure,
                  "on (default) or off: whether the simulated runs enforce InstanceLimit (the DSL "
                  "mapper does unless started with -tm:disable_backpressure)")
      ->check(CLI::IsMember({"on", "off"}));
  cmd->add_option("--jobs", opts->jobs,
                  "Evaluations at once (default: one per core for the simulator, 1 for --runner)");
  cmd->add_option("--batch", opts->batch, "Candidates asked of the optimizer at once (default 32)");
  cmd->add_option("--progress-every", opts->progress_every,
                  "When standard error is not a terminal (a CI log): a progress line every N "
                  "evaluations (default 100; 0: only the last)");
  cmd->add_flag("--show-space", opts->show_space, "Print the dimensions of the space and exit");
  // The LLM optimizers. The API key is read from OPENAI_API_KEY only.
  cmd->add_option("--llm", opts->llm,
                  "llm/hybrid: the model's backend: openai (any OpenAI-compatible endpoint; "
                  "default) or manual (you paste each request into a chat, see --exchange)")
      ->check(CLI::IsMember({"openai", "manual"}));
  cmd->add_option("--llm-url", opts->llm_url,
                  "llm/hybrid: the endpoint's base URL (default: OPENAI_BASE_URL, else "
                  "https://api.openai.com/v1); the key comes from OPENAI_API_KEY only");
  cmd->add_option("--llm-model", opts->llm_model,
                  "llm/hybrid: the model (default: MAPSMITH_MODEL)");
  cmd->add_option("--llm-timeout", opts->llm_timeout,
                  "llm/hybrid: seconds to wait for each reply (default 120; --llm manual: no "
                  "time-out unless given)");
  cmd->add_option("--llm-retries", opts->llm_retries,
                  "llm/hybrid: extra attempts after a time-out, a refused connection, HTTP 429 or "
                  "5xx (default 4)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-tokens", opts->max_tokens,
                  "llm/hybrid: the run's token budget, prompts and replies (default 0: none); "
                  "the run stops when it is spent")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--llm-record", opts->llm_record,
                  "llm/hybrid: write every exchange with the model to this file (JSON lines; "
                  "never the key)");
  cmd->add_option("--llm-replay", opts->llm_replay,
                  "llm/hybrid: replay a recorded run offline, exchange by exchange");
  cmd->add_flag("--llm-replay-loose", opts->llm_replay_loose,
                "With --llm-replay: give the recorded replies even where the requests now differ "
                "(after a change to the prompt), to record the run again with --llm-record")
      ->needs("--llm-replay");
  cmd->add_option("--exchange", opts->exchange,
                  "--llm manual: the directory where request-N.md is written and reply-N.md is "
                  "read");
  cmd->add_option("--repair", opts->repair,
                  "llm/hybrid: repair rounds for a reply that does not check (default 2)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--llm-history", opts->llm_history,
                  "llm/hybrid: history entries the prompt shows with their text (default 6)");
  cmd->add_option("--llm-steps", opts->llm_steps,
                  "llm/hybrid: the most LLM steps, failed ones included (default: 2 x budget)");
  cmd->add_flag("--no-structured", opts->no_structured,
                "llm/hybrid: ask for a ```mapping block instead of JSON blocks (for endpoints "
                "without structured output)");
  cmd->add_option("--hybrid-evals", opts->hybrid_evaluations,
                  "hybrid: mappers the classical search tries around the best after each LLM "
                  "step (default 8)");
  cmd->add_flag("--json", opts->json,
                "Print the result as JSON: best (mapper, time_s, ...), expert_time_s, "
                "default_time_s, speedup_vs_expert, evaluations, fresh_evaluations, ...");
  cmd->callback([opts, cmd, &ctx] {
    // A misspelt optimizer is a usage error (exit 2), found before anything is loaded.
    const std::vector<std::string> names = search::optimizer_names();
    if (std::find(names.begin(), names.end(), opts->optimizer) == names.end()) {
      std::string msg = fmt::format("unknown optimizer '{}'", opts->optimizer);
      if (auto m = closest_match(opts->optimizer, names))
        msg += fmt::format("; did you mean '{}'?", *m);
      throw CLI::ValidationError("--optimizer",
                                 msg + fmt::format(" (one of: {})", join(names, ", ")));
    }
    if (!opts->runner.empty() && opts->metric.empty())  // a usage error: exit 2, like every other
      throw CLI::ValidationError("--runner", "needs --metric REGEX");
    const bool llm_run = is_llm_optimizer(opts->optimizer);
    for (const char* flag : kLlmFlags)
      if (!llm_run && cmd->count(flag))
        throw CLI::ValidationError(flag, "is for --optimizer llm or hybrid");
    if (opts->confirm && opts->runner.empty())  // a --runner without --metric is refused above
      throw InputError("--confirm needs --runner (the real program) and --metric");
    opts->llm_timeout_given = cmd->count("--llm-timeout") > 0;
    const machine::Machine m = machine::load_machine(opts->machine);
    const app::App a = app::load_app(opts->app, m);

    // The expert mapper: its problems are warnings here; the search goes on without it.
    const std::string epath = expert_path(*opts, a);
    std::optional<std::string> expert_text;
    if (!epath.empty()) expert_text = read_file(epath);
    dsl::Diagnostics ediags;
    const search::Space space = search::Space::build(a, m, expert_text, ediags, epath);
    if (ediags.has_errors()) {
      ctx.err << fmt::format("mapsmith: warning: the expert mapper {} cannot be used:\n", epath);
      for (const dsl::Diagnostic& d : ediags.all())
        ctx.err << dsl::render(d, ctx.color);
    }
    if (opts->show_space) {
      ctx.out << fmt::format("{} on {}: {} dimensions, {:.4g} points\n", a.name, m.name(),
                             space.dims().size(), space.size());
      for (const search::Dimension& d : space.dims())
        ctx.out << fmt::format("  {:<56} {} values\n", d.name, d.size);
      return;
    }
    if (opts->start == "expert" && !space.has_expert())
      ctx.err << "mapsmith: note: no expert mapper: starting from the default policy\n";

    // The evaluator.
    std::unique_ptr<search::Evaluator> evaluator;
    if (!opts->runner.empty() && !opts->confirm) {
      search::CommandOptions co;
      co.runner = opts->runner;
      co.metric = opts->metric;
      co.timeout_s = opts->timeout;
      co.jobs = opts->jobs ? opts->jobs : 1;
      evaluator = std::make_unique<search::CommandEvaluator>(co);
    } else {
      search::SimSettings settings;
      settings.backpressure = opts->backpressure == "on";
      settings.objective =
          opts->objective == "run" ? search::Objective::Run : search::Objective::Iteration;
      evaluator = std::make_unique<search::SimEvaluator>(a, m, opts->jobs, settings);
    }

    search::Rng rng(opts->seed);
    search::Point start = space.default_point();
    if (opts->start == "expert" && space.has_expert()) start = space.expert_point();
    if (opts->start == "random") start = space.random_point(rng);
    const char* start_text = opts->start == "random"          ? "a random point"
                             : start == space.default_point() ? "the default policy"
                                                              : "the expert mapper";
    std::unique_ptr<llm::ChatClient> client;
    std::unique_ptr<search::Optimizer> optimizer;
    agent::LlmOptimizer* llm_optimizer = nullptr;
    if (llm_run) {
      client = make_chat_client(*opts);
      agent::LlmSetup setup;
      setup.client = client.get();
      setup.app = &a;
      setup.machine = &m;
      setup.start_text = space.render(start);
      setup.start_name = start_text;
      setup.agent.repair_rounds = opts->repair;
      setup.agent.structured = !opts->no_structured;
      setup.agent.seed = opts->seed;
      setup.history = opts->llm_history;
      setup.max_steps = opts->llm_steps ? opts->llm_steps : 2 * opts->budget;
      setup.hybrid_evaluations = opts->hybrid_evaluations;
      if (opts->llm == "manual" && !opts->exchange.empty() && opts->llm_replay.empty())
        // Every step's outcome, the last one included, next to its request and reply.
        setup.on_outcome = [dir = opts->exchange](std::size_t n, const std::string& text) {
          const auto path = std::filesystem::path(dir) / fmt::format("outcome-{:04}.md", n);
          std::ofstream f(path, std::ios::binary | std::ios::trunc);
          f << text;
          if (!f) throw InputError(fmt::format("{}: cannot write the outcome", path.string()));
        };
      auto o = agent::make_llm_optimizer(opts->optimizer, setup, rng);
      llm_optimizer = o.get();
      optimizer = std::move(o);
    } else {
      optimizer = search::make_optimizer(opts->optimizer, space, start, rng, opts->budget);
    }

    std::unique_ptr<search::ResultsDb> db;
    std::int64_t study = 0;
    if (opts->db != "none") {
      db = std::make_unique<search::ResultsDb>(opts->db);
      const std::string identity = evaluator->identity();
      study = db->study(search::StudyKey{
          a.name, params_text(a), m.name(), identity,
          search::fingerprint({app::dump_app_json(a), machine::dump_machine_json(m), identity})});
    }

    search::TuneOptions to;
    to.budget = opts->budget;
    to.time_limit_s = opts->time_limit;
    to.batch = opts->batch;
    // The run's identity in the database names the model (never the key).
    to.optimizer =
        client ? fmt::format("{} ({})", opts->optimizer, client->describe()) : opts->optimizer;
    to.seed = opts->seed;
    to.start = opts->start;
    // The progress goes to standard error: a line redrawn in place on a terminal, plain lines
    // in a log (the process's own stream only: in-process callers get the result alone).
    ProgressReporter bar(ctx.err, isatty(STDERR_FILENO) != 0, opts->progress_every,
                         opts->time_limit);
    if (&ctx.err == &std::cerr) to.progress = [&bar](const search::TuneProgress& p) { bar(p); };
    // Ctrl-C and SIGTERM end the search between batches, with everything it found (§5).
    to.interrupted = [] { return interrupted(); };
    if (!opts->runner.empty() && !opts->confirm) to.check = metric_check(opts->metric);
    Recorder recorder(*evaluator);
    std::optional<search::TuneResult> result;
    {
      InterruptGuard guard;
      result = search::tune(space, *optimizer, recorder, to, db.get(), study);
    }
    const search::TuneResult& r = *result;
    bar.clear();

    // --confirm: the best simulated mappers on the real program.
    std::vector<search::Confirmed> confirmed;
    if (opts->confirm) {
      search::CommandOptions co;
      co.runner = opts->runner;
      co.metric = opts->metric;
      co.timeout_s = opts->timeout;
      co.jobs = 1;
      search::CommandEvaluator real(co);
      confirmed = search::confirm(best_simulated(db.get(), study, recorder, opts->confirm), real,
                                  opts->confirm_repeat);
      if (db) {
        const std::vector<search::RunRow> runs = db->runs(study);
        const std::int64_t run = runs.empty() ? 0 : runs.back().id;
        for (const search::Confirmed& c : confirmed)
          db->record_confirmation(
              study, search::Confirmation{run, c.mapper, c.simulated_s, c.ok, c.measured_s,
                                          c.failure, opts->confirm_repeat, opts->runner});
      }
    }
    std::vector<double> sim_times, real_times;
    for (const search::Confirmed& c : confirmed)
      if (c.ok) {
        sim_times.push_back(c.simulated_s);
        real_times.push_back(c.measured_s);
      }

    const double expert_s = r.expert && r.expert->eval.ok ? r.expert->eval.time_s : NAN;
    // --out: written only when the file holds nothing as good (else to a new name, said).
    std::string written_to;
    std::string out_note;
    if (r.best && opts->out != "none") {
      written_to = out_destination(opts->out, *r.best, *evaluator, db.get(), study, out_note);
      // Through a temporary file: a full disk leaves the previous file as it was.
      const std::string e = write_file_safely(
          written_to, out_header(a, m, *opts, r, expert_s) + r.best->mapper, Replace::Output);
      if (!e.empty()) throw InputError(e);
    }
    const double default_s = r.def.eval.ok ? r.def.eval.time_s : NAN;
    if (opts->json) {
      Json j{{"app", a.name},
             {"machine", m.name()},
             {"optimizer", opts->optimizer},
             {"seed", opts->seed},
             {"start", opts->start},
             {"budget", opts->budget},
             {"evaluator", evaluator->identity()}};
      j["space"] = {{"dimensions", space.dims().size()}, {"points", space.size()}};
      if (r.best) {
        Json changes = Json::array();
        for (std::size_t i = 0; i < r.best->point.size(); ++i)
          if (r.best->point[i] || i == 0)
            changes.push_back(
                {{"dimension", space.dims()[i].name}, {"value", space.label(r.best->point, i)}});
        j["best"] = {{"mapper", r.best->mapper},
                     {"time_s", r.best->eval.time_s},
                     {"run_time_s", r.best->eval.run_time_s},
                     {"found_by", r.best->origin},
                     {"evaluation", r.best->number},
                     {"changes", changes}};
      } else {
        j["best"] = nullptr;
      }
      j["expert_time_s"] = trial_ref_json(r.expert);
      if (r.expert && !r.expert->eval.ok) j["expert_failure"] = r.expert->eval.failure;
      j["default_time_s"] = trial_ref_json(r.def);
      if (!r.def.eval.ok) j["default_failure"] = r.def.eval.failure;
      j["speedup_vs_expert"] =
          r.best && !std::isnan(expert_s) ? Json(expert_s / r.best->eval.time_s) : Json(nullptr);
      j["speedup_vs_default"] =
          r.best && !std::isnan(default_s) ? Json(default_s / r.best->eval.time_s) : Json(nullptr);
      j["evaluations"] = r.evaluations;
      j["proposals"] = r.proposals;
      j["references"] = r.references;
      j["fresh_evaluations"] = r.fresh;
      j["cached_evaluations"] = r.cached;
      j["failed_evaluations"] = r.failed;
      j["stopped"] = r.stopped;
      Json trajectory = Json::array();
      for (const search::Improvement& i : r.trajectory)
        trajectory.push_back({i.number, i.time_s});
      j["trajectory"] = trajectory;
      if (llm_optimizer) j["llm"] = llm_json(llm_optimizer->stats());
      if (opts->confirm) {
        Json cj = Json::array();
        for (const search::Confirmed& c : confirmed)
          cj.push_back({{"mapper", c.mapper},
                        {"simulated_s", c.simulated_s},
                        {"ok", c.ok},
                        {"measured_s", c.ok ? Json(c.measured_s) : Json(nullptr)},
                        {"runs", c.runs},
                        {"failure", c.ok ? Json(nullptr) : Json(c.failure)}});
        j["confirmed"] = cj;
        j["confirmed_tau"] = importer::kendall_tau(sim_times, real_times);
      }
      j["error"] = r.stopped_by_error ? Json(r.stopped) : Json(nullptr);
      j["out"] = written_to.empty() ? Json(nullptr) : Json(written_to);
      ctx.out << j.dump(2) << '\n';
    } else {
      ctx.out << fmt::format(
          "{} on {}: {} (seed {}, from {}), {} mapper{} proposed + {} reference{} ({})\n", a.name,
          m.name(), opts->optimizer, opts->seed, start_text, r.proposals,
          r.proposals == 1 ? "" : "s", r.references, r.references == 1 ? "" : "s",
          r.expert ? "the expert and the default policy" : "the default policy");
      if (r.best) {
        const search::Trial& b = *r.best;
        if (opts->objective == "run")
          ctx.out << fmt::format(
              "  best mapper: {} for the whole run, found by {} at evaluation {}\n",
              sim::time_text(b.eval.time_s), b.origin, b.number);
        else
          ctx.out << fmt::format(
              "  best mapper: {} per iteration (whole run {}), found by {} at evaluation {}\n",
              sim::time_text(b.eval.time_s), sim::time_text(b.eval.run_time_s), b.origin, b.number);
        if (r.expert) ctx.out << compare_line("expert mapper", *r.expert, b, unit_of(*opts));
        ctx.out << compare_line("default policy", r.def, b, unit_of(*opts));
      } else {
        ctx.out << "  no mapper ran: every candidate failed\n";
      }
      // A long reason (the command's output) is printed whole on standard error below.
      const std::string reason = r.stopped.substr(0, r.stopped.find('\n'));
      ctx.out << fmt::format("  {} new, {} from the database, {} failed; stopped: {}\n", r.fresh,
                             r.cached, r.failed, reason);
      if (llm_optimizer) {
        const agent::LlmStats s = llm_optimizer->stats();
        const auto n = [](std::size_t k, const char* what) {
          return fmt::format("{} {}{}", k, what, k == 1 ? "" : "s");
        };
        ctx.out << fmt::format(
            "  llm: {} ({} failed), {} ({}), {} prompt + {} completion tokens{}\n",
            n(s.steps, "step"), s.failed_steps, n(s.calls, "request"), n(s.repairs, "repair round"),
            s.prompt_tokens, s.completion_tokens, s.model.empty() ? "" : "; model " + s.model);
      }
      if (r.best && r.best->origin != "expert" && r.best->origin != "default") {
        // A point of the space is described by its changes; a program proposed as text (the
        // LLM's, or the hybrid search's) is shown whole.
        const bool text = r.best->point.empty();
        ctx.out << (text ? "  the mapper:\n" : "  what it changes:\n");
        std::string desc = text ? r.best->mapper : space.describe(r.best->point);
        for (std::size_t at = 0, nl; at < desc.size(); at = nl + 1) {
          nl = desc.find('\n', at);
          if (nl == std::string::npos) nl = desc.size();
          ctx.out << "    " << desc.substr(at, nl - at) << '\n';
        }
      }
      if (!out_note.empty()) ctx.out << "  " << out_note << '\n';
      if (!written_to.empty()) ctx.out << fmt::format("  written to {}\n", written_to);
      if (opts->confirm) {
        ctx.out << fmt::format(
            "  the best {} simulated mappers on the real program ({} run{} "
            "each):\n",
            confirmed.size(), opts->confirm_repeat, opts->confirm_repeat == 1 ? "" : "s");
        ctx.out << fmt::format("    {:>4} {:>12} {:>12} {:>8}\n", "rank", "simulated", "measured",
                               "ratio");
        for (std::size_t i = 0; i < confirmed.size(); ++i) {
          const search::Confirmed& c = confirmed[i];
          if (c.ok)
            ctx.out << fmt::format("    {:>4} {:>12} {:>12} {:>8.3f}\n", i + 1,
                                   sim::time_text(c.simulated_s), sim::time_text(c.measured_s),
                                   c.simulated_s > 0 ? c.measured_s / c.simulated_s : 0.0);
          else
            ctx.out << fmt::format("    {:>4} {:>12} {:>12}  {}\n", i + 1,
                                   sim::time_text(c.simulated_s), "fails", c.failure);
        }
        if (sim_times.size() >= 2)
          ctx.out << fmt::format("    Kendall's tau between simulated and measured: {:.3f}\n",
                                 importer::kendall_tau(sim_times, real_times));
      }
    }
    if (!r.best) ctx.exit_code = kExitInput;
    if (r.interrupted) {
      // Stopped by Ctrl-C or SIGTERM: the summary above is the best so far; exit 128 + signal.
      const int sig = interrupt_signal();
      ctx.err << fmt::format(
          "mapsmith: interrupted ({}): the best mapper so far is above{}; every result is in {}: "
          "rerun the same command to resume\n",
          interrupt_name(sig), written_to.empty() ? "" : " and in " + written_to,
          opts->db == "none" ? "no database (--db none: nothing to resume from)" : opts->db);
      ctx.exit_code = 128 + (sig ? sig : SIGINT);
      return;
    }
    if (r.stopped_by_error) {
      // The run ended early (the model could not be asked): what it found is above and in the
      // database; say why, and fail.
      ctx.err << "mapsmith: error: " << r.stopped << '\n';
      ctx.exit_code = kExitInput;
    }
  });
}

}  // namespace mapsmith::cli
