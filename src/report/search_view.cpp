#include "report/search_view.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "report/changes.h"

namespace mapsmith::report {

// ---- Decoding texts back to points.

struct PointDecoder::Impl {
  const search::Space& space;
  std::string expert_text;
  /// A plain statement line ("Region t r GPU FBMEM;") -> (dimension, value).
  std::unordered_map<std::string, std::pair<std::size_t, std::uint32_t>> lines;
  /// ("IndexTaskMap", task, function) -> (dimension, value).
  std::map<std::tuple<std::string, std::string, std::string>, std::pair<std::size_t, std::uint32_t>>
      maps;
  /// Lines of globals and function definitions, which say nothing about the point.
  std::set<std::string> aux;

  explicit Impl(const search::Space& s) : space(s) {}

  static bool is_map(const std::string& l) {
    return l.rfind("IndexTaskMap ", 0) == 0 || l.rfind("SingleTaskMap ", 0) == 0;
  }
  static bool is_plain(const std::string& l) {
    for (const char* w : {"Task ", "Region ", "Layout ", "InstanceLimit ", "CollectMemory "})
      if (l.rfind(w, 0) == 0) return true;
    return false;
  }
  /// "IndexTaskMap a,b f;" -> its kind word, tasks and function.
  static bool parse_map(const std::string& l, std::string& kind, std::vector<std::string>& tasks,
                        std::string& fn) {
    const std::size_t s1 = l.find(' '), s2 = l.find(' ', s1 + 1);
    if (s1 == std::string::npos || s2 == std::string::npos || l.back() != ';') return false;
    kind = l.substr(0, s1);
    fn = l.substr(s2 + 1, l.size() - s2 - 2);
    tasks.clear();
    const std::string list = l.substr(s1 + 1, s2 - s1 - 1);
    for (std::size_t at = 0; at <= list.size();) {
      std::size_t c = list.find(',', at);
      if (c == std::string::npos) c = list.size();
      tasks.push_back(list.substr(at, c - at));
      at = c + 1;
    }
    return true;
  }

  /// The statement a plain dimension renders as.
  static const char* keyword(search::DimKind k) {
    switch (k) {
      case search::DimKind::ProcKinds:
        return "Task ";
      case search::DimKind::Memory:
        return "Region ";
      case search::DimKind::Layout:
        return "Layout ";
      case search::DimKind::InstanceLimit:
        return "InstanceLimit ";
      case search::DimKind::Collect:
        return "CollectMemory ";
      default:
        return nullptr;
    }
  }

