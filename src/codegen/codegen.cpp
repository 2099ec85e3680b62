#include "codegen/codegen.h"

#include <fmt/format.h>

#include <cctype>
#include <functional>
#include <ostream>

#include "codegen/rules.h"
#include "codegen/support.h"
#include "codegen/translate.h"
#include "codegen/typing.h"

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

namespace {

std::string snake(std::string_view name) {
  std::string out;
  for (char c : name)
    out += std::isalnum(static_cast<unsigned char>(c))
               ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
               : '_';
  return out;
}

std::string quoted_list(const std::vector<dsl::Name>& names, std::string_view var) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += fmt::format("{}{} == {}", i ? " || " : "", var, cpp_string(names[i].text));
  return out;
}

/// A function head or call "BEFORE(P1, P2, ...)AFTER" that fits in 100 columns: the parameters
/// follow the parenthesis on as few lines as possible, aligned after it, or on the next lines
/// indented by 4 when the parenthesis is far to the right.
std::string wrapped(std::string_view indent, std::string_view before,
                    const std::vector<std::string>& params, std::string_view after) {
  std::string first = std::string(indent) + std::string(before) + "(";
  std::string one = first;
  for (std::size_t i = 0; i < params.size(); ++i)
    one += (i ? ", " : "") + params[i];
  one += ")" + std::string(after);
  if (one.size() <= 100) return one;
  auto layout = [&](bool far) {
    const std::string cont = far ? std::string(indent) + "    " : std::string(first.size(), ' ');
    std::string out = far ? first + "\n" + cont : first;
    std::size_t len = far ? cont.size() : first.size();
    bool fresh = true, fits = true;
    for (std::size_t i = 0; i < params.size(); ++i) {
      std::string piece = params[i] + (i + 1 < params.size() ? "," : ")" + std::string(after));
      if (!fresh && len + 1 + piece.size() > 100) {
        out += "\n" + cont;
        len = cont.size();
      } else if (!fresh) {
        out += " ";
        ++len;
      }
      out += piece;
      len += piece.size();
      fits = fits && len <= 100;
      fresh = false;
    }
    return std::make_pair(out, fits);
  };
  if (first.size() <= 60) {
    auto [out, fits] = layout(false);
    if (fits) return out;
  }
  return layout(true).first;
}

/// A comment of one or more lines, each at most 100 columns, broken between words.
std::string comment(std::string_view indent, std::string_view text) {
  std::string out;
  std::string line = std::string(indent) + "//";
  std::size_t start = 0;
  bool first = true;
  while (start <= text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(start, end - start);
    if (!first && line.size() + 1 + word.size() > 100) {
      out += line + "\n";
      line = std::string(indent) + "//  ";
    }
    line += " ";
    line += word;
    first = false;
    start = end + 1;
  }
  return out + line + "\n";
}

/// "  if (COND) return VALUE;" in 100 columns: the return on its own line if need be, and the
/// condition broken after its || or && when it is still too long.
std::string guarded_return(const std::vector<std::string>& conds, std::string_view value) {
  std::string cond;
  for (std::size_t i = 0; i < conds.size(); ++i)
    cond += (i ? " && " : "") + conds[i];
  std::string line = fmt::format("  if ({}) return {};\n", cond, value);
  if (line.size() <= 101) return line;
  // Break between the terms of the condition, keeping each term whole.
  std::vector<std::string> terms;
  std::size_t start = 0;
  int depth = 0;
  for (std::size_t i = 0; i < cond.size(); ++i) {
    if (cond[i] == '(') ++depth;
    if (cond[i] == ')') --depth;
    if (depth == 0 && (cond.compare(i, 4, " || ") == 0 || cond.compare(i, 4, " && ") == 0)) {
      terms.push_back(cond.substr(start, i + 3 - start));
      start = i + 4;
      i += 3;
    }
  }
  terms.push_back(cond.substr(start));
  std::string out = "  if (";
  std::size_t len = out.size();
  for (std::size_t i = 0; i < terms.size(); ++i) {
    std::string piece = terms[i] + (i + 1 < terms.size() ? "" : ")");
    if (i > 0 && len + 1 + piece.size() > 100) {
      out += "\n      ";
      len = 6;
    } else if (i > 0) {
      out += " ";
      ++len;
    }
    out += piece;
    len += piece.size();
  }
  return out + fmt::format("\n    return {};\n", value);
}

/// One decision function compiled from the statements of one kind: an if-chain in the order of
/// by_precedence, each branch under a comment that quotes its statement.
struct Chain {
  std::string code;
  bool uses_task = false;
  bool uses_arg = false;
  bool uses_proc = false;
  bool uses_memory = false;
  bool unconditional = false;  // the chain ends in a return that always runs
};

