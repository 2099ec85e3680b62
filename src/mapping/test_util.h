#pragma once
/// Helpers shared by the mapping module's tests: small hand-built applications, a mapping
/// program parsed and checked from a string, and the decisions printed as short text
/// ("node0/GPU0 node0/GPU1") so that a test compares whole values.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "app/app.h"
#include "dsl/checker.h"
#include "dsl/diagnostics.h"
#include "dsl/parser.h"
#include "machine/machine.h"
#include "mapping/decide.h"
#include "mapping/mapping.h"

namespace mapsmith::mapping::test {

/// Every diagnostic, rendered and concatenated.
inline std::string rendered(const dsl::Diagnostics& diags) {
  std::string out;
  for (const dsl::Diagnostic& d : diags.all())
    out += dsl::render(d);
  return out;
}

/// A mapping program parsed and checked from a string named "m.mapping", which must have no
/// errors (warnings are allowed; `warnings` holds them rendered). Neither copied nor moved: the
/// ProgramInfo points into the Program.
struct Mapper {
  explicit Mapper(std::string text, dsl::Dialect dialect = dsl::Dialect::Mapsmith) {
    dsl::Diagnostics diags;
    program = dsl::parse_string(std::move(text), diags, "m.mapping");
    program.dialect = dialect;
    EXPECT_FALSE(diags.has_errors()) << rendered(diags);
    if (!diags.has_errors()) info = dsl::check(program, diags);
    EXPECT_FALSE(diags.has_errors()) << rendered(diags);
    warnings = rendered(diags);
  }
  Mapper(const Mapper&) = delete;
  Mapper& operator=(const Mapper&) = delete;

  /// The line of the statement a decision points to (0 for none: the default policy).
  std::uint32_t line_of(const dsl::Stmt* s) const { return s ? program.loc(*s).line : 0; }

  dsl::Program program;
  dsl::ProgramInfo info;
  std::string warnings;
};

// ---- Applications, built by hand. ----

inline app::RegionArg arg(std::string region, std::string partition = {}, std::string root = {}) {
  app::RegionArg a;
  a.region = std::move(region);
  a.partition = std::move(partition);
  a.root = std::move(root);
  return a;
}

/// A task with leaf variants of full efficiency for `variants`.
inline app::Task task(std::string name, std::vector<app::Variant> variants,
                      std::vector<app::RegionArg> args = {}) {
  app::Task t;
  t.name = std::move(name);
  t.variants = std::move(variants);
  t.args = std::move(args);
  return t;
}

/// An application whose task 0 is the top-level task "main" (CPU only), followed by `tasks`.
inline app::App make_app(std::vector<app::Task> tasks) {
  app::App a;
  a.name = "demo";
  a.tasks.push_back(task("main", {ProcKind::CPU}));
  for (app::Task& t : tasks)
    a.tasks.push_back(std::move(t));
  a.top = 0;
  return a;
}

/// Appends an index launch of `name` over `domain` (a single launch when `domain` is empty),
/// made by the top-level task, or by each point of launch `*parent` when that is given.
inline void launch(app::App& a, std::string_view name, std::vector<std::int64_t> domain = {},
                   std::optional<std::size_t> parent = std::nullopt) {
  auto id = a.find_task(name);
  ASSERT_TRUE(id.has_value()) << name;
  app::Launch l;
  l.task = *id;
  l.index = !domain.empty();
  l.domain = std::move(domain);
  l.parent = parent;
  const app::Step step{app::Step::Kind::Launch, a.launches.size(), {}, 0, {}};
  if (parent)
    a.launches.at(*parent).body.push_back(step);
  else
    a.program.push_back(step);
  a.launches.push_back(std::move(l));
}

/// The application most tests use: main; stencil (variants GPU, OMP, CPU: on a GPU by default)
/// with a ghost subregion (of partition ghost_part of region ghost) and the grid; reduce (CPU,
/// OMP: on OMP by default) with the grid; init (CPU) with no regions. No launches.
inline app::App demo_app() {
  return make_app({task("stencil", {ProcKind::GPU, ProcKind::OMP, ProcKind::CPU},
                        {arg("ghost_sub", "ghost_part", "ghost"), arg("grid", "", "grid")}),
                   task("reduce", {ProcKind::CPU, ProcKind::OMP}, {arg("grid", "", "grid")}),
                   task("init", {ProcKind::CPU})});
}

// ---- Deciding. ----

/// The decisions, which must succeed without diagnostics of any kind from decide itself.
inline Mapping decide_ok(const app::App& a, const machine::Machine& m, const Mapper* mapper) {
  dsl::Diagnostics diags;
  auto out =
      decide(a, m, mapper ? &mapper->program : nullptr, mapper ? &mapper->info : nullptr, diags);
  EXPECT_EQ(rendered(diags), "");
  EXPECT_TRUE(out.has_value());
  return out.value_or(Mapping{});
}

/// The rendered diagnostics of a decide that must fail.
inline std::string decide_errors(const app::App& a, const machine::Machine& m,
                                 const Mapper* mapper) {
  dsl::Diagnostics diags;
  auto out =
      decide(a, m, mapper ? &mapper->program : nullptr, mapper ? &mapper->info : nullptr, diags);
  EXPECT_FALSE(out.has_value());
  EXPECT_TRUE(diags.has_errors());
  return rendered(diags);
}

// ---- Decisions as text. ----

/// The processor of every point, by name, in point order: "node0/GPU0 node0/GPU1".
inline std::string procs(const machine::Machine& m, const LaunchDecision& d) {
  std::string out;
  for (const PointDecision& p : d.points)
    out += (out.empty() ? "" : " ") + m.name_of(p.proc);
  return out;
}

/// The memory of region argument `arg` at every point, by name: "node0/FBMEM0 node0/FBMEM1".
inline std::string mems(const machine::Machine& m, const LaunchDecision& d, std::size_t arg) {
  std::string out;
  for (const PointDecision& p : d.points)
    out += (out.empty() ? "" : " ") + m.name_of(p.memories.at(arg));
  return out;
}

/// The memory kinds of region argument `arg`: "FBMEM,ZCMEM".
inline std::string kinds(const LaunchDecision& d, std::size_t arg) {
  std::string out;
  for (MemKind k : d.args.at(arg).memories)
    out += (out.empty() ? "" : ",") + std::string(to_string(k));
  return out;
}

}  // namespace mapsmith::mapping::test
