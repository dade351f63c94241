#include "alerts/rule.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/niche.h"

namespace sphere::alerts {
namespace {

using Json = nlohmann::json;
// Canonical output keeps the documented field order ("type" first); nlohmann::json would sort.
using OrderedJson = nlohmann::ordered_json;

constexpr Metric kAllMetrics[] = {
    Metric::kEngagementRate, Metric::kFollowerCount, Metric::kMarketScore, Metric::kValue,
    Metric::kFollowerGrowth, Metric::kGrowth,        Metric::kMomentum};
static_assert(std::size(kAllMetrics) == kMetricCount);
constexpr Op kAllOps[] = {Op::kBelow, Op::kAbove, Op::kDropBy};

constexpr size_t kMaxNameBytes = 200;
constexpr int kMaxJsonDepth = 32;
constexpr double kSecondsPerHour = 3600.0;
constexpr double kMaxCooldownHours = kMaxCooldownSeconds / kSecondsPerHour;
constexpr std::string_view kMaxCooldownText = "8760";
static_assert(kMaxCooldownSeconds == 8760 * 3600);

constexpr std::string_view kCreatorFields[] = {"type",      "creator_id", "metric",
                                               "condition", "threshold",  "cooldown_hours"};
constexpr std::string_view kScoutFields[] = {"type",       "platform",      "niche",
                                             "tier",       "followers_min", "followers_max",
                                             "conditions", "cooldown_hours"};
constexpr std::string_view kConditionFields[] = {"metric", "op", "threshold"};
// What a client may add to the condition_json fields (RuleFromJson): they live on the row.
constexpr std::string_view kRowFields[] = {"name", "enabled"};

// Client text echoed in a message is cut so an error never carries a whole request back,
// at a UTF-8 character boundary so the message stays valid UTF-8.
std::string Cut(std::string_view text) {
  constexpr size_t kMaxEcho = 64;
  if (text.size() <= kMaxEcho) return std::string(text);
  size_t end = kMaxEcho;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "...";
}

std::string Quote(std::string_view text) {
  // Appended, not "'" + ...: g++ 12 warns falsely (-Wrestrict) on a literal + string.
  std::string out = "'";
  out += Cut(text);
  out += '\'';
  return out;
}

template <typename Range>
std::string JoinNames(const Range& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::string MetricNames() {
  std::string out;
  for (Metric m : kAllMetrics) {
    if (!out.empty()) out += ", ";
    out += ToString(m);
  }
  return out;
}

std::string NicheIds() {
  std::string out;
  for (const NicheInfo& niche : Niches()) {
    if (!out.empty()) out += ", ";
    out += niche.id;
  }
  return out;
}

bool IsSignedMetric(Metric m) {
  return m == Metric::kFollowerGrowth || m == Metric::kGrowth || m == Metric::kMomentum;
}

std::string FormatNumber(double v) { return Json(v).dump(); }

// ---- Reading typed fields; every message starts with the field's path. ----

Status WrongType(const std::string& field, std::string_view expected, const Json& got) {
  return InvalidArgument(field + ": must be " + std::string(expected) + ", got " + got.type_name());
}

Result<std::string> ReadString(const Json& j, const std::string& field) {
  if (!j.is_string()) return WrongType(field, "a string", j);
  return j.get<std::string>();
}

Result<double> ReadNumber(const Json& j, const std::string& field) {
  if (!j.is_number()) return WrongType(field, "a number", j);
  const double v = j.get<double>();
  if (!std::isfinite(v)) return InvalidArgument(field + ": must be a finite number");
  return v;
}

// A JSON integer, or a float without a fraction (1e5), that fits int64.
Result<int64_t> ReadInteger(const Json& j, const std::string& field) {
  if (j.is_number_unsigned()) {
    const uint64_t v = j.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return InvalidArgument(field + ": out of range");
    }
    return static_cast<int64_t>(v);
  }
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_number_float()) {
    const double v = j.get<double>();
    if (!std::isfinite(v) || v != std::floor(v)) {
      return InvalidArgument(field + ": must be a whole number");
    }
    // 2^63 is exactly representable; anything at or above it does not fit.
    if (v >= 9223372036854775808.0 || v < -9223372036854775808.0) {
      return InvalidArgument(field + ": out of range");
    }
    return static_cast<int64_t>(v);
  }
  return WrongType(field, "an integer", j);
}

Result<bool> ReadBool(const Json& j, const std::string& field) {
  if (!j.is_boolean()) return WrongType(field, "true or false", j);
  return j.get<bool>();
}

// Refuses any key of `object` that is not in one of the allowed lists.
Status RefuseUnknownFields(const Json& object, const std::string& prefix,
                           std::span<const std::string_view> allowed,
                           std::span<const std::string_view> also_allowed, std::string_view what) {
  for (const auto& item : object.items()) {
    const std::string& key = item.key();
    const bool known =
        std::find(allowed.begin(), allowed.end(), key) != allowed.end() ||
        std::find(also_allowed.begin(), also_allowed.end(), key) != also_allowed.end();
    if (!known) {
      std::string fields = JoinNames(allowed);
      if (!also_allowed.empty()) fields += ", " + JoinNames(also_allowed);
      return InvalidArgument(prefix + Cut(key) + ": unknown field (" + std::string(what) +
                             " has: " + fields + ")");
    }
  }
  return Status::Ok();
}

const Json* Field(const Json& object, std::string_view name) {
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

// Present and not null (null is how a client says "any" for an optional scope field).
const Json* OptionalField(const Json& object, std::string_view name) {
  const Json* j = Field(object, name);
  return j == nullptr || j->is_null() ? nullptr : j;
}

Result<const Json*> RequiredField(const Json& object, std::string_view name,
                                  const std::string& prefix) {
  const Json* j = Field(object, name);
  if (j == nullptr || j->is_null()) {
    return InvalidArgument(prefix + std::string(name) + ": is required");
  }
  return j;
}

Result<Metric> ReadMetric(const Json& j, const std::string& field) {
  SPHERE_ASSIGN_OR_RETURN(std::string text, ReadString(j, field));
  Result<Metric> metric = ParseMetric(text);
  if (!metric.ok()) {
    return InvalidArgument(field + ": unknown metric " + Quote(text) + "; one of " + MetricNames());
  }
  return *metric;
}

Result<Op> ReadOp(const Json& j, const std::string& field) {
  SPHERE_ASSIGN_OR_RETURN(std::string text, ReadString(j, field));
  Result<Op> op = ParseOp(text);
  if (!op.ok()) {
    return InvalidArgument(field + ": unknown condition " + Quote(text) +
                           "; one of below, above, drop_by");
  }
  return *op;
}

Result<int64_t> ReadCooldownSeconds(const Json& j) {
  SPHERE_ASSIGN_OR_RETURN(double hours, ReadNumber(j, "cooldown_hours"));
  if (hours < 0 || hours > kMaxCooldownHours) {
    return InvalidArgument("cooldown_hours: must be between 0 and " +
                           std::string(kMaxCooldownText) + " (a year), got " + FormatNumber(hours));
  }
  return static_cast<int64_t>(std::llround(hours * kSecondsPerHour));
}

Result<CreatorScope> ReadCreatorScope(const Json& object) {
  CreatorScope scope;
  SPHERE_ASSIGN_OR_RETURN(const Json* id, RequiredField(object, "creator_id", ""));
  SPHERE_ASSIGN_OR_RETURN(scope.creator_id, ReadInteger(*id, "creator_id"));
  SPHERE_ASSIGN_OR_RETURN(const Json* metric, RequiredField(object, "metric", ""));
  SPHERE_ASSIGN_OR_RETURN(scope.condition.metric, ReadMetric(*metric, "metric"));
  SPHERE_ASSIGN_OR_RETURN(const Json* op, RequiredField(object, "condition", ""));
  SPHERE_ASSIGN_OR_RETURN(scope.condition.op, ReadOp(*op, "condition"));
  SPHERE_ASSIGN_OR_RETURN(const Json* threshold, RequiredField(object, "threshold", ""));
  SPHERE_ASSIGN_OR_RETURN(scope.condition.threshold, ReadNumber(*threshold, "threshold"));
  return scope;
}

Result<ScoutScope> ReadScoutScope(const Json& object) {
  ScoutScope scope;
  if (const Json* j = OptionalField(object, "platform")) {
    SPHERE_ASSIGN_OR_RETURN(std::string text, ReadString(*j, "platform"));
    Result<Platform> platform = ParsePlatform(text);
    if (!platform.ok()) {
      return InvalidArgument("platform: unknown platform " + Quote(text) +
                             "; one of instagram, tiktok, youtube");
    }
    scope.platform = *platform;
  }
  if (const Json* j = OptionalField(object, "niche")) {
    SPHERE_ASSIGN_OR_RETURN(scope.niche, ReadString(*j, "niche"));
  }
  if (const Json* j = OptionalField(object, "tier")) {
    SPHERE_ASSIGN_OR_RETURN(std::string text, ReadString(*j, "tier"));
    Result<FollowerTier> tier = ParseTier(text);
    if (!tier.ok()) {
      return InvalidArgument("tier: unknown tier " + Quote(text) +
                             "; one of nano, micro, mid, macro, mega");
    }
    scope.tier = *tier;
  }
  if (const Json* j = OptionalField(object, "followers_min")) {
    SPHERE_ASSIGN_OR_RETURN(scope.followers_min, ReadInteger(*j, "followers_min"));
  }
  if (const Json* j = OptionalField(object, "followers_max")) {
    SPHERE_ASSIGN_OR_RETURN(scope.followers_max, ReadInteger(*j, "followers_max"));
  }
  SPHERE_ASSIGN_OR_RETURN(const Json* conditions, RequiredField(object, "conditions", ""));
  if (!conditions->is_array()) return WrongType("conditions", "an array", *conditions);
  if (conditions->size() > kMaxConditions) {
    return InvalidArgument("conditions: at most " + std::to_string(kMaxConditions) +
                           " conditions, got " + std::to_string(conditions->size()));
  }
  for (size_t i = 0; i < conditions->size(); ++i) {
    const Json& item = (*conditions)[i];
    const std::string prefix = "conditions[" + std::to_string(i) + "].";
    if (!item.is_object()) return WrongType(prefix.substr(0, prefix.size() - 1), "an object", item);
    SPHERE_RETURN_IF_ERROR(
        RefuseUnknownFields(item, prefix, kConditionFields, {}, "a scout condition"));
    Condition c;
    SPHERE_ASSIGN_OR_RETURN(const Json* metric, RequiredField(item, "metric", prefix));
    SPHERE_ASSIGN_OR_RETURN(c.metric, ReadMetric(*metric, prefix + "metric"));
    SPHERE_ASSIGN_OR_RETURN(const Json* op, RequiredField(item, "op", prefix));
    SPHERE_ASSIGN_OR_RETURN(c.op, ReadOp(*op, prefix + "op"));
    SPHERE_ASSIGN_OR_RETURN(const Json* threshold, RequiredField(item, "threshold", prefix));
    SPHERE_ASSIGN_OR_RETURN(c.threshold, ReadNumber(*threshold, prefix + "threshold"));
    scope.conditions.push_back(c);
  }
  return scope;
}

// The shape both entry points share. `client` admits the row's fields (name, enabled).
// Leaves validation of values to ValidateRule, so both paths refuse the same things.
Result<Rule> ReadRuleObject(const Json& object, bool client) {
  Rule rule;
  SPHERE_ASSIGN_OR_RETURN(const Json* type_field, RequiredField(object, "type", ""));
  SPHERE_ASSIGN_OR_RETURN(std::string type, ReadString(*type_field, "type"));
  const std::span<const std::string_view> row_fields =
      client ? std::span<const std::string_view>(kRowFields) : std::span<const std::string_view>();
  if (type == "creator") {
    SPHERE_RETURN_IF_ERROR(
        RefuseUnknownFields(object, "", kCreatorFields, row_fields, "a creator rule"));
    SPHERE_ASSIGN_OR_RETURN(rule.scope, ReadCreatorScope(object));
  } else if (type == "scout") {
    SPHERE_RETURN_IF_ERROR(
        RefuseUnknownFields(object, "", kScoutFields, row_fields, "a scout rule"));
    SPHERE_ASSIGN_OR_RETURN(rule.scope, ReadScoutScope(object));
  } else {
    return InvalidArgument("type: must be \"creator\" or \"scout\", got " + Quote(type));
  }
  if (const Json* j = OptionalField(object, "cooldown_hours")) {
    SPHERE_ASSIGN_OR_RETURN(rule.cooldown_seconds, ReadCooldownSeconds(*j));
  }
  if (client) {
    if (const Json* j = OptionalField(object, "name")) {
      SPHERE_ASSIGN_OR_RETURN(rule.name, ReadString(*j, "name"));
    }
    if (const Json* j = OptionalField(object, "enabled")) {
      SPHERE_ASSIGN_OR_RETURN(rule.enabled, ReadBool(*j, "enabled"));
    }
  }
  return rule;
}

// Parses `text` as one JSON object, refusing malformed input, nesting deeper than
// kMaxJsonDepth and repeated keys (different parsers keep different duplicates). `what` names
// the document in messages ("body", "condition_json").
Result<Json> ParseObject(std::string_view text, std::string_view what) {
  struct Frame {
    bool array = false;
    size_t index = 0;
    std::string key;
    std::vector<std::string> seen;
  };
  std::vector<Frame> stack;
  bool too_deep = false;
  std::string duplicate;
  auto element_done = [&stack] {
    if (!stack.empty() && stack.back().array) ++stack.back().index;
  };
  Json::parser_callback_t callback = [&](int /*depth*/, Json::parse_event_t event,
                                         Json& parsed) -> bool {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        if (stack.size() >= static_cast<size_t>(kMaxJsonDepth)) too_deep = true;
        stack.push_back({event == Json::parse_event_t::array_start, 0, {}, {}});
        break;
      case Json::parse_event_t::key: {
        Frame& top = stack.back();
        std::string key = parsed.get<std::string>();
        if (duplicate.empty() &&
            std::find(top.seen.begin(), top.seen.end(), key) != top.seen.end()) {
          for (size_t i = 0; i + 1 < stack.size(); ++i) {
            if (stack[i].array) {
              duplicate += "[" + std::to_string(stack[i].index) + "]";
            } else {
              if (!duplicate.empty()) duplicate += ".";
              duplicate += stack[i].key;
            }
          }
          if (!duplicate.empty()) duplicate += ".";
          duplicate += key;
        }
        top.seen.push_back(key);
        top.key = std::move(key);
        break;
      }
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        if (!stack.empty()) stack.pop_back();
        element_done();
        break;
      case Json::parse_event_t::value:
        element_done();
        break;
    }
    return true;
  };
  const std::string prefix(what);
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return InvalidArgument(prefix + ": is empty, expected a JSON object");
  }
  Json j;
  // nlohmann's exceptions stop here and become the Status a client reads.
  try {
    j = Json::parse(text.begin(), text.end(), callback);
  } catch (const Json::out_of_range&) {
    return InvalidArgument(prefix + ": number out of range");
  } catch (const Json::parse_error& e) {
    if (too_deep) {
      return InvalidArgument(prefix + ": nested deeper than " + std::to_string(kMaxJsonDepth) +
                             " levels");
    }
    return InvalidArgument(prefix + ": malformed JSON at byte " + std::to_string(e.byte));
  } catch (const std::exception& e) {
    return InvalidArgument(prefix + ": " + e.what());
  }
  if (too_deep) {
    return InvalidArgument(prefix + ": nested deeper than " + std::to_string(kMaxJsonDepth) +
                           " levels");
  }
  if (!duplicate.empty()) return InvalidArgument(duplicate + ": duplicate key");
  if (!j.is_object()) {
    return InvalidArgument(prefix + ": must be a JSON object, got " + j.type_name());
  }
  return j;
}

