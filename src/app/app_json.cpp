#include "app/app_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "util/error.h"
#include "util/strings.h"

namespace mapsmith::app {

namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// Limits that keep a mistaken file (or generator) from exhausting memory or time downstream.
constexpr std::int64_t kMaxAtoms = 10'000'000;     // in all regions together
constexpr std::size_t kMaxLaunches = 1'000'000;    // entries of App::launches
constexpr std::int64_t kMaxPoints = 10'000'000;    // points of one index launch
constexpr std::int64_t kMaxCount = 1'000'000'000;  // loop counts, projection coefficients
constexpr int kMaxDepth = 64;                      // JSON nesting
constexpr std::size_t kMaxDims = 9;                // as Legion's largest LEGION_MAX_DIM
constexpr std::size_t kListed = 20;                // names listed in a message

// ---------------------------------------------------------------------------------------------
// Shared by the loader and the checker: paths, names and hints in messages.

bool is_identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// A name as a message quotes it: JSON-escaped, long names cut (a name may be megabytes).
std::string quote_name(std::string_view s) {
  std::string q =
      json(std::string(s.substr(0, 64))).dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 64) q.insert(q.size() - 1, "...");
  return q;
}

// A value as a message shows it: scalars as JSON, long strings cut, containers by their type.
std::string shown(const json& j) {
  if (j.is_object()) return "an object";
  if (j.is_array()) return "an array";
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

std::string key_path(const std::string& path, std::string_view key) {
  if (is_identifier(key)) return fmt::format("{}.{}", path, key);
  return fmt::format("{}[{}]", path, quote_name(key));
}
std::string index_path(const std::string& path, std::size_t i) {
  return fmt::format("{}[{}]", path, i);
}

// " (did you mean "x"?)" when a candidate is a plausible typo of `word`. Candidates far longer
// than the word cannot be within the distance closest_match accepts, so they are skipped
// unmeasured (a name may be megabytes).
std::string hint(std::string_view word, std::span<const std::string> candidates) {
  // closest_match accepts a distance of at most max(1, len/3), and the distance is at least the
  // difference in length: only candidates of about the word's length need measuring. A budget
  // bounds the work when there are very many of them.
  if (word.size() > 256) return {};
  const std::size_t slack = std::max<std::size_t>(1, word.size() / 3);
  std::vector<std::string> near;
  std::size_t work = 0;
  for (const std::string& c : candidates) {
    if (c.size() + slack < word.size() || c.size() > word.size() + slack) continue;
    work += (c.size() + 1) * (word.size() + 1);
    if (work > 50'000'000) return {};
    near.push_back(c);
  }
  if (auto m = closest_match(word, near)) return fmt::format(" (did you mean {}?)", quote_name(*m));
  return {};
}

// "a, b, c" — at most kListed names, then how many in all.
std::string listing(std::span<const std::string> names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < kListed; ++i) {
    if (i) out += ", ";
    out += names[i].size() > 64 ? quote_name(names[i]) : names[i];
  }
  if (names.size() > kListed) out += fmt::format(", ... ({} in all)", names.size());
  return out;
}

// "unknown region "gird" (did you mean "grid"?); regions: grid".
std::string unknown(std::string_view what, std::string_view plural, std::string_view name,
                    std::span<const std::string> candidates) {
  if (candidates.empty())
    return fmt::format("unknown {} {}; the app has no {}", what, quote_name(name), plural);
  return fmt::format("unknown {} {}{}; {}: {}", what, quote_name(name), hint(name, candidates),
                     plural, listing(candidates));
}

std::string plural(std::size_t n, std::string_view word) {
  if (n == 1) return fmt::format("{} {}", n, word);
  return fmt::format("{} {}{}", n, word, word.ends_with("ch") ? "es" : "s");
}

// a·b, or nullopt past `limit` (or on overflow).
std::optional<std::int64_t> product(std::span<const std::int64_t> xs, std::int64_t limit) {
  std::int64_t p = 1;
  for (std::int64_t x : xs) {
    if (x <= 0) return std::nullopt;
    if (p > limit / x) return std::nullopt;
    p *= x;
  }
  return p;
}

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

const std::vector<std::string>& task_kind_names() {
  static const std::vector<std::string> names = {"CPU", "GPU", "OMP", "IO", "PY", "PROC"};
  return names;
}
const std::vector<std::string>& privilege_names() {
  static const std::vector<std::string> names = {"read", "write", "read-write", "reduce"};
  return names;
}

// ---------------------------------------------------------------------------------------------
// Projections are written as affine expressions: "i", "2*i - j + 1", "0".

std::string format_projection(const ProjectionDim& d) {
  std::string out;
  for (std::size_t k = 0; k < d.terms.size(); ++k) {
    const Term& t = d.terms[k];
    std::int64_t c = t.coef;
    if (k == 0) {
      if (c < 0) out += "-";
    } else {
      out += c < 0 ? " - " : " + ";
    }
    // |c| without overflow for INT64_MIN (an invalid coefficient, but dump must not trap).
    const std::uint64_t mag =
        c < 0 ? 0 - static_cast<std::uint64_t>(c) : static_cast<std::uint64_t>(c);
    if (mag != 1) out += fmt::format("{}*", mag);
    out += t.var;
  }
  const std::int64_t o = d.offset;
  const std::uint64_t mag =
      o < 0 ? 0 - static_cast<std::uint64_t>(o) : static_cast<std::uint64_t>(o);
  if (d.terms.empty())
    out += fmt::format("{}{}", o < 0 ? "-" : "", mag);
  else if (o != 0)
    out += fmt::format(" {} {}", o < 0 ? "-" : "+", mag);
  return out;
}

