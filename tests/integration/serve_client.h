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

}  // namespace sphere::testing
