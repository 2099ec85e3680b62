// The program's statements compiled into the generated mapper's decision functions: one
// if-chain per kind of statement, in the order dsl.md section 5 resolves them.
#include <fmt/format.h>

#include <algorithm>

#include "codegen/generator.h"
#include "codegen/rules.h"
#include "codegen/text.h"

namespace mapsmith::codegen {

using dsl::Stmt;
using dsl::StmtKind;

std::string Generator::statement_string(const Stmt& s) const {
  named_statements_.insert(&s);
  return "&" + statement_constant(s);
}

std::string Generator::statement_constant(const Stmt& s) const {
  const dsl::SourceLoc l = p_.loc(s);
  if (statements_on_line_.empty())  // counted once: a program may have many statements
    for (const Stmt& o : p_.stmts)
      ++statements_on_line_[p_.loc(o).line];
  const bool alone = statements_on_line_[l.line] == 1;
  return alone ? fmt::format("kLine{}", l.line) : fmt::format("kLine{}_{}", l.line, l.col);
}

std::string Generator::statement_constants() const {
  if (named_statements_.empty()) return {};
  std::vector<const Stmt*> in_order(named_statements_.begin(), named_statements_.end());
  std::sort(in_order.begin(), in_order.end(),
            [](const Stmt* a, const Stmt* b) { return a->begin < b->begin; });
  std::string o = "/// The statements the mapper names when it stops.\n";
  for (const Stmt* s : in_order) {
    const dsl::SourceLoc l = p_.loc(*s);
    const std::string place = cpp_string(fmt::format("{}:{}:{}", p_.source->name(), l.line, l.col));
    const std::string text = cpp_string(statement_text(p_, *s));
    std::string line =
        fmt::format("constexpr Statement {} = {{{}, {}}};\n", statement_constant(*s), place, text);
    if (line.size() > 101)
      line = fmt::format("constexpr Statement {} = {{\n    {},\n    {}}};\n",
                         statement_constant(*s), place, text);
    o += line;
  }
  return o + "\n";
}

Chain Generator::chain(StmtKind kind, const std::function<std::string(const Stmt&)>& value,
                       bool every) const {
  Chain c;
  for (const Stmt* s : by_precedence(p_, kind)) {
    std::vector<std::string> conds;
    if (!s->any_task() && !map_kind_form(p_, *s)) {
      dsl::NameList tasks = p_.tasks(*s).names;
      std::string t = quoted_list(tasks, "task");
      if (tasks.size() > 1) t = "(" + t + ")";
      conds.push_back(t);
      c.uses_task = true;
    }
    if (kind == StmtKind::Region || kind == StmtKind::Layout || kind == StmtKind::CollectMemory) {
      dsl::RegionSel r = p_.region(*s);
      if (r.kind == dsl::RegionSel::Kind::Named) {
        conds.push_back(fmt::format("arg.is({})", cpp_string(r.name.text)));
        c.uses_arg = true;
      } else if (r.kind == dsl::RegionSel::Kind::Index) {
        conds.push_back(fmt::format("arg.index == {}", r.index));
        c.uses_arg = true;
      }
    }
    if (kind == StmtKind::Region || kind == StmtKind::Layout) {
      if (auto k = parse_proc_kind(p_.proc(*s).text)) {
        conds.push_back("proc == " + legion_kind(*k));
        c.uses_proc = true;
      } else if (auto m = parse_mem_kind(p_.proc(*s).text)) {
        conds.push_back("memory == " + legion_kind(*m));
        c.uses_memory = true;
      }
    }
    if (auto k = map_kind_form(p_, *s)) {
      conds.push_back("proc == " + legion_kind(*k));
      c.uses_proc = true;
    }
    if (conds.size() == 1 && conds[0].front() == '(')
      conds[0] = conds[0].substr(1, conds[0].size() - 2);
    c.code += comment("  ", fmt::format("line {}: {}", p_.loc(*s).line, statement_text(p_, *s)));
    if (every) {  // each statement that applies adds its value; the chain returns no value
      c.code += conds.empty() ? fmt::format("  {};\n", value(*s)) : guarded_call(conds, value(*s));
      continue;
    }
    if (conds.empty()) {
      c.code += fmt::format("  return {};\n", value(*s));
      c.unconditional = true;
      break;
    }
    c.code += guarded_return(conds, value(*s));
  }
  return c;
}

std::string Generator::param(bool used, std::string_view type, std::string_view name) const {
  return used ? fmt::format("{} {}", type, name) : fmt::format("{} /*{}*/", type, name);
}

void Generator::decision(std::string doc, std::string ret, std::string fname,
                         std::vector<std::string> params, const Chain& c, std::string fallback,
                         std::string& out) {
  std::vector<std::string> decl_list;
  for (std::size_t i = 0; i < params.size(); ++i) {
    std::string prm = params[i];
    auto comment = prm.find(" /*");
    if (comment != std::string::npos) {
      // keep the name in the declaration
      std::string type = prm.substr(0, comment);
      std::string nm = prm.substr(comment + 3, prm.size() - comment - 5);
      prm = type + " " + nm;
    }
    decl_list.push_back(prm);
  }
  decision_decls_.push_back(wrapped("  ", fmt::format("{} {}", ret, fname), decl_list, " const;"));
  std::string qual_ret = ret == "PointMapper" ? cls_ + "::PointMapper" : ret;
  std::string head =
      wrapped("", fmt::format("{} {}::{}", qual_ret, cls_, fname), params, " const {") + "\n";
  out += "\n" + doc + head + c.code;
  if (!c.unconditional) out += fmt::format("  return {};\n", fallback);
  out += "}\n";
}

std::string Generator::decisions() {
  std::string o;
  const std::string task_t = "const std::string&";
  if (has(StmtKind::Task)) {
    Chain c = chain(StmtKind::Task, [&](const Stmt& s) {
      std::string v = "{";
      dsl::NameList kinds = p_.kinds(s);
      for (std::size_t i = 0; i < kinds.size(); ++i) {
        auto k = parse_proc_kind(kinds[i].text);
        v += (i ? ", " : "") + (k ? legion_kind(*k) : std::string("Processor::NO_KIND"));
      }
      return v + "}";
    });
    decision(
        "/// Task statements: the processor kinds a task may run on, in order; when none names "
        "it, the\n/// default order.\n",
        "std::vector<Processor::Kind>", "kind_priority", {param(c.uses_task, task_t, "task")}, c,
        "{Processor::TOC_PROC, Processor::OMP_PROC, Processor::LOC_PROC}", o);
  }
  if (has(StmtKind::Region) && !based()) {
    auto kinds_of = [&](const Stmt& s) {
      std::string v = "{";
      dsl::NameList kinds = p_.kinds(s);
      for (std::size_t i = 0; i < kinds.size(); ++i) {
        auto k = parse_mem_kind(kinds[i].text);
        v += (i ? ", " : "") + (k ? legion_kind(*k) : std::string("Memory::NO_MEMKIND"));
      }
      return v + "}";
    };
    const std::vector<std::string> params = {"task", "arg", "proc"};
    if (dsl::later_wins(p_)) {
      Chain c = chain(StmtKind::Region, [&](const Stmt& s) {
        return fmt::format("MemoryChoice{{{}, {}}}", statement_string(s), kinds_of(s));
      });
      decision(
          "/// Region statements: the memory kinds for a region argument of a task on a "
          "`proc` processor,\n/// best first (the next when one is full or unreachable), "
          "and the statement; no kinds: none\n/// applies.\n",
          "MemoryChoice", "memory_priority",
          {param(c.uses_task, task_t, "task"), param(c.uses_arg, "const RegionArg&", "arg"),
           param(c.uses_proc, "Processor::Kind", "proc")},
          c, "MemoryChoice()", o);
    } else {
      // The published dialect: the lists of every statement that matches, best first, one
      // after the other (its query_memory_list).
      Chain c = chain(
          StmtKind::Region,
          [&](const Stmt& s) {
            return fmt::format("add({}, {})", statement_string(s), kinds_of(s));
          },
          true);
      c.code =
          "  MemoryChoice out;\n"
          "  auto add = [&out](const Statement* statement, std::initializer_list<Memory::Kind> "
          "kinds) {\n"
          "    if (out.statement == nullptr) out.statement = statement;\n"
          "    out.kinds.insert(out.kinds.end(), kinds);\n"
          "  };\n" +
          c.code;
      decision(
          "/// Region statements: the memory kinds for a region argument of a task on a "
          "`proc` processor,\n/// the lists of every statement that applies, best first (the "
          "published dialect), and the\n/// first of those statements; no kinds: none "
          "applies.\n",
          "MemoryChoice", "memory_priority",
          {param(c.uses_task, task_t, "task"), param(c.uses_arg, "const RegionArg&", "arg"),
           param(c.uses_proc, "Processor::Kind", "proc")},
          c, "out", o);
    }
  }
  if (has(StmtKind::Layout) && !based()) {
    Chain c = chain(StmtKind::Layout, [&](const Stmt& s) {
      std::string v = "Layout()";
      for (const dsl::LayoutItem& l : p_.layout(s)) {
        switch (l.word) {
          case dsl::LayoutWord::SOA:
            v += ".soa()";
            break;
          case dsl::LayoutWord::AOS:
            v += ".aos()";
            break;
          case dsl::LayoutWord::C_order:
            v += ".c_order()";
            break;
          case dsl::LayoutWord::F_order:
            v += ".f_order()";
            break;
          case dsl::LayoutWord::Compact:
            v += ".compact()";
            break;
          case dsl::LayoutWord::Exact:
            v += ".exact()";
            break;
          case dsl::LayoutWord::No_Align:
            v += ".no_align()";
            break;
          case dsl::LayoutWord::Align: {
            const char* k = "LEGION_EQ_EK";
            switch (l.cmp) {
              case dsl::Op::Ne:
                k = "LEGION_NE_EK";
                break;
              case dsl::Op::Lt:
                k = "LEGION_LT_EK";
                break;
              case dsl::Op::Le:
                k = "LEGION_LE_EK";
                break;
              case dsl::Op::Gt:
                k = "LEGION_GT_EK";
                break;
              case dsl::Op::Ge:
                k = "LEGION_GE_EK";
                break;
              default:
                break;
            }
            v += fmt::format(".align({}, {})", k, l.value);
            break;
          }
        }
      }
      return v + fmt::format(".decided_by({})", statement_string(s));
    });
    decision(
        "/// Layout statements: the layout of an instance of a region argument, for a "
        "task on a `proc`\n/// processor with the instance in a `memory` memory.\n",
        "Layout", "layout_of",
        {param(c.uses_task, task_t, "task"), param(c.uses_arg, "const RegionArg&", "arg"),
         param(c.uses_proc, "Processor::Kind", "proc"),
         param(c.uses_memory, "Memory::Kind", "memory")},
        c, "Layout()", o);
  }
  if (has(StmtKind::CollectMemory)) {
    Chain c = chain(StmtKind::CollectMemory, [](const Stmt&) { return std::string("true"); });
    decision(
        "/// CollectMemory statements: whether a task's instances of a region argument "
        "are left\n/// untracked once the task is done.\n",
        "bool", "collect_memory",
        {param(c.uses_task, task_t, "task"), param(c.uses_arg, "const RegionArg&", "arg")}, c,
        "false", o);
  }
  if (has(StmtKind::InstanceLimit)) {
    Chain c = chain(StmtKind::InstanceLimit,
                    [&](const Stmt& s) { return fmt::format("{}", p_.limit(s)); });
    decision(
        "/// InstanceLimit statements: how many instances of a task may be mapped and "
        "unfinished at\n/// once on one processor's mapper; 0: no limit.\n",
        "coord_t", "instance_limit", {param(c.uses_task, task_t, "task")}, c, "0", o);
  }
  if (has(StmtKind::ControlReplicate)) {
    Chain c = chain(StmtKind::ControlReplicate, [&](const Stmt& s) { return statement_string(s); });
    decision(
        "/// ControlReplicate statements: the statement that control-replicates a task, or "
        "null.\n",
        "const Statement*", "control_replicate", {param(c.uses_task, task_t, "task")}, c, "nullptr",
        o);
  }
  for (StmtKind k : {StmtKind::IndexTaskMap, StmtKind::SingleTaskMap}) {
    if (!has(k)) continue;
    Chain c = chain(k, [&](const Stmt& s) {
      return fmt::format("&{}::{}", cls_, tr_.function_name(p_.name(s).text));
    });
    bool index = k == StmtKind::IndexTaskMap;
    decision(index ? "/// IndexTaskMap statements: the function that places the points of an "
                     "index launch of a task\n/// on `proc` processors; null: Legion's "
                     "default slicing.\n"
                   : "/// SingleTaskMap statements: the function that places a single launch "
                     "of a task on a `proc`\n/// processor; null: the default (the parent's "
                     "processor).\n",
             "PointMapper", index ? "index_task_map" : "single_task_map",
             {param(c.uses_task, task_t, "task"), param(c.uses_proc, "Processor::Kind", "proc")}, c,
             "nullptr", o);
  }
  return o;
}

}  // namespace mapsmith::codegen
