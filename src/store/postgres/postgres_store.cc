#include "store/postgres/postgres_store.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/time.h"
#include "store/postgres/copy_text.h"
#include "store/postgres/migrations.h"
#include "store/postgres/pg_connection.h"

namespace sphere {
namespace {

using postgres::AffectedRows;
using postgres::CopyTextEncoder;
using postgres::PgConnection;
using postgres::PgParams;
using postgres::PgResultPtr;
using postgres::PgRowReader;
using postgres::PgStatement;
using postgres::PgTransaction;
using postgres::TextProblem;

// Rows per keyset page when streaming a table: memory stays bounded by one page.
constexpr int64_t kStreamPageRows = 2000;
// COPY data is sent in pieces of about this size while the next rows are encoded.
constexpr size_t kCopyChunkBytes = 1 << 20;

// ---- SQL ----

using ColumnList = std::span<const std::string_view>;

std::string Join(ColumnList columns, std::string_view prefix = "") {
  std::string out;
  for (std::string_view column : columns) {
    if (!out.empty()) out += ", ";
    out += prefix;
    out += column;
  }
  return out;
}

// INSERT ... SELECT from a staging table that upserts on `key` and rewrites a stored
// row only when a value differs, so the affected-row count is "inserted or changed".
// New rows take their ids in `order_by` order when one is given.
std::string UpsertFromStagingSql(std::string_view table, std::string_view staging, ColumnList key,
                                 ColumnList values, std::string_view order_by = "") {
  std::string all = Join(key) + ", " + Join(values);
  std::string sql = "INSERT INTO " + std::string(table) + " (" + all + ") SELECT " + all +
                    " FROM pg_temp." + std::string(staging) +
                    (order_by.empty() ? "" : " ORDER BY " + std::string(order_by)) +
                    " ON CONFLICT (" + Join(key) + ") DO UPDATE SET ";
  bool first = true;
  for (std::string_view column : values) {
    if (!first) sql += ", ";
    first = false;
    sql += std::string(column) + " = EXCLUDED." + std::string(column);
  }
  sql += " WHERE ROW(" + Join(values, std::string(table) + ".") + ") IS DISTINCT FROM ROW(" +
         Join(values, "EXCLUDED.") + ")";
  return sql;
}

constexpr std::string_view kCreatorColumns[] = {
    "c.id",        "c.platform",    "c.handle",  "c.display_name", "c.niche",       "c.followers",
    "c.following", "c.posts_count", "c.country", "c.verified",     "c.stats_as_of", "c.source"};

constexpr std::string_view kPostKey[] = {"platform", "external_id"};
constexpr std::string_view kPostValues[] = {
    "creator_id", "posted_at",   "media_type", "caption",           "likes", "comments",
    "views",      "shares",      "sponsored",  "image_description", "width", "height",
    "location",   "observed_at", "source",     "extra_json"};
const std::string kPostColumns =
    "p.id, p.platform, c.handle, p.external_id, p.posted_at, p.media_type, p.caption, p.likes, "
    "p.comments, p.views, p.shares, p.sponsored, p.image_description, p.width, p.height, "
    "p.location, p.observed_at, p.source, p.extra_json";

constexpr std::string_view kSnapshotKey[] = {"creator_id", "source", "taken_at"};
constexpr std::string_view kSnapshotValues[] = {
    "followers",      "following",  "posts_count", "total_views",     "avg_likes",
    "avg_comments",   "avg_views",  "avg_shares",  "engagement_rate", "authentic_engagement",
    "followers_gain", "views_gain", "period_days", "extra_json"};
const std::string kSnapshotColumns =
    "s.id, c.platform, c.handle, s.taken_at, s.source, s.followers, s.following, s.posts_count, "
    "s.total_views, s.avg_likes, s.avg_comments, s.avg_views, s.avg_shares, s.engagement_rate, "
    "s.authentic_engagement, s.followers_gain, s.views_gain, s.period_days, s.extra_json";

constexpr std::string_view kMarketValueKey[] = {"creator_id", "as_of", "horizon_days",
                                                "model_version"};
constexpr std::string_view kMarketValueValues[] = {"computed_at",
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
                                                   "evidence_json"};
// evidence_json is last, so the same reader serves a select with and without it.
const std::string kMarketValueColumnsButEvidence =
    "m.id, m.creator_id, c.platform, c.handle, m.as_of, m.horizon_days, m.model_version, "
    "m.computed_at, m.niche, m.followers, m.format, m.engagement_per_post, m.engagement_low, "
    "m.engagement_high, m.views_per_post, m.views_low, m.views_high, m.follower_gain, "
    "m.follower_gain_low, m.follower_gain_high, m.fee_low, m.fee_mid, m.fee_high, m.score, "
    "m.niche_score, m.tier, m.momentum";
const std::string kMarketValueColumns = kMarketValueColumnsButEvidence + ", m.evidence_json";
// The market_value columns kMarketValueColumnsButEvidence reads.
const std::string kMarketValueTableColumnsButEvidence =
    "id, " + Join(kMarketValueKey) + ", " +
    Join(ColumnList(kMarketValueValues).first(std::size(kMarketValueValues) - 1));

// Creator profile fields, merged one by one. A stored field takes an incoming known
// value when the field is still unknown or the incoming record is not older than the
// stored profile; stats_as_of becomes the newer of the two (the SQLite backend's rule,
// pinned down by the contract suite). In staging each field <f> comes with <f>_as_of
// and <f>_first, see FoldedCreator.
constexpr std::string_view kMergedCreatorFields[] = {"display_name", "niche",       "followers",
                                                     "following",    "posts_count", "country",
                                                     "verified",     "source"};

// Staging tables are temporary: private to the session and never WAL-logged. They keep
// their rows across commits (ON COMMIT DELETE ROWS would truncate every table at every
// commit, which costs milliseconds per table); CopyRows truncates one just before
// refilling it instead.
enum class StagingTable { kCreator, kCreatorKey, kPost, kSnapshot, kMarketValue };
constexpr int kStagingTableCount = 5;
constexpr const char* kTruncateStagingSql[kStagingTableCount] = {
    "TRUNCATE pg_temp.stage_creator", "TRUNCATE pg_temp.stage_creator_key",
    "TRUNCATE pg_temp.stage_post", "TRUNCATE pg_temp.stage_snapshot",
    "TRUNCATE pg_temp.stage_market_value"};

const std::string kCreateStagingTablesSql = R"sql(
SET temp_buffers = '64MB';
CREATE TEMP TABLE IF NOT EXISTS stage_creator (
  seq bigint, platform text, handle text COLLATE "C", stats_as_of bigint,
  display_name text, display_name_as_of bigint, display_name_first text,
  niche text COLLATE "C", niche_as_of bigint, niche_first text COLLATE "C",
  followers bigint, followers_as_of bigint, followers_first bigint,
  following bigint, following_as_of bigint, following_first bigint,
  posts_count bigint, posts_count_as_of bigint, posts_count_first bigint,
  country text, country_as_of bigint, country_first text,
  verified boolean, verified_as_of bigint, verified_first boolean,
  source text, source_as_of bigint, source_first text
);
CREATE TEMP TABLE IF NOT EXISTS stage_creator_key (platform text, handle text COLLATE "C");
CREATE TEMP TABLE IF NOT EXISTS stage_post (
  platform text, external_id text COLLATE "C", creator_id bigint, posted_at bigint,
  media_type text, caption text, likes bigint, comments bigint, views bigint, shares bigint,
  sponsored boolean, image_description text, width integer, height integer, location text,
  observed_at bigint, source text, extra_json text
);
CREATE TEMP TABLE IF NOT EXISTS stage_snapshot (
  creator_id bigint, source text COLLATE "C", taken_at bigint, followers bigint,
  following bigint, posts_count bigint, total_views bigint, avg_likes double precision,
  avg_comments double precision, avg_views double precision, avg_shares double precision,
  engagement_rate double precision, authentic_engagement double precision,
  followers_gain bigint, views_gain bigint, period_days integer, extra_json text
);
CREATE TEMP TABLE IF NOT EXISTS stage_market_value (
  seq bigint, creator_id bigint, as_of bigint, horizon_days integer, model_version text,
  computed_at bigint, niche text, followers bigint, format text,
  engagement_per_post double precision, engagement_low double precision,
  engagement_high double precision, views_per_post double precision,
  views_low double precision, views_high double precision, follower_gain double precision,
  follower_gain_low double precision, follower_gain_high double precision,
  fee_low double precision, fee_mid double precision, fee_high double precision,
  score double precision, niche_score double precision, tier text,
  momentum double precision, evidence_json text
);
)sql";

std::string CopyCreatorsSql() {
  std::string columns = "seq, platform, handle, stats_as_of";
  for (std::string_view field : kMergedCreatorFields) {
    const std::string f(field);
    columns += ", " + f + ", " + f + "_as_of, " + f + "_first";
  }
  return "COPY pg_temp.stage_creator (" + columns + ") FROM STDIN";
}

// A creator new to the store gets what merging its records into nothing gives.
std::string InsertNewCreatorsSql() {
  std::string values;
  for (std::string_view field : kMergedCreatorFields) {
    const std::string f(field);
    values += ", coalesce(" + f + ", " + f + "_first)";
  }
  return "INSERT INTO creator (platform, handle, stats_as_of, " + Join(kMergedCreatorFields) +
         ") SELECT platform, handle, stats_as_of" + values +
         " FROM pg_temp.stage_creator ORDER BY seq ON CONFLICT (platform, handle) DO NOTHING";
}

// Merges staged creators into stored rows. It runs after InsertNewCreatorsSql, so it
// also meets the rows that statement just inserted; merging those again changes
// nothing, so they are not counted twice.
std::string MergeCreatorsSql() {
  std::vector<std::string> merged;
  for (std::string_view f : kMergedCreatorFields) {
    std::string field(f);
    merged.push_back("CASE WHEN s." + field + " IS NOT NULL AND s." + field +
                     "_as_of >= c.stats_as_of THEN s." + field + " WHEN c." + field +
                     " IS NULL THEN s." + field + "_first ELSE c." + field + " END");
  }
  const std::string newest = "GREATEST(c.stats_as_of, s.stats_as_of)";
  std::string sql = "UPDATE creator AS c SET ";
  std::string new_row, old_row;
  for (size_t i = 0; i < merged.size(); ++i) {
    sql += std::string(kMergedCreatorFields[i]) + " = " + merged[i] + ", ";
    // `source` records who last changed the profile; a different source with the same
    // values is not a change (else two files describing one creator would flip it forever).
    if (kMergedCreatorFields[i] == "source") continue;
    new_row += merged[i] + ", ";
    old_row += "c." + std::string(kMergedCreatorFields[i]) + ", ";
  }
  sql += "stats_as_of = " + newest +
         " FROM pg_temp.stage_creator AS s WHERE c.platform = s.platform AND c.handle = s.handle"
         " AND ROW(" +
         new_row + newest + ") IS DISTINCT FROM ROW(" + old_row + "c.stats_as_of)";
  return sql;
}

const std::string kCopyCreatorsSql = CopyCreatorsSql();
const PgStatement kInsertNewCreators{"insert_new_creators", InsertNewCreatorsSql()};
const PgStatement kMergeCreators{"merge_creators", MergeCreatorsSql()};
const PgStatement kResolveCreatorKeys{
    "resolve_creator_keys",
    "SELECT k.platform, k.handle, c.id FROM pg_temp.stage_creator_key AS k"
    " JOIN creator AS c ON c.platform = k.platform AND c.handle = k.handle"};
const PgStatement kUpsertPosts{"upsert_posts",
                               UpsertFromStagingSql("post", "stage_post", kPostKey, kPostValues)};
const PgStatement kUpsertSnapshots{
    "upsert_snapshots",
    UpsertFromStagingSql("snapshot", "stage_snapshot", kSnapshotKey, kSnapshotValues)};

const PgStatement kUpsertMarketValues{
    "upsert_market_values", UpsertFromStagingSql("market_value", "stage_market_value",
                                                 kMarketValueKey, kMarketValueValues, "seq")};

const std::string kCopyCreatorKeysSql =
    "COPY pg_temp.stage_creator_key (platform, handle) FROM STDIN";
const std::string kCopyPostsSql =
    "COPY pg_temp.stage_post (" + Join(kPostKey) + ", " + Join(kPostValues) + ") FROM STDIN";
const std::string kCopySnapshotsSql = "COPY pg_temp.stage_snapshot (" + Join(kSnapshotKey) + ", " +
                                      Join(kSnapshotValues) + ") FROM STDIN";
const std::string kCopyMarketValuesSql = "COPY pg_temp.stage_market_value (seq, " +
                                         Join(kMarketValueKey) + ", " + Join(kMarketValueValues) +
                                         ") FROM STDIN";

const PgStatement kFindCreator{"find_creator",
                               "SELECT " + Join(kCreatorColumns) +
                                   " FROM creator AS c WHERE c.platform = $1 AND c.handle = $2"};
const PgStatement kGetCreator{
    "get_creator", "SELECT " + Join(kCreatorColumns) + " FROM creator AS c WHERE c.id = $1"};
const PgStatement kPostsOf{
    "posts_of", "SELECT " + kPostColumns +
                    " FROM post AS p JOIN creator AS c ON c.id = p.creator_id"
                    " WHERE p.creator_id = $1 ORDER BY p.posted_at NULLS LAST, p.external_id"};
const PgStatement kSnapshotsOf{"snapshots_of",
                               "SELECT " + kSnapshotColumns +
                                   " FROM snapshot AS s JOIN creator AS c ON c.id = s.creator_id"
                                   " WHERE s.creator_id = $1 ORDER BY s.taken_at, s.source"};
// A literal LIMIT lets even a generic plan see how small a page is.
const std::string kPageLimit = std::to_string(kStreamPageRows);
const PgStatement kCreatorsPage{"creators_page", "SELECT " + Join(kCreatorColumns) +
                                                     " FROM creator AS c WHERE c.id > $1"
                                                     " ORDER BY c.id LIMIT " +
                                                     kPageLimit};
const PgStatement kPostsPage{"posts_page",
                             "SELECT " + kPostColumns +
                                 " FROM post AS p JOIN creator AS c ON c.id = p.creator_id"
                                 " WHERE p.id > $1 ORDER BY p.id LIMIT " +
                                 kPageLimit};
const PgStatement kSnapshotsPage{"snapshots_page",
                                 "SELECT " + kSnapshotColumns +
                                     " FROM snapshot AS s JOIN creator AS c ON c.id = s.creator_id"
                                     " WHERE s.id > $1 ORDER BY s.id LIMIT " +
                                     kPageLimit};

const PgStatement kMarketValuesOf{
    "market_values_of", "SELECT " + kMarketValueColumns +
                            " FROM market_value AS m JOIN creator AS c ON c.id = m.creator_id"
                            " WHERE m.creator_id = $1 ORDER BY m.as_of, m.computed_at, m.id"};
// A page of creators, each with its newest value: DISTINCT ON keeps the first row per
// creator in market_value_latest_idx order, so the page is one range scan of that index.
const PgStatement kLatestMarketValuesPage{
    "latest_market_values_page",
    "SELECT " + kMarketValueColumns +
        " FROM (SELECT DISTINCT ON (creator_id) * FROM market_value WHERE creator_id > $1"
        " ORDER BY creator_id, computed_at DESC, id DESC LIMIT " +
        kPageLimit + ") AS m JOIN creator AS c ON c.id = m.creator_id ORDER BY m.creator_id"};

// The same page without evidence_json: the subquery names its columns, so the column is not
// even fetched from TOAST.
const PgStatement kLatestMarketValuesPageWithoutEvidence{
    "latest_market_values_page_without_evidence",
    "SELECT " + kMarketValueColumnsButEvidence + " FROM (SELECT DISTINCT ON (creator_id) " +
        kMarketValueTableColumnsButEvidence +
        " FROM market_value WHERE creator_id > $1"
        " ORDER BY creator_id, computed_at DESC, id DESC LIMIT " +
        kPageLimit + ") AS m JOIN creator AS c ON c.id = m.creator_id ORDER BY m.creator_id"};

const PgStatement kRecordImport{
    "record_import",
    "INSERT INTO import_log (path, sha256, format, rows_loaded, rows_rejected, finished_at)"
    " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (path, sha256) DO UPDATE SET"
    " format = EXCLUDED.format, rows_loaded = EXCLUDED.rows_loaded,"
    " rows_rejected = EXCLUDED.rows_rejected, finished_at = EXCLUDED.finished_at"};
const PgStatement kListImports{
    "list_imports",
    "SELECT path, sha256, format, rows_loaded, rows_rejected, finished_at FROM import_log"
    " ORDER BY id"};

const PgStatement kStatsCreators{"stats_creators",
                                 "SELECT platform, count(*) FROM creator GROUP BY platform"};
const PgStatement kStatsPosts{
    "stats_posts",
    "SELECT platform, count(*), min(posted_at), max(posted_at) FROM post GROUP BY platform"};
const PgStatement kStatsSnapshots{
    "stats_snapshots",
    "SELECT c.platform, count(*), min(s.taken_at), max(s.taken_at)"
    " FROM snapshot AS s JOIN creator AS c ON c.id = s.creator_id GROUP BY c.platform"};
const PgStatement kStatsNiches{
    "stats_niches", "SELECT coalesce(niche, '(none)'), count(*) FROM creator GROUP BY 1"};
const PgStatement kStatsInferredNiches{
    "stats_inferred_niches",
    "SELECT niche || '/' || method, count(*) FROM inferred_niche GROUP BY 1"};
// $1..$4 are core's lower bounds of micro, mid, macro and mega; -1 is "unknown".
const PgStatement kStatsTiers{
    "stats_tiers",
    "SELECT CASE WHEN followers IS NULL THEN -1 WHEN followers >= $4 THEN 4"
    " WHEN followers >= $3 THEN 3 WHEN followers >= $2 THEN 2 WHEN followers >= $1 THEN 1"
    " ELSE 0 END, count(*) FROM creator GROUP BY 1"};
const PgStatement kStatsSnapshotSources{"stats_snapshot_sources",
                                        "SELECT source, count(*) FROM snapshot GROUP BY source"};
const PgStatement kStatsTotals{
    "stats_totals",
    "SELECT (SELECT count(*) FROM app_user), (SELECT count(*) FROM alert_rule),"
    " (SELECT count(*) FROM alert_event), (SELECT count(*) FROM model),"
    " (SELECT count(*) FROM market_value)"};

const PgStatement kCreateUser{
    "create_user",
    "INSERT INTO app_user (name, role, api_key_hash, created_at) VALUES ($1, $2, $3, $4)"
    " RETURNING id"};
const PgStatement kFindUserByKeyHash{
    "find_user_by_key_hash",
    "SELECT id, name, role, api_key_hash, created_at FROM app_user WHERE api_key_hash = $1"};

const std::string kUserColumns = "id, name, role, api_key_hash, created_at";
const PgStatement kListUsers{"list_users", "SELECT " + kUserColumns + " FROM app_user ORDER BY id"};
const PgStatement kGetUser{"get_user", "SELECT " + kUserColumns + " FROM app_user WHERE id = $1"};

const PgStatement kCreateAlertRule{
    "create_alert_rule",
    "INSERT INTO alert_rule (owner_user_id, name, condition_json, enabled, created_at)"
    " VALUES ($1, $2, $3, $4, $5) RETURNING id"};
const PgStatement kListAlertRules{
    "list_alert_rules",
    "SELECT id, owner_user_id, name, condition_json, enabled, created_at FROM alert_rule"
    " WHERE owner_user_id = $1 ORDER BY id"};
const PgStatement kGetAlertRule{
    "get_alert_rule",
    "SELECT id, owner_user_id, name, condition_json, enabled, created_at FROM alert_rule"
    " WHERE id = $1 AND owner_user_id = $2"};
const PgStatement kDeleteAlertRule{"delete_alert_rule",
                                   "DELETE FROM alert_rule WHERE id = $1 AND owner_user_id = $2"};
const PgStatement kAppendAlertEvent{
    "append_alert_event",
    "INSERT INTO alert_event (rule_id, creator_id, fired_at, payload_json)"
    " VALUES ($1, $2, $3, $4) RETURNING id,"
    " (SELECT r.owner_user_id FROM alert_rule AS r WHERE r.id = alert_event.rule_id)"};
// An event and its rule's owner (alert_rule AS r): what ReadAlertEvent reads.
const std::string kAlertEventColumns =
    "e.id, e.rule_id, e.creator_id, e.fired_at, e.payload_json, r.owner_user_id";
const PgStatement kListAlertEvents{
    "list_alert_events", "SELECT " + kAlertEventColumns +
                             " FROM alert_event AS e JOIN alert_rule AS r ON r.id = e.rule_id"
                             " WHERE r.owner_user_id = $1 AND e.id > $2 ORDER BY e.id LIMIT $3"};
const PgStatement kLastAlertEventId{"last_alert_event_id",
                                    "SELECT coalesce(max(id), 0) FROM alert_event"};
const PgStatement kListAlertEventsAfter{
    "list_alert_events_after", "SELECT " + kAlertEventColumns +
                                   " FROM alert_event AS e JOIN alert_rule AS r ON r.id = e.rule_id"
                                   " WHERE e.id > $1 ORDER BY e.id LIMIT $2"};
const PgStatement kListEnabledAlertRules{
    "list_enabled_alert_rules",
    "SELECT id, owner_user_id, name, condition_json, enabled, created_at FROM alert_rule"
    " WHERE enabled ORDER BY id"};
const PgStatement kEnabledAlertRulesFingerprint{
    "enabled_alert_rules_fingerprint",
    "SELECT count(*), coalesce(max(id), 0), coalesce(sum(id), 0)::bigint FROM alert_rule"
    " WHERE enabled"};
const PgStatement kAlertStatesOf{
    "alert_states_of",
    "SELECT rule_id, creator_id, inside, reference, last_fired_at, updated_at, revision"
    " FROM alert_state WHERE creator_id = $1 ORDER BY rule_id"};

// One evaluation as ONE statement, so it is atomic without BEGIN/COMMIT and costs one round
// trip: states and events come as parallel arrays ($1..$7 and $8..$11). `missing` is the
// lowest creator id that names no creator (NULL when all exist); while it is set nothing is
// written, and the caller reports NotFound. A state or event whose rule is gone is skipped.
// A state at revision 0 is inserted only where none is stored (new_states), a later one
// updated only where the stored revision is still the one it was read at (old_states; under
// READ COMMITTED a row another transaction changed meanwhile is re-checked against its newest
// version). The states of a live rule that neither wrote are `stale`, and so are their events.
// Events take their ids in the order given (ORDER BY ord), and each fans out to every enabled
// webhook of its rule's owner. The result has at least one row (from `missing`, with `stale`
// as "rule creator rule creator ..."), then the appended events in id order, each with its
// owner.
const PgStatement kCommitAlertEvaluation{
    "commit_alert_evaluation",
    "WITH s_in AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::boolean[],"
    "   $4::double precision[], $5::bigint[], $6::bigint[], $7::bigint[])"
    "   AS x(rule_id, creator_id, inside, reference, last_fired_at, updated_at, revision)),"
    " e_in AS (SELECT * FROM unnest($8::bigint[], $9::bigint[], $10::bigint[], $11::text[])"
    "   WITH ORDINALITY AS x(rule_id, creator_id, fired_at, payload_json, ord)),"
    " missing AS (SELECT min(k.id) AS creator_id FROM"
    "   (SELECT creator_id AS id FROM s_in UNION SELECT creator_id FROM e_in) AS k"
    "   WHERE NOT EXISTS (SELECT 1 FROM creator AS c WHERE c.id = k.id)),"
    " live AS (SELECT s.* FROM s_in AS s WHERE (SELECT creator_id FROM missing) IS NULL"
    "   AND EXISTS (SELECT 1 FROM alert_rule AS r WHERE r.id = s.rule_id)),"
    " new_states AS (INSERT INTO alert_state"
    "   (rule_id, creator_id, inside, reference, last_fired_at, updated_at, revision)"
    "   SELECT s.rule_id, s.creator_id, s.inside, s.reference, s.last_fired_at, s.updated_at, 1"
    "   FROM live AS s WHERE s.revision = 0"
    "   ON CONFLICT (rule_id, creator_id) DO NOTHING RETURNING rule_id, creator_id),"
    " old_states AS (UPDATE alert_state AS a SET inside = s.inside, reference = s.reference,"
    "   last_fired_at = s.last_fired_at, updated_at = s.updated_at, revision = a.revision + 1"
    "   FROM live AS s WHERE s.revision <> 0 AND a.rule_id = s.rule_id"
    "   AND a.creator_id = s.creator_id AND a.revision = s.revision"
    "   RETURNING a.rule_id, a.creator_id),"
    " written AS (SELECT * FROM new_states UNION ALL SELECT * FROM old_states),"
    " stale AS (SELECT s.rule_id, s.creator_id FROM live AS s WHERE NOT EXISTS"
    "   (SELECT 1 FROM written AS w WHERE w.rule_id = s.rule_id"
    "   AND w.creator_id = s.creator_id)),"
    " events AS (INSERT INTO alert_event (rule_id, creator_id, fired_at, payload_json)"
    "   SELECT e.rule_id, e.creator_id, e.fired_at, e.payload_json FROM e_in AS e"
    "   WHERE (SELECT creator_id FROM missing) IS NULL"
    "   AND EXISTS (SELECT 1 FROM alert_rule AS r WHERE r.id = e.rule_id)"
    "   AND NOT EXISTS (SELECT 1 FROM stale AS t WHERE t.rule_id = e.rule_id"
    "   AND t.creator_id = e.creator_id) ORDER BY e.ord"
    "   RETURNING id, rule_id, creator_id, fired_at, payload_json),"
    " deliveries AS (INSERT INTO webhook_delivery (webhook_id, event_id, state, attempts,"
    "   next_attempt_at, last_status, last_error, updated_at)"
    "   SELECT w.id, e.id, 'pending', 0, e.fired_at, NULL, '', e.fired_at FROM events AS e"
    "   JOIN alert_rule AS r ON r.id = e.rule_id"
    "   JOIN webhook AS w ON w.owner_user_id = r.owner_user_id AND w.enabled"
    "   ORDER BY e.id, w.id)"
    " SELECT m.creator_id, (SELECT string_agg(t.rule_id || ' ' || t.creator_id, ' ')"
    "   FROM stale AS t), " +
        kAlertEventColumns +
        " FROM missing AS m LEFT JOIN (events AS e JOIN alert_rule AS r ON r.id = e.rule_id)"
        " ON true ORDER BY e.id"};

const std::string kWebhookColumns =
    "w.id, w.owner_user_id, w.url, w.secret, w.enabled, w.created_at";
const std::string kDeliveryColumns =
    "d.id, d.webhook_id, d.event_id, d.state, d.attempts, d.next_attempt_at, d.last_status,"
    " d.last_error, d.updated_at";
const PgStatement kCreateWebhook{
    "create_webhook",
    "INSERT INTO webhook (owner_user_id, url, secret, enabled, created_at)"
    " VALUES ($1, $2, $3, $4, $5) RETURNING id"};
const PgStatement kListWebhooks{"list_webhooks", "SELECT " + kWebhookColumns +
                                                     " FROM webhook AS w"
                                                     " WHERE w.owner_user_id = $1 ORDER BY w.id"};
const PgStatement kDeleteWebhook{"delete_webhook",
                                 "DELETE FROM webhook WHERE id = $1 AND owner_user_id = $2"};
// state = 'pending' as a literal, so that the planner uses the partial index.
const PgStatement kDueWebhookDeliveries{
    "due_webhook_deliveries",
    "SELECT " + kDeliveryColumns + ", " + kWebhookColumns + ", " + kAlertEventColumns +
        " FROM webhook_delivery AS d JOIN webhook AS w ON w.id = d.webhook_id"
        " JOIN alert_event AS e ON e.id = d.event_id JOIN alert_rule AS r ON r.id = e.rule_id"
        " WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND w.enabled"
        " ORDER BY d.next_attempt_at, d.id LIMIT $2"};
const PgStatement kUpdateWebhookDelivery{
    "update_webhook_delivery",
    "UPDATE webhook_delivery SET state = $1, attempts = $2, next_attempt_at = $3,"
    " last_status = $4, last_error = $5, updated_at = $6 WHERE id = $7"};
// No row at all: the webhook is missing or someone else's; a webhook without (matching)
// deliveries gives one row of NULL delivery columns.
const PgStatement kListWebhookDeliveries{
    "list_webhook_deliveries",
    "SELECT " + kDeliveryColumns +
        " FROM webhook AS w LEFT JOIN webhook_delivery AS d ON d.webhook_id = w.id"
        " AND ($1::text IS NULL OR d.state = $1) WHERE w.id = $2 AND w.owner_user_id = $3"
        " ORDER BY d.id DESC LIMIT $4"};
const PgStatement kRequeueWebhookDelivery{
    "requeue_webhook_delivery",
    "UPDATE webhook_delivery AS d SET state = 'pending', attempts = 0, next_attempt_at = $1,"
    " updated_at = $1 WHERE d.id = $2 AND d.webhook_id IN"
    " (SELECT w.id FROM webhook AS w WHERE w.owner_user_id = $3) RETURNING " +
        kDeliveryColumns};

const std::string kModelColumns =
    "id, kind, version, artifact_path, data_hash, manifest_json, metrics_json, created_at";
const PgStatement kSaveModel{
    "save_model",
    "INSERT INTO model (kind, version, artifact_path, data_hash, manifest_json, metrics_json,"
    " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"};
const PgStatement kLatestModel{"latest_model", "SELECT " + kModelColumns +
                                                   " FROM model WHERE kind = $1"
                                                   " ORDER BY created_at DESC, id DESC LIMIT 1"};
const PgStatement kListModels{
    "list_models",
    "SELECT " + kModelColumns + " FROM model WHERE kind = $1 ORDER BY created_at, id"};

const PgStatement kWriteInferredNiche{
    "write_inferred_niche",
    "INSERT INTO inferred_niche (creator_id, niche, confidence, method, model_version,"
    " inferred_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (creator_id) DO UPDATE SET"
    " niche = excluded.niche, confidence = excluded.confidence, method = excluded.method,"
    " model_version = excluded.model_version, inferred_at = excluded.inferred_at"};
const PgStatement kInferredNicheOf{
    "inferred_niche_of",
    "SELECT creator_id, niche, confidence, method, model_version, inferred_at"
    " FROM inferred_niche WHERE creator_id = $1"};

const PgStatement kPutCreatorNote{
    "put_creator_note",
    "INSERT INTO creator_note (creator_id, niche_tags, manual_notes, bio, updated_by_user_id,"
    " updated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (creator_id) DO UPDATE SET"
    " niche_tags = EXCLUDED.niche_tags, manual_notes = EXCLUDED.manual_notes,"
    " bio = EXCLUDED.bio, updated_by_user_id = EXCLUDED.updated_by_user_id,"
    " updated_at = EXCLUDED.updated_at"};
const PgStatement kCreatorNoteOf{
    "creator_note_of",
    "SELECT creator_id, niche_tags, manual_notes, bio, updated_by_user_id, updated_at"
    " FROM creator_note WHERE creator_id = $1"};

const PgStatement kAllCreatorNotes{
    "all_creator_notes",
    "SELECT creator_id, niche_tags, manual_notes, bio, updated_by_user_id, updated_at"
    " FROM creator_note ORDER BY creator_id"};

const PgStatement kRecordIngestion{
    "record_ingestion",
    "INSERT INTO ingestion (user_id, creator_id, payload_json, received_at)"
    " VALUES ($1, $2, $3, $4) RETURNING id"};
const PgStatement kGetIngestion{
    "get_ingestion",
    "SELECT id, user_id, creator_id, payload_json, received_at FROM ingestion WHERE id = $1"};

// The image is read only by kGetDraft; every read takes its size (from the TOAST header).
const std::string kDraftColumnsButImage =
    "id, owner_user_id, creator_id, caption, media_type, sponsored, planned_at,"
    " image_content_type, created_at, updated_at, octet_length(image)";
const PgStatement kCreateDraft{
    "create_draft",
    "INSERT INTO draft (owner_user_id, creator_id, caption, media_type, sponsored, planned_at,"
    " image_content_type, created_at, updated_at, image)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"};
const PgStatement kGetDraft{"get_draft", "SELECT " + kDraftColumnsButImage +
                                             ", image FROM draft"
                                             " WHERE id = $1 AND owner_user_id = $2"};
const PgStatement kListDrafts{"list_drafts", "SELECT " + kDraftColumnsButImage +
                                                 " FROM draft WHERE owner_user_id = $1"
                                                 " ORDER BY created_at DESC, id DESC"};
const PgStatement kUpdateDraft{
    "update_draft",
    "UPDATE draft SET creator_id = $1, caption = $2, media_type = $3, sponsored = $4,"
    " planned_at = $5, image_content_type = $6, updated_at = $7, image = $8"
    " WHERE id = $9 AND owner_user_id = $10 RETURNING created_at"};
const PgStatement kDeleteDraft{"delete_draft",
                               "DELETE FROM draft WHERE id = $1 AND owner_user_id = $2"};

// ---- reading rows ----

Creator ReadCreator(PgRowReader& row) {
  Creator c;
  c.id = row.Int64();
  c.platform = row.Enum(&ParsePlatform);
  c.handle = row.Text();
  c.display_name = row.Text();
  c.niche = row.OptionalText();
  c.followers = row.OptionalInt64();
  c.following = row.OptionalInt64();
  c.posts_count = row.OptionalInt64();
  c.country = row.OptionalText();
  c.verified = row.OptionalBool();
  c.stats_as_of = row.Int64();
  c.source = row.Text();
  return c;
}

Post ReadPost(PgRowReader& row) {
  Post p;
  p.id = row.Int64();
  p.platform = row.Enum(&ParsePlatform);
  p.creator_handle = row.Text();
  p.external_id = row.Text();
  p.posted_at = row.OptionalInt64();
  p.media_type = row.Enum(&ParseMediaType);
  p.caption = row.Text();
  p.likes = row.OptionalInt64();
  p.comments = row.OptionalInt64();
  p.views = row.OptionalInt64();
  p.shares = row.OptionalInt64();
  p.sponsored = row.Bool();
  p.image_description = row.Text();
  p.width = row.OptionalInt32();
  p.height = row.OptionalInt32();
  p.location = row.Text();
  p.observed_at = row.OptionalInt64();
  p.source = row.Text();
  p.extra_json = row.Text();
  return p;
}

Snapshot ReadSnapshot(PgRowReader& row) {
  Snapshot s;
  s.id = row.Int64();
  s.platform = row.Enum(&ParsePlatform);
  s.creator_handle = row.Text();
  s.taken_at = row.Int64();
  s.source = row.Text();
  s.followers = row.OptionalInt64();
  s.following = row.OptionalInt64();
  s.posts_count = row.OptionalInt64();
  s.total_views = row.OptionalInt64();
  s.avg_likes = row.OptionalDouble();
  s.avg_comments = row.OptionalDouble();
  s.avg_views = row.OptionalDouble();
  s.avg_shares = row.OptionalDouble();
  s.engagement_rate = row.OptionalDouble();
  s.authentic_engagement = row.OptionalDouble();
  s.followers_gain = row.OptionalInt64();
  s.views_gain = row.OptionalInt64();
  s.period_days = row.OptionalInt32();
  s.extra_json = row.Text();
  return s;
}

User ReadUser(PgRowReader& row) {
  User u;
  u.id = row.Int64();
  u.name = row.Text();
  u.role = row.Enum(&ParseRole);
  u.api_key_hash = row.Text();
  u.created_at = row.Int64();
  return u;
}

AlertRule ReadAlertRule(PgRowReader& row) {
  AlertRule r;
  r.id = row.Int64();
  r.owner_user_id = row.Int64();
  r.name = row.Text();
  r.condition_json = row.Text();
  r.enabled = row.Bool();
  r.created_at = row.Int64();
  return r;
}

AlertEvent ReadAlertEvent(PgRowReader& row) {
  AlertEvent e;
  e.id = row.Int64();
  e.rule_id = row.Int64();
  e.creator_id = row.Int64();
  e.fired_at = row.Int64();
  e.payload_json = row.Text();
  e.owner_user_id = row.Int64();
  return e;
}

AlertState ReadAlertState(PgRowReader& row) {
  AlertState s;
  s.rule_id = row.Int64();
  s.creator_id = row.Int64();
  s.inside = row.Bool();
  s.reference = row.OptionalDouble();
  s.last_fired_at = row.OptionalInt64();
  s.updated_at = row.Int64();
  s.revision = row.Int64();
  return s;
}

// kCommitAlertEvaluation's `stale` column: "rule creator rule creator ...".
Result<std::vector<Store::AlertStateKey>> ParseStateKeys(std::string_view text) {
  std::vector<int64_t> numbers;
  for (size_t at = 0; at < text.size();) {
    const size_t end = std::min(text.find(' ', at), text.size());
    int64_t number = 0;
    const auto [ptr, ec] = std::from_chars(text.data() + at, text.data() + end, number);
    if (ec != std::errc() || ptr != text.data() + end) {
      return Internal("alert evaluation: cannot read the stale states '" + std::string(text) +
                      "'");
    }
    numbers.push_back(number);
    at = end + 1;
  }
  if (numbers.size() % 2 != 0) {
    return Internal("alert evaluation: odd stale states '" + std::string(text) + "'");
  }
  std::vector<Store::AlertStateKey> keys;
  for (size_t i = 0; i < numbers.size(); i += 2) keys.push_back({numbers[i], numbers[i + 1]});
  return keys;
}

Webhook ReadWebhook(PgRowReader& row) {
  Webhook w;
  w.id = row.Int64();
  w.owner_user_id = row.Int64();
  w.url = row.Text();
  w.secret = row.Text();
  w.enabled = row.Bool();
  w.created_at = row.Int64();
  return w;
}

WebhookDelivery ReadDelivery(PgRowReader& row) {
  WebhookDelivery d;
  d.id = row.Int64();
  d.webhook_id = row.Int64();
  d.event_id = row.Int64();
  d.state = row.Enum(&ParseDeliveryState);
  d.attempts = static_cast<int32_t>(row.Int64());
  d.next_attempt_at = row.Int64();
  d.last_status = row.OptionalInt32();
  d.last_error = row.Text();
  d.updated_at = row.Int64();
  return d;
}

Store::DueDelivery ReadDueDelivery(PgRowReader& row) {
  Store::DueDelivery due;
  due.delivery = ReadDelivery(row);
  due.webhook = ReadWebhook(row);
  due.event = ReadAlertEvent(row);
  return due;
}

// A PostgreSQL array literal such as {1,NULL,"a \"quoted\" word"}, built element by element for
// the parallel-array parameters of kCommitAlertEvaluation. Text elements are always quoted,
// so no value can read as NULL or split the list.
class ArrayLiteral {
 public:
  ArrayLiteral& Int64(int64_t value) { return Raw(std::to_string(value)); }
  ArrayLiteral& Bool(bool value) { return Raw(value ? "t" : "f"); }
  ArrayLiteral& Double(double value) {
    char buffer[32];
    // Shortest text that reads back as the same double (the value is finite).
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return Raw(std::string_view(buffer, ec == std::errc() ? end : buffer));
  }
  template <typename T>
  ArrayLiteral& Optional(const std::optional<T>& value) {
    if (!value) return Raw("NULL");
    if constexpr (std::is_same_v<T, double>) {
      return Double(*value);
    } else {
      return Int64(*value);
    }
  }
  ArrayLiteral& Text(std::string_view value) {
    Separate();
    text_ += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') text_ += '\\';
      text_ += c;
    }
    text_ += '"';
    return *this;
  }
  std::string str() const { return "{" + text_ + "}"; }

