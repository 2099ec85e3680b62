// probe: a small Legion program for the mapper tests of issue 14. Each test runs it with one
// mapping file and a few -probe: options, and checks under Legion Spy where its tasks ran and
// what instances they got (check_placements.cmake).
//
// The data: a 2-D region "grid" of (2 * pieces) x 4 elements with fields A and B, cut into
// `pieces` blocks of 2 x 4 by the partition "pieces" (colours (i, 0)). The launches, in order:
//   init    index launch over the pieces: A = x + 10 y, B = 0          (leaf)
//   work    index launch over the pieces: B += A, reading A             (leaf; counts how many
//           run at once: the program prints "probe: at most K work tasks ran at once")
//   inner   -probe:inner: a single inner task over the grid that launches work again
//   relaxed -probe:relaxed: a single inner task over the grid with simultaneous coherence
//   sum     -probe:reduce: an index launch that sum-reduces A into the 1-element region "total"
//   epoch   -probe:epoch: a must-epoch launch of work over the pieces (its regions premapped)
//   check   a single task: B == (number of work launches) * A, total == sum of A; prints
//           SUCCESS! or FAILURE
// Other options: -probe:pieces N (8), -probe:sleep MS (the time work takes, 60),
// -probe:c_order_work (work's variant requires C_order instances: Y fastest),
// -probe:exact_tag (work's B requirement carries DefaultMapper::EXACT_REGION),
// -probe:no_replicable (top_level's variant is not registered replicable).
// With control replication every shard prints "probe: shard S of T".
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "legion.h"
#include "mappers/default_mapper.h"

using namespace Legion;

namespace {

enum TaskIDs : TaskID {
  TOP_LEVEL_ID = 1,
  INIT_ID,
  WORK_ID,
  INNER_ID,
  RELAXED_ID,
  SUM_ID,
  CHECK_ID,
};

enum FieldIDs : FieldID {
  FID_A = 100,
  FID_B,
  FID_TOTAL,
};

struct Options {
  int pieces = 8;
  int sleep_ms = 60;
  bool inner = false;
  bool relaxed = false;
  bool reduce = false;
  bool epoch = false;
  bool c_order_work = false;
  bool exact_tag = false;
  bool no_replicable = false;
};

Options parse(int argc, const char* const* argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (!std::strcmp(a, "-probe:pieces") && i + 1 < argc) o.pieces = std::atoi(argv[++i]);
    if (!std::strcmp(a, "-probe:sleep") && i + 1 < argc) o.sleep_ms = std::atoi(argv[++i]);
    if (!std::strcmp(a, "-probe:inner")) o.inner = true;
    if (!std::strcmp(a, "-probe:relaxed")) o.relaxed = true;
    if (!std::strcmp(a, "-probe:reduce")) o.reduce = true;
    if (!std::strcmp(a, "-probe:epoch")) o.epoch = true;
    if (!std::strcmp(a, "-probe:c_order_work")) o.c_order_work = true;
    if (!std::strcmp(a, "-probe:exact_tag")) o.exact_tag = true;
    if (!std::strcmp(a, "-probe:no_replicable")) o.no_replicable = true;
  }
  return o;
}

Options options() {
  const InputArgs& args = Runtime::get_input_args();
  return parse(args.argc, args.argv);
}

std::atomic<int> g_running{0};  // work tasks running now, in this process
std::atomic<int> g_most{0};     // and at most so far

struct Grid {
  LogicalRegion grid;
  LogicalPartition pieces;
  Domain colors;
};

/// The two requirements of a work launch over `g`, under `parent`.
void add_work_requirements(IndexLauncher& l, const Grid& g, LogicalRegion parent, bool exact) {
  l.add_region_requirement(
      RegionRequirement(g.pieces, 0, LEGION_READ_ONLY, LEGION_EXCLUSIVE, parent));
  l.region_requirements[0].add_field(FID_A);
  l.add_region_requirement(RegionRequirement(g.pieces, 0, LEGION_READ_WRITE, LEGION_EXCLUSIVE,
                                             parent,
                                             exact ? Mapping::DefaultMapper::EXACT_REGION : 0));
  l.region_requirements[1].add_field(FID_B);
}

Rect<2> bounds(Runtime* rt, Context ctx, const RegionRequirement& req) {
  return rt->get_index_space_domain(ctx, IndexSpaceT<2>(req.region.get_index_space()));
}

void init_task(const Task* task, const std::vector<PhysicalRegion>& regions, Context ctx,
               Runtime* rt) {
  const FieldAccessor<LEGION_WRITE_DISCARD, std::int64_t, 2> a(regions[0], FID_A);
  const FieldAccessor<LEGION_WRITE_DISCARD, std::int64_t, 2> b(regions[0], FID_B);
  for (PointInRectIterator<2> p(bounds(rt, ctx, task->regions[0])); p(); p++) {
    a[*p] = (*p)[0] + 10 * (*p)[1];
    b[*p] = 0;
  }
}

