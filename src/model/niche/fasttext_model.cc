#include "model/niche/fasttext_model.h"

#include <fasttext/args.h>
#include <fasttext/dictionary.h>
#include <fasttext/fasttext.h>

#include <exception>
#include <sstream>
#include <unordered_map>

namespace sphere::niche {
namespace {

constexpr std::string_view kLabelPrefix = "__label__";

}  // namespace

Result<FastTextModel> FastTextModel::Train(const std::filesystem::path& input,
                                           const FastTextParams& params,
                                           const std::function<void(double)>& progress) {
  fasttext::Args args;
  args.input = input.string();
  args.model = fasttext::model_name::sup;
  args.loss = fasttext::loss_name::softmax;
  args.lr = params.lr;
  args.dim = params.dim;
  args.epoch = params.epoch;
  args.wordNgrams = params.word_ngrams;
  args.minn = params.minn;
  args.maxn = params.maxn;
  args.minCount = 1;
  // No hashed n-grams are used with unigrams and no char n-grams: no bucket matrix.
  args.bucket = (params.word_ngrams <= 1 && params.maxn == 0) ? 0 : params.bucket;
  args.thread = params.threads;
  args.seed = params.seed;
  args.verbose = 0;
  args.label = std::string(kLabelPrefix);
  try {
    auto model = std::make_shared<fasttext::FastText>();
    fasttext::FastText::TrainCallback callback;
    if (progress) {
      callback = [&progress](float fraction, float, double, double, int64_t) {
        progress(static_cast<double>(fraction));
      };
    }
    model->train(args, callback);
    return FastTextModel(std::move(model));
  } catch (const std::exception& e) {
    return Internal("fastText training on " + input.string() + " failed: " + e.what());
  }
}

Result<FastTextModel> FastTextModel::Load(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return NotFound(path.string() + ": no such file");
  try {
    auto model = std::make_shared<fasttext::FastText>();
    model->loadModel(path.string());
    return FastTextModel(std::move(model));
  } catch (const std::exception& e) {
    return DataLoss(path.string() + ": not a fastText model: " + e.what());
  }
}

Status FastTextModel::Save(const std::filesystem::path& path) const {
  try {
    model_->saveModel(path.string());
    return Status::Ok();
  } catch (const std::exception& e) {
    return Unavailable(path.string() + ": cannot write the fastText model: " + e.what());
  }
}

Result<std::vector<double>> FastTextModel::Probabilities(
    std::string_view niche_text, const std::vector<std::string>& labels) const {
  std::vector<double> out(labels.size(), 0.0);
  std::istringstream in{std::string(niche_text) + "\n"};
  std::vector<std::pair<fasttext::real, std::string>> predictions;
  try {
    model_->predictLine(in, predictions, /*k=*/-1, /*threshold=*/0.0);
  } catch (const std::exception& e) {
    return Internal(std::string("fastText prediction failed: ") + e.what());
  }
  for (const auto& [probability, label] : predictions) {
    std::string_view name = label;
    if (name.substr(0, kLabelPrefix.size()) == kLabelPrefix)
      name.remove_prefix(kLabelPrefix.size());
    for (size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] == name) out[i] = probability;
    }
  }
  return out;
}

std::vector<std::string> FastTextModel::Labels() const {
  std::vector<std::string> labels;
  auto dictionary = model_->getDictionary();
  for (int32_t i = 0; i < dictionary->nlabels(); ++i) {
    std::string label = dictionary->getLabel(i);
    if (label.rfind(kLabelPrefix, 0) == 0) label.erase(0, kLabelPrefix.size());
    labels.push_back(std::move(label));
  }
  return labels;
}

}  // namespace sphere::niche
