#include "features/visual/visual_features.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>
#include <opencv2/quality/qualitybrisque.hpp>

#include "features/visual/image_header.h"

namespace sphere::features {
namespace {

using Clock = std::chrono::steady_clock;

// The costly stages run on a copy whose long side is at most this many pixels.
constexpr int kWorkingSide = 512;
constexpr int kBrisqueSide = 384;
// BlazeFace (MediaPipe's back-camera model): 256x256 input, 896 anchors.
constexpr int kBlazeSide = 256;
// MediaPipe uses 0.65 for this model; the faces of a group photo at 1080 px score from 0.65 up
// (the third face of three_women_1080.jpg scores 0.65), so 0.5 keeps them.
constexpr float kBlazeScoreThreshold = 0.5f;
constexpr float kBlazeNmsIou = 0.3f;
constexpr int kMaxFacesForSmile = 16;

struct Face {
  cv::Rect2f box;  // working-image pixels
};

class Stopwatch {
 public:
  explicit Stopwatch(StageTimes::Ms* sink) : sink_(sink), start_(Clock::now()) {}
  ~Stopwatch() {
    if (sink_ != nullptr) *sink_ += Clock::now() - start_;
  }

 private:
  StageTimes::Ms* sink_;
  Clock::time_point start_;
};

StageTimes::Ms* Slot(StageTimes* times, StageTimes::Ms StageTimes::*stage) {
  return times == nullptr ? nullptr : &(times->*stage);
}

Result<std::filesystem::path> OpenCvDataFile(const std::filesystem::path& dir,
                                             std::string_view relative) {
  std::filesystem::path path = dir / std::string(relative);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return NotFound(path.string() +
                    " is missing; install Debian's opencv-data package (scripts/setup.sh)");
  }
  return path;
}

// MediaPipe's SSD anchors for the 256x256 back-camera model: a 16x16 grid with 2 anchors per
// cell, then an 8x8 grid with 6; all of unit size (fixed_anchor_size), centred in the cell.
std::vector<cv::Point2f> BlazeFaceAnchors() {
  std::vector<cv::Point2f> anchors;
  for (auto [grid, per_cell] : {std::pair{16, 2}, std::pair{8, 6}}) {
    for (int y = 0; y < grid; ++y) {
      for (int x = 0; x < grid; ++x) {
        for (int a = 0; a < per_cell; ++a) {
          anchors.push_back({(x + 0.5f) / grid, (y + 0.5f) / grid});
        }
      }
    }
  }
  return anchors;
}

}  // namespace

std::string_view ToString(VisualSource source) {
  switch (source) {
    case VisualSource::kNone:
      return "none";
    case VisualSource::kImageDescription:
      return "image_description";
    case VisualSource::kPixels:
      return "pixels";
  }
  return "?";
}

struct ImageFeaturizer::Impl {
  ImageLimits limits;
  std::string face_detector;

  // cv::dnn::Net::forward and CascadeClassifier::detectMultiScale mutate internal buffers, so
  // each detector is used under its own mutex; everything else in FromBytes is per call.
  mutable std::mutex blaze_mutex;
  mutable cv::dnn::Net blaze;
  std::vector<cv::String> blaze_outputs;
  std::vector<cv::Point2f> anchors;

  mutable std::mutex haar_mutex;
  mutable cv::CascadeClassifier haar_face;
  mutable std::mutex smile_mutex;
  mutable cv::CascadeClassifier smile;

  cv::Ptr<cv::ml::SVM> brisque_model;  // SVM::predict is const and shared
  cv::Mat brisque_range;

  Result<std::vector<Face>> DetectFaces(const cv::Mat& bgr, const cv::Mat& grey) const;
  Result<std::vector<Face>> BlazeFaces(const cv::Mat& bgr) const;
  std::vector<Face> HaarFaces(const cv::Mat& grey) const;
  bool Smiles(const cv::Mat& full_grey, const cv::Rect& face) const;
};

