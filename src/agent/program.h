#pragma once
/// What the agent needs to know about a mapping program: its decision blocks (the paper's
/// split of a mapper into independent parts), whether it parses, and its errors against an
/// application and a machine. This is the agent's one contact with the language's syntax tree
/// (program.cpp): everything else treats mappers as text.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/app.h"
#include "dsl/diagnostics.h"
#include "machine/machine.h"

namespace mapsmith::agent {

/// The decision blocks, in the order a program is reassembled from them. Statements of different
/// kinds never compete (dsl.md §5), so the order changes nothing but the globals, which are kept
/// in their order and ahead of the maps that call their functions.
enum class Block : std::uint8_t {
  Processors,      ///< Task, ControlReplicate
  Regions,         ///< Region
  Layouts,         ///< Layout
  InstanceLimits,  ///< InstanceLimit, CollectMemory
  Functions,       ///< global assignments, def, print
  IndexTaskMaps,   ///< IndexTaskMap
  SingleTaskMaps,  ///< SingleTaskMap
};
inline constexpr std::size_t kBlocks = 7;

/// "processors", "regions", "layouts", "instance_limits", "functions", "index_task_maps",
/// "single_task_maps": the keys of the structured reply.
std::string_view block_key(Block b);
/// What a block holds, in words, for the prompt: "Task and ControlReplicate statements".
std::string_view block_contents(Block b);

/// A program's text cut into blocks; each block is its statements in canonical form, one per
/// line, in their order in the program ("" for a block with none).
using Blocks = std::array<std::string, kBlocks>;

/// The blocks of `text`, or nothing when it does not parse. Comments are dropped.
std::optional<Blocks> split_blocks(const std::string& text);
/// The program the blocks make, blocks in the order of Block, each ending with a newline.
std::string assemble(const Blocks& blocks);

/// How many top-level statements `text` has when it parses without errors; nothing otherwise.
std::optional<std::size_t> statement_count(const std::string& text);

/// Every problem of `text` as a mapper of `app` on `machine`: syntax, the checker's, and the
/// checks against the application and the machine (unknown tasks and regions, memories a
/// processor cannot reach). Diagnostics name the file `name`. Warnings included.
std::vector<dsl::Diagnostic> check_mapper(const std::string& text, const app::App& app,
                                          const machine::Machine& machine,
                                          const std::string& name = "candidate.mapping");

}  // namespace mapsmith::agent
