#pragma once
/// Internal to sim/: the failures the real runtime would report, as diagnostics located at the
/// statement whose decision caused them (a whole-file diagnostic when the default policy
/// decided: a null statement). docs/simulator.md §7 lists them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/app.h"
#include "dsl/ast.h"
#include "dsl/diagnostics.h"
#include "machine/machine.h"
#include "mapping/mapping.h"

namespace mapsmith::sim::detail {

/// A diagnostic at `s` of `program` (either may be null).
dsl::Diagnostic located(const dsl::Program* program, const dsl::Stmt* s, std::string message,
                        std::string hint = {});

/// The task has no variant for the kind of the point's processor.
dsl::Diagnostic no_variant(const dsl::Program* program, const machine::Machine& m,
                           const app::Task& task, const mapping::LaunchDecision& dec,
                           machine::ProcId proc);

/// The first argument (of those `mapped`) whose layout the variant cannot take, if any. `args`
/// are the launch's region arguments as the mapper sees them (Launch::effective_args).
std::optional<dsl::Diagnostic> bad_layout(const dsl::Program* program, const app::Task& task,
                                          const std::vector<app::RegionArg>& args,
                                          const app::Variant& v, const mapping::LaunchDecision& dec,
                                          const std::vector<bool>& mapped);

/// The processor cannot address the memory argument `arg` was placed in.
dsl::Diagnostic unreachable(const dsl::Program* program, const machine::Machine& m,
                            const app::Task& task, const std::vector<app::RegionArg>& args,
                            const mapping::LaunchDecision& dec, machine::ProcId proc,
                            std::size_t arg, machine::MemId mem);

/// What an out-of-memory failure says.
struct OutOfMemory {
  std::size_t arg = 0;
  machine::MemId mem;
  std::uint64_t need = 0;
  std::uint64_t free = 0;
  std::vector<machine::MemId> fallbacks;           ///< the other memories tried
  std::optional<std::vector<std::int64_t>> point;  ///< of an index launch
};
dsl::Diagnostic out_of_memory(const dsl::Program* program, const machine::Machine& m,
                              const app::Task& task, const std::vector<app::RegionArg>& args,
                              const mapping::LaunchDecision& dec, const OutOfMemory& oom);

}  // namespace mapsmith::sim::detail
