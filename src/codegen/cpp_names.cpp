#include "codegen/cpp_names.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace mapsmith::codegen {

namespace {

// C++ keywords, and the names the generated mapper and its base classes use, which a DSL name
// must not hide.
constexpr std::array kReserved = {
    // C++ keywords and alternative tokens
    "alignas",
    "alignof",
    "and",
    "and_eq",
    "asm",
    "auto",
    "bitand",
    "bitor",
    "bool",
    "break",
    "case",
    "catch",
    "char",
    "char16_t",
    "char32_t",
    "char8_t",
    "class",
    "compl",
    "concept",
    "const",
    "consteval",
    "constexpr",
    "constinit",
    "const_cast",
    "continue",
    "co_await",
    "co_return",
    "co_yield",
    "decltype",
    "default",
    "delete",
    "do",
    "double",
    "dynamic_cast",
    "else",
    "enum",
    "explicit",
    "export",
    "extern",
    "false",
    "float",
    "for",
    "friend",
    "goto",
    "if",
    "inline",
    "int",
    "long",
    "mutable",
    "namespace",
    "new",
    "noexcept",
    "not",
    "not_eq",
    "nullptr",
    "operator",
    "or",
    "or_eq",
    "private",
    "protected",
    "public",
    "register",
    "reinterpret_cast",
    "requires",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "static_assert",
    "static_cast",
    "struct",
    "switch",
    "template",
    "this",
    "thread_local",
    "throw",
    "true",
    "try",
    "typedef",
    "typeid",
    "typename",
    "union",
    "unsigned",
    "using",
    "virtual",
    "void",
    "volatile",
    "wchar_t",
    "while",
    "xor",
    "xor_eq",
    "main",
    "assert",
    // standard and Legion names the generated code spells unqualified
    "std",
    "Legion",
    "Mapping",
    "Realm",
    "coord_t",
    "Task",
    "Processor",
    "Memory",
    "Machine",
    "Runtime",
    "Domain",
    "DomainPoint",
    "Point",
    "Rect",
    "TaskSlice",
    "MapperContext",
    "MapperRuntime",
    "MapperEvent",
    "LogicalRegion",
    "LogicalPartition",
    "PhysicalInstance",
    "RegionRequirement",
    "LayoutConstraintSet",
    "ShardingFunctor",
    "ShardingID",
    "ShardID",
    "FieldID",
    "VariantID",
    "DefaultMapper",
    "Mapper",
    "Logger",
    // the support code (support.cpp)
    "Tuple",
    "MSpace",
    "MappedTask",
    "RegionArg",
    "Layout",
    "floor_div",
    "floor_mod",
    "at",
    "slice",
    "cat",
    "volume",
    "len",
    "map_tuple",
    "text",
    "kEnd",
    "fail",
    "elementwise",
    "prime_factors",
    "balance_split_factors",
    "greedy_split_factors",
    "auto_split_factors",
    // members of the generated mapper
    "machine_space",
    "parent_of",
    "has_memory",
    "describe",
    "print",
    "turn_",
    "procs_",
    "choose_kind",
    "can_run",
    "kind_priority",
    "memory_priority",
    "layout_of",
    "collect_memory",
    "instance_limit",
    "control_replicate",
    "index_task_map",
    "single_task_map",
    "place_region",
    "region_arg",
    "memory_near",
    "mapped_point",
    "mapped_single",
    "checked",
    "log_placement",
    "log_placements_",
    "in_flight_",
    "limit_event_",
    "sharding_id",
    "sharding_first_",
    "node_of_point",
    "first_of_kind",
    "PointMapper",
    "evaluate_globals",
    "nodes",
    "setup",
    "on_node",
    "single_task_processor",
    "register_sharding_functors",
    "use_sharding_functors",
    "shard_of",
    "variant_layout",
    "backpressure_",
    "NodeSharding",
    "view_of",
    "in_flight",
    "InFlight",
    "MemoryChoice",
    "constraint_text",
    "statement_",
    "Wide",
    "kVirtual",
    // names of the C library, the C++ library and Legion's headers that are macros or types the
    // generated code spells unqualified: a DSL name must not be taken for them
    "errno",
    "offsetof",
    "stdin",
    "stdout",
    "stderr",
    "linux",
    "unix",
    "i386",
    "major",
    "minor",
    "makedev",
    "setjmp",
    "va_arg",
    "va_start",
    "va_end",
    "va_copy",
    "alloca",
    "signbit",
    "isnan",
    "isinf",
    "fpclassify",
    "isfinite",
    "isnormal",
    "UniqueID",
    "Serializer",
    // members of Legion's DefaultMapper and Mapper that a name could hide
    "runtime",
    "machine",
    "local_proc",
    "local_kind",
    "node_id",
    "total_nodes",
    "mapper_name",
    "local_cpus",
    "local_gpus",
    "local_ios",
    "local_omps",
    "local_pys",
    "local_procsets",
    "remote_cpus",
    "remote_gpus",
    "remote_ios",
    "remote_omps",
    "remote_pys",
    "remote_procsets",
    "select_task_options",
    "slice_task",
    "map_task",
    "replicate_task",
    "select_tasks_to_map",
    "report_profiling",
    "select_sharding_functor",
    "get_mapper_name",
    "get_mapper_sync_model",
    "map_inline",
    "map_copy",
    "premap_task",
    "postmap_task",
    "select_task_variant",
    "stealing_enabled",
    "map_locally",
    "replication_enabled",
    "same_address_space",
    "max_schedule_count",
    "memoize",
    "breadth_first_traversal",
    "preferred_variants",
    "default_find_preferred_variant",
    "default_policy_select_target_memory",
    "default_policy_select_initial_processor",
    "default_policy_select_target_processors",
    "default_policy_select_output_target",
    "default_policy_select_output_constraints",
    "default_report_failed_instance_creation",
    "default_make_instance",
    "default_create_custom_instances",
    "have_proc_kind_variant",
};

}  // namespace

