#include "model/niche/niche_text.h"

#include <cctype>
#include <cstdint>

namespace sphere::niche {
namespace {

bool IsAsciiWordChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

int Utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;  // a stray continuation or invalid byte: taken alone
}

uint32_t DecodeUtf8(std::string_view s, int length) {
  auto b = [&](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[i])); };
  switch (length) {
    case 2:
      return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3:
      return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    case 4:
      return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    default:
      return b(0);
  }
}

// Code points that only modify the one before them.
bool IsModifier(uint32_t cp) {
  return cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
         cp == 0x20E3;
}

// Emoji, dingbats, arrows and other pictographs: each one is a token.
bool IsSymbol(uint32_t cp) {
  return (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3030 && cp <= 0x303D) || cp >= 0x1F000;
}

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void Break() { in_token_ = false; }
  void Token(std::string_view token) {
    Break();
    Start();
    out_ += token;
    Break();
  }
  void Char(std::string_view bytes) {
    Start();
    out_ += bytes;
  }
  void Start() {
    if (in_token_) return;
    if (!out_.empty()) out_ += ' ';
    out_ += prefix_;
    in_token_ = true;
  }
  void set_prefix(std::string_view prefix) { prefix_ = prefix; }

 private:
  std::string& out_;
  std::string_view prefix_;
  bool in_token_ = false;
};

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

void WriteText(std::string_view text, Writer& w) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::string_view rest = text.substr(i);
    if (StartsWithNoCase(rest, "http://") || StartsWithNoCase(rest, "https://") ||
        StartsWithNoCase(rest, "www.")) {
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      w.Token("__url__");
      continue;
    }
    if (c == '@' && i + 1 < text.size() &&
        IsAsciiWordChar(static_cast<unsigned char>(text[i + 1]))) {
      const size_t start = i;
      ++i;
      while (i < text.size() &&
             (IsAsciiWordChar(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
        ++i;
      }
      w.Token("__mention__");
      std::string handle(text.substr(start, i - start));
      for (char& ch : handle) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      w.Token(handle);
      continue;
    }
    if (c < 0x80) {
      if (IsAsciiWordChar(c)) {
        const char lower =
            (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
        w.Char(std::string_view(&lower, 1));
      } else {
        w.Break();  // space, '#' and punctuation
      }
      ++i;
      continue;
    }
    int length = Utf8Length(c);
    if (i + length > text.size()) length = 1;
    const uint32_t cp = DecodeUtf8(rest, length);
    if (IsModifier(cp)) {
      // dropped
    } else if (IsSymbol(cp)) {
      w.Token(rest.substr(0, length));
    } else {
      w.Char(rest.substr(0, length));  // a letter of another script
    }
    i += length;
  }
  w.Break();
}

}  // namespace

std::string NicheText(std::string_view caption, std::string_view image_description) {
  std::string out;
  out.reserve(caption.size() + image_description.size() * 2);
  Writer w(out);
  WriteText(caption, w);
  std::string_view description = image_description;
  while (!description.empty() && std::isspace(static_cast<unsigned char>(description.front()))) {
    description.remove_prefix(1);
  }
  if (!description.empty()) {
    if (StartsWithNoCase(description, "no photo description available")) {
      w.Token("img_none");
      return out;
    }
    constexpr std::string_view kPreamble = "image may contain:";
    if (StartsWithNoCase(description, kPreamble)) description.remove_prefix(kPreamble.size());
    w.set_prefix("img_");
    WriteText(description, w);
  }
  return out;
}

std::vector<std::string_view> Tokens(std::string_view niche_text) {
  std::vector<std::string_view> tokens;
  size_t start = 0;
  while (start < niche_text.size()) {
    size_t end = niche_text.find(' ', start);
    if (end == std::string_view::npos) end = niche_text.size();
    if (end > start) tokens.push_back(niche_text.substr(start, end - start));
    start = end + 1;
  }
  return tokens;
}

}  // namespace sphere::niche
