// The canonical JSONL format: one JSON object per line, {"type": "creator"|"post"|"snapshot",
// ...the CSV column names...} (docs/data-formats.md). Parsed with simdjson's On-Demand API:
// a line is scanned once and values are read in place, because this is the bulk path.
#include <simdjson.h>

#include <string>
#include <variant>
#include <vector>

#include "ingest/canonical/canonical_fields.h"
#include "ingest/formats.h"
#include "ingest/numbers.h"
#include "ingest/text_input.h"

namespace sphere::ingest {
namespace {

namespace od = simdjson::ondemand;
using canonical::Field;
using canonical::FieldKind;
using canonical::InputValue;

using AnyRecord = std::variant<Creator, Post, Snapshot>;

enum class EntityType { kCreator, kPost, kSnapshot };

std::optional<EntityType> EntityNamed(std::string_view name) {
  if (name == "creator") return EntityType::kCreator;
  if (name == "post") return EntityType::kPost;
  if (name == "snapshot") return EntityType::kSnapshot;
  return std::nullopt;
}

std::string_view Article(EntityType t) {
  switch (t) {
    case EntityType::kCreator:
      return "a creator";
    case EntityType::kPost:
      return "a post";
    case EntityType::kSnapshot:
      return "a snapshot";
  }
  return "?";
}

std::string_view JsonTypeName(od::json_type t) {
  switch (t) {
    case od::json_type::array:
      return "an array";
    case od::json_type::object:
      return "an object";
    case od::json_type::number:
      return "a number";
    case od::json_type::string:
      return "a string";
    case od::json_type::boolean:
      return "a boolean";
    case od::json_type::null:
      return "null";
  }
  return "?";
}

Status InvalidJson(simdjson::error_code error) {
  return InvalidArgument(std::string("invalid JSON: ") + simdjson::error_message(error));
}

// One "name": value pair of a line, typed by the field's kind but not yet checked against
// the entity (the "type" member may come after it).
struct Member {
  std::string_view name;
  InputValue value;
};

// Reads a scalar fully so that damage inside it is reported as damage. Objects and arrays
// are only skipped; their structure was checked when the line was indexed.
Status CheckWellFormed(od::value& v, od::json_type type) {
  simdjson::error_code e = simdjson::SUCCESS;
  switch (type) {
    case od::json_type::boolean: {
      bool b;
      e = v.get_bool().get(b);
      break;
    }
    case od::json_type::number: {
      double d;
      e = v.get_double().get(d);
      break;
    }
    case od::json_type::string: {
      std::string_view s;
      e = v.get_string().get(s);
      break;
    }
    case od::json_type::null:
    case od::json_type::object:
    case od::json_type::array:
      break;
  }
  return e ? InvalidJson(e) : Status::Ok();
}

// Reads the value of a field of kind `kind`. A value of the wrong JSON type is a row error
// naming the field (returned in `field_error`); damaged JSON is returned as the Status.
Status ReadValue(od::value& v, std::string_view name, FieldKind kind, InputValue& out,
                 std::string& field_error) {
  od::json_type type;
  if (auto e = v.type().get(type)) return InvalidJson(e);
  if (type == od::json_type::null) {
    bool is_null = false;
    if (auto e = v.is_null().get(is_null)) return InvalidJson(e);
    if (!is_null) return InvalidJson(simdjson::N_ATOM_ERROR);  // "nul", "nulx"
    out.type = InputValue::Type::kNull;
    return Status::Ok();
  }
  // A value of the wrong type is a field error, but only once the value is known to be
  // well-formed: "tru" must read as damaged JSON, not as a boolean in the wrong place.
  auto wrong = [&](std::string_view expected) {
    SPHERE_RETURN_IF_ERROR(CheckWellFormed(v, type));
    field_error = std::string(name) + ": expected " + std::string(expected) + ", got " +
                  std::string(JsonTypeName(type));
    return Status::Ok();
  };
  switch (kind) {
    case FieldKind::kPlatform:
    case FieldKind::kHandle:
    case FieldKind::kPostId:
    case FieldKind::kText:
    case FieldKind::kOptText:
    case FieldKind::kNiche:
    case FieldKind::kSource:
    case FieldKind::kMediaType: {
      if (type != od::json_type::string) return wrong("a string");
      if (auto e = v.get_string().get(out.text)) return InvalidJson(e);
      out.type = InputValue::Type::kText;
      return Status::Ok();
    }
    case FieldKind::kCount:
    case FieldKind::kSignedCount:
    case FieldKind::kDimension:
    case FieldKind::kPeriodDays:
    case FieldKind::kTime:
    case FieldKind::kStatsAsOf:
    case FieldKind::kOptTime: {
      bool is_time =
          kind == FieldKind::kTime || kind == FieldKind::kStatsAsOf || kind == FieldKind::kOptTime;
      if (is_time && type == od::json_type::string) {
        if (auto e = v.get_string().get(out.text)) return InvalidJson(e);
        out.type = InputValue::Type::kText;
        return Status::Ok();
      }
      std::string_view expected =
          is_time ? "an ISO-8601 string or integer unix seconds" : "an integer";
      if (type != od::json_type::number) return wrong(expected);
      od::number_type number_type;
      if (auto e = v.get_number_type().get(number_type)) return InvalidJson(e);
      if (number_type == od::number_type::floating_point_number) {
        field_error =
            std::string(name) + ": expected " + std::string(expected) + ", got a decimal number";
        return Status::Ok();
      }
      if (number_type == od::number_type::unsigned_integer) {
        field_error = std::string(name) + ": integer out of range";
        return Status::Ok();
      }
      if (auto e = v.get_int64().get(out.integer)) return InvalidJson(e);
      out.type = InputValue::Type::kInt;
      return Status::Ok();
    }
    case FieldKind::kDecimal: {
      if (type != od::json_type::number) return wrong("a number");
      if (auto e = v.get_double().get(out.decimal)) return InvalidJson(e);
      out.type = InputValue::Type::kDouble;
      return Status::Ok();
    }
    case FieldKind::kFlag:
    case FieldKind::kOptBool: {
      if (type != od::json_type::boolean) return wrong("true or false");
      if (auto e = v.get_bool().get(out.boolean)) return InvalidJson(e);
      out.type = InputValue::Type::kBool;
      return Status::Ok();
    }
    case FieldKind::kExtraJson: {
      if (type != od::json_type::object) return wrong("an object");
      od::object object;
      if (auto e = v.get_object().get(object)) return InvalidJson(e);
      // raw_json() skips the object without validating it; Assign validates the text.
      if (auto e = object.raw_json().get(out.text)) return InvalidJson(e);
      out.type = InputValue::Type::kJsonObject;
      return Status::Ok();
    }
  }
  return Internal("unhandled field kind");
}

void AppendError(std::string& errors, std::string_view error) {
  if (!errors.empty()) errors += "; ";
  errors += error;
}

template <typename Record>
Result<AnyRecord> BuildRecord(std::span<const Field<Record>> fields, EntityType type,
                              const std::vector<Member>& members, std::string& errors) {
  static_assert(sizeof(uint32_t) * 8 >= 18, "one bit per field");
  Record record;
  canonical::ApplyDefaults(record);
  uint32_t seen = 0;
  for (const Member& m : members) {
    size_t index = fields.size();
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].name == m.name) index = i;
    }
    if (index == fields.size()) {
      AppendError(errors, std::string(m.name) + ": not a field of " + std::string(Article(type)));
      continue;
    }
    if (seen & (1u << index)) {
      AppendError(errors, std::string(m.name) + ": appears twice");
      continue;
    }
    seen |= 1u << index;
    Status s = canonical::Assign(fields[index], m.value, record);
    if (!s.ok()) AppendError(errors, s.message());
  }
  // The leading fields are the required ones; a JSON line may leave them out entirely.
  for (size_t i = 0; i < fields.size(); ++i) {
    FieldKind k = fields[i].kind;
    bool required = k == FieldKind::kPlatform || k == FieldKind::kHandle ||
                    k == FieldKind::kPostId || k == FieldKind::kTime;
    if (required && !(seen & (1u << i))) {
      AppendError(errors, std::string(fields[i].name) + ": missing (required)");
    }
  }
  if (!errors.empty()) return InvalidArgument(errors);
  return AnyRecord(std::move(record));
}

