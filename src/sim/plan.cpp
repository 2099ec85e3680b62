#include "sim/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>

#include "util/error.h"

namespace mapsmith::sim::detail {

namespace {

constexpr std::uint64_t kMaxCells = std::uint64_t{1} << 31;
constexpr std::size_t kMaxDepth = 256;

std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return ~std::uint64_t{0};
  return out;
}
std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return ~std::uint64_t{0};
  return out;
}

class Builder {
 public:
  Builder(const app::App& app, const machine::Machine& m, const mapping::Mapping& mapping,
          std::uint64_t max_instances)
      : app_(app), m_(m), mapping_(mapping), max_instances_(max_instances) {}

  Plan run() {
    data();
    plan_.launches.resize(app_.launches.size());
    plan_.task_args.assign(app_.tasks.size(), 0);
    seen_.assign(app_.launches.size(), false);
    std::vector<std::string> scope;
    program(app_.program, scope, std::nullopt);
    decisions();
    count();
    plan_.timed = app_.timed_region();
    if (plan_.timed.loop && !(0 <= plan_.timed.first && plan_.timed.first < plan_.timed.end &&
                              plan_.timed.end <= plan_.timed.loop->count))
      fail(fmt::format("the timed region of loop '{}' ({} iterations) skips {} and {} of them",
                       plan_.timed.loop->var, plan_.timed.loop->count, plan_.timed.loop->warmup,
                       plan_.timed.loop->tail));
    return std::move(plan_);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(fmt::format("cannot simulate app {}: {}", app_.name, what));
  }

  // ---- Regions, cells and pieces.

  void data() {
    std::uint64_t cells = 0;
    std::vector<std::uint32_t> atoms_of(app_.regions.size());
    for (std::size_t r = 0; r < app_.regions.size(); ++r) {
      const app::Region& region = app_.regions[r];
      region_index_.emplace(region.name, r);
      std::vector<std::int64_t> atoms = region.atoms;
      if (atoms.empty()) atoms.push_back(std::max<std::int64_t>(0, region.volume()));
      if (atoms.size() > kMaxCells) fail(fmt::format("region {} has too many atoms", region.name));
      atoms_of[r] = static_cast<std::uint32_t>(atoms.size());
      plan_.cell_base.push_back(cells);
      plan_.fields.push_back(static_cast<std::uint32_t>(region.fields.size()));
      cells = saturating_add(cells, saturating_mul(atoms.size(), region.fields.size()));
      if (cells > kMaxCells) fail(fmt::format("more than {} atoms × fields", kMaxCells));
      for (std::int64_t a : atoms) {
        if (a < 0) fail(fmt::format("region {} has an atom of {} elements", region.name, a));
        for (const app::Field& f : region.fields)
          plan_.cell_bytes.push_back(saturating_mul(static_cast<std::uint64_t>(a), f.bytes));
      }
    }
    // Pieces: every partition's, then one whole piece per region.
    plan_.piece_start.push_back(0);
    for (std::size_t p = 0; p < app_.partitions.size(); ++p) {
      const app::Partition& part = app_.partitions[p];
      partition_index_.emplace(part.name, p);
      if (part.region >= app_.regions.size())
        fail(fmt::format("partition {} belongs to region {}, which does not exist", part.name,
                         part.region));
      std::int64_t count = 1;
      for (std::int64_t c : part.colors) {
        if (c < 1) fail(fmt::format("partition {} has {} colors along a dimension", part.name, c));
        if (__builtin_mul_overflow(count, c, &count) || count > std::int64_t{kMaxCells})
          fail(fmt::format("partition {} has too many pieces", part.name));
      }
      if (static_cast<std::size_t>(count) != part.pieces.size())
        fail(fmt::format("partition {} has {} colors but lists {} pieces", part.name, count,
                         part.pieces.size()));
      partition_base_.push_back(static_cast<std::uint32_t>(plan_.piece_start.size() - 1));
      for (const auto& piece : part.pieces) {
        for (std::uint32_t a : piece) {
          if (a >= atoms_of[part.region])
            fail(fmt::format("a piece of partition {} lists atom {}, but region {} has {}",
                             part.name, a, app_.regions[part.region].name, atoms_of[part.region]));
          plan_.piece_atoms.push_back(a);
        }
        close_piece(part.region);
      }
    }
    for (std::size_t r = 0; r < app_.regions.size(); ++r) {
      region_piece_.push_back(static_cast<std::uint32_t>(plan_.piece_start.size() - 1));
      for (std::uint32_t a = 0; a < atoms_of[r]; ++a)
        plan_.piece_atoms.push_back(a);
      close_piece(r);
    }
  }