// expr := ['-'] term (('+' | '-') term)* ;  term := INT ['*' IDENT] | IDENT
// Returns the dimension, or a message saying what is wrong.
std::variant<ProjectionDim, std::string> parse_projection(std::string_view s) {
  ProjectionDim d;
  std::size_t i = 0;
  auto skip = [&] {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
      ++i;
  };
  auto at = [&]() -> std::string {
    if (i >= s.size()) return "at the end";
    return fmt::format("at {}", quote_name(s.substr(i, 16)));
  };
  std::int64_t sign = 1;
  skip();
  if (i < s.size() && s[i] == '-') {
    sign = -1;
    ++i;
  }
  while (true) {
    skip();
    if (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      std::int64_t n = 0;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        n = n * 10 + (s[i++] - '0');
        if (n > kMaxCount)
          return fmt::format("a number in the projection {} is larger than {}", quote_name(s),
                             kMaxCount);
      }
      skip();
      if (i < s.size() && s[i] == '*') {
        ++i;
        skip();
        const std::size_t start = i;
        while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_'))
          ++i;
        if (start == i || std::isdigit(static_cast<unsigned char>(s[start])))
          return fmt::format("expected a variable after '*' {} in {}", at(), quote_name(s));
        d.terms.push_back(Term{std::string(s.substr(start, i - start)), sign * n});
      } else {
        d.offset += sign * n;
      }
    } else if (i < s.size() && (std::isalpha(static_cast<unsigned char>(s[i])) || s[i] == '_')) {
      const std::size_t start = i;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_'))
        ++i;
      d.terms.push_back(Term{std::string(s.substr(start, i - start)), sign});
    } else {
      return fmt::format(
          "expected a variable or an integer {} in {} (a projection is an affine "
          "expression such as \"2*i - j + 1\")",
          at(), quote_name(s));
    }
    skip();
    if (i == s.size()) return d;
    if (s[i] != '+' && s[i] != '-')
      return fmt::format("expected '+' or '-' {} in {}", at(), quote_name(s));
    sign = s[i++] == '-' ? -1 : 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Derived task arguments: what a task's arguments are when the file does not list them.

std::vector<std::optional<std::size_t>> first_launches(const App& app) {
  std::vector<std::optional<std::size_t>> first(app.tasks.size());
  for (std::size_t i = 0; i < app.launches.size(); ++i) {
    const TaskId t = app.launches[i].task;
    if (t < first.size() && !first[t]) first[t] = i;
  }
  return first;
}

// The arguments the first launch of a task implies: a piece of a partition is an unnamed
// subregion of that partition; a whole region is named by itself.
std::vector<RegionArg> derived_args(const App& app, std::optional<std::size_t> first) {
  std::vector<RegionArg> out;
  if (!first) return out;
  for (const Requirement& r : app.launches[*first].reqs) {
    RegionArg a;
    if (r.partition.empty()) a.region = r.region;
    a.partition = r.partition;
    a.root = r.region;
    a.privilege = r.privilege;
    out.push_back(std::move(a));
  }
  return out;
}

// Launch indices in order of appearance in the program tree (a launch, then its body).
void appearance(const App& app, const std::vector<Step>& steps, std::vector<std::size_t>& out,
                int depth) {
  if (depth > kMaxDepth) return;
  for (const Step& s : steps) {
    if (s.kind == Step::Kind::Loop) {
      appearance(app, s.body, out, depth + 1);
    } else {
      out.push_back(s.launch);
      if (s.launch < app.launches.size())
        appearance(app, app.launches[s.launch].body, out, depth + 1);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// check(): the first problem, in the order of the file.

class Checker {
 public:
  explicit Checker(const App& app) : app_(app) {}

  std::optional<AppError> run() {
    try {
      params();
      regions();
      partitions();
      tasks();
      program();
    } catch (Found& f) {
      return std::move(f.error);
    }
    return std::nullopt;
  }

 private:
  struct Found {
    AppError error;
  };
  struct Var {
    std::string name;
    std::string path;  // where it is introduced
  };

  [[noreturn]] static void fail(std::string path, std::string message) {
    throw Found{AppError{std::move(path), std::move(message)}};
  }

  static void dimensions(std::size_t n, const std::string& path) {
    if (n > kMaxDims) fail(path, fmt::format("at most {} dimensions (got {})", kMaxDims, n));
  }

  static void positive(std::int64_t v, const std::string& path) {
    if (v < 1) fail(path, fmt::format("must be a positive integer (got {})", v));
  }

  // A name that must be non-empty and unique among `seen` (name → where first defined).
  static void unique_name(const std::string& name, const std::string& path, std::string_view what,
                          std::unordered_map<std::string, std::string>& seen) {
    if (name.empty()) fail(path, "must not be empty");
    auto [it, fresh] = seen.emplace(name, path);
    if (!fresh)
      fail(path, fmt::format("{} {} is already defined at {}", what, quote_name(name),
                             it->second.substr(0, it->second.rfind('.'))));
  }

  void params() {
    std::unordered_map<std::string, bool> seen;
    for (const auto& [name, value] : app_.params) {
      const std::string at = key_path("$.params", name);
      if (name.empty()) fail(at, "a parameter name must not be empty");
      if (!seen.emplace(name, true).second)
        fail(at, fmt::format("parameter {} is given twice", quote_name(name)));
    }
  }

  void regions() {
    std::unordered_map<std::string, std::string> names;
    std::int64_t atoms = 0;
    for (std::size_t i = 0; i < app_.regions.size(); ++i) {
      const Region& r = app_.regions[i];
      const std::string at = index_path("$.regions", i);
      unique_name(r.name, key_path(at, "name"), "region", names);
      region_index_.emplace(r.name, i);
      region_names_.push_back(r.name);
      const std::string ep = key_path(at, "extents");
      if (r.extents.empty()) fail(ep, "must list at least one extent");
      dimensions(r.extents.size(), ep);
      for (std::size_t k = 0; k < r.extents.size(); ++k)
        positive(r.extents[k], index_path(ep, k));
      const auto volume = product(r.extents, kInt64Max);
      if (!volume)
        fail(ep, "the region's volume (the product of its extents) overflows a 64-bit integer");

      std::unordered_map<std::string, std::string> fields;
      field_names_.emplace_back();
      for (const Field& f : r.fields)
        field_names_.back().insert(f.name);
      const std::string fp = key_path(at, "fields");
      for (std::size_t k = 0; k < r.fields.size(); ++k) {
        const std::string fat = index_path(fp, k);
        unique_name(r.fields[k].name, key_path(fat, "name"), "field", fields);
        if (r.fields[k].bytes == 0)
          fail(key_path(fat, "bytes"), "must be a positive integer (got 0)");
      }

      const std::string ap = key_path(at, "atoms");
      if (r.atoms.empty()) fail(ap, "must list at least one atom");
      if (static_cast<std::int64_t>(r.atoms.size()) > kMaxAtoms - atoms)
        fail(ap, fmt::format("too many atoms: at most {} in all regions together (this region "
                             "brings the count to {})",
                             kMaxAtoms, atoms + static_cast<std::int64_t>(r.atoms.size())));
      atoms += static_cast<std::int64_t>(r.atoms.size());
      std::int64_t sum = 0;
      for (std::size_t k = 0; k < r.atoms.size(); ++k) {
        positive(r.atoms[k], index_path(ap, k));
        if (r.atoms[k] > *volume - sum)
          fail(ap, fmt::format("the atoms hold more than the region's {} elements (the product of "
                               "its extents)",
                               *volume));
        sum += r.atoms[k];
      }
      if (sum != *volume)
        fail(ap, fmt::format("the atoms hold {} elements but the region has {} (the product of "
                             "its extents)",
                             sum, *volume));
    }
  }

  void partitions() {
    std::unordered_map<std::string, std::string> names;
    // owner[a] = (partition + 1, piece) of the last piece seen holding atom a.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> owner;
    for (std::size_t i = 0; i < app_.partitions.size(); ++i) {
      const Partition& p = app_.partitions[i];
      const std::string at = index_path("$.partitions", i);
      unique_name(p.name, key_path(at, "name"), "partition", names);
      partition_index_.emplace(p.name, i);
      if (p.region >= app_.regions.size())
        fail(key_path(at, "region"), fmt::format("region {} does not exist (the app has {})",
                                                 p.region, plural(app_.regions.size(), "region")));
      const Region& r = app_.regions[p.region];
      const std::string cp = key_path(at, "colors");
      if (p.colors.empty()) fail(cp, "must list at least one dimension");
      dimensions(p.colors.size(), cp);
      for (std::size_t k = 0; k < p.colors.size(); ++k)
        positive(p.colors[k], index_path(cp, k));
      const auto pieces = product(p.colors, kInt64Max);
      if (!pieces)
        fail(cp, "the number of pieces (the product of the colors) overflows a 64-bit integer");
      const std::string pp = key_path(at, "pieces");
      if (static_cast<std::int64_t>(p.pieces.size()) != *pieces)
        fail(pp, fmt::format("lists {} but the colors make {} (their product)",
                             plural(p.pieces.size(), "piece"), *pieces));
      if (owner.size() < r.atoms.size()) owner.resize(r.atoms.size(), {0, 0});
      const auto tag = static_cast<std::uint32_t>(i + 1);
      for (std::size_t k = 0; k < p.pieces.size(); ++k) {
        const std::string kp = index_path(pp, k);
        for (std::size_t m = 0; m < p.pieces[k].size(); ++m) {
          const std::uint32_t a = p.pieces[k][m];
          if (a >= r.atoms.size())
            fail(index_path(kp, m),
                 fmt::format("atom {} does not exist (region {} has {}, "
                             "numbered from 0)",
                             a, quote_name(r.name), plural(r.atoms.size(), "atom")));
          auto& o = owner[a];
          if (o.first == tag && o.second == k)
            fail(index_path(kp, m), fmt::format("atom {} is listed twice in this piece", a));
          if (o.first == tag && p.disjoint)
            fail(index_path(kp, m),
                 fmt::format("atom {} is also in piece {}, but the partition is disjoint (write "
                             "\"disjoint\": false if its pieces overlap)",
                             a, o.second));
          o = {tag, static_cast<std::uint32_t>(k)};
        }
      }
    }
  }

  void tasks() {
    std::unordered_map<std::string, std::string> names;
    for (std::size_t i = 0; i < app_.tasks.size(); ++i) {
      const Task& t = app_.tasks[i];
      const std::string at = index_path("$.tasks", i);
      unique_name(t.name, key_path(at, "name"), "task", names);
      const std::string vp = key_path(at, "variants");
      if (t.variants.empty()) fail(vp, "a task needs at least one variant");
      for (std::size_t k = 0; k < t.variants.size(); ++k) {
        const Variant& v = t.variants[k];
        const std::string vat = index_path(vp, k);
        if (v.kind == ProcKind::UTIL)
          fail(key_path(vat, "kind"),
               fmt::format("UTIL processors run Legion's runtime, not tasks; a variant is for {}",
                           join(task_kind_names(), ", ")));
        for (std::size_t m = 0; m < k; ++m)
          if (t.variants[m].kind == v.kind)
            fail(key_path(vat, "kind"), fmt::format("a {} variant is already given at {}",
                                                    to_string(v.kind), index_path(vp, m)));
        if (!(v.efficiency > 0 && v.efficiency <= 1))
          fail(key_path(vat, "efficiency"),
               fmt::format("must be greater than 0 and at most 1 (got {})", v.efficiency));
        if (v.inner && (v.needs_c_order || v.needs_soa))
          fail(key_path(vat, "inner"),
               "an inner variant touches no data, so it cannot need a layout");
      }
    }
    if (app_.top) {
      if (*app_.top >= app_.tasks.size())
        fail("$.top", fmt::format("task {} does not exist (the app has {})", *app_.top,
                                  plural(app_.tasks.size(), "task")));
      const Task& t = app_.tasks[*app_.top];
      if (!t.has_variant(ProcKind::CPU))
        fail("$.top", fmt::format("the top-level task runs on a CPU, but {} has no CPU variant",
                                  quote_name(t.name)));
    }
  }

  void program() {
    if (app_.launches.size() > kMaxLaunches)
      fail("$.program", fmt::format("too many launches: at most {} (got {})", kMaxLaunches,
                                    app_.launches.size()));
    launch_path_.assign(app_.launches.size(), std::string());
    steps(app_.program, "$.program", std::nullopt, 0);
    for (std::size_t i = 0; i < app_.launches.size(); ++i) {
      if (!launch_path_[i].empty()) continue;
      const TaskId t = app_.launches[i].task;
      fail(
          "$.program",
          fmt::format("launch {}{} is not in the program; every launch appears once, in the "
                      "program or in the body of its parent",
                      i, t < app_.tasks.size() ? " (" + quote_name(app_.tasks[t].name) + ")" : ""));
    }
  }

  void introduce(const std::string& name, const std::string& path) {
    if (!is_identifier(name))
      fail(path, fmt::format("{} is not a variable name (letters, digits and _, not starting "
                             "with a digit)",
                             quote_name(name)));
    for (const Var& v : scope_)
      if (v.name == name)
        fail(path,
             fmt::format("variable {} is already in scope (from {})", quote_name(name), v.path));
    scope_.push_back(Var{name, path});
  }

  void steps(const std::vector<Step>& body, const std::string& path,
             std::optional<std::size_t> parent, int depth) {
    if (depth > kMaxDepth / 2)
      fail(path, fmt::format("the program nests deeper than {} levels", kMaxDepth / 2));
    for (std::size_t k = 0; k < body.size(); ++k) {
      const Step& s = body[k];
      const std::string at = index_path(path, k);
      if (s.kind == Step::Kind::Loop) {
        if (s.launch != 0) fail(at, "a loop step refers to no launch (its launch must be 0)");
        introduce(s.var, key_path(at, "loop"));
        if (s.count < 1 || s.count > kMaxCount)
          fail(key_path(at, "count"),
               fmt::format("must be between 1 and {} (got {})", kMaxCount, s.count));
        steps(s.body, key_path(at, "body"), parent, depth + 1);
        scope_.pop_back();
        continue;
      }
      if (!s.var.empty() || s.count != 0 || !s.body.empty())
        fail(at,
             "a launch step has no variable, count or body of its own (a launch's steps "
             "belong in Launch::body)");
      if (s.launch >= app_.launches.size())
        fail(at, fmt::format("launch {} does not exist (the app has {})", s.launch,
                             plural(app_.launches.size(), "launch")));
      if (!launch_path_[s.launch].empty())
        fail(at, fmt::format("launch {} appears twice in the program (also at {})", s.launch,
                             launch_path_[s.launch]));
      launch_path_[s.launch] = at;
      launch(s.launch, at, parent, depth);
    }
  }

  void launch(std::size_t i, const std::string& at, std::optional<std::size_t> parent, int depth) {
    const Launch& l = app_.launches[i];
    if (l.task >= app_.tasks.size())
      fail(key_path(at, "task"), fmt::format("task {} does not exist (the app has {})", l.task,
                                             plural(app_.tasks.size(), "task")));
    const Task& task = app_.tasks[l.task];
    auto where = [](std::optional<std::size_t> p) {
      return p ? fmt::format("in the body of launch {}", *p) : std::string("at the top level");
    };
    if (l.parent != parent)
      fail(at, fmt::format("launch {} has {} but appears {}", i,
                           l.parent ? fmt::format("parent {}", *l.parent) : "no parent",
                           where(parent)));
    if (parent && *parent >= i)
      fail(key_path(at, "id"),
           fmt::format("launch {} is in the body of launch {}, so its id must be greater than {}",
                       i, *parent, *parent));

    const std::string dp = key_path(at, "domain");
    if (l.index && l.domain.empty()) fail(dp, "an index launch needs at least one dimension");
    if (!l.index && !l.domain.empty()) fail(dp, "a single launch has no domain");
    dimensions(l.domain.size(), dp);
    for (std::size_t k = 0; k < l.domain.size(); ++k)
      positive(l.domain[k], index_path(dp, k));
    const auto points = product(l.domain, kMaxPoints);
    if (!points) fail(dp, fmt::format("too many points: at most {} per launch", kMaxPoints));

    const std::string vp = key_path(at, "point_vars");
    if (!l.point_vars.empty() && l.point_vars.size() != l.domain.size())
      fail(vp, fmt::format("names {} but the domain has {} (name one per dimension, or none)",
                           plural(l.point_vars.size(), "variable"),
                           plural(l.domain.size(), "dimension")));
    if (!std::isfinite(l.flops) || l.flops < 0)
      fail(key_path(at, "flops"), fmt::format("must be a non-negative number (got {})", l.flops));
    if (!l.body.empty() && !std::any_of(task.variants.begin(), task.variants.end(),
                                        [](const Variant& v) { return v.inner; }))
      fail(key_path(at, "body"),
           fmt::format("task {} launches subtasks here, so it needs an inner variant (\"inner\": "
                       "true)",
                       quote_name(task.name)));
    const std::string rp = key_path(at, "reqs");
    if (!l.args.empty() && l.args.size() != task.args.size())
      fail(key_path(at, "args"),
           fmt::format("task {} has {} but this launch names {}", quote_name(task.name),
                       plural(task.args.size(), "region argument"),
                       plural(l.args.size(), "argument")));
    if (l.reqs.size() != task.args.size())
      fail(rp, fmt::format("task {} has {} but this launch gives {}", quote_name(task.name),
                           plural(task.args.size(), "region argument"),
                           plural(l.reqs.size(), "requirement")));

    const std::size_t outer = scope_.size();
    for (std::size_t k = 0; k < l.point_vars.size(); ++k)
      introduce(l.point_vars[k], index_path(vp, k));
    for (std::size_t k = 0; k < l.reqs.size(); ++k)
      requirement(l, *points, task, k, index_path(rp, k));
    steps(l.body, key_path(at, "body"), i, depth + 1);
    scope_.resize(outer);
  }

  void requirement(const Launch& l, std::int64_t points, const Task& task, std::size_t k,
                   const std::string& at) {
    const Requirement& r = l.reqs[k];
    auto ri = region_index_.find(r.region);
    if (ri == region_index_.end())
      fail(key_path(at, "region"), unknown("region", "regions", r.region, region_names_));
    const Region& region = app_.regions[ri->second];

    const Partition* part = nullptr;
    const std::string pp = key_path(at, "projection");
    if (r.partition.empty()) {
      if (!r.projection.empty())
        fail(pp,
             "a requirement on the whole region has no projection (name a partition to "
             "project onto its pieces)");
    } else {
      auto pi = partition_index_.find(r.partition);
      if (pi == partition_index_.end()) {
        std::vector<std::string> own;
        for (const Partition& p : app_.partitions)
          if (p.region == ri->second) own.push_back(p.name);
        if (own.empty())
          fail(key_path(at, "partition"),
               fmt::format("unknown partition {}; region {} has no partitions",
                           quote_name(r.partition), quote_name(region.name)));
        fail(key_path(at, "partition"),
             fmt::format("unknown partition {}{}; partitions of {}: {}", quote_name(r.partition),
                         hint(r.partition, own), quote_name(region.name), listing(own)));
      }
      part = &app_.partitions[pi->second];
      if (part->region != ri->second)
        fail(key_path(at, "partition"),
             fmt::format("partition {} is a partition of region {}, not {}", quote_name(part->name),
                         quote_name(app_.regions[part->region].name), quote_name(region.name)));
      if (r.projection.size() != part->colors.size())
        fail(pp, fmt::format("has {} but partition {} has {} (one per dimension of its colors)",
                             plural(r.projection.size(), "dimension"), quote_name(part->name),
                             plural(part->colors.size(), "dimension")));
      for (std::size_t d = 0; d < r.projection.size(); ++d)
        projection(r.projection[d], pp, d);
    }

    const std::string fp = key_path(at, "fields");
    const auto& known = field_names_[ri->second];
    std::unordered_set<std::string_view> listed;
    for (std::size_t m = 0; m < r.fields.size(); ++m) {
      const std::string& f = r.fields[m];
      if (!known.contains(f)) {
        std::vector<std::string> fields;
        for (const Field& g : region.fields)
          fields.push_back(g.name);
        if (fields.empty())
          fail(index_path(fp, m), fmt::format("region {} has no fields", quote_name(region.name)));
        fail(index_path(fp, m),
             fmt::format("region {} has no field {}{}; its fields: {}", quote_name(region.name),
                         quote_name(f), hint(f, fields), listing(fields)));
      }
      if (!listed.insert(f).second)
        fail(index_path(fp, m), fmt::format("field {} is listed twice", quote_name(f)));
    }
    if (!(r.touched >= 0 && r.touched <= 1))
      fail(key_path(at, "touched"), fmt::format("must be between 0 and 1 (got {})", r.touched));

    const std::string vp = key_path(at, "privilege");
    const RegionArg& arg = l.effective_args(task)[k];
    if (arg.privilege != r.privilege)
      fail(vp,
           fmt::format("\"{}\" differs from argument {} of task {} (\"{}\"); give this "
                       "launch its own \"args\" when its privileges differ from the task's",
                       to_string(r.privilege), k, quote_name(task.name), to_string(arg.privilege)));
    const bool writes = r.privilege == Privilege::Write || r.privilege == Privilege::ReadWrite;
    if (!writes || !l.index || points <= 1) return;
    // The points of one index launch run in parallel: what they write must not overlap.
    // Reductions commute, so "reduce" may target the same or overlapping pieces.
    if (!part)
      fail(vp, fmt::format("the {} points of this index launch would all write region {}; write "
                           "pieces of a disjoint partition, or use \"read\" or \"reduce\"",
                           points, quote_name(region.name)));
    if (!part->disjoint)
      fail(vp, fmt::format("the points of an index launch cannot write partition {}: its pieces "
                           "overlap; write a disjoint partition, or use \"reduce\"",
                           quote_name(part->name)));
    distinct_pieces(l, r, *part, pp);
  }

  void projection(const ProjectionDim& d, const std::string& pp, std::size_t dim) {
    const std::string at = index_path(pp, dim);
    for (const Term& t : d.terms) {
      if (std::none_of(scope_.begin(), scope_.end(),
                       [&](const Var& v) { return v.name == t.var; })) {
        std::vector<std::string> names;
        for (const Var& v : scope_)
          names.push_back(v.name);
        if (names.empty())
          fail(at, fmt::format("unknown variable {}; no variables are in scope here",
                               quote_name(t.var)));
        fail(at, fmt::format("unknown variable {}{}; in scope here: {}", quote_name(t.var),
                             hint(t.var, names), listing(names)));
      }
      if (t.coef < -kMaxCount || t.coef > kMaxCount)
        fail(at, fmt::format("the coefficient of {} must be between {} and {} (got {})",
                             quote_name(t.var), -kMaxCount, kMaxCount, t.coef));
    }
    if (d.offset < -kMaxCount || d.offset > kMaxCount)
      fail(at, fmt::format("the offset must be between {} and {} (got {})", -kMaxCount, kMaxCount,
                           d.offset));
  }

  // Each point of the launch must get its own piece. Other variables (loops, parents) shift every
  // point's color alike, so they are taken as 0. By the pigeonhole principle a repeat shows up
  // within the first pieces + 1 points, so this is linear in the partition's size.
  void distinct_pieces(const Launch& l, const Requirement& r, const Partition& part,
                       const std::string& pp) {
    const std::size_t dims = l.domain.size();
    std::vector<std::int64_t> point(dims, 0);
    std::vector<std::int64_t> first_of(part.pieces.size(), -1);
    auto text = [](std::span<const std::int64_t> xs) {
      std::string s = "(";
      for (std::size_t i = 0; i < xs.size(); ++i)
        s += fmt::format("{}{}", i ? ", " : "", xs[i]);
      return s + ")";
    };
    // Color d = (offset[d] + Σ_k coef[d][k] · point[k]) mod colors[d], all taken mod colors[d]
    // (terms may be many and large; their sum could overflow).
    const std::size_t cdims = part.colors.size();
    std::vector<std::int64_t> offset(cdims, 0);
    std::vector<std::vector<std::int64_t>> coef(cdims, std::vector<std::int64_t>(dims, 0));
    for (std::size_t d = 0; d < cdims; ++d) {
      const std::int64_t c = part.colors[d];
      offset[d] = r.projection[d].offset % c;
      for (const Term& t : r.projection[d].terms) {
        auto k = std::find(l.point_vars.begin(), l.point_vars.end(), t.var);
        if (k == l.point_vars.end()) continue;
        std::int64_t& a = coef[d][static_cast<std::size_t>(k - l.point_vars.begin())];
        a = (a + t.coef % c) % c;
      }
    }
    for (std::int64_t n = 0;; ++n) {
      std::int64_t linear = 0, stride = 1;
      std::vector<std::int64_t> color(cdims);
      for (std::size_t d = 0; d < cdims; ++d) {
        const std::int64_t c = part.colors[d];
        std::int64_t v = offset[d];
        for (std::size_t k = 0; k < dims; ++k)
          v = (v + coef[d][k] * (point[k] % c)) % c;
        color[d] = (v + c) % c;
        linear += color[d] * stride;
        stride *= c;
      }
      if (first_of[linear] >= 0) {
        std::vector<std::int64_t> other(dims);
        std::int64_t rest = first_of[linear];
        for (std::size_t d = 0; d < dims; ++d) {
          other[d] = rest % l.domain[d];
          rest /= l.domain[d];
        }
        fail(pp, fmt::format("points {} and {} of this index launch would both write piece {} of "
                             "{}; a projection for writing must send each point to its own piece",
                             text(other), text(point), text(color), quote_name(part.name)));
      }
      first_of[linear] = n;
      // Next point, first dimension fastest.
      std::size_t d = 0;
      while (d < dims && ++point[d] == l.domain[d])
        point[d++] = 0;
      if (d == dims) return;
    }
  }

  const App& app_;
  std::unordered_map<std::string, std::size_t> region_index_, partition_index_;
  std::vector<std::string> region_names_;
  std::vector<std::unordered_set<std::string>> field_names_;  // per region
  std::vector<std::string> launch_path_;
  std::vector<Var> scope_;
};

// ---------------------------------------------------------------------------------------------
// Loading: walks the parsed JSON; every failure names the file and the JSON path.

class Reader {
 public:
  explicit Reader(std::string_view file) : file_(file) {}

  [[noreturn]] void fail(const std::string& path, const std::string& message) const {
    throw InputError(fmt::format("{}: {}: {}", file_, path, message));
  }

  void object(const json& j, const std::string& path, std::span<const std::string> allowed,
              std::span<const std::string> required) const {
    if (!j.is_object()) fail(path, fmt::format("must be an object (got {})", shown(j)));
    for (const auto& [key, value] : j.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      fail(key_path(path, key),
           fmt::format("unknown key{}; keys here: {}", hint(key, allowed), join(allowed, ", ")));
    }
    for (const std::string& key : required)
      if (!j.contains(key)) fail(path, fmt::format("missing required key \"{}\"", key));
  }

  const json& array(const json& j, const std::string& path) const {
    if (!j.is_array()) fail(path, fmt::format("must be an array (got {})", shown(j)));
    return j;
  }

  std::int64_t integer(const json& j, const std::string& path) const {
    if (j.is_number_unsigned()) {
      const auto v = j.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(kInt64Max))
        fail(path, fmt::format("must be at most {} (got {})", kInt64Max, shown(j)));
      return static_cast<std::int64_t>(v);
    }
    if (j.is_number_integer()) return j.get<std::int64_t>();
    if (j.is_number_float()) {
      // 1e6 is a fine way to write a size; 1.5 is not.
      const double d = j.get<double>();
      if (std::isfinite(d) && std::floor(d) == d && d >= -9223372036854775808.0 &&
          d < 9223372036854775808.0)
        return static_cast<std::int64_t>(d);
    }
    fail(path, fmt::format("must be an integer (got {})", shown(j)));
  }

  // An integer that fits `max` and is at least `min` (for fields stored unsigned).
  std::uint32_t u32(const json& j, const std::string& path, std::int64_t min,
                    std::string_view what) const {
    const std::int64_t v = integer(j, path);
    if (v < min) fail(path, fmt::format("must be a {} integer (got {})", what, shown(j)));
    if (v > std::numeric_limits<std::uint32_t>::max())
      fail(path, fmt::format("must be at most {} (got {})",
                             std::numeric_limits<std::uint32_t>::max(), shown(j)));
    return static_cast<std::uint32_t>(v);
  }

  double number(const json& j, const std::string& path) const {
    if (!j.is_number() || !std::isfinite(j.get<double>()))
      fail(path, fmt::format("must be a number (got {})", shown(j)));
    return j.get<double>();
  }

  bool boolean(const json& j, const std::string& path) const {
    if (!j.is_boolean()) fail(path, fmt::format("must be true or false (got {})", shown(j)));
    return j.get<bool>();
  }

  const std::string& string(const json& j, const std::string& path) const {
    if (!j.is_string()) fail(path, fmt::format("must be a string (got {})", shown(j)));
    return j.get_ref<const std::string&>();
  }

  std::vector<std::int64_t> integers(const json& j, const std::string& path) const {
    std::vector<std::int64_t> out;
    array(j, path);
    out.reserve(j.size());
    for (std::size_t k = 0; k < j.size(); ++k)
      out.push_back(integer(j[k], index_path(path, k)));
    return out;
  }

  std::vector<std::string> strings(const json& j, const std::string& path) const {
    std::vector<std::string> out;
    array(j, path);
    for (std::size_t k = 0; k < j.size(); ++k)
      out.push_back(string(j[k], index_path(path, k)));
    return out;
  }

  Privilege privilege(const json& j, const std::string& path) const {
    const std::string& s = string(j, path);
    if (auto p = parse_privilege(s)) return *p;
    fail(path, fmt::format("unknown privilege {}{}; expected one of: {}", quote_name(s),
                           hint(s, privilege_names()), join(privilege_names(), ", ")));
  }

 private:
  std::string_view file_;
};

// A launch as read, before launches are numbered.
struct Pending {
  Launch launch;
  std::string path;
  std::optional<std::size_t> id;
};

class Loader {
 public:
  Loader(std::string_view file, std::vector<std::string> param_keys)
      : r_(file), param_keys_(std::move(param_keys)) {}

  App load(const json& j, std::string_view filename) {
    static const std::vector<std::string> keys = {"format",     "name",  "params", "regions",
                                                  "partitions", "tasks", "top",    "program"};
    static const std::vector<std::string> required = {"format", "tasks", "program"};
    r_.object(j, "$", keys, required);
    App app;
    app.name = j.contains("name") ? r_.string(j["name"], "$.name") : stem(filename);
    if (j.contains("params")) {
      if (!j["params"].is_object())
        r_.fail("$.params", fmt::format("must be an object (got {})", shown(j["params"])));
      // Keys in file order (the parser callback saw them); a repeated key keeps its last value
      // and check() reports the repeat.
      for (const std::string& k : param_keys_)
        app.params.emplace_back(k, r_.integer(j["params"][k], key_path("$.params", k)));
    }
    // What is defined is checked before anything refers to it, so that a clash of names is
    // reported where the names are defined, not where one of them is used.
    if (j.contains("regions")) regions(j["regions"], app);
    checked(app);
    for (std::uint32_t i = 0; i < app.regions.size(); ++i)
      regions_.emplace(app.regions[i].name, i);
    if (j.contains("partitions")) partitions(j["partitions"], app);
    checked(app);
    std::vector<bool> has_args;
    tasks(r_.array(j["tasks"], "$.tasks"), app, has_args);
    for (TaskId i = 0; i < app.tasks.size(); ++i)
      tasks_.emplace(app.tasks[i].name, i);
    task_names_.reserve(app.tasks.size());
    for (const Task& t : app.tasks)
      task_names_.push_back(t.name);
    if (j.contains("top")) app.top = task_id(j["top"], "$.top");
    checked(app);
    app.program = steps(j["program"], "$.program", std::nullopt, 0);
    number(app);
    const auto first = first_launches(app);
    for (TaskId t = 0; t < app.tasks.size(); ++t)
      if (!has_args[t]) app.tasks[t].args = derived_args(app, first[t]);
    return app;
  }

 private:
  void checked(const App& app) const {
    if (auto e = check(app)) r_.fail(e->path, e->message);
  }

  static std::string stem(std::string_view filename) {
    if (auto slash = filename.find_last_of('/'); slash != std::string_view::npos)
      filename = filename.substr(slash + 1);
    if (filename.ends_with(".json")) filename.remove_suffix(5);
    return filename.empty() ? "app" : std::string(filename);
  }

  void regions(const json& j, App& app) {
    static const std::vector<std::string> keys = {"name", "extents", "fields", "atoms"};
    static const std::vector<std::string> required = {"name", "extents"};
    static const std::vector<std::string> field_keys = {"name", "bytes"};
    static const std::vector<std::string> field_req = {"name"};
    r_.array(j, "$.regions");
    for (std::size_t i = 0; i < j.size(); ++i) {
      const json& e = j[i];
      const std::string at = index_path("$.regions", i);
      r_.object(e, at, keys, required);
      Region g;
      g.name = r_.string(e["name"], key_path(at, "name"));
      g.extents = r_.integers(e["extents"], key_path(at, "extents"));
      if (e.contains("fields")) {
        const std::string fp = key_path(at, "fields");
        const json& fs = r_.array(e["fields"], fp);
        for (std::size_t k = 0; k < fs.size(); ++k) {
          const std::string fat = index_path(fp, k);
          r_.object(fs[k], fat, field_keys, field_req);
          Field f;
          f.name = r_.string(fs[k]["name"], key_path(fat, "name"));
          if (fs[k].contains("bytes"))
            f.bytes = r_.u32(fs[k]["bytes"], key_path(fat, "bytes"), 1, "positive");
          g.fields.push_back(std::move(f));
        }
      }
      if (e.contains("atoms")) {
        const std::string ap = key_path(at, "atoms");
        const json& as = r_.array(e["atoms"], ap);
        if (static_cast<std::int64_t>(as.size()) > kMaxAtoms)
          r_.fail(ap, fmt::format("too many atoms: at most {} in all regions together (got {})",
                                  kMaxAtoms, as.size()));
        g.atoms = r_.integers(as, ap);
      } else if (auto v = product(g.extents, kInt64Max)) {
        g.atoms = {*v};  // never partitioned finer: one atom (check() reports bad extents)
      }
      app.regions.push_back(std::move(g));
    }
  }

  void partitions(const json& j, App& app) {
    static const std::vector<std::string> keys = {"name", "region", "disjoint", "colors", "pieces"};
    static const std::vector<std::string> required = {"name", "region", "colors", "pieces"};
    r_.array(j, "$.partitions");
    std::vector<std::string> names;
    for (const Region& g : app.regions)
      names.push_back(g.name);
    for (std::size_t i = 0; i < j.size(); ++i) {
      const json& e = j[i];
      const std::string at = index_path("$.partitions", i);
      r_.object(e, at, keys, required);
      Partition p;
      p.name = r_.string(e["name"], key_path(at, "name"));
      const std::string& region = r_.string(e["region"], key_path(at, "region"));
      auto it = regions_.find(region);
      if (it == regions_.end())
        r_.fail(key_path(at, "region"), unknown("region", "regions", region, names));
      p.region = it->second;
      if (e.contains("disjoint")) p.disjoint = r_.boolean(e["disjoint"], key_path(at, "disjoint"));
      p.colors = r_.integers(e["colors"], key_path(at, "colors"));
      const std::string pp = key_path(at, "pieces");
      const json& pieces = r_.array(e["pieces"], pp);
      p.pieces.reserve(pieces.size());
      for (std::size_t k = 0; k < pieces.size(); ++k) {
        const std::string kp = index_path(pp, k);
        const json& piece = r_.array(pieces[k], kp);
        std::vector<std::uint32_t> atoms;
        atoms.reserve(piece.size());
        for (std::size_t m = 0; m < piece.size(); ++m)
          atoms.push_back(r_.u32(piece[m], index_path(kp, m), 0, "non-negative"));
        p.pieces.push_back(std::move(atoms));
      }
      app.partitions.push_back(std::move(p));
    }
  }

  void tasks(const json& j, App& app, std::vector<bool>& has_args) {
    static const std::vector<std::string> keys = {"name", "variants", "args"};
    static const std::vector<std::string> required = {"name", "variants"};
    static const std::vector<std::string> variant_keys = {"kind", "efficiency", "inner",
                                                          "needs_c_order", "needs_soa"};
    static const std::vector<std::string> variant_req = {"kind"};
    for (std::size_t i = 0; i < j.size(); ++i) {
      const json& e = j[i];
      const std::string at = index_path("$.tasks", i);
      r_.object(e, at, keys, required);
      Task t;
      t.name = r_.string(e["name"], key_path(at, "name"));
      const std::string vp = key_path(at, "variants");
      const json& vs = r_.array(e["variants"], vp);
      for (std::size_t k = 0; k < vs.size(); ++k) {
        const std::string vat = index_path(vp, k);
        r_.object(vs[k], vat, variant_keys, variant_req);
        Variant v;
        const std::string kp = key_path(vat, "kind");
        const std::string& kind = r_.string(vs[k]["kind"], kp);
        auto pk = parse_proc_kind(kind);
        if (!pk)
          r_.fail(kp,
                  fmt::format("unknown processor kind {}{}; expected one of: {}", quote_name(kind),
                              hint(kind, task_kind_names()), join(task_kind_names(), ", ")));
        v.kind = *pk;
        if (vs[k].contains("efficiency"))
          v.efficiency = r_.number(vs[k]["efficiency"], key_path(vat, "efficiency"));
        if (vs[k].contains("inner")) v.inner = r_.boolean(vs[k]["inner"], key_path(vat, "inner"));
        if (vs[k].contains("needs_c_order"))
          v.needs_c_order = r_.boolean(vs[k]["needs_c_order"], key_path(vat, "needs_c_order"));
        if (vs[k].contains("needs_soa"))
          v.needs_soa = r_.boolean(vs[k]["needs_soa"], key_path(vat, "needs_soa"));
        t.variants.push_back(v);
      }
      has_args.push_back(e.contains("args"));
      if (e.contains("args")) t.args = region_args(e["args"], key_path(at, "args"));
      app.tasks.push_back(std::move(t));
    }
  }

  // args := [{"region"?, "partition"?, "root"?, "privilege"}]
  std::vector<RegionArg> region_args(const json& j, const std::string& ap) const {
    static const std::vector<std::string> arg_keys = {"region", "partition", "root", "privilege"};
    static const std::vector<std::string> arg_req = {"privilege"};
    std::vector<RegionArg> out;
    const json& as = r_.array(j, ap);
    for (std::size_t k = 0; k < as.size(); ++k) {
      const std::string aat = index_path(ap, k);
      r_.object(as[k], aat, arg_keys, arg_req);
      RegionArg a;
      for (auto [key, field] : {std::pair{"region", &a.region},
                                std::pair{"partition", &a.partition}, std::pair{"root", &a.root}})
        if (as[k].contains(key)) *field = r_.string(as[k][key], key_path(aat, key));
      a.privilege = r_.privilege(as[k]["privilege"], key_path(aat, "privilege"));
      out.push_back(std::move(a));
    }
    return out;
  }

  TaskId task_id(const json& j, const std::string& path) const {
    const std::string& name = r_.string(j, path);
    auto it = tasks_.find(name);
    if (it == tasks_.end()) r_.fail(path, unknown("task", "tasks", name, task_names_));
    return it->second;
  }

  // step := launch | loop; a launch is an object with "task", a loop one with "loop".
  std::vector<Step> steps(const json& j, const std::string& path, std::optional<std::size_t> parent,
                          int depth) {
    static const std::vector<std::string> loop_keys = {"loop", "count", "body"};
    std::vector<Step> out;
    r_.array(j, path);
    for (std::size_t k = 0; k < j.size(); ++k) {
      const json& e = j[k];
      const std::string at = index_path(path, k);
      if (!e.is_object()) r_.fail(at, fmt::format("must be an object (got {})", shown(e)));
      Step s;
      if (e.contains("loop")) {
        r_.object(e, at, loop_keys, loop_keys);
        s.kind = Step::Kind::Loop;
        s.var = r_.string(e["loop"], key_path(at, "loop"));
        s.count = r_.integer(e["count"], key_path(at, "count"));
        s.body = steps(e["body"], key_path(at, "body"), parent, depth + 1);
      } else if (e.contains("task")) {
        s.launch = launch(e, at, parent, depth);
      } else {
        r_.fail(at,
                "a step is a launch (an object with \"task\") or a loop (an object with "
                "\"loop\")");
      }
      out.push_back(std::move(s));
    }
    return out;
  }

  std::size_t launch(const json& e, const std::string& at, std::optional<std::size_t> parent,
                     int depth) {
    static const std::vector<std::string> keys = {"id",    "task", "domain", "point_vars",
                                                  "flops", "reqs", "args",   "body"};
    static const std::vector<std::string> required = {"task"};
    r_.object(e, at, keys, required);
    if (pending_.size() >= kMaxLaunches)
      r_.fail(at, fmt::format("too many launches: at most {}", kMaxLaunches));
    const std::size_t self = pending_.size();
    pending_.emplace_back();
    Pending p;
    p.path = at;
    if (e.contains("id")) {
      const std::int64_t id = r_.integer(e["id"], key_path(at, "id"));
      if (id < 0) r_.fail(key_path(at, "id"), fmt::format("must be non-negative (got {})", id));
      p.id = static_cast<std::size_t>(id);
    }
    Launch& l = p.launch;
    l.task = task_id(e["task"], key_path(at, "task"));
    if (e.contains("domain")) {
      l.index = true;
      l.domain = r_.integers(e["domain"], key_path(at, "domain"));
    }
    if (e.contains("point_vars"))
      l.point_vars = r_.strings(e["point_vars"], key_path(at, "point_vars"));
    if (e.contains("flops")) l.flops = r_.number(e["flops"], key_path(at, "flops"));
    if (e.contains("reqs")) {
      const std::string rp = key_path(at, "reqs");
      const json& rs = r_.array(e["reqs"], rp);
      for (std::size_t k = 0; k < rs.size(); ++k)
        l.reqs.push_back(requirement(rs[k], index_path(rp, k)));
    }
    if (e.contains("args")) l.args = region_args(e["args"], key_path(at, "args"));
    l.parent = parent;
    if (e.contains("body")) l.body = steps(e["body"], key_path(at, "body"), self, depth + 1);
    pending_[self] = std::move(p);
    return self;
  }

  Requirement requirement(const json& e, const std::string& at) const {
    static const std::vector<std::string> keys = {"region",    "partition", "projection",
                                                  "privilege", "fields",    "touched"};
    static const std::vector<std::string> required = {"region", "privilege"};
    r_.object(e, at, keys, required);
    Requirement q;
    q.region = r_.string(e["region"], key_path(at, "region"));
    if (e.contains("partition")) q.partition = r_.string(e["partition"], key_path(at, "partition"));
    if (e.contains("projection")) {
      const std::string pp = key_path(at, "projection");
      const std::vector<std::string> dims = r_.strings(e["projection"], pp);
      for (std::size_t d = 0; d < dims.size(); ++d) {
        auto parsed = parse_projection(dims[d]);
        if (auto* msg = std::get_if<std::string>(&parsed)) r_.fail(index_path(pp, d), *msg);
        q.projection.push_back(std::get<ProjectionDim>(std::move(parsed)));
      }
    }
    q.privilege = r_.privilege(e["privilege"], key_path(at, "privilege"));
    if (e.contains("fields")) q.fields = r_.strings(e["fields"], key_path(at, "fields"));
    if (e.contains("touched")) q.touched = r_.number(e["touched"], key_path(at, "touched"));
    return q;
  }

  // Launches are numbered in order of appearance, unless every one carries an "id".
  void number(App& app) {
    const std::size_t n = pending_.size();
    std::vector<std::size_t> id(n);
    const auto with_id = std::find_if(pending_.begin(), pending_.end(),
                                      [](const Pending& p) { return p.id.has_value(); });
    if (with_id == pending_.end()) {
      for (std::size_t i = 0; i < n; ++i)
        id[i] = i;
    } else {
      std::vector<std::size_t> owner(n, n);
      for (std::size_t i = 0; i < n; ++i) {
        const Pending& p = pending_[i];
        if (!p.id)
          r_.fail(p.path, fmt::format("missing \"id\": when one launch has an id, all do ({} "
                                      "has one)",
                                      with_id->path));
        if (*p.id >= n)
          r_.fail(key_path(p.path, "id"),
                  fmt::format("must be less than the number of launches, {} (got {})", n, *p.id));
        if (owner[*p.id] != n)
          r_.fail(key_path(p.path, "id"), fmt::format("{} is also the id of the launch at {}",
                                                      *p.id, pending_[owner[*p.id]].path));
        owner[*p.id] = i;
        id[i] = *p.id;
      }
    }
    app.launches.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      Launch& l = pending_[i].launch;
      if (l.parent) l.parent = id[*l.parent];
      renumber(l.body, id);
      app.launches[id[i]] = std::move(l);
    }
    renumber(app.program, id);
  }

  static void renumber(std::vector<Step>& steps, const std::vector<std::size_t>& id) {
    for (Step& s : steps) {
      if (s.kind == Step::Kind::Launch)
        s.launch = id[s.launch];
      else
        renumber(s.body, id);
    }
  }

  Reader r_;
  std::vector<std::string> param_keys_;
  std::unordered_map<std::string, std::uint32_t> regions_;
  std::unordered_map<std::string, TaskId> tasks_;
  std::vector<std::string> task_names_;
  std::vector<Pending> pending_;
};

// nlohmann reports a byte offset; people want line:column.
std::string line_col(std::string_view text, std::size_t byte) {
  const std::size_t pos = std::min(byte == 0 ? 0 : byte - 1, text.size());
  const std::string_view before = text.substr(0, pos);
  const std::size_t line =
      1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  const std::size_t nl = before.rfind('\n');
  const std::size_t col = nl == std::string_view::npos ? pos + 1 : pos - nl;
  return fmt::format("{}:{}", line, col);
}

// "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..." →
// "syntax error ...".
std::string parse_detail(const char* what) {
  std::string_view w(what);
  if (auto at = w.find("parse error"); at != std::string_view::npos)
    if (auto colon = w.find(": ", at); colon != std::string_view::npos)
      return std::string(w.substr(colon + 2));
  return std::string(w);
}

// Nesting grows two levels per loop or launch body; a file nested far deeper than any program is
// not an application, and walking it would recurse without bound.
std::optional<std::size_t> too_deep(std::string_view text) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Writing: nlohmann's layout puts every number of an atom list on its own line; this one writes
// a list or object on one line when it fits in kWidth columns, and lists of numbers always.

constexpr std::ptrdiff_t kWidth = 100;

std::string scalar(const ojson& v) {
  return v.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

// Whether the one-line form of `v` fits in `budget` characters; stops as soon as it cannot, so
// that deciding costs O(kWidth) whatever the size of `v`.
bool fits(const ojson& v, std::ptrdiff_t& budget) {
  if (!v.is_structured()) {
    if (v.is_string() &&
        static_cast<std::ptrdiff_t>(v.get_ref<const std::string&>().size()) > budget)
      return false;
    budget -= static_cast<std::ptrdiff_t>(scalar(v).size());
    return budget >= 0;
  }
  budget -= 2;
  bool first = true;
  for (auto it = v.begin(); it != v.end() && budget >= 0; ++it) {
    if (!first) budget -= 2;
    first = false;
    if (v.is_object()) budget -= static_cast<std::ptrdiff_t>(it.key().size()) + 4;
    if (budget < 0 || !fits(*it, budget)) return false;
  }
  return budget >= 0;
}

std::string one_line(const ojson& v) {
  if (!v.is_structured()) return scalar(v);
  std::string out = v.is_array() ? "[" : "{";
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!first) out += ", ";
    first = false;
    if (v.is_object()) out += scalar(ojson(it.key())) + ": ";
    out += one_line(*it);
  }
  return out + (v.is_array() ? "]" : "}");
}

// `prefix`: the width of what precedes `v` on its line after the indentation (a key).
void layout(const ojson& v, std::size_t indent, std::size_t prefix, std::string& out) {
  const bool numbers = v.is_array() && std::none_of(v.begin(), v.end(), [](const ojson& e) {
                         return e.is_structured();
                       });
  std::ptrdiff_t budget = kWidth - static_cast<std::ptrdiff_t>(indent + prefix) - 1;
  if (!v.is_structured() || numbers || fits(v, budget)) {
    out += one_line(v);
    return;
  }
  out += v.is_array() ? "[\n" : "{\n";
  const std::string pad(indent + 2, ' ');
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!first) out += ",\n";
    first = false;
    out += pad;
    std::size_t key = 0;
    if (v.is_object()) {
      const std::string k = scalar(ojson(it.key())) + ": ";
      out += k;
      key = k.size();
    }
    layout(*it, indent + 2, key, out);
  }
  out += "\n" + std::string(indent, ' ') + (v.is_array() ? "]" : "}");
}

