// Trains and evaluates a PLEP model (sphere train plep).
//
// Split by creator (core/split.h: 70% train, 15% validation, 15% test). Validation is cut
// in two by the same hash: part A fits the difficulty forest on the engagement forest's
// out-of-sample residuals, part B calibrates the range (split-conformal); early stopping
// and the hyper-parameter choice read all of validation. Test creators are scored once,
// next to two naive baselines (followers only; the creator's earlier median). A second
// model, trained only on posts before a cutoff date, is scored on test creators' posts
// after it: held out by creator AND by time. Everything lands in the manifest.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time.h"
#include "model/plep/plep_dataset.h"
#include "model/plep/plep_model.h"

namespace sphere::plep {

struct PlepTrainOptions {
  int seed = 1;
  int threads = 1;            // XGBoost's; results do not depend on it
  std::string grid = "full";  // "small": one configuration (tests, smoke runs)
  int max_rounds = 3000;
  int early_stopping_rounds = 100;
  double range_level = 0.8;
  UnixSeconds now = 0;  // created_at and the version
};

// (stage, done, total): "grid 2/6" rounds, "comments" rounds, ...
using ProgressFn = std::function<void(std::string_view stage, int64_t done, int64_t total)>;

struct TrainedPlep {
  std::shared_ptr<const PlepModel> model;  // its manifest holds the metrics
  std::string data_sha256;
  std::string metrics_json;
  std::string report;  // the metrics for people (the CLI prints it)
};

// InvalidArgument when a split has too few rows to train, stop or calibrate.
Result<TrainedPlep> TrainPlep(const PlepDataset& data, const PlepTrainOptions& options,
                              const ProgressFn& progress = {});

}  // namespace sphere::plep
