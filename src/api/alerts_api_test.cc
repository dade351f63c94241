// Alerts through the API on the real test world: rules of both kinds, evaluation after
// /data-ingestion, de-duplication and cooldown, the event history, isolation between users,
// webhooks (signed, retried, dead-lettered, requeued) and the live stream over a real socket.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "http/server.h"
#include "service/webhook_sender.h"
#include "testing/api_world.h"
#include "testing/http_peers.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::api {
namespace {

using testing::ApiWorld;
using ::testing::HasSubstr;

nlohmann::json Json(const Response& r) { return nlohmann::json::parse(r.body); }

std::string FieldOf(const Response& r) {
  const nlohmann::json j = Json(r);
  return j["error"]["field"].is_null() ? "" : j["error"]["field"].get<std::string>();
}

// Waits up to `limit` for `done` (polled every 20 ms). Not a timing assertion: the limit is
// generous and only bounds a failure.
template <typename F>
bool Eventually(F done, std::chrono::milliseconds limit = std::chrono::milliseconds(15000)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

class AlertsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(world_, ApiWorld::Open({}));
    ASSERT_OK_AND_ASSIGN(admin_, world_->AddUser("ops", Role::kAdmin));
    ASSERT_OK_AND_ASSIGN(brand_, world_->AddUser("acme", Role::kBrand));
    ASSERT_OK_AND_ASSIGN(other_, world_->AddUser("globex", Role::kBrand));
    // A clock the test moves: each ingestion is a new day, so each is a new snapshot.
    world_->api().context().clock = [this] { return now_.load(); };
  }
  Response Post(const std::string& target, const nlohmann::json& body, const std::string& key) {
    return world_->Send(Method::kPost, target, body.dump(), key);
  }
  Response Get(const std::string& target, const std::string& key) {
    return world_->Send(Method::kGet, target, "", key);
  }
  // Stores a profile with this follower count (and posts when given), a day after the last.
  int64_t Ingest(const std::string& username, int64_t followers, std::string platform = "instagram",
                 std::vector<int64_t> likes = {}) {
    now_ += 86400;
    nlohmann::json profile = {{"username", username},
                              {"platform", platform},
                              {"follower_count", followers},
                              {"bio", "test creator"}};
    if (!likes.empty()) {
      std::vector<std::string> captions;
      for (size_t i = 0; i < likes.size(); ++i) {
        captions.push_back("post " + std::to_string(i) + " of day " + std::to_string(now_.load()));
      }
      profile["recent_post_captions"] = captions;
      profile["recent_likes"] = likes;
    }
    const Response r = Post("/api/v1/data-ingestion", profile, admin_);
    EXPECT_EQ(r.status, 202) << r.body;
    return r.status == 202 ? Json(r)["influencer_id"].get<int64_t>() : 0;
  }
  std::vector<nlohmann::json> Events(const std::string& key, int64_t after = 0) {
    const Response r = Get("/api/v1/alert-events?after_id=" + std::to_string(after), key);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<nlohmann::json> out;
    const nlohmann::json page = Json(r);
    for (const nlohmann::json& e : page["events"]) out.push_back(e);
    return out;
  }
  int64_t CreateRule(const nlohmann::json& rule, const std::string& key) {
    const Response r = Post("/api/v1/alert-rules", rule, key);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? Json(r)["id"].get<int64_t>() : 0;
  }

