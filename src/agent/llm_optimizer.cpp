#include "agent/llm_optimizer.h"

#include <fmt/format.h>

#include <limits>
#include <optional>
#include <utility>

#include "agent/feedback.h"
#include "agent/prompt.h"
#include "search/space.h"
#include "util/error.h"

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
    }
    for (const search::Told& t : refs)
      if (t.mapper && !start_seen_ && *t.mapper == setup_.start_text) {
        start_seen_ = true;
        adopt(t, setup_.start_name, /*force=*/true);
      }
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
      adopt(told.front(), setup_.start_name, /*force=*/true);
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
      e.feedback = evaluation_feedback(*t.eval, baseline(), *setup_.app);
      if (t.eval->ok && t.time_s < best_s_) adopt_with(t, e.source, e.feedback);
    }
    history_.push_back(std::move(e));
    pending_.number = static_cast<std::int64_t>(t.number);
    steps_.push_back(pending_);
    if (hybrid_) start_phase();
  }

  std::vector<search::StepRecord> take_steps() override { return std::exchange(steps_, {}); }

 private:
  static constexpr const char* kClassical = "hybrid/coordinate-descent";

  Baseline baseline() const {
    Baseline b;
    if (best_s_ < kInf) b.best_s = best_s_;
    b.expert_s = expert_s_;
    return b;
  }

  /// Makes `t` the best mapper (the start always; any other only when it is faster).
  void adopt(const search::Told& t, const std::string& source, bool force) {
    if (!t.mapper || !t.eval) return;
    if (!force && !(t.eval->ok && t.time_s < best_s_)) return;
    Baseline b = baseline();
    if (t.origin == "expert") b.expert_s.reset();  // not compared with itself
    adopt_with(t, source, evaluation_feedback(*t.eval, b, *setup_.app));
  }
  void adopt_with(const search::Told& t, const std::string& source, const Feedback& f) {
    best_text_ = *t.mapper;
    best_number_ = t.number;
    best_s_ = t.eval->ok ? t.time_s : kInf;
    best_label_ = fmt::format("#{}, {}", t.number, source);
    best_feedback_ = f;
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
      if (t.repeat || !t.eval->ok || t.time_s >= p.best_s || t.time_s >= p.base_s) continue;
      p.best_s = t.time_s;
      p.best_number = t.number;
      p.best_text = *t.mapper;
      p.best_point = p.asked[i].point;
      p.best_feedback = evaluation_feedback(*t.eval, baseline(), *setup_.app);
      if (t.time_s < best_s_)
        adopt_with(t, fmt::format("coordinate descent around #{}", p.base_number), p.best_feedback);
    }
    p.optimizer->tell(p.asked, times);
    if (p.tried >= setup_.hybrid_evaluations) end_phase();
  }

  /// Shows the classical search's outcome to the model as a history entry.
  void end_phase() {
    Phase& p = *phase_;
    HistoryEntry e;
    if (p.best_number) {
      e.number = p.best_number;
      e.source = fmt::format("coordinate descent around #{} (the best of {} mappers)",
                             p.base_number, p.tried);
      e.mapper = p.best_text;
      e.feedback = p.best_feedback;
      e.feedback.explanation = "It changes #" + std::to_string(p.base_number) + ":\n" +
                               p.space->describe(p.best_point) + e.feedback.explanation;
    } else {
      e.source = fmt::format("coordinate descent around #{}", p.base_number);
      e.feedback.outcome =
          fmt::format("none of the {} mappers the coordinate descent tried around #{} is faster",
                      p.tried, p.base_number);
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
    std::size_t best_number = 0;
    double best_s = kInf;
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
  std::string best_text_, best_label_;
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
