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
/// without errors. With an app: an IndexTaskMap that names a task only ever launched singly (or
/// a SingleTaskMap naming one only ever launched as an index launch) is a warning.
void check_against(const dsl::Program& program, const dsl::ProgramInfo& info,
                   const machine::Machine* machine, const app::App* app, dsl::Diagnostics& diags);

/// What `mapsmith check --machine M --app A` runs: check_against, then every decision made
/// (decide(): the mapping functions evaluated at every point of every launch, so a function that
/// returns a tuple or a processor of the wrong kind is found), then each decision checked
/// against the variant that runs it (a layout the variant cannot take). These are the failures
/// `simulate` reports before any time passes; running out of memory depends on which instances
/// are alive at once, and only a simulation finds it.
void check_mapping(const dsl::Program& program, const dsl::ProgramInfo& info,
                   const machine::Machine& machine, const app::App& app, dsl::Diagnostics& diags);

}  // namespace mapsmith::mapping
