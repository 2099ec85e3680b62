#include "report/html.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <ostream>
#include <set>

#include "report/html_detail.h"

namespace mapsmith::report {

namespace {
// The page's style sheet and script (src/report/assets/), embedded by CMake.
#include "report/assets.inc"
}  // namespace

namespace html {

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double v, int decimals) {
  std::string s = fmt::format("{:.{}f}", v, decimals);
  if (s.find_first_not_of("-0.") == std::string::npos && s.front() == '-') s.erase(0, 1);
  return s;
}

std::string dur(double seconds) {
  return sim::time_text(seconds);
}

std::string task_colour(app::TaskId t) {
  static constexpr std::array<const char*, 12> kPalette = {
      "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
      "#b07aa1", "#ff9da7", "#9c755f", "#86bcb6", "#d4a6c8", "#8cd17d"};
  if (t < kPalette.size()) return kPalette[t];
  const double hue = std::fmod(static_cast<double>(t) * 137.508, 360.0);
  return fmt::format("hsl({},{}%,{}%)", num(hue, 1), 55, t % 2 ? 60 : 45);
}

std::string proc_colour(const machine::Machine& m, machine::ProcId p) {
  const machine::Processor& proc = m.processor(p);
  std::size_t rank = 0, count = 0;
  for (std::size_t i = 0; i < m.processors().size(); ++i) {
    if (m.processors()[i].kind != proc.kind) continue;
    if (i < p.index) ++rank;
    ++count;
  }
  const double hue =
      360.0 * static_cast<double>(rank) / static_cast<double>(std::max<std::size_t>(1, count));
  return fmt::format("hsl({},65%,{}%)", num(hue, 1), proc.node % 2 ? 62 : 46);
}

std::string mem_colour(const machine::Machine& m, machine::MemId mem) {
  const machine::Memory& x = m.memory(mem);
  int hue = 0;
  switch (x.kind) {
    case MemKind::FBMEM:
      hue = 135;
      break;
    case MemKind::ZCMEM:
      hue = 28;
      break;
    case MemKind::SYSMEM:
      hue = 210;
      break;
    case MemKind::SOCKMEM:
      hue = 275;
      break;
    case MemKind::RDMEM:
      hue = 350;
      break;
    default:
      hue = 60;
  }
  std::size_t rank = 0, count = 0;
  for (std::size_t i = 0; i < m.memories().size(); ++i) {
    if (m.memories()[i].kind != x.kind) continue;
    if (i < mem.index) ++rank;
    ++count;
  }
  const double light =
      count > 1 ? 30.0 + 45.0 * static_cast<double>(rank) / static_cast<double>(count - 1) : 45.0;
  return fmt::format("hsl({},55%,{}%)", hue, num(light, 1));
}

std::string point_text(const std::vector<std::int64_t>& p) {
  if (p.empty()) return {};
  std::string s = "(";
  for (std::size_t i = 0; i < p.size(); ++i)
    s += fmt::format("{}{}", i ? "," : "", p[i]);
  return s + ")";
}

PerIteration per_iteration(const MapperView& v) {
  if (v.iterations > 0) return {static_cast<double>(v.iterations), "per iteration"};
  return {1.0, "whole run"};
}

}  // namespace html

