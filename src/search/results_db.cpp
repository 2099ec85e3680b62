#include "search/results_db.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cstdlib>

#include "util/error.h"

namespace mapsmith::search {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS studies(
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,
  app TEXT NOT NULL,
  params TEXT NOT NULL,
  machine TEXT NOT NULL,
  evaluator TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));
CREATE TABLE IF NOT EXISTS mappers(
  id INTEGER PRIMARY KEY,
  hash TEXT NOT NULL,
  text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS mappers_by_hash ON mappers(hash);
CREATE TABLE IF NOT EXISTS runs(
  id INTEGER PRIMARY KEY,
  study INTEGER NOT NULL REFERENCES studies(id),
  optimizer TEXT NOT NULL,
  seed INTEGER NOT NULL,
  budget INTEGER NOT NULL,
  start TEXT NOT NULL,
  started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  finished_at TEXT,
  evaluations INTEGER,
  fresh INTEGER,
  best_number INTEGER);
CREATE TABLE IF NOT EXISTS evaluations(
  id INTEGER PRIMARY KEY,
  study INTEGER NOT NULL REFERENCES studies(id),
  mapper INTEGER NOT NULL REFERENCES mappers(id),
  ok INTEGER NOT NULL,
  time_s REAL,
  run_time_s REAL,
  failure TEXT,
  feedback TEXT,
  seconds REAL NOT NULL,
  run INTEGER REFERENCES runs(id),
  number INTEGER,
  origin TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE(study, mapper));
CREATE INDEX IF NOT EXISTS evaluations_by_time ON evaluations(study, ok, time_s);
INSERT OR IGNORE INTO meta(key, value) VALUES ('format', 'mapsmith-results'), ('version', '2');
)sql";

// Version 2 (issue #7): the steps of the LLM agent, failed ones included. A version-1 database
// gains the table when it is opened, and its version is raised; nothing else changes.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE IF NOT EXISTS llm_steps(
  id INTEGER PRIMARY KEY,
  run INTEGER NOT NULL REFERENCES runs(id),
  step INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'no-mapper', 'does-not-check', 'error')),
  detail TEXT NOT NULL,
  repairs INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  number INTEGER,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));
CREATE INDEX IF NOT EXISTS llm_steps_by_run ON llm_steps(run, step);
UPDATE meta SET value = '2' WHERE key = 'version' AND value = '1';
)sql";

// Version 3 (issue #16): mappers confirmed on the real program after a simulated search
// (`tune --confirm K`), the simulated time beside the measured one. Added like version 2.
constexpr const char* kSchemaV3 = R"sql(
CREATE TABLE IF NOT EXISTS confirmations(
  id INTEGER PRIMARY KEY,
  study INTEGER NOT NULL REFERENCES studies(id),
  run INTEGER REFERENCES runs(id),
  mapper INTEGER NOT NULL REFERENCES mappers(id),
  simulated_s REAL NOT NULL,
  ok INTEGER NOT NULL,
  measured_s REAL,
  failure TEXT,
  repeats INTEGER NOT NULL,
  runner TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));
CREATE INDEX IF NOT EXISTS confirmations_by_study ON confirmations(study, id);
UPDATE meta SET value = '3' WHERE key = 'version' AND value = '2';
)sql";

std::string hex64(std::uint64_t h) {
  return fmt::format("{:016x}", h);
}

std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

std::string fingerprint(const std::vector<std::string>& parts) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const std::string& p : parts) {
    h = fnv1a(p, h);
    h = fnv1a(std::string_view("\0", 1), h);  // "ab","c" and "a","bc" differ
  }
  return hex64(h);
}

/// A prepared statement, reset after each use.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK)
      throw InputError(fmt::format("results database: {}", sqlite3_errmsg(db)));
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& bind(int i, std::int64_t v) { return check(sqlite3_bind_int64(s_, i, v)); }
  Stmt& bind(int i, double v) { return check(sqlite3_bind_double(s_, i, v)); }
  Stmt& bind(int i, const std::string& v) {
    return check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  Stmt& bind_null(int i) { return check(sqlite3_bind_null(s_, i)); }
  /// True while there is a row.
  bool step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw InputError(fmt::format("results database: {}", sqlite3_errmsg(db_)));
  }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::int64_t integer(int c) const { return sqlite3_column_int64(s_, c); }
  double real(int c) const { return sqlite3_column_double(s_, c); }
  bool is_null(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  std::string text(int c) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, c)))
             : std::string();
  }

 private:
  Stmt& check(int rc) {
    if (rc != SQLITE_OK) throw InputError(fmt::format("results database: {}", sqlite3_errmsg(db_)));
    return *this;
  }
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

