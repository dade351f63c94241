// The plain HTTP request and response the API handlers see. src/http (the only code that
// knows Beast) turns the wire into a Request, calls a Handler, and writes the Response back;
// handlers and their tests never touch a socket.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sphere::api {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view MethodName(Method method);  // "GET", ...; "OTHER" for kOther

struct Request {
  Method method = Method::kGet;
  std::string method_text;  // as sent, for logs and 405s ("PROPFIND")
  std::string target;       // the raw request-target: "/api/v1/x?a=1"
  std::string path;         // target before '?', still percent-encoded
  std::string query;        // target after '?', still percent-encoded ("" when none)
  // Header names lower-cased; values as sent (trimmed). Repeated headers stay repeated.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;  // the peer's IP, for logs and rate limits
  std::chrono::steady_clock::time_point received_at{};

  // The first header with this (lower-case) name, or "" when absent.
  std::string_view Header(std::string_view lower_case_name) const;
};

// Where a streaming response writes (see ResponseStream). Thread-safe.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Queues bytes for the client, from any thread. False once the connection is gone, is
  // closing, or its queue holds more than the server's stream_queue_limit (the server then
  // closes it: a client that does not read is dropped, it can reconnect and resume).
  virtual bool Write(std::string bytes) = 0;
  // Ends the response: what is queued is written, then the connection closes. Any thread.
  virtual void Close() = 0;
};

// A response body produced over time (Server-Sent Events). The server writes the status
// line and headers (Content-Type from the Response, Cache-Control: no-cache, no
// Content-Length, Connection: close: the body ends when the connection does), then calls
// Open once on the connection's thread. It calls Closed once when the connection ends for
// any reason (client gone, Close, write error, server Stop); after Closed returns, the
// sink's calls are harmless no-ops.
// Closed is called exactly once for every stream the server is handed, even when Open never
// was (a HEAD request, a status without a body, the head could not be written, the server
// was stopping), so Closed can release what the handler reserved. Both run on the server's
// I/O thread: they must not block.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual void Open(std::shared_ptr<StreamSink> sink) = 0;
  virtual void Closed() = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  // Extra headers (Retry-After, Location, Cache-Control...). Content-Type, Content-Length,
  // Connection and Date belong to src/http.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Non-null: a streaming response. `body`, if any, goes first, then what the stream writes.
  std::shared_ptr<ResponseStream> stream;
};

// Called once per request on one of the server's threads; may block (store, models). Must
// not throw: every failure is a Response (see errors.h).
using Handler = std::function<Response(const Request&)>;

}  // namespace sphere::api
