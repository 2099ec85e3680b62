#include "importer/import.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include "app/app_json.h"
#include "importer/synthetic.h"
#include "importer/test_util.h"
#include "machine/machine_json.h"
#include "util/error.h"

namespace mapsmith::importer {
namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

/// Writes a synthetic run's logs (spy_0.log, prof_0.gz) into `dir`; returns the Prof log's
/// uncompressed bytes.
std::string write_run(const std::string& dir, const synthetic::Params& p) {
  std::string spy, prof;
  synthetic::write_run(
      p, [&](const std::string& s) { spy += s; }, [&](const std::string& s) { prof += s; });
  test::write_text(dir + "/spy_0.log", spy);
  test::write_gz(dir + "/prof_0.gz", prof);
  return prof;
}

Imported import_dir(const std::string& spy_dir, const std::string& prof_dir) {
  return import_run(read_spy({spy_dir + "/spy_0.log"}), read_prof({prof_dir + "/prof_0.gz"}));
}

constexpr const char* kHaloApp = R"json({
  "format": 1,
  "name": "top_level",
  "regions": [
    {
      "name": "grid",
      "extents": [1024],
      "fields": [{"name": "u"}, {"name": "v"}],
      "atoms": [255, 1, 1, 254, 1, 1, 254, 1, 1, 255]
    }
  ],
  "partitions": [
    {
      "name": "blocks",
      "region": "grid",
      "colors": [4],
      "pieces": [[0, 1], [2, 3, 4], [5, 6, 7], [8, 9]]
    },
    {
      "name": "halo",
      "region": "grid",
      "disjoint": false,
      "colors": [4],
      "pieces": [[0, 1, 2], [1, 2, 3, 4, 5], [4, 5, 6, 7, 8], [7, 8, 9]]
    }
  ],
  "tasks": [
    {"name": "top_level", "variants": [{"kind": "CPU", "inner": true}]},
    {"name": "init", "variants": [{"kind": "CPU"}]},
    {"name": "stencil", "variants": [{"kind": "CPU"}]},
    {"name": "update", "variants": [{"kind": "CPU"}]},
    {"name": "check", "variants": [{"kind": "CPU"}]}
  ],
  "top": "top_level",
  "program": [
    {
      "task": "init",
      "domain": [4],
      "point_vars": ["i"],
      "flops": 500000.0,
      "reqs": [
        {
          "region": "grid",
          "partition": "blocks",
          "projection": ["i"],
          "privilege": "write",
          "fields": ["u"]
        }
      ]
    },
    {
      "loop": "t",
      "count": 3,
      "body": [
        {
          "task": "stencil",
          "domain": [4],
          "point_vars": ["i"],
          "flops": 1000000.0,
          "reqs": [
            {
              "region": "grid",
              "partition": "halo",
              "projection": ["i"],
              "privilege": "read",
              "fields": ["u"]
            },
            {
              "region": "grid",
              "partition": "blocks",
              "projection": ["i"],
              "privilege": "write",
              "fields": ["v"]
            }
          ]
        },
        {
          "task": "update",
          "domain": [4],
          "point_vars": ["i"],
          "flops": 400000.0,
          "reqs": [
            {
              "region": "grid",
              "partition": "blocks",
              "projection": ["i"],
              "privilege": "read-write",
              "fields": ["u"]
            }
          ]
        }
      ]
    },
    {
      "task": "check",
      "flops": 500000.0,
      "reqs": [{"region": "grid", "privilege": "read", "fields": ["v"]}]
    }
  ]
}
)json";

constexpr const char* kHaloMachine = R"json({
  "format": 1,
  "name": "imported",
  "nodes": 1,
  "ranks_per_node": 1,
  "node": {
    "sockets": 1,
    "processors": [
      {
        "kind": "CPU",
        "count": 2,
        "flops": 10000000000.0,
        "model": "core (imported)"
      },
      {
        "kind": "UTIL",
        "count": 1,
        "flops": 10000000000.0,
        "model": "core (imported)"
      }
    ],
    "memories": [
      {
        "kind": "SYSMEM",
        "capacity": 536870912
      }
    ],
    "affinities": [
      {
        "proc": "CPU",
        "mem": "SYSMEM",
        "bandwidth": 10000000000.0,
        "latency": 1e-07
      },
      {
        "proc": "UTIL",
        "mem": "SYSMEM",
        "bandwidth": 10000000000.0,
        "latency": 1e-07
      }
    ],
    "links": []
  }
}
)json";

