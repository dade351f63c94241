#include "model/niche/tfidf_lr.h"

#include <linear.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <mutex>

#include "model/niche/niche_text.h"

namespace sphere::niche {
namespace {

// Every term of a text: unigrams, then "a b" bigrams (tokens never hold a space).
template <typename Visit>
void ForEachTerm(std::string_view niche_text, Visit visit) {
  std::vector<std::string_view> tokens = Tokens(niche_text);
  std::string bigram;
  for (size_t i = 0; i < tokens.size(); ++i) {
    visit(tokens[i]);
    if (i + 1 < tokens.size()) {
      bigram.assign(tokens[i]);
      bigram += ' ';
      bigram += tokens[i + 1];
      visit(std::string_view(bigram));
    }
  }
}

int Utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

constexpr int kCharMinN = 2;
constexpr int kCharMaxN = 5;

// Character n-grams (2-5 code points) of each token padded as "<token>". Tokens never
// hold '<' or '>' (NicheText splits on ASCII punctuation), so the padding is unambiguous.
template <typename Visit>
void ForEachCharGram(std::string_view niche_text, Visit visit) {
  std::string padded;
  std::vector<size_t> starts;  // byte offset of each code point, then the end
  for (std::string_view token : Tokens(niche_text)) {
    padded.clear();  // (not assign("<"): GCC 12 warns a bogus -Wrestrict on it)
    padded.push_back('<');
    padded += token;
    padded += '>';
    starts.clear();
    for (size_t i = 0; i < padded.size();) {
      starts.push_back(i);
      size_t length = Utf8Length(static_cast<unsigned char>(padded[i]));
      if (i + length > padded.size()) length = 1;
      i += length;
    }
    const size_t points = starts.size();
    starts.push_back(padded.size());
    for (size_t n = kCharMinN; n <= kCharMaxN && n <= points; ++n) {
      for (size_t b = 0; b + n <= points; ++b) {
        visit(std::string_view(padded).substr(starts[b], starts[b + n] - starts[b]));
      }
    }
  }
}

template <typename Visit>
void ForEachTermOf(TfidfTerms kind, std::string_view niche_text, Visit visit) {
  if (kind == TfidfTerms::kChars) {
    ForEachCharGram(niche_text, visit);
  } else {
    ForEachTerm(niche_text, visit);
  }
}

void Silent(const char*) {}

// liblinear prints training progress to stdout unless told otherwise (process-wide).
void SilenceLiblinear() {
  static std::once_flag once;
  std::call_once(once, [] { set_print_string_function(&Silent); });
}

}  // namespace

TfidfVectorizer TfidfVectorizer::Fit(const std::vector<std::string>& texts, int min_df,
                                     TfidfTerms terms) {
  std::unordered_map<std::string, int, StringHash, std::equal_to<>> df;
  for (const std::string& text : texts) {
    std::unordered_map<std::string, int, StringHash, std::equal_to<>> in_text;
    ForEachTermOf(terms, text, [&](std::string_view term) {
      if (in_text.find(term) == in_text.end()) in_text.emplace(std::string(term), 1);
    });
    for (auto& [term, one] : in_text) {
      auto it = df.find(term);
      if (it == df.end()) {
        df.emplace(term, 1);
      } else {
        ++it->second;
      }
    }
  }
  std::vector<std::pair<std::string, int>> kept;
  for (auto& [term, count] : df) {
    if (count >= min_df) kept.emplace_back(term, count);
  }
  std::sort(kept.begin(), kept.end());  // a deterministic index order
  TfidfVectorizer v;
  v.kind_ = terms;
  const double n = static_cast<double>(texts.size());
  for (auto& [term, count] : kept) {
    v.index_.emplace(term, static_cast<int>(v.terms_.size()));
    v.terms_.push_back(term);
    v.idf_.push_back(std::log((1 + n) / (1 + count)) + 1);
  }
  return v;
}

SparseVector TfidfVectorizer::Transform(std::string_view niche_text) const {
  std::unordered_map<int, int> tf;
  ForEachTermOf(kind_, niche_text, [&](std::string_view term) {
    if (auto it = index_.find(term); it != index_.end()) ++tf[it->second];
  });
  SparseVector out;
  out.reserve(tf.size());
  double norm = 0;
  for (auto [index, count] : tf) {
    const double value = (1 + std::log(static_cast<double>(count))) * idf_[index];
    out.emplace_back(index + 1, value);
    norm += value * value;
  }
  std::sort(out.begin(), out.end());
  if (norm > 0) {
    norm = std::sqrt(norm);
    for (auto& [index, value] : out) value /= norm;
  }
  return out;
}

Status TfidfVectorizer::Save(const std::filesystem::path& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Unavailable(path.string() + ": cannot write");
  char buffer[64];
  for (size_t i = 0; i < terms_.size(); ++i) {
    std::snprintf(buffer, sizeof buffer, "%.17g", idf_[i]);
    out << terms_[i] << '\t' << buffer << '\n';
  }
  out.close();
  if (!out) return Unavailable(path.string() + ": write failed");
  return Status::Ok();
}

Result<TfidfVectorizer> TfidfVectorizer::Load(const std::filesystem::path& path, TfidfTerms terms) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(path.string() + ": no TF-IDF vocabulary");
  TfidfVectorizer v;
  v.kind_ = terms;
  std::string line;
  int64_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const size_t tab = line.rfind('\t');
    char* end = nullptr;
    const double idf = tab == std::string::npos ? 0 : std::strtod(line.c_str() + tab + 1, &end);
    if (tab == std::string::npos || end == line.c_str() + tab + 1 || !std::isfinite(idf)) {
      return DataLoss(path.string() + ":" + std::to_string(line_number) +
                      ": not a 'term<TAB>idf' line");
    }
    std::string term = line.substr(0, tab);
    v.index_.emplace(term, static_cast<int>(v.terms_.size()));
    v.terms_.push_back(std::move(term));
    v.idf_.push_back(idf);
  }
  return v;
}