 private:
  ArrayLiteral& Raw(std::string_view element) {
    Separate();
    text_ += element;
    return *this;
  }
  void Separate() {
    if (!text_.empty()) text_ += ',';
  }
  std::string text_;
};

ModelRecord ReadModel(PgRowReader& row) {
  ModelRecord m;
  m.id = row.Int64();
  m.kind = row.Text();
  m.version = row.Text();
  m.artifact_path = row.Text();
  m.data_hash = row.Text();
  m.manifest_json = row.Text();
  m.metrics_json = row.Text();
  m.created_at = row.Int64();
  return m;
}

InferredNiche ReadInferredNiche(PgRowReader& row) {
  InferredNiche n;
  n.creator_id = row.Int64();
  n.niche = row.Text();
  n.confidence = row.OptionalDouble().value_or(0);
  n.method = row.Text();
  n.model_version = row.Text();
  n.inferred_at = row.Int64();
  return n;
}

MarketValue ReadMarketValueWithoutEvidence(PgRowReader& row) {
  MarketValue v;
  v.id = row.Int64();
  v.creator_id = row.Int64();
  v.platform = row.Enum(&ParsePlatform);
  v.creator_handle = row.Text();
  v.as_of = row.Int64();
  v.horizon_days = static_cast<int32_t>(row.Int64());
  v.model_version = row.Text();
  v.computed_at = row.Int64();
  v.niche = row.Text();
  v.followers = row.OptionalInt64();
  v.format = row.Text();
  v.engagement_per_post = row.Double();
  v.engagement_low = row.Double();
  v.engagement_high = row.Double();
  v.views_per_post = row.OptionalDouble();
  v.views_low = row.OptionalDouble();
  v.views_high = row.OptionalDouble();
  v.follower_gain = row.OptionalDouble();
  v.follower_gain_low = row.OptionalDouble();
  v.follower_gain_high = row.OptionalDouble();
  v.fee_low = row.Double();
  v.fee_mid = row.Double();
  v.fee_high = row.Double();
  v.score = row.Double();
  v.niche_score = row.OptionalDouble();
  v.tier = row.Text();
  v.momentum = row.Double();
  v.evidence_json.clear();
  return v;
}

