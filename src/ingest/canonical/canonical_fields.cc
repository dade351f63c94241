#include "ingest/canonical/canonical_fields.h"

#include <simdjson.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "core/time.h"
#include "ingest/numbers.h"

namespace sphere::ingest::canonical {
namespace {

using K = FieldKind;

constexpr Field<Creator> kCreatorFields[] = {
    {"platform", K::kPlatform, &Creator::platform},
    {"handle", K::kHandle, &Creator::handle},
    {"display_name", K::kText, &Creator::display_name},
    {"niche", K::kNiche, &Creator::niche},
    {"followers", K::kCount, &Creator::followers},
    {"following", K::kCount, &Creator::following},
    {"posts_count", K::kCount, &Creator::posts_count},
    {"country", K::kOptText, &Creator::country},
    {"verified", K::kOptBool, &Creator::verified},
    {"stats_as_of", K::kStatsAsOf, &Creator::stats_as_of},
    {"source", K::kSource, &Creator::source},
};

constexpr Field<Post> kPostFields[] = {
    {"platform", K::kPlatform, &Post::platform},
    {"handle", K::kHandle, &Post::creator_handle},
    {"post_id", K::kPostId, &Post::external_id},
    {"posted_at", K::kOptTime, &Post::posted_at},
    {"media_type", K::kMediaType, &Post::media_type},
    {"caption", K::kText, &Post::caption},
    {"likes", K::kCount, &Post::likes},
    {"comments", K::kCount, &Post::comments},
    {"views", K::kCount, &Post::views},
    {"shares", K::kCount, &Post::shares},
    {"sponsored", K::kFlag, &Post::sponsored},
    {"image_description", K::kText, &Post::image_description},
    {"width", K::kDimension, &Post::width},
    {"height", K::kDimension, &Post::height},
    {"location", K::kText, &Post::location},
    {"observed_at", K::kOptTime, &Post::observed_at},
    {"source", K::kSource, &Post::source},
    {"extra_json", K::kExtraJson, &Post::extra_json},
};

constexpr Field<Snapshot> kSnapshotFields[] = {
    {"platform", K::kPlatform, &Snapshot::platform},
    {"handle", K::kHandle, &Snapshot::creator_handle},
    {"taken_at", K::kTime, &Snapshot::taken_at},
    {"source", K::kSource, &Snapshot::source},
    {"followers", K::kCount, &Snapshot::followers},
    {"following", K::kCount, &Snapshot::following},
    {"posts_count", K::kCount, &Snapshot::posts_count},
    {"total_views", K::kCount, &Snapshot::total_views},
    {"avg_likes", K::kDecimal, &Snapshot::avg_likes},
    {"avg_comments", K::kDecimal, &Snapshot::avg_comments},
    {"avg_views", K::kDecimal, &Snapshot::avg_views},
    {"avg_shares", K::kDecimal, &Snapshot::avg_shares},
    {"engagement_rate", K::kDecimal, &Snapshot::engagement_rate},
    {"authentic_engagement", K::kDecimal, &Snapshot::authentic_engagement},
    {"followers_gain", K::kSignedCount, &Snapshot::followers_gain},
    {"views_gain", K::kSignedCount, &Snapshot::views_gain},
    {"period_days", K::kPeriodDays, &Snapshot::period_days},
    {"extra_json", K::kExtraJson, &Snapshot::extra_json},
};

std::string Quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out += text;
  out += '\'';
  return out;
}

bool IsTextKind(FieldKind kind) {
  switch (kind) {
    case K::kHandle:
    case K::kPostId:
    case K::kText:
    case K::kOptText:
    case K::kNiche:
    case K::kSource:
      return true;
    default:
      return false;
  }
}

std::string LowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<int64_t> IntegerOf(const InputValue& v) {
  if (v.type == InputValue::Type::kInt) return v.integer;
  if (v.type == InputValue::Type::kText) return ParseInteger(v.text);
  return InvalidArgument("expected an integer");
}

Result<double> DecimalOf(const InputValue& v) {
  if (v.type == InputValue::Type::kDouble) {
    if (!std::isfinite(v.decimal)) return InvalidArgument("not a finite number");
    return v.decimal;
  }
  if (v.type == InputValue::Type::kInt) return static_cast<double>(v.integer);
  if (v.type == InputValue::Type::kText) return ParseDecimal(v.text);
  return InvalidArgument("expected a number");
}

Result<bool> BoolOf(const InputValue& v) {
  if (v.type == InputValue::Type::kBool) return v.boolean;
  if (v.type != InputValue::Type::kText) return InvalidArgument("expected a boolean");
  std::string lower = LowerAscii(Trim(v.text));
  if (lower == "true" || lower == "1") return true;
  if (lower == "false" || lower == "0") return false;
  return InvalidArgument(Quoted(v.text) + " is not a boolean (true|false|1|0)");
}

Result<UnixSeconds> TimeOf(const InputValue& v) {
  if (v.type == InputValue::Type::kInt) return v.integer;
  if (v.type == InputValue::Type::kText) return ParseTimeCell(v.text);
  return InvalidArgument("expected a time (an ISO-8601 string or unix seconds)");
}

Result<std::string_view> TextOf(const InputValue& v) {
  if (v.type != InputValue::Type::kText) return InvalidArgument("expected a string");
  if (!simdjson::validate_utf8(v.text.data(), v.text.size())) {
    return InvalidArgument("not valid UTF-8");
  }
  return v.text;
}

template <typename Record>
Status AssignImpl(const Field<Record>& f, const InputValue& v, Record& r) {
  auto fail = [&f](std::string_view reason) {
    return InvalidArgument(std::string(f.name) + ": " + std::string(reason));
  };
  auto fail_with = [&fail](const Status& s) { return fail(s.message()); };
  // An empty CSV cell is unknown; for a number, boolean or time so is a blank one.
  bool unknown = v.type == InputValue::Type::kNull ||
                 (v.type == InputValue::Type::kText &&
                  (v.text.empty() || (!IsTextKind(f.kind) && Trim(v.text).empty())));

  switch (f.kind) {
    case K::kPlatform: {
      if (unknown) return fail("missing (required)");
      if (v.type != InputValue::Type::kText) return fail("expected a string");
      Result<Platform> p = ParsePlatform(Trim(v.text));
      if (!p.ok()) return p.error();  // already "platform: 'x' is not one of ..."
      r.*std::get<Platform Record::*>(f.member) = *p;
      return Status::Ok();
    }
    case K::kMediaType: {
      MediaType& out = r.*std::get<MediaType Record::*>(f.member);
      if (unknown) {
        out = MediaType::kImage;
        return Status::Ok();
      }
      if (v.type != InputValue::Type::kText) return fail("expected a string");
      Result<MediaType> m = ParseMediaType(Trim(v.text));
      if (!m.ok()) return m.error();  // already "media_type: 'x' is not one of ..."
      out = *m;
      return Status::Ok();
    }
    case K::kHandle: {
      if (unknown) return fail("missing (required)");
      Result<std::string_view> text = TextOf(v);
      if (!text.ok()) return fail_with(text.error());
      std::string handle = NormalizeHandle(*text);
      if (handle.empty()) return fail("missing (required)");
      r.*std::get<std::string Record::*>(f.member) = std::move(handle);
      return Status::Ok();
    }
    case K::kPostId: {
      if (unknown || (v.type == InputValue::Type::kText && Trim(v.text).empty())) {
        return fail("missing (required)");
      }
      Result<std::string_view> text = TextOf(v);
      if (!text.ok()) return fail_with(text.error());
      r.*std::get<std::string Record::*>(f.member) = std::string(*text);
      return Status::Ok();
    }
    case K::kText:
    case K::kSource: {
      std::string& out = r.*std::get<std::string Record::*>(f.member);
      if (unknown) {
        out = f.kind == K::kSource ? std::string(kDefaultSource) : std::string();
        return Status::Ok();
      }
      Result<std::string_view> text = TextOf(v);
      if (!text.ok()) return fail_with(text.error());
      out = std::string(*text);
      return Status::Ok();
    }
    case K::kOptText:
    case K::kNiche: {
      std::optional<std::string>& out = r.*std::get<std::optional<std::string> Record::*>(f.member);
      out.reset();
      if (unknown) return Status::Ok();
      Result<std::string_view> text = TextOf(v);
      if (!text.ok()) return fail_with(text.error());
      if (f.kind == K::kNiche) {
        std::string niche = LowerAscii(Trim(*text));
        if (!niche.empty()) out = std::move(niche);
      } else {
        out = std::string(*text);
      }
      return Status::Ok();
    }
    case K::kCount:
    case K::kSignedCount: {
      std::optional<int64_t>& out = r.*std::get<std::optional<int64_t> Record::*>(f.member);
      out.reset();
      if (unknown) return Status::Ok();
      Result<int64_t> n = IntegerOf(v);
      if (!n.ok()) return fail_with(n.error());
      if (f.kind == K::kCount && *n < 0) return fail(std::to_string(*n) + " is negative");
      out = *n;
      return Status::Ok();
    }
    case K::kDimension:
    case K::kPeriodDays: {
      std::optional<int32_t>& out = r.*std::get<std::optional<int32_t> Record::*>(f.member);
      out.reset();
      if (unknown) return Status::Ok();
      Result<int64_t> n = IntegerOf(v);
      if (!n.ok()) return fail_with(n.error());
      if (*n > std::numeric_limits<int32_t>::max()) {
        return fail(std::to_string(*n) + " is out of range");
      }
      if (f.kind == K::kDimension && *n < 0) return fail(std::to_string(*n) + " is negative");
      if (f.kind == K::kPeriodDays && *n <= 0) {
        return fail(std::to_string(*n) + " is not a positive number of days");
      }
      out = static_cast<int32_t>(*n);
      return Status::Ok();
    }
    case K::kDecimal: {
      std::optional<double>& out = r.*std::get<std::optional<double> Record::*>(f.member);
      out.reset();
      if (unknown) return Status::Ok();
      Result<double> d = DecimalOf(v);
      if (!d.ok()) return fail_with(d.error());
      out = *d;
      return Status::Ok();
    }
    case K::kFlag: {
      bool& out = r.*std::get<bool Record::*>(f.member);
      out = false;
      if (unknown) return Status::Ok();
      Result<bool> b = BoolOf(v);
      if (!b.ok()) return fail_with(b.error());
      out = *b;
      return Status::Ok();
    }
    case K::kOptBool: {
      std::optional<bool>& out = r.*std::get<std::optional<bool> Record::*>(f.member);
      out.reset();
      if (unknown) return Status::Ok();
      Result<bool> b = BoolOf(v);
      if (!b.ok()) return fail_with(b.error());
      out = *b;
      return Status::Ok();
    }
    case K::kTime:
    case K::kStatsAsOf: {
      int64_t& out = r.*std::get<int64_t Record::*>(f.member);
      out = 0;
      if (unknown) return f.kind == K::kTime ? fail("missing (required)") : Status::Ok();
      Result<UnixSeconds> t = TimeOf(v);
      if (!t.ok()) return fail_with(t.error());
      out = *t;
      return Status::Ok();
    }
    case K::kOptTime: {
      std::optional<int64_t>& out = r.*std::get<std::optional<int64_t> Record::*>(f.member);
      out.reset();
      if (unknown) return Status::Ok();
      Result<UnixSeconds> t = TimeOf(v);
      if (!t.ok()) return fail_with(t.error());
      out = *t;
      return Status::Ok();
    }
    case K::kExtraJson: {
      std::string& out = r.*std::get<std::string Record::*>(f.member);
      out = "{}";
      if (unknown) return Status::Ok();
      if (v.type != InputValue::Type::kText && v.type != InputValue::Type::kJsonObject) {
        return fail("expected a JSON object");
      }
      std::string_view json = Trim(v.text);
      if (!IsJsonObject(json)) return fail("not a JSON object");
      out = std::string(json);
      return Status::Ok();
    }
  }
  return fail("unhandled field kind");
}

bool ValidUtf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

template <typename Record>
Status CheckWritableImpl(std::span<const Field<Record>> fields, const Record& r) {
  for (const Field<Record>& f : fields) {
    auto fail = [&f](std::string_view reason) {
      return InvalidArgument(std::string(f.name) + ": " + std::string(reason));
    };
    switch (f.kind) {
      case K::kPlatform:
      case K::kMediaType:
      case K::kFlag:
      case K::kOptBool:
      case K::kTime:
      case K::kStatsAsOf:
      case K::kOptTime:
        break;  // every value of these types writes and reads back as itself
      case K::kHandle: {
        const std::string& h = r.*std::get<std::string Record::*>(f.member);
        if (h.empty()) return fail("missing (required)");
        if (NormalizeHandle(h) != h) return fail(Quoted(h) + " is not normalised");
        if (!ValidUtf8(h)) return fail("not valid UTF-8");
        break;
      }
      case K::kPostId: {
        const std::string& id = r.*std::get<std::string Record::*>(f.member);
        if (Trim(id).empty()) return fail("missing (required)");
        if (!ValidUtf8(id)) return fail("not valid UTF-8");
        break;
      }
      case K::kText:
      case K::kSource:
        if (!ValidUtf8(r.*std::get<std::string Record::*>(f.member))) {
          return fail("not valid UTF-8");
        }
        break;
      case K::kOptText:
      case K::kNiche: {
        const auto& text = r.*std::get<std::optional<std::string> Record::*>(f.member);
        if (!text) break;
        if (!ValidUtf8(*text)) return fail("not valid UTF-8");
        if (f.kind == K::kNiche && !text->empty() && LowerAscii(Trim(*text)) != *text) {
          return fail(Quoted(*text) + " is not trimmed lower-case");
        }
        break;
      }
      case K::kCount:
      case K::kDimension:
      case K::kPeriodDays:
      case K::kSignedCount:
      case K::kDecimal: {
        OutputValue out = Read(f, r);
        if (out.type == OutputValue::Type::kInt && out.integer < 0 && f.kind != K::kSignedCount) {
          return fail(std::to_string(out.integer) + " is negative");
        }
        if (f.kind == K::kPeriodDays && out.type == OutputValue::Type::kInt && out.integer == 0) {
          return fail("0 is not a positive number of days");
        }
        if (out.type == OutputValue::Type::kDouble && !std::isfinite(out.decimal)) {
          return fail("not a finite number");
        }
        break;
      }
      case K::kExtraJson: {
        const std::string& json = r.*std::get<std::string Record::*>(f.member);
        if (json != "{}" && (Trim(json) != json || !IsJsonObject(json))) {
          return fail("not a JSON object");
        }
        break;
      }
    }
  }
  return Status::Ok();
}

template <typename Record>
OutputValue ReadImpl(const Field<Record>& f, const Record& r) {
  using T = OutputValue::Type;
  OutputValue out;
  switch (f.kind) {
    case K::kPlatform:
      out.type = T::kString;
      out.text = ToString(r.*std::get<Platform Record::*>(f.member));
      return out;
    case K::kMediaType:
      out.type = T::kString;
      out.text = ToString(r.*std::get<MediaType Record::*>(f.member));
      return out;
    case K::kHandle:
    case K::kPostId:
    case K::kText:
    case K::kSource: {
      const std::string& s = r.*std::get<std::string Record::*>(f.member);
      if (!s.empty()) {
        out.type = T::kString;
        out.text = s;
      }
      return out;
    }
    case K::kOptText:
    case K::kNiche: {
      const auto& s = r.*std::get<std::optional<std::string> Record::*>(f.member);
      if (s && !s->empty()) {
        out.type = T::kString;
        out.text = *s;
      }
      return out;
    }
    case K::kCount:
    case K::kSignedCount: {
      const auto& n = r.*std::get<std::optional<int64_t> Record::*>(f.member);
      if (n) {
        out.type = T::kInt;
        out.integer = *n;
      }
      return out;
    }
    case K::kDimension:
    case K::kPeriodDays: {
      const auto& n = r.*std::get<std::optional<int32_t> Record::*>(f.member);
      if (n) {
        out.type = T::kInt;
        out.integer = *n;
      }
      return out;
    }
    case K::kDecimal: {
      const auto& d = r.*std::get<std::optional<double> Record::*>(f.member);
      if (d) {
        out.type = T::kDouble;
        out.decimal = *d;
      }
      return out;
    }
    case K::kFlag:
      out.type = T::kBool;
      out.boolean = r.*std::get<bool Record::*>(f.member);
      return out;
    case K::kOptBool: {
      const auto& b = r.*std::get<std::optional<bool> Record::*>(f.member);
      if (b) {
        out.type = T::kBool;
        out.boolean = *b;
      }
      return out;
    }
    case K::kTime:
    case K::kStatsAsOf: {
      int64_t t = r.*std::get<int64_t Record::*>(f.member);
      // stats_as_of 0 is how "unknown" is stored, so it is written as an empty cell.
      if (f.kind == K::kTime || t != 0) {
        out.type = T::kTime;
        out.integer = t;
      }
      return out;
    }
    case K::kOptTime: {
      const auto& t = r.*std::get<std::optional<int64_t> Record::*>(f.member);
      if (t) {
        out.type = T::kTime;
        out.integer = *t;
      }
      return out;
    }
    case K::kExtraJson: {
      const std::string& json = r.*std::get<std::string Record::*>(f.member);
      if (json != "{}") {
        out.type = T::kJsonObject;
        out.text = json;
      }
      return out;
    }
  }
  return out;
}

template <typename Record>
std::string LeadingHeaderImpl(std::span<const Field<Record>> fields) {
  std::string out;
  for (size_t i = 0; i < kLeadingColumns; ++i) {
    if (i > 0) out += ',';
    out += fields[i].name;
  }
  return out;
}

}  // namespace

