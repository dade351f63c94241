#include "model/trees/forest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "model/xgboost/xgboost_model.h"
#include "testing/status_matchers.h"

namespace sphere::trees {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;
using xgb::Booster;
using xgb::DenseMatrix;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

// Feature kinds, cycled over the columns: continuous with NaNs, small integers (so that rows
// hit split conditions exactly) with NaNs, a constant, continuous without NaNs.
enum Kind { kContinuous, kInteger, kConstant, kDense };

Kind KindOf(size_t column) { return static_cast<Kind>(column % 4); }

float Draw(Kind kind, double nan_rate, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> u(0, 1);
  if (kind == kConstant) return 1.0f;
  if (kind != kDense && u(rng) < nan_rate) return kNaN;
  if (kind == kInteger) return std::floor(u(rng) * 5);
  if (kind == kDense) return std::normal_distribution<float>(0, 1)(rng);
  return u(rng);
}

DenseMatrix Rows(size_t rows, size_t cols, double nan_rate, uint64_t seed) {
  std::mt19937_64 rng(seed);
  DenseMatrix x;
  x.rows = rows;
  x.cols = cols;
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < cols; ++j) x.values.push_back(Draw(KindOf(j), nan_rate, rng));
  }
  return x;
}

// A target with interactions and missing-value effects, spread about 1.
std::vector<float> Target(const DenseMatrix& x, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> noise(0, 0.1f);
  std::vector<float> y;
  for (size_t i = 0; i < x.rows; ++i) {
    const float* r = &x.values[i * x.cols];
    auto at = [&](size_t j, float missing) {
      const float v = r[j % x.cols];
      return std::isnan(v) ? missing : v;
    };
    y.push_back(1.5f * at(0, 0.8f) - 0.2f * at(1, 4) + 0.5f * at(3, 0) * at(4, 0.2f) +
                (at(5, 0) > 2 ? 0.7f : -0.3f) + std::sin(3 * at(7, 0)) + noise(rng));
  }
  return y;
}

struct Config {
  std::string name;
  int depth;
  int rounds;
  std::string objective = "reg:squarederror";
  std::string tree_method = "hist";
  std::string base_score = "0.5";
  size_t features = 12;
  double nan_rate = 0.2;
  size_t rows = 1000;  // compared with XGBoost: this many random rows, as many edge rows
  ForestOptions options{};
  std::vector<std::pair<std::string, std::string>> extra = {};
};

Result<Booster> Train(const Config& c, uint64_t seed) {
  const DenseMatrix x = Rows(3000, c.features, c.nan_rate, seed);
  const std::vector<float> y = Target(x, seed + 1);
  xgb::TrainOptions options;
  options.params = {{"max_depth", std::to_string(c.depth)},
                    {"eta", "0.1"},
                    {"seed", "7"},
                    {"objective", c.objective},
                    {"tree_method", c.tree_method},
                    {"base_score", c.base_score},
                    {"colsample_bynode", "0.8"},
                    {"nthread", "1"}};  // OpenMP threads only spin on a busy machine
  options.params.insert(options.params.end(), c.extra.begin(), c.extra.end());
  options.max_rounds = c.rounds;
  return Booster::Train(x, y, nullptr, {}, options);
}

// Every split condition of the model, by feature.
std::map<int, std::vector<float>> SplitValues(const std::string& model) {
  std::map<int, std::vector<float>> out;
  const json doc = json::parse(model);
  for (const json& tree : doc["learner"]["gradient_booster"]["model"]["trees"]) {
    for (size_t i = 0; i < tree["left_children"].size(); ++i) {
      if (tree["left_children"][i].get<int>() == -1) continue;
      out[tree["split_indices"][i].get<int>()].push_back(tree["split_conditions"][i].get<float>());
    }
  }
  return out;
}