class Dumper {
 public:
  explicit Dumper(const App& app) : app_(app), first_(first_launches(app)) {
    std::vector<std::size_t> order;
    appearance(app, app.program, order, 0);
    ids_ = order.size() != app.launches.size();
    for (std::size_t k = 0; k < order.size() && !ids_; ++k)
      ids_ = order[k] != k;
  }

  ojson root() const {
    ojson j;
    j["format"] = kAppFormat;
    j["name"] = app_.name;
    if (!app_.params.empty()) {
      j["params"] = ojson::object();
      for (const auto& [k, v] : app_.params)
        j["params"][k] = v;
    }
    if (!app_.regions.empty()) {
      j["regions"] = ojson::array();
      for (const Region& r : app_.regions)
        j["regions"].push_back(region(r));
    }
    if (!app_.partitions.empty()) {
      j["partitions"] = ojson::array();
      for (const Partition& p : app_.partitions)
        j["partitions"].push_back(partition(p));
    }
    j["tasks"] = ojson::array();
    for (TaskId t = 0; t < app_.tasks.size(); ++t)
      j["tasks"].push_back(task(t));
    if (app_.top) j["top"] = task_name(*app_.top);
    j["program"] = steps(app_.program, 0);
    return j;
  }

 private:
  std::string task_name(TaskId t) const {
    return t < app_.tasks.size() ? app_.tasks[t].name : fmt::format("#{}", t);
  }

