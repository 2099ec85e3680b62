#pragma once
/// The Checker class shared by checker.cpp (statements, whole-program warnings) and
/// checker_expr.cpp (expressions and their types). Private to src/dsl: include only from the
/// checker's own sources.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dsl/ast.h"
#include "dsl/checker.h"
#include "dsl/diagnostics.h"
#include "dsl/types.h"

namespace mapsmith::dsl::detail {

/// The longest tuple whose length the checker tracks (the evaluator builds none longer: see
/// dsl::kMaxTupleElements). A longer one, or one whose length is unknown, has len -1; so a
/// tuple that doubles on every line costs the checker nothing, and no sum overflows.
inline constexpr std::int64_t kMaxKnownTupleLength = std::int64_t{1} << 22;
/// a + b as a tracked length: -1 when either is unknown or the sum is past the limit.
inline int add_lengths(std::int64_t a, std::int64_t b) {
  if (a < 0 || b < 0 || a + b > kMaxKnownTupleLength) return -1;
  return static_cast<int>(a + b);
}
/// Arguments of one call the checker lists one by one; an unpacked tuple of more is taken as of
/// unknown length (the evaluator counts them, and no function has that many parameters).
inline constexpr int kMaxListedArguments = 1024;

/// Helpers for messages, shared by both halves of the checker (defined in checker.cpp).
std::vector<std::string> proc_kind_names();
bool is_lang_proc_kind(std::string_view s);
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);
std::string kind_hint(std::string_view word, const std::vector<std::string>& kinds);

/// Names and their static types: a function's locals, the globals. Real mappers have a handful
/// per function, so the entries sit in a vector searched in order; a hash index joins them past
/// a few dozen, so that a generated function with thousands of locals stays linear. A scope
/// inside another (tuple(... for x in ...)) sees the outer one's names.
class Scope {
 public:
  explicit Scope(const Scope* outer = nullptr) : outer_(outer) {}

  const VType* find(std::string_view name) const {
    for (const Scope* s = this; s; s = s->outer_)
      if (const VType* t = s->find_here(name)) return t;
    return nullptr;
  }
  bool contains(std::string_view name) const { return find(name) != nullptr; }

  void set(std::string_view name, VType t) {
    if (auto i = index_of(name)) {
      entries_[*i].second = t;
      return;
    }
    entries_.emplace_back(name, t);
    if (!index_.empty()) {
      index_.emplace(name, static_cast<std::uint32_t>(entries_.size() - 1));
    } else if (entries_.size() > kLinear) {
      for (std::uint32_t i = 0; i < entries_.size(); ++i)
        index_.emplace(entries_[i].first, i);
    }
  }

  void clear() {
    entries_.clear();
    index_.clear();
  }

  /// Every name visible here, outer scopes' included, in no particular order.
  void names(std::vector<std::string>& out) const {
    for (const Scope* s = this; s; s = s->outer_)
      for (const auto& [n, _] : s->entries_)
        out.emplace_back(n);
  }

 private:
  static constexpr std::size_t kLinear = 32;

  std::optional<std::uint32_t> index_of(std::string_view name) const {
    if (!index_.empty()) {
      auto it = index_.find(name);
      if (it == index_.end()) return std::nullopt;
      return it->second;
    }
    for (std::uint32_t i = 0; i < entries_.size(); ++i)
      if (entries_[i].first == name) return i;
    return std::nullopt;
  }
  const VType* find_here(std::string_view name) const {
    auto i = index_of(name);
    return i ? &entries_[*i].second : nullptr;
  }

  const Scope* outer_;
  std::vector<std::pair<std::string_view, VType>> entries_;
  std::unordered_map<std::string_view, std::uint32_t> index_;
};

class Checker {
 public:
  Checker(const Program& p, Diagnostics& diags) : p_(p), src_(*p.source), diags_(diags) {}

  ProgramInfo run();

 private:
  void error(std::uint32_t pos, std::string msg, std::string hint = {});
  void warning(std::uint32_t pos, std::string msg, std::string hint = {});
  void collect_functions();

  /// The entry of info_ (ours to fill) for a function.
  FunctionInfo* function(std::string_view name);

