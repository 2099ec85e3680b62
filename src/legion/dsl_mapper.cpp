#include "legion/dsl_mapper.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace mapsmith::legion {

using dsl::Stmt;
using dsl::StmtKind;
using Legion::Domain;
using Legion::DomainPoint;
using Legion::Memory;
using Legion::Processor;
using Legion::Task;
using Legion::Mapping::MapperContext;
using Legion::Mapping::PhysicalInstance;

void stop(const dsl::Diagnostics& diags) {
  for (const dsl::Diagnostic& d : diags.all())
    std::fputs(dsl::render(d).c_str(), stderr);
  std::fputs("mapsmith mapper: the mapping program failed; stopping\n", stderr);
  std::fflush(nullptr);
  std::_Exit(1);  // at once: Legion's threads are still running
}

Evaluation::Evaluation(const LoadedMapping& m, Legion::Machine machine, const ProcTable& procs)
    : host(machine, procs), eval(m.program, m.info, host, diags) {
  if (!eval.run_globals()) stop(diags);
}

namespace {

/// The launch point and extents the language sees: counted from the domain's lower corner.
void point_view(const DomainPoint& point, const Domain& domain, dsl::TaskView& view) {
  view.ipoint.clear();
  view.ispace.clear();
  for (int d = 0; d < domain.get_dim(); ++d) {
    view.ipoint.push_back(point[d] - domain.lo()[d]);
    view.ispace.push_back(domain.hi()[d] - domain.lo()[d] + 1);
  }
}

/// A decision about `task` before any region or kind is known.
codegen::Subject about(std::string_view task) {
  codegen::Subject d;
  d.task = task;
  return d;
}

std::string point_text(const Task& task) {
  if (!task.is_index_space) return "-";
  dsl::TaskView v;
  point_view(task.index_point, task.index_domain, v);
  return dsl::tuple_text(v.ipoint);
}

Legion::EqualityKind equality(dsl::Op op) {
  switch (op) {
    case dsl::Op::Ne:
      return LEGION_NE_EK;
    case dsl::Op::Lt:
      return LEGION_LT_EK;
    case dsl::Op::Le:
      return LEGION_LE_EK;
    case dsl::Op::Gt:
      return LEGION_GT_EK;
    case dsl::Op::Ge:
      return LEGION_GE_EK;
    default:
      return LEGION_EQ_EK;
  }
}

}  // namespace

DslMapper::DslMapper(Legion::Mapping::MapperRuntime* rt, Legion::Machine machine, Processor local,
                     std::shared_ptr<const LoadedMapping> mapping,
                     std::shared_ptr<const ProcTable> procs, Legion::ShardingID first_functor)
    : DefaultMapper(rt, machine, local, "mapsmith"),
      m_(std::move(mapping)),
      procs_(std::move(procs)),
      eval_(*m_, machine, *procs_),
      first_functor_(first_functor) {
  const Legion::InputArgs& args = Legion::Runtime::get_input_args();
  for (int i = 1; i < args.argc; ++i)
    if (std::string_view(args.argv[i]) == "-mapsmith:log") log_placements_ = true;
}

const Stmt* DslMapper::first(StmtKind kind, const codegen::Subject& d) const {
  return codegen::first_match(m_->program, m_->of(kind), d);
}

std::optional<ProcKind> DslMapper::kind_of(const Task& task) const {
  return language_kind(task.target_proc.kind());
}

// Task: the first listed kind the task has a variant for and the machine has processors of;
// without a statement, GPU, then OMP, then CPU.
std::optional<Processor::Kind> DslMapper::choose_kind(MapperContext ctx, const Task& task) {
  std::vector<ProcKind> kinds = {ProcKind::GPU, ProcKind::OMP, ProcKind::CPU};
  if (const Stmt* s = first(StmtKind::Task, about(task.get_task_name()))) {
    kinds.clear();
    for (const dsl::Name& k : m_->program.kinds(*s))
      if (auto pk = parse_proc_kind(k.text)) kinds.push_back(*pk);
  }
  for (ProcKind k : kinds) {
    const Processor::Kind lk = legion_kind(k);
    std::vector<Legion::VariantID> variants;
    runtime->find_valid_variants(ctx, task.task_id, variants, lk);
    if (!variants.empty() && procs_->has_kind(lk)) return lk;
  }
  return std::nullopt;
}

