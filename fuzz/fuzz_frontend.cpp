// Feeds arbitrary bytes through lexer, parser and checker, then checks the printer's promises on
// whatever parses: formatting is idempotent and does not change the tree. A program that checks
// is then run as `explain --launch` runs it: its globals evaluated on a two-node machine and
// every point of one launch decided (the mapping functions called), so that the evaluator's
// bounds (steps, the whole mapper's work, the size of values) are fuzzed too.
//
// The launch is named by a first line `# launch TASK:E1,E2,...` (a comment: the rest of the
// input is the mapper as it is); without one, the first task the program names, over (4, 2).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "app/app.h"
#include "dsl/checker.h"
#include "dsl/eval.h"
#include "dsl/parser.h"
#include "dsl/printer.h"
#include "machine/machine_json.h"
#include "mapping/decide.h"

namespace {

using namespace mapsmith;

/// The launch the input asks for: "# launch TASK:E1,E2" on its first line. Extents are 1..64,
/// at most 3 of them, so that one input stays fast.
bool launch_line(std::string_view text, std::string& task, std::vector<std::int64_t>& domain) {
  constexpr std::string_view kTag = "# launch ";
  if (!text.starts_with(kTag)) return false;
  std::string_view line = text.substr(kTag.size(), text.find('\n') - kTag.size());
  const std::size_t colon = line.find(':');
  task = std::string(line.substr(0, colon));
  if (task.empty()) return false;
  if (colon == std::string_view::npos) return true;  // a single launch
  std::int64_t v = 0;
  bool digits = false;
  for (char c : line.substr(colon + 1)) {
    if (c >= '0' && c <= '9') {
      v = std::min<std::int64_t>(64, v * 10 + (c - '0'));
      digits = true;
    } else if (c == ',' && digits) {
      domain.push_back(std::max<std::int64_t>(1, v));
      v = 0;
      digits = false;
    } else {
      return false;
    }
  }
  if (digits) domain.push_back(std::max<std::int64_t>(1, v));
  if (domain.size() > 3) domain.resize(3);
  return true;
}

/// The first task a statement of `p` names (not `*`, not a processor kind), or "task".
std::string first_task(const dsl::Program& p) {
  for (const dsl::Stmt& s : p.stmts) {
    if (s.kind == dsl::StmtKind::Assign || s.kind == dsl::StmtKind::Def ||
        s.kind == dsl::StmtKind::Print || s.kind == dsl::StmtKind::Return || s.any_task())
      continue;
    for (const dsl::Name& n : p.tasks(s).names)
      if (!parse_proc_kind(n.text)) return std::string(n.text);
  }
  return "task";
}

void decide_a_launch(std::string_view text, const dsl::Program& p, const dsl::ProgramInfo& info) {
  static const machine::Machine m = machine::load_machine("sapling-2");
  std::string task;
  std::vector<std::int64_t> domain;
  if (!launch_line(text, task, domain)) {
    task = first_task(p);
    domain = {4, 2};
  }
  const app::App a = app::single_launch_app(task, domain);
  dsl::Diagnostics diags;
  // A smaller whole-mapper budget than the tools' keeps every input well under a second.
  (void)mapping::decide(a, m, &p, &info, diags, 2'000'000);
  for (const dsl::Diagnostic& d : diags.all())
    (void)render(d);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mapsmith::dsl;
  std::string text(reinterpret_cast<const char*>(data), size);
  Diagnostics diags;
  Program p = parse_string(text, diags, "fuzz.mapping");
  if (diags.has_errors()) {
    for (const Diagnostic& d : diags.all())
      (void)render(d);
    return 0;
  }
  ProgramInfo info = check(p, diags);
  std::string once = format_program(p);
  Diagnostics d2;
  Program q = parse_string(once, d2, "fuzz.mapping");
  if (d2.has_errors()) std::abort();             // the printer wrote something the parser rejects
  if (dump_ast(p) != dump_ast(q)) std::abort();  // formatting changed the meaning
  if (format_program(q) != once) std::abort();   // formatting is not idempotent
  if (!diags.has_errors()) decide_a_launch(text, p, info);
  return 0;
}