MarketValue ReadMarketValue(PgRowReader& row) {
  MarketValue v = ReadMarketValueWithoutEvidence(row);
  v.evidence_json = row.Text();
  return v;
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
  if (!json.is_array()) return DataLoss("postgres: stored niche_tags is not a JSON array");
  std::vector<std::string> tags;
  tags.reserve(json.size());
  for (const nlohmann::json& tag : json) {
    if (!tag.is_string()) return DataLoss("postgres: stored niche_tags holds a non-text value");
    tags.push_back(tag.get<std::string>());
  }
  return tags;
}

Ingestion ReadIngestion(PgRowReader& row) {
  Ingestion i;
  i.id = row.Int64();
  i.user_id = row.OptionalInt64().value_or(0);
  i.creator_id = row.Int64();
  i.payload_json = row.Text();
  i.received_at = row.Int64();
  return i;
}

Draft ReadDraftWithoutImage(PgRowReader& row) {
  Draft d;
  d.id = row.Int64();
  d.owner_user_id = row.Int64();
  d.creator_id = row.OptionalInt64();
  d.caption = row.Text();
  d.media_type = row.Enum(&ParseMediaType);
  d.sponsored = row.Bool();
  d.planned_at = row.OptionalInt64();
  d.image_content_type = row.Text();
  d.created_at = row.Int64();
  d.updated_at = row.Int64();
  d.image_size = row.Int64();
  return d;
}

