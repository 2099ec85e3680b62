#pragma once
/// An evaluator that runs a real program once per candidate (docs/tuning.md §4): the candidate
/// is written to a file, `{mapper}` in the command is replaced by its path, and the command runs
/// as an argument vector, never through a shell, in its own process group, with a time-out that
/// kills the whole group. The time is read from its output with a regular expression; a failure
/// (exit status, signal, time-out, no match) keeps the tail of its standard error as feedback.
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

/// How a finished command went.
struct CommandResult {
  int exit_code = -1;      ///< -1 when killed by a signal or not started
  int signal = 0;          ///< the signal that ended it, if any
  bool timed_out = false;  ///< killed (the whole process group) after the time-out
  std::string out;         ///< standard output
  std::string err;         ///< standard error (or why it could not start)
  double seconds = 0;
};

/// Runs `argv` (argv[0] searched in PATH) in a new process group, collects both outputs, and
/// kills the group with SIGKILL after `timeout_s` seconds. Thread-safe.
CommandResult run_command(const std::vector<std::string>& argv, double timeout_s);

struct CommandOptions {
  std::string runner;  ///< "CMD ARGS {mapper}"
  std::string metric;  ///< ECMAScript regex; group 1 (or the whole match) is the time in s
  double timeout_s = 600;
  unsigned jobs = 1;     ///< candidates run at once
  std::string work_dir;  ///< where candidate files go (default: a new directory in TMPDIR)
};

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
  Evaluation run_one(const std::string& text, std::size_t slot);
  CommandOptions options_;
  std::vector<std::string> argv_;
  std::string dir_;
  bool own_dir_ = false;
};

/// The time in seconds that `metric` finds in a command's output (the last match in standard
/// output, else in standard error); false when there is none.
bool find_metric(const std::string& metric, const CommandResult& r, double& seconds);

}  // namespace mapsmith::search
