#pragma once
/// A study of a results database (docs/results-db.md), read for the report: the study, its runs,
/// every evaluation with its mapper's text, and the LLM steps. The database is opened read-only
/// (the report never writes, and a search may be running into it); versions 1 to 3 are read.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "search/results_db.h"

namespace mapsmith::report {

struct StudyEval {
  std::int64_t id = 0;
  std::size_t text = 0;  ///< index into StudyData::texts
  bool ok = false;
  double time_s = 0;
  double run_time_s = 0;
  std::string failure;
  std::int64_t run = 0;  ///< the run that evaluated it (0: unknown)
  std::int64_t number = 0;
  std::string origin;
};

struct StudyData {
  std::string path;
  search::StudyRow study;
  std::vector<search::RunRow> runs;  ///< in the order they started
  std::vector<StudyEval> evals;      ///< in the order they were stored
  std::vector<std::string> texts;    ///< the mappers' canonical texts
  /// Per run (parallel to `runs`), its LLM steps in order.
  std::vector<std::vector<search::StepRecord>> steps;

  /// The fastest successful evaluation (the first stored among equals); nullptr when none ran.
  const StudyEval* best() const;
  /// The evaluation of the given origin ("expert", "default"), the first stored; or nullptr.
  const StudyEval* by_origin(const std::string& origin) const;
};

/// The studies of the database at `path`. Throws InputError when it cannot be opened read-only or
/// is not a mapsmith results database (of a version this mapsmith reads).
std::vector<search::StudyRow> list_studies(const std::string& path);

/// One study: `id`, or the only one when not given. Throws InputError (naming the studies there
/// are) when it is unknown, or when there are several and none is named.
StudyData load_study(const std::string& path, std::optional<std::int64_t> id);

}  // namespace mapsmith::report
