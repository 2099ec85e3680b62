#include "agent/program.h"

#include <gtest/gtest.h>

#include "search/test_util.h"

namespace mapsmith::agent {
namespace {

TEST(Blocks, SplitsAProgramByStatementKindAndReassemblesItInAFixedOrder) {
  const std::string text =
      "# a comment\n"
      "IndexTaskMap work f;\n"
      "m = Machine(GPU);\n"
      "Region * * GPU FBMEM;\n"
      "Task * GPU,CPU;\n"
      "def f(Task task) {\n"
      "  return m[0, task.ipoint[0] % 2];  # inline\n"
      "}\n"
      "CollectMemory work *;\n"
      "Layout * * * SOA C_order;\n"
      "InstanceLimit work 2;\n"
      "SingleTaskMap report g;\n"
      "ControlReplicate main;\n"
      "def g(Task task) {\n"
      "  return m[0, 0];\n"
      "}\n";
  const std::optional<Blocks> b = split_blocks(text);
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)[0], "Task * GPU,CPU;\nControlReplicate main;\n");
  EXPECT_EQ((*b)[1], "Region * * GPU FBMEM;\n");
  EXPECT_EQ((*b)[2], "Layout * * * SOA C_order;\n");
  EXPECT_EQ((*b)[3], "CollectMemory work *;\nInstanceLimit work 2;\n");
  EXPECT_EQ((*b)[4],
            "m = Machine(GPU);\n"
            "def f(Task task) {\n"
            "  return m[0, task.ipoint[0] % 2];\n"
            "}\n"
            "def g(Task task) {\n"
            "  return m[0, 0];\n"
            "}\n");
  EXPECT_EQ((*b)[5], "IndexTaskMap work f;\n");
  EXPECT_EQ((*b)[6], "SingleTaskMap report g;\n");
  const std::string again = assemble(*b);
  EXPECT_EQ(again,
            "Task * GPU,CPU;\nControlReplicate main;\nRegion * * GPU FBMEM;\n"
            "Layout * * * SOA C_order;\nCollectMemory work *;\nInstanceLimit work 2;\n"
            "m = Machine(GPU);\ndef f(Task task) {\n  return m[0, task.ipoint[0] % 2];\n}\n"
            "def g(Task task) {\n  return m[0, 0];\n}\nIndexTaskMap work f;\n"
            "SingleTaskMap report g;\n");
  // Splitting the reassembled program gives the same blocks.
  EXPECT_EQ(split_blocks(again), b);
}

TEST(Blocks, KeysAndAnEmptyProgram) {
  EXPECT_EQ(block_key(Block::Processors), "processors");
  EXPECT_EQ(block_key(Block::InstanceLimits), "instance_limits");
  EXPECT_EQ(block_key(Block::SingleTaskMaps), "single_task_maps");
  const std::optional<Blocks> b = split_blocks("");
  ASSERT_TRUE(b);
  EXPECT_EQ(assemble(*b), "");
  EXPECT_FALSE(split_blocks("Task * GPU"));  // missing ';'
}

TEST(Program, StatementCount) {
  EXPECT_EQ(statement_count("Task * GPU;\nRegion * * GPU FBMEM;\n"), 2u);
  EXPECT_EQ(statement_count("# only a comment\n"), 0u);
  EXPECT_FALSE(statement_count("Use the GPUs for everything."));
}

TEST(Program, ChecksAgainstTheApplicationAndTheMachine) {
  const app::App a = search::test::tiny_app();
  const machine::Machine m = search::test::tiny_machine();
  EXPECT_TRUE(check_mapper("Task work GPU;\n", a, m).empty());
  const std::vector<dsl::Diagnostic> ds = check_mapper("Task wrok GPU;\n", a, m);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(dsl::render(ds[0]),
            "candidate.mapping:1:6: error: unknown task 'wrok' in the application tiny\n"
            "  Task wrok GPU;\n"
            "       ^\n"
            "hint: did you mean 'work'?\n");
  const std::vector<dsl::Diagnostic> syntax = check_mapper("Task work GPU\n", a, m);
  ASSERT_FALSE(syntax.empty());
  EXPECT_EQ(syntax[0].message, "missing ';' after the Task statement");
}

}  // namespace
}  // namespace mapsmith::agent
