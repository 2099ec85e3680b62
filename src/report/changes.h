#pragma once
/// What changed between two mappings of one application (the expert's and the best): the
/// decisions that differ, grouped per task as the mapping language states them — where the task
/// runs (processor kind and the processor of every point), per region argument its memory, its
/// layout and whether it is collected, and the task's instance limit — each measured by swapping
/// that one decision: applied alone to the expert mapping, and taken back alone from the best.
/// Plus a line diff of the two programs.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/app.h"
#include "machine/machine.h"
#include "mapping/mapping.h"
#include "sim/sim.h"

namespace mapsmith::report {

enum class Aspect : std::uint8_t { Processors, Memory, Layout, Collect, InstanceLimit };
std::string_view to_string(Aspect a);

struct Change {
  app::TaskId task = 0;
  Aspect aspect = Aspect::Processors;
  std::uint32_t arg = 0;     ///< Memory, Layout, Collect
  std::string arg_name;      ///< the argument's display name
  std::string expert_value;  ///< in words: "GPU", "FBMEM,ZCMEM", "SOA C_order", "4", "none"
  std::string best_value;
  std::string detail;  ///< Processors: "12 of 40 points on other processors"
  // Set by evaluate_changes (times per iteration of the main loop, else of the whole run).
  bool evaluated = false;
  std::optional<double> alone_s;    ///< the expert with this decision of the best
  std::optional<double> without_s;  ///< the best with this decision of the expert
  std::string alone_failure;        ///< why `alone_s` is missing (it fails, or cannot apply)
  std::string without_failure;
};

/// The decisions where `best` differs from `expert`, in TaskId order, then aspect and argument.
/// Empty when the two mappings do not decide the same launches (the caller says so).
std::vector<Change> decision_changes(const app::App& app, const mapping::Mapping& expert,
                                     const mapping::Mapping& best);
/// Whether two mappings decide the same launches and points, so that decisions can be swapped.
bool comparable(const mapping::Mapping& a, const mapping::Mapping& b);

/// `to` with the decision `c` taken from `from`; nullopt (and `why`) when it cannot apply alone:
/// a memory that the processors of `to` cannot reach. Moving a task to another processor kind
/// takes the memories of `from` with it when those of `to` are out of reach of the new kind.
std::optional<mapping::Mapping> with_change(const mapping::Mapping& to,
                                            const mapping::Mapping& from, const Change& c,
                                            const machine::Machine& machine, std::string& why);

/// Simulates the first `limit` changes both ways on up to `threads` threads (0: one per core);
/// the results do not depend on the thread count.
void evaluate_changes(std::vector<Change>& changes, const app::App& app,
                      const machine::Machine& machine, const mapping::Mapping& expert,
                      const mapping::Mapping& best, const sim::Constants& constants,
                      std::size_t limit, unsigned threads);

/// One row of a side-by-side line diff: a line of `a` and/or a line of `b` (0: none; else the
/// line number from 1).
struct DiffRow {
  std::size_t a = 0;
  std::size_t b = 0;
  bool same = false;  ///< both lines, equal
  friend bool operator==(const DiffRow&, const DiffRow&) = default;
};
/// The rows of a longest-common-subsequence diff of the lines of `a` and `b`: equal lines side by
/// side; between them, removed and added lines paired up row by row.
std::vector<DiffRow> line_diff(const std::vector<std::string>& a,
                               const std::vector<std::string>& b);
std::vector<std::string> split_lines(std::string_view text);

}  // namespace mapsmith::report
