// The HTTP/1.1 server: the only code that knows Boost.Beast. It turns bytes on a socket into an
// api::Request, calls the api::Handler, and writes the api::Response back.
//
// Shape: `threads` workers, each an io_context run by one thread (no strands, no locks on the
// request path); one acceptor hands new connections to the workers round-robin. A connection
// lives on one worker for its whole life, so its requests are answered in order (pipelining)
// and keep-alive is per the request (HTTP/1.1 default on, HTTP/1.0 default off).
//
// The handler runs on the worker's I/O thread, synchronously. A handler that blocks (a store
// read of ~100 us) holds up the other connections of that worker for that long; with a few
// threads that is the intended trade: no queue hand-off per request. A handler must not throw;
// if it does, the client gets a 500 JSON error, the exception is logged and the server goes on.
//
// Errors the server produces itself use api::ErrorResponse and then close the connection:
// 400 "bad_request" (malformed HTTP), 413 "payload_too_large" (field "body"),
// 431 "header_too_large". A request that does not arrive in full within read_timeout, and a
// keep-alive connection idle for idle_timeout, are closed without a response.
//
// Streaming responses (api::Response::stream, Server-Sent Events): after the head the
// connection belongs to the stream. Writes from any thread are posted to the connection's
// worker and written in order; the client closing is noticed by a read kept pending (what it
// sends is discarded); no read or idle timeout applies (the source sends heartbeats); a client
// that lets more than stream_queue_limit bytes pile up is dropped. Stop() ends streams at once.
//
// Thread safety: Start, port, open_streams, Stop, WaitForSignal and the destructor may be called
// from any thread except a handler (Stop from a handler would wait for itself).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "api/message.h"
#include "core/status.h"

namespace sphere::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;                             // 0 = an ephemeral port (tests)
  int threads = 2;                                  // threads running the I/O and the handler
  size_t body_limit = 16 << 20;                     // bytes; larger -> 413, connection closed
  size_t header_limit = 16 << 10;                   // bytes; larger -> 431, connection closed
  std::chrono::milliseconds read_timeout{30000};    // a started request must arrive in full
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive connection with no request
  std::chrono::milliseconds shutdown_grace{10000};  // Stop() waits this long for in-flight work
  size_t stream_queue_limit = 1 << 20;              // bytes a streaming response may have unwritten
};

class Server {
 public:
  // Binds, listens and starts serving on background threads. InvalidArgument for bad options
  // (an address that does not parse, threads < 1, no handler); Unavailable when the address
  // cannot be bound (in use, not local). Never throws.
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options, api::Handler handler);

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server();  // Stop()

  // The bound port (the ephemeral one when 0 was asked).
  uint16_t port() const;

  // Streaming responses opened and not yet closed (for metrics and tests).
  size_t open_streams() const;

  // Graceful and idempotent: stops accepting; closes idle keep-alive connections, requests
  // still arriving and streaming responses (their Closed runs on the I/O threads meanwhile,
  // so it must not wait for the thread calling Stop); lets requests already read run their
  // handler and write their response (then closes those connections), for up to
  // shutdown_grace; then closes whatever is left and joins the threads. A handler still
  // blocked after the grace is waited for: the threads cannot be interrupted inside user code.
  void Stop();

  // Blocks until SIGINT or SIGTERM arrives (or Stop() is called elsewhere), then Stop().
  // What `sphere serve` calls. The handlers are restored first, so a second Ctrl-C during
  // the shutdown grace ends the process at once.
  void WaitForSignal();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sphere::http
