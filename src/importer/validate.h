#pragma once
/// Measured beside predicted (docs/import.md): simulate an imported model under the mapper the
/// run used, and put what the simulation predicts next to what the run measured, per task kind,
/// per copy channel, for the whole run and per iteration of the main loop, with a verdict.
#include <string>
#include <vector>

#include "importer/import.h"
#include "machine/machine.h"
#include "mapping/mapping.h"
#include "sim/sim.h"

namespace mapsmith::importer {

/// What a simulation predicts, in the terms of a Measurement: task bodies (the runtime overhead
/// the simulator adds is not part of a body), copies per channel, the whole run, the main loop.
Measurement predict(const app::App& app, const machine::Machine& machine,
                    const mapping::Mapping& mapping, const sim::Options& options,
                    sim::Outcome& outcome);

struct Row {
  std::string name;
  Stat measured;
  Stat predicted;
};

/// An argument the run and the model place in different memory kinds.
struct PlacementRow {
  std::string task;
  std::size_t arg = 0;
  std::string measured;   ///< memory kinds in the run
  std::string predicted;  ///< in the model, under the same mapper
};

enum class Verdict : std::uint8_t { Good, Fair, Poor };
std::string_view to_string(Verdict v);

/// The error bounds of the verdict on the time per iteration: within kGoodError good, within
/// kFairError fair, else poor. A model whose task counts differ from the run's is at best fair.
inline constexpr double kGoodError = 0.15;
inline constexpr double kFairError = 0.5;

struct Validation {
  std::vector<Row> tasks;     ///< every task kind either side has, by name
  std::vector<Row> channels;  ///< every copy channel either side has, by name
  double measured_time_s = 0, predicted_time_s = 0;
  double measured_iteration_s = 0, predicted_iteration_s = 0;
  std::int64_t iterations = 0;
  double time_error = 0;       ///< (predicted - measured) / measured, whole run
  double iteration_error = 0;  ///< the same, per iteration
  bool counts_match = true;    ///< every task kind ran as often in both
  /// Arguments placed differently (only those both sides place; none: the mapper's placements
  /// agree with the run's).
  std::vector<PlacementRow> placements;
  Verdict verdict = Verdict::Poor;
  std::string reason;  ///< one sentence
};

Validation compare(const Measurement& measured, const Measurement& predicted);

/// Kendall's tau-b between two lists of times (ties in either count as neither concordant nor
/// discordant); 0 for fewer than two pairs.
double kendall_tau(const std::vector<double>& a, const std::vector<double>& b);

/// The median of |predicted - measured| / measured over the pairs.
double median_relative_error(const std::vector<double>& measured,
                             const std::vector<double>& predicted);

}  // namespace mapsmith::importer
