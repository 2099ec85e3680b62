#include "importer/validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "sim/observer.h"

namespace mapsmith::importer {

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::Good:
      return "good";
    case Verdict::Fair:
      return "fair";
    case Verdict::Poor:
      return "poor";
  }
  return "?";
}

namespace {

/// Sums task bodies and copies by name, as the run's Measurement does.
class Collector final : public sim::Observer {
 public:
  Collector(const app::App& app, const machine::Machine& machine) : app_(app), m_(machine) {}
  void on_task(const sim::TaskEvent& e) override {
    if (e.inner) return;
    Stat& s = tasks_[app_.tasks[e.task].name];
    s.name = app_.tasks[e.task].name;
    ++s.count;
    s.seconds += e.end - e.start - e.overhead;
  }
  void on_copy(const sim::CopyEvent& e) override {
    const machine::Memory& src = m_.memory(e.src);
    const machine::Memory& dst = m_.memory(e.dst);
    const std::string name = channel_name(src.kind, dst.kind, src.node != dst.node);
    Stat& s = channels_[name];
    s.name = name;
    ++s.count;
    s.bytes += e.bytes;
    s.seconds += e.end - e.start;
  }
  std::map<std::string, Stat> tasks_, channels_;

 private:
  const app::App& app_;
  const machine::Machine& m_;
};

double relative(double predicted, double measured) {
  return measured > 0 ? (predicted - measured) / measured : 0;
}

}  // namespace

Measurement predict(const app::App& app, const machine::Machine& machine,
                    const mapping::Mapping& mapping, const sim::Options& options,
                    sim::Outcome& outcome) {
  Collector c(app, machine);
  sim::Options o = options;
  o.observers.push_back(&c);
  outcome = sim::simulate(app, machine, mapping, o);
  Measurement m;
  // Where the mapper puts each argument (each point's first-choice memory).
  std::map<std::pair<std::string, std::size_t>, std::set<std::string>> placed;
  for (const mapping::LaunchDecision& d : mapping.launches) {
    if (d.inner) continue;
    const app::Launch& launch = app.launches[d.launch];
    for (const mapping::PointDecision& p : d.points)
      for (std::size_t i = 0; i < p.memories.size() && i < launch.reqs.size(); ++i) {
        const app::Requirement& r = launch.reqs[i];
        if (r.touched == 0) continue;
        placed[{app.tasks[d.task].name, i}].insert(
            std::string(to_string(machine.memory(p.memories[i]).kind)));
      }
  }
  for (const auto& [key, kinds] : placed) {
    std::string text;
    for (const std::string& k : kinds)
      text += (text.empty() ? "" : ",") + k;
    m.placements.push_back({key.first, key.second, text});
  }
  m.time_s = outcome.time_s;
  m.iteration_time_s = outcome.iteration_time_s;
  m.iterations = outcome.iterations;
  for (auto& [name, s] : c.tasks_) {
    m.tasks.push_back(s);
    m.task_instances += s.count;
  }
  for (auto& [name, s] : c.channels_) {
    m.channels.push_back(s);
    m.copies += s.count;
  }
  return m;
}

Validation compare(const Measurement& measured, const Measurement& predicted) {
  Validation v;
  const auto rows = [](const std::vector<Stat>& a, const std::vector<Stat>& b) {
    std::map<std::string, Row> by;
    for (const Stat& s : a) {
      by[s.name].name = s.name;
      by[s.name].measured = s;
    }
    for (const Stat& s : b) {
      by[s.name].name = s.name;
      by[s.name].predicted = s;
    }
    std::vector<Row> out;
    for (auto& [name, r] : by) {
      r.measured.name = r.predicted.name = name;
      out.push_back(r);
    }
    return out;
  };
  v.tasks = rows(measured.tasks, predicted.tasks);
  v.channels = rows(measured.channels, predicted.channels);
  for (const Row& r : v.tasks)
    if (r.measured.count != r.predicted.count) v.counts_match = false;
  for (const Placement& a : measured.placements)
    for (const Placement& b : predicted.placements)
      if (a.task == b.task && a.arg == b.arg && a.memories != b.memories)
        v.placements.push_back({a.task, a.arg, a.memories, b.memories});
  v.measured_time_s = measured.time_s;
  v.predicted_time_s = predicted.time_s;
  v.measured_iteration_s = measured.iteration_time_s;
  v.predicted_iteration_s = predicted.iteration_time_s;
  v.iterations = measured.iterations;
  v.time_error = relative(predicted.time_s, measured.time_s);
  v.iteration_error = relative(predicted.iteration_time_s, measured.iteration_time_s);
  const double e = std::fabs(v.iteration_error);
  const std::string per = measured.iterations ? "per iteration" : "for the whole run";
  if (e <= kGoodError)
    v.verdict = Verdict::Good;
  else if (e <= kFairError)
    v.verdict = Verdict::Fair;
  else
    v.verdict = Verdict::Poor;
  v.reason = fmt::format("the predicted time {} is {:.1f}% {} the measured one", per, 100 * e,
                         v.iteration_error >= 0 ? "above" : "below");
  if (!v.counts_match) {
    if (v.verdict == Verdict::Good) v.verdict = Verdict::Fair;
    v.reason += "; the model does not run every task as often as the run did";
  }
  return v;
}

double kendall_tau(const std::vector<double>& a, const std::vector<double>& b) {
  const std::size_t n = std::min(a.size(), b.size());
  double concordant = 0, discordant = 0, ties_a = 0, ties_b = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      const double x = a[i] - a[j], y = b[i] - b[j];
      if (x == 0 && y == 0) continue;
      if (x == 0) {
        ++ties_a;
      } else if (y == 0) {
        ++ties_b;
      } else if ((x > 0) == (y > 0)) {
        ++concordant;
      } else {
        ++discordant;
      }
    }
  const double denom =
      std::sqrt((concordant + discordant + ties_a) * (concordant + discordant + ties_b));
  return denom > 0 ? (concordant - discordant) / denom : 0;
}

double median_relative_error(const std::vector<double>& measured,
                             const std::vector<double>& predicted) {
  std::vector<double> e;
  for (std::size_t i = 0; i < measured.size() && i < predicted.size(); ++i)
    if (measured[i] > 0) e.push_back(std::fabs(predicted[i] - measured[i]) / measured[i]);
  if (e.empty()) return 0;
  std::sort(e.begin(), e.end());
  const std::size_t m = e.size() / 2;
  return e.size() % 2 ? e[m] : (e[m - 1] + e[m]) / 2;
}

}  // namespace mapsmith::importer
