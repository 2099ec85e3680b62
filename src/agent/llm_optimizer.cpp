#include "agent/llm_optimizer.h"

#include <fmt/format.h>

#include <limits>
#include <optional>
#include <utility>

#include "agent/analysis.h"
#include "agent/feedback.h"
#include "agent/prompt.h"
#include "search/space.h"
#include "search/tune.h"
#include "util/error.h"
#include "util/strings.h"

namespace mapsmith::agent {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

class LlmSearch final : public LlmOptimizer {
 public:
  LlmSearch(const LlmSetup& setup, bool hybrid, search::Rng rng)
      : setup_(setup),
        hybrid_(hybrid),
        rng_(rng),
        agent_(*setup.client, *setup.app, *setup.machine, setup.agent),
        llm_origin_(hybrid ? "hybrid/llm" : "llm") {}

  std::string name() const override { return hybrid_ ? "hybrid" : "llm"; }
  LlmStats stats() const override { return stats_; }

  void tell(const std::vector<search::Candidate>&, const std::vector<double>&) override {
    MAPSMITH_ASSERT(false && "the tuner calls tell_evaluations");
  }

  void tell_references(const std::vector<search::Told>& refs) override {
    for (const search::Told& t : refs) {
      if (!t.eval || !t.mapper) continue;
      if (t.eval->ok && t.origin == "expert") expert_s_ = t.eval->time_s;
      if (t.eval->ok && t.origin == "default") default_s_ = t.eval->time_s;
      if (!t.eval->ok && t.origin == "default") default_failure_ = t.eval->failure;
    }
    // The best so far is the better reference (the default policy may beat the expert); the
    // start, when it is not the best, is shown to the model as the first history entry.
    const search::Told* best = nullptr;
    for (const search::Told& t : refs)
      if (t.eval && t.mapper && t.eval->ok && (!best || search::better(*t.eval, *best->eval)))
        best = &t;
    const search::Told* start = nullptr;
    for (const search::Told& t : refs)
      if (t.mapper && !start && *t.mapper == setup_.start_text) start = &t;
    if (start) start_seen_ = true;
    if (best) adopt(*best, ref_name(best->origin), /*force=*/true);
    if (start && start != best && !(best && *start->mapper == *best->mapper)) {
      HistoryEntry e;
      e.number = start->number;
      e.source = setup_.start_name + ", where the search starts";
      e.mapper = *start->mapper;
      e.feedback = evaluation_feedback(*start->eval, baseline(start->mapper), *setup_.app);
      history_.push_back(std::move(e));
    }
    if (!best && start) adopt(*start, setup_.start_name, /*force=*/true);
  }

  std::vector<search::Candidate> ask(std::size_t n) override {
    if (!start_seen_) {
      // The start is not a reference (a random point): evaluate it before the first prompt.
      start_seen_ = true;
      return {search::Candidate{{}, "start", setup_.start_text}};
    }
    if (phase_) {
      std::vector<search::Candidate> c = classical_ask(n);
      if (!c.empty()) return c;
    }
    return llm_step();
  }

  void tell_evaluations(const std::vector<search::Candidate>& asked,
                        const std::vector<search::Told>& told) override {
    MAPSMITH_ASSERT(asked.size() == told.size() && !asked.empty());
    if (asked.front().origin == "start") {
      const search::Told& t = told.front();
      if (beats_best(t)) {
        adopt(t, setup_.start_name, /*force=*/true);
      } else if (t.mapper && t.eval) {
        HistoryEntry e;
        e.number = t.number;
        e.source = setup_.start_name + ", where the search starts";
        e.mapper = *t.mapper;
        e.feedback = evaluation_feedback(*t.eval, baseline(t.mapper), *setup_.app);
        history_.push_back(std::move(e));
      }
      return;
    }
    if (phase_ && asked.front().origin == kClassical) {
      classical_tell(told);
      return;
    }
    MAPSMITH_ASSERT(asked.size() == 1);
    const search::Told& t = told.front();
    HistoryEntry e;
    e.number = t.number;
    e.source = fmt::format("LLM step {}", pending_.step);
    if (t.repeat) {
      e.feedback = repeat_feedback(t.number, t.time_s);
    } else {
      e.mapper = *t.mapper;
      e.feedback = evaluation_feedback(*t.eval, baseline(t.mapper), *setup_.app);
      if (beats_best(t)) adopt_with(t, e.source, e.feedback);
    }
    report_outcome(e);
    history_.push_back(std::move(e));
    pending_.number = static_cast<std::int64_t>(t.number);
    steps_.push_back(pending_);
    if (hybrid_) start_phase();
  }

