#include "app/app_json_detail.h"

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

namespace mapsmith::app::detail {

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
/// The keys of the top-level "params" object in file order (the last "params" when repeated).
std::vector<std::string> params_order(std::string_view text) {
  class Keys final : public nlohmann::json_sax<json> {
   public:
    std::vector<std::string> keys;
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return ++depth_, true; }
    bool end_object() override { return --depth_, true; }
    bool start_array(std::size_t) override { return ++depth_, true; }
    bool end_array() override { return --depth_, true; }
    bool key(string_t& k) override {
      if (depth_ == 1) {
        in_params_ = k == "params";
        if (in_params_) keys.clear();
      } else if (depth_ == 2 && in_params_) {
        keys.push_back(k);
      }
      return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
      return false;
    }

   private:
    int depth_ = 0;
    bool in_params_ = false;
  } keys;
  json::sax_parse(text.begin(), text.end(), &keys);
  return std::move(keys.keys);
}

}  // namespace mapsmith::app::detail
