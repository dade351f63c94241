#include "service/webhook_sender.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "store/store.h"
#include "testing/alert_seed.h"
#include "testing/http_peers.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr std::string_view kSecret = "whsec_0123456789abcdef";
constexpr UnixSeconds kStart = 1'800'000'000;

// Nothing waits on the clock for a result; this only turns a hang into a failure.
bool WaitFor(const std::function<bool()>& done) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Runs one SQL statement on the SQLite file over a connection of its own: the side door to a
// state the Store interface cannot reach (a table gone).
// Sends this process's stderr to a file while alive, so a test can read what was logged.
class StderrCapture {
 public:
  explicit StderrCapture(std::filesystem::path path) : path_(std::move(path)) {
    std::fflush(stderr);
    saved_ = dup(STDERR_FILENO);
    std::FILE* file = std::fopen(path_.c_str(), "w");
    EXPECT_NE(file, nullptr) << path_;
    if (file == nullptr) return;
    dup2(fileno(file), STDERR_FILENO);
    std::fclose(file);
  }
  ~StderrCapture() {
    std::fflush(stderr);
    dup2(saved_, STDERR_FILENO);
    close(saved_);
  }
  std::string Text() const {
    std::fflush(stderr);
    std::ifstream in(path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::filesystem::path path_;
  int saved_ = -1;
};

// A real HTTP server on 127.0.0.1:<ephemeral> that records every request and answers with the
// status the test sets.
using Receiver = testing::HttpReceiver;

// Every test runs on SQLite and on PostgreSQL (when SPHERE_TEST_POSTGRES_URL names a server):
// the sender sees the store only through its interface.
class WebhookSenderTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      const std::string admin_url = testing::PostgresUrl();
      if (admin_url.empty()) {
        GTEST_SKIP() << "SPHERE_TEST_POSTGRES_URL is not set, so the PostgreSQL backend is "
                        "NOT tested; scripts/test.sh starts a server and sets it";
      }
      postgres_ = std::make_unique<testing::ScratchPostgresDatabase>(admin_url);
      url_ = postgres_->url();
    } else {
      url_ = "sqlite:" + (dir_.path() / "sphere.db").string();
    }
    ASSERT_OK_AND_ASSIGN(store_, OpenStore(url_));
    ASSERT_OK_AND_ASSIGN(pool_, StorePool::Open(url_));
    ASSERT_OK_AND_ASSIGN(testing::AlertSeed seed, testing::SeedCreatorRule(*store_, kStart));
    user_ = seed.brand;
    creator_id_ = seed.creator_id;
    rule_ = seed.rule;
  }

  Webhook AddWebhook(const std::string& url, bool enabled = true) {
    Result<Webhook> webhook = store_->CreateWebhook(Webhook{.owner_user_id = user_.id,
                                                            .url = url,
                                                            .secret = std::string(kSecret),
                                                            .enabled = enabled,
                                                            .created_at = now_});
    EXPECT_TRUE(webhook.ok()) << webhook.status().ToString();
    return webhook.ok() ? *webhook : Webhook{};
  }

  // Commits one event of the rule, as the engine does; returns it with its id.
  AlertEvent Fire(std::string payload_json = R"({"metric":"follower_count","value":12000})") {
    AlertEvent event{.rule_id = rule_.id,
                     .creator_id = creator_id_,
                     .fired_at = now_,
                     .payload_json = std::move(payload_json)};
    Result<Store::AlertCommit> commit = store_->CommitAlertEvaluation({}, {event});
    EXPECT_TRUE(commit.ok()) << commit.status().ToString();
    if (!commit.ok() || commit->events.size() != 1) return {};
    return commit->events.front();
  }

  WebhookSenderOptions Options() {
    WebhookSenderOptions options;
    options.first_retry = std::chrono::seconds(1);
    options.poll_interval = std::chrono::milliseconds(50);
    options.timeout = std::chrono::milliseconds(5000);
    options.clock = [this] { return now_.load(); };
    return options;
  }

  std::unique_ptr<WebhookSender> StartSender(const WebhookSenderOptions& options) {
    Result<std::unique_ptr<WebhookSender>> sender = WebhookSender::Start(*pool_, options);
    EXPECT_TRUE(sender.ok()) << sender.status().ToString();
    return sender.ok() ? std::move(sender).value() : nullptr;
  }

  // The webhook's deliveries, newest first ({} when the store refuses).
  std::vector<WebhookDelivery> Deliveries(const Webhook& webhook) {
    Result<std::vector<WebhookDelivery>> list =
        store_->ListWebhookDeliveries(user_.id, webhook.id, std::nullopt, 100);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    return list.ok() ? *list : std::vector<WebhookDelivery>{};
  }
  std::optional<WebhookDelivery> OnlyDelivery(const Webhook& webhook) {
    std::vector<WebhookDelivery> list = Deliveries(webhook);
    if (list.size() != 1) return std::nullopt;
    return list.front();
  }
  bool WaitForAttempts(const Webhook& webhook, int attempts) {
    return WaitFor([&] {
      std::optional<WebhookDelivery> d = OnlyDelivery(webhook);
      return d && d->attempts >= attempts;
    });
  }
  bool WaitForState(const Webhook& webhook, DeliveryState state) {
    return WaitFor([&] {
      std::vector<WebhookDelivery> list = Deliveries(webhook);
      if (list.empty()) return false;
      for (const WebhookDelivery& d : list) {
        if (d.state != state) return false;
      }
      return true;
    });
  }

  // Runs SQL on the database behind the stores: the side door to a state the Store interface
  // cannot reach.
  Status ExecuteSql(const std::string& sql) {
    if (postgres_) return testing::ExecutePostgresSql(url_, sql);
    return testing::ExecuteSqliteSql(dir_.path() / "sphere.db", sql);
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::ScratchPostgresDatabase> postgres_;
  std::string url_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<StorePool> pool_;
  std::atomic<UnixSeconds> now_{kStart};
  User user_;
  int64_t creator_id_ = 0;
  AlertRule rule_;
};

