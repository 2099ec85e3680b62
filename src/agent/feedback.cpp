#include "agent/feedback.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "agent/analysis.h"
#include "search/tune.h"
#include "sim/sim.h"
#include "util/strings.h"

namespace mapsmith::agent {

namespace {

constexpr std::size_t kMaxExplanation = 1500;

bool has(std::string_view text, std::string_view word) {
  return text.find(word) != std::string_view::npos;
}

/// `text` cut to `max` bytes at a line end when possible, with a note of what was left out.
std::string bounded(const std::string& text, std::size_t max = kMaxExplanation) {
  if (text.size() <= max) return text;
  std::size_t cut = text.rfind('\n', max);
  if (cut == std::string::npos || cut < max / 2) cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  return text.substr(0, cut) + fmt::format("\n[... {} more bytes]\n", text.size() - cut);
}

/// The first "hint: ..." of rendered diagnostics, without the prefix.
std::string first_hint(const std::string& feedback) {
  std::size_t at = feedback.find("hint: ");
  if (at == std::string::npos || (at > 0 && feedback[at - 1] != '\n')) return {};
  at += 6;
  return feedback.substr(at, feedback.find('\n', at) - at);
}

std::string task_list(const app::App& app) {
  std::string out;
  for (const app::Task& t : app.tasks)
    out += fmt::format("{}{}", out.empty() ? "" : ", ", t.name);
  return out;
}

}  // namespace

std::string time_text(double s) {
  return sim::time_text(s, 4);
}

std::string failure_suggestion(const std::string& failure, const std::string& feedback,
                               const app::App& app) {
  const std::string both = failure + "\n" + feedback;
  std::string rule;
  if (has(both, "out of memory"))
    rule =
        "Put that region argument in a larger memory (ZCMEM or SYSMEM), give it a fallback "
        "(Region T R GPU FBMEM,ZCMEM;), or free instances sooner (CollectMemory T R; "
        "InstanceLimit T 1;).";
  else if (has(both, "unknown task"))
    rule = fmt::format("Name only the application's tasks: {}.", task_list(app));
  else if (has(both, "unknown region"))
    rule =
        "Name a region argument by its region, its partition or its root region as the "
        "application's launches list them, or by its 0-based index.";
  else if (has(both, "variant needs"))
    rule =
        "A variant's layout requirement cannot be broken: give the task's instances the "
        "layout it needs.";
  else if (has(both, "has no") && has(both, "variant"))
    rule = "Run each task only on a processor kind it has a variant for (see the tasks above).";
  else if (has(both, "cannot address"))
    rule =
        "A processor can only use memories it reaches: a GPU reaches FBMEM and ZCMEM, not "
        "SYSMEM.";
  else if (has(both, "out of range"))
    rule = "Index machine spaces within their size: take each coordinate modulo m.size[d].";
  else if (has(both, "expected") || has(both, "missing") || has(both, "unexpected"))
    rule =
        "Write only statements of the mapping language, as the reference shows; every "
        "statement ends with ';'.";
  else
    rule =
        "Fix the error at the line shown, or go back to the best mapper and change one "
        "decision.";
  const std::string hint = first_hint(feedback);
  return hint.empty() ? rule : fmt::format("{} The checker's hint: {}.", rule, hint);
}

namespace {

/// "+1.20 ms", "-350 µs", "no change".
std::string delta_text(double d, double scale) {
  if (std::fabs(d) <= 1e-3 * scale) return "no change";
  return (d > 0 ? "+" : "-") + time_text(std::fabs(d));
}

/// The tasks launched inside the timed loop (placements the program waits for included).
std::vector<std::string> loop_tasks(const app::App& app) {
  std::vector<std::string> out;
  const app::App::Timed t = app.timed_region();
  if (!t.loop) return out;
  std::vector<const app::Step*> todo;
  for (const app::Step& s : t.loop->body)
    todo.push_back(&s);
  while (!todo.empty()) {
    const app::Step* s = todo.back();
    todo.pop_back();
    for (const app::Step& b :
         s->kind == app::Step::Kind::Loop ? s->body : app.launches[s->launch].body)
      todo.push_back(&b);
    if (s->kind == app::Step::Kind::Launch)
      out.push_back(app.task(app.launches[s->launch].task).name);
  }
  return out;
}

/// The part of the critical path that is `task`'s: its bodies, the copies into its arguments and
/// its waits.
double critical_of_task(const RunFacts& f, const std::string& task) {
  double sum = 0;
  for (const CriticalPart& c : f.critical)
    if (c.task == task) sum += c.seconds;
  return sum;
}

/// The time a changed decision moved: its task's part of the critical path (bodies, copies into
/// its arguments, waits) against the best's; for a task with no part in either (a placement the
/// program waits for before the timed steps), how much the iteration moved.
std::string moved_text(const std::string& task, const RunFacts& facts, const RunFacts& best,
                       const search::Evaluation& e, const search::Evaluation& b) {
  const double now = critical_of_task(facts, task), was = critical_of_task(best, task);
  if (now == 0 && was == 0)
    return fmt::format(" -> {} off the critical path; the iteration {}", task,
                       delta_text(e.time_s - b.time_s, e.time_s));
  return fmt::format(" -> {} {} ({})", task, time_text(now), delta_text(now - was, e.time_s));
}

/// The suggestion, each rule only when the candidate's own numbers meet its precondition.
std::string success_suggestion(const search::Evaluation& e, const RunFacts& facts,
                               const RunFacts* best, const std::vector<TaskDecisions>* decisions,
                               const std::vector<DecisionChange>& changes, bool slower) {
  const double it = e.time_s;
  auto decided = [&](const std::string& task) -> const TaskDecisions* {
    if (!decisions) return nullptr;
    for (const TaskDecisions& d : *decisions)
      if (d.task == task) return &d;
    return nullptr;
  };
  // 1. Slower than the best: the change that cost the most, if a changed task got slower.
  if (slower && best) {
    std::string worst;
    double rise = 0;
    for (const DecisionChange& c : changes) {
      const TaskRow* now = facts.task(c.task);
      const TaskRow* was = best->task(c.task);
      const double d = (now ? now->critical + now->busy * now->points : 0) -
                       (was ? was->critical + was->busy * was->points : 0);
      if (d > rise) {
        rise = d;
        worst = c.text;
      }
    }
    if (rise > 1e-3 * it)
      return fmt::format(
          "Undo this change, it made its task slower ({} per iteration, busy and critical time "
          "together): {}.",
          delta_text(rise, it), worst);
  }
  if (facts.critical.empty())
    return "Change one decision of the best mapper at a time: the processor kind, the memory or "
           "the index map of the most expensive task.";
  // The largest part; when task bodies are under half of the iteration, the largest copy or
  // wait leads instead (the kernels' own time is not what a mapper changes most).
  const CriticalPart* lead = &facts.critical.front();
  if (lead->kind == "task" && lead->seconds < 0.5 * it)
    for (const CriticalPart& c : facts.critical)
      if (c.kind != "task" && c.seconds >= 0.15 * it) {
        lead = &c;
        break;
      }
  const CriticalPart& top = *lead;
  const double share = it > 0 ? top.seconds / it : 0;
  const TaskDecisions* td = decided(top.task);
  if (top.kind == "copy" && share >= 0.15)
    return fmt::format(
        "Copies into {} argument {} take {} of the {} per iteration on the critical path: make "
        "that data already be where {}'s points run. Place the launch that writes it on the same "
        "processors as the {} points that read it (the same index-map function, with the pieces "
        "of both launches in mind), or map {}'s points to where that data is.",
        top.task, top.arg, time_text(top.seconds), time_text(it), top.task, top.task, top.task);
  if (top.kind == "wait" && share >= 0.15) {
    if (td && td->procs_used < td->points && td->procs_used < td->procs_available)
      return fmt::format(
          "{} waits {} per iteration for busy processors: its {} points share {} of the {} "
          "{} processors. Spread them over all of them.",
          top.task, time_text(top.seconds), td->points, td->procs_used, td->procs_available,
          to_string(td->kind));
    return fmt::format(
        "{} waits {} per iteration (of {}) for a processor or channel that other work holds: "
        "move it, or the work it waits behind, to other processors or memories.",
        top.task, time_text(top.seconds), time_text(it));
  }
  if (top.kind == "task" && share >= 0.5 && td) {
    if (!td->host_args.empty())
      return fmt::format(
          "{} takes {} of the {} per iteration on the critical path and its GPU reads {} from "
          "host memory over PCIe: keep them in its framebuffer (FBMEM).",
          top.task, time_text(top.seconds), time_text(it), join(td->host_args, ", "));
    const std::size_t can = std::min(td->points, td->procs_available);
    if (td->procs_used < can)
      return fmt::format(
          "{} takes {} of the {} per iteration and its {} points run on only {} of the {} {} "
          "processors: spread them over {} processors.",
          top.task, time_text(top.seconds), time_text(it), td->points, td->procs_used,
          td->procs_available, to_string(td->kind), can);
    const double rest = it - top.seconds;
    if (rest <= 0.02 * it)
      return fmt::format(
          "{}'s own computation is {} of the {} per iteration and its {} points already run on "
          "{} different processors: this mapper is within 2% of that bound, little is left to "
          "gain; only a change elsewhere that does not slow {} can help.",
          top.task, time_text(top.seconds), time_text(it), td->points, td->procs_used, top.task);
    const std::string next = facts.critical.size() > 1 ? facts.critical[1].label() : "";
    return fmt::format(
        "{}'s own computation is {} of the {} per iteration, with its {} points on {} different "
        "processors already; the other {} is where to gain{}.",
        top.task, time_text(top.seconds), time_text(it), td->points, td->procs_used,
        time_text(rest), next.empty() ? "" : fmt::format(" (first: {})", next));
  }
  return fmt::format(
      "The largest part of the critical path is {} ({} of {} per iteration): change the "
      "decisions of {} (its processors, the memory of its arguments) first.",
      top.label(), time_text(top.seconds), time_text(it), top.task);
}

}  // namespace

Feedback evaluation_feedback(const search::Evaluation& e, const Baseline& base,
                             const app::App& app) {
  Feedback f;
  if (!e.ok) {
    f.outcome = "fails: " + e.failure;
    f.explanation = bounded(e.feedback);
    f.suggestion = failure_suggestion(e.failure, e.feedback, app);
    return f;
  }
  const RunFacts facts = read_facts(e.feedback);
  const bool have_best = base.best && base.best->ok;
  const RunFacts best_facts = have_best ? read_facts(base.best->feedback) : RunFacts{};
  const std::string best_name =
      base.best_number ? fmt::format("#{}", base.best_number) : std::string("the previous best");
  // The outcome, with the digits that tell it from the best and how a tie was broken.
  f.outcome =
      (base.best_s ? time_against(e.time_s, *base.best_s) : time_text(e.time_s)) + " per iteration";
  std::vector<std::string> notes;
  if (base.expert_s && e.time_s > 0)
    notes.push_back(fmt::format("{:.4f}x as fast as the expert mapper", *base.expert_s / e.time_s));
  bool slower = false;
  if (!base.best_s) {
    notes.push_back("the best so far");
  } else if (have_best && search::tied(e.time_s, base.best->time_s)) {
    const std::string runs =
        fmt::format("whole run {} against {}", time_against(e.run_time_s, base.best->run_time_s),
                    time_against(base.best->run_time_s, e.run_time_s));
    if (search::better(e, *base.best))
      notes.push_back(fmt::format(
          "a tie with {} per iteration (within 0.0001%), broken by the shorter whole run ({}): "
          "the new best so far",
          best_name, runs));
    else if (search::tied(e.run_time_s, base.best->run_time_s))
      notes.push_back(fmt::format(
          "a tie with {} per iteration and over the whole run ({}): {}, found first, stays the "
          "best",
          best_name, runs, best_name));
    else
      notes.push_back(fmt::format(
          "a tie with {} per iteration (within 0.0001%), broken by the whole run ({}): {} stays "
          "the best",
          best_name, runs, best_name));
  } else if (e.time_s < *base.best_s) {
    notes.push_back(fmt::format("the best so far; {} took {}", best_name,
                                time_against(*base.best_s, e.time_s)));
  } else {
    slower = true;
    notes.push_back(fmt::format("slower than the best so far{}, which takes {} ({:+.2f}%)",
                                base.best_number ? ", " + best_name : std::string(),
                                time_against(*base.best_s, e.time_s),
                                100.0 * (e.time_s / *base.best_s - 1)));
  }
  f.outcome += fmt::format(" ({})", join(notes, "; "));

  // The explanation: the run, its tasks, its critical path, what changed.
  std::string text;
  for (const auto& [kind, sentence] : facts.sentences)
    // The whole run's counts say little about the timed region: the rows below do.
    if (kind.empty() && sentence.find(" task instances, ") == std::string::npos)
      text += sentence + '\n';
  if (!facts.tasks.empty()) {
    std::vector<TaskRow> rows = facts.tasks;
    std::stable_sort(rows.begin(), rows.end(), [](const TaskRow& a, const TaskRow& b) {
      return a.critical + a.busy * a.points > b.critical + b.busy * b.points;
    });
    text += fmt::format("Tasks of the timed region, per iteration{}:\n",
                        have_best ? fmt::format(" (in brackets: {})", best_name) : "");
    constexpr std::size_t kRows = 6;
    for (std::size_t i = 0; i < rows.size() && i < kRows; ++i) {
      const TaskRow& r = rows[i];
      const TaskRow* b = have_best ? best_facts.task(r.task) : nullptr;
      std::string line =
          fmt::format("- {}: {:g} points, {} each", r.task, r.points, time_text(r.busy));
      if (b && std::fabs(b->busy - r.busy) > 0.005 * r.busy)
        line += fmt::format(" [{}]", time_text(b->busy));
      if (r.queued > 0) line += fmt::format(", queued {} each", time_text(r.queued));
      line += fmt::format(", {} on the critical path", time_text(r.critical));
      if (b && std::fabs(b->critical - r.critical) > 1e-3 * e.time_s)
        line += fmt::format(" [{}]", time_text(b->critical));
      text += line + '\n';
    }
    if (rows.size() > kRows)
      text += fmt::format("({} smaller tasks left out)\n", rows.size() - kRows);
  }
  if (!facts.critical.empty()) {
    std::vector<std::string> parts;
    constexpr std::size_t kParts = 5;
    for (std::size_t i = 0; i < facts.critical.size() && i < kParts; ++i) {
      const CriticalPart& c = facts.critical[i];
      std::string p = fmt::format("{} {}", c.label(), time_text(c.seconds));
      if (have_best) {
        const double was = best_facts.critical_of(c.label());
        if (was == 0)
          p += " [new]";
        else if (std::fabs(was - c.seconds) > 1e-3 * e.time_s)
          p += fmt::format(" [{}]", time_text(was));
      }
      parts.push_back(p);
    }
    if (have_best)
      for (const CriticalPart& c : best_facts.critical)
        if (facts.critical_of(c.label()) == 0 && c.seconds > 0.01 * e.time_s)
          parts.push_back(fmt::format("{} 0 [{}]", c.label(), time_text(c.seconds)));
    text += fmt::format("Critical path of one iteration: {}.\n", join(parts, ", "));
  }
  std::optional<std::vector<TaskDecisions>> mine;
  std::vector<DecisionChange> changes;
  if (base.machine && base.candidate) mine = decisions_of(app, *base.machine, *base.candidate);
  if (mine && base.best_text && base.best_text != base.candidate) {
    if (auto theirs = decisions_of(app, *base.machine, *base.best_text)) {
      changes = decision_changes(*mine, *theirs);
      // The tasks of the timed region first: what decides the time; the others in one line.
      std::vector<DecisionChange> timed, other;
      std::vector<std::string> other_tasks;
      const std::vector<std::string> looped = loop_tasks(app);
      for (const DecisionChange& c : changes) {
        if (facts.task(c.task) || (have_best && best_facts.task(c.task)) ||
            std::find(looped.begin(), looped.end(), c.task) != looped.end()) {
          timed.push_back(c);
        } else {
          other.push_back(c);
          if (std::find(other_tasks.begin(), other_tasks.end(), c.task) == other_tasks.end())
            other_tasks.push_back(c.task);
        }
      }
      changes = timed;
      if (timed.empty() && other.empty()) {
        text += fmt::format("It decides everything as {} does.\n", best_name);
      } else {
        text += fmt::format(
            "What it decides differently from {} (-> the task's part of the critical path: body, "
            "copies into it, waits):\n",
            best_name);
        constexpr std::size_t kChanges = 8;
        for (std::size_t i = 0; i < timed.size() && i < kChanges; ++i)
          text += "- " + timed[i].text +
                  moved_text(timed[i].task, facts, best_facts, e, *base.best) + '\n';
        if (timed.size() > kChanges)
          text += fmt::format("({} more changes left out)\n", timed.size() - kChanges);
        if (!other.empty())
          text += fmt::format("- and {} decision{} of tasks outside the timed region ({})\n",
                              other.size(), other.size() == 1 ? "" : "s", join(other_tasks, ", "));
      }
    }
  }
  f.explanation = bounded(text, 2 * kMaxExplanation);
  f.suggestion = success_suggestion(e, facts, have_best ? &best_facts : nullptr,
                                    mine ? &*mine : nullptr, changes, slower);
  return f;
}

Feedback repeat_feedback(std::size_t number, double time_s) {
  Feedback f;
  f.outcome = std::isfinite(time_s) ? fmt::format("the same mapper as #{}: {} per iteration",
                                                  number, time_text(time_s))
                                    : fmt::format("the same mapper as #{}, which fails", number);
  f.explanation = "This program was evaluated before; nothing new was learned.";
  f.suggestion = "Propose a mapper that differs from every one above.";
  return f;
}

Feedback step_feedback(const std::string& outcome, const std::string& diagnostics,
                       const app::App& app) {
  Feedback f;
  f.outcome = outcome;
  f.explanation = diagnostics.empty() ? "Nothing was evaluated." : bounded(diagnostics);
  f.suggestion = diagnostics.empty() ? "Reply with one whole mapper in the format asked for."
                                     : failure_suggestion(outcome, diagnostics, app);
  return f;
}

}  // namespace mapsmith::agent
