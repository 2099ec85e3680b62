// The simulator as a whole: determinism (same input, same output, byte for byte), invariance
// under renaming, the trace writer's output, the findings, and the built-in applications.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "app/generators.h"
#include "machine/presets.h"
#include "sim/statistics.h"
#include "sim/test_util.h"
#include "sim/trace.h"
#include "util/error.h"

namespace mapsmith::sim {
namespace {

using app::Privilege;
using test::add_launch;
using test::add_region;
using test::add_task;
using test::tiny;
using test::variant;

constexpr ProcKind CPU = ProcKind::CPU;
constexpr ProcKind GPU = ProcKind::GPU;

/// A halo exchange over 8 blocks for 3 steps, with a reduction into a shared total.
app::App halo_app(const std::string& t1 = "own", const std::string& t2 = "sum",
                  const std::string& region = "g", const std::string& total = "total") {
  app::App a = test::empty_app();
  add_region(a, region, {500, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 500});
  add_region(a, total, {1});
  test::add_partition(a, region + "_blocks", region,
                      {{0, 1}, {2}, {3}, {4}, {5}, {6}, {7}, {8, 9}});
  test::add_partition(
      a, region + "_halo", region,
      {{0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 5}, {4, 5, 6}, {5, 6, 7}, {6, 7, 8}, {7, 8, 9}},
      false);
  const test::Use own{region, Privilege::ReadWrite, region + "_blocks"};
  const test::Use halo{region, Privilege::Read, region + "_halo"};
  const test::Use red{total, Privilege::Reduce};
  add_task(a, t1, {variant(GPU, 0.5), variant(CPU, 0.25)}, {own});
  add_task(a, t2, {variant(GPU, 0.5), variant(CPU, 0.25)}, {halo, red});
  app::Step loop;
  loop.kind = app::Step::Kind::Loop;
  loop.var = "t";
  loop.count = 3;
  add_launch(a, t1, {8}, {own}, 1e5, &loop.body);
  add_launch(a, t2, {8}, {halo, red}, 2e5, &loop.body);
  a.program.push_back(loop);
  return a;
}

const char* kMapper =
    "Task * GPU;\n"
    "Region * * GPU FBMEM,ZCMEM;\n"
    "m = Machine(GPU);\n"
    "def cyclic(Task task) { i = task.ipoint[0]; return m[i % m.size[0], i / m.size[0] % "
    "m.size[1]]; }\n"
    "IndexTaskMap * cyclic;\n";

std::string traced(const app::App& a, const machine::Machine& m, const std::string& mapper) {
  mapping::test::Mapper mp(mapper);
  const mapping::Mapping mapping = mapping::test::decide_ok(a, m, &mp);
  std::ostringstream out;
  TraceWriter trace(out, a, m, mapping);
  Options o;
  o.program = &mp.program;
  o.observers = {&trace};
  simulate(a, m, mapping, o);
  return out.str();
}

TEST(Determinism, SameInputSameTraceByteForByte) {
  const app::App a = halo_app();
  const machine::Machine m = tiny(2);
  const std::string first = traced(a, m, kMapper);
  EXPECT_EQ(first, traced(a, m, kMapper));
  EXPECT_GT(first.size(), 1000u);
}

TEST(Determinism, RenamingTasksAndRegionsChangesNoTime) {
  const machine::Machine m = tiny(2);
  auto a = test::run(halo_app(), m, kMapper);
  const app::App renamed_app = halo_app("zeta", "alpha", "q", "acc");
  auto b = test::run(renamed_app, m, kMapper);
  ASSERT_TRUE(a->outcome.ok);
  EXPECT_EQ(a->outcome.time_s, b->outcome.time_s);
  EXPECT_EQ(a->outcome.iteration_time_s, b->outcome.iteration_time_s);
  EXPECT_EQ(a->outcome.bytes.inter_node, b->outcome.bytes.inter_node);
  EXPECT_EQ(a->outcome.bytes.intra_node, b->outcome.bytes.intra_node);
  EXPECT_EQ(a->outcome.copies, b->outcome.copies);
  ASSERT_EQ(a->events.tasks.size(), b->events.tasks.size());
  for (std::size_t i = 0; i < a->events.tasks.size(); ++i)
    EXPECT_EQ(a->events.tasks[i].end, b->events.tasks[i].end);
}

TEST(Trace, IsChromeTraceJsonWithOneRowPerProcessorAndChannel) {
  const app::App a = halo_app();
  const machine::Machine m = tiny(2);
  const auto j = nlohmann::json::parse(traced(a, m, kMapper));
  auto r = test::run(a, m, kMapper);
  std::size_t tasks = 0, hops = 0;
  std::set<std::string> rows;
  for (const auto& e : j.at("traceEvents")) {
    if (e.at("ph") == "X" && (e.at("cat") == "task")) ++tasks;
    if (e.at("ph") == "X" && (e.at("cat") == "copy" || e.at("cat") == "reduction")) ++hops;
    if (e.at("ph") == "M" && e.at("name") == "thread_name")
      rows.insert(e.at("args").at("name").get<std::string>());
  }
  std::size_t expected_hops = 0;
  for (const CopyEvent& c : r->events.copies)
    expected_hops += c.route.size();
  EXPECT_EQ(tasks, r->events.tasks.size());
  EXPECT_EQ(hops, expected_hops);
  EXPECT_TRUE(rows.count("node0/GPU0"));
  EXPECT_TRUE(rows.count("node1/GPU1"));
  EXPECT_TRUE(rows.count("node0/NIC0.out"));
  EXPECT_FALSE(rows.count("node0/CPU1"));  // rows that saw nothing are left out
}

TEST(Statistics, AnObserverSumsWhatTheOutcomeCounts) {
  const app::App a = halo_app();
  const machine::Machine m = tiny(2);
  mapping::test::Mapper mp(kMapper);
  const mapping::Mapping mapping = mapping::test::decide_ok(a, m, &mp);
  Statistics stats;
  Options o;
  o.observers = {&stats};
  const Outcome out = simulate(a, m, mapping, o);
  std::uint64_t instances = 0, bytes = 0, copies = 0;
  for (const Statistics::PerTask& t : stats.by_task()) {
    instances += t.instances;
    bytes += t.copy_bytes;
    copies += t.copies;
  }
  EXPECT_EQ(instances, out.task_instances);
  EXPECT_EQ(copies, out.copies);
  EXPECT_EQ(bytes, out.bytes.inter_node + out.bytes.intra_node);
  EXPECT_EQ(stats.by_task().at(*a.find_task("own")).instances, 24u);
  EXPECT_EQ(stats.by_task().at(*a.find_task("sum")).last_end, out.time_s);
}

TEST(Findings, ExplainTheRunInRankedSentences) {
  auto r = test::run(halo_app(), tiny(2), kMapper);
  ASSERT_TRUE(r->outcome.ok);
  const auto& fs = r->outcome.findings;
  ASSERT_GE(fs.size(), 3u);
  EXPECT_EQ(fs[0].kind, FindingKind::CriticalPath);
  EXPECT_DOUBLE_EQ(r->outcome.critical_path.total(), r->outcome.time_s);
  for (std::size_t i = 2; i < fs.size(); ++i)
    EXPECT_GE(fs[i - 1].seconds, fs[i].seconds);
  bool copies = false, channel = false;
  for (const Finding& f : fs) {
    EXPECT_FALSE(f.text.empty());
    if (f.kind == FindingKind::LargeCopies && !copies) {
      copies = true;
      EXPECT_EQ(r->app->tasks[*f.task].name, "sum");
      EXPECT_EQ(f.region, "g_halo");
    }
    channel |= f.kind == FindingKind::BusyChannel;
  }
  EXPECT_TRUE(copies);
  EXPECT_TRUE(channel);
}

/// A busy channel's finding says how much of its bandwidth its bytes took and who carried them:
/// the copies, and the task bodies reading or writing memory across it (zero-copy).
TEST(Findings, ABusyChannelSaysItsBandwidthShareAndWhoCarriedItsBytes) {
  auto r = test::run(halo_app(), tiny(1),
                     "Task * GPU;\n"
                     "Region own g GPU ZCMEM;\n"
                     "Region sum g GPU FBMEM;\n");
  ASSERT_TRUE(r->outcome.ok);
  const Finding* busy = nullptr;
  for (const Finding& f : r->outcome.findings)
    if (f.kind == FindingKind::BusyChannel && !busy) busy = &f;
  ASSERT_NE(busy, nullptr);
  const ChannelStats& c = r->outcome.channels[busy->channel->index];
  EXPECT_EQ(busy->bytes, c.bytes);
  EXPECT_GT(c.copy_bytes, 0u);
  EXPECT_LT(c.copy_bytes, c.bytes);  // the rest by the task bodies' zero-copy accesses
  // tiny's PCIe carries 1 GB/s each way.
  EXPECT_NEAR(static_cast<double>(c.bytes) / (1e9 * r->outcome.time_s), 0.19, 0.005);
  EXPECT_EQ(busy->text,
            "node0/PCIE0.in was in use 30% of the run (by copies, or by tasks accessing memory "
            "across it) and carried 234 KiB, 19% of its bandwidth over the run: 12 copies 129 KiB, "
            "task bodies 105 KiB.");
}

TEST(Findings, IdleProcessorsAreNamed) {
  app::App a = test::empty_app();
  add_task(a, "t", {variant(GPU)});
  add_launch(a, "t", {}, {}, 1e6);
  auto r = test::run(a, tiny(2), "");
  bool idle = false;
  for (const Finding& f : r->outcome.findings) {
    if (f.kind != FindingKind::IdleProcessors) continue;
    idle = true;
    EXPECT_EQ(f.count, 3u);
    EXPECT_EQ(f.text,
              "3 of 4 GPU processors ran no task; the GPU processors were busy 25% of the run on "
              "average.");
  }
  EXPECT_TRUE(idle);
}

TEST(Units, ReadLikeADataSheet) {
  EXPECT_EQ(time_text(1.5e-3), "1.5 ms");
  EXPECT_EQ(time_text(2e-5), "20 µs");
  EXPECT_EQ(time_text(3), "3 s");
  EXPECT_EQ(bytes_text(512), "512 B");
  EXPECT_EQ(bytes_text(1536), "1.5 KiB");
  EXPECT_EQ(bytes_text(std::uint64_t{2} << 30), "2 GiB");
}

/// Every built-in application that generates on a Sapling node simulates without crashing, with
/// the default policy and with its expert mapper where there is one, and deterministically.
TEST(BuiltInApps, SimulateDeterministically) {
  const machine::Machine m = machine::make_machine("sapling-2");
  for (const app::GeneratorInfo& g : app::list_generators()) {
    app::App a;
    try {
      a = app::generate(g.name, {}, m);
    } catch (const InputError&) {
      continue;  // not available yet
    }
    SCOPED_TRACE(g.name);
    const mapping::Mapping mapping = mapping::test::decide_ok(a, m, nullptr);
    const Outcome one = simulate(a, m, mapping);
    const Outcome two = simulate(a, m, mapping);
    EXPECT_EQ(one.time_s, two.time_s);
    EXPECT_EQ(one.bytes.inter_node, two.bytes.inter_node);
    if (one.ok) {
      EXPECT_GT(one.time_s, 0);
      EXPECT_GT(one.task_instances, 0u);
    } else {
      EXPECT_EQ(one.failures.size(), 1u);
    }
  }
}

/// Circuit's expert keeps rp_shared and rp_ghost in zero-copy memory; the paper's best mapper
/// moved them to the framebuffer and ran 1.34x faster on the real machine. The simulator carries
/// the effect through distribute_charge's atomics into host memory (docs/simulator.md §2).
TEST(BuiltInApps, CircuitFramebufferBeatsZeroCopy) {
  const machine::Machine m = machine::make_machine("sapling");
  const app::App a = app::generate("circuit", {}, m);
  std::ifstream in(std::string(MAPSMITH_SOURCE_DIR) + "/examples/circuit/expert.mapping");
  std::stringstream text;
  text << in.rdbuf();
  const std::string zc = text.str();
  std::string fb = zc;
  for (const char* region : {"rp_shared", "rp_ghost"}) {
    const std::string line = std::string("Region * ") + region + " GPU ZCMEM;";
    const auto at = fb.find(line);
    ASSERT_NE(at, std::string::npos) << line;
    fb.replace(at, line.size(), std::string("Region * ") + region + " GPU FBMEM;");
  }
  auto iteration = [&](const std::string& text) {
    mapping::test::Mapper mapper(text);
    const Outcome out = simulate(a, m, mapping::test::decide_ok(a, m, &mapper));
    EXPECT_TRUE(out.ok);
    return out.iteration_time_s;
  };
  // The direction only: the size is the fidelity suite's (tests/fidelity).
  EXPECT_GT(iteration(zc), iteration(fb));
}

}  // namespace
}  // namespace mapsmith::sim
