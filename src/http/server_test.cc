#include "http/server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "api/errors.h"
#include "testing/status_matchers.h"

namespace sphere::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;
using ::testing::HasSubstr;
using HttpResponse = bhttp::response<bhttp::string_body>;

// No test waits on the clock for a result; this only turns a hang into a failure.
constexpr auto kGiveUp = std::chrono::seconds(20);

// A synchronous HTTP client over a real socket. Each call runs its own io_context with a
// give-up time, so a server bug fails the test instead of hanging it.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }

  void Send(std::string_view bytes) {
    net::write(socket_, net::buffer(bytes.data(), bytes.size()));
  }

  // Reads one response; `head` when it answers a HEAD request (no body follows).
  HttpResponse Read(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    if (head) parser.skip(true);
    error_code result = net::error::timed_out;
    bhttp::async_read(socket_, buffer_, parser, [&](error_code ec, size_t) { result = ec; });
    Run();
    EXPECT_FALSE(result) << result.message();
    return parser.release();
  }

  // True when the server closes the connection (EOF or reset) before sending anything more.
  bool WaitForClose() {
    if (buffer_.size() > 0) return false;
    char byte;
    error_code result = net::error::timed_out;
    size_t got = 0;
    socket_.async_read_some(net::buffer(&byte, 1), [&](error_code ec, size_t n) {
      result = ec;
      got = n;
    });
    Run();
    return got == 0 && (result == net::error::eof || result == net::error::connection_reset);
  }

  // Everything the server sends until it closes the connection.
  std::string ReadToClose() {
    std::string all(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.consume(buffer_.size());
    std::string chunk(4096, '\0');
    for (;;) {
      error_code result = net::error::timed_out;
      size_t got = 0;
      socket_.async_read_some(net::buffer(chunk), [&](error_code ec, size_t n) {
        result = ec;
        got = n;
      });
      Run();
      all.append(chunk.data(), got);
      if (result) break;
    }
    return all;
  }

 private:
  void Run() {
    ioc_.restart();
    if (ioc_.run_for(kGiveUp) == 0 || !ioc_.stopped()) {
      ADD_FAILURE() << "the server did not answer within " << kGiveUp.count() << " s";
      error_code ignored;
      socket_.close(ignored);
      ioc_.restart();
      ioc_.run();
    }
  }

  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

std::string Get(std::string_view target, std::string_view extra = "") {
  return std::string("GET ") + std::string(target) + " HTTP/1.1\r\nHost: x\r\n" +
         std::string(extra) + "\r\n";
}

std::string Post(std::string_view target, std::string_view body) {
  return std::string("POST ") + std::string(target) +
         " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

nlohmann::json ErrorOf(const HttpResponse& response) {
  return nlohmann::json::parse(response.body()).at("error");
}

// Answers "<method> <path>" followed by the body, so a test sees which request it got.
api::Response Echo(const api::Request& request) {
  api::Response response;
  response.content_type = "text/plain";
  response.body = request.method_text + " " + request.path + "\n" + request.body;
  return response;
}

ServerOptions TestOptions() {
  ServerOptions options;
  options.port = 0;
  options.threads = 2;
  return options;
}

std::unique_ptr<Server> StartOrDie(const ServerOptions& options, api::Handler handler) {
  auto server = Server::Start(options, std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

TEST(HttpServer, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto server = StartOrDie(TestOptions(), Echo);
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  for (int i = 0; i < 5; ++i) {
    const std::string body = "{\"i\":" + std::to_string(i) + "}";
    client.Send(Post("/api/v1/items", body));
    const HttpResponse response = client.Read();
    EXPECT_EQ(response.result_int(), 200);
    EXPECT_EQ(response.body(), "POST /api/v1/items\n" + body);
    EXPECT_TRUE(response.keep_alive());
    EXPECT_EQ(response[bhttp::field::content_type], "text/plain");
    EXPECT_EQ(response[bhttp::field::content_length], std::to_string(response.body().size()));
    EXPECT_FALSE(response[bhttp::field::date].empty());
  }
}

TEST(HttpServer, FillsTheRequestFromTheWire) {
  std::mutex mutex;
  api::Request seen;
  auto server = StartOrDie(TestOptions(), [&](const api::Request& request) {
    std::lock_guard lock(mutex);
    seen = request;
    return api::Response{};
  });
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  const auto before = std::chrono::steady_clock::now();
  client.Send(
      "PATCH /api/v1/creators/7?fields=a%20b&x=1?2 HTTP/1.1\r\nHost: example\r\n"
      "X-Request-ID:   abc  \r\nX-Tag: one\r\nx-tag: two\r\nContent-Length: 3\r\n\r\nxyz");
  EXPECT_EQ(client.Read().result_int(), 200);
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen.method, api::Method::kPatch);
  EXPECT_EQ(seen.method_text, "PATCH");
  EXPECT_EQ(seen.target, "/api/v1/creators/7?fields=a%20b&x=1?2");
  EXPECT_EQ(seen.path, "/api/v1/creators/7");
  EXPECT_EQ(seen.query, "fields=a%20b&x=1?2");
  EXPECT_EQ(seen.body, "xyz");
  EXPECT_EQ(seen.remote_address, "127.0.0.1");
  EXPECT_GE(seen.received_at, before);
  EXPECT_EQ(seen.Header("host"), "example");
  EXPECT_EQ(seen.Header("x-request-id"), "abc");
  const std::vector<std::pair<std::string, std::string>> expected = {{"host", "example"},
                                                                     {"x-request-id", "abc"},
                                                                     {"x-tag", "one"},
                                                                     {"x-tag", "two"},
                                                                     {"content-length", "3"}};
  EXPECT_EQ(seen.headers, expected);
}

TEST(HttpServer, UnknownMethodIsOtherWithItsText) {
  std::mutex mutex;
  api::Request seen;
  auto server = StartOrDie(TestOptions(), [&](const api::Request& request) {
    std::lock_guard lock(mutex);
    seen = request;
    return api::Response{};
  });
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send("PROPFIND /x HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(client.Read().result_int(), 200);
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen.method, api::Method::kOther);
  EXPECT_EQ(seen.method_text, "PROPFIND");
  EXPECT_EQ(seen.query, "");
}

TEST(HttpServer, WritesStatusExtraHeadersAndDropsFramingHeadersFromTheHandler) {
  auto server = StartOrDie(TestOptions(), [](const api::Request&) {
    api::Response response;
    response.status = 201;
    response.headers = {{"Location", "/api/v1/items/9"}, {"Content-Length", "999"}};
    response.body = R"({"id":9})";
    return response;
  });
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send(Post("/api/v1/items", "{}"));
  const HttpResponse response = client.Read();
  EXPECT_EQ(response.result_int(), 201);
  EXPECT_EQ(response[bhttp::field::location], "/api/v1/items/9");
  EXPECT_EQ(response[bhttp::field::content_length], "8");
  EXPECT_EQ(response[bhttp::field::content_type], "application/json");
  EXPECT_EQ(response.body(), R"({"id":9})");
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  auto server = StartOrDie(TestOptions(), Echo);
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  std::string all;
  for (int i = 0; i < 20; ++i)
    all += (i % 2 == 0) ? Get("/r" + std::to_string(i))
                        : Post("/r" + std::to_string(i), std::to_string(i));
  client.Send(all);
  for (int i = 0; i < 20; ++i) {
    const HttpResponse response = client.Read();
    const std::string expected = (i % 2 == 0)
                                     ? "GET /r" + std::to_string(i) + "\n"
                                     : "POST /r" + std::to_string(i) + "\n" + std::to_string(i);
    EXPECT_EQ(response.body(), expected) << "response " << i;
  }
}

TEST(HttpServer, BodyOverTheLimitIs413NamingTheBodyAndCloses) {
  ServerOptions options = TestOptions();
  options.body_limit = 1000;
  std::atomic<int> calls = 0;
  auto server = StartOrDie(options, [&](const api::Request& request) {
    ++calls;
    return Echo(request);
  });
  ASSERT_NE(server, nullptr);
  {
    Client client(server->port());
    client.Send(Post("/up", std::string(1000, 'a')));  // at the limit: fine
    EXPECT_EQ(client.Read().result_int(), 200);
    client.Send(Post("/up", std::string(1001, 'a')));
    const HttpResponse response = client.Read();
    EXPECT_EQ(response.result_int(), 413);
    EXPECT_EQ(response[bhttp::field::content_type], "application/json");
    EXPECT_FALSE(response.keep_alive());
    EXPECT_EQ(ErrorOf(response)["code"], "payload_too_large");
    EXPECT_EQ(ErrorOf(response)["field"], "body");
    EXPECT_TRUE(client.WaitForClose());
  }
  {
    // Chunked bodies are counted as they arrive.
    Client client(server->port());
    std::string chunked = "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 3; ++i) chunked += "190\r\n" + std::string(400, 'b') + "\r\n";
    chunked += "0\r\n\r\n";
    client.Send(chunked);
    const HttpResponse response = client.Read();
    EXPECT_EQ(response.result_int(), 413);
    EXPECT_EQ(ErrorOf(response)["field"], "body");
  }
  EXPECT_EQ(calls.load(), 1);
}

TEST(HttpServer, OversizedBodySentInFullStillGetsThe413) {
  // The server answers after the header and must keep reading (and discarding) the body: a
  // close with unread data would be a RST that destroys the response on its way.
  ServerOptions options = TestOptions();
  options.body_limit = 1000;
  auto server = StartOrDie(options, Echo);
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send(Post("/up", std::string(8 << 20, 'a')));
  const HttpResponse response = client.Read();
  EXPECT_EQ(response.result_int(), 413);
  EXPECT_EQ(ErrorOf(response)["field"], "body");
}

TEST(HttpServer, ChunkedBodyIsAssembled) {
  auto server = StartOrDie(TestOptions(), Echo);
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send(
      "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  EXPECT_EQ(client.Read().body(), "POST /c\nhello world");
}

TEST(HttpServer, ExpectContinueGets100BeforeTheBodyIsSent) {
  auto server = StartOrDie(TestOptions(), Echo);
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send("POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  EXPECT_EQ(client.Read().result_int(), 100);
  client.Send("body");
  const HttpResponse response = client.Read();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "POST /e\nbody");
}

TEST(HttpServer, HeaderOverTheLimitIs431) {
  ServerOptions options = TestOptions();
  options.header_limit = 1024;
  auto server = StartOrDie(options, Echo);
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send(Get("/h", "X-Big: " + std::string(2000, 'v') + "\r\n"));
  const HttpResponse response = client.Read();
  EXPECT_EQ(response.result_int(), 431);
  EXPECT_EQ(ErrorOf(response)["code"], "header_too_large");
  EXPECT_TRUE(client.WaitForClose());
}

TEST(HttpServer, MalformedRequestLineIs400Json) {
  auto server = StartOrDie(TestOptions(), Echo);
  ASSERT_NE(server, nullptr);
  for (const char* garbage :
       {"GARBAGE\r\n\r\n", "GET /x HTTP/9.9\r\n\r\n", "GET /x HTTP/1.1\r\nBad Header\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n"}) {
    Client client(server->port());
    client.Send(garbage);
    const HttpResponse response = client.Read();
    EXPECT_EQ(response.result_int(), 400) << garbage;
    EXPECT_EQ(ErrorOf(response)["code"], "bad_request") << garbage;
    EXPECT_TRUE(client.WaitForClose()) << garbage;
  }
}

TEST(HttpServer, HeadHasTheHeadersOfGetButNoBody) {
  auto server = StartOrDie(TestOptions(), [](const api::Request&) {
    api::Response response;
    response.body = R"({"hello":"world"})";
    return response;
  });
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send(Get("/x"));
  const HttpResponse get = client.Read();
  client.Send("HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n");
  const HttpResponse head = client.Read(/*head=*/true);
  EXPECT_EQ(head.result_int(), 200);
  EXPECT_EQ(head[bhttp::field::content_length], get[bhttp::field::content_length]);
  EXPECT_EQ(head[bhttp::field::content_type], get[bhttp::field::content_type]);
  EXPECT_EQ(head.body(), "");
  // Had the HEAD response carried a body, this GET's response would be read from its bytes.
  client.Send(Get("/x"));
  EXPECT_EQ(client.Read().body(), R"({"hello":"world"})");
}

TEST(HttpServer, Http10ClosesAfterTheResponseUnlessKeepAliveIsAsked) {
  auto server = StartOrDie(TestOptions(), Echo);
  ASSERT_NE(server, nullptr);
  {
    Client client(server->port());
    client.Send("GET /old HTTP/1.0\r\n\r\n");
    const std::string all = client.ReadToClose();
    EXPECT_THAT(all, HasSubstr("Connection: close\r\n"));
    EXPECT_THAT(all, HasSubstr("\r\n\r\nGET /old\n"));
  }
  {
    Client client(server->port());
    client.Send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const HttpResponse first = client.Read();
    EXPECT_EQ(first[bhttp::field::connection], "keep-alive");
    client.Send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    EXPECT_EQ(client.Read().body(), "GET /b\n");
  }
}

TEST(HttpServer, ConnectionCloseIsHonoured) {
  auto server = StartOrDie(TestOptions(), Echo);
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send(Get("/x", "Connection: close\r\n"));
  const HttpResponse response = client.Read();
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(client.WaitForClose());
}

TEST(HttpServer, IdleTimeoutClosesTheConnection) {
  ServerOptions options = TestOptions();
  options.idle_timeout = std::chrono::milliseconds(200);
  auto server = StartOrDie(options, Echo);
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send(Get("/x"));
  EXPECT_EQ(client.Read().result_int(), 200);
  EXPECT_TRUE(client.WaitForClose());
}

TEST(HttpServer, ReadTimeoutClosesAHalfSentRequest) {
  ServerOptions options = TestOptions();
  options.read_timeout = std::chrono::milliseconds(200);
  auto server = StartOrDie(options, Echo);
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
  EXPECT_TRUE(client.WaitForClose());
}

TEST(HttpServer, ThrowingHandlerGives500AndTheNextRequestWorks) {
  auto server = StartOrDie(TestOptions(), [](const api::Request& request) -> api::Response {
    if (request.path == "/throw") throw std::runtime_error("boom");
    return Echo(request);
  });
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send(Get("/throw"));
  const HttpResponse failed = client.Read();
  EXPECT_EQ(failed.result_int(), 500);
  EXPECT_EQ(ErrorOf(failed)["code"], "internal");
  EXPECT_THAT(failed.body(), ::testing::Not(HasSubstr("boom")));
  client.Send(Get("/fine"));
  EXPECT_EQ(client.Read().body(), "GET /fine\n");
}

TEST(HttpServer, InvalidResponseFromTheHandlerIs500) {
  auto server = StartOrDie(TestOptions(), [](const api::Request&) {
    api::Response response;
    response.headers = {{"X-Evil", "a\r\nSet-Cookie: x=1"}};
    return response;
  });
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send(Get("/x"));
  const HttpResponse response = client.Read();
  EXPECT_EQ(response.result_int(), 500);
  EXPECT_EQ(response.count(bhttp::field::set_cookie), 0u);
}

TEST(HttpServer, NoContentHasNoBodyOrLength) {
  auto server = StartOrDie(TestOptions(), [](const api::Request&) {
    api::Response response;
    response.status = 204;
    response.body = "ignored";
    return response;
  });
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send(Get("/x"));
  const HttpResponse response = client.Read();
  EXPECT_EQ(response.result_int(), 204);
  EXPECT_EQ(response.count(bhttp::field::content_length), 0u);
  client.Send(Get("/y"));
  EXPECT_EQ(client.Read().result_int(), 204);
}

// A handler that blocks until the test lets it go, and says when it has started.
class Gate {
 public:
  void Enter() {
    std::unique_lock lock(mutex_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(lock, [this] { return open_; });
  }
  void WaitUntilEntered() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return entered_; });
  }
  void Open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool open_ = false;
};

TEST(HttpServer, StopLetsASlowHandlerFinishAndClosesIdleConnections) {
  Gate gate;
  auto server = StartOrDie(TestOptions(), [&](const api::Request& request) {
    if (request.path == "/slow") gate.Enter();
    return Echo(request);
  });
  ASSERT_NE(server, nullptr);
  // Connections go to the two workers round-robin: `idle` to the first (which also accepts),
  // `slow` to the second, so the first stays free to act on Stop() while the handler blocks.
  Client idle(server->port());
  idle.Send(Get("/warm"));
  EXPECT_EQ(idle.Read().body(), "GET /warm\n");
  Client slow(server->port());
  slow.Send(Post("/slow", std::string(1000, 's')));
  gate.WaitUntilEntered();

  std::thread stopper([&] { server->Stop(); });
  // The idle keep-alive connection closing shows Stop() is under way.
  EXPECT_TRUE(idle.WaitForClose());
  gate.Open();
  const HttpResponse response = slow.Read();
  EXPECT_EQ(response.result_int(), 200);
  EXPECT_EQ(response.body(), "POST /slow\n" + std::string(1000, 's'));
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(slow.WaitForClose());
  stopper.join();
  // Nothing listens any more.
  net::io_context ioc;
  tcp::socket socket(ioc);
  error_code ec;
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server->port()), ec);
  EXPECT_TRUE(ec);
  server->Stop();  // idempotent
}

