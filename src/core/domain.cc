#include "core/domain.h"

#include <algorithm>
#include <cctype>

namespace sphere {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

template <typename Enum, size_t N>
Result<Enum> ParseEnum(std::string_view text, const Enum (&values)[N], std::string_view what) {
  for (Enum v : values) {
    if (EqualsIgnoreCase(text, ToString(v))) return v;
  }
  std::string allowed;
  for (Enum v : values) {
    if (!allowed.empty()) allowed += "|";
    allowed += ToString(v);
  }
  return InvalidArgument(std::string(what) + ": '" + std::string(text) + "' is not one of " +
                         allowed);
}

}  // namespace

std::string_view ToString(Platform p) {
  switch (p) {
    case Platform::kInstagram:
      return "instagram";
    case Platform::kTikTok:
      return "tiktok";
    case Platform::kYouTube:
      return "youtube";
  }
  return "?";
}

std::string_view ToString(MediaType m) {
  switch (m) {
    case MediaType::kImage:
      return "image";
    case MediaType::kVideo:
      return "video";
    case MediaType::kCarousel:
      return "carousel";
  }
  return "?";
}

std::string_view ToString(Role r) {
  switch (r) {
    case Role::kBrand:
      return "brand";
    case Role::kCreator:
      return "creator";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

std::string_view ToString(FollowerTier t) {
  switch (t) {
    case FollowerTier::kNano:
      return "nano";
    case FollowerTier::kMicro:
      return "micro";
    case FollowerTier::kMid:
      return "mid";
    case FollowerTier::kMacro:
      return "macro";
    case FollowerTier::kMega:
      return "mega";
  }
  return "?";
}

std::string_view ToString(DeliveryState s) {
  switch (s) {
    case DeliveryState::kPending:
      return "pending";
    case DeliveryState::kDelivered:
      return "delivered";
    case DeliveryState::kDead:
      return "dead";
  }
  return "?";
}

Result<DeliveryState> ParseDeliveryState(std::string_view text) {
  static constexpr DeliveryState kAll[] = {DeliveryState::kPending, DeliveryState::kDelivered,
                                           DeliveryState::kDead};
  return ParseEnum(text, kAll, "state");
}

Result<FollowerTier> ParseTier(std::string_view text) {
  static constexpr FollowerTier kAll[] = {FollowerTier::kNano, FollowerTier::kMicro,
                                          FollowerTier::kMid, FollowerTier::kMacro,
                                          FollowerTier::kMega};
  return ParseEnum(text, kAll, "tier");
}

Result<Platform> ParsePlatform(std::string_view text) {
  static constexpr Platform kAll[] = {Platform::kInstagram, Platform::kTikTok, Platform::kYouTube};
  return ParseEnum(text, kAll, "platform");
}

Result<MediaType> ParseMediaType(std::string_view text) {
  static constexpr MediaType kAll[] = {MediaType::kImage, MediaType::kVideo, MediaType::kCarousel};
  return ParseEnum(text, kAll, "media_type");
}

Result<Role> ParseRole(std::string_view text) {
  static constexpr Role kAll[] = {Role::kBrand, Role::kCreator, Role::kAdmin};
  return ParseEnum(text, kAll, "role");
}

FollowerTier TierOf(int64_t followers) {
  if (followers >= kTierLowerBound[4]) return FollowerTier::kMega;
  if (followers >= kTierLowerBound[3]) return FollowerTier::kMacro;
  if (followers >= kTierLowerBound[2]) return FollowerTier::kMid;
  if (followers >= kTierLowerBound[1]) return FollowerTier::kMicro;
  return FollowerTier::kNano;
}

std::string NormalizeHandle(std::string_view raw) {
  auto is_space = [](unsigned char c) { return std::isspace(c) != 0; };
  // Every '@' and blank at the front goes, not just one '@': stores normalise the handles
  // they are asked for, so a key such as "@ana" (from "@@ana") could never be found.
  while (!raw.empty() && (is_space(raw.front()) || raw.front() == '@')) raw.remove_prefix(1);
  while (!raw.empty() && is_space(raw.back())) raw.remove_suffix(1);
  std::string out(raw);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string CreatorKeyText(Platform platform, std::string_view handle) {
  std::string key(ToString(platform));
  key += '/';
  key += handle;
  return key;
}

}  // namespace sphere
