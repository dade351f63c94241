// Flags and parsing shared by several subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/domain.h"
#include "features/assets.h"
#include "service/feature_service.h"

namespace sphere::cli {

// "2019-05-26T18:00:00Z", "2019-05-26" or unix seconds; errors name `flag`.
Result<UnixSeconds> ParseAt(const std::string& text, std::string_view flag = "--at");

// A draft post as typed on the command line (sphere features, sphere diagnose).
struct DraftArgs {
  std::string caption;
  std::string image;
  std::string image_description;
  std::string creator;
  std::string platform = "instagram";
  std::string at;
  std::string format = "image";
  bool sponsored = false;
  std::optional<double> age_days;
  std::string assets;
};

// --caption --image --image-description --creator --platform --at --format --sponsored
// --age-days --assets. `creator_help` says what the creator adds for this command.
void AddDraftOptions(CLI::App* cmd, DraftArgs& args, const std::string& creator_help);

// The request the service reads: platform, format and time parsed (errors name the flag),
// the image decoded into visual features. --at defaults to now.
Result<service::DraftRequest> DraftRequestOf(const DraftArgs& args,
                                             const features::AssetDir& assets);

}  // namespace sphere::cli
