#include "cli/arguments.h"

#include <ctime>
#include <memory>

#include "core/time.h"
#include "features/visual/visual_features.h"

namespace sphere::cli {

Result<UnixSeconds> ParseAt(const std::string& text, std::string_view flag) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos &&
      text.size() <= 12) {
    return static_cast<UnixSeconds>(std::stoll(text));
  }
  Result<UnixSeconds> t = ParseIsoTime(text);
  if (!t.ok()) return InvalidArgument(std::string(flag) + ": " + t.status().message());
  return t;
}

void AddDraftOptions(CLI::App* cmd, DraftArgs& args, const std::string& creator_help) {
  cmd->add_option("--caption", args.caption, "The draft's caption (any UTF-8)");
  cmd->add_option("--image", args.image, "An image file (JPEG, PNG or WebP)");
  cmd->add_option("--image-description", args.image_description,
                  "The platform's image description, when there is no image "
                  "(\"Image may contain: 2 people, smiling\")");
  cmd->add_option("--creator", args.creator, creator_help);
  cmd->add_option("--platform", args.platform, "instagram | tiktok | youtube")
      ->capture_default_str();
  cmd->add_option("--at", args.at,
                  "When the post goes out: ISO 8601 (2019-05-26T18:00:00Z) or unix seconds; "
                  "default now. History is taken strictly before it");
  cmd->add_option("--format", args.format, "image | video | carousel")->capture_default_str();
  cmd->add_flag("--sponsored", args.sponsored, "A paid partnership");
  cmd->add_option("--age-days", args.age_days,
                  "Days after publication at which the counts are read (post.age_days)")
      ->capture_default_str();
  cmd->add_option("--assets", args.assets,
                  "Directory of the pinned assets (default $SPHERE_ASSETS or var/assets)");
}

Result<service::DraftRequest> DraftRequestOf(const DraftArgs& args,
                                             const features::AssetDir& assets) {
  if (!args.image.empty() && !args.image_description.empty()) {
    return InvalidArgument("--image-description: give an image or its description, not both");
  }
  service::DraftRequest request;
  Result<Platform> platform = ParsePlatform(args.platform);
  if (!platform.ok()) return InvalidArgument("--platform: " + platform.status().message());
  request.platform = *platform;
  request.handle = args.creator;
  request.draft.caption = args.caption;
  request.draft.image_description = args.image_description;
  Result<MediaType> format = ParseMediaType(args.format);
  if (!format.ok()) return InvalidArgument("--format: " + format.status().message());
  request.draft.media_type = *format;
  request.draft.sponsored = args.sponsored;
  if (args.age_days && !(*args.age_days >= 0 && *args.age_days <= 36'500)) {
    return InvalidArgument("--age-days: must be between 0 and 36500");
  }
  request.draft.age_days = args.age_days;
  if (args.at.empty()) {
    request.at = static_cast<UnixSeconds>(std::time(nullptr));
  } else {
    SPHERE_ASSIGN_OR_RETURN(request.at, ParseAt(args.at));
  }
  request.draft.posted_at = request.at;
  if (!args.image.empty()) {
    SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<features::ImageFeaturizer> images,
                            features::ImageFeaturizer::Create(assets));
    Result<features::VisualFeatures> visual = images->FromFile(args.image);
    if (!visual.ok()) return visual.status().WithContext("--image " + args.image);
    request.draft.image = std::move(*visual);
  }
  return request;
}

}  // namespace sphere::cli
