#include "features/post/post_features.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/time.h"
#include "testing/feature_expectations.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::features {
namespace {

class PostFeaturesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto created = PostFeaturizer::Create(AssetDir(sphere::testing::SourceDir() / "var/assets"));
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    featurizer_ = std::move(*created).release();
  }
  static void TearDownTestSuite() {
    delete featurizer_;
    featurizer_ = nullptr;
  }
  static PostFeaturizer* featurizer_;
};
PostFeaturizer* PostFeaturesTest::featurizer_ = nullptr;

UnixSeconds At(const char* iso) { return *ParseIsoTime(iso); }

TEST_F(PostFeaturesTest, TimingIsHourAndWeekdayInUtc) {
  PostDraft draft;
  draft.posted_at = At("2019-05-26T18:30:00Z");  // a Sunday
  ASSERT_OK_AND_ASSIGN(PostFeatures f, featurizer_->Extract(draft, {}, *draft.posted_at));
  EXPECT_EQ(*f.vector.Get("post.hour_utc"), 18);
  EXPECT_EQ(*f.vector.Get("post.weekday_utc"), 6);  // 0 = Monday
  draft.posted_at = At("2019-05-27T00:00:00Z");
  ASSERT_OK_AND_ASSIGN(f, featurizer_->Extract(draft, {}, *draft.posted_at));
  EXPECT_EQ(*f.vector.Get("post.hour_utc"), 0);
  EXPECT_EQ(*f.vector.Get("post.weekday_utc"), 0);
}

TEST_F(PostFeaturesTest, WithoutACreatorProfileAndHistoryAreMissing) {
  PostDraft draft;
  draft.caption = "Sunday brunch #food";
  ASSERT_OK_AND_ASSIGN(PostFeatures f, featurizer_->Extract(draft, {}, At("2019-05-26")));
  EXPECT_TRUE(std::isnan(*f.vector.Get("creator.followers")));
  EXPECT_TRUE(std::isnan(*f.vector.Get("creator.instagram")));
  EXPECT_EQ(*f.vector.Get("history.posts_before"), 0);
  EXPECT_TRUE(std::isnan(*f.vector.Get("history.median_engagement")));
  EXPECT_EQ(*f.vector.Get("caption.hashtags"), 1);
}

TEST_F(PostFeaturesTest, NamesAreTheSchemaWhateverTheInput) {
  Creator creator;
  creator.platform = Platform::kTikTok;
  creator.followers = 1234;
  Post earlier;
  earlier.posted_at = At("2019-05-01");
  earlier.likes = 10;
  std::vector<Post> posts = {earlier};
  PostDraft rich;
  rich.caption = "Link in bio! 🇫🇷 @friend https://shop.example";
  rich.image_description = "Image may contain: 2 people, people smiling, food, outdoor";
  rich.media_type = MediaType::kCarousel;
  rich.sponsored = true;
  rich.age_days = 30;
  ASSERT_OK_AND_ASSIGN(PostFeatures a,
                       featurizer_->Extract(rich, {&creator, posts, {}}, At("2019-05-26")));
  ASSERT_OK_AND_ASSIGN(PostFeatures b, featurizer_->Extract(PostDraft{}, {}, At("2019-05-26")));
  EXPECT_EQ(a.vector.Names(), PostFeatureNames());
  EXPECT_EQ(b.vector.Names(), PostFeatureNames());
  EXPECT_EQ(*a.vector.Get("creator.tiktok"), 1);
  EXPECT_EQ(*a.vector.Get("creator.followers"), 1234);
  EXPECT_EQ(*a.vector.Get("post.is_carousel"), 1);
  EXPECT_EQ(*a.vector.Get("post.sponsored"), 1);
  EXPECT_EQ(*a.vector.Get("post.age_days"), 30);
  EXPECT_EQ(*a.vector.Get("history.posts_before"), 1);
}

TEST_F(PostFeaturesTest, HistoryTimeMustBeThePostsOwnTime) {
  PostDraft draft;
  draft.posted_at = At("2019-05-26");
  EXPECT_THAT(featurizer_->Extract(draft, {}, At("2019-06-26")).status(),
              IsError(Code::kInvalidArgument, ::testing::HasSubstr("posted_at")));
}

TEST_F(PostFeaturesTest, StoredPostBecomesTheDraftItWouldHaveBeen) {
  Post post;
  post.caption = "hello";
  post.image_description = "Image may contain: 1 person";
  post.posted_at = At("2019-01-01");
  post.observed_at = At("2019-01-11");
  post.media_type = MediaType::kCarousel;
  post.sponsored = true;
  PostDraft draft = DraftFromPost(post);
  EXPECT_EQ(draft.caption, "hello");
  EXPECT_EQ(draft.image_description, post.image_description);
  EXPECT_EQ(draft.posted_at, post.posted_at);
  EXPECT_EQ(draft.media_type, MediaType::kCarousel);
  EXPECT_TRUE(draft.sponsored);
  EXPECT_DOUBLE_EQ(*draft.age_days, 10.0);
  post.observed_at.reset();
  EXPECT_FALSE(DraftFromPost(post).age_days);
}

TEST_F(PostFeaturesTest, SameInputSameVector) {
  PostDraft draft;
  draft.caption = "Golden hour at the beach 🌅 #travel #sunset";
  draft.image_description = "Image may contain: ocean, sky, outdoor, nature";
  draft.posted_at = At("2019-03-02T17:00:00Z");
  ASSERT_OK_AND_ASSIGN(PostFeatures a, featurizer_->Extract(draft, {}, *draft.posted_at));
  ASSERT_OK_AND_ASSIGN(PostFeatures b, featurizer_->Extract(draft, {}, *draft.posted_at));
  sphere::testing::ExpectSameVector(a.vector, b.vector);
}

}  // namespace
}  // namespace sphere::features
