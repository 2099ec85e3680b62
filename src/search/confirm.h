#pragma once
/// Confirming a simulated search on the real program (`tune --confirm K`, docs/tuning.md): the
/// best mappers the simulator found are run with a real evaluator (a command), several times
/// each, and their measured time (the median) is put beside the simulated one.
#include <string>
#include <vector>

#include "search/evaluator.h"

namespace mapsmith::search {

struct Confirmed {
  std::string mapper;  ///< canonical text
  double simulated_s = 0;
  bool ok = false;           ///< every run succeeded
  double measured_s = 0;     ///< the median of the runs
  std::vector<double> runs;  ///< each run's measured time
  std::string failure;       ///< the first failed run's reason
};

/// Runs every mapper `repeats` times (the mappers in turn, `repeats` rounds, so that a drift of
/// the machine touches them all alike) and keeps the median of each.
std::vector<Confirmed> confirm(const std::vector<std::pair<std::string, double>>& mappers,
                               Evaluator& real, int repeats);

}  // namespace mapsmith::search