  /// For each name of `names`, whether it repeats an earlier one, counting only names for which
  /// `counts` holds. Lists are short, so they are compared pairwise; a long one is sorted.
  template <typename Counts>
  const std::vector<char>& mark_repeats(const NameList& names, Counts counts) {
    repeats_.assign(names.size(), 0);
    if (names.size() <= 16) {
      for (std::size_t i = 1; i < names.size(); ++i) {
        Name n = names[i];
        if (!counts(n)) continue;
        for (std::size_t j = 0; j < i && !repeats_[i]; ++j) {
          Name m = names[j];
          repeats_[i] = m.text == n.text && counts(m);
        }
      }
      return repeats_;
    }
    sorted_.clear();
    for (std::uint32_t i = 0; i < names.size(); ++i)
      if (Name n = names[i]; counts(n)) sorted_.emplace_back(n.text, i);
    std::sort(sorted_.begin(), sorted_.end());
    for (std::size_t i = 1; i < sorted_.size(); ++i)
      if (sorted_[i].first == sorted_[i - 1].first) repeats_[sorted_[i].second] = 1;
    return repeats_;
  }

  void check_task_list(const Stmt& s);

  // ---- statements ----

  void check_task(const Stmt& s);
  void check_proc_or_star(Name n, bool memory_too);
  void check_region(const Stmt& s);
  void check_layout(const Stmt& s);
  void check_instance_limit(const Stmt& s);
  void check_task_map(const Stmt& s);
  void check_print(const Stmt& s, const Scope* locals);
  void check_def(const Stmt& s);

  // ---- expressions ----

  const Expr& ex(ExprId id) const { return p_.expr(id); }

  VType lookup(const Expr& e, const Scope* locals);
  bool later_global(std::string_view name) const;

  /// Reports a type mismatch unless `got` is Unknown (already reported, or dynamic). The
  /// context ("an index", "argument 2 of 'f'") is formatted only for the message.
  template <typename... Args>
  bool expect_type(ExprId id, VType got, Type want, fmt::format_string<Args...> context,
                   Args&&... args) {
    if (got.type == Type::Unknown || got.type == want) return true;
    if (want == Type::Bool && got.type == Type::Int) return true;  // ints test as != 0
    error(ex(id).pos(),
          fmt::format("{} must be {}, not {}", fmt::format(context, std::forward<Args>(args)...),
                      type_phrase(want), type_phrase(got.type)));
    return false;
  }

  VType check_expr(ExprId id, const Scope* locals);
  VType check_binary(const Expr& e, const Scope* locals);
  VType check_index(const Expr& e, const Scope* locals);

  /// The types of the arguments of the calls being checked, innermost last: a call's checks
  /// use args_[base, end) and give it back when done.
  struct ArgFrame {
    std::vector<std::pair<VType, ExprId>>& args;
    std::size_t base;
    explicit ArgFrame(std::vector<std::pair<VType, ExprId>>& a) : args(a), base(a.size()) {}
    ~ArgFrame() { args.resize(base); }
    std::size_t size() const { return args.size() - base; }
    VType type(std::size_t i) const { return args[base + i].first; }
    ExprId id(std::size_t i) const { return args[base + i].second; }
  };

  VType check_call(const Expr& e, const Scope* locals);
  VType check_member(const Expr& e, const Scope* locals);

  // ---- warnings over the whole program ----

  bool covers(const TaskSel& later, const TaskSel& earlier) const;
  static bool same_region(const RegionSel& a, const RegionSel& b);
  static bool decides(const Stmt& s);

  /// Whether two statements of one kind have the same selectors besides the tasks.
  bool same_selectors(const Stmt& a, const Stmt& b) const;

  /// A hash of what same_selectors compares, and of one task name ("*" for any).
  std::uint32_t shadow_hash(const Stmt& s, std::string_view task) const;

  /// A statement is shadowed when a later one of the same kind matches every decision it
  /// matches and is at least as specific: the later one always wins (dsl.md §5). Each statement
  /// is filed under (its selectors, one of its task names) so this stays linear in the size of
  /// the program: one 8-byte entry (hash, statement) per task name, sorted.
  void warn_shadowed();

  /// A statement tied to a processor kind can never match a task that every Task statement
  /// naming it sends elsewhere.
  void warn_never_matching();

  /// The Task statement that decides a named task's kinds: the last one naming it, else the
  /// last `Task *`.
  const Stmt* task_kind_decider(std::string_view task);

  const Program& p_;
  const SourceFile& src_;
  Diagnostics& diags_;
  ProgramInfo info_;
  Scope globals_;
  Scope def_scope_;                             // the locals of the function being checked
  std::vector<std::pair<VType, ExprId>> args_;  // see ArgFrame
  std::vector<char> repeats_;                   // see mark_repeats
  std::vector<std::pair<std::string_view, std::uint32_t>> sorted_;  // see mark_repeats
  bool task_deciders_built_ = false;
  std::unordered_map<std::string_view, const Stmt*> task_deciders_;
  const Stmt* last_task_any_ = nullptr;
};

}  // namespace mapsmith::dsl::detail
