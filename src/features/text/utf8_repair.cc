#include "features/text/utf8_repair.h"

#include <cstring>

namespace sphere::features::text {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// The length of the well-formed sequence starting at `i`, or 0 with `*bad` set to the length
// of the maximal ill-formed subpart to replace (at least 1). Table 3-7 of the Unicode Standard.
size_t DecodeOne(std::string_view s, size_t i, char32_t* cp, size_t* bad) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *cp = b0;
    return 1;
  }
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the valid range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // past U+10FFFF
  } else {
    *bad = 1;
    return 0;
  }
  char32_t c = b0 & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (size_t k = 1; k < len; ++k) {
    if (i + k >= s.size()) {
      *bad = k;
      return 0;
    }
    const auto b = static_cast<unsigned char>(s[i + k]);
    const bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
    if (!ok) {
      *bad = k;
      return 0;
    }
    c = (c << 6) | (b & 0x3F);
  }
  *cp = c;
  return len;
}

}  // namespace

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

RepairedText RepairUtf8(std::string_view bytes) {
  RepairedText out;
  RepairUtf8(bytes, &out);
  return out;
}

void RepairUtf8(std::string_view bytes, RepairedText* out) {
  // UTF-16 never has more code units than UTF-8 has bytes; sized once, trimmed at the end.
  out->utf16.resize(bytes.size());
  out->utf8.clear();
  out->code_points = 0;
  out->invalid_bytes = 0;
  char16_t* const u16 = out->utf16.data();
  size_t n16 = 0;
  size_t i = 0;
  size_t copied = 0;  // bytes[copied, i) are well-formed and not yet in out->utf8
  while (i < bytes.size()) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {  // an ASCII run, without a call
      size_t k = i;
      // Eight bytes at a time while none has its high bit set.
      for (uint64_t word; k + 8 <= bytes.size(); k += 8) {
        std::memcpy(&word, bytes.data() + k, 8);
        if ((word & 0x8080808080808080ULL) != 0) break;
        for (size_t b = 0; b < 8; ++b) u16[n16 + b] = static_cast<unsigned char>(bytes[k + b]);
        n16 += 8;
      }
      while (k < bytes.size() && static_cast<unsigned char>(bytes[k]) < 0x80) {
        u16[n16++] = static_cast<char16_t>(bytes[k++]);
      }
      out->code_points += static_cast<int64_t>(k - i);
      i = k;
      continue;
    }
    char32_t cp = 0;
    size_t bad = 0;
    const size_t len = DecodeOne(bytes, i, &cp, &bad);
    if (len == 0) {
      out->utf8.append(bytes.substr(copied, i - copied));
      AppendUtf8(kReplacement, &out->utf8);
      u16[n16++] = static_cast<char16_t>(kReplacement);
      out->invalid_bytes += static_cast<int64_t>(bad);
      ++out->code_points;
      i += bad;
      copied = i;
      continue;
    }
    if (cp < 0x10000) {
      u16[n16++] = static_cast<char16_t>(cp);
    } else {
      u16[n16++] = static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10));
      u16[n16++] = static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF));
    }
    ++out->code_points;
    i += len;
  }
  out->utf16.resize(n16);
  out->utf8.append(bytes.substr(copied));
}

}  // namespace sphere::features::text
