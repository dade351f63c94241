#include "model/xgboost/xgboost_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "testing/status_matchers.h"

namespace sphere::xgb {
namespace {

using ::testing::HasSubstr;

// y = 3 x0 - 2 x1 + (x2 > 0.5), x in [0, 1); every 7th x1 missing (then y uses 0.5).
struct Data {
  DenseMatrix x;
  std::vector<float> y;
};

Data MakeData(size_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  Data d;
  d.x.rows = rows;
  d.x.cols = 3;
  for (size_t i = 0; i < rows; ++i) {
    float x0 = u(rng), x1 = u(rng), x2 = u(rng);
    const bool missing = i % 7 == 0;
    d.x.values.insert(d.x.values.end(), {x0, missing ? std::nanf("") : x1, x2});
    d.y.push_back(3 * x0 - 2 * (missing ? 0.5f : x1) + (x2 > 0.5f ? 1.0f : 0.0f));
  }
  return d;
}

TrainOptions Options(int rounds) {
  TrainOptions o;
  o.params = {{"max_depth", "4"},
              {"eta", "0.3"},
              {"seed", "7"},
              {"nthread", "1"},
              {"objective", "reg:squarederror"},
              {"eval_metric", "rmse"}};
  o.max_rounds = rounds;
  return o;
}

double Rmse(const std::vector<float>& predicted, const std::vector<float>& truth) {
  double ss = 0;
  for (size_t i = 0; i < truth.size(); ++i) ss += std::pow(predicted[i] - truth[i], 2);
  return std::sqrt(ss / static_cast<double>(truth.size()));
}

TEST(XgbBooster, LearnsAFunctionWithMissingValues) {
  const Data train = MakeData(2000, 1), test = MakeData(500, 2);
  ASSERT_OK_AND_ASSIGN(Booster booster, Booster::Train(train.x, train.y, nullptr, {}, Options(60)));
  ASSERT_OK_AND_ASSIGN(std::vector<float> predicted, booster.Predict(test.x));
  ASSERT_EQ(predicted.size(), test.y.size());
  EXPECT_LT(Rmse(predicted, test.y), 0.15);  // the target's own spread is about 1
  EXPECT_EQ(booster.best_round(), 59);
  EXPECT_EQ(booster.features(), 3);
}

TEST(XgbBooster, EarlyStoppingKeepsTheBestRound) {
  const Data train = MakeData(300, 3), valid = MakeData(300, 4);
  TrainOptions options = Options(500);
  options.params.push_back({"eta", "0.5"});
  options.early_stopping_rounds = 10;
  int rounds_run = 0;
  double best_metric = 1e9;
  ASSERT_OK_AND_ASSIGN(
      Booster booster,
      Booster::Train(train.x, train.y, &valid.x, valid.y, options, [&](int, double metric) {
        ++rounds_run;
        EXPECT_TRUE(std::isfinite(metric));
        best_metric = std::min(best_metric, metric);
      }));
  EXPECT_LT(rounds_run, 500);
  EXPECT_EQ(rounds_run, booster.best_round() + 1 + 10);
  // The kept model is the best one: its validation error equals the best seen.
  ASSERT_OK_AND_ASSIGN(std::string json, booster.SaveJson());
  ASSERT_OK_AND_ASSIGN(Booster loaded, Booster::Load(json));
  EXPECT_EQ(loaded.best_round(), booster.best_round());
  ASSERT_OK_AND_ASSIGN(std::vector<float> predicted, loaded.Predict(valid.x));
  EXPECT_NEAR(Rmse(predicted, valid.y), best_metric, 1e-4);
}

TEST(XgbBooster, SavedJsonLoadsToTheSamePredictions) {
  const Data train = MakeData(500, 5), test = MakeData(100, 6);
  ASSERT_OK_AND_ASSIGN(Booster booster, Booster::Train(train.x, train.y, nullptr, {}, Options(20)));
  ASSERT_OK_AND_ASSIGN(std::string json, booster.SaveJson());
  EXPECT_THAT(json, HasSubstr("\"learner\""));
  ASSERT_OK_AND_ASSIGN(Booster loaded, Booster::Load(json));
  ASSERT_OK_AND_ASSIGN(std::vector<float> a, booster.Predict(test.x));
  ASSERT_OK_AND_ASSIGN(std::vector<float> b, loaded.Predict(test.x));
  EXPECT_EQ(a, b);
}

TEST(XgbBooster, SameSeedSameModel) {
  const Data train = MakeData(500, 5);
  TrainOptions options = Options(20);
  options.params.push_back({"subsample", "0.7"});
  ASSERT_OK_AND_ASSIGN(Booster a, Booster::Train(train.x, train.y, nullptr, {}, options));
  ASSERT_OK_AND_ASSIGN(Booster b, Booster::Train(train.x, train.y, nullptr, {}, options));
  EXPECT_EQ(*a.SaveJson(), *b.SaveJson());
}

TEST(XgbBooster, ContributionsSumToThePrediction) {
  const Data train = MakeData(1000, 7), test = MakeData(200, 8);
  ASSERT_OK_AND_ASSIGN(Booster booster, Booster::Train(train.x, train.y, nullptr, {}, Options(40)));
  ASSERT_OK_AND_ASSIGN(std::vector<float> predicted, booster.Predict(test.x));
  ASSERT_OK_AND_ASSIGN(std::vector<float> contributions, booster.Contributions(test.x));
  ASSERT_EQ(contributions.size(), test.x.rows * (test.x.cols + 1));
  for (size_t r = 0; r < test.x.rows; ++r) {
    double sum = 0;
    for (size_t c = 0; c <= test.x.cols; ++c) sum += contributions[r * (test.x.cols + 1) + c];
    EXPECT_NEAR(sum, predicted[r], 1e-4) << r;
  }
}

TEST(XgbBooster, BadInputIsAClearError) {
  const Data train = MakeData(100, 9);
  std::vector<float> short_labels(train.y.begin(), train.y.begin() + 10);
  EXPECT_THAT(Booster::Train(train.x, short_labels, nullptr, {}, Options(5)).status(),
              IsError(Code::kInvalidArgument, HasSubstr("labels")));
  DenseMatrix ragged = train.x;
  ragged.values.pop_back();
  EXPECT_THAT(Booster::Train(ragged, train.y, nullptr, {}, Options(5)).status(),
              IsError(Code::kInvalidArgument, HasSubstr("matrix")));
  TrainOptions bad = Options(5);
  bad.params.push_back({"objective", "reg:no_such_objective"});
  EXPECT_THAT(Booster::Train(train.x, train.y, nullptr, {}, bad).status(),
              IsError(Code::kInvalidArgument, HasSubstr("no_such_objective")));
  EXPECT_THAT(Booster::Load("{not a model").status(), IsError(Code::kDataLoss, HasSubstr("model")));

  ASSERT_OK_AND_ASSIGN(Booster booster, Booster::Train(train.x, train.y, nullptr, {}, Options(5)));
  DenseMatrix two_columns{{1, 2, 3, 4}, 2, 2};
  EXPECT_THAT(booster.Predict(two_columns).status(),
              IsError(Code::kInvalidArgument, HasSubstr("the model has 3")));
}

}  // namespace
}  // namespace sphere::xgb
