#pragma once
// What the command-line tests share: `mapsmith ARGS` run in-process (cli::run) in a scratch
// directory, with its exit code and both outputs.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace mapsmith::cli::test {

struct Ran {
  int rc = 0;
  std::string out, err;
};

/// `mapsmith args...` in-process; `color`: as on a terminal.
inline Ran mapsmith(std::vector<std::string> args, bool color = false) {
  args.insert(args.begin(), "mapsmith");
  std::ostringstream out, err;
  Ran r;
  r.rc = run(args, out, err, color);
  r.out = out.str();
  r.err = err.str();
  return r;
}

inline std::string read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

inline void write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

/// A fresh directory for each test, removed afterwards; `path(name)` is a file in it.
class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "cli_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
    std::filesystem::remove_all(dir, ec);
  }
  std::string path(const std::string& name) const { return dir + "/" + name; }
  std::string dir;
};

}  // namespace mapsmith::cli::test
