// The product API's creator, market, draft and model routes through Api::Handle (no sockets),
// against a real store with real trained models (tests/testing/api_world.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/niche.h"
#include "testing/api_world.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::api {
namespace {

using testing::ApiWorld;
using ::testing::HasSubstr;
using json = nlohmann::json;

json Json(const Response& r) { return json::parse(r.body); }

// The error body's field, or "" when null.
std::string FieldOf(const Response& r) {
  const json j = Json(r);
  return j["error"]["field"].is_null() ? "" : j["error"]["field"].get<std::string>();
}

std::string HeaderOf(const Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

constexpr std::string_view kBoundary = "sphere-test-boundary-7f3a";

// A multipart/form-data body with a "draft" JSON part and, when given, an "image" part.
std::string Multipart(const json& draft, const std::string& image = "",
                      const std::string& image_type = "image/jpeg") {
  std::string body;
  body += "--" + std::string(kBoundary) + "\r\n";
  body += "Content-Disposition: form-data; name=\"draft\"\r\n";
  body += "Content-Type: application/json\r\n\r\n";
  body += draft.dump() + "\r\n";
  if (!image.empty()) {
    body += "--" + std::string(kBoundary) + "\r\n";
    body += "Content-Disposition: form-data; name=\"image\"; filename=\"photo.jpg\"\r\n";
    body += "Content-Type: " + image_type + "\r\n\r\n";
    body += image + "\r\n";
  }
  body += "--" + std::string(kBoundary) + "--\r\n";
  return body;
}

class ProductApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ApiOptions options;
    options.rate_limit_per_second = 0;  // these tests send many requests with one key
    ASSERT_OK_AND_ASSIGN(world_, ApiWorld::Open(std::move(options)));
    ASSERT_OK_AND_ASSIGN(admin_, world_->AddUser("ops", Role::kAdmin));
    ASSERT_OK_AND_ASSIGN(brand_, world_->AddUser("acme", Role::kBrand));
    ASSERT_OK_AND_ASSIGN(creator_user_, world_->AddUser("maker", Role::kCreator));
    creator_ = world_->CreatorWithHistory();  // "instagram/<handle>"
  }

  Response Get(const std::string& target, const std::string& key) {
    return world_->Send(Method::kGet, target, "", key);
  }
  Response Post(const std::string& target, const json& body, const std::string& key) {
    return world_->Send(Method::kPost, target, body.dump(), key);
  }
  Response PostMultipart(const std::string& target, const std::string& body,
                         const std::string& key) {
    return world_->Send(
        Method::kPost, target, body, key,
        {{"Content-Type", "multipart/form-data; boundary=" + std::string(kBoundary)}});
  }
  Response Put(const std::string& target, const json& body, const std::string& key) {
    return world_->Send(Method::kPut, target, body.dump(), key);
  }
  Response Delete(const std::string& target, const std::string& key) {
    return world_->Send(Method::kDelete, target, "", key);
  }

  // The seed routes' one-segment name of the creator: "instagram:<handle>".
  std::string SeedId() const {
    std::string id = creator_;
    id[id.find('/')] = ':';
    return id;
  }

  // A creator the store knows with no stored value: "instagram/<handle>".
  std::string AddUnvaluedCreator() {
    ImportBatch batch;
    Creator c;
    c.handle = "fresh_face_" + std::to_string(++added_);
    c.followers = 1234;
    c.stats_as_of = 1'700'000'000;
    c.source = "test";
    batch.creators.push_back(c);
    EXPECT_OK(world_->store().WriteBatch(batch).status());
    return "instagram/" + c.handle;
  }

  // Creates a draft as `key`; returns its id.
  int64_t CreateDraft(const json& body, const std::string& key) {
    const Response r = Post("/api/v1/drafts", body, key);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? Json(r)["id"].get<int64_t>() : 0;
  }

  std::unique_ptr<ApiWorld> world_;
  std::string admin_, brand_, creator_user_;
  std::string creator_;
  int added_ = 0;
};

// ---- creators ------------------------------------------------------------------------------

