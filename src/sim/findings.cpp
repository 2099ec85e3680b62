// Findings: the few facts that explain a predicted time, each a sentence for people and fields
// for optimizers. Ranked: the critical path first (it says what kind of time dominates), then by
// the time each finding puts at stake, largest first.
#include "sim/findings.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

namespace mapsmith::sim {

std::string_view to_string(FindingKind k) {
  switch (k) {
    case FindingKind::CriticalPath:
      return "critical_path";
    case FindingKind::BusyChannel:
      return "busy_channel";
    case FindingKind::IdleProcessors:
      return "idle_processors";
    case FindingKind::LargeCopies:
      return "large_copies";
    case FindingKind::MemoryPeak:
      return "memory_peak";
  }
  return "?";
}

std::string time_text(double s, int digits) {
  if (!std::isfinite(s)) return "?";
  const double a = std::fabs(s);
  if (a == 0) return "0 s";
  constexpr std::array<std::pair<double, const char*>, 4> units = {
      {{1e9, "ns"}, {1e6, "µs"}, {1e3, "ms"}, {1, "s"}}};
  std::size_t u = a >= 1 ? 3 : a >= 1e-3 ? 2 : a >= 1e-6 ? 1 : 0;
  // 0.9999996 s is "1 s", not "1e+03 ms": when rounding reaches the next unit, use that one.
  const double limit = std::pow(10.0, digits);
  while (u < 3 && std::fabs(std::stod(fmt::format("{:.{}g}", s * units[u].first, digits))) >= 1000)
    ++u;
  const double v = s * units[u].first;
  // Past 10^digits (a run of 1234 s) the digits before the point are all shown.
  if (std::fabs(v) >= limit) return fmt::format("{:.0f} {}", v, units[u].second);
  return fmt::format("{:.{}g} {}", v, digits, units[u].second);
}

std::string bytes_text(std::uint64_t b) {
  constexpr std::array<const char*, 4> units = {"KiB", "MiB", "GiB", "TiB"};
  if (b < 1024) return fmt::format("{} B", b);
  double v = static_cast<double>(b) / 1024;
  std::size_t u = 0;
  // Up a unit also when three digits would round to 1000 ("1.02e+03 KiB" is 1 MiB).
  while (v >= 999.5 && u + 1 < units.size()) {
    v /= 1024;
    ++u;
  }
  if (v >= 999.5) return fmt::format("{:.0f} {}", v, units[u]);
  return fmt::format("{:.3g} {}", v, units[u]);
}

std::string count_text(std::uint64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

namespace detail {

namespace {

std::string percent(double f) {
  if (!std::isfinite(f)) return "?%";  // never "-nan%"
  return fmt::format("{:.0f}%", 100 * f);
}

Finding critical_path(const Outcome& out) {
  const Breakdown& b = out.critical_path;
  const double total = b.total() > 0 ? b.total() : 1;
  const std::array<std::pair<const char*, double>, 4> parts = {
      {{"compute", b.compute}, {"copy", b.copy}, {"waiting", b.waiting}, {"overhead", b.overhead}}};
  std::size_t top = 0;
  for (std::size_t i = 1; i < parts.size(); ++i)
    if (parts[i].second > parts[top].second) top = i;
  Finding f;
  f.kind = FindingKind::CriticalPath;
  f.seconds = out.time_s;
  f.category = parts[top].first;
  f.fraction = parts[top].second / total;
  f.text = fmt::format(
      "The critical path of {} is {} compute, {} copies, {} waiting for busy processors or "
      "channels and {} runtime overhead.",
      time_text(out.time_s), percent(b.compute / total), percent(b.copy / total),
      percent(b.waiting / total), percent(b.overhead / total));
  return f;
}

void busy_channels(const machine::Machine& m, const Outcome& out, std::vector<Finding>& fs) {
  std::vector<std::size_t> order(out.channels.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return out.channels[a].busy_s > out.channels[b].busy_s;
  });
  for (std::size_t i = 0; i < order.size() && i < 3; ++i) {
    const ChannelStats& c = out.channels[order[i]];
    if (c.busy_s <= 0 || c.busy_s < 0.01 * out.time_s) break;  // under 1% of the run: noise
    Finding f;
    f.kind = FindingKind::BusyChannel;
    f.channel = machine::ChannelId{static_cast<std::uint32_t>(order[i])};
    f.seconds = c.busy_s;
    f.fraction = out.time_s > 0 ? c.busy_s / out.time_s : 0;
    f.bytes = c.bytes;
    f.count = c.copies;
    // In use: by a copy, or by a task body reading or writing memory across it (zero-copy),
    // however little of its bandwidth either takes; the bytes over bandwidth × run time say how
    // much of it they took.
    const double bandwidth = m.channels()[order[i]].bandwidth;
    const double utilisation = out.time_s > 0 && bandwidth > 0
                                   ? static_cast<double>(c.bytes) / (bandwidth * out.time_s)
                                   : 0;
    const std::uint64_t by_tasks = c.bytes - std::min(c.bytes, c.copy_bytes);
    std::string parts;
    if (c.copies > 0)
      parts =
          fmt::format("{} {}", count_text(c.copies, "copy", "copies"), bytes_text(c.copy_bytes));
    if (by_tasks > 0)
      parts += fmt::format("{}task bodies {}", parts.empty() ? "" : ", ", bytes_text(by_tasks));
    f.text = fmt::format(
        "{} was in use {} of the run (by copies, or by tasks accessing memory across it) and "
        "carried {}, {} of its bandwidth over the run{}{}.",
        m.name_of(*f.channel), percent(f.fraction), bytes_text(c.bytes),
        utilisation > 0 && utilisation < 0.005 ? "under 1%" : percent(utilisation),
        parts.empty() ? "" : ": ", parts);
    fs.push_back(std::move(f));
  }
}

// A kind of processor the mapping uses, with idle ones or a low mean utilisation. The time at
// stake is the idle share of the run weighted by the kind's share of all busy time, so a kind
// that runs only a few small tasks does not outrank the one doing the work.
void idle_processors(const machine::Machine& m, const mapping::Mapping& mapping, const Outcome& out,
                     std::vector<Finding>& fs) {
  std::array<bool, kAllProcKinds.size()> used{};
  for (const mapping::LaunchDecision& d : mapping.launches)
    for (const mapping::PointDecision& p : d.points)
      used[static_cast<std::size_t>(m.processor(p.proc).kind)] = true;
  double all_busy = 0;
  for (const ProcStats& p : out.procs)
    all_busy += p.busy_s;
  for (ProcKind kind : kAllProcKinds) {
    if (!used[static_cast<std::size_t>(kind)] || kind == ProcKind::UTIL) continue;
    std::uint64_t n = 0, idle = 0;
    double busy = 0;
    const auto procs = m.processors();
    for (std::size_t i = 0; i < procs.size(); ++i) {
      if (procs[i].kind != kind) continue;
      ++n;
      idle += out.procs[i].tasks == 0 ? 1 : 0;
      busy += out.procs[i].busy_s;
    }
    const double mean = n > 0 && out.time_s > 0 ? busy / (static_cast<double>(n) * out.time_s) : 1;
    const double share = all_busy > 0 ? busy / all_busy : 0;
    if ((idle == 0 && mean >= 0.5) || share < 0.01) continue;
    Finding f;
    f.kind = FindingKind::IdleProcessors;
    f.proc_kind = kind;
    f.count = idle;
    f.fraction = 1 - mean;
    f.seconds = (1 - mean) * out.time_s * share;
    f.text = idle > 0 ? fmt::format(
                            "{} of {} {} processors ran no task; the {} processors were "
                            "busy {} of the run on average.",
                            idle, n, to_string(kind), to_string(kind), percent(mean))
                      : fmt::format(
                            "The {} {} processors were busy only {} of the run on "
                            "average.",
                            n, to_string(kind), percent(mean));
    fs.push_back(std::move(f));
  }
}

void large_copies(const app::App& app, const Outcome& out, std::vector<Finding>& fs) {
  for (std::size_t i = 0; i < out.copy_groups.size() && i < 3; ++i) {
    const CopyGroup& g = out.copy_groups[i];
    const app::Task& t = app.tasks[g.task];
    Finding f;
    f.kind = FindingKind::LargeCopies;
    f.task = g.task;
    f.arg = g.arg;
    f.region = g.arg < t.args.size() ? t.args[g.arg].display_name() : std::string();
    f.bytes = g.bytes;
    f.count = g.copies;
    f.seconds = g.seconds;
    f.fraction = out.time_s > 0 ? g.seconds / out.time_s : 0;
    f.text =
        fmt::format("Task {} region argument {} '{}' needed {} of copies ({}, {} of transfers).",
                    t.name, g.arg, f.region, bytes_text(g.bytes),
                    count_text(g.copies, "copy", "copies"), time_text(g.seconds));
    fs.push_back(std::move(f));
  }
}

void memory_peaks(const machine::Machine& m, const Outcome& out, std::vector<Finding>& fs) {
  std::optional<std::size_t> top;
  double top_share = -1;
  const auto mems = m.memories();
  for (std::size_t i = 0; i < out.memories.size(); ++i) {
    if (out.memories[i].peak_bytes == 0 || mems[i].capacity == 0) continue;
    const double share =
        static_cast<double>(out.memories[i].peak_bytes) / static_cast<double>(mems[i].capacity);
    if (share > top_share) {
      top_share = share;
      top = i;
    }
  }
  if (!top) return;
  Finding f;
  f.kind = FindingKind::MemoryPeak;
  f.memory = machine::MemId{static_cast<std::uint32_t>(*top)};
  f.bytes = out.memories[*top].peak_bytes;
  f.fraction = top_share;
  f.text = fmt::format("{} peaked at {} of its {} ({}), the fullest memory.", m.name_of(*f.memory),
                       bytes_text(f.bytes), bytes_text(mems[*top].capacity), percent(top_share));
  fs.push_back(std::move(f));
}

}  // namespace

void explain(const app::App& app, const machine::Machine& machine, const mapping::Mapping& mapping,
             Outcome& out) {
  std::vector<Finding> rest;
  busy_channels(machine, out, rest);
  idle_processors(machine, mapping, out, rest);
  large_copies(app, out, rest);
  memory_peaks(machine, out, rest);
  std::stable_sort(rest.begin(), rest.end(),
                   [](const Finding& a, const Finding& b) { return a.seconds > b.seconds; });
  out.findings.clear();
  if (out.time_s > 0) out.findings.push_back(critical_path(out));
  for (Finding& f : rest)
    out.findings.push_back(std::move(f));
}

}  // namespace detail

}  // namespace mapsmith::sim
