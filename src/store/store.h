// The one storage interface. Two real backends implement it (sqlite/, postgres/)
// and one contract suite (store_contract_test.cc) runs against both.
//
// Thread safety: a Store object is used by one thread at a time; open one per thread.
// Every method returns a Status; database errors are kUnavailable (cannot reach or
// open), kInvalidArgument (a value the schema refuses, naming the field), kNotFound,
// or kInternal. No method throws.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/domain.h"
#include "core/niche.h"
#include "core/status.h"

namespace sphere {

// What one import writes in one transaction.
struct ImportBatch {
  std::vector<Creator> creators;
  std::vector<Post> posts;
  std::vector<Snapshot> snapshots;

  size_t size() const { return creators.size() + posts.size() + snapshots.size(); }
  bool empty() const { return size() == 0; }
  void clear() {
    creators.clear();
    posts.clear();
    snapshots.clear();
  }
};

// Rows that a write inserted or changed. A row whose stored values already equal
// the written ones counts as unchanged, so re-importing a file reports zeros.
struct WriteCounts {
  int64_t creators_written = 0;
  int64_t posts_written = 0;
  int64_t snapshots_written = 0;
  WriteCounts& operator+=(const WriteCounts& o) {
    creators_written += o.creators_written;
    posts_written += o.posts_written;
    snapshots_written += o.snapshots_written;
    return *this;
  }
};

// One finished import of one file, keyed by (path, sha256): re-recording the same
// file updates the row instead of adding one.
struct ImportRecord {
  std::string path;
  std::string sha256;
  std::string format;
  int64_t rows_loaded = 0;
  int64_t rows_rejected = 0;
  UnixSeconds finished_at = 0;
};

struct TimeRange {
  std::optional<UnixSeconds> first;
  std::optional<UnixSeconds> last;
};

struct StoreStats {
  struct PlatformCounts {
    int64_t creators = 0;
    int64_t posts = 0;
    int64_t snapshots = 0;
    TimeRange posted;           // min/max post.posted_at
    TimeRange snapshots_taken;  // min/max snapshot.taken_at
  };
  std::map<std::string, PlatformCounts> by_platform;  // key: ToString(Platform)
  std::map<std::string, int64_t> creators_by_niche;   // "(none)" for creators without one
  // The taxonomy niche inferred for each creator (sphere train niche), by method:
  // key "niche/method" ("food/classifier"); creators without an inference are absent.
  std::map<std::string, int64_t> creators_by_inferred_niche;
  std::map<std::string, int64_t> creators_by_tier;  // ToString(FollowerTier); "(unknown)"
  std::map<std::string, int64_t> snapshots_by_source;
  int64_t users = 0;
  int64_t alert_rules = 0;
  int64_t alert_events = 0;
  int64_t models = 0;
  int64_t market_values = 0;  // rows: every (creator, as_of, horizon_days, model_version)
};

// The niche the product infers for a creator (see docs/niche-classifier.md). One per
// creator: a newer inference replaces the older one. Re-imports never touch it.
struct InferredNiche {
  int64_t creator_id = 0;
  std::string niche;      // an id of Niches() (core/niche.h)
  double confidence = 0;  // in [0, 1]
  // "classifier": from the creator's captions and image descriptions;
  // "category": the taxonomy mapping of the creator's own source category;
  // "profile": the classifier on the handle and display name (neither posts nor category).
  std::string method;
  std::string model_version;  // the niche model that produced it; "" for "category"
  UnixSeconds inferred_at = 0;
  bool operator==(const InferredNiche&) const = default;
};

// The checks every backend applies before writing an InferredNiche; InvalidArgument
// naming the field.
inline Status ValidateInferredNiche(const InferredNiche& n) {
  const std::string who = "inferred niche of creator " + std::to_string(n.creator_id);
  if (!IsNiche(n.niche)) return InvalidArgument(who + ": niche '" + n.niche + "' is not a niche");
  if (!std::isfinite(n.confidence) || n.confidence < 0 || n.confidence > 1) {
    return InvalidArgument(who + ": confidence must be in [0, 1]");
  }
  if (n.method != "classifier" && n.method != "category" && n.method != "profile") {
    return InvalidArgument(who + ": method must be classifier, category or profile, got '" +
                           n.method + "'");
  }
  if (n.model_version.find('\0') != std::string::npos) {
    return InvalidArgument(who + ": model_version must not contain NUL");
  }
  return Status::Ok();
}

// The checks every backend applies before writing a MarketValue; InvalidArgument naming
// the field. (evidence_json is checked by each backend's schema: a JSON object.)
inline Status ValidateMarketValue(const MarketValue& v) {
  const std::string who = "market value of creator " + std::to_string(v.creator_id);
  if (v.horizon_days < 1) {
    return InvalidArgument(who + ": horizon_days must be positive, got " +
                           std::to_string(v.horizon_days));
  }
  if (v.model_version.empty()) return InvalidArgument(who + ": model_version must not be empty");
  if (v.followers && *v.followers < 0) {
    return InvalidArgument(who + ": followers must not be negative, got " +
                           std::to_string(*v.followers));
  }
  // SQLite would store NaN as NULL and PostgreSQL refuses it with a message naming no
  // record: refuse every non-finite number here, naming the field.
  const std::pair<const char*, double> required[] = {
      {"engagement_per_post", v.engagement_per_post},
      {"engagement_low", v.engagement_low},
      {"engagement_high", v.engagement_high},
      {"fee_low", v.fee_low},
      {"fee_mid", v.fee_mid},
      {"fee_high", v.fee_high},
      {"score", v.score},
      {"momentum", v.momentum},
  };
  for (const auto& [field, value] : required) {
    if (!std::isfinite(value)) return InvalidArgument(who + ": " + field + " must be finite");
  }
  const std::pair<const char*, const std::optional<double>*> optional[] = {
      {"views_per_post", &v.views_per_post},
      {"views_low", &v.views_low},
      {"views_high", &v.views_high},
      {"follower_gain", &v.follower_gain},
      {"follower_gain_low", &v.follower_gain_low},
      {"follower_gain_high", &v.follower_gain_high},
      {"niche_score", &v.niche_score},
  };
  for (const auto& [field, value] : optional) {
    if (value->has_value() && !std::isfinite(**value)) {
      return InvalidArgument(who + ": " + field + " must be finite");
    }
  }
  return Status::Ok();
}

// Limits of what people type or upload (creator notes, drafts). The API checks them first to
// answer 4xx with a field path; the store refuses anything beyond them all the same.
inline constexpr size_t kMaxNicheTags = 50;
inline constexpr size_t kMaxNicheTagBytes = 64;
inline constexpr size_t kMaxCreatorNoteBytes = 10'000;   // CreatorNote::manual_notes and ::bio
inline constexpr size_t kMaxDraftCaptionBytes = 10'000;  // Draft::caption
inline constexpr size_t kMaxDraftImageBytes = 10 * 1024 * 1024;  // 10 MiB
inline constexpr size_t kMaxDraftContentTypeBytes = 255;

namespace store_internal {

// Why `text` cannot be stored as text by every backend (a NUL byte, which PostgreSQL's text
// cannot hold, or bytes that are not UTF-8), or "" when it can.
inline std::string TextProblem(std::string_view text) {
  auto not_utf8 = [](size_t at) { return "must be UTF-8 (byte " + std::to_string(at) + ")"; };
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead == 0) return "must not contain NUL (byte " + std::to_string(i) + ")";
    if (lead < 0x80) {
      ++i;
      continue;
    }
    const size_t length = (lead & 0xE0) == 0xC0   ? 2
                          : (lead & 0xF0) == 0xE0 ? 3
                          : (lead & 0xF8) == 0xF0 ? 4
                                                  : 0;
    if (length == 0 || i + length > text.size()) return not_utf8(i);
    uint32_t code_point = lead & (0x7F >> length);
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return not_utf8(i);
      code_point = (code_point << 6) | (next & 0x3F);
    }
    constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};  // below: overlong
    if (code_point < kSmallest[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return not_utf8(i);
    }
    i += length;
  }
  return "";
}

