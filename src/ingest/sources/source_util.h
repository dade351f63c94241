// What the source importers (sources/*.cc) share: reading a file's rows against its header
// so that every problem is reported the way ImportReport wants it, named after its column
// ("likes: '12x' is not an integer"), and the small rules that several data sets need.
//
// Typical use in an importer:
//   SPHERE_ASSIGN_OR_RETURN(SourceCsv csv, SourceCsv::Open(path));
//   if (!csv.has_header()) return InvalidArgument(...);
//   const size_t likes = csv.columns().Require("likes");
//   SPHERE_RETURN_IF_ERROR(csv.CheckColumns());  // whole-file failure
//   CsvRecord record;
//   while (true) {
//     SPHERE_ASSIGN_OR_RETURN(bool more, csv.NextRow(record, report));
//     if (!more) break;
//     RowFields row(record, csv.columns());
//     std::optional<int64_t> n = row.Integer(likes);
//     if (!row.ok()) { report.Reject(record.line, row.error()); continue; }
//     ...
//   }
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "ingest/csv_reader.h"
#include "ingest/importer.h"

namespace sphere::ingest {

// ---- Reading rows and cells ------------------------------------------------------------

// Column positions looked up by header name (CsvHeader folding: case and runs of white
// space ignored). The first required name that is absent is remembered, so the importer
// can refuse the whole file once with "path:line: missing column X".
class Columns {
 public:
  explicit Columns(const std::vector<std::string>& header_cells);

  // The position of `name`; when absent, Check() fails and the returned 0 must not be used.
  size_t Require(std::string_view name);
  // Require() of each name, in order.
  std::vector<size_t> RequireAll(std::span<const std::string_view> names);
  std::optional<size_t> Find(std::string_view name) const { return header_.Find(name); }
  // InvalidArgument "path:line: missing column X" for the first absent required name.
  Status Check(const std::filesystem::path& path, int64_t header_line) const;

  size_t size() const { return names_.size(); }
  // The column's name as the file spells it (trimmed), for messages.
  const std::string& name(size_t column) const { return names_[column]; }

 private:
  CsvHeader header_;
  std::vector<std::string> names_;
  std::string missing_;
};

enum class Need { kRequired, kOptional };  // kOptional: a missing cell (IsMissing) is nullopt
enum class Sign { kNonNegative, kAny };

// Parses the cells of one record. Each getter returns nullopt when the cell is missing
// (an error too when it is required) or malformed; only the first problem is kept.
class RowFields {
 public:
  RowFields(const CsvRecord& record, const Columns& columns) : record_(record), columns_(columns) {}

  // The raw cell; "" past the end of a short record.
  std::string_view Text(size_t column) const;

  // "1,234", "1234.0" (ParseInteger).
  std::optional<int64_t> Integer(size_t column, Need need = Need::kRequired,
                                 Sign sign = Sign::kNonNegative);
  // "3.3k", "475.8m", "1,234" (ParseCount).
  std::optional<int64_t> Count(size_t column, Need need = Need::kRequired,
                               Sign sign = Sign::kNonNegative);
  std::optional<double> Decimal(size_t column, Need need = Need::kRequired);
  // "1.39%" -> 0.0139; "NaN%" counts as missing.
  std::optional<double> Percent(size_t column, Need need = Need::kRequired);
  // True/False in any case, or 1/0.
  std::optional<bool> Bool(size_t column, Need need = Need::kRequired);

  // Records a problem the importer found itself: "<column name>: <problem>".
  void Fail(size_t column, std::string_view problem);
  // Records a problem that belongs to no single column.
  void Fail(std::string reason);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  bool CheckPresent(size_t column, Need need);

  const CsvRecord& record_;
  const Columns& columns_;
  std::string error_;
};

// "row has 7 fields; the header has 10", or "" when the counts agree.
std::string FieldCountProblem(const CsvRecord& record, const Columns& columns);

// A source CSV file read record by record against its header record.
class SourceCsv {
 public:
  // Opens `path` and reads its header record. Errors are CsvReader's (Unavailable when the
  // file cannot be read). An empty file is not an error here: see has_header().
  static Result<SourceCsv> Open(const std::filesystem::path& path, CsvOptions options = {});

