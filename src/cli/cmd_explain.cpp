#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "app/app.h"
#include "app/generators.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/front_end.h"
#include "dsl/eval.h"
#include "machine/machine_json.h"
#include "mapping/check_against.h"
#include "mapping/decide.h"
#include "util/error.h"

namespace mapsmith::cli {

namespace {

struct ExplainOptions {
  std::string machine;
  std::string mapper;
  std::string launch;
  std::string app;
  std::string backpressure = "on";
  std::string dialect = "mapsmith";
  bool json = false;
};

/// "TASK:E1,E2,..." → the task name and the extents of its index launch.
std::pair<std::string, std::vector<std::int64_t>> parse_launch(const std::string& text) {
  auto colon = text.find(':');
  std::string task = text.substr(0, colon);
  if (task.empty()) {
    throw CLI::ValidationError("--launch",
                               fmt::format("'{}' names no task; write TASK:E1[,E2...]", text));
  }
  std::vector<std::int64_t> extents;
  if (colon == std::string::npos) return {task, extents};
  std::string rest = text.substr(colon + 1);
  std::size_t pos = 0;
  while (pos <= rest.size()) {
    std::size_t comma = rest.find(',', pos);
    std::string part =
        rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    std::int64_t v = 0;
    std::size_t used = 0;
    try {
      v = std::stoll(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != part.size() || part.empty() || v < 1 || v > (std::int64_t{1} << 24)) {
      throw CLI::ValidationError(
          "--launch", fmt::format("extent '{}' in '{}' is not an integer from 1 to {}", part, text,
                                  std::int64_t{1} << 24));
    }
    extents.push_back(v);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (extents.size() > 8) {
    throw CLI::ValidationError("--launch", "a launch domain has at most 8 dimensions");
  }
  std::int64_t volume = 1;
  for (std::int64_t e : extents) {
    if (__builtin_mul_overflow(volume, e, &volume) || volume > (std::int64_t{1} << 24)) {
      throw CLI::ValidationError("--launch", fmt::format("the launch '{}' has more than {} points",
                                                         text, std::int64_t{1} << 24));
    }
  }
  return {task, extents};
}

/// A point's placement as JSON: its coordinates, node, processor kind and index in the node.
nlohmann::ordered_json point_json(const machine::Machine& m, const mapping::PointDecision& p) {
  const machine::Processor& proc = m.processor(p.proc);
  return {{"point", p.point},
          {"node", proc.node},
          {"kind", to_string(proc.kind)},
          {"proc", proc.node_index}};
}

/// The table of a launch's points (point, node, processor in the node), each line after `indent`.
void print_points(std::ostream& out, const machine::Machine& m, const mapping::LaunchDecision& d,
                  std::string_view indent) {
  std::size_t width = 5;
  for (const auto& p : d.points)
    width = std::max(width, dsl::tuple_text(p.point).size());
  out << fmt::format("{}{:<{}}  {:>4}  {:>4}\n", indent, "point", width, "node", to_string(d.kind));
  for (const auto& p : d.points) {
    const machine::Processor& proc = m.processor(p.proc);
    out << fmt::format("{}{:<{}}  {:>4}  {:>4}\n", indent,
                       p.point.empty() ? std::string("-") : dsl::tuple_text(p.point), width,
                       proc.node, proc.node_index);
  }
}

/// The line of the statement behind a decision, or null when the default policy made it.
nlohmann::ordered_json line_json(const dsl::Program* p, const dsl::Stmt* s) {
  return s && p ? nlohmann::ordered_json(p->loc(*s).line) : nlohmann::ordered_json(nullptr);
}

/// The whole decision table of an application (`explain --app`), as JSON, with the line of the
/// statement that made each decision (null: the default policy), as the text shows them.
nlohmann::ordered_json decisions_json(bool backpressure, const app::App& a,
                                      const machine::Machine& m, const dsl::Program* p,
                                      const mapping::Mapping& mapping) {
  nlohmann::ordered_json launches = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < mapping.launches.size(); ++i) {
    const mapping::LaunchDecision& d = mapping.launches[i];
    const app::Launch& l = a.launches[d.launch];
    const app::Task& t = a.task(d.task);
    nlohmann::ordered_json args = nlohmann::ordered_json::array();
    for (std::size_t k = 0; k < d.args.size(); ++k) {
      const mapping::ArgDecision& ad = d.args[k];
      nlohmann::ordered_json mems = nlohmann::ordered_json::array();
      for (MemKind mk : ad.memories)
        mems.push_back(to_string(mk));
      args.push_back({{"index", k},
                      {"name", l.effective_args(t)[k].display_name()},
                      {"privilege", app::to_string(l.effective_args(t)[k].privilege)},
                      {"memories", mems},
                      {"memories_line", line_json(p, ad.region_stmt)},
                      {"layout", mapping::to_string(ad.layout)},
                      {"layout_line", line_json(p, ad.layout_stmt)},
                      {"collect", ad.collect}});
    }
    nlohmann::ordered_json points = nlohmann::ordered_json::array();
    for (const mapping::PointDecision& p : d.points) {
      nlohmann::ordered_json mems = nlohmann::ordered_json::array();
      for (machine::MemId mid : p.memories)
        mems.push_back(m.name_of(mid));
      nlohmann::ordered_json point = point_json(m, p);
      point["memories"] = mems;
      points.push_back(std::move(point));
    }
    nlohmann::ordered_json parent = nullptr;
    if (d.parent_decision) parent = {{"decision", *d.parent_decision}, {"point", d.parent_point}};
    launches.push_back(
        {{"decision", i},
         {"launch", d.launch},
         {"task", t.name},
         {"index", l.index},
         {"domain", l.domain},
         {"parent", parent},
         {"kind", to_string(d.kind)},
         {"kind_line", line_json(p, d.kind_stmt)},
         {"map_line", line_json(p, d.map_stmt)},
         {"inner", d.inner},
         {"instance_limit", d.instance_limit ? nlohmann::ordered_json(*d.instance_limit)
                                             : nlohmann::ordered_json(nullptr)},
         {"instance_limit_active", d.instance_limit.has_value() && backpressure},
         {"control_replicate", d.control_replicate},
         {"args", args},
         {"points", points}});
  }
  return {{"app", a.name}, {"machine", m.name()}, {"launches", launches}};
}

/// "line N" of the statement behind a decision, or "default" when the default policy made it.
std::string line_of(const dsl::Program* p, const dsl::Stmt* s) {
  return s ? fmt::format("line {}", p->loc(*s).line) : std::string("default");
}

/// One launch decision as text: a header, the region arguments, the points.
void print_decision(std::ostream& out, bool backpressure, const app::App& a,
                    const machine::Machine& m, const dsl::Program* p,
                    const mapping::Mapping& mapping, std::size_t i) {
  const mapping::LaunchDecision& d = mapping.launches[i];
  const app::Launch& l = a.launches[d.launch];
  const app::Task& t = a.task(d.task);
  std::string made_by;
  if (d.parent_decision) {
    const mapping::LaunchDecision& pd = mapping.launches[*d.parent_decision];
    made_by = fmt::format(", made by {} point {}", a.task(pd.task).name,
                          dsl::tuple_text(pd.points[d.parent_point].point));
  }
  out << fmt::format("{} {}{}{}: {} ({}){}\n", t.name, l.index ? "index launch" : "single launch",
                     l.index ? " over " + dsl::tuple_text(l.domain) : "", made_by,
                     to_string(d.kind), line_of(p, d.kind_stmt), d.inner ? ", inner" : "");
  out << fmt::format("  points placed by {}\n",
                     d.map_stmt
                         ? fmt::format("{} ({})", p->name(*d.map_stmt).text, line_of(p, d.map_stmt))
                         : std::string(l.index ? "the default policy (blocked, nodes first)"
                                               : "the default policy (the parent's processor)"));
  if (d.instance_limit)
    out << fmt::format("  instance limit {}{}\n", *d.instance_limit,
                       backpressure ? "" : " (inactive: back-pressure is off)");
  if (d.control_replicate) out << "  control-replicated\n";
  for (std::size_t k = 0; k < d.args.size(); ++k) {
    const mapping::ArgDecision& ad = d.args[k];
    std::string mems;
    for (MemKind mk : ad.memories)
      mems += fmt::format("{}{}", mems.empty() ? "" : ",", to_string(mk));
    const app::RegionArg& arg = l.effective_args(t)[k];
    out << fmt::format("  arg {} {} ({}): {} ({}), {} ({}){}\n", k, arg.display_name(),
                       app::to_string(arg.privilege), mems, line_of(p, ad.region_stmt),
                       mapping::to_string(ad.layout), line_of(p, ad.layout_stmt),
                       ad.collect ? ", collected after use" : "");
  }
  print_points(out, m, d, "  ");
}

}  // namespace

void add_explain_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ExplainOptions>();
  CLI::App* cmd = app.add_subcommand(
      "explain",
      "Show what a mapper decides, before running anything: for every launch of an application\n"
      "(--app), or for one index launch (--launch) with no application needed.\n"
      "Example: mapsmith explain --machine sapling-2 --mapper m.mapping --launch stencil:4,2");
  cmd->add_option("--machine", opts->machine,
                  "Machine preset (see 'mapsmith machines') or machine JSON file")
      ->required();
  cmd->add_option("--mapper", opts->mapper,
                  "Mapping file (default: Legion's default mapper policy)");
  auto* launch = cmd->add_option("--launch", opts->launch,
                                 "TASK:E1[,E2...]: an index launch of TASK with those extents "
                                 "(TASK alone: a single launch)");
  auto* appopt = cmd->add_option("--app", opts->app,
                                 "Application: NAME, NAME:k=v,... or an app JSON file (see "
                                 "'mapsmith apps')");
  launch->excludes(appopt);
  cmd->add_option("--backpressure", opts->backpressure,
                  "on (default) or off: whether the run enforces InstanceLimit (the DSL mapper "
                  "does unless started with -tm:disable_backpressure)")
      ->check(CLI::IsMember({"on", "off"}));
  cmd->add_option("--dialect", opts->dialect, kDialectHelp)
      ->check(CLI::IsMember({"mapsmith", "published"}));
  cmd->add_flag("--json", opts->json,
                "With --launch: {\"task\", \"points\": [{\"point\", \"node\", \"kind\", "
                "\"proc\"}]} where proc counts the processors of that kind on the node from 0. "
                "With --app: every launch's decisions");
  cmd->callback([opts, &ctx] {
    if (opts->launch.empty() == opts->app.empty()) {
      throw CLI::ValidationError("explain", "give either --launch TASK:E1[,E2...] or --app APP");
    }
    std::string task;
    std::vector<std::int64_t> extents;
    if (!opts->launch.empty()) std::tie(task, extents) = parse_launch(opts->launch);
    machine::Machine m = machine::load_machine(opts->machine);
    app::App a =
        opts->app.empty() ? app::single_launch_app(task, extents) : app::load_app(opts->app, m);
    dsl::Diagnostics diags;
    LoadedProgram lp;
    if (!opts->mapper.empty()) {
      lp = load_program(opts->mapper, diags, dialect_named(opts->dialect));
      if (lp.ok)
        mapping::check_against(lp.program, lp.info, &m, opts->app.empty() ? nullptr : &a, diags);
      if (diags.has_errors()) {
        print_diagnostics(ctx, diags, false);
        ctx.exit_code = kExitInput;
        return;
      }
    }
    auto mapping = mapping::decide(a, m, opts->mapper.empty() ? nullptr : &lp.program,
                                   opts->mapper.empty() ? nullptr : &lp.info, diags);
    print_diagnostics(ctx, diags, false);
    if (!mapping) {
      ctx.exit_code = kExitInput;
      return;
    }
    if (!opts->app.empty()) {
      if (opts->json) {
        ctx.out << decisions_json(opts->backpressure == "on", a, m,
                                  opts->mapper.empty() ? nullptr : &lp.program, *mapping)
                       .dump(2)
                << '\n';
        return;
      }
      for (std::size_t i = 0; i < mapping->launches.size(); ++i) {
        if (i) ctx.out << '\n';
        print_decision(ctx.out, opts->backpressure == "on", a, m, &lp.program, *mapping, i);
      }
      return;
    }
    const mapping::LaunchDecision& d = mapping->launches.front();
    if (opts->json) {
      nlohmann::ordered_json points = nlohmann::ordered_json::array();
      for (const mapping::PointDecision& p : d.points)
        points.push_back(point_json(m, p));
      const dsl::Program* p = opts->mapper.empty() ? nullptr : &lp.program;
      nlohmann::ordered_json out = {{"task", task},
                                    {"kind", to_string(d.kind)},
                                    {"kind_line", line_json(p, d.kind_stmt)},
                                    {"map_line", line_json(p, d.map_stmt)},
                                    {"points", points}};
      ctx.out << out.dump(2) << '\n';
      return;
    }
    ctx.out << fmt::format(
        "{} launch of {}{} on {}: {} (chosen by {})\n", extents.empty() ? "single" : "index", task,
        extents.empty() ? "" : " over " + dsl::tuple_text(extents), m.name(), to_string(d.kind),
        d.kind_stmt ? line_of(&lp.program, d.kind_stmt) : std::string("the default policy"));
    ctx.out << fmt::format("points placed by {}\n",
                           d.map_stmt ? fmt::format("{} ({})", lp.program.name(*d.map_stmt).text,
                                                    line_of(&lp.program, d.map_stmt))
                                      : std::string("the default policy (blocked, nodes first)"));
    print_points(ctx.out, m, d, "");
  });
}

}  // namespace mapsmith::cli
