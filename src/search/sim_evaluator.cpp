#include "search/sim_evaluator.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "dsl/checker.h"
#include "dsl/parser.h"
#include "mapping/check_against.h"
#include "mapping/decide.h"
#include "sim/observer.h"

namespace mapsmith::search {

/// A fixed set of threads that run the indices 0..n-1 of one job at a time; the calling thread
/// takes part, so a pool of one thread has no workers at all.
struct SimEvaluator::Pool {
  explicit Pool(unsigned threads) {
    for (unsigned i = 1; i < threads; ++i)
      workers.emplace_back([this] { loop(); });
  }
  ~Pool() {
    {
      std::lock_guard lk(mu);
      stop = true;
    }
    cv.notify_all();
    for (std::thread& t : workers)
      t.join();
  }

  /// Runs fn(0..n-1). An exception from any thread (a full disk under the results database)
  /// stops the indices not yet started and is thrown again here, on the calling thread.
  void run(std::size_t n, const std::function<void(std::size_t)>& fn) {
    {
      std::lock_guard lk(mu);
      job = &fn;
      count = n;
      next = 0;
      remaining = n;
      error = nullptr;
      ++generation;
    }
    cv.notify_all();
    work(fn, n);
    std::unique_lock lk(mu);
    done.wait(lk, [&] { return remaining == 0 && active == 0; });
    job = nullptr;
    if (error) std::rethrow_exception(std::exchange(error, nullptr));
  }

  void work(const std::function<void(std::size_t)>& fn, std::size_t n) {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= n) return;
      std::exception_ptr failed;
      try {
        fn(i);
      } catch (...) {
        failed = std::current_exception();
      }
      std::lock_guard lk(mu);
      if (failed) {
        if (!error) error = failed;
        // Nobody starts another index: count the ones never started as done.
        const std::size_t taken = std::min(n, next.exchange(n));
        remaining -= n - taken;
      }
      if (--remaining == 0) done.notify_all();
    }
  }

  void loop() {
    std::uint64_t seen = 0;
    std::unique_lock lk(mu);
    for (;;) {
      cv.wait(lk, [&] { return stop || generation != seen; });
      if (stop) return;
      seen = generation;
      const auto* fn = job;
      const std::size_t n = count;
      ++active;
      lk.unlock();
      if (fn) work(*fn, n);
      lk.lock();
      if (--active == 0 && remaining == 0) done.notify_all();
    }
  }

  std::vector<std::thread> workers;
  std::mutex mu;
  std::condition_variable cv, done;
  const std::function<void(std::size_t)>* job = nullptr;
  std::size_t count = 0;
  std::atomic<std::size_t> next{0};
  std::size_t remaining = 0;
  std::size_t active = 0;
  std::uint64_t generation = 0;
  bool stop = false;
  std::exception_ptr error;  ///< the first exception of the current job
};

namespace {

std::string one_line(const dsl::Diagnostic& d) {
  return d.line ? fmt::format("line {}: {}", d.line, d.message) : d.message;
}

void fail_with(Evaluation& e, const std::vector<dsl::Diagnostic>& ds) {
  e.ok = false;
  for (const dsl::Diagnostic& d : ds) {
    if (d.severity != dsl::Severity::Error) continue;
    if (e.failure.empty()) e.failure = one_line(d);
    e.feedback += dsl::render(d);
  }
  if (e.failure.empty()) e.failure = "the mapper fails";
}

/// Remembers every task instance and copy of a run, to walk the critical chain afterwards.
class ChainObserver final : public sim::Observer {
 public:
  struct Item {
    app::TaskId task = 0;
    std::size_t arg = 0;
    double ready = 0, start = 0, end = 0;
  };
  void on_task(const sim::TaskEvent& e) override {
    if (tasks.size() <= e.instance) tasks.resize(e.instance + 1);
    tasks[e.instance] = Item{e.task, 0, e.ready, e.start, e.end};
  }
  void on_copy(const sim::CopyEvent& e) override {
    if (copies.size() <= e.id) copies.resize(e.id + 1);
    copies[e.id] = Item{e.task, e.arg, e.ready, e.start, e.end};
  }
  std::vector<Item> tasks, copies;
};

/// The overlap of [a, b] with the timed window.
double clip(double a, double b, const sim::Outcome& out) {
  return std::max(0.0, std::min(b, out.timed_end_s) - std::max(a, out.timed_begin_s));
}

/// The lines the LLM agent reads (agent/analysis.h), per iteration of the timed region, in
/// seconds with 6 significant digits:
///   task_time: NAME POINTS BUSY INPUTS QUEUED CRITICAL   (per point: busy, waiting for inputs,
///              queued for its processor; CRITICAL: its bodies on the critical path)
///   critical: task NAME S | copy NAME ARG S | wait NAME S   (the critical path in the window)
std::string structured_lines(const app::App& app, const sim::Outcome& out,
                             const ChainObserver& chain) {
  std::string s;
  const double iters = static_cast<double>(std::max<std::int64_t>(1, out.timed_iterations));
  for (std::size_t t = 0; t < out.task_times.size() && t < app.tasks.size(); ++t) {
    const sim::TaskTime& tt = out.task_times[t];
    if (tt.instances == 0) continue;
    const double n = static_cast<double>(tt.instances);
    s += fmt::format("task_time: {} {:.6g} {:.6g} {:.6g} {:.6g} {:.6g}\n", app.tasks[t].name,
                     n / iters, tt.busy_s / n, tt.inputs_s / n, tt.queued_s / n,
                     tt.critical_s / iters);
  }
  // The critical chain inside the timed window, by task body, copy (task and argument) and wait.
  std::map<std::string, double> parts;
  std::vector<std::string> order;
  auto add = [&](std::string key, double v) {
    if (v <= 0) return;
    auto [it, fresh] = parts.try_emplace(key, 0.0);
    if (fresh) order.push_back(key);
    it->second += v;
  };
  for (const sim::ChainLink& l : out.critical_chain) {
    const auto& list = l.copy ? chain.copies : chain.tasks;
    if (l.id >= list.size()) continue;
    const ChainObserver::Item& it = list[l.id];
    const std::string& name = app.tasks[it.task].name;
    if (l.copy) {
      const auto& args = app.tasks[it.task].args;
      const std::string arg = it.arg < args.size() ? args[it.arg].display_name() : "?";
      add(fmt::format("copy {} {}", name, arg), clip(it.start, it.end, out));
    } else {
      add(fmt::format("task {}", name), clip(it.start, it.end, out));
    }
    add(fmt::format("wait {}", name), clip(it.ready, it.start, out));
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](const std::string& a, const std::string& b) { return parts[a] > parts[b]; });
  for (const std::string& k : order)
    if (parts[k] / iters >= 1e-4 * out.iteration_time_s)
      s += fmt::format("critical: {} {:.6g}\n", k, parts[k] / iters);
  return s;
}