  /// Records what the rendering of `p` says about coordinate `i` (of task `task`).
  void learn(const search::Point& p, std::size_t i, const std::string& task) {
    const search::Dimension& d = space.dims()[i];
    const bool map = d.kind == search::DimKind::IndexMap || d.kind == search::DimKind::SingleMap;
    const char* word = keyword(d.kind);
    std::string text = space.render(p);
    if (p[0] == 1) text = text.substr(std::min(text.size(), expert_text.size()));
    for (const std::string& l : split_lines(text)) {
      if (l.empty()) continue;
      if (is_map(l)) {
        std::string kind, fn;
        std::vector<std::string> tasks;
        if (!map || !parse_map(l, kind, tasks, fn)) continue;
        if ((kind == "IndexTaskMap") != (d.kind == search::DimKind::IndexMap)) continue;
        if (std::find(tasks.begin(), tasks.end(), task) != tasks.end())
          maps.emplace(std::make_tuple(kind, task, fn), std::make_pair(i, p[i]));
      } else if (is_plain(l)) {
        if (word && l.rfind(word, 0) == 0 && l.find(" " + task + " ") == l.find(' '))
          lines.emplace(l, std::make_pair(i, p[i]));
      } else {
        aux.insert(l);
      }
    }
  }
};

PointDecoder::PointDecoder(const search::Space& space, const app::App& app)
    : impl_(std::make_unique<Impl>(space)) {
  Impl& im = *impl_;
  const auto& dims = space.dims();
  if (space.has_expert()) im.expert_text = space.render(space.expert_point());
  // The kinds dimension of each task, and the task whose points launch each task.
  std::map<app::TaskId, std::size_t> kind_dim;
  for (std::size_t i = 1; i < dims.size(); ++i)
    if (dims[i].kind == search::DimKind::ProcKinds) kind_dim[dims[i].task] = i;
  std::map<app::TaskId, app::TaskId> parent;
  for (const app::Launch& l : app.launches)
    if (l.parent && *l.parent < app.launches.size())
      parent.emplace(l.task, app.launches[*l.parent].task);
  const std::uint32_t bases = space.has_expert() ? 2 : 1;
  for (std::size_t i = 1; i < dims.size(); ++i) {
    const search::Dimension& d = dims[i];
    if (d.task >= app.tasks.size()) continue;
    // What the value's text depends on: the base (the task's kind under it), the task's kinds,
    // and for a map function its parent's kinds (the function's name says both kinds).
    std::vector<std::size_t> vary;
    if (kind_dim.count(d.task) && d.kind != search::DimKind::ProcKinds)
      vary.push_back(kind_dim[d.task]);
    if ((d.kind == search::DimKind::IndexMap || d.kind == search::DimKind::SingleMap) &&
        parent.count(d.task) && kind_dim.count(parent[d.task]) && parent[d.task] != d.task)
      vary.push_back(kind_dim[parent[d.task]]);
    std::size_t combos = 1;
    for (std::size_t k : vary)
      combos *= dims[k].size;
    for (std::uint32_t b = 0; b < bases; ++b)
      for (std::size_t c = 0; c < combos; ++c)
        for (std::uint32_t v = 1; v < d.size; ++v) {
          search::Point p(dims.size(), 0);
          p[0] = b;
          std::size_t rest = c;
          for (std::size_t k : vary) {
            p[k] = static_cast<std::uint32_t>(rest % dims[k].size);
            rest /= dims[k].size;
          }
          p[i] = v;
          im.learn(p, i, app.tasks[d.task].name);
        }
  }
}

PointDecoder::~PointDecoder() = default;

std::optional<search::Point> PointDecoder::decode(const std::string& text) const {
  const Impl& im = *impl_;
  search::Point p(im.space.dims().size(), 0);
  std::string_view rest = text;
  if (im.space.has_expert() && !im.expert_text.empty() && text.rfind(im.expert_text, 0) == 0) {
    p[0] = 1;
    rest.remove_prefix(im.expert_text.size());
  }
  std::string kind, fn;
  std::vector<std::string> tasks;
  for (const std::string& l : split_lines(rest)) {
    if (l.empty()) continue;
    if (Impl::is_map(l)) {
      if (!Impl::parse_map(l, kind, tasks, fn)) return std::nullopt;
      for (const std::string& t : tasks) {
        auto it = im.maps.find(std::make_tuple(kind, t, fn));
        if (it == im.maps.end()) return std::nullopt;
        p[it->second.first] = it->second.second;
      }
    } else if (auto it = im.lines.find(l); it != im.lines.end()) {
      p[it->second.first] = it->second.second;
    } else if (!im.aux.count(l)) {
      return std::nullopt;
    }
  }
  // The text must be exactly what the point renders (a program that merely shares its lines,
  // in another order or with more in it, is not a point of the space).
  if (im.space.render(p) != text) return std::nullopt;
  return p;
}

// ---- Importance.

namespace {

/// Epsilon-squared of the values `y` grouped by `group`, against a total sum of squares `sst`
/// (that of `y` itself when negative): (SS_between - (k-1) MS_within) / (SS_total + MS_within),
/// clipped at 0.
double epsilon_squared(const std::vector<std::uint32_t>& group, const std::vector<double>& y,
                       double sst = -1) {
  const std::size_t n = y.size();
  std::map<std::uint32_t, std::pair<double, std::size_t>> groups;
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    groups[group[i]].first += y[i];
    groups[group[i]].second++;
    sum += y[i];
  }
  const std::size_t k = groups.size();
  if (k < 2 || n <= k) return 0;
  const double mean = sum / static_cast<double>(n);
  double own = 0, ssb = 0;
  for (double v : y)
    own += (v - mean) * (v - mean);
  for (const auto& [g, sc] : groups) {
    const double m = sc.first / static_cast<double>(sc.second);
    ssb += static_cast<double>(sc.second) * (m - mean) * (m - mean);
  }
  if (sst < 0) sst = own;
  if (!(sst > 0)) return 0;
  const double msw = (own - ssb) / static_cast<double>(n - k);
  return std::max(0.0, (ssb - static_cast<double>(k - 1) * msw) / (sst + msw));
}

/// Subtracts from `r` the mean of its group.
void remove_means(const std::vector<std::uint32_t>& group, std::vector<double>& r) {
  std::map<std::uint32_t, std::pair<double, std::size_t>> groups;
  for (std::size_t i = 0; i < r.size(); ++i) {
    groups[group[i]].first += r[i];
    groups[group[i]].second++;
  }
  for (std::size_t i = 0; i < r.size(); ++i) {
    const auto& sc = groups[group[i]];
    r[i] -= sc.first / static_cast<double>(sc.second);
  }
}

}  // namespace

