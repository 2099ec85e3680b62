#include "search/command_evaluator.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <re2/re2.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

#include "util/error.h"
#include "util/interrupt.h"

extern char** environ;

namespace mapsmith::search {

namespace {

// Per stream, the last kMaxOutput bytes are kept (the metric is usually printed last): a runaway
// program cannot fill the memory, and what it printed at the end is still read.
constexpr std::size_t kMaxOutput = 16 << 20;
constexpr std::size_t kFeedbackTail = 4000;
// After the command exits, how long what its group still writes is read before it is killed.
constexpr auto kExitGrace = std::chrono::milliseconds(200);

std::string tail(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

/// Appends `n` bytes, keeping the last kMaxOutput (trimmed in steps, so appending stays linear).
void append_tail(std::string& buf, const char* data, std::size_t n) {
  buf.append(data, n);
  if (buf.size() >= 2 * kMaxOutput) buf.erase(0, buf.size() - kMaxOutput);
}

void trim_tail(std::string& buf) {
  if (buf.size() > kMaxOutput) buf.erase(0, buf.size() - kMaxOutput);
}

}  // namespace

std::vector<std::string> split_command(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '\'') {
      const std::size_t end = line.find('\'', i + 1);
      if (end == std::string_view::npos)
        throw InputError(fmt::format("unterminated ' in the command: {}", line));
      word.append(line.substr(i + 1, end - i - 1));
      in_word = true;
      i = end;
    } else if (c == '"') {
      in_word = true;
      for (++i;; ++i) {
        if (i >= line.size())
          throw InputError(fmt::format("unterminated \" in the command: {}", line));
        if (line[i] == '"') break;
        if (line[i] == '\\' && i + 1 < line.size() &&
            std::string_view("\"\\$`\n").find(line[i + 1]) != std::string_view::npos) {
          if (line[i + 1] != '\n') word += line[i + 1];
          ++i;
        } else {
          word += line[i];
        }
      }
    } else if (c == '\\') {
      if (i + 1 < line.size()) {
        if (line[i + 1] != '\n') {
          word += line[i + 1];
          in_word = true;
        }
        ++i;
      }
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) throw InputError("the command is empty");
  return words;
}

CommandResult run_command(const std::vector<std::string>& argv, double timeout_s,
                          GroupTracker* groups) {
  CommandResult r;
  const auto start = std::chrono::steady_clock::now();
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    r.err = fmt::format("cannot create a pipe: {}", std::strerror(errno));
    return r;
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    r.err = fmt::format("cannot create a pipe: {}", std::strerror(errno));
    close(out_pipe[0]);
    close(out_pipe[1]);
    return r;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group: the time-out kills its children too
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> cargv;
  for (const std::string& a : argv)
    cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, cargv[0], &actions, &attr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    r.err = fmt::format("cannot run {}: {}", argv[0], std::strerror(rc));
    return r;
  }
  if (groups) groups->started(pid);

