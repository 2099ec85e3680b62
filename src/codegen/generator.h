#pragma once
/// The code generator's internals, shared by codegen.cpp (the file and the class), mapper_calls.cpp
/// (the Legion mapper calls) and decisions.cpp (the statements, compiled). Not for other modules.
#include <array>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "codegen/codegen.h"
#include "codegen/translate.h"
#include "codegen/typing.h"

namespace mapsmith::codegen {

using dsl::Stmt;
using dsl::StmtKind;

/// One decision function compiled from the statements of one kind: an if-chain in the order of
/// by_precedence, each branch under a comment that quotes its statement.
struct Chain {
  std::string code;
  bool uses_task = false;
  bool uses_arg = false;
  bool uses_proc = false;
  bool uses_memory = false;
  bool unconditional = false;  // the chain ends in a return that always runs
};

/// Writes one mapper: run() returns the whole source.
class Generator {
 public:
  Generator(const dsl::Program& p, const dsl::ProgramInfo& info, const Options& o,
            dsl::Diagnostics& diags);

  std::string run();

 private:
  bool has(StmtKind k) const { return count_[static_cast<std::size_t>(k)] > 0; }
  /// "\nRET Class::NAME(PARAMS) {\n", wrapped to 100 columns.
  std::string def(std::string_view ret, std::string_view name,
                  const std::vector<std::string>& params, std::string_view after = " {") const;
  bool based() const { return !opt_.base_class.empty(); }
  // The generated map_task makes the instances itself when a statement says where or how.
  bool own_instances() const;
  bool has_virtual() const;

  void error(dsl::SourceLoc loc, std::string msg, std::string hint = {});

  /// The functions IndexTaskMap and SingleTaskMap name must return a processor.
  void check_map_functions();

  std::string header() const;

  // ---- the class ----

  std::string declaration();

  // ---- member definitions ----

  std::string definitions();

  std::string constructor() const;

  std::string setup() const;

  std::string select_task_options() const;

  std::string slice_task() const;

  std::string map_task() const;

  std::string replicate_task() const;

  std::string select_sharding_functor() const;

  std::string sharding_choice() const;
  /// Whether the mapper registers sharding functors: it has IndexTaskMap statements.
  bool shards() const { return !functors_.empty(); }

  std::string instance_limit_calls() const;

  /// A documented member function: "\n/// DOC\nRET Class::NAME(PARAMS) {\n".
  std::string doc_def(std::string_view doc, std::string_view ret, std::string_view name,
                      const std::vector<std::string>& params, std::string_view after = " {") const;

  std::string helpers() const;

  // ---- the statements, compiled ----

  /// The if-chain of the statements of `kind`; with `every`, each statement that applies
  /// runs `value` in turn (a call, not a return).
  Chain chain(StmtKind kind, const std::function<std::string(const Stmt&)>& value,
              bool every = false) const;
  /// The constant that names a statement in messages ("FILE:LINE:COL: Region ...;"), which
  /// statement_constants() then defines.
  std::string statement_string(const Stmt& s) const;
  std::string statement_constant(const Stmt& s) const;
  std::string statement_constants() const;

  std::string param(bool used, std::string_view type, std::string_view name) const;

  void decision(std::string doc, std::string ret, std::string fname,
                std::vector<std::string> params, const Chain& c, std::string fallback,
                std::string& out);

  std::string decisions();

  std::string functions();

  std::string sharding() const;

  std::string registration() const;

  const dsl::Program& p_;
  const Options& opt_;
  dsl::Diagnostics& diags_;
  ProgramTypes types_;
  Translator tr_;
  std::array<int, 12> count_{};
  std::string name_, cls_, base_;
  std::vector<std::string_view> map_functions_;  // in order of first use by a *TaskMap
  std::set<std::string_view> map_functions_set_;
  std::vector<std::string_view> functors_;  // IndexTaskMap functions: functor i has ID first + i
  std::map<std::string_view, int> functor_numbers_;
  std::vector<std::string> decision_decls_;
  mutable std::set<const Stmt*> named_statements_;           // by statement_string()
  mutable std::map<std::uint32_t, int> statements_on_line_;  // top-level statements per line
};

}  // namespace mapsmith::codegen