void work_task(const Task* task, const std::vector<PhysicalRegion>& regions, Context ctx,
               Runtime* rt) {
  const int now = ++g_running;
  int most = g_most.load();
  while (now > most && !g_most.compare_exchange_weak(most, now)) {
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(options().sleep_ms));
  const FieldAccessor<LEGION_READ_ONLY, std::int64_t, 2> a(regions[0], FID_A);
  const FieldAccessor<LEGION_READ_WRITE, std::int64_t, 2> b(regions[1], FID_B);
  for (PointInRectIterator<2> p(bounds(rt, ctx, task->regions[1])); p(); p++)
    b[*p] = static_cast<std::int64_t>(b[*p]) + static_cast<std::int64_t>(a[*p]);
  --g_running;
}

void inner_task(const Task* task, const std::vector<PhysicalRegion>&, Context ctx, Runtime* rt) {
  const Grid g = *static_cast<const Grid*>(task->args);
  IndexLauncher l(WORK_ID, g.colors, TaskArgument(), ArgumentMap());
  add_work_requirements(l, g, task->regions[0].region, false);
  rt->execute_index_space(ctx, l);
}

void relaxed_task(const Task*, const std::vector<PhysicalRegion>&, Context, Runtime*) {}

void sum_task(const Task* task, const std::vector<PhysicalRegion>& regions, Context ctx,
              Runtime* rt) {
  const FieldAccessor<LEGION_READ_ONLY, std::int64_t, 2> a(regions[0], FID_A);
  const ReductionAccessor<SumReduction<std::int64_t>, true, 1, coord_t,
                          Realm::AffineAccessor<std::int64_t, 1, coord_t>>
      total(regions[1], FID_TOTAL, LEGION_REDOP_SUM_INT64);
  std::int64_t s = 0;
  for (PointInRectIterator<2> p(bounds(rt, ctx, task->regions[0])); p(); p++)
    s += a[*p];
  total[Point<1>(0)] <<= s;
}

void check_task(const Task* task, const std::vector<PhysicalRegion>& regions, Context ctx,
                Runtime* rt) {
  const int works = *static_cast<const int*>(task->args);
  const FieldAccessor<LEGION_READ_ONLY, std::int64_t, 2> a(regions[0], FID_A);
  const FieldAccessor<LEGION_READ_ONLY, std::int64_t, 2> b(regions[0], FID_B);
  bool ok = true;
  std::int64_t sum = 0;
  for (PointInRectIterator<2> p(bounds(rt, ctx, task->regions[0])); p(); p++) {
    ok = ok && b[*p] == works * a[*p];
    sum += a[*p];
  }
  if (regions.size() > 1) {
    const FieldAccessor<LEGION_READ_ONLY, std::int64_t, 1> total(regions[1], FID_TOTAL);
    ok = ok && total[Point<1>(0)] == sum;
  }
  std::printf("%s\n", ok ? "SUCCESS!" : "FAILURE");
}