TEST(HttpServer, WaitForSignalStopsOnSigterm) {
  auto server = StartOrDie(TestOptions(), Echo);
  ASSERT_NE(server, nullptr);
  // A stand-in handler, so the test can see when WaitForSignal has installed its own.
  struct sigaction mine {};
  mine.sa_handler = [](int) {};
  struct sigaction previous {};
  ASSERT_EQ(sigaction(SIGTERM, &mine, &previous), 0);
  std::thread waiter([&] { server->WaitForSignal(); });
  // One SIGTERM, sent only once Asio's handler is in place (before, it would be lost; after
  // the signal_set is gone, SIGTERM is fatal again).
  bool installed = false;
  for (int i = 0; i < 20000 && !installed; ++i) {
    struct sigaction current {};
    sigaction(SIGTERM, nullptr, &current);
    installed = current.sa_handler != mine.sa_handler;
    if (!installed) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(installed) << "WaitForSignal never installed a SIGTERM handler";
  kill(getpid(), SIGTERM);
  waiter.join();  // hangs (and the test times out) if the signal did not end the wait
  sigaction(SIGTERM, &previous, nullptr);
  // Stopped: nothing listens any more.
  net::io_context ioc;
  tcp::socket socket(ioc);
  error_code ec;
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server->port()), ec);
  EXPECT_TRUE(ec);
}

