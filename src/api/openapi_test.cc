// The OpenAPI document against the route table, both ways: every route is a documented
// operation and every documented operation a route, with the same path parameters, the
// security its access needs and the errors the dispatcher really returns. The checks are
// functions that list problems, so each is also shown to catch a deliberately broken document.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "api/api.h"
#include "api/router.h"
#include "api/static_documents.h"
#include "testing/testing.h"

namespace sphere::api {
namespace {

using Json = nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// The router exactly as the server builds it (Api's constructor).
Router ServerRouter() {
  Router router;
  AddOpsRoutes(router);
  AddSeedRoutes(router);
  AddProductRoutes(router);
  return router;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Json ServedDocument() { return Json::parse(OpenApiDocument()); }

// Where two documents first differ ("" when equal): a 70 KB diff helps nobody.
std::string FirstDifference(std::string_view served, std::string_view file) {
  if (served == file) return "";
  size_t at = 0;
  while (at < served.size() && at < file.size() && served[at] == file[at]) ++at;
  return "the served copy differs from the file at byte " + std::to_string(at) + " (served " +
         std::to_string(served.size()) + " bytes, file " + std::to_string(file.size()) +
         "): the file near there reads '" + std::string(file.substr(at, 60)) +
         "' (a stale build, or an @NAME@ that configure_file replaced)";
}

std::string OperationKey(Method method) {
  std::string name(MethodName(method));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

const std::set<std::string>& OperationKeys() {
  static const std::set<std::string> kKeys = {"get",     "put",  "post",  "delete",
                                              "options", "head", "patch", "trace"};
  return kKeys;
}

// The {names} of a pattern, in order.
std::vector<std::string> PatternParams(const std::string& pattern) {
  std::vector<std::string> names;
  size_t at = 0;
  while ((at = pattern.find('{', at)) != std::string::npos) {
    const size_t end = pattern.find('}', at);
    names.push_back(pattern.substr(at + 1, end - at - 1));
    at = end;
  }
  return names;
}

// "#/components/x/y" inside `doc`; null when it does not resolve.
const Json* Resolve(const Json& doc, const std::string& ref) {
  if (!ref.starts_with("#/")) return nullptr;
  const Json::json_pointer pointer(ref.substr(1));
  if (!doc.contains(pointer)) return nullptr;
  return &doc.at(pointer);
}

// An object, or the object its $ref names (one level, as the document uses them).
const Json* Deref(const Json& doc, const Json& value) {
  if (value.is_object() && value.contains("$ref") && value["$ref"].is_string()) {
    return Resolve(doc, value["$ref"].get<std::string>());
  }
  return &value;
}

void CollectRefProblems(const Json& doc, const Json& node, const std::string& where,
                        std::vector<std::string>& problems) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "$ref") {
        if (!value.is_string() || Resolve(doc, value.get<std::string>()) == nullptr) {
          problems.push_back(where + ": $ref " + value.dump() + " does not resolve");
        }
      } else {
        CollectRefProblems(doc, value, where + "/" + key, problems);
      }
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) {
      CollectRefProblems(doc, node[i], where + "/" + std::to_string(i), problems);
    }
  }
}

std::vector<std::string> RefProblems(const Json& doc) {
  std::vector<std::string> problems;
  CollectRefProblems(doc, doc, "#", problems);
  return problems;
}

std::vector<std::string> TopLevelProblems(const Json& doc) {
  std::vector<std::string> problems;
  if (!doc.is_object()) return {"the document is not a JSON object"};
  if (doc.value("openapi", "") != "3.0.3") problems.push_back("openapi: must be \"3.0.3\"");
  const Json info = doc.value("info", Json());
  if (!info.is_object() || !info.value("title", Json()).is_string() ||
      !info.value("version", Json()).is_string()) {
    problems.push_back("info: needs a string title and version");
  }
  if (!doc.value("paths", Json()).is_object()) problems.push_back("paths: must be an object");
  const Json scheme = doc.value("/components/securitySchemes/bearerAuth"_json_pointer, Json());
  if (scheme.value("type", "") != "http" || scheme.value("scheme", "") != "bearer") {
    problems.push_back("components.securitySchemes.bearerAuth: must be http bearer");
  }
  const Json error = doc.value("/components/schemas/Error"_json_pointer, Json());
  const Json inner = error.value("/properties/error"_json_pointer, Json());
  if (error.value("required", Json()) != Json::array({"error"}) ||
      inner.value("required", Json()) != Json::array({"code", "message", "field"})) {
    problems.push_back("components.schemas.Error: must be {error: {code, message, field}}");
  }
  return problems;
}

