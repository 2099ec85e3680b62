#pragma once
/// Helpers shared by the llm tests: a temporary directory and a client configuration that talks
/// to a FakeOpenAiServer and records its back-off waits instead of sleeping.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "llm/chat.h"

namespace mapsmith::llm::test {

/// A fresh directory under the system's temporary directory, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "mapsmith-llm-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void spit(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

/// Options for `base_url` with a key, a model, 2 retries from 0.5 s, and the waits recorded in
/// `waits` rather than slept.
inline ClientOptions test_options(const std::string& base_url, std::vector<double>& waits) {
  ClientOptions o;
  o.base_url = base_url;
  o.api_key = "sk-test-key";
  o.model = "test-model";
  o.timeout_s = 5;
  o.retries = 2;
  o.backoff_s = 0.5;
  o.sleep = [&waits](double s) { waits.push_back(s); };
  return o;
}

/// A system and a user message.
inline ChatRequest test_request(const std::string& user = "Make it faster.") {
  ChatRequest r;
  r.messages = {{"system", "You write mappers."}, {"user", user}};
  return r;
}

}  // namespace mapsmith::llm::test