TEST(WebhookSignature, MatchesAnIndependentHmacSha256) {
  // python3: hmac.new(b"whsec_0123456789abcdef", b'1800000000.{"id":7,"payload":{}}',
  //                   hashlib.sha256).hexdigest()
  EXPECT_EQ(SignWebhookBody(kSecret, 1'800'000'000, R"({"id":7,"payload":{}})"),
            "t=1800000000,v1=8f4235aed5a0312b5d1c186f13d4b03b85f4fb4b7cac11e32ebc86355ce73032");
}

TEST(WebhookSignature, RoundTrips) {
  const std::string body = R"({"id":1,"payload":{"value":3}})";
  const std::string header = SignWebhookBody(kSecret, kStart, body);
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, header, body, kStart));
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, header, body, kStart + 300));
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, header, body, kStart - 300));
}

TEST(WebhookSignature, DetectsATamperedBodySignatureOrSecret) {
  const std::string body = R"({"id":1,"payload":{"value":3}})";
  const std::string header = SignWebhookBody(kSecret, kStart, body);
  EXPECT_FALSE(
      VerifyWebhookSignature(kSecret, header, R"({"id":1,"payload":{"value":4}})", kStart));
  EXPECT_FALSE(VerifyWebhookSignature("another_secret_of_16", header, body, kStart));
  std::string flipped = header;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  EXPECT_FALSE(VerifyWebhookSignature(kSecret, flipped, body, kStart));
  // The timestamp is signed too: moving it forward to pass the age check breaks the signature.
  std::string moved = header;
  moved.replace(moved.find("1800000000"), 10, "1800000999");
  EXPECT_FALSE(VerifyWebhookSignature(kSecret, moved, body, kStart + 999));
}

