#include "http/server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/intrusive/list.hpp>
#include <charconv>
#include <condition_variable>
#include <csignal>
#include <ctime>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "api/errors.h"
#include "http/syntax.h"

namespace sphere::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

constexpr size_t kReadSize = 16 << 10;
// Per-connection buffers grown past this by one big request are released afterwards, so an
// upload does not pin its memory for the life of a keep-alive connection.
constexpr size_t kKeepCapacity = 64 << 10;
// How long a server-initiated close keeps reading (and discarding) what the client still
// sends, so the kernel does not answer unread data with a RST that destroys our response.
constexpr std::chrono::milliseconds kMaxLinger{2000};
constexpr std::chrono::milliseconds kAcceptRetry{50};

api::Method MethodOf(bhttp::verb verb) {
  switch (verb) {
    case bhttp::verb::get:
      return api::Method::kGet;
    case bhttp::verb::head:
      return api::Method::kHead;
    case bhttp::verb::post:
      return api::Method::kPost;
    case bhttp::verb::put:
      return api::Method::kPut;
    case bhttp::verb::patch:
      return api::Method::kPatch;
    case bhttp::verb::delete_:
      return api::Method::kDelete;
    case bhttp::verb::options:
      return api::Method::kOptions;
    default:
      return api::Method::kOther;
  }
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// The parser writes straight into the connection's reused api::Request: no beast::http::fields
// (an allocation per field) and no copy afterwards; strings keep their capacity across the
// requests of a keep-alive connection. Beast parsers are single-use, so one is built per
// request (cheap: no allocation).
class RequestParser final : public bhttp::basic_parser<true> {
 public:
  explicit RequestParser(api::Request& request) : request_(request) {}

  int version() const { return version_; }
  bool expect_continue() const { return expect_continue_; }

 private:
  void on_request_impl(bhttp::verb method, beast::string_view method_text,
                       beast::string_view target, int version, error_code&) override {
    request_.method = MethodOf(method);
    request_.method_text.assign(method_text.data(), method_text.size());
    request_.target.assign(target.data(), target.size());
    const size_t question = target.find('?');
    if (question == beast::string_view::npos) {
      request_.path.assign(target.data(), target.size());
      request_.query.clear();
    } else {
      request_.path.assign(target.data(), question);
      request_.query.assign(target.data() + question + 1, target.size() - question - 1);
    }
    version_ = version;
  }

  void on_response_impl(int, beast::string_view, int, error_code&) override {}

  void on_field_impl(bhttp::field field, beast::string_view name, beast::string_view value,
                     error_code&) override {
    auto& headers = request_.headers;
    if (header_count_ == headers.size()) headers.emplace_back();
    auto& [lower_name, header_value] = headers[header_count_++];
    lower_name.resize(name.size());
    std::transform(name.begin(), name.end(), lower_name.begin(), AsciiLower);
    header_value.assign(value.data(), value.size());
    if (field == bhttp::field::expect && version_ >= 11 &&
        EqualsIgnoreCase({value.data(), value.size()}, "100-continue")) {
      expect_continue_ = true;
    }
  }

  void on_header_impl(error_code&) override { request_.headers.resize(header_count_); }

  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
    // The parser has already checked a declared length against body_limit. Reserve no more
    // than kKeepCapacity up front: a client that declares 16 MiB and sends nothing should not
    // get 16 MiB.
    if (length) request_.body.reserve(std::min(static_cast<size_t>(*length), kKeepCapacity));
  }

  size_t on_body_impl(beast::string_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}

  size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, error_code&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }

  void on_finish_impl(error_code&) override {}

  api::Request& request_;
  int version_ = 11;
  size_t header_count_ = 0;
  bool expect_continue_ = false;
};

// "Thu, 26 Nov 2026 06:17:30 GMT", formatted once a second per thread.
std::string_view HttpDate() {
  thread_local std::time_t cached_second = -1;
  thread_local char text[64];
  thread_local size_t length = 0;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    length = std::strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached_second = now;
  }
  return {text, length};
}

bool HasBody(int status) { return status >= 200 && status != 204 && status != 304; }

// Framing headers are the server's: a handler's copy would contradict the real ones.
bool IsReservedHeader(std::string_view name) {
  for (std::string_view reserved :
       {"content-length", "content-type", "connection", "date", "transfer-encoding"}) {
    if (EqualsIgnoreCase(name, reserved)) return true;
  }
  return false;
}

