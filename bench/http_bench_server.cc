// The bare HTTP server under load: every request gets the same 100-byte JSON, so wrk measures
// src/http (parsing, keep-alive, writing) and nothing else. Run it, then point wrk at it:
//   build/h-http-rel/bench/bench_http_server --threads 2 --port 8089 &
//   wrk -t2 -c64 -d10s --latency -s bench/wrk/http_post_300.lua http://127.0.0.1:8089/
// Stops on SIGINT/SIGTERM.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "api/message.h"
#include "http/server.h"

int main(int argc, char** argv) {
  sphere::http::ServerOptions options;
  options.port = 8089;
  // Busy time per request, standing in for a handler's store read and model (0 = none).
  std::chrono::microseconds work{0};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--threads") == 0) {
      options.threads = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--work-us") == 0) {
      work = std::chrono::microseconds(std::atoi(argv[i + 1]));
    } else if (std::strcmp(argv[i], "--port") == 0) {
      options.port = static_cast<uint16_t>(std::atoi(argv[i + 1]));
    } else {
      std::fprintf(stderr, "usage: %s [--threads N] [--port P] [--work-us U]\n", argv[0]);
      return 2;
    }
  }
  // 100 bytes, the size of a small API answer.
  static const std::string kBody = R"({"status":"ok","score":0.8731,"range":[0.61,0.95],)"
                                   R"("model":"plep-v3-2026-11","took_us":112,"xy":1234})";
  auto server = sphere::http::Server::Start(options, [work](const sphere::api::Request&) {
    if (work.count() > 0) {
      const auto until = std::chrono::steady_clock::now() + work;
      while (std::chrono::steady_clock::now() < until) {
      }
    }
    sphere::api::Response response;
    response.body = kBody;
    return response;
  });
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
    return 1;
  }
  std::printf("serving on 127.0.0.1:%u with %d thread(s)\n", (*server)->port(), options.threads);
  std::fflush(stdout);
  (*server)->WaitForSignal();
  return 0;
}