Status ValidateCondition(const Condition& c, bool creator_rule, const std::string& prefix) {
  const std::string metric_field = prefix + "metric";
  const std::string op_field = prefix + (creator_rule ? "condition" : "op");
  const std::string threshold_field = prefix + "threshold";
  if (static_cast<int>(c.metric) < 0 || static_cast<int>(c.metric) >= kMetricCount) {
    return InvalidArgument(metric_field + ": unknown metric; one of " + MetricNames());
  }
  if (c.op != Op::kBelow && c.op != Op::kAbove && c.op != Op::kDropBy) {
    return InvalidArgument(op_field + ": unknown condition; one of below, above, drop_by");
  }
  if (!std::isfinite(c.threshold)) {
    return InvalidArgument(threshold_field + ": must be a finite number");
  }
  const std::string got = ", got " + FormatNumber(c.threshold);
  if (c.op == Op::kDropBy) {
    if (!creator_rule) {
      return InvalidArgument(op_field +
                             ": drop_by measures one creator's fall from their own peak and is "
                             "for creator rules only; a scout rule uses below or above");
    }
    // A fall "by 20% from the peak" has no meaning for a quantity that can be negative.
    if (IsSignedMetric(c.metric)) {
      return InvalidArgument(op_field + ": drop_by needs a metric that is never negative; " +
                             std::string(ToString(c.metric)) + " can be, use below");
    }
    if (c.threshold <= 0 || c.threshold > 1) {
      return InvalidArgument(threshold_field +
                             ": a drop_by threshold is a fraction in (0, 1] (0.2 = a 20% drop)" +
                             got);
    }
    return Status::Ok();
  }
  switch (c.metric) {
    case Metric::kEngagementRate:
      if (c.threshold < 0 || c.threshold > 1) {
        return InvalidArgument(threshold_field +
                               ": an engagement rate is a fraction in [0, 1] (0.03 = 3%)" + got);
      }
      break;
    case Metric::kFollowerCount:
    case Metric::kValue:
      if (c.threshold < 0) return InvalidArgument(threshold_field + ": must be >= 0" + got);
      break;
    case Metric::kMarketScore:
      if (c.threshold < 0 || c.threshold > 100) {
        return InvalidArgument(threshold_field + ": a market score is 0-100" + got);
      }
      break;
    case Metric::kFollowerGrowth:
    case Metric::kGrowth:
    case Metric::kMomentum:
      if (c.threshold < -1) {
        return InvalidArgument(threshold_field +
                               ": a growth is a fraction >= -1 (-0.1 = a 10% fall)" + got);
      }
      break;
  }
  return Status::Ok();
}