TEST_F(ProductApiTest, CreatorProfileJoinsDirectoryNicheNotesAndLatestValue) {
  const Response r = Get("/api/v1/creators/" + creator_, brand_);
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = Json(r);
  EXPECT_EQ("instagram/" + j["handle"].get<std::string>(), creator_);
  EXPECT_EQ(j["platform"], "instagram");
  EXPECT_TRUE(j["id"].is_number_integer());
  EXPECT_TRUE(j["follower_count"].is_number_integer());
  ASSERT_TRUE(j["niche"].is_object()) << j.dump();
  EXPECT_TRUE(IsNiche(j["niche"]["id"].get<std::string>()));
  EXPECT_FALSE(j["niche"]["name"].get<std::string>().empty());
  EXPECT_THAT((std::set<std::string>{"category", "classifier", "profile", "market_value"}),
              ::testing::Contains(j["niche"]["source"].get<std::string>()));
  EXPECT_TRUE(j["notes"].is_null());
  const json& value = j["value"];
  ASSERT_TRUE(value.is_object()) << j.dump();
  EXPECT_LE(value["fee"]["low"].get<double>(), value["fee"]["mid"].get<double>());
  EXPECT_LE(value["fee"]["mid"].get<double>(), value["fee"]["high"].get<double>());
  EXPECT_GE(value["score"].get<double>(), 0);
  EXPECT_LE(value["score"].get<double>(), 100);
  EXPECT_TRUE(value["momentum"].is_number());
  EXPECT_TRUE(value["tier"].is_string());
  EXPECT_TRUE(value["as_of"].is_string());
  EXPECT_FALSE(value["model_version"].get<std::string>().empty());
  EXPECT_FALSE(value.contains("evidence"));
  EXPECT_EQ(j["market_score"], value["score"]);
}

TEST_F(ProductApiTest, CreatorProfileShowsManualNotesToAdminsOnly) {
  const Response put =
      Put("/api/v1/influencers/" + SeedId(),
          {{"niche_tags", {"vegan", "baking"}}, {"manual_notes", "agency: XYZ"}}, admin_);
  ASSERT_EQ(put.status, 200) << put.body;
  const json brand = Json(Get("/api/v1/creators/" + creator_, brand_));
  ASSERT_TRUE(brand["notes"].is_object()) << brand.dump();
  EXPECT_EQ(brand["notes"]["niche_tags"], json({"vegan", "baking"}));
  EXPECT_TRUE(brand["notes"].contains("bio"));
  EXPECT_FALSE(brand["notes"].contains("manual_notes"));
  const json admin = Json(Get("/api/v1/creators/" + creator_, admin_));
  EXPECT_EQ(admin["notes"]["manual_notes"], "agency: XYZ");
}

TEST_F(ProductApiTest, CreatorRoutesRefuseAnUnknownPlatformAndHandle) {
  for (const std::string suffix : {"", "/posts", "/snapshots", "/value", "/values"}) {
    const Response bad = Get("/api/v1/creators/myspace/someone" + suffix, brand_);
    EXPECT_EQ(bad.status, 400) << suffix << ": " << bad.body;
    EXPECT_EQ(FieldOf(bad), "platform") << suffix;
    const Response missing = Get("/api/v1/creators/instagram/no_such_creator_xyz" + suffix, brand_);
    EXPECT_EQ(missing.status, 404) << suffix << ": " << missing.body;
    EXPECT_EQ(FieldOf(missing), "handle") << suffix;
  }
}

TEST_F(ProductApiTest, CreatorRoutesNeedAKey) {
  EXPECT_EQ(Get("/api/v1/creators/" + creator_, "").status, 401);
}

TEST_F(ProductApiTest, PostsPageNewestFirstAndTheCursorReachesEveryDatedPost) {
  const Response all = Get("/api/v1/creators/" + creator_ + "/posts?limit=200", brand_);
  ASSERT_EQ(all.status, 200) << all.body;
  const json everything = Json(all);
  const size_t total = everything["posts"].size();
  ASSERT_GE(total, 4u) << "the world's creator should have a few posts";

  std::vector<int64_t> seen;
  std::string target = "/api/v1/creators/" + creator_ + "/posts?limit=3";
  std::string previous_time = "9999";
  for (int page = 0; page < 100 && !target.empty(); ++page) {
    const Response r = Get(target, brand_);
    ASSERT_EQ(r.status, 200) << r.body;
    const json j = Json(r);
    EXPECT_LE(j["posts"].size(), 3u + 2u);  // a tie group may overflow a page
    for (const json& p : j["posts"]) {
      const std::string at = p["posted_at"].get<std::string>();
      EXPECT_LE(at, previous_time);  // ISO 8601 in UTC sorts as text
      previous_time = at;
      seen.push_back(p["id"].get<int64_t>());
      EXPECT_TRUE(p.contains("likes"));
      EXPECT_TRUE(p.contains("comments"));
      EXPECT_TRUE(p["caption"].is_string());
      EXPECT_TRUE(p["media_type"].is_string());
    }
    target = j["next"].is_null() ? "" : j["next"].get<std::string>();
  }
  EXPECT_TRUE(target.empty()) << "pagination did not end";
  EXPECT_EQ(seen.size(), total);
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), total) << "a post came twice";
}

