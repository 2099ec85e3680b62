#pragma once
/// What app_json.cpp (loading and writing app JSON) and app_check.cpp (checking an App) share:
/// limits, the JSON types, and the helpers that word their messages. Internal to src/app.
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "app/app.h"

namespace mapsmith::app::detail {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// Limits that keep a mistaken file (or generator) from exhausting memory or time downstream.
inline constexpr std::int64_t kMaxAtoms = 10'000'000;     // in all regions together
inline constexpr std::size_t kMaxLaunches = 1'000'000;    // entries of App::launches
inline constexpr std::int64_t kMaxPoints = 10'000'000;    // points of one index launch
inline constexpr std::int64_t kMaxCount = 1'000'000'000;  // loop counts, projection coefficients
inline constexpr int kMaxDepth = 64;                      // JSON nesting
inline constexpr std::size_t kMaxDims = 9;                // as Legion's largest LEGION_MAX_DIM
inline constexpr std::size_t kListed = 20;                // names listed in a message
inline constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

bool is_identifier(std::string_view s);

// A name as a message quotes it: JSON-escaped, long names cut (a name may be megabytes).
std::string quote_name(std::string_view s);

// A value as a message shows it: scalars as JSON, long strings cut, containers by their type.
std::string shown(const json& j);

std::string key_path(const std::string& path, std::string_view key);

std::string index_path(const std::string& path, std::size_t i);

// " (did you mean "x"?)" when a candidate is a plausible typo of `word`. Candidates far longer
// than the word cannot be within the distance closest_match accepts, so they are skipped
// unmeasured (a name may be megabytes).
std::string hint(std::string_view word, std::span<const std::string> candidates);

// "a, b, c" — at most kListed names, then how many in all.
std::string listing(std::span<const std::string> names);

// "unknown region "gird" (did you mean "grid"?); regions: grid".
std::string unknown(std::string_view what, std::string_view plural, std::string_view name,
                    std::span<const std::string> candidates);

std::string plural(std::size_t n, std::string_view word);

// a·b, or nullopt past `limit` (or on overflow).
std::optional<std::int64_t> product(std::span<const std::int64_t> xs, std::int64_t limit);

const std::vector<std::string>& task_kind_names();

const std::vector<std::string>& privilege_names();

std::string format_projection(const ProjectionDim& d);

// expr := ['-'] term (('+' | '-') term)* ;  term := INT ['*' IDENT] | IDENT
// Returns the dimension, or a message saying what is wrong.
std::variant<ProjectionDim, std::string> parse_projection(std::string_view s);

std::vector<std::optional<std::size_t>> first_launches(const App& app);

// The arguments the first launch of a task implies: a piece of a partition is an unnamed
// subregion of that partition; a whole region is named by itself.
std::vector<RegionArg> derived_args(const App& app, std::optional<std::size_t> first);

// Launch indices in order of appearance in the program tree (a launch, then its body).
void appearance(const App& app, const std::vector<Step>& steps, std::vector<std::size_t>& out,
                int depth);

/// The keys of the top-level "params" object of an app file in file order (json sorts keys): an
/// event-only (SAX) pass over the text, linear in its size. A parser callback would see them too,
/// but makes nlohmann rescan the parent array after every object it finishes (quadratic in the
/// number of launches).
std::vector<std::string> params_order(std::string_view text);

}  // namespace mapsmith::app::detail
