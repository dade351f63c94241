#include "store/postgres/migrations.h"

#include <string>

namespace sphere::postgres {
namespace {

// Design notes for the schema:
// - Times are unix seconds in bigint, exactly what the domain holds, so they round-trip
//   and compare without time-zone conversion.
// - An unknown optional value is NULL; the store writes "" strings as NULL.
// - Keys and ordered text columns use the "C" collation: byte order, the same on every
//   server locale and the same order the SQLite backend returns.
// - JSON stays text so that it reads back byte for byte (jsonb would re-format it).
// - Enums are stored as their ToString spelling, guarded by CHECK constraints.
// - A CHECK constraint is named for the rule it enforces, starting with the column, so
//   the server's message names the field (the same names as the SQLite schema).
// - JSON must be an object; the store checks it first to name the record, and the
//   CHECK keeps other writers honest (a non-JSON value fails the ::json cast instead).
// - `user` is reserved in PostgreSQL, hence app_user.
constexpr std::string_view kMigrations[] = {
    // 1: the canonical entities, users, alerts, models and the import log.
    R"sql(
CREATE TABLE creator (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  platform text NOT NULL
    CONSTRAINT "platform must be instagram, tiktok or youtube"
    CHECK (platform IN ('instagram', 'tiktok', 'youtube')),
  handle text COLLATE "C" NOT NULL CONSTRAINT "handle must not be empty" CHECK (handle <> ''),
  display_name text,
  niche text COLLATE "C",
  followers bigint CONSTRAINT "followers must not be negative" CHECK (followers >= 0),
  following bigint CONSTRAINT "following must not be negative" CHECK (following >= 0),
  posts_count bigint CONSTRAINT "posts_count must not be negative" CHECK (posts_count >= 0),
  country text,
  verified boolean,
  stats_as_of bigint NOT NULL,
  source text,
  CONSTRAINT creator_platform_handle_key UNIQUE (platform, handle)
);

CREATE TABLE post (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  platform text NOT NULL
    CONSTRAINT "platform must be instagram, tiktok or youtube"
    CHECK (platform IN ('instagram', 'tiktok', 'youtube')),
  external_id text COLLATE "C" NOT NULL
    CONSTRAINT "external_id must not be empty" CHECK (external_id <> ''),
  creator_id bigint NOT NULL CONSTRAINT post_creator_id_fkey REFERENCES creator (id),
  posted_at bigint,
  media_type text NOT NULL
    CONSTRAINT "media_type must be image, video or carousel"
    CHECK (media_type IN ('image', 'video', 'carousel')),
  caption text,
  likes bigint CONSTRAINT "likes must not be negative" CHECK (likes >= 0),
  comments bigint CONSTRAINT "comments must not be negative" CHECK (comments >= 0),
  views bigint CONSTRAINT "views must not be negative" CHECK (views >= 0),
  shares bigint CONSTRAINT "shares must not be negative" CHECK (shares >= 0),
  sponsored boolean NOT NULL,
  image_description text,
  width integer CONSTRAINT "width must be positive" CHECK (width > 0),
  height integer CONSTRAINT "height must be positive" CHECK (height > 0),
  location text,
  observed_at bigint,
  source text,
  extra_json text NOT NULL
    CONSTRAINT "extra_json must be a JSON object" CHECK (json_typeof(extra_json::json) = 'object'),
  CONSTRAINT post_platform_external_id_key UNIQUE (platform, external_id)
);
CREATE INDEX post_creator_id_idx ON post (creator_id);

-- The unique index leads with creator_id, so it also serves SnapshotsOf and the foreign
-- key; another index on creator_id would only slow bulk loads down.
CREATE TABLE snapshot (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  creator_id bigint NOT NULL CONSTRAINT snapshot_creator_id_fkey REFERENCES creator (id),
  taken_at bigint NOT NULL,
  source text COLLATE "C" NOT NULL,
  followers bigint CONSTRAINT "followers must not be negative" CHECK (followers >= 0),
  following bigint CONSTRAINT "following must not be negative" CHECK (following >= 0),
  posts_count bigint CONSTRAINT "posts_count must not be negative" CHECK (posts_count >= 0),
  total_views bigint CONSTRAINT "total_views must not be negative" CHECK (total_views >= 0),
  -- PostgreSQL orders NaN above Infinity, so one range test refuses NaN and both infinities.
  avg_likes double precision
    CONSTRAINT "avg_likes must be finite" CHECK (avg_likes > '-Infinity' AND avg_likes < 'Infinity'),
  avg_comments double precision CONSTRAINT "avg_comments must be finite"
    CHECK (avg_comments > '-Infinity' AND avg_comments < 'Infinity'),
  avg_views double precision
    CONSTRAINT "avg_views must be finite" CHECK (avg_views > '-Infinity' AND avg_views < 'Infinity'),
  avg_shares double precision CONSTRAINT "avg_shares must be finite"
    CHECK (avg_shares > '-Infinity' AND avg_shares < 'Infinity'),
  engagement_rate double precision CONSTRAINT "engagement_rate must be finite"
    CHECK (engagement_rate > '-Infinity' AND engagement_rate < 'Infinity'),
  authentic_engagement double precision CONSTRAINT "authentic_engagement must be finite"
    CHECK (authentic_engagement > '-Infinity' AND authentic_engagement < 'Infinity'),
  followers_gain bigint,
  views_gain bigint,
  period_days integer CONSTRAINT "period_days must be positive" CHECK (period_days > 0),
  extra_json text NOT NULL
    CONSTRAINT "extra_json must be a JSON object" CHECK (json_typeof(extra_json::json) = 'object'),
  CONSTRAINT snapshot_creator_source_taken_at_key UNIQUE (creator_id, source, taken_at)
);

CREATE TABLE app_user (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL
    CONSTRAINT "role must be brand, creator or admin" CHECK (role IN ('brand', 'creator', 'admin')),
  api_key_hash text COLLATE "C" NOT NULL
    CONSTRAINT "api_key_hash must not be empty" CHECK (api_key_hash <> ''),
  created_at bigint NOT NULL,
  CONSTRAINT app_user_api_key_hash_key UNIQUE (api_key_hash)
);

CREATE TABLE alert_rule (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_user_id bigint NOT NULL CONSTRAINT alert_rule_owner_user_id_fkey REFERENCES app_user (id),
  name text NOT NULL,
  condition_json text NOT NULL CONSTRAINT "condition_json must be a JSON object"
    CHECK (json_typeof(condition_json::json) = 'object'),
  enabled boolean NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX alert_rule_owner_user_id_idx ON alert_rule (owner_user_id, id);

-- Events belong to their rule: deleting the rule deletes its history.
CREATE TABLE alert_event (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule_id bigint NOT NULL
    CONSTRAINT alert_event_rule_id_fkey REFERENCES alert_rule (id) ON DELETE CASCADE,
  creator_id bigint NOT NULL CONSTRAINT alert_event_creator_id_fkey REFERENCES creator (id),
  fired_at bigint NOT NULL,
  payload_json text NOT NULL CONSTRAINT "payload_json must be a JSON object"
    CHECK (json_typeof(payload_json::json) = 'object')
);
CREATE INDEX alert_event_rule_id_idx ON alert_event (rule_id, id);
CREATE INDEX alert_event_creator_id_idx ON alert_event (creator_id);

CREATE TABLE model (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text COLLATE "C" NOT NULL CONSTRAINT "kind must not be empty" CHECK (kind <> ''),
  version text COLLATE "C" NOT NULL CONSTRAINT "version must not be empty" CHECK (version <> ''),
  artifact_path text NOT NULL,
  data_hash text NOT NULL,
  manifest_json text NOT NULL CONSTRAINT "manifest_json must be a JSON object"
    CHECK (json_typeof(manifest_json::json) = 'object'),
  metrics_json text NOT NULL CONSTRAINT "metrics_json must be a JSON object"
    CHECK (json_typeof(metrics_json::json) = 'object'),
  created_at bigint NOT NULL,
  CONSTRAINT model_kind_version_key UNIQUE (kind, version)
);
CREATE INDEX model_kind_created_at_idx ON model (kind, created_at, id);

CREATE TABLE import_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  path text COLLATE "C" NOT NULL CONSTRAINT "path must not be empty" CHECK (path <> ''),
  sha256 text COLLATE "C" NOT NULL,
  format text NOT NULL,
  rows_loaded bigint NOT NULL
    CONSTRAINT "rows_loaded must not be negative" CHECK (rows_loaded >= 0),
  rows_rejected bigint NOT NULL
    CONSTRAINT "rows_rejected must not be negative" CHECK (rows_rejected >= 0),
  finished_at bigint NOT NULL,
  CONSTRAINT import_log_path_sha256_key UNIQUE (path, sha256)
);
)sql",
    // 2: the niche inferred per creator (sphere train niche). Its own table, so that the
    // creator upserts of a re-import never touch it.
    R"sql(
CREATE TABLE inferred_niche (
  creator_id bigint PRIMARY KEY
    CONSTRAINT inferred_niche_creator_id_fkey REFERENCES creator (id),
  niche text COLLATE "C" NOT NULL CONSTRAINT "niche must not be empty" CHECK (niche <> ''),
  confidence double precision NOT NULL
    CONSTRAINT "confidence must be in [0, 1]" CHECK (confidence >= 0 AND confidence <= 1),
  method text NOT NULL
    CONSTRAINT "method must be classifier, category or profile"
    CHECK (method IN ('classifier', 'category', 'profile')),
  model_version text NOT NULL,
  inferred_at bigint NOT NULL
);
)sql",
    // 3: Market Values (docs/market-value.md), one per (creator, as_of, horizon_days,
    // model_version) so that a creator's value history can be charted and valuing again
    // replaces a row.
    R"sql(
CREATE TABLE market_value (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  creator_id bigint NOT NULL CONSTRAINT market_value_creator_id_fkey REFERENCES creator (id),
  as_of bigint NOT NULL,
  horizon_days integer NOT NULL
    CONSTRAINT "horizon_days must be positive" CHECK (horizon_days > 0),
  model_version text COLLATE "C" NOT NULL
    CONSTRAINT "model_version must not be empty" CHECK (model_version <> ''),
  computed_at bigint NOT NULL,
  niche text COLLATE "C",
  followers bigint CONSTRAINT "followers must not be negative" CHECK (followers >= 0),
  format text,
  engagement_per_post double precision NOT NULL CONSTRAINT "engagement_per_post must be finite"
    CHECK (engagement_per_post > '-Infinity' AND engagement_per_post < 'Infinity'),
  engagement_low double precision NOT NULL CONSTRAINT "engagement_low must be finite"
    CHECK (engagement_low > '-Infinity' AND engagement_low < 'Infinity'),
  engagement_high double precision NOT NULL CONSTRAINT "engagement_high must be finite"
    CHECK (engagement_high > '-Infinity' AND engagement_high < 'Infinity'),
  views_per_post double precision CONSTRAINT "views_per_post must be finite"
    CHECK (views_per_post > '-Infinity' AND views_per_post < 'Infinity'),
  views_low double precision CONSTRAINT "views_low must be finite"
    CHECK (views_low > '-Infinity' AND views_low < 'Infinity'),
  views_high double precision CONSTRAINT "views_high must be finite"
    CHECK (views_high > '-Infinity' AND views_high < 'Infinity'),
  follower_gain double precision CONSTRAINT "follower_gain must be finite"
    CHECK (follower_gain > '-Infinity' AND follower_gain < 'Infinity'),
  follower_gain_low double precision CONSTRAINT "follower_gain_low must be finite"
    CHECK (follower_gain_low > '-Infinity' AND follower_gain_low < 'Infinity'),
  follower_gain_high double precision CONSTRAINT "follower_gain_high must be finite"
    CHECK (follower_gain_high > '-Infinity' AND follower_gain_high < 'Infinity'),
  fee_low double precision NOT NULL CONSTRAINT "fee_low must be finite"
    CHECK (fee_low > '-Infinity' AND fee_low < 'Infinity'),
  fee_mid double precision NOT NULL CONSTRAINT "fee_mid must be finite"
    CHECK (fee_mid > '-Infinity' AND fee_mid < 'Infinity'),
  fee_high double precision NOT NULL CONSTRAINT "fee_high must be finite"
    CHECK (fee_high > '-Infinity' AND fee_high < 'Infinity'),
  score double precision NOT NULL CONSTRAINT "score must be finite"
    CHECK (score > '-Infinity' AND score < 'Infinity'),
  niche_score double precision CONSTRAINT "niche_score must be finite"
    CHECK (niche_score > '-Infinity' AND niche_score < 'Infinity'),
  tier text,
  momentum double precision NOT NULL CONSTRAINT "momentum must be finite"
    CHECK (momentum > '-Infinity' AND momentum < 'Infinity'),
  evidence_json text NOT NULL CONSTRAINT "evidence_json must be a JSON object"
    CHECK (json_typeof(evidence_json::json) = 'object'),
  CONSTRAINT market_value_creator_as_of_horizon_model_key
    UNIQUE (creator_id, as_of, horizon_days, model_version)
);
-- The unique index leads with creator_id: it serves MarketValuesOf and the foreign key.
-- This one hands DISTINCT ON (creator_id) each creator's newest value first, so a page of
-- latest values is one range scan (ForEachLatestMarketValue).
CREATE INDEX market_value_latest_idx ON market_value (creator_id, computed_at DESC, id DESC);
)sql",
    // 4: what the API server writes (issue 6): notes people keep on a creator, the raw
    // payloads of POST /data-ingestion, and Content Lab drafts. Lengths are in bytes
    // (octet_length), the unit the store's limits use; the store checks them first
    // (ValidateCreatorNote, ValidateDraft) and these CHECKs keep other writers honest.
    // Niche tags are a JSON array in text, like every other JSON here. A user id of 0
    // (the CLI) is stored as NULL.
    R"sql(
