#include "llm/detail.h"

#include <algorithm>
#include <cctype>
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

namespace {

std::string percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

}  // namespace

std::string shown_url(const std::string& url) {
  std::string u = without_userinfo(url);
  u = u.substr(0, u.find('#'));
  const std::size_t q = u.find('?');
  if (q == std::string::npos) return u;
  std::string out = u.substr(0, q + 1);
  std::string_view query = std::string_view(u).substr(q + 1);
  for (std::size_t at = 0; at <= query.size();) {
    std::size_t amp = query.find('&', at);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view param = query.substr(at, amp - at);
    const std::size_t eq = param.find('=');
    if (at > 0) out += '&';
    out += eq == std::string_view::npos ? std::string(param)
                                        : std::string(param.substr(0, eq)) + "=[redacted]";
    at = amp + 1;
  }
  return out;
}

std::vector<std::string> url_secrets(const std::string& url) {
  std::vector<std::string> out;
  auto add = [&](std::string_view v) {
    if (v.empty()) return;
    out.emplace_back(v);
    std::string d = percent_decoded(v);
    if (d != v) out.push_back(std::move(d));
  };
  const std::size_t scheme = url.find("://");
  if (scheme != std::string::npos) {
    const std::size_t start = scheme + 3;
    const std::size_t end = url.find_first_of("/?#", start);
    const std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
    const std::size_t at = authority.rfind('@');
    if (at != std::string::npos) {
      const std::string info = authority.substr(0, at);
      const std::size_t colon = info.find(':');
      if (colon != std::string::npos) add(std::string_view(info).substr(colon + 1));
    }
  }
  const std::string u = url.substr(0, url.find('#'));
  const std::size_t q = u.find('?');
  if (q == std::string::npos) return out;
  const std::string_view query = std::string_view(u).substr(q + 1);
  for (std::size_t at = 0; at <= query.size();) {
    std::size_t amp = query.find('&', at);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view param = query.substr(at, amp - at);
    if (const std::size_t eq = param.find('='); eq != std::string_view::npos)
      add(param.substr(eq + 1));
    at = amp + 1;
  }
  return out;
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