// Whether UTF-8 `text` holds a control character (C0, DEL or C1).
inline bool HasControlCharacter(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) return true;
    // U+0080..U+009F are encoded as C2 80..C2 9F.
    if (c == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) return true;
    }
  }
  return false;
}

inline Status CheckText(const std::string& who, std::string_view field, std::string_view text,
                        size_t max_bytes) {
  if (text.size() > max_bytes) {
    return InvalidArgument(who + ": " + std::string(field) + " must be at most " +
                           std::to_string(max_bytes) + " bytes, got " +
                           std::to_string(text.size()));
  }
  if (std::string problem = TextProblem(text); !problem.empty()) {
    return InvalidArgument(who + ": " + std::string(field) + " " + problem);
  }
  return Status::Ok();
}

// The names both backends give webhooks and deliveries in messages (the same for a missing one
// and someone else's), and their check of a page size.
inline std::string WebhookLabel(int64_t owner_user_id, int64_t webhook_id) {
  return "webhook " + std::to_string(webhook_id) + " of user " + std::to_string(owner_user_id);
}
inline std::string DeliveryLabel(int64_t owner_user_id, int64_t delivery_id) {
  return "webhook delivery " + std::to_string(delivery_id) + " of user " +
         std::to_string(owner_user_id);
}
inline Status PositiveLimit(int limit) {
  if (limit <= 0) return InvalidArgument("limit must be positive, got " + std::to_string(limit));
  return Status::Ok();
}

