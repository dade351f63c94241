#include "model/value/value_model.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "model/artifacts/artifact_files.h"

namespace sphere::value {
namespace {

using json = nlohmann::json;

constexpr char kManifestFile[] = "manifest.json";
constexpr int kMaxHorizonDays = 365;

std::string ForestFile(Target t, Family f) { return ForestName(t, f) + ".json"; }

Status CheckManifestSchema(const json& manifest, const std::string& where) {
  const auto version = manifest.find("feature_schema_version");
  const auto fingerprint = manifest.find("feature_fingerprint");
  if (version == manifest.end() || !version->is_number_integer() ||
      fingerprint == manifest.end() || !fingerprint->is_string()) {
    return DataLoss(where + ": manifest lacks feature_schema_version / feature_fingerprint");
  }
  const std::string expected = features::SchemaFingerprint(ValueFeatureNames());
  if (version->get<int>() != kValueFeatureSchemaVersion ||
      fingerprint->get<std::string>() != expected) {
    return FailedPrecondition(where + " was trained on value feature schema " +
                              std::to_string(version->get<int>()) + " (" +
                              fingerprint->get<std::string>() + "); this build computes " +
                              std::to_string(kValueFeatureSchemaVersion) + " (" + expected +
                              "): retrain with `sphere train value`");
  }
  return Status::Ok();
}

}  // namespace

std::filesystem::path ValueModelDir(const std::filesystem::path& models_root,
                                    std::string_view version) {
  return models_root / "value" / std::string(version);
}

std::string ForestName(Target target, Family family) {
  return std::string(ToString(target)) + "-" + std::string(ToString(family));
}

Family ForestFamily(std::string_view basis) {
  if (basis == "posts") return Family::kPosts;
  if (basis == "series") return Family::kWeekly;
  return Family::kSnapshots;
}

bool ValueModel::has(Target target) const {
  for (const auto& [key, forest] : forests_) {
    if (key.first == target) return true;
  }
  return false;
}

const trees::Forest* ValueModel::ForestFor(Target target, Family family, std::string* name) const {
  if (auto it = forests_.find({target, family}); it != forests_.end()) {
    *name = ForestName(target, family);
    return &it->second;
  }
  for (const auto& [key, forest] : forests_) {
    if (key.first == target) {
      *name = ForestName(key.first, key.second);
      return &forest;
    }
  }
  return nullptr;
}

std::string_view EngagementBasis(const Summary& s, const Bases& b) {
  if (!b.engagement_from_level) return "prior";
  return s.engagement && s.engagement->source == "posts" ? "posts" : "snapshot";
}

std::string_view ViewsBasis(const Summary& s, const Bases& b) {
  if (!b.views_from_level) return "prior";
  return s.views && s.views->source == "posts" ? "posts" : "snapshot";
}

std::string_view GainBasis(const Summary& s) {
  switch (s.gain_kind) {
    case GainKind::kGainSeries: return "series";
    case GainKind::kLevels: return "levels";
    case GainKind::kNone: return "prior";
  }
  return "prior";
}

Result<std::shared_ptr<const ValueModel>> ValueModel::FromParts(ValueModelParts parts) {
  json manifest = json::parse(parts.manifest_json, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_object()) {
    return InvalidArgument("value manifest: not a JSON object");
  }
  SPHERE_RETURN_IF_ERROR(CheckManifestSchema(manifest, "value model " + parts.version));
  if (!(parts.range_level > 0 && parts.range_level < 1)) {
    return InvalidArgument("value model " + parts.version + ": range level must be in (0, 1)");
  }
  for (const auto& [key, q] : parts.range_quantile) {
    if (!std::isfinite(q) || q < 0) {
      return InvalidArgument("value model " + parts.version + ": range quantile " + key +
                             " must be a non-negative number");
    }
  }
  auto model = std::shared_ptr<ValueModel>(new ValueModel(std::move(parts)));
  for (const auto& [key, text] : model->parts_.forests_json) {
    const auto& [target, family] = key;
    const std::string name = ForestName(target, family);
    Result<trees::Forest> forest = trees::Forest::FromXgboostJson(text);
    if (!forest.ok()) {
      return Status(forest.status().code(), name + " forest: " + forest.status().message());
    }
    if (forest->features() != static_cast<int>(ValueFeatureNames().size())) {
      return InvalidArgument(name + " forest reads " +
                             std::to_string(forest->features()) + " features; the schema has " +
                             std::to_string(ValueFeatureNames().size()));
    }
    if (!model->parts_.range_quantile.count(std::string(ToString(target)))) {
      return InvalidArgument("value model " + model->parts_.version + ": no range for " +
                             std::string(ToString(target)));
    }
    model->forests_.emplace(key, std::move(*forest));
  }
  if (!model->has(Target::kEngagement)) {
    return InvalidArgument("value model " + model->parts_.version + " has no engagement forest");
  }
  return std::shared_ptr<const ValueModel>(std::move(model));
}

Result<std::shared_ptr<const ValueModel>> ValueModel::Load(const std::filesystem::path& dir) {
  const std::filesystem::path manifest_path = dir / kManifestFile;
  std::error_code error;
  if (!std::filesystem::exists(manifest_path, error)) {
    return NotFound("no Market Value model at " + dir.string() + " (" + manifest_path.string() +
                    " is missing): train one with `sphere train value`");
  }
  SPHERE_ASSIGN_OR_RETURN(std::string manifest_text, model::ReadArtifact(manifest_path));
  json manifest = json::parse(manifest_text, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_object()) {
    return DataLoss(manifest_path.string() + ": not a JSON object");
  }
  SPHERE_RETURN_IF_ERROR(CheckManifestSchema(manifest, manifest_path.string()));
  ValueModelParts parts;
  try {
    parts.version = manifest.at("version").get<std::string>();
    const json& range = manifest.at("range");
    parts.range_level = range.at("level").get<double>();
    for (const auto& [key, q] : range.at("quantile").items()) {
      parts.range_quantile[key] = q.get<double>();
    }
    SPHERE_ASSIGN_OR_RETURN(parts.priors, Priors::FromJson(manifest.at("priors")));
    for (const auto& name : manifest.at("forests")) {
      const std::string n = name.get<std::string>();
      bool known = false;
      for (Target t : kTargets) {
        for (Family f : kFamilies) {
          if (ForestName(t, f) != n) continue;
          known = true;
          std::string& text = parts.forests_json[std::make_pair(t, f)];
          SPHERE_ASSIGN_OR_RETURN(text, model::ReadArtifact(dir / ForestFile(t, f)));
        }
      }
      if (!known) return DataLoss(manifest_path.string() + ": unknown forest '" + n + "'");
    }
  } catch (const json::exception& e) {
    return DataLoss(manifest_path.string() + ": " + e.what());
  }
  parts.manifest_json = std::move(manifest_text);
  Result<std::shared_ptr<const ValueModel>> model = FromParts(std::move(parts));
  if (!model.ok() && model.status().code() == Code::kInvalidArgument) {
    return DataLoss(dir.string() + ": " + model.status().message());
  }
  return model;
}

Status ValueModel::Save(const std::filesystem::path& dir) const {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return Unavailable(dir.string() + ": " + error.message());
  for (const auto& [key, text] : parts_.forests_json) {
    SPHERE_RETURN_IF_ERROR(model::WriteArtifact(dir / ForestFile(key.first, key.second), text));
  }
  // The manifest last: a directory with a manifest is a complete model.
  return model::WriteArtifact(dir / kManifestFile, parts_.manifest_json);
}

double ValueModel::RangeQuantile(Target target, std::string_view basis) const {
  const std::string key = std::string(ToString(target)) + "/" + std::string(basis);
  if (auto it = parts_.range_quantile.find(key); it != parts_.range_quantile.end()) {
    return it->second;
  }
  const auto it = parts_.range_quantile.find(std::string(ToString(target)));
  return it == parts_.range_quantile.end() ? 0 : it->second;
}

Result<ValueForecast> ValueModel::Forecast(Platform platform, std::string_view niche,
                                           const Summary& summary, int horizon_days,
                                           bool explain) const {
  if (horizon_days < 1 || horizon_days > kMaxHorizonDays) {
    return InvalidArgument("horizon_days must be in 1.." + std::to_string(kMaxHorizonDays) +
                           ", got " + std::to_string(horizon_days));
  }
  ValueForecast f;
  f.bases = BasesOf(platform, niche, summary, parts_.priors);
  if (!f.bases.log_engagement) {
    return FailedPrecondition(
        "neither an engagement level nor a follower count is known as of " +
        std::to_string(summary.as_of) + ": nothing to forecast from");
  }
  f.x = ValueFeatures(platform, niche, summary, horizon_days, parts_.priors);
  const std::vector<float> row = f.x.ValuesAsFloat();

  f.engagement_basis = std::string(EngagementBasis(summary, f.bases));
  const trees::Forest& engagement = *ForestFor(
      Target::kEngagement, ForestFamily(f.engagement_basis), &f.engagement_forest);
  const double e_log = *f.bases.log_engagement + engagement.Predict(row);
  const double e_q = RangeQuantile(Target::kEngagement, f.engagement_basis);
  f.engagement_now = std::expm1(*f.bases.log_engagement);
  // ln(1 + x) below 0 would be a negative count: levels are clamped at 0.
  f.engagement = {std::max(0.0, std::expm1(e_log)), std::max(0.0, std::expm1(e_log - e_q)),
                  std::max(0.0, std::expm1(e_log + e_q))};

  if (IsVideoPlatform(platform) && f.bases.log_views && has(Target::kViews)) {
    f.views_basis = std::string(ViewsBasis(summary, f.bases));
    const trees::Forest& views =
        *ForestFor(Target::kViews, ForestFamily(f.views_basis), &f.views_forest);
    const double v_log = *f.bases.log_views + views.Predict(row);
    const double v_q = RangeQuantile(Target::kViews, f.views_basis);
    f.views_now = std::expm1(*f.bases.log_views);
    f.views = Range{std::max(0.0, std::expm1(v_log)), std::max(0.0, std::expm1(v_log - v_q)),
                    std::max(0.0, std::expm1(v_log + v_q))};
  }

  // A follower gain needs a scale: a gain rate, or a follower count for the prior.
  const bool gain_scale_known = summary.daily_gain || summary.followers;
  if (has(Target::kFollowers) && gain_scale_known) {
    f.gain_basis = std::string(GainBasis(summary));
    const trees::Forest& gain =
        *ForestFor(Target::kFollowers, ForestFamily(f.gain_basis), &f.gain_forest);
    const double g = f.bases.slog_daily_gain + gain.Predict(row);
    const double g_q = RangeQuantile(Target::kFollowers, f.gain_basis);
    f.follower_gain = Range{Unslog(g) * horizon_days, Unslog(g - g_q) * horizon_days,
                            Unslog(g + g_q) * horizon_days};
  }

  if (explain) {
    std::vector<double> out(row.size() + 1);
    SPHERE_RETURN_IF_ERROR(engagement.Contributions(row, out));
    f.bias = out.back();
    for (size_t i = 0; i < row.size(); ++i) {
      f.contributions.push_back({f.x[i].name, f.x[i].value, out[i]});
    }
    std::stable_sort(f.contributions.begin(), f.contributions.end(),
                     [](const Contribution& a, const Contribution& b) {
                       return std::fabs(a.contribution) > std::fabs(b.contribution);
                     });
  }
  return f;
}

}  // namespace sphere::value
