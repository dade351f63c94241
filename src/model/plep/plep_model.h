// A trained PLEP model, ready to score: what one post will earn (likes, comments,
// engagement), an 80% range, and the exact per-feature contributions behind the number.
//
// Three gradient-boosted forests read the same PLEP vector (plep_features.h):
//   engagement  ln(1 + likes + comments): the prediction and its contributions;
//   comments    ln(1 + comments): splits engagement into likes and comments;
//   difficulty  |residual| of engagement: how unsure to be about this post; the range is
//               prediction ± scale * difficulty, with `scale` calibrated by split-conformal
//               prediction on creators neither forest was fitted on (plep_train.cc).
// Scoring and contributions run on trees::Forest (the trees copied out of XGBoost's JSON),
// not on XGBoost: same values, a fraction of the cost (docs/benchmarks.md).
//
// Immutable after loading; every method is const and thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "features/feature_vector.h"
#include "model/trees/forest.h"

namespace sphere::plep {

struct PlepPrediction {
  double log_engagement = 0;  // ln(1 + likes + comments): the model's own output
  double engagement = 0;      // likes + comments
  double likes = 0;
  double comments = 0;  // never above engagement
  double low = 0;       // the range of engagement at range_level()
  double high = 0;
  std::optional<double> engagement_rate;  // engagement / followers, when followers are known
};

struct PlepExplanation {
  PlepPrediction prediction;
  // One per feature of the vector, in log space; with `bias` they sum to log_engagement.
  std::vector<double> contributions;
  double bias = 0;  // the model's average output over its training data
};

// What a trained model is made of (the training code builds one; Load reads one).
struct PlepModelParts {
  std::string version;
  std::string engagement_json;  // XGBoost JSON models
  std::string comments_json;
  std::string difficulty_json;
  double range_level = 0.8;
  double range_scale = 0;       // the conformal quantile of |residual| / difficulty
  double difficulty_floor = 0;  // difficulty below this is raised to it
  std::string manifest_json = "{}";
};

class PlepModel {
 public:
  // Reads <dir>/manifest.json and the three forests. NotFound (naming `sphere train plep`)
  // when there is no model; FailedPrecondition when the model was trained on another
  // feature schema (version or fingerprint) than this build computes; DataLoss when a
  // file is damaged.
  static Result<std::shared_ptr<const PlepModel>> Load(const std::filesystem::path& dir);
  // Checks the parts the same way (used by training to score through this class).
  static Result<std::shared_ptr<const PlepModel>> FromParts(PlepModelParts parts);
  // Writes manifest.json and the three forests into `dir` (created).
  Status Save(const std::filesystem::path& dir) const;

  // InvalidArgument when `x` is not a PLEP vector of this schema.
  Result<PlepPrediction> Predict(const features::FeatureVector& x) const;
  Result<PlepExplanation> Explain(const features::FeatureVector& x) const;

  // The batch path: a row of PlepFeatureNames().size() floats (NaN = missing).
  PlepPrediction PredictRow(std::span<const float> row) const;

  // Training posts of this platform and format (manifest "training_formats"; 0 when the
  // manifest predates it or the pair never occurred).
  int64_t TrainingPosts(Platform platform, MediaType format) const;

  const std::string& version() const { return parts_.version; }
  double range_level() const { return parts_.range_level; }
  const std::string& manifest_json() const { return parts_.manifest_json; }
  const trees::Forest& engagement_forest() const { return engagement_; }

 private:
  PlepModel(PlepModelParts parts, trees::Forest engagement, trees::Forest comments,
            trees::Forest difficulty);
  Status CheckSchema(const features::FeatureVector& x) const;
  PlepPrediction FromLogEngagement(double log_engagement, std::span<const float> row) const;

  PlepModelParts parts_;
  trees::Forest engagement_;
  trees::Forest comments_;
  trees::Forest difficulty_;
  int followers_index_ = -1;  // where creator.followers sits in the vector
  std::map<std::pair<std::string, std::string>, int64_t> training_formats_;
};

// <models_root>/plep/<version>
std::filesystem::path PlepModelDir(const std::filesystem::path& models_root,
                                   std::string_view version);

}  // namespace sphere::plep
