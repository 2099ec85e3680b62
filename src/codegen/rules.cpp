#include "codegen/rules.h"

#include <fmt/format.h>

#include <algorithm>

#include "dsl/checker.h"
#include "dsl/precedence.h"

namespace mapsmith::codegen {

using dsl::RegionSel;
using dsl::Stmt;
using dsl::StmtKind;

namespace {

bool names_task(const dsl::TaskSel& sel, std::string_view task) {
  return sel.any || std::any_of(sel.names.begin(), sel.names.end(),
                                [&](const dsl::Name& n) { return n.text == task; });
}

bool names_region(const RegionSel& sel, const Subject& d) {
  switch (sel.kind) {
    case RegionSel::Kind::Any:
      return true;
    case RegionSel::Kind::Named:
      return std::find(d.region_names.begin(), d.region_names.end(), sel.name.text) !=
             d.region_names.end();
    case RegionSel::Kind::Index:
      return sel.index == d.region_index;
  }
  return false;
}

bool names_kind(std::string_view text, const Subject& d) {
  if (text == "*") return true;
  if (auto k = parse_proc_kind(text)) return d.proc == k;
  if (auto m = parse_mem_kind(text)) return d.mem == m;
  return false;
}

std::string tasks_text(const dsl::TaskSel& t) {
  if (t.any) return "*";
  std::string out;
  for (std::size_t i = 0; i < t.names.size(); ++i)
    out += fmt::format("{}{}", i ? "," : "", t.names[i].text);
  return out;
}

std::string region_text(const RegionSel& r) {
  switch (r.kind) {
    case RegionSel::Kind::Any:
      return "*";
    case RegionSel::Kind::Named:
      return std::string(r.name.text);
    case RegionSel::Kind::Index:
      return fmt::format("{}", r.index);
  }
  return "?";
}

}  // namespace

bool matches(const dsl::Program& p, const Stmt& s, const Subject& d) {
  switch (s.kind) {
    case StmtKind::Region:
    case StmtKind::Layout:
      return names_task(p.tasks(s), d.task) && names_region(p.region(s), d) &&
             names_kind(p.proc(s).text, d);
    case StmtKind::CollectMemory:
      return names_task(p.tasks(s), d.task) && names_region(p.region(s), d);
    case StmtKind::IndexTaskMap:
    case StmtKind::SingleTaskMap:
      if (auto k = map_kind_form(p, s)) return d.proc == k;
      return names_task(p.tasks(s), d.task);
    default:
      return names_task(p.tasks(s), d.task);
  }
}

const Stmt* first_match(const dsl::Program& p, std::span<const Stmt* const> ordered,
                        const Subject& d) {
  for (const Stmt* s : ordered)
    if (matches(p, *s, d)) return s;
  return nullptr;
}

std::string statement_text(const dsl::Program& p, const Stmt& s) {
  auto names = [](const dsl::NameList& ns) {
    std::string out;
    for (std::size_t i = 0; i < ns.size(); ++i)
      out += fmt::format("{}{}", i ? "," : "", ns[i].text);
    return out;
  };
  switch (s.kind) {
    case StmtKind::Task:
      return fmt::format("Task {} {};", tasks_text(p.tasks(s)), names(p.kinds(s)));
    case StmtKind::Region:
      return fmt::format("Region {} {} {} {};", tasks_text(p.tasks(s)), region_text(p.region(s)),
                         p.proc(s).text, names(p.kinds(s)));
    case StmtKind::Layout: {
      std::string out = fmt::format("Layout {} {} {}", tasks_text(p.tasks(s)),
                                    region_text(p.region(s)), p.proc(s).text);
      for (const dsl::LayoutItem& l : p.layout(s)) {
        out += fmt::format(" {}", to_string(l.word));
        if (l.word == dsl::LayoutWord::Align) out += fmt::format("{}{}", op_text(l.cmp), l.value);
      }
      return out + ";";
    }
    case StmtKind::InstanceLimit:
      if (s.old_form())
        return fmt::format("InstanceLimit {} {} {};", tasks_text(p.tasks(s)), p.proc(s).text,
                           p.limit(s));
      return fmt::format("InstanceLimit {} {};", tasks_text(p.tasks(s)), p.limit(s));
    case StmtKind::CollectMemory:
      return fmt::format("CollectMemory {} {};", tasks_text(p.tasks(s)), region_text(p.region(s)));
    case StmtKind::IndexTaskMap:
      return fmt::format("IndexTaskMap {} {};", tasks_text(p.tasks(s)), p.name(s).text);
    case StmtKind::SingleTaskMap:
      return fmt::format("SingleTaskMap {} {};", tasks_text(p.tasks(s)), p.name(s).text);
    case StmtKind::ControlReplicate:
      return fmt::format("ControlReplicate {};", tasks_text(p.tasks(s)));
    default:
      return {};
  }
}

}  // namespace mapsmith::codegen
