#include "sim/trace.h"

#include <fmt/format.h>

#include <ostream>

namespace mapsmith::sim {

namespace {

/// A JSON string literal.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        else
          out += c;
    }
  }
  return out + "\"";
}

std::string point_text(const std::vector<std::int64_t>& p) {
  std::string out = "(";
  for (std::size_t i = 0; i < p.size(); ++i)
    out += fmt::format("{}{}", i ? "," : "", p[i]);
  return out + ")";
}

double us(double s) {
  return s * 1e6;
}

}  // namespace

TraceWriter::TraceWriter(std::ostream& out, const app::App& app, const machine::Machine& machine,
                         const mapping::Mapping& mapping)
    : out_(out), app_(app), m_(machine), mapping_(mapping) {
  used_rows_.assign(machine.processors().size() + machine.channels().size(), false);
  used_nodes_.assign(machine.nodes(), false);
  out_ << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[";
}

void TraceWriter::begin_event() {
  out_ << (first_ ? "\n" : ",\n");
  first_ = false;
}

void TraceWriter::on_task(const TaskEvent& e) {
  const machine::Processor& p = m_.processor(e.proc);
  used_rows_[e.proc.index] = true;
  used_nodes_[p.node] = true;
  begin_event();
  const mapping::LaunchDecision& d = mapping_.launches[e.decision];
  out_ << fmt::format(
      "{{\"name\":{},\"cat\":\"{}\",\"ph\":\"X\",\"pid\":{},\"tid\":{},\"ts\":{},\"dur\":{},"
      "\"args\":{{\"point\":\"{}\",\"instance\":{},\"ready_us\":{},\"overhead_us\":{}}}}}",
      quoted(app_.tasks[e.task].name), e.inner ? "inner" : "task", p.node, e.proc.index,
      us(e.start), us(e.end - e.start), point_text(d.points[e.point].point), e.instance,
      us(e.ready), us(e.overhead));
}

void TraceWriter::on_copy(const CopyEvent& e) {
  const app::Task& t = app_.tasks[e.task];
  const auto& args = app_.launches[mapping_.launches[e.decision].launch].effective_args(t);
  const std::string name =
      fmt::format("{} {}", e.reduction ? "fold" : "copy",
                  e.arg < args.size() ? args[e.arg].display_name() : std::string());
  const std::size_t procs = m_.processors().size();
  for (machine::ChannelId h : e.route) {
    const std::uint32_t node = m_.channel(h).node;
    used_rows_[procs + h.index] = true;
    used_nodes_[node] = true;
    begin_event();
    out_ << fmt::format(
        "{{\"name\":{},\"cat\":\"{}\",\"ph\":\"X\",\"pid\":{},\"tid\":{},\"ts\":{},\"dur\":{},"
        "\"args\":{{\"task\":{},\"arg\":{},\"bytes\":{},\"src\":\"{}\",\"dst\":\"{}\","
        "\"end_us\":{}}}}}",
        quoted(name), e.reduction ? "reduction" : "copy", node, procs + h.index, us(e.start),
        us(e.link_time), quoted(t.name), e.arg, e.bytes, m_.name_of(e.src), m_.name_of(e.dst),
        us(e.end));
  }
}

void TraceWriter::on_finish(const Outcome&) {
  const std::size_t procs = m_.processors().size();
  for (std::uint32_t n = 0; n < used_nodes_.size(); ++n) {
    if (!used_nodes_[n]) continue;
    begin_event();
    out_ << fmt::format(
        "{{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":{},\"args\":{{\"name\":\"node{}\"}}}}", n,
        n);
  }
  for (std::size_t r = 0; r < used_rows_.size(); ++r) {
    if (!used_rows_[r]) continue;
    const bool proc = r < procs;
    const std::uint32_t node =
        proc ? m_.processors()[r].node
             : m_.channel(machine::ChannelId{static_cast<std::uint32_t>(r - procs)}).node;
    const std::string name =
        proc ? m_.name_of(machine::ProcId{static_cast<std::uint32_t>(r)})
             : m_.name_of(machine::ChannelId{static_cast<std::uint32_t>(r - procs)});
    begin_event();
    out_ << fmt::format(
        "{{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":{},\"tid\":{},\"args\":{{\"name\":{}}}}}",
        node, r, quoted(name));
    begin_event();
    out_ << fmt::format(
        "{{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":{},\"tid\":{},\"args\":{{"
        "\"sort_index\":{}}}}}",
        node, r, r);
  }
  out_ << "\n]}\n";
}

}  // namespace mapsmith::sim
