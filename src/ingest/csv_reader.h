// RFC 4180 records (quoted fields may hold delimiters, quotes and newlines) with the
// physical line each record starts on, so every reject can say file:line.
// Parsing is libcsv's; this adds line tracking, encodings, gzip and a header index.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ingest/text_input.h"

namespace sphere::ingest {

struct CsvOptions {
  char delimiter = ',';
  Encoding encoding = Encoding::kUtf8;
  // libcsv trims spaces and tabs around unquoted fields; keep that for CSV, but a
  // tab-separated file must not trim its delimiter.
  bool trim_unquoted = true;
};

struct CsvRecord {
  int64_t line = 0;  // 1-based physical line the record starts on
  std::vector<std::string> fields;

  size_t size() const { return fields.size(); }
  const std::string& operator[](size_t i) const { return fields[i]; }
};

class CsvReader {
 public:
  static Result<std::unique_ptr<CsvReader>> Open(const std::filesystem::path& path,
                                                 CsvOptions options = {});
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Fills `record` with the next non-empty record and returns true; false at the end.
  // InvalidArgument "path:line: unterminated quoted field" when the file ends inside quotes.
  Result<bool> Next(CsvRecord& record);

  const std::filesystem::path& path() const { return path_; }
  int64_t bytes_read() const { return lines_->bytes_read(); }

 private:
  struct Parser;
  CsvReader(std::unique_ptr<LineReader> lines, std::filesystem::path path, CsvOptions options);

  std::unique_ptr<LineReader> lines_;
  std::unique_ptr<Parser> parser_;
  std::filesystem::path path_;
  bool finished_ = false;
};

// Column lookup by header name. Names are compared after folding runs of white space
// (including the newlines some headers carry) to one space, trimming, and ignoring
// ASCII case, so "Authentic engagement\n" finds "authentic engagement".
class CsvHeader {
 public:
  CsvHeader() = default;
  explicit CsvHeader(const std::vector<std::string>& names);

  // The first column with this name, or nullopt.
  std::optional<size_t> Find(std::string_view name) const;
  // Every column with this name, in order (some files repeat a name for a numeric copy).
  std::vector<size_t> FindAll(std::string_view name) const;
  size_t size() const { return names_.size(); }
  const std::string& name(size_t i) const { return names_[i]; }  // folded form

  static std::string Fold(std::string_view name);

 private:
  std::vector<std::string> names_;
};

}  // namespace sphere::ingest
