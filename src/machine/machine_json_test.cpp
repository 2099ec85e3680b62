#include "machine/machine_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "machine/presets.h"
#include "util/error.h"
#include "util/strings.h"

namespace mapsmith::machine {
namespace {

using json = nlohmann::json;

const std::string kSmallPath = MAPSMITH_SOURCE_DIR "/examples/machines/small.json";

// The base every malformed-input test edits; the same machine as examples/machines/small.json.
const char* const kBase = R"({
  "format": 1,
  "name": "small",
  "nodes": 2,
  "node": {
    "sockets": 1,
    "processors": [
      {"kind": "CPU", "count": 8, "flops": 3.2e10},
      {"kind": "GPU", "count": 2, "flops": 1.0e12},
      {"kind": "UTIL", "count": 1, "flops": 3.2e10}
    ],
    "memories": [
      {"kind": "SYSMEM", "capacity": 68719476736},
      {"kind": "FBMEM", "capacity": 25769803776},
      {"kind": "ZCMEM", "capacity": 8589934592}
    ],
    "affinities": [
      {"proc": "CPU", "mem": "SYSMEM", "bandwidth": 5.0e10, "latency": 1e-7},
      {"proc": "CPU", "mem": "ZCMEM", "bandwidth": 5.0e10, "latency": 1e-7},
      {"proc": "UTIL", "mem": "SYSMEM", "bandwidth": 5.0e10, "latency": 1e-7},
      {"proc": "GPU", "mem": "FBMEM", "bandwidth": 9.0e11, "latency": 5e-7},
      {"proc": "GPU", "mem": "ZCMEM", "bandwidth": 2.5e10, "latency": 1e-6}
    ],
    "links": [
      {"kind": "PCIE", "bandwidth": 2.5e10, "latency": 1e-6},
      {"kind": "MEMBUS", "bandwidth": 5.0e10, "latency": 1e-7},
      {"kind": "NIC", "count": 1, "bandwidth": 2.5e10, "latency": 1e-6}
    ]
  }
})";

