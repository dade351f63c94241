// Use cases of the PLEP model: build its training table from the store, train and
// register it (sphere train plep), load the current one, score a post file
// (sphere predict-posts) and diagnose a draft with drivers and what-ifs (sphere diagnose).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.h"
#include "features/post/post_features.h"
#include "model/explain/drivers.h"
#include "model/plep/plep_dataset.h"
#include "model/plep/plep_model.h"
#include "model/plep/plep_train.h"
#include "service/feature_service.h"
#include "store/store.h"

namespace sphere::service {

// The niche PLEP sees for a creator: their source category through the taxonomy (the
// label as given) or else the niche `sphere train niche` inferred; nullopt when neither.
Result<std::optional<std::string>> PlepNicheOf(Store* store, const Creator& creator);

// A creator with everything the featurizer reads about them (posts, snapshots) and their
// niche: what scoring a draft for them needs. Servers cache it per creator.
struct PlepCreator : LoadedCreator {
  std::optional<std::string> niche;
};
// NotFound names the creator as the user typed them.
Result<PlepCreator> LoadPlepCreator(Store& store, Platform platform, std::string_view handle);

// One draft scored: the prediction, with contributions when `explain` (else they are empty).
struct DraftPrediction {
  features::PostFeatures features;
  features::FeatureVector vector;  // the PLEP vector
  plep::PlepExplanation explanation;
  std::string model_version;
};
// `creator` null: a draft with no creator (creator.* and history.* features missing). `at`
// must equal draft.posted_at when that is set (the featurizer's rule).
Result<DraftPrediction> PredictDraft(const plep::PlepModel& model,
                                     const features::PostFeaturizer& featurizer,
                                     const PlepCreator* creator, const features::PostDraft& draft,
                                     UnixSeconds at, bool explain);

// The PLEP vector: the post features then the niche indicators.
features::FeatureVector PlepVector(const features::PostFeatures& post,
                                   const std::optional<std::string>& niche);

// Every stored post with a time, likes and comments, with its creator's history before
// it. `skipped` counts the posts left out (no time, or no likes/comments).
struct PlepTrainingSet {
  plep::PlepDataset data;
  int64_t skipped_undated = 0;
  int64_t skipped_unscored = 0;
};
Result<PlepTrainingSet> BuildPlepTrainingSet(Store& store,
                                             const features::PostFeaturizer& featurizer,
                                             const plep::ProgressFn& progress = {});

struct TrainPlepOptions {
  std::filesystem::path models_dir = "var/models";  // the model goes to <dir>/plep/<version>
  bool if_absent = false;  // do nothing when a loadable PLEP model is registered
  plep::PlepTrainOptions train;
};

struct TrainPlepReport {
  bool skipped = false;
  std::string version;
  std::filesystem::path model_dir;
  int64_t posts = 0;
  int64_t skipped_undated = 0;
  int64_t skipped_unscored = 0;
  double feature_seconds = 0;
  std::string metrics_table;
};

Result<TrainPlepReport> TrainPlep(Store& store, const features::PostFeaturizer& featurizer,
                                  const TrainPlepOptions& options,
                                  const plep::ProgressFn& progress = {});

// The latest registered PLEP model, loaded. NotFound (naming `sphere train plep`) when
// none is registered; the model's own Load errors otherwise.
Result<std::shared_ptr<const plep::PlepModel>> LoadCurrentPlep(Store& store);

// sphere predict-posts: scores every post of a file the importer reads. Each post's
// history is its creator's posts in the same file strictly before it (a post without a
// time gets no history). A creator's profile is the file's; a creator the file does not
// profile (a posts-only file) gets the store's profile when the store knows them. The niche
// is the profile's category, else the store's inferred niche. Writes CSV, one row per
// post, in file order.
struct PredictPostsReport {
  int64_t posts = 0;
  int64_t without_time = 0;
  int64_t rows_rejected = 0;  // by the importer, with reasons in `rejects`
  std::vector<std::string> rejects;
  // On posts whose file has likes and comments: how the predictions compare.
  int64_t scored_with_actuals = 0;
  double spearman = 0, mae = 0, coverage = 0;
  double seconds = 0;
};
Result<PredictPostsReport> PredictPostsFile(const plep::PlepModel& model,
                                            const features::PostFeaturizer& featurizer,
                                            Store* store, const std::filesystem::path& in,
                                            const std::filesystem::path& out,
                                            const std::string& format = "");

// The post.age_days a draft is scored at when the caller names none: what the post will have
// once its engagement has settled. The training posts were counted at the crawl, mostly
// months after posting (1.8% within 30 days, 12% within 90), so 90 days sits inside what the
// model has seen; 30 would be at its thin edge. `sphere diagnose` and the API both use it.
inline constexpr double kSettledAgeDays = 90;

// sphere diagnose: one draft for one creator in the store.
struct WhatIf {
  std::string edit;         // stable id: "hashtags_remove", "best_hour", "carousel", ...
  std::string description;  // "post at 19:00 UTC instead of 11:00"
  double engagement = 0;    // predicted likes + comments with the edit
  double change = 0;        // relative to the draft: +0.12 = 12% more
};

struct Diagnosis {
  features::PostFeatures features;
  features::FeatureVector vector;  // the PLEP vector
  plep::PlepExplanation explanation;
  std::vector<explain::Driver> drivers;  // every group, by |contribution|
  std::vector<WhatIf> what_ifs;          // sorted by change, best first
  // Where the draft is outside what the model has seen (a format it never saw on the
  // platform): the prediction stands, but says less.
  std::vector<std::string> warnings;
  std::string model_version;
};

Result<Diagnosis> Diagnose(Store& store, const plep::PlepModel& model,
                           const features::PostFeaturizer& featurizer, const DraftRequest& request);
// The same for a creator already loaded (the server's cache).
Result<Diagnosis> Diagnose(const plep::PlepModel& model, const features::PostFeaturizer& featurizer,
                           const PlepCreator& creator, const features::PostDraft& draft,
                           UnixSeconds at);

}  // namespace sphere::service
