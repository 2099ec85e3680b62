// The graph builder: the program in program order, as Legion analyses and maps it (build.h). The
// state of every cell (atom × field) says which node produced its current version, which nodes
// read it since, which reductions into it are pending, and which memories hold an instance of it
// (valid since some node, or stale). Nothing here knows time: edges say what waits for what.
#include "sim/build.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <unordered_map>

#include "sim/failures.h"
#include "util/error.h"

namespace mapsmith::sim::detail {

namespace {

using machine::MemId;
using machine::ProcId;

struct Failure {
  dsl::Diagnostic diagnostic;
};

/// A memory holding an instance of a cell: valid (holding the current version, which arrived
/// when node `arrival` ended; kNone: from the start) or stale (allocated, reusable, collectable).
struct Entry {
  std::uint32_t mem = 0;
  std::uint32_t next = kNone;
  bool valid = false;
  std::uint32_t arrival = kNone;
};
/// A reduction instance of a cell not yet folded: made by the reducing task `node`.
struct Pending {
  std::uint32_t mem = 0;
  std::uint32_t next = kNone;
  std::uint32_t node = kNone;
};
/// A node that read a cell's current version.
struct Reader {
  std::uint32_t node = kNone;
  std::uint32_t next = kNone;
};
struct Cell {
  std::uint32_t write = kNone;  ///< produced the current version (kNone: the initial data)
  std::uint32_t readers = kNone;
  std::uint32_t reader_count = 0;
  std::uint32_t entries = kNone;
  std::uint32_t pending = kNone;
};

/// List nodes with a free list: after warm-up nothing is allocated per cell update.
template <typename T>
class Pool {
 public:
  std::uint32_t make(const T& v) {
    if (free_ != kNone) {
      std::uint32_t i = free_;
      free_ = items_[i].next;
      items_[i] = v;
      return i;
    }
    MAPSMITH_ASSERT(items_.size() < kNone);
    items_.push_back(v);
    return static_cast<std::uint32_t>(items_.size() - 1);
  }
  void release(std::uint32_t i) {
    items_[i].next = free_;
    free_ = i;
  }
  T& operator[](std::uint32_t i) { return items_[i]; }

 private:
  std::vector<T> items_;
  std::uint32_t free_ = kNone;
};

/// The copies of one requirement from one source memory: one copy node.
struct Group {
  std::uint32_t src = 0;
  bool reduction = false;
  std::uint64_t bytes = 0;
  std::uint32_t node = kNone;
};
/// InstanceLimit for one task launched from one originating processor: its last instances.
struct Limiter {
  std::vector<std::uint32_t> ring;
  std::uint64_t issued = 0;
};
struct ArgState {
  bool active = false;
  std::uint32_t mem = 0;
  std::uint32_t piece = 0;
  std::uint64_t bytes = 0;
};

/// Readers kept per cell before they are gathered into one join (which bounds the edges a writer
/// after many readers gets).
constexpr std::uint32_t kMaxReaders = 16;

class Builder {
 public:
  Builder(const app::App& app, const machine::Machine& m, const mapping::Mapping& mapping,
          const Plan& plan, const Fabric& fabric, const Options& options, Graph& g, Outcome& out)
      : app_(app),
        m_(m),
        mapping_(mapping),
        plan_(plan),
        fabric_(fabric),
        o_(options),
        g_(g),
        out_(out) {
    const auto mems = m.memories();
    for (const machine::Memory& mem : mems) {
      mem_node_.push_back(mem.node);
      capacity_.push_back(mem.capacity);
    }
    usage_.assign(mems.size(), 0);
    invalid_.assign(mems.size(), 0);
    group_of_.assign(2 * mems.size(), kNone);
    out_.memories.assign(mems.size(), {});
    cells_.assign(plan_.cell_bytes.size(), Cell{});
    env_.assign(plan_.slots + 1, 0);
    std::size_t args = 0;
    for (std::size_t t = 0; t < app.tasks.size(); ++t) {
      arg_offset_.push_back(args);
      args += plan_.task_args[t];
      max_args_ = std::max<std::size_t>(max_args_, plan_.task_args[t]);
    }
    // One limiter per (task, origin): the originating processors are the address spaces (the
    // top-level task's shard on each) followed by every processor (an inner task's own).
    origins_ = std::size_t{m.address_spaces()} + m.processors().size();
    if (o_.backpressure && std::any_of(plan_.ring_size.begin(), plan_.ring_size.end(),
                                       [](std::uint64_t r) { return r > 0; }))
      limiters_.resize(app.tasks.size() * origins_);
    checked_.assign(mapping.launches.size(), 0);
    args_.assign(max_args_, ArgState{});
    g_.resources = fabric_.static_resources();
    awaited_.assign(app.launches.size(), false);
    last_run_.assign(app.launches.size(), kNone);
    for (const app::Launch& l : app.launches)
      for (std::size_t f : l.futures)
        if (f < awaited_.size()) awaited_[f] = true;
    g_.nodes.reserve(plan_.task_instances * 2 + 16);
    g_.tasks.reserve(plan_.task_instances);
    g_.edges.reserve(plan_.task_instances * 4 + 16);
    g_.copies.reserve(plan_.task_instances + 16);
  }

