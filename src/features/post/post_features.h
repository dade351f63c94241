// The one definition of what the post models see: a post (or a draft of one) plus its
// creator's history at the post's time, as one named FeatureVector.
//
// Training and serving both come through PostFeaturizer::Extract: training builds the
// draft from a stored post (DraftFromPost), serving from what a user typed and uploaded.
// Same input, same vector (tested in service/feature_service_test and the CLI tests).
//
// Groups, in order: post.* (timing, format, sponsorship, age), creator.* (profile),
// caption.*, visual.*, history.*. The names and their order are the schema
// (kFeatureSchemaVersion, SchemaFingerprint(PostFeatureNames())).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "features/assets.h"
#include "features/feature_vector.h"
#include "features/history/history_features.h"
#include "features/text/caption_features.h"
#include "features/visual/visual_features.h"

namespace sphere::features {

struct PostDraft {
  std::string caption;
  // The platform's image description ("Image may contain: ..."); read when `image` is empty.
  std::string image_description;
  // Features of an uploaded image; they take the place of the description.
  std::optional<VisualFeatures> image;
  std::optional<UnixSeconds> posted_at;  // when it is (or was, or will be) published
  MediaType media_type = MediaType::kImage;
  bool sponsored = false;
  // How long after publication the counts are read (the data sets read old posts years
  // later; a forecast asks for a horizon). Missing when unknown.
  std::optional<double> age_days;
};

// The draft a stored post would have been: the training path's input.
PostDraft DraftFromPost(const Post& post);

// Everything the post features read besides the draft. The history is taken strictly
// before the draft's posted_at (or `at` for a draft without a time).
struct CreatorContext {
  const Creator* creator = nullptr;  // null: no creator; creator.* missing, no history
  std::span<const Post> posts;
  std::span<const Snapshot> snapshots;
};

struct PostFeatures {
  FeatureVector vector;
  CaptionFeatures caption;  // with the strings (language, detector) the vector cannot hold
  VisualFeatures visual;
  HistoryFeatures history;
};

class PostFeaturizer {
 public:
  // Loads the caption assets (see CaptionFeaturizer::Create).
  static Result<std::unique_ptr<PostFeaturizer>> Create(const AssetDir& assets,
                                                        HistoryOptions history = {});

  // `at` is the time the history is taken at; it must be the draft's posted_at when that
  // is set (a mismatch is InvalidArgument, so no caller can look past a post's time).
  Result<PostFeatures> Extract(const PostDraft& draft, const CreatorContext& context,
                               UnixSeconds at) const;

  const CaptionFeaturizer& captions() const { return *captions_; }

 private:
  PostFeaturizer(std::unique_ptr<CaptionFeaturizer> captions, HistoryOptions history)
      : captions_(std::move(captions)), history_(history) {}

  std::unique_ptr<CaptionFeaturizer> captions_;
  HistoryOptions history_;
};

// The schema: the names Extract produces, in order.
const std::vector<std::string>& PostFeatureNames();

}  // namespace sphere::features
