#include "alerts/rule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "testing/status_matchers.h"

namespace sphere::alerts {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

Status ErrorOf(std::string_view json) { return RuleFromJson(json).status(); }

TEST(AlertRule, CreatorRuleFromClientJson) {
  ASSERT_OK_AND_ASSIGN(Rule rule, RuleFromJson(R"({"type":"creator","creator_id":7,
      "metric":"engagement_rate","condition":"drop_by","threshold":0.2,"name":"ER watch"})"));
  const auto& scope = std::get<CreatorScope>(rule.scope);
  EXPECT_EQ(scope.creator_id, 7);
  EXPECT_EQ(scope.condition.metric, Metric::kEngagementRate);
  EXPECT_EQ(scope.condition.op, Op::kDropBy);
  EXPECT_EQ(scope.condition.threshold, 0.2);
  EXPECT_EQ(rule.name, "ER watch");
  EXPECT_EQ(rule.cooldown_seconds, kDefaultCooldownSeconds);
  EXPECT_TRUE(rule.enabled);
}

TEST(AlertRule, ScoutRuleFromClientJson) {
  ASSERT_OK_AND_ASSIGN(Rule rule, RuleFromJson(R"({"type":"scout","platform":"instagram",
      "niche":"fitness","tier":"micro","followers_min":10000,"followers_max":1e5,
      "conditions":[{"metric":"momentum","op":"above","threshold":0.3},
                    {"metric":"market_score","op":"below","threshold":60}],
      "cooldown_hours":168,"enabled":false})"));
  const auto& scope = std::get<ScoutScope>(rule.scope);
  EXPECT_EQ(scope.platform, Platform::kInstagram);
  EXPECT_EQ(scope.niche, "fitness");
  EXPECT_EQ(scope.tier, FollowerTier::kMicro);
  EXPECT_EQ(scope.followers_min, 10000);
  EXPECT_EQ(scope.followers_max, 100000);
  ASSERT_EQ(scope.conditions.size(), 2u);
  EXPECT_EQ(scope.conditions[0].metric, Metric::kMomentum);
  EXPECT_EQ(scope.conditions[1].op, Op::kBelow);
  EXPECT_EQ(rule.cooldown_seconds, 168 * 3600);
  EXPECT_FALSE(rule.enabled);
}

TEST(AlertRule, NullScopeFieldsMeanAny) {
  ASSERT_OK_AND_ASSIGN(Rule rule, RuleFromJson(R"({"type":"scout","platform":null,"niche":null,
      "conditions":[{"metric":"value","op":"above","threshold":500}]})"));
  const auto& scope = std::get<ScoutScope>(rule.scope);
  EXPECT_FALSE(scope.platform.has_value());
  EXPECT_FALSE(scope.niche.has_value());
}

TEST(AlertRule, ConditionJsonIsCanonical) {
  Rule rule;
  rule.scope = CreatorScope{7, {Metric::kEngagementRate, Op::kDropBy, 0.2}};
  EXPECT_EQ(ConditionJson(rule),
            R"({"type":"creator","creator_id":7,"metric":"engagement_rate","condition":"drop_by",)"
            R"("threshold":0.2,"cooldown_hours":24})");

  ASSERT_OK_AND_ASSIGN(Rule scout, RuleFromJson(R"({"cooldown_hours":1.5,"conditions":[
      {"threshold":0.3,"op":"above","metric":"momentum"}],"niche":"fitness",
      "platform":"Instagram","type":"scout"})"));
  EXPECT_EQ(ConditionJson(scout),
            R"({"type":"scout","platform":"instagram","niche":"fitness","conditions":)"
            R"([{"metric":"momentum","op":"above","threshold":0.3}],"cooldown_hours":1.5})");
}

