#include "http/client.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <charconv>
#include <exception>
#include <limits>
#include <optional>
#include <string_view>

#include "http/syntax.h"

namespace sphere::http {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

struct Url {
  bool https = false;
  std::string host;  // without brackets
  uint16_t port = 0;
  std::string host_header;  // host[:port] as the Host header wants it
  std::string target;       // path and query
};

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (Lower(s[i]) != prefix[i]) return false;
  }
  return true;
}

bool IsHostName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool IsIpAddress(const std::string& host) {
  error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

Result<Url> ParseUrl(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return InvalidArgument("url: '" + std::string(text) + "' " + std::string(why));
  };
  Url url;
  std::string_view rest;
  if (StartsWithIgnoreCase(text, "https://")) {
    url.https = true;
    rest = text.substr(8);
  } else if (StartsWithIgnoreCase(text, "http://")) {
    rest = text.substr(7);
  } else {
    return bad("is not an http:// or https:// URL");
  }
  if (!IsFieldValue(text) || text.find_first_of(" \t") != std::string_view::npos) {
    return bad("contains white space or control characters");
  }
  const size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view path =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return bad("has user information");
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("has an unterminated [IPv6] host");
    url.host = std::string(authority.substr(1, close - 1));
    if (!IsIpAddress(url.host)) return bad("has a bad [IPv6] host");
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("has text after the [IPv6] host");
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    if (!IsHostName(url.host)) return bad("has no valid host");
  }
  url.port = url.https ? 443 : 80;
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return bad("has a bad port");
    }
    url.port = static_cast<uint16_t>(port);
  }
  const bool v6 = url.host.find(':') != std::string::npos;
  url.host_header = v6 ? "[" + url.host + "]" : url.host;
  if (url.port != (url.https ? 443 : 80)) url.host_header += ":" + std::to_string(url.port);
  path = path.substr(0, path.find('#'));
  if (path.empty() || path.front() == '?') {
    url.target = "/" + std::string(path);
  } else {
    url.target = std::string(path);
  }
  return url;
}

Result<std::string> SerializeRequest(const ClientRequest& request, const Url& url) {
  if (!IsToken(request.method)) {
    return InvalidArgument("method: '" + request.method + "' is not an HTTP method");
  }
  std::string out = request.method + " " + url.target + " HTTP/1.1\r\nHost: " + url.host_header +
                    "\r\nContent-Length: " + std::to_string(request.body.size()) +
                    "\r\nConnection: close\r\n";
  for (const auto& [name, value] : request.headers) {
    if (!IsToken(name) || !IsFieldValue(value)) {
      return InvalidArgument("headers: '" + name + "' cannot be sent as an HTTP header");
    }
    std::string lower(name);
    for (char& c : lower) c = Lower(c);
    // Framing is Send's: a second Content-Length would make the request ambiguous.
    if (lower == "host" || lower == "content-length" || lower == "connection" ||
        lower == "transfer-encoding") {
      continue;
    }
    out += name + ": " + value + "\r\n";
  }
  out += "\r\n";
  out += request.body;
  return out;
}

// Keeps the status and at most kMaxClientResponseBody of the body. Past the cap it stops the
// parse with body_limit (and sets `capped`): the rest is not worth reading.
class ResponseParser final : public bhttp::basic_parser<false> {
 public:
  int status = 0;
  std::string body;
  bool capped = false;

 private:
  void on_request_impl(bhttp::verb, beast::string_view, beast::string_view, int,
                       error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, error_code&) override { status = code; }
  void on_field_impl(bhttp::field, beast::string_view, beast::string_view, error_code&) override {}
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  size_t on_body_impl(beast::string_view data, error_code& ec) override { return Keep(data, ec); }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, beast::string_view data, error_code& ec) override {
    return Keep(data, ec);
  }
  void on_finish_impl(error_code&) override {}

  size_t Keep(beast::string_view data, error_code& ec) {
    const size_t room = kMaxClientResponseBody - body.size();
    body.append(data.data(), std::min(room, data.size()));
    if (data.size() > room) {
      capped = true;
      ec = bhttp::error::body_limit;
    }
    return data.size();
  }
};