  std::optional<dsl::Diagnostic> run() {
    try {
      std::uint32_t fence = kNone;
      walk(app_.program, kNone, 0, kNone, kNone, fence, 0, true);
    } catch (const Failure& f) {
      return f.diagnostic;
    }
    for (std::size_t i = 0; i < usage_.size(); ++i)
      out_.memories[i].end_bytes = usage_[i];
    return std::nullopt;
  }

 private:
  // ---- Nodes and edges.

  std::uint32_t node(NodeKind kind, std::uint32_t item) {
    MAPSMITH_ASSERT(g_.nodes.size() < kNone);
    Node n;
    n.kind = kind;
    n.item = item;
    g_.nodes.push_back(n);
    return static_cast<std::uint32_t>(g_.nodes.size() - 1);
  }
  /// `to` waits for `from` (nothing when `from` is kNone: data there from the start).
  void edge(std::uint32_t from, std::uint32_t to) {
    if (from == kNone || to == kNone || from == to) return;
    Node& f = g_.nodes[from];
    if (f.mark == to) return;
    f.mark = to;
    MAPSMITH_ASSERT(g_.edges.size() < kNone);
    g_.edges.push_back(Edge{to, f.succ});
    f.succ = static_cast<std::uint32_t>(g_.edges.size() - 1);
    g_.nodes[to].waiting++;
  }
  void gate_edges(const TaskItem& t, std::uint32_t to) {
    for (std::uint32_t p : t.gate)
      edge(p, to);
  }

  // ---- The program walk.

  /// `parent`: the node of the inner task instance whose body this is (kNone: the top-level
  /// task); `origin` its processor; `fence` the last launch this context waits for.
  void walk(const std::vector<app::Step>& steps, std::uint32_t parent_decision, std::size_t point,
            std::uint32_t parent, std::uint32_t origin, std::uint32_t& fence, std::uint32_t depth,
            bool top) {
    walk(steps.data(), steps.size(), parent_decision, point, parent, origin, fence, depth, top);
  }
  void walk(const app::Step* steps, std::size_t count, std::uint32_t parent_decision,
            std::size_t point, std::uint32_t parent, std::uint32_t origin, std::uint32_t& fence,
            std::uint32_t depth, bool top) {
    for (const app::Step& s : std::span(steps, count)) {
      if (s.kind == app::Step::Kind::Launch) {
        launch(s, parent_decision, point, parent, origin, fence);
        continue;
      }
      if (!has_launch(s.body)) continue;  // nothing to run, however many times
      const bool timed = top && &s == plan_.timed.loop;
      for (std::int64_t it = 0; it < s.count; ++it) {
        env_[depth] = it;
        TimedSpan span;
        span.from = span.first = static_cast<std::uint32_t>(g_.nodes.size());
        for (std::size_t j = 0; j < s.body.size(); ++j) {
          if (timed && j == static_cast<std::size_t>(s.timed_from) && j > 0)
            span.first = static_cast<std::uint32_t>(g_.nodes.size());
          walk(&s.body[j], 1, parent_decision, point, parent, origin, fence, depth + 1, false);
        }
        span.last = static_cast<std::uint32_t>(g_.nodes.size());
        if (timed && it >= plan_.timed.first && it < plan_.timed.end) g_.timed.push_back(span);
      }
      if (timed) g_.whole_loop = s.timed_from == 0;
    }
  }
  void launch(const app::Step& s, std::uint32_t parent_decision, std::size_t point,
              std::uint32_t parent, std::uint32_t origin, std::uint32_t& fence) {
    const std::uint32_t d =
        parent_decision == kNone
            ? plan_.top_decision[s.launch]
            : plan_.child_table[plan_.child_offset[parent_decision] +
                                point * plan_.launches[mapping_.launches[parent_decision].launch]
                                            .children +
                                plan_.launches[s.launch].child_index];
    const std::size_t n = mapping_.launches[d].points.size();
    const app::Launch& l = app_.launches[s.launch];
    const bool wait = l.wait;
    const std::uint32_t join = wait || awaited_[s.launch] ? node(NodeKind::Join, 0) : kNone;
    std::vector<std::uint32_t> futures;
    for (std::size_t f : l.futures)
      if (last_run_[f] != kNone) futures.push_back(last_run_[f]);
    for (std::size_t k = 0; k < n; ++k) {
      const std::uint32_t t = run_point(d, k, origin, parent, fence, futures);
      edge(t, join);
    }
    if (join != kNone) last_run_[s.launch] = join;
    if (wait) {
      edge(fence, join);  // a fence also waits for the fence before it
      fence = join;
    }
  }

  static bool has_launch(const std::vector<app::Step>& steps) {
    return std::any_of(steps.begin(), steps.end(), [](const app::Step& s) {
      return s.kind == app::Step::Kind::Launch || has_launch(s.body);
    });
  }