TEST(AlertRule, ParseRuleRoundTripsEveryShape) {
  const char* kClientRules[] = {
      R"({"type":"creator","creator_id":7,"metric":"engagement_rate","condition":"drop_by",
          "threshold":0.2,"name":"a"})",
      R"({"type":"creator","creator_id":9007199254740993,"metric":"follower_count",
          "condition":"above","threshold":1000000,"cooldown_hours":0})",
      R"({"type":"scout","platform":"tiktok","niche":"gaming","tier":"mid",
          "followers_min":100000,"followers_max":499999,"conditions":[
          {"metric":"momentum","op":"above","threshold":0.1234567890123},
          {"metric":"follower_growth","op":"above","threshold":-0.05},
          {"metric":"value","op":"below","threshold":2500.5}],"cooldown_hours":0.1,
          "name":"gaming risers","enabled":false})",
      R"({"type":"scout","conditions":[{"metric":"growth","op":"below","threshold":-1}],
          "cooldown_hours":8760})",
  };
  for (const char* json : kClientRules) {
    SCOPED_TRACE(json);
    ASSERT_OK_AND_ASSIGN(Rule rule, RuleFromJson(json));
    rule.id = 42;
    rule.owner_user_id = 3;
    rule.created_at = 1'700'000'000;
    const AlertRule row = ToAlertRule(rule);
    EXPECT_EQ(row.id, 42);
    EXPECT_EQ(row.owner_user_id, 3);
    EXPECT_EQ(row.name, rule.name);
    EXPECT_EQ(row.enabled, rule.enabled);
    EXPECT_EQ(row.created_at, rule.created_at);
    ASSERT_OK_AND_ASSIGN(Rule back, ParseRule(row));
    EXPECT_EQ(back, rule);
    EXPECT_EQ(ConditionJson(back), row.condition_json);
  }
}

TEST(AlertRule, ReadsTheSeedServicesStoredRow) {
  // service/creator_alerts.cc writes through nlohmann::json, which sorts the keys.
  AlertRule row;
  row.id = 5;
  row.owner_user_id = 2;
  row.name = "engagement_rate below of instagram/x";
  row.condition_json =
      R"({"condition":"below","creator_id":11,"metric":"engagement_rate","threshold":0.01,)"
      R"("type":"creator"})";
  row.enabled = false;
  row.created_at = 123;
  ASSERT_OK_AND_ASSIGN(Rule rule, ParseRule(row));
  EXPECT_EQ(rule.id, 5);
  EXPECT_EQ(rule.owner_user_id, 2);
  EXPECT_EQ(rule.name, row.name);
  EXPECT_FALSE(rule.enabled);
  EXPECT_EQ(rule.created_at, 123);
  EXPECT_EQ(std::get<CreatorScope>(rule.scope).creator_id, 11);
}

TEST(AlertRule, StoredConditionJsonRefusesRowFields) {
  AlertRule row;
  row.condition_json =
      R"({"type":"creator","creator_id":1,"metric":"value","condition":"above","threshold":1,)"
      R"("enabled":true})";
  EXPECT_THAT(ParseRule(row).status(),
              IsError(Code::kInvalidArgument, StartsWith("enabled: unknown field")));
  row.condition_json = "[1]";
  EXPECT_THAT(ParseRule(row).status(),
              IsError(Code::kInvalidArgument, StartsWith("condition_json: must be a JSON object")));
}

TEST(AlertRule, BadDocumentsNameTheBody) {
  EXPECT_THAT(ErrorOf(""), IsError(Code::kInvalidArgument, StartsWith("body: is empty")));
  EXPECT_THAT(ErrorOf("{\"type\":}"),  // the 9th byte
              IsError(Code::kInvalidArgument, "body: malformed JSON at byte 9"));
  EXPECT_THAT(ErrorOf("[]"),
              IsError(Code::kInvalidArgument, "body: must be a JSON object, got array"));
  std::string deep = R"({"type":"scout","conditions":)";
  for (int i = 0; i < 40; ++i) deep += "[";
  for (int i = 0; i < 40; ++i) deep += "]";
  deep += "}";
  EXPECT_THAT(ErrorOf(deep), IsError(Code::kInvalidArgument, StartsWith("body: nested deeper")));
}

TEST(AlertRule, DuplicateKeysAreRefusedWithTheirPath) {
  EXPECT_THAT(ErrorOf(R"({"type":"scout","type":"creator"})"),
              IsError(Code::kInvalidArgument, "type: duplicate key"));
  EXPECT_THAT(ErrorOf(R"({"type":"scout","conditions":[{"metric":"value","op":"above",
      "threshold":1},{"metric":"value","metric":"growth","op":"above","threshold":1}]})"),
              IsError(Code::kInvalidArgument, "conditions[1].metric: duplicate key"));
}

TEST(AlertRule, TypeIsRequiredAndKnown) {
  EXPECT_THAT(ErrorOf(R"({"creator_id":1})"), IsError(Code::kInvalidArgument, "type: is required"));
  EXPECT_THAT(ErrorOf(R"({"type":"brand"})"),
              IsError(Code::kInvalidArgument, StartsWith("type: must be \"creator\" or")));
  EXPECT_THAT(ErrorOf(R"({"type":3})"),
              IsError(Code::kInvalidArgument, "type: must be a string, got number"));
}

