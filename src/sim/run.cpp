// The discrete-event run of a graph (run.h). Events: a task's runtime overhead is over, a flow
// moved its last byte, a copy's bytes arrived after its latency. Between events every flow moves
// at a constant rate; rates are recomputed for the flows that share a resource with one that
// starts or ends (progressive filling over their residual capacities).
#include "sim/run.h"

#include <algorithm>
#include <limits>

#include "util/error.h"

namespace mapsmith::sim::detail {

namespace {

enum class Ev : std::uint8_t { Overhead, Flow, Latency };

struct Event {
  double t = 0;
  std::uint64_t seq = 0;
  std::uint32_t id = 0;
  std::uint32_t version = 0;
  Ev kind = Ev::Flow;
};
struct Later {
  bool operator()(const Event& a, const Event& b) const {
    return a.t > b.t || (a.t == b.t && a.seq > b.seq);
  }
};

/// Work waiting for a server: the earliest ready first, then program order.
struct Waiter {
  double ready = 0;
  std::uint32_t node = 0;
};
struct Behind {
  bool operator()(const Waiter& a, const Waiter& b) const {
    return a.ready > b.ready || (a.ready == b.ready && a.node > b.node);
  }
};

struct Flow {
  std::uint32_t node = 0;
  std::uint32_t first = 0, count = 0;  ///< its demands
  double solo = 0;                     ///< seconds at full rate
  double remaining = 0;                ///< seconds at full rate still to go
  double rate = 0;                     ///< fraction of the full rate
  double last = 0;                     ///< when `remaining` was last brought up to date
  std::uint32_t version = 0;
};

constexpr double kEps = 1e-12;

class Runner {
 public:
  Runner(Graph& g, const Fabric& fabric, double overhead, RunStats& stats)
      : g_(g), fabric_(fabric), overhead_(overhead), st_(stats) {
    const std::uint32_t servers = fabric.servers();
    queues_.resize(servers);
    free_.resize(servers);
    for (std::uint32_t s = 0; s < servers; ++s)
      free_[s] = fabric.slots(s);
    last_done_.assign(servers, kNone);
    st_.server_busy.assign(servers, 0);
    on_res_.resize(g.resources);
    load_.assign(g.resources, 0);
    since_.assign(g.resources, 0);
    residual_.assign(g.resources, 0);
    wsum_.assign(g.resources, 0);
    res_mark_.assign(g.resources, 0);
    st_.resource_busy.assign(g.resources, 0);
    st_.queued_behind.assign(g.nodes.size(), kNone);
  }

  void run() {
    for (std::uint32_t n = 0; n < g_.nodes.size(); ++n)
      if (g_.nodes[n].waiting == 0) ready(n);
    drain();
    while (!events_.empty()) {
      std::pop_heap(events_.begin(), events_.end(), Later{});
      const Event e = events_.back();
      events_.pop_back();
      now_ = e.t;
      switch (e.kind) {
        case Ev::Overhead:
          body(e.id);
          break;
        case Ev::Flow:
          if (flows_[e.id].version == e.version) flow_done(e.id);
          break;
        case Ev::Latency:
          finish(e.id);
          break;
      }
      drain();
    }
  }

 private:
  void at(double t, Ev kind, std::uint32_t id, std::uint32_t version = 0) {
    events_.push_back(Event{t, seq_++, id, version, kind});
    std::push_heap(events_.begin(), events_.end(), Later{});
  }

  // ---- Nodes.

  /// The node's predecessors have all ended (now).
  void ready(std::uint32_t n) {
    Node& node = g_.nodes[n];
    node.ready = now_;
    switch (node.kind) {
      case NodeKind::Join:
        node.start = now_;
        finish(n);
        break;
      case NodeKind::Task: {
        const std::uint32_t s = Fabric::proc_server(machine::ProcId{g_.tasks[node.item].proc});
        enqueue(s, n);
        dirty_.push_back(s);
        break;
      }
      case NodeKind::Copy: {
        const CopyItem& c = g_.copies[node.item];
        if (c.servers == 0) {
          start(n);
          break;
        }
        for (std::uint8_t i = 0; i < c.servers; ++i) {
          enqueue(c.server[i], n);
          dirty_.push_back(c.server[i]);
        }
        break;
      }
    }
  }

  /// The node ends now: its successors may become ready (handled in drain(), in order).
  void finish(std::uint32_t n) {
    Node& node = g_.nodes[n];
    node.end = now_;
    for (std::uint32_t e = node.succ; e != kNone; e = g_.edges[e].next) {
      Node& s = g_.nodes[g_.edges[e].to];
      s.binding = n;  // events come in time order: the last to end is the latest
      if (--s.waiting == 0) ready_list_.push_back(g_.edges[e].to);
    }
  }
  /// Everything that became ready at this instant joins its queues first; then the servers take
  /// work, so that what was ready first (then what comes first in program order) goes first.
  void drain() {
    while (!ready_list_.empty() || !dirty_.empty()) {
      for (std::size_t i = 0; i < ready_list_.size(); ++i)
        ready(ready_list_[i]);
      ready_list_.clear();
      std::sort(dirty_.begin(), dirty_.end());
      dirty_.erase(std::unique(dirty_.begin(), dirty_.end()), dirty_.end());
      servers_.swap(dirty_);
      dirty_.clear();
      for (std::uint32_t s : servers_)
        try_start(s);
    }
  }