  std::vector<search::StepRecord> take_steps() override { return std::exchange(steps_, {}); }

 private:
  static constexpr const char* kClassical = "hybrid/coordinate-descent";

  /// What a candidate is compared with: the best so far (its time, evaluation and text).
  Baseline baseline(const std::string* candidate = nullptr) const {
    Baseline b;
    if (best_s_ < kInf) {
      b.best_s = best_s_;
      b.best = &best_eval_;
      b.best_number = best_number_;
      b.best_text = &best_text_;
    }
    b.expert_s = expert_s_;
    b.candidate = candidate;
    b.machine = setup_.machine;
    return b;
  }

  static std::string ref_name(std::string_view origin) {
    return origin == "expert" ? "the expert mapper" : "Legion's default policy (the empty mapper)";
  }

  /// Whether `t` is the new best: it ran and beats the best (search::better: ties broken by the
  /// whole run, then the first found stays).
  bool beats_best(const search::Told& t) const {
    return t.eval && t.eval->ok && (best_s_ == kInf || search::better(*t.eval, best_eval_));
  }

  /// Makes `t` the best mapper (a reference, or the start, always; any other only when better).
  void adopt(const search::Told& t, const std::string& source, bool force) {
    if (!t.mapper || !t.eval) return;
    if (!force && !beats_best(t)) return;
    Baseline b;
    if (t.origin != "expert") b.expert_s = expert_s_;  // not compared with itself
    adopt_with(t, source, evaluation_feedback(*t.eval, b, *setup_.app));
  }
  void adopt_with(const search::Told& t, const std::string& source, const Feedback& f) {
    best_text_ = *t.mapper;
    best_number_ = t.number;
    best_s_ = t.eval->ok ? t.time_s : kInf;
    best_eval_ = *t.eval;
    best_label_ = fmt::format("#{}, {}", t.number, source);
    best_feedback_ = f;
  }

  /// Hands the step's feedback to the setup's sink (the manual exchange's outcome files).
  void report_outcome(const HistoryEntry& e) const {
    if (!setup_.on_outcome) return;
    std::string text = fmt::format(
        "# Outcome of {}\n\n", e.number ? fmt::format("#{}, {}", e.number, e.source) : e.source);
    text += "Outcome: " + e.feedback.outcome + "\n";
    if (!e.feedback.explanation.empty()) text += "Explanation:\n" + e.feedback.explanation;
    if (!text.ends_with('\n')) text += '\n';
    text += "Suggestion: " + e.feedback.suggestion + "\n";
    text += fmt::format("\nThe best so far: {} ({} per iteration).\n", best_label_,
                        best_s_ < kInf ? time_text(best_s_) : std::string("none ran"));
    setup_.on_outcome(stats_.calls, text);
  }

  PromptInput prompt_input() const {
    PromptInput in;
    in.app = setup_.app;
    in.machine = setup_.machine;
    in.current = best_text_;
    in.current_label = best_label_.empty() ? setup_.start_name : best_label_;
    in.current_feedback = best_feedback_;
    in.expert_s = expert_s_;
    in.default_s = default_s_;
    in.default_failure = default_failure_;
    in.history = history_;
    in.shown = setup_.history;
    return in;
  }

