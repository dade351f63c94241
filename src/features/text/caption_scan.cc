#include "features/text/caption_scan.h"

#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utext.h>
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

constexpr std::array<bool, 128> kAsciiAlnum = [] {
  std::array<bool, 128> t{};
  for (int c = 0; c < 128; ++c) {
    t[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }
  return t;
}();
bool IsAsciiAlnum(char32_t c) { return c < 0x80 && kAsciiAlnum[c]; }
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

// As views, so that no call measures the literal's length.
constexpr std::u16string_view kHttps = u"https://";
constexpr std::u16string_view kHttp = u"http://";
constexpr std::u16string_view kWww = u"www.";

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
    if (const char16_t u = s[k]; u < 0x80) {  // ASCII: Alphabetic is A-Z a-z, digits 0-9
      if (!IsAsciiAlnum(u) && u != '_') break;
      letter = letter || (u >= 'A' && u != '_');
      ++k;
      continue;
    }
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
  FindEntities(s, &out);
  return out;
}

void FindEntities(std::u16string_view s, std::vector<Entity>* out_ptr) {
  std::vector<Entity>& out = *out_ptr;
  out.clear();
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
      // The run of label characters from i; no link starts inside it (each character there
      // follows a letter, digit or '-'), and a bare domain needs a second label after it.
      int32_t k = i + 1;
      while (k < Size(s) && IsLabelChar(s[k])) ++k;
      int32_t end = -1;
      if (StartsWithNoCase(s, i, kHttps) || StartsWithNoCase(s, i, kHttp)) {
        const int32_t after = i + (s[i + 4] == ':' ? 7 : 8);
        const int32_t url_end = UrlEnd(s, after);
        if (url_end > after) end = url_end;
      } else if (StartsWithNoCase(s, i, kWww) && i + 4 < Size(s) && IsLabelChar(s[i + 4])) {
        end = UrlEnd(s, i);
      } else if (k + 1 < Size(s) && s[k] == '.' && IsLabelChar(s[k + 1])) {
        end = BareDomainEnd(s, i);
      }
      if (end > i) {
        emit(EntityKind::kUrl, i, end);
        continue;
      }
      prev = s[k - 1];
      i = k;
      continue;
    }
    prev = c;
    i += width;
  }
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

namespace {

// Whether offset i lies in an emoji cluster; asked left to right.
class EmojiCursor {
 public:
  explicit EmojiCursor(const std::vector<std::pair<int32_t, int32_t>>& emoji) : emoji_(emoji) {}
  bool Covers(int32_t i) {
    while (next_ < emoji_.size() && emoji_[next_].second <= i) ++next_;
    return next_ < emoji_.size() && emoji_[next_].first <= i;
  }

