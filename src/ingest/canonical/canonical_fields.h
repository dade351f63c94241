// The columns of the canonical formats (docs/data-formats.md), described once and shared by
// the CSV and JSONL importers and both writers, so the four can never disagree on a name,
// a type or a rule.
//
// Internal to ingest/canonical/; other modules use formats.h and canonical_writer.h.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <variant>

#include "core/domain.h"
#include "core/status.h"
#include "ingest/importer.h"

namespace sphere::ingest::canonical {

// What a column holds and the rule its value must keep. A field name has the same kind in
// every entity that has it, so a JSON line can be typed before its "type" is known.
enum class FieldKind {
  kPlatform,     // Platform; required
  kHandle,       // std::string; required; normalised with NormalizeHandle
  kPostId,       // std::string; required, non-empty
  kText,         // std::string; "" = unknown
  kOptText,      // optional<string>; "" = unknown
  kNiche,        // optional<string>; trimmed and ASCII lower-cased on import
  kCount,        // optional<int64_t>; >= 0
  kSignedCount,  // optional<int64_t>; gains may be negative
  kDimension,    // optional<int32_t>; >= 0 (pixels)
  kPeriodDays,   // optional<int32_t>; > 0
  kDecimal,      // optional<double>; finite
  kFlag,         // bool; unknown = false
  kOptBool,      // optional<bool>
  kTime,         // UnixSeconds; required
  kStatsAsOf,    // UnixSeconds; unknown = 0 (older than any real observation)
  kOptTime,      // optional<UnixSeconds>
  kMediaType,    // MediaType; unknown = image
  kSource,       // std::string; unknown = kDefaultSource
  kExtraJson,    // std::string holding a JSON object; unknown = "{}"
};

// The source label of records whose file gives none.
inline constexpr std::string_view kDefaultSource = "canonical";

// A pointer to the member a field fills, for each member type the entities use.
template <typename Record>
using Member = std::variant<Platform Record::*, MediaType Record::*, std::string Record::*,
                            std::optional<std::string> Record::*, std::optional<int64_t> Record::*,
                            std::optional<int32_t> Record::*, std::optional<double> Record::*,
                            bool Record::*, std::optional<bool> Record::*, int64_t Record::*>;

template <typename Record>
struct Field {
  std::string_view name;
  FieldKind kind;
  Member<Record> member;
};

// Every column of each entity in the order the writers emit them. The first three of each
// are the leading header that identifies a canonical CSV file; they must be present.
std::span<const Field<Creator>> CreatorFields();
std::span<const Field<Post>> PostFields();
std::span<const Field<Snapshot>> SnapshotFields();
inline constexpr size_t kLeadingColumns = 3;

// The kind of a field name in any entity, or nullopt when no entity has it.
std::optional<FieldKind> KindOfName(std::string_view name);

// One input value before it is checked against its field: a CSV cell (always kText or
// kNull) or a JSON value. Views point into the caller's buffers.
struct InputValue {
  enum class Type { kNull, kText, kInt, kDouble, kBool, kJsonObject };
  Type type = Type::kNull;
  std::string_view text;  // kText, kJsonObject (the object's JSON text)
  int64_t integer = 0;
  double decimal = 0;
  bool boolean = false;
};

// Checks `value` against the field's rule and stores it in `record`. A kText value for a
// numeric, boolean or time field is parsed from text (a CSV cell). The error message is
// "name: reason", e.g. "followers: '12x' is not an integer".
Status Assign(const Field<Creator>& field, const InputValue& value, Creator& record);
Status Assign(const Field<Post>& field, const InputValue& value, Post& record);
Status Assign(const Field<Snapshot>& field, const InputValue& value, Snapshot& record);

// A record whose file gives no value for these fields still needs them: sets the source
// and extra_json defaults. Call on a fresh record before assigning fields.
void ApplyDefaults(Creator& record);
void ApplyDefaults(Post& record);
void ApplyDefaults(Snapshot& record);

// The rule a writer keeps so that its output re-imports to the same record: OK when every
// field of `record` would import back unchanged, else InvalidArgument "name: reason".
Status CheckWritable(const Creator& record);
Status CheckWritable(const Post& record);
Status CheckWritable(const Snapshot& record);

// The value of one field of `record` as a writer emits it.
struct OutputValue {
  enum class Type { kAbsent, kString, kInt, kDouble, kBool, kTime, kJsonObject };
  Type type = Type::kAbsent;
  std::string_view text;  // kString, kJsonObject; points into the record
  int64_t integer = 0;    // kInt, kTime
  double decimal = 0;
  bool boolean = false;
};
OutputValue Read(const Field<Creator>& field, const Creator& record);
OutputValue Read(const Field<Post>& field, const Post& record);
OutputValue Read(const Field<Snapshot>& field, const Snapshot& record);

// "2019-05-26", "2019-05-26T10:00:00Z" (core/time.h) or integer unix seconds.
Result<UnixSeconds> ParseTimeCell(std::string_view text);

// True when `text` is one complete JSON object (and nothing else but white space).
bool IsJsonObject(std::string_view text);

// Hands records to a sink in the order the importer contract asks for, and counts them.
// Post and snapshot rows name their creator only by platform and handle, so before the
// first such row of a creator not yet seen in this file it emits a minimal Creator (the
// key; every other field empty, source included; stats_as_of 0): the store's merge never
// lets empty fields overwrite what it has, so this only guarantees the creator exists.
class Emitter {
 public:
  Emitter(RecordSink& sink, ImportReport& report) : sink_(sink), report_(report) {}
  Status Emit(Creator creator);
  Status Emit(Post post);
  Status Emit(Snapshot snapshot);

 private:
  Status EnsureCreator(Platform platform, const std::string& handle);

  RecordSink& sink_;
  ImportReport& report_;
  std::unordered_set<std::string> seen_;  // ToString(platform) + '/' + handle
};

// A line without its terminator ("\n" or "\r\n").
std::string_view WithoutLineEnd(std::string_view line);

// The leading header line of each CSV file, e.g. "platform,handle,post_id".
std::string LeadingHeader(std::span<const Field<Creator>> fields);
std::string LeadingHeader(std::span<const Field<Post>> fields);
std::string LeadingHeader(std::span<const Field<Snapshot>> fields);

}  // namespace sphere::ingest::canonical
