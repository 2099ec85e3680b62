#pragma once
/// The checker: names, types, arity, properties and methods, kinds, contradictions, deprecated
/// forms, and the warnings of dsl.md §6 that need no application or machine. Checks against an
/// application or a machine come later in the pipeline (mapping/), through the same sink.
#include <string_view>
#include <unordered_map>

#include "dsl/ast.h"
#include "dsl/diagnostics.h"
#include "dsl/types.h"

namespace mapsmith::dsl {

/// What the checker learned that later stages reuse.
struct ProgramInfo {
  /// Every `def`, by name (the first definition when a name is defined twice).
  std::unordered_map<std::string_view, const Stmt*> functions;
  /// The static result type of each function (Unknown when it could not be inferred).
  std::unordered_map<std::string_view, VType> returns;
};

/// Checks a parsed program, reporting every problem to `diags`. Run only on a program that
/// parsed without errors.
ProgramInfo check(const Program& p, Diagnostics& diags);

/// The statements that apply to one kind of decision, for the resolution rules of dsl.md §5.
/// The specificity of a statement: the number of its selector fields that are not `*`.
int specificity(const Stmt& s);

}  // namespace mapsmith::dsl
