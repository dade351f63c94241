#include "ingest/sources/row_fields.h"

#include "ingest/numbers.h"
#include "ingest/sources/source_util.h"

namespace sphere::ingest {

Columns::Columns(const std::vector<std::string>& header_cells) : header_(header_cells) {
  names_.reserve(header_cells.size());
  for (const std::string& cell : header_cells) names_.emplace_back(Trim(cell));
}

size_t Columns::Require(std::string_view name) {
  if (std::optional<size_t> column = header_.Find(name)) return *column;
  if (missing_.empty()) missing_ = name;
  return 0;
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

std::string InstagramHandleProblem(std::string_view handle) {
  if (handle.empty()) return "missing";
  if (!IsUsername(handle)) {
    return "'" + std::string(handle) + "' is not an Instagram username (only a-z, 0-9, '.', '_')";
  }
  if (handle.size() > 30) return "'" + std::string(handle) + "' is longer than 30 characters";
  return "";
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

}  // namespace sphere::ingest