  const auto deadline = start + std::chrono::duration<double>(timeout_s);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* bufs[2] = {&r.out, &r.err};
  int open_fds = 2;
  bool killed = false;
  // `exited`: the command has exited (seen with WNOWAIT: it stays a zombie, unreaped, so its
  // process group id cannot be reused before the group is killed below).
  bool exited = false;
  auto has_exited = [&] {
    siginfo_t info{};
    return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == pid;
  };
  auto stop_reading = deadline;  // after a kill or the command's exit: a short grace
  auto time_out = [&](std::chrono::steady_clock::time_point now) {
    kill(-pid, SIGKILL);
    killed = r.timed_out = true;
    stop_reading = now + std::chrono::seconds(2);  // then stop waiting for stray holders
  };
  char chunk[65536];
  while (open_fds > 0) {
    const auto now = std::chrono::steady_clock::now();
    if (!killed && !exited && now >= deadline) {
      time_out(now);
    } else if (!killed && !exited && interrupted()) {
      // Ctrl-C or SIGTERM reached the search: the run is not waited for (its result would be
      // thrown away), its whole group goes now.
      kill(-pid, SIGKILL);
      killed = r.interrupted = true;
      stop_reading = now + std::chrono::seconds(2);
    } else if ((killed || exited) && now >= stop_reading) {
      break;
    }
    // The command may have exited while a background child keeps the pipes open: then what
    // the group still writes is read for a moment, no longer.
    if (!exited && has_exited()) {
      exited = true;
      if (!killed) {
        const auto grace = now + std::chrono::duration_cast<std::chrono::nanoseconds>(kExitGrace);
        stop_reading = grace < deadline ? decltype(stop_reading)(grace) : deadline;
      }
    }
    const auto until = (killed || exited) ? stop_reading : deadline;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
    // Wake at least every 50 ms to see whether the command has exited.
    const int ms = static_cast<int>(std::clamp<std::int64_t>(left.count(), 1, exited ? 1000 : 50));
    if (poll(fds, 2, ms) < 0 && errno != EINTR) break;
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t got = read(fds[k].fd, chunk, sizeof chunk);
      if (got > 0) {
        append_tail(*bufs[k], chunk, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        close(fds[k].fd);
        fds[k].fd = -1;
        --open_fds;
      }
    }
  }
  for (pollfd& f : fds)
    if (f.fd >= 0) close(f.fd);
  trim_tail(r.out);
  trim_tail(r.err);
  // Its outputs may close before it exits (a program closes them at exit, or on purpose):
  // wait for the command itself, up to the time-out.
  while (!exited && !killed) {
    const auto now = std::chrono::steady_clock::now();
    if (has_exited()) {
      exited = true;
    } else if (now >= deadline) {
      time_out(now);
    } else {
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
          std::chrono::milliseconds(5),
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(deadline - now)));
    }
  }
  // Whatever is left of its group (a background child) goes with it; then the command is
  // reaped.
  kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (groups) groups->finished(pid);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

namespace {

/// `metric` compiled by RE2, or an error message.
std::unique_ptr<RE2> compile_metric(const std::string& metric, std::string& error) {
  RE2::Options o;
  o.set_log_errors(false);
  auto re = std::make_unique<RE2>(metric, o);
  if (!re->ok()) {
    error = re->error();
    return nullptr;
  }
  return re;
}

}  // namespace

bool find_metric(const std::string& metric, const CommandResult& r, double& seconds,
                 std::string* found) {
  std::string error;
  const std::unique_ptr<RE2> re = compile_metric(metric, error);
  if (found) found->clear();
  if (!re) return false;
  const int groups = std::min(re->NumberOfCapturingGroups(), 1);
  for (const std::string* text : {&r.out, &r.err}) {
    // The last match: search on from the end of each match (RE2 matches in linear time).
    const re2::StringPiece all(*text);
    re2::StringPiece m[2];
    std::optional<std::string> last;
    for (std::size_t at = 0; at <= all.size();) {
      if (!re->Match(all, at, all.size(), RE2::UNANCHORED, m, groups + 1)) break;
      const re2::StringPiece& value = groups == 1 && m[1].data() ? m[1] : m[0];
      last = std::string(value.data(), value.size());
      const auto end = static_cast<std::size_t>(m[0].data() - all.data()) + m[0].size();
      at = m[0].empty() ? end + 1 : end;
    }
    if (!last) continue;
    char* end = nullptr;
    const double v = std::strtod(last->c_str(), &end);
    if (end == last->c_str()) continue;
    seconds = v;
    if (found) *found = *last;
    return true;
  }
  return false;
}

/// The watchdog: a child process (forked before any runner starts) that reads "+PGID" and
/// "-PGID" records from a socket; at end of file (this process is gone, or the evaluator closed
/// it) it kills every group still listed, removes the candidate files and the directory, and
/// exits. After fork it calls only async-signal-safe functions, on strings prepared before.
struct CommandEvaluator::Watchdog final : GroupTracker {
  int fd = -1;  ///< the write end, in this process
  pid_t pid = -1;

