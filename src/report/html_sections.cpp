// The HTML writer's later sections: placement, what changed, the search, the machine.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <ostream>
#include <set>

#include "report/html_detail.h"

namespace mapsmith::report::html {

namespace {

std::string bandwidth_text(double bytes_per_s) {
  return fmt::format("{:.3g} GB/s", bytes_per_s / 1e9);
}

std::string flops_text(double f) {
  return f >= 1e12 ? fmt::format("{:.3g} TFLOP/s", f / 1e12)
                   : fmt::format("{:.3g} GFLOP/s", f / 1e9);
}

// ---- Placement.

/// Where cell `c` of a grid is drawn, in cells: 1-D grids wrap at 32; higher dimensions draw
/// (dim 0, dim 1) slices side by side, in bands of slices when there are many.
struct GridLayout {
  std::int64_t cols = 1, rows = 1, c0 = 1, c1 = 1, per_band = 1;
  bool one_d = false;
  int px = 8;
  explicit GridLayout(const std::vector<std::int64_t>& shown, std::size_t n) {
    if (shown.size() <= 1) {
      one_d = true;
      c0 = std::max<std::int64_t>(1, std::min<std::int64_t>(static_cast<std::int64_t>(n), 32));
      c1 = 1;
      cols = c0;
      rows = (static_cast<std::int64_t>(n) + c0 - 1) / c0;
      per_band = 1;
    } else {
      c0 = shown[0];
      c1 = shown[1];
      const std::int64_t slices = static_cast<std::int64_t>(n) / std::max<std::int64_t>(1, c0 * c1);
      per_band = std::max<std::int64_t>(1, std::min<std::int64_t>(slices, 48 / (c0 + 1)));
      const std::int64_t bands = (slices + per_band - 1) / per_band;
      cols = per_band * (c0 + 1) - 1;
      rows = bands * (c1 + 1) - 1;
    }
    px = static_cast<int>(std::clamp<std::int64_t>(260 / std::max(cols, rows), 3, 16));
  }
  std::pair<std::int64_t, std::int64_t> at(std::int64_t c) const {
    if (one_d) return {c % c0, c / c0};
    const std::int64_t i0 = c % c0, i1 = (c / c0) % c1, s = c / (c0 * c1);
    return {(s % per_band) * (c0 + 1) + i0, (s / per_band) * (c1 + 1) + i1};
  }
};

std::vector<std::int64_t> cell_point(const PlacementGrid& g, std::size_t c) {
  std::vector<std::int64_t> p;
  auto rest = static_cast<std::int64_t>(c);
  for (std::int64_t e : g.shown) {
    p.push_back(rest % e * g.step);
    rest /= e;
  }
  return p;
}

void grid_svg(std::ostream& out, const PlacementGrid& g, const std::vector<std::uint32_t>& cells,
              bool procs, const machine::Machine& m, const std::string& caption,
              const std::string& mapper) {
  const GridLayout lay(g.shown, cells.size());
  std::size_t drawn = 0;
  for (std::uint32_t v : cells)
    drawn += v != PlacementGrid::kNoPoint ? 1 : 0;
  std::int64_t volume = 1;
  for (std::int64_t e : g.domain)
    volume *= e;
  out << fmt::format(
      "<figure><figcaption title=\"{}\">{}</figcaption><svg class=\"grid\" data-kind=\"{}\" "
      "data-mapper=\"{}\" data-cells=\"{}\" data-points=\"{}\" width=\"{}\" height=\"{}\">",
      esc(caption), esc(caption), procs ? "proc" : "mem", esc(mapper), drawn, volume,
      lay.cols * lay.px, lay.rows * lay.px);
  for (std::size_t c = 0; c < cells.size(); ++c) {
    const auto [x, y] = lay.at(static_cast<std::int64_t>(c));
    const std::uint32_t v = cells[c];
    if (v == PlacementGrid::kNoPoint) {
      out << fmt::format("<rect class=\"none\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
                         x * lay.px, y * lay.px, lay.px, lay.px);
      continue;
    }
    const std::string where = procs ? m.name_of(machine::ProcId{v}) : m.name_of(machine::MemId{v});
    out << fmt::format(
        "<rect class=\"pt {}{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{} &#8594; "
        "{}</title></rect>",
        procs ? "p" : "m", v, x * lay.px, y * lay.px, lay.px, lay.px, point_text(cell_point(g, c)),
        esc(where));
  }
  out << "</svg></figure>\n";
}

}  // namespace

void placement_section(std::ostream& out, const ReportData& r, const app::App& a,
                       const machine::Machine& m) {
  out << "<section id=\"placement\" class=\"sec\" data-section=\"placement\">\n<h2>3. "
         "Placement</h2>\n<p class=\"note\">For each index launch, its points (first dimension "
         "across, second down; a third and further dimensions as slices side by side) coloured by "
         "the processor each runs on (hue by processor, lighter on odd nodes), then per region "
         "argument the memory its instance is placed in (the mapping's first choice). Hover a "
         "point "
         "for its processor or memory.</p>\n";
  std::vector<const MapperView*> views;
  for (const MapperView& v : r.mappers)
    if (!v.placement.grids.empty()) views.push_back(&v);
  if (views.empty()) {
    out << "<p class=\"note\">No mapping to show (the mappers could not be decided), or the "
           "application has no index launch.</p>\n</section>\n";
    return;
  }
  std::set<std::uint32_t> procs, mems;
  for (const MapperView* v : views)
    for (const PlacementGrid& g : v->placement.grids) {
      for (std::uint32_t p : g.procs)
        if (p != PlacementGrid::kNoPoint) procs.insert(p);
      for (const auto& arg : g.memories)
        for (std::uint32_t x : arg)
          if (x != PlacementGrid::kNoPoint) mems.insert(x);
    }
  out << "<div class=\"legend\" id=\"placement-procs\">";
  for (std::uint32_t p : procs)
    out << fmt::format("<span class=\"lg\"><i class=\"p{}\"></i>{}</span>", p,
                       esc(m.name_of(machine::ProcId{p})));
  out << "</div>\n<div class=\"legend\" id=\"placement-mems\">";
  for (std::uint32_t x : mems)
    out << fmt::format("<span class=\"lg\"><i class=\"m{}\"></i>{}</span>", x,
                       esc(m.name_of(machine::MemId{x})));
  out << "</div>\n";
  // One block per grid of the first mapper, with the other mappers' grid of the same decision.
  for (const PlacementGrid& g : views.front()->placement.grids) {
    std::int64_t volume = 1;
    for (std::int64_t e : g.domain)
      volume *= e;
    std::string dom;
    for (std::int64_t e : g.domain)
      dom += (dom.empty() ? "" : " x ") + std::to_string(e);
    out << fmt::format(
        "<div class=\"pg\" data-task=\"{}\" data-launch=\"{}\" data-decision=\"{}\" "
        "data-points=\"{}\" data-step=\"{}\">\n<h3>{} &mdash; launch {}: {} points ({}){}{}</h3>\n",
        esc(a.tasks[g.task].name), g.launch, g.decision, volume, g.step, esc(a.tasks[g.task].name),
        g.launch, volume, dom,
        g.parent_point.empty() ? "" : ", launched by point " + point_text(g.parent_point),
        g.step > 1 ? fmt::format(", every {}th point along each dimension drawn", g.step) : "");
    for (const MapperView* v : views) {
      const PlacementGrid* mine = nullptr;
      for (const PlacementGrid& x : v->placement.grids)
        if (x.launch == g.launch && x.decision == g.decision) mine = &x;
      if (!mine) continue;
      out << fmt::format("<div class=\"pg-row\" data-mapper=\"{}\"><div class=\"who\">{}</div>\n",
                         esc(v->source.role), esc(v->source.role));
      grid_svg(
          out, *mine, mine->procs, true, m,
          fmt::format("processors ({}{})", to_string(mine->kind), mine->inner ? ", inner" : ""),
          v->source.role);
      for (std::size_t i = 0; i < mine->memories.size(); ++i)
        grid_svg(out, *mine, mine->memories[i], false, m,
                 fmt::format("arg {} {}{}", i, i < mine->arg_names.size() ? mine->arg_names[i] : "",
                             mine->inner ? " (no instance: inner)" : ""),
                 v->source.role);
      out << "</div>\n";
    }
    out << "</div>\n";
  }
  out << "</section>\n";
}

// ---- What changed.

namespace {

std::string delta(std::optional<double> t, double base, const std::string& failure) {
  if (!t)
    return "<span class=\"note\">" + esc(failure.empty() ? "not measured" : failure) + "</span>";
  const double d = *t - base;
  if (std::abs(d) <= 1e-6 * base) return "<span class=\"note\">no change</span>";
  const double pct = base > 0 ? 100.0 * d / base : 0.0;
  return fmt::format("<span class=\"{}\">{}{} ({}{:.2f}%)</span>", d < 0 ? "faster" : "slower",
                     d > 0 ? "+" : "&minus;", dur(std::abs(d)), d > 0 ? "+" : "&minus;",
                     std::abs(pct));
}

}  // namespace

void changes_section(std::ostream& out, const ReportData& r, const app::App& a) {
  out << "<section id=\"changes\" class=\"sec\" data-section=\"changes\">\n<h2>4. What "
         "changed</h2>\n";
  const MapperView* best = r.mappers.empty() ? nullptr : &r.mappers.front();
  const MapperView* expert = r.expert ? &r.mappers[*r.expert] : nullptr;
  if (!best || !expert) {
    out << "<p class=\"note\">" << esc(r.changes_note) << "</p>\n</section>\n";
    return;
  }
  out << fmt::format(
      "<p class=\"note\">The decisions where the {} differs from the {}, per task. Each is "
      "measured by swapping that one decision: <b>alone on the expert</b> is the expert mapping "
      "with this one decision of the best (its time per iteration against the expert's {}); "
      "<b>taken back from the best</b> is the best mapping with the expert's decision instead "
      "(against the best's {}). Decisions interact, so the parts need not add up to the whole "
      "gain.</p>\n",
      esc(best->source.label), esc(expert->source.label),
      expert->ok ? dur(expert->iteration_time_s) : std::string("(fails)"),
      best->ok ? dur(best->iteration_time_s) : std::string("(fails)"));
  if (!r.changes_note.empty()) out << "<p class=\"note\">" << esc(r.changes_note) << "</p>\n";
  if (!r.changes.empty()) {
    std::vector<const Change*> order;
    for (const Change& c : r.changes)
      order.push_back(&c);
    // The measured ones first, the largest gain on the expert first.
    const auto key = [](const Change* c) {
      return c->alone_s ? *c->alone_s : std::numeric_limits<double>::infinity();
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](const Change* x, const Change* y) { return key(x) < key(y); });
    out << fmt::format(
        "<table class=\"changes\" data-count=\"{}\"><tr><th>task</th><th>decision</th>"
        "<th>expert</th><th>best</th><th class=\"num\">alone on the expert</th><th "
        "class=\"num\">taken back from the best</th></tr>\n",
        r.changes.size());
    for (const Change* c : order) {
      const std::string what =
          c->aspect == Aspect::Processors || c->aspect == Aspect::InstanceLimit
              ? std::string(to_string(c->aspect))
              : fmt::format("{} of arg {} {}", to_string(c->aspect), c->arg, c->arg_name);
      out << fmt::format(
          "<tr class=\"change\"><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td "
          "class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
          esc(a.tasks[c->task].name), esc(what),
          c->detail.empty() ? "" : "<br><span class=\"note\">" + esc(c->detail) + "</span>",
          esc(c->expert_value), esc(c->best_value),
          c->evaluated && expert->ok ? delta(c->alone_s, expert->iteration_time_s, c->alone_failure)
                                     : std::string("&mdash;"),
          c->evaluated && best->ok ? delta(c->without_s, best->iteration_time_s, c->without_failure)
                                   : std::string("&mdash;"));
    }
    out << "</table>\n";
  }
  std::size_t changed = 0;
  for (const DiffRow& d : r.diff)
    changed += d.same ? 0 : 1;
  out << fmt::format(
      "<h3>The two programs</h3>\n<p class=\"note\">{} line{} differ (marked).</p>\n<div "
      "class=\"diff\" data-changed-lines=\"{}\"><table>\n<tr><th class=\"head\" "
      "colspan=\"2\">{}</th><th class=\"head\" colspan=\"2\">{}</th></tr>\n",
      changed, changed == 1 ? "s" : "s", changed, esc(expert->source.label),
      esc(best->source.label));
  for (const DiffRow& d : r.diff) {
    const auto cell = [&](std::size_t line, const std::vector<std::string>& lines,
                          const char* cls) {
      if (line == 0) return std::string("<td class=\"ln\"></td><td class=\"tx gap\"></td>");
      return fmt::format("<td class=\"ln\">{}</td><td class=\"tx{}{}\">{}</td>", line,
                         d.same ? "" : " ", d.same ? "" : cls, esc(lines[line - 1]));
    };
    out << "<tr" << (d.same ? "" : " class=\"chg\"") << ">" << cell(d.a, r.expert_lines, "del")
        << cell(d.b, r.best_lines, "add") << "</tr>\n";
  }
  out << "</table></div>\n</section>\n";
}

