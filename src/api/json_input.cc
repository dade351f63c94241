#include "api/json_input.h"

#include <charconv>
#include <cmath>
#include <exception>
#include <system_error>
#include <unordered_set>
#include <utility>

#include "api/query.h"

namespace sphere::api {
namespace {

using nlohmann::json;

// Thrown by the parse callback to stop nlohmann's parser; caught in ParseJsonObject.
struct TooDeep {};
struct DuplicateKey {
  std::string path;
};

// Where the parser is, so a duplicate key can be named by its path.
class PathTracker {
 public:
  bool OnEvent(int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        // `depth` counts the containers around this one; checked before it is built.
        if (depth >= kMaxJsonDepth) throw TooDeep{};
        frames_.push_back({event == json::parse_event_t::object_start, {}, 0, {}});
        break;
      case json::parse_event_t::key: {
        Frame& top = frames_.back();
        const std::string& key = parsed.get_ref<const std::string&>();
        if (!top.keys.insert(key).second) throw DuplicateKey{Join(PathOfParents(), key)};
        top.key = key;
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames_.pop_back();
        ElementDone();
        break;
      case json::parse_event_t::value:
        ElementDone();
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool is_object;
    std::string key;  // the current member's key
    size_t index;     // the current element's index
    std::unordered_set<std::string> keys;
  };

  void ElementDone() {
    if (!frames_.empty() && !frames_.back().is_object) ++frames_.back().index;
  }

  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  // The path of the object holding the current key (every frame but the innermost).
  std::string PathOfParents() const {
    std::string path;
    for (size_t i = 0; i + 1 < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      path = f.is_object ? Join(path, f.key) : path + "[" + std::to_string(f.index) + "]";
    }
    return path;
  }

  std::vector<Frame> frames_;
};

std::string FormatNumber(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

Status WrongType(const std::string& path, std::string_view expected, const json& value) {
  return InvalidArgument(path + ": must be " + std::string(expected) + ", got " +
                         value.type_name());
}

Result<std::string> StringValue(const json& value, const std::string& path, size_t max_bytes) {
  if (!value.is_string()) return WrongType(path, "a string", value);
  const std::string& s = value.get_ref<const std::string&>();
  if (s.size() > max_bytes) {
    return InvalidArgument(path + ": longer than " + std::to_string(max_bytes) + " bytes");
  }
  if (!IsValidUtf8(s)) return InvalidArgument(path + ": is not valid UTF-8");
  return s;
}

Result<int64_t> IntValue(const json& value, const std::string& path, int64_t min, int64_t max) {
  if (!value.is_number()) return WrongType(path, "an integer", value);
  auto out_of_range = [&] {
    return InvalidArgument(path + ": must be an integer between " + std::to_string(min) + " and " +
                           std::to_string(max) + ", got " + value.dump());
  };
  int64_t result = 0;
  if (value.is_number_unsigned()) {
    const uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return out_of_range();
    result = static_cast<int64_t>(u);
  } else if (value.is_number_integer()) {
    result = value.get<int64_t>();
  } else {
    const double d = value.get<double>();
    // 2^63 is exact in a double; casting anything outside [-2^63, 2^63) would be UB.
    if (!std::isfinite(d) || d != std::trunc(d) || d < -9223372036854775808.0 ||
        d >= 9223372036854775808.0) {
      return out_of_range();
    }
    result = static_cast<int64_t>(d);
  }
  if (result < min || result > max) return out_of_range();
  return result;
}

Result<double> NumberValue(const json& value, const std::string& path, double min, double max) {
  if (!value.is_number()) return WrongType(path, "a number", value);
  const double d = value.get<double>();
  if (!std::isfinite(d) || !(d >= min && d <= max)) {
    return InvalidArgument(path + ": must be a number between " + FormatNumber(min) + " and " +
                           FormatNumber(max) + ", got " + value.dump());
  }
  return d;
}

Result<bool> BoolValue(const json& value, const std::string& path) {
  if (!value.is_boolean()) return WrongType(path, "a boolean", value);
  return value.get<bool>();
}

template <typename T>
Result<std::optional<T>> Optional(Result<T> result) {
  if (!result.ok()) return result.error();
  return std::optional<T>(std::move(result).value());
}

}  // namespace

namespace {

// `what` names the document in messages; `key_prefix` (empty, or ending in '.') starts the
// paths of its keys, as JsonFields' path does.
Result<json> ParseObject(std::string_view body, const std::string& what,
                         const std::string& key_prefix) {
  if (body.empty()) return InvalidArgument(what + ": is empty, expected a JSON object");
  json parsed;
  try {
    PathTracker tracker;
    parsed = json::parse(
        body.begin(), body.end(),
        [&tracker](int depth, json::parse_event_t event, json& value) {
          return tracker.OnEvent(depth, event, value);
        },
        /*allow_exceptions=*/true, /*ignore_comments=*/false);
  } catch (const TooDeep&) {
    return InvalidArgument(what + ": nested deeper than " + std::to_string(kMaxJsonDepth) +
                           " levels");
  } catch (const DuplicateKey& duplicate) {
    return InvalidArgument(key_prefix + duplicate.path + ": duplicate key");
  } catch (const json::parse_error& e) {
    return InvalidArgument(what + ": malformed JSON at byte " + std::to_string(e.byte));
  } catch (const json::out_of_range&) {
    return InvalidArgument(what + ": number out of range");  // 1e400: nlohmann refuses infinity
  } catch (const std::exception& e) {
    return Internal(what + ": JSON parser failed: " + e.what());
  }
  if (!parsed.is_object()) {
    return InvalidArgument(what + ": must be a JSON object, got " + parsed.type_name());
  }
  return parsed;
}

}  // namespace

Result<json> ParseJsonObject(std::string_view body) { return ParseObject(body, "body", ""); }

Result<json> ParseJsonObject(std::string_view body, std::string_view name) {
  return ParseObject(body, std::string(name), std::string(name) + ".");
}

JsonFields::JsonFields(const json& object, std::string path)
    : object_(&object), path_(std::move(path)) {}

std::string JsonFields::FieldPath(std::string_view name) const {
  return path_.empty() ? std::string(name) : path_ + "." + std::string(name);
}

Result<const json*> JsonFields::Find(std::string_view name) const {
  if (!object_->is_object()) {
    return InvalidArgument((path_.empty() ? std::string("body") : path_) +
                           ": must be an object, got " + object_->type_name());
  }
  auto it = object_->find(name);
  if (it == object_->end() || it->is_null()) return static_cast<const json*>(nullptr);
  return &*it;
}

bool JsonFields::Has(std::string_view name) const {
  Result<const json*> found = Find(name);
  return found.ok() && *found != nullptr;
}

Result<std::string> JsonFields::RequiredString(std::string_view name, size_t max_bytes) const {
  SPHERE_ASSIGN_OR_RETURN(const json* value, Find(name));
  if (value == nullptr) return InvalidArgument(FieldPath(name) + ": is required");
  return StringValue(*value, FieldPath(name), max_bytes);
}

Result<std::optional<std::string>> JsonFields::OptionalString(std::string_view name,
                                                              size_t max_bytes) const {
  SPHERE_ASSIGN_OR_RETURN(const json* value, Find(name));
  if (value == nullptr) return std::optional<std::string>();
  return Optional(StringValue(*value, FieldPath(name), max_bytes));
}

Result<int64_t> JsonFields::RequiredInt(std::string_view name, int64_t min, int64_t max) const {
  SPHERE_ASSIGN_OR_RETURN(const json* value, Find(name));
  if (value == nullptr) return InvalidArgument(FieldPath(name) + ": is required");
  return IntValue(*value, FieldPath(name), min, max);
}

Result<std::optional<int64_t>> JsonFields::OptionalInt(std::string_view name, int64_t min,
                                                       int64_t max) const {
  SPHERE_ASSIGN_OR_RETURN(const json* value, Find(name));
  if (value == nullptr) return std::optional<int64_t>();
  return Optional(IntValue(*value, FieldPath(name), min, max));
}

Result<double> JsonFields::RequiredNumber(std::string_view name, double min, double max) const {
  SPHERE_ASSIGN_OR_RETURN(const json* value, Find(name));
  if (value == nullptr) return InvalidArgument(FieldPath(name) + ": is required");
  return NumberValue(*value, FieldPath(name), min, max);
}

Result<std::optional<double>> JsonFields::OptionalNumber(std::string_view name, double min,
                                                         double max) const {
  SPHERE_ASSIGN_OR_RETURN(const json* value, Find(name));
  if (value == nullptr) return std::optional<double>();
  return Optional(NumberValue(*value, FieldPath(name), min, max));
}

Result<bool> JsonFields::RequiredBool(std::string_view name) const {
  SPHERE_ASSIGN_OR_RETURN(const json* value, Find(name));
  if (value == nullptr) return InvalidArgument(FieldPath(name) + ": is required");
  return BoolValue(*value, FieldPath(name));
}

Result<std::optional<bool>> JsonFields::OptionalBool(std::string_view name) const {
  SPHERE_ASSIGN_OR_RETURN(const json* value, Find(name));
  if (value == nullptr) return std::optional<bool>();
  return Optional(BoolValue(*value, FieldPath(name)));
}

namespace {

// The elements of an array field (absent or null: none), after the type and count checks.
Result<const json*> ArrayField(Result<const json*> found, const std::string& path,
                               size_t max_items) {
  if (!found.ok() || *found == nullptr) return found;
  const json& value = **found;
  if (!value.is_array()) return WrongType(path, "an array", value);
  if (value.size() > max_items) {
    return InvalidArgument(path + ": more than " + std::to_string(max_items) + " items");
  }
  return &value;
}

std::string ElementPath(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

}  // namespace

Result<std::vector<std::string>> JsonFields::StringArray(std::string_view name, size_t max_items,
                                                         size_t max_bytes_each) const {
  const std::string path = FieldPath(name);
  SPHERE_ASSIGN_OR_RETURN(const json* array, ArrayField(Find(name), path, max_items));
  std::vector<std::string> out;
  if (array == nullptr) return out;
  out.reserve(array->size());
  for (size_t i = 0; i < array->size(); ++i) {
    SPHERE_ASSIGN_OR_RETURN(std::string s,
                            StringValue((*array)[i], ElementPath(path, i), max_bytes_each));
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<double>> JsonFields::NumberArray(std::string_view name, size_t max_items,
                                                    double min, double max) const {
  const std::string path = FieldPath(name);
  SPHERE_ASSIGN_OR_RETURN(const json* array, ArrayField(Find(name), path, max_items));
  std::vector<double> out;
  if (array == nullptr) return out;
  out.reserve(array->size());
  for (size_t i = 0; i < array->size(); ++i) {
    SPHERE_ASSIGN_OR_RETURN(double d, NumberValue((*array)[i], ElementPath(path, i), min, max));
    out.push_back(d);
  }
  return out;
}

Result<std::vector<std::optional<double>>> JsonFields::NullableNumberArray(std::string_view name,
                                                                           size_t max_items,
                                                                           double min,
                                                                           double max) const {
  const std::string path = FieldPath(name);
  SPHERE_ASSIGN_OR_RETURN(const json* array, ArrayField(Find(name), path, max_items));
  std::vector<std::optional<double>> out;
  if (array == nullptr) return out;
  out.reserve(array->size());
  for (size_t i = 0; i < array->size(); ++i) {
    const json& element = (*array)[i];
    if (element.is_null()) {
      out.emplace_back();
      continue;
    }
    SPHERE_ASSIGN_OR_RETURN(double d, NumberValue(element, ElementPath(path, i), min, max));
    out.emplace_back(d);
  }
  return out;
}

Result<std::optional<JsonFields>> JsonFields::OptionalObject(std::string_view name) const {
  SPHERE_ASSIGN_OR_RETURN(const json* value, Find(name));
  if (value == nullptr) return std::optional<JsonFields>();
  if (!value->is_object()) return WrongType(FieldPath(name), "an object", *value);
  return std::optional<JsonFields>(JsonFields(*value, FieldPath(name)));
}

}  // namespace sphere::api