// A response that cannot be written as HTTP (status out of range, CR/LF in a header) is a
// handler bug; the reason is what the log says.
std::string_view InvalidResponseReason(const api::Response& response) {
  if (response.status < 200 || response.status > 999) return "status out of range";
  if (!IsFieldValue(response.content_type)) return "control character in content_type";
  for (const auto& [name, value] : response.headers) {
    if (!IsToken(name)) return "bad header name";
    if (!IsFieldValue(value)) return "control character in a header value";
  }
  return {};
}

void AppendNumber(std::string& out, uint64_t n) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof(digits), n);
  out.append(digits, result.ptr);
}

// The status line, Content-Type (when the status has a body) and the handler's own headers;
// whether one of those was Cache-Control.
bool AppendStatusAndHeaders(const api::Response& response, std::string& out) {
  out += "HTTP/1.1 ";
  AppendNumber(out, static_cast<uint64_t>(response.status));
  out += ' ';
  const beast::string_view reason =
      bhttp::obsolete_reason(static_cast<bhttp::status>(response.status));
  out.append(reason.data(), reason.size());
  out += "\r\n";
  if (HasBody(response.status) && !response.content_type.empty()) {
    out += "Content-Type: ";
    out += response.content_type;
    out += "\r\n";
  }
  bool cache_control = false;
  for (const auto& [name, value] : response.headers) {
    if (IsReservedHeader(name)) continue;
    cache_control = cache_control || EqualsIgnoreCase(name, "cache-control");
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  return cache_control;
}

void SerializeHead(const api::Response& response, bool keep_alive, bool http10, std::string& out) {
  out.clear();
  AppendStatusAndHeaders(response, out);
  if (HasBody(response.status)) {
    out += "Content-Length: ";
    AppendNumber(out, response.body.size());
    out += "\r\n";
  }
  if (!keep_alive) {
    out += "Connection: close\r\n";
  } else if (http10) {
    out += "Connection: keep-alive\r\n";
  }
  out += "Date: ";
  out += HttpDate();
  out += "\r\n\r\n";
}

// The head of a streaming response: no Content-Length, the body ends when the connection does.
void SerializeStreamHead(const api::Response& response, std::string& out) {
  out.clear();
  // A proxy or browser cache holding an event stream would replay stale events.
  if (!AppendStatusAndHeaders(response, out)) out += "Cache-Control: no-cache\r\n";
  out += "Connection: close\r\nDate: ";
  out += HttpDate();
  out += "\r\n\r\n";
}

struct Config {
  ServerOptions options;
  api::Handler handler;
  std::chrono::milliseconds tick{};  // how often each worker checks its connections' deadlines
  std::chrono::milliseconds linger{};
};

class Session;
using AutoUnlinkHook =
    boost::intrusive::list_base_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

// The StreamSink of one streaming connection. Other threads append to `pending_` and post one
// flush at a time to the connection's worker, which takes the pending bytes and writes them.
// The io_context is touched only while attached: Detach (on the worker, before the stream's
// Closed) ends that, so a sink kept after the Server is gone never reaches a dead io_context.
class Sink final : public api::StreamSink {
 public:
  Sink(net::io_context& ioc, std::weak_ptr<Session> session, size_t limit)
      : ioc_(ioc), session_(std::move(session)), limit_(limit) {}

  bool Write(std::string bytes) override {
    std::lock_guard lock(mutex_);
    if (detached_ || closing_) return false;
    if (bytes.size() > limit_ - queued_) {
      overflow_ = true;
      closing_ = true;
      Schedule();
      return false;
    }
    queued_ += bytes.size();
    if (pending_.empty()) {
      pending_ = std::move(bytes);
    } else {
      pending_ += bytes;
    }
    Schedule();
    return true;
  }

  void Close() override {
    std::lock_guard lock(mutex_);
    if (detached_ || closing_) return;
    closing_ = true;
    Schedule();
  }

  struct Pending {
    std::string bytes;
    bool closing = false;
    bool overflow = false;
  };

  // Worker thread: what to write next, and whether the stream is to end after it.
  Pending Take() {
    std::lock_guard lock(mutex_);
    scheduled_ = false;
    Pending taken;
    taken.bytes.swap(pending_);
    taken.closing = closing_;
    taken.overflow = overflow_;
    return taken;
  }

  // Worker thread: `n` queued bytes reached the socket.
  void Written(size_t n) {
    std::lock_guard lock(mutex_);
    queued_ -= n;
  }

  // Worker thread: from now on every call is a no-op.
  void Detach() {
    std::lock_guard lock(mutex_);
    detached_ = true;
    closing_ = true;
    std::string().swap(pending_);
  }

 private:
  void Schedule();  // with mutex_ held

  net::io_context& ioc_;
  const std::weak_ptr<Session> session_;
  const size_t limit_;
  std::mutex mutex_;
  std::string pending_;
  size_t queued_ = 0;  // pending_ plus what the worker is writing
  bool scheduled_ = false;
  bool closing_ = false;
  bool overflow_ = false;
  bool detached_ = false;
};

// One io_context and the thread that runs it, with the connections that live on it. Everything
// here is touched only by that thread (other threads post to `ioc`).
struct Worker {
  Worker(const Config& c, const std::atomic<bool>& stop_requested,
         std::atomic<size_t>& streams_open)
      : config(c), server_stopping(stop_requested), open_streams(streams_open) {}

  void Adopt(tcp::socket socket);
  void ArmSweep();
  void BeginStop();
  void CloseAll();
  void OnSessionGone();

  const Config& config;
  // Set by Stop() at once, while `stopping` waits for this thread to get to BeginStop: a
  // response written meanwhile already says "Connection: close".
  const std::atomic<bool>& server_stopping;
  std::atomic<size_t>& open_streams;  // the Server's count, shared by its workers
  // Declared before `ioc`: sessions still owned by pending handlers unlink themselves while
  // the io_context is destroyed.
  boost::intrusive::list<Session, boost::intrusive::base_hook<AutoUnlinkHook>,
                         boost::intrusive::constant_time_size<false>>
      sessions;
  net::io_context ioc{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> guard{ioc.get_executor()};
  // One timer per worker instead of one per connection: re-arming a timer per request costs
  // more than a sweep over the connections every `tick`.
  net::steady_timer sweep{ioc};
  bool stopping = false;
  bool finished = false;  // the thread has been joined; the Worker is being destroyed
  std::thread thread;
};

class Session : public std::enable_shared_from_this<Session>, public AutoUnlinkHook {
 public:
  Session(Worker& worker, tcp::socket socket) : worker_(worker), socket_(std::move(socket)) {
    error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    const tcp::endpoint peer = socket_.remote_endpoint(ec);
    if (!ec) request_.remote_address = peer.address().to_string();
  }

  ~Session() {
    EndStream();  // only when the io_context is destroyed with the connection still pending
    unlink();
    worker_.OnSessionGone();
  }

  void Start() { BeginRequest(); }

  Clock::time_point deadline() const { return deadline_; }

  void Close() {
    state_ = State::kClosed;
    deadline_ = Clock::time_point::max();
    error_code ec;
    socket_.close(ec);
    EndStream();
  }

  // Requests already read are answered (then the connection closes, see OnWrite); streams and
  // anything else close now.
  void OnServerStop() {
    if (state_ == State::kIdle || state_ == State::kReading || state_ == State::kLingering ||
        state_ == State::kStreaming) {
      Close();
    }
  }

  // Posted by the Sink: writes what is queued, or ends the stream once it is all written.
  void FlushStream() {
    if (state_ != State::kStreaming || stream_writing_) return;
    Sink::Pending pending = sink_->Take();
    if (pending.overflow) {
      spdlog::warn("http: dropping the stream of {} {} to {}: more than {} bytes unread",
                   request_.method_text, request_.path, request_.remote_address,
                   options().stream_queue_limit);
      Close();
      return;
    }
    if (!pending.bytes.empty()) {
      stream_out_ = std::move(pending.bytes);
      stream_writing_ = true;
      net::async_write(socket_, net::buffer(stream_out_),
                       [self = shared_from_this()](error_code ec, size_t n) {
                         self->stream_writing_ = false;
                         if (self->state_ != State::kStreaming) return;
                         if (ec) {
                           self->Close();
                           return;
                         }
                         self->sink_->Written(n);
                         self->FlushStream();
                       });
      return;
    }
    if (pending.closing) {
      // Sink::Close with everything written: end like any server-closed response, the read
      // already pending (StartStream) doing the lingering drain.
      EndStream();
      error_code ignored;
      socket_.shutdown(tcp::socket::shutdown_send, ignored);
      if (worker_.stopping) {
        Close();
        return;
      }
      state_ = State::kLingering;
      deadline_ = Clock::now() + worker_.config.linger;
    }
  }

 private:
  enum class State { kIdle, kReading, kHandling, kWriting, kStreaming, kLingering, kClosed };

  const ServerOptions& options() const { return worker_.config.options; }

  void BeginRequest() {
    if (request_.body.capacity() > kKeepCapacity) {
      std::string().swap(request_.body);
    } else {
      request_.body.clear();
    }
    if (buffer_.capacity() > kKeepCapacity && buffer_.size() < kKeepCapacity) {
      buffer_.shrink_to_fit();
    }
    parser_.emplace(request_);
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<size_t>(options().header_limit, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(static_cast<std::uint64_t>(options().body_limit));
    parser_->eager(true);
    continue_sent_ = false;
    if (buffer_.size() == 0) {
      state_ = State::kIdle;
      deadline_ = Clock::now() + options().idle_timeout;
      ReadSome();
    } else {
      StartReading();  // a pipelined request is already buffered
      Parse();
    }
  }

  void StartReading() {
    state_ = State::kReading;
    request_.received_at = Clock::now();
    deadline_ = request_.received_at + options().read_timeout;
  }

  void ReadSome() {
    socket_.async_read_some(
        buffer_.prepare(kReadSize),
        [self = shared_from_this()](error_code ec, size_t n) { self->OnRead(ec, n); });
  }

  void OnRead(error_code ec, size_t n) {
    if (state_ == State::kClosed) return;
    if (ec) {
      // EOF between requests is the normal end of a keep-alive connection; mid-request the
      // client gave up. Either way nobody is left to answer.
      Close();
      return;
    }
    buffer_.commit(n);
    if (state_ == State::kIdle) StartReading();
    Parse();
  }

  void Parse() {
    while (buffer_.size() > 0) {
      error_code ec;
      const size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == bhttp::error::need_more) break;
      if (ec) {
        FailRequest(ec);
        return;
      }
      if (parser_->is_done()) {
        OnRequest();
        return;
      }
      if (used == 0) break;
    }
    if (parser_->expect_continue() && parser_->is_header_done() && !continue_sent_) {
      // curl and others wait for this before sending a body.
      continue_sent_ = true;
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = shared_from_this()](error_code ec, size_t) {
                         if (self->state_ == State::kClosed) return;
                         if (ec) {
                           self->Close();
                           return;
                         }
                         self->ReadSome();
                       });
      return;
    }
    ReadSome();
  }

  void FailRequest(error_code ec) {
    api::Response response;
    if (ec == bhttp::error::body_limit) {
      response = api::ErrorResponse(
          413, "payload_too_large",
          "the request body is larger than " + std::to_string(options().body_limit) + " bytes",
          "body");
    } else if (ec == bhttp::error::header_limit) {
      response = api::ErrorResponse(431, "header_too_large",
                                    "the request line and headers are larger than " +
                                        std::to_string(options().header_limit) + " bytes");
    } else {
      response = api::ErrorResponse(400, "bad_request", "malformed HTTP request: " + ec.message());
    }
    Respond(std::move(response), /*keep_alive=*/false, /*head=*/false, /*http10=*/false);
  }

  void OnRequest() {
    state_ = State::kHandling;
    deadline_ = Clock::time_point::max();
    api::Response response;
    try {
      response = worker_.config.handler(request_);
    } catch (const std::exception& e) {
      spdlog::error("http: the handler threw on {} {}: {}", request_.method_text, request_.path,
                    e.what());
      response = api::ErrorResponse(500, "internal", "internal error");
    } catch (...) {
      spdlog::error("http: the handler threw a non-exception on {} {}", request_.method_text,
                    request_.path);
      response = api::ErrorResponse(500, "internal", "internal error");
    }
    Respond(std::move(response),
            parser_->keep_alive() && !worker_.server_stopping.load(std::memory_order_relaxed),
            request_.method == api::Method::kHead, parser_->version() < 11);
  }

  void Respond(api::Response response, bool keep_alive, bool head, bool http10) {
    response_ = std::move(response);
    stream_ = std::move(response_.stream);
    if (const std::string_view reason = InvalidResponseReason(response_); !reason.empty()) {
      spdlog::error("http: the handler's response to {} {} cannot be sent ({})",
                    request_.method_text, request_.path, reason);
      EndStream();
      response_ = api::ErrorResponse(500, "internal", "internal error");
    }
    if (stream_) {
      RespondStreaming(head);
      return;
    }
    keep_alive_ = keep_alive;
    state_ = State::kWriting;
    deadline_ = Clock::now() + options().read_timeout;
    SerializeHead(response_, keep_alive, http10, head_);
    const bool send_body = !head && HasBody(response_.status);
    const std::array<net::const_buffer, 2> buffers{
        net::buffer(head_), send_body ? net::buffer(response_.body) : net::const_buffer()};
    net::async_write(socket_, buffers,
                     [self = shared_from_this()](error_code ec, size_t) { self->OnWrite(ec); });
  }

  void RespondStreaming(bool head) {
    keep_alive_ = false;
    state_ = State::kWriting;
    deadline_ = Clock::now() + options().read_timeout;
    SerializeStreamHead(response_, head_);
    const bool open = !head && HasBody(response_.status);
    const std::array<net::const_buffer, 2> buffers{
        net::buffer(head_), open ? net::buffer(response_.body) : net::const_buffer()};
    net::async_write(socket_, buffers, [self = shared_from_this(), open](error_code ec, size_t) {
      if (self->state_ == State::kClosed) return;
      if (ec) {
        self->Close();
        return;
      }
      if (!open || self->worker_.stopping) {
        self->EndStream();
        self->LingerClose();
        return;
      }
      self->StartStream();
    });
  }

  void StartStream() {
    state_ = State::kStreaming;
    deadline_ = Clock::time_point::max();
    std::string().swap(response_.body);
    buffer_.clear();  // a request pipelined behind the stream's is never answered
    sink_ = std::make_shared<Sink>(worker_.ioc, weak_from_this(), options().stream_queue_limit);
    stream_opened_ = true;
    worker_.open_streams.fetch_add(1, std::memory_order_relaxed);
    // The client closing (EOF, reset) fails this read, which closes the connection.
    Drain();
    try {
      stream_->Open(sink_);
    } catch (const std::exception& e) {
      spdlog::error("http: opening the stream of {} {} threw: {}", request_.method_text,
                    request_.path, e.what());
      Close();
    } catch (...) {
      spdlog::error("http: opening the stream of {} {} threw", request_.method_text, request_.path);
      Close();
    }
  }

  // Detaches the sink and tells the stream, once; a no-op when there is no stream.
  void EndStream() {
    if (!stream_) return;
    const std::shared_ptr<api::ResponseStream> stream = std::move(stream_);
    stream_.reset();
    if (sink_) {
      sink_->Detach();
      sink_.reset();
    }
    if (stream_opened_) {
      stream_opened_ = false;
      worker_.open_streams.fetch_sub(1, std::memory_order_relaxed);
    }
    try {
      stream->Closed();
    } catch (const std::exception& e) {
      spdlog::error("http: closing the stream of {} {} threw: {}", request_.method_text,
                    request_.path, e.what());
    } catch (...) {
      spdlog::error("http: closing the stream of {} {} threw", request_.method_text, request_.path);
    }
  }

  void OnWrite(error_code ec) {
    if (state_ == State::kClosed) return;
    if (ec) {
      Close();
      return;
    }
    if (!keep_alive_ || worker_.stopping) {
      LingerClose();
      return;
    }
    BeginRequest();
  }

  void LingerClose() {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    if (worker_.stopping) {
      Close();
      return;
    }
    state_ = State::kLingering;
    deadline_ = Clock::now() + worker_.config.linger;
    buffer_.clear();
    Drain();
  }

  void Drain() {
    socket_.async_read_some(buffer_.prepare(kReadSize),
                            [self = shared_from_this()](error_code ec, size_t) {
                              if (self->state_ == State::kClosed) return;
                              if (ec) {
                                self->Close();
                                return;
                              }
                              self->Drain();
                            });
  }

  Worker& worker_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  api::Request request_;
  std::optional<RequestParser> parser_;
  api::Response response_;
  std::string head_;
  State state_ = State::kIdle;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool keep_alive_ = true;
  bool continue_sent_ = false;
  // Streaming (a response with a stream).
  std::shared_ptr<api::ResponseStream> stream_;
  std::shared_ptr<Sink> sink_;
  std::string stream_out_;  // being written
  bool stream_writing_ = false;
  bool stream_opened_ = false;
};

