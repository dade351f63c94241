// The canonical entities of InfluencerSphere (see ../../ARCHITECTURE.md and DESIGN.md).
//
// Plain values with no I/O. Every importer produces these; every store backend
// persists them. Creators from different sources are the same creator when their
// platform and normalised handle (NormalizeHandle) are equal; posts and snapshots
// refer to their creator by that pair, and the store resolves it to a row id.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sphere {

enum class Platform { kInstagram, kTikTok, kYouTube };
enum class MediaType { kImage, kVideo, kCarousel };
enum class Role { kBrand, kCreator, kAdmin };

// Industry follower tiers; boundaries are lower bounds (nano < 10k <= micro < 100k ...).
enum class FollowerTier { kNano, kMicro, kMid, kMacro, kMega };

std::string_view ToString(Platform p);      // "instagram" | "tiktok" | "youtube"
std::string_view ToString(MediaType m);     // "image" | "video" | "carousel"
std::string_view ToString(Role r);          // "brand" | "creator" | "admin"
std::string_view ToString(FollowerTier t);  // "nano" | "micro" | "mid" | "macro" | "mega"

// Parsers accept the ToString spellings case-insensitively; anything else is
// InvalidArgument naming the bad value.
Result<Platform> ParsePlatform(std::string_view text);
Result<MediaType> ParseMediaType(std::string_view text);
Result<Role> ParseRole(std::string_view text);
Result<FollowerTier> ParseTier(std::string_view text);

