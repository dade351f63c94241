// Use case: import files into a Store. Importers (ingest/) parse; this writes what they
// produce in batches, each batch one transaction, and records the finished import.
//
// Why batches and not one transaction per file: a 1M-row file in one transaction holds
// the write lock for its whole run; with batches, a killed import keeps every committed
// batch and a re-run upserts the same rows again (keys are natural: platform+handle,
// platform+post id, creator+source+time), so it completes the store with no duplicates.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ingest/importer.h"
#include "store/store.h"

namespace sphere::service {

struct ImportOptions {
  // Records per transaction. Large enough to amortise the commit, small enough that a
  // crash loses little work.
  size_t batch_records = 10'000;
  // Force a format by name (ingest::Formats()); detect from the file when empty.
  std::string format;
  // Called with each batch once it is committed, on the writing thread, in order (the alerts
  // evaluation after `sphere import` learns here which creators the import touched). Must be
  // quick.
  std::function<void(const ImportBatch&)> on_written;
};

struct ImportProgress {
  std::filesystem::path file;
  int64_t records = 0;  // records handed to the store so far
  WriteCounts written;  // of which inserted or changed
};
using ProgressFn = std::function<void(const ImportProgress&)>;

struct FileImport {
  ingest::ImportReport report;
  WriteCounts written;
  std::string sha256;
  double seconds = 0;
};

// Imports one file. Row rejects are in the returned report; the Status is non-OK only
// when the file cannot be read or recognised, or the store fails (then the batches
// committed so far stay, and re-running the import finishes the job).
// `progress` (optional) is called after every committed batch, from the thread that
// writes to the store (parsing and writing overlap), one call at a time, in order.
Result<FileImport> ImportFile(Store& store, const std::filesystem::path& path,
                              const ImportOptions& options, const ProgressFn& progress = {});

// Files to import for the given paths: a file stands for itself; a directory for every
// regular file below it, recursively, in sorted order, except documentation (*.md,
// *.txt named README/LICENSE/SOURCES) and hidden files. Missing paths are NotFound.
Result<std::vector<std::filesystem::path>> ExpandImportPaths(
    const std::vector<std::filesystem::path>& paths);

}  // namespace sphere::service
