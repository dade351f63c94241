#include "model/plep/plep_train.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "core/niche.h"
#include "core/split.h"
#include "features/feature_vector.h"
#include "model/metrics/regression_metrics.h"
#include "model/plep/plep_features.h"
#include "model/xgboost/xgboost_model.h"

namespace sphere::plep {
namespace {

using json = nlohmann::json;
using Params = std::vector<std::pair<std::string, std::string>>;

constexpr double kNaN = features::kMissing;

// Validation buckets [70, 78) fit the difficulty forest, [78, 85) calibrate the range.
constexpr int kCalibrationFirstBucket = 78;

// Rows of one part of the data, gathered into XGBoost's input.
struct Part {
  std::vector<size_t> index;  // into the dataset
  xgb::DenseMatrix x;
  std::vector<float> engagement;  // ln(1 + likes + comments)
  std::vector<float> comments;    // ln(1 + comments)
};

Part Gather(const PlepDataset& data, std::vector<size_t> index) {
  Part part;
  part.index = std::move(index);
  part.x.cols = data.cols();
  part.x.rows = part.index.size();
  part.x.values.reserve(part.x.rows * part.x.cols);
  for (size_t i : part.index) {
    std::span<const float> row = data.Row(i);
    part.x.values.insert(part.x.values.end(), row.begin(), row.end());
    part.engagement.push_back(static_cast<float>(data.rows()[i].log_engagement));
    part.comments.push_back(static_cast<float>(data.rows()[i].log_comments));
  }
  return part;
}

struct Config {
  int max_depth;
  double min_child_weight;
};

Params ParamsOf(const Config& c, const PlepTrainOptions& o) {
  return {{"objective", "reg:squarederror"},
          {"eval_metric", "mae"},
          {"tree_method", "hist"},
          {"eta", "0.03"},
          {"max_depth", std::to_string(c.max_depth)},
          {"min_child_weight", fmt::format("{}", c.min_child_weight)},
          {"subsample", "0.8"},
          {"colsample_bytree", "0.8"},
          {"lambda", "1"},
          {"seed", std::to_string(o.seed)},
          {"nthread", std::to_string(o.threads)}};
}

json ParamsJson(const Params& params) {
  json out = json::object();
  for (const auto& [k, v] : params) out[k] = v;
  return out;
}

std::vector<Config> Grid(std::string_view grid) {
  if (grid == "small") return {{6, 5}};
  return {{3, 5}, {4, 5}, {4, 20}, {5, 20}, {6, 5}, {6, 20}, {8, 20}};
}

// Configurations whose validation MAE is within this share of the best count as equally
// accurate; among them the one with the fewest leaves wins, because every leaf costs time
// in each prediction's contributions (docs/benchmarks.md).
constexpr double kEqualAccuracy = 0.005;

int64_t LeavesOf(const xgb::Booster& booster) {
  Result<std::string> json = booster.SaveJson();
  if (!json.ok()) return std::numeric_limits<int64_t>::max();
  // Leaves are the nodes without children: count "-1" left children in every tree.
  const nlohmann::json model = nlohmann::json::parse(*json, nullptr, false);
  int64_t leaves = 0;
  if (model.is_discarded()) return std::numeric_limits<int64_t>::max();
  for (const auto& tree : model["learner"]["gradient_booster"]["model"]["trees"]) {
    for (const auto& child : tree["left_children"]) leaves += child.get<int64_t>() < 0;
  }
  return leaves;
}

Result<xgb::Booster> Fit(const Part& train, std::span<const float> labels, const Part* valid,
                         std::span<const float> valid_labels, Params params, int max_rounds,
                         int early_stopping, const std::string& stage, const ProgressFn& progress) {
  xgb::TrainOptions options;
  options.params = std::move(params);
  options.max_rounds = max_rounds;
  options.early_stopping_rounds = early_stopping;
  return xgb::Booster::Train(train.x, labels, valid ? &valid->x : nullptr, valid_labels, options,
                             [&](int round, double) {
                               if (progress && round % 10 == 0) progress(stage, round, max_rounds);
                             });
}

std::vector<double> ToDouble(const std::vector<float>& v) { return {v.begin(), v.end()}; }

double Log1pOrNaN(double v) { return std::isnan(v) ? kNaN : std::log1p(std::max(0.0, v)); }

// A straight line of ln(1 + engagement) on ln(1 + followers), fitted on training rows:
// the followers-only baseline. Rows without followers get the training mean.
struct FollowersBaseline {
  double intercept = 0, slope = 0, mean = 0;
  double Predict(double followers) const {
    return std::isnan(followers) ? mean : intercept + slope * std::log1p(followers);
  }
};

FollowersBaseline FitFollowersBaseline(const PlepDataset& data, const std::vector<size_t>& rows) {
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, all = 0;
  for (size_t i : rows) {
    const PlepRow& r = data.rows()[i];
    all += r.log_engagement;
    if (std::isnan(r.followers)) continue;
    const double x = std::log1p(r.followers);
    n += 1;
    sx += x;
    sy += r.log_engagement;
    sxx += x * x;
    sxy += x * r.log_engagement;
  }
  FollowersBaseline b;
  b.mean = rows.empty() ? 0 : all / static_cast<double>(rows.size());
  const double var = n * sxx - sx * sx;
  if (n >= 2 && var > 0) {
    b.slope = (n * sxy - sx * sy) / var;
    b.intercept = (sy - b.slope * sx) / n;
  } else {
    b.intercept = b.mean;
  }
  return b;
}

// Everything evaluation reads about the scored rows, aligned.
struct Scored {
  std::vector<double> actual;       // ln(1 + e)
  std::vector<double> predicted;    // the model
  std::vector<double> followers_b;  // followers-only baseline
  std::vector<double> median_b;     // the creator's earlier median (NaN without history)
  std::vector<double> followers;
  std::vector<double> actual_comments, predicted_comments;  // ln(1 + c)
  std::vector<double> low, high;    // the range, engagement
};

double EngagementRateSpearman(const std::vector<double>& predicted_log,
                              const std::vector<double>& actual_log,
                              const std::vector<double>& followers,
                              const std::vector<size_t>& rows) {
  std::vector<double> p, a;
  for (size_t i : rows) {
    if (!(followers[i] > 0) || std::isnan(predicted_log[i])) continue;
    p.push_back(std::expm1(predicted_log[i]) / followers[i]);
    a.push_back(std::expm1(actual_log[i]) / followers[i]);
  }
  return metrics::Spearman(p, a);
}

std::vector<double> Pick(const std::vector<double>& v, const std::vector<size_t>& rows) {
  std::vector<double> out;
  out.reserve(rows.size());
  for (size_t i : rows) out.push_back(v[i]);
  return out;
}

json Round4(double v) {
  if (!std::isfinite(v)) return nullptr;
  return std::round(v * 1e4) / 1e4;
}

// The metrics of one block of scored rows (all test rows, one niche, one tier...).
json Block(const Scored& s, const std::vector<size_t>& rows) {
  const std::vector<double> actual = Pick(s.actual, rows);
  const std::vector<double> predicted = Pick(s.predicted, rows);
  const std::vector<double> followers_b = Pick(s.followers_b, rows);
  json block;
  block["posts"] = rows.size();
  block["model"] = {
      {"spearman", Round4(metrics::Spearman(predicted, actual))},
      {"mae", Round4(metrics::MeanAbsoluteError(predicted, actual))},
      {"engagement_rate_spearman",
       Round4(EngagementRateSpearman(s.predicted, s.actual, s.followers, rows))}};
  block["followers_only"] = {
      {"spearman", Round4(metrics::Spearman(followers_b, actual))},
      {"mae", Round4(metrics::MeanAbsoluteError(followers_b, actual))},
      {"engagement_rate_spearman",
       Round4(EngagementRateSpearman(s.followers_b, s.actual, s.followers, rows))}};
  if (!s.low.empty()) {
    int inside = 0;
    std::vector<double> width;
    for (size_t i : rows) {
      const double e = std::expm1(s.actual[i]);
      if (e >= s.low[i] && e <= s.high[i]) ++inside;
      width.push_back(std::log1p(s.high[i]) - std::log1p(s.low[i]));
    }
    block["range"] = {
        {"coverage", Round4(rows.empty() ? kNaN : inside / static_cast<double>(rows.size()))},
        {"median_log_width", Round4(metrics::Quantile(width, 0.5))}};
  }
  // The earlier-median baseline exists only for posts with earlier scored posts: it is
  // compared with the model on exactly those rows.
  std::vector<size_t> with_history;
  for (size_t i : rows) {
    if (!std::isnan(s.median_b[i])) with_history.push_back(i);
  }
  if (!with_history.empty()) {
    const std::vector<double> a = Pick(s.actual, with_history);
    const std::vector<double> m = Pick(s.median_b, with_history);
    const std::vector<double> p = Pick(s.predicted, with_history);
    block["with_history"] = {
        {"posts", with_history.size()},
        {"earlier_median", {{"spearman", Round4(metrics::Spearman(m, a))},
                            {"mae", Round4(metrics::MeanAbsoluteError(m, a))}}},
        {"model", {{"spearman", Round4(metrics::Spearman(p, a))},
                   {"mae", Round4(metrics::MeanAbsoluteError(p, a))}}}};
  }
  return block;
}

std::string VersionFor(UnixSeconds now) {
  std::string compact;
  for (char c : FormatIsoTime(now)) {
    if (c != '-' && c != ':') compact += c;
  }
  return "plep-" + compact;
}

std::string Fmt(const json& v) {
  return v.is_number() ? fmt::format("{:.3f}", v.get<double>()) : std::string("-");
}

std::string ReportLine(std::string_view name, const json& block) {
  return fmt::format("  {:<24} {:>6}  {:>8} {:>6} {:>8}   {:>8} {:>6} {:>8}{}\n", name,
                     block["posts"].get<size_t>(), Fmt(block["model"]["spearman"]),
                     Fmt(block["model"]["mae"]), Fmt(block["model"]["engagement_rate_spearman"]),
                     Fmt(block["followers_only"]["spearman"]), Fmt(block["followers_only"]["mae"]),
                     Fmt(block["followers_only"]["engagement_rate_spearman"]),
                     block.contains("range")
                         ? fmt::format("   {:>6}", Fmt(block["range"]["coverage"]))
                         : std::string());
}

}  // namespace

Result<TrainedPlep> TrainPlep(const PlepDataset& data, const PlepTrainOptions& options,
                              const ProgressFn& progress) {
  const auto started = std::chrono::steady_clock::now();
  // 1. The split, by creator.
  std::vector<size_t> train_rows, valid_rows, fit_rows, calib_rows, test_rows;
  std::set<std::string> creators[3];
  for (size_t i = 0; i < data.size(); ++i) {
    const std::string& key = data.rows()[i].creator_key;
    const Split split = SplitOf(key);
    creators[static_cast<int>(split)].insert(key);
    if (split == Split::kTrain) {
      train_rows.push_back(i);
    } else if (split == Split::kTest) {
      test_rows.push_back(i);
    } else {
      valid_rows.push_back(i);
      (SplitBucket(key) < kCalibrationFirstBucket ? fit_rows : calib_rows).push_back(i);
    }
  }
  const std::pair<const char*, size_t> sizes[] = {{"train", train_rows.size()},
                                                  {"validation (difficulty)", fit_rows.size()},
                                                  {"validation (calibration)", calib_rows.size()},
                                                  {"test", test_rows.size()}};
  for (const auto& [name, n] : sizes) {
    if (n < 20) {
      return InvalidArgument(fmt::format(
          "PLEP training: the {} split has {} posts; at least 20 are needed ({} posts in all)",
          name, n, data.size()));
    }
  }
  const Part train = Gather(data, train_rows);
  const Part valid = Gather(data, valid_rows);
  const Part fit = Gather(data, fit_rows);
  const Part calib = Gather(data, calib_rows);
  const Part test = Gather(data, test_rows);

  // 2. The engagement forest: the grid, each with early stopping on validation. The lowest
  // validation MAE wins, except that a smaller forest within kEqualAccuracy of it is
  // preferred (equal accuracy, cheaper explanations).
  const std::vector<Config> grid = Grid(options.grid);
  json grid_rows = json::array();
  std::vector<xgb::Booster> fitted;
  std::vector<double> grid_mae;
  std::vector<int64_t> grid_leaves;
  for (size_t g = 0; g < grid.size(); ++g) {
    const std::string stage = fmt::format("engagement {}/{}", g + 1, grid.size());
    SPHERE_ASSIGN_OR_RETURN(
        xgb::Booster booster,
        Fit(train, train.engagement, &valid, valid.engagement, ParamsOf(grid[g], options),
            options.max_rounds, options.early_stopping_rounds, stage, progress));
    SPHERE_ASSIGN_OR_RETURN(std::vector<float> p, booster.Predict(valid.x));
    const std::vector<double> pd = ToDouble(p), actual = ToDouble(valid.engagement);
    grid_mae.push_back(metrics::MeanAbsoluteError(pd, actual));
    grid_leaves.push_back(LeavesOf(booster));
    grid_rows.push_back({{"max_depth", grid[g].max_depth},
                         {"min_child_weight", grid[g].min_child_weight},
                         {"trees", booster.best_round() + 1},
                         {"leaves", grid_leaves.back()},
                         {"validation_mae", Round4(grid_mae.back())},
                         {"validation_spearman", Round4(metrics::Spearman(pd, actual))}});
    fitted.push_back(std::move(booster));
  }
  const double lowest_mae = *std::min_element(grid_mae.begin(), grid_mae.end());
  size_t chosen = 0;
  for (size_t g = 0; g < grid.size(); ++g) {
    const bool equal = grid_mae[g] <= lowest_mae * (1 + kEqualAccuracy);
    const bool chosen_equal = grid_mae[chosen] <= lowest_mae * (1 + kEqualAccuracy);
    if (equal && (!chosen_equal || grid_leaves[g] < grid_leaves[chosen])) chosen = g;
  }
  grid_rows[chosen]["chosen"] = true;
  const Config best_config = grid[chosen];
  std::optional<xgb::Booster> best = std::move(fitted[chosen]);
  fitted.clear();
  const Params params = ParamsOf(best_config, options);

  // 3. Comments, same configuration.
  SPHERE_ASSIGN_OR_RETURN(
      xgb::Booster comments,
      Fit(train, train.comments, &valid, valid.comments, params, options.max_rounds,
          options.early_stopping_rounds, "comments", progress));

  // 4. Difficulty: |residual| on validation part A, which the engagement forest never fit.
  SPHERE_ASSIGN_OR_RETURN(std::vector<float> fit_pred, best->Predict(fit.x));
  std::vector<float> fit_residual(fit_pred.size());
  for (size_t i = 0; i < fit_pred.size(); ++i) {
    fit_residual[i] = std::abs(fit.engagement[i] - fit_pred[i]);
  }
  Params difficulty_params = {{"objective", "reg:squarederror"},
                              {"tree_method", "hist"},
                              {"eta", "0.05"},
                              {"max_depth", "3"},
                              {"min_child_weight", "20"},
                              {"subsample", "0.8"},
                              {"seed", std::to_string(options.seed)},
                              {"nthread", std::to_string(options.threads)}};
  constexpr int kDifficultyRounds = 150;
  SPHERE_ASSIGN_OR_RETURN(xgb::Booster difficulty,
                          Fit(fit, fit_residual, nullptr, {}, difficulty_params,
                              kDifficultyRounds, 0, "difficulty", progress));
  SPHERE_ASSIGN_OR_RETURN(std::vector<float> fit_difficulty, difficulty.Predict(fit.x));
  // A floor keeps a confidently tiny difficulty from collapsing the range.
  const double floor =
      std::max(1e-3, metrics::Quantile(ToDouble(fit_difficulty), 0.05));

  // 5. Split-conformal calibration on validation part B.
  SPHERE_ASSIGN_OR_RETURN(std::vector<float> calib_pred, best->Predict(calib.x));
  SPHERE_ASSIGN_OR_RETURN(std::vector<float> calib_difficulty, difficulty.Predict(calib.x));
  std::vector<double> scores;
  for (size_t i = 0; i < calib_pred.size(); ++i) {
    scores.push_back(std::abs(calib.engagement[i] - calib_pred[i]) /
                     std::max<double>(floor, calib_difficulty[i]));
  }
  const double scale = metrics::ConformalQuantile(scores, options.range_level);
  if (!std::isfinite(scale)) {
    return InvalidArgument(fmt::format(
        "PLEP training: {} calibration posts cannot calibrate a {:.0f}% range", scores.size(),
        options.range_level * 100));
  }

  PlepModelParts parts;
  parts.version = VersionFor(options.now);
  SPHERE_ASSIGN_OR_RETURN(parts.engagement_json, best->SaveJson());
  SPHERE_ASSIGN_OR_RETURN(parts.comments_json, comments.SaveJson());
  SPHERE_ASSIGN_OR_RETURN(parts.difficulty_json, difficulty.SaveJson());
  parts.range_level = options.range_level;
  parts.range_scale = scale;
  parts.difficulty_floor = floor;
  json manifest = {{"kind", kModelKind},
                   {"version", parts.version},
                   {"feature_schema_version", features::kFeatureSchemaVersion},
                   {"feature_fingerprint", features::SchemaFingerprint(PlepFeatureNames())}};
  parts.manifest_json = manifest.dump();
  // Scored through the serving class itself, so the numbers are the served model's.
  SPHERE_ASSIGN_OR_RETURN(std::shared_ptr<const PlepModel> provisional, PlepModel::FromParts(parts));

  // 6. Test creators, once.
  if (progress) progress("evaluation", 0, static_cast<int64_t>(data.size()));
  const FollowersBaseline followers_baseline = FitFollowersBaseline(data, train_rows);
  Scored s;
  for (size_t i : test_rows) {
    const PlepRow& r = data.rows()[i];
    const PlepPrediction p = provisional->PredictRow(data.Row(i));
    s.actual.push_back(r.log_engagement);
    s.predicted.push_back(p.log_engagement);
    s.followers_b.push_back(followers_baseline.Predict(r.followers));
    s.median_b.push_back(Log1pOrNaN(r.earlier_median_engagement));
    s.followers.push_back(r.followers);
    s.actual_comments.push_back(r.log_comments);
    s.predicted_comments.push_back(std::log1p(p.comments));
    s.low.push_back(p.low);
    s.high.push_back(p.high);
  }
  std::vector<size_t> all(test_rows.size());
  for (size_t k = 0; k < all.size(); ++k) all[k] = k;
  json metrics;
  metrics["test"] = Block(s, all);
  metrics["test"]["comments"] = {
      {"spearman", Round4(metrics::Spearman(s.predicted_comments, s.actual_comments))},
      {"mae", Round4(metrics::MeanAbsoluteError(s.predicted_comments, s.actual_comments))}};
  // Calibration: test posts in ten bins of the prediction, each with its mean prediction,
  // mean outcome and range coverage.
  {
    std::vector<size_t> order(all);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return s.predicted[a] < s.predicted[b]; });
    json bins = json::array();
    for (int d = 0; d < 10; ++d) {
      const size_t from = order.size() * d / 10, to = order.size() * (d + 1) / 10;
      double predicted = 0, actual = 0;
      int inside = 0;
      for (size_t k = from; k < to; ++k) {
        const size_t i = order[k];
        predicted += s.predicted[i];
        actual += s.actual[i];
        const double e = std::expm1(s.actual[i]);
        inside += e >= s.low[i] && e <= s.high[i];
      }
      const double n = static_cast<double>(to - from);
      bins.push_back({{"posts", to - from},
                      {"mean_predicted", Round4(n > 0 ? predicted / n : kNaN)},
                      {"mean_actual", Round4(n > 0 ? actual / n : kNaN)},
                      {"coverage", Round4(n > 0 ? inside / n : kNaN)}});
    }
    metrics["test_by_predicted_decile"] = bins;
  }
  std::map<std::string, std::vector<size_t>> by_platform, by_niche, by_tier, by_history;
  for (size_t k = 0; k < test_rows.size(); ++k) {
    const PlepRow& r = data.rows()[test_rows[k]];
    by_platform[std::string(ToString(r.platform))].push_back(k);
    by_niche[r.niche.value_or("unknown")].push_back(k);
    by_tier[std::isnan(r.followers)
                ? std::string("unknown")
                : std::string(ToString(TierOf(static_cast<int64_t>(r.followers))))]
        .push_back(k);
    by_history[std::isnan(r.earlier_median_engagement) ? "no earlier posts" : "earlier posts"]
        .push_back(k);
  }
  for (const auto& [name, rows] : by_platform) metrics["by_platform"][name] = Block(s, rows);
  for (const auto& [name, rows] : by_niche) metrics["by_niche"][name] = Block(s, rows);
  for (const auto& [name, rows] : by_tier) metrics["by_tier"][name] = Block(s, rows);
  for (const auto& [name, rows] : by_history) metrics["by_history"][name] = Block(s, rows);

  // 7. Held out by creator AND time: the same configuration trained only on posts before
  // the cutoff, scored on test creators' posts from the cutoff on.
  std::vector<double> times;
  for (const PlepRow& r : data.rows()) {
    if (r.posted_at) times.push_back(static_cast<double>(*r.posted_at));
  }
  if (!times.empty()) {
    const auto cutoff = static_cast<UnixSeconds>(metrics::Quantile(times, 0.8));
    auto before = [&](const std::vector<size_t>& rows, bool want_before) {
      std::vector<size_t> out;
      for (size_t i : rows) {
        const auto& t = data.rows()[i].posted_at;
        if (t && ((*t < cutoff) == want_before)) out.push_back(i);
      }
      return out;
    };
    const std::vector<size_t> early_train = before(train_rows, true);
    const std::vector<size_t> early_valid = before(valid_rows, true);
    const std::vector<size_t> late_test = before(test_rows, false);
    if (early_train.size() >= 20 && early_valid.size() >= 20 && late_test.size() >= 20) {
      const Part et = Gather(data, early_train);
      const Part ev = Gather(data, early_valid);
      const Part lt = Gather(data, late_test);
      SPHERE_ASSIGN_OR_RETURN(
          xgb::Booster early,
          Fit(et, et.engagement, &ev, ev.engagement, params, options.max_rounds,
              options.early_stopping_rounds, "engagement before the cutoff", progress));
      SPHERE_ASSIGN_OR_RETURN(std::vector<float> p, early.Predict(lt.x));
      const FollowersBaseline fb = FitFollowersBaseline(data, early_train);
      Scored t;
      for (size_t k = 0; k < late_test.size(); ++k) {
        const PlepRow& r = data.rows()[late_test[k]];
        t.actual.push_back(r.log_engagement);
        t.predicted.push_back(p[k]);
        t.followers_b.push_back(fb.Predict(r.followers));
        t.median_b.push_back(Log1pOrNaN(r.earlier_median_engagement));
        t.followers.push_back(r.followers);
      }
      std::vector<size_t> late_all(late_test.size());
      for (size_t k = 0; k < late_all.size(); ++k) late_all[k] = k;
      metrics["test_after_cutoff"] = Block(t, late_all);
      metrics["test_after_cutoff"]["cutoff"] = FormatIsoTime(cutoff);
      metrics["test_after_cutoff"]["training_posts"] = early_train.size();
      metrics["test_after_cutoff"]["trees"] = early.best_round() + 1;
    }
  }

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  TrainedPlep trained;
  trained.data_sha256 = data.Sha256();
  manifest["created_at"] = FormatIsoTime(options.now);
  manifest["feature_names"] = PlepFeatureNames();
  manifest["data_sha256"] = trained.data_sha256;
  manifest["target"] = "ln(1 + likes + comments); comments: ln(1 + comments)";
  manifest["split"] =
      "by creator: FNV-1a 64 of platform/handle mod 100: [0,70) train, [70,78) validation A "
      "(difficulty forest), [78,85) validation B (range calibration), [85,100) test; early "
      "stopping and the grid read all of validation";
  manifest["data"] = {
      {"posts", data.size()},
      {"train_posts", train_rows.size()},
      {"validation_posts", valid_rows.size()},
      {"test_posts", test_rows.size()},
      {"train_creators", creators[0].size()},
      {"validation_creators", creators[1].size()},
      {"test_creators", creators[2].size()}};
  // Which formats each platform's training posts had: a what-if never offers a format the
  // model has not seen on that platform (Kim's Instagram posts hold no videos; every TikTok
  // post is one).
  json formats = json::object();
  for (size_t i : train_rows) {
    const PlepRow& r = data.rows()[i];
    json& n = formats[std::string(ToString(r.platform))][std::string(ToString(r.media_type))];
    n = n.is_number() ? n.get<int64_t>() + 1 : int64_t{1};
  }
  manifest["training_formats"] = formats;
  manifest["parameters"] = {
      {"engagement", ParamsJson(params)},
      {"engagement_trees", best->best_round() + 1},
      {"comments_trees", comments.best_round() + 1},
      {"difficulty", ParamsJson(difficulty_params)},
      {"difficulty_trees", kDifficultyRounds},
      {"max_rounds", options.max_rounds},
      {"early_stopping_rounds", options.early_stopping_rounds},
      {"grid", grid_rows},
      {"grid_rule", fmt::format("lowest validation MAE; a forest with fewer leaves within {:.1f}% "
                                "of it is preferred (equal accuracy, cheaper contributions)",
                                kEqualAccuracy * 100)}};
  manifest["range"] = {{"level", options.range_level},
                       {"scale", scale},
                       {"difficulty_floor", floor},
                       {"calibration_posts", calib_rows.size()},
                       {"method",
                        "split-conformal on |residual| / difficulty, validation part B; range = "
                        "prediction ± scale × max(floor, difficulty) in log space"}};
  manifest["training_seconds"] = Round4(seconds);
  manifest["metrics"] = metrics;
  parts.manifest_json = manifest.dump(2) + "\n";
  SPHERE_ASSIGN_OR_RETURN(trained.model, PlepModel::FromParts(std::move(parts)));
  trained.metrics_json = metrics.dump();

  std::string& report = trained.report;
  report += fmt::format(
      "held-out creators (test): {} posts of {} creators; trained on {} posts of {} creators\n",
      test_rows.size(), creators[2].size(), train_rows.size(), creators[0].size());
  report += fmt::format("  {:<24} {:>6}  {:>8} {:>6} {:>8}   {:>8} {:>6} {:>8}   {:>6}\n", "",
                        "posts", "spearman", "mae", "er_rho", "fol.rho", "fol.mae", "fol.er",
                        "cover");
  report += ReportLine("all test posts", metrics["test"]);
  for (const auto& [name, block] : metrics["by_platform"].items()) {
    report += ReportLine("platform " + name, block);
  }
  for (const auto& [name, block] : metrics["by_history"].items()) report += ReportLine(name, block);
  for (const auto& [name, block] : metrics["by_tier"].items()) {
    report += ReportLine("tier " + name, block);
  }
  if (metrics["test"].contains("with_history")) {
    const json& h = metrics["test"]["with_history"];
    report += fmt::format(
        "  posts with earlier posts ({}): model spearman {} mae {}; earlier median spearman {} "
        "mae {}\n",
        h["posts"].get<size_t>(), Fmt(h["model"]["spearman"]), Fmt(h["model"]["mae"]),
        Fmt(h["earlier_median"]["spearman"]), Fmt(h["earlier_median"]["mae"]));
  }
  if (metrics.contains("test_after_cutoff")) {
    const json& t = metrics["test_after_cutoff"];
    report += fmt::format(
        "held out by creator and time (trained before {}, {} test posts after): spearman {} "
        "(followers {}), mae {}, er_rho {}\n",
        t["cutoff"].get<std::string>(), t["posts"].get<size_t>(), Fmt(t["model"]["spearman"]),
        Fmt(t["followers_only"]["spearman"]), Fmt(t["model"]["mae"]),
        Fmt(t["model"]["engagement_rate_spearman"]));
  }
  report += fmt::format(
      "comments: spearman {} mae {}; {:.0f}% range: coverage {} on test creators (scale {:.3f}); "
      "{} engagement trees (depth {}, min_child_weight {})\n",
      Fmt(metrics["test"]["comments"]["spearman"]), Fmt(metrics["test"]["comments"]["mae"]),
      options.range_level * 100, Fmt(metrics["test"]["range"]["coverage"]), scale,
      best->best_round() + 1, best_config.max_depth, best_config.min_child_weight);
  return trained;
}

}  // namespace sphere::plep
