#include "model/metrics/regression_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace sphere::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(Spearman, MonotoneIsOneAndReversedIsMinusOne) {
  std::vector<double> a = {1, 2, 3, 4, 5};
  std::vector<double> b = {10, 20, 300, 4000, 50000};
  EXPECT_NEAR(Spearman(a, b), 1.0, 1e-12);
  std::vector<double> c = {5, 4, 3, 2, 1};
  EXPECT_NEAR(Spearman(a, c), -1.0, 1e-12);
}

TEST(Spearman, TiesShareTheirMeanRankAsScipyDoes) {
  // scipy.stats.spearmanr([1, 2, 2, 3], [1, 3, 2, 4]) = 0.9486832980505138
  std::vector<double> a = {1, 2, 2, 3};
  std::vector<double> b = {1, 3, 2, 4};
  EXPECT_NEAR(Spearman(a, b), 0.9486832980505138, 1e-12);
}

TEST(Spearman, SkipsPairsWithAMissingSide) {
  std::vector<double> a = {1, kNaN, 2, 3};
  std::vector<double> b = {1, 100, 2, kNaN};
  EXPECT_NEAR(Spearman(a, b), 1.0, 1e-12);  // only (1,1), (2,2) remain
}

TEST(Spearman, ConstantOrTooShortIsNaN) {
  std::vector<double> a = {1, 1, 1};
  std::vector<double> b = {1, 2, 3};
  EXPECT_TRUE(std::isnan(Spearman(a, b)));
  EXPECT_TRUE(std::isnan(Spearman(std::vector<double>{1}, std::vector<double>{2})));
}

TEST(AverageRanks, AreOneBased) {
  std::vector<double> v = {30, 10, 20, 10};
  EXPECT_EQ(AverageRanks(v), (std::vector<double>{4, 1.5, 3, 1.5}));
}

TEST(MeanAbsoluteError, AveragesAbsoluteDifferences) {
  std::vector<double> p = {1, 2, 3};
  std::vector<double> a = {2, 2, 1};
  EXPECT_DOUBLE_EQ(MeanAbsoluteError(p, a), 1.0);
  EXPECT_DOUBLE_EQ(RootMeanSquaredError(p, a), std::sqrt(5.0 / 3.0));
  EXPECT_TRUE(std::isnan(MeanAbsoluteError(std::vector<double>{}, std::vector<double>{})));
}

TEST(ConformalQuantile, TakesTheCeilNPlusOneLevelthSmallest) {
  std::vector<double> s = {5, 1, 4, 2, 3, 9, 8, 7, 6, 10};  // n = 10
  // ceil(11 * 0.8) = 9 -> the 9th smallest
  EXPECT_DOUBLE_EQ(ConformalQuantile(s, 0.8), 9);
  // ceil(11 * 0.95) = 11 > n: no finite quantile guarantees the level
  EXPECT_TRUE(std::isinf(ConformalQuantile(s, 0.95)));
}

TEST(Quantile, Interpolates) {
  EXPECT_DOUBLE_EQ(Quantile({1, 2, 3, 4}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(Quantile({1, 2, 3, 4}, 0), 1);
  EXPECT_DOUBLE_EQ(Quantile({1, 2, 3, 4}, 1), 4);
}

}  // namespace
}  // namespace sphere::metrics