struct ResultsDb::Impl {
  sqlite3* db = nullptr;
  std::string path;
  std::unique_ptr<Stmt> find_mapper, add_mapper, find_eval, add_eval;

  void exec(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string m = msg ? msg : sqlite3_errmsg(db);
      sqlite3_free(msg);
      throw InputError(fmt::format("{}: {}", path, m));
    }
  }
};

namespace {

/// What a database file holds before anything is written to it.
enum class Found { Empty, Mapsmith, Foreign };

/// Reads, without writing, whether `db` is empty, a mapsmith results database, or something
/// else (another program's tables); a file that is not SQLite at all throws.
Found inspect(sqlite3* db) {
  Stmt tables(db, "SELECT COUNT(*), SUM(name = 'meta' AND type = 'table') FROM sqlite_master");
  tables.step();
  if (tables.integer(0) == 0) return Found::Empty;
  if (tables.integer(1) == 0) return Found::Foreign;
  Stmt format(db, "SELECT value FROM meta WHERE key = 'format'");
  if (!format.step() || format.text(0) != "mapsmith-results") return Found::Foreign;
  return Found::Mapsmith;
}

/// "file is not a database" from "results database: file is not a database".
std::string reason(const InputError& e) {
  std::string m = e.what();
  constexpr std::string_view prefix = "results database: ";
  return m.starts_with(prefix) ? m.substr(prefix.size()) : m;
}

}  // namespace

