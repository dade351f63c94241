#include "model/niche/niche_classifier.h"

#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "model/artifacts/artifact_files.h"
#include "core/niche.h"
#include "core/time.h"
#include "model/niche/niche_metrics.h"
#include "model/niche/niche_text.h"

namespace sphere::niche {
namespace {

using nlohmann::json;

constexpr const char* kFastTextFile = "fasttext.bin";
constexpr const char* kVocabularyFile = "tfidf_vocabulary.tsv";
constexpr const char* kLogisticFile = "tfidf_lr.model";
constexpr const char* kCharVocabularyFile = "char_tfidf_vocabulary.tsv";
constexpr const char* kCharLogisticFile = "char_tfidf_lr.model";
constexpr const char* kManifestFile = "manifest.json";
constexpr int kTfidfMinDf = 2;
constexpr int kCharTfidfMinDf = 3;

// Deletes a scratch directory on every path out of training.
class ScratchDir {
 public:
  static Result<ScratchDir> Create(std::filesystem::path parent, int seed) {
    std::error_code error;
    if (parent.empty()) parent = std::filesystem::temp_directory_path(error);
    std::random_device random;
    std::filesystem::path path = parent / ("sphere-niche-" + std::to_string(seed) + "-" +
                                           std::to_string(random()) + std::to_string(random()));
    if (!std::filesystem::create_directories(path, error)) {
      return Unavailable(path.string() + ": cannot create a scratch directory: " + error.message());
    }
    return ScratchDir(path);
  }
  ScratchDir(ScratchDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  ScratchDir& operator=(ScratchDir&&) = delete;
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit ScratchDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

std::string Sha256Hex(const std::vector<LabelledText>& examples) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  auto add = [&](std::string_view s, char end) {
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(s.data()), s.size());
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(&end), 1);
  };
  for (const LabelledText& e : examples) {
    // NUL separates fields: it cannot occur in stored text.
    add(e.creator, '\0');
    add(e.niche, '\0');
    add(e.caption, '\0');
    add(e.image_description, '\n');
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : digest) {
    hex += kHex[b >> 4];
    hex += kHex[b & 0xF];
  }
  return hex;
}

// The examples of one split, as the models see them.
struct Part {
  std::vector<std::string> text;     // NicheText
  std::vector<int> label;            // class index
  std::vector<std::string> creator;  // group for creator-level metrics
  size_t size() const { return text.size(); }
};

json MetricsJson(const Metrics& m, const std::vector<std::string>& classes) {
  json per_class = json::object();
  for (size_t c = 0; c < classes.size(); ++c) per_class[classes[c]] = m.f1[c];
  return {{"n", m.n},
          {"accuracy", m.accuracy},
          {"macro_f1", m.macro_f1},
          {"per_class_f1", per_class},
          {"confusion", m.confusion}};
}

struct Scored {
  Metrics post;
  Metrics creator;
};

Scored Score(const Part& part, const std::vector<std::vector<double>>& probabilities, int classes) {
  std::vector<int> predicted;
  predicted.reserve(probabilities.size());
  for (const auto& p : probabilities) predicted.push_back(ArgMax(p));
  return {Evaluate(part.label, predicted, classes),
          EvaluateGroups(part.creator, part.label, probabilities, classes)};
}

json ScoredJson(const Scored& s, const std::vector<std::string>& classes) {
  return {{"post", MetricsJson(s.post, classes)}, {"creator", MetricsJson(s.creator, classes)}};
}

// What model selection maximises on validation: the mean of the four reported figures,
// so that no choice buys macro-F1 with accuracy (or the reverse) unnoticed.
double Objective(const Scored& s) {
  return (s.post.accuracy + s.post.macro_f1 + s.creator.accuracy + s.creator.macro_f1) / 4;
}

// (1 - w - wc) * a + w * b + wc * chars
std::vector<std::vector<double>> Blend(const std::vector<std::vector<double>>& a,
                                       const std::vector<std::vector<double>>& b, double w,
                                       const std::vector<std::vector<double>>& chars, double wc) {
  std::vector<std::vector<double>> out = a;
  for (size_t i = 0; i < out.size(); ++i) {
    for (size_t c = 0; c < out[i].size(); ++c) {
      out[i][c] = (1 - w - wc) * a[i][c] + w * b[i][c] + (wc > 0 ? wc * chars[i][c] : 0.0);
    }
  }
  return out;
}

// p_c / prior_c^alpha, renormalised to sum to 1.
std::vector<double> Reweigh(std::vector<double> p, const std::vector<double>& priors,
                            double alpha) {
  double sum = 0;
  for (size_t c = 0; c < p.size(); ++c) {
    p[c] /= std::pow(std::max(priors[c], 1e-6), alpha);
    sum += p[c];
  }
  if (sum > 0) {
    for (double& v : p) v /= sum;
  }
  return p;
}

std::vector<std::vector<double>> ReweighAll(std::vector<std::vector<double>> p,
                                            const std::vector<double>& priors, double alpha) {
  if (alpha == 0) return p;
  for (auto& row : p) row = Reweigh(std::move(row), priors, alpha);
  return p;
}

json FastTextParamsJson(const FastTextParams& p) {
  return {{"epoch", p.epoch},   {"lr", p.lr},           {"word_ngrams", p.word_ngrams},
          {"dim", p.dim},       {"minn", p.minn},       {"maxn", p.maxn},
          {"bucket", p.bucket}, {"threads", p.threads}, {"seed", p.seed},
          {"loss", "softmax"}};
}

std::vector<FastTextParams> FastTextGrid(const NicheTrainOptions& options) {
  std::vector<FastTextParams> grid;
  auto add = [&](int epoch, double lr, int ngrams, int minn, int maxn) {
    FastTextParams p;
    p.epoch = options.max_epochs > 0 ? std::min(epoch, options.max_epochs) : epoch;
    p.lr = lr;
    p.word_ngrams = ngrams;
    p.dim = 50;
    p.minn = minn;
    p.maxn = maxn;
    p.threads = options.threads;
    p.seed = options.seed;
    grid.push_back(p);
  };
  if (options.grid == "small") {
    add(10, 0.2, 2, 3, 5);
    return grid;
  }
  for (int epoch : {5, 10}) {
    for (double lr : {0.1, 0.25}) {
      for (int ngrams : {1, 2}) {
        add(epoch, lr, ngrams, 0, 0);
        add(epoch, lr, ngrams, 3, 5);
      }
    }
  }
  return grid;
}

std::string Row(std::string_view name, const Scored& s) {
  char line[160];
  std::snprintf(line, sizeof line, "  %-22s %9.3f %13.3f %12.3f %16.3f\n",
                std::string(name).c_str(), s.post.accuracy, s.post.macro_f1, s.creator.accuracy,
                s.creator.macro_f1);
  return line;
}

std::string VersionFor(UnixSeconds now) {
  std::string iso = FormatIsoTime(now);  // 2024-05-01T12:00:00Z
  std::string compact;
  for (char c : iso) {
    if (c != '-' && c != ':') compact += c;
  }
  return "niche-" + compact;
}

}  // namespace

