#include "store/sqlite/sqlite_migrations.h"

#include <iterator>
#include <string>

#include "store/sqlite/sqlite_db.h"

namespace sphere::sqlite {
namespace {

// Conventions of the schema:
// - STRICT tables, so a value of the wrong type is refused instead of stored as text.
// - Named CHECK constraints: SQLite reports a failed CHECK by its name, so each name is
//   the rule, starting with the column it guards ("likes must not be negative").
// - Optional values are NULL when unknown; enums are stored as their ToString() text.
// - Tables whose rows can be deleted (rules, events, users, models) use AUTOINCREMENT so
//   an id is never handed out twice: clients page alert events by "id > after_id" and
//   delete rules by id, and a reused id would break both.
constexpr const char* kMigrations[] = {
    // 1: the canonical entities, users, alerts, models and the import log.
    R"sql(
CREATE TABLE creator (
  id INTEGER PRIMARY KEY,
  platform TEXT NOT NULL
    CONSTRAINT "platform must be instagram, tiktok or youtube"
    CHECK (platform IN ('instagram', 'tiktok', 'youtube')),
  handle TEXT NOT NULL CONSTRAINT "handle must not be empty" CHECK (handle <> ''),
  display_name TEXT,
  niche TEXT,
  followers INTEGER CONSTRAINT "followers must not be negative" CHECK (followers >= 0),
  following INTEGER CONSTRAINT "following must not be negative" CHECK (following >= 0),
  posts_count INTEGER CONSTRAINT "posts_count must not be negative" CHECK (posts_count >= 0),
  country TEXT,
  verified INTEGER CONSTRAINT "verified must be 0 or 1" CHECK (verified IN (0, 1)),
  stats_as_of INTEGER NOT NULL,
  source TEXT,
  UNIQUE (platform, handle)
) STRICT;

CREATE TABLE post (
  id INTEGER PRIMARY KEY,
  platform TEXT NOT NULL
    CONSTRAINT "platform must be instagram, tiktok or youtube"
    CHECK (platform IN ('instagram', 'tiktok', 'youtube')),
  external_id TEXT NOT NULL
    CONSTRAINT "external_id must not be empty" CHECK (external_id <> ''),
  creator_id INTEGER NOT NULL REFERENCES creator (id),
  posted_at INTEGER,
  media_type TEXT NOT NULL
    CONSTRAINT "media_type must be image, video or carousel"
    CHECK (media_type IN ('image', 'video', 'carousel')),
  caption TEXT,
  likes INTEGER CONSTRAINT "likes must not be negative" CHECK (likes >= 0),
  comments INTEGER CONSTRAINT "comments must not be negative" CHECK (comments >= 0),
  views INTEGER CONSTRAINT "views must not be negative" CHECK (views >= 0),
  shares INTEGER CONSTRAINT "shares must not be negative" CHECK (shares >= 0),
  sponsored INTEGER NOT NULL CONSTRAINT "sponsored must be 0 or 1" CHECK (sponsored IN (0, 1)),
  image_description TEXT,
  width INTEGER CONSTRAINT "width must be positive" CHECK (width > 0),
  height INTEGER CONSTRAINT "height must be positive" CHECK (height > 0),
  location TEXT,
  observed_at INTEGER,
  source TEXT NOT NULL,
  extra_json TEXT NOT NULL
    CONSTRAINT "extra_json must be a JSON object"
    CHECK (CASE WHEN json_valid(extra_json) THEN json_type(extra_json) = 'object' ELSE 0 END),
  UNIQUE (platform, external_id)
) STRICT;
CREATE INDEX post_by_creator ON post (creator_id);

-- The UNIQUE index leads with creator_id, so it also serves SnapshotsOf and the foreign
-- key; a separate snapshot(creator_id) index would only slow down bulk loads.
CREATE TABLE snapshot (
  id INTEGER PRIMARY KEY,
  creator_id INTEGER NOT NULL REFERENCES creator (id),
  taken_at INTEGER NOT NULL,
  source TEXT NOT NULL,
  followers INTEGER CONSTRAINT "followers must not be negative" CHECK (followers >= 0),
  following INTEGER CONSTRAINT "following must not be negative" CHECK (following >= 0),
  posts_count INTEGER CONSTRAINT "posts_count must not be negative" CHECK (posts_count >= 0),
  total_views INTEGER CONSTRAINT "total_views must not be negative" CHECK (total_views >= 0),
  avg_likes REAL,
  avg_comments REAL,
  avg_views REAL,
  avg_shares REAL,
  engagement_rate REAL,
  authentic_engagement REAL,
  followers_gain INTEGER,
  views_gain INTEGER,
  period_days INTEGER CONSTRAINT "period_days must be positive" CHECK (period_days > 0),
  extra_json TEXT NOT NULL
    CONSTRAINT "extra_json must be a JSON object"
    CHECK (CASE WHEN json_valid(extra_json) THEN json_type(extra_json) = 'object' ELSE 0 END),
  UNIQUE (creator_id, source, taken_at)
) STRICT;

CREATE TABLE user (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  role TEXT NOT NULL
    CONSTRAINT "role must be brand, creator or admin"
    CHECK (role IN ('brand', 'creator', 'admin')),
  api_key_hash TEXT NOT NULL UNIQUE
    CONSTRAINT "api_key_hash must not be empty" CHECK (api_key_hash <> ''),
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE alert_rule (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  owner_user_id INTEGER NOT NULL REFERENCES user (id),
  name TEXT NOT NULL,
  condition_json TEXT NOT NULL
    CONSTRAINT "condition_json must be a JSON object"
    CHECK (CASE WHEN json_valid(condition_json)
                THEN json_type(condition_json) = 'object' ELSE 0 END),
  enabled INTEGER NOT NULL CONSTRAINT "enabled must be 0 or 1" CHECK (enabled IN (0, 1)),
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX alert_rule_by_owner ON alert_rule (owner_user_id);

-- Events belong to their rule: deleting the rule deletes its history.
CREATE TABLE alert_event (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  rule_id INTEGER NOT NULL REFERENCES alert_rule (id) ON DELETE CASCADE,
  creator_id INTEGER NOT NULL REFERENCES creator (id),
  fired_at INTEGER NOT NULL,
  payload_json TEXT NOT NULL
    CONSTRAINT "payload_json must be a JSON object"
    CHECK (CASE WHEN json_valid(payload_json)
                THEN json_type(payload_json) = 'object' ELSE 0 END)
) STRICT;
CREATE INDEX alert_event_by_rule ON alert_event (rule_id);
CREATE INDEX alert_event_by_creator ON alert_event (creator_id);

CREATE TABLE model (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CONSTRAINT "kind must not be empty" CHECK (kind <> ''),
  version TEXT NOT NULL CONSTRAINT "version must not be empty" CHECK (version <> ''),
  artifact_path TEXT NOT NULL,
  data_hash TEXT NOT NULL,
  manifest_json TEXT NOT NULL
    CONSTRAINT "manifest_json must be a JSON object"
    CHECK (CASE WHEN json_valid(manifest_json)
                THEN json_type(manifest_json) = 'object' ELSE 0 END),
  metrics_json TEXT NOT NULL
    CONSTRAINT "metrics_json must be a JSON object"
    CHECK (CASE WHEN json_valid(metrics_json)
                THEN json_type(metrics_json) = 'object' ELSE 0 END),
  created_at INTEGER NOT NULL,
  UNIQUE (kind, version)
) STRICT;
CREATE INDEX model_by_kind_and_age ON model (kind, created_at);

CREATE TABLE import_log (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL CONSTRAINT "path must not be empty" CHECK (path <> ''),
  sha256 TEXT NOT NULL,
  format TEXT NOT NULL,
  rows_loaded INTEGER NOT NULL
    CONSTRAINT "rows_loaded must not be negative" CHECK (rows_loaded >= 0),
  rows_rejected INTEGER NOT NULL
    CONSTRAINT "rows_rejected must not be negative" CHECK (rows_rejected >= 0),
  finished_at INTEGER NOT NULL,
  UNIQUE (path, sha256)
) STRICT;
)sql",
    // 2: the niche inferred per creator (sphere train niche). Its own table, so that the
    // creator upserts of a re-import never touch it.
    R"sql(
CREATE TABLE inferred_niche (
  creator_id INTEGER PRIMARY KEY REFERENCES creator (id),
  niche TEXT NOT NULL CONSTRAINT "niche must not be empty" CHECK (niche <> ''),
  confidence REAL NOT NULL
    CONSTRAINT "confidence must be in [0, 1]" CHECK (confidence >= 0 AND confidence <= 1),
  method TEXT NOT NULL
    CONSTRAINT "method must be classifier, category or profile"
    CHECK (method IN ('classifier', 'category', 'profile')),
  model_version TEXT NOT NULL,
  inferred_at INTEGER NOT NULL
) STRICT;
)sql",
    // 3: Market Values (docs/market-value.md), one per (creator, as_of, horizon_days,
    // model_version) so that a creator's value history can be charted and valuing again
    // replaces a row. Doubles are checked finite by the store (ValidateMarketValue): SQLite
    // turns NaN into NULL before any CHECK could see it.
    R"sql(
CREATE TABLE market_value (
  id INTEGER PRIMARY KEY,
  creator_id INTEGER NOT NULL REFERENCES creator (id),
  as_of INTEGER NOT NULL,
  horizon_days INTEGER NOT NULL
    CONSTRAINT "horizon_days must be positive" CHECK (horizon_days > 0),
  model_version TEXT NOT NULL
    CONSTRAINT "model_version must not be empty" CHECK (model_version <> ''),
  computed_at INTEGER NOT NULL,
  niche TEXT,
  followers INTEGER CONSTRAINT "followers must not be negative" CHECK (followers >= 0),
  format TEXT,
  engagement_per_post REAL NOT NULL,
  engagement_low REAL NOT NULL,
  engagement_high REAL NOT NULL,
  views_per_post REAL,
  views_low REAL,
  views_high REAL,
  follower_gain REAL,
  follower_gain_low REAL,
  follower_gain_high REAL,
  fee_low REAL NOT NULL,
  fee_mid REAL NOT NULL,
  fee_high REAL NOT NULL,
  score REAL NOT NULL,
  niche_score REAL,
  tier TEXT,
  momentum REAL NOT NULL,
  evidence_json TEXT NOT NULL
    CONSTRAINT "evidence_json must be a JSON object"
    CHECK (CASE WHEN json_valid(evidence_json)
                THEN json_type(evidence_json) = 'object' ELSE 0 END),
  UNIQUE (creator_id, as_of, horizon_days, model_version)
) STRICT;
-- The UNIQUE index leads with creator_id: it serves MarketValuesOf and the foreign key.
-- This one walks creators in id order with each one's newest value first, so the latest
-- value per creator is one streaming scan with an index probe per row (ForEachLatest...).
CREATE INDEX market_value_latest ON market_value (creator_id, computed_at DESC, id DESC);
)sql",
    // 4: what the API server writes (issue 6): notes people keep on a creator, the raw
    // payloads of POST /data-ingestion, and Content Lab drafts. Lengths are in bytes
    // (CAST AS BLOB), the unit the store's limits use; the store checks them first
    // (ValidateCreatorNote, ValidateDraft) and these CHECKs keep other writers honest.
    // A user id of 0 (the CLI) is stored as NULL.
    R"sql(
CREATE TABLE creator_note (
  creator_id INTEGER PRIMARY KEY REFERENCES creator (id),
  niche_tags TEXT NOT NULL
    CONSTRAINT "niche_tags must be a JSON array"
    CHECK (CASE WHEN json_valid(niche_tags) THEN json_type(niche_tags) = 'array' ELSE 0 END),
  manual_notes TEXT NOT NULL
    CONSTRAINT "manual_notes must be at most 10000 bytes"
    CHECK (length(CAST(manual_notes AS BLOB)) <= 10000),
  bio TEXT NOT NULL
    CONSTRAINT "bio must be at most 10000 bytes" CHECK (length(CAST(bio AS BLOB)) <= 10000),
  updated_by_user_id INTEGER REFERENCES user (id),
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE ingestion (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER REFERENCES user (id),
  creator_id INTEGER NOT NULL REFERENCES creator (id),
  payload_json TEXT NOT NULL
    CONSTRAINT "payload_json must be a JSON object"
    CHECK (CASE WHEN json_valid(payload_json)
                THEN json_type(payload_json) = 'object' ELSE 0 END),
  received_at INTEGER NOT NULL
) STRICT;
CREATE INDEX ingestion_by_creator ON ingestion (creator_id);

-- The image is the last column: a row read without it (ListDrafts) stops before the
-- overflow pages that hold it, and length(image) reads only its header.
CREATE TABLE draft (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  owner_user_id INTEGER NOT NULL REFERENCES user (id),
  creator_id INTEGER REFERENCES creator (id),
  caption TEXT NOT NULL
    CONSTRAINT "caption must be at most 10000 bytes"
    CHECK (length(CAST(caption AS BLOB)) <= 10000),
  media_type TEXT NOT NULL
    CONSTRAINT "media_type must be image, video or carousel"
    CHECK (media_type IN ('image', 'video', 'carousel')),
  sponsored INTEGER NOT NULL CONSTRAINT "sponsored must be 0 or 1" CHECK (sponsored IN (0, 1)),
  planned_at INTEGER,
  image_content_type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  image BLOB NOT NULL
    CONSTRAINT "image must be at most 10485760 bytes" CHECK (length(image) <= 10485760)
) STRICT;
CREATE INDEX draft_by_owner ON draft (owner_user_id, created_at DESC, id DESC);
CREATE INDEX draft_by_creator ON draft (creator_id);
)sql",
    // 5: real-time alerts (issue 7): where the engine left each rule for each creator,
    // the owners' webhooks and the queue of deliveries to them. States and deliveries
    // belong to their rule, event or webhook: deleting one deletes them.
    R"sql(
-- The primary key serves the rule's cascade; the index serves AlertStatesOf.
CREATE TABLE alert_state (
  rule_id INTEGER NOT NULL REFERENCES alert_rule (id) ON DELETE CASCADE,
  creator_id INTEGER NOT NULL REFERENCES creator (id),
  inside INTEGER NOT NULL CONSTRAINT "inside must be 0 or 1" CHECK (inside IN (0, 1)),
  reference REAL,
  last_fired_at INTEGER,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (rule_id, creator_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX alert_state_by_creator ON alert_state (creator_id, rule_id);

CREATE TABLE webhook (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  owner_user_id INTEGER NOT NULL REFERENCES user (id),
  url TEXT NOT NULL
    CONSTRAINT "url must start with http:// or https://"
    CHECK (substr(url, 1, 7) = 'http://' OR substr(url, 1, 8) = 'https://')
    CONSTRAINT "url must be at most 2048 bytes" CHECK (length(CAST(url AS BLOB)) <= 2048),
  secret TEXT NOT NULL
    CONSTRAINT "secret must be 16..256 bytes"
    CHECK (length(CAST(secret AS BLOB)) BETWEEN 16 AND 256),
  enabled INTEGER NOT NULL CONSTRAINT "enabled must be 0 or 1" CHECK (enabled IN (0, 1)),
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_by_owner ON webhook (owner_user_id, id);

-- UNIQUE leads with event_id so that it also serves the event's cascade; the webhook's
-- cascade and ListWebhookDeliveries use webhook_delivery_by_webhook; the dispatcher's
-- queue (DueWebhookDeliveries) is the partial index, which holds pending rows only.
CREATE TABLE webhook_delivery (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id INTEGER NOT NULL REFERENCES webhook (id) ON DELETE CASCADE,
  event_id INTEGER NOT NULL REFERENCES alert_event (id) ON DELETE CASCADE,
  state TEXT NOT NULL
    CONSTRAINT "state must be pending, delivered or dead"
    CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts INTEGER NOT NULL
    CONSTRAINT "attempts must not be negative" CHECK (attempts >= 0),
  next_attempt_at INTEGER NOT NULL,
  last_status INTEGER,
  last_error TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (event_id, webhook_id)
) STRICT;
CREATE INDEX webhook_delivery_by_webhook ON webhook_delivery (webhook_id, id);
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at, id)
  WHERE state = 'pending';
)sql",
    // 6: alert states carry a revision, so that an evaluation based on a state another
    // process has since written is refused instead of firing the same crossing twice.
    // Stored states count as written once.
    R"sql(
ALTER TABLE alert_state ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
)sql",
};

constexpr int kLatestVersion = static_cast<int>(std::size(kMigrations));

Status ApplyMigration(sqlite3* db, int version) {
  SPHERE_ASSIGN_OR_RETURN(Transaction transaction,
                          Transaction::Begin(db, Transaction::Kind::kWrite));
  // Another process may have applied it while this one waited for the write lock.
  SPHERE_ASSIGN_OR_RETURN(int current, ReadSchemaVersion(db));
  if (current >= version) return Status::Ok();

  std::string context = "schema migration " + std::to_string(version);
  SPHERE_RETURN_IF_ERROR(Exec(db, kMigrations[version - 1]).WithContext(context));
  SPHERE_ASSIGN_OR_RETURN(
      StatementHandle record,
      Prepare(db, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, unixepoch())",
              /*persistent=*/false));
  Statement insert(std::move(record));
  insert.BindInt(version);
  SPHERE_RETURN_IF_ERROR(insert.Run().WithContext(context));
  return transaction.Commit().WithContext(context);
}

}  // namespace

