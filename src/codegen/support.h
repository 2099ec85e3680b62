#pragma once
/// The support code a generated mapper carries: tuples, machine spaces with their
/// transformations, and the small helpers the translated mapping functions call. Only the pieces
/// a program uses are emitted, so a generated mapper holds no dead code.
#include <set>
#include <string>

namespace mapsmith::codegen {

/// The names of the pieces (as translate.cpp records them in Translator::needs()) closed under
/// their dependencies.
std::set<std::string> with_dependencies(std::set<std::string> needs);

/// The free-standing C++ (types and inline functions) for `needs`, which must already include
/// its dependencies. Goes inside the generated file's anonymous namespace, before the mapper.
std::string support_code(const std::set<std::string>& needs);

}  // namespace mapsmith::codegen