Draft ReadDraft(PgRowReader& row) {
  Draft d = ReadDraftWithoutImage(row);
  d.image_bytes = row.Bytea();
  return d;
}

std::optional<int64_t> UserIdOrNull(int64_t user_id) {
  return user_id == 0 ? std::nullopt : std::optional<int64_t>(user_id);
}

std::string DraftLabel(int64_t owner_user_id, int64_t draft_id) {
  return "draft " + std::to_string(draft_id) + " of user " + std::to_string(owner_user_id);
}

template <typename T>
Result<std::vector<T>> ReadAll(const PGresult* result, T (*read)(PgRowReader&)) {
  std::vector<T> out;
  const int rows = PQntuples(result);
  out.reserve(rows);
  for (int i = 0; i < rows; ++i) {
    PgRowReader reader(result, i);
    out.push_back(read(reader));
    SPHERE_RETURN_IF_ERROR(reader.status());
  }
  return out;
}

template <typename T>
Result<std::optional<T>> ReadOptional(const PGresult* result, T (*read)(PgRowReader&)) {
  if (PQntuples(result) == 0) return std::optional<T>();
  PgRowReader reader(result, 0);
  T value = read(reader);
  SPHERE_RETURN_IF_ERROR(reader.status());
  return std::optional<T>(std::move(value));
}

// The id a RETURNING id statement produced.
Result<int64_t> ReturnedId(const PGresult* result) {
  if (PQntuples(result) != 1) return Internal("postgres: an insert returned no id");
  PgRowReader reader(result, 0);
  const int64_t id = reader.Int64();
  SPHERE_RETURN_IF_ERROR(reader.status());
  return id;
}

// ---- validation: refuse what the schema would refuse, naming the record and field ----

std::string Describe(const Creator& c) {
  return "creator " + std::string(ToString(c.platform)) + "/@" + c.handle;
}
std::string Describe(const Post& p) {
  return "post " + std::string(ToString(p.platform)) + "/" + p.external_id + " of @" +
         p.creator_handle;
}
std::string Describe(const Snapshot& s) {
  return "snapshot of " + std::string(ToString(s.platform)) + "/@" + s.creator_handle + " from '" +
         s.source + "' taken at " + FormatIsoTime(s.taken_at);
}
std::string Describe(const User& u) { return "user '" + u.name + "'"; }
std::string Describe(const AlertRule& r) { return "alert rule '" + r.name + "'"; }
std::string Describe(const AlertEvent& e) {
  return "alert event of rule " + std::to_string(e.rule_id);
}
std::string Describe(const ModelRecord& m) { return "model " + m.kind + "/" + m.version; }
std::string Describe(const ImportRecord& r) { return "import of " + r.path; }
std::string Describe(const MarketValue& v) {
  return "market value of creator " + std::to_string(v.creator_id) + " as of " +
         FormatIsoTime(v.as_of);
}

std::string Describe(const Ingestion& i) {
  return "ingestion for creator " + std::to_string(i.creator_id);
}

// Checks the fields of one record and keeps the first problem, described as
// "<record>: <field> <rule>". The record is only described when something is wrong.
template <typename Record>
class FieldChecker {
 public:
  explicit FieldChecker(const Record& record) : record_(record) {}

  FieldChecker& NotEmpty(std::string_view field, std::string_view value) {
    if (value.empty()) Fail(field, "must not be empty");
    return *this;
  }
  FieldChecker& Text(std::string_view field, std::string_view value) {
    if (std::optional<std::string> problem = TextProblem(value)) Fail(field, *problem);
    return *this;
  }
  FieldChecker& OptionalText(std::string_view field, const std::optional<std::string>& value) {
    return value ? Text(field, *value) : *this;
  }
  FieldChecker& NotNegative(std::string_view field, std::optional<int64_t> value) {
    if (value && *value < 0) Fail(field, "must not be negative, got " + std::to_string(*value));
    return *this;
  }
  FieldChecker& Positive(std::string_view field, std::optional<int64_t> value) {
    if (value && *value <= 0) Fail(field, "must be positive, got " + std::to_string(*value));
    return *this;
  }
  FieldChecker& Finite(std::string_view field, std::optional<double> value) {
    if (value && !std::isfinite(*value)) Fail(field, "must be a finite number");
    return *this;
  }
  FieldChecker& JsonObject(std::string_view field, std::string_view value) {
    Text(field, value);
    const size_t start = value.find_first_not_of(" \t\r\n");
    // Valid JSON that starts with '{' is an object.
    if (start == std::string_view::npos || value[start] != '{' || !nlohmann::json::accept(value)) {
      Fail(field, "must be a JSON object");
    }
    return *this;
  }
  // `spelling` is ToString of an enum value, "?" when the value is out of range.
  FieldChecker& Known(std::string_view field, std::string_view spelling) {
    if (spelling == "?") Fail(field, "is not one of the known values");
    return *this;
  }

  const Status& status() const { return status_; }

 private:
  void Fail(std::string_view field, std::string_view problem) {
    if (!status_.ok()) return;
    status_ =
        InvalidArgument(Describe(record_) + ": " + std::string(field) + " " + std::string(problem));
  }

  const Record& record_;
  Status status_;
};

Status Validate(const Creator& c) {
  return FieldChecker(c)
      .Known("platform", ToString(c.platform))
      .NotEmpty("handle", c.handle)
      .Text("handle", c.handle)
      .Text("display_name", c.display_name)
      .OptionalText("niche", c.niche)
      .NotNegative("followers", c.followers)
      .NotNegative("following", c.following)
      .NotNegative("posts_count", c.posts_count)
      .OptionalText("country", c.country)
      .Text("source", c.source)
      .status();
}

Status Validate(const Post& p) {
  return FieldChecker(p)
      .Known("platform", ToString(p.platform))
      .NotEmpty("creator_handle", p.creator_handle)
      .Text("creator_handle", p.creator_handle)
      .NotEmpty("external_id", p.external_id)
      .Text("external_id", p.external_id)
      .Known("media_type", ToString(p.media_type))
      .Text("caption", p.caption)
      .NotNegative("likes", p.likes)
      .NotNegative("comments", p.comments)
      .NotNegative("views", p.views)
      .NotNegative("shares", p.shares)
      .Text("image_description", p.image_description)
      .Positive("width", p.width)
      .Positive("height", p.height)
      .Text("location", p.location)
      .Text("source", p.source)
      .JsonObject("extra_json", p.extra_json)
      .status();
}

Status Validate(const Snapshot& s) {
  return FieldChecker(s)
      .Known("platform", ToString(s.platform))
      .NotEmpty("creator_handle", s.creator_handle)
      .Text("creator_handle", s.creator_handle)
      .Text("source", s.source)
      .NotNegative("followers", s.followers)
      .NotNegative("following", s.following)
      .NotNegative("posts_count", s.posts_count)
      .NotNegative("total_views", s.total_views)
      .Finite("avg_likes", s.avg_likes)
      .Finite("avg_comments", s.avg_comments)
      .Finite("avg_views", s.avg_views)
      .Finite("avg_shares", s.avg_shares)
      .Finite("engagement_rate", s.engagement_rate)
      .Finite("authentic_engagement", s.authentic_engagement)
      .Positive("period_days", s.period_days)
      .JsonObject("extra_json", s.extra_json)
      .status();
}

Status Validate(const User& u) {
  return FieldChecker(u)
      .Text("name", u.name)
      .Known("role", ToString(u.role))
      .NotEmpty("api_key_hash", u.api_key_hash)
      .Text("api_key_hash", u.api_key_hash)
      .status();
}

Status Validate(const AlertRule& r) {
  return FieldChecker(r)
      .Text("name", r.name)
      .JsonObject("condition_json", r.condition_json)
      .status();
}

Status Validate(const AlertEvent& e) {
  return FieldChecker(e).JsonObject("payload_json", e.payload_json).status();
}

Status Validate(const ModelRecord& m) {
  return FieldChecker(m)
      .NotEmpty("kind", m.kind)
      .Text("kind", m.kind)
      .NotEmpty("version", m.version)
      .Text("version", m.version)
      .Text("artifact_path", m.artifact_path)
      .Text("data_hash", m.data_hash)
      .JsonObject("manifest_json", m.manifest_json)
      .JsonObject("metrics_json", m.metrics_json)
      .status();
}

Status Validate(const ImportRecord& r) {
  return FieldChecker(r)
      .NotEmpty("path", r.path)
      .Text("path", r.path)
      .Text("sha256", r.sha256)
      .Text("format", r.format)
      .NotNegative("rows_loaded", r.rows_loaded)
      .NotNegative("rows_rejected", r.rows_rejected)
      .status();
}

Status Validate(const MarketValue& v) {
  SPHERE_RETURN_IF_ERROR(ValidateMarketValue(v));
  return FieldChecker(v)
      .Text("model_version", v.model_version)
      .Text("niche", v.niche)
      .Text("format", v.format)
      .Text("tier", v.tier)
      .JsonObject("evidence_json", v.evidence_json)
      .status();
}

Status Validate(const Ingestion& i) {
  SPHERE_RETURN_IF_ERROR(ValidateIngestion(i));
  return FieldChecker(i).JsonObject("payload_json", i.payload_json).status();
}

Status ValidateBatch(const ImportBatch& batch) {
  for (const Creator& c : batch.creators) SPHERE_RETURN_IF_ERROR(Validate(c));
  for (const Post& p : batch.posts) SPHERE_RETURN_IF_ERROR(Validate(p));
  for (const Snapshot& s : batch.snapshots) SPHERE_RETURN_IF_ERROR(Validate(s));
  return Status::Ok();
}

// Whether `status` reports a violation of the named foreign key (its name is in the
// message, see StatusFromResult).
bool IsForeignKeyViolation(const Status& status, std::string_view constraint) {
  return status.code() == Code::kInvalidArgument &&
         status.message().find(constraint) != std::string::npos;
}