Processor DslMapper::first_of_kind(Processor::Kind kind) const {
  if (local_proc.kind() == kind) return local_proc;
  if (!procs_->on_node(kind, node_id).empty()) return procs_->on_node(kind, node_id).front();
  for (unsigned n = 0; n < procs_->nodes(); ++n)
    if (!procs_->on_node(kind, n).empty()) return procs_->on_node(kind, n).front();
  return Processor::NO_PROC;
}

Processor DslMapper::map_point(const std::string& fn, const Task& task, const DomainPoint& point,
                               const Domain& domain, Processor::Kind kind) {
  dsl::TaskView parent;
  const Task* p = task.get_parent_task();
  if (p != nullptr) {
    parent.name = p->get_task_name();
    if (p->is_index_space) point_view(p->index_point, p->index_domain, parent);
    if (auto v = procs_->value_of(p->current_proc)) {
      parent.has_processor = true;
      parent.processor = *v;
    }
  }
  dsl::TaskView view;
  view.name = task.get_task_name();
  view.parent = p != nullptr ? &parent : nullptr;
  point_view(point, domain, view);
  auto lang = language_kind(kind);
  auto v = eval_.eval.map_point(fn, view, lang.value_or(ProcKind::CPU));
  if (!v) stop(eval_.diags);
  Processor out = procs_->processor(*v);
  if (!out.exists()) {
    std::fprintf(stderr, "mapsmith mapper: %s gave task %s a processor this machine lacks\n",
                 fn.c_str(), task.get_task_name());
    std::abort();
  }
  return out;
}

Processor DslMapper::single_task_processor(const Task& task, Processor::Kind kind) {
  codegen::Subject d = about(task.get_task_name());
  d.proc = language_kind(kind);
  if (const Stmt* s = first(StmtKind::SingleTaskMap, d))
    return map_point(std::string(m_->program.name(*s).text), task, DomainPoint(), Domain(), kind);
  // dsl.md section 5: the parent's processor when it is of the kind, else the first of the
  // kind on the parent's node.
  const Task* parent = task.get_parent_task();
  const Processor here = parent != nullptr ? parent->current_proc : local_proc;
  if (here.kind() == kind) return here;
  const std::vector<Processor>& there = procs_->on_node(kind, here.address_space());
  return there.empty() ? first_of_kind(kind) : there.front();
}

void DslMapper::select_task_options(const MapperContext ctx, const Task& task,
                                    TaskOptions& output) {
  DefaultMapper::select_task_options(ctx, task, output);
  if (first(StmtKind::ControlReplicate, about(task.get_task_name()))) output.replicate = true;
  if (task.get_depth() == 0) return;  // the top-level task starts where Legion puts it
  auto kind = choose_kind(ctx, task);
  if (!kind) return;  // nothing listed can run it: Legion's choice
  output.initial_proc =
      task.is_index_space ? first_of_kind(*kind) : single_task_processor(task, *kind);
}

void DslMapper::slice_task(const MapperContext ctx, const Task& task, const SliceTaskInput& input,
                           SliceTaskOutput& output) {
  const Processor::Kind kind = task.target_proc.kind();
  codegen::Subject d = about(task.get_task_name());
  d.proc = language_kind(kind);
  const Stmt* s = first(StmtKind::IndexTaskMap, d);
  if (s == nullptr) {
    DefaultMapper::slice_task(ctx, task, input, output);
    return;
  }
  const std::string fn(m_->program.name(*s).text);
  for (Domain::DomainPointIterator it(input.domain); it; it++) {
    Processor p = map_point(fn, task, it.p, task.index_domain, kind);
    output.slices.push_back(Legion::Mapping::Mapper::TaskSlice(
        Domain(it.p, it.p), p, false /*recurse*/, false /*stealable*/));
  }
}

DslMapper::RegionArg DslMapper::region_arg(MapperContext ctx, const Task& task,
                                           unsigned idx) const {
  RegionArg arg;
  arg.index = idx;
  auto add_name = [&](const auto& handle) {
    const void* name = nullptr;
    size_t size = 0;
    if (runtime->retrieve_semantic_information(ctx, handle, LEGION_NAME_SEMANTIC_TAG, name, size,
                                               true /*can fail*/, false /*wait*/))
      arg.names.emplace_back(static_cast<const char*>(name));
  };
  const Legion::LogicalRegion region = task.regions[idx].region;
  add_name(region);
  Legion::LogicalRegion root = region;
  while (runtime->has_parent_logical_partition(ctx, root)) {
    const Legion::LogicalPartition partition = runtime->get_parent_logical_partition(ctx, root);
    if (root == region) add_name(partition);
    root = runtime->get_parent_logical_region(ctx, partition);
  }
  if (root != region) add_name(root);
  return arg;
}

