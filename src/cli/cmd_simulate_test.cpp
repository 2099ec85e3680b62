// `mapsmith simulate` and `explain` (issue 15 item 12): an error is printed once, and the JSON
// keeps the lines that made each decision.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/test_util.h"

namespace mapsmith::cli {
namespace {

using test::mapsmith;
using test::write;

class Simulate : public test::CliTest {};

TEST_F(Simulate, Item12WithJsonAnEvaluationErrorIsPrintedOnlyInTheJson) {
  write(path("m.mapping"),
        "m = Machine(GPU);\n"
        "def f(Task task) {\n"
        "  return task.ipoint;\n"
        "}\n"
        "IndexTaskMap calculate_new_currents f;\n");
  const auto r = mapsmith({"simulate", "--app", "circuit", "--machine", "sapling", "--mapper",
                           path("m.mapping"), "--json"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, "");  // was the same error again, as text
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["failures"].size(), 1u);
  EXPECT_EQ(j["failures"][0]["line"], 3);
  EXPECT_EQ(j["failures"][0]["message"],
            "function 'f', used by the IndexTaskMap at line 5, returned a tuple instead of a "
            "processor while mapping task calculate_new_currents at point (0,)");
  // Without --json: once, as text, with the closing line.
  const auto t = mapsmith(
      {"simulate", "--app", "circuit", "--machine", "sapling", "--mapper", path("m.mapping")});
  EXPECT_EQ(t.rc, 1);
  EXPECT_EQ(t.out, "");
  EXPECT_TRUE(t.err.ends_with("1 error, 0 warnings\n")) << t.err;
  EXPECT_EQ(t.err.find("returned a tuple"), t.err.rfind("returned a tuple"));
}

TEST_F(Simulate, Item12ExplainJsonKeepsTheDecidingLines) {
  write(path("m.mapping"),
        "Task * GPU,CPU;\n"
        "Region * * GPU FBMEM;\n"
        "Layout * * GPU C_order;\n"
        "m = Machine(GPU);\n"
        "def f(Task task) {\n"
        "  return m[0, task.ipoint[0] % m.size[1]];\n"
        "}\n"
        "IndexTaskMap stencil f;\n");
  const auto r = mapsmith({"explain", "--machine", "sapling", "--mapper", path("m.mapping"),
                           "--launch", "stencil:4", "--json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["kind"], "GPU");
  EXPECT_EQ(j["kind_line"], 1);
  EXPECT_EQ(j["map_line"], 8);
  const auto a = mapsmith({"explain", "--machine", "sapling", "--mapper", path("m.mapping"),
                           "--app", "stencil", "--json"});
  ASSERT_EQ(a.rc, 0) << a.err;
  const nlohmann::json app = nlohmann::json::parse(a.out);
  bool seen = false;
  for (const nlohmann::json& l : app["launches"]) {
    EXPECT_EQ(l["kind_line"], 1);
    if (l["task"] != "stencil") continue;
    seen = true;
    EXPECT_EQ(l["map_line"], 8);
    ASSERT_FALSE(l["args"].empty());
    EXPECT_EQ(l["args"][0]["memories_line"], 2);
    EXPECT_EQ(l["args"][0]["layout_line"], 3);
  }
  EXPECT_TRUE(seen);
  // The default policy decided: null lines.
  const auto d = mapsmith({"explain", "--machine", "sapling", "--launch", "stencil:4", "--json"});
  ASSERT_EQ(d.rc, 0) << d.err;
  EXPECT_TRUE(nlohmann::json::parse(d.out)["map_line"].is_null());
}

}  // namespace
}  // namespace mapsmith::cli