TEST(WebhookSignature, RefusesAStaleOrFutureTimestamp) {
  const std::string body = "{}";
  const std::string header = SignWebhookBody(kSecret, kStart, body);
  EXPECT_FALSE(VerifyWebhookSignature(kSecret, header, body, kStart + 301));
  EXPECT_FALSE(VerifyWebhookSignature(kSecret, header, body, kStart - 301));
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, header, body, kStart + 3600, 3600));
}

TEST(WebhookSignature, RefusesMalformedHeaders) {
  const std::string body = "{}";
  const std::string header = SignWebhookBody(kSecret, kStart, body);
  const std::string v1 = header.substr(header.find("v1="));
  const std::vector<std::string> malformed = {"",
                                              "t=1800000000",
                                              v1,
                                              "t=abc," + v1,
                                              "t=," + v1,
                                              "t=1800000000,t=1800000000," + v1,
                                              "t=1800000000,v1=",
                                              "t=1800000000," + v1 + "00",
                                              "garbage"};
  for (const std::string& bad : malformed) {
    EXPECT_FALSE(VerifyWebhookSignature(kSecret, bad, body, kStart)) << bad;
  }
  // Field order does not matter, and any one of several v1 signatures (a secret being rotated)
  // is enough.
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, v1 + ",t=1800000000", body, kStart));
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, "t=1800000000,v1=" + std::string(64, '0') + "," + v1,
                                     body, kStart));
}

TEST(AlertEventJson, InlinesThePayloadObject) {
  const AlertEvent event{.id = 5,
                         .rule_id = 2,
                         .creator_id = 9,
                         .fired_at = 1'700'000'000,
                         .payload_json = R"({"metric":"engagement_rate","value":0.0139})"};
  EXPECT_EQ(AlertEventJson(event),
            R"({"id":5,"rule_id":2,"creator_id":9,"fired_at":"2023-11-14T22:13:20Z",)"
            R"("payload":{"metric":"engagement_rate","value":0.0139}})");
}

TEST(AlertEventJson, APayloadThatIsNotAnObjectIsNull) {
  for (std::string_view payload : {"", "[1]", "{\"a\":", "7"}) {
    const AlertEvent event{
        .id = 1, .rule_id = 1, .creator_id = 1, .payload_json = std::string(payload)};
    const nlohmann::json json = nlohmann::json::parse(AlertEventJson(event));
    EXPECT_TRUE(json.at("payload").is_null()) << payload;
  }
}

TEST(WebhookRetryDelay, DoublesFromFirstRetryUpToMaxRetry) {
  WebhookSenderOptions options;  // 10 s doubling, at most an hour
  std::vector<int64_t> delays;
  for (int failed = 1; failed <= 12; ++failed) {
    delays.push_back(WebhookRetryDelay(options, failed).count());
  }
  EXPECT_THAT(delays, ElementsAre(10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600, 3600));
  // Many failures do not overflow.
  EXPECT_EQ(WebhookRetryDelay(options, 1000).count(), 3600);
}

TEST_P(WebhookSenderTest, StartRefusesOptionsThatCannotWork) {
  auto refused = [&](auto change) {
    WebhookSenderOptions options = Options();
    change(options);
    return WebhookSender::Start(*pool_, options).status();
  };
  EXPECT_THAT(refused([](auto& o) { o.max_attempts = 0; }),
              IsError(Code::kInvalidArgument, HasSubstr("max_attempts")));
  EXPECT_THAT(refused([](auto& o) { o.batch = 0; }),
              IsError(Code::kInvalidArgument, HasSubstr("batch")));
  EXPECT_THAT(refused([](auto& o) { o.first_retry = std::chrono::seconds(0); }),
              IsError(Code::kInvalidArgument, HasSubstr("first_retry")));
  EXPECT_THAT(refused([](auto& o) { o.max_retry = std::chrono::seconds(0); }),
              IsError(Code::kInvalidArgument, HasSubstr("max_retry")));
  EXPECT_THAT(refused([](auto& o) { o.timeout = std::chrono::milliseconds(0); }),
              IsError(Code::kInvalidArgument, HasSubstr("timeout")));
  EXPECT_THAT(refused([](auto& o) { o.poll_interval = std::chrono::milliseconds(0); }),
              IsError(Code::kInvalidArgument, HasSubstr("poll_interval")));
}