std::vector<Importance> importance(const search::Space& space,
                                   const std::vector<search::Point>& points,
                                   const std::vector<double>& log_times) {
  std::vector<Importance> out;
  const auto& dims = space.dims();
  // The values of each dimension over the points that ran, and over all points.
  std::vector<double> y;
  std::vector<std::size_t> ran;
  for (std::size_t i = 0; i < points.size(); ++i)
    if (!std::isnan(log_times[i])) {
      ran.push_back(i);
      y.push_back(log_times[i]);
    }
  std::vector<double> failed(points.size());
  for (std::size_t i = 0; i < points.size(); ++i)
    failed[i] = std::isnan(log_times[i]) ? 1.0 : 0.0;
  std::vector<std::vector<std::uint32_t>> by_ran;  // per kept dimension
  for (std::size_t d = 0; d < dims.size(); ++d) {
    std::vector<std::uint32_t> all(points.size()), ok;
    std::map<std::uint32_t, std::pair<double, std::size_t>> by_value;
    std::map<std::uint32_t, std::size_t> example;  // value -> a point index
    for (std::size_t i = 0; i < points.size(); ++i) {
      all[i] = points[i][d];
      example.emplace(all[i], i);
    }
    if (example.size() < 2) continue;
    for (std::size_t i : ran) {
      ok.push_back(points[i][d]);
      by_value[points[i][d]].first += log_times[i];
      by_value[points[i][d]].second++;
    }
    Importance imp;
    imp.dim = d;
    imp.name = dims[d].name;
    imp.values = example.size();
    imp.time_share = epsilon_squared(ok, y);
    imp.failure_share = epsilon_squared(all, failed);
    double best = std::numeric_limits<double>::infinity();
    for (const auto& [v, sc] : by_value) {
      const double m = sc.first / static_cast<double>(sc.second);
      if (m < best) {
        best = m;
        imp.best_value = space.label(points[example[v]], d);
      }
    }
    out.push_back(std::move(imp));
    by_ran.push_back(std::move(ok));
  }
  // Forward selection: each step takes the dimension that explains most of what the dimensions
  // taken before left unexplained (its share of the total variance), and removes its means.
  double sst = 0, mean = 0;
  for (double v : y)
    mean += v / static_cast<double>(y.size());
  for (double v : y)
    sst += (v - mean) * (v - mean);
  std::vector<double> r = y;
  std::vector<bool> taken(out.size(), false);
  std::vector<std::size_t> order;
  for (;;) {
    std::size_t pick = out.size();
    double gain = 0;
    for (std::size_t k = 0; k < out.size(); ++k) {
      if (taken[k]) continue;
      const double g = epsilon_squared(by_ran[k], r, sst);
      if (g > gain) {
        gain = g;
        pick = k;
      }
    }
    if (pick == out.size()) break;
    taken[pick] = true;
    out[pick].added_share = gain;
    order.push_back(pick);
    remove_means(by_ran[pick], r);
  }
  // The rest by their share alone, then by failures.
  std::vector<std::size_t> rest;
  for (std::size_t k = 0; k < out.size(); ++k)
    if (!taken[k]) rest.push_back(k);
  std::stable_sort(rest.begin(), rest.end(), [&](std::size_t a, std::size_t b) {
    if (out[a].time_share != out[b].time_share) return out[a].time_share > out[b].time_share;
    return out[a].failure_share > out[b].failure_share;
  });
  order.insert(order.end(), rest.begin(), rest.end());
  std::vector<Importance> sorted;
  for (std::size_t k : order)
    sorted.push_back(std::move(out[k]));
  return sorted;
}

// ---- The view.