TEST(Import, TheHaloProgramBecomesItsModel) {
  const std::string dir = test::temp_dir("halo");
  write_run(dir, {});
  const Imported im = import_dir(dir, dir);
  EXPECT_EQ(app::dump_app_json(im.app), kHaloApp);
  EXPECT_EQ(machine::dump_machine_json(im.machine), kHaloMachine);
  // The app and the machine load back as they are.
  EXPECT_EQ(app::load_app_json(app::dump_app_json(im.app), "a.json"), im.app);
  EXPECT_EQ(machine::parse_machine_json(machine::dump_machine_json(im.machine), "m.json"),
            im.machine);
}

TEST(Import, MeasuresTasksCopiesTheRunAndTheMainLoop) {
  const std::string dir = test::temp_dir("measure");
  write_run(dir, {});
  const Measurement m = import_dir(dir, dir).measured;
  // Two CPUs, points dealt i mod 2: init's first point is created at 990 ns and its two points
  // per CPU end at 102000 ns; each step adds 2 x (100 + 1) us of stencil and 2 x (40 + 1) us of
  // update per CPU; check runs last on CPU 0 and ends at 1005000 ns.
  EXPECT_DOUBLE_EQ(m.time_s, (1005000 - 990) * 1e-9);
  EXPECT_EQ(m.iterations, 3);
  EXPECT_DOUBLE_EQ(m.iteration_time_s, (954000 - 102000) * 1e-9 / 3);
  EXPECT_EQ(m.task_instances, 4u + 3 * 8 + 1);
  ASSERT_EQ(m.tasks.size(), 4u);
  EXPECT_EQ(m.tasks[0], (Stat{"check", 1, 0, 50e-6}));
  EXPECT_EQ(m.tasks[1].name, "init");
  EXPECT_EQ(m.tasks[1].count, 4u);
  EXPECT_DOUBLE_EQ(m.tasks[1].seconds, 4 * 50e-6);
  EXPECT_EQ(m.tasks[2].name, "stencil");
  EXPECT_EQ(m.tasks[2].count, 12u);
  EXPECT_DOUBLE_EQ(m.tasks[2].seconds, 12 * 100e-6);
  EXPECT_EQ(m.tasks[3].name, "update");
  EXPECT_DOUBLE_EQ(m.tasks[3].seconds, 12 * 40e-6);
  ASSERT_EQ(m.channels.size(), 1u);
  EXPECT_EQ(m.channels[0].name, "SYSMEM->SYSMEM");
  EXPECT_EQ(m.channels[0].count, 3u);
  EXPECT_EQ(m.channels[0].bytes, 3u * 8 * 256);
  EXPECT_DOUBLE_EQ(m.channels[0].seconds, 3 * 2000e-9);
  EXPECT_EQ(m.copies, 3u);
  EXPECT_EQ(m.fills.count, 0u);
}

TEST(Import, NotesSayWhatWasAssumed) {
  const std::string dir = test::temp_dir("notes");
  write_run(dir, {});
  const Imported im = import_dir(dir, dir);
  EXPECT_EQ(im.notes,
            (std::vector<std::string>{
                "no calibration: processors read memory at a default 10 GB/s and copies between "
                "host memories run at 5 GB/s (mapsmith calibrate measures them)",
                "task costs are the measured mean time of each launch's points (flops = seconds "
                "x the processor's 1e+10 flop/s at efficiency 1)"}));
}

TEST(Import, HostFiguresGoIntoTheMachine) {
  const std::string dir = test::temp_dir("host");
  write_run(dir, {});
  ImportOptions o;
  o.name = "mine";
  o.host.core_bandwidth = 7e9;
  o.host.memory_latency = 9e-8;
  const Imported im =
      import_run(read_spy({dir + "/spy_0.log"}), read_prof({dir + "/prof_0.gz"}), o);
  EXPECT_EQ(im.app.name, "mine");
  EXPECT_EQ(im.machine.name, "mine");
  ASSERT_EQ(im.machine.node.affinities.size(), 2u);
  EXPECT_EQ(im.machine.node.affinities[0].bandwidth, 7e9);
  EXPECT_EQ(im.machine.node.affinities[0].latency, 9e-8);
}

