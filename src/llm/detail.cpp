#include "llm/detail.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace mapsmith::llm {

std::string excerpt(std::string_view text, std::size_t max) {
  std::size_t n = std::min(max, text.size());
  // Do not cut a UTF-8 sequence: back up while the first byte left out continues one.
  while (n > 0 && n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80)
    --n;
  std::string out(text.substr(0, n));
  if (n < text.size()) out += "...";
  for (char& c : out)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return out;
}

std::string trim(std::string_view text) {
  const char* space = " \t\r\n\f\v";
  std::size_t begin = text.find_first_not_of(space);
  if (begin == std::string_view::npos) return "";
  std::size_t end = text.find_last_not_of(space);
  return std::string(text.substr(begin, end - begin + 1));
}

std::string redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 1))
    text.replace(at, secret.size(), "[redacted]");
  return text;
}

std::string without_userinfo(const std::string& url) {
  std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  std::size_t start = scheme + 3;
  std::size_t end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
  std::size_t at = authority.rfind('@');
  if (at == std::string::npos) return url;
  return url.substr(0, start) + url.substr(start + at + 1);
}

std::string dump_json(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string dump_json(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void wait_for(const SleepFunction& sleep, double seconds) {
  if (sleep)
    sleep(seconds);
  else if (seconds > 0)
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

}  // namespace mapsmith::llm