CREATE TABLE creator_note (
  creator_id bigint PRIMARY KEY CONSTRAINT creator_note_creator_id_fkey REFERENCES creator (id),
  niche_tags text NOT NULL CONSTRAINT "niche_tags must be a JSON array"
    CHECK (json_typeof(niche_tags::json) = 'array'),
  manual_notes text NOT NULL CONSTRAINT "manual_notes must be at most 10000 bytes"
    CHECK (octet_length(manual_notes) <= 10000),
  bio text NOT NULL CONSTRAINT "bio must be at most 10000 bytes" CHECK (octet_length(bio) <= 10000),
  updated_by_user_id bigint
    CONSTRAINT creator_note_updated_by_user_id_fkey REFERENCES app_user (id),
  updated_at bigint NOT NULL
);

CREATE TABLE ingestion (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint CONSTRAINT ingestion_user_id_fkey REFERENCES app_user (id),
  creator_id bigint NOT NULL CONSTRAINT ingestion_creator_id_fkey REFERENCES creator (id),
  payload_json text NOT NULL CONSTRAINT "payload_json must be a JSON object"
    CHECK (json_typeof(payload_json::json) = 'object'),
  received_at bigint NOT NULL
);
CREATE INDEX ingestion_creator_id_idx ON ingestion (creator_id);