TEST_F(ProductApiTest, PostsDefaultTo50AndHonourBefore) {
  const json first = Json(Get("/api/v1/creators/" + creator_ + "/posts", brand_));
  EXPECT_EQ(first["limit"], 50);
  ASSERT_FALSE(first["posts"].empty());
  const std::string newest = first["posts"][0]["posted_at"];
  const json older = Json(Get("/api/v1/creators/" + creator_ + "/posts?before=" + newest, brand_));
  for (const json& p : older["posts"]) EXPECT_LT(p["posted_at"].get<std::string>(), newest);
}

TEST_F(ProductApiTest, PostsRefuseBadPagingParameters) {
  const struct {
    std::string query;
    std::string field;
  } cases[] = {
      {"limit=0", "limit"},           {"limit=201", "limit"},          {"limit=ten", "limit"},
      {"before=yesterday", "before"}, {"before=2022-13-40", "before"}, {"page=2", "page"}};
  for (const auto& c : cases) {
    const Response r = Get("/api/v1/creators/" + creator_ + "/posts?" + c.query, brand_);
    EXPECT_EQ(r.status, 400) << c.query << ": " << r.body;
    EXPECT_EQ(FieldOf(r), c.field) << c.query;
  }
}

TEST_F(ProductApiTest, SnapshotsAreTheTimeSeriesInOrder) {
  // The Kim creators have no time series: take the creator of the world's first snapshot
  // (smi2022 or Social Blade).
  std::string with_series;
  ASSERT_OK(world_->store().ForEachSnapshot([&](const Snapshot& s) {
    if (with_series.empty())
      with_series = std::string(ToString(s.platform)) + "/" + s.creator_handle;
    return Status::Ok();
  }));
  ASSERT_FALSE(with_series.empty());
  const Response r = Get("/api/v1/creators/" + with_series + "/snapshots", brand_);
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = Json(r);
  ASSERT_TRUE(j["snapshots"].is_array());
  ASSERT_FALSE(j["snapshots"].empty());
  std::string previous;
  for (const json& s : j["snapshots"]) {
    EXPECT_GE(s["taken_at"].get<std::string>(), previous);
    previous = s["taken_at"].get<std::string>();
    EXPECT_TRUE(s.contains("followers"));
    EXPECT_TRUE(s["source"].is_string());
  }
}

TEST_F(ProductApiTest, ValueHasRangeAndEvidenceAsAnObject) {
  const Response r = Get("/api/v1/creators/" + creator_ + "/value", brand_);
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = Json(r);
  EXPECT_LE(j["fee"]["low"].get<double>(), j["fee"]["high"].get<double>());
  EXPECT_LE(j["engagement_per_post"]["low"].get<double>(),
            j["engagement_per_post"]["high"].get<double>());
  ASSERT_TRUE(j["evidence"].is_object());
  EXPECT_TRUE(j["evidence"].contains("inputs")) << j["evidence"].dump();
  const json profile = Json(Get("/api/v1/creators/" + creator_, brand_));
  EXPECT_EQ(j["model_version"], profile["value"]["model_version"]);
  EXPECT_EQ(j["fee"], profile["value"]["fee"]);
}

TEST_F(ProductApiTest, ValueHistoryIsOldestFirstWithoutEvidence) {
  const Response r = Get("/api/v1/creators/" + creator_ + "/values", brand_);
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = Json(r);
  ASSERT_FALSE(j["values"].empty());
  std::string previous;
  for (const json& v : j["values"]) {
    EXPECT_GE(v["as_of"].get<std::string>(), previous);
    previous = v["as_of"].get<std::string>();
    EXPECT_FALSE(v.contains("evidence"));
    EXPECT_TRUE(v["fee"]["mid"].is_number());
  }
}

TEST_F(ProductApiTest, CreatorWithNothingStoredHas404ValueAndEmptyLists) {
  const std::string fresh = AddUnvaluedCreator();
  const Response value = Get("/api/v1/creators/" + fresh + "/value", brand_);
  EXPECT_EQ(value.status, 404) << value.body;
  EXPECT_THAT(value.body, HasSubstr("no stored Market Value"));
  const Response history = Get("/api/v1/creators/" + fresh + "/values", brand_);
  ASSERT_EQ(history.status, 200) << history.body;
  EXPECT_TRUE(Json(history)["values"].empty());
  const Response profile = Get("/api/v1/creators/" + fresh, brand_);
  ASSERT_EQ(profile.status, 200) << profile.body;
  EXPECT_TRUE(Json(profile)["value"].is_null());
  EXPECT_TRUE(Json(profile)["niche"].is_null());
  const Response posts = Get("/api/v1/creators/" + fresh + "/posts", brand_);
  ASSERT_EQ(posts.status, 200) << posts.body;
  EXPECT_TRUE(Json(posts)["posts"].empty());
  EXPECT_TRUE(Json(posts)["next"].is_null());
  const Response snapshots = Get("/api/v1/creators/" + fresh + "/snapshots", brand_);
  ASSERT_EQ(snapshots.status, 200) << snapshots.body;
  EXPECT_TRUE(Json(snapshots)["snapshots"].empty());
}