void Sink::Schedule() {
  if (scheduled_) return;
  scheduled_ = true;
  // The weak pointer is locked on the worker: a Session must end on its own thread.
  net::post(ioc_, [session = session_] {
    if (const std::shared_ptr<Session> s = session.lock()) s->FlushStream();
  });
}

void Worker::Adopt(tcp::socket socket) {
  if (stopping) return;  // the socket closes as it goes out of scope
  auto session = std::make_shared<Session>(*this, std::move(socket));
  sessions.push_back(*session);
  session->Start();
}

void Worker::ArmSweep() {
  sweep.expires_after(config.tick);
  sweep.async_wait([this](error_code ec) {
    if (ec) return;  // cancelled: stopping with no connections left
    const auto now = Clock::now();
    for (auto it = sessions.begin(); it != sessions.end();) {
      Session& session = *it++;  // Close() does not unlink; the session ends later
      if (now >= session.deadline()) session.Close();
    }
    if (stopping && sessions.empty()) return;
    ArmSweep();
  });
}

void Worker::BeginStop() {
  stopping = true;
  guard.reset();
  for (auto it = sessions.begin(); it != sessions.end();) (it++)->OnServerStop();
  if (sessions.empty()) sweep.cancel();
}

void Worker::CloseAll() {
  for (auto it = sessions.begin(); it != sessions.end();) (it++)->Close();
}

