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
    static const std::vector<std::string> loop_keys = {"loop", "count", "timed", "body"};
    static const std::vector<std::string> loop_required = {"loop", "count", "body"};
    std::vector<Step> out;
    r_.array(j, path);
    for (std::size_t k = 0; k < j.size(); ++k) {
      const json& e = j[k];
      const std::string at = index_path(path, k);
      if (!e.is_object()) r_.fail(at, fmt::format("must be an object (got {})", shown(e)));
      Step s;
      if (e.contains("loop")) {
        r_.object(e, at, loop_keys, loop_required);
        s.kind = Step::Kind::Loop;
        s.var = r_.string(e["loop"], key_path(at, "loop"));
        s.count = r_.integer(e["count"], key_path(at, "count"));
        s.body = steps(e["body"], key_path(at, "body"), parent, depth + 1);
        if (e.contains("timed")) timed(s, e["timed"], key_path(at, "timed"), parent, depth);
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

  // "timed": {"warmup": W, "tail": T}: this top-level loop is what the program times.
  void timed(Step& s, const json& e, const std::string& at, std::optional<std::size_t> parent,
             int depth) {
    static const std::vector<std::string> keys = {"warmup", "tail", "from"};
    r_.object(e, at, keys, {});
    if (parent || depth > 0)
      r_.fail(at, "only a loop of the top-level program can be the timed region");
    s.timed = true;
    if (e.contains("warmup")) s.warmup = r_.integer(e["warmup"], key_path(at, "warmup"));
    if (e.contains("tail")) s.tail = r_.integer(e["tail"], key_path(at, "tail"));
    if (e.contains("from")) s.timed_from = r_.integer(e["from"], key_path(at, "from"));
    if (s.timed_from < 0 || s.timed_from >= static_cast<std::int64_t>(s.body.size()))
      r_.fail(key_path(at, "from"),
              fmt::format("must name a step of the loop's body: 0 to {} (got {})",
                          s.body.size() == 0 ? 0 : s.body.size() - 1, s.timed_from));
    if (s.warmup < 0 || s.tail < 0 || s.count - s.warmup - s.tail < 1)
      r_.fail(at, fmt::format("warmup ({}) and tail ({}) must be at least 0 and leave at least one "
                              "of the loop's {} iterations timed",
                              s.warmup, s.tail, s.count));
    if (timed_) r_.fail(at, fmt::format("a second timed region (the first is {})", *timed_));
    timed_ = at;
  }

  std::size_t launch(const json& e, const std::string& at, std::optional<std::size_t> parent,
                     int depth) {
    static const std::vector<std::string> keys = {"id",    "task", "domain",  "point_vars",
                                                  "flops", "wait", "futures", "same_address_space",
                                                  "reqs",  "args", "body"};
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
    if (e.contains("wait")) l.wait = r_.boolean(e["wait"], key_path(at, "wait"));
    if (e.contains("same_address_space"))
      l.same_address_space =
          r_.boolean(e["same_address_space"], key_path(at, "same_address_space"));
    if (e.contains("futures")) {
      const std::string fp = key_path(at, "futures");
      const std::vector<std::int64_t> ids = r_.integers(e["futures"], fp);
      for (std::size_t k = 0; k < ids.size(); ++k) {
        if (ids[k] < 0)
          r_.fail(index_path(fp, k), fmt::format("must be a launch number (got {})", ids[k]));
        l.futures.push_back(static_cast<std::size_t>(ids[k]));
      }
    }
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
    static const std::vector<std::string> keys = {"region", "partition", "projection", "privilege",
                                                  "fields", "touched",   "access"};
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
    if (e.contains("access")) q.access = access(e["access"], key_path(at, "access"));
    return q;
  }

  // "access": {"pattern": "stream"|"gather"|"atomic", "passes", "accesses", "lanes", "hot", "via"}
  Access access(const json& e, const std::string& at) const {
    static const std::vector<std::string> keys = {"pattern", "passes", "accesses", "lanes",
                                                  "hot",     "spread", "via"};
    static const std::vector<std::string> required = {"pattern"};
    r_.object(e, at, keys, required);
    Access a;
    const std::string pp = key_path(at, "pattern");
    const std::string& name = r_.string(e["pattern"], pp);
    auto p = parse_pattern(name);
    if (!p)
      r_.fail(pp, fmt::format("unknown pattern \"{}\"; patterns: stream, gather, atomic", name));
    a.pattern = *p;
    const bool pointers = a.pattern != Pattern::Stream;
    for (const char* k : {"accesses", "lanes", "hot", "spread", "via"})
      if (!pointers && e.contains(k))
        r_.fail(key_path(at, k), fmt::format("\"{}\" is for the gather and atomic patterns", k));
    if (pointers && e.contains("passes"))
      r_.fail(key_path(at, "passes"), "\"passes\" is for the stream pattern");
    if (e.contains("passes")) a.passes = r_.number(e["passes"], key_path(at, "passes"));
    if (e.contains("accesses")) a.accesses = r_.number(e["accesses"], key_path(at, "accesses"));
    if (e.contains("lanes")) a.lanes = r_.number(e["lanes"], key_path(at, "lanes"));
    if (e.contains("hot")) a.hot = r_.number(e["hot"], key_path(at, "hot"));
    if (e.contains("spread")) a.spread = r_.number(e["spread"], key_path(at, "spread"));
    if (e.contains("via")) a.via = r_.string(e["via"], key_path(at, "via"));
    if (!(a.passes >= 1))
      r_.fail(key_path(at, "passes"), fmt::format("must be at least 1 (got {})", a.passes));
    if (!(a.accesses >= 0))
      r_.fail(key_path(at, "accesses"), fmt::format("must be at least 0 (got {})", a.accesses));
    if (!(a.lanes > 0 && a.lanes <= 1))
      r_.fail(key_path(at, "lanes"), fmt::format("must be in (0, 1] (got {})", a.lanes));
    if (!(a.hot >= 0))
      r_.fail(key_path(at, "hot"), fmt::format("must be at least 0 (got {})", a.hot));
    if (!(a.spread >= 0))
      r_.fail(key_path(at, "spread"), fmt::format("must be at least 0 (got {})", a.spread));
    return a;
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
    std::vector<std::string> paths(n);
    for (std::size_t i = 0; i < n; ++i) {
      Launch& l = pending_[i].launch;
      if (l.parent) l.parent = id[*l.parent];
      renumber(l.body, id);
      paths[id[i]] = pending_[i].path;
      app.launches[id[i]] = std::move(l);
    }
    renumber(app.program, id);
    // A future comes from a launch of the same task body (the same parent).
    for (std::size_t i = 0; i < n; ++i) {
      const Launch& l = app.launches[i];
      for (std::size_t k = 0; k < l.futures.size(); ++k) {
        const std::size_t f = l.futures[k];
        const std::string at = index_path(key_path(paths[i], "futures"), k);
        if (f >= n) r_.fail(at, fmt::format("launch {} does not exist (there are {})", f, n));
        if (f == i) r_.fail(at, "a launch cannot take its own future");
        if (app.launches[f].parent != l.parent)
          r_.fail(at, fmt::format("launch {} is made by another task than this one; a future "
                                  "comes from a launch of the same parent",
                                  f));
      }
    }
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
  std::optional<std::string> timed_;  ///< where the timed region is, once one is read
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

  static ojson access_json(const Access& a) {
    ojson e;
    e["pattern"] = to_string(a.pattern);
    if (a.passes != 1) e["passes"] = a.passes;
    if (a.accesses != 0) e["accesses"] = a.accesses;
    if (a.lanes != 1) e["lanes"] = a.lanes;
    if (a.hot != 0) e["hot"] = a.hot;
    if (a.spread != 0) e["spread"] = a.spread;
    if (!a.via.empty()) e["via"] = a.via;
    return e;
  }

  ojson steps(const std::vector<Step>& body, int depth) const {
    ojson out = ojson::array();
    if (depth > kMaxDepth) return out;
    for (const Step& s : body) {
      if (s.kind == Step::Kind::Loop) {
        ojson j;
        j["loop"] = s.var;
        j["count"] = s.count;
        if (s.timed) {
          ojson t = ojson::object();
          if (s.warmup != 0) t["warmup"] = s.warmup;
          if (s.tail != 0) t["tail"] = s.tail;
          if (s.timed_from != 0) t["from"] = s.timed_from;
          j["timed"] = std::move(t);
        }
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
    if (l.wait) j["wait"] = true;
    if (!l.futures.empty()) j["futures"] = l.futures;
    if (l.same_address_space) j["same_address_space"] = true;
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
        if (r.access != Access{}) e["access"] = access_json(r.access);
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
  json j;
  try {
    j = json::parse(text.begin(), text.end());
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
  // The parameters are an object whose key order matters (it is the generator's); json sorts
  // keys, so the order is read by a second, event-only pass over the text. (A parser callback
  // would see them too, but makes nlohmann rescan the parent array after every object it
  // finishes: quadratic in the number of launches.)
  std::vector<std::string> param_keys;
  if (j.is_object() && j.contains("params")) param_keys = params_order(text);
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

}  // namespace mapsmith::app