  /// One task instance; returns its node.
  std::uint32_t run_point(std::uint32_t d, std::size_t k, std::uint32_t origin,
                          std::uint32_t parent, std::uint32_t fence,
                          const std::vector<std::uint32_t>& futures) {
    const mapping::LaunchDecision& dec = mapping_.launches[d];
    const mapping::PointDecision& pd = dec.points[k];
    const detail::Launch& L = plan_.launches[dec.launch];
    const app::Task& task = app_.tasks[dec.task];
    for (std::uint32_t v = 0; v < L.point_vars; ++v)
      env_[L.point_slot + v] = pd.point[v];
    const machine::Processor& proc = m_.processor(pd.proc);
    const app::Variant* variant = task.variant(proc.kind);
    if (!variant) throw Failure{no_variant(o_.program, m_, task, dec, pd.proc)};
    const bool inner = variant->inner;
    if (!inner && (!checked_[d] || proc.kind != dec.kind)) {
      check_layout(dec, task, *variant);
      checked_[d] = 1;
    }

    TaskItem item;
    item.decision = d;
    item.point = static_cast<std::uint32_t>(k);
    item.proc = pd.proc.index;
    item.inner = inner;
    item.gate[0] = parent;
    item.gate[2] = fence;
    const std::uint32_t self = node(NodeKind::Task, static_cast<std::uint32_t>(g_.tasks.size()));
    ++out_.task_instances;

    // Back-pressure (when the run enables it): as the DSL mapper keeps its in-flight queue per
    // orig_proc, the limit counts the task's instances launched from one originating processor
    // — the inner task's that launched them, or the top-level task's shard in the point's address
    // space — and an instance waits for the N-th previous one to finish.
    const std::uint64_t ring = limiters_.empty() ? 0 : plan_.ring_size[dec.task];
    Limiter* lim = nullptr;
    if (ring > 0 && dec.instance_limit) {
      const std::size_t from = origin == kNone ? std::size_t{proc.address_space}
                                               : std::size_t{m_.address_spaces()} + origin;
      lim = &limiters_[std::size_t{dec.task} * origins_ + from];
      if (lim->ring.empty()) lim->ring.assign(ring, kNone);
      const auto limit = static_cast<std::uint64_t>(std::max<std::int64_t>(1, *dec.instance_limit));
      if (lim->issued >= limit) item.gate[1] = lim->ring[(lim->issued - limit) % ring];
    }
    gate_edges(item, self);
    for (std::uint32_t f : futures)
      edge(f, self);

    if (!inner) {
      for (std::uint32_t i = 0; i < L.reqs; ++i)
        map_arg(dec, d, k, pd, i, item, self);
      cost(dec, L, pd.proc, *variant, item);
      retire(dec, L, self);
    }
    g_.tasks.push_back(item);
    if (lim) lim->ring[lim->issued++ % ring] = self;
    if (L.children > 0) {
      std::uint32_t child_fence = kNone;
      walk(app_.launches[dec.launch].body, d, k, self, pd.proc.index, child_fence,
           L.point_slot + L.point_vars, false);
    }
    return self;
  }

  // ---- The body as a flow: the roofline of work and data (docs/simulator.md §2).

  void cost(const mapping::LaunchDecision& dec, const detail::Launch& L, ProcId p,
            const app::Variant& v, TaskItem& item) {
    const machine::Processor& proc = m_.processor(p);
    const double denom = proc.flops * v.efficiency;
    const double flops = app_.launches[dec.launch].flops;
    item.compute = flops > 0 && denom > 0 ? flops / denom : 0;
    first_demand_ = g_.demands.size();
    // The private path: per memory, the bytes over the affinity's bandwidth; all of them over
    // the processor's own streaming bound.
    paths_.clear();
    double total = 0;
    const bool gpu = proc.kind == ProcKind::GPU;
    for (std::uint32_t i = 0; i < L.reqs; ++i) {
      const ArgState& st = args_[i];
      if (!st.active) continue;
      const detail::Req& r = plan_.reqs[L.first_req + i];
      const MemId mem{st.mem};
      const auto aff = m_.affinity(p, mem);
      const double touched = static_cast<double>(st.bytes) * r.touched;
      const bool reads = r.privilege != app::Privilege::Write;
      const bool writes = r.privilege != app::Privilege::Read;
      double read = 0, written = 0;
      if (r.pattern != app::Pattern::Stream && gpu) {
        transactions(r, st, dec.args[i].layout.soa, p, mem, read, written);
      } else {
        read = reads ? touched * (r.pattern == app::Pattern::Stream ? r.passes : 1) : 0;
        written = writes ? touched : 0;
        fabric_.stream(p, mem, read, written, g_.demands);
      }
      const double bytes = read + written;
      total += bytes;
      if (aff && aff->bandwidth > 0) add_path(st.mem, bytes / aff->bandwidth);
    }
    double solo = item.compute;
    for (const auto& [mem, t] : paths_)
      solo = std::max(solo, t);
    if (proc.memory_bandwidth > 0) solo = std::max(solo, total / proc.memory_bandwidth);
    merge_demands(first_demand_);
    for (std::size_t i = first_demand_; i < g_.demands.size(); ++i)
      solo = std::max(solo, g_.demands[i].work);
    drop_negligible(first_demand_);
    item.first_demand = static_cast<std::uint32_t>(first_demand_);
    item.demands = static_cast<std::uint32_t>(g_.demands.size() - first_demand_);
    item.solo = solo;
  }

  void add_path(std::uint32_t mem, double t) {
    for (auto& [m, v] : paths_)
      if (m == mem) {
        v += t;
        return;
      }
    paths_.emplace_back(mem, t);
  }

