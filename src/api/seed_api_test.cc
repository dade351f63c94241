// The seed's /api/v1 contract through Api::Handle, against a real store and real models
// (tests/testing/api_world.h): a client written for the seed works unchanged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "testing/api_world.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::api {
namespace {

using testing::ApiWorld;
using ::testing::HasSubstr;

nlohmann::json Json(const Response& r) { return nlohmann::json::parse(r.body); }

// The error body's field, or "" when null.
std::string FieldOf(const Response& r) {
  const nlohmann::json j = Json(r);
  return j["error"]["field"].is_null() ? "" : j["error"]["field"].get<std::string>();
}

// A creator in a path: "instagram:handle" (a '/' would start another path segment).
std::string InPath(std::string creator) {
  creator[creator.find('/')] = ':';
  return creator;
}

class SeedApiTest : public ::testing::Test {
 protected:
  void SetUp() override { Open({}); }
  void Open(ApiOptions options) {
    world_.reset();
    ASSERT_OK_AND_ASSIGN(world_, ApiWorld::Open(std::move(options)));
    ASSERT_OK_AND_ASSIGN(admin_, world_->AddUser("ops", Role::kAdmin));
    ASSERT_OK_AND_ASSIGN(brand_, world_->AddUser("acme", Role::kBrand));
    ASSERT_OK_AND_ASSIGN(other_brand_, world_->AddUser("globex", Role::kBrand));
  }
  Response Post(const std::string& target, const nlohmann::json& body, const std::string& key) {
    return world_->Send(Method::kPost, target, body.dump(), key);
  }
  Response Get(const std::string& target, const std::string& key) {
    return world_->Send(Method::kGet, target, "", key);
  }

  std::unique_ptr<ApiWorld> world_;
  std::string admin_, brand_, other_brand_;
};

TEST_F(SeedApiTest, RealtimePlepAnswersTheSeedsFields) {
  const std::string creator = world_->CreatorWithHistory();
  const Response r = Post("/api/v1/realtime-plep",
                          {{"influencer_id", creator},
                           {"post_text", "New drop today! Link in bio #fashion #ootd"},
                           {"mock_image_path", nullptr}},
                          brand_);
  ASSERT_EQ(r.status, 200) << r.body;
  const nlohmann::json j = Json(r);
  EXPECT_EQ(j["influencer_id"], creator);
  EXPECT_GT(j["predicted_engagement"].get<double>(), 0);
  EXPECT_TRUE(j["market_score"].is_number());
  ASSERT_TRUE(j["niche_diagnostics"].is_object());
  EXPECT_TRUE(j["niche_diagnostics"].contains("niche"));
  const nlohmann::json& range = j["niche_diagnostics"]["range"];
  EXPECT_LE(range["low"].get<double>(), j["predicted_engagement"].get<double>());
  EXPECT_GE(range["high"].get<double>(), j["predicted_engagement"].get<double>());
}

TEST_F(SeedApiTest, RealtimePlepTakesANumericIdAndEchoesItAsANumber) {
  const Response profile =
      Get("/api/v1/influencers/" + InPath(world_->CreatorWithHistory()), brand_);
  ASSERT_EQ(profile.status, 200) << profile.body;
  const int64_t id = Json(profile)["id"].get<int64_t>();
  const Response r =
      Post("/api/v1/realtime-plep", {{"influencer_id", id}, {"post_text", "hello"}}, brand_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r)["influencer_id"], id);
}