int LatestSchemaVersion() { return kLatestVersion; }

Result<int> ReadSchemaVersion(sqlite3* db) {
  SPHERE_ASSIGN_OR_RETURN(
      StatementHandle handle,
      Prepare(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", false));
  Statement query(std::move(handle));
  SPHERE_ASSIGN_OR_RETURN(bool has_row, query.Step());
  if (!has_row) return Internal("reading the schema version returned no row");
  return static_cast<int>(query.ReadInt());
}

Status Migrate(sqlite3* db) {
  SPHERE_RETURN_IF_ERROR(Exec(db,
                              "CREATE TABLE IF NOT EXISTS schema_migrations ("
                              "  version INTEGER PRIMARY KEY,"
                              "  applied_at INTEGER NOT NULL"
                              ") STRICT"));
  SPHERE_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(db));
  if (version > kLatestVersion) {
    return FailedPrecondition("database schema version " + std::to_string(version) +
                              " is newer than this build knows (" + std::to_string(kLatestVersion) +
                              "); use a newer build of sphere with this database");
  }
  for (int next = version + 1; next <= kLatestVersion; ++next) {
    SPHERE_RETURN_IF_ERROR(ApplyMigration(db, next));
  }
  return Status::Ok();
}

}  // namespace sphere::sqlite