codegen::Subject DslMapper::subject(const Task& task, const RegionArg& arg,
                                    Processor::Kind proc) const {
  codegen::Subject d = about(task.get_task_name());
  d.region_names = arg.names;
  d.region_index = arg.index;
  d.proc = language_kind(proc);
  return d;
}

Memory DslMapper::memory_near(Processor p, Memory::Kind kind) const {
  Legion::Machine::MemoryQuery memories(machine);
  memories.only_kind(kind).has_affinity_to(p);
  for (Memory m : memories)
    if (m.capacity() > 0) return m;
  return Memory::NO_MEMORY;
}

Legion::LayoutConstraintSet DslMapper::layout(const Task& task, const RegionArg& arg,
                                              Processor::Kind proc, MemKind memory,
                                              const Legion::RegionRequirement& req,
                                              bool& exact) const {
  codegen::Subject d = subject(task, arg, proc);
  d.mem = memory;
  bool soa = true, c_order = false, compact = false;
  Legion::EqualityKind align_kind = LEGION_EQ_EK;
  std::int64_t align = 0;
  exact = false;
  if (const Stmt* s = first(StmtKind::Layout, d)) {
    for (const dsl::LayoutItem& l : m_->program.layout(*s)) {
      switch (l.word) {
        case dsl::LayoutWord::SOA:
          soa = true;
          break;
        case dsl::LayoutWord::AOS:
          soa = false;
          break;
        case dsl::LayoutWord::C_order:
          c_order = true;
          break;
        case dsl::LayoutWord::F_order:
          c_order = false;
          break;
        case dsl::LayoutWord::Compact:
          compact = true;
          break;
        case dsl::LayoutWord::Exact:
          exact = true;
          break;
        case dsl::LayoutWord::Align:
          align_kind = equality(l.cmp);
          align = l.value;
          break;
        case dsl::LayoutWord::No_Align:
          align = 0;
          break;
      }
    }
  }
  Legion::LayoutConstraintSet out;
  if (req.privilege == LEGION_REDUCE)
    out.add_constraint(
        Legion::SpecializedConstraint(LEGION_AFFINE_REDUCTION_SPECIALIZE, req.redop));
  else
    out.add_constraint(Legion::SpecializedConstraint(
        compact ? LEGION_COMPACT_SPECIALIZE : LEGION_AFFINE_SPECIALIZE, 0, false, exact));
  out.add_constraint(Legion::MemoryConstraint(legion_kind(memory)));
  const std::vector<Legion::FieldID> fields(req.privilege_fields.begin(),
                                            req.privilege_fields.end());
  out.add_constraint(Legion::FieldConstraint(fields, false /*contiguous*/, false /*inorder*/));
  const int dims = req.region.get_index_space().get_dim();
  std::vector<Legion::DimensionKind> order;
  for (int i = 0; i < dims; ++i)
    order.push_back(
        static_cast<Legion::DimensionKind>(LEGION_DIM_X + (c_order ? dims - 1 - i : i)));
  order.insert(soa ? order.end() : order.begin(), LEGION_DIM_F);
  out.add_constraint(Legion::OrderingConstraint(order, false /*contiguous*/));
  if (align > 0)
    for (Legion::FieldID f : fields)
      out.add_constraint(
          Legion::AlignmentConstraint(f, align_kind, static_cast<std::size_t>(align)));
  return out;
}

