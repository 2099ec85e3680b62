#pragma once
/// The machine as the mapping language's evaluator sees it inside a running Legion program: the
/// processors Legion reports, by kind and node, and machine spaces over them. The
/// transformations themselves are machine::Space's, so the runtime mapper, `mapsmith explain`
/// and the simulator agree on every index.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dsl/value.h"
#include "legion.h"
#include "util/kinds.h"

namespace mapsmith::legion {

/// The Legion kind of a language kind, if Legion has one (UTIL has UTIL_PROC; PROC is PROC_SET).
Legion::Processor::Kind legion_kind(ProcKind k);
/// The language kind of a Legion processor kind, if the language has one.
std::optional<ProcKind> language_kind(Legion::Processor::Kind k);
/// The Legion memory kind; VIRTUAL (a virtual mapping, no memory) is NO_MEMKIND.
Legion::Memory::Kind legion_kind(MemKind k);

/// The processors of each kind on each node (address space), in Legion's order of IDs: processor
/// i of a kind on node n is the language's processor (n, i).
class ProcTable {
 public:
  explicit ProcTable(Legion::Machine machine);

  unsigned nodes() const { return nodes_; }
  /// The processors of `kind` on `node` (empty when there are none).
  const std::vector<Legion::Processor>& on_node(Legion::Processor::Kind kind, unsigned node) const;
  bool has_kind(Legion::Processor::Kind kind) const { return procs_.count(kind) > 0; }
  /// The Legion processor a language processor names; NO_PROC when there is none.
  Legion::Processor processor(const dsl::ProcValue& v) const;
  /// The language value of a Legion processor, when its kind is one the language knows.
  std::optional<dsl::ProcValue> value_of(Legion::Processor p) const;

 private:
  std::map<Legion::Processor::Kind, std::vector<std::vector<Legion::Processor>>> procs_;
  unsigned nodes_ = 1;
};

/// The evaluator's view of the machine a Legion program runs on.
class LegionHost final : public dsl::EvalHost {
 public:
  LegionHost(Legion::Machine machine, const ProcTable& procs) : machine_(machine), procs_(procs) {}
  /// Machine(KIND): (nodes, processors of KIND per node); of size (nodes, 0) when there are none,
  /// so that `m.volume > 0` can test for a kind.
  dsl::SpacePtr machine(ProcKind kind, std::string& why) override;
  bool has_memory(const dsl::ProcValue& p, MemKind m) override;
  /// print(...) goes to Legion's "mapsmith" logger.
  void print(std::string_view line) override;

 private:
  Legion::Machine machine_;
  const ProcTable& procs_;
};

}  // namespace mapsmith::legion
