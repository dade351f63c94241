// Debian's libfasttext behind a Status API: the only code that includes its headers.
// fastText throws (std::invalid_argument, std::ios_base::failure, ...); every call here
// catches and returns a Status.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace fasttext {
class FastText;
}

namespace sphere::niche {

struct FastTextParams {
  int epoch = 25;
  double lr = 0.5;
  int word_ngrams = 2;
  int dim = 50;
  int minn = 0;  // character n-grams off when maxn == 0
  int maxn = 0;
  int bucket = 200'000;  // hash buckets for word/char n-grams (dim floats each)
  int threads = 1;       // 1 makes training reproducible (measured: docs/niche-classifier.md)
  int seed = 1;
};

class FastTextModel {
 public:
  // Trains a supervised softmax model on `input`: one "__label__X tokens..." line per
  // example. `progress` gets the fraction done in [0, 1].
  static Result<FastTextModel> Train(const std::filesystem::path& input,
                                     const FastTextParams& params,
                                     const std::function<void(double)>& progress = {});
  static Result<FastTextModel> Load(const std::filesystem::path& path);
  Status Save(const std::filesystem::path& path) const;

  // Probability per label of `labels` (e.g. "fashion" for "__label__fashion"); 0 for a
  // label the model does not know. `niche_text` is one line of tokens. Internal when
  // fastText throws (it reads only the in-memory line, so only on memory exhaustion).
  Result<std::vector<double>> Probabilities(std::string_view niche_text,
                                            const std::vector<std::string>& labels) const;
  // The labels the model was trained with, without the "__label__" prefix.
  std::vector<std::string> Labels() const;

 private:
  explicit FastTextModel(std::shared_ptr<fasttext::FastText> model) : model_(std::move(model)) {}
  std::shared_ptr<fasttext::FastText> model_;  // immutable after training; shared by copies
};

}  // namespace sphere::niche
