#include "ingest/canonical/canonical_writer.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <system_error>

#include "core/time.h"
#include "ingest/canonical/canonical_fields.h"

namespace sphere::ingest {
namespace {

using canonical::Field;
using canonical::OutputValue;

// Output is collected in memory and written in large blocks: one fwrite per ~1 MiB
// instead of one per row is what makes a million rows take seconds.
constexpr size_t kFlushBytes = 1 << 20;

// The latest time FormatIsoTime writes with a four-digit year; later (or negative) times
// are written as unix seconds, which the importers accept too.
constexpr UnixSeconds kLastIsoSecond = 253'402'300'799;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

class OutputFile {
 public:
  static Result<OutputFile> Create(const std::filesystem::path& path) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) {
      return Unavailable("cannot create " + path.string() + ": " + std::strerror(errno));
    }
    OutputFile out;
    out.file_.reset(f);
    out.path_ = path;
    out.buffer_.reserve(kFlushBytes + kFlushBytes / 4);
    return out;
  }

  std::string& buffer() { return buffer_; }

  Status FlushIfFull() { return buffer_.size() >= kFlushBytes ? Flush() : Status::Ok(); }

  Status Flush() {
    if (!file_) return FailedPrecondition(path_.string() + ": already closed");
    if (!buffer_.empty() &&
        std::fwrite(buffer_.data(), 1, buffer_.size(), file_.get()) != buffer_.size()) {
      return Unavailable("cannot write " + path_.string() + ": " + std::strerror(errno));
    }
    buffer_.clear();
    return Status::Ok();
  }

  Status Close() {
    if (!file_) return Status::Ok();
    Status flushed = Flush();
    std::FILE* f = file_.release();
    if (std::fclose(f) != 0 && flushed.ok()) {
      return Unavailable("cannot write " + path_.string() + ": " + std::strerror(errno));
    }
    return flushed;
  }

  bool closed() const { return !file_; }

 private:
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::filesystem::path path_;
  std::string buffer_;
};

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Shortest text that parses back to the same double.
void AppendDouble(std::string& out, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Times from 1970 to 9999 as FormatIsoTime writes them; others as unix seconds.
void AppendTime(std::string& out, UnixSeconds t) {
  if (t < 0 || t > kLastIsoSecond) {
    AppendInt(out, t);
    return;
  }
  AppendIsoTime(out, t);
}

}  // namespace

void AppendCsvText(std::string& out, std::string_view s) {
  bool quote = !s.empty() && (s.front() == ' ' || s.front() == '\t' || s.back() == ' ' ||
                              s.back() == '\t' || s.find_first_of(",\"\r\n") != s.npos);
  if (!quote) {
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

namespace {

void AppendCsvCell(std::string& out, const OutputValue& v) {
  switch (v.type) {
    case OutputValue::Type::kAbsent:
      return;
    case OutputValue::Type::kString:
    case OutputValue::Type::kJsonObject:
      AppendCsvText(out, v.text);
      return;
    case OutputValue::Type::kInt:
      AppendInt(out, v.integer);
      return;
    case OutputValue::Type::kDouble:
      AppendDouble(out, v.decimal);
      return;
    case OutputValue::Type::kBool:
      out += v.boolean ? "true" : "false";
      return;
    case OutputValue::Type::kTime:
      AppendTime(out, v.integer);
      return;
  }
}

template <typename Record>
void AppendCsvHeader(std::string& out, std::span<const Field<Record>> fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += fields[i].name;
  }
  out += '\n';
}

template <typename Record>
void AppendCsvRow(std::string& out, std::span<const Field<Record>> fields, const Record& r) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    AppendCsvCell(out, canonical::Read(fields[i], r));
  }
  out += '\n';
}

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 0xf];
        } else {
          out += c;  // UTF-8 (checked before writing) passes through
        }
    }
  }
  out += '"';
}

template <typename Record>
void AppendJsonLine(std::string& out, std::string_view type, std::span<const Field<Record>> fields,
                    const Record& r) {
  out += "{\"type\":\"";
  out += type;
  out += '"';
  for (const Field<Record>& f : fields) {
    OutputValue v = canonical::Read(f, r);
    if (v.type == OutputValue::Type::kAbsent) continue;
    out += ",\"";
    out += f.name;
    out += "\":";
    switch (v.type) {
      case OutputValue::Type::kAbsent:
        break;
      case OutputValue::Type::kString:
        AppendJsonString(out, v.text);
        break;
      case OutputValue::Type::kJsonObject:
        out += v.text;
        break;
      case OutputValue::Type::kInt:
        AppendInt(out, v.integer);
        break;
      case OutputValue::Type::kDouble:
        AppendDouble(out, v.decimal);
        break;
      case OutputValue::Type::kBool:
        out += v.boolean ? "true" : "false";
        break;
      case OutputValue::Type::kTime:
        if (v.integer < 0 || v.integer > kLastIsoSecond) {
          AppendInt(out, v.integer);
        } else {
          out += '"';
          AppendTime(out, v.integer);
          out += '"';
        }
        break;
    }
  }
  out += "}\n";
}

