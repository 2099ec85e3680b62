// The import driver: check that the two logs are of one run, make the machine, collect the
// top-level program's launches with their requirements and measured times, fold repeated runs
// of launches into loops, and write it all as an app.
#include "importer/import.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <set>
#include <unordered_map>

#include "app/app_json.h"
#include "importer/import_detail.h"
#include "util/error.h"

namespace mapsmith::importer {

std::string channel_name(MemKind src, MemKind dst, bool between_nodes) {
  return fmt::format("{}->{}{}", to_string(src), to_string(dst),
                     between_nodes ? " (between nodes)" : "");
}

namespace {

using detail::Regions;

constexpr std::uint32_t kReadPriv = 0x1;
constexpr std::uint32_t kWritePriv = 0x2;
constexpr std::uint32_t kReducePriv = 0x4;
constexpr std::uint32_t kDiscardInput = 0x10000000;

app::Privilege privilege_of(const SpyReq& r) {
  if (r.redop != 0 || (r.privilege & (kReadPriv | kWritePriv | kReducePriv)) == kReducePriv)
    return app::Privilege::Reduce;
  if (r.privilege & kWritePriv)
    return (r.privilege & kDiscardInput) ? app::Privilege::Write : app::Privilege::ReadWrite;
  return app::Privilege::Read;
}

/// Where the points of one requirement of a launch go: one space for all, or a space per point.
struct ReqPlan {
  const SpyReq* req = nullptr;
  std::vector<std::uint64_t> spaces;  ///< per point (size 1: the same for every point)
  std::uint64_t partition = 0;        ///< the Legion partition of the spaces (0: the root)
};

/// One top-level launch of the run.
struct Rec {
  const SpyOp* op = nullptr;
  std::vector<const SpyOp*> points;  ///< in launch order (first dimension fastest)
  std::vector<std::int64_t> domain;  ///< extents (index launches)
  std::vector<ReqPlan> plans;
  app::Launch launch;  ///< task, domain, reqs (projections with i, j, k)
  std::vector<app::RegionArg> args;
  std::string signature;
  std::size_t sig = 0;
};

/// The run's launches, folded: a tree of loops over positions in the sequence of launches.
struct Node {
  bool loop = false;
  std::size_t at = 0;  ///< a launch: its position in the sequence
  std::int64_t count = 0;
  std::vector<Node> body;
};

const char* const kPointVars[] = {"i", "j", "k", "l", "m", "n", "o", "p", "q"};

class Builder {
 public:
  Builder(const SpyLog& spy, const ProfLog& prof, const ImportOptions& options, Imported& out)
      : spy_(spy), prof_(prof), options_(options), out_(out), regions_(spy, out.app) {}

  void run() {
    index_prof();
    check_pair();
    out_.machine = detail::build_machine(spy_, prof_, options_, out_.notes);
    collect();
    plan();
    regions_.build(out_.notes);
    requirements();
    fold();
    emit();
    measure();
    if (const auto err = app::check(out_.app))
      throw InputError(fmt::format(
          "the model imported from {} is not a valid app ({}: {}); this run uses something the "
          "app format cannot express",
          spy_.files.front(), err->path, err->message));
  }

 private:
  [[noreturn]] void fail_pair(const std::string& what) const {
    throw InputError(fmt::format(
        "{} and {} are not logs of the same run: {}", spy_.files.front(),
        prof_.processes.empty() ? std::string("the Prof log") : prof_.processes.front().file,
        what));
  }
  std::string task_name(std::uint32_t id) const {
    if (const auto it = spy_.task_names.find(id); it != spy_.task_names.end()) return it->second;
    if (const auto it = prof_.task_names.find(id); it != prof_.task_names.end()) return it->second;
    return fmt::format("task{}", id);
  }
  std::uint32_t task_of(const SpyOp& o) const {
    if (o.kind != SpyOpKind::Point) return o.task_id;
    const auto it = spy_.ops.find(o.launch);
    return it == spy_.ops.end() ? o.task_id : it->second.task_id;
  }

  void index_prof();
  void check_pair();
  void collect();
  void plan();
  void requirements();
  void fold();
  std::vector<Node> fold(std::size_t begin, std::size_t end, std::size_t depth) const;
  void emit();
  void emit(const std::vector<Node>& nodes, std::vector<app::Step>& steps, int depth);
  void measure();

