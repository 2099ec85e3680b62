#pragma once
/// Helpers shared by the report's tests: a mapper decided and simulated with its events recorded
/// and adapted (run.h), and hand-made events.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "mapping/test_util.h"
#include "report/run.h"
#include "sim/test_util.h"

namespace mapsmith::report::test {

/// A mapper (empty text: the default policy) decided, simulated and recorded.
struct Recorded {
  std::unique_ptr<mapping::test::Mapper> mapper;
  mapping::Mapping mapping;
  sim::Outcome outcome;
  RunFacts facts;
};

inline std::unique_ptr<Recorded> record(const app::App& a, const machine::Machine& m,
                                        const std::string& mapper) {
  auto r = std::make_unique<Recorded>();
  if (!mapper.empty()) r->mapper = std::make_unique<mapping::test::Mapper>(mapper);
  r->mapping = mapping::test::decide_ok(a, m, r->mapper.get());
  Recorder rec;
  sim::Options o;
  o.program = r->mapper ? &r->mapper->program : nullptr;
  o.observers = {&rec};
  r->outcome = sim::simulate(a, m, r->mapping, o);
  r->facts = adapt(rec.take(), r->outcome);
  return r;
}

inline TaskRec task(std::uint32_t proc, app::TaskId t, double ready, double start, double end,
                    double overhead = 0) {
  TaskRec r;
  r.proc = proc;
  r.task = t;
  r.ready = ready;
  r.start = start;
  r.end = end;
  r.overhead = overhead;
  return r;
}

inline CopyRec copy(std::uint64_t instance, double ready, double start, double end,
                    std::vector<std::uint32_t> hops = {}, double link_time = 0) {
  CopyRec c;
  c.instance = instance;
  c.ready = ready;
  c.start = start;
  c.end = end;
  c.link_time = link_time;
  for (std::uint32_t h : hops)
    c.route.push_back(machine::ChannelId{h});
  return c;
}

}  // namespace mapsmith::report::test