  std::unique_ptr<ApiWorld> world_;
  std::string admin_, brand_, other_;
  std::atomic<UnixSeconds> now_{1'800'000'000};
};

TEST_F(AlertsApiTest, RuleValidationNamesTheWrongField) {
  struct Case {
    nlohmann::json body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {{{"type", "scout"},
        {"conditions", {{{"metric", "charisma"}, {"op", "above"}, {"threshold", 1}}}}},
       "conditions[0].metric"},
      {{{"type", "scout"},
        {"conditions", {{{"metric", "momentum"}, {"op", "drop_by"}, {"threshold", 0.2}}}}},
       "conditions[0].op"},
      {{{"type", "scout"},
        {"niche", "no-such-niche"},
        {"conditions", {{{"metric", "momentum"}, {"op", "above"}, {"threshold", 0.3}}}}},
       "niche"},
      {{{"type", "scout"}, {"conditions", nlohmann::json::array()}}, "conditions"},
      {{{"type", "creator"},
        {"creator_id", 1},
        {"metric", "engagement_rate"},
        {"condition", "above"},
        {"threshold", 2}},
       "threshold"},
      {{{"type", "teleport"}}, "type"},
  };
  for (const Case& c : cases) {
    const Response r = Post("/api/v1/alert-rules", c.body, brand_);
    EXPECT_EQ(r.status, 400) << c.body << " -> " << r.body;
    EXPECT_EQ(FieldOf(r), c.field) << c.body << " -> " << r.body;
  }
  const Response missing = Post("/api/v1/alert-rules",
                                {{"type", "creator"},
                                 {"creator_id", 999999999},
                                 {"metric", "follower_count"},
                                 {"condition", "above"},
                                 {"threshold", 10}},
                                brand_);
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(FieldOf(missing), "creator_id");
}

TEST_F(AlertsApiTest, CreatorRuleFiresOncePerCrossingAndAgainAfterLeaving) {
  const int64_t creator = Ingest("alert_rises", 1000);
  ASSERT_GT(creator, 0);
  const int64_t rule = CreateRule({{"type", "creator"},
                                   {"creator_id", creator},
                                   {"metric", "follower_count"},
                                   {"condition", "above"},
                                   {"threshold", 5000},
                                   {"cooldown_hours", 0}},
                                  brand_);
  Ingest("alert_rises", 4000);
  EXPECT_TRUE(Events(brand_).empty());
  Ingest("alert_rises", 6000);  // crosses
  std::vector<nlohmann::json> events = Events(brand_);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["rule_id"], rule);
  EXPECT_EQ(events[0]["creator_id"], creator);
  const nlohmann::json& payload = events[0]["payload"];
  EXPECT_EQ(payload["creator"]["handle"], "alert_rises");
  EXPECT_EQ(payload["conditions"][0]["observed"], 6000);
  Ingest("alert_rises", 7000);  // still above: the same crossing
  EXPECT_EQ(Events(brand_).size(), 1u);
  Ingest("alert_rises", 3000);  // leaves
  Ingest("alert_rises", 9000);  // crosses again
  events = Events(brand_);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1]["payload"]["conditions"][0]["observed"], 9000);
  // Paging by id.
  EXPECT_EQ(Events(brand_, events[0]["id"].get<int64_t>()).size(), 1u);
}

TEST_F(AlertsApiTest, CooldownSwallowsACrossingSoonAfterAFiring) {
  const int64_t creator = Ingest("alert_flaps", 1000);
  CreateRule({{"type", "creator"},
              {"creator_id", creator},
              {"metric", "follower_count"},
              {"condition", "above"},
              {"threshold", 5000},
              {"cooldown_hours", 24 * 7}},
             brand_);
  Ingest("alert_flaps", 6000);  // fires
  Ingest("alert_flaps", 1000);
  Ingest("alert_flaps", 6000);  // two days later: within the week's cooldown
  EXPECT_EQ(Events(brand_).size(), 1u);
  for (int day = 0; day < 7; ++day) Ingest("alert_flaps", 1000);
  Ingest("alert_flaps", 6000);  // after the cooldown
  EXPECT_EQ(Events(brand_).size(), 2u);
}

