#include "features/history/history_features.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace sphere::features {
namespace {

constexpr UnixSeconds kDay = 86400;
constexpr UnixSeconds kT = 1'550'000'000;  // 2019-02-12

Post MakePost(UnixSeconds posted_at, int64_t likes, int64_t comments,
              MediaType type = MediaType::kImage, bool sponsored = false) {
  Post p;
  p.creator_handle = "ana";
  p.external_id = std::to_string(posted_at);
  p.posted_at = posted_at;
  p.likes = likes;
  p.comments = comments;
  p.media_type = type;
  p.sponsored = sponsored;
  return p;
}

Snapshot MakeSnapshot(UnixSeconds taken_at, int64_t followers) {
  Snapshot s;
  s.creator_handle = "ana";
  s.taken_at = taken_at;
  s.source = "test";
  s.followers = followers;
  return s;
}

Creator MakeCreator(std::optional<int64_t> followers) {
  Creator c;
  c.handle = "ana";
  c.followers = followers;
  return c;
}

// Compares two vectors value by value, NaN equal to NaN.
void ExpectSameVector(const HistoryFeatures& a, const HistoryFeatures& b) {
  FeatureVector va, vb;
  AppendHistoryFeatures(a, &va);
  AppendHistoryFeatures(b, &vb);
  ASSERT_EQ(va.size(), vb.size());
  for (size_t i = 0; i < va.size(); ++i) {
    SCOPED_TRACE(va[i].name);
    if (std::isnan(va[i].value)) {
      EXPECT_TRUE(std::isnan(vb[i].value));
    } else {
      EXPECT_DOUBLE_EQ(va[i].value, vb[i].value);
    }
  }
}

TEST(HistoryFeatures, NoPostsGivesCountsOfZeroAndMissingLevels) {
  HistoryFeatures h = ComputeHistory(MakeCreator(1000), {}, {}, kT);
  EXPECT_EQ(h.posts_before, 0);
  EXPECT_FALSE(h.median_engagement);
  EXPECT_FALSE(h.engagement_rate);
  EXPECT_FALSE(h.carousel_share);
  EXPECT_FALSE(h.followers_at_t);
}

TEST(HistoryFeatures, LevelTrendAndSpreadOfEarlierPosts) {
  std::vector<Post> posts = {MakePost(kT - 3 * kDay, 90, 10), MakePost(kT - 2 * kDay, 190, 10),
                             MakePost(kT - 1 * kDay, 290, 10)};
  HistoryFeatures h = ComputeHistory(MakeCreator(10'000), posts, {}, kT);
  EXPECT_EQ(h.posts_before, 3);
  EXPECT_EQ(h.scored_posts, 3);
  EXPECT_DOUBLE_EQ(*h.median_engagement, 200);
  EXPECT_DOUBLE_EQ(*h.median_comments, 10);
  EXPECT_DOUBLE_EQ(*h.engagement_rate, 0.02);
  const double l1 = std::log1p(100.0), l2 = std::log1p(200.0), l3 = std::log1p(300.0);
  EXPECT_NEAR(*h.mean_log_engagement, (l1 + l2 + l3) / 3, 1e-12);
  EXPECT_NEAR(*h.engagement_trend, (l3 - l1) / 2, 1e-12);  // OLS slope over x = 0, 1, 2
  EXPECT_GT(*h.engagement_spread, 0);
  EXPECT_DOUBLE_EQ(*h.median_gap_days, 1.0);
  EXPECT_DOUBLE_EQ(*h.days_since_last_post, 1.0);
  EXPECT_DOUBLE_EQ(*h.posts_last_30d, 3);
}

TEST(HistoryFeatures, RisingEngagementHasPositiveTrendFallingNegative) {
  std::vector<Post> rising, falling;
  for (int i = 0; i < 6; ++i) {
    rising.push_back(MakePost(kT - (10 - i) * kDay, 100 * (i + 1), 0));
    falling.push_back(MakePost(kT - (10 - i) * kDay, 100 * (6 - i), 0));
  }
  EXPECT_GT(*ComputeHistory(MakeCreator(1), rising, {}, kT).engagement_trend, 0);
  EXPECT_LT(*ComputeHistory(MakeCreator(1), falling, {}, kT).engagement_trend, 0);
}

TEST(HistoryFeatures, WindowKeepsOnlyTheMostRecentPosts) {
  std::vector<Post> posts;
  for (int i = 0; i < 10; ++i) posts.push_back(MakePost(kT - (20 - i) * kDay, 1000, 0));
  for (int i = 0; i < 3; ++i) posts.push_back(MakePost(kT - (3 - i) * kDay, 10, 0));
  HistoryOptions options;
  options.window_posts = 3;
  HistoryFeatures h = ComputeHistory(MakeCreator(1), posts, {}, kT, options);
  EXPECT_EQ(h.posts_before, 13);
  EXPECT_EQ(h.scored_posts, 3);
  EXPECT_DOUBLE_EQ(*h.median_engagement, 10);
}

TEST(HistoryFeatures, FormatMixAndSponsoredShare) {
  std::vector<Post> posts = {MakePost(kT - 4 * kDay, 1, 0, MediaType::kCarousel),
                             MakePost(kT - 3 * kDay, 1, 0, MediaType::kVideo, true),
                             MakePost(kT - 2 * kDay, 1, 0, MediaType::kImage),
                             MakePost(kT - 1 * kDay, 1, 0, MediaType::kCarousel, true)};
  HistoryFeatures h = ComputeHistory(MakeCreator(1), posts, {}, kT);
  EXPECT_DOUBLE_EQ(*h.carousel_share, 0.5);
  EXPECT_DOUBLE_EQ(*h.video_share, 0.25);
  EXPECT_DOUBLE_EQ(*h.sponsored_share, 0.5);
}

TEST(HistoryFeatures, PostsWithoutCountsAreCountedButNotScored) {
  Post unknown = MakePost(kT - 2 * kDay, 0, 0);
  unknown.likes.reset();
  unknown.comments.reset();
  Post likes_only = MakePost(kT - 1 * kDay, 50, 0);
  likes_only.comments.reset();  // comments disabled: the likes still count
  std::vector<Post> posts = {unknown, likes_only};
  HistoryFeatures h = ComputeHistory(MakeCreator(1000), posts, {}, kT);
  EXPECT_EQ(h.posts_before, 2);
  EXPECT_EQ(h.scored_posts, 1);
  EXPECT_DOUBLE_EQ(*h.median_engagement, 50);
  EXPECT_FALSE(h.median_comments);
}

TEST(HistoryFeatures, PostWithoutTimeNeverCounts) {
  Post undated = MakePost(0, 100, 0);
  undated.posted_at.reset();
  std::vector<Post> posts = {undated};
  EXPECT_EQ(ComputeHistory(MakeCreator(1), posts, {}, kT).posts_before, 0);
}

TEST(HistoryFeatures, EngagementRateUsesFollowersAtTimeBeforeProfile) {
  std::vector<Post> posts = {MakePost(kT - kDay, 100, 0)};
  std::vector<Snapshot> snapshots = {MakeSnapshot(kT - 2 * kDay, 2000)};
  HistoryFeatures h = ComputeHistory(MakeCreator(1'000'000), posts, snapshots, kT);
  EXPECT_DOUBLE_EQ(*h.followers_at_t, 2000);
  EXPECT_DOUBLE_EQ(*h.engagement_rate, 0.05);
  // Without a snapshot before t, the profile's followers stand in.
  HistoryFeatures profile_only = ComputeHistory(MakeCreator(1000), posts, {}, kT);
  EXPECT_DOUBLE_EQ(*profile_only.engagement_rate, 0.1);
  // Zero or unknown followers give no rate rather than a division by zero.
  EXPECT_FALSE(ComputeHistory(MakeCreator(0), posts, {}, kT).engagement_rate);
  EXPECT_FALSE(ComputeHistory(MakeCreator(std::nullopt), posts, {}, kT).engagement_rate);
}

TEST(HistoryFeatures, FollowerGrowthIsNormalisedToTheWindow) {
  // Weekly snapshots: +1% a week from 10,000.
  std::vector<Snapshot> weekly;
  double followers = 10'000;
  for (int week = 8; week >= 1; --week) {
    weekly.push_back(MakeSnapshot(kT - week * 7 * kDay, static_cast<int64_t>(followers)));
    followers *= 1.01;
  }
  HistoryFeatures h = ComputeHistory(MakeCreator(1), {}, weekly, kT);
  ASSERT_TRUE(h.follower_growth);
  // 28 days back is the nearest base to 30 days: 4 weeks of 1% is 4.06%, scaled to 30 days.
  EXPECT_NEAR(*h.follower_growth, (std::pow(1.01, 4) - 1) * 30 / 28, 1e-3);
  EXPECT_DOUBLE_EQ(*h.days_since_snapshot, 7);
}

TEST(HistoryFeatures, FollowerGrowthNeedsABaseHalfAWindowBack) {
  std::vector<Snapshot> close = {MakeSnapshot(kT - 3 * kDay, 1000), MakeSnapshot(kT - kDay, 2000)};
  HistoryFeatures h = ComputeHistory(MakeCreator(1), {}, close, kT);
  EXPECT_DOUBLE_EQ(*h.followers_at_t, 2000);
  EXPECT_FALSE(h.follower_growth);
}

// The guarantee the models rely on: whatever happens at t or later cannot change the
// features at t. Random histories; everything at or after t is rewritten, removed or
// multiplied, and the features must not move.
TEST(HistoryFeatures, NothingFromTOrLaterLeaksIn) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> offset(-60 * kDay, 60 * kDay);
  std::uniform_int_distribution<int64_t> count(0, 5000);
  for (int trial = 0; trial < 200; ++trial) {
    SCOPED_TRACE(trial);
    std::vector<Post> posts;
    std::vector<Snapshot> snapshots;
    for (int i = 0; i < 30; ++i) {
      Post p = MakePost(kT + offset(rng), count(rng), count(rng) / 10,
                        static_cast<MediaType>(rng() % 3), rng() % 5 == 0);
      if (i % 4 == 0) p.posted_at = kT;  // exactly at t: must not count either
      p.views = count(rng);
      posts.push_back(p);
      Snapshot s = MakeSnapshot(kT + offset(rng), 1000 + count(rng));
      if (i % 5 == 0) s.taken_at = kT;
      s.engagement_rate = count(rng) / 1e5;
      snapshots.push_back(s);
    }
    const Creator creator = MakeCreator(50'000);
    const HistoryFeatures original = ComputeHistory(creator, posts, snapshots, kT);

    // Rewrite the future: new counts, new formats, and extra posts and snapshots.
    std::vector<Post> altered_posts;
    for (Post p : posts) {
      if (*p.posted_at >= kT) {
        p.likes = count(rng) * 100;
        p.comments.reset();
        p.media_type = MediaType::kVideo;
        p.sponsored = !p.sponsored;
        altered_posts.push_back(p);
      } else {
        altered_posts.push_back(p);
      }
    }
    altered_posts.push_back(MakePost(kT, 1'000'000, 1'000'000));
    altered_posts.push_back(MakePost(kT + kDay, 7, 7));
    std::vector<Snapshot> altered_snapshots;
    for (Snapshot s : snapshots) {
      if (s.taken_at >= kT) s.followers = 1;
      altered_snapshots.push_back(s);
    }
    altered_snapshots.push_back(MakeSnapshot(kT, 999'999'999));
    ExpectSameVector(original, ComputeHistory(creator, altered_posts, altered_snapshots, kT));

    // And with the future removed altogether.
    std::vector<Post> past_posts;
    for (const Post& p : posts) {
      if (*p.posted_at < kT) past_posts.push_back(p);
    }
    std::vector<Snapshot> past_snapshots;
    for (const Snapshot& s : snapshots) {
      if (s.taken_at < kT) past_snapshots.push_back(s);
    }
    ExpectSameVector(original, ComputeHistory(creator, past_posts, past_snapshots, kT));
  }
}

TEST(HistoryFeatures, InputOrderDoesNotMatter) {
  std::vector<Post> posts = {MakePost(kT - 5 * kDay, 10, 1), MakePost(kT - 1 * kDay, 30, 3),
                             MakePost(kT - 3 * kDay, 20, 2)};
  std::vector<Post> reversed(posts.rbegin(), posts.rend());
  ExpectSameVector(ComputeHistory(MakeCreator(100), posts, {}, kT),
                   ComputeHistory(MakeCreator(100), reversed, {}, kT));
}

TEST(HistoryFeatures, AppendsNamedFeaturesInAFixedOrder) {
  FeatureVector v;
  AppendHistoryFeatures(HistoryFeatures{}, &v);
  EXPECT_EQ(v[0].name, "history.posts_before");
  EXPECT_EQ(v[0].value, 0);
  ASSERT_TRUE(v.Get("history.median_engagement"));
  EXPECT_TRUE(std::isnan(*v.Get("history.median_engagement")));
}

}  // namespace
}  // namespace sphere::features