std::filesystem::path NicheModelDir(const std::filesystem::path& models_root,
                                    std::string_view version) {
  return models_root / "niche" / std::string(version);
}

NicheClassifier::NicheClassifier(std::string version, std::vector<std::string> classes,
                                 FastTextModel fasttext, TfidfVectorizer tfidf,
                                 LogisticRegression lr, double tfidf_weight,
                                 std::optional<TfidfVectorizer> char_tfidf,
                                 std::optional<LogisticRegression> char_lr,
                                 double char_tfidf_weight, std::vector<double> priors,
                                 double prior_alpha)
    : version_(std::move(version)),
      classes_(std::move(classes)),
      fasttext_(std::move(fasttext)),
      tfidf_(std::move(tfidf)),
      lr_(std::move(lr)),
      char_tfidf_(std::move(char_tfidf)),
      char_lr_(std::move(char_lr)),
      tfidf_weight_(tfidf_weight),
      char_tfidf_weight_(char_lr_ && char_tfidf_ ? char_tfidf_weight : 0.0),
      priors_(std::move(priors)),
      prior_alpha_(prior_alpha) {}

Result<std::vector<double>> NicheClassifier::Probabilities(std::string_view niche_text) const {
  SPHERE_ASSIGN_OR_RETURN(std::vector<double> p, fasttext_.Probabilities(niche_text, classes_));
  const double fasttext_weight = 1 - tfidf_weight_ - char_tfidf_weight_;
  if (fasttext_weight != 1) {
    for (double& v : p) v *= fasttext_weight;
  }
  if (tfidf_weight_ > 0) {
    std::vector<double> q = lr_.Probabilities(tfidf_.Transform(niche_text));
    for (size_t c = 0; c < p.size(); ++c) p[c] += tfidf_weight_ * q[c];
  }
  if (char_tfidf_weight_ > 0) {
    std::vector<double> q = char_lr_->Probabilities(char_tfidf_->Transform(niche_text));
    for (size_t c = 0; c < p.size(); ++c) p[c] += char_tfidf_weight_ * q[c];
  }
  if (prior_alpha_ > 0) p = Reweigh(p, priors_, prior_alpha_);
  return p;
}

