#include "dsl/precedence.h"

#include <algorithm>

#include "dsl/checker.h"
#include "util/kinds.h"

namespace mapsmith::dsl {

std::optional<ProcKind> map_kind_form(const Program& p, const Stmt& s) {
  TaskSel tasks = p.tasks(s);
  if (tasks.any || tasks.names.size() != 1) return std::nullopt;
  return parse_proc_kind(tasks.names.front().text);
}

int precedence_rank(const Program& p, const Stmt& s) {
  if (s.kind == StmtKind::IndexTaskMap || s.kind == StmtKind::SingleTaskMap)
    return map_kind_form(p, s) ? 1 : s.any_task() ? 0 : 2;
  if (p.dialect != Dialect::Published) return specificity(s);
  const bool region_named = (s.kind == StmtKind::Region || s.kind == StmtKind::Layout ||
                             s.kind == StmtKind::CollectMemory) &&
                            p.region(s).kind != RegionSel::Kind::Any;
  const bool kind_named =
      (s.kind == StmtKind::Region || s.kind == StmtKind::Layout) && !s.any_proc();
  return (s.any_task() ? 0 : 4) + (region_named ? 2 : 0) + (kind_named ? 1 : 0);
}

bool applies(const Program& p, const Stmt& s) {
  if (p.dialect != Dialect::Published) return true;
  if (s.kind != StmtKind::IndexTaskMap && s.kind != StmtKind::SingleTaskMap) return true;
  if (s.any_task()) return false;
  auto k = map_kind_form(p, s);
  return !k || *k == ProcKind::CPU || *k == ProcKind::GPU || *k == ProcKind::OMP;
}

std::vector<const Stmt*> by_precedence(const Program& p, StmtKind kind) {
  std::vector<const Stmt*> out;
  for (const Stmt& s : p.stmts)
    if (s.kind == kind && applies(p, s)) out.push_back(&s);
  if (later_wins(p)) std::reverse(out.begin(), out.end());  // the winner of equals first ...
  std::stable_sort(out.begin(), out.end(), [&](const Stmt* a, const Stmt* b) {
    return precedence_rank(p, *a) > precedence_rank(p, *b);  // ... within each rank
  });
  return out;
}

}  // namespace mapsmith::dsl
