#include "service/feature_service.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <tuple>

#include "service/import_service.h"
#include "testing/feature_expectations.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::service {
namespace {

using sphere::testing::DataFile;
using sphere::testing::ExpectSameVector;
using sphere::testing::TempDir;

struct StoredVector {
  Post post;
  features::FeatureVector vector;
};

// The real Kim posts and influencers in a temporary SQLite store, and every stored post's
// features as training computes them.
class FeatureServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto store = OpenStore("sqlite:" + (dir_->path() / "sphere.db").string());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store).release();
    // The posts file carries each influencer's profile too; the influencer list would add
    // 34k creators without posts and nothing to this test.
    auto imported = ImportFile(*store_, DataFile("instagram/kim_posts.csv.gz"), {});
    ASSERT_TRUE(imported.ok()) << imported.status().ToString();
    auto featurizer = features::PostFeaturizer::Create(
        features::AssetDir(sphere::testing::SourceDir() / "var/assets"));
    ASSERT_TRUE(featurizer.ok()) << featurizer.status().ToString();
    featurizer_ = std::move(*featurizer).release();

    stored_ = new std::map<std::string, StoredVector>();
    auto undated = ForEachStoredPostFeatures(
        *store_, *featurizer_,
        [](const Creator&, const Post& post, const features::PostFeatures& f) {
          (*stored_)[post.external_id] = {post, f.vector};
          return Status::Ok();
        });
    ASSERT_TRUE(undated.ok()) << undated.status().ToString();
    undated_ = *undated;
  }
  static void TearDownTestSuite() {
    delete stored_;
    delete featurizer_;
    delete store_;
    delete dir_;
  }

  static TempDir* dir_;
  static Store* store_;
  static features::PostFeaturizer* featurizer_;
  static std::map<std::string, StoredVector>* stored_;
  static int64_t undated_;
};
TempDir* FeatureServiceTest::dir_ = nullptr;
Store* FeatureServiceTest::store_ = nullptr;
features::PostFeaturizer* FeatureServiceTest::featurizer_ = nullptr;
std::map<std::string, StoredVector>* FeatureServiceTest::stored_ = nullptr;
int64_t FeatureServiceTest::undated_ = 0;

// Serving builds the draft from what a user typed, not from a stored Post: the same
// caption, description, time, format and sponsorship must give the same vector as training.
// One test, because its fixture (30k real posts through the featurizer under ASan) is what
// costs, and ctest runs every test in a process of its own.
TEST_F(FeatureServiceTest, TrainingAndServingPathsAgreeOnRealKimPosts) {
  // Every dated post has a vector, in schema order.
  ASSERT_OK_AND_ASSIGN(StoreStats stats, store_->Stats());
  EXPECT_EQ(static_cast<int64_t>(stored_->size()) + undated_,
            stats.by_platform.at("instagram").posts);
  EXPECT_GT(stored_->size(), 29'000u);
  for (const auto& [id, stored] : *stored_) {
    ASSERT_EQ(stored.vector.Names(), features::PostFeatureNames()) << id;
  }

  // A spread sample of drafts typed in as a user would.
  int compared = 0, with_history = 0;
  int i = 0;
  for (const auto& [id, stored] : *stored_) {
    if (i++ % 97 != 0) continue;
    SCOPED_TRACE(id);
    const Post& post = stored.post;
    DraftRequest request;
    request.draft.caption = std::string(post.caption);
    request.draft.image_description = std::string(post.image_description);
    request.draft.media_type = post.media_type;
    request.draft.sponsored = post.sponsored;
    request.draft.posted_at = *post.posted_at;
    if (post.observed_at) {
      request.draft.age_days = static_cast<double>(*post.observed_at - *post.posted_at) / 86400.0;
    }
    request.platform = post.platform;
    request.handle = post.creator_handle;
    request.at = *post.posted_at;
    ASSERT_OK_AND_ASSIGN(features::PostFeatures draft,
                         DraftFeatures(store_, *featurizer_, request));
    ExpectSameVector(stored.vector, draft.vector);
    ++compared;
    with_history += *stored.vector.Get("history.posts_before") > 0;
  }
  EXPECT_GT(compared, 250);
  EXPECT_GT(with_history, 100);  // real histories, not only first posts

  // One stored post on its own matches the batch.
  const StoredVector& first = stored_->begin()->second;
  ASSERT_OK_AND_ASSIGN(features::PostFeatures one,
                       StoredPostFeatures(*store_, *featurizer_, first.post.platform,
                                          first.post.creator_handle, first.post.external_id));
  ExpectSameVector(first.vector, one.vector);
}

// A small store of one creator with three posts, for the cheap tests.
class FeatureServiceSmallStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenStore("sqlite:" + (dir_.path() / "sphere.db").string());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto featurizer = features::PostFeaturizer::Create(
        features::AssetDir(sphere::testing::SourceDir() / "var/assets"));
    ASSERT_TRUE(featurizer.ok()) << featurizer.status().ToString();
    featurizer_ = std::move(*featurizer);

    ImportBatch batch;
    Creator creator;
    creator.handle = "ana";
    creator.followers = 5000;
    creator.source = "test";
    batch.creators.push_back(creator);
    for (int i = 0; i < 3; ++i) {
      Post p;
      p.creator_handle = "ana";
      p.external_id = "p" + std::to_string(i);
      p.posted_at = kT0 + i * 86400;
      p.caption = "Day " + std::to_string(i) + " of the challenge #fitness";
      p.likes = 100 * (i + 1);
      p.comments = 5;
      p.source = "test";
      batch.posts.push_back(p);
    }
    ASSERT_OK(store_->WriteBatch(batch).status());
  }

  static constexpr UnixSeconds kT0 = 1'546'300'800;  // 2019-01-01
  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<features::PostFeaturizer> featurizer_;
};

