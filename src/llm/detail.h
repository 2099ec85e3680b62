#pragma once
/// Helpers the clients share; not part of the module's interface.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "llm/chat.h"

namespace mapsmith::llm {

/// `text` on one line (line breaks and tabs become spaces), cut to `max` bytes (at a UTF-8
/// character boundary) with "..." appended when it was longer.
std::string excerpt(std::string_view text, std::size_t max);

/// `text` without leading and trailing white space.
std::string trim(std::string_view text);

/// `text` with every occurrence of `secret` (when not empty) replaced by "[redacted]".
std::string redact(std::string text, const std::string& secret);

/// `url` without "user:password@", for messages and describe().
std::string without_userinfo(const std::string& url);

/// `url` as it may be shown or stored: without "user:password@", and with the value of every
/// query parameter replaced by "[redacted]" (an endpoint's key often travels as ?api_key=...),
/// the fragment dropped.
std::string shown_url(const std::string& url);

/// The secrets a URL carries: the password of its user information and the value of each
/// query parameter (as written, and percent-decoded when that differs).
std::vector<std::string> url_secrets(const std::string& url);

/// Compact JSON; invalid UTF-8 in strings is replaced (U+FFFD) rather than thrown on.
std::string dump_json(const nlohmann::json& j);
std::string dump_json(const nlohmann::ordered_json& j);

/// Calls `sleep(seconds)`, or sleeps when `sleep` is empty.
void wait_for(const SleepFunction& sleep, double seconds);

}  // namespace mapsmith::llm
