#pragma once
/// The results database (docs/results-db.md): every evaluation in SQLite, keyed by the canonical
/// mapper text and the study it belongs to, the (app, parameters, machine, evaluator) identity.
/// A repeat is free (lookup before evaluating); every result is committed as it arrives, in WAL
/// mode, so a killed search loses nothing and a rerun resumes where it stopped.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "search/evaluator.h"

namespace mapsmith::search {

/// What makes evaluations comparable. `fingerprint` is derived from all of it (and from the
/// app's and machine's full descriptions), and is the study's key.
struct StudyKey {
  std::string app;        ///< "circuit"
  std::string params;     ///< "l=10,p=40,..." (the generator's parameters)
  std::string machine;    ///< "sapling"
  std::string evaluator;  ///< Evaluator::identity()
  std::string fingerprint;
};

/// The fingerprint of a study: a 64-bit FNV-1a hash, in hex, of the parts given.
std::string fingerprint(const std::vector<std::string>& parts);

struct StudyRow {
  std::int64_t id = 0;
  StudyKey key;
  std::int64_t evaluations = 0;
  std::int64_t ok = 0;
};

/// One stored evaluation.
struct EvalRow {
  std::int64_t id = 0;
  std::int64_t study = 0;
  std::string mapper;  ///< the canonical text
  Evaluation eval;
  std::int64_t run = 0;
  std::int64_t number = 0;  ///< in its run, from 1
  std::string origin;       ///< the optimizer that proposed it
};

/// One step of an optimizer that asks a model for mappers (the LLM agent): a request and its
/// repair rounds, which may have produced a mapper (`number`) or not.
struct StepRecord {
  std::int64_t step = 0;  ///< in its run, from 1
  /// "ok" (a mapper was proposed), "no-mapper" (the reply holds no program), "does-not-check"
  /// (still wrong after the repair rounds), "error" (the model could not be asked).
  std::string status;
  std::string detail;  ///< why it failed, or what the reply explained; empty when none
  std::int64_t repairs = 0;
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  std::int64_t number = 0;  ///< the mapper's number in the run; 0 when none
  friend bool operator==(const StepRecord&, const StepRecord&) = default;
};

struct RunInfo {
  std::string optimizer;
  std::uint64_t seed = 0;
  std::int64_t budget = 0;
  std::string start;
};

/// One stored run of `mapsmith tune`.
struct RunRow {
  std::int64_t id = 0;
  std::int64_t study = 0;
  RunInfo info;
  std::string started_at;                  ///< ISO 8601, UTC
  std::optional<std::string> finished_at;  ///< absent: the run was killed (or is still going)
  std::int64_t evaluations = 0;            ///< distinct mappers (0 until it finished)
  std::int64_t fresh = 0;                  ///< evaluated by the run itself
  std::optional<std::int64_t> best_number;
  std::int64_t steps = 0;         ///< LLM steps stored for the run (llm_steps)
  std::int64_t failed_steps = 0;  ///< of those, the ones that gave no mapper
};

/// The newest results-database version this mapsmith reads and writes: 1 had the runs and their
/// evaluations, 2 added llm_steps, 3 confirmations. Every reader checks against this one number.
inline constexpr int kResultsDbVersion = 3;

/// How a results database is opened.
enum class DbAccess {
  ReadWrite,  ///< created when missing or empty; an older version is upgraded
  ReadOnly,   ///< never written (not even switched to WAL): a database the user cannot write
};

/// A mapper of a simulated search run on the real program (`tune --confirm K`): its simulated
/// time beside the measured one (the median of `repeats` runs).
struct Confirmation {
  std::int64_t run = 0;  ///< the tune run it confirms; 0 when none
  std::string mapper;    ///< the canonical text
  double simulated_s = 0;
  bool ok = false;
  double measured_s = 0;
  std::string failure;  ///< why the real run failed (empty when ok)
  std::int64_t repeats = 1;
  std::string runner;  ///< the command that ran it
  friend bool operator==(const Confirmation&, const Confirmation&) = default;
};

class ResultsDb {
 public:
  /// Opens the database at `path` (":memory:" for a private one), creating it when missing or
  /// empty and `access` allows it. Throws InputError when it cannot be opened or is not a
  /// mapsmith results database; a file that is not one (another program's SQLite database) is
  /// left exactly as it was.
  explicit ResultsDb(const std::string& path, DbAccess access = DbAccess::ReadWrite);
  ~ResultsDb();
  ResultsDb(const ResultsDb&) = delete;
  ResultsDb& operator=(const ResultsDb&) = delete;

  /// The study with this key's fingerprint, created when new.
  std::int64_t study(const StudyKey& key);
  /// The stored evaluation of `mapper` in `study`, if any.
  std::optional<Evaluation> lookup(std::int64_t study, const std::string& mapper);
  /// Stores (and commits) one evaluation; a mapper already stored for the study is left as is.
  void record(std::int64_t study, const std::string& mapper, const Evaluation& e, std::int64_t run,
              std::int64_t number, const std::string& origin);

  std::int64_t begin_run(std::int64_t study, const RunInfo& info);
  void end_run(std::int64_t run, std::int64_t evaluations, std::int64_t fresh,
               std::optional<std::int64_t> best_number);

  /// Stores (and commits) one step of an optimizer that asks a model (table llm_steps).
  void record_step(std::int64_t run, const StepRecord& step);
  /// The steps stored for a run, in step order.
  std::vector<StepRecord> steps(std::int64_t run);

  /// The runs of a study, in the order they started.
  std::vector<RunRow> runs(std::int64_t study);

  std::vector<StudyRow> studies();
  /// The best `n` successful evaluations of a study, fastest first (ties: earlier stored first).
  std::vector<EvalRow> top(std::int64_t study, std::size_t n);
  /// Stores (and commits) a confirmation (table confirmations, version 3).
  void record_confirmation(std::int64_t study, const Confirmation& c);
  /// The confirmations of a study, in the order they were stored.
  std::vector<Confirmation> confirmations(std::int64_t study);

  /// How many evaluations a study holds (0 for an unknown study).
  std::int64_t count(std::int64_t study);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mapsmith::search
