// What the fuzz targets share: the decoders read files, not buffers, so each input is
// written to a scratch file first; and a check that turns a broken invariant into a crash
// libFuzzer records (with the input that caused it) like any sanitizer report.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace sphere::fuzz {

// Prints what broke and stops with SIGILL, which libFuzzer reports as a crash.
[[noreturn]] inline void Violated(const char* file, int line, const char* condition) {
  std::fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, condition);
  std::fflush(stderr);
  __builtin_trap();
}

#define SPHERE_FUZZ_CHECK(condition) \
  ((condition) ? (void)0 : ::sphere::fuzz::Violated(__FILE__, __LINE__, #condition))

// A directory of this process's own, made on first use and removed at a normal exit,
// so parallel fuzzers (-jobs/-fork) never share a file.
inline const std::filesystem::path& ScratchDir() {
  struct Dir {
    std::filesystem::path path;
    Dir() {
      std::string pattern =
          (std::filesystem::temp_directory_path() / "sphere-fuzz-XXXXXX").string();
      if (mkdtemp(pattern.data()) == nullptr) {
        std::perror("mkdtemp");
        std::abort();
      }
      path = pattern;
    }
    ~Dir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static const Dir dir;
  return dir.path;
}

// Writes `size` bytes to ScratchDir()/name, replacing the file. Aborts when it cannot:
// a fuzzer that silently feeds nothing to the decoder would look healthy and test nothing.
inline std::filesystem::path WriteScratchFile(std::string_view name, const uint8_t* data,
                                              size_t size) {
  std::filesystem::path path = ScratchDir() / name;
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr || (size > 0 && std::fwrite(data, 1, size, file) != size) ||
      std::fclose(file) != 0) {
    std::perror(path.c_str());
    std::abort();
  }
  return path;
}

// True when the bytes start with gzip's magic number: zlib then inflates them, so limits
// derived from the raw bytes (line counts, sizes) do not apply.
inline bool LooksGzipped(const uint8_t* data, size_t size) {
  return size >= 2 && data[0] == 0x1F && data[1] == 0x8B;
}

// Physical lines in the bytes as LineReader counts them (a last line needs no '\n').
inline int64_t PhysicalLines(const uint8_t* data, size_t size) {
  int64_t lines = 0;
  for (size_t i = 0; i < size; ++i) lines += data[i] == '\n';
  return lines + (size > 0 && data[size - 1] != '\n');
}

// Well-formed UTF-8: no stray continuation bytes, overlong forms, surrogates or values
// past U+10FFFF.
inline bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto b0 = static_cast<unsigned char>(text[i]);
    size_t len = b0 < 0x80           ? 1
                 : (b0 >> 5) == 0x6  ? 2
                 : (b0 >> 4) == 0xE  ? 3
                 : (b0 >> 3) == 0x1E ? 4
                                     : 0;
    if (len == 0 || i + len > text.size()) return false;
    char32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    for (size_t k = 1; k < len; ++k) {
      auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr char32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

}  // namespace sphere::fuzz