// Parses one line into a record. Every problem is an InvalidArgument whose message is the
// reject reason: "invalid JSON: ..." for damaged JSON, else "field: reason; field: reason".
class LineParser {
 public:
  Result<AnyRecord> Parse(std::string_view line) {
    buffer_.assign(line);
    buffer_.resize(line.size() + simdjson::SIMDJSON_PADDING);
    od::document doc;
    if (auto e = parser_.iterate(buffer_.data(), line.size(), buffer_.size()).get(doc)) {
      return InvalidJson(e);
    }
    od::object object;
    if (auto e = doc.get_object().get(object)) {
      if (e == simdjson::INCORRECT_TYPE) {
        return InvalidArgument("invalid JSON: a line must hold one JSON object");
      }
      return InvalidJson(e);
    }

    members_.clear();
    std::string errors;
    std::optional<EntityType> type;
    bool type_seen = false;
    for (auto field_result : object) {
      od::field field;
      if (auto e = std::move(field_result).get(field)) return InvalidJson(e);
      std::string_view name;
      if (auto e = field.unescaped_key().get(name)) return InvalidJson(e);
      od::value value = field.value();
      if (name == "type") {
        if (type_seen) {
          AppendError(errors, "type: appears twice");
          continue;
        }
        type_seen = true;
        std::string_view type_name;
        od::json_type json_type;
        if (auto e = value.type().get(json_type)) return InvalidJson(e);
        if (json_type != od::json_type::string) {
          AppendError(errors,
                      "type: expected a string, got " + std::string(JsonTypeName(json_type)));
          continue;
        }
        if (auto e = value.get_string().get(type_name)) return InvalidJson(e);
        type = EntityNamed(type_name);
        if (!type) {
          AppendError(errors,
                      "type: '" + std::string(type_name) + "' is not one of creator|post|snapshot");
        }
        continue;
      }
      std::optional<FieldKind> kind = canonical::KindOfName(name);
      if (!kind) {
        // Unread values are skipped by the iterator; strictness catches misspelt names.
        AppendError(errors,
                    std::string(name) + ": unknown field (put source-specific data in extra_json)");
        continue;
      }
      Member m{name, {}};
      std::string field_error;
      SPHERE_RETURN_IF_ERROR(ReadValue(value, name, *kind, m.value, field_error));
      if (!field_error.empty()) {
        AppendError(errors, field_error);
        continue;
      }
      members_.push_back(m);
    }
    // On-Demand reads the root object's fields but not what follows it.
    const char* trailing = nullptr;
    if (doc.current_location().get(trailing) == simdjson::SUCCESS) {
      return InvalidArgument("invalid JSON: unexpected content after the object");
    }
    if (!type_seen) AppendError(errors, "type: missing (creator|post|snapshot)");
    if (!type) return InvalidArgument(errors);

    switch (*type) {
      case EntityType::kCreator:
        return BuildRecord(canonical::CreatorFields(), *type, members_, errors);
      case EntityType::kPost:
        return BuildRecord(canonical::PostFields(), *type, members_, errors);
      case EntityType::kSnapshot:
        return BuildRecord(canonical::SnapshotFields(), *type, members_, errors);
    }
    return Internal("unhandled entity type");
  }

