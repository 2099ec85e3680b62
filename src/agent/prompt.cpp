#include "agent/prompt.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "agent/program.h"
#include "agent/reference.h"

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

std::string arg_text(const app::App& a, std::size_t k, const app::RegionArg& arg,
                     const app::Requirement* req) {
  std::string name = arg.display_name();
  if (!arg.root.empty() && arg.root != name) name += " of " + arg.root;
  std::string out = fmt::format("{} {} {}", k, name, app::to_string(arg.privilege));
  if (req) out += " " + bytes_text(requirement_bytes(a, *req));
  return out;
}

void launches_text(std::string& out, const app::App& a, const std::vector<app::Step>& steps,
                   int indent) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  for (const app::Step& s : steps) {
    if (s.kind == app::Step::Kind::Loop) {
      out += fmt::format("{}- loop {} × {}:\n", pad, s.var, s.count);
      launches_text(out, a, s.body, indent + 2);
      continue;
    }
    const app::Launch& l = a.launches[s.launch];
    const app::Task& t = a.task(l.task);
    out += fmt::format("{}- {}: {}", pad, t.name,
                       l.index ? "index launch over " + tuple_text(l.domain) : "single launch");
    if (l.flops > 0) out += fmt::format(", {} per point", flops_text(l.flops));
    const std::vector<app::RegionArg>& args = l.effective_args(t);
    if (!args.empty()) {
      out += "; arguments:";
      for (std::size_t k = 0; k < args.size(); ++k)
        out += (k ? ", " : " ") + arg_text(a, k, args[k], k < l.reqs.size() ? &l.reqs[k] : nullptr);
    }
    out += '\n';
    launches_text(out, a, l.body, indent + 2);
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

}  // namespace

std::string system_prompt() {
  return fmt::format(
      "You are an expert in Legion task-based programs and their mappers. You write mappers in "
      "the mapping language described below: a mapper decides which processor kind runs each "
      "task, which memory holds each region argument and how it is laid out, and on which "
      "processor each point of an index launch runs. Your goal is a mapper that makes the "
      "application described by the user run faster on the machine described by the user.\n"
      "Every mapper you propose is checked against the application and the machine, and its "
      "time per iteration of the main loop is predicted by a simulator. You get back the "
      "outcome, an explanation and a suggestion for each candidate.\n\n"
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
  out += "Tasks (the processor kinds they have variants for):\n";
  for (const app::Task& t : a.tasks) {
    std::string kinds;
    for (const app::Variant& v : t.variants) {
      kinds += fmt::format("{}{}", kinds.empty() ? "" : ", ", to_string(v.kind));
      std::vector<std::string> needs;
      if (v.inner) needs.push_back("inner: launches subtasks, touches no data");
      if (v.needs_soa) needs.push_back(*v.needs_soa ? "needs SOA" : "needs AOS");
      if (v.needs_c_order) needs.push_back(*v.needs_c_order ? "needs C_order" : "needs F_order");
      for (std::size_t i = 0; i < needs.size(); ++i)
        kinds +=
            fmt::format("{}{}", i ? "; " : " (", needs[i]) + (i + 1 == needs.size() ? ")" : "");
    }
    out += fmt::format("- {}: {}\n", t.name, kinds);
  }
  out += "Launches in program order (region arguments: index, name, privilege, size per point):\n";
  launches_text(out, a, a.program, 0);
  return out;
}

std::string machine_summary(const machine::Machine& m) {
  std::string out = m.summary() + "\nMachine spaces:";
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