// Whether `responses` documents `code` with the Error body.
bool DocumentsError(const Json& doc, const Json& responses, const std::string& code) {
  if (!responses.contains(code)) return false;
  const Json* response = Deref(doc, responses[code]);
  if (response == nullptr) return false;
  const Json schema =
      response->value("/content/application~1json/schema"_json_pointer, Json::object());
  return schema.value("$ref", "") == "#/components/schemas/Error";
}

// Route table vs document, both ways.
std::vector<std::string> RouteProblems(const Router& router, const Json& doc) {
  std::vector<std::string> problems;
  const Json& paths = doc.at("paths");
  std::set<std::pair<std::string, std::string>> routes;  // (pattern, operation key)
  for (const Route& route : router.routes()) {
    const std::string key = OperationKey(route.method);
    const std::string name = std::string(MethodName(route.method)) + " " + route.pattern;
    routes.insert({route.pattern, key});
    if (!paths.contains(route.pattern) || !paths[route.pattern].contains(key)) {
      problems.push_back(name + ": not documented");
      continue;
    }
    const Json& item = paths[route.pattern];
    const Json& operation = item[key];

    // Path parameters: the pattern's names, each required.
    std::multiset<std::string> documented;
    for (const Json* list : {&item, &operation}) {
      for (const Json& p : list->value("parameters", Json::array())) {
        const Json* param = Deref(doc, p);
        if (param == nullptr || param->value("in", "") != "path") continue;
        documented.insert(param->value("name", ""));
        if (!param->value("required", false)) {
          problems.push_back(name + ": path parameter " + param->value("name", "") +
                             " must be required");
        }
      }
    }
    const std::vector<std::string> names = PatternParams(route.pattern);
    if (documented != std::multiset<std::string>(names.begin(), names.end())) {
      problems.push_back(name + ": path parameters differ from the pattern's");
    }

    // Security: none on public routes, the bearer key on the others.
    const Json security = operation.value("security", doc.value("security", Json()));
    const Json responses = operation.value("responses", Json::object());
    if (route.access == Access::kPublic) {
      if (security != Json::array()) problems.push_back(name + ": public, needs security: []");
    } else {
      if (security != Json::array({Json{{"bearerAuth", Json::array()}}})) {
        problems.push_back(name + ": needs security: [{bearerAuth: []}]");
      }
      for (const char* code : {"401", "429"}) {
        if (!DocumentsError(doc, responses, code)) {
          problems.push_back(name + ": must document " + code);
        }
      }
      if (responses.contains("429")) {
        const Json* r = Deref(doc, responses["429"]);
        if (r == nullptr || !r->value("headers", Json::object()).contains("Retry-After")) {
          problems.push_back(name + ": 429 must document Retry-After");
        }
      }
    }
    if (route.access == Access::kAdmin && !DocumentsError(doc, responses, "403")) {
      problems.push_back(name + ": admin route, must document 403");
    }
    if (route.access != Access::kAdmin && responses.contains("403")) {
      problems.push_back(name + ": documents 403 but any key may call it");
    }
    if (operation.contains("requestBody")) {
      if (!DocumentsError(doc, responses, "413")) {
        problems.push_back(name + ": takes a body, must document 413");
      }
      const Json content = operation["requestBody"].value("content", Json::object());
      if (content.contains("multipart/form-data") && !DocumentsError(doc, responses, "415")) {
        problems.push_back(name + ": takes multipart, must document 415");
      }
    }
    // Every documented error carries the one error body.
    for (const auto& [code, response] : responses.items()) {
      if (code >= "400" && code < "500" && !DocumentsError(doc, responses, code)) {
        problems.push_back(name + ": response " + code + " must use the Error schema");
      }
    }
    if (!operation.value("summary", Json()).is_string() ||
        !operation.value("operationId", Json()).is_string() ||
        !operation.value("tags", Json()).is_array()) {
      problems.push_back(name + ": needs summary, operationId and tags");
    }
  }
  for (const auto& [pattern, item] : paths.items()) {
    for (const auto& [key, operation] : item.items()) {
      if (OperationKeys().count(key) == 0) continue;
      if (routes.count({pattern, key}) == 0) {
        std::string upper = key;
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        problems.push_back(upper + " " + pattern + ": documented but not a route");
      }
    }
  }
  return problems;
}

TEST(OpenApi, ServedDocumentIsTheSourceFile) {
  const std::string file = ReadFile(testing::SourceDir() / "src/api/openapi.json");
  ASSERT_FALSE(file.empty());
  EXPECT_EQ(FirstDifference(OpenApiDocument(), file), "");
}

TEST(OpenApi, DocumentIsJsonWithTheRequiredTopLevelFields) {
  Json doc;
  ASSERT_NO_THROW(doc = ServedDocument());
  EXPECT_THAT(TopLevelProblems(doc), IsEmpty());
}

TEST(OpenApi, EveryRefResolves) { EXPECT_THAT(RefProblems(ServedDocument()), IsEmpty()); }

