// Installing the runtime-loaded mapper: read -mapping FILE, parse and check it with mapsmith's
// front end, and give every processor a DslMapper over the shared program.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>

#include "dsl/parser.h"
#include "dsl/precedence.h"
#include "legion/dsl_mapper.h"
#include "legion/mapsmith_mapper.h"
#include "util/error.h"
#include "util/strings.h"

namespace mapsmith::legion {

namespace {

/// The value after `flag` on the command line, or empty.
std::string option(const char* flag) {
  const Legion::InputArgs& args = Legion::Runtime::get_input_args();
  for (int i = 1; i + 1 < args.argc; ++i)
    if (std::string(args.argv[i]) == flag) return args.argv[i + 1];
  return {};
}

/// Whether `flag` is on the command line.
bool has_flag(const char* flag) {
  const Legion::InputArgs& args = Legion::Runtime::get_input_args();
  for (int i = 1; i < args.argc; ++i)
    if (std::string(args.argv[i]) == flag) return true;
  return false;
}

/// Reads, parses and checks the program in `dialect`; stops the run with the diagnostics when it
/// has errors.
std::shared_ptr<const LoadedMapping> load(const std::string& path, dsl::Dialect dialect) {
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
  m->program.dialect = dialect;
  if (!diags.has_errors()) m->info = dsl::check(m->program, diags);
  if (diags.has_errors()) stop(diags);
  for (std::size_t k = 0; k < m->ordered.size(); ++k)
    m->ordered[k] = dsl::by_precedence(m->program, static_cast<dsl::StmtKind>(k));
  for (const dsl::Stmt& s : m->program.stmts) {
    if (s.kind != dsl::StmtKind::IndexTaskMap) continue;
    const std::string fn(m->program.name(s).text);
    if (m->functor(fn) < 0) m->functors.push_back(fn);
  }
  // As the published DSL mapper (Anjiang-Wei/DSLMapper, and the copy perfbench runs): back-pressure
  // is on unless -tm:disable_backpressure; -tm:enable_backpressure, which its 2023 version needed,
  // changes nothing.
  m->backpressure = !has_flag("-tm:disable_backpressure");
  return m;
}

void create_mappers(Legion::Machine machine, Legion::Runtime* runtime,
                    const std::set<Legion::Processor>& local_procs) {
  const std::string path = option("-mapping");
  if (path.empty()) return;  // no -mapping: Legion's default mapper stays
  const std::string dialect = option("-mapsmith:dialect");
  if (!dialect.empty() && dialect != "mapsmith" && dialect != "published") {
    std::fprintf(stderr,
                 "mapsmith mapper: -mapsmith:dialect %s: the dialects are mapsmith and "
                 "published\n",
                 dialect.c_str());
    std::fflush(nullptr);
    std::_Exit(2);
  }
  std::shared_ptr<const LoadedMapping> mapping =
      load(path, dialect == "published" ? dsl::Dialect::Published : dsl::Dialect::Mapsmith);
  auto procs = std::make_shared<const ProcTable>(machine);
  // One sharding functor per function IndexTaskMap names, so control-replicated launches put
  // each point on the shard of its node. The IDs are the same in every process.
  Legion::ShardingID first = 0;
  if (!mapping->functors.empty()) {
    first = runtime->generate_library_sharding_ids("mapsmith.runtime", mapping->functors.size());
    for (std::size_t i = 0; i < mapping->functors.size(); ++i)
      runtime->register_sharding_functor(
          first + static_cast<Legion::ShardingID>(i),
          new NodeSharding(mapping, machine, procs, mapping->functors[i]));
  }
  auto in_flight = std::make_shared<InFlight>();  // shared by every processor's mapper
  for (Legion::Processor p : local_procs) {
    runtime->replace_default_mapper(
        new DslMapper(runtime->get_mapper_runtime(), machine, p, mapping, procs, in_flight, first),
        p);
  }
}

}  // namespace

void register_mapper() {
  Legion::Runtime::add_registration_callback(create_mappers);
}

}  // namespace mapsmith::legion