TEST(HttpServer, WaitForSignalReturnsWhenStopIsCalled) {
  auto server = StartOrDie(TestOptions(), Echo);
  ASSERT_NE(server, nullptr);
  std::thread waiter([&] { server->WaitForSignal(); });
  server->Stop();
  waiter.join();  // hangs (and the test times out) if Stop() did not end the wait
}

TEST(HttpServer, StopClosesAResponseStillWritingAfterTheGrace) {
  // The client never reads a 64 MiB response, so the write cannot finish: only the grace
  // (not the 1 h write timeout) lets Stop() return.
  ServerOptions options = TestOptions();
  options.read_timeout = std::chrono::hours(1);
  options.shutdown_grace = std::chrono::milliseconds(100);
  Gate handled;
  auto server = StartOrDie(options, [&](const api::Request&) {
    api::Response response;
    response.body.assign(64 << 20, 'z');
    handled.Open();
    return response;
  });
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send(Get("/huge"));
  handled.Enter();  // returns once the handler has run
  server->Stop();
  EXPECT_FALSE(client.ReadToClose().empty());
}

TEST(HttpServer, StopUnderLoadEndsEveryConnection) {
  std::atomic<int> served = 0;
  auto server = StartOrDie(TestOptions(), [&](const api::Request& request) {
    ++served;
    return Echo(request);
  });
  ASSERT_NE(server, nullptr);
  const uint16_t port = server->port();
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([port] {
      // Blocking calls: every connection must end (EOF, reset or refused) once Stop() runs.
      net::io_context ioc;
      tcp::socket socket(ioc);
      error_code ec;
      socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
      beast::flat_buffer buffer;
      const std::string request = Post("/load", "{}");
      while (!ec) {
        net::write(socket, net::buffer(request), ec);
        if (ec) break;
        HttpResponse response;
        bhttp::read(socket, buffer, response, ec);
      }
    });
  }
  while (served < 200) std::this_thread::yield();
  server->Stop();
  for (auto& t : clients) t.join();
}

