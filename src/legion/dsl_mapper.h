#pragma once
/// The runtime-loaded mapper: Legion's DefaultMapper with each decision taken from a mapping
/// program as dsl.md section 5 says, the program's functions run by mapsmith's evaluator.
/// Every mapper of a process shares one checked program; each has its own evaluator (globals,
/// round-robin counters), because Legion may run the mappers of different processors at once.
#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "codegen/rules.h"
#include "dsl/ast.h"
#include "dsl/checker.h"
#include "dsl/eval.h"
#include "legion.h"
#include "legion/legion_host.h"
#include "mappers/default_mapper.h"

namespace mapsmith::legion {

/// A checked mapping program and what every decision needs from it.
struct LoadedMapping {
  dsl::Program program;
  dsl::ProgramInfo info;
  /// For each statement kind, its statements in the order to try them (dsl::by_precedence).
  std::array<std::vector<const dsl::Stmt*>, 12> ordered;
  /// The functions IndexTaskMap names, in order of first use: sharding functor i (ID first + i)
  /// calls function i.
  std::vector<std::string> functors;
  /// InstanceLimit holds unless -tm:disable_backpressure (as in the published DSL mapper).
  bool backpressure = true;

  const std::vector<const dsl::Stmt*>& of(dsl::StmtKind k) const {
    return ordered[static_cast<std::size_t>(k)];
  }
  /// The ID offset of the functor of `function`, or -1.
  std::ptrdiff_t functor(std::string_view function) const;
};

/// Prints the diagnostics and stops the program: a mapping program failed to evaluate.
[[noreturn]] void stop(const dsl::Diagnostics& diags);
/// Stops the program with an error located at statement `s` of the program.
[[noreturn]] void stop_at(const LoadedMapping& m, const dsl::Stmt& s, std::string message,
                          std::string hint = {});

/// InstanceLimit's count, kept as the published DSL mapper keeps it: the limited tasks mapped and
/// not finished per originating processor, for all the mappers of this process, and the mapper
/// events deferred select_tasks_to_map calls wait on.
struct InFlight {
  std::mutex lock;
  std::map<Legion::Processor, std::vector<Legion::UniqueID>> mapped;
  std::map<Legion::Processor, std::vector<Legion::Mapping::MapperEvent>> waiting;
};

/// An evaluator with its own view of the machine.
struct Evaluation {
  Evaluation(const LoadedMapping& m, Legion::Machine machine, const ProcTable& procs);
  LegionHost host;
  dsl::Diagnostics diags;
  dsl::Evaluator eval;
};

class DslMapper : public Legion::Mapping::DefaultMapper {
 public:
  DslMapper(Legion::Mapping::MapperRuntime* rt, Legion::Machine machine, Legion::Processor local,
            std::shared_ptr<const LoadedMapping> mapping, std::shared_ptr<const ProcTable> procs,
            std::shared_ptr<InFlight> in_flight, Legion::ShardingID first_functor);

  void select_task_options(const Legion::Mapping::MapperContext ctx, const Legion::Task& task,
                           TaskOptions& output) override;
  void slice_task(const Legion::Mapping::MapperContext ctx, const Legion::Task& task,
                  const SliceTaskInput& input, SliceTaskOutput& output) override;
  void map_task(const Legion::Mapping::MapperContext ctx, const Legion::Task& task,
                const MapTaskInput& input, MapTaskOutput& output) override;
  /// A task runs on the processor slice_task or select_task_options gave it (the default mapper
  /// would let a CPU task run on any CPU of its node).
  void default_policy_select_target_processors(
      Legion::Mapping::MapperContext ctx, const Legion::Task& task,
      std::vector<Legion::Processor>& target_procs) override;
  void replicate_task(Legion::Mapping::MapperContext ctx, const Legion::Task& task,
                      const ReplicateTaskInput& input, ReplicateTaskOutput& output) override;
  using DefaultMapper::select_sharding_functor;
  void select_sharding_functor(const Legion::Mapping::MapperContext ctx, const Legion::Task& task,
                               const SelectShardingFunctorInput& input,
                               SelectShardingFunctorOutput& output) override;
  void select_tasks_to_map(const Legion::Mapping::MapperContext ctx,
                           const SelectMappingInput& input, SelectMappingOutput& output) override;
  using DefaultMapper::report_profiling;
  void report_profiling(const Legion::Mapping::MapperContext ctx, const Legion::Task& task,
                        const TaskProfilingInfo& input) override;

