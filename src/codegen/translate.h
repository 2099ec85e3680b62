#pragma once
/// Translation of the mapping language's expressions, functions and global bindings into C++17
/// that uses the support code of support.h (Tuple, MSpace, floor_div, ...). Errors for the few
/// constructs C++ cannot express statically (a local that changes type, a type that cannot be
/// known) are reported at their DSL line.
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "codegen/cpp_names.h"
#include "codegen/typing.h"
#include "dsl/ast.h"
#include "dsl/checker.h"
#include "dsl/diagnostics.h"
#include "util/kinds.h"

namespace mapsmith::codegen {

class Translator {
 public:
  Translator(const dsl::Program& p, const dsl::ProgramInfo& info, const ProgramTypes& types,
             dsl::Diagnostics& diags);

  /// The member name of a global binding or function.
  const std::string& global_name(std::string_view dsl_name) const;
  const std::string& function_name(std::string_view dsl_name) const;

  /// The global bindings in order of first assignment, with their C++ types.
  std::vector<std::pair<std::string, std::string>> global_members() const;

  /// "Processor block(const MappedTask& task)": the declaration of a function (without the
  /// class qualification); `qualifier` is put before the name ("Mapper::").
  std::string signature(const dsl::Stmt& def, std::string_view qualifier) const;
  /// The parts of that declaration: "Processor", "block", {"const MappedTask& task"}.
  std::string result_type(const dsl::Stmt& def) const;
  std::vector<std::string> parameters(const dsl::Stmt& def) const;
  /// The statements of a function body, each line indented by `indent` spaces.
  std::string body(const dsl::Stmt& def, int indent);
  /// The top-level assignments and prints, in order, as statements.
  std::string globals_init(int indent);

  /// Support pieces (support.h) the translated code uses.
  const std::set<std::string>& needs() const { return needs_; }
  /// Wildcard indices (m[i, *]) seen: each needs one round-robin counter.
  int wildcard_count() const { return wildcards_; }

 private:
  struct Code {
    std::string text;
    int prec = 0;  // C++ precedence: 1 binds tightest, 16 is ?:
  };
  struct Scope;

  Code expr(dsl::ExprId id, Scope* scope);
  Code binary(const dsl::Expr& e, Scope* scope);
  Code index(const dsl::Expr& e, Scope* scope);
  Code member(const dsl::Expr& e, Scope* scope);
  Code call(const dsl::Expr& e, Scope* scope);
  std::string tuple_of(const dsl::Expr& e, std::uint32_t first, Scope* scope);
  std::string text_of(dsl::ExprId id, Scope* scope);
  std::string print(const dsl::Stmt& s, Scope* scope);
  std::string wrap(const Code& c, int max_prec) const;
  bool nonneg(dsl::ExprId id, Scope* scope) const;
  dsl::VType type(dsl::ExprId id) const { return types_.expr[id]; }
  void error(dsl::SourceLoc loc, std::string msg, std::string hint = {});
  /// A C++ string literal "FILE:LINE:COL" of an expression, for the messages of checks made at
  /// run time.
  std::string where(const dsl::Expr& e) const;

  const dsl::Program& p_;
  const dsl::ProgramInfo& info_;
  const ProgramTypes& types_;
  dsl::Diagnostics& diags_;
  std::map<std::string_view, std::string> globals_;
  std::map<std::string_view, std::string> functions_;
  std::set<std::string> function_cpp_names_;  // the C++ names of the functions
  std::set<std::string_view> nonneg_globals_;
  std::set<std::string> needs_;
  int wildcards_ = 0;
  int indent_ = 2;  // of the statement being translated
};

}  // namespace mapsmith::codegen