  const SpyLog& spy_;
  const ProfLog& prof_;
  const ImportOptions& options_;
  Imported& out_;
  Regions regions_;
  std::unordered_map<std::uint64_t, const ProfTask*> timed_;  ///< by op id
  std::unordered_map<std::uint64_t, ProcKind> proc_kinds_;
  std::vector<Rec> recs_;
  std::vector<Node> program_;
  std::vector<std::size_t> app_launch_of_;  ///< per position: its app launch
  std::map<std::uint32_t, app::TaskId> task_ids_;
  std::map<std::pair<std::uint32_t, std::vector<std::uint64_t>>, std::uint32_t> permuted_;
  std::optional<std::pair<std::size_t, std::size_t>> main_loop_;  ///< positions [a, b)
  std::int64_t main_count_ = 0;
};

void Builder::index_prof() {
  for (const ProfTask& t : prof_.tasks)
    timed_[t.op_id] = &t;
  for (const ProfProc& p : prof_.procs)
    if (const auto k = proc_kind_of_realm(p.kind)) proc_kinds_[p.id] = *k;
  for (const auto& [id, kind] : spy_.procs)
    if (const auto k = proc_kind_of_realm(kind)) proc_kinds_.emplace(id, *k);
}

void Builder::check_pair() {
  if (!spy_.top)
    throw InputError(
        fmt::format("{}: no \"Top Task\" line: the log is incomplete (or not of a Legion program)",
                    spy_.files.front()));
  if (prof_.tasks.empty())
    throw InputError(fmt::format(
        "{}: the Legion Prof log times no task (was it run with "
        "-lg:prof 1?)",
        prof_.processes.empty() ? std::string("the Prof log") : prof_.processes.front().file));
  // The machines: every processor Spy lists is one Prof lists (Prof may list more: processors
  // the runtime made after Spy logged the machine).
  if (!spy_.procs.empty() && !prof_.procs.empty()) {
    std::set<std::uint64_t> in_prof;
    for (const ProfProc& p : prof_.procs)
      in_prof.insert(p.id);
    for (const auto& [id, kind] : spy_.procs)
      if (!in_prof.count(id))
        fail_pair(fmt::format("Legion Spy lists processor {:x}, which Legion Prof does not", id));
  }
  // Every task Prof timed is a task Spy knows, with the same task and processor.
  for (const ProfTask& t : prof_.tasks) {
    if (t.implicit) continue;
    const auto it = spy_.ops.find(t.op_id);
    if (it == spy_.ops.end() || it->second.kind == SpyOpKind::Other ||
        it->second.kind == SpyOpKind::Index)
      fail_pair(
          fmt::format("Legion Prof timed task {} (unique id {}), which Legion Spy never "
                      "launched",
                      task_name(t.task_id), t.op_id));
    const SpyOp& o = it->second;
    if (task_of(o) != t.task_id)
      fail_pair(fmt::format("operation {} is task {} in Legion Prof but task {} in Legion Spy",
                            t.op_id, task_name(t.task_id), task_name(task_of(o))));
    if (o.proc && *o.proc != t.proc)
      fail_pair(
          fmt::format("task {} (unique id {}) ran on processor {:x} according to Legion "
                      "Prof but on {:x} according to Legion Spy",
                      task_name(t.task_id), t.op_id, t.proc, *o.proc));
  }
}

void Builder::collect() {
  std::unordered_map<std::uint64_t, std::vector<const SpyOp*>> points;
  for (const auto& [uid, o] : spy_.ops)
    if (o.kind == SpyOpKind::Point) points[o.launch].push_back(&o);
  std::vector<const SpyOp*> launches;
  for (const auto& [uid, o] : spy_.ops)
    if (o.kind == SpyOpKind::Single || o.kind == SpyOpKind::Index) launches.push_back(&o);
  // Unique ids are given as operations are made, so their order is the program's.
  std::sort(launches.begin(), launches.end(),
            [](const SpyOp* a, const SpyOp* b) { return a->uid < b->uid; });
  std::size_t nested = 0;
  for (const SpyOp* o : launches) {
    if (o->context != *spy_.top) ++nested;
    Rec r;
    r.op = o;
    if (o->kind == SpyOpKind::Index) {
      std::vector<const SpyOp*> ps = points[o->uid];
      if (ps.empty()) {
        out_.notes.push_back(
            fmt::format("index launch {} of {} has no points in the Spy log and "
                        "is left out",
                        o->uid, task_name(o->task_id)));
        continue;
      }
      const std::size_t dims = ps.front()->point.size();
      std::vector<std::int64_t> lo(dims, INT64_MAX), hi(dims, INT64_MIN);
      if (o->domain && o->domain->lo.size() == dims) {
        lo = o->domain->lo;
        hi = o->domain->hi;
      } else {
        for (const SpyOp* p : ps)
          for (std::size_t d = 0; d < dims; ++d) {
            lo[d] = std::min(lo[d], p->point[d]);
            hi[d] = std::max(hi[d], p->point[d]);
          }
      }
      std::int64_t volume = 1;
      for (std::size_t d = 0; d < dims; ++d) {
        r.domain.push_back(hi[d] - lo[d] + 1);
        volume *= r.domain.back();
      }
      const auto linear = [&](const SpyOp* p) {
        std::int64_t at = 0, stride = 1;
        for (std::size_t d = 0; d < dims; ++d) {
          at += (p->point[d] - lo[d]) * stride;
          stride *= r.domain[d];
        }
        return at;
      };
      std::sort(ps.begin(), ps.end(),
                [&](const SpyOp* a, const SpyOp* b) { return linear(a) < linear(b); });
      if (static_cast<std::int64_t>(ps.size()) != volume)
        throw InputError(fmt::format(
            "{}: index launch {} of {} has {} points in a domain of {}: sparse launch domains "
            "cannot be modelled",
            spy_.files.front(), o->uid, task_name(o->task_id), ps.size(), volume));
      r.points = std::move(ps);
    } else {
      r.points = {o};
    }
    recs_.push_back(std::move(r));
  }
  if (recs_.empty())
    throw InputError(fmt::format("{}: the top-level task launched no task", spy_.files.front()));
  if (nested)
    out_.notes.push_back(fmt::format(
        "{} launches were made by tasks other than the top-level task; they are modelled as "
        "top-level launches, in the order they were made",
        nested));
  std::uint64_t others = 0;
  for (const auto& [kind, n] : spy_.other_ops)
    others += n;
  if (others) {
    std::string list;
    for (const auto& [kind, n] : spy_.other_ops)
      list += fmt::format("{}{} {}", list.empty() ? "" : ", ", n, kind);
    out_.notes.push_back(
        fmt::format("operations that are not task launches are not modelled: {}", list));
  }
}

/// For every requirement, the space each point used, from the points' own requirements (Legion
/// Spy logs the region each point task projected to).
void Builder::plan() {
  for (Rec& r : recs_) {
    std::vector<const SpyReq*> reqs;
    for (const SpyReq& q : r.op->reqs)
      reqs.push_back(&q);
    std::sort(reqs.begin(), reqs.end(),
              [](const SpyReq* a, const SpyReq* b) { return a->index < b->index; });
    for (const SpyReq* q : reqs) {
      ReqPlan p;
      p.req = q;
      if (r.op->kind == SpyOpKind::Index) {
        for (const SpyOp* pt : r.points) {
          const SpyReq* mine = nullptr;
          for (const SpyReq& x : pt->reqs)
            if (x.index == q->index) mine = &x;
          if (!mine || !mine->region) {
            if (q->region) {
              p.spaces.push_back(q->handle);
              continue;
            }
            throw InputError(fmt::format(
                "{}: point task {} of index launch {} ({}) has no requirement {} in the log: "
                "the log is incomplete",
                spy_.files.front(), pt->uid, r.op->uid, task_name(r.op->task_id), q->index));
          }
          p.spaces.push_back(mine->handle);
        }
        if (std::all_of(p.spaces.begin(), p.spaces.end(),
                        [&](std::uint64_t s) { return s == p.spaces.front(); }))
          p.spaces.resize(1);
      } else {
        if (!q->region)
          throw InputError(
              fmt::format("{}: single task {} ({}) names a partition in requirement "
                          "{}",
                          spy_.files.front(), r.op->uid, task_name(r.op->task_id), q->index));
        p.spaces = {q->handle};
      }
      // The partition the spaces are pieces of (the root: none).
      const std::uint32_t tree = q->tree;
      if (!spy_.trees.count(tree))
        throw InputError(
            fmt::format("{}: requirement {} of operation {} names region tree {}, "
                        "which the log never creates",
                        spy_.files.front(), q->index, r.op->uid, tree));
      std::optional<std::uint64_t> part;
      for (std::uint64_t s : p.spaces) {
        if (regions_.is_root(tree, s)) {
          if (p.spaces.size() > 1)
            throw InputError(
                fmt::format("{}: the points of index launch {} ({}) use both the "
                            "whole region and its pieces in requirement {}",
                            spy_.files.front(), r.op->uid, task_name(r.op->task_id), q->index));
          continue;
        }
        const auto it = spy_.spaces.find(s);
        if (it == spy_.spaces.end() || !it->second.partition)
          throw InputError(fmt::format(
              "{}: requirement {} of operation {} ({}) uses index space {:x}, which is neither a "
              "region tree's root nor a piece of a partition",
              spy_.files.front(), q->index, r.op->uid, task_name(r.op->task_id), s));
        if (part && *part != *it->second.partition)
          throw InputError(
              fmt::format("{}: the points of index launch {} ({}) use pieces of "
                          "two partitions in requirement {}",
                          spy_.files.front(), r.op->uid, task_name(r.op->task_id), q->index));
        part = *it->second.partition;
      }
      if (part) {
        p.partition = *part;
        regions_.use_partition(tree, *part);
      }
      for (std::uint64_t s : p.spaces)
        regions_.use_space(tree, s);
      r.plans.push_back(std::move(p));
    }
  }
}

/// The app requirement of each plan: a whole region, a piece chosen by an affine projection of
/// the launch point, or (when no affine projection gives the pieces the points used) a
/// partition of those pieces in launch order.
void Builder::requirements() {
  for (std::size_t k = 0; k < recs_.size(); ++k) {
    Rec& r = recs_[k];
    const std::size_t dims = r.domain.size();
    r.launch.index = r.op->kind == SpyOpKind::Index;
    r.launch.domain = r.domain;
    for (std::size_t d = 0; d < dims; ++d)
      r.launch.point_vars.push_back(kPointVars[d % 9]);
    std::string sig = fmt::format("{}|{}|", r.op->task_id, fmt::join(r.domain, ","));
    for (const ReqPlan& p : r.plans) {
      const SpyReq& q = *p.req;
      const std::uint32_t tree = q.tree;
      app::Requirement req;
      const app::Region& region = out_.app.regions[regions_.region(tree)];
      req.region = region.name;
      req.privilege = privilege_of(q);
      const auto fs = spy_.field_spaces.find(q.fspace);
      for (std::uint32_t fid : q.fields) {
        std::string name = fmt::format("f{}", fid);
        if (fs != spy_.field_spaces.end())
          for (const SpyField& f : fs->second)
            if (f.id == fid && !f.name.empty()) name = f.name;
        if (std::find(req.fields.begin(), req.fields.end(), name) == req.fields.end())
          req.fields.push_back(name);
      }
      if (q.privilege == 0 || q.fields.empty()) req.touched = 0;
      app::RegionArg arg;
      arg.root = regions_.root_name(tree);
      arg.privilege = req.privilege;
      if (p.partition) {
        arg.partition = regions_.partition_name(tree, p.partition);
        if (p.spaces.size() == 1) arg.region = regions_.space_name(tree, p.spaces.front());
        const std::uint32_t part = regions_.partition(tree, p.partition);
        // A copy: add_permuted below may grow the partitions.
        const app::Partition ap = out_.app.partitions[part];
        req.partition = ap.name;
        // color = (sum coef * point + offset) mod colors, fitted on the origin and the unit
        // steps, then checked on every point.
        std::vector<std::vector<std::int64_t>> colors;
        for (std::uint64_t s : p.spaces)
          colors.push_back(regions_.color(s));
        const std::size_t cdims = ap.colors.size();
        bool affine = true;
        std::vector<app::ProjectionDim> proj(cdims);
        for (std::size_t c = 0; c < cdims && affine; ++c) {
          if (colors.front().size() != cdims) {
            affine = false;
            break;
          }
          const std::int64_t offset = colors.front()[c];
          std::vector<std::int64_t> coef(dims, 0);
          std::int64_t stride = 1;
          for (std::size_t d = 0; d < dims && p.spaces.size() > 1; ++d) {
            if (r.domain[d] > 1) coef[d] = colors[static_cast<std::size_t>(stride)][c] - offset;
            stride *= r.domain[d];
          }
          // Check every point.
          for (std::size_t i = 0; i < colors.size() && affine; ++i) {
            std::int64_t rest = static_cast<std::int64_t>(i), value = offset;
            for (std::size_t d = 0; d < dims; ++d) {
              value += coef[d] * (rest % r.domain[d]);
              rest /= r.domain[d];
            }
            const std::int64_t n = ap.colors[c];
            if (((value % n) + n) % n != colors[i][c]) affine = false;
          }
          proj[c].offset = offset;
          for (std::size_t d = 0; d < dims; ++d)
            if (coef[d] != 0) proj[c].terms.push_back({kPointVars[d % 9], coef[d]});
        }
        if (p.spaces.size() == 1) affine = colors.front().size() == cdims;
        if (affine) {
          req.projection = std::move(proj);
          sig += fmt::format("{}:{}", part, out_.app.partitions[part].name);
          for (const app::ProjectionDim& pd : req.projection) {
            sig += fmt::format("({}", pd.offset);
            for (const app::Term& t : pd.terms)
              sig += fmt::format("+{}{}", t.coef, t.var);
            sig += ")";
          }
        } else {
          auto key = std::make_pair(tree, p.spaces);
          auto it = permuted_.find(key);
          if (it == permuted_.end()) {
            const std::uint32_t id = regions_.add_permuted(
                tree, fmt::format("{}_by_point", ap.name), p.spaces, r.domain);
            it = permuted_.emplace(key, id).first;
            out_.notes.push_back(fmt::format(
                "no affine projection gives the pieces of {} that the points of {} use: the "
                "model uses partition {}, the same pieces in launch order",
                ap.name, task_name(r.op->task_id), out_.app.partitions[it->second].name));
          }
          req.partition = out_.app.partitions[it->second].name;
          req.projection.clear();
          for (std::size_t d = 0; d < dims; ++d)
            req.projection.push_back({{{kPointVars[d % 9], 1}}, 0});
          sig += fmt::format("{}:perm", it->second);
        }
      } else {
        arg.region = arg.root;
        sig += "whole";
      }
      sig += fmt::format("/{}/{}/{}/{};", req.region, static_cast<int>(req.privilege),
                         fmt::join(req.fields, ","), req.touched);
      r.launch.reqs.push_back(std::move(req));
      r.args.push_back(std::move(arg));
    }
    r.signature = std::move(sig);
  }
  std::unordered_map<std::string, std::size_t> ids;
  for (Rec& r : recs_)
    r.sig = ids.emplace(r.signature, ids.size()).first->second;
}

/// Repeated runs of launches become loops: the longest stretch of the sequence that repeats a
/// block of at most max_loop_body launches is a loop; the parts before and after, and the block
/// itself, are folded the same way.
std::vector<Node> Builder::fold(std::size_t begin, std::size_t end, std::size_t depth) const {
  std::vector<Node> out;
  if (begin >= end) return out;
  std::size_t best_cover = 0, best_at = 0, best_len = 0, best_reps = 0;
  if (depth < 8) {
    const std::size_t max_len = std::min(options_.max_loop_body, (end - begin) / 2);
    for (std::size_t len = 1; len <= max_len; ++len) {
      std::size_t run = 0;
      for (std::size_t i = begin; i + len < end; ++i) {
        run = recs_[i].sig == recs_[i + len].sig ? run + 1 : 0;
        const bool last = i + len + 1 >= end || recs_[i + 1].sig != recs_[i + 1 + len].sig;
        if (run == 0 || !last) continue;
        const std::size_t start = i + 1 - run;
        const std::size_t reps = (run + len) / len;
        const std::size_t cover = reps * len;
        if (reps >= 2 && cover > best_cover) {
          best_cover = cover;
          best_at = start;
          best_len = len;
          best_reps = reps;
        }
      }
    }
  }
  if (best_reps < 2) {
    for (std::size_t i = begin; i < end; ++i)
      out.push_back(Node{false, i, 0, {}});
    return out;
  }
  std::vector<Node> before = fold(begin, best_at, depth + 1);
  out.insert(out.end(), before.begin(), before.end());
  Node loop;
  loop.loop = true;
  loop.at = best_at;
  loop.count = static_cast<std::int64_t>(best_reps);
  loop.body = fold(best_at, best_at + best_len, depth + 1);
  out.push_back(std::move(loop));
  std::vector<Node> after = fold(best_at + best_reps * best_len, end, depth + 1);
  out.insert(out.end(), after.begin(), after.end());
  return out;
}

void Builder::fold() {
  program_ = fold(0, recs_.size(), 0);
  // The main loop: the top-level loop with the most iterations (as the simulator takes it).
  for (const Node& n : program_) {
    if (!n.loop || n.count <= main_count_) continue;
    std::size_t len = 0;
    std::function<void(const Node&)> count = [&](const Node& x) {
      if (!x.loop) {
        ++len;
        return;
      }
      std::size_t inner = len;
      for (const Node& b : x.body)
        count(b);
      len = inner + (len - inner) * static_cast<std::size_t>(x.count);
    };
    for (const Node& b : n.body)
      count(b);
    main_count_ = n.count;
    main_loop_ = std::make_pair(n.at, n.at + len * static_cast<std::size_t>(n.count));
  }
}

void Builder::emit() {
  app::App& a = out_.app;
  const SpyOp& top = spy_.ops.at(*spy_.top);
  a.name = options_.name.empty() ? task_name(top.task_id) : options_.name;
  // Tasks: the top-level task, then each launched task in order of first launch.
  const auto add_task = [&](std::uint32_t id) {
    if (const auto it = task_ids_.find(id); it != task_ids_.end()) return it->second;
    app::Task t;
    t.name = task_name(id);
    for (const app::Task& other : a.tasks)
      if (other.name == t.name) t.name = fmt::format("{}_{}", t.name, id);
    const auto tid = static_cast<app::TaskId>(a.tasks.size());
    a.tasks.push_back(std::move(t));
    task_ids_[id] = tid;
    return tid;
  };
  a.top = add_task(top.task_id);
  app::Variant top_variant(ProcKind::CPU);
  top_variant.inner = true;
  a.tasks[*a.top].variants = {top_variant};
  for (const Rec& r : recs_)
    add_task(r.op->task_id);
  app_launch_of_.assign(recs_.size(), 0);
  emit(program_, a.program, 0);
}

void Builder::emit(const std::vector<Node>& nodes, std::vector<app::Step>& steps, int depth) {
  app::App& a = out_.app;
  for (const Node& n : nodes) {
    app::Step s;
    if (n.loop) {
      s.kind = app::Step::Kind::Loop;
      s.var = depth == 0 ? "t" : fmt::format("t{}", depth + 1);
      s.count = n.count;
      emit(n.body, s.body, depth + 1);
    } else {
      const Rec& r = recs_[n.at];
      app::Launch l = r.launch;
      l.task = task_ids_.at(r.op->task_id);
      s.kind = app::Step::Kind::Launch;
      s.launch = a.launches.size();
      app_launch_of_[n.at] = s.launch;
      app::Task& t = a.tasks[l.task];
      if (t.args.empty())
        t.args = r.args;
      else if (t.args != r.args)
        l.args = r.args;
      a.launches.push_back(std::move(l));
    }
    steps.push_back(std::move(s));
  }
  if (depth == 0) {
    // Every position of the sequence is an instance of the app launch at the same place in the
    // loop body: the positions of a loop's later iterations repeat its first iteration's.
    std::function<std::size_t(const std::vector<Node>&, std::size_t)> assign =
        [&](const std::vector<Node>& ns, std::size_t pos) -> std::size_t {
      for (const Node& n : ns) {
        if (!n.loop) {
          app_launch_of_[pos] = app_launch_of_[n.at];
          ++pos;
          continue;
        }
        const std::size_t first = pos;
        pos = assign(n.body, pos);
        const std::size_t len = pos - first;
        for (std::int64_t c = 1; c < n.count; ++c)
          for (std::size_t k = 0; k < len; ++k)
            app_launch_of_[pos++] = app_launch_of_[first + k];
      }
      return pos;
    };
    assign(nodes, 0);
  }
}

void Builder::measure() {
  app::App& a = out_.app;
  Measurement& m = out_.measured;
  // Costs: each app launch's points' mean measured time on the kind of processor they ran on.
  const double ns = 1e-9;
  struct Acc {
    std::uint64_t ns = 0;  // summed in integer nanoseconds: means come out exact
    std::uint64_t count = 0;
    double mean_ns() const {
      return count ? static_cast<double>(ns) / static_cast<double>(count) : 0;
    }
  };
  std::vector<std::map<ProcKind, Acc>> per_launch(a.launches.size());
  std::map<std::string, Stat> tasks;
  double end = 0;
  double before_loop = 0, through_loop = 0;
  std::uint64_t untimed = 0;
  // The run starts when the first task the program launched was created: what the top-level
  // task did before (creating regions and partitions) is not part of the model, whose launches
  // start at time 0.
  double start = INFINITY;
  for (std::size_t pos = 0; pos < recs_.size(); ++pos) {
    const Rec& r = recs_[pos];
    const std::size_t l = app_launch_of_[pos];
    for (const SpyOp* p : r.points) {
      const auto it = timed_.find(p->uid);
      if (it == timed_.end()) {
        ++untimed;
        continue;
      }
      const ProfTask& t = *it->second;
      const double secs = static_cast<double>(t.stop - t.start) * ns;
      const auto kind = proc_kinds_.find(t.proc);
      const ProcKind k = kind == proc_kinds_.end() ? ProcKind::CPU : kind->second;
      Acc& acc = per_launch[l][k];
      acc.ns += t.stop - t.start;
      ++acc.count;
      Stat& s = tasks[a.tasks[a.launches[l].task].name];
      s.name = a.tasks[a.launches[l].task].name;
      ++s.count;
      s.seconds += secs;
      ++m.task_instances;
      const auto stop = static_cast<double>(t.stop);
      start = std::min(start, static_cast<double>(t.create ? t.create : t.start));
      end = std::max(end, stop);
      if (main_loop_) {
        if (pos < main_loop_->first) before_loop = std::max(before_loop, stop);
        if (pos < main_loop_->second) through_loop = std::max(through_loop, stop);
      }
    }
  }
  if (untimed)
    out_.notes.push_back(
        fmt::format("{} task instances have no time in the Prof log; their "
                    "launches' costs come from the others",
                    untimed));
  m.time_s = (end - start) * ns;
  if (main_loop_ && main_count_ > 0) {
    if (main_loop_->first == 0 || before_loop == 0) before_loop = start;
    m.iterations = main_count_;
    m.iteration_time_s = (through_loop - before_loop) * ns / static_cast<double>(main_count_);
  } else {
    m.iteration_time_s = m.time_s;
  }
  for (auto& [name, s] : tasks)
    m.tasks.push_back(s);

  // Variants and flops: a launch's flops make its points take their mean measured time on the
  // kind most of them ran on, at efficiency 1; another kind's efficiency is what makes its own
  // mean time (capped at 1).
  std::vector<std::map<ProcKind, Acc>> per_task(a.tasks.size());
  for (std::size_t l = 0; l < a.launches.size(); ++l)
    for (const auto& [k, acc] : per_launch[l]) {
      per_task[a.launches[l].task][k].ns += acc.ns;
      per_task[a.launches[l].task][k].count += acc.count;
    }
  const auto flops_of = [&](ProcKind k) {
    for (const machine::ProcSpec& p : out_.machine.node.processors)
      if (p.kind == k) return p.flops;
    return detail::kDefaultCoreFlops;
  };
  for (app::TaskId t = 0; t < a.tasks.size(); ++t) {
    if (a.top && t == *a.top) continue;
    app::Task& task = a.tasks[t];
    ProcKind ref = ProcKind::CPU;
    std::uint64_t most = 0;
    for (const auto& [k, acc] : per_task[t])
      if (acc.count > most) {
        most = acc.count;
        ref = k;
      }
    if (per_task[t].empty()) {
      task.variants = {app::Variant(ProcKind::CPU)};
      out_.notes.push_back(
          fmt::format("task {} never ran in the Prof log: a CPU variant with "
                      "no cost is assumed",
                      task.name));
      continue;
    }
    const double ref_mean = per_task[t][ref].mean_ns();
    for (const auto& [k, acc] : per_task[t]) {
      app::Variant v(k);
      const double mean = acc.mean_ns();
      if (k != ref && mean > 0) {
        v.efficiency = std::min(1.0, ref_mean * flops_of(ref) / (mean * flops_of(k)));
        if (v.efficiency <= 0) v.efficiency = 1e-6;
      }
      task.variants.push_back(v);
    }
    // Inner variants (Spy's Task Variant line) launch subtasks and touch no data.
    for (const Rec& r : recs_) {
      if (task_ids_.at(r.op->task_id) != t) continue;
      for (const SpyOp* p : r.points) {
        std::optional<std::uint32_t> vid = p->variant;
        if (const auto it = timed_.find(p->uid); !vid && it != timed_.end())
          vid = it->second->variant_id;
        if (!vid) continue;
        const auto inner = spy_.variant_inner.find({r.op->task_id, *vid});
        if (inner != spy_.variant_inner.end() && inner->second)
          for (app::Variant& v : task.variants)
            v.inner = true;
      }
      break;
    }
  }
  // Kinds the run did not use: only where the user says a variant exists (--variant).
  for (const AssumedVariant& av : options_.assumed_variants) {
    bool found = av.task.empty();
    for (app::TaskId t = 0; t < a.tasks.size(); ++t) {
      app::Task& task = a.tasks[t];
      if ((a.top && t == *a.top) || (!av.task.empty() && task.name != av.task)) continue;
      found = true;
      if (task.has_variant(av.kind)) continue;
      app::Variant v(av.kind);
      v.efficiency = av.efficiency;
      v.inner = !task.variants.empty() && task.variants.front().inner;
      task.variants.push_back(v);
    }
    if (!found)
      throw InputError(fmt::format("--variant {}:{}: the run has no task {}", av.task,
                                   to_string(av.kind), av.task));
    out_.notes.push_back(fmt::format(
        "variant {} assumed for {} at efficiency {:g}: its time is the measured flops at that "
        "fraction of the {} peak, not a measurement",
        to_string(av.kind), av.task.empty() ? std::string("every task") : "task " + av.task,
        av.efficiency, to_string(av.kind)));
  }
  for (std::size_t l = 0; l < a.launches.size(); ++l) {
    app::Launch& launch = a.launches[l];
    const app::Task& task = a.tasks[launch.task];
    ProcKind ref = task.variants.front().kind;
    std::uint64_t most = 0;
    for (const auto& [k, acc] : per_task[launch.task])
      if (acc.count > most) {
        most = acc.count;
        ref = k;
      }
    const auto it = per_launch[l].find(ref);
    double mean_ns = 0;
    if (it != per_launch[l].end() && it->second.count)
      mean_ns = it->second.mean_ns();
    else if (most)
      mean_ns = per_task[launch.task][ref].mean_ns();
    launch.flops = mean_ns * (flops_of(ref) / 1e9);
  }

  // Copies and fills.
  std::unordered_map<std::uint64_t, MemKind> mem_kinds;
  for (const ProfMem& mem : prof_.mems)
    if (const auto k = mem_kind_of_realm(mem.kind)) mem_kinds[mem.id] = *k;
  for (const SpyLog::Mem& mem : spy_.mems)
    if (const auto k = mem_kind_of_realm(mem.kind)) mem_kinds.emplace(mem.id, *k);

  // Where the run put each argument (the instance each requirement was mapped to).
  std::map<std::pair<std::string, std::size_t>, std::set<std::string>> placed;
  for (const Rec& r : recs_) {
    const std::string& name = a.tasks[task_ids_.at(r.op->task_id)].name;
    for (const SpyOp* p : r.points)
      for (const auto& [index, event] : p->decisions) {
        const auto inst = spy_.instances.find(event);
        if (inst == spy_.instances.end()) continue;
        const auto kind = mem_kinds.find(inst->second.mem);
        if (kind != mem_kinds.end())
          placed[{name, index}].insert(std::string(to_string(kind->second)));
      }
  }
  for (const auto& [key, kinds] : placed)
    m.placements.push_back({key.first, key.second, fmt::format("{}", fmt::join(kinds, ","))});
  std::map<std::string, Stat> channels;
  for (const ProfCopy& c : prof_.copies) {
    const auto s = mem_kinds.find(c.src_mem), d = mem_kinds.find(c.dst_mem);
    const std::string name =
        s == mem_kinds.end() || d == mem_kinds.end()
            ? std::string("other")
            : channel_name(s->second, d->second, node_of(c.src_mem) != node_of(c.dst_mem));
    Stat& st = channels[name];
    st.name = name;
    ++st.count;
    st.bytes += c.size;
    st.seconds += static_cast<double>(c.stop - c.start) * ns;
    ++m.copies;
  }
  for (auto& [name, s] : channels)
    m.channels.push_back(s);
  m.fills.name = "fills";
  for (const ProfCopy& f : prof_.fills) {
    ++m.fills.count;
    m.fills.bytes += f.size;
    m.fills.seconds += static_cast<double>(f.stop - f.start) * ns;
  }
  out_.notes.push_back(fmt::format(
      "task costs are the measured mean time of each launch's points (flops = seconds x the "
      "processor's {:.3g} flop/s at efficiency 1)",
      flops_of(ProcKind::CPU)));
}

}  // namespace

Imported import_run(const SpyLog& spy, const ProfLog& prof, const ImportOptions& options) {
  Imported out;
  Builder(spy, prof, options, out).run();
  return out;
}

}  // namespace mapsmith::importer
