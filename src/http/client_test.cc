#include "http/client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "http/server.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::http {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;
using ::testing::HasSubstr;

std::unique_ptr<Server> StartOrDie(api::Handler handler) {
  ServerOptions options;
  options.port = 0;
  options.threads = 1;
  auto server = Server::Start(options, std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

std::string Url(uint16_t port, std::string_view path, std::string_view scheme = "http") {
  return std::string(scheme) + "://127.0.0.1:" + std::to_string(port) + std::string(path);
}

TEST(HttpClient, SendsMethodTargetHeadersAndBodyAndReturnsStatusAndBody) {
  std::mutex mutex;
  api::Request seen;
  auto server = StartOrDie([&](const api::Request& request) {
    std::lock_guard lock(mutex);
    seen = request;
    api::Response response;
    response.status = 202;
    response.content_type = "text/plain";
    response.body = "accepted";
    return response;
  });
  ASSERT_NE(server, nullptr);
  ClientRequest request;
  request.method = "PUT";
  request.url = Url(server->port(), "/hooks/7?x=1#fragment");
  request.headers = {{"Content-Type", "application/json"},
                     {"X-Sphere-Signature", "sha256=abc"},
                     {"Content-Length", "999"}};  // ignored: Send frames the body itself
  request.body = R"({"event":"alert"})";
  ASSERT_OK_AND_ASSIGN(const ClientResponse response, Send(request));
  EXPECT_EQ(response.status, 202);
  EXPECT_EQ(response.body, "accepted");
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen.method_text, "PUT");
  EXPECT_EQ(seen.target, "/hooks/7?x=1");
  EXPECT_EQ(seen.body, R"({"event":"alert"})");
  EXPECT_EQ(seen.Header("host"), "127.0.0.1:" + std::to_string(server->port()));
  EXPECT_EQ(seen.Header("content-type"), "application/json");
  EXPECT_EQ(seen.Header("x-sphere-signature"), "sha256=abc");
  EXPECT_EQ(seen.Header("content-length"), "17");
}

TEST(HttpClient, ErrorStatusIsAResponseNotAnError) {
  auto server = StartOrDie([](const api::Request&) {
    api::Response response;
    response.status = 503;
    response.body = "later";
    return response;
  });
  ASSERT_NE(server, nullptr);
  ClientRequest request;
  request.url = Url(server->port(), "");  // no path: "/"
  ASSERT_OK_AND_ASSIGN(const ClientResponse response, Send(request));
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.body, "later");
}

TEST(HttpClient, ResponseBodyIsCutAt64KiB) {
  std::string big;
  for (int i = 0; big.size() < (200 << 10); ++i) big += std::to_string(i) + ",";
  auto server = StartOrDie([&](const api::Request&) {
    api::Response response;
    response.body = big;
    return response;
  });
  ASSERT_NE(server, nullptr);
  ClientRequest request;
  request.method = "GET";
  request.url = Url(server->port(), "/big");
  ASSERT_OK_AND_ASSIGN(const ClientResponse response, Send(request));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, big.substr(0, kMaxClientResponseBody));
}

TEST(HttpClient, HeadReadsNoBody) {
  auto server = StartOrDie([](const api::Request&) {
    api::Response response;
    response.body = "some body";
    return response;
  });
  ASSERT_NE(server, nullptr);
  ClientRequest request;
  request.method = "HEAD";
  request.url = Url(server->port(), "/x");
  ASSERT_OK_AND_ASSIGN(const ClientResponse response, Send(request));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "");
}