TEST_F(SeedApiTest, RealtimePlepNamesTheWrongField) {
  const std::string creator = world_->CreatorWithHistory();
  struct Case {
    std::string body;
    int status;
    std::string field;
  } cases[] = {
      {R"({"influencer_id": ")" + creator + R"("})", 400, "post_text"},
      {R"({"post_text": "x"})", 400, "influencer_id"},
      {R"({"influencer_id": [1], "post_text": "x"})", 400, "influencer_id"},
      {R"({"influencer_id": ")" + creator + R"(", "post_text": 7})", 400, "post_text"},
      {R"({"influencer_id": "instagram/nobody_at_all_here", "post_text": "x"})", 404,
       "influencer_id"},
      {R"({"influencer_id": "myspace/x", "post_text": "x"})", 400, "influencer_id"},
      {R"({"influencer_id": ")" + creator + R"(", "post_text": "x", "mock_image_path": "a.jpg"})",
       400, "mock_image_path"},
      {R"({"influencer_id": )", 400, "body"},
      {R"([1, 2])", 400, "body"},
      {"", 400, "body"},
  };
  for (const Case& c : cases) {
    const Response r = world_->Send(Method::kPost, "/api/v1/realtime-plep", c.body, brand_);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_EQ(FieldOf(r), c.field) << c.body << " -> " << r.body;
  }
}

TEST_F(SeedApiTest, MockImagePathCannotLeaveTheImageRoot) {
  ApiOptions options;
  options.image_root = sphere::testing::SourceDir() / "data";
  Open(options);
  const std::string creator = world_->CreatorWithHistory();
  for (const std::string path :
       {"../README.md", "/etc/passwd", "instagram/../../README.md", "no_such_image.jpg"}) {
    const Response r =
        Post("/api/v1/realtime-plep",
             {{"influencer_id", creator}, {"post_text", "x"}, {"mock_image_path", path}}, brand_);
    EXPECT_EQ(r.status, 400) << path << " -> " << r.body;
    EXPECT_EQ(FieldOf(r), "mock_image_path") << path;
  }
}

TEST_F(SeedApiTest, EveryRouteButOpsNeedsAValidKey) {
  const Response none = world_->Send(Method::kGet, "/api/v1/alerts");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(FieldOf(none), "Authorization");
  const Response bad = Get("/api/v1/alerts", "sk_" + std::string(43, 'A'));
  EXPECT_EQ(bad.status, 401);
  const Response garbage = Get("/api/v1/alerts", "hunter2");
  EXPECT_EQ(garbage.status, 401);
  EXPECT_EQ(world_->Send(Method::kGet, "/healthz").status, 200);
}

TEST_F(SeedApiTest, DataIngestionIsAdminOnlyStoresTheProfileAndIsIdempotent) {
  const nlohmann::json profile = {{"username", "NewCreator_2026"},
                                  {"platform", "instagram"},
                                  {"follower_count", 12345},
                                  {"recent_post_captions", {"first post #hello", "second post"}},
                                  {"bio", "Runner. Coffee."},
                                  {"recent_likes", {321, 123}}};
  const Response denied = Post("/api/v1/data-ingestion", profile, brand_);
  EXPECT_EQ(denied.status, 403) << denied.body;

  const Response accepted = Post("/api/v1/data-ingestion", profile, admin_);
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  const nlohmann::json a = Json(accepted);
  EXPECT_EQ(a["status"], "processed");
  EXPECT_GT(a["processed_id"].get<int64_t>(), 0);
  EXPECT_THAT(a["message"].get<std::string>(), HasSubstr("2 new posts"));

  const Response shown = Get("/api/v1/influencers/instagram:newcreator_2026", brand_);
  ASSERT_EQ(shown.status, 200) << shown.body;
  const nlohmann::json s = Json(shown);
  EXPECT_EQ(s["follower_count"], 12345);
  EXPECT_EQ(s["username"], "newcreator_2026");
  EXPECT_NEAR(s["engagement_rate"].get<double>(), (321.0 + 123.0) / 2 / 12345, 1e-12);

  const Response again = Post("/api/v1/data-ingestion", profile, admin_);
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_THAT(Json(again)["message"].get<std::string>(), HasSubstr("0 new posts"));
  EXPECT_NE(Json(again)["processed_id"], a["processed_id"]);  // every delivery is recorded

  ASSERT_OK_AND_ASSIGN(std::optional<Ingestion> kept,
                       world_->store().GetIngestion(a["processed_id"].get<int64_t>()));
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(nlohmann::json::parse(kept->payload_json)["bio"], "Runner. Coffee.");
}

