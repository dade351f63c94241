// The niche classifier: a creator's niche from their captions and Instagram's image
// descriptions, trained on the Kim et al. posts (labels: the creator's Kim category
// through the taxonomy, core/niche.h). See docs/niche-classifier.md for the model card.
//
// Training splits BY CREATOR (a deterministic hash of the creator key) into train /
// validation / test, tunes fastText, the TF-IDF + logistic-regression baseline and a
// character n-gram TF-IDF + logistic regression on validation only, picks their ensemble
// weights on validation, and reports every model (and the majority-class baseline) once
// on the test creators.
//
// Thread safety: a loaded NicheClassifier is immutable; Predict may be called from many
// threads at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/domain.h"
#include "core/split.h"
#include "core/status.h"
#include "model/niche/fasttext_model.h"
#include "model/niche/tfidf_lr.h"

namespace sphere::niche {

inline constexpr std::string_view kModelKind = "niche";

// One labelled post.
struct LabelledText {
  std::string creator;  // the split key and creator-level group, e.g. "instagram/alice"
  std::string caption;
  std::string image_description;
  std::string niche;  // an id of Niches()
};

// Where a creator falls: core/split.h, shared by every model.
using ::sphere::Split;
using ::sphere::SplitOf;
using ::sphere::ToString;

struct NicheTrainOptions {
  int seed = 1;
  int threads = 1;
  // "full": the grid of docs/niche-classifier.md; "small": one fastText configuration and
  // two values of C, for tests and smoke runs.
  std::string grid = "full";
  // Caps fastText's epochs (0 = no cap): keeps the sanitizer-built integration test short.
  int max_epochs = 0;
  UnixSeconds now = 0;             // created_at and the version's timestamp
  std::filesystem::path work_dir;  // scratch files; default: the system temp directory
};

// stage ("tfidf", "fasttext 3/16", ...), units done, units total.
using ProgressFn = std::function<void(std::string_view stage, int64_t done, int64_t total)>;

struct NichePrediction {
  std::string niche;                                          // the most probable class
  double confidence = 0;                                      // its probability
  std::vector<std::pair<std::string, double>> probabilities;  // every class, model order
};

class NicheClassifier {
 public:
  // Loads a model directory written by SaveNicheModel. NotFound (telling the user to run
  // `sphere train niche`) when there is no model; FailedPrecondition when the manifest's
  // kind or text-normalisation version is not this build's; DataLoss when damaged.
  static Result<NicheClassifier> Load(const std::filesystem::path& dir);

  // Errors only when fastText fails inside (Internal).
  Result<NichePrediction> Predict(std::string_view caption,
                                  std::string_view image_description) const;
  // Several posts of one creator: the mean of their probabilities.
  Result<NichePrediction> PredictMean(
      const std::vector<std::pair<std::string_view, std::string_view>>& posts) const;
  // Class probabilities of one NicheText line, in classes() order.
  Result<std::vector<double>> Probabilities(std::string_view niche_text) const;

  const std::vector<std::string>& classes() const { return classes_; }
  const std::string& version() const { return version_; }
  double tfidf_weight() const { return tfidf_weight_; }
  double char_tfidf_weight() const { return char_tfidf_weight_; }
  double prior_alpha() const { return prior_alpha_; }

 private:
  friend Result<struct TrainedNiche> TrainNicheClassifier(const std::vector<LabelledText>&,
                                                          const NicheTrainOptions&,
                                                          const ProgressFn&);
  friend Status SaveNicheModel(const struct TrainedNiche&, const std::filesystem::path&);
  NicheClassifier(std::string version, std::vector<std::string> classes, FastTextModel fasttext,
                  TfidfVectorizer tfidf, LogisticRegression lr, double tfidf_weight,
                  std::optional<TfidfVectorizer> char_tfidf,
                  std::optional<LogisticRegression> char_lr, double char_tfidf_weight,
                  std::vector<double> priors, double prior_alpha);
  NichePrediction FromProbabilities(const std::vector<double>& p) const;

  std::string version_;
  std::vector<std::string> classes_;
  FastTextModel fasttext_;
  TfidfVectorizer tfidf_;
  LogisticRegression lr_;
  // The character n-gram TF-IDF LR: absent in models that do not use it (weight 0).
  std::optional<TfidfVectorizer> char_tfidf_;
  std::optional<LogisticRegression> char_lr_;
  // p = (1 - w - wc) * fastText + w * word TF-IDF LR + wc * char TF-IDF LR
  double tfidf_weight_ = 0;
  double char_tfidf_weight_ = 0;
  // Then p_c / prior_c^alpha, renormalised: alpha > 0 trades some accuracy on the big
  // niches for recall on the small ones (macro-F1). Priors: the training posts' shares.
  std::vector<double> priors_;
  double prior_alpha_ = 0;
};

// The text of a creator's profile for the classifier, when they have no posts: the handle
// with '_' and '.' as spaces ("cooking_with.lynja" -> "cooking with lynja"), then the
// display name. fastText's character n-grams read words run together ("cookingwithlynja").
std::string ProfileText(std::string_view handle, std::string_view display_name);

struct TrainedNiche {
  NicheClassifier classifier;
  std::string manifest_json;  // the whole manifest.json
  std::string metrics_json;   // its "metrics" object
  std::string data_sha256;    // of the training examples, in order
  std::string report;         // the metrics table for people
};

Result<TrainedNiche> TrainNicheClassifier(const std::vector<LabelledText>& examples,
                                          const NicheTrainOptions& options,
                                          const ProgressFn& progress = {});

// Writes fasttext.bin, tfidf_vocabulary.tsv, tfidf_lr.model, char_tfidf_vocabulary.tsv,
// char_tfidf_lr.model (when the blend uses them) and manifest.json into `dir`
// (created; files already there are replaced).
Status SaveNicheModel(const TrainedNiche& trained, const std::filesystem::path& dir);

// The default directory of a model version: <models_root>/niche/<version>.
std::filesystem::path NicheModelDir(const std::filesystem::path& models_root,
                                    std::string_view version);

}  // namespace sphere::niche
