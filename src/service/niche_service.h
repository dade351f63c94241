// Use case: train the niche classifier on the store's labelled posts, save it, and infer
// a niche for every creator in the store (sphere train niche).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "model/niche/niche_classifier.h"
#include "store/store.h"

namespace sphere::service {

// Confidence recorded for method "category": the creator's own source category, mapped
// through the taxonomy, taken as given. It is not a probability (docs/niche-classifier.md).
inline constexpr double kCategoryConfidence = 1.0;

struct TrainNicheOptions {
  std::filesystem::path models_dir = "var/models";  // the model goes to <dir>/niche/<version>
  int seed = 1;
  bool if_absent = false;     // do nothing when a loadable niche model is already registered
  std::string grid = "full";  // see niche::NicheTrainOptions
  int max_epochs = 0;
  int threads = 1;  // fastText's; 1 is reproducible
  UnixSeconds now = 0;
};

struct NicheCoverage {
  int64_t creators = 0;
  int64_t by_classifier = 0;  // had captions or image descriptions
  int64_t by_category = 0;    // no text, but a source category that maps
  int64_t by_profile = 0;     // neither: the classifier on the handle and display name
  std::map<std::string, int64_t> by_niche;
};

struct TrainNicheReport {
  bool skipped = false;  // --if-absent found a model
  std::string version;
  std::filesystem::path model_dir;
  int64_t training_posts = 0;
  int64_t training_creators = 0;
  std::string metrics_table;
  NicheCoverage coverage;
};

// The labelled posts: every post with a caption or an image description whose creator's
// profile came from Kim et al.'s files (source "kim_influencers" or "kim_posts") and
// whose category maps to a niche. (A few Kim creators were later re-labelled by another
// source's newer profile; their category is no longer Kim's, so they are left out.)
// In store order (post id), so the training data hash is stable.
Result<std::vector<niche::LabelledText>> NicheTrainingExamples(Store& store);

// Infers and writes (one WriteInferredNiches call) the niche of every creator: from their
// posts, else their source category, else their handle and display name; see NicheCoverage.
Result<NicheCoverage> InferNiches(Store& store, const niche::NicheClassifier& classifier,
                                  UnixSeconds now, const niche::ProgressFn& progress = {});

// Trains, evaluates, writes the model directory, registers it (Store::SaveModel), then
// runs InferNiches with it.
Result<TrainNicheReport> TrainNiche(Store& store, const TrainNicheOptions& options,
                                    const niche::ProgressFn& progress = {});

}  // namespace sphere::service
