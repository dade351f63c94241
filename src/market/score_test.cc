#include "market/score.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace sphere::market {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(PercentileScores, EmptyInputGivesEmptyOutput) { EXPECT_TRUE(PercentileScores({}).empty()); }

TEST(PercentileScores, OneValueScoresFifty) {
  const std::vector<double> values = {1234.5};
  EXPECT_THAT(PercentileScores(values), ElementsAre(50.0));
}

TEST(PercentileScores, DistinctValuesSpreadEvenly) {
  const std::vector<double> values = {30, 10, 20, 40};
  EXPECT_THAT(PercentileScores(values), ElementsAre(62.5, 12.5, 37.5, 87.5));
}

TEST(PercentileScores, TiesShareTheirMidRank) {
  const std::vector<double> values = {5, 1, 5, 1, 9};
  // Two 1s: (0 + 1) / 5; two 5s: (2 + 1) / 5; one 9: (4 + 0.5) / 5.
  EXPECT_THAT(PercentileScores(values), ElementsAre(60.0, 20.0, 60.0, 20.0, 90.0));
  const std::vector<double> same = {7, 7, 7};
  EXPECT_THAT(PercentileScores(same), ElementsAre(50.0, 50.0, 50.0));
}

TEST(PercentileScores, NaNScoresNaNAndIsNotCounted) {
  const std::vector<double> values = {1, kNaN, 2};
  const auto scores = PercentileScores(values);
  ASSERT_EQ(scores.size(), 3u);
  EXPECT_EQ(scores[0], 25.0);
  EXPECT_TRUE(std::isnan(scores[1]));
  EXPECT_EQ(scores[2], 75.0);
  const std::vector<double> only_nan = {kNaN, kNaN};
  for (double s : PercentileScores(only_nan)) EXPECT_TRUE(std::isnan(s));
}

TEST(PercentileScores, InfinitiesRankAtTheEnds) {
  const std::vector<double> values = {-kInf, 0, kInf};
  EXPECT_THAT(PercentileScores(values), ElementsAre(100.0 / 6, 50.0, 500.0 / 6));
}

TEST(PercentileScores, EqualsTheDefinitionOnRandomDataWithTies) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> small(0, 40);
  std::vector<double> values(3000);
  for (double& v : values) v = small(rng) * 0.25;  // many ties
  const auto scores = PercentileScores(values);
  double sum = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    size_t below = 0, equal = 0;
    for (double other : values) {
      below += other < values[i];
      equal += other == values[i];
    }
    const double expected = 100.0 * (below + 0.5 * equal) / values.size();
    ASSERT_THAT(scores[i], DoubleNear(expected, 1e-9)) << i;
    sum += scores[i];
  }
  EXPECT_NEAR(sum / values.size(), 50.0, 1e-9);
}

TEST(Momentum, IsForecastOverNowMinusOne) {
  EXPECT_NEAR(Momentum(100, 110), 0.1, 1e-12);
  EXPECT_DOUBLE_EQ(Momentum(200, 150), -0.25);
  EXPECT_DOUBLE_EQ(Momentum(50, 50), 0.0);
}

TEST(Momentum, NoBaseMeansNoGrowth) {
  EXPECT_EQ(Momentum(0, 100), 0.0);
  EXPECT_EQ(Momentum(-5, 100), 0.0);
}

TEST(Momentum, NegativeForecastIsMinusOne) { EXPECT_EQ(Momentum(10, -3), -1.0); }

TEST(Momentum, NeverNaNOrInfinite) {
  const double specials[] = {kNaN, kInf, -kInf, 0.0, -0.0, 1e-320, 1e308, -1, 1};
  for (double now : specials) {
    for (double forecast : specials) {
      const double m = Momentum(now, forecast);
      EXPECT_TRUE(std::isfinite(m)) << now << " -> " << forecast << " gave " << m;
    }
  }
  EXPECT_EQ(Momentum(kNaN, 5), 0.0);
  EXPECT_EQ(Momentum(5, kNaN), 0.0);
  EXPECT_EQ(Momentum(5, kInf), 0.0);
  EXPECT_EQ(Momentum(1e-320, 1e308), std::numeric_limits<double>::max());
}

}  // namespace
}  // namespace sphere::market