TEST_P(WebhookSenderTest, A200MarksTheDeliveryDeliveredWithSignedHeadersAndTheEventBody) {
  Receiver receiver;
  const Webhook webhook = AddWebhook(receiver.Url());
  const AlertEvent event = Fire();
  ASSERT_NE(event.id, 0);
  std::unique_ptr<WebhookSender> sender = StartSender(Options());
  ASSERT_NE(sender, nullptr);
  ASSERT_TRUE(WaitForState(webhook, DeliveryState::kDelivered));

  const std::optional<WebhookDelivery> delivery = OnlyDelivery(webhook);
  ASSERT_TRUE(delivery.has_value());
  EXPECT_EQ(delivery->event_id, event.id);
  EXPECT_EQ(delivery->attempts, 1);
  EXPECT_EQ(delivery->last_status, 200);
  EXPECT_EQ(delivery->last_error, "");
  EXPECT_EQ(delivery->updated_at, kStart);

  const std::vector<api::Request> requests = receiver.requests();
  ASSERT_THAT(requests, SizeIs(1));
  const api::Request& request = requests[0];
  EXPECT_EQ(request.method, api::Method::kPost);
  EXPECT_EQ(request.path, "/hook");
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("user-agent"), "InfluencerSphere-Webhooks/1");
  EXPECT_EQ(request.Header("x-sphere-event-id"), std::to_string(event.id));
  EXPECT_EQ(request.Header("x-sphere-delivery-id"), std::to_string(delivery->id));
  EXPECT_EQ(request.Header("x-sphere-attempt"), "1");
  EXPECT_EQ(request.body, AlertEventJson(event));
  EXPECT_TRUE(
      VerifyWebhookSignature(kSecret, request.Header("x-sphere-signature"), request.body, kStart))
      << request.Header("x-sphere-signature");

  const nlohmann::json body = nlohmann::json::parse(request.body);
  EXPECT_EQ(body.at("id"), event.id);
  EXPECT_EQ(body.at("rule_id"), rule_.id);
  EXPECT_EQ(body.at("creator_id"), creator_id_);
  EXPECT_EQ(body.at("fired_at"), "2027-01-15T08:00:00Z");
  EXPECT_EQ(body.at("payload").at("value"), 12000);

  const WebhookSender::Counters counters = sender->counters();
  EXPECT_EQ(counters.attempts, 1);
  EXPECT_EQ(counters.delivered, 1);
  EXPECT_EQ(counters.failures, 0);
  EXPECT_EQ(counters.dead, 0);
}

TEST_P(WebhookSenderTest, A500IsRetriedWithGrowingBackoffThenDead) {
  Receiver receiver;
  receiver.Answer(500, "database\nlocked");
  const Webhook webhook = AddWebhook(receiver.Url());
  Fire();
  WebhookSenderOptions options = Options();
  options.max_attempts = 4;
  options.max_retry = std::chrono::seconds(3);  // 1, 2, then 3 instead of 4
  std::unique_ptr<WebhookSender> sender = StartSender(options);
  ASSERT_NE(sender, nullptr);

  const int64_t expected_delay[] = {1, 2, 3};
  for (int attempt = 1; attempt <= 3; ++attempt) {
    ASSERT_TRUE(WaitForAttempts(webhook, attempt)) << "attempt " << attempt;
    const std::optional<WebhookDelivery> delivery = OnlyDelivery(webhook);
    ASSERT_TRUE(delivery.has_value());
    EXPECT_EQ(delivery->attempts, attempt);
    EXPECT_EQ(delivery->state, DeliveryState::kPending);
    EXPECT_EQ(delivery->last_status, 500);
    EXPECT_EQ(delivery->last_error, "HTTP 500: database locked");
    EXPECT_EQ(delivery->next_attempt_at, now_.load() + expected_delay[attempt - 1]);
    EXPECT_EQ(receiver.count(), static_cast<size_t>(attempt));
    now_ = delivery->next_attempt_at;
    sender->Notify();
  }
  ASSERT_TRUE(WaitForState(webhook, DeliveryState::kDead));
  const std::optional<WebhookDelivery> dead = OnlyDelivery(webhook);
  ASSERT_TRUE(dead.has_value());
  EXPECT_EQ(dead->attempts, 4);
  EXPECT_EQ(dead->last_status, 500);

  std::vector<std::string> attempts_sent;
  for (const api::Request& request : receiver.requests()) {
    attempts_sent.emplace_back(request.Header("x-sphere-attempt"));
    EXPECT_EQ(request.Header("x-sphere-event-id"), std::to_string(dead->event_id));
    EXPECT_EQ(request.Header("x-sphere-delivery-id"), std::to_string(dead->id));
  }
  EXPECT_THAT(attempts_sent, ElementsAre("1", "2", "3", "4"));
  const WebhookSender::Counters counters = sender->counters();
  EXPECT_EQ(counters.attempts, 4);
  EXPECT_EQ(counters.delivered, 0);
  EXPECT_EQ(counters.failures, 4);
  EXPECT_EQ(counters.dead, 1);
}

