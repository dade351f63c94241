// The importer contract: one function per source format reads a file and hands the
// records it finds to a RecordSink, and accounts for every row in an ImportReport.
//
// Importers do no storage I/O (the service layer's sink writes to a Store), so the
// same importer is measured parse-only in bench/ and tested without a database.
// Rules every importer keeps:
//   - a row that cannot be used is rejected with file:line: reason, never dropped;
//   - a row repaired from known damage (see data/SOURCES.md) is loaded and the repair
//     is noted, so nothing changes silently;
//   - a creator is handed to the sink before any post or snapshot that refers to it;
//   - the same file always yields the same records (re-imports change nothing).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/domain.h"
#include "core/status.h"

namespace sphere::ingest {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // A non-OK status aborts the import (the store is unreachable, say).
  virtual Status Accept(Creator creator) = 0;
  virtual Status Accept(Post post) = 0;
  virtual Status Accept(Snapshot snapshot) = 0;
};

struct RowIssue {
  int64_t line = 0;
  std::string reason;
};

// What happened to every row of one file.
class ImportReport {
 public:
  ImportReport() = default;
  ImportReport(std::string file, std::string format)
      : file_(std::move(file)), format_(std::move(format)) {}

  // One row (a record of the file: a CSV record, a JSON line, an array element) was used.
  void Loaded() { ++rows_loaded_; }
  // One row was not used; `reason` says why, and names the field when one is at fault.
  void Reject(int64_t line, std::string reason);
  // One row was used after repairing known damage; `what` says what was changed.
  void Repair(int64_t line, std::string what);

  // Emitted records, for the summary.
  void CountCreator() { ++creators_; }
  void CountPost() { ++posts_; }
  void CountSnapshot() { ++snapshots_; }

  const std::string& file() const { return file_; }
  const std::string& format() const { return format_; }
  int64_t rows_loaded() const { return rows_loaded_; }
  int64_t rows_rejected() const { return static_cast<int64_t>(rejected_.size()); }
  int64_t creators() const { return creators_; }
  int64_t posts() const { return posts_; }
  int64_t snapshots() const { return snapshots_; }
  const std::vector<RowIssue>& rejected() const { return rejected_; }
  const std::vector<RowIssue>& repaired() const { return repaired_; }

  // "data/x.csv:12: likes: '12x' is not an integer"
  std::string Describe(const RowIssue& issue) const;

 private:
  std::string file_;
  std::string format_;
  int64_t rows_loaded_ = 0;
  int64_t creators_ = 0;
  int64_t posts_ = 0;
  int64_t snapshots_ = 0;
  std::vector<RowIssue> rejected_;
  std::vector<RowIssue> repaired_;
};

// Reads `path` completely. Row problems go to `report`; the returned Status is non-OK
// only when the file as a whole cannot be read (missing, wrong format, damaged
// compression) or the sink fails.
using ImportFn = std::function<Status(const std::filesystem::path& path, RecordSink& sink,
                                      ImportReport& report)>;

struct Format {
  std::string_view name;         // "kim_posts", "smi2022", "canonical_csv", ...
  std::string_view description;  // one line for `sphere import --help`
  // Recognises the file from its name and first line (BOM and gzip already removed).
  std::function<bool(const std::filesystem::path& path, std::string_view first_line)> matches;
  ImportFn run;
};

// Every format, in the order detection tries them.
const std::vector<Format>& Formats();
// The format named `name`, or InvalidArgument listing the known names.
Result<const Format*> FormatNamed(std::string_view name);
// The first format that recognises the file, or InvalidArgument saying none did.
Result<const Format*> DetectFormat(const std::filesystem::path& path);

}  // namespace sphere::ingest
