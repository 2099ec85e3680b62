#pragma once
/// What a mapping program decides for an application on a machine (dsl.md §5): per launch, the
/// processor kind and the processor of every point; per region argument, the memory (with
/// fallbacks) and the layout; instance limits, collection and control replication. Each
/// decision remembers the statement that made it (null: the default policy).
#include <cstdint>
#include <optional>
#include <vector>

#include "app/app.h"
#include "dsl/ast.h"
#include "machine/machine.h"

namespace mapsmith::mapping {

struct Layout {
  bool soa = true;       ///< SOA (true) or AOS
  bool c_order = false;  ///< C_order (last dimension fastest) or F_order (Legion's default)
  dsl::Op align_op = dsl::Op::None;  ///< None: no alignment constraint
  std::int64_t align = 0;
  bool compact = false;
  bool exact = false;
  friend bool operator==(const Layout&, const Layout&) = default;
};
/// "SOA F_order", "AOS C_order Align==128 Exact".
std::string to_string(const Layout& l);

struct ArgDecision {
  /// Memory kinds in order: the first reachable kind the program (or the default) names, then
  /// the reachable fallbacks. Never empty.
  std::vector<MemKind> memories;
  Layout layout;
  bool collect = false;
  const dsl::Stmt* region_stmt = nullptr;
  const dsl::Stmt* layout_stmt = nullptr;
};

struct PointDecision {
  std::vector<std::int64_t> point;  ///< empty for a single launch
  machine::ProcId proc;
  /// Per region argument, the memory the first kind of `memories` names for this processor.
  std::vector<machine::MemId> memories;
};

struct LaunchDecision {
  std::size_t launch = 0;  ///< index into App::launches
  app::TaskId task = 0;
  ProcKind kind = ProcKind::CPU;
  const dsl::Stmt* kind_stmt = nullptr;
  const dsl::Stmt* map_stmt = nullptr;  ///< IndexTaskMap / SingleTaskMap that placed the points
  std::vector<PointDecision> points;
  std::vector<ArgDecision> args;
  std::optional<std::int64_t> instance_limit;
  bool control_replicate = false;
  bool inner = false;  ///< the chosen variant is inner: its regions are not instantiated
  /// For a launch made by an inner task: the decision and point of the parent that made it.
  std::optional<std::size_t> parent_decision;
  std::size_t parent_point = 0;
};

struct Mapping {
  /// Top-level launches once each; a launch made by an inner task once per parent point.
  std::vector<LaunchDecision> launches;
  /// For each launch of the App, the indices of its decisions in `launches`.
  std::vector<std::vector<std::size_t>> by_launch;
};

}  // namespace mapsmith::mapping