TEST_P(WebhookSenderTest, ARefusedConnectionIsAFailedAttemptWithItsError) {
  uint16_t closed_port = 0;
  {
    Receiver gone;
    closed_port = gone.port();
  }
  const Webhook webhook = AddWebhook("http://127.0.0.1:" + std::to_string(closed_port) + "/hook");
  Fire();
  std::unique_ptr<WebhookSender> sender = StartSender(Options());
  ASSERT_NE(sender, nullptr);
  ASSERT_TRUE(WaitForAttempts(webhook, 1));
  const std::optional<WebhookDelivery> delivery = OnlyDelivery(webhook);
  ASSERT_TRUE(delivery.has_value());
  EXPECT_EQ(delivery->state, DeliveryState::kPending);
  EXPECT_EQ(delivery->last_status, std::nullopt);
  EXPECT_THAT(delivery->last_error, HasSubstr("UNAVAILABLE"));
  EXPECT_EQ(delivery->next_attempt_at, kStart + 1);
  EXPECT_EQ(sender->counters().failures, 1);
}

TEST_P(WebhookSenderTest, AFailingReceiverDoesNotHoldUpTheOtherWebhooks) {
  Receiver down;
  down.Answer(500);
  Receiver up;
  const Webhook failing = AddWebhook(down.Url("/down"));
  const Webhook working = AddWebhook(up.Url("/up"));
  for (int i = 0; i < 5; ++i) Fire();
  // The queue is (down 1, up 1, down 2, up 2, ...): after the first failure the pass skips the
  // failing webhook, so all five reach the working one before the failing one is tried again.
  std::unique_ptr<WebhookSender> sender = StartSender(Options());
  ASSERT_NE(sender, nullptr);
  ASSERT_TRUE(WaitForState(working, DeliveryState::kDelivered));
  const std::vector<api::Request> delivered = up.requests();
  ASSERT_EQ(delivered.size(), 5u);
  const std::vector<api::Request> refused = down.requests();
  ASSERT_GE(refused.size(), 1u);
  if (refused.size() >= 2) {
    EXPECT_GT(refused[1].received_at, delivered.back().received_at)
        << "the failing receiver was tried again before the working one got its deliveries";
  }
  EXPECT_EQ(Deliveries(failing).size(), 5u);
}

