#include "model/value/value_features.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/time.h"

namespace sphere::value {
namespace {

constexpr size_t kMinPriorCount = 20;
using features::kMissing;

std::string Key(Platform platform, std::string_view niche) {
  std::string key(ToString(platform));
  if (!niche.empty()) {
    key += '/';
    key += niche;
  }
  return key;
}

std::optional<double> Find(const std::map<std::string, double>& table, const std::string& key) {
  const auto it = table.find(key);
  if (it == table.end()) return std::nullopt;
  return it->second;
}

std::optional<double> NicheOrPlatform(const std::map<std::string, double>& table,
                                      Platform platform, std::string_view niche) {
  if (!niche.empty()) {
    if (auto v = Find(table, Key(platform, niche))) return v;
  }
  return Find(table, Key(platform, ""));
}

double MedianOf(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

nlohmann::json TableJson(const std::map<std::string, double>& table) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : table) j[k] = v;
  return j;
}

Result<std::map<std::string, double>> TableFrom(const nlohmann::json& json, const char* name) {
  const auto it = json.find(name);
  if (it == json.end() || !it->is_object()) {
    return DataLoss(std::string("value priors: '") + name + "' must be an object");
  }
  std::map<std::string, double> table;
  for (const auto& [k, v] : it->items()) {
    if (!v.is_number() || !std::isfinite(v.get<double>())) {
      return DataLoss(std::string("value priors: ") + name + "." + k + " must be a number");
    }
    table[k] = v.get<double>();
  }
  return table;
}

double Or(const std::optional<double>& v) { return v ? *v : kMissing; }

}  // namespace

double Slog(double x) { return std::copysign(std::log1p(std::fabs(x)), x); }
double Unslog(double y) { return std::copysign(std::expm1(std::fabs(y)), y); }

bool IsVideoPlatform(Platform platform) { return platform != Platform::kInstagram; }

std::optional<double> Priors::EngagementRate(Platform platform, std::string_view niche) const {
  return NicheOrPlatform(engagement_rate, platform, niche);
}
std::optional<double> Priors::ViewsRate(Platform platform, std::string_view niche) const {
  return NicheOrPlatform(views_rate, platform, niche);
}
std::optional<double> Priors::RelativeDailyGain(Platform platform) const {
  return Find(relative_daily_gain, Key(platform, ""));
}

nlohmann::json Priors::ToJson() const {
  return {{"engagement_rate", TableJson(engagement_rate)},
          {"views_rate", TableJson(views_rate)},
          {"relative_daily_gain", TableJson(relative_daily_gain)}};
}

Result<Priors> Priors::FromJson(const nlohmann::json& json) {
  if (!json.is_object()) return DataLoss("value priors must be an object");
  Priors p;
  SPHERE_ASSIGN_OR_RETURN(p.engagement_rate, TableFrom(json, "engagement_rate"));
  SPHERE_ASSIGN_OR_RETURN(p.views_rate, TableFrom(json, "views_rate"));
  SPHERE_ASSIGN_OR_RETURN(p.relative_daily_gain, TableFrom(json, "relative_daily_gain"));
  return p;
}

void PriorsBuilder::Add(Platform platform, std::string_view niche, const Summary& s,
                        std::optional<double> realized_daily_gain) {
  if (!s.followers || s.followers->value < 1) return;
  const double f = s.followers->value;
  auto add = [&](std::map<std::string, std::vector<double>>& table, double rate, bool by_niche) {
    table[Key(platform, "")].push_back(rate);
    if (by_niche && !niche.empty()) table[Key(platform, niche)].push_back(rate);
  };
  if (s.engagement) add(engagement_rate_, s.engagement->value / f, true);
  if (s.views) add(views_rate_, s.views->value / f, true);
  if (s.followers_from_profile) return;  // a count of unknown date says nothing of growth
  if (realized_daily_gain) {
    add(gain_, *realized_daily_gain / f, false);
  } else if (s.daily_gain) {
    add(gain_, *s.daily_gain / f, false);
  }
}

Priors PriorsBuilder::Build() const {
  Priors p;
  auto build = [](const std::map<std::string, std::vector<double>>& in,
                  std::map<std::string, double>& out) {
    for (const auto& [k, v] : in) {
      if (v.size() >= kMinPriorCount) out[k] = MedianOf(v);
    }
  };
  build(engagement_rate_, p.engagement_rate);
  build(views_rate_, p.views_rate);
  build(gain_, p.relative_daily_gain);
  return p;
}