void Worker::OnSessionGone() {
  // Once the last connection is gone the sweep timer is the only work left; cancelling it
  // lets run() return.
  if (!finished && stopping && sessions.empty()) sweep.cancel();
}

}  // namespace

struct Server::Impl {
  explicit Impl(Config c) : config(std::move(c)) {
    workers.reserve(static_cast<size_t>(config.options.threads));
    for (int i = 0; i < config.options.threads; ++i) {
      workers.push_back(std::make_unique<Worker>(config, stop_requested, open_streams));
    }
    acceptor.emplace(workers[0]->ioc);
    accept_retry.emplace(workers[0]->ioc);
  }

  ~Impl() {
    Stop();
    for (auto& worker : workers) worker->finished = true;
    // Acceptor and timer before the io_context they belong to.
    accept_retry.reset();
    acceptor.reset();
  }

  Status Listen(const tcp::endpoint& endpoint) {
    const std::string where = config.options.address + ":" + std::to_string(config.options.port);
    error_code ec;
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
    if (ec) return Unavailable("cannot listen on " + where + ": " + ec.message());
    port = acceptor->local_endpoint(ec).port();
    if (ec) return Unavailable("cannot listen on " + where + ": " + ec.message());
    return Status::Ok();
  }

  void Run() {
    for (auto& worker : workers) worker->ArmSweep();
    Accept();
    for (auto& worker : workers) {
      {
        std::lock_guard lock(exit_mutex);
        ++running;
      }
      try {
        worker->thread = std::thread([this, w = worker.get()] { RunWorker(*w); });
      } catch (...) {
        std::lock_guard lock(exit_mutex);
        --running;
        throw;
      }
    }
  }

