#include "search/space.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "dsl/checker.h"
#include "dsl/parser.h"
#include "dsl/printer.h"
#include "mapping/check_against.h"
#include "mapping/decide.h"
#include "search/family.h"
#include "util/error.h"

namespace mapsmith::search {

using detail::MapFn;

std::string_view to_string(DimKind k) {
  switch (k) {
    case DimKind::Base:
      return "base";
    case DimKind::ProcKinds:
      return "kinds";
    case DimKind::Memory:
      return "memory";
    case DimKind::Layout:
      return "layout";
    case DimKind::IndexMap:
      return "index-map";
    case DimKind::SingleMap:
      return "single-map";
    case DimKind::InstanceLimit:
      return "instance-limit";
    case DimKind::Collect:
      return "collect";
  }
  MAPSMITH_UNREACHABLE();
}

namespace {

constexpr std::size_t kKinds = kAllProcKinds.size();
constexpr std::array<std::int64_t, 4> kLimits = {1, 2, 4, 16};
constexpr std::array<const char*, 4> kLayouts = {"SOA F_order", "SOA C_order", "AOS F_order",
                                                 "AOS C_order"};
/// The default policy's priority (dsl.md §5), then the kinds it never picks.
constexpr std::array<ProcKind, 6> kPriority = {ProcKind::GPU, ProcKind::OMP, ProcKind::CPU,
                                               ProcKind::IO,  ProcKind::PY,  ProcKind::PROC};

}  // namespace

/// Everything render() needs, computed once.
struct Space::Impl {
  struct TaskInfo {
    std::string name;
    std::vector<ProcKind> kinds;  ///< available: a variant and processors, by priority
    std::optional<std::size_t> kind_dim;
    std::array<ProcKind, 2> base_kind{};  ///< under the default policy and the expert
    std::array<bool, 2> base_maps{};      ///< the base names the task in a *TaskMap statement
    std::optional<app::TaskId> parent;    ///< the one task whose points launch this one
    int dims = 0;                         ///< of its index launches
  };
  std::vector<Dimension> dims;
  std::vector<std::string> region;         ///< per dimension: how statements name the arg
  std::vector<std::vector<MapFn>> family;  ///< per dimension: IndexMap and SingleMap values
  std::vector<TaskInfo> tasks;
  std::array<std::vector<std::vector<MemKind>>, kKinds> mem_lists;  ///< by processor kind
  std::array<std::string, 2> base_text;
  bool has_expert = false;
  std::vector<Coupling> couplings;