  // ---- Servers.

  void enqueue(std::uint32_t s, std::uint32_t n) {
    queues_[s].push_back(Waiter{g_.nodes[n].ready, n});
    std::push_heap(queues_[s].begin(), queues_[s].end(), Behind{});
  }
  std::uint32_t head(std::uint32_t s) const { return queues_[s].front().node; }
  void pop(std::uint32_t s) {
    std::pop_heap(queues_[s].begin(), queues_[s].end(), Behind{});
    queues_[s].pop_back();
  }

  void try_start(std::uint32_t s) {
    while (free_[s] > 0 && !queues_[s].empty()) {
      const std::uint32_t n = head(s);
      const Node& node = g_.nodes[n];
      if (node.kind == NodeKind::Copy) {
        const CopyItem& c = g_.copies[node.item];
        bool all = true;
        for (std::uint8_t i = 0; i < c.servers; ++i) {
          const std::uint32_t o = c.server[i];
          if (o != s && (free_[o] == 0 || queues_[o].empty() || head(o) != n)) all = false;
        }
        if (!all) return;  // strictly in order: it holds its place
        for (std::uint8_t i = 0; i < c.servers; ++i) {
          const std::uint32_t o = c.server[i];
          if (o != s) {
            pop(o);
            --free_[o];
          }
        }
      }
      pop(s);
      --free_[s];
      if (now_ > node.ready) st_.queued_behind[n] = last_done_[s];
      start(n);
    }
  }

  void release(std::uint32_t s, std::uint32_t n) {
    ++free_[s];
    last_done_[s] = n;
    st_.server_busy[s] += now_ - g_.nodes[n].start;
    try_start(s);
  }

  void start(std::uint32_t n) {
    Node& node = g_.nodes[n];
    node.start = now_;
    if (node.kind == NodeKind::Task) {
      const TaskItem& t = g_.tasks[node.item];
      if (t.demands == 0 && !t.inner && t.solo > 0) {
        // Nothing shared: the overhead and the body in one event.
        start_flow(n, t.first_demand, 0, t.solo, now_ + overhead_);
        return;
      }
      at(now_ + overhead_, Ev::Overhead, n);
      return;
    }
    const CopyItem& c = g_.copies[node.item];
    if (c.solo <= 0) {
      copy_moved(n);
      return;
    }
    start_flow(n, c.first_demand, c.demands, c.solo);
  }

  /// A task's runtime overhead is over: its body.
  void body(std::uint32_t n) {
    const TaskItem& t = g_.tasks[g_.nodes[n].item];
    if (t.inner || t.solo <= 0) {
      task_done(n);
      return;
    }
    start_flow(n, t.first_demand, t.demands, t.solo);
  }

  void task_done(std::uint32_t n) {
    finish(n);
    release(Fabric::proc_server(machine::ProcId{g_.tasks[g_.nodes[n].item].proc}), n);
  }

  /// A copy's bytes have all left: its channels are free; they arrive after its latency.
  void copy_moved(std::uint32_t n) {
    const CopyItem& c = g_.copies[g_.nodes[n].item];
    for (std::uint8_t i = 0; i < c.servers; ++i)
      release(c.server[i], n);
    at(now_ + c.latency, Ev::Latency, n);
  }

  // ---- Flows.

  /// A flow of `solo` seconds at full rate from `begin` (now unless said).
  void start_flow(std::uint32_t n, std::uint32_t first, std::uint32_t count, double solo,
                  double begin = -1) {
    std::uint32_t f;
    if (!free_flows_.empty()) {
      f = free_flows_.back();
      free_flows_.pop_back();
    } else {
      f = static_cast<std::uint32_t>(flows_.size());
      flows_.emplace_back();
    }
    Flow& fl = flows_[f];
    fl = Flow{n, first, count, solo, solo, 0, now_, fl.version + 1};
    if (count == 0) {
      fl.rate = 1;
      at((begin >= 0 ? begin : now_) + solo, Ev::Flow, f, fl.version);
      return;
    }
    affected_.clear();
    affected_.push_back(f);
    for (std::uint32_t i = first; i < first + count; ++i) {
      const std::uint32_t r = g_.demands[i].resource;
      if (on_res_[r].empty()) since_[r] = now_;
      for (std::uint32_t other : on_res_[r])
        affected_.push_back(other);
      on_res_[r].push_back(f);
    }
    reallocate();
  }

