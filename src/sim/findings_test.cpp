// The units of the sentences the simulator's findings and the commands print (issue 15 item 12).
#include <gtest/gtest.h>

#include <cstdint>

#include "sim/sim.h"

namespace mapsmith::sim {
namespace {

TEST(TimeText, Item12RoundingUpToTheNextUnitUsesThatUnit) {
  EXPECT_EQ(time_text(0.9999996), "1 s");  // was "1e+03 ms"
  EXPECT_EQ(time_text(0.9999996e-3), "1 ms");
  EXPECT_EQ(time_text(0.9999996e-6), "1 µs");
  EXPECT_EQ(time_text(0.9994), "999 ms");
  EXPECT_EQ(time_text(1.5e-3), "1.5 ms");
  EXPECT_EQ(time_text(999.9996e-3, 4), "1 s");
  EXPECT_EQ(time_text(0.0123456, 4), "12.35 ms");
}

TEST(TimeText, Item12LongRunsShowEveryDigitBeforeThePoint) {
  EXPECT_EQ(time_text(1234.4), "1234 s");  // was "1.23e+03 s"
  EXPECT_EQ(time_text(999.4), "999 s");
  EXPECT_EQ(time_text(-0.25), "-250 ms");
}

TEST(BytesText, Item12RoundingUpToTheNextUnitUsesThatUnit) {
  EXPECT_EQ(bytes_text(1023 * 1024 + 1000), "1 MiB");  // was "1.02e+03 KiB"
  EXPECT_EQ(bytes_text(999 * 1024), "999 KiB");
  EXPECT_EQ(bytes_text(std::uint64_t{5000} << 40), "5000 TiB");
}

TEST(CountText, Item12OneIsSingular) {
  EXPECT_EQ(count_text(1, "copy", "copies"), "1 copy");
  EXPECT_EQ(count_text(0, "copy", "copies"), "0 copies");
  EXPECT_EQ(count_text(2, "copy", "copies"), "2 copies");
}

}  // namespace
}  // namespace mapsmith::sim
