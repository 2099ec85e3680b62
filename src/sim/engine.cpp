// The discrete-event engine. It walks the program in program order (loops unrolled, inner tasks'
// bodies once per point), and for each task instance: resolves each argument's piece, picks the
// memory (first choice, then fallbacks), computes the dependences and the copies from the state of
// every cell (atom × field), reserves the copies' links and the processor FIFO, and updates the
// state. Every time it stores is a Stamp: the time and how the chain of events that produced it
// splits into compute, copy, waiting and overhead — so the critical path comes for free.
//
// Contention rule (docs/simulator.md): every processor and channel has a `free_at` time; work is
// reserved on it in program order, at max(ready, free_at). A copy reserves every link of its
// route for bytes / (slowest link bandwidth) from the moment they are all free.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "sim/failures.h"
#include "sim/findings.h"
#include "sim/observer.h"
#include "sim/plan.h"
#include "sim/sim.h"
#include "sim/state.h"
#include "util/error.h"

namespace mapsmith::sim {

namespace {

using detail::kNone;
using machine::MemId;
using machine::ProcId;

using detail::Busy;
using detail::Cell;
using detail::Entry;
using detail::finish;
using detail::later;
using detail::Pending;
using detail::Pool;
using detail::raise;
using detail::Stamp;
using detail::start_on;

struct Failure {
  dsl::Diagnostic diagnostic;
};

/// Copies of one requirement from one source memory, issued as one copy.
struct Group {
  std::uint32_t src = 0;
  bool reduction = false;
  std::uint64_t bytes = 0;
  Stamp ready;
  Stamp end;
};
struct Fix {
  std::uint32_t target;  ///< an entry (copy in) or a fold slot (fold)
  std::uint32_t group;
  std::uint32_t cell;
};
struct Fold {
  std::uint32_t cell;
  Stamp acc;
};
/// InstanceLimit's back-pressure for one task launched from one originating processor: the ends
/// of its last instances, in a ring.
struct Limiter {
  std::vector<Stamp> ring;
  std::uint64_t issued = 0;
};
struct ArgState {
  bool active = false;
  std::uint32_t mem = 0;
  std::uint32_t piece = 0;
};

class Engine {
 public:
  Engine(const app::App& app, const machine::Machine& m, const mapping::Mapping& mapping,
         const Options& options)
      : app_(app),
        m_(m),
        mapping_(mapping),
        o_(options),
        plan_(detail::make_plan(app, m, mapping, options.max_task_instances)) {
    const auto procs = m.processors();
    const auto mems = m.memories();
    const auto chans = m.channels();
    proc_busy_.assign(procs.size(), Busy{});
    chan_busy_.assign(chans.size(), Busy{});
    for (const machine::Channel& c : chans) {
      chan_bw_.push_back(c.bandwidth);
      chan_lat_.push_back(c.latency);
    }
    for (const machine::Memory& mem : mems) {
      mem_node_.push_back(mem.node);
      capacity_.push_back(mem.capacity);
    }
    usage_.assign(mems.size(), 0);
    group_of_.assign(2 * mems.size(), kNone);
    invalid_.assign(mems.size(), 0);
    out_.procs.assign(procs.size(), {});
    out_.channels.assign(chans.size(), {});
    out_.memories.assign(mems.size(), {});
    cells_.assign(plan_.cell_bytes.size(), Cell{});
    env_.assign(plan_.slots + 1, 0);
    std::size_t args = 0;
    for (std::size_t t = 0; t < app.tasks.size(); ++t) {
      arg_offset_.push_back(args);
      args += plan_.task_args[t];
      max_args_ = std::max<std::size_t>(max_args_, plan_.task_args[t]);
    }
    groups_bytes_.assign(args, CopyGroup{});
    for (std::size_t t = 0; t < app.tasks.size(); ++t)
      for (std::size_t a = 0; a < plan_.task_args[t]; ++a) {
        groups_bytes_[arg_offset_[t] + a].task = static_cast<app::TaskId>(t);
        groups_bytes_[arg_offset_[t] + a].arg = a;
      }
    // One limiter per (task, origin): the originating processors are the address spaces (the
    // top-level task's shard on each) followed by every processor (an inner task's own).
    origins_ = std::size_t{m.address_spaces()} + procs.size();
    if (std::any_of(plan_.ring_size.begin(), plan_.ring_size.end(),
                    [](std::uint64_t r) { return r > 0; }))
      limiters_.resize(app.tasks.size() * origins_);
    checked_.assign(mapping.launches.size(), 0);
    args_.assign(max_args_, ArgState{});
  }

