#pragma once
/// Built-in machines, named on the command line: `sapling`, `sapling-N`, `dgx-h100-N`, `cpu-N`,
/// each optionally followed by options, `sapling-2:ranks=4,omp=0`. Every figure comes from a
/// vendor data sheet cited in presets.cpp and tabulated in docs/machines.md.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "machine/machine.h"

namespace mapsmith::machine {

/// One family of presets, for `mapsmith machines` and for "did you mean" hints.
struct PresetInfo {
  std::string pattern;      ///< "sapling-N"
  std::string description;  ///< one line
};

/// Every family, in a stable order, followed by one entry that describes the options.
std::vector<PresetInfo> list_presets();

/// The spec of a preset: `NAME[-N][:OPTION=VALUE[,OPTION=VALUE]...]`. Options:
///  - `ranks=R`: processes per node; each kind's processors on a node are split evenly over the
///    ranks in order, so R must divide every count (sapling: 1, 2 or 4);
///  - `omp=K`: OMP processors per node (0 for none; default: one per socket, or one per rank when
///    there are more ranks than sockets); each drives an equal share of the node's CPU cores.
/// Throws InputError for an unknown name (with "did you mean"), a bad option or value, or a
/// rank count that does not divide the node.
MachineSpec preset_spec(std::string_view spec);

/// `Machine::seal(preset_spec(spec))`.
Machine make_machine(std::string_view spec);

}  // namespace mapsmith::machine
