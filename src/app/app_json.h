#pragma once
/// The application JSON format (docs/app-format.md): load, dump, round trip, "format": 1.
#include <optional>
#include <string>
#include <string_view>

#include "app/app.h"

namespace mapsmith::app {

inline constexpr int kAppFormat = 1;

/// Parses and validates an application. Throws InputError "FILE: $.json.path: message" for
/// anything malformed: not JSON (with line and column), wrong types, unknown keys (with "did you
/// mean"), unknown names (regions, partitions, tasks, fields, variables), bad sizes.
App load_app_json(std::string_view text, std::string_view filename);

/// Pretty-printed, deterministic JSON that load_app_json reads back to an equal App.
std::string dump_app_json(const App& app);

/// A problem in an App built in memory (by a generator or by hand): `path` in the JSON file's
/// terms. The same checks load_app_json applies.
struct AppError {
  std::string path;
  std::string message;
};
std::optional<AppError> check(const App& app);

}  // namespace mapsmith::app
