#include "machine/machine_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>

#include "machine/presets.h"
#include "util/error.h"
#include "util/strings.h"

namespace mapsmith::machine {

namespace {

using json = nlohmann::json;

// A value as a message shows it: scalars as JSON, long strings cut, containers by their type
// (a container may be megabytes).
std::string shown(const json& j) {
  if (j.is_object()) return "an object";
  if (j.is_array()) return "an array";
  std::string s = j.dump();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

std::string key_path(const std::string& path, std::string_view key) {
  return fmt::format("{}.{}", path, key);
}
std::string index_path(const std::string& path, std::size_t i) {
  return fmt::format("{}[{}]", path, i);
}

template <typename Kind, std::size_t N>
std::vector<std::string> names_of(const std::array<Kind, N>& kinds) {
  std::vector<std::string> out;
  for (Kind k : kinds)
    out.emplace_back(to_string(k));
  return out;
}

// Walks the parsed JSON; every failure names the file and the JSON path.
class Reader {
 public:
  explicit Reader(std::string_view file) : file_(file) {}

  [[noreturn]] void fail(const std::string& path, const std::string& message) const {
    throw InputError(fmt::format("{}: {}: {}", file_, path, message));
  }

  /// Checks that `j` is an object whose keys are all in `allowed` and that `required` are there.
  void object(const json& j, const std::string& path, std::span<const std::string> allowed,
              std::span<const std::string> required) const {
    if (!j.is_object()) fail(path, fmt::format("must be an object (got {})", shown(j)));
    for (const auto& [key, value] : j.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string hint;
      if (auto m = closest_match(key, allowed)) hint = fmt::format(" (did you mean \"{}\"?)", *m);
      fail(key_path(path, key),
           fmt::format("unknown key{}; keys here: {}", hint, join(allowed, ", ")));
    }
    for (const std::string& key : required)
      if (!j.contains(key)) fail(path, fmt::format("missing required key \"{}\"", key));
  }

  const json& array(const json& j, const std::string& path) const {
    if (!j.is_array()) fail(path, fmt::format("must be an array (got {})", shown(j)));
    return j;
  }

  std::uint64_t positive_integer(
      const json& j, const std::string& path,
      std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) const {
    std::uint64_t v = 0;
    bool ok = false;
    if (j.is_number_unsigned()) {
      v = j.get<std::uint64_t>();
      ok = true;
    } else if (j.is_number_float()) {
      // 16e9 is a fine way to write a capacity; 1.5 is not.
      double d = j.get<double>();
      ok = std::isfinite(d) && d >= 0 && d < 18446744073709551616.0 && std::floor(d) == d;
      if (ok) v = static_cast<std::uint64_t>(d);
    }
    if (!ok || v == 0) fail(path, fmt::format("must be a positive integer (got {})", shown(j)));
    if (v > max) fail(path, fmt::format("must be at most {} (got {})", max, shown(j)));
    return v;
  }
  std::uint32_t positive_u32(const json& j, const std::string& path) const {
    return static_cast<std::uint32_t>(
        positive_integer(j, path, std::numeric_limits<std::uint32_t>::max()));
  }

  double number(const json& j, const std::string& path, bool zero_ok) const {
    const char* what = zero_ok ? "non-negative" : "positive";
    if (!j.is_number()) fail(path, fmt::format("must be a {} number (got {})", what, shown(j)));
    double d = j.get<double>();
    if (!std::isfinite(d) || d < 0 || (!zero_ok && d == 0))
      fail(path, fmt::format("must be a {} number (got {})", what, shown(j)));
    return d;
  }

  /// A rate (bytes or flops per second): at least 1, so that no amount of work takes forever
  /// (a denormal bandwidth made every copy infinite, and every time unprintable).
  double rate(const json& j, const std::string& path) const {
    const double d = number(j, path, false);
    if (d < 1) fail(path, fmt::format("must be at least 1 per second (got {})", shown(j)));
    return d;
  }

  const std::string& string(const json& j, const std::string& path) const {
    if (!j.is_string()) fail(path, fmt::format("must be a string (got {})", shown(j)));
    return j.get_ref<const std::string&>();
  }

  /// A name from a fixed list ("GPU"), with a hint for near misses.
  template <typename T, typename Parse>
  T name(const json& j, const std::string& path, std::string_view what,
         const std::vector<std::string>& names, Parse parse) const {
    const std::string& s = string(j, path);
    if (auto v = parse(s)) return *v;
    std::string hint;
    if (auto m = closest_match(s, names)) hint = fmt::format(" (did you mean \"{}\"?)", *m);
    fail(path, fmt::format("unknown {} {}{}; expected one of: {}", what, shown(j), hint,
                           join(names, ", ")));
  }

 private:
  std::string_view file_;
};

const std::vector<std::string> kProcNames = names_of(kAllProcKinds);
const std::vector<std::string> kMemNames = names_of(kAllMemKinds);
const std::vector<std::string> kLinkNames = {"SOCKET_BUS", "PCIE", "NVLINK", "NIC", "MEMBUS"};
const std::vector<std::string> kSocketNames = {"any", "local", "remote"};
const std::vector<std::string> kPeerNames = {"all", "socket", "none"};

ProcKind proc_kind(const Reader& r, const json& j, const std::string& path) {
  return r.name<ProcKind>(j, path, "processor kind", kProcNames,
                          [](std::string_view s) { return parse_proc_kind(s); });
}
MemKind mem_kind(const Reader& r, const json& j, const std::string& path) {
  return r.name<MemKind>(j, path, "memory kind", kMemNames,
                         [](std::string_view s) { return parse_mem_kind(s); });
}

NodeSpec read_node(const Reader& r, const json& j, const std::string& path) {
  static const std::vector<std::string> keys = {
      "sockets", "dram_bandwidth", "gpu_peers", "processors", "memories", "affinities", "links"};
  static const std::vector<std::string> required = {"processors", "memories", "affinities",
                                                    "links"};
  r.object(j, path, keys, required);
  NodeSpec n;
  if (j.contains("sockets")) n.sockets = r.positive_u32(j["sockets"], key_path(path, "sockets"));
  if (j.contains("dram_bandwidth"))
    n.dram_bandwidth = r.number(j["dram_bandwidth"], key_path(path, "dram_bandwidth"), false);
  if (j.contains("gpu_peers"))
    n.gpu_peers = r.name<GpuPeers>(j["gpu_peers"], key_path(path, "gpu_peers"), "GPU peer rule",
                                   kPeerNames, parse_gpu_peers);
  else if (j.contains("links") && j["links"].is_array())
    for (const json& l : j["links"])
      if (l.is_object() && l.contains("kind") && l["kind"] == "NVLINK") n.gpu_peers = GpuPeers::ALL;

  const std::string pp = key_path(path, "processors");
  static const std::vector<std::string> proc_keys = {
      "kind", "count", "flops", "model", "memory_bandwidth", "copy_engines"};
  static const std::vector<std::string> proc_req = {"kind", "count", "flops"};
  const json& procs = r.array(j["processors"], pp);
  for (std::size_t i = 0; i < procs.size(); ++i) {
    const json& e = procs[i];
    const std::string at = index_path(pp, i);
    r.object(e, at, proc_keys, proc_req);
    ProcSpec p;
    p.kind = proc_kind(r, e["kind"], key_path(at, "kind"));
    p.count = r.positive_u32(e["count"], key_path(at, "count"));
    p.flops = r.rate(e["flops"], key_path(at, "flops"));
    if (e.contains("model")) p.model = r.string(e["model"], key_path(at, "model"));
    if (e.contains("memory_bandwidth"))
      p.memory_bandwidth = r.number(e["memory_bandwidth"], key_path(at, "memory_bandwidth"), false);
    if (e.contains("copy_engines"))
      p.copy_engines = r.positive_u32(e["copy_engines"], key_path(at, "copy_engines"));
    n.processors.push_back(std::move(p));
  }

  const std::string mp = key_path(path, "memories");
  static const std::vector<std::string> mem_keys = {"kind", "capacity"};
  const json& mems = r.array(j["memories"], mp);
  for (std::size_t i = 0; i < mems.size(); ++i) {
    const json& e = mems[i];
    const std::string at = index_path(mp, i);
    r.object(e, at, mem_keys, mem_keys);
    MemSpec m;
    m.kind = mem_kind(r, e["kind"], key_path(at, "kind"));
    m.capacity = r.positive_integer(e["capacity"], key_path(at, "capacity"));
    n.memories.push_back(m);
  }

  const std::string ap = key_path(path, "affinities");
  static const std::vector<std::string> aff_keys = {"proc", "mem", "socket", "bandwidth",
                                                    "latency"};
  static const std::vector<std::string> aff_req = {"proc", "mem", "bandwidth", "latency"};
  const json& affs = r.array(j["affinities"], ap);
  for (std::size_t i = 0; i < affs.size(); ++i) {
    const json& e = affs[i];
    const std::string at = index_path(ap, i);
    r.object(e, at, aff_keys, aff_req);
    AffinitySpec a;
    a.proc = proc_kind(r, e["proc"], key_path(at, "proc"));
    a.mem = mem_kind(r, e["mem"], key_path(at, "mem"));
    if (e.contains("socket"))
      a.socket = r.name<SocketRule>(e["socket"], key_path(at, "socket"), "socket rule",
                                    kSocketNames, parse_socket_rule);
    a.bandwidth = r.rate(e["bandwidth"], key_path(at, "bandwidth"));
    a.latency = r.number(e["latency"], key_path(at, "latency"), true);
    n.affinities.push_back(a);
  }

  const std::string lp = key_path(path, "links");
  static const std::vector<std::string> link_keys = {
      "kind", "count", "bandwidth", "latency", "io_bandwidth", "io_bandwidth_to_host"};
  static const std::vector<std::string> link_req = {"kind", "bandwidth", "latency"};
  const json& links = r.array(j["links"], lp);
  for (std::size_t i = 0; i < links.size(); ++i) {
    const json& e = links[i];
    const std::string at = index_path(lp, i);
    r.object(e, at, link_keys, link_req);
    LinkSpec l;
    l.kind = r.name<ChannelKind>(e["kind"], key_path(at, "kind"), "link kind", kLinkNames,
                                 parse_channel_kind);
    if (e.contains("count")) l.count = r.positive_u32(e["count"], key_path(at, "count"));
    l.bandwidth = r.rate(e["bandwidth"], key_path(at, "bandwidth"));
    l.latency = r.number(e["latency"], key_path(at, "latency"), true);
    if (e.contains("io_bandwidth"))
      l.io_bandwidth = r.number(e["io_bandwidth"], key_path(at, "io_bandwidth"), false);
    if (e.contains("io_bandwidth_to_host"))
      l.io_bandwidth_to_host =
          r.number(e["io_bandwidth_to_host"], key_path(at, "io_bandwidth_to_host"), false);
    n.links.push_back(l);
  }
  return n;
}

// nlohmann reports a byte offset; people want line:column.
std::string line_col(std::string_view text, std::size_t byte) {
  const std::size_t pos = std::min(byte == 0 ? 0 : byte - 1, text.size());
  const std::string_view before = text.substr(0, pos);
  const std::size_t line =
      1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  const std::size_t nl = before.rfind('\n');
  const std::size_t col = nl == std::string_view::npos ? pos + 1 : pos - nl;
  return fmt::format("{}:{}", line, col);
}

// "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..." →
// "syntax error ...".
std::string parse_detail(const char* what) {
  std::string_view w(what);
  if (auto at = w.find("parse error"); at != std::string_view::npos)
    if (auto colon = w.find(": ", at); colon != std::string_view::npos)
      return std::string(w.substr(colon + 2));
  return std::string(w);
}

// The format nests five levels deep; a file nested far deeper is not a machine, and parsing
// millions of levels would take seconds and gigabytes. Returns the offset where the limit is
// passed, if it is.
constexpr int kMaxDepth = 16;
std::optional<std::size_t> too_deep(std::string_view text) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::nullopt;
}

std::string stem(std::string_view filename) {
  if (auto slash = filename.find_last_of('/'); slash != std::string_view::npos)
    filename = filename.substr(slash + 1);
  if (filename.ends_with(".json")) filename.remove_suffix(5);
  return filename.empty() ? "machine" : std::string(filename);
}

}  // namespace

MachineSpec parse_machine_json(std::string_view text, std::string_view filename) {
  if (auto at = too_deep(text))
    throw InputError(fmt::format("{}:{}: not a machine file: nested deeper than {} levels",
                                 filename, line_col(text, *at + 1), kMaxDepth));
  json j;
  try {
    j = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    throw InputError(fmt::format("{}:{}: not valid JSON: {}", filename, line_col(text, e.byte),
                                 parse_detail(e.what())));
  } catch (const json::exception& e) {
    // A number out of range (1e400) is not a parse error to nlohmann, but is one to us.
    std::string_view w = e.what();
    if (auto close = w.find("] "); close != std::string_view::npos) w.remove_prefix(close + 2);
    throw InputError(fmt::format("{}: not valid JSON: {}", filename, w));
  }
  Reader r(filename);
  if (!j.is_object()) r.fail("$", fmt::format("must be an object (got {})", shown(j)));
  // The format first: a file from a newer version should say so, not trip on a renamed key.
  if (!j.contains("format"))
    r.fail("$", fmt::format("missing required key \"format\" (this version reads \"format\": {})",
                            kMachineFormat));
  if (j["format"] != kMachineFormat)
    r.fail("$.format", fmt::format("unsupported format {} (this version reads {})",
                                   shown(j["format"]), kMachineFormat));
  static const std::vector<std::string> keys = {"format", "name", "nodes", "ranks_per_node",
                                                "node"};
  static const std::vector<std::string> required = {"format", "nodes", "node"};
  r.object(j, "$", keys, required);
  MachineSpec s;
  s.name = j.contains("name") ? r.string(j["name"], "$.name") : stem(filename);
  s.nodes = r.positive_u32(j["nodes"], "$.nodes");
  if (j.contains("ranks_per_node"))
    s.ranks_per_node = r.positive_u32(j["ranks_per_node"], "$.ranks_per_node");
  s.node = read_node(r, j["node"], "$.node");
  if (auto e = check(s)) r.fail(e->path, e->message);
  return s;
}

Machine load_machine_json(std::string_view text, std::string_view filename) {
  return Machine::seal(parse_machine_json(text, filename));
}

std::string dump_machine_json(const MachineSpec& s) {
  using ojson = nlohmann::ordered_json;
  ojson node;
  node["sockets"] = s.node.sockets;
  if (s.node.dram_bandwidth != 0) node["dram_bandwidth"] = s.node.dram_bandwidth;
  const bool nvlink = std::any_of(s.node.links.begin(), s.node.links.end(),
                                  [](const LinkSpec& l) { return l.kind == ChannelKind::NVLINK; });
  if (s.node.gpu_peers != (nvlink ? GpuPeers::ALL : GpuPeers::SOCKET))
    node["gpu_peers"] = to_string(s.node.gpu_peers);
  node["processors"] = ojson::array();
  for (const ProcSpec& p : s.node.processors) {
    ojson e;
    e["kind"] = to_string(p.kind);
    e["count"] = p.count;
    e["flops"] = p.flops;
    if (!p.model.empty()) e["model"] = p.model;
    if (p.memory_bandwidth != 0) e["memory_bandwidth"] = p.memory_bandwidth;
    if (p.kind == ProcKind::GPU) e["copy_engines"] = p.copy_engines;
    node["processors"].push_back(std::move(e));
  }
  node["memories"] = ojson::array();
  for (const MemSpec& m : s.node.memories)
    node["memories"].push_back(ojson{{"kind", to_string(m.kind)}, {"capacity", m.capacity}});
  node["affinities"] = ojson::array();
  for (const AffinitySpec& a : s.node.affinities) {
    ojson e;
    e["proc"] = to_string(a.proc);
    e["mem"] = to_string(a.mem);
    if (a.socket != SocketRule::ANY) e["socket"] = to_string(a.socket);
    e["bandwidth"] = a.bandwidth;
    e["latency"] = a.latency;
    node["affinities"].push_back(std::move(e));
  }
  node["links"] = ojson::array();
  for (const LinkSpec& l : s.node.links) {
    ojson e;
    e["kind"] = to_string(l.kind);
    if (l.kind == ChannelKind::NIC) e["count"] = l.count;
    e["bandwidth"] = l.bandwidth;
    e["latency"] = l.latency;
    if (l.io_bandwidth != 0) e["io_bandwidth"] = l.io_bandwidth;
    if (l.io_bandwidth_to_host != 0) e["io_bandwidth_to_host"] = l.io_bandwidth_to_host;
    node["links"].push_back(std::move(e));
  }
  ojson root;
  root["format"] = kMachineFormat;
  root["name"] = s.name;
  root["nodes"] = s.nodes;
  root["ranks_per_node"] = s.ranks_per_node;
  root["node"] = std::move(node);
  return root.dump(2) + "\n";
}

std::string dump_machine_json(const Machine& m) {
  return dump_machine_json(m.spec());
}

Machine load_machine(std::string_view spec) {
  if (spec.ends_with(".json")) {
    const std::string path(spec);
    return load_machine_json(read_file(path, std::size_t{256} << 20), path);
  }
  return make_machine(spec);
}

}  // namespace mapsmith::machine
