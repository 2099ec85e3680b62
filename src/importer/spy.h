#pragma once
/// Legion Spy's log (`-lg:spy -logfile spy_%.log`, one text file per process): what the runtime
/// logged of the machine, the region trees, the operations and their region requirements, the
/// points of index launches and where each task ran. Only what the importer uses is kept: event
/// lines (most of a log) are read and dropped, so memory grows with the operations, not with the
/// file. Each line is checked against the format Legion 25.06 writes (legion_spy.h): a line of a
/// known kind with other fields is an error naming the file and the line.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "importer/log_file.h"

namespace mapsmith::importer {

struct SpyRect {
  std::vector<std::int64_t> lo, hi;  ///< one per dimension, inclusive
};

struct SpyIndexSpace {
  std::uint64_t id = 0;
  std::optional<std::uint64_t> partition;  ///< the partition it is a piece of
  std::vector<std::int64_t> color;         ///< its color in that partition
  std::vector<SpyRect> rects;              ///< its points, as rectangles (points: 1x...x1)
  bool empty = false;
  std::string name;
};

struct SpyPartition {
  std::uint64_t id = 0;
  std::uint64_t parent = 0;  ///< the index space it cuts
  int disjoint = 0;          ///< as logged: 0 unknown, 1 aliased, 2 disjoint
  std::string name;
};

struct SpyField {
  std::uint32_t id = 0;
  std::uint64_t size = 0;
  std::string name;
};

/// A region requirement as logged: a region (index space, field space, tree) or a partition.
struct SpyReq {
  std::uint32_t index = 0;
  bool region = true;
  std::uint64_t handle = 0;  ///< index space (region) or index partition (partition)
  std::uint32_t fspace = 0;
  std::uint32_t tree = 0;
  std::uint32_t privilege = 0;  ///< Legion's PrivilegeMode bits
  std::uint32_t coherence = 0;
  std::uint32_t redop = 0;
  std::vector<std::uint32_t> fields;
  std::optional<std::uint32_t> projection;
};

enum class SpyOpKind : std::uint8_t { Top, Single, Index, Point, Other };

struct SpyOp {
  std::uint64_t uid = 0;
  std::uint64_t context = 0;  ///< the uid of the task that issued it (for a point: its launch's)
  SpyOpKind kind = SpyOpKind::Other;
  std::string other;  ///< for Other: what kind ("Fill Operation", ...)
  std::uint32_t task_id = 0;
  std::uint64_t launch = 0;  ///< a point's index launch
  std::vector<std::int64_t> point;
  std::optional<SpyRect> domain;  ///< an index launch's launch rectangle
  std::optional<std::uint64_t> proc;
  std::optional<std::uint32_t> variant;
  std::optional<std::uint64_t> order;  ///< its index in its context (Operation Index)
  std::vector<SpyReq> reqs;
  /// The instance (its unique event) the first field of each requirement was mapped to.
  std::vector<std::pair<std::uint32_t, std::uint64_t>> decisions;
};

struct SpyInstance {
  std::uint64_t mem = 0;
  std::uint32_t redop = 0;
};

struct SpyLog {
  std::vector<std::string> files;
  bool detailed = false;  ///< "Legion Spy Detailed Logging" (a LEGION_SPY build)
  std::map<int, std::string> proc_kind_names, mem_kind_names;
  std::vector<std::pair<std::uint64_t, int>> procs;  ///< id, Realm kind
  struct Mem {
    std::uint64_t id = 0;
    std::uint64_t capacity = 0;
    int kind = 0;
  };
  std::vector<Mem> mems;
  std::unordered_map<std::uint64_t, SpyIndexSpace> spaces;
  std::unordered_map<std::uint64_t, SpyPartition> partitions;
  std::map<std::uint32_t, std::vector<SpyField>> field_spaces;
  /// Region trees: tree id -> (root index space, field space).
  std::map<std::uint32_t, std::pair<std::uint64_t, std::uint32_t>> trees;
  /// Names of logical regions and partitions: (index space or partition, field space, tree).
  std::map<std::tuple<std::uint64_t, std::uint32_t, std::uint32_t>, std::string> region_names,
      partition_names;
  std::map<std::uint32_t, std::string> task_names;
  /// (task, variant) -> inner
  std::map<std::pair<std::uint32_t, std::uint32_t>, bool> variant_inner;
  std::unordered_map<std::uint64_t, SpyOp> ops;
  std::unordered_map<std::uint64_t, SpyInstance> instances;
  std::optional<std::uint64_t> top;                ///< the top-level task's uid
  std::map<std::string, std::uint64_t> other_ops;  ///< operations that are not tasks, by kind
  std::uint64_t lines = 0;
};

/// Reads every file (one per process) into one log. Throws InputError "FILE:LINE: ..." for a
/// file that is not a Spy log, a line of a known kind in another format (another Legion
/// version), a malformed number, or a file cut off in the middle of a line.
SpyLog read_spy(const std::vector<std::string>& files, const Progress& progress = {});

}  // namespace mapsmith::importer
