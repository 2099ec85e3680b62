#include "agent/prompt.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "agent/program.h"
#include "agent/reference.h"
#include "util/strings.h"

namespace mapsmith::agent {

namespace {

constexpr std::size_t kMaxOneLiners = 20;  // older history entries, one line each
constexpr std::size_t kMaxMapper = 6000;   // bytes of a mapper shown in the history
constexpr std::size_t kMaxRepairErrors = 10;

/// "(4,)", "(2, 3)".
std::string tuple_text(const std::vector<std::int64_t>& t) {
  std::string out = "(";
  for (std::size_t i = 0; i < t.size(); ++i)
    out += fmt::format("{}{}", i ? ", " : "", t[i]);
  return out + (t.size() == 1 ? ",)" : ")");
}

std::string join_numbers(const std::vector<std::uint32_t>& v) {
  std::string out;
  for (std::uint32_t x : v)
    out += fmt::format("{}{}", out.empty() ? "" : ",", x);
  return out;
}

/// "512 B", "1.50 KiB", "20.2 MiB": three significant digits.
std::string bytes_text(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{:.0f} B", b) : fmt::format("{:.3g} {}", b, units[u]);
}

/// "2.10 GFLOP", "350 kFLOP".
std::string flops_text(double f) {
  const char* prefixes[] = {"", "k", "M", "G", "T", "P"};
  int p = 0;
  while (f >= 1000 && p < 5) {
    f /= 1000;
    ++p;
  }
  return fmt::format("{:.3g} {}FLOP", f, prefixes[p]);
}

std::uint64_t element_bytes(const app::Region& r, const std::vector<std::string>& fields) {
  std::uint64_t b = 0;
  for (const app::Field& f : r.fields)
    if (fields.empty() || std::find(fields.begin(), fields.end(), f.name) != fields.end())
      b += f.bytes;
  return b;
}

/// The bytes of one point's instance of a requirement: its piece (the average piece of the
/// partition) or the whole region, in the fields it names.
double requirement_bytes(const app::App& a, const app::Requirement& req) {
  const auto rid = a.find_region(req.region);
  if (!rid) return 0;
  const app::Region& r = a.regions[*rid];
  double elements = static_cast<double>(r.volume());
  if (auto pid = a.find_partition(req.partition)) {
    const app::Partition& p = a.partitions[*pid];
    double total = 0;
    for (const auto& piece : p.pieces)
      for (std::uint32_t atom : piece)
        total += atom < r.atoms.size() ? static_cast<double>(r.atoms[atom]) : 0;
    elements = p.pieces.empty() ? 0 : total / static_cast<double>(p.pieces.size());
  }
  return elements * static_cast<double>(element_bytes(r, req.fields));
}

/// The piece a point uses: "[i]", "[in, jn, 0]", "[(i + 1) % 4]"; "" for the whole region.
std::string piece_text(const app::App& a, const app::Requirement& req) {
  const auto pid = a.find_partition(req.partition);
  if (!pid || req.projection.empty()) return "";
  const app::Partition& part = a.partitions[*pid];
  std::string out = "[";
  for (std::size_t d = 0; d < req.projection.size(); ++d) {
    const app::ProjectionDim& pd = req.projection[d];
    std::string e;
    for (const app::Term& t : pd.terms) {
      std::string term = t.coef == 1 ? t.var : fmt::format("{}*{}", t.coef, t.var);
      e += e.empty() ? term : " + " + term;
    }
    if (pd.offset || e.empty())
      e += e.empty() ? std::to_string(pd.offset) : fmt::format(" + {}", pd.offset);
    const bool wraps =
        d < part.colors.size() && !pd.terms.empty() && (pd.offset != 0 || pd.terms.size() > 1);
    if (wraps) e = fmt::format("({}) % {}", e, part.colors[d]);
    out += (d ? ", " : "") + e;
  }
  return out + "]";
}

std::string arg_text(const app::App& a, std::size_t k, const app::RegionArg& arg,
                     const app::Requirement* req) {
  std::string name = arg.display_name();
  if (req) name += piece_text(a, *req);
  if (!arg.root.empty() && arg.root != arg.display_name()) name += " of " + arg.root;
  std::string out = fmt::format("{} {} {}", k, name, app::to_string(arg.privilege));
  if (req) out += " " + bytes_text(requirement_bytes(a, *req));
  return out;
}

/// What of a loop counts in the time (App::timed_region), in words; "" for another loop.
std::string timed_text(const app::App& a, const app::Step& loop) {
  const app::App::Timed t = a.timed_region();
  if (t.loop != &loop) return "";
  std::string out =
      fmt::format(" (THE TIMED REGION: iterations {} to {} count", t.first, t.end - 1);
  if (loop.timed_from > 0 && static_cast<std::size_t>(loop.timed_from) < loop.body.size()) {
    std::string untimed;
    for (std::int64_t k = 0; k < loop.timed_from; ++k)
      if (loop.body[k].kind == app::Step::Kind::Launch)
        untimed +=
            (untimed.empty() ? "" : ", ") + a.task(a.launches[loop.body[k].launch].task).name;
    const app::Step& from = loop.body[static_cast<std::size_t>(loop.timed_from)];
    out += fmt::format(
        ", and in each only step {} ({}) on; {} before it {} waited for and not timed",
        loop.timed_from + 1,
        from.kind == app::Step::Kind::Launch ? a.task(a.launches[from.launch].task).name : "a loop",
        untimed, loop.timed_from == 1 ? "is" : "are");
  }
  return out + "; what runs before or after does not count)";
}

/// The launches of `steps`, with their arguments in full inside loops (what the time depends on)
/// and briefly outside them (set-up: no sizes, nested launches by name only).
void launches_text(std::string& out, const app::App& a, const std::vector<app::Step>& steps,
                   int indent, bool in_loop) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  for (const app::Step& s : steps) {
    if (s.kind == app::Step::Kind::Loop) {
      out += fmt::format("{}- loop {} × {}{}:\n", pad, s.var, s.count, timed_text(a, s));
      launches_text(out, a, s.body, indent + 2, true);
      continue;
    }
    const app::Launch& l = a.launches[s.launch];
    const app::Task& t = a.task(l.task);
    std::string vars;
    for (const std::string& v : l.point_vars)
      vars += (vars.empty() ? "" : ", ") + v;
    out += fmt::format(
        "{}- {}: {}", pad, t.name,
        l.index ? fmt::format("index launch over {} points ({})", tuple_text(l.domain), vars)
                : "single launch");
    if (l.flops > 0 && in_loop) out += fmt::format(", {} per point", flops_text(l.flops));
    const std::vector<app::RegionArg>& args = l.effective_args(t);
    if (!args.empty()) {
      out += "; arguments:";
      for (std::size_t k = 0; k < args.size(); ++k) {
        const app::Requirement* req = k < l.reqs.size() ? &l.reqs[k] : nullptr;
        out += (k ? ", " : " ") + (in_loop ? arg_text(a, k, args[k], req)
                                           : fmt::format("{} {}{} {}", k, args[k].display_name(),
                                                         req ? piece_text(a, *req) : "",
                                                         app::to_string(args[k].privilege)));
      }
    }
    if (!in_loop && !l.body.empty()) {
      std::string names;
      for (const app::Step& b : l.body)
        if (b.kind == app::Step::Kind::Launch)
          names += (names.empty() ? "" : ", ") + a.task(a.launches[b.launch].task).name;
      out += fmt::format("; each point launches {}\n", names);
      continue;
    }
    out += '\n';
    launches_text(out, a, l.body, indent + 2, in_loop);
  }
}

/// A mapper in a fenced block ("(empty: Legion's default policy)" for no statement).
std::string fenced(const std::string& text) {
  if (text.empty()) return "```mapping\n# (empty: Legion's default mapper policy)\n```\n";
  std::string body = text.size() > kMaxMapper
                         ? text.substr(0, kMaxMapper) + "\n# [... the rest is left out]\n"
                         : text;
  if (body.back() != '\n') body += '\n';
  return "```mapping\n" + body + "```\n";
}

std::string feedback_text(const Feedback& f) {
  std::string out = "Outcome: " + f.outcome + "\n";
  if (!f.explanation.empty()) {
    out += "Explanation:\n" + f.explanation;
    if (out.back() != '\n') out += '\n';
  }
  return out + "Suggestion: " + f.suggestion + "\n";
}

std::string entry_title(const HistoryEntry& e) {
  return e.number ? fmt::format("#{}, {}", e.number, e.source) : e.source;
}

/// Every partition a launch inside a loop uses (the ones the time depends on), in order.
void loop_partitions(const app::App& a, const std::vector<app::Step>& steps, bool in_loop,
                     std::vector<std::uint32_t>& out) {
  for (const app::Step& s : steps) {
    if (s.kind == app::Step::Kind::Loop) {
      loop_partitions(a, s.body, true, out);
      continue;
    }
    const app::Launch& l = a.launches[s.launch];
    if (in_loop)
      for (const app::Requirement& r : l.reqs)
        if (auto p = a.find_partition(r.partition))
          if (std::find(out.begin(), out.end(), *p) == out.end()) out.push_back(*p);
    loop_partitions(a, l.body, in_loop, out);
  }
}

/// "(0, 1, 0)": a piece's color (first dimension fastest).
std::string color_text(const app::Partition& p, std::size_t i) {
  std::vector<std::int64_t> c;
  for (std::int64_t e : p.colors) {
    c.push_back(static_cast<std::int64_t>(i) % e);
    i /= static_cast<std::size_t>(e);
  }
  return tuple_text(c);
}

/// Which pieces of two partitions of one region hold the same data, for the partitions the
/// loops use: what decides where a task's data is (a piece written by one launch and read, as a
/// piece of another partition, by the next).
std::string aliasing_text(const app::App& a) {
  constexpr std::size_t kMaxPieces = 16;
  std::vector<std::uint32_t> used;
  loop_partitions(a, a.program, false, used);
  std::string out;
  for (std::uint32_t pi : used) {
    const app::Partition& p = a.partitions[pi];
    if (p.pieces.size() > kMaxPieces) continue;
    for (std::uint32_t qi : used) {
      const app::Partition& q = a.partitions[qi];
      if (qi == pi || q.region != p.region || q.pieces.size() > kMaxPieces) continue;
      std::vector<std::string> items;
      bool any = false;
      for (std::size_t i = 0; i < p.pieces.size(); ++i) {
        const std::set<std::uint32_t> mine(p.pieces[i].begin(), p.pieces[i].end());
        std::vector<std::string> equal, within, overlap;
        std::set<std::uint32_t> covered;
        for (std::size_t j = 0; j < q.pieces.size(); ++j) {
          const std::set<std::uint32_t> theirs(q.pieces[j].begin(), q.pieces[j].end());
          std::size_t common = 0;
          for (std::uint32_t x : theirs)
            common += mine.count(x);
          if (common == 0) continue;
          covered.insert(theirs.begin(), theirs.end());
          if (common == mine.size() && common == theirs.size())
            equal.push_back(color_text(q, j));
          else if (common == mine.size())
            within.push_back(color_text(q, j));
          else
            overlap.push_back(color_text(q, j));
        }
        if (equal.empty() && within.empty() && overlap.empty()) continue;
        any = true;
        std::string rel = !equal.empty()    ? "= " + join(equal, " ")
                          : !within.empty() ? "within " + join(within, " ")
                                            : "overlaps " + join(overlap, " ");
        if (equal.empty() && within.empty() && !overlap.empty() && overlap.size() > 1) {
          bool all_in = std::all_of(mine.begin(), mine.end(),
                                    [&](std::uint32_t x) { return covered.count(x) > 0; });
          if (all_in) rel = "within the union of " + join(overlap, " ");
        }
        items.push_back(fmt::format("{} {}", color_text(p, i), rel));
      }
      if (any)
        out += fmt::format("- {} pieces, against {}: {}\n", p.name, q.name, join(items, "; "));
    }
  }
  if (out.empty()) return "";
  return "Pieces of different partitions that hold the same data (a piece written through one "
         "partition and read through another is copied unless both tasks run where it is):\n" +
         out;
}

}  // namespace