Status PrepareDirectory(const std::filesystem::path& directory) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) return Unavailable("cannot create " + directory.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace

struct CanonicalCsvWriter::Files {
  OutputFile creators;
  OutputFile posts;
  OutputFile snapshots;
};

CanonicalCsvWriter::CanonicalCsvWriter(std::unique_ptr<Files> files) : files_(std::move(files)) {}

CanonicalCsvWriter::~CanonicalCsvWriter() {
  if (files_) (void)Close();
}

Result<std::unique_ptr<CanonicalCsvWriter>> CanonicalCsvWriter::Open(
    const std::filesystem::path& directory) {
  SPHERE_RETURN_IF_ERROR(PrepareDirectory(directory));
  SPHERE_ASSIGN_OR_RETURN(OutputFile creators, OutputFile::Create(directory / "creators.csv"));
  SPHERE_ASSIGN_OR_RETURN(OutputFile posts, OutputFile::Create(directory / "posts.csv"));
  SPHERE_ASSIGN_OR_RETURN(OutputFile snapshots, OutputFile::Create(directory / "snapshots.csv"));
  AppendCsvHeader(creators.buffer(), canonical::CreatorFields());
  AppendCsvHeader(posts.buffer(), canonical::PostFields());
  AppendCsvHeader(snapshots.buffer(), canonical::SnapshotFields());
  auto files =
      std::make_unique<Files>(Files{std::move(creators), std::move(posts), std::move(snapshots)});
  return std::unique_ptr<CanonicalCsvWriter>(new CanonicalCsvWriter(std::move(files)));
}

Status CanonicalCsvWriter::Accept(Creator creator) {
  if (files_->creators.closed()) return FailedPrecondition("the CSV writer is closed");
  SPHERE_RETURN_IF_ERROR(canonical::CheckWritable(creator));
  AppendCsvRow(files_->creators.buffer(), canonical::CreatorFields(), creator);
  ++creators_;
  return files_->creators.FlushIfFull();
}

Status CanonicalCsvWriter::Accept(Post post) {
  if (files_->posts.closed()) return FailedPrecondition("the CSV writer is closed");
  SPHERE_RETURN_IF_ERROR(canonical::CheckWritable(post));
  AppendCsvRow(files_->posts.buffer(), canonical::PostFields(), post);
  ++posts_;
  return files_->posts.FlushIfFull();
}

Status CanonicalCsvWriter::Accept(Snapshot snapshot) {
  if (files_->snapshots.closed()) return FailedPrecondition("the CSV writer is closed");
  SPHERE_RETURN_IF_ERROR(canonical::CheckWritable(snapshot));
  AppendCsvRow(files_->snapshots.buffer(), canonical::SnapshotFields(), snapshot);
  ++snapshots_;
  return files_->snapshots.FlushIfFull();
}

Status CanonicalCsvWriter::Close() {
  Status creators = files_->creators.Close();
  Status posts = files_->posts.Close();
  Status snapshots = files_->snapshots.Close();
  if (!creators.ok()) return creators;
  if (!posts.ok()) return posts;
  return snapshots;
}

struct CanonicalJsonlWriter::File {
  OutputFile out;
};

CanonicalJsonlWriter::CanonicalJsonlWriter(std::unique_ptr<File> file) : file_(std::move(file)) {}

CanonicalJsonlWriter::~CanonicalJsonlWriter() {
  if (file_) (void)Close();
}

Result<std::unique_ptr<CanonicalJsonlWriter>> CanonicalJsonlWriter::Open(
    const std::filesystem::path& path) {
  if (path.has_parent_path()) SPHERE_RETURN_IF_ERROR(PrepareDirectory(path.parent_path()));
  SPHERE_ASSIGN_OR_RETURN(OutputFile out, OutputFile::Create(path));
  return std::unique_ptr<CanonicalJsonlWriter>(
      new CanonicalJsonlWriter(std::make_unique<File>(File{std::move(out)})));
}

Status CanonicalJsonlWriter::Accept(Creator creator) {
  if (file_->out.closed()) return FailedPrecondition("the JSONL writer is closed");
  SPHERE_RETURN_IF_ERROR(canonical::CheckWritable(creator));
  AppendJsonLine(file_->out.buffer(), "creator", canonical::CreatorFields(), creator);
  ++records_;
  return file_->out.FlushIfFull();
}

Status CanonicalJsonlWriter::Accept(Post post) {
  if (file_->out.closed()) return FailedPrecondition("the JSONL writer is closed");
  SPHERE_RETURN_IF_ERROR(canonical::CheckWritable(post));
  AppendJsonLine(file_->out.buffer(), "post", canonical::PostFields(), post);
  ++records_;
  return file_->out.FlushIfFull();
}

Status CanonicalJsonlWriter::Accept(Snapshot snapshot) {
  if (file_->out.closed()) return FailedPrecondition("the JSONL writer is closed");
  SPHERE_RETURN_IF_ERROR(canonical::CheckWritable(snapshot));
  AppendJsonLine(file_->out.buffer(), "snapshot", canonical::SnapshotFields(), snapshot);
  ++records_;
  return file_->out.FlushIfFull();
}

Status CanonicalJsonlWriter::Close() { return file_->out.Close(); }

}  // namespace sphere::ingest