namespace {

/// Whether the generated C++ must not use a DSL name as it is: a C++ keyword or a name the
/// mapper, its support code, Legion or the C and C++ libraries use; a name that could be a macro
/// (no lower-case letter and more than one character: NULL, EOF, LEGION_MAX_DIM), a POSIX type
/// (ending in _t: size_t), or a name C++ reserves (a double underscore, '_' and a capital); and
/// a name that starts like a mangled one.
bool needs_mangling(std::string_view name) {
  for (const char* r : kReserved)
    if (name == r) return true;
  const bool lower =
      std::any_of(name.begin(), name.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  if (!lower && name.size() > 1) return true;
  if (name.size() > 2 && name.substr(name.size() - 2) == "_t") return true;
  if (name.find("__") != std::string_view::npos) return true;
  if (name.size() > 1 && name[0] == '_' && name[1] >= 'A' && name[1] <= 'Z') return true;
  return name.substr(0, 4) == "dsl_" || name.substr(0, 5) == "kLine";  // kLine3: statements
}

}  // namespace

std::string cpp_identifier(std::string_view name) {
  // "dsl_" before every mangled name keeps the spelling one-to-one: no name that is not mangled
  // starts with it.
  return needs_mangling(name) ? "dsl_" + std::string(name) : std::string(name);
}

std::string cpp_type(dsl::Type t) {
  using dsl::Type;
  switch (t) {
    case Type::Int:
      return "coord_t";
    case Type::Bool:
      return "bool";
    case Type::Tuple:
      return "Tuple";
    case Type::Space:
      return "MSpace";
    case Type::Proc:
      return "Processor";
    case Type::Task:
      return "MappedTask";
    case Type::ProcKind:
      return "Processor::Kind";
    case Type::MemKind:
      return "Memory::Kind";
    case Type::Unknown:
      return {};
  }
  return {};
}

std::string legion_kind(ProcKind k) {
  switch (k) {
    case ProcKind::CPU:
      return "Processor::LOC_PROC";
    case ProcKind::GPU:
      return "Processor::TOC_PROC";
    case ProcKind::OMP:
      return "Processor::OMP_PROC";
    case ProcKind::IO:
      return "Processor::IO_PROC";
    case ProcKind::PY:
      return "Processor::PY_PROC";
    case ProcKind::PROC:
      return "Processor::PROC_SET";
    case ProcKind::UTIL:
      return "Processor::UTIL_PROC";
  }
  return "Processor::NO_KIND";
}

std::string legion_kind(MemKind k) {
  switch (k) {
    case MemKind::SYSMEM:
      return "Memory::SYSTEM_MEM";
    case MemKind::FBMEM:
      return "Memory::GPU_FB_MEM";
    case MemKind::ZCMEM:
      return "Memory::Z_COPY_MEM";
    case MemKind::RDMEM:
      return "Memory::REGDMA_MEM";
    case MemKind::SOCKMEM:
      return "Memory::SOCKET_MEM";
    case MemKind::VIRTUAL:
      return "kVirtual";
  }
  return "Memory::NO_MEMKIND";
}

std::string cpp_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '?':  // never a trigraph (g++ warns about ?? in -Wall)
        out += "\\?";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        else
          out += c;
    }
  }
  return out + "\"";
}

}  // namespace mapsmith::codegen