TEST_F(SeedApiTest, DataIngestionNamesTheWrongField) {
  struct Case {
    nlohmann::json body;
    std::string field;
  } cases[] = {
      {{{"platform", "instagram"}}, "username"},
      {{{"username", "x"}, {"platform", "myspace"}}, "platform"},
      {{{"username", "x"}, {"platform", "instagram"}, {"follower_count", -1}}, "follower_count"},
      {{{"username", "x"}, {"platform", "instagram"}, {"follower_count", "many"}},
       "follower_count"},
      {{{"username", "x"},
        {"platform", "instagram"},
        {"recent_post_captions", {"a"}},
        {"recent_likes", {1, 2}}},
       "recent_likes"},
      {{{"username", "x"}, {"platform", "instagram"}, {"recent_likes", {1.5}}}, "recent_likes[0]"},
      {{{"username", "x"}, {"platform", "instagram"}, {"recent_post_captions", {1}}},
       "recent_post_captions[0]"},
  };
  for (const Case& c : cases) {
    const Response r = Post("/api/v1/data-ingestion", c.body, admin_);
    EXPECT_EQ(r.status, 400) << c.body << " -> " << r.body;
    EXPECT_EQ(FieldOf(r), c.field) << c.body << " -> " << r.body;
  }
}

TEST_F(SeedApiTest, InfluencerByIdOrNameWithTheSeedsFields) {
  const Response by_name =
      Get("/api/v1/influencers/" + InPath(world_->CreatorWithHistory()), brand_);
  ASSERT_EQ(by_name.status, 200) << by_name.body;
  const nlohmann::json j = Json(by_name);
  for (const char* field : {"platform_id", "username", "platform", "niche_tags", "follower_count",
                            "engagement_rate", "market_score", "last_updated"}) {
    EXPECT_TRUE(j.contains(field)) << field;
  }
  const Response by_id =
      Get("/api/v1/influencers/" + std::to_string(j["id"].get<int64_t>()), brand_);
  ASSERT_EQ(by_id.status, 200);
  EXPECT_EQ(Json(by_id), j);
  const Response missing = Get("/api/v1/influencers/999999999", brand_);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(FieldOf(missing), "id");
}

TEST_F(SeedApiTest, PutInfluencerSetsTagsThatSearchFinds) {
  const std::string creator = world_->CreatorWithHistory();
  const std::string target = "/api/v1/influencers/" + InPath(creator);
  const nlohmann::json edit = {{"niche_tags", {"trail-running", "coffee"}},
                               {"manual_notes", "met at the expo"}};
  EXPECT_EQ(world_->Send(Method::kPut, target, edit.dump(), brand_).status, 403);
  const Response put = world_->Send(Method::kPut, target, edit.dump(), admin_);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(Json(put)["niche_tags"], nlohmann::json({"trail-running", "coffee"}));
  EXPECT_EQ(Json(Get(target, brand_))["niche_tags"], nlohmann::json({"trail-running", "coffee"}));
  const Response found = Get("/api/v1/search/influencers?niche=trail-running", brand_);
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(Json(found)["count"], 1);

  const Response bad = world_->Send(Method::kPut, target, R"({"niche_tags": "x"})", admin_);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(FieldOf(bad), "niche_tags");
  EXPECT_EQ(world_->Send(Method::kPut, target, "{}", admin_).status, 400);
}