ResultsDb::ResultsDb(const std::string& path, DbAccess access) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  const bool read_only = access == DbAccess::ReadOnly;
  auto open = [&](const std::string& name, int flags) {
    sqlite3_close(impl_->db);
    impl_->db = nullptr;
    return sqlite3_open_v2(name.c_str(), &impl_->db, flags, nullptr);
  };
  int rc = read_only ? open(path, SQLITE_OPEN_READONLY)
                     : open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (rc != SQLITE_OK) {
    std::string m = impl_->db ? sqlite3_errmsg(impl_->db) : "out of memory";
    sqlite3_close(impl_->db);
    throw InputError(fmt::format("{}: cannot open the results database: {}", path, m));
  }
  try {
    sqlite3_busy_timeout(impl_->db, 10000);
    Found found;
    try {
      try {
        found = inspect(impl_->db);
      } catch (const InputError&) {
        // A WAL database in a directory we cannot write has no -shm to read through: open
        // it as an immutable file instead (nobody can be writing what nobody may write).
        const std::string uri = "file:" + path + "?immutable=1";
        if (!read_only || open(uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI) != SQLITE_OK) throw;
        found = inspect(impl_->db);
      }
    } catch (const InputError& e) {
      throw InputError(fmt::format("{}: not a mapsmith results database ({})", path, reason(e)));
    }
    if (found == Found::Foreign || (found == Found::Empty && read_only))
      throw InputError(fmt::format("{}: not a mapsmith results database", path));
    if (!read_only) {
      if (path != ":memory:") impl_->exec("PRAGMA journal_mode=WAL");
      impl_->exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-32768");
      impl_->exec(kSchema);
    }
    Stmt version(impl_->db, "SELECT value FROM meta WHERE key = 'version'");
    const int v = version.step() ? std::atoi(version.text(0).c_str()) : 0;
    if (v > kResultsDbVersion)
      throw InputError(fmt::format(
          "{}: the results database has version {}, newer than this mapsmith reads ({})", path, v,
          kResultsDbVersion));
    if (read_only) {
      // A version-1 database has no llm_steps: an empty one in the temporary schema (which a
      // read-only connection may write) stands in for it.
      Stmt has(impl_->db,
               "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'llm_steps'");
      has.step();
      if (has.integer(0) == 0)
        impl_->exec(
            "CREATE TEMP TABLE llm_steps(id INTEGER PRIMARY KEY, run INTEGER, step INTEGER, "
            "status TEXT, detail TEXT, repairs INTEGER, prompt_tokens INTEGER, "
            "completion_tokens INTEGER, number INTEGER)");
      // A database older than version 3 has no confirmations: an empty one stands in too.
      Stmt has3(impl_->db,
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = "
                "'confirmations'");
      has3.step();
      if (has3.integer(0) == 0)
        impl_->exec(
            "CREATE TEMP TABLE confirmations(id INTEGER PRIMARY KEY, study INTEGER, run INTEGER, "
            "mapper INTEGER, simulated_s REAL, ok INTEGER, measured_s REAL, failure TEXT, "
            "repeats INTEGER, runner TEXT, created_at TEXT)");
    } else {
      impl_->exec("BEGIN IMMEDIATE");
      try {
        impl_->exec(kSchemaV2);
        impl_->exec(kSchemaV3);
        impl_->exec("COMMIT");
      } catch (...) {
        sqlite3_exec(impl_->db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
    }
    impl_->find_mapper =
        std::make_unique<Stmt>(impl_->db, "SELECT id FROM mappers WHERE hash = ?1 AND text = ?2");
    impl_->add_mapper =
        std::make_unique<Stmt>(impl_->db, "INSERT INTO mappers(hash, text) VALUES (?1, ?2)");
    impl_->find_eval = std::make_unique<Stmt>(
        impl_->db,
        "SELECT ok, time_s, run_time_s, failure, feedback, seconds FROM evaluations "
        "WHERE study = ?1 AND mapper = ?2");
    impl_->add_eval = std::make_unique<Stmt>(
        impl_->db,
        "INSERT OR IGNORE INTO evaluations(study, mapper, ok, time_s, run_time_s, failure, "
        "feedback, seconds, run, number, origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
        "?11)");
  } catch (const InputError& e) {
    impl_->find_mapper.reset();
    impl_->add_mapper.reset();
    impl_->find_eval.reset();
    impl_->add_eval.reset();
    sqlite3_close(impl_->db);
    const std::string m = e.what();
    throw InputError(m.rfind(path, 0) == 0 ? m : fmt::format("{}: {}", path, m));
  }
}

ResultsDb::~ResultsDb() {
  impl_->find_mapper.reset();
  impl_->add_mapper.reset();
  impl_->find_eval.reset();
  impl_->add_eval.reset();
  sqlite3_close(impl_->db);
}

std::int64_t ResultsDb::study(const StudyKey& key) {
  Stmt find(impl_->db, "SELECT id FROM studies WHERE fingerprint = ?1");
  find.bind(1, key.fingerprint);
  if (find.step()) return find.integer(0);
  Stmt add(impl_->db,
           "INSERT INTO studies(fingerprint, app, params, machine, evaluator) VALUES (?1, ?2, ?3, "
           "?4, ?5)");
  add.bind(1, key.fingerprint).bind(2, key.app).bind(3, key.params).bind(4, key.machine);
  add.bind(5, key.evaluator).step();
  return sqlite3_last_insert_rowid(impl_->db);
}

std::optional<Evaluation> ResultsDb::lookup(std::int64_t study, const std::string& mapper) {
  // Two index look-ups: the text's id by its hash, then the evaluation by (study, mapper).
  Stmt& f = *impl_->find_mapper;
  f.bind(1, hex64(fnv1a(mapper))).bind(2, mapper);
  const bool known = f.step();
  const std::int64_t id = known ? f.integer(0) : 0;
  f.reset();
  if (!known) return std::nullopt;
  Stmt& s = *impl_->find_eval;
  s.bind(1, study).bind(2, id);
  std::optional<Evaluation> out;
  if (s.step()) {
    Evaluation e;
    e.ok = s.integer(0) != 0;
    e.time_s = s.real(1);
    e.run_time_s = s.real(2);
    e.failure = s.text(3);
    e.feedback = s.text(4);
    e.seconds = s.real(5);
    out = std::move(e);
  }
  s.reset();
  return out;
}

void ResultsDb::record(std::int64_t study, const std::string& mapper, const Evaluation& e,
                       std::int64_t run, std::int64_t number, const std::string& origin) {
  const std::string hash = hex64(fnv1a(mapper));
  impl_->exec("BEGIN IMMEDIATE");
  try {
    std::int64_t id = 0;
    Stmt& f = *impl_->find_mapper;
    f.bind(1, hash).bind(2, mapper);
    const bool known = f.step();
    if (known) id = f.integer(0);
    f.reset();
    if (!known) {
      Stmt& a = *impl_->add_mapper;
      a.bind(1, hash).bind(2, mapper).step();
      a.reset();
      id = sqlite3_last_insert_rowid(impl_->db);
    }
    Stmt& s = *impl_->add_eval;
    s.bind(1, study).bind(2, id).bind(3, std::int64_t{e.ok});
    if (e.ok) {
      // A successful mapper's feedback is what the simulator found (copies, idle processors):
      // kept, so that a cached result tells the LLM agent as much as a fresh one.
      s.bind(4, e.time_s).bind(5, e.run_time_s).bind_null(6).bind(7, e.feedback);
    } else {
      s.bind_null(4).bind_null(5).bind(6, e.failure).bind(7, e.feedback);
    }
    s.bind(8, e.seconds);
    if (run) s.bind(9, run);
    s.bind(10, number).bind(11, origin).step();
    s.reset();
    impl_->exec("COMMIT");
  } catch (...) {
    sqlite3_exec(impl_->db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::int64_t ResultsDb::begin_run(std::int64_t study, const RunInfo& info) {
  Stmt s(impl_->db,
         "INSERT INTO runs(study, optimizer, seed, budget, start) VALUES (?1, ?2, ?3, ?4, ?5)");
  s.bind(1, study).bind(2, info.optimizer).bind(3, static_cast<std::int64_t>(info.seed));
  s.bind(4, info.budget).bind(5, info.start).step();
  return sqlite3_last_insert_rowid(impl_->db);
}

void ResultsDb::end_run(std::int64_t run, std::int64_t evaluations, std::int64_t fresh,
                        std::optional<std::int64_t> best_number) {
  Stmt s(impl_->db,
         "UPDATE runs SET finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), evaluations = ?2, "
         "fresh = ?3, best_number = ?4 WHERE id = ?1");
  s.bind(1, run).bind(2, evaluations).bind(3, fresh);
  if (best_number) s.bind(4, *best_number);
  s.step();
}

void ResultsDb::record_step(std::int64_t run, const StepRecord& step) {
  Stmt s(impl_->db,
         "INSERT INTO llm_steps(run, step, status, detail, repairs, prompt_tokens, "
         "completion_tokens, number) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  s.bind(1, run).bind(2, step.step).bind(3, step.status).bind(4, step.detail);
  s.bind(5, step.repairs).bind(6, step.prompt_tokens).bind(7, step.completion_tokens);
  if (step.number) s.bind(8, step.number);
  s.step();
}

std::vector<StepRecord> ResultsDb::steps(std::int64_t run) {
  Stmt s(impl_->db,
         "SELECT step, status, detail, repairs, prompt_tokens, completion_tokens, number FROM "
         "llm_steps WHERE run = ?1 ORDER BY step, id");
  s.bind(1, run);
  std::vector<StepRecord> out;
  while (s.step()) {
    StepRecord r;
    r.step = s.integer(0);
    r.status = s.text(1);
    r.detail = s.text(2);
    r.repairs = s.integer(3);
    r.prompt_tokens = s.integer(4);
    r.completion_tokens = s.integer(5);
    r.number = s.integer(6);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<RunRow> ResultsDb::runs(std::int64_t study) {
  Stmt s(impl_->db,
         "SELECT r.id, r.optimizer, r.seed, r.budget, r.start, r.started_at, r.finished_at, "
         "COALESCE(r.evaluations, 0), COALESCE(r.fresh, 0), r.best_number, "
         "(SELECT COUNT(*) FROM llm_steps l WHERE l.run = r.id), "
         "(SELECT COUNT(*) FROM llm_steps l WHERE l.run = r.id AND l.status != 'ok') "
         "FROM runs r WHERE r.study = ?1 ORDER BY r.id");
  s.bind(1, study);
  std::vector<RunRow> out;
  while (s.step()) {
    RunRow r;
    r.id = s.integer(0);
    r.study = study;
    r.info = RunInfo{s.text(1), static_cast<std::uint64_t>(s.integer(2)), s.integer(3), s.text(4)};
    r.started_at = s.text(5);
    if (!s.is_null(6)) r.finished_at = s.text(6);
    r.evaluations = s.integer(7);
    r.fresh = s.integer(8);
    if (!s.is_null(9)) r.best_number = s.integer(9);
    r.steps = s.integer(10);
    r.failed_steps = s.integer(11);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<StudyRow> ResultsDb::studies() {
  Stmt s(impl_->db,
         "SELECT s.id, s.app, s.params, s.machine, s.evaluator, s.fingerprint, "
         "(SELECT COUNT(*) FROM evaluations e WHERE e.study = s.id), "
         "(SELECT COUNT(*) FROM evaluations e WHERE e.study = s.id AND e.ok) "
         "FROM studies s ORDER BY s.id");
  std::vector<StudyRow> out;
  while (s.step()) {
    StudyRow r;
    r.id = s.integer(0);
    r.key = StudyKey{s.text(1), s.text(2), s.text(3), s.text(4), s.text(5)};
    r.evaluations = s.integer(6);
    r.ok = s.integer(7);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<EvalRow> ResultsDb::top(std::int64_t study, std::size_t n) {
  Stmt s(impl_->db,
         "SELECT e.id, m.text, e.time_s, e.run_time_s, e.seconds, e.run, e.number, e.origin "
         "FROM evaluations e JOIN mappers m ON m.id = e.mapper WHERE e.study = ?1 AND e.ok "
         "ORDER BY e.time_s, e.id LIMIT ?2");
  s.bind(1, study).bind(2, static_cast<std::int64_t>(n));
  std::vector<EvalRow> out;
  while (s.step()) {
    EvalRow r;
    r.id = s.integer(0);
    r.study = study;
    r.mapper = s.text(1);
    r.eval.ok = true;
    r.eval.time_s = s.real(2);
    r.eval.run_time_s = s.real(3);
    r.eval.seconds = s.real(4);
    r.run = s.integer(5);
    r.number = s.integer(6);
    r.origin = s.text(7);
    out.push_back(std::move(r));
  }
  return out;
}

void ResultsDb::record_confirmation(std::int64_t study, const Confirmation& c) {
  const std::string hash = hex64(fnv1a(c.mapper));
  impl_->exec("BEGIN IMMEDIATE");
  try {
    std::int64_t id = 0;
    Stmt& f = *impl_->find_mapper;
    f.bind(1, hash).bind(2, c.mapper);
    const bool known = f.step();
    if (known) id = f.integer(0);
    f.reset();
    if (!known) {
      Stmt& a = *impl_->add_mapper;
      a.bind(1, hash).bind(2, c.mapper).step();
      a.reset();
      id = sqlite3_last_insert_rowid(impl_->db);
    }
    Stmt s(impl_->db,
           "INSERT INTO confirmations(study, run, mapper, simulated_s, ok, measured_s, failure, "
           "repeats, runner) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    s.bind(1, study);
    if (c.run) s.bind(2, c.run);
    s.bind(3, id).bind(4, c.simulated_s).bind(5, std::int64_t{c.ok});
    if (c.ok)
      s.bind(6, c.measured_s);
    else
      s.bind(7, c.failure);
    s.bind(8, c.repeats).bind(9, c.runner).step();
    impl_->exec("COMMIT");
  } catch (...) {
    sqlite3_exec(impl_->db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<Confirmation> ResultsDb::confirmations(std::int64_t study) {
  Stmt s(impl_->db,
         "SELECT c.run, m.text, c.simulated_s, c.ok, c.measured_s, c.failure, c.repeats, "
         "c.runner FROM confirmations c JOIN mappers m ON m.id = c.mapper WHERE c.study = ?1 "
         "ORDER BY c.id");
  s.bind(1, study);
  std::vector<Confirmation> out;
  while (s.step()) {
    Confirmation c;
    c.run = s.is_null(0) ? 0 : s.integer(0);
    c.mapper = s.text(1);
    c.simulated_s = s.real(2);
    c.ok = s.integer(3) != 0;
    c.measured_s = s.is_null(4) ? 0 : s.real(4);
    c.failure = s.text(5);
    c.repeats = s.integer(6);
    c.runner = s.text(7);
    out.push_back(std::move(c));
  }
  return out;
}

std::int64_t ResultsDb::count(std::int64_t study) {
  Stmt s(impl_->db, "SELECT COUNT(*) FROM evaluations WHERE study = ?1");
  s.bind(1, study);
  return s.step() ? s.integer(0) : 0;
}

}  // namespace mapsmith::search