// The states an evaluation writes: of a (rule, creator) given more than once only the last,
// which is what writing them one by one would leave (and one SQL statement may not upsert
// a row twice). In the order of those last states.
inline std::vector<const AlertState*> LastStatePerKey(const std::vector<AlertState>& states) {
  std::vector<size_t> order(states.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto key = [&](size_t i) { return std::pair(states[i].rule_id, states[i].creator_id); };
  std::ranges::stable_sort(order, {}, key);
  std::vector<size_t> last;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i + 1 == order.size() || key(order[i + 1]) != key(order[i])) last.push_back(order[i]);
  }
  std::ranges::sort(last);
  std::vector<const AlertState*> kept;
  kept.reserve(last.size());
  for (size_t i : last) kept.push_back(&states[i]);
  return kept;
}

}  // namespace store_internal

// The checks every backend applies before writing a CreatorNote; InvalidArgument naming the
// field ("niche_tags[3]", "bio").
inline Status ValidateCreatorNote(const CreatorNote& note) {
  const std::string who = "note of creator " + std::to_string(note.creator_id);
  if (note.niche_tags.size() > kMaxNicheTags) {
    return InvalidArgument(who + ": niche_tags must hold at most " + std::to_string(kMaxNicheTags) +
                           " tags, got " + std::to_string(note.niche_tags.size()));
  }
  for (size_t i = 0; i < note.niche_tags.size(); ++i) {
    const std::string& tag = note.niche_tags[i];
    const std::string field = "niche_tags[" + std::to_string(i) + "]";
    if (tag.empty()) return InvalidArgument(who + ": " + field + " must not be empty");
    SPHERE_RETURN_IF_ERROR(store_internal::CheckText(who, field, tag, kMaxNicheTagBytes));
    if (store_internal::HasControlCharacter(tag)) {
      return InvalidArgument(who + ": " + field + " must not contain control characters");
    }
  }
  SPHERE_RETURN_IF_ERROR(
      store_internal::CheckText(who, "manual_notes", note.manual_notes, kMaxCreatorNoteBytes));
  return store_internal::CheckText(who, "bio", note.bio, kMaxCreatorNoteBytes);
}

// The checks every backend applies before writing an Ingestion; InvalidArgument naming the
// field. (That payload_json is a JSON object is checked by each backend's schema.)
inline Status ValidateIngestion(const Ingestion& ingestion) {
  const std::string who = "ingestion for creator " + std::to_string(ingestion.creator_id);
  if (ingestion.user_id < 0) return InvalidArgument(who + ": user_id must not be negative");
  if (std::string problem = store_internal::TextProblem(ingestion.payload_json); !problem.empty()) {
    return InvalidArgument(who + ": payload_json " + problem);
  }
  return Status::Ok();
}

