#include "app/generators.h"

#include <fmt/format.h>

#include <array>

#include "app/app_json.h"
#include "app/generator_impls.h"
#include "util/error.h"
#include "util/strings.h"

namespace mapsmith::app {

namespace {

struct Entry {
  GeneratorInfo (*info)();
  App (*make)(const Params&, const machine::Machine&);
};

constexpr std::array<Entry, 9> kGenerators = {{
    {&gen::circuit_info, &gen::circuit},
    {&gen::stencil_info, &gen::stencil},
    {&gen::pennant_info, &gen::pennant},
    {&gen::cannon_info, &gen::cannon},
    {&gen::summa_info, &gen::summa},
    {&gen::pumma_info, &gen::pumma},
    {&gen::johnson_info, &gen::johnson},
    {&gen::solomonik_info, &gen::solomonik},
    {&gen::cosma_info, &gen::cosma},
}};

std::vector<std::string> generator_names() {
  std::vector<std::string> out;
  for (const Entry& e : kGenerators)
    out.push_back(e.info().name);
  return out;
}

/// "k=v,k=v" → params; InputError naming the bad part.
Params parse_params(std::string_view spec, std::string_view text) {
  Params out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t comma = text.find(',', pos);
    std::string_view part =
        text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos);
    std::size_t eq = part.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      throw InputError(fmt::format("app '{}': '{}' is not of the form NAME=VALUE", spec, part));
    }
    std::string_view value = part.substr(eq + 1);
    std::int64_t v = 0;
    bool ok = !value.empty() && value.size() <= 18;
    for (char c : value) {
      if (c < '0' || c > '9')
        ok = false;
      else
        v = v * 10 + (c - '0');
    }
    if (!ok) {
      throw InputError(
          fmt::format("app '{}': the value of {} must be a non-negative integer, not '{}'", spec,
                      part.substr(0, eq), value));
    }
    out.emplace_back(std::string(part.substr(0, eq)), v);
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return out;
}

}  // namespace

std::vector<GeneratorInfo> list_generators() {
  std::vector<GeneratorInfo> out;
  for (const Entry& e : kGenerators)
    out.push_back(e.info());
  return out;
}

std::int64_t param(const Params& params, std::string_view name, std::int64_t fallback) {
  for (auto it = params.rbegin(); it != params.rend(); ++it)
    if (it->first == name) return it->second;
  return fallback;
}

App generate(std::string_view name, const Params& params, const machine::Machine& machine) {
  for (const Entry& e : kGenerators) {
    GeneratorInfo info = e.info();
    if (info.name != name) continue;
    std::vector<std::string> known;
    for (const ParamInfo& p : info.params)
      known.push_back(p.name);
    for (const auto& [k, v] : params) {
      if (std::find(known.begin(), known.end(), k) != known.end()) continue;
      auto m = closest_match(k, known);
      throw InputError(fmt::format("app {} has no parameter '{}'{}; its parameters are: {}", name,
                                   k, m ? fmt::format(" (did you mean '{}'?)", *m) : std::string(),
                                   join(known, ", ")));
    }
    App app = e.make(params, machine);
    return app;
  }
  auto names = generator_names();
  auto m = closest_match(name, names);
  throw InputError(fmt::format(
      "unknown app '{}'{}; the built-in apps are: {} (or give an app JSON "
      "file)",
      name, m ? fmt::format(" (did you mean '{}'?)", *m) : std::string(), join(names, ", ")));
}

App load_app(std::string_view spec, const machine::Machine& machine) {
  if (spec.size() > 5 && spec.substr(spec.size() - 5) == ".json") {
    std::string path(spec);
    return load_app_json(read_file(path, std::size_t{256} << 20), path);
  }
  std::size_t colon = spec.find(':');
  std::string_view name = spec.substr(0, colon);
  Params params;
  if (colon != std::string_view::npos) params = parse_params(spec, spec.substr(colon + 1));
  return generate(name, params, machine);
}

}  // namespace mapsmith::app