-- ListDrafts reads octet_length(image), which PostgreSQL answers from the TOAST header
-- without fetching the image.
CREATE TABLE draft (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_user_id bigint NOT NULL CONSTRAINT draft_owner_user_id_fkey REFERENCES app_user (id),
  creator_id bigint CONSTRAINT draft_creator_id_fkey REFERENCES creator (id),
  caption text NOT NULL CONSTRAINT "caption must be at most 10000 bytes"
    CHECK (octet_length(caption) <= 10000),
  media_type text NOT NULL
    CONSTRAINT "media_type must be image, video or carousel"
    CHECK (media_type IN ('image', 'video', 'carousel')),
  sponsored boolean NOT NULL,
  planned_at bigint,
  image_content_type text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  image bytea NOT NULL CONSTRAINT "image must be at most 10485760 bytes"
    CHECK (octet_length(image) <= 10485760)
);
CREATE INDEX draft_owner_user_id_idx ON draft (owner_user_id, created_at DESC, id DESC);
CREATE INDEX draft_creator_id_idx ON draft (creator_id);
)sql",
    // 5: real-time alerts (issue 7): where the engine left each rule for each creator,
    // the owners' webhooks and the queue of deliveries to them. States and deliveries
    // belong to their rule, event or webhook: deleting one deletes them.
    R"sql(
