#pragma once
/// The search space of mappers for one application on one machine (docs/tuning.md §1).
///
/// A point holds one value per dimension. Value 0 of every dimension keeps what the *base
/// program* decides; the other values are explicit choices, rendered as statements appended to
/// the base. The first dimension picks the base: the default policy (0, an empty program) or the
/// expert mapper's text (1), so the expert is the point (1, 0, 0, ...) and the default policy the
/// point (0, 0, ...). Dimensions: per task the processor-kind order, per task and region argument
/// the memory list and CollectMemory, per task the layout, the index-map function (a family of
/// blocked, cyclic and block-cyclic maps on the linearised or decomposed machine), the
/// single-task placement, and the instance limit of tasks launched in a loop.
///
/// Every point renders to one canonical `.mapping` text (`dsl::format_program` leaves it as is),
/// which is what evaluators run and what the results database is keyed by. A Space is immutable
/// and cheap to copy; it may be shared by threads.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/app.h"
#include "dsl/diagnostics.h"
#include "machine/machine.h"
#include "search/rng.h"

namespace mapsmith::search {

/// One value per dimension of a Space.
using Point = std::vector<std::uint32_t>;

enum class DimKind : std::uint8_t {
  Base,           ///< 0: the default policy, 1: the expert mapper
  ProcKinds,      ///< `Task T K1,K2,...;` with each available kind first in turn
  Memory,         ///< `Region T R KIND M1[,M2];` among the memories reachable from KIND
  Layout,         ///< `Layout T * * SOA|AOS F_order|C_order;`
  IndexMap,       ///< `IndexTaskMap T f;` with f from the family
  SingleMap,      ///< `SingleTaskMap T f;`
  InstanceLimit,  ///< `InstanceLimit T 1|2|4|16;`
  Collect,        ///< `CollectMemory T R;`
};
std::string_view to_string(DimKind k);

struct Dimension {
  DimKind kind = DimKind::Base;
  std::string name;        ///< unique: "memory calculate_new_currents rp_ghost"
  std::uint32_t size = 1;  ///< number of values, value 0 (keep the base's decision) included
  app::TaskId task = 0;    ///< every kind but Base
  std::uint32_t arg = 0;   ///< Memory and Collect: the region argument's index
};

/// Decisions that go together: the values of index-map dimension `dim` that place its points
/// where the points of dimension `partner`'s task with the same data run (owner computes).
struct Coupling {
  std::size_t dim = 0;
  std::size_t partner = 0;
  std::vector<std::uint32_t> values;
};

class Space {
 public:
  /// The space of `app` on `machine`. `expert` is the expert mapper's text (labelled
  /// `expert_name` in diagnostics); when it is absent, or does not parse, check or fit the app
  /// and machine (its errors go to `diags`), the Base dimension has the default policy only.
  static Space build(const app::App& app, const machine::Machine& machine,
                     const std::optional<std::string>& expert, dsl::Diagnostics& diags,
                     std::string expert_name = "expert.mapping");

  const std::vector<Dimension>& dims() const;
  bool has_expert() const;
  /// The expert mapper (asserts has_expert()).
  Point expert_point() const;
  /// Legion's default mapper policy: no statements at all.
  Point default_point() const;
  /// Every coordinate uniform over its values.
  Point random_point(Rng& rng) const;
  /// Every coupling of the space, by dimension then partner.
  const std::vector<Coupling>& couplings() const;
  /// The number of points (a double: spaces easily exceed 2^64).
  double size() const;

  /// The canonical program of a point (asserts that it is a point of this space).
  std::string render(const Point& p) const;
  /// The value of one coordinate in words: "keep", "GPU,CPU", "FBMEM,ZCMEM", "linear block".
  std::string label(const Point& p, std::size_t dim) const;
  /// "dim = label" for every coordinate that is not 0, one per line.
  std::string describe(const Point& p) const;

  struct Impl;

 private:
  explicit Space(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace mapsmith::search
