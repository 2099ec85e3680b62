#include "codegen/codegen.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <ostream>

#include "codegen/generator.h"
#include "codegen/rules.h"
#include "codegen/support.h"
#include "codegen/text.h"

namespace mapsmith::codegen {

using dsl::Stmt;
using dsl::StmtKind;

std::string mapper_name_for(std::string_view path) {
  std::size_t slash = path.find_last_of("/\\");
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  std::size_t dot = base.find('.');
  if (dot != std::string_view::npos) base = base.substr(0, dot);
  std::string out;
  for (char c : base)
    out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "dsl_" + out;
  return out;
}

std::string mapper_class_for(std::string_view name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (c == '_' || c == '-') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  if (out.empty()) out = "Dsl";
  std::string lower;
  for (char c : out)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.size() < 6 || lower.substr(lower.size() - 6) != "mapper") out += "Mapper";
  return out;
}

Generator::Generator(const dsl::Program& p, const dsl::ProgramInfo& info, const Options& o,
                     dsl::Diagnostics& diags)
    : p_(p), opt_(o), diags_(diags), types_(infer_types(p, info)), tr_(p, info, types_, diags) {
  for (const Stmt& s : p.stmts)
    ++count_[static_cast<std::size_t>(s.kind)];
  // The name becomes part of C++ identifiers: keep letters, digits and '_'.
  name_ = o.name.empty() ? std::string("dsl") : o.name;
  for (char& c : name_)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
  if (std::isdigit(static_cast<unsigned char>(name_[0]))) name_ = "dsl_" + name_;
  cls_ = mapper_class_for(name_);
  base_ = o.base_class.empty() ? std::string("DefaultMapper") : o.base_class;
  if (cls_ == base_) cls_ = mapper_class_for(name_ + "_dsl");
}

