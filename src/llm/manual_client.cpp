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

std::string manual_request_text(int n, const ChatRequest& request) {
  std::string text = fmt::format("# mapsmith request {}\n", n);
  for (const Message& m : request.messages)
    text += fmt::format("\n## {}\n\n{}\n", m.role, m.content);
  text += fmt::format(
      "\n---\n\nPaste the messages above into the chat, then paste the model's whole answer into "
      "reply-{:04}.md (in this directory) and save it.\n",
      n);
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

ChatReply ManualClient::complete(const ChatRequest& request) {
  int n = 0;
  {
    std::lock_guard lock(mutex_);
    n = ++requests_;
  }
  write_atomically(request_path(n), manual_request_text(n, request));
  const std::string reply_file = reply_path(n);
  std::optional<std::uintmax_t> size = size_of(reply_file);
  if (!size || *size == 0) {
    std::ostream& out = options_.notice ? *options_.notice : std::cerr;
    out << "mapsmith: waiting for " << reply_file << " (paste the model's reply there)"
        << std::endl;
    // The wait is counted in polls rather than read from a clock: tests sleep in no time.
    double waited = 0;
    std::optional<std::uintmax_t> last;
    while (true) {
      size = size_of(reply_file);
      if (size && *size > 0 && size == last) break;
      last = size;
      if (interrupted())
        throw ChatError(
            ChatError::Kind::Unreachable,
            fmt::format("manual exchange: interrupted while waiting for {}", reply_file));
      if (options_.timeout_s > 0 && waited >= options_.timeout_s)
        throw ChatError(ChatError::Kind::Unreachable,
                        fmt::format("manual exchange: no reply in {} after {} s", reply_file,
                                    options_.timeout_s));
      wait_for(options_.sleep, options_.poll_s);
      waited += options_.poll_s;
    }
  }
  std::string content;
  try {
    content = trim(read_file(reply_file));
  } catch (const InputError& e) {
    throw config_error(e.what());
  }
  ChatReply reply;
  reply.content = std::move(content);
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
