// Caption text: the features the fit measures (length, hashtags, mentions, emoji) and the
// tokens its vocabulary is built from. Internal to synth/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sphere::synth {

struct CaptionStats {
  int32_t chars = 0;     // Unicode code points (an invalid byte counts as one)
  int32_t hashtags = 0;  // "#word" occurrences
  int32_t mentions = 0;  // "@handle" occurrences
  int32_t emoji = 0;     // emoji as displayed: a ZWJ sequence, a flag or a toned emoji is one
};

enum class TokenKind { kWord, kHashtag, kEmoji };

// Receives each token of a caption: a word lower-cased (ASCII), a hashtag lower-cased
// without its '#', or one emoji's UTF-8 bytes (with its modifiers and joined parts). The view is
// valid during the call only.
class TokenVisitor {
 public:
  virtual ~TokenVisitor() = default;
  virtual void Visit(TokenKind kind, std::string_view token) = 0;
};

// Measures `caption` and, when `visitor` is not null, hands it every token.
CaptionStats ScanCaption(std::string_view caption, TokenVisitor* visitor);

// True for a code point that renders as an emoji on its own.
bool IsEmoji(char32_t cp);

// The number of code points in UTF-8 text.
int32_t CodePoints(std::string_view text);

}  // namespace sphere::synth
