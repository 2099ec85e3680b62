#pragma once
/// Internal to search/: the family of index-map and single-task placement functions a Space
/// draws from, and their text in the mapping language (canonical form).
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "util/kinds.h"

namespace mapsmith::search::detail {

enum class MapShape : std::uint8_t {
  Linear,       ///< the launch linearised, over every processor in one line
  Grid,         ///< the processors decomposed into a grid shaped like the launch
  Nodes,        ///< nodes decomposed over the launch, each node's processors over its block
  Parent,       ///< over the processors of the parent task's node (launches by inner tasks)
  First,        ///< single: the first processor of node 0
  LastNode,     ///< single: the first processor of the last node
  LastProc,     ///< single: the last processor of node 0
  ParentFirst,  ///< single: the first processor of the parent's node
  ParentSame,   ///< single: the parent's processor number on the parent's node
  /// Each point where the partner launch's point that holds the same data runs (owner computes):
  /// the partner's own index-map function applied to that point (space.cpp renders it).
  Aligned,
};

/// One member of the family.
struct MapFn {
  MapShape shape = MapShape::Linear;
  bool rr = false;   ///< Linear: nodes vary fastest (round-robin over nodes)
  bool rev = false;  ///< Linear: the last launch dimension varies fastest
  std::uint8_t dist =
      0;  ///< Linear, Parent: block, cyclic, block-cyclic 2, 4; Nodes: block, cyclic
  std::uint32_t cyclic = 0;  ///< Grid: bit d set when dimension d is dealt cyclically
  // Aligned: the partner task, its index-map dimension, and the partner point as expressions of
  // this task's point (`point`) with the partner launch's extents (`space`); `mode` names the
  // choice along the partner's dimensions this launch does not span.
  std::string partner;
  std::size_t partner_dim = 0;
  std::string mode;
  std::string point;
  std::string space;
};

/// The index-map family for launches of `dims` dimensions; `nested`: made by an inner task.
std::vector<MapFn> index_family(int dims, bool nested);
/// The single-task placements; `nested`: made by an inner task.
std::vector<MapFn> single_family(bool nested);

/// Globals a function uses: (kind, 0) `tune_k = Machine(K);`, (kind, 1) `tune_k_all`,
/// (kind, 2) `tune_k_rr`. Ordered, so they print in a fixed order.
using Globals = std::set<std::pair<ProcKind, int>>;

/// The function's name ("tune_gpu_2d_grid_bc"); `k` is the task's kind, `pk` its parent's.
std::string fn_name(const MapFn& f, int dims, ProcKind k, ProcKind pk);
/// In words, for reports: "linear, nodes first, block".
std::string fn_label(const MapFn& f, int dims);
/// `def_text` (a Linear, Grid or Nodes member's def) rewritten to run on the partner point of
/// the Aligned member `a`, under the name `name`.
std::string aligned_def(const MapFn& a, const std::string& def_text, const std::string& name);
/// The `def` (ending in a newline), adding the globals it uses to `globals`.
std::string fn_def(const MapFn& f, int dims, ProcKind k, ProcKind pk, Globals& globals);
/// The assignment of one global (ending in a newline).
std::string global_def(std::pair<ProcKind, int> g);

}  // namespace mapsmith::search::detail
