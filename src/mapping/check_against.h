#pragma once
/// The checks of dsl.md §6 that need a machine or an application: Machine(K) on a machine without
/// K, transformations that do not fit, memory lists a processor cannot reach, and task and region
/// names the application does not have (with "did you mean").
#include "app/app.h"
#include "dsl/ast.h"
#include "dsl/checker.h"
#include "dsl/diagnostics.h"
#include "machine/machine.h"

namespace mapsmith::mapping {

/// `machine` and `app` may each be null (that part is skipped). The program must have checked
/// without errors.
void check_against(const dsl::Program& program, const dsl::ProgramInfo& info,
                   const machine::Machine* machine, const app::App* app, dsl::Diagnostics& diags);

}  // namespace mapsmith::mapping