 private:
  const std::vector<std::pair<int32_t, int32_t>>& emoji_;
  size_t next_ = 0;
};

// Every RGI emoji starts with an Emoji code point, so only clusters holding one are segmented
// (ICU finds their extent); segmenting the whole caption would cost a pass over every
// character. ASCII digits, '#' and '*' start an emoji only as keycaps, with U+FE0F next.
void FindEmoji(std::u16string_view s, std::vector<std::pair<int32_t, int32_t>>* out) {
  out->clear();
  icu::UnicodeString alias(false, s.data(), Size(s));  // read-only alias, no copy
  Iter* chars = nullptr;
  int32_t covered = 0;  // clusters before this offset have been looked at
  const int32_t n = Size(s);
  for (int32_t j = 0; j < n;) {
    if (s[j] < 0x80) {
      ++j;
      continue;
    }
    // The candidate i: an Emoji code point at j, or a keycap base before U+FE0F at j (U+FE0F
    // itself is not Emoji).
    const char32_t c = At(s, j);
    int32_t i = j;
    int32_t width = U16_LENGTH(c);
    if (c == 0xFE0F && j > 0 && s[j - 1] < 0x80 &&
        ((s[j - 1] >= '0' && s[j - 1] <= '9') || s[j - 1] == '#' || s[j - 1] == '*')) {
      i = j - 1;
      width = 1;
    }
    if (i < covered || (i == j && !u_hasBinaryProperty(c, UCHAR_EMOJI))) {
      j += U16_LENGTH(c);
      continue;
    }
    if (chars == nullptr) {
      chars = &ThreadIterator(false);
      chars->setText(alias);
    }
    const int32_t begin = chars->isBoundary(i) ? i : chars->preceding(i);
    const int32_t end = chars->following(begin);
    if (IsEmojiCluster(s.substr(begin, end - begin))) out->emplace_back(begin, end);
    covered = end;
    j = std::max(i + width, end);
  }
  if (chars != nullptr) chars->setText(NoText());
}

bool IsWordStatus(int32_t status) {
  return status >= UBRK_WORD_NUMBER && status < UBRK_WORD_IDEO_LIMIT;
}

// ICU's words in s[from, to), which must start and end at hard boundaries (see
// CountWordsFast); leaves `words` pointing at s, to be reset by the caller.
int64_t CountWordsIcu(Iter& words, std::u16string_view s, int32_t from, int32_t to,
                      EmojiCursor& emoji) {
  UErrorCode status = U_ZERO_ERROR;
  UText text = UTEXT_INITIALIZER;
  utext_openUChars(&text, s.data() + from, to - from, &status);
  words.setText(&text, status);  // keeps a shallow clone: only s must outlive the count
  utext_close(&text);
  int64_t n = 0;
  int32_t begin = words.first();
  for (int32_t end = words.next(); end != Iter::DONE; begin = end, end = words.next()) {
    // Keycaps ("1️⃣") segment as numbers; an emoji is not a word.
    if (IsWordStatus(words.getRuleStatus()) && !emoji.Covers(from + begin)) ++n;
  }
  return n;
}

// UAX #29 word-break classes of the ASCII characters, as ICU's root rules have them: '@' is
// ALetter there (so "me@x.com" and "@" are words) and ':' is not MidLetter. kOther also stands for
// the classes that only join to non-ASCII (Double_Quote) or only to themselves (CR, LF, Newline,
// WSegSpace, handled by IsHardBreak).
enum AsciiWordClass : uint8_t { kOther, kLetter, kDigit, kUnderscore, kMidNumLet, kMidNum, kQuote };

constexpr std::array<uint8_t, 128> kAsciiWordClass = [] {
  std::array<uint8_t, 128> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = t[c - 'a' + 'A'] = kLetter;
  t['@'] = kLetter;
  for (int c = '0'; c <= '9'; ++c) t[c] = kDigit;
  t['_'] = kUnderscore;  // ExtendNumLet
  t['.'] = kMidNumLet;
  t[','] = t[';'] = kMidNum;
  t['\''] = kQuote;  // Single_Quote
  return t;
}();

// Whether ICU breaks between ASCII characters a and b with no rule looking across: one of
// them is kOther (no UAX #29 rule joins it to an ASCII neighbour or looks through it), but
// not space-space (WB3d) or CR LF (WB3). The rules that look further (WB6/7, WB11/12) need
// Mid* flanked by letters or digits, WB4 skips only non-ASCII Extend/Format/ZWJ, WB7b/c need
// Hebrew letters and WB15/16 regional indicators; so ICU segments the text on each side of
// such a break as it would segment that side alone.
bool IsHardBreak(char16_t a, char16_t b) {
  if (kAsciiWordClass[a] != kOther && kAsciiWordClass[b] != kOther) return false;
  return !(a == ' ' && b == ' ') && !(a == '\r' && b == '\n');
}

bool IsWordChar(uint8_t c) { return c == kLetter || c == kDigit || c == kUnderscore; }

// Whether the middle character of x m y joins x and y into one word: '.' or '\'' between
// letters (WB6/7); '.', ',', ';' or '\'' between digits (WB11/12).
bool MidJoins(uint8_t x, uint8_t m, uint8_t y) {
  return (x == kLetter && y == kLetter && (m == kMidNumLet || m == kQuote)) ||
         (x == kDigit && y == kDigit && (m == kMidNumLet || m == kMidNum || m == kQuote));
}

// The same count as CountWordsIcu over the whole text. The text is cut at hard breaks into
// stretches; the stretches with a non-ASCII character go to ICU, the others are segmented
// here by UAX #29 as it stands for ASCII: letters, digits and '_' join (WB5, WB8-10,
// WB13a/b), MidJoins adds WB6/7 and WB11/12, everything else is a segment of its own. A
// segment is a word (ICU status 100 or 200) when it starts with a letter (or '@') or digit,
// or with '_' and has a second character: a lone '_' or punctuation mark is not. No emoji
// cluster reaches into an ASCII stretch (a cluster there would be one ASCII character or
// CR LF, never RGI), so the emoji check is ICU's alone.
int64_t CountWordsFast(Iter& words, std::u16string_view s, EmojiCursor& emoji) {
  const int32_t n = Size(s);
  int64_t count = 0;
  int32_t from = 0;              // the stretch's start
  bool ascii = true;             // s[from, p] is ASCII
  int64_t ascii_words = 0;       // the words of s[from, p] when it is
  bool lone_underscore = false;  // the segment at p is one '_' so far
  for (int32_t p = 0; p < n; ++p) {
    const char16_t a = s[p];
    if (a >= 0x80) {
      ascii = false;
      continue;
    }
    if (const uint8_t c = kAsciiWordClass[a]; IsWordChar(c)) {
      if (ascii) {
        bool joined = false;
        if (p > from) {
          const uint8_t before = kAsciiWordClass[s[p - 1]];
          joined = IsWordChar(before) ||
                   (p - 2 >= from && MidJoins(kAsciiWordClass[s[p - 2]], before, c));
        }
        if (!joined) {
          ascii_words += c != kUnderscore;
          lone_underscore = c == kUnderscore;
        }
      }
      // The rest of a run of letters, digits and '_' joins this character, with no hard break.
      int32_t q = p;
      while (q + 1 < n && s[q + 1] < 0x80 && IsWordChar(kAsciiWordClass[s[q + 1]])) ++q;
      if (q > p && lone_underscore) {
        ++ascii_words;
        lone_underscore = false;
      }
      p = q;
    } else {
      lone_underscore = false;
    }
    if (p + 1 < n && (s[p + 1] >= 0x80 || !IsHardBreak(s[p], s[p + 1]))) continue;
    count += ascii ? ascii_words : CountWordsIcu(words, s, from, p + 1, emoji);
    from = p + 1;
    ascii = true;
    ascii_words = 0;
    lone_underscore = false;
  }
  if (from < n) count += CountWordsIcu(words, s, from, n, emoji);
  return count;
}

// Per ASCII character: 1 uppercase letter, 2 lowercase letter, 4 a line break or ?/! mark.
constexpr std::array<uint8_t, 128> kAsciiCaseClass = [] {
  std::array<uint8_t, 128> t{};
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = 1;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = 2;
  t['\n'] = t['\r'] = t['?'] = t['!'] = 4;
  return t;
}();

// Uppercase share, question and exclamation runs and line breaks.
void CountMarksAndCase(std::u16string_view s, const std::vector<Entity>& entities,
                       CaptionFeatures* f) {
  int64_t upper = 0, cased = 0;
  bool in_run = false, run_question = false, run_exclamation = false;
  auto close_run = [&] {
    f->questions += run_question;
    f->exclamations += run_exclamation;
    in_run = run_question = run_exclamation = false;
  };
  const int32_t n = Size(s);
  size_t next = 0;  // the first entity not yet reached
  for (int32_t i = 0; i < n;) {
    // The span from i with one entity state: m is 1 inside a hashtag or mention, 2 inside a
    // URL, 0 outside entities.
    uint8_t m = 0;
    int32_t span_end = n;
    if (next < entities.size()) {
      const Entity& e = entities[next];
      if (e.begin <= i) {
        m = e.kind == EntityKind::kUrl ? 2 : 1;
        span_end = e.end;
        ++next;
      } else {
        span_end = e.begin;
      }
    }
    while (i < span_end) {
      // A run of ASCII that is neither a line break nor a mark only touches the case counts.
      int32_t j = i;
      if (m == 0) {
        int64_t run_upper = 0, run_cased = 0;
        for (char16_t u; j < span_end && (u = s[j]) < 0x80 && (kAsciiCaseClass[u] & 4) == 0; ++j) {
          run_upper += kAsciiCaseClass[u] & 1;
          run_cased += kAsciiCaseClass[u] != 0;
        }
        upper += run_upper;
        cased += run_cased;
      } else {
        for (char16_t u; j < span_end && (u = s[j]) < 0x80 && (kAsciiCaseClass[u] & 4) == 0;) ++j;
      }
      if (j > i) {
        if (in_run) close_run();
        i = j;
        continue;
      }
      const char32_t c = At(s, i);
      const int32_t width = U16_LENGTH(c);
      if (c < 0x10000 && IsLineBreak(static_cast<char16_t>(c))) {
        // \r\n is one break.
        if (!(c == '\r' && i + 1 < n && s[i + 1] == '\n')) ++f->line_breaks;
      }
      const bool q = c < 0x10000 && IsQuestionMark(static_cast<char16_t>(c)) && m != 2;
      const bool e = c < 0x10000 && IsExclamationMark(static_cast<char16_t>(c)) && m != 2;
      if (q || e) {
        in_run = true;
        run_question = run_question || q;
        run_exclamation = run_exclamation || e;
      } else if (in_run && !(c == 0xFE0F || c == 0xFE0E)) {
        close_run();
      }
      if (m == 0) {
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
  }
  if (in_run) close_run();
  if (cased > 0) f->uppercase_share = static_cast<double>(upper) / static_cast<double>(cased);
}

}  // namespace

CaptionScan ScanCaption(std::string_view bytes, CaptionFeatures* f, WordCounting words) {
  CaptionScan scan;
  ScanCaption(bytes, f, &scan, words);
  return scan;
}

void ScanCaption(std::string_view bytes, CaptionFeatures* f, CaptionScan* scan,
                 WordCounting words) {
  RepairUtf8(bytes, &scan->text);
  const std::u16string_view s = scan->text.utf16;
  f->chars = scan->text.code_points;
  f->invalid_bytes = scan->text.invalid_bytes;

  FindEntities(s, &scan->entities);
  for (const Entity& e : scan->entities) {
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

  FindEmoji(s, &scan->emoji);
  f->emoji = static_cast<int64_t>(scan->emoji.size());

  Iter& word_iter = ThreadIterator(true);
  EmojiCursor emoji(scan->emoji);
  f->words = words == WordCounting::kIcuOnly ? CountWordsIcu(word_iter, s, 0, Size(s), emoji)
                                             : CountWordsFast(word_iter, s, emoji);
  word_iter.setText(NoText());

  CountMarksAndCase(s, scan->entities, f);
  f->calls_to_action = CountCallsToAction(scan->text.utf8);
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
