#include "features/text/language_id.h"

#include <cld2/public/compact_lang_det.h>
#include <fasttext/fasttext.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cmath>
#include <exception>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

// LanguageCode lives in CLD2's internal header, which does not compile on its own.
namespace CLD2 {
const char* LanguageCode(Language lang);
}

namespace sphere::features::text {
namespace {

constexpr std::string_view kLabelPrefix = "__label__";

bool HasLetter(std::string_view utf8) {
  int32_t i = 0;
  const auto n = static_cast<int32_t>(utf8.size());
  while (i < n) {
    UChar32 c;
    U8_NEXT(utf8.data(), i, n, c);
    if (c >= 0 && u_hasBinaryProperty(c, UCHAR_ALPHABETIC)) return true;
  }
  return false;
}

}  // namespace

LanguageIdentifier::LanguageIdentifier(std::unique_ptr<fasttext::FastText> model)
    : fasttext_(std::move(model)) {}
LanguageIdentifier::~LanguageIdentifier() = default;

Result<std::unique_ptr<LanguageIdentifier>> LanguageIdentifier::Create(const AssetDir& assets) {
  Result<std::filesystem::path> path =
      assets.Find(asset::kLanguageIdPackage, asset::kLanguageIdModel);
  if (!path.ok()) return CreateCld2();  // the documented fallback; detector() records it
  auto model = std::make_unique<fasttext::FastText>();
  try {
    model->loadModel(path->string());
  } catch (const std::exception& e) {
    return DataLoss("cannot load the fastText model " + path->string() + ": " + e.what() +
                    "; run scripts/fetch_assets.sh");
  }
  return std::unique_ptr<LanguageIdentifier>(new LanguageIdentifier(std::move(model)));
}

std::unique_ptr<LanguageIdentifier> LanguageIdentifier::CreateCld2() {
  return std::unique_ptr<LanguageIdentifier>(new LanguageIdentifier(nullptr));
}

LanguageGuess LanguageIdentifier::Identify(std::string_view line) const {
  LanguageGuess guess;
  guess.confidence = std::nan("");
  if (!HasLetter(line)) return guess;
  if (!fasttext_) return IdentifyCld2(line);
  try {
    std::istringstream in{std::string(line)};
    std::vector<std::pair<fasttext::real, std::string>> predictions;
    fasttext_->predictLine(in, predictions, 1, 0.0);
    if (predictions.empty()) return guess;
    guess.determined = true;
    guess.confidence = std::min(1.0, static_cast<double>(predictions[0].first));
    std::string_view label = predictions[0].second;
    if (label.starts_with(kLabelPrefix)) label.remove_prefix(kLabelPrefix.size());
    if (guess.confidence >= kMinFastTextConfidence) guess.language = std::string(label);
  } catch (const std::exception&) {
    // Only allocation can fail here; an unjudged caption is "undetermined", not a crash.
    guess = LanguageGuess{};
    guess.confidence = std::nan("");
  }
  return guess;
}

LanguageGuess LanguageIdentifier::IdentifyCld2(std::string_view line) const {
  LanguageGuess guess;
  CLD2::Language language3[3];
  int percent3[3];
  int text_bytes = 0;
  bool reliable = false;
  // The caller guarantees well-formed UTF-8, which is what this entry point requires.
  const CLD2::Language top = CLD2::DetectLanguageSummary(line.data(), static_cast<int>(line.size()),
                                                         /*is_plain_text=*/true, language3,
                                                         percent3, &text_bytes, &reliable);
  guess.determined = true;
  guess.confidence = percent3[0] / 100.0;
  if (top != CLD2::UNKNOWN_LANGUAGE && reliable) {
    std::string code = CLD2::LanguageCode(top);
    if (code == "iw") code = "he";  // CLD2 keeps the retired code; fastText says "he"
    guess.language = std::move(code);
  }
  return guess;
}

}  // namespace sphere::features::text