-- The primary key serves the rule's cascade; the index serves AlertStatesOf.
CREATE TABLE alert_state (
  rule_id bigint NOT NULL
    CONSTRAINT alert_state_rule_id_fkey REFERENCES alert_rule (id) ON DELETE CASCADE,
  creator_id bigint NOT NULL CONSTRAINT alert_state_creator_id_fkey REFERENCES creator (id),
  inside boolean NOT NULL,
  reference double precision,
  last_fired_at bigint,
  updated_at bigint NOT NULL,
  CONSTRAINT alert_state_pkey PRIMARY KEY (rule_id, creator_id)
);
CREATE INDEX alert_state_creator_id_idx ON alert_state (creator_id, rule_id);

CREATE TABLE webhook (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_user_id bigint NOT NULL CONSTRAINT webhook_owner_user_id_fkey REFERENCES app_user (id),
  url text NOT NULL
    CONSTRAINT "url must start with http:// or https://"
    CHECK (substr(url, 1, 7) = 'http://' OR substr(url, 1, 8) = 'https://')
    CONSTRAINT "url must be at most 2048 bytes" CHECK (octet_length(url) <= 2048),
  secret text NOT NULL
    CONSTRAINT "secret must be 16..256 bytes" CHECK (octet_length(secret) BETWEEN 16 AND 256),
  enabled boolean NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX webhook_owner_user_id_idx ON webhook (owner_user_id, id);

-- UNIQUE leads with event_id so that it also serves the event's cascade; the webhook's
-- cascade and ListWebhookDeliveries use webhook_delivery_webhook_id_idx; the dispatcher's
-- queue (DueWebhookDeliveries) is the partial index, which holds pending rows only.
CREATE TABLE webhook_delivery (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  webhook_id bigint NOT NULL
    CONSTRAINT webhook_delivery_webhook_id_fkey REFERENCES webhook (id) ON DELETE CASCADE,
  event_id bigint NOT NULL
    CONSTRAINT webhook_delivery_event_id_fkey REFERENCES alert_event (id) ON DELETE CASCADE,
  state text NOT NULL
    CONSTRAINT "state must be pending, delivered or dead"
    CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts integer NOT NULL CONSTRAINT "attempts must not be negative" CHECK (attempts >= 0),
  next_attempt_at bigint NOT NULL,
  last_status integer,
  last_error text NOT NULL,
  updated_at bigint NOT NULL,
  CONSTRAINT webhook_delivery_event_id_webhook_id_key UNIQUE (event_id, webhook_id)
);
CREATE INDEX webhook_delivery_webhook_id_idx ON webhook_delivery (webhook_id, id);
CREATE INDEX webhook_delivery_due_idx ON webhook_delivery (next_attempt_at, id)
  WHERE state = 'pending';
)sql",
    // 6: alert states carry a revision (see the SQLite migration 6).
    R"sql(
