// simulate(): the plan (the app and mapping flattened), the fabric (the machine's servers and
// shared resources), the graph (built in program order, build.cpp), its run (timed as discrete
// events, run.cpp), then the outcome: statistics, the timed region, the critical path, findings,
// and the events for the observers, in program order.
#include <algorithm>
#include <cmath>

#include "sim/build.h"
#include "sim/findings.h"
#include "sim/observer.h"
#include "sim/run.h"
#include "sim/sim.h"

namespace mapsmith::sim {

namespace {

using detail::Graph;
using detail::kNone;
using detail::NodeKind;

/// The timed region (docs/simulator.md §6, "Outputs"): per timed iteration, from the end of
/// everything before it to the end of everything it made.
void timed_region(const Graph& g, const detail::Plan& plan, Outcome& out) {
  if (g.timed.empty()) {
    out.timed_iterations = 1;
    out.timed_begin_s = 0;
    out.timed_end_s = out.time_s;
    out.iteration_time_s = out.time_s;
    return;
  }
  out.iterations = plan.timed.loop->count;
  out.timed_iterations = static_cast<std::int64_t>(g.timed.size());
  // prefix[i]: the latest end of nodes [0, i).
  std::vector<double> prefix(g.nodes.size() + 1, 0);
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    prefix[i + 1] = std::max(prefix[i], g.nodes[i].end);
  auto latest = [&](std::uint32_t from, std::uint32_t to) {
    double t = 0;
    for (std::uint32_t i = from; i < to; ++i)
      t = std::max(t, g.nodes[i].end);
    return t;
  };
  if (g.whole_loop) {
    out.timed_begin_s = prefix[g.timed.front().from];
    out.timed_end_s =
        std::max(out.timed_begin_s, latest(g.timed.front().from, g.timed.back().last));
    out.iteration_time_s =
        (out.timed_end_s - out.timed_begin_s) / static_cast<double>(out.timed_iterations);
    return;
  }
  double sum = 0;
  for (const detail::TimedSpan& s : g.timed) {
    const double begin = prefix[s.first];
    sum += std::max(0.0, latest(s.first, s.last) - begin);
  }
  out.timed_begin_s = prefix[g.timed.front().first];
  out.timed_end_s = latest(g.timed.front().first, g.timed.back().last);
  out.iteration_time_s = sum / static_cast<double>(out.timed_iterations);
}

bool in_timed(const Graph& g, std::uint32_t n) {
  if (g.timed.empty()) return true;
  auto it =
      std::upper_bound(g.timed.begin(), g.timed.end(), n,
                       [](std::uint32_t x, const detail::TimedSpan& s) { return x < s.first; });
  if (it == g.timed.begin()) return false;
  --it;
  return n >= it->first && n < it->last;
}

/// Walks back from the node that ends last, through the predecessor that ended last: what the
/// time of the run is made of (docs/simulator.md §6).
void critical_path(const Graph& g, const Constants& c, Outcome& out) {
  std::uint32_t cur = kNone;
  for (std::uint32_t i = 0; i < g.nodes.size(); ++i)
    if (cur == kNone || g.nodes[i].end >= g.nodes[cur].end) cur = i;
  Breakdown& b = out.critical_path;
  // Differences below rounding are none (a sum of times is not associative).
  auto snap = [&](double x) { return std::fabs(x) <= 1e-12 * out.time_s ? 0.0 : x; };
  while (cur != kNone) {
    const detail::Node& n = g.nodes[cur];
    b.waiting += snap(n.start - n.ready);  // queued for its processor or DMA channel
    if (n.kind == NodeKind::Task) {
      const detail::TaskItem& t = g.tasks[n.item];
      const double span = n.end - n.start;
      const double o = std::min(span, c.task_overhead);
      const double body = span - o;
      const double solo = t.inner ? 0 : (body >= t.solo * (1 - 1e-12) ? t.solo : body);
      b.overhead += o;
      b.compute += solo;
      b.waiting += snap(body - solo);  // slowed by flows it shares resources with
      out.critical_chain.push_back(ChainLink{false, n.item});
    } else if (n.kind == NodeKind::Copy) {
      const detail::CopyItem& cp = g.copies[n.item];
      const double span = n.end - n.start;
      const double flow = std::max(0.0, span - cp.latency);
      const double solo = flow >= cp.solo * (1 - 1e-12) ? cp.solo : flow;
      const double o = std::min(span - flow, c.copy_overhead);
      b.overhead += o;
      b.copy += solo + (span - flow - o);
      b.waiting += snap(flow - solo);
      out.critical_chain.push_back(ChainLink{true, n.item});
    }
    cur = n.binding;
  }
}

}  // namespace

Outcome simulate(const app::App& app, const machine::Machine& machine,
                 const mapping::Mapping& mapping, const Options& options) {
  const detail::Plan plan = detail::make_plan(app, machine, mapping, options.max_task_instances);
  const detail::Fabric fabric(machine, options.constants);
  Graph g;
  Outcome out;
  out.procs.assign(machine.processors().size(), {});
  out.channels.assign(machine.channels().size(), {});
  if (auto failure = detail::build(app, machine, mapping, plan, fabric, options, g, out)) {
    Outcome failed;
    failed.ok = false;
    failed.task_instances = out.task_instances;
    failed.failures.push_back(std::move(*failure));
    for (Observer* ob : options.observers)
      ob->on_finish(failed);
    return failed;
  }
  detail::RunStats stats;
  detail::run(g, fabric, options.constants.task_overhead, stats);

  for (const detail::Node& n : g.nodes)
    out.time_s = std::max(out.time_s, n.end);
  timed_region(g, plan, out);
  critical_path(g, options.constants, out);
  out.limits_inactive =
      !options.backpressure &&
      std::any_of(mapping.launches.begin(), mapping.launches.end(),
                  [](const mapping::LaunchDecision& d) { return d.instance_limit.has_value(); });

  // Processors, channels, copy groups, the tasks of the timed region.
  out.task_times.assign(app.tasks.size(), TaskTime{});
  std::vector<double> issued(g.tasks.size(), 0);
  auto end_of = [&](std::uint32_t n) { return n == kNone ? 0.0 : g.nodes[n].end; };
  std::vector<std::size_t> arg_offset(app.tasks.size(), 0);
  for (std::size_t t = 1; t < app.tasks.size(); ++t)
    arg_offset[t] = arg_offset[t - 1] + plan.task_args[t - 1];
  const auto chans = machine.channels();
  for (std::uint32_t i = 0; i < g.nodes.size(); ++i) {
    const detail::Node& n = g.nodes[i];
    if (n.kind == NodeKind::Task) {
      const detail::TaskItem& t = g.tasks[n.item];
      issued[n.item] = std::max({end_of(t.gate[0]), end_of(t.gate[1]), end_of(t.gate[2])});
      ProcStats& ps = out.procs[t.proc];
      ps.tasks++;
      ps.busy_s += n.end - n.start;
      for (std::uint32_t d = t.first_demand; d < t.first_demand + t.demands; ++d)
        if (fabric.is_channel(g.demands[d].resource)) {
          const std::uint32_t c = g.demands[d].resource;
          out.channels[c].bytes +=
              static_cast<std::uint64_t>(g.demands[d].work * chans[c].bandwidth + 0.5);
        }
      if (in_timed(g, i)) {
        TaskTime& tt = out.task_times[mapping.launches[t.decision].task];
        tt.instances++;
        tt.busy_s += n.end - n.start;
        tt.inputs_s += std::max(0.0, n.ready - issued[n.item]);
        tt.queued_s += n.start - n.ready;
      }
    } else if (n.kind == NodeKind::Copy) {
      const detail::CopyItem& c = g.copies[n.item];
      for (std::uint32_t d = c.first_demand; d < c.first_demand + c.demands; ++d)
        if (fabric.is_channel(g.demands[d].resource)) {
          ChannelStats& cs = out.channels[g.demands[d].resource];
          cs.bytes += c.bytes;
          cs.copy_bytes += c.bytes;
          cs.copies++;
        }
      const detail::TaskItem& t = g.tasks[g.nodes[c.task].item];
      out.copy_groups[arg_offset[mapping.launches[t.decision].task] + c.arg].seconds +=
          n.end - n.start;
    }
  }
  for (std::uint32_t c = 0; c < out.channels.size(); ++c)
    out.channels[c].busy_s = stats.resource_busy[c];
  {
    // The critical path's time in each task's bodies within the timed region.
    std::uint32_t task_index = 0;
    std::vector<std::uint32_t> node_of_task(g.tasks.size());
    for (std::uint32_t i = 0; i < g.nodes.size(); ++i)
      if (g.nodes[i].kind == NodeKind::Task) node_of_task[task_index++] = i;
    for (const ChainLink& l : out.critical_chain) {
      if (l.copy) continue;
      const std::uint32_t n = node_of_task[l.id];
      if (!in_timed(g, n)) continue;
      const detail::TaskItem& t = g.tasks[l.id];
      out.task_times[mapping.launches[t.decision].task].critical_s +=
          g.nodes[n].end - g.nodes[n].start;
    }
    std::vector<CopyGroup> groups;
    for (const CopyGroup& cg : out.copy_groups)
      if (cg.copies > 0) groups.push_back(cg);
    std::stable_sort(groups.begin(), groups.end(),
                     [](const CopyGroup& a, const CopyGroup& b) { return a.bytes > b.bytes; });
    out.copy_groups = std::move(groups);
    detail::explain(app, machine, mapping, out);

    if (!options.observers.empty()) {
      // In program order, an instance's copies just before it: they are the copy nodes between
      // its node and the next task's (its children come after them).
      auto emit_copy = [&](const detail::Node& n) {
        const detail::CopyItem& c = g.copies[n.item];
        const detail::TaskItem& t = g.tasks[g.nodes[c.task].item];
        CopyEvent e;
        e.id = n.item;
        e.decision = t.decision;
        e.point = t.point;
        e.task = mapping.launches[t.decision].task;
        e.arg = c.arg;
        e.src = machine::MemId{c.src};
        e.dst = machine::MemId{c.dst};
        e.bytes = c.bytes;
        e.ready = n.ready;
        e.start = n.start;
        e.end = n.end;
        e.link_time = std::max(0.0, n.end - c.latency - n.start);
        e.route = machine.route(e.src, e.dst);
        e.reduction = c.reduction;
        for (Observer* ob : options.observers)
          ob->on_copy(e);
      };
      for (std::uint32_t i = 0; i < g.nodes.size(); ++i) {
        const detail::Node& n = g.nodes[i];
        if (n.kind != NodeKind::Task) continue;
        std::uint32_t j = i + 1;
        for (; j < g.nodes.size() && g.nodes[j].kind != NodeKind::Task; ++j)
          if (g.nodes[j].kind == NodeKind::Copy) emit_copy(g.nodes[j]);
        const detail::TaskItem& t = g.tasks[n.item];
        const mapping::LaunchDecision& dec = mapping.launches[t.decision];
        TaskEvent e{t.decision, t.point,
                    dec.task,   machine::ProcId{t.proc},
                    n.item,     issued[n.item],
                    n.ready,    n.start,
                    n.end,      std::min(n.end - n.start, options.constants.task_overhead),
                    t.inner};
        for (Observer* ob : options.observers)
          ob->on_task(e);
        i = j - 1;
      }
    }
  }
  for (Observer* ob : options.observers)
    ob->on_finish(out);
  return out;
}

}  // namespace mapsmith::sim
