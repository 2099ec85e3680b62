// Region trees to app regions: every index space a launch uses (a root region, a piece of a
// partition) is a union of rectangles; the coordinates where any of them starts or ends cut the
// root's box into cells, and the cells that belong to the same set of spaces form one atom.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "importer/import_detail.h"
#include "util/error.h"

namespace mapsmith::importer::detail {

namespace {
constexpr std::uint64_t kMaxCells = 10'000'000;
}

void Regions::use_space(std::uint32_t tree, std::uint64_t space) {
  Tree& t = trees_[tree];
  if (std::find(t.spaces.begin(), t.spaces.end(), space) == t.spaces.end())
    t.spaces.push_back(space);
}

void Regions::use_partition(std::uint32_t tree, std::uint64_t partition) {
  Tree& t = trees_[tree];
  if (std::find(t.partition_order.begin(), t.partition_order.end(), partition) ==
      t.partition_order.end())
    t.partition_order.push_back(partition);
}

std::string Regions::root_name(std::uint32_t tree) const {
  const auto& [root, fspace] = spy_.trees.at(tree);
  if (const auto it = spy_.region_names.find({root, fspace, tree}); it != spy_.region_names.end())
    return it->second;
  if (const auto it = spy_.spaces.find(root); it != spy_.spaces.end() && !it->second.name.empty())
    return it->second.name;
  return fmt::format("region{}", tree);
}

std::string Regions::partition_name(std::uint32_t tree, std::uint64_t partition) const {
  const std::uint32_t fspace = spy_.trees.at(tree).second;
  if (const auto it = spy_.partition_names.find({partition, fspace, tree});
      it != spy_.partition_names.end())
    return it->second;
  if (const auto it = spy_.partitions.find(partition);
      it != spy_.partitions.end() && !it->second.name.empty())
    return it->second.name;
  return fmt::format("partition{:x}", partition);
}

std::string Regions::space_name(std::uint32_t tree, std::uint64_t space) const {
  const std::uint32_t fspace = spy_.trees.at(tree).second;
  if (const auto it = spy_.region_names.find({space, fspace, tree}); it != spy_.region_names.end())
    return it->second;
  return {};
}

std::string Regions::unique_partition_name(std::string name) const {
  const auto taken = [&](const std::string& n) {
    for (const app::Partition& p : app_.partitions)
      if (p.name == n) return true;
    return false;
  };
  if (!taken(name)) return name;
  for (int k = 2;; ++k) {
    std::string n = fmt::format("{}_{}", name, k);
    if (!taken(n)) return n;
  }
}

std::vector<std::int64_t> Regions::color(std::uint64_t space) const {
  const SpyIndexSpace& s = spy_.spaces.at(space);
  std::vector<std::int64_t> c = s.color;
  if (!s.partition) return c;
  // Relative to the lowest color of the partition's pieces.
  if (color_lo_.empty()) {
    for (const auto& [id, other] : spy_.spaces) {
      if (!other.partition) continue;
      auto [it, fresh] = color_lo_.emplace(*other.partition, other.color);
      for (std::size_t d = 0; d < it->second.size() && d < other.color.size(); ++d)
        it->second[d] = std::min(it->second[d], other.color[d]);
    }
  }
  const std::vector<std::int64_t>& lo = color_lo_.at(*s.partition);
  for (std::size_t d = 0; d < c.size() && d < lo.size(); ++d)
    c[d] -= lo[d];
  return c;
}

void Regions::build(std::vector<std::string>& notes) {
  for (auto& [id, t] : trees_)
    build_tree(id, t, notes);
}

void Regions::build_tree(std::uint32_t id, Tree& t, std::vector<std::string>& notes) {
  const auto tree_it = spy_.trees.find(id);
  if (tree_it == spy_.trees.end())
    throw InputError(
        fmt::format("{}: region tree {} is used but never created (no \"Region\" "
                    "line): the log is incomplete",
                    spy_.files.front(), id));
  const auto [root, fspace] = tree_it->second;
  // Every space whose atoms the tree needs: the root, the spaces used, every piece of every
  // partition used.
  std::vector<std::uint64_t> spaces{root};
  const auto add = [&](std::uint64_t s) {
    if (std::find(spaces.begin(), spaces.end(), s) == spaces.end()) spaces.push_back(s);
  };
  for (std::uint64_t s : t.spaces)
    add(s);
  std::map<std::uint64_t, std::vector<std::uint64_t>> children;
  for (std::uint64_t p : t.partition_order)
    children[p];
  for (const auto& [sid, s] : spy_.spaces)
    if (s.partition && children.count(*s.partition)) children[*s.partition].push_back(sid);
  for (auto& [p, kids] : children) {
    std::sort(kids.begin(), kids.end(), [&](std::uint64_t a, std::uint64_t b) {
      return spy_.spaces.at(a).color < spy_.spaces.at(b).color;
    });
    for (std::uint64_t s : kids)
      add(s);
  }

  const auto rects_of = [&](std::uint64_t s) -> const std::vector<SpyRect>& {
    static const std::vector<SpyRect> kNone;
    const auto it = spy_.spaces.find(s);
    return it == spy_.spaces.end() ? kNone : it->second.rects;
  };
  const std::vector<SpyRect>& root_rects = rects_of(root);
  if (root_rects.empty())
    throw InputError(fmt::format(
        "{}: index space {:x}, the root of region tree {}, has no \"Index Space Rect\" or "
        "\"Index Space Point\" line: the log is incomplete",
        spy_.files.front(), root, id));
  const std::size_t dims = root_rects.front().lo.size();
  std::size_t missing = 0;
  for (std::uint64_t s : spaces) {
    const auto it = spy_.spaces.find(s);
    if (s != root && (it == spy_.spaces.end() || (it->second.rects.empty() && !it->second.empty)))
      ++missing;
    for (const SpyRect& r : rects_of(s))
      if (r.lo.size() != dims)
        throw InputError(
            fmt::format("{}: index space {:x} has {} dimensions but its region tree {} has {}",
                        spy_.files.front(), s, r.lo.size(), id, dims));
  }
  if (missing)
    notes.push_back(
        fmt::format("{} subregions of region tree {} have no extent in the Spy log; "
                    "they are taken as empty",
                    missing, id));

  // The cuts: per dimension, every coordinate where a rectangle starts or ends, in the root's
  // bounding box.
  std::vector<std::int64_t> blo(dims, INT64_MAX), bhi(dims, INT64_MIN);
  for (const SpyRect& r : root_rects)
    for (std::size_t d = 0; d < dims; ++d) {
      blo[d] = std::min(blo[d], r.lo[d]);
      bhi[d] = std::max(bhi[d], r.hi[d]);
    }
  std::vector<std::vector<std::int64_t>> cuts(dims);
  for (std::size_t d = 0; d < dims; ++d) {
    cuts[d] = {blo[d], bhi[d] + 1};
    for (std::uint64_t s : spaces)
      for (const SpyRect& r : rects_of(s)) {
        if (r.lo[d] > blo[d] && r.lo[d] <= bhi[d]) cuts[d].push_back(r.lo[d]);
        if (r.hi[d] + 1 > blo[d] && r.hi[d] + 1 <= bhi[d]) cuts[d].push_back(r.hi[d] + 1);
      }
    std::sort(cuts[d].begin(), cuts[d].end());
    cuts[d].erase(std::unique(cuts[d].begin(), cuts[d].end()), cuts[d].end());
  }
  std::uint64_t cells = 1;
  for (std::size_t d = 0; d < dims; ++d) {
    cells *= cuts[d].size() - 1;
    if (cells > kMaxCells)
      throw InputError(fmt::format(
          "{}: region tree {} would need more than {} atoms (its pieces cut it too finely)",
          spy_.files.front(), id, kMaxCells));
  }
  // Which spaces hold each cell (space 0 is the root).
  std::vector<std::vector<std::uint32_t>> holds(cells);
  for (std::size_t k = 0; k < spaces.size(); ++k) {
    for (const SpyRect& r : rects_of(spaces[k])) {
      std::vector<std::size_t> first(dims), last(dims);
      bool empty = false;
      for (std::size_t d = 0; d < dims; ++d) {
        const std::int64_t lo = std::max(r.lo[d], blo[d]), hi = std::min(r.hi[d], bhi[d]);
        if (lo > hi) empty = true;
        first[d] = static_cast<std::size_t>(std::lower_bound(cuts[d].begin(), cuts[d].end(), lo) -
                                            cuts[d].begin());
        last[d] = static_cast<std::size_t>(
            std::lower_bound(cuts[d].begin(), cuts[d].end(), hi + 1) - cuts[d].begin());
      }
      if (empty) continue;
      std::vector<std::size_t> at = first;
      for (;;) {
        std::size_t cell = 0, stride = 1;
        for (std::size_t d = 0; d < dims; ++d) {
          cell += at[d] * stride;
          stride *= cuts[d].size() - 1;
        }
        auto& h = holds[cell];
        if (h.empty() || h.back() != k) h.push_back(static_cast<std::uint32_t>(k));
        std::size_t d = 0;
        for (; d < dims; ++d) {
          if (++at[d] < last[d]) break;
          at[d] = first[d];
        }
        if (d == dims) break;
      }
    }
  }
  // Cells held by the same spaces are one atom, numbered by their first cell.
  std::map<std::vector<std::uint32_t>, std::uint32_t> atom_of;
  std::vector<std::int64_t> atoms;
  std::vector<std::vector<std::uint32_t>> in_space(spaces.size());
  for (std::uint64_t cell = 0; cell < cells; ++cell) {
    const auto& h = holds[cell];
    if (h.empty() || h.front() != 0) continue;  // outside the root
    std::int64_t volume = 1;
    std::uint64_t rest = cell;
    for (std::size_t d = 0; d < dims; ++d) {
      const std::size_t n = cuts[d].size() - 1;
      const std::size_t i = rest % n;
      rest /= n;
      volume *= cuts[d][i + 1] - cuts[d][i];
    }
    const auto [it, fresh] = atom_of.emplace(h, static_cast<std::uint32_t>(atoms.size()));
    if (fresh) {
      atoms.push_back(0);
      for (std::uint32_t k : h)
        in_space[k].push_back(it->second);
    }
    atoms[it->second] += volume;
  }
  for (std::size_t k = 0; k < spaces.size(); ++k) {
    std::sort(in_space[k].begin(), in_space[k].end());
    t.atoms[spaces[k]] = in_space[k];
  }

  // The region.
  app::Region region;
  std::string name = root_name(id);
  for (const app::Region& r : app_.regions)
    if (r.name == name) name = fmt::format("{}_{}", name, id);
  region.name = name;
  const std::int64_t volume = std::accumulate(atoms.begin(), atoms.end(), std::int64_t{0});
  if (root_rects.size() == 1) {
    for (std::size_t d = 0; d < dims; ++d)
      region.extents.push_back(bhi[d] - blo[d] + 1);
  } else {
    region.extents = {volume};
    notes.push_back(
        fmt::format("region {} is not a rectangle ({} rectangles): it is modelled as "
                    "a line of its {} elements",
                    name, root_rects.size(), volume));
  }
  if (const auto fs = spy_.field_spaces.find(fspace); fs != spy_.field_spaces.end()) {
    for (const SpyField& f : fs->second) {
      app::Field field;
      field.name = f.name.empty() ? fmt::format("f{}", f.id) : f.name;
      field.bytes = f.size ? static_cast<std::uint32_t>(f.size) : 8;
      region.fields.push_back(std::move(field));
    }
  }
  region.atoms = atoms;
  t.region = static_cast<std::uint32_t>(app_.regions.size());
  app_.regions.push_back(std::move(region));

  for (std::uint64_t p : t.partition_order) {
    const std::vector<std::uint64_t>& kids = children[p];
    std::vector<std::int64_t> lo, hi;
    for (std::uint64_t s : kids) {
      const std::vector<std::int64_t>& c = spy_.spaces.at(s).color;
      if (lo.empty()) lo = hi = c;
      for (std::size_t d = 0; d < c.size() && d < lo.size(); ++d) {
        lo[d] = std::min(lo[d], c[d]);
        hi[d] = std::max(hi[d], c[d]);
      }
    }
    app::Partition part;
    part.name = unique_partition_name(partition_name(id, p));
    part.region = t.region;
    if (kids.empty()) {
      part.colors = {1};
      part.pieces = {{}};
    } else {
      std::int64_t count = 1;
      for (std::size_t d = 0; d < lo.size(); ++d) {
        part.colors.push_back(hi[d] - lo[d] + 1);
        count *= part.colors.back();
      }
      part.pieces.assign(static_cast<std::size_t>(count), {});
      for (std::uint64_t s : kids) {
        const std::vector<std::int64_t>& c = spy_.spaces.at(s).color;
        std::int64_t at = 0, stride = 1;
        for (std::size_t d = 0; d < lo.size(); ++d) {
          at += (c[d] - lo[d]) * stride;
          stride *= part.colors[d];
        }
        part.pieces[static_cast<std::size_t>(at)] = t.atoms.at(s);
      }
    }
    std::vector<char> seen(atoms.size(), 0);
    for (const auto& piece : part.pieces)
      for (std::uint32_t a : piece) {
        if (seen[a]) part.disjoint = false;
        seen[a] = 1;
      }
    t.partitions[p] = static_cast<std::uint32_t>(app_.partitions.size());
    app_.partitions.push_back(std::move(part));
  }
}

std::uint32_t Regions::add_permuted(std::uint32_t tree, const std::string& name,
                                    const std::vector<std::uint64_t>& spaces,
                                    const std::vector<std::int64_t>& colors) {
  const Tree& t = trees_.at(tree);
  app::Partition part;
  part.name = unique_partition_name(name);
  part.region = t.region;
  part.colors = colors;
  std::vector<char> seen(app_.regions[t.region].atoms.size(), 0);
  for (std::uint64_t s : spaces) {
    part.pieces.push_back(t.atoms.at(s));
    for (std::uint32_t a : part.pieces.back()) {
      if (seen[a]) part.disjoint = false;
      seen[a] = 1;
    }
  }
  app_.partitions.push_back(std::move(part));
  return static_cast<std::uint32_t>(app_.partitions.size() - 1);
}

}  // namespace mapsmith::importer::detail
