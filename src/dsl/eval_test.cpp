// The evaluator (dsl.md §3–§4, §6 "at evaluation"): values, operators with Python's floor
// semantics, tuples, slices, machine spaces through a small fake machine, task properties,
// printing, and the exact messages of evaluation errors.
#include "dsl/eval.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dsl/checker.h"
#include "dsl/parser.h"

namespace mapsmith::dsl {
namespace {

using Index = std::vector<std::int64_t>;

/// A tiny machine space for tests: Machine(kind) is (nodes, processors per node), and merge and
/// split build new spaces by composing index maps. Anything else fails with a reason.
class FakeSpace : public SpaceValue {
 public:
  using ToBase = std::function<std::array<std::int64_t, 2>(const Index&)>;

  FakeSpace(ProcKind kind, Index size, std::string desc, ToBase to_base)
      : kind_(kind), size_(std::move(size)), desc_(std::move(desc)), to_base_(std::move(to_base)) {}

  static SpacePtr base(ProcKind kind, std::int64_t nodes, std::int64_t per_node) {
    return std::make_shared<FakeSpace>(kind, Index{nodes, per_node},
                                       fmt::format("Machine({})", to_string(kind)),
                                       [](const Index& i) {
                                         return std::array{i[0], i[1]};
                                       });
  }

  ProcKind kind() const override { return kind_; }
  const Index& size() const override { return size_; }
  ProcValue at(std::span<const std::int64_t> index) const override {
    auto b = to_base_(Index(index.begin(), index.end()));
    return ProcValue{kind_, b[0], b[1]};
  }
  std::string describe() const override { return desc_; }

  SpacePtr transform(std::string_view method, std::span<const std::int64_t> ints,
                     std::span<const std::int64_t> tuple, std::string& why) const override {
    (void)tuple;
    auto n = static_cast<std::int64_t>(size_.size());
    auto dim_ok = [&](std::int64_t d) { return d >= 0 && d < n; };
    std::string desc = fmt::format("{}.{}({})", desc_, method, fmt::join(ints, ", "));
    ToBase parent = to_base_;
    if (method == "merge" && ints.size() == 2 && dim_ok(ints[0]) && dim_ok(ints[1]) &&
        ints[0] != ints[1]) {
      auto d1 = static_cast<std::size_t>(ints[0]), d2 = static_cast<std::size_t>(ints[1]);
      std::int64_t inner = size_[d2];
      Index size;
      std::vector<std::size_t> old_dim;  // the old dimension of each new one
      for (std::size_t d = 0; d < size_.size(); ++d) {
        if (d == d2) continue;
        size.push_back(d == d1 ? size_[d1] * size_[d2] : size_[d]);
        old_dim.push_back(d);
      }
      std::size_t n_old = size_.size();
      return std::make_shared<FakeSpace>(kind_, size, desc, [=](const Index& i) {
        Index old(n_old);
        for (std::size_t k = 0; k < i.size(); ++k) {
          if (old_dim[k] == d1) {
            old[d1] = i[k] / inner;
            old[d2] = i[k] % inner;
          } else {
            old[old_dim[k]] = i[k];
          }
        }
        return parent(old);
      });
    }
    if (method == "split" && ints.size() == 2 && dim_ok(ints[0])) {
      auto d = static_cast<std::size_t>(ints[0]);
      std::int64_t f = ints[1];
      if (f < 1 || size_[d] % f != 0) {
        why =
            fmt::format("split: factor {} does not divide size {} of dimension {}", f, size_[d], d);
        return nullptr;
      }
      Index size = size_;
      size[d] = f;
      size.insert(size.begin() + static_cast<std::ptrdiff_t>(d) + 1, size_[d] / f);
      return std::make_shared<FakeSpace>(kind_, size, desc, [=](const Index& i) {
        Index old = i;
        old[d] = i[d] + i[d + 1] * f;
        old.erase(old.begin() + static_cast<std::ptrdiff_t>(d) + 1);
        return parent(old);
      });
    }
    why = fmt::format("the test machine cannot {}", method);
    return nullptr;
  }