  void RunWorker(Worker& worker) {
    for (;;) {
      try {
        worker.ioc.run();
        break;
      } catch (const std::exception& e) {
        // Nothing of ours throws; keep serving the other connections regardless.
        spdlog::error("http: worker: {}", e.what());
      }
    }
    {
      std::lock_guard lock(exit_mutex);
      --running;
    }
    exit_cv.notify_all();
  }

  void Accept() {
    Worker& target = *workers[next_worker];
    next_worker = (next_worker + 1) % workers.size();
    acceptor->async_accept(target.ioc, [this, &target](error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
      if (ec) {
        // Out of file descriptors and the like: retry soon rather than spin.
        spdlog::warn("http: accept failed: {}", ec.message());
        accept_retry->expires_after(kAcceptRetry);
        accept_retry->async_wait([this](error_code wait_ec) {
          if (!wait_ec && acceptor->is_open()) Accept();
        });
        return;
      }
      if (&target == workers[0].get()) {
        target.Adopt(std::move(socket));
      } else {
        net::post(target.ioc,
                  [&target, s = std::move(socket)]() mutable { target.Adopt(std::move(s)); });
      }
      Accept();
    });
  }

  void Stop() {
    std::lock_guard stop_lock(stop_mutex);
    if (stopped) return;
    stopped = true;
    stop_requested = true;
    signal_ioc.stop();
    net::post(workers[0]->ioc, [this] {
      error_code ignored;
      acceptor->close(ignored);
      accept_retry->cancel();
    });
    for (auto& worker : workers) {
      net::post(worker->ioc, [w = worker.get()] { w->BeginStop(); });
    }
    {
      std::unique_lock lock(exit_mutex);
      if (!exit_cv.wait_for(lock, config.options.shutdown_grace, [this] { return running == 0; })) {
        spdlog::warn("http: connections still busy after the shutdown grace; closing them");
        for (auto& worker : workers) {
          net::post(worker->ioc, [w = worker.get()] { w->CloseAll(); });
        }
      }
    }
    for (auto& worker : workers) {
      if (worker->thread.joinable()) worker->thread.join();
    }
    // A connection accepted just before the acceptor closed can be handed to a worker whose
    // run() had already returned; running what is left adopts nothing and closes it now rather
    // than when the Server is destroyed.
    for (auto& worker : workers) {
      worker->ioc.restart();
      worker->ioc.poll();
    }
  }

