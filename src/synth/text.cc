#include "synth/text.h"

namespace sphere::synth {
namespace {

// Decodes the code point at text[i] and advances i. Invalid or truncated sequences yield
// U+FFFD for one byte, so scanning never stalls and every byte is counted once.
char32_t NextCodePoint(std::string_view text, size_t& i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  size_t extra = b0 >= 0xF8 ? 0 : b0 >= 0xF0 ? 3 : b0 >= 0xE0 ? 2 : b0 >= 0xC0 ? 1 : 0;
  if (extra == 0 || i + extra >= text.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = b0 & (0x3F >> extra);
  for (size_t k = 1; k <= extra; ++k) {
    unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += extra + 1;
  return cp;
}

bool IsIgnorable(char32_t cp) {
  return cp == 0x200D ||                    // zero-width joiner inside emoji sequences
         (cp >= 0xFE00 && cp <= 0xFE0F) ||  // variation selectors
         (cp >= 0x1F3FB && cp <= 0x1F3FF);  // skin-tone modifiers
}

// Letters and digits of any script: what words and hashtags are made of. Outside ASCII,
// everything but emoji, punctuation and symbol blocks counts as a letter; that is crude
// but keeps accented Latin, Cyrillic, CJK, ... words whole.
bool IsWordChar(char32_t cp) {
  if (cp < 0x80) {
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
           cp == '_';
  }
  if (cp == 0xFFFD || IsEmoji(cp) || IsIgnorable(cp)) return false;
  if (cp >= 0xA0 && cp <= 0xBF) return false;      // Latin-1 punctuation
  if (cp == 0xD7 || cp == 0xF7) return false;      // × ÷
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;  // punctuation, symbols, arrows
  if (cp >= 0x3000 && cp <= 0x303F) return false;  // CJK punctuation
  if (cp >= 0xFF00 && cp <= 0xFF0F) return false;  // full-width punctuation
  return true;
}

bool IsHandleChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.';
}

void LowerAsciiAppend(std::string& out, std::string_view text) {
  for (char c : text) out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool IsEmoji(char32_t cp) {
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return !(cp >= 0x1F3FB && cp <= 0x1F3FF);
  if (cp >= 0x2600 && cp <= 0x27BF) return true;  // miscellaneous symbols, dingbats (❤ ✨)
  switch (cp) {
    case 0x203C:
    case 0x2049:
    case 0x231A:
    case 0x231B:
    case 0x2B1B:
    case 0x2B1C:
    case 0x2B50:
    case 0x2B55:
    case 0x3030:
    case 0x303D:
    case 0x3297:
    case 0x3299:
      return true;
    default:
      return (cp >= 0x23E9 && cp <= 0x23F3) || (cp >= 0x23F8 && cp <= 0x23FA);
  }
}

int32_t CodePoints(std::string_view text) {
  int32_t n = 0;
  for (size_t i = 0; i < text.size();) {
    NextCodePoint(text, i);
    ++n;
  }
  return n;
}

CaptionStats ScanCaption(std::string_view caption, TokenVisitor* visitor) {
  CaptionStats stats;
  std::string token;
  size_t i = 0;
  while (i < caption.size()) {
    size_t start = i;
    char32_t cp = NextCodePoint(caption, i);
    ++stats.chars;
    if (cp == '#' || cp == '@') {
      // A tag is the run of word characters (hashtag) or handle characters (mention)
      // right after the sign; a lone sign is punctuation.
      size_t end = i;
      if (cp == '#') {
        while (end < caption.size()) {
          size_t next = end;
          char32_t c = NextCodePoint(caption, next);
          if (!IsWordChar(c)) break;
          end = next;
        }
      } else {
        while (end < caption.size() && IsHandleChar(caption[end])) ++end;
        while (end > i && caption[end - 1] == '.') --end;  // "@ana." ends a sentence
      }
      if (end == i) continue;
      std::string_view tag = caption.substr(i, end - i);
      stats.chars += CodePoints(tag);
      i = end;
      if (cp == '#') {
        ++stats.hashtags;
        if (visitor != nullptr) {
          token.clear();
          LowerAsciiAppend(token, tag);
          visitor->Visit(TokenKind::kHashtag, token);
        }
      } else {
        ++stats.mentions;
      }
      continue;
    }
    if (IsEmoji(cp)) {
      // One emoji as the eye sees it: skin tones, variation selectors, the second half of
      // a flag and ZWJ-joined emoji ("🏃‍♀️") belong to the first code point.
      bool regional = cp >= 0x1F1E6 && cp <= 0x1F1FF;
      size_t end = i;
      while (end < caption.size()) {
        size_t next = end;
        char32_t c = NextCodePoint(caption, next);
        if (IsIgnorable(c) && c != 0x200D) {
          end = next;
        } else if (regional && c >= 0x1F1E6 && c <= 0x1F1FF) {
          end = next;
          regional = false;
        } else if (c == 0x200D && next < caption.size()) {
          size_t after = next;
          if (!IsEmoji(NextCodePoint(caption, after))) break;
          end = after;
        } else {
          break;
        }
      }
      stats.chars += CodePoints(caption.substr(i, end - i));
      i = end;
      ++stats.emoji;
      if (visitor != nullptr) visitor->Visit(TokenKind::kEmoji, caption.substr(start, i - start));
      continue;
    }
    if (!IsWordChar(cp)) continue;
    size_t end = i;
    while (end < caption.size()) {
      size_t next = end;
      char32_t c = NextCodePoint(caption, next);
      // "don't", "it’s" and "l'amour" stay one word.
      if ((c == '\'' || c == 0x2019) && next < caption.size()) {
        size_t after = next;
        if (IsWordChar(NextCodePoint(caption, after))) {
          end = next;
          continue;
        }
      }
      if (!IsWordChar(c)) break;
      end = next;
    }
    std::string_view word = caption.substr(start, end - start);
    stats.chars += CodePoints(caption.substr(i, end - i));
    i = end;
    if (visitor != nullptr) {
      token.clear();
      LowerAsciiAppend(token, word);
      visitor->Visit(TokenKind::kWord, token);
    }
  }
  return stats;
}

}  // namespace sphere::synth
