#include "importer/spy.h"

#include <gtest/gtest.h>

#include "importer/test_util.h"
#include "util/error.h"

namespace mapsmith::importer {
namespace {

using test::spy;
using test::temp_dir;
using test::write_text;

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Spy, ReadsTheLinesTheImporterUses) {
  const std::string dir = temp_dir("read");
  std::string log;
  log += "some other program output\n";
  log += "[0 - 7f00] {3}{legion_prof}: not a spy line\n";
  log += spy("Legion Spy Logging");
  log += spy("Processor Kind 2 CPU");
  log += spy("Processor 1d00000000000002 2");
  log += spy("Processor Memory 1d00000000000002 1e00000000000001 100 5");
  log += spy("Memory Kind 2 System");
  log += spy("Memory 1e00000000000001 536870912 2");
  log += spy("Index Space 1a 0 file.cc:3");
  log += spy("Index Space Name 1a cells");
  log += spy("Index Space Rect 1a 2 0 9 -2 3 0 0");
  log += spy("Index Space Expression 1a 5");
  log += spy("Index Partition 1a 2b 2 1 0 0 ");
  log += spy("Index Subspace 2b 3c 0 2 1 0 0");
  log += spy("Index Space Point 3c 2 4 5 0");
  log += spy("Field Space 7 0 ");
  log += spy("Field Space Name 7 fs");
  log += spy("Field Creation 7 100 4 file.cc:4");
  log += spy("Field Name 7 100 the value");
  log += spy("Region 1a 7 3 0 ");
  log += spy("Logical Region Name 1a 7 3 my region");
  log += spy("Logical Partition Name 2b 7 3 pieces");
  log += spy("Task ID Name 4 do work");
  log += spy("Task Variant 4 2 1 0 0 do_work_inner");
  log += spy("Top Task 1 0 1 main");
  log += spy("Index Task 1 4 20 do work");
  log += spy("Logical Requirement 20 0 0 2b 7 3 268435463 0 0 1a");
  log += spy("Logical Requirement Field 20 0 100");
  log += spy("Logical Requirement Projection 20 0 0");
  log += spy("Index Launch Rect 20 2 0 1 0 0 0 0");
  log += spy("Index Slice 20 21");
  log += spy("Slice Slice 21 22");
  log += spy("Slice Point 22 23 2 1 0 0");
  log += spy("Task Processor 23 1d00000000000002");
  log += spy("Variant Decision 23 2");
  log += spy("Physical Instance 8001 4001 1e00000000000001 0 5 7 3");
  log += spy("Mapping Decision 23 0 100 8001");
  log += spy("Fill Operation 1 24");
  log += spy("Operation Index 1 0 20");
  log += spy("Event Event 8001 8002");
  write_text(dir + "/spy_0.log", log);
  const SpyLog s = read_spy({dir + "/spy_0.log"});
  EXPECT_FALSE(s.detailed);
  EXPECT_EQ(s.proc_kind_names.at(2), "CPU");
  ASSERT_EQ(s.procs.size(), 1u);
  EXPECT_EQ(s.procs[0].first, 0x1d00000000000002ULL);
  ASSERT_EQ(s.mems.size(), 1u);
  EXPECT_EQ(s.mems[0].capacity, 536870912u);
  const SpyIndexSpace& root = s.spaces.at(0x1a);
  EXPECT_EQ(root.name, "cells");
  ASSERT_EQ(root.rects.size(), 1u);
  EXPECT_EQ(root.rects[0].lo, (std::vector<std::int64_t>{0, -2}));
  EXPECT_EQ(root.rects[0].hi, (std::vector<std::int64_t>{9, 3}));
  const SpyIndexSpace& piece = s.spaces.at(0x3c);
  EXPECT_EQ(piece.partition, 0x2bu);
  EXPECT_EQ(piece.color, (std::vector<std::int64_t>{1, 0}));
  ASSERT_EQ(piece.rects.size(), 1u);
  EXPECT_EQ(piece.rects[0].lo, (std::vector<std::int64_t>{4, 5}));
  EXPECT_EQ(s.partitions.at(0x2b).parent, 0x1au);
  EXPECT_EQ(s.partitions.at(0x2b).disjoint, 2);
  ASSERT_EQ(s.field_spaces.at(7).size(), 1u);
  EXPECT_EQ(s.field_spaces.at(7)[0].size, 4u);
  EXPECT_EQ(s.field_spaces.at(7)[0].name, "the value");
  EXPECT_EQ(s.trees.at(3), (std::pair<std::uint64_t, std::uint32_t>{0x1a, 7}));
  EXPECT_EQ(s.region_names.at({0x1a, 7, 3}), "my region");
  EXPECT_EQ(s.partition_names.at({0x2b, 7, 3}), "pieces");
  EXPECT_EQ(s.task_names.at(4), "do work");
  EXPECT_TRUE((s.variant_inner.at({4, 2})));
  EXPECT_EQ(s.top, 1u);
  const SpyOp& launch = s.ops.at(20);
  EXPECT_EQ(launch.kind, SpyOpKind::Index);
  EXPECT_EQ(launch.context, 1u);
  EXPECT_EQ(launch.order, 0u);
  ASSERT_TRUE(launch.domain);
  EXPECT_EQ(launch.domain->hi, (std::vector<std::int64_t>{1, 0}));
  ASSERT_EQ(launch.reqs.size(), 1u);
  EXPECT_FALSE(launch.reqs[0].region);
  EXPECT_EQ(launch.reqs[0].handle, 0x2bu);
  EXPECT_EQ(launch.reqs[0].privilege, 268435463u);
  EXPECT_EQ(launch.reqs[0].fields, (std::vector<std::uint32_t>{100}));
  EXPECT_EQ(launch.reqs[0].projection, 0u);
  const SpyOp& point = s.ops.at(23);
  EXPECT_EQ(point.kind, SpyOpKind::Point);
  EXPECT_EQ(point.launch, 20u);  // through both slices
  EXPECT_EQ(point.point, (std::vector<std::int64_t>{1, 0}));
  EXPECT_EQ(point.proc, 0x1d00000000000002ULL);
  EXPECT_EQ(point.variant, 2u);
  ASSERT_EQ(point.decisions.size(), 1u);
  EXPECT_EQ(s.instances.at(point.decisions[0].second).mem, 0x1e00000000000001ULL);
  EXPECT_EQ(s.ops.at(24).kind, SpyOpKind::Other);
  EXPECT_EQ(s.other_ops.at("Fill Operation"), 1u);
}

TEST(Spy, ALineOfAnotherFormatIsAnotherLegionVersion) {
  const std::string dir = temp_dir("version");
  write_text(dir + "/spy_0.log",
             spy("Legion Spy Logging") + spy("Logical Requirement 20 0 0 2b 7 3 1 0 0"));
  EXPECT_EQ(message_of([&] { read_spy({dir + "/spy_0.log"}); }),
            dir +
                "/spy_0.log:2: \"Logical Requirement\" with 9 fields, where Legion 25.06's "
                "Legion Spy writes 10: this log comes from another Legion version");
}

TEST(Spy, AMalformedNumberIsLocated) {
  const std::string dir = temp_dir("number");
  write_text(dir + "/spy_0.log", spy("Legion Spy Logging") + spy("Task Processor 1x 1d00"));
  EXPECT_EQ(message_of([&] { read_spy({dir + "/spy_0.log"}); }),
            dir + "/spy_0.log:2: \"Task Processor\": field 1 should be a number, not \"1x\"");
  write_text(dir + "/spy_0.log", spy("Legion Spy Logging") + spy("Task Processor 12 xyz"));
  EXPECT_EQ(message_of([&] { read_spy({dir + "/spy_0.log"}); }),
            dir +
                "/spy_0.log:2: \"Task Processor\": field 2 should be a hexadecimal id, not "
                "\"xyz\"");
}

TEST(Spy, CoordinatesMustKeepOneMaxDim) {
  const std::string dir = temp_dir("maxdim");
  write_text(dir + "/spy_0.log", spy("Legion Spy Logging") + spy("Index Space Rect 1 1 0 9 0 0") +
                                     spy("Index Space Rect 2 1 0 9 0 0 0 0"));
  EXPECT_EQ(message_of([&] { read_spy({dir + "/spy_0.log"}); }),
            dir +
                "/spy_0.log:3: \"Index Space Rect\": 3 dimensions, where earlier lines had 2 "
                "(LEGION_MAX_DIM)");
}

TEST(Spy, ATruncatedLogIsAnError) {
  const std::string dir = temp_dir("truncated");
  std::string text = spy("Legion Spy Logging") + spy("Task Processor 12 1d00000000000002");
  write_text(dir + "/spy_0.log", text.substr(0, text.size() - 9));
  EXPECT_EQ(message_of([&] { read_spy({dir + "/spy_0.log"}); }),
            dir +
                "/spy_0.log:2: truncated: the file ends in the middle of a line (was the run "
                "cut short?)");
}

TEST(Spy, NotASpyLog) {
  const std::string dir = temp_dir("notspy");
  write_text(dir + "/out.log", "SUCCESS!\n");
  EXPECT_EQ(message_of([&] { read_spy({dir + "/out.log"}); }),
            dir +
                "/out.log: not a Legion Spy log: no \"Legion Spy Logging\" line (run the "
                "program with -lg:spy -logfile spy_%.log)");
}

}  // namespace
}  // namespace mapsmith::importer