std::string failure_reason(const std::string& failure) {
  std::string_view f = failure;
  if (f.rfind("line ", 0) == 0) {
    const std::size_t colon = f.find(": ");
    if (colon != std::string_view::npos) f.remove_prefix(colon + 2);
  }
  std::string out;
  for (std::size_t i = 0; i < f.size();) {
    const bool word_before =
        !out.empty() && (std::isalnum(static_cast<unsigned char>(out.back())) || out.back() == '_');
    if (std::isdigit(static_cast<unsigned char>(f[i])) && !word_before) {
      while (i < f.size() && (std::isdigit(static_cast<unsigned char>(f[i])) ||
                              (f[i] == '.' && i + 1 < f.size() &&
                               std::isdigit(static_cast<unsigned char>(f[i + 1])))))
        ++i;
      out += '#';
    } else {
      out += f[i++];
    }
  }
  return out;
}

SearchView search_view(const StudyData& study, const search::Space* space, const app::App* app,
                       const SearchLimits& limits) {
  SearchView v;
  if (const StudyEval* e = study.by_origin("expert"); e && e->ok) v.expert_s = e->time_s;
  if (const StudyEval* e = study.by_origin("default"); e && e->ok) v.default_s = e->time_s;

  std::size_t ran = 0;
  for (const StudyEval& e : study.evals)
    ran += e.ok ? 1 : 0;
  const std::size_t stride = std::max<std::size_t>(
      1, (ran + limits.max_samples - 1) / std::max<std::size_t>(1, limits.max_samples));
  for (std::size_t r = 0; r < study.runs.size(); ++r) {
    RunCurve c;
    c.run = study.runs[r];
    std::vector<const StudyEval*> mine;
    for (const StudyEval& e : study.evals)
      if (e.run == c.run.id) mine.push_back(&e);
    std::stable_sort(mine.begin(), mine.end(),
                     [](const StudyEval* a, const StudyEval* b) { return a->number < b->number; });
    double best = std::numeric_limits<double>::infinity();
    std::size_t seen = 0;
    for (const StudyEval* e : mine) {
      ++c.stored;
      if (!e->ok) {
        ++c.failed;
        continue;
      }
      const bool improves = e->time_s < best;
      if (improves) {
        best = e->time_s;
        c.best.emplace_back(static_cast<double>(e->number), best);
      }
      if (improves || seen++ % stride == 0)
        c.samples.emplace_back(static_cast<double>(e->number), e->time_s);
      else
        ++c.sampled_out;
    }
    const double last =
        std::max<double>(mine.empty() ? 0.0 : static_cast<double>(mine.back()->number),
                         static_cast<double>(c.run.evaluations));
    if (!c.best.empty() && last > c.best.back().first) c.best.emplace_back(last, best);
    double x = 0;
    for (const search::StepRecord& s : study.steps[r]) {
      x = s.number > 0 ? static_cast<double>(s.number) : x + 0.5;
      c.steps.push_back(StepMark{x, s.step, s.status, s.detail});
    }
    v.runs.push_back(std::move(c));
  }

  std::map<std::string, std::size_t> group_of;
  for (const StudyEval& e : study.evals) {
    if (e.ok) continue;
    ++v.failed;
    const std::string reason = failure_reason(e.failure);
    auto [it, fresh] = group_of.emplace(reason, v.failures.size());
    if (fresh) v.failures.push_back(FailureGroup{reason, 0, e.failure, e.run, e.number});
    v.failures[it->second].count++;
  }
  std::stable_sort(v.failures.begin(), v.failures.end(),
                   [](const FailureGroup& a, const FailureGroup& b) { return a.count > b.count; });
  if (v.failures.size() > limits.max_failure_groups) v.failures.resize(limits.max_failure_groups);

  if (space && app) {
    const PointDecoder decoder(*space, *app);
    std::vector<search::Point> points;
    std::vector<double> logs;
    std::vector<std::optional<search::Point>> by_text(study.texts.size());
    std::vector<bool> done(study.texts.size(), false);
    for (const StudyEval& e : study.evals) {
      if (!done[e.text]) {
        by_text[e.text] = decoder.decode(study.texts[e.text]);
        done[e.text] = true;
      }
      if (!by_text[e.text]) continue;
      points.push_back(*by_text[e.text]);
      logs.push_back(e.ok && e.time_s > 0 ? std::log(e.time_s)
                                          : std::numeric_limits<double>::quiet_NaN());
    }
    v.decoded = points.size();
    v.importance = importance(*space, points, logs);
  }
  return v;
}

}  // namespace mapsmith::report
