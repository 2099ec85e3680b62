#pragma once
/// Machine spaces (dsl.md §3–§4): `Machine(K)` and the spaces built from it by merge, split, swap,
/// slice, reverse and the automatic splits. Every full index of a space names one processor of
/// its base space `(node, processor of K in that node)`; `to_base` computes which.
///
/// Dimension arguments count from 0. Negative dimensions are an error, not Python-style "from the
/// end": dsl.md §4 says "dimensions count from 0" and gives negatives no meaning there (only tuple
/// indexing, §3, counts from the end), and the published DSL mapper rejects them too.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "util/kinds.h"

namespace mapsmith::machine {

/// Limits that keep every computation small and exact; transformations past them fail with `why`.
inline constexpr std::size_t kMaxSpaceDims = 16;
inline constexpr std::int64_t kMaxSpaceVolume = std::int64_t{1} << 31;
/// auto_split tries every factorisation, as the published mapper does; past this many it gives up.
inline constexpr std::int64_t kMaxAutoSplitCandidates = std::int64_t{1} << 20;

/// An immutable machine space. Copies share the chain of transformations, so a copy is one
/// shared_ptr copy; a transformation adds one link and never changes the space it starts from.
class Space {
 public:
  /// `Machine(kind)` on `nodes` nodes with `per_node` processors of `kind` each. Throws InputError
  /// when a count is below 1 or there are more than kMaxSpaceVolume processors (callers that want
  /// a located diagnostic check first).
  static Space base(ProcKind kind, std::int64_t nodes, std::int64_t per_node);

  ProcKind kind() const;
  /// The extents, one per dimension.
  const std::vector<std::int64_t>& size() const;
  std::int64_t volume() const;
  std::size_t dims() const;

  // Each transformation returns the new space, or nullopt with `why` set to a one-line message
  // a user can act on ("split: factor 3 does not divide size 4 of dimension 1").
  std::optional<Space> merge(std::int64_t d1, std::int64_t d2, std::string& why) const;
  std::optional<Space> split(std::int64_t d, std::int64_t f, std::string& why) const;
  /// swap(d, d) is accepted and changes nothing.
  std::optional<Space> swap(std::int64_t d1, std::int64_t d2, std::string& why) const;
  /// Keeps `lo..hi` (inclusive) of dimension `d`.
  std::optional<Space> slice(std::int64_t d, std::int64_t lo, std::int64_t hi,
                             std::string& why) const;
  std::optional<Space> reverse(std::int64_t d, std::string& why) const;
  std::optional<Space> balance_split(std::int64_t d, std::int64_t k, std::string& why) const;
  std::optional<Space> auto_split(std::int64_t d, std::span<const std::int64_t> L,
                                  std::string& why) const;
  std::optional<Space> greedy_split(std::int64_t d, std::span<const std::int64_t> L,
                                    std::string& why) const;
  /// Mapple's name for auto_split (an extension): the same result.
  std::optional<Space> decompose(std::int64_t d, std::span<const std::int64_t> L,
                                 std::string& why) const;

  /// The base (node, processor-in-node) of a full index. Precondition: `contains(index)` (checked
  /// with MAPSMITH_ASSERT). Allocates nothing; one small rewrite per transformation.
  std::array<std::int64_t, 2> to_base(std::span<const std::int64_t> index) const;
  /// Whether `index` is a full index of this space: one coordinate per dimension, each in range.
  bool contains(std::span<const std::int64_t> index) const;

  /// How the space was built, for messages: "Machine(GPU).merge(0, 1).split(0, 2)".
  std::string describe() const;

  struct Node;  // one link of the chain; defined in space.cpp

 private:
  explicit Space(std::shared_ptr<const Node> node) : node_(std::move(node)) {}
  std::optional<Space> factor_split(const char* name, std::int64_t d,
                                    std::span<const std::int64_t> L, bool greedy,
                                    std::string& why) const;

  std::shared_ptr<const Node> node_;
};

// The factor choices of the splitting transformations (dsl.md §4), for tests and code generation.
// Each returns the new extents, first new dimension first; their product is O. Preconditions
// (MAPSMITH_ASSERT): 1 <= O <= kMaxSpaceVolume, k is 2 or 3, L is non-empty with positive entries;
// auto_split_factors also needs the product of L to fit in 63 bits and at most
// kMaxAutoSplitCandidates factorisations (Space::auto_split reports these as errors instead).

/// Prime factors smallest first, each onto the currently smallest factor; then sorted decreasing.
std::vector<std::int64_t> balance_split_factors(std::int64_t O, std::int64_t k);
/// A minimiser of sum O_i/L_i; ties go to greedy_split_factors, else to the first in the
/// published enumeration order (largest prime outermost, dim 0's exponent ascending).
std::vector<std::int64_t> auto_split_factors(std::int64_t O, std::span<const std::int64_t> L);
/// Legion's default-mapper heuristic: prime factors largest first, each onto the O_i with the
/// largest L_i/O_i (lowest i on ties); compared exactly.
std::vector<std::int64_t> greedy_split_factors(std::int64_t O, std::span<const std::int64_t> L);

}  // namespace mapsmith::machine