std::string Generator::run() {
  // The header's name goes between the quotes of an #include, where nothing can be escaped.
  if (opt_.base_header.find_first_of("\"\\\n\r") != std::string::npos ||
      std::any_of(opt_.base_header.begin(), opt_.base_header.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
    diags_.file_error(p_.source->name(),
                      fmt::format("--base-header {}: a header name cannot hold a quote, a "
                                  "backslash or a control character",
                                  cpp_string(opt_.base_header)));
    return {};
  }
  check_map_functions();
  // The class and its definitions first: translating them tells which support pieces to emit.
  std::string defs = definitions();
  std::string decl = declaration();
  std::set<std::string> needs = tr_.needs();
  needs.insert({"fail", "tuple", "text", "mapped_task"});
  if (own_instances()) needs.insert({"region_arg", "layout", "constraint_text"});
  if (has(StmtKind::InstanceLimit)) needs.insert("in_flight");
  if (has(StmtKind::ControlReplicate)) needs.insert("statement");
  if (own_instances() && has_virtual()) needs.insert("virtual");
  if (has(StmtKind::CollectMemory)) needs.insert("region_arg");
  needs = with_dependencies(std::move(needs));

  std::string out = header();
  out += "namespace {\n\nusing namespace Legion;\nusing namespace Legion::Mapping;\n\n";
  if (needs.count("print")) out += "Logger log_mapsmith(\"mapsmith\");\n\n";
  out += support_code(needs);
  out += "\n" + statement_constants() + decl + "\n" + defs;
  if (shards()) out += sharding();
  out += registration();
  return out;
}

/// "\nRET Class::NAME(PARAMS) {\n", wrapped to 100 columns.
std::string Generator::def(std::string_view ret, std::string_view name,
                           const std::vector<std::string>& params, std::string_view after) const {
  std::string before =
      ret.empty() ? fmt::format("{}::{}", cls_, name) : fmt::format("{} {}::{}", ret, cls_, name);
  return "\n" + wrapped("", before, params, after) + "\n";
}

// The generated map_task makes the instances itself when a statement says where or how.
bool Generator::own_instances() const {
  return !based() && (has(StmtKind::Region) || has(StmtKind::Layout));
}

bool Generator::has_virtual() const {
  for (const Stmt& s : p_.stmts)
    if (s.kind == StmtKind::Region)
      for (const dsl::Name& k : p_.kinds(s))
        if (k.text == "VIRTUAL") return true;
  return false;
}

void Generator::error(dsl::SourceLoc loc, std::string msg, std::string hint) {
  diags_.error(*p_.source, loc, std::move(msg), std::move(hint));
}

/// The functions IndexTaskMap and SingleTaskMap name must return a processor.
void Generator::check_map_functions() {
  for (const Stmt& s : p_.stmts) {
    if (s.kind != StmtKind::IndexTaskMap && s.kind != StmtKind::SingleTaskMap) continue;
    const dsl::Name name = p_.name(s);
    auto r = types_.returns.find(name.text);
    dsl::Type t = r == types_.returns.end() ? dsl::Type::Unknown : r->second.type;
    if (t != dsl::Type::Proc && t != dsl::Type::Unknown) {
      error(p_.loc(name),
            fmt::format("function '{}' returns {}, but a mapping function must return a "
                        "processor",
                        name.text, dsl::type_phrase(t)),
            "return an index into a machine space, m[i, j]");
    }
    if (!map_functions_set_.count(name.text)) {
      map_functions_set_.insert(name.text);
      map_functions_.push_back(name.text);
    }
    // One sharding functor per function of an IndexTaskMap, numbered in order of first use.
    if (s.kind == StmtKind::IndexTaskMap && functor_numbers_.emplace(name.text, 0).second)
      functors_.push_back(name.text);
  }
}

namespace {

/// Text for a `//` comment: control characters (a newline would end the comment and let the rest
/// of the text be compiled) and backslashes (one at the end would continue the comment on the
/// next line) written as C escapes.
std::string comment_safe(std::string_view text) {
  const std::string quoted = cpp_string(text);
  return quoted.substr(1, quoted.size() - 2);
}

}  // namespace

std::string Generator::header() const {
  std::string src =
      opt_.source_name.empty() ? std::string("a mapping program") : comment_safe(opt_.source_name);
  std::string out = fmt::format(
      "// A Legion mapper generated by `mapsmith codegen` from {}.\n"
      "// Change the mapping program and generate again rather than editing this file.\n"
      "//\n"
      "// {} derives from {} and decides as the program says:\n",
      src, cls_, base_);
  auto item = [&](bool on, std::string_view what) {
    if (!on) return;
    // Wrap at 100 columns, continuing under the text.
    std::string line = "//   -";
    std::size_t start = 0;
    while (start < what.size()) {
      std::size_t end = what.find(' ', start);
      if (end == std::string_view::npos) end = what.size();
      std::string_view word = what.substr(start, end - start);
      if (line.size() + 1 + word.size() > 100) {
        out += line + "\n";
        line = "//     ";
      } else {
        line += " ";
      }
      line += word;
      start = end + 1;
    }
    out += line + "\n";
  };
  item(true, "the processor kind of each task, and where single tasks run (select_task_options)");
  item(has(StmtKind::IndexTaskMap),
       "where the points of index launches run (slice_task; the node through a sharding "
       "functor when the parent task is control-replicated)");
  item(own_instances(), "the memory and the layout of each region argument (map_task)");
  item(based() && (has(StmtKind::Region) || has(StmtKind::Layout)),
       fmt::format("(Region and Layout statements are not applied: {} chooses the instances)",
                   base_));
  item(has(StmtKind::CollectMemory), "which instances are not kept valid (map_task)");
  item(has(StmtKind::InstanceLimit),
       "how many instances of a task may be in flight "
       "(select_tasks_to_map)");
  item(has(StmtKind::ControlReplicate), "which tasks are control-replicated (replicate_task)");
  out += "//\n";
  if (based()) {
    out += fmt::format(
        "// Use: #include this file where the application creates its {0}, and create a\n"
        "// {1} with the same arguments instead. {1}::register_sharding_functors\n"
        "// must be called once per process when the program has IndexTaskMap statements.\n",
        base_, cls_);
  } else {
    out += fmt::format(
        "// Use: compile this file with the application (C++17) and call\n"
        "// register_{}_mapper() before Runtime::start().\n",
        snake(name_));
  }
  out += "// Run with -mapsmith:log to print where each task is mapped.\n";
  if (!opt_.app.empty()) out += fmt::format("// Application: {}\n", comment_safe(opt_.app));
  out += "\n";
  out += "#include <algorithm>\n#include <array>\n#include <atomic>\n#include <cstdio>\n";
  out += "#include <cstdlib>\n#include <functional>\n#include <limits>\n#include <map>\n";
  out += "#include <mutex>\n#include <set>\n#include <string>\n";
  out += "#include <utility>\n#include <vector>\n\n#include \"legion.h\"\n";
  out += "#include \"mappers/default_mapper.h\"\n";
  if (based() && !opt_.base_header.empty())
    out += fmt::format("#include \"{}\"\n", opt_.base_header);
  out += "\n";
  return out;
}

std::string Generator::declaration() {
  auto decl = [](std::string_view before, const std::vector<std::string>& params,
                 std::string_view after = ";") {
    return wrapped("  ", before, params, after) + "\n";
  };
  std::string o = fmt::format("class {} : public {} {{\n public:\n", cls_, base_);
  if (!map_functions_.empty()) {
    o += "  /// A mapping function: the processor a task (or a point of an index launch) runs "
         "on.\n";
    o += fmt::format("  using PointMapper = Processor ({}::*)(const MappedTask&);\n\n", cls_);
  }
  if (based()) {
    o += fmt::format("  /// Takes the arguments of {}.\n", base_);
    o += "  template <typename... Args>\n";
    o += fmt::format("  explicit {}(Args&&... args) : {}(std::forward<Args>(args)...) {{\n", cls_,
                     base_);
    o += "    setup();\n  }\n\n";
  } else {
    o +=
        decl(cls_, {"MapperRuntime* rt", "Machine machine", "Processor local", "const char* name"});
    o += "\n";
  }
  o += decl("void select_task_options",
            {"const MapperContext ctx", "const Task& task", "TaskOptions& output"}, " override;");
  if (has(StmtKind::IndexTaskMap)) {
    o += decl("void slice_task",
              {"const MapperContext ctx", "const Task& task", "const SliceTaskInput& input",
               "SliceTaskOutput& output"},
              " override;");
  }
  o += decl("void map_task",
            {"const MapperContext ctx", "const Task& task", "const MapTaskInput& input",
             "MapTaskOutput& output"},
            " override;");
  o += decl("void default_policy_select_target_processors",
            {"MapperContext ctx", "const Task& task", "std::vector<Processor>& target_procs"},
            " override;");
  if (has(StmtKind::ControlReplicate)) {
    o += decl("void replicate_task",
              {"MapperContext ctx", "const Task& task", "const ReplicateTaskInput& input",
               "ReplicateTaskOutput& output"},
              " override;");
  }
  if (shards()) {
    o += fmt::format("  using {}::select_sharding_functor;\n", base_);
    o += decl("void select_sharding_functor",
              {"const MapperContext ctx", "const Task& task",
               "const SelectShardingFunctorInput& input", "SelectShardingFunctorOutput& output"},
              " override;");
  }
  if (has(StmtKind::InstanceLimit)) {
    o += decl("void select_tasks_to_map",
              {"const MapperContext ctx", "const SelectMappingInput& input",
               "SelectMappingOutput& output"},
              " override;");
    o += fmt::format("  using {}::report_profiling;\n", base_);
    o += decl("void report_profiling",
              {"const MapperContext ctx", "const Task& task", "const TaskProfilingInfo& input"},
              " override;");
  }
  if (shards()) {
    o += "\n  /// Registers one sharding functor per mapping function of an IndexTaskMap and "
         "returns the\n  /// first ID. Call once per process, then use_sharding_functors() on "
         "every mapper.\n";
    o += "  ShardingID register_sharding_functors(Runtime* legion);\n";
    o += "  void use_sharding_functors(ShardingID first) { sharding_first_ = first; }\n";
    o += "  /// The shard of the node the mapping function `map` puts a point of an index "
         "launch on.\n";
    o += decl("ShardID shard_of", {"PointMapper map", "const DomainPoint& point",
                                   "const Domain& domain", "size_t total_shards"});
  }
  o += "\n private:\n";
  o += "  void setup();\n";
  if (!tr_.global_members().empty()) o += "  void evaluate_globals();\n";
  o += decl("Processor::Kind choose_kind", {"const MapperContext ctx", "const Task& task"},
            " const;");
  o += decl("Processor single_task_processor", {"const Task& task", "Processor::Kind kind"});
  o += decl("const std::vector<Processor>& on_node", {"Processor::Kind kind", "AddressSpace node"},
            " const;");
  o += decl("Processor first_of_kind", {"Processor::Kind kind"}, " const;");
  if (!map_functions_.empty())
    o += decl("Processor checked", {"Processor p", "Processor::Kind kind", "const Task& task"},
              " const;");
  o += decl("void log_placement", {"const Task& task", "Processor p"}, " const;");
  const auto& n = tr_.needs();
  if (n.count("mspace")) o += decl("MSpace machine_space", {"Processor::Kind kind"}, " const;");
  if (n.count("parent"))
    o += decl("MappedTask parent_of", {"const MappedTask& task", "const char* where"}, " const;");
  if (n.count("has_memory"))
    o += decl("bool has_memory", {"Processor p", "Memory::Kind kind"}, " const;");
  if (n.count("describe")) o += decl("std::string describe", {"Processor p"}, " const;");
  if (n.count("print"))
    o += decl("void print", {"const char* format", "const std::vector<std::string>& values"},
              " const;");
  if (own_instances() || has(StmtKind::CollectMemory))
    o += decl("RegionArg region_arg",
              {"const MapperContext ctx", "const Task& task", "unsigned idx"}, " const;");
  if (own_instances()) {
    o += decl("void place_region",
              {"const MapperContext ctx", "const Task& task", "unsigned idx", "Processor target",
               "VariantID variant", "std::vector<PhysicalInstance>& instances"});
    o += decl("Memory memory_near", {"Processor p", "Memory::Kind kind"}, " const;");
    o += decl("LayoutConstraintSet variant_layout",
              {"const MapperContext ctx", "const Task& task", "VariantID variant", "unsigned idx",
               "const Layout& layout", "LayoutConstraintSet ours", "int dims"},
              " const;");
  }
  if (!decision_decls_.empty()) {
    o += "\n  // The program's statements, compiled: each returns what the statement that "
         "decides says\n  // (dsl.md section 5).\n";
    for (const std::string& d : decision_decls_)
      o += d + "\n";
  }
  bool any_def = std::any_of(p_.stmts.begin(), p_.stmts.end(),
                             [](const Stmt& s) { return s.kind == StmtKind::Def; });
  if (any_def) {
    // [[maybe_unused]]: a program may define functions no statement uses (the published
    // experts do), which g++ and clang would otherwise report as unused.
    o += "\n  // The program's functions.\n";
    for (const Stmt& s : p_.stmts)
      if (s.kind == StmtKind::Def)
        o += wrapped("  ",
                     "[[maybe_unused]] " + tr_.result_type(s) + " " +
                         tr_.function_name(p_.name(s).text),
                     tr_.parameters(s), ";") +
             "\n";
  }
  o += "\n  /// The processors of each kind on each node, in Legion's order.\n";
  o += "  std::map<Processor::Kind, std::vector<std::vector<Processor>>> procs_;\n";
  o += "  bool log_placements_ = false;  // -mapsmith:log\n";
  if (tr_.wildcard_count() > 0) {
    o += fmt::format("  std::array<std::atomic<coord_t>, {}> turn_{{}};  // per m[.., *]\n",
                     tr_.wildcard_count());
  }
  if (shards()) o += "  ShardingID sharding_first_ = 0;  // 0: none registered\n";
  if (has(StmtKind::InstanceLimit))
    o +=
        "  bool backpressure_ = true;  // -tm:disable_backpressure: InstanceLimit is not applied\n";
  auto globals = tr_.global_members();
  if (!globals.empty()) {
    o += "\n  // The program's global bindings, evaluated at start-up.\n";
    for (const auto& [type, name] : globals)
      o += fmt::format("  {} {};\n", type.empty() ? std::string("coord_t") : type, name);
  }
  o += "};\n";
  return o;
}

std::string Generator::definitions() {
  // The program's functions are translated first: what they use decides which helpers follow.
  const std::string fns = functions();
  std::string o;
  o += constructor();
  o += setup();
  if (!tr_.global_members().empty()) {
    o += fmt::format("\nvoid {}::evaluate_globals() {{\n", cls_);
    o += tr_.globals_init(2);
    o += "}\n";
  }
  o += select_task_options();
  if (has(StmtKind::IndexTaskMap)) o += slice_task();
  o += map_task();
  o += doc_def(
      "/// A task runs on the processor slice_task or select_task_options gave it (the default "
      "mapper\n/// would let a CPU task run on any CPU of its node).\n",
      "void", "default_policy_select_target_processors",
      {"MapperContext /*ctx*/", "const Task& task", "std::vector<Processor>& target_procs"});
  o += "  target_procs.push_back(task.target_proc);\n}\n";
  if (has(StmtKind::ControlReplicate)) o += replicate_task();
  if (shards()) o += select_sharding_functor();
  if (has(StmtKind::InstanceLimit)) o += instance_limit_calls();
  o += helpers();
  o += decisions();
  o += fns;
  return o;
}

std::string Generator::constructor() const {
  if (based()) return {};
  return def("", cls_,
             {"MapperRuntime* rt", "Machine machine", "Processor local", "const char* name"}, "")
             .substr(1) +
         "    : DefaultMapper(rt, machine, local, name) {\n  setup();\n}\n";
}

std::string Generator::setup() const {
  std::string o = doc_def(
      "/// Learns the machine and the command line, then evaluates the program's global "
      "bindings.\n",
      "void", "setup", {});
  o += "  for (Processor p : Machine::ProcessorQuery(machine)) {\n"
       "    std::vector<std::vector<Processor>>& nodes = procs_[p.kind()];\n"
       "    nodes.resize(total_nodes);\n"
       "    nodes[p.address_space()].push_back(p);\n"
       "  }\n"
       "  for (auto& kind : procs_)\n"
       "    for (std::vector<Processor>& node : kind.second) std::sort(node.begin(), "
       "node.end());\n"
       "  const InputArgs& args = Runtime::get_input_args();\n"
       "  for (int i = 1; i < args.argc; ++i) {\n"
       "    if (std::string(args.argv[i]) == \"-mapsmith:log\") log_placements_ = true;\n";
  if (has(StmtKind::InstanceLimit)) {
    o += "    // As the published DSL mapper: back-pressure unless -tm:disable_backpressure.\n"
         "    if (std::string(args.argv[i]) == \"-tm:disable_backpressure\") backpressure_ = "
         "false;\n";
  }
  o += "  }\n";
  if (!tr_.global_members().empty()) o += "  evaluate_globals();\n";
  o += "}\n";
  return o;
}

std::string Generator::sharding_choice() const {
  std::string o;
  for (std::size_t i = 0; i < functors_.size(); ++i) {
    const std::string fn = tr_.function_name(functors_[i]);
    std::string line = fmt::format(
        "  if (map == &{}::{}) output.chosen_functor = sharding_first_ + {};\n", cls_, fn, i);
    if (line.size() > 101)
      line =
          fmt::format("  if (map == &{}::{})\n    output.chosen_functor = sharding_first_ + {};\n",
                      cls_, fn, i);
    o += line;
  }
  return o;
}

/// A documented member function: "\n/// DOC\nRET Class::NAME(PARAMS) {\n".
std::string Generator::doc_def(std::string_view doc, std::string_view ret, std::string_view name,
                               const std::vector<std::string>& params,
                               std::string_view after) const {
  return "\n" + std::string(doc) + def(ret, name, params, after).substr(1);
}

std::string Generator::functions() {
  std::string o;
  for (const Stmt& s : p_.stmts) {
    if (s.kind != StmtKind::Def) continue;
    std::string body = tr_.body(s, 2);
    std::string_view name = p_.name(s).text;
    o += fmt::format("\n// def {}, line {} of the program\n", name, p_.loc(s).line);
    o += wrapped("", fmt::format("{} {}::{}", tr_.result_type(s), cls_, tr_.function_name(name)),
                 tr_.parameters(s), " {") +
         "\n";
    o += body;
    o += "}\n";
  }
  return o;
}

std::string Generator::sharding() const {
  std::string o = fmt::format(
      "\n/// Control replication: a point of an index launch goes to the shard of the node its "
      "mapping\n/// function puts it on. Legion may call a functor from any thread: the mapping "
      "functions\n/// read only the mapper's globals and its atomic round-robin counters.\n"
      "class NodeSharding : public ShardingFunctor {{\n"
      " public:\n"
      "  NodeSharding({0}* mapper, {0}::PointMapper map) : mapper_(mapper), map_(map) {{}}\n"
      "  ShardID shard(const DomainPoint& point, const Domain& domain,\n"
      "                const size_t total_shards) override {{\n"
      "    return mapper_->shard_of(map_, point, domain, total_shards);\n"
      "  }}\n\n"
      " private:\n"
      "  {0}* mapper_;\n"
      "  {0}::PointMapper map_;\n"
      "}};\n",
      cls_);
  o += fmt::format(
      "\nShardingID {0}::register_sharding_functors(Runtime* legion) {{\n"
      "  const ShardingID first =\n"
      "      legion->generate_library_sharding_ids(\"mapsmith.{1}\", {2});\n",
      cls_, name_, functors_.size());
  for (std::size_t i = 0; i < functors_.size(); ++i) {
    o += wrapped("  ", "legion->register_sharding_functor",
                 {fmt::format("first + {}", i), fmt::format("new NodeSharding(this, &{}::{})", cls_,
                                                            tr_.function_name(functors_[i]))},
                 ";") +
         "\n";
  }
  o += "  return first;\n}\n";
  o += def("ShardID", "shard_of",
           {"PointMapper map", "const DomainPoint& point", "const Domain& domain",
            "size_t total_shards"});
  o +=
      "  const AddressSpace node = (this->*map)(view_of(nullptr, point, domain)).address_space();\n"
      "  // A node's shards are consecutive (replicate_task): the node's first one owns the "
      "point.\n"
      "  const size_t per_node = std::max<size_t>(1, total_shards / total_nodes);\n"
      "  return static_cast<ShardID>((node * per_node) % total_shards);\n}\n";
  return o;
}

std::string Generator::registration() const {
  std::string o;
  if (based()) return o + "\n}  // namespace\n";
  const std::string fn = snake(name_);
  o += fmt::format("\n/// Gives every processor of this process its own {}.\n", cls_);
  o += wrapped("", fmt::format("void create_{}_mappers", fn),
               {"Machine machine", "Runtime* runtime", "const std::set<Processor>& local_procs"},
               " {") +
       "\n";
  if (shards()) o += "  ShardingID sharding = 0;\n";
  o += "  for (Processor proc : local_procs) {\n";
  o += wrapped("    ", fmt::format("{0}* mapper = new {0}", cls_),
               {"runtime->get_mapper_runtime()", "machine", "proc", cpp_string(name_)}, ";") +
       "\n";
  if (shards()) {
    o += "    if (sharding == 0) sharding = mapper->register_sharding_functors(runtime);\n"
         "    mapper->use_sharding_functors(sharding);\n";
  }
  o += "    runtime->replace_default_mapper(mapper, proc);\n  }\n}\n";
  o += "\n}  // namespace\n";
  o += fmt::format(
      "\n/// Installs {} on every processor. Call before Runtime::start().\n"
      "void register_{}_mapper() {{\n  "
      "Runtime::add_registration_callback(create_{}_mappers);\n}}\n",
      cls_, fn, fn);
  return o;
}

bool generate_legion_mapper(const dsl::Program& program, const dsl::ProgramInfo& info,
                            const Options& options, std::ostream& out, dsl::Diagnostics& diags) {
  const std::size_t before = diags.error_count();
  Generator g(program, info, options, diags);
  std::string text = g.run();
  if (diags.error_count() != before) return false;
  out << text;
  return true;
}

}  // namespace mapsmith::codegen
