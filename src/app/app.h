#pragma once
/// The application model's core: what the mapping decisions need to know of a task-based
/// program (tasks and the processor kinds they have variants for, their region arguments and the
/// names those arguments answer to, launches in program order with their domains). The cost
/// model and the built-in generators extend it (issue: the nine benchmark applications).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/kinds.h"

namespace mapsmith::app {

enum class Privilege : std::uint8_t { Read, Write, ReadWrite, Reduce };
std::string_view to_string(Privilege p);

/// One region requirement of a task, as the DSL mapper sees it: a region name matches it when it
/// names the argument's own region, the partition it was taken from, or the root of its tree.
struct RegionArg {
  std::string region;     ///< the argument's own (sub)region name; may be empty (unnamed)
  std::string partition;  ///< the partition it was taken from; may be empty
  std::string root;       ///< the root region of its tree
  Privilege privilege = Privilege::ReadWrite;
  /// Whether `name` (from a mapping program) names this argument.
  bool answers_to(std::string_view name) const;
  /// The most specific name it has, for messages.
  const std::string& display_name() const;
};

struct Task {
  std::string name;
  std::vector<ProcKind> variants;  ///< processor kinds with a variant, in no particular order
  std::vector<RegionArg> args;
  bool has_variant(ProcKind k) const;
};

using TaskId = std::uint32_t;

/// A launch: an index launch over a domain (extents, each >= 1) or a single task.
struct Launch {
  TaskId task = 0;
  bool index = false;
  std::vector<std::int64_t> domain;  ///< extents; empty for a single launch
  /// Number of points: the product of the extents, 1 for a single launch.
  std::int64_t volume() const;
};

/// A program: tasks, and launches in program order. Launches are made by the top-level task
/// `top`, which runs on the first CPU of node 0 (Legion's default for the top-level task).
struct App {
  std::string name;
  std::vector<Task> tasks;
  std::vector<Launch> launches;
  std::optional<TaskId> top;

  const Task& task(TaskId id) const { return tasks[id]; }
  /// The task with that name, if any.
  std::optional<TaskId> find_task(std::string_view name) const;
  /// Every distinct name the region arguments of `task` answer to (for "did you mean").
  std::vector<std::string> region_names(TaskId task) const;
};

/// An application with one task that has variants for every processor kind but UTIL and one
/// index launch over `domain` (`mapsmith explain --launch TASK:E1,E2`). With an empty domain the
/// launch is a single launch.
App single_launch_app(std::string task, std::vector<std::int64_t> domain);

}  // namespace mapsmith::app