  /// One step of the agent: a candidate, or (after recording the failed steps) none only by
  /// throwing StopSearch.
  std::vector<search::Candidate> llm_step() {
    for (;;) {
      if (stats_.steps >= setup_.max_steps)
        throw search::StopSearch(fmt::format("llm: step limit ({} LLM steps)", setup_.max_steps),
                                 false);
      ++stats_.steps;
      search::StepRecord rec;
      rec.step = static_cast<std::int64_t>(stats_.steps);
      StepResult r;
      try {
        r = agent_.step(user_prompt(prompt_input()));
      } catch (const llm::ChatError& e) {
        ++stats_.failed_steps;
        ++stats_.calls;
        rec.status = "error";
        rec.detail = e.what();
        steps_.push_back(rec);
        throw search::StopSearch(std::string("llm: ") + e.what(),
                                 e.kind() != llm::ChatError::Kind::Budget);
      }
      stats_.calls += static_cast<std::size_t>(r.calls);
      stats_.repairs += static_cast<std::size_t>(r.repairs);
      stats_.prompt_tokens += r.usage.prompt_tokens;
      stats_.completion_tokens += r.usage.completion_tokens;
      if (!r.model.empty()) stats_.model = r.model;
      rec.status = std::string(status_name(r.status));
      rec.repairs = r.repairs;
      rec.prompt_tokens = r.usage.prompt_tokens;
      rec.completion_tokens = r.usage.completion_tokens;
      if (r.status == StepResult::Status::Ok) {
        errors_in_a_row_ = 0;
        rec.detail = r.explanation;
        pending_ = rec;
        return {search::Candidate{{}, llm_origin_, r.mapper}};
      }
      ++stats_.failed_steps;
      rec.detail = r.detail;
      steps_.push_back(rec);
      HistoryEntry e;
      e.source = fmt::format("LLM step {}", rec.step);
      std::string outcome;
      if (r.status == StepResult::Status::DoesNotCheck) {
        e.mapper = r.mapper;
        outcome = fmt::format("does not check after {} repair rounds: {}", r.repairs, r.detail);
      } else if (r.status == StepResult::Status::NoMapper) {
        outcome = "no mapper: " + r.detail;
      } else {
        outcome = "no reply: " + r.detail;
      }
      e.feedback = step_feedback(outcome, r.diagnostics, *setup_.app);
      report_outcome(e);
      history_.push_back(std::move(e));
      errors_in_a_row_ = r.status == StepResult::Status::Error ? errors_in_a_row_ + 1 : 0;
      if (errors_in_a_row_ >= setup_.max_errors_in_a_row)
        throw search::StopSearch(
            fmt::format("llm: {} steps in a row failed; the last: {}", errors_in_a_row_, r.detail),
            true);
    }
  }

  // ---- hybrid: a short coordinate descent around the best mapper after each LLM step ----

  void start_phase() {
    phase_.reset();
    if (best_s_ == kInf || setup_.hybrid_evaluations == 0) return;
    dsl::Diagnostics diags;
    auto space = std::make_unique<search::Space>(
        search::Space::build(*setup_.app, *setup_.machine, best_text_, diags, "best.mapping"));
    if (!space->has_expert()) return;  // the best does not check as a base (cannot happen)
    Phase p;
    p.base_number = best_number_;
    p.base_s = best_s_;
    p.base_eval = best_eval_;
    p.optimizer = search::make_optimizer("coordinate-descent", *space, space->expert_point(), rng_,
                                         setup_.hybrid_evaluations);
    p.space = std::move(space);
    phase_ = std::move(p);
  }

  std::vector<search::Candidate> classical_ask(std::size_t n) {
    Phase& p = *phase_;
    std::vector<search::Candidate> out;
    if (p.tried < setup_.hybrid_evaluations) {
      const std::size_t k = std::min(n, setup_.hybrid_evaluations - p.tried);
      p.asked = p.optimizer->ask(k);
      if (!p.started) {
        // Coordinate descent first evaluates where it starts: the base, whose time is known.
        p.started = true;
        if (p.asked.size() == 1 && p.asked[0].point == p.space->expert_point()) {
          p.optimizer->tell(p.asked, {p.base_s});
          p.asked = p.optimizer->ask(k);
        }
      }
      for (const search::Candidate& c : p.asked)
        out.push_back(search::Candidate{{}, kClassical, p.space->render(c.point)});
      p.tried += out.size();
    }
    if (out.empty()) end_phase();
    return out;
  }

