// The JSON body decoders of api/json_input.h over arbitrary bytes: the whole input is the
// body. Besides sanitizer findings (a deep input must not overflow the stack), checks:
// ParseJsonObject accepts only what nlohmann accepts, returns objects at most 32 levels deep
// that survive dump-and-parse, and errors name the body or a path; every JsonFields getter
// on every member returns a value of its type inside its range or an error naming the path.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/json_input.h"
#include "api/query.h"
#include "fuzz/fuzz_util.h"

namespace sphere::api {
namespace {

using nlohmann::json;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Levels of containers, counted without recursion.
int Depth(const json& root) {
  int deepest = 0;
  std::vector<std::pair<const json*, int>> todo = {{&root, root.is_structured() ? 1 : 0}};
  while (!todo.empty()) {
    auto [value, depth] = todo.back();
    todo.pop_back();
    deepest = std::max(deepest, depth);
    if (!value->is_structured()) continue;
    for (const json& child : *value) todo.push_back({&child, depth + (child.is_structured())});
  }
  return deepest;
}

void CheckBlames(const Status& status, const std::string& path) {
  SPHERE_FUZZ_CHECK(status.code() == Code::kInvalidArgument);
  SPHERE_FUZZ_CHECK(StartsWith(status.message(), path));
  const char next = status.message()[path.size()];
  SPHERE_FUZZ_CHECK(next == ':' || next == '[');
}

template <typename T, typename Check>
void Expect(const Result<T>& result, const std::string& path, Check check) {
  if (result.ok()) {
    check(*result);
  } else {
    CheckBlames(result.error(), path);
  }
}

void ReadEverything(const JsonFields& fields, const json& object) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    // Not a structured binding: clang-14 cannot capture one in the lambdas below.
    const std::string& key = it.key();
    const json& value = it.value();
    const std::string path = fields.path().empty() ? key : fields.path() + "." + key;
    SPHERE_FUZZ_CHECK(fields.Has(key) == !value.is_null());
    Expect(fields.RequiredString(key, 8), path, [&](const std::string& s) {
      SPHERE_FUZZ_CHECK(s.size() <= 8 && IsValidUtf8(s) && value.is_string());
    });
    Expect(fields.OptionalString(key, 8), path, [&](const std::optional<std::string>& s) {
      SPHERE_FUZZ_CHECK(s.has_value() == !value.is_null());
    });
    Expect(fields.RequiredInt(key, -5, 1000), path, [&](int64_t i) {
      SPHERE_FUZZ_CHECK(i >= -5 && i <= 1000 && value.is_number());
      SPHERE_FUZZ_CHECK(value.get<double>() == static_cast<double>(i));
    });
    Expect(fields.OptionalInt(key, INT64_MIN, INT64_MAX), path,
           [&](const std::optional<int64_t>& i) {
             SPHERE_FUZZ_CHECK(i.has_value() == !value.is_null());
           });
    Expect(fields.RequiredNumber(key, -1.5, 1e300), path,
           [&](double d) { SPHERE_FUZZ_CHECK(std::isfinite(d) && d >= -1.5 && d <= 1e300); });
    Expect(fields.OptionalNumber(key, -1e308, 1e308), path,
           [&](const std::optional<double>& d) { SPHERE_FUZZ_CHECK(!d || std::isfinite(*d)); });
    Expect(fields.RequiredBool(key), path, [&](bool) { SPHERE_FUZZ_CHECK(value.is_boolean()); });
    Expect(fields.OptionalBool(key), path, [&](const std::optional<bool>&) {});
    Expect(fields.StringArray(key, 4, 8), path, [&](const std::vector<std::string>& v) {
      SPHERE_FUZZ_CHECK(v.size() <= 4);
      for (const std::string& s : v) SPHERE_FUZZ_CHECK(s.size() <= 8);
    });
    Expect(fields.NumberArray(key, 4, 0, 100), path, [&](const std::vector<double>& v) {
      SPHERE_FUZZ_CHECK(v.size() <= 4);
      for (double d : v) SPHERE_FUZZ_CHECK(d >= 0 && d <= 100);
    });
    Expect(fields.NullableNumberArray(key, 8, -1, 1), path,
           [&](const std::vector<std::optional<double>>& v) {
             SPHERE_FUZZ_CHECK(v.size() <= 8);
             for (const auto& d : v) SPHERE_FUZZ_CHECK(!d || (*d >= -1 && *d <= 1));
           });
    Result<std::optional<JsonFields>> nested = fields.OptionalObject(key);
    if (!nested.ok()) {
      CheckBlames(nested.error(), path);
    } else if (nested->has_value()) {
      SPHERE_FUZZ_CHECK((*nested)->path() == path && value.is_object());
      ReadEverything(**nested, value);  // recursion bounded by the 32 levels
    }
  }
}

void FuzzOne(std::string_view body) {
  Result<json> parsed = ParseJsonObject(body);
  const bool accepted = json::accept(body);
  // A named document (a multipart part) fails alike, with its name where "body" was.
  Result<json> named = ParseJsonObject(body, "draft");
  SPHERE_FUZZ_CHECK(named.ok() == parsed.ok());
  if (!named.ok()) {
    const std::string& m = parsed.error().message();
    const bool duplicate = m.ends_with(": duplicate key");  // its path may start "body"
    const std::string expected = duplicate ? "draft." + m : "draft" + m.substr(4);
    SPHERE_FUZZ_CHECK(named.error().message() == expected);
  }
  if (!parsed.ok()) {
    SPHERE_FUZZ_CHECK(parsed.error().code() == Code::kInvalidArgument);
    const std::string& m = parsed.error().message();
    SPHERE_FUZZ_CHECK(m.find(": ") != std::string::npos);
    // A duplicate key's message starts with the document's own key path, which can read like
    // any other message ("body: must be a JSON object…" is a valid key): its end says what it
    // is, and the parse stopped there, so the rest may or may not be JSON.
    if (m.ends_with(": duplicate key")) return;
    if (StartsWith(m, "body: malformed JSON") || StartsWith(m, "body: number out of range") ||
        StartsWith(m, "body: is empty")) {
      SPHERE_FUZZ_CHECK(!accepted);
    } else if (StartsWith(m, "body: must be a JSON object")) {
      SPHERE_FUZZ_CHECK(accepted);
    }
    // Depth and duplicate keys stop the parse early: the rest may or may not be JSON.
    return;
  }
  SPHERE_FUZZ_CHECK(accepted && parsed->is_object());
  SPHERE_FUZZ_CHECK(Depth(*parsed) <= kMaxJsonDepth);
  const std::string dumped = parsed->dump();
  Result<json> again = ParseJsonObject(dumped);
  SPHERE_FUZZ_CHECK(again.ok() && *again == *parsed);

  ReadEverything(JsonFields(*parsed), *parsed);
  ReadEverything(JsonFields(*parsed, "body"), *parsed);
}

}  // namespace
}  // namespace sphere::api

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sphere::api::FuzzOne(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
