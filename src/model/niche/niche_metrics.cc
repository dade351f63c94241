#include "model/niche/niche_metrics.h"

#include <algorithm>
#include <map>

namespace sphere::niche {

Metrics Evaluate(const std::vector<int>& truth, const std::vector<int>& predicted, int classes) {
  Metrics m;
  m.n = static_cast<int64_t>(truth.size());
  m.confusion.assign(classes, std::vector<int64_t>(classes, 0));
  m.support.assign(classes, 0);
  m.f1.assign(classes, 0.0);
  int64_t correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    ++m.confusion[truth[i]][predicted[i]];
    ++m.support[truth[i]];
    if (truth[i] == predicted[i]) ++correct;
  }
  m.accuracy = m.n == 0 ? 0 : static_cast<double>(correct) / static_cast<double>(m.n);
  double f1_sum = 0;
  int present = 0;
  for (int c = 0; c < classes; ++c) {
    int64_t tp = m.confusion[c][c];
    int64_t predicted_c = 0;
    for (int t = 0; t < classes; ++t) predicted_c += m.confusion[t][c];
    if (m.support[c] == 0 && predicted_c == 0) continue;
    ++present;
    const double denominator = static_cast<double>(m.support[c] + predicted_c);
    m.f1[c] = denominator == 0 ? 0 : 2.0 * static_cast<double>(tp) / denominator;
    f1_sum += m.f1[c];
  }
  m.macro_f1 = present == 0 ? 0 : f1_sum / present;
  return m;
}

int ArgMax(const std::vector<double>& values) {
  return static_cast<int>(std::max_element(values.begin(), values.end()) - values.begin());
}

Metrics EvaluateGroups(const std::vector<std::string>& group, const std::vector<int>& truth,
                       const std::vector<std::vector<double>>& probabilities, int classes) {
  struct Sum {
    int truth = 0;
    std::vector<double> total;
    int64_t n = 0;
  };
  std::map<std::string, Sum> sums;
  for (size_t i = 0; i < group.size(); ++i) {
    Sum& sum = sums[group[i]];
    if (sum.n == 0) {
      sum.truth = truth[i];
      sum.total.assign(classes, 0.0);
    }
    for (int c = 0; c < classes; ++c) sum.total[c] += probabilities[i][c];
    ++sum.n;
  }
  std::vector<int> creator_truth, creator_predicted;
  for (const auto& [name, sum] : sums) {
    creator_truth.push_back(sum.truth);
    creator_predicted.push_back(ArgMax(sum.total));  // the mean's argmax is the sum's
  }
  return Evaluate(creator_truth, creator_predicted, classes);
}

}  // namespace sphere::niche
