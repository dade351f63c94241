#include "ingest/sources/source_util.h"

#include <cctype>
#include <utility>

#include "core/time.h"
#include "ingest/numbers.h"

namespace sphere::ingest {

// ---- Reading rows and cells ------------------------------------------------------------

Columns::Columns(const std::vector<std::string>& header_cells) : header_(header_cells) {
  names_.reserve(header_cells.size());
  for (const std::string& cell : header_cells) names_.emplace_back(Trim(cell));
}

size_t Columns::Require(std::string_view name) {
  if (std::optional<size_t> column = header_.Find(name)) return *column;
  if (missing_.empty()) missing_ = name;
  return 0;
}

std::vector<size_t> Columns::RequireAll(std::span<const std::string_view> names) {
  std::vector<size_t> columns;
  columns.reserve(names.size());
  for (std::string_view name : names) columns.push_back(Require(name));
  return columns;
}

Status Columns::Check(const std::filesystem::path& path, int64_t header_line) const {
  if (missing_.empty()) return Status::Ok();
  return InvalidArgument(path.string() + ":" + std::to_string(header_line) + ": missing column " +
                         missing_);
}

std::string_view RowFields::Text(size_t column) const {
  return column < record_.size() ? std::string_view(record_[column]) : std::string_view();
}

void RowFields::Fail(size_t column, std::string_view problem) {
  if (error_.empty()) error_ = columns_.name(column) + ": " + std::string(problem);
}

void RowFields::Fail(std::string reason) {
  if (error_.empty()) error_ = std::move(reason);
}

bool RowFields::CheckPresent(size_t column, Need need) {
  if (!IsMissing(Text(column))) return true;
  if (need == Need::kRequired) Fail(column, "missing");
  return false;
}

namespace {

template <typename T>
std::optional<T> Checked(Result<T> parsed, Sign sign, size_t column, RowFields& row) {
  if (!parsed.ok()) {
    row.Fail(column, parsed.error().message());
    return std::nullopt;
  }
  if (sign == Sign::kNonNegative && *parsed < 0) {
    row.Fail(column, "'" + std::string(Trim(row.Text(column))) + "' is negative");
    return std::nullopt;
  }
  return *parsed;
}

}  // namespace

std::optional<int64_t> RowFields::Integer(size_t column, Need need, Sign sign) {
  if (!CheckPresent(column, need)) return std::nullopt;
  return Checked(ParseInteger(Text(column)), sign, column, *this);
}

std::optional<int64_t> RowFields::Count(size_t column, Need need, Sign sign) {
  if (!CheckPresent(column, need)) return std::nullopt;
  return Checked(ParseCount(Text(column)), sign, column, *this);
}

std::optional<double> RowFields::Decimal(size_t column, Need need) {
  if (!CheckPresent(column, need)) return std::nullopt;
  return Checked(ParseDecimal(Text(column)), Sign::kAny, column, *this);
}

std::optional<double> RowFields::Percent(size_t column, Need need) {
  std::string_view cell = Trim(Text(column));
  // Some exports format a missing rate as "NaN%".
  std::string_view number = cell.ends_with('%') ? cell.substr(0, cell.size() - 1) : cell;
  if (IsMissing(number)) {
    if (need == Need::kRequired) Fail(column, "missing");
    return std::nullopt;
  }
  return Checked(ParsePercent(cell), Sign::kAny, column, *this);
}

std::optional<bool> RowFields::Bool(size_t column, Need need) {
  if (!CheckPresent(column, need)) return std::nullopt;
  std::string folded = CsvHeader::Fold(Text(column));
  if (folded == "true" || folded == "1") return true;
  if (folded == "false" || folded == "0") return false;
  Fail(column, "'" + std::string(Text(column)) + "' is not True or False");
  return std::nullopt;
}

std::string FieldCountProblem(const CsvRecord& record, const Columns& columns) {
  if (record.size() == columns.size()) return "";
  return "row has " + std::to_string(record.size()) + " fields; the header has " +
         std::to_string(columns.size());
}

SourceCsv::SourceCsv(std::unique_ptr<CsvReader> reader, CsvRecord header, bool has_header)
    : reader_(std::move(reader)),
      header_(std::move(header)),
      has_header_(has_header),
      columns_(header_.fields) {}

Result<SourceCsv> SourceCsv::Open(const std::filesystem::path& path, CsvOptions options) {
  SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<CsvReader> reader, CsvReader::Open(path, options));
  CsvRecord header;
  SPHERE_ASSIGN_OR_RETURN(bool has_header, reader->Next(header));
  return SourceCsv(std::move(reader), std::move(header), has_header);
}

Status SourceCsv::CheckColumns() const { return columns_.Check(reader_->path(), header_.line); }

Result<bool> SourceCsv::NextRow(CsvRecord& record, ImportReport& report) {
  while (true) {
    SPHERE_ASSIGN_OR_RETURN(bool more, reader_->Next(record));
    if (!more) return false;
    std::string problem = FieldCountProblem(record, columns_);
    if (problem.empty()) return true;
    report.Reject(record.line, std::move(problem));
  }
}

std::optional<std::string> NicheOf(std::string_view cell) {
  if (IsMissing(cell)) return std::nullopt;
  std::string niche(Trim(cell));
  for (char& c : niche) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return niche;
}

std::optional<std::string> TextOf(std::string_view cell) {
  if (IsMissing(cell)) return std::nullopt;
  return std::string(Trim(cell));
}

