// The plain HTTP request and response the API handlers see. src/http (the only code that
// knows Beast) turns the wire into a Request, calls a Handler, and writes the Response back;
// handlers and their tests never touch a socket.
#pragma once

#include <chrono>
#include <functional>
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

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  // Extra headers (Retry-After, Location, Cache-Control...). Content-Type, Content-Length,
  // Connection and Date belong to src/http.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Called once per request on one of the server's threads; may block (store, models). Must
// not throw: every failure is a Response (see errors.h).
using Handler = std::function<Response(const Request&)>;

}  // namespace sphere::api