void LogisticRegression::ModelDeleter::operator()(struct model* m) const {
  free_and_destroy_model(&m);
}

LogisticRegression::LogisticRegression(std::shared_ptr<struct model> m, int classes)
    : model_(std::move(m)), classes_(classes) {
  const int nr_class = get_nr_class(model_.get());
  label_of_slot_.resize(nr_class);
  get_labels(model_.get(), label_of_slot_.data());
}

Result<LogisticRegression> LogisticRegression::Train(const std::vector<SparseVector>& x,
                                                     const std::vector<int>& y, int classes,
                                                     int features, double c) {
  SilenceLiblinear();
  if (x.empty() || x.size() != y.size()) {
    return InvalidArgument("logistic regression: no training rows or a label count mismatch");
  }
  // One contiguous node array: each row's features, the bias node, the -1 terminator.
  std::vector<feature_node> nodes;
  std::vector<size_t> starts;
  for (const SparseVector& row : x) {
    starts.push_back(nodes.size());
    for (auto [index, value] : row) nodes.push_back({index, value});
    nodes.push_back({features + 1, 1.0});
    nodes.push_back({-1, 0.0});
  }
  std::vector<feature_node*> rows;
  for (size_t start : starts) rows.push_back(&nodes[start]);
  std::vector<double> labels(y.begin(), y.end());

  problem prob{};
  prob.l = static_cast<int>(x.size());
  prob.n = features + 1;
  prob.y = labels.data();
  prob.x = rows.data();
  prob.bias = 1.0;

  parameter param{};
  param.solver_type = L2R_LR;
  param.eps = 0.01;
  param.C = c;
  param.p = 0.1;
  if (const char* problem_text = check_parameter(&prob, &param)) {
    return InvalidArgument(std::string("liblinear: ") + problem_text);
  }
  struct model* trained = train(&prob, &param);
  if (trained == nullptr) return Internal("liblinear: training returned no model");
  // train() keeps no pointer into prob; the model owns its weights.
  return LogisticRegression(std::shared_ptr<struct model>(trained, ModelDeleter{}), classes);
}

std::vector<double> LogisticRegression::Probabilities(const SparseVector& x) const {
  std::vector<feature_node> nodes;
  nodes.reserve(x.size() + 2);
  const int features = get_nr_feature(model_.get());
  for (auto [index, value] : x) {
    if (index <= features) nodes.push_back({index, value});
  }
  nodes.push_back({features + 1, 1.0});
  nodes.push_back({-1, 0.0});
  std::vector<double> slots(label_of_slot_.size(), 0.0);
  predict_probability(model_.get(), nodes.data(), slots.data());
  std::vector<double> out(classes_, 0.0);
  for (size_t s = 0; s < slots.size(); ++s) {
    const int label = label_of_slot_[s];
    if (label >= 0 && label < classes_) out[label] = slots[s];
  }
  return out;
}

Status LogisticRegression::Save(const std::filesystem::path& path) const {
  if (save_model(path.c_str(), model_.get()) != 0) {
    return Unavailable(path.string() + ": liblinear could not write the model");
  }
  return Status::Ok();
}

Result<LogisticRegression> LogisticRegression::Load(const std::filesystem::path& path,
                                                    int classes) {
  SilenceLiblinear();
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return NotFound(path.string() + ": no such file");
  struct model* loaded = load_model(path.c_str());
  if (loaded == nullptr) return DataLoss(path.string() + ": not a liblinear model");
  return LogisticRegression(std::shared_ptr<struct model>(loaded, ModelDeleter{}), classes);
}

}  // namespace sphere::niche
