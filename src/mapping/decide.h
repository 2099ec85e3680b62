#pragma once
/// Applies a checked mapping program to an application on a machine (dsl.md §5).
#include <optional>

#include "app/app.h"
#include "dsl/ast.h"
#include "dsl/checker.h"
#include "dsl/diagnostics.h"
#include "machine/machine.h"
#include "mapping/mapping.h"

namespace mapsmith::mapping {

/// Every decision for every launch, or nullopt after reporting errors to `diags`, each located at
/// the DSL line that caused it (a whole-file error when only the default policy is involved).
/// `program` must have parsed and checked without errors. A null `program` means no mapper at
/// all: Legion's default mapper policy.
std::optional<Mapping> decide(const app::App& app, const machine::Machine& machine,
                              const dsl::Program* program, const dsl::ProgramInfo* info,
                              dsl::Diagnostics& diags);

}  // namespace mapsmith::mapping
