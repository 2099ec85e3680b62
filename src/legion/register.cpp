// Installing the runtime-loaded mapper: read -mapping FILE, parse and check it with mapsmith's
// front end, and give every processor a DslMapper over the shared program.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>

#include "codegen/rules.h"
#include "dsl/parser.h"
#include "legion/dsl_mapper.h"
#include "legion/mapsmith_mapper.h"
#include "util/error.h"
#include "util/strings.h"

namespace mapsmith::legion {

namespace {

/// The file after -mapping on the command line, or empty.
std::string mapping_file() {
  const Legion::InputArgs& args = Legion::Runtime::get_input_args();
  for (int i = 1; i + 1 < args.argc; ++i)
    if (std::string(args.argv[i]) == "-mapping") return args.argv[i + 1];
  return {};
}

/// Reads, parses and checks the program; stops the run with the diagnostics when it has errors.
std::shared_ptr<const LoadedMapping> load(const std::string& path) {
  auto m = std::make_shared<LoadedMapping>();
  dsl::Diagnostics diags;
  std::string text;
  try {
    text = read_file(path, dsl::kMaxSourceBytes + 1);
  } catch (const InputError& e) {
    std::fprintf(stderr, "mapsmith mapper: %s\n", e.what());
    std::fflush(nullptr);
    std::_Exit(1);
  }
  m->program = dsl::parse(std::make_shared<dsl::SourceFile>(path, std::move(text)), diags);
  if (!diags.has_errors()) m->info = dsl::check(m->program, diags);
  if (diags.has_errors()) stop(diags);
  for (std::size_t k = 0; k < m->ordered.size(); ++k)
    m->ordered[k] = codegen::by_precedence(m->program, static_cast<dsl::StmtKind>(k));
  for (const dsl::Stmt& s : m->program.stmts) {
    if (s.kind != dsl::StmtKind::IndexTaskMap) continue;
    std::string fn(m->program.name(s).text);
    if (std::find(m->index_functions.begin(), m->index_functions.end(), fn) ==
        m->index_functions.end())
      m->index_functions.push_back(fn);
  }
  return m;
}

void create_mappers(Legion::Machine machine, Legion::Runtime* runtime,
                    const std::set<Legion::Processor>& local_procs) {
  const std::string path = mapping_file();
  if (path.empty()) return;  // no -mapping: Legion's default mapper stays
  std::shared_ptr<const LoadedMapping> mapping = load(path);
  auto procs = std::make_shared<const ProcTable>(machine);
  // One sharding functor per IndexTaskMap function, so control-replicated launches put each
  // point on the shard of its node. The IDs are the same in every process.
  Legion::ShardingID first = 0;
  if (!mapping->index_functions.empty()) {
    first =
        runtime->generate_library_sharding_ids("mapsmith.runtime", mapping->index_functions.size());
    for (std::size_t i = 0; i < mapping->index_functions.size(); ++i)
      runtime->register_sharding_functor(
          first + static_cast<Legion::ShardingID>(i),
          new NodeSharding(mapping, machine, procs, mapping->index_functions[i]));
  }
  for (Legion::Processor p : local_procs) {
    runtime->replace_default_mapper(
        new DslMapper(runtime->get_mapper_runtime(), machine, p, mapping, procs, first), p);
  }
}

}  // namespace

void register_mapper() {
  Legion::Runtime::add_registration_callback(create_mappers);
}

}  // namespace mapsmith::legion
