// The plain functions behind the product API's creator, niche and model routes, against real
// SQLite stores where they read one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "service/creator_directory.h"
#include "service/creator_profile_service.h"
#include "service/model_admin_service.h"
#include "service/niche_report_service.h"
#include "store/store.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Post PostAt(int64_t id, std::optional<UnixSeconds> at) {
  Post p;
  p.id = id;
  p.posted_at = at;
  return p;
}

std::vector<int64_t> Ids(const PostPage& page) {
  std::vector<int64_t> ids;
  for (const Post& p : page.posts) ids.push_back(p.id);
  return ids;
}

// Refresh moves one entry in place; after any sequence of refreshes the directory must answer
// exactly like one built from scratch (order, counts, lookups by id and by handle).
TEST(CreatorDirectoryRefresh, AnswersLikeAFreshBuildAfterEveryChange) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store,
                       OpenStore("sqlite:" + (dir.path() / "s.db").string()));
  std::mt19937 rng(11);
  auto write = [&](const std::string& handle, std::optional<int64_t> followers, UnixSeconds at) {
    ImportBatch batch;
    // The platform follows the handle, so a rewrite is the same creator.
    batch.creators.push_back(Creator{
        .platform = std::hash<std::string>{}(handle) % 2 ? Platform::kInstagram : Platform::kTikTok,
        .handle = handle,
        .followers = followers,
        .stats_as_of = at,
        .source = "test"});
    return store->WriteBatch(batch).status();
  };
  for (int i = 0; i < 40; ++i) {
    ASSERT_OK(write("c" + std::to_string(i),
                    i % 7 == 0 ? std::nullopt : std::optional<int64_t>(rng() % 1000), 100));
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<CreatorDirectory> live, CreatorDirectory::Build(*store));
  for (int step = 0; step < 60; ++step) {
    // Mostly an existing creator's count changes (moving it anywhere); sometimes a new one.
    const bool fresh_creator = step % 5 == 0;
    const std::string handle =
        "c" + std::to_string(fresh_creator ? 100 + step : static_cast<int>(rng() % 40));
    ASSERT_OK(write(handle, step % 9 == 0 ? std::nullopt : std::optional<int64_t>(rng() % 1000),
                    200 + step));
    std::vector<Creator> all;
    ASSERT_OK(store->ForEachCreator([&](const Creator& c) {
      all.push_back(c);
      return Status::Ok();
    }));
    const auto changed =
        std::find_if(all.begin(), all.end(), [&](const Creator& c) { return c.handle == handle; });
    ASSERT_NE(changed, all.end());
    ASSERT_OK(live->Refresh(*store, changed->id));

    ASSERT_OK_AND_ASSIGN(std::unique_ptr<CreatorDirectory> built, CreatorDirectory::Build(*store));
    DirectorySearch everyone;
    everyone.limit = 1000;
    const DirectoryPage a = live->Search(everyone), b = built->Search(everyone);
    ASSERT_EQ(a.count, b.count) << "step " << step;
    for (size_t k = 0; k < a.results.size(); ++k) {
      ASSERT_EQ(a.results[k].id, b.results[k].id) << "step " << step << " position " << k;
      ASSERT_EQ(a.results[k].followers, b.results[k].followers);
    }
    for (const Creator& c : all) {
      const std::optional<DirectoryEntry> by_id = live->Find(c.id);
      ASSERT_TRUE(by_id.has_value()) << c.handle;
      EXPECT_EQ(by_id->handle, c.handle);
      const std::optional<DirectoryEntry> by_key = live->Find(c.platform, c.handle);
      ASSERT_TRUE(by_key.has_value()) << c.handle;
      EXPECT_EQ(by_key->id, c.id);
    }
    DirectorySearch by_name;
    by_name.q = handle;
    by_name.limit = 1000;
    EXPECT_EQ(live->Search(by_name).count, built->Search(by_name).count);
  }
}

TEST(PagePostsNewestFirst, PagesNewestFirstAndResumesAtTheCursor) {
  std::vector<Post> posts = {PostAt(1, 100), PostAt(2, 300), PostAt(3, 200), PostAt(4, 400),
                             PostAt(5, 500)};
  const PostPage first = PagePostsNewestFirst(posts, std::nullopt, 2);
  EXPECT_THAT(Ids(first), ElementsAre(5, 4));
  ASSERT_TRUE(first.next_before.has_value());
  EXPECT_EQ(*first.next_before, 400);
  const PostPage second = PagePostsNewestFirst(posts, first.next_before, 2);
  EXPECT_THAT(Ids(second), ElementsAre(2, 3));
  const PostPage last = PagePostsNewestFirst(posts, second.next_before, 2);
  EXPECT_THAT(Ids(last), ElementsAre(1));
  EXPECT_FALSE(last.next_before.has_value());
}

TEST(PagePostsNewestFirst, ExactlyFullLastPageHasNoNextCursor) {
  const PostPage page = PagePostsNewestFirst({PostAt(1, 100), PostAt(2, 200)}, std::nullopt, 2);
  EXPECT_THAT(Ids(page), ElementsAre(2, 1));
  EXPECT_FALSE(page.next_before.has_value());
}