// ---- rank and niches -----------------------------------------------------------------------

TEST_F(ProductApiTest, RankSortsByValueOrMomentum) {
  const Response by_value = Get("/api/v1/rank?limit=50", brand_);
  ASSERT_EQ(by_value.status, 200) << by_value.body;
  const json v = Json(by_value);
  ASSERT_GE(v["results"].size(), 2u);
  EXPECT_EQ(v["count"], v["results"].size());
  for (size_t i = 1; i < v["results"].size(); ++i) {
    EXPECT_GE(v["results"][i - 1]["fee"]["mid"].get<double>(),
              v["results"][i]["fee"]["mid"].get<double>());
    EXPECT_EQ(v["results"][i]["rank"], i + 1);
  }
  const json& top = v["results"][0];
  EXPECT_LE(top["fee"]["low"].get<double>(), top["fee"]["high"].get<double>());
  EXPECT_TRUE(top["score"].is_number());
  EXPECT_TRUE(top.contains("tier"));
  EXPECT_TRUE(top["momentum"].is_number());

  const json m = Json(Get("/api/v1/rank?sort=momentum&limit=50", brand_));
  EXPECT_EQ(m["query"]["sort"], "momentum");
  for (size_t i = 1; i < m["results"].size(); ++i) {
    EXPECT_GE(m["results"][i - 1]["momentum"].get<double>(),
              m["results"][i]["momentum"].get<double>());
  }
}

TEST_F(ProductApiTest, RankFiltersByPlatformNicheAndFollowers) {
  const json yt = Json(Get("/api/v1/rank?platform=youtube&limit=100", brand_));
  ASSERT_FALSE(yt["results"].empty());
  for (const json& r : yt["results"]) EXPECT_EQ(r["platform"], "youtube");

  const json band =
      Json(Get("/api/v1/rank?min_followers=10000&max_followers=500000&limit=100", brand_));
  ASSERT_FALSE(band["results"].empty());
  for (const json& r : band["results"]) {
    ASSERT_TRUE(r["followers"].is_number_integer());
    EXPECT_GE(r["followers"].get<int64_t>(), 10000);
    EXPECT_LE(r["followers"].get<int64_t>(), 500000);
  }
  const std::string niche = Json(Get("/api/v1/rank?limit=1", brand_))["results"][0]["niche"];
  const json in_niche = Json(Get("/api/v1/rank?niche=" + niche + "&limit=100", brand_));
  ASSERT_FALSE(in_niche["results"].empty());
  for (const json& r : in_niche["results"]) EXPECT_EQ(r["niche"], niche);
  EXPECT_EQ(Json(Get("/api/v1/rank?limit=7", brand_))["results"].size(), 7u);
}

TEST_F(ProductApiTest, RankRefusesEachBadParameterNamingIt) {
  const struct {
    std::string query;
    std::string field;
  } cases[] = {{"platform=myspace", "platform"},
               {"niche=underwater-basket-weaving", "niche"},
               {"min_followers=-1", "min_followers"},
               {"max_followers=abc", "max_followers"},
               {"min_followers=500&max_followers=10", "min_followers"},
               {"sort=fame", "sort"},
               {"limit=0", "limit"},
               {"limit=1001", "limit"},
               {"order=asc", "order"}};
  for (const auto& c : cases) {
    const Response r = Get("/api/v1/rank?" + c.query, brand_);
    EXPECT_EQ(r.status, 400) << c.query << ": " << r.body;
    EXPECT_EQ(FieldOf(r), c.field) << c.query;
  }
}

