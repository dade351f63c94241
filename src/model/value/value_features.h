// The Market Value feature vector and the naive baselines, both read from a Summary.
//
// The forecasts are residuals: each model predicts how far the future lands from a base that
// a naive forecaster would give, so "no change" is the model's starting point and every tree
// has to earn its departure from it:
//   engagement  ln(1 + E_future) - ln(1 + base_E)   base_E = the last level, else followers x
//                                                    the niche's median engagement rate
//   views       the same with views and the niche's median views rate (video platforms)
//   followers   slog(daily gain) - slog(base gain)   base = the last gain rate, else followers
//                                                    x the platform's median relative gain
// slog(x) = sign(x) ln(1 + |x|): gains can be negative. The Priors (median rates) are fitted
// on training creators only and saved in the manifest.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/domain.h"
#include "core/status.h"
#include "features/feature_vector.h"
#include "model/value/value_history.h"

namespace sphere::value {

// Bumped whenever a feature is added, removed, renamed or changes meaning.
inline constexpr int kValueFeatureSchemaVersion = 2;

double Slog(double x);
double Unslog(double y);

// Median rates by platform and niche, fitted on training summaries.
struct Priors {
  // Key "platform/niche", and "platform" for the platform as a whole.
  std::map<std::string, double> engagement_rate;  // engagement per post / followers
  std::map<std::string, double> views_rate;       // views per post / followers
  std::map<std::string, double> relative_daily_gain;  // daily follower gain / followers

  // The niche's rate on the platform when at least 20 creators gave one, else the
  // platform's; nullopt when the platform has none.
  std::optional<double> EngagementRate(Platform platform, std::string_view niche) const;
  std::optional<double> ViewsRate(Platform platform, std::string_view niche) const;
  std::optional<double> RelativeDailyGain(Platform platform) const;

  nlohmann::json ToJson() const;
  static Result<Priors> FromJson(const nlohmann::json& json);
};

// One point per summary that has the quantity: fit medians (>= 20 per key).
class PriorsBuilder {
 public:
  // `realized_daily_gain`: the gain the creator went on to make (a training example's
  // target), which teaches the relative-gain prior even when the summary has no gain yet
  // (the first month of a monthly series).
  void Add(Platform platform, std::string_view niche, const Summary& summary,
           std::optional<double> realized_daily_gain = std::nullopt);
  Priors Build() const;

 private:
  std::map<std::string, std::vector<double>> engagement_rate_, views_rate_, gain_;
};

bool IsVideoPlatform(Platform platform);

// The bases the residual targets are measured from, and the naive baselines of the report.
struct Bases {
  // ln(1 + E) of the base; nullopt when neither a level nor followers are known.
  std::optional<double> log_engagement;
  bool engagement_from_level = false;
  std::optional<double> log_views;  // video platforms only
  bool views_from_level = false;
  double slog_daily_gain = 0;  // slog(base daily gain): last rate, else prior, else 0
  // Naive baselines as forecasts (natural units).
  std::optional<double> last_engagement, niche_rate_engagement;
  std::optional<double> last_views, niche_rate_views;
  double last_daily_gain = 0;  // the last rate, 0 (no change) when unknown
  std::optional<double> niche_rate_daily_gain;  // followers x the platform's relative gain
};

Bases BasesOf(Platform platform, std::string_view niche, const Summary& summary,
              const Priors& priors);

// The feature names in order (the schema), static storage.
const std::vector<std::string>& ValueFeatureNames();

features::FeatureVector ValueFeatures(Platform platform, std::string_view niche,
                                      const Summary& summary, int horizon_days,
                                      const Priors& priors);

}  // namespace sphere::value
