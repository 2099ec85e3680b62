// Failures as the real runtime reports them, each located at the statement whose decision caused
// it (a whole-file failure when the default policy decided), with the exact message; malformed
// inputs are InputErrors, never assertions.
#include <gtest/gtest.h>

#include "sim/test_util.h"
#include "util/error.h"

namespace mapsmith::sim {
namespace {

using app::Privilege;
using test::add_launch;
using test::add_region;
using test::add_task;
using test::failure;
using test::run;
using test::tiny;
using test::variant;

constexpr ProcKind GPU = ProcKind::GPU;

app::App one_task(std::int64_t elements, app::Variant v = variant(GPU)) {
  app::App a = test::empty_app();
  add_region(a, "r", {elements});
  add_task(a, "t", {v}, {{"r", Privilege::ReadWrite}});
  add_launch(a, "t", {}, {{"r", Privilege::ReadWrite}});
  return a;
}

TEST(OutOfMemory, LocatedAtTheRegionStatement) {
  auto r = run(one_task(250000), tiny(), "Task t GPU;\nRegion t r GPU FBMEM;\n");
  EXPECT_FALSE(r->outcome.ok);
  EXPECT_EQ(failure(r->outcome),
            "m.mapping:2: out of memory: task t needs 2000000 bytes (1.91 MiB) for region "
            "argument 0 'r' in node0/FBMEM0, which has 1000000 bytes (977 KiB) free of 977 KiB; "
            "no fallback memory is listed");
  const dsl::Diagnostic& d = r->outcome.failures[0];
  EXPECT_EQ(d.col, 1u);
  EXPECT_EQ(d.source_line, "Region t r GPU FBMEM;");
  EXPECT_EQ(r->outcome.time_s, 0);
}

TEST(OutOfMemory, NamesTheFallbacksThatAreFullToo) {
  auto r = run(one_task(25000000), tiny(), "Region t r GPU FBMEM,ZCMEM;\n");
  EXPECT_EQ(failure(r->outcome),
            "m.mapping:1: out of memory: task t needs 200000000 bytes (191 MiB) for region "
            "argument 0 'r' in node0/FBMEM0, which has 1000000 bytes (977 KiB) free of 977 KiB; "
            "the fallbacks (node0/ZCMEM) are full too");
}

TEST(OutOfMemory, OfTheDefaultPolicyIsAWholeFileFailure) {
  auto r = run(one_task(250000), tiny(), "");
  EXPECT_EQ(failure(r->outcome),
            "<default mapper>:0: out of memory: task t needs 2000000 bytes (1.91 MiB) for region "
            "argument 0 'r' in node0/FBMEM0, which has 1000000 bytes (977 KiB) free of 977 KiB; "
            "no fallback memory is listed");
}

TEST(OutOfMemory, NamesThePointOfAnIndexLaunch) {
  app::App a = test::empty_app();
  add_region(a, "g", {100, 200000});
  test::add_partition(a, "p", "g", {{0}, {1}});
  add_task(a, "t", {variant(GPU)}, {{"g", Privilege::Write, "p"}});
  add_launch(a, "t", {2}, {{"g", Privilege::Write, "p"}});
  auto r = run(a, tiny(), "Task t GPU;\n\nRegion t p GPU FBMEM;\n");
  EXPECT_EQ(failure(r->outcome),
            "m.mapping:3: out of memory: task t (point (1)) needs 1600000 bytes (1.53 MiB) for "
            "region argument 0 'p' in node0/FBMEM1, which has 1000000 bytes (977 KiB) free of "
            "977 KiB; no fallback memory is listed");
}

app::Variant needs(std::optional<bool> c_order, std::optional<bool> soa) {
  app::Variant v(GPU);
  v.needs_c_order = c_order;
  v.needs_soa = soa;
  return v;
}

TEST(Layout, AVariantThatNeedsCOrderRejectsFOrder) {
  auto r =
      run(one_task(10, needs(true, std::nullopt)), tiny(), "Task t GPU;\nLayout t * * F_order;\n");
  EXPECT_EQ(failure(r->outcome),
            "m.mapping:2: task t's GPU variant needs C_order instances, but region argument 0 "
            "'r' is laid out SOA F_order");
  EXPECT_EQ(r->outcome.failures[0].hint, "add: Layout t r GPU C_order;");
  auto ok = run(one_task(10, needs(true, std::nullopt)), tiny(), "Layout t * * C_order;\n");
  EXPECT_TRUE(ok->outcome.ok) << failure(ok->outcome);
}

TEST(Layout, TheDefaultLayoutIsAWholeFileFailure) {
  auto with_mapper = run(one_task(10, needs(true, std::nullopt)), tiny(), "Task t GPU;\n");
  EXPECT_EQ(failure(with_mapper->outcome),
            "m.mapping:0: task t's GPU variant needs C_order instances, but region argument 0 "
            "'r' is laid out SOA F_order");
  auto without = run(one_task(10, needs(true, std::nullopt)), tiny(), "");
  EXPECT_EQ(without->outcome.failures.at(0).file, "<default mapper>");
}

TEST(Layout, AVariantThatNeedsSoaRejectsAos) {
  auto r = run(one_task(10, needs(std::nullopt, true)), tiny(), "Layout * * * AOS C_order;\n");
  EXPECT_EQ(failure(r->outcome),
            "m.mapping:1: task t's GPU variant needs SOA instances, but region argument 0 'r' is "
            "laid out AOS C_order");
}

TEST(NoVariant, LocatedAtTheTaskStatementThatChoseTheKind) {
  const app::App a = one_task(10);
  const machine::Machine m = tiny();
  mapping::test::Mapper mapper("Task t GPU;\n");
  mapping::Mapping mapping = mapping::test::decide_ok(a, m, &mapper);
  // A mapping the decider would not make, as a hand-edited or external one could be: the launch
  // is of kind CPU, on a CPU, but t has only a GPU variant.
  mapping.launches[0].kind = ProcKind::CPU;
  mapping.launches[0].points[0].proc = m.proc(ProcKind::CPU, 0, 1);
  mapping.launches[0].points[0].memories[0] = machine::MemId{0};
  Options o;
  o.program = &mapper.program;
  const Outcome out = simulate(a, m, mapping, o);
  EXPECT_EQ(failure(out),
            "m.mapping:1: task t has no CPU variant (it has GPU), so it cannot run on "
            "node0/CPU1");
  // A point placed on a processor of another kind than the launch's: the placement is at fault.
  mapping.launches[0].kind = ProcKind::GPU;
  EXPECT_EQ(failure(simulate(a, m, mapping, o)),
            "m.mapping:0: task t has no CPU variant (it has GPU), so it cannot run on "
            "node0/CPU1");
}

TEST(Malformed, AMappingOfAnotherAppIsAnInputError) {
  const app::App a = one_task(10);
  const machine::Machine m = tiny();
  const mapping::Mapping mapping = mapping::test::decide_ok(a, m, nullptr);
  app::App b = a;
  add_launch(b, "t", {}, {{"r", Privilege::Read}});
  try {
    simulate(b, m, mapping);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "cannot simulate app demo: the mapping has no decision for launch 1 (task t)");
  }
  app::App c = a;
  c.launches[0].reqs[0].region = "nowhere";
  EXPECT_THROW(simulate(c, m, mapping), InputError);
}

TEST(Malformed, AProjectionOnAnUnknownVariableIsAnInputError) {
  app::App a = test::empty_app();
  add_region(a, "g", {1, 1});
  test::add_partition(a, "p", "g", {{0}, {1}});
  add_task(a, "t", {variant(GPU)}, {{"g", Privilege::Read, "p"}});
  add_launch(a, "t", {2}, {{"g", Privilege::Read, "p"}});
  const machine::Machine m = tiny();
  const mapping::Mapping mapping = mapping::test::decide_ok(a, m, nullptr);
  a.launches[0].reqs[0].projection[0].terms[0].var = "j";
  try {
    simulate(a, m, mapping);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "cannot simulate app demo: launch 0: the projection onto 'p' uses 'j', which is "
                 "not a variable in scope there");
  }
}

TEST(Malformed, TooManyTaskInstancesAreRefused) {
  app::App a = test::empty_app();
  add_task(a, "t", {variant(GPU)});
  app::Step loop;
  loop.kind = app::Step::Kind::Loop;
  loop.var = "k";
  loop.count = 1000000;
  add_launch(a, "t", {1000}, {}, 0, &loop.body);
  a.program.push_back(loop);
  const machine::Machine m = tiny();
  const mapping::Mapping mapping = mapping::test::decide_ok(a, m, nullptr);
  Options o;
  o.max_task_instances = 1000000;
  EXPECT_THROW(simulate(a, m, mapping, o), InputError);
}

TEST(Malformed, AHugeLoopWithNothingInItEndsAtOnce) {
  app::App a = test::empty_app();
  app::Step loop;
  loop.kind = app::Step::Kind::Loop;
  loop.var = "k";
  loop.count = std::int64_t{1} << 40;
  a.program.push_back(loop);
  const Outcome out = simulate(a, tiny(), mapping::Mapping{});
  EXPECT_TRUE(out.ok);
  EXPECT_EQ(out.task_instances, 0u);
}

}  // namespace
}  // namespace mapsmith::sim
