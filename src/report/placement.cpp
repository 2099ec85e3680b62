#include "report/placement.h"

#include <algorithm>

namespace mapsmith::report {

namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

std::int64_t cells(const std::vector<std::int64_t>& domain, std::int64_t step) {
  std::int64_t n = 1;
  for (std::int64_t e : domain)
    n *= ceil_div(e, step);
  return n;
}

}  // namespace

Placement placement(const app::App& app, const mapping::Mapping& mapping,
                    const PlacementLimits& limits) {
  Placement out;
  const auto max_points = static_cast<std::int64_t>(std::max<std::size_t>(1, limits.max_points));
  for (std::size_t l = 0; l < app.launches.size(); ++l) {
    const app::Launch& launch = app.launches[l];
    if (!launch.index || l >= mapping.by_launch.size()) continue;
    const std::vector<std::size_t>& decisions = mapping.by_launch[l];
    for (std::size_t k = 0; k < decisions.size(); ++k) {
      if (k >= limits.max_decisions) {
        out.decisions_left_out += decisions.size() - k;
        break;
      }
      const mapping::LaunchDecision& d = mapping.launches[decisions[k]];
      PlacementGrid g;
      g.launch = l;
      g.decision = decisions[k];
      g.task = d.task;
      g.kind = d.kind;
      g.inner = d.inner;
      g.domain = launch.domain;
      if (d.parent_decision)
        g.parent_point = mapping.launches[*d.parent_decision].points[d.parent_point].point;
      while (cells(g.domain, g.step) > max_points)
        ++g.step;
      std::int64_t n = 1;
      for (std::int64_t e : g.domain) {
        g.shown.push_back(ceil_div(e, g.step));
        n *= g.shown.back();
      }
      const auto& args = launch.effective_args(app.tasks[d.task]);
      for (const app::RegionArg& a : args)
        g.arg_names.push_back(a.display_name());
      g.procs.assign(static_cast<std::size_t>(n), PlacementGrid::kNoPoint);
      g.memories.assign(d.args.size(),
                        std::vector<std::uint32_t>(g.procs.size(), PlacementGrid::kNoPoint));
      g.arg_names.resize(d.args.size());
      for (const mapping::PointDecision& pd : d.points) {
        std::int64_t cell = 0, scale = 1;
        bool drawn = pd.point.size() == g.domain.size();
        for (std::size_t i = 0; drawn && i < pd.point.size(); ++i) {
          drawn = pd.point[i] >= 0 && pd.point[i] < g.domain[i] && pd.point[i] % g.step == 0;
          cell += pd.point[i] / g.step * scale;
          scale *= g.shown[i];
        }
        if (!drawn) continue;
        const auto c = static_cast<std::size_t>(cell);
        g.procs[c] = pd.proc.index;
        for (std::size_t a = 0; a < pd.memories.size() && a < g.memories.size(); ++a)
          g.memories[a][c] = pd.memories[a].index;
      }
      out.grids.push_back(std::move(g));
    }
  }
  return out;
}

}  // namespace mapsmith::report
