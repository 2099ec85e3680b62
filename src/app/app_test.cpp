#include "app/app.h"

#include <gtest/gtest.h>

namespace mapsmith::app {
namespace {

TEST(App, Privileges) {
  for (Privilege p : {Privilege::Read, Privilege::Write, Privilege::ReadWrite, Privilege::Reduce})
    EXPECT_EQ(parse_privilege(to_string(p)), p);
  EXPECT_EQ(to_string(Privilege::ReadWrite), "read-write");
  EXPECT_EQ(parse_privilege("READ"), std::nullopt);
  EXPECT_EQ(parse_privilege("read_write"), std::nullopt);
}

TEST(App, Volumes) {
  Region r;
  r.extents = {4, 5, 6};
  EXPECT_EQ(r.volume(), 120);
  Partition p;
  p.colors = {2, 3};
  EXPECT_EQ(p.piece_count(), 6);
  Launch single;
  EXPECT_EQ(single.volume(), 1);
  Launch index;
  index.index = true;
  index.domain = {7, 2};
  EXPECT_EQ(index.volume(), 14);
}

TEST(App, Variants) {
  Task t;
  Variant gpu(ProcKind::GPU);
  gpu.efficiency = 0.5;
  t.variants = {ProcKind::CPU, gpu};
  EXPECT_TRUE(t.has_variant(ProcKind::GPU));
  EXPECT_FALSE(t.has_variant(ProcKind::OMP));
  ASSERT_NE(t.variant(ProcKind::GPU), nullptr);
  EXPECT_EQ(t.variant(ProcKind::GPU)->efficiency, 0.5);
  EXPECT_EQ(t.variant(ProcKind::OMP), nullptr);
  EXPECT_EQ(t.kinds(), (std::vector<ProcKind>{ProcKind::CPU, ProcKind::GPU}));
  // A kind alone is a leaf variant at full efficiency.
  Variant cpu(ProcKind::CPU);
  EXPECT_EQ(cpu.efficiency, 1.0);
  EXPECT_FALSE(cpu.inner);
  EXPECT_FALSE(cpu.needs_c_order);
}

TEST(App, RegionArgNames) {
  RegionArg a{"", "rp_shared", "all_nodes", Privilege::Reduce};
  EXPECT_TRUE(a.answers_to("rp_shared"));
  EXPECT_TRUE(a.answers_to("all_nodes"));
  EXPECT_FALSE(a.answers_to(""));
  EXPECT_FALSE(a.answers_to("rp_ghost"));
  EXPECT_EQ(a.display_name(), "rp_shared");
  a.region = "piece";
  EXPECT_EQ(a.display_name(), "piece");
  RegionArg unnamed;
  unnamed.root = "grid";
  EXPECT_EQ(unnamed.display_name(), "grid");
}

TEST(App, Lookups) {
  App app;
  app.regions = {Region{"a", {1}, {}, {1}}, Region{"b", {2}, {}, {2}}};
  app.partitions = {Partition{"pa", 0, true, {1}, {{0}}}};
  Task t;
  t.name = "work";
  t.args = {{"", "pa", "a", Privilege::Read}, {"a", "", "a", Privilege::Write}};
  app.tasks = {t};
  EXPECT_EQ(app.find_region("b"), 1u);
  EXPECT_EQ(app.find_region("c"), std::nullopt);
  EXPECT_EQ(app.find_partition("pa"), 0u);
  EXPECT_EQ(app.find_partition("a"), std::nullopt);
  EXPECT_EQ(app.find_task("work"), 0u);
  EXPECT_EQ(app.find_task("play"), std::nullopt);
  EXPECT_EQ(app.region_names(0), (std::vector<std::string>{"pa", "a"}));
}

TEST(App, SingleLaunchApp) {
  App a = single_launch_app("stencil", {4, 2});
  ASSERT_EQ(a.tasks.size(), 2u);
  EXPECT_EQ(a.top, 0u);
  EXPECT_EQ(a.tasks[1].name, "stencil");
  EXPECT_FALSE(a.tasks[1].has_variant(ProcKind::UTIL));
  EXPECT_TRUE(a.tasks[1].has_variant(ProcKind::GPU));
  ASSERT_EQ(a.launches.size(), 1u);
  EXPECT_TRUE(a.launches[0].index);
  EXPECT_EQ(a.launches[0].volume(), 8);
  ASSERT_EQ(a.program.size(), 1u);
  EXPECT_EQ(a.program[0].kind, Step::Kind::Launch);
  EXPECT_EQ(a.program[0].launch, 0u);
  EXPECT_FALSE(single_launch_app("check", {}).launches[0].index);
}

}  // namespace
}  // namespace mapsmith::app
