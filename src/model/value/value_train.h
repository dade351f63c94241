// Trains and backtests the Market Value forecaster (sphere train value).
//
// Backtest: rolling origins per series family (value_dataset.h). At an origin T a fold trains
// on examples whose target was observed by T (training creators; validation creators for early
// stopping and the fold's priors from training creators only) and forecasts the family's
// examples whose as-of falls in [T, next origin): test creators are scored, validation
// creators' residuals calibrate the 80% range (split-conformal, per target and basis). So every
// backtest figure is held out by creator AND by time. Next to the model, two naive baselines
// on the same rows: the last value (the last level; for follower gain, the last gain rate, or
// no change) and followers x the niche's median rate. MAPE, median APE and Spearman.
// The shipped forests are then fitted on all training creators at all times (validation
// creators stop them) and scored once on test creators as a second, creator-only hold-out.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "model/value/value_dataset.h"
#include "model/value/value_model.h"

namespace sphere::value {

struct ValueTrainOptions {
  int seed = 1;
  int threads = 1;  // XGBoost's; results do not depend on it
  int max_rounds = 2000;
  int early_stopping_rounds = 50;
  double range_level = 0.8;
  UnixSeconds now = 0;  // created_at and the version
};

using ProgressFn = std::function<void(std::string_view stage, int64_t done, int64_t total)>;

struct TrainedValue {
  std::shared_ptr<const ValueModel> model;
  std::string data_sha256;
  std::string metrics_json;
  std::string report;  // markdown: the backtest report (docs/market-value.md quotes it)
};

// InvalidArgument when there are too few engagement examples to train and stop.
Result<TrainedValue> TrainValue(const ValueDataset& data, const ValueTrainOptions& options,
                                const ProgressFn& progress = {});

}  // namespace sphere::value
