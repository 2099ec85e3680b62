#pragma once
/// The run's token budget (--max-tokens) as a wrapper around any client.
#include <memory>
#include <mutex>

#include "llm/chat.h"

namespace mapsmith::llm {

/// Refuses a call (ChatError::Budget) once the tokens used so far reach `max_tokens`. A call that
/// starts under the budget may end over it: a reply's size is known only when it has come.
class BudgetClient : public ChatClient {
 public:
  BudgetClient(std::unique_ptr<ChatClient> inner, std::int64_t max_tokens);

  std::string describe() const override { return inner_->describe(); }
  bool supports_json_schema() const override { return inner_->supports_json_schema(); }
  ChatReply complete(const ChatRequest& request) override;
  /// The tokens of every reply that passed through this wrapper.
  Usage usage() const override;

 private:
  std::unique_ptr<ChatClient> inner_;
  std::int64_t max_tokens_;
  mutable std::mutex mutex_;
  Usage usage_;
};

}  // namespace mapsmith::llm
