#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "machine/machine_json.h"
#include "machine/presets.h"

namespace mapsmith::cli {

namespace {
struct MachinesOptions {
  bool json = false;
  std::string name;
  bool show_json = false;
};
}  // namespace

void add_machines_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<MachinesOptions>();
  CLI::App* cmd = app.add_subcommand(
      "machines",
      "List the built-in machines, or show one ('mapsmith machines show sapling-2:ranks=4').\n"
      "Anywhere a machine is taken, a machine JSON file (docs/machine-format.md) works too.");
  cmd->add_flag("--json", opts->json, "Print the list as JSON");
  CLI::App* show = cmd->add_subcommand("show", "Describe one machine: a preset or a JSON file");
  show->add_option("name", opts->name,
                   "Preset (sapling, sapling-N, dgx-h100-N, cpu-N, options "
                   "after ':') or machine JSON file")
      ->required();
  show->add_flag("--json", opts->show_json,
                 "Print the machine in the machine JSON format (loads back unchanged)");
  cmd->callback([opts, cmd, show, &ctx] {
    if (show->parsed()) return;
    std::vector<machine::PresetInfo> presets = machine::list_presets();
    if (opts->json) {
      nlohmann::ordered_json arr = nlohmann::ordered_json::array();
      for (const auto& p : presets)
        arr.push_back({{"name", p.pattern}, {"description", p.description}});
      ctx.out << arr.dump(2) << '\n';
      return;
    }
    std::size_t width = 0;
    for (const auto& p : presets)
      width = std::max(width, p.pattern.size());
    for (const auto& p : presets)
      ctx.out << fmt::format("{:<{}}  {}\n", p.pattern, width, p.description);
    (void)cmd;
  });
  show->callback([opts, &ctx] {
    machine::Machine m = machine::load_machine(opts->name);
    if (opts->show_json) {
      ctx.out << machine::dump_machine_json(m);
      return;
    }
    ctx.out << m.summary() << '\n';
  });
}

}  // namespace mapsmith::cli
