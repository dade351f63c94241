// The grammar of an alert rule: what a user asks to be told about, parsed from and written to
// the alert_rule row's condition_json. Two kinds:
//
//   creator  the seed's per-creator rule: one creator, one metric, one condition.
//     {"type":"creator","creator_id":7,"metric":"engagement_rate","condition":"drop_by",
//      "threshold":0.2}
//   scout    a rule over the market: every creator in a scope (platform, niche, tier, follower
//            range) for whom ALL conditions hold.
//     {"type":"scout","platform":"instagram","niche":"fitness","followers_max":100000,
//      "conditions":[{"metric":"momentum","op":"above","threshold":0.3}],
//      "cooldown_hours":168}
//
// Metrics (CreatorState in engine.h says where each comes from):
//   engagement_rate  interactions per post / followers (fraction)
//   follower_count   followers
//   market_score     0-100 Market Value Score (percentile of the fee within the platform)
//   value            fee per sponsored post, USD (fee_mid)
//   follower_growth  followers' relative growth over the last 30 days (0.1 = +10%)
//   growth           last-period growth of the level the value is priced from (naive momentum)
//   momentum         the Market Value model's FORECAST growth of the value over its horizon
// Conditions: below | above (the metric crosses the threshold), drop_by (the metric falls by
// at least `threshold`, a fraction in (0, 1], from its peak since the rule last fired;
// creator rules only). The seed's field is "condition"; scout conditions call it "op".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/domain.h"
#include "core/status.h"

namespace sphere::alerts {

enum class Metric {
  kEngagementRate,
  kFollowerCount,
  kMarketScore,
  kValue,
  kFollowerGrowth,
  kGrowth,
  kMomentum,
};
inline constexpr int kMetricCount = 7;
std::string_view ToString(Metric metric);           // "engagement_rate", ...
Result<Metric> ParseMetric(std::string_view text);  // InvalidArgument listing the names

enum class Op { kBelow, kAbove, kDropBy };
std::string_view ToString(Op op);  // "below" | "above" | "drop_by"
Result<Op> ParseOp(std::string_view text);

struct Condition {
  Metric metric = Metric::kEngagementRate;
  Op op = Op::kAbove;
  double threshold = 0;
  bool operator==(const Condition&) const = default;
};

struct CreatorScope {
  int64_t creator_id = 0;
  Condition condition;
  bool operator==(const CreatorScope&) const = default;
};

struct ScoutScope {
  std::optional<Platform> platform;
  std::optional<std::string> niche;  // a taxonomy niche id (core/niche.h)
  std::optional<FollowerTier> tier;
  std::optional<int64_t> followers_min, followers_max;  // inclusive
  std::vector<Condition> conditions;                    // 1..kMaxConditions, all must hold
  bool operator==(const ScoutScope&) const = default;
};

inline constexpr size_t kMaxConditions = 8;
inline constexpr int64_t kDefaultCooldownSeconds = 24 * 3600;
inline constexpr int64_t kMaxCooldownSeconds = 365LL * 24 * 3600;

struct Rule {
  int64_t id = 0;  // the alert_rule id
  int64_t owner_user_id = 0;
  std::string name;
  std::variant<CreatorScope, ScoutScope> scope;
  // After a firing the rule stays quiet for this creator this long, even if the condition
  // crosses again (the crossing is recorded, not announced).
  int64_t cooldown_seconds = kDefaultCooldownSeconds;
  bool enabled = true;
  UnixSeconds created_at = 0;
  bool operator==(const Rule&) const = default;
};

// InvalidArgument naming the field ("conditions[1].threshold: ...", "niche: ..."):
//   - an unknown metric or op; drop_by in a scout rule; a non-finite threshold;
//   - thresholds outside their metric's range (engagement_rate 0..1 for below/above,
//     follower_count and value >= 0, market_score 0..100, growth metrics >= -1; drop_by in
//     (0, 1]); drop_by on a growth metric (a signed quantity has no peak to fall from);
//   - creator_id < 1; an unknown niche id; followers_min > followers_max or negative;
//   - no condition or more than kMaxConditions; cooldown outside 0..kMaxCooldownSeconds;
//   - a name longer than 200 bytes.
Status ValidateRule(const Rule& rule);

// The stored row as a Rule (validated). InvalidArgument naming the field for a condition_json
// that is not one of the two shapes; unknown fields are refused, not ignored.
Result<Rule> ParseRule(const AlertRule& stored);

// The rule's condition_json, canonical (ParseRule(ToAlertRule(r)) == r).
std::string ConditionJson(const Rule& rule);
AlertRule ToAlertRule(const Rule& rule);

// Reads a rule from a client's JSON object: the same fields as condition_json plus "name"
// (the "type" decides the shape). InvalidArgument naming the field. Owner, id and created_at
// are left for the caller.
Result<Rule> RuleFromJson(std::string_view json_object);

}  // namespace sphere::alerts
