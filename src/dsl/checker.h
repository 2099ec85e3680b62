#pragma once
/// The checker: names, types, arity, properties and methods, kinds, contradictions, deprecated
/// forms, and the warnings of dsl.md §6 that need no application or machine. Checks against an
/// application or a machine come later in the pipeline (mapping/), through the same sink.
#include <string_view>
#include <vector>

#include "dsl/ast.h"
#include "dsl/diagnostics.h"
#include "dsl/types.h"

namespace mapsmith::dsl {

/// A function of the program and what the checker learned of it.
struct FunctionInfo {
  std::string_view name;
  const Stmt* def = nullptr;
  /// The static result type (Unknown when it could not be inferred).
  VType returns;
};

/// What the checker learned that later stages reuse.
struct ProgramInfo {
  /// Every `def`, sorted by name (the first definition when a name is defined twice).
  std::vector<FunctionInfo> functions;
  /// The function named `name`, or null.
  const FunctionInfo* function(std::string_view name) const;
};

/// Checks a parsed program, reporting every problem to `diags`. Run only on a program that
/// parsed without errors.
ProgramInfo check(const Program& p, Diagnostics& diags);

/// The statements that apply to one kind of decision, for the resolution rules of dsl.md §5.
/// The specificity of a statement: the number of its selector fields that are not `*`.
int specificity(const Stmt& s);

}  // namespace mapsmith::dsl