TEST_F(SeedApiTest, SearchCountsEveryMatchAndPages) {
  const Response all = Get("/api/v1/search/influencers?limit=1", brand_);
  ASSERT_EQ(all.status, 200) << all.body;
  const nlohmann::json first = Json(all);
  EXPECT_GT(first["count"].get<int64_t>(), 100);
  EXPECT_EQ(first["page_size"], 1);
  EXPECT_EQ(first["page"], 1);
  ASSERT_EQ(first["results"].size(), 1u);
  const nlohmann::json second = Json(Get("/api/v1/search/influencers?limit=1&page=2", brand_));
  EXPECT_EQ(second["count"], first["count"]);
  EXPECT_NE(second["results"][0]["id"], first["results"][0]["id"]);
  EXPECT_GE(first["results"][0]["follower_count"].get<int64_t>(),
            second["results"][0]["follower_count"].get<int64_t>());

  const nlohmann::json big =
      Json(Get("/api/v1/search/influencers?min_followers=1000000&limit=100", brand_));
  EXPECT_GT(big["count"].get<int64_t>(), 0);
  EXPECT_LT(big["count"].get<int64_t>(), first["count"].get<int64_t>());
  for (const auto& r : big["results"]) EXPECT_GE(r["follower_count"].get<int64_t>(), 1000000);

  const nlohmann::json named = Json(
      Get("/api/v1/search/influencers?q=" + world_->CreatorWithHistory().substr(10, 4), brand_));
  EXPECT_GT(named["count"].get<int64_t>(), 0);

  for (const auto& [query, field] :
       std::vector<std::pair<std::string, std::string>>{{"limit=0", "limit"},
                                                        {"limit=101", "limit"},
                                                        {"page=0", "page"},
                                                        {"min_followers=lots", "min_followers"},
                                                        {"min_engagement=-1", "min_engagement"},
                                                        {"sort=name", "sort"},
                                                        {"q=%zz", "query"}}) {
    const Response r = Get("/api/v1/search/influencers?" + query, brand_);
    EXPECT_EQ(r.status, 400) << query << " -> " << r.body;
    EXPECT_EQ(FieldOf(r), field) << query << " -> " << r.body;
  }
}

TEST_F(SeedApiTest, AlertsAreTheOwnersOnly) {
  const nlohmann::json rule = {{"influencer_id", world_->CreatorWithHistory()},
                               {"metric", "engagement_rate"},
                               {"condition", "drop_by"},
                               {"threshold_value", 0.2},
                               {"is_active", true}};
  const Response created = Post("/api/v1/alerts", rule, brand_);
  ASSERT_EQ(created.status, 201) << created.body;
  const int64_t id = Json(created)["alert_id"].get<int64_t>();
  EXPECT_GT(id, 0);

  const nlohmann::json mine = Json(Get("/api/v1/alerts", brand_));
  ASSERT_EQ(mine["alerts"].size(), 1u);
  EXPECT_EQ(mine["alerts"][0]["alert_id"], id);
  EXPECT_EQ(mine["alerts"][0]["metric"], "engagement_rate");
  EXPECT_EQ(mine["alerts"][0]["condition"], "drop_by");
  EXPECT_DOUBLE_EQ(mine["alerts"][0]["threshold_value"].get<double>(), 0.2);
  EXPECT_EQ(mine["alerts"][0]["is_active"], true);

  EXPECT_TRUE(Json(Get("/api/v1/alerts", other_brand_))["alerts"].empty());
  const std::string target = "/api/v1/alerts/" + std::to_string(id);
  const Response stolen = world_->Send(Method::kDelete, target, "", other_brand_);
  EXPECT_EQ(stolen.status, 404);  // not 403: another owner's alert does not exist for them
  EXPECT_EQ(world_->Send(Method::kDelete, target, "", brand_).status, 204);
  EXPECT_EQ(world_->Send(Method::kDelete, target, "", brand_).status, 404);
  EXPECT_EQ(world_->Send(Method::kDelete, "/api/v1/alerts/abc", "", brand_).status, 400);
}