std::span<const Field<Creator>> CreatorFields() { return kCreatorFields; }
std::span<const Field<Post>> PostFields() { return kPostFields; }
std::span<const Field<Snapshot>> SnapshotFields() { return kSnapshotFields; }

std::optional<FieldKind> KindOfName(std::string_view name) {
  for (const auto& f : kPostFields) {
    if (f.name == name) return f.kind;
  }
  for (const auto& f : kSnapshotFields) {
    if (f.name == name) return f.kind;
  }
  for (const auto& f : kCreatorFields) {
    if (f.name == name) return f.kind;
  }
  return std::nullopt;
}

Status Assign(const Field<Creator>& f, const InputValue& v, Creator& r) {
  return AssignImpl(f, v, r);
}
Status Assign(const Field<Post>& f, const InputValue& v, Post& r) { return AssignImpl(f, v, r); }
Status Assign(const Field<Snapshot>& f, const InputValue& v, Snapshot& r) {
  return AssignImpl(f, v, r);
}

void ApplyDefaults(Creator& r) { r.source = std::string(kDefaultSource); }
void ApplyDefaults(Post& r) {
  r.source = std::string(kDefaultSource);
  r.extra_json = "{}";
}
void ApplyDefaults(Snapshot& r) {
  r.source = std::string(kDefaultSource);
  r.extra_json = "{}";
}