TEST(HttpClient, ServerThatNeverAnswersTimesOut) {
  // The kernel completes the connection into the backlog; nobody ever reads or answers.
  net::io_context ioc;
  tcp::acceptor listener(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  ClientRequest request;
  request.url = Url(listener.local_endpoint().port(), "/hook");
  request.timeout = std::chrono::milliseconds(200);
  EXPECT_THAT(Send(request).status(),
              IsError(Code::kUnavailable, ::testing::AllOf(HasSubstr("timed out after 200 ms"),
                                                           HasSubstr("127.0.0.1"))));
}

TEST(HttpClient, ConnectionRefusedIsUnavailableNamingTheHost) {
  uint16_t port = 0;
  {
    net::io_context ioc;
    tcp::acceptor listener(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    port = listener.local_endpoint().port();
  }  // closed: nothing listens there now
  ClientRequest request;
  request.url = Url(port, "/hook");
  EXPECT_THAT(Send(request).status(),
              IsError(Code::kUnavailable,
                      HasSubstr("connecting to 127.0.0.1:" + std::to_string(port) + " failed")));
}

TEST(HttpClient, UnknownHostIsAnUnavailableDnsError) {
  ClientRequest request;
  request.url = "http://no-such-host.invalid/hook";  // .invalid never resolves (RFC 6761)
  EXPECT_THAT(Send(request).status(),
              IsError(Code::kUnavailable, HasSubstr("DNS lookup of no-such-host.invalid")));
}

TEST(HttpClient, UrlsItCannotParseAreInvalidArgument) {
  for (const char* url :
       {"", "example.com/hook", "ftp://example.com/", "http://", "http:///path",
        "http://example.com:0/", "http://example.com:99999/", "http://example.com:8x/",
        "http://user:pw@example.com/", "http://exa mple.com/", "http://[::1/", "http://a/b\r\nc"}) {
    ClientRequest request;
    request.url = url;
    EXPECT_THAT(Send(request).status(), IsError(Code::kInvalidArgument, HasSubstr("url"))) << url;
  }
}

TEST(HttpClient, HeaderOrMethodThatCannotBeSentIsInvalidArgument) {
  ClientRequest request;
  request.url = "http://127.0.0.1:1/";
  request.headers = {{"X-Evil", "a\r\nX-Injected: 1"}};
  EXPECT_THAT(Send(request).status(), IsError(Code::kInvalidArgument, HasSubstr("X-Evil")));
  request.headers.clear();
  request.method = "PO ST";
  EXPECT_THAT(Send(request).status(), IsError(Code::kInvalidArgument, HasSubstr("method")));
}

TEST(HttpClient, HttpsToAPlainHttpServerFailsInTheTlsHandshake) {
  auto server = StartOrDie([](const api::Request&) { return api::Response{}; });
  ASSERT_NE(server, nullptr);
  ClientRequest request;
  request.url = Url(server->port(), "/hook", "https");
  EXPECT_THAT(Send(request).status(),
              IsError(Code::kUnavailable,
                      HasSubstr("TLS handshake with 127.0.0.1:" + std::to_string(server->port()))));
}

// Answers one connection on 127.0.0.1 with canned bytes (read the request head, write
// `answer`, close): responses the module's own Server never sends.
class RawServer {
 public:
  explicit RawServer(std::string answer)
      : answer_(std::move(answer)),
        acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
      if (!ec) Serve(socket);
    });
    thread_ = std::thread([this] { ioc_.run(); });
  }

  ~RawServer() {
    ioc_.stop();
    thread_.join();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  void Serve(tcp::socket& socket) {
    std::string request;
    char chunk[4096];
    error_code ec;
    while (request.find("\r\n\r\n") == std::string::npos && !ec) {
      request.append(chunk, socket.read_some(net::buffer(chunk), ec));
    }
    net::write(socket, net::buffer(answer_), ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }

  const std::string answer_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

Result<ClientResponse> GetFrom(uint16_t port) {
  ClientRequest request;
  request.method = "GET";
  request.url = Url(port, "/raw");
  return Send(request);
}

TEST(HttpClient, ChunkedResponseIsAssembled) {
  RawServer server(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  ASSERT_OK_AND_ASSIGN(const ClientResponse response, GetFrom(server.port()));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "hello world");
}

TEST(HttpClient, ChunkedResponseIsCutAt64KiBToo) {
  std::string answer = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 100; ++i) answer += "400\r\n" + std::string(1024, 'c') + "\r\n";
  answer += "0\r\n\r\n";
  RawServer server(answer);
  ASSERT_OK_AND_ASSIGN(const ClientResponse response, GetFrom(server.port()));
  EXPECT_EQ(response.body, std::string(kMaxClientResponseBody, 'c'));
}

TEST(HttpClient, BodyEndedByTheConnectionClosingIsRead) {
  RawServer server("HTTP/1.1 201 Created\r\nConnection: close\r\n\r\nuntil eof");
  ASSERT_OK_AND_ASSIGN(const ClientResponse response, GetFrom(server.port()));
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, "until eof");
}

TEST(HttpClient, MalformedResponseIsUnavailableNamingTheHost) {
  RawServer server("SMTP ready\r\n\r\n");
  EXPECT_THAT(GetFrom(server.port()).status(),
              IsError(Code::kUnavailable, HasSubstr("malformed HTTP response from 127.0.0.1:" +
                                                    std::to_string(server.port()))));
}

TEST(HttpClient, ResponseCutShortIsUnavailable) {
  RawServer server("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this");
  EXPECT_THAT(GetFrom(server.port()).status(),
              IsError(Code::kUnavailable, HasSubstr("malformed HTTP response")));
}

