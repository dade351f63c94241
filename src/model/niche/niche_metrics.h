// Classification metrics for the niche models: accuracy, macro-F1, per-class F1 and the
// confusion matrix, at post level and at creator level (a creator's posts aggregated).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sphere::niche {

struct Metrics {
  int64_t n = 0;
  double accuracy = 0;
  // Mean F1 over the classes that occur in the truth or the predictions (as
  // scikit-learn's f1_score(average="macro") does).
  double macro_f1 = 0;
  std::vector<double> f1;                       // per class index; 0 for a class that never occurs
  std::vector<int64_t> support;                 // true count per class
  std::vector<std::vector<int64_t>> confusion;  // [true][predicted]
};

// `truth` and `predicted` are class indices in [0, classes).
Metrics Evaluate(const std::vector<int>& truth, const std::vector<int>& predicted, int classes);

// Index of the largest value (the first on ties).
int ArgMax(const std::vector<double>& values);

// Creator-level evaluation: the posts of each group (creator) are aggregated by the mean
// of their class probabilities, then argmax. `probabilities[i]` has one value per class.
// Every post of a group must share its truth.
Metrics EvaluateGroups(const std::vector<std::string>& group, const std::vector<int>& truth,
                       const std::vector<std::vector<double>>& probabilities, int classes);

}  // namespace sphere::niche