// The checks every backend applies before writing a Draft; InvalidArgument naming the field.
inline Status ValidateDraft(const Draft& draft) {
  const std::string who = "draft" + (draft.id != 0 ? " " + std::to_string(draft.id) : "") +
                          " of user " + std::to_string(draft.owner_user_id);
  SPHERE_RETURN_IF_ERROR(
      store_internal::CheckText(who, "caption", draft.caption, kMaxDraftCaptionBytes));
  if (ToString(draft.media_type) == "?") {
    return InvalidArgument(who + ": media_type is not one of image|video|carousel");
  }
  if (draft.image_bytes.size() > kMaxDraftImageBytes) {
    return InvalidArgument(who + ": image_bytes must be at most " +
                           std::to_string(kMaxDraftImageBytes) + " bytes (10 MiB), got " +
                           std::to_string(draft.image_bytes.size()));
  }
  const std::string_view type = draft.image_content_type;
  if (draft.image_bytes.empty() != type.empty()) {
    return InvalidArgument(who + ": image_content_type must be given exactly when there is an " +
                           "image (image_bytes)");
  }
  if (type.size() > kMaxDraftContentTypeBytes) {
    return InvalidArgument(who + ": image_content_type must be at most " +
                           std::to_string(kMaxDraftContentTypeBytes) + " bytes");
  }
  for (char c : type) {
    if (c < 0x20 || c > 0x7E) {
      return InvalidArgument(who + ": image_content_type must be printable ASCII");
    }
  }
  return Status::Ok();
}

// The checks every backend applies before writing a Webhook: InvalidArgument naming the field.
// url: http:// or https:// followed by a host, at most 2048 bytes, printable ASCII without
// spaces; secret: 16..256 bytes of printable ASCII.
inline constexpr size_t kMaxWebhookUrlBytes = 2048;
inline constexpr size_t kMinWebhookSecretBytes = 16;
inline constexpr size_t kMaxWebhookSecretBytes = 256;
inline Status ValidateWebhook(const Webhook& webhook) {
  const std::string_view url = webhook.url;
  const bool http = url.substr(0, 7) == "http://";
  const bool https = url.substr(0, 8) == "https://";
  if (!http && !https) return InvalidArgument("url: must start with http:// or https://");
  if (url.size() <= (https ? 8u : 7u)) return InvalidArgument("url: names no host");
  if (url.size() > kMaxWebhookUrlBytes) {
    return InvalidArgument("url: must be at most " + std::to_string(kMaxWebhookUrlBytes) +
                           " bytes");
  }
  for (char c : url) {
    if (c <= 0x20 || c > 0x7E) return InvalidArgument("url: must be printable ASCII, no spaces");
  }
  const std::string_view secret = webhook.secret;
  if (secret.size() < kMinWebhookSecretBytes || secret.size() > kMaxWebhookSecretBytes) {
    return InvalidArgument("secret: must be " + std::to_string(kMinWebhookSecretBytes) + ".." +
                           std::to_string(kMaxWebhookSecretBytes) + " bytes, got " +
                           std::to_string(secret.size()));
  }
  for (char c : secret) {
    if (c < 0x20 || c > 0x7E) return InvalidArgument("secret: must be printable ASCII");
  }
  return Status::Ok();
}

class Store {
 public:
  virtual ~Store() = default;

  // The schema version this store is at (the number of the last migration applied).
  virtual Result<int> SchemaVersion() = 0;

  // Upserts every record of the batch in ONE transaction: all of it lands or none.
  // Creators merge field by field: a non-empty incoming field replaces the stored one
  // when the incoming stats_as_of is not older, and fills a field still empty even when
  // older; empty fields never erase data. `source` follows the profile: it changes only
  // when a profile field or stats_as_of does, so two files describing a creator alike
  // leave it alone and a re-import of either writes nothing. (Records of one creator in
  // one batch are expected to share a source: a batch comes from one file.)
  // FindCreator takes a normalised handle (NormalizeHandle).
  // Posts are keyed by (platform, external_id), snapshots by (creator, source, taken_at);
  // a post or snapshot whose creator is neither in the store nor in the batch is
  // InvalidArgument naming it, and the whole batch is rolled back.
  virtual Result<WriteCounts> WriteBatch(const ImportBatch& batch) = 0;

  virtual Status RecordImport(const ImportRecord& record) = 0;
  virtual Result<std::vector<ImportRecord>> ListImports() = 0;

