#include "service/creator_alerts.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace sphere::service {

Status ValidateCreatorAlert(const CreatorAlert& a) {
  if (a.metric != "engagement_rate" && a.metric != "follower_count" && a.metric != "market_score") {
    return InvalidArgument(
        "metric: must be engagement_rate, follower_count or market_score, got '" + a.metric + "'");
  }
  if (a.condition != "below" && a.condition != "above" && a.condition != "drop_by") {
    return InvalidArgument("condition: must be below, above or drop_by, got '" + a.condition + "'");
  }
  if (!std::isfinite(a.threshold) || a.threshold < 0) {
    return InvalidArgument("threshold_value: must be a finite number >= 0");
  }
  if (a.condition == "drop_by" && (a.threshold <= 0 || a.threshold > 1)) {
    return InvalidArgument(
        "threshold_value: a drop_by threshold is a fraction in (0, 1] (0.2 = a 20% drop)");
  }
  if (a.condition != "drop_by") {
    if (a.metric == "engagement_rate" && a.threshold > 1) {
      return InvalidArgument("threshold_value: an engagement rate is a fraction (0.03 = 3%)");
    }
    if (a.metric == "market_score" && a.threshold > 100) {
      return InvalidArgument("threshold_value: a market score is 0-100");
    }
    if (a.metric == "follower_count" && a.threshold != std::floor(a.threshold)) {
      return InvalidArgument("threshold_value: a follower count is a whole number");
    }
  }
  return Status::Ok();
}

Result<CreatorAlert> CreatorAlertOf(const AlertRule& rule) {
  const nlohmann::json c = nlohmann::json::parse(rule.condition_json, nullptr, false);
  if (!c.is_object() || c.value("type", "") != "creator" || !c.contains("creator_id") ||
      !c["creator_id"].is_number_integer() || !c.contains("threshold") ||
      !c["threshold"].is_number()) {
    return InvalidArgument("alert rule " + std::to_string(rule.id) + " is not a creator rule");
  }
  CreatorAlert a;
  a.id = rule.id;
  a.owner_user_id = rule.owner_user_id;
  a.creator_id = c["creator_id"].get<int64_t>();
  a.metric = c.value("metric", "");
  a.condition = c.value("condition", "");
  a.threshold = c["threshold"].get<double>();
  a.active = rule.enabled;
  a.created_at = rule.created_at;
  return a;
}

Result<CreatorAlert> CreateCreatorAlert(Store& store, const CreatorAlert& alert) {
  SPHERE_RETURN_IF_ERROR(ValidateCreatorAlert(alert));
  SPHERE_ASSIGN_OR_RETURN(std::optional<Creator> creator, store.GetCreator(alert.creator_id));
  if (!creator) {
    return NotFound("influencer_id: no creator with id " + std::to_string(alert.creator_id));
  }
  AlertRule rule;
  rule.owner_user_id = alert.owner_user_id;
  rule.name = alert.metric + " " + alert.condition + " of " +
              std::string(ToString(creator->platform)) + "/" + creator->handle;
  rule.condition_json = nlohmann::json{
      {"type", "creator"},
      {"creator_id", alert.creator_id},
      {"metric", alert.metric},
      {"condition", alert.condition},
      {"threshold",
       alert.threshold}}.dump();
  rule.enabled = alert.active;
  rule.created_at = alert.created_at;
  SPHERE_ASSIGN_OR_RETURN(AlertRule stored, store.CreateAlertRule(rule));
  return CreatorAlertOf(stored);
}

Result<std::vector<CreatorAlert>> ListCreatorAlerts(Store& store, int64_t owner_user_id) {
  SPHERE_ASSIGN_OR_RETURN(std::vector<AlertRule> rules, store.ListAlertRules(owner_user_id));
  std::vector<CreatorAlert> out;
  for (const AlertRule& rule : rules) {
    Result<CreatorAlert> a = CreatorAlertOf(rule);
    if (a.ok()) out.push_back(std::move(a).value());
  }
  return out;
}

}  // namespace sphere::service
