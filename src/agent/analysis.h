#pragma once
/// What the agent's feedback is made of, beyond the simulator's sentences: the per-task times and
/// the critical path of the timed region (the structured lines the simulator evaluator writes,
/// search/sim_evaluator.cpp), what a mapper decides for each task (to tell, decision by decision,
/// what changed against the best mapper so far), and time texts with the digits that tell two
/// times apart.
#include <optional>
#include <string>
#include <vector>

#include "app/app.h"
#include "machine/machine.h"

namespace mapsmith::agent {

/// One task of the timed region, per iteration (seconds).
struct TaskRow {
  std::string task;
  double points = 0;    ///< task instances per iteration
  double busy = 0;      ///< per point, on its processor
  double queued = 0;    ///< per point, ready but waiting for its processor
  double critical = 0;  ///< its bodies on the critical path
};

/// One part of the timed region's critical path, per iteration: a task's bodies ("task"), the
/// copies into one of its arguments ("copy"), or its waits for a busy processor or channel.
struct CriticalPart {
  std::string kind;  ///< "task", "copy", "wait"
  std::string task;
  std::string arg;  ///< "copy": the argument's name
  double seconds = 0;
  std::string label() const;  ///< "task_4", "copies into task_4 B_compute", "waits of task_4"
};

/// The simulator's feedback, read: its sentences (tagged "kind: text" or untagged), per-task
/// times and critical path. Feedback from another evaluator has only sentences.
struct RunFacts {
  std::vector<std::pair<std::string, std::string>> sentences;
  std::vector<TaskRow> tasks;
  std::vector<CriticalPart> critical;  ///< largest first
  const TaskRow* task(const std::string& name) const;
  double critical_of(const std::string& label) const;  ///< 0 when absent
};
RunFacts read_facts(const std::string& feedback);

/// What a mapper decides for one task, in words, per decision ("kind", "placement", "memory
/// rp_shared", ...), and the facts the suggestions check.
struct TaskDecisions {
  std::string task;
  std::vector<std::pair<std::string, std::string>> decisions;  ///< (decision, value), in order
  ProcKind kind = ProcKind::CPU;
  std::size_t points = 0;              ///< points of its index launches (one launch's worth)
  std::size_t procs_used = 0;          ///< distinct processors those points run on
  std::size_t procs_available = 0;     ///< processors of its kind on the machine
  std::vector<std::string> host_args;  ///< a GPU task's arguments in host memory (zero-copy)
};
/// Per task that is launched, in task order; nothing when `text` does not decide.
std::optional<std::vector<TaskDecisions>> decisions_of(const app::App& app,
                                                       const machine::Machine& machine,
                                                       const std::string& text);

/// One decision that differs: "Region distribute_charge rp_shared: FBMEM -> ZCMEM".
struct DecisionChange {
  std::string task;
  std::string text;
};
std::vector<DecisionChange> decision_changes(const std::vector<TaskDecisions>& candidate,
                                             const std::vector<TaskDecisions>& best);

/// `a` in the agent's units, with as many significant digits (4 to 9) as it takes for `a` and
/// `b` to read differently when they differ by more than the tie tolerance.
std::string time_against(double a, double b);

}  // namespace mapsmith::agent
