#include "search/command_evaluator.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <thread>

#include "util/error.h"

extern char** environ;

namespace mapsmith::search {

namespace {

constexpr std::size_t kMaxOutput = 16 << 20;  // per stream; a runaway program cannot fill memory
constexpr std::size_t kFeedbackTail = 4000;

std::string tail(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
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

CommandResult run_command(const std::vector<std::string>& argv, double timeout_s) {
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

  const auto deadline = start + std::chrono::duration<double>(timeout_s);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* bufs[2] = {&r.out, &r.err};
  int open_fds = 2;
  bool killed = false;
  auto kill_deadline = deadline;
  char chunk[65536];
  while (open_fds > 0) {
    const auto now = std::chrono::steady_clock::now();
    if (!killed && now >= deadline) {
      kill(-pid, SIGKILL);
      killed = r.timed_out = true;
      kill_deadline = now + std::chrono::seconds(2);  // then stop waiting for stray holders
    } else if (killed && now >= kill_deadline) {
      break;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        (killed ? kill_deadline : deadline) - now);
    const int ms = static_cast<int>(std::max<std::int64_t>(1, left.count()));
    if (poll(fds, 2, ms) < 0 && errno != EINTR) break;
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t got = read(fds[k].fd, chunk, sizeof chunk);
      if (got > 0) {
        if (bufs[k]->size() < kMaxOutput) bufs[k]->append(chunk, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        close(fds[k].fd);
        fds[k].fd = -1;
        --open_fds;
      }
    }
  }
  for (pollfd& f : fds)
    if (f.fd >= 0) close(f.fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

bool find_metric(const std::string& metric, const CommandResult& r, double& seconds) {
  const std::regex re(metric);
  for (const std::string* text : {&r.out, &r.err}) {
    std::smatch last;
    bool found = false;
    for (auto it = std::sregex_iterator(text->begin(), text->end(), re);
         it != std::sregex_iterator(); ++it) {
      last = *it;
      found = true;
    }
    if (!found) continue;
    const std::string value = last.size() > 1 && last[1].matched ? last[1].str() : last[0].str();
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (end == value.c_str()) continue;
    seconds = v;
    return true;
  }
  return false;
}

CommandEvaluator::CommandEvaluator(CommandOptions options) : options_(std::move(options)) {
  argv_ = split_command(options_.runner);
  bool placeholder = false;
  for (const std::string& a : argv_)
    placeholder = placeholder || a.find("{mapper}") != a.npos;
  if (!placeholder)
    throw InputError(fmt::format(
        "the runner '{}' has no {{mapper}}: where should the candidate mapper's path go?",
        options_.runner));
  try {
    std::regex check(options_.metric);
  } catch (const std::regex_error& e) {
    throw InputError(
        fmt::format("the metric '{}' is not a regular expression: {}", options_.metric, e.what()));
  }
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
}

CommandEvaluator::~CommandEvaluator() {
  if (!own_dir_) return;
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string CommandEvaluator::identity() const {
  return fmt::format("command: {}; metric: {}", options_.runner, options_.metric);
}

Evaluation CommandEvaluator::run_one(const std::string& text, std::size_t slot) {
  Evaluation e;
  const std::string path = fmt::format("{}/candidate-{}.mapping", dir_, slot);
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
  for (std::string& a : argv)
    for (std::size_t at; (at = a.find("{mapper}")) != std::string::npos;)
      a.replace(at, 8, path);
  const CommandResult r = run_command(argv, options_.timeout_s);
  e.seconds = r.seconds;
  e.run_time_s = r.seconds;
  if (r.timed_out) {
    e.failure = fmt::format("timed out after {} s", options_.timeout_s);
  } else if (r.signal) {
    e.failure = fmt::format("killed by signal {} ({})", r.signal, strsignal(r.signal));
  } else if (r.exit_code != 0) {
    e.failure = r.exit_code < 0 ? r.err : fmt::format("exited with status {}", r.exit_code);
  } else if (!find_metric(options_.metric, r, e.time_s)) {
    e.failure = fmt::format("no match for the metric /{}/ in its output", options_.metric);
    // The metric was looked for in both: show both (the user's regex or command is wrong).
    e.feedback = fmt::format("standard output:\n{}\nstandard error:\n{}\n",
                             tail(r.out, kFeedbackTail / 2), tail(r.err, kFeedbackTail / 2));
    return e;
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
  auto worker = [&](std::size_t slot) {
    for (std::size_t i; (i = next.fetch_add(1)) < programs.size();) {
      out[i] = run_one(programs[i], slot);
      if (on_done) {
        std::lock_guard lk(mu);
        on_done(i, out[i]);
      }
    }
  };
  const std::size_t jobs = std::min<std::size_t>(options_.jobs, programs.size());
  std::vector<std::thread> threads;
  for (std::size_t s = 1; s < jobs; ++s)
    threads.emplace_back(worker, s);
  worker(0);
  for (std::thread& t : threads)
    t.join();
  return out;
}

}  // namespace mapsmith::search
