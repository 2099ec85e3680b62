#include "importer/prof.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "importer/test_util.h"
#include "util/error.h"

namespace mapsmith::importer {
namespace {

using test::ProfWriter;
using test::temp_dir;
using test::write_gz;

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

constexpr std::uint64_t kCpu0 = 0x1d00000000000001ULL;
constexpr std::uint64_t kSys = 0x1e00000000000000ULL;

/// A small but complete log: the machine, two tasks, a copy and a fill, and records the reader
/// skips (strings, a uuid, points after MaxDimDesc, a type it never uses).
ProfWriter small_log(std::uint32_t version = kProfVersion) {
  ProfWriter w;
  w.record("MaxDimDesc", {3});
  w.record("MachineDesc", {0, 1, version, std::string("host-a"), 77, 4242});
  w.record("ProcDesc", {kCpu0, 2, 0, std::vector<std::uint64_t>{}});
  w.record("ProcDesc", {kCpu0 + 1, 2, 2, std::vector<std::uint64_t>{0xab, 0xcd}});
  w.record("MemDesc", {kSys, 2, 1 << 29});
  w.record("ProcMDesc", {kCpu0, kSys, 100, 5});
  w.record("MapperName", {0, kCpu0, std::string("mapsmith")});
  w.record("IndexSpacePointDesc", {9, 1, std::vector<std::uint64_t>{4, 0, 0}});
  w.record("IndexSpaceRectDesc", {9, 1, std::vector<std::uint64_t>{0, 0, 0, 9, 0, 0}});
  w.record("TaskKind", {7, std::string("stencil"), 0});
  w.record("TaskVariant", {7, 1, std::string("stencil_cpu")});
  w.record("TaskInfo", {101, 7, 1, kCpu0, 10, 20, 30, 130, 0, 0, 5});
  w.record("MetaInfo", {0, 3, kCpu0, 1, 2, 3, 4, 0, 0, 6});
  w.record("TaskInfo", {102, 7, 1, kCpu0 + 1, 10, 20, 40, 90, 0, 0, 8});
  w.record("CopyInfo", {103, 4096, 50, 60, 70, 95, 0, 0, 900, 0});
  w.record("CopyInstInfo", {kSys, kSys + 1, 100, 100, 1, 2, 900, 1, 0});
  w.record("CopyInstInfo", {kSys, kSys + 1, 101, 101, 1, 2, 900, 1, 0});
  w.record("FillInfo", {104, 512, 1, 2, 3, 9, 0, 0, 901});
  w.record("FillInstInfo", {kSys, 100, 3, 901});
  w.record("InstTimelineInfo", {0x8001, 0x4001, kSys, 8192, 101, 5, 6, 200, 0});
  return w;
}

TEST(Prof, ReadsWhatTheHeaderDescribes) {
  const std::string dir = temp_dir("read");
  write_gz(dir + "/prof_0.gz", small_log().bytes());
  const ProfLog log = read_prof({dir + "/prof_0.gz"});
  EXPECT_EQ(log.header_version, "1.0");
  EXPECT_EQ(log.version, kProfVersion);
  EXPECT_EQ(log.nodes, 1u);
  ASSERT_EQ(log.processes.size(), 1u);
  EXPECT_EQ(log.processes[0].hostname, "host-a");
  EXPECT_EQ(log.processes[0].pid, 4242u);
  ASSERT_EQ(log.procs.size(), 2u);
  EXPECT_EQ(log.procs[1].id, kCpu0 + 1);
  EXPECT_EQ(log.procs[1].kind, 2);
  ASSERT_EQ(log.mems.size(), 1u);
  EXPECT_EQ(log.mems[0].capacity, std::uint64_t{1} << 29);
  ASSERT_EQ(log.affinities.size(), 1u);
  EXPECT_EQ(log.affinities[0].bandwidth, 100u);
  EXPECT_EQ(log.task_names.at(7), "stencil");
  EXPECT_EQ((log.variant_names.at({7, 1})), "stencil_cpu");
  ASSERT_EQ(log.tasks.size(), 2u);
  EXPECT_EQ(log.tasks[0].op_id, 101u);
  EXPECT_EQ(log.tasks[0].start, 30u);
  EXPECT_EQ(log.tasks[0].stop, 130u);
  EXPECT_EQ(log.tasks[1].proc, kCpu0 + 1);
  ASSERT_EQ(log.copies.size(), 1u);
  EXPECT_EQ(log.copies[0].size, 4096u);
  EXPECT_EQ(log.copies[0].src_mem, kSys);
  EXPECT_EQ(log.copies[0].dst_mem, kSys + 1);
  EXPECT_EQ(log.copies[0].fields, 2u);
  ASSERT_EQ(log.fills.size(), 1u);
  EXPECT_EQ(log.fills[0].dst_mem, kSys);
  EXPECT_EQ(log.fills[0].src_mem, 0u);
  ASSERT_EQ(log.instances.size(), 1u);
  EXPECT_EQ(log.instances[0].size, 8192u);
  EXPECT_EQ(log.record_counts.at("MetaInfo"), 1u);
  EXPECT_EQ(log.record_counts.at("IndexSpaceRectDesc"), 1u);
}

TEST(Prof, FollowsTheHeaderNotFixedOffsets) {
  // The same records with the fields of TaskInfo in another order and an extra field of an
  // unknown type: the reader finds fields by name and skips what it does not know by size.
  std::vector<test::RecordType> types = test::legion_25_06_types();
  for (test::RecordType& t : types)
    if (t.name == "TaskInfo")
      t.fields = {
          {"stop", "timestamp_t", 8}, {"start", "timestamp_t", 8},  {"future_thing", "Gizmo", 6},
          {"op_id", "UniqueID", 8},   {"task_id", "TaskID", 4},     {"variant_id", "VariantID", 4},
          {"proc_id", "ProcID", 8},   {"create", "timestamp_t", 8}, {"ready", "timestamp_t", 8}};
  ProfWriter w(types);
  w.record("MachineDesc", {0, 1, kProfVersion, std::string("h"), 1, 2});
  w.record("TaskInfo", {500, 300, 0x112233445566ULL, 9, 4, 1, kCpu0, 100, 200});
  const std::string dir = temp_dir("order");
  write_gz(dir + "/prof_0.gz", w.bytes());
  const ProfLog log = read_prof({dir + "/prof_0.gz"});
  ASSERT_EQ(log.tasks.size(), 1u);
  EXPECT_EQ(log.tasks[0].op_id, 9u);
  EXPECT_EQ(log.tasks[0].task_id, 4u);
  EXPECT_EQ(log.tasks[0].start, 300u);
  EXPECT_EQ(log.tasks[0].stop, 500u);
  EXPECT_EQ(log.tasks[0].proc, kCpu0);
}

TEST(Prof, AnotherLegionVersionIsALocatedError) {
  const std::string dir = temp_dir("version");
  write_gz(dir + "/prof_0.gz", small_log(1007).bytes());
  const std::string header = small_log().bytes().substr(0, small_log().bytes().find("\n\n") + 2);
  // The MachineDesc record follows the MaxDimDesc record (4 + 4 bytes).
  EXPECT_EQ(message_of([&] { read_prof({dir + "/prof_0.gz"}); }),
            fmt::format("{}/prof_0.gz: byte {}: MachineDesc record: Legion Prof version 1007, but "
                        "this reader reads version 1008 (Legion 25.06.0): the log comes from "
                        "another Legion version",
                        dir, header.size() + 8));
}

TEST(Prof, AnotherFormatVersionIsAnError) {
  const std::string dir = temp_dir("format");
  ProfWriter w(test::legion_25_06_types(), "FileType: BinaryLegionProf v: 2.0");
  write_gz(dir + "/prof_0.gz", w.bytes());
  EXPECT_EQ(message_of([&] { read_prof({dir + "/prof_0.gz"}); }),
            dir +
                "/prof_0.gz:1: Legion Prof binary format 2.0, but this reader knows format 1.0 "
                "(Legion 25.06.0): the log comes from another Legion version");
}

TEST(Prof, AHeaderWithoutAFieldItNeedsIsAnError) {
  std::vector<test::RecordType> types = test::legion_25_06_types();
  for (test::RecordType& t : types)
    if (t.name == "CopyInfo") t.fields.erase(t.fields.begin() + 1);  // no "size"
  const std::string dir = temp_dir("nofield");
  write_gz(dir + "/prof_0.gz", ProfWriter(types).bytes());
  EXPECT_EQ(message_of([&] { read_prof({dir + "/prof_0.gz"}); }),
            dir +
                "/prof_0.gz: header: record CopyInfo has no field \"size\", which Legion 25.06.0 "
                "writes: this log comes from another Legion version");
}

TEST(Prof, NotAProfLog) {
  const std::string dir = temp_dir("notprof");
  test::write_text(dir + "/spy_0.log", test::spy("Legion Spy Logging"));
  EXPECT_EQ(message_of([&] { read_prof({dir + "/spy_0.log"}); }),
            dir +
                "/spy_0.log:1: not a Legion Prof binary log (it should start with \"FileType: "
                "BinaryLegionProf v: 1.0\"; run the program with -lg:prof 1 -lg:prof_logfile "
                "prof_%.gz)");
}

TEST(Prof, AMalformedHeaderLineIsLocated) {
  const std::string dir = temp_dir("badheader");
  test::write_text(dir + "/p.log",
                   "FileType: BinaryLegionProf v: 1.0\nMachineDesc {id:10, node_id:unsigned}\n\n");
  EXPECT_EQ(message_of([&] { read_prof({dir + "/p.log"}); }),
            dir +
                "/p.log:2: not a record format of the header: \"MachineDesc {id:10, "
                "node_id:unsigned}\" (expected NAME {id:N, field:type:size, ...})");
}

TEST(Prof, ATruncatedRecordIsLocated) {
  const std::string dir = temp_dir("truncated");
  const std::string bytes = small_log().bytes();
  // Cut in the middle of the last record (InstTimelineInfo: 4 + 8 * 9 bytes).
  test::write_text(dir + "/prof_0", bytes.substr(0, bytes.size() - 20));
  EXPECT_EQ(message_of([&] { read_prof({dir + "/prof_0"}); }),
            fmt::format("{}/prof_0: byte {}: InstTimelineInfo record: truncated: the file ends "
                        "inside field ready",
                        dir, bytes.size() - 76));
}

TEST(Prof, AnUnknownRecordIdIsCorruption) {
  const std::string dir = temp_dir("badid");
  std::string bytes = small_log().bytes();
  const std::size_t body = bytes.find("\n\n") + 2;
  bytes[body] = 99;  // the MaxDimDesc record's id
  write_gz(dir + "/prof_0.gz", bytes);
  EXPECT_EQ(message_of([&] { read_prof({dir + "/prof_0.gz"}); }),
            fmt::format("{}/prof_0.gz: byte {}: record id 99 is not in the header: the file is "
                        "corrupt",
                        dir, body));
}

TEST(Prof, ALogWithoutMachineDescIsIncomplete) {
  const std::string dir = temp_dir("nomachine");
  write_gz(dir + "/prof_0.gz", ProfWriter().bytes());
  EXPECT_EQ(message_of([&] { read_prof({dir + "/prof_0.gz"}); }),
            dir +
                "/prof_0.gz: no MachineDesc record: the log is incomplete (was the run cut "
                "short?)");
}

TEST(Prof, CorruptionIsAnErrorNeverACrash) {
  // Flipped bytes and cuts anywhere in a valid log: the reader either reads it or says why.
  const std::string dir = temp_dir("fuzz");
  const std::string good = small_log().bytes();
  std::uint64_t x = 88172645463325252ULL;
  const auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  int errors = 0;
  for (int round = 0; round < 300; ++round) {
    std::string bytes = good;
    if (round % 3 == 0) {
      bytes.resize(next() % bytes.size());
    } else {
      for (int k = 0; k < 1 + round % 4; ++k)
        bytes[next() % bytes.size()] = static_cast<char>(next() & 0xff);
    }
    test::write_text(dir + "/p", bytes);
    try {
      read_prof({dir + "/p"});
    } catch (const InputError& e) {
      ++errors;
      EXPECT_EQ(std::string(e.what()).rfind(dir + "/p", 0), 0u) << e.what();
    }
  }
  EXPECT_GT(errors, 100);
}

}  // namespace
}  // namespace mapsmith::importer
