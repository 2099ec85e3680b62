#include "cli/front_end.h"

#include <fmt/format.h>

#include <iostream>
#include <iterator>
#include <memory>

#include "dsl/parser.h"
#include "util/error.h"
#include "util/strings.h"

namespace mapsmith::cli {

dsl::Dialect dialect_named(const std::string& name) {
  return name == "published" ? dsl::Dialect::Published : dsl::Dialect::Mapsmith;
}

LoadedProgram load_program_text(std::string name, std::string text, dsl::Diagnostics& diags,
                                dsl::Dialect dialect) {
  LoadedProgram out;
  std::size_t before = diags.error_count();
  auto src = std::make_shared<dsl::SourceFile>(std::move(name), std::move(text));
  out.program = dsl::parse(src, diags);
  out.program.dialect = dialect;
  out.parsed = diags.error_count() == before;
  if (out.parsed) out.info = dsl::check(out.program, diags);
  out.ok = diags.error_count() == before;
  return out;
}

LoadedProgram load_program(const std::string& path, dsl::Diagnostics& diags, dsl::Dialect dialect) {
  std::string text;
  try {
    if (path == "-") {
      // The same limit as a file: `check - < /dev/zero` must stop, not fill the memory.
      char buf[1 << 16];
      while (std::cin.read(buf, sizeof buf) || std::cin.gcount() > 0) {
        text.append(buf, static_cast<std::size_t>(std::cin.gcount()));
        if (text.size() > dsl::kMaxSourceBytes)
          throw InputError("-: file is larger than the limit");
      }
    } else {
      // One byte over the limit is enough for the parser to say the file is too large.
      text = read_file(path, dsl::kMaxSourceBytes + 1);
    }
  } catch (const InputError& e) {
    std::string msg = e.what();
    std::string prefix = path + ": ";
    if (msg.rfind(prefix, 0) == 0) msg = msg.substr(prefix.size());
    if (msg.rfind("file is larger", 0) == 0)
      msg = fmt::format("{} is larger than the limit of {} bytes for a mapping file",
                        path == "-" ? "standard input" : "file", dsl::kMaxSourceBytes);
    diags.file_error(path == "-" ? "<stdin>" : path, msg);
    return LoadedProgram{};
  }
  return load_program_text(path == "-" ? "<stdin>" : path, std::move(text), diags, dialect);
}

}  // namespace mapsmith::cli
