// CaptionFeaturizer::Extract on arbitrary bytes (the whole input is one caption). Besides
// sanitizer findings, checks what every caller relies on: counts are non-negative and bounded
// by the text (chars >= emoji, words + emoji <= chars, ...), invalid bytes are counted exactly
// when the input is not UTF-8, repairing is idempotent, shares and scores stay in range,
// sentiment exists exactly for English, and the counting-only path agrees with Extract.
// Uses the CLD2 fallback: VADER and wink come from $SPHERE_ASSETS or the source tree's
// var/assets, linked into a scratch asset directory without lid.176.ftz (fastText's model is
// fixed data; CLD2 is the detector that reads the text byte by byte).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "features/text/caption_features.h"
#include "features/text/utf8_repair.h"
#include "fuzz/fuzz_util.h"

namespace sphere::features {
namespace {

const CaptionFeaturizer& Featurizer() {
  static const std::unique_ptr<CaptionFeaturizer> featurizer = [] {
    const char* env = std::getenv("SPHERE_ASSETS");
    const std::filesystem::path real =
        env != nullptr && *env != '\0' ? std::filesystem::path(env)
                                       : std::filesystem::path(SPHERE_SOURCE_DIR) / "var/assets";
    const std::filesystem::path assets = fuzz::ScratchDir() / "assets";
    for (const char* package : {"vader-sentiment", "wink-sentiment"}) {
      std::filesystem::create_directories(assets);
      std::error_code ec;
      std::filesystem::create_directory_symlink(real / package, assets / package, ec);
      SPHERE_FUZZ_CHECK(!ec);
    }
    auto created = CaptionFeaturizer::Create(AssetDir(assets));
    if (!created.ok()) std::fprintf(stderr, "%s\n", created.status().ToString().c_str());
    SPHERE_FUZZ_CHECK(created.ok());
    SPHERE_FUZZ_CHECK((*created)->language_detector() == "cld2");
    return std::move(created).value();
  }();
  return *featurizer;
}

bool SameCounts(const CaptionFeatures& a, const CaptionFeatures& b) {
  const bool same_share = (std::isnan(a.uppercase_share) && std::isnan(b.uppercase_share)) ||
                          a.uppercase_share == b.uppercase_share;
  return a.chars == b.chars && a.words == b.words && a.hashtags == b.hashtags &&
         a.mentions == b.mentions && a.urls == b.urls && a.emoji == b.emoji && same_share &&
         a.questions == b.questions && a.exclamations == b.exclamations &&
         a.line_breaks == b.line_breaks && a.calls_to_action == b.calls_to_action &&
         a.invalid_bytes == b.invalid_bytes;
}

void FuzzOne(std::string_view bytes) {
  const CaptionFeatures f = Featurizer().Extract(bytes);
  const auto size = static_cast<int64_t>(bytes.size());

  SPHERE_FUZZ_CHECK(f.chars >= 0 && f.chars <= size);
  SPHERE_FUZZ_CHECK(f.words >= 0 && f.hashtags >= 0 && f.mentions >= 0 && f.urls >= 0);
  SPHERE_FUZZ_CHECK(f.emoji >= 0 && f.emoji <= f.chars);
  SPHERE_FUZZ_CHECK(f.words + f.emoji <= f.chars);
  SPHERE_FUZZ_CHECK(f.hashtags + f.mentions + f.urls <= f.chars);
  SPHERE_FUZZ_CHECK(f.questions >= 0 && f.exclamations >= 0 && f.line_breaks >= 0);
  SPHERE_FUZZ_CHECK(f.questions + f.exclamations <= 2 * f.chars);
  SPHERE_FUZZ_CHECK(f.line_breaks <= f.chars && f.calls_to_action >= 0);
  SPHERE_FUZZ_CHECK(f.calls_to_action <= f.chars);
  SPHERE_FUZZ_CHECK(f.invalid_bytes >= 0 && f.invalid_bytes <= size);
  SPHERE_FUZZ_CHECK((f.invalid_bytes == 0) == fuzz::IsValidUtf8(bytes));
  SPHERE_FUZZ_CHECK(std::isnan(f.uppercase_share) ||
                    (f.uppercase_share >= 0 && f.uppercase_share <= 1));
  SPHERE_FUZZ_CHECK(f.language_detector == "cld2");
  SPHERE_FUZZ_CHECK(std::isnan(f.language_confidence) ||
                    (f.language_confidence >= 0 && f.language_confidence <= 1));
  SPHERE_FUZZ_CHECK(f.language.empty() || !std::isnan(f.language_confidence));
  SPHERE_FUZZ_CHECK(std::isnan(f.sentiment) == (f.language != "en"));
  SPHERE_FUZZ_CHECK(std::isnan(f.sentiment) || (f.sentiment >= -1 && f.sentiment <= 1));
  SPHERE_FUZZ_CHECK(std::isnan(f.emoji_valence) ||
                    (f.emoji > 0 && f.emoji_valence >= -5 && f.emoji_valence <= 5));

  // The counting path is the same computation without the models.
  SPHERE_FUZZ_CHECK(SameCounts(f, CountCaptionFeatures(bytes)));

  // Repaired text is valid UTF-8 and repairs to itself with the same number of characters.
  const text::RepairedText repaired = text::RepairUtf8(bytes);
  SPHERE_FUZZ_CHECK(fuzz::IsValidUtf8(repaired.utf8));
  SPHERE_FUZZ_CHECK(repaired.code_points == f.chars);
  if (f.invalid_bytes > 0) {
    const CaptionFeatures again = CountCaptionFeatures(repaired.utf8);
    SPHERE_FUZZ_CHECK(again.invalid_bytes == 0 && again.chars == f.chars);
  }
}

}  // namespace
}  // namespace sphere::features

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sphere::features::FuzzOne(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