 private:
  od::parser parser_;
  std::string buffer_;  // the line plus simdjson's padding
  std::vector<Member> members_;
};

Status ImportJsonl(const std::filesystem::path& path, RecordSink& sink, ImportReport& report) {
  SPHERE_ASSIGN_OR_RETURN(auto lines, LineReader::Open(path));
  LineParser parser;
  canonical::Emitter emitter(sink, report);
  std::string_view line;
  while (true) {
    SPHERE_ASSIGN_OR_RETURN(bool more, lines->Next(line));
    if (!more) break;
    line = canonical::WithoutLineEnd(line);
    if (Trim(line).empty()) continue;  // blank lines separate nothing and hold no record
    Result<AnyRecord> record = parser.Parse(line);
    if (!record.ok()) {
      report.Reject(lines->line_number(), record.error().message());
      continue;
    }
    report.Loaded();
    SPHERE_RETURN_IF_ERROR(
        std::visit([&](auto&& r) { return emitter.Emit(std::move(r)); }, std::move(*record)));
  }
  return Status::Ok();
}

// A first line that is a JSON object whose "type" is a canonical entity.
bool LooksLikeCanonicalJsonl(std::string_view first_line) {
  std::string_view line = Trim(canonical::WithoutLineEnd(first_line));
  if (!line.starts_with('{')) return false;
  std::string buffer(line);
  buffer.resize(line.size() + simdjson::SIMDJSON_PADDING);
  od::parser parser;
  od::document doc;
  if (parser.iterate(buffer.data(), line.size(), buffer.size()).get(doc)) return false;
  od::object object;
  if (doc.get_object().get(object)) return false;
  std::string_view type;
  if (object.find_field_unordered("type").get_string().get(type)) return false;
  return EntityNamed(type).has_value();
}

}  // namespace

Format CanonicalJsonlFormat() {
  return {
      .name = "canonical_jsonl",
      .description =
          "Canonical JSONL: one {\"type\": \"creator\"|\"post\"|\"snapshot\", ...} object per "
          "line (docs/data-formats.md)",
      .matches = [](const std::filesystem::path&,
                    std::string_view first_line) { return LooksLikeCanonicalJsonl(first_line); },
      .run = ImportJsonl,
  };
}

}  // namespace sphere::ingest