 private:
  ProcKind kind_;
  Index size_;
  std::string desc_;
  ToBase to_base_;
};

/// Two nodes of 4 GPUs and 1 CPU each; no OMP. GPUs reach FBMEM and ZCMEM, CPUs SYSMEM and ZCMEM.
class FakeHost : public EvalHost {
 public:
  SpacePtr machine(ProcKind kind, std::string& why) override {
    if (kind == ProcKind::GPU) return FakeSpace::base(kind, 2, 4);
    if (kind == ProcKind::CPU) return FakeSpace::base(kind, 2, 1);
    why = fmt::format("the machine has no {} processors", to_string(kind));
    return nullptr;
  }
  bool has_memory(const ProcValue& p, MemKind m) override {
    if (m == MemKind::ZCMEM) return true;
    return p.kind == ProcKind::GPU ? m == MemKind::FBMEM : m == MemKind::SYSMEM;
  }
  void print(std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

std::string rendered(const Diagnostics& diags) {
  std::string out;
  for (const Diagnostic& d : diags.all())
    out += render(d);
  return out;
}

/// A program parsed, checked (both must succeed) and ready to evaluate.
class Evaluated {
 public:
  explicit Evaluated(std::string text, std::int64_t budget = kDefaultStepBudget,
                     std::int64_t total_budget = kNoTotalBudget) {
    program_ = parse_string(std::move(text), diags_, "e.mapping");
    EXPECT_FALSE(diags_.has_errors()) << rendered(diags_);
    info_ = check(program_, diags_);
    EXPECT_FALSE(diags_.has_errors()) << rendered(diags_);
    eval_ = std::make_unique<Evaluator>(program_, info_, host_, diags_, budget, total_budget);
  }
  Evaluated(const Evaluated&) = delete;

  bool globals() { return eval_->run_globals(); }
  Evaluator& eval() { return *eval_; }
  const Program& program() const { return program_; }
  FakeHost& host() { return host_; }
  std::string errors() const { return rendered(diags_); }
  const Value& global(std::string_view name) {
    const Value* v = eval_->global(name);
    EXPECT_NE(v, nullptr) << name;
    static const Value none;
    return v ? *v : none;
  }

 private:
  Diagnostics diags_;
  Program program_;
  ProgramInfo info_;
  FakeHost host_;
  std::unique_ptr<Evaluator> eval_;
};

/// The value of `x` after `prelude` and `x = expr;`, printed as `print` would.
std::string value_of(const std::string& expr, const std::string& prelude = "") {
  Evaluated r(prelude + "x = " + expr + ";\n");
  if (!r.globals()) return "error: " + r.errors();
  return to_string(r.global("x"));
}

/// The rendered error of evaluating the globals of `text`.
std::string global_error(const std::string& text) {
  Evaluated r(text);
  EXPECT_FALSE(r.globals());
  return r.errors();
}

// ---- arithmetic ----

TEST(EvalArith, IntegerOperators) {
  EXPECT_EQ(value_of("2 + 3 * 4"), "14");
  EXPECT_EQ(value_of("(2 + 3) * 4"), "20");
  EXPECT_EQ(value_of("10 - 4 - 3"), "3");
  EXPECT_EQ(value_of("-2 * 3"), "-6");
  EXPECT_EQ(value_of("- -5"), "5");
  EXPECT_EQ(value_of("7 / 2"), "3");
  EXPECT_EQ(value_of("7 % 2"), "1");
  EXPECT_EQ(value_of("0 / 5"), "0");
}

TEST(EvalArith, DivisionAndModuloFloorLikePython) {
  EXPECT_EQ(value_of("-7 / 2"), "-4");
  EXPECT_EQ(value_of("-7 % 2"), "1");
  EXPECT_EQ(value_of("7 / -2"), "-4");
  EXPECT_EQ(value_of("7 % -2"), "-1");
  EXPECT_EQ(value_of("-7 / -2"), "3");
  EXPECT_EQ(value_of("-7 % -2"), "-1");
  EXPECT_EQ(value_of("-6 / 3"), "-2");
  EXPECT_EQ(value_of("-6 % 3"), "0");
  EXPECT_EQ(value_of("-1 % 4"), "3");
  // a == (a / b) * b + a % b for every sign.
  EXPECT_EQ(value_of("(-7 / 3) * 3 + -7 % 3"), "-7");
  EXPECT_EQ(value_of("(7 / -3) * -3 + 7 % -3"), "7");
}

TEST(EvalArith, Comparisons) {
  EXPECT_EQ(value_of("1 < 2"), "True");
  EXPECT_EQ(value_of("2 <= 2"), "True");
  EXPECT_EQ(value_of("1 > 2"), "False");
  EXPECT_EQ(value_of("2 >= 3"), "False");
  EXPECT_EQ(value_of("3 == 3"), "True");
  EXPECT_EQ(value_of("3 != 3"), "False");
  EXPECT_EQ(value_of("(1, 2) == (1, 2)"), "True");
  EXPECT_EQ(value_of("(1, 2) != (2, 1)"), "True");
  EXPECT_EQ(value_of("GPU == GPU"), "True");
  EXPECT_EQ(value_of("GPU == CPU"), "False");
  EXPECT_EQ(value_of("FBMEM != ZCMEM"), "True");
  EXPECT_EQ(value_of("True == 1"), "True");  // the checker lets a bool compare with an int
  EXPECT_EQ(value_of("False != 0"), "False");
  EXPECT_EQ(value_of("m[1, 2] == m[1, 2]", "m = Machine(GPU);\n"), "True");
  EXPECT_EQ(value_of("m[1, 2] == m[1, 3]", "m = Machine(GPU);\n"), "False");
}

TEST(EvalArith, Logic) {
  EXPECT_EQ(value_of("True && False"), "False");
  EXPECT_EQ(value_of("True || False"), "True");
  EXPECT_EQ(value_of("!False"), "True");
  EXPECT_EQ(value_of("!(1 > 2) && 3 > 2"), "True");
  EXPECT_EQ(value_of("1 && 0"), "False");  // ints test as != 0
  EXPECT_EQ(value_of("0 || 5"), "True");
}

TEST(EvalArith, AndOrShortCircuit) {
  EXPECT_EQ(value_of("False && 1 / z == 0", "z = 0;\n"), "False");
  EXPECT_EQ(value_of("True || 1 / z == 0", "z = 0;\n"), "True");
  EXPECT_EQ(global_error("z = 0;\nx = True && 1 / z == 0;\n"),
            "e.mapping:2:15: error: division by zero\n"
            "  x = True && 1 / z == 0;\n"
            "                ^\n"
            "hint: guard the divisor, for example with max(d, 1)\n");
}

TEST(EvalArith, ConditionalEvaluatesOnlyTheChosenBranch) {
  EXPECT_EQ(value_of("1 > 0 ? 10 : 20"), "10");
  EXPECT_EQ(value_of("1 < 0 ? 10 : 20"), "20");
  EXPECT_EQ(value_of("z == 0 ? 1 : 1 / z", "z = 0;\n"), "1");
  EXPECT_EQ(value_of("z != 0 ? 1 / z : -1", "z = 0;\n"), "-1");
  EXPECT_EQ(value_of("m.volume > 0 ? m : c", "m = Machine(GPU);\nc = Machine(CPU);\n"),
            "Machine(GPU) of size (2, 4)");
  EXPECT_EQ(value_of("a ? 1 : b ? 2 : 3", "a = False;\nb = True;\n"), "2");
}

TEST(EvalArith, DivisionByZeroAtEvaluation) {
  EXPECT_EQ(global_error("z = 2 - 2;\nx = 5 % z;\n"),
            "e.mapping:2:7: error: modulo by zero\n"
            "  x = 5 % z;\n"
            "        ^\n"
            "hint: guard the divisor, for example with max(d, 1)\n");
  EXPECT_EQ(global_error("z = (1, 0);\nx = (4, 4) / z;\n"),
            "e.mapping:2:12: error: division by zero\n"
            "  x = (4, 4) / z;\n"
            "             ^\n"
            "hint: guard the divisor, for example with max(d, 1)\n");
}

TEST(EvalArith, Overflow) {
  EXPECT_EQ(global_error("x = 9223372036854775807 + 1;"),
            "e.mapping:1:25: error: integer overflow in '+'\n"
            "  x = 9223372036854775807 + 1;\n"
            "                          ^\n");
  EXPECT_EQ(global_error("x = 4611686018427387904 * 2;"),
            "e.mapping:1:25: error: integer overflow in '*'\n"
            "  x = 4611686018427387904 * 2;\n"
            "                          ^\n");
  EXPECT_EQ(global_error("a = -9223372036854775807 - 1;\nx = a / -1;\n"),
            "e.mapping:2:7: error: integer overflow in '/'\n"
            "  x = a / -1;\n"
            "        ^\n");
  EXPECT_EQ(value_of("-9223372036854775807 - 1"), "-9223372036854775808");
}

// ---- tuples ----

TEST(EvalTuple, LiteralsAndUnpacking) {
  EXPECT_EQ(value_of("(1, 2, 3)"), "(1, 2, 3)");
  EXPECT_EQ(value_of("(7,)"), "(7,)");
  EXPECT_EQ(value_of("()"), "()");
  EXPECT_EQ(value_of("(*a, *b, 5)", "a = (1, 2);\nb = (3, 4);\n"), "(1, 2, 3, 4, 5)");
  EXPECT_EQ(value_of("(0, *a)", "a = ();\n"), "(0,)");
}

TEST(EvalTuple, ElementWiseOperators) {
  const std::string t = "t = (4, 6);\nu = (1, 4);\n";
  EXPECT_EQ(value_of("t + u", t), "(5, 10)");
  EXPECT_EQ(value_of("t - u", t), "(3, 2)");
  EXPECT_EQ(value_of("t * u", t), "(4, 24)");
  EXPECT_EQ(value_of("t / u", t), "(4, 1)");
  EXPECT_EQ(value_of("t % u", t), "(0, 2)");
  EXPECT_EQ(value_of("-t", t), "(-4, -6)");
  EXPECT_EQ(value_of("(-7, 7) / (2, -2)"), "(-4, -4)");
  EXPECT_EQ(value_of("(-7, 7) % (2, -2)"), "(1, -1)");
  EXPECT_EQ(value_of("m.size * m.size", "m = Machine(GPU);\n"), "(4, 16)");
}

TEST(EvalTuple, DifferentLengthsAtEvaluation) {
  Evaluated r("def add(IPoint a, IPoint b) { return a + b; }\n");
  ASSERT_TRUE(r.globals());
  std::array<Value, 2> args{Value::of_tuple({1, 2}), Value::of_tuple({1, 2, 3})};
  EXPECT_FALSE(r.eval().call("add", args).has_value());
  EXPECT_EQ(r.errors(),
            "e.mapping:1:40: error: '+' on tuples of different lengths: (1, 2) and (1, 2, 3)\n"
            "  def add(IPoint a, IPoint b) { return a + b; }\n"
            "                                         ^\n");
}

TEST(EvalTuple, Indexing) {
  const std::string t = "t = (10, 20, 30, 40);\n";
  EXPECT_EQ(value_of("t[0]", t), "10");
  EXPECT_EQ(value_of("t[3]", t), "40");
  EXPECT_EQ(value_of("t[-1]", t), "40");
  EXPECT_EQ(value_of("t[-4]", t), "10");
  EXPECT_EQ(value_of("(5, 6)[1]"), "6");
  EXPECT_EQ(global_error(t + "x = t[4];\n"),
            "e.mapping:2:6: error: index 4 is out of range for the tuple (10, 20, 30, 40) of "
            "length 4\n"
            "  x = t[4];\n"
            "       ^\n");
  EXPECT_EQ(global_error(t + "x = t[-5];\n"),
            "e.mapping:2:6: error: index -5 is out of range for the tuple (10, 20, 30, 40) of "
            "length 4\n"
            "  x = t[-5];\n"
            "       ^\n");
}

TEST(EvalTuple, Slices) {
  const std::string t = "t = (10, 20, 30, 40);\n";
  EXPECT_EQ(value_of("t[1:]", t), "(20, 30, 40)");
  EXPECT_EQ(value_of("t[:2]", t), "(10, 20)");
  EXPECT_EQ(value_of("t[1:3]", t), "(20, 30)");
  EXPECT_EQ(value_of("t[:]", t), "(10, 20, 30, 40)");
  EXPECT_EQ(value_of("t[:-1]", t), "(10, 20, 30)");
  EXPECT_EQ(value_of("t[-2:]", t), "(30, 40)");
  EXPECT_EQ(value_of("t[-3:-1]", t), "(20, 30)");
  EXPECT_EQ(value_of("t[-100:100]", t), "(10, 20, 30, 40)");  // bounds are clamped
  EXPECT_EQ(value_of("t[3:1]", t), "()");
  EXPECT_EQ(value_of("t[4:]", t), "()");
  EXPECT_EQ(value_of("t[:0]", t), "()");
  EXPECT_EQ(value_of("t[:-1] + t[1:]", t), "(30, 50, 70)");
}

TEST(EvalTuple, Comprehension) {
  EXPECT_EQ(value_of("tuple(i * i for i in (1, 2, 3))"), "(1, 4, 9)");
  EXPECT_EQ(value_of("tuple(i + 1 for i in ())"), "()");
  EXPECT_EQ(value_of("tuple(t[i] * 10 for i in (2, 0))", "t = (1, 2, 3);\n"), "(30, 10)");
  // The loop variable sees the function's locals and hides a global of the same name.
  Evaluated r(
      "i = 100;\ndef f(int k) {\n  base = k * 10;\n  return tuple(base + i for i in (1, 2));\n}\n");
  ASSERT_TRUE(r.globals());
  std::array<Value, 1> args{Value::of_int(3)};
  auto v = r.eval().call("f", args);
  ASSERT_TRUE(v.has_value()) << r.errors();
  EXPECT_EQ(to_string(*v), "(31, 32)");
}

TEST(EvalTuple, PropertiesAndBuiltins) {
  const std::string t = "t = (2, 3, 4);\n";
  EXPECT_EQ(value_of("t.size", t), "(2, 3, 4)");
  EXPECT_EQ(value_of("t.size[1] == t[1]", t), "True");
  EXPECT_EQ(value_of("t.volume", t), "24");
  EXPECT_EQ(value_of("t.len", t), "3");
  EXPECT_EQ(value_of("len(t)", t), "3");
  EXPECT_EQ(value_of("len(())"), "0");
  EXPECT_EQ(value_of("min(3, -1)"), "-1");
  EXPECT_EQ(value_of("max(3, -1)"), "3");
  EXPECT_EQ(value_of("abs(-5)"), "5");
  EXPECT_EQ(value_of("abs(5)"), "5");
  EXPECT_EQ(value_of("len(m) + m.len", "m = Machine(GPU);\n"), "4");
}

// ---- machine spaces ----

TEST(EvalMachine, BaseSpace) {
  const std::string m = "m = Machine(GPU);\n";
  EXPECT_EQ(value_of("m", m), "Machine(GPU) of size (2, 4)");
  EXPECT_EQ(value_of("m.size", m), "(2, 4)");
  EXPECT_EQ(value_of("m.volume", m), "8");
  EXPECT_EQ(value_of("m.len", m), "2");
  EXPECT_EQ(value_of("m[:-1]", m), "(2,)");
  EXPECT_EQ(value_of("m[1:]", m), "(4,)");
  EXPECT_EQ(value_of("m[1, 3]", m), "GPU 3 of node 1");
  EXPECT_EQ(value_of("m[*(0, 2)]", m), "GPU 2 of node 0");
  EXPECT_EQ(value_of("Machine(CPU)[1, 0]"), "CPU 0 of node 1");
}

TEST(EvalMachine, Transformations) {
  const std::string m = "m = Machine(GPU);\n";
  // dsl.md §4: on 2 nodes x 4 GPUs, merge(0, 1) has size (8,) and index 5 is node 1, GPU 1.
  EXPECT_EQ(value_of("m.merge(0, 1)", m), "Machine(GPU).merge(0, 1) of size (8,)");
  EXPECT_EQ(value_of("m.merge(0, 1)[5]", m), "GPU 1 of node 1");
  EXPECT_EQ(value_of("m.merge(1, 0)[5]", m), "GPU 2 of node 1");
  EXPECT_EQ(value_of("m.split(1, 2).size", m), "(2, 2, 2)");
  EXPECT_EQ(value_of("m.split(1, 2)[1, 1, 1]", m), "GPU 3 of node 1");
  EXPECT_EQ(value_of("m.split(1, 2).merge(0, 2)[3, 0]", m), "GPU 2 of node 1");
}

TEST(EvalMachine, TransformThatDoesNotFit) {
  EXPECT_EQ(global_error("m = Machine(GPU);\nx = m.split(1, 3);\n"),
            "e.mapping:2:7: error: cannot apply split to Machine(GPU) of size (2, 4): split: "
            "factor 3 does not divide size 4 of dimension 1\n"
            "  x = m.split(1, 3);\n"
            "        ^\n");
}

TEST(EvalMachine, NoProcessorsOfThatKind) {
  EXPECT_EQ(global_error("x = 1;\nm = Machine(OMP);\n"),
            "e.mapping:2:5: error: the machine has no OMP processors\n"
            "  m = Machine(OMP);\n"
            "      ^\n");
}

TEST(EvalMachine, HasMemory) {
  const std::string m = "g = Machine(GPU);\nc = Machine(CPU);\n";
  EXPECT_EQ(value_of("g[0, 0].has(FBMEM)", m), "True");
  EXPECT_EQ(value_of("g[0, 0].has(SYSMEM)", m), "False");
  EXPECT_EQ(value_of("c[1, 0].has(SYSMEM) && c[1, 0].has(ZCMEM)", m), "True");
}

TEST(EvalMachine, IndexOutOfRangeInAGlobal) {
  EXPECT_EQ(global_error("m = Machine(GPU);\nx = m[1, 4];\n"),
            "e.mapping:2:6: error: processor index (1, 4) is out of range for Machine(GPU) of "
            "size (2, 4): index 4 of dimension 1 is not in 0..3\n"
            "  x = m[1, 4];\n"
            "       ^\n"
            "hint: wrap the index with '%' the size of that dimension, e.g. m[i % m.size[0], 0]\n");
  EXPECT_EQ(global_error("m = Machine(GPU);\nx = m[-1, 0];\n"),
            "e.mapping:2:6: error: processor index (-1, 0) is out of range for Machine(GPU) of "
            "size (2, 4): index -1 of dimension 0 is not in 0..1\n"
            "  x = m[-1, 0];\n"
            "       ^\n"
            "hint: wrap the index with '%' the size of that dimension, e.g. m[i % m.size[0], 0]\n");
}

TEST(EvalMachine, WildcardPicksRoundRobin) {
  Evaluated r(
      "m = Machine(GPU);\ndef any_on(int node) { return m[node, *]; }\n"
      "def any_at(int gpu) { return m[*, gpu]; }\ndef any(int z) { return m[*, *]; }\n");
  ASSERT_TRUE(r.globals());
  auto pick = [&](const char* f, std::int64_t a) {
    std::array<Value, 1> args{Value::of_int(a)};
    auto v = r.eval().call(f, args);
    return v ? to_string(*v) : r.errors();
  };
  EXPECT_EQ(pick("any_on", 1), "GPU 0 of node 1");
  EXPECT_EQ(pick("any_on", 1), "GPU 1 of node 1");
  EXPECT_EQ(pick("any_on", 0), "GPU 2 of node 0");
  EXPECT_EQ(pick("any_on", 1), "GPU 3 of node 1");
  EXPECT_EQ(pick("any_on", 1), "GPU 0 of node 1");  // and around again
  // Each '*' expression keeps its own turn.
  EXPECT_EQ(pick("any_at", 2), "GPU 2 of node 0");
  EXPECT_EQ(pick("any_at", 2), "GPU 2 of node 1");
  EXPECT_EQ(pick("any_at", 2), "GPU 2 of node 0");
  // Several stars go through the processors in order, the last dimension fastest.
  std::vector<std::string> all;
  for (int i = 0; i < 9; ++i)
    all.push_back(pick("any", 0));
  EXPECT_EQ(all,
            (std::vector<std::string>{"GPU 0 of node 0", "GPU 1 of node 0", "GPU 2 of node 0",
                                      "GPU 3 of node 0", "GPU 0 of node 1", "GPU 1 of node 1",
                                      "GPU 2 of node 1", "GPU 3 of node 1", "GPU 0 of node 0"}));
}

// ---- functions and tasks ----

TEST(EvalFunction, CallsWithLocalsAndUnpackedArguments) {
  Evaluated r(
      "def blk(IPoint p, ISpace s, MSpace m, int d) {\n"
      "  per = m.size[d] * p[d];\n"
      "  return per / s[d];\n"
      "}\n"
      "def sum3(int a, int b, int c) { return a + b + c; }\n"
      "m = Machine(GPU);\n"
      "x = blk((3, 1), (4, 4), m, 1);\n"
      "y = sum3(*(1, 2), 3);\n");
  ASSERT_TRUE(r.globals()) << r.errors();
  EXPECT_EQ(to_string(r.global("x")), "1");
  EXPECT_EQ(to_string(r.global("y")), "6");
  EXPECT_GT(r.eval().last_steps(), 0);
}

TEST(EvalFunction, UnpackedArgumentsOfUnknownLengthAreCountedWhenCalled) {
  Evaluated r("def h(int a) { return a; }\ndef g(IPoint p) { return h(*p); }\n");
  ASSERT_TRUE(r.globals());
  std::array<Value, 1> one{Value::of_tuple({5})};
  auto v = r.eval().call("g", one);
  ASSERT_TRUE(v.has_value()) << r.errors();
  EXPECT_EQ(to_string(*v), "5");
  std::array<Value, 1> two{Value::of_tuple({5, 6})};
  EXPECT_FALSE(r.eval().call("g", two).has_value());
  EXPECT_EQ(r.errors(),
            "e.mapping:2:26: error: function 'h' takes 1 argument, but 2 were given\n"
            "  def g(IPoint p) { return h(*p); }\n"
            "                           ^\n");
}

TEST(EvalFunction, ArgumentsAreCheckedWhenCalledFromOutside) {
  Evaluated r("def f(MSpace m) { return m.volume; }\n");
  ASSERT_TRUE(r.globals());
  std::array<Value, 1> args{Value::of_int(3)};
  EXPECT_FALSE(r.eval().call("f", args).has_value());
  EXPECT_EQ(r.errors(),
            "e.mapping:1:1: error: argument 1 of 'f' must be a machine space, not an int\n"
            "  def f(MSpace m) { return m.volume; }\n"
            "  ^\n");
}

TEST(EvalFunction, CallDepthIsBounded) {
  Evaluated r("def down(int n) { return down(n + 1); }\n");
  ASSERT_TRUE(r.globals());
  std::array<Value, 1> args{Value::of_int(0)};
  EXPECT_FALSE(r.eval().call("down", args).has_value());
  EXPECT_EQ(r.errors(),
            "e.mapping:1:26: error: function calls nested more than 64 deep\n"
            "  def down(int n) { return down(n + 1); }\n"
            "                           ^\n"
            "hint: look for a function that calls itself without end\n");
}

TEST(EvalFunction, DeepExpressionsAcrossCallsAreBounded) {
  // Each call nests 190 additions; 64 calls of it would exhaust the C++ stack.
  std::string body = "n <= 0 ? 0 : ";
  for (int i = 0; i < 190; ++i)
    body += "1 + (";
  body += "f(n - 1)";
  body += std::string(190, ')');
  Evaluated r("def f(int n) { return " + body + "; }\n");
  ASSERT_TRUE(r.globals());
  std::array<Value, 1> shallow{Value::of_int(2)};
  auto v = r.eval().call("f", shallow);
  ASSERT_TRUE(v.has_value()) << r.errors();
  EXPECT_EQ(to_string(*v), "380");
  std::array<Value, 1> deep{Value::of_int(60)};
  EXPECT_FALSE(r.eval().call("f", deep).has_value());
  EXPECT_NE(r.errors().find("error: evaluation nested more than 1000 levels deep\n"),
            std::string::npos)
      << r.errors();
  EXPECT_NE(r.errors().find("\nhint: a function calls itself inside a deeply nested expression; "
                            "bound the recursion or split the expression with intermediate "
                            "variables\n"),
            std::string::npos);
}

TEST(EvalFunction, GlobalPrintAndPrintInFunctions) {
  Evaluated r(
      "m = Machine(GPU);\n"
      "print(\"machine {} has {} GPUs\", m, m.volume);\n"
      "print(\"no placeholder\");\n"
      "def f(int a) {\n"
      "  print(\"a={} t={} b={} p={} k={} one={}\", a, (a, 2), a > 1, m[0, a], FBMEM, (a,));\n"
      "  return a;\n"
      "}\n"
      "y = f(1);\n");
  ASSERT_TRUE(r.globals()) << r.errors();
  std::array<Value, 1> args{Value::of_int(3)};
  ASSERT_TRUE(r.eval().call("f", args).has_value());
  EXPECT_EQ(r.host().lines, (std::vector<std::string>{
                                "machine Machine(GPU) of size (2, 4) has 8 GPUs", "no placeholder",
                                "a=1 t=(1, 2) b=False p=GPU 1 of node 0 k=FBMEM one=(1,)",
                                "a=3 t=(3, 2) b=True p=GPU 3 of node 0 k=FBMEM one=(3,)"}));
}

TEST(EvalFunction, GlobalsRunInOrderAndStopAtTheFirstError) {
  Evaluated r("a = 1;\nprint(\"before\");\nb = a / (a - 1);\nprint(\"after\");\n");
  EXPECT_FALSE(r.globals());
  EXPECT_EQ(r.host().lines, (std::vector<std::string>{"before"}));
  EXPECT_NE(r.eval().global("a"), nullptr);
  EXPECT_EQ(r.eval().global("b"), nullptr);
}

TEST(EvalFunction, EvalGlobalExpr) {
  Diagnostics diags;
  Program p = parse_string("m = Machine(GPU);\nx = m.size[0] * 10;\n", diags);
  ProgramInfo info = check(p, diags);
  FakeHost host;
  Evaluator ev(p, info, host, diags);
  ASSERT_TRUE(ev.run_globals());
  auto v = ev.eval_global_expr(p.value(p.stmts[1]));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->type, Type::Int);
  EXPECT_EQ(v->i, 20);
}

/// A launch point of task `step` in a 4x4 launch, started by `main`, which runs on GPU 2 of
/// node 1.
struct Launch {
  TaskView parent;
  TaskView task;
  Launch() {
    parent.name = "main";
    parent.has_processor = true;
    parent.processor = ProcValue{ProcKind::GPU, 1, 2};
    task.name = "step";
    task.ipoint = {1, 2};
    task.ispace = {4, 4};
    task.parent = &parent;
  }
};

const char* const kTaskProgram =
    "m = Machine(GPU);\n"
    "line = m.merge(0, 1);\n"
    "def block(Task task) {\n"
    "  return m[task.ipoint[0] % m.size[0], (task.ipoint[1] + task.ispace[1]) % m.size[1]];\n"
    "}\n"
    "def on_parent(Task task) {\n"
    "  return m[*task.parent.processor(m)];\n"
    "}\n"
    "def on_parent_line(Task task) {\n"
    "  here = task.parent.processor(line);\n"
    "  return line[(here[0] + 1) % line.size[0]];\n"
    "}\n"
    "def sizes(Task task) {\n"
    "  s = task.ispace;\n"
    "  return m[s.size[0] / 4 - 1 + s.volume / 16 + s.len - 2, s[1] - 1];\n"
    "}\n"
    "def spread(Task task) {\n"
    "  return m[task.ipoint[0] % 2, *];\n"
    "}\n";

std::string mapped(Evaluated& r, const char* f, const TaskView& t, ProcKind kind = ProcKind::GPU) {
  auto p = r.eval().map_point(f, t, kind);
  if (!p) return "error: " + r.errors();
  return to_string(Value::of_proc(*p));
}

TEST(EvalTask, PointSpaceParentAndProcessor) {
  Evaluated r(kTaskProgram);
  ASSERT_TRUE(r.globals()) << r.errors();
  Launch l;
  EXPECT_EQ(mapped(r, "block", l.task), "GPU 2 of node 1");
  EXPECT_EQ(mapped(r, "on_parent", l.task), "GPU 2 of node 1");
  EXPECT_EQ(mapped(r, "on_parent_line", l.task), "GPU 3 of node 1");
  EXPECT_EQ(mapped(r, "sizes", l.task), "GPU 3 of node 1");
  EXPECT_EQ(mapped(r, "spread", l.task), "GPU 0 of node 1");
  EXPECT_EQ(mapped(r, "spread", l.task), "GPU 1 of node 1");
  EXPECT_EQ(r.errors(), "");
}

TEST(EvalTask, ProcessorIndexOutOfRangeNamesTheTaskAndPoint) {
  Evaluated r(
      "m = Machine(GPU);\ndef f(Task task) {\n  return m[task.ipoint[0] + 5, "
      "task.ipoint[1]];\n}\n");
  ASSERT_TRUE(r.globals());
  Launch l;
  EXPECT_EQ(mapped(r, "f", l.task),
            "error: e.mapping:3:11: error: processor index (6, 2) is out of range for "
            "Machine(GPU) of size (2, 4): index 6 of dimension 0 is not in 0..1 while mapping "
            "task step at point (1, 2)\n"
            "    return m[task.ipoint[0] + 5, task.ipoint[1]];\n"
            "            ^\n"
            "hint: wrap the index with '%' the size of that dimension, e.g. m[i % m.size[0], 0]\n");
}

TEST(EvalTask, DivisionByZeroNamesTheTaskAndPoint) {
  Evaluated r(
      "m = Machine(GPU);\ndef f(Task task) {\n"
      "  per = task.ispace[0] / (task.ipoint[0] - 1);\n  return m[0, per];\n}\n");
  ASSERT_TRUE(r.globals());
  Launch l;
  EXPECT_EQ(mapped(r, "f", l.task),
            "error: e.mapping:3:24: error: division by zero while mapping task step at point "
            "(1, 2)\n"
            "    per = task.ispace[0] / (task.ipoint[0] - 1);\n"
            "                         ^\n"
            "hint: guard the divisor, for example with max(d, 1)\n");
}

TEST(EvalTask, TupleIndexOutOfRangeNamesTheTaskAndPoint) {
  Evaluated r("m = Machine(GPU);\ndef f(Task task) {\n  return m[task.ipoint[2], 0];\n}\n");
  ASSERT_TRUE(r.globals());
  Launch l;
  EXPECT_EQ(mapped(r, "f", l.task),
            "error: e.mapping:3:23: error: index 2 is out of range for the tuple (1, 2) of length "
            "2 while mapping task step at point (1, 2)\n"
            "    return m[task.ipoint[2], 0];\n"
            "                        ^\n");
}

TEST(EvalTask, StepBudgetStopsARunawayRecursion) {
  Evaluated r(
      "m = Machine(GPU);\n"
      "def fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\n"
      "def f(Task task) { return m[fib(40) % 2, 0]; }\n",
      1000);
  ASSERT_TRUE(r.globals());
  Launch l;
  std::string out = mapped(r, "f", l.task);
  // Where the budget runs out depends on the order of evaluation; the message does not.
  EXPECT_NE(out.find("error: evaluation stopped after 1000 steps while mapping task step at "
                     "point (1, 2)\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\nhint: the step budget keeps a mapper from hanging the tool; look for "
                     "unbounded recursion\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(r.eval().last_steps(), 1001);
}

TEST(EvalTask, StepBudgetIsPerCall) {
  Evaluated r(
      "m = Machine(GPU);\n"
      "def f(Task task) { return m[task.ipoint[0] % 2, task.ipoint[1] % 4]; }\n",
      50);
  ASSERT_TRUE(r.globals());
  Launch l;
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(mapped(r, "f", l.task), "GPU 2 of node 1");
}

TEST(EvalTask, StepBudgetWithTheDefaultBudget) {
  Evaluated r("def fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\n");
  ASSERT_TRUE(r.globals());
  std::array<Value, 1> args{Value::of_int(40)};
  EXPECT_FALSE(r.eval().call("fib", args).has_value());
  EXPECT_EQ(r.eval().last_steps(), kDefaultStepBudget + 1);
  EXPECT_NE(r.errors().find("error: evaluation stopped after 100000 steps\n"), std::string::npos)
      << r.errors();
}

TEST(EvalTask, WrongReturnKind) {
  Evaluated r(
      "m = Machine(GPU);\nc = Machine(CPU);\n"
      "def number(Task task) { return 3; }\n"
      "def tuple2(Task task) { return task.ipoint; }\n"
      "def cpu(Task task) { return c[0, 0]; }\n");
  ASSERT_TRUE(r.globals());
  Launch l;
  EXPECT_EQ(mapped(r, "number", l.task),
            "error: e.mapping:3:25: error: function 'number' returned an int instead of a "
            "processor while mapping task step at point (1, 2)\n"
            "  def number(Task task) { return 3; }\n"
            "                          ^\n"
            "hint: a mapping function returns a processor: an index into a machine space, m[i, "
            "j]\n");
  Evaluated r2("c = Machine(CPU);\ndef cpu(Task task) { return c[0, 0]; }\n");
  ASSERT_TRUE(r2.globals());
  EXPECT_EQ(mapped(r2, "cpu", l.task),
            "error: e.mapping:2:22: error: function 'cpu' returned a CPU processor, but task step "
            "runs on GPU\n"
            "  def cpu(Task task) { return c[0, 0]; }\n"
            "                       ^\n"
            "hint: index Machine(GPU) in this function, or change the task's kind with a Task "
            "statement\n");
  EXPECT_EQ(mapped(r2, "cpu", l.task, ProcKind::CPU), "CPU 0 of node 0");
}

TEST(EvalTask, TaskWithoutParentOrProcessor) {
  Evaluated r(
      "m = Machine(GPU);\n"
      "def up(Task task) { return m[*task.parent.processor(m)]; }\n"
      "def mine(Task task) { return m[*task.processor(m)]; }\n");
  ASSERT_TRUE(r.globals());
  Launch l;
  EXPECT_EQ(mapped(r, "up", l.parent),
            "error: e.mapping:2:36: error: task main has no parent task\n"
            "  def up(Task task) { return m[*task.parent.processor(m)]; }\n"
            "                                     ^\n");
  Evaluated r2("m = Machine(GPU);\ndef mine(Task task) { return m[*task.processor(m)]; }\n");
  ASSERT_TRUE(r2.globals());
  EXPECT_EQ(mapped(r2, "mine", l.task),
            "error: e.mapping:2:38: error: task step has no processor yet\n"
            "  def mine(Task task) { return m[*task.processor(m)]; }\n"
            "                                       ^\n");
  EXPECT_EQ(mapped(r2, "mine", l.parent), "GPU 2 of node 1");
}

TEST(EvalTask, ProcessorNotInTheSpace) {
  Evaluated r("c = Machine(CPU);\ndef f(Task task) { return c[*task.parent.processor(c)]; }\n");
  ASSERT_TRUE(r.globals());
  Launch l;
  EXPECT_EQ(mapped(r, "f", l.task, ProcKind::CPU),
            "error: e.mapping:2:42: error: the processor of task main (GPU 2 of node 1) is not "
            "in Machine(CPU)\n"
            "  def f(Task task) { return c[*task.parent.processor(c)]; }\n"
            "                                           ^\n");
}

// ---- values ----

TEST(Values, PrintedForms) {
  EXPECT_EQ(to_string(Value::of_int(-3)), "-3");
  EXPECT_EQ(to_string(Value::of_bool(true)), "True");
  EXPECT_EQ(to_string(Value::of_tuple({})), "()");
  EXPECT_EQ(to_string(Value::of_tuple({5})), "(5,)");
  EXPECT_EQ(to_string(Value::of_tuple({1, -2})), "(1, -2)");
  EXPECT_EQ(to_string(Value::of_proc(ProcValue{ProcKind::OMP, 3, 1})), "OMP 1 of node 3");
  EXPECT_EQ(to_string(Value::of_kind(ProcKind::GPU)), "GPU");
  EXPECT_EQ(to_string(Value::of_kind(MemKind::SOCKMEM)), "SOCKMEM");
  EXPECT_EQ(to_string(Value::of_space(FakeSpace::base(ProcKind::CPU, 1, 2))),
            "Machine(CPU) of size (1, 2)");
  TaskView t;
  t.name = "solve";
  EXPECT_EQ(to_string(Value::of_task(&t)), "task solve");
  EXPECT_EQ(tuple_text(std::vector<std::int64_t>{7}), "(7,)");
}

}  // namespace
}  // namespace mapsmith::dsl

namespace mapsmith::dsl {
namespace {

// ---- issue 15 item 1: the evaluator's memory and the whole mapper's work are bounded ----

/// `t0 = (1, 2);` then `tK = (*tK-1, *tK-1);` for K = 1..n: each line doubles the tuple.
std::string doublings(int n, const std::string& indent = "") {
  std::string out = indent + "t0 = (1, 2);\n";
  for (int k = 1; k <= n; ++k)
    out += fmt::format("{}t{} = (*t{}, *t{});\n", indent, k, k - 1, k - 1);
  return out;
}

TEST(EvalLimits, Item1DoublingGlobalsStopAtTheElementBound) {
  // 40 doublings would be 2^41 elements (16 TiB): the globals stop after 20 lines (each copies
  // its predecessor twice and builds the result: 2^(k+2) elements on line k).
  Evaluated r(doublings(40));
  EXPECT_FALSE(r.globals());
  EXPECT_EQ(r.errors(),
            "e.mapping:21:9: error: evaluation stopped: the global variables built more than "
            "4194304 tuple elements\n"
            "  t20 = (*t19, *t19);\n"
            "          ^\n"
            "hint: values are limited in size so that a mapper cannot exhaust the memory; look "
            "for a tuple that doubles on every line or call\n");
}

TEST(EvalLimits, Item1DoublingInsideAMappingFunctionStops) {
  // The same in a function, as an LLM reply might write it: the call stops, nothing is killed.
  Evaluated r("m = Machine(GPU);\ndef f(Task task) {\n" + doublings(40, "  ") +
              "  return m[len(t40) % 2, 0];\n}\n");
  ASSERT_TRUE(r.globals());
  Launch l;
  EXPECT_EQ(mapped(r, "f", l.task),
            "error: e.mapping:23:11: error: evaluation stopped: this call built more than 4194304 "
            "tuple elements while mapping task step at point (1, 2)\n"
            "    t20 = (*t19, *t19);\n"
            "            ^\n"
            "hint: values are limited in size so that a mapper cannot exhaust the memory; look "
            "for a tuple that doubles on every line or call\n");
}

TEST(EvalLimits, Item1CopiesOfABigGlobalCountAsWork) {
  // A big global is built once; each call that reads it copies it, which costs its size.
  Evaluated r(
      "m = Machine(GPU);\n" + doublings(16) + "def f(Task task) { return m[len(t16) % 2, 0]; }\n",
      kDefaultStepBudget, 1'000'000);
  ASSERT_TRUE(r.globals()) << r.errors();
  Launch l;
  int ok = 0;
  std::string out;
  while (ok < 100 && (out = mapped(r, "f", l.task)) == "GPU 0 of node 0")
    ++ok;
  // Building t0..t16 took about 2^19 of the 10^6; each call copies t16 (2^17 elements) for
  // len(): three calls fit in the rest.
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(out,
            "error: e.mapping:19:33: error: evaluation stopped: the mapper's functions took more "
            "than 1000000 steps in all while mapping task step at point (1, 2)\n"
            "  def f(Task task) { return m[len(t16) % 2, 0]; }\n"
            "                                  ^\n"
            "hint: the whole mapper has a budget too, so that one mapper cannot stall check, "
            "simulate or tune (a step is an expression evaluated, or a tuple element built or "
            "copied); a mapping function should take tens of steps per point, not thousands\n");
}

TEST(EvalLimits, Item1WholeEvaluationStepBudget) {
  // Each call stays far below the per-call budget; together they pass the whole budget.
  Evaluated r(
      "m = Machine(GPU);\n"
      "def slow(int n) { return n == 0 ? 0 : slow(n - 1); }\n"
      "def f(Task task) { return m[slow(20) % 2, 0]; }\n",
      kDefaultStepBudget, 10'000);
  ASSERT_TRUE(r.globals());
  Launch l;
  int ok = 0;
  std::string out;
  while (ok < 1000 && (out = mapped(r, "f", l.task)) == "GPU 0 of node 0")
    ++ok;
  EXPECT_LT(ok, 1000);
  EXPECT_GT(ok, 50);
  EXPECT_NE(out.find("error: evaluation stopped: the mapper's functions took more than 10000 "
                     "steps in all while mapping task step at point (1, 2)\n"),
            std::string::npos)
      << out;
  // Once spent, the budget stays spent: the next call fails at once.
  EXPECT_NE(mapped(r, "f", l.task).find("took more than 10000 steps in all"), std::string::npos);
  EXPECT_GT(r.eval().total_work(), 10'000);
}

TEST(EvalLimits, Item1NoWholeBudgetByDefault) {
  // A mapper inside Legion lives for the whole run: without a total budget it never runs out.
  Evaluated r(kTaskProgram);
  ASSERT_TRUE(r.globals());
  Launch l;
  for (int i = 0; i < 20'000; ++i)
    ASSERT_EQ(mapped(r, "block", l.task), "GPU 2 of node 1");
}

// ---- issue 15 item 12: a wrong result points at the `return` and at the map statement ----

TEST(EvalTask, Item12WrongResultNamesTheReturnThatMadeItAndTheMapStatement) {
  Evaluated r(
      "m = Machine(GPU);\n"
      "def f(Task task) {\n"
      "  x = task.ipoint;\n"
      "  return x;\n"
      "}\n"
      "IndexTaskMap step f;\n");
  ASSERT_TRUE(r.globals()) << r.errors();
  const Stmt* map = &r.program().stmts.back();
  ASSERT_EQ(map->kind, StmtKind::IndexTaskMap);
  Launch l;
  l.task.ipoint = {0, 1};
  auto p = r.eval().map_point("f", l.task, ProcKind::GPU, map);
  EXPECT_FALSE(p.has_value());
  EXPECT_EQ(r.errors(),
            "e.mapping:4:3: error: function 'f', used by the IndexTaskMap at line 6, returned a "
            "tuple instead of a processor while mapping task step at point (0, 1)\n"
            "    return x;\n"
            "    ^\n"
            "hint: a mapping function returns a processor: an index into a machine space, m[i, "
            "j]\n");
}

}  // namespace
}  // namespace mapsmith::dsl
