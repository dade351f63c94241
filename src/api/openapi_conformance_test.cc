// The OpenAPI document against what the handlers really answer: one real request per route
// (and the dispatcher's errors) through the API test world, each response's status,
// headers and body checked against the operation's documented response schema. Objects are
// closed: a field the handler sends that the schema lacks is a failure, so field names cannot
// drift apart in either direction.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "api/static_documents.h"
#include "testing/api_world.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::api {
namespace {

using Json = nlohmann::json;
using ::testing::IsEmpty;

const Json& Document() {
  static const Json kDoc = Json::parse(OpenApiDocument());
  return kDoc;
}

const Json& Deref(const Json& schema) {
  if (schema.is_object() && schema.contains("$ref")) {
    const std::string ref = schema["$ref"].get<std::string>();
    return Deref(Document().at(Json::json_pointer(ref.substr(1))));
  }
  return schema;
}

// allOf parts merged into one object schema (properties and required united).
Json Flatten(const Json& raw) {
  const Json& schema = Deref(raw);
  if (!schema.contains("allOf")) return schema;
  Json out = {{"type", "object"}, {"properties", Json::object()}, {"required", Json::array()}};
  for (const Json& part : schema["allOf"]) {
    const Json flat = Flatten(part);
    const Json properties = flat.value("properties", Json::object());
    for (const auto& [name, sub] : properties.items()) {
      out["properties"][name] = sub;
    }
    for (const Json& name : flat.value("required", Json::array())) out["required"].push_back(name);
    if (flat.contains("additionalProperties")) {
      out["additionalProperties"] = flat["additionalProperties"];
    }
    if (!flat.contains("properties") && flat.contains("type")) out["type"] = flat["type"];
  }
  if (schema.value("nullable", false)) out["nullable"] = true;
  return out;
}

bool IsDateTime(const std::string& s) {
  static const std::regex kIso(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))");
  return std::regex_match(s, kIso);
}

// The subset of OpenAPI 3.0 schemas the document uses.
void Validate(const Json& raw, const Json& value, const std::string& path,
              std::vector<std::string>& problems) {
  const Json schema = Flatten(raw);
  if (value.is_null()) {
    if (!schema.value("nullable", false)) problems.push_back(path + ": null, not nullable");
    return;
  }
  if (schema.contains("oneOf")) {
    int matches = 0;
    for (const Json& option : schema["oneOf"]) {
      std::vector<std::string> sub;
      Validate(option, value, path, sub);
      if (sub.empty()) ++matches;
    }
    if (matches != 1)
      problems.push_back(path + ": matches " + std::to_string(matches) +
                         " of oneOf, not 1: " + value.dump());
    return;
  }
  if (schema.contains("enum") &&
      std::find(schema["enum"].begin(), schema["enum"].end(), value) == schema["enum"].end()) {
    problems.push_back(path + ": " + value.dump() + " is not in the enum");
  }
  const std::string type = schema.value("type", "");
  if (type == "object") {
    if (!value.is_object()) {
      problems.push_back(path + ": expected an object, got " + value.dump());
      return;
    }
    for (const Json& name : schema.value("required", Json::array())) {
      if (!value.contains(name.get<std::string>())) {
        problems.push_back(path + ": missing required " + name.get<std::string>());
      }
    }
    // Without "properties" an object is free-form (evidence, metrics, this document).
    const Json properties = schema.value("properties", Json::object());
    const Json extra = schema.value("additionalProperties", Json(!schema.contains("properties")));
    for (const auto& [name, item] : value.items()) {
      if (properties.contains(name)) {
        Validate(properties[name], item, path + "." + name, problems);
      } else if (extra.is_object()) {
        Validate(extra, item, path + "." + name, problems);
      } else if (extra != Json(true)) {
        problems.push_back(path + "." + name + ": not in the schema");
      }
    }
  } else if (type == "array") {
    if (!value.is_array()) {
      problems.push_back(path + ": expected an array, got " + value.dump());
      return;
    }
    for (size_t i = 0; i < value.size(); ++i) {
      Validate(schema["items"], value[i], path + "[" + std::to_string(i) + "]", problems);
    }
  } else if (type == "string") {
    if (!value.is_string()) {
      problems.push_back(path + ": expected a string, got " + value.dump());
    } else if (schema.value("format", "") == "date-time" && !IsDateTime(value.get<std::string>())) {
      problems.push_back(path + ": not a date-time: " + value.dump());
    }
  } else if (type == "integer" || type == "number") {
    if (type == "integer" ? !value.is_number_integer() : !value.is_number()) {
      problems.push_back(path + ": expected " + type + ", got " + value.dump());
      return;
    }
    const double v = value.get<double>();
    if (schema.contains("minimum") && v < schema["minimum"].get<double>()) {
      problems.push_back(path + ": " + value.dump() + " below the minimum");
    }
    if (schema.contains("maximum") && v > schema["maximum"].get<double>()) {
      problems.push_back(path + ": " + value.dump() + " above the maximum");
    }
  } else if (type == "boolean") {
    if (!value.is_boolean()) problems.push_back(path + ": expected a boolean, got " + value.dump());
  }
}

