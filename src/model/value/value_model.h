// A trained Market Value forecaster: from a creator's Summary as of a date, the engagement per
// post, the views per post (video platforms) and the follower gain over a horizon, each with
// an 80% range, and the contributions behind the engagement forecast.
//
// Gradient-boosted forests read the same vector (value_features.h), each predicting a residual
// from its base (the last level, else the niche prior), one per target and series family:
// a monthly average, a creator's next post and a weekly gain move differently, and one forest
// for all of them measured worse on the backtest. A creator is forecast by the family their
// base comes from (ForestFamily); when the store trained no forest of that family, another of
// the same target serves and the forecast says which (ValueForecast::*_forest). The range is
// the base + prediction ± q, where q is the conformal quantile of the backtest's
// out-of-sample |residual| for the target and for how the base was known ("posts",
// "snapshot", "prior" for levels; "series", "levels", "prior" for follower gains):
// forecasting from a monthly average is surer than from one post. Scoring runs on
// trees::Forest. Immutable after loading; const methods are thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "features/feature_vector.h"
#include "model/trees/forest.h"
#include "model/value/value_dataset.h"
#include "model/value/value_features.h"

namespace sphere::value {

inline constexpr std::string_view kValueModelKind = "market_value";

// One feature's share of the engagement forecast (log space: exp(c) - 1 is its effect).
struct Contribution {
  std::string_view feature;
  double value = 0;  // the feature's value (NaN = unknown)
  double contribution = 0;
};

struct Range {
  double mid = 0, low = 0, high = 0;
};

struct ValueForecast {
  Range engagement;  // per post
  std::string engagement_forest, views_forest, gain_forest;  // "<target>-<family>" that served
  double engagement_now = 0;  // the base the forecast moves from (the last level or prior)
  std::string engagement_basis;  // "posts" | "snapshot" | "prior"
  std::optional<Range> views;    // per post; video platforms with a views model
  std::optional<double> views_now;
  std::string views_basis;
  std::optional<Range> follower_gain;  // over the horizon; nullopt when the scale is unknown
  std::string gain_basis;              // "series" | "levels" | "prior"
  Bases bases;
  features::FeatureVector x;
  std::vector<Contribution> contributions;  // largest |contribution| first (when explained)
  double bias = 0;
};

// What training hands over (and Load reads back).
struct ValueModelParts {
  std::string version;
  std::map<std::pair<Target, Family>, std::string> forests_json;  // an engagement one is required
  Priors priors;
  double range_level = 0.8;
  // Key "<target>/<basis>" and "<target>" (all bases): the conformal |residual| quantile.
  std::map<std::string, double> range_quantile;
  std::string manifest_json = "{}";
};

class ValueModel {
 public:
  // NotFound (naming `sphere train value`) when <dir>/manifest.json is missing;
  // FailedPrecondition for another feature schema; DataLoss for a damaged file.
  static Result<std::shared_ptr<const ValueModel>> Load(const std::filesystem::path& dir);
  static Result<std::shared_ptr<const ValueModel>> FromParts(ValueModelParts parts);
  Status Save(const std::filesystem::path& dir) const;

  // FailedPrecondition when the creator has neither an engagement level nor a follower
  // count as of the summary's date (nothing to forecast from); InvalidArgument for a horizon
  // outside 1..365 days.
  Result<ValueForecast> Forecast(Platform platform, std::string_view niche,
                                 const Summary& summary, int horizon_days,
                                 bool explain = false) const;

  // Whether any forest of the target was trained.
  bool has(Target target) const;
  const std::string& version() const { return parts_.version; }
  const Priors& priors() const { return parts_.priors; }
  double range_level() const { return parts_.range_level; }
  const std::string& manifest_json() const { return parts_.manifest_json; }
  // The conformal quantile for a target and basis (falls back to the target's overall one).
  double RangeQuantile(Target target, std::string_view basis) const;

 private:
  explicit ValueModel(ValueModelParts parts) : parts_(std::move(parts)) {}
  ValueModelParts parts_;
  // The forest for a target and family, else the target's first (nullptr when none).
  const trees::Forest* ForestFor(Target target, Family family, std::string* name) const;
  std::map<std::pair<Target, Family>, trees::Forest> forests_;
};

// <models_root>/value/<version>
std::filesystem::path ValueModelDir(const std::filesystem::path& models_root,
                                    std::string_view version);

// The family whose forest forecasts a creator: from how the target's base was known
// ("posts" -> posts, "series" -> weekly, anything else -> snapshots).
Family ForestFamily(std::string_view basis);
std::string ForestName(Target target, Family family);  // "engagement-snapshots"

// How the base of each target was known (the range's calibration key).
std::string_view EngagementBasis(const Summary& summary, const Bases& bases);
std::string_view ViewsBasis(const Summary& summary, const Bases& bases);
std::string_view GainBasis(const Summary& summary);

}  // namespace sphere::value
