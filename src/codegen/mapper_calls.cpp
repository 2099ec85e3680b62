// The Legion mapper calls of the generated mapper: select_task_options, slice_task,
// map_task and the others, and the helpers they call.
#include <fmt/format.h>

#include "codegen/generator.h"
#include "codegen/rules.h"
#include "codegen/text.h"

namespace mapsmith::codegen {

using dsl::Stmt;
using dsl::StmtKind;

std::string Generator::select_task_options() const {
  std::string o = def("void", "select_task_options",
                      {"const MapperContext ctx", "const Task& task", "TaskOptions& output"});
  o += fmt::format("  {}::select_task_options(ctx, task, output);\n", base_);
  if (has(StmtKind::ControlReplicate)) {
    o += "  // Legion replicates single tasks only, and none of a must-epoch launch.\n"
         "  if (control_replicate(task.get_task_name()) != nullptr)\n"
         "    output.replicate = !task.is_index_space && !task.must_epoch_task;\n";
  }
  o += "  // The top-level task starts where Legion starts it: on the first CPU of node 0.\n"
       "  if (task.get_depth() == 0) return;\n"
       "  const Processor::Kind kind = choose_kind(ctx, task);\n"
       "  if (kind == Processor::NO_KIND) return;  // nothing listed can run it: Legion's "
       "choice\n"
       "  // An index launch is sliced by a mapper of the chosen kind; a single task goes "
       "straight to\n  // its processor.\n"
       "  output.initial_proc =\n"
       "      task.is_index_space ? first_of_kind(kind) : single_task_processor(task, "
       "kind);\n}\n";
  return o;
}

std::string Generator::slice_task() const {
  return def("void", "slice_task",
             {"const MapperContext ctx", "const Task& task", "const SliceTaskInput& input",
              "SliceTaskOutput& output"}) +
         fmt::format(
             "  const Processor::Kind kind = task.target_proc.kind();\n"
             "  const PointMapper map = index_task_map(task.get_task_name(), kind);\n"
             "  if (map == nullptr) {{\n"
             "    {0}::slice_task(ctx, task, input, output);\n"
             "    return;\n"
             "  }}\n"
             "  // One slice per point, on the processor the mapping function picks for it.\n"
             "  for (Domain::DomainPointIterator it(input.domain); it; it++) {{\n"
             "    const Processor p =\n"
             "        checked((this->*map)(view_of(&task, it.p, task.index_domain)), kind, "
             "task);\n"
             "    output.slices.push_back(\n"
             "        TaskSlice(Domain(it.p, it.p), p, false /*recurse*/, false "
             "/*stealable*/));\n"
             "  }}\n}}\n",
             base_);
}

std::string Generator::map_task() const {
  std::string o = def("void", "map_task",
                      {"const MapperContext ctx", "const Task& task", "const MapTaskInput& input",
                       "MapTaskOutput& output"});
  const bool limit = has(StmtKind::InstanceLimit);
  const bool collect = has(StmtKind::CollectMemory);
  if (collect) o += "  const std::string name = task.get_task_name();\n";
  if (own_instances()) {
    o += "  // A shard of a control-replicated task maps on its shard's processor, with the "
         "variant\n  // replicate_task chose.\n"
         "  const bool shard = input.shard_processor.exists();\n"
         "  const Processor target = shard ? input.shard_processor : task.target_proc;\n"
         "  VariantInfo variant;\n"
         "  if (shard) {\n"
         "    variant.variant = input.shard_variant;\n"
         "    variant.is_inner = runtime->is_inner_variant(ctx, task.task_id, "
         "input.shard_variant);\n"
         "  } else {\n"
         "    variant = default_find_preferred_variant(task, ctx, true /*needs tight bound*/,\n"
         "                                             true /*cache*/, target.kind());\n"
         "  }\n"
         "  output.chosen_variant = variant.variant;\n"
         "  output.target_procs.assign(1, target);  // for a shard: exactly its processor\n"
         "  output.task_priority = 0;\n"
         "  output.postmap_task = false;\n"
         "  // An inner task only hands its regions on: they are mapped virtually, unless one "
         "has relaxed\n  // coherence (Legion refuses a virtual mapping then) or only reduces "
         "(it needs an instance),\n  // as in Legion's default mapper.\n"
         "  bool virtual_inner = variant.is_inner;\n"
         "  for (const RegionRequirement& req : task.regions)\n"
         "    if (req.prop != LEGION_EXCLUSIVE) virtual_inner = false;\n"
         "  std::vector<bool> premapped(task.regions.size(), false);  // by a must-epoch "
         "launch\n"
         "  for (unsigned idx : input.premapped_regions) premapped[idx] = true;\n"
         "  for (unsigned idx = 0; idx < task.regions.size(); ++idx) {\n"
         "    const RegionRequirement& req = task.regions[idx];\n"
         "    if (premapped[idx] || req.privilege == LEGION_NO_ACCESS || "
         "req.privilege_fields.empty())\n"
         "      continue;\n"
         "    if (virtual_inner && req.privilege != LEGION_REDUCE) {\n"
         "      output.chosen_instances[idx].push_back(PhysicalInstance::get_virtual_instance());"
         "\n"
         "      continue;\n"
         "    }\n"
         "    place_region(ctx, task, idx, target, variant.variant, "
         "output.chosen_instances[idx]);\n"
         "  }\n"
         "  for (unsigned i = 0; i < task.output_regions.size(); ++i) {\n"
         "    output.output_targets[i] = default_policy_select_output_target(ctx, target);\n"
         "    default_policy_select_output_constraints(task, output.output_constraints[i],\n"
         "                                             task.output_regions[i]);\n"
         "  }\n";
  } else {
    o += fmt::format("  {}::map_task(ctx, task, input, output);\n", base_);
  }
  if (collect) {
    o += "  // CollectMemory: the runtime does not keep these read-only instances valid after "
         "the task.\n"
         "  for (unsigned idx = 0; idx < task.regions.size(); ++idx)\n"
         "    if (task.regions[idx].privilege == LEGION_READ_ONLY &&\n"
         "        collect_memory(name, region_arg(ctx, task, idx)))\n"
         "      output.untracked_valid_regions.insert(idx);\n";
  }
  if (limit) {
    o += "  // InstanceLimit: learn when the task finishes (report_profiling).\n"
         "  if (backpressure_ && instance_limit(task.get_task_name()) > 0)\n"
         "    output.task_prof_requests.add_measurement<ProfilingMeasurements::"
         "OperationStatus>();\n";
  }
  o += "  if (log_placements_ && !output.target_procs.empty())\n"
       "    log_placement(task, output.target_procs.front());\n}\n";
  return o;
}

std::string Generator::replicate_task() const {
  return def("void", "replicate_task",
             {"MapperContext ctx", "const Task& task", "const ReplicateTaskInput& input",
              "ReplicateTaskOutput& output"}) +
         fmt::format(
             "  const Statement* statement = control_replicate(task.get_task_name());\n"
             "  if (statement == nullptr) {{\n"
             "    {0}::replicate_task(ctx, task, input, output);\n"
             "    return;\n"
             "  }}\n"
             "  const Processor::Kind kind = task.target_proc.kind();\n"
             "  const VariantInfo variant = default_find_preferred_variant(\n"
             "      task, ctx, true /*needs tight bound*/, true /*cache*/, kind);\n"
             "  if (!variant.is_replicable)\n"
             "    fail(located(*statement, std::string(\"task \") + task.get_task_name() +\n"
             "                                 \" has no replicable variant for \" + text(kind) +\n"
             "                                 \": Legion control-replicates only a variant \"\n"
             "                                 \"registered with \"\n"
             "                                 \"TaskVariantRegistrar::set_replicable()\"));\n"
             "  output.chosen_variant = variant.variant;\n"
             "  // ControlReplicate: one shard per node, on its first processor of the task's "
             "kind; on one\n"
             "  // node one shard per processor of the kind, as the published DSL mapper "
             "places them.\n"
             "  if (total_nodes == 1) {{\n"
             "    output.target_processors = on_node(kind, 0);\n"
             "    return;\n"
             "  }}\n"
             "  for (AddressSpace node = 0; node < total_nodes; ++node) {{\n"
             "    if (on_node(kind, node).empty())\n"
             "      fail(located(*statement, \"node \" + std::to_string(node) + \" has no \" + "
             "text(kind) +\n"
             "                                   \" processor for a shard of task \" + "
             "task.get_task_name()));\n"
             "    output.target_processors.push_back(on_node(kind, node).front());\n"
             "  }}\n}}\n",
             base_);
}

std::string Generator::select_sharding_functor() const {
  return def("void", "select_sharding_functor",
             {"const MapperContext ctx", "const Task& task",
              "const SelectShardingFunctorInput& input", "SelectShardingFunctorOutput& output"}) +
         fmt::format(
             "  // A point of an index launch goes to the shard of its IndexTaskMap function's "
             "node. A single\n"
             "  // task keeps the default functor: the shard that owns it places it as its "
             "SingleTaskMap\n"
             "  // function says, with its parent at hand.\n"
             "  const PointMapper map =\n"
             "      task.is_index_space ? index_task_map(task.get_task_name(), "
             "task.target_proc.kind())\n"
             "                          : nullptr;\n"
             "  if (map == nullptr || sharding_first_ == 0) {{\n"
             "    {0}::select_sharding_functor(ctx, task, input, output);\n"
             "    return;\n"
             "  }}\n"
             "  // The functor of `map`: register_sharding_functors() numbers them in this "
             "order.\n"
             "{1}}}\n",
             base_, sharding_choice());
}

std::string Generator::instance_limit_calls() const {
  return def("void", "select_tasks_to_map",
             {"const MapperContext ctx", "const SelectMappingInput& input",
              "SelectMappingOutput& output"}) +
         fmt::format(
             "  if (!backpressure_) {{  // -tm:disable_backpressure: InstanceLimit is not "
             "applied\n"
             "    {0}::select_tasks_to_map(ctx, input, output);\n"
             "    return;\n"
             "  }}\n"
             "  // As the default mapper selects: the deepest ready tasks, at most "
             "max_schedule_count. A\n"
             "  // task with an InstanceLimit waits while as many limited tasks launched from "
             "its\n"
             "  // processor as its limit are mapped and unfinished; each is counted when "
             "selected, every\n"
             "  // point of an index launch too (the published DSL mapper's count).\n"
             "  int depth = 0;\n"
             "  bool limited = false;\n"
             "  for (const Task* task : input.ready_tasks) {{\n"
             "    depth = std::max(depth, task->get_depth());\n"
             "    limited = limited || instance_limit(task->get_task_name()) > 0;\n"
             "  }}\n"
             "  const MapperEvent wake = limited ? runtime->create_mapper_event(ctx) : "
             "MapperEvent();\n"
             "  bool waiting = false;  // `wake` is on a waiting list: a finishing task "
             "triggers it\n"
             "  InFlight& state = in_flight();\n"
             "  for (const Task* task : input.ready_tasks) {{\n"
             "    if (output.map_tasks.size() >= max_schedule_count) break;\n"
             "    if (task->get_depth() != depth) continue;\n"
             "    const coord_t limit = instance_limit(task->get_task_name());\n"
             "    if (limit > 0) {{\n"
             "      std::lock_guard<std::mutex> guard(state.lock);\n"
             "      std::vector<UniqueID>& mapped = state.mapped[task->orig_proc];\n"
             "      if (static_cast<coord_t>(mapped.size()) >= limit) {{\n"
             "        if (!waiting) state.waiting[task->orig_proc].push_back(wake);\n"
             "        waiting = true;\n"
             "        continue;\n"
             "      }}\n"
             "      mapped.push_back(task->get_unique_id());\n"
             "    }}\n"
             "    output.map_tasks.insert(task);\n"
             "  }}\n"
             "  if (output.map_tasks.empty() && waiting) output.deferral_event = wake;  // "
             "ask again then\n"
             "  if (limited && !waiting) runtime->trigger_mapper_event(ctx, wake);  // not "
             "needed\n}}\n",
             base_) +
         def("void", "report_profiling",
             {"const MapperContext ctx", "const Task& task", "const TaskProfilingInfo& input"}) +
         fmt::format(
             "  if (!backpressure_ || instance_limit(task.get_task_name()) == 0) {{\n"
             "    {0}::report_profiling(ctx, task, input);\n"
             "    return;\n"
             "  }}\n"
             "  // A limited task finished: one more launched from its processor may map.\n"
             "  std::vector<MapperEvent> wake;\n"
             "  {{\n"
             "    InFlight& state = in_flight();\n"
             "    std::lock_guard<std::mutex> guard(state.lock);\n"
             "    std::vector<UniqueID>& mapped = state.mapped[task.orig_proc];\n"
             "    mapped.erase(std::remove(mapped.begin(), mapped.end(), task.get_unique_id()),\n"
             "                 mapped.end());\n"
             "    wake.swap(state.waiting[task.orig_proc]);\n"
             "  }}\n"
             "  for (const MapperEvent& event : wake) runtime->trigger_mapper_event(ctx, "
             "event);\n}}\n",
             base_);
}

std::string Generator::helpers() const {
  std::string o;
  o += doc_def(
      "/// The kind a task runs on: the first kind of its Task statement (or of the default "
      "order GPU,\n/// OMP, CPU) that it has a variant for and this machine has processors "
      "of.\n",
      "Processor::Kind", "choose_kind", {"const MapperContext ctx", "const Task& task"},
      " const {");
  if (has(StmtKind::Task)) {
    o += "  const std::vector<Processor::Kind> kinds = kind_priority(task.get_task_name());\n";
  } else {
    o += "  const std::vector<Processor::Kind> kinds = {Processor::TOC_PROC, "
         "Processor::OMP_PROC,\n                                                "
         "Processor::LOC_PROC};\n";
  }
  o += "  for (Processor::Kind kind : kinds) {\n"
       "    std::vector<VariantID> variants;\n"
       "    runtime->find_valid_variants(ctx, task.task_id, variants, kind);\n"
       "    if (!variants.empty() && procs_.count(kind) > 0) return kind;\n"
       "  }\n"
       "  return Processor::NO_KIND;\n}\n";
  o += doc_def(
      "/// Where a single task runs: where its SingleTaskMap function says, or else its "
      "parent's\n/// processor when that is of the kind, else the first of the kind on the "
      "parent's node.\n",
      "Processor", "single_task_processor", {"const Task& task", "Processor::Kind kind"});
  if (has(StmtKind::SingleTaskMap)) {
    o += "  if (const PointMapper map = single_task_map(task.get_task_name(), kind))\n"
         "    return checked((this->*map)(view_of(&task, DomainPoint(), Domain())), kind, "
         "task);\n";
  }
  o += "  const Task* parent = task.get_parent_task();\n"
       "  const Processor here = parent != nullptr ? parent->current_proc : local_proc;\n"
       "  if (here.kind() == kind) return here;\n"
       "  const std::vector<Processor>& there = on_node(kind, here.address_space());\n"
       "  return there.empty() ? first_of_kind(kind) : there.front();\n}\n";
  o += doc_def("/// The processors of `kind` on `node`, in Legion's order.\n",
               "const std::vector<Processor>&", "on_node",
               {"Processor::Kind kind", "AddressSpace node"}, " const {");
  o += "  static const std::vector<Processor> none;\n"
       "  auto it = procs_.find(kind);\n"
       "  return it == procs_.end() || node >= it->second.size() ? none : it->second[node];\n"
       "}\n";
  o += doc_def(
      "/// This mapper's processor if it is of the kind, else the first of the kind on this "
      "node, else\n/// the first anywhere.\n",
      "Processor", "first_of_kind", {"Processor::Kind kind"}, " const {");
  o += "  if (local_proc.kind() == kind) return local_proc;\n"
       "  if (!on_node(kind, node_id).empty()) return on_node(kind, node_id).front();\n"
       "  for (const std::vector<Processor>& node : procs_.at(kind))\n"
       "    if (!node.empty()) return node.front();\n"
       "  return Processor::NO_PROC;\n}\n";
  if (!map_functions_.empty()) {
    o += doc_def("/// `p`, once checked to be a processor of the kind the task was given.\n",
                 "Processor", "checked",
                 {"Processor p", "Processor::Kind kind", "const Task& task"}, " const {");
    o += "  if (!p.exists() || p.kind() != kind)\n"
         "    fail(std::string(\"the mapping function of task \") + task.get_task_name() + \" "
         "returned a \" +\n"
         "         text(p.kind()) + \" processor, but the task runs on \" + text(kind));\n"
         "  return p;\n}\n";
  }
  o += doc_def(
      "/// -mapsmith:log: \"mapsmith: TASK POINT -> node N KIND I\", where I counts the "
      "processors of\n/// KIND on node N from 0 and POINT is written as `mapsmith explain` "
      "writes it.\n",
      "void", "log_placement", {"const Task& task", "Processor p"}, " const {");
  o += "  const std::vector<Processor>& node = on_node(p.kind(), p.address_space());\n"
       "  const long index = std::find(node.begin(), node.end(), p) - node.begin();\n"
       "  const std::string point =\n"
       "      task.is_index_space\n"
       "          ? text(view_of(&task, task.index_point, task.index_domain).ipoint)\n"
       "          : std::string(\"-\");\n"
       "  std::printf(\"mapsmith: %s %s -> node %u %s %ld\\n\", task.get_task_name(), "
       "point.c_str(),\n"
       "              static_cast<unsigned>(p.address_space()), text(p.kind()).c_str(), "
       "index);\n}\n";
  const auto& n = tr_.needs();
  if (n.count("mspace")) {
    o += doc_def(
        "/// Machine(KIND): (nodes, processors of KIND per node); of size (0, 0) when there "
        "are none.\n",
        "MSpace", "machine_space", {"Processor::Kind kind"}, " const {");
    o += "  static const std::vector<std::vector<Processor>> none;\n"
         "  auto it = procs_.find(kind);\n"
         "  if (it == procs_.end()) return MSpace(&none, 0);\n"
         "  return MSpace(&it->second, static_cast<coord_t>(it->second.front().size()));\n}\n";
  }
  if (n.count("parent")) {
    o += doc_def(
        "/// task.parent: the task that launched `task`; `where` is the place of the `.parent` "
        "in the\n/// program.\n",
        "MappedTask", "parent_of", {"const MappedTask& task", "const char* where"}, " const {");
    o += "  if (task.legion == nullptr)\n"
         "    fail(std::string(where) +\n"
         "         \": error: task.parent is not known to a sharding functor: under control "
         "replication the \"\n"
         "         \"shard of a point is chosen from the point and the launch alone; use "
         "task.ipoint and \"\n"
         "         \"task.ispace in a function that IndexTaskMap or SingleTaskMap names\");\n"
         "  const Task* parent = task.legion->get_parent_task();\n"
         "  if (parent == nullptr)\n"
         "    fail(std::string(where) + \": error: task \" + task.legion->get_task_name() +\n"
         "         \" has no parent: it is the top-level task\");\n"
         "  MappedTask view = parent->is_index_space\n"
         "                        ? view_of(parent, parent->index_point, parent->index_domain)\n"
         "                        : view_of(parent, DomainPoint(), Domain());\n"
         "  view.processor = parent->current_proc;\n"
         "  return view;\n}\n";
  }
  if (n.count("has_memory")) {
    o += doc_def("/// p.has(KIND): whether processor p can reach a memory of that kind.\n", "bool",
                 "has_memory", {"Processor p", "Memory::Kind kind"}, " const {");
    o += "  Machine::MemoryQuery memories(machine);\n"
         "  memories.only_kind(kind).has_affinity_to(p);\n"
         "  return memories.count() > 0;\n}\n";
  }
  if (n.count("describe")) {
    o += doc_def("/// A processor as print() writes it: \"CPU 1 of node 0\".\n", "std::string",
                 "describe", {"Processor p"}, " const {");
    o += "  const std::vector<Processor>& node = on_node(p.kind(), p.address_space());\n"
         "  const long index = std::find(node.begin(), node.end(), p) - node.begin();\n"
         "  return text(p.kind()) + \" \" + std::to_string(index) + \" of node \" +\n"
         "         std::to_string(p.address_space());\n}\n";
  }
  if (n.count("print")) {
    o += doc_def(
        "/// print(...): the format with each {} replaced by the next value, to the "
        "\"mapsmith\" log.\n",
        "void", "print", {"const char* format", "const std::vector<std::string>& values"},
        " const {");
    o += "  std::string line;\n"
         "  size_t next = 0;\n"
         "  for (const char* c = format; *c != '\\0'; ++c) {\n"
         "    if (c[0] == '{' && c[1] == '}' && next < values.size()) {\n"
         "      line += values[next++];\n"
         "      ++c;\n"
         "    } else {\n"
         "      line += *c;\n"
         "    }\n"
         "  }\n"
         "  log_mapsmith.print() << line;\n}\n";
  }
  if (own_instances() || has(StmtKind::CollectMemory)) {
    o += doc_def(
        "/// Region argument `idx` of `task`, with the names attached to its region, to the "
        "partition it\n/// was taken from and to the root of its region tree.\n",
        "RegionArg", "region_arg", {"const MapperContext ctx", "const Task& task", "unsigned idx"},
        " const {");
    o += "  RegionArg arg;\n"
         "  arg.index = idx;\n"
         "  auto add_name = [&](const auto& handle) {\n"
         "    const void* name = nullptr;\n"
         "    size_t size = 0;\n"
         "    if (runtime->retrieve_semantic_information(ctx, handle, LEGION_NAME_SEMANTIC_TAG, "
         "name, size,\n"
         "                                               true /*can fail*/, false /*wait*/))\n"
         "      arg.names.emplace_back(static_cast<const char*>(name));\n"
         "  };\n"
         "  const LogicalRegion region = task.regions[idx].region;\n"
         "  add_name(region);\n"
         "  LogicalRegion root = region;\n"
         "  while (runtime->has_parent_logical_partition(ctx, root)) {\n"
         "    const LogicalPartition partition = runtime->get_parent_logical_partition(ctx, "
         "root);\n"
         "    if (root == region) add_name(partition);\n"
         "    root = runtime->get_parent_logical_region(ctx, partition);\n"
         "  }\n"
         "  if (root != region) add_name(root);\n"
         "  return arg;\n}\n";
  }
  if (own_instances()) {
    o += doc_def(
        "/// Maps region argument `idx` of `task`: in the first memory kind of its Region "
        "statement that\n/// `target` can reach and that has room, with the layout of its "
        "Layout statement and of\n/// the variant.\n",
        "void", "place_region",
        {"const MapperContext ctx", "const Task& task", "unsigned idx", "Processor target",
         "VariantID variant", "std::vector<PhysicalInstance>& instances"});
    o += "  const RegionRequirement& req = task.regions[idx];\n"
         "  if ((req.tag & DefaultMapper::VIRTUAL_MAP) != 0) {  // the application asks for "
         "it\n"
         "    instances.push_back(PhysicalInstance::get_virtual_instance());\n"
         "    return;\n"
         "  }\n"
         "  const RegionArg arg = region_arg(ctx, task, idx);\n";
    if (has(StmtKind::Region)) {
      o += "  MemoryChoice choice = memory_priority(task.get_task_name(), arg, target.kind());\n"
           "  if (choice.kinds.empty())  // no Region statement: the default mapper's memory\n"
           "    choice.kinds.push_back(default_policy_select_target_memory(ctx, target, "
           "req).kind());\n";
      if (has_virtual()) {
        o += "  if (choice.kinds.front() == kVirtual)  // inner tasks do not get here\n"
             "    fail(located(*choice.statement,\n"
             "                 \"region argument \" + std::to_string(idx) + \" of task \" +\n"
             "                     task.get_task_name() +\n"
             "                     \" cannot be mapped virtually: Legion maps a region "
             "virtually only for an \"\n"
             "                     \"inner task whose regions have exclusive coherence\"));\n";
      }
    } else {
      o += "  MemoryChoice choice;  // no Region statement: the default mapper's memory\n"
           "  choice.kinds.push_back(default_policy_select_target_memory(ctx, target, "
           "req).kind());\n";
    }
    o += "  const int dims = req.region.get_index_space().get_dim();\n"
         "  const bool reduction = req.privilege == LEGION_REDUCE;\n"
         "  Memory memory = Memory::NO_MEMORY;\n"
         "  for (Memory::Kind kind : choice.kinds) {\n"
         "    memory = memory_near(target, kind);\n"
         "    if (!memory.exists()) continue;  // not reachable from this processor: the next "
         "kind\n";
    if (has(StmtKind::Layout)) {
      o += "    const Layout layout = layout_of(task.get_task_name(), arg, target.kind(), "
           "kind);\n";
    } else {
      o += "    const Layout layout;  // no Layout statement: SOA, F_order\n";
    }
    o += "    const LayoutConstraintSet constraints = variant_layout(\n"
         "        ctx, task, variant, idx, layout, layout.constraints(req, dims, kind), dims);\n"
         "    // The region the instance covers, as Legion's default mapper chooses it: on one "
         "node the\n    // root of the region tree, except for Exact, -dm:exact_region, "
         "EXACT_REGION and a\n    // framebuffer or zero-copy memory.\n"
         "    const std::vector<LogicalRegion> regions(\n"
         "        1, default_policy_select_instance_region(ctx, memory, req, constraints, "
         "reduction,\n"
         "                                                 true /*meets constraints*/));\n"
         "    const bool tight = layout.is_exact() || (req.tag & DefaultMapper::EXACT_REGION) != "
         "0;\n"
         "    PhysicalInstance instance;\n"
         "    bool created = true;\n"
         "    const bool made =\n"
         "        reduction  // reduction instances are never shared\n"
         "            ? runtime->create_physical_instance(ctx, memory, constraints, regions, "
         "instance, true,\n"
         "                                                0, tight)\n"
         "            : runtime->find_or_create_physical_instance(ctx, memory, constraints, "
         "regions,\n"
         "                                                        instance, created, true, 0, "
         "tight);\n"
         "    if (!made) continue;  // full: the next kind\n"
         "    if (created) {  // the default mapper's collection priority: reductions go first\n"
         "      const int priority = default_policy_select_garbage_collection_priority(\n"
         "          ctx, TASK_MAPPING, memory, instance, true, reduction);\n"
         "      if (priority != 0) runtime->set_garbage_collection_priority(ctx, instance, "
         "priority);\n"
         "    }\n"
         "    instances.push_back(instance);\n"
         "    return;\n"
         "  }  // every kind full or unreachable:\n"
         "  default_report_failed_instance_creation(task, idx, target, memory);\n}\n";
    o += doc_def(
        "/// The memory of `kind` that processor `p` reaches best (its own socket's, its own "
        "framebuffer),\n/// as Legion's default mapper and the published DSL mapper choose; "
        "zero-copy memory by plain\n/// affinity. NO_MEMORY when there is none.\n",
        "Memory", "memory_near", {"Processor p", "Memory::Kind kind"}, " const {");
    o += "  Machine::MemoryQuery memories(machine);\n"
         "  memories.same_address_space_as(p).only_kind(kind);\n"
         "  if (kind == Memory::Z_COPY_MEM)\n"
         "    memories.has_affinity_to(p);\n"
         "  else\n"
         "    memories.best_affinity_to(p);\n"
         "  for (Memory m : memories)\n"
         "    if (m.capacity() > 0) return m;\n"
         "  return Memory::NO_MEMORY;\n}\n";
    o += doc_def(
        "/// `ours` made to hold what the variant registered for region argument `idx` (its "
        "task layout\n/// constraints): what they add is added; where they contradict a Layout "
        "statement the mapper\n/// stops at that statement, and without one the variant's "
        "hold, as in Legion's default mapper.\n",
        "LayoutConstraintSet", "variant_layout",
        {"const MapperContext ctx", "const Task& task", "VariantID variant", "unsigned idx",
         "const Layout& layout", "LayoutConstraintSet ours", "int dims"},
        " const {");
    o += "  const TaskLayoutConstraintSet& registered =\n"
         "      runtime->find_task_layout_constraints(ctx, task.task_id, variant);\n"
         "  for (auto it = registered.layouts.lower_bound(idx); it != "
         "registered.layouts.upper_bound(idx);\n"
         "       ++it) {\n"
         "    const LayoutConstraintSet& theirs = runtime->find_layout_constraints(ctx, "
         "it->second);\n"
         "    const LayoutConstraint* conflict = nullptr;\n"
         "    if (!ours.conflicts(theirs, dims, &conflict)) {\n"
         "      for (const AlignmentConstraint& c : theirs.alignment_constraints) "
         "ours.add_constraint(c);\n"
         "      for (const OffsetConstraint& c : theirs.offset_constraints) "
         "ours.add_constraint(c);\n"
         "      for (const TilingConstraint& c : theirs.tiling_constraints) "
         "ours.add_constraint(c);\n"
         "      for (const DimensionConstraint& c : theirs.dimension_constraints) "
         "ours.add_constraint(c);\n"
         "      continue;\n"
         "    }\n"
         "    if (layout.statement() != nullptr)\n"
         "      fail(located(*layout.statement(),\n"
         "                   std::string(\"task \") + task.get_task_name() + \"'s variant \" +\n"
         "                       runtime->find_task_variant_name(ctx, task.task_id, variant) +\n"
         "                       \" needs another \" + "
         "constraint_text(conflict->get_constraint_kind()) +\n"
         "                       \" constraint for region argument \" + std::to_string(idx) +\n"
         "                       \" than this Layout statement gives\"));\n"
         "    LayoutConstraintSet merged = theirs;  // no Layout statement: the variant's "
         "layout\n"
         "    if (!merged.memory_constraint.is_valid()) "
         "merged.add_constraint(ours.memory_constraint);\n"
         "    if (merged.field_constraint.field_set.empty()) "
         "merged.add_constraint(ours.field_constraint);\n"
         "    if (merged.specialized_constraint.get_kind() == LEGION_NO_SPECIALIZE)\n"
         "      merged.add_constraint(ours.specialized_constraint);\n"
         "    if (merged.ordering_constraint.ordering.empty())\n"
         "      merged.add_constraint(ours.ordering_constraint);\n"
         "    ours = merged;\n"
         "  }\n"
         "  return ours;\n}\n";
  }
  return o;
}

}  // namespace mapsmith::codegen