// ---- Handles ----------------------------------------------------------------------------

bool IsUsername(std::string_view handle) {
  if (handle.empty()) return false;
  for (char c : handle) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string InstagramHandleProblem(std::string_view handle) {
  if (handle.empty()) return "missing";
  if (!IsUsername(handle)) {
    return "'" + std::string(handle) + "' is not an Instagram username (only a-z, 0-9, '.', '_')";
  }
  if (handle.size() > 30) return "'" + std::string(handle) + "' is longer than 30 characters";
  return "";
}

// ---- Repairs ----------------------------------------------------------------------------

void AppendNote(std::string& notes, std::string_view note) {
  if (note.empty()) return;
  if (!notes.empty()) notes += "; ";
  notes += note;
}

namespace {

// Decodes one UTF-8 sequence at text[i]; returns its length, or 0 when it is invalid
// (truncated, overlong, a surrogate or beyond U+10FFFF).
size_t DecodeUtf8(std::string_view text, size_t i, char32_t& cp) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b0 = byte(i);
  size_t len = b0 < 0x80           ? 1
               : (b0 >> 5) == 0x6  ? 2
               : (b0 >> 4) == 0xE  ? 3
               : (b0 >> 3) == 0x1E ? 4
                                   : 0;
  if (len == 0 || i + len > text.size()) return 0;
  cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr char32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

bool IsValidUtf8(std::string_view text) {
  char32_t cp = 0;
  for (size_t i = 0; i < text.size();) {
    size_t len = DecodeUtf8(text, i, cp);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

}  // namespace

std::optional<std::string> UndoDoubleEncodedUtf8(std::string_view text) {
  std::string bytes;
  bool any_high = false;
  char32_t cp = 0;
  for (size_t i = 0; i < text.size();) {
    size_t len = DecodeUtf8(text, i, cp);
    // Only text made entirely of Latin-1 code points can be Latin-1 read of UTF-8 bytes.
    if (len == 0 || cp > 0xFF) return std::nullopt;
    any_high = any_high || cp >= 0x80;
    bytes += static_cast<char>(cp);
    i += len;
  }
  if (!any_high || !IsValidUtf8(bytes)) return std::nullopt;
  return bytes;
}

std::optional<UnixSeconds> ParseDigitTimestamp(std::string_view text) {
  std::string_view d = text.substr(0, 14);
  if (d.size() != 14 || d.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  std::string iso = std::string(d.substr(0, 4)) + "-" + std::string(d.substr(4, 2)) + "-" +
                    std::string(d.substr(6, 2)) + "T" + std::string(d.substr(8, 2)) + ":" +
                    std::string(d.substr(10, 2)) + ":" + std::string(d.substr(12, 2)) + "Z";
  Result<UnixSeconds> t = ParseIsoTime(iso);
  if (!t.ok()) return std::nullopt;
  return *t;
}

// ---- Records ----------------------------------------------------------------------------

Status Emit(Creator creator, RecordSink& sink, ImportReport& report) {
  SPHERE_RETURN_IF_ERROR(sink.Accept(std::move(creator)));
  report.CountCreator();
  return Status::Ok();
}

Status Emit(Post post, RecordSink& sink, ImportReport& report) {
  SPHERE_RETURN_IF_ERROR(sink.Accept(std::move(post)));
  report.CountPost();
  return Status::Ok();
}

Status Emit(Snapshot snapshot, RecordSink& sink, ImportReport& report) {
  SPHERE_RETURN_IF_ERROR(sink.Accept(std::move(snapshot)));
  report.CountSnapshot();
  return Status::Ok();
}

Snapshot ProfileSnapshot(const Creator& profile) {
  Snapshot snapshot;
  snapshot.platform = profile.platform;
  snapshot.creator_handle = profile.handle;
  snapshot.taken_at = profile.stats_as_of;
  snapshot.source = profile.source;
  snapshot.followers = profile.followers;
  snapshot.following = profile.following;
  snapshot.posts_count = profile.posts_count;
  return snapshot;
}

std::string ToJsonText(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// ---- Recognising a file (Format::matches) ------------------------------------------------

std::string_view StripLineEnd(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  return line;
}

bool HasExtension(const std::filesystem::path& path, std::string_view extension) {
  std::string name = path.filename().string();
  std::string_view n = name;
  if (n.ends_with(".gz")) n.remove_suffix(3);
  return n.ends_with(extension);
}

std::vector<std::string> SplitHeaderLine(std::string_view line, char delimiter) {
  line = StripLineEnd(line);
  std::vector<std::string> names;
  size_t start = 0;
  while (true) {
    size_t end = line.find(delimiter, start);
    names.push_back(CsvHeader::Fold(line.substr(start, end - start)));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return names;
}

bool HeaderLineIs(std::string_view line, std::span<const std::string_view> expected,
                  char delimiter) {
  std::vector<std::string> names = SplitHeaderLine(line, delimiter);
  if (names.size() != expected.size()) return false;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] != CsvHeader::Fold(expected[i])) return false;
  }
  return true;
}

std::function<bool(const std::filesystem::path&, std::string_view)> MatchesHeader(
    std::vector<std::string_view> expected, char delimiter) {
  return [expected = std::move(expected), delimiter](const std::filesystem::path&,
                                                     std::string_view first_line) {
    return HeaderLineIs(first_line, expected, delimiter);
  };
}

}  // namespace sphere::ingest