std::string HeaderOf(const Response& r, std::string_view name) {
  for (const auto& [key, value] : r.headers) {
    if (key == name) return value;
  }
  return "";
}

// Problems of `response` as the answer of the documented operation (pattern, method).
std::vector<std::string> CheckResponse(const std::string& pattern, const std::string& method,
                                       const Response& response) {
  const std::string where = method + " " + pattern + " " + std::to_string(response.status);
  const Json& responses = Document().at("paths").at(pattern).at(method).at("responses");
  const std::string code = std::to_string(response.status);
  if (!responses.contains(code)) return {where + ": status not documented: " + response.body};
  const Json& documented = Deref(responses[code]);
  std::vector<std::string> problems;
  const Json headers = documented.value("headers", Json::object());
  for (const auto& [name, header] : headers.items()) {
    if (HeaderOf(response, name).empty()) problems.push_back(where + ": no " + name + " header");
  }
  const Json content = documented.value("content", Json::object());
  if (content.empty()) {
    if (!response.body.empty()) problems.push_back(where + ": documented without a body");
    return problems;
  }
  const std::string type = response.content_type.substr(0, response.content_type.find(';'));
  if (!content.contains(type)) {
    problems.push_back(where + ": content type " + response.content_type + " not documented");
    return problems;
  }
  if (type != "application/json") return problems;
  const Json body = Json::parse(response.body, nullptr, false);
  if (body.is_discarded()) return {where + ": body is not JSON"};
  Validate(content[type]["schema"], body, where + " body", problems);
  return problems;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Multipart(const std::string& draft_json, const std::string& image) {
  std::string body =
      "--b0undary\r\nContent-Disposition: form-data; name=\"draft\"\r\n"
      "Content-Type: application/json\r\n\r\n" +
      draft_json + "\r\n";
  body +=
      "--b0undary\r\nContent-Disposition: form-data; name=\"image\"; "
      "filename=\"fruits.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" +
      image + "\r\n";
  return body + "--b0undary--\r\n";
}

const std::vector<std::pair<std::string, std::string>> kMultipart = {
    {"Content-Type", "multipart/form-data; boundary=b0undary"}};

class OpenApiConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(world_, testing::ApiWorld::Open());
    ASSERT_OK_AND_ASSIGN(user_, world_->AddUser("brand", Role::kBrand));
    ASSERT_OK_AND_ASSIGN(admin_, world_->AddUser("admin", Role::kAdmin));
    creator_ = world_->CreatorWithHistory();
    handle_ = creator_.substr(creator_.find('/') + 1);
  }

  // Sends and checks against the operation (pattern, method); returns the response.
  Response Expect(int status, Method method, const std::string& pattern, const std::string& target,
                  const std::string& body = "", const std::string& key = "",
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
    Response r = world_->Send(method, target, body, key, std::move(headers));
    std::string name(MethodName(method));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(r.status, status) << name << " " << target << ": " << r.body;
    EXPECT_THAT(CheckResponse(pattern, name, r), IsEmpty()) << r.body;
    return r;
  }

  std::unique_ptr<testing::ApiWorld> world_;
  std::string user_, admin_, creator_, handle_;
};

