#pragma once
/// The evaluator of expressions and functions (dsl.md §3), with a step budget so a mapper can
/// never hang the tool. Errors are reported at the DSL line that caused them.
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
inline constexpr int kMaxCallDepth = 64;
/// Expressions nested inside each other, counted across calls: each level costs C++ stack, and
/// kMaxCallDepth calls of bodies nested 200 deep (the parser's limit) would exhaust it.
inline constexpr int kMaxEvalDepth = 1000;

class Evaluator {
 public:
  /// `program` must have parsed and checked without errors; `info` is what check() returned.
  Evaluator(const Program& program, const ProgramInfo& info, EvalHost& host, Diagnostics& diags,
            std::int64_t step_budget = kDefaultStepBudget);

  /// Evaluates the global bindings once, in order. Returns false (errors reported) on failure.
  bool run_globals();

  /// The value of a global binding after run_globals(), or null.
  const Value* global(std::string_view name) const;

  /// Calls a function with arguments. Returns nullopt after reporting an error.
  std::optional<Value> call(std::string_view function, std::span<const Value> args);

  /// Calls the mapping function `function` on `task` (IndexTaskMap / SingleTaskMap): the result
  /// must be a processor of kind `kind`. Errors name the task and its point.
  std::optional<ProcValue> map_point(std::string_view function, const TaskView& task,
                                     ProcKind kind);

  /// Evaluates one expression in the global scope (for tests and tools).
  std::optional<Value> eval_global_expr(ExprId id);

  /// The number of steps the last top-level evaluation took.
  std::int64_t last_steps() const { return steps_; }

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
  std::int64_t steps_ = 0;
  int depth_ = 0;
  int eval_depth_ = 0;
  const TaskView* current_task_ = nullptr;
  std::unordered_map<std::string_view, Value> globals_;
  std::map<ExprId, std::int64_t> round_robin_;
};

}  // namespace mapsmith::dsl
