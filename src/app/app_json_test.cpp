#include "app/app_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "app/generators.h"
#include "machine/presets.h"
#include "util/error.h"
#include "util/strings.h"

namespace mapsmith::app {
namespace {

using json = nlohmann::json;

const std::string kSmallPath = MAPSMITH_SOURCE_DIR "/examples/apps/small.json";

// The example every malformed-input test edits: a 1-D stencil (docs/app-format.md).
const std::string& base() {
  static const std::string text = read_file(kSmallPath);
  return text;
}

std::string error_of(std::string_view text) {
  try {
    load_app_json(text, "a.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// The error after `edit` changes the example.
template <typename Edit>
std::string error_after(Edit edit) {
  json j = json::parse(base());
  edit(j);
  return error_of(j.dump());
}

// Shorthands into the example.
json& stencil(json& j) {
  return j["program"][0]["body"][0];
}
json& increment(json& j) {
  return j["program"][0]["body"][1];
}

// "path: message" of check(), or "(ok)".
std::string problem(const App& app) {
  auto e = check(app);
  return e ? e->path + ": " + e->message : "(ok)";
}

Step launch_step(std::size_t i) {
  Step s;
  s.launch = i;
  return s;
}
Step loop_step(std::string var, std::int64_t count, std::vector<Step> body) {
  Step s;
  s.kind = Step::Kind::Loop;
  s.var = std::move(var);
  s.count = count;
  s.body = std::move(body);
  return s;
}
ProjectionDim dim(std::vector<Term> terms, std::int64_t offset = 0) {
  return ProjectionDim{std::move(terms), offset};
}

// A 2-D application with a parent launch whose points launch a loop of children, explicit task
// arguments, layout requirements and every optional field away from its default.
App nested_app() {
  App a;
  a.name = "nested";
  a.params = {{"zeta", 3}, {"alpha", -1}};  // not sorted: the order is kept
  Region m;
  m.name = "matrix";
  m.extents = {4, 6};
  m.fields = {{"val", 4}, {"idx", 8}};
  m.atoms = {6, 6, 6, 6};
  Region s;
  s.name = "scalar";
  s.extents = {1};
  s.fields = {{"sum", 8}};
  s.atoms = {1};
  a.regions = {m, s};
  Partition rows;
  rows.name = "rows";
  rows.region = 0;
  rows.colors = {2, 2};
  rows.pieces = {{0}, {1}, {2}, {3}};
  Partition ghost;
  ghost.name = "ghost";
  ghost.region = 0;
  ghost.disjoint = false;
  ghost.colors = {2};
  ghost.pieces = {{0, 1, 2}, {1, 2, 3}};
  a.partitions = {rows, ghost};

  Task top;
  top.name = "top";
  top.variants = {ProcKind::CPU};
  Task outer;
  outer.name = "outer";
  Variant inner(ProcKind::CPU);
  inner.inner = true;
  outer.variants = {inner};
  Task gemm;
  gemm.name = "gemm";
  Variant gpu(ProcKind::GPU);
  gpu.efficiency = 0.7;
  gpu.needs_c_order = true;
  gpu.needs_soa = false;
  Variant omp(ProcKind::OMP);
  omp.efficiency = 1.0 / 3.0;
  gemm.variants = {gpu, omp, ProcKind::CPU};
  RegionArg tile{"tile_a", "rows", "matrix", Privilege::ReadWrite};
  RegionArg halo{"", "ghost", "matrix", Privilege::Read};
  RegionArg acc{"total", "", "scalar", Privilege::Reduce};
  gemm.args = {tile, halo, acc};
  a.tasks = {top, outer, gemm};
  a.top = 0;

  Launch parent;
  parent.task = 1;
  parent.index = true;
  parent.domain = {2};
  parent.point_vars = {"p"};
  parent.body = {loop_step("k", 3, {launch_step(1)})};
  Launch child;
  child.task = 2;
  child.index = true;
  child.domain = {2, 1};
  child.point_vars = {"x", "y"};
  child.flops = 1.5e9;
  child.parent = 0;
  Requirement r0{"matrix",
                 "rows",
                 {dim({{"x", 1}}), dim({{"y", -1}, {"p", 1}}, 0)},
                 Privilege::ReadWrite,
                 {"val"},
                 0.25,
                 {}};
  Requirement r1{"matrix", "ghost", {dim({{"k", 2}, {"x", -3}, {"p", 0}}, -7)}, Privilege::Read, {},
                 1.0,      {}};
  Requirement r2{"scalar", "", {}, Privilege::Reduce, {"sum"}, 1.0, {}};
  child.reqs = {r0, r1, r2};
  Launch single;
  single.task = 2;
  single.reqs = {
      Requirement{"matrix", "rows", {dim({}, 1), dim({}, 0)}, Privilege::ReadWrite, {}, 1.0, {}},
      Requirement{"matrix", "ghost", {dim({{"t", 1}}, 5)}, Privilege::Read, {}, 0.0, {}}, r2};
  a.launches = {parent, child, single};
  a.program = {launch_step(0), loop_step("t", 2, {launch_step(2)})};
  return a;
}

// ---------------------------------------------------------------------------------------------
// Loading, dumping, round trips.

TEST(AppJson, ExampleFileLoads) {
  App a = load_app_json(base(), kSmallPath);
  EXPECT_EQ(a.name, "small");
  EXPECT_EQ(a.params, (std::vector<std::pair<std::string, std::int64_t>>{
                          {"cells", 1024}, {"pieces", 4}, {"steps", 10}}));
  ASSERT_EQ(a.regions.size(), 1u);
  EXPECT_EQ(a.regions[0].volume(), 1024);
  EXPECT_EQ(a.regions[0].fields, (std::vector<Field>{{"u", 8}, {"v", 8}}));
  ASSERT_EQ(a.partitions.size(), 2u);
  EXPECT_TRUE(a.partitions[0].disjoint);
  EXPECT_FALSE(a.partitions[1].disjoint);
  EXPECT_EQ(a.partitions[1].pieces[1], (std::vector<std::uint32_t>{1, 2, 3, 4, 5}));
  ASSERT_EQ(a.tasks.size(), 4u);
  EXPECT_EQ(a.top, 0u);
  EXPECT_TRUE(a.tasks[0].variants[0].inner);
  EXPECT_EQ(a.tasks[1].kinds(), (std::vector<ProcKind>{ProcKind::CPU, ProcKind::GPU}));
  EXPECT_DOUBLE_EQ(a.tasks[1].variant(ProcKind::GPU)->efficiency, 0.6);
  // Arguments not listed come from the task's first launch.
  EXPECT_EQ(a.tasks[1].args, (std::vector<RegionArg>{{"", "halo", "grid", Privilege::Read},
                                                     {"", "blocks", "grid", Privilege::Write}}));
  EXPECT_EQ(a.tasks[3].args, (std::vector<RegionArg>{{"grid", "", "grid", Privilege::Read}}));
  EXPECT_TRUE(a.tasks[0].args.empty());
  // Launches are numbered in order of appearance.
  ASSERT_EQ(a.launches.size(), 3u);
  EXPECT_EQ(a.launches[0].task, 1u);
  EXPECT_TRUE(a.launches[0].index);
  EXPECT_EQ(a.launches[0].domain, (std::vector<std::int64_t>{4}));
  EXPECT_EQ(a.launches[0].point_vars, (std::vector<std::string>{"i"}));
  EXPECT_EQ(a.launches[0].flops, 1280);
  EXPECT_EQ(a.launches[0].reqs[0].projection, (std::vector<ProjectionDim>{dim({{"i", 1}})}));
  EXPECT_EQ(a.launches[0].reqs[1].fields, (std::vector<std::string>{"v"}));
  EXPECT_EQ(a.launches[1].task, 2u);
  EXPECT_FALSE(a.launches[2].index);
  EXPECT_EQ(a.launches[2].volume(), 1);
  EXPECT_FALSE(a.launches[2].parent);
  ASSERT_EQ(a.program.size(), 2u);
  EXPECT_EQ(a.program[0], loop_step("t", 10, {launch_step(0), launch_step(1)}));
  EXPECT_EQ(a.program[1], launch_step(2));
}

TEST(AppJson, ExampleFileIsInCanonicalForm) {
  EXPECT_EQ(dump_app_json(load_app_json(base(), "small.json")), base());
}

TEST(AppJson, DocumentedExampleIsTheExampleFile) {
  std::string doc = read_file(MAPSMITH_SOURCE_DIR "/docs/app-format.md");
  const std::string open = "```json\n";
  auto start = doc.find(open);
  ASSERT_NE(start, std::string::npos);
  start += open.size();
  auto end = doc.find("```", start);
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(doc.substr(start, end - start), base());
}

void expect_round_trip(const App& a) {
  ASSERT_EQ(problem(a), "(ok)");
  const std::string text = dump_app_json(a);
  App back = load_app_json(text, "dump.json");
  EXPECT_EQ(back, a);
  EXPECT_EQ(dump_app_json(back), text);
}

TEST(AppJson, RoundTrips) {
  {
    SCOPED_TRACE("single launch apps");
    expect_round_trip(single_launch_app("stencil", {4, 2}));
    expect_round_trip(single_launch_app("check", {}));
  }
  {
    SCOPED_TRACE("nested");
    expect_round_trip(nested_app());
  }
  {
    SCOPED_TRACE("the example, edited in memory");
    App a = load_app_json(base(), "small.json");
    a.tasks[2].args[0].region = "cells";  // differs from the derived argument: written out
    a.launches[1].reqs[0].touched = 0.5;
    a.partitions.pop_back();
    a.launches[0].reqs[0].partition.clear();
    a.launches[0].reqs[0].projection.clear();
    a.tasks[1].args[0].partition.clear();
    // The check launch runs first: launches are no longer numbered in order of appearance, so
    // the dump gives each its "id".
    std::swap(a.program[0], a.program[1]);
    a.top.reset();
    expect_round_trip(a);
    EXPECT_NE(dump_app_json(a).find("\"id\": 2,\n      \"task\": \"check\""), std::string::npos);
  }
}

TEST(AppJson, LaunchArgsOverrideTheTasks) {
  // A second launch of stencil reads what the first wrote: it names its own arguments.
  App a = load_app_json(base(), "small.json");
  Launch again = a.launches[0];
  again.reqs[1].privilege = Privilege::Read;
  again.args = a.tasks[a.launches[0].task].args;
  again.args[1].privilege = Privilege::Read;
  again.args[1].region = "result";
  a.launches.push_back(again);
  a.program.push_back(launch_step(a.launches.size() - 1));
  ASSERT_EQ(check(a), std::nullopt);
  expect_round_trip(a);
  EXPECT_NE(dump_app_json(a).find("\"args\": ["), std::string::npos);
  const auto names = a.region_names(a.launches[0].task);
  EXPECT_NE(std::find(names.begin(), names.end(), "result"), names.end());
}

TEST(AppJson, RoundTripsEveryBuiltInApp) {
  for (const char* spec : {"sapling", "sapling-2", "cpu-1"}) {
    const machine::Machine m = machine::make_machine(spec);
    for (const GeneratorInfo& g : list_generators()) {
      SCOPED_TRACE(g.name + " on " + spec);
      expect_round_trip(app::generate(g.name, {}, m));
    }
  }
}

TEST(AppJson, OptionalKeysAtTheirDefaultsAreLeftOut) {
  const std::string text = dump_app_json(nested_app());
  EXPECT_NE(text.find("{\"name\": \"val\", \"bytes\": 4}"), std::string::npos);
  EXPECT_NE(text.find("{\"name\": \"idx\"}"), std::string::npos);
  EXPECT_NE(text.find("\"params\": {\"zeta\": 3, \"alpha\": -1}"), std::string::npos);
  EXPECT_NE(text.find("{\"kind\": \"GPU\", \"efficiency\": 0.7, \"needs_c_order\": true, "
                      "\"needs_soa\": false}"),
            std::string::npos);
  EXPECT_NE(text.find("\"projection\": [\"2*k - 3*x + 0*p - 7\"]"), std::string::npos);
  EXPECT_NE(text.find("\"projection\": [\"1\", \"0\"]"), std::string::npos);
  EXPECT_NE(text.find("\"projection\": [\"x\", \"-y + p\"]"), std::string::npos);
  EXPECT_NE(text.find("\"args\": ["), std::string::npos);
  EXPECT_EQ(text.find("\"id\""), std::string::npos);
  // matrix lists its atoms; scalar's single atom is its volume, the default.
  EXPECT_NE(text.find("\"atoms\": [6, 6, 6, 6]"), std::string::npos);
  EXPECT_EQ(text.find("\"atoms\"", text.find("\"atoms\"") + 1), std::string::npos);
}

TEST(AppJson, DumpIsPrettyAndOrdered) {
  const std::string text = dump_app_json(nested_app());
  const std::string head =
      "{\n  \"format\": 1,\n  \"name\": \"nested\",\n  \"params\": {\"zeta\": 3, \"alpha\": -1},\n"
      "  \"regions\": [\n    {\n      \"name\": \"matrix\",\n      \"extents\": [4, 6],\n";
  EXPECT_EQ(text.substr(0, head.size()), head);
  EXPECT_EQ(text.back(), '\n');
}

TEST(AppJson, Projections) {
  auto projection_of = [](const std::string& p) {
    json j = json::parse(base());
    stencil(j)["reqs"][0]["projection"][0] = p;
    App a = load_app_json(j.dump(), "a.json");
    return a.launches[0].reqs[0].projection.at(0);
  };
  EXPECT_EQ(projection_of("i + 1"), dim({{"i", 1}}, 1));
  EXPECT_EQ(projection_of(" -2*i+t - 3 "), dim({{"i", -2}, {"t", 1}}, -3));
  EXPECT_EQ(projection_of("1 + i + 2"), dim({{"i", 1}}, 3));
  EXPECT_EQ(projection_of("i - i"), dim({{"i", 1}, {"i", -1}}));
  EXPECT_EQ(projection_of("0 * t"), dim({{"t", 0}}));
  EXPECT_EQ(projection_of("-5"), dim({}, -5));
}

TEST(AppJson, ParametersKeepTheirOrder) {
  App a = load_app_json(
      R"({"format": 1, "params": {"z": 1, "a": -2, "m": 3e3}, "tasks": [], "program": []})",
      "p.json");
  EXPECT_EQ(a.params,
            (std::vector<std::pair<std::string, std::int64_t>>{{"z", 1}, {"a", -2}, {"m", 3000}}));
  EXPECT_EQ(error_of(R"({"format": 1, "params": {"z": 1, "z": 2}, "tasks": [], "program": []})"),
            "a.json: $.params.z: parameter \"z\" is given twice");
}

TEST(AppJson, LoadAppReadsJsonFiles) {
  const machine::Machine m = machine::make_machine("cpu-1");
  EXPECT_EQ(load_app(kSmallPath, m), load_app_json(base(), kSmallPath));
  try {
    load_app("/nonexistent/dir/a.json", m);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/dir/a.json: cannot read: No such file or directory");
  }
}

TEST(AppJson, NameDefaultsToTheFileStem) {
  json j = json::parse(base());
  j.erase("name");
  EXPECT_EQ(load_app_json(j.dump(), "dir/heat.json").name, "heat");
}

TEST(AppJson, LaunchIds) {
  // Ids renumber launches; parents and steps follow.
  json j = json::parse(base());
  stencil(j)["id"] = 2;
  increment(j)["id"] = 0;
  j["program"][1]["id"] = 1;
  App a = load_app_json(j.dump(), "a.json");
  EXPECT_EQ(a.tasks[a.launches[2].task].name, "stencil");
  EXPECT_EQ(a.tasks[a.launches[0].task].name, "increment");
  EXPECT_EQ(a.program[0], loop_step("t", 10, {launch_step(2), launch_step(0)}));
  EXPECT_EQ(dump_app_json(a).find("\"id\": 2"), dump_app_json(a).find("\"id\""));
  expect_round_trip(a);
}

TEST(AppJson, LargeFileLoads) {
  // A region of 50000 one-element atoms, cut into 1000 pieces (about 600 kB of JSON).
  App a;
  a.name = "large";
  Region r;
  r.name = "cells";
  r.extents = {50000};
  r.atoms.assign(50000, 1);
  r.fields = {{"x", 8}};
  a.regions = {r};
  Partition p;
  p.name = "blocks";
  p.colors = {1000};
  for (std::uint32_t k = 0; k < 1000; ++k) {
    p.pieces.emplace_back();
    for (std::uint32_t m = 0; m < 50; ++m)
      p.pieces.back().push_back(k * 50 + m);
  }
  a.partitions = {p};
  Task t;
  t.name = "work";
  t.variants = {ProcKind::CPU};
  t.args = {{"", "blocks", "cells", Privilege::ReadWrite}};
  a.tasks = {t};
  Launch l;
  l.index = true;
  l.domain = {1000};
  l.point_vars = {"i"};
  l.reqs = {Requirement{"cells", "blocks", {dim({{"i", 1}})}, Privilege::ReadWrite, {}, 1, {}}};
  a.launches = {l};
  a.program = {launch_step(0)};
  expect_round_trip(a);
}

// ---------------------------------------------------------------------------------------------
// Malformed files: one test per class, with the exact message.

TEST(AppJsonErrors, NotJson) {
  EXPECT_EQ(error_of("{\n  \"format\": 1,\n  \"tasks\": []\n  \"program\": []\n}"),
            "a.json:4:11: not valid JSON: syntax error while parsing object - unexpected string "
            "literal; expected '}'");
  EXPECT_EQ(error_of(""),
            "a.json:1:1: not valid JSON: syntax error while parsing value - unexpected end of "
            "input; expected '[', '{', or a literal");
}

TEST(AppJsonErrors, NumberTooLarge) {
  EXPECT_EQ(error_of("{\"format\": 1,\n \"x\": 1e400}"),
            "a.json:2:7: not valid JSON: number overflow parsing '1e400'");
}

TEST(AppJsonErrors, NestedTooDeep) {
  std::string deep = "{\"format\": 1, \"x\": \"[[[[\",\n" + std::string(70, '[');
  EXPECT_EQ(error_of(deep), "a.json:2:64: not an application file: nested deeper than 64 levels");
}

TEST(AppJsonErrors, NotAnObject) {
  EXPECT_EQ(error_of("[1, 2]"), "a.json: $: must be an object (got an array)");
}

TEST(AppJsonErrors, Format) {
  EXPECT_EQ(error_after([](json& j) { j.erase("format"); }),
            "a.json: $: missing required key \"format\" (this version reads \"format\": 1)");
  EXPECT_EQ(error_after([](json& j) { j["format"] = 2; }),
            "a.json: $.format: unsupported format 2 (this version reads 1)");
}

TEST(AppJsonErrors, WrongTypes) {
  EXPECT_EQ(error_after([](json& j) { j["regions"][0]["extents"] = "1024"; }),
            "a.json: $.regions[0].extents: must be an array (got \"1024\")");
  EXPECT_EQ(error_after([](json& j) { j["regions"][0]["extents"][0] = 1.5; }),
            "a.json: $.regions[0].extents[0]: must be an integer (got 1.5)");
  EXPECT_EQ(error_after([](json& j) { j["tasks"][1]["variants"][0]["efficiency"] = "high"; }),
            "a.json: $.tasks[1].variants[0].efficiency: must be a number (got \"high\")");
  EXPECT_EQ(error_after([](json& j) { j["partitions"][1]["disjoint"] = "no"; }),
            "a.json: $.partitions[1].disjoint: must be true or false (got \"no\")");
  EXPECT_EQ(error_after([](json& j) { j["program"] = json::object(); }),
            "a.json: $.program: must be an array (got an object)");
  EXPECT_EQ(error_after([](json& j) { j["program"][1] = 5; }),
            "a.json: $.program[1]: must be an object (got 5)");
  EXPECT_EQ(error_after([](json& j) { stencil(j)["point_vars"][0] = 1; }),
            "a.json: $.program[0].body[0].point_vars[0]: must be a string (got 1)");
  EXPECT_EQ(error_after([](json& j) { j["regions"][0]["fields"][0]["bytes"] = 0; }),
            "a.json: $.regions[0].fields[0].bytes: must be a positive integer (got 0)");
  EXPECT_EQ(error_after([](json& j) { j["partitions"][0]["pieces"][1][0] = -2; }),
            "a.json: $.partitions[0].pieces[1][0]: must be a non-negative integer (got -2)");
  EXPECT_EQ(error_after([](json& j) { j["params"]["cells"] = "many"; }),
            "a.json: $.params.cells: must be an integer (got \"many\")");
  EXPECT_EQ(error_after([](json& j) { j["params"] = json::array(); }),
            "a.json: $.params: must be an object (got an array)");
}

TEST(AppJsonErrors, UnknownKeys) {
  EXPECT_EQ(error_after([](json& j) { j["regions"][0]["extent"] = j["regions"][0]["extents"]; }),
            "a.json: $.regions[0].extent: unknown key (did you mean \"extents\"?); keys here: "
            "name, extents, fields, atoms");
  EXPECT_EQ(
      error_after([](json& j) { stencil(j)["req"] = json::array(); }),
      "a.json: $.program[0].body[0].req: unknown key (did you mean \"reqs\"?); keys here: "
      "id, task, domain, point_vars, flops, wait, futures, same_address_space, reqs, args, body");
  EXPECT_EQ(error_after([](json& j) { j["program"][0]["cout"] = 1; }),
            "a.json: $.program[0].cout: unknown key (did you mean \"count\"?); keys here: loop, "
            "count, timed, body");
  EXPECT_EQ(error_after([](json& j) { j["partition"] = json::array(); }),
            "a.json: $.partition: unknown key (did you mean \"partitions\"?); keys here: format, "
            "name, params, regions, partitions, tasks, top, program");
  EXPECT_EQ(error_after([](json& j) { stencil(j)["reqs"][0]["touchd"] = 1; }),
            "a.json: $.program[0].body[0].reqs[0].touchd: unknown key (did you mean "
            "\"touched\"?); keys here: region, partition, projection, privilege, fields, touched, "
            "access");
  EXPECT_EQ(error_after([](json& j) { j["tasks"][0]["variants"][0]["cost"] = 1; }),
            "a.json: $.tasks[0].variants[0].cost: unknown key; keys here: kind, efficiency, "
            "inner, needs_c_order, needs_soa");
  EXPECT_EQ(error_after([](json& j) { j["regions"][0]["my field"] = 1; }),
            "a.json: $.regions[0][\"my field\"]: unknown key; keys here: name, extents, fields, "
            "atoms");
}

TEST(AppJsonErrors, MissingKeys) {
  EXPECT_EQ(error_after([](json& j) { j.erase("tasks"); }),
            "a.json: $: missing required key \"tasks\"");
  EXPECT_EQ(error_after([](json& j) { j["partitions"][0].erase("pieces"); }),
            "a.json: $.partitions[0]: missing required key \"pieces\"");
  EXPECT_EQ(error_after([](json& j) { j["program"][0].erase("body"); }),
            "a.json: $.program[0]: missing required key \"body\"");
  EXPECT_EQ(error_after([](json& j) { increment(j)["reqs"][0].erase("privilege"); }),
            "a.json: $.program[0].body[1].reqs[0]: missing required key \"privilege\"");
  EXPECT_EQ(error_after([](json& j) { j["program"][1].erase("task"); }),
            "a.json: $.program[1]: a step is a launch (an object with \"task\") or a loop (an "
            "object with \"loop\")");
}

TEST(AppJsonErrors, UnknownNames) {
  EXPECT_EQ(error_after([](json& j) { stencil(j)["task"] = "stencl"; }),
            "a.json: $.program[0].body[0].task: unknown task \"stencl\" (did you mean "
            "\"stencil\"?); tasks: main, stencil, increment, check");
  EXPECT_EQ(error_after([](json& j) { j["top"] = "mains"; }),
            "a.json: $.top: unknown task \"mains\" (did you mean \"main\"?); tasks: main, stencil, "
            "increment, check");
  EXPECT_EQ(error_after([](json& j) { j["partitions"][1]["region"] = "grd"; }),
            "a.json: $.partitions[1].region: unknown region \"grd\" (did you mean \"grid\"?); "
            "regions: grid");
  EXPECT_EQ(error_after([](json& j) { increment(j)["reqs"][0]["region"] = "Grid"; }),
            "a.json: $.program[0].body[1].reqs[0].region: unknown region \"Grid\" (did you mean "
            "\"grid\"?); regions: grid");
  EXPECT_EQ(error_after([](json& j) { increment(j)["reqs"][0]["partition"] = "block"; }),
            "a.json: $.program[0].body[1].reqs[0].partition: unknown partition \"block\" (did you "
            "mean \"blocks\"?); partitions of \"grid\": blocks, halo");
  EXPECT_EQ(error_after([](json& j) { stencil(j)["reqs"][1]["fields"][0] = "V"; }),
            "a.json: $.program[0].body[0].reqs[1].fields[0]: region \"grid\" has no field \"V\" "
            "(did you mean \"v\"?); its fields: u, v");
  EXPECT_EQ(error_after([](json& j) { stencil(j)["reqs"][0]["projection"][0] = "I + 1"; }),
            "a.json: $.program[0].body[0].reqs[0].projection[0]: unknown variable \"I\" (did "
            "you mean \"i\"?); in scope here: t, i");
  EXPECT_EQ(error_after([](json& j) { j["tasks"][1]["variants"][1]["kind"] = "GPUS"; }),
            "a.json: $.tasks[1].variants[1].kind: unknown processor kind \"GPUS\" (did you mean "
            "\"GPU\"?); expected one of: CPU, GPU, OMP, IO, PY, PROC");
  EXPECT_EQ(error_after([](json& j) { increment(j)["reqs"][0]["privilege"] = "readwrite"; }),
            "a.json: $.program[0].body[1].reqs[0].privilege: unknown privilege \"readwrite\" "
            "(did you mean \"read-write\"?); expected one of: read, write, read-write, reduce");
}

TEST(AppJsonErrors, ProjectionSyntax) {
  auto error_with = [](const std::string& p) {
    return error_after([&](json& j) { stencil(j)["reqs"][0]["projection"][0] = p; });
  };
  const std::string at = "a.json: $.program[0].body[0].reqs[0].projection[0]: ";
  EXPECT_EQ(error_with("i +"), at + "expected a variable or an integer at the end in \"i +\" (a "
                                    "projection is an affine expression such as \"2*i - j + 1\")");
  EXPECT_EQ(error_with("i * 2"), at + "expected '+' or '-' at \"* 2\" in \"i * 2\"");
  EXPECT_EQ(error_with("2*"), at + "expected a variable after '*' at the end in \"2*\"");
  EXPECT_EQ(error_with("(i)"),
            at + "expected a variable or an integer at \"(i)\" in \"(i)\" (a projection is an "
                 "affine expression such as \"2*i - j + 1\")");
  EXPECT_EQ(error_with("i + 99999999999"),
            at + "a number in the projection \"i + 99999999999\" is larger than 1000000000");
}

TEST(AppJsonErrors, Regions) {
  EXPECT_EQ(error_after([](json& j) { j["regions"][0]["atoms"][3] = 250; }),
            "a.json: $.regions[0].atoms: the atoms hold 1020 elements but the region has 1024 "
            "(the product of its extents)");
  EXPECT_EQ(error_after([](json& j) { j["regions"][0]["atoms"][0] = 0; }),
            "a.json: $.regions[0].atoms[0]: must be a positive integer (got 0)");
  EXPECT_EQ(error_after([](json& j) { j["regions"][0]["extents"] = {0}; }),
            "a.json: $.regions[0].extents[0]: must be a positive integer (got 0)");
  EXPECT_EQ(error_after([](json& j) { j["regions"][0]["extents"] = json::array(); }),
            "a.json: $.regions[0].extents: must list at least one extent");
  EXPECT_EQ(error_after([](json& j) { j["regions"][0]["fields"][1]["name"] = "u"; }),
            "a.json: $.regions[0].fields[1].name: field \"u\" is already defined at "
            "$.regions[0].fields[0]");
  EXPECT_EQ(error_after([](json& j) { j["regions"].push_back(j["regions"][0]); }),
            "a.json: $.regions[1].name: region \"grid\" is already defined at $.regions[0]");
  EXPECT_EQ(error_after([](json& j) { j["regions"][0]["name"] = ""; }),
            "a.json: $.regions[0].name: must not be empty");
}

TEST(AppJsonErrors, Partitions) {
  EXPECT_EQ(error_after([](json& j) { j["partitions"][0]["colors"] = {5}; }),
            "a.json: $.partitions[0].pieces: lists 4 pieces but the colors make 5 (their "
            "product)");
  EXPECT_EQ(error_after([](json& j) { j["partitions"][0]["pieces"][3][1] = 10; }),
            "a.json: $.partitions[0].pieces[3][1]: atom 10 does not exist (region \"grid\" has 10 "
            "atoms, numbered from 0)");
  EXPECT_EQ(error_after([](json& j) { j["partitions"][0]["pieces"][1][0] = 1; }),
            "a.json: $.partitions[0].pieces[1][0]: atom 1 is also in piece 0, but the partition "
            "is disjoint (write \"disjoint\": false if its pieces overlap)");
  EXPECT_EQ(error_after([](json& j) { j["partitions"][1]["pieces"][1][1] = 1; }),
            "a.json: $.partitions[1].pieces[1][1]: atom 1 is listed twice in this piece");
  EXPECT_EQ(error_after([](json& j) { j["partitions"][1]["name"] = "blocks"; }),
            "a.json: $.partitions[1].name: partition \"blocks\" is already defined at "
            "$.partitions[0]");
  EXPECT_EQ(error_after([](json& j) {
              j["partitions"][0]["colors"] = {2, 0};
            }),
            "a.json: $.partitions[0].colors[1]: must be a positive integer (got 0)");
}

TEST(AppJsonErrors, Tasks) {
  EXPECT_EQ(error_after([](json& j) { j["tasks"][2]["name"] = "stencil"; }),
            "a.json: $.tasks[2].name: task \"stencil\" is already defined at $.tasks[1]");
  EXPECT_EQ(error_after([](json& j) { j["tasks"][1]["variants"][1]["kind"] = "CPU"; }),
            "a.json: $.tasks[1].variants[1].kind: a CPU variant is already given at "
            "$.tasks[1].variants[0]");
  EXPECT_EQ(error_after([](json& j) { j["tasks"][1]["variants"] = json::array(); }),
            "a.json: $.tasks[1].variants: a task needs at least one variant");
  EXPECT_EQ(error_after([](json& j) { j["tasks"][1]["variants"][0]["efficiency"] = 1.5; }),
            "a.json: $.tasks[1].variants[0].efficiency: must be greater than 0 and at most 1 "
            "(got 1.5)");
  EXPECT_EQ(error_after([](json& j) { j["tasks"][1]["variants"][0]["efficiency"] = 0; }),
            "a.json: $.tasks[1].variants[0].efficiency: must be greater than 0 and at most 1 "
            "(got 0)");
  EXPECT_EQ(error_after([](json& j) { j["tasks"][3]["variants"][0]["kind"] = "UTIL"; }),
            "a.json: $.tasks[3].variants[0].kind: UTIL processors run Legion's runtime, not "
            "tasks; a variant is for CPU, GPU, OMP, IO, PY, PROC");
  EXPECT_EQ(error_after([](json& j) { j["tasks"][0]["variants"][0]["needs_soa"] = true; }),
            "a.json: $.tasks[0].variants[0].inner: an inner variant touches no data, so it "
            "cannot need a layout");
  EXPECT_EQ(error_after([](json& j) { j["top"] = "stencil"; }),
            "(no error)");  // stencil has a CPU variant
  EXPECT_EQ(error_after([](json& j) { j["tasks"][0]["variants"][0]["kind"] = "GPU"; }),
            "a.json: $.top: the top-level task runs on a CPU, but \"main\" has no CPU variant");
}

TEST(AppJsonErrors, Launches) {
  EXPECT_EQ(error_after([](json& j) { stencil(j)["domain"] = {0}; }),
            "a.json: $.program[0].body[0].domain[0]: must be a positive integer (got 0)");
  EXPECT_EQ(error_after([](json& j) { stencil(j)["domain"] = json::array(); }),
            "a.json: $.program[0].body[0].domain: an index launch needs at least one dimension");
  EXPECT_EQ(error_after([](json& j) {
              stencil(j)["point_vars"] = {"i", "j"};
            }),
            "a.json: $.program[0].body[0].point_vars: names 2 variables but the domain has 1 "
            "dimension (name one per dimension, or none)");
  EXPECT_EQ(error_after([](json& j) { stencil(j)["point_vars"] = {"t"}; }),
            "a.json: $.program[0].body[0].point_vars[0]: variable \"t\" is already in scope (from "
            "$.program[0].loop)");
  EXPECT_EQ(error_after([](json& j) { stencil(j)["point_vars"] = {"2i"}; }),
            "a.json: $.program[0].body[0].point_vars[0]: \"2i\" is not a variable name (letters, "
            "digits and _, not starting with a digit)");
  EXPECT_EQ(error_after([](json& j) { stencil(j)["flops"] = -1; }),
            "a.json: $.program[0].body[0].flops: must be a non-negative number (got -1)");
  EXPECT_EQ(error_after([](json& j) {
              j["tasks"][2]["args"] = {{{"privilege", "read-write"}}, {{"privilege", "read"}}};
            }),
            "a.json: $.program[0].body[1].reqs: task \"increment\" has 2 region arguments but "
            "this launch gives 1 requirement");
  EXPECT_EQ(error_after([](json& j) { stencil(j)["body"] = {j["program"][1]}; }),
            "a.json: $.program[0].body[0].body: task \"stencil\" launches subtasks here, so it "
            "needs an inner variant (\"inner\": true)");
}

TEST(AppJsonErrors, Loops) {
  EXPECT_EQ(error_after([](json& j) { j["program"][0]["count"] = 0; }),
            "a.json: $.program[0].count: must be between 1 and 1000000000 (got 0)");
  EXPECT_EQ(error_after([](json& j) { j["program"][0]["loop"] = "for t"; }),
            "a.json: $.program[0].loop: \"for t\" is not a variable name (letters, digits and _, "
            "not starting with a digit)");
  EXPECT_EQ(error_after([](json& j) {
              j["program"][0]["body"] = {{{"loop", "t"}, {"count", 2}, {"body", json::array()}}};
            }),
            "a.json: $.program[0].body[0].loop: variable \"t\" is already in scope (from "
            "$.program[0].loop)");
}

TEST(AppJsonErrors, Requirements) {
  EXPECT_EQ(error_after([](json& j) {
              stencil(j)["reqs"][0]["projection"] = {"i", "0"};
            }),
            "a.json: $.program[0].body[0].reqs[0].projection: has 2 dimensions but partition "
            "\"halo\" has 1 dimension (one per dimension of its colors)");
  EXPECT_EQ(error_after([](json& j) { j["program"][1]["reqs"][0]["projection"] = {"0"}; }),
            "a.json: $.program[1].reqs[0].projection: a requirement on the whole region has no "
            "projection (name a partition to project onto its pieces)");
  EXPECT_EQ(error_after([](json& j) { j["program"][1]["reqs"][0]["projection"] = {"t"}; }),
            "a.json: $.program[1].reqs[0].projection: a requirement on the whole region has no "
            "projection (name a partition to project onto its pieces)");
  EXPECT_EQ(error_after([](json& j) {
              j["program"][1]["reqs"][0]["partition"] = "blocks";
              j["program"][1]["reqs"][0]["projection"] = {"i"};
            }),
            "a.json: $.program[1].reqs[0].projection[0]: unknown variable \"i\"; no variables are "
            "in scope here");
  EXPECT_EQ(error_after([](json& j) {
              stencil(j)["reqs"][0]["fields"] = {"u", "u"};
            }),
            "a.json: $.program[0].body[0].reqs[0].fields[1]: field \"u\" is listed twice");
  EXPECT_EQ(error_after([](json& j) { stencil(j)["reqs"][0]["touched"] = 2; }),
            "a.json: $.program[0].body[0].reqs[0].touched: must be between 0 and 1 (got 2)");
  EXPECT_EQ(error_after([](json& j) {
              j["regions"].push_back({{"name", "other"}, {"extents", {4}}});
              j["partitions"][1]["region"] = "other";
              j["partitions"][1]["pieces"] = {{0}, {0}, {0}, {0}};
            }),
            "a.json: $.program[0].body[0].reqs[0].partition: partition \"halo\" is a partition of "
            "region \"other\", not \"grid\"");
}

TEST(AppJsonErrors, Privileges) {
  // A task's launches agree on the privilege of each argument.
  EXPECT_EQ(error_after([](json& j) {
              j["program"][1] = stencil(j);
              j["program"][1]["reqs"][0]["privilege"] = "read-write";
              j["program"][1]["reqs"][0]["partition"] = "blocks";
              j["program"][1].erase("domain");
              j["program"][1].erase("point_vars");
              j["program"][1]["reqs"][0]["projection"] = {"0"};
              j["program"][1]["reqs"][1]["projection"] = {"0"};
              j["tasks"].erase(3);
            }),
            "a.json: $.program[1].reqs[0].privilege: \"read-write\" differs from argument 0 of "
            "task \"stencil\" (\"read\"); give this launch its own \"args\" when its privileges "
            "differ from the task's");
  EXPECT_EQ(error_after([](json& j) { stencil(j)["reqs"][1]["partition"] = "halo"; }),
            "a.json: $.program[0].body[0].reqs[1].privilege: the points of an index launch cannot "
            "write partition \"halo\": its pieces overlap; write a disjoint partition, or use "
            "\"reduce\"");
  EXPECT_EQ(error_after([](json& j) {
              stencil(j)["reqs"][1].erase("partition");
              stencil(j)["reqs"][1].erase("projection");
            }),
            "a.json: $.program[0].body[0].reqs[1].privilege: the 4 points of this index launch "
            "would all write region \"grid\"; write pieces of a disjoint partition, or use "
            "\"read\" or \"reduce\"");
  EXPECT_EQ(error_after([](json& j) { stencil(j)["reqs"][1]["projection"] = {"2*i + t"}; }),
            "a.json: $.program[0].body[0].reqs[1].projection: points (0) and (2) of this index "
            "launch would both write piece (0) of \"blocks\"; a projection for writing must send "
            "each point to its own piece");
  EXPECT_EQ(error_after([](json& j) { stencil(j)["domain"] = {5}; }),
            "a.json: $.program[0].body[0].reqs[1].projection: points (0) and (4) of this index "
            "launch would both write piece (0) of \"blocks\"; a projection for writing must send "
            "each point to its own piece");
  // Reductions commute: any piece, any partition; a shifted projection is still one-to-one.
  EXPECT_EQ(error_after([](json& j) {
              stencil(j)["reqs"][1]["privilege"] = "reduce";
              stencil(j)["reqs"][1]["partition"] = "halo";
              increment(j)["reqs"][0]["projection"] = {"-i + t + 1"};
            }),
            "(no error)");
}

TEST(AppJsonErrors, LaunchIds) {
  EXPECT_EQ(error_after([](json& j) { increment(j)["id"] = 0; }),
            "a.json: $.program[0].body[0]: missing \"id\": when one launch has an id, all do "
            "($.program[0].body[1] has one)");
  EXPECT_EQ(error_after([](json& j) {
              stencil(j)["id"] = 0;
              increment(j)["id"] = 0;
              j["program"][1]["id"] = 1;
            }),
            "a.json: $.program[0].body[1].id: 0 is also the id of the launch at "
            "$.program[0].body[0]");
  EXPECT_EQ(error_after([](json& j) {
              stencil(j)["id"] = 0;
              increment(j)["id"] = 3;
              j["program"][1]["id"] = 1;
            }),
            "a.json: $.program[0].body[1].id: must be less than the number of launches, 3 (got "
            "3)");
  EXPECT_EQ(error_after([](json& j) {
              j["tasks"][3]["variants"][0]["inner"] = true;
              j["program"][1]["body"] = {{{"task", "stencil"}}};
              j["program"][1]["body"][0]["reqs"] = stencil(j)["reqs"];
              j["program"][1]["body"][0]["reqs"][0]["projection"] = {"0"};
              j["program"][1]["body"][0]["reqs"][1]["projection"] = {"0"};
              j["program"][1]["id"] = 3;
              j["program"][1]["body"][0]["id"] = 0;
              stencil(j)["id"] = 1;
              increment(j)["id"] = 2;
            }),
            "a.json: $.program[1].body[0].id: launch 0 is in the body of launch 3, so its id must "
            "be greater than 3");
}

TEST(AppJsonErrors, SizeLimits) {
  EXPECT_EQ(error_after([](json& j) {
              j["regions"][0]["extents"] = {1e10, 1e10};
            }),
            "a.json: $.regions[0].extents: the region's volume (the product of its extents) "
            "overflows a 64-bit integer");
  EXPECT_EQ(error_after([](json& j) { j["regions"][0]["extents"] = {1e19}; }),
            "a.json: $.regions[0].extents[0]: must be an integer (got 1e+19)");
  EXPECT_EQ(error_after([](json& j) {
              stencil(j)["domain"] = {10000, 10000};
            }),
            "a.json: $.program[0].body[0].domain: too many points: at most 10000000 per launch");
  EXPECT_EQ(error_after([](json& j) { j["program"][0]["count"] = 1e10; }),
            "a.json: $.program[0].count: must be between 1 and 1000000000 (got 10000000000)");
  EXPECT_EQ(error_after([](json& j) {
              j["regions"][0]["extents"] = json::array({1, 1, 1, 1, 1, 1, 1, 1, 1, 1024});
            }),
            "a.json: $.regions[0].extents: at most 9 dimensions (got 10)");
  EXPECT_EQ(error_after([](json& j) { j["regions"][0]["fields"][0]["bytes"] = 1e10; }),
            "a.json: $.regions[0].fields[0].bytes: must be at most 4294967295 (got "
            "10000000000.0)");
}

TEST(AppJsonErrors, LargeFileIsRejectedQuickly) {
  // 512 kB of atoms whose sum is wrong; the limits keep a 50 MB file from doing worse than
  // parsing takes (seconds: too slow for a unit test).
  json j = json::parse(base());
  std::string text = j.dump();
  const std::string atoms = "\"atoms\":[";
  const auto at = text.find(atoms) + atoms.size();
  std::string big;
  big.reserve(1u << 20);
  big.append(text, 0, at);
  while (big.size() < (512u << 10))
    big += "1,";
  big.append(text, at, std::string::npos);
  EXPECT_EQ(error_of(big),
            "a.json: $.regions[0].atoms: the atoms hold more than the region's 1024 elements (the "
            "product of its extents)");
}

// ---------------------------------------------------------------------------------------------
// check() on applications built in memory: what a file cannot express.

TEST(AppCheck, SingleLaunchAppsAreValid) {
  EXPECT_EQ(problem(single_launch_app("t", {3, 3})), "(ok)");
  EXPECT_EQ(problem(single_launch_app("t", {})), "(ok)");
  EXPECT_EQ(problem(nested_app()), "(ok)");
}

TEST(AppCheck, ProgramTree) {
  App a = nested_app();
  a.program.pop_back();
  EXPECT_EQ(problem(a),
            "$.program: launch 2 (\"gemm\") is not in the program; every launch appears once, in "
            "the program or in the body of its parent");
  a = nested_app();
  a.program.push_back(launch_step(1));
  EXPECT_EQ(problem(a),
            "$.program[2]: launch 1 appears twice in the program (also at "
            "$.program[0].body[0].body[0])");
  a = nested_app();
  a.launches[1].parent.reset();
  EXPECT_EQ(problem(a),
            "$.program[0].body[0].body[0]: launch 1 has no parent but appears in the "
            "body of launch 0");
  a = nested_app();
  a.program.push_back(launch_step(2));
  EXPECT_EQ(problem(a),
            "$.program[2]: launch 2 appears twice in the program (also at "
            "$.program[1].body[0])");
  a = nested_app();
  a.program.push_back(launch_step(7));
  EXPECT_EQ(problem(a), "$.program[2]: launch 7 does not exist (the app has 3 launches)");
  a = nested_app();
  a.launches[2].parent = 0;
  EXPECT_EQ(problem(a), "$.program[1].body[0]: launch 2 has parent 0 but appears at the top level");
  a = nested_app();
  a.program[0].body = {launch_step(2)};
  EXPECT_EQ(problem(a),
            "$.program[0]: a launch step has no variable, count or body of its own "
            "(a launch's steps belong in Launch::body)");
  a = nested_app();
  a.program[1].launch = 1;
  EXPECT_EQ(problem(a), "$.program[1]: a loop step refers to no launch (its launch must be 0)");
  a = nested_app();
  std::swap(a.launches[0], a.launches[1]);  // the child before its parent
  a.launches[0].parent = 1;
  a.launches[1].parent.reset();
  a.launches[1].body = {loop_step("k", 3, {launch_step(0)})};
  a.program[0] = launch_step(1);
  EXPECT_EQ(problem(a),
            "$.program[0].body[0].body[0].id: launch 0 is in the body of launch 1, so "
            "its id must be greater than 1");
}

TEST(AppCheck, IndicesOutOfRange) {
  App a = nested_app();
  a.partitions[1].region = 4;
  EXPECT_EQ(problem(a), "$.partitions[1].region: region 4 does not exist (the app has 2 regions)");
  a = nested_app();
  a.launches[2].task = 9;
  EXPECT_EQ(problem(a), "$.program[1].body[0].task: task 9 does not exist (the app has 3 tasks)");
  a = nested_app();
  a.top = 3;
  EXPECT_EQ(problem(a), "$.top: task 3 does not exist (the app has 3 tasks)");
}

TEST(AppCheck, LaunchKinds) {
  App a = nested_app();
  a.launches[0].index = false;
  EXPECT_EQ(problem(a), "$.program[0].domain: a single launch has no domain");
  a = nested_app();
  a.launches[0].domain.clear();
  a.launches[0].point_vars.clear();
  EXPECT_EQ(problem(a), "$.program[0].domain: an index launch needs at least one dimension");
}

TEST(AppCheck, Values) {
  App a = nested_app();
  a.tasks[2].variants[0].efficiency = std::nan("");
  EXPECT_EQ(problem(a),
            "$.tasks[2].variants[0].efficiency: must be greater than 0 and at most 1 "
            "(got nan)");
  a = nested_app();
  a.launches[1].flops = INFINITY;
  EXPECT_EQ(problem(a),
            "$.program[0].body[0].body[0].flops: must be a non-negative number (got "
            "inf)");
  a = nested_app();
  a.regions[0].fields[1].bytes = 0;
  EXPECT_EQ(problem(a), "$.regions[0].fields[1].bytes: must be a positive integer (got 0)");
  a = nested_app();
  a.params.emplace_back("zeta", 4);
  EXPECT_EQ(problem(a), "$.params.zeta: parameter \"zeta\" is given twice");
  a = nested_app();
  a.params.emplace_back("", 4);
  EXPECT_EQ(problem(a), "$.params[\"\"]: a parameter name must not be empty");
  a = nested_app();
  a.launches[1].reqs[0].projection[0].terms[0].coef = 2'000'000'000;
  EXPECT_EQ(problem(a),
            "$.program[0].body[0].body[0].reqs[0].projection[0]: the coefficient of "
            "\"x\" must be between -1000000000 and 1000000000 (got 2000000000)");
  a = nested_app();
  a.launches[1].reqs[1].projection[0].offset = -2'000'000'000;
  EXPECT_EQ(problem(a),
            "$.program[0].body[0].body[0].reqs[1].projection[0]: the offset must be "
            "between -1000000000 and 1000000000 (got -2000000000)");
  a = nested_app();
  a.tasks[0].name.clear();
  EXPECT_EQ(problem(a), "$.tasks[0].name: must not be empty");
}

TEST(AppCheck, TooManyAtoms) {
  App a;
  Region r;
  r.name = "huge";
  r.extents = {10'000'001};
  r.atoms.assign(10'000'001, 1);
  a.regions = {r};
  EXPECT_EQ(problem(a),
            "$.regions[0].atoms: too many atoms: at most 10000000 in all regions "
            "together (this region brings the count to 10000001)");
}

}  // namespace
}  // namespace mapsmith::app