std::string system_prompt() {
  return fmt::format(
      "You are an expert in Legion task-based programs and their mappers. You write mappers in "
      "the mapping language described below: a mapper decides which processor kind runs each "
      "task, which memory holds each region argument and how it is laid out, and on which "
      "processor each point of an index launch runs. Your goal is a mapper that makes the "
      "application described by the user run faster on the machine described by the user.\n"
      "Every mapper you propose is checked against the application and the machine, and its "
      "time per iteration of the application's timed region is predicted by a simulator. You "
      "get back the outcome, an explanation and a suggestion for each candidate.\n\n"
      "# The mapping language\n\n{}",
      language_reference());
}

std::string app_summary(const app::App& a) {
  std::string out = "Application " + a.name;
  if (!a.params.empty()) {
    out += " (";
    for (std::size_t i = 0; i < a.params.size(); ++i)
      out += fmt::format("{}{}={}", i ? ", " : "", a.params[i].first, a.params[i].second);
    out += ")";
  }
  out += ".\nRegions (extents × bytes per element):\n";
  for (std::size_t r = 0; r < a.regions.size(); ++r) {
    const app::Region& reg = a.regions[r];
    const std::uint64_t eb = element_bytes(reg, {});
    out += fmt::format("- {} {} × {} B = {}", reg.name, tuple_text(reg.extents), eb,
                       bytes_text(static_cast<double>(eb) * static_cast<double>(reg.volume())));
    std::string parts;
    for (const app::Partition& p : a.partitions)
      if (p.region == r)
        parts += fmt::format("{}{} ({} pieces{})", parts.empty() ? "" : ", ", p.name,
                             p.piece_count(), p.disjoint ? "" : ", aliased");
    out += parts.empty() ? "\n" : "; partitions: " + parts + "\n";
  }
  // Tasks grouped by the processor kinds they have variants for (and what their variants need).
  out +=
      "Tasks, by the processor kinds they have variants for (inner: launches subtasks, "
      "touches no data):\n";
  std::vector<std::pair<std::string, std::string>> groups;  // (kinds, task names)
  for (const app::Task& t : a.tasks) {
    std::string kinds;
    bool inner = false;
    for (const app::Variant& v : t.variants) {
      kinds += fmt::format("{}{}", kinds.empty() ? "" : ", ", to_string(v.kind));
      inner = inner || v.inner;
      std::vector<std::string> needs;
      if (v.needs_soa) needs.push_back(*v.needs_soa ? "needs SOA" : "needs AOS");
      if (v.needs_c_order) needs.push_back(*v.needs_c_order ? "needs C_order" : "needs F_order");
      if (!needs.empty()) kinds += " (" + join(needs, "; ") + ")";
    }
    const std::string name = t.name + (inner ? " (inner)" : "");
    auto it =
        std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == kinds; });
    if (it == groups.end())
      groups.emplace_back(kinds, name);
    else
      it->second += ", " + name;
  }
  for (const auto& [kinds, names] : groups)
    out += fmt::format("- {}: {}\n", kinds, names);
  out +=
      "Launches in program order (region arguments: index, name[the piece a point uses], "
      "privilege, size per point; set-up outside loops in brief):\n";
  launches_text(out, a, a.program, 0, false);
  return out + aliasing_text(a);
}

