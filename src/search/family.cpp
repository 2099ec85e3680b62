#include "search/family.h"

#include <fmt/format.h>

#include <cctype>

#include "util/error.h"

namespace mapsmith::search::detail {

namespace {

constexpr const char* kDistNames[] = {"block", "cyclic", "bc2", "bc4"};
constexpr const char* kDistWords[] = {"block", "cyclic", "block-cyclic 2", "block-cyclic 4"};

std::string lower(ProcKind k) {
  std::string s(to_string(k));
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string global_name(ProcKind k, int variant) {
  static constexpr const char* suffix[] = {"", "_all", "_rr"};
  return "tune_" + lower(k) + suffix[variant];
}

/// The launch point linearised: first dimension fastest, or last (`rev`).
std::string linear(int dims, bool rev) {
  std::string out;
  for (int t = 0; t < dims; ++t) {
    const int d = rev ? dims - 1 - t : t;
    std::string term;
    for (int u = 0; u < t; ++u) {
      const int e = rev ? dims - 1 - u : u;
      term += fmt::format("s[{}] * ", e);
    }
    term += fmt::format("p[{}]", d);
    out += (t ? " + " : "") + term;
  }
  return out;
}

/// `i` spread over `n` processors (an expression), for a launch of `s.volume` points.
std::string spread(std::uint8_t dist, const std::string& n) {
  switch (dist) {
    case 0:
      return fmt::format("i * {} / s.volume", n);
    case 1:
      return fmt::format("i % {}", n);
    case 2:
      return fmt::format("i / 2 % {}", n);
    case 3:
      return fmt::format("i / 4 % {}", n);
    default:
      MAPSMITH_UNREACHABLE();
  }
}

MapFn member(MapShape shape, bool rr = false, bool rev = false, std::uint8_t dist = 0,
             std::uint32_t cyclic = 0) {
  MapFn f;
  f.shape = shape;
  f.rr = rr;
  f.rev = rev;
  f.dist = dist;
  f.cyclic = cyclic;
  return f;
}

}  // namespace

std::vector<MapFn> index_family(int dims, bool nested) {
  std::vector<MapFn> out;
  for (bool rr : {false, true})
    for (bool rev : {false, true}) {
      if (rev && dims < 2) continue;
      for (std::uint8_t dist = 0; dist < 4; ++dist)
        out.push_back(member(MapShape::Linear, rr, rev, dist, 0));
    }
  if (dims >= 2)
    for (std::uint32_t mask = 0; mask < (1u << dims); ++mask)
      out.push_back(member(MapShape::Grid, false, false, 0, mask));
  for (std::uint8_t dist = 0; dist < 2; ++dist)
    out.push_back(member(MapShape::Nodes, false, false, dist, 0));
  if (nested)
    for (std::uint8_t dist = 0; dist < 2; ++dist)
      out.push_back(member(MapShape::Parent, false, false, dist, 0));
  return out;
}

std::vector<MapFn> single_family(bool nested) {
  if (nested) return {member(MapShape::ParentFirst), member(MapShape::ParentSame)};
  return {member(MapShape::First), member(MapShape::LastNode), member(MapShape::LastProc)};
}

std::string fn_name(const MapFn& f, int dims, ProcKind k, ProcKind pk) {
  const std::string base = "tune_" + lower(k);
  switch (f.shape) {
    case MapShape::Linear:
      return fmt::format("{}_{}d_{}{}_{}", base, dims, f.rr ? "rr" : "all", f.rev ? "_rev" : "",
                         kDistNames[f.dist]);
    case MapShape::Grid: {
      std::string dist;
      for (int d = 0; d < dims; ++d)
        dist += (f.cyclic >> d) & 1 ? 'c' : 'b';
      return fmt::format("{}_{}d_grid_{}", base, dims, dist);
    }
    case MapShape::Nodes:
      return fmt::format("{}_{}d_nodes_{}", base, dims, kDistNames[f.dist]);
    case MapShape::Parent:
      return fmt::format("{}_{}d_in_{}_{}", base, dims, lower(pk), kDistNames[f.dist]);
    case MapShape::First:
      return base + "_first";
    case MapShape::LastNode:
      return base + "_last_node";
    case MapShape::LastProc:
      return base + "_last_proc";
    case MapShape::ParentFirst:
      return fmt::format("{}_in_{}_first", base, lower(pk));
    case MapShape::ParentSame:
      return fmt::format("{}_in_{}_same", base, lower(pk));
    case MapShape::Aligned:
      return fmt::format("{}_as_{}_{}", base, f.partner, f.mode);
  }
  MAPSMITH_UNREACHABLE();
}

std::string fn_label(const MapFn& f, int dims) {
  switch (f.shape) {
    case MapShape::Linear:
      return fmt::format("linear{}, {}, {}", f.rev ? " (last dimension fastest)" : "",
                         f.rr ? "nodes fastest" : "node by node", kDistWords[f.dist]);
    case MapShape::Grid: {
      std::string dist;
      for (int d = 0; d < dims; ++d)
        dist += fmt::format("{}{}", d ? " x " : "", (f.cyclic >> d) & 1 ? "cyclic" : "block");
      return "grid over every processor, " + dist;
    }
    case MapShape::Nodes:
      return fmt::format("grid of nodes, block; within a node, {}", kDistWords[f.dist]);
    case MapShape::Parent:
      return fmt::format("in the parent's node, {}", kDistWords[f.dist]);
    case MapShape::First:
      return "first processor of node 0";
    case MapShape::LastNode:
      return "first processor of the last node";
    case MapShape::LastProc:
      return "last processor of node 0";
    case MapShape::ParentFirst:
      return "first processor of the parent's node";
    case MapShape::ParentSame:
      return "the parent's processor number in the parent's node";
    case MapShape::Aligned:
      return fmt::format("where {}'s point with the same data runs ({})", f.partner, f.mode);
  }
  MAPSMITH_UNREACHABLE();
}

std::string aligned_def(const MapFn& a, const std::string& def_text, const std::string& name) {
  const std::size_t open = def_text.find('(');
  std::string out = "def " + name + def_text.substr(open);
  const std::string prologue = "  p = task.ipoint;\n  s = task.ispace;\n";
  const std::size_t at = out.find(prologue);
  MAPSMITH_ASSERT(at != std::string::npos);
  out.replace(at, prologue.size(), fmt::format("  p = {};\n  s = {};\n", a.point, a.space));
  return out;
}

std::string global_def(std::pair<ProcKind, int> g) {
  const auto [k, variant] = g;
  const std::string base = global_name(k, 0);
  switch (variant) {
    case 0:
      return fmt::format("{} = Machine({});\n", base, to_string(k));
    case 1:
      return fmt::format("{} = {}.merge(0, 1);\n", global_name(k, 1), base);
    case 2:
      return fmt::format("{} = {}.swap(0, 1).merge(0, 1);\n", global_name(k, 2), base);
    default:
      MAPSMITH_UNREACHABLE();
  }
}

std::string fn_def(const MapFn& f, int dims, ProcKind k, ProcKind pk, Globals& globals) {
  std::string body;
  const std::string m = global_name(k, 0);
  globals.insert({k, 0});
  switch (f.shape) {
    case MapShape::Linear: {
      const int variant = f.rr ? 2 : 1;
      globals.insert({k, variant});
      const std::string line = global_name(k, variant);
      body = fmt::format("  p = task.ipoint;\n  s = task.ispace;\n  i = {};\n  return {}[{}];\n",
                         linear(dims, f.rev), line, spread(f.dist, line + ".size[0]"));
      break;
    }
    case MapShape::Grid: {
      globals.insert({k, 1});
      std::string idx;
      for (int d = 0; d < dims; ++d) {
        idx += d ? ", " : "";
        idx += (f.cyclic >> d) & 1 ? fmt::format("p[{0}] % g.size[{0}]", d)
                                   : fmt::format("p[{0}] * g.size[{0}] / s[{0}]", d);
      }
      body = fmt::format(
          "  p = task.ipoint;\n  s = task.ispace;\n  g = {}.decompose(0, s);\n  return g[{}];\n",
          global_name(k, 1), idx);
      break;
    }
    case MapShape::Nodes: {
      std::string idx;
      for (int d = 0; d < dims; ++d)
        idx += fmt::format("{0}p[{1}] * f.size[{1}] / s[{1}]", d ? ", " : "", d);
      for (int d = 0; d < dims; ++d)
        idx += f.dist == 1
                   ? fmt::format(", p[{}] % f.size[{}]", d, dims + d)
                   : fmt::format(", p[{0}] * f.size[{0}] * f.size[{1}] / s[{0}] % f.size[{1}]", d,
                                 dims + d);
      body = fmt::format(
          "  p = task.ipoint;\n  s = task.ispace;\n  n = {}.decompose(0, s);\n"
          "  f = n.decompose({}, s / n[:-1]);\n  return f[{}];\n",
          m, dims, idx);
      break;
    }
    case MapShape::Parent:
      globals.insert({pk, 0});
      body = fmt::format(
          "  p = task.ipoint;\n  s = task.ispace;\n  i = {};\n"
          "  here = task.parent.processor({});\n  return {}[here[0], {}];\n",
          linear(dims, false), global_name(pk, 0), m, spread(f.dist, m + ".size[1]"));
      break;
    case MapShape::First:
      body = fmt::format("  return {}[0, 0];\n", m);
      break;
    case MapShape::LastNode:
      body = fmt::format("  return {0}[{0}.size[0] - 1, 0];\n", m);
      break;
    case MapShape::LastProc:
      body = fmt::format("  return {0}[0, {0}.size[1] - 1];\n", m);
      break;
    case MapShape::Aligned:
      MAPSMITH_ASSERT(false && "an aligned member is rendered by the space (aligned_def)");
      break;
    case MapShape::ParentFirst:
    case MapShape::ParentSame:
      globals.insert({pk, 0});
      body = fmt::format("  here = task.parent.processor({});\n  return {}[here[0], {}];\n",
                         global_name(pk, 0), m,
                         f.shape == MapShape::ParentFirst ? std::string("0")
                                                          : fmt::format("here[1] % {}.size[1]", m));
      break;
  }
  return fmt::format("def {}(Task task) {{\n{}}}\n", fn_name(f, dims, k, pk), body);
}

}  // namespace mapsmith::search::detail