TEST_F(SeedApiTest, AlertValidationNamesTheField) {
  const std::string creator = world_->CreatorWithHistory();
  auto rule = [&](nlohmann::json patch) {
    nlohmann::json r = {{"influencer_id", creator},
                        {"metric", "follower_count"},
                        {"condition", "above"},
                        {"threshold_value", 100000}};
    r.merge_patch(patch);
    return r;
  };
  const std::pair<nlohmann::json, std::string> cases[] = {
      {rule({{"metric", "likes"}}), "metric"},
      {rule({{"condition", "equals"}}), "condition"},
      {rule({{"threshold_value", "high"}}), "threshold_value"},
      {rule({{"condition", "drop_by"}, {"threshold_value", 2}}), "threshold_value"},
      {rule({{"threshold_value", 100.5}}), "threshold_value"},
      {rule({{"is_active", "yes"}}), "is_active"},
      {rule({{"influencer_id", "instagram/nobody_at_all_here"}}), "influencer_id"},
  };
  for (const auto& [body, field] : cases) {
    const Response r = Post("/api/v1/alerts", body, brand_);
    EXPECT_GE(r.status, 400) << body;
    EXPECT_LT(r.status, 500) << body;
    EXPECT_EQ(FieldOf(r), field) << body << " -> " << r.body;
  }
}

TEST_F(SeedApiTest, UnknownRoutesAndMethodsAreJsonErrors) {
  const Response missing = Get("/api/v1/nothing-here", brand_);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Json(missing)["error"]["code"], "not_found");
  const Response wrong = world_->Send(Method::kPatch, "/api/v1/alerts", "", brand_);
  EXPECT_EQ(wrong.status, 405);
  bool allow = false;
  for (const auto& [name, value] : wrong.headers) {
    if (name == "Allow") {
      allow = true;
      EXPECT_THAT(value, HasSubstr("POST"));
      EXPECT_THAT(value, HasSubstr("GET"));
    }
  }
  EXPECT_TRUE(allow);
  EXPECT_EQ(Get("/api/v1/influencers/%E0%A4", brand_).status, 400);  // invalid UTF-8 in the path
}

TEST_F(SeedApiTest, ARateLimitedKeyGets429WithRetryAfter) {
  ApiOptions options;
  options.rate_limit_per_second = 0.001;  // one token in 1000 s
  options.rate_limit_burst = 2;
  Open(options);
  EXPECT_EQ(Get("/api/v1/alerts", brand_).status, 200);
  EXPECT_EQ(Get("/api/v1/alerts", brand_).status, 200);
  const Response limited = Get("/api/v1/alerts", brand_);
  ASSERT_EQ(limited.status, 429) << limited.body;
  std::string retry;
  for (const auto& [name, value] : limited.headers) {
    if (name == "Retry-After") retry = value;
  }
  EXPECT_GE(std::stoll(retry), 1);
  EXPECT_EQ(Get("/api/v1/alerts", other_brand_).status, 200);  // per key, not global
}

TEST_F(SeedApiTest, MetricsCountRequestsPerRouteAndNameTheModels) {
  Post("/api/v1/realtime-plep",
       {{"influencer_id", world_->CreatorWithHistory()}, {"post_text", "x"}}, brand_);
  Get("/api/v1/nothing-here", brand_);
  const Response metrics = world_->Send(Method::kGet, "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.content_type, HasSubstr("text/plain"));
  EXPECT_THAT(
      metrics.body,
      HasSubstr(
          R"(sphere_http_requests_total{route="/api/v1/realtime-plep",method="POST",status="200"} 1)"));
  EXPECT_THAT(
      metrics.body,
      HasSubstr(R"(sphere_http_requests_total{route="unmatched",method="any",status="404"} 1)"));
  EXPECT_THAT(
      metrics.body,
      HasSubstr(
          R"(sphere_http_request_duration_seconds_count{route="/api/v1/realtime-plep",method="POST"} 1)"));
  EXPECT_THAT(metrics.body, HasSubstr("sphere_model_info{kind=\"plep\",version=\"plep-"));
  EXPECT_THAT(metrics.body, HasSubstr("sphere_model_info{kind=\"market_value\""));
}

TEST_F(SeedApiTest, ReadyWhenModelsAreLoadedAndTheStoreAnswers) {
  const Response r = world_->Send(Method::kGet, "/readyz");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r)["status"], "ready");
  ASSERT_OK_AND_ASSIGN(int schema_version, world_->store().SchemaVersion());
  EXPECT_EQ(Json(r)["store"]["schema_version"], schema_version);
}

}  // namespace
}  // namespace sphere::api
