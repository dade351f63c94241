#include "features/post/post_features.h"

#include <cmath>

#include "core/time.h"

namespace sphere::features {
namespace {

std::optional<double> AsDouble(const std::optional<int64_t>& v) {
  if (!v) return std::nullopt;
  return static_cast<double>(*v);
}

void AppendPostContext(const PostDraft& draft, FeatureVector* out) {
  std::optional<double> hour, weekday;
  if (draft.posted_at) {
    // UTC: the data sets carry no time zone for their creators.
    const int64_t seconds_of_day =
        ((*draft.posted_at % kSecondsPerDay) + kSecondsPerDay) % kSecondsPerDay;
    hour = static_cast<double>(seconds_of_day / 3600);
    const int64_t days = (*draft.posted_at - seconds_of_day) / kSecondsPerDay;
    weekday =
        static_cast<double>(((days + 3) % 7 + 7) % 7);  // 1970-01-01 was a Thursday; 0 = Monday
  }
  out->Add("post.hour_utc", hour);
  out->Add("post.weekday_utc", weekday);
  out->Add("post.is_carousel", draft.media_type == MediaType::kCarousel);
  out->Add("post.is_video", draft.media_type == MediaType::kVideo);
  out->Add("post.sponsored", draft.sponsored);
  out->Add("post.age_days", draft.age_days);
}

// `creator` null (a draft for nobody in particular): every profile feature is missing.
void AppendCreatorProfile(const Creator* creator, FeatureVector* out) {
  auto is_platform = [creator](Platform p) -> std::optional<double> {
    if (creator == nullptr) return std::nullopt;
    return creator->platform == p ? 1.0 : 0.0;
  };
  auto field = [creator](std::optional<int64_t> Creator::*member) {
    return creator == nullptr ? std::nullopt : AsDouble(creator->*member);
  };
  std::optional<double> verified;
  if (creator != nullptr && creator->verified) verified = *creator->verified ? 1.0 : 0.0;
  out->Add("creator.instagram", is_platform(Platform::kInstagram));
  out->Add("creator.tiktok", is_platform(Platform::kTikTok));
  out->Add("creator.youtube", is_platform(Platform::kYouTube));
  out->Add("creator.followers", field(&Creator::followers));
  out->Add("creator.following", field(&Creator::following));
  out->Add("creator.posts_count", field(&Creator::posts_count));
  out->Add("creator.verified", verified);
}

// The one order of the groups: Extract and PostFeatureNames both assemble through here.
void AppendAll(const PostDraft& draft, const Creator* creator, const PostFeatures& parts,
               FeatureVector* out) {
  AppendPostContext(draft, out);
  AppendCreatorProfile(creator, out);
  AppendCaptionFeatures(parts.caption, out);
  AppendVisualFeatures(parts.visual, out);
  AppendHistoryFeatures(parts.history, out);
}

}  // namespace

PostDraft DraftFromPost(const Post& post) {
  PostDraft draft;
  draft.caption = post.caption;
  draft.image_description = post.image_description;
  draft.posted_at = post.posted_at;
  draft.media_type = post.media_type;
  draft.sponsored = post.sponsored;
  if (post.posted_at && post.observed_at && *post.observed_at >= *post.posted_at) {
    draft.age_days = static_cast<double>(*post.observed_at - *post.posted_at) /
                     static_cast<double>(kSecondsPerDay);
  }
  return draft;
}

Result<std::unique_ptr<PostFeaturizer>> PostFeaturizer::Create(const AssetDir& assets,
                                                               HistoryOptions history) {
  SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<CaptionFeaturizer> captions,
                          CaptionFeaturizer::Create(assets));
  return std::unique_ptr<PostFeaturizer>(new PostFeaturizer(std::move(captions), history));
}

Result<PostFeatures> PostFeaturizer::Extract(const PostDraft& draft, const CreatorContext& context,
                                             UnixSeconds at) const {
  if (draft.posted_at && *draft.posted_at != at) {
    return InvalidArgument("at: " + FormatIsoTime(at) + " differs from the post's posted_at " +
                           FormatIsoTime(*draft.posted_at) +
                           "; history is taken at the post's own time");
  }
  PostFeatures result;
  result.caption = captions_->Extract(draft.caption);
  result.visual = draft.image ? *draft.image : FromImageDescription(draft.image_description);
  static const Creator kNobody;
  result.history = ComputeHistory(context.creator ? *context.creator : kNobody, context.posts,
                                  context.snapshots, at, history_);

  AppendAll(draft, context.creator, result, &result.vector);
  return result;
}

const std::vector<std::string>& PostFeatureNames() {
  static const std::vector<std::string> names = [] {
    FeatureVector v;
    AppendAll(PostDraft{}, nullptr, PostFeatures{}, &v);
    return v.Names();
  }();
  return names;
}

}  // namespace sphere::features