// Whether a write failed because a row it refers to was deleted by another session while
// it ran (a foreign key to a rule or webhook that its snapshot still showed).
bool IsRaceWithADelete(const Status& status) {
  for (std::string_view constraint : {"alert_state_rule_id_fkey", "alert_event_rule_id_fkey",
                                      "webhook_delivery_webhook_id_fkey"}) {
    if (IsForeignKeyViolation(status, constraint)) return true;
  }
  return false;
}

// ---- batch keys ----

// (platform, text) naming a creator by handle or a post by external_id. The views
// point into the batch being written, which outlives every map that holds them.
struct PlatformKey {
  Platform platform;
  std::string_view text;
  bool operator==(const PlatformKey&) const = default;
};
struct PlatformKeyHash {
  size_t operator()(const PlatformKey& key) const {
    return std::hash<std::string_view>()(key.text) * 31 + static_cast<size_t>(key.platform);
  }
};

struct SnapshotKey {
  int64_t creator_id;
  std::string_view source;
  UnixSeconds taken_at;
  bool operator==(const SnapshotKey&) const = default;
};
struct SnapshotKeyHash {
  size_t operator()(const SnapshotKey& key) const {
    size_t hash = std::hash<std::string_view>()(key.source);
    hash = hash * 31 + std::hash<int64_t>()(key.creator_id);
    return hash * 31 + std::hash<int64_t>()(key.taken_at);
  }
};

struct MarketValueKey {
  int64_t creator_id;
  UnixSeconds as_of;
  int32_t horizon_days;
  std::string_view model_version;
  bool operator==(const MarketValueKey&) const = default;
};
struct MarketValueKeyHash {
  size_t operator()(const MarketValueKey& key) const {
    size_t hash = std::hash<std::string_view>()(key.model_version);
    hash = hash * 31 + std::hash<int64_t>()(key.creator_id);
    hash = hash * 31 + std::hash<int64_t>()(key.as_of);
    return hash * 31 + std::hash<int32_t>()(key.horizon_days);
  }
};

using CreatorIds = std::unordered_map<PlatformKey, int64_t, PlatformKeyHash>;
constexpr int64_t kUnresolvedCreator = 0;  // identity ids start at 1

// One profile field of the creators folded from a batch (see FoldedCreator).
template <typename T>
struct Observed {
  std::optional<T> first;  // the first known value in the batch
  std::optional<T> last;   // the last known value of a record not older than its predecessors
  UnixSeconds last_as_of = 0;

  void Observe(const std::optional<T>& incoming, UnixSeconds incoming_as_of, bool not_older) {
    if (!incoming) return;
    if (!first) first = incoming;
    if (not_older) {
      last = incoming;
      last_as_of = incoming_as_of;
    }
  }
};

std::optional<std::string_view> NonEmpty(std::string_view text) {
  if (text.empty()) return std::nullopt;
  return text;
}
std::optional<std::string_view> NonEmptyOptional(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  return std::string_view(*text);
}

// All records of one creator in a batch, folded so that merging the fold into the
// stored row S gives exactly what merging the records one by one would.
//
// Call a record "leading" when it is not older than any record before it in the batch;
// only leading records can pass the stats_as_of test, and their stats_as_of never
// decreases, so those that S lets through form a suffix. Per field, then:
// - if S knows the field, the winner is the last leading record's known value when that
//   record is not older than S (the suffix reaches it), else S's value;
// - if S does not know it, the first known value in the batch fills it, and a later
//   leading value replaces it under the same test as above; that is, the last leading
//   value when it is not older than S, else the first value.
// So each field needs its first value and its last leading value with that record's
// stats_as_of: MergeCreatorsSql applies exactly these two cases.
struct FoldedCreator {
  Platform platform;
  std::string_view handle;
  UnixSeconds stats_as_of = 0;  // the newest of the batch
  Observed<std::string_view> display_name;
  Observed<std::string_view> niche;
  Observed<int64_t> followers;
  Observed<int64_t> following;
  Observed<int64_t> posts_count;
  Observed<std::string_view> country;
  Observed<bool> verified;
  Observed<std::string_view> source;

  explicit FoldedCreator(const Creator& first)
      : platform(first.platform), handle(first.handle), stats_as_of(first.stats_as_of) {
    Observe(first, /*leading=*/true);
  }

  void Merge(const Creator& c) {
    const bool leading = c.stats_as_of >= stats_as_of;
    stats_as_of = std::max(stats_as_of, c.stats_as_of);
    Observe(c, leading);
  }

 private:
  void Observe(const Creator& c, bool leading) {
    const UnixSeconds t = c.stats_as_of;
    display_name.Observe(NonEmpty(c.display_name), t, leading);
    niche.Observe(NonEmptyOptional(c.niche), t, leading);
    followers.Observe(c.followers, t, leading);
    following.Observe(c.following, t, leading);
    posts_count.Observe(c.posts_count, t, leading);
    country.Observe(NonEmptyOptional(c.country), t, leading);
    verified.Observe(c.verified, t, leading);
    source.Observe(NonEmpty(c.source), t, leading);
  }
};

std::vector<FoldedCreator> FoldCreators(const std::vector<Creator>& creators) {
  std::vector<FoldedCreator> folded;
  std::unordered_map<PlatformKey, size_t, PlatformKeyHash> index;
  index.reserve(creators.size());
  for (const Creator& c : creators) {
    auto [it, inserted] = index.try_emplace(PlatformKey{c.platform, c.handle}, folded.size());
    if (inserted) {
      folded.emplace_back(c);
    } else {
      folded[it->second].Merge(c);
    }
  }
  return folded;
}

