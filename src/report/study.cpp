#include "report/study.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>

#include "search/results_db.h"
#include "util/error.h"

namespace mapsmith::report {

namespace {

/// A read-only connection; every error names the file.
class Db {
 public:
  explicit Db(const std::string& path) : path_(path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
      throw InputError(
          fmt::format("{}: cannot read the results database: {}", path,
                      std::filesystem::exists(path, ec) ? "not a regular file" : "no such file"));
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    db_.reset(raw);  // closed by the destructor, and when the constructor throws
    if (rc != SQLITE_OK) fail();
    sqlite3_busy_timeout(db_.get(), 10000);
    std::string format, version;
    query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
          [&](sqlite3_stmt* s) { format = text(s, 0); });
    if (format == "meta") {
      format.clear();
      query("SELECT key, value FROM meta", [&](sqlite3_stmt* s) {
        if (text(s, 0) == "format") format = text(s, 1);
        if (text(s, 0) == "version") version = text(s, 1);
      });
    }
    if (format != "mapsmith-results")
      throw InputError(fmt::format("{}: not a mapsmith results database", path));
    const int v = std::atoi(version.c_str());
    if (version != std::to_string(v) || v < 1)
      throw InputError(
          fmt::format("{}: results database version '{}' is not one this mapsmith reads (1 to {})",
                      path, version, search::kResultsDbVersion));
    if (v > search::kResultsDbVersion)
      throw InputError(
          fmt::format("{}: results database version {} is newer than this mapsmith reads (1 to {})",
                      path, version, search::kResultsDbVersion));
    has_steps_ = version != "1";  // version 2 added llm_steps, version 3 confirmations
  }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  bool has_steps() const { return has_steps_; }

  /// Runs `sql` with `id` bound to ?1 (when the statement has it), calling `row` per row.
  template <class F>
  void query(const char* sql, F&& row, std::optional<std::int64_t> id = std::nullopt) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql, -1, &s, nullptr) != SQLITE_OK) fail();
    if (id) sqlite3_bind_int64(s, 1, *id);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
      row(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) fail();
  }

  static std::string text(sqlite3_stmt* s, int c) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, c));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, c))) : std::string();
  }
  static bool null(sqlite3_stmt* s, int c) { return sqlite3_column_type(s, c) == SQLITE_NULL; }

 private:
  [[noreturn]] void fail() {
    throw InputError(fmt::format("{}: cannot read the results database: {}", path_,
                                 db_ ? sqlite3_errmsg(db_.get()) : "out of memory"));
  }
  std::string path_;
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db_{nullptr, &sqlite3_close};
  bool has_steps_ = false;
};

std::vector<search::StudyRow> studies(Db& db) {
  std::vector<search::StudyRow> out;
  db.query(
      "SELECT s.id, s.app, s.params, s.machine, s.evaluator, s.fingerprint, "
      "(SELECT COUNT(*) FROM evaluations e WHERE e.study = s.id), "
      "(SELECT COUNT(*) FROM evaluations e WHERE e.study = s.id AND e.ok) "
      "FROM studies s ORDER BY s.id",
      [&](sqlite3_stmt* s) {
        search::StudyRow r;
        r.id = sqlite3_column_int64(s, 0);
        r.key = search::StudyKey{Db::text(s, 1), Db::text(s, 2), Db::text(s, 3), Db::text(s, 4),
                                 Db::text(s, 5)};
        r.evaluations = sqlite3_column_int64(s, 6);
        r.ok = sqlite3_column_int64(s, 7);
        out.push_back(std::move(r));
      });
  return out;
}

std::string study_list(const std::vector<search::StudyRow>& all) {
  std::string s;
  for (const search::StudyRow& r : all)
    s += fmt::format("\n  study {}: {} on {} ({} evaluations)", r.id, r.key.app, r.key.machine,
                     r.evaluations);
  return s;
}

}  // namespace

const StudyEval* StudyData::best() const {
  const StudyEval* b = nullptr;
  for (const StudyEval& e : evals)
    if (e.ok && (!b || e.time_s < b->time_s)) b = &e;
  return b;
}

const StudyEval* StudyData::by_origin(const std::string& origin) const {
  for (const StudyEval& e : evals)
    if (e.origin == origin) return &e;
  return nullptr;
}

std::vector<search::StudyRow> list_studies(const std::string& path) {
  Db db(path);
  return studies(db);
}