TEST(HttpServer, StopWithNoConnectionsReturns) {
  auto server = StartOrDie(TestOptions(), Echo);
  ASSERT_NE(server, nullptr);
  server->Stop();
  server.reset();
}

TEST(HttpServer, PortInUseIsAnError) {
  auto first = StartOrDie(TestOptions(), Echo);
  ASSERT_NE(first, nullptr);
  ServerOptions options = TestOptions();
  options.port = first->port();
  auto second = Server::Start(options, Echo);
  EXPECT_THAT(second.status(), IsError(Code::kUnavailable, HasSubstr("cannot listen on")));
}

TEST(HttpServer, BadOptionsAreInvalidArgument) {
  ServerOptions options = TestOptions();
  options.address = "not-an-ip";
  EXPECT_THAT(Server::Start(options, Echo).status(),
              IsError(Code::kInvalidArgument, HasSubstr("address")));
  options = TestOptions();
  options.threads = 0;
  EXPECT_THAT(Server::Start(options, Echo).status(),
              IsError(Code::kInvalidArgument, HasSubstr("threads")));
  EXPECT_THAT(Server::Start(TestOptions(), nullptr).status(),
              IsError(Code::kInvalidArgument, HasSubstr("handler")));
}

TEST(HttpServer, ManyConcurrentClientsAllGetTheirOwnAnswers) {
  ServerOptions options = TestOptions();
  options.threads = 2;
  std::atomic<int> calls = 0;
  auto server = StartOrDie(options, [&](const api::Request& request) {
    ++calls;
    return Echo(request);
  });
  ASSERT_NE(server, nullptr);
  constexpr int kClients = 16;
  constexpr int kRequests = 40;
  std::atomic<int> good = 0;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      Client client(server->port());
      for (int r = 0; r < kRequests; ++r) {
        const std::string body = std::to_string(c) + ":" + std::to_string(r);
        client.Send(Post("/c" + std::to_string(c), body));
        if (client.Read().body() == "POST /c" + std::to_string(c) + "\n" + body) ++good;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(good.load(), kClients * kRequests);
  EXPECT_EQ(calls.load(), kClients * kRequests);
}

// A ResponseStream that records what the server does to it.
class RecordingStream : public api::ResponseStream {
 public:
  // Written on the I/O thread from inside Open, before anything else.
  explicit RecordingStream(std::string greeting = "") : greeting_(std::move(greeting)) {}

  void Open(std::shared_ptr<api::StreamSink> sink) override {
    if (!greeting_.empty()) {
      EXPECT_TRUE(sink->Write(greeting_));
    }
    std::lock_guard lock(mutex_);
    sink_ = std::move(sink);
    ++opened_;
    cv_.notify_all();
  }

  void Closed() override {
    std::lock_guard lock(mutex_);
    ++closed_;
    cv_.notify_all();
  }

  std::shared_ptr<api::StreamSink> WaitForOpen() {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, kGiveUp, [this] { return opened_ > 0 || closed_ > 0; })) {
      ADD_FAILURE() << "the stream was never opened";
    }
    return sink_;
  }

  void WaitForClosed() {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, kGiveUp, [this] { return closed_ > 0; })) {
      ADD_FAILURE() << "the stream was never closed";
    }
  }

  int opened() {
    std::lock_guard lock(mutex_);
    return opened_;
  }
  int closed() {
    std::lock_guard lock(mutex_);
    return closed_;
  }

 private:
  const std::string greeting_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::shared_ptr<api::StreamSink> sink_;
  int opened_ = 0;
  int closed_ = 0;
};