  Outcome run() {
    try {
      walk(app_.program, kNone, 0, kNone, Stamp{}, 0);
    } catch (const Failure& f) {
      Outcome failed;
      failed.ok = false;
      failed.task_instances = instances_;
      failed.failures.push_back(f.diagnostic);
      for (Observer* ob : o_.observers)
        ob->on_finish(failed);
      return failed;
    }
    out_.time_s = end_.t;
    out_.critical_path = end_.b;
    out_.task_instances = instances_;
    if (plan_.main_loop) {
      out_.iterations = plan_.main_loop->count;
      out_.iteration_time_s = loop_span_ / static_cast<double>(plan_.main_loop->count);
    } else {
      out_.iteration_time_s = out_.time_s;
    }
    for (std::size_t i = 0; i < usage_.size(); ++i)
      out_.memories[i].end_bytes = usage_[i];
    for (const CopyGroup& g : groups_bytes_)
      if (g.copies > 0) out_.copy_groups.push_back(g);
    std::stable_sort(out_.copy_groups.begin(), out_.copy_groups.end(),
                     [](const CopyGroup& a, const CopyGroup& b) { return a.bytes > b.bytes; });
    detail::explain(app_, m_, mapping_, out_);
    for (Observer* ob : o_.observers)
      ob->on_finish(out_);
    return std::move(out_);
  }

 private:
  // ---- The program walk.

  /// `origin` is the processor that runs the parent instance (kNone: the top-level task).
  void walk(const std::vector<app::Step>& steps, std::uint32_t parent, std::size_t point,
            std::uint32_t origin, const Stamp& issued, std::uint32_t depth) {
    for (const app::Step& s : steps) {
      if (s.kind == app::Step::Kind::Loop) {
        if (!has_launch(s.body)) continue;  // nothing to run, however many times
        const double before = end_.t;
        for (std::int64_t it = 0; it < s.count; ++it) {
          env_[depth] = it;
          walk(s.body, parent, point, origin, issued, depth + 1);
        }
        if (&s == plan_.main_loop) loop_span_ = end_.t - before;
        continue;
      }
      const std::uint32_t d =
          parent == kNone
              ? plan_.top_decision[s.launch]
              : plan_
                    .child_table[plan_.child_offset[parent] +
                                 point * plan_.launches[mapping_.launches[parent].launch].children +
                                 plan_.launches[s.launch].child_index];
      const std::size_t n = mapping_.launches[d].points.size();
      for (std::size_t k = 0; k < n; ++k)
        run_point(d, k, origin, issued);
    }
  }

  static bool has_launch(const std::vector<app::Step>& steps) {
    return std::any_of(steps.begin(), steps.end(), [](const app::Step& s) {
      return s.kind == app::Step::Kind::Launch || has_launch(s.body);
    });
  }