template <typename T>
void EncodeObserved(CopyTextEncoder& out, const Observed<T>& field) {
  out.Optional(field.last);
  if (field.last) {
    out.Int64(field.last_as_of);
  } else {
    out.Null();
  }
  out.Optional(field.first);
}

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(PgConnection conn) : conn_(std::move(conn)) {}

  using Store::ForEachLatestMarketValue;  // the overload that reads the evidence

  Result<int> SchemaVersion() override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    return postgres::AppliedSchemaVersion(conn_);
  }

  Result<WriteCounts> WriteBatch(const ImportBatch& batch) override {
    if (batch.empty()) return WriteCounts{};
    SPHERE_RETURN_IF_ERROR(ValidateBatch(batch));
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_RETURN_IF_ERROR(EnsureStagingTables());
    SPHERE_ASSIGN_OR_RETURN(PgTransaction transaction, PgTransaction::Begin(conn_));
    WriteCounts counts;
    if (!batch.creators.empty()) {
      SPHERE_ASSIGN_OR_RETURN(counts.creators_written, UpsertCreators(batch.creators));
    }
    SPHERE_ASSIGN_OR_RETURN(CreatorIds creator_ids, ResolveCreatorIds(batch));
    if (!batch.posts.empty()) {
      SPHERE_ASSIGN_OR_RETURN(counts.posts_written, UpsertPosts(batch.posts, creator_ids));
    }
    if (!batch.snapshots.empty()) {
      SPHERE_ASSIGN_OR_RETURN(counts.snapshots_written,
                              UpsertSnapshots(batch.snapshots, creator_ids));
    }
    SPHERE_RETURN_IF_ERROR(transaction.Commit());
    return counts;
  }

  Status RecordImport(const ImportRecord& record) override {
    SPHERE_RETURN_IF_ERROR(Validate(record));
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    return conn_
        .Run(kRecordImport, PgParams()
                                .Add(record.path)
                                .Add(record.sha256)
                                .Add(record.format)
                                .Add(record.rows_loaded)
                                .Add(record.rows_rejected)
                                .Add(record.finished_at))
        .status();
  }

  Result<std::vector<ImportRecord>> ListImports() override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result, conn_.Run(kListImports));
    return ReadAll<ImportRecord>(result.get(), [](PgRowReader& row) {
      ImportRecord r;
      r.path = row.Text();
      r.sha256 = row.Text();
      r.format = row.Text();
      r.rows_loaded = row.Int64();
      r.rows_rejected = row.Int64();
      r.finished_at = row.Int64();
      return r;
    });
  }

  Result<std::optional<Creator>> FindCreator(Platform platform, std::string_view handle) override {
    const std::string normalized = NormalizeHandle(handle);
    // A handle PostgreSQL cannot store names no stored creator.
    if (normalized.empty() || TextProblem(normalized)) return std::optional<Creator>();
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(
        PgResultPtr result,
        conn_.Run(kFindCreator, PgParams().Add(ToString(platform)).Add(normalized)));
    return ReadOptional(result.get(), &ReadCreator);
  }

  Result<std::optional<Creator>> GetCreator(int64_t creator_id) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result, conn_.Run(kGetCreator, PgParams().Add(creator_id)));
    return ReadOptional(result.get(), &ReadCreator);
  }

  Result<std::vector<Post>> PostsOf(int64_t creator_id) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result, conn_.Run(kPostsOf, PgParams().Add(creator_id)));
    return ReadAll(result.get(), &ReadPost);
  }

  Result<std::vector<Snapshot>> SnapshotsOf(int64_t creator_id) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result,
                            conn_.Run(kSnapshotsOf, PgParams().Add(creator_id)));
    return ReadAll(result.get(), &ReadSnapshot);
  }

  Status ForEachCreator(const std::function<Status(const Creator&)>& visit) override {
    return ForEachRow(kCreatorsPage, &ReadCreator, visit);
  }
  Status ForEachPost(const std::function<Status(const Post&)>& visit) override {
    return ForEachRow(kPostsPage, &ReadPost, visit);
  }
  Status ForEachSnapshot(const std::function<Status(const Snapshot&)>& visit) override {
    return ForEachRow(kSnapshotsPage, &ReadSnapshot, visit);
  }

  Result<StoreStats> Stats() override;

  Result<User> CreateUser(const User& user) override {
    SPHERE_RETURN_IF_ERROR(Validate(user));
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    Result<PgResultPtr> result = conn_.Run(kCreateUser, PgParams()
                                                            .Add(user.name)
                                                            .Add(ToString(user.role))
                                                            .Add(user.api_key_hash)
                                                            .Add(user.created_at));
    // The server's message would quote the key hash; keep it out of logs.
    if (!result.ok() && result.error().code() == Code::kAlreadyExists) {
      return AlreadyExists("a user with this api_key_hash already exists");
    }
    if (!result.ok()) return result.error();
    User created = user;
    SPHERE_ASSIGN_OR_RETURN(created.id, ReturnedId(result->get()));
    return created;
  }

  Result<std::optional<User>> FindUserByKeyHash(std::string_view api_key_hash) override {
    if (api_key_hash.empty() || TextProblem(api_key_hash)) return std::optional<User>();
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result,
                            conn_.Run(kFindUserByKeyHash, PgParams().Add(api_key_hash)));
    return ReadOptional(result.get(), &ReadUser);
  }

  Result<std::vector<User>> ListUsers() override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result, conn_.Run(kListUsers));
    return ReadAll(result.get(), &ReadUser);
  }

  Result<std::optional<User>> GetUser(int64_t user_id) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result, conn_.Run(kGetUser, PgParams().Add(user_id)));
    return ReadOptional(result.get(), &ReadUser);
  }

  Result<AlertRule> CreateAlertRule(const AlertRule& rule) override {
    SPHERE_RETURN_IF_ERROR(Validate(rule));
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    Result<PgResultPtr> result = conn_.Run(kCreateAlertRule, PgParams()
                                                                 .Add(rule.owner_user_id)
                                                                 .Add(rule.name)
                                                                 .Add(rule.condition_json)
                                                                 .Add(rule.enabled)
                                                                 .Add(rule.created_at));
    if (!result.ok() && IsForeignKeyViolation(result.error(), "alert_rule_owner_user_id_fkey")) {
      return InvalidArgument(Describe(rule) + ": owner_user_id " +
                             std::to_string(rule.owner_user_id) + " names no user");
    }
    if (!result.ok()) return result.error();
    AlertRule created = rule;
    SPHERE_ASSIGN_OR_RETURN(created.id, ReturnedId(result->get()));
    return created;
  }

  Result<std::vector<AlertRule>> ListAlertRules(int64_t owner_user_id) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result,
                            conn_.Run(kListAlertRules, PgParams().Add(owner_user_id)));
    return ReadAll(result.get(), &ReadAlertRule);
  }

  Result<AlertRule> GetAlertRule(int64_t owner_user_id, int64_t rule_id) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result,
                            conn_.Run(kGetAlertRule, PgParams().Add(rule_id).Add(owner_user_id)));
    SPHERE_ASSIGN_OR_RETURN(std::optional<AlertRule> rule,
                            ReadOptional(result.get(), &ReadAlertRule));
    // Someone else's rule is reported exactly like a missing one, so ids reveal nothing.
    if (!rule) {
      return NotFound("alert rule " + std::to_string(rule_id) + " of user " +
                      std::to_string(owner_user_id));
    }
    return *std::move(rule);
  }

  Status DeleteAlertRule(int64_t owner_user_id, int64_t rule_id) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(
        PgResultPtr result,
        conn_.Run(kDeleteAlertRule, PgParams().Add(rule_id).Add(owner_user_id)));
    if (AffectedRows(result.get()) == 0) {
      return NotFound("alert rule " + std::to_string(rule_id) + " of user " +
                      std::to_string(owner_user_id));
    }
    return Status::Ok();
  }

  Result<AlertEvent> AppendAlertEvent(const AlertEvent& event) override {
    SPHERE_RETURN_IF_ERROR(Validate(event));
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    Result<PgResultPtr> result = conn_.Run(kAppendAlertEvent, PgParams()
                                                                  .Add(event.rule_id)
                                                                  .Add(event.creator_id)
                                                                  .Add(event.fired_at)
                                                                  .Add(event.payload_json));
    if (!result.ok() && IsForeignKeyViolation(result.error(), "alert_event_rule_id_fkey")) {
      return InvalidArgument(Describe(event) + ": rule_id " + std::to_string(event.rule_id) +
                             " names no alert rule");
    }
    if (!result.ok() && IsForeignKeyViolation(result.error(), "alert_event_creator_id_fkey")) {
      return InvalidArgument(Describe(event) + ": creator_id " + std::to_string(event.creator_id) +
                             " names no creator");
    }
    if (!result.ok()) return result.error();
    AlertEvent appended = event;
    if (PQntuples(result->get()) != 1) return Internal("postgres: an insert returned no id");
    PgRowReader row(result->get(), 0);
    appended.id = row.Int64();
    appended.owner_user_id = row.Int64();
    SPHERE_RETURN_IF_ERROR(row.status());
    return appended;
  }

  Result<std::vector<AlertEvent>> ListAlertEvents(int64_t owner_user_id, int64_t after_id,
                                                  int limit) override {
    if (limit <= 0) return InvalidArgument("limit must be positive, got " + std::to_string(limit));
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(
        PgResultPtr result,
        conn_.Run(kListAlertEvents, PgParams().Add(owner_user_id).Add(after_id).Add(limit)));
    return ReadAll(result.get(), &ReadAlertEvent);
  }

  Result<std::vector<AlertRule>> ListEnabledAlertRules() override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result, conn_.Run(kListEnabledAlertRules));
    return ReadAll(result.get(), &ReadAlertRule);
  }

  Result<AlertRulesFingerprint> EnabledAlertRulesFingerprint() override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result, conn_.Run(kEnabledAlertRulesFingerprint));
    if (PQntuples(result.get()) != 1) {
      return Internal("the alert rule fingerprint returned no row");
    }
    PgRowReader row(result.get(), 0);
    AlertRulesFingerprint fingerprint;
    fingerprint.count = row.Int64();
    fingerprint.max_id = row.Int64();
    fingerprint.id_sum = row.Int64();
    SPHERE_RETURN_IF_ERROR(row.status());
    return fingerprint;
  }

  Result<std::vector<AlertState>> AlertStatesOf(int64_t creator_id) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result,
                            conn_.Run(kAlertStatesOf, PgParams().Add(creator_id)));
    return ReadAll(result.get(), &ReadAlertState);
  }

  // Runs inside every ingest that touches a watched creator: one statement, one round trip.
  Result<AlertCommit> CommitAlertEvaluation(const std::vector<AlertState>& states,
                                            const std::vector<AlertEvent>& events) override {
    for (const AlertState& s : states) {
      if (s.reference && !std::isfinite(*s.reference)) {
        return InvalidArgument("alert state of rule " + std::to_string(s.rule_id) +
                               " for creator " + std::to_string(s.creator_id) +
                               ": reference must be a finite number");
      }
    }
    for (const AlertEvent& e : events) SPHERE_RETURN_IF_ERROR(Validate(e));
    if (states.empty() && events.empty()) return AlertCommit();

    ArrayLiteral rule_ids, creator_ids, inside, references, last_fired, updated, revisions;
    for (const AlertState* s : store_internal::LastStatePerKey(states)) {
      rule_ids.Int64(s->rule_id);
      creator_ids.Int64(s->creator_id);
      inside.Bool(s->inside);
      references.Optional(s->reference);
      last_fired.Optional(s->last_fired_at);
      updated.Int64(s->updated_at);
      revisions.Int64(s->revision);
    }
    ArrayLiteral event_rules, event_creators, fired, payloads;
    for (const AlertEvent& e : events) {
      event_rules.Int64(e.rule_id);
      event_creators.Int64(e.creator_id);
      fired.Int64(e.fired_at);
      payloads.Text(e.payload_json);
    }
    const PgParams params = PgParams()
                                .Add(rule_ids.str())
                                .Add(creator_ids.str())
                                .Add(inside.str())
                                .Add(references.str())
                                .Add(last_fired.str())
                                .Add(updated.str())
                                .Add(revisions.str())
                                .Add(event_rules.str())
                                .Add(event_creators.str())
                                .Add(fired.str())
                                .Add(payloads.str());
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    Result<PgResultPtr> result = conn_.Run(kCommitAlertEvaluation, params);
    // A rule or webhook deleted after the statement's snapshot was taken but before its
    // foreign keys were checked: run again, and the new snapshot skips it.
    if (!result.ok() && IsRaceWithADelete(result.error())) {
      result = conn_.Run(kCommitAlertEvaluation, params);
    }
    if (!result.ok()) return result.error().WithContext("alert evaluation");
    const PGresult* rows = result->get();
    AlertCommit commit;
    commit.events.reserve(PQntuples(rows));
    for (int i = 0; i < PQntuples(rows); ++i) {
      PgRowReader row(rows, i);
      if (std::optional<int64_t> missing = row.OptionalInt64()) {
        SPHERE_RETURN_IF_ERROR(row.status());
        return NotFound("alert evaluation: creator_id " + std::to_string(*missing) +
                        " names no creator");
      }
      std::optional<std::string> stale = row.OptionalText();
      if (i == 0 && stale) {
        SPHERE_ASSIGN_OR_RETURN(commit.stale, ParseStateKeys(*stale));
      }
      if (row.NextIsNull()) break;  // no event appended: the one row `missing` gave
      AlertEvent e = ReadAlertEvent(row);
      SPHERE_RETURN_IF_ERROR(row.status());
      commit.events.push_back(std::move(e));
    }
    return commit;
  }

  Result<std::vector<AlertEvent>> ListAlertEventsAfter(int64_t after_id, int limit) override {
    SPHERE_RETURN_IF_ERROR(store_internal::PositiveLimit(limit));
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result,
                            conn_.Run(kListAlertEventsAfter, PgParams().Add(after_id).Add(limit)));
    return ReadAll(result.get(), &ReadAlertEvent);
  }

  Result<int64_t> LastAlertEventId() override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result, conn_.Run(kLastAlertEventId));
    if (PQntuples(result.get()) != 1) return Internal("max(alert_event.id) returned no row");
    PgRowReader row(result.get(), 0);
    const int64_t id = row.Int64();
    SPHERE_RETURN_IF_ERROR(row.status());
    return id;
  }

  Result<Webhook> CreateWebhook(const Webhook& webhook) override {
    SPHERE_RETURN_IF_ERROR(ValidateWebhook(webhook));
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    Result<PgResultPtr> result = conn_.Run(kCreateWebhook, PgParams()
                                                               .Add(webhook.owner_user_id)
                                                               .Add(webhook.url)
                                                               .Add(webhook.secret)
                                                               .Add(webhook.enabled)
                                                               .Add(webhook.created_at));
    if (!result.ok() && IsForeignKeyViolation(result.error(), "webhook_owner_user_id_fkey")) {
      return NotFound("webhook: owner_user_id " + std::to_string(webhook.owner_user_id) +
                      " names no user");
    }
    if (!result.ok()) return result.error();
    Webhook created = webhook;
    SPHERE_ASSIGN_OR_RETURN(created.id, ReturnedId(result->get()));
    return created;
  }

  Result<std::vector<Webhook>> ListWebhooks(int64_t owner_user_id) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result,
                            conn_.Run(kListWebhooks, PgParams().Add(owner_user_id)));
    return ReadAll(result.get(), &ReadWebhook);
  }

  Status DeleteWebhook(int64_t owner_user_id, int64_t webhook_id) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(
        PgResultPtr result,
        conn_.Run(kDeleteWebhook, PgParams().Add(webhook_id).Add(owner_user_id)));
    // Someone else's webhook is reported exactly like a missing one, so ids reveal nothing.
    if (AffectedRows(result.get()) == 0)
      return NotFound(store_internal::WebhookLabel(owner_user_id, webhook_id));
    return Status::Ok();
  }

  Result<std::vector<DueDelivery>> DueWebhookDeliveries(UnixSeconds now, int limit) override {
    SPHERE_RETURN_IF_ERROR(store_internal::PositiveLimit(limit));
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result,
                            conn_.Run(kDueWebhookDeliveries, PgParams().Add(now).Add(limit)));
    return ReadAll(result.get(), &ReadDueDelivery);
  }

  Status UpdateWebhookDelivery(const WebhookDelivery& delivery) override {
    const std::string label = "webhook delivery " + std::to_string(delivery.id);
    if (std::optional<std::string> problem = TextProblem(delivery.last_error)) {
      return InvalidArgument(label + ": last_error " + *problem);
    }
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    Result<PgResultPtr> result =
        conn_.Run(kUpdateWebhookDelivery, PgParams()
                                              .Add(ToString(delivery.state))
                                              .Add(delivery.attempts)
                                              .Add(delivery.next_attempt_at)
                                              .Add(delivery.last_status)
                                              .Add(delivery.last_error)
                                              .Add(delivery.updated_at)
                                              .Add(delivery.id));
    if (!result.ok()) return result.error().WithContext(label);
    if (AffectedRows(result->get()) == 0) return NotFound(label);
    return Status::Ok();
  }

  Result<std::vector<WebhookDelivery>> ListWebhookDeliveries(int64_t owner_user_id,
                                                             int64_t webhook_id,
                                                             std::optional<DeliveryState> state,
                                                             int limit) override {
    SPHERE_RETURN_IF_ERROR(store_internal::PositiveLimit(limit));
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    PgParams params;
    if (state) {
      params.Add(ToString(*state));
    } else {
      params.AddNull();
    }
    params.Add(webhook_id).Add(owner_user_id).Add(limit);
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result, conn_.Run(kListWebhookDeliveries, params));
    const int rows = PQntuples(result.get());
    if (rows == 0) return NotFound(store_internal::WebhookLabel(owner_user_id, webhook_id));
    std::vector<WebhookDelivery> deliveries;
    deliveries.reserve(rows);
    for (int i = 0; i < rows; ++i) {
      PgRowReader row(result.get(), i);
      if (row.NextIsNull()) break;  // the webhook has no such deliveries
      WebhookDelivery d = ReadDelivery(row);
      SPHERE_RETURN_IF_ERROR(row.status());
      deliveries.push_back(std::move(d));
    }
    return deliveries;
  }

  Result<WebhookDelivery> RequeueWebhookDelivery(int64_t owner_user_id, int64_t delivery_id,
                                                 UnixSeconds now) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result,
                            conn_.Run(kRequeueWebhookDelivery,
                                      PgParams().Add(now).Add(delivery_id).Add(owner_user_id)));
    SPHERE_ASSIGN_OR_RETURN(std::optional<WebhookDelivery> delivery,
                            ReadOptional(result.get(), &ReadDelivery));
    // Someone else's delivery is reported exactly like a missing one.
    if (!delivery) return NotFound(store_internal::DeliveryLabel(owner_user_id, delivery_id));
    return *std::move(delivery);
  }

  Result<ModelRecord> SaveModel(const ModelRecord& model) override {
    SPHERE_RETURN_IF_ERROR(Validate(model));
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    Result<PgResultPtr> result = conn_.Run(kSaveModel, PgParams()
                                                           .Add(model.kind)
                                                           .Add(model.version)
                                                           .Add(model.artifact_path)
                                                           .Add(model.data_hash)
                                                           .Add(model.manifest_json)
                                                           .Add(model.metrics_json)
                                                           .Add(model.created_at));
    if (!result.ok() && result.error().code() == Code::kAlreadyExists) {
      return AlreadyExists("model " + model.kind + " version " + model.version + " already exists");
    }
    if (!result.ok()) return result.error();
    ModelRecord saved = model;
    SPHERE_ASSIGN_OR_RETURN(saved.id, ReturnedId(result->get()));
    return saved;
  }

  Result<std::optional<ModelRecord>> LatestModel(std::string_view kind) override {
    if (TextProblem(kind)) return std::optional<ModelRecord>();
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result, conn_.Run(kLatestModel, PgParams().Add(kind)));
    return ReadOptional(result.get(), &ReadModel);
  }

  Result<std::vector<ModelRecord>> ListModels(std::string_view kind) override {
    if (TextProblem(kind)) return std::vector<ModelRecord>();
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result, conn_.Run(kListModels, PgParams().Add(kind)));
    return ReadAll(result.get(), &ReadModel);
  }

  // Like the snapshots of WriteBatch: COPY into a staging table, then one upsert. One
  // statement may not upsert a row twice, so a key that occurs more than once keeps the
  // place (and so the id order) of its first occurrence and the values of its last, which
  // is what writing the values one by one would leave.
  Status WriteMarketValues(const std::vector<MarketValue>& values) override {
    for (const MarketValue& v : values) SPHERE_RETURN_IF_ERROR(Validate(v));
    if (values.empty()) return Status::Ok();
    std::vector<const MarketValue*> staged;
    staged.reserve(values.size());
    std::unordered_map<MarketValueKey, size_t, MarketValueKeyHash> index;
    index.reserve(values.size());
    for (const MarketValue& v : values) {
      auto [it, inserted] = index.try_emplace(
          MarketValueKey{v.creator_id, v.as_of, v.horizon_days, v.model_version}, staged.size());
      if (inserted) {
        staged.push_back(&v);
      } else {
        staged[it->second] = &v;
      }
    }
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_RETURN_IF_ERROR(EnsureStagingTables());
    SPHERE_ASSIGN_OR_RETURN(PgTransaction transaction, PgTransaction::Begin(conn_));
    int64_t seq = 0;
    SPHERE_RETURN_IF_ERROR(CopyRows(StagingTable::kMarketValue, "stage market values",
                                    kCopyMarketValuesSql, staged,
                                    [&seq](const MarketValue* staged_value, CopyTextEncoder& out) {
                                      const MarketValue& v = *staged_value;
                                      out.Int64(seq++);
                                      out.Int64(v.creator_id);
                                      out.Int64(v.as_of);
                                      out.Int64(v.horizon_days);
                                      out.Text(v.model_version);
                                      out.Int64(v.computed_at);
                                      out.TextOrNull(v.niche);
                                      out.Optional(v.followers);
                                      out.TextOrNull(v.format);
                                      out.Double(v.engagement_per_post);
                                      out.Double(v.engagement_low);
                                      out.Double(v.engagement_high);
                                      out.Optional(v.views_per_post);
                                      out.Optional(v.views_low);
                                      out.Optional(v.views_high);
                                      out.Optional(v.follower_gain);
                                      out.Optional(v.follower_gain_low);
                                      out.Optional(v.follower_gain_high);
                                      out.Double(v.fee_low);
                                      out.Double(v.fee_mid);
                                      out.Double(v.fee_high);
                                      out.Double(v.score);
                                      out.Optional(v.niche_score);
                                      out.TextOrNull(v.tier);
                                      out.Double(v.momentum);
                                      out.Text(v.evidence_json);
                                    }));
    Result<PgResultPtr> upserted = conn_.Run(kUpsertMarketValues);
    if (!upserted.ok() && IsForeignKeyViolation(upserted.error(), "market_value_creator_id_fkey")) {
      // The server's detail names the creator: "Key (creator_id)=(42) is not present ...".
      return NotFound("market value: a creator_id names no creator: " + upserted.error().message());
    }
    if (!upserted.ok()) return upserted.error();
    return transaction.Commit();
  }

  Result<std::vector<MarketValue>> MarketValuesOf(int64_t creator_id) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result,
                            conn_.Run(kMarketValuesOf, PgParams().Add(creator_id)));
    return ReadAll(result.get(), &ReadMarketValue);
  }

  Status ForEachLatestMarketValue(const std::function<Status(const MarketValue&)>& visit,
                                  EvidenceColumn evidence) override {
    if (evidence == EvidenceColumn::kSkip) {
      return ForEachRow(kLatestMarketValuesPageWithoutEvidence, &ReadMarketValueWithoutEvidence,
                        visit, &MarketValue::creator_id);
    }
    return ForEachRow(kLatestMarketValuesPage, &ReadMarketValue, visit, &MarketValue::creator_id);
  }

  Status WriteInferredNiches(const std::vector<InferredNiche>& niches) override {
    for (const InferredNiche& n : niches) {
      SPHERE_RETURN_IF_ERROR(ValidateInferredNiche(n));
      if (TextProblem(n.model_version)) {
        return InvalidArgument("inferred niche of creator " + std::to_string(n.creator_id) +
                               ": model_version: " + *TextProblem(n.model_version));
      }
    }
    if (niches.empty()) return Status::Ok();
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgTransaction transaction, PgTransaction::Begin(conn_));
    for (const InferredNiche& n : niches) {
      Result<PgResultPtr> result = conn_.Run(kWriteInferredNiche, PgParams()
                                                                      .Add(n.creator_id)
                                                                      .Add(n.niche)
                                                                      .Add(n.confidence)
                                                                      .Add(n.method)
                                                                      .Add(n.model_version)
                                                                      .Add(n.inferred_at));
      if (!result.ok() && IsForeignKeyViolation(result.error(), "inferred_niche_creator_id_fkey")) {
        return NotFound("inferred niche: creator " + std::to_string(n.creator_id) +
                        " does not exist");
      }
      if (!result.ok()) {
        return result.error().WithContext("inferred niche of creator " +
                                          std::to_string(n.creator_id));
      }
    }
    return transaction.Commit();
  }

  Result<std::optional<InferredNiche>> InferredNicheOf(int64_t creator_id) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result,
                            conn_.Run(kInferredNicheOf, PgParams().Add(creator_id)));
    return ReadOptional(result.get(), &ReadInferredNiche);
  }

  Status PutCreatorNote(const CreatorNote& note) override {
    SPHERE_RETURN_IF_ERROR(ValidateCreatorNote(note));
    SPHERE_ASSIGN_OR_RETURN(std::string tags, EncodeTags(note.niche_tags));
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    Result<PgResultPtr> result =
        conn_.Run(kPutCreatorNote, PgParams()
                                       .Add(note.creator_id)
                                       .Add(tags)
                                       .Add(note.manual_notes)
                                       .Add(note.bio)
                                       .Add(UserIdOrNull(note.updated_by_user_id))
                                       .Add(note.updated_at));
    if (result.ok()) return Status::Ok();
    if (IsForeignKeyViolation(result.error(), "creator_note_creator_id_fkey")) {
      return NotFound("creator note: creator " + std::to_string(note.creator_id) +
                      " does not exist");
    }
    if (IsForeignKeyViolation(result.error(), "creator_note_updated_by_user_id_fkey")) {
      return InvalidArgument("note of creator " + std::to_string(note.creator_id) +
                             ": updated_by_user_id " + std::to_string(note.updated_by_user_id) +
                             " names no user");
    }
    return result.error();
  }

  Result<std::optional<CreatorNote>> CreatorNoteOf(int64_t creator_id) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result,
                            conn_.Run(kCreatorNoteOf, PgParams().Add(creator_id)));
    if (PQntuples(result.get()) == 0) return std::optional<CreatorNote>();
    SPHERE_ASSIGN_OR_RETURN(CreatorNote note, ReadCreatorNoteRow(result.get(), 0));
    return std::optional<CreatorNote>(std::move(note));
  }

  // Notes are few (creators someone annotated): one result, no paging.
  Status ForEachCreatorNote(const std::function<Status(const CreatorNote&)>& visit) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result, conn_.Run(kAllCreatorNotes, PgParams()));
    const int rows = PQntuples(result.get());
    for (int i = 0; i < rows; ++i) {
      SPHERE_ASSIGN_OR_RETURN(CreatorNote note, ReadCreatorNoteRow(result.get(), i));
      SPHERE_RETURN_IF_ERROR(visit(note));
    }
    return Status::Ok();
  }

  static Result<CreatorNote> ReadCreatorNoteRow(const PGresult* result, int i) {
    PgRowReader row(result, i);
    CreatorNote note;
    note.creator_id = row.Int64();
    const std::string tags = row.Text();
    note.manual_notes = row.Text();
    note.bio = row.Text();
    note.updated_by_user_id = row.OptionalInt64().value_or(0);
    note.updated_at = row.Int64();
    SPHERE_RETURN_IF_ERROR(row.status());
    SPHERE_ASSIGN_OR_RETURN(note.niche_tags, DecodeTags(tags));
    return note;
  }

  Result<Ingestion> RecordIngestion(const Ingestion& ingestion) override {
    SPHERE_RETURN_IF_ERROR(Validate(ingestion));
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    Result<PgResultPtr> result =
        conn_.Run(kRecordIngestion, PgParams()
                                        .Add(UserIdOrNull(ingestion.user_id))
                                        .Add(ingestion.creator_id)
                                        .Add(ingestion.payload_json)
                                        .Add(ingestion.received_at));
    if (!result.ok() && IsForeignKeyViolation(result.error(), "ingestion_creator_id_fkey")) {
      return NotFound("ingestion: creator " + std::to_string(ingestion.creator_id) +
                      " does not exist");
    }
    if (!result.ok() && IsForeignKeyViolation(result.error(), "ingestion_user_id_fkey")) {
      return InvalidArgument(Describe(ingestion) + ": user_id " +
                             std::to_string(ingestion.user_id) + " names no user");
    }
    if (!result.ok()) return result.error();
    Ingestion recorded = ingestion;
    SPHERE_ASSIGN_OR_RETURN(recorded.id, ReturnedId(result->get()));
    return recorded;
  }

  Result<std::optional<Ingestion>> GetIngestion(int64_t ingestion_id) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result,
                            conn_.Run(kGetIngestion, PgParams().Add(ingestion_id)));
    return ReadOptional(result.get(), &ReadIngestion);
  }

  Result<Draft> CreateDraft(const Draft& draft) override {
    SPHERE_RETURN_IF_ERROR(ValidateDraft(draft));
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    Result<PgResultPtr> result = conn_.Run(kCreateDraft, PgParams()
                                                             .Add(draft.owner_user_id)
                                                             .Add(draft.creator_id)
                                                             .Add(draft.caption)
                                                             .Add(ToString(draft.media_type))
                                                             .Add(draft.sponsored)
                                                             .Add(draft.planned_at)
                                                             .Add(draft.image_content_type)
                                                             .Add(draft.created_at)
                                                             .Add(draft.updated_at)
                                                             .AddBinary(draft.image_bytes));
    if (!result.ok() && IsForeignKeyViolation(result.error(), "draft_owner_user_id_fkey")) {
      return InvalidArgument("draft: owner_user_id " + std::to_string(draft.owner_user_id) +
                             " names no user");
    }
    if (!result.ok() && IsForeignKeyViolation(result.error(), "draft_creator_id_fkey")) {
      return UnknownDraftCreator(draft);
    }
    if (!result.ok()) return result.error();
    Draft created = draft;
    SPHERE_ASSIGN_OR_RETURN(created.id, ReturnedId(result->get()));
    created.image_size = static_cast<int64_t>(draft.image_bytes.size());
    return created;
  }

  Result<Draft> GetDraft(int64_t owner_user_id, int64_t draft_id) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result,
                            conn_.Run(kGetDraft, PgParams().Add(draft_id).Add(owner_user_id)));
    SPHERE_ASSIGN_OR_RETURN(std::optional<Draft> draft, ReadOptional(result.get(), &ReadDraft));
    // Someone else's draft is reported exactly like a missing one, so ids reveal nothing.
    if (!draft) return NotFound(DraftLabel(owner_user_id, draft_id));
    return *std::move(draft);
  }

  Result<std::vector<Draft>> ListDrafts(int64_t owner_user_id) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result,
                            conn_.Run(kListDrafts, PgParams().Add(owner_user_id)));
    return ReadAll(result.get(), &ReadDraftWithoutImage);
  }

  Result<Draft> UpdateDraft(const Draft& draft) override {
    SPHERE_RETURN_IF_ERROR(ValidateDraft(draft));
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    Result<PgResultPtr> result = conn_.Run(kUpdateDraft, PgParams()
                                                             .Add(draft.creator_id)
                                                             .Add(draft.caption)
                                                             .Add(ToString(draft.media_type))
                                                             .Add(draft.sponsored)
                                                             .Add(draft.planned_at)
                                                             .Add(draft.image_content_type)
                                                             .Add(draft.updated_at)
                                                             .AddBinary(draft.image_bytes)
                                                             .Add(draft.id)
                                                             .Add(draft.owner_user_id));
    if (!result.ok() && IsForeignKeyViolation(result.error(), "draft_creator_id_fkey")) {
      return UnknownDraftCreator(draft);
    }
    if (!result.ok()) return result.error();
    if (PQntuples(result->get()) == 0) return NotFound(DraftLabel(draft.owner_user_id, draft.id));
    PgRowReader row(result->get(), 0);
    Draft stored = draft;
    stored.created_at = row.Int64();
    SPHERE_RETURN_IF_ERROR(row.status());
    stored.image_size = static_cast<int64_t>(draft.image_bytes.size());
    return stored;
  }

  Status DeleteDraft(int64_t owner_user_id, int64_t draft_id) override {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result,
                            conn_.Run(kDeleteDraft, PgParams().Add(draft_id).Add(owner_user_id)));
    if (AffectedRows(result.get()) == 0) return NotFound(DraftLabel(owner_user_id, draft_id));
    return Status::Ok();
  }

 private:
  static Status UnknownDraftCreator(const Draft& draft) {
    return NotFound("draft: creator_id " + std::to_string(draft.creator_id.value_or(0)) +
                    " names no creator");
  }

  // Creates the staging tables once per session (a reconnect starts a new one).
  Status EnsureStagingTables() {
    if (staging_session_ == conn_.session_number()) return Status::Ok();
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr created,
                            conn_.Exec("create staging tables", kCreateStagingTablesSql));
    staging_session_ = conn_.session_number();
    staging_may_hold_rows_.fill(false);
    return Status::Ok();
  }

  // Empties `table` and streams `rows` into it through COPY.
  template <typename Row, typename Encode>
  Status CopyRows(StagingTable table, std::string_view context, const std::string& copy_sql,
                  const std::vector<Row>& rows, Encode encode_row) {
    bool& may_hold_rows = staging_may_hold_rows_[static_cast<int>(table)];
    if (may_hold_rows) {
      SPHERE_ASSIGN_OR_RETURN(PgResultPtr truncated,
                              conn_.Exec(context, kTruncateStagingSql[static_cast<int>(table)]));
    }
    // From here on, even a rolled-back COPY leaves dead rows to truncate next time.
    may_hold_rows = true;
    SPHERE_RETURN_IF_ERROR(conn_.BeginCopy(context, copy_sql));
    CopyTextEncoder encoder;
    for (const Row& row : rows) {
      encode_row(row, encoder);
      encoder.EndRow();
      if (encoder.size() >= kCopyChunkBytes) {
        if (Status sent = conn_.PutCopyData(context, encoder.data()); !sent.ok()) {
          conn_.AbortCopy("client failed to send data");
          return sent;
        }
        encoder.Clear();
      }
    }
    if (Status sent = conn_.PutCopyData(context, encoder.data()); !sent.ok()) {
      conn_.AbortCopy("client failed to send data");
      return sent;
    }
    return conn_.EndCopy(context).status();
  }

  Result<int64_t> UpsertCreators(const std::vector<Creator>& creators) {
    std::vector<FoldedCreator> folded = FoldCreators(creators);
    int64_t seq = 0;
    SPHERE_RETURN_IF_ERROR(CopyRows(StagingTable::kCreator, "stage creators", kCopyCreatorsSql,
                                    folded, [&seq](const FoldedCreator& c, CopyTextEncoder& out) {
                                      out.Int64(seq++);
                                      out.Text(ToString(c.platform));
                                      out.Text(c.handle);
                                      out.Int64(c.stats_as_of);
                                      EncodeObserved(out, c.display_name);
                                      EncodeObserved(out, c.niche);
                                      EncodeObserved(out, c.followers);
                                      EncodeObserved(out, c.following);
                                      EncodeObserved(out, c.posts_count);
                                      EncodeObserved(out, c.country);
                                      EncodeObserved(out, c.verified);
                                      EncodeObserved(out, c.source);
                                    }));
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr inserted, conn_.Run(kInsertNewCreators));
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr merged, conn_.Run(kMergeCreators));
    return AffectedRows(inserted.get()) + AffectedRows(merged.get());
  }

  // Looks up the id of every creator the batch's posts and snapshots name (the batch's
  // own creators are stored by now). A name that resolves to no creator fails the batch.
  Result<CreatorIds> ResolveCreatorIds(const ImportBatch& batch) {
    CreatorIds ids;
    std::vector<PlatformKey> keys;
    auto want = [&](Platform platform, std::string_view handle) {
      if (ids.try_emplace(PlatformKey{platform, handle}, kUnresolvedCreator).second) {
        keys.push_back(PlatformKey{platform, handle});
      }
    };
    for (const Post& p : batch.posts) want(p.platform, p.creator_handle);
    for (const Snapshot& s : batch.snapshots) want(s.platform, s.creator_handle);
    if (keys.empty()) return ids;

    SPHERE_RETURN_IF_ERROR(CopyRows(StagingTable::kCreatorKey, "stage creator keys",
                                    kCopyCreatorKeysSql, keys,
                                    [](const PlatformKey& key, CopyTextEncoder& out) {
                                      out.Text(ToString(key.platform));
                                      out.Text(key.text);
                                    }));
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr found, conn_.Run(kResolveCreatorKeys));
    for (int i = 0; i < PQntuples(found.get()); ++i) {
      PgRowReader row(found.get(), i);
      const Platform platform = row.Enum(&ParsePlatform);
      const std::string handle = row.Text();
      const int64_t id = row.Int64();
      SPHERE_RETURN_IF_ERROR(row.status());
      if (auto it = ids.find(PlatformKey{platform, handle}); it != ids.end()) it->second = id;
    }
    auto unresolved = [&](Platform platform, std::string_view handle) {
      return ids.at(PlatformKey{platform, handle}) == kUnresolvedCreator;
    };
    for (const Post& p : batch.posts) {
      if (unresolved(p.platform, p.creator_handle)) {
        return InvalidArgument(Describe(p) + ": creator " + std::string(ToString(p.platform)) +
                               "/@" + p.creator_handle +
                               " is neither in the store nor in the batch");
      }
    }
    for (const Snapshot& s : batch.snapshots) {
      if (unresolved(s.platform, s.creator_handle)) {
        return InvalidArgument(Describe(s) + ": creator " + std::string(ToString(s.platform)) +
                               "/@" + s.creator_handle +
                               " is neither in the store nor in the batch");
      }
    }
    return ids;
  }

  // One statement may not upsert the same row twice, so a post that occurs more than
  // once keeps the place of its first occurrence and the values of its last, which is
  // what upserting the occurrences one by one would leave.
  Result<int64_t> UpsertPosts(const std::vector<Post>& posts, const CreatorIds& creator_ids) {
    struct StagedPost {
      const Post* post;
      int64_t creator_id;
    };
    std::vector<StagedPost> staged;
    staged.reserve(posts.size());
    std::unordered_map<PlatformKey, size_t, PlatformKeyHash> index;
    index.reserve(posts.size());
    for (const Post& p : posts) {
      const StagedPost entry{&p, creator_ids.at(PlatformKey{p.platform, p.creator_handle})};
      auto [it, inserted] =
          index.try_emplace(PlatformKey{p.platform, p.external_id}, staged.size());
      if (inserted) {
        staged.push_back(entry);
      } else {
        staged[it->second] = entry;
      }
    }
    SPHERE_RETURN_IF_ERROR(CopyRows(StagingTable::kPost, "stage posts", kCopyPostsSql, staged,
                                    [](const StagedPost& s, CopyTextEncoder& out) {
                                      const Post& p = *s.post;
                                      out.Text(ToString(p.platform));
                                      out.Text(p.external_id);
                                      out.Int64(s.creator_id);
                                      out.Optional(p.posted_at);
                                      out.Text(ToString(p.media_type));
                                      out.TextOrNull(p.caption);
                                      out.Optional(p.likes);
                                      out.Optional(p.comments);
                                      out.Optional(p.views);
                                      out.Optional(p.shares);
                                      out.Bool(p.sponsored);
                                      out.TextOrNull(p.image_description);
                                      out.Optional(p.width);
                                      out.Optional(p.height);
                                      out.TextOrNull(p.location);
                                      out.Optional(p.observed_at);
                                      out.TextOrNull(p.source);
                                      out.Text(p.extra_json);
                                    }));
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr upserted, conn_.Run(kUpsertPosts));
    return AffectedRows(upserted.get());
  }

  // Deduplicated like posts, on (creator, source, taken_at).
  Result<int64_t> UpsertSnapshots(const std::vector<Snapshot>& snapshots,
                                  const CreatorIds& creator_ids) {
    struct StagedSnapshot {
      const Snapshot* snapshot;
      int64_t creator_id;
    };
    std::vector<StagedSnapshot> staged;
    staged.reserve(snapshots.size());
    std::unordered_map<SnapshotKey, size_t, SnapshotKeyHash> index;
    index.reserve(snapshots.size());
    for (const Snapshot& s : snapshots) {
      const int64_t creator_id = creator_ids.at(PlatformKey{s.platform, s.creator_handle});
      auto [it, inserted] =
          index.try_emplace(SnapshotKey{creator_id, s.source, s.taken_at}, staged.size());
      if (inserted) {
        staged.push_back({&s, creator_id});
      } else {
        staged[it->second] = {&s, creator_id};
      }
    }
    SPHERE_RETURN_IF_ERROR(
        CopyRows(StagingTable::kSnapshot, "stage snapshots", kCopySnapshotsSql, staged,
                 [](const StagedSnapshot& staged_snapshot, CopyTextEncoder& out) {
                   const Snapshot& s = *staged_snapshot.snapshot;
                   out.Int64(staged_snapshot.creator_id);
                   out.Text(s.source);
                   out.Int64(s.taken_at);
                   out.Optional(s.followers);
                   out.Optional(s.following);
                   out.Optional(s.posts_count);
                   out.Optional(s.total_views);
                   out.Optional(s.avg_likes);
                   out.Optional(s.avg_comments);
                   out.Optional(s.avg_views);
                   out.Optional(s.avg_shares);
                   out.Optional(s.engagement_rate);
                   out.Optional(s.authentic_engagement);
                   out.Optional(s.followers_gain);
                   out.Optional(s.views_gain);
                   out.Optional(s.period_days);
                   out.Text(s.extra_json);
                 }));
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr upserted, conn_.Run(kUpsertSnapshots));
    return AffectedRows(upserted.get());
  }

  // Keyset pagination by `key` (the id unless told): each page is its own short query, so
  // no transaction or cursor stays open while the visitor runs and memory holds one page.
  // `page` takes the last key seen as $1 and returns the next rows in key order.
  template <typename T>
  Status ForEachRow(const PgStatement& page, T (*read)(PgRowReader&),
                    const std::function<Status(const T&)>& visit, int64_t T::*key = &T::id) {
    SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
    int64_t after_id = 0;
    while (true) {
      SPHERE_ASSIGN_OR_RETURN(PgResultPtr result, conn_.Run(page, PgParams().Add(after_id)));
      const int rows = PQntuples(result.get());
      for (int i = 0; i < rows; ++i) {
        PgRowReader reader(result.get(), i);
        const T item = read(reader);
        SPHERE_RETURN_IF_ERROR(reader.status());
        SPHERE_RETURN_IF_ERROR(visit(item));
        after_id = item.*key;
      }
      if (rows < kStreamPageRows) return Status::Ok();
    }
  }

  PgConnection conn_;
  uint64_t staging_session_ = 0;  // the connection session the staging tables live in
  std::array<bool, kStagingTableCount> staging_may_hold_rows_{};
};

