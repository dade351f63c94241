// Alert events POSTed to their owners' webhooks (docs/webhooks.md is the integrator's side).
//
// The queue is the store: committing an alert event adds one pending webhook_delivery row per
// enabled webhook of the rule's owner in the same transaction (Store::CommitAlertEvaluation),
// and WebhookSender works those rows off. Because every attempt is recorded on its row before
// the next one is taken, a restart (even kill -9) resumes where the last one stopped; the only
// thing a crash can cost is that the attempt in flight is sent again. Delivery is therefore
// at-least-once, and receivers dedupe by the event id (X-Sphere-Event-Id).
//
// Each body is signed: X-Sphere-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
// "<t>.<body>")>, so a receiver can tell a request came from us, was not altered, and is
// recent (a replayed old request fails the timestamp check).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "core/domain.h"
#include "core/status.h"
#include "service/store_pool.h"

namespace sphere::service {

// "t=<timestamp>,v1=<64 lower-case hex digits of HMAC-SHA256(secret, "<timestamp>.<body>")>".
std::string SignWebhookBody(std::string_view secret, UnixSeconds timestamp, std::string_view body);

// Whether `header` (as SignWebhookBody writes it; the order of its fields does not matter and
// several v1 fields may be given, any one matching is enough) signs `body` under `secret`,
// with a timestamp within `tolerance_seconds` of `now`, either side. The signature is compared
// in constant time. A malformed header is simply false.
bool VerifyWebhookSignature(std::string_view secret, std::string_view header, std::string_view body,
                            UnixSeconds now, int64_t tolerance_seconds = 300);

// The JSON of an event, as webhooks and the live stream send it:
//   {"id":1,"rule_id":2,"creator_id":3,"fired_at":"2026-11-26T09:00:00Z","payload":{...}}
// payload is payload_json inlined as stored. The store refuses a payload that is not a JSON
// object, so "payload" is null only for such a row written by other means.
std::string AlertEventJson(const AlertEvent& event);

struct WebhookSenderOptions {
  int max_attempts = 8;  // then the delivery is dead (the dead-letter state)
  // The wait after the n-th failed attempt: first_retry * 2^(n-1), at most max_retry.
  std::chrono::seconds first_retry{10};
  std::chrono::seconds max_retry{3600};
  std::chrono::milliseconds timeout{5000};        // one attempt, connect to last byte
  std::chrono::milliseconds poll_interval{1000};  // how often to look when nobody Notify()s
  int batch = 32;                                 // deliveries taken from the store at once
  std::function<UnixSeconds()> clock;             // default (empty): the system clock
};

// The wait before the next attempt after `failed_attempts` (>= 1) attempts have failed.
std::chrono::seconds WebhookRetryDelay(const WebhookSenderOptions& options, int failed_attempts);

class WebhookSender {
 public:
  // Checks the options (InvalidArgument naming the option: max_attempts and batch >= 1,
  // 1s <= first_retry <= max_retry, timeout and poll_interval > 0) and starts the sender
  // thread. It takes the deliveries that are due and POSTs each: a 2xx marks it delivered;
  // anything else (another status, a redirect, a network error or timeout) counts a failed
  // attempt, and the delivery waits WebhookRetryDelay before the next, or is dead after
  // max_attempts. attempts, last_status, last_error and updated_at are recorded every time.
  // A store error is logged and tried again after poll_interval; the sender never stops on
  // its own. `stores` must outlive the sender.
  static Result<std::unique_ptr<WebhookSender>> Start(StorePool& stores,
                                                      WebhookSenderOptions options);

  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;
  ~WebhookSender();  // Stop()

  // New deliveries may be due now (an evaluation committed events): look without waiting for
  // the poll interval. Cheap; any thread.
  void Notify();
  // Finishes the attempt in flight (recording it), leaves the rest pending, joins the thread.
  // Idempotent; any thread.
  void Stop();

  // Totals since Start, for /metrics. failures counts failed attempts (dead ones included).
  struct Counters {
    int64_t attempts = 0, delivered = 0, failures = 0, dead = 0;
  };
  Counters counters() const;

 private:
  WebhookSender(StorePool& stores, WebhookSenderOptions options);
  void Run();
  // Works off one batch. Returns whether it should look again at once (a full batch with every
  // attempt recorded: more may be due).
  bool SendDue();
  // True when Stop() was called.
  bool stopping() const;

  StorePool& stores_;
  const WebhookSenderOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool notified_ = false;
  Counters counters_;  // guarded by mutex_

  std::thread thread_;
};

}  // namespace sphere::service