  void run_point(std::uint32_t d, std::size_t k, std::uint32_t origin, const Stamp& issued) {
    const mapping::LaunchDecision& dec = mapping_.launches[d];
    const mapping::PointDecision& pd = dec.points[k];
    const detail::Launch& L = plan_.launches[dec.launch];
    const app::Task& task = app_.tasks[dec.task];
    for (std::uint32_t v = 0; v < L.point_vars; ++v)
      env_[L.point_slot + v] = pd.point[v];
    const machine::Processor& proc = m_.processor(pd.proc);
    const app::Variant* variant = task.variant(proc.kind);
    if (!variant) fail_no_variant(dec, pd, task);
    const bool inner = variant->inner;
    if (!inner && (!checked_[d] || proc.kind != dec.kind)) {
      check_layout(dec, task, *variant);
      checked_[d] = 1;
    }

    // Mapping may start once the parent issued the launch and the instance limit allows it. As in
    // the published DSL mapper (its select_tasks_to_map keeps the in-flight queue per orig_proc),
    // the limit counts the task's instances launched from one originating processor: the
    // processor of the inner task that launched them, or for the top-level task's launches its
    // shard in the point's address space.
    Stamp gate = issued;
    const std::uint64_t ring = plan_.ring_size[dec.task];
    Limiter* lim = nullptr;
    if (ring > 0) {
      const std::size_t from = origin == kNone ? std::size_t{proc.address_space}
                                               : std::size_t{m_.address_spaces()} + origin;
      lim = &limiters_[std::size_t{dec.task} * origins_ + from];
      if (lim->ring.empty()) lim->ring.assign(ring, Stamp{});
      const std::uint64_t limit =
          dec.instance_limit
              ? static_cast<std::uint64_t>(std::max<std::int64_t>(1, *dec.instance_limit))
              : 0;
      if (limit > 0 && lim->issued >= limit) raise(gate, lim->ring[(lim->issued - limit) % ring]);
    }

    Stamp ready = gate;
    double mem_time = 0;
    if (!inner) {
      for (std::uint32_t i = 0; i < L.reqs; ++i)
        mem_time += map_arg(dec, d, k, pd, i, gate, ready);
      if (L.dereferences && proc.kind == ProcKind::GPU) mem_time += zero_copy_pointers(L, pd.proc);
    }

    // The processor: FIFO in program order.
    Busy& busy = proc_busy_[pd.proc.index];
    const Stamp started = start_on(ready, busy);
    const double start = started.t;
    double work = 0;
    if (!inner) {
      const double denom = proc.flops * variant->efficiency;
      const double compute = app_.launches[dec.launch].flops > 0 && denom > 0
                                 ? app_.launches[dec.launch].flops / denom
                                 : 0;
      work = std::max(compute, mem_time);
    }
    const double o = o_.constants.task_overhead;
    const Stamp end = finish(started, o, work, &Breakdown::compute);
    busy = Busy{end, o, work, &Breakdown::compute};
    out_.procs[pd.proc.index].tasks++;
    out_.procs[pd.proc.index].busy_s += o + work;
    if (!inner) retire(dec, L, end);
    raise(end_, end);
    if (lim) lim->ring[lim->issued++ % ring] = end;
    if (!o_.observers.empty()) {
      TaskEvent e{d, k, dec.task, pd.proc, instances_, ready.t, start, end.t, o, inner};
      for (Observer* ob : o_.observers)
        ob->on_task(e);
    }
    ++instances_;
    if (L.children > 0)
      walk(app_.launches[dec.launch].body, d, k, static_cast<std::uint32_t>(pd.proc.index), end,
           L.point_slot + L.point_vars);
  }

  /// The time a GPU task spends on pointer accesses to host memory (docs/simulator.md §2). The
  /// launch dereferences D = Σ elements × pointer fields per point; they land in the requirements
  /// reached through the pointers in proportion to elements × touched. Those in a host memory
  /// (zero-copy, over PCIe) each cost the affinity's latency over the accesses in flight: gathers
  /// for reads and writes, read-modify-write atomics for reductions and read-write.
  double zero_copy_pointers(const detail::Launch& L, ProcId proc) {
    double derefs = 0, weight = 0;
    for (std::uint32_t i = 0; i < L.reqs; ++i) {
      const detail::Req& r = plan_.reqs[L.first_req + i];
      if (!args_[i].active) continue;
      const auto elements = static_cast<double>(plan_.piece_elements[args_[i].piece]);
      if (r.pointer_fields > 0) derefs += elements * r.pointer_fields;
      if (r.through_pointers) weight += elements * r.touched;
    }
    if (derefs <= 0 || weight <= 0) return 0;
    double t = 0;
    for (std::uint32_t i = 0; i < L.reqs; ++i) {
      const detail::Req& r = plan_.reqs[L.first_req + i];
      const ArgState& st = args_[i];
      if (!st.active || !r.through_pointers) continue;
      if (m_.memory(MemId{st.mem}).kind == MemKind::FBMEM) continue;
      const auto aff = m_.affinity(proc, MemId{st.mem});
      if (!aff) continue;
      const bool atomic =
          r.privilege == app::Privilege::Reduce || r.privilege == app::Privilege::ReadWrite;
      const double in_flight = atomic ? o_.constants.zero_copy_atomics_in_flight
                                      : o_.constants.zero_copy_gathers_in_flight;
      if (in_flight <= 0) continue;
      const double accesses =
          derefs * static_cast<double>(plan_.piece_elements[st.piece]) * r.touched / weight;
      t += accesses * aff->latency / in_flight;
    }
    return t;
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
  void validate(std::uint32_t e, std::uint32_t cell, const Stamp& arrival) {
    Entry& x = entries_[e];
    if (!x.valid) invalid_[x.mem] -= plan_.cell_bytes[cell];
    x.valid = true;
    x.arrival = arrival;
  }
  /// `keep` becomes the only valid entry of the cell.
  void make_sole(Cell& c, std::uint32_t cell, std::uint32_t keep, const Stamp& arrival) {
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
      lat += chan_lat_[h.index];
      bw = std::min(bw, chan_bw_[h.index]);
    }
    return lat + static_cast<double>(bytes) / bw;
  }

