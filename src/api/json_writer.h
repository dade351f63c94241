// A small append-only JSON writer for the hot routes (draft scoring): nlohmann::json builds a
// tree of allocated nodes and then walks it, which was a third of a PLEP request's CPU with
// its 100+ contributions; this writes the text directly.
//
// Strings are escaped and invalid UTF-8 is replaced with U+FFFD; non-finite numbers are
// written as null. Keys and values alternate correctly only if the caller calls them so:
// the writer tracks commas, not grammar.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sphere::api {

class JsonWriter {
 public:
  JsonWriter() { out_.reserve(1024); }

  JsonWriter& BeginObject() { return Open('{'); }
  JsonWriter& EndObject() { return Close('}'); }
  JsonWriter& BeginArray() { return Open('['); }
  JsonWriter& EndArray() { return Close(']'); }
  JsonWriter& Key(std::string_view key);

  JsonWriter& String(std::string_view value);
  JsonWriter& Number(double value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  template <typename T>
  JsonWriter& Optional(const std::optional<T>& value) {
    if (!value) return Null();
    if constexpr (std::is_same_v<T, std::string>) {
      return String(*value);
    } else if constexpr (std::is_integral_v<T>) {
      return Int(*value);
    } else {
      return Number(*value);
    }
  }

  // key + value shorthands
  JsonWriter& Field(std::string_view key, std::string_view value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, const char* value) { return Key(key).String(value); }
  JsonWriter& Field(std::string_view key, double value) { return Key(key).Number(value); }
  JsonWriter& Field(std::string_view key, int64_t value) { return Key(key).Int(value); }
  JsonWriter& Field(std::string_view key, bool value) { return Key(key).Bool(value); }

  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  JsonWriter& Open(char c);
  JsonWriter& Close(char c);
  void BeforeValue();
  void AppendEscaped(std::string_view s);

  std::string out_;
  std::vector<bool> has_items_;  // per open container: a comma is due before the next item
  bool after_key_ = false;
};

}  // namespace sphere::api
