#pragma once
/// The evaluator of expressions and functions (docs/language.md), with budgets so that a mapper
/// can never hang the tool or exhaust its memory: steps per top-level call, tuple elements built
/// per top-level call (the globals together count as one), and optionally the work of every call
/// of one Evaluator together (one mapper on one application). Errors are reported at the DSL line
/// that caused them.
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>

#include "dsl/ast.h"
#include "dsl/checker.h"
#include "dsl/diagnostics.h"
#include "dsl/value.h"

namespace mapsmith::dsl {

inline constexpr std::int64_t kDefaultStepBudget = 100'000;  // per top-level call
/// Tuple elements one top-level call may build or copy (and the globals together): 2^22 elements
/// are 32 MiB, and a tuple that doubles on every line stops after 22 lines instead of taking the
/// machine's memory. Copies count because each costs time and memory like a new tuple.
inline constexpr std::int64_t kMaxTupleElements = std::int64_t{1} << 22;
/// The work (steps plus tuple elements) of every call of one Evaluator together, for the tools
/// that evaluate a whole application's launches: about a second or two of evaluation. 0: none
/// (a long-lived mapper inside Legion).
inline constexpr std::int64_t kDefaultTotalBudget = 100'000'000;
inline constexpr std::int64_t kNoTotalBudget = 0;
inline constexpr int kMaxCallDepth = 64;
/// Expressions nested inside each other, counted across calls: each level costs C++ stack, and
/// kMaxCallDepth calls of bodies nested 200 deep (the parser's limit) would exhaust it.
inline constexpr int kMaxEvalDepth = 1000;

class Evaluator {
 public:
  /// `program` must have parsed and checked without errors; `info` is what check() returned.
  /// `total_budget` bounds the work of every call together (kNoTotalBudget: no bound).
  Evaluator(const Program& program, const ProgramInfo& info, EvalHost& host, Diagnostics& diags,
            std::int64_t step_budget = kDefaultStepBudget,
            std::int64_t total_budget = kNoTotalBudget);

  /// Evaluates the global bindings once, in order. Returns false (errors reported) on failure.
  bool run_globals();

  /// The value of a global binding after run_globals(), or null.
  const Value* global(std::string_view name) const;

  /// Calls a function with arguments. Returns nullopt after reporting an error.
  std::optional<Value> call(std::string_view function, std::span<const Value> args);

  /// Calls the mapping function `function` on `task` (IndexTaskMap / SingleTaskMap): the result
  /// must be a processor of kind `kind`. Errors name the task and its point; a result of the
  /// wrong type is reported at the `return` that produced it, naming the statement `used_by`
  /// (the IndexTaskMap or SingleTaskMap that called it) when given.
  std::optional<ProcValue> map_point(std::string_view function, const TaskView& task, ProcKind kind,
                                     const Stmt* used_by = nullptr);

  /// Evaluates one expression in the global scope (for tests and tools).
  std::optional<Value> eval_global_expr(ExprId id);

  /// The number of steps the last top-level evaluation took.
  std::int64_t last_steps() const { return steps_; }
  /// The work (steps and tuple elements) of every evaluation so far.
  std::int64_t total_work() const { return total_; }
  /// Whether the whole budget is spent: every further evaluation fails at once.
  bool spent() const { return total_budget_ > 0 && total_ > total_budget_; }

 private:
  struct Frame;
  Value eval(ExprId id, Frame* frame);
  /// Formats a print statement's line and hands it to the host.
  void run_print(const Stmt& s, Frame* frame);
  Value eval_binary(const Expr& e, Frame* frame);
  Value eval_index(const Expr& e, Frame* frame);
  Value eval_member(const Expr& e, Frame* frame);
  Value eval_call(const Expr& e, Frame* frame);
  Value invoke(const Stmt& def, std::vector<Value> args, std::uint32_t call_site);
  Value lookup(const Expr& e, Frame* frame);
  void tick(std::uint32_t pos);
  [[noreturn]] void over_total(std::uint32_t pos);
  /// Counts `n` tuple elements built or copied at `pos` against the budgets.
  void grow(std::uint32_t pos, std::size_t n);
  /// A copy of `v`, counted by grow().
  Value copied(std::uint32_t pos, const Value& v);
  std::int64_t want_int(ExprId id, const Value& v, std::string_view what);
  [[noreturn]] void fail(std::uint32_t pos, std::string message, std::string hint = {});
  template <typename F>
  std::optional<Value> guarded(F&& f);
  std::string task_context() const;

  const Program& p_;
  const ProgramInfo& info_;
  EvalHost& host_;
  Diagnostics& diags_;
  std::int64_t budget_;
  std::int64_t total_budget_;
  std::int64_t steps_ = 0;
  std::int64_t elements_ = 0;         // tuple elements of this top-level call
  std::int64_t global_elements_ = 0;  // of the globals, together
  std::int64_t total_ = 0;            // work of every call
  std::uint32_t last_return_ = 0;     // the `return` that ended the outermost call
  bool in_globals_ = false;           // run_globals(): the globals share one element budget
  int depth_ = 0;
  int eval_depth_ = 0;
  const TaskView* current_task_ = nullptr;
  std::unordered_map<std::string_view, Value> globals_;
  std::map<ExprId, std::int64_t> round_robin_;
};

}  // namespace mapsmith::dsl