OrderedJson CooldownJson(int64_t seconds) {
  // Whole hours are written as integers: "cooldown_hours":168, not 168.0.
  if (seconds % 3600 == 0) return OrderedJson(seconds / 3600);
  return OrderedJson(static_cast<double>(seconds) / kSecondsPerHour);
}

}  // namespace

std::string_view ToString(Metric metric) {
  switch (metric) {
    case Metric::kEngagementRate:
      return "engagement_rate";
    case Metric::kFollowerCount:
      return "follower_count";
    case Metric::kMarketScore:
      return "market_score";
    case Metric::kValue:
      return "value";
    case Metric::kFollowerGrowth:
      return "follower_growth";
    case Metric::kGrowth:
      return "growth";
    case Metric::kMomentum:
      return "momentum";
  }
  return "?";
}

Result<Metric> ParseMetric(std::string_view text) {
  for (Metric m : kAllMetrics) {
    if (text == ToString(m)) return m;
  }
  return InvalidArgument("metric: unknown metric " + Quote(text) + "; one of " + MetricNames());
}

std::string_view ToString(Op op) {
  switch (op) {
    case Op::kBelow:
      return "below";
    case Op::kAbove:
      return "above";
    case Op::kDropBy:
      return "drop_by";
  }
  return "?";
}

