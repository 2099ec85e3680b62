#pragma once
/// Internal to sim/: the application and the mapping flattened into arrays the engine indexes
/// without searching — cells (one per atom and field of every region), pieces as lists of atoms,
/// requirements with their projections compiled to variable slots, and the decision each launch
/// uses in each context. Built once per simulation; checks everything the engine relies on, so
/// that the engine never meets a malformed input (those are InputErrors here).
#include <cstdint>
#include <vector>

#include "app/app.h"
#include "machine/machine.h"
#include "mapping/mapping.h"

namespace mapsmith::sim::detail {

inline constexpr std::uint32_t kNone = ~std::uint32_t{0};

struct Term {
  std::uint32_t slot = 0;  ///< index into the engine's variable environment
  std::int64_t coef = 0;
};
struct Dim {
  std::uint32_t first_term = 0, terms = 0;
  std::int64_t offset = 0;
  std::int64_t colors = 1;
  std::int64_t stride = 1;  ///< of this color dimension in the linear piece index
};

/// A requirement of a launch. `no_access`: it touches nothing (touched == 0, or no fields), so it
/// has no instance, no copy and no dependence. `access` is how the kernel touches the piece
/// (app::Access, checked); `element_bytes` the bytes of its fields per element.
struct Req {
  std::uint32_t region = 0;
  std::uint32_t pieces_base = 0;  ///< first piece of its partition (or the region's whole piece)
  std::uint32_t first_dim = 0, dims = 0;      ///< dims == 0: always piece pieces_base
  std::uint32_t first_field = 0, fields = 0;  ///< into Plan::req_fields
  app::Privilege privilege = app::Privilege::Read;
  double touched = 1;
  bool no_access = false;
  app::Pattern pattern = app::Pattern::Stream;
  double passes = 1, accesses = 0, lanes = 1, hot = 0, spread = 0;
  double element_bytes = 0;
};

struct Launch {
  std::uint32_t first_req = 0, reqs = 0;  ///< one per task argument (missing ones: no access)
  std::uint32_t point_slot = 0;           ///< slot of the first point variable
  std::uint32_t point_vars = 0;
  std::uint32_t children = 0;     ///< launches made directly by its points (inner tasks)
  std::uint32_t child_index = 0;  ///< its position among its parent's children
};

struct Plan {
  // ---- Data: cell = region base + atom * fields + field.
  std::vector<std::uint64_t> cell_base;    ///< per region
  std::vector<std::uint32_t> fields;       ///< per region
  std::vector<std::uint64_t> cell_bytes;   ///< per cell: atom elements × field bytes
  std::vector<std::uint32_t> piece_start;  ///< per piece (+1): range in piece_atoms
  std::vector<std::uint32_t> piece_atoms;
  std::vector<std::uint64_t> piece_elements;  ///< per piece: the elements of its atoms

  // ---- Program.
  std::vector<Term> terms;
  std::vector<Dim> dims;
  std::vector<Req> reqs;
  std::vector<std::uint32_t> req_fields;
  std::vector<Launch> launches;
  std::vector<std::uint32_t> task_args;  ///< per task: the most region arguments of its launches
  std::uint32_t slots = 0;               ///< size of the variable environment

  // ---- Decisions.
  std::vector<std::uint32_t> top_decision;  ///< per launch without a parent
  /// Per decision of a launch with children: where its table starts in child_table, which holds
  /// for point k and child j the decision at [k * children + j].
  std::vector<std::uint32_t> child_offset;
  std::vector<std::uint32_t> child_table;
  /// Per task: the largest instance limit of its decisions (0: none), capped by its instances.
  std::vector<std::uint64_t> ring_size;

  std::uint64_t task_instances = 0;
  app::App::Timed timed;  ///< the timed region (App::timed_region)
};

/// Flattens and checks. Throws InputError naming what does not fit.
Plan make_plan(const app::App& app, const machine::Machine& machine,
               const mapping::Mapping& mapping, std::uint64_t max_task_instances);

}  // namespace mapsmith::sim::detail
