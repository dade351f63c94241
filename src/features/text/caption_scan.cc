#include "features/text/caption_scan.h"

#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf16.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace sphere::features::text {
namespace {

using Iter = icu::BreakIterator;

// ICU break iterators are not thread-safe and cloning one per call costs more than the rest of
// the scan, so each thread keeps its own. Creation only fails when ICU's data is missing, a
// broken installation that CaptionFeaturizer::Create reports; here there is no way to go on.
Iter& ThreadIterator(bool words) {
  thread_local std::unique_ptr<Iter> word_iter;
  thread_local std::unique_ptr<Iter> char_iter;
  std::unique_ptr<Iter>& slot = words ? word_iter : char_iter;
  if (!slot) {
    UErrorCode status = U_ZERO_ERROR;
    slot.reset(words ? Iter::createWordInstance(icu::Locale::getRoot(), status)
                     : Iter::createCharacterInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status) || !slot) {
      std::fprintf(stderr, "sphere: cannot create an ICU break iterator: %s\n",
                   u_errorName(status));
      std::abort();
    }
  }
  return *slot;
}

// What an idle iterator points at: setText keeps a reference, and the caption's buffer is
// freed when the scan returns.
const icu::UnicodeString& NoText() {
  static const icu::UnicodeString kEmpty;
  return kEmpty;
}

