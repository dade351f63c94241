// Metrics for regression models, shared by every model's evaluation (PLEP, Market Value).
// Pure functions over paired spans; pairs where either side is NaN are skipped, so a
// caller never has to pre-filter missing values. An empty input gives NaN, not 0: "no
// data" must not read as "no error".
#pragma once

#include <span>
#include <vector>

namespace sphere::metrics {

// Spearman's rank correlation (Pearson of average ranks; ties share their mean rank).
double Spearman(std::span<const double> a, std::span<const double> b);

double Pearson(std::span<const double> a, std::span<const double> b);

double MeanAbsoluteError(std::span<const double> predicted, std::span<const double> actual);

double RootMeanSquaredError(std::span<const double> predicted, std::span<const double> actual);

// Average ranks (1-based) of `values`; ties get their mean rank.
std::vector<double> AverageRanks(std::span<const double> values);

// The empirical quantile used by split-conformal prediction: the ceil((n + 1) * level)-th
// smallest of `scores` (n = scores.size()); +inf when that rank exceeds n.
double ConformalQuantile(std::vector<double> scores, double level);

// Plain q-quantile by linear interpolation (q in [0, 1]); NaN for empty input.
double Quantile(std::vector<double> values, double q);

}  // namespace sphere::metrics