  void flow_done(std::uint32_t f) {
    Flow& fl = flows_[f];
    const std::uint32_t n = fl.node;
    ++fl.version;
    affected_.clear();
    for (std::uint32_t i = fl.first; i < fl.first + fl.count; ++i) {
      const Demand& d = g_.demands[i];
      auto& list = on_res_[d.resource];
      list.erase(std::find(list.begin(), list.end(), f));
      load_[d.resource] -= d.work / fl.solo * fl.rate;
      if (list.empty()) {
        st_.resource_busy[d.resource] += now_ - since_[d.resource];
        load_[d.resource] = 0;
      }
      for (std::uint32_t other : list)
        affected_.push_back(other);
    }
    fl.rate = 0;
    free_flows_.push_back(f);
    if (!affected_.empty()) reallocate();
    if (g_.nodes[n].kind == NodeKind::Task)
      task_done(n);
    else
      copy_moved(n);
  }

  /// New rates for the flows in `affected_` (progressive filling over what the other flows
  /// leave of each resource), and new completion events for those whose rate changed.
  void reallocate() {
    std::sort(affected_.begin(), affected_.end());
    affected_.erase(std::unique(affected_.begin(), affected_.end()), affected_.end());
    ++stamp_;
    touched_.clear();
    for (std::uint32_t f : affected_) {
      Flow& fl = flows_[f];
      fl.remaining = std::max(0.0, fl.remaining - (now_ - fl.last) * fl.rate);
      fl.last = now_;
      for (std::uint32_t i = fl.first; i < fl.first + fl.count; ++i) {
        const Demand& d = g_.demands[i];
        if (res_mark_[d.resource] != stamp_) {
          res_mark_[d.resource] = stamp_;
          residual_[d.resource] = 1 - load_[d.resource];
          touched_.push_back(d.resource);
        }
        residual_[d.resource] += d.work / fl.solo * fl.rate;  // this flow's share is free again
      }
    }
    for (std::uint32_t r : touched_)
      residual_[r] = std::clamp(residual_[r], 0.0, 1.0);
    // Progressive filling: raise every unfrozen flow's rate together until a flow reaches full
    // speed or a resource is full; freeze those; repeat.
    rates_.assign(affected_.size(), 0);
    frozen_.assign(affected_.size(), 0);
    std::size_t left = affected_.size();
    while (left > 0) {
      for (std::uint32_t r : touched_)
        wsum_[r] = 0;
      double delta = 1;
      for (std::size_t k = 0; k < affected_.size(); ++k) {
        if (frozen_[k]) continue;
        const Flow& fl = flows_[affected_[k]];
        delta = std::min(delta, 1 - rates_[k]);
        for (std::uint32_t i = fl.first; i < fl.first + fl.count; ++i)
          wsum_[g_.demands[i].resource] += g_.demands[i].work / fl.solo;
      }
      for (std::uint32_t r : touched_)
        if (wsum_[r] > 0) delta = std::min(delta, residual_[r] / wsum_[r]);
      delta = std::max(delta, 0.0);
      for (std::uint32_t r : touched_)
        residual_[r] -= delta * wsum_[r];
      for (std::size_t k = 0; k < affected_.size(); ++k) {
        if (frozen_[k]) continue;
        rates_[k] += delta;
        const Flow& fl = flows_[affected_[k]];
        bool stop = rates_[k] >= 1 - kEps;
        for (std::uint32_t i = fl.first; i < fl.first + fl.count && !stop; ++i)
          stop = residual_[g_.demands[i].resource] <= kEps;
        if (stop) {
          frozen_[k] = 1;
          --left;
        }
      }
    }
    for (std::size_t k = 0; k < affected_.size(); ++k) {
      Flow& fl = flows_[affected_[k]];
      const double rate = std::min(1.0, rates_[k]);
      for (std::uint32_t i = fl.first; i < fl.first + fl.count; ++i)
        load_[g_.demands[i].resource] += g_.demands[i].work / fl.solo * (rate - fl.rate);
      if (rate == fl.rate && rate > 0) continue;  // its completion event stands
      fl.rate = rate;
      ++fl.version;
      if (rate > 0) at(now_ + fl.remaining / rate, Ev::Flow, affected_[k], fl.version);
    }
  }

  Graph& g_;
  const Fabric& fabric_;
  double overhead_;
  RunStats& st_;
  double now_ = 0;
  std::vector<Event> events_;
  std::uint64_t seq_ = 0;
  std::vector<std::uint32_t> ready_list_;
  std::vector<std::uint32_t> dirty_, servers_;  ///< servers with new work, to try at once
  std::vector<std::vector<Waiter>> queues_;
  std::vector<std::uint32_t> free_;
  std::vector<std::uint32_t> last_done_;
  std::vector<Flow> flows_;
  std::vector<std::uint32_t> free_flows_;
  std::vector<std::vector<std::uint32_t>> on_res_;
  std::vector<double> load_, since_, residual_, wsum_;
  std::vector<std::uint32_t> res_mark_;
  std::uint32_t stamp_ = 0;
  std::vector<std::uint32_t> affected_, touched_;
  std::vector<double> rates_;
  std::vector<std::uint8_t> frozen_;
};

}  // namespace

void run(Graph& g, const Fabric& fabric, double task_overhead, RunStats& stats) {
  Runner(g, fabric, task_overhead, stats).run();
}

}  // namespace mapsmith::sim::detail
