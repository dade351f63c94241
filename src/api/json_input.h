// Decoding JSON request bodies (nlohmann::json) and reading typed fields from them, with
// errors that name the JSON path ("creator.handle: is required", "scores[3]: must be a
// number, got string") so api::ErrorResponse fills `field`. Pure functions, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sphere::api {

inline constexpr int kMaxJsonDepth = 32;

// The body as a JSON object. InvalidArgument "body: is empty, expected a JSON object",
// "body: malformed JSON at byte N" (N counts from 1), "body: must be a JSON object, got array",
// "body: nested deeper than 32 levels" (checked while parsing, so a deep input never recurses),
// "body: number out of range" for 1e400, and "PATH: duplicate key" (e.g. "creator.handle") since a
// repeated key means different things to different parsers. Strings are valid UTF-8 (nlohmann
// checks).
Result<nlohmann::json> ParseJsonObject(std::string_view body);
// The same for a JSON document that is not the request body (a multipart part): `name`
// replaces "body" in the messages and prefixes key paths, so with name "draft" the errors
// read "draft: malformed JSON at byte 3" and "draft.creator.handle: duplicate key", matching
// JsonFields(object, "draft").
Result<nlohmann::json> ParseJsonObject(std::string_view body, std::string_view name);

// Reads the fields of one JSON object. Unknown fields are ignored (seed clients send
// extras). Holds a pointer to `object`, which must outlive it. Every error message starts
// with the field's path: the name under an empty path, "creator.handle" under "creator".
// When `object` is not an object, every getter fails with "PATH: must be an object" ("body"
// for the empty path) and Has() is false.
class JsonFields {
 public:
  explicit JsonFields(const nlohmann::json& object, std::string path = "");

  bool Has(std::string_view name) const;  // present and not null

  // Absent or null: "NAME: is required"; "NAME: must be a string, got number";
  // "NAME: longer than MAX bytes"; "NAME: is not valid UTF-8".
  Result<std::string> RequiredString(std::string_view name, size_t max_bytes) const;
  Result<std::optional<std::string>> OptionalString(std::string_view name, size_t max_bytes) const;
  // A JSON integer, or a float without a fraction (3.0), in [min, max]; strings and booleans
  // are the wrong type.
  Result<int64_t> RequiredInt(std::string_view name, int64_t min, int64_t max) const;
  Result<std::optional<int64_t>> OptionalInt(std::string_view name, int64_t min, int64_t max) const;
  // Any finite JSON number in [min, max].
  Result<double> RequiredNumber(std::string_view name, double min, double max) const;
  Result<std::optional<double>> OptionalNumber(std::string_view name, double min, double max) const;
  Result<bool> RequiredBool(std::string_view name) const;
  Result<std::optional<bool>> OptionalBool(std::string_view name) const;
  // Absent or null: empty. "NAME: more than N items"; "NAME[3]: must be a string, got null".
  Result<std::vector<std::string>> StringArray(std::string_view name, size_t max_items,
                                               size_t max_bytes_each) const;
  Result<std::vector<double>> NumberArray(std::string_view name, size_t max_items, double min,
                                          double max) const;
  // Elements may be null (nullopt).
  Result<std::vector<std::optional<double>>> NullableNumberArray(std::string_view name,
                                                                 size_t max_items, double min,
                                                                 double max) const;
  // A nested object (absent or null: nullopt) whose fields carry the path "NAME.".
  Result<std::optional<JsonFields>> OptionalObject(std::string_view name) const;

  const std::string& path() const { return path_; }

 private:
  std::string FieldPath(std::string_view name) const;
  // The field's value; nullptr when absent or null. Fails when this is not an object.
  Result<const nlohmann::json*> Find(std::string_view name) const;

  const nlohmann::json* object_;
  std::string path_;
};

}  // namespace sphere::api