  /// Ends the piece being listed, whose atoms belong to region `r`.
  void close_piece(std::size_t r) {
    if (plan_.piece_atoms.size() >= kNone) fail("too many atoms in pieces");
    const app::Region& region = app_.regions[r];
    std::uint64_t elements = 0;
    for (std::uint32_t k = plan_.piece_start.back(); k < plan_.piece_atoms.size(); ++k) {
      const std::uint32_t a = plan_.piece_atoms[k];
      elements = saturating_add(
          elements, region.atoms.empty()
                        ? static_cast<std::uint64_t>(std::max<std::int64_t>(0, region.volume()))
                        : static_cast<std::uint64_t>(region.atoms[a]));
    }
    plan_.piece_elements.push_back(elements);
    plan_.piece_start.push_back(static_cast<std::uint32_t>(plan_.piece_atoms.size()));
  }

  // ---- The program: requirements compiled in the scope of their launch.

  void program(const std::vector<app::Step>& steps, std::vector<std::string>& scope,
               std::optional<std::size_t> parent) {
    if (scope.size() > kMaxDepth) fail("the program nests too deeply");
    for (const app::Step& s : steps) {
      if (s.kind == app::Step::Kind::Loop) {
        scope.push_back(s.var);
        plan_.slots =
            std::max<std::uint32_t>(plan_.slots, static_cast<std::uint32_t>(scope.size()));
        program(s.body, scope, parent);
        scope.pop_back();
        continue;
      }
      const std::size_t i = s.launch;
      if (i >= app_.launches.size()) fail(fmt::format("the program names launch {}", i));
      if (seen_[i]) fail(fmt::format("launch {} appears twice in the program", i));
      seen_[i] = true;
      const app::Launch& l = app_.launches[i];
      if (l.parent != parent) fail(fmt::format("launch {} is not where its parent says it is", i));
      if (l.task >= app_.tasks.size()) fail(fmt::format("launch {} names task {}", i, l.task));
      const app::Task& task = app_.tasks[l.task];
      const std::vector<app::RegionArg>& args = l.effective_args(task);
      if (l.reqs.size() > args.size())
        fail(fmt::format("launch {} of task {} gives {} requirements for {} region arguments", i,
                         task.name, l.reqs.size(), args.size()));
      plan_.task_args[l.task] =
          std::max(plan_.task_args[l.task], static_cast<std::uint32_t>(args.size()));
      if (!l.point_vars.empty() && l.point_vars.size() != l.domain.size())
        fail(fmt::format("launch {} names {} point variables for {} dimensions", i,
                         l.point_vars.size(), l.domain.size()));
      Launch& out = plan_.launches[i];
      out.point_slot = static_cast<std::uint32_t>(scope.size());
      out.point_vars = static_cast<std::uint32_t>(l.point_vars.size());
      for (const std::string& v : l.point_vars)
        scope.push_back(v);
      plan_.slots = std::max<std::uint32_t>(plan_.slots, static_cast<std::uint32_t>(scope.size()));
      out.first_req = static_cast<std::uint32_t>(plan_.reqs.size());
      out.reqs = static_cast<std::uint32_t>(args.size());
      for (std::size_t k = 0; k < args.size(); ++k) {
        Req missing;
        missing.touched = 0;
        missing.no_access = true;
        plan_.reqs.push_back(k < l.reqs.size() ? requirement(i, l.reqs[k], scope) : missing);
      }
      if (parent) out.child_index = plan_.launches[*parent].children++;
      program(l.body, scope, i);
      scope.resize(out.point_slot);
    }
  }

