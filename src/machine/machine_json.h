#pragma once
/// The machine JSON format (docs/machine-format.md): a MachineSpec, field by field, with
/// `"format": 1`. Loading checks everything and names the file and the JSON path of the first
/// problem; dumping is deterministic, so dump(load(dump(m))) == dump(m) byte for byte.
#include <string>
#include <string_view>

#include "machine/machine.h"

namespace mapsmith::machine {

/// The format version this build reads and writes.
inline constexpr int kMachineFormat = 1;

/// Parses and checks a machine file's text. `filename` only labels messages. Throws InputError
/// "FILE:LINE:COL: not valid JSON: ..." or "FILE: $.PATH: MESSAGE". A missing "name" defaults
/// to the file's stem.
MachineSpec parse_machine_json(std::string_view text, std::string_view filename);

/// `Machine::seal(parse_machine_json(text, filename))`.
Machine load_machine_json(std::string_view text, std::string_view filename);

/// The spec as pretty JSON (2-space indent, keys in the documented order, trailing newline).
std::string dump_machine_json(const MachineSpec& spec);
std::string dump_machine_json(const Machine& m);

/// What the CLI calls wherever a machine is named: a path ending in ".json" is read and loaded,
/// anything else is a preset (presets.h).
Machine load_machine(std::string_view spec);

}  // namespace mapsmith::machine
