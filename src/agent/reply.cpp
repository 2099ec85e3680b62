#include "agent/reply.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "agent/program.h"

namespace mapsmith::agent {

namespace {

using nlohmann::json;

std::string trim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && blank(s.back()))
    s.remove_suffix(1);
  return std::string(s);
}

/// `s` on one line, at most `max` bytes (cut at a UTF-8 character boundary, "..." appended).
std::string one_line(std::string_view s, std::size_t max = 300) {
  std::string out;
  for (char c : s) {
    const char d = c == '\n' || c == '\r' || c == '\t' ? ' ' : c;
    if (d == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += d;
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  if (out.size() <= max) return out;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
    --cut;
  return out.substr(0, cut) + "...";
}

struct Fence {
  std::string info;  ///< the word after the opening ```, lower case
  std::string body;
  std::size_t begin = 0, end = 0;  ///< the whole fence's byte range in the reply
};

/// Every fenced code block; an unterminated one runs to the end of the text.
std::vector<Fence> fences(const std::string& text) {
  std::vector<Fence> out;
  std::size_t at = 0;
  Fence* open = nullptr;
  while (at < text.size()) {
    std::size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size();
    const std::string line = trim(std::string_view(text).substr(at, nl - at));
    if (line.starts_with("```")) {
      if (!open) {
        out.push_back(Fence{});
        open = &out.back();
        open->begin = at;
        for (char c : line.substr(3))
          open->info += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        open->info = trim(open->info);
      } else {
        open->end = std::min(nl + 1, text.size());
        open = nullptr;
      }
    } else if (open) {
      open->body.append(text, at, nl - at).append("\n");
    }
    at = nl + 1;
  }
  if (open) open->end = text.size();
  return out;
}

/// The mapper of a structured reply, or why there is none.
ParsedReply from_json(const json& j) {
  ParsedReply r;
  if (!j.is_object()) {
    r.problem = "the reply is JSON but not an object";
    return r;
  }
  if (auto e = j.find("explanation"); e != j.end() && e->is_string())
    r.explanation = one_line(e->get<std::string>());
  const auto b = j.find("blocks");
  if (b == j.end() || !b->is_object()) {
    r.problem = "the reply is JSON without a \"blocks\" object";
    return r;
  }
  Blocks blocks;
  std::string extra;  // blocks under keys we do not know: kept, after the others
  for (auto it = b->begin(); it != b->end(); ++it) {
    if (it->is_null()) continue;
    if (!it->is_string()) {
      r.problem = fmt::format("the reply's block \"{}\" is not a string", it.key());
      return r;
    }
    std::string text = it->get<std::string>();
    if (!text.empty() && text.back() != '\n') text += '\n';
    bool known = false;
    for (std::size_t k = 0; k < kBlocks; ++k)
      if (it.key() == block_key(static_cast<Block>(k))) {
        blocks[k] += text;
        known = true;
      }
    if (!known) extra += text;
  }
  r.mapper = assemble(blocks) + extra;
  return r;
}

}  // namespace

ParsedReply parse_reply(const std::string& content, const std::string& finish_reason) {
  const std::string cut =
      finish_reason == "length" ? " (the reply was cut off at its token limit)" : "";
  const std::string text = trim(content);
  ParsedReply r;
  if (text.empty()) {
    r.problem = "the reply is empty" + cut;
    return r;
  }
  if (text.front() == '{') {
    try {
      return from_json(json::parse(text));
    } catch (const json::parse_error& e) {
      r.problem = fmt::format("the reply is not valid JSON (byte {}){}", e.byte, cut);
      return r;
    }
  }
  const std::vector<Fence> fs = fences(text);
  const Fence* chosen = nullptr;
  for (const Fence& f : fs)
    if (!chosen && (f.info == "mapping" || f.info == "map")) chosen = &f;
  for (const Fence& f : fs)
    if (!chosen && f.info != "json") chosen = &f;
  if (!chosen) {
    for (const Fence& f : fs) {
      if (f.info != "json") continue;
      try {
        ParsedReply j = from_json(json::parse(f.body));
        if (j.explanation.empty()) j.explanation = one_line(text.substr(0, f.begin));
        return j;
      } catch (const json::parse_error& e) {
        r.problem =
            fmt::format("the reply's ```json block is not valid JSON (byte {}){}", e.byte, cut);
        return r;
      }
    }
  }
  if (chosen) {
    r.mapper = chosen->body;
    std::string prose;  // the text around the code blocks
    std::size_t at = 0;
    for (const Fence& f : fs) {
      prose += text.substr(at, f.begin - at) + " ";
      at = f.end;
    }
    r.explanation = one_line(prose + text.substr(at));
    return r;
  }
  if (auto n = statement_count(text); n && *n > 0) {
    r.mapper = text + "\n";
    return r;
  }
  r.problem =
      "the reply holds no mapping program: no ``` code block, and the text is not a "
      "program" +
      cut;
  r.explanation = one_line(text);
  return r;
}

}  // namespace mapsmith::agent