  /// A GPU's pointer accesses (gathers, atomics) to an argument: in its framebuffer, the sectors'
  /// bytes on its private path; in host memory (zero-copy), PCIe transactions, with atomics
  /// serialised per cache line (docs/simulator.md §2, "Accesses through pointers").
  ///
  /// Layout (coalescing, the CUDA C++ Best Practices Guide's 32-byte sector rule): an access to an
  /// element of a struct-of-arrays instance touches each field's array apart, one sector per
  /// field; in an array of structs the fields sit together and share sectors.
  void transactions(const detail::Req& r, const ArgState& st, bool soa, ProcId p, MemId mem,
                    double& read, double& written) {
    const double elements = static_cast<double>(plan_.piece_elements[st.piece]);
    const double accesses = r.accesses > 0 ? r.accesses : elements;
    const double hot = r.hot > 0 ? r.hot : std::max(1.0, elements);
    const double fields = soa ? std::max(1.0, static_cast<double>(r.fields)) : 1.0;
    const double e = std::max(1.0, r.element_bytes / fields);  // the bytes of one array's element
    // Lanes of one warp instruction that reach this argument, and the distinct sectors (lines)
    // they touch: n draws at random from the hot ones, or, on a structured mesh, the sectors
    // (lines) of the `spread` consecutive elements they fall in.
    const double n = std::max(1.0, 32 * r.lanes);
    auto distinct = [&](double unit) {
      if (r.spread > 0) return std::min(n, std::max(1.0, std::ceil(r.spread * e / unit)));
      const double units = std::max(1.0, std::ceil(hot * e / unit));
      return units * (1 - std::pow(1 - 1 / units, n));
    };
    const double spread = std::max(1.0, e / 32);  // an element wider than a sector spans several
    const double sectors = accesses / n * distinct(32) * (r.spread > 0 ? 1 : spread) * fields;
    const bool atomic = r.pattern == app::Pattern::Atomic;
    if (!fabric_.zero_copy(p, mem)) {
      read = sectors * 32;
      written = atomic ? sectors * 32 : 0;
      return;
    }
    if (!atomic) {
      fabric_.transactions(p, mem, sectors, 0, g_.demands);
      return;
    }
    // One read-modify-write per (warp instruction, line); each line's serialise.
    const double lines = std::max(1.0, std::ceil(hot * e / 128)) * fields;
    const double rmw = accesses / n * distinct(128) * fields;
    fabric_.transactions(p, mem, 0, rmw, g_.demands);
    const double per_line = rmw / lines * o_.constants.zero_copy_line_s;
    if (per_line > 0) g_.demands.push_back({line_set(r, st), per_line});
  }

  /// The cache lines atomics update: a reduction instance is the task's own (Legion makes one per
  /// task); a read-write instance is shared by every task that uses it at once.
  std::uint32_t line_set(const detail::Req& r, const ArgState& st) {
    if (r.privilege == app::Privilege::Reduce) return g_.resources++;
    const std::uint64_t key = (std::uint64_t{st.piece} << 24) ^ st.mem;
    auto [it, fresh] = line_sets_.try_emplace(key, g_.resources);
    if (fresh) ++g_.resources;
    return it->second;
  }

  /// A flow that needs under a microsecond of every shared resource it crosses shares nothing: it
  /// keeps its own time (its solo duration) and costs the others less than a microsecond each.
  /// This keeps bursts of tiny transfers (a fold of a scalar from every GPU into one memory) from
  /// making every flow of the burst reallocate every other.
  void drop_negligible(std::size_t first) {
    constexpr double kNegligible = 1e-6;
    bool any = false;
    for (std::size_t i = first; i < g_.demands.size() && !any; ++i)
      any = g_.demands[i].work >= kNegligible;
    if (!any) g_.demands.resize(first);
  }

  /// Sums the demands from `first` on per resource (two arguments in one memory share its links).
  void merge_demands(std::size_t first) {
    auto begin = g_.demands.begin() + static_cast<std::ptrdiff_t>(first);
    if (g_.demands.end() - begin < 2) return;
    std::sort(begin, g_.demands.end(),
              [](const Demand& a, const Demand& b) { return a.resource < b.resource; });
    auto out = begin;
    for (auto it = begin + 1; it != g_.demands.end(); ++it) {
      if (it->resource == out->resource)
        out->work += it->work;
      else
        *++out = *it;
    }
    g_.demands.erase(out + 1, g_.demands.end());
  }

  // ---- Pieces and cells.

  std::uint32_t piece_of(const detail::Req& r) const {
    std::int64_t linear = 0;
    for (std::uint32_t i = 0; i < r.dims; ++i) {
      const detail::Dim& dim = plan_.dims[r.first_dim + i];
      std::int64_t v = dim.offset;
      for (std::uint32_t t = 0; t < dim.terms; ++t) {
        const detail::Term& term = plan_.terms[dim.first_term + t];
        v = (v + term.coef * (env_[term.slot] % dim.colors)) % dim.colors;
      }
      if (v < 0) v += dim.colors;
      linear += v * dim.stride;
    }
    return r.pieces_base + static_cast<std::uint32_t>(linear);
  }

  /// Calls f(cell) for every cell of the requirement's piece.
  template <typename F>
  void for_cells(const detail::Req& r, std::uint32_t piece, F&& f) const {
    const std::uint64_t base = plan_.cell_base[r.region];
    const std::uint32_t nf = plan_.fields[r.region];
    const std::uint32_t* fields = plan_.req_fields.data() + r.first_field;
    for (std::uint32_t a = plan_.piece_start[piece]; a < plan_.piece_start[piece + 1]; ++a) {
      const std::uint64_t row = base + std::uint64_t{plan_.piece_atoms[a]} * nf;
      for (std::uint32_t f2 = 0; f2 < r.fields; ++f2)
        f(static_cast<std::uint32_t>(row + fields[f2]));
    }
  }

