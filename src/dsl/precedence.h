#pragma once
/// Which of several matching statements decides (dsl.md §5), for both dialects: the one place
/// explain, the simulator, the generated mapper and the runtime-loaded mapper take the order from.
#include <optional>
#include <vector>

#include "dsl/ast.h"
#include "util/kinds.h"

namespace mapsmith::dsl {

/// The rank of a statement among the candidates of one decision; the highest decides.
///   mapsmith: the number of selector fields that are not `*`; for IndexTaskMap and
///     SingleTaskMap 2 (names tasks), 1 (names a processor kind) or 0 (`*`).
///   published: the published mapper's lookup order: a named task before `*`, then a named
///     region before `*`, then a named kind before `*` (task 4 + region 2 + kind 1).
int precedence_rank(const Program& p, const Stmt& s);

/// Whether, between two statements of equal rank, the later one decides (mapsmith) or the
/// earlier one (published: every statement of its front end is an unordered_map::insert).
inline bool later_wins(const Program& p) {
  return p.dialect != Dialect::Published;
}

/// Whether a statement takes part in deciding at all: in the published dialect
/// `IndexTaskMap * f;` and `SingleTaskMap * f;` are never looked up.
bool applies(const Program& p, const Stmt& s);

/// The processor kind an `IndexTaskMap KIND f;` or `SingleTaskMap KIND f;` names, if it has that
/// form (a one-name task list that is a processor kind the dialect accepts there).
std::optional<ProcKind> map_kind_form(const Program& p, const Stmt& s);

/// The statements of `kind` that apply, in the order they are tried: higher rank first, and
/// between equal ranks the one that wins first.
std::vector<const Stmt*> by_precedence(const Program& p, StmtKind kind);

}  // namespace mapsmith::dsl