 private:
  struct RegionArg {
    std::int64_t index = 0;
    std::vector<std::string> names;
  };
  const dsl::Stmt* first(dsl::StmtKind kind, const codegen::Subject& d) const;
  /// The memory kinds the Region statements give a region argument: the deciding statement's
  /// list, or in the published dialect every matching statement's one after the other; and the
  /// statement that decided (null: none).
  std::vector<MemKind> memory_kinds(const codegen::Subject& d, const dsl::Stmt*& decided) const;
  std::optional<Legion::Processor::Kind> choose_kind(Legion::Mapping::MapperContext ctx,
                                                     const Legion::Task& task);
  std::optional<ProcKind> kind_of(const Legion::Task& task) const;
  Legion::Processor single_task_processor(const Legion::Task& task, Legion::Processor::Kind kind);
  Legion::Processor first_of_kind(Legion::Processor::Kind kind) const;
  /// The processor the mapping function `fn` gives point `point` of `task` (a single task: an
  /// empty point), checked to be of `kind`.
  Legion::Processor map_point(const std::string& fn, const Legion::Task& task,
                              const Legion::DomainPoint& point, const Legion::Domain& domain,
                              Legion::Processor::Kind kind);
  RegionArg region_arg(Legion::Mapping::MapperContext ctx, const Legion::Task& task,
                       unsigned idx) const;
  codegen::Subject subject(const Legion::Task& task, const RegionArg& arg,
                           Legion::Processor::Kind proc) const;
  void place_region(Legion::Mapping::MapperContext ctx, const Legion::Task& task, unsigned idx,
                    const RegionArg& arg, Legion::Processor target, Legion::VariantID variant,
                    std::vector<Legion::Mapping::PhysicalInstance>& instances);
  /// The constraints of the Layout statement that decides (`decided`: it, or null).
  Legion::LayoutConstraintSet layout(const Legion::Task& task, const RegionArg& arg,
                                     Legion::Processor::Kind proc, MemKind memory,
                                     const Legion::RegionRequirement& req, bool& exact,
                                     const dsl::Stmt*& decided) const;
  /// `ours` made to hold what the variant registered for region argument `idx`: what they add
  /// is added; where they contradict the Layout statement `decided` the mapper stops there, and
  /// without one the variant's hold (as in Legion's default mapper).
  Legion::LayoutConstraintSet variant_layout(Legion::Mapping::MapperContext ctx,
                                             const Legion::Task& task, Legion::VariantID variant,
                                             unsigned idx, const dsl::Stmt* decided,
                                             Legion::LayoutConstraintSet ours, int dims) const;
  Legion::Memory memory_near(Legion::Processor p, Legion::Memory::Kind kind) const;
  std::int64_t instance_limit(const std::string& task) const;
  void log_placement(const Legion::Task& task, Legion::Processor p) const;

  std::shared_ptr<const LoadedMapping> m_;
  std::shared_ptr<const ProcTable> procs_;
  Evaluation eval_;
  Legion::ShardingID first_functor_;
  bool log_placements_ = false;
  std::shared_ptr<InFlight> in_flight_;
};

/// Control replication: a point of an index launch goes to the first shard of the node of the
/// processor its mapping function gives it (a node's shards are consecutive).
class NodeSharding final : public Legion::ShardingFunctor {
 public:
  NodeSharding(std::shared_ptr<const LoadedMapping> mapping, Legion::Machine machine,
               std::shared_ptr<const ProcTable> procs, std::string function);
  Legion::ShardID shard(const Legion::DomainPoint& point, const Legion::Domain& domain,
                        const size_t total_shards) override;

 private:
  std::shared_ptr<const LoadedMapping> m_;
  std::shared_ptr<const ProcTable> procs_;
  std::string function_;
  std::mutex lock_;  // the runtime may ask from several threads at once
  Evaluation eval_;
};

}  // namespace mapsmith::legion
