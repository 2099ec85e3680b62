// `mapsmith tune --out` (issue 15 item 8): an application's or a machine's name cannot add
// statements to the file written, which is exactly the mapper that was scored.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/test_util.h"
#include "dsl/parser.h"
#include "dsl/printer.h"

namespace mapsmith::cli {
namespace {

using test::mapsmith;
using test::read;
using test::write;

class TuneOut : public test::CliTest {};

TEST_F(TuneOut, Item8AHostileAppNameStaysInTheComment) {
  // A name with a line break and a statement after it.
  write(path("app.json"), R"({
  "format": 1, "name": "evil\nTask * CPU;\nInstanceLimit * 1;",
  "tasks": [
    {"name": "main", "variants": [{"kind": "CPU", "inner": true}]},
    {"name": "work", "variants": [{"kind": "CPU"}, {"kind": "GPU"}]}
  ],
  "top": "main",
  "program": [{"task": "work", "domain": [4], "point_vars": ["i"], "flops": 1e6}]
})");
  const auto r =
      mapsmith({"tune", "--app", path("app.json"), "--machine", "sapling", "--budget", "3", "--db",
                "none", "--out", path("best.mapping"), "--json", "--jobs", "1"});
  ASSERT_EQ(r.rc, 0) << r.err;
  const std::string written = read(path("best.mapping"));
  EXPECT_NE(written.find("# mapsmith tune: the best of 4 mappers for evil\\nTask * CPU;\\n"
                         "InstanceLimit * 1; on sapling"),
            std::string::npos)
      << written;
  // What the file says, once its comments are dropped, is the mapper that was scored.
  dsl::Diagnostics diags;
  dsl::Program p = dsl::parse_string(written, diags, "best.mapping");
  ASSERT_FALSE(diags.has_errors());
  p.comments.clear();
  const nlohmann::json j = nlohmann::json::parse(r.out);
  dsl::Diagnostics d2;
  dsl::Program best = dsl::parse_string(j["best"]["mapper"].get<std::string>(), d2, "best.mapping");
  ASSERT_FALSE(d2.has_errors());
  best.comments.clear();
  EXPECT_EQ(dsl::format_program(p), dsl::format_program(best));
}

}  // namespace
}  // namespace mapsmith::cli