  Watchdog(const std::vector<std::string>& files, const std::string& dir) {
    // A socket pair, not a pipe: a record is one packet (never mixed with another thread's),
    // and sending to a watchdog that is gone fails instead of raising SIGPIPE here.
    int p[2];
    // Without one (no socket, no fork), only the destructor cleans up.
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) != 0) return;
    std::vector<const char*> paths;
    for (const std::string& f : files)
      paths.push_back(f.c_str());
    const char* dirp = dir.empty() ? nullptr : dir.c_str();
    const pid_t child = fork();
    if (child < 0) {
      close(p[0]);
      close(p[1]);
      return;
    }
    if (child == 0) watch(p[0], paths, dirp);  // never returns
    close(p[0]);
    fd = p[1];
    pid = child;
  }
  ~Watchdog() override {
    if (fd >= 0) close(fd);
    if (pid > 0)
      while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
  }
  void started(int pgid) override { send('+', pgid); }
  void finished(int pgid) override { send('-', pgid); }

 private:
  void send(char what, int pgid) {
    if (fd < 0) return;
    char rec[1 + sizeof(int)];
    rec[0] = what;
    std::memcpy(rec + 1, &pgid, sizeof(int));
    while (::send(fd, rec, sizeof rec, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
  }

  [[noreturn]] static void watch(int in, const std::vector<const char*>& paths, const char* dir) {
    // Ctrl-C and `kill` reach the whole foreground group, this process too: it must outlive
    // the tuner to clean up after it.
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    // Hold no other descriptor: not the tuner's output, nor another watchdog's socket.
    if (in != 3) {
      dup2(in, 3);
      close(in);
      in = 3;
    }
    const int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);
      dup2(null, 2);
    }
    syscall(SYS_close_range, 4u, ~0u, 0u);
    constexpr int kMaxGroups = 1024;
    int live[kMaxGroups];
    int n = 0;
    for (;;) {
      char rec[1 + sizeof(int)];
      const ssize_t got = recv(in, rec, sizeof rec, 0);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;  // the evaluator is gone, or closed its end
      if (got != sizeof rec) continue;
      int pg = 0;
      std::memcpy(&pg, rec + 1, sizeof(int));
      if (rec[0] == '+' && n < kMaxGroups) {
        live[n++] = pg;
      } else if (rec[0] == '-') {
        for (int k = 0; k < n; ++k)
          if (live[k] == pg) live[k] = live[--n];
      }
    }
    for (int k = 0; k < n; ++k)
      kill(-live[k], SIGKILL);
    for (const char* f : paths)
      unlink(f);
    if (dir) rmdir(dir);
    _exit(0);
  }
};

CommandEvaluator::CommandEvaluator(CommandOptions options) : options_(std::move(options)) {
  argv_ = split_command(options_.runner);
  bool placeholder = false;
  for (const std::string& a : argv_)
    placeholder = placeholder || a.find("{mapper}") != a.npos;
  if (!placeholder)
    throw InputError(fmt::format(
        "the runner '{}' has no {{mapper}}: where should the candidate mapper's path go?",
        options_.runner));
  std::string error;
  if (!compile_metric(options_.metric, error))
    throw InputError(
        fmt::format("the metric '{}' is not a regular expression: {}", options_.metric, error));
  if (options_.jobs == 0) options_.jobs = 1;
  dir_ = options_.work_dir;
  if (dir_.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/mapsmith-tune-XXXXXX";
    if (!mkdtemp(tmpl.data()))
      throw InputError(
          fmt::format("cannot create a directory for the candidates: {}", std::strerror(errno)));
    dir_ = tmpl;
    own_dir_ = true;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
  }
  std::vector<std::string> files;
  for (std::size_t slot = 0; slot < options_.jobs; ++slot)
    files.push_back(candidate_path(slot));
  watchdog_ = std::make_unique<Watchdog>(files, own_dir_ ? dir_ : std::string());
}

