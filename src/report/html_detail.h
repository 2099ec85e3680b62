#pragma once
/// What the two halves of the HTML writer share (html.cpp: the page, the timeline, where the
/// time goes; html_sections.cpp: placement, what changed, the search, the topology).
#include <fmt/format.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "app/app.h"
#include "machine/machine.h"
#include "report/report.h"

namespace mapsmith::report::html {

/// Text for HTML content and attribute values.
std::string esc(std::string_view s);

/// A fixed-point number ("-0.00" printed as "0.00").
std::string num(double v, int decimals);

/// "1.23 ms" (sim::time_text, 3 digits).
std::string dur(double seconds);

/// Colours: a task's (categorical), a processor's (hue spread over the processors of its kind,
/// lightness alternating by node), a memory's (hue by kind, lightness by instance).
std::string task_colour(app::TaskId t);
std::string proc_colour(const machine::Machine& m, machine::ProcId p);
std::string mem_colour(const machine::Machine& m, machine::MemId mem);

/// "(3,1)" or "" for a single launch.
std::string point_text(const std::vector<std::int64_t>& p);

/// The time per iteration of the timed region, or of the whole run.
struct PerIteration {
  double divisor = 1;
  std::string unit;  ///< "per iteration" or "whole run"
};
PerIteration per_iteration(const MapperView& v);

void placement_section(std::ostream& out, const ReportData& r, const app::App& a,
                       const machine::Machine& m);
void changes_section(std::ostream& out, const ReportData& r, const app::App& a);
void search_section(std::ostream& out, const ReportData& r);
void topology_section(std::ostream& out, const machine::Machine& m);

}  // namespace mapsmith::report::html
