#include "ingest/numbers.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

namespace sphere::ingest {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

Status NotA(std::string_view what, std::string_view cell) {
  return InvalidArgument("'" + std::string(cell) + "' is not " + std::string(what));
}

// Copies the cell without thousands separators; false if a comma is misplaced.
bool StripThousands(std::string_view cell, std::string& out) {
  out.clear();
  size_t dot = cell.find('.');
  // Separators group the integer part only; "1.2,3" is not a number.
  if (dot != std::string_view::npos && cell.find(',', dot) != std::string_view::npos) return false;
  std::string_view int_part = cell.substr(0, dot);
  size_t first_comma = int_part.find(',');
  if (first_comma != std::string_view::npos) {
    // Groups after the first comma must be exactly three digits.
    size_t lead = first_comma - (int_part.starts_with('-') ? 1 : 0);
    if (lead == 0 || lead > 3) return false;
    for (size_t i = first_comma; i < int_part.size(); i += 4) {
      if (int_part[i] != ',' || i + 4 > int_part.size()) return false;
    }
  }
  for (char c : cell) {
    if (c != ',') out += c;
  }
  return true;
}

}  // namespace

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

bool IsMissing(std::string_view cell) {
  static constexpr std::array<std::string_view, 14> kMissing = {
      "nan", "na",      "n/a",     "n/a'", "null",    "none", "-",
      "--",  "#valor!", "#value!", "#n/a", "#div/0!", "nil",  "undefined"};
  cell = Trim(cell);
  if (cell.empty()) return true;
  for (std::string_view m : kMissing) {
    if (EqualsIgnoreCase(cell, m)) return true;
  }
  return false;
}

Result<double> ParseDecimal(std::string_view cell) {
  std::string_view t = Trim(cell);
  // from_chars takes no '+'; drop one, but not in front of a '-' ("+-1").
  if (t.starts_with('+') && !t.substr(1).starts_with('-')) t.remove_prefix(1);
  double value = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || !std::isfinite(value)) {
    return NotA("a number", cell);
  }
  return value;
}

Result<int64_t> ParseInteger(std::string_view cell) {
  std::string_view t = Trim(cell);
  std::string digits;
  if (t.empty() || !StripThousands(t, digits)) return NotA("an integer", cell);
  std::string_view d = digits;
  if (d.starts_with('+') && !d.substr(1).starts_with('-')) d.remove_prefix(1);
  // A spreadsheet may have written 1234 as "1234.0"; any other fraction is not an integer.
  if (size_t dot = d.find('.'); dot != std::string_view::npos) {
    std::string_view fraction = d.substr(dot + 1);
    if (fraction.find_first_not_of('0') != std::string_view::npos) {
      return NotA("an integer", cell);
    }
    d = d.substr(0, dot);
  }
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(d.data(), d.data() + d.size(), value);
  if (d.empty() || ec != std::errc() || ptr != d.data() + d.size()) {
    return NotA("an integer", cell);
  }
  return value;
}

Result<int64_t> ParseCount(std::string_view cell) {
  std::string_view t = Trim(cell);
  double scale = 1;
  if (!t.empty()) {
    switch (t.back()) {
      case 'k':
      case 'K':
        scale = 1e3;
        break;
      case 'm':
      case 'M':
        scale = 1e6;
        break;
      case 'b':
      case 'B':
        scale = 1e9;
        break;
      default:
        break;
    }
  }
  if (scale == 1) return ParseInteger(cell);
  t.remove_suffix(1);
  std::string digits;
  if (!StripThousands(Trim(t), digits)) return NotA("a count", cell);
  Result<double> number = ParseDecimal(digits);
  if (!number.ok()) return NotA("a count", cell);
  double value = std::round(*number * scale);
  if (std::fabs(value) > 9.2e18) return NotA("a count in range", cell);
  return static_cast<int64_t>(value);
}

Result<double> ParsePercent(std::string_view cell) {
  std::string_view t = Trim(cell);
  if (t.ends_with('%')) t.remove_suffix(1);
  Result<double> number = ParseDecimal(t);
  if (!number.ok()) return NotA("a percentage", cell);
  return *number / 100.0;
}

}  // namespace sphere::ingest