TEST_F(OpenApiConformance, OpsRoutesAnswerAsDocumented) {
  Expect(200, Method::kGet, "/healthz", "/healthz");
  Expect(200, Method::kGet, "/readyz", "/readyz");
  Expect(200, Method::kGet, "/metrics", "/metrics");
  Expect(200, Method::kGet, "/api/v1/openapi.json", "/api/v1/openapi.json");
  Expect(200, Method::kGet, "/docs", "/docs");
  Expect(200, Method::kGet, "/api/v1/me", "/api/v1/me", "", user_);
  Expect(401, Method::kGet, "/api/v1/me", "/api/v1/me");
  Expect(401, Method::kGet, "/api/v1/me", "/api/v1/me", "", "not-a-key");
}

TEST_F(OpenApiConformance, SeedRoutesAnswerAsDocumented) {
  Response r = Expect(
      200, Method::kPost, "/api/v1/realtime-plep", "/api/v1/realtime-plep",
      Json{{"influencer_id", creator_}, {"post_text", "Morning run #fitness"}}.dump(), user_);
  Expect(400, Method::kPost, "/api/v1/realtime-plep", "/api/v1/realtime-plep",
         Json{{"influencer_id", creator_}}.dump(), user_);
  Expect(404, Method::kPost, "/api/v1/realtime-plep", "/api/v1/realtime-plep",
         Json{{"influencer_id", "instagram/nobody_here_at_all"}, {"post_text", "x"}}.dump(), user_);

  r = Expect(200, Method::kGet, "/api/v1/search/influencers", "/api/v1/search/influencers?limit=3",
             "", user_);
  const int64_t id = Json::parse(r.body)["results"][0]["id"].get<int64_t>();
  Expect(400, Method::kGet, "/api/v1/search/influencers", "/api/v1/search/influencers?bogus=1", "",
         user_);
  const std::string one = "/api/v1/influencers/" + std::to_string(id);
  Expect(200, Method::kGet, "/api/v1/influencers/{id}", one, "", user_);
  Expect(404, Method::kGet, "/api/v1/influencers/{id}", "/api/v1/influencers/999999999", "", user_);
  const std::string notes =
      Json{{"niche_tags", {"fitness"}}, {"manual_notes", "met at expo"}}.dump();
  Expect(200, Method::kPut, "/api/v1/influencers/{id}", one, notes, admin_);
  Expect(403, Method::kPut, "/api/v1/influencers/{id}", one, notes, user_);

  const std::string profile = Json{
      {"username", "conformance_creator"},
      {"platform", "instagram"},
      {"follower_count", 12000},
      {"recent_post_captions", {"Morning run #fitness", "Rest day"}},
      {"recent_likes",
       {340, nullptr}}}.dump();
  Expect(202, Method::kPost, "/api/v1/data-ingestion", "/api/v1/data-ingestion", profile, admin_);
  Expect(403, Method::kPost, "/api/v1/data-ingestion", "/api/v1/data-ingestion", profile, user_);

  r = Expect(201, Method::kPost, "/api/v1/alerts", "/api/v1/alerts",
             Json{{"influencer_id", id},
                  {"metric", "engagement_rate"},
                  {"condition", "drop_by"},
                  {"threshold_value", 0.2}}
                 .dump(),
             user_);
  const int64_t alert = Json::parse(r.body)["alert_id"].get<int64_t>();
  Expect(200, Method::kGet, "/api/v1/alerts", "/api/v1/alerts", "", user_);
  const std::string alert_path = "/api/v1/alerts/" + std::to_string(alert);
  Expect(404, Method::kDelete, "/api/v1/alerts/{alert_id}", alert_path, "", admin_);
  Expect(204, Method::kDelete, "/api/v1/alerts/{alert_id}", alert_path, "", user_);
  Expect(400, Method::kDelete, "/api/v1/alerts/{alert_id}", "/api/v1/alerts/x", "", user_);
}