namespace {

using namespace html;

constexpr double kW = 100000;  // the timelines' x coordinates span [0, kW]
constexpr int kRowH = 12;

std::string bar_class(const Bar& b) {
  std::string c = fmt::format("k{}", b.task);
  if (b.kind == BarKind::Copy) c += " cp";
  if (b.kind == BarKind::Fold) c += " fd";
  if (b.kind == BarKind::Inner) c += " in";
  if (b.critical) c += " c";
  return c;
}

void timeline_view(std::ostream& out, const MapperView& v, double span) {
  const Timeline& tl = v.timeline;
  const std::size_t h = std::max<std::size_t>(1, tl.rows.size()) * kRowH;
  const auto x = [&](double t) { return num(t / span * kW, 2); };
  const auto w = [&](double t0, double t1) {
    return num(std::max((t1 - t0) / span * kW, 50.0), 2);
  };
  out << fmt::format(
      "<div class=\"tl\" data-mapper=\"{}\" data-label=\"{}\" data-rows=\"{}\" data-bars=\"{}\" "
      "data-binned=\"{}\">\n<h3>{} &mdash; {} {}</h3>\n",
      esc(v.source.role), esc(v.source.label), tl.rows.size(), tl.events, tl.binned ? 1 : 0,
      esc(v.source.label), v.ok ? dur(v.iteration_time_s) : std::string("fails"),
      v.ok ? per_iteration(v).unit : std::string("at ") + dur(v.timeline.span_s));
  out << "<div class=\"tl-body\"><div class=\"tl-names\">";
  for (std::size_t r = 0; r < tl.rows.size(); ++r) {
    const bool nb = r > 0 && tl.rows[r].node != tl.rows[r - 1].node;
    out << fmt::format("<div class=\"{}{}\" title=\"{}\">{}</div>", tl.rows[r].channel ? "ch" : "",
                       nb ? " nb" : "", esc(tl.rows[r].name), esc(tl.rows[r].name));
  }
  out << "</div>\n<div class=\"tl-view\">";
  out << fmt::format(
      "<svg class=\"tl-plot\" data-h=\"{}\" viewBox=\"0 0 {} {}\" preserveAspectRatio=\"none\" "
      "height=\"{}\">\n",
      h, num(kW, 0), h, h);
  if (v.iterations > 0)
    out << fmt::format("<rect class=\"tr\" x=\"{}\" y=\"0\" width=\"{}\" height=\"{}\"/>\n",
                       x(v.by_task.begin_s),
                       num((v.by_task.end_s - v.by_task.begin_s) / span * kW, 2), h);
  for (std::size_t r = 1; r < tl.rows.size(); ++r)
    if (tl.rows[r].node != tl.rows[r - 1].node)
      out << fmt::format("<line class=\"nb\" x1=\"0\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>", num(kW, 0),
                         r * kRowH, r * kRowH);
  out << "<g class=\"bars\">\n";
  if (!tl.binned) {
    for (std::size_t i = 0; i < tl.bars.size(); ++i) {
      const Bar& b = tl.bars[i];
      out << fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"9\" "
          "class=\"{}\"><title>{}</title></rect>\n",
          x(b.t0), b.row * kRowH + 1.5, w(b.t0, b.t1), bar_class(b),
          i < tl.tips.size() ? esc(tl.tips[i]) : std::string());
    }
  } else {
    const double bw = kW / tl.buckets_per_row;
    for (const Bucket& b : tl.buckets)
      out << fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"9\" class=\"k{} b{}\"/>\n",
                         num(b.first * bw, 2), b.row * kRowH + 1.5,
                         num((b.last + 1 - b.first) * bw, 2), b.task, int{b.tenths});
  }
  out << "</g>\n";
  if (tl.binned) {
    const double bw = kW / tl.buckets_per_row, bs = tl.span_s / tl.buckets_per_row;
    out << "<g class=\"crit\">\n";
    for (const CriticalSpan& c : tl.critical)
      out << fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"9\"><title>the critical path on {} "
          "between {} and {}</title></rect>\n",
          num(c.first * bw, 2), c.row * kRowH + 1.5, num((c.last + 1 - c.first) * bw, 2),
          esc(tl.rows[c.row].name), dur(c.first * bs), dur((c.last + 1) * bs));
    out << "</g>\n";
  }
  out << "</svg><svg class=\"tl-axis\" height=\"18\"></svg></div></div>\n";
  out << fmt::format(
      "<p class=\"note\">{} rows, {} bars ({} task instances, {} copies){}; the critical path: {} "
      "events.</p>\n</div>\n",
      tl.rows.size(), tl.events, v.task_instances, v.copies,
      tl.binned ? fmt::format(", binned into {} buckets per row", tl.buckets_per_row) : "",
      v.chain_events);
}