  static ojson region(const Region& r) {
    ojson j;
    j["name"] = r.name;
    j["extents"] = r.extents;
    if (!r.fields.empty()) {
      j["fields"] = ojson::array();
      for (const Field& f : r.fields) {
        ojson e;
        e["name"] = f.name;
        if (f.bytes != Field{}.bytes) e["bytes"] = f.bytes;
        j["fields"].push_back(std::move(e));
      }
    }
    const auto volume = product(r.extents, kInt64Max);
    if (!(volume && r.atoms == std::vector<std::int64_t>{*volume})) j["atoms"] = r.atoms;
    return j;
  }

  ojson partition(const Partition& p) const {
    ojson j;
    j["name"] = p.name;
    j["region"] =
        p.region < app_.regions.size() ? app_.regions[p.region].name : fmt::format("#{}", p.region);
    if (!p.disjoint) j["disjoint"] = false;
    j["colors"] = p.colors;
    j["pieces"] = p.pieces;
    return j;
  }

  ojson task(TaskId id) const {
    const Task& t = app_.tasks[id];
    ojson j;
    j["name"] = t.name;
    j["variants"] = ojson::array();
    for (const Variant& v : t.variants) {
      ojson e;
      e["kind"] = to_string(v.kind);
      if (v.efficiency != 1.0) e["efficiency"] = v.efficiency;
      if (v.inner) e["inner"] = true;
      if (v.needs_c_order) e["needs_c_order"] = *v.needs_c_order;
      if (v.needs_soa) e["needs_soa"] = *v.needs_soa;
      j["variants"].push_back(std::move(e));
    }
    if (t.args != derived_args(app_, first_[id])) j["args"] = args_json(t.args);
    return j;
  }

