#include "features/text/emoji_valence.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "features/text/utf8_repair.h"

namespace sphere::features::text {
namespace {

// A small cursor over the JavaScript source that knows the current line for messages.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}

  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  size_t line() const { return line_; }

  void Advance(size_t n = 1) {
    for (size_t k = 0; k < n && i_ < s_.size(); ++k, ++i_) line_ += s_[i_] == '\n';
  }

  // Skips white space and // and /* */ comments; false on an unterminated block comment.
  bool SkipSpaceAndComments() {
    while (!done()) {
      const char c = peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        Advance();
      } else if (s_.substr(i_, 2) == "//") {
        while (!done() && peek() != '\n') Advance();
      } else if (s_.substr(i_, 2) == "/*") {
        const size_t end = s_.find("*/", i_ + 2);
        if (end == std::string_view::npos) return false;
        Advance(end + 2 - i_);
      } else {
        break;
      }
    }
    return true;
  }

  // Skips a string literal the cursor is on, without decoding it.
  void SkipString() {
    const char quote = peek();
    Advance();
    while (!done() && peek() != quote && peek() != '\n') Advance(peek() == '\\' ? 2 : 1);
    Advance();
  }

  // Moves to the '{' that opens the object literal, skipping comments and strings.
  bool FindObjectStart() {
    while (SkipSpaceAndComments(), !done()) {
      const char c = peek();
      if (c == '{') return true;
      if (c == '\'' || c == '"' || c == '`') {
        SkipString();
      } else {
        Advance();
      }
    }
    return false;
  }

  // A quoted key with JavaScript escapes decoded (\uXXXX, \u{X...}, surrogate pairs).
  std::optional<std::string> String() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') return std::nullopt;
    Advance();
    std::string out;
    char16_t pending_high = 0;
    while (!done() && peek() != quote) {
      char c = peek();
      if (c == '\n') return std::nullopt;
      if (c != '\\') {
        if (pending_high != 0) return std::nullopt;
        out.push_back(c);
        Advance();
        continue;
      }
      Advance();
      c = peek();
      Advance();
      char32_t cp = 0;
      if (c == 'u') {
        std::string_view digits;
        if (peek() == '{') {
          const size_t close = s_.find('}', i_);
          if (close == std::string_view::npos) return std::nullopt;
          digits = s_.substr(i_ + 1, close - i_ - 1);
          Advance(close + 1 - i_);
        } else {
          digits = s_.substr(i_, 4);
          if (digits.size() != 4) return std::nullopt;
          Advance(4);
        }
        uint32_t v = 0;
        auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, 16);
        if (ec != std::errc() || ptr != digits.data() + digits.size() || v > 0x10FFFF) {
          return std::nullopt;
        }
        cp = v;
      } else if (c == 'n') {
        cp = '\n';
      } else if (c == 't') {
        cp = '\t';
      } else {
        cp = static_cast<unsigned char>(c);  // \' \" \\ and friends stand for themselves
      }
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (pending_high != 0) return std::nullopt;
        pending_high = static_cast<char16_t>(cp);
        continue;
      }
      if (cp >= 0xDC00 && cp <= 0xDFFF) {
        if (pending_high == 0) return std::nullopt;
        cp = 0x10000 + ((pending_high - 0xD800) << 10) + (cp - 0xDC00);
        pending_high = 0;
      } else if (pending_high != 0) {
        return std::nullopt;
      }
      AppendUtf8(cp, &out);
    }
    if (done() || pending_high != 0) return std::nullopt;
    Advance();  // closing quote
    return out;
  }

  std::optional<double> Number() {
    size_t end = i_;
    while (end < s_.size() &&
           (std::isdigit(static_cast<unsigned char>(s_[end])) || s_[end] == '-' || s_[end] == '+' ||
            s_[end] == '.' || s_[end] == 'e' || s_[end] == 'E')) {
      ++end;
    }
    std::string_view text = s_.substr(i_, end - i_);
    if (!text.empty() && text[0] == '+') text.remove_prefix(1);
    double v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() ||
        !std::isfinite(v)) {
      return std::nullopt;
    }
    Advance(end - i_);
    return v;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
  size_t line_ = 1;
};

// Drops U+FE0F/U+FE0E and the skin-tone modifiers U+1F3FB..U+1F3FF (UTF-8).
std::string BaseForm(std::string_view emoji) {
  std::string out;
  out.reserve(emoji.size());
  for (size_t i = 0; i < emoji.size();) {
    if (emoji.substr(i, 3) == "\xEF\xB8\x8F" || emoji.substr(i, 3) == "\xEF\xB8\x8E") {
      i += 3;
      continue;
    }
    if (emoji.size() - i >= 4 && emoji.substr(i, 3) == "\xF0\x9F\x8F" &&
        static_cast<unsigned char>(emoji[i + 3]) >= 0xBB &&
        static_cast<unsigned char>(emoji[i + 3]) <= 0xBF) {
      i += 4;
      continue;
    }
    out.push_back(emoji[i]);
    ++i;
  }
  return out;
}

}  // namespace

Result<EmojiValences> EmojiValences::Load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open " + path.string() + "; run scripts/fetch_assets.sh");
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return DataLoss("cannot read " + path.string());
  return Parse(contents.str(), path.string());
}

Result<EmojiValences> EmojiValences::Parse(std::string_view source, std::string_view name) {
  Cursor cur(source);
  auto error = [&](std::string_view what) {
    return DataLoss(std::string(name) + ":" + std::to_string(cur.line()) + ": " +
                    std::string(what));
  };
  if (!cur.FindObjectStart()) return error("no object literal '{ ... }'");
  cur.Advance();
  EmojiValences out;
  while (true) {
    if (!cur.SkipSpaceAndComments()) return error("unterminated comment");
    if (cur.peek() == '}') break;
    std::optional<std::string> key = cur.String();
    if (!key || key->empty()) return error("expected a quoted emoji key");
    if (!cur.SkipSpaceAndComments() || cur.peek() != ':') return error("expected ':' after a key");
    cur.Advance();
    if (!cur.SkipSpaceAndComments()) return error("unterminated comment");
    std::optional<double> value = cur.Number();
    if (!value) return error("expected a number");
    out.valence_.insert_or_assign(std::move(*key), *value);
    if (!cur.SkipSpaceAndComments()) return error("unterminated comment");
    if (cur.peek() == ',') {
      cur.Advance();
    } else if (cur.peek() != '}') {
      return error("expected ',' or '}'");
    }
  }
  if (out.valence_.empty()) return error("the object literal has no entries");
  return out;
}

std::optional<double> EmojiValences::Find(std::string_view emoji_utf8) const {
  if (auto it = valence_.find(emoji_utf8); it != valence_.end()) return it->second;
  const std::string base = BaseForm(emoji_utf8);
  if (base.size() == emoji_utf8.size()) return std::nullopt;
  if (auto it = valence_.find(base); it != valence_.end()) return it->second;
  return std::nullopt;
}

}  // namespace sphere::features::text