// A post published later (or at the same second), with any counts, cannot change an
// earlier post's features.
TEST_F(FeatureServiceSmallStoreTest, ALaterPostDoesNotChangeEarlierFeatures) {
  ASSERT_OK_AND_ASSIGN(
      features::PostFeatures before,
      StoredPostFeatures(*store_, *featurizer_, Platform::kInstagram, "ana", "p2"));
  EXPECT_EQ(*before.vector.Get("history.posts_before"), 2);
  EXPECT_EQ(*before.vector.Get("history.median_engagement"), 155);  // median of 105 and 205
  ImportBatch later;
  for (auto [id, offset, likes] : {std::tuple{"later", 3600, 99'000'000}, {"same-time", 0, 1}}) {
    Post p;
    p.creator_handle = "ana";
    p.external_id = id;
    p.posted_at = kT0 + 2 * 86400 + offset;
    p.likes = likes;
    p.source = "test";
    later.posts.push_back(p);
  }
  ASSERT_OK(store_->WriteBatch(later).status());
  ASSERT_OK_AND_ASSIGN(
      features::PostFeatures after,
      StoredPostFeatures(*store_, *featurizer_, Platform::kInstagram, "ana", "p2"));
  ExpectSameVector(before.vector, after.vector);
}

TEST_F(FeatureServiceSmallStoreTest, UnknownCreatorOrPostIsNotFound) {
  DraftRequest request;
  request.platform = Platform::kInstagram;
  request.handle = "nobody-has-this-handle";
  request.at = kT0;
  EXPECT_THAT(DraftFeatures(store_.get(), *featurizer_, request).status(),
              IsError(Code::kNotFound, ::testing::HasSubstr("creator")));
  EXPECT_THAT(StoredPostFeatures(*store_, *featurizer_, Platform::kInstagram, "ana", "no-such-post")
                  .status(),
              IsError(Code::kNotFound, ::testing::HasSubstr("no-such-post")));
}

TEST_F(FeatureServiceSmallStoreTest, DraftForACreatorReadsTheirHistoryBeforeAt) {
  DraftRequest request;
  request.draft.caption = "Day 3 #fitness";
  request.platform = Platform::kInstagram;
  request.handle = "@Ana";  // as a user types it
  request.at = kT0 + 10 * 86400;
  ASSERT_OK_AND_ASSIGN(features::PostFeatures f,
                       DraftFeatures(store_.get(), *featurizer_, request));
  EXPECT_EQ(*f.vector.Get("history.posts_before"), 3);
  EXPECT_EQ(*f.vector.Get("creator.followers"), 5000);
  request.at = kT0;  // before the first post: no history
  ASSERT_OK_AND_ASSIGN(f, DraftFeatures(store_.get(), *featurizer_, request));
  EXPECT_EQ(*f.vector.Get("history.posts_before"), 0);
}

TEST_F(FeatureServiceSmallStoreTest, DraftWithoutCreatorNeedsNoStore) {
  DraftRequest request;
  request.draft.caption = "New drop this Friday, link in bio";
  request.at = kT0;
  ASSERT_OK_AND_ASSIGN(features::PostFeatures f, DraftFeatures(nullptr, *featurizer_, request));
  EXPECT_TRUE(std::isnan(*f.vector.Get("creator.followers")));
  EXPECT_EQ(*f.vector.Get("history.posts_before"), 0);
}

}  // namespace
}  // namespace sphere::service