Bases BasesOf(Platform platform, std::string_view niche, const Summary& s, const Priors& priors) {
  Bases b;
  const std::optional<double> followers =
      s.followers ? std::optional<double>(s.followers->value) : std::nullopt;
  if (followers) {
    if (auto rate = priors.EngagementRate(platform, niche)) {
      b.niche_rate_engagement = *followers * *rate;
    }
    if (IsVideoPlatform(platform)) {
      if (auto rate = priors.ViewsRate(platform, niche)) b.niche_rate_views = *followers * *rate;
    }
    if (auto rate = priors.RelativeDailyGain(platform)) {
      b.niche_rate_daily_gain = *followers * *rate;
    }
  }
  if (s.engagement) {
    b.last_engagement = s.engagement->value;
    b.log_engagement = std::log1p(s.engagement->value);
    b.engagement_from_level = true;
  } else if (b.niche_rate_engagement) {
    b.log_engagement = std::log1p(*b.niche_rate_engagement);
  }
  if (IsVideoPlatform(platform)) {
    if (s.views) {
      b.last_views = s.views->value;
      b.log_views = std::log1p(s.views->value);
      b.views_from_level = true;
    } else if (b.niche_rate_views) {
      b.log_views = std::log1p(*b.niche_rate_views);
    }
  }
  if (s.daily_gain) {
    b.last_daily_gain = *s.daily_gain;
    b.slog_daily_gain = Slog(*s.daily_gain);
  } else if (b.niche_rate_daily_gain) {
    b.slog_daily_gain = Slog(*b.niche_rate_daily_gain);
  }
  return b;
}

namespace {

// The schema, in order. Names are literals (FeatureVector keeps views of them).
constexpr std::string_view kNames[] = {
    "platform.instagram",       "platform.tiktok",          "platform.youtube",
    "niche.engagement_rate",    "level.log_followers",      "level.followers_from_profile",
    "level.log_engagement",     "level.engagement_rate",    "level.engagement_age_days",
    "level.engagement_from_posts", "level.log_views",       "level.views_rate",
    "level.views_age_days",     "level.authentic_share",    "level.comment_share",
    "trend.follower_growth_30d", "trend.engagement_growth_30d",
    "trend.views_growth_30d",   "gain.daily",               "gain.kind",
    "gain.relative_30d",        "gain.prev_28d",            "gain.acceleration",
    "gain.daily_84d",           "gain.volatility",          "gain.negative_share",
    "gain.views_daily",         "posts.count",              "posts.per_30d",
    "posts.engagement_cv",      "posts.video_share",        "posts.carousel_share",
    "history.observations",     "history.span_days",        "horizon.days",
};

double Growth30(const std::optional<Level>& last, const std::optional<double>& prev,
                const std::optional<double>& days) {
  if (!last || !prev || !days || *days <= 0) return kMissing;
  return (std::log1p(last->value) - std::log1p(*prev)) * 30.0 / *days;
}

}  // namespace

const std::vector<std::string>& ValueFeatureNames() {
  static const std::vector<std::string> names(std::begin(kNames), std::end(kNames));
  return names;
}

features::FeatureVector ValueFeatures(Platform platform, std::string_view niche,
                                      const Summary& s, int horizon_days, const Priors& priors) {
  const double day = static_cast<double>(kSecondsPerDay);
  features::FeatureVector x;
  size_t i = 0;
  auto add = [&](double v) { x.Add(kNames[i++], v); };
  add(platform == Platform::kInstagram);
  add(platform == Platform::kTikTok);
  add(platform == Platform::kYouTube);
  add(Or(priors.EngagementRate(platform, niche)));
  const double followers = s.followers ? s.followers->value : kMissing;
  add(s.followers ? std::log1p(followers) : kMissing);
  add(s.followers_from_profile);
  add(s.engagement ? std::log1p(s.engagement->value) : kMissing);
  add(s.engagement && s.followers && followers >= 1 ? s.engagement->value / followers : kMissing);
  add(s.engagement ? (s.as_of - s.engagement->at) / day : kMissing);
  add(s.engagement ? (s.engagement->source == "posts" ? 1.0 : 0.0) : kMissing);
  add(s.views ? std::log1p(s.views->value) : kMissing);
  add(s.views && s.followers && followers >= 1 ? s.views->value / followers : kMissing);
  add(s.views ? (s.as_of - s.views->at) / day : kMissing);
  add(Or(s.authentic_share));
  add(Or(s.comment_share));
  add(Growth30(s.followers, s.followers_prev, s.followers_prev_days));
  add(Growth30(s.engagement, s.engagement_prev, s.engagement_prev_days));
  add(Growth30(s.views, s.views_prev, s.views_prev_days));
  add(s.daily_gain ? Slog(*s.daily_gain) : kMissing);
  add(static_cast<double>(static_cast<int>(s.gain_kind)));
  add(s.daily_gain && s.followers && followers >= 1 ? *s.daily_gain * 30 / followers : kMissing);
  add(s.daily_gain_prev_28d ? Slog(*s.daily_gain_prev_28d) : kMissing);
  add(s.daily_gain && s.daily_gain_prev_28d ? Slog(*s.daily_gain) - Slog(*s.daily_gain_prev_28d)
                                            : kMissing);
  add(s.daily_gain_84d ? Slog(*s.daily_gain_84d) : kMissing);
  add(Or(s.gain_volatility));
  add(Or(s.negative_gain_share));
  add(s.daily_views_gain ? Slog(*s.daily_views_gain) : kMissing);
  add(s.posts);
  add(Or(s.posts_per_30d));
  add(Or(s.post_engagement_cv));
  add(Or(s.video_share));
  add(Or(s.carousel_share));
  add(s.observations);
  add(s.span_days);
  add(horizon_days);
  return x;
}

}  // namespace sphere::value
