#pragma once
/// Static types of every expression of a checked program, as the code generator needs them to
/// pick C++ types: the checker's rules (dsl/checker.cpp) applied once more, keeping the answer for
/// each expression, each local variable and each function.
#include <map>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dsl/ast.h"
#include "dsl/checker.h"
#include "dsl/types.h"

namespace mapsmith::codegen {

struct ProgramTypes {
  /// The type of each expression, indexed by ExprId (Unknown where it cannot be known).
  std::vector<dsl::VType> expr;
  /// Each global binding's type (the type of its last assignment).
  std::unordered_map<std::string_view, dsl::VType> globals;
  /// Each function's result type (the type of its first `return`).
  std::unordered_map<std::string_view, dsl::VType> returns;
  /// Each function's local variables, with the type of their first assignment, in order of
  /// first assignment.
  std::unordered_map<const dsl::Stmt*, std::vector<std::pair<std::string_view, dsl::VType>>> locals;
};

/// Infers the types of a program that parsed and checked without errors.
ProgramTypes infer_types(const dsl::Program& p, const dsl::ProgramInfo& info);

}  // namespace mapsmith::codegen
