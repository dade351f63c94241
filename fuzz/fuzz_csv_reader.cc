// CsvReader (with LineReader below it) over arbitrary bytes.
//
// Input: one options byte, then the file. The options byte picks
//   bits 0-1  the delimiter: ',' ';' '\t' '|'
//   bit 2     Windows-1252 instead of UTF-8
//   bit 3     no trimming of unquoted fields
// so the printable seeds '0' (comma, UTF-8, trim), '2' (tab), '4' (cp1252), '8' (no
// trim) read naturally. Any Status is fine; crashes, UB, leaks and broken invariants are not.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_util.h"
#include "ingest/csv_reader.h"
#include "ingest/text_input.h"

namespace sphere::ingest {
namespace {

constexpr char kDelimiters[] = {',', ';', '\t', '|'};
constexpr char kUtf8Bom[] = "\xEF\xBB\xBF";

CsvOptions OptionsFrom(uint8_t byte) {
  CsvOptions options;
  options.delimiter = kDelimiters[byte & 3];
  options.encoding = (byte & 4) != 0 ? Encoding::kWindows1252 : Encoding::kUtf8;
  options.trim_unquoted = (byte & 8) == 0;
  return options;
}

// A header's lookups must find each of its own names at or before its position (the
// first of repeated names wins) and folding must be idempotent.
void CheckHeader(const std::vector<std::string>& names) {
  CsvHeader header(names);
  SPHERE_FUZZ_CHECK(header.size() == names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    std::string folded = CsvHeader::Fold(names[i]);
    SPHERE_FUZZ_CHECK(CsvHeader::Fold(folded) == folded);
    SPHERE_FUZZ_CHECK(header.name(i) == folded);
    std::optional<size_t> found = header.Find(names[i]);
    SPHERE_FUZZ_CHECK(found.has_value() && *found <= i);
    std::vector<size_t> all = header.FindAll(names[i]);
    SPHERE_FUZZ_CHECK(!all.empty() && all.front() == *found);
  }
}

void FuzzOne(const uint8_t* data, size_t size) {
  if (size == 0) return;
  const CsvOptions options = OptionsFrom(data[0]);
  const uint8_t* body = data + 1;
  const size_t body_size = size - 1;
  const bool raw = !fuzz::LooksGzipped(body, body_size);
  const int64_t lines = fuzz::PhysicalLines(body, body_size);

  std::filesystem::path path = fuzz::WriteScratchFile("input.csv", body, body_size);
  auto reader = CsvReader::Open(path, options);
  SPHERE_FUZZ_CHECK(reader.ok());

  CsvRecord record;
  int64_t previous_line = 0;
  size_t field_bytes = 0;
  bool first = true;
  bool clean_end = false;
  while (true) {
    Result<bool> more = (*reader)->Next(record);
    if (!more.ok()) break;
    if (!*more) {
      clean_end = true;
      break;
    }
    // Records start on a line of the file, in file order (several may share a line
    // when a lone '\r' ends one).
    SPHERE_FUZZ_CHECK(record.line >= 1);
    SPHERE_FUZZ_CHECK(record.line >= previous_line);
    if (raw) SPHERE_FUZZ_CHECK(record.line <= lines);
    previous_line = record.line;
    for (const std::string& field : record.fields) field_bytes += field.size();
    if (first) CheckHeader(record.fields);
    first = false;
  }
  if (raw) {
    // Unquoting only removes bytes; cp1252 -> UTF-8 at most triples them.
    const size_t growth = options.encoding == Encoding::kWindows1252 ? 3 : 1;
    SPHERE_FUZZ_CHECK(field_bytes <= body_size * growth);
    if (clean_end) {
      // Every byte is consumed, except a UTF-8 byte order mark.
      std::string_view text(reinterpret_cast<const char*>(body), body_size);
      int64_t expected = static_cast<int64_t>(body_size) - (text.starts_with(kUtf8Bom) ? 3 : 0);
      SPHERE_FUZZ_CHECK((*reader)->bytes_read() == expected);
    }
  }

  // The converter LineReader uses for cp1252 must always yield well-formed UTF-8.
  std::string utf8 =
      Windows1252ToUtf8(std::string_view(reinterpret_cast<const char*>(body), body_size));
  SPHERE_FUZZ_CHECK(utf8.size() >= body_size && fuzz::IsValidUtf8(utf8));
}

}  // namespace
}  // namespace sphere::ingest

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sphere::ingest::FuzzOne(data, size);
  return 0;
}