TEST_F(ProductApiTest, NichesListTheTaxonomyWithCountsThatAddUpToTheDirectory) {
  const Response r = Get("/api/v1/niches", creator_user_);
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = Json(r);
  ASSERT_EQ(j["niches"].size(), Niches().size());
  int64_t total = j["unknown_niche"]["total"].get<int64_t>();
  bool some_median = false;
  for (size_t i = 0; i < Niches().size(); ++i) {
    const json& n = j["niches"][i];
    EXPECT_EQ(n["id"], std::string(Niches()[i].id));
    EXPECT_EQ(n["name"], std::string(Niches()[i].name));
    EXPECT_EQ(n["covers"], std::string(Niches()[i].covers));
    const int64_t sum = n["creators"]["instagram"].get<int64_t>() +
                        n["creators"]["tiktok"].get<int64_t>() +
                        n["creators"]["youtube"].get<int64_t>();
    EXPECT_EQ(sum, n["total"].get<int64_t>()) << n.dump();
    total += sum;
    if (n["median_market_score"].is_number()) {
      some_median = true;
      EXPECT_GE(n["median_market_score"].get<double>(), 0);
      EXPECT_LE(n["median_market_score"].get<double>(), 100);
      EXPECT_GT(n["creators_with_market_score"].get<int64_t>(), 0);
    }
  }
  EXPECT_TRUE(some_median);
  const json search = Json(Get("/api/v1/search/influencers?limit=1", brand_));
  EXPECT_EQ(total, search["count"].get<int64_t>());
}

// ---- drafts --------------------------------------------------------------------------------

TEST_F(ProductApiTest, CreateDraftAnswers201WithLocationAndTheDraft) {
  const Response r = Post("/api/v1/drafts",
                          {{"creator", creator_},
                           {"caption", "Sunday brunch ideas #food"},
                           {"media_type", "carousel"},
                           {"sponsored", true},
                           {"posted_at", "2026-12-01T18:00:00Z"}},
                          creator_user_);
  ASSERT_EQ(r.status, 201) << r.body;
  const json j = Json(r);
  EXPECT_EQ(HeaderOf(r, "Location"), "/api/v1/drafts/" + std::to_string(j["id"].get<int64_t>()));
  EXPECT_EQ("instagram/" + j["creator"]["handle"].get<std::string>(), creator_);
  EXPECT_EQ(j["caption"], "Sunday brunch ideas #food");
  EXPECT_EQ(j["media_type"], "carousel");
  EXPECT_EQ(j["sponsored"], true);
  EXPECT_EQ(j["posted_at"], "2026-12-01T18:00:00Z");
  EXPECT_TRUE(j["image"].is_null());
  EXPECT_EQ(j["image_size"], 0);
  EXPECT_TRUE(j["created_at"].is_string());

  const Response one =
      Get("/api/v1/drafts/" + std::to_string(j["id"].get<int64_t>()), creator_user_);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(Json(one), j);
}

