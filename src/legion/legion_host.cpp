#include "legion/legion_host.h"

#include <fmt/format.h>

#include <algorithm>

#include "machine/space.h"

namespace mapsmith::legion {

using Legion::Memory;
using Legion::Processor;

namespace {

Legion::Logger log_mapsmith("mapsmith");

/// A dsl::SpaceValue over a machine::Space.
class LegionSpace final : public dsl::SpaceValue {
 public:
  explicit LegionSpace(machine::Space s) : s_(std::move(s)) {}
  ProcKind kind() const override { return s_.kind(); }
  const std::vector<std::int64_t>& size() const override { return s_.size(); }
  dsl::SpacePtr transform(std::string_view method, std::span<const std::int64_t> ints,
                          std::span<const std::int64_t> tuple, std::string& why) const override {
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
    } else if (method == "auto_split" || method == "decompose") {
      if (need(1)) out = s_.auto_split(ints[0], tuple, why);
    } else if (method == "greedy_split") {
      if (need(1)) out = s_.greedy_split(ints[0], tuple, why);
    } else {
      why = fmt::format("unknown transformation '{}'", method);
    }
    if (!out) return nullptr;
    return std::make_shared<LegionSpace>(std::move(*out));
  }
  dsl::ProcValue at(std::span<const std::int64_t> index) const override {
    auto base = s_.to_base(index);
    return dsl::ProcValue{s_.kind(), base[0], base[1]};
  }
  std::string describe() const override { return s_.describe(); }

 private:
  machine::Space s_;
};

/// Machine(KIND) on a machine without processors of KIND: (nodes, 0), and what transformations
/// make of it: spaces of volume 0 with the dimensions the transformation gives. Every index is
/// out of range, which the evaluator reports before asking for a processor, so a program can
/// build its spaces for every kind and test `m.volume > 0` before using one.
class EmptySpace final : public dsl::SpaceValue {
 public:
  EmptySpace(ProcKind kind, std::vector<std::int64_t> size) : kind_(kind), size_(std::move(size)) {}
  ProcKind kind() const override { return kind_; }
  const std::vector<std::int64_t>& size() const override { return size_; }
  dsl::SpacePtr transform(std::string_view method, std::span<const std::int64_t> ints,
                          std::span<const std::int64_t> tuple, std::string& why) const override {
    std::size_t n = size_.size();
    if (method == "merge" && n > 1) {
      --n;
    } else if (method == "split") {
      ++n;
    } else if (method == "balance_split" && ints.size() == 2 && ints[1] > 0) {
      n = n - 1 + static_cast<std::size_t>(ints[1]);
    } else if ((method == "auto_split" || method == "decompose" || method == "greedy_split") &&
               !tuple.empty()) {
      n = n - 1 + tuple.size();
    } else if (method != "swap" && method != "slice" && method != "reverse") {
      why = fmt::format("{}: this machine has no {} processors", method, to_string(kind_));
      return nullptr;
    }
    return std::make_shared<EmptySpace>(kind_, std::vector<std::int64_t>(n, 0));
  }
  dsl::ProcValue at(std::span<const std::int64_t>) const override { return {kind_, 0, 0}; }
  std::string describe() const override { return fmt::format("Machine({})", to_string(kind_)); }

 private:
  ProcKind kind_;
  std::vector<std::int64_t> size_;
};

}  // namespace

Processor::Kind legion_kind(ProcKind k) {
  switch (k) {
    case ProcKind::CPU:
      return Processor::LOC_PROC;
    case ProcKind::GPU:
      return Processor::TOC_PROC;
    case ProcKind::OMP:
      return Processor::OMP_PROC;
    case ProcKind::IO:
      return Processor::IO_PROC;
    case ProcKind::PY:
      return Processor::PY_PROC;
    case ProcKind::PROC:
      return Processor::PROC_SET;
    case ProcKind::UTIL:
      return Processor::UTIL_PROC;
  }
  return Processor::NO_KIND;
}

std::optional<ProcKind> language_kind(Processor::Kind k) {
  for (ProcKind pk : kAllProcKinds)
    if (legion_kind(pk) == k) return pk;
  return std::nullopt;
}

Memory::Kind legion_kind(MemKind k) {
  switch (k) {
    case MemKind::SYSMEM:
      return Memory::SYSTEM_MEM;
    case MemKind::FBMEM:
      return Memory::GPU_FB_MEM;
    case MemKind::ZCMEM:
      return Memory::Z_COPY_MEM;
    case MemKind::RDMEM:
      return Memory::REGDMA_MEM;
    case MemKind::SOCKMEM:
      return Memory::SOCKET_MEM;
    case MemKind::VIRTUAL:
      return Memory::NO_MEMKIND;
  }
  return Memory::NO_MEMKIND;
}

ProcTable::ProcTable(Legion::Machine machine) {
  Legion::Machine::ProcessorQuery all(machine);
  for (Processor p : all)
    nodes_ = std::max(nodes_, static_cast<unsigned>(p.address_space()) + 1);
  for (Processor p : all) {
    std::vector<std::vector<Processor>>& nodes = procs_[p.kind()];
    nodes.resize(nodes_);
    nodes[p.address_space()].push_back(p);
  }
  for (auto& [kind, nodes] : procs_)
    for (std::vector<Processor>& node : nodes)
      std::sort(node.begin(), node.end());
}

const std::vector<Processor>& ProcTable::on_node(Processor::Kind kind, unsigned node) const {
  static const std::vector<Processor> none;
  auto it = procs_.find(kind);
  return it == procs_.end() || node >= it->second.size() ? none : it->second[node];
}

Processor ProcTable::processor(const dsl::ProcValue& v) const {
  const std::vector<Processor>& node =
      on_node(legion_kind(v.kind), static_cast<unsigned>(std::max<std::int64_t>(v.node, 0)));
  if (v.local < 0 || v.local >= static_cast<std::int64_t>(node.size())) return Processor::NO_PROC;
  return node[static_cast<std::size_t>(v.local)];
}

std::optional<dsl::ProcValue> ProcTable::value_of(Processor p) const {
  auto kind = language_kind(p.kind());
  if (!kind) return std::nullopt;
  const std::vector<Processor>& node = on_node(p.kind(), p.address_space());
  auto it = std::find(node.begin(), node.end(), p);
  if (it == node.end()) return std::nullopt;
  return dsl::ProcValue{*kind, static_cast<std::int64_t>(p.address_space()),
                        static_cast<std::int64_t>(it - node.begin())};
}

dsl::SpacePtr LegionHost::machine(ProcKind kind, std::string& why) {
  if (kind == ProcKind::UTIL) {
    why = "Machine(UTIL): utility processors cannot run tasks";
    return nullptr;
  }
  const auto per = static_cast<std::int64_t>(procs_.on_node(legion_kind(kind), 0).size());
  const auto nodes = static_cast<std::int64_t>(procs_.nodes());
  if (per == 0) return std::make_shared<EmptySpace>(kind, std::vector<std::int64_t>{nodes, 0});
  return std::make_shared<LegionSpace>(machine::Space::base(kind, nodes, per));
}

bool LegionHost::has_memory(const dsl::ProcValue& p, MemKind m) {
  Processor proc = procs_.processor(p);
  if (!proc.exists()) return false;
  Legion::Machine::MemoryQuery memories(machine_);
  memories.only_kind(legion_kind(m)).has_affinity_to(proc);
  return memories.count() > 0;
}

void LegionHost::print(std::string_view line) {
  log_mapsmith.print() << line;
}

}  // namespace mapsmith::legion
