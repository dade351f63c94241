// The other ends of the server's HTTP conversations, for tests: a receiver that records what
// is POSTed to it (a webhook endpoint) and a client that holds a Server-Sent Events stream.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "api/message.h"
#include "http/server.h"

namespace sphere::testing {

// An HTTP server on 127.0.0.1 (any free port) that records every request and answers with the
// status and body last set by Answer (200, "" at first).
class HttpReceiver {
 public:
  HttpReceiver();
  ~HttpReceiver();

  std::string Url(std::string_view path = "/hook") const;
  uint16_t port() const;
  void Answer(int status, std::string body = "");
  // Requests wait in the handler until Release() (a receiver that is slow to answer).
  void Hold();
  void Release();
  std::vector<api::Request> requests() const;
  size_t count() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable released_;
  bool hold_ = false;
  int status_ = 200;
  std::string body_;
  std::vector<api::Request> requests_;
  std::unique_ptr<http::Server> server_;
};

// A GET of /api/v1/alert-events/stream held open on 127.0.0.1:port.
class EventStreamClient {
 public:
  EventStreamClient(int port, const std::string& key, int64_t last_event_id = 0);
  ~EventStreamClient();
  EventStreamClient(const EventStreamClient&) = delete;
  EventStreamClient& operator=(const EventStreamClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Reads until `text` has arrived, the connection ends or `limit` passes; returns all read.
  const std::string& ReadUntil(const std::string& text, std::chrono::milliseconds limit);

 private:
  int fd_ = -1;
  std::string received_;
};

}  // namespace sphere::testing
