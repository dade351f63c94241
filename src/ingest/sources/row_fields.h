// Reading one source row's cells by column name, so that every problem is reported the
// way ImportReport wants it: named after its column ("likes: '12x' is not an integer").
//
// Typical use in an importer:
//   Columns cols(header_record.fields);
//   const size_t likes = cols.Require("likes");
//   SPHERE_RETURN_IF_ERROR(cols.Check(path, header_record.line));  // whole-file failure
//   ...
//   RowFields row(record, cols);
//   std::optional<int64_t> n = row.Integer(likes);
//   if (!row.ok()) { report.Reject(record.line, row.error()); continue; }
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ingest/csv_reader.h"

namespace sphere::ingest {

// Column positions looked up by header name (CsvHeader folding: case and runs of white
// space ignored). The first required name that is absent is remembered, so the importer
// can refuse the whole file once with "path:line: missing column X".
class Columns {
 public:
  explicit Columns(const std::vector<std::string>& header_cells);

  // The position of `name`; when absent, Check() fails and the returned 0 must not be used.
  size_t Require(std::string_view name);
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

// Why `handle` (already normalised) cannot be an Instagram username, which is 1-30 of
// a-z, 0-9, '.' and '_' ("missing" when it is empty); "" when it can be.
std::string InstagramHandleProblem(std::string_view handle);

// Text that was UTF-8, decoded as Latin-1 and encoded again ("CÃ´te d'Ivoire"), decoded
// back ("Côte d'Ivoire"). nullopt when `text` does not look like that (the common case).
std::optional<std::string> UndoDoubleEncodedUtf8(std::string_view text);

}  // namespace sphere::ingest
