#include "market/score.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>

namespace sphere::market {

std::vector<double> PercentileScores(std::span<const double> values) {
  std::vector<double> scores(values.size(), std::numeric_limits<double>::quiet_NaN());
  std::vector<uint32_t> order;
  order.reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isnan(values[i])) order.push_back(static_cast<uint32_t>(i));
  }
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return values[a] < values[b]; });
  const double n = static_cast<double>(order.size());
  for (size_t begin = 0; begin < order.size();) {
    size_t end = begin + 1;
    while (end < order.size() && values[order[end]] == values[order[begin]]) ++end;
    // `begin` values lie below this run of ties; the run counts half.
    const double score =
        100.0 * (static_cast<double>(begin) + 0.5 * static_cast<double>(end - begin)) / n;
    for (size_t i = begin; i < end; ++i) scores[order[i]] = score;
    begin = end;
  }
  return scores;
}

double Momentum(double value_now, double value_forecast) {
  if (!std::isfinite(value_now) || !std::isfinite(value_forecast) || value_now <= 0) return 0;
  const double growth = std::max(value_forecast, 0.0) / value_now - 1;
  // A tiny positive base can overflow the ratio; the caller was promised a finite number.
  return std::isfinite(growth) ? growth : std::numeric_limits<double>::max();
}

}  // namespace sphere::market
