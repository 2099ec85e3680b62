#pragma once
/// The manual backend (--llm manual --exchange DIR): a person with only a chat window drives the
/// optimizer. Request n is written to DIR/request-000n.md; the person pastes it into the chat and
/// the model's whole answer into DIR/reply-000n.md, which the client picks up.
#include <iosfwd>
#include <mutex>
#include <string>

#include "llm/chat.h"

namespace mapsmith::llm {

struct ManualOptions {
  std::string dir;                 ///< the exchange directory (created when missing)
  double timeout_s = 0;            ///< the wait for each reply; <= 0: no time-out
  double poll_s = 0.2;             ///< between looks at the reply file
  SleepFunction sleep;             ///< waits poll_s (tests); empty: really sleep
  std::ostream* notice = nullptr;  ///< where the "waiting for" line goes; null: std::cerr
};

/// A reply file is taken when it is not empty and its size is the same at two polls in a row
/// (the editor has finished saving); one that already exists when the request is made (a run
/// that is resumed) is taken at once. Its first non-blank line must hold the request's id, which
/// is dropped with the surrounding white space; a reply without it, or with another request's id
/// (one left by an earlier run), is refused with a message on the notice stream, and the client
/// waits for the file to change. No time-out unless one is given. No JSON-schema output: the
/// chat window cannot enforce one. Tokens are estimated from characters.
class ManualClient : public ChatClient {
 public:
  /// Throws ChatError (Config) when the directory cannot be created.
  explicit ManualClient(ManualOptions options);

  std::string describe() const override { return "manual exchange " + options_.dir; }
  bool supports_json_schema() const override { return false; }
  ChatReply complete(const ChatRequest& request) override;
  Usage usage() const override;

  std::string request_path(int n) const;  ///< DIR/request-000n.md
  std::string reply_path(int n) const;    ///< DIR/reply-000n.md

 private:
  ManualOptions options_;
  mutable std::mutex mutex_;
  int requests_ = 0;
  Usage usage_;
};

/// The id of request n: "r0003-" and a hash of its messages (the same request, the same id, so a
/// resumed run takes the replies already there; another request, another id).
std::string manual_request_id(int n, const ChatRequest& request);
/// The text of DIR/request-000n.md for a request: its id, the messages, and what to paste (for a
/// repair round, only its last message, marked).
std::string manual_request_text(int n, const ChatRequest& request);

}  // namespace mapsmith::llm