// ---- The search.

namespace {

struct Scale {
  double lo, hi, a, b;  // data range -> pixel range [a, b]
  bool log;
  double operator()(double v) const {
    const double t = log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
                         : (v - lo) / (hi - lo);
    return a + t * (b - a);
  }
};

std::vector<double> nice_ticks(double lo, double hi, int n) {
  double step = std::pow(10.0, std::floor(std::log10((hi - lo) / n)));
  const double err = (hi - lo) / n / step;
  if (err >= 7.5)
    step *= 10;
  else if (err >= 3.5)
    step *= 5;
  else if (err >= 1.5)
    step *= 2;
  std::vector<double> t;
  for (double x = std::ceil(lo / step) * step; x <= hi + step * 1e-9; x += step)
    t.push_back(x);
  return t;
}

void chart(std::ostream& out, const SearchView& s) {
  constexpr double kW = 900, kH = 320, kL = 64, kR = 16, kT = 12, kB = 40;
  double xmax = 1, ylo = std::numeric_limits<double>::infinity(), yhi = 0;
  const auto see = [&](double y) {
    if (y > 0) {
      ylo = std::min(ylo, y);
      yhi = std::max(yhi, y);
    }
  };
  for (const RunCurve& c : s.runs) {
    for (const auto& [x, y] : c.samples) {
      xmax = std::max(xmax, x);
      see(y);
    }
    for (const auto& [x, y] : c.best)
      xmax = std::max(xmax, x);
    for (const StepMark& st : c.steps)
      xmax = std::max(xmax, st.x);
  }
  if (s.expert_s) see(*s.expert_s);
  if (s.default_s) see(*s.default_s);
  // Very slow mappers (a task moved to a CPU: 1000x slower) would squeeze the curves into the
  // bottom: the scale ends at 1.5x the slower of the expert and the default policy (without them,
  // of each run's first time), and slower mappers sit on the top edge.
  double refmax = 0;
  for (std::optional<double> t : {s.expert_s, s.default_s})
    if (t) refmax = std::max(refmax, *t);
  if (!(refmax > 0))
    for (const RunCurve& c : s.runs)
      if (!c.best.empty()) refmax = std::max(refmax, c.best.front().second);
  bool clipped = false;
  if (refmax > 0 && yhi > 1.5 * refmax) {
    yhi = 1.5 * refmax;
    clipped = true;
  }
  if (!(yhi > 0)) {
    ylo = 1e-3;
    yhi = 1;
  }
  if (yhi / ylo < 1.05) {
    ylo /= 1.05;
    yhi *= 1.05;
  }
  ylo /= 1.02;
  yhi *= 1.02;
  const Scale X{0, xmax, kL, kW - kR, false};
  const Scale Y{ylo, yhi, kH - kB, kT, true};
  out << fmt::format("<svg class=\"chart\" id=\"search-chart\" width=\"{}\" height=\"{}\">\n", kW,
                     kH);
  out << "<g class=\"axis\">";
  for (double t : nice_ticks(0, xmax, 8))
    out << fmt::format(
        "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/><text x=\"{0}\" y=\"{3}\" "
        "text-anchor=\"middle\">{4}</text>",
        num(X(t), 1), num(kT, 1), num(kH - kB, 1), num(kH - kB + 14, 1), fmt::format("{:g}", t));
  const double l0 = std::floor(std::log10(ylo)), l1 = std::ceil(std::log10(yhi));
  for (double e = l0; e <= l1; ++e)
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, e);
      if (v < ylo || v > yhi) continue;
      out << fmt::format(
          "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\"/><text x=\"{3}\" "
          "y=\"{4}\" text-anchor=\"end\">{5}</text>",
          num(kL, 1), num(kW - kR, 1), num(Y(v), 1), num(kL - 4, 1), num(Y(v) + 3, 1), esc(dur(v)));
    }
  out << fmt::format(
      "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">evaluations (the mapper's "
      "number in its run)</text>",
      num((kL + kW - kR) / 2, 1), num(kH - 6, 1));
  if (clipped)
    out << fmt::format("<text x=\"{}\" y=\"{}\">mappers slower than {} on the top edge</text>",
                       num(kL + 4, 1), num(kT + 10, 1), esc(dur(yhi)));
  out << "</g>\n";
  const auto ref = [&](std::optional<double> t, const char* what, const char* colour) {
    if (!t) return;
    out << fmt::format(
        "<line class=\"ref\" x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" "
        "stroke=\"{3}\"/><text x=\"{1}\" y=\"{4}\" text-anchor=\"end\">{5} {6}</text>\n",
        num(kL, 1), num(kW - kR, 1), num(Y(*t), 1), colour, num(Y(*t) - 3, 1), what, esc(dur(*t)));
  };
  ref(s.expert_s, "expert", "#c23b31");
  ref(s.default_s, "default policy", "#5f6b76");
  for (std::size_t i = 0; i < s.runs.size(); ++i) {
    const RunCurve& c = s.runs[i];
    const std::string colour = task_colour(static_cast<app::TaskId>(i));
    out << fmt::format("<g class=\"run\" data-run=\"{}\">", c.run.id);
    for (const auto& [x, y] : c.samples)
      out << fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"1.6\" fill=\"{}\" fill-opacity=\".35\"/>",
                         num(X(x), 1), num(Y(std::min(y, yhi)), 1), colour);
    if (!c.best.empty()) {
      std::string pts;
      double prev = c.best.front().second;
      for (const auto& [x, y] : c.best) {
        pts +=
            fmt::format("{},{} {},{} ", num(X(x), 1), num(Y(prev), 1), num(X(x), 1), num(Y(y), 1));
        prev = y;
      }
      out << fmt::format(
          "<polyline stroke=\"{}\" points=\"{}\"><title>run {}: {} seed {}</title>"
          "</polyline>",
          colour, pts, c.run.id, esc(c.run.info.optimizer), c.run.info.seed);
    }
    for (const StepMark& st : c.steps) {
      const double x = X(st.x), y = kH - kB - 6;
      out << fmt::format(
          "<path class=\"st-{}\" d=\"M{} {} l4 7 h-8 z\"><title>run {} LLM step {}: "
          "{}{}{}</title></path>",
          esc(st.status), num(x, 1), num(y - 7, 1), c.run.id, st.step, esc(st.status),
          st.detail.empty() ? "" : ": ", esc(st.detail.substr(0, 300)));
    }
    out << "</g>\n";
  }
  out << "</svg>\n";
}

