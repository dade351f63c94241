#include "model/metrics/regression_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace sphere::metrics {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The pairs with both values present.
void Paired(std::span<const double> a, std::span<const double> b, std::vector<double>& x,
            std::vector<double>& y) {
  const size_t n = std::min(a.size(), b.size());
  x.reserve(n);
  y.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (std::isnan(a[i]) || std::isnan(b[i])) continue;
    x.push_back(a[i]);
    y.push_back(b[i]);
  }
}

double PearsonOfPaired(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = x.size();
  if (n < 2) return kNaN;
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(n);
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx == 0 || syy == 0) return kNaN;  // a constant side has no correlation
  return sxy / std::sqrt(sxx * syy);
}

}  // namespace

std::vector<double> AverageRanks(std::span<const double> values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t i, size_t j) { return values[i] < values[j]; });
  std::vector<double> ranks(values.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

double Spearman(std::span<const double> a, std::span<const double> b) {
  std::vector<double> x, y;
  Paired(a, b, x, y);
  return PearsonOfPaired(AverageRanks(x), AverageRanks(y));
}

double Pearson(std::span<const double> a, std::span<const double> b) {
  std::vector<double> x, y;
  Paired(a, b, x, y);
  return PearsonOfPaired(x, y);
}

double MeanAbsoluteError(std::span<const double> predicted, std::span<const double> actual) {
  std::vector<double> x, y;
  Paired(predicted, actual, x, y);
  if (x.empty()) return kNaN;
  double sum = 0;
  for (size_t i = 0; i < x.size(); ++i) sum += std::abs(x[i] - y[i]);
  return sum / static_cast<double>(x.size());
}

double RootMeanSquaredError(std::span<const double> predicted, std::span<const double> actual) {
  std::vector<double> x, y;
  Paired(predicted, actual, x, y);
  if (x.empty()) return kNaN;
  double sum = 0;
  for (size_t i = 0; i < x.size(); ++i) sum += (x[i] - y[i]) * (x[i] - y[i]);
  return std::sqrt(sum / static_cast<double>(x.size()));
}

double ConformalQuantile(std::vector<double> scores, double level) {
  const size_t n = scores.size();
  const auto rank = static_cast<size_t>(std::ceil((static_cast<double>(n) + 1.0) * level));
  if (n == 0 || rank > n) return std::numeric_limits<double>::infinity();
  std::nth_element(scores.begin(), scores.begin() + static_cast<std::ptrdiff_t>(rank - 1),
                   scores.end());
  return scores[rank - 1];
}

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const double pos = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

}  // namespace sphere::metrics
