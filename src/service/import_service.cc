#include "service/import_service.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "ingest/text_input.h"

namespace sphere::service {
namespace {

// Collects records into batches and writes each batch in one transaction. Parsing and
// writing overlap: full batches go to a writer thread through a queue of at most
// kQueuedBatches, so on two cores the parser fills the next batch while the store commits
// the last one. The store is only ever used from the writer thread while it runs.
class StoreSink : public ingest::RecordSink {
 public:
  StoreSink(Store& store, const std::filesystem::path& file, size_t batch_records,
            const ProgressFn& progress, std::function<void(const ImportBatch&)> on_written)
      : store_(store),
        batch_records_(batch_records),
        progress_(progress),
        on_written_(std::move(on_written)) {
    progress_state_.file = file;
    writer_ = std::thread([this] { WriteLoop(); });
  }

  ~StoreSink() override { StopWriter(); }

  Status Accept(Creator creator) override {
    batch_.creators.push_back(std::move(creator));
    return HandOverIfFull();
  }
  Status Accept(Post post) override {
    batch_.posts.push_back(std::move(post));
    return HandOverIfFull();
  }
  Status Accept(Snapshot snapshot) override {
    batch_.snapshots.push_back(std::move(snapshot));
    return HandOverIfFull();
  }

  // Hands over the last partial batch and waits until everything is written; returns
  // the first write error, if any. After Finish the sink accepts nothing more.
  Status Finish() {
    Status handed = batch_.empty() ? Status::Ok() : HandOver();
    StopWriter();
    std::lock_guard lock(mutex_);
    return write_error_.ok() ? handed : write_error_;
  }

  WriteCounts written() {
    std::lock_guard lock(mutex_);
    return progress_state_.written;
  }

 private:
  static constexpr size_t kQueuedBatches = 2;

  Status HandOverIfFull() { return batch_.size() >= batch_records_ ? HandOver() : Status::Ok(); }

  Status HandOver() {
    std::unique_lock lock(mutex_);
    space_.wait(lock, [&] { return queue_.size() < kQueuedBatches || !write_error_.ok(); });
    if (!write_error_.ok()) return write_error_;  // stop parsing: nothing more can land
    queue_.push_back(std::move(batch_));
    batch_ = ImportBatch();
    work_.notify_one();
    return Status::Ok();
  }

  void WriteLoop() {
    while (true) {
      ImportBatch batch;
      {
        std::unique_lock lock(mutex_);
        work_.wait(lock, [&] { return !queue_.empty() || stopping_; });
        if (queue_.empty()) return;
        batch = std::move(queue_.front());
        queue_.pop_front();
        space_.notify_one();
      }
      Result<WriteCounts> counts = store_.WriteBatch(batch);
      std::lock_guard lock(mutex_);
      if (!counts.ok()) {
        write_error_ = counts.error();
        queue_.clear();
        space_.notify_all();
        return;
      }
      if (on_written_) on_written_(batch);
      progress_state_.records += static_cast<int64_t>(batch.size());
      progress_state_.written += *counts;
      // Called under the lock so reports arrive in order; it must be quick.
      if (progress_) progress_(progress_state_);
    }
  }

  void StopWriter() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    work_.notify_all();
    if (writer_.joinable()) writer_.join();
  }

  Store& store_;
  size_t batch_records_;
  const ProgressFn& progress_;
  const std::function<void(const ImportBatch&)> on_written_;
  ImportBatch batch_;  // being filled by the parser

  std::mutex mutex_;               // guards everything below
  std::condition_variable work_;   // a batch was queued, or stopping
  std::condition_variable space_;  // a batch was taken, or the writer failed
  std::deque<ImportBatch> queue_;
  bool stopping_ = false;
  Status write_error_;
  ImportProgress progress_state_;
  std::thread writer_;
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

  StoreSink sink(store, path, std::max<size_t>(1, options.batch_records), progress,
                 options.on_written);
  Status parsed = format->run(path, sink, result.report);
  Status written = sink.Finish();  // also when parsing failed: land what was handed over
  SPHERE_RETURN_IF_ERROR(written);
  SPHERE_RETURN_IF_ERROR(parsed);
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
