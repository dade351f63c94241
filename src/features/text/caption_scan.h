// The counting half of caption features: one pass of ICU segmentation and a hand-written
// scanner over the repaired text. Internal to sphere_features_text; exposed for tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "features/text/caption_features.h"
#include "features/text/utf8_repair.h"

namespace sphere::features::text {

enum class EntityKind { kHashtag, kMention, kUrl };

// A hashtag, mention or URL as a half-open range of UTF-16 offsets.
struct Entity {
  EntityKind kind;
  int32_t begin;
  int32_t end;
};

// Instagram-style entities, left to right, non-overlapping. Rules in docs/features-caption.md.
std::vector<Entity> FindEntities(std::u16string_view text);
// The same, replacing the contents of `*out`.
void FindEntities(std::u16string_view text, std::vector<Entity>* out);

// True when the grapheme cluster is an RGI emoji, or is one text-default emoji code point
// from U+2600 up (❤, ✌, ☝) that becomes RGI with U+FE0F: keyboards often drop the selector.
bool IsEmojiCluster(std::u16string_view cluster);

// Matches of the call-to-action phrase list in `utf8` (ASCII case-insensitive, whole words).
int64_t CountCallsToAction(std::string_view utf8);

struct CaptionScan {
  RepairedText text;
  std::vector<Entity> entities;
  std::vector<std::pair<int32_t, int32_t>> emoji;  // UTF-16 ranges of the emoji clusters
};

// How words are counted. kIcuOnly runs ICU's word break iterator over the whole caption: the
// reference the fast path is tested against. kFast gives the same counts: stretches of ASCII
// between hard word boundaries are segmented by hand, the rest by ICU.
enum class WordCounting { kFast, kIcuOnly };

// Fills the counting fields of `*f` and returns what the language and valence steps reuse.
CaptionScan ScanCaption(std::string_view bytes, CaptionFeatures* f,
                        WordCounting words = WordCounting::kFast);

// The same into `*scan`, whose buffers are reused (a caller scanning many captions keeps one).
void ScanCaption(std::string_view bytes, CaptionFeatures* f, CaptionScan* scan,
                 WordCounting words = WordCounting::kFast);

// The text a language detector should see: without hashtags, mentions, URLs and emoji, with
// line breaks and other control characters as spaces (fastText reads one line).
std::string LanguageIdText(const CaptionScan& scan);

}  // namespace sphere::features::text
