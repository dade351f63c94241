#include "service/webhook_sender.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>
#include <utility>
#include <vector>

#include "core/time.h"
#include "http/client.h"

namespace sphere::service {
namespace {

constexpr std::string_view kUserAgent = "InfluencerSphere-Webhooks/1";
// What of a refusing receiver's body is kept in last_error: enough to show its message.
constexpr size_t kMaxErrorBodyBytes = 200;

std::string HmacHex(std::string_view secret, std::string_view timestamp, std::string_view body) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(timestamp.data()),
                                timestamp.size());
  const unsigned char dot = '.';
  crypto_auth_hmacsha256_update(&state, &dot, 1);
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac;
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(&state, sizeof state);  // the state holds the key's pads
  std::string hex(mac.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
  hex.pop_back();  // the terminating NUL
  return hex;
}

UnixSeconds SystemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Printable ASCII only, so a receiver's binary or multi-line answer stays one readable line.
std::string ErrorBodyExcerpt(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, kMaxErrorBodyBytes)) {
    out.push_back(c >= 0x20 && c <= 0x7E ? c : ' ');
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

std::string SignWebhookBody(std::string_view secret, UnixSeconds timestamp, std::string_view body) {
  const std::string t = std::to_string(timestamp);
  return "t=" + t + ",v1=" + HmacHex(secret, t, body);
}

bool VerifyWebhookSignature(std::string_view secret, std::string_view header, std::string_view body,
                            UnixSeconds now, int64_t tolerance_seconds) {
  std::string_view timestamp_text;
  std::vector<std::string_view> signatures;
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view field = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
    const size_t equals = field.find('=');
    if (equals == std::string_view::npos) return false;
    const std::string_view key = field.substr(0, equals);
    const std::string_view value = field.substr(equals + 1);
    if (key == "t") {
      if (!timestamp_text.empty()) return false;  // two timestamps: which one was signed?
      timestamp_text = value;
    } else if (key == "v1") {
      signatures.push_back(value);
    }  // other schemes are for other versions of this format: ignored
  }
  if (timestamp_text.empty() || signatures.empty()) return false;
  int64_t timestamp = 0;
  const auto [end, error] = std::from_chars(
      timestamp_text.data(), timestamp_text.data() + timestamp_text.size(), timestamp);
  if (error != std::errc() || end != timestamp_text.data() + timestamp_text.size()) return false;
  // Written to avoid overflow on absurd timestamps: |now - timestamp| <= tolerance.
  if (timestamp > now ? timestamp - now > tolerance_seconds : now - timestamp > tolerance_seconds) {
    return false;
  }
  // The text that was signed is the timestamp as sent, so "t=0100" signs "0100.<body>".
  const std::string expected = HmacHex(secret, timestamp_text, body);
  bool match = false;
  for (std::string_view signature : signatures) {
    if (signature.size() == expected.size() &&
        sodium_memcmp(signature.data(), expected.data(), expected.size()) == 0) {
      match = true;
    }
  }
  return match;
}

std::string AlertEventJson(const AlertEvent& event) {
  std::string out;
  out.reserve(96 + event.payload_json.size());
  out += "{\"id\":";
  out += std::to_string(event.id);
  out += ",\"rule_id\":";
  out += std::to_string(event.rule_id);
  out += ",\"creator_id\":";
  out += std::to_string(event.creator_id);
  out += ",\"fired_at\":\"";
  AppendIsoTime(out, event.fired_at);
  out += "\",\"payload\":";
  const size_t first = event.payload_json.find_first_not_of(" \t\r\n");
  const bool object = first != std::string::npos && event.payload_json[first] == '{' &&
                      nlohmann::json::accept(event.payload_json);
  out += object ? std::string_view(event.payload_json) : std::string_view("null");
  out += '}';
  return out;
}

std::chrono::seconds WebhookRetryDelay(const WebhookSenderOptions& options, int failed_attempts) {
  std::chrono::seconds delay = options.first_retry;
  for (int i = 1; i < failed_attempts && delay < options.max_retry; ++i) delay *= 2;
  return std::min(delay, options.max_retry);
}

Result<std::unique_ptr<WebhookSender>> WebhookSender::Start(StorePool& stores,
                                                            WebhookSenderOptions options) {
  if (options.max_attempts < 1) return InvalidArgument("max_attempts: must be at least 1");
  if (options.batch < 1) return InvalidArgument("batch: must be at least 1");
  // A zero delay would make a failing delivery due again at once: a busy loop against a
  // receiver that is down.
  if (options.first_retry < std::chrono::seconds(1)) {
    return InvalidArgument("first_retry: must be at least 1 second");
  }
  if (options.max_retry < options.first_retry) {
    return InvalidArgument("max_retry: must be at least first_retry");
  }
  if (options.timeout <= std::chrono::milliseconds(0)) {
    return InvalidArgument("timeout: must be positive");
  }
  if (options.poll_interval <= std::chrono::milliseconds(0)) {
    return InvalidArgument("poll_interval: must be positive");
  }
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  if (!options.clock) options.clock = SystemNow;
  std::unique_ptr<WebhookSender> sender(new WebhookSender(stores, std::move(options)));
  try {
    sender->thread_ = std::thread([s = sender.get()] { s->Run(); });
  } catch (const std::system_error& e) {  // no thread to be had: the process is at its limit
    return Unavailable(std::string("webhooks: cannot start the sender thread: ") + e.what());
  }
  return sender;
}

