#pragma once
/// An evaluator that runs a real program once per candidate (docs/tuning.md §4): the candidate
/// is written to a file, `{mapper}` in the command is replaced by its path, and the command runs
/// as an argument vector, never through a shell, in its own process group, with a time-out that
/// kills the whole group. The time is read from its output with a regular expression; a failure
/// (exit status, signal, time-out, no match) keeps the tail of its standard error as feedback.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "search/evaluator.h"

namespace mapsmith::search {

/// Splits a command line the way a POSIX shell splits words, without running one: blanks
/// separate words; '...' is literal; "..." is literal except \" \\ \$ \` and a backslash-newline;
/// a backslash outside quotes escapes the next character. No expansion of any kind. Throws
/// InputError for an unterminated quote or an empty command.
std::vector<std::string> split_command(std::string_view line);

/// Told each process group a run starts and when it is gone, so that someone can kill the
/// groups still running if this process dies (see CommandEvaluator).
class GroupTracker {
 public:
  virtual ~GroupTracker() = default;
  virtual void started(int pgid) = 0;
  virtual void finished(int pgid) = 0;
};

/// How a finished command went.
struct CommandResult {
  int exit_code = -1;        ///< -1 when killed by a signal or not started
  int signal = 0;            ///< the signal that ended it, if any
  bool timed_out = false;    ///< killed (the whole process group) after the time-out
  bool interrupted = false;  ///< killed (the whole group) because the search was interrupted
  std::string out;           ///< standard output (its last 16 MiB when it wrote more)
  std::string err;           ///< standard error (or why it could not start), its last 16 MiB
  double seconds = 0;
};

/// Runs `argv` (argv[0] searched in PATH) in a new process group, collects both outputs, and
/// kills the group with SIGKILL after `timeout_s` seconds. When the command itself exits, what
/// its group still writes is read for a moment and the group is killed: a background child it
/// left cannot hold the run open until the time-out. Thread-safe.
CommandResult run_command(const std::vector<std::string>& argv, double timeout_s,
                          GroupTracker* groups = nullptr);

struct CommandOptions {
  std::string runner;  ///< "CMD ARGS {mapper}"
  std::string metric;  ///< RE2 regex (linear time); group 1 (or the whole match): the time in s
  double timeout_s = 600;
  unsigned jobs = 1;     ///< candidates run at once
  std::string work_dir;  ///< where candidate files go (default: a new directory in TMPDIR)
};

/// While it lives, a watchdog process waits on a socket from this one: when this process ends in
/// any way (Ctrl-C, SIGTERM, SIGKILL), the socket closes and the watchdog kills the runners'
/// process groups still going and removes the candidates' temporary directory.
class CommandEvaluator final : public Evaluator {
 public:
  /// Throws InputError for a bad runner (no {mapper}, bad quoting) or metric (bad regex).
  explicit CommandEvaluator(CommandOptions options);
  ~CommandEvaluator() override;
  /// "command: RUNNER; metric: REGEX".
  std::string identity() const override;
  std::vector<Evaluation> evaluate(const std::vector<std::string>& programs,
                                   const OnEvaluated& on_done) override;

 private:
  struct Watchdog;
  Evaluation run_one(const std::string& text, std::size_t slot);
  std::string candidate_path(std::size_t slot) const;
  CommandOptions options_;
  std::vector<std::string> argv_;
  std::string dir_;
  bool own_dir_ = false;
  std::unique_ptr<Watchdog> watchdog_;
};

/// The time in seconds that `metric` (RE2 syntax) finds in a command's output: the first group
/// (or the whole match) of the last match in standard output, else in standard error. False
/// when there is none; `found` then is empty, else the text matched, as written.
bool find_metric(const std::string& metric, const CommandResult& r, double& seconds,
                 std::string* found = nullptr);

}  // namespace mapsmith::search
