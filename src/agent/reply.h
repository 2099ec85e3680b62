#pragma once
/// Reading a model's reply as a mapper. The reply is only ever parsed as a mapping program: never
/// run, never taken as a path or a command.
#include <optional>
#include <string>

namespace mapsmith::agent {

struct ParsedReply {
  /// The program the reply proposes (it may still fail to parse or check); nothing when the reply
  /// holds no program at all.
  std::optional<std::string> mapper;
  /// What the model said it changed: the JSON's "explanation", or the prose around the code
  /// block, on one line and cut to 300 bytes; may be empty.
  std::string explanation;
  /// Why there is no mapper ("the reply is empty"); empty when there is one.
  std::string problem;
};

/// The mapper in a reply, looked for in this order:
/// 1. a JSON object {"explanation": "...", "blocks": {"processors": "...", ...}} (the structured
///    reply, see program.h's Block keys; also inside a ```json block), its blocks assembled in
///    the fixed order; a JSON reply without a valid "blocks" object has no mapper;
/// 2. the first fenced code block tagged `mapping` (or untagged, or tagged otherwise but json);
/// 3. the whole text, when it parses as a program of at least one statement.
/// `finish_reason` "length" (the reply was cut off) is mentioned when that explains a problem.
ParsedReply parse_reply(const std::string& content, const std::string& finish_reason = "");

}  // namespace mapsmith::agent