  void WaitForSignal() {
    {
      net::signal_set signals(signal_ioc, SIGINT, SIGTERM);
      signals.async_wait([](error_code, int) {});
      signal_ioc.run();
    }
    Stop();
  }

  Config config;
  std::atomic<bool> stop_requested = false;
  std::atomic<size_t> open_streams = 0;  // before `workers`: their sessions outlive the threads
  std::vector<std::unique_ptr<Worker>> workers;  // first: destroyed after what uses their ioc
  std::optional<tcp::acceptor> acceptor;         // on workers[0]
  std::optional<net::steady_timer> accept_retry;
  size_t next_worker = 0;  // touched only by workers[0]'s thread (and Start before it)
  uint16_t port = 0;

  net::io_context signal_ioc{1};
  std::mutex stop_mutex;
  bool stopped = false;
  std::mutex exit_mutex;
  std::condition_variable exit_cv;
  int running = 0;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() = default;  // ~Impl stops

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, api::Handler handler) {
  if (!handler) return InvalidArgument("handler: none given");
  if (options.threads < 1) return InvalidArgument("threads: must be at least 1");
  if (options.body_limit == 0) return InvalidArgument("body_limit: must be positive");
  if (options.header_limit < 64) return InvalidArgument("header_limit: must be at least 64");
  if (options.read_timeout.count() <= 0 || options.idle_timeout.count() <= 0) {
    return InvalidArgument("read_timeout, idle_timeout: must be positive");
  }
  if (options.stream_queue_limit == 0) {
    return InvalidArgument("stream_queue_limit: must be positive");
  }
  try {
    error_code ec;
    const net::ip::address address = net::ip::make_address(options.address, ec);
    if (ec) return InvalidArgument("address: '" + options.address + "' is not an IP address");
    Config config{options, std::move(handler)};
    config.tick = std::clamp(std::min(options.read_timeout, options.idle_timeout) / 8,
                             std::chrono::milliseconds(5), std::chrono::milliseconds(250));
    config.linger = std::min(options.read_timeout, kMaxLinger);
    auto impl = std::make_unique<Impl>(std::move(config));
    SPHERE_RETURN_IF_ERROR(impl->Listen(tcp::endpoint(address, options.port)));
    impl->Run();
    return std::unique_ptr<Server>(new Server(std::move(impl)));
  } catch (const std::exception& e) {
    return Internal(std::string("starting the HTTP server: ") + e.what());
  }
}

uint16_t Server::port() const { return impl_->port; }

size_t Server::open_streams() const { return impl_->open_streams.load(std::memory_order_relaxed); }

void Server::Stop() { impl_->Stop(); }

void Server::WaitForSignal() { impl_->WaitForSignal(); }

}  // namespace sphere::http
