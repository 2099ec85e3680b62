#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "app/app_json.h"
#include "app/generators.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "dsl/value.h"
#include "machine/machine_json.h"

namespace mapsmith::cli {

namespace {

struct AppsOptions {
  bool json = false;
  std::string name;
  std::vector<std::string> params;
  std::string machine = "sapling";
  bool show_json = false;
};

std::string human_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", static_cast<long long>(b))
                : fmt::format("{:.1f} {}", b, units[u]);
}

void print_steps(std::ostream& out, const app::App& a, const std::vector<app::Step>& steps,
                 int indent) {
  std::string pad(static_cast<std::size_t>(indent), ' ');
  for (const app::Step& s : steps) {
    if (s.kind == app::Step::Kind::Loop) {
      out << fmt::format("{}loop {} × {}\n", pad, s.var, s.count);
      print_steps(out, a, s.body, indent + 2);
      continue;
    }
    const app::Launch& l = a.launches[s.launch];
    const app::Task& t = a.task(l.task);
    out << fmt::format("{}{} {}{}\n", pad, t.name, l.index ? "index launch over " : "single launch",
                       l.index ? dsl::tuple_text(l.domain) : "");
    for (std::size_t k = 0; k < l.reqs.size() && k < t.args.size(); ++k) {
      const app::Requirement& r = l.reqs[k];
      out << fmt::format("{}    {}: {}{} ({})\n", pad, k, r.region,
                         r.partition.empty() ? "" : "[" + r.partition + "]",
                         app::to_string(r.privilege));
    }
    print_steps(out, a, l.body, indent + 2);
  }
}

void print_summary(std::ostream& out, const app::App& a) {
  out << fmt::format("{}", a.name);
  if (!a.params.empty()) {
    out << " (";
    for (std::size_t i = 0; i < a.params.size(); ++i)
      out << fmt::format("{}{}={}", i ? ", " : "", a.params[i].first, a.params[i].second);
    out << ")";
  }
  out << "\nregions:\n";
  for (const app::Region& r : a.regions) {
    std::uint64_t bytes_per = 0;
    for (const app::Field& f : r.fields)
      bytes_per += f.bytes;
    out << fmt::format(
        "  {} {} × {} fields ({} B per element) = {}\n", r.name, dsl::tuple_text(r.extents),
        r.fields.size(), bytes_per,
        human_bytes(static_cast<double>(bytes_per) * static_cast<double>(r.volume())));
  }
  out << "partitions:\n";
  for (const app::Partition& p : a.partitions) {
    out << fmt::format("  {} of {}: {} pieces over {}{}\n", p.name, a.regions[p.region].name,
                       p.piece_count(), dsl::tuple_text(p.colors), p.disjoint ? "" : ", aliased");
  }
  out << "tasks:\n";
  for (const app::Task& t : a.tasks) {
    std::string kinds;
    for (const app::Variant& v : t.variants)
      kinds += fmt::format("{}{}{}", kinds.empty() ? "" : ", ", to_string(v.kind),
                           v.inner ? " (inner)" : "");
    out << fmt::format("  {}: {}\n", t.name, kinds);
  }
  out << "program:\n";
  print_steps(out, a, a.program, 2);
}

}  // namespace

void add_apps_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<AppsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "apps",
      "List the built-in applications, or show one ('mapsmith apps show circuit --param "
      "npp=500').\n"
      "Anywhere an application is taken (--app), NAME, NAME:k=v,... or an app JSON file works.");
  cmd->add_flag("--json", opts->json, "Print the list as JSON");
  CLI::App* show = cmd->add_subcommand("show", "Describe one application's model");
  show->add_option("name", opts->name, "Built-in application or app JSON file")->required();
  show->add_option("--param", opts->params, "A parameter, NAME=VALUE (repeatable)");
  show->add_option("--machine", opts->machine,
                   "The machine the model is scaled to (default: sapling)");
  show->add_flag("--json", opts->show_json,
                 "Print the model in the app JSON format (docs/app-format.md)");
  cmd->callback([opts, show, &ctx] {
    if (show->parsed()) return;
    std::vector<app::GeneratorInfo> gens = app::list_generators();
    if (opts->json) {
      nlohmann::ordered_json arr = nlohmann::ordered_json::array();
      for (const auto& g : gens) {
        nlohmann::ordered_json params = nlohmann::ordered_json::array();
        for (const auto& p : g.params)
          params.push_back({{"name", p.name}, {"default", p.default_value}, {"doc", p.doc}});
        arr.push_back({{"name", g.name},
                       {"description", g.description},
                       {"params", params},
                       {"source", g.source}});
      }
      ctx.out << arr.dump(2) << '\n';
      return;
    }
    std::size_t width = 0;
    for (const auto& g : gens)
      width = std::max(width, g.name.size());
    for (const auto& g : gens) {
      std::string params;
      for (const auto& p : g.params)
        params += fmt::format("{}{}={}", params.empty() ? "" : ",", p.name, p.default_value);
      ctx.out << fmt::format("{:<{}}  {}{}\n", g.name, width, g.description,
                             params.empty() ? "" : " [" + params + "]");
    }
  });
  show->callback([opts, &ctx] {
    machine::Machine m = machine::load_machine(opts->machine);
    std::string spec = opts->name;
    if (!opts->params.empty()) {
      if (spec.size() > 5 && spec.substr(spec.size() - 5) == ".json")
        throw CLI::ValidationError("--param", "parameters apply to built-in applications only");
      spec += spec.find(':') == std::string::npos ? ":" : ",";
      for (std::size_t i = 0; i < opts->params.size(); ++i)
        spec += (i ? "," : "") + opts->params[i];
    }
    app::App a = app::load_app(spec, m);
    if (opts->show_json) {
      ctx.out << app::dump_app_json(a);
      return;
    }
    print_summary(ctx.out, a);
  });
}

}  // namespace mapsmith::cli
