#pragma once
/// How the mapping language's names, types and kinds are spelled in the generated C++.
#include <string>
#include <string_view>

#include "dsl/types.h"
#include "util/kinds.h"

namespace mapsmith::codegen {

/// The C++ spelling of a DSL identifier: the name itself, or with a trailing '_' when it is a
/// C++ keyword or a name the generated mapper, Legion or the support code uses.
std::string cpp_identifier(std::string_view dsl_name);

/// "coord_t", "bool", "Tuple", "MSpace", "Processor", "MappedTask", "Processor::Kind",
/// "Memory::Kind"; empty for Unknown.
std::string cpp_type(dsl::Type t);

/// The Legion enumerator of a kind: "Processor::TOC_PROC", "Memory::GPU_FB_MEM" (and kVirtual
/// for VIRTUAL, a constant of the support code).
std::string legion_kind(ProcKind k);
std::string legion_kind(MemKind k);

/// A C++ string literal with the text escaped.
std::string cpp_string(std::string_view text);

}  // namespace mapsmith::codegen