  static ojson args_json(const std::vector<RegionArg>& args) {
    ojson out = ojson::array();
    for (const RegionArg& a : args) {
      ojson e;
      if (!a.region.empty()) e["region"] = a.region;
      if (!a.partition.empty()) e["partition"] = a.partition;
      if (!a.root.empty()) e["root"] = a.root;
      e["privilege"] = to_string(a.privilege);
      out.push_back(std::move(e));
    }
    return out;
  }

  ojson steps(const std::vector<Step>& body, int depth) const {
    ojson out = ojson::array();
    if (depth > kMaxDepth) return out;
    for (const Step& s : body) {
      if (s.kind == Step::Kind::Loop) {
        ojson j;
        j["loop"] = s.var;
        j["count"] = s.count;
        j["body"] = steps(s.body, depth + 1);
        out.push_back(std::move(j));
      } else {
        out.push_back(launch(s.launch, depth));
      }
    }
    return out;
  }

  ojson launch(std::size_t i, int depth) const {
    ojson j;
    if (ids_) j["id"] = i;
    if (i >= app_.launches.size()) return j;
    const Launch& l = app_.launches[i];
    j["task"] = task_name(l.task);
    if (l.index) j["domain"] = l.domain;
    if (!l.point_vars.empty()) j["point_vars"] = l.point_vars;
    if (l.flops != 0) j["flops"] = l.flops;
    if (!l.reqs.empty()) {
      j["reqs"] = ojson::array();
      for (const Requirement& r : l.reqs) {
        ojson e;
        e["region"] = r.region;
        if (!r.partition.empty()) e["partition"] = r.partition;
        if (!r.projection.empty()) {
          e["projection"] = ojson::array();
          for (const ProjectionDim& d : r.projection)
            e["projection"].push_back(format_projection(d));
        }
        e["privilege"] = to_string(r.privilege);
        if (!r.fields.empty()) e["fields"] = r.fields;
        if (r.touched != 1.0) e["touched"] = r.touched;
        j["reqs"].push_back(std::move(e));
      }
    }
    if (!l.args.empty()) j["args"] = args_json(l.args);
    if (!l.body.empty()) j["body"] = steps(l.body, depth + 1);
    return j;
  }

