#pragma once
/// Run-time values of the mapping language (dsl.md §3) and the narrow interface through which
/// the evaluator reaches a machine: the language knows machine spaces only through SpaceValue,
/// which mapping/ implements over the machine model, so dsl/ depends on no machine.
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dsl/types.h"
#include "util/kinds.h"

namespace mapsmith::dsl {

/// A processor: its kind and its place in the base space Machine(kind) = (node, index in node).
struct ProcValue {
  ProcKind kind = ProcKind::CPU;
  std::int64_t node = 0;
  std::int64_t local = 0;
  friend bool operator==(const ProcValue&, const ProcValue&) = default;
};

/// A machine space. Implementations are immutable.
class SpaceValue {
 public:
  virtual ~SpaceValue() = default;
  virtual ProcKind kind() const = 0;
  virtual const std::vector<std::int64_t>& size() const = 0;
  /// Applies the transformation `method` (dsl.md §4) with its integer arguments and, for the
  /// splits that take a launch domain, `tuple`. Returns null and sets `why` when it does not fit.
  virtual std::shared_ptr<const SpaceValue> transform(std::string_view method,
                                                      std::span<const std::int64_t> ints,
                                                      std::span<const std::int64_t> tuple,
                                                      std::string& why) const = 0;
  /// The processor at a full, in-range index.
  virtual ProcValue at(std::span<const std::int64_t> index) const = 0;
  /// A description for messages: "Machine(GPU).merge(0, 1)".
  virtual std::string describe() const = 0;
};
using SpacePtr = std::shared_ptr<const SpaceValue>;

/// What the mapping functions see of a task: `task.ipoint`, `task.ispace`, `task.parent`, and
/// the processor it was given (for `task.processor(m)`).
struct TaskView {
  std::string_view name;
  std::vector<std::int64_t> ipoint;
  std::vector<std::int64_t> ispace;
  const TaskView* parent = nullptr;
  bool has_processor = false;
  ProcValue processor;
};

struct Value {
  Type type = Type::Unknown;
  std::int64_t i = 0;               // Int, Bool, ProcKind / MemKind (as the enum's value)
  std::vector<std::int64_t> tuple;  // Tuple
  SpacePtr space;                   // Space
  ProcValue proc;                   // Proc
  const TaskView* task = nullptr;   // Task

  static Value of_int(std::int64_t v) { return Value{Type::Int, v, {}, {}, {}, nullptr}; }
  static Value of_bool(bool v) { return Value{Type::Bool, v ? 1 : 0, {}, {}, {}, nullptr}; }
  static Value of_tuple(std::vector<std::int64_t> t) {
    return Value{Type::Tuple, 0, std::move(t), {}, {}, nullptr};
  }
  static Value of_space(SpacePtr s) { return Value{Type::Space, 0, {}, std::move(s), {}, nullptr}; }
  static Value of_proc(ProcValue p) { return Value{Type::Proc, 0, {}, {}, p, nullptr}; }
  static Value of_task(const TaskView* t) { return Value{Type::Task, 0, {}, {}, {}, t}; }
  static Value of_kind(ProcKind k) {
    return Value{Type::ProcKind, static_cast<std::int64_t>(k), {}, {}, {}, nullptr};
  }
  static Value of_kind(MemKind k) {
    return Value{Type::MemKind, static_cast<std::int64_t>(k), {}, {}, {}, nullptr};
  }
};

/// How a value prints in `print` and in messages: 3, True, (1, 2), Machine(GPU) of size (2, 4),
/// GPU 1 of node 0.
std::string to_string(const Value& v);
std::string tuple_text(std::span<const std::int64_t> t);

/// What the evaluator needs from the machine.
class EvalHost {
 public:
  virtual ~EvalHost() = default;
  /// The space Machine(kind); null with `why` set when the machine has no such processors.
  virtual SpacePtr machine(ProcKind kind, std::string& why) = 0;
  /// Whether the processor can reach a memory of that kind.
  virtual bool has_memory(const ProcValue& p, MemKind m) = 0;
  /// Output of `print(...)`: a line for the tool's log.
  virtual void print(std::string_view line) { (void)line; }
};

}  // namespace mapsmith::dsl
