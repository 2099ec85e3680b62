#include "app/app_json.h"
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

namespace mapsmith::app {

namespace {

using namespace detail;

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
    if (r.access.pattern == Pattern::Atomic && r.privilege != Privilege::Reduce &&
        r.privilege != Privilege::ReadWrite)
      fail(key_path(key_path(at, "access"), "pattern"),
           fmt::format("an atomic access updates data: it needs \"reduce\" or \"read-write\" (the "
                       "privilege is \"{}\")",
                       to_string(r.privilege)));
    if (r.access.pattern == Pattern::Gather && r.privilege == Privilege::Reduce)
      fail(key_path(key_path(at, "access"), "pattern"),
           "a reduction cannot gather: use \"atomic\" for reductions through pointers");

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
}  // namespace

std::optional<AppError> check(const App& app) {
  return Checker(app).run();
}

}  // namespace mapsmith::app
