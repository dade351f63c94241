#include "api/query.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

namespace sphere::api {
namespace {

// Echoed input stays short in error bodies: at most 64 bytes, cut on a character boundary.
std::string Quoted(std::string_view value) {
  constexpr size_t kMax = 64;
  if (value.size() <= kMax) return "'" + std::string(value) + "'";
  size_t end = kMax;
  while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;
  return "'" + std::string(value.substr(0, end)) + "...'";
}

// Names echoed as a message prefix: long ones are cut like values (they are then no field).
std::string NameForMessage(std::string_view name) {
  if (name.size() <= 64) return std::string(name);
  std::string quoted = Quoted(name);
  return quoted.substr(1, quoted.size() - 2);
}

std::string FormatNumber(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes `s` into `out`. On a bad escape returns false with `bad_at` its offset in `s`.
bool DecodeInto(std::string_view s, bool plus_is_space, std::string& out, size_t& bad_at) {
  out.clear();
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      const int hi = i + 1 < s.size() ? HexValue(s[i + 1]) : -1;
      const int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        bad_at = i;
        return false;
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

// The bad escape as found in `s` (at most "%" and two bytes), and where: `at` in `s` plus
// `offset`, the position of `s` in what the client sent.
std::string BadEscape(std::string_view s, size_t at, size_t offset = 0) {
  return "bad percent-escape " + Quoted(s.substr(at, 3)) + " at byte " +
         std::to_string(offset + at);
}

// The one value of `name`, nullopt when absent, an error when given with different values.
Result<std::optional<std::string_view>> SingleValue(const QueryParams& params,
                                                    std::string_view name) {
  std::vector<std::string_view> values = params.GetAll(name);
  if (values.empty()) return std::optional<std::string_view>();
  for (std::string_view v : values) {
    if (v != values.front()) {
      return InvalidArgument(NameForMessage(name) + ": given more than once with different values");
    }
  }
  return std::optional<std::string_view>(values.front());
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    const size_t len = (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || len > text.size() - i) return false;
    char32_t cp = len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr char32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::optional<std::string_view> QueryParams::Get(std::string_view name) const {
  for (const auto& [key, value] : items) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

std::vector<std::string_view> QueryParams::GetAll(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const auto& [key, value] : items) {
    if (key == name) values.emplace_back(value);
  }
  return values;
}

Result<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  size_t bad_at = 0;
  if (!DecodeInto(s, plus_is_space, out, bad_at)) return InvalidArgument(BadEscape(s, bad_at));
  if (!IsValidUtf8(out)) return InvalidArgument("not valid UTF-8 once percent-decoded");
  return out;
}

Result<QueryParams> ParseQuery(std::string_view raw) {
  if (raw.size() > kMaxQueryBytes) {
    return InvalidArgument("query: longer than " + std::to_string(kMaxQueryBytes) + " bytes");
  }
  QueryParams params;
  size_t start = 0;
  while (start <= raw.size()) {
    size_t end = raw.find('&', start);
    if (end == std::string_view::npos) end = raw.size();
    const std::string_view piece = raw.substr(start, end - start);
    const size_t piece_at = start;
    start = end + 1;
    if (piece.empty()) continue;
    if (params.items.size() == kMaxQueryParams) {
      return InvalidArgument("query: more than " + std::to_string(kMaxQueryParams) + " parameters");
    }
    const size_t eq = piece.find('=');
    const std::string_view raw_name = piece.substr(0, eq);
    const std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    std::string name;
    std::string value;
    size_t bad_at = 0;
    // Offsets in messages are offsets in the whole query, where the client can find them.
    if (!DecodeInto(raw_name, true, name, bad_at)) {
      return InvalidArgument("query: " + BadEscape(raw_name, bad_at, piece_at));
    }
    if (!DecodeInto(raw_value, true, value, bad_at)) {
      return InvalidArgument("query: " + BadEscape(raw_value, bad_at, piece_at + eq + 1));
    }
    if (name.empty()) return InvalidArgument("query: a parameter has an empty name");
    if (!IsValidUtf8(name)) return InvalidArgument("query: a parameter name is not valid UTF-8");
    if (!IsValidUtf8(value)) {
      return InvalidArgument("query: the value of " + Quoted(name) + " is not valid UTF-8");
    }
    params.items.emplace_back(std::move(name), std::move(value));
  }
  return params;
}

Status RequireKnownParams(const QueryParams& params,
                          std::initializer_list<std::string_view> known) {
  for (const auto& [name, value] : params.items) {
    bool found = false;
    for (std::string_view k : known) found = found || k == name;
    if (found) continue;
    std::string list;
    for (std::string_view k : known) {
      if (!list.empty()) list += ", ";
      list += k;
    }
    return InvalidArgument(NameForMessage(name) + ": unknown query parameter (known: " +
                           (list.empty() ? "none" : list) + ")");
  }
  return Status::Ok();
}

Result<std::optional<int64_t>> QueryInt(const QueryParams& params, std::string_view name,
                                        int64_t min, int64_t max) {
  SPHERE_ASSIGN_OR_RETURN(std::optional<std::string_view> text, SingleValue(params, name));
  if (!text) return std::optional<int64_t>();
  int64_t value = 0;
  const char* first = text->data();
  const char* last = first + text->size();
  auto [end, ec] = std::from_chars(first, last, value);
  if (text->empty() || ec != std::errc() || end != last || value < min || value > max) {
    return InvalidArgument(NameForMessage(name) + ": must be an integer between " +
                           std::to_string(min) + " and " + std::to_string(max) + ", got " +
                           Quoted(*text));
  }
  return std::optional<int64_t>(value);
}

Result<std::optional<double>> QueryNumber(const QueryParams& params, std::string_view name,
                                          double min, double max) {
  SPHERE_ASSIGN_OR_RETURN(std::optional<std::string_view> text, SingleValue(params, name));
  if (!text) return std::optional<double>();
  double value = 0;
  const char* first = text->data();
  const char* last = first + text->size();
  auto [end, ec] = std::from_chars(first, last, value, std::chars_format::general);
  if (text->empty() || ec != std::errc() || end != last || !std::isfinite(value) ||
      !(value >= min && value <= max)) {
    return InvalidArgument(NameForMessage(name) + ": must be a number between " +
                           FormatNumber(min) + " and " + FormatNumber(max) + ", got " +
                           Quoted(*text));
  }
  return std::optional<double>(value);
}

Result<std::optional<bool>> QueryBool(const QueryParams& params, std::string_view name) {
  SPHERE_ASSIGN_OR_RETURN(std::optional<std::string_view> text, SingleValue(params, name));
  if (!text) return std::optional<bool>();
  if (*text == "true" || *text == "1") return std::optional<bool>(true);
  if (*text == "false" || *text == "0") return std::optional<bool>(false);
  return InvalidArgument(NameForMessage(name) + ": must be true, false, 1 or 0, got " +
                         Quoted(*text));
}

Result<std::optional<std::string>> QueryString(const QueryParams& params, std::string_view name,
                                               size_t max_bytes) {
  SPHERE_ASSIGN_OR_RETURN(std::optional<std::string_view> text, SingleValue(params, name));
  if (!text) return std::optional<std::string>();
  if (text->size() > max_bytes) {
    return InvalidArgument(NameForMessage(name) + ": longer than " + std::to_string(max_bytes) +
                           " bytes");
  }
  return std::optional<std::string>(std::string(*text));
}

Result<int64_t> PathId(std::string_view text, std::string_view field) {
  const bool digits =
      !text.empty() && text.size() <= 18 &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  int64_t id = 0;
  if (digits) std::from_chars(text.data(), text.data() + text.size(), id);
  if (id < 1) {
    return InvalidArgument(std::string(field) + ": must be a positive integer, got '" +
                           std::string(text) + "'");
  }
  return id;
}

}  // namespace sphere::api
