#include "mapping/host.h"

#include <fmt/format.h>

#include "util/error.h"

namespace mapsmith::mapping {

std::shared_ptr<const dsl::SpaceValue> MachineSpace::transform(std::string_view method,
                                                               std::span<const std::int64_t> ints,
                                                               std::span<const std::int64_t> tuple,
                                                               std::string& why) const {
  auto need = [&](std::size_t n) {
    if (ints.size() == n) return true;
    why = fmt::format("{} takes {} integer argument{}", method, n, n == 1 ? "" : "s");
    return false;
  };
  std::optional<machine::Space> out;
  if (method == "merge") {
    if (need(2)) out = s_.merge(ints[0], ints[1], why);
  } else if (method == "split") {
    if (need(2)) out = s_.split(ints[0], ints[1], why);
  } else if (method == "swap") {
    if (need(2)) out = s_.swap(ints[0], ints[1], why);
  } else if (method == "slice") {
    if (need(3)) out = s_.slice(ints[0], ints[1], ints[2], why);
  } else if (method == "reverse") {
    if (need(1)) out = s_.reverse(ints[0], why);
  } else if (method == "balance_split") {
    if (need(2)) out = s_.balance_split(ints[0], ints[1], why);
  } else if (method == "auto_split" || method == "decompose" || method == "greedy_split") {
    if (need(1)) {
      if (method == "greedy_split")
        out = s_.greedy_split(ints[0], tuple, why);
      else if (method == "decompose")
        out = s_.decompose(ints[0], tuple, why);
      else
        out = s_.auto_split(ints[0], tuple, why);
    }
  } else {
    why = fmt::format("unknown transformation '{}'", method);
  }
  if (!out) {
    // machine::Space starts its reasons with the method's name ("split: factor 3 ..."), which
    // the evaluator's message already gives ("cannot apply split to ...: ").
    const std::string prefix = fmt::format("{}: ", method);
    if (why.starts_with(prefix)) why.erase(0, prefix.size());
    return nullptr;
  }
  return std::make_shared<MachineSpace>(std::move(*out));
}

dsl::ProcValue MachineSpace::at(std::span<const std::int64_t> index) const {
  auto base = s_.to_base(index);
  return dsl::ProcValue{s_.kind(), base[0], base[1]};
}

void MachineHost::print(std::string_view line) {
  if (log_bytes_ + line.size() > kMaxLogBytes) {
    ++dropped;
    return;
  }
  log_bytes_ += line.size();
  log.emplace_back(line);
}

dsl::SpacePtr MachineHost::machine(ProcKind kind, std::string& why) {
  if (kind == ProcKind::UTIL) {
    why = "Machine(UTIL): utility processors cannot run tasks";
    return nullptr;
  }
  std::uint32_t per = m_.count(kind, 0);
  if (per == 0) {
    why = fmt::format("Machine({}): the machine {} has no {} processors", to_string(kind),
                      m_.name(), to_string(kind));
    return nullptr;
  }
  return std::make_shared<MachineSpace>(
      machine::Space::base(kind, m_.address_spaces(), static_cast<std::int64_t>(per)));
}

machine::ProcId MachineHost::proc_id(const dsl::ProcValue& p) const {
  return m_.proc(p.kind, static_cast<std::uint32_t>(p.node), static_cast<std::uint32_t>(p.local));
}

dsl::ProcValue MachineHost::proc_value(machine::ProcId id) const {
  const machine::Processor& p = m_.processor(id);
  return dsl::ProcValue{p.kind, p.address_space, p.local_index};
}

bool MachineHost::has_memory(const dsl::ProcValue& p, MemKind k) {
  return m_.reaches(proc_id(p), k);
}

}  // namespace mapsmith::mapping
