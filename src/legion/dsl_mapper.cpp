#include "legion/dsl_mapper.h"

#include "dsl/precedence.h"

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

void stop_at(const LoadedMapping& m, const Stmt& s, std::string message, std::string hint) {
  dsl::Diagnostics diags;
  diags.error(*m.program.source, m.program.loc(s), std::move(message), std::move(hint));
  stop(diags);
}

std::ptrdiff_t LoadedMapping::functor(std::string_view function) const {
  for (std::size_t i = 0; i < functors.size(); ++i)
    if (functors[i] == function) return static_cast<std::ptrdiff_t>(i);
  return -1;
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
                     std::shared_ptr<const ProcTable> procs, std::shared_ptr<InFlight> in_flight,
                     Legion::ShardingID first_functor)
    : DefaultMapper(rt, machine, local, "mapsmith"),
      m_(std::move(mapping)),
      procs_(std::move(procs)),
      eval_(*m_, machine, *procs_),
      first_functor_(first_functor),
      in_flight_(std::move(in_flight)) {
  const Legion::InputArgs& args = Legion::Runtime::get_input_args();
  for (int i = 1; i < args.argc; ++i)
    if (std::string_view(args.argv[i]) == "-mapsmith:log") log_placements_ = true;
}

const Stmt* DslMapper::first(StmtKind kind, const codegen::Subject& d) const {
  return codegen::first_match(m_->program, m_->of(kind), d);
}

