// The Market Value Score and momentum: pure functions over numbers the forecast produced.
#pragma once

#include <span>
#include <vector>

namespace sphere::market {

// Each value's mid-rank percentile among `values`, 0-100:
//   score(v) = 100 * (#values below v + 0.5 * #values equal to v) / n
// so tied values share one score, a lone value scores 50, the scores of n distinct values are
// spread evenly from 50/n to 100 - 50/n, and the mean score is 50. Callers pass one group at a
// time (one platform; one platform x niche). A NaN value (unknown) gets a NaN score and is not
// counted in anyone else's n. Empty input gives an empty result. O(n log n).
std::vector<double> PercentileScores(std::span<const double> values);

// Forecast growth of value over the horizon: value_forecast / value_now - 1 (0.1 = +10%).
// 0 when value_now <= 0 — growth from nothing has no ratio, and 0 keeps such a creator from
// topping a "risers" list on a division by zero — and 0 when either input is NaN or infinite.
// A negative forecast counts as 0 (a fee cannot be negative), giving -1. Never NaN or infinite: a
// ratio that overflows (a base near zero) saturates at the largest finite double.
double Momentum(double value_now, double value_forecast);

}  // namespace sphere::market
