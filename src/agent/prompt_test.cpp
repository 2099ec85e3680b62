#include "agent/prompt.h"

#include <gtest/gtest.h>

#include "agent/reference.h"
#include "app/generators.h"
#include "machine/machine_json.h"
#include "search/test_util.h"
#include "util/strings.h"

namespace mapsmith::agent {
namespace {

/// The marked parts of docs/language.md, extracted the way CMake does it.
std::string marked_parts(const std::string& doc) {
  std::string out;
  for (std::size_t at = 0;;) {
    std::size_t b = doc.find("<!-- llm-reference:begin", at);
    if (b == std::string::npos) return out;
    b = doc.find("-->\n", b) + 4;
    const std::size_t e = doc.find("<!-- llm-reference:end -->", b);
    out += doc.substr(b, e - b) + "\n";
    at = e;
  }
}

TEST(Prompt, TheLanguageReferenceIsTheMarkedPartOfTheLanguagePage) {
  const std::string doc = read_file(std::string(MAPSMITH_SOURCE_DIR) + "/docs/language.md");
  EXPECT_EQ(language_reference(), marked_parts(doc));
  const std::string_view ref = language_reference();
  EXPECT_TRUE(ref.starts_with("Keywords: `Task Region Layout"));
  for (const char* part :
       {"## 2. Statements", "### IndexTaskMap and SingleTaskMap", "## 3. Expressions",
        "## 4. Machine-space transformations", "## 5. Which statement decides"})
    EXPECT_NE(ref.find(part), std::string_view::npos) << part;
  EXPECT_EQ(ref.find("## 6. Diagnostics"), std::string_view::npos);
  EXPECT_EQ(ref.find("llm-reference"), std::string_view::npos);
  EXPECT_NE(system_prompt().find(std::string("# The mapping language\n\n") + std::string(ref)),
            std::string::npos);
}

TEST(Prompt, SummarisesTheApplication) {
  EXPECT_EQ(app_summary(search::test::tiny_app()),
            "Application tiny.\n"
            "Regions (extents × bytes per element):\n"
            "- grid (400,) × 8 B = 3.12 KiB; partitions: blocks (4 pieces)\n"
            "Tasks, by the processor kinds they have variants for (inner: launches subtasks, "
            "touches no data):\n"
            "- CPU: main (inner), report\n"
            "- CPU, GPU: work\n"
            "Launches in program order (region arguments: index, name[the piece a point uses], "
            "privilege, size per point; set-up outside loops in brief):\n"
            "- loop t × 3 (THE TIMED REGION: iterations 1 to 2 count; what runs before or after "
            "does not count):\n"
            "  - work: index launch over (4,) points (i), 1 MFLOP per point; arguments: 0 "
            "blocks[i] of grid read-write 800 B\n"
            "- report: single launch; arguments: 0 grid read\n");
}

TEST(Prompt, SaysWhichPiecesHoldTheSameDataAndWhatIsTimed) {
  const machine::Machine m = machine::load_machine("sapling");
  const std::string s = app_summary(app::load_app("cosma", m));
  for (const std::string& part : std::vector<std::string>{
           "- loop i × 11 (THE TIMED REGION: iterations 1 to 10 count, and in each only step 4 "
           "(task_4) on; task_1, task_2, task_3 before it are waited for and not timed; what "
           "runs before or after does not count):\n",
           "1 B_compute[in, jn, kn] of B read 381 MiB",
           "- B_compute pieces, against B_place: (0, 0, 0) = (0, 0, 0); (0, 1, 0) = (0, 0, 0); "
           "(0, 0, 1) = (0, 0, 1); (0, 1, 1) = (0, 0, 1)\n"})
    EXPECT_NE(s.find(part), std::string::npos) << part << "\n---\n" << s;
}

TEST(Prompt, SummarisesTheMachineWithItsTopologyAndMachineSpaces) {
  const std::string s = machine_summary(machine::load_machine("sapling"));
  EXPECT_NE(s.find("\nTopology of each node: socket 0 has GPU 0,1, CPU 0-9; socket 1 has GPU 2,3, "
                   "CPU 10-19 (processors numbered within the node; Machine(K)[a, i] is "
                   "processor i of address space a, 1 address space per node). GPUs on the same "
                   "socket copy to one another directly over PCIe (12 GB/s); GPUs on different "
                   "sockets copy through host memory, across the socket bus, which leaves PCIe "
                   "traffic 2.5 GB/s out of a GPU and 3.8 GB/s into one.\n"),
            std::string::npos)
      << s;
  EXPECT_TRUE(
      s.ends_with("\nMachine spaces: Machine(CPU) has size (1, 20), Machine(GPU) has "
                  "size (1, 4), Machine(OMP) has size (1, 2).\n"))
      << s;
}

PromptInput circuit_input(const app::App& a, const machine::Machine& m) {
  PromptInput in;
  in.app = &a;
  in.machine = &m;
  in.current = "Task * GPU,CPU;\nRegion * rp_shared GPU ZCMEM;\n";
  in.current_label = "#1, the expert mapper";
  in.current_feedback = {"11.10 ms per iteration (the best so far)",
                         "The critical path of 114 ms is 99% compute.\n",
                         "Compute dominates the critical path."};
  in.expert_s = 0.0111;
  in.default_s = 0.01033;
  in.default_failure = "test failure";
  for (std::size_t i = 0; i < 3; ++i)
    in.history.push_back(HistoryEntry{
        3 + i, "LLM step " + std::to_string(i + 1),
        "Task * GPU;\nInstanceLimit update_voltages " + std::to_string(i + 1) + ";\n",
        Feedback{"fails: line 2: out of memory", "m.mapping:2:1: error: out of memory\n",
                 "Put that region argument in a larger memory."}});
  in.history.push_back(HistoryEntry{
      0, "LLM step 4", std::nullopt,
      Feedback{"no mapper: the reply is empty", "Nothing was evaluated.", "Reply with a mapper."}});
  return in;
}

TEST(Prompt, TheUserPromptHoldsEveryPart) {
  const machine::Machine m = machine::load_machine("sapling");
  const app::App a = app::load_app("circuit", m);
  const PromptInput in = circuit_input(a, m);
  const std::string p = user_prompt(in);
  EXPECT_EQ(p, user_prompt(in));  // a function of its inputs
  EXPECT_TRUE(p.starts_with("# Application\n\nApplication circuit (l=10, "));
  for (const std::string& part : std::vector<std::string>{
           // the tasks, their variants, launches with domains, sizes and privileges
           "- GPU, CPU: calculate_new_currents, distribute_charge, update_voltages\n",
           "- CPU: toplevel (inner), ",
           "- loop j × 70 (THE TIMED REGION: iterations 30 to 39 count; what runs before or "
           "after does not count):\n  - calculate_new_currents: index launch over (4,) points "
           "(i), ",
           "arguments: 0 rp_private[i] of all_nodes read ",
           "- all_wires (200000,) × 106 B = 20.2 MiB; partitions: rp_wires (4 pieces)\n",
           "2 rp_ghost[i] of all_nodes reduce ",
           // the machine
           "# Machine\n\nsapling: 1 node. Each node: 2 sockets; 20 CPU ",
           "Machine spaces: Machine(CPU) has size (1, 20), Machine(GPU) has size (1, 4), "
           "Machine(OMP) has size (1, 2).\n",
           // the current mapper and its feedback, the references
           "# Best mapper so far\n\n#1, the expert mapper:\n```mapping\nTask * GPU,CPU;\nRegion "
           "* rp_shared GPU ZCMEM;\n```\nOutcome: 11.10 ms per iteration (the best so far)\n"
           "Explanation:\nThe critical path of 114 ms is 99% compute.\nSuggestion: Compute "
           "dominates the critical path.\n",
           "References: the expert mapper takes 11.1 ms per iteration; Legion's default policy "
           "(an empty mapper) takes 10.33 ms per iteration.\n",
           "Legion's default policy (an empty mapper) fails: test failure\n",
           // the history, three parts each
           "# History\n\nThe candidates so far, oldest first, each with its outcome, an "
           "explanation and a suggestion.\n",
           "\n## #3, LLM step 1\n\n```mapping\nTask * GPU;\nInstanceLimit update_voltages 1;\n"
           "```\nOutcome: fails: line 2: out of memory\nExplanation:\nm.mapping:2:1: error: out "
           "of memory\nSuggestion: Put that region argument in a larger memory.\n",
           "\n## LLM step 4\n\nOutcome: no mapper: the reply is empty\nExplanation:\nNothing was "
           "evaluated.\nSuggestion: Reply with a mapper.\n",
           "# Task\n\nPropose one new mapper for circuit on sapling that takes less time per "
           "iteration than the best so far."})
    EXPECT_NE(p.find(part), std::string::npos) << part << "\n---\n" << p;
}

TEST(Prompt, TheHistoryIsBounded) {
  const machine::Machine m = search::test::tiny_machine();
  const app::App a = search::test::tiny_app();
  PromptInput in = circuit_input(a, m);
  in.history.clear();
  for (std::size_t i = 0; i < 40; ++i)
    in.history.push_back(HistoryEntry{i + 3, "LLM step " + std::to_string(i + 1), "Task * CPU;\n",
                                      Feedback{"t" + std::to_string(i), "e", "s"}});
  in.shown = 2;
  const std::string p = user_prompt(in);
  EXPECT_NE(p.find("(18 earlier entries left out.)\n- #21, LLM step 19: t18\n"), std::string::npos)
      << p;
  EXPECT_NE(p.find("- #40, LLM step 38: t37\n\n## #41, LLM step 39\n"), std::string::npos);
  EXPECT_NE(p.find("\n## #42, LLM step 40\n"), std::string::npos);
  EXPECT_EQ(p.find("LLM step 18:"), std::string::npos);
}

TEST(Prompt, FormatSchemaAndRepair) {
  EXPECT_EQ(reply_schema(),
            R"({"type":"object","properties":{"explanation":{"type":"string"},"blocks":{"type":)"
            R"("object","properties":{"processors":{"type":"string"},"regions":{"type":"string"},)"
            R"("layouts":{"type":"string"},"instance_limits":{"type":"string"},"functions":{"type")"
            R"(:"string"},"index_task_maps":{"type":"string"},"single_task_maps":{"type":"string"})"
            R"(},"required":["processors","regions","layouts","instance_limits","functions","index)"
            R"(_task_maps","single_task_maps"],"additionalProperties":false}},"required":["explana)"
            R"(tion","blocks"],"additionalProperties":false})");
  EXPECT_NE(format_instructions(true).find("- instance_limits: InstanceLimit and CollectMemory "
                                           "statements\n"),
            std::string::npos);
  EXPECT_NE(format_instructions(false).find("```mapping"), std::string::npos);
  std::vector<dsl::Diagnostic> ds(12);
  for (std::size_t i = 0; i < ds.size(); ++i) {
    ds[i].file = "candidate.mapping";
    ds[i].message = "problem " + std::to_string(i);
  }
  ds[0].severity = dsl::Severity::Warning;  // warnings are not sent back
  const std::string r = repair_prompt(ds);
  EXPECT_EQ(r.find("problem 0"), std::string::npos);
  EXPECT_NE(r.find("candidate.mapping: error: problem 10\n... and 1 more errors\n"),
            std::string::npos)
      << r;
}

}  // namespace
}  // namespace mapsmith::agent
