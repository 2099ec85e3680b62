#pragma once
/// Internal to sim/: the second half of a simulation. Times the graph as a deterministic
/// discrete-event simulation (docs/simulator.md §6):
///
/// - a node is ready when its predecessors have ended;
/// - a task waits for its processor and a copy for its DMA channels; each server takes the work
///   that became ready first (ties: program order), as Realm's processors and ordered channels
///   do — so nothing waits behind unrelated work that is not ready yet;
/// - a task runs its runtime overhead, then its body as a flow; a copy moves its bytes as a flow,
///   then arrives after its latency;
/// - flows share the resources they cross (max-min fair: the rate of each is as high as it can be
///   without taking from one that goes slower), and a flow's rate changes whenever one that
///   shares a resource with it starts or ends.
#include <vector>

#include "sim/graph.h"

namespace mapsmith::sim::detail {

struct RunStats {
  std::vector<double> server_busy;           ///< per server: seconds it was serving
  std::vector<double> resource_busy;         ///< per shared resource: seconds some flow crossed it
  std::vector<std::uint32_t> queued_behind;  ///< per node: what held its server when it was ready
};

/// Sets every node's ready, start and end time.
void run(Graph& g, const Fabric& fabric, double task_overhead, RunStats& stats);

}  // namespace mapsmith::sim::detail