// Serves /events as a stream (one RecordingStream per request, kept in order) and anything
// else with Echo.
class StreamingRoutes {
 public:
  api::Handler Handler() {
    return [this](const api::Request& request) {
      if (request.path != "/events") return Echo(request);
      auto stream = std::make_shared<RecordingStream>(": hello\n\n");
      {
        std::lock_guard lock(mutex_);
        streams_.push_back(stream);
        cv_.notify_all();
      }
      api::Response response;
      response.content_type = "text/event-stream";
      response.body = "retry: 1000\n\n";
      response.headers = {{"X-Stream", "yes"}, {"Content-Length", "5"}};
      response.stream = stream;
      return response;
    };
  }

  // The i-th stream the handler made, once it exists.
  std::shared_ptr<RecordingStream> Stream(size_t i) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, kGiveUp, [&] { return streams_.size() > i; })) {
      ADD_FAILURE() << "the handler never made stream " << i;
      return std::make_shared<RecordingStream>();
    }
    return streams_[i];
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::shared_ptr<RecordingStream>> streams_;
};

// Splits what arrived into head and body at the first blank line.
std::pair<std::string, std::string> SplitHead(const std::string& all) {
  const size_t end = all.find("\r\n\r\n");
  if (end == std::string::npos) return {all, ""};
  return {all.substr(0, end + 4), all.substr(end + 4)};
}

