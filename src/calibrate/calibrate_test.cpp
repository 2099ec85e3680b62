#include "calibrate/calibrate.h"

#include <gtest/gtest.h>

#include "machine/machine_json.h"

namespace mapsmith::calibrate {
namespace {

TEST(Calibrate, TinyBuffersGivePositiveFiguresAndACheckedMachine) {
  Options o;
  o.bytes = 1 << 20;
  o.repeats = 1;
  o.threads = 2;
  const Figures f = measure(o);
  EXPECT_EQ(f.cores, 2u);
  EXPECT_GE(f.sockets, 1u);
  EXPECT_GT(f.memory_bytes, 0u);
  EXPECT_GT(f.core_bandwidth, 0);
  EXPECT_GT(f.socket_bandwidth, 0);
  EXPECT_GT(f.node_bandwidth, 0);
  EXPECT_GT(f.copy_bandwidth, 0);
  EXPECT_GT(f.latency, 0);
  EXPECT_LT(f.latency, 1e-3);
  EXPECT_GT(f.core_flops, 0);
#ifndef MAPSMITH_HAVE_CUDA
  EXPECT_FALSE(f.pcie_h2d);
  EXPECT_EQ(f.gpu_note, "not measured: this mapsmith was built without CUDA");
#else
  // Built with CUDA: measured where a device is, said so where none is.
  if (!f.pcie_h2d) {
    EXPECT_EQ(f.gpu_note, "not measured: no CUDA device");
  }
#endif
  const machine::MachineSpec m = machine_of(f, "host");
  EXPECT_FALSE(machine::check(m)) << machine::check(m)->message;
  const machine::MachineSpec back =
      machine::parse_machine_json(machine::dump_machine_json(m), "host.json");
  EXPECT_EQ(back, m);
  ASSERT_EQ(m.node.affinities.size(), 1u);
  EXPECT_EQ(m.node.affinities[0].bandwidth, f.core_bandwidth);
  EXPECT_EQ(m.node.links[0].bandwidth, f.copy_bandwidth);
  EXPECT_EQ(m.node.processors[0].count, 2u);
}

}  // namespace
}  // namespace mapsmith::calibrate