  std::uint32_t find(const Cell& c, std::uint32_t mem) {
    for (std::uint32_t e = c.entries; e != kNone; e = entries_[e].next)
      if (entries_[e].mem == mem) return e;
    return kNone;
  }
  std::uint32_t allocate(Cell& c, std::uint32_t cell, std::uint32_t mem) {
    Entry e;
    e.mem = mem;
    e.next = c.entries;
    const std::uint32_t i = entries_.make(e);
    c.entries = i;
    const std::uint64_t b = plan_.cell_bytes[cell];
    usage_[mem] += b;
    invalid_[mem] += b;
    auto& peak = out_.memories[mem].peak_bytes;
    peak = std::max(peak, usage_[mem]);
    return i;
  }
  std::uint32_t find_or_allocate(Cell& c, std::uint32_t cell, std::uint32_t mem) {
    std::uint32_t e = find(c, mem);
    return e != kNone ? e : allocate(c, cell, mem);
  }
  void validate(std::uint32_t e, std::uint32_t cell, std::uint32_t arrival) {
    Entry& x = entries_[e];
    if (!x.valid) invalid_[x.mem] -= plan_.cell_bytes[cell];
    x.valid = true;
    x.arrival = arrival;
  }
  /// `keep` becomes the only valid entry of the cell.
  void make_sole(Cell& c, std::uint32_t cell, std::uint32_t keep, std::uint32_t arrival) {
    for (std::uint32_t e = c.entries; e != kNone; e = entries_[e].next) {
      if (e == keep) continue;
      if (entries_[e].valid) {
        entries_[e].valid = false;
        invalid_[entries_[e].mem] += plan_.cell_bytes[cell];
      }
    }
    validate(keep, cell, arrival);
  }
  void drop_pending(Cell& c, std::uint32_t cell) {
    for (std::uint32_t p = c.pending; p != kNone;) {
      const std::uint32_t next = pending_[p].next;
      usage_[pending_[p].mem] -= plan_.cell_bytes[cell];
      pending_.release(p);
      p = next;
    }
    c.pending = kNone;
  }
  /// The readers of the version become predecessors of `to`.
  void after_readers(const Cell& c, std::uint32_t to) {
    for (std::uint32_t r = c.readers; r != kNone; r = readers_[r].next)
      edge(readers_[r].node, to);
  }
  void clear_readers(Cell& c) {
    for (std::uint32_t r = c.readers; r != kNone;) {
      const std::uint32_t next = readers_[r].next;
      readers_.release(r);
      r = next;
    }
    c.readers = kNone;
    c.reader_count = 0;
  }
  void add_reader(Cell& c, std::uint32_t n) {
    if (c.readers != kNone && readers_[c.readers].node == n) return;
    if (c.reader_count >= kMaxReaders) {
      const std::uint32_t join = node(NodeKind::Join, 0);
      after_readers(c, join);
      clear_readers(c);
      c.readers = readers_.make(Reader{join, kNone});
      c.reader_count = 1;
    }
    c.readers = readers_.make(Reader{n, c.readers});
    ++c.reader_count;
  }

  /// The cheapest valid source for copying `bytes` to `dst` (ties: the first in the list).
  std::uint32_t best_source(const Cell& c, std::uint32_t dst, std::uint64_t bytes) {
    std::uint32_t best = kNone;
    double best_cost = 0;
    for (std::uint32_t e = c.entries; e != kNone; e = entries_[e].next) {
      const Entry& x = entries_[e];
      if (!x.valid || x.mem == dst) continue;
      const double cost = copy_cost(x.mem, dst, bytes);
      if (best == kNone || cost < best_cost) {
        best = e;
        best_cost = cost;
      }
    }
    return best;
  }
  double copy_cost(std::uint32_t src, std::uint32_t dst, std::uint64_t bytes) const {
    const machine::Route route = m_.route(MemId{src}, MemId{dst});
    double lat = 0, bw = std::numeric_limits<double>::infinity();
    for (machine::ChannelId h : route) {
      lat += m_.channel(h).latency;
      bw = std::min(bw, m_.channel(h).bandwidth);
    }
    return lat + static_cast<double>(bytes) / bw;
  }

  /// The group of copies from `src` (folds from reduction instances apart), made on first use.
  std::uint32_t group_for(std::uint32_t src, bool reduction) {
    std::uint32_t& slot = group_of_[2 * std::size_t{src} + (reduction ? 1 : 0)];
    if (slot == kNone) {
      slot = static_cast<std::uint32_t>(groups_.size());
      const std::uint32_t n = node(NodeKind::Copy, static_cast<std::uint32_t>(g_.copies.size()));
      g_.copies.emplace_back();
      groups_.push_back(Group{src, reduction, 0, n});
    }
    return slot;
  }
  void clear_groups() {
    for (const Group& g : groups_)
      group_of_[2 * std::size_t{g.src} + (g.reduction ? 1 : 0)] = kNone;
    groups_.clear();
  }
  /// Adds a cell's bytes to group `g`, whose copy waits for `source` (the version's arrival).
  std::uint32_t add_to_group(std::uint32_t g, std::uint64_t bytes, std::uint32_t source) {
    groups_[g].bytes += bytes;
    edge(source, groups_[g].node);
    return groups_[g].node;
  }

