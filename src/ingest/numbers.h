// Numbers as the real files write them: "3.3k", "475.8m", "29.0b", "48.5M", "1,234",
// "1.39%", and the many spellings of "no value".
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace sphere::ingest {

// True for a cell that means "no value": empty or blank, "nan", "NA", "N/A" (also the
// "N/A'" a spreadsheet left), "null", "none", "-", "--", "#VALOR!", "#VALUE!", "#N/A",
// "#DIV/0!" (ASCII case ignored, surrounding space ignored).
bool IsMissing(std::string_view cell);

// A plain integer, optionally with thousands separators ("1,234,567") or a ".0" tail.
Result<int64_t> ParseInteger(std::string_view cell);
// A plain decimal number ("12.5", "-3", "1e3").
Result<double> ParseDecimal(std::string_view cell);
// A count with an optional unit suffix k/K (thousand), m/M (million), b/B (billion):
// "3.3k" -> 3300, "475.8m" -> 475800000, "29.0b" -> 29000000000, "1,234" -> 1234.
// Rounds to the nearest integer.
Result<int64_t> ParseCount(std::string_view cell);
// A percentage with or without '%': "1.39%" -> 0.0139, "1.39" -> 0.0139.
Result<double> ParsePercent(std::string_view cell);

// Trims ASCII white space from both ends.
std::string_view Trim(std::string_view text);

}  // namespace sphere::ingest