void DslMapper::place_region(MapperContext ctx, const Task& task, unsigned idx,
                             const RegionArg& arg, Processor target,
                             std::vector<PhysicalInstance>& instances) {
  const Legion::RegionRequirement& req = task.regions[idx];
  std::vector<MemKind> kinds;
  if (const Stmt* s = first(StmtKind::Region, subject(task, arg, target.kind()))) {
    for (const dsl::Name& k : m_->program.kinds(*s))
      if (auto mk = parse_mem_kind(k.text)) kinds.push_back(*mk);
  }
  if (!kinds.empty() && kinds.front() == MemKind::VIRTUAL) {
    instances.push_back(PhysicalInstance::get_virtual_instance());
    return;
  }
  std::vector<Memory> candidates;
  for (MemKind k : kinds)
    if (k != MemKind::VIRTUAL) candidates.push_back(memory_near(target, legion_kind(k)));
  if (kinds.empty())  // no Region statement: the default mapper's memory
    candidates.push_back(default_policy_select_target_memory(ctx, target, req));
  Memory memory = Memory::NO_MEMORY;
  for (Memory candidate : candidates) {
    if (!candidate.exists()) continue;  // not reachable from this processor: the next kind
    memory = candidate;
    MemKind mk = MemKind::SYSMEM;
    for (MemKind k : kAllMemKinds)
      if (legion_kind(k) == memory.kind()) mk = k;
    bool exact = false;
    const Legion::LayoutConstraintSet constraints =
        layout(task, arg, target.kind(), mk, req, exact);
    const std::vector<Legion::LogicalRegion> regions(1, req.region);
    PhysicalInstance instance;
    bool created = false;
    const bool made =
        req.privilege == LEGION_REDUCE
            ? runtime->create_physical_instance(ctx, memory, constraints, regions, instance, true,
                                                0, exact)
            : runtime->find_or_create_physical_instance(ctx, memory, constraints, regions, instance,
                                                        created, true, 0, exact);
    if (made) {
      instances.push_back(instance);
      return;
    }
  }
  default_report_failed_instance_creation(task, idx, target, memory);
}

std::int64_t DslMapper::instance_limit(const std::string& task) const {
  const Stmt* s = first(StmtKind::InstanceLimit, about(task));
  return s != nullptr ? m_->program.limit(*s) : 0;
}

void DslMapper::map_task(const MapperContext ctx, const Task& task, const MapTaskInput& input,
                         MapTaskOutput& output) {
  const std::string name = task.get_task_name();
  const bool instances = !m_->of(StmtKind::Region).empty() || !m_->of(StmtKind::Layout).empty();
  if (!instances || input.shard_processor.exists()) {
    DefaultMapper::map_task(ctx, task, input, output);
  } else {
    const Processor target = task.target_proc;
    const VariantInfo variant = default_find_preferred_variant(
        task, ctx, true /*needs tight bound*/, true /*cache*/, target.kind());
    output.chosen_variant = variant.variant;
    output.target_procs.push_back(target);
    output.task_priority = 0;
    output.postmap_task = false;
    for (unsigned idx = 0; idx < task.regions.size(); ++idx) {
      const Legion::RegionRequirement& req = task.regions[idx];
      if (req.privilege == LEGION_NO_ACCESS || req.privilege_fields.empty()) continue;
      if (variant.is_inner) {  // an inner task only hands its regions on
        output.chosen_instances[idx].push_back(PhysicalInstance::get_virtual_instance());
        continue;
      }
      place_region(ctx, task, idx, region_arg(ctx, task, idx), target,
                   output.chosen_instances[idx]);
    }
    for (unsigned i = 0; i < task.output_regions.size(); ++i) {
      output.output_targets[i] = default_policy_select_output_target(ctx, target);
      default_policy_select_output_constraints(task, output.output_constraints[i],
                                               task.output_regions[i]);
    }
  }
  // CollectMemory: read-only instances are not kept valid after the task.
  if (!m_->of(StmtKind::CollectMemory).empty()) {
    for (unsigned idx = 0; idx < task.regions.size(); ++idx) {
      if (task.regions[idx].privilege != LEGION_READ_ONLY) continue;
      const RegionArg arg = region_arg(ctx, task, idx);
      if (first(StmtKind::CollectMemory, subject(task, arg, task.target_proc.kind())))
        output.untracked_valid_regions.insert(idx);
    }
  }
  // InstanceLimit: learn when the task finishes. Single tasks were counted when selected.
  if (instance_limit(name) > 0) {
    output.task_prof_requests
        .add_measurement<Legion::Mapping::ProfilingMeasurements::OperationStatus>();
    if (task.is_index_space) ++in_flight_[name];
  }
  if (log_placements_ && !output.target_procs.empty())
    log_placement(task, output.target_procs.front());
}

void DslMapper::default_policy_select_target_processors(MapperContext, const Task& task,
                                                        std::vector<Processor>& target_procs) {
  target_procs.push_back(task.target_proc);
}

