// The drivers of one PLEP prediction, in words a creator or a brand can act on.
//
// TreeSHAP gives one log-space contribution per feature (they sum, with the bias, to the
// predicted log(1 + likes + comments)). Nobody reasons about "caption.line_breaks" on its
// own, so the contributions are summed over ~30 groups that each mean one thing to a
// creator ("hashtags", "posting_time", "niche", ...) and every group is labelled from the
// post's own feature values: "5 hashtags", "posted Tuesday 18:00 UTC", "niche: Fitness &
// health", "no image analysed". Missing values get honest labels ("sentiment unknown"),
// never a guess. docs/plep-drivers.md lists the groups.
//
// Every feature name must belong to a group: an unknown name is an error, so a schema change
// cannot silently drop a contribution from the explanation. Pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "features/feature_vector.h"

namespace sphere::explain {

struct Driver {
  std::string group;        // stable id: "hashtags", "posting_time", "niche", ...
  std::string label;        // from the feature values: "5 hashtags"
  double contribution = 0;  // sum of the group's feature contributions (log space)
  // The group's feature names, in x's order: views of x's names (static storage).
  std::vector<std::string_view> features;
};

// Sums `contributions` (one per feature of `x`, in x's order, bias excluded) into groups
// and labels each group from x's values. Only groups with a feature in `x` are returned,
// sorted by |contribution|, largest first (ties keep the group table's order).
// InvalidArgument when the sizes differ, a contribution is not finite, or a feature name is
// unknown or repeated (the message names the feature).
Result<std::vector<Driver>> GroupContributions(const features::FeatureVector& x,
                                               std::span<const double> contributions);

// The largest raising (contribution > 0, largest first) and lowering (< 0, most negative
// first) drivers, up to `n` of each. Zero contributions are in neither list.
struct TopDrivers {
  std::vector<Driver> positive, negative;
};
TopDrivers Top(const std::vector<Driver>& drivers, size_t n = 3);

// A log-space contribution as a multiplicative effect on engagement, exp(c) - 1:
// +0.18 -> "+20%", -0.69 -> "-50%", 0.004 -> "+0.4%", 0 -> "±0%", 1.5 -> "×4.5"
// (factors of 3 and more read better than "+348%"), NaN -> "n/a".
std::string FormatEffect(double log_contribution);

// A count for people: 950 -> "950", 18583 -> "18.6k", 1250000 -> "1.25M", 2.5 -> "2.5"
// (three significant digits from 1000 on; k, M, B).
std::string FormatCount(double value);

}  // namespace sphere::explain
