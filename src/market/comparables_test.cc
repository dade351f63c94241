#include "market/comparables.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace sphere::market {
namespace {

using ::testing::ElementsAre;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

ComparablePoint Point(int64_t id, std::array<double, 4> x, Platform platform = Platform::kInstagram,
                      std::string niche = "food") {
  return {id, platform, std::move(niche), x};
}

std::vector<int64_t> Ids(const std::vector<Neighbour>& neighbours) {
  std::vector<int64_t> ids;
  for (const Neighbour& n : neighbours) ids.push_back(n.creator_id);
  return ids;
}

TEST(ComparableDistance, IsEuclideanWhenEverythingIsKnown) {
  EXPECT_DOUBLE_EQ(ComparableDistance({0, 0, 0, 0}, {1, 2, 2, 4}), 5.0);
  EXPECT_EQ(ComparableDistance({1, 2, 3, 4}, {1, 2, 3, 4}), 0.0);
}

TEST(ComparableDistance, SkipsUnknownCoordinatesAndRescales) {
  // Three shared coordinates, each 1 apart: sqrt(4 / 3 * 3) = 2.
  EXPECT_DOUBLE_EQ(ComparableDistance({0, 0, 0, kNaN}, {1, 1, 1, 100}), 2.0);
  EXPECT_DOUBLE_EQ(ComparableDistance({0, kInf, 0, 0}, {1, 1, 1, 1}), 2.0);
  // One shared coordinate 3 apart: sqrt(4 * 9) = 6.
  EXPECT_DOUBLE_EQ(ComparableDistance({kNaN, kNaN, kNaN, 3}, {1, kNaN, 5, 0}), 6.0);
}

TEST(ComparableDistance, NothingSharedIsInfinitelyFar) {
  EXPECT_EQ(ComparableDistance({kNaN, 1, kNaN, 1}, {1, kNaN, 1, kNaN}), kInf);
}

TEST(ComparableFinder, FindsTheNearestOfTheSameGroupExcludingItself) {
  const ComparableFinder finder = ComparableFinder::Build({
      Point(1, {0, 0, 0, 0}), Point(2, {0.1, 0, 0, 0}), Point(3, {3, 0, 0, 0}),
      Point(4, {-1, 0, 0, 0}), Point(5, {0.05, 0, 0, 0}, Platform::kTikTok),  // other platform
      Point(6, {0.05, 0, 0, 0}, Platform::kInstagram, "beauty"),              // other niche
  });
  EXPECT_EQ(finder.size(), 6u);
  const auto nearest = finder.Nearest(Point(1, {0, 0, 0, 0}), 2);
  EXPECT_THAT(Ids(nearest), ElementsAre(2, 4));
  EXPECT_DOUBLE_EQ(nearest[0].distance, 0.1);
  EXPECT_DOUBLE_EQ(nearest[1].distance, 1.0);
}

TEST(ComparableFinder, ReturnsWhatThereIsWhenTheGroupIsSmall) {
  const ComparableFinder finder =
      ComparableFinder::Build({Point(1, {0, 0, 0, 0}), Point(2, {1, 1, 1, 1})});
  EXPECT_THAT(Ids(finder.Nearest(Point(1, {0, 0, 0, 0}), 5)), ElementsAre(2));
  // A point not in the finder sees the whole group.
  EXPECT_THAT(Ids(finder.Nearest(Point(99, {0.9, 1, 1, 1}), 5)), ElementsAre(2, 1));
  EXPECT_TRUE(finder.Nearest(Point(1, {0, 0, 0, 0}), 0).empty());
  EXPECT_TRUE(finder.Nearest(Point(1, {0, 0, 0, 0}, Platform::kYouTube), 5).empty());
  EXPECT_TRUE(ComparableFinder().Nearest(Point(1, {0, 0, 0, 0}), 5).empty());
}

TEST(ComparableFinder, TiesGoToTheLowerCreatorId) {
  const ComparableFinder finder = ComparableFinder::Build({
      Point(9, {1, 0, 0, 0}),
      Point(4, {-1, 0, 0, 0}),
      Point(7, {0, 1, 0, 0}),
      Point(2, {0, -1, 0, 0}),
  });
  EXPECT_THAT(Ids(finder.Nearest(Point(100, {0, 0, 0, 0}), 3)), ElementsAre(2, 4, 7));
}

TEST(ComparableFinder, HandlesUnknownCoordinates) {
  const ComparableFinder finder = ComparableFinder::Build({
      Point(1, {kNaN, 0, 0, 0}),           // unknown x0: compared one by one
      Point(2, {5, kNaN, kNaN, kNaN}),     // only x0 known
      Point(3, {kNaN, kNaN, kNaN, kNaN}),  // knows nothing: never comparable
      Point(4, {0.5, 0.5, 0.5, 0.5}),
  });
  // Query knowing x0: 1 is at sqrt(4/3 * 0) = 0 on its shared coordinates.
  EXPECT_THAT(Ids(finder.Nearest(Point(10, {0, 0, 0, 0}), 5)), ElementsAre(1, 4, 2));
  // Query with unknown x0 is compared with everyone on what it knows; 2 shares nothing.
  const auto nearest = finder.Nearest(Point(11, {kNaN, 0.5, 0.5, kNaN}), 5);
  EXPECT_THAT(Ids(nearest), ElementsAre(4, 1));
  EXPECT_DOUBLE_EQ(nearest[0].distance, 0.0);
  EXPECT_DOUBLE_EQ(nearest[1].distance, std::sqrt(4.0 / 2 * 0.5));
}

TEST(ComparableFinder, ManyIdenticalPointsAnswerByCreatorId) {
  std::vector<ComparablePoint> points;
  for (int64_t id = 200; id > 0; --id) points.push_back(Point(id, {1, 2, 3, 4}));
  points.push_back(Point(500, {1, 2, 3, 4.5}));
  const ComparableFinder finder = ComparableFinder::Build(points);
  EXPECT_THAT(Ids(finder.Nearest(Point(1, {1, 2, 3, 4}), 3)), ElementsAre(2, 3, 4));
  EXPECT_THAT(Ids(finder.Nearest(Point(0, {1, 2, 3, 5}), 2)), ElementsAre(500, 1));
}

std::vector<Neighbour> BruteForce(const std::vector<ComparablePoint>& points,
                                  const ComparablePoint& of, int k) {
  std::vector<Neighbour> all;
  for (const ComparablePoint& p : points) {
    if (p.platform != of.platform || p.niche != of.niche || p.creator_id == of.creator_id) continue;
    const double d = ComparableDistance(of.x, p.x);
    if (d != kInf) all.push_back({p.creator_id, d});
  }
  std::sort(all.begin(), all.end(), [](const Neighbour& a, const Neighbour& b) {
    return a.distance < b.distance || (a.distance == b.distance && a.creator_id < b.creator_id);
  });
  if (all.size() > static_cast<size_t>(k)) all.resize(static_cast<size_t>(k));
  return all;
}

TEST(ComparableFinder, EqualsBruteForceOnRandomData) {
  std::mt19937_64 rng(42);
  std::normal_distribution<double> normal(0, 1);
  std::uniform_real_distribution<double> unit(0, 1);
  std::uniform_int_distribution<int> grid(-6, 6);
  const std::string niches[] = {"food", "beauty", ""};
  std::vector<ComparablePoint> points;
  for (int i = 0; i < 4000; ++i) {
    ComparablePoint p;
    p.creator_id = i;
    p.platform = static_cast<Platform>(i % 2);
    p.niche = niches[static_cast<size_t>(unit(rng) * 3) % 3];
    const bool on_grid = unit(rng) < 0.3;  // coarse values: exact ties in distance
    for (double& x : p.x) {
      x = unit(rng) < 0.1 ? kNaN : (on_grid ? grid(rng) * 0.5 : normal(rng));
    }
    points.push_back(p);
  }
  const ComparableFinder finder = ComparableFinder::Build(points);
  for (const ComparablePoint& of : points) {
    for (int k : {1, 5}) {
      const auto got = finder.Nearest(of, k);
      const auto want = BruteForce(points, of, k);
      ASSERT_EQ(got.size(), want.size()) << of.creator_id;
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_EQ(got[i].creator_id, want[i].creator_id) << of.creator_id << " k=" << k;
        ASSERT_EQ(got[i].distance, want[i].distance);
      }
    }
  }
  // Points outside the finder, and a large k.
  for (int t = 0; t < 200; ++t) {
    ComparablePoint of{
        -1,
        static_cast<Platform>(t % 2),
        niches[t % 3],
        {normal(rng), normal(rng), unit(rng) < 0.5 ? kNaN : normal(rng), normal(rng)}};
    const auto got = finder.Nearest(of, 50);
    const auto want = BruteForce(points, of, 50);
    ASSERT_EQ(Ids(got), Ids(want)) << t;
  }
}

}  // namespace
}  // namespace sphere::market
