// The cell parsers of ingest/numbers.h over arbitrary bytes: the whole input is one cell.
// Besides sanitizer findings, checks rules every caller relies on: results are finite,
// blank padding never changes a result, "no value" never parses as a number, and an
// integer survives printing and parsing again.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "ingest/numbers.h"

namespace sphere::ingest {
namespace {

bool IsBlank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

template <typename T>
bool SameResult(const Result<T>& a, const Result<T>& b) {
  return a.ok() == b.ok() && (!a.ok() || *a == *b);
}

void FuzzOne(std::string_view cell) {
  std::string_view trimmed = Trim(cell);
  SPHERE_FUZZ_CHECK(trimmed.empty() || (!IsBlank(trimmed.front()) && !IsBlank(trimmed.back())));
  SPHERE_FUZZ_CHECK(trimmed.data() >= cell.data() &&
                    trimmed.data() + trimmed.size() <= cell.data() + cell.size());

  const bool missing = IsMissing(cell);
  SPHERE_FUZZ_CHECK(missing == IsMissing(trimmed));

  Result<int64_t> integer = ParseInteger(cell);
  Result<double> decimal = ParseDecimal(cell);
  Result<int64_t> count = ParseCount(cell);
  Result<double> percent = ParsePercent(cell);
  if (missing) {
    SPHERE_FUZZ_CHECK(!integer.ok() && !decimal.ok() && !count.ok() && !percent.ok());
  }
  if (decimal.ok()) SPHERE_FUZZ_CHECK(std::isfinite(*decimal));
  if (percent.ok()) SPHERE_FUZZ_CHECK(std::isfinite(*percent));
  // A count is an integer with an optional unit; without a unit it is exactly ParseInteger.
  if (integer.ok()) SPHERE_FUZZ_CHECK(count.ok() && *count == *integer);

  // Surrounding blanks are not part of a number.
  std::string padded = " \t" + std::string(cell) + "\r\n";
  SPHERE_FUZZ_CHECK(SameResult(integer, ParseInteger(padded)));
  SPHERE_FUZZ_CHECK(SameResult(decimal, ParseDecimal(padded)));
  SPHERE_FUZZ_CHECK(SameResult(count, ParseCount(padded)));
  SPHERE_FUZZ_CHECK(SameResult(percent, ParsePercent(padded)));
  SPHERE_FUZZ_CHECK(missing == IsMissing(padded));

  // '%' is optional: "1.39" and "1.39%" are the same percentage.
  if (!trimmed.ends_with('%')) {
    SPHERE_FUZZ_CHECK(SameResult(percent, ParsePercent(std::string(trimmed) + "%")));
  }

  if (integer.ok()) {
    Result<int64_t> again = ParseInteger(std::to_string(*integer));
    SPHERE_FUZZ_CHECK(again.ok() && *again == *integer);
  }
}

}  // namespace
}  // namespace sphere::ingest

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sphere::ingest::FuzzOne(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