TEST(AlertRule, UnknownFieldsAreRefusedNotIgnored) {
  EXPECT_THAT(ErrorOf(R"({"type":"creator","creator_id":1,"metric":"value","condition":"above",
      "threshold":1,"colour":"red"})"),
              IsError(Code::kInvalidArgument, StartsWith("colour: unknown field")));
  // A scout field in a creator rule is unknown there.
  EXPECT_THAT(ErrorOf(R"({"type":"creator","creator_id":1,"metric":"value","condition":"above",
      "threshold":1,"niche":"food"})"),
              IsError(Code::kInvalidArgument, StartsWith("niche: unknown field")));
  EXPECT_THAT(ErrorOf(R"({"type":"scout","conditions":[{"metric":"value","op":"above",
      "threshold":1,"weight":2}]})"),
              IsError(Code::kInvalidArgument, StartsWith("conditions[0].weight: unknown field")));
}

TEST(AlertRule, CreatorFieldErrorsNameTheField) {
  EXPECT_THAT(ErrorOf(R"({"type":"creator","creator_id":1,"metric":"likes","condition":"above",
      "threshold":1})"),
              IsError(Code::kInvalidArgument,
                      AllOf(StartsWith("metric: unknown metric 'likes'"), HasSubstr("momentum"))));
  EXPECT_THAT(ErrorOf(R"({"type":"creator","creator_id":1,"metric":"value","condition":"rises",
      "threshold":1})"),
              IsError(Code::kInvalidArgument, StartsWith("condition: unknown condition")));
  EXPECT_THAT(ErrorOf(R"({"type":"creator","creator_id":1,"metric":"value","condition":"above",
      "threshold":"1"})"),
              IsError(Code::kInvalidArgument, "threshold: must be a number, got string"));
  EXPECT_THAT(ErrorOf(R"({"type":"creator","creator_id":"1","metric":"value",
      "condition":"above","threshold":1})"),
              IsError(Code::kInvalidArgument, "creator_id: must be an integer, got string"));
  EXPECT_THAT(ErrorOf(R"({"type":"creator","creator_id":1.5,"metric":"value",
      "condition":"above","threshold":1})"),
              IsError(Code::kInvalidArgument, "creator_id: must be a whole number"));
  EXPECT_THAT(ErrorOf(R"({"type":"creator","creator_id":0,"metric":"value",
      "condition":"above","threshold":1})"),
              IsError(Code::kInvalidArgument, StartsWith("creator_id: must be a creator id")));
  EXPECT_THAT(ErrorOf(R"({"type":"creator","creator_id":1,"metric":"value",
      "condition":"above"})"),
              IsError(Code::kInvalidArgument, "threshold: is required"));
  EXPECT_THAT(ErrorOf(R"({"type":"creator","creator_id":1,"metric":"value",
      "condition":"above","threshold":1e400})"),
              IsError(Code::kInvalidArgument, "body: number out of range"));
  EXPECT_THAT(ErrorOf(R"({"type":"creator","creator_id":1,"metric":"value","condition":"above",
      "threshold":1,"enabled":"yes"})"),
              IsError(Code::kInvalidArgument, "enabled: must be true or false, got string"));
  EXPECT_THAT(ErrorOf(R"({"type":"creator","creator_id":1,"metric":"value","condition":"above",
      "threshold":1,"name":7})"),
              IsError(Code::kInvalidArgument, "name: must be a string, got number"));
  EXPECT_THAT(ErrorOf(R"({"type":"creator","creator_id":1,"metric":"value","condition":"above",
      "threshold":1,"name":")" +
                      std::string(201, 'n') + "\"}"),
              IsError(Code::kInvalidArgument, StartsWith("name: longer than 200 bytes")));
}