TEST(OpenApi, RoutesAndDocumentedOperationsAreTheSame) {
  const Router router = ServerRouter();
  EXPECT_THAT(RouteProblems(router, ServedDocument()), IsEmpty());
}

TEST(OpenApi, OperationIdsAreUnique) {
  std::set<std::string> ids;
  const Json doc = ServedDocument();
  for (const auto& [pattern, item] : doc["paths"].items()) {
    for (const auto& [key, operation] : item.items()) {
      if (OperationKeys().count(key) == 0) continue;
      const std::string id = operation.value("operationId", "");
      EXPECT_TRUE(ids.insert(id).second) << "duplicate operationId " << id;
    }
  }
}

// The checks themselves catch a broken document.
TEST(OpenApiChecks, FindAnUndocumentedRoute) {
  Json doc = ServedDocument();
  doc["paths"]["/api/v1/alerts"].erase("get");
  EXPECT_THAT(RouteProblems(ServerRouter(), doc), Contains("GET /api/v1/alerts: not documented"));
}

TEST(OpenApiChecks, FindAnOperationThatIsNotARoute) {
  Json doc = ServedDocument();
  doc["paths"]["/api/v1/alerts"]["patch"] = doc["paths"]["/api/v1/alerts"]["get"];
  EXPECT_THAT(RouteProblems(ServerRouter(), doc),
              Contains("PATCH /api/v1/alerts: documented but not a route"));
}

TEST(OpenApiChecks, FindAPathParameterNamedDifferently) {
  Json doc = ServedDocument();
  Json& operation = doc["paths"]["/api/v1/alerts/{alert_id}"]["delete"];
  operation["parameters"][0]["name"] = "id";
  EXPECT_THAT(RouteProblems(ServerRouter(), doc),
              Contains("DELETE /api/v1/alerts/{alert_id}: path parameters differ from the "
                       "pattern's"));
}

TEST(OpenApiChecks, FindAPublicRouteAskingForAKeyAndAPrivateOneNot) {
  Json doc = ServedDocument();
  doc["paths"]["/healthz"]["get"]["security"] = Json::array({Json{{"bearerAuth", Json::array()}}});
  doc["paths"]["/api/v1/me"]["get"]["security"] = Json::array();
  const std::vector<std::string> problems = RouteProblems(ServerRouter(), doc);
  EXPECT_THAT(problems, Contains("GET /healthz: public, needs security: []"));
  EXPECT_THAT(problems, Contains("GET /api/v1/me: needs security: [{bearerAuth: []}]"));
}

TEST(OpenApiChecks, FindAnAdminRouteWithout403) {
  Json doc = ServedDocument();
  doc["paths"]["/api/v1/data-ingestion"]["post"]["responses"].erase("403");
  EXPECT_THAT(RouteProblems(ServerRouter(), doc),
              Contains("POST /api/v1/data-ingestion: admin route, must document 403"));
}

TEST(OpenApiChecks, FindAMultipartRouteWithout415) {
  Json doc = ServedDocument();
  doc["paths"]["/api/v1/plep"]["post"]["responses"].erase("415");
  EXPECT_THAT(RouteProblems(ServerRouter(), doc),
              Contains("POST /api/v1/plep: takes multipart, must document 415"));
}

TEST(OpenApiChecks, FindADanglingRef) {
  Json doc = ServedDocument();
  doc["components"]["schemas"].erase("Alert");
  const std::vector<std::string> problems = RefProblems(doc);
  ASSERT_FALSE(problems.empty());
  EXPECT_THAT(problems[0], HasSubstr("#/components/schemas/Alert"));
}

TEST(OpenApiChecks, FindAMissingErrorShape) {
  Json doc = ServedDocument();
  doc["components"]["schemas"]["Error"]["properties"]["error"]["required"] =
      Json::array({"code", "message"});
  EXPECT_THAT(TopLevelProblems(doc),
              Contains("components.schemas.Error: must be {error: {code, message, field}}"));
}

TEST(DocsPage, ServedPageIsTheSourceFile) {
  const std::string file = ReadFile(testing::SourceDir() / "src/api/docs.html");
  ASSERT_FALSE(file.empty());
  EXPECT_EQ(FirstDifference(DocsHtml(), file), "");
}

// The server has no internet: the page may load nothing but the document it renders.
TEST(DocsPage, LoadsNothingButTheDocument) {
  const std::string page(DocsHtml());
  EXPECT_THAT(page, HasSubstr("/api/v1/openapi.json"));
  for (const char* outside : {"src=\"http", "src='http", "href=\"http", "href='http", "@import",
                              "url(http", "//cdn", "src=\"//", "href=\"//"}) {
    EXPECT_THAT(page, ::testing::Not(HasSubstr(outside))) << outside;
  }
}

}  // namespace
}  // namespace sphere::api
