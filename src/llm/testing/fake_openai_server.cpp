#include "llm/testing/fake_openai_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace mapsmith::llm::testing {

using nlohmann::json;

ScriptedResponse completion(const std::string& content, int prompt_tokens, int completion_tokens) {
  json body = {
      {"id", "chatcmpl-fake"},
      {"object", "chat.completion"},
      {"created", 1700000000},
      {"model", "fake-model"},
      {"choices",
       {{{"index", 0},
         {"message", {{"role", "assistant"}, {"content", content}}},
         {"finish_reason", "stop"}}}},
      {"usage",
       {{"prompt_tokens", prompt_tokens},
        {"completion_tokens", completion_tokens},
        {"total_tokens", prompt_tokens + completion_tokens}}},
  };
  return ScriptedResponse{200, body.dump(), {}, 0};
}

struct FakeOpenAiServer::Impl {
  httplib::Server server;
  int port = 0;
  std::thread thread;

  mutable std::mutex mutex;
  std::condition_variable stopping_cv;
  bool stopping = false;
  std::deque<ScriptedResponse> queue;
  std::function<ScriptedResponse(const json&)> responder;
  std::vector<ReceivedRequest> received;

  void handle(const httplib::Request& req, httplib::Response& res) {
    ScriptedResponse answer;
    std::function<ScriptedResponse(const json&)> respond;
    {
      std::lock_guard lock(mutex);
      received.push_back({req.path, req.body, req.get_header_value("Authorization"), req.target});
      if (req.path != "/v1/chat/completions") {
        answer = {404, R"({"error":{"message":"no such path: )" + req.path + "\"}}", {}, 0};
      } else if (!queue.empty()) {
        answer = std::move(queue.front());
        queue.pop_front();
      } else if (responder) {
        respond = responder;
      } else {
        answer = {500, R"({"error":{"message":"the fake server has no scripted reply"}})", {}, 0};
      }
    }
    // The responder runs unlocked: it may call requests() or push().
    if (respond) answer = respond(json::parse(req.body, nullptr, false));
    if (answer.delay_ms > 0) {
      std::unique_lock lock(mutex);
      stopping_cv.wait_for(lock, std::chrono::milliseconds(answer.delay_ms),
                           [&] { return stopping; });
    }
    res.status = answer.status;
    for (const auto& [name, value] : answer.headers)
      res.set_header(name, value);
    res.set_content(answer.body, "application/json");
  }
};

FakeOpenAiServer::FakeOpenAiServer() : impl_(std::make_unique<Impl>()) {
  Impl& impl = *impl_;
  // One request per connection: a client's idle keep-alive connection must not hold up stop().
  impl.server.set_keep_alive_max_count(1);
  impl.server.Post(R"(/.*)", [&impl](const httplib::Request& req, httplib::Response& res) {
    impl.handle(req, res);
  });
  impl.port = impl.server.bind_to_any_port("127.0.0.1");
  if (impl.port <= 0) throw std::runtime_error("FakeOpenAiServer: cannot bind to 127.0.0.1");
  impl.thread = std::thread([&impl] { impl.server.listen_after_bind(); });
  // stop() does nothing before listen_after_bind has started: wait for it.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!impl.server.is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      impl.server.stop();
      impl.thread.detach();  // it never started listening; nothing to wait for
      throw std::runtime_error("FakeOpenAiServer: the server did not start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

FakeOpenAiServer::~FakeOpenAiServer() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->stopping_cv.notify_all();
  impl_->server.stop();
  impl_->thread.join();
}

std::string FakeOpenAiServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + "/v1";
}

void FakeOpenAiServer::push(ScriptedResponse r) {
  std::lock_guard lock(impl_->mutex);
  impl_->queue.push_back(std::move(r));
}

void FakeOpenAiServer::set_responder(std::function<ScriptedResponse(const json& request)> f) {
  std::lock_guard lock(impl_->mutex);
  impl_->responder = std::move(f);
}

std::vector<ReceivedRequest> FakeOpenAiServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->received;
}

std::string unused_local_url() {
  // Bind a socket to a free port and close it: nothing listens there afterwards (another
  // program could take the port in between, which is unlikely enough for tests).
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("unused_local_url: socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("unused_local_url: cannot bind a socket");
  }
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return "http://127.0.0.1:" + std::to_string(port) + "/v1";
}

}  // namespace mapsmith::llm::testing