class Generator {
 public:
  Generator(const dsl::Program& p, const dsl::ProgramInfo& info, const Options& o,
            dsl::Diagnostics& diags)
      : p_(p), opt_(o), diags_(diags), types_(infer_types(p, info)), tr_(p, info, types_, diags) {
    for (const Stmt& s : p.stmts)
      ++count_[static_cast<std::size_t>(s.kind)];
    name_ = o.name.empty() ? std::string("dsl") : o.name;
    cls_ = mapper_class_for(name_);
    base_ = o.base_class.empty() ? std::string("DefaultMapper") : o.base_class;
    if (cls_ == base_) cls_ = mapper_class_for(name_ + "_dsl");
  }

  std::string run() {
    check_map_functions();
    // The class and its definitions first: translating them tells which support pieces to emit.
    std::string defs = definitions();
    std::string decl = declaration();
    std::set<std::string> needs = tr_.needs();
    needs.insert({"fail", "tuple", "text", "mapped_task"});
    if (own_instances()) needs.insert({"region_arg", "layout"});
    if (own_instances() && has_virtual()) needs.insert("virtual");
    if (has(StmtKind::CollectMemory)) needs.insert("region_arg");
    needs = with_dependencies(std::move(needs));

    std::string out = header();
    out += "namespace {\n\nusing namespace Legion;\nusing namespace Legion::Mapping;\n\n";
    if (needs.count("print")) out += "Logger log_mapsmith(\"mapsmith\");\n\n";
    out += support_code(needs);
    out += "\n" + decl + "\n" + defs;
    if (has(StmtKind::IndexTaskMap)) out += sharding();
    out += registration();
    return out;
  }

 private:
  bool has(StmtKind k) const { return count_[static_cast<std::size_t>(k)] > 0; }
  /// "\nRET Class::NAME(PARAMS) {\n", wrapped to 100 columns.
  std::string def(std::string_view ret, std::string_view name,
                  const std::vector<std::string>& params, std::string_view after = " {") const {
    std::string before =
        ret.empty() ? fmt::format("{}::{}", cls_, name) : fmt::format("{} {}::{}", ret, cls_, name);
    return "\n" + wrapped("", before, params, after) + "\n";
  }
  bool based() const { return !opt_.base_class.empty(); }
  // The generated map_task makes the instances itself when a statement says where or how.
  bool own_instances() const {
    return !based() && (has(StmtKind::Region) || has(StmtKind::Layout));
  }
  bool has_virtual() const {
    for (const Stmt& s : p_.stmts)
      if (s.kind == StmtKind::Region)
        for (const dsl::Name& k : s.kinds)
          if (k.text == "VIRTUAL") return true;
    return false;
  }

  void error(dsl::SourceLoc loc, std::string msg, std::string hint = {}) {
    diags_.error(*p_.source, loc, std::move(msg), std::move(hint));
  }

  /// The functions IndexTaskMap and SingleTaskMap name must return a processor.
  void check_map_functions() {
    for (const Stmt& s : p_.stmts) {
      if (s.kind != StmtKind::IndexTaskMap && s.kind != StmtKind::SingleTaskMap) continue;
      auto r = types_.returns.find(s.name.text);
      dsl::Type t = r == types_.returns.end() ? dsl::Type::Unknown : r->second.type;
      if (t != dsl::Type::Proc && t != dsl::Type::Unknown) {
        error(s.name.loc,
              fmt::format("function '{}' returns {}, but a mapping function must return a "
                          "processor",
                          s.name.text, dsl::type_phrase(t)),
              "return an index into a machine space, m[i, j]");
      }
      if (!map_functions_set_.count(s.name.text)) {
        map_functions_set_.insert(s.name.text);
        map_functions_.push_back(s.name.text);
      }
    }
  }

  std::string header() const {
    std::string src =
        opt_.source_name.empty() ? std::string("a mapping program") : opt_.source_name;
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
    if (!opt_.app.empty()) out += fmt::format("// Application: {}\n", opt_.app);
    out += "\n";
    out += "#include <algorithm>\n#include <cstdio>\n#include <cstdlib>\n#include <functional>\n";
    out += "#include <limits>\n#include <map>\n#include <set>\n#include <string>\n";
    out += "#include <utility>\n#include <vector>\n\n#include \"legion.h\"\n";
    out += "#include \"mappers/default_mapper.h\"\n";
    if (based() && !opt_.base_header.empty())
      out += fmt::format("#include \"{}\"\n", opt_.base_header);
    out += "\n";
    return out;
  }

  // ---- the class ----

