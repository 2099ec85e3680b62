#pragma once
/// Helpers of the report's end-to-end tests: `mapsmith` run in-process in a fresh directory, and
/// a circuit mapper that differs from the expert.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace mapsmith::report::test {

struct Mapsmith {
  int rc = 0;
  std::string out, err;
};

/// Every main-loop task cyclic over the GPUs of the machine, everything in the framebuffer.
inline const char* kCircuitMapper =
    "Task * GPU,CPU;\n"
    "Region * * GPU FBMEM;\n"
    "Region * * CPU SYSMEM;\n"
    "Layout * * * SOA;\n"
    "m_gpu = Machine(GPU);\n"
    "def cyclic(Task task) {\n"
    "  i = task.ipoint[0];\n"
    "  return m_gpu[i % m_gpu.size[0], i / m_gpu.size[0] % m_gpu.size[1]];\n"
    "}\n"
    "IndexTaskMap calculate_new_currents,distribute_charge,update_voltages cyclic;\n";

}  // namespace mapsmith::report::test

/// A fresh directory (removed afterwards), and `mapsmith ARGS` run in-process.
class ReportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "report_cli_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  mapsmith::report::test::Mapsmith run(std::vector<std::string> args) const {
    args.insert(args.begin(), "mapsmith");
    std::ostringstream out, err;
    mapsmith::report::test::Mapsmith r;
    r.rc = mapsmith::cli::run(args, out, err);
    r.out = out.str();
    r.err = err.str();
    return r;
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir + "/" + name) << text;
    return dir + "/" + name;
  }
  std::string dir;
};
