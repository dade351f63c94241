// Writers of the canonical formats (docs/data-formats.md): RecordSinks that turn records
// into files the canonical importers read back to the same records. Used to export, and
// by synth/ to write generated data.
//
// Both buffer their output (no flush per row) and write UTF-8. A record that could not be
// read back unchanged (an empty or unnormalised handle, an empty post id, a negative count,
// a non-finite number, invalid UTF-8, an extra_json that is not a JSON object) is refused
// with InvalidArgument naming the field, and nothing of it is written. Two exceptions,
// because the formats cannot tell them apart from unknown: an empty source re-imports as
// "canonical", and an optional text that is present but empty re-imports as unknown.
//
// Not thread-safe. Call Close() and check it: write errors surface there at the latest.
// The destructor closes the files but cannot report errors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "ingest/importer.h"

namespace sphere::ingest {

// One CSV cell of text: RFC 4180 quoting, plus quotes around leading or trailing blanks,
// which the CSV reader (libcsv) would otherwise trim. For any CSV this project writes.
void AppendCsvText(std::string& out, std::string_view text);

class CanonicalCsvWriter : public RecordSink {
 public:
  // Creates `directory` (and its parents) if needed and creates or truncates
  // creators.csv, posts.csv and snapshots.csv in it, each starting with its full header.
  // Unavailable when a file cannot be created.
  static Result<std::unique_ptr<CanonicalCsvWriter>> Open(const std::filesystem::path& directory);
  ~CanonicalCsvWriter() override;
  CanonicalCsvWriter(const CanonicalCsvWriter&) = delete;
  CanonicalCsvWriter& operator=(const CanonicalCsvWriter&) = delete;

  // InvalidArgument for a record that would not re-import unchanged; Unavailable on a
  // write error; FailedPrecondition after Close().
  Status Accept(Creator creator) override;
  Status Accept(Post post) override;
  Status Accept(Snapshot snapshot) override;

  // Flushes and closes the three files. Returns the first write error, if any.
  Status Close();

  int64_t creators() const { return creators_; }
  int64_t posts() const { return posts_; }
  int64_t snapshots() const { return snapshots_; }

 private:
  struct Files;
  explicit CanonicalCsvWriter(std::unique_ptr<Files> files);

  std::unique_ptr<Files> files_;
  int64_t creators_ = 0;
  int64_t posts_ = 0;
  int64_t snapshots_ = 0;
};

class CanonicalJsonlWriter : public RecordSink {
 public:
  // Creates or truncates `path` (creating its parent directory if needed).
  static Result<std::unique_ptr<CanonicalJsonlWriter>> Open(const std::filesystem::path& path);
  ~CanonicalJsonlWriter() override;
  CanonicalJsonlWriter(const CanonicalJsonlWriter&) = delete;
  CanonicalJsonlWriter& operator=(const CanonicalJsonlWriter&) = delete;

  // As CanonicalCsvWriter::Accept; one line per record.
  Status Accept(Creator creator) override;
  Status Accept(Post post) override;
  Status Accept(Snapshot snapshot) override;

  Status Close();

  int64_t records() const { return records_; }

 private:
  struct File;
  explicit CanonicalJsonlWriter(std::unique_ptr<File> file);

  std::unique_ptr<File> file_;
  int64_t records_ = 0;
};

}  // namespace sphere::ingest