FollowerTier TierOf(int64_t followers);
inline constexpr int64_t kTierLowerBound[] = {0, 10'000, 100'000, 500'000, 1'000'000};

// A handle as the platform shows it, reduced to one key: surrounding space and any
// leading '@' removed, ASCII letters lower-cased (Instagram, TikTok and YouTube
// handles are case-insensitive). Returns "" when nothing is left. A normalised handle
// normalises to itself.
std::string NormalizeHandle(std::string_view raw);
// "instagram/handle": how creators are keyed in maps and named in messages, and what the
// creator split (core/split.h) hashes.
std::string CreatorKeyText(Platform platform, std::string_view handle);

// Unix seconds, UTC.
using UnixSeconds = int64_t;

struct CreatorKey {
  Platform platform = Platform::kInstagram;
  std::string handle;  // normalised
  bool operator==(const CreatorKey&) const = default;
};

struct Creator {
  int64_t id = 0;  // assigned by the store; 0 before it is stored
  Platform platform = Platform::kInstagram;
  std::string handle;                // normalised (NormalizeHandle)
  std::string display_name;          // as shown on the platform; "" when unknown
  std::optional<std::string> niche;  // lower-case category, e.g. "beauty"
  std::optional<int64_t> followers;  // subscribers on YouTube
  std::optional<int64_t> following;
  std::optional<int64_t> posts_count;
  std::optional<std::string> country;
  std::optional<bool> verified;
  // When the profile fields above were observed. A store keeps, field by field,
  // the non-empty value with the newest stats_as_of, so import order never matters.
  UnixSeconds stats_as_of = 0;
  std::string source;  // which importer last set the profile, e.g. "kim_influencers"

  CreatorKey key() const { return {platform, handle}; }
};

struct Post {
  int64_t id = 0;  // assigned by the store
  Platform platform = Platform::kInstagram;
  std::string creator_handle;  // normalised; with platform, names the creator
  std::string external_id;     // the platform's id (Instagram shortcode, TikTok id, ...)
  std::optional<UnixSeconds> posted_at;
  MediaType media_type = MediaType::kImage;
  std::string caption;
  std::optional<int64_t> likes;
  std::optional<int64_t> comments;
  std::optional<int64_t> views;
  std::optional<int64_t> shares;
  bool sponsored = false;
  std::string image_description;  // the platform's own alt text ("Image may contain: ...")
  std::optional<int32_t> width;
  std::optional<int32_t> height;
  std::string location;
  std::optional<UnixSeconds> observed_at;  // when likes/comments/views were read
  std::string source;
  std::string extra_json = "{}";  // source-specific fields, a JSON object
};

// Creator statistics at one time: the time series that momentum and alerts read.
// Unique per (creator, source, taken_at).
struct Snapshot {
  int64_t id = 0;
  Platform platform = Platform::kInstagram;
  std::string creator_handle;  // normalised
  UnixSeconds taken_at = 0;
  std::string source;
  std::optional<int64_t> followers;
  std::optional<int64_t> following;
  std::optional<int64_t> posts_count;
  std::optional<int64_t> total_views;
  std::optional<double> avg_likes;
  std::optional<double> avg_comments;
  std::optional<double> avg_views;
  std::optional<double> avg_shares;
  std::optional<double> engagement_rate;       // fraction, 0.0139 for "1.39%"
  std::optional<double> authentic_engagement;  // interactions per post from real accounts
  // Gains over the period_days that END at taken_at (Social Blade weekly rows).
  std::optional<int64_t> followers_gain;
  std::optional<int64_t> views_gain;
  std::optional<int32_t> period_days;
  std::string extra_json = "{}";
};

// A creator's Market Value as of a date (see docs/market-value.md): the forecast over the
// horizon, the fee per sponsored post it prices to, and where it ranks. Stored with the model
// version and the time it was computed, so a creator's value history can be charted.
// Unique per (creator, as_of, horizon_days, model_version): valuing again replaces the row.
struct MarketValue {
  int64_t id = 0;
  int64_t creator_id = 0;
  // Filled by the store on read from the creator row (ignored on write).
  Platform platform = Platform::kInstagram;
  std::string creator_handle;

  UnixSeconds as_of = 0;  // history up to and including this instant was used
  int32_t horizon_days = 30;
  std::string model_version;
  UnixSeconds computed_at = 0;

  std::string niche;                 // taxonomy niche id; "" when unknown
  std::optional<int64_t> followers;  // the latest follower count at as_of
  std::string format;                // the format the fee is priced for ("image", "video", ...)

  // Forecasts over the horizon: mid with an 80% range. Views only on video platforms.
  double engagement_per_post = 0, engagement_low = 0, engagement_high = 0;
  std::optional<double> views_per_post, views_low, views_high;
  std::optional<double> follower_gain, follower_gain_low, follower_gain_high;

  // Fee per sponsored post in the rate card's currency (USD by default).
  double fee_low = 0, fee_mid = 0, fee_high = 0;
  double score = 0;                   // 0-100 percentile of fee_mid within platform
  std::optional<double> niche_score;  // 0-100 percentile within platform and niche
  std::string tier;                   // ToString(FollowerTier); "" when followers unknown
  double momentum = 0;                // forecast growth of value over the horizon (0.1 = +10%)
  std::string evidence_json = "{}";   // inputs, comparables, contributions: a JSON object
};

struct User {
  int64_t id = 0;
  std::string name;
  Role role = Role::kBrand;
  std::string api_key_hash;  // never the key itself
  UnixSeconds created_at = 0;
};

struct AlertRule {
  int64_t id = 0;
  int64_t owner_user_id = 0;
  std::string name;
  std::string condition_json = "{}";  // the rule's condition; its grammar belongs to alerts
  bool enabled = true;
  UnixSeconds created_at = 0;
};

struct AlertEvent {
  int64_t id = 0;
  int64_t rule_id = 0;
  int64_t creator_id = 0;
  UnixSeconds fired_at = 0;
  std::string payload_json = "{}";
  int64_t owner_user_id = 0;  // the rule's owner: filled by the store on read (ignored on write)
};

// Where the alerts engine left one rule for one creator (src/alerts/engine.h): whether the
// rule's condition held at the last evaluation (a firing needs it to go from false to true:
// one event per crossing), the reference a drop_by rule measures from (the peak since it
// last fired), and when it last fired for this creator (its cooldown). Unique per
// (rule_id, creator_id); deleting the rule deletes its states.
struct AlertState {
  int64_t rule_id = 0;
  int64_t creator_id = 0;
  bool inside = false;
  std::optional<double> reference;
  std::optional<UnixSeconds> last_fired_at;
  UnixSeconds updated_at = 0;
  // How many times the store has written this state; 0 for one never stored. A state is
  // written back with the revision it was read at, and the store refuses it when another
  // writer moved the revision meanwhile: two processes evaluating the same crossing then
  // fire once (Store::CommitAlertEvaluation).
  int64_t revision = 0;
};

// Where an owner wants their alert events POSTed, signed with HMAC-SHA256 under `secret`.
struct Webhook {
  int64_t id = 0;
  int64_t owner_user_id = 0;
  std::string url;     // http:// or https://
  std::string secret;  // the signing key; the owner sees it once, when the webhook is made
  bool enabled = true;
  UnixSeconds created_at = 0;
};

// pending: waiting for (another) attempt; delivered: a 2xx came back; dead: every attempt
// failed (the dead-letter state; an owner can requeue it).
enum class DeliveryState { kPending, kDelivered, kDead };
std::string_view ToString(DeliveryState s);  // "pending" | "delivered" | "dead"
Result<DeliveryState> ParseDeliveryState(std::string_view text);

// One event on its way to one webhook. Unique per (webhook_id, event_id).
struct WebhookDelivery {
  int64_t id = 0;
  int64_t webhook_id = 0;
  int64_t event_id = 0;
  DeliveryState state = DeliveryState::kPending;
  int32_t attempts = 0;
  UnixSeconds next_attempt_at = 0;     // pending: not before this instant
  std::optional<int32_t> last_status;  // the HTTP status of the last attempt (none: no answer)
  std::string last_error;              // "" after success
  UnixSeconds updated_at = 0;
};

struct ModelRecord {
  int64_t id = 0;
  std::string kind;     // "plep", "market_value", "niche", ...
  std::string version;  // unique per kind
  std::string artifact_path;
  std::string data_hash;
  std::string manifest_json = "{}";
  std::string metrics_json = "{}";
  UnixSeconds created_at = 0;
};

// What people add to a creator's profile by hand (the seed's PUT /influencers/{id}) and the
// bio an ingestion carries. One per creator, kept apart from the imported profile so that a
// re-import never touches it; writing one replaces the previous one whole.
struct CreatorNote {
  int64_t creator_id = 0;
  std::vector<std::string> niche_tags;  // in the order given
  std::string manual_notes;
  std::string bio;
  int64_t updated_by_user_id = 0;  // 0 = the CLI or an import, no user
  UnixSeconds updated_at = 0;
};

// One payload received by the seed's POST /data-ingestion, kept as it came so that no field
// the importers do not understand yet is lost.
struct Ingestion {
  int64_t id = 0;       // assigned by the store
  int64_t user_id = 0;  // who sent it; 0 = the CLI, no user
  int64_t creator_id = 0;
  std::string payload_json = "{}";  // a JSON object
  UnixSeconds received_at = 0;
};

// A planned post in the Content Lab, owned by one user: only its owner ever sees it.
struct Draft {
  int64_t id = 0;  // assigned by the store
  int64_t owner_user_id = 0;
  std::optional<int64_t> creator_id;  // the creator it is planned for, when one is named
  std::string caption;
  MediaType media_type = MediaType::kImage;
  bool sponsored = false;
  std::optional<UnixSeconds> planned_at;
  std::string image_bytes;         // the uploaded image, binary; "" when there is none
  std::string image_content_type;  // e.g. "image/jpeg"; "" exactly when there is no image
  // Filled by the store on every read (ignored on write): the image's size in bytes, also
  // where image_bytes is left empty (ListDrafts).
  int64_t image_size = 0;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
};

}  // namespace sphere
