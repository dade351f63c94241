// Reading text files the way the real data arrives: gzip or plain, UTF-8 with or
// without a BOM, or Windows-1252 (Latin-1) converted to UTF-8.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sphere::ingest {

enum class Encoding { kUtf8, kWindows1252 };

// Returns the file's bytes one physical line at a time, terminator included
// ("\n", "\r\n", or none on a last unterminated line). A gzip file is inflated
// transparently (zlib detects it by its magic bytes, not its name); a UTF-8 byte order
// mark at the start is dropped; Windows-1252 input is converted to UTF-8.
class LineReader {
 public:
  // Unavailable when the file cannot be opened.
  static Result<std::unique_ptr<LineReader>> Open(const std::filesystem::path& path,
                                                  Encoding encoding = Encoding::kUtf8);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Sets `line` to the next line (valid until the next call) and returns true, or
  // returns false at the end of the file. DataLoss on a damaged gzip stream.
  Result<bool> Next(std::string_view& line);

  // 1-based number of the line last returned by Next (0 before the first).
  int64_t line_number() const { return line_number_; }
  // Bytes of (decompressed) input consumed so far; for progress reporting.
  int64_t bytes_read() const { return bytes_read_; }

 private:
  struct GzFile;
  LineReader(std::unique_ptr<GzFile> file, Encoding encoding, std::filesystem::path path);
  Status Refill();

  std::unique_ptr<GzFile> file_;
  Encoding encoding_;
  std::filesystem::path path_;
  std::string buffer_;     // raw bytes read but not yet returned
  size_t buffer_pos_ = 0;  // start of the unreturned bytes in buffer_
  bool eof_ = false;
  std::string line_;  // the line handed out (converted when needed)
  int64_t line_number_ = 0;
  int64_t bytes_read_ = 0;
};

// Windows-1252 bytes -> UTF-8. Bytes that cp1252 leaves undefined (0x81, 0x8D, 0x8F,
// 0x90, 0x9D) map to U+FFFD.
std::string Windows1252ToUtf8(std::string_view bytes);

// Hex SHA-256 of a file's bytes as stored (not decompressed); what identifies an import.
Result<std::string> Sha256OfFile(const std::filesystem::path& path);

}  // namespace sphere::ingest