CommandEvaluator::~CommandEvaluator() {
  watchdog_.reset();  // it kills what is left and removes the candidates and our directory
  if (!own_dir_) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string CommandEvaluator::candidate_path(std::size_t slot) const {
  return fmt::format("{}/candidate-{}.mapping", dir_, slot);
}

std::string CommandEvaluator::identity() const {
  return fmt::format("command: {}; metric: {}", options_.runner, options_.metric);
}

Evaluation CommandEvaluator::run_one(const std::string& text, std::size_t slot) {
  Evaluation e;
  const std::string path = candidate_path(slot);
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f) {
      e.failure = fmt::format("cannot write {}", path);
      e.feedback = e.failure + '\n';
      return e;
    }
  }
  std::vector<std::string> argv = argv_;
  // Search on after each replacement: the path itself may contain "{mapper}" (from TMPDIR).
  for (std::string& a : argv)
    for (std::size_t at = 0; (at = a.find("{mapper}", at)) != std::string::npos; at += path.size())
      a.replace(at, 8, path);
  const CommandResult r = run_command(argv, options_.timeout_s, watchdog_.get());
  std::string found;
  e.seconds = r.seconds;
  e.run_time_s = r.seconds;
  if (r.interrupted) {
    e.failure = kInterruptedFailure;
    return e;
  } else if (r.timed_out) {
    e.failure = fmt::format("timed out after {} s", options_.timeout_s);
  } else if (r.signal) {
    e.failure = fmt::format("killed by signal {} ({})", r.signal, strsignal(r.signal));
  } else if (r.exit_code != 0) {
    e.failure = r.exit_code < 0 ? r.err : fmt::format("exited with status {}", r.exit_code);
  } else if (!find_metric(options_.metric, r, e.time_s, &found)) {
    e.failure = fmt::format("no match for the metric /{}/ in its output", options_.metric);
    // The metric was looked for in both: show both (the user's regex or command is wrong).
    e.feedback = fmt::format("standard output:\n{}\nstandard error:\n{}\n",
                             tail(r.out, kFeedbackTail / 2), tail(r.err, kFeedbackTail / 2));
    return e;
  } else if (!std::isfinite(e.time_s) || e.time_s < 0) {
    // "nan", "inf" or "-1": not a time, and it must not win the search.
    e.failure = fmt::format("the metric /{}/ read '{}', which is not a time in seconds",
                            options_.metric, found);
    e.time_s = 0;
  } else {
    e.ok = true;
    return e;
  }
  e.feedback = tail(r.err.empty() ? r.out : r.err, kFeedbackTail);
  return e;
}

std::vector<Evaluation> CommandEvaluator::evaluate(const std::vector<std::string>& programs,
                                                   const OnEvaluated& on_done) {
  std::vector<Evaluation> out(programs.size());
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  std::exception_ptr error;  // the first exception of any thread, thrown again below
  auto worker = [&](std::size_t slot) {
    try {
      for (std::size_t i; (i = next.fetch_add(1)) < programs.size();) {
        out[i] = run_one(programs[i], slot);
        if (on_done) {
          std::lock_guard lk(mu);
          on_done(i, out[i]);
        }
      }
    } catch (...) {
      // A full disk, say: no candidate starts after it, and the caller sees the error.
      next = programs.size();
      std::lock_guard lk(mu);
      if (!error) error = std::current_exception();
    }
  };
  const std::size_t jobs = std::min<std::size_t>(options_.jobs, programs.size());
  std::vector<std::thread> threads;
  for (std::size_t s = 1; s < jobs; ++s)
    threads.emplace_back(worker, s);
  worker(0);
  for (std::thread& t : threads)
    t.join();
  if (error) std::rethrow_exception(error);
  return out;
}

}  // namespace mapsmith::search
