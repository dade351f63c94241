#include "testing/http_peers.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sphere::testing {

HttpReceiver::HttpReceiver() {
  http::ServerOptions options;
  options.port = 0;
  options.threads = 1;
  auto server = http::Server::Start(options, [this](const api::Request& request) {
    std::unique_lock lock(mutex_);
    requests_.push_back(request);
    released_.wait(lock, [this] { return !hold_; });
    api::Response response;
    response.status = status_;
    response.content_type = "text/plain";
    response.body = body_;
    return response;
  });
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  if (server.ok()) server_ = std::move(server).value();
}

HttpReceiver::~HttpReceiver() {
  Release();
  server_.reset();
}

std::string HttpReceiver::Url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
}

uint16_t HttpReceiver::port() const { return server_ ? server_->port() : 0; }

void HttpReceiver::Answer(int status, std::string body) {
  std::lock_guard lock(mutex_);
  status_ = status;
  body_ = std::move(body);
}

void HttpReceiver::Hold() {
  std::lock_guard lock(mutex_);
  hold_ = true;
}

void HttpReceiver::Release() {
  {
    std::lock_guard lock(mutex_);
    hold_ = false;
  }
  released_.notify_all();
}

std::vector<api::Request> HttpReceiver::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

size_t HttpReceiver::count() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

EventStreamClient::EventStreamClient(int port, const std::string& key, int64_t last_event_id) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  std::string request =
      "GET /api/v1/alert-events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Accept: text/event-stream\r\nAuthorization: Bearer " +
      key + "\r\n";
  if (last_event_id > 0) request += "Last-Event-ID: " + std::to_string(last_event_id) + "\r\n";
  request += "\r\n";
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    sent += static_cast<size_t>(n);
  }
}

EventStreamClient::~EventStreamClient() {
  if (fd_ >= 0) ::close(fd_);
}

const std::string& EventStreamClient::ReadUntil(const std::string& text,
                                                std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (fd_ >= 0 && received_.find(text) == std::string::npos &&
         std::chrono::steady_clock::now() < until) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    received_.append(buffer, static_cast<size_t>(n));
  }
  return received_;
}

}  // namespace sphere::testing