TEST_P(WebhookSenderTest, ARequeuedDeadDeliveryIsDelivered) {
  Receiver receiver;
  receiver.Answer(503);
  const Webhook webhook = AddWebhook(receiver.Url());
  const AlertEvent event = Fire();
  WebhookSenderOptions options = Options();
  options.max_attempts = 1;
  std::unique_ptr<WebhookSender> sender = StartSender(options);
  ASSERT_NE(sender, nullptr);
  ASSERT_TRUE(WaitForState(webhook, DeliveryState::kDead));
  const std::optional<WebhookDelivery> dead = OnlyDelivery(webhook);
  ASSERT_TRUE(dead.has_value());
  EXPECT_EQ(dead->last_error, "HTTP 503");

  receiver.Answer(204);
  now_ += 60;
  ASSERT_OK_AND_ASSIGN(WebhookDelivery requeued,
                       store_->RequeueWebhookDelivery(user_.id, dead->id, now_));
  EXPECT_EQ(requeued.state, DeliveryState::kPending);
  sender->Notify();
  ASSERT_TRUE(WaitForState(webhook, DeliveryState::kDelivered));
  const std::optional<WebhookDelivery> delivered = OnlyDelivery(webhook);
  ASSERT_TRUE(delivered.has_value());
  EXPECT_EQ(delivered->id, dead->id);
  EXPECT_EQ(delivered->attempts, 1);
  EXPECT_EQ(delivered->last_status, 204);
  EXPECT_EQ(delivered->last_error, "");

  const std::vector<api::Request> requests = receiver.requests();
  ASSERT_THAT(requests, SizeIs(2));
  // The same event both times: what a receiver dedupes by.
  EXPECT_EQ(requests[1].Header("x-sphere-event-id"), std::to_string(event.id));
  EXPECT_EQ(requests[1].Header("x-sphere-attempt"), "1");
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, requests[1].Header("x-sphere-signature"),
                                     requests[1].body, now_));
  EXPECT_EQ(sender->counters().dead, 1);
  EXPECT_EQ(sender->counters().delivered, 1);
}

TEST_P(WebhookSenderTest, ANewSenderOnTheSameStoreDeliversWhatTheLastOneLeftPending) {
  Receiver receiver;
  receiver.Answer(503);
  const Webhook webhook = AddWebhook(receiver.Url());
  const AlertEvent first = Fire();
  {
    std::unique_ptr<WebhookSender> sender = StartSender(Options());
    ASSERT_NE(sender, nullptr);
    ASSERT_TRUE(WaitForAttempts(webhook, 1));
    sender->Stop();
  }
  // Fired while no sender runs (and after the first one's retry is due): the row waits.
  now_ += 10;
  const AlertEvent second = Fire();
  receiver.Answer(200);

  // A new pool too, as after a restart of the process.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StorePool> pool, StorePool::Open(url_));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<WebhookSender> sender,
                       WebhookSender::Start(*pool, Options()));
  ASSERT_TRUE(WaitForState(webhook, DeliveryState::kDelivered));
  sender->Stop();

  std::vector<WebhookDelivery> deliveries = Deliveries(webhook);
  ASSERT_THAT(deliveries, SizeIs(2));
  EXPECT_EQ(deliveries[0].event_id, second.id);  // newest first
  EXPECT_EQ(deliveries[0].attempts, 1);
  EXPECT_EQ(deliveries[1].event_id, first.id);
  EXPECT_EQ(deliveries[1].attempts, 2);
  std::vector<std::string> sent;
  for (const api::Request& request : receiver.requests()) {
    sent.push_back(std::string(request.Header("x-sphere-event-id")) + "#" +
                   std::string(request.Header("x-sphere-attempt")));
  }
  // The retry of the first event was due earlier (next_attempt_at), so it went first.
  EXPECT_THAT(sent, ElementsAre(std::to_string(first.id) + "#1", std::to_string(first.id) + "#2",
                                std::to_string(second.id) + "#1"));
}

