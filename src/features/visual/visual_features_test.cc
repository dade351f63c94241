#include "features/visual/visual_features.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <thread>

#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::features {
namespace {

using ::testing::AllOf;
using ::testing::Ge;
using ::testing::HasSubstr;
using ::testing::Le;

std::filesystem::path ImagePath(std::string_view name) {
  return sphere::testing::SourceDir() / "tests/data/images" / std::string(name);
}

std::string ReadImage(std::string_view name) {
  std::ifstream in(ImagePath(name), std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

AssetDir RepoAssets() { return AssetDir(sphere::testing::SourceDir() / "var/assets"); }

std::string EncodeJpeg(const cv::Mat& image) {
  std::vector<uchar> out;
  cv::imencode(".jpg", image, out, {cv::IMWRITE_JPEG_QUALITY, 90});
  return {out.begin(), out.end()};
}

cv::Mat DecodeImage(std::string_view name) { return cv::imread(ImagePath(name).string()); }

// One featurizer per detector for the whole suite: loading the models is the slow part.
class VisualFeaturesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto blaze = ImageFeaturizer::Create(RepoAssets());
    ASSERT_TRUE(blaze.ok()) << blaze.status().ToString()
                            << " (the BlazeFace asset comes from scripts/fetch_assets.sh)";
    blaze_ = std::move(blaze).value().release();
    // An asset directory without the ONNX file: DESIGN.md's Haar fallback.
    static sphere::testing::TempDir empty_assets;
    auto haar = ImageFeaturizer::Create(AssetDir(empty_assets.path()));
    ASSERT_TRUE(haar.ok()) << haar.status().ToString();
    haar_ = std::move(haar).value().release();
  }
  static void TearDownTestSuite() {
    delete blaze_;
    delete haar_;
  }
  static const ImageFeaturizer* blaze_;
  static const ImageFeaturizer* haar_;
};
const ImageFeaturizer* VisualFeaturesTest::blaze_ = nullptr;
const ImageFeaturizer* VisualFeaturesTest::haar_ = nullptr;

TEST_F(VisualFeaturesTest, BlazeFaceCountsThePeopleInARealPhoto) {
  ASSERT_EQ(blaze_->face_detector(), "blazeface");
  ASSERT_OK_AND_ASSIGN(VisualFeatures three, blaze_->FromFile(ImagePath("three_women_1080.jpg")));
  EXPECT_EQ(three.source, VisualSource::kPixels);
  EXPECT_EQ(three.face_detector, "blazeface");
  EXPECT_EQ(three.width, 1080);
  EXPECT_EQ(three.height, 759);
  EXPECT_THAT(*three.people, AllOf(Ge(2), Le(4)));  // three women, faces of ~60 px at 512
  EXPECT_THAT(*three.face_area_share, AllOf(Ge(0.01), Le(0.2)));
  ASSERT_OK_AND_ASSIGN(VisualFeatures five, blaze_->FromFile(ImagePath("five_people_640.jpg")));
  EXPECT_THAT(*five.people, AllOf(Ge(3), Le(6)));
}

TEST_F(VisualFeaturesTest, HaarFallbackCountsThePeopleWhenTheBlazeFaceAssetIsAbsent) {
  ASSERT_EQ(haar_->face_detector(), "haar");
  ASSERT_OK_AND_ASSIGN(VisualFeatures three, haar_->FromFile(ImagePath("three_women_1080.jpg")));
  EXPECT_EQ(three.face_detector, "haar");
  EXPECT_THAT(*three.people, AllOf(Ge(2), Le(4)));
  ASSERT_OK_AND_ASSIGN(VisualFeatures five, haar_->FromFile(ImagePath("five_people_640.jpg")));
  EXPECT_THAT(*five.people, AllOf(Ge(3), Le(7)));
}

TEST_F(VisualFeaturesTest, APhotoWithoutPeopleHasNoFacesAndNoSmile) {
  for (const ImageFeaturizer* featurizer : {blaze_, haar_}) {
    ASSERT_OK_AND_ASSIGN(VisualFeatures fruits, featurizer->FromFile(ImagePath("fruits.jpg")));
    EXPECT_EQ(fruits.people, std::optional<double>(0)) << featurizer->face_detector();
    EXPECT_EQ(fruits.face_area_share, std::optional<double>(0));
    EXPECT_EQ(fruits.smiling, std::optional<bool>(false));
  }
}

TEST_F(VisualFeaturesTest, SmilingFacesAreFound) {
  ASSERT_OK_AND_ASSIGN(VisualFeatures three, blaze_->FromFile(ImagePath("three_women_1080.jpg")));
  EXPECT_EQ(three.smiling, std::optional<bool>(true));
}

TEST_F(VisualFeaturesTest, PixelFeaturesHaveNoSceneFlags) {
  ASSERT_OK_AND_ASSIGN(VisualFeatures f, blaze_->FromFile(ImagePath("fruits.jpg")));
  for (const SceneFlag& flag : SceneFlags()) {
    EXPECT_FALSE((f.*flag.member).has_value()) << flag.feature_name;
  }
}

TEST_F(VisualFeaturesTest, StatisticsMoveTheRightWay) {
  const cv::Mat photo = DecodeImage("three_women_1080.jpg");
  cv::Mat dark, blurred, grey, grey_bgr;
  photo.convertTo(dark, -1, 0.4, 0);
  cv::GaussianBlur(photo, blurred, {0, 0}, 4);
  cv::cvtColor(photo, grey, cv::COLOR_BGR2GRAY);
  cv::cvtColor(grey, grey_bgr, cv::COLOR_GRAY2BGR);

  ASSERT_OK_AND_ASSIGN(VisualFeatures base, blaze_->FromBytes(EncodeJpeg(photo)));
  ASSERT_OK_AND_ASSIGN(VisualFeatures darker, blaze_->FromBytes(EncodeJpeg(dark)));
  ASSERT_OK_AND_ASSIGN(VisualFeatures blurry, blaze_->FromBytes(EncodeJpeg(blurred)));
  ASSERT_OK_AND_ASSIGN(VisualFeatures colourless, blaze_->FromBytes(EncodeJpeg(grey_bgr)));

  EXPECT_THAT(*base.brightness, AllOf(Ge(0.2), Le(0.8)));
  EXPECT_LT(*darker.brightness, *base.brightness * 0.6);
  EXPECT_LT(*darker.contrast, *base.contrast);
  EXPECT_LT(*blurry.sharpness, *base.sharpness / 4);
  EXPECT_GT(*blurry.brisque, *base.brisque);  // BRISQUE: higher is worse
  EXPECT_GT(*base.colourfulness, 30);
  EXPECT_LT(*colourless.colourfulness, 3);
  EXPECT_LT(*colourless.saturation, 0.02);
  EXPECT_GT(*base.saturation, 0.2);
}

TEST_F(VisualFeaturesTest, PaletteIsThreeColoursByShareAndDeterministic) {
  ASSERT_OK_AND_ASSIGN(VisualFeatures a, blaze_->FromFile(ImagePath("fruits.jpg")));
  ASSERT_OK_AND_ASSIGN(VisualFeatures b, blaze_->FromFile(ImagePath("fruits.jpg")));
  ASSERT_EQ(a.palette.size(), 3u);
  double total = 0;
  for (size_t i = 0; i < a.palette.size(); ++i) {
    total += a.palette[i].share;
    if (i > 0) {
      EXPECT_GE(a.palette[i - 1].share, a.palette[i].share);
    }
    EXPECT_EQ(a.palette[i].r, b.palette[i].r);
    EXPECT_EQ(a.palette[i].g, b.palette[i].g);
    EXPECT_EQ(a.palette[i].b, b.palette[i].b);
  }
  EXPECT_NEAR(total, 1.0, 1e-9);
}

TEST_F(VisualFeaturesTest, PaletteFindsTheColoursOfATwoColourImage) {
  cv::Mat image(300, 400, CV_8UC3, cv::Scalar(255, 0, 0));       // blue (BGR)
  image(cv::Rect(0, 0, 100, 300)).setTo(cv::Scalar(0, 0, 255));  // red quarter
  std::vector<uchar> png;
  cv::imencode(".png", image, png);
  ASSERT_OK_AND_ASSIGN(VisualFeatures f,
                       blaze_->FromBytes({reinterpret_cast<char*>(png.data()), png.size()}));
  ASSERT_FALSE(f.palette.empty());
  EXPECT_EQ(f.palette[0].b, 255);
  EXPECT_EQ(f.palette[0].r, 0);
  EXPECT_NEAR(f.palette[0].share, 0.75, 0.03);
}

TEST_F(VisualFeaturesTest, OverlayTextIsText) {
  cv::Mat photo = DecodeImage("three_women_1080.jpg");
  ASSERT_OK_AND_ASSIGN(VisualFeatures plain, blaze_->FromBytes(EncodeJpeg(photo)));
  EXPECT_EQ(plain.text, std::optional<bool>(false));
  // The caption style of promotional posts: two lines of large white text.
  cv::putText(photo, "SUMMER SALE 50% OFF", {60, 120}, cv::FONT_HERSHEY_DUPLEX, 2.6,
              cv::Scalar::all(255), 6);
  cv::putText(photo, "LINK IN BIO", {60, 230}, cv::FONT_HERSHEY_DUPLEX, 2.6, cv::Scalar::all(255),
              6);
  ASSERT_OK_AND_ASSIGN(VisualFeatures overlay, blaze_->FromBytes(EncodeJpeg(photo)));
  EXPECT_EQ(overlay.text, std::optional<bool>(true));
  EXPECT_GT(*overlay.text_area_share, *plain.text_area_share + kTextAreaThreshold);
}

TEST_F(VisualFeaturesTest, AStreetSignIsText) {
  ASSERT_OK_AND_ASSIGN(VisualFeatures sign, blaze_->FromFile(ImagePath("scene_text.jpg")));
  EXPECT_EQ(sign.text, std::optional<bool>(true));
}

TEST_F(VisualFeaturesTest, PngAndWebPGiveTheSameFeaturesAsTheirSource) {
  ASSERT_OK_AND_ASSIGN(VisualFeatures png, blaze_->FromFile(ImagePath("five_people_320.png")));
  ASSERT_OK_AND_ASSIGN(VisualFeatures webp, blaze_->FromFile(ImagePath("five_people_320.webp")));
  EXPECT_EQ(png.width, 320);
  EXPECT_EQ(webp.width, 320);
  EXPECT_THAT(*png.people, AllOf(Ge(2), Le(6)));
  EXPECT_NEAR(*png.brightness, *webp.brightness, 0.02);
  EXPECT_NEAR(*png.saturation, *webp.saturation, 0.02);
}

TEST_F(VisualFeaturesTest, ExifOrientationSwapsTheReportedSides) {
  // An APP1 Exif segment (little-endian TIFF, one IFD entry: Orientation = 6, "rotate 90 CW")
  // inserted after the SOI marker; the decoder turns the 1080x759 photo upright to 759x1080.
  const std::string jpeg = ReadImage("three_women_1080.jpg");
  const std::string tiff = std::string("II*\0\x08\0\0\0", 8) + std::string("\x01\0", 2) +
                           std::string("\x12\x01\x03\0\x01\0\0\0\x06\0\0\0", 12) +
                           std::string("\0\0\0\0", 4);
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  const size_t length = payload.size() + 2;
  const std::string app1 = std::string("\xFF\xE1", 2) + static_cast<char>(length >> 8) +
                           static_cast<char>(length & 0xFF) + payload;
  const std::string rotated = jpeg.substr(0, 2) + app1 + jpeg.substr(2);
  ASSERT_OK_AND_ASSIGN(VisualFeatures f, blaze_->FromBytes(rotated));
  EXPECT_EQ(f.width, 759);
  EXPECT_EQ(f.height, 1080);
}

TEST_F(VisualFeaturesTest, LargeJpegIsDecodedAtReducedScaleButReportsItsFullSize) {
  // 4000x3000 is decoded at 1/4 (1000x750) by libjpeg; the features still describe the photo.
  cv::Mat photo = DecodeImage("three_women_1080.jpg");
  cv::Mat large;
  cv::resize(photo, large, {4000, 3000}, 0, 0, cv::INTER_LINEAR);
  ASSERT_OK_AND_ASSIGN(VisualFeatures big, blaze_->FromBytes(EncodeJpeg(large)));
  ASSERT_OK_AND_ASSIGN(VisualFeatures small, blaze_->FromBytes(EncodeJpeg(photo)));
  EXPECT_EQ(big.width, 4000);
  EXPECT_EQ(big.height, 3000);
  EXPECT_EQ(big.people, small.people);
  EXPECT_NEAR(*big.brightness, *small.brightness, 0.02);
}

TEST_F(VisualFeaturesTest, TruncatedUploadIsInvalidWithTheReason) {
  const std::string jpeg = ReadImage("three_women_1080.jpg");
  EXPECT_THAT(blaze_->FromBytes(std::string_view(jpeg).substr(0, jpeg.size() * 2 / 3)).status(),
              IsError(Code::kInvalidArgument, HasSubstr("truncated")));
  const std::string png = ReadImage("five_people_320.png");
  EXPECT_THAT(blaze_->FromBytes(std::string_view(png).substr(0, png.size() / 2)).status(),
              IsError(Code::kInvalidArgument, HasSubstr("truncated")));
}

TEST_F(VisualFeaturesTest, CorruptPixelDataIsInvalidNotAnException) {
  // Overwrite the middle of the PNG's compressed data: zlib and the chunk CRC both fail.
  std::string png = ReadImage("five_people_320.png");
  for (size_t i = png.size() / 3; i < png.size() / 3 + 64; ++i) png[i] = static_cast<char>(i * 7);
  EXPECT_THAT(blaze_->FromBytes(png).status(), IsError(Code::kInvalidArgument, HasSubstr("PNG")));
}

TEST_F(VisualFeaturesTest, PatchedHeaderIsInvalidNotAnException) {
  // A PNG whose IHDR is patched to 321 wide: libpng reads the patched size but the rows no
  // longer fit, or the CRC fails; either way no features come back.
  std::string png = ReadImage("five_people_320.png");
  png[19] = static_cast<char>(321 & 0xFF);
  png[18] = static_cast<char>(321 >> 8);
  EXPECT_THAT(blaze_->FromBytes(png).status(), IsError(Code::kInvalidArgument, HasSubstr("PNG")));
}

TEST_F(VisualFeaturesTest, UnsupportedFormatIsInvalid) {
  EXPECT_THAT(blaze_->FromBytes("GIF89a\x10\x00\x10\x00\x80\x00\x00").status(),
              IsError(Code::kInvalidArgument, HasSubstr("not a JPEG, PNG or WebP")));
}

TEST_F(VisualFeaturesTest, DecompressionBombIsRefusedFromTheHeader) {
  // A PNG header that claims 60000 x 60000 pixels (3.6 G) and nothing else: refused on the
  // header; decoding it would allocate 10 GB.
  std::string bomb = std::string("\x89PNG\r\n\x1a\n", 8) + std::string("\0\0\0\x0dIHDR", 8) +
                     std::string("\0\0\xea\x60\0\0\xea\x60\x08\x02\0\0\0", 13) +
                     std::string("\0\0\0\0", 4) + std::string("\0\0\0\0IEND\xae\x42\x60\x82", 12);
  EXPECT_THAT(blaze_->FromBytes(bomb).status(),
              IsError(Code::kInvalidArgument, HasSubstr("exceeds the side limit")));
}

TEST(ImageLimits, PixelAndByteLimitsAreEnforcedBeforeDecoding) {
  ImageLimits small;
  small.max_pixels = 100'000;
  ASSERT_OK_AND_ASSIGN(auto featurizer, ImageFeaturizer::Create(RepoAssets(), small));
  EXPECT_THAT(featurizer->FromFile(ImagePath("three_women_1080.jpg")).status(),
              IsError(Code::kInvalidArgument, HasSubstr("exceeds the limit of 100000 pixels")));
  ImageLimits tiny_bytes;
  tiny_bytes.max_bytes = 1000;
  ASSERT_OK_AND_ASSIGN(auto strict, ImageFeaturizer::Create(RepoAssets(), tiny_bytes));
  EXPECT_THAT(strict->FromBytes(ReadImage("fruits.jpg")).status(),
              IsError(Code::kInvalidArgument, HasSubstr("bytes exceeds the limit of 1000")));
}

// Found by fuzz_image: a valid 280x1 WebP reached cv::resize with a zero working height.
TEST_F(VisualFeaturesTest, ImageThinnerThanTheMinimumSideIsInvalidArgument) {
  for (cv::Size size : {cv::Size(280, 1), cv::Size(1, 280), cv::Size(15, 400)}) {
    SCOPED_TRACE(std::to_string(size.width) + "x" + std::to_string(size.height));
    const cv::Mat thin(size, CV_8UC3, cv::Scalar(40, 120, 200));
    EXPECT_THAT(blaze_->FromBytes(EncodeJpeg(thin)).status(),
                IsError(Code::kInvalidArgument, HasSubstr("below the minimum side of 16")));
  }
  const cv::Mat smallest(16, 16, CV_8UC3, cv::Scalar(40, 120, 200));
  EXPECT_OK(blaze_->FromBytes(EncodeJpeg(smallest)).status());
}

TEST(ImageFeaturizerCreate, MissingOpenCvDataIsNotFoundNamingThePackage) {
  sphere::testing::TempDir empty;
  EXPECT_THAT(ImageFeaturizer::Create(RepoAssets(), {}, empty.path()).status(),
              IsError(Code::kNotFound, HasSubstr("opencv-data")));
}

TEST_F(VisualFeaturesTest, MissingFileIsNotFound) {
  EXPECT_THAT(blaze_->FromFile(ImagePath("no_such_photo.jpg")).status(),
              IsError(Code::kNotFound, HasSubstr("no_such_photo.jpg")));
}

TEST_F(VisualFeaturesTest, ConcurrentCallsGiveTheSameResultsAsSerialOnes) {
  const std::string a = ReadImage("three_women_1080.jpg");
  const std::string b = ReadImage("five_people_640.jpg");
  ASSERT_OK_AND_ASSIGN(VisualFeatures serial_a, blaze_->FromBytes(a));
  ASSERT_OK_AND_ASSIGN(VisualFeatures serial_b, blaze_->FromBytes(b));
  std::vector<Result<VisualFeatures>> results(4, Status(Code::kInternal, "not run"));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = blaze_->FromBytes(i % 2 == 0 ? a : b); });
  }
  for (std::thread& t : threads) t.join();
  for (size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].status().ToString();
    const VisualFeatures& expected = i % 2 == 0 ? serial_a : serial_b;
    EXPECT_EQ(results[i]->people, expected.people);
    EXPECT_EQ(results[i]->brisque, expected.brisque);
    EXPECT_EQ(results[i]->text_area_share, expected.text_area_share);
  }
}

TEST_F(VisualFeaturesTest, StageTimesAreReported) {
  StageTimes times;
  ASSERT_OK(blaze_->FromBytes(ReadImage("fruits.jpg"), &times).status());
  EXPECT_GT(times.decode.count(), 0);
  EXPECT_GT(times.faces.count(), 0);
  EXPECT_GT(times.brisque.count(), 0);
}

}  // namespace
}  // namespace sphere::features
