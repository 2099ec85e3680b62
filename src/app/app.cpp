#include "app/app.h"

#include <algorithm>

namespace mapsmith::app {

std::string_view to_string(Privilege p) {
  switch (p) {
    case Privilege::Read:
      return "read";
    case Privilege::Write:
      return "write";
    case Privilege::ReadWrite:
      return "read-write";
    case Privilege::Reduce:
      return "reduce";
  }
  return "?";
}

std::optional<Privilege> parse_privilege(std::string_view s) {
  for (Privilege p : {Privilege::Read, Privilege::Write, Privilege::ReadWrite, Privilege::Reduce})
    if (to_string(p) == s) return p;
  return std::nullopt;
}

std::string_view to_string(Pattern p) {
  switch (p) {
    case Pattern::Stream:
      return "stream";
    case Pattern::Gather:
      return "gather";
    case Pattern::Atomic:
      return "atomic";
  }
  return "?";
}

std::optional<Pattern> parse_pattern(std::string_view s) {
  for (Pattern p : {Pattern::Stream, Pattern::Gather, Pattern::Atomic})
    if (to_string(p) == s) return p;
  return std::nullopt;
}

std::int64_t Region::volume() const {
  std::int64_t v = 1;
  for (std::int64_t e : extents)
    v *= e;
  return v;
}

std::int64_t Partition::piece_count() const {
  std::int64_t v = 1;
  for (std::int64_t c : colors)
    v *= c;
  return v;
}

bool RegionArg::answers_to(std::string_view name) const {
  return !name.empty() && (name == region || name == partition || name == root);
}

const std::string& RegionArg::display_name() const {
  if (!region.empty()) return region;
  if (!partition.empty()) return partition;
  return root;
}

bool Task::has_variant(ProcKind k) const {
  return variant(k) != nullptr;
}

const Variant* Task::variant(ProcKind k) const {
  for (const Variant& v : variants)
    if (v.kind == k) return &v;
  return nullptr;
}

std::vector<ProcKind> Task::kinds() const {
  std::vector<ProcKind> out;
  for (const Variant& v : variants)
    out.push_back(v.kind);
  return out;
}

std::int64_t Launch::volume() const {
  std::int64_t v = 1;
  for (std::int64_t e : domain)
    v *= e;
  return v;
}

bool operator==(const Launch&, const Launch&) = default;

std::optional<TaskId> App::find_task(std::string_view name) const {
  for (TaskId i = 0; i < tasks.size(); ++i)
    if (tasks[i].name == name) return i;
  return std::nullopt;
}

std::optional<std::uint32_t> App::find_region(std::string_view name) const {
  for (std::uint32_t i = 0; i < regions.size(); ++i)
    if (regions[i].name == name) return i;
  return std::nullopt;
}

std::optional<std::uint32_t> App::find_partition(std::string_view name) const {
  for (std::uint32_t i = 0; i < partitions.size(); ++i)
    if (partitions[i].name == name) return i;
  return std::nullopt;
}

std::vector<std::string> App::region_names(TaskId task) const {
  std::vector<std::string> out;
  auto add = [&](const std::vector<RegionArg>& args) {
    for (const RegionArg& a : args) {
      for (const std::string* n : {&a.region, &a.partition, &a.root}) {
        if (!n->empty() && std::find(out.begin(), out.end(), *n) == out.end()) out.push_back(*n);
      }
    }
  };
  add(tasks[task].args);
  for (const Launch& l : launches)
    if (l.task == task) add(l.args);
  return out;
}

App::Timed App::timed_region() const {
  const Step* best = nullptr;
  for (const Step& s : program) {
    if (s.kind != Step::Kind::Loop) continue;
    if (s.timed) return {&s, s.warmup, s.count - s.tail};
    if (!best || s.count > best->count) best = &s;
  }
  if (!best) return {};
  return {best, best->count > 1 ? 1 : 0, best->count};
}

App single_launch_app(std::string task, std::vector<std::int64_t> domain) {
  App app;
  app.name = "launch";
  Task top;
  top.name = "top_level";
  top.variants = {ProcKind::CPU};
  Task t;
  t.name = std::move(task);
  t.variants = {ProcKind::GPU, ProcKind::OMP, ProcKind::CPU,
                ProcKind::IO,  ProcKind::PY,  ProcKind::PROC};
  app.tasks = {std::move(top), std::move(t)};
  app.top = 0;
  Launch l;
  l.task = 1;
  l.index = !domain.empty();
  l.domain = std::move(domain);
  app.launches.push_back(std::move(l));
  Step s;
  s.launch = 0;
  app.program.push_back(std::move(s));
  return app;
}

}  // namespace mapsmith::app