void DslMapper::replicate_task(MapperContext ctx, const Task& task, const ReplicateTaskInput& input,
                               ReplicateTaskOutput& output) {
  if (!first(StmtKind::ControlReplicate, about(task.get_task_name())) || total_nodes == 1) {
    DefaultMapper::replicate_task(ctx, task, input, output);
    return;
  }
  // One shard per node, on its first processor of the task's kind.
  const Processor::Kind kind = task.target_proc.kind();
  output.chosen_variant =
      default_find_preferred_variant(task, ctx, true /*needs tight bound*/, true /*cache*/, kind)
          .variant;
  for (unsigned node = 0; node < total_nodes; ++node)
    output.target_processors.push_back(procs_->on_node(kind, node).front());
}

void DslMapper::select_sharding_functor(const MapperContext ctx, const Task& task,
                                        const SelectShardingFunctorInput& input,
                                        SelectShardingFunctorOutput& output) {
  codegen::Subject d = about(task.get_task_name());
  d.proc = language_kind(task.target_proc.kind());
  const Stmt* s = first(StmtKind::IndexTaskMap, d);
  if (s == nullptr || first_functor_ == 0) {
    DefaultMapper::select_sharding_functor(ctx, task, input, output);
    return;
  }
  const auto& fns = m_->index_functions;
  auto it = std::find(fns.begin(), fns.end(), m_->program.name(*s).text);
  output.chosen_functor =
      first_functor_ + static_cast<Legion::ShardingID>(std::distance(fns.begin(), it));
}

void DslMapper::select_tasks_to_map(const MapperContext ctx, const SelectMappingInput& input,
                                    SelectMappingOutput& output) {
  if (m_->of(StmtKind::InstanceLimit).empty()) {
    DefaultMapper::select_tasks_to_map(ctx, input, output);
    return;
  }
  SelectMappingInput allowed;
  std::map<std::string, std::int64_t> selected;
  bool held_back = false;
  for (const Task* task : input.ready_tasks) {
    const std::string name = task->get_task_name();
    const std::int64_t limit = instance_limit(name);
    if (limit > 0 && in_flight_[name] + selected[name] >= limit) {
      held_back = true;
      continue;
    }
    if (limit > 0 && !task->is_index_space) ++selected[name];
    allowed.ready_tasks.push_back(task);
  }
  DefaultMapper::select_tasks_to_map(ctx, allowed, output);
  for (const Task* task : output.map_tasks)
    if (!task->is_index_space && instance_limit(task->get_task_name()) > 0)
      ++in_flight_[task->get_task_name()];
  if (output.map_tasks.empty() && held_back) {
    if (!limit_event_.exists()) limit_event_ = runtime->create_mapper_event(ctx);
    output.deferral_event = limit_event_;
  }
}

void DslMapper::report_profiling(const MapperContext ctx, const Task& task,
                                 const TaskProfilingInfo& input) {
  const std::string name = task.get_task_name();
  if (instance_limit(name) == 0) {
    DefaultMapper::report_profiling(ctx, task, input);
    return;
  }
  if (in_flight_[name] > 0) --in_flight_[name];
  if (limit_event_.exists()) {
    runtime->trigger_mapper_event(ctx, limit_event_);
    limit_event_ = Legion::Mapping::MapperEvent();
  }
}

void DslMapper::log_placement(const Task& task, Processor p) const {
  const std::vector<Processor>& node = procs_->on_node(p.kind(), p.address_space());
  const long index = std::find(node.begin(), node.end(), p) - node.begin();
  auto kind = language_kind(p.kind());
  std::printf("mapsmith: %s %s -> node %u %s %ld\n", task.get_task_name(), point_text(task).c_str(),
              static_cast<unsigned>(p.address_space()),
              kind ? std::string(to_string(*kind)).c_str() : "?", index);
}

NodeSharding::NodeSharding(std::shared_ptr<const LoadedMapping> mapping, Legion::Machine machine,
                           std::shared_ptr<const ProcTable> procs, std::string function)
    : m_(std::move(mapping)),
      procs_(std::move(procs)),
      function_(std::move(function)),
      eval_(*m_, machine, *procs_) {}

Legion::ShardID NodeSharding::shard(const DomainPoint& point, const Domain& domain,
                                    const size_t total_shards) {
  std::lock_guard<std::mutex> guard(lock_);
  dsl::TaskView view;
  view.name = function_;
  point_view(point, domain, view);
  const dsl::Value arg = dsl::Value::of_task(&view);
  auto v = eval_.eval.call(function_, std::span<const dsl::Value>(&arg, 1));
  if (!v || v->type != dsl::Type::Proc) stop(eval_.diags);
  return static_cast<Legion::ShardID>(v->proc.node % static_cast<std::int64_t>(total_shards));
}

}  // namespace mapsmith::legion