TEST(HttpClient, CloseWithoutAResponseIsUnavailable) {
  RawServer server("");
  EXPECT_THAT(GetFrom(server.port()).status(),
              IsError(Code::kUnavailable, HasSubstr("closed the connection without a response")));
}

// A self-signed certificate for DNS:localhost only (so 127.0.0.1 does not match it), made with
// OpenSSL in memory.
struct TestCertificate {
  std::string cert_pem;
  std::string key_pem;
};

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

TestCertificate MakeLocalhostCertificate() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) return {};
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost"},
                                   std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    if (extension == nullptr) return {};
    X509_add_ext(cert.get(), extension, -1);
    X509_EXTENSION_free(extension);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return {};
  TestCertificate out;
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(BIO_new(BIO_s_mem()), BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(cert_bio.get(), cert.get());
  PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  out.cert_pem = BioText(cert_bio.get());
  out.key_pem = BioText(key_bio.get());
  return out;
}

// Answers one HTTPS request on 127.0.0.1 with 200 and "tls:<path>:<body>".
class TlsServer {
 public:
  explicit TlsServer(const TestCertificate& certificate)
      : context_(ssl::context::tls_server),
        acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    context_.use_certificate_chain(net::buffer(certificate.cert_pem));
    context_.use_private_key(net::buffer(certificate.key_pem), ssl::context::pem);
    acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
      if (!ec) Serve(std::move(socket));
    });
    thread_ = std::thread([this] { ioc_.run(); });
  }

  ~TlsServer() {
    ioc_.stop();
    thread_.join();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  // Blocking, on the server's thread: the client always ends the connection when Send returns.
  void Serve(tcp::socket socket) {
    ssl::stream<tcp::socket> stream(std::move(socket), context_);
    error_code ec;
    stream.handshake(ssl::stream_base::server, ec);
    if (ec) return;
    boost::beast::flat_buffer buffer;
    bhttp::request<bhttp::string_body> request;
    bhttp::read(stream, buffer, request, ec);
    if (ec) return;
    bhttp::response<bhttp::string_body> response{bhttp::status::ok, 11};
    response.body() = "tls:" + std::string(request.target()) + ":" + request.body();
    response.keep_alive(false);
    response.prepare_payload();
    bhttp::write(stream, response, ec);
    stream.shutdown(ec);
  }

  net::io_context ioc_;
  ssl::context context_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

// Points OpenSSL's default trust store (what Send uses) at one file for the test's duration.
class ScopedCertFile {
 public:
  explicit ScopedCertFile(const std::string& path) { setenv("SSL_CERT_FILE", path.c_str(), 1); }
  ~ScopedCertFile() { unsetenv("SSL_CERT_FILE"); }
};

TEST(HttpClient, HttpsRoundTripWithATrustedCertificate) {
  const TestCertificate certificate = MakeLocalhostCertificate();
  ASSERT_FALSE(certificate.cert_pem.empty());
  testing::TempDir dir;
  ScopedCertFile trust(dir.Write("ca.pem", certificate.cert_pem).string());
  TlsServer server(certificate);
  ClientRequest request;
  request.url = "https://localhost:" + std::to_string(server.port()) + "/hook";
  request.body = "payload";
  ASSERT_OK_AND_ASSIGN(const ClientResponse response, Send(request));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "tls:/hook:payload");
}

TEST(HttpClient, HttpsWithAnUntrustedCertificateFailsVerification) {
  const TestCertificate certificate = MakeLocalhostCertificate();
  ASSERT_FALSE(certificate.cert_pem.empty());
  TlsServer server(certificate);
  ClientRequest request;
  request.url = "https://localhost:" + std::to_string(server.port()) + "/hook";
  EXPECT_THAT(
      Send(request).status(),
      IsError(Code::kUnavailable, ::testing::AllOf(HasSubstr("TLS handshake with localhost"),
                                                   HasSubstr("certificate"))));
}

TEST(HttpClient, HttpsWithACertificateForAnotherNameFailsVerification) {
  const TestCertificate certificate = MakeLocalhostCertificate();
  ASSERT_FALSE(certificate.cert_pem.empty());
  testing::TempDir dir;
  ScopedCertFile trust(dir.Write("ca.pem", certificate.cert_pem).string());
  TlsServer server(certificate);
  ClientRequest request;
  request.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/hook";  // not localhost
  EXPECT_THAT(Send(request).status(),
              IsError(Code::kUnavailable, HasSubstr("TLS handshake with 127.0.0.1")));
}

}  // namespace
}  // namespace sphere::http