TEST_F(OpenApiConformance, PlepRoutesAnswerAsDocumented) {
  const std::string draft = Json{
      {"creator", creator_},
      {"caption", "Sunday long run #running"},
      {"posted_at",
       "2022-09-15T18:00:00Z"}}.dump();
  Expect(200, Method::kPost, "/api/v1/plep", "/api/v1/plep", draft, user_);
  Expect(200, Method::kPost, "/api/v1/plep", "/api/v1/plep",
         Json{{"caption", "no creator"}, {"explain", false}}.dump(), user_);
  const std::string image = ReadFile(testing::SourceDir() / "tests/data/images/fruits.jpg");
  ASSERT_FALSE(image.empty());
  Expect(200, Method::kPost, "/api/v1/plep/diagnose", "/api/v1/plep/diagnose",
         Multipart(draft, image), user_, kMultipart);
  Expect(415, Method::kPost, "/api/v1/plep", "/api/v1/plep", draft, user_,
         {{"Content-Type", "text/plain"}});
  Expect(400, Method::kPost, "/api/v1/plep/diagnose", "/api/v1/plep/diagnose",
         Json{{"caption", "no creator"}}.dump(), user_);
}

TEST_F(OpenApiConformance, CreatorAndMarketRoutesAnswerAsDocumented) {
  const std::string base = "/api/v1/creators/instagram/" + handle_;
  const std::string pattern = "/api/v1/creators/{platform}/{handle}";
  Expect(200, Method::kGet, pattern, base, "", user_);
  // With notes: admin keys see manual_notes, others do not.
  Expect(200, Method::kPut, "/api/v1/influencers/{id}",
         "/api/v1/influencers/instagram%2F" + handle_,
         Json{{"niche_tags", {"fitness"}}, {"manual_notes", "met at expo"}}.dump(), admin_);
  Expect(200, Method::kGet, pattern, base, "", user_);
  Expect(200, Method::kGet, pattern, base, "", admin_);
  Response r = Expect(200, Method::kGet, pattern + "/posts", base + "/posts?limit=2", "", user_);
  const Json next = Json::parse(r.body)["next"];
  if (next.is_string())
    Expect(200, Method::kGet, pattern + "/posts", next.get<std::string>(), "", user_);
  Expect(200, Method::kGet, pattern + "/snapshots", base + "/snapshots", "", user_);
  Expect(200, Method::kGet, pattern + "/value", base + "/value", "", user_);
  Expect(200, Method::kGet, pattern + "/values", base + "/values", "", user_);
  Expect(400, Method::kGet, pattern, "/api/v1/creators/myspace/" + handle_, "", user_);
  Expect(404, Method::kGet, pattern, "/api/v1/creators/instagram/nobody_here_at_all", "", user_);

  Expect(200, Method::kGet, "/api/v1/rank", "/api/v1/rank?limit=5", "", user_);
  Expect(200, Method::kGet, "/api/v1/rank", "/api/v1/rank?platform=youtube&sort=momentum&limit=3",
         "", user_);
  Expect(400, Method::kGet, "/api/v1/rank", "/api/v1/rank?sort=fee", "", user_);
  Expect(200, Method::kGet, "/api/v1/niches", "/api/v1/niches", "", user_);
}

