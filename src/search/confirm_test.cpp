#include "search/confirm.h"

#include <gtest/gtest.h>

#include <map>

namespace mapsmith::search {
namespace {

/// Times that depend on the text and on how often it was run; "bad" fails on its second run.
class Fake final : public Evaluator {
 public:
  std::string identity() const override { return "fake"; }
  std::vector<Evaluation> evaluate(const std::vector<std::string>& programs,
                                   const OnEvaluated&) override {
    std::vector<Evaluation> out;
    for (const std::string& p : programs) {
      order.push_back(p);
      Evaluation e;
      const int n = ++runs[p];
      e.ok = !(p == "bad" && n == 2);
      if (!e.ok) e.failure = "exit status 1";
      e.time_s = static_cast<double>(p.size()) + 0.1 * n;
      out.push_back(e);
    }
    return out;
  }
  std::map<std::string, int> runs;
  std::vector<std::string> order;
};

TEST(Confirm, RunsEachMapperInRoundsAndKeepsTheMedian) {
  Fake f;
  const std::vector<Confirmed> c = confirm({{"ab", 1.5}, {"bad", 2.5}}, f, 3);
  EXPECT_EQ(f.order, (std::vector<std::string>{"ab", "bad", "ab", "bad", "ab", "bad"}));
  ASSERT_EQ(c.size(), 2u);
  EXPECT_TRUE(c[0].ok);
  EXPECT_EQ(c[0].simulated_s, 1.5);
  EXPECT_DOUBLE_EQ(c[0].measured_s, 2.2);  // 2.1, 2.2, 2.3
  EXPECT_EQ(c[0].runs.size(), 3u);
  EXPECT_FALSE(c[1].ok);
  EXPECT_EQ(c[1].failure, "exit status 1");
}

}  // namespace
}  // namespace mapsmith::search
