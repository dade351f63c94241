#include "model/plep/plep_model.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "model/artifacts/artifact_files.h"
#include "model/plep/plep_features.h"

namespace sphere::plep {
namespace {

using json = nlohmann::json;

constexpr const char* kManifestFile = "manifest.json";
constexpr const char* kEngagementFile = "engagement.json";
constexpr const char* kCommentsFile = "comments.json";
constexpr const char* kDifficultyFile = "difficulty.json";

Result<trees::Forest> ForestOf(std::string_view name, const std::string& model_json) {
  Result<trees::Forest> forest = trees::Forest::FromXgboostJson(model_json);
  if (!forest.ok()) {
    return DataLoss(std::string(name) + " forest: " + forest.status().message());
  }
  if (forest->features() != static_cast<int>(PlepFeatureNames().size())) {
    return FailedPrecondition(std::string(name) + " forest reads " +
                              std::to_string(forest->features()) + " features; the PLEP schema has " +
                              std::to_string(PlepFeatureNames().size()));
  }
  return forest;
}

// The manifest's schema must be this build's: a model trained on other features would
// score garbage without any error.
Status CheckManifestSchema(const json& manifest, std::string_view where) {
  const std::string expected = features::SchemaFingerprint(PlepFeatureNames());
  const int version = manifest.value("feature_schema_version", -1);
  const std::string fingerprint = manifest.value("feature_fingerprint", "");
  if (version != features::kFeatureSchemaVersion || fingerprint != expected) {
    return FailedPrecondition(
        std::string(where) + ": the model was trained on feature schema v" +
        std::to_string(version) + " (fingerprint " + fingerprint + "); this build computes v" +
        std::to_string(features::kFeatureSchemaVersion) + " (fingerprint " + expected +
        "): retrain it with `sphere train plep`");
  }
  if (manifest.value("kind", "") != kModelKind) {
    return FailedPrecondition(std::string(where) + ": kind is '" + manifest.value("kind", "") +
                              "', not 'plep'");
  }
  return Status::Ok();
}

}  // namespace

std::filesystem::path PlepModelDir(const std::filesystem::path& models_root,
                                   std::string_view version) {
  return models_root / "plep" / std::string(version);
}

PlepModel::PlepModel(PlepModelParts parts, trees::Forest engagement, trees::Forest comments,
                     trees::Forest difficulty)
    : parts_(std::move(parts)),
      engagement_(std::move(engagement)),
      comments_(std::move(comments)),
      difficulty_(std::move(difficulty)) {
  const std::vector<std::string>& names = PlepFeatureNames();
  const auto it = std::find(names.begin(), names.end(), "creator.followers");
  if (it != names.end()) followers_index_ = static_cast<int>(it - names.begin());
}

Result<std::shared_ptr<const PlepModel>> PlepModel::FromParts(PlepModelParts parts) {
  json manifest = json::parse(parts.manifest_json, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_object()) {
    return InvalidArgument("PLEP manifest: not a JSON object");
  }
  SPHERE_RETURN_IF_ERROR(CheckManifestSchema(manifest, "PLEP model " + parts.version));
  if (!(parts.range_level > 0 && parts.range_level < 1) || !std::isfinite(parts.range_scale) ||
      parts.range_scale < 0 || !std::isfinite(parts.difficulty_floor) ||
      parts.difficulty_floor < 0) {
    return InvalidArgument("PLEP model " + parts.version + ": range level " +
                           std::to_string(parts.range_level) + ", scale " +
                           std::to_string(parts.range_scale) + ", floor " +
                           std::to_string(parts.difficulty_floor) + " are not a valid range");
  }
  SPHERE_ASSIGN_OR_RETURN(trees::Forest engagement, ForestOf("engagement", parts.engagement_json));
  SPHERE_ASSIGN_OR_RETURN(trees::Forest comments, ForestOf("comments", parts.comments_json));
  SPHERE_ASSIGN_OR_RETURN(trees::Forest difficulty, ForestOf("difficulty", parts.difficulty_json));
  std::map<std::pair<std::string, std::string>, int64_t> formats;
  if (const auto it = manifest.find("training_formats"); it != manifest.end() && it->is_object()) {
    for (const auto& [platform, counts] : it->items()) {
      if (!counts.is_object()) continue;
      for (const auto& [format, n] : counts.items()) {
        if (n.is_number_integer()) formats[{platform, format}] = n.get<int64_t>();
      }
    }
  }
  auto model = std::shared_ptr<PlepModel>(new PlepModel(
      std::move(parts), std::move(engagement), std::move(comments), std::move(difficulty)));
  model->training_formats_ = std::move(formats);
  return std::shared_ptr<const PlepModel>(std::move(model));
}

Result<std::shared_ptr<const PlepModel>> PlepModel::Load(const std::filesystem::path& dir) {
  const std::filesystem::path manifest_path = dir / kManifestFile;
  std::error_code error;
  if (!std::filesystem::exists(manifest_path, error)) {
    return NotFound("no PLEP model at " + dir.string() + " (" + manifest_path.string() +
                    " is missing): train one with `sphere train plep`");
  }
  SPHERE_ASSIGN_OR_RETURN(std::string manifest_text, model::ReadArtifact(manifest_path));
  json manifest = json::parse(manifest_text, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_object()) {
    return DataLoss(manifest_path.string() + ": not a JSON object");
  }
  SPHERE_RETURN_IF_ERROR(CheckManifestSchema(manifest, manifest_path.string()));
  PlepModelParts parts;
  try {
    parts.version = manifest.at("version").get<std::string>();
    const json& range = manifest.at("range");
    parts.range_level = range.at("level").get<double>();
    parts.range_scale = range.at("scale").get<double>();
    parts.difficulty_floor = range.at("difficulty_floor").get<double>();
  } catch (const json::exception& e) {
    return DataLoss(manifest_path.string() + ": " + e.what());
  }
  SPHERE_ASSIGN_OR_RETURN(parts.engagement_json, model::ReadArtifact(dir / kEngagementFile));
  SPHERE_ASSIGN_OR_RETURN(parts.comments_json, model::ReadArtifact(dir / kCommentsFile));
  SPHERE_ASSIGN_OR_RETURN(parts.difficulty_json, model::ReadArtifact(dir / kDifficultyFile));
  parts.manifest_json = std::move(manifest_text);
  Result<std::shared_ptr<const PlepModel>> model = FromParts(std::move(parts));
  if (!model.ok() && model.status().code() == Code::kInvalidArgument) {
    return DataLoss(dir.string() + ": " + model.status().message());
  }
  return model;
}

Status PlepModel::Save(const std::filesystem::path& dir) const {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return Unavailable(dir.string() + ": " + error.message());
  SPHERE_RETURN_IF_ERROR(model::WriteArtifact(dir / kEngagementFile, parts_.engagement_json));
  SPHERE_RETURN_IF_ERROR(model::WriteArtifact(dir / kCommentsFile, parts_.comments_json));
  SPHERE_RETURN_IF_ERROR(model::WriteArtifact(dir / kDifficultyFile, parts_.difficulty_json));
  // The manifest last: a directory with a manifest is a complete model.
  return model::WriteArtifact(dir / kManifestFile, parts_.manifest_json);
}

Status PlepModel::CheckSchema(const features::FeatureVector& x) const {
  const std::vector<std::string>& names = PlepFeatureNames();
  if (x.size() != names.size()) {
    return InvalidArgument("PLEP input has " + std::to_string(x.size()) +
                           " features; the model reads " + std::to_string(names.size()));
  }
  for (size_t i = 0; i < names.size(); ++i) {
    if (x[i].name != names[i]) {
      return InvalidArgument("PLEP input feature " + std::to_string(i) + " is '" +
                             std::string(x[i].name) + "'; the model reads '" + names[i] + "'");
    }
  }
  return Status::Ok();
}

PlepPrediction PlepModel::FromLogEngagement(double log_engagement,
                                            std::span<const float> row) const {
  PlepPrediction p;
  p.log_engagement = log_engagement;
  p.engagement = std::expm1(std::max(0.0, log_engagement));
  p.comments = std::min(p.engagement, std::expm1(std::max(0.0, comments_.Predict(row))));
  p.likes = p.engagement - p.comments;
  const double difficulty = std::max(parts_.difficulty_floor, difficulty_.Predict(row));
  const double half_width = parts_.range_scale * difficulty;
  p.low = std::expm1(std::max(0.0, log_engagement - half_width));
  p.high = std::expm1(std::max(0.0, log_engagement + half_width));
  if (followers_index_ >= 0) {
    const double followers = row[static_cast<size_t>(followers_index_)];
    if (std::isfinite(followers) && followers > 0) p.engagement_rate = p.engagement / followers;
  }
  return p;
}

int64_t PlepModel::TrainingPosts(Platform platform, MediaType format) const {
  const auto it =
      training_formats_.find({std::string(ToString(platform)), std::string(ToString(format))});
  return it == training_formats_.end() ? 0 : it->second;
}

PlepPrediction PlepModel::PredictRow(std::span<const float> row) const {
  return FromLogEngagement(engagement_.Predict(row), row);
}

Result<PlepPrediction> PlepModel::Predict(const features::FeatureVector& x) const {
  SPHERE_RETURN_IF_ERROR(CheckSchema(x));
  const std::vector<float> row = x.ValuesAsFloat();
  return PredictRow(row);
}

Result<PlepExplanation> PlepModel::Explain(const features::FeatureVector& x) const {
  SPHERE_RETURN_IF_ERROR(CheckSchema(x));
  const std::vector<float> row = x.ValuesAsFloat();
  PlepExplanation explanation;
  std::vector<double> contributions(row.size() + 1);
  SPHERE_RETURN_IF_ERROR(engagement_.Contributions(row, contributions));
  explanation.bias = contributions.back();
  contributions.pop_back();
  double log_engagement = explanation.bias;
  for (double c : contributions) log_engagement += c;
  explanation.contributions = std::move(contributions);
  explanation.prediction = FromLogEngagement(log_engagement, row);
  return explanation;
}

}  // namespace sphere::plep