WebhookSender::WebhookSender(StorePool& stores, WebhookSenderOptions options)
    : stores_(stores), options_(std::move(options)) {}

WebhookSender::~WebhookSender() { Stop(); }

void WebhookSender::Notify() {
  {
    std::lock_guard lock(mutex_);
    notified_ = true;
  }
  wake_.notify_one();
}

void WebhookSender::Stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

WebhookSender::Counters WebhookSender::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

bool WebhookSender::stopping() const {
  std::lock_guard lock(mutex_);
  return stop_;
}

void WebhookSender::Run() {
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) return;
      // Cleared before looking, so a Notify() that arrives while a batch is sent is not lost.
      notified_ = false;
    }
    if (SendDue()) continue;
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, options_.poll_interval, [this] { return stop_ || notified_; });
  }
}

bool WebhookSender::SendDue() {
  Result<StorePool::Lease> lease = stores_.Acquire();
  if (!lease.ok()) {
    fmt::print(stderr, "webhooks: cannot open the store: {}\n", lease.status().ToString());
    return false;
  }
  Store& store = **lease;
  // A broken connection goes back to the pool as discarded, so the next poll opens a new one.
  auto store_failed = [&](const Status& status, std::string_view what) {
    fmt::print(stderr, "webhooks: {}: {}\n", what, status.ToString());
    if (status.code() == Code::kUnavailable) lease->Discard();
    return false;
  };

  Result<std::vector<Store::DueDelivery>> due =
      store.DueWebhookDeliveries(options_.clock(), options_.batch);
  if (!due.ok()) return store_failed(due.status(), "reading due deliveries");

  // A webhook that failed once in this pass is not tried again in it: a receiver that is
  // down costs one timeout per pass instead of one per queued event, so the other owners'
  // deliveries behind it in the batch are not held up (its own stay pending, due).
  std::set<int64_t> failing;
  for (Store::DueDelivery& item : *due) {
    if (stopping()) return false;  // the rest stay pending for the next start
    if (failing.count(item.webhook.id) > 0) continue;
    WebhookDelivery& delivery = item.delivery;
    const int attempt = delivery.attempts + 1;

    http::ClientRequest request;
    request.method = "POST";
    request.url = item.webhook.url;
    request.timeout = options_.timeout;
    request.body = AlertEventJson(item.event);
    request.headers = {
        {"Content-Type", "application/json"},
        {"User-Agent", std::string(kUserAgent)},
        {"X-Sphere-Event-Id", std::to_string(item.event.id)},
        {"X-Sphere-Delivery-Id", std::to_string(delivery.id)},
        {"X-Sphere-Attempt", std::to_string(attempt)},
        {"X-Sphere-Signature",
         SignWebhookBody(item.webhook.secret, options_.clock(), request.body)},
    };
    Result<http::ClientResponse> response = http::Send(request);

    const UnixSeconds now = options_.clock();
    delivery.attempts = attempt;
    delivery.updated_at = now;
    bool delivered = false;
    if (response.ok()) {
      delivery.last_status = response->status;
      delivered = response->status >= 200 && response->status <= 299;
      delivery.last_error.clear();
      if (!delivered) {
        delivery.last_error = "HTTP " + std::to_string(response->status);
        if (std::string excerpt = ErrorBodyExcerpt(response->body); !excerpt.empty()) {
          delivery.last_error += ": " + excerpt;
        }
      }
    } else {
      delivery.last_status.reset();
      delivery.last_error = response.status().ToString();
    }
    if (!delivered) failing.insert(item.webhook.id);
    const bool dead = !delivered && attempt >= options_.max_attempts;
    if (delivered) {
      delivery.state = DeliveryState::kDelivered;
    } else if (dead) {
      delivery.state = DeliveryState::kDead;
    } else {
      delivery.state = DeliveryState::kPending;
      delivery.next_attempt_at = now + WebhookRetryDelay(options_, attempt).count();
    }
    {
      std::lock_guard lock(mutex_);
      ++counters_.attempts;
      if (delivered) {
        ++counters_.delivered;
      } else {
        ++counters_.failures;
        if (dead) ++counters_.dead;
      }
    }
    // Never the URL in logs: many receivers carry a token in it. A failed attempt that will be
    // retried is not logged (the counters and the row's last_error say it): a receiver that is
    // down would fill the log.
    if (dead) {
      fmt::print(stderr,
                 "webhooks: delivery {} (event {}, webhook {}) is dead after {} attempts: {}\n",
                 delivery.id, item.event.id, item.webhook.id, attempt, delivery.last_error);
    }
    // Not recorded means sent again later: at-least-once, never lost.
    if (Status status = store.UpdateWebhookDelivery(delivery); !status.ok()) {
      // Its webhook was deleted during the attempt, and its deliveries with it.
      if (status.code() == Code::kNotFound) continue;
      return store_failed(status, "recording delivery " + std::to_string(delivery.id));
    }
  }
  return static_cast<int>(due->size()) == options_.batch;
}

}  // namespace sphere::service
