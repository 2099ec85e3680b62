// The agent's only use of the syntax tree: statement kinds and source ranges, to cut a program
// into decision blocks, and the front end's checks. Keep it that way: when the AST changes, this
// file is the one to adapt.
#include "agent/program.h"

#include "dsl/ast.h"
#include "dsl/checker.h"
#include "dsl/parser.h"
#include "dsl/printer.h"
#include "mapping/check_against.h"

namespace mapsmith::agent {

namespace {

Block block_of(dsl::StmtKind k) {
  switch (k) {
    case dsl::StmtKind::Task:
    case dsl::StmtKind::ControlReplicate:
      return Block::Processors;
    case dsl::StmtKind::Region:
      return Block::Regions;
    case dsl::StmtKind::Layout:
      return Block::Layouts;
    case dsl::StmtKind::InstanceLimit:
    case dsl::StmtKind::CollectMemory:
      return Block::InstanceLimits;
    case dsl::StmtKind::IndexTaskMap:
      return Block::IndexTaskMaps;
    case dsl::StmtKind::SingleTaskMap:
      return Block::SingleTaskMaps;
    case dsl::StmtKind::Assign:
    case dsl::StmtKind::Def:
    case dsl::StmtKind::Print:
    case dsl::StmtKind::Return:
      return Block::Functions;
  }
  return Block::Functions;
}

}  // namespace

std::string_view block_key(Block b) {
  constexpr std::array<std::string_view, kBlocks> keys = {
      "processors", "regions",         "layouts",         "instance_limits",
      "functions",  "index_task_maps", "single_task_maps"};
  return keys[static_cast<std::size_t>(b)];
}

std::string_view block_contents(Block b) {
  constexpr std::array<std::string_view, kBlocks> words = {
      "Task and ControlReplicate statements",
      "Region statements",
      "Layout statements",
      "InstanceLimit and CollectMemory statements",
      "global assignments (m = Machine(GPU);) and the def functions the maps use",
      "IndexTaskMap statements",
      "SingleTaskMap statements"};
  return words[static_cast<std::size_t>(b)];
}

std::optional<Blocks> split_blocks(const std::string& text) {
  dsl::Diagnostics diags;
  dsl::Program p = dsl::parse_string(text, diags, "candidate.mapping");
  if (diags.has_errors()) return std::nullopt;
  // Cut the canonical text (no comments, one statement per line): each statement's range runs
  // from its first token to its last (';' or '}', one byte).
  p.comments.clear();
  const std::string canonical = dsl::format_program(p);
  dsl::Diagnostics again;
  const dsl::Program q = dsl::parse_string(canonical, again, "candidate.mapping");
  if (again.has_errors()) return std::nullopt;
  Blocks blocks;
  for (const dsl::Stmt& s : q.stmts) {
    const std::size_t from = s.begin, to = s.end + 1;
    blocks[static_cast<std::size_t>(block_of(s.kind))] += canonical.substr(from, to - from) + '\n';
  }
  return blocks;
}

std::string assemble(const Blocks& blocks) {
  std::string out;
  for (const std::string& b : blocks) {
    if (b.empty()) continue;
    out += b;
    if (out.back() != '\n') out += '\n';
  }
  return out;
}

std::optional<std::size_t> statement_count(const std::string& text) {
  dsl::Diagnostics diags;
  const dsl::Program p = dsl::parse_string(text, diags, "reply");
  if (diags.has_errors()) return std::nullopt;
  return p.stmts.size();
}

std::vector<dsl::Diagnostic> check_mapper(const std::string& text, const app::App& app,
                                          const machine::Machine& machine,
                                          const std::string& name) {
  dsl::Diagnostics diags;
  const dsl::Program p = dsl::parse_string(text, diags, name);
  if (!diags.has_errors()) {
    const dsl::ProgramInfo info = dsl::check(p, diags);
    if (!diags.has_errors()) mapping::check_against(p, info, &machine, &app, diags);
  }
  return diags.all();
}

}  // namespace mapsmith::agent