  Req requirement(std::size_t launch, const app::Requirement& r,
                  const std::vector<std::string>& scope) {
    Req out;
    auto ri = region_index_.find(r.region);
    if (ri == region_index_.end())
      fail(fmt::format("launch {} requires region '{}', which does not exist", launch, r.region));
    out.region = static_cast<std::uint32_t>(ri->second);
    const app::Region& region = app_.regions[ri->second];
    out.privilege = r.privilege;
    if (!(r.touched >= 0 && r.touched <= 1))
      fail(fmt::format("launch {}: touched must be between 0 and 1", launch));
    out.touched = r.touched;
    if (r.partition.empty()) {
      out.pieces_base = region_piece_[out.region];
    } else {
      auto pi = partition_index_.find(r.partition);
      if (pi == partition_index_.end())
        fail(fmt::format("launch {} requires partition '{}', which does not exist", launch,
                         r.partition));
      const app::Partition& part = app_.partitions[pi->second];
      if (part.region != out.region)
        fail(fmt::format("launch {}: partition '{}' is not a partition of region '{}'", launch,
                         part.name, region.name));
      if (r.projection.size() != part.colors.size())
        fail(fmt::format("launch {}: the projection onto '{}' has {} dimensions, not {}", launch,
                         part.name, r.projection.size(), part.colors.size()));
      out.pieces_base = partition_base_[pi->second];
      out.first_dim = static_cast<std::uint32_t>(plan_.dims.size());
      out.dims = static_cast<std::uint32_t>(part.colors.size());
      std::int64_t stride = 1;
      for (std::size_t d = 0; d < part.colors.size(); ++d) {
        Dim dim;
        dim.colors = part.colors[d];
        dim.stride = stride;
        stride *= part.colors[d];
        dim.offset = r.projection[d].offset % dim.colors;
        dim.first_term = static_cast<std::uint32_t>(plan_.terms.size());
        for (const app::Term& t : r.projection[d].terms) {
          auto it = std::find(scope.rbegin(), scope.rend(), t.var);
          if (it == scope.rend())
            fail(
                fmt::format("launch {}: the projection onto '{}' uses '{}', which is not a "
                            "variable in scope there",
                            launch, part.name, t.var));
          const auto slot = static_cast<std::uint32_t>(scope.rend() - it - 1);
          plan_.terms.push_back(Term{slot, t.coef % dim.colors});
        }
        dim.terms = static_cast<std::uint32_t>(plan_.terms.size()) - dim.first_term;
        plan_.dims.push_back(dim);
      }
    }
    out.first_field = static_cast<std::uint32_t>(plan_.req_fields.size());
    if (r.fields.empty()) {
      for (std::uint32_t f = 0; f < region.fields.size(); ++f)
        plan_.req_fields.push_back(f);
    } else {
      for (const std::string& name : r.fields) {
        auto it = std::find_if(region.fields.begin(), region.fields.end(),
                               [&](const app::Field& f) { return f.name == name; });
        if (it == region.fields.end())
          fail(
              fmt::format("launch {} requires field '{}' of region '{}', which has no such "
                          "field",
                          launch, name, region.name));
        plan_.req_fields.push_back(static_cast<std::uint32_t>(it - region.fields.begin()));
      }
    }
    out.fields = static_cast<std::uint32_t>(plan_.req_fields.size()) - out.first_field;
    out.no_access = out.touched <= 0 || out.fields == 0;
    for (std::uint32_t k = out.first_field; k < plan_.req_fields.size(); ++k)
      out.element_bytes += region.fields[plan_.req_fields[k]].bytes;
    const app::Access& a = r.access;
    if (!(a.passes >= 1 && a.accesses >= 0 && a.lanes > 0 && a.lanes <= 1 && a.hot >= 0 &&
          a.spread >= 0 && std::isfinite(a.passes) && std::isfinite(a.accesses) &&
          std::isfinite(a.hot) && std::isfinite(a.spread)))
      fail(fmt::format("launch {}: the access pattern of its requirement on '{}' is out of range",
                       launch, region.name));
    if (a.pattern == app::Pattern::Atomic && r.privilege != app::Privilege::Reduce &&
        r.privilege != app::Privilege::ReadWrite)
      fail(fmt::format("launch {}: an atomic access of '{}' needs reduce or read-write", launch,
                       region.name));
    out.pattern = a.pattern;
    out.passes = a.passes;
    out.accesses = a.accesses;
    out.lanes = a.lanes;
    out.hot = a.hot;
    out.spread = a.spread;
    return out;
  }

  // ---- Decisions: checked against the app and the machine, indexed by context.