// Rows whose values sit exactly on, or one float either side of, the model's split conditions
// (and NaN), the cases where "<" against "<=" or a double comparison would differ.
DenseMatrix EdgeRows(size_t rows, size_t cols, const std::map<int, std::vector<float>>& splits,
                     uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pick(0, 9);
  DenseMatrix x = Rows(rows, cols, 0.2, seed);
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < cols; ++j) {
      const auto it = splits.find(static_cast<int>(j));
      if (it == splits.end()) continue;
      const float cond = it->second[rng() % it->second.size()];
      float& v = x.values[i * cols + j];
      const int p = pick(rng);
      if (p < 4) {
        v = cond;
      } else if (p == 4) {
        v = std::nextafter(cond, -kInf);
      } else if (p == 5) {
        v = std::nextafter(cond, kInf);
      } else if (p == 6) {
        v = kNaN;
      }  // else the random draw
    }
  }
  return x;
}

struct Worst {
  double predict = 0, contribution = 0, sum = 0;
  size_t rows = 0;
};

// Compares Forest with XGBoost on every row of `x`, recording the largest differences.
void ExpectMatchesXgboost(const Booster& booster, const Forest& forest, const DenseMatrix& x,
                          Worst& worst) {
  ASSERT_OK_AND_ASSIGN(const std::vector<float> predicted, booster.Predict(x));
  ASSERT_OK_AND_ASSIGN(const std::vector<float> contributions, booster.Contributions(x));
  const size_t width = x.cols + 1;
  ASSERT_EQ(contributions.size(), x.rows * width);
  std::vector<double> out(width);
  for (size_t i = 0; i < x.rows; ++i) {
    const std::span<const float> row(&x.values[i * x.cols], x.cols);
    const double p = forest.Predict(row);
    ASSERT_OK(forest.Contributions(row, out));
    double sum = 0;
    for (size_t j = 0; j < width; ++j) {
      sum += out[j];
      const double diff = std::abs(out[j] - contributions[i * width + j]);
      ASSERT_LE(diff, 1e-4) << "row " << i << " feature " << j << ": ours " << out[j]
                            << ", XGBoost " << contributions[i * width + j];
      worst.contribution = std::max(worst.contribution, diff);
    }
    ASSERT_NEAR(p, predicted[i], 1e-5) << "row " << i;
    ASSERT_NEAR(sum, p, 1e-5) << "row " << i;
    worst.predict = std::max(worst.predict, std::abs(p - predicted[i]));
    worst.sum = std::max(worst.sum, std::abs(sum - p));
    ++worst.rows;
  }
}

class ForestMatchesXgboost : public ::testing::TestWithParam<Config> {};

TEST_P(ForestMatchesXgboost, PredictionsAndContributions) {
  const Config& c = GetParam();
  ASSERT_OK_AND_ASSIGN(const Booster booster, Train(c, 11));
  ASSERT_OK_AND_ASSIGN(const std::string model, booster.SaveJson());
  ASSERT_OK_AND_ASSIGN(const Forest forest, Forest::FromXgboostJson(model, c.options));
  EXPECT_EQ(forest.features(), static_cast<int>(c.features));
  EXPECT_EQ(forest.trees(), c.rounds);
  EXPECT_LE(forest.max_depth(), c.depth);
  EXPECT_FLOAT_EQ(forest.base_score(), std::stof(c.base_score));

  Worst worst;
  ExpectMatchesXgboost(booster, forest, Rows(c.rows, c.features, c.nan_rate, 12), worst);
  ExpectMatchesXgboost(booster, forest, EdgeRows(c.rows, c.features, SplitValues(model), 13),
                       worst);
  EXPECT_EQ(worst.rows, 2 * c.rows);
  std::cout << "[ " << c.name << " ] " << forest.trees() << " trees, depth " << forest.max_depth()
            << ", " << forest.direct_leaves() << " direct leaves, tables "
            << forest.table_bytes() / 1024 << " KiB; max |diff| over " << worst.rows
            << " rows: predict " << worst.predict << ", contribution " << worst.contribution
            << ", sum - predict " << worst.sum << "\n";
}

