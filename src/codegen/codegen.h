#pragma once
/// Code generation: a checked mapping program becomes the C++ source of a Legion mapper, a
/// subclass of Legion's DefaultMapper (or of an application's mapper) with the program's
/// decisions compiled in. The source is written to a stream; the caller chooses where it goes.
#include <iosfwd>
#include <string>
#include <string_view>

#include "dsl/ast.h"
#include "dsl/checker.h"
#include "dsl/diagnostics.h"

namespace mapsmith::codegen {

struct Options {
  /// The mapping file's name as the user gave it, for the header comment.
  std::string source_name;
  /// The mapper's name: the class is CamelCase(name) + "Mapper", the registration function
  /// register_<name>_mapper(), and Legion knows the mapper by this name.
  std::string name;
  /// An application's mapper class to derive from (it must derive from DefaultMapper), and the
  /// header that declares it; empty: Legion's DefaultMapper.
  std::string base_class;
  std::string base_header;
  /// The application the mapper is for (not used yet: accepted so scripts can pass it).
  std::string app;
};

/// Writes the mapper for `program` (which parsed and checked without errors) to `out`. Returns
/// false, writing nothing, when the program uses a construct the generator cannot express in
/// C++; the reasons go to `diags` at their DSL lines.
bool generate_legion_mapper(const dsl::Program& program, const dsl::ProgramInfo& info,
                            const Options& options, std::ostream& out, dsl::Diagnostics& diags);

/// A mapper name made from a file name: its stem as a C identifier ("expert", "heat2d_block").
std::string mapper_name_for(std::string_view path);

/// "heat2d_block" -> "Heat2dBlockMapper" (no second "Mapper" when the name ends in "mapper").
std::string mapper_class_for(std::string_view name);

}  // namespace mapsmith::codegen
