#include "store/postgres/copy_text.h"

#include <charconv>

namespace sphere::postgres {

void CopyTextEncoder::StartField() {
  if (row_has_fields_) buffer_ += '\t';
  row_has_fields_ = true;
}

void CopyTextEncoder::Null() {
  StartField();
  buffer_ += "\\N";
}

void CopyTextEncoder::Text(std::string_view text) {
  StartField();
  // Copy runs of ordinary bytes at once; only four bytes need an escape.
  size_t run_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char escaped;
    switch (text[i]) {
      case '\\':
        escaped = '\\';
        break;
      case '\t':
        escaped = 't';
        break;
      case '\n':
        escaped = 'n';
        break;
      case '\r':
        escaped = 'r';
        break;
      default:
        continue;
    }
    buffer_.append(text.data() + run_start, i - run_start);
    buffer_ += '\\';
    buffer_ += escaped;
    run_start = i + 1;
  }
  buffer_.append(text.data() + run_start, text.size() - run_start);
}

void CopyTextEncoder::TextOrNull(std::string_view text) {
  if (text.empty()) {
    Null();
  } else {
    Text(text);
  }
}

void CopyTextEncoder::Int64(int64_t value) {
  StartField();
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  buffer_.append(digits, end);
}

void CopyTextEncoder::Double(double value) {
  StartField();
  // Shortest text that reads back as the same double ("nan"/"inf" included).
  char digits[32];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  buffer_.append(digits, end);
}

void CopyTextEncoder::Bool(bool value) {
  StartField();
  buffer_ += value ? 't' : 'f';
}

void CopyTextEncoder::EndRow() {
  buffer_ += '\n';
  row_has_fields_ = false;
}

}  // namespace sphere::postgres