TEST(AlertRule, ThresholdsOutsideTheirMetricsRangeAreRefused) {
  struct Case {
    std::string metric, condition;
    double threshold;
    bool ok;
  };
  const Case kCases[] = {
      {"engagement_rate", "above", 0.05, true},  {"engagement_rate", "above", 1.5, false},
      {"engagement_rate", "below", -0.1, false}, {"follower_count", "above", 0, true},
      {"follower_count", "below", -1, false},    {"value", "above", -5, false},
      {"market_score", "above", 100, true},      {"market_score", "above", 101, false},
      {"momentum", "below", -1, true},           {"momentum", "below", -1.01, false},
      {"follower_growth", "above", 3, true},     {"growth", "below", -2, false},
      {"engagement_rate", "drop_by", 1, true},   {"value", "drop_by", 0, false},
      {"value", "drop_by", 1.2, false},          {"market_score", "drop_by", 0.5, true},
      {"momentum", "drop_by", 0.5, false},  // a signed metric has no peak to fall from
  };
  for (const Case& c : kCases) {
    const std::string json = R"({"type":"creator","creator_id":3,"metric":")" + c.metric +
                             R"(","condition":")" + c.condition + R"(","threshold":)" +
                             std::to_string(c.threshold) + "}";
    SCOPED_TRACE(json);
    const Status status = ErrorOf(json);
    if (c.ok) {
      EXPECT_OK(status);
    } else {
      EXPECT_EQ(status.code(), Code::kInvalidArgument);
      EXPECT_THAT(status.message(),
                  ::testing::AnyOf(StartsWith("threshold: "), StartsWith("condition: ")));
    }
  }
}

TEST(AlertRule, ScoutFieldErrorsNameTheField) {
  const std::string kCondition = R"("conditions":[{"metric":"momentum","op":"above",
      "threshold":0.3}])";
  EXPECT_THAT(ErrorOf(R"({"type":"scout","niche":"knitting",)" + kCondition + "}"),
              IsError(Code::kInvalidArgument, AllOf(StartsWith("niche: unknown niche 'knitting'"),
                                                    HasSubstr("fitness"), HasSubstr("lifestyle"))));
  // Ids are exact: the API serves and stores lower-case slugs.
  EXPECT_THAT(ErrorOf(R"({"type":"scout","niche":"Fitness",)" + kCondition + "}"),
              IsError(Code::kInvalidArgument, StartsWith("niche: unknown niche")));
  EXPECT_THAT(ErrorOf(R"({"type":"scout","niche":5,)" + kCondition + "}"),
              IsError(Code::kInvalidArgument, "niche: must be a string, got number"));
  EXPECT_THAT(ErrorOf(R"({"type":"scout","platform":"myspace",)" + kCondition + "}"),
              IsError(Code::kInvalidArgument, StartsWith("platform: unknown platform")));
  EXPECT_THAT(ErrorOf(R"({"type":"scout","tier":"giga",)" + kCondition + "}"),
              IsError(Code::kInvalidArgument, StartsWith("tier: unknown tier")));
  EXPECT_THAT(
      ErrorOf(R"({"type":"scout","followers_min":5000,"followers_max":1000,)" + kCondition + "}"),
      IsError(Code::kInvalidArgument, StartsWith("followers_max: must be >= followers_min")));
  EXPECT_THAT(ErrorOf(R"({"type":"scout","followers_min":-1,)" + kCondition + "}"),
              IsError(Code::kInvalidArgument, StartsWith("followers_min: must be >= 0")));
  EXPECT_THAT(ErrorOf(R"({"type":"scout","followers_max":"big",)" + kCondition + "}"),
              IsError(Code::kInvalidArgument, "followers_max: must be an integer, got string"));
  EXPECT_THAT(ErrorOf(R"({"type":"scout","followers_max":1000.5,)" + kCondition + "}"),
              IsError(Code::kInvalidArgument, "followers_max: must be a whole number"));
  EXPECT_THAT(ErrorOf(R"({"type":"scout","cooldown_hours":9000,)" + kCondition + "}"),
              IsError(Code::kInvalidArgument, StartsWith("cooldown_hours: must be between 0 and")));
  EXPECT_THAT(ErrorOf(R"({"type":"scout","cooldown_hours":-1,)" + kCondition + "}"),
              IsError(Code::kInvalidArgument, StartsWith("cooldown_hours: must be between")));
  EXPECT_THAT(ErrorOf(R"({"type":"scout","cooldown_hours":"1d",)" + kCondition + "}"),
              IsError(Code::kInvalidArgument, "cooldown_hours: must be a number, got string"));
}

