#include "codegen/codegen.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sstream>

#include "dsl/checker.h"
#include "dsl/parser.h"

namespace mapsmith::codegen {
namespace {

struct Generated {
  bool ok = false;
  std::string code;
  std::string errors;
};

Generated generate(const std::string& text, Options o = {},
                   dsl::Dialect dialect = dsl::Dialect::Mapsmith) {
  dsl::Diagnostics diags;
  dsl::Program p = dsl::parse_string(text, diags, "t.mapping");
  p.dialect = dialect;
  dsl::ProgramInfo info = dsl::check(p, diags);
  EXPECT_FALSE(diags.has_errors()) << "the test program itself has errors";
  if (o.name.empty()) o.name = "t";
  std::ostringstream out;
  Generated g;
  g.ok = generate_legion_mapper(p, info, o, out, diags);
  g.code = out.str();
  for (const dsl::Diagnostic& d : diags.all())
    if (d.severity == dsl::Severity::Error) g.errors += dsl::render(d);
  return g;
}

/// The lines of `code` from the first line that starts with `head` up to the next line "}".
std::string definition(const std::string& code, const std::string& head) {
  std::size_t start = code.find("\n" + head);
  if (start == std::string::npos) return "<no " + head + ">";
  std::size_t end = code.find("\n}\n", start + 1);
  return code.substr(start + 1, end + 2 - start);
}

/// The body of the DSL function `name` as translated.
std::string function(const std::string& code, const std::string& name) {
  return definition(code, "// def " + name + ",");
}

TEST(Names, MapperNamesComeFromTheFile) {
  EXPECT_EQ(mapper_name_for("examples/circuit/expert.mapping"), "expert");
  EXPECT_EQ(mapper_name_for("my-mapper.v2.mapping"), "my_mapper");
  EXPECT_EQ(mapper_name_for("2d.mapping"), "dsl_2d");
  EXPECT_EQ(mapper_class_for("heat2d_block"), "Heat2dBlockMapper");
  EXPECT_EQ(mapper_class_for("circuit_mapper"), "CircuitMapper");
}

TEST(Codegen, TaskStatementsBecomeAKindPriorityChain) {
  Generated g = generate("Task foo,bar CPU;\nTask * GPU,OMP,CPU;\nTask baz IO,CPU;\n");
  ASSERT_TRUE(g.ok) << g.errors;
  EXPECT_EQ(definition(g.code, "std::vector<Processor::Kind> TMapper::kind_priority"),
            "std::vector<Processor::Kind> TMapper::kind_priority(const std::string& task) const {\n"
            "  // line 3: Task baz IO,CPU;\n"
            "  if (task == \"baz\") return {Processor::IO_PROC, Processor::LOC_PROC};\n"
            "  // line 1: Task foo,bar CPU;\n"
            "  if (task == \"foo\" || task == \"bar\") return {Processor::LOC_PROC};\n"
            "  // line 2: Task * GPU,OMP,CPU;\n"
            "  return {Processor::TOC_PROC, Processor::OMP_PROC, Processor::LOC_PROC};\n"
            "}\n");
  // Without Region or Layout statements the default mapper makes the instances.
  EXPECT_NE(g.code.find("  DefaultMapper::map_task(ctx, task, input, output);\n"),
            std::string::npos);
  EXPECT_EQ(g.code.find("class MSpace"), std::string::npos) << "no machine space is used";
  EXPECT_EQ(g.code.find("::slice_task("), std::string::npos) << "no IndexTaskMap";
}

TEST(Codegen, RegionStatementsMostSpecificFirstLaterFirstAmongEquals) {
  Generated g = generate(
      "Region * * GPU FBMEM,ZCMEM;\n"
      "Region foo 1 * SYSMEM;\n"
      "Region * ghost GPU ZCMEM;\n"
      "Region foo,bar ghost CPU ZCMEM,SYSMEM;\n"
      "Region * * * SOCKMEM,SYSMEM;\n");
  ASSERT_TRUE(g.ok) << g.errors;
  EXPECT_EQ(definition(g.code, "MemoryChoice TMapper::memory_priority"),
            "MemoryChoice TMapper::memory_priority(const std::string& task, const RegionArg& arg,\n"
            "                                      Processor::Kind proc) const {\n"
            "  // line 4: Region foo,bar ghost CPU ZCMEM,SYSMEM;\n"
            "  if ((task == \"foo\" || task == \"bar\") && arg.is(\"ghost\") && proc == "
            "Processor::LOC_PROC)\n"
            "    return MemoryChoice{&kLine4, {Memory::Z_COPY_MEM, Memory::SYSTEM_MEM}};\n"
            "  // line 3: Region * ghost GPU ZCMEM;\n"
            "  if (arg.is(\"ghost\") && proc == Processor::TOC_PROC)\n"
            "    return MemoryChoice{&kLine3, {Memory::Z_COPY_MEM}};\n"
            "  // line 2: Region foo 1 * SYSMEM;\n"
            "  if (task == \"foo\" && arg.index == 1) return MemoryChoice{&kLine2, "
            "{Memory::SYSTEM_MEM}};\n"
            "  // line 1: Region * * GPU FBMEM,ZCMEM;\n"
            "  if (proc == Processor::TOC_PROC)\n"
            "    return MemoryChoice{&kLine1, {Memory::GPU_FB_MEM, Memory::Z_COPY_MEM}};\n"
            "  // line 5: Region * * * SOCKMEM,SYSMEM;\n"
            "  return MemoryChoice{&kLine5, {Memory::SOCKET_MEM, Memory::SYSTEM_MEM}};\n"
            "}\n");
  // The statements as the mapper names them when it stops.
  EXPECT_NE(g.code.find("constexpr Statement kLine4 = {\"t.mapping:4:1\", \"Region foo,bar ghost "
                        "CPU ZCMEM,SYSMEM;\"};\n"),
            std::string::npos);
  // map_task makes the instances: names come from the semantic names of the region tree.
  EXPECT_NE(g.code.find("    place_region(ctx, task, idx, target, variant.variant, "
                        "output.chosen_instances[idx]);"),
            std::string::npos);
  EXPECT_NE(g.code.find("runtime->retrieve_semantic_information(ctx, handle, "
                        "LEGION_NAME_SEMANTIC_TAG"),
            std::string::npos);
}

TEST(Codegen, LayoutStatementsBuildALayout) {
  Generated g = generate(
      "Layout * * * SOA F_order;\n"
      "Layout * * FBMEM AOS C_order Align==128;\n"
      "Layout sweep flux GPU SOA C_order Compact Exact;\n"
      "Layout * * SYSMEM Align>=64;\n"
      "Layout * * ZCMEM No_Align;\n");
  ASSERT_TRUE(g.ok) << g.errors;
  EXPECT_EQ(definition(g.code, "Layout TMapper::layout_of"),
            "Layout TMapper::layout_of(const std::string& task, const RegionArg& arg, "
            "Processor::Kind proc,\n"
            "                          Memory::Kind memory) const {\n"
            "  // line 3: Layout sweep flux GPU SOA C_order Compact Exact;\n"
            "  if (task == \"sweep\" && arg.is(\"flux\") && proc == Processor::TOC_PROC)\n"
            "    return Layout().soa().c_order().compact().exact().decided_by(&kLine3);\n"
            "  // line 5: Layout * * ZCMEM No_Align;\n"
            "  if (memory == Memory::Z_COPY_MEM) return Layout().no_align().decided_by(&kLine5);\n"
            "  // line 4: Layout * * SYSMEM Align>=64;\n"
            "  if (memory == Memory::SYSTEM_MEM) return Layout().align(LEGION_GE_EK, "
            "64).decided_by(&kLine4);\n"
            "  // line 2: Layout * * FBMEM AOS C_order Align==128;\n"
            "  if (memory == Memory::GPU_FB_MEM)\n"
            "    return Layout().aos().c_order().align(LEGION_EQ_EK, 128).decided_by(&kLine2);\n"
            "  // line 1: Layout * * * SOA F_order;\n"
            "  return Layout().soa().f_order().decided_by(&kLine1);\n"
            "}\n");
  // Without Region statements the memory is the default mapper's.
  EXPECT_NE(g.code.find("  choice.kinds.push_back(default_policy_select_target_memory(ctx, target, "
                        "req).kind());"),
            std::string::npos);
  // The variant's own layout constraints hold too (issue 14, item 3).
  EXPECT_NE(g.code.find("runtime->find_task_layout_constraints(ctx, task.task_id, variant);"),
            std::string::npos);
}

TEST(Codegen, CollectMemoryLeavesReadOnlyInstancesUntracked) {
  Generated g = generate("CollectMemory factor *;\nCollectMemory * 2;\n");
  ASSERT_TRUE(g.ok) << g.errors;
  EXPECT_EQ(definition(g.code, "bool TMapper::collect_memory"),
            "bool TMapper::collect_memory(const std::string& task, const RegionArg& arg) const {\n"
            "  // line 2: CollectMemory * 2;\n"
            "  if (arg.index == 2) return true;\n"
            "  // line 1: CollectMemory factor *;\n"
            "  if (task == \"factor\") return true;\n"
            "  return false;\n"
            "}\n");
  EXPECT_NE(g.code.find("      output.untracked_valid_regions.insert(idx);"), std::string::npos);
}

TEST(Codegen, InstanceLimitHoldsTasksBackInSelectTasksToMap) {
  Generated g = generate("InstanceLimit shift 2;\nInstanceLimit * 8;\n");
  ASSERT_TRUE(g.ok) << g.errors;
  EXPECT_EQ(definition(g.code, "coord_t TMapper::instance_limit"),
            "coord_t TMapper::instance_limit(const std::string& task) const {\n"
            "  // line 1: InstanceLimit shift 2;\n"
            "  if (task == \"shift\") return 2;\n"
            "  // line 2: InstanceLimit * 8;\n"
            "  return 8;\n"
            "}\n");
  EXPECT_NE(g.code.find("void TMapper::select_tasks_to_map("), std::string::npos);
  EXPECT_NE(g.code.find("void TMapper::report_profiling("), std::string::npos);
  EXPECT_NE(g.code.find("add_measurement<ProfilingMeasurements::OperationStatus>()"),
            std::string::npos);
}

TEST(Codegen, ControlReplicateSetsReplicateAndOneShardPerNode) {
  Generated g = generate("ControlReplicate main_loop,top_level;\n");
  ASSERT_TRUE(g.ok) << g.errors;
  EXPECT_EQ(definition(g.code, "const Statement* TMapper::control_replicate"),
            "const Statement* TMapper::control_replicate(const std::string& task) const {\n"
            "  // line 1: ControlReplicate main_loop,top_level;\n"
            "  if (task == \"main_loop\" || task == \"top_level\") return &kLine1;\n"
            "  return nullptr;\n"
            "}\n");
  EXPECT_NE(g.code.find("  if (control_replicate(task.get_task_name()) != nullptr)\n"
                        "    output.replicate = !task.is_index_space && !task.must_epoch_task;"),
            std::string::npos);
  EXPECT_NE(g.code.find("    output.target_processors.push_back(on_node(kind, node).front());"),
            std::string::npos);
  // Only a replicable variant, and on one node one shard per processor of the kind.
  EXPECT_NE(g.code.find("  if (!variant.is_replicable)\n"), std::string::npos);
  EXPECT_NE(g.code.find("    output.target_processors = on_node(kind, 0);\n"), std::string::npos);
}

TEST(Codegen, IndexTaskMapNamedTaskBeatsKindBeatsAny) {
  Generated g = generate(
      "m = Machine(CPU);\n"
      "def a(Task task) { return m[0, 0]; }\n"
      "def b(Task task) { return m[0, 1]; }\n"
      "def c(Task task) { return m[0, 2]; }\n"
      "IndexTaskMap foo a;\n"
      "IndexTaskMap * b;\n"
      "IndexTaskMap CPU c;\n");
  ASSERT_TRUE(g.ok) << g.errors;
  EXPECT_EQ(definition(g.code, "TMapper::PointMapper TMapper::index_task_map"),
            "TMapper::PointMapper TMapper::index_task_map(const std::string& task, "
            "Processor::Kind proc) const {\n"
            "  // line 5: IndexTaskMap foo a;\n"
            "  if (task == \"foo\") return &TMapper::a;\n"
            "  // line 7: IndexTaskMap CPU c;\n"
            "  if (proc == Processor::LOC_PROC) return &TMapper::c;\n"
            "  // line 6: IndexTaskMap * b;\n"
            "  return &TMapper::b;\n"
            "}\n");
  // The node of each point through a sharding functor, the processor in slice_task.
  EXPECT_NE(g.code.find("legion->generate_library_sharding_ids(\"mapsmith.t\", 3)"),
            std::string::npos);
  EXPECT_NE(g.code.find("    output.slices.push_back(\n"
                        "        TaskSlice(Domain(it.p, it.p), p, false /*recurse*/, false "
                        "/*stealable*/));"),
            std::string::npos);
  EXPECT_EQ(function(g.code, "a"),
            "// def a, line 2 of the program\n"
            "Processor TMapper::a(const MappedTask& /*task*/) {\n"
            "  return m(0, 0);\n"
            "}\n");
}

TEST(Codegen, SingleTaskMapPlacesSingleLaunches) {
  Generated g = generate(
      "g = Machine(GPU);\n"
      "def stay(Task task) { return g[*task.parent.processor(g)]; }\n"
      "SingleTaskMap layer_sum stay;\n");
  ASSERT_TRUE(g.ok) << g.errors;
  EXPECT_EQ(definition(g.code, "TMapper::PointMapper TMapper::single_task_map"),
            "TMapper::PointMapper TMapper::single_task_map(const std::string& task,\n"
            "                                              Processor::Kind /*proc*/) const {\n"
            "  // line 3: SingleTaskMap layer_sum stay;\n"
            "  if (task == \"layer_sum\") return &TMapper::stay;\n"
            "  return nullptr;\n"
            "}\n");
  EXPECT_EQ(function(g.code, "stay"),
            "// def stay, line 2 of the program\n"
            "Processor TMapper::stay(const MappedTask& task) {\n"
            "  return g(g.index_of(parent_of(task, \"t.mapping:2:38\").processor));\n"
            "}\n");
  EXPECT_NE(g.code.find("  if (const PointMapper map = single_task_map(task.get_task_name(), "
                        "kind))"),
            std::string::npos);
}

TEST(Translate, ArithmeticRoundsDownUnlessBothSidesAreNonNegative) {
  Generated g = generate(
      "m = Machine(GPU);\n"
      "def f(Task task) {\n"
      "  i = task.ipoint[0];\n"
      "  j = i - 1;\n"
      "  return m[i / m.size[1] % m.size[0], j % m.size[1]];\n"
      "}\n"
      "IndexTaskMap * f;\n");
  ASSERT_TRUE(g.ok) << g.errors;
  EXPECT_EQ(function(g.code, "f"),
            "// def f, line 2 of the program\n"
            "Processor TMapper::f(const MappedTask& task) {\n"
            "  coord_t i = at(task.ipoint, 0, \"t.mapping:3:18\");\n"
            "  coord_t j = i - 1;\n"
            "  return m(i / m.size(1) % m.size(0), floor_mod(j, m.size(1)));\n"
            "}\n");
  EXPECT_NE(g.code.find("inline coord_t floor_mod(coord_t a, coord_t b) {"), std::string::npos);
}

TEST(Translate, TuplesSlicesUnpackingAndComprehensions) {
  Generated g = generate(
      "g = Machine(GPU);\n"
      "def part(IPoint p, ISpace s, MSpace m, int d) { return p[d] * m.size[d] / s[d]; }\n"
      "def f(Task task) {\n"
      "  four = g.auto_split(0, task.ispace);\n"
      "  six = four.auto_split(3, task.ispace / four[:-1]);\n"
      "  up = tuple(part(task.ipoint, task.ispace, six, i) for i in (0, 1, 2));\n"
      "  low = tuple(task.ipoint[i] % six.size[i + 3] for i in (0, 1, 2));\n"
      "  return six[*up, *low];\n"
      "}\n"
      "IndexTaskMap * f;\n");
  ASSERT_TRUE(g.ok) << g.errors;
  EXPECT_EQ(function(g.code, "f"),
            "// def f, line 3 of the program\n"
            "Processor TMapper::f(const MappedTask& task) {\n"
            "  MSpace four = g.auto_split(0, task.ispace);\n"
            "  MSpace six = four.auto_split(3, task.ispace / slice(four.size(), 0, -1));\n"
            "  Tuple up = map_tuple(Tuple{0, 1, 2}, [&](coord_t i) {\n"
            "    return part(task.ipoint, task.ispace, six, i);\n"
            "  });\n"
            "  Tuple low = map_tuple(Tuple{0, 1, 2}, [&](coord_t i) {\n"
            "    return at(task.ipoint, i, \"t.mapping:7:26\") % six.size(i + 3);\n"
            "  });\n"
            "  return six(cat({up, low}));\n"
            "}\n");
  EXPECT_EQ(function(g.code, "part"),
            "// def part, line 2 of the program\n"
            "coord_t TMapper::part(const Tuple& p, const Tuple& s, const MSpace& m, coord_t d) {\n"
            "  return floor_div(at(p, d, \"t.mapping:2:57\") * m.size(d), at(s, d, "
            "\"t.mapping:2:76\"));\n"
            "}\n");
  EXPECT_NE(g.code.find("inline Tuple auto_split_factors(coord_t n, const Tuple& launch) {"),
            std::string::npos);
  EXPECT_NE(g.code.find("  MSpace auto_split(coord_t d, const Tuple& launch) const {"),
            std::string::npos);
  EXPECT_EQ(g.code.find("  MSpace merge("), std::string::npos) << "only the transformations used";
}

TEST(Translate, WildcardsPrintsAndMemoryQueries) {
  Generated g = generate(
      "gpus = Machine(GPU);\n"
      "kind = ZCMEM;\n"
      "def f(Task task) {\n"
      "  print(\"point {} of {}\", task.ipoint, task.ispace.size);\n"
      "  p = gpus[task.ipoint[0] % gpus.size[0], *];\n"
      "  return p.has(FBMEM) || p.has(kind) ? p : gpus[0, 0];\n"
      "}\n"
      "IndexTaskMap * f;\n");
  ASSERT_TRUE(g.ok) << g.errors;
  EXPECT_EQ(function(g.code, "f"),
            "// def f, line 3 of the program\n"
            "Processor TMapper::f(const MappedTask& task) {\n"
            "  print(\"point {} of {}\", {text(task.ipoint), text(task.ispace)});\n"
            "  Processor p =\n"
            "      gpus.any(Tuple{at(task.ipoint, 0, \"t.mapping:5:23\") % gpus.size(0), "
            "MSpace::kAny}, turn_[0]);\n"
            "  return has_memory(p, Memory::GPU_FB_MEM) || has_memory(p, kind) ? p : gpus(0, 0);\n"
            "}\n");
  EXPECT_NE(g.code.find("  Memory::Kind kind;\n"), std::string::npos);
  EXPECT_NE(g.code.find("  std::array<std::atomic<coord_t>, 1> turn_{};"), std::string::npos);
  EXPECT_NE(g.code.find("Logger log_mapsmith(\"mapsmith\");"), std::string::npos);
}

TEST(Translate, NamesThatAreCppWordsAreRenamed) {
  Generated g = generate(
      "new = Machine(CPU);\n"
      "def class(Task task) {\n"
      "  at = task.ipoint;\n"
      "  unused = 3;\n"
      "  return new[0, at[0] % new.size[1]];\n"
      "}\n"
      "IndexTaskMap * class;\n");
  ASSERT_TRUE(g.ok) << g.errors;
  EXPECT_EQ(function(g.code, "class"),
            "// def class, line 2 of the program\n"
            "Processor TMapper::dsl_class(const MappedTask& task) {\n"
            "  Tuple dsl_at = task.ipoint;\n"
            "  [[maybe_unused]] coord_t unused = 3;\n"
            "  return dsl_new(0, at(dsl_at, 0, \"t.mapping:5:19\") % dsl_new.size(1));\n"
            "}\n");
}

TEST(Translate, GlobalsAreMembersEvaluatedAtStartUp) {
  Generated g = generate(
      "gpus = Machine(GPU);\n"
      "cpus = Machine(CPU);\n"
      "procs = gpus.volume > 0 ? gpus : cpus;\n"
      "flat = procs.merge(0, 1).reverse(0);\n"
      "print(\"{} processors\", flat.volume);\n");
  ASSERT_TRUE(g.ok) << g.errors;
  EXPECT_EQ(definition(g.code, "void TMapper::evaluate_globals"),
            "void TMapper::evaluate_globals() {\n"
            "  gpus = machine_space(Processor::TOC_PROC);\n"
            "  cpus = machine_space(Processor::LOC_PROC);\n"
            "  procs = gpus.volume() > 0 ? gpus : cpus;\n"
            "  flat = procs.merge(0, 1).reverse(0);\n"
            "  print(\"{} processors\", {text(flat.volume())});\n"
            "}\n");
}

TEST(Errors, WhatCppCannotExpressIsReportedAtItsLine) {
  Generated g = generate(
      "def f(Task task) {\n"
      "  x = 1;\n"
      "  x = (1, 2);\n"
      "  return Machine(CPU)[0, 0];\n"
      "}\n"
      "def n(Task task) { return 3; }\n"
      "IndexTaskMap * n;\n");
  EXPECT_FALSE(g.ok);
  EXPECT_EQ(g.code, "");
  EXPECT_EQ(g.errors,
            "t.mapping:7:16: error: function 'n' returns an int, but a mapping function must "
            "return a processor\n"
            "  IndexTaskMap * n;\n"
            "                 ^\n"
            "hint: return an index into a machine space, m[i, j]\n"
            "t.mapping:3:3: error: cannot generate code: 'x' was an int and is now assigned a "
            "tuple\n"
            "    x = (1, 2);\n"
            "    ^\n"
            "hint: use a new name for the new value\n");
}

TEST(Base, DerivesFromTheApplicationsMapperAndKeepsItsInstances) {
  Options o;
  o.name = "circuit";
  o.base_class = "CircuitMapper";
  o.base_header = "circuit_mapper.h";
  Generated g = generate("Task * CPU;\nRegion * * CPU SYSMEM;\n", o);
  ASSERT_TRUE(g.ok) << g.errors;
  EXPECT_NE(g.code.find("#include \"circuit_mapper.h\"\n"), std::string::npos);
  EXPECT_NE(g.code.find("class CircuitDslMapper : public CircuitMapper {"), std::string::npos);
  EXPECT_NE(g.code.find("  template <typename... Args>\n"
                        "  explicit CircuitDslMapper(Args&&... args) : "
                        "CircuitMapper(std::forward<Args>(args)...) {\n"
                        "    setup();\n  }\n"),
            std::string::npos);
  EXPECT_NE(g.code.find("  CircuitMapper::map_task(ctx, task, input, output);\n"),
            std::string::npos);
  EXPECT_NE(g.code.find("//   - (Region and Layout statements are not applied: CircuitMapper "
                        "chooses the instances)"),
            std::string::npos);
  EXPECT_EQ(g.code.find("memory_priority"), std::string::npos);
  EXPECT_EQ(g.code.find("register_circuit_mapper"), std::string::npos);
}

TEST(Registration, InstallsOneMapperPerProcessor) {
  Generated g = generate("Task * CPU;\n");
  ASSERT_TRUE(g.ok) << g.errors;
  EXPECT_EQ(g.code.substr(g.code.find("/// Gives every processor")),
            "/// Gives every processor of this process its own TMapper.\n"
            "void create_t_mappers(Machine machine, Runtime* runtime, const std::set<Processor>& "
            "local_procs) {\n"
            "  for (Processor proc : local_procs) {\n"
            "    TMapper* mapper = new TMapper(runtime->get_mapper_runtime(), machine, proc, "
            "\"t\");\n"
            "    runtime->replace_default_mapper(mapper, proc);\n"
            "  }\n"
            "}\n"
            "\n"
            "}  // namespace\n"
            "\n"
            "/// Installs TMapper on every processor. Call before Runtime::start().\n"
            "void register_t_mapper() {\n"
            "  Runtime::add_registration_callback(create_t_mappers);\n"
            "}\n");
}

TEST(Codegen, PublishedDialectAppendsTheListsOfEveryMatchingRegionStatement) {
  Generated g = generate("Region * * GPU ZCMEM;\nRegion t * GPU SYSMEM;\nRegion t * GPU FBMEM;\n",
                         {}, dsl::Dialect::Published);
  ASSERT_TRUE(g.ok) << g.errors;
  EXPECT_EQ(definition(g.code, "MemoryChoice TMapper::memory_priority"),
            "MemoryChoice TMapper::memory_priority(const std::string& task, const RegionArg& "
            "/*arg*/,\n"
            "                                      Processor::Kind proc) const {\n"
            "  MemoryChoice out;\n"
            "  auto add = [&out](const Statement* statement, std::initializer_list<Memory::Kind> "
            "kinds) {\n"
            "    if (out.statement == nullptr) out.statement = statement;\n"
            "    out.kinds.insert(out.kinds.end(), kinds);\n"
            "  };\n"
            "  // line 2: Region t * GPU SYSMEM;\n"
            "  if (task == \"t\" && proc == Processor::TOC_PROC) add(&kLine2, "
            "{Memory::SYSTEM_MEM});\n"
            "  // line 3: Region t * GPU FBMEM;\n"
            "  if (task == \"t\" && proc == Processor::TOC_PROC) add(&kLine3, "
            "{Memory::GPU_FB_MEM});\n"
            "  // line 1: Region * * GPU ZCMEM;\n"
            "  if (proc == Processor::TOC_PROC) add(&kLine1, {Memory::Z_COPY_MEM});\n"
            "  return out;\n"
            "}\n");
}

TEST(Codegen, NamesThatMayBeMacrosOrLibraryNamesAreMangled) {
  // #15: each of these names is accepted by the language and broke the generated C++.
  Generated g = generate(
      "NULL = 1;\nEOF = 2;\nerrno = 3;\noffsetof = 4;\nsize_t = 5;\nLEGION_MAX_DIM = 6;\n"
      "linux = 7;\nunix = 8;\ndsl_x = 9;\nkLine1 = 10;\nsetup = 11;\nview_of = 12;\n"
      "N = 13;\n");
  ASSERT_TRUE(g.ok) << g.errors;
  for (const char* name :
       {"dsl_NULL", "dsl_EOF", "dsl_errno", "dsl_offsetof", "dsl_size_t", "dsl_LEGION_MAX_DIM",
        "dsl_linux", "dsl_unix", "dsl_dsl_x", "dsl_kLine1", "dsl_setup", "dsl_view_of"}) {
    EXPECT_NE(g.code.find(fmt::format("  {} = ", name)), std::string::npos) << name;
  }
  EXPECT_NE(g.code.find("  N = 13;"), std::string::npos) << "a one-letter name is kept";
}

TEST(Codegen, FileNameAndAppCannotInjectCode) {
  // #15: a newline in the file name or --app ended the header comment.
  Options o;
  o.source_name = "evil\nint injected_from_name = 1;\\";
  o.app = "app\n#error injected_from_app";
  Generated g = generate("Task * CPU;\n", o);
  ASSERT_TRUE(g.ok) << g.errors;
  EXPECT_EQ(g.code.find("\nint injected_from_name"), std::string::npos);
  EXPECT_EQ(g.code.find("\n#error"), std::string::npos);
  EXPECT_NE(g.code.find("// A Legion mapper generated by `mapsmith codegen` from "
                        "evil\\nint injected_from_name = 1;\\\\.\n"),
            std::string::npos);
  EXPECT_NE(g.code.find("// Application: app\\n#error injected_from_app\n"), std::string::npos);
  // The header's name sits between the quotes of an #include: such names are refused.
  Options b;
  b.base_class = "AppMapper";
  b.base_header = "app.h\"\nint injected;";
  Generated bad = generate("Task * CPU;\n", b);
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.code, "");
  EXPECT_EQ(bad.errors,
            "t.mapping: error: --base-header \"app.h\\\"\\nint injected;\": a header name "
            "cannot hold a quote, a backslash or a control character\n");
}

TEST(Codegen, ConstantIndexesAreCheckedWithTheirPlace) {
  // Issue 14, item 5: task.ipoint[0] of a single task crashed the generated mapper.
  Generated g = generate(
      "m = Machine(CPU);\n"
      "def f(Task task) { return m[0, task.ipoint[0]]; }\n"
      "SingleTaskMap t f;\n");
  ASSERT_TRUE(g.ok) << g.errors;
  EXPECT_EQ(function(g.code, "f"),
            "// def f, line 2 of the program\n"
            "Processor TMapper::f(const MappedTask& task) {\n"
            "  return m(0, at(task.ipoint, 0, \"t.mapping:2:43\"));\n"
            "}\n");
  EXPECT_NE(g.code.find("    fail(std::string(where) + \": error: index \" + std::to_string(i) +\n"
                        "         \" is out of range for the tuple \" + text(t) + \" of length "
                        "\" + std::to_string(n));"),
            std::string::npos);
}

}  // namespace
}  // namespace mapsmith::codegen