TEST_F(OpenApiConformance, DraftRoutesAnswerAsDocumented) {
  const std::string image = ReadFile(testing::SourceDir() / "tests/data/images/fruits.jpg");
  ASSERT_FALSE(image.empty());
  const std::string fields = Json{
      {"creator", creator_},
      {"caption", "Sunday long run"},
      {"posted_at",
       "2022-09-15T18:00:00Z"}}.dump();
  Response r = Expect(201, Method::kPost, "/api/v1/drafts", "/api/v1/drafts",
                      Multipart(fields, image), user_, kMultipart);
  const std::string path =
      "/api/v1/drafts/" + std::to_string(Json::parse(r.body)["id"].get<int64_t>());
  Expect(201, Method::kPost, "/api/v1/drafts", "/api/v1/drafts",
         Json{{"caption", "no creator yet"}}.dump(), user_);
  Expect(200, Method::kGet, "/api/v1/drafts", "/api/v1/drafts", "", user_);
  const std::string one = "/api/v1/drafts/{draft_id}";
  Expect(200, Method::kGet, one, path, "", user_);
  Expect(404, Method::kGet, one, path, "", admin_);
  Expect(200, Method::kPut, one, path, fields, user_);
  Expect(415, Method::kPut, one, path, Multipart(fields, image), user_, kMultipart);
  Expect(200, Method::kPost, one + "/diagnose", path + "/diagnose", "", user_);
  Expect(204, Method::kDelete, one, path, "", user_);
  Expect(404, Method::kDelete, one, path, "", user_);
  Expect(400, Method::kGet, one, "/api/v1/drafts/0", "", user_);
}

TEST_F(OpenApiConformance, AdminRoutesAnswerAsDocumented) {
  Expect(200, Method::kGet, "/api/v1/models", "/api/v1/models", "", admin_);
  Expect(403, Method::kGet, "/api/v1/models", "/api/v1/models", "", user_);
  Expect(200, Method::kPost, "/api/v1/admin/models/reload", "/api/v1/admin/models/reload", "",
         admin_);
  Expect(403, Method::kPost, "/api/v1/admin/models/reload", "/api/v1/admin/models/reload", "",
         user_);
}

