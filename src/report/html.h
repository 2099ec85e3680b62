#pragma once
/// Renders a prepared report as one HTML page: inline CSS, SVG and a small script (zoom, filter;
/// the page reads without it but for the timeline's axis). Writes to a stream; the caller picks
/// the file. Every number is printed with fixed precision, so the same data gives the same bytes.
#include <iosfwd>

#include "app/app.h"
#include "machine/machine.h"
#include "report/report.h"

namespace mapsmith::report {

void write_html(std::ostream& out, const ReportData& report, const app::App& app,
                const machine::Machine& machine);

}  // namespace mapsmith::report