  // False when the file holds no record at all; each importer words that failure itself.
  bool has_header() const { return has_header_; }
  const CsvRecord& header() const { return header_; }
  // Require() the importer's columns here, then CheckColumns().
  Columns& columns() { return columns_; }
  const Columns& columns() const { return columns_; }
  // InvalidArgument "path:line: missing column X" for the first required name not found.
  Status CheckColumns() const;

  // Fills `record` with the next record that has as many fields as the header and returns
  // true; false at the end. A record with another count is rejected in `report`
  // (FieldCountProblem) and skipped, so every row is still accounted for.
  Result<bool> NextRow(CsvRecord& record, ImportReport& report);

 private:
  SourceCsv(std::unique_ptr<CsvReader> reader, CsvRecord header, bool has_header);

  std::unique_ptr<CsvReader> reader_;
  CsvRecord header_;
  bool has_header_;
  Columns columns_;
};

// A category cell as a niche: trimmed and ASCII lower-cased; nullopt when missing.
std::optional<std::string> NicheOf(std::string_view cell);
// A text cell, trimmed; nullopt when it is one of the spellings of "no value".
std::optional<std::string> TextOf(std::string_view cell);

// ---- Handles ----------------------------------------------------------------------------

// Instagram and TikTok usernames are letters, digits, '.' and '_' (after NormalizeHandle
// lower-cased them); anything else in a username field is a display name or damage.
bool IsUsername(std::string_view handle);

// Why `handle` (already normalised) cannot be an Instagram username, which is 1-30 of
// a-z, 0-9, '.' and '_' ("missing" when it is empty); "" when it can be.
std::string InstagramHandleProblem(std::string_view handle);

// ---- Repairs ----------------------------------------------------------------------------

// Adds one note to a row's "; "-separated repair notes (nothing when `note` is empty).
void AppendNote(std::string& notes, std::string_view note);

// Text that was UTF-8, decoded as Latin-1 and encoded again ("CÃ´te d'Ivoire"), decoded
// back ("Côte d'Ivoire"). nullopt when `text` does not look like that (the common case).
std::optional<std::string> UndoDoubleEncodedUtf8(std::string_view text);

// The UTC time that scrapers and archives write as 14 digits, "YYYYMMDDhhmmss", at the
// start of `text` (anything may follow). nullopt when they are not there or not a time.
std::optional<UnixSeconds> ParseDigitTimestamp(std::string_view text);

// ---- Records ----------------------------------------------------------------------------

// Hands a record to the sink and counts it in the report, so the two always agree.
Status Emit(Creator creator, RecordSink& sink, ImportReport& report);
Status Emit(Post post, RecordSink& sink, ImportReport& report);
Status Emit(Snapshot snapshot, RecordSink& sink, ImportReport& report);

// The time-series point of a profile row (a ranking that lists each creator's counts):
// the creator's key and source, followers, following and posts, taken at stats_as_of.
Snapshot ProfileSnapshot(const Creator& profile);

// Serialises extra_json. Invalid UTF-8 (a damaged source) becomes U+FFFD instead of
// throwing, so a bad byte in one name never aborts an import.
std::string ToJsonText(const nlohmann::json& value);

// ---- Recognising a file (Format::matches) ------------------------------------------------

// A line without the line breaks ("\n", "\r\n") it ends with.
std::string_view StripLineEnd(std::string_view line);

// True when the file name ends in `extension` (".csv"), gzipped or not (".csv.gz").
bool HasExtension(const std::filesystem::path& path, std::string_view extension);

// The unquoted, delimiter-separated names of a header line, folded as CsvHeader folds
// them. Only for headers without quoted names; enough for `Format::matches`.
std::vector<std::string> SplitHeaderLine(std::string_view line, char delimiter = ',');

// True when `line` names exactly `expected` (folded, in order).
bool HeaderLineIs(std::string_view line, std::span<const std::string_view> expected,
                  char delimiter = ',');

// A Format::matches for a file recognised by its exact header line, whatever its name.
std::function<bool(const std::filesystem::path&, std::string_view)> MatchesHeader(
    std::vector<std::string_view> expected, char delimiter = ',');

}  // namespace sphere::ingest