  /// The group of copies from `src` (folds from reduction instances apart), made on first use.
  std::uint32_t group_for(std::uint32_t src, bool reduction) {
    std::uint32_t& slot = group_of_[2 * std::size_t{src} + (reduction ? 1 : 0)];
    if (slot == kNone) {
      slot = static_cast<std::uint32_t>(groups_.size());
      groups_.push_back(Group{src, reduction, 0, {}, {}});
    }
    return slot;
  }
  void clear_groups() {
    for (const Group& g : groups_)
      group_of_[2 * std::size_t{g.src} + (g.reduction ? 1 : 0)] = kNone;
    groups_.clear();
    fixes_.clear();
  }
  void add_to_group(std::uint32_t g, std::uint64_t bytes, const Stamp& ready) {
    groups_[g].bytes += bytes;
    raise(groups_[g].ready, ready);
  }

  // ---- One region argument of one task instance: placement, dependences, copies.

  /// Maps argument `i`; raises `ready` by its dependences and copies; returns its memory time.
  double map_arg(const mapping::LaunchDecision& dec, std::uint32_t d, std::size_t k,
                 const mapping::PointDecision& pd, std::uint32_t i, const Stamp& gate,
                 Stamp& ready) {
    const detail::Req& r = plan_.reqs[plan_.launches[dec.launch].first_req + i];
    ArgState& st = args_[i];
    st.active = !r.no_access;
    if (!st.active) return 0;
    st.piece = piece_of(r);
    std::uint64_t total = 0;
    bool folds = false;
    for_cells(r, st.piece, [&](std::uint32_t c) {
      total += plan_.cell_bytes[c];
      folds |= cells_[c].pending != kNone;
    });
    st.mem = choose_memory(dec, pd, i, r, st.piece, total);
    const auto aff = m_.affinity(pd.proc, MemId{st.mem});
    if (!aff) fail_unreachable(dec, pd, i, st.mem);
    const std::uint32_t m = st.mem;
    const app::Privilege p = r.privilege;
    if (p == app::Privilege::Reduce) {
      usage_[m] += total;  // a fresh reduction instance
      out_.memories[m].peak_bytes = std::max(out_.memories[m].peak_bytes, usage_[m]);
    }
    const bool reads = p == app::Privilege::Read || p == app::Privilege::ReadWrite;
    if (folds && reads) fold(dec, d, k, i, r, st.piece, m, gate);

    clear_groups();
    for_cells(r, st.piece, [&](std::uint32_t c) {
      Cell& cell = cells_[c];
      switch (p) {
        case app::Privilege::Read:
        case app::Privilege::ReadWrite: {
          if (p == app::Privilege::ReadWrite) raise(ready, cell.readers);
          std::uint32_t e = find(cell, m);
          if (e != kNone && entries_[e].valid) {
            raise(ready, entries_[e].arrival);
            break;
          }
          if (e == kNone) e = allocate(cell, c, m);
          const std::uint32_t src = best_source(cell, m, plan_.cell_bytes[c]);
          if (src == kNone) {  // never written: the data starts here
            validate(e, c, cell.write);
            raise(ready, cell.write);
            break;
          }
          const std::uint32_t g = group_for(entries_[src].mem, false);
          add_to_group(g, plan_.cell_bytes[c], entries_[src].arrival);
          fixes_.push_back(Fix{e, g, c});
          break;
        }
        case app::Privilege::Write:
          raise(ready, cell.write);
          raise(ready, cell.readers);
          raise(ready, cell.reducers);
          if (cell.pending != kNone) drop_pending(cell, c);
          find_or_allocate(cell, c, m);
          break;
        case app::Privilege::Reduce:
          raise(ready, cell.write);
          raise(ready, cell.readers);
          break;
      }
    });
    issue_groups(dec, d, k, i, m, gate);
    for (const Fix& f : fixes_) {
      validate(f.target, f.cell, groups_[f.group].end);
      raise(ready, groups_[f.group].end);
    }
    const double bytes = static_cast<double>(total) * r.touched;
    return aff->bandwidth > 0 ? bytes / aff->bandwidth : 0;
  }

