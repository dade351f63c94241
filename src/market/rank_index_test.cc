#include "market/rank_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/niche.h"
#include "testing/status_matchers.h"

namespace sphere::market {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

RankEntry Entry(int64_t id, Platform platform, std::string niche, std::optional<int64_t> followers,
                double value, double momentum = 0) {
  return {id, platform, "h" + std::to_string(id), std::move(niche), followers, value, 50, momentum};
}

std::vector<int64_t> Ids(const std::vector<const RankEntry*>& entries) {
  std::vector<int64_t> ids;
  for (const RankEntry* e : entries) ids.push_back(e->creator_id);
  return ids;
}

TEST(ValidateRankQuery, AcceptsTheDefaultsAndTheLimits) {
  EXPECT_OK(ValidateRankQuery({}));
  RankQuery q;
  q.platform = Platform::kTikTok;
  q.niche = "beauty";
  q.min_followers = 10;
  q.max_followers = 10;
  q.limit = kMaxRankLimit;
  EXPECT_OK(ValidateRankQuery(q));
  q.limit = 1;
  EXPECT_OK(ValidateRankQuery(q));
}

TEST(ValidateRankQuery, EachErrorNamesItsField) {
  auto with = [](auto edit) {
    RankQuery q;
    edit(q);
    return ValidateRankQuery(q);
  };
  EXPECT_THAT(with([](RankQuery& q) { q.niche = "fashon"; }),
              IsError(Code::kInvalidArgument, HasSubstr("niche: 'fashon'")));
  EXPECT_THAT(with([](RankQuery& q) { q.niche = ""; }),
              IsError(Code::kInvalidArgument, HasSubstr("niche")));
  EXPECT_THAT(with([](RankQuery& q) { q.min_followers = -1; }),
              IsError(Code::kInvalidArgument, HasSubstr("min_followers: must be >= 0")));
  EXPECT_THAT(with([](RankQuery& q) { q.max_followers = -1; }),
              IsError(Code::kInvalidArgument, HasSubstr("max_followers: must be >= 0")));
  EXPECT_THAT(
      with([](RankQuery& q) {
        q.min_followers = 100;
        q.max_followers = 99;
      }),
      IsError(Code::kInvalidArgument, HasSubstr("min_followers: 100 is above max_followers")));
  EXPECT_THAT(with([](RankQuery& q) { q.limit = 0; }),
              IsError(Code::kInvalidArgument, HasSubstr("limit: must be between 1 and 1000")));
  EXPECT_THAT(with([](RankQuery& q) { q.limit = kMaxRankLimit + 1; }),
              IsError(Code::kInvalidArgument, HasSubstr("limit")));
}

TEST(RankIndex, EmptyIndexAnswersNothing) {
  EXPECT_TRUE(RankIndex().Query({}).empty());
  const RankIndex built = RankIndex::Build({});
  EXPECT_EQ(built.size(), 0u);
  EXPECT_TRUE(built.Query({}).empty());
}

TEST(RankIndex, SortsByValueDescendingWithTiesByCreatorId) {
  const RankIndex index = RankIndex::Build({
      Entry(5, Platform::kInstagram, "food", 1000, 10),
      Entry(3, Platform::kInstagram, "food", 1000, 20),
      Entry(9, Platform::kInstagram, "food", 1000, 20),
      Entry(1, Platform::kInstagram, "food", 1000, 10),
      Entry(2, Platform::kInstagram, "food", 1000, kNaN),
      Entry(4, Platform::kInstagram, "food", 1000, 30),
  });
  EXPECT_EQ(index.size(), 6u);
  EXPECT_THAT(Ids(index.Query({})), ElementsAre(4, 3, 9, 1, 5, 2));
  RankQuery top2;
  top2.limit = 2;
  EXPECT_THAT(Ids(index.Query(top2)), ElementsAre(4, 3));
}

TEST(RankIndex, SortsByMomentum) {
  const RankIndex index = RankIndex::Build({
      Entry(1, Platform::kTikTok, "music", 10, 100, 0.1),
      Entry(2, Platform::kTikTok, "music", 10, 50, 0.5),
      Entry(3, Platform::kTikTok, "music", 10, 70, kNaN),
      Entry(4, Platform::kTikTok, "music", 10, 10, -0.2),
      Entry(5, Platform::kTikTok, "music", 10, 10, 0.5),
  });
  RankQuery q;
  q.sort = RankSort::kMomentum;
  EXPECT_THAT(Ids(index.Query(q)), ElementsAre(2, 5, 1, 4, 3));
  q.sort = RankSort::kValue;
  EXPECT_THAT(Ids(index.Query(q)), ElementsAre(1, 3, 2, 4, 5));
}

TEST(RankIndex, FiltersByPlatformAndNiche) {
  const RankIndex index = RankIndex::Build({
      Entry(1, Platform::kInstagram, "food", 100, 1),
      Entry(2, Platform::kTikTok, "food", 100, 2),
      Entry(3, Platform::kTikTok, "beauty", 100, 3),
      Entry(4, Platform::kTikTok, "", 100, 4),
      Entry(5, Platform::kTikTok, "not-a-niche", 100, 5),
  });
  RankQuery q;
  q.platform = Platform::kTikTok;
  EXPECT_THAT(Ids(index.Query(q)), ElementsAre(5, 4, 3, 2));
  q.niche = "food";
  EXPECT_THAT(Ids(index.Query(q)), ElementsAre(2));
  q.platform.reset();
  EXPECT_THAT(Ids(index.Query(q)), ElementsAre(2, 1));
  q.platform = Platform::kYouTube;
  EXPECT_TRUE(index.Query(q).empty());
  // Query does not validate; a niche outside the taxonomy matches nothing, "" included.
  q.platform.reset();
  q.niche = "not-a-niche";
  EXPECT_TRUE(index.Query(q).empty());
  q.niche = "";
  EXPECT_TRUE(index.Query(q).empty());
}

TEST(RankIndex, FollowerRangeIsInclusiveAndExcludesUnknownFollowers) {
  const RankIndex index = RankIndex::Build({
      Entry(1, Platform::kYouTube, "gaming", 999, 6),
      Entry(2, Platform::kYouTube, "gaming", 1000, 5),
      Entry(3, Platform::kYouTube, "gaming", std::nullopt, 4),
      Entry(4, Platform::kYouTube, "gaming", 2000, 3),
      Entry(5, Platform::kYouTube, "gaming", 2001, 2),
      Entry(6, Platform::kYouTube, "gaming", -7, 1),  // damaged count: unknown
  });
  EXPECT_THAT(Ids(index.Query({})), ElementsAre(1, 2, 3, 4, 5, 6));
  RankQuery q;
  q.min_followers = 1000;
  q.max_followers = 2000;
  EXPECT_THAT(Ids(index.Query(q)), ElementsAre(2, 4));
  q.max_followers.reset();
  EXPECT_THAT(Ids(index.Query(q)), ElementsAre(2, 4, 5));
  q.min_followers.reset();
  q.max_followers = 1000;
  EXPECT_THAT(Ids(index.Query(q)), ElementsAre(1, 2));
  q.min_followers = 0;
  q.max_followers.reset();
  EXPECT_THAT(Ids(index.Query(q)), ElementsAre(1, 2, 4, 5));
  q.min_followers = 1500;
  q.max_followers = 1400;  // invalid: answers nothing
  EXPECT_TRUE(index.Query(q).empty());
}

TEST(RankIndex, FollowerCountsBeyond32BitsCompareExactly) {
  const int64_t big = int64_t{5'000'000'000};
  const RankIndex index = RankIndex::Build({
      Entry(1, Platform::kInstagram, "", big, 3),
      Entry(2, Platform::kInstagram, "", big + 1, 2),
      Entry(3, Platform::kInstagram, "", int64_t{4'294'967'294}, 1),
      Entry(4, Platform::kInstagram, "", int64_t{4'294'967'293}, 0),
  });
  RankQuery q;
  q.min_followers = big + 1;
  EXPECT_THAT(Ids(index.Query(q)), ElementsAre(2));
  q.min_followers = int64_t{4'294'967'294};
  q.max_followers = big;
  EXPECT_THAT(Ids(index.Query(q)), ElementsAre(1, 3));
  q.min_followers.reset();
  q.max_followers = int64_t{4'294'967'293};
  EXPECT_THAT(Ids(index.Query(q)), ElementsAre(4));
}

TEST(RankIndex, PointersSurviveMovingTheIndex) {
  RankIndex index = RankIndex::Build({Entry(1, Platform::kInstagram, "food", 5, 1)});
  const auto before = index.Query({});
  const RankIndex moved = std::move(index);
  const auto after = moved.Query({});
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(before[0], after[0]);
  EXPECT_EQ(after[0]->handle, "h1");
}

TEST(RankIndex, LimitIsCappedAtTheMaximum) {
  std::vector<RankEntry> entries;
  for (int i = 0; i < kMaxRankLimit + 50; ++i)
    entries.push_back(Entry(i, Platform::kTikTok, "", 1, i));
  const RankIndex index = RankIndex::Build(std::move(entries));
  RankQuery q;
  q.limit = kMaxRankLimit + 10;
  EXPECT_EQ(index.Query(q).size(), static_cast<size_t>(kMaxRankLimit));
  q.limit = 0;
  EXPECT_TRUE(index.Query(q).empty());
}

// The reference: filter everything, sort with the documented order, cut at the limit.
std::vector<std::string> BruteForce(const std::vector<RankEntry>& entries, const RankQuery& q) {
  std::vector<size_t> hits;
  for (size_t i = 0; i < entries.size(); ++i) {
    const RankEntry& e = entries[i];
    if (q.platform && e.platform != *q.platform) continue;
    if (q.niche && e.niche != *q.niche) continue;
    if (q.min_followers || q.max_followers) {
      if (!e.followers || *e.followers < 0) continue;
      if (q.min_followers && *e.followers < *q.min_followers) continue;
      if (q.max_followers && *e.followers > *q.max_followers) continue;
    }
    hits.push_back(i);
  }
  auto key = [&](size_t i) {
    return q.sort == RankSort::kValue ? entries[i].value : entries[i].momentum;
  };
  std::stable_sort(hits.begin(), hits.end(), [&](size_t a, size_t b) {
    const double ka = key(a), kb = key(b);
    if (std::isnan(ka) || std::isnan(kb)) {
      if (std::isnan(ka) != std::isnan(kb)) return std::isnan(kb);
    } else if (ka != kb) {
      return ka > kb;
    }
    return entries[a].creator_id < entries[b].creator_id;
  });
  std::vector<std::string> handles;
  for (size_t i = 0; i < hits.size() && handles.size() < static_cast<size_t>(q.limit); ++i) {
    handles.push_back(entries[hits[i]].handle);
  }
  return handles;
}

TEST(RankIndex, EqualsBruteForceOnRandomData) {
  std::mt19937_64 rng(20261126);
  const auto niches = Niches();
  std::uniform_int_distribution<size_t> niche_pick(0, niches.size() + 1);
  std::uniform_int_distribution<int> platform_pick(0, 2), coarse(0, 30), id_pick(0, 4000);
  std::lognormal_distribution<double> followers(9.5, 2.0);
  std::uniform_real_distribution<double> unit(0, 1);
  auto platform_of = [](int p) { return static_cast<Platform>(p); };

  std::vector<RankEntry> entries;
  for (int i = 0; i < 6000; ++i) {
    RankEntry e;
    e.creator_id = id_pick(rng);  // duplicates on purpose: ties beyond the id
    e.platform = platform_of(platform_pick(rng));
    const size_t n = niche_pick(rng);
    e.niche = n < niches.size() ? std::string(niches[n].id) : (n == niches.size() ? "" : "typo");
    const double u = unit(rng);
    if (u < 0.05) {
      e.followers = std::nullopt;
    } else if (u < 0.06) {
      e.followers = -3;
    } else if (u < 0.07) {
      e.followers = int64_t{4'294'967'000} + coarse(rng) * 1000;  // around the 32-bit edge
    } else {
      e.followers = static_cast<int64_t>(followers(rng));
    }
    e.value = unit(rng) < 0.02 ? kNaN : coarse(rng) * 10.0;  // coarse: many ties
    e.momentum = unit(rng) < 0.02 ? kNaN : (coarse(rng) - 15) * 0.05;
    e.handle = "c" + std::to_string(i);
    entries.push_back(e);
  }
  const RankIndex index = RankIndex::Build(entries);
  ASSERT_EQ(index.size(), entries.size());

  for (int t = 0; t < 3000; ++t) {
    RankQuery q;
    if (unit(rng) < 0.7) q.platform = platform_of(platform_pick(rng));
    if (unit(rng) < 0.5) q.niche = std::string(niches[niche_pick(rng) % niches.size()].id);
    if (unit(rng) < 0.5) q.min_followers = static_cast<int64_t>(followers(rng));
    if (unit(rng) < 0.5) q.max_followers = static_cast<int64_t>(followers(rng) * 4);
    if (unit(rng) < 0.05) q.min_followers = int64_t{4'294'967'294};
    if (q.min_followers && q.max_followers && *q.min_followers > *q.max_followers) {
      std::swap(*q.min_followers, *q.max_followers);
    }
    q.sort = unit(rng) < 0.5 ? RankSort::kValue : RankSort::kMomentum;
    q.limit = unit(rng) < 0.1 ? kMaxRankLimit : 1 + coarse(rng);
    ASSERT_OK(ValidateRankQuery(q));
    const auto got = index.Query(q);
    // Handles are unique, so this also checks that equal ids keep their input order.
    std::vector<std::string> handles;
    for (const RankEntry* e : got) handles.push_back(e->handle);
    ASSERT_EQ(handles, BruteForce(entries, q)) << "query " << t;
  }
}

}  // namespace
}  // namespace sphere::market
