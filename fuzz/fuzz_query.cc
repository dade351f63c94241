// The query-string decoders of api/query.h over arbitrary bytes: the whole input is the raw
// query. Besides sanitizer findings, checks the rules handlers rely on: the limits hold, names
// and values are UTF-8, every error names the query or the parameter, typed getters return
// values inside their range, and re-encoding what was decoded decodes to the same items.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/query.h"
#include "fuzz/fuzz_util.h"

namespace sphere::api {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Errors blame the parameter: "NAME: ..." (NAME cut past 64 bytes, so only checked below).
void CheckBlames(const Status& status, std::string_view name) {
  SPHERE_FUZZ_CHECK(status.code() == Code::kInvalidArgument);
  if (name.size() <= 64) SPHERE_FUZZ_CHECK(StartsWith(status.message(), std::string(name) + ": "));
}

std::string Encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-' ||
        b == '_' || b == '.' || b == '~') {
      out.push_back(c);
    } else if (b == ' ') {
      out.push_back('+');
    } else {
      out += {'%', kHex[b >> 4], kHex[b & 15]};
    }
  }
  return out;
}

void FuzzOne(std::string_view raw) {
  Result<std::string> decoded = PercentDecode(raw, /*plus_is_space=*/false);
  if (decoded.ok()) {
    SPHERE_FUZZ_CHECK(IsValidUtf8(*decoded));
    SPHERE_FUZZ_CHECK(decoded->size() <= raw.size());
  }

  Result<QueryParams> parsed = ParseQuery(raw);
  if (!parsed.ok()) {
    SPHERE_FUZZ_CHECK(parsed.error().code() == Code::kInvalidArgument);
    SPHERE_FUZZ_CHECK(StartsWith(parsed.error().message(), "query: "));
    return;
  }
  const QueryParams& params = *parsed;
  SPHERE_FUZZ_CHECK(raw.size() <= kMaxQueryBytes);
  SPHERE_FUZZ_CHECK(params.items.size() <= kMaxQueryParams);

  std::string reencoded;
  for (const auto& [name, value] : params.items) {
    SPHERE_FUZZ_CHECK(!name.empty() && IsValidUtf8(name) && IsValidUtf8(value));
    SPHERE_FUZZ_CHECK(params.Get(name).has_value());
    SPHERE_FUZZ_CHECK(!params.GetAll(name).empty());
    if (!reencoded.empty()) reencoded += '&';
    reencoded += Encode(name) + "=" + Encode(value);

    Result<std::optional<int64_t>> i = QueryInt(params, name, -1000, 1000);
    if (i.ok()) {
      SPHERE_FUZZ_CHECK(i->has_value() && **i >= -1000 && **i <= 1000);
    } else {
      CheckBlames(i.error(), name);
    }
    Result<std::optional<double>> d = QueryNumber(params, name, -1.5, 1e6);
    if (d.ok()) {
      SPHERE_FUZZ_CHECK(d->has_value() && std::isfinite(**d) && **d >= -1.5 && **d <= 1e6);
    } else {
      CheckBlames(d.error(), name);
    }
    // An integer in range is a number in a range that contains it.
    if (i.ok() && **i >= 0) SPHERE_FUZZ_CHECK(d.ok() && **d == static_cast<double>(**i));
    Result<std::optional<bool>> b = QueryBool(params, name);
    if (!b.ok()) CheckBlames(b.error(), name);
    Result<std::optional<std::string>> s = QueryString(params, name, 16);
    if (s.ok()) {
      SPHERE_FUZZ_CHECK(s->has_value() && (*s)->size() <= 16 && **s == *params.Get(name));
    } else {
      CheckBlames(s.error(), name);
    }
  }
  Status known = RequireKnownParams(params, {"limit", "offset", "q"});
  if (!known.ok()) SPHERE_FUZZ_CHECK(known.code() == Code::kInvalidArgument);
  SPHERE_FUZZ_CHECK(RequireKnownParams(params, {}).ok() == params.items.empty());

  // What was decoded survives encoding again (when that still fits the byte limit).
  if (reencoded.size() <= kMaxQueryBytes) {
    Result<QueryParams> again = ParseQuery(reencoded);
    SPHERE_FUZZ_CHECK(again.ok() && again->items == params.items);
  }
}

}  // namespace
}  // namespace sphere::api

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sphere::api::FuzzOne(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