// Runs the exchange's steps one at a time on a private io_context, each until it completes or
// the one deadline of the whole exchange passes; then `cancel` aborts it.
class Exchange {
 public:
  Exchange(const Url& url, std::chrono::milliseconds timeout)
      : url_(url), timeout_(timeout), deadline_(Clock::now() + timeout) {}

  net::io_context& ioc() { return ioc_; }

  // Starts the operation with a completion handler that records its error code; true when it
  // completed in time (`ec` then holds its result).
  template <typename StartOp, typename Cancel>
  bool Run(StartOp&& start, Cancel&& cancel, error_code& ec) {
    bool done = false;
    start([&](error_code result) {
      ec = result;
      done = true;
    });
    ioc_.restart();
    if (Clock::now() < deadline_) ioc_.run_until(deadline_);
    if (done) return true;
    cancel();
    ioc_.restart();
    ioc_.run();  // the operation completes, aborted
    return false;
  }

  Status TimedOut(std::string_view step) const {
    return Unavailable("timed out after " + std::to_string(timeout_.count()) + " ms " +
                       std::string(step) + " " + Where());
  }

  std::string Where() const { return url_.host + ":" + std::to_string(url_.port); }

 private:
  const Url& url_;
  const std::chrono::milliseconds timeout_;
  const Clock::time_point deadline_;
  net::io_context ioc_{1};
};

Result<tcp::resolver::results_type> Resolve(Exchange& exchange, const Url& url) {
  tcp::resolver resolver(exchange.ioc());
  error_code ec;
  tcp::resolver::results_type results;
  const std::string port = std::to_string(url.port);
  // getaddrinfo cannot be interrupted: a resolver slower than the timeout delays the answer.
  const bool in_time = exchange.Run(
      [&](auto done) {
        resolver.async_resolve(url.host, port, [&results, done](error_code e, auto found) {
          results = std::move(found);
          done(e);
        });
      },
      [&] { resolver.cancel(); }, ec);
  if (!in_time) return exchange.TimedOut("resolving");
  if (ec) return Unavailable("DNS lookup of " + url.host + " failed: " + ec.message());
  return results;
}

Status Connect(Exchange& exchange, tcp::socket& socket,
               const tcp::resolver::results_type& endpoints) {
  error_code ec;
  const bool in_time = exchange.Run(
      [&](auto done) {
        net::async_connect(socket, endpoints,
                           [done](error_code e, const tcp::endpoint&) { done(e); });
      },
      [&] {
        error_code ignored;
        socket.close(ignored);
      },
      ec);
  if (!in_time) return exchange.TimedOut("connecting to");
  if (ec) return Unavailable("connecting to " + exchange.Where() + " failed: " + ec.message());
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  return Status::Ok();
}

