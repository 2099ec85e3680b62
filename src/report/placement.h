#pragma once
/// The placement map: for each index launch, the grid of its points with the processor each runs
/// on and, per region argument, the memory its instance is placed in (the first choice of the
/// mapping; the simulator may fall back to the next kind when it is full). A launch made by an
/// inner task has one decision per parent point; the first few are shown. A grid with more points
/// than a browser draws quickly is sampled: every s-th point along each dimension.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "app/app.h"
#include "machine/machine.h"
#include "mapping/mapping.h"

namespace mapsmith::report {

struct PlacementGrid {
  std::size_t launch = 0;    ///< into App::launches
  std::size_t decision = 0;  ///< into Mapping::launches
  app::TaskId task = 0;
  std::vector<std::int64_t> parent_point;  ///< for a launch made by an inner task
  std::vector<std::int64_t> domain;        ///< the launch's extents
  std::int64_t step = 1;                   ///< every step-th point per dimension is drawn
  std::vector<std::int64_t> shown;         ///< extents drawn: ceil(domain / step)
  /// Per drawn cell (first dimension fastest): the ProcId index, and per argument the MemId
  /// index; kNoPoint where the launch has no such point.
  std::vector<std::uint32_t> procs;
  std::vector<std::vector<std::uint32_t>> memories;
  std::vector<std::string> arg_names;
  ProcKind kind = ProcKind::CPU;
  bool inner = false;  ///< an inner variant: its arguments get no instances
  static constexpr std::uint32_t kNoPoint = ~std::uint32_t{0};
};

struct PlacementLimits {
  std::size_t max_points = 4096;  ///< cells per grid
  std::size_t max_decisions = 4;  ///< grids per launch made by an inner task
};

struct Placement {
  std::vector<PlacementGrid> grids;  ///< in App::launches order
  std::size_t decisions_left_out = 0;
};

Placement placement(const app::App& app, const mapping::Mapping& mapping,
                    const PlacementLimits& limits = {});

}  // namespace mapsmith::report