  /// Each group becomes a copy to `dst` for argument `arg` of the task at `self`.
  void issue_groups(const mapping::LaunchDecision& dec, std::uint32_t arg, std::uint32_t dst,
                    const TaskItem& t, std::uint32_t self) {
    for (const Group& gr : groups_) {
      gate_edges(t, gr.node);
      CopyItem& c = g_.copies[g_.nodes[gr.node].item];
      c.task = self;
      c.arg = arg;
      c.src = gr.src;
      c.dst = dst;
      c.bytes = gr.bytes;
      c.reduction = gr.reduction;
      c.first_demand = static_cast<std::uint32_t>(g_.demands.size());
      const CopyPlan plan =
          fabric_.copy(MemId{gr.src}, MemId{dst}, static_cast<double>(gr.bytes), g_.demands);
      merge_demands(c.first_demand);
      for (std::uint32_t i = c.first_demand; i < g_.demands.size(); ++i)
        c.solo = std::max(c.solo, g_.demands[i].work);
      drop_negligible(c.first_demand);
      c.demands = static_cast<std::uint32_t>(g_.demands.size()) - c.first_demand;
      c.latency = plan.latency + o_.constants.copy_overhead;
      c.servers = plan.server_count;
      c.server[0] = plan.servers[0];
      c.server[1] = plan.servers[1];
      count_bytes(c);
      CopyGroup& cg = out_.copy_groups[arg_offset_[dec.task] + arg];
      cg.bytes += gr.bytes;
      cg.copies++;
    }
  }

  void count_bytes(const CopyItem& c) {
    const machine::Route route = m_.route(MemId{c.src}, MemId{c.dst});
    std::uint8_t kinds = 0;  // each kind of link the route crosses counts the bytes once
    for (machine::ChannelId h : route)
      kinds |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(m_.channel(h).kind));
    for (std::size_t k = 0; k < out_.bytes.by_kind.size(); ++k)
      if (kinds & (1u << k)) out_.bytes.by_kind[k] += c.bytes;
    (mem_node_[c.src] == mem_node_[c.dst] ? out_.bytes.intra_node : out_.bytes.inter_node) +=
        c.bytes;
    out_.copies++;
  }

  // ---- One region argument of one task instance: placement, dependences, copies.

  void map_arg(const mapping::LaunchDecision& dec, std::uint32_t d, std::size_t k,
               const mapping::PointDecision& pd, std::uint32_t i, const TaskItem& t,
               std::uint32_t self) {
    (void)d;
    (void)k;
    const detail::Req& r = plan_.reqs[plan_.launches[dec.launch].first_req + i];
    ArgState& st = args_[i];
    st.active = !r.no_access;
    if (!st.active) return;
    st.piece = piece_of(r);
    std::uint64_t total = 0;
    bool folds = false;
    for_cells(r, st.piece, [&](std::uint32_t c) {
      total += plan_.cell_bytes[c];
      folds |= cells_[c].pending != kNone;
    });
    st.bytes = total;
    st.mem = choose_memory(dec, pd, i, r, st.piece, total);
    if (!m_.affinity(pd.proc, MemId{st.mem})) fail_unreachable(dec, pd, i, st.mem);
    const std::uint32_t m = st.mem;
    const app::Privilege p = r.privilege;
    if (p == app::Privilege::Reduce) {
      usage_[m] += total;  // a fresh reduction instance
      out_.memories[m].peak_bytes = std::max(out_.memories[m].peak_bytes, usage_[m]);
    }
    const bool reads = p == app::Privilege::Read || p == app::Privilege::ReadWrite;
    if (folds && reads) fold(dec, i, r, st.piece, m, t, self);

    clear_groups();
    fixes_.clear();
    for_cells(r, st.piece, [&](std::uint32_t c) {
      Cell& cell = cells_[c];
      switch (p) {
        case app::Privilege::Read:
        case app::Privilege::ReadWrite: {
          if (p == app::Privilege::ReadWrite) after_readers(cell, self);
          std::uint32_t e = find(cell, m);
          if (e != kNone && entries_[e].valid) {
            edge(entries_[e].arrival, self);
            break;
          }
          if (e == kNone) e = allocate(cell, c, m);
          const std::uint32_t src = best_source(cell, m, plan_.cell_bytes[c]);
          if (src == kNone) {  // never written: the data starts here
            validate(e, c, cell.write);
            edge(cell.write, self);
            break;
          }
          const std::uint32_t g = group_for(entries_[src].mem, false);
          const std::uint32_t copy = add_to_group(g, plan_.cell_bytes[c], entries_[src].arrival);
          fixes_.emplace_back(e, c, copy);
          break;
        }
        case app::Privilege::Write:
          edge(cell.write, self);
          after_readers(cell, self);
          for (std::uint32_t q = cell.pending; q != kNone; q = pending_[q].next)
            edge(pending_[q].node, self);
          if (cell.pending != kNone) drop_pending(cell, c);
          find_or_allocate(cell, c, m);
          break;
        case app::Privilege::Reduce:
          edge(cell.write, self);
          after_readers(cell, self);
          break;
      }
    });
    issue_groups(dec, i, m, t, self);
    for (const auto& [entry, cell, copy] : fixes_) {
      validate(entry, cell, copy);
      edge(copy, self);
    }
    clear_groups();
  }