  void issue_groups(const mapping::LaunchDecision& dec, std::uint32_t d, std::size_t k,
                    std::uint32_t arg, std::uint32_t dst, const Stamp& gate) {
    for (Group& g : groups_)
      g.end = copy(dec, d, k, arg, g.src, dst, g.bytes, later(gate, g.ready), g.reduction);
  }

  /// Folds the pending reductions of the piece's cells into `m` before a read.
  void fold(const mapping::LaunchDecision& dec, std::uint32_t d, std::size_t k, std::uint32_t i,
            const detail::Req& r, std::uint32_t piece, std::uint32_t m, const Stamp& gate) {
    clear_groups();
    folds_.clear();
    for_cells(r, piece, [&](std::uint32_t c) {
      Cell& cell = cells_[c];
      if (cell.pending == kNone) return;
      const auto slot = static_cast<std::uint32_t>(folds_.size());
      folds_.push_back(Fold{c, cell.write});
      const std::uint64_t b = plan_.cell_bytes[c];
      // The current data first (a copy when it is valid elsewhere only).
      const std::uint32_t e = find(cell, m);
      if (e != kNone && entries_[e].valid) {
        raise(folds_[slot].acc, entries_[e].arrival);
      } else if (std::uint32_t src = best_source(cell, m, b); src != kNone) {
        const std::uint32_t g = group_for(entries_[src].mem, false);
        add_to_group(g, b, entries_[src].arrival);
        fixes_.push_back(Fix{slot, g, c});
      }
      // Then every reduction instance.
      for (std::uint32_t p = cell.pending; p != kNone; p = pending_[p].next) {
        if (pending_[p].mem == m) {
          raise(folds_[slot].acc, pending_[p].end);
          continue;
        }
        const std::uint32_t g = group_for(pending_[p].mem, true);
        add_to_group(g, b, pending_[p].end);
        fixes_.push_back(Fix{slot, g, c});
      }
    });
    issue_groups(dec, d, k, i, m, gate);
    for (const Fix& f : fixes_)
      raise(folds_[f.target].acc, groups_[f.group].end);
    for (const Fold& f : folds_) {
      Cell& cell = cells_[f.cell];
      drop_pending(cell, f.cell);
      cell.write = f.acc;
      cell.readers = Stamp{};
      cell.reducers = Stamp{};
      make_sole(cell, f.cell, find_or_allocate(cell, f.cell, m), f.acc);
    }
    clear_groups();
  }