TEST_F(OpenApiConformance, AlertRoutesAnswerAsDocumented) {
  const std::string rules = "/api/v1/alert-rules";
  const std::string one = "/api/v1/alert-rules/{rule_id}";
  // A creator of the world, then a rule of each kind on it.
  const Json ingested =
      Json::parse(Expect(202, Method::kPost, "/api/v1/data-ingestion", "/api/v1/data-ingestion",
                         Json{{"username", "conformance_alerts"},
                              {"platform", "instagram"},
                              {"follower_count", 1000}}
                             .dump(),
                         admin_)
                      .body);
  const int64_t creator = ingested["influencer_id"];
  const Json created = Json::parse(Expect(201, Method::kPost, rules, rules,
                                          Json{{"type", "creator"},
                                               {"creator_id", creator},
                                               {"metric", "follower_count"},
                                               {"condition", "above"},
                                               {"threshold", 5000}}
                                              .dump(),
                                          user_)
                                       .body);
  Expect(201, Method::kPost, rules, rules,
         Json{{"type", "scout"},
              {"name", "risers"},
              {"platform", "instagram"},
              {"niche", "fitness"},
              {"tier", "micro"},
              {"followers_min", 10000},
              {"followers_max", 100000},
              {"cooldown_hours", 168},
              {"conditions", {{{"metric", "momentum"}, {"op", "above"}, {"threshold", 0.3}}}}}
             .dump(),
         user_);
  Expect(400, Method::kPost, rules, rules, Json{{"type", "scout"}}.dump(), user_);
  Expect(200, Method::kGet, rules, rules, "", user_);
  const std::string path = "/api/v1/alert-rules/" + std::to_string(created["id"].get<int64_t>());
  Expect(200, Method::kGet, one, path, "", user_);
  Expect(404, Method::kGet, one, path, "", admin_);
  Expect(400, Method::kGet, one, "/api/v1/alert-rules/x", "", user_);
  Expect(
      202, Method::kPost, "/api/v1/data-ingestion", "/api/v1/data-ingestion",
      Json{{"username", "conformance_alerts"}, {"platform", "instagram"}, {"follower_count", 9000}}
          .dump(),
      admin_);
  const Json events = Json::parse(
      Expect(200, Method::kGet, "/api/v1/alert-events", "/api/v1/alert-events?limit=5", "", user_)
          .body);
  EXPECT_EQ(events["events"].size(), 1u) << events;
  Expect(400, Method::kGet, "/api/v1/alert-events", "/api/v1/alert-events?limit=0", "", user_);
  const Response stream = Expect(200, Method::kGet, "/api/v1/alert-events/stream",
                                 "/api/v1/alert-events/stream", "", user_);
  EXPECT_NE(stream.stream, nullptr);
  Expect(400, Method::kGet, "/api/v1/alert-events/stream", "/api/v1/alert-events/stream", "", user_,
         {{"Last-Event-ID", "minus one"}});

  const std::string hooks = "/api/v1/webhooks";
  const Json hook = Json::parse(Expect(201, Method::kPost, hooks, hooks,
                                       Json{{"url", "http://127.0.0.1:9/hook"}}.dump(), user_)
                                    .body);
  Expect(400, Method::kPost, hooks, hooks, Json{{"url", "ftp://x"}}.dump(), user_);
  Expect(200, Method::kGet, hooks, hooks, "", user_);
  const std::string hook_path = hooks + "/" + std::to_string(hook["id"].get<int64_t>());
  Expect(200, Method::kGet, "/api/v1/webhooks/{webhook_id}/deliveries",
         hook_path + "/deliveries?state=pending", "", user_);
  Expect(404, Method::kGet, "/api/v1/webhooks/{webhook_id}/deliveries", hook_path + "/deliveries",
         "", admin_);
  Expect(404, Method::kPost, "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
         hook_path + "/deliveries/999999/retry", "", user_);
  Expect(404, Method::kDelete, "/api/v1/webhooks/{webhook_id}", hook_path, "", admin_);
  Expect(204, Method::kDelete, "/api/v1/webhooks/{webhook_id}", hook_path, "", user_);
  Expect(204, Method::kDelete, one, path, "", user_);
  Expect(404, Method::kDelete, one, path, "", user_);
}

TEST(OpenApiConformanceLimits, RateLimitedIs429WithRetryAfter) {
  ApiOptions options;
  options.rate_limit_per_second = 0.001;
  options.rate_limit_burst = 1;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<testing::ApiWorld> world, testing::ApiWorld::Open(options));
  ASSERT_OK_AND_ASSIGN(std::string key, world->AddUser("brand", Role::kBrand));
  EXPECT_EQ(world->Send(Method::kGet, "/api/v1/alerts", "", key).status, 200);
  const Response r = world->Send(Method::kGet, "/api/v1/alerts", "", key);
  EXPECT_EQ(r.status, 429);
  EXPECT_THAT(CheckResponse("/api/v1/alerts", "get", r), IsEmpty());
}

// The validator itself finds a field the schema lacks, a missing one and a wrong type.
TEST(OpenApiSchemaCheck, FindsUndocumentedMissingAndMistypedFields) {
  const Json schema = {{"$ref", "#/components/schemas/Alert"}};
  Json alert = {{"alert_id", 1},
                {"influencer_id", 2},
                {"metric", "market_score"},
                {"condition", "above"},
                {"threshold_value", 50},
                {"is_active", true},
                {"created_at", "2026-11-26T18:00:00Z"}};
  std::vector<std::string> problems;
  Validate(schema, alert, "alert", problems);
  EXPECT_THAT(problems, IsEmpty());
  alert["owner"] = 3;
  alert.erase("metric");
  alert["is_active"] = "yes";
  Validate(schema, alert, "alert", problems);
  EXPECT_THAT(problems, ::testing::UnorderedElementsAre(
                            "alert.owner: not in the schema", "alert: missing required metric",
                            "alert.is_active: expected a boolean, got \"yes\""));
}

}  // namespace
}  // namespace sphere::api