  /// Folds the pending reductions of the piece's cells into `m` before a read: copies from every
  /// reduction instance elsewhere (and of the current data, when it is valid elsewhere only), and
  /// a join of them that is the cells' new version.
  void fold(const mapping::LaunchDecision& dec, std::uint32_t i, const detail::Req& r,
            std::uint32_t piece, std::uint32_t m, const TaskItem& t, std::uint32_t self) {
    clear_groups();
    const std::uint32_t join = node(NodeKind::Join, 0);
    folded_.clear();
    for_cells(r, piece, [&](std::uint32_t c) {
      Cell& cell = cells_[c];
      if (cell.pending == kNone) return;
      folded_.push_back(c);
      const std::uint64_t b = plan_.cell_bytes[c];
      // The current data first (a copy when it is valid elsewhere only).
      const std::uint32_t e = find(cell, m);
      if (e != kNone && entries_[e].valid) {
        edge(entries_[e].arrival, join);
      } else if (std::uint32_t src = best_source(cell, m, b); src != kNone) {
        edge(add_to_group(group_for(entries_[src].mem, false), b, entries_[src].arrival), join);
      } else {
        edge(cell.write, join);
      }
      // Then every reduction instance.
      for (std::uint32_t q = cell.pending; q != kNone; q = pending_[q].next) {
        if (pending_[q].mem == m) {
          edge(pending_[q].node, join);
          continue;
        }
        edge(add_to_group(group_for(pending_[q].mem, true), b, pending_[q].node), join);
      }
    });
    issue_groups(dec, i, m, t, self);
    for (std::uint32_t c : folded_) {
      Cell& cell = cells_[c];
      drop_pending(cell, c);
      cell.write = join;
      clear_readers(cell);
      make_sole(cell, c, find_or_allocate(cell, c, m), join);
    }
    clear_groups();
  }

  /// After the task: readers, then writers, then reducers, then collection.
  void retire(const mapping::LaunchDecision& dec, const detail::Launch& L, std::uint32_t self) {
    using app::Privilege;
    auto each = [&](auto&& pred, auto&& f) {
      for (std::uint32_t i = 0; i < L.reqs; ++i) {
        const detail::Req& r = plan_.reqs[L.first_req + i];
        const ArgState& st = args_[i];
        if (!st.active || !pred(r.privilege, i)) continue;
        for_cells(r, st.piece, [&](std::uint32_t c) { f(cells_[c], c, st.mem); });
      }
    };
    each([](Privilege p, std::uint32_t) { return p == Privilege::Read; },
         [&](Cell& cell, std::uint32_t, std::uint32_t) { add_reader(cell, self); });
    each([](Privilege p,
            std::uint32_t) { return p == Privilege::Write || p == Privilege::ReadWrite; },
         [&](Cell& cell, std::uint32_t c, std::uint32_t m) {
           cell.write = self;
           clear_readers(cell);
           make_sole(cell, c, find_or_allocate(cell, c, m), self);
         });
    each([](Privilege p, std::uint32_t) { return p == Privilege::Reduce; },
         [&](Cell& cell, std::uint32_t, std::uint32_t m) {
           cell.pending = pending_.make(Pending{m, cell.pending, self});
         });
    each(
        [&](Privilege p, std::uint32_t i) { return p != Privilege::Reduce && dec.args[i].collect; },
        [&](Cell& cell, std::uint32_t c, std::uint32_t m) { release(cell, c, m); });
  }

  /// CollectMemory: frees the cell's instance in `m` after the task — unless it holds the only
  /// valid copy, which Legion keeps alive (a valid instance is never collected).
  void release(Cell& cell, std::uint32_t c, std::uint32_t m) {
    std::uint32_t valid = 0;
    for (std::uint32_t e = cell.entries; e != kNone; e = entries_[e].next)
      valid += entries_[e].valid ? 1 : 0;
    std::uint32_t* link = &cell.entries;
    while (*link != kNone) {
      const std::uint32_t e = *link;
      if (entries_[e].mem != m) {
        link = &entries_[e].next;
        continue;
      }
      if (entries_[e].valid && valid == 1) return;
      *link = entries_[e].next;
      usage_[m] -= plan_.cell_bytes[c];
      if (!entries_[e].valid) invalid_[m] -= plan_.cell_bytes[c];
      entries_.release(e);
      return;
    }
  }

  // ---- Placement: the first memory kind that fits, then the fallbacks.

  std::uint32_t choose_memory(const mapping::LaunchDecision& dec, const mapping::PointDecision& pd,
                              std::uint32_t i, const detail::Req& r, std::uint32_t piece,
                              std::uint64_t total) {
    const mapping::ArgDecision& a = dec.args[i];
    std::uint32_t first = kNone;
    std::uint64_t first_need = 0;
    for (std::size_t c = 0; c < a.memories.size(); ++c) {
      std::uint32_t m;
      if (c == 0) {
        m = pd.memories[i].index;
      } else {
        auto mem = m_.memory_for(pd.proc, a.memories[c]);
        if (!mem) continue;
        m = mem->index;
      }
      if (first == kNone) first = m;
      if (usage_[m] + total <= capacity_[m]) return m;  // fits whatever is there already
      std::uint64_t need = new_bytes(r, piece, m, total);
      if (m == first) first_need = need;
      if (usage_[m] + need <= capacity_[m]) return m;
      if (usage_[m] - invalid_[m] + need <= capacity_[m]) {
        collect_stale(m);
        need = new_bytes(r, piece, m, total);
        if (usage_[m] + need <= capacity_[m]) return m;
      }
    }
    fail_oom(dec, pd, i, first, first_need);
  }