std::string share_bar(double share, const char* colour) {
  return fmt::format(
      "<svg width=\"120\" height=\"10\"><rect x=\"0\" y=\"1\" width=\"{}\" "
      "height=\"8\" fill=\"{}\"/></svg> {:.1f}%",
      num(std::clamp(share, 0.0, 1.0) * 120, 1), colour, 100.0 * share);
}

}  // namespace

void search_section(std::ostream& out, const ReportData& r) {
  out << "<section id=\"search\" class=\"sec\" data-section=\"search\">\n<h2>5. The search</h2>\n";
  if (!r.search) {
    out << "<p class=\"note\">" << esc(r.search_note) << "</p>\n</section>\n";
    return;
  }
  const SearchView& s = *r.search;
  out << "<p class=\"note\">The best time so far against the evaluation number, one line per run "
         "(optimizer and seed); dots are the mappers that ran; triangles on the axis are the LLM's "
         "steps (green: a mapper; orange: no mapper in the reply; red: did not check after the "
         "repair rounds; black: the model could not be asked). Times per iteration, log "
         "scale.</p>\n";
  chart(out, s);
  out << "<div class=\"legend\">";
  for (std::size_t i = 0; i < s.runs.size(); ++i)
    out << fmt::format(
        "<span class=\"lg\"><i style=\"background:{}\"></i>run {}: {} seed {}</span>",
        task_colour(static_cast<app::TaskId>(i)), s.runs[i].run.id,
        esc(s.runs[i].run.info.optimizer), s.runs[i].run.info.seed);
  out << "</div>\n<table class=\"runs\"><tr><th>run</th><th>optimizer</th><th "
         "class=\"num\">seed</th><th>start</th><th class=\"num\">budget</th><th "
         "class=\"num\">evaluations</th><th class=\"num\">stored by it</th><th "
         "class=\"num\">failed</th><th class=\"num\">best</th><th class=\"num\">LLM steps</th><th>"
         "finished</th></tr>\n";
  for (const RunCurve& c : s.runs)
    out << fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td "
        "class=\"num\">{}</td><td "
        "class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
        "class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
        c.run.id, esc(c.run.info.optimizer), c.run.info.seed, esc(c.run.info.start),
        c.run.info.budget, c.run.evaluations, c.stored, c.failed,
        c.best.empty() ? std::string("&mdash;") : dur(c.best.back().second),
        c.run.steps ? fmt::format("{} ({} failed)", c.run.steps, c.run.failed_steps) : "",
        c.run.finished_at ? esc(*c.run.finished_at) : std::string("killed, or still running"));
  out << "</table>\n";
  for (const RunCurve& c : s.runs) {
    if (c.steps.empty()) continue;
    out << fmt::format(
        "<h3>LLM steps of run {}</h3>\n<table class=\"steps\"><tr><th "
        "class=\"num\">step</th><th>status</th><th class=\"num\">mapper</th><th>"
        "detail</th></tr>\n",
        c.run.id);
    for (std::size_t i = 0; i < c.steps.size() && i < 200; ++i) {
      const StepMark& st = c.steps[i];
      out << fmt::format(
          "<tr><td class=\"num\">{}</td><td><i class=\"st-{}\" style=\"display:inline-block;"
          "width:9px;height:9px\"></i> {}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
          st.step, esc(st.status), esc(st.status),
          st.x == std::floor(st.x) ? fmt::format("{:g}", st.x) : std::string(),
          esc(st.detail.substr(0, 400)));
    }
    out << "</table>\n";
  }
  out << fmt::format("<h3>Failed candidates: {}</h3>\n", s.failed);
  if (!s.failures.empty()) {
    out << "<table class=\"failures\"><tr><th class=\"num\">count</th><th>why (numbers as "
           "#)</th><th>first seen</th></tr>\n";
    for (const FailureGroup& f : s.failures)
      out << fmt::format(
          "<tr><td class=\"num\">{}</td><td title=\"{}\">{}</td><td>run {}, "
          "evaluation {}</td></tr>\n",
          f.count, esc(f.example), esc(f.reason), f.run, f.number);
    out << "</table>\n";
  }
  out << "<h3>Which dimensions mattered</h3>\n";
  if (s.importance.empty()) {
    out << fmt::format("<p class=\"note\">No importance estimate: {}.</p>\n",
                       s.decoded == 0 ? "no stored mapper is a point of the classical space (or "
                                        "the space could not be rebuilt)"
                                      : "no dimension took two values");
  } else {
    out << fmt::format(
        "<p class=\"note\">Method: epsilon-squared (a bias-corrected one-way analysis of variance) "
        "of log(time per iteration) grouped by each dimension's value, over the {} stored mappers "
        "that are points of the classical space: <b>alone</b> is the first-order, fANOVA-like "
        "share of the variance that the dimension explains by itself; the optimizers sample near "
        "good points, so dimensions are confounded (a mapper that moves the main task to the "
        "CPUs is slow whatever its other choices), and <b>beyond those above</b> is what it "
        "explains of what the dimensions above it left (a forward selection on the residuals). "
        "The same, alone, for failing (0/1).</p>\n",
        s.decoded);
    out << "<table class=\"imp\"><tr><th>dimension</th><th class=\"num\">values seen</th><th>"
           "beyond those above</th><th>alone</th><th>failures, alone</th><th>fastest value "
           "(mean)</th></tr>\n";
    for (std::size_t i = 0; i < s.importance.size() && i < 20; ++i) {
      const Importance& im = s.importance[i];
      out << fmt::format(
          "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
          "</tr>\n",
          esc(im.name), im.values, share_bar(im.added_share, "#2f6fb0"),
          share_bar(im.time_share, "#9fb8d3"), share_bar(im.failure_share, "#c23b31"),
          esc(im.best_value));
    }
    out << "</table>\n";
  }
  out << "</section>\n";
}