/// What a successful run did, for the LLM agent's feedback: the work and the copies, then the
/// simulator's findings, each line tagged with its kind ("large_copies: Task ..."), then the
/// structured lines above.
std::string summary_of(const app::App& app, const sim::Outcome& out, const ChainObserver& chain) {
  std::string s = fmt::format(
      "Timed region: {} per iteration over {}; the whole run takes {}.\n",
      sim::time_text(out.iteration_time_s, 4),
      sim::count_text(static_cast<std::uint64_t>(out.timed_iterations), "iteration", "iterations"),
      sim::time_text(out.time_s, 4));
  if (out.limits_inactive)
    s += "The InstanceLimit statements are inactive: the run does not enable back-pressure.\n";
  s += fmt::format("{}, {}: {} between nodes, {} within nodes.\n",
                   sim::count_text(out.task_instances, "task instance", "task instances"),
                   sim::count_text(out.copies, "copy", "copies"),
                   sim::bytes_text(out.bytes.inter_node), sim::bytes_text(out.bytes.intra_node));
  constexpr std::size_t kFindings = 5;
  for (std::size_t i = 0; i < out.findings.size() && i < kFindings; ++i)
    s += fmt::format("{}: {}\n", sim::to_string(out.findings[i].kind), out.findings[i].text);
  return s + structured_lines(app, out, chain);
}

}  // namespace

std::string_view to_string(Objective o) {
  return o == Objective::Run ? "run" : "iteration";
}

SimEvaluator::SimEvaluator(const app::App& app, const machine::Machine& machine, unsigned threads,
                           SimSettings settings)
    : app_(app), machine_(machine), settings_(settings) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  pool_ = std::make_unique<Pool>(threads);
}

SimEvaluator::~SimEvaluator() = default;

unsigned SimEvaluator::threads() const {
  return static_cast<unsigned>(pool_->workers.size() + 1);
}

std::string SimEvaluator::identity() const {
  std::string s = fmt::format("simulator (task overhead {} s, copy overhead {} s",
                              settings_.constants.task_overhead, settings_.constants.copy_overhead);
  if (!settings_.backpressure) s += ", back-pressure off";
  if (settings_.objective != Objective::Iteration)
    s += fmt::format(", objective {}", to_string(settings_.objective));
  return s + ")";
}

Evaluation SimEvaluator::evaluate_one(const app::App& app, const machine::Machine& machine,
                                      const std::string& text, const SimSettings& settings) {
  const auto start = std::chrono::steady_clock::now();
  Evaluation e;
  try {
    dsl::Diagnostics diags;
    dsl::Program program = dsl::parse_string(text, diags, "candidate.mapping");
    dsl::ProgramInfo info;
    if (!diags.has_errors()) info = dsl::check(program, diags);
    if (!diags.has_errors()) mapping::check_against(program, info, &machine, &app, diags);
    std::optional<mapping::Mapping> m;
    if (!diags.has_errors()) m = mapping::decide(app, machine, &program, &info, diags);
    if (!m) {
      fail_with(e, diags.all());
    } else {
      sim::Options options;
      options.constants = settings.constants;
      options.backpressure = settings.backpressure;
      options.program = &program;
      ChainObserver chain;
      options.observers.push_back(&chain);
      const sim::Outcome out = sim::simulate(app, machine, *m, options);
      if (out.ok) {
        e.ok = true;
        e.time_s = settings.objective == Objective::Run ? out.time_s : out.iteration_time_s;
        e.run_time_s = out.time_s;
        e.feedback = summary_of(app, out, chain);
      } else {
        fail_with(e, out.failures);
      }
    }
  } catch (const std::exception& ex) {
    e = Evaluation{};
    e.failure = fmt::format("evaluation error: {}", ex.what());
    e.feedback = e.failure + '\n';
  }
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return e;
}

std::vector<Evaluation> SimEvaluator::evaluate(const std::vector<std::string>& programs,
                                               const OnEvaluated& on_done) {
  std::vector<Evaluation> out(programs.size());
  std::mutex done_mu;
  const std::function<void(std::size_t)> one = [&](std::size_t i) {
    out[i] = evaluate_one(app_, machine_, programs[i], settings_);
    if (on_done) {
      std::lock_guard lk(done_mu);
      on_done(i, out[i]);
    }
  };
  pool_->run(programs.size(), one);
  return out;
}

}  // namespace mapsmith::search
