#pragma once
/// Built-in applications: models of the nine benchmark programs (shared/design/apps.md), with
/// the task and region names of the real programs, parameterised by problem size and scaled to
/// the machine (weak scaling by default).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "app/app.h"
#include "machine/machine.h"

namespace mapsmith::app {

/// One parameter of a generator, with its default and meaning.
struct ParamInfo {
  std::string name;
  std::int64_t default_value = 0;  ///< 0 where the default is derived from the machine
  std::string doc;
};

struct GeneratorInfo {
  std::string name;
  std::string description;
  std::vector<ParamInfo> params;
  std::string source;  ///< the real program the model was read from
};

/// Parameters given on the command line, by name.
using Params = std::vector<std::pair<std::string, std::int64_t>>;

/// Every built-in application, in a stable order.
std::vector<GeneratorInfo> list_generators();

/// The model of `name` with `params` (unknown names and bad values are InputErrors with "did
/// you mean"), scaled to `machine`.
App generate(std::string_view name, const Params& params, const machine::Machine& machine);

/// An application from a command-line spec: `NAME`, `NAME:k=v,...` or a path ending in `.json`
/// (the app JSON format). Throws InputError for anything else, naming what was expected.
App load_app(std::string_view spec, const machine::Machine& machine);

/// The value of parameter `name` in `params`, or `fallback`.
std::int64_t param(const Params& params, std::string_view name, std::int64_t fallback);

}  // namespace mapsmith::app