NichePrediction NicheClassifier::FromProbabilities(const std::vector<double>& p) const {
  NichePrediction prediction;
  const int best = ArgMax(p);
  prediction.niche = classes_[best];
  prediction.confidence = std::clamp(p[best], 0.0, 1.0);
  for (size_t c = 0; c < classes_.size(); ++c) {
    prediction.probabilities.emplace_back(classes_[c], p[c]);
  }
  return prediction;
}

std::string ProfileText(std::string_view handle, std::string_view display_name) {
  std::string text(handle);
  for (char& c : text) {
    if (c == '_' || c == '.') c = ' ';
  }
  if (!display_name.empty()) {
    text += ' ';
    text += display_name;
  }
  return text;
}

Result<NichePrediction> NicheClassifier::Predict(std::string_view caption,
                                                 std::string_view image_description) const {
  SPHERE_ASSIGN_OR_RETURN(std::vector<double> p,
                          Probabilities(NicheText(caption, image_description)));
  return FromProbabilities(p);
}

Result<NichePrediction> NicheClassifier::PredictMean(
    const std::vector<std::pair<std::string_view, std::string_view>>& posts) const {
  std::vector<double> sum(classes_.size(), 0.0);
  for (const auto& [caption, description] : posts) {
    SPHERE_ASSIGN_OR_RETURN(std::vector<double> p, Probabilities(NicheText(caption, description)));
    for (size_t c = 0; c < sum.size(); ++c) sum[c] += p[c];
  }
  if (!posts.empty()) {
    for (double& v : sum) v /= static_cast<double>(posts.size());
  }
  return FromProbabilities(sum);
}

