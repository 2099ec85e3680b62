#pragma once
/// The application model: a task-based program as Legion sees it, with what the mapping
/// decisions and the simulator need and nothing of time (sim/ owns every clock).
///
/// Data: regions (extents, fields) are cut into disjoint *atoms*; every piece of every partition
/// is a union of atoms, so overlap between a ghost piece and the pieces it mirrors is explicit.
/// Work: tasks with variants per processor kind (efficiency, layout requirements, inner or leaf)
/// and launches (index or single) with region requirements: a partition, a projection from the
/// launch point (and loop and parent variables) to a piece, a privilege and fields. The program is
/// a tree of steps in program order: launches and loops; an inner task's points launch the
/// steps of its `body`.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/kinds.h"

namespace mapsmith::app {

enum class Privilege : std::uint8_t { Read, Write, ReadWrite, Reduce };
std::string_view to_string(Privilege p);
std::optional<Privilege> parse_privilege(std::string_view s);

struct Field {
  std::string name;
  std::uint32_t bytes = 8;
  friend bool operator==(const Field&, const Field&) = default;
};

/// A logical region: `extents` (its index space), fields, and its atoms (element counts of the
/// disjoint parts every piece is made of; one atom covering everything when never partitioned).
struct Region {
  std::string name;
  std::vector<std::int64_t> extents;
  std::vector<Field> fields;
  std::vector<std::int64_t> atoms;
  std::int64_t volume() const;
  friend bool operator==(const Region&, const Region&) = default;
};

/// A partition of a region into pieces arranged on a grid of `colors` (linearised with the first
/// dimension fastest). Each piece lists its atoms. `disjoint` is false for aliased partitions
/// (ghost or halo pieces that overlap their neighbours' pieces).
struct Partition {
  std::string name;
  std::uint32_t region = 0;
  bool disjoint = true;
  std::vector<std::int64_t> colors;
  std::vector<std::vector<std::uint32_t>> pieces;
  std::int64_t piece_count() const;
  friend bool operator==(const Partition&, const Partition&) = default;
};

/// One term of an affine projection: `coef` times the variable `var` (a launch point coordinate,
/// a loop counter, or a coordinate of an enclosing launch's point).
struct Term {
  std::string var;
  std::int64_t coef = 1;
  friend bool operator==(const Term&, const Term&) = default;
};
/// Color coordinate `d` of the piece = (Σ terms + offset) mod colors[d].
struct ProjectionDim {
  std::vector<Term> terms;
  std::int64_t offset = 0;
  friend bool operator==(const ProjectionDim&, const ProjectionDim&) = default;
};

/// How a task's kernel touches a region argument (docs/app-format.md, "Access patterns"):
/// - Stream: walks the touched bytes in order, `passes` times (a blocked GEMM re-reads each
///   operand once per tile of its output, so an operand's passes are the output's extent over
///   the tile's);
/// - Gather: reads elements through pointers (`accesses` per point, scattered);
/// - Atomic: read-modify-writes elements through pointers (a reduction or a read-write through a
///   pointer, which a GPU kernel performs as atomic operations).
enum class Pattern : std::uint8_t { Stream, Gather, Atomic };
std::string_view to_string(Pattern p);
std::optional<Pattern> parse_pattern(std::string_view s);

struct Access {
  Pattern pattern = Pattern::Stream;
  double passes = 1;    ///< Stream: times the touched bytes are read (>= 1)
  double accesses = 0;  ///< Gather/Atomic: element accesses per point (0: one per element)
  /// Gather/Atomic: the share of a warp's lanes whose access of one access instruction lands in
  /// this argument (1: every lane; circuit's shared nodes take about 9% of a wire kernel's).
  double lanes = 1;
  double hot = 0;  ///< Gather/Atomic: distinct elements the accesses hit (0: all the piece's)
  /// Gather/Atomic: consecutive elements one warp instruction's accesses fall in, on a structured
  /// mesh (neighbouring threads, neighbouring elements); 0: spread at random over the hot ones.
  double spread = 0;
  std::string via;  ///< Gather/Atomic: the pointer field they go through ("wires.in_ptr")
  friend bool operator==(const Access&, const Access&) = default;
};

/// A region requirement of a launch: which piece of `partition` each point uses (the whole
/// region when `partition` is empty), with what privilege, which fields (all when empty), what
/// fraction of the piece's bytes the task actually touches, and how it touches them.
struct Requirement {
  std::string region;                     ///< the region's name
  std::string partition;                  ///< empty: the whole region
  std::vector<ProjectionDim> projection;  ///< one per color dimension of the partition
  Privilege privilege = Privilege::ReadWrite;
  std::vector<std::string> fields;
  double touched = 1.0;
  Access access;
  friend bool operator==(const Requirement&, const Requirement&) = default;
};

/// What the DSL mapper sees of a region requirement: a region name matches it when it names the
/// argument's own region, the partition it was taken from, or the root of its tree.
struct RegionArg {
  std::string region;     ///< the argument's own (sub)region name; may be empty (unnamed)
  std::string partition;  ///< the partition it was taken from; may be empty
  std::string root;       ///< the root region of its tree
  Privilege privilege = Privilege::ReadWrite;
  bool answers_to(std::string_view name) const;
  const std::string& display_name() const;
  friend bool operator==(const RegionArg&, const RegionArg&) = default;
};

/// A variant of a task for one processor kind. `efficiency` is the fraction of the processor's
/// peak flop rate the kernel reaches. A layout requirement the variant cannot run without (a BLAS
/// call that needs row-major tiles) makes any other layout a failure, not a slowdown.
struct Variant {
  ProcKind kind = ProcKind::CPU;
  double efficiency = 1.0;
  bool inner = false;  ///< launches subtasks and touches no data itself
  std::optional<bool> needs_c_order;
  std::optional<bool> needs_soa;
  Variant() = default;
  Variant(ProcKind k) : kind(k) {}  // NOLINT: a kind alone is a leaf variant at full efficiency
  friend bool operator==(const Variant&, const Variant&) = default;
};

struct Task {
  std::string name;
  std::vector<Variant> variants;
  std::vector<RegionArg> args;
  bool has_variant(ProcKind k) const;
  const Variant* variant(ProcKind k) const;
  std::vector<ProcKind> kinds() const;
  friend bool operator==(const Task&, const Task&) = default;
};

using TaskId = std::uint32_t;

struct Step;

/// A launch: an index launch over a domain (extents, each >= 1) or a single task. Each point does
/// `flops` of work and, for an inner task, runs the steps of `body`.
struct Launch {
  TaskId task = 0;
  bool index = false;
  std::vector<std::int64_t> domain;     ///< extents; empty for a single launch
  std::vector<std::string> point_vars;  ///< names of the point's coordinates, for projections
  std::vector<Requirement> reqs;        ///< aligned with the task's args
  double flops = 0;                     ///< work per point
  /// The task that makes this launch waits for all its points to finish before it makes the next
  /// one (a future read, `wait_all_results`, a blocking fence): nothing after it starts earlier.
  bool wait = false;
  /// Launches whose results (futures) this one takes: each point waits for every point of their
  /// latest run in the same parent (a time step computed by a reduction, say).
  std::vector<std::size_t> futures;
  /// Legion's SAME_ADDRESS_SPACE tag: the default mapper keeps the launch's points in the address
  /// space of the task that makes it (DISTAL tags its per-node inner launches so).
  bool same_address_space = false;
  std::optional<std::size_t> parent;  ///< the launch whose points make this one
  std::vector<Step> body;             ///< steps each point of this launch runs
  /// What the DSL mapper sees of this launch's requirements, when it differs from the task's
  /// args (a fill task launched on A, then on B); empty: the task's args.
  std::vector<RegionArg> args;
  /// `args` if given, else the task's.
  const std::vector<RegionArg>& effective_args(const Task& task) const {
    return args.empty() ? task.args : args;
  }
  std::int64_t volume() const;
  friend bool operator==(const Launch&, const Launch&);
};

/// A step of a program: a launch (by index into App::launches) or a loop over `count` iterations
/// with counter `var`. A top-level loop may be the program's **timed region** (what the real
/// program times: its main loop, after `warmup` iterations it does not count); see
/// App::timed_loop.
struct Step {
  enum class Kind : std::uint8_t { Launch, Loop } kind = Kind::Launch;
  std::size_t launch = 0;
  std::string var;
  std::int64_t count = 0;
  std::vector<Step> body;
  bool timed = false;       ///< Loop: this is the timed region
  std::int64_t warmup = 0;  ///< Loop, when timed: leading iterations the program does not time
  std::int64_t tail = 0;    ///< Loop, when timed: trailing iterations the program does not time
  /// Loop, when timed: the first step of the body the program times. 0: the whole body, as one
  /// span over the timed iterations; k > 0: steps k... of each iteration, each timed apart after
  /// the steps before them (which the program waits for: set-up it does not time).
  std::int64_t timed_from = 0;
  friend bool operator==(const Step&, const Step&) = default;
};

/// A program. Launches are listed once each in `launches` (a launch inside a loop is one entry);
/// `program` orders them. The top-level task `top` runs on the first CPU of node 0.
struct App {
  std::string name;
  std::vector<std::pair<std::string, std::int64_t>> params;  ///< the generator's parameters
  std::vector<Region> regions;
  std::vector<Partition> partitions;
  std::vector<Task> tasks;
  std::vector<Launch> launches;
  std::vector<Step> program;
  std::optional<TaskId> top;

  const Task& task(TaskId id) const { return tasks[id]; }
  std::optional<TaskId> find_task(std::string_view name) const;
  std::optional<std::uint32_t> find_region(std::string_view name) const;
  std::optional<std::uint32_t> find_partition(std::string_view name) const;
  /// Every distinct name the region arguments of `task` answer to, in any of its launches (for
  /// "did you mean").
  std::vector<std::string> region_names(TaskId task) const;
  /// The timed region: the top-level loop marked `timed`, else the top-level loop with the most
  /// iterations (the first of equals), which then skips its first iteration when it has more than
  /// one (a steady state: data placed by the first iteration is not charged to every one); null
  /// without a top-level loop.
  struct Timed {
    const Step* loop = nullptr;
    std::int64_t first = 0;  ///< the first timed iteration
    std::int64_t end = 0;    ///< one past the last
  };
  Timed timed_region() const;
  friend bool operator==(const App&, const App&) = default;
};

/// An application with one task that has variants for every processor kind but UTIL and one
/// launch over `domain` (`mapsmith explain --launch TASK:E1,E2`): an index launch, or a single
/// launch when the domain is empty.
App single_launch_app(std::string task, std::vector<std::int64_t> domain);

}  // namespace mapsmith::app
