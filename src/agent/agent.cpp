#include "agent/agent.h"

#include <fmt/format.h>

#include "agent/program.h"
#include "agent/prompt.h"
#include "agent/reply.h"

namespace mapsmith::agent {

namespace {

/// The first error, on one line: "line 3: unknown task 'foo' in the application circuit".
std::string first_error(const std::vector<dsl::Diagnostic>& ds) {
  for (const dsl::Diagnostic& d : ds)
    if (d.severity == dsl::Severity::Error)
      return d.line ? fmt::format("line {}: {}", d.line, d.message) : d.message;
  return {};
}

std::string rendered_errors(const std::vector<dsl::Diagnostic>& ds) {
  std::string out;
  for (const dsl::Diagnostic& d : ds)
    if (d.severity == dsl::Severity::Error) out += dsl::render(d);
  return out;
}

}  // namespace

std::string_view status_name(StepResult::Status s) {
  switch (s) {
    case StepResult::Status::Ok:
      return "ok";
    case StepResult::Status::NoMapper:
      return "no-mapper";
    case StepResult::Status::DoesNotCheck:
      return "does-not-check";
    case StepResult::Status::Error:
      return "error";
  }
  return "error";
}

Agent::Agent(llm::ChatClient& client, const app::App& app, const machine::Machine& machine,
             AgentOptions options)
    : client_(client), app_(app), machine_(machine), options_(options) {}

StepResult Agent::step(const std::string& prompt) {
  StepResult r;
  llm::ChatRequest request;
  request.temperature = options_.temperature;
  request.seed = options_.seed;
  request.max_reply_tokens = options_.max_reply_tokens;
  request.schema_name = "mapper";
  request.messages.push_back({"system", system_prompt()});
  // The reply's format is decided once per step (a client may learn during the step that its
  // endpoint has no structured output; the repair rounds then keep asking for the same format).
  const bool structured = options_.structured && client_.supports_json_schema();
  request.messages.push_back({"user", prompt + "\n" + format_instructions(structured)});
  if (structured) request.json_schema = reply_schema();
  for (;;) {
    llm::ChatReply reply;
    try {
      ++r.calls;
      reply = client_.complete(request);
    } catch (const llm::ChatError& e) {
      if (e.fatal()) throw;
      r.status = StepResult::Status::Error;
      r.detail = e.what();
      return r;
    }
    r.usage.prompt_tokens += reply.usage.prompt_tokens;
    r.usage.completion_tokens += reply.usage.completion_tokens;
    if (!reply.model.empty()) r.model = reply.model;
    ParsedReply parsed = parse_reply(reply.content, reply.finish_reason);
    if (!parsed.explanation.empty()) r.explanation = parsed.explanation;
    if (!parsed.mapper) {
      r.status = StepResult::Status::NoMapper;
      r.detail = parsed.problem;
      return r;
    }
    const std::vector<dsl::Diagnostic> diags = check_mapper(*parsed.mapper, app_, machine_);
    const std::string error = first_error(diags);
    r.mapper = *parsed.mapper;
    if (error.empty()) {
      r.status = StepResult::Status::Ok;
      return r;
    }
    r.detail = error;
    r.diagnostics = rendered_errors(diags);
    if (r.repairs >= options_.repair_rounds) {
      r.status = StepResult::Status::DoesNotCheck;
      return r;
    }
    ++r.repairs;
    request.messages.push_back({"assistant", reply.content});
    request.messages.push_back({"user", repair_prompt(diags)});
  }
}

}  // namespace mapsmith::agent