  /// After the task: readers, then writers, then reducers, then collection.
  void retire(const mapping::LaunchDecision& dec, const detail::Launch& L, const Stamp& end) {
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
         [&](Cell& cell, std::uint32_t, std::uint32_t) { raise(cell.readers, end); });
    each([](Privilege p,
            std::uint32_t) { return p == Privilege::Write || p == Privilege::ReadWrite; },
         [&](Cell& cell, std::uint32_t c, std::uint32_t m) {
           cell.write = end;
           cell.readers = Stamp{};
           cell.reducers = Stamp{};
           make_sole(cell, c, find_or_allocate(cell, c, m), end);
         });
    each([](Privilege p, std::uint32_t) { return p == Privilege::Reduce; },
         [&](Cell& cell, std::uint32_t, std::uint32_t m) {
           cell.pending = pending_.make(Pending{m, cell.pending, end});
           raise(cell.reducers, end);
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

  // ---- Copies.

  Stamp copy(const mapping::LaunchDecision& dec, std::uint32_t d, std::size_t k, std::uint32_t arg,
             std::uint32_t src, std::uint32_t dst, std::uint64_t bytes, const Stamp& ready,
             bool reduction) {
    const machine::Route route = m_.route(MemId{src}, MemId{dst});
    double lat = 0, bw = std::numeric_limits<double>::infinity();
    const Busy* binding = nullptr;  // the link that frees up last
    for (machine::ChannelId h : route) {
      lat += chan_lat_[h.index];
      bw = std::min(bw, chan_bw_[h.index]);
      if (!binding || chan_busy_[h.index].end.t > binding->end.t) binding = &chan_busy_[h.index];
    }
    const Stamp started = binding ? start_on(ready, *binding) : ready;
    const double start = started.t;
    const double link = bw > 0 ? static_cast<double>(bytes) / bw : 0;
    // Every link is held for bytes / bandwidth from the start.
    Stamp held = started;
    held.t = start + link;
    held.b.copy += link;
    const auto chans = m_.channels();
    std::uint8_t kinds = 0;  // each kind of link the route crosses counts the bytes once
    for (machine::ChannelId h : route) {
      chan_busy_[h.index] = Busy{held, 0, link, &Breakdown::copy};
      ChannelStats& cs = out_.channels[h.index];
      cs.bytes += bytes;
      cs.copies++;
      cs.busy_s += link;
      kinds |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(chans[h.index].kind));
    }
    for (std::size_t k = 0; k < out_.bytes.by_kind.size(); ++k)
      if (kinds & (1u << k)) out_.bytes.by_kind[k] += bytes;
    (mem_node_[src] == mem_node_[dst] ? out_.bytes.intra_node : out_.bytes.inter_node) += bytes;
    out_.copies++;
    const double c = o_.constants.copy_overhead;
    const Stamp end = finish(started, c, lat + link, &Breakdown::copy);
    CopyGroup& g = groups_bytes_[arg_offset_[dec.task] + arg];
    g.bytes += bytes;
    g.copies++;
    g.seconds += end.t - start;
    if (!o_.observers.empty()) {
      CopyEvent e{d,       k,     dec.task, arg,  MemId{src}, MemId{dst}, bytes,
                  ready.t, start, end.t,    link, route,      reduction};
      for (Observer* ob : o_.observers)
        ob->on_copy(e);
    }
    return end;
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

  [[noreturn]] void fail_no_variant(const mapping::LaunchDecision& dec,
                                    const mapping::PointDecision& pd, const app::Task& task) {
    throw Failure{detail::no_variant(o_.program, m_, task, dec, pd.proc)};
  }

  void check_layout(const mapping::LaunchDecision& dec, const app::Task& task,
                    const app::Variant& v) {
    const detail::Launch& L = plan_.launches[dec.launch];
    mapped_.assign(L.reqs, false);
    for (std::uint32_t i = 0; i < L.reqs; ++i)
      mapped_[i] = !plan_.reqs[L.first_req + i].no_access;
    const auto& args = app_.launches[dec.launch].effective_args(task);
    if (auto d = detail::bad_layout(o_.program, task, args, v, dec, mapped_)) throw Failure{*d};
  }

  [[noreturn]] void fail_unreachable(const mapping::LaunchDecision& dec,
                                     const mapping::PointDecision& pd, std::uint32_t i,
                                     std::uint32_t m) {
    throw Failure{detail::unreachable(
        o_.program, m_, app_.tasks[dec.task],
        app_.launches[dec.launch].effective_args(app_.tasks[dec.task]), dec, pd.proc, i, MemId{m})};
  }

  [[noreturn]] void fail_oom(const mapping::LaunchDecision& dec, const mapping::PointDecision& pd,
                             std::uint32_t i, std::uint32_t m, std::uint64_t need) {
    detail::OutOfMemory oom;
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
    throw Failure{detail::out_of_memory(o_.program, m_, task,
                                        app_.launches[dec.launch].effective_args(task), dec, oom)};
  }

  const app::App& app_;
  const machine::Machine& m_;
  const mapping::Mapping& mapping_;
  const Options& o_;
  detail::Plan plan_;

  std::vector<Busy> proc_busy_, chan_busy_;
  std::vector<double> chan_bw_, chan_lat_;
  std::vector<std::uint32_t> mem_node_;
  std::vector<std::uint64_t> capacity_, usage_, invalid_;
  std::vector<Cell> cells_;
  Pool<Entry> entries_;
  Pool<Pending> pending_;
  std::vector<std::int64_t> env_;
  std::vector<std::size_t> arg_offset_;
  std::size_t max_args_ = 0;
  std::vector<CopyGroup> groups_bytes_;
  std::vector<Limiter> limiters_;  ///< per (task, origin): see the constructor
  std::size_t origins_ = 0;
  std::vector<std::uint8_t> checked_;
  std::vector<ArgState> args_;
  std::vector<bool> mapped_;
  std::vector<Group> groups_;
  std::vector<std::uint32_t> group_of_;  ///< per (memory, fold?): its group, or kNone
  std::vector<Fix> fixes_;
  std::vector<Fold> folds_;
  Stamp end_;
  double loop_span_ = 0;
  std::uint64_t instances_ = 0;
  Outcome out_;
};

}  // namespace

Outcome simulate(const app::App& app, const machine::Machine& machine,
                 const mapping::Mapping& mapping, const Options& options) {
  return Engine(app, machine, mapping, options).run();
}

}  // namespace mapsmith::sim