std::vector<MemKind> DslMapper::memory_kinds(const codegen::Subject& d,
                                             const Stmt*& decided) const {
  std::vector<MemKind> kinds;
  decided = nullptr;
  for (const Stmt* s : m_->of(StmtKind::Region)) {
    if (!codegen::matches(m_->program, *s, d)) continue;
    if (decided == nullptr) decided = s;
    for (const dsl::Name& k : m_->program.kinds(*s))
      if (auto mk = parse_mem_kind(k.text)) kinds.push_back(*mk);
    // mapsmith: the deciding statement's list; published: every matching one's in turn.
    if (dsl::later_wins(m_->program)) break;
  }
  return kinds;
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
  // Legion replicates single tasks only, and none of a must-epoch launch.
  if (first(StmtKind::ControlReplicate, about(task.get_task_name())))
    output.replicate = !task.is_index_space && !task.must_epoch_task;
  // The top-level task starts where Legion starts it: on the first CPU of node 0.
  if (task.get_depth() == 0) return;
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

// The memory of `kind` that `p` reaches best (its own socket's, its own framebuffer), as Legion's
// default mapper and the published DSL mapper choose; zero-copy memory by plain affinity.
Memory DslMapper::memory_near(Processor p, Memory::Kind kind) const {
  Legion::Machine::MemoryQuery memories(machine);
  memories.same_address_space_as(p).only_kind(kind);
  if (kind == Memory::Z_COPY_MEM)
    memories.has_affinity_to(p);
  else
    memories.best_affinity_to(p);
  for (Memory m : memories)
    if (m.capacity() > 0) return m;
  return Memory::NO_MEMORY;
}

Legion::LayoutConstraintSet DslMapper::layout(const Task& task, const RegionArg& arg,
                                              Processor::Kind proc, MemKind memory,
                                              const Legion::RegionRequirement& req, bool& exact,
                                              const Stmt*& decided) const {
  codegen::Subject d = subject(task, arg, proc);
  d.mem = memory;
  bool soa = true, c_order = false, compact = false;
  Legion::EqualityKind align_kind = LEGION_EQ_EK;
  std::int64_t align = 0;
  exact = false;
  decided = first(StmtKind::Layout, d);
  if (const Stmt* s = decided) {
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

namespace {

const char* constraint_text(Legion::LayoutConstraintKind kind) {
  switch (kind) {
    case LEGION_SPECIALIZED_CONSTRAINT:
      return "specialized (Compact, Exact)";
    case LEGION_MEMORY_CONSTRAINT:
      return "memory";
    case LEGION_FIELD_CONSTRAINT:
      return "field";
    case LEGION_ORDERING_CONSTRAINT:
      return "ordering (SOA, AOS, C_order, F_order)";
    case LEGION_TILING_CONSTRAINT:
      return "tiling";
    case LEGION_DIMENSION_CONSTRAINT:
      return "dimension";
    case LEGION_ALIGNMENT_CONSTRAINT:
      return "alignment (Align)";
    case LEGION_OFFSET_CONSTRAINT:
      return "offset";
    case LEGION_POINTER_CONSTRAINT:
      return "pointer";
    case LEGION_PADDING_CONSTRAINT:
      return "padding";
    default:
      return "layout";
  }
}

}  // namespace

Legion::LayoutConstraintSet DslMapper::variant_layout(MapperContext ctx, const Task& task,
                                                      Legion::VariantID variant, unsigned idx,
                                                      const Stmt* decided,
                                                      Legion::LayoutConstraintSet ours,
                                                      int dims) const {
  const Legion::TaskLayoutConstraintSet& registered =
      runtime->find_task_layout_constraints(ctx, task.task_id, variant);
  for (auto it = registered.layouts.lower_bound(idx); it != registered.layouts.upper_bound(idx);
       ++it) {
    const Legion::LayoutConstraintSet& theirs = runtime->find_layout_constraints(ctx, it->second);
    const Legion::LayoutConstraint* conflict = nullptr;
    if (!ours.conflicts(theirs, static_cast<unsigned>(dims), &conflict)) {
      for (const Legion::AlignmentConstraint& c : theirs.alignment_constraints)
        ours.add_constraint(c);
      for (const Legion::OffsetConstraint& c : theirs.offset_constraints)
        ours.add_constraint(c);
      for (const Legion::TilingConstraint& c : theirs.tiling_constraints)
        ours.add_constraint(c);
      for (const Legion::DimensionConstraint& c : theirs.dimension_constraints)
        ours.add_constraint(c);
      continue;
    }
    if (decided != nullptr) {
      stop_at(*m_, *decided,
              fmt::format("task {}'s variant {} needs another {} constraint for region "
                          "argument {} than this Layout statement gives",
                          task.get_task_name(),
                          runtime->find_task_variant_name(ctx, task.task_id, variant),
                          constraint_text(conflict->get_constraint_kind()), idx),
              "leave this task's region out of the statement: the variant's own layout then "
              "holds");
    }
    Legion::LayoutConstraintSet merged = theirs;  // no Layout statement: the variant's layout
    if (!merged.memory_constraint.is_valid()) merged.add_constraint(ours.memory_constraint);
    if (merged.field_constraint.field_set.empty()) merged.add_constraint(ours.field_constraint);
    if (merged.specialized_constraint.get_kind() == LEGION_NO_SPECIALIZE)
      merged.add_constraint(ours.specialized_constraint);
    if (merged.ordering_constraint.ordering.empty())
      merged.add_constraint(ours.ordering_constraint);
    ours = merged;
  }
  return ours;
}

void DslMapper::place_region(MapperContext ctx, const Task& task, unsigned idx,
                             const RegionArg& arg, Processor target, Legion::VariantID variant,
                             std::vector<PhysicalInstance>& instances) {
  const Legion::RegionRequirement& req = task.regions[idx];
  if ((req.tag & DefaultMapper::VIRTUAL_MAP) != 0) {  // the application asks for it
    instances.push_back(PhysicalInstance::get_virtual_instance());
    return;
  }
  const Stmt* region_stmt = nullptr;
  std::vector<MemKind> kinds = memory_kinds(subject(task, arg, target.kind()), region_stmt);
  if (!kinds.empty() && kinds.front() == MemKind::VIRTUAL) {  // inner tasks do not get here
    stop_at(*m_, *region_stmt,
            fmt::format("region argument {} of task {} cannot be mapped virtually: Legion maps a "
                        "region virtually only for an inner task whose regions have exclusive "
                        "coherence",
                        idx, task.get_task_name()),
            "name a memory for this task's region instead");
  }
  std::vector<Memory> candidates;
  for (MemKind k : kinds)
    candidates.push_back(memory_near(target, legion_kind(k)));
  if (kinds.empty())  // no Region statement: the default mapper's memory
    candidates.push_back(default_policy_select_target_memory(ctx, target, req));
  const int dims = req.region.get_index_space().get_dim();
  const bool reduction = req.privilege == LEGION_REDUCE;
  Memory memory = Memory::NO_MEMORY;
  for (Memory candidate : candidates) {
    if (!candidate.exists()) continue;  // not reachable from this processor: the next kind
    memory = candidate;
    MemKind mk = MemKind::SYSMEM;
    for (MemKind k : kAllMemKinds)
      if (legion_kind(k) == memory.kind()) mk = k;
    bool exact = false;
    const Stmt* layout_stmt = nullptr;
    Legion::LayoutConstraintSet ours =
        layout(task, arg, target.kind(), mk, req, exact, layout_stmt);
    const Legion::LayoutConstraintSet constraints =
        variant_layout(ctx, task, variant, idx, layout_stmt, std::move(ours), dims);
    // The region the instance covers, as Legion's default mapper chooses it: on one node the
    // root of the region tree, except for Exact, -dm:exact_region, EXACT_REGION and a
    // framebuffer or zero-copy memory.
    const std::vector<Legion::LogicalRegion> regions(
        1, default_policy_select_instance_region(ctx, memory, req, constraints, reduction,
                                                 true /*meets constraints*/));
    const bool tight = exact || (req.tag & DefaultMapper::EXACT_REGION) != 0;
    PhysicalInstance instance;
    bool created = true;
    const bool made =
        reduction ? runtime->create_physical_instance(ctx, memory, constraints, regions, instance,
                                                      true, 0, tight)
                  : runtime->find_or_create_physical_instance(ctx, memory, constraints, regions,
                                                              instance, created, true, 0, tight);
    if (!made) continue;  // full: the next kind
    if (created) {        // the default mapper's collection priority: reductions go first
      const int priority = default_policy_select_garbage_collection_priority(
          ctx, TASK_MAPPING, memory, instance, true, reduction);
      if (priority != 0) runtime->set_garbage_collection_priority(ctx, instance, priority);
    }
    instances.push_back(instance);
    return;
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
  if (!instances) {
    DefaultMapper::map_task(ctx, task, input, output);
  } else {
    // A shard of a control-replicated task maps on its shard's processor, with the variant
    // replicate_task chose.
    const bool shard = input.shard_processor.exists();
    const Processor target = shard ? input.shard_processor : task.target_proc;
    VariantInfo variant;
    if (shard) {
      variant.variant = input.shard_variant;
      variant.is_inner = runtime->is_inner_variant(ctx, task.task_id, input.shard_variant);
    } else {
      variant = default_find_preferred_variant(task, ctx, true /*needs tight bound*/,
                                               true /*cache*/, target.kind());
    }
    output.chosen_variant = variant.variant;
    output.target_procs.assign(1, target);  // for a shard: exactly its processor
    output.task_priority = 0;
    output.postmap_task = false;
    // An inner task only hands its regions on: they are mapped virtually, unless one has relaxed
    // coherence (Legion refuses a virtual mapping then) or only reduces (it needs an instance),
    // as in Legion's default mapper.
    bool virtual_inner = variant.is_inner;
    for (const Legion::RegionRequirement& req : task.regions)
      if (req.prop != LEGION_EXCLUSIVE) virtual_inner = false;
    std::vector<bool> premapped(task.regions.size(), false);  // by a must-epoch launch
    for (unsigned idx : input.premapped_regions)
      premapped[idx] = true;
    for (unsigned idx = 0; idx < task.regions.size(); ++idx) {
      const Legion::RegionRequirement& req = task.regions[idx];
      if (premapped[idx] || req.privilege == LEGION_NO_ACCESS || req.privilege_fields.empty())
        continue;
      if (virtual_inner && req.privilege != LEGION_REDUCE) {
        output.chosen_instances[idx].push_back(PhysicalInstance::get_virtual_instance());
        continue;
      }
      place_region(ctx, task, idx, region_arg(ctx, task, idx), target, variant.variant,
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
  // InstanceLimit: learn when the task finishes (report_profiling).
  if (m_->backpressure && instance_limit(name) > 0)
    output.task_prof_requests
        .add_measurement<Legion::Mapping::ProfilingMeasurements::OperationStatus>();
  if (log_placements_ && !output.target_procs.empty())
    log_placement(task, output.target_procs.front());
}

void DslMapper::default_policy_select_target_processors(MapperContext, const Task& task,
                                                        std::vector<Processor>& target_procs) {
  target_procs.push_back(task.target_proc);
}

void DslMapper::replicate_task(MapperContext ctx, const Task& task, const ReplicateTaskInput& input,
                               ReplicateTaskOutput& output) {
  const Stmt* s = first(StmtKind::ControlReplicate, about(task.get_task_name()));
  if (s == nullptr) {
    DefaultMapper::replicate_task(ctx, task, input, output);
    return;
  }
  const Processor::Kind kind = task.target_proc.kind();
  const VariantInfo variant =
      default_find_preferred_variant(task, ctx, true /*needs tight bound*/, true /*cache*/, kind);
  if (!variant.is_replicable) {
    stop_at(
        *m_, *s,
        fmt::format("task {} has no replicable variant for {}: Legion control-replicates "
                    "only a variant registered with TaskVariantRegistrar::set_replicable()",
                    task.get_task_name(), to_string(language_kind(kind).value_or(ProcKind::CPU))),
        "register the variant as replicable, or leave the task out of ControlReplicate");
  }
  output.chosen_variant = variant.variant;
  // ControlReplicate: one shard per node, on its first processor of the task's kind; on one node
  // one shard per processor of the kind, as the published DSL mapper places them.
  if (total_nodes == 1) {
    output.target_processors = procs_->on_node(kind, 0);
    return;
  }
  for (unsigned node = 0; node < total_nodes; ++node) {
    if (procs_->on_node(kind, node).empty()) {
      stop_at(*m_, *s,
              fmt::format("node {} has no {} processor for a shard of task {}", node,
                          to_string(language_kind(kind).value_or(ProcKind::CPU)),
                          task.get_task_name()));
    }
    output.target_processors.push_back(procs_->on_node(kind, node).front());
  }
}

void DslMapper::select_sharding_functor(const MapperContext ctx, const Task& task,
                                        const SelectShardingFunctorInput& input,
                                        SelectShardingFunctorOutput& output) {
  // A point of an index launch goes to the shard of its IndexTaskMap function's node. A single
  // task keeps the default functor: the shard that owns it places it as its SingleTaskMap
  // function says, with its parent at hand.
  codegen::Subject d = about(task.get_task_name());
  d.proc = language_kind(task.target_proc.kind());
  const Stmt* s = task.is_index_space ? first(StmtKind::IndexTaskMap, d) : nullptr;
  const std::ptrdiff_t f = s != nullptr ? m_->functor(m_->program.name(*s).text) : -1;
  if (f < 0 || first_functor_ == 0) {
    DefaultMapper::select_sharding_functor(ctx, task, input, output);
    return;
  }
  output.chosen_functor = first_functor_ + static_cast<Legion::ShardingID>(f);
}

void DslMapper::select_tasks_to_map(const MapperContext ctx, const SelectMappingInput& input,
                                    SelectMappingOutput& output) {
  if (!m_->backpressure || m_->of(StmtKind::InstanceLimit).empty()) {
    DefaultMapper::select_tasks_to_map(ctx, input, output);  // InstanceLimit needs the flag
    return;
  }
  // As the default mapper selects: the deepest ready tasks, at most max_schedule_count. A task
  // with an InstanceLimit waits while as many limited tasks launched from its processor as its
  // limit are mapped and unfinished; each is counted when selected, every point of an index
  // launch too (the published DSL mapper's count).
  int depth = 0;
  bool limited = false;
  for (const Task* task : input.ready_tasks) {
    depth = std::max(depth, task->get_depth());
    limited = limited || instance_limit(task->get_task_name()) > 0;
  }
  const Legion::Mapping::MapperEvent wake =
      limited ? runtime->create_mapper_event(ctx) : Legion::Mapping::MapperEvent();
  bool waiting = false;  // `wake` is on a waiting list: a finishing task triggers it
  for (const Task* task : input.ready_tasks) {
    if (output.map_tasks.size() >= max_schedule_count) break;
    if (task->get_depth() != depth) continue;
    const std::int64_t limit = instance_limit(task->get_task_name());
    if (limit > 0) {
      std::lock_guard<std::mutex> guard(in_flight_->lock);
      std::vector<Legion::UniqueID>& mapped = in_flight_->mapped[task->orig_proc];
      if (static_cast<std::int64_t>(mapped.size()) >= limit) {
        if (!waiting) in_flight_->waiting[task->orig_proc].push_back(wake);
        waiting = true;
        continue;
      }
      mapped.push_back(task->get_unique_id());
    }
    output.map_tasks.insert(task);
  }
  if (output.map_tasks.empty() && waiting) output.deferral_event = wake;  // ask again then
  if (limited && !waiting) runtime->trigger_mapper_event(ctx, wake);      // not needed
}

void DslMapper::report_profiling(const MapperContext ctx, const Task& task,
                                 const TaskProfilingInfo& input) {
  if (!m_->backpressure || instance_limit(task.get_task_name()) == 0) {
    DefaultMapper::report_profiling(ctx, task, input);
    return;
  }
  // A limited task finished: one more launched from its processor may map.
  std::vector<Legion::Mapping::MapperEvent> wake;
  {
    std::lock_guard<std::mutex> guard(in_flight_->lock);
    std::vector<Legion::UniqueID>& mapped = in_flight_->mapped[task.orig_proc];
    mapped.erase(std::remove(mapped.begin(), mapped.end(), task.get_unique_id()), mapped.end());
    wake.swap(in_flight_->waiting[task.orig_proc]);
  }
  for (const Legion::Mapping::MapperEvent& event : wake)
    runtime->trigger_mapper_event(ctx, event);
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
  // A functor sees the point and the launch only: no task, no parent.
  dsl::TaskView view;
  view.name = "(in a sharding functor)";
  point_view(point, domain, view);
  const dsl::Value arg = dsl::Value::of_task(&view);
  auto v = eval_.eval.call(function_, std::span<const dsl::Value>(&arg, 1));
  if (!v || v->type != dsl::Type::Proc) {
    std::fprintf(stderr,
                 "mapsmith mapper: under control replication a sharding functor calls %s with "
                 "the point and the launch only: use task.ipoint and task.ispace there, not "
                 "task.parent\n",
                 function_.c_str());
    stop(eval_.diags);
  }
  // A node's shards are consecutive (replicate_task): the node's first one owns the point.
  const std::size_t nodes = procs_->nodes();
  const std::size_t per_node = std::max<std::size_t>(1, total_shards / nodes);
  return static_cast<Legion::ShardID>((static_cast<std::size_t>(v->proc.node) * per_node) %
                                      total_shards);
}

}  // namespace mapsmith::legion