void timeline_section(std::ostream& out, const ReportData& r, const app::App& a) {
  const MapperView* best = r.mappers.empty() ? nullptr : &r.mappers.front();
  const MapperView* expert = r.expert ? &r.mappers[*r.expert] : nullptr;
  double span = 0;
  for (const MapperView* v : {best, expert})
    if (v && v->ran) span = std::max(span, v->timeline.span_s);
  if (!(span > 0)) span = 1;
  out << fmt::format(
      "<section id=\"timeline\" class=\"sec\" data-section=\"timeline\" "
      "data-span=\"{}\">\n<h2>1. Timeline</h2>\n",
      fmt::format("{:.9g}", span));
  out << "<p class=\"note\">Processors and channels as rows (those that did any work), tasks and "
         "copies as bars coloured by task (copies lighter, folds of reductions lighter still); a "
         "copy shows on every link of its route for as long as it holds the link. The critical "
         "path is outlined in red; the dashed band is the timed region (the main loop). Both "
         "timelines share one time scale. Scroll to zoom, drag to pan, double-click to reset; "
         "hover a bar for its details.</p>\n";
  out << "<div class=\"tl-controls\"><button data-zoom=\"in\">zoom in</button><button "
         "data-zoom=\"out\">zoom out</button><button "
         "data-zoom=\"reset\">reset</button><label><input "
         "type=\"checkbox\" class=\"crit-only\"> critical path only</label><span "
         "class=\"tl-readout\"></span></div>\n";
  out << "<div class=\"legend\" id=\"timeline-legend\">";
  for (app::TaskId t = 0; t < a.tasks.size(); ++t)
    out << fmt::format("<span class=\"lg\" data-task=\"{}\"><i class=\"k{}\"></i>{}</span>",
                       esc(a.tasks[t].name), t, esc(a.tasks[t].name));
  out << "<span class=\"lg extra\"><i style=\"background:#888;opacity:.55\"></i>copy</span>"
         "<span class=\"lg extra\"><i style=\"border:2px solid #d62728\"></i>critical path</span>"
         "<span class=\"lg extra\"><i style=\"border:1px dashed #2f6fb0\"></i>timed region</span>"
         "</div>\n";
  for (const MapperView* v : {best, expert}) {
    if (!v) continue;
    if (!v->ran) {
      out << fmt::format("<p class=\"warn\">{}: no timeline: {}</p>\n", esc(v->source.label),
                         esc(v->failure));
      continue;
    }
    if (!v->ok)
      out << fmt::format(
          "<p class=\"warn\">{} fails: {} (the timeline shows what ran until "
          "then).</p>\n",
          esc(v->source.label), esc(v->failure));
    timeline_view(out, *v, span);
  }
  out << "</section>\n";
}

void stacked(std::ostream& out, const std::array<double, 5>& parts, double scale, int width) {
  static constexpr std::array<const char*, 5> kCats = {"compute", "copy", "waiting", "overhead",
                                                       "idle"};
  out << fmt::format("<svg width=\"{}\" height=\"12\">", width);
  double x = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (!(parts[i] > 0) || !(scale > 0)) continue;
    const double w = parts[i] / scale * width;
    out << fmt::format(
        "<rect class=\"cat-{}\" x=\"{}\" y=\"1\" width=\"{}\" height=\"10\"><title>{} "
        "{}</title></rect>",
        kCats[i], num(x, 2), num(w, 2), kCats[i], dur(parts[i]));
    x += w;
  }
  out << "</svg>";
}

