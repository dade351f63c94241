// `sphere features`: prints the named vector the post models see for a draft (caption,
// optional image or image description, timing, format) of a creator in the store, or for
// a stored post (--post): the same function computes both.
#include <fmt/format.h>

#include <cmath>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "core/time.h"
#include "features/assets.h"
#include "features/post/post_features.h"
#include "features/visual/visual_features.h"
#include "service/feature_service.h"
#include "store/store.h"

namespace sphere::cli {
namespace {

struct FeaturesFlags {
  DraftArgs draft;
  std::string post;
  bool json = false;
};

std::string Hex(const features::DominantColour& c) {
  return fmt::format("#{:02x}{:02x}{:02x}", c.r, c.g, c.b);
}

nlohmann::ordered_json ToJson(const features::PostFeatures& f) {
  nlohmann::ordered_json j;
  j["schema_version"] = features::kFeatureSchemaVersion;
  j["schema_fingerprint"] = features::SchemaFingerprint(features::PostFeatureNames());
  nlohmann::ordered_json values = nlohmann::ordered_json::object();
  for (const features::Feature& feature : f.vector.features()) {
    if (std::isnan(feature.value)) {
      values[std::string(feature.name)] = nullptr;
    } else {
      values[std::string(feature.name)] = feature.value;
    }
  }
  j["features"] = std::move(values);
  nlohmann::ordered_json details;
  details["language"] = f.caption.language;
  details["language_detector"] = f.caption.language_detector;
  details["invalid_bytes_replaced"] = f.caption.invalid_bytes;
  details["visual_source"] = features::ToString(f.visual.source);
  if (f.visual.source == features::VisualSource::kPixels) {
    details["face_detector"] = f.visual.face_detector;
    details["image_width"] = f.visual.width;
    details["image_height"] = f.visual.height;
    nlohmann::ordered_json palette = nlohmann::ordered_json::array();
    for (const auto& colour : f.visual.palette) {
      palette.push_back({{"hex", Hex(colour)}, {"share", colour.share}});
    }
    details["palette"] = std::move(palette);
  }
  j["details"] = std::move(details);
  return j;
}

void PrintTable(const features::PostFeatures& f) {
  std::string_view group;
  for (const features::Feature& feature : f.vector.features()) {
    std::string_view name = feature.name;
    std::string_view this_group = name.substr(0, name.find('.'));
    if (this_group != group) {
      fmt::print("{}{}\n", group.empty() ? "" : "\n", this_group);
      group = this_group;
    }
    if (std::isnan(feature.value)) {
      fmt::print("  {:<36} {:>14}\n", name, "missing");
    } else if (feature.value == std::floor(feature.value) && std::abs(feature.value) < 1e15) {
      fmt::print("  {:<36} {:>14}\n", name, static_cast<int64_t>(feature.value));
    } else {
      fmt::print("  {:<36} {:>14.4f}\n", name, feature.value);
    }
  }
  fmt::print("\nlanguage {} (detector {}), visual features from {}",
             f.caption.language.empty() ? "undetermined" : f.caption.language,
             f.caption.language_detector, features::ToString(f.visual.source));
  if (f.visual.source == features::VisualSource::kPixels) {
    fmt::print(" ({}x{}, faces by {})", f.visual.width, f.visual.height, f.visual.face_detector);
    if (!f.visual.palette.empty()) {
      fmt::print(", palette");
      for (const auto& colour : f.visual.palette) {
        fmt::print(" {} {:.0f}%", Hex(colour), 100 * colour.share);
      }
    }
  }
  if (f.caption.invalid_bytes > 0) {
    fmt::print("; {} invalid UTF-8 bytes replaced", f.caption.invalid_bytes);
  }
  fmt::print("\nschema version {}, fingerprint {}\n", features::kFeatureSchemaVersion,
             features::SchemaFingerprint(features::PostFeatureNames()));
}

Status RunFeatures(const GlobalOptions& global, const FeaturesFlags& flags) {
  const DraftArgs& draft = flags.draft;
  const bool stored_post = !flags.post.empty();
  if (stored_post && draft.creator.empty()) {
    return InvalidArgument("--post: needs --creator (post ids are per creator)");
  }
  if (stored_post && (!draft.caption.empty() || !draft.image.empty() ||
                      !draft.image_description.empty() || !draft.at.empty())) {
    return InvalidArgument(
        "--post: a stored post brings its own caption, image and time; "
        "drop --caption/--image/--image-description/--at");
  }
  const features::AssetDir assets = features::AssetDir::Locate(draft.assets);
  std::unique_ptr<Store> store;
  features::PostFeatures result;
  if (stored_post) {
    SPHERE_ASSIGN_OR_RETURN(Platform platform, ParsePlatform(draft.platform));
    SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<features::PostFeaturizer> featurizer,
                            features::PostFeaturizer::Create(assets));
    SPHERE_ASSIGN_OR_RETURN(store, OpenStore(global.store_url));
    SPHERE_ASSIGN_OR_RETURN(result, service::StoredPostFeatures(*store, *featurizer, platform,
                                                                draft.creator, flags.post));
  } else {
    SPHERE_ASSIGN_OR_RETURN(service::DraftRequest request, DraftRequestOf(draft, assets));
    SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<features::PostFeaturizer> featurizer,
                            features::PostFeaturizer::Create(assets));
    if (!draft.creator.empty()) {
      SPHERE_ASSIGN_OR_RETURN(store, OpenStore(global.store_url));
    }
    SPHERE_ASSIGN_OR_RETURN(result, service::DraftFeatures(store.get(), *featurizer, request));
  }

  if (flags.json) {
    fmt::print("{}\n", ToJson(result).dump(2));
  } else {
    PrintTable(result);
  }
  return Status::Ok();
}

}  // namespace

void AddFeaturesCommand(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto flags = std::make_shared<FeaturesFlags>();
  CLI::App* cmd = app.add_subcommand(
      "features",
      "Print the named feature vector the post models see for a draft or a stored post");
  AddDraftOptions(cmd, flags->draft,
                  "Handle of a creator in the store: adds their profile and history before --at");
  cmd->add_option("--post", flags->post,
                  "A stored post's id (with --creator): print what training sees for it");
  cmd->add_flag("--json", flags->json, "Print JSON: features in schema order, then details");
  cmd->callback([&global, &action, flags] {
    action = [&global, flags] { return RunFeatures(global, *flags); };
  });
}

}  // namespace sphere::cli