namespace {

Status LoadCascade(const std::filesystem::path& dir, std::string_view name,
                   cv::CascadeClassifier* out) {
  SPHERE_ASSIGN_OR_RETURN(std::filesystem::path path, OpenCvDataFile(dir, name));
  if (!out->load(path.string())) return Internal("cannot load the Haar cascade " + path.string());
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<ImageFeaturizer>> ImageFeaturizer::Create(
    const AssetDir& assets, ImageLimits limits, const std::filesystem::path& opencv_data) {
  auto impl = std::make_unique<Impl>();
  impl->limits = limits;
  try {
    SPHERE_RETURN_IF_ERROR(
        LoadCascade(opencv_data, "haarcascades/haarcascade_smile.xml", &impl->smile));
    SPHERE_ASSIGN_OR_RETURN(std::filesystem::path model,
                            OpenCvDataFile(opencv_data, "quality/brisque_model_live.yml"));
    SPHERE_ASSIGN_OR_RETURN(std::filesystem::path range,
                            OpenCvDataFile(opencv_data, "quality/brisque_range_live.yml"));
    impl->brisque_model = cv::ml::SVM::load(model.string());
    cv::FileStorage range_file(range.string(), cv::FileStorage::READ);
    range_file["range"] >> impl->brisque_range;
    if (impl->brisque_model.empty() || !impl->brisque_model->isTrained() ||
        impl->brisque_range.empty()) {
      return Internal("cannot load the BRISQUE model " + model.string() + " / " + range.string());
    }

    if (Result<std::filesystem::path> onnx =
            assets.Find(asset::kBlazeFacePackage, asset::kBlazeFaceModel);
        onnx.ok()) {
      impl->blaze = cv::dnn::readNetFromONNX(onnx->string());
      if (impl->blaze.empty()) return Internal("cannot load BlazeFace from " + onnx->string());
      impl->blaze_outputs = impl->blaze.getUnconnectedOutLayersNames();
      if (impl->blaze_outputs.size() != 4) {
        return Internal("BlazeFace " + onnx->string() + ": expected 4 outputs, found " +
                        std::to_string(impl->blaze_outputs.size()));
      }
      impl->anchors = BlazeFaceAnchors();
      impl->face_detector = "blazeface";
      // One run on a blank image checks the output shapes now rather than on the first upload.
      Result<std::vector<Face>> probe =
          impl->BlazeFaces(cv::Mat(kBlazeSide, kBlazeSide, CV_8UC3, cv::Scalar::all(0)));
      if (!probe.ok()) return probe.status().WithContext(onnx->string());
    } else {
      // DESIGN.md's named fallback: the Haar cascade, recorded in every result.
      SPHERE_RETURN_IF_ERROR(LoadCascade(
          opencv_data, "haarcascades/haarcascade_frontalface_default.xml", &impl->haar_face));
      impl->face_detector = "haar";
    }
  } catch (const cv::Exception& e) {
    return Internal(std::string("OpenCV failed to load a visual model: ") + e.what());
  }
  return std::unique_ptr<ImageFeaturizer>(new ImageFeaturizer(std::move(impl)));
}

ImageFeaturizer::ImageFeaturizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ImageFeaturizer::~ImageFeaturizer() = default;

const std::string& ImageFeaturizer::face_detector() const { return impl_->face_detector; }
const ImageLimits& ImageFeaturizer::limits() const { return impl_->limits; }

Result<std::vector<Face>> ImageFeaturizer::Impl::BlazeFaces(const cv::Mat& bgr) const {
  // Pad to a square (bottom/right) so the face keeps its shape, then scale to 256.
  const int side = std::max(bgr.cols, bgr.rows);
  cv::Mat square;
  cv::copyMakeBorder(bgr, square, 0, side - bgr.rows, 0, side - bgr.cols, cv::BORDER_CONSTANT,
                     cv::Scalar::all(0));
  cv::Mat small, rgb, input;
  cv::resize(square, small, {kBlazeSide, kBlazeSide}, 0, 0, cv::INTER_AREA);
  cv::cvtColor(small, rgb, cv::COLOR_BGR2RGB);
  rgb.convertTo(input, CV_32F, 1.0 / 127.5, -1.0);
  const int nhwc[] = {1, kBlazeSide, kBlazeSide, 3};
  cv::Mat blob(4, nhwc, CV_32F, input.data);

  std::vector<cv::Mat> outs;
  {
    std::lock_guard<std::mutex> lock(blaze_mutex);
    blaze.setInput(blob);
    blaze.forward(outs, blaze_outputs);
    // The returned Mats can share the net's own output buffers, which the next forward
    // overwrites: copy them before another thread gets the lock.
    for (cv::Mat& out : outs) out = out.clone();
  }
  // Outputs: scores 1x512x1, 1x384x1, then boxes 1x512x16, 1x384x16; told apart by shape.
  const cv::Mat* scores[2] = {nullptr, nullptr};
  const cv::Mat* boxes[2] = {nullptr, nullptr};
  for (const cv::Mat& out : outs) {
    if (out.dims != 3) continue;
    const int slot = out.size[1] == 512 ? 0 : out.size[1] == 384 ? 1 : -1;
    if (slot < 0) continue;
    if (out.size[2] == 1) scores[slot] = &out;
    if (out.size[2] == 16) boxes[slot] = &out;
  }
  if (!scores[0] || !scores[1] || !boxes[0] || !boxes[1]) {
    return Internal("BlazeFace: the model's outputs are not 1x512x1, 1x384x1, 1x512x16, 1x384x16");
  }
  std::vector<cv::Rect2d> candidates;
  std::vector<float> confidences;
  size_t anchor = 0;
  for (int part = 0; part < 2; ++part) {
    const auto* s = scores[part]->ptr<float>();
    const auto* b = boxes[part]->ptr<float>();
    for (int i = 0; i < scores[part]->size[1]; ++i, ++anchor) {
      const float raw = std::clamp(s[i], -100.0f, 100.0f);
      const float score = 1.0f / (1.0f + std::exp(-raw));
      if (score < kBlazeScoreThreshold) continue;
      const float* r = b + 16 * i;
      const float cx = r[0] / kBlazeSide + anchors[anchor].x;
      const float cy = r[1] / kBlazeSide + anchors[anchor].y;
      const float w = r[2] / kBlazeSide, h = r[3] / kBlazeSide;
      if (!(w > 0 && h > 0)) continue;
      candidates.emplace_back((cx - w / 2) * side, (cy - h / 2) * side, w * side, h * side);
      confidences.push_back(score);
    }
  }
  std::vector<int> keep;
  cv::dnn::NMSBoxes(candidates, confidences, kBlazeScoreThreshold, kBlazeNmsIou, keep);
  std::vector<Face> faces;
  const cv::Rect2f frame(0, 0, bgr.cols, bgr.rows);
  for (int k : keep) {
    cv::Rect2f box = cv::Rect2f(candidates[k]) & frame;
    if (box.area() > 0) faces.push_back({box});
  }
  return faces;
}

std::vector<Face> ImageFeaturizer::Impl::HaarFaces(const cv::Mat& grey) const {
  // Runs on the 512 px working luma: at 384 px it took a third less time but lost a third of
  // the faces of the test photos, and this is the fallback, where recall matters more.
  cv::Mat equalised;
  cv::equalizeHist(grey, equalised);
  std::vector<cv::Rect> found;
  const int min_side = std::max(20, std::min(grey.cols, grey.rows) / 25);
  {
    std::lock_guard<std::mutex> lock(haar_mutex);
    haar_face.detectMultiScale(equalised, found, 1.1, 5, 0, {min_side, min_side});
  }
  std::vector<Face> faces;
  for (const cv::Rect& r : found) faces.push_back({cv::Rect2f(r)});
  return faces;
}

bool ImageFeaturizer::Impl::Smiles(const cv::Mat& full_grey, const cv::Rect& face) const {
  // The mouth is in the lower half of the face box; normalise it to a fixed size so one set of
  // cascade parameters works for small and large faces.
  const cv::Rect mouth_area =
      cv::Rect(face.x, face.y + face.height / 2, face.width, face.height - face.height / 2) &
      cv::Rect(0, 0, full_grey.cols, full_grey.rows);
  if (mouth_area.width < 8 || mouth_area.height < 4) return false;
  cv::Mat mouth, equalised;
  cv::resize(full_grey(mouth_area), mouth, {128, 64}, 0, 0, cv::INTER_AREA);
  cv::equalizeHist(mouth, equalised);
  std::vector<cv::Rect> smiles;
  {
    std::lock_guard<std::mutex> lock(smile_mutex);
    smile.detectMultiScale(equalised, smiles, 1.1, 25, 0, {40, 20});
  }
  return !smiles.empty();
}

Result<std::vector<Face>> ImageFeaturizer::Impl::DetectFaces(const cv::Mat& bgr,
                                                             const cv::Mat& grey) const {
  if (face_detector == "blazeface") return BlazeFaces(bgr);
  return HaarFaces(grey);
}

namespace {

void ComputeStats(const cv::Mat& bgr, const cv::Mat& grey, VisualFeatures* f) {
  cv::Scalar mean, stddev;
  cv::meanStdDev(grey, mean, stddev);
  f->brightness = mean[0] / 255.0;
  f->contrast = stddev[0] / 255.0;

  cv::Mat hsv;
  cv::cvtColor(bgr, hsv, cv::COLOR_BGR2HSV);
  f->saturation = cv::mean(hsv)[1] / 255.0;

  // Hasler & Suesstrunk (2003): rg = R - G, yb = (R + G) / 2 - B;
  // M = sqrt(sd_rg^2 + sd_yb^2) + 0.3 * sqrt(mean_rg^2 + mean_yb^2).
  cv::Mat channels[3], b, g, r;
  cv::split(bgr, channels);
  channels[0].convertTo(b, CV_32F);
  channels[1].convertTo(g, CV_32F);
  channels[2].convertTo(r, CV_32F);
  cv::Mat rg = r - g;
  cv::Mat yb = 0.5 * (r + g) - b;
  cv::Scalar rg_mean, rg_sd, yb_mean, yb_sd;
  cv::meanStdDev(rg, rg_mean, rg_sd);
  cv::meanStdDev(yb, yb_mean, yb_sd);
  f->colourfulness = std::hypot(rg_sd[0], yb_sd[0]) + 0.3 * std::hypot(rg_mean[0], yb_mean[0]);

  cv::Mat laplacian;
  cv::Laplacian(grey, laplacian, CV_64F);
  cv::meanStdDev(laplacian, mean, stddev);
  f->sharpness = stddev[0] * stddev[0];
}

std::vector<DominantColour> Palette(const cv::Mat& bgr) {
  constexpr int kSampleSide = 64, kColours = 3;
  cv::Mat sample, samples;
  cv::resize(bgr, sample, {kSampleSide, kSampleSide}, 0, 0, cv::INTER_AREA);
  sample.reshape(1, kSampleSide * kSampleSide).convertTo(samples, CV_32F);
  // k-means++ seeding draws from the thread's cv::RNG: a fixed seed makes the palette
  // deterministic (theRNG is per thread, so this does not race).
  cv::theRNG().state = 0x5EED;
  cv::Mat labels, centres;
  cv::kmeans(samples, kColours, labels,
             cv::TermCriteria(cv::TermCriteria::EPS | cv::TermCriteria::COUNT, 20, 0.5), 1,
             cv::KMEANS_PP_CENTERS, centres);
  std::vector<int> counts(kColours, 0);
  for (int i = 0; i < labels.rows; ++i) ++counts[labels.at<int>(i)];
  std::vector<DominantColour> palette;
  for (int k = 0; k < kColours; ++k) {
    if (counts[k] == 0) continue;
    auto channel = [&](int c) {
      return static_cast<uint8_t>(std::clamp(std::lround(centres.at<float>(k, c)), 0L, 255L));
    };
    palette.push_back(
        {channel(2), channel(1), channel(0), static_cast<double>(counts[k]) / labels.rows});
  }
  std::sort(palette.begin(), palette.end(),
            [](const DominantColour& a, const DominantColour& b) { return a.share > b.share; });
  return palette;
}

// Text regions, by a glyph-row heuristic. Text is strokes of high local contrast, so a local
// (adaptive) threshold, once for bright text and once for dark, gives roughly one component per
// glyph; a component of glyph shape counts as text when at least two others of similar height
// sit beside it on the same baseline. It finds overlay text, signs and captions; it misses small
// or isolated words and fires on some regular textures (docs/features-visual.md has the figures).
void MarkGlyphRows(const cv::Mat& binary, cv::Mat* text_mask) {
  cv::Mat labels, stats, centroids;
  const int count = cv::connectedComponentsWithStats(binary, labels, stats, centroids, 8, CV_32S);
  struct Glyph {
    float cx, cy, height;
    cv::Rect box;
  };
  std::vector<Glyph> glyphs;
  const int max_height = std::max(10, binary.rows / 5);
  for (int i = 1; i < count; ++i) {
    const cv::Rect box(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                       stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
    if (box.height < 6 || box.height > max_height || box.width > 2 * box.height ||
        box.width * 8 < box.height) {
      continue;
    }
    const double fill = stats.at<int>(i, cv::CC_STAT_AREA) / static_cast<double>(box.area());
    if (fill < 0.15 || fill > 0.95) continue;
    glyphs.push_back(
        {box.x + box.width / 2.0f, box.y + box.height / 2.0f, static_cast<float>(box.height), box});
  }
  std::sort(glyphs.begin(), glyphs.end(),
            [](const Glyph& a, const Glyph& b) { return a.cx < b.cx; });
  std::vector<int> neighbours(glyphs.size(), 0);
  for (size_t i = 0; i < glyphs.size(); ++i) {
    for (size_t j = i + 1; j < glyphs.size(); ++j) {
      const float dx = glyphs[j].cx - glyphs[i].cx;
      if (dx >= 2.0f * max_height) break;  // sorted by x: nothing further can be a neighbour
      const float height = std::max(glyphs[i].height, glyphs[j].height);
      if (dx >= 1.5f * height || dx < 0.25f * height ||
          std::abs(glyphs[i].cy - glyphs[j].cy) > 0.2f * height ||
          std::abs(glyphs[i].height - glyphs[j].height) > 0.25f * height) {
        continue;
      }
      ++neighbours[i];
      ++neighbours[j];
    }
  }
  for (size_t i = 0; i < glyphs.size(); ++i) {
    if (neighbours[i] >= 2) cv::rectangle(*text_mask, glyphs[i].box, 255, cv::FILLED);
  }
}

double TextAreaShare(const cv::Mat& grey) {
  constexpr int kBlock = 31;
  constexpr double kOffset = 25;  // grey levels a stroke must stand out from its surroundings
  cv::Mat bright, dark;
  cv::adaptiveThreshold(grey, bright, 255, cv::ADAPTIVE_THRESH_MEAN_C, cv::THRESH_BINARY, kBlock,
                        -kOffset);
  cv::adaptiveThreshold(grey, dark, 255, cv::ADAPTIVE_THRESH_MEAN_C, cv::THRESH_BINARY_INV, kBlock,
                        kOffset);
  cv::Mat text_mask = cv::Mat::zeros(grey.size(), CV_8U);
  MarkGlyphRows(bright, &text_mask);
  MarkGlyphRows(dark, &text_mask);
  return cv::countNonZero(text_mask) / static_cast<double>(text_mask.total());
}

// libjpeg can decode at 1/2, 1/4 or 1/8 scale in the DCT, which is both faster than a full
// decode plus resize and bounds the memory of a large JPEG. Pick the largest reduction that still
// leaves the working size; other formats decode in full.
int JpegReduction(const ImageHeader& header) {
  if (header.format != ImageFormat::kJpeg) return 1;
  const int long_side = std::max(header.width, header.height);
  int reduction = 1;
  while (reduction < 8 && long_side / (reduction * 2) >= kWorkingSide) reduction *= 2;
  return reduction;
}

int DecodeFlags(const ImageHeader& header) {
  switch (JpegReduction(header)) {
    case 2:
      return cv::IMREAD_REDUCED_COLOR_2;
    case 4:
      return cv::IMREAD_REDUCED_COLOR_4;
    case 8:
      return cv::IMREAD_REDUCED_COLOR_8;
    default:
      return cv::IMREAD_COLOR;
  }
}

}  // namespace

Result<VisualFeatures> ImageFeaturizer::FromFile(const std::filesystem::path& path) const {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open image " + path.string());
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > impl_->limits.max_bytes) {
    return InvalidArgument(path.string() + ": " + std::to_string(size) +
                           " bytes exceeds the limit of " +
                           std::to_string(impl_->limits.max_bytes));
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Result<VisualFeatures> features = FromBytes(bytes);
  if (!features.ok()) return features.status().WithContext(path.string());
  return features;
}

Result<VisualFeatures> ImageFeaturizer::FromBytes(std::string_view encoded) const {
  return FromBytes(encoded, nullptr);
}

Result<VisualFeatures> ImageFeaturizer::FromBytes(std::string_view encoded,
                                                  StageTimes* times) const {
  const ImageLimits& limits = impl_->limits;
  if (encoded.size() > limits.max_bytes) {
    return InvalidArgument("image: " + std::to_string(encoded.size()) +
                           " bytes exceeds the limit of " + std::to_string(limits.max_bytes));
  }
  ImageHeader header;
  {
    Stopwatch watch(Slot(times, &StageTimes::header));
    SPHERE_ASSIGN_OR_RETURN(header, ParseImageHeader(encoded));
    const std::string dims = std::to_string(header.width) + "x" + std::to_string(header.height);
    if (header.width > limits.max_side || header.height > limits.max_side) {
      return InvalidArgument("image: " + std::string(ToString(header.format)) + " of " + dims +
                             " exceeds the side limit of " + std::to_string(limits.max_side));
    }
    if (header.width < limits.min_side || header.height < limits.min_side) {
      return InvalidArgument("image: " + std::string(ToString(header.format)) + " of " + dims +
                             " is below the minimum side of " + std::to_string(limits.min_side) +
                             " pixels");
    }
    if (static_cast<int64_t>(header.width) * header.height > limits.max_pixels) {
      return InvalidArgument("image: " + std::string(ToString(header.format)) + " of " + dims +
                             " exceeds the limit of " + std::to_string(limits.max_pixels) +
                             " pixels");
    }
    SPHERE_RETURN_IF_ERROR(CheckComplete(header, encoded));
  }

  VisualFeatures f;
  f.source = VisualSource::kPixels;
  f.face_detector = impl_->face_detector;
  cv::Mat full;
  try {
    Stopwatch watch(Slot(times, &StageTimes::decode));
    // imdecode only reads the buffer; its API takes a non-const Mat.
    const cv::Mat buffer(1, static_cast<int>(encoded.size()), CV_8U,
                         const_cast<char*>(encoded.data()));
    full = cv::imdecode(buffer, DecodeFlags(header));
  } catch (const cv::Exception& e) {
    return InvalidArgument("image: the " + std::string(ToString(header.format)) +
                           " decoder failed: " + e.what());
  }
  try {
    if (full.empty()) {
      return InvalidArgument("image: " + std::string(ToString(header.format)) +
                             " data is corrupt (the decoder produced no image)");
    }
    // EXIF orientation may swap the sides; anything else means the decoder read another header.
    const int reduction = JpegReduction(header);
    const int stored_w = (header.width + reduction - 1) / reduction;
    const int stored_h = (header.height + reduction - 1) / reduction;
    const bool same = full.cols == stored_w && full.rows == stored_h;
    const bool rotated = full.cols == stored_h && full.rows == stored_w;
    if (!same && !rotated) {
      return InvalidArgument("image: decoded size " + std::to_string(full.cols) + "x" +
                             std::to_string(full.rows) + " differs from the header's " +
                             std::to_string(stored_w) + "x" + std::to_string(stored_h));
    }
    f.width = same ? header.width : header.height;
    f.height = same ? header.height : header.width;

    cv::Mat work, grey, full_grey;
    {
      Stopwatch watch(Slot(times, &StageTimes::resize));
      const double scale = static_cast<double>(kWorkingSide) / std::max(full.cols, full.rows);
      if (scale < 1.0) {
        cv::resize(full, work, {}, scale, scale, cv::INTER_AREA);
      } else {
        work = full;
      }
      cv::cvtColor(work, grey, cv::COLOR_BGR2GRAY);
    }
    {
      Stopwatch watch(Slot(times, &StageTimes::faces));
      SPHERE_ASSIGN_OR_RETURN(const std::vector<Face> faces, impl_->DetectFaces(work, grey));
      f.people = static_cast<double>(faces.size());
      double face_area = 0;
      for (const Face& face : faces) face_area += face.box.area();
      f.face_area_share = std::min(1.0, face_area / (static_cast<double>(work.cols) * work.rows));
      f.smiling = false;
      if (!faces.empty()) {
        cv::cvtColor(full, full_grey, cv::COLOR_BGR2GRAY);
        const double to_full = static_cast<double>(full.cols) / work.cols;
        for (size_t i = 0; i < faces.size() && i < kMaxFacesForSmile && !*f.smiling; ++i) {
          const cv::Rect2f& b = faces[i].box;
          const cv::Rect box(cvRound(b.x * to_full), cvRound(b.y * to_full),
                             cvRound(b.width * to_full), cvRound(b.height * to_full));
          f.smiling = impl_->Smiles(full_grey, box);
        }
      }
    }
    {
      Stopwatch watch(Slot(times, &StageTimes::stats));
      ComputeStats(work, grey, &f);
    }
    {
      Stopwatch watch(Slot(times, &StageTimes::brisque));
      // BRISQUE fits its statistics at two scales; at 384 px it costs half of 512 px.
      cv::Mat small_grey;
      const double scale = static_cast<double>(kBrisqueSide) / std::max(grey.cols, grey.rows);
      if (scale < 1.0) {
        cv::resize(grey, small_grey, {}, scale, scale, cv::INTER_AREA);
      } else {
        small_grey = grey;
      }
      cv::Ptr<cv::quality::QualityBRISQUE> brisque =
          cv::quality::QualityBRISQUE::create(impl_->brisque_model, impl_->brisque_range);
      // Flat images have no natural-scene statistics to fit: the score is then NaN, i.e. missing.
      const double score = brisque->compute(small_grey)[0];
      if (std::isfinite(score)) f.brisque = score;
    }
    {
      Stopwatch watch(Slot(times, &StageTimes::palette));
      f.palette = Palette(work);
    }
    {
      Stopwatch watch(Slot(times, &StageTimes::text));
      f.text_area_share = TextAreaShare(grey);
      f.text = *f.text_area_share >= kTextAreaThreshold;
    }
  } catch (const cv::Exception& e) {
    // The pixels decoded, so a failure here is ours, not the caller's.
    return Internal("image: OpenCV failed on a decoded " + std::to_string(f.width) + "x" +
                    std::to_string(f.height) + " " + std::string(ToString(header.format)) + ": " +
                    e.what());
  }
  return f;
}

const std::vector<std::string_view>& VisualFeatureNames() {
  static const std::vector<std::string_view> names = [] {
    FeatureVector v;
    AppendVisualFeatures(VisualFeatures{}, &v);
    std::vector<std::string_view> out;
    for (const Feature& feature : v.features()) out.push_back(feature.name);
    return out;
  }();
  return names;
}

void AppendVisualFeatures(const VisualFeatures& f, FeatureVector* out) {
  auto flag = [](const std::optional<bool>& b) {
    return b ? std::optional<double>(*b ? 1.0 : 0.0) : std::nullopt;
  };
  out->Add("visual.source_description", f.source == VisualSource::kImageDescription);
  out->Add("visual.source_pixels", f.source == VisualSource::kPixels);
  out->Add("visual.people", f.people);
  out->Add("visual.smiling", flag(f.smiling));
  out->Add("visual.text", flag(f.text));
  for (const SceneFlag& scene : SceneFlags()) out->Add(scene.feature_name, flag(f.*scene.member));
  out->Add("visual.face_area_share", f.face_area_share);
  out->Add("visual.brightness", f.brightness);
  out->Add("visual.contrast", f.contrast);
  out->Add("visual.saturation", f.saturation);
  out->Add("visual.colourfulness", f.colourfulness);
  out->Add("visual.sharpness", f.sharpness);
  out->Add("visual.brisque", f.brisque);
  out->Add("visual.text_area_share", f.text_area_share);
}

}  // namespace sphere::features
