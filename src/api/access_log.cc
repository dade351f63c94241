#include "api/access_log.h"

#include <fcntl.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace sphere::api {
namespace {

constexpr size_t kFlushBytes = 256 << 10;

// JSON string content: quotes, backslashes and control characters escaped; other bytes as
// they are (paths and routes are ASCII after percent-encoding; the method is a token).
void AppendEscaped(std::string& out, std::string_view s) {
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
}

}  // namespace

Result<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& destination) {
  std::unique_ptr<AccessLog> log;
  if (destination == "off") {
    return std::unique_ptr<AccessLog>(new AccessLog(-1, false));
  }
  if (destination == "-") {
    log.reset(new AccessLog(STDOUT_FILENO, false));
  } else {
    const int fd = ::open(destination.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
      return Unavailable("access log " + destination + ": " + std::strerror(errno));
    }
    log.reset(new AccessLog(fd, true));
  }
  log->writer_ = std::thread([raw = log.get()] { raw->Run(); });
  return log;
}

AccessLog::~AccessLog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
  if (owns_fd_) ::close(fd_);
}

void AccessLog::Write(const AccessRecord& r) {
  if (fd_ < 0) return;
  const auto now = std::chrono::system_clock::now();
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  thread_local std::string line;
  line.clear();
  line += fmt::format("{{\"ts\":\"{:%Y-%m-%dT%H:%M:%S}.{:03d}Z\",\"method\":\"",
                      std::chrono::floor<std::chrono::seconds>(now), millis);
  AppendEscaped(line, r.method);
  line += "\",\"route\":\"";
  AppendEscaped(line, r.route);
  line += "\",\"path\":\"";
  AppendEscaped(line, r.path);
  line += fmt::format("\",\"status\":{},\"bytes\":{},\"us\":{}", r.status, r.bytes, r.micros);
  if (r.user_id != 0) line += fmt::format(",\"user\":{}", r.user_id);
  line += ",\"remote\":\"";
  AppendEscaped(line, r.remote);
  line += '"';
  if (!r.error_code.empty()) {
    line += ",\"error\":\"";
    AppendEscaped(line, r.error_code);
    line += '"';
  }
  line += "}\n";
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    pending_ += line;
    wake = pending_.size() >= kFlushBytes;
  }
  if (wake) wake_.notify_one();
}

void AccessLog::Flush() {
  std::string out;
  {
    std::lock_guard lock(mutex_);
    out.swap(pending_);
  }
  WriteOut(out);
}

void AccessLog::WriteOut(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a full disk or a closed pipe must not take the server down
    done += static_cast<size_t>(n);
  }
}

void AccessLog::Run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait_for(lock, std::chrono::milliseconds(200),
                   [&] { return stopping_ || pending_.size() >= kFlushBytes; });
    std::string out;
    out.swap(pending_);
    const bool stop = stopping_;
    lock.unlock();
    WriteOut(out);
    if (stop) return;
    lock.lock();
  }
}

}  // namespace sphere::api