Status CheckWritable(const Creator& r) { return CheckWritableImpl(CreatorFields(), r); }
Status CheckWritable(const Post& r) { return CheckWritableImpl(PostFields(), r); }
Status CheckWritable(const Snapshot& r) { return CheckWritableImpl(SnapshotFields(), r); }

OutputValue Read(const Field<Creator>& f, const Creator& r) { return ReadImpl(f, r); }
OutputValue Read(const Field<Post>& f, const Post& r) { return ReadImpl(f, r); }
OutputValue Read(const Field<Snapshot>& f, const Snapshot& r) { return ReadImpl(f, r); }

Result<UnixSeconds> ParseTimeCell(std::string_view text) {
  std::string_view t = Trim(text);
  std::string_view digits = t.starts_with('-') ? t.substr(1) : t;
  if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t seconds = 0;
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), seconds);
    if (ec == std::errc() && ptr == t.data() + t.size()) return seconds;
  } else if (Result<UnixSeconds> iso = ParseIsoTime(t); iso.ok()) {
    return *iso;
  }
  return InvalidArgument(Quoted(text) +
                         " is not a time (YYYY-MM-DD, YYYY-MM-DDThh:mm:ssZ or unix seconds)");
}

bool IsJsonObject(std::string_view text) {
  text = Trim(text);
  if (text == "{}") return true;
  if (!text.starts_with('{')) return false;
  // One parser per thread: importers may run on several threads, and a dom::parser keeps
  // its buffers between documents.
  thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element element;
  if (parser.parse(padded).get(element) != simdjson::SUCCESS) return false;
  return element.type() == simdjson::dom::element_type::OBJECT;
}