std::string error_of(std::string_view text) {
  try {
    load_machine_json(text, "m.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// The error after `edit` changes the base.
template <typename Edit>
std::string error_after(Edit edit) {
  json j = json::parse(kBase);
  edit(j);
  return error_of(j.dump());
}

TEST(MachineJson, BaseLoads) {
  Machine m = load_machine_json(kBase, "m.json");
  EXPECT_EQ(m.name(), "small");
  EXPECT_EQ(m.nodes(), 2u);
  EXPECT_EQ(m.processors().size(), 22u);
}

TEST(MachineJson, ExampleFileLoads) {
  Machine m = load_machine(kSmallPath);
  EXPECT_EQ(m.name(), "small");
  EXPECT_EQ(m.nodes(), 2u);
  EXPECT_EQ(m.count(ProcKind::GPU, 1), 2u);
  EXPECT_EQ(m.spec().node.processors[0].model, "desktop CPU core");
  EXPECT_EQ(m.memory(m.best_memory(m.proc(ProcKind::CPU, 0, 0))).kind, MemKind::SYSMEM);
  // The example and the test base describe the same machine, models aside.
  MachineSpec a = m.spec(), b = load_machine_json(kBase, "m.json").spec();
  a.node.processors[0].model.clear();
  a.node.processors[1].model.clear();
  EXPECT_EQ(a, b);
}

TEST(MachineJson, DocumentedExampleIsTheExampleFile) {
  std::string doc = read_file(MAPSMITH_SOURCE_DIR "/docs/machine-format.md");
  const std::string open = "```json\n";
  auto start = doc.find(open);
  ASSERT_NE(start, std::string::npos);
  start += open.size();
  auto end = doc.find("```", start);
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(doc.substr(start, end - start), read_file(kSmallPath));
}

TEST(MachineJson, RoundTripsEveryPreset) {
  for (const char* spec : {"sapling", "sapling-2:ranks=4", "dgx-h100-2", "dgx-h100-1:ranks=8",
                           "cpu-3", "cpu-1:ranks=5,omp=0"}) {
    SCOPED_TRACE(spec);
    Machine m = make_machine(spec);
    std::string text = dump_machine_json(m);
    Machine back = load_machine_json(text, "dump.json");
    EXPECT_EQ(back, m);
    EXPECT_EQ(dump_machine_json(back), text);
    EXPECT_EQ(back.summary(), m.summary());
  }
  Machine small = load_machine(kSmallPath);
  EXPECT_EQ(load_machine_json(dump_machine_json(small), "x.json"), small);
}

TEST(MachineJson, DumpIsPrettyAndOrdered) {
  std::string text = dump_machine_json(load_machine_json(kBase, "m.json"));
  const std::string head =
      "{\n  \"format\": 1,\n  \"name\": \"small\",\n  \"nodes\": 2,\n  \"ranks_per_node\": 1,\n"
      "  \"node\": {\n    \"sockets\": 1,\n    \"processors\": [\n";
  EXPECT_EQ(text.substr(0, head.size()), head);
  EXPECT_EQ(text.back(), '\n');
}

TEST(MachineJson, NameDefaultsToTheFileStem) {
  json j = json::parse(kBase);
  j.erase("name");
  EXPECT_EQ(load_machine_json(j.dump(), "dir/cluster.json").name(), "cluster");
}

TEST(MachineJson, RanksPerNode) {
  json j = json::parse(kBase);
  j["ranks_per_node"] = 2;
  j["node"]["processors"][2]["count"] = 2;  // one UTIL per rank
  Machine m = load_machine_json(j.dump(), "m.json");
  EXPECT_EQ(m.address_spaces(), 4u);
  EXPECT_EQ(m.count(ProcKind::CPU, 3), 4u);
  EXPECT_EQ(m.count(ProcKind::GPU, 3), 1u);
}

TEST(MachineJsonErrors, NotJson) {
  EXPECT_EQ(error_of("{\n  \"format\": 1,\n  \"nodes\": 2\n  \"node\": {}\n}"),
            "m.json:4:8: not valid JSON: syntax error while parsing object - unexpected string "
            "literal; expected '}'");
  EXPECT_EQ(error_of(""),
            "m.json:1:1: not valid JSON: syntax error while parsing value - unexpected end of "
            "input; expected '[', '{', or a literal");
}

TEST(MachineJsonErrors, NestedTooDeep) {
  std::string deep = "{\"format\": 1, \"x\": \"[[[[[[[[[[[[[[[[[[\",\n" + std::string(20, '[');
  EXPECT_EQ(error_of(deep), "m.json:2:16: not a machine file: nested deeper than 16 levels");
}

TEST(MachineJsonErrors, NotAnObject) {
  EXPECT_EQ(error_of("[1, 2]"), "m.json: $: must be an object (got an array)");
}

TEST(MachineJsonErrors, Format) {
  EXPECT_EQ(error_after([](json& j) { j.erase("format"); }),
            "m.json: $: missing required key \"format\" (this version reads \"format\": 1)");
  EXPECT_EQ(error_after([](json& j) { j["format"] = 2; }),
            "m.json: $.format: unsupported format 2 (this version reads 1)");
  EXPECT_EQ(error_after([](json& j) { j["format"] = "1"; }),
            "m.json: $.format: unsupported format \"1\" (this version reads 1)");
}

TEST(MachineJsonErrors, WrongTypes) {
  EXPECT_EQ(error_after([](json& j) { j["nodes"] = "2"; }),
            "m.json: $.nodes: must be a positive integer (got \"2\")");
  EXPECT_EQ(error_after([](json& j) { j["node"]["processors"] = json::object(); }),
            "m.json: $.node.processors: must be an array (got an object)");
  EXPECT_EQ(error_after([](json& j) { j["node"]["processors"][0]["count"] = 1.5; }),
            "m.json: $.node.processors[0].count: must be a positive integer (got 1.5)");
  EXPECT_EQ(error_after([](json& j) { j["node"]["links"][0]["latency"] = true; }),
            "m.json: $.node.links[0].latency: must be a non-negative number (got true)");
  EXPECT_EQ(error_after([](json& j) { j["node"]["processors"][1]["model"] = 7; }),
            "m.json: $.node.processors[1].model: must be a string (got 7)");
  EXPECT_EQ(error_after([](json& j) { j["node"]["affinities"][0] = json::array(); }),
            "m.json: $.node.affinities[0]: must be an object (got an array)");
}

TEST(MachineJsonErrors, UnknownKinds) {
  EXPECT_EQ(error_after([](json& j) { j["node"]["processors"][1]["kind"] = "GPUS"; }),
            "m.json: $.node.processors[1].kind: unknown processor kind \"GPUS\" (did you mean "
            "\"GPU\"?); expected one of: CPU, GPU, OMP, IO, PY, PROC, UTIL");
  EXPECT_EQ(error_after([](json& j) { j["node"]["affinities"][4]["mem"] = "ZCMEN"; }),
            "m.json: $.node.affinities[4].mem: unknown memory kind \"ZCMEN\" (did you mean "
            "\"ZCMEM\"?); expected one of: SYSMEM, FBMEM, ZCMEM, RDMEM, SOCKMEM, VIRTUAL");
  EXPECT_EQ(error_after([](json& j) { j["node"]["links"][0]["kind"] = "PCIe"; }),
            "m.json: $.node.links[0].kind: unknown link kind \"PCIe\" (did you mean \"PCIE\"?); "
            "expected one of: SOCKET_BUS, PCIE, NVLINK, NIC, MEMBUS");
  EXPECT_EQ(error_after([](json& j) { j["node"]["affinities"][0]["socket"] = "locl"; }),
            "m.json: $.node.affinities[0].socket: unknown socket rule \"locl\" (did you mean "
            "\"local\"?); expected one of: any, local, remote");
}

TEST(MachineJsonErrors, UnknownKeys) {
  EXPECT_EQ(error_after([](json& j) { j["node"]["links"][0]["bandwith"] = 1; }),
            "m.json: $.node.links[0].bandwith: unknown key (did you mean \"bandwidth\"?); keys "
            "here: kind, count, bandwidth, latency, io_bandwidth, io_bandwidth_to_host");
  EXPECT_EQ(error_after([](json& j) { j["node"]["sokets"] = 2; }),
            "m.json: $.node.sokets: unknown key (did you mean \"sockets\"?); keys here: sockets, "
            "dram_bandwidth, gpu_peers, processors, memories, affinities, links");
  EXPECT_EQ(error_after([](json& j) { j["color"] = "red"; }),
            "m.json: $.color: unknown key; keys here: format, name, nodes, ranks_per_node, node");
}

TEST(MachineJsonErrors, MissingFields) {
  EXPECT_EQ(error_after([](json& j) { j["node"]["memories"][2].erase("capacity"); }),
            "m.json: $.node.memories[2]: missing required key \"capacity\"");
  EXPECT_EQ(error_after([](json& j) { j.erase("node"); }),
            "m.json: $: missing required key \"node\"");
  EXPECT_EQ(error_after([](json& j) { j["node"].erase("links"); }),
            "m.json: $.node: missing required key \"links\"");
}

TEST(MachineJsonErrors, NonPositiveSizes) {
  EXPECT_EQ(error_after([](json& j) { j["node"]["memories"][2]["capacity"] = -5; }),
            "m.json: $.node.memories[2].capacity: must be a positive integer (got -5)");
  EXPECT_EQ(error_after([](json& j) { j["node"]["processors"][0]["count"] = 0; }),
            "m.json: $.node.processors[0].count: must be a positive integer (got 0)");
  EXPECT_EQ(error_after([](json& j) { j["node"]["links"][0]["bandwidth"] = 0; }),
            "m.json: $.node.links[0].bandwidth: must be a positive number (got 0)");
  EXPECT_EQ(
      error_after([](json& j) { j["node"]["affinities"][3]["bandwidth"] = -1e9; }),
      "m.json: $.node.affinities[3].bandwidth: must be a positive number (got -1000000000.0)");
  EXPECT_EQ(error_after([](json& j) { j["node"]["processors"][1]["flops"] = 0.0; }),
            "m.json: $.node.processors[1].flops: must be a positive number (got 0.0)");
  EXPECT_EQ(error_after([](json& j) { j["node"]["links"][1]["latency"] = -1e-9; }),
            "m.json: $.node.links[1].latency: must be a non-negative number (got -1e-09)");
}

TEST(MachineJsonErrors, ReferencesToMissingMemories) {
  EXPECT_EQ(error_after([](json& j) { j["node"]["affinities"][1]["mem"] = "RDMEM"; }),
            "m.json: $.node.affinities[1].mem: the node has no RDMEM (its memories: SYSMEM, "
            "FBMEM, ZCMEM)");
  EXPECT_EQ(error_after([](json& j) { j["node"]["affinities"][1]["proc"] = "OMP"; }),
            "m.json: $.node.affinities[1].proc: the node has no OMP processors");
  EXPECT_EQ(
      error_after([](json& j) {
        j["node"]["links"].push_back({{"kind", "SOCKET_BUS"}, {"bandwidth", 1e10}, {"latency", 0}});
      }),
      "m.json: $.node.links[3].kind: a SOCKET_BUS link joins the SOCKMEMs of two sockets, "
      "but the node has no SOCKMEM");
  EXPECT_EQ(error_after([](json& j) {
              j["node"]["memories"].erase(1);
              j["node"]["affinities"].erase(3);
            }),
            "m.json: $.node.links[0].kind: a PCIE link joins each GPU's FBMEM to the node, but "
            "the node has no FBMEM");
  EXPECT_EQ(error_after([](json& j) { j["node"]["affinities"][0]["mem"] = "FBMEM"; }),
            "m.json: $.node.affinities[0].mem: only a GPU reaches FBMEM (its own)");
}

TEST(MachineJsonErrors, Semantics) {
  EXPECT_EQ(error_after([](json& j) { j["ranks_per_node"] = 3; }),
            "m.json: $.node.processors[0].count: 8 CPU processors per node do not split evenly "
            "over 3 ranks per node");
  EXPECT_EQ(error_after([](json& j) { j["node"]["processors"][2]["kind"] = "GPU"; }),
            "m.json: $.node.processors[2].kind: GPU is listed twice (first at "
            "$.node.processors[1])");
  EXPECT_EQ(error_after([](json& j) { j["node"]["memories"][0]["kind"] = "VIRTUAL"; }),
            "m.json: $.node.memories[0].kind: VIRTUAL is not a physical memory; leave it out");
  EXPECT_EQ(error_after([](json& j) { j["node"]["links"].erase(2); }),
            "m.json: $.node.links: a NIC link is required: copies between nodes cross it");
  EXPECT_EQ(error_after([](json& j) { j["node"]["links"][1]["count"] = 2; }),
            "m.json: $.node.links[1].count: only NIC links have a count");
}

TEST(MachineJsonErrors, SizeLimits) {
  EXPECT_EQ(error_after([](json& j) { j["nodes"] = 100000; }),
            "m.json: $.nodes: must be between 1 and 65536 (got 100000)");
  EXPECT_EQ(error_after([](json& j) { j["nodes"] = 1e12; }),
            "m.json: $.nodes: must be at most 4294967295 (got 1000000000000.0)");
  EXPECT_EQ(error_after([](json& j) { j["node"]["processors"][0]["count"] = 1000000; }),
            "m.json: $.node.processors[0].count: at most 16384 CPU processors per node are "
            "supported (got 1000000)");
  EXPECT_EQ(error_after([](json& j) {
              j["nodes"] = 65536;
              j["node"]["processors"][0]["count"] = 100;
            }),
            "m.json: $.nodes: 65536 nodes of 103 processors are too many (at most 4194304 "
            "processors in all)");
}

TEST(MachineJsonErrors, LargeFileIsRejectedQuickly) {
  // 4 MB of the same affinity repeated (a 50 MB file takes ~1.3 s in a release build, too slow
  // for a unit test under sanitizers); the first repeat is the error, found without quadratic
  // work.
  json j = json::parse(kBase);
  json& affs = j["node"]["affinities"];
  const json one = affs[0];
  std::string text = j.dump();
  std::string entry = "," + one.dump();
  std::string big;
  const auto at = text.find("]", text.find("\"affinities\""));
  big.reserve(5u << 20);
  big.append(text, 0, at);
  while (big.size() < (4u << 20))
    big += entry;
  big.append(text, at, std::string::npos);
  EXPECT_EQ(error_of(big),
            "m.json: $.node.affinities[5]: CPU → SYSMEM is already given by "
            "$.node.affinities[0]");
}

TEST(MachineJsonErrors, MissingFile) {
  try {
    load_machine("/nonexistent/dir/m.json");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/dir/m.json: cannot read: No such file or directory");
  }
  EXPECT_EQ(load_machine("sapling-2").nodes(), 2u);
}

TEST(MachineJsonErrors, NumberOutOfRange) {
  try {
    load_machine_json("{\"format\": 1e400}", "m.json");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "m.json: not valid JSON: number overflow parsing '1e400'");
  }
}

}  // namespace
}  // namespace mapsmith::machine

namespace mapsmith::machine {
namespace {

// ---- issue 15 item 12: a denormal rate made every time infinite and printed as "?" ----

TEST(MachineJson, Item12ARateBelowOnePerSecondIsRefused) {
  EXPECT_EQ(error_after([](json& j) { j["node"]["affinities"][0]["bandwidth"] = 1e-310; }),
            "m.json: $.node.affinities[0].bandwidth: must be at least 1 per second (got 1e-310)");
  EXPECT_EQ(error_after([](json& j) { j["node"]["links"][1]["bandwidth"] = 0.5; }),
            "m.json: $.node.links[1].bandwidth: must be at least 1 per second (got 0.5)");
  EXPECT_EQ(error_after([](json& j) { j["node"]["processors"][0]["flops"] = 1e-300; }),
            "m.json: $.node.processors[0].flops: must be at least 1 per second (got 1e-300)");
  EXPECT_EQ(error_after([](json& j) { j["node"]["links"][1]["bandwidth"] = 1; }), "(no error)");
}

}  // namespace
}  // namespace mapsmith::machine