StudyData load_study(const std::string& path, std::optional<std::int64_t> id) {
  Db db(path);
  StudyData out;
  out.path = path;
  const std::vector<search::StudyRow> all = studies(db);
  if (all.empty()) throw InputError(fmt::format("{}: the results database holds no study", path));
  if (!id && all.size() > 1)
    throw InputError(fmt::format("{}: {} studies; choose one with --study ID:{}", path, all.size(),
                                 study_list(all)));
  const search::StudyRow* found = nullptr;
  for (const search::StudyRow& r : all)
    if (!id || r.id == *id) found = &r;
  if (!found)
    throw InputError(
        fmt::format("{}: no study {}; the studies are:{}", path, *id, study_list(all)));
  out.study = *found;
  const std::int64_t sid = found->id;

  const std::string steps_count =
      db.has_steps() ? "(SELECT COUNT(*) FROM llm_steps l WHERE l.run = r.id), "
                       "(SELECT COUNT(*) FROM llm_steps l WHERE l.run = r.id AND l.status != 'ok') "
                     : "0, 0 ";
  db.query(("SELECT r.id, r.optimizer, r.seed, r.budget, r.start, r.started_at, r.finished_at, "
            "COALESCE(r.evaluations, 0), COALESCE(r.fresh, 0), r.best_number, " +
            steps_count + "FROM runs r WHERE r.study = ?1 ORDER BY r.id")
               .c_str(),
           [&](sqlite3_stmt* s) {
             search::RunRow r;
             r.id = sqlite3_column_int64(s, 0);
             r.study = sid;
             r.info = search::RunInfo{Db::text(s, 1),
                                      static_cast<std::uint64_t>(sqlite3_column_int64(s, 2)),
                                      sqlite3_column_int64(s, 3), Db::text(s, 4)};
             r.started_at = Db::text(s, 5);
             if (!Db::null(s, 6)) r.finished_at = Db::text(s, 6);
             r.evaluations = sqlite3_column_int64(s, 7);
             r.fresh = sqlite3_column_int64(s, 8);
             if (!Db::null(s, 9)) r.best_number = sqlite3_column_int64(s, 9);
             r.steps = sqlite3_column_int64(s, 10);
             r.failed_steps = sqlite3_column_int64(s, 11);
             out.runs.push_back(std::move(r));
           },
           sid);

  std::map<std::int64_t, std::size_t> text_of;  // mapper id -> index into texts
  db.query(
      "SELECT e.id, e.mapper, m.text, e.ok, e.time_s, e.run_time_s, e.failure, e.run, e.number, "
      "e.origin FROM evaluations e JOIN mappers m ON m.id = e.mapper WHERE e.study = ?1 "
      "ORDER BY e.id",
      [&](sqlite3_stmt* s) {
        StudyEval e;
        e.id = sqlite3_column_int64(s, 0);
        const std::int64_t mapper = sqlite3_column_int64(s, 1);
        auto [it, fresh] = text_of.emplace(mapper, out.texts.size());
        if (fresh) out.texts.push_back(Db::text(s, 2));
        e.text = it->second;
        e.ok = sqlite3_column_int64(s, 3) != 0;
        e.time_s = sqlite3_column_double(s, 4);
        e.run_time_s = sqlite3_column_double(s, 5);
        e.failure = Db::text(s, 6);
        e.run = sqlite3_column_int64(s, 7);
        e.number = sqlite3_column_int64(s, 8);
        e.origin = Db::text(s, 9);
        out.evals.push_back(std::move(e));
      },
      sid);

  out.steps.resize(out.runs.size());
  if (db.has_steps())
    for (std::size_t i = 0; i < out.runs.size(); ++i)
      db.query(
          "SELECT step, status, detail, repairs, prompt_tokens, completion_tokens, "
          "COALESCE(number, 0) FROM llm_steps WHERE run = ?1 ORDER BY step, id",
          [&](sqlite3_stmt* s) {
            search::StepRecord r;
            r.step = sqlite3_column_int64(s, 0);
            r.status = Db::text(s, 1);
            r.detail = Db::text(s, 2);
            r.repairs = sqlite3_column_int64(s, 3);
            r.prompt_tokens = sqlite3_column_int64(s, 4);
            r.completion_tokens = sqlite3_column_int64(s, 5);
            r.number = sqlite3_column_int64(s, 6);
            out.steps[i].push_back(std::move(r));
          },
          out.runs[i].id);
  return out;
}

}  // namespace mapsmith::report
