#include "ingest/text_input.h"

#include <sodium.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sphere::ingest {

struct LineReader::GzFile {
  gzFile handle = nullptr;
  ~GzFile() {
    if (handle != nullptr) gzclose(handle);
  }
};

namespace {
constexpr size_t kChunkBytes = 1 << 16;

// cp1252's 0x80..0x9F block; 0 marks the five undefined bytes.
constexpr char16_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}
}  // namespace

std::string Windows1252ToUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      out += c;
    } else if (b < 0xA0) {
      char16_t cp = kCp1252High[b - 0x80];
      AppendUtf8(out, cp == 0 ? 0xFFFD : cp);
    } else {
      AppendUtf8(out, b);  // 0xA0..0xFF are the same code points as Latin-1
    }
  }
  return out;
}

LineReader::LineReader(std::unique_ptr<GzFile> file, Encoding encoding, std::filesystem::path path)
    : file_(std::move(file)), encoding_(encoding), path_(std::move(path)) {}

LineReader::~LineReader() = default;

Result<std::unique_ptr<LineReader>> LineReader::Open(const std::filesystem::path& path,
                                                     Encoding encoding) {
  auto file = std::make_unique<GzFile>();
  // gzopen reads plain files as they are, so one code path serves .gz and plain text.
  file->handle = gzopen(path.c_str(), "rb");
  if (file->handle == nullptr) {
    return Unavailable(path.string() + ": cannot open: " + std::strerror(errno));
  }
  gzbuffer(file->handle, kChunkBytes);
  return std::unique_ptr<LineReader>(new LineReader(std::move(file), encoding, path));
}

Status LineReader::Refill() {
  if (buffer_pos_ > 0) {
    buffer_.erase(0, buffer_pos_);
    buffer_pos_ = 0;
  }
  size_t old_size = buffer_.size();
  buffer_.resize(old_size + kChunkBytes);
  int n = gzread(file_->handle, buffer_.data() + old_size, kChunkBytes);
  if (n < 0) {
    int errnum = 0;
    const char* message = gzerror(file_->handle, &errnum);
    buffer_.resize(old_size);
    return DataLoss(path_.string() + ": read failed after line " + std::to_string(line_number_) +
                    ": " + message);
  }
  buffer_.resize(old_size + static_cast<size_t>(n));
  if (n == 0) {
    // zlib reports a gzip stream cut short only through gzerror (Z_BUF_ERROR), so that
    // a file still being written can be read on; here it means a damaged file.
    int errnum = Z_OK;
    gzerror(file_->handle, &errnum);
    if (errnum == Z_BUF_ERROR) {
      return DataLoss(path_.string() + ": compressed data ends early (truncated gzip) after line " +
                      std::to_string(line_number_));
    }
    eof_ = true;
  }
  if (old_size == 0 && bytes_read_ == 0 && buffer_.starts_with("\xEF\xBB\xBF")) {
    buffer_pos_ = 3;  // a UTF-8 byte order mark is not content
  }
  return Status::Ok();
}

Result<bool> LineReader::Next(std::string_view& line) {
  size_t newline = std::string::npos;
  while ((newline = buffer_.find('\n', buffer_pos_)) == std::string::npos && !eof_) {
    SPHERE_RETURN_IF_ERROR(Refill());
  }
  size_t end = newline == std::string::npos ? buffer_.size() : newline + 1;
  if (end == buffer_pos_) return false;
  std::string_view raw(buffer_.data() + buffer_pos_, end - buffer_pos_);
  bytes_read_ += static_cast<int64_t>(raw.size());
  buffer_pos_ = end;
  ++line_number_;
  if (encoding_ == Encoding::kWindows1252) {
    line_ = Windows1252ToUtf8(raw);
    line = line_;
  } else {
    line = raw;
  }
  return true;
}

Result<std::string> Sha256OfFile(const std::filesystem::path& path) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return Unavailable(path.string() + ": cannot open: " + std::strerror(errno));
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::string chunk(kChunkBytes, '\0');
  size_t n = 0;
  while ((n = std::fread(chunk.data(), 1, chunk.size(), file.get())) > 0) {
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(chunk.data()), n);
  }
  if (std::ferror(file.get())) return Unavailable(path.string() + ": read failed");
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex);
}

}  // namespace sphere::ingest