void top_level_task(const Task*, const std::vector<PhysicalRegion>&, Context ctx, Runtime* rt) {
  const Options o = options();
  const size_t shards = rt->get_num_shards(ctx, true);
  if (shards > 1)
    std::printf("probe: shard %u of %zu\n", static_cast<unsigned>(rt->get_shard_id(ctx, true)),
                shards);
  const coord_t nx = 2 * o.pieces, ny = 4;
  const IndexSpaceT<2> is =
      rt->create_index_space(ctx, Rect<2>(Point<2>(0, 0), Point<2>(nx - 1, ny - 1)));
  const FieldSpace fs = rt->create_field_space(ctx);
  {
    FieldAllocator alloc = rt->create_field_allocator(ctx, fs);
    alloc.allocate_field(sizeof(std::int64_t), FID_A);
    alloc.allocate_field(sizeof(std::int64_t), FID_B);
  }
  Grid g;
  g.grid = rt->create_logical_region(ctx, is, fs);
  rt->attach_name(g.grid, "grid");
  const IndexPartitionT<2> ip = rt->create_partition_by_blockify(ctx, is, Point<2>(2, ny));
  g.pieces = rt->get_logical_partition(ctx, g.grid, ip);
  rt->attach_name(g.pieces, "pieces");
  g.colors = rt->get_index_partition_color_space(ctx, ip);

  IndexLauncher init(INIT_ID, g.colors, TaskArgument(), ArgumentMap());
  init.add_region_requirement(
      RegionRequirement(g.pieces, 0, LEGION_WRITE_DISCARD, LEGION_EXCLUSIVE, g.grid));
  init.region_requirements[0].add_field(FID_A);
  init.region_requirements[0].add_field(FID_B);
  rt->execute_index_space(ctx, init);

  int works = 1;
  IndexLauncher work(WORK_ID, g.colors, TaskArgument(), ArgumentMap());
  add_work_requirements(work, g, g.grid, o.exact_tag);
  rt->execute_index_space(ctx, work);

  if (o.inner) {
    TaskLauncher inner(INNER_ID, TaskArgument(&g, sizeof(g)));
    inner.add_region_requirement(
        RegionRequirement(g.grid, LEGION_READ_WRITE, LEGION_EXCLUSIVE, g.grid));
    inner.region_requirements[0].add_field(FID_A);
    inner.region_requirements[0].add_field(FID_B);
    rt->execute_task(ctx, inner);
    ++works;
  }
  if (o.relaxed) {
    TaskLauncher relaxed(RELAXED_ID, TaskArgument());
    relaxed.add_region_requirement(
        RegionRequirement(g.grid, LEGION_READ_WRITE, LEGION_SIMULTANEOUS, g.grid));
    relaxed.region_requirements[0].add_field(FID_B);
    rt->execute_task(ctx, relaxed);
  }
  if (o.epoch) {
    MustEpochLauncher epoch;
    IndexLauncher again(WORK_ID, g.colors, TaskArgument(), ArgumentMap());
    add_work_requirements(again, g, g.grid, false);
    epoch.add_index_task(again);
    rt->execute_must_epoch(ctx, epoch).wait_all_results();
    ++works;
  }
  LogicalRegion total = LogicalRegion::NO_REGION;
  if (o.reduce) {
    const IndexSpaceT<1> one = rt->create_index_space(ctx, Rect<1>(0, 0));
    const FieldSpace tfs = rt->create_field_space(ctx);
    rt->create_field_allocator(ctx, tfs).allocate_field(sizeof(std::int64_t), FID_TOTAL);
    total = rt->create_logical_region(ctx, one, tfs);
    rt->attach_name(total, "total");
    rt->fill_field<std::int64_t>(ctx, total, total, FID_TOTAL, 0);
    IndexLauncher sum(SUM_ID, g.colors, TaskArgument(), ArgumentMap());
    sum.add_region_requirement(
        RegionRequirement(g.pieces, 0, LEGION_READ_ONLY, LEGION_EXCLUSIVE, g.grid));
    sum.region_requirements[0].add_field(FID_A);
    sum.add_region_requirement(
        RegionRequirement(total, 0, LEGION_REDOP_SUM_INT64, LEGION_EXCLUSIVE, total));
    sum.region_requirements[1].add_field(FID_TOTAL);
    rt->execute_index_space(ctx, sum);
  }

  TaskLauncher check(CHECK_ID, TaskArgument(&works, sizeof(works)));
  check.add_region_requirement(
      RegionRequirement(g.grid, LEGION_READ_ONLY, LEGION_EXCLUSIVE, g.grid));
  check.region_requirements[0].add_field(FID_A);
  check.region_requirements[0].add_field(FID_B);
  if (o.reduce) {
    check.add_region_requirement(
        RegionRequirement(total, LEGION_READ_ONLY, LEGION_EXCLUSIVE, total));
    check.region_requirements[1].add_field(FID_TOTAL);
  }
  rt->execute_task(ctx, check).get_void_result();
  std::printf("probe: at most %d work tasks ran at once\n", g_most.load());
}

template <void (*TASK)(const Task*, const std::vector<PhysicalRegion>&, Context, Runtime*)>
void preregister(TaskID id, const char* name, bool inner, bool replicable = false,
                 LayoutConstraintID layout = 0) {
  TaskVariantRegistrar r(id, name);
  r.add_constraint(ProcessorConstraint(Processor::LOC_PROC));
  if (inner)
    r.set_inner();
  else
    r.set_leaf();
  if (replicable) r.set_replicable();
  if (layout != 0) {
    r.add_layout_constraint_set(0, layout);
    r.add_layout_constraint_set(1, layout);
  }
  Runtime::preregister_task_variant<TASK>(r, name);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  Runtime::set_top_level_task_id(TOP_LEVEL_ID);
  LayoutConstraintID c_order = 0;
  if (o.c_order_work) {
    // The variant needs C_order instances: the last dimension (y) fastest, the fields last.
    LayoutConstraintRegistrar layout;
    const std::vector<DimensionKind> order = {LEGION_DIM_Y, LEGION_DIM_X, LEGION_DIM_F};
    layout.add_constraint(OrderingConstraint(order, false /*contiguous*/));
    c_order = Runtime::preregister_layout(layout);
  }
  preregister<top_level_task>(TOP_LEVEL_ID, "top_level", true, !o.no_replicable);
  preregister<init_task>(INIT_ID, "init", false);
  preregister<work_task>(WORK_ID, "work", false, false, c_order);
  preregister<inner_task>(INNER_ID, "inner", true);
  preregister<relaxed_task>(RELAXED_ID, "relaxed", true);
  preregister<sum_task>(SUM_ID, "sum", false);
  preregister<check_task>(CHECK_ID, "check", false);
  return Runtime::start(argc, argv);
}