bool IsAsciiAlnum(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char32_t AsciiLower(char32_t c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

char32_t At(std::u16string_view s, int32_t i) {
  char32_t c;
  U16_GET(s.data(), 0, i, static_cast<int32_t>(s.size()), c);
  return c;
}
// The code point before offset i (0 at the start).
char32_t Before(std::u16string_view s, int32_t i) {
  if (i <= 0) return 0;
  char32_t c;
  U16_PREV(s.data(), 0, i, c);
  return c;
}
int32_t Size(std::u16string_view s) { return static_cast<int32_t>(s.size()); }

bool IsMark(char32_t c) { return (U_GET_GC_MASK(c) & U_GC_M_MASK) != 0; }
bool IsHashtagBody(char32_t c) {
  return c == '_' || c == 0x200C || u_hasBinaryProperty(c, UCHAR_ALPHABETIC) || u_isdigit(c) ||
         IsMark(c);
}
bool IsHandleChar(char32_t c) { return IsAsciiAlnum(c) || c == '_' || c == '.'; }
bool IsLabelChar(char32_t c) { return IsAsciiAlnum(c) || c == '-'; }
// Characters a URL runs over: printable ASCII but quotes and angle brackets.
bool IsUrlChar(char32_t c) { return c > 0x20 && c < 0x7F && c != '"' && c != '<' && c != '>'; }
bool IsUrlTrailingPunct(char32_t c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\'' ||
         c == ')' || c == ']' || c == '}' || c == '*';
}

// Top-level domains a bare domain (no scheme, no www.) may end in. Two-letter words common in
// running text ("in", "is", "it", "to", "at", "be", "so", "no", "us", "es") are left out: the
// scanner would otherwise read "log.in" or "just.do.it" as links.
constexpr std::array<std::u16string_view, 40> kBareTlds = {
    u"com",  u"net", u"org",  u"io",    u"co",   u"me",  u"ly",   u"gl",     u"gg",   u"tv",
    u"info", u"biz", u"shop", u"store", u"link", u"app", u"site", u"online", u"club", u"blog",
    u"edu",  u"gov", u"uk",   u"de",    u"fr",   u"ca",  u"au",   u"nl",     u"ru",   u"br",
    u"jp",   u"kr",  u"cn",   u"eu",    u"ch",   u"se",  u"pl",   u"mx",     u"ai",   u"page"};

bool IsBareTld(std::u16string_view label) {
  if (label.size() < 2 || label.size() > 6) return false;
  std::array<char16_t, 6> lower{};
  for (size_t k = 0; k < label.size(); ++k) lower[k] = static_cast<char16_t>(AsciiLower(label[k]));
  std::u16string_view l(lower.data(), label.size());
  return std::find(kBareTlds.begin(), kBareTlds.end(), l) != kBareTlds.end();
}

bool StartsWithNoCase(std::u16string_view s, int32_t i, std::u16string_view prefix) {
  if (Size(s) - i < Size(prefix)) return false;
  for (size_t k = 0; k < prefix.size(); ++k) {
    if (AsciiLower(s[i + k]) != prefix[k]) return false;
  }
  return true;
}

// Extends a URL from `i` over URL characters and drops trailing sentence punctuation.
int32_t UrlEnd(std::u16string_view s, int32_t i) {
  int32_t end = i;
  while (end < Size(s) && IsUrlChar(s[end])) ++end;
  while (end > i && IsUrlTrailingPunct(s[end - 1])) --end;
  return end;
}

// A bare domain "label(.label)*.tld" at i, optionally with a /path; the end or -1.
int32_t BareDomainEnd(std::u16string_view s, int32_t i) {
  int32_t labels = 0;
  int32_t label_begin = i;
  int32_t end = i;
  std::u16string_view last;
  while (true) {
    int32_t k = label_begin;
    while (k < Size(s) && IsLabelChar(s[k])) ++k;
    if (k == label_begin) break;
    ++labels;
    last = s.substr(label_begin, k - label_begin);
    end = k;
    if (k + 1 < Size(s) && s[k] == '.' && IsLabelChar(s[k + 1])) {
      label_begin = k + 1;
    } else {
      break;
    }
  }
  if (labels < 2 || !IsBareTld(last)) return -1;
  if (end < Size(s)) {
    const char32_t next = At(s, end);
    if (next == '_' || next == '@' || u_hasBinaryProperty(next, UCHAR_ALPHABETIC) ||
        u_isdigit(next)) {
      return -1;
    }
    if (next == '/') end = std::max(end, UrlEnd(s, end));
  }
  return end;
}

// Whether a link may start after `prev`: not inside a word, a domain, a handle or a path.
bool MayStartLink(char32_t prev) {
  if (prev < 0x80) {
    return !IsAsciiAlnum(prev) && prev != '.' && prev != '-' && prev != '_' && prev != '@' &&
           prev != '#' && prev != '/' && prev != ':';
  }
  return !u_hasBinaryProperty(prev, UCHAR_ALPHABETIC);
}

// A hashtag body from i (after the sign): its end, or -1 when it has no letter.
int32_t HashtagEnd(std::u16string_view s, int32_t i) {
  bool letter = false;
  int32_t k = i;
  while (k < Size(s)) {
    const char32_t c = At(s, k);
    if (!IsHashtagBody(c)) break;
    letter = letter || u_hasBinaryProperty(c, UCHAR_ALPHABETIC);
    k += U16_LENGTH(c);
  }
  return letter ? k : -1;
}

// An Instagram handle from i (after the sign): its end, or -1. Handles are 1-30 characters
// and cannot end in a dot, so a sentence's full stop is not part of the mention.
int32_t MentionEnd(std::u16string_view s, int32_t i) {
  int32_t k = i;
  // Handles never hold two dots in a row: "@salon...Follow" mentions @salon.
  while (k < Size(s) && IsHandleChar(s[k]) &&
         !(s[k] == '.' && k + 1 < Size(s) && s[k + 1] == '.')) {
    ++k;
  }
  int32_t end = k;
  while (end > i && s[end - 1] == '.') --end;
  if (end == i || end - i > 30) return -1;
  return end;
}

bool IsLineBreak(char16_t c) {
  return c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029;
}
bool IsQuestionMark(char16_t c) {
  return c == '?' || c == 0xFF1F || c == 0x061F || c == 0x2047 || c == 0x2048 || c == 0x2049 ||
         c == 0x2753 || c == 0x2754;
}
bool IsExclamationMark(char16_t c) {
  return c == '!' || c == 0xFF01 || c == 0x203C || c == 0x2048 || c == 0x2049 || c == 0x2755 ||
         c == 0x2757;
}

}  // namespace

std::vector<Entity> FindEntities(std::u16string_view s) {
  std::vector<Entity> out;
  int32_t i = 0;
  char32_t prev = 0;  // the code point before i (0 at the start)
  auto emit = [&](EntityKind kind, int32_t begin, int32_t end) {
    out.push_back({kind, begin, end});
    i = end;
    prev = Before(s, end);
  };
  while (i < Size(s)) {
    // Most characters are ASCII that start nothing: neither a sign nor a link's first letter.
    if (const char16_t u = s[i];
        u < 0x80 && u != '#' && u != '@' && !(IsAsciiAlnum(u) && MayStartLink(prev))) {
      prev = u;
      ++i;
      continue;
    }
    const char32_t c = At(s, i);
    const int32_t width = U16_LENGTH(c);
    const bool follows_entity = !out.empty() && out.back().end == i;
    if (c == '#' || c == 0xFF03) {
      // "#a#b" is two hashtags on Instagram; "C#x" and "&#39;" are not hashtags.
      // Marks do not glue: "❤️#tag" has U+FE0F before the sign and is a hashtag.
      const bool boundary =
          follows_entity || !(IsHashtagBody(prev) || prev == '&') || (prev >= 0x80 && IsMark(prev));
      const int32_t end = boundary ? HashtagEnd(s, i + width) : -1;
      if (end > 0) {
        emit(EntityKind::kHashtag, i, end);
        continue;
      }
    } else if (c == '@' || c == 0xFF20) {
      // An e-mail address is not a mention.
      const bool boundary = follows_entity || !(IsHandleChar(prev) || prev == '@' ||
                                                u_hasBinaryProperty(prev, UCHAR_ALPHABETIC));
      const int32_t end = boundary ? MentionEnd(s, i + width) : -1;
      if (end > 0) {
        emit(EntityKind::kMention, i, end);
        continue;
      }
      // Skip the whole run so that a handle too long to be one is not re-read as a domain.
      int32_t k = i + width;
      while (k < Size(s) && IsHandleChar(s[k])) ++k;
      i = k;
      prev = Before(s, k);
      continue;
    } else if (IsAsciiAlnum(c) && MayStartLink(prev)) {
      int32_t end = -1;
      if (StartsWithNoCase(s, i, u"https://") || StartsWithNoCase(s, i, u"http://")) {
        const int32_t after = i + (s[i + 4] == ':' ? 7 : 8);
        const int32_t url_end = UrlEnd(s, after);
        if (url_end > after) end = url_end;
      } else if (StartsWithNoCase(s, i, u"www.") && i + 4 < Size(s) && IsLabelChar(s[i + 4])) {
        end = UrlEnd(s, i);
      } else {
        end = BareDomainEnd(s, i);
      }
      if (end > i) {
        emit(EntityKind::kUrl, i, end);
        continue;
      }
    }
    prev = c;
    i += width;
  }
  return out;
}

bool IsEmojiCluster(std::u16string_view cluster) {
  if (cluster.empty()) return false;
  if (u_stringHasBinaryProperty(cluster.data(), Size(cluster), UCHAR_RGI_EMOJI)) return true;
  const char32_t c = At(cluster, 0);
  if (U16_LENGTH(c) != Size(cluster) || c < 0x2600 || !u_hasBinaryProperty(c, UCHAR_EMOJI)) {
    return false;
  }
  std::u16string with_selector(cluster);
  with_selector.push_back(0xFE0F);
  return u_stringHasBinaryProperty(with_selector.data(), Size(with_selector), UCHAR_RGI_EMOJI);
}

namespace {

// Calls to action: phrases a caption uses to ask the reader to do something. Whole-word,
// ASCII case-insensitive; no phrase contains another, so matches never overlap or double
// count. Keep docs/features-caption.md in step.
constexpr std::string_view kCallsToAction[] = {
    "link in bio",    "link in my bio",  "link in profile",
    "linkinbio",      "link below",      "tag a friend",
    "tag your",       "tag someone",     "comment below",
    "let me know",    "swipe",           "shop now",
    "buy now",        "order now",       "book now",
    "use code",       "use my code",     "promo code",
    "discount code",  "giveaway",        "giveaways",
    "click the link", "click link",      "dm me",
    "dm us",          "dm for",          "double tap",
    "follow me",      "follow us",       "subscribe",
    "sign up",        "check out",       "don't miss",
    "dont miss",      "don\u2019t miss", "enter to win",
    "save this",      "share this",      "turn on post notifications",
    "learn more",     "shop the look",   "available now",
    "pre-order",      "preorder",
};

}  // namespace

int64_t CountCallsToAction(std::string_view utf8) {
  // Per byte: 0 outside ASCII words, 1 inside one, 2 a letter some phrase starts with; and the
  // phrases bucketed by first letter, so a word start tries only a handful.
  struct Tables {
    std::array<uint8_t, 256> kind{};
    std::array<std::vector<std::string_view>, 128> by_first;
  };
  static const Tables kTables = [] {
    Tables t;
    for (int b = 0; b < 128; ++b) t.kind[b] = IsAsciiAlnum(static_cast<char32_t>(b)) ? 1 : 0;
    for (std::string_view p : kCallsToAction) {
      const auto first = static_cast<unsigned char>(p[0]);
      t.by_first[first].push_back(p);
      t.kind[first] = 2;
      t.kind[first - 'a' + 'A'] = 2;
    }
    return t;
  }();
  auto kind = [&](size_t i) { return kTables.kind[static_cast<unsigned char>(utf8[i])]; };

  int64_t count = 0;
  size_t i = 0;
  // Invariant: i is at a word start or outside any word.
  while (i < utf8.size()) {
    const uint8_t k = kind(i);
    if (k == 0) {
      ++i;
      continue;
    }
    if (k == 2) {
      const auto lower =
          static_cast<unsigned char>(AsciiLower(static_cast<unsigned char>(utf8[i])));
      size_t matched = 0;
      for (std::string_view p : kTables.by_first[lower]) {
        if (utf8.size() - i < p.size()) continue;
        bool equal = true;
        for (size_t j = 1; j < p.size() && equal; ++j) {
          equal = static_cast<char>(AsciiLower(static_cast<unsigned char>(utf8[i + j]))) == p[j];
        }
        const size_t end = i + p.size();
        if (equal && (end == utf8.size() || kind(end) == 0)) {
          matched = p.size();
          break;
        }
      }
      if (matched > 0) {
        ++count;
        i += matched;  // now outside a word: the match ended at a word boundary
        continue;
      }
    }
    ++i;
    while (i < utf8.size() && kind(i) != 0) ++i;
  }
  return count;
}

CaptionScan ScanCaption(std::string_view bytes, CaptionFeatures* f) {
  CaptionScan scan;
  scan.text = RepairUtf8(bytes);
  const std::u16string_view s = scan.text.utf16;
  f->chars = scan.text.code_points;
  f->invalid_bytes = scan.text.invalid_bytes;

  scan.entities = FindEntities(s);
  for (const Entity& e : scan.entities) {
    switch (e.kind) {
      case EntityKind::kHashtag:
        ++f->hashtags;
        break;
      case EntityKind::kMention:
        ++f->mentions;
        break;
      case EntityKind::kUrl:
        ++f->urls;
        break;
    }
  }

  // Per code unit: 1 inside a hashtag or mention, 2 inside a URL, 4 inside an emoji.
  std::vector<uint8_t> mask(s.size(), 0);
  for (const Entity& e : scan.entities) {
    std::fill(mask.begin() + e.begin, mask.begin() + e.end, e.kind == EntityKind::kUrl ? 2 : 1);
  }

  icu::UnicodeString alias(false, s.data(), Size(s));  // read-only alias, no copy
  // Every RGI emoji starts with an Emoji code point, so only clusters holding one are segmented
  // (ICU finds their extent); segmenting the whole caption would cost a pass over every
  // character. ASCII digits, '#' and '*' start an emoji only as keycaps, with U+FE0F next.
  Iter* chars = nullptr;
  int32_t covered = 0;  // clusters before this offset have been looked at
  for (int32_t i = 0; i < Size(s);) {
    const char32_t c = At(s, i);
    const int32_t width = U16_LENGTH(c);
    const bool candidate = c < 0x80 ? (i + 1 < Size(s) && s[i + 1] == 0xFE0F &&
                                       ((c >= '0' && c <= '9') || c == '#' || c == '*'))
                                    : u_hasBinaryProperty(c, UCHAR_EMOJI);
    if (!candidate || i < covered) {
      i += width;
      continue;
    }
    if (chars == nullptr) {
      chars = &ThreadIterator(false);
      chars->setText(alias);
    }
    const int32_t begin = chars->isBoundary(i) ? i : chars->preceding(i);
    const int32_t end = chars->following(begin);
    if (IsEmojiCluster(s.substr(begin, end - begin))) {
      scan.emoji.emplace_back(begin, end);
      for (int32_t k = begin; k < end; ++k) mask[k] |= 4;
    }
    covered = end;
    i = std::max(i + width, end);
  }
  if (chars != nullptr) chars->setText(NoText());
  f->emoji = static_cast<int64_t>(scan.emoji.size());

  Iter& words = ThreadIterator(true);
  words.setText(alias);
  int32_t begin = words.first();
  for (int32_t end = words.next(); end != Iter::DONE; begin = end, end = words.next()) {
    const int32_t status = words.getRuleStatus();
    // Keycaps ("1️⃣") segment as numbers; an emoji is not a word.
    if (status >= UBRK_WORD_NUMBER && status < UBRK_WORD_IDEO_LIMIT && (mask[begin] & 4) == 0) {
      ++f->words;
    }
  }
  words.setText(NoText());

  int64_t upper = 0, cased = 0;
  bool in_run = false, run_question = false, run_exclamation = false;
  auto close_run = [&] {
    f->questions += run_question;
    f->exclamations += run_exclamation;
    in_run = run_question = run_exclamation = false;
  };
  for (int32_t i = 0; i < Size(s);) {
    // Plain ASCII letters, digits and spaces outside entities only touch the case counts.
    if (const char16_t u = s[i];
        mask[i] == 0 && !in_run && u < 0x80 && (IsAsciiAlnum(u) || u == ' ')) {
      const bool is_upper = u >= 'A' && u <= 'Z';
      upper += is_upper;
      cased += is_upper || (u >= 'a' && u <= 'z');
      ++i;
      continue;
    }
    const char32_t c = At(s, i);
    const int32_t width = U16_LENGTH(c);
    const uint8_t m = mask[i];
    if (c < 0x10000 && IsLineBreak(static_cast<char16_t>(c))) {
      // \r\n is one break.
      if (!(c == '\r' && i + 1 < Size(s) && s[i + 1] == '\n')) ++f->line_breaks;
    }
    const bool q = c < 0x10000 && IsQuestionMark(static_cast<char16_t>(c)) && (m & 2) == 0;
    const bool e = c < 0x10000 && IsExclamationMark(static_cast<char16_t>(c)) && (m & 2) == 0;
    if (q || e) {
      in_run = true;
      run_question = run_question || q;
      run_exclamation = run_exclamation || e;
    } else if (in_run && !(c == 0xFE0F || c == 0xFE0E)) {
      close_run();
    }
    if ((m & 3) == 0) {
      if (c < 0x80) {
        upper += c >= 'A' && c <= 'Z';
        cased += (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
      } else {
        const int8_t type = u_charType(c);
        const bool is_upper = type == U_UPPERCASE_LETTER || type == U_TITLECASE_LETTER;
        upper += is_upper;
        cased += is_upper || type == U_LOWERCASE_LETTER;
      }
    }
    i += width;
  }
  if (in_run) close_run();
  if (cased > 0) f->uppercase_share = static_cast<double>(upper) / static_cast<double>(cased);

  f->calls_to_action = CountCallsToAction(scan.text.utf8);
  return scan;
}

std::string LanguageIdText(const CaptionScan& scan) {
  const std::u16string_view s = scan.text.utf16;
  std::vector<bool> skip(s.size(), false);
  for (const Entity& e : scan.entities)
    std::fill(skip.begin() + e.begin, skip.begin() + e.end, true);
  for (const auto& [b, e] : scan.emoji) std::fill(skip.begin() + b, skip.begin() + e, true);
  std::string out;
  out.reserve(scan.text.utf8.size());
  for (int32_t i = 0; i < Size(s);) {
    const char32_t c = At(s, i);
    const int32_t width = U16_LENGTH(c);
    if (!skip[i]) {
      const bool space = c < 0x20 || c == 0x7F || c == 0x85 || c == 0x2028 || c == 0x2029;
      AppendUtf8(space ? U' ' : c, &out);
    }
    i += width;
  }
  return out;
}

}  // namespace sphere::features::text
