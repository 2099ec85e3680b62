#pragma once
/// The processor and memory kinds shared by the language, the machine model and the decisions.
/// Names are the mapping language's (dsl.md §1); UTIL is Legion's utility processor, which the
/// language cannot name but a machine has.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mapsmith {

enum class ProcKind : std::uint8_t { CPU, GPU, OMP, IO, PY, PROC, UTIL };
enum class MemKind : std::uint8_t { SYSMEM, FBMEM, ZCMEM, RDMEM, SOCKMEM, VIRTUAL };

inline constexpr std::array<ProcKind, 7> kAllProcKinds = {
    ProcKind::CPU, ProcKind::GPU, ProcKind::OMP, ProcKind::IO,
    ProcKind::PY,  ProcKind::PROC, ProcKind::UTIL};
inline constexpr std::array<MemKind, 6> kAllMemKinds = {MemKind::SYSMEM, MemKind::FBMEM,
                                                        MemKind::ZCMEM,  MemKind::RDMEM,
                                                        MemKind::SOCKMEM, MemKind::VIRTUAL};

constexpr std::string_view to_string(ProcKind k) {
  constexpr std::array<std::string_view, 7> names = {"CPU", "GPU", "OMP", "IO",
                                                     "PY",  "PROC", "UTIL"};
  return names[static_cast<std::size_t>(k)];
}
constexpr std::string_view to_string(MemKind k) {
  constexpr std::array<std::string_view, 6> names = {"SYSMEM", "FBMEM",   "ZCMEM",
                                                     "RDMEM",  "SOCKMEM", "VIRTUAL"};
  return names[static_cast<std::size_t>(k)];
}

/// Parses a kind name exactly as the language spells it ("GPU", "UTIL"); nullopt otherwise.
constexpr std::optional<ProcKind> parse_proc_kind(std::string_view s) {
  for (ProcKind k : kAllProcKinds)
    if (to_string(k) == s) return k;
  return std::nullopt;
}
constexpr std::optional<MemKind> parse_mem_kind(std::string_view s) {
  for (MemKind k : kAllMemKinds)
    if (to_string(k) == s) return k;
  return std::nullopt;
}

}  // namespace mapsmith
