// The container header of an encoded image, read without decoding any pixels.
//
// OpenCV 4.6's imdecode has no header-only mode, so the size limits of ImageFeaturizer are
// enforced on what this parser reads: a decompression bomb (a few KB that claim 60000 x 60000
// pixels) is refused before a pixel buffer exists. Only JPEG, PNG and WebP are recognised, by
// their magic bytes; the parser reads at most the first few segments and never trusts a length
// field without a bounds check (it is fuzzed: fuzz/fuzz_image.cc).
#pragma once

#include <cstddef>
#include <string_view>

#include "core/status.h"

namespace sphere::features {

enum class ImageFormat { kJpeg, kPng, kWebP };

std::string_view ToString(ImageFormat format);  // "JPEG" | "PNG" | "WebP"

struct ImageHeader {
  ImageFormat format = ImageFormat::kJpeg;
  int width = 0;  // as stored, before any EXIF rotation
  int height = 0;
  // Where the compressed pixel data starts: the JPEG start-of-scan marker, the end of the PNG
  // IHDR chunk, the WebP image chunk. CheckComplete looks for the end marker after it.
  size_t data_offset = 0;
};

// The format and stored dimensions of `bytes`. InvalidArgument, with the reason, when the bytes
// are not JPEG/PNG/WebP, when a header is cut short or inconsistent, or when a dimension is 0.
Result<ImageHeader> ParseImageHeader(std::string_view bytes);

// OK when the file is not visibly truncated: a JPEG has its end-of-image marker after the scan
// data, a PNG its IEND chunk, a WebP all the bytes its RIFF header announces. Decoders would
// otherwise return a half-grey image from a cut-off upload without complaint.
Status CheckComplete(const ImageHeader& header, std::string_view bytes);

}  // namespace sphere::features
