#pragma once
/// The published dialect (`--dialect published`): a warning, at its place, for every construct
/// mapsmith accepts that the published DSL mapper's front end (Wei et al. 2024, its flex scanner
/// and bison grammar) rejects or does not apply, so a program meant for that tool can be made to
/// run there unchanged. dsl.md §5 and docs/language.md ("Dialects") list them.
#include "dsl/ast.h"
#include "dsl/diagnostics.h"

namespace mapsmith::dsl {

/// Reports the constructs of `p` (which parsed without errors) that the published front end
/// rejects, as warnings. Run by check() when p.dialect is Dialect::Published.
void check_published(const Program& p, Diagnostics& diags);

}  // namespace mapsmith::dsl