/// Which processors sit on which socket of a node, and how GPUs copy to one another.
std::string topology_text(const machine::Machine& m) {
  std::string out;
  const std::uint32_t sockets = m.sockets_per_node();
  std::vector<std::string> per_socket(sockets);
  for (ProcKind k : {ProcKind::GPU, ProcKind::CPU}) {
    for (std::uint32_t s = 0; s < sockets; ++s) {
      std::vector<std::uint32_t> ids;
      for (const machine::Processor& p : m.processors())
        if (p.node == 0 && p.kind == k && p.socket == s) ids.push_back(p.node_index);
      if (ids.empty()) continue;
      std::string list = ids.size() > 2 && ids.back() - ids.front() + 1 == ids.size()
                             ? fmt::format("{}-{}", ids.front(), ids.back())
                             : join_numbers(ids);
      per_socket[s] +=
          fmt::format("{}{} {}", per_socket[s].empty() ? "" : ", ", to_string(k), list);
    }
  }
  out += "Topology of each node:";
  for (std::uint32_t s = 0; s < sockets; ++s)
    out += fmt::format("{} socket {} has {}", s ? ";" : "", s, per_socket[s]);
  out += fmt::format(
      " (processors numbered within the node; Machine(K)[a, i] is processor i of "
      "address space a, {} address space{} per node).",
      m.ranks_per_node(), m.ranks_per_node() == 1 ? "" : "s");
  if (m.has_kind(ProcKind::GPU)) {
    const machine::NodeSpec& n = m.spec().node;
    double pcie = 0, bus = 0, bus_out = 0;
    for (const machine::LinkSpec& l : n.links) {
      if (l.kind == machine::ChannelKind::PCIE) pcie = l.bandwidth;
      if (l.kind == machine::ChannelKind::SOCKET_BUS) {
        bus = l.io_bandwidth > 0 ? l.io_bandwidth : l.bandwidth;
        bus_out = l.io_bandwidth_to_host > 0 ? l.io_bandwidth_to_host : bus;
      }
    }
    const std::string bus_text =
        bus_out == bus
            ? fmt::format(" at the {:.3g} GB/s it leaves to PCIe traffic", bus / 1e9)
            : fmt::format(
                  ", which leaves PCIe traffic {:.3g} GB/s out of a GPU and {:.3g} GB/s into one",
                  bus_out / 1e9, bus / 1e9);
    switch (n.gpu_peers) {
      case machine::GpuPeers::ALL:
        out += " All GPUs of a node copy to one another directly (peer to peer).";
        break;
      case machine::GpuPeers::SOCKET:
        out += fmt::format(
            " GPUs on the same socket copy to one another directly over PCIe ({:.3g} GB/s); "
            "GPUs on different sockets copy through host memory, across the socket bus{}.",
            pcie / 1e9, bus_text);
        break;
      case machine::GpuPeers::NONE:
        out += " GPUs copy to one another through host memory.";
        break;
    }
  }
  return out + "\n";
}

