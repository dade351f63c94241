// The Market Value training examples, cut from creator histories at as-of instants.
//
// Three families of real time series (docs/market-value.md):
//   snapshots  the same source's levels at two dates 20-200 days apart (smi2022: March, June,
//              September, November 2022): predict the later month from the earlier one;
//   weekly     Social Blade weekly gains: predict the next 4 weeks' follower gain, origins every
//              2 weeks once 8 weeks of history exist;
//   posts      a creator's next post from their earlier posts (Kim, TikTok trending).
// An example keeps the Summary at its as-of instant; features and bases are computed per fold,
// because the priors they read are fitted only on what the fold may see.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.h"
#include "core/split.h"
#include "model/value/value_history.h"

namespace sphere::value {

enum class Family { kSnapshots, kWeekly, kPosts };
std::string_view ToString(Family family);
inline constexpr Family kFamilies[] = {Family::kSnapshots, Family::kWeekly, Family::kPosts};

enum class Target { kEngagement, kViews, kFollowers };
std::string_view ToString(Target target);
inline constexpr Target kTargets[] = {Target::kEngagement, Target::kViews, Target::kFollowers};

struct ValueExample {
  size_t history = 0;  // index into ValueDataset::histories
  Family family = Family::kSnapshots;
  Split split = Split::kTrain;
  UnixSeconds as_of = 0;
  UnixSeconds target_end = 0;  // when the target was observed: a fold may train on it after
  int horizon_days = 30;
  Summary summary;
  // What happened (natural units); nullopt when the example does not measure it.
  std::optional<double> engagement;  // per post
  std::optional<double> views;       // per post
  std::optional<double> daily_gain;  // followers per day over the horizon

  std::optional<double> TargetValue(Target t) const;
};

struct ValueDataset {
  std::vector<CreatorHistory> histories;
  std::vector<ValueExample> examples;  // summaries point into `histories`: never copy alone

  ValueDataset() = default;
  ValueDataset(const ValueDataset&) = delete;
  ValueDataset& operator=(const ValueDataset&) = delete;
  ValueDataset(ValueDataset&&) = default;
  ValueDataset& operator=(ValueDataset&&) = default;

  // sha256 of everything the examples were cut from (for the manifest).
  std::string Sha256() const;
};

// Cuts every example from the histories (which the dataset takes over).
ValueDataset BuildValueDataset(std::vector<CreatorHistory> histories);

}  // namespace sphere::value
