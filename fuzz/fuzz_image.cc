// ImageFeaturizer::FromBytes on arbitrary bytes with small limits, plus the header parser and
// the image-description parser on the same bytes. Besides sanitizer findings, checks: a header
// the parser accepts has positive dimensions and an offset inside the input; features come back
// only for images within the limits, with every statistic finite and in its range; nothing but
// InvalidArgument is returned for bad bytes (an Internal status would be our bug).
// Uses the Haar fallback (no asset directory): the decoders and limits are what is fuzzed, and
// BlazeFace's fixed ~10 ms per decoded image would cut exec/s tenfold.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "features/visual/image_header.h"
#include "features/visual/visual_features.h"
#include "fuzz/fuzz_util.h"

namespace sphere::features {
namespace {

constexpr ImageLimits kLimits{/*max_bytes=*/1 << 20, /*max_pixels=*/256 * 256,
                              /*max_side=*/1024};

const ImageFeaturizer& Featurizer() {
  static const std::unique_ptr<ImageFeaturizer> featurizer = [] {
    auto created = ImageFeaturizer::Create(AssetDir("/nonexistent-sphere-assets"), kLimits);
    SPHERE_FUZZ_CHECK(created.ok());
    return std::move(created).value();
  }();
  return *featurizer;
}

bool InUnitRange(const std::optional<double>& v) {
  return v && std::isfinite(*v) && *v >= 0 && *v <= 1;
}

void FuzzOne(std::string_view bytes) {
  Result<ImageHeader> header = ParseImageHeader(bytes);
  if (header.ok()) {
    SPHERE_FUZZ_CHECK(header->width > 0 && header->height > 0);
    SPHERE_FUZZ_CHECK(header->data_offset <= bytes.size());
    (void)CheckComplete(*header, bytes);
  }

  Result<VisualFeatures> f = Featurizer().FromBytes(bytes);
  if (!f.ok()) {
    SPHERE_FUZZ_CHECK(f.status().code() == Code::kInvalidArgument);
  } else {
    SPHERE_FUZZ_CHECK(header.ok());
    SPHERE_FUZZ_CHECK(f->width > 0 && f->height > 0);
    SPHERE_FUZZ_CHECK(static_cast<int64_t>(f->width) * f->height <= kLimits.max_pixels);
    SPHERE_FUZZ_CHECK(f->people && *f->people >= 0);
    SPHERE_FUZZ_CHECK(InUnitRange(f->brightness) && InUnitRange(f->contrast));
    SPHERE_FUZZ_CHECK(InUnitRange(f->saturation) && InUnitRange(f->face_area_share));
    SPHERE_FUZZ_CHECK(InUnitRange(f->text_area_share));
    SPHERE_FUZZ_CHECK(f->colourfulness && std::isfinite(*f->colourfulness));
    SPHERE_FUZZ_CHECK(f->sharpness && std::isfinite(*f->sharpness) && *f->sharpness >= 0);
    SPHERE_FUZZ_CHECK(!f->brisque || std::isfinite(*f->brisque));
    double share = 0;
    for (const DominantColour& c : f->palette) share += c.share;
    SPHERE_FUZZ_CHECK(!f->palette.empty() && std::abs(share - 1.0) < 1e-6);
  }

  const VisualFeatures described = FromImageDescription(bytes);
  SPHERE_FUZZ_CHECK(described.source == VisualSource::kImageDescription);
  SPHERE_FUZZ_CHECK(!described.people ||
                    (*described.people >= 0 && std::isfinite(*described.people)));
  FeatureVector v;
  AppendVisualFeatures(described, &v);
  SPHERE_FUZZ_CHECK(v.size() == VisualFeatureNames().size());
}

}  // namespace
}  // namespace sphere::features

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sphere::features::FuzzOne(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
