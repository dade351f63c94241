// Decoding the query string of a request (application/x-www-form-urlencoded rules: '+' is a
// space, %XX is a byte) and reading typed parameters from it. Pure functions, no I/O.
//
// Every InvalidArgument message starts with the parameter it blames ("limit: ...") or with
// "query: " when no single parameter is to blame, so api::ErrorResponse fills `field`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace sphere::api {

inline constexpr size_t kMaxQueryBytes = 8 << 10;
inline constexpr size_t kMaxQueryParams = 64;

struct QueryParams {
  std::vector<std::pair<std::string, std::string>> items;  // decoded, in order

  std::optional<std::string_view> Get(std::string_view name) const;  // the first
  std::vector<std::string_view> GetAll(std::string_view name) const;
};

// Splits `raw` (the target after '?', still encoded) on '&' and decodes names and values.
// Empty pieces ("a=1&&b=2", a trailing '&') are skipped; "flag" alone is ("flag", "").
// InvalidArgument "query: ..." for more than kMaxQueryBytes, more than kMaxQueryParams
// parameters, a bad %-escape, an empty name, or a name or value that is not UTF-8 once decoded.
Result<QueryParams> ParseQuery(std::string_view raw);

// Decodes %XX escapes (and '+' as a space when `plus_is_space`; false for path segments).
// The result must be valid UTF-8. The message has no field prefix ("bad percent-escape
// '%4' at byte 3"): callers add theirs, e.g. status.WithContext("handle").
Result<std::string> PercentDecode(std::string_view s, bool plus_is_space);

// OK when every parameter's name is in `known`; else the first stranger:
// "NAME: unknown query parameter (known: a, b, c)".
Status RequireKnownParams(const QueryParams& params, std::initializer_list<std::string_view> known);

// A store id in a path segment ("/drafts/{draft_id}"): 1..10^18-1 in decimal digits, else
// InvalidArgument "FIELD: must be a positive integer, got 'TEXT'".
Result<int64_t> PathId(std::string_view text, std::string_view field);

// Typed getters: nullopt when the parameter is absent; an error naming it when its value is
// wrong ("limit: must be an integer between 1 and 500, got 'x'") or when it is given twice
// with different values (the same value twice is accepted).
Result<std::optional<int64_t>> QueryInt(const QueryParams& params, std::string_view name,
                                        int64_t min, int64_t max);
// A finite decimal number ("2.5", "-1e3"; no "nan", "inf" or hex) in [min, max].
Result<std::optional<double>> QueryNumber(const QueryParams& params, std::string_view name,
                                          double min, double max);
// Exactly true, false, 1 or 0.
Result<std::optional<bool>> QueryBool(const QueryParams& params, std::string_view name);
// The value as decoded, at most `max_bytes` long ("" when given empty).
Result<std::optional<std::string>> QueryString(const QueryParams& params, std::string_view name,
                                               size_t max_bytes);

// Well-formed UTF-8: no stray continuation bytes, overlong forms, surrogates or code points
// past U+10FFFF. Shared by the request decoders.
bool IsValidUtf8(std::string_view text);

}  // namespace sphere::api
