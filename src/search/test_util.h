#pragma once
/// Helpers shared by the search tests: a tiny machine and applications written out in full (so
/// the tests pin exact spaces), and a fake evaluator whose times are a function of the text.
#include <functional>
#include <string>
#include <vector>

#include "app/app.h"
#include "app/app_json.h"
#include "machine/machine_json.h"
#include "search/evaluator.h"

namespace mapsmith::search::test {

/// 2 nodes of 2 CPUs, 2 GPUs and a utility processor; SYSMEM, FBMEM per GPU, ZCMEM.
inline machine::Machine tiny_machine() {
  return machine::load_machine_json(R"({
  "format": 1, "name": "tiny", "nodes": 2,
  "node": {
    "processors": [
      {"kind": "CPU", "count": 2, "flops": 1e9},
      {"kind": "GPU", "count": 2, "flops": 1e10},
      {"kind": "UTIL", "count": 1, "flops": 1e9}
    ],
    "memories": [
      {"kind": "SYSMEM", "capacity": 1000000000},
      {"kind": "FBMEM", "capacity": 1000000},
      {"kind": "ZCMEM", "capacity": 100000000}
    ],
    "affinities": [
      {"proc": "CPU", "mem": "SYSMEM", "bandwidth": 1e9, "latency": 1e-7},
      {"proc": "CPU", "mem": "ZCMEM", "bandwidth": 5e8, "latency": 1e-7},
      {"proc": "UTIL", "mem": "SYSMEM", "bandwidth": 1e9, "latency": 1e-7},
      {"proc": "GPU", "mem": "FBMEM", "bandwidth": 1e11, "latency": 5e-7},
      {"proc": "GPU", "mem": "ZCMEM", "bandwidth": 1e9, "latency": 1e-6}
    ],
    "links": [
      {"kind": "PCIE", "bandwidth": 1e9, "latency": 1e-6},
      {"kind": "MEMBUS", "bandwidth": 1e10, "latency": 1e-7},
      {"kind": "NIC", "count": 1, "bandwidth": 5e8, "latency": 2e-6}
    ]
  }
})",
                                    "tiny.json");
}

/// `work` (CPU and GPU variants) updates the 4 blocks of `grid` 3 times, then `report` (CPU)
/// reads all of it.
inline app::App tiny_app() {
  return app::load_app_json(R"({
  "format": 1, "name": "tiny",
  "regions": [{"name": "grid", "extents": [400], "fields": [{"name": "u"}],
               "atoms": [100, 100, 100, 100]}],
  "partitions": [{"name": "blocks", "region": "grid", "colors": [4],
                  "pieces": [[0], [1], [2], [3]]}],
  "tasks": [
    {"name": "main", "variants": [{"kind": "CPU", "inner": true}]},
    {"name": "work", "variants": [{"kind": "CPU"}, {"kind": "GPU"}]},
    {"name": "report", "variants": [{"kind": "CPU"}]}
  ],
  "top": "main",
  "program": [
    {"loop": "t", "count": 3, "body": [
      {"task": "work", "domain": [4], "point_vars": ["i"], "flops": 1e6,
       "reqs": [{"region": "grid", "partition": "blocks", "projection": ["i"],
                 "privilege": "read-write"}]}]},
    {"task": "report", "flops": 1e3, "reqs": [{"region": "grid", "privilege": "read"}]}
  ]
})",
                            "tiny_app.json");
}

/// One index launch of `work` over 4 points, no data: a space small enough to enumerate.
inline app::App mini_app() {
  return app::load_app_json(R"({
  "format": 1, "name": "mini",
  "tasks": [
    {"name": "main", "variants": [{"kind": "CPU", "inner": true}]},
    {"name": "work", "variants": [{"kind": "CPU"}, {"kind": "GPU"}]}
  ],
  "top": "main",
  "program": [{"task": "work", "domain": [4], "point_vars": ["i"], "flops": 1e6}]
})",
                            "mini_app.json");
}

/// Times that depend only on the text: by default `1e-6 * (its length + 1)`, so the shortest
/// mapper is the best; a `score` returning a negative number makes the mapper fail. Records every
/// text it was asked to evaluate, in order.
class FakeEvaluator final : public Evaluator {
 public:
  FakeEvaluator() = default;
  explicit FakeEvaluator(std::function<double(const std::string&)> score)
      : score_(std::move(score)) {}
  std::string identity() const override { return "fake"; }
  std::vector<Evaluation> evaluate(const std::vector<std::string>& programs,
                                   const OnEvaluated& on_done) override {
    std::vector<Evaluation> out;
    for (std::size_t i = 0; i < programs.size(); ++i) {
      Evaluation e;
      const double t =
          score_ ? score_(programs[i]) : 1e-6 * static_cast<double>(programs[i].size() + 1);
      if (t < 0) {
        e.failure = "fake failure";
        e.feedback = "fake failure\n";
      } else {
        e.ok = true;
        e.time_s = e.run_time_s = t;
      }
      asked.push_back(programs[i]);
      if (on_done) on_done(i, e);
      out.push_back(std::move(e));
    }
    return out;
  }
  std::vector<std::string> asked;

 private:
  std::function<double(const std::string&)> score_;
};

}  // namespace mapsmith::search::test
