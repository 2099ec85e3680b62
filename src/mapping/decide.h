#pragma once
/// Applies a checked mapping program to an application on a machine (dsl.md §5).
#include <optional>

#include "app/app.h"
#include "dsl/ast.h"
#include "dsl/checker.h"
#include "dsl/diagnostics.h"
#include "dsl/eval.h"
#include "machine/machine.h"
#include "mapping/mapping.h"

namespace mapsmith::mapping {

/// Every decision for every launch, or nullopt after reporting errors to `diags`, each located at
/// the DSL line that caused it (a whole-file error when only the default policy is involved).
/// `program` must have parsed and checked without errors. A null `program` means no mapper at
/// all: Legion's default mapper policy. The mapping functions' work over every launch together
/// is bounded by `total_budget` steps (dsl::Evaluator), so one mapper cannot stall a tool.
std::optional<Mapping> decide(const app::App& app, const machine::Machine& machine,
                              const dsl::Program* program, const dsl::ProgramInfo* info,
                              dsl::Diagnostics& diags,
                              std::int64_t total_budget = dsl::kDefaultTotalBudget);

}  // namespace mapsmith::mapping