  virtual Result<std::optional<Creator>> FindCreator(Platform platform,
                                                     std::string_view handle) = 0;
  virtual Result<std::optional<Creator>> GetCreator(int64_t creator_id) = 0;
  // Ordered by posted_at (unknown last), then external_id.
  virtual Result<std::vector<Post>> PostsOf(int64_t creator_id) = 0;
  // Ordered by taken_at, then source.
  virtual Result<std::vector<Snapshot>> SnapshotsOf(int64_t creator_id) = 0;

  // Visits every row in id order; stops at and returns the first non-OK visitor status.
  virtual Status ForEachCreator(const std::function<Status(const Creator&)>& visit) = 0;
  virtual Status ForEachPost(const std::function<Status(const Post&)>& visit) = 0;
  virtual Status ForEachSnapshot(const std::function<Status(const Snapshot&)>& visit) = 0;

  virtual Result<StoreStats> Stats() = 0;

  // Users. The api_key_hash is unique; a duplicate is AlreadyExists.
  virtual Result<User> CreateUser(const User& user) = 0;
  virtual Result<std::optional<User>> FindUserByKeyHash(std::string_view api_key_hash) = 0;
  // Every user, in id order.
  virtual Result<std::vector<User>> ListUsers() = 0;
  // The user, or nullopt when there is none with this id.
  virtual Result<std::optional<User>> GetUser(int64_t user_id) = 0;

  // Alert rules are owned: every call names the owner and never sees other owners' rules.
  virtual Result<AlertRule> CreateAlertRule(const AlertRule& rule) = 0;
  virtual Result<std::vector<AlertRule>> ListAlertRules(int64_t owner_user_id) = 0;
  // NotFound when the rule does not exist or belongs to someone else (the same message).
  virtual Result<AlertRule> GetAlertRule(int64_t owner_user_id, int64_t rule_id) = 0;
  // NotFound when the rule does not exist or belongs to someone else.
  virtual Status DeleteAlertRule(int64_t owner_user_id, int64_t rule_id) = 0;
  virtual Result<AlertEvent> AppendAlertEvent(const AlertEvent& event) = 0;
  // Events of the owner's rules with id > after_id, oldest first, at most `limit`
  // (owner_user_id set). InvalidArgument for limit <= 0.
  virtual Result<std::vector<AlertEvent>> ListAlertEvents(int64_t owner_user_id, int64_t after_id,
                                                          int limit) = 0;

  // --- The alerts engine (src/alerts, service/alert_evaluator.h) ---
  // Every enabled rule of every owner, in id order: what the engine indexes.
  virtual Result<std::vector<AlertRule>> ListEnabledAlertRules() = 0;
  // What those rules are, in three numbers (rule ids are never reused): how a server notices
  // rules another process created or deleted without reading them all.
  struct AlertRulesFingerprint {
    int64_t count = 0;
    int64_t max_id = 0;  // 0 when there is none
    int64_t id_sum = 0;
    bool operator==(const AlertRulesFingerprint&) const = default;
  };
  virtual Result<AlertRulesFingerprint> EnabledAlertRulesFingerprint() = 0;
  // The engine's state of every rule that has one for this creator, in rule id order.
  virtual Result<std::vector<AlertState>> AlertStatesOf(int64_t creator_id) = 0;
  // One evaluation, in ONE transaction, so an event is stored before anyone is told of it and a
  // crash leaves either all of it or none:
  //   - writes each state (by rule_id, creator_id) if the stored one is still at the
  //     state's `revision` (0: none stored), and moves its revision on by one. A state that
  //     another writer moved meanwhile is not written, nor the events of its (rule, creator),
  //     and is reported in `stale`: the caller evaluates that creator again from a fresh read.
  //     This is what keeps one event per crossing across processes.
  //   - appends each event (rule_id, creator_id, fired_at, payload_json as given); an event
  //     whose (rule, creator) has no state in `states` is appended unconditionally;
  //   - for each event, adds a pending delivery to every enabled webhook of the rule's owner,
  //     with next_attempt_at = the event's fired_at.
  // States and events of a rule that no longer exists are skipped (deleted while it was being
  // evaluated). A creator_id naming no creator is NotFound and a payload_json that is not a
  // JSON object InvalidArgument; either way nothing is written. A (rule, creator) given more
  // than once keeps its last state.
  struct AlertStateKey {
    int64_t rule_id = 0;
    int64_t creator_id = 0;
    bool operator==(const AlertStateKey&) const = default;
  };
  struct AlertCommit {
    std::vector<AlertEvent> events;   // appended, id and owner_user_id set, in the order given
    std::vector<AlertStateKey> stale;  // states not written: another writer moved them
  };
  virtual Result<AlertCommit> CommitAlertEvaluation(const std::vector<AlertState>& states,
                                                    const std::vector<AlertEvent>& events) = 0;
  // Events of every owner with id > after_id, oldest first, at most `limit` (owner_user_id
  // set): what a server's stream dispatcher reads. InvalidArgument for limit <= 0.
  virtual Result<std::vector<AlertEvent>> ListAlertEventsAfter(int64_t after_id, int limit) = 0;
  // The id of the newest stored alert event of any owner; 0 when there is none. Where a
  // server's streams start: one index probe, however long the history.
  virtual Result<int64_t> LastAlertEventId() = 0;

