#include "features/text/caption_features.h"

#include <unicode/brkiter.h>

#include <cmath>
#include <utility>

#include "features/text/caption_scan.h"
#include "features/text/emoji_valence.h"
#include "features/text/language_id.h"
#include "features/text/utf8_repair.h"
#include "features/text/vader.h"

namespace sphere::features {
namespace {

// Language identification reads at most this much text: a long caption's language is settled
// well before, and it bounds the time one caption can take.
constexpr size_t kMaxLanguageIdBytes = 16 * 1024;

constexpr size_t kMaxKeptScanBytes = 256 * 1024;

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
void TruncateUtf8(std::string* s, size_t max) {
  if (s->size() <= max) return;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>((*s)[end]) & 0xC0) == 0x80) --end;
  s->resize(end);
}

// Fails when ICU's segmentation data is unusable, so that Extract never meets that failure.
Status CheckIcu() {
  for (bool words : {true, false}) {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> it(
        words ? icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status)
              : icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status) || !it) {
      return Internal(std::string("ICU cannot create a break iterator: ") + u_errorName(status));
    }
  }
  return Status::Ok();
}

}  // namespace

CaptionFeatures CountCaptionFeatures(std::string_view caption_utf8) {
  CaptionFeatures f;
  // Each thread reuses one scan's buffers, so a caption costs no allocation; buffers that
  // grew past kMaxKeptScanBytes for a huge caption are given back.
  thread_local text::CaptionScan scan;
  text::ScanCaption(caption_utf8, &f, &scan);
  if (scan.text.utf16.capacity() * 2 + scan.text.utf8.capacity() > kMaxKeptScanBytes) {
    scan = text::CaptionScan();
  }
  return f;
}

Result<std::unique_ptr<CaptionFeaturizer>> CaptionFeaturizer::Create(const AssetDir& assets) {
  SPHERE_RETURN_IF_ERROR(CheckIcu());
  SPHERE_ASSIGN_OR_RETURN(auto vader_path, assets.Find(asset::kVaderPackage, asset::kVaderLexicon));
  SPHERE_ASSIGN_OR_RETURN(auto wink_path, assets.Find(asset::kWinkPackage, asset::kWinkEmojis));
  SPHERE_ASSIGN_OR_RETURN(auto vader, text::VaderLexicon::Load(vader_path));
  SPHERE_ASSIGN_OR_RETURN(auto emoji, text::EmojiValences::Load(wink_path));
  SPHERE_ASSIGN_OR_RETURN(auto language, text::LanguageIdentifier::Create(assets));
  return std::unique_ptr<CaptionFeaturizer>(new CaptionFeaturizer(
      std::move(language), std::make_unique<text::VaderLexicon>(std::move(vader)),
      std::make_unique<text::EmojiValences>(std::move(emoji))));
}

CaptionFeaturizer::CaptionFeaturizer(std::unique_ptr<text::LanguageIdentifier> language,
                                     std::unique_ptr<text::VaderLexicon> vader,
                                     std::unique_ptr<text::EmojiValences> emoji)
    : language_(std::move(language)), vader_(std::move(vader)), emoji_(std::move(emoji)) {}

CaptionFeaturizer::~CaptionFeaturizer() = default;

std::string_view CaptionFeaturizer::language_detector() const { return language_->detector(); }

CaptionFeatures CaptionFeaturizer::Extract(std::string_view caption_utf8) const {
  CaptionFeatures f;
  const text::CaptionScan scan = text::ScanCaption(caption_utf8, &f);

  std::string line = text::LanguageIdText(scan);
  TruncateUtf8(&line, kMaxLanguageIdBytes);
  text::LanguageGuess guess = language_->Identify(line);
  f.language = std::move(guess.language);
  f.language_confidence = guess.determined ? guess.confidence : kMissing;
  f.language_detector = std::string(language_->detector());

  // VADER's lexicon and rules are English; on other languages its score would be noise.
  if (f.language == "en") f.sentiment = vader_->Compound(scan.text.utf8);

  double valence_sum = 0;
  int64_t scored = 0;
  std::string emoji_utf8;
  for (const auto& [begin, end] : scan.emoji) {
    emoji_utf8.clear();
    for (int32_t i = begin; i < end;) {
      char32_t c = scan.text.utf16[i++];
      if (c >= 0xD800 && c <= 0xDBFF && i < end) {
        c = 0x10000 + ((c - 0xD800) << 10) + (scan.text.utf16[i++] - 0xDC00);
      }
      text::AppendUtf8(c, &emoji_utf8);
    }
    if (std::optional<double> v = emoji_->Find(emoji_utf8)) {
      valence_sum += *v;
      ++scored;
    }
  }
  if (scored > 0) f.emoji_valence = valence_sum / static_cast<double>(scored);
  return f;
}

void AppendCaptionFeatures(const CaptionFeatures& f, FeatureVector* out) {
  auto count = [](int64_t v) { return static_cast<double>(v); };
  out->Add("caption.chars", count(f.chars));
  out->Add("caption.words", count(f.words));
  out->Add("caption.hashtags", count(f.hashtags));
  out->Add("caption.mentions", count(f.mentions));
  out->Add("caption.urls", count(f.urls));
  out->Add("caption.emoji", count(f.emoji));
  out->Add("caption.uppercase_share", f.uppercase_share);
  out->Add("caption.questions", count(f.questions));
  out->Add("caption.exclamations", count(f.exclamations));
  out->Add("caption.line_breaks", count(f.line_breaks));
  out->Add("caption.calls_to_action", count(f.calls_to_action));
  out->Add("caption.is_english", f.language.empty() ? kMissing : (f.language == "en" ? 1.0 : 0.0));
  out->Add("caption.language_confidence", f.language_confidence);
  out->Add("caption.sentiment", f.sentiment);
  out->Add("caption.emoji_valence", f.emoji_valence);
  out->Add("caption.invalid_bytes", count(f.invalid_bytes));
}

}  // namespace sphere::features
