// The TF-IDF + logistic-regression text model (liblinear): the baseline the niche
// classifier must beat, and a member of its ensemble when validation says it helps.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/status.h"

struct model;  // liblinear's

namespace sphere::niche {

// (1-based feature index, value), sorted by index.
using SparseVector = std::vector<std::pair<int, double>>;

// What a vectoriser counts in a NicheText line.
enum class TfidfTerms {
  kWords,  // unigrams and "a b" bigrams of the tokens
  // Character n-grams (code points, 2 to 5) within each token padded as "<token>", so
  // "<ootd" and "ood>" tell a word's start and end (sklearn's char_wb).
  kChars,
};

// Terms of NicheText tokens (TfidfTerms); sublinear tf (1 + ln tf), smoothed idf from
// the fitting texts only (ln((1 + n) / (1 + df)) + 1), rows L2-normalised.
class TfidfVectorizer {
 public:
  // Terms in fewer than `min_df` fitting texts are dropped.
  static TfidfVectorizer Fit(const std::vector<std::string>& texts, int min_df,
                             TfidfTerms terms = TfidfTerms::kWords);

  SparseVector Transform(std::string_view niche_text) const;
  int size() const { return static_cast<int>(idf_.size()); }

  // One "term<TAB>idf" line per feature, in index order.
  Status Save(const std::filesystem::path& path) const;
  // `terms` must be what the vocabulary was fitted with (the manifest records it).
  static Result<TfidfVectorizer> Load(const std::filesystem::path& path,
                                      TfidfTerms terms = TfidfTerms::kWords);

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, int, StringHash, std::equal_to<>> index_;  // 0-based
  std::vector<std::string> terms_;
  std::vector<double> idf_;
  TfidfTerms kind_ = TfidfTerms::kWords;
};

// L2-regularised logistic regression (liblinear L2R_LR, one-vs-rest) with a bias term.
class LogisticRegression {
 public:
  // `y` are class indices in [0, classes); `features` is the vectoriser's size.
  static Result<LogisticRegression> Train(const std::vector<SparseVector>& x,
                                          const std::vector<int>& y, int classes, int features,
                                          double c);
  // One probability per class index (0 for a class absent from training).
  std::vector<double> Probabilities(const SparseVector& x) const;

  Status Save(const std::filesystem::path& path) const;
  static Result<LogisticRegression> Load(const std::filesystem::path& path, int classes);

 private:
  struct ModelDeleter {
    void operator()(struct model* m) const;
  };
  LogisticRegression(std::shared_ptr<struct model> m, int classes);

  std::shared_ptr<struct model> model_;  // immutable once trained; shared by copies
  int classes_ = 0;
  std::vector<int> label_of_slot_;  // liblinear's class order -> our class index
};

}  // namespace sphere::niche