Result<StoreStats> PostgresStore::Stats() {
  SPHERE_RETURN_IF_ERROR(conn_.EnsureConnected());
  // One snapshot of the database for every count.
  SPHERE_ASSIGN_OR_RETURN(
      PgTransaction transaction,
      PgTransaction::Begin(conn_, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  StoreStats stats;

  // Runs a statement and reads each row with `read`.
  auto for_each_row = [this](const PgStatement& statement, const PgParams& params,
                             const std::function<void(PgRowReader&)>& read) -> Status {
    SPHERE_ASSIGN_OR_RETURN(PgResultPtr result, conn_.Run(statement, params));
    for (int i = 0; i < PQntuples(result.get()); ++i) {
      PgRowReader row(result.get(), i);
      read(row);
      SPHERE_RETURN_IF_ERROR(row.status());
    }
    return Status::Ok();
  };
  auto read_range = [](PgRowReader& row, TimeRange& range) {
    range.first = row.OptionalInt64();
    range.last = row.OptionalInt64();
  };

  SPHERE_RETURN_IF_ERROR(for_each_row(kStatsCreators, {}, [&](PgRowReader& row) {
    std::string platform = row.Text();
    stats.by_platform[platform].creators = row.Int64();
  }));
  SPHERE_RETURN_IF_ERROR(for_each_row(kStatsPosts, {}, [&](PgRowReader& row) {
    StoreStats::PlatformCounts& counts = stats.by_platform[row.Text()];
    counts.posts = row.Int64();
    read_range(row, counts.posted);
  }));
  SPHERE_RETURN_IF_ERROR(for_each_row(kStatsSnapshots, {}, [&](PgRowReader& row) {
    StoreStats::PlatformCounts& counts = stats.by_platform[row.Text()];
    counts.snapshots = row.Int64();
    read_range(row, counts.snapshots_taken);
  }));
  SPHERE_RETURN_IF_ERROR(for_each_row(kStatsNiches, {}, [&](PgRowReader& row) {
    std::string niche = row.Text();
    stats.creators_by_niche[niche] = row.Int64();
  }));
  SPHERE_RETURN_IF_ERROR(for_each_row(kStatsInferredNiches, {}, [&](PgRowReader& row) {
    std::string key = row.Text();
    stats.creators_by_inferred_niche[key] = row.Int64();
  }));
  PgParams tier_bounds;
  for (int tier = 1; tier <= 4; ++tier) tier_bounds.Add(kTierLowerBound[tier]);
  SPHERE_RETURN_IF_ERROR(for_each_row(kStatsTiers, tier_bounds, [&](PgRowReader& row) {
    const int64_t tier = row.Int64();
    const std::string name =
        tier < 0 ? "(unknown)" : std::string(ToString(static_cast<FollowerTier>(tier)));
    stats.creators_by_tier[name] = row.Int64();
  }));
  SPHERE_RETURN_IF_ERROR(for_each_row(kStatsSnapshotSources, {}, [&](PgRowReader& row) {
    std::string source = row.Text();
    stats.snapshots_by_source[source] = row.Int64();
  }));
  SPHERE_RETURN_IF_ERROR(for_each_row(kStatsTotals, {}, [&](PgRowReader& row) {
    stats.users = row.Int64();
    stats.alert_rules = row.Int64();
    stats.alert_events = row.Int64();
    stats.models = row.Int64();
    stats.market_values = row.Int64();
  }));
  SPHERE_RETURN_IF_ERROR(transaction.Commit());
  return stats;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& connection_uri) {
  SPHERE_ASSIGN_OR_RETURN(PgConnection conn, PgConnection::Connect(connection_uri));
  SPHERE_RETURN_IF_ERROR(postgres::Migrate(conn));
  return std::unique_ptr<Store>(std::make_unique<PostgresStore>(std::move(conn)));
}

}  // namespace sphere
