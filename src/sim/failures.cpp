#include "sim/failures.h"

#include <fmt/format.h>

#include "sim/sim.h"

namespace mapsmith::sim::detail {

namespace {

std::string kinds_of(const app::Task& t) {
  std::string out;
  for (const app::Variant& v : t.variants)
    out += fmt::format("{}{}", out.empty() ? "" : ", ", to_string(v.kind));
  return out.empty() ? "none" : out;
}

std::string point_text(const std::vector<std::int64_t>& p) {
  std::string out = "(";
  for (std::size_t i = 0; i < p.size(); ++i)
    out += fmt::format("{}{}", i ? ", " : "", p[i]);
  return out + ")";
}

}  // namespace

dsl::Diagnostic located(const dsl::Program* program, const dsl::Stmt* s, std::string message,
                        std::string hint) {
  dsl::Diagnostic d;
  d.message = std::move(message);
  d.hint = std::move(hint);
  const bool source = program && program->source;
  d.file = source ? program->source->name() : std::string(s ? "<mapper>" : "<default mapper>");
  if (s && source) {  // a statement is placed through the program it belongs to
    dsl::SourceLoc loc = program->loc(*s);
    d.line = loc.line;
    d.col = loc.col;
    d.source_line = std::string(program->source->line_text(loc.line));
  }
  return d;
}

dsl::Diagnostic no_variant(const dsl::Program* program, const machine::Machine& m,
                           const app::Task& task, const mapping::LaunchDecision& dec,
                           machine::ProcId proc) {
  const ProcKind kind = m.processor(proc).kind;
  // The kind statement chose a kind the task lacks, or a task map put the point elsewhere.
  return located(program, kind == dec.kind ? dec.kind_stmt : dec.map_stmt,
                 fmt::format("task {} has no {} variant (it has {}), so it cannot run on {}",
                             task.name, to_string(kind), kinds_of(task), m.name_of(proc)),
                 fmt::format("map {} to a kind it has a variant for", task.name));
}

std::optional<dsl::Diagnostic> bad_layout(const dsl::Program* program, const app::Task& task,
                                          const std::vector<app::RegionArg>& args,
                                          const app::Variant& v, const mapping::LaunchDecision& dec,
                                          const std::vector<bool>& mapped) {
  for (std::size_t i = 0; i < dec.args.size() && i < mapped.size() && i < args.size(); ++i) {
    if (!mapped[i]) continue;
    const mapping::Layout& l = dec.args[i].layout;
    const bool order = v.needs_c_order && *v.needs_c_order != l.c_order;
    const bool soa = v.needs_soa && *v.needs_soa != l.soa;
    if (!order && !soa) continue;
    const std::string need =
        order ? (*v.needs_c_order ? "C_order" : "F_order") : (*v.needs_soa ? "SOA" : "AOS");
    const std::string& region = args[i].display_name();
    return located(
        program, dec.args[i].layout_stmt,
        fmt::format("task {}'s {} variant needs {} instances, but region argument {} "
                    "'{}' is laid out {}",
                    task.name, to_string(v.kind), need, i, region, mapping::to_string(l)),
        fmt::format("add: Layout {} {} {} {};", task.name, region.empty() ? "*" : region,
                    to_string(v.kind), need));
  }
  return std::nullopt;
}

dsl::Diagnostic unreachable(const dsl::Program* program, const machine::Machine& m,
                            const app::Task& task, const std::vector<app::RegionArg>& args,
                            const mapping::LaunchDecision& dec, machine::ProcId proc,
                            std::size_t arg, machine::MemId mem) {
  return located(program, dec.args[arg].region_stmt,
                 fmt::format("task {} on {} cannot address {}, where region argument {} '{}' is "
                             "mapped",
                             task.name, m.name_of(proc), m.name_of(mem), arg,
                             arg < args.size() ? args[arg].display_name() : std::string()));
}

dsl::Diagnostic out_of_memory(const dsl::Program* program, const machine::Machine& m,
                              const app::Task& task, const std::vector<app::RegionArg>& args,
                              const mapping::LaunchDecision& dec, const OutOfMemory& oom) {
  std::string fallbacks;
  for (machine::MemId f : oom.fallbacks)
    fallbacks += fmt::format("{}{}", fallbacks.empty() ? "" : ", ", m.name_of(f));
  return located(
      program, dec.args[oom.arg].region_stmt,
      fmt::format("out of memory: task {}{} needs {} bytes ({}) for region argument {} '{}' in {}, "
                  "which has {} bytes ({}) free of {}{}",
                  task.name, oom.point ? fmt::format(" (point {})", point_text(*oom.point)) : "",
                  oom.need, bytes_text(oom.need), oom.arg,
                  oom.arg < args.size() ? args[oom.arg].display_name() : std::string(),
                  m.name_of(oom.mem), oom.free, bytes_text(oom.free),
                  bytes_text(m.memory(oom.mem).capacity),
                  fallbacks.empty() ? std::string("; no fallback memory is listed")
                                    : fmt::format("; the fallbacks ({}) are full too", fallbacks)),
      "list a larger memory, or a fallback after this one (Region ... FBMEM,ZCMEM;)");
}

}  // namespace mapsmith::sim::detail