std::string LeadingHeader(std::span<const Field<Creator>> fields) {
  return LeadingHeaderImpl(fields);
}
std::string LeadingHeader(std::span<const Field<Post>> fields) { return LeadingHeaderImpl(fields); }
std::string LeadingHeader(std::span<const Field<Snapshot>> fields) {
  return LeadingHeaderImpl(fields);
}

Status Emitter::EnsureCreator(Platform platform, const std::string& handle) {
  if (!seen_.insert(CreatorKeyText(platform, handle)).second) return Status::Ok();
  // Not even a source: an empty one is stored as unknown, so a minimal creator can never
  // replace what another import said about the profile.
  Creator minimal;
  minimal.platform = platform;
  minimal.handle = handle;
  SPHERE_RETURN_IF_ERROR(sink_.Accept(std::move(minimal)));
  report_.CountCreator();
  return Status::Ok();
}

Status Emitter::Emit(Creator creator) {
  seen_.insert(CreatorKeyText(creator.platform, creator.handle));
  SPHERE_RETURN_IF_ERROR(sink_.Accept(std::move(creator)));
  report_.CountCreator();
  return Status::Ok();
}

Status Emitter::Emit(Post post) {
  SPHERE_RETURN_IF_ERROR(EnsureCreator(post.platform, post.creator_handle));
  SPHERE_RETURN_IF_ERROR(sink_.Accept(std::move(post)));
  report_.CountPost();
  return Status::Ok();
}

Status Emitter::Emit(Snapshot snapshot) {
  SPHERE_RETURN_IF_ERROR(EnsureCreator(snapshot.platform, snapshot.creator_handle));
  SPHERE_RETURN_IF_ERROR(sink_.Accept(std::move(snapshot)));
  report_.CountSnapshot();
  return Status::Ok();
}

std::string_view WithoutLineEnd(std::string_view line) {
  if (line.ends_with('\n')) line.remove_suffix(1);
  if (line.ends_with('\r')) line.remove_suffix(1);
  return line;
}

}  // namespace sphere::ingest::canonical
