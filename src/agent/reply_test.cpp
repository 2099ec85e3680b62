#include "agent/reply.h"

#include <gtest/gtest.h>

namespace mapsmith::agent {
namespace {

TEST(Reply, TakesTheFencedMappingBlock) {
  const ParsedReply r = parse_reply(
      "I moved the ghost nodes to the framebuffer.\n"
      "```python\nprint('not this one')\n```\n"
      "```mapping\nTask * GPU;\nRegion * rp_ghost GPU FBMEM;\n```\n"
      "That should cut the zero-copy traffic.");
  ASSERT_TRUE(r.mapper);
  EXPECT_EQ(*r.mapper, "Task * GPU;\nRegion * rp_ghost GPU FBMEM;\n");
  EXPECT_EQ(r.explanation,
            "I moved the ghost nodes to the framebuffer. That should cut the zero-copy traffic.");
  EXPECT_EQ(r.problem, "");
}

TEST(Reply, TakesAnUntaggedBlockAndAnUnterminatedOne) {
  ParsedReply r = parse_reply("Here:\n```\nTask * CPU;\n```");
  ASSERT_TRUE(r.mapper);
  EXPECT_EQ(*r.mapper, "Task * CPU;\n");
  EXPECT_EQ(r.explanation, "Here:");
  r = parse_reply("```mapping\nTask * CPU;\nRegion * *", "length");
  ASSERT_TRUE(r.mapper);  // it does not parse: the repair round will say so
  EXPECT_EQ(*r.mapper, "Task * CPU;\nRegion * *\n");
}

TEST(Reply, TakesTheWholeTextWhenItIsAProgram) {
  const ParsedReply r = parse_reply("  Task * GPU;\nLayout * * * AOS;  \n");
  ASSERT_TRUE(r.mapper);
  EXPECT_EQ(*r.mapper, "Task * GPU;\nLayout * * * AOS;\n");
}

TEST(Reply, AssemblesStructuredBlocksInTheFixedOrder) {
  const ParsedReply r = parse_reply(R"({"explanation": "GPUs\nfirst", "blocks": {
    "index_task_maps": "IndexTaskMap work f;",
    "functions": "m = Machine(GPU);\ndef f(Task task) {\n  return m[0, 0];\n}",
    "processors": "Task * GPU,CPU;\n",
    "regions": "", "layouts": "", "instance_limits": "", "single_task_maps": null}})");
  ASSERT_TRUE(r.mapper) << r.problem;
  EXPECT_EQ(*r.mapper,
            "Task * GPU,CPU;\nm = Machine(GPU);\ndef f(Task task) {\n  return m[0, 0];\n}\n"
            "IndexTaskMap work f;\n");
  EXPECT_EQ(r.explanation, "GPUs first");
}

TEST(Reply, KeepsBlocksUnderUnknownKeysAtTheEnd) {
  const ParsedReply r =
      parse_reply(R"({"blocks": {"tasks": "Task a GPU;", "regions": "Region * * * SYSMEM;"}})");
  ASSERT_TRUE(r.mapper);
  EXPECT_EQ(*r.mapper, "Region * * * SYSMEM;\nTask a GPU;\n");
}

TEST(Reply, ReadsJsonInAFencedBlock) {
  const ParsedReply r =
      parse_reply("Sure.\n```json\n{\"blocks\": {\"processors\": \"Task * CPU;\"}}\n```\n");
  ASSERT_TRUE(r.mapper);
  EXPECT_EQ(*r.mapper, "Task * CPU;\n");
  EXPECT_EQ(r.explanation, "Sure.");
}

TEST(Reply, ProseIsNoMapper) {
  const ParsedReply r = parse_reply("I would put every task on the GPUs and the data in FBMEM.");
  EXPECT_FALSE(r.mapper);
  EXPECT_EQ(r.problem,
            "the reply holds no mapping program: no ``` code block, and the text is not a "
            "program");
  EXPECT_EQ(r.explanation, "I would put every task on the GPUs and the data in FBMEM.");
}

TEST(Reply, EmptyAndGarbageJsonAreNoMapper) {
  EXPECT_EQ(parse_reply("").problem, "the reply is empty");
  EXPECT_EQ(parse_reply(" \n\t").problem, "the reply is empty");
  EXPECT_EQ(parse_reply("", "length").problem,
            "the reply is empty (the reply was cut off at its token limit)");
  EXPECT_EQ(parse_reply(R"({"blocks": {"processors": "Task * GPU;")").problem,
            "the reply is not valid JSON (byte 40)");
  EXPECT_EQ(parse_reply(R"({"blocks": {"processors": "Task", )", "length").problem,
            "the reply is not valid JSON (byte 34) (the reply was cut off at its token limit)");
  EXPECT_EQ(parse_reply(R"({"answer": "Task * GPU;"})").problem,
            "the reply is JSON without a \"blocks\" object");
  EXPECT_EQ(parse_reply(R"({"blocks": 3})").problem,
            "the reply is JSON without a \"blocks\" object");
  EXPECT_EQ(parse_reply(R"({"blocks": {"processors": 5}})").problem,
            "the reply's block \"processors\" is not a string");
  EXPECT_EQ(parse_reply("[1, 2]").problem,
            "the reply holds no mapping program: no ``` code block, and the text is not a "
            "program");
  EXPECT_EQ(parse_reply("```json\n{\"blocks\": \n```").problem,
            "the reply's ```json block is not valid JSON (byte 13)");
  EXPECT_EQ(parse_reply("{}").problem, "the reply is JSON without a \"blocks\" object");
  // Every block empty: the default policy, a mapper like any other.
  EXPECT_EQ(parse_reply(R"({"blocks": {}})").mapper, "");
}

}  // namespace
}  // namespace mapsmith::agent
