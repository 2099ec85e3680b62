#include "codegen/rules.h"

#include <gtest/gtest.h>

#include "dsl/parser.h"

namespace mapsmith::codegen {
namespace {

dsl::Program parse(const std::string& text) {
  dsl::Diagnostics diags;
  dsl::Program p = dsl::parse_string(text, diags);
  EXPECT_FALSE(diags.has_errors());
  return p;
}

std::vector<std::uint32_t> lines(const dsl::Program& p, const std::vector<const dsl::Stmt*>& ss) {
  std::vector<std::uint32_t> out;
  for (const dsl::Stmt* s : ss)
    out.push_back(p.loc(*s).line);
  return out;
}

TEST(Rules, MostSpecificFirstThenLaterFirst) {
  dsl::Program p = parse(
      "Region * * * SYSMEM;\n"      // 0
      "Region foo * GPU FBMEM;\n"   // 2
      "Region * r * ZCMEM;\n"       // 1
      "Region * * GPU FBMEM;\n"     // 1
      "Region foo r GPU SYSMEM;\n"  // 3
      "Task * CPU;\n");
  EXPECT_EQ(lines(p, by_precedence(p, dsl::StmtKind::Region)),
            (std::vector<std::uint32_t>{5, 2, 4, 3, 1}));
}

TEST(Rules, PublishedDialectTaskThenRegionThenKindThenEarlierFirst) {
  dsl::Program p = parse(
      "Region * * * SYSMEM;\n"      // 0
      "Region foo * GPU FBMEM;\n"   // 4 + 1
      "Region * r * ZCMEM;\n"       // 2
      "Region * * GPU FBMEM;\n"     // 1
      "Region foo r GPU SYSMEM;\n"  // 4 + 2 + 1
      "Region foo * GPU ZCMEM;\n"   // 4 + 1, after line 2
      "Region foo r * RDMEM;\n");   // 4 + 2
  p.dialect = dsl::Dialect::Published;
  EXPECT_EQ(lines(p, by_precedence(p, dsl::StmtKind::Region)),
            (std::vector<std::uint32_t>{5, 7, 2, 6, 3, 4, 1}));
  // IndexTaskMap * is never looked up there, nor a kind form other than CPU, GPU and OMP.
  dsl::Program q = parse(
      "def f(Task t) { return Machine(CPU)[0, 0]; }\n"
      "IndexTaskMap * f;\n"
      "IndexTaskMap IO f;\n"
      "IndexTaskMap GPU f;\n"
      "IndexTaskMap a f;\n");
  q.dialect = dsl::Dialect::Published;
  EXPECT_EQ(lines(q, by_precedence(q, dsl::StmtKind::IndexTaskMap)),
            (std::vector<std::uint32_t>{5, 4}));
}

TEST(Rules, TaskMapsNamedThenKindThenAny) {
  dsl::Program p = parse(
      "def f(Task t) { return Machine(CPU)[0, 0]; }\n"
      "IndexTaskMap CPU f;\n"
      "IndexTaskMap a,b f;\n"
      "IndexTaskMap * f;\n"
      "IndexTaskMap c f;\n");
  EXPECT_EQ(lines(p, by_precedence(p, dsl::StmtKind::IndexTaskMap)),
            (std::vector<std::uint32_t>{5, 3, 2, 4}));
  EXPECT_EQ(map_kind_form(p, p.stmts[1]), ProcKind::CPU);
  EXPECT_EQ(map_kind_form(p, p.stmts[2]), std::nullopt);
}

TEST(Rules, MatchingByNameIndexAndKind) {
  dsl::Program p = parse(
      "Region * rp_shared GPU ZCMEM;\n"
      "Region foo 1 * SYSMEM;\n"
      "Layout * * FBMEM AOS;\n");
  std::vector<std::string> names = {"rp_shared_3", "rp_shared", "all_nodes"};
  Subject shared{"calc", names, 0, ProcKind::GPU, std::nullopt};
  EXPECT_TRUE(matches(p, p.stmts[0], shared));
  shared.proc = ProcKind::CPU;
  EXPECT_FALSE(matches(p, p.stmts[0], shared));
  Subject second{"foo", {}, 1, ProcKind::CPU, std::nullopt};
  EXPECT_TRUE(matches(p, p.stmts[1], second));
  second.region_index = 0;
  EXPECT_FALSE(matches(p, p.stmts[1], second));
  Subject in_fb{"x", {}, 0, ProcKind::GPU, MemKind::FBMEM};
  EXPECT_TRUE(matches(p, p.stmts[2], in_fb));
  in_fb.mem = MemKind::ZCMEM;
  EXPECT_FALSE(matches(p, p.stmts[2], in_fb));
  auto ordered = by_precedence(p, dsl::StmtKind::Region);
  EXPECT_EQ(first_match(p, ordered, Subject{"foo", {}, 1, ProcKind::GPU, std::nullopt}),
            &p.stmts[1]);
}

TEST(Rules, StatementTextIsCanonical) {
  dsl::Program p = parse(
      "Task  a ,b   GPU,CPU ;\n"
      "Layout * r FBMEM SOA Align>=64 Exact;\n"
      "InstanceLimit t CPU 2;\n");
  EXPECT_EQ(statement_text(p, p.stmts[0]), "Task a,b GPU,CPU;");
  EXPECT_EQ(statement_text(p, p.stmts[1]), "Layout * r FBMEM SOA Align>=64 Exact;");
  EXPECT_EQ(statement_text(p, p.stmts[2]), "InstanceLimit t CPU 2;");
}

}  // namespace
}  // namespace mapsmith::codegen
