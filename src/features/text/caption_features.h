// Caption features: what the text of one post says about it, as numbers a model can read.
//
// Counting features (characters, words, hashtags, mentions, URLs, emoji, punctuation, calls to
// action) need nothing but ICU. Language (fastText lid.176, or CLD2 when that asset is absent),
// sentiment (VADER, English captions only) and emoji valence (wink-sentiment) need the pinned
// assets, loaded once by CaptionFeaturizer::Create. Definitions and measured figures:
// docs/features-caption.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "features/assets.h"
#include "features/feature_vector.h"

namespace sphere::features {

namespace text {
class LanguageIdentifier;
class VaderLexicon;
class EmojiValences;
}  // namespace text

struct CaptionFeatures {
  int64_t chars = 0;     // Unicode code points after invalid-byte replacement
  int64_t words = 0;     // ICU word-break words (letters/numbers/kana/ideographs), not emoji/punct
  int64_t hashtags = 0;  // #tag: letters/marks/digits/_ in any script, at least one letter
  int64_t mentions = 0;  // @handle: Instagram handle characters [A-Za-z0-9._], 1-30 long
  int64_t urls = 0;      // http(s)://..., www...., bare domains with a known TLD (shop.com/x)
  int64_t emoji = 0;  // grapheme clusters that are RGI emoji (a flag, keycap or family counts once)
  double uppercase_share = kMissing;  // uppercase / cased letters outside hashtags, mentions, URLs
  int64_t questions = 0;              // runs of ?/!-like marks that contain a question mark
  int64_t exclamations = 0;           // runs of ?/!-like marks that contain an exclamation mark
  int64_t line_breaks = 0;            // \n, \r\n, \r, U+0085, U+2028, U+2029 (\r\n counts once)
  int64_t calls_to_action = 0;        // matches of the CTA phrase list (docs/features-caption.md)
  std::string language;               // ISO 639 code ("en"); "" when undetermined
  double language_confidence = kMissing;  // the detector's confidence in its top language
  std::string language_detector;          // "fasttext-lid.176" or "cld2" (the fallback)
  double sentiment = kMissing;            // VADER compound in [-1,1]; English captions only
  double emoji_valence = kMissing;        // mean wink-sentiment valence (-5..5) of the scored emoji
  int64_t invalid_bytes = 0;              // bytes of invalid UTF-8 replaced by U+FFFD
};

// The counting features only (everything but language, sentiment and emoji valence, which
// stay at their defaults). Needs no assets; thread-safe; never throws. Any bytes are accepted.
CaptionFeatures CountCaptionFeatures(std::string_view caption_utf8);

class CaptionFeaturizer {
 public:
  // Loads lid.176.ftz (fastText) — or, when that asset is absent, uses CLD2 and records it in
  // every result's language_detector — the VADER lexicon and the wink emoji valences from
  // `assets`. NotFound (naming the file and "run scripts/fetch_assets.sh") when the VADER or
  // wink asset is absent; DataLoss when an asset is present but unreadable or malformed.
  static Result<std::unique_ptr<CaptionFeaturizer>> Create(const AssetDir& assets);

  ~CaptionFeaturizer();
  CaptionFeaturizer(const CaptionFeaturizer&) = delete;
  CaptionFeaturizer& operator=(const CaptionFeaturizer&) = delete;

  // All features of one caption. Thread-safe (the loaded models are read-only), never throws,
  // deterministic. Any bytes are accepted; an empty caption is valid.
  CaptionFeatures Extract(std::string_view caption_utf8) const;

  // "fasttext-lid.176" or "cld2".
  std::string_view language_detector() const;

 private:
  CaptionFeaturizer(std::unique_ptr<text::LanguageIdentifier> language,
                    std::unique_ptr<text::VaderLexicon> vader,
                    std::unique_ptr<text::EmojiValences> emoji);

  std::unique_ptr<text::LanguageIdentifier> language_;
  std::unique_ptr<text::VaderLexicon> vader_;
  std::unique_ptr<text::EmojiValences> emoji_;
};

// Appends the numeric caption features, in this order, under these names:
//   caption.chars, caption.words, caption.hashtags, caption.mentions, caption.urls,
//   caption.emoji, caption.uppercase_share, caption.questions, caption.exclamations,
//   caption.line_breaks, caption.calls_to_action, caption.is_english (1/0; NaN when the
//   language is undetermined), caption.language_confidence, caption.sentiment,
//   caption.emoji_valence, caption.invalid_bytes.
void AppendCaptionFeatures(const CaptionFeatures& f, FeatureVector* out);

}  // namespace sphere::features