Result<TrainedNiche> TrainNicheClassifier(const std::vector<LabelledText>& examples,
                                          const NicheTrainOptions& options,
                                          const ProgressFn& progress) {
  auto report_progress = [&](std::string_view stage, int64_t done, int64_t total) {
    if (progress) progress(stage, done, total);
  };
  // Classes: the labels present, in taxonomy order.
  std::vector<std::string> classes;
  for (const NicheInfo& info : Niches()) {
    if (std::any_of(examples.begin(), examples.end(),
                    [&](const LabelledText& e) { return e.niche == info.id; })) {
      classes.emplace_back(info.id);
    }
  }
  for (const LabelledText& e : examples) {
    if (!IsNiche(e.niche)) {
      return InvalidArgument("training example of " + e.creator + ": niche '" + e.niche +
                             "' is not a niche of the taxonomy");
    }
    if (e.creator.empty()) return InvalidArgument("training example without a creator");
  }
  if (classes.size() < 2) {
    return InvalidArgument("niche training needs posts of at least two niches; found " +
                           std::to_string(classes.size()) +
                           " (import Kim et al.'s posts and influencer list first)");
  }
  std::map<std::string, int> class_index;
  for (size_t c = 0; c < classes.size(); ++c) class_index[classes[c]] = static_cast<int>(c);
  const int k = static_cast<int>(classes.size());

  Part parts[3];
  for (const LabelledText& e : examples) {
    Part& part = parts[static_cast<int>(SplitOf(e.creator))];
    part.text.push_back(NicheText(e.caption, e.image_description));
    part.label.push_back(class_index[e.niche]);
    part.creator.push_back(e.creator);
  }
  const Part& train = parts[0];
  const Part& validation = parts[1];
  const Part& test = parts[2];
  for (int s = 0; s < 3; ++s) {
    if (parts[s].size() == 0) {
      return InvalidArgument("niche training: the " + std::string(ToString(static_cast<Split>(s))) +
                             " split is empty; too few creators (" +
                             std::to_string(examples.size()) + " posts)");
    }
  }

  SPHERE_ASSIGN_OR_RETURN(ScratchDir scratch, ScratchDir::Create(options.work_dir, options.seed));

  // Majority class of the training posts.
  std::vector<int64_t> counts(k, 0);
  for (int label : train.label) ++counts[label];
  const int majority =
      static_cast<int>(std::max_element(counts.begin(), counts.end()) - counts.begin());
  auto majority_probabilities = [&](const Part& part) {
    std::vector<double> one_hot(k, 0.0);
    one_hot[majority] = 1.0;
    return std::vector<std::vector<double>>(part.size(), one_hot);
  };

  // TF-IDF + logistic regression, C tuned on validation.
  report_progress("tf-idf", 0, 1);
  TfidfVectorizer tfidf = TfidfVectorizer::Fit(train.text, kTfidfMinDf);
  auto transform = [&](const Part& part) {
    std::vector<SparseVector> x;
    x.reserve(part.size());
    for (const std::string& text : part.text) x.push_back(tfidf.Transform(text));
    return x;
  };
  const std::vector<SparseVector> x_train = transform(train);
  const std::vector<SparseVector> x_validation = transform(validation);
  const std::vector<SparseVector> x_test = transform(test);
  auto lr_probabilities = [&](const LogisticRegression& lr, const std::vector<SparseVector>& x) {
    std::vector<std::vector<double>> p;
    p.reserve(x.size());
    for (const SparseVector& row : x) p.push_back(lr.Probabilities(row));
    return p;
  };
  const std::vector<double> c_grid = options.grid == "small"
                                         ? std::vector<double>{1, 4}
                                         : std::vector<double>{0.5, 1, 2, 4, 8, 16};
  std::optional<LogisticRegression> best_lr;
  double best_c = 0;
  double best_lr_objective = -1;
  json lr_grid = json::array();
  for (size_t i = 0; i < c_grid.size(); ++i) {
    report_progress("tf-idf + logistic regression", static_cast<int64_t>(i),
                    static_cast<int64_t>(c_grid.size()));
    SPHERE_ASSIGN_OR_RETURN(
        LogisticRegression lr,
        LogisticRegression::Train(x_train, train.label, k, tfidf.size(), c_grid[i]));
    Scored scored = Score(validation, lr_probabilities(lr, x_validation), k);
    lr_grid.push_back({{"C", c_grid[i]},
                       {"validation_post_macro_f1", scored.post.macro_f1},
                       {"validation_creator_macro_f1", scored.creator.macro_f1},
                       {"validation_post_accuracy", scored.post.accuracy}});
    if (Objective(scored) > best_lr_objective) {
      best_lr_objective = Objective(scored);
      best_c = c_grid[i];
      best_lr.emplace(std::move(lr));
    }
  }
  report_progress("tf-idf + logistic regression", static_cast<int64_t>(c_grid.size()),
                  static_cast<int64_t>(c_grid.size()));

  // The same on character n-grams (2-5 within tokens, min df 3), C tuned on validation.
  report_progress("char tf-idf", 0, 1);
  TfidfVectorizer char_tfidf =
      TfidfVectorizer::Fit(train.text, kCharTfidfMinDf, TfidfTerms::kChars);
  auto char_transform = [&](const Part& part) {
    std::vector<SparseVector> x;
    x.reserve(part.size());
    for (const std::string& text : part.text) x.push_back(char_tfidf.Transform(text));
    return x;
  };
  const std::vector<SparseVector> xc_validation = char_transform(validation);
  const std::vector<double> char_c_grid =
      options.grid == "small" ? std::vector<double>{4} : std::vector<double>{1, 4, 16};
  std::optional<LogisticRegression> best_char_lr;
  double best_char_c = 0;
  double best_char_lr_objective = -1;
  json char_lr_grid = json::array();
  {
    const std::vector<SparseVector> xc_train = char_transform(train);
    for (size_t i = 0; i < char_c_grid.size(); ++i) {
      report_progress("char tf-idf + logistic regression", static_cast<int64_t>(i),
                      static_cast<int64_t>(char_c_grid.size()));
      SPHERE_ASSIGN_OR_RETURN(
          LogisticRegression lr,
          LogisticRegression::Train(xc_train, train.label, k, char_tfidf.size(), char_c_grid[i]));
      Scored scored = Score(validation, lr_probabilities(lr, xc_validation), k);
      char_lr_grid.push_back({{"C", char_c_grid[i]},
                              {"validation_objective", Objective(scored)},
                              {"validation_post_macro_f1", scored.post.macro_f1},
                              {"validation_creator_macro_f1", scored.creator.macro_f1},
                              {"validation_post_accuracy", scored.post.accuracy}});
      if (Objective(scored) > best_char_lr_objective) {
        best_char_lr_objective = Objective(scored);
        best_char_c = char_c_grid[i];
        best_char_lr.emplace(std::move(lr));
      }
    }
  }  // the training rows are freed before fastText
  report_progress("char tf-idf + logistic regression", static_cast<int64_t>(char_c_grid.size()),
                  static_cast<int64_t>(char_c_grid.size()));

  // fastText, grid on validation.
  const std::filesystem::path train_file = scratch.path() / "train.txt";
  {
    std::string lines;
    for (size_t i = 0; i < train.size(); ++i) {
      lines += "__label__";
      lines += classes[train.label[i]];
      lines += ' ';
      lines += train.text[i];
      lines += '\n';
    }
    SPHERE_RETURN_IF_ERROR(model::WriteArtifact(train_file, lines));
  }
  auto ft_probabilities = [&](const FastTextModel& model,
                              const Part& part) -> Result<std::vector<std::vector<double>>> {
    std::vector<std::vector<double>> p;
    p.reserve(part.size());
    for (const std::string& text : part.text) {
      SPHERE_ASSIGN_OR_RETURN(std::vector<double> row, model.Probabilities(text, classes));
      p.push_back(std::move(row));
    }
    return p;
  };
  const std::vector<FastTextParams> grid = FastTextGrid(options);
  std::optional<FastTextModel> best_ft;
  FastTextParams best_params;
  double best_ft_objective = -1;
  json ft_grid = json::array();
  for (size_t i = 0; i < grid.size(); ++i) {
    const std::string stage =
        "fastText " + std::to_string(i + 1) + "/" + std::to_string(grid.size());
    SPHERE_ASSIGN_OR_RETURN(FastTextModel model,
                            FastTextModel::Train(train_file, grid[i], [&](double fraction) {
                              report_progress(stage, static_cast<int64_t>(fraction * 1000), 1000);
                            }));
    SPHERE_ASSIGN_OR_RETURN(auto probabilities, ft_probabilities(model, validation));
    Scored scored = Score(validation, probabilities, k);
    json row = FastTextParamsJson(grid[i]);
    row["validation_post_macro_f1"] = scored.post.macro_f1;
    row["validation_creator_macro_f1"] = scored.creator.macro_f1;
    row["validation_post_accuracy"] = scored.post.accuracy;
    ft_grid.push_back(row);
    if (Objective(scored) > best_ft_objective) {
      best_ft_objective = Objective(scored);
      best_params = grid[i];
      best_ft.emplace(std::move(model));
    }
  }

  // The ensemble weight, on validation.
  SPHERE_ASSIGN_OR_RETURN(const auto ft_validation, ft_probabilities(*best_ft, validation));
  const auto lr_validation = lr_probabilities(*best_lr, x_validation);
  const auto char_validation = lr_probabilities(*best_char_lr, xc_validation);
  std::vector<double> priors(k, 0.0);
  for (int c = 0; c < k; ++c) {
    priors[c] = static_cast<double>(counts[c]) / static_cast<double>(train.size());
  }
  double best_w = 0;
  double best_wc = 0;
  double best_alpha = 0;
  double best_w_objective = -1;
  json weight_grid = json::array();
  // Weights on the word and char TF-IDF LRs (fastText gets the rest), in steps of 0.25;
  // wc = 0 rows are the two-model blend.
  for (double wc : {0.0, 0.25, 0.5, 0.75}) {
    for (double w : {0.0, 0.25, 0.5, 0.75}) {
      if (w + wc > 1) continue;
      for (double alpha : {0.0, 0.25, 0.5, 0.75}) {
        Scored scored = Score(
            validation,
            ReweighAll(Blend(ft_validation, lr_validation, w, char_validation, wc), priors, alpha),
            k);
        weight_grid.push_back({{"tfidf_weight", w},
                               {"char_tfidf_weight", wc},
                               {"prior_alpha", alpha},
                               {"validation_objective", Objective(scored)},
                               {"validation_post_accuracy", scored.post.accuracy},
                               {"validation_post_macro_f1", scored.post.macro_f1},
                               {"validation_creator_accuracy", scored.creator.accuracy},
                               {"validation_creator_macro_f1", scored.creator.macro_f1}});
        if (Objective(scored) > best_w_objective) {
          best_w_objective = Objective(scored);
          best_w = w;
          best_wc = wc;
          best_alpha = alpha;
        }
      }
    }
  }

  // Test, once, for every model.
  report_progress("evaluating on test creators", 0, 1);
  SPHERE_ASSIGN_OR_RETURN(const auto ft_test, ft_probabilities(*best_ft, test));
  const auto lr_test = lr_probabilities(*best_lr, x_test);
  const auto char_test = lr_probabilities(*best_char_lr, char_transform(test));
  const Scored majority_test = Score(test, majority_probabilities(test), k);
  const Scored lr_scored = Score(test, lr_test, k);
  const Scored char_scored = Score(test, char_test, k);
  const Scored ft_scored = Score(test, ft_test, k);
  const Scored classifier_scored = Score(
      test, ReweighAll(Blend(ft_test, lr_test, best_w, char_test, best_wc), priors, best_alpha), k);
  report_progress("evaluating on test creators", 1, 1);

  const std::string version = VersionFor(options.now);
  const std::string data_sha256 = Sha256Hex(examples);
  const int tfidf_features = tfidf.size();
  const int char_features = char_tfidf.size();
  NicheClassifier classifier(
      version, classes, std::move(*best_ft), std::move(tfidf), std::move(*best_lr), best_w,
      best_wc > 0 ? std::optional(std::move(char_tfidf)) : std::nullopt,
      best_wc > 0 ? std::move(best_char_lr) : std::nullopt, best_wc, priors, best_alpha);

  // The fallback for creators without posts (method "profile" in the store): the same
  // classifier on the handle alone, scored on the test creators, one prediction each.
  std::map<std::string, int> test_creator_label;
  for (size_t i = 0; i < test.size(); ++i) test_creator_label[test.creator[i]] = test.label[i];
  std::vector<int> profile_truth, profile_predicted;
  for (const auto& [key, label] : test_creator_label) {
    const std::string_view handle = std::string_view(key).substr(key.find('/') + 1);
    SPHERE_ASSIGN_OR_RETURN(NichePrediction p, classifier.Predict(ProfileText(handle, ""), ""));
    const auto it = std::find(classes.begin(), classes.end(), p.niche);
    profile_truth.push_back(label);
    profile_predicted.push_back(static_cast<int>(it - classes.begin()));
  }
  const Metrics profile_test = Evaluate(profile_truth, profile_predicted, k);
  auto creators_in = [](const Part& part) {
    return static_cast<int64_t>(
        std::set<std::string>(part.creator.begin(), part.creator.end()).size());
  };
  json metrics = {
      {"evaluated_on", "test"},
      {"classifier", ScoredJson(classifier_scored, classes)},
      {"fasttext", ScoredJson(ft_scored, classes)},
      {"tfidf_lr", ScoredJson(lr_scored, classes)},
      {"char_tfidf_lr", ScoredJson(char_scored, classes)},
      {"majority", ScoredJson(majority_test, classes)},
      {"profile_only", {{"creator", MetricsJson(profile_test, classes)}}},
  };
  json files = {{"fasttext", kFastTextFile},
                {"tfidf_vocabulary", kVocabularyFile},
                {"tfidf_lr", kLogisticFile}};
  if (best_wc > 0) {
    files["char_tfidf_vocabulary"] = kCharVocabularyFile;
    files["char_tfidf_lr"] = kCharLogisticFile;
  }
  json manifest = {
      {"kind", kModelKind},
      {"version", version},
      {"created_at", FormatIsoTime(options.now)},
      {"created_at_unix", options.now},
      {"text_normalisation_version", kNicheTextVersion},
      {"training_data_sha256", data_sha256},
      {"classes", classes},
      {"files", files},
      {"data",
       {{"source", "Kim et al. Instagram posts (kim_posts): caption + image_description"},
        {"label", "the creator's Kim category through the taxonomy (core/niche.h)"},
        {"posts", examples.size()}}},
      {"split",
       {{"by", "creator"},
        {"rule",
         "FNV-1a 64 of the creator key ('platform/handle') mod 100: [0,70) train, "
         "[70,85) validation, [85,100) test"},
        {"train", {{"posts", train.size()}, {"creators", creators_in(train)}}},
        {"validation", {{"posts", validation.size()}, {"creators", creators_in(validation)}}},
        {"test", {{"posts", test.size()}, {"creators", creators_in(test)}}}}},
      {"selection", "validation post macro-F1; test scored once"},
      {"parameters",
       {{"fasttext", FastTextParamsJson(best_params)},
        {"tfidf",
         {{"ngrams", "1-2"},
          {"min_df", kTfidfMinDf},
          {"tf", "1 + ln(tf)"},
          {"idf", "ln((1 + n) / (1 + df)) + 1, train only"},
          {"norm", "l2"},
          {"features", tfidf_features}}},
        {"logistic_regression", {{"solver", "liblinear L2R_LR (one-vs-rest)"}, {"C", best_c}}},
        {"char_tfidf",
         {{"ngrams", "characters 2-5 within tokens padded as <token>"},
          {"min_df", kCharTfidfMinDf},
          {"tf", "1 + ln(tf)"},
          {"idf", "ln((1 + n) / (1 + df)) + 1, train only"},
          {"norm", "l2"},
          {"features", char_features}}},
        {"char_logistic_regression",
         {{"solver", "liblinear L2R_LR (one-vs-rest)"}, {"C", best_char_c}}},
        {"tfidf_weight", best_w},
        {"char_tfidf_weight", best_wc},
        {"prior_alpha", best_alpha},
        {"class_priors", priors},
        {"majority_class", classes[majority]},
        {"grid", options.grid},
        {"max_epochs", options.max_epochs}}},
      {"validation",
       {{"fasttext", ft_grid},
        {"logistic_regression", lr_grid},
        {"char_logistic_regression", char_lr_grid},
        {"ensemble", weight_grid}}},
      {"metrics", metrics},
  };

  std::string report = "niche models on " + std::to_string(test.size()) + " posts of " +
                       std::to_string(creators_in(test)) + " held-out (test) creators:\n";
  report += "  model                  post acc  post macroF1  creator acc  creator macroF1\n";
  report += Row("majority (" + classes[majority] + ")", majority_test);
  report += Row("tf-idf + LR (C=" + json(best_c).dump() + ")", lr_scored);
  report += Row("char tf-idf LR (C=" + json(best_char_c).dump() + ")", char_scored);
  report += Row("fastText", ft_scored);
  report += Row("classifier", classifier_scored);
  report += "  (classifier = fastText, word and char TF-IDF LR blended with weights " +
            json(1 - best_w - best_wc).dump() + ", " + json(best_w).dump() + ", " +
            json(best_wc).dump() + "; class priors^" + json(best_alpha).dump() + " divided out)\n";
  char profile_line[160];
  std::snprintf(profile_line, sizeof profile_line,
                "  classifier on the handle alone (for creators without posts): creator acc "
                "%.3f, creator macroF1 %.3f\n",
                profile_test.accuracy, profile_test.macro_f1);
  report += profile_line;

  TrainedNiche trained{std::move(classifier), manifest.dump(2), metrics.dump(), data_sha256,
                       std::move(report)};
  return trained;
}