  void decisions() {
    const auto& ds = mapping_.launches;
    if (ds.size() >= kNone) fail("too many launch decisions");
    const std::size_t procs = m_.processors().size(), mems = m_.memories().size();
    plan_.top_decision.assign(app_.launches.size(), kNone);
    plan_.child_offset.assign(ds.size(), kNone);
    std::uint64_t table = 0;
    for (std::size_t i = 0; i < ds.size(); ++i) {
      const mapping::LaunchDecision& d = ds[i];
      auto bad = [&](const std::string& what) {
        fail(fmt::format("the mapping does not fit: decision {} {}", i, what));
      };
      if (d.launch >= app_.launches.size()) bad(fmt::format("is for launch {}", d.launch));
      const app::Launch& l = app_.launches[d.launch];
      const std::size_t args = l.effective_args(app_.tasks[l.task]).size();
      if (d.task != l.task) bad("names another task than its launch");
      if (d.points.size() != static_cast<std::size_t>(std::max<std::int64_t>(1, l.volume())))
        bad(fmt::format("has {} points for a launch of {}", d.points.size(), l.volume()));
      if (d.args.size() != args)
        bad(fmt::format("has {} arguments for a launch of {}", d.args.size(), args));
      for (const mapping::ArgDecision& a : d.args)
        if (a.memories.empty()) bad("has an argument without memories");
      for (const mapping::PointDecision& p : d.points) {
        if (p.proc.index >= procs) bad("places a point on a processor the machine lacks");
        if (p.memories.size() != args) bad("has a point without its memories");
        for (machine::MemId mem : p.memories)
          if (mem.index >= mems) bad("names a memory the machine lacks");
        if (p.point.size() < plan_.launches[d.launch].point_vars) bad("has a short point");
      }
      const std::uint32_t children = plan_.launches[d.launch].children;
      if (children > 0) {
        plan_.child_offset[i] = static_cast<std::uint32_t>(table);
        table += std::uint64_t{children} * d.points.size();
        if (table >= kNone) fail("too many launches made by inner tasks");
      }
      if (!d.parent_decision) {
        if (l.parent) bad("has no parent, but its launch has one");
        if (plan_.top_decision[d.launch] == kNone)
          plan_.top_decision[d.launch] = static_cast<std::uint32_t>(i);
      }
    }
    plan_.child_table.assign(table, kNone);
    for (std::size_t i = 0; i < ds.size(); ++i) {
      const mapping::LaunchDecision& d = ds[i];
      if (!d.parent_decision) continue;
      const std::size_t p = *d.parent_decision;
      const app::Launch& l = app_.launches[d.launch];
      if (p >= i || !l.parent || ds[p].launch != *l.parent || d.parent_point >= ds[p].points.size())
        fail(
            fmt::format("the mapping does not fit: decision {} names a parent that did not make "
                        "it",
                        i));
      const std::uint32_t children = plan_.launches[ds[p].launch].children;
      std::uint32_t& slot = plan_.child_table[plan_.child_offset[p] + d.parent_point * children +
                                              plan_.launches[d.launch].child_index];
      if (slot == kNone) slot = static_cast<std::uint32_t>(i);
    }
  }

  // ---- Counting task instances: checks that every context has its decision.

  void count() {
    per_task_.assign(app_.tasks.size(), 0);
    limit_.assign(app_.tasks.size(), 0);
    count_steps(app_.program, kNone, 0, 1, 0);
    plan_.ring_size.assign(app_.tasks.size(), 0);
    for (std::size_t t = 0; t < app_.tasks.size(); ++t)
      plan_.ring_size[t] = std::min(limit_[t], per_task_[t]);
  }

  void count_steps(const std::vector<app::Step>& steps, std::uint32_t parent, std::size_t point,
                   std::uint64_t mult, std::size_t depth) {
    if (depth > kMaxDepth) fail("the program nests too deeply");
    for (const app::Step& s : steps) {
      if (s.kind == app::Step::Kind::Loop) {
        if (s.count > 0)
          count_steps(s.body, parent, point,
                      saturating_mul(mult, static_cast<std::uint64_t>(s.count)), depth + 1);
        continue;
      }
      const std::uint32_t d =
          parent == kNone
              ? plan_.top_decision[s.launch]
              : plan_
                    .child_table[plan_.child_offset[parent] +
                                 point * plan_.launches[mapping_.launches[parent].launch].children +
                                 plan_.launches[s.launch].child_index];
      if (d == kNone)
        fail(fmt::format("the mapping has no decision for launch {} (task {}){}", s.launch,
                         app_.tasks[app_.launches[s.launch].task].name,
                         parent == kNone
                             ? std::string()
                             : fmt::format(" made by point {} of decision {}", point, parent)));
      const mapping::LaunchDecision& dec = mapping_.launches[d];
      const std::uint64_t n = dec.points.size();
      plan_.task_instances = saturating_add(plan_.task_instances, saturating_mul(mult, n));
      per_task_[dec.task] = saturating_add(per_task_[dec.task], saturating_mul(mult, n));
      if (plan_.task_instances > max_instances_)
        fail(fmt::format("it has more than {} task instances", max_instances_));
      if (dec.instance_limit)
        limit_[dec.task] = std::max<std::uint64_t>(
            limit_[dec.task],
            static_cast<std::uint64_t>(std::max<std::int64_t>(1, *dec.instance_limit)));
      if (!app_.launches[s.launch].body.empty())
        for (std::size_t k = 0; k < n; ++k)
          count_steps(app_.launches[s.launch].body, d, k, mult, depth + 1);
    }
  }

  const app::App& app_;
  const machine::Machine& m_;
  const mapping::Mapping& mapping_;
  std::uint64_t max_instances_;
  Plan plan_;
  std::unordered_map<std::string, std::size_t> region_index_, partition_index_;
  std::vector<std::uint32_t> partition_base_, region_piece_;
  std::vector<bool> seen_;
  std::vector<std::uint64_t> per_task_, limit_;
};

}  // namespace

Plan make_plan(const app::App& app, const machine::Machine& machine,
               const mapping::Mapping& mapping, std::uint64_t max_task_instances) {
  return Builder(app, machine, mapping, max_task_instances).run();
}

}  // namespace mapsmith::sim::detail