  // Webhooks are owned like alert rules. Create refuses what ValidateWebhook refuses
  // (InvalidArgument naming url or secret) and an owner naming no user (NotFound).
  virtual Result<Webhook> CreateWebhook(const Webhook& webhook) = 0;
  // The owner's webhooks, in id order.
  virtual Result<std::vector<Webhook>> ListWebhooks(int64_t owner_user_id) = 0;
  // NotFound when missing or someone else's (the same message). Deletes its deliveries.
  virtual Status DeleteWebhook(int64_t owner_user_id, int64_t webhook_id) = 0;
  // Pending deliveries of enabled webhooks with next_attempt_at <= now, earliest
  // next_attempt_at first (then id), at most `limit`, each with its webhook and event.
  // InvalidArgument for limit <= 0.
  struct DueDelivery {
    WebhookDelivery delivery;
    Webhook webhook;
    AlertEvent event;  // owner_user_id set
  };
  virtual Result<std::vector<DueDelivery>> DueWebhookDeliveries(UnixSeconds now, int limit) = 0;
  // Records an attempt on delivery.id: writes state, attempts, next_attempt_at, last_status,
  // last_error and updated_at. NotFound when there is no such delivery.
  virtual Status UpdateWebhookDelivery(const WebhookDelivery& delivery) = 0;
  // The deliveries of one of the owner's webhooks, newest id first, only those in `state`
  // when given, at most `limit`. NotFound for a webhook that is missing or someone else's;
  // InvalidArgument for limit <= 0.
  virtual Result<std::vector<WebhookDelivery>> ListWebhookDeliveries(
      int64_t owner_user_id, int64_t webhook_id, std::optional<DeliveryState> state, int limit) = 0;
  // Puts one of the owner's deliveries back in the queue: state pending, attempts 0,
  // next_attempt_at = now, last_error kept. NotFound when missing or someone else's.
  virtual Result<WebhookDelivery> RequeueWebhookDelivery(int64_t owner_user_id, int64_t delivery_id,
                                                         UnixSeconds now) = 0;

  // Models: (kind, version) is unique; a duplicate is AlreadyExists.
  virtual Result<ModelRecord> SaveModel(const ModelRecord& model) = 0;
  // The most recently created model of a kind, or nullopt.
  virtual Result<std::optional<ModelRecord>> LatestModel(std::string_view kind) = 0;
  virtual Result<std::vector<ModelRecord>> ListModels(std::string_view kind) = 0;

  // Market values. Writes all of them in ONE transaction; a value with the same (creator_id,
  // as_of, horizon_days, model_version) as a stored one replaces it, keeping its id (within
  // one call the last such value wins). A creator_id naming no creator is NotFound and a
  // value the schema refuses (non-finite number, evidence_json not a JSON object,
  // horizon_days < 1, empty model_version: see ValidateMarketValue) is InvalidArgument
  // naming the field; either way nothing is written.
  virtual Status WriteMarketValues(const std::vector<MarketValue>& values) = 0;
  // The creator's value history, oldest as_of first (then computed_at, then id).
  virtual Result<std::vector<MarketValue>> MarketValuesOf(int64_t creator_id) = 0;
  // For every creator with a stored value: the one with the newest computed_at (ties: the
  // highest id), in creator id order. What `sphere rank` reads. With EvidenceColumn::kSkip
  // the query does not read evidence_json at all (it is most of a row's bytes) and every
  // visited value has evidence_json == "".
  enum class EvidenceColumn { kRead, kSkip };
  virtual Status ForEachLatestMarketValue(const std::function<Status(const MarketValue&)>& visit,
                                          EvidenceColumn evidence) = 0;
  Status ForEachLatestMarketValue(const std::function<Status(const MarketValue&)>& visit) {
    return ForEachLatestMarketValue(visit, EvidenceColumn::kRead);
  }