Status SaveNicheModel(const TrainedNiche& trained, const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return Unavailable(dir.string() + ": cannot create: " + error.message());
  const NicheClassifier& c = trained.classifier;
  SPHERE_RETURN_IF_ERROR(c.fasttext_.Save(dir / kFastTextFile));
  SPHERE_RETURN_IF_ERROR(c.tfidf_.Save(dir / kVocabularyFile));
  SPHERE_RETURN_IF_ERROR(c.lr_.Save(dir / kLogisticFile));
  if (c.char_tfidf_weight_ > 0) {
    SPHERE_RETURN_IF_ERROR(c.char_tfidf_->Save(dir / kCharVocabularyFile));
    SPHERE_RETURN_IF_ERROR(c.char_lr_->Save(dir / kCharLogisticFile));
  }
  // The manifest last: a directory with a manifest is a complete model.
  return model::WriteArtifact(dir / kManifestFile, trained.manifest_json + "\n");
}

Result<NicheClassifier> NicheClassifier::Load(const std::filesystem::path& dir) {
  const std::filesystem::path manifest_path = dir / kManifestFile;
  std::ifstream in(manifest_path, std::ios::binary);
  if (!in) {
    return NotFound("no niche model at " + dir.string() + " (" + manifest_path.string() +
                    " is missing); run `sphere train niche` first");
  }
  std::stringstream text;
  text << in.rdbuf();
  json manifest = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_object()) {
    return DataLoss(manifest_path.string() + ": not a JSON object");
  }
  if (manifest.value("kind", "") != kModelKind) {
    return FailedPrecondition(manifest_path.string() + ": kind is '" + manifest.value("kind", "") +
                              "', not 'niche'");
  }
  const auto normalisation = manifest.find("text_normalisation_version");
  if (normalisation == manifest.end() || !normalisation->is_number_integer() ||
      normalisation->get<int>() != kNicheTextVersion) {
    return FailedPrecondition(
        manifest_path.string() + ": text_normalisation_version is " +
        (normalisation == manifest.end() ? std::string("missing") : normalisation->dump()) +
        " but this build normalises text as version " + std::to_string(kNicheTextVersion) +
        "; retrain with `sphere train niche`");
  }
  std::vector<std::string> classes;
  double weight = 0;
  double char_weight = 0;  // models from before the char n-gram LR have none
  bool char_files = false;
  double alpha = 0;
  std::vector<double> priors;
  std::string version;
  try {
    classes = manifest.at("classes").get<std::vector<std::string>>();
    weight = manifest.at("parameters").at("tfidf_weight").get<double>();
    char_weight = manifest.at("parameters").value("char_tfidf_weight", 0.0);
    if (const auto files = manifest.find("files"); files != manifest.end()) {
      char_files = files->contains("char_tfidf_vocabulary") && files->contains("char_tfidf_lr");
    }
    alpha = manifest.at("parameters").at("prior_alpha").get<double>();
    priors = manifest.at("parameters").at("class_priors").get<std::vector<double>>();
    version = manifest.at("version").get<std::string>();
  } catch (const json::exception& e) {
    return DataLoss(manifest_path.string() + ": " + e.what());
  }
  if (classes.size() < 2 || !std::all_of(classes.begin(), classes.end(), IsNiche) ||
      !(weight >= 0 && weight <= 1) || !(char_weight >= 0 && weight + char_weight <= 1) ||
      !(alpha >= 0 && alpha <= 1) || priors.size() != classes.size() ||
      (char_weight > 0 && !char_files)) {
    return DataLoss(manifest_path.string() +
                    ": classes, tfidf_weight, char_tfidf_weight (or its files), prior_alpha or "
                    "class_priors out of range");
  }
  auto damaged = [&](const Status& s) {
    return s.code() == Code::kNotFound
               ? DataLoss("niche model " + dir.string() + " is incomplete: " + s.message())
               : s;
  };
  Result<FastTextModel> fasttext = FastTextModel::Load(dir / kFastTextFile);
  if (!fasttext.ok()) return damaged(fasttext.error());
  Result<TfidfVectorizer> tfidf = TfidfVectorizer::Load(dir / kVocabularyFile);
  if (!tfidf.ok()) return damaged(tfidf.error());
  Result<LogisticRegression> lr =
      LogisticRegression::Load(dir / kLogisticFile, static_cast<int>(classes.size()));
  if (!lr.ok()) return damaged(lr.error());
  std::optional<TfidfVectorizer> char_tfidf;
  std::optional<LogisticRegression> char_lr;
  if (char_weight > 0) {
    Result<TfidfVectorizer> v =
        TfidfVectorizer::Load(dir / kCharVocabularyFile, TfidfTerms::kChars);
    if (!v.ok()) return damaged(v.error());
    Result<LogisticRegression> m =
        LogisticRegression::Load(dir / kCharLogisticFile, static_cast<int>(classes.size()));
    if (!m.ok()) return damaged(m.error());
    char_tfidf.emplace(std::move(*v));
    char_lr.emplace(std::move(*m));
  }
  return NicheClassifier(std::move(version), std::move(classes), std::move(*fasttext),
                         std::move(*tfidf), std::move(*lr), weight, std::move(char_tfidf),
                         std::move(char_lr), char_weight, std::move(priors), alpha);
}

}  // namespace sphere::niche
