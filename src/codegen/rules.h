#pragma once
/// Which statement decides (dsl.md §5), in the form both back ends need: the statements of one
/// kind in the order to try them, so that the first one that matches a decision is the one that
/// decides it. The generated mapper compiles that order into if-chains; the runtime mapper
/// (legion/) walks it.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/ast.h"
#include "dsl/precedence.h"
#include "util/kinds.h"

namespace mapsmith::codegen {

// The order statements are tried in (both dialects): dsl/precedence.h.
using dsl::by_precedence;
using dsl::map_kind_form;
using dsl::precedence_rank;

/// One decision, as far as statement selectors can see it.
struct Subject {
  std::string_view task;
  /// The names a region argument answers to: its region's, its partition's, its root's.
  std::span<const std::string> region_names;
  /// The argument's index among the task's region requirements (-1: none).
  std::int64_t region_index = -1;
  /// The kind of the processor the task runs on (Region, Layout, *TaskMap of the kind form).
  std::optional<ProcKind> proc;
  /// The kind of the memory the instance is in (Layout only).
  std::optional<MemKind> mem;
};

/// Whether every selector of `s` matches the decision.
bool matches(const dsl::Program& p, const dsl::Stmt& s, const Subject& d);

/// The first statement of `ordered` (from by_precedence) that matches, or null.
const dsl::Stmt* first_match(const dsl::Program& p, std::span<const dsl::Stmt* const> ordered,
                             const Subject& d);

/// A decision statement in canonical form, on one line: "Region * rp_shared GPU ZCMEM;".
std::string statement_text(const dsl::Program& p, const dsl::Stmt& s);

}  // namespace mapsmith::codegen
