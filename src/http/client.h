// A small HTTP/1.1 client for outgoing webhooks: one request per connection, synchronous, over
// http or https (OpenSSL, the peer verified against the system's CA store and the host name).
// Like the server it is the only code that knows Beast and Asio; callers see plain structs.
//
// Redirects are not followed and the response is whatever status came back: a webhook target
// that answers 3xx, 4xx or 5xx is the caller's decision (retry or not), not a transport error.
//
// Thread safety: Send may be called from any number of threads at once (no shared state).
// TLS trust: OpenSSL's default paths, so SSL_CERT_FILE / SSL_CERT_DIR override them as usual.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace sphere::http {

struct ClientRequest {
  std::string method = "POST";
  std::string url;  // http://host[:port]/path or https://...
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};  // the whole exchange
};

// Host, Content-Length and Connection: close are written by Send (a caller's copy is
// ignored). A body longer than kMaxClientResponseBody is cut there; the rest is not read.
struct ClientResponse {
  int status = 0;
  std::string body;  // capped at 64 KiB
};

inline constexpr size_t kMaxClientResponseBody = 64 << 10;

// One request, synchronous (the webhook sender calls it from its own thread).
// InvalidArgument for a URL it cannot parse (or a method/header that cannot be sent);
// Unavailable for DNS, connect, TLS, timeout or a malformed response (message says which and
// names the host). Never throws.
Result<ClientResponse> Send(const ClientRequest& request);

}  // namespace sphere::http
