#pragma once
/// The importer's stages, shared by its sources (not an interface of the module).
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "app/app.h"
#include "importer/import.h"

namespace mapsmith::importer::detail {

/// The machine the run had: processors and memories of node 0 as Prof (else Spy) lists them,
/// affinities and links with the host's figures or the documented defaults.
machine::MachineSpec build_machine(const SpyLog& spy, const ProfLog& prof,
                                   const ImportOptions& options, std::vector<std::string>& notes);

/// The default figures (docs/import.md) when `calibrate` gave none.
inline constexpr double kDefaultCoreBandwidth = 1.0e10;
inline constexpr double kDefaultCopyBandwidth = 5.0e9;
inline constexpr double kDefaultLatency = 1.0e-7;
inline constexpr double kDefaultCoreFlops = 1.0e10;

/// The region trees the program's launches use, as app regions (one per tree) cut into atoms,
/// with an app partition per Legion partition they use.
class Regions {
 public:
  Regions(const SpyLog& spy, app::App& app) : spy_(spy), app_(app) {}
  /// Declares a use before build(): a requirement on `space` (a region) or on `partition`.
  void use_space(std::uint32_t tree, std::uint64_t space);
  void use_partition(std::uint32_t tree, std::uint64_t partition);
  /// Makes the app's regions and partitions. Throws InputError for a tree Spy gave no extent.
  void build(std::vector<std::string>& notes);

  std::uint32_t region(std::uint32_t tree) const { return trees_.at(tree).region; }
  /// The app partition of a Legion partition in a tree (declared with use_partition).
  std::uint32_t partition(std::uint32_t tree, std::uint64_t partition) const {
    return trees_.at(tree).partitions.at(partition);
  }
  /// The atoms of an index space of a tree (declared with use_space or a piece of a declared
  /// partition).
  const std::vector<std::uint32_t>& atoms(std::uint32_t tree, std::uint64_t space) const {
    return trees_.at(tree).atoms.at(space);
  }
  /// A space's color in its partition, counted from the partition's lowest color.
  std::vector<std::int64_t> color(std::uint64_t space) const;
  bool is_root(std::uint32_t tree, std::uint64_t space) const {
    return spy_.trees.at(tree).first == space;
  }
  /// Adds a partition of the tree's region whose pieces are the given spaces, in order (a
  /// launch whose points use a partition's pieces in an order no affine projection gives).
  std::uint32_t add_permuted(std::uint32_t tree, const std::string& name,
                             const std::vector<std::uint64_t>& spaces,
                             const std::vector<std::int64_t>& colors);

  /// The names Legion gave: of the tree's root region, of a partition, of a subregion.
  std::string root_name(std::uint32_t tree) const;
  std::string partition_name(std::uint32_t tree, std::uint64_t partition) const;
  std::string space_name(std::uint32_t tree, std::uint64_t space) const;

 private:
  struct Tree {
    std::uint32_t region = 0;
    std::vector<std::uint64_t> spaces;                  ///< used spaces, in order of first use
    std::vector<std::uint64_t> partition_order;         ///< used partitions, in order of first use
    std::map<std::uint64_t, std::uint32_t> partitions;  ///< Legion partition -> app partition
    std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> atoms;
  };
  void build_tree(std::uint32_t id, Tree& t, std::vector<std::string>& notes);
  std::string unique_partition_name(std::string name) const;

  const SpyLog& spy_;
  app::App& app_;
  std::map<std::uint32_t, Tree> trees_;
  /// Per Legion partition, the lowest color of its pieces (made on first use).
  mutable std::unordered_map<std::uint64_t, std::vector<std::int64_t>> color_lo_;
};

}  // namespace mapsmith::importer::detail
