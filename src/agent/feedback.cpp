#include "agent/feedback.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <vector>

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

/// The simulator's findings ("kind: sentence" lines, see SimEvaluator) as (kind, sentence); a
/// line without a tag has an empty kind.
std::vector<std::pair<std::string, std::string>> findings(const std::string& feedback) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t at = 0; at < feedback.size();) {
    std::size_t nl = feedback.find('\n', at);
    if (nl == std::string::npos) nl = feedback.size();
    const std::string line = feedback.substr(at, nl - at);
    at = nl + 1;
    const std::size_t colon = line.find(": ");
    const std::string kind = colon == std::string::npos ? "" : line.substr(0, colon);
    const bool tagged =
        !kind.empty() && kind.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos;
    if (tagged)
      out.emplace_back(kind, line.substr(colon + 2));
    else if (!line.empty())
      out.emplace_back("", line);
  }
  return out;
}

/// The share of compute on the critical path ("... is 99% compute, ..."), if stated.
std::optional<int> compute_share(const std::string& sentence) {
  const std::size_t at = sentence.find("% compute");
  if (at == std::string::npos) return std::nullopt;
  std::size_t from = at;
  while (from > 0 && std::isdigit(static_cast<unsigned char>(sentence[from - 1])))
    --from;
  if (from == at) return std::nullopt;
  return std::atoi(sentence.substr(from, at - from).c_str());
}

std::string success_suggestion(const std::string& feedback) {
  const auto fs = findings(feedback);
  std::optional<int> compute;
  std::string first;  // the first finding after the critical path
  bool idle = false;
  for (const auto& [kind, sentence] : fs) {
    if (kind == "critical_path") compute = compute_share(sentence);
    if (kind == "idle_processors") idle = true;
    if (first.empty() && !kind.empty() && kind != "critical_path") first = kind;
  }
  if (compute && *compute >= 90 && idle)
    return "Compute dominates the critical path and some processors are idle: spread the "
           "expensive index launches over every processor of the kind that runs them (an "
           "IndexTaskMap over the whole machine space), and balance their points.";
  if (compute && *compute >= 90)
    return "Compute dominates the critical path: keep the expensive tasks on the fastest "
           "processors and balance their points evenly; place data where the task that uses it "
           "reads it fastest (for a GPU, its framebuffer rather than zero-copy memory).";
  if (first == "large_copies")
    return "Copies take a large share: put the region argument named above in the memory of the "
           "processor that uses it, or map the tasks that produce and consume it to the same "
           "processor.";
  if (first == "busy_channel")
    return "A channel is the bottleneck: keep the data that crosses it next to the task that "
           "uses it, or move that task to where the data lives.";
  if (idle)
    return "Some processors are idle: spread index launches over all processors of their kind.";
  return "Change one decision of the best mapper at a time: the processor kind, the memory or "
         "the index map of the most expensive task.";
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

Feedback evaluation_feedback(const search::Evaluation& e, const Baseline& base,
                             const app::App& app) {
  Feedback f;
  if (!e.ok) {
    f.outcome = "fails: " + e.failure;
    f.explanation = bounded(e.feedback);
    f.suggestion = failure_suggestion(e.failure, e.feedback, app);
    return f;
  }
  f.outcome = time_text(e.time_s) + " per iteration";
  std::vector<std::string> notes;
  if (base.expert_s && e.time_s > 0)
    notes.push_back(fmt::format("{:.3f}x as fast as the expert mapper", *base.expert_s / e.time_s));
  if (!base.best_s || e.time_s < *base.best_s)
    notes.push_back("the best so far");
  else if (e.time_s == *base.best_s)
    notes.push_back("as fast as the best so far");
  else
    notes.push_back(fmt::format("the best so far takes {}", time_text(*base.best_s)));
  f.outcome += fmt::format(" ({})", join(notes, "; "));
  std::string text;
  for (const auto& [kind, sentence] : findings(e.feedback))
    text += sentence + '\n';
  f.explanation = bounded(text);
  f.suggestion = success_suggestion(e.feedback);
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