  std::uint32_t base(const Point& p) const { return p[0]; }
  ProcKind kind_of(app::TaskId t, const Point& p) const {
    const TaskInfo& ti = tasks[t];
    if (ti.kind_dim && p[*ti.kind_dim] > 0) return ti.kinds[p[*ti.kind_dim] - 1];
    return ti.base_kind[base(p)];
  }
  const std::vector<MemKind>* mem_list(const Dimension& d, const Point& p, std::size_t i) const {
    const auto& lists = mem_lists[static_cast<std::size_t>(kind_of(d.task, p))];
    if (p[i] == 0 || lists.empty()) return nullptr;
    return &lists[(p[i] - 1) % lists.size()];
  }
  /// The family member a map coordinate stands for, if any. Value 0 keeps the base's function,
  /// except where the base names the task in a map statement and the task now runs on another
  /// kind than the base gives it: that function would return a processor of the wrong kind, so
  /// the first member of the family replaces it.
  const MapFn* map_fn(const Dimension& d, const Point& p, std::size_t i) const {
    if (p[i] > 0) return &family[i][p[i] - 1];
    const TaskInfo& ti = tasks[d.task];
    if (ti.base_maps[base(p)] && kind_of(d.task, p) != ti.base_kind[base(p)])
      return &family[i].front();
    return nullptr;
  }
};

namespace {

using Impl = Space::Impl;

std::string kinds_text(const std::vector<ProcKind>& kinds, std::size_t first) {
  std::string out(to_string(kinds[first]));
  for (std::size_t i = 0; i < kinds.size(); ++i)
    if (i != first) out += fmt::format(",{}", to_string(kinds[i]));
  return out;
}

std::string mems_text(const std::vector<MemKind>& mems) {
  std::string out;
  for (MemKind m : mems)
    out += fmt::format("{}{}", out.empty() ? "" : ",", to_string(m));
  return out;
}

/// Memory lists a processor of kind `k` can take: each reachable kind alone, fastest first, then
/// the fastest with the next as its fallback.
std::vector<std::vector<MemKind>> memory_lists(const machine::Machine& m, ProcKind k) {
  std::optional<machine::ProcId> proc;
  for (std::size_t i = 0; i < m.processors().size() && !proc; ++i)
    if (m.processors()[i].kind == k) proc = machine::ProcId{static_cast<std::uint32_t>(i)};
  if (!proc) return {};
  std::vector<std::pair<double, MemKind>> reach;
  for (MemKind mk : kAllMemKinds) {
    if (mk == MemKind::VIRTUAL) continue;
    if (auto mem = m.memory_for(*proc, mk))
      reach.push_back({m.affinity(*proc, *mem)->bandwidth, mk});
  }
  std::stable_sort(reach.begin(), reach.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::vector<MemKind>> out;
  for (const auto& r : reach)
    out.push_back({r.second});
  if (reach.size() >= 2) out.push_back({reach[0].second, reach[1].second});
  return out;
}

/// How a statement names argument `a` of task `t`: a name that answers to that argument and to
/// no other in every launch of the task, else its index.
std::string region_selector(const app::App& app, app::TaskId t, std::uint32_t a) {
  const app::Task& task = app.task(t);
  std::vector<const std::vector<app::RegionArg>*> all;
  for (const app::Launch& l : app.launches)
    if (l.task == t) all.push_back(&l.effective_args(task));
  if (all.empty() || a >= all.front()->size()) return std::to_string(a);
  const app::RegionArg& first = (*all.front())[a];
  for (const std::string* name : {&first.region, &first.partition, &first.root}) {
    if (name->empty()) continue;
    bool unique = true;
    for (const auto* args : all) {
      if (a >= args->size() || !(*args)[a].answers_to(*name)) unique = false;
      for (std::uint32_t b = 0; unique && b < args->size(); ++b)
        if (b != a && (*args)[b].answers_to(*name)) unique = false;
    }
    if (unique) return *name;
  }
  return std::to_string(a);
}

/// The processor kind each task gets under a base program, from the decisions themselves.
std::optional<std::vector<ProcKind>> base_kinds(const app::App& app, const machine::Machine& m,
                                                const dsl::Program* p,
                                                const dsl::ProgramInfo* info) {
  dsl::Diagnostics diags;
  std::optional<mapping::Mapping> mapping;
  try {
    mapping = mapping::decide(app, m, p, info, diags);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!mapping) return std::nullopt;
  std::vector<ProcKind> out(app.tasks.size(), ProcKind::CPU);
  for (const mapping::LaunchDecision& d : mapping->launches)
    out[d.task] = d.kind;
  return out;
}

/// Marks every launch reached inside a loop.
void mark_loops(const app::App& app, const std::vector<app::Step>& steps, int depth,
                std::vector<bool>& in_loop) {
  for (const app::Step& s : steps) {
    if (s.kind == app::Step::Kind::Loop) {
      mark_loops(app, s.body, depth + 1, in_loop);
    } else {
      if (depth > 0) in_loop[s.launch] = true;
      mark_loops(app, app.launches[s.launch].body, depth, in_loop);
    }
  }
}

/// The region names a task's index launches touch.
std::set<std::string> regions_of(const app::App& app, app::TaskId t) {
  std::set<std::string> out;
  for (const app::Launch& l : app.launches)
    if (l.task == t && l.index)
      for (const app::Requirement& r : l.reqs)
        out.insert(r.region);
  return out;
}

const app::Launch* first_index_launch(const app::App& app, app::TaskId t) {
  for (const app::Launch& l : app.launches)
    if (l.task == t && l.index) return &l;
  return nullptr;
}

/// The owner-computes members (docs/tuning.md §1): for a task whose index launches share a region
/// with another task's, each point placed where that task's point with the same data runs, by
/// that task's own index map. Along the partner's dimensions this launch does not span, the
/// partner point is the first, the last, the diagonal or the anti-diagonal one.
void add_aligned(const app::App& app, Space::Impl& im) {
  constexpr std::size_t kMaxPartners = 4;
  std::map<app::TaskId, std::size_t> map_dim;
  for (std::size_t i = 0; i < im.dims.size(); ++i)
    if (im.dims[i].kind == DimKind::IndexMap && !im.tasks[im.dims[i].task].parent)
      map_dim[im.dims[i].task] = i;
  for (const auto& [t, i] : map_dim) {
    const app::Launch* lt = first_index_launch(app, t);
    const std::set<std::string> mine = regions_of(app, t);
    std::size_t partners = 0;
    for (const auto& [m, j] : map_dim) {
      if (m == t || partners == kMaxPartners) continue;
      const app::Launch* lm = first_index_launch(app, m);
      // Launches over the same domain need no member of their own: the family's functions
      // already place both alike (and more values would only slow the search down).
      if (!lt || !lm || lt->domain.size() != lm->domain.size() || lt->domain == lm->domain)
        continue;
      const std::set<std::string> theirs = regions_of(app, m);
      if (std::none_of(mine.begin(), mine.end(),
                       [&](const std::string& r) { return theirs.count(r) > 0; }))
        continue;
      ++partners;
      im.couplings.push_back(Coupling{i, j, {}});
      const std::size_t n = lt->domain.size();
      std::vector<std::size_t> free, bound;
      for (std::size_t d = 0; d < n; ++d) {
        if (lt->domain[d] == 1 && lm->domain[d] > 1) free.push_back(d);
        if (lt->domain[d] > 1) bound.push_back(d);
      }
      std::string sum;
      for (std::size_t d : bound)
        sum += fmt::format("{}task.ipoint[{}]", sum.empty() ? "" : " + ", d);
      if (bound.size() > 1) sum = "(" + sum + ")";
      std::vector<std::string> modes = {"same"};
      if (!free.empty()) {
        modes = {"first", "last"};
        if (!bound.empty()) modes.insert(modes.end(), {"diagonal", "antidiagonal"});
      }
      std::string space = "(";
      for (std::size_t d = 0; d < n; ++d)
        space += fmt::format("{}{}", d ? ", " : "", lm->domain[d]);
      space += n == 1 ? ",)" : ")";
      for (const std::string& mode : modes) {
        std::string point = "(";
        for (std::size_t d = 0; d < n; ++d) {
          const std::int64_t em = lm->domain[d], et = lt->domain[d];
          std::string e;
          if (et == em)
            e = fmt::format("task.ipoint[{}]", d);
          else if (et > 1)
            e = fmt::format("task.ipoint[{}] * {} / {}", d, em, et);
          else if (mode == "first")
            e = "0";
          else if (mode == "last")
            e = std::to_string(em - 1);
          else if (mode == "diagonal")
            e = fmt::format("{} % {}", sum, em);
          else
            e = fmt::format("{} - {} % {}", em - 1, sum, em);
          point += (d ? ", " : "") + e;
        }
        point += n == 1 ? ",)" : ")";
        MapFn f;
        f.shape = detail::MapShape::Aligned;
        f.partner = app.task(m).name;
        f.partner_dim = j;
        f.mode = mode;
        f.point = point;
        f.space = space;
        im.family[i].push_back(std::move(f));
        im.couplings.back().values.push_back(im.dims[i].size);
        ++im.dims[i].size;
      }
    }
  }
}

}  // namespace

Space Space::build(const app::App& app, const machine::Machine& machine,
                   const std::optional<std::string>& expert, dsl::Diagnostics& diags,
                   std::string expert_name) {
  auto impl = std::make_shared<Impl>();
  // The expert as a base program: parsed, checked against the app and machine, and printed in
  // canonical form without its comments (the database keys on the text, comments are noise).
  std::optional<dsl::Program> program;
  dsl::ProgramInfo info;
  if (expert) {
    const std::size_t before = diags.error_count();
    dsl::Program p = dsl::parse_string(*expert, diags, std::move(expert_name));
    if (diags.error_count() == before) info = dsl::check(p, diags);
    if (diags.error_count() == before) mapping::check_against(p, info, &machine, &app, diags);
    if (diags.error_count() == before) {
      p.comments.clear();
      impl->base_text[1] = dsl::format_program(p);
      program = std::move(p);
      impl->has_expert = true;
    }
  }
  for (std::size_t k = 0; k < kKinds; ++k)
    if (machine.has_kind(kAllProcKinds[k]))
      impl->mem_lists[k] = memory_lists(machine, kAllProcKinds[k]);

  // What each task is: its kinds, how it is launched, where the bases put it.
  const auto def_kinds = base_kinds(app, machine, nullptr, nullptr);
  if (!def_kinds) throw InputError(fmt::format("{}: the default policy cannot map it", app.name));
  auto exp_kinds = program ? base_kinds(app, machine, &*program, &info) : std::nullopt;
  if (!exp_kinds) exp_kinds = def_kinds;

  const std::size_t n = app.tasks.size();
  impl->tasks.resize(n);
  std::vector<bool> launched(n), has_index(n), has_single(n), nested(n, true), looped(n),
      mixed_dims(n), mixed_parent(n);
  std::vector<bool> in_loop(app.launches.size());
  mark_loops(app, app.program, 0, in_loop);
  for (std::size_t li = 0; li < app.launches.size(); ++li) {
    const app::Launch& l = app.launches[li];
    Impl::TaskInfo& ti = impl->tasks[l.task];
    launched[l.task] = true;
    if (in_loop[li]) looped[l.task] = true;
    if (l.index) {
      const int d = static_cast<int>(l.domain.size());
      if (has_index[l.task] && ti.dims != d) mixed_dims[l.task] = true;
      has_index[l.task] = true;
      ti.dims = d;
    } else {
      has_single[l.task] = true;
    }
    if (!l.parent) {
      nested[l.task] = false;
    } else {
      const app::TaskId pt = app.launches[*l.parent].task;
      if (ti.parent && *ti.parent != pt) mixed_parent[l.task] = true;
      ti.parent = pt;
    }
  }
  if (program) {
    for (const dsl::Stmt& s : program->stmts) {
      if (s.kind != dsl::StmtKind::IndexTaskMap && s.kind != dsl::StmtKind::SingleTaskMap) continue;
      for (const dsl::Name& nm : program->tasks(s).names)
        if (auto t = app.find_task(nm.text)) impl->tasks[*t].base_maps[1] = true;
    }
  }

  auto add = [&](DimKind kind, std::string name, std::uint32_t size, app::TaskId t,
                 std::uint32_t arg = 0) {
    impl->dims.push_back(Dimension{kind, std::move(name), size, t, arg});
    impl->region.emplace_back();
    impl->family.emplace_back();
    return impl->dims.size() - 1;
  };
  add(DimKind::Base, "base", impl->has_expert ? 2 : 1, 0);
  for (app::TaskId t = 0; t < n; ++t) {
    const app::Task& task = app.task(t);
    Impl::TaskInfo& ti = impl->tasks[t];
    ti.name = task.name;
    ti.base_kind = {(*def_kinds)[t], (*exp_kinds)[t]};
    if (!nested[t] || mixed_parent[t]) ti.parent.reset();
    if (!launched[t]) continue;
    bool leaf = false;
    for (ProcKind k : kPriority)
      if (task.has_variant(k) && machine.has_kind(k)) {
        ti.kinds.push_back(k);
        leaf = leaf || !task.variant(k)->inner;
      }
    if (ti.kinds.size() >= 2)
      ti.kind_dim = add(DimKind::ProcKinds, "kinds " + task.name,
                        static_cast<std::uint32_t>(ti.kinds.size() + 1), t);
    std::uint32_t nargs = 0;
    for (const app::Launch& l : app.launches)
      if (l.task == t)
        nargs = std::max(nargs, static_cast<std::uint32_t>(l.effective_args(task).size()));
    std::vector<std::string> selectors;
    if (leaf)
      for (std::uint32_t a = 0; a < nargs; ++a)
        selectors.push_back(region_selector(app, t, a));
    std::size_t lists = 0;
    for (ProcKind k : ti.kinds)
      lists = std::max(lists, impl->mem_lists[static_cast<std::size_t>(k)].size());
    for (std::uint32_t a = 0; a < selectors.size() && lists > 0; ++a) {
      const std::size_t i =
          add(DimKind::Memory, fmt::format("memory {} {}", task.name, selectors[a]),
              static_cast<std::uint32_t>(lists + 1), t, a);
      impl->region[i] = selectors[a];
    }
    if (!selectors.empty()) add(DimKind::Layout, "layout " + task.name, kLayouts.size() + 1, t);
    if (has_index[t] && !mixed_dims[t] && ti.dims >= 1) {
      auto fam = detail::index_family(ti.dims, ti.parent.has_value());
      const std::size_t i = add(DimKind::IndexMap, "index-map " + task.name,
                                static_cast<std::uint32_t>(fam.size() + 1), t);
      impl->family[i] = std::move(fam);
    }
    if (has_single[t]) {
      auto fam = detail::single_family(ti.parent.has_value());
      const std::size_t i = add(DimKind::SingleMap, "single-map " + task.name,
                                static_cast<std::uint32_t>(fam.size() + 1), t);
      impl->family[i] = std::move(fam);
    }
    if (looped[t] && leaf)
      add(DimKind::InstanceLimit, "instance-limit " + task.name, kLimits.size() + 1, t);
    for (std::uint32_t a = 0; a < selectors.size(); ++a) {
      const std::size_t i =
          add(DimKind::Collect, fmt::format("collect {} {}", task.name, selectors[a]), 2, t, a);
      impl->region[i] = selectors[a];
    }
  }
  add_aligned(app, *impl);
  return Space(std::move(impl));
}

const std::vector<Dimension>& Space::dims() const {
  return impl_->dims;
}
const std::vector<Coupling>& Space::couplings() const {
  return impl_->couplings;
}

bool Space::has_expert() const {
  return impl_->has_expert;
}

Point Space::expert_point() const {
  MAPSMITH_ASSERT(impl_->has_expert);
  Point p(impl_->dims.size(), 0);
  p[0] = 1;
  return p;
}

Point Space::default_point() const {
  return Point(impl_->dims.size(), 0);
}

Point Space::random_point(Rng& rng) const {
  Point p(impl_->dims.size());
  for (std::size_t i = 0; i < p.size(); ++i)
    p[i] = static_cast<std::uint32_t>(rng.below(impl_->dims[i].size));
  return p;
}

double Space::size() const {
  double s = 1;
  for (const Dimension& d : impl_->dims)
    s *= d.size;
  return s;
}

std::string Space::render(const Point& p) const {
  const Impl& im = *impl_;
  MAPSMITH_ASSERT(p.size() == im.dims.size());
  for (std::size_t i = 0; i < p.size(); ++i)
    MAPSMITH_ASSERT(p[i] < im.dims[i].size);
  // Statements by kind, each kind in dimension order; then the globals and functions the maps
  // use, and the map statements grouped by function.
  std::array<std::string, 5> plain;
  detail::Globals globals;
  std::map<std::string, std::string> defs;  // by name: printed in name order
  std::map<std::string, std::vector<std::string>> index_maps, single_maps;
  for (std::size_t i = 1; i < p.size(); ++i) {
    const Dimension& d = im.dims[i];
    const Impl::TaskInfo& ti = im.tasks[d.task];
    switch (d.kind) {
      case DimKind::Base:
        break;
      case DimKind::ProcKinds:
        if (p[i]) plain[0] += fmt::format("Task {} {};\n", ti.name, kinds_text(ti.kinds, p[i] - 1));
        break;
      case DimKind::Memory:
        if (const auto* mems = im.mem_list(d, p, i))
          plain[1] += fmt::format("Region {} {} {} {};\n", ti.name, im.region[i],
                                  to_string(im.kind_of(d.task, p)), mems_text(*mems));
        break;
      case DimKind::Layout:
        if (p[i]) plain[2] += fmt::format("Layout {} * * {};\n", ti.name, kLayouts[p[i] - 1]);
        break;
      case DimKind::InstanceLimit:
        if (p[i]) plain[3] += fmt::format("InstanceLimit {} {};\n", ti.name, kLimits[p[i] - 1]);
        break;
      case DimKind::Collect:
        if (p[i]) plain[4] += fmt::format("CollectMemory {} {};\n", ti.name, im.region[i]);
        break;
      case DimKind::IndexMap:
      case DimKind::SingleMap: {
        const MapFn* f = im.map_fn(d, p, i);
        if (!f) break;
        const ProcKind k = im.kind_of(d.task, p);
        const ProcKind pk = ti.parent ? im.kind_of(*ti.parent, p) : ProcKind::CPU;
        const int dims = d.kind == DimKind::IndexMap ? ti.dims : 0;
        std::string name;
        if (f->shape == detail::MapShape::Aligned) {
          // The partner's own map (its family member; the first member when it keeps its base's
          // or is aligned itself, or runs on another kind), on the partner point.
          const std::size_t j = f->partner_dim;
          const MapFn* g = &im.family[j].front();
          if (p[j] > 0 && im.family[j][p[j] - 1].shape != detail::MapShape::Aligned &&
              im.kind_of(im.dims[j].task, p) == k)
            g = &im.family[j][p[j] - 1];
          name = detail::fn_name(*f, dims, k, pk) + "_" +
                 detail::fn_name(*g, dims, k, pk).substr(5);  // without "tune_"
          if (!defs.count(name))
            defs[name] = detail::aligned_def(*f, detail::fn_def(*g, dims, k, pk, globals), name);
        } else {
          name = detail::fn_name(*f, dims, k, pk);
          if (!defs.count(name)) defs[name] = detail::fn_def(*f, dims, k, pk, globals);
        }
        (d.kind == DimKind::IndexMap ? index_maps : single_maps)[name].push_back(ti.name);
        break;
      }
    }
  }
  std::vector<std::string> sections;
  for (std::string& s : plain)
    if (!s.empty()) sections.push_back(std::move(s));
  if (!globals.empty()) {
    std::string g;
    for (const auto& gl : globals)
      g += detail::global_def(gl);
    sections.push_back(std::move(g));
  }
  for (auto& [name, def] : defs)
    sections.push_back(std::move(def));
  for (auto* maps : {&index_maps, &single_maps}) {
    std::string s;
    for (const auto& [fn, tasks] : *maps) {
      std::string list;
      for (const std::string& t : tasks)
        list += (list.empty() ? "" : ",") + t;
      s += fmt::format("{} {} {};\n", maps == &index_maps ? "IndexTaskMap" : "SingleTaskMap", list,
                       fn);
    }
    if (!s.empty()) sections.push_back(std::move(s));
  }
  std::string out = im.base_text[im.base(p)];
  for (const std::string& s : sections) {
    if (!out.empty()) out += '\n';
    out += s;
  }
  return out;
}

std::string Space::label(const Point& p, std::size_t i) const {
  const Impl& im = *impl_;
  const Dimension& d = im.dims[i];
  const Impl::TaskInfo& ti = im.tasks[d.task];
  if (d.kind == DimKind::Base) return p[i] ? "expert mapper" : "default policy";
  if (p[i] == 0) return "keep";
  switch (d.kind) {
    case DimKind::ProcKinds:
      return kinds_text(ti.kinds, p[i] - 1);
    case DimKind::Memory: {
      const auto* mems = im.mem_list(d, p, i);
      return mems ? fmt::format("{} on {}", mems_text(*mems), to_string(im.kind_of(d.task, p)))
                  : "keep";
    }
    case DimKind::Layout:
      return kLayouts[p[i] - 1];
    case DimKind::InstanceLimit:
      return std::to_string(kLimits[p[i] - 1]);
    case DimKind::Collect:
      return "collect";
    case DimKind::IndexMap:
    case DimKind::SingleMap:
      return detail::fn_label(im.family[i][p[i] - 1], d.kind == DimKind::IndexMap ? ti.dims : 0);
    case DimKind::Base:
      break;
  }
  MAPSMITH_UNREACHABLE();
}

std::string Space::describe(const Point& p) const {
  std::string out;
  for (std::size_t i = 0; i < p.size(); ++i)
    if (p[i] || i == 0) out += fmt::format("{} = {}\n", impl_->dims[i].name, label(p, i));
  return out;
}

}  // namespace mapsmith::search