TEST(HttpServerStream, WritesTheHeadThenChunksFromAnotherThreadInOrderAndCloseEndsIt) {
  StreamingRoutes routes;
  auto server = StartOrDie(TestOptions(), routes.Handler());
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send(Get("/events"));
  auto stream = routes.Stream(0);
  const auto sink = stream->WaitForOpen();
  ASSERT_NE(sink, nullptr);
  EXPECT_EQ(server->open_streams(), 1u);
  std::string expected = "retry: 1000\n\n: hello\n\n";
  for (int i = 0; i < 200; ++i) expected += "data: " + std::to_string(i) + "\n\n";
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) EXPECT_TRUE(sink->Write("data: " + std::to_string(i) + "\n\n"));
    sink->Close();
    EXPECT_FALSE(sink->Write("data: late\n\n"));
  });
  const std::string all = client.ReadToClose();  // returns at EOF: Close ended the response
  writer.join();
  const auto [head, body] = SplitHead(all);
  EXPECT_THAT(head, ::testing::StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(head, HasSubstr("\r\nContent-Type: text/event-stream\r\n"));
  EXPECT_THAT(head, HasSubstr("\r\nCache-Control: no-cache\r\n"));
  EXPECT_THAT(head, HasSubstr("\r\nConnection: close\r\n"));
  EXPECT_THAT(head, HasSubstr("\r\nX-Stream: yes\r\n"));
  EXPECT_THAT(head, ::testing::Not(HasSubstr("Content-Length")));
  EXPECT_EQ(body, expected);
  stream->WaitForClosed();
  EXPECT_EQ(stream->opened(), 1);
  EXPECT_EQ(stream->closed(), 1);
  EXPECT_EQ(server->open_streams(), 0u);
}

