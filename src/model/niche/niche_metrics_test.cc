#include "model/niche/niche_metrics.h"

#include <gtest/gtest.h>

namespace sphere::niche {
namespace {

TEST(NicheMetrics, PerfectPredictionsScoreOne) {
  Metrics m = Evaluate({0, 1, 2, 1}, {0, 1, 2, 1}, 3);
  EXPECT_DOUBLE_EQ(m.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(m.macro_f1, 1.0);
  EXPECT_EQ(m.confusion[1][1], 2);
}

TEST(NicheMetrics, MacroF1AveragesClassesThatOccur) {
  // Class 0: tp 1, fp 1, fn 1 -> F1 0.5. Class 1: tp 1, fp 1, fn 1 -> 0.5. Class 2 never
  // occurs in truth or predictions and is left out of the mean.
  Metrics m = Evaluate({0, 0, 1, 1}, {0, 1, 1, 0}, 3);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.5);
  EXPECT_DOUBLE_EQ(m.macro_f1, 0.5);
  EXPECT_EQ(m.confusion[0][1], 1);
  EXPECT_EQ(m.support[2], 0);
}

TEST(NicheMetrics, MajorityPredictionHasLowMacroF1) {
  Metrics m = Evaluate({0, 0, 0, 1}, {0, 0, 0, 0}, 2);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.75);
  EXPECT_NEAR(m.macro_f1, (2 * 3.0 / 7.0 + 0) / 2, 1e-12);
}

TEST(NicheMetrics, CreatorLevelAveragesPostProbabilities) {
  // alice: one confident post for 0, two posts leaning slightly to 1. A vote would say 1;
  // the mean of probabilities says 0.
  Metrics m = EvaluateGroups({"alice", "alice", "alice", "bob"}, {0, 0, 0, 1},
                             {{0.9, 0.1}, {0.45, 0.55}, {0.45, 0.55}, {0.2, 0.8}}, 2);
  EXPECT_EQ(m.n, 2);
  EXPECT_DOUBLE_EQ(m.accuracy, 1.0);
}

TEST(NicheMetrics, ArgMaxTakesTheFirstOnTies) { EXPECT_EQ(ArgMax({0.2, 0.4, 0.4}), 1); }

}  // namespace
}  // namespace sphere::niche