  void classical_tell(const std::vector<search::Told>& told) {
    Phase& p = *phase_;
    std::vector<double> times;
    for (std::size_t i = 0; i < told.size(); ++i) {
      const search::Told& t = told[i];
      times.push_back(t.time_s);
      // What it tried, for the model: the changes against the base and the outcome.
      std::string what = p.space->describe(p.asked[i].point);
      what = what.substr(what.find('\n') + 1);  // the first line is the base
      for (char& c : what)
        if (c == '\n') c = ';';
      if (!what.empty() && what.back() == ';') what.pop_back();
      p.tried_lines.push_back(
          fmt::format("- #{} {}: {}", t.number, what.empty() ? "(no change)" : what,
                      t.repeat     ? fmt::format("the same as #{}", t.number)
                      : t.eval->ok ? time_against(t.time_s, p.base_s) + " per iteration"
                                   : "fails: " + t.eval->failure));
      if (t.repeat || !t.eval->ok) continue;
      if (!(p.best_s == kInf || search::better(*t.eval, p.best_eval))) continue;
      if (!search::better(*t.eval, p.base_eval)) continue;
      p.best_s = t.time_s;
      p.best_eval = *t.eval;
      p.best_number = t.number;
      p.best_text = *t.mapper;
      p.best_point = p.asked[i].point;
      p.best_feedback = evaluation_feedback(*t.eval, baseline(t.mapper), *setup_.app);
      if (beats_best(t))
        adopt_with(t, fmt::format("coordinate descent around #{}", p.base_number), p.best_feedback);
    }
    p.optimizer->tell(p.asked, times);
    if (p.tried >= setup_.hybrid_evaluations) end_phase();
  }

  /// Shows the classical search's outcome to the model as a history entry: what it tried, and
  /// its best.
  void end_phase() {
    Phase& p = *phase_;
    HistoryEntry e;
    const std::string tried =
        fmt::format("Coordinate descent tried, each a change of #{} ({} per iteration):\n{}\n",
                    p.base_number, time_text(p.base_s), join(p.tried_lines, "\n"));
    if (p.best_number) {
      e.number = p.best_number;
      e.source = fmt::format("coordinate descent around #{} (the best of {} mappers)",
                             p.base_number, p.tried);
      e.mapper = p.best_text;
      e.feedback = p.best_feedback;
      e.feedback.explanation = tried + e.feedback.explanation;
    } else {
      e.source = fmt::format("coordinate descent around #{}", p.base_number);
      e.feedback.outcome =
          fmt::format("none of the {} mappers the coordinate descent tried around #{} is faster",
                      p.tried, p.base_number);
      e.feedback.explanation = tried;
      e.feedback.suggestion =
          "Changing one decision at a time did not help: change several at once, or try another "
          "index map.";
    }
    history_.push_back(std::move(e));
    phase_.reset();
  }

  struct Phase {
    std::unique_ptr<search::Space> space;  // the optimizer refers to it: kept at one address
    std::unique_ptr<search::Optimizer> optimizer;
    std::vector<search::Candidate> asked;  // the points of the batch in flight
    std::size_t tried = 0;
    bool started = false;
    std::size_t base_number = 0;
    double base_s = kInf;
    search::Evaluation base_eval;
    std::size_t best_number = 0;
    double best_s = kInf;
    search::Evaluation best_eval;
    std::vector<std::string> tried_lines;
    std::string best_text;
    search::Point best_point;
    Feedback best_feedback;
  };

  LlmSetup setup_;
  bool hybrid_;
  search::Rng rng_;
  Agent agent_;
  std::string llm_origin_;
  LlmStats stats_;
  bool start_seen_ = false;
  std::optional<double> expert_s_, default_s_;
  std::string default_failure_;
  std::string best_text_, best_label_;
  search::Evaluation best_eval_;
  std::size_t best_number_ = 0;
  double best_s_ = kInf;
  Feedback best_feedback_;
  std::vector<HistoryEntry> history_;
  search::StepRecord pending_;
  std::vector<search::StepRecord> steps_;
  std::size_t errors_in_a_row_ = 0;
  std::optional<Phase> phase_;
};

}  // namespace

std::unique_ptr<LlmOptimizer> make_llm_optimizer(std::string_view kind, const LlmSetup& setup,
                                                 search::Rng& rng) {
  MAPSMITH_ASSERT(setup.client && setup.app && setup.machine);
  MAPSMITH_ASSERT(kind == "llm" || kind == "hybrid");
  return std::make_unique<LlmSearch>(setup, kind == "hybrid", rng.split());
}

}  // namespace mapsmith::agent