TEST_F(ProductApiTest, DraftWithoutCreatorOrTimeStoresNulls) {
  const Response r = Post("/api/v1/drafts", {{"caption", "just an idea"}}, brand_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_TRUE(Json(r)["creator"].is_null());
  EXPECT_TRUE(Json(r)["posted_at"].is_null());
  EXPECT_EQ(Json(r)["media_type"], "image");
}

TEST_F(ProductApiTest, ListDraftsShowsOnlyTheCallersNewestFirst) {
  const int64_t a = CreateDraft({{"caption", "first"}}, creator_user_);
  const int64_t b = CreateDraft({{"caption", "second"}}, creator_user_);
  CreateDraft({{"caption", "someone else's"}}, brand_);
  const Response r = Get("/api/v1/drafts", creator_user_);
  ASSERT_EQ(r.status, 200) << r.body;
  const json drafts = Json(r)["drafts"];
  ASSERT_EQ(drafts.size(), 2u) << drafts.dump();
  EXPECT_EQ(drafts[0]["id"], b);
  EXPECT_EQ(drafts[1]["id"], a);
  EXPECT_TRUE(Json(Get("/api/v1/drafts", admin_))["drafts"].empty());
}

TEST_F(ProductApiTest, AnotherUsersDraftIsNotFoundAndStaysUntouched) {
  const int64_t id = CreateDraft({{"caption", "mine"}, {"creator", creator_}}, creator_user_);
  const std::string path = "/api/v1/drafts/" + std::to_string(id);
  const Response missing = Get("/api/v1/drafts/999999", brand_);
  ASSERT_EQ(missing.status, 404);

  const Response get = Get(path, brand_);
  EXPECT_EQ(get.status, 404) << get.body;
  EXPECT_EQ(FieldOf(get), "draft_id");
  // The same answer as a draft that does not exist, except the id: nothing tells them apart.
  json expected = Json(missing);
  expected["error"]["message"] = "draft_id: no draft " + std::to_string(id);
  EXPECT_EQ(Json(get), expected);
  EXPECT_EQ(Put(path, {{"caption", "hijacked"}}, brand_).status, 404);
  EXPECT_EQ(Delete(path, brand_).status, 404);
  EXPECT_EQ(Post(path + "/diagnose", json::object(), brand_).status, 404);
  // Admins see only their own drafts too.
  EXPECT_EQ(Get(path, admin_).status, 404);

  const Response mine = Get(path, creator_user_);
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(Json(mine)["caption"], "mine");
}

TEST_F(ProductApiTest, PutReplacesTheFieldsAndKeepsTheImage) {
  const std::string image = ReadFile(testing::SourceDir() / "tests/data/images/fruits.jpg");
  const Response created = PostMultipart(
      "/api/v1/drafts", Multipart({{"caption", "before"}, {"creator", creator_}}, image),
      creator_user_);
  ASSERT_EQ(created.status, 201) << created.body;
  const int64_t id = Json(created)["id"];
  const std::string path = "/api/v1/drafts/" + std::to_string(id);

  const Response put = Put(path,
                           {{"caption", "after"},
                            {"media_type", "video"},
                            {"sponsored", true},
                            {"posted_at", "2027-01-02T03:04:05Z"}},
                           creator_user_);
  ASSERT_EQ(put.status, 200) << put.body;
  const json j = Json(put);
  EXPECT_EQ(j["caption"], "after");
  EXPECT_EQ(j["media_type"], "video");
  EXPECT_EQ(j["sponsored"], true);
  EXPECT_EQ(j["posted_at"], "2027-01-02T03:04:05Z");
  EXPECT_TRUE(j["creator"].is_null()) << "PUT replaces: no creator given, none kept";
  EXPECT_EQ(j["image_size"], static_cast<int64_t>(image.size()));
  EXPECT_EQ(j["created_at"], Json(created)["created_at"]);
  EXPECT_EQ(Json(Get(path, creator_user_)), j);
}

TEST_F(ProductApiTest, DeleteAnswers204AndTheDraftIsGone) {
  const int64_t id = CreateDraft({{"caption", "bye"}}, creator_user_);
  const std::string path = "/api/v1/drafts/" + std::to_string(id);
  const Response r = Delete(path, creator_user_);
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(Get(path, creator_user_).status, 404);
  EXPECT_EQ(Delete(path, creator_user_).status, 404);
}

TEST_F(ProductApiTest, DraftRoutesNameTheBadInput) {
  const struct {
    json body;
    int status;
    std::string field;
  } cases[] = {
      {{{"caption", 42}}, 400, "caption"},
      {{{"media_type", "hologram"}}, 400, "media_type"},
      {{{"sponsored", "yes"}}, 400, "sponsored"},
      {{{"posted_at", "next tuesday"}}, 400, "posted_at"},
      {{{"creator", "instagram/no_such_creator_xyz"}}, 404, "creator"},
      {{{"creator", "myspace/tom"}}, 400, "creator"},
      {{{"image_description", "Image may contain: cake"}}, 400, "image_description"},
      {{{"caption", std::string(10'001, 'a')}}, 400, "caption"},
  };
  const int64_t id = CreateDraft({{"caption", "ok"}}, creator_user_);
  for (const auto& c : cases) {
    const Response post = Post("/api/v1/drafts", c.body, creator_user_);
    EXPECT_EQ(post.status, c.status) << c.body.dump() << ": " << post.body;
    EXPECT_EQ(FieldOf(post), c.field) << c.body.dump();
    const Response put = Put("/api/v1/drafts/" + std::to_string(id), c.body, creator_user_);
    EXPECT_EQ(put.status, c.status) << c.body.dump() << ": " << put.body;
    EXPECT_EQ(FieldOf(put), c.field) << c.body.dump();
  }
  const Response malformed =
      world_->Send(Method::kPost, "/api/v1/drafts", "{\"caption\":", creator_user_);
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(FieldOf(malformed), "body");
  for (const std::string bad_id : {"abc", "0", "-3", "12345678901234567890"}) {
    const Response r = Get("/api/v1/drafts/" + bad_id, creator_user_);
    EXPECT_EQ(r.status, 400) << bad_id << ": " << r.body;
    EXPECT_EQ(FieldOf(r), "draft_id") << bad_id;
  }
  // PUT takes JSON only; POST takes JSON or multipart.
  const Response put_multipart = world_->Send(
      Method::kPut, "/api/v1/drafts/" + std::to_string(id), Multipart({{"caption", "x"}}),
      creator_user_, {{"Content-Type", "multipart/form-data; boundary=" + std::string(kBoundary)}});
  EXPECT_EQ(put_multipart.status, 415) << put_multipart.body;
  const Response text = world_->Send(Method::kPost, "/api/v1/drafts", "caption", creator_user_,
                                     {{"Content-Type", "text/plain"}});
  EXPECT_EQ(text.status, 415) << text.body;
}

TEST_F(ProductApiTest, MultipartDraftStoresTheImageAndDiagnosisAnalysesIt) {
  const std::string image = ReadFile(testing::SourceDir() / "tests/data/images/fruits.jpg");
  ASSERT_GT(image.size(), 1000u);
  const Response r = PostMultipart("/api/v1/drafts",
                                   Multipart({{"caption", "Fresh fruit bowl to start the day"},
                                              {"creator", creator_},
                                              {"posted_at", "2026-12-01T08:00:00Z"}},
                                             image, "application/octet-stream"),
                                   creator_user_);
  ASSERT_EQ(r.status, 201) << r.body;
  const json draft = Json(r);
  EXPECT_EQ(draft["image"]["content_type"], "image/jpeg");  // from the bytes, not the part
  EXPECT_EQ(draft["image"]["size"], static_cast<int64_t>(image.size()));
  EXPECT_EQ(draft["image_size"], static_cast<int64_t>(image.size()));
  EXPECT_EQ(r.body.find("image_bytes"), std::string::npos);

  const int64_t id = draft["id"];
  const Response d =
      Post("/api/v1/drafts/" + std::to_string(id) + "/diagnose", json::object(), creator_user_);
  ASSERT_EQ(d.status, 200) << d.body;
  const json j = Json(d);
  EXPECT_EQ(j["draft_id"], id);
  EXPECT_EQ(j["image_analysed"], true);
  EXPECT_EQ(j["posted_at"], "2026-12-01T08:00:00Z");
  EXPECT_GT(j["prediction"]["engagement"].get<double>(), 0);
  EXPECT_FALSE(j["drivers"].empty());
  EXPECT_TRUE(j["what_ifs"].is_array());
}

TEST_F(ProductApiTest, CorruptImageIsA400NamingTheImagePart) {
  std::string image = ReadFile(testing::SourceDir() / "tests/data/images/fruits.jpg");
  image.resize(image.size() / 3);  // a JPEG cut short
  for (const std::string& bytes : {image, std::string("definitely not an image")}) {
    const Response r =
        PostMultipart("/api/v1/drafts", Multipart({{"caption", "x"}}, bytes), creator_user_);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(FieldOf(r), "image");
  }
  EXPECT_TRUE(Json(Get("/api/v1/drafts", creator_user_))["drafts"].empty());
}

TEST_F(ProductApiTest, StoredDraftDiagnosisMatchesTheDiagnoseRoute) {
  const json body = {{"creator", creator_},
                     {"caption", "New recipe tonight! Link in bio #food #dinner"},
                     {"media_type", "image"},
                     {"posted_at", "2026-12-03T19:00:00Z"}};
  const int64_t id = CreateDraft(body, creator_user_);
  const Response stored =
      Post("/api/v1/drafts/" + std::to_string(id) + "/diagnose", json::object(), creator_user_);
  ASSERT_EQ(stored.status, 200) << stored.body;
  const Response direct = Post("/api/v1/plep/diagnose", body, creator_user_);
  ASSERT_EQ(direct.status, 200) << direct.body;
  json a = Json(stored);
  const json b = Json(direct);
  EXPECT_EQ(a["draft_id"], id);
  a.erase("draft_id");
  EXPECT_EQ(a, b);  // the same draft, the same model: the same answer, the same shape
}

TEST_F(ProductApiTest, DiagnosingADraftWithoutCreatorIsAConflictNamingCreator) {
  const int64_t id = CreateDraft({{"caption", "no one's"}}, creator_user_);
  const Response r =
      Post("/api/v1/drafts/" + std::to_string(id) + "/diagnose", json::object(), creator_user_);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(FieldOf(r), "creator");
}

// ---- models --------------------------------------------------------------------------------

TEST_F(ProductApiTest, ModelsListEachKindAndTheServedVersions) {
  const Response r = Get("/api/v1/models", admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = Json(r);
  ASSERT_OK_AND_ASSIGN(std::optional<ModelRecord> plep, world_->store().LatestModel("plep"));
  ASSERT_TRUE(plep.has_value());
  EXPECT_EQ(j["serving"]["plep"], plep->version);
  ASSERT_EQ(j["kinds"].size(), 3u);
  EXPECT_EQ(j["kinds"][0]["kind"], "plep");
  EXPECT_EQ(j["kinds"][0]["served_version"], plep->version);
  ASSERT_FALSE(j["kinds"][0]["models"].empty());
  const json& model = j["kinds"][0]["models"][0];
  EXPECT_EQ(model["version"], plep->version);
  EXPECT_EQ(model["served"], true);
  EXPECT_TRUE(model["metrics"]["test"].is_object()) << model["metrics"].dump();
  EXPECT_EQ(j["kinds"][1]["kind"], "market_value");
  EXPECT_EQ(j["kinds"][1]["served_version"], j["serving"]["market_value"]);
  EXPECT_TRUE(j["kinds"][2]["served_version"].is_null());  // niche: not served
}

TEST_F(ProductApiTest, ModelRoutesAreAdminOnly) {
  for (const std::string& key : {brand_, creator_user_}) {
    const Response list = Get("/api/v1/models", key);
    EXPECT_EQ(list.status, 403) << list.body;
    const Response reload = Post("/api/v1/admin/models/reload", json::object(), key);
    EXPECT_EQ(reload.status, 403) << reload.body;
  }
}

TEST_F(ProductApiTest, ReloadWithNothingNewKeepsTheVersionsAndRebuildsTheDirectory) {
  const json before = Json(Get("/api/v1/creators/" + creator_, brand_));
  // A newer value written behind the server's back (another replica, a `sphere value` run).
  ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> values,
                       world_->store().MarketValuesOf(before["id"].get<int64_t>()));
  ASSERT_FALSE(values.empty());
  MarketValue newer = values.back();
  newer.as_of += 86'400;
  newer.computed_at += 86'400;
  newer.score = 42.5;
  ASSERT_OK(world_->store().WriteMarketValues({newer}));
  EXPECT_NE(Json(Get("/api/v1/influencers/" + SeedId(), brand_))["market_score"], 42.5);
  // The rank index answers from memory too: the creator's score there, or null when the
  // query's top 1000 leaves them out.
  const std::string rank_query = "/api/v1/rank?platform=instagram&limit=1000" +
                                 (newer.niche.empty() ? "" : "&niche=" + newer.niche);
  auto ranked_score = [&]() -> json {
    const Response ranked = Get(rank_query, brand_);
    EXPECT_EQ(ranked.status, 200) << ranked.body;
    const json body = Json(ranked);
    for (const json& row : body["results"]) {
      if (row["id"] == before["id"]) return row["score"];
    }
    return nullptr;
  };
  const json ranked_before = ranked_score();
  ASSERT_FALSE(ranked_before.is_null()) << "the creator should rank in " << rank_query;
  EXPECT_NE(ranked_before, 42.5);

  const Response r = Post("/api/v1/admin/models/reload", json::object(), admin_);
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = Json(r);
  EXPECT_EQ(j["changed"], false);
  EXPECT_EQ(j["plep"]["before"], j["plep"]["after"]);
  EXPECT_EQ(j["market_value"]["before"], j["market_value"]["after"]);
  EXPECT_GT(j["directory_creators"].get<int64_t>(), 0);
  EXPECT_EQ(Json(Get("/api/v1/influencers/" + SeedId(), brand_))["market_score"], 42.5);
  EXPECT_EQ(ranked_score(), 42.5);
}

TEST_F(ProductApiTest, ReloadRefusingABrokenNewestModelKeepsServingTheOld) {
  ASSERT_OK_AND_ASSIGN(std::optional<ModelRecord> current, world_->store().LatestModel("plep"));
  ASSERT_TRUE(current.has_value());
  testing::TempDir dir;
  const std::filesystem::path broken = dir.path() / "plep-broken";
  std::filesystem::copy(current->artifact_path, broken, std::filesystem::copy_options::recursive);
  {
    std::ofstream damage(broken / "engagement.json", std::ios::binary | std::ios::trunc);
    damage << "{\"learner\": {\"gradient_booster\": ";
  }
  ModelRecord record = *current;
  record.id = 0;
  record.version = "plep-broken";
  record.artifact_path = broken.string();
  record.created_at = current->created_at + 3600;
  ASSERT_OK(world_->store().SaveModel(record).status());

  const Response r = Post("/api/v1/admin/models/reload", json::object(), admin_);
  EXPECT_EQ(r.status, 409) << r.body;
  const std::string message = Json(r)["error"]["message"];
  EXPECT_THAT(message, HasSubstr("still serving PLEP " + current->version));
  EXPECT_THAT(message, HasSubstr("PLEP model refused"));

  const json models = Json(Get("/api/v1/models", admin_));
  EXPECT_EQ(models["serving"]["plep"], current->version);
  EXPECT_EQ(models["kinds"][0]["models"][0]["version"], "plep-broken");
  EXPECT_EQ(models["kinds"][0]["models"][0]["served"], false);

  const Response plep =
      Post("/api/v1/plep", {{"creator", creator_}, {"caption", "still here"}}, brand_);
  ASSERT_EQ(plep.status, 200) << plep.body;
  EXPECT_EQ(Json(plep)["model_version"], current->version);
}

}  // namespace
}  // namespace sphere::api
