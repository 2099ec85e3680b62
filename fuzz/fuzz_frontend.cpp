// Feeds arbitrary bytes through lexer, parser and checker, then checks the printer's promises on
// whatever parses: formatting is idempotent and does not change the tree.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "dsl/checker.h"
#include "dsl/parser.h"
#include "dsl/printer.h"

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
  check(p, diags);
  std::string once = format_program(p);
  Diagnostics d2;
  Program q = parse_string(once, d2, "fuzz.mapping");
  if (d2.has_errors()) std::abort();             // the printer wrote something the parser rejects
  if (dump_ast(p) != dump_ast(q)) std::abort();  // formatting changed the meaning
  if (format_program(q) != once) std::abort();   // formatting is not idempotent
  return 0;
}
