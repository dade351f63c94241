#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <cmath>
#include <exception>
#include <initializer_list>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_migrations.h"

namespace sphere {
namespace {

using sqlite::DatabaseHandle;
using sqlite::Statement;
using sqlite::StatementCache;
using sqlite::Transaction;

// Long enough that a second process importing or reading waits for a writer's batch
// to commit instead of failing with "database is locked".
constexpr int kBusyTimeoutMs = 10'000;
// Per-connection settings. In WAL mode synchronous=NORMAL loses no commit when the process
// crashes (only a power cut can drop the last ones) and skips an fsync per batch. Foreign
// keys are off in SQLite unless each connection asks. The page cache (negative = KiB) keeps
// the post and snapshot indexes of a bulk load in memory between batches.
constexpr const char* kConnectionSettings =
    "PRAGMA synchronous = NORMAL;"
    "PRAGMA foreign_keys = ON;"
    "PRAGMA cache_size = -32768;";

// ---------------------------------------------------------------------------------------
// SQL text

std::string Join(std::initializer_list<std::string_view> items, std::string_view separator,
                 std::string_view pattern) {
  std::string out;
  for (std::string_view item : items) {
    if (!out.empty()) out += separator;
    for (size_t i = 0; i < pattern.size(); ++i) {
      if (pattern.substr(i, 3) == "{c}") {
        out += item;
        i += 2;
      } else {
        out += pattern[i];
      }
    }
  }
  return out;
}

// An upsert keyed by `key` whose newest write replaces every other column, but which
// leaves the row untouched (and sqlite3_changes() at 0) when every value is already equal.
std::string ReplacingUpsertSql(std::string_view table, std::initializer_list<std::string_view> key,
                               std::initializer_list<std::string_view> values) {
  const std::string table_name(table);
  std::string all_columns = Join(key, ", ", "{c}") + ", " + Join(values, ", ", "{c}");
  std::string placeholders = Join(key, ", ", "?") + ", " + Join(values, ", ", "?");
  return "INSERT INTO " + table_name + " (" + all_columns + ") VALUES (" + placeholders + ")" +
         " ON CONFLICT (" + Join(key, ", ", "{c}") + ") DO UPDATE SET " +
         Join(values, ", ", "{c} = excluded.{c}") + " WHERE " +
         Join(values, " OR ", table_name + ".{c} IS NOT excluded.{c}");
}

// BindCreator binds in this order: platform, handle, the merged fields as listed, stats_as_of.
//
// Merge rule, field by field: the incoming value is taken when it is known (not NULL)
// and either nothing is stored yet or it is not older than the stored profile. Filling
// a field nothing is known about from older data keeps import order from mattering
// (a newer file without niches imported before an older one with niches still ends
// with the niches). stats_as_of becomes the newer of the two.
const std::string& CreatorUpsertSql() {
  static const std::string sql = [] {
    const std::initializer_list<std::string_view> merged = {
        "display_name", "niche",   "followers", "following",
        "posts_count",  "country", "verified",  "source"};
    // `source` records who last changed the profile; a different source with the same
    // values is not a change (else two files describing one creator would flip it forever).
    const std::initializer_list<std::string_view> profile = {
        "display_name", "niche", "followers", "following", "posts_count", "country", "verified"};
    const std::string takes_incoming =
        "excluded.{c} IS NOT NULL AND "
        "(creator.{c} IS NULL OR excluded.stats_as_of >= creator.stats_as_of)";
    return "INSERT INTO creator (platform, handle, " + Join(merged, ", ", "{c}") +
           ", stats_as_of) VALUES (?, ?, " + Join(merged, ", ", "?") +
           ", ?) ON CONFLICT (platform, handle) DO UPDATE SET " +
           Join(merged, ", ",
                "{c} = CASE WHEN " + takes_incoming + " THEN excluded.{c} ELSE creator.{c} END") +
           ", stats_as_of = MAX(creator.stats_as_of, excluded.stats_as_of)" +
           " WHERE excluded.stats_as_of > creator.stats_as_of OR " +
           Join(profile, " OR ", "(" + takes_incoming + " AND excluded.{c} IS NOT creator.{c})");
  }();
  return sql;
}

const std::string& PostUpsertSql() {
  static const std::string sql =
      ReplacingUpsertSql("post", {"platform", "external_id"},
                         {"creator_id", "posted_at", "media_type", "caption", "likes", "comments",
                          "views", "shares", "sponsored", "image_description", "width", "height",
                          "location", "observed_at", "source", "extra_json"});
  return sql;
}

const std::string& SnapshotUpsertSql() {
  static const std::string sql = ReplacingUpsertSql(
      "snapshot", {"creator_id", "source", "taken_at"},
      {"followers", "following", "posts_count", "total_views", "avg_likes", "avg_comments",
       "avg_views", "avg_shares", "engagement_rate", "authentic_engagement", "followers_gain",
       "views_gain", "period_days", "extra_json"});
  return sql;
}

// Valuing a creator again (same key) replaces every value; the row keeps its id.
const std::string& MarketValueUpsertSql() {
  static const std::string sql =
      ReplacingUpsertSql("market_value", {"creator_id", "as_of", "horizon_days", "model_version"},
                         {"computed_at",
                          "niche",
                          "followers",
                          "format",
                          "engagement_per_post",
                          "engagement_low",
                          "engagement_high",
                          "views_per_post",
                          "views_low",
                          "views_high",
                          "follower_gain",
                          "follower_gain_low",
                          "follower_gain_high",
                          "fee_low",
                          "fee_mid",
                          "fee_high",
                          "score",
                          "niche_score",
                          "tier",
                          "momentum",
                          "evidence_json"});
  return sql;
}

// "CASE WHEN followers IS NULL THEN '(unknown)' WHEN followers >= 1000000 THEN 'mega' ..."
const std::string& FollowerTierSql() {
  static const std::string sql = [] {
    std::string out = "CASE WHEN followers IS NULL THEN '(unknown)'";
    for (size_t tier = std::size(kTierLowerBound); tier-- > 0;) {
      out += " WHEN followers >= " + std::to_string(kTierLowerBound[tier]) + " THEN '" +
             std::string(ToString(static_cast<FollowerTier>(tier))) + "'";
    }
    return out + " END";
  }();
  return sql;
}

constexpr std::string_view kSelectCreator =
    "SELECT id, platform, handle, display_name, niche, followers, following, posts_count, "
    "country, verified, stats_as_of, source FROM creator ";

constexpr std::string_view kSelectPost =
    "SELECT p.id, p.platform, c.handle, p.external_id, p.posted_at, p.media_type, p.caption, "
    "p.likes, p.comments, p.views, p.shares, p.sponsored, p.image_description, p.width, "
    "p.height, p.location, p.observed_at, p.source, p.extra_json "
    "FROM post AS p JOIN creator AS c ON c.id = p.creator_id ";

constexpr std::string_view kSelectSnapshot =
    "SELECT s.id, c.platform, c.handle, s.taken_at, s.source, s.followers, s.following, "
    "s.posts_count, s.total_views, s.avg_likes, s.avg_comments, s.avg_views, s.avg_shares, "
    "s.engagement_rate, s.authentic_engagement, s.followers_gain, s.views_gain, "
    "s.period_days, s.extra_json "
    "FROM snapshot AS s JOIN creator AS c ON c.id = s.creator_id ";

// evidence_json is last, so the same reader serves a select with and without it.
const std::string kMarketValueColumnsButEvidence =
    "SELECT m.id, m.creator_id, c.platform, c.handle, m.as_of, m.horizon_days, "
    "m.model_version, m.computed_at, m.niche, m.followers, m.format, m.engagement_per_post, "
    "m.engagement_low, m.engagement_high, m.views_per_post, m.views_low, m.views_high, "
    "m.follower_gain, m.follower_gain_low, m.follower_gain_high, m.fee_low, m.fee_mid, "
    "m.fee_high, m.score, m.niche_score, m.tier, m.momentum";
const std::string kMarketValueFrom =
    " FROM market_value AS m JOIN creator AS c ON c.id = m.creator_id ";
const std::string kSelectMarketValue =
    kMarketValueColumnsButEvidence + ", m.evidence_json" + kMarketValueFrom;
const std::string kSelectMarketValueWithoutEvidence =
    kMarketValueColumnsButEvidence + kMarketValueFrom;

constexpr std::string_view kSelectCreatorNote =
    "SELECT creator_id, niche_tags, manual_notes, bio, updated_by_user_id, updated_at "
    "FROM creator_note ";

constexpr std::string_view kSelectIngestion =
    "SELECT id, user_id, creator_id, payload_json, received_at FROM ingestion ";

// The image is read only by kSelectDraft; both read its size (length() reads no content).
constexpr std::string_view kSelectDraftWithoutImage =
    "SELECT id, owner_user_id, creator_id, caption, media_type, sponsored, planned_at, "
    "image_content_type, created_at, updated_at, length(image) FROM draft ";
constexpr std::string_view kSelectDraft =
    "SELECT id, owner_user_id, creator_id, caption, media_type, sponsored, planned_at, "
    "image_content_type, created_at, updated_at, length(image), image FROM draft ";

constexpr std::string_view kSelectUser =
    "SELECT id, name, role, api_key_hash, created_at FROM user ";

constexpr std::string_view kSelectAlertRule =
    "SELECT id, owner_user_id, name, condition_json, enabled, created_at FROM alert_rule ";

constexpr std::string_view kSelectModel =
    "SELECT id, kind, version, artifact_path, data_hash, manifest_json, metrics_json, "
    "created_at FROM model ";

constexpr std::string_view kSelectImport =
    "SELECT path, sha256, format, rows_loaded, rows_rejected, finished_at FROM import_log ";

std::string Sql(std::string_view select, std::string_view rest) {
  return std::string(select) + std::string(rest);
}

// ---------------------------------------------------------------------------------------
// Names used in error messages

std::string CreatorLabel(Platform platform, std::string_view handle) {
  return std::string(ToString(platform)) + "/@" + std::string(handle);
}

std::string PostLabel(const Post& post) {
  return "post '" + post.external_id + "' of " + CreatorLabel(post.platform, post.creator_handle);
}

std::string SnapshotLabel(const Snapshot& snapshot) {
  return "snapshot of " + CreatorLabel(snapshot.platform, snapshot.creator_handle) + " taken_at " +
         std::to_string(snapshot.taken_at) + " from '" + snapshot.source + "'";
}

std::string MarketValueLabel(const MarketValue& value) {
  return "market value of creator " + std::to_string(value.creator_id) + " as_of " +
         std::to_string(value.as_of) + " over " + std::to_string(value.horizon_days) +
         " days by model '" + value.model_version + "'";
}

// ---------------------------------------------------------------------------------------
// Binding rows; the order matches the column lists of the upsert SQL above.

void BindCreator(Statement& upsert, const Creator& creator) {
  upsert.BindText(ToString(creator.platform))
      .BindText(creator.handle)
      .BindTextOrNull(creator.display_name)
      .BindOptionalText(creator.niche)
      .BindOptionalInt(creator.followers)
      .BindOptionalInt(creator.following)
      .BindOptionalInt(creator.posts_count)
      .BindOptionalText(creator.country)
      .BindOptionalBool(creator.verified)
      .BindTextOrNull(creator.source)
      .BindInt(creator.stats_as_of);
}

void BindPost(Statement& upsert, const Post& post, int64_t creator_id) {
  upsert.BindText(ToString(post.platform))
      .BindText(post.external_id)
      .BindInt(creator_id)
      .BindOptionalInt(post.posted_at)
      .BindText(ToString(post.media_type))
      .BindTextOrNull(post.caption)
      .BindOptionalInt(post.likes)
      .BindOptionalInt(post.comments)
      .BindOptionalInt(post.views)
      .BindOptionalInt(post.shares)
      .BindBool(post.sponsored)
      .BindTextOrNull(post.image_description)
      .BindOptionalInt(post.width)
      .BindOptionalInt(post.height)
      .BindTextOrNull(post.location)
      .BindOptionalInt(post.observed_at)
      .BindText(post.source)
      .BindText(post.extra_json);
}

void BindSnapshot(Statement& upsert, const Snapshot& snapshot, int64_t creator_id) {
  upsert.BindInt(creator_id)
      .BindText(snapshot.source)
      .BindInt(snapshot.taken_at)
      .BindOptionalInt(snapshot.followers)
      .BindOptionalInt(snapshot.following)
      .BindOptionalInt(snapshot.posts_count)
      .BindOptionalInt(snapshot.total_views)
      .BindOptionalDouble(snapshot.avg_likes)
      .BindOptionalDouble(snapshot.avg_comments)
      .BindOptionalDouble(snapshot.avg_views)
      .BindOptionalDouble(snapshot.avg_shares)
      .BindOptionalDouble(snapshot.engagement_rate)
      .BindOptionalDouble(snapshot.authentic_engagement)
      .BindOptionalInt(snapshot.followers_gain)
      .BindOptionalInt(snapshot.views_gain)
      .BindOptionalInt(snapshot.period_days)
      .BindText(snapshot.extra_json);
}

void BindMarketValue(Statement& upsert, const MarketValue& value) {
  upsert.BindInt(value.creator_id)
      .BindInt(value.as_of)
      .BindInt(value.horizon_days)
      .BindText(value.model_version)
      .BindInt(value.computed_at)
      .BindTextOrNull(value.niche)
      .BindOptionalInt(value.followers)
      .BindTextOrNull(value.format)
      .BindDouble(value.engagement_per_post)
      .BindDouble(value.engagement_low)
      .BindDouble(value.engagement_high)
      .BindOptionalDouble(value.views_per_post)
      .BindOptionalDouble(value.views_low)
      .BindOptionalDouble(value.views_high)
      .BindOptionalDouble(value.follower_gain)
      .BindOptionalDouble(value.follower_gain_low)
      .BindOptionalDouble(value.follower_gain_high)
      .BindDouble(value.fee_low)
      .BindDouble(value.fee_mid)
      .BindDouble(value.fee_high)
      .BindDouble(value.score)
      .BindOptionalDouble(value.niche_score)
      .BindTextOrNull(value.tier)
      .BindDouble(value.momentum)
      .BindText(value.evidence_json);
}

// SQLite would store NaN as NULL and so silently change the value; refuse it instead.
Status CheckFinite(const Snapshot& snapshot) {
  const std::pair<std::string_view, const std::optional<double>*> fields[] = {
      {"avg_likes", &snapshot.avg_likes},
      {"avg_comments", &snapshot.avg_comments},
      {"avg_views", &snapshot.avg_views},
      {"avg_shares", &snapshot.avg_shares},
      {"engagement_rate", &snapshot.engagement_rate},
      {"authentic_engagement", &snapshot.authentic_engagement},
  };
  for (const auto& [name, value] : fields) {
    if (value->has_value() && !std::isfinite(**value)) {
      return InvalidArgument(std::string(name) + " must be a finite number");
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Reading rows; the order matches the kSelect* column lists above.

template <typename Enum>
Result<Enum> ReadEnum(Statement& row, Result<Enum> (*parse)(std::string_view)) {
  std::string text = row.ReadText();
  Result<Enum> value = parse(text);
  if (!value.ok()) return DataLoss("stored value refused: " + value.error().message());
  return value;
}

Result<Creator> ReadCreator(Statement& row) {
  Creator creator;
  creator.id = row.ReadInt();
  SPHERE_ASSIGN_OR_RETURN(creator.platform, ReadEnum(row, ParsePlatform));
  creator.handle = row.ReadText();
  creator.display_name = row.ReadText();
  creator.niche = row.ReadOptionalText();
  creator.followers = row.ReadOptionalInt();
  creator.following = row.ReadOptionalInt();
  creator.posts_count = row.ReadOptionalInt();
  creator.country = row.ReadOptionalText();
  creator.verified = row.ReadOptionalBool();
  creator.stats_as_of = row.ReadInt();
  creator.source = row.ReadText();
  return creator;
}

Result<Post> ReadPost(Statement& row) {
  Post post;
  post.id = row.ReadInt();
  SPHERE_ASSIGN_OR_RETURN(post.platform, ReadEnum(row, ParsePlatform));
  post.creator_handle = row.ReadText();
  post.external_id = row.ReadText();
  post.posted_at = row.ReadOptionalInt();
  SPHERE_ASSIGN_OR_RETURN(post.media_type, ReadEnum(row, ParseMediaType));
  post.caption = row.ReadText();
  post.likes = row.ReadOptionalInt();
  post.comments = row.ReadOptionalInt();
  post.views = row.ReadOptionalInt();
  post.shares = row.ReadOptionalInt();
  post.sponsored = row.ReadInt() != 0;
  post.image_description = row.ReadText();
  post.width = row.ReadOptionalInt32();
  post.height = row.ReadOptionalInt32();
  post.location = row.ReadText();
  post.observed_at = row.ReadOptionalInt();
  post.source = row.ReadText();
  post.extra_json = row.ReadText();
  return post;
}

Result<Snapshot> ReadSnapshot(Statement& row) {
  Snapshot snapshot;
  snapshot.id = row.ReadInt();
  SPHERE_ASSIGN_OR_RETURN(snapshot.platform, ReadEnum(row, ParsePlatform));
  snapshot.creator_handle = row.ReadText();
  snapshot.taken_at = row.ReadInt();
  snapshot.source = row.ReadText();
  snapshot.followers = row.ReadOptionalInt();
  snapshot.following = row.ReadOptionalInt();
  snapshot.posts_count = row.ReadOptionalInt();
  snapshot.total_views = row.ReadOptionalInt();
  snapshot.avg_likes = row.ReadOptionalDouble();
  snapshot.avg_comments = row.ReadOptionalDouble();
  snapshot.avg_views = row.ReadOptionalDouble();
  snapshot.avg_shares = row.ReadOptionalDouble();
  snapshot.engagement_rate = row.ReadOptionalDouble();
  snapshot.authentic_engagement = row.ReadOptionalDouble();
  snapshot.followers_gain = row.ReadOptionalInt();
  snapshot.views_gain = row.ReadOptionalInt();
  snapshot.period_days = row.ReadOptionalInt32();
  snapshot.extra_json = row.ReadText();
  return snapshot;
}

Result<User> ReadUser(Statement& row) {
  User user;
  user.id = row.ReadInt();
  user.name = row.ReadText();
  SPHERE_ASSIGN_OR_RETURN(user.role, ReadEnum(row, ParseRole));
  user.api_key_hash = row.ReadText();
  user.created_at = row.ReadInt();
  return user;
}

Result<AlertRule> ReadAlertRule(Statement& row) {
  AlertRule rule;
  rule.id = row.ReadInt();
  rule.owner_user_id = row.ReadInt();
  rule.name = row.ReadText();
  rule.condition_json = row.ReadText();
  rule.enabled = row.ReadInt() != 0;
  rule.created_at = row.ReadInt();
  return rule;
}

Result<AlertEvent> ReadAlertEvent(Statement& row) {
  AlertEvent event;
  event.id = row.ReadInt();
  event.rule_id = row.ReadInt();
  event.creator_id = row.ReadInt();
  event.fired_at = row.ReadInt();
  event.payload_json = row.ReadText();
  event.owner_user_id = row.ReadInt();
  return event;
}

// An event and its rule's owner (alert_rule AS r): the columns ReadAlertEvent reads.
constexpr std::string_view kAlertEventColumns =
    "e.id, e.rule_id, e.creator_id, e.fired_at, e.payload_json, r.owner_user_id";

constexpr std::string_view kSelectAlertState =
    "SELECT rule_id, creator_id, inside, reference, last_fired_at, updated_at, revision "
    "FROM alert_state ";

Result<AlertState> ReadAlertState(Statement& row) {
  AlertState state;
  state.rule_id = row.ReadInt();
  state.creator_id = row.ReadInt();
  state.inside = row.ReadInt() != 0;
  state.reference = row.ReadOptionalDouble();
  state.last_fired_at = row.ReadOptionalInt();
  state.updated_at = row.ReadInt();
  state.revision = row.ReadInt();
  return state;
}

constexpr std::string_view kWebhookColumns =
    "w.id, w.owner_user_id, w.url, w.secret, w.enabled, w.created_at";

Result<Webhook> ReadWebhook(Statement& row) {
  Webhook webhook;
  webhook.id = row.ReadInt();
  webhook.owner_user_id = row.ReadInt();
  webhook.url = row.ReadText();
  webhook.secret = row.ReadText();
  webhook.enabled = row.ReadInt() != 0;
  webhook.created_at = row.ReadInt();
  return webhook;
}

constexpr std::string_view kDeliveryColumns =
    "d.id, d.webhook_id, d.event_id, d.state, d.attempts, d.next_attempt_at, d.last_status, "
    "d.last_error, d.updated_at";

Result<WebhookDelivery> ReadDelivery(Statement& row) {
  WebhookDelivery delivery;
  delivery.id = row.ReadInt();
  delivery.webhook_id = row.ReadInt();
  delivery.event_id = row.ReadInt();
  SPHERE_ASSIGN_OR_RETURN(delivery.state, ReadEnum(row, ParseDeliveryState));
  delivery.attempts = static_cast<int32_t>(row.ReadInt());
  delivery.next_attempt_at = row.ReadInt();
  delivery.last_status = row.ReadOptionalInt32();
  delivery.last_error = row.ReadText();
  delivery.updated_at = row.ReadInt();
  return delivery;
}

Result<Store::DueDelivery> ReadDueDelivery(Statement& row) {
  Store::DueDelivery due;
  SPHERE_ASSIGN_OR_RETURN(due.delivery, ReadDelivery(row));
  SPHERE_ASSIGN_OR_RETURN(due.webhook, ReadWebhook(row));
  SPHERE_ASSIGN_OR_RETURN(due.event, ReadAlertEvent(row));
  return due;
}

Result<ModelRecord> ReadModel(Statement& row) {
  ModelRecord model;
  model.id = row.ReadInt();
  model.kind = row.ReadText();
  model.version = row.ReadText();
  model.artifact_path = row.ReadText();
  model.data_hash = row.ReadText();
  model.manifest_json = row.ReadText();
  model.metrics_json = row.ReadText();
  model.created_at = row.ReadInt();
  return model;
}

Result<InferredNiche> ReadInferredNiche(Statement& row) {
  InferredNiche n;
  n.creator_id = row.ReadInt();
  n.niche = row.ReadText();
  n.confidence = row.ReadOptionalDouble().value_or(0);
  n.method = row.ReadText();
  n.model_version = row.ReadText();
  n.inferred_at = row.ReadInt();
  return n;
}

Result<MarketValue> ReadMarketValueWithoutEvidence(Statement& row) {
  MarketValue value;
  value.id = row.ReadInt();
  value.creator_id = row.ReadInt();
  SPHERE_ASSIGN_OR_RETURN(value.platform, ReadEnum(row, ParsePlatform));
  value.creator_handle = row.ReadText();
  value.as_of = row.ReadInt();
  value.horizon_days = static_cast<int32_t>(row.ReadInt());
  value.model_version = row.ReadText();
  value.computed_at = row.ReadInt();
  value.niche = row.ReadText();
  value.followers = row.ReadOptionalInt();
  value.format = row.ReadText();
  value.engagement_per_post = row.ReadDouble();
  value.engagement_low = row.ReadDouble();
  value.engagement_high = row.ReadDouble();
  value.views_per_post = row.ReadOptionalDouble();
  value.views_low = row.ReadOptionalDouble();
  value.views_high = row.ReadOptionalDouble();
  value.follower_gain = row.ReadOptionalDouble();
  value.follower_gain_low = row.ReadOptionalDouble();
  value.follower_gain_high = row.ReadOptionalDouble();
  value.fee_low = row.ReadDouble();
  value.fee_mid = row.ReadDouble();
  value.fee_high = row.ReadDouble();
  value.score = row.ReadDouble();
  value.niche_score = row.ReadOptionalDouble();
  value.tier = row.ReadText();
  value.momentum = row.ReadDouble();
  value.evidence_json.clear();
  return value;
}

Result<MarketValue> ReadMarketValue(Statement& row) {
  SPHERE_ASSIGN_OR_RETURN(MarketValue value, ReadMarketValueWithoutEvidence(row));
  value.evidence_json = row.ReadText();
  return value;
}

// Niche tags are stored as a JSON array of strings.
Result<std::string> EncodeTags(const std::vector<std::string>& tags) {
  try {
    return nlohmann::json(tags).dump();
  } catch (const std::exception& e) {  // invalid UTF-8, which ValidateCreatorNote refuses
    return InvalidArgument(std::string("niche_tags: ") + e.what());
  }
}

Result<std::vector<std::string>> DecodeTags(const std::string& text) {
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_array()) return DataLoss("stored niche_tags is not a JSON array");
  std::vector<std::string> tags;
  tags.reserve(json.size());
  for (const nlohmann::json& tag : json) {
    if (!tag.is_string()) return DataLoss("stored niche_tags holds a value that is not text");
    tags.push_back(tag.get<std::string>());
  }
  return tags;
}

Result<CreatorNote> ReadCreatorNote(Statement& row) {
  CreatorNote note;
  note.creator_id = row.ReadInt();
  SPHERE_ASSIGN_OR_RETURN(note.niche_tags, DecodeTags(row.ReadText()));
  note.manual_notes = row.ReadText();
  note.bio = row.ReadText();
  note.updated_by_user_id = row.ReadOptionalInt().value_or(0);
  note.updated_at = row.ReadInt();
  return note;
}

Result<Ingestion> ReadIngestion(Statement& row) {
  Ingestion ingestion;
  ingestion.id = row.ReadInt();
  ingestion.user_id = row.ReadOptionalInt().value_or(0);
  ingestion.creator_id = row.ReadInt();
  ingestion.payload_json = row.ReadText();
  ingestion.received_at = row.ReadInt();
  return ingestion;
}

Result<Draft> ReadDraftWithoutImage(Statement& row) {
  Draft draft;
  draft.id = row.ReadInt();
  draft.owner_user_id = row.ReadInt();
  draft.creator_id = row.ReadOptionalInt();
  draft.caption = row.ReadText();
  SPHERE_ASSIGN_OR_RETURN(draft.media_type, ReadEnum(row, ParseMediaType));
  draft.sponsored = row.ReadInt() != 0;
  draft.planned_at = row.ReadOptionalInt();
  draft.image_content_type = row.ReadText();
  draft.created_at = row.ReadInt();
  draft.updated_at = row.ReadInt();
  draft.image_size = row.ReadInt();
  return draft;
}

Result<Draft> ReadDraft(Statement& row) {
  SPHERE_ASSIGN_OR_RETURN(Draft draft, ReadDraftWithoutImage(row));
  draft.image_bytes = row.ReadBlob();
  return draft;
}

std::optional<int64_t> UserIdOrNull(int64_t user_id) {
  return user_id == 0 ? std::nullopt : std::optional<int64_t>(user_id);
}

std::string DraftLabel(int64_t owner_user_id, int64_t draft_id) {
  return "draft " + std::to_string(draft_id) + " of user " + std::to_string(owner_user_id);
}

Result<ImportRecord> ReadImport(Statement& row) {
  ImportRecord record;
  record.path = row.ReadText();
  record.sha256 = row.ReadText();
  record.format = row.ReadText();
  record.rows_loaded = row.ReadInt();
  record.rows_rejected = row.ReadInt();
  record.finished_at = row.ReadInt();
  return record;
}

// ---------------------------------------------------------------------------------------

// Resolves (platform, handle) to creator ids for one batch, asking the database once
// per distinct creator: a batch holds many posts of few creators.
class CreatorIdCache {
 public:
  explicit CreatorIdCache(Statement lookup) : lookup_(std::move(lookup)) {}

  // The creator's id, or nullopt when no such creator is stored.
  Result<std::optional<int64_t>> Find(Platform platform, std::string_view handle) {
    auto index = static_cast<size_t>(platform);
    if (index >= std::size(ids_)) return InvalidArgument("platform: not a known platform");
    auto& ids = ids_[index];
    if (auto it = ids.find(handle); it != ids.end()) return std::optional<int64_t>(it->second);

    lookup_.Reset();
    lookup_.BindText(ToString(platform)).BindText(handle);
    SPHERE_ASSIGN_OR_RETURN(bool found, lookup_.Step());
    if (!found) return std::optional<int64_t>();
    int64_t id = lookup_.ReadInt();
    lookup_.Reset();  // no read cursor left open while the batch writes
    ids.emplace(std::string(handle), id);
    return std::optional<int64_t>(id);
  }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  Statement lookup_;
  std::unordered_map<std::string, int64_t, StringHash, std::equal_to<>> ids_[3];
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(DatabaseHandle db) : db_(std::move(db)), statements_(db_.get()) {}

  using Store::ForEachLatestMarketValue;  // the overload that reads the evidence

  Result<int> SchemaVersion() override { return sqlite::ReadSchemaVersion(db_.get()); }

  Result<WriteCounts> WriteBatch(const ImportBatch& batch) override {
    if (batch.empty()) return WriteCounts{};
    SPHERE_ASSIGN_OR_RETURN(Transaction transaction, Begin(Transaction::Kind::kWrite));
    WriteCounts counts;
    SPHERE_ASSIGN_OR_RETURN(counts.creators_written, UpsertCreators(batch.creators));
    SPHERE_ASSIGN_OR_RETURN(
        Statement lookup,
        statements_.Use("SELECT id FROM creator WHERE platform = ? AND handle = ?"));
    CreatorIdCache creator_ids(std::move(lookup));
    SPHERE_ASSIGN_OR_RETURN(counts.posts_written, UpsertPosts(batch.posts, creator_ids));
    SPHERE_ASSIGN_OR_RETURN(counts.snapshots_written,
                            UpsertSnapshots(batch.snapshots, creator_ids));
    SPHERE_RETURN_IF_ERROR(transaction.Commit());
    return counts;
  }

  Status RecordImport(const ImportRecord& record) override {
    SPHERE_ASSIGN_OR_RETURN(
        Statement upsert,
        statements_.Use("INSERT INTO import_log (path, sha256, format, rows_loaded, "
                        "rows_rejected, finished_at) VALUES (?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT (path, sha256) DO UPDATE SET format = excluded.format, "
                        "rows_loaded = excluded.rows_loaded, "
                        "rows_rejected = excluded.rows_rejected, "
                        "finished_at = excluded.finished_at"));
    upsert.BindText(record.path)
        .BindText(record.sha256)
        .BindText(record.format)
        .BindInt(record.rows_loaded)
        .BindInt(record.rows_rejected)
        .BindInt(record.finished_at);
    return upsert.Run().WithContext("import of '" + record.path + "'");
  }

  Result<std::vector<ImportRecord>> ListImports() override {
    return ReadAll<ImportRecord>(Sql(kSelectImport, "ORDER BY finished_at, id"), ReadImport);
  }

  Result<std::optional<Creator>> FindCreator(Platform platform, std::string_view handle) override {
    SPHERE_ASSIGN_OR_RETURN(
        Statement query, statements_.Use(Sql(kSelectCreator, "WHERE platform = ? AND handle = ?")));
    query.BindText(ToString(platform)).BindText(handle);
    return ReadOptional<Creator>(query, ReadCreator);
  }

  Result<std::optional<Creator>> GetCreator(int64_t creator_id) override {
    SPHERE_ASSIGN_OR_RETURN(Statement query, statements_.Use(Sql(kSelectCreator, "WHERE id = ?")));
    query.BindInt(creator_id);
    return ReadOptional<Creator>(query, ReadCreator);
  }

  Result<std::vector<Post>> PostsOf(int64_t creator_id) override {
    return ReadAll<Post>(
        Sql(kSelectPost,
            "WHERE p.creator_id = ? ORDER BY p.posted_at IS NULL, p.posted_at, p.external_id"),
        ReadPost, [&](Statement& query) { query.BindInt(creator_id); });
  }

  Result<std::vector<Snapshot>> SnapshotsOf(int64_t creator_id) override {
    return ReadAll<Snapshot>(
        Sql(kSelectSnapshot, "WHERE s.creator_id = ? ORDER BY s.taken_at, s.source"), ReadSnapshot,
        [&](Statement& query) { query.BindInt(creator_id); });
  }

  Status ForEachCreator(const std::function<Status(const Creator&)>& visit) override {
    return Stream<Creator>(Sql(kSelectCreator, "ORDER BY id"), ReadCreator, visit);
  }

  Status ForEachPost(const std::function<Status(const Post&)>& visit) override {
    return Stream<Post>(Sql(kSelectPost, "ORDER BY p.id"), ReadPost, visit);
  }

  Status ForEachSnapshot(const std::function<Status(const Snapshot&)>& visit) override {
    return Stream<Snapshot>(Sql(kSelectSnapshot, "ORDER BY s.id"), ReadSnapshot, visit);
  }

  Result<StoreStats> Stats() override;

  Result<User> CreateUser(const User& user) override {
    SPHERE_ASSIGN_OR_RETURN(
        Statement insert,
        statements_.Use(
            "INSERT INTO user (name, role, api_key_hash, created_at) VALUES (?, ?, ?, ?)"));
    insert.BindText(user.name)
        .BindText(ToString(user.role))
        .BindText(user.api_key_hash)
        .BindInt(user.created_at);
    if (Status status = insert.Run(); !status.ok()) {
      if (status.code() == Code::kAlreadyExists) {
        return AlreadyExists("user '" + user.name + "': api_key_hash belongs to another user");
      }
      return status.WithContext("user '" + user.name + "'");
    }
    User created = user;
    created.id = sqlite3_last_insert_rowid(db_.get());
    return created;
  }

  Result<std::optional<User>> FindUserByKeyHash(std::string_view api_key_hash) override {
    SPHERE_ASSIGN_OR_RETURN(Statement query,
                            statements_.Use(Sql(kSelectUser, "WHERE api_key_hash = ?")));
    query.BindText(api_key_hash);
    return ReadOptional<User>(query, ReadUser);
  }

  Result<std::vector<User>> ListUsers() override {
    return ReadAll<User>(Sql(kSelectUser, "ORDER BY id"), ReadUser);
  }

  Result<std::optional<User>> GetUser(int64_t user_id) override {
    SPHERE_ASSIGN_OR_RETURN(Statement query, statements_.Use(Sql(kSelectUser, "WHERE id = ?")));
    query.BindInt(user_id);
    return ReadOptional<User>(query, ReadUser);
  }

  Result<AlertRule> CreateAlertRule(const AlertRule& rule) override {
    SPHERE_ASSIGN_OR_RETURN(
        Statement insert,
        statements_.Use("INSERT INTO alert_rule (owner_user_id, name, condition_json, enabled, "
                        "created_at) VALUES (?, ?, ?, ?, ?)"));
    insert.BindInt(rule.owner_user_id)
        .BindText(rule.name)
        .BindText(rule.condition_json)
        .BindBool(rule.enabled)
        .BindInt(rule.created_at);
    if (Status status = insert.Run(); !status.ok()) {
      std::string context = "alert rule '" + rule.name + "'";
      if (insert.last_error() == SQLITE_CONSTRAINT_FOREIGNKEY) {
        return InvalidArgument(context + ": owner_user_id " + std::to_string(rule.owner_user_id) +
                               " names no user");
      }
      return status.WithContext(context);
    }
    AlertRule created = rule;
    created.id = sqlite3_last_insert_rowid(db_.get());
    return created;
  }

  Result<std::vector<AlertRule>> ListAlertRules(int64_t owner_user_id) override {
    return ReadAll<AlertRule>(Sql(kSelectAlertRule, "WHERE owner_user_id = ? ORDER BY id"),
                              ReadAlertRule,
                              [&](Statement& query) { query.BindInt(owner_user_id); });
  }

  Result<AlertRule> GetAlertRule(int64_t owner_user_id, int64_t rule_id) override {
    SPHERE_ASSIGN_OR_RETURN(
        Statement query,
        statements_.Use(Sql(kSelectAlertRule, "WHERE id = ? AND owner_user_id = ?")));
    query.BindInt(rule_id).BindInt(owner_user_id);
    SPHERE_ASSIGN_OR_RETURN(std::optional<AlertRule> rule,
                            ReadOptional<AlertRule>(query, ReadAlertRule));
    // Someone else's rule is reported exactly like a missing one, so ids reveal nothing.
    if (!rule) {
      return NotFound("alert rule " + std::to_string(rule_id) + " of user " +
                      std::to_string(owner_user_id));
    }
    return *std::move(rule);
  }

  Status DeleteAlertRule(int64_t owner_user_id, int64_t rule_id) override {
    SPHERE_ASSIGN_OR_RETURN(
        Statement remove,
        statements_.Use("DELETE FROM alert_rule WHERE id = ? AND owner_user_id = ?"));
    remove.BindInt(rule_id).BindInt(owner_user_id);
    SPHERE_RETURN_IF_ERROR(remove.Run());
    // Someone else's rule is reported exactly like a missing one, so ids reveal nothing.
    if (remove.Changes() == 0) {
      return NotFound("alert rule " + std::to_string(rule_id) + " of user " +
                      std::to_string(owner_user_id));
    }
    return Status::Ok();
  }

  Result<AlertEvent> AppendAlertEvent(const AlertEvent& event) override {
    SPHERE_ASSIGN_OR_RETURN(
        Statement insert,
        statements_.Use("INSERT INTO alert_event (rule_id, creator_id, fired_at, payload_json) "
                        "VALUES (?, ?, ?, ?) RETURNING id, "
                        "(SELECT owner_user_id FROM alert_rule WHERE alert_rule.id = rule_id)"));
    insert.BindInt(event.rule_id)
        .BindInt(event.creator_id)
        .BindInt(event.fired_at)
        .BindText(event.payload_json);
    Result<bool> inserted = insert.Step();
    if (!inserted.ok()) {
      if (insert.last_error() == SQLITE_CONSTRAINT_FOREIGNKEY) {
        insert.Reset();
        return MissingEventReference(event);
      }
      return inserted.error().WithContext("alert event of rule " + std::to_string(event.rule_id));
    }
    if (!*inserted) return Internal("appending an alert event returned no id");
    AlertEvent appended = event;
    appended.id = insert.ReadInt();
    appended.owner_user_id = insert.ReadInt();
    // Stepping to the end completes the statement (and its autocommit transaction).
    SPHERE_ASSIGN_OR_RETURN(bool more, insert.Step());
    if (more) return Internal("appending an alert event inserted more than one row");
    return appended;
  }

  Result<std::vector<AlertEvent>> ListAlertEvents(int64_t owner_user_id, int64_t after_id,
                                                  int limit) override {
    if (limit <= 0) return InvalidArgument("limit must be positive, got " + std::to_string(limit));
    return ReadAll<AlertEvent>(
        Sql(Sql("SELECT ", kAlertEventColumns),
            " FROM alert_event AS e JOIN alert_rule AS r ON r.id = e.rule_id "
            "WHERE r.owner_user_id = ? AND e.id > ? ORDER BY e.id LIMIT ?"),
        ReadAlertEvent,
        [&](Statement& query) { query.BindInt(owner_user_id).BindInt(after_id).BindInt(limit); });
  }

  Result<std::vector<AlertRule>> ListEnabledAlertRules() override {
    return ReadAll<AlertRule>(Sql(kSelectAlertRule, "WHERE enabled = 1 ORDER BY id"),
                              ReadAlertRule);
  }

  Result<AlertRulesFingerprint> EnabledAlertRulesFingerprint() override {
    SPHERE_ASSIGN_OR_RETURN(Statement query,
                            statements_.Use("SELECT count(*), coalesce(max(id), 0), "
                                            "coalesce(sum(id), 0) FROM alert_rule WHERE enabled = 1"));
    SPHERE_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return Internal("the alert rule fingerprint returned no row");
    AlertRulesFingerprint fingerprint;
    fingerprint.count = query.ReadInt();
    fingerprint.max_id = query.ReadInt();
    fingerprint.id_sum = query.ReadInt();
    return fingerprint;
  }

  Result<std::vector<AlertState>> AlertStatesOf(int64_t creator_id) override {
    return ReadAll<AlertState>(Sql(kSelectAlertState, "WHERE creator_id = ? ORDER BY rule_id"),
                               ReadAlertState,
                               [&](Statement& query) { query.BindInt(creator_id); });
  }

  // Runs inside every ingest that touches a creator someone watches: one IMMEDIATE
  // transaction over cached statements, a few index probes per state and event.
  Result<AlertCommit> CommitAlertEvaluation(const std::vector<AlertState>& states,
                                            const std::vector<AlertEvent>& events) override {
    for (const AlertState& state : states) SPHERE_RETURN_IF_ERROR(CheckAlertState(state));
    if (states.empty() && events.empty()) return AlertCommit();
    SPHERE_ASSIGN_OR_RETURN(Transaction transaction, Begin(Transaction::Kind::kWrite));
    SPHERE_RETURN_IF_ERROR(CheckCreatorsExist(states, events));

    // The owner of each rule still stored; nullopt for one deleted meanwhile.
    std::unordered_map<int64_t, std::optional<int64_t>> owners;
    auto owner_of = [&](int64_t rule_id) -> Result<std::optional<int64_t>> {
      if (auto it = owners.find(rule_id); it != owners.end()) return it->second;
      SPHERE_ASSIGN_OR_RETURN(Statement query,
                              statements_.Use("SELECT owner_user_id FROM alert_rule WHERE id = ?"));
      query.BindInt(rule_id);
      SPHERE_ASSIGN_OR_RETURN(bool found, query.Step());
      std::optional<int64_t> owner;
      if (found) owner = query.ReadInt();
      owners.emplace(rule_id, owner);
      return owner;
    };

    AlertCommit commit;
    // Only the last state given for a (rule, creator) is written, as one by one would leave.
    const std::vector<const AlertState*> last_states = store_internal::LastStatePerKey(states);
    if (!last_states.empty()) {
      // The read the state was based on is outside this transaction, so the revision
      // decides: a first state inserts only where none is stored, a later one updates only
      // the revision it was read at.
      SPHERE_ASSIGN_OR_RETURN(
          Statement insert,
          statements_.Use("INSERT INTO alert_state (rule_id, creator_id, inside, reference, "
                          "last_fired_at, updated_at, revision) VALUES (?, ?, ?, ?, ?, ?, 1) "
                          "ON CONFLICT (rule_id, creator_id) DO NOTHING"));
      SPHERE_ASSIGN_OR_RETURN(
          Statement update,
          statements_.Use("UPDATE alert_state SET inside = ?, reference = ?, last_fired_at = ?, "
                          "updated_at = ?, revision = revision + 1 "
                          "WHERE rule_id = ? AND creator_id = ? AND revision = ?"));
      for (const AlertState* state : last_states) {
        SPHERE_ASSIGN_OR_RETURN(std::optional<int64_t> owner, owner_of(state->rule_id));
        if (!owner) continue;
        Statement& write = state->revision == 0 ? insert : update;
        write.Reset();
        if (state->revision == 0) write.BindInt(state->rule_id).BindInt(state->creator_id);
        write.BindBool(state->inside)
            .BindOptionalDouble(state->reference)
            .BindOptionalInt(state->last_fired_at)
            .BindInt(state->updated_at);
        if (state->revision != 0) {
          write.BindInt(state->rule_id).BindInt(state->creator_id).BindInt(state->revision);
        }
        if (Status status = write.Run(); !status.ok()) {
          return status.WithContext("alert state of rule " + std::to_string(state->rule_id) +
                                    " for creator " + std::to_string(state->creator_id));
        }
        if (write.Changes() == 0) commit.stale.push_back({state->rule_id, state->creator_id});
      }
    }

    if (!events.empty()) {
      SPHERE_ASSIGN_OR_RETURN(
          Statement insert,
          statements_.Use("INSERT INTO alert_event (rule_id, creator_id, fired_at, payload_json) "
                          "VALUES (?, ?, ?, ?)"));
      SPHERE_ASSIGN_OR_RETURN(
          Statement fan_out,
          statements_.Use("INSERT INTO webhook_delivery (webhook_id, event_id, state, attempts, "
                          "next_attempt_at, last_status, last_error, updated_at) "
                          "SELECT id, ?, 'pending', 0, ?, NULL, '', ? FROM webhook "
                          "WHERE owner_user_id = ? AND enabled = 1 ORDER BY id"));
      commit.events.reserve(events.size());
      for (const AlertEvent& event : events) {
        if (std::ranges::find(commit.stale, AlertStateKey{event.rule_id, event.creator_id}) !=
            commit.stale.end()) {
          continue;
        }
        SPHERE_ASSIGN_OR_RETURN(std::optional<int64_t> owner, owner_of(event.rule_id));
        if (!owner) continue;
        insert.Reset();
        insert.BindInt(event.rule_id)
            .BindInt(event.creator_id)
            .BindInt(event.fired_at)
            .BindText(event.payload_json);
        if (Status status = insert.Run(); !status.ok()) {
          return status.WithContext("alert event of rule " + std::to_string(event.rule_id));
        }
        AlertEvent stored = event;
        stored.id = sqlite3_last_insert_rowid(db_.get());
        stored.owner_user_id = *owner;
        fan_out.Reset();
        fan_out.BindInt(stored.id).BindInt(event.fired_at).BindInt(event.fired_at).BindInt(*owner);
        if (Status status = fan_out.Run(); !status.ok()) {
          return status.WithContext("webhook deliveries of alert event " +
                                    std::to_string(stored.id));
        }
        commit.events.push_back(std::move(stored));
      }
    }
    SPHERE_RETURN_IF_ERROR(transaction.Commit());
    return commit;
  }

  Result<std::vector<AlertEvent>> ListAlertEventsAfter(int64_t after_id, int limit) override {
    SPHERE_RETURN_IF_ERROR(store_internal::PositiveLimit(limit));
    return ReadAll<AlertEvent>(
        Sql(Sql("SELECT ", kAlertEventColumns),
            " FROM alert_event AS e JOIN alert_rule AS r ON r.id = e.rule_id "
            "WHERE e.id > ? ORDER BY e.id LIMIT ?"),
        ReadAlertEvent, [&](Statement& query) { query.BindInt(after_id).BindInt(limit); });
  }

  Result<int64_t> LastAlertEventId() override {
    SPHERE_ASSIGN_OR_RETURN(Statement query,
                            statements_.Use("SELECT coalesce(max(id), 0) FROM alert_event"));
    SPHERE_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return Internal("max(alert_event.id) returned no row");
    return query.ReadInt();
  }

  Result<Webhook> CreateWebhook(const Webhook& webhook) override {
    SPHERE_RETURN_IF_ERROR(ValidateWebhook(webhook));
    SPHERE_ASSIGN_OR_RETURN(
        Statement insert,
        statements_.Use("INSERT INTO webhook (owner_user_id, url, secret, enabled, created_at) "
                        "VALUES (?, ?, ?, ?, ?)"));
    insert.BindInt(webhook.owner_user_id)
        .BindText(webhook.url)
        .BindText(webhook.secret)
        .BindBool(webhook.enabled)
        .BindInt(webhook.created_at);
    if (Status status = insert.Run(); !status.ok()) {
      if (insert.last_error() == SQLITE_CONSTRAINT_FOREIGNKEY) {
        return NotFound("webhook: owner_user_id " + std::to_string(webhook.owner_user_id) +
                        " names no user");
      }
      return status.WithContext("webhook of user " + std::to_string(webhook.owner_user_id));
    }
    Webhook created = webhook;
    created.id = sqlite3_last_insert_rowid(db_.get());
    return created;
  }

  Result<std::vector<Webhook>> ListWebhooks(int64_t owner_user_id) override {
    return ReadAll<Webhook>(Sql(Sql("SELECT ", kWebhookColumns),
                                " FROM webhook AS w WHERE w.owner_user_id = ? "
                                "ORDER BY w.id"),
                            ReadWebhook, [&](Statement& query) { query.BindInt(owner_user_id); });
  }

  Status DeleteWebhook(int64_t owner_user_id, int64_t webhook_id) override {
    SPHERE_ASSIGN_OR_RETURN(
        Statement remove,
        statements_.Use("DELETE FROM webhook WHERE id = ? AND owner_user_id = ?"));
    remove.BindInt(webhook_id).BindInt(owner_user_id);
    SPHERE_RETURN_IF_ERROR(remove.Run());
    // Someone else's webhook is reported exactly like a missing one, so ids reveal nothing.
    if (remove.Changes() == 0)
      return NotFound(store_internal::WebhookLabel(owner_user_id, webhook_id));
    return Status::Ok();
  }

  Result<std::vector<DueDelivery>> DueWebhookDeliveries(UnixSeconds now, int limit) override {
    SPHERE_RETURN_IF_ERROR(store_internal::PositiveLimit(limit));
    // state = 'pending' as a literal, so the planner can use the partial index.
    return ReadAll<DueDelivery>(
        "SELECT " + std::string(kDeliveryColumns) + ", " + std::string(kWebhookColumns) + ", " +
            std::string(kAlertEventColumns) +
            " FROM webhook_delivery AS d JOIN webhook AS w ON w.id = d.webhook_id "
            "JOIN alert_event AS e ON e.id = d.event_id JOIN alert_rule AS r ON r.id = e.rule_id "
            "WHERE d.state = 'pending' AND d.next_attempt_at <= ? AND w.enabled = 1 "
            "ORDER BY d.next_attempt_at, d.id LIMIT ?",
        ReadDueDelivery, [&](Statement& query) { query.BindInt(now).BindInt(limit); });
  }

  Status UpdateWebhookDelivery(const WebhookDelivery& delivery) override {
    SPHERE_ASSIGN_OR_RETURN(
        Statement update,
        statements_.Use("UPDATE webhook_delivery SET state = ?, attempts = ?, "
                        "next_attempt_at = ?, last_status = ?, last_error = ?, updated_at = ? "
                        "WHERE id = ?"));
    update.BindText(ToString(delivery.state))
        .BindInt(delivery.attempts)
        .BindInt(delivery.next_attempt_at)
        .BindOptionalInt(delivery.last_status)
        .BindText(delivery.last_error)
        .BindInt(delivery.updated_at)
        .BindInt(delivery.id);
    const std::string label = "webhook delivery " + std::to_string(delivery.id);
    if (Status status = update.Run(); !status.ok()) return status.WithContext(label);
    if (update.Changes() == 0) return NotFound(label);
    return Status::Ok();
  }

  // One query: no row at all means the webhook is missing or someone else's; a webhook
  // without (matching) deliveries gives one row of NULL delivery columns.
  Result<std::vector<WebhookDelivery>> ListWebhookDeliveries(int64_t owner_user_id,
                                                             int64_t webhook_id,
                                                             std::optional<DeliveryState> state,
                                                             int limit) override {
    SPHERE_RETURN_IF_ERROR(store_internal::PositiveLimit(limit));
    SPHERE_ASSIGN_OR_RETURN(
        Statement query,
        statements_.Use("SELECT " + std::string(kDeliveryColumns) +
                        " FROM webhook AS w LEFT JOIN webhook_delivery AS d ON d.webhook_id = w.id "
                        "AND (?1 IS NULL OR d.state = ?1) WHERE w.id = ?2 AND w.owner_user_id = ?3 "
                        "ORDER BY d.id DESC LIMIT ?4"));
    if (state) {
      query.BindText(ToString(*state));
    } else {
      query.BindNull();
    }
    query.BindInt(webhook_id).BindInt(owner_user_id).BindInt(limit);
    std::vector<WebhookDelivery> deliveries;
    bool webhook_found = false;
    while (true) {
      SPHERE_ASSIGN_OR_RETURN(bool has_row, query.Step());
      if (!has_row) break;
      webhook_found = true;
      if (query.NextColumnIsNull()) break;  // the webhook has no such deliveries
      SPHERE_ASSIGN_OR_RETURN(WebhookDelivery delivery, ReadDelivery(query));
      deliveries.push_back(std::move(delivery));
    }
    if (!webhook_found) return NotFound(store_internal::WebhookLabel(owner_user_id, webhook_id));
    return deliveries;
  }

  Result<WebhookDelivery> RequeueWebhookDelivery(int64_t owner_user_id, int64_t delivery_id,
                                                 UnixSeconds now) override {
    SPHERE_ASSIGN_OR_RETURN(
        Statement update,
        statements_.Use(
            "UPDATE webhook_delivery SET state = 'pending', attempts = 0, "
            "next_attempt_at = ?1, updated_at = ?1 WHERE id = ?2 AND webhook_id IN "
            "(SELECT id FROM webhook WHERE owner_user_id = ?3) RETURNING id, webhook_id, "
            "event_id, state, attempts, next_attempt_at, last_status, last_error, updated_at"));
    update.BindInt(now).BindInt(delivery_id).BindInt(owner_user_id);
    SPHERE_ASSIGN_OR_RETURN(bool updated, update.Step());
    // Someone else's delivery is reported exactly like a missing one.
    if (!updated) return NotFound(store_internal::DeliveryLabel(owner_user_id, delivery_id));
    SPHERE_ASSIGN_OR_RETURN(WebhookDelivery delivery, ReadDelivery(update));
    // Stepping to the end completes the statement (and its autocommit transaction).
    SPHERE_ASSIGN_OR_RETURN(bool more, update.Step());
    if (more) {
      return Internal("requeueing " + store_internal::DeliveryLabel(owner_user_id, delivery_id) +
                      " changed more than one row");
    }
    return delivery;
  }

  Result<ModelRecord> SaveModel(const ModelRecord& model) override {
    SPHERE_ASSIGN_OR_RETURN(
        Statement insert,
        statements_.Use("INSERT INTO model (kind, version, artifact_path, data_hash, "
                        "manifest_json, metrics_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    insert.BindText(model.kind)
        .BindText(model.version)
        .BindText(model.artifact_path)
        .BindText(model.data_hash)
        .BindText(model.manifest_json)
        .BindText(model.metrics_json)
        .BindInt(model.created_at);
    std::string label = "model " + model.kind + " version '" + model.version + "'";
    if (Status status = insert.Run(); !status.ok()) {
      if (status.code() == Code::kAlreadyExists) return AlreadyExists(label + " already exists");
      return status.WithContext(label);
    }
    ModelRecord saved = model;
    saved.id = sqlite3_last_insert_rowid(db_.get());
    return saved;
  }

  Result<std::optional<ModelRecord>> LatestModel(std::string_view kind) override {
    SPHERE_ASSIGN_OR_RETURN(
        Statement query,
        statements_.Use(
            Sql(kSelectModel, "WHERE kind = ? ORDER BY created_at DESC, id DESC LIMIT 1")));
    query.BindText(kind);
    return ReadOptional<ModelRecord>(query, ReadModel);
  }

  Result<std::vector<ModelRecord>> ListModels(std::string_view kind) override {
    return ReadAll<ModelRecord>(Sql(kSelectModel, "WHERE kind = ? ORDER BY created_at, id"),
                                ReadModel, [&](Statement& query) { query.BindText(kind); });
  }

  Status WriteMarketValues(const std::vector<MarketValue>& values) override {
    for (const MarketValue& value : values) SPHERE_RETURN_IF_ERROR(ValidateMarketValue(value));
    if (values.empty()) return Status::Ok();
    SPHERE_ASSIGN_OR_RETURN(Transaction transaction, Begin(Transaction::Kind::kWrite));
    SPHERE_ASSIGN_OR_RETURN(Statement upsert, statements_.Use(MarketValueUpsertSql()));
    for (const MarketValue& value : values) {
      upsert.Reset();
      BindMarketValue(upsert, value);
      if (Status status = upsert.Run(); !status.ok()) {
        if (upsert.last_error() == SQLITE_CONSTRAINT_FOREIGNKEY) {
          return NotFound("market value: creator " + std::to_string(value.creator_id) +
                          " does not exist");
        }
        return status.WithContext(MarketValueLabel(value));
      }
    }
    return transaction.Commit();
  }

  Result<std::vector<MarketValue>> MarketValuesOf(int64_t creator_id) override {
    return ReadAll<MarketValue>(
        Sql(kSelectMarketValue, "WHERE m.creator_id = ? ORDER BY m.as_of, m.computed_at, m.id"),
        ReadMarketValue, [&](Statement& query) { query.BindInt(creator_id); });
  }

  // One pass over market_value_latest in creator order; each row is kept when it is its
  // creator's first entry there, an index probe that reads no table row.
  Status ForEachLatestMarketValue(const std::function<Status(const MarketValue&)>& visit,
                                  EvidenceColumn evidence) override {
    const bool read_evidence = evidence == EvidenceColumn::kRead;
    return Stream<MarketValue>(
        Sql(read_evidence ? kSelectMarketValue : kSelectMarketValueWithoutEvidence,
            "WHERE m.id = (SELECT n.id FROM market_value AS n WHERE n.creator_id = m.creator_id "
            "ORDER BY n.computed_at DESC, n.id DESC LIMIT 1) ORDER BY m.creator_id"),
        read_evidence ? ReadMarketValue : ReadMarketValueWithoutEvidence, visit);
  }

  Status WriteInferredNiches(const std::vector<InferredNiche>& niches) override {
    for (const InferredNiche& n : niches) SPHERE_RETURN_IF_ERROR(ValidateInferredNiche(n));
    if (niches.empty()) return Status::Ok();
    SPHERE_ASSIGN_OR_RETURN(Transaction transaction, Begin(Transaction::Kind::kWrite));
    SPHERE_ASSIGN_OR_RETURN(
        Statement upsert,
        statements_.Use("INSERT INTO inferred_niche (creator_id, niche, confidence, method, "
                        "model_version, inferred_at) VALUES (?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT (creator_id) DO UPDATE SET niche = excluded.niche, "
                        "confidence = excluded.confidence, method = excluded.method, "
                        "model_version = excluded.model_version, "
                        "inferred_at = excluded.inferred_at"));
    for (const InferredNiche& n : niches) {
      upsert.Reset();
      upsert.BindInt(n.creator_id)
          .BindText(n.niche)
          .BindDouble(n.confidence)
          .BindText(n.method)
          .BindText(n.model_version)
          .BindInt(n.inferred_at);
      if (Status status = upsert.Run(); !status.ok()) {
        if (upsert.last_error() == SQLITE_CONSTRAINT_FOREIGNKEY) {
          return NotFound("inferred niche: creator " + std::to_string(n.creator_id) +
                          " does not exist");
        }
        return status.WithContext("inferred niche of creator " + std::to_string(n.creator_id));
      }
    }
    return transaction.Commit();
  }

  Result<std::optional<InferredNiche>> InferredNicheOf(int64_t creator_id) override {
    SPHERE_ASSIGN_OR_RETURN(
        Statement query,
        statements_.Use("SELECT creator_id, niche, confidence, method, model_version, "
                        "inferred_at FROM inferred_niche WHERE creator_id = ?"));
    query.BindInt(creator_id);
    return ReadOptional<InferredNiche>(query, ReadInferredNiche);
  }

  Status PutCreatorNote(const CreatorNote& note) override {
    SPHERE_RETURN_IF_ERROR(ValidateCreatorNote(note));
    SPHERE_ASSIGN_OR_RETURN(std::string tags, EncodeTags(note.niche_tags));
    SPHERE_ASSIGN_OR_RETURN(
        Statement upsert,
        statements_.Use("INSERT INTO creator_note (creator_id, niche_tags, manual_notes, bio, "
                        "updated_by_user_id, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                        "ON CONFLICT (creator_id) DO UPDATE SET niche_tags = excluded.niche_tags, "
                        "manual_notes = excluded.manual_notes, bio = excluded.bio, "
                        "updated_by_user_id = excluded.updated_by_user_id, "
                        "updated_at = excluded.updated_at"));
    upsert.BindInt(note.creator_id)
        .BindText(tags)
        .BindText(note.manual_notes)
        .BindText(note.bio)
        .BindOptionalInt(UserIdOrNull(note.updated_by_user_id))
        .BindInt(note.updated_at);
    const std::string who = "note of creator " + std::to_string(note.creator_id);
    if (Status status = upsert.Run(); !status.ok()) {
      if (upsert.last_error() != SQLITE_CONSTRAINT_FOREIGNKEY) return status.WithContext(who);
      upsert.Reset();
      SPHERE_ASSIGN_OR_RETURN(bool creator_exists, RowExists("creator", note.creator_id));
      if (!creator_exists) {
        return NotFound("creator note: creator " + std::to_string(note.creator_id) +
                        " does not exist");
      }
      return InvalidArgument(who + ": updated_by_user_id " +
                             std::to_string(note.updated_by_user_id) + " names no user");
    }
    return Status::Ok();
  }

  Result<std::optional<CreatorNote>> CreatorNoteOf(int64_t creator_id) override {
    SPHERE_ASSIGN_OR_RETURN(Statement query,
                            statements_.Use(Sql(kSelectCreatorNote, "WHERE creator_id = ?")));
    query.BindInt(creator_id);
    return ReadOptional<CreatorNote>(query, ReadCreatorNote);
  }

  Status ForEachCreatorNote(const std::function<Status(const CreatorNote&)>& visit) override {
    return Stream<CreatorNote>(Sql(kSelectCreatorNote, "ORDER BY creator_id"), ReadCreatorNote,
                               visit);
  }

  Result<Ingestion> RecordIngestion(const Ingestion& ingestion) override {
    SPHERE_RETURN_IF_ERROR(ValidateIngestion(ingestion));
    SPHERE_ASSIGN_OR_RETURN(
        Statement insert,
        statements_.Use("INSERT INTO ingestion (user_id, creator_id, payload_json, received_at) "
                        "VALUES (?, ?, ?, ?)"));
    insert.BindOptionalInt(UserIdOrNull(ingestion.user_id))
        .BindInt(ingestion.creator_id)
        .BindText(ingestion.payload_json)
        .BindInt(ingestion.received_at);
    const std::string who = "ingestion for creator " + std::to_string(ingestion.creator_id);
    if (Status status = insert.Run(); !status.ok()) {
      if (insert.last_error() != SQLITE_CONSTRAINT_FOREIGNKEY) return status.WithContext(who);
      insert.Reset();
      SPHERE_ASSIGN_OR_RETURN(bool creator_exists, RowExists("creator", ingestion.creator_id));
      if (!creator_exists) {
        return NotFound("ingestion: creator " + std::to_string(ingestion.creator_id) +
                        " does not exist");
      }
      return InvalidArgument(who + ": user_id " + std::to_string(ingestion.user_id) +
                             " names no user");
    }
    Ingestion recorded = ingestion;
    recorded.id = sqlite3_last_insert_rowid(db_.get());
    return recorded;
  }

  Result<std::optional<Ingestion>> GetIngestion(int64_t ingestion_id) override {
    SPHERE_ASSIGN_OR_RETURN(Statement query,
                            statements_.Use(Sql(kSelectIngestion, "WHERE id = ?")));
    query.BindInt(ingestion_id);
    return ReadOptional<Ingestion>(query, ReadIngestion);
  }

  Result<Draft> CreateDraft(const Draft& draft) override {
    SPHERE_RETURN_IF_ERROR(ValidateDraft(draft));
    SPHERE_ASSIGN_OR_RETURN(
        Statement insert,
        statements_.Use("INSERT INTO draft (owner_user_id, creator_id, caption, media_type, "
                        "sponsored, planned_at, image_content_type, created_at, updated_at, "
                        "image) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    insert.BindInt(draft.owner_user_id)
        .BindOptionalInt(draft.creator_id)
        .BindText(draft.caption)
        .BindText(ToString(draft.media_type))
        .BindBool(draft.sponsored)
        .BindOptionalInt(draft.planned_at)
        .BindText(draft.image_content_type)
        .BindInt(draft.created_at)
        .BindInt(draft.updated_at)
        .BindBlob(draft.image_bytes);
    if (Status status = insert.Run(); !status.ok()) {
      if (insert.last_error() != SQLITE_CONSTRAINT_FOREIGNKEY) {
        return status.WithContext("draft of user " + std::to_string(draft.owner_user_id));
      }
      insert.Reset();
      SPHERE_ASSIGN_OR_RETURN(bool owner_exists, RowExists("user", draft.owner_user_id));
      if (!owner_exists) {
        return InvalidArgument("draft: owner_user_id " + std::to_string(draft.owner_user_id) +
                               " names no user");
      }
      return UnknownDraftCreator(draft);
    }
    Draft created = draft;
    created.id = sqlite3_last_insert_rowid(db_.get());
    created.image_size = static_cast<int64_t>(draft.image_bytes.size());
    return created;
  }

  Result<Draft> GetDraft(int64_t owner_user_id, int64_t draft_id) override {
    SPHERE_ASSIGN_OR_RETURN(
        Statement query, statements_.Use(Sql(kSelectDraft, "WHERE id = ? AND owner_user_id = ?")));
    query.BindInt(draft_id).BindInt(owner_user_id);
    SPHERE_ASSIGN_OR_RETURN(std::optional<Draft> draft, ReadOptional<Draft>(query, ReadDraft));
    // Someone else's draft is reported exactly like a missing one, so ids reveal nothing.
    if (!draft) return NotFound(DraftLabel(owner_user_id, draft_id));
    return *std::move(draft);
  }

  Result<std::vector<Draft>> ListDrafts(int64_t owner_user_id) override {
    return ReadAll<Draft>(
        Sql(kSelectDraftWithoutImage, "WHERE owner_user_id = ? ORDER BY created_at DESC, id DESC"),
        ReadDraftWithoutImage, [&](Statement& query) { query.BindInt(owner_user_id); });
  }

  Result<Draft> UpdateDraft(const Draft& draft) override {
    SPHERE_RETURN_IF_ERROR(ValidateDraft(draft));
    SPHERE_ASSIGN_OR_RETURN(
        Statement update,
        statements_.Use("UPDATE draft SET creator_id = ?, caption = ?, media_type = ?, "
                        "sponsored = ?, planned_at = ?, image_content_type = ?, updated_at = ?, "
                        "image = ? WHERE id = ? AND owner_user_id = ? RETURNING created_at"));
    update.BindOptionalInt(draft.creator_id)
        .BindText(draft.caption)
        .BindText(ToString(draft.media_type))
        .BindBool(draft.sponsored)
        .BindOptionalInt(draft.planned_at)
        .BindText(draft.image_content_type)
        .BindInt(draft.updated_at)
        .BindBlob(draft.image_bytes)
        .BindInt(draft.id)
        .BindInt(draft.owner_user_id);
    Result<bool> updated = update.Step();
    if (!updated.ok()) {
      if (update.last_error() == SQLITE_CONSTRAINT_FOREIGNKEY) return UnknownDraftCreator(draft);
      return updated.error().WithContext(DraftLabel(draft.owner_user_id, draft.id));
    }
    if (!*updated) return NotFound(DraftLabel(draft.owner_user_id, draft.id));
    Draft stored = draft;
    stored.created_at = update.ReadInt();
    stored.image_size = static_cast<int64_t>(draft.image_bytes.size());
    // Stepping to the end completes the statement (and its autocommit transaction).
    SPHERE_ASSIGN_OR_RETURN(bool more, update.Step());
    if (more)
      return Internal("updating " + DraftLabel(draft.owner_user_id, draft.id) +
                      " changed more than one row");
    return stored;
  }

  Status DeleteDraft(int64_t owner_user_id, int64_t draft_id) override {
    SPHERE_ASSIGN_OR_RETURN(
        Statement remove, statements_.Use("DELETE FROM draft WHERE id = ? AND owner_user_id = ?"));
    remove.BindInt(draft_id).BindInt(owner_user_id);
    SPHERE_RETURN_IF_ERROR(remove.Run());
    if (remove.Changes() == 0) return NotFound(DraftLabel(owner_user_id, draft_id));
    return Status::Ok();
  }

 private:
  static Status UnknownDraftCreator(const Draft& draft) {
    return NotFound("draft: creator_id " + std::to_string(draft.creator_id.value_or(0)) +
                    " names no creator");
  }

  template <typename Row>
  using RowReader = Result<Row> (*)(Statement&);
  using Binder = std::function<void(Statement&)>;

  Result<Transaction> Begin(Transaction::Kind kind) { return Transaction::Begin(db_.get(), kind); }

  Result<int64_t> UpsertCreators(const std::vector<Creator>& creators) {
    if (creators.empty()) return 0;
    SPHERE_ASSIGN_OR_RETURN(Statement upsert, statements_.Use(CreatorUpsertSql()));
    int64_t written = 0;
    for (const Creator& creator : creators) {
      upsert.Reset();
      BindCreator(upsert, creator);
      if (Status status = upsert.Run(); !status.ok()) {
        return status.WithContext("creator " + CreatorLabel(creator.platform, creator.handle));
      }
      written += upsert.Changes();
    }
    return written;
  }

  Result<int64_t> UpsertPosts(const std::vector<Post>& posts, CreatorIdCache& creator_ids) {
    if (posts.empty()) return 0;
    SPHERE_ASSIGN_OR_RETURN(Statement upsert, statements_.Use(PostUpsertSql()));
    int64_t written = 0;
    for (const Post& post : posts) {
      SPHERE_ASSIGN_OR_RETURN(std::optional<int64_t> creator_id,
                              creator_ids.Find(post.platform, post.creator_handle));
      if (!creator_id) return UnknownCreator(PostLabel(post));
      upsert.Reset();
      BindPost(upsert, post, *creator_id);
      if (Status status = upsert.Run(); !status.ok()) return status.WithContext(PostLabel(post));
      written += upsert.Changes();
    }
    return written;
  }

  Result<int64_t> UpsertSnapshots(const std::vector<Snapshot>& snapshots,
                                  CreatorIdCache& creator_ids) {
    if (snapshots.empty()) return 0;
    SPHERE_ASSIGN_OR_RETURN(Statement upsert, statements_.Use(SnapshotUpsertSql()));
    int64_t written = 0;
    for (const Snapshot& snapshot : snapshots) {
      if (Status status = CheckFinite(snapshot); !status.ok()) {
        return status.WithContext(SnapshotLabel(snapshot));
      }
      SPHERE_ASSIGN_OR_RETURN(std::optional<int64_t> creator_id,
                              creator_ids.Find(snapshot.platform, snapshot.creator_handle));
      if (!creator_id) return UnknownCreator(SnapshotLabel(snapshot));
      upsert.Reset();
      BindSnapshot(upsert, snapshot, *creator_id);
      if (Status status = upsert.Run(); !status.ok()) {
        return status.WithContext(SnapshotLabel(snapshot));
      }
      written += upsert.Changes();
    }
    return written;
  }

  static Status UnknownCreator(const std::string& record_label) {
    return InvalidArgument(record_label +
                           ": creator_handle names a creator that is neither in the store nor "
                           "in the batch");
  }

  // SQLite would store a NaN reference as NULL, silently forgetting the peak.
  static Status CheckAlertState(const AlertState& state) {
    if (state.reference && !std::isfinite(*state.reference)) {
      return InvalidArgument("alert state of rule " + std::to_string(state.rule_id) +
                             " for creator " + std::to_string(state.creator_id) +
                             ": reference must be a finite number");
    }
    return Status::Ok();
  }

  // NotFound for the first creator_id of an evaluation that names no creator, whether or
  // not its rule still exists (an evaluation is of one creator, so this is one probe).
  Status CheckCreatorsExist(const std::vector<AlertState>& states,
                            const std::vector<AlertEvent>& events) {
    int64_t checked = 0;  // ids start at 1
    auto check = [&](int64_t creator_id) -> Status {
      if (creator_id == checked) return Status::Ok();
      SPHERE_ASSIGN_OR_RETURN(bool exists, RowExists("creator", creator_id));
      if (!exists) {
        return NotFound("alert evaluation: creator_id " + std::to_string(creator_id) +
                        " names no creator");
      }
      checked = creator_id;
      return Status::Ok();
    };
    for (const AlertState& state : states) SPHERE_RETURN_IF_ERROR(check(state.creator_id));
    for (const AlertEvent& event : events) SPHERE_RETURN_IF_ERROR(check(event.creator_id));
    return Status::Ok();
  }

  // Says which reference of a refused alert event is dangling.
  Status MissingEventReference(const AlertEvent& event) {
    SPHERE_ASSIGN_OR_RETURN(bool rule_exists, RowExists("alert_rule", event.rule_id));
    if (!rule_exists) {
      return InvalidArgument("alert event: rule_id " + std::to_string(event.rule_id) +
                             " names no alert rule");
    }
    return InvalidArgument("alert event: creator_id " + std::to_string(event.creator_id) +
                           " names no creator");
  }

  Result<bool> RowExists(std::string_view table, int64_t id) {
    SPHERE_ASSIGN_OR_RETURN(
        Statement query, statements_.Use("SELECT 1 FROM " + std::string(table) + " WHERE id = ?"));
    query.BindInt(id);
    return query.Step();
  }

  template <typename Row>
  Result<std::optional<Row>> ReadOptional(Statement& query, RowReader<Row> read) {
    SPHERE_ASSIGN_OR_RETURN(bool found, query.Step());
    if (!found) return std::optional<Row>();
    SPHERE_ASSIGN_OR_RETURN(Row row, read(query));
    return std::optional<Row>(std::move(row));
  }

  template <typename Row>
  Result<std::vector<Row>> ReadAll(std::string_view sql, RowReader<Row> read,
                                   const Binder& bind = nullptr) {
    std::vector<Row> rows;
    SPHERE_RETURN_IF_ERROR(Stream<Row>(
        sql, read,
        [&](const Row& row) {
          rows.push_back(row);
          return Status::Ok();
        },
        bind));
    return rows;
  }

  // Steps through the query one row at a time: memory stays flat however many rows match.
  template <typename Row>
  Status Stream(std::string_view sql, RowReader<Row> read,
                const std::function<Status(const Row&)>& visit, const Binder& bind = nullptr) {
    SPHERE_ASSIGN_OR_RETURN(Statement query, statements_.Use(sql));
    if (bind) bind(query);
    while (true) {
      SPHERE_ASSIGN_OR_RETURN(bool has_row, query.Step());
      if (!has_row) return Status::Ok();
      SPHERE_ASSIGN_OR_RETURN(Row row, read(query));
      SPHERE_RETURN_IF_ERROR(visit(row));
    }
  }

  // Runs a query and hands each row to `read`.
  Status EachRow(std::string_view sql, const std::function<void(Statement&)>& read) {
    SPHERE_ASSIGN_OR_RETURN(Statement query, statements_.Use(sql));
    while (true) {
      SPHERE_ASSIGN_OR_RETURN(bool has_row, query.Step());
      if (!has_row) return Status::Ok();
      read(query);
    }
  }

  Result<int64_t> CountRows(std::string_view table) {
    int64_t count = 0;
    SPHERE_RETURN_IF_ERROR(EachRow("SELECT COUNT(*) FROM " + std::string(table),
                                   [&](Statement& row) { count = row.ReadInt(); }));
    return count;
  }

  DatabaseHandle db_;
  StatementCache statements_;  // declared after db_: finalized before the database closes
};

Result<StoreStats> SqliteStore::Stats() {
  // One read transaction, so every count describes the same moment.
  SPHERE_ASSIGN_OR_RETURN(Transaction transaction, Begin(Transaction::Kind::kRead));
  StoreStats stats;
  auto& platforms = stats.by_platform;
  SPHERE_RETURN_IF_ERROR(
      EachRow("SELECT platform, COUNT(*) FROM creator GROUP BY platform", [&](Statement& row) {
        std::string platform = row.ReadText();
        platforms[platform].creators = row.ReadInt();
      }));
  SPHERE_RETURN_IF_ERROR(EachRow(
      "SELECT platform, COUNT(*), MIN(posted_at), MAX(posted_at) FROM post GROUP BY platform",
      [&](Statement& row) {
        StoreStats::PlatformCounts& counts = platforms[row.ReadText()];
        counts.posts = row.ReadInt();
        counts.posted.first = row.ReadOptionalInt();
        counts.posted.last = row.ReadOptionalInt();
      }));
  SPHERE_RETURN_IF_ERROR(
      EachRow("SELECT c.platform, COUNT(*), MIN(s.taken_at), MAX(s.taken_at) "
              "FROM snapshot AS s JOIN creator AS c ON c.id = s.creator_id GROUP BY c.platform",
              [&](Statement& row) {
                StoreStats::PlatformCounts& counts = platforms[row.ReadText()];
                counts.snapshots = row.ReadInt();
                counts.snapshots_taken.first = row.ReadOptionalInt();
                counts.snapshots_taken.last = row.ReadOptionalInt();
              }));
  SPHERE_RETURN_IF_ERROR(EachRow(
      "SELECT COALESCE(niche, '(none)'), COUNT(*) FROM creator GROUP BY 1", [&](Statement& row) {
        std::string niche = row.ReadText();
        stats.creators_by_niche[niche] += row.ReadInt();
      }));
  SPHERE_RETURN_IF_ERROR(
      EachRow("SELECT niche || '/' || method, COUNT(*) FROM inferred_niche GROUP BY 1",
              [&](Statement& row) {
                std::string key = row.ReadText();
                stats.creators_by_inferred_niche[key] = row.ReadInt();
              }));
  SPHERE_RETURN_IF_ERROR(
      EachRow("SELECT " + FollowerTierSql() + " AS tier, COUNT(*) FROM creator GROUP BY tier",
              [&](Statement& row) {
                std::string tier = row.ReadText();
                stats.creators_by_tier[tier] = row.ReadInt();
              }));
  SPHERE_RETURN_IF_ERROR(
      EachRow("SELECT source, COUNT(*) FROM snapshot GROUP BY source", [&](Statement& row) {
        std::string source = row.ReadText();
        stats.snapshots_by_source[source] = row.ReadInt();
      }));
  SPHERE_ASSIGN_OR_RETURN(stats.users, CountRows("user"));
  SPHERE_ASSIGN_OR_RETURN(stats.alert_rules, CountRows("alert_rule"));
  SPHERE_ASSIGN_OR_RETURN(stats.alert_events, CountRows("alert_event"));
  SPHERE_ASSIGN_OR_RETURN(stats.models, CountRows("model"));
  SPHERE_ASSIGN_OR_RETURN(stats.market_values, CountRows("market_value"));
  SPHERE_RETURN_IF_ERROR(transaction.Commit());
  return stats;
}

// ---------------------------------------------------------------------------------------
// Opening

Status CreateParentDirectory(const std::filesystem::path& path) {
  if (!path.has_parent_path()) return Status::Ok();
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  if (error) {
    return Unavailable("cannot create directory " + path.parent_path().string() + ": " +
                       error.message());
  }
  return Status::Ok();
}

Status EnableWriteAheadLog(sqlite3* db) {
  SPHERE_ASSIGN_OR_RETURN(sqlite::StatementHandle handle,
                          sqlite::Prepare(db, "PRAGMA journal_mode = WAL", false));
  Statement pragma(std::move(handle));
  SPHERE_ASSIGN_OR_RETURN(bool has_row, pragma.Step());
  std::string mode = has_row ? pragma.ReadText() : "";
  // An in-memory database reports "memory" and has no other readers to serve.
  if (mode != "wal" && mode != "memory") {
    return Unavailable("cannot switch to write-ahead logging (journal mode stays '" + mode + "')");
  }
  return Status::Ok();
}

Result<DatabaseHandle> OpenDatabase(const std::filesystem::path& path) {
  SPHERE_RETURN_IF_ERROR(CreateParentDirectory(path));
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
      nullptr);
  DatabaseHandle db(raw);  // owns the handle even when opening failed
  if (rc != SQLITE_OK) {
    return Unavailable(std::string("cannot open: ") +
                       (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  // journal_mode is the first statement that reads the file, so it is where a file that
  // is not a database is noticed (SQLITE_NOTADB, reported as Unavailable).
  SPHERE_RETURN_IF_ERROR(EnableWriteAheadLog(db.get()));
  SPHERE_RETURN_IF_ERROR(sqlite::Exec(db.get(), kConnectionSettings));
  return db;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::filesystem::path& path) {
  const std::string context = "sqlite store " + path.string();
  Result<DatabaseHandle> db = OpenDatabase(path);
  if (!db.ok()) return db.error().WithContext(context);
  if (Status status = sqlite::Migrate(db->get()); !status.ok()) {
    return status.WithContext(context);
  }
  std::unique_ptr<Store> store = std::make_unique<SqliteStore>(std::move(*db));
  return store;
}

}  // namespace sphere