ALTER TABLE alert_state ADD COLUMN revision bigint NOT NULL DEFAULT 1;
)sql",
};

// Any constant works as long as every InfluencerSphere process uses the same one; this
// is "sphere" in ASCII.
constexpr int64_t kMigrationLockKey = 0x737068657265;

const PgStatement kRecordMigration{"record_migration",
                                   "INSERT INTO schema_migrations (version) VALUES ($1)"};

// Releases the advisory lock on every path out of Migrate. If the unlock fails the
// connection is broken, and the server releases session locks when it closes.
class MigrationLockGuard {
 public:
  explicit MigrationLockGuard(PgConnection& conn) : conn_(conn) {}
  ~MigrationLockGuard() {
    Result<PgResultPtr> ignored =
        conn_.Exec("release migration lock",
                   "SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")");
  }
  MigrationLockGuard(const MigrationLockGuard&) = delete;
  MigrationLockGuard& operator=(const MigrationLockGuard&) = delete;

 private:
  PgConnection& conn_;
};

}  // namespace

std::span<const std::string_view> Migrations() { return kMigrations; }

Result<int> AppliedSchemaVersion(PgConnection& conn) {
  SPHERE_ASSIGN_OR_RETURN(
      PgResultPtr result,
      conn.Exec("read schema version", "SELECT coalesce(max(version), 0) FROM schema_migrations"));
  PgRowReader row(result.get(), 0);
  const int64_t version = row.Int64();
  SPHERE_RETURN_IF_ERROR(row.status());
  return static_cast<int>(version);
}

Status Migrate(PgConnection& conn) {
  SPHERE_ASSIGN_OR_RETURN(
      PgResultPtr locked,
      conn.Exec("take migration lock",
                "SELECT pg_advisory_lock(" + std::to_string(kMigrationLockKey) + ")"));
  MigrationLockGuard unlock_on_return(conn);

  SPHERE_ASSIGN_OR_RETURN(PgResultPtr created,
                          conn.Exec("create schema_migrations",
                                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                    " version integer PRIMARY KEY,"
                                    " applied_at bigint NOT NULL"
                                    " DEFAULT extract(epoch FROM now())::bigint)"));
  SPHERE_ASSIGN_OR_RETURN(int applied, AppliedSchemaVersion(conn));
  const int latest = LatestSchemaVersion();
  if (applied > latest) {
    return FailedPrecondition("postgres: the database schema is at version " +
                              std::to_string(applied) + " but this build knows versions up to " +
                              std::to_string(latest) + "; upgrade InfluencerSphere");
  }
  for (int version = applied + 1; version <= latest; ++version) {
    const std::string context = "migration " + std::to_string(version);
    SPHERE_ASSIGN_OR_RETURN(PgTransaction transaction, PgTransaction::Begin(conn));
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr migrated,
                            conn.Exec(context, std::string(kMigrations[version - 1])));
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr recorded,
                            conn.Run(kRecordMigration, PgParams().Add(version)));
    SPHERE_RETURN_IF_ERROR(transaction.Commit().WithContext(context));
  }
  return Status::Ok();
}

}  // namespace sphere::postgres