std::vector<Config> Configs() {
  std::vector<Config> out = {
      {.name = "stump", .depth = 1, .rounds = 1, .tree_method = "exact", .base_score = "0.25"},
      {.name = "depth2", .depth = 2, .rounds = 20, .base_score = "-1.25"},
      {.name = "depth3_absolute_error",
       .depth = 3,
       .rounds = 60,
       .objective = "reg:absoluteerror",
       .tree_method = "approx",
       .base_score = "1"},
      {.name = "depth4_pseudo_huber",
       .depth = 4,
       .rounds = 100,
       .objective = "reg:pseudohubererror",
       .base_score = "0.75"},
      {.name = "depth5_exact", .depth = 5, .rounds = 80, .tree_method = "exact", .base_score = "0"},
      {.name = "depth6_300_trees", .depth = 6, .rounds = 300, .base_score = "0.5", .rows = 600},
      // Five features and depth 8: every path repeats features.
      {.name = "depth8_repeated_features",
       .depth = 8,
       .rounds = 40,
       .base_score = "-0.5",
       .features = 5,
       .nan_rate = 0.35},
      {.name = "depth7_mostly_missing",
       .depth = 7,
       .rounds = 60,
       .base_score = "1.5",
       .nan_rate = 0.6,
       .rows = 600},
      // The run-time path for every leaf; then tables for short paths until the budget runs
      // out, the rest at run time.
      {.name = "depth6_all_direct",
       .depth = 6,
       .rounds = 60,
       .base_score = "0.5",
       .rows = 400,
       .options = {.max_table_features = 0}},
      {.name = "depth8_mixed",
       .depth = 8,
       .rounds = 60,
       .base_score = "0.5",
       .features = 7,
       .rows = 400,
       .options = {.max_table_features = 5, .max_table_bytes = 32 * 1024}},
      // Every tree a single leaf: nothing to split on is worth gamma.
      {.name = "single_leaves",
       .depth = 4,
       .rounds = 5,
       .base_score = "0.5",
       .extra = {{"gamma", "1e9"}}},
  };
  return out;
}

INSTANTIATE_TEST_SUITE_P(Models, ForestMatchesXgboost, ::testing::ValuesIn(Configs()),
                         [](const auto& info) { return info.param.name; });

// A depth-3 model of 6 features and its JSON, for the tests that edit the document.
struct Small {
  Booster booster;
  json doc;
};

Small SmallModel(const std::string& objective = "reg:squarederror",
                 const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  const DenseMatrix x = Rows(500, 6, 0.2, 3);
  std::vector<float> y = Target(x, 4);
  if (objective.starts_with("count:")) {
    for (float& v : y) v = std::abs(v);
  }
  xgb::TrainOptions options;
  options.params = {{"max_depth", "3"}, {"eta", "0.3"}, {"objective", objective}, {"nthread", "1"}};
  options.params.insert(options.params.end(), extra.begin(), extra.end());
  options.max_rounds = 5;
  auto booster = Booster::Train(x, y, nullptr, {}, options);
  EXPECT_OK(booster.status());
  auto text = booster->SaveJson();
  EXPECT_OK(text.status());
  return {std::move(booster).value(), json::parse(*text)};
}

json& Tree(json& doc, int t) { return doc["learner"]["gradient_booster"]["model"]["trees"][t]; }

TEST(Forest, ZeroCoverLeafMatchesXgboost) {
  // A leaf no training row reached: its cover ratio is 0, where a table's (1 - z) / z is
  // undefined. Checked in a sibling-pair table and computed at run time.
  Small m = SmallModel();
  for (int t = 0; t < 5; ++t) {
    json& tree = Tree(m.doc, t);
    for (size_t i = 0; i < tree["left_children"].size(); ++i) {
      if (tree["left_children"][i].get<int>() == -1) {
        tree["sum_hessian"][i] = 0.0;
        break;
      }
    }
  }
  const std::string edited = m.doc.dump();
  ASSERT_OK_AND_ASSIGN(const Booster booster, Booster::Load(edited));
  for (const int table_features : {10, 0}) {
    ASSERT_OK_AND_ASSIGN(const Forest forest,
                         Forest::FromXgboostJson(edited, {.max_table_features = table_features}));
    EXPECT_EQ(forest.direct_leaves() > 0, table_features == 0);
    Worst worst;
    ExpectMatchesXgboost(booster, forest, Rows(500, 6, 0.2, 5), worst);
    EXPECT_EQ(worst.rows, 500u);
  }
}

