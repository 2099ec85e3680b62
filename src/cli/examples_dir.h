#pragma once
/// Where the shipped examples (the expert mappers, examples/APP/expert.mapping) are, found from
/// the executable itself so that no path of the machine it was built on is part of the program:
/// an installed mapsmith (`cmake --install`) has them in PREFIX/share/mapsmith/examples beside
/// PREFIX/bin, a build tree in BUILD/examples (a link CMake makes to the sources).
#include <filesystem>
#include <optional>
#include <string>

namespace mapsmith::cli {

/// The examples directory beside the running executable, if there is one. `exe` (for tests):
/// the executable's path instead of /proc/self/exe.
std::optional<std::filesystem::path> examples_dir(const std::filesystem::path& exe = {});

/// examples_dir()/APP/expert.mapping when that file exists, else "".
std::string builtin_expert(const std::string& app);

}  // namespace mapsmith::cli
