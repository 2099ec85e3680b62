#include "llm/manual_client.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>

#include "llm/detail.h"
#include "llm/openai_client.h"
#include "util/error.h"
#include "util/interrupt.h"
#include "util/strings.h"

namespace mapsmith::llm {

namespace fs = std::filesystem;

namespace {

ChatError config_error(const std::string& what) {
  return ChatError(ChatError::Kind::Config, what);
}

/// Writes `text` to `path` through a temporary file and a rename, so that nobody reads half.
void write_atomically(const std::string& path, const std::string& text) {
  std::string temp = path + ".tmp";
  std::FILE* f = std::fopen(temp.c_str(), "w");
  if (!f) throw config_error(fmt::format("{}: cannot write: {}", temp, std::strerror(errno)));
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    int error = errno != 0 ? errno : EIO;
    std::remove(temp.c_str());
    throw config_error(fmt::format("{}: cannot write: {}", path, std::strerror(error)));
  }
}

/// The size of a file, or nullopt when there is none (yet).
std::optional<std::uintmax_t> size_of(const std::string& path) {
  std::error_code ec;
  std::uintmax_t size = fs::file_size(path, ec);
  if (ec) return std::nullopt;
  return size;
}

}  // namespace

std::string manual_request_id(int n, const ChatRequest& request) {
  std::uint32_t h = 2166136261u;
  for (const Message& m : request.messages)
    for (unsigned char c : m.role + '\n' + m.content + '\n')
      h = (h ^ c) * 16777619u;
  return fmt::format("r{:04}-{:08x}", n, h);
}

std::string manual_request_text(int n, const ChatRequest& request) {
  const std::string id = manual_request_id(n, request);
  std::string text = fmt::format("# mapsmith request {} (id {})\n", n, id);
  const bool repair = request.messages.size() > 2 && request.messages.back().role == "user";
  if (repair) {
    // The chat already holds the conversation: only the last message is new.
    text += fmt::format(
        "\nA repair round: the model's last reply did not check. In the same chat, paste only "
        "the message between the two lines below; then save the model's whole answer in "
        "reply-{:04}.md under a first line that is the id {}.\n\n"
        "----- paste this -----\n{}\n----- end -----\n\n"
        "(In a new chat instead, paste the whole conversation that follows, in order.)\n",
        n, id, request.messages.back().content);
  }
  for (const Message& m : request.messages)
    text += fmt::format("\n## {}\n\n{}\n", m.role, m.content);
  text += fmt::format(
      "\n---\n\nPaste the {} above into the chat, then save the model's whole answer in "
      "reply-{:04}.md (in this directory) under a first line that is the id of this request:\n\n"
      "{}\n",
      repair ? "message marked 'paste this'" : "messages", n, id);
  return text;
}

ManualClient::ManualClient(ManualOptions options) : options_(std::move(options)) {
  std::error_code ec;
  fs::create_directories(options_.dir, ec);
  if (ec || !fs::is_directory(options_.dir))
    throw config_error(fmt::format("--exchange {}: cannot create the directory: {}", options_.dir,
                                   ec ? ec.message() : "not a directory"));
}

std::string ManualClient::request_path(int n) const {
  return (fs::path(options_.dir) / fmt::format("request-{:04}.md", n)).string();
}

std::string ManualClient::reply_path(int n) const {
  return (fs::path(options_.dir) / fmt::format("reply-{:04}.md", n)).string();
}

Usage ManualClient::usage() const {
  std::lock_guard lock(mutex_);
  return usage_;
}

/// The reply in `text` when its first non-blank line is `id` (the rest of the text), else why not.
std::optional<std::string> answer_to(const std::string& id, const std::string& text,
                                     const std::string& file, std::string& why) {
  const std::string body = trim(text);
  const std::size_t nl = body.find('\n');
  const std::string first = trim(body.substr(0, nl));
  if (first.find(id) != std::string::npos)
    return nl == std::string::npos ? std::string() : trim(body.substr(nl + 1));
  // An id of the same number but another request: a reply left by an earlier run.
  const std::string prefix = id.substr(0, id.find('-') + 1);
  const std::size_t at = first.find(prefix);
  if (at != std::string::npos && first.size() >= at + id.size())
    why = fmt::format(
        "mapsmith: refused {}: it answers another request ({}), not this one ({}): a reply left "
        "by an earlier run? Save the reply to the new request in it, under a first line that is "
        "{}",
        file, first.substr(at, id.size()), id, id);
  else
    why = fmt::format(
        "mapsmith: refused {}: its first line must be the id of the request it answers, {} "
        "(copy it from the end of the request file), then the model's answer",
        file, id);
  return std::nullopt;
}

ChatReply ManualClient::complete(const ChatRequest& request) {
  int n = 0;
  {
    std::lock_guard lock(mutex_);
    n = ++requests_;
  }
  const std::string id = manual_request_id(n, request);
  const std::string request_file = request_path(n);
  // A resumed run asks the same request: the file is left as it is (and its reply is taken).
  bool same = false;
  try {
    same = read_file(request_file) == manual_request_text(n, request);
  } catch (const InputError&) {
  }
  if (!same) write_atomically(request_file, manual_request_text(n, request));
  const std::string reply_file = reply_path(n);
  std::ostream& out = options_.notice ? *options_.notice : std::cerr;
  std::optional<std::string> content;
  std::string refused_text;  // a refused reply is looked at again only once it changes
  double waited = 0;
  bool announced = false;
  std::optional<std::uintmax_t> last;
  while (!content) {
    std::optional<std::uintmax_t> size = size_of(reply_file);
    // Taken when it is there and its size held for one poll (the editor has finished saving);
    // a reply there from the start is taken at once.
    const bool steady = size && *size > 0 && (size == last || (waited == 0 && !announced));
    if (steady) {
      std::string text;
      try {
        text = read_file(reply_file);
      } catch (const InputError& e) {
        throw config_error(e.what());
      }
      if (text != refused_text) {
        std::string why;
        content = answer_to(id, text, reply_file, why);
        if (!content) {
          refused_text = text;
          out << why << std::endl;
        }
      }
    }
    if (content) break;
    if (!announced && !(size && *size > 0)) {
      out << "mapsmith: waiting for " << reply_file << " (paste the model's reply there, under "
          << "the line " << id << ")" << std::endl;
      announced = true;
    }
    last = size;
    if (interrupted())
      throw ChatError(ChatError::Kind::Unreachable,
                      fmt::format("manual exchange: interrupted while waiting for {}", reply_file));
    if (options_.timeout_s > 0 && waited >= options_.timeout_s)
      throw ChatError(ChatError::Kind::Unreachable,
                      fmt::format("manual exchange: no reply in {} after {} s", reply_file,
                                  options_.timeout_s));
    wait_for(options_.sleep, options_.poll_s);
    waited += options_.poll_s;
  }
  ChatReply reply;
  reply.content = std::move(*content);
  reply.finish_reason = "stop";
  reply.model = "manual";
  std::size_t prompt_chars = 0;
  for (const Message& m : request.messages)
    prompt_chars += m.content.size();
  reply.usage = {estimate_tokens(prompt_chars), estimate_tokens(reply.content.size())};
  std::lock_guard lock(mutex_);
  usage_.prompt_tokens += reply.usage.prompt_tokens;
  usage_.completion_tokens += reply.usage.completion_tokens;
  return reply;
}

}  // namespace mapsmith::llm
