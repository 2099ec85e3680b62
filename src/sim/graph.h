#pragma once
/// Internal to sim/: the physical graph the builder (build.cpp) makes of the program in program
/// order — task instances, copies and joins, with the dependences between them — and the run
/// (run.cpp) times as a discrete-event simulation. Describe the graph, then run it: the builder
/// knows nothing of time, the run nothing of regions.
#include <cstdint>
#include <vector>

#include "sim/fabric.h"
#include "sim/plan.h"

namespace mapsmith::sim::detail {

enum class NodeKind : std::uint8_t { Task, Copy, Join };

/// A task instance, a copy, or a join (it ends when its predecessors have: a fold's new version, a
/// fence, many readers gathered into one). Times are set by the run.
struct Node {
  double ready = 0;  ///< every predecessor ended
  double start = 0;  ///< its server took it (a join: ready)
  double end = 0;
  std::uint32_t succ = kNone;     ///< first edge out
  std::uint32_t waiting = 0;      ///< predecessors not ended yet
  std::uint32_t binding = kNone;  ///< the predecessor that ended last
  std::uint32_t item = 0;         ///< index into Graph::tasks or Graph::copies
  std::uint32_t mark = kNone;     ///< the last node an edge from this one was added to
  NodeKind kind = NodeKind::Join;
};

struct Edge {
  std::uint32_t to = 0;
  std::uint32_t next = kNone;
};

/// A task instance: its processor and its body as a flow (docs/simulator.md §2).
struct TaskItem {
  std::uint32_t decision = 0;  ///< into Mapping::launches
  std::uint32_t point = 0;     ///< into the decision's points
  std::uint32_t proc = 0;
  std::uint32_t first_demand = 0, demands = 0;  ///< into Graph::demands
  double solo = 0;     ///< the body at full speed: the roofline of work and data
  double compute = 0;  ///< the work's part of it (flops over the rate)
  /// What held its gate: the parent task, the instance limit's predecessor, a fence (kNone: none).
  std::uint32_t gate[3] = {kNone, kNone, kNone};
  bool inner = false;
};

/// A copy: its DMA channels (servers) and its bytes as a flow.
struct CopyItem {
  std::uint32_t task = 0;  ///< the node of the task instance whose argument needed it
  std::uint32_t arg = 0;
  std::uint32_t src = 0, dst = 0;
  std::uint64_t bytes = 0;
  std::uint32_t first_demand = 0, demands = 0;
  double solo = 0;     ///< its bytes at full speed: over the slowest resource it crosses
  double latency = 0;  ///< hop latencies and the runtime's per-copy cost, after the bytes
  std::uint32_t server[2] = {0, 0};
  std::uint8_t servers = 0;
  bool reduction = false;
};

/// Where each timed iteration begins and ends, in node numbers (program order): the nodes before
/// `from` are what the region waits for; [first, last) are the ones it times.
struct TimedSpan {
  std::uint32_t from = 0, first = 0, last = 0;
};

struct Graph {
  std::vector<Node> nodes;
  std::vector<Edge> edges;
  std::vector<TaskItem> tasks;
  std::vector<CopyItem> copies;
  std::vector<Demand> demands;
  /// Shared resources: the fabric's, then the cache-line sets of instances that atomics update,
  /// each with the seconds of one round trip per line (work is in those units already).
  std::uint32_t resources = 0;
  std::vector<TimedSpan> timed;  ///< one per timed iteration
  bool whole_loop = true;        ///< the timed steps are the loop's whole body
};

}  // namespace mapsmith::sim::detail