TEST(Import, AnAffineProjectionOtherThanTheIdentity) {
  const std::string dir = test::temp_dir("reversed");
  synthetic::Params p;
  p.halo_map = 1;
  write_run(dir, p);
  const Imported im = import_dir(dir, dir);
  const app::Requirement& r = im.app.launches[1].reqs[0];
  EXPECT_EQ(r.partition, "halo");
  ASSERT_EQ(r.projection.size(), 1u);
  EXPECT_EQ(r.projection[0], (app::ProjectionDim{{{"i", -1}}, 3}));
}

TEST(Import, PiecesNoAffineProjectionGivesGetAPartitionInLaunchOrder) {
  const std::string dir = test::temp_dir("squares");
  synthetic::Params p;
  p.halo_map = 2;  // pieces 0, 1, 0, 1 of 4
  write_run(dir, p);
  const Imported im = import_dir(dir, dir);
  const app::Requirement& r = im.app.launches[1].reqs[0];
  EXPECT_EQ(r.partition, "halo_by_point");
  ASSERT_EQ(im.app.partitions.size(), 3u);
  const app::Partition& part = im.app.partitions[2];
  EXPECT_FALSE(part.disjoint);
  EXPECT_EQ(part.pieces, (std::vector<std::vector<std::uint32_t>>{
                             {0, 1, 2}, {1, 2, 3, 4, 5}, {0, 1, 2}, {1, 2, 3, 4, 5}}));
  // What the mapper sees stays the real partition's name.
  EXPECT_EQ(im.app.tasks[2].args[0].partition, "halo");
  EXPECT_EQ(im.notes[1],
            "no affine projection gives the pieces of halo that the points of stencil use: the "
            "model uses partition halo_by_point, the same pieces in launch order");
}

TEST(Import, LogsOfDifferentRunsAreRefused) {
  const std::string a = test::temp_dir("a"), b = test::temp_dir("b"), c = test::temp_dir("c");
  write_run(a, {});
  synthetic::Params moved;
  moved.placement_shift = 1;
  write_run(b, moved);
  synthetic::Params other;
  other.proc_shift = 0x10;
  write_run(c, other);
  EXPECT_EQ(message_of([&] { import_dir(a, b); }),
            a + "/spy_0.log and " + b +
                "/prof_0.gz are not logs of the same run: task init (unique id 4) ran on "
                "processor 1d00000000000003 according to Legion Prof but on 1d00000000000002 "
                "according to Legion Spy");
  EXPECT_EQ(message_of([&] { import_dir(a, c); }),
            a + "/spy_0.log and " + c +
                "/prof_0.gz are not logs of the same run: Legion Spy lists processor "
                "1d00000000000001, which Legion Prof does not");
  synthetic::Params longer;
  longer.steps = 4;
  write_run(b, longer);
  EXPECT_EQ(message_of([&] { import_dir(a, b); }),
            a + "/spy_0.log and " + b +
                "/prof_0.gz are not logs of the same run: Legion Prof timed task stencil (unique "
                "id 46), which Legion Spy never launched");
}

TEST(Import, AProfLogOfAnotherLegionVersionIsRefused) {
  const std::string dir = test::temp_dir("version");
  synthetic::Params p;
  p.prof_version = 1010;
  const std::string prof = write_run(dir, p);
  // The MachineDesc record follows the header and the MaxDimDesc record (4 + 4 bytes).
  EXPECT_EQ(message_of([&] { import_dir(dir, dir); }),
            fmt::format("{}/prof_0.gz: byte {}: MachineDesc record: Legion Prof version 1010, "
                        "but this reader reads version 1008 (Legion 25.06.0): the log comes from "
                        "another Legion version",
                        dir, prof.find("\n\n") + 2 + 8));
}

TEST(Import, CorruptSpyLogsAreErrorsNeverCrashes) {
  // Flipped characters anywhere in a valid Spy log: the import either works or says why.
  const std::string dir = test::temp_dir("fuzz");
  write_run(dir, {});
  const std::string good = test::read_bytes(dir + "/spy_0.log");
  const ProfLog prof = read_prof({dir + "/prof_0.gz"});
  std::uint64_t x = 88172645463325252ULL;
  const auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  int errors = 0;
  const char kChars[] = "0123456789abcdefz -\n";
  for (int round = 0; round < 150; ++round) {
    std::string text = good;
    for (int k = 0; k < 1 + round % 5; ++k)
      text[next() % text.size()] = kChars[next() % (sizeof kChars - 1)];
    test::write_text(dir + "/bad.log", text);
    try {
      import_run(read_spy({dir + "/bad.log"}), prof);
    } catch (const InputError&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 20);
}

}  // namespace
}  // namespace mapsmith::importer