TEST(Forest, InfinityComparesAsTheLargestNumber) {
  Small m = SmallModel();
  ASSERT_OK_AND_ASSIGN(const Forest forest, Forest::FromXgboostJson(m.doc.dump()));
  DenseMatrix finite = Rows(200, 6, 0.2, 6);
  std::vector<float> infinite = finite.values;
  std::mt19937_64 rng(7);
  for (size_t i = 0; i < infinite.size(); ++i) {
    if (rng() % 3 == 0) {
      const bool positive = rng() % 2 == 0;
      infinite[i] = positive ? kInf : -kInf;
      finite.values[i] =
          positive ? std::numeric_limits<float>::max() : std::numeric_limits<float>::lowest();
    }
  }
  // XGBoost refuses infinities in a matrix, so its answer is taken on +-FLT_MAX.
  Worst worst;
  ExpectMatchesXgboost(m.booster, forest, finite, worst);
  std::vector<double> with_inf(7), with_max(7);
  for (size_t i = 0; i < finite.rows; ++i) {
    const std::span<const float> inf_row(&infinite[i * 6], 6), max_row(&finite.values[i * 6], 6);
    EXPECT_EQ(forest.Predict(inf_row), forest.Predict(max_row)) << "row " << i;
    ASSERT_OK(forest.Contributions(inf_row, with_inf));
    ASSERT_OK(forest.Contributions(max_row, with_max));
    EXPECT_EQ(with_inf, with_max) << "row " << i;
  }
}

