#pragma once
/// Helpers shared by the simulator's tests: a small machine with round numbers, hand-built
/// applications, and a run that decides a mapper given as text, simulates it and records every
/// event.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "app/app.h"
#include "machine/machine_json.h"
#include "mapping/test_util.h"
#include "sim/observer.h"
#include "sim/sim.h"

namespace mapsmith::sim::test {

/// `nodes` nodes of: 2 CPUs (1 GFLOP/s), 2 GPUs (10 GFLOP/s), 1 OMP (2 GFLOP/s); SYSMEM 1 GB,
/// FBMEM 1 MB per GPU, ZCMEM 100 MB; PCIe 1 GB/s and 1 µs per hop, NIC 0.5 GB/s and 2 µs.
inline machine::Machine tiny(int nodes = 1) {
  return machine::load_machine_json(fmt::format(R"({{
  "format": 1, "name": "tiny", "nodes": {},
  "node": {{
    "processors": [
      {{"kind": "CPU", "count": 2, "flops": 1e9}},
      {{"kind": "GPU", "count": 2, "flops": 1e10}},
      {{"kind": "OMP", "count": 1, "flops": 2e9}},
      {{"kind": "UTIL", "count": 1, "flops": 1e9}}
    ],
    "memories": [
      {{"kind": "SYSMEM", "capacity": 1000000000}},
      {{"kind": "FBMEM", "capacity": 1000000}},
      {{"kind": "ZCMEM", "capacity": 100000000}}
    ],
    "affinities": [
      {{"proc": "CPU", "mem": "SYSMEM", "bandwidth": 1e9, "latency": 1e-7}},
      {{"proc": "CPU", "mem": "ZCMEM", "bandwidth": 5e8, "latency": 1e-7}},
      {{"proc": "OMP", "mem": "SYSMEM", "bandwidth": 2e9, "latency": 1e-7}},
      {{"proc": "UTIL", "mem": "SYSMEM", "bandwidth": 1e9, "latency": 1e-7}},
      {{"proc": "GPU", "mem": "FBMEM", "bandwidth": 1e11, "latency": 5e-7}},
      {{"proc": "GPU", "mem": "ZCMEM", "bandwidth": 1e9, "latency": 1e-6}}
    ],
    "links": [
      {{"kind": "PCIE", "bandwidth": 1e9, "latency": 1e-6}},
      {{"kind": "MEMBUS", "bandwidth": 1e10, "latency": 1e-7}},
      {{"kind": "NIC", "count": 1, "bandwidth": 5e8, "latency": 2e-6}}
    ]
  }}
}})",
                                                nodes),
                                    "tiny.json");
}

// ---- Applications, built by hand: a top-level task "main" (CPU) and what the test adds.

inline app::App empty_app() {
  app::App a;
  a.name = "demo";
  app::Task main;
  main.name = "main";
  main.variants = {ProcKind::CPU};
  a.tasks.push_back(main);
  a.top = 0;
  return a;
}

/// A region of `atoms` (element counts) with one 8-byte field "f" unless `fields` are given.
inline void add_region(app::App& a, std::string name, std::vector<std::int64_t> atoms,
                       std::vector<app::Field> fields = {{"f", 8}}) {
  std::int64_t n = 0;
  for (std::int64_t x : atoms)
    n += x;
  a.regions.push_back(app::Region{std::move(name), {n}, std::move(fields), std::move(atoms)});
}

/// A 1-D partition of region `region` (by name) with the given pieces.
inline void add_partition(app::App& a, std::string name, std::string region,
                          std::vector<std::vector<std::uint32_t>> pieces, bool disjoint = true) {
  const auto r = a.find_region(region);
  ASSERT_TRUE(r.has_value()) << region;
  const auto n = static_cast<std::int64_t>(pieces.size());
  a.partitions.push_back(app::Partition{std::move(name), *r, disjoint, {n}, std::move(pieces)});
}

/// A requirement: the whole region, or the piece `i` of `partition` (the point's coordinate).
struct Use {
  Use(std::string r, app::Privilege p, std::string part = {}, std::vector<std::string> f = {})
      : region(std::move(r)), privilege(p), partition(std::move(part)), fields(std::move(f)) {}
  std::string region;
  app::Privilege privilege = app::Privilege::Read;
  std::string partition;
  std::vector<std::string> fields;
};