Result<Op> ParseOp(std::string_view text) {
  for (Op op : kAllOps) {
    if (text == ToString(op)) return op;
  }
  return InvalidArgument("op: unknown condition " + Quote(text) + "; one of below, above, drop_by");
}

Status ValidateRule(const Rule& rule) {
  if (rule.name.size() > kMaxNameBytes) {
    return InvalidArgument("name: longer than " + std::to_string(kMaxNameBytes) + " bytes");
  }
  if (rule.cooldown_seconds < 0 || rule.cooldown_seconds > kMaxCooldownSeconds) {
    return InvalidArgument("cooldown_hours: must be between 0 and " +
                           std::string(kMaxCooldownText) + " (a year)");
  }
  if (const auto* creator = std::get_if<CreatorScope>(&rule.scope)) {
    if (creator->creator_id < 1) {
      return InvalidArgument("creator_id: must be a creator id >= 1, got " +
                             std::to_string(creator->creator_id));
    }
    return ValidateCondition(creator->condition, /*creator_rule=*/true, "");
  }
  const ScoutScope& scout = std::get<ScoutScope>(rule.scope);
  if (scout.platform &&
      (static_cast<int>(*scout.platform) < 0 ||
       static_cast<int>(*scout.platform) > static_cast<int>(Platform::kYouTube))) {
    return InvalidArgument("platform: unknown platform; one of instagram, tiktok, youtube");
  }
  if (scout.niche && !IsNiche(*scout.niche)) {
    return InvalidArgument("niche: unknown niche " + Quote(*scout.niche) + "; one of " +
                           NicheIds() + " (GET /api/v1/niches describes them)");
  }
  if (scout.tier && (static_cast<int>(*scout.tier) < 0 ||
                     static_cast<int>(*scout.tier) > static_cast<int>(FollowerTier::kMega))) {
    return InvalidArgument("tier: unknown tier; one of nano, micro, mid, macro, mega");
  }
  if (scout.followers_min && *scout.followers_min < 0) {
    return InvalidArgument("followers_min: must be >= 0, got " +
                           std::to_string(*scout.followers_min));
  }
  if (scout.followers_max && *scout.followers_max < 0) {
    return InvalidArgument("followers_max: must be >= 0, got " +
                           std::to_string(*scout.followers_max));
  }
  if (scout.followers_min && scout.followers_max && *scout.followers_min > *scout.followers_max) {
    return InvalidArgument("followers_max: must be >= followers_min (" +
                           std::to_string(*scout.followers_min) + "), got " +
                           std::to_string(*scout.followers_max));
  }
  if (scout.conditions.empty()) {
    return InvalidArgument("conditions: a scout rule needs at least one condition");
  }
  if (scout.conditions.size() > kMaxConditions) {
    return InvalidArgument("conditions: at most " + std::to_string(kMaxConditions) +
                           " conditions, got " + std::to_string(scout.conditions.size()));
  }
  for (size_t i = 0; i < scout.conditions.size(); ++i) {
    SPHERE_RETURN_IF_ERROR(ValidateCondition(scout.conditions[i], /*creator_rule=*/false,
                                             "conditions[" + std::to_string(i) + "]."));
  }
  return Status::Ok();
}