void breakdown_section(std::ostream& out, const ReportData& r, const app::App& a) {
  out << "<section id=\"breakdown\" class=\"sec\" data-section=\"breakdown\">\n<h2>2. Where the "
         "time goes</h2>\n";
  out << "<p class=\"note\">Processor time in the timed region, charged to the task it was spent "
         "on or waited for: <b>compute</b> (the task's body), <b>overhead</b> (Legion's per-task "
         "runtime cost), <b>copy</b> (the processor idle before the task while a copy for it was "
         "in flight), <b>waiting</b> (idle before the task otherwise: inputs not produced yet, not "
         "issued yet, held by an instance limit). <b>idle</b> is what follows a processor's last "
         "task. Per task and mapper the parts sum to its share; all rows of a mapper sum to "
         "processors &times; the region's length. Times are summed over processors, divided by "
         "the iterations of the main loop.</p>\n";
  out << "<div class=\"legend\"><span class=\"lg\"><i "
         "class=\"cat-compute\"></i>compute</span><span "
         "class=\"lg\"><i class=\"cat-copy\"></i>copy</span><span class=\"lg\"><i "
         "class=\"cat-waiting\"></i>waiting</span><span class=\"lg\"><i "
         "class=\"cat-overhead\"></i>overhead</span><span class=\"lg\"><i "
         "class=\"cat-idle\"></i>idle</span></div>\n";
  // A mapper that fails has no timed region to speak of: it is named, not measured.
  std::vector<const MapperView*> shown;
  for (const MapperView& v : r.mappers)
    if (v.ok) shown.push_back(&v);
  for (const MapperView& v : r.mappers)
    if (!v.ok)
      out << fmt::format("<p class=\"warn\">{} fails: {}</p>\n", esc(v.source.label),
                         esc(v.failure));
  // One scale for every bar: the largest task share of any mapper.
  std::set<app::TaskId> tasks;
  double scale = 0;
  for (const MapperView* v : shown)
    for (const TaskTime& t : v->by_task.tasks) {
      tasks.insert(t.task);
      scale = std::max(scale, t.total() / per_iteration(*v).divisor);
    }
  out << "<table class=\"bd\"><tr><th>task</th><th>mapper</th><th class=\"num\">instances</th><th "
         "class=\"num\">compute</th><th class=\"num\">copy</th><th class=\"num\">waiting</th><th "
         "class=\"num\">overhead</th><th class=\"num\">total</th><th></th></tr>\n";
  for (app::TaskId t : tasks) {
    bool first = true;
    for (const MapperView* v : shown) {
      const double d = per_iteration(*v).divisor;
      TaskTime tt;
      for (const TaskTime& x : v->by_task.tasks)
        if (x.task == t) tt = x;
      out << fmt::format(
          "<tr class=\"{}\" data-task=\"{}\" data-mapper=\"{}\"><td>{}</td><td>{}</td><td "
          "class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
          "class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
          "class=\"bar\">",
          first ? "sep" : "", esc(a.tasks[t].name), esc(v->source.role),
          first ? esc(a.tasks[t].name) : "", esc(v->source.role), tt.instances, dur(tt.compute / d),
          dur(tt.copy / d), dur(tt.waiting / d), dur(tt.overhead / d), dur(tt.total() / d));
      stacked(out, {tt.compute / d, tt.copy / d, tt.waiting / d, tt.overhead / d, 0}, scale, 400);
      out << "</td></tr>\n";
      first = false;
    }
  }
  bool first = true;
  for (const MapperView* v : shown) {
    const double d = per_iteration(*v).divisor;
    out << fmt::format(
        "<tr class=\"{}\"><td>{}</td><td>{}</td><td class=\"num\">{} processors</td><td "
        "colspan=\"4\"></td><td class=\"num\">{}</td><td class=\"bar\">",
        first ? "sep" : "", first ? "idle" : "", esc(v->source.role), v->by_task.processors,
        dur(v->by_task.idle / d));
    stacked(out, {0, 0, 0, 0, v->by_task.idle / d}, std::max(scale, v->by_task.idle / d), 400);
    out << "</td></tr>\n";
    first = false;
  }
  out << "</table>\n<h3>The critical path</h3>\n<p class=\"note\">The chain of events that "
         "ends last, as the simulator splits it (its parts sum to the whole run).</p>\n<table "
         "class=\"bd\"><tr><th>mapper</th><th class=\"num\">compute</th><th class=\"num\">copy</th>"
         "<th class=\"num\">waiting</th><th class=\"num\">overhead</th><th class=\"num\">whole "
         "run</th><th></th></tr>\n";
  double longest = 0;
  for (const MapperView* v : shown)
    longest = std::max(longest, v->critical_path.total());
  for (const MapperView* v : shown) {
    const sim::Breakdown& b = v->critical_path;
    out << fmt::format(
        "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
        "class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"bar\">",
        esc(v->source.role), dur(b.compute), dur(b.copy), dur(b.waiting), dur(b.overhead),
        dur(b.total()));
    stacked(out, {b.compute, b.copy, b.waiting, b.overhead, 0}, longest, 400);
    out << "</td></tr>\n";
  }
  out << "</table>\n</section>\n";
}