TEST(HttpServerStream, ClientDisconnectCallsClosedOnceAndThenWriteFails) {
  StreamingRoutes routes;
  auto server = StartOrDie(TestOptions(), routes.Handler());
  ASSERT_NE(server, nullptr);
  std::shared_ptr<api::StreamSink> sink;
  std::shared_ptr<RecordingStream> stream;
  {
    Client client(server->port());
    client.Send(Get("/events"));
    stream = routes.Stream(0);
    sink = stream->WaitForOpen();
    ASSERT_NE(sink, nullptr);
    EXPECT_TRUE(sink->Write("data: 1\n\n"));
  }  // the client's socket closes
  stream->WaitForClosed();
  EXPECT_FALSE(sink->Write("data: 2\n\n"));
  sink->Close();  // harmless
  EXPECT_EQ(stream->closed(), 1);
  EXPECT_EQ(server->open_streams(), 0u);
  // The server goes on serving.
  Client other(server->port());
  other.Send(Get("/after"));
  EXPECT_EQ(other.Read().body(), "GET /after\n");
  EXPECT_EQ(stream->closed(), 1);
}

TEST(HttpServerStream, ClientThatDoesNotReadIsDroppedOverTheQueueLimit) {
  ServerOptions options = TestOptions();
  options.stream_queue_limit = 64 << 10;
  StreamingRoutes routes;
  auto server = StartOrDie(options, routes.Handler());
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send(Get("/events"));
  auto stream = routes.Stream(0);
  const auto sink = stream->WaitForOpen();
  ASSERT_NE(sink, nullptr);
  // The kernel's socket buffers take some megabytes first; the bound only keeps a server bug
  // from looping for ever.
  const std::string chunk(4096, 'x');
  size_t accepted = 0;
  while (sink->Write(chunk) && accepted < (size_t{1} << 30)) accepted += chunk.size();
  EXPECT_LT(accepted, size_t{1} << 30) << "the queue limit never applied";
  stream->WaitForClosed();
  EXPECT_FALSE(sink->Write("x"));
  EXPECT_EQ(stream->closed(), 1);
  EXPECT_EQ(server->open_streams(), 0u);
}

TEST(HttpServerStream, ClientThatReadsIsNeverDroppedByTheQueueLimit) {
  // 8 MiB through a 64 KiB limit: the limit counts only bytes not yet written to the socket.
  ServerOptions options = TestOptions();
  options.stream_queue_limit = 64 << 10;
  StreamingRoutes routes;
  auto server = StartOrDie(options, routes.Handler());
  ASSERT_NE(server, nullptr);
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server->port()));
  net::write(socket, net::buffer(Get("/events")));
  const auto sink = routes.Stream(0)->WaitForOpen();
  ASSERT_NE(sink, nullptr);
  std::string received;
  std::string chunk(16 << 10, '\0');
  const auto read_until = [&](size_t size) {
    while (received.size() < size) {
      received.append(chunk.data(), socket.read_some(net::buffer(chunk)));
    }
  };
  const std::string prefix = "retry: 1000\n\n: hello\n\n";
  while (received.find("\r\n\r\n") == std::string::npos) read_until(received.size() + 1);
  const size_t body_start = received.find("\r\n\r\n") + 4;
  read_until(body_start + prefix.size());
  const std::string event = "data: " + std::string(4090, 'e') + "\n\n";
  for (size_t i = 0; i < 2048; ++i) {
    ASSERT_TRUE(sink->Write(event)) << "dropped after " << i << " events";
    read_until(body_start + prefix.size() + (i + 1) * event.size());
  }
  EXPECT_EQ(received.size(), body_start + prefix.size() + 2048 * event.size());
  EXPECT_EQ(server->open_streams(), 1u);
  EXPECT_EQ(routes.Stream(0)->closed(), 0);
}

