// The multipart/form-data decoder of api/multipart.h over arbitrary bytes: the input's first
// line is the request's Content-Type value, the rest is the body. Besides sanitizer findings,
// checks: parts point into the body, never contain a delimiter, have unique non-empty UTF-8
// names and respect the limits; errors name the Content-Type, the body or a part; tighter
// limits only ever turn a success into an error, never into different parts.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/multipart.h"
#include "api/query.h"
#include "fuzz/fuzz_util.h"

namespace sphere::api {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

void CheckError(const Status& status) {
  SPHERE_FUZZ_CHECK(status.code() == Code::kInvalidArgument);
  const std::string& m = status.message();
  const size_t colon = m.find(": ");
  SPHERE_FUZZ_CHECK(colon != std::string::npos && colon > 0);
}

void CheckParts(const std::vector<MultipartPart>& parts, std::string_view body,
                const std::string& boundary, const MultipartLimits& limits) {
  SPHERE_FUZZ_CHECK(parts.size() <= limits.max_parts);
  const std::string delimiter = "\r\n--" + boundary;
  for (size_t i = 0; i < parts.size(); ++i) {
    const MultipartPart& p = parts[i];
    SPHERE_FUZZ_CHECK(!p.name.empty() && IsValidUtf8(p.name) && IsValidUtf8(p.filename) &&
                      IsValidUtf8(p.content_type));
    SPHERE_FUZZ_CHECK(p.data.data() >= body.data() &&
                      p.data.data() + p.data.size() <= body.data() + body.size());
    SPHERE_FUZZ_CHECK(p.data.find(delimiter) == std::string_view::npos);
    // What follows the data is the next delimiter.
    const size_t end = static_cast<size_t>(p.data.data() - body.data()) + p.data.size();
    SPHERE_FUZZ_CHECK(body.substr(end, delimiter.size()) == delimiter);
    for (size_t j = 0; j < i; ++j) SPHERE_FUZZ_CHECK(parts[j].name != p.name);
  }
}

bool SameParts(const std::vector<MultipartPart>& a, const std::vector<MultipartPart>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].filename != b[i].filename ||
        a[i].content_type != b[i].content_type || a[i].data.data() != b[i].data.data() ||
        a[i].data.size() != b[i].data.size()) {
      return false;
    }
  }
  return true;
}

void FuzzOne(std::string_view input) {
  const size_t newline = input.find('\n');
  const std::string_view content_type = input.substr(0, newline);
  const std::string_view body =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  Result<std::string> boundary = MultipartBoundary(content_type);
  const MultipartLimits defaults;
  Result<std::vector<MultipartPart>> parts = ParseMultipart(content_type, body, defaults);
  if (!boundary.ok()) {
    SPHERE_FUZZ_CHECK(!parts.ok() && parts.error().message() == boundary.error().message());
    SPHERE_FUZZ_CHECK(StartsWith(boundary.error().message(), "Content-Type: "));
    return;
  }
  SPHERE_FUZZ_CHECK(!boundary->empty() && boundary->size() <= 70);
  if (!parts.ok()) {
    CheckError(parts.error());
    // Only a part the client named "Content-Type: ..." can make a body error look like that.
    if (StartsWith(parts.error().message(), "Content-Type: ")) {
      SPHERE_FUZZ_CHECK(body.find("Content-Type: ") != std::string_view::npos);
    }
  } else {
    CheckParts(*parts, body, *boundary, defaults);
  }

  MultipartLimits tight;
  tight.max_parts = 2;
  tight.max_part_header_bytes = 96;
  Result<std::vector<MultipartPart>> tight_parts = ParseMultipart(content_type, body, tight);
  if (tight_parts.ok()) {
    CheckParts(*tight_parts, body, *boundary, tight);
    SPHERE_FUZZ_CHECK(parts.ok() && SameParts(*parts, *tight_parts));
  } else {
    CheckError(tight_parts.error());
  }
}

}  // namespace
}  // namespace sphere::api

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sphere::api::FuzzOne(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
