#pragma once
/// The machine as the language's evaluator sees it: machine spaces over machine::Space, and
/// processor-to-memory reachability from the machine model.
#include <memory>
#include <string>
#include <vector>

#include "dsl/value.h"
#include "machine/machine.h"
#include "machine/space.h"

namespace mapsmith::mapping {

/// A dsl::SpaceValue over a machine::Space.
class MachineSpace final : public dsl::SpaceValue {
 public:
  explicit MachineSpace(machine::Space s) : s_(std::move(s)) {}
  ProcKind kind() const override { return s_.kind(); }
  const std::vector<std::int64_t>& size() const override { return s_.size(); }
  std::shared_ptr<const dsl::SpaceValue> transform(std::string_view method,
                                                   std::span<const std::int64_t> ints,
                                                   std::span<const std::int64_t> tuple,
                                                   std::string& why) const override;
  dsl::ProcValue at(std::span<const std::int64_t> index) const override;
  std::string describe() const override { return s_.describe(); }
  const machine::Space& space() const { return s_; }

 private:
  machine::Space s_;
};

/// The evaluator's view of one machine. `print` output is collected in `log`, up to
/// kMaxLogBytes (a print in a mapping function runs once per point); `dropped` counts the lines
/// past that.
class MachineHost final : public dsl::EvalHost {
 public:
  static constexpr std::size_t kMaxLogBytes = std::size_t{1} << 20;

  explicit MachineHost(const machine::Machine& m) : m_(m) {}
  dsl::SpacePtr machine(ProcKind kind, std::string& why) override;
  bool has_memory(const dsl::ProcValue& p, MemKind k) override;
  void print(std::string_view line) override;

  /// The machine processor a language processor value names (asserts it exists).
  machine::ProcId proc_id(const dsl::ProcValue& p) const;
  /// The language value of a machine processor.
  dsl::ProcValue proc_value(machine::ProcId id) const;

  std::vector<std::string> log;
  std::size_t dropped = 0;

 private:
  const machine::Machine& m_;
  std::size_t log_bytes_ = 0;
};

}  // namespace mapsmith::mapping
