// Turns arbitrary bytes into well-formed text: the one place caption bytes are validated.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sphere::features::text {

// The caption as UTF-16 (what ICU reads) and as well-formed UTF-8 (what fastText, CLD2 and
// VADER read). Each maximal ill-formed subsequence (Unicode's "best practice", as WHATWG and
// ICU do it) becomes one U+FFFD; `invalid_bytes` counts the bytes so replaced.
struct RepairedText {
  std::u16string utf16;
  std::string utf8;
  int64_t code_points = 0;
  int64_t invalid_bytes = 0;
};

// Never fails; overlong forms, surrogates, values past U+10FFFF, stray continuation bytes and
// truncated sequences are all ill-formed. NUL bytes are kept (they are valid UTF-8).
RepairedText RepairUtf8(std::string_view bytes);
// The same into `*out`, reusing its buffers.
void RepairUtf8(std::string_view bytes, RepairedText* out);

// Appends `c` (a scalar value, not a surrogate) to `out` as UTF-8.
void AppendUtf8(char32_t c, std::string* out);

}  // namespace sphere::features::text
