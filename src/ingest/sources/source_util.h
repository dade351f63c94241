// Small helpers the source importers share. Header-only and free of I/O.
#pragma once

#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/csv_reader.h"
#include "ingest/numbers.h"

namespace sphere::ingest {

// A category cell as a niche: trimmed and ASCII lower-cased; nullopt when missing.
inline std::optional<std::string> NicheOf(std::string_view cell) {
  if (IsMissing(cell)) return std::nullopt;
  std::string niche(Trim(cell));
  for (char& c : niche) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return niche;
}

// A text cell, trimmed; nullopt when it is one of the spellings of "no value".
inline std::optional<std::string> TextOf(std::string_view cell) {
  if (IsMissing(cell)) return std::nullopt;
  return std::string(Trim(cell));
}

// Instagram and TikTok usernames are letters, digits, '.' and '_' (after NormalizeHandle
// lower-cased them); anything else in a username field is a display name or damage.
inline bool IsUsername(std::string_view handle) {
  if (handle.empty()) return false;
  for (char c : handle) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Adds one note to a row's "; "-separated repair notes (nothing when `note` is empty).
inline void AppendNote(std::string& notes, std::string_view note) {
  if (note.empty()) return;
  if (!notes.empty()) notes += "; ";
  notes += note;
}

// Serialises extra_json. Invalid UTF-8 (a damaged source) becomes U+FFFD instead of
// throwing, so a bad byte in one name never aborts an import.
inline std::string ToJsonText(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The unquoted, comma-separated names of a header line, folded as CsvHeader folds them.
// Only for headers without quoted names; enough for `Format::matches`.
inline std::vector<std::string> SplitHeaderLine(std::string_view line, char delimiter = ',') {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  std::vector<std::string> names;
  size_t start = 0;
  while (true) {
    size_t end = line.find(delimiter, start);
    names.push_back(CsvHeader::Fold(line.substr(start, end - start)));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return names;
}

// True when `line` names exactly `expected` (folded, in order).
inline bool HeaderLineIs(std::string_view line, const std::vector<std::string_view>& expected,
                         char delimiter = ',') {
  std::vector<std::string> names = SplitHeaderLine(line, delimiter);
  if (names.size() != expected.size()) return false;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] != CsvHeader::Fold(expected[i])) return false;
  }
  return true;
}

}  // namespace sphere::ingest