// ---- The machine.

void topology_section(std::ostream& out, const machine::Machine& m) {
  const machine::MachineSpec& spec = m.spec();
  const machine::NodeSpec& n = spec.node;
  out << "<section id=\"topology\" class=\"sec\" data-section=\"topology\">\n<h2>6. The "
         "machine</h2>\n";
  out << "<p class=\"note\">" << esc(m.summary()) << "</p>\n";
  // The drawing: up to four nodes, each with its host, its GPUs and their links.
  std::uint32_t gpus = 0;
  for (const machine::ProcSpec& p : n.processors)
    if (p.kind == ProcKind::GPU) gpus += p.count;
  const auto link = [&](machine::ChannelKind k) -> const machine::LinkSpec* {
    for (const machine::LinkSpec& l : n.links)
      if (l.kind == k) return &l;
    return nullptr;
  };
  const std::uint32_t drawn = std::min<std::uint32_t>(spec.nodes, 4);
  const int node_h = gpus ? 150 : 80, width = 900;
  out << fmt::format("<svg class=\"topo\" width=\"{}\" height=\"{}\">\n", width,
                     drawn * (node_h + 14) + (spec.nodes > drawn ? 20 : 0) + 4);
  for (std::uint32_t k = 0; k < drawn; ++k) {
    const int y = static_cast<int>(k) * (node_h + 14) + 2;
    out << fmt::format(
        "<rect class=\"node\" x=\"2\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\"/>"
        "<text x=\"12\" y=\"{}\" font-weight=\"600\">node {}</text>\n",
        y, width - 120, node_h, y + 16, k);
    int x = 80;
    for (const machine::ProcSpec& p : n.processors) {
      if (p.kind == ProcKind::GPU) continue;
      const std::string label = fmt::format("{} x {}", p.count, to_string(p.kind));
      out << fmt::format(
          "<rect class=\"proc\" x=\"{}\" y=\"{}\" width=\"96\" height=\"30\" "
          "fill=\"#dfe8f1\"/><text x=\"{}\" y=\"{}\">{}</text><text class=\"small\" "
          "x=\"{}\" y=\"{}\">{}</text>\n",
          x, y + 8, x + 4, y + 21, esc(label), x + 4, y + 33, esc(flops_text(p.flops)));
      x += 104;
    }
    for (const machine::MemSpec& mem : n.memories) {
      if (mem.kind == MemKind::FBMEM) continue;
      const std::uint32_t count = mem.kind == MemKind::SOCKMEM ? n.sockets : 1;
      out << fmt::format(
          "<rect class=\"mem\" x=\"{}\" y=\"{}\" width=\"96\" height=\"30\"/><text "
          "x=\"{}\" y=\"{}\">{}{}</text><text class=\"small\" x=\"{}\" y=\"{}\">{}"
          "</text>\n",
          x, y + 8, x + 4, y + 21, count > 1 ? fmt::format("{} x ", count) : "",
          to_string(mem.kind), x + 4, y + 33, esc(sim::bytes_text(mem.capacity)));
      x += 104;
    }
    if (gpus) {
      const machine::LinkSpec* pcie = link(machine::ChannelKind::PCIE);
      const machine::LinkSpec* nvl = link(machine::ChannelKind::NVLINK);
      std::uint64_t fb = 0;
      for (const machine::MemSpec& mem : n.memories)
        if (mem.kind == MemKind::FBMEM) fb = mem.capacity;
      const int gw = std::min(90, (width - 230) / static_cast<int>(gpus) - 8);
      for (std::uint32_t g = 0; g < gpus; ++g) {
        const int gx = 80 + static_cast<int>(g) * (gw + 8);
        out << fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>", gx + gw / 2,
                           y + 42, y + 84);
        out << fmt::format(
            "<rect class=\"proc\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"40\" "
            "fill=\"#d9ecd9\"/><text x=\"{}\" y=\"{}\">GPU {}</text><text "
            "class=\"small\" x=\"{}\" y=\"{}\">FB {}</text>\n",
            gx, y + 84, gw, gx + 4, y + 98, g, gx + 4, y + 114, esc(sim::bytes_text(fb)));
      }
      if (pcie)
        out << fmt::format("<text class=\"small\" x=\"{}\" y=\"{}\">PCIe {} per direction</text>\n",
                           84, y + 68, esc(bandwidth_text(pcie->bandwidth)));
      if (nvl)
        out << fmt::format(
            "<line x1=\"80\" x2=\"{0}\" y1=\"{1}\" y2=\"{1}\" stroke-width=\"3\"/>"
            "<text class=\"small\" x=\"84\" y=\"{2}\">NVLink {3} per direction</text>\n",
            80 + static_cast<int>(gpus) * (gw + 8) - 8, y + node_h - 12, y + node_h - 2,
            esc(bandwidth_text(nvl->bandwidth)));
    }
    if (const machine::LinkSpec* nic = link(machine::ChannelKind::NIC))
      out << fmt::format(
          "<rect class=\"proc\" x=\"{}\" y=\"{}\" width=\"92\" height=\"30\" "
          "fill=\"#f1e6d8\"/><text x=\"{}\" y=\"{}\">{} x NIC</text><text "
          "class=\"small\" x=\"{}\" y=\"{}\">{}</text><line x1=\"{}\" x2=\"{}\" "
          "y1=\"{}\" y2=\"{}\"/>\n",
          width - 210, y + node_h / 2 - 15, width - 206, y + node_h / 2, nic->count, width - 206,
          y + node_h / 2 + 12, esc(bandwidth_text(nic->bandwidth)), width - 118, width - 60,
          y + node_h / 2, y + node_h / 2);
  }
  if (spec.nodes > 1)
    out << fmt::format(
        "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke-width=\"3\"/><text "
        "x=\"{3}\" y=\"{4}\">network</text>\n",
        width - 60, 2 + node_h / 2, (drawn - 1) * (node_h + 14) + 2 + node_h / 2, width - 54,
        2 + node_h / 2 + 14);
  if (spec.nodes > drawn)
    out << fmt::format("<text x=\"12\" y=\"{}\">&#8230; and {} more nodes like these</text>\n",
                       drawn * (node_h + 14) + 14, spec.nodes - drawn);
  out << "</svg>\n";
  // The tables: everything the model knows of a node.
  out << "<div style=\"display:flex;gap:32px;flex-wrap:wrap\"><div><h3>Processors per "
         "node</h3><table><tr><th>kind</th><th class=\"num\">count</th><th class=\"num\">peak</th>"
         "<th>model</th></tr>\n";
  for (const machine::ProcSpec& p : n.processors)
    out << fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td>"
        "</tr>\n",
        to_string(p.kind), p.count, esc(flops_text(p.flops)), esc(p.model));
  out << "</table><h3>Memories per node</h3><table><tr><th>kind</th><th class=\"num\">capacity "
         "each</th></tr>\n";
  for (const machine::MemSpec& mem : n.memories)
    out << fmt::format("<tr><td>{}</td><td class=\"num\">{}</td></tr>\n", to_string(mem.kind),
                       esc(sim::bytes_text(mem.capacity)));
  out << "</table></div><div><h3>Processor &#8594; memory</h3><table><tr><th>processor</th><th>"
         "memory</th><th class=\"num\">bandwidth</th><th class=\"num\">latency</th></tr>\n";
  for (const machine::AffinitySpec& af : n.affinities)
    out << fmt::format(
        "<tr><td>{}</td><td>{}{}</td><td class=\"num\">{}</td><td "
        "class=\"num\">{}</td></tr>\n",
        to_string(af.proc), to_string(af.mem),
        af.mem == MemKind::SOCKMEM ? fmt::format(" ({})", machine::to_string(af.socket)) : "",
        esc(bandwidth_text(af.bandwidth)), esc(dur(af.latency)));
  out << "</table></div><div><h3>Links</h3><table><tr><th>kind</th><th class=\"num\">count</th><th "
         "class=\"num\">bandwidth per direction</th><th class=\"num\">latency</th></tr>\n";
  for (const machine::LinkSpec& l : n.links)
    out << fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
        "class=\"num\">{}</td></tr>\n",
        machine::to_string(l.kind), l.count, esc(bandwidth_text(l.bandwidth)), esc(dur(l.latency)));
  out << fmt::format(
      "</table><p class=\"note\">{} node{}, {} process{} per node.</p></div></div>\n", spec.nodes,
      spec.nodes == 1 ? "" : "s", spec.ranks_per_node, spec.ranks_per_node == 1 ? "" : "es");
  out << "</section>\n";
}

}  // namespace mapsmith::report::html