TEST(AlertRule, ScoutConditionErrorsNameTheirIndex) {
  EXPECT_THAT(ErrorOf(R"({"type":"scout"})"),
              IsError(Code::kInvalidArgument, "conditions: is required"));
  EXPECT_THAT(ErrorOf(R"({"type":"scout","conditions":{}})"),
              IsError(Code::kInvalidArgument, "conditions: must be an array, got object"));
  EXPECT_THAT(ErrorOf(R"({"type":"scout","conditions":[]})"),
              IsError(Code::kInvalidArgument, StartsWith("conditions: a scout rule needs")));
  std::string nine = R"({"type":"scout","conditions":[)";
  for (int i = 0; i < 9; ++i) {
    nine += std::string(i ? "," : "") + R"({"metric":"value","op":"above","threshold":1})";
  }
  nine += "]}";
  EXPECT_THAT(ErrorOf(nine), IsError(Code::kInvalidArgument, StartsWith("conditions: at most 8")));
  EXPECT_THAT(ErrorOf(R"({"type":"scout","conditions":[{"metric":"value","op":"above",
      "threshold":1},"momentum"]})"),
              IsError(Code::kInvalidArgument, "conditions[1]: must be an object, got string"));
  EXPECT_THAT(ErrorOf(R"({"type":"scout","conditions":[{"metric":"value","op":"above",
      "threshold":1},{"metric":"value","op":"drop_by","threshold":0.2}]})"),
              IsError(Code::kInvalidArgument,
                      AllOf(StartsWith("conditions[1].op: drop_by"), HasSubstr("creator rules"))));
  EXPECT_THAT(ErrorOf(R"({"type":"scout","conditions":[{"metric":"likes","op":"above",
      "threshold":1}]})"),
              IsError(Code::kInvalidArgument, StartsWith("conditions[0].metric: unknown metric")));
  EXPECT_THAT(ErrorOf(R"({"type":"scout","conditions":[{"metric":"value","op":"above"}]})"),
              IsError(Code::kInvalidArgument, "conditions[0].threshold: is required"));
  EXPECT_THAT(ErrorOf(R"({"type":"scout","conditions":[{"metric":"market_score","op":"above",
      "threshold":150}]})"),
              IsError(Code::kInvalidArgument, StartsWith("conditions[0].threshold: a market")));
  // The seed's "condition" spelling belongs to creator rules; scout conditions say "op".
  EXPECT_THAT(ErrorOf(R"({"type":"scout","conditions":[{"metric":"value","condition":"above",
      "threshold":1}]})"),
              IsError(Code::kInvalidArgument, StartsWith("conditions[0].condition: unknown")));
}

TEST(AlertRule, EchoedTextIsCutAtACharacterBoundary) {
  std::string metric = "a";  // then "é" from byte 1 on: byte 64 is the middle of one
  for (int i = 0; i < 40; ++i) metric += "\xc3\xa9";
  const Status status = ErrorOf(R"({"type":"creator","creator_id":1,"metric":")" + metric +
                                R"(","condition":"above","threshold":1})");
  EXPECT_THAT(status, IsError(Code::kInvalidArgument, StartsWith("metric: unknown metric '" +
                                                                 metric.substr(0, 63) + "...'")));
}

TEST(AlertRule, ValidateRuleChecksRulesBuiltInCode) {
  Rule rule;
  rule.scope = CreatorScope{1, {Metric::kValue, Op::kAbove, 10}};
  EXPECT_OK(ValidateRule(rule));
  rule.cooldown_seconds = -1;
  EXPECT_THAT(ValidateRule(rule), IsError(Code::kInvalidArgument, StartsWith("cooldown_hours:")));
  rule.cooldown_seconds = kMaxCooldownSeconds + 1;
  EXPECT_THAT(ValidateRule(rule), IsError(Code::kInvalidArgument, StartsWith("cooldown_hours:")));
  rule.cooldown_seconds = kMaxCooldownSeconds;
  EXPECT_OK(ValidateRule(rule));

  ScoutScope scout;
  scout.conditions.push_back({Metric::kMomentum, Op::kAbove, std::nan("")});
  rule.scope = scout;
  EXPECT_THAT(ValidateRule(rule),
              IsError(Code::kInvalidArgument, "conditions[0].threshold: must be a finite number"));
}

TEST(AlertRule, MetricAndOpNamesRoundTrip) {
  for (int i = 0; i < kMetricCount; ++i) {
    const auto metric = static_cast<Metric>(i);
    ASSERT_OK_AND_ASSIGN(Metric back, ParseMetric(ToString(metric)));
    EXPECT_EQ(back, metric);
  }
  for (Op op : {Op::kBelow, Op::kAbove, Op::kDropBy}) {
    ASSERT_OK_AND_ASSIGN(Op back, ParseOp(ToString(op)));
    EXPECT_EQ(back, op);
  }
  EXPECT_THAT(ParseMetric("likes").status(),
              IsError(Code::kInvalidArgument, HasSubstr("engagement_rate")));
}

}  // namespace
}  // namespace sphere::alerts
