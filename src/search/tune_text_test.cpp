// tune() with candidates proposed as whole programs (what the LLM optimizers do), the richer
// tell_evaluations / tell_references, steps stored beside the evaluations, and StopSearch.
#include <gtest/gtest.h>

#include <deque>

#include "search/test_util.h"
#include "search/tune.h"

namespace mapsmith::search {
namespace {

/// Proposes the given texts one per ask, then throws `stop` if set (else finishes); keeps what it
/// is told.
class TextOptimizer final : public Optimizer {
 public:
  TextOptimizer(std::deque<std::string> texts, std::optional<StopSearch> stop = std::nullopt)
      : texts_(std::move(texts)), stop_(std::move(stop)) {}
  std::string name() const override { return "text"; }
  std::vector<Candidate> ask(std::size_t) override {
    if (texts_.empty()) {
      if (stop_) {
        steps_.push_back(StepRecord{static_cast<std::int64_t>(++step_), "error", stop_->what()});
        throw *stop_;
      }
      return {};
    }
    std::string t = std::move(texts_.front());
    texts_.pop_front();
    steps_.push_back(StepRecord{static_cast<std::int64_t>(++step_), "ok", ""});
    return {Candidate{{}, "text", t}};
  }
  void tell(const std::vector<Candidate>&, const std::vector<double>&) override {
    ADD_FAILURE() << "tell_evaluations is overridden";
  }
  void tell_references(const std::vector<Told>& refs) override {
    for (const Told& t : refs)
      refs_.push_back(std::string(t.origin) + ":" + std::to_string(t.number) + ":" + *t.mapper);
  }
  void tell_evaluations(const std::vector<Candidate>&, const std::vector<Told>& told) override {
    for (const Told& t : told) {
      std::string s = std::to_string(t.number) + (t.repeat ? " repeat" : " new");
      if (t.mapper) s += " [" + *t.mapper + "]";
      if (t.eval) s += t.eval->ok ? " ok" : " fails: " + t.eval->failure;
      told_.push_back(s);
    }
  }
  std::vector<StepRecord> take_steps() override { return std::exchange(steps_, {}); }

  std::vector<std::string> refs_, told_;

 private:
  std::deque<std::string> texts_;
  std::optional<StopSearch> stop_;
  std::vector<StepRecord> steps_;
  std::size_t step_ = 0;
};

TEST(CanonicalText, DropsCommentsAndFormatsAProgramThatParses) {
  EXPECT_EQ(canonical_text("# why\nTask   *  GPU ,CPU;  // inline\n"), "Task * GPU,CPU;\n");
  EXPECT_EQ(canonical_text("Task * GPU"), "Task * GPU");  // as it is: the evaluator says why
  EXPECT_EQ(canonical_text(""), "");
}

TEST(TuneText, EvaluatesProgramsProposedAsTextAndTellsTheWholeEvaluation) {
  const app::App a = test::tiny_app();
  const machine::Machine m = test::tiny_machine();
  dsl::Diagnostics diags;
  const Space s = Space::build(a, m, std::string("Task * GPU,CPU;\n"), diags);
  test::FakeEvaluator fake([](const std::string& t) {
    return t.find("AOS") != std::string::npos ? -1.0 : 1e-6 * double(t.size() + 1);
  });
  TextOptimizer opt(
      {"# comment\nTask  work  CPU;\n", "Task work CPU;\n", "Layout * * * AOS;\n", "Task * GPU"});
  ResultsDb db(":memory:");
  const std::int64_t study = db.study(StudyKey{"tiny", "", "tiny", "fake", "fp"});
  TuneOptions o;
  o.budget = 10;
  const TuneResult r = tune(s, opt, fake, o, &db, study);
  EXPECT_EQ(r.stopped, "optimizer finished");
  EXPECT_FALSE(r.stopped_by_error);
  EXPECT_EQ(fake.asked, (std::vector<std::string>{"Task * GPU,CPU;\n", "", "Task work CPU;\n",
                                                  "Layout * * * AOS;\n", "Task * GPU"}));
  EXPECT_EQ(opt.refs_, (std::vector<std::string>{"expert:1:Task * GPU,CPU;\n", "default:2:"}));
  EXPECT_EQ(opt.told_, (std::vector<std::string>{"3 new [Task work CPU;\n] ok", "3 repeat",
                                                 "4 new [Layout * * * AOS;\n] fails: fake failure",
                                                 "5 new [Task * GPU] ok"}));
  ASSERT_TRUE(r.best);
  EXPECT_EQ(r.best->number, 2u);  // the empty default policy is the shortest
  EXPECT_EQ(db.steps(1).size(), 4u);
  EXPECT_EQ(db.count(study), 5);
}

TEST(TuneText, AnOptimizerThatCannotGoOnEndsTheRunWithWhatItHas) {
  const app::App a = test::tiny_app();
  const machine::Machine m = test::tiny_machine();
  dsl::Diagnostics diags;
  const Space s = Space::build(a, m, std::nullopt, diags);
  test::FakeEvaluator fake;
  TextOptimizer opt({"Task work CPU;\n"}, StopSearch("llm: HTTP 401: bad key", true));
  ResultsDb db(":memory:");
  const std::int64_t study = db.study(StudyKey{"tiny", "", "tiny", "fake", "fp"});
  TuneOptions o;
  o.budget = 10;
  const TuneResult r = tune(s, opt, fake, o, &db, study);
  EXPECT_EQ(r.stopped, "llm: HTTP 401: bad key");
  EXPECT_TRUE(r.stopped_by_error);
  EXPECT_EQ(r.evaluations, 2u);
  const std::vector<StepRecord> steps = db.steps(1);
  ASSERT_EQ(steps.size(), 2u);  // the step that threw is stored too
  EXPECT_EQ(steps[1].status, "error");
  EXPECT_EQ(steps[1].detail, "llm: HTTP 401: bad key");
  // A limit rather than an error.
  TextOptimizer limited({}, StopSearch("llm: step limit (4 LLM steps)", false));
  const TuneResult l = tune(s, limited, fake, o);
  EXPECT_FALSE(l.stopped_by_error);
  EXPECT_EQ(l.stopped, "llm: step limit (4 LLM steps)");
}

}  // namespace
}  // namespace mapsmith::search
