#include "llm/budget.h"

#include <fmt/format.h>

namespace mapsmith::llm {

BudgetClient::BudgetClient(std::unique_ptr<ChatClient> inner, std::int64_t max_tokens)
    : inner_(std::move(inner)), max_tokens_(max_tokens) {}

ChatReply BudgetClient::complete(const ChatRequest& request) {
  if (std::int64_t used = usage().total(); used >= max_tokens_)
    throw ChatError(ChatError::Kind::Budget,
                    fmt::format("the token budget is spent: {} tokens used of --max-tokens {}",
                                used, max_tokens_));
  ChatReply reply = inner_->complete(request);
  std::lock_guard lock(mutex_);
  usage_.prompt_tokens += reply.usage.prompt_tokens;
  usage_.completion_tokens += reply.usage.completion_tokens;
  return reply;
}

Usage BudgetClient::usage() const {
  std::lock_guard lock(mutex_);
  return usage_;
}

}  // namespace mapsmith::llm
