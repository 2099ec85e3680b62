#pragma once
/// A scripted ChatClient for the agent's tests: it answers from a queue of replies and errors,
/// and keeps every request it was sent.
#include <deque>
#include <string>
#include <variant>
#include <vector>

#include "llm/chat.h"

namespace mapsmith::agent::test {

class ScriptedClient final : public llm::ChatClient {
 public:
  using Answer = std::variant<llm::ChatReply, llm::ChatError>;

  explicit ScriptedClient(bool structured = false) : structured_(structured) {}

  /// Queues a reply with this content (10 prompt and 5 completion tokens).
  void reply(std::string content, std::string finish_reason = "stop") {
    llm::ChatReply r;
    r.content = std::move(content);
    r.finish_reason = std::move(finish_reason);
    r.model = "scripted-model";
    r.usage = {10, 5};
    answers_.emplace_back(std::move(r));
  }
  void fail(llm::ChatError::Kind kind, std::string what) {
    answers_.emplace_back(llm::ChatError(kind, std::move(what)));
  }

  std::string describe() const override { return "scripted"; }
  bool supports_json_schema() const override { return structured_; }
  llm::ChatReply complete(const llm::ChatRequest& request) override {
    requests.push_back(request);
    if (answers_.empty())
      throw llm::ChatError(llm::ChatError::Kind::Replay, "the script has no more answers");
    Answer a = std::move(answers_.front());
    answers_.pop_front();
    if (auto* e = std::get_if<llm::ChatError>(&a)) throw *e;
    llm::ChatReply r = std::get<llm::ChatReply>(std::move(a));
    usage_.prompt_tokens += r.usage.prompt_tokens;
    usage_.completion_tokens += r.usage.completion_tokens;
    return r;
  }
  llm::Usage usage() const override { return usage_; }

  std::vector<llm::ChatRequest> requests;
  std::size_t left() const { return answers_.size(); }

 private:
  bool structured_;
  std::deque<Answer> answers_;
  llm::Usage usage_;
};

}  // namespace mapsmith::agent::test
