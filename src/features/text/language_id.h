// Language identification of caption text: fastText's lid.176 model when its asset is
// present, CLD2 (built into Debian's libcld2) when it is not.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "features/assets.h"

namespace fasttext {
class FastText;
}

namespace sphere::features::text {

struct LanguageGuess {
  std::string language;     // ISO 639 code; "" when undetermined
  double confidence = 0;    // fastText: the top label's probability; CLD2: its share of the text
  bool determined = false;  // false when there was no letter to judge (confidence is then NaN)
};

class LanguageIdentifier {
 public:
  static constexpr std::string_view kFastText = "fasttext-lid.176";
  static constexpr std::string_view kCld2 = "cld2";
  // Below this probability fastText's top label is reported as undetermined ("").
  static constexpr double kMinFastTextConfidence = 0.5;

  // fastText when `assets` holds lid.176.ftz; DataLoss when it is there but does not load.
  // CLD2 when the file is absent.
  static Result<std::unique_ptr<LanguageIdentifier>> Create(const AssetDir& assets);
  // Always CLD2.
  static std::unique_ptr<LanguageIdentifier> CreateCld2();

  ~LanguageIdentifier();
  LanguageIdentifier(const LanguageIdentifier&) = delete;
  LanguageIdentifier& operator=(const LanguageIdentifier&) = delete;

  // `line` is well-formed UTF-8 without line breaks. Thread-safe: fastText's predictLine is
  // const and keeps its scratch state on the stack; CLD2 keeps none. Never throws.
  LanguageGuess Identify(std::string_view line) const;

  std::string_view detector() const { return fasttext_ ? kFastText : kCld2; }

 private:
  explicit LanguageIdentifier(std::unique_ptr<fasttext::FastText> model);
  LanguageGuess IdentifyCld2(std::string_view line) const;

  std::unique_ptr<fasttext::FastText> fasttext_;  // null: CLD2
};

}  // namespace sphere::features::text
