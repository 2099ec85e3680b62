#include "cli/examples_dir.h"

#ifndef MAPSMITH_EXAMPLES_FROM_BIN
#define MAPSMITH_EXAMPLES_FROM_BIN "../share/mapsmith/examples"
#endif

namespace mapsmith::cli {

std::optional<std::filesystem::path> examples_dir(const std::filesystem::path& exe) {
  std::error_code ec;
  std::filesystem::path self = exe.empty() ? std::filesystem::read_symlink("/proc/self/exe", ec)
                                           : std::filesystem::absolute(exe, ec);
  if (ec || self.empty()) return std::nullopt;
  const std::filesystem::path bin = self.parent_path();
  // The installed layout first (its path relative to the binaries comes from GNUInstallDirs),
  // then a build tree's link.
  for (const std::filesystem::path& candidate :
       {bin / MAPSMITH_EXAMPLES_FROM_BIN, bin / "examples"}) {
    if (std::filesystem::is_directory(candidate, ec))
      return std::filesystem::weakly_canonical(candidate, ec);
  }
  return std::nullopt;
}

std::string builtin_expert(const std::string& app) {
  const std::optional<std::filesystem::path> dir = examples_dir();
  if (!dir) return {};
  const std::filesystem::path p = *dir / app / "expert.mapping";
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec) ? p.string() : std::string();
}

}  // namespace mapsmith::cli