std::string machine_summary(const machine::Machine& m) {
  std::string summary = m.summary();
  // The topology below says how GPUs copy; the summary's own sentence on it would repeat it.
  const std::size_t gpu_copies = summary.find(" GPU-to-GPU copies");
  if (gpu_copies != std::string::npos) summary.erase(gpu_copies);
  std::string out = summary + "\n" + topology_text(m) + "Machine spaces:";
  bool first = true;
  for (ProcKind k : kAllProcKinds) {
    if (k == ProcKind::UTIL || !m.has_kind(k)) continue;
    out += fmt::format("{} Machine({}) has size ({}, {})", first ? "" : ",", to_string(k),
                       m.address_spaces(), m.count(k, 0));
    first = false;
  }
  return out + ".\n";
}

std::string user_prompt(const PromptInput& in) {
  std::string out = "# Application\n\n" + app_summary(*in.app);
  out += "\n# Machine\n\n" + machine_summary(*in.machine);
  out += "\n# Best mapper so far\n\n";
  out += fmt::format("{}:\n", in.current_label) + fenced(in.current) +
         feedback_text(in.current_feedback);
  if (in.expert_s || in.default_s) {
    out += "References:";
    if (in.expert_s)
      out += fmt::format(" the expert mapper takes {} per iteration;", time_text(*in.expert_s));
    if (in.default_s)
      out += fmt::format(" Legion's default policy (an empty mapper) takes {} per iteration;",
                         time_text(*in.default_s));
    out.back() = '.';
    out += '\n';
  }
  if (!in.default_failure.empty())
    out += fmt::format("Legion's default policy (an empty mapper) fails: {}\n", in.default_failure);
  if (!in.history.empty()) {
    out +=
        "\n# History\n\nThe candidates so far, oldest first, each with its outcome, an "
        "explanation and a suggestion.\n";
    const std::size_t n = in.history.size();
    const std::size_t full_from = n > in.shown ? n - in.shown : 0;
    const std::size_t lines_from = full_from > kMaxOneLiners ? full_from - kMaxOneLiners : 0;
    if (lines_from > 0) out += fmt::format("({} earlier entries left out.)\n", lines_from);
    for (std::size_t i = lines_from; i < full_from; ++i)
      out += fmt::format("- {}: {}\n", entry_title(in.history[i]), in.history[i].feedback.outcome);
    for (std::size_t i = full_from; i < n; ++i) {
      const HistoryEntry& e = in.history[i];
      out += fmt::format("\n## {}\n\n", entry_title(e));
      if (e.mapper) out += fenced(*e.mapper);
      out += feedback_text(e.feedback);
    }
  }
  out += "\n# Task\n\n";
  out += fmt::format(
      "Propose one new mapper for {} on {} that takes less time per iteration than the best "
      "so far. Act on the feedback: change what it points at and keep what works. Do not "
      "propose a mapper that is already above.\n",
      in.app->name, in.machine->name());
  return out;
}