void header(std::ostream& out, const ReportData& r) {
  out << fmt::format("<header class=\"top\"><h1>{}</h1><div class=\"sub\">{}</div>\n", esc(r.title),
                     esc(r.subtitle));
  const MapperView* best = r.mappers.empty() ? nullptr : &r.mappers.front();
  out << "<table class=\"summary\"><tr><th>mapper</th><th class=\"num\">time</th><th "
         "class=\"num\">whole run</th><th class=\"num\">vs. the first</th><th></th></tr>\n";
  for (const MapperView& v : r.mappers) {
    std::string ratio;
    if (v.ok && best && best->ok && best->iteration_time_s > 0 && &v != best)
      ratio = fmt::format("{:.3f}x as long", v.iteration_time_s / best->iteration_time_s);
    out << fmt::format(
        "<tr data-mapper=\"{}\"><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td "
        "class=\"num\">{}</td><td>{}</td></tr>\n",
        esc(v.source.role), esc(v.source.label),
        v.ok ? dur(v.iteration_time_s) + " " + per_iteration(v).unit : std::string("&mdash;"),
        v.ok ? dur(v.time_s) : std::string("&mdash;"), ratio,
        v.ok ? std::string() : "<span class=\"slower\">fails: " + esc(v.failure) + "</span>");
  }
  out << "</table></header>\n";
  out << "<nav class=\"toc\"><a href=\"#timeline\">1. Timeline</a><a href=\"#breakdown\">2. Where "
         "the time goes</a><a href=\"#placement\">3. Placement</a><a href=\"#changes\">4. What "
         "changed</a><a href=\"#search\">5. The search</a><a href=\"#topology\">6. Machine</a><a "
         "href=\"#notes\">Notes</a></nav>\n";
}

}  // namespace

void write_html(std::ostream& out, const ReportData& r, const app::App& a,
                const machine::Machine& m) {
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta "
         "name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta "
         "name=\"generator\" content=\"mapsmith report\">\n";
  out << fmt::format("<title>{}</title>\n<style>\n{}", esc(r.title), kCss);
  for (app::TaskId t = 0; t < a.tasks.size(); ++t)
    out << fmt::format(".k{}{{fill:{};background:{}}}\n", t, task_colour(t), task_colour(t));
  std::set<std::uint32_t> procs, mems;
  for (const MapperView& v : r.mappers)
    for (const PlacementGrid& g : v.placement.grids) {
      for (std::uint32_t p : g.procs)
        if (p != PlacementGrid::kNoPoint) procs.insert(p);
      for (const auto& arg : g.memories)
        for (std::uint32_t x : arg)
          if (x != PlacementGrid::kNoPoint) mems.insert(x);
    }
  for (std::uint32_t p : procs) {
    const std::string c = proc_colour(m, machine::ProcId{p});
    out << fmt::format(".p{}{{fill:{};background:{}}}\n", p, c, c);
  }
  for (std::uint32_t x : mems) {
    const std::string c = mem_colour(m, machine::MemId{x});
    out << fmt::format(".m{}{{fill:{};background:{}}}\n", x, c, c);
  }
  out << "</style></head>\n<body>\n";
  header(out, r);
  out << "<main>\n";
  timeline_section(out, r, a);
  breakdown_section(out, r, a);
  placement_section(out, r, a, m);
  changes_section(out, r, a);
  search_section(out, r);
  topology_section(out, m);
  out << "<section id=\"notes\" class=\"sec\" data-section=\"notes\">\n<h2>Notes: what this "
         "report approximates</h2>\n<ul class=\"notes\">\n";
  if (r.notes.empty()) out << "<li>Nothing: every event is drawn.</li>\n";
  for (const std::string& n : r.notes)
    out << "<li>" << esc(n) << "</li>\n";
  out << "</ul>\n</section>\n</main>\n<script>\n" << kJs << "</script>\n</body></html>\n";
}

}  // namespace mapsmith::report
