// Legion's circuit example with a generated mapper derived from its own CircuitMapper
// (mapsmith codegen --base CircuitMapper --base-header circuit_mapper.h). The example's
// update_mappers() is renamed away when circuit_mapper.cc is compiled; this one builds the
// tables CircuitMapper's constructor takes, as the example does, and creates the generated
// mapper with them instead.
#include <map>
#include <set>
#include <type_traits>
#include <utility>
#include <vector>

#include "circuit_dsl_mapper.cc"  // generated into the build directory
#include "circuit_mapper.h"

// A mapping program without IndexTaskMap generates no sharding functors (and no functions to
// register them).
template <typename M, typename = void>
struct HasShardingFunctors : std::false_type {};
template <typename M>
struct HasShardingFunctors<
    M, std::void_t<decltype(std::declval<M&>().register_sharding_functors(nullptr))>>
    : std::true_type {};

/// Registers the mapper's sharding functors once (the first mapper) and has each mapper use them.
template <typename M>
void use_sharding(M* mapper, Runtime* runtime, ShardingID& first) {
  if constexpr (HasShardingFunctors<M>::value) {
    if (first == 0) first = mapper->register_sharding_functors(runtime);
    mapper->use_sharding_functors(first);
  } else {
    (void)mapper;
    (void)runtime;
    (void)first;
  }
}

void update_mappers(Machine machine, Runtime* runtime, const std::set<Processor>& local_procs) {
  auto* procs_list = new std::vector<Processor>();
  auto* sysmems_list = new std::vector<Memory>();
  auto* sysmem_local_procs = new std::map<Memory, std::vector<Processor>>();
  auto* proc_sysmems = new std::map<Processor, Memory>();
  auto* proc_fbmems = new std::map<Processor, Memory>();
  auto* proc_zcmems = new std::map<Processor, Memory>();
  std::vector<Machine::ProcessorMemoryAffinity> affinities;
  machine.get_proc_mem_affinity(affinities);
  // Each processor's system, framebuffer and zero-copy memory (memories that hold something).
  for (const Machine::ProcessorMemoryAffinity& a : affinities) {
    if (a.m.capacity() == 0) continue;
    const bool cpu = a.p.kind() == Processor::LOC_PROC, gpu = a.p.kind() == Processor::TOC_PROC;
    if (cpu && a.m.kind() == Memory::SYSTEM_MEM) (*proc_sysmems)[a.p] = a.m;
    if (gpu && a.m.kind() == Memory::GPU_FB_MEM) (*proc_fbmems)[a.p] = a.m;
    if ((cpu || gpu) && a.m.kind() == Memory::Z_COPY_MEM) (*proc_zcmems)[a.p] = a.m;
  }
  // A CPU without a system memory uses its socket or registered memory.
  for (const Machine::ProcessorMemoryAffinity& a : affinities) {
    if (a.m.capacity() == 0 || a.p.kind() != Processor::LOC_PROC) continue;
    if ((a.m.kind() == Memory::SOCKET_MEM || a.m.kind() == Memory::REGDMA_MEM) &&
        proc_sysmems->count(a.p) == 0)
      (*proc_sysmems)[a.p] = a.m;
  }
  for (const auto& [proc, mem] : *proc_sysmems) {
    procs_list->push_back(proc);
    (*sysmem_local_procs)[mem].push_back(proc);
  }
  for (const auto& entry : *sysmem_local_procs)
    sysmems_list->push_back(entry.first);

  ShardingID sharding = 0;
  for (Processor p : local_procs) {
    auto* mapper = new CircuitDslMapper(runtime->get_mapper_runtime(), machine, p, "circuit_dsl",
                                        procs_list, sysmems_list, sysmem_local_procs, proc_sysmems,
                                        proc_fbmems, proc_zcmems);
    use_sharding(mapper, runtime, sharding);
    runtime->replace_default_mapper(mapper, p);
  }
}