TEST(HttpServerStream, OneWriteLargerThanTheLimitIsRefused) {
  ServerOptions options = TestOptions();
  options.stream_queue_limit = 1000;
  StreamingRoutes routes;
  auto server = StartOrDie(options, routes.Handler());
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send(Get("/events"));
  auto stream = routes.Stream(0);
  const auto sink = stream->WaitForOpen();
  ASSERT_NE(sink, nullptr);
  EXPECT_FALSE(sink->Write(std::string(1001, 'x')));
  stream->WaitForClosed();
  EXPECT_FALSE(client.ReadToClose().empty());  // the head arrived, then the connection ended
}

TEST(HttpServerStream, StopEndsOpenStreamsAtOnceAndCallsClosed) {
  ServerOptions options = TestOptions();
  // Longer than the give-up time: streams left to the grace would be closed only after the
  // waits below have failed.
  options.shutdown_grace = std::chrono::seconds(60);
  StreamingRoutes routes;
  auto server = StartOrDie(options, routes.Handler());
  ASSERT_NE(server, nullptr);
  Client first(server->port());
  first.Send(Get("/events"));
  Client second(server->port());
  second.Send(Get("/events"));
  const auto sink = routes.Stream(0)->WaitForOpen();
  ASSERT_NE(sink, nullptr);
  ASSERT_NE(routes.Stream(1)->WaitForOpen(), nullptr);
  EXPECT_EQ(server->open_streams(), 2u);
  std::thread stopper([&] { server->Stop(); });
  routes.Stream(0)->WaitForClosed();
  routes.Stream(1)->WaitForClosed();
  stopper.join();
  EXPECT_EQ(routes.Stream(0)->closed(), 1);
  EXPECT_EQ(routes.Stream(1)->closed(), 1);
  EXPECT_EQ(server->open_streams(), 0u);
  EXPECT_FALSE(first.ReadToClose().empty());
  EXPECT_FALSE(second.ReadToClose().empty());
  // A sink kept past the server is inert.
  server.reset();
  EXPECT_FALSE(sink->Write("data: after\n\n"));
  sink->Close();
}

TEST(HttpServerStream, KeepAliveRequestsOnOtherConnectionsGoOnWhileStreamsAreOpen) {
  StreamingRoutes routes;
  auto server = StartOrDie(TestOptions(), routes.Handler());
  ASSERT_NE(server, nullptr);
  // Two streams: one on each worker.
  Client first(server->port());
  first.Send(Get("/events"));
  Client second(server->port());
  second.Send(Get("/events"));
  const auto sink = routes.Stream(0)->WaitForOpen();
  ASSERT_NE(sink, nullptr);
  ASSERT_NE(routes.Stream(1)->WaitForOpen(), nullptr);
  Client client(server->port());
  for (int i = 0; i < 20; ++i) {
    client.Send(Get("/r" + std::to_string(i)));
    const HttpResponse response = client.Read();
    EXPECT_EQ(response.body(), "GET /r" + std::to_string(i) + "\n");
    EXPECT_TRUE(response.keep_alive());
    EXPECT_TRUE(sink->Write("data: " + std::to_string(i) + "\n\n"));
  }
  EXPECT_EQ(server->open_streams(), 2u);
  EXPECT_EQ(routes.Stream(0)->closed(), 0);
}

TEST(HttpServerStream, HeadGetsTheHeadAndClosedWithoutOpen) {
  StreamingRoutes routes;
  auto server = StartOrDie(TestOptions(), routes.Handler());
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send("HEAD /events HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto [head, body] = SplitHead(client.ReadToClose());
  EXPECT_THAT(head, ::testing::StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(body, "");
  auto stream = routes.Stream(0);
  stream->WaitForClosed();
  EXPECT_EQ(stream->opened(), 0);
  EXPECT_EQ(stream->closed(), 1);
  EXPECT_EQ(server->open_streams(), 0u);
}

TEST(HttpServerStream, InvalidStreamingResponseIs500AndTheStreamIsClosed) {
  auto stream = std::make_shared<RecordingStream>();
  auto server = StartOrDie(TestOptions(), [&](const api::Request&) {
    api::Response response;
    response.headers = {{"Bad Name", "x"}};
    response.stream = stream;
    return response;
  });
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send(Get("/events"));
  EXPECT_EQ(client.Read().result_int(), 500);
  EXPECT_EQ(stream->opened(), 0);
  EXPECT_EQ(stream->closed(), 1);
}

TEST(HttpServer, ZeroStreamQueueLimitIsInvalidArgument) {
  ServerOptions options = TestOptions();
  options.stream_queue_limit = 0;
  EXPECT_THAT(Server::Start(options, Echo).status(),
              IsError(Code::kInvalidArgument, HasSubstr("stream_queue_limit")));
}

}  // namespace
}  // namespace sphere::http
