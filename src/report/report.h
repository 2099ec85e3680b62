#pragma once
/// `mapsmith report`: one self-contained HTML page (inline SVG, CSS and JavaScript; nothing is
/// fetched when it is viewed) about a simulation or a study of the results database:
///
/// 1. the timeline of the best mapper beside the expert's (critical path marked, zoomable);
/// 2. where the time goes, per task (breakdown.h), for the best, the expert and the default;
/// 3. the placement map of every index launch (placement.h);
/// 4. what changed between the expert and the best, each decision measured (changes.h);
/// 5. the search: curves, LLM steps, failures, importance (search_view.h; studies only);
/// 6. the machine's topology.
///
/// The stages: `build_report` compiles and simulates each mapper, records its events
/// (run.h), prepares every section's data, then `write_html` (html.h) renders it. The same
/// inputs give the same bytes.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "app/app.h"
#include "machine/machine.h"
#include "report/breakdown.h"
#include "report/changes.h"
#include "report/placement.h"
#include "report/search_view.h"
#include "report/timeline.h"
#include "search/space.h"
#include "sim/sim.h"

namespace mapsmith::report {

/// A mapper to show: its role ("best", "expert", "default"), what to call it, and its program
/// (`default_policy`: none, Legion's default mapper policy).
struct MapperSource {
  std::string role;
  std::string label;
  std::string text;
  bool default_policy = false;
};

/// One mapper, compiled and simulated, with the data of the sections that show it.
struct MapperView {
  MapperSource source;
  bool ran = false;     ///< it compiled, was decided and simulated (it may still have failed)
  bool ok = false;      ///< it ran to the end
  std::string failure;  ///< why not, on one line
  double time_s = 0;
  double iteration_time_s = 0;
  std::int64_t iterations = 0;
  std::uint64_t task_instances = 0;
  std::uint64_t copies = 0;
  sim::Breakdown critical_path;
  std::size_t chain_events = 0;
  Timeline timeline;
  TimeByTask by_task;
  Placement placement;  ///< best and expert only
};

struct BuildOptions {
  sim::Constants constants;
  TimelineLimits timeline;
  PlacementLimits placement;
  SearchLimits search;
  std::size_t swaps = 16;  ///< decisions measured by swapping (2 simulations each)
  unsigned threads = 0;    ///< for the swaps; 0: one per core
};

struct ReportData {
  std::string title;
  std::string subtitle;
  std::string app_name;
  std::string machine_name;
  /// [0] the best (or the mapper simulated), then the expert and the default when present.
  std::vector<MapperView> mappers;
  std::optional<std::size_t> expert;  ///< index into mappers
  std::vector<Change> changes;
  std::string changes_note;  ///< why there are no changes to show, if so
  std::vector<DiffRow> diff;
  std::vector<std::string> best_lines, expert_lines;
  std::optional<SearchView> search;
  std::string search_note;         ///< a simulation report: why there is no search
  std::vector<std::string> notes;  ///< what the report approximates or leaves out
};

/// Compiles and simulates every mapper, and prepares every section. `study` and `space` are for
/// a study's report (either may be null). Throws InputError for an app the simulator refuses.
ReportData build_report(const app::App& app, const machine::Machine& machine,
                        const std::vector<MapperSource>& mappers, const BuildOptions& options,
                        const StudyData* study = nullptr, const search::Space* space = nullptr);

}  // namespace mapsmith::report
