#include "report/report.h"

#include <fmt/format.h>

#include <memory>

#include "dsl/checker.h"
#include "dsl/parser.h"
#include "mapping/check_against.h"
#include "mapping/decide.h"
#include "report/run.h"

namespace mapsmith::report {

namespace {

/// A mapper parsed, checked and decided; the mapping points into the program, kept alive here.
struct Compiled {
  std::unique_ptr<dsl::Program> program;
  dsl::ProgramInfo info;
  std::optional<mapping::Mapping> mapping;
  std::string failure;
};

std::string one_line(const dsl::Diagnostic& d) {
  return d.line ? fmt::format("line {}: {}", d.line, d.message) : d.message;
}

std::unique_ptr<Compiled> compile(const MapperSource& s, const app::App& a,
                                  const machine::Machine& m) {
  auto c = std::make_unique<Compiled>();
  dsl::Diagnostics diags;
  if (!s.default_policy) {
    c->program = std::make_unique<dsl::Program>(dsl::parse_string(s.text, diags, s.label));
    if (!diags.has_errors()) c->info = dsl::check(*c->program, diags);
    if (!diags.has_errors()) mapping::check_against(*c->program, c->info, &m, &a, diags);
  }
  if (!diags.has_errors())
    c->mapping = mapping::decide(a, m, c->program.get(), c->program ? &c->info : nullptr, diags);
  for (const dsl::Diagnostic& d : diags.all())
    if (d.severity == dsl::Severity::Error && c->failure.empty()) c->failure = one_line(d);
  if (!c->mapping && c->failure.empty()) c->failure = "the mapper cannot be decided";
  return c;
}

/// What a bar's tooltip says.
std::string bar_tip(const Bar& b, const RunFacts& f, const app::App& a, const machine::Machine& m,
                    const mapping::Mapping& mapping) {
  if (b.kind == BarKind::Task || b.kind == BarKind::Inner) {
    const TaskRec& t = f.tasks[b.id];
    const auto& pt = mapping.launches[t.decision].points[t.point].point;
    std::string p;
    for (std::size_t i = 0; i < pt.size(); ++i)
      p += fmt::format("{}{}", i ? "," : "(", pt[i]);
    if (!p.empty()) p += ")";
    const std::string waited =
        fmt::format("waited {} for its inputs, then {} for the processor",
                    sim::time_text(t.ready - t.issued), sim::time_text(t.start - t.ready));
    return fmt::format("{}{}{} on {}: {} from {} ({}{}){}", a.tasks[t.task].name,
                       p.empty() ? "" : " ", p, m.name_of(machine::ProcId{t.proc}),
                       sim::time_text(t.end - t.start), sim::time_text(t.start), waited,
                       t.inner ? "; inner task" : "", b.critical ? "; on the critical path" : "");
  }
  const CopyRec& c = f.copies[b.id];
  if (c.instance >= f.tasks.size())  // made for the task the run failed at
    return fmt::format("copy {} -> {}, {}", m.name_of(machine::MemId{c.src}),
                       m.name_of(machine::MemId{c.dst}), sim::bytes_text(c.bytes));
  const app::TaskId task = f.tasks[c.instance].task;
  const auto& args =
      a.launches[mapping.launches[f.tasks[c.instance].decision].launch].effective_args(
          a.tasks[task]);
  return fmt::format("{} {} for {}: {} {} -> {}, {} (holds the link {}){}",
                     c.reduction ? "fold" : "copy",
                     c.arg < args.size() ? args[c.arg].display_name() : std::to_string(c.arg),
                     a.tasks[task].name, sim::bytes_text(c.bytes), m.name_of(machine::MemId{c.src}),
                     m.name_of(machine::MemId{c.dst}), sim::time_text(c.end - c.start),
                     sim::time_text(c.link_time), b.critical ? "; on the critical path" : "");
}

/// Simulates one mapper and keeps what the sections need of its events.
MapperView simulate(const MapperSource& s, const Compiled& c, const app::App& a,
                    const machine::Machine& m, const BuildOptions& o, bool with_placement) {
  MapperView v;
  v.source = s;
  if (!c.mapping) {
    v.failure = c.failure;
    return v;
  }
  Recorder rec;
  sim::Options so;
  so.constants = o.constants;
  so.program = c.program.get();
  so.observers.push_back(&rec);
  const sim::Outcome out = sim::simulate(a, m, *c.mapping, so);
  v.ran = true;
  v.ok = out.ok;
  if (!out.ok && !out.failures.empty()) v.failure = one_line(out.failures.front());
  v.time_s = out.time_s;
  v.iteration_time_s = out.iteration_time_s;
  v.iterations = out.iterations;
  v.task_instances = out.task_instances;
  v.copies = out.copies;
  v.critical_path = out.critical_path;
  const RunFacts facts = adapt(rec.take(), out);
  v.chain_events = facts.critical_chain.size();
  v.timeline = build_timeline(facts, m, o.timeline);
  for (const Bar& b : v.timeline.bars)
    v.timeline.tips.push_back(bar_tip(b, facts, a, m, *c.mapping));
  v.by_task = time_by_task(facts);
  if (with_placement) v.placement = placement(a, *c.mapping, o.placement);
  return v;
}

std::string count_text(std::size_t n, const char* what) {
  return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s");
}

}  // namespace

ReportData build_report(const app::App& app, const machine::Machine& machine,
                        const std::vector<MapperSource>& mappers, const BuildOptions& options,
                        const StudyData* study, const search::Space* space) {
  ReportData r;
  r.app_name = app.name;
  r.machine_name = machine.name();
  std::vector<std::unique_ptr<Compiled>> compiled;
  for (const MapperSource& s : mappers) {
    compiled.push_back(compile(s, app, machine));
    const bool placed = s.role == "best" || s.role == "expert";
    if (s.role == "expert") r.expert = r.mappers.size();
    r.mappers.push_back(simulate(s, *compiled.back(), app, machine, options, placed));
  }

  // What changed between the expert and the best.
  if (r.expert && !r.mappers.empty() && *r.expert != 0) {
    const MapperView& best = r.mappers.front();
    const MapperView& expert = r.mappers[*r.expert];
    r.best_lines = split_lines(best.source.text);
    r.expert_lines = split_lines(expert.source.text);
    r.diff = line_diff(r.expert_lines, r.best_lines);
    const Compiled& cb = *compiled.front();
    const Compiled& ce = *compiled[*r.expert];
    if (best.source.text == expert.source.text && !best.source.default_policy) {
      r.changes_note = "The best mapper is the expert mapper: nothing changed.";
    } else if (!cb.mapping || !ce.mapping) {
      r.changes_note =
          "One of the two mappers cannot be decided, so their decisions cannot be "
          "compared: " +
          (cb.mapping ? ce.failure : cb.failure);
    } else if (!comparable(*ce.mapping, *cb.mapping)) {
      r.changes_note =
          "The two mappings decide different launches, so their decisions cannot be "
          "swapped one at a time.";
    } else {
      r.changes = decision_changes(app, *ce.mapping, *cb.mapping);
      // Measure the changes of the tasks that take the most time first (the main loop's).
      std::vector<double> weight(app.tasks.size(), 0.0);
      for (const MapperView* v : {&best, &expert})
        for (const TaskTime& t : v->by_task.tasks)
          weight[t.task] += t.compute + t.copy + t.waiting + t.overhead;
      std::stable_sort(r.changes.begin(), r.changes.end(), [&](const Change& x, const Change& y) {
        return weight[x.task] > weight[y.task];
      });
      if (r.changes.empty())
        r.changes_note = "The two programs differ in text only: every decision is the same.";
      evaluate_changes(r.changes, app, machine, *ce.mapping, *cb.mapping, options.constants,
                       options.swaps, options.threads);
      if (r.changes.size() > options.swaps)
        r.notes.push_back(
            fmt::format("What changed: {} of the {} differing decisions were measured by swapping "
                        "(--swaps {}).",
                        options.swaps, r.changes.size(), options.swaps));
    }
  } else if (!r.expert) {
    r.changes_note = "There is no expert mapper to compare with.";
  }

  if (study) r.search = search_view(*study, space, &app, options.search);

  // What the report approximates.
  for (const MapperView& v : r.mappers) {
    if (v.timeline.binned)
      r.notes.push_back(
          fmt::format(
              "Timeline of the {}: {} bars, more than {}: each row is drawn as {} buckets of {}; a "
              "bucket's shade is the share of it the row was busy and its colour the task that "
              "kept "
              "it busiest; the critical path is marked on the buckets it passes through. Zooming "
              "magnifies the buckets; `mapsmith simulate --trace` writes every event for Perfetto.",
              v.source.label, v.timeline.events, options.timeline.max_bars,
              v.timeline.buckets_per_row,
              sim::time_text(v.timeline.span_s / v.timeline.buckets_per_row)) +
          (v.timeline.grouped_rows
               ? fmt::format(" {} rows busy less than 1% of the run are gathered into one row per "
                             "node and kind.",
                             v.timeline.grouped_rows)
               : std::string()));
    std::size_t sampled = 0;
    for (const PlacementGrid& g : v.placement.grids)
      sampled += g.step > 1 ? 1 : 0;
    if (sampled)
      r.notes.push_back(fmt::format(
          "Placement of the {}: {} with more than {} points show every s-th point along each "
          "dimension (s is given with each).",
          v.source.label, count_text(sampled, "launch"), options.placement.max_points));
    if (v.placement.decisions_left_out)
      r.notes.push_back(fmt::format(
          "Placement of the {}: launches made by inner tasks show their first {} decisions; {} "
          "more are left out.",
          v.source.label, options.placement.max_decisions, v.placement.decisions_left_out));
  }
  if (r.search) {
    std::size_t out = 0;
    for (const RunCurve& c : r.search->runs)
      out += c.sampled_out;
    if (out)
      r.notes.push_back(fmt::format(
          "The search: {} of the evaluated mappers are not drawn as points (every k-th is, and "
          "every improvement); the curves of the best so far are exact.",
          out));
    r.notes.push_back(
        "The search: a run's curve shows the mappers it evaluated itself. A mapper it found in "
        "the database, evaluated earlier by another run, is stored once, under that run "
        "(docs/results-db.md), so a later run's curve can have gaps where it reused results.");
  }
  return r;
}

}  // namespace mapsmith::report