TEST_P(WebhookSenderTest, StopRecordsTheAttemptInFlight) {
  Receiver receiver;
  receiver.Hold();
  const Webhook webhook = AddWebhook(receiver.Url());
  Fire();
  Fire();
  std::unique_ptr<WebhookSender> sender = StartSender(Options());
  ASSERT_NE(sender, nullptr);
  ASSERT_TRUE(WaitFor([&] { return receiver.count() == 1; }));
  std::thread stopper([&] { sender->Stop(); });
  receiver.Release();
  stopper.join();

  // Whatever was sent is recorded and nothing recorded went unsent; the first is delivered.
  std::vector<WebhookDelivery> deliveries = Deliveries(webhook);
  ASSERT_THAT(deliveries, SizeIs(2));
  EXPECT_EQ(deliveries[1].state, DeliveryState::kDelivered);
  size_t attempts = 0;
  for (const WebhookDelivery& d : deliveries) attempts += d.attempts;
  EXPECT_EQ(attempts, receiver.count());
  EXPECT_EQ(sender->counters().attempts, static_cast<int64_t>(attempts));
}

TEST_P(WebhookSenderTest, AStoreErrorIsLoggedAndTriedAgainAtTheNextPoll) {
  Receiver receiver;
  const Webhook webhook = AddWebhook(receiver.Url());
  Fire();
  ASSERT_OK(ExecuteSql("ALTER TABLE webhook_delivery RENAME TO webhook_delivery_away"));
  std::unique_ptr<WebhookSender> sender;
  {
    StderrCapture log(dir_.path() / "stderr.txt");
    sender = StartSender(Options());
    ASSERT_NE(sender, nullptr);
    // Two failed polls: the sender went on after the first.
    ASSERT_TRUE(WaitFor([&] {
      const std::string text = log.Text();
      const size_t first = text.find("webhooks: reading due deliveries");
      return first != std::string::npos &&
             text.find("webhooks: reading due deliveries", first + 1) != std::string::npos;
    })) << log.Text();
  }
  EXPECT_EQ(sender->counters().attempts, 0);
  ASSERT_OK(ExecuteSql("ALTER TABLE webhook_delivery_away RENAME TO webhook_delivery"));
  ASSERT_TRUE(WaitForState(webhook, DeliveryState::kDelivered));
  EXPECT_EQ(receiver.count(), 1u);
}

TEST_P(WebhookSenderTest, DisabledDeletedAndOtherOwnersWebhooksGetNothing) {
  Receiver receiver;
  // Made first, so their deliveries (if any) would come first in the queue.
  const Webhook deleted = AddWebhook(receiver.Url("/deleted"));
  const Webhook disabled = AddWebhook(receiver.Url("/disabled"), /*enabled=*/false);
  ASSERT_OK_AND_ASSIGN(User other, store_->CreateUser(User{.name = "other",
                                                           .role = Role::kBrand,
                                                           .api_key_hash = "hash-other",
                                                           .created_at = kStart}));
  ASSERT_OK_AND_ASSIGN(Webhook others, store_->CreateWebhook(Webhook{.owner_user_id = other.id,
                                                                     .url = receiver.Url("/other"),
                                                                     .secret = std::string(kSecret),
                                                                     .created_at = kStart}));
  const Webhook live = AddWebhook(receiver.Url("/live"));
  Fire();
  ASSERT_THAT(Deliveries(deleted), SizeIs(1));
  ASSERT_OK(store_->DeleteWebhook(user_.id, deleted.id));

  std::unique_ptr<WebhookSender> sender = StartSender(Options());
  ASSERT_NE(sender, nullptr);
  ASSERT_TRUE(WaitForState(live, DeliveryState::kDelivered));
  sender->Stop();

  std::vector<std::string> paths;
  for (const api::Request& request : receiver.requests()) paths.push_back(request.path);
  EXPECT_THAT(paths, ElementsAre("/live"));
  EXPECT_THAT(Deliveries(disabled), IsEmpty());
  ASSERT_OK_AND_ASSIGN(std::vector<WebhookDelivery> others_deliveries,
                       store_->ListWebhookDeliveries(other.id, others.id, std::nullopt, 10));
  EXPECT_THAT(others_deliveries, IsEmpty());
  EXPECT_THAT(store_->ListWebhookDeliveries(user_.id, deleted.id, std::nullopt, 10).status(),
              IsError(Code::kNotFound, ::testing::_));
}

INSTANTIATE_TEST_SUITE_P(AllBackends, WebhookSenderTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace sphere::service
