#pragma once
/// Internal to sim/: turns an Outcome's statistics into ranked findings.
#include "app/app.h"
#include "machine/machine.h"
#include "mapping/mapping.h"
#include "sim/sim.h"

namespace mapsmith::sim::detail {

/// Fills `out.findings` from the rest of `out` (a successful run).
void explain(const app::App& app, const machine::Machine& machine, const mapping::Mapping& mapping,
             Outcome& out);

}  // namespace mapsmith::sim::detail