  std::string declaration() {
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
      o += decl(cls_,
                {"MapperRuntime* rt", "Machine machine", "Processor local", "const char* name"});
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
    if (has(StmtKind::ControlReplicate)) {
      o += decl("void replicate_task",
                {"MapperContext ctx", "const Task& task", "const ReplicateTaskInput& input",
                 "ReplicateTaskOutput& output"},
                " override;");
    }
    if (has(StmtKind::IndexTaskMap)) {
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
    if (has(StmtKind::IndexTaskMap)) {
      o += "\n  /// Registers one sharding functor per mapping function of an IndexTaskMap and "
           "returns the\n  /// first ID. Call once per process, then use_sharding_functors() on "
           "every mapper.\n";
      o += "  ShardingID register_sharding_functors(Runtime* legion);\n";
      o += "  void use_sharding_functors(ShardingID first) { sharding_first_ = first; }\n";
      o += "  /// The node mapping function `map` puts a point of an index launch on.\n";
      o += decl("AddressSpace node_of_point",
                {"PointMapper map", "const DomainPoint& point", "const Domain& domain"});
    }
    o += "\n private:\n";
    o += "  void setup();\n";
    if (!tr_.global_members().empty()) o += "  void evaluate_globals();\n";
    o += decl("Processor::Kind choose_kind", {"const MapperContext ctx", "const Task& task"},
              " const;");
    o += decl("Processor single_task_processor", {"const Task& task", "Processor::Kind kind"});
    o += decl("const std::vector<Processor>& on_node",
              {"Processor::Kind kind", "AddressSpace node"}, " const;");
    o += decl("Processor first_of_kind", {"Processor::Kind kind"}, " const;");
    if (!map_functions_.empty())
      o += decl("Processor checked", {"Processor p", "Processor::Kind kind", "const Task& task"},
                " const;");
    o += decl("void log_placement", {"const Task& task", "Processor p"}, " const;");
    const auto& n = tr_.needs();
    if (n.count("mspace")) o += decl("MSpace machine_space", {"Processor::Kind kind"}, " const;");
    if (n.count("parent")) o += decl("MappedTask parent_of", {"const MappedTask& task"}, " const;");
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
                 "std::vector<PhysicalInstance>& instances"});
      o += decl("Memory memory_near", {"Processor p", "Memory::Kind kind"}, " const;");
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
      o += "\n  // The program's functions.\n";
      for (const Stmt& s : p_.stmts)
        if (s.kind == StmtKind::Def)
          o += wrapped("  ", tr_.result_type(s) + " " + tr_.function_name(s.name.text),
                       tr_.parameters(s), ";") +
               "\n";
    }
    o += "\n  /// The processors of each kind on each node, in Legion's order.\n";
    o += "  std::map<Processor::Kind, std::vector<std::vector<Processor>>> procs_;\n";
    o += "  bool log_placements_ = false;  // -mapsmith:log\n";
    if (tr_.wildcard_count() > 0) {
      o +=
          fmt::format("  std::vector<coord_t> turn_ = std::vector<coord_t>({});  // per m[.., *]\n",
                      tr_.wildcard_count());
    }
    if (has(StmtKind::IndexTaskMap))
      o += "  ShardingID sharding_first_ = 0;  // 0: none registered\n";
    if (has(StmtKind::InstanceLimit)) {
      o += "  std::map<std::string, coord_t> in_flight_;  // mapped and unfinished, per task\n";
      o += "  MapperEvent limit_event_;  // triggered when one of them finishes\n";
    }
    auto globals = tr_.global_members();
    if (!globals.empty()) {
      o += "\n  // The program's global bindings, evaluated at start-up.\n";
      for (const auto& [type, name] : globals)
        o += fmt::format("  {} {};\n", type.empty() ? std::string("coord_t") : type, name);
    }
    o += "};\n";
    return o;
  }

  // ---- member definitions ----

  std::string definitions() {
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
    if (has(StmtKind::ControlReplicate)) o += replicate_task();
    if (has(StmtKind::IndexTaskMap)) o += select_sharding_functor();
    if (has(StmtKind::InstanceLimit)) o += instance_limit_calls();
    o += helpers();
    o += decisions();
    o += fns;
    return o;
  }

  std::string constructor() const {
    if (based()) return {};
    return def("", cls_,
               {"MapperRuntime* rt", "Machine machine", "Processor local", "const char* name"}, "")
               .substr(1) +
           "    : DefaultMapper(rt, machine, local, name) {\n  setup();\n}\n";
  }

  std::string setup() const {
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
         "  for (int i = 1; i < args.argc; ++i)\n"
         "    if (std::string(args.argv[i]) == \"-mapsmith:log\") log_placements_ = true;\n";
    if (!tr_.global_members().empty()) o += "  evaluate_globals();\n";
    o += "}\n";
    return o;
  }

  std::string select_task_options() const {
    std::string o = def("void", "select_task_options",
                        {"const MapperContext ctx", "const Task& task", "TaskOptions& output"});
    o += fmt::format("  {}::select_task_options(ctx, task, output);\n", base_);
    if (has(StmtKind::ControlReplicate))
      o += "  if (control_replicate(task.get_task_name())) output.replicate = true;\n";
    o += "  if (task.get_depth() == 0) return;  // the top-level task starts where Legion puts it\n"
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

  std::string slice_task() const {
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

  std::string map_task() const {
    std::string o = def("void", "map_task",
                        {"const MapperContext ctx", "const Task& task", "const MapTaskInput& input",
                         "MapTaskOutput& output"});
    const bool limit = has(StmtKind::InstanceLimit);
    const bool collect = has(StmtKind::CollectMemory);
    if (limit || collect) o += "  const std::string name = task.get_task_name();\n";
    if (own_instances()) {
      o += fmt::format(
          "  if (input.shard_processor.exists()) {{  // a shard of a control-replicated task\n"
          "    {}::map_task(ctx, task, input, output);\n"
          "  }} else {{\n"
          "    const Processor target = task.target_proc;\n"
          "    const VariantInfo variant = default_find_preferred_variant(\n"
          "        task, ctx, true /*needs tight bound*/, true /*cache*/, target.kind());\n"
          "    output.chosen_variant = variant.variant;\n"
          "    output.target_procs.push_back(target);\n"
          "    output.task_priority = 0;\n"
          "    output.postmap_task = false;\n"
          "    for (unsigned idx = 0; idx < task.regions.size(); ++idx) {{\n"
          "      const RegionRequirement& req = task.regions[idx];\n"
          "      if (req.privilege == LEGION_NO_ACCESS || req.privilege_fields.empty()) "
          "continue;\n"
          "      if (variant.is_inner) {{  // an inner task only hands its regions on\n"
          "        output.chosen_instances[idx].push_back("
          "PhysicalInstance::get_virtual_instance());\n"
          "        continue;\n"
          "      }}\n"
          "      place_region(ctx, task, idx, target, output.chosen_instances[idx]);\n"
          "    }}\n"
          "    for (unsigned i = 0; i < task.output_regions.size(); ++i) {{\n"
          "      output.output_targets[i] = default_policy_select_output_target(ctx, target);\n"
          "      default_policy_select_output_constraints(task, output.output_constraints[i],\n"
          "                                               task.output_regions[i]);\n"
          "    }}\n"
          "  }}\n",
          base_);
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
      o += "  // InstanceLimit: learn when the task finishes (report_profiling). Single tasks "
           "were counted\n  // when selected; points of index launches count from here.\n"
           "  if (instance_limit(name) > 0) {\n"
           "    output.task_prof_requests.add_measurement<ProfilingMeasurements::"
           "OperationStatus>();\n"
           "    if (task.is_index_space) ++in_flight_[name];\n"
           "  }\n";
    }
    o += "  if (log_placements_ && !output.target_procs.empty())\n"
         "    log_placement(task, output.target_procs.front());\n}\n";
    return o;
  }

  std::string replicate_task() const {
    return def("void", "replicate_task",
               {"MapperContext ctx", "const Task& task", "const ReplicateTaskInput& input",
                "ReplicateTaskOutput& output"}) +
           fmt::format(
               "  if (!control_replicate(task.get_task_name()) || total_nodes == 1) {{\n"
               "    {0}::replicate_task(ctx, task, input, output);\n"
               "    return;\n"
               "  }}\n"
               "  // ControlReplicate: one shard per node, on its first processor of the task's "
               "kind.\n"
               "  const Processor::Kind kind = task.target_proc.kind();\n"
               "  output.chosen_variant = default_find_preferred_variant(\n"
               "      task, ctx, true /*needs tight bound*/, true /*cache*/, kind).variant;\n"
               "  for (AddressSpace node = 0; node < total_nodes; ++node)\n"
               "    output.target_processors.push_back(on_node(kind, node).front());\n}}\n",
               base_);
  }

  std::string select_sharding_functor() const {
    return def("void", "select_sharding_functor",
               {"const MapperContext ctx", "const Task& task",
                "const SelectShardingFunctorInput& input", "SelectShardingFunctorOutput& output"}) +
           fmt::format(
               "  const PointMapper map = index_task_map(task.get_task_name(), "
               "task.target_proc.kind());\n"
               "  if (map == nullptr || sharding_first_ == 0) {{\n"
               "    {0}::select_sharding_functor(ctx, task, input, output);\n"
               "    return;\n"
               "  }}\n"
               "  // The functor of `map`: register_sharding_functors() numbers them in this "
               "order.\n"
               "{1}}}\n",
               base_, sharding_choice());
  }

  std::string sharding_choice() const {
    std::string o;
    for (std::size_t i = 0; i < map_functions_.size(); ++i) {
      if (!is_index_function(map_functions_[i])) continue;
      std::string line =
          fmt::format("  if (map == &{}::{}) output.chosen_functor = sharding_first_ + {};\n", cls_,
                      tr_.function_name(map_functions_[i]), index_function_number(i));
      if (line.size() > 101)
        line = fmt::format(
            "  if (map == &{}::{})\n    output.chosen_functor = sharding_first_ + {};\n", cls_,
            tr_.function_name(map_functions_[i]), index_function_number(i));
      o += line;
    }
    return o;
  }

  bool is_index_function(std::string_view f) const {
    for (const Stmt& s : p_.stmts)
      if (s.kind == StmtKind::IndexTaskMap && s.name.text == f) return true;
    return false;
  }
  std::size_t index_function_number(std::size_t i) const {
    std::size_t n = 0;
    for (std::size_t j = 0; j < i; ++j)
      if (is_index_function(map_functions_[j])) ++n;
    return n;
  }
  std::size_t index_function_count() const { return index_function_number(map_functions_.size()); }

  std::string instance_limit_calls() const {
    return def("void", "select_tasks_to_map",
               {"const MapperContext ctx", "const SelectMappingInput& input",
                "SelectMappingOutput& output"}) +
           fmt::format(
               "  // InstanceLimit: a task waits while its limit of mapped, unfinished instances "
               "is "
               "reached;\n  // the others are selected as the default mapper selects them.\n"
               "  SelectMappingInput allowed;\n"
               "  std::map<std::string, coord_t> selected;\n"
               "  bool held_back = false;\n"
               "  for (const Task* task : input.ready_tasks) {{\n"
               "    const std::string name = task->get_task_name();\n"
               "    const coord_t limit = instance_limit(name);\n"
               "    if (limit > 0 && in_flight_[name] + selected[name] >= limit) {{\n"
               "      held_back = true;\n"
               "      continue;\n"
               "    }}\n"
               "    if (limit > 0 && !task->is_index_space) ++selected[name];\n"
               "    allowed.ready_tasks.push_back(task);\n"
               "  }}\n"
               "  {0}::select_tasks_to_map(ctx, allowed, output);\n"
               "  for (const Task* task : output.map_tasks)\n"
               "    if (!task->is_index_space && instance_limit(task->get_task_name()) > 0)\n"
               "      ++in_flight_[task->get_task_name()];\n"
               "  if (output.map_tasks.empty() && held_back) {{  // ask again when an instance "
               "finishes\n"
               "    if (!limit_event_.exists()) limit_event_ = runtime->create_mapper_event(ctx);\n"
               "    output.deferral_event = limit_event_;\n"
               "  }}\n}}\n",
               base_) +
           def("void", "report_profiling",
               {"const MapperContext ctx", "const Task& task", "const TaskProfilingInfo& input"}) +
           fmt::format(
               "  const std::string name = task.get_task_name();\n"
               "  if (instance_limit(name) == 0) {{\n"
               "    {0}::report_profiling(ctx, task, input);\n"
               "    return;\n"
               "  }}\n"
               "  // One instance of a limited task finished: another may be mapped.\n"
               "  if (in_flight_[name] > 0) --in_flight_[name];\n"
               "  if (limit_event_.exists()) {{\n"
               "    runtime->trigger_mapper_event(ctx, limit_event_);\n"
               "    limit_event_ = MapperEvent();\n"
               "  }}\n}}\n",
               base_);
  }

  /// A documented member function: "\n/// DOC\nRET Class::NAME(PARAMS) {\n".
  std::string doc_def(std::string_view doc, std::string_view ret, std::string_view name,
                      const std::vector<std::string>& params, std::string_view after = " {") const {
    return "\n" + std::string(doc) + def(ret, name, params, after).substr(1);
  }

  std::string helpers() const {
    std::string o;
    o += doc_def(
        "/// The kind a task runs on: the first kind of its Task statement (or of the default "
        "order GPU,\n/// OMP, CPU) that it has a variant for and this machine has processors "
        "of.\n",
        "Processor::Kind", "choose_kind", {"const MapperContext ctx", "const Task& task"},
        " const {");
    if (has(StmtKind::Task)) {
      o += "  std::vector<Processor::Kind> kinds = kind_priority(task.get_task_name());\n"
           "  if (kinds.empty()) kinds = {Processor::TOC_PROC, Processor::OMP_PROC, "
           "Processor::LOC_PROC};\n";
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
      o += doc_def("/// task.parent: the task that launched `task`.\n", "MappedTask", "parent_of",
                   {"const MappedTask& task"}, " const {");
      o += "  const Task* parent = task.legion != nullptr ? task.legion->get_parent_task() : "
           "nullptr;\n"
           "  if (parent == nullptr) fail(\"task.parent of a task without a parent\");\n"
           "  MappedTask view = parent->is_index_space\n"
           "                        ? view_of(parent, parent->index_point, parent->index_domain)\n"
           "                        : view_of(parent, DomainPoint(), Domain());\n"
           "  view.processor = parent->current_proc;\n"
           "  return view;\n}\n";
    }
    if (n.count("has_memory")) {
      o += doc_def("/// p.has(KIND): whether processor p can reach a memory of that kind.\n",
                   "bool", "has_memory", {"Processor p", "Memory::Kind kind"}, " const {");
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
          "RegionArg", "region_arg",
          {"const MapperContext ctx", "const Task& task", "unsigned idx"}, " const {");
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
          "Layout statement.\n",
          "void", "place_region",
          {"const MapperContext ctx", "const Task& task", "unsigned idx", "Processor target",
           "std::vector<PhysicalInstance>& instances"});
      o += "  const RegionRequirement& req = task.regions[idx];\n"
           "  const RegionArg arg = region_arg(ctx, task, idx);\n";
      if (has(StmtKind::Region)) {
        o += "  std::vector<Memory::Kind> kinds = memory_priority(task.get_task_name(), arg, "
             "target.kind());\n"
             "  if (kinds.empty())  // no Region statement: the default mapper's memory\n"
             "    kinds.push_back(default_policy_select_target_memory(ctx, target, "
             "req).kind());\n";
        if (has_virtual()) {
          o += "  if (kinds.front() == kVirtual) {\n"
               "    instances.push_back(PhysicalInstance::get_virtual_instance());\n"
               "    return;\n"
               "  }\n";
        }
      } else {
        o += "  const std::vector<Memory::Kind> kinds = {\n"
             "      default_policy_select_target_memory(ctx, target, req).kind()};\n";
      }
      o += "  const int dims = req.region.get_index_space().get_dim();\n"
           "  Memory memory = Memory::NO_MEMORY;\n"
           "  for (Memory::Kind kind : kinds) {\n"
           "    memory = memory_near(target, kind);\n"
           "    if (!memory.exists()) continue;  // not reachable from this processor: the next "
           "kind\n";
      if (has(StmtKind::Layout)) {
        o += "    const Layout layout = layout_of(task.get_task_name(), arg, target.kind(), "
             "kind);\n";
      } else {
        o += "    const Layout layout;  // no Layout statement: SOA, F_order\n";
      }
      o += "    const LayoutConstraintSet constraints = layout.constraints(req, dims, kind);\n"
           "    const std::vector<LogicalRegion> regions(1, req.region);\n"
           "    PhysicalInstance instance;\n"
           "    bool created = false;\n"
           "    const bool made =\n"
           "        req.privilege == LEGION_REDUCE  // reduction instances are never shared\n"
           "            ? runtime->create_physical_instance(ctx, memory, constraints, regions, "
           "instance, true,\n"
           "                                                0, layout.is_exact())\n"
           "            : runtime->find_or_create_physical_instance(ctx, memory, constraints, "
           "regions,\n"
           "                                                        instance, created, true, 0,\n"
           "                                                        layout.is_exact());\n"
           "    if (made) {\n"
           "      instances.push_back(instance);\n"
           "      return;\n"
           "    }\n"
           "  }  // every kind full or unreachable:\n"
           "  default_report_failed_instance_creation(task, idx, target, memory);\n}\n";
      o += doc_def("/// The memory of `kind` that processor `p` reaches, or NO_MEMORY.\n", "Memory",
                   "memory_near", {"Processor p", "Memory::Kind kind"}, " const {");
      o += "  Machine::MemoryQuery memories(machine);\n"
           "  memories.only_kind(kind).has_affinity_to(p);\n"
           "  for (Memory m : memories)\n"
           "    if (m.capacity() > 0) return m;\n"
           "  return Memory::NO_MEMORY;\n}\n";
    }
    return o;
  }

  // ---- the statements, compiled ----

  Chain chain(StmtKind kind, const std::function<std::string(const Stmt&)>& value) const {
    Chain c;
    for (const Stmt* s : by_precedence(p_, kind)) {
      std::vector<std::string> conds;
      if (!s->tasks.any && !map_kind_form(*s)) {
        std::string t = quoted_list(s->tasks.names, "task");
        if (s->tasks.names.size() > 1) t = "(" + t + ")";
        conds.push_back(t);
        c.uses_task = true;
      }
      if (kind == StmtKind::Region || kind == StmtKind::Layout || kind == StmtKind::CollectMemory) {
        if (s->region.kind == dsl::RegionSel::Kind::Named) {
          conds.push_back(fmt::format("arg.is({})", cpp_string(s->region.name.text)));
          c.uses_arg = true;
        } else if (s->region.kind == dsl::RegionSel::Kind::Index) {
          conds.push_back(fmt::format("arg.index == {}", s->region.index));
          c.uses_arg = true;
        }
      }
      if (kind == StmtKind::Region || kind == StmtKind::Layout) {
        if (auto k = parse_proc_kind(s->proc.text)) {
          conds.push_back("proc == " + legion_kind(*k));
          c.uses_proc = true;
        } else if (auto m = parse_mem_kind(s->proc.text)) {
          conds.push_back("memory == " + legion_kind(*m));
          c.uses_memory = true;
        }
      }
      if (auto k = map_kind_form(*s)) {
        conds.push_back("proc == " + legion_kind(*k));
        c.uses_proc = true;
      }
      if (conds.size() == 1 && conds[0].front() == '(')
        conds[0] = conds[0].substr(1, conds[0].size() - 2);
      c.code += comment("  ", fmt::format("line {}: {}", s->loc.line, statement_text(*s)));
      if (conds.empty()) {
        c.code += fmt::format("  return {};\n", value(*s));
        c.unconditional = true;
        break;
      }
      c.code += guarded_return(conds, value(*s));
    }
    return c;
  }

  std::string param(bool used, std::string_view type, std::string_view name) const {
    return used ? fmt::format("{} {}", type, name) : fmt::format("{} /*{}*/", type, name);
  }

  void decision(std::string doc, std::string ret, std::string fname,
                std::vector<std::string> params, const Chain& c, std::string fallback,
                std::string& out) {
    std::vector<std::string> decl_list;
    for (std::size_t i = 0; i < params.size(); ++i) {
      std::string prm = params[i];
      auto comment = prm.find(" /*");
      if (comment != std::string::npos) {
        // keep the name in the declaration
        std::string type = prm.substr(0, comment);
        std::string nm = prm.substr(comment + 3, prm.size() - comment - 5);
        prm = type + " " + nm;
      }
      decl_list.push_back(prm);
    }
    decision_decls_.push_back(
        wrapped("  ", fmt::format("{} {}", ret, fname), decl_list, " const;"));
    std::string qual_ret = ret == "PointMapper" ? cls_ + "::PointMapper" : ret;
    std::string head =
        wrapped("", fmt::format("{} {}::{}", qual_ret, cls_, fname), params, " const {") + "\n";
    out += "\n" + doc + head + c.code;
    if (!c.unconditional) out += fmt::format("  return {};\n", fallback);
    out += "}\n";
  }

  std::string decisions() {
    std::string o;
    const std::string task_t = "const std::string&";
    if (has(StmtKind::Task)) {
      Chain c = chain(StmtKind::Task, [](const Stmt& s) {
        std::string v = "{";
        for (std::size_t i = 0; i < s.kinds.size(); ++i) {
          auto k = parse_proc_kind(s.kinds[i].text);
          v += (i ? ", " : "") + (k ? legion_kind(*k) : std::string("Processor::NO_KIND"));
        }
        return v + "}";
      });
      decision(
          "/// Task statements: the processor kinds a task may run on, in order; empty: "
          "none names it.\n",
          "std::vector<Processor::Kind>", "kind_priority", {param(c.uses_task, task_t, "task")}, c,
          "{}", o);
    }
    if (has(StmtKind::Region)) {
      Chain c = chain(StmtKind::Region, [](const Stmt& s) {
        std::string v = "{";
        for (std::size_t i = 0; i < s.kinds.size(); ++i) {
          auto k = parse_mem_kind(s.kinds[i].text);
          v += (i ? ", " : "") + (k ? legion_kind(*k) : std::string("Memory::NO_MEMKIND"));
        }
        return v + "}";
      });
      if (!based()) {
        decision(
            "/// Region statements: the memory kinds for a region argument of a task on a "
            "`proc` processor,\n/// best first (the next when one is full or "
            "unreachable); empty: none applies.\n",
            "std::vector<Memory::Kind>", "memory_priority",
            {param(c.uses_task, task_t, "task"), param(c.uses_arg, "const RegionArg&", "arg"),
             param(c.uses_proc, "Processor::Kind", "proc")},
            c, "{}", o);
      }
    }
    if (has(StmtKind::Layout) && !based()) {
      Chain c = chain(StmtKind::Layout, [](const Stmt& s) {
        std::string v = "Layout()";
        for (const dsl::LayoutItem& l : s.layout) {
          switch (l.word) {
            case dsl::LayoutWord::SOA:
              v += ".soa()";
              break;
            case dsl::LayoutWord::AOS:
              v += ".aos()";
              break;
            case dsl::LayoutWord::C_order:
              v += ".c_order()";
              break;
            case dsl::LayoutWord::F_order:
              v += ".f_order()";
              break;
            case dsl::LayoutWord::Compact:
              v += ".compact()";
              break;
            case dsl::LayoutWord::Exact:
              v += ".exact()";
              break;
            case dsl::LayoutWord::No_Align:
              v += ".no_align()";
              break;
            case dsl::LayoutWord::Align: {
              const char* k = "LEGION_EQ_EK";
              switch (l.cmp) {
                case dsl::Op::Ne:
                  k = "LEGION_NE_EK";
                  break;
                case dsl::Op::Lt:
                  k = "LEGION_LT_EK";
                  break;
                case dsl::Op::Le:
                  k = "LEGION_LE_EK";
                  break;
                case dsl::Op::Gt:
                  k = "LEGION_GT_EK";
                  break;
                case dsl::Op::Ge:
                  k = "LEGION_GE_EK";
                  break;
                default:
                  break;
              }
              v += fmt::format(".align({}, {})", k, l.value);
              break;
            }
          }
        }
        return v;
      });
      decision(
          "/// Layout statements: the layout of an instance of a region argument, for a "
          "task on a `proc`\n/// processor with the instance in a `memory` memory.\n",
          "Layout", "layout_of",
          {param(c.uses_task, task_t, "task"), param(c.uses_arg, "const RegionArg&", "arg"),
           param(c.uses_proc, "Processor::Kind", "proc"),
           param(c.uses_memory, "Memory::Kind", "memory")},
          c, "Layout()", o);
    }
    if (has(StmtKind::CollectMemory)) {
      Chain c = chain(StmtKind::CollectMemory, [](const Stmt&) { return std::string("true"); });
      decision(
          "/// CollectMemory statements: whether a task's instances of a region argument "
          "are left\n/// untracked once the task is done.\n",
          "bool", "collect_memory",
          {param(c.uses_task, task_t, "task"), param(c.uses_arg, "const RegionArg&", "arg")}, c,
          "false", o);
    }
    if (has(StmtKind::InstanceLimit)) {
      Chain c =
          chain(StmtKind::InstanceLimit, [](const Stmt& s) { return fmt::format("{}", s.limit); });
      decision(
          "/// InstanceLimit statements: how many instances of a task may be mapped and "
          "unfinished at\n/// once on one processor's mapper; 0: no limit.\n",
          "coord_t", "instance_limit", {param(c.uses_task, task_t, "task")}, c, "0", o);
    }
    if (has(StmtKind::ControlReplicate)) {
      Chain c = chain(StmtKind::ControlReplicate, [](const Stmt&) { return std::string("true"); });
      decision("/// ControlReplicate statements: whether a task is control-replicated.\n", "bool",
               "control_replicate", {param(c.uses_task, task_t, "task")}, c, "false", o);
    }
    for (StmtKind k : {StmtKind::IndexTaskMap, StmtKind::SingleTaskMap}) {
      if (!has(k)) continue;
      Chain c = chain(k, [&](const Stmt& s) {
        return fmt::format("&{}::{}", cls_, tr_.function_name(s.name.text));
      });
      bool index = k == StmtKind::IndexTaskMap;
      decision(index ? "/// IndexTaskMap statements: the function that places the points of an "
                       "index launch of a task\n/// on `proc` processors; null: Legion's "
                       "default slicing.\n"
                     : "/// SingleTaskMap statements: the function that places a single launch "
                       "of a task on a `proc`\n/// processor; null: the default (the parent's "
                       "processor).\n",
               "PointMapper", index ? "index_task_map" : "single_task_map",
               {param(c.uses_task, task_t, "task"), param(c.uses_proc, "Processor::Kind", "proc")},
               c, "nullptr", o);
    }
    return o;
  }

  std::string functions() {
    std::string o;
    for (const Stmt& s : p_.stmts) {
      if (s.kind != StmtKind::Def) continue;
      std::string body = tr_.body(s, 2);
      o += fmt::format("\n// def {}, line {} of the program\n", s.name.text, s.loc.line);
      o += wrapped(
               "",
               fmt::format("{} {}::{}", tr_.result_type(s), cls_, tr_.function_name(s.name.text)),
               tr_.parameters(s), " {") +
           "\n";
      o += body;
      o += "}\n";
    }
    return o;
  }

  std::string sharding() const {
    std::string o = fmt::format(
        "\n/// Control replication: each point of an index launch goes to the shard of the node "
        "its\n/// mapping function puts it on (one shard per node).\nclass NodeSharding : public "
        "ShardingFunctor {{\n"
        " public:\n"
        "  NodeSharding({0}* mapper, {0}::PointMapper map)\n"
        "      : mapper_(mapper), map_(map) {{}}\n"
        "  ShardID shard(const DomainPoint& point, const Domain& domain,\n"
        "                const size_t total_shards) override {{\n"
        "    return mapper_->node_of_point(map_, point, domain) % total_shards;\n"
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
        cls_, name_, index_function_count());
    for (std::size_t i = 0; i < map_functions_.size(); ++i) {
      if (!is_index_function(map_functions_[i])) continue;
      o += wrapped("  ", "legion->register_sharding_functor",
                   {fmt::format("first + {}", index_function_number(i)),
                    fmt::format("new NodeSharding(this, &{}::{})", cls_,
                                tr_.function_name(map_functions_[i]))},
                   ";") +
           "\n";
    }
    o += "  return first;\n}\n";
    o += def("AddressSpace", "node_of_point",
             {"PointMapper map", "const DomainPoint& point", "const Domain& domain"});
    o += fmt::format(
        "  return (this->*map)(view_of(nullptr, point, domain)).address_space();\n}}\n");
    return o;
  }

  std::string registration() const {
    std::string o;
    if (based()) return o + "\n}  // namespace\n";
    const std::string fn = snake(name_);
    o += fmt::format("\n/// Gives every processor of this process its own {}.\n", cls_);
    o += wrapped("", fmt::format("void create_{}_mappers", fn),
                 {"Machine machine", "Runtime* runtime", "const std::set<Processor>& local_procs"},
                 " {") +
         "\n";
    if (has(StmtKind::IndexTaskMap)) o += "  ShardingID sharding = 0;\n";
    o += "  for (Processor proc : local_procs) {\n";
    o += wrapped("    ", fmt::format("{0}* mapper = new {0}", cls_),
                 {"runtime->get_mapper_runtime()", "machine", "proc", cpp_string(name_)}, ";") +
         "\n";
    if (has(StmtKind::IndexTaskMap)) {
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

  const dsl::Program& p_;
  const Options& opt_;
  dsl::Diagnostics& diags_;
  ProgramTypes types_;
  Translator tr_;
  std::array<int, 12> count_{};
  std::string name_, cls_, base_;
  std::vector<std::string_view> map_functions_;  // in order of first use by a *TaskMap
  std::set<std::string_view> map_functions_set_;
  std::vector<std::string> decision_decls_;
};

}  // namespace

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
