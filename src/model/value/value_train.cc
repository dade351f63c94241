#include "model/value/value_train.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "core/time.h"
#include "model/metrics/regression_metrics.h"
#include "model/xgboost/xgboost_model.h"

namespace sphere::value {
namespace {

using json = nlohmann::json;
using Params = std::vector<std::pair<std::string, std::string>>;

constexpr int kMinTrainRows = 50;
constexpr int kMinValidRows = 10;
constexpr size_t kMinCalibration = 30;
constexpr UnixSeconds kDay = kSecondsPerDay;

Params ParamsOf(const ValueTrainOptions& o) {
  return {{"objective", "reg:pseudohubererror"},
          {"huber_slope", "0.5"},
          {"eval_metric", "mae"},
          {"tree_method", "hist"},
          {"eta", "0.05"},
          {"max_depth", "3"},
          {"min_child_weight", "30"},
          {"subsample", "0.8"},
          {"colsample_bytree", "0.8"},
          {"lambda", "1"},
          {"seed", std::to_string(o.seed)},
          {"nthread", std::to_string(o.threads)}};
}

// An example under one set of priors: its row and bases.
struct Prepared {
  std::vector<float> x;
  Bases bases;
};

Prepared Prepare(const ValueDataset& data, const ValueExample& e, const Priors& priors) {
  const CreatorHistory& h = data.histories[e.history];
  Prepared p;
  p.bases = BasesOf(h.platform, h.niche, e.summary, priors);
  p.x = ValueFeatures(h.platform, h.niche, e.summary, e.horizon_days, priors).ValuesAsFloat();
  return p;
}

// The residual the target's forest learns; nullopt when the example cannot teach it.
std::optional<double> Label(Target t, const ValueExample& e, const Bases& b) {
  switch (t) {
    case Target::kEngagement:
      if (!e.engagement || !b.log_engagement) return std::nullopt;
      return std::log1p(*e.engagement) - *b.log_engagement;
    case Target::kViews:
      if (!e.views || !b.log_views) return std::nullopt;
      return std::log1p(*e.views) - *b.log_views;
    case Target::kFollowers:
      if (!e.daily_gain || (!e.summary.daily_gain && !e.summary.followers)) return std::nullopt;
      return Slog(*e.daily_gain) - b.slog_daily_gain;
  }
  return std::nullopt;
}

std::string_view BasisOf(Target t, const ValueExample& e, const Bases& b) {
  switch (t) {
    case Target::kEngagement: return EngagementBasis(e.summary, b);
    case Target::kViews: return ViewsBasis(e.summary, b);
    case Target::kFollowers: return GainBasis(e.summary);
  }
  return "";
}

// One forecast next to what happened and the naive baselines, in natural units (per post;
// followers gained over the horizon).
struct Outcome {
  size_t history = 0;  // the creator, for the cluster bootstrap
  double actual = 0, model = 0;
  std::optional<double> last, niche;
  double abs_residual = 0;  // in the forest's label space
  std::string basis;
};

Outcome OutcomeOf(Target t, const ValueExample& e, const Bases& b, double residual_pred,
                  double label) {
  Outcome o;
  o.history = e.history;
  o.abs_residual = std::fabs(label - residual_pred);
  o.basis = std::string(BasisOf(t, e, b));
  switch (t) {
    case Target::kEngagement:
      o.actual = *e.engagement;
      o.model = std::expm1(*b.log_engagement + residual_pred);
      o.last = b.last_engagement;
      o.niche = b.niche_rate_engagement;
      break;
    case Target::kViews:
      o.actual = *e.views;
      o.model = std::expm1(*b.log_views + residual_pred);
      o.last = b.last_views;
      o.niche = b.niche_rate_views;
      break;
    case Target::kFollowers: {
      const double h = e.horizon_days;
      o.actual = *e.daily_gain * h;
      o.model = Unslog(b.slog_daily_gain + residual_pred) * h;
      o.last = b.last_daily_gain * h;
      if (b.niche_rate_daily_gain) o.niche = *b.niche_rate_daily_gain * h;
      break;
    }
  }
  return o;
}

struct Scores {
  int64_t n = 0;
  double mape = NAN, mdape = NAN, spearman = NAN;
};

// APE is over rows with a non-zero actual (|actual| >= 1 for follower gains, > 0 for levels).
Scores Score(const std::vector<double>& predicted, const std::vector<double>& actual) {
  Scores s;
  s.n = static_cast<int64_t>(actual.size());
  if (actual.empty()) return s;
  std::vector<double> ape;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (std::fabs(actual[i]) >= 1) ape.push_back(std::fabs(predicted[i] - actual[i]) / std::fabs(actual[i]));
  }
  if (!ape.empty()) {
    double sum = 0;
    for (double a : ape) sum += a;
    s.mape = sum / ape.size();
    s.mdape = metrics::Quantile(ape, 0.5);
  }
  if (actual.size() >= 3) s.spearman = metrics::Spearman(predicted, actual);
  return s;
}

json Num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json ScoresJson(const Scores& s) {
  return {{"n", s.n}, {"mape", Num(s.mape)}, {"mdape", Num(s.mdape)},
          {"spearman", Num(s.spearman)}};
}

// The model next to one baseline, on the rows where that baseline exists.
struct Comparison {
  Scores model, baseline;
};

Comparison Compare(const std::vector<Outcome>& outcomes, bool niche) {
  std::vector<double> actual, model, base;
  for (const Outcome& o : outcomes) {
    const std::optional<double>& b = niche ? o.niche : o.last;
    if (!b) continue;
    actual.push_back(o.actual);
    model.push_back(o.model);
    base.push_back(*b);
  }
  return {Score(model, actual), Score(base, actual)};
}

Scores ScoreAll(const std::vector<Outcome>& outcomes) {
  std::vector<double> actual, model;
  for (const Outcome& o : outcomes) {
    actual.push_back(o.actual);
    model.push_back(o.model);
  }
  return Score(model, actual);
}

// How sure the model-minus-last-value differences are: a paired bootstrap that resamples
// CREATORS (their rows move together: a creator's weekly forecasts are not independent), 400
// times, deterministic (splitmix64 from the seed). 95% percentile intervals of the difference
// in MAPE, MdAPE and Spearman on rows with a last value.
struct DifferenceIntervals {
  std::array<double, 2> mape{NAN, NAN}, mdape{NAN, NAN}, spearman{NAN, NAN};
};

DifferenceIntervals BootstrapVsLast(const std::vector<Outcome>& outcomes, uint64_t seed) {
  constexpr int kResamples = 400;
  std::map<size_t, std::vector<const Outcome*>> by_creator;
  for (const Outcome& o : outcomes) {
    if (o.last) by_creator[o.history].push_back(&o);
  }
  std::vector<const std::vector<const Outcome*>*> creators;
  for (const auto& [h, rows] : by_creator) creators.push_back(&rows);
  DifferenceIntervals out;
  if (creators.size() < 10) return out;
  uint64_t state = seed * 0x9E3779B97F4A7C15ULL + 1;
  auto next = [&state] {  // splitmix64
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  std::vector<double> d_mape, d_mdape, d_rho;
  for (int b = 0; b < kResamples; ++b) {
    std::vector<double> actual, model, last;
    for (size_t k = 0; k < creators.size(); ++k) {
      for (const Outcome* o : *creators[next() % creators.size()]) {
        actual.push_back(o->actual);
        model.push_back(o->model);
        last.push_back(*o->last);
      }
    }
    const Scores m = Score(model, actual), l = Score(last, actual);
    if (std::isfinite(m.mape) && std::isfinite(l.mape)) d_mape.push_back(m.mape - l.mape);
    if (std::isfinite(m.mdape) && std::isfinite(l.mdape)) d_mdape.push_back(m.mdape - l.mdape);
    if (std::isfinite(m.spearman) && std::isfinite(l.spearman)) {
      d_rho.push_back(m.spearman - l.spearman);
    }
  }
  auto interval = [](std::vector<double> v) -> std::array<double, 2> {
    if (v.size() < kResamples / 2) return {NAN, NAN};
    return {metrics::Quantile(v, 0.025), metrics::Quantile(v, 0.975)};
  };
  out.mape = interval(d_mape);
  out.mdape = interval(d_mdape);
  out.spearman = interval(d_rho);
  return out;
}

struct Fold {
  Family family;
  UnixSeconds origin = 0, end = 0;
};

std::vector<Fold> FoldsOf(const ValueDataset& data) {
  std::map<Family, std::vector<UnixSeconds>> as_of;
  for (const ValueExample& e : data.examples) as_of[e.family].push_back(e.as_of);
  std::vector<Fold> folds;
  for (auto& [family, times] : as_of) {
    std::sort(times.begin(), times.end());
    const UnixSeconds last = times.back() + 1;
    if (family == Family::kSnapshots) {
      // Each later snapshot month is an origin.
      times.erase(std::unique(times.begin(), times.end()), times.end());
      for (size_t k = 1; k < times.size(); ++k) {
        folds.push_back({family, times[k], k + 1 < times.size() ? times[k + 1] : last});
      }
      continue;
    }
    // Weekly: from the median as-of, every 12 weeks; posts: from the 70th percentile, every
    // quarter (most of Kim's posts are recent, so earlier origins would test a handful).
    const double from = family == Family::kWeekly ? 0.5 : 0.7;
    const UnixSeconds step = family == Family::kWeekly ? 84 * kDay : 91 * kDay;
    UnixSeconds origin = times[static_cast<size_t>(from * (times.size() - 1))];
    while (origin < last) {
      folds.push_back({family, origin, std::min(last, origin + step)});
      origin += step;
    }
  }
  return folds;
}

// The priors from one summary per training creator: its latest eligible example.
Priors FitPriors(const ValueDataset& data, const std::vector<size_t>& eligible) {
  std::map<size_t, size_t> latest;  // history -> example
  for (size_t i : eligible) {
    const ValueExample& e = data.examples[i];
    auto [it, inserted] = latest.emplace(e.history, i);
    if (!inserted && data.examples[it->second].as_of < e.as_of) it->second = i;
  }
  PriorsBuilder builder;
  for (const auto& [history, i] : latest) {
    const CreatorHistory& h = data.histories[history];
    const ValueExample& e = data.examples[i];
    builder.Add(h.platform, h.niche, e.summary, e.daily_gain);
  }
  return builder.Build();
}

struct Matrix {
  xgb::DenseMatrix x;
  std::vector<float> y;
  std::vector<size_t> index;
  std::vector<Bases> bases;
  std::vector<double> labels;
};

Matrix Gather(const ValueDataset& data, const std::vector<size_t>& candidates, Target t,
              const Priors& priors) {
  Matrix m;
  m.x.cols = ValueFeatureNames().size();
  for (size_t i : candidates) {
    const ValueExample& e = data.examples[i];
    Prepared p = Prepare(data, e, priors);
    const std::optional<double> label = Label(t, e, p.bases);
    if (!label || !std::isfinite(*label)) continue;
    m.x.values.insert(m.x.values.end(), p.x.begin(), p.x.end());
    m.y.push_back(static_cast<float>(*label));
    m.labels.push_back(*label);
    m.index.push_back(i);
    m.bases.push_back(std::move(p.bases));
  }
  m.x.rows = m.index.size();
  return m;
}

// Removes each period's common move from training labels of the monthly and weekly series:
// the label minus the median label of the examples of the same family, platform and target
// date (groups of at least kMinPeriodGroup). Monthly lists move together (smi2022 Instagram
// engagement fell 17% from March to June 2022 across the board, then held), and a forest that
// learns one period's shift applies it to the next, where it does not recur. A market-wide
// move of the coming period is in nobody's history, so the forests learn how a creator moves
// RELATIVE to their platform, and the forecast assumes no market-wide move (as the last value
// does). Next posts are left alone: their drift (Instagram's growth over 2012-2019) persists.
constexpr size_t kMinPeriodGroup = 20;

void CenterPeriods(const ValueDataset& data, Matrix& m) {
  std::map<std::tuple<Family, Platform, UnixSeconds>, std::vector<size_t>> groups;
  for (size_t r = 0; r < m.index.size(); ++r) {
    const ValueExample& e = data.examples[m.index[r]];
    if (e.family == Family::kPosts) continue;
    groups[{e.family, data.histories[e.history].platform, e.target_end}].push_back(r);
  }
  for (const auto& [key, rows] : groups) {
    if (rows.size() < kMinPeriodGroup) continue;
    std::vector<double> labels;
    for (size_t r : rows) labels.push_back(m.labels[r]);
    const double median = metrics::Quantile(labels, 0.5);
    for (size_t r : rows) m.y[r] = static_cast<float>(m.labels[r] - median);
  }
}

Result<xgb::Booster> Fit(const Matrix& train, const Matrix& valid, const ValueTrainOptions& o) {
  xgb::TrainOptions options;
  options.params = ParamsOf(o);
  options.max_rounds = o.max_rounds;
  options.early_stopping_rounds = o.early_stopping_rounds;
  return xgb::Booster::Train(train.x, train.y, &valid.x, valid.y, options);
}

// Key for pooled outcomes.
std::string PoolKey(Family f, Target t) {
  return std::string(ToString(f)) + "/" + std::string(ToString(t));
}

std::string Pct(double v) { return std::isfinite(v) ? fmt::format("{:.1f}%", 100 * v) : "–"; }
std::string Rho(double v) { return std::isfinite(v) ? fmt::format("{:.3f}", v) : "–"; }

std::string VersionOf(UnixSeconds now) {
  std::string t = FormatIsoTime(now);  // 2026-11-26T03:00:00Z
  std::string compact;
  for (char c : t) {
    if (c != '-' && c != ':') compact += c;
  }
  return "value-" + compact;
}

}  // namespace

Result<TrainedValue> TrainValue(const ValueDataset& data, const ValueTrainOptions& options,
                                const ProgressFn& progress) {
  const std::vector<Fold> folds = FoldsOf(data);
  std::map<std::string, std::vector<Outcome>> test_outcomes;   // family/target
  std::map<std::string, std::vector<double>> calibration;      // target[/basis]
  json fold_json = json::array();
  int64_t done = 0;
  const int64_t total_steps = static_cast<int64_t>(folds.size()) + 1;

  for (const Fold& fold : folds) {
    if (progress) progress("backtest", done, total_steps);
    std::vector<size_t> seen, eval;
    for (size_t i = 0; i < data.examples.size(); ++i) {
      const ValueExample& e = data.examples[i];
      // The fold trains the forest of its own family (value_model.h says why).
      if (e.target_end <= fold.origin && e.split != Split::kTest && e.family == fold.family) {
        seen.push_back(i);
      }
      if (e.family == fold.family && e.as_of >= fold.origin && e.as_of < fold.end &&
          e.split != Split::kTrain) {
        eval.push_back(i);
      }
    }
    std::vector<size_t> fit_rows, stop_rows, prior_rows;
    for (size_t i : seen) {
      (data.examples[i].split == Split::kTrain ? fit_rows : stop_rows).push_back(i);
    }
    const Priors priors = FitPriors(data, fit_rows);
    for (Target t : kTargets) {
      Matrix train = Gather(data, fit_rows, t, priors);
      Matrix valid = Gather(data, stop_rows, t, priors);
      CenterPeriods(data, train);
      CenterPeriods(data, valid);
      Matrix test = Gather(data, eval, t, priors);
      if (test.index.empty()) continue;
      json row = {{"family", ToString(fold.family)}, {"target", ToString(t)},
                  {"origin", FormatIsoTime(fold.origin)}, {"end", FormatIsoTime(fold.end)},
                  {"train_rows", train.index.size()}, {"valid_rows", valid.index.size()}};
      if (static_cast<int>(train.index.size()) < kMinTrainRows ||
          static_cast<int>(valid.index.size()) < kMinValidRows) {
        row["skipped"] = "too few rows seen before the origin";
        fold_json.push_back(std::move(row));
        continue;
      }
      SPHERE_ASSIGN_OR_RETURN(xgb::Booster booster, Fit(train, valid, options));
      SPHERE_ASSIGN_OR_RETURN(std::vector<float> pred, booster.Predict(test.x));
      std::vector<Outcome> fold_test;
      for (size_t r = 0; r < test.index.size(); ++r) {
        const ValueExample& e = data.examples[test.index[r]];
        Outcome o = OutcomeOf(t, e, test.bases[r], pred[r], test.labels[r]);
        if (e.split == Split::kValidation) {
          calibration[std::string(ToString(t))].push_back(o.abs_residual);
          calibration[std::string(ToString(t)) + "/" + o.basis].push_back(o.abs_residual);
        } else {
          fold_test.push_back(o);
          test_outcomes[PoolKey(fold.family, t)].push_back(o);
        }
      }
      const Comparison vs_last = Compare(fold_test, false);
      row["trees"] = booster.best_round() + 1;
      row["test"] = {{"model", ScoresJson(vs_last.model)}, {"last_value", ScoresJson(vs_last.baseline)}};
      fold_json.push_back(std::move(row));
    }
    ++done;
  }

  // The shipped forests: all training creators at all times.
  if (progress) progress("final", done, total_steps);
  std::vector<size_t> fit_rows, stop_rows, test_rows;
  for (size_t i = 0; i < data.examples.size(); ++i) {
    switch (data.examples[i].split) {
      case Split::kTrain: fit_rows.push_back(i); break;
      case Split::kValidation: stop_rows.push_back(i); break;
      case Split::kTest: test_rows.push_back(i); break;
    }
  }
  const Priors priors = FitPriors(data, fit_rows);
  ValueModelParts parts;
  parts.version = VersionOf(options.now);
  parts.priors = priors;
  parts.range_level = options.range_level;
  const Params params = ParamsOf(options);
  json final_json = json::object();
  std::map<std::string, std::vector<Outcome>> held_out;  // family/target, final forests
  std::map<std::string, std::vector<double>> stop_residuals;
  auto of_family = [&](const std::vector<size_t>& rows, Family f) {
    std::vector<size_t> out;
    for (size_t i : rows) {
      if (data.examples[i].family == f) out.push_back(i);
    }
    return out;
  };
  std::set<Target> trained_targets;
  for (Target t : kTargets) {
    for (Family family : kFamilies) {
      const std::string name = ForestName(t, family);
      Matrix train = Gather(data, of_family(fit_rows, family), t, priors);
      Matrix valid = Gather(data, of_family(stop_rows, family), t, priors);
      if (train.index.empty() && valid.index.empty()) continue;
      CenterPeriods(data, train);
      CenterPeriods(data, valid);
      if (static_cast<int>(train.index.size()) < kMinTrainRows ||
          static_cast<int>(valid.index.size()) < kMinValidRows) {
        final_json[name] = {{"skipped", "too few examples"},
                            {"train_rows", train.index.size()},
                            {"valid_rows", valid.index.size()}};
        continue;
      }
      SPHERE_ASSIGN_OR_RETURN(xgb::Booster booster, Fit(train, valid, options));
      std::string& forest_json = parts.forests_json[std::make_pair(t, family)];
      SPHERE_ASSIGN_OR_RETURN(forest_json, booster.SaveJson());
      trained_targets.insert(t);
      SPHERE_ASSIGN_OR_RETURN(std::vector<float> valid_pred, booster.Predict(valid.x));
      for (size_t r = 0; r < valid.index.size(); ++r) {
        stop_residuals[std::string(ToString(t))].push_back(
            std::fabs(valid.labels[r] - valid_pred[r]));
      }
      Matrix test = Gather(data, of_family(test_rows, family), t, priors);
      if (!test.index.empty()) {
        SPHERE_ASSIGN_OR_RETURN(std::vector<float> pred, booster.Predict(test.x));
        for (size_t r = 0; r < test.index.size(); ++r) {
          const ValueExample& e = data.examples[test.index[r]];
          held_out[PoolKey(e.family, t)].push_back(
              OutcomeOf(t, e, test.bases[r], pred[r], test.labels[r]));
        }
      }
      final_json[name] = {{"train_rows", train.index.size()},
                          {"valid_rows", valid.index.size()},
                          {"test_rows", test.index.size()},
                          {"trees", booster.best_round() + 1}};
    }
  }
  if (!trained_targets.count(Target::kEngagement)) {
    return InvalidArgument(fmt::format(
        "Market Value training needs at least {} training and {} validation engagement "
        "examples of one series family; the store has too few (see the families in "
        "docs/market-value.md)",
        kMinTrainRows, kMinValidRows));
  }

  // The range: conformal quantiles of the backtest's out-of-sample residuals of validation
  // creators; a target the backtest could not calibrate falls back to the shipped forest's
  // validation residuals (early stopping saw them: optimistic, and the manifest says so).
  json range_source = json::object();
  for (Target target : trained_targets) {
    const std::string name(ToString(target));
    for (const auto& [key, scores] : calibration) {
      if ((key == name || key.rfind(name + "/", 0) == 0) && scores.size() >= kMinCalibration) {
        parts.range_quantile[key] = metrics::ConformalQuantile(scores, options.range_level);
      }
    }
    if (parts.range_quantile.count(name)) {
      range_source[name] = "backtest";
    } else {
      parts.range_quantile[name] =
          metrics::ConformalQuantile(stop_residuals[name], options.range_level);
      range_source[name] = "validation";
    }
  }

  // Coverage of the range on the backtest's test creators.
  auto covered = [&](Target t, const Outcome& o) {
    const std::string name(ToString(t));
    auto it = parts.range_quantile.find(name + "/" + o.basis);
    const double q = it != parts.range_quantile.end() ? it->second : parts.range_quantile[name];
    return o.abs_residual <= q;
  };

  json backtest = json::array();
  json held_out_json = json::array();
  std::string report;
  std::string intervals_table;
  report += "### Backtest: rolling origins, held out by creator and by time\n\n";
  report += "Model and last value on the rows where a last value exists; followers x niche "
            "rate on the rows where a follower count exists. Follower gain is over each "
            "example's horizon.\n\n";
  report += "| series | forecast | folds | rows | model MAPE | model MdAPE | model Spearman | "
            "last value MAPE | MdAPE | Spearman | rows w/ followers | model MdAPE | followers x "
            "niche rate MAPE | MdAPE | Spearman | 80% range coverage |\n";
  report += "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (Family f : kFamilies) {
    for (Target t : kTargets) {
      const auto it = test_outcomes.find(PoolKey(f, t));
      if (it == test_outcomes.end() || !trained_targets.count(t)) continue;
      const std::vector<Outcome>& out = it->second;
      const Comparison last = Compare(out, false);
      const Comparison niche = Compare(out, true);
      int64_t hits = 0;
      for (const Outcome& o : out) hits += covered(t, o);
      const double coverage = out.empty() ? NAN : static_cast<double>(hits) / out.size();
      int folds_used = 0;
      for (const json& fj : fold_json) {
        folds_used += fj["family"] == ToString(f) && fj["target"] == ToString(t) &&
                      !fj.contains("skipped");
      }
      backtest.push_back({{"family", ToString(f)},
                          {"target", ToString(t)},
                          {"folds", folds_used},
                          {"model_all", ScoresJson(ScoreAll(out))},
                          {"vs_last_value", {{"model", ScoresJson(last.model)},
                                             {"last_value", ScoresJson(last.baseline)}}},
                          {"vs_niche_rate", {{"model", ScoresJson(niche.model)},
                                             {"niche_rate", ScoresJson(niche.baseline)}}},
                          {"coverage", Num(coverage)}});
      const DifferenceIntervals ci = BootstrapVsLast(out, static_cast<uint64_t>(options.seed));
      auto pair = [](const std::array<double, 2>& a) { return json::array({Num(a[0]), Num(a[1])}); };
      backtest.back()["model_minus_last_value_95"] = {
          {"mape", pair(ci.mape)}, {"mdape", pair(ci.mdape)}, {"spearman", pair(ci.spearman)}};
      auto pct_ci = [](const std::array<double, 2>& a) {
        return std::isfinite(a[0]) ? fmt::format("{:+.1f} .. {:+.1f} pts", 100 * a[0], 100 * a[1])
                                   : std::string("–");
      };
      intervals_table += fmt::format(
          "| {} | {} | {} | {} | {} |\n", ToString(f), ToString(t), pct_ci(ci.mape),
          pct_ci(ci.mdape),
          std::isfinite(ci.spearman[0])
              ? fmt::format("{:+.3f} .. {:+.3f}", ci.spearman[0], ci.spearman[1])
              : std::string("–"));
      report += fmt::format(
          "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
          ToString(f), ToString(t), folds_used, last.model.n, Pct(last.model.mape),
          Pct(last.model.mdape), Rho(last.model.spearman), Pct(last.baseline.mape),
          Pct(last.baseline.mdape), Rho(last.baseline.spearman), niche.model.n,
          Pct(niche.model.mdape), Pct(niche.baseline.mape), Pct(niche.baseline.mdape),
          Rho(niche.baseline.spearman), Pct(coverage));
    }
  }
  report += "\nModel minus last value, 95% interval of a paired bootstrap over creators (400 "
            "resamples; negative MAPE/MdAPE and positive Spearman favour the model; an "
            "interval across 0 is no measurable difference):\n\n"
            "| series | forecast | MAPE | MdAPE | Spearman |\n|---|---|---:|---:|---:|\n" +
            intervals_table;
  report += "\n### Shipped forests on held-out creators (all times)\n\n";
  report += "| series | forecast | rows | model MAPE | MdAPE | Spearman | last value MAPE | MdAPE | "
            "Spearman |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& [key, out] : held_out) {
    const Comparison last = Compare(out, false);
    held_out_json.push_back({{"series", key},
                             {"model", ScoresJson(last.model)},
                             {"last_value", ScoresJson(last.baseline)}});
    report += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", key, last.model.n,
                          Pct(last.model.mape), Pct(last.model.mdape), Rho(last.model.spearman),
                          Pct(last.baseline.mape), Pct(last.baseline.mdape),
                          Rho(last.baseline.spearman));
  }

  std::map<std::string, int64_t> examples_by_family;
  for (const ValueExample& e : data.examples) examples_by_family[std::string(ToString(e.family))]++;

  TrainedValue trained;
  trained.data_sha256 = data.Sha256();
  json range_json = {{"level", options.range_level}, {"quantile", parts.range_quantile},
                     {"source", range_source}};
  json forests = json::array();
  for (const auto& [key, text] : parts.forests_json) {
    forests.push_back(ForestName(key.first, key.second));
  }
  json metrics = {{"backtest", backtest}, {"folds", fold_json}, {"held_out_creators", held_out_json},
                  {"final", final_json}};
  json manifest = {
      {"kind", kValueModelKind},
      {"version", parts.version},
      {"created_at", FormatIsoTime(options.now)},
      {"feature_schema_version", kValueFeatureSchemaVersion},
      {"feature_fingerprint", features::SchemaFingerprint(ValueFeatureNames())},
      {"feature_names", ValueFeatureNames()},
      {"data_sha256", trained.data_sha256},
      {"histories", data.histories.size()},
      {"examples", examples_by_family},
      {"params", [&] {
         json p = json::object();
         for (const auto& [k, v] : params) p[k] = v;
         p["max_rounds"] = options.max_rounds;
         p["early_stopping_rounds"] = options.early_stopping_rounds;
         return p;
       }()},
      {"forests", forests},
      {"priors", priors.ToJson()},
      {"range", range_json},
      {"metrics", metrics},
  };
  parts.manifest_json = manifest.dump(2);
  trained.metrics_json = metrics.dump();
  trained.report = std::move(report);
  SPHERE_ASSIGN_OR_RETURN(trained.model, ValueModel::FromParts(std::move(parts)));
  if (progress) progress("final", total_steps, total_steps);
  return trained;
}

}  // namespace sphere::value