// Writes the request and reads the response over a connected stream (plain or TLS).
template <typename Stream>
Result<ClientResponse> Transfer(Exchange& exchange, Stream& stream, tcp::socket& socket,
                                const std::string& wire, bool head) {
  const auto close = [&] {
    error_code ignored;
    socket.close(ignored);
  };
  error_code ec;
  bool in_time = exchange.Run(
      [&](auto done) {
        net::async_write(stream, net::buffer(wire), [done](error_code e, size_t) { done(e); });
      },
      close, ec);
  if (!in_time) return exchange.TimedOut("sending the request to");
  if (ec)
    return Unavailable("sending the request to " + exchange.Where() + " failed: " + ec.message());

  ResponseParser parser;
  parser.header_limit(64 << 10);
  // ResponseParser caps what it keeps. Not boost::none: Beast 1.74 compares a Content-Length
  // with the optional, and any length is "greater" than none.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  parser.skip(head);
  beast::flat_buffer buffer;
  in_time = exchange.Run(
      [&](auto done) {
        bhttp::async_read(stream, buffer, parser, [done](error_code e, size_t) { done(e); });
      },
      close, ec);
  if (!in_time) return exchange.TimedOut("waiting for the response from");
  if (ec == ssl::error::stream_truncated && parser.is_header_done()) {
    // A server ending an EOF-delimited body without TLS close_notify: the body is what came.
    parser.put_eof(ec);
  }
  if (ec && !(ec == bhttp::error::body_limit && parser.capped)) {
    if (!parser.is_header_done() && (ec == net::error::eof || ec == bhttp::error::end_of_stream ||
                                     ec == net::error::connection_reset)) {
      return Unavailable(exchange.Where() + " closed the connection without a response");
    }
    return Unavailable("malformed HTTP response from " + exchange.Where() + ": " + ec.message());
  }
  ClientResponse response;
  response.status = parser.status;
  response.body = std::move(parser.body);
  return response;
}

Result<ClientResponse> SendOver(Exchange& exchange, const Url& url, const std::string& wire,
                                bool head) {
  tcp::resolver::results_type endpoints;
  error_code ec;
  const net::ip::address address = net::ip::make_address(url.host, ec);
  if (!ec) {
    endpoints = tcp::resolver::results_type::create(tcp::endpoint(address, url.port), url.host,
                                                    std::to_string(url.port));
  } else {
    SPHERE_ASSIGN_OR_RETURN(endpoints, Resolve(exchange, url));
  }
  if (!url.https) {
    tcp::socket socket(exchange.ioc());
    SPHERE_RETURN_IF_ERROR(Connect(exchange, socket, endpoints));
    return Transfer(exchange, socket, socket, wire, head);
  }

  ssl::context context(ssl::context::tls_client);
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  context.set_default_verify_paths();
  context.set_verify_mode(ssl::verify_peer);
  ssl::stream<tcp::socket> stream(exchange.ioc(), context);
  // SNI carries names only, never an IP literal.
  if (!IsIpAddress(url.host) &&
      SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str()) != 1) {
    return Unavailable("TLS setup for " + url.host + " failed: cannot set the server name");
  }
  stream.set_verify_callback(ssl::host_name_verification(url.host));
  tcp::socket& socket = stream.next_layer();
  SPHERE_RETURN_IF_ERROR(Connect(exchange, socket, endpoints));
  const bool in_time = exchange.Run(
      [&](auto done) {
        stream.async_handshake(ssl::stream_base::client, [done](error_code e) { done(e); });
      },
      [&] {
        error_code ignored;
        socket.close(ignored);
      },
      ec);
  if (!in_time) return exchange.TimedOut("in the TLS handshake with");
  if (ec) {
    std::string why = ec.message();
    const long verify = SSL_get_verify_result(stream.native_handle());
    if (verify != X509_V_OK) {
      why += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
    }
    return Unavailable("TLS handshake with " + exchange.Where() + " failed: " + why);
  }
  // No TLS shutdown afterwards: the request says Connection: close and the response is read.
  return Transfer(exchange, stream, socket, wire, head);
}

}  // namespace

Result<ClientResponse> Send(const ClientRequest& request) {
  SPHERE_ASSIGN_OR_RETURN(const Url url, ParseUrl(request.url));
  if (request.timeout.count() <= 0) return InvalidArgument("timeout: must be positive");
  SPHERE_ASSIGN_OR_RETURN(const std::string wire, SerializeRequest(request, url));
  const bool head = request.method == "HEAD";
  try {
    Exchange exchange(url, request.timeout);
    return SendOver(exchange, url, wire, head);
  } catch (const std::exception& e) {
    // Asio throws only for resources (no memory, no file descriptor, TLS context setup).
    return Unavailable("request to " + url.host + " failed: " + e.what());
  }
}

}  // namespace sphere::http
