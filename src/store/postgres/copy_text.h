// Encodes rows for COPY ... FROM STDIN in PostgreSQL's text format: fields separated by
// tabs, rows ended by newlines, NULL as \N, and backslash, tab, newline and carriage
// return escaped so that any UTF-8 text round-trips unchanged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace sphere::postgres {

class CopyTextEncoder {
 public:
  void Null();
  void Text(std::string_view text);
  // "" is written as NULL: the schema stores an unknown string as NULL.
  void TextOrNull(std::string_view text);
  void Int64(int64_t value);
  void Double(double value);
  void Bool(bool value);
  template <typename T>
  void Optional(const std::optional<T>& value) {
    if (!value) return Null();
    if constexpr (std::is_same_v<T, double>) {
      Double(*value);
    } else if constexpr (std::is_same_v<T, bool>) {
      Bool(*value);
    } else if constexpr (std::is_integral_v<T>) {
      Int64(*value);
    } else {
      Text(*value);
    }
  }
  void EndRow();

  // The encoded rows so far; Clear() empties them once they have been sent.
  std::string_view data() const { return buffer_; }
  size_t size() const { return buffer_.size(); }
  void Clear() { buffer_.clear(); }

 private:
  void StartField();

  std::string buffer_;
  bool row_has_fields_ = false;
};

}  // namespace sphere::postgres