Result<Rule> ParseRule(const AlertRule& stored) {
  SPHERE_ASSIGN_OR_RETURN(Json object, ParseObject(stored.condition_json, "condition_json"));
  SPHERE_ASSIGN_OR_RETURN(Rule rule, ReadRuleObject(object, /*client=*/false));
  rule.id = stored.id;
  rule.owner_user_id = stored.owner_user_id;
  rule.name = stored.name;
  rule.enabled = stored.enabled;
  rule.created_at = stored.created_at;
  SPHERE_RETURN_IF_ERROR(ValidateRule(rule));
  return rule;
}

std::string ConditionJson(const Rule& rule) {
  OrderedJson out;
  if (const auto* creator = std::get_if<CreatorScope>(&rule.scope)) {
    out["type"] = "creator";
    out["creator_id"] = creator->creator_id;
    out["metric"] = ToString(creator->condition.metric);
    out["condition"] = ToString(creator->condition.op);
    out["threshold"] = creator->condition.threshold;
  } else {
    const ScoutScope& scout = std::get<ScoutScope>(rule.scope);
    out["type"] = "scout";
    if (scout.platform) out["platform"] = ToString(*scout.platform);
    if (scout.niche) out["niche"] = *scout.niche;
    if (scout.tier) out["tier"] = ToString(*scout.tier);
    if (scout.followers_min) out["followers_min"] = *scout.followers_min;
    if (scout.followers_max) out["followers_max"] = *scout.followers_max;
    OrderedJson conditions = OrderedJson::array();
    for (const Condition& c : scout.conditions) {
      OrderedJson item;
      item["metric"] = ToString(c.metric);
      item["op"] = ToString(c.op);
      item["threshold"] = c.threshold;
      conditions.push_back(std::move(item));
    }
    out["conditions"] = std::move(conditions);
  }
  out["cooldown_hours"] = CooldownJson(rule.cooldown_seconds);
  // A niche that is not valid UTF-8 cannot pass ValidateRule; replacing keeps dump() from
  // throwing on an unvalidated rule all the same.
  return out.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

AlertRule ToAlertRule(const Rule& rule) {
  AlertRule row;
  row.id = rule.id;
  row.owner_user_id = rule.owner_user_id;
  row.name = rule.name;
  row.condition_json = ConditionJson(rule);
  row.enabled = rule.enabled;
  row.created_at = rule.created_at;
  return row;
}

Result<Rule> RuleFromJson(std::string_view json_object) {
  SPHERE_ASSIGN_OR_RETURN(Json object, ParseObject(json_object, "body"));
  SPHERE_ASSIGN_OR_RETURN(Rule rule, ReadRuleObject(object, /*client=*/true));
  SPHERE_RETURN_IF_ERROR(ValidateRule(rule));
  return rule;
}

}  // namespace sphere::alerts
