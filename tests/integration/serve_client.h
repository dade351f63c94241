// Talking to a running `sphere serve` from a test: one-shot HTTP calls, waiting for a line of
// its output, and a Server-Sent Events client.
#pragma once

#include <chrono>
#include <cstdint>
#include <regex>
#include <string>

#include "testing/testing.h"

namespace sphere::testing {

struct HttpReply {
  int status = 0;  // 0: no answer (connection refused, cut)
  std::string body;
};

// One HTTP/1.1 request on a fresh connection (Connection: close), read to the end.
HttpReply Call(int port, const std::string& method, const std::string& target,
               const std::string& body = "", const std::string& key = "");

// Waits (up to a minute: an ASan build loads models slowly) until the output matches; the
// match is empty when it never did.
std::smatch WaitForOutput(const SphereProcess& server, const std::regex& pattern,
                          std::string& output);

// A GET of /api/v1/alert-events/stream held open.
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
