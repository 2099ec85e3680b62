#pragma once
/// Internal to sim/: the first half of a simulation. Walks the program in program order, as
/// Legion's dependence analysis and mapper do — loops unrolled, an inner task's body once per
/// point — and for each task instance places its arguments (first memory that fits, then the
/// fallbacks; out-of-memory, layout and variant failures), finds its dependences from the state
/// of every cell it touches, and makes the copies and folds it needs: a Graph to run.
#include <optional>

#include "app/app.h"
#include "dsl/diagnostics.h"
#include "machine/machine.h"
#include "mapping/mapping.h"
#include "sim/graph.h"
#include "sim/sim.h"

namespace mapsmith::sim::detail {

/// Builds `g` and the parts of `out` that need no time (memory high-water marks, bytes by node
/// boundary and channel kind, copy counts). Returns the first failure the runtime would hit, or
/// nothing.
std::optional<dsl::Diagnostic> build(const app::App& app, const machine::Machine& m,
                                     const mapping::Mapping& mapping, const Plan& plan,
                                     const Fabric& fabric, const Options& options, Graph& g,
                                     Outcome& out);

}  // namespace mapsmith::sim::detail
