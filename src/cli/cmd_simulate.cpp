// `mapsmith simulate`: parse and check the mapper, decide, simulate; then the same for the
// application's expert mapper and for the default policy, to put the prediction in context.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>

#include "app/app.h"
#include "app/generators.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/examples_dir.h"
#include "cli/front_end.h"
#include "machine/machine_json.h"
#include "mapping/check_against.h"
#include "mapping/decide.h"
#include "sim/sim.h"
#include "sim/trace.h"
#include "util/error.h"

namespace mapsmith::cli {

namespace {

struct SimulateOptions {
  std::string app;
  std::string machine;
  std::string mapper;
  std::string expert;
  std::string trace;
  std::string backpressure = "on";
  std::string dialect = "mapsmith";
  bool json = false;
  bool no_compare = false;
};

/// One mapper run through the pipeline: its diagnostics (parse, check, decide) or its outcome.
struct Result {
  std::string label;  ///< the mapper's path, or "default policy"
  LoadedProgram program;
  dsl::Diagnostics diags;
  std::optional<mapping::Mapping> mapping;
  std::optional<sim::Outcome> outcome;
  bool ok() const { return outcome && outcome->ok; }
};

/// parse → check → decide → simulate. `path` empty: the default policy.
std::unique_ptr<Result> run_mapper(const std::string& path, const app::App& a,
                                   const machine::Machine& m, bool backpressure,
                                   std::ostream* trace,
                                   dsl::Dialect dialect = dsl::Dialect::Mapsmith) {
  auto r = std::make_unique<Result>();
  r->label = path.empty() ? std::string("default policy") : path;
  if (!path.empty()) {
    r->program = load_program(path, r->diags, dialect);
    if (!r->program.ok) return r;
    mapping::check_against(r->program.program, r->program.info, &m, &a, r->diags);
    if (r->diags.has_errors()) return r;
  }
  const dsl::Program* p = path.empty() ? nullptr : &r->program.program;
  r->mapping = mapping::decide(a, m, p, path.empty() ? nullptr : &r->program.info, r->diags);
  if (!r->mapping) return r;
  sim::Options o;
  o.program = p;
  o.backpressure = backpressure;
  std::optional<sim::TraceWriter> writer;
  if (trace) {
    writer.emplace(*trace, a, m, *r->mapping);
    o.observers.push_back(&*writer);
  }
  r->outcome = sim::simulate(a, m, *r->mapping, o);
  return r;
}

/// The expert mapper of the app: --expert, else the shipped examples/<app>/expert.mapping.
std::string expert_path(const SimulateOptions& opts, const app::App& a) {
  if (opts.expert == "none") return {};
  if (!opts.expert.empty()) return opts.expert;
  return builtin_expert(a.name);
}

/// Why a run has no time: its first diagnostic or failure, on one line.
std::string why(const Result& r) {
  if (r.outcome && !r.outcome->failures.empty()) {
    const dsl::Diagnostic& d = r.outcome->failures.front();
    return d.line ? fmt::format("line {}: {}", d.line, d.message) : d.message;
  }
  for (const dsl::Diagnostic& d : r.diags.all())
    if (d.severity == dsl::Severity::Error)
      return d.line ? fmt::format("line {}: {}", d.line, d.message) : d.message;
  return "it fails";
}

using Json = nlohmann::ordered_json;

Json diagnostic_json(const dsl::Diagnostic& d) {
  return Json{
      {"file", d.file}, {"line", d.line}, {"col", d.col}, {"message", d.message}, {"hint", d.hint}};
}

Json finding_json(const sim::Finding& f, const app::App& a, const machine::Machine& m) {
  Json j{{"kind", sim::to_string(f.kind)},
         {"text", f.text},
         {"seconds", f.seconds},
         {"fraction", f.fraction}};
  if (f.bytes) j["bytes"] = f.bytes;
  if (f.count) j["count"] = f.count;
  if (!f.category.empty()) j["category"] = f.category;
  if (f.task) j["task"] = a.tasks[*f.task].name;
  if (f.arg) j["arg"] = *f.arg;
  if (!f.region.empty()) j["region"] = f.region;
  if (f.channel) j["channel"] = m.name_of(*f.channel);
  if (f.memory) j["memory"] = m.name_of(*f.memory);
  if (f.proc_kind) j["proc_kind"] = to_string(*f.proc_kind);
  return j;
}

Json compare_json(const Result* r) {
  if (!r) return nullptr;
  Json j{{"mapper", r->label}};
  if (r->ok()) {
    j["time_s"] = r->outcome->time_s;
    j["iteration_time_s"] = r->outcome->iteration_time_s;
  } else {
    j["failure"] = why(*r);
  }
  return j;
}

Json outcome_json(const Result& r, const app::App& a, const machine::Machine& m,
                  const Result* expert, const Result* def) {
  Json j{{"app", a.name}, {"machine", m.name()}, {"mapper", r.label}};
  const sim::Outcome* o = r.outcome ? &*r.outcome : nullptr;
  j["ok"] = r.ok();
  j["time_s"] = o ? o->time_s : 0.0;
  j["iteration_time_s"] = o ? o->iteration_time_s : 0.0;
  j["iterations"] = o ? o->iterations : 0;
  j["timed_iterations"] = o ? o->timed_iterations : 0;
  j["timed_begin_s"] = o ? o->timed_begin_s : 0.0;
  j["timed_end_s"] = o ? o->timed_end_s : 0.0;
  j["limits_inactive"] = o ? o->limits_inactive : false;
  j["task_instances"] = o ? o->task_instances : 0;
  j["copies"] = o ? o->copies : 0;
  Json bytes{{"inter_node", o ? o->bytes.inter_node : 0},
             {"intra_node", o ? o->bytes.intra_node : 0}};
  for (machine::ChannelKind k :
       {machine::ChannelKind::SOCKET_BUS, machine::ChannelKind::PCIE, machine::ChannelKind::NVLINK,
        machine::ChannelKind::NIC, machine::ChannelKind::MEMBUS})
    bytes[std::string(machine::to_string(k))] = o ? o->bytes.by_kind[static_cast<int>(k)] : 0;
  j["bytes"] = bytes;
  if (o && o->ok) {
    const sim::Breakdown& b = o->critical_path;
    j["critical_path"] = {{"compute_s", b.compute},
                          {"copy_s", b.copy},
                          {"waiting_s", b.waiting},
                          {"overhead_s", b.overhead}};
    Json tasks = Json::array();
    for (std::size_t t = 0; t < o->task_times.size(); ++t) {
      const sim::TaskTime& tt = o->task_times[t];
      if (tt.instances == 0) continue;
      tasks.push_back({{"task", a.tasks[t].name},
                       {"instances", tt.instances},
                       {"busy_s", tt.busy_s},
                       {"inputs_s", tt.inputs_s},
                       {"queued_s", tt.queued_s},
                       {"critical_s", tt.critical_s}});
    }
    j["timed_tasks"] = tasks;
  }
  Json failures = Json::array();
  if (o)
    for (const dsl::Diagnostic& d : o->failures)
      failures.push_back(diagnostic_json(d));
  for (const dsl::Diagnostic& d : r.diags.all())
    if (d.severity == dsl::Severity::Error) failures.push_back(diagnostic_json(d));
  j["failures"] = failures;
  Json findings = Json::array();
  if (o)
    for (const sim::Finding& f : o->findings)
      findings.push_back(finding_json(f, a, m));
  j["findings"] = findings;
  Json peaks = Json::array();
  if (o) {
    for (std::size_t i = 0; i < o->memories.size(); ++i) {
      if (o->memories[i].peak_bytes == 0) continue;
      const machine::MemId id{static_cast<std::uint32_t>(i)};
      peaks.push_back({{"memory", m.name_of(id)},
                       {"peak_bytes", o->memories[i].peak_bytes},
                       {"capacity", m.memory(id).capacity}});
    }
  }
  j["memory_peaks"] = peaks;
  j["expert"] = compare_json(expert);
  j["default"] = compare_json(def);
  return j;
}

void print_human(std::ostream& out, const Result& r, const app::App& a, const machine::Machine& m,
                 const Result* expert, const Result* def) {
  const sim::Outcome& o = *r.outcome;
  out << fmt::format("{} on {} with {}\n", a.name, m.name(), r.label);
  if (o.iterations > 0) {
    out << fmt::format(
        "  predicted time per iteration: {}  (the timed region: {} of the loop's {} iterations; "
        "whole run {})\n",
        sim::time_text(o.iteration_time_s), o.timed_iterations, o.iterations,
        sim::time_text(o.time_s));
  } else {
    out << fmt::format("  predicted time: {}\n", sim::time_text(o.time_s));
  }
  if (o.limits_inactive)
    out << "  note: the InstanceLimit statements are inactive: back-pressure is off "
           "(--backpressure on enforces them, as the DSL mapper does by default)\n";
  auto compare = [&](const char* what, const Result* c) {
    if (!c) return;
    const std::string name =
        c->label == what ? std::string(what) : fmt::format("{} ({})", what, c->label);
    if (!c->ok()) {
      out << fmt::format("  {}: fails: {}\n", name, why(*c));
      return;
    }
    const double t = c->outcome->iteration_time_s;
    out << fmt::format("  {}: {} per iteration (whole run {}); this mapper takes {:.2f}x as long\n",
                       name, sim::time_text(t), sim::time_text(c->outcome->time_s),
                       t > 0 ? o.iteration_time_s / t : 0.0);
  };
  compare("expert mapper", expert);
  compare("default policy", def);
  out << fmt::format("  {}, {}: {} between nodes, {} within nodes\n",
                     sim::count_text(o.task_instances, "task instance", "task instances"),
                     sim::count_text(o.copies, "copy", "copies"),
                     sim::bytes_text(o.bytes.inter_node), sim::bytes_text(o.bytes.intra_node));
  if (!o.findings.empty()) out << "findings:\n";
  for (std::size_t i = 0; i < o.findings.size() && i < 6; ++i)
    out << fmt::format("  {}. {}\n", i + 1, o.findings[i].text);
}

}  // namespace

void add_simulate_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<SimulateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "Predict what a mapper does to an application's run time on a machine, and why.\n"
      "Prints the predicted time per iteration beside the expert mapper's and the default\n"
      "policy's, and the top findings. A mapper that fails (out of memory, a layout a task\n"
      "cannot take) exits 1 with the failure located at its line.\n"
      "Example: mapsmith simulate --app circuit --machine sapling-2 --mapper m.mapping");
  cmd->add_option("--app", opts->app,
                  "Application: NAME, NAME:k=v,... or an app JSON file (see 'mapsmith apps')")
      ->required();
  cmd->add_option("--machine", opts->machine,
                  "Machine preset (see 'mapsmith machines') or machine JSON file")
      ->required();
  cmd->add_option("--mapper", opts->mapper,
                  "Mapping file (default: Legion's default mapper policy)");
  cmd->add_option("--expert", opts->expert,
                  "The expert mapper to compare with (default: the shipped "
                  "examples/APP/expert.mapping, when it exists; 'none': no comparison)");
  cmd->add_option("--dialect", opts->dialect, kDialectHelp)
      ->check(CLI::IsMember({"mapsmith", "published"}));
  cmd->add_flag("--no-compare", opts->no_compare,
                "Simulate only the given mapper (no expert or default-policy runs)");
  cmd->add_option("--backpressure", opts->backpressure,
                  "on (default) or off: whether the run enforces InstanceLimit (the DSL mapper "
                  "does unless started with -tm:disable_backpressure)")
      ->check(CLI::IsMember({"on", "off"}));
  cmd->add_option("--trace", opts->trace,
                  "Write the run as a Chrome trace (JSON) to this file, for ui.perfetto.dev");
  cmd->add_flag("--json", opts->json,
                "Print the outcome as JSON: time_s, iteration_time_s, bytes (inter_node, "
                "intra_node, per channel kind), failures, findings, expert, default, ...");
  cmd->callback([opts, &ctx] {
    const machine::Machine m = machine::load_machine(opts->machine);
    const app::App a = app::load_app(opts->app, m);

    std::ofstream trace_file;
    if (!opts->trace.empty()) {
      trace_file.open(opts->trace, std::ios::binary | std::ios::trunc);
      if (!trace_file) throw InputError(fmt::format("{}: cannot write the trace", opts->trace));
    }
    const bool bp = opts->backpressure == "on";
    auto main = run_mapper(opts->mapper, a, m, bp, opts->trace.empty() ? nullptr : &trace_file,
                           dialect_named(opts->dialect));
    if (!main->outcome) {  // the mapper did not parse, check or decide
      // Once: as text, or in the JSON's "failures".
      if (opts->json)
        ctx.out << outcome_json(*main, a, m, nullptr, nullptr).dump(2) << '\n';
      else
        print_diagnostics(ctx, main->diags, false);
      ctx.exit_code = kExitInput;
      return;
    }
    std::unique_ptr<Result> expert, def;
    if (!opts->no_compare) {
      const std::string path = expert_path(*opts, a);
      std::error_code ec;
      const bool same = !opts->mapper.empty() && !path.empty() &&
                        std::filesystem::equivalent(path, opts->mapper, ec);
      if (!path.empty() && !same) expert = run_mapper(path, a, m, bp, nullptr);
      if (!opts->mapper.empty()) def = run_mapper("", a, m, bp, nullptr);
    }
    if (!opts->json) {
      // The checks' warnings, then the failure (with --json it is in "failures").
      std::vector<dsl::Diagnostic> shown = main->diags.all();
      if (!main->outcome->ok)
        shown.insert(shown.end(), main->outcome->failures.begin(), main->outcome->failures.end());
      print_rendered(ctx, shown);
    }
    if (!main->outcome->ok) ctx.exit_code = kExitInput;
    if (opts->json) {
      ctx.out << outcome_json(*main, a, m, expert.get(), def.get()).dump(2) << '\n';
    } else if (main->outcome->ok) {
      print_human(ctx.out, *main, a, m, expert.get(), def.get());
    }
    if (!opts->trace.empty()) {
      trace_file.close();
      if (!trace_file) throw InputError(fmt::format("{}: cannot write the trace", opts->trace));
    }
  });
}

}  // namespace mapsmith::cli
