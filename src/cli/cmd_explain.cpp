#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "app/app.h"
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

}  // namespace

void add_explain_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<ExplainOptions>();
  CLI::App* cmd = app.add_subcommand(
      "explain",
      "Show where a mapper places each point of an index launch, before running anything.\n"
      "Example: mapsmith explain --machine sapling-2 --mapper m.mapping --launch stencil:4,2");
  cmd->add_option("--machine", opts->machine,
                  "Machine preset (see 'mapsmith machines') or machine JSON file")
      ->required();
  cmd->add_option("--mapper", opts->mapper,
                  "Mapping file (default: Legion's default mapper policy)");
  cmd->add_option("--launch", opts->launch,
                  "TASK:E1[,E2...]: an index launch of TASK with those extents "
                  "(TASK alone: a single launch)")
      ->required();
  cmd->add_flag("--json", opts->json,
                "Print {\"task\", \"points\": [{\"point\", \"node\", \"kind\", \"proc\"}]} where "
                "proc counts the processors of that kind on the node from 0");
  cmd->callback([opts, &ctx] {
    auto [task, extents] = parse_launch(opts->launch);
    machine::Machine m = machine::load_machine(opts->machine);
    app::App a = app::single_launch_app(task, extents);
    dsl::Diagnostics diags;
    LoadedProgram lp;
    if (!opts->mapper.empty()) {
      lp = load_program(opts->mapper, diags);
      if (lp.ok) mapping::check_against(lp.program, lp.info, &m, nullptr, diags);
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
    const mapping::LaunchDecision& d = mapping->launches.front();
    if (opts->json) {
      nlohmann::ordered_json points = nlohmann::ordered_json::array();
      for (const mapping::PointDecision& p : d.points) {
        const machine::Processor& proc = m.processor(p.proc);
        points.push_back({{"point", p.point},
                          {"node", proc.node},
                          {"kind", to_string(proc.kind)},
                          {"proc", proc.node_index}});
      }
      nlohmann::ordered_json out = {{"task", task}, {"points", points}};
      ctx.out << out.dump(2) << '\n';
      return;
    }
    auto line_of = [](const dsl::Stmt* s) {
      return s ? fmt::format("line {}", s->loc.line) : std::string("the default policy");
    };
    ctx.out << fmt::format("{} launch of {}{} on {}: {} (chosen by {})\n",
                           extents.empty() ? "single" : "index", task,
                           extents.empty() ? "" : " over " + dsl::tuple_text(extents), m.name(),
                           to_string(d.kind), line_of(d.kind_stmt));
    ctx.out << fmt::format(
        "points placed by {}\n",
        d.map_stmt ? fmt::format("{} (line {})", d.map_stmt->name.text, d.map_stmt->loc.line)
                   : std::string("the default policy (blocked, nodes first)"));
    std::size_t width = 5;
    for (const auto& p : d.points)
      width = std::max(width, dsl::tuple_text(p.point).size());
    ctx.out << fmt::format("{:<{}}  {:>4}  {:>4}\n", "point", width, "node", to_string(d.kind));
    for (const auto& p : d.points) {
      const machine::Processor& proc = m.processor(p.proc);
      ctx.out << fmt::format("{:<{}}  {:>4}  {:>4}\n",
                             p.point.empty() ? std::string("-") : dsl::tuple_text(p.point), width,
                             proc.node, proc.node_index);
    }
  });
}

}  // namespace mapsmith::cli
