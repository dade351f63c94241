#include "service/niche_service.h"

#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/niche.h"
#include "service/model_registry.h"

namespace sphere::service {
namespace {

bool HasText(const Post& post) { return !post.caption.empty() || !post.image_description.empty(); }

bool IsKimSource(std::string_view source) { return source.rfind("kim_", 0) == 0; }

}  // namespace

Result<std::vector<niche::LabelledText>> NicheTrainingExamples(Store& store) {
  std::unordered_map<std::string, std::string> niche_of;  // creator key -> taxonomy id
  SPHERE_RETURN_IF_ERROR(store.ForEachCreator([&](const Creator& c) {
    if (!IsKimSource(c.source) || !c.niche) return Status::Ok();
    if (auto niche = NicheOfCategory(*c.niche)) {
      niche_of.emplace(CreatorKeyText(c.platform, c.handle), std::string(*niche));
    }
    return Status::Ok();
  }));
  std::vector<niche::LabelledText> examples;
  SPHERE_RETURN_IF_ERROR(store.ForEachPost([&](const Post& p) {
    if (!HasText(p)) return Status::Ok();
    std::string key = CreatorKeyText(p.platform, p.creator_handle);
    auto it = niche_of.find(key);
    if (it == niche_of.end()) return Status::Ok();
    examples.push_back({std::move(key), p.caption, p.image_description, it->second});
    return Status::Ok();
  }));
  return examples;
}

Result<NicheCoverage> InferNiches(Store& store, const niche::NicheClassifier& classifier,
                                  UnixSeconds now, const niche::ProgressFn& progress) {
  // Posts grouped by creator first: ForEachPost streams in id order, not by creator.
  std::unordered_map<std::string, std::vector<std::pair<std::string, std::string>>> texts;
  SPHERE_RETURN_IF_ERROR(store.ForEachPost([&](const Post& p) {
    if (HasText(p)) {
      texts[CreatorKeyText(p.platform, p.creator_handle)].emplace_back(p.caption,
                                                                       p.image_description);
    }
    return Status::Ok();
  }));
  std::vector<Creator> creators;
  SPHERE_RETURN_IF_ERROR(store.ForEachCreator([&](const Creator& c) {
    creators.push_back(c);
    return Status::Ok();
  }));

  NicheCoverage coverage;
  std::vector<InferredNiche> inferred;
  inferred.reserve(creators.size());
  const auto total = static_cast<int64_t>(creators.size());
  for (size_t i = 0; i < creators.size(); ++i) {
    const Creator& c = creators[i];
    ++coverage.creators;
    InferredNiche n;
    n.creator_id = c.id;
    n.inferred_at = now;
    if (auto it = texts.find(CreatorKeyText(c.platform, c.handle)); it != texts.end()) {
      std::vector<std::pair<std::string_view, std::string_view>> posts(it->second.begin(),
                                                                       it->second.end());
      SPHERE_ASSIGN_OR_RETURN(niche::NichePrediction p, classifier.PredictMean(posts));
      n.niche = p.niche;
      n.confidence = p.confidence;
      n.method = "classifier";
      n.model_version = classifier.version();
      ++coverage.by_classifier;
    } else if (auto niche = c.niche ? NicheOfCategory(*c.niche) : std::nullopt) {
      n.niche = std::string(*niche);
      n.confidence = kCategoryConfidence;
      n.method = "category";
      ++coverage.by_category;
    } else {
      // Neither posts nor a category: the classifier on the handle and display name, a weak
      // guess whose measured accuracy is in the manifest (metrics.profile_only).
      SPHERE_ASSIGN_OR_RETURN(niche::NichePrediction p,
                              classifier.Predict(niche::ProfileText(c.handle, c.display_name), ""));
      n.niche = p.niche;
      n.confidence = p.confidence;
      n.method = "profile";
      n.model_version = classifier.version();
      ++coverage.by_profile;
    }
    ++coverage.by_niche[n.niche];
    inferred.push_back(std::move(n));
    if (progress && (i % 1024 == 0)) progress("inferring niches", static_cast<int64_t>(i), total);
  }
  if (progress) progress("inferring niches", total, total);
  SPHERE_RETURN_IF_ERROR(store.WriteInferredNiches(inferred));
  return coverage;
}

Result<TrainNicheReport> TrainNiche(Store& store, const TrainNicheOptions& options,
                                    const niche::ProgressFn& progress) {
  TrainNicheReport report;
  if (options.if_absent) {
    SPHERE_ASSIGN_OR_RETURN(
        std::optional<ModelRecord> latest,
        LoadableModel(store, niche::kModelKind, [](const std::filesystem::path& dir) {
          return niche::NicheClassifier::Load(dir).ok();
        }));
    if (latest) {
      report.skipped = true;
      report.version = latest->version;
      report.model_dir = latest->artifact_path;
      return report;
    }
  }

  SPHERE_ASSIGN_OR_RETURN(std::vector<niche::LabelledText> examples, NicheTrainingExamples(store));
  if (examples.empty()) {
    return FailedPrecondition(
        "no labelled posts in the store: import Kim et al.'s posts and influencer list "
        "(data/instagram/kim_posts.csv.gz, kim_influencers.txt) before `sphere train niche`");
  }
  report.training_posts = static_cast<int64_t>(examples.size());
  std::set<std::string> training_creators;
  for (const niche::LabelledText& e : examples) training_creators.insert(e.creator);
  report.training_creators = static_cast<int64_t>(training_creators.size());

  niche::NicheTrainOptions train_options;
  train_options.seed = options.seed;
  train_options.grid = options.grid;
  train_options.max_epochs = options.max_epochs;
  train_options.threads = options.threads;
  train_options.now = options.now;
  SPHERE_ASSIGN_OR_RETURN(niche::TrainedNiche trained,
                          niche::TrainNicheClassifier(examples, train_options, progress));
  report.version = trained.classifier.version();
  report.metrics_table = trained.report;

  SPHERE_ASSIGN_OR_RETURN(std::filesystem::path dir,
                          NewModelDir(niche::NicheModelDir(options.models_dir, report.version),
                                      "niche model", report.version));
  SPHERE_RETURN_IF_ERROR(niche::SaveNicheModel(trained, dir));
  report.model_dir = dir;

  ModelRecord record;
  record.kind = std::string(niche::kModelKind);
  record.version = report.version;
  record.artifact_path = dir.string();
  record.data_hash = trained.data_sha256;
  record.manifest_json = trained.manifest_json;
  record.metrics_json = trained.metrics_json;
  record.created_at = options.now;
  SPHERE_ASSIGN_OR_RETURN(ModelRecord saved, store.SaveModel(record));

  SPHERE_ASSIGN_OR_RETURN(report.coverage,
                          InferNiches(store, trained.classifier, options.now, progress));
  return report;
}

}  // namespace sphere::service
