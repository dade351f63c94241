// One JSON line per request:
//   {"ts":"2026-11-26T06:20:01.123Z","method":"POST","route":"/api/v1/realtime-plep",
//    "path":"/api/v1/realtime-plep","status":200,"bytes":312,"us":84,"user":3,"remote":"127.0.0.1"}
// Never the query string, headers or body: keys travel in headers and drafts are private.
// Lines are buffered and written by a background thread (a request never waits on the disk);
// the buffer is flushed every 200 ms, past 256 KiB, and at destruction.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "core/status.h"

namespace sphere::api {

struct AccessRecord {
  std::string_view method;
  std::string_view route;  // the matched pattern, or "unmatched"
  std::string_view path;   // without the query
  int status = 0;
  size_t bytes = 0;
  int64_t micros = 0;
  int64_t user_id = 0;  // 0: no user
  std::string_view remote;
  std::string_view error_code;  // the error body's code for 4xx/5xx, else ""
};

class AccessLog {
 public:
  // "-" is stdout, "off" writes nothing, anything else a file opened for appending.
  static Result<std::unique_ptr<AccessLog>> Open(const std::string& destination);
  ~AccessLog();

  void Write(const AccessRecord& record);
  void Flush();

 private:
  explicit AccessLog(int fd, bool owns) : fd_(fd), owns_fd_(owns) {}
  void Run();
  void WriteOut(const std::string& bytes);

  int fd_ = -1;  // -1: off
  bool owns_fd_ = false;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string pending_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace sphere::api