/// A task with `variants` whose arguments are `uses` (named after their region or partition).
inline void add_task(app::App& a, std::string name, std::vector<app::Variant> variants,
                     const std::vector<Use>& uses = {}) {
  app::Task t;
  t.name = std::move(name);
  t.variants = std::move(variants);
  for (const Use& u : uses)
    t.args.push_back(
        app::RegionArg{u.partition.empty() ? u.region : "", u.partition, u.region, u.privilege});
  a.tasks.push_back(std::move(t));
}

/// Appends a launch of `task` over `domain` (single when empty) to `steps` (the program when
/// null), with requirements from `uses`; returns its index.
inline std::size_t add_launch(app::App& a, std::string_view task, std::vector<std::int64_t> domain,
                              const std::vector<Use>& uses = {}, double flops = 0,
                              std::vector<app::Step>* steps = nullptr,
                              std::optional<std::size_t> parent = std::nullopt) {
  app::Launch l;
  l.task = a.find_task(task).value();
  l.index = !domain.empty();
  if (l.index) l.point_vars = {"i"};
  l.domain = std::move(domain);
  l.flops = flops;
  l.parent = parent;
  for (const Use& u : uses) {
    app::Requirement r;
    r.region = u.region;
    r.partition = u.partition;
    if (!u.partition.empty()) r.projection = {app::ProjectionDim{{{"i", 1}}, 0}};
    r.privilege = u.privilege;
    r.fields = u.fields;
    l.reqs.push_back(r);
  }
  // The step first: `steps` may point into a.launches, which the push may move.
  const std::size_t id = a.launches.size();
  app::Step step;
  step.launch = id;
  (steps ? *steps : a.program).push_back(std::move(step));
  a.launches.push_back(std::move(l));
  return id;
}

inline app::Variant variant(ProcKind k, double efficiency = 1.0) {
  app::Variant v(k);
  v.efficiency = efficiency;
  return v;
}

// ---- Running.

struct Recorder : Observer {
  std::vector<TaskEvent> tasks;
  std::vector<CopyEvent> copies;
  void on_task(const TaskEvent& e) override { tasks.push_back(e); }
  void on_copy(const CopyEvent& e) override { copies.push_back(e); }
};

/// A mapper decided and simulated; keeps the mapper alive for the decisions' statements.
struct Run {
  std::unique_ptr<mapping::test::Mapper> mapper;
  mapping::Mapping mapping;
  Outcome outcome;
  Recorder events;
  app::App app_copy;  // a copy: tests often pass a temporary app
  const app::App* app = nullptr;

  /// The `nth` event of the task named `name`.
  const TaskEvent& task(std::string_view name, std::size_t nth = 0) const {
    for (const TaskEvent& e : events.tasks)
      if (app->tasks[e.task].name == name && nth-- == 0) return e;
    ADD_FAILURE() << "no task event " << name;
    static const TaskEvent none{};
    return none;
  }
};

/// Decides `mapper` (empty text: the default policy) and simulates it with options `o` (its
/// program and observers are set here).
inline std::unique_ptr<Run> run_with(const app::App& a, const machine::Machine& m,
                                     const std::string& mapper, Options o) {
  auto r = std::make_unique<Run>();
  r->app_copy = a;
  r->app = &r->app_copy;
  if (!mapper.empty()) r->mapper = std::make_unique<mapping::test::Mapper>(mapper);
  r->mapping = mapping::test::decide_ok(a, m, r->mapper.get());
  o.program = r->mapper ? &r->mapper->program : nullptr;
  o.observers = {&r->events};
  r->outcome = simulate(a, m, r->mapping, o);
  return r;
}

/// Decides `mapper` (empty text: the default policy) and simulates it.
inline std::unique_ptr<Run> run(const app::App& a, const machine::Machine& m,
                                const std::string& mapper, Constants c = {}) {
  Options o;
  o.constants = c;
  return run_with(a, m, mapper, std::move(o));
}

/// "FILE:LINE: MESSAGE" of the outcome's only failure.
inline std::string failure(const Outcome& o) {
  if (o.failures.size() != 1) return fmt::format("{} failures", o.failures.size());
  const dsl::Diagnostic& d = o.failures.front();
  return fmt::format("{}:{}: {}", d.file, d.line, d.message);
}

}  // namespace mapsmith::sim::test