TEST(Forest, ConcurrentCallsAgreeWithSequentialOnes) {
  Small m = SmallModel();
  ASSERT_OK_AND_ASSIGN(const Forest forest, Forest::FromXgboostJson(m.doc.dump()));
  const DenseMatrix x = Rows(300, 6, 0.2, 8);
  std::vector<double> expected(x.rows * 7);
  for (size_t i = 0; i < x.rows; ++i) {
    ASSERT_OK(forest.Contributions({&x.values[i * 6], 6}, {&expected[i * 7], 7}));
  }
  std::vector<std::vector<double>> got(4, std::vector<double>(x.rows * 7));
  std::vector<std::thread> threads;
  for (size_t k = 0; k < got.size(); ++k) {
    threads.emplace_back([&, k] {
      for (size_t i = 0; i < x.rows; ++i) {
        const size_t r = (i + 37 * k) % x.rows;  // each thread in its own order
        EXPECT_OK(forest.Contributions({&x.values[r * 6], 6}, {&got[k][r * 7], 7}));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, expected);
}

TEST(Forest, WrongSizesAreRefused) {
  Small m = SmallModel();
  ASSERT_OK_AND_ASSIGN(const Forest forest, Forest::FromXgboostJson(m.doc.dump()));
  std::vector<float> row(6, 0.5f), short_row(5, 0.5f);
  std::vector<double> out(7, 42.0), small(6, 42.0);
  EXPECT_THAT(forest.Contributions(short_row, out),
              IsError(Code::kInvalidArgument, HasSubstr("5 values, the model has 6 features")));
  EXPECT_THAT(
      forest.Contributions(row, small),
      IsError(Code::kInvalidArgument, HasSubstr("room for 6 values, need features + 1 = 7")));
  EXPECT_EQ(small, std::vector<double>(6, 42.0));
  EXPECT_TRUE(std::isnan(forest.Predict(short_row)));
  EXPECT_OK(forest.Contributions(row, out));
}

// One edit of a valid model document and the error it must produce.
struct BadModel {
  std::string name;
  std::function<void(json&)> edit;
  Code code;
  std::string message;
};

TEST(Forest, DamagedOrUnsupportedModelsAreRefusedWithAReason) {
  const Small m = SmallModel();
  const std::vector<BadModel> cases = {
      {"no learner", [](json& d) { d.erase("learner"); }, Code::kDataLoss,
       "document has no \"learner\""},
      {"gblinear", [](json& d) { d["learner"]["gradient_booster"]["name"] = "gblinear"; },
       Code::kInvalidArgument, "booster gblinear (only gbtree)"},
      {"logistic", [](json& d) { d["learner"]["objective"]["name"] = "binary:logistic"; },
       Code::kInvalidArgument, "objective binary:logistic"},
      {"three classes", [](json& d) { d["learner"]["learner_model_param"]["num_class"] = "3"; },
       Code::kInvalidArgument, "num_class 3"},
      {"two targets", [](json& d) { d["learner"]["learner_model_param"]["num_target"] = "2"; },
       Code::kInvalidArgument, "num_target 2"},
      {"bad num_feature",
       [](json& d) { d["learner"]["learner_model_param"]["num_feature"] = "six"; }, Code::kDataLoss,
       "num_feature is not a number: \"six\""},
      {"bad base_score", [](json& d) { d["learner"]["learner_model_param"].erase("base_score"); },
       Code::kDataLoss, "has no \"base_score\""},
      {"categorical", [](json& d) { Tree(d, 1)["split_type"][0] = 1; }, Code::kInvalidArgument,
       "tree 1 node 0: categorical split"},
      {"child out of range", [](json& d) { Tree(d, 2)["left_children"][0] = 99; }, Code::kDataLoss,
       "tree 2 node 0 has child 99 outside [1, "},
      {"child is the root", [](json& d) { Tree(d, 0)["right_children"][1] = 0; }, Code::kDataLoss,
       "tree 0 node 1 has child 0 outside"},
      {"cycle",
       [](json& d) {
         json& t = Tree(d, 0);
         t["left_children"][2] = t["left_children"][1];  // node 1's left child, twice
       },
       Code::kDataLoss, "is reached twice (a cycle or a shared child)"},
      {"one child", [](json& d) { Tree(d, 0)["right_children"][0] = -1; }, Code::kDataLoss,
       "tree 0 node 0 has only one child"},
      {"short array", [](json& d) { Tree(d, 3)["sum_hessian"].erase(0); }, Code::kDataLoss,
       "tree 3.sum_hessian has 14 entries for 15 nodes"},
      {"feature out of range", [](json& d) { Tree(d, 0)["split_indices"][0] = 6; }, Code::kDataLoss,
       "tree 0 node 0 splits on feature 6 of 6"},
      {"text threshold", [](json& d) { Tree(d, 0)["split_conditions"][0] = "0.5"; },
       Code::kDataLoss, "tree 0.split_conditions holds a non-number"},
      {"zero cover at a split", [](json& d) { Tree(d, 4)["sum_hessian"][0] = 0.0; },
       Code::kInvalidArgument, "tree 4 node 0: zero cover (sum_hessian) at a split"},
      {"negative cover", [](json& d) { Tree(d, 4)["sum_hessian"][1] = -1.0; }, Code::kDataLoss,
       "tree 4 node 1 has sum_hessian -1"},
      {"vector leaves", [](json& d) { Tree(d, 0)["tree_param"]["size_leaf_vector"] = "3"; },
       Code::kInvalidArgument, "vector leaves"},
      // Found by fuzz_forest: a count beyond int64 reached an integer cast (UB).
      {"num_class 1e19", [](json& d) { d["learner"]["learner_model_param"]["num_class"] = "1e19"; },
       Code::kInvalidArgument, "num_class 1e+19"},
      // Found by fuzz_forest: finite doubles beyond float's range loaded as inf.
      {"leaf beyond float", [](json& d) { Tree(d, 1)["split_conditions"][14] = 1e39; },
       Code::kDataLoss, "tree 1 node 14 has a leaf value that is not a finite float"},
      {"base_score beyond float",
       [](json& d) { d["learner"]["learner_model_param"]["base_score"] = "1e39"; },
       Code::kDataLoss, "base_score 1e+39 is beyond float's range"},
      // Found by fuzz_forest: a child with more cover than its parent gave a bias of 1e300.
      {"cover grows", [](json& d) { Tree(d, 2)["sum_hessian"][1] = 1e300; }, Code::kDataLoss,
       "tree 2 node 0 has a child with more cover (sum_hessian) than itself"},
      {"two output groups",
       [](json& d) { d["learner"]["gradient_booster"]["model"]["tree_info"][1] = 1; },
       Code::kInvalidArgument, "output group other than 0"},
  };
  // The small model's trees are full depth-3 trees (15 nodes), which the edits rely on.
  ASSERT_EQ(m.doc["learner"]["gradient_booster"]["model"]["trees"][3]["left_children"].size(), 15u);
  for (const BadModel& c : cases) {
    json doc = m.doc;
    c.edit(doc);
    EXPECT_THAT(Forest::FromXgboostJson(doc.dump()).status(), IsError(c.code, HasSubstr(c.message)))
        << c.name;
  }
}

TEST(Forest, NotAModelIsDataLoss) {
  EXPECT_THAT(Forest::FromXgboostJson("").status(),
              IsError(Code::kDataLoss, HasSubstr("not valid JSON")));
  EXPECT_THAT(Forest::FromXgboostJson("{\"learner\": ").status(),
              IsError(Code::kDataLoss, HasSubstr("not valid JSON")));
  EXPECT_THAT(Forest::FromXgboostJson("[1, 2]").status(),
              IsError(Code::kDataLoss, HasSubstr("document is not an object")));
  EXPECT_THAT(Forest::FromXgboostJson(R"({"learner": {"objective": 3}})").status(),
              IsError(Code::kDataLoss, HasSubstr("learner.objective is not an object")));
}

TEST(Forest, OtherBoostersAndObjectivesTrainedByXgboostAreRefused) {
  const Small dart = SmallModel("reg:squarederror", {{"booster", "dart"}});
  EXPECT_THAT(Forest::FromXgboostJson(dart.doc.dump()).status(),
              IsError(Code::kInvalidArgument, HasSubstr("booster dart")));
  const Small poisson = SmallModel("count:poisson");
  EXPECT_THAT(Forest::FromXgboostJson(poisson.doc.dump()).status(),
              IsError(Code::kInvalidArgument, HasSubstr("objective count:poisson")));
}

TEST(Forest, TreesDeeperThanTheLimitAreRefused) {
  // A chain of 130 splits on feature 0, built by hand.
  json doc = SmallModel().doc;
  json& tree = Tree(doc, 0);
  const int splits = 130, n = 2 * splits + 1;
  json left = json::array(), right = json::array(), feature = json::array(), cond = json::array(),
       def = json::array(), hess = json::array(), type = json::array();
  for (int i = 0; i < n; ++i) {
    const bool leaf = i >= splits;
    // Split i: left -> the leaf splits + i, right -> split i + 1 (or the last leaf).
    left.push_back(leaf ? -1 : splits + i);
    right.push_back(leaf ? -1 : (i + 1 < splits ? i + 1 : 2 * splits));
    feature.push_back(0);
    cond.push_back(leaf ? 0.1 : 0.5);
    def.push_back(1);
    hess.push_back(1.0);
    type.push_back(0);
  }
  tree["left_children"] = left;
  tree["right_children"] = right;
  tree["split_indices"] = feature;
  tree["split_conditions"] = cond;
  tree["default_left"] = def;
  tree["sum_hessian"] = hess;
  tree["split_type"] = type;
  tree["base_weights"] = cond;
  tree["loss_changes"] = cond;
  tree["parents"] = cond;
  tree["tree_param"]["num_nodes"] = std::to_string(n);
  EXPECT_THAT(Forest::FromXgboostJson(doc.dump()).status(),
              IsError(Code::kInvalidArgument, HasSubstr("tree 0: deeper than 128")));
}

}  // namespace
}  // namespace sphere::trees
