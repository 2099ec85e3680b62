#pragma once
/// The trace writer: an observer that writes the run in the Chrome trace event format (the JSON
/// object form, {"traceEvents": [...]}), which Perfetto (ui.perfetto.dev) and chrome://tracing
/// open. One process per node; one row (thread) per processor and per channel, processors
/// first. A task is a complete ("X") event on its processor's row; a copy is one on the row of
/// every channel its route holds, for as long as it holds it. Times are in microseconds.
///
/// Events are written as they arrive; on_finish names the rows and closes the JSON, so the
/// stream holds a complete file only after the simulation returns.
#include <iosfwd>
#include <string>
#include <vector>

#include "app/app.h"
#include "machine/machine.h"
#include "mapping/mapping.h"
#include "sim/observer.h"

namespace mapsmith::sim {

class TraceWriter : public Observer {
 public:
  TraceWriter(std::ostream& out, const app::App& app, const machine::Machine& machine,
              const mapping::Mapping& mapping);
  void on_task(const TaskEvent& e) override;
  void on_copy(const CopyEvent& e) override;
  void on_finish(const Outcome& outcome) override;

 private:
  void begin_event();
  std::ostream& out_;
  const app::App& app_;
  const machine::Machine& m_;
  const mapping::Mapping& mapping_;
  std::vector<bool> used_rows_;
  std::vector<bool> used_nodes_;
  bool first_ = true;
};

}  // namespace mapsmith::sim