std::string format_instructions(bool structured) {
  if (!structured)
    return "Reply with the whole new mapper in one fenced code block that starts with "
           "```mapping, after one or two sentences that say what you changed and why. The "
           "mapper is the whole program, not a change to the best one.\n";
  std::string out =
      "Reply with a JSON object: \"explanation\", one or two sentences that say what you "
      "changed and why, and \"blocks\", one string of mapping-language text per decision block "
      "(\"\" for a block without statements):\n";
  for (std::size_t k = 0; k < kBlocks; ++k)
    out += fmt::format("- {}: {}\n", block_key(static_cast<Block>(k)),
                       block_contents(static_cast<Block>(k)));
  return out +
         "The blocks together are the whole new mapper, not a change to the best one: "
         "copy the blocks you keep.\n";
}

std::string reply_schema() {
  nlohmann::ordered_json blocks = {{"type", "object"}};
  nlohmann::ordered_json props = nlohmann::ordered_json::object();
  nlohmann::ordered_json required = nlohmann::ordered_json::array();
  for (std::size_t k = 0; k < kBlocks; ++k) {
    const std::string key(block_key(static_cast<Block>(k)));
    props[key] = {{"type", "string"}};
    required.push_back(key);
  }
  blocks["properties"] = props;
  blocks["required"] = required;
  blocks["additionalProperties"] = false;
  nlohmann::ordered_json schema = {
      {"type", "object"},
      {"properties", {{"explanation", {{"type", "string"}}}, {"blocks", blocks}}},
      {"required", {"explanation", "blocks"}},
      {"additionalProperties", false}};
  return schema.dump();
}

std::string repair_prompt(const std::vector<dsl::Diagnostic>& errors) {
  std::string out =
      "The mapper in your reply does not check against the application and the "
      "machine:\n\n";
  std::size_t shown = 0;
  for (const dsl::Diagnostic& d : errors) {
    if (d.severity != dsl::Severity::Error) continue;
    if (shown++ == kMaxRepairErrors) continue;
    out += dsl::render(d);
  }
  if (shown > kMaxRepairErrors)
    out += fmt::format("... and {} more errors\n", shown - kMaxRepairErrors);
  return out + "\nReply again with the whole corrected mapper, in the same format.\n";
}

}  // namespace mapsmith::agent
