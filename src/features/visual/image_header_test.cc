#include "features/visual/image_header.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::features {
namespace {

using ::testing::HasSubstr;

std::string ReadImage(std::string_view name) {
  std::ifstream in(sphere::testing::SourceDir() / "tests/data/images" / std::string(name),
                   std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

TEST(ImageHeader, ReadsTheJpegFrameHeaderOfARealPhoto) {
  const std::string jpeg = ReadImage("three_women_1080.jpg");
  ASSERT_OK_AND_ASSIGN(ImageHeader header, ParseImageHeader(jpeg));
  EXPECT_EQ(header.format, ImageFormat::kJpeg);
  EXPECT_EQ(header.width, 1080);
  EXPECT_EQ(header.height, 759);
  EXPECT_OK(CheckComplete(header, jpeg));
}

TEST(ImageHeader, SkipsExifBeforeTheFrameHeader) {
  // scene_text.jpg carries a Canon EXIF block (with its own thumbnail) before the SOF.
  const std::string jpeg = ReadImage("scene_text.jpg");
  ASSERT_OK_AND_ASSIGN(ImageHeader header, ParseImageHeader(jpeg));
  EXPECT_EQ(header.width, 800);
  EXPECT_EQ(header.height, 600);
}

TEST(ImageHeader, ReadsPngIhdr) {
  ASSERT_OK_AND_ASSIGN(ImageHeader header, ParseImageHeader(ReadImage("five_people_320.png")));
  EXPECT_EQ(header.format, ImageFormat::kPng);
  EXPECT_EQ(header.width, 320);
  EXPECT_EQ(header.height, 256);
}

TEST(ImageHeader, ReadsLossyWebP) {
  ASSERT_OK_AND_ASSIGN(ImageHeader header, ParseImageHeader(ReadImage("five_people_320.webp")));
  EXPECT_EQ(header.format, ImageFormat::kWebP);
  EXPECT_EQ(header.width, 320);
  EXPECT_EQ(header.height, 256);
}

TEST(ImageHeader, ReadsLosslessAndExtendedWebPHeaders) {
  // VP8L: 14-bit width-1 and height-1 packed after the 0x2F signature: 100 x 50.
  const uint32_t bits = (100 - 1) | ((50 - 1) << 14);
  std::string vp8l =
      "RIFF" + Bytes({30, 0, 0, 0}) + "WEBPVP8L" + Bytes({10, 0, 0, 0, 0x2F}) +
      Bytes({static_cast<int>(bits & 0xFF), static_cast<int>((bits >> 8) & 0xFF),
             static_cast<int>((bits >> 16) & 0xFF), static_cast<int>((bits >> 24) & 0xFF)});
  ASSERT_OK_AND_ASSIGN(ImageHeader lossless, ParseImageHeader(vp8l));
  EXPECT_EQ(lossless.width, 100);
  EXPECT_EQ(lossless.height, 50);

  // VP8X: 24-bit canvas width-1 and height-1: 70000 x 3.
  std::string vp8x = "RIFF" + Bytes({30, 0, 0, 0}) + "WEBPVP8X" + Bytes({10, 0, 0, 0}) +
                     Bytes({0, 0, 0, 0}) + Bytes({0x6F, 0x11, 0x01}) + Bytes({2, 0, 0});
  ASSERT_OK_AND_ASSIGN(ImageHeader extended, ParseImageHeader(vp8x));
  EXPECT_EQ(extended.width, 70000);
  EXPECT_EQ(extended.height, 3);
}

TEST(ImageHeader, UnsupportedFormatsAreRefusedByMagicBytes) {
  EXPECT_THAT(ParseImageHeader("GIF89a\x01\x00\x01\x00").status(),
              IsError(Code::kInvalidArgument, HasSubstr("not a JPEG, PNG or WebP")));
  EXPECT_THAT(ParseImageHeader("BM\x3e\x00\x00\x00").status(),
              IsError(Code::kInvalidArgument, HasSubstr("not a JPEG, PNG or WebP")));
  EXPECT_THAT(ParseImageHeader("").status(), IsError(Code::kInvalidArgument, HasSubstr("empty")));
}

TEST(ImageHeader, JpegCutInsideItsHeadersIsInvalid) {
  const std::string jpeg = ReadImage("three_women_1080.jpg");
  for (size_t cut : {3u, 4u, 10u, 20u, 100u}) {
    EXPECT_THAT(ParseImageHeader(jpeg.substr(0, cut)).status(),
                IsError(Code::kInvalidArgument, HasSubstr("JPEG")))
        << "cut at " << cut;
  }
}

TEST(ImageHeader, JpegWithZeroHeightIsInvalid) {
  // SOI, SOF0 with height 0 (defined later by DNL, which we do not accept), SOS.
  const std::string jpeg = Bytes({0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 0, 0, 16, 1, 1,
                                  0x11, 0,    0xFF, 0xDA, 0, 8,  1, 1, 0, 0, 63, 0});
  EXPECT_THAT(ParseImageHeader(jpeg).status(),
              IsError(Code::kInvalidArgument, HasSubstr("zero dimension")));
}

TEST(ImageHeader, JpegSegmentLengthPastTheEndIsInvalid) {
  const std::string jpeg = Bytes({0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 1, 2, 3});
  EXPECT_THAT(ParseImageHeader(jpeg).status(),
              IsError(Code::kInvalidArgument, HasSubstr("truncated segment")));
}

TEST(ImageHeader, TruncatedJpegScanIsDetected) {
  const std::string jpeg = ReadImage("three_women_1080.jpg");
  const std::string half = jpeg.substr(0, jpeg.size() / 2);
  ASSERT_OK_AND_ASSIGN(ImageHeader header, ParseImageHeader(half));
  EXPECT_THAT(CheckComplete(header, half),
              IsError(Code::kInvalidArgument, HasSubstr("no end-of-image marker")));
}

TEST(ImageHeader, TruncatedPngAndWebPAreDetected) {
  const std::string png = ReadImage("five_people_320.png");
  const std::string png_half = png.substr(0, png.size() / 2);
  ASSERT_OK_AND_ASSIGN(ImageHeader png_header, ParseImageHeader(png_half));
  EXPECT_THAT(CheckComplete(png_header, png_half),
              IsError(Code::kInvalidArgument, HasSubstr("IEND")));

  const std::string webp = ReadImage("five_people_320.webp");
  const std::string webp_half = webp.substr(0, webp.size() / 2);
  ASSERT_OK_AND_ASSIGN(ImageHeader webp_header, ParseImageHeader(webp_half));
  EXPECT_THAT(CheckComplete(webp_header, webp_half),
              IsError(Code::kInvalidArgument, HasSubstr("RIFF header announces")));
}

TEST(ImageHeader, PngWhoseFirstChunkIsNotIhdrIsInvalid) {
  std::string png = ReadImage("five_people_320.png");
  png[12] = 'X';
  EXPECT_THAT(ParseImageHeader(png).status(),
              IsError(Code::kInvalidArgument, HasSubstr("not IHDR")));
}

}  // namespace
}  // namespace sphere::features