  std::uint64_t new_bytes(const detail::Req& r, std::uint32_t piece, std::uint32_t m,
                          std::uint64_t total) {
    if (r.privilege == app::Privilege::Reduce) return total;
    std::uint64_t need = 0;
    for_cells(r, piece, [&](std::uint32_t c) {
      if (find(cells_[c], m) == kNone) need += plan_.cell_bytes[c];
    });
    return need;
  }

  /// Legion collects stale instances when a memory fills up: drop every invalid entry in `m`.
  void collect_stale(std::uint32_t m) {
    for (std::uint32_t c = 0; c < cells_.size(); ++c) {
      std::uint32_t* link = &cells_[c].entries;
      while (*link != kNone) {
        const std::uint32_t e = *link;
        if (entries_[e].mem == m && !entries_[e].valid) {
          *link = entries_[e].next;
          usage_[m] -= plan_.cell_bytes[c];
          invalid_[m] -= plan_.cell_bytes[c];
          entries_.release(e);
        } else {
          link = &entries_[e].next;
        }
      }
    }
  }

  // ---- Failures (failures.h): the run stops at the first.

  void check_layout(const mapping::LaunchDecision& dec, const app::Task& task,
                    const app::Variant& v) {
    const detail::Launch& L = plan_.launches[dec.launch];
    mapped_.assign(L.reqs, false);
    for (std::uint32_t i = 0; i < L.reqs; ++i)
      mapped_[i] = !plan_.reqs[L.first_req + i].no_access;
    const auto& args = app_.launches[dec.launch].effective_args(task);
    if (auto d = bad_layout(o_.program, task, args, v, dec, mapped_)) throw Failure{*d};
  }

  [[noreturn]] void fail_unreachable(const mapping::LaunchDecision& dec,
                                     const mapping::PointDecision& pd, std::uint32_t i,
                                     std::uint32_t m) {
    throw Failure{unreachable(o_.program, m_, app_.tasks[dec.task],
                              app_.launches[dec.launch].effective_args(app_.tasks[dec.task]), dec,
                              pd.proc, i, MemId{m})};
  }

  [[noreturn]] void fail_oom(const mapping::LaunchDecision& dec, const mapping::PointDecision& pd,
                             std::uint32_t i, std::uint32_t m, std::uint64_t need) {
    OutOfMemory oom;
    oom.arg = i;
    oom.mem = MemId{m};
    oom.need = need;
    const std::uint64_t used = usage_[m] - invalid_[m];  // stale instances would be collected
    oom.free = capacity_[m] > used ? capacity_[m] - used : 0;
    const mapping::ArgDecision& a = dec.args[i];
    for (std::size_t c = 1; c < a.memories.size(); ++c)
      if (auto mem = m_.memory_for(pd.proc, a.memories[c])) oom.fallbacks.push_back(*mem);
    if (app_.launches[dec.launch].index) oom.point = pd.point;
    const app::Task& task = app_.tasks[dec.task];
    throw Failure{out_of_memory(o_.program, m_, task,
                                app_.launches[dec.launch].effective_args(task), dec, oom)};
  }

  const app::App& app_;
  const machine::Machine& m_;
  const mapping::Mapping& mapping_;
  const Plan& plan_;
  const Fabric& fabric_;
  const Options& o_;
  Graph& g_;
  Outcome& out_;

  std::vector<std::uint32_t> mem_node_;
  std::vector<std::uint64_t> capacity_, usage_, invalid_;
  std::vector<Cell> cells_;
  Pool<Entry> entries_;
  Pool<Pending> pending_;
  Pool<Reader> readers_;
  std::vector<std::int64_t> env_;
  std::vector<std::size_t> arg_offset_;
  std::size_t max_args_ = 0;
  std::vector<Limiter> limiters_;  ///< per (task, origin): see the constructor
  std::size_t origins_ = 0;
  std::vector<std::uint8_t> checked_;
  std::vector<ArgState> args_;
  std::vector<bool> mapped_;
  std::vector<Group> groups_;
  std::vector<std::uint32_t> group_of_;  ///< per (memory, fold?): its group, or kNone
  std::vector<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>> fixes_;
  std::vector<std::uint32_t> folded_;
  std::vector<std::pair<std::uint32_t, double>> paths_;
  std::unordered_map<std::uint64_t, std::uint32_t> line_sets_;
  std::size_t first_demand_ = 0;
  std::vector<bool> awaited_;            ///< per launch: some launch takes its future
  std::vector<std::uint32_t> last_run_;  ///< per launch: the join of its latest run
};

}  // namespace

std::optional<dsl::Diagnostic> build(const app::App& app, const machine::Machine& m,
                                     const mapping::Mapping& mapping, const Plan& plan,
                                     const Fabric& fabric, const Options& options, Graph& g,
                                     Outcome& out) {
  // Copy groups: one per task argument, filled as copies are made.
  out.copy_groups.clear();
  for (std::size_t t = 0; t < app.tasks.size(); ++t)
    for (std::size_t a = 0; a < plan.task_args[t]; ++a) {
      CopyGroup cg;
      cg.task = static_cast<app::TaskId>(t);
      cg.arg = a;
      out.copy_groups.push_back(cg);
    }
  return Builder(app, m, mapping, plan, fabric, options, g, out).run();
}

}  // namespace mapsmith::sim::detail