TEST_F(AlertsApiTest, SeedAlertsAreEvaluatedToo) {
  const int64_t creator = Ingest("seed_alerted", 50'000);
  const Response created = Post("/api/v1/alerts",
                                {{"influencer_id", creator},
                                 {"metric", "follower_count"},
                                 {"condition", "drop_by"},
                                 {"threshold_value", 0.2}},
                                brand_);
  ASSERT_EQ(created.status, 201) << created.body;
  Ingest("seed_alerted", 60'000);  // a new peak
  Ingest("seed_alerted", 50'000);  // -17% from the peak: not yet
  EXPECT_TRUE(Events(brand_).empty());
  Ingest("seed_alerted", 47'000);  // -21.7%
  ASSERT_EQ(Events(brand_).size(), 1u);
  // Deleting it through the seed route stops it.
  const int64_t id = Json(created)["alert_id"].get<int64_t>();
  ASSERT_EQ(
      world_->Send(Method::kDelete, "/api/v1/alerts/" + std::to_string(id), "", brand_).status,
      204);
  Ingest("seed_alerted", 90'000);
  Ingest("seed_alerted", 10'000);
  EXPECT_TRUE(Events(brand_).empty());  // the rule's history went with it
}

TEST_F(AlertsApiTest, ScoutRuleMatchesItsScopeOnly) {
  CreateRule(
      {{"type", "scout"},
       {"name", "rising small instagram"},
       {"platform", "instagram"},
       {"followers_max", 100'000},
       {"conditions", {{{"metric", "follower_count"}, {"op", "above"}, {"threshold", 50'000}}}}},
      brand_);
  Ingest("scout_insta", 60'000);
  Ingest("scout_tiktok", 60'000, "tiktok");  // another platform
  Ingest("scout_big", 200'000);              // out of the follower range
  const std::vector<nlohmann::json> events = Events(brand_);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["payload"]["creator"]["handle"], "scout_insta");
  EXPECT_EQ(events[0]["payload"]["rule"]["type"], "scout");
}

TEST_F(AlertsApiTest, ForecastMomentumRuleReadsTheMarketValueModel) {
  // Any valued creator has a momentum above -100%: the rule fires exactly when the model
  // valued the creator, and the event carries the forecast's numbers.
  CreateRule({{"type", "scout"},
              {"platform", "instagram"},
              {"conditions", {{{"metric", "momentum"}, {"op", "above"}, {"threshold", -0.99}}}}},
             brand_);
  Ingest("momentum_creator", 40'000, "instagram", {900, 1100, 1000, 950, 1200});
  const std::vector<nlohmann::json> events = Events(brand_);
  ASSERT_EQ(events.size(), 1u);
  const nlohmann::json& metrics = events[0]["payload"]["metrics"];
  EXPECT_TRUE(metrics.contains("momentum")) << metrics;
  EXPECT_TRUE(metrics.contains("value")) << metrics;
  EXPECT_GT(metrics["value"].get<double>(), 0);
  EXPECT_TRUE(metrics.contains("market_score")) << metrics;
}

TEST_F(AlertsApiTest, UsersSeeAndManageOnlyTheirOwn) {
  const int64_t creator = Ingest("isolated", 1000);
  const int64_t rule = CreateRule({{"type", "creator"},
                                   {"creator_id", creator},
                                   {"metric", "follower_count"},
                                   {"condition", "above"},
                                   {"threshold", 5000}},
                                  brand_);
  Ingest("isolated", 9000);
  ASSERT_EQ(Events(brand_).size(), 1u);
  EXPECT_TRUE(Events(other_).empty());
  const std::string path = "/api/v1/alert-rules/" + std::to_string(rule);
  EXPECT_EQ(Get(path, other_).status, 404);
  EXPECT_EQ(world_->Send(Method::kDelete, path, "", other_).status, 404);
  EXPECT_EQ(Json(Get("/api/v1/alert-rules", other_))["rules"].size(), 0u);
  EXPECT_EQ(Get(path, brand_).status, 200);
  EXPECT_EQ(Json(Get("/api/v1/alert-rules", brand_))["rules"].size(), 1u);
  ASSERT_EQ(world_->Send(Method::kDelete, path, "", brand_).status, 204);
  EXPECT_EQ(Get(path, brand_).status, 404);
}

TEST_F(AlertsApiTest, WebhookGetsASignedEvent) {
  // Real time: deliveries are due when their event fired (the first profile is older).
  now_ = static_cast<UnixSeconds>(std::time(nullptr)) - 10 * 86400;
  testing::HttpReceiver receiver;
  const Response hook = Post("/api/v1/webhooks", {{"url", receiver.Url()}}, brand_);
  ASSERT_EQ(hook.status, 201) << hook.body;
  const std::string secret = Json(hook)["secret"];
  EXPECT_EQ(Json(Get("/api/v1/webhooks", brand_))["webhooks"][0].count("secret"), 0u);
  const int64_t creator = Ingest("hooked", 1000);
  CreateRule({{"type", "creator"},
              {"creator_id", creator},
              {"metric", "follower_count"},
              {"condition", "above"},
              {"threshold", 5000}},
             brand_);
  world_->api().context().clock = [] {  // the signature's timestamp is checked against now
    return static_cast<UnixSeconds>(std::time(nullptr));
  };
  const Response r =
      Post("/api/v1/data-ingestion",
           {{"username", "hooked"}, {"platform", "instagram"}, {"follower_count", 8000}}, admin_);
  ASSERT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(Eventually([&] { return !receiver.requests().empty(); }));
  const Request got = receiver.requests().front();
  EXPECT_EQ(got.path, "/hook");
  const nlohmann::json body = nlohmann::json::parse(got.body);
  EXPECT_EQ(body["creator_id"], creator);
  EXPECT_TRUE(service::VerifyWebhookSignature(secret, got.Header("x-sphere-signature"), got.body,
                                              std::time(nullptr)));
  EXPECT_FALSE(service::VerifyWebhookSignature(
      "another-secret-of-16+", got.Header("x-sphere-signature"), got.body, std::time(nullptr)));
  EXPECT_EQ(got.Header("x-sphere-event-id"), std::to_string(body["id"].get<int64_t>()));
}

TEST_F(AlertsApiTest, FailingWebhookGoesDeadAndARetryDeliversIt) {
  // Real time: deliveries are due when their event fired (the first profile is older).
  now_ = static_cast<UnixSeconds>(std::time(nullptr)) - 10 * 86400;
  testing::HttpReceiver receiver;
  receiver.Answer(500);
  const Response hook = Post("/api/v1/webhooks", {{"url", receiver.Url()}}, brand_);
  ASSERT_EQ(hook.status, 201) << hook.body;
  const std::string hook_path =
      "/api/v1/webhooks/" + std::to_string(Json(hook)["id"].get<int64_t>());
  const int64_t creator = Ingest("hook_fails", 1000);
  CreateRule({{"type", "creator"},
              {"creator_id", creator},
              {"metric", "follower_count"},
              {"condition", "above"},
              {"threshold", 5000}},
             brand_);
  world_->api().context().clock = [] { return static_cast<UnixSeconds>(std::time(nullptr)); };
  ASSERT_EQ(Post("/api/v1/data-ingestion",
                 {{"username", "hook_fails"}, {"platform", "instagram"}, {"follower_count", 8000}},
                 admin_)
                .status,
            202);
  // The world's sender tries 3 times (1 s, then 2 s apart) before the delivery is dead.
  nlohmann::json dead;
  ASSERT_TRUE(Eventually([&] {
    dead = Json(Get(hook_path + "/deliveries?state=dead", brand_))["deliveries"];
    return dead.size() == 1;
  }));
  EXPECT_EQ(dead[0]["attempts"], 3);
  EXPECT_EQ(dead[0]["last_status"], 500);
  EXPECT_EQ(receiver.requests().size(), 3u);
  EXPECT_EQ(Get(hook_path + "/deliveries?state=dead", other_).status, 404);

  receiver.Answer(204);
  const std::string retry =
      hook_path + "/deliveries/" + std::to_string(dead[0]["id"].get<int64_t>()) + "/retry";
  EXPECT_EQ(Post(retry, nlohmann::json::object(), other_).status, 404);
  const Response requeued = Post(retry, nlohmann::json::object(), brand_);
  ASSERT_EQ(requeued.status, 200) << requeued.body;
  EXPECT_EQ(Json(requeued)["state"], "pending");
  ASSERT_TRUE(Eventually([&] {
    return Json(Get(hook_path + "/deliveries?state=delivered", brand_))["deliveries"].size() == 1;
  }));
  EXPECT_EQ(receiver.requests().size(), 4u);
}

TEST_F(AlertsApiTest, StreamDeliversLiveEventsAndResumesFromTheLastId) {
  http::ServerOptions options;
  options.port = 0;
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<http::Server> server,
      http::Server::Start(options, [this](const Request& r) { return world_->api().Handle(r); }));
  const int64_t creator = Ingest("streamed", 1000);
  CreateRule({{"type", "creator"},
              {"creator_id", creator},
              {"metric", "follower_count"},
              {"condition", "above"},
              {"threshold", 5000},
              {"cooldown_hours", 0}},
             brand_);
  testing::EventStreamClient live(server->port(), brand_, 0);
  ASSERT_TRUE(live.connected());
  testing::EventStreamClient stranger(server->port(), other_, 0);
  ASSERT_THAT(live.ReadUntil("retry:", std::chrono::seconds(10)), HasSubstr("text/event-stream"));
  ASSERT_TRUE(Eventually([&] { return world_->alert_hub().subscribers() == 2; }));

  Ingest("streamed", 6000);
  const std::vector<nlohmann::json> events = Events(brand_);
  ASSERT_EQ(events.size(), 1u);
  const std::string first_id = "id: " + std::to_string(events[0]["id"].get<int64_t>());
  EXPECT_THAT(live.ReadUntil(first_id, std::chrono::seconds(10)), HasSubstr(first_id));
  Ingest("streamed", 1000);
  Ingest("streamed", 7000);
  const std::vector<nlohmann::json> both = Events(brand_);
  ASSERT_EQ(both.size(), 2u);
  const std::string second_id = "id: " + std::to_string(both[1]["id"].get<int64_t>());
  EXPECT_THAT(live.ReadUntil(second_id, std::chrono::seconds(10)), HasSubstr(second_id));
  EXPECT_THAT(stranger.ReadUntil("id:", std::chrono::milliseconds(300)),
              ::testing::Not(HasSubstr("id:")));

  // A client that saw the first event reconnects: it gets the second, not the first again.
  testing::EventStreamClient resumed(server->port(), brand_, events[0]["id"].get<int64_t>());
  const std::string replay = resumed.ReadUntil(second_id, std::chrono::seconds(10));
  EXPECT_THAT(replay, HasSubstr(second_id));
  EXPECT_THAT(replay, ::testing::Not(HasSubstr(first_id + "\n")));
}

}  // namespace
}  // namespace sphere::api
