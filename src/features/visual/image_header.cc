#include "features/visual/image_header.h"

#include <cstdint>
#include <string>

namespace sphere::features {
namespace {

uint32_t Byte(std::string_view b, size_t i) { return static_cast<unsigned char>(b[i]); }
uint32_t Be16(std::string_view b, size_t i) { return Byte(b, i) << 8 | Byte(b, i + 1); }
uint32_t Be32(std::string_view b, size_t i) { return Be16(b, i) << 16 | Be16(b, i + 2); }
uint32_t Le16(std::string_view b, size_t i) { return Byte(b, i) | Byte(b, i + 1) << 8; }
uint32_t Le24(std::string_view b, size_t i) { return Le16(b, i) | Byte(b, i + 2) << 16; }
uint32_t Le32(std::string_view b, size_t i) { return Le16(b, i) | Le16(b, i + 2) << 16; }

constexpr std::string_view kPngSignature("\x89PNG\r\n\x1a\n", 8);

Status Bad(ImageFormat format, std::string_view why) {
  return InvalidArgument(std::string(ToString(format)) + ": " + std::string(why));
}

Result<ImageHeader> ParseJpeg(std::string_view b) {
  ImageHeader h{ImageFormat::kJpeg};
  size_t pos = 2;  // after SOI
  bool have_frame = false;
  while (true) {
    if (pos >= b.size()) return Bad(h.format, "truncated before the frame header and scan");
    if (Byte(b, pos) != 0xFF)
      return Bad(h.format, "expected a marker at byte " + std::to_string(pos));
    while (pos < b.size() && Byte(b, pos) == 0xFF) ++pos;  // fill bytes
    if (pos >= b.size()) return Bad(h.format, "truncated inside a marker");
    const uint32_t marker = Byte(b, pos++);
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length field
    if (marker == 0xD8 || marker == 0xD9 || marker == 0x00) {
      return Bad(h.format, "unexpected marker before the scan");
    }
    if (pos + 2 > b.size()) return Bad(h.format, "truncated segment length");
    const uint32_t length = Be16(b, pos);
    if (length < 2) return Bad(h.format, "segment length below 2");
    if (pos + length > b.size()) return Bad(h.format, "truncated segment");
    const bool is_frame =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (is_frame && !have_frame) {
      // SOFn: length, precision, height, width, components.
      if (length < 8) return Bad(h.format, "frame header too short");
      h.height = static_cast<int>(Be16(b, pos + 3));
      h.width = static_cast<int>(Be16(b, pos + 5));
      if (h.width == 0 || h.height == 0) {
        return Bad(h.format, "frame header gives a zero dimension (DNL heights are not supported)");
      }
      have_frame = true;
    }
    if (marker == 0xDA) {  // start of scan
      if (!have_frame) return Bad(h.format, "scan before the frame header");
      h.data_offset = pos - 2;
      return h;
    }
    pos += length;
  }
}

Result<ImageHeader> ParsePng(std::string_view b) {
  ImageHeader h{ImageFormat::kPng};
  if (b.size() < 33) return Bad(h.format, "truncated before the end of the IHDR chunk");
  if (Be32(b, 8) != 13 || b.substr(12, 4) != "IHDR")
    return Bad(h.format, "first chunk is not IHDR");
  const uint32_t width = Be32(b, 16), height = Be32(b, 20);
  if (width == 0 || height == 0) return Bad(h.format, "IHDR gives a zero dimension");
  if (width > 0x7FFFFFFF || height > 0x7FFFFFFF) return Bad(h.format, "IHDR dimension over 2^31-1");
  h.width = static_cast<int>(width);
  h.height = static_cast<int>(height);
  h.data_offset = 33;
  return h;
}

Result<ImageHeader> ParseWebP(std::string_view b) {
  ImageHeader h{ImageFormat::kWebP};
  if (b.size() < 20) return Bad(h.format, "truncated before the first chunk");
  const std::string_view chunk = b.substr(12, 4);
  h.data_offset = 12;
  if (chunk == "VP8 ") {
    if (b.size() < 30) return Bad(h.format, "truncated VP8 frame header");
    if (Byte(b, 23) != 0x9D || Byte(b, 24) != 0x01 || Byte(b, 25) != 0x2A) {
      return Bad(h.format, "VP8 start code missing");
    }
    h.width = static_cast<int>(Le16(b, 26) & 0x3FFF);
    h.height = static_cast<int>(Le16(b, 28) & 0x3FFF);
  } else if (chunk == "VP8L") {
    if (b.size() < 25) return Bad(h.format, "truncated VP8L header");
    if (Byte(b, 20) != 0x2F) return Bad(h.format, "VP8L signature missing");
    const uint32_t bits = Le32(b, 21);
    h.width = static_cast<int>((bits & 0x3FFF) + 1);
    h.height = static_cast<int>(((bits >> 14) & 0x3FFF) + 1);
  } else if (chunk == "VP8X") {
    if (b.size() < 30) return Bad(h.format, "truncated VP8X header");
    h.width = static_cast<int>(Le24(b, 24) + 1);
    h.height = static_cast<int>(Le24(b, 27) + 1);
  } else {
    return Bad(h.format, "first chunk is not VP8, VP8L or VP8X");
  }
  if (h.width == 0 || h.height == 0) return Bad(h.format, "frame header gives a zero dimension");
  return h;
}

}  // namespace

std::string_view ToString(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "JPEG";
    case ImageFormat::kPng:
      return "PNG";
    case ImageFormat::kWebP:
      return "WebP";
  }
  return "?";
}

Result<ImageHeader> ParseImageHeader(std::string_view bytes) {
  if (bytes.size() >= 3 && Byte(bytes, 0) == 0xFF && Byte(bytes, 1) == 0xD8 &&
      Byte(bytes, 2) == 0xFF) {
    return ParseJpeg(bytes);
  }
  if (bytes.substr(0, 8) == kPngSignature) return ParsePng(bytes);
  if (bytes.size() >= 12 && bytes.substr(0, 4) == "RIFF" && bytes.substr(8, 4) == "WEBP") {
    return ParseWebP(bytes);
  }
  if (bytes.empty()) return InvalidArgument("image: empty");
  return InvalidArgument("image: not a JPEG, PNG or WebP file (unrecognised magic bytes)");
}

Status CheckComplete(const ImageHeader& header, std::string_view bytes) {
  switch (header.format) {
    case ImageFormat::kJpeg: {
      // Entropy-coded data stuffs every 0xFF with 0x00, so FF D9 after the scan is the EOI.
      const size_t eoi = bytes.rfind(std::string_view("\xFF\xD9", 2));
      if (eoi == std::string_view::npos || eoi < header.data_offset) {
        return Bad(header.format, "truncated: no end-of-image marker after the scan data");
      }
      return Status::Ok();
    }
    case ImageFormat::kPng: {
      const size_t iend = bytes.rfind("IEND");
      if (iend == std::string_view::npos || iend < header.data_offset) {
        return Bad(header.format, "truncated: no IEND chunk");
      }
      return Status::Ok();
    }
    case ImageFormat::kWebP: {
      const uint64_t riff_size = Le32(bytes, 4);
      if (riff_size < 12) return Bad(header.format, "RIFF size too small");
      if (riff_size + 8 > bytes.size()) {
        return Bad(header.format, "truncated: RIFF header announces " +
                                      std::to_string(riff_size + 8) + " bytes, have " +
                                      std::to_string(bytes.size()));
      }
      return Status::Ok();
    }
  }
  return Internal("unknown image format");
}

}  // namespace sphere::features
