// The control-replication hang without mapsmith: Legion's DefaultMapper, changed only to replicate
// the top-level task over every CPU of the process (select_task_options and replicate_task), and
// a top-level task that launches one child. With -ll:cpu 2 the shards never start under the
// Release CPU-only build of Legion 25.06, as with both mapsmith mappers (docs/legion.md, "Known
// failure"); with -ll:cpu 1 (one shard: no replication) it prints "crepl: done".
#include <cstdio>
#include <set>
#include <vector>

#include "legion.h"
#include "mappers/default_mapper.h"

namespace {

using namespace Legion;
using namespace Legion::Mapping;

enum : TaskID { TOP_ID = 1, CHILD_ID = 2 };

class ReplicatingMapper final : public DefaultMapper {
 public:
  ReplicatingMapper(MapperRuntime* rt, Machine m, Processor p)
      : DefaultMapper(rt, m, p, "replicating") {}

  void select_task_options(const MapperContext ctx, const Task& task,
                           TaskOptions& output) override {
    DefaultMapper::select_task_options(ctx, task, output);
    if (task.get_depth() == 0) output.replicate = true;
  }

  void replicate_task(MapperContext ctx, const Task& task, const ReplicateTaskInput&,
                      ReplicateTaskOutput& output) override {
    if (task.get_depth() > 0) return;
    output.chosen_variant =
        default_find_preferred_variant(task, ctx, true, true, task.target_proc.kind()).variant;
    Machine::ProcessorQuery cpus(machine);
    cpus.only_kind(Processor::LOC_PROC).local_address_space();
    for (Processor p : cpus)
      output.target_processors.push_back(p);
    std::fprintf(stderr, "crepl: %zu shards\n", output.target_processors.size());
  }
};

void child_task(const Task*, const std::vector<PhysicalRegion>&, Context, Runtime*) {}

void top_task(const Task*, const std::vector<PhysicalRegion>&, Context ctx, Runtime* rt) {
  std::fprintf(stderr, "crepl: shard %u started\n",
               static_cast<unsigned>(rt->get_shard_id(ctx, true)));
  rt->execute_task(ctx, TaskLauncher(CHILD_ID, TaskArgument())).get_void_result();
  std::fprintf(stderr, "crepl: done\n");
}

void add_mappers(Machine machine, Runtime* rt, const std::set<Processor>& local) {
  for (Processor p : local)
    rt->replace_default_mapper(new ReplicatingMapper(rt->get_mapper_runtime(), machine, p), p);
}

}  // namespace

int main(int argc, char** argv) {
  Runtime::set_top_level_task_id(TOP_ID);
  {
    TaskVariantRegistrar r(TOP_ID, "top_level");
    r.add_constraint(ProcessorConstraint(Processor::LOC_PROC));
    r.set_inner();
    r.set_replicable();
    Runtime::preregister_task_variant<top_task>(r, "top_level");
  }
  {
    TaskVariantRegistrar r(CHILD_ID, "child");
    r.add_constraint(ProcessorConstraint(Processor::LOC_PROC));
    r.set_leaf();
    Runtime::preregister_task_variant<child_task>(r, "child");
  }
  Runtime::add_registration_callback(add_mappers);
  return Runtime::start(argc, argv);
}