  // Inferred niches. Writes all of them in ONE transaction, replacing each creator's
  // previous inference. An invalid record is InvalidArgument (ValidateInferredNiche), a
  // creator_id naming no creator is NotFound; either way nothing is written.
  virtual Status WriteInferredNiches(const std::vector<InferredNiche>& niches) = 0;
  // The creator's inference, or nullopt when there is none (or no such creator).
  virtual Result<std::optional<InferredNiche>> InferredNicheOf(int64_t creator_id) = 0;

  // Creator notes. Put writes the creator's note whole, replacing any previous one (tags,
  // notes and bio all come from `note`). NotFound when creator_id names no creator;
  // InvalidArgument naming the field when ValidateCreatorNote refuses it or
  // updated_by_user_id (when not 0) names no user. Nothing is written on error.
  virtual Status PutCreatorNote(const CreatorNote& note) = 0;
  // The creator's note, or nullopt when none was written (or there is no such creator).
  virtual Result<std::optional<CreatorNote>> CreatorNoteOf(int64_t creator_id) = 0;
  // Every note, in creator id order (what a server's creator directory reads at start); stops
  // at and returns the first non-OK visitor status.
  virtual Status ForEachCreatorNote(const std::function<Status(const CreatorNote&)>& visit) = 0;

  // Ingestions. Record stores the payload as given and returns it with its new id (ids grow
  // and are never reused). NotFound when creator_id names no creator; InvalidArgument naming
  // the field when payload_json is not a JSON object (ValidateIngestion) or user_id (when
  // not 0) names no user.
  virtual Result<Ingestion> RecordIngestion(const Ingestion& ingestion) = 0;
  // The ingestion, or nullopt when there is none with this id.
  virtual Result<std::optional<Ingestion>> GetIngestion(int64_t ingestion_id) = 0;

  // Drafts are owned like alert rules: every call names the owner, and another owner's
  // draft is NotFound with the same message as a missing one. Every Draft returned has
  // image_size set. Create and Update refuse what ValidateDraft refuses (InvalidArgument
  // naming the field), a creator_id naming no creator (NotFound) and, on Create, an
  // owner_user_id naming no user (InvalidArgument); nothing is written on error.
  //
  // Create stores every field (created_at and updated_at as given) and returns the draft
  // with its new id; ids are never reused.
  virtual Result<Draft> CreateDraft(const Draft& draft) = 0;
  virtual Result<Draft> GetDraft(int64_t owner_user_id, int64_t draft_id) = 0;
  // The owner's drafts, newest created_at first (ties: highest id first), with image_bytes
  // left EMPTY (image_size and image_content_type still say what is stored).
  virtual Result<std::vector<Draft>> ListDrafts(int64_t owner_user_id) = 0;
  // Replaces every field of the draft (draft.id, draft.owner_user_id) except created_at,
  // which stays as stored: an empty image_bytes removes the image. Returns the stored draft.
  virtual Result<Draft> UpdateDraft(const Draft& draft) = 0;
  virtual Status DeleteDraft(int64_t owner_user_id, int64_t draft_id) = 0;
};

// Opens (creating and migrating as needed) the store a URL names:
//   sqlite:PATH                 an SQLite file (its directory is created)
//   postgresql://...  postgres://...   a PostgreSQL database (libpq connection URI)
// A URL with no scheme is taken as an SQLite path. Unknown schemes are InvalidArgument.
Result<std::unique_ptr<Store>> OpenStore(std::string_view url);

// The URL with any password replaced by "***" (the user:password@ part and a
// password=... parameter), for logs and messages: secrets never reach them.
std::string RedactStoreUrl(std::string_view url);

}  // namespace sphere