TEST(PagePostsNewestFirst, NeverSplitsPostsSharingATime) {
  // Cutting after post 3 would lose post 2 (same time) behind a "before 200" cursor.
  std::vector<Post> posts = {PostAt(1, 100), PostAt(2, 200), PostAt(3, 200), PostAt(4, 300)};
  const PostPage first = PagePostsNewestFirst(posts, std::nullopt, 2);
  EXPECT_THAT(Ids(first), ElementsAre(4));
  const PostPage second = PagePostsNewestFirst(posts, first.next_before, 2);
  EXPECT_THAT(Ids(second), ElementsAre(3, 2));
  const PostPage third = PagePostsNewestFirst(posts, second.next_before, 2);
  EXPECT_THAT(Ids(third), ElementsAre(1));
}

TEST(PagePostsNewestFirst, AGroupLargerThanThePageComesWhole) {
  std::vector<Post> posts = {PostAt(1, 100), PostAt(2, 200), PostAt(3, 200), PostAt(4, 200)};
  const PostPage first = PagePostsNewestFirst(posts, std::nullopt, 2);
  EXPECT_THAT(Ids(first), ElementsAre(4, 3, 2));
  ASSERT_TRUE(first.next_before.has_value());
  EXPECT_THAT(Ids(PagePostsNewestFirst(posts, first.next_before, 2)), ElementsAre(1));
}

TEST(PagePostsNewestFirst, CountsUndatedPostsApart) {
  const PostPage page = PagePostsNewestFirst(
      {PostAt(1, std::nullopt), PostAt(2, 50), PostAt(3, std::nullopt)}, std::nullopt, 10);
  EXPECT_THAT(Ids(page), ElementsAre(2));
  EXPECT_EQ(page.undated, 2);
}

MarketValue ValueAt(int64_t id, UnixSeconds computed_at) {
  MarketValue v;
  v.id = id;
  v.computed_at = computed_at;
  return v;
}

TEST(LatestMarketValue, NewestComputedAtThenHighestId) {
  EXPECT_FALSE(LatestMarketValue({}).has_value());
  std::optional<MarketValue> latest =
      LatestMarketValue({ValueAt(1, 50), ValueAt(7, 90), ValueAt(3, 90), ValueAt(9, 10)});
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->id, 7);
}

DirectoryEntry Entry(Platform platform, std::optional<std::string> niche,
                     std::optional<double> rate, std::optional<double> score) {
  DirectoryEntry e;
  e.platform = platform;
  e.niche = std::move(niche);
  e.engagement_rate = rate;
  e.market_score = score;
  return e;
}

const NicheSummary& Find(const NicheReport& report, std::string_view id) {
  for (const NicheSummary& s : report.niches) {
    if (s.id == id) return s;
  }
  ADD_FAILURE() << "no niche " << id;
  return report.unknown;
}

TEST(SummarizeNiches, CountsPerPlatformAndTakesMediansOfKnownFigures) {
  const NicheReport report = SummarizeNiches({
      Entry(Platform::kInstagram, "food", 0.01, 10),
      Entry(Platform::kInstagram, "food", 0.03, std::nullopt),
      Entry(Platform::kTikTok, "food", 0.02, 30),
      Entry(Platform::kYouTube, "food", std::nullopt, 50),
      Entry(Platform::kYouTube, "travel", 0.5, 70),
      Entry(Platform::kInstagram, std::nullopt, 0.2, std::nullopt),
      Entry(Platform::kInstagram, "not-a-niche", std::nullopt, std::nullopt),
  });
  EXPECT_EQ(report.niches.size(), Niches().size());
  const NicheSummary& food = Find(report, "food");
  EXPECT_EQ(food.total, 4);
  EXPECT_EQ(food.creators.at(Platform::kInstagram), 2);
  EXPECT_EQ(food.creators.at(Platform::kTikTok), 1);
  EXPECT_EQ(food.creators.at(Platform::kYouTube), 1);
  ASSERT_TRUE(food.median_engagement_rate.has_value());
  EXPECT_DOUBLE_EQ(*food.median_engagement_rate, 0.02);
  EXPECT_EQ(food.with_engagement_rate, 3);
  ASSERT_TRUE(food.median_market_score.has_value());
  EXPECT_DOUBLE_EQ(*food.median_market_score, 30);  // of 10, 30, 50
  const NicheSummary& pets = Find(report, "pets");
  EXPECT_EQ(pets.total, 0);
  EXPECT_EQ(pets.creators.at(Platform::kTikTok), 0);
  EXPECT_FALSE(pets.median_engagement_rate.has_value());
  EXPECT_EQ(report.unknown.total, 2);
}

