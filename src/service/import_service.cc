#include "service/import_service.h"

#include <algorithm>
#include <chrono>

#include "ingest/text_input.h"

namespace sphere::service {
namespace {

// Collects records into batches and writes each batch in one transaction.
class StoreSink : public ingest::RecordSink {
 public:
  StoreSink(Store& store, const std::filesystem::path& file, size_t batch_records,
            const ProgressFn& progress)
      : store_(store), batch_records_(batch_records), progress_(progress) {
    progress_state_.file = file;
  }

  Status Accept(Creator creator) override {
    batch_.creators.push_back(std::move(creator));
    return FlushIfFull();
  }
  Status Accept(Post post) override {
    batch_.posts.push_back(std::move(post));
    return FlushIfFull();
  }
  Status Accept(Snapshot snapshot) override {
    batch_.snapshots.push_back(std::move(snapshot));
    return FlushIfFull();
  }

  Status Flush() {
    if (batch_.empty()) return Status::Ok();
    SPHERE_ASSIGN_OR_RETURN(WriteCounts counts, store_.WriteBatch(batch_));
    progress_state_.records += static_cast<int64_t>(batch_.size());
    progress_state_.written += counts;
    batch_.clear();
    if (progress_) progress_(progress_state_);
    return Status::Ok();
  }

  const WriteCounts& written() const { return progress_state_.written; }

 private:
  Status FlushIfFull() { return batch_.size() >= batch_records_ ? Flush() : Status::Ok(); }

  Store& store_;
  size_t batch_records_;
  const ProgressFn& progress_;
  ImportBatch batch_;
  ImportProgress progress_state_;
};

bool IsDocumentation(const std::filesystem::path& path) {
  std::string name = path.filename().string();
  if (name.starts_with(".")) return true;
  if (path.extension() == ".md") return true;
  std::string stem = path.stem().string();
  return stem == "README" || stem == "LICENSE" || stem == "SOURCES";
}

}  // namespace

Result<FileImport> ImportFile(Store& store, const std::filesystem::path& path,
                              const ImportOptions& options, const ProgressFn& progress) {
  auto started = std::chrono::steady_clock::now();
  const ingest::Format* format = nullptr;
  if (options.format.empty()) {
    SPHERE_ASSIGN_OR_RETURN(format, ingest::DetectFormat(path));
  } else {
    SPHERE_ASSIGN_OR_RETURN(format, ingest::FormatNamed(options.format));
  }
  FileImport result;
  SPHERE_ASSIGN_OR_RETURN(result.sha256, ingest::Sha256OfFile(path));
  result.report = ingest::ImportReport(path.string(), std::string(format->name));

  StoreSink sink(store, path, std::max<size_t>(1, options.batch_records), progress);
  SPHERE_RETURN_IF_ERROR(format->run(path, sink, result.report));
  SPHERE_RETURN_IF_ERROR(sink.Flush());
  result.written = sink.written();

  ImportRecord record;
  record.path = path.string();
  record.sha256 = result.sha256;
  record.format = std::string(format->name);
  record.rows_loaded = result.report.rows_loaded();
  record.rows_rejected = result.report.rows_rejected();
  record.finished_at = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  SPHERE_RETURN_IF_ERROR(store.RecordImport(record));
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

Result<std::vector<std::filesystem::path>> ExpandImportPaths(
    const std::vector<std::filesystem::path>& paths) {
  std::vector<std::filesystem::path> files;
  for (const std::filesystem::path& p : paths) {
    std::error_code ec;
    auto status = std::filesystem::status(p, ec);
    if (ec || !std::filesystem::exists(status)) {
      return NotFound(p.string() + ": no such file or directory");
    }
    if (!std::filesystem::is_directory(status)) {
      files.push_back(p);
      continue;
    }
    std::vector<std::filesystem::path> found;
    for (auto it = std::filesystem::recursive_directory_iterator(p, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file() && !IsDocumentation(it->path())) found.push_back(it->path());
    }
    if (ec) return Unavailable(p.string() + ": cannot list: " + ec.message());
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

}  // namespace sphere::service