  const App& app_;
  std::vector<std::optional<std::size_t>> first_;
  bool ids_ = false;
};

}  // namespace

App load_app_json(std::string_view text, std::string_view filename) {
  if (auto at = too_deep(text))
    throw InputError(fmt::format("{}:{}: not an application file: nested deeper than {} levels",
                                 filename, line_col(text, *at + 1), kMaxDepth));
  // The parameters are an object whose key order matters (it is the generator's); json sorts
  // keys, so the order is taken from the parser as it goes.
  std::vector<std::string> param_keys;
  bool in_params = false;
  json::parser_callback_t keys = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key) {
      if (depth == 1) {
        in_params = parsed.get_ref<const std::string&>() == "params";
        if (in_params) param_keys.clear();
      } else if (depth == 2 && in_params) {
        param_keys.push_back(parsed.get<std::string>());
      }
    }
    return true;
  };
  json j;
  try {
    j = json::parse(text.begin(), text.end(), keys);
  } catch (const json::parse_error& e) {
    throw InputError(fmt::format("{}:{}: not valid JSON: {}", filename, line_col(text, e.byte),
                                 parse_detail(e.what())));
  } catch (const json::out_of_range& e) {
    // "number overflow parsing '1e400'": nlohmann gives no offset; the number's first
    // occurrence is where it is (or in a string before it, rarely).
    std::string_view w(e.what());
    if (auto bracket = w.find("] "); bracket != std::string_view::npos)
      w.remove_prefix(bracket + 2);
    std::string where;
    if (auto q = w.find('\''); q != std::string_view::npos) {
      const std::string_view number = w.substr(q + 1, w.size() - q - 2);
      if (auto at = text.find(number); !number.empty() && at != std::string_view::npos)
        where = ":" + line_col(text, at + 1);
    }
    throw InputError(fmt::format("{}{}: not valid JSON: {}", filename, where, w));
  }
  Reader r(filename);
  if (!j.is_object()) r.fail("$", fmt::format("must be an object (got {})", shown(j)));
  // The format first: a file from a newer version should say so, not trip on a renamed key.
  if (!j.contains("format"))
    r.fail("$", fmt::format("missing required key \"format\" (this version reads \"format\": {})",
                            kAppFormat));
  if (j["format"] != kAppFormat)
    r.fail("$.format", fmt::format("unsupported format {} (this version reads {})",
                                   shown(j["format"]), kAppFormat));
  App app = Loader(filename, std::move(param_keys)).load(j, filename);
  if (auto e = check(app)) r.fail(e->path, e->message);
  return app;
}

std::string dump_app_json(const App& app) {
  std::string out;
  layout(Dumper(app).root(), 0, 0, out);
  return out + "\n";
}

std::optional<AppError> check(const App& app) {
  return Checker(app).run();
}

}  // namespace mapsmith::app