TEST(SummarizeNiches, EvenCountMedianIsTheMeanOfTheMiddleTwo) {
  const NicheReport report = SummarizeNiches({Entry(Platform::kInstagram, "food", 0.04, 20),
                                              Entry(Platform::kInstagram, "food", 0.01, 80),
                                              Entry(Platform::kInstagram, "food", 0.02, 40),
                                              Entry(Platform::kInstagram, "food", 0.10, 60)});
  const NicheSummary& food = Find(report, "food");
  EXPECT_DOUBLE_EQ(*food.median_engagement_rate, 0.03);
  EXPECT_DOUBLE_EQ(*food.median_market_score, 50);
}

TEST(MetricsSummary, PicksEachKindsHeadlineBlock) {
  ASSERT_OK_AND_ASSIGN(nlohmann::json plep,
                       MetricsSummary("plep", R"({"test":{"spearman":0.9},"by_niche":{}})"));
  EXPECT_EQ(plep, nlohmann::json::parse(R"({"test":{"spearman":0.9}})"));
  ASSERT_OK_AND_ASSIGN(nlohmann::json value,
                       MetricsSummary("market_value", R"({"final":{"a":1},"folds":[1,2]})"));
  EXPECT_EQ(value, nlohmann::json::parse(R"({"final":{"a":1}})"));
  ASSERT_OK_AND_ASSIGN(nlohmann::json other,
                       MetricsSummary("other", R"({"n":3,"name":"x","big":{"a":1}})"));
  EXPECT_EQ(other, nlohmann::json::parse(R"({"n":3,"name":"x"})"));
  EXPECT_THAT(MetricsSummary("plep", "{oops").status(),
              IsError(Code::kDataLoss, HasSubstr("JSON")));
}

class CreatorProfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, OpenStore("sqlite:" + (dir_.path() / "s.db").string()));
  }
  int64_t AddCreator(const std::string& handle, std::optional<std::string> category) {
    ImportBatch batch;
    Creator c;
    c.handle = handle;
    c.niche = std::move(category);
    c.followers = 1000;
    c.source = "test";
    c.stats_as_of = 1000;
    batch.creators.push_back(c);
    EXPECT_OK(store_->WriteBatch(batch).status());
    Result<std::optional<Creator>> found = store_->FindCreator(Platform::kInstagram, handle);
    EXPECT_TRUE(found.ok() && found->has_value());
    return (*found)->id;
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(CreatorProfileTest, CategoryNicheWinsOverAnInference) {
  const int64_t id = AddCreator("chef", "food & cooking");
  ASSERT_OK(store_->WriteInferredNiches({{id, "travel", 0.9, "classifier", "niche-1", 5}}));
  ASSERT_OK_AND_ASSIGN(CreatorProfile p, LoadCreatorProfile(*store_, id));
  ASSERT_TRUE(p.niche.has_value());
  EXPECT_EQ(p.niche->source, "category");
  EXPECT_EQ(p.niche->raw_category, "food & cooking");
  EXPECT_EQ(p.niche->niche, "food");
  EXPECT_FALSE(p.latest_value.has_value());
  EXPECT_FALSE(p.note.has_value());
}

TEST_F(CreatorProfileTest, InferredNicheCarriesMethodConfidenceAndModel) {
  const int64_t id = AddCreator("walker", std::nullopt);
  ASSERT_OK(store_->WriteInferredNiches({{id, "travel", 0.75, "classifier", "niche-1", 5}}));
  ASSERT_OK_AND_ASSIGN(CreatorProfile p, LoadCreatorProfile(*store_, id));
  ASSERT_TRUE(p.niche.has_value());
  EXPECT_EQ(p.niche->niche, "travel");
  EXPECT_EQ(p.niche->source, "classifier");
  EXPECT_EQ(p.niche->confidence, 0.75);
  EXPECT_EQ(p.niche->model_version, "niche-1");
}

TEST_F(CreatorProfileTest, ValueNicheIsTheLastResortAndTheSummaryDropsEvidence) {
  const int64_t id = AddCreator("anon", std::nullopt);
  MarketValue v;
  v.creator_id = id;
  v.model_version = "value-1";
  v.niche = "pets";
  v.as_of = 100;
  v.computed_at = 200;
  v.evidence_json = R"({"inputs":{}})";
  ASSERT_OK(store_->WriteMarketValues({v}));
  ASSERT_OK_AND_ASSIGN(CreatorProfile p, LoadCreatorProfile(*store_, id));
  ASSERT_TRUE(p.niche.has_value());
  EXPECT_EQ(p.niche->source, "market_value");
  EXPECT_EQ(p.niche->niche, "pets");
  ASSERT_TRUE(p.latest_value.has_value());
  EXPECT_EQ(p.latest_value->evidence_json, "{}");
  ASSERT_OK_AND_ASSIGN(std::optional<MarketValue> full, LatestMarketValueOf(*store_, id));
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(full->evidence_json, R"({"inputs":{}})");
}

TEST_F(CreatorProfileTest, UnknownCreatorIsNotFound) {
  EXPECT_THAT(LoadCreatorProfile(*store_, 12345).status(),
              IsError(Code::kNotFound, HasSubstr("12345")));
}

}  // namespace
}  // namespace sphere::service
