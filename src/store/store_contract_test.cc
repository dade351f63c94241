// The Store contract: what every backend must do, run against each through OpenStore().
//
// A backend is correct when this whole suite passes against it. The PostgreSQL instance
// runs when SPHERE_TEST_POSTGRES_URL names a server an admin can create databases on
// (e.g. postgresql://postgres@127.0.0.1:5433/postgres); each test gets a fresh database
// that is dropped afterwards. Without the variable those tests are reported as skipped.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/domain.h"
#include "core/status.h"
#include "store/store.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere {

// Readable failure output for the store's value types.
void PrintTo(const WriteCounts& counts, std::ostream* out) {
  *out << "{creators_written: " << counts.creators_written
       << ", posts_written: " << counts.posts_written
       << ", snapshots_written: " << counts.snapshots_written << "}";
}

namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::FieldsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr UnixSeconds kT0 = 1'600'000'000;  // 2020-09-13: the "now" of every fixture
constexpr UnixSeconds kDay = 86'400;

// ---------------------------------------------------------------------------------------
// Backends

// How a test reaches one backend: the URL OpenStore() takes, plus a side door for the
// few tests that must put the database in a state the Store interface cannot reach.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string Url() const = 0;
  // A URL of the same kind that cannot be opened.
  virtual std::string UnreachableUrl() const = 0;
  // Runs SQL on the database directly, bypassing the Store.
  virtual Status ExecuteSql(const std::string& sql) = 0;
};

class SqliteBackend final : public Backend {
 public:
  SqliteBackend() {
    // A regular file where a directory is expected: nothing can be created beneath it.
    dir_.Write("not-a-directory", "");
  }

  // In a subdirectory that does not exist yet: opening must create it.
  std::string Url() const override {
    return "sqlite:" + (dir_.path() / "db" / "sphere.db").string();
  }
  std::string UnreachableUrl() const override {
    return "sqlite:" + (dir_.path() / "not-a-directory" / "sphere.db").string();
  }

  Status ExecuteSql(const std::string& sql) override {
    sqlite3* raw = nullptr;
    std::string path = (dir_.path() / "db" / "sphere.db").string();
    int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> db(raw, &sqlite3_close_v2);
    if (rc != SQLITE_OK) return Unavailable(path + ": " + sqlite3_errstr(rc));
    sqlite3_busy_timeout(db.get(), 10'000);
    if (sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      return Internal(sql + ": " + sqlite3_errmsg(db.get()));
    }
    return Status::Ok();
  }

 private:
  testing::TempDir dir_;
};

// A database of its own on the server, for one test.
class PostgresBackend final : public Backend {
 public:
  explicit PostgresBackend(const std::string& admin_url) : db_(admin_url) {}

  std::string Url() const override { return db_.url(); }
  std::string UnreachableUrl() const override {
    // Port 1 on the loopback interface: nothing listens, the connection is refused at once.
    return "postgresql://postgres@127.0.0.1:1/sphere_unreachable?connect_timeout=5";
  }
  Status ExecuteSql(const std::string& sql) override {
    return testing::ExecutePostgresSql(Url(), sql);
  }

 private:
  testing::ScratchPostgresDatabase db_;
};

// ---------------------------------------------------------------------------------------
// Fixtures: one fully populated and one minimal value of each entity.

Creator FullCreator(std::string handle, Platform platform = Platform::kInstagram) {
  Creator creator;
  creator.platform = platform;
  creator.handle = std::move(handle);
  creator.display_name = "Zoë Martín 🌸";
  creator.niche = "beauty";
  creator.followers = 9'000'000'123;  // needs more than 32 bits
  creator.following = 321;
  creator.posts_count = 1'234;
  creator.country = "FR";
  creator.verified = true;
  creator.stats_as_of = kT0;
  creator.source = "kim_influencers";
  return creator;
}

Creator BareCreator(std::string handle, Platform platform = Platform::kInstagram,
                    UnixSeconds stats_as_of = kT0) {
  Creator creator;
  creator.platform = platform;
  creator.handle = std::move(handle);
  creator.stats_as_of = stats_as_of;
  return creator;
}

Post FullPost(const Creator& creator, std::string external_id) {
  Post post;
  post.platform = creator.platform;
  post.creator_handle = creator.handle;
  post.external_id = std::move(external_id);
  post.posted_at = kT0 - 3 * kDay;
  post.media_type = MediaType::kCarousel;
  post.caption = "Morning routine ☀️ #skincare @brand";
  post.likes = 12'345;
  post.comments = 678;
  post.views = 5'000'000'000;  // needs more than 32 bits
  post.shares = 91;
  post.sponsored = true;
  post.image_description = "Image may contain: 1 person, smiling";
  post.width = 1080;
  post.height = 1350;
  post.location = "Paris, France";
  post.observed_at = kT0;
  post.source = "kim_posts";
  post.extra_json = R"({"is_video": false, "tags": ["skincare", "morning"], "n": 1.5})";
  return post;
}

Post BarePost(const Creator& creator, std::string external_id) {
  Post post;
  post.platform = creator.platform;
  post.creator_handle = creator.handle;
  post.external_id = std::move(external_id);
  return post;
}

Snapshot FullSnapshot(const Creator& creator, UnixSeconds taken_at,
                      std::string source = "socialblade") {
  Snapshot snapshot;
  snapshot.platform = creator.platform;
  snapshot.creator_handle = creator.handle;
  snapshot.taken_at = taken_at;
  snapshot.source = std::move(source);
  snapshot.followers = 250'000;
  snapshot.following = 10;
  snapshot.posts_count = 812;
  snapshot.total_views = 7'000'000'000;
  snapshot.avg_likes = 1234.5678901234567;
  snapshot.avg_comments = 12.25;
  snapshot.avg_views = 99'999.5;
  snapshot.avg_shares = 0.1;
  snapshot.engagement_rate = 0.0139;
  snapshot.authentic_engagement = 987.654321;
  snapshot.followers_gain = -1'500;  // losses are real data
  snapshot.views_gain = 2'000'000;
  snapshot.period_days = 7;
  snapshot.extra_json = R"({"grade": "B+"})";
  return snapshot;
}

Snapshot BareSnapshot(const Creator& creator, UnixSeconds taken_at, std::string source) {
  Snapshot snapshot;
  snapshot.platform = creator.platform;
  snapshot.creator_handle = creator.handle;
  snapshot.taken_at = taken_at;
  snapshot.source = std::move(source);
  return snapshot;
}

User MakeUser(std::string name, std::string key_hash, Role role = Role::kBrand) {
  User user;
  user.name = std::move(name);
  user.role = role;
  user.api_key_hash = std::move(key_hash);
  user.created_at = kT0;
  return user;
}

AlertRule MakeRule(int64_t owner_user_id, std::string name) {
  AlertRule rule;
  rule.owner_user_id = owner_user_id;
  rule.name = std::move(name);
  rule.condition_json = R"({"metric": "followers_growth", "op": ">", "value": 0.05})";
  rule.enabled = true;
  rule.created_at = kT0;
  return rule;
}

ModelRecord MakeModel(std::string kind, std::string version, UnixSeconds created_at) {
  ModelRecord model;
  model.kind = std::move(kind);
  model.version = std::move(version);
  model.artifact_path = "models/" + model.kind + "/" + model.version + ".ubj";
  model.data_hash = "sha256:4f2a";
  model.manifest_json = R"({"features": ["followers", "caption_length"], "objective": "reg"})";
  model.metrics_json = R"({"mae": 0.0123, "baseline_mae": 0.02})";
  model.created_at = created_at;
  return model;
}

// Every field set, with values that a lossy backend would change: more than 32 bits,
// 17 significant digits, negatives, text beyond ASCII and JSON with nesting.
MarketValue FullValue(int64_t creator_id, UnixSeconds as_of,
                      std::string model_version = "value-20240501T000000Z") {
  MarketValue value;
  value.creator_id = creator_id;
  value.as_of = as_of;
  value.horizon_days = 30;
  value.model_version = std::move(model_version);
  value.computed_at = as_of + 3'600;
  value.niche = "beauty";
  value.followers = 9'000'000'123;
  value.format = "video";
  value.engagement_per_post = 1234.5678901234567;
  value.engagement_low = 800.25;
  value.engagement_high = 1'900.75;
  value.views_per_post = 5'000'000'000.5;
  value.views_low = 1e-300;
  value.views_high = 7.5e12;
  value.follower_gain = -1'500.5;  // creators lose followers too
  value.follower_gain_low = -9'000;
  value.follower_gain_high = 250.125;
  value.fee_low = 1'000;
  value.fee_mid = 2'345.6789012345678;
  value.fee_high = 5'000;
  value.score = 97.5;
  value.niche_score = 0.0;  // known and zero, not unknown
  value.tier = "mega";
  value.momentum = -0.125;
  value.evidence_json =
      R"({"comparables": [{"handle": "zoë", "fee": 2100.5}], "inputs": {"posts": 42}})";
  return value;
}

// Only what is required: every optional field empty.
MarketValue BareValue(int64_t creator_id, UnixSeconds as_of,
                      std::string model_version = "value-20240501T000000Z") {
  MarketValue value;
  value.creator_id = creator_id;
  value.as_of = as_of;
  value.model_version = std::move(model_version);
  value.computed_at = as_of;
  return value;
}

ImportBatch Batch(std::vector<Creator> creators, std::vector<Post> posts = {},
                  std::vector<Snapshot> snapshots = {}) {
  ImportBatch batch;
  batch.creators = std::move(creators);
  batch.posts = std::move(posts);
  batch.snapshots = std::move(snapshots);
  return batch;
}

// ---------------------------------------------------------------------------------------
// Every field of an entity (except the store-assigned id) as text, one per line, so a
// mismatch shows as a readable diff. JSON is compared as JSON: a backend may store it
// re-formatted (PostgreSQL's jsonb does), but never with different content.

std::string Show(const std::string& value) { return "\"" + value + "\""; }
std::string Show(int64_t value) { return std::to_string(value); }
std::string Show(int32_t value) { return std::to_string(value); }
std::string Show(bool value) { return value ? "true" : "false"; }
std::string Show(double value) {
  std::ostringstream out;
  out << std::setprecision(17) << value;
  return out.str();
}
std::string Show(Platform value) { return std::string(ToString(value)); }
std::string Show(MediaType value) { return std::string(ToString(value)); }
std::string Show(Role value) { return std::string(ToString(value)); }
template <typename T>
std::string Show(const std::optional<T>& value) {
  return value ? Show(*value) : "(none)";
}
std::string ShowJson(const std::string& text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return json.is_discarded() ? "(not JSON) " + text : json.dump();
}

class Fields {
 public:
  template <typename T>
  Fields& Add(std::string_view name, const T& value) {
    out_ << name << ": " << Show(value) << "\n";
    return *this;
  }
  Fields& AddJson(std::string_view name, const std::string& value) {
    out_ << name << ": " << ShowJson(value) << "\n";
    return *this;
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

std::string Dump(const Creator& c) {
  return Fields()
      .Add("platform", c.platform)
      .Add("handle", c.handle)
      .Add("display_name", c.display_name)
      .Add("niche", c.niche)
      .Add("followers", c.followers)
      .Add("following", c.following)
      .Add("posts_count", c.posts_count)
      .Add("country", c.country)
      .Add("verified", c.verified)
      .Add("stats_as_of", c.stats_as_of)
      .Add("source", c.source)
      .str();
}

std::string Dump(const Post& p) {
  return Fields()
      .Add("platform", p.platform)
      .Add("creator_handle", p.creator_handle)
      .Add("external_id", p.external_id)
      .Add("posted_at", p.posted_at)
      .Add("media_type", p.media_type)
      .Add("caption", p.caption)
      .Add("likes", p.likes)
      .Add("comments", p.comments)
      .Add("views", p.views)
      .Add("shares", p.shares)
      .Add("sponsored", p.sponsored)
      .Add("image_description", p.image_description)
      .Add("width", p.width)
      .Add("height", p.height)
      .Add("location", p.location)
      .Add("observed_at", p.observed_at)
      .Add("source", p.source)
      .AddJson("extra_json", p.extra_json)
      .str();
}

std::string Dump(const Snapshot& s) {
  return Fields()
      .Add("platform", s.platform)
      .Add("creator_handle", s.creator_handle)
      .Add("taken_at", s.taken_at)
      .Add("source", s.source)
      .Add("followers", s.followers)
      .Add("following", s.following)
      .Add("posts_count", s.posts_count)
      .Add("total_views", s.total_views)
      .Add("avg_likes", s.avg_likes)
      .Add("avg_comments", s.avg_comments)
      .Add("avg_views", s.avg_views)
      .Add("avg_shares", s.avg_shares)
      .Add("engagement_rate", s.engagement_rate)
      .Add("authentic_engagement", s.authentic_engagement)
      .Add("followers_gain", s.followers_gain)
      .Add("views_gain", s.views_gain)
      .Add("period_days", s.period_days)
      .AddJson("extra_json", s.extra_json)
      .str();
}

std::string Dump(const User& u) {
  return Fields()
      .Add("name", u.name)
      .Add("role", u.role)
      .Add("api_key_hash", u.api_key_hash)
      .Add("created_at", u.created_at)
      .str();
}

std::string Dump(const AlertRule& r) {
  return Fields()
      .Add("owner_user_id", r.owner_user_id)
      .Add("name", r.name)
      .AddJson("condition_json", r.condition_json)
      .Add("enabled", r.enabled)
      .Add("created_at", r.created_at)
      .str();
}

std::string Dump(const AlertEvent& e) {
  return Fields()
      .Add("rule_id", e.rule_id)
      .Add("creator_id", e.creator_id)
      .Add("fired_at", e.fired_at)
      .AddJson("payload_json", e.payload_json)
      .str();
}

std::string Dump(const ModelRecord& m) {
  return Fields()
      .Add("kind", m.kind)
      .Add("version", m.version)
      .Add("artifact_path", m.artifact_path)
      .Add("data_hash", m.data_hash)
      .AddJson("manifest_json", m.manifest_json)
      .AddJson("metrics_json", m.metrics_json)
      .Add("created_at", m.created_at)
      .str();
}

std::string Dump(const ImportRecord& r) {
  return Fields()
      .Add("path", r.path)
      .Add("sha256", r.sha256)
      .Add("format", r.format)
      .Add("rows_loaded", r.rows_loaded)
      .Add("rows_rejected", r.rows_rejected)
      .Add("finished_at", r.finished_at)
      .str();
}

std::string Dump(const MarketValue& v) {
  return Fields()
      .Add("creator_id", v.creator_id)
      .Add("platform", v.platform)
      .Add("creator_handle", v.creator_handle)
      .Add("as_of", v.as_of)
      .Add("horizon_days", v.horizon_days)
      .Add("model_version", v.model_version)
      .Add("computed_at", v.computed_at)
      .Add("niche", v.niche)
      .Add("followers", v.followers)
      .Add("format", v.format)
      .Add("engagement_per_post", v.engagement_per_post)
      .Add("engagement_low", v.engagement_low)
      .Add("engagement_high", v.engagement_high)
      .Add("views_per_post", v.views_per_post)
      .Add("views_low", v.views_low)
      .Add("views_high", v.views_high)
      .Add("follower_gain", v.follower_gain)
      .Add("follower_gain_low", v.follower_gain_low)
      .Add("follower_gain_high", v.follower_gain_high)
      .Add("fee_low", v.fee_low)
      .Add("fee_mid", v.fee_mid)
      .Add("fee_high", v.fee_high)
      .Add("score", v.score)
      .Add("niche_score", v.niche_score)
      .Add("tier", v.tier)
      .Add("momentum", v.momentum)
      .AddJson("evidence_json", v.evidence_json)
      .str();
}

std::string Dump(const AlertState& s) {
  return Fields()
      .Add("rule_id", s.rule_id)
      .Add("creator_id", s.creator_id)
      .Add("inside", s.inside)
      .Add("reference", s.reference)
      .Add("last_fired_at", s.last_fired_at)
      .Add("updated_at", s.updated_at)
      .str();
}

std::string Dump(const Webhook& w) {
  return Fields()
      .Add("owner_user_id", w.owner_user_id)
      .Add("url", w.url)
      .Add("secret", w.secret)
      .Add("enabled", w.enabled)
      .Add("created_at", w.created_at)
      .str();
}

std::string Dump(const WebhookDelivery& d) {
  return Fields()
      .Add("webhook_id", d.webhook_id)
      .Add("event_id", d.event_id)
      .Add("state", std::string(ToString(d.state)))
      .Add("attempts", d.attempts)
      .Add("next_attempt_at", d.next_attempt_at)
      .Add("last_status", d.last_status)
      .Add("last_error", d.last_error)
      .Add("updated_at", d.updated_at)
      .str();
}

template <typename T>
std::vector<std::string> DumpAll(const std::vector<T>& values) {
  std::vector<std::string> dumps;
  for (const T& value : values) dumps.push_back(Dump(value));
  return dumps;
}

StoreStats::PlatformCounts CountsFor(const StoreStats& stats, Platform platform) {
  auto it = stats.by_platform.find(std::string(ToString(platform)));
  return it == stats.by_platform.end() ? StoreStats::PlatformCounts{} : it->second;
}

// ---------------------------------------------------------------------------------------

class StoreContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      std::string admin_url = testing::PostgresUrl();
      if (admin_url.empty()) {
        GTEST_SKIP() << "SPHERE_TEST_POSTGRES_URL is not set, so the PostgreSQL backend is "
                        "NOT tested; scripts/test.sh starts a server and sets it";
      }
      backend_ = std::make_unique<PostgresBackend>(admin_url);
    } else {
      backend_ = std::make_unique<SqliteBackend>();
    }
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }

  // Another store on the same database (what a second process or thread would open).
  std::unique_ptr<Store> Open() {
    Result<std::unique_ptr<Store>> store = OpenStore(backend_->Url());
    EXPECT_TRUE(store.ok()) << backend_->Url() << ": " << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Closes the store and opens it again.
  void Reopen() {
    store_.reset();
    store_ = Open();
    ASSERT_NE(store_, nullptr);
  }

  WriteCounts Write(const ImportBatch& batch) {
    Result<WriteCounts> counts = store_->WriteBatch(batch);
    EXPECT_TRUE(counts.ok()) << counts.status().ToString();
    return counts.ok() ? *counts : WriteCounts{};
  }

  // The stored creator; a failed expectation (and an empty Creator) when there is none.
  Creator Stored(Platform platform, const std::string& handle) {
    Result<std::optional<Creator>> found = store_->FindCreator(platform, handle);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    if (!found.ok() || !found->has_value()) {
      ADD_FAILURE() << "no creator " << ToString(platform) << "/@" << handle;
      return Creator{};
    }
    return **found;
  }
  Creator Stored(const Creator& creator) { return Stored(creator.platform, creator.handle); }

  std::vector<Post> PostsOf(const Creator& creator) {
    Result<std::vector<Post>> posts = store_->PostsOf(Stored(creator).id);
    EXPECT_TRUE(posts.ok()) << posts.status().ToString();
    return posts.ok() ? *posts : std::vector<Post>{};
  }

  std::vector<Snapshot> SnapshotsOf(const Creator& creator) {
    Result<std::vector<Snapshot>> snapshots = store_->SnapshotsOf(Stored(creator).id);
    EXPECT_TRUE(snapshots.ok()) << snapshots.status().ToString();
    return snapshots.ok() ? *snapshots : std::vector<Snapshot>{};
  }

  std::vector<Post> AllPosts() {
    std::vector<Post> posts;
    EXPECT_OK(store_->ForEachPost([&](const Post& post) {
      posts.push_back(post);
      return Status::Ok();
    }));
    return posts;
  }

  std::vector<Snapshot> AllSnapshots() {
    std::vector<Snapshot> snapshots;
    EXPECT_OK(store_->ForEachSnapshot([&](const Snapshot& snapshot) {
      snapshots.push_back(snapshot);
      return Status::Ok();
    }));
    return snapshots;
  }

  std::vector<Creator> AllCreators() {
    std::vector<Creator> creators;
    EXPECT_OK(store_->ForEachCreator([&](const Creator& creator) {
      creators.push_back(creator);
      return Status::Ok();
    }));
    return creators;
  }

  int64_t TotalCreators() {
    Result<StoreStats> stats = store_->Stats();
    EXPECT_TRUE(stats.ok()) << stats.status().ToString();
    int64_t total = 0;
    if (stats.ok()) {
      for (const auto& [platform, counts] : stats->by_platform) total += counts.creators;
    }
    return total;
  }

  // Declared before store_, so the store closes before its database is dropped.
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Store> store_;
};

INSTANTIATE_TEST_SUITE_P(AllBackends, StoreContractTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

// ---------------------------------------------------------------------------------------
// Opening and migrations

TEST_P(StoreContractTest, NewStoreIsMigratedAndEmpty) {
  ASSERT_OK_AND_ASSIGN(int version, store_->SchemaVersion());
  EXPECT_GE(version, 1);

  ASSERT_OK_AND_ASSIGN(StoreStats stats, store_->Stats());
  for (Platform platform : {Platform::kInstagram, Platform::kTikTok, Platform::kYouTube}) {
    StoreStats::PlatformCounts counts = CountsFor(stats, platform);
    EXPECT_EQ(counts.creators, 0) << ToString(platform);
    EXPECT_EQ(counts.posts, 0) << ToString(platform);
    EXPECT_EQ(counts.snapshots, 0) << ToString(platform);
  }
  EXPECT_THAT(stats.creators_by_niche, IsEmpty());
  EXPECT_THAT(stats.creators_by_tier, IsEmpty());
  EXPECT_THAT(stats.snapshots_by_source, IsEmpty());
  EXPECT_EQ(stats.users, 0);
  EXPECT_EQ(stats.alert_rules, 0);
  EXPECT_EQ(stats.alert_events, 0);
  EXPECT_EQ(stats.models, 0);
  EXPECT_EQ(stats.market_values, 0);
  EXPECT_THAT(AllCreators(), IsEmpty());
  EXPECT_THAT(AllPosts(), IsEmpty());
  EXPECT_THAT(AllSnapshots(), IsEmpty());
  ASSERT_OK_AND_ASSIGN(std::vector<ImportRecord> imports, store_->ListImports());
  EXPECT_THAT(imports, IsEmpty());
}

TEST_P(StoreContractTest, MigrationsAreIdempotentOnReopen) {
  ASSERT_OK_AND_ASSIGN(int version, store_->SchemaVersion());
  Creator alice = FullCreator("alice");
  ImportBatch batch = Batch({alice}, {FullPost(alice, "p1")}, {FullSnapshot(alice, kT0)});
  Write(batch);

  for (int reopen = 0; reopen < 2; ++reopen) {
    SCOPED_TRACE("reopen " + std::to_string(reopen + 1));
    Reopen();
    ASSERT_OK_AND_ASSIGN(int reopened_version, store_->SchemaVersion());
    EXPECT_EQ(reopened_version, version);
    EXPECT_EQ(Dump(Stored(alice)), Dump(alice));
    EXPECT_THAT(PostsOf(alice), SizeIs(1));
    EXPECT_THAT(SnapshotsOf(alice), SizeIs(1));
    EXPECT_THAT(Write(batch), FieldsAre(0, 0, 0));
  }
}

TEST_P(StoreContractTest, SchemaNewerThanTheCodeIsFailedPrecondition) {
  ASSERT_OK_AND_ASSIGN(int version, store_->SchemaVersion());
  store_.reset();
  // What a newer build of sphere leaves behind after migrating this database.
  const int future = version + 1;
  ASSERT_OK(backend_->ExecuteSql("INSERT INTO schema_migrations (version, applied_at) VALUES (" +
                                 std::to_string(future) + ", 0)"));

  Result<std::unique_ptr<Store>> reopened = OpenStore(backend_->Url());
  EXPECT_THAT(reopened.status(),
              IsError(Code::kFailedPrecondition, HasSubstr(std::to_string(future))));
}

TEST_P(StoreContractTest, UnreachableStoreIsUnavailable) {
  Result<std::unique_ptr<Store>> store = OpenStore(backend_->UnreachableUrl());
  EXPECT_THAT(store.status(), IsError(Code::kUnavailable, ::testing::_));
}

TEST_P(StoreContractTest, TwoStoresOnTheSameDatabaseSeeEachOthersWrites) {
  std::unique_ptr<Store> other = Open();
  ASSERT_NE(other, nullptr);
  Creator alice = FullCreator("alice");
  Write(Batch({alice}));
  ASSERT_OK_AND_ASSIGN(std::optional<Creator> seen, other->FindCreator(alice.platform, "alice"));
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(Dump(*seen), Dump(alice));

  Creator bob = FullCreator("bob");
  ASSERT_OK_AND_ASSIGN(WriteCounts counts, other->WriteBatch(Batch({bob}, {FullPost(bob, "b1")})));
  EXPECT_THAT(counts, FieldsAre(1, 1, 0));
  EXPECT_THAT(PostsOf(bob), SizeIs(1));
}

// ---------------------------------------------------------------------------------------
// Creators

TEST_P(StoreContractTest, CreatorRoundTripsEveryField) {
  Creator alice = FullCreator("alice");
  alice.id = 987'654;  // ignored: the store assigns ids
  EXPECT_THAT(Write(Batch({alice})), FieldsAre(1, 0, 0));

  ASSERT_OK_AND_ASSIGN(std::optional<Creator> found,
                       store_->FindCreator(Platform::kInstagram, "alice"));
  ASSERT_TRUE(found.has_value());
  EXPECT_GT(found->id, 0);
  EXPECT_EQ(Dump(*found), Dump(alice));

  ASSERT_OK_AND_ASSIGN(std::optional<Creator> by_id, store_->GetCreator(found->id));
  ASSERT_TRUE(by_id.has_value());
  EXPECT_EQ(by_id->id, found->id);
  EXPECT_EQ(Dump(*by_id), Dump(alice));
}

TEST_P(StoreContractTest, CreatorWithoutOptionalFieldsReadsBackEmpty) {
  Creator bare = BareCreator("bare", Platform::kYouTube);
  Write(Batch({bare}));
  Creator stored = Stored(bare);
  EXPECT_EQ(Dump(stored), Dump(bare));
  EXPECT_EQ(stored.display_name, "");
  EXPECT_FALSE(stored.niche.has_value());
  EXPECT_FALSE(stored.followers.has_value());
  EXPECT_FALSE(stored.verified.has_value());
}

TEST_P(StoreContractTest, VerifiedFalseIsKeptApartFromUnknown) {
  Creator creator = BareCreator("unverified");
  creator.verified = false;
  creator.followers = 0;
  creator.following = 0;
  creator.posts_count = 0;
  Write(Batch({creator}));
  EXPECT_EQ(Dump(Stored(creator)), Dump(creator));
}

TEST_P(StoreContractTest, MissingCreatorIsFoundAsNothing) {
  ASSERT_OK_AND_ASSIGN(std::optional<Creator> by_key,
                       store_->FindCreator(Platform::kInstagram, "nobody"));
  EXPECT_FALSE(by_key.has_value());
  ASSERT_OK_AND_ASSIGN(std::optional<Creator> by_id, store_->GetCreator(424'242));
  EXPECT_FALSE(by_id.has_value());
}

TEST_P(StoreContractTest, SameHandleOnAnotherPlatformIsAnotherCreator) {
  Creator on_instagram = FullCreator("alice", Platform::kInstagram);
  Creator on_tiktok = FullCreator("alice", Platform::kTikTok);
  on_tiktok.followers = 77;
  EXPECT_THAT(Write(Batch({on_instagram, on_tiktok})), FieldsAre(2, 0, 0));

  Creator instagram = Stored(on_instagram);
  Creator tiktok = Stored(on_tiktok);
  EXPECT_NE(instagram.id, tiktok.id);
  EXPECT_EQ(Dump(instagram), Dump(on_instagram));
  EXPECT_EQ(Dump(tiktok), Dump(on_tiktok));
  ASSERT_OK_AND_ASSIGN(std::optional<Creator> on_youtube,
                       store_->FindCreator(Platform::kYouTube, "alice"));
  EXPECT_FALSE(on_youtube.has_value());
}

TEST_P(StoreContractTest, CreatorMergeKeepsNewestNonEmptyField) {
  Creator old_profile = FullCreator("alice");
  old_profile.followers = 1'000;
  old_profile.niche = "beauty";
  old_profile.country = "FR";
  Write(Batch({old_profile}));

  Creator new_profile = BareCreator("alice", Platform::kInstagram, kT0 + 30 * kDay);
  new_profile.followers = 2'000;
  new_profile.country = "US";
  new_profile.source = "socialblade";
  // display_name "" and niche nullopt say "unknown here", not "erase".
  EXPECT_THAT(Write(Batch({new_profile})), FieldsAre(1, 0, 0));

  Creator expected = old_profile;
  expected.followers = 2'000;
  expected.country = "US";
  expected.source = "socialblade";
  expected.stats_as_of = kT0 + 30 * kDay;
  EXPECT_EQ(Dump(Stored(old_profile)), Dump(expected));
}

TEST_P(StoreContractTest, CreatorMergeNeverLetsOlderDataReplaceNewer) {
  Creator newer = FullCreator("alice");
  newer.stats_as_of = kT0 + 30 * kDay;
  newer.followers = 2'000;
  Write(Batch({newer}));

  Creator older = FullCreator("alice");
  older.stats_as_of = kT0;
  older.followers = 1'000;
  older.niche = "fitness";
  older.display_name = "Old Name";
  older.verified = false;
  older.source = "old_source";
  EXPECT_THAT(Write(Batch({older})), FieldsAre(0, 0, 0));
  EXPECT_EQ(Dump(Stored(newer)), Dump(newer));
}

TEST_P(StoreContractTest, CreatorMergeFillsFieldsUnknownSoFarFromOlderData) {
  Creator newer = BareCreator("alice", Platform::kInstagram, kT0 + 30 * kDay);
  newer.followers = 2'000;
  Write(Batch({newer}));

  Creator older = BareCreator("alice", Platform::kInstagram, kT0);
  older.followers = 1'000;
  older.niche = "fitness";
  older.display_name = "Alice";
  EXPECT_THAT(Write(Batch({older})), FieldsAre(1, 0, 0));

  Creator expected = newer;
  expected.niche = "fitness";
  expected.display_name = "Alice";
  EXPECT_EQ(Dump(Stored(newer)), Dump(expected));
}

TEST_P(StoreContractTest, CreatorMergeIsIndependentOfImportOrder) {
  // A dated profile with a niche (Kim's data) and a newer one with fresh counts but no
  // niche (Social Blade), imported in both orders into two creators.
  auto profiles = [](const std::string& handle) {
    Creator kim = BareCreator(handle, Platform::kInstagram, kT0);
    kim.display_name = "Alice";
    kim.niche = "beauty";
    kim.followers = 1'000;
    kim.country = "FR";
    kim.source = "kim_influencers";
    Creator socialblade = BareCreator(handle, Platform::kInstagram, kT0 + 60 * kDay);
    socialblade.followers = 5'000;
    socialblade.posts_count = 300;
    socialblade.verified = true;
    socialblade.source = "socialblade";
    return std::pair{kim, socialblade};
  };
  auto [kim_first, socialblade_second] = profiles("kim_first");
  auto [kim_second, socialblade_first] = profiles("socialblade_first");
  Write(Batch({kim_first}));
  Write(Batch({socialblade_second}));
  Write(Batch({socialblade_first}));
  Write(Batch({kim_second}));

  Creator expected = BareCreator("", Platform::kInstagram, kT0 + 60 * kDay);
  expected.display_name = "Alice";
  expected.niche = "beauty";
  expected.followers = 5'000;
  expected.posts_count = 300;
  expected.country = "FR";
  expected.verified = true;
  expected.source = "socialblade";
  for (const char* handle : {"kim_first", "socialblade_first"}) {
    SCOPED_TRACE(handle);
    expected.handle = handle;
    EXPECT_EQ(Dump(Stored(Platform::kInstagram, handle)), Dump(expected));
  }
}

TEST_P(StoreContractTest, CreatorMergeWithEqualStatsAsOfTakesTheIncomingValue) {
  Creator first = FullCreator("alice");
  Write(Batch({first}));
  Creator second = BareCreator("alice", Platform::kInstagram, first.stats_as_of);
  second.followers = 1'100;
  second.display_name = "Alice Again";
  EXPECT_THAT(Write(Batch({second})), FieldsAre(1, 0, 0));

  Creator expected = first;
  expected.followers = 1'100;
  expected.display_name = "Alice Again";
  EXPECT_EQ(Dump(Stored(first)), Dump(expected));
}

TEST_P(StoreContractTest, EmptyIncomingFieldsNeverEraseStoredOnes) {
  Creator full = FullCreator("alice");
  Write(Batch({full}));

  Creator empty_but_newer = BareCreator("alice", Platform::kInstagram, kT0 + kDay);
  // Only stats_as_of moves, and that alone is a change.
  EXPECT_THAT(Write(Batch({empty_but_newer})), FieldsAre(1, 0, 0));
  Creator expected = full;
  expected.stats_as_of = kT0 + kDay;
  EXPECT_EQ(Dump(Stored(full)), Dump(expected));

  EXPECT_THAT(Write(Batch({empty_but_newer})), FieldsAre(0, 0, 0));
  EXPECT_EQ(Dump(Stored(full)), Dump(expected));
}

TEST_P(StoreContractTest, SameCreatorTwiceInOneBatchIsMerged) {
  Creator older = FullCreator("alice");
  older.followers = 1'000;
  Creator newer = BareCreator("alice", Platform::kInstagram, kT0 + kDay);
  newer.followers = 2'000;
  ASSERT_OK_AND_ASSIGN(WriteCounts counts, store_->WriteBatch(Batch({older, newer})));
  EXPECT_GE(counts.creators_written, 1);

  Creator expected = older;
  expected.followers = 2'000;
  expected.stats_as_of = kT0 + kDay;
  EXPECT_EQ(Dump(Stored(older)), Dump(expected));
  EXPECT_EQ(TotalCreators(), 1);
}

// ---------------------------------------------------------------------------------------
// Batches: counting, idempotence, atomicity

TEST_P(StoreContractTest, WriteBatchCountsEveryNewRow) {
  Creator alice = FullCreator("alice");
  Creator bob = BareCreator("bob", Platform::kTikTok);
  ImportBatch batch =
      Batch({alice, bob}, {FullPost(alice, "a1"), BarePost(alice, "a2"), FullPost(bob, "b1")},
            {FullSnapshot(alice, kT0), BareSnapshot(bob, kT0, "tiktok_trending")});
  EXPECT_THAT(Write(batch), FieldsAre(2, 3, 2));
}

TEST_P(StoreContractTest, EmptyBatchWritesNothing) {
  EXPECT_THAT(Write(ImportBatch{}), FieldsAre(0, 0, 0));
  EXPECT_EQ(TotalCreators(), 0);
}

TEST_P(StoreContractTest, ReimportingTheSameBatchWritesNothing) {
  Creator alice = FullCreator("alice");
  Creator bare = BareCreator("bare", Platform::kYouTube);
  ImportBatch batch =
      Batch({alice, bare}, {FullPost(alice, "a1"), BarePost(alice, "a2"), BarePost(bare, "y1")},
            {FullSnapshot(alice, kT0), FullSnapshot(alice, kT0 + kDay),
             BareSnapshot(bare, kT0, "global_youtube")});
  EXPECT_THAT(Write(batch), FieldsAre(2, 3, 3));
  std::vector<std::string> creators = DumpAll(AllCreators());
  std::vector<std::string> posts = DumpAll(AllPosts());
  std::vector<std::string> snapshots = DumpAll(AllSnapshots());

  EXPECT_THAT(Write(batch), FieldsAre(0, 0, 0));
  EXPECT_THAT(Write(batch), FieldsAre(0, 0, 0));
  EXPECT_EQ(DumpAll(AllCreators()), creators);
  EXPECT_EQ(DumpAll(AllPosts()), posts);
  EXPECT_EQ(DumpAll(AllSnapshots()), snapshots);
}

// Two files describing one creator alike (the Kim influencer list and the Kim posts,
// say) must not take turns rewriting it: the source alone is not a change.
TEST_P(StoreContractTest, SameProfileFromAnotherSourceWritesNothingAndKeepsTheSource) {
  Creator from_list = FullCreator("alice");
  from_list.source = "kim_influencers";
  Creator from_posts = from_list;
  from_posts.source = "kim_posts";
  EXPECT_THAT(Write(Batch({from_list})), FieldsAre(1, 0, 0));
  EXPECT_THAT(Write(Batch({from_posts})), FieldsAre(0, 0, 0));
  EXPECT_THAT(Write(Batch({from_list})), FieldsAre(0, 0, 0));
  EXPECT_EQ(Stored(from_list).source, "kim_influencers");

  // A real change carries its source with it.
  from_posts.followers = *from_list.followers + 1;
  EXPECT_THAT(Write(Batch({from_posts})), FieldsAre(1, 0, 0));
  EXPECT_EQ(Stored(from_list).source, "kim_posts");
}

TEST_P(StoreContractTest, ReimportCountsOnlyTheRowsThatChanged) {
  Creator alice = FullCreator("alice");
  ImportBatch batch = Batch({alice}, {FullPost(alice, "a1"), FullPost(alice, "a2")},
                            {FullSnapshot(alice, kT0), FullSnapshot(alice, kT0 + kDay)});
  Write(batch);

  batch.creators[0].followers = *alice.followers + 1;
  batch.creators[0].stats_as_of = kT0 + 2 * kDay;
  batch.posts[1].likes = 99'999;
  batch.snapshots[0].avg_likes = 1.0;
  EXPECT_THAT(Write(batch), FieldsAre(1, 1, 1));
  EXPECT_THAT(Write(batch), FieldsAre(0, 0, 0));
}

TEST_P(StoreContractTest, PostWithUnknownCreatorRollsBackTheWholeBatch) {
  Creator alice = FullCreator("alice");
  Creator nobody = BareCreator("nobody");
  ImportBatch batch = Batch({alice}, {FullPost(alice, "a1"), FullPost(nobody, "ghost-post")},
                            {FullSnapshot(alice, kT0)});
  EXPECT_THAT(store_->WriteBatch(batch).status(),
              IsError(Code::kInvalidArgument, AllOf(HasSubstr("nobody"), HasSubstr("ghost-post"))));

  ASSERT_OK_AND_ASSIGN(std::optional<Creator> not_stored,
                       store_->FindCreator(Platform::kInstagram, "alice"));
  EXPECT_FALSE(not_stored.has_value());
  EXPECT_THAT(AllPosts(), IsEmpty());
  EXPECT_THAT(AllSnapshots(), IsEmpty());

  // The store is still usable, and the failed batch left nothing half-written behind.
  batch.posts.pop_back();
  EXPECT_THAT(Write(batch), FieldsAre(1, 1, 1));
}

TEST_P(StoreContractTest, SnapshotWithUnknownCreatorRollsBackTheWholeBatch) {
  Creator alice = FullCreator("alice");
  Write(Batch({alice}));
  Creator nobody = BareCreator("nobody", Platform::kTikTok);
  Creator bob = FullCreator("bob");
  ImportBatch batch =
      Batch({bob}, {FullPost(alice, "a1")},
            {FullSnapshot(alice, kT0), FullSnapshot(nobody, kT0, "tiktok_trending")});
  EXPECT_THAT(store_->WriteBatch(batch).status(),
              IsError(Code::kInvalidArgument, AllOf(HasSubstr("nobody"), HasSubstr("tiktok"))));

  ASSERT_OK_AND_ASSIGN(std::optional<Creator> not_stored,
                       store_->FindCreator(Platform::kInstagram, "bob"));
  EXPECT_FALSE(not_stored.has_value());
  EXPECT_THAT(PostsOf(alice), IsEmpty());
  EXPECT_THAT(SnapshotsOf(alice), IsEmpty());
}

TEST_P(StoreContractTest, CreatorIsKnownOnlyOnItsOwnPlatform) {
  Creator alice = FullCreator("alice", Platform::kInstagram);
  Write(Batch({alice}));
  Post on_tiktok = FullPost(alice, "t1");
  on_tiktok.platform = Platform::kTikTok;
  EXPECT_THAT(store_->WriteBatch(Batch({}, {on_tiktok})).status(),
              IsError(Code::kInvalidArgument, HasSubstr("alice")));
}

TEST_P(StoreContractTest, PostsMayReferToCreatorsOfEarlierBatches) {
  Creator alice = FullCreator("alice");
  Write(Batch({alice}));
  EXPECT_THAT(Write(Batch({}, {FullPost(alice, "a1")}, {FullSnapshot(alice, kT0)})),
              FieldsAre(0, 1, 1));
  EXPECT_THAT(PostsOf(alice), SizeIs(1));
  EXPECT_THAT(SnapshotsOf(alice), SizeIs(1));
}

// ---------------------------------------------------------------------------------------
// Values the schema refuses: InvalidArgument naming the field, and nothing of the batch lands.

TEST_P(StoreContractTest, RefusedValuesAreInvalidArgumentNamingTheField) {
  Creator alice = FullCreator("alice");
  struct Case {
    std::string field;
    std::function<void(ImportBatch&)> spoil;
  };
  const std::vector<Case> cases = {
      {"handle", [](ImportBatch& b) { b.creators.push_back(FullCreator("")); }},
      {"followers", [](ImportBatch& b) { b.creators[0].followers = -1; }},
      {"following", [](ImportBatch& b) { b.creators[0].following = -1; }},
      {"posts_count", [](ImportBatch& b) { b.creators[0].posts_count = -1; }},
      {"external_id", [](ImportBatch& b) { b.posts[0].external_id = ""; }},
      {"likes", [](ImportBatch& b) { b.posts[0].likes = -5; }},
      {"comments", [](ImportBatch& b) { b.posts[0].comments = -5; }},
      {"views", [](ImportBatch& b) { b.posts[0].views = -5; }},
      {"shares", [](ImportBatch& b) { b.posts[0].shares = -5; }},
      {"width", [](ImportBatch& b) { b.posts[0].width = 0; }},
      {"height", [](ImportBatch& b) { b.posts[0].height = -1; }},
      {"extra_json", [](ImportBatch& b) { b.posts[0].extra_json = "{not json"; }},
      {"extra_json", [](ImportBatch& b) { b.posts[0].extra_json = "[1, 2]"; }},
      {"extra_json", [](ImportBatch& b) { b.posts[0].extra_json = ""; }},
      {"followers", [](ImportBatch& b) { b.snapshots[0].followers = -1; }},
      {"total_views", [](ImportBatch& b) { b.snapshots[0].total_views = -1; }},
      {"period_days", [](ImportBatch& b) { b.snapshots[0].period_days = 0; }},
      {"extra_json", [](ImportBatch& b) { b.snapshots[0].extra_json = "\"text\""; }},
      {"engagement_rate", [](ImportBatch& b) { b.snapshots[0].engagement_rate = std::nan(""); }},
      {"avg_likes",
       [](ImportBatch& b) { b.snapshots[0].avg_likes = std::numeric_limits<double>::infinity(); }},
  };
  for (const Case& c : cases) {
    ImportBatch batch = Batch({alice}, {FullPost(alice, "a1")}, {FullSnapshot(alice, kT0)});
    c.spoil(batch);
    SCOPED_TRACE(c.field);
    EXPECT_THAT(store_->WriteBatch(batch).status(),
                IsError(Code::kInvalidArgument, HasSubstr(c.field)));
    EXPECT_EQ(TotalCreators(), 0) << "the refused batch must leave nothing behind";
  }
}

TEST_P(StoreContractTest, RefusedPostIsNamedByItsExternalId) {
  Creator alice = FullCreator("alice");
  Post bad = FullPost(alice, "bad-post-17");
  bad.likes = -1;
  EXPECT_THAT(store_->WriteBatch(Batch({alice}, {FullPost(alice, "good"), bad})).status(),
              IsError(Code::kInvalidArgument, AllOf(HasSubstr("bad-post-17"), HasSubstr("likes"))));
}

// ---------------------------------------------------------------------------------------
// Posts

TEST_P(StoreContractTest, PostRoundTripsEveryField) {
  Creator alice = FullCreator("alice");
  Post post = FullPost(alice, "CG4xYz-AbC_1");
  post.id = 555;  // ignored: the store assigns ids
  Write(Batch({alice}, {post}));

  std::vector<Post> posts = PostsOf(alice);
  ASSERT_THAT(posts, SizeIs(1));
  EXPECT_GT(posts[0].id, 0);
  EXPECT_EQ(Dump(posts[0]), Dump(post));
}

TEST_P(StoreContractTest, PostWithoutOptionalFieldsReadsBackEmpty) {
  Creator alice = FullCreator("alice");
  Post post = BarePost(alice, "bare");
  Write(Batch({alice}, {post}));

  std::vector<Post> posts = PostsOf(alice);
  ASSERT_THAT(posts, SizeIs(1));
  EXPECT_EQ(Dump(posts[0]), Dump(post));
  EXPECT_FALSE(posts[0].posted_at.has_value());
  EXPECT_FALSE(posts[0].likes.has_value());
  EXPECT_EQ(posts[0].caption, "");
  EXPECT_EQ(posts[0].media_type, MediaType::kImage);
  EXPECT_FALSE(posts[0].sponsored);
}

TEST_P(StoreContractTest, EveryMediaTypeRoundTrips) {
  Creator alice = FullCreator("alice");
  std::vector<Post> posts;
  for (MediaType type : {MediaType::kImage, MediaType::kVideo, MediaType::kCarousel}) {
    Post post = BarePost(alice, "m" + std::to_string(posts.size()));
    post.media_type = type;
    posts.push_back(post);
  }
  Write(Batch({alice}, posts));
  EXPECT_EQ(DumpAll(PostsOf(alice)), DumpAll(posts));
}

TEST_P(StoreContractTest, CaptionsKeepUnicodeEmojiAndQuotesByteForByte) {
  Creator alice = FullCreator("alice");
  const std::vector<std::string> captions = {
      "Café ☕ — naïve façade, crème brûlée",
      "Family 👩‍👩‍👧‍👦 trip 🇫🇷🇯🇵 skin tones 👍🏽👍🏿",
      "日本語のキャプション、한국어 캡션、中文标题",
      "مرحبا بالعالم שלום עולם",
      "𝓯𝓪𝓷𝓬𝔂 𝕥𝕖𝕩𝕥 and e\u0301 (combining accent)",
      "line one\nline two\r\n\ttabbed 'single' \"double\" back\\slash",
      "'); DROP TABLE post; -- %s %d ? $1 :name",
  };
  std::vector<Post> posts;
  for (size_t i = 0; i < captions.size(); ++i) {
    Post post = FullPost(alice, "c" + std::to_string(i));
    post.caption = captions[i];
    post.image_description = "Image may contain: " + captions[i];
    post.location = captions[i];
    posts.push_back(post);
  }
  Write(Batch({alice}, posts));

  std::vector<Post> stored = PostsOf(alice);
  ASSERT_THAT(stored, SizeIs(captions.size()));
  for (size_t i = 0; i < captions.size(); ++i) {
    EXPECT_EQ(stored[i].caption, captions[i]);
    EXPECT_EQ(Dump(stored[i]), Dump(posts[i]));
  }
}

TEST_P(StoreContractTest, ReimportedPostReplacesEveryStoredField) {
  Creator alice = FullCreator("alice");
  Post first = FullPost(alice, "p1");
  Write(Batch({alice}, {first}));

  Post second = BarePost(alice, "p1");  // the newest import wins, even where it knows less
  second.posted_at = kT0 - kDay;
  second.caption = "edited caption ✏️";
  second.likes = 20'000;
  second.media_type = MediaType::kVideo;
  second.source = "instagram_reach";
  second.extra_json = R"({"edited": true})";
  EXPECT_THAT(Write(Batch({}, {second})), FieldsAre(0, 1, 0));
  EXPECT_THAT(Write(Batch({}, {second})), FieldsAre(0, 0, 0));

  std::vector<Post> posts = PostsOf(alice);
  ASSERT_THAT(posts, SizeIs(1));
  EXPECT_EQ(Dump(posts[0]), Dump(second));
}

TEST_P(StoreContractTest, PostsAreKeyedByPlatformAndExternalId) {
  Creator on_instagram = FullCreator("alice", Platform::kInstagram);
  Creator on_tiktok = FullCreator("alice", Platform::kTikTok);
  EXPECT_THAT(Write(Batch({on_instagram, on_tiktok},
                          {FullPost(on_instagram, "123"), FullPost(on_tiktok, "123")})),
              FieldsAre(2, 2, 0));
  EXPECT_THAT(PostsOf(on_instagram), SizeIs(1));
  EXPECT_THAT(PostsOf(on_tiktok), SizeIs(1));
}

TEST_P(StoreContractTest, PostsOfListsByPostedAtUnknownLastThenExternalId) {
  Creator alice = FullCreator("alice");
  auto post_at = [&](std::string id, std::optional<UnixSeconds> posted_at) {
    Post post = BarePost(alice, std::move(id));
    post.posted_at = posted_at;
    return post;
  };
  Write(Batch({alice},
              {post_at("p5", std::nullopt), post_at("p3", kT0 + 10), post_at("p1", kT0 + 20),
               post_at("p4", std::nullopt), post_at("p2", kT0 + 10), post_at("p0", kT0 - 5)}));

  std::vector<std::string> order;
  for (const Post& post : PostsOf(alice)) order.push_back(post.external_id);
  EXPECT_THAT(order, ElementsAre("p0", "p2", "p3", "p1", "p4", "p5"));
}

TEST_P(StoreContractTest, PostsOfListsOnlyThatCreatorsPosts) {
  Creator alice = FullCreator("alice");
  Creator bob = FullCreator("bob");
  Write(Batch({alice, bob}, {FullPost(alice, "a1"), FullPost(bob, "b1"), FullPost(alice, "a2")}));
  std::vector<Post> posts = PostsOf(alice);
  ASSERT_THAT(posts, SizeIs(2));
  for (const Post& post : posts) EXPECT_EQ(post.creator_handle, "alice");

  ASSERT_OK_AND_ASSIGN(std::vector<Post> of_nobody, store_->PostsOf(424'242));
  EXPECT_THAT(of_nobody, IsEmpty());
}

// ---------------------------------------------------------------------------------------
// Snapshots

TEST_P(StoreContractTest, SnapshotRoundTripsEveryField) {
  Creator alice = FullCreator("alice", Platform::kYouTube);
  Snapshot snapshot = FullSnapshot(alice, kT0);
  snapshot.id = 777;  // ignored: the store assigns ids
  Write(Batch({alice}, {}, {snapshot}));

  std::vector<Snapshot> snapshots = SnapshotsOf(alice);
  ASSERT_THAT(snapshots, SizeIs(1));
  EXPECT_GT(snapshots[0].id, 0);
  EXPECT_EQ(Dump(snapshots[0]), Dump(snapshot));
}

TEST_P(StoreContractTest, SnapshotWithoutOptionalFieldsReadsBackEmpty) {
  Creator alice = FullCreator("alice");
  Snapshot snapshot = BareSnapshot(alice, kT0, "");
  Write(Batch({alice}, {}, {snapshot}));

  std::vector<Snapshot> snapshots = SnapshotsOf(alice);
  ASSERT_THAT(snapshots, SizeIs(1));
  EXPECT_EQ(Dump(snapshots[0]), Dump(snapshot));
  EXPECT_FALSE(snapshots[0].engagement_rate.has_value());
}

TEST_P(StoreContractTest, SnapshotsAreKeyedByCreatorSourceAndTakenAt) {
  Creator alice = FullCreator("alice");
  Creator bob = FullCreator("bob");
  EXPECT_THAT(
      Write(Batch(
          {alice, bob}, {},
          {FullSnapshot(alice, kT0, "socialblade"), FullSnapshot(alice, kT0, "kim_influencers"),
           FullSnapshot(alice, kT0 + kDay, "socialblade"), FullSnapshot(bob, kT0, "socialblade")})),
      FieldsAre(2, 0, 4));

  Snapshot changed = FullSnapshot(alice, kT0, "socialblade");
  changed.followers = 260'000;
  changed.avg_likes = std::nullopt;  // the newest import wins, even where it knows less
  EXPECT_THAT(Write(Batch({}, {}, {changed})), FieldsAre(0, 0, 1));

  std::vector<Snapshot> snapshots = SnapshotsOf(alice);
  ASSERT_THAT(snapshots, SizeIs(3));
  EXPECT_EQ(Dump(snapshots[1]), Dump(changed));
  EXPECT_THAT(SnapshotsOf(bob), SizeIs(1));
}

TEST_P(StoreContractTest, SnapshotsOfListsByTakenAtThenSource) {
  Creator alice = FullCreator("alice");
  Write(Batch({alice}, {},
              {BareSnapshot(alice, kT0 + 2 * kDay, "a_source"),
               BareSnapshot(alice, kT0, "socialblade"), BareSnapshot(alice, kT0 + kDay, "b"),
               BareSnapshot(alice, kT0, "kim"), BareSnapshot(alice, kT0 + kDay, "a")}));

  std::vector<std::string> order;
  for (const Snapshot& s : SnapshotsOf(alice)) {
    order.push_back(std::to_string((s.taken_at - kT0) / kDay) + ":" + s.source);
  }
  EXPECT_THAT(order, ElementsAre("0:kim", "0:socialblade", "1:a", "1:b", "2:a_source"));
}

// ---------------------------------------------------------------------------------------
// Streaming

TEST_P(StoreContractTest, ForEachVisitsEveryRowInIdOrder) {
  Creator alice = FullCreator("alice");
  Creator bob = BareCreator("bob", Platform::kTikTok);
  Creator carol = FullCreator("carol", Platform::kYouTube);
  std::vector<Post> posts = {FullPost(alice, "a1"), BarePost(bob, "b1"), FullPost(alice, "a2"),
                             FullPost(carol, "c1")};
  std::vector<Snapshot> snapshots = {FullSnapshot(bob, kT0, "tiktok_trending"),
                                     FullSnapshot(alice, kT0), FullSnapshot(carol, kT0)};
  Write(Batch({alice, bob}, {posts[0], posts[1]}, {snapshots[0]}));
  Write(Batch({carol}, {posts[2], posts[3]}, {snapshots[1], snapshots[2]}));

  std::vector<Creator> creators = AllCreators();
  ASSERT_THAT(creators, SizeIs(3));
  EXPECT_EQ(DumpAll(creators), DumpAll(std::vector<Creator>{alice, bob, carol}));
  EXPECT_LT(creators[0].id, creators[1].id);
  EXPECT_LT(creators[1].id, creators[2].id);

  std::vector<Post> stored_posts = AllPosts();
  EXPECT_EQ(DumpAll(stored_posts), DumpAll(posts));
  EXPECT_TRUE(std::is_sorted(stored_posts.begin(), stored_posts.end(),
                             [](const Post& a, const Post& b) { return a.id < b.id; }));

  std::vector<Snapshot> stored_snapshots = AllSnapshots();
  EXPECT_EQ(DumpAll(stored_snapshots), DumpAll(snapshots));
  EXPECT_TRUE(std::is_sorted(stored_snapshots.begin(), stored_snapshots.end(),
                             [](const Snapshot& a, const Snapshot& b) { return a.id < b.id; }));
}

TEST_P(StoreContractTest, ForEachStreamsTensOfThousandsOfRows) {
  constexpr int kBatches = 4;
  constexpr int kPostsPerBatch = 6'000;
  Creator alice = FullCreator("alice");
  Write(Batch({alice}));
  for (int b = 0; b < kBatches; ++b) {
    ImportBatch batch;
    for (int i = 0; i < kPostsPerBatch; ++i) {
      Post post = FullPost(alice, "p" + std::to_string(b * kPostsPerBatch + i));
      post.likes = i;
      batch.posts.push_back(std::move(post));
    }
    EXPECT_THAT(Write(batch), FieldsAre(0, kPostsPerBatch, 0));
  }

  int64_t visited = 0;
  int64_t last_id = 0;
  bool ordered = true;
  ASSERT_OK(store_->ForEachPost([&](const Post& post) {
    ordered = ordered && post.id > last_id;
    last_id = post.id;
    ++visited;
    return Status::Ok();
  }));
  EXPECT_EQ(visited, kBatches * kPostsPerBatch);
  EXPECT_TRUE(ordered);
}

TEST_P(StoreContractTest, ForEachPostStopsAtVisitorError) {
  Creator alice = FullCreator("alice");
  std::vector<Post> posts;
  for (int i = 0; i < 10; ++i) posts.push_back(BarePost(alice, "p" + std::to_string(i)));
  Write(Batch({alice}, posts));

  int visited = 0;
  Status status = store_->ForEachPost([&](const Post&) {
    return ++visited == 3 ? Internal("visitor gave up at 3") : Status::Ok();
  });
  EXPECT_THAT(status, IsError(Code::kInternal, ::testing::Eq("visitor gave up at 3")));
  EXPECT_EQ(visited, 3);

  // The interrupted stream leaves the store fully usable.
  EXPECT_THAT(AllPosts(), SizeIs(10));
  EXPECT_THAT(Write(Batch({}, {BarePost(alice, "p10")})), FieldsAre(0, 1, 0));
}

TEST_P(StoreContractTest, ForEachCreatorStopsAtVisitorError) {
  Write(Batch({FullCreator("a"), FullCreator("b"), FullCreator("c")}));
  int visited = 0;
  Status status = store_->ForEachCreator([&](const Creator&) {
    ++visited;
    return NotFound("enough creators");
  });
  EXPECT_THAT(status, IsError(Code::kNotFound, ::testing::Eq("enough creators")));
  EXPECT_EQ(visited, 1);
}

TEST_P(StoreContractTest, ForEachSnapshotStopsAtVisitorError) {
  Creator alice = FullCreator("alice");
  Write(Batch({alice}, {},
              {BareSnapshot(alice, kT0, "s"), BareSnapshot(alice, kT0 + 1, "s"),
               BareSnapshot(alice, kT0 + 2, "s")}));
  int visited = 0;
  Status status = store_->ForEachSnapshot([&](const Snapshot&) {
    return ++visited == 2 ? InvalidArgument("bad snapshot") : Status::Ok();
  });
  EXPECT_THAT(status, IsError(Code::kInvalidArgument, ::testing::Eq("bad snapshot")));
  EXPECT_EQ(visited, 2);
}

TEST_P(StoreContractTest, VisitorMayQueryTheStoreWhileStreaming) {
  // How a feature pipeline walks the data: for each creator, read its posts and series.
  Creator alice = FullCreator("alice");
  Creator bob = FullCreator("bob");
  Write(Batch({alice, bob}, {FullPost(alice, "a1"), FullPost(alice, "a2"), FullPost(bob, "b1")},
              {FullSnapshot(bob, kT0)}));

  std::map<std::string, std::pair<size_t, size_t>> seen;
  ASSERT_OK(store_->ForEachCreator([&](const Creator& creator) {
    SPHERE_ASSIGN_OR_RETURN(std::vector<Post> posts, store_->PostsOf(creator.id));
    SPHERE_ASSIGN_OR_RETURN(std::vector<Snapshot> snapshots, store_->SnapshotsOf(creator.id));
    SPHERE_ASSIGN_OR_RETURN(std::optional<Creator> again, store_->GetCreator(creator.id));
    if (!again || again->handle != creator.handle) return Internal("GetCreator disagrees");
    int nested = 0;
    SPHERE_RETURN_IF_ERROR(store_->ForEachCreator([&](const Creator&) {
      ++nested;
      return Status::Ok();
    }));
    if (nested != 2) return Internal("nested ForEachCreator saw " + std::to_string(nested));
    seen[creator.handle] = {posts.size(), snapshots.size()};
    return Status::Ok();
  }));
  EXPECT_THAT(seen, ElementsAre(std::pair{std::string("alice"), std::pair<size_t, size_t>{2, 0}},
                                std::pair{std::string("bob"), std::pair<size_t, size_t>{1, 1}}));
}

// ---------------------------------------------------------------------------------------
// Import log

TEST_P(StoreContractTest, RecordedImportsAreListed) {
  ImportRecord kim{"data/kim/influencers.txt", "ab12", "kim_influencers", 33'935, 12, kT0};
  ImportRecord blade{"data/socialblade.csv", "cd34", "socialblade", 500, 0, kT0 + 60};
  ASSERT_OK(store_->RecordImport(kim));
  ASSERT_OK(store_->RecordImport(blade));

  ASSERT_OK_AND_ASSIGN(std::vector<ImportRecord> imports, store_->ListImports());
  std::vector<std::string> listed = DumpAll(imports);
  std::sort(listed.begin(), listed.end());
  std::vector<std::string> expected = {Dump(kim), Dump(blade)};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(listed, expected);
}

TEST_P(StoreContractTest, RecordingTheSameFileAgainUpdatesItsRow) {
  ImportRecord first{"data/top200.csv", "ab12", "top200", 100, 5, kT0};
  ASSERT_OK(store_->RecordImport(first));
  ImportRecord again{"data/top200.csv", "ab12", "top200", 105, 0, kT0 + kDay};
  ASSERT_OK(store_->RecordImport(again));

  ASSERT_OK_AND_ASSIGN(std::vector<ImportRecord> imports, store_->ListImports());
  EXPECT_EQ(DumpAll(imports), std::vector<std::string>{Dump(again)});

  // Same path, new content: a different import.
  ImportRecord edited{"data/top200.csv", "ef56", "top200", 90, 1, kT0 + 2 * kDay};
  ASSERT_OK(store_->RecordImport(edited));
  ASSERT_OK_AND_ASSIGN(imports, store_->ListImports());
  EXPECT_THAT(imports, SizeIs(2));
}

// ---------------------------------------------------------------------------------------
// Stats

TEST_P(StoreContractTest, StatsCountByPlatformNicheTierAndSource) {
  std::vector<Creator> creators;
  auto add = [&](std::string handle, Platform platform, std::optional<int64_t> followers,
                 std::optional<std::string> niche) {
    Creator creator = BareCreator(std::move(handle), platform);
    creator.followers = followers;
    creator.niche = std::move(niche);
    creators.push_back(creator);
    return creator;
  };
  // Every tier boundary from both sides.
  Creator alice = add("i9999", Platform::kInstagram, 9'999, "beauty");
  add("i10000", Platform::kInstagram, 10'000, "beauty");
  add("i99999", Platform::kInstagram, 99'999, "fitness");
  add("i100000", Platform::kInstagram, 100'000, std::nullopt);
  add("i499999", Platform::kInstagram, 499'999, "beauty");
  add("i500000", Platform::kInstagram, 500'000, "food");
  add("i999999", Platform::kInstagram, 999'999, "food");
  add("i1000000", Platform::kInstagram, 1'000'000, "food");
  add("i_unknown", Platform::kInstagram, std::nullopt, std::nullopt);
  Creator tiktoker = add("t0", Platform::kTikTok, 0, "dance");
  add("t5m", Platform::kTikTok, 5'000'000, "dance");

  std::vector<Post> posts = {BarePost(alice, "x1"), BarePost(alice, "x2"), BarePost(alice, "x3"),
                             BarePost(tiktoker, "t1")};
  posts[0].posted_at = kT0 + 100;
  posts[1].posted_at = kT0 + 5;
  std::vector<Snapshot> snapshots = {BareSnapshot(alice, kT0 + 70, "socialblade"),
                                     BareSnapshot(alice, kT0 + 7, "socialblade"),
                                     BareSnapshot(tiktoker, kT0 + 9, "tiktok_trending")};
  Write(Batch(creators, posts, snapshots));

  ASSERT_OK_AND_ASSIGN(User brand, store_->CreateUser(MakeUser("brand", "h1")));
  ASSERT_OK(store_->CreateUser(MakeUser("creator", "h2", Role::kCreator)).status());
  ASSERT_OK_AND_ASSIGN(AlertRule rule, store_->CreateAlertRule(MakeRule(brand.id, "r1")));
  ASSERT_OK(store_->CreateAlertRule(MakeRule(brand.id, "r2")).status());
  ASSERT_OK(store_->CreateAlertRule(MakeRule(brand.id, "r3")).status());
  AlertEvent event{0, rule.id, Stored(alice).id, kT0, "{}"};
  ASSERT_OK(store_->AppendAlertEvent(event).status());
  ASSERT_OK(store_->AppendAlertEvent(event).status());
  ASSERT_OK(store_->SaveModel(MakeModel("plep", "v1", kT0)).status());
  ASSERT_OK(store_->WriteMarketValues({FullValue(Stored(alice).id, kT0),
                                       FullValue(Stored(alice).id, kT0 + kDay),
                                       BareValue(Stored(tiktoker).id, kT0)}));

  ASSERT_OK_AND_ASSIGN(StoreStats stats, store_->Stats());
  StoreStats::PlatformCounts instagram = CountsFor(stats, Platform::kInstagram);
  EXPECT_EQ(instagram.creators, 9);
  EXPECT_EQ(instagram.posts, 3);
  EXPECT_EQ(instagram.snapshots, 2);
  EXPECT_EQ(instagram.posted.first, kT0 + 5);
  EXPECT_EQ(instagram.posted.last, kT0 + 100);
  EXPECT_EQ(instagram.snapshots_taken.first, kT0 + 7);
  EXPECT_EQ(instagram.snapshots_taken.last, kT0 + 70);

  StoreStats::PlatformCounts tiktok = CountsFor(stats, Platform::kTikTok);
  EXPECT_EQ(tiktok.creators, 2);
  EXPECT_EQ(tiktok.posts, 1);
  EXPECT_EQ(tiktok.snapshots, 1);
  EXPECT_FALSE(tiktok.posted.first.has_value()) << "its only post has no date";
  EXPECT_FALSE(tiktok.posted.last.has_value());
  EXPECT_EQ(tiktok.snapshots_taken.first, kT0 + 9);
  EXPECT_EQ(tiktok.snapshots_taken.last, kT0 + 9);

  StoreStats::PlatformCounts youtube = CountsFor(stats, Platform::kYouTube);
  EXPECT_EQ(youtube.creators, 0);
  EXPECT_EQ(youtube.posts, 0);
  EXPECT_EQ(youtube.snapshots, 0);

  EXPECT_EQ(stats.creators_by_niche, (std::map<std::string, int64_t>{
                                         {"(none)", 2},
                                         {"beauty", 3},
                                         {"dance", 2},
                                         {"fitness", 1},
                                         {"food", 3},
                                     }));
  EXPECT_EQ(stats.creators_by_tier, (std::map<std::string, int64_t>{
                                        {"(unknown)", 1},
                                        {"nano", 2},
                                        {"micro", 2},
                                        {"mid", 2},
                                        {"macro", 2},
                                        {"mega", 2},
                                    }));
  EXPECT_EQ(stats.snapshots_by_source,
            (std::map<std::string, int64_t>{{"socialblade", 2}, {"tiktok_trending", 1}}));
  EXPECT_EQ(stats.users, 2);
  EXPECT_EQ(stats.alert_rules, 3);
  EXPECT_EQ(stats.alert_events, 2);
  EXPECT_EQ(stats.models, 1);
  EXPECT_EQ(stats.market_values, 3);
}

TEST_P(StoreContractTest, TierBucketsFollowCoreTierBoundaries) {
  // The store's tiers must be exactly TierOf(): one creator just under and one at each bound.
  std::vector<Creator> creators;
  std::map<std::string, int64_t> expected;
  for (int64_t bound : kTierLowerBound) {
    for (int64_t followers : {bound - 1, bound}) {
      if (followers < 0) continue;
      Creator creator = BareCreator("f" + std::to_string(followers));
      creator.followers = followers;
      creators.push_back(creator);
      ++expected[std::string(ToString(TierOf(followers)))];
    }
  }
  Write(Batch(creators));
  ASSERT_OK_AND_ASSIGN(StoreStats stats, store_->Stats());
  EXPECT_EQ(stats.creators_by_tier, expected);
}

// ---------------------------------------------------------------------------------------
// Users

TEST_P(StoreContractTest, CreatedUserIsFoundByItsKeyHash) {
  for (Role role : {Role::kBrand, Role::kCreator, Role::kAdmin}) {
    std::string name(ToString(role));
    SCOPED_TRACE(name);
    User user = MakeUser("Ünïcode " + name + " 🚀", "sha256:" + name, role);
    ASSERT_OK_AND_ASSIGN(User created, store_->CreateUser(user));
    EXPECT_GT(created.id, 0);
    EXPECT_EQ(Dump(created), Dump(user));

    ASSERT_OK_AND_ASSIGN(std::optional<User> found, store_->FindUserByKeyHash(user.api_key_hash));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->id, created.id);
    EXPECT_EQ(Dump(*found), Dump(user));
  }
}

TEST_P(StoreContractTest, UnknownKeyHashFindsNoUser) {
  ASSERT_OK(store_->CreateUser(MakeUser("brand", "known-hash")).status());
  ASSERT_OK_AND_ASSIGN(std::optional<User> found, store_->FindUserByKeyHash("unknown-hash"));
  EXPECT_FALSE(found.has_value());
  ASSERT_OK_AND_ASSIGN(found, store_->FindUserByKeyHash("KNOWN-HASH"));
  EXPECT_FALSE(found.has_value()) << "key hashes are compared exactly";
}

TEST_P(StoreContractTest, DuplicateApiKeyHashIsAlreadyExists) {
  ASSERT_OK_AND_ASSIGN(User first, store_->CreateUser(MakeUser("first", "same-hash")));
  EXPECT_THAT(store_->CreateUser(MakeUser("second", "same-hash")).status(),
              IsError(Code::kAlreadyExists, HasSubstr("api_key_hash")));
  ASSERT_OK_AND_ASSIGN(std::optional<User> found, store_->FindUserByKeyHash("same-hash"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, first.id);
  ASSERT_OK_AND_ASSIGN(StoreStats stats, store_->Stats());
  EXPECT_EQ(stats.users, 1);
}

TEST_P(StoreContractTest, UsersGetDistinctIds) {
  std::set<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(
        User user, store_->CreateUser(MakeUser("u" + std::to_string(i), "h" + std::to_string(i))));
    ids.insert(user.id);
  }
  EXPECT_THAT(ids, SizeIs(5));
}

// ---------------------------------------------------------------------------------------
// Alert rules and events

class AlertContractTest : public StoreContractTest {
 protected:
  void SetUp() override {
    StoreContractTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(brand_a_, store_->CreateUser(MakeUser("Brand A", "key-a")));
    ASSERT_OK_AND_ASSIGN(brand_b_, store_->CreateUser(MakeUser("Brand B", "key-b")));
    Creator alice = FullCreator("alice");
    Creator bob = FullCreator("bob");
    Write(Batch({alice, bob}));
    alice_id_ = Stored(alice).id;
    bob_id_ = Stored(bob).id;
  }

  AlertEvent Event(int64_t rule_id, int64_t creator_id, UnixSeconds fired_at) {
    return AlertEvent{0, rule_id, creator_id, fired_at,
                      R"({"followers_growth": 0.07, "window_days": 7})"};
  }

  User brand_a_;
  User brand_b_;
  int64_t alice_id_ = 0;
  int64_t bob_id_ = 0;
};

INSTANTIATE_TEST_SUITE_P(AllBackends, AlertContractTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST_P(AlertContractTest, AlertRuleRoundTripsEveryField) {
  AlertRule rule = MakeRule(brand_a_.id, "Rising beauty creators 💄");
  rule.enabled = false;
  ASSERT_OK_AND_ASSIGN(AlertRule created, store_->CreateAlertRule(rule));
  EXPECT_GT(created.id, 0);
  EXPECT_EQ(Dump(created), Dump(rule));

  ASSERT_OK_AND_ASSIGN(std::vector<AlertRule> rules, store_->ListAlertRules(brand_a_.id));
  ASSERT_THAT(rules, SizeIs(1));
  EXPECT_EQ(rules[0].id, created.id);
  EXPECT_EQ(Dump(rules[0]), Dump(rule));
}

TEST_P(AlertContractTest, UsersNeverSeeOtherOwnersAlertRules) {
  ASSERT_OK_AND_ASSIGN(AlertRule a1, store_->CreateAlertRule(MakeRule(brand_a_.id, "a1")));
  ASSERT_OK_AND_ASSIGN(AlertRule b1, store_->CreateAlertRule(MakeRule(brand_b_.id, "b1")));
  ASSERT_OK_AND_ASSIGN(AlertRule a2, store_->CreateAlertRule(MakeRule(brand_a_.id, "a2")));

  ASSERT_OK_AND_ASSIGN(std::vector<AlertRule> of_a, store_->ListAlertRules(brand_a_.id));
  std::vector<int64_t> a_ids;
  for (const AlertRule& rule : of_a) a_ids.push_back(rule.id);
  EXPECT_THAT(a_ids, ElementsAre(a1.id, a2.id));

  ASSERT_OK_AND_ASSIGN(std::vector<AlertRule> of_b, store_->ListAlertRules(brand_b_.id));
  ASSERT_THAT(of_b, SizeIs(1));
  EXPECT_EQ(of_b[0].id, b1.id);

  ASSERT_OK_AND_ASSIGN(std::vector<AlertRule> of_nobody, store_->ListAlertRules(424'242));
  EXPECT_THAT(of_nobody, IsEmpty());
}

TEST_P(AlertContractTest, DeletingAnotherOwnersRuleIsNotFoundAndKeepsIt) {
  ASSERT_OK_AND_ASSIGN(AlertRule rule, store_->CreateAlertRule(MakeRule(brand_a_.id, "mine")));
  EXPECT_THAT(store_->DeleteAlertRule(brand_b_.id, rule.id),
              IsError(Code::kNotFound, ::testing::_));
  ASSERT_OK_AND_ASSIGN(std::vector<AlertRule> rules, store_->ListAlertRules(brand_a_.id));
  EXPECT_THAT(rules, SizeIs(1));
}

TEST_P(AlertContractTest, DeletedRuleIsGoneAndDeletingItAgainIsNotFound) {
  ASSERT_OK_AND_ASSIGN(AlertRule keep, store_->CreateAlertRule(MakeRule(brand_a_.id, "keep")));
  ASSERT_OK_AND_ASSIGN(AlertRule drop, store_->CreateAlertRule(MakeRule(brand_a_.id, "drop")));
  ASSERT_OK(store_->DeleteAlertRule(brand_a_.id, drop.id));

  ASSERT_OK_AND_ASSIGN(std::vector<AlertRule> rules, store_->ListAlertRules(brand_a_.id));
  ASSERT_THAT(rules, SizeIs(1));
  EXPECT_EQ(rules[0].id, keep.id);
  EXPECT_THAT(store_->DeleteAlertRule(brand_a_.id, drop.id),
              IsError(Code::kNotFound, ::testing::_));
  EXPECT_THAT(store_->DeleteAlertRule(brand_a_.id, 424'242),
              IsError(Code::kNotFound, ::testing::_));
}

TEST_P(AlertContractTest, AlertRuleForAnUnknownOwnerIsInvalidArgument) {
  EXPECT_THAT(store_->CreateAlertRule(MakeRule(424'242, "orphan")).status(),
              IsError(Code::kInvalidArgument, HasSubstr("owner_user_id")));
}

TEST_P(AlertContractTest, JsonFieldsMustBeJsonObjects) {
  AlertRule rule = MakeRule(brand_a_.id, "bad condition");
  rule.condition_json = "followers > 10";
  EXPECT_THAT(store_->CreateAlertRule(rule).status(),
              IsError(Code::kInvalidArgument, HasSubstr("condition_json")));

  ASSERT_OK_AND_ASSIGN(AlertRule good, store_->CreateAlertRule(MakeRule(brand_a_.id, "good")));
  AlertEvent event = Event(good.id, alice_id_, kT0);
  event.payload_json = "[]";
  EXPECT_THAT(store_->AppendAlertEvent(event).status(),
              IsError(Code::kInvalidArgument, HasSubstr("payload_json")));

  ModelRecord model = MakeModel("plep", "v1", kT0);
  model.manifest_json = "{";
  EXPECT_THAT(store_->SaveModel(model).status(),
              IsError(Code::kInvalidArgument, HasSubstr("manifest_json")));
  model = MakeModel("plep", "v1", kT0);
  model.metrics_json = "3.5";
  EXPECT_THAT(store_->SaveModel(model).status(),
              IsError(Code::kInvalidArgument, HasSubstr("metrics_json")));
}

TEST_P(AlertContractTest, AlertEventsRoundTripAndPageOldestFirst) {
  ASSERT_OK_AND_ASSIGN(AlertRule rule, store_->CreateAlertRule(MakeRule(brand_a_.id, "r")));
  std::vector<AlertEvent> appended;
  for (int i = 0; i < 5; ++i) {
    AlertEvent event = Event(rule.id, i % 2 == 0 ? alice_id_ : bob_id_, kT0 + i);
    ASSERT_OK_AND_ASSIGN(AlertEvent stored, store_->AppendAlertEvent(event));
    EXPECT_EQ(Dump(stored), Dump(event));
    if (!appended.empty()) {
      EXPECT_GT(stored.id, appended.back().id);
    }
    appended.push_back(stored);
  }

  ASSERT_OK_AND_ASSIGN(std::vector<AlertEvent> all, store_->ListAlertEvents(brand_a_.id, 0, 100));
  EXPECT_EQ(DumpAll(all), DumpAll(appended));
  ASSERT_THAT(all, SizeIs(5));
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].id, appended[i].id);

  ASSERT_OK_AND_ASSIGN(std::vector<AlertEvent> page,
                       store_->ListAlertEvents(brand_a_.id, appended[1].id, 2));
  ASSERT_THAT(page, SizeIs(2));
  EXPECT_EQ(page[0].id, appended[2].id);
  EXPECT_EQ(page[1].id, appended[3].id);

  ASSERT_OK_AND_ASSIGN(std::vector<AlertEvent> none,
                       store_->ListAlertEvents(brand_a_.id, appended[4].id, 10));
  EXPECT_THAT(none, IsEmpty());
}

TEST_P(AlertContractTest, UsersNeverSeeOtherOwnersAlertEvents) {
  ASSERT_OK_AND_ASSIGN(AlertRule of_a, store_->CreateAlertRule(MakeRule(brand_a_.id, "a")));
  ASSERT_OK_AND_ASSIGN(AlertRule of_b, store_->CreateAlertRule(MakeRule(brand_b_.id, "b")));
  ASSERT_OK_AND_ASSIGN(AlertEvent event_a,
                       store_->AppendAlertEvent(Event(of_a.id, alice_id_, kT0)));
  ASSERT_OK_AND_ASSIGN(AlertEvent event_b,
                       store_->AppendAlertEvent(Event(of_b.id, alice_id_, kT0)));
  EXPECT_EQ(event_a.owner_user_id, brand_a_.id);
  EXPECT_EQ(event_b.owner_user_id, brand_b_.id);

  ASSERT_OK_AND_ASSIGN(std::vector<AlertEvent> seen_by_a,
                       store_->ListAlertEvents(brand_a_.id, 0, 100));
  ASSERT_THAT(seen_by_a, SizeIs(1));
  EXPECT_EQ(seen_by_a[0].id, event_a.id);
  EXPECT_EQ(seen_by_a[0].owner_user_id, brand_a_.id);
  ASSERT_OK_AND_ASSIGN(std::vector<AlertEvent> seen_by_b,
                       store_->ListAlertEvents(brand_b_.id, 0, 100));
  ASSERT_THAT(seen_by_b, SizeIs(1));
  EXPECT_EQ(seen_by_b[0].id, event_b.id);
  EXPECT_EQ(seen_by_b[0].owner_user_id, brand_b_.id);
}

TEST_P(AlertContractTest, AlertEventWithAnUnknownRuleOrCreatorIsInvalidArgument) {
  ASSERT_OK_AND_ASSIGN(AlertRule rule, store_->CreateAlertRule(MakeRule(brand_a_.id, "r")));
  EXPECT_THAT(store_->AppendAlertEvent(Event(424'242, alice_id_, kT0)).status(),
              IsError(Code::kInvalidArgument, HasSubstr("rule_id")));
  EXPECT_THAT(store_->AppendAlertEvent(Event(rule.id, 424'242, kT0)).status(),
              IsError(Code::kInvalidArgument, HasSubstr("creator_id")));
  ASSERT_OK_AND_ASSIGN(StoreStats stats, store_->Stats());
  EXPECT_EQ(stats.alert_events, 0);
}

TEST_P(AlertContractTest, DeletingARuleWithEventsTakesThemOutOfTheFeed) {
  ASSERT_OK_AND_ASSIGN(AlertRule keep, store_->CreateAlertRule(MakeRule(brand_a_.id, "keep")));
  ASSERT_OK_AND_ASSIGN(AlertRule drop, store_->CreateAlertRule(MakeRule(brand_a_.id, "drop")));
  ASSERT_OK_AND_ASSIGN(AlertEvent kept, store_->AppendAlertEvent(Event(keep.id, alice_id_, kT0)));
  ASSERT_OK(store_->AppendAlertEvent(Event(drop.id, bob_id_, kT0)).status());

  ASSERT_OK(store_->DeleteAlertRule(brand_a_.id, drop.id));
  ASSERT_OK_AND_ASSIGN(std::vector<AlertEvent> feed, store_->ListAlertEvents(brand_a_.id, 0, 100));
  ASSERT_THAT(feed, SizeIs(1));
  EXPECT_EQ(feed[0].id, kept.id);
}

TEST_P(AlertContractTest, AlertIdsAreNeverReused) {
  // A client pages the feed with "after_id" and deletes rules by id: a recycled id would
  // skip new events or delete the wrong rule.
  ASSERT_OK_AND_ASSIGN(AlertRule first, store_->CreateAlertRule(MakeRule(brand_a_.id, "first")));
  ASSERT_OK_AND_ASSIGN(AlertEvent old_event,
                       store_->AppendAlertEvent(Event(first.id, alice_id_, kT0)));
  ASSERT_OK(store_->DeleteAlertRule(brand_a_.id, first.id));

  ASSERT_OK_AND_ASSIGN(AlertRule second, store_->CreateAlertRule(MakeRule(brand_a_.id, "second")));
  ASSERT_OK_AND_ASSIGN(AlertEvent new_event,
                       store_->AppendAlertEvent(Event(second.id, alice_id_, kT0 + 1)));
  EXPECT_GT(second.id, first.id);
  EXPECT_GT(new_event.id, old_event.id);
  ASSERT_OK_AND_ASSIGN(std::vector<AlertEvent> after_old,
                       store_->ListAlertEvents(brand_a_.id, old_event.id, 10));
  ASSERT_THAT(after_old, SizeIs(1));
  EXPECT_EQ(after_old[0].id, new_event.id);
}

TEST_P(AlertContractTest, NonPositiveEventLimitIsInvalidArgument) {
  EXPECT_THAT(store_->ListAlertEvents(brand_a_.id, 0, 0).status(),
              IsError(Code::kInvalidArgument, HasSubstr("limit")));
  EXPECT_THAT(store_->ListAlertEvents(brand_a_.id, 0, -1).status(),
              IsError(Code::kInvalidArgument, HasSubstr("limit")));
}

// ---------------------------------------------------------------------------------------
// The alerts engine: states, evaluations, webhooks and their deliveries

Webhook MakeWebhook(int64_t owner_user_id, std::string url, bool enabled = true) {
  Webhook webhook;
  webhook.owner_user_id = owner_user_id;
  webhook.url = std::move(url);
  webhook.secret = "whsec_0123456789abcdef";
  webhook.enabled = enabled;
  webhook.created_at = kT0;
  return webhook;
}

// A pending delivery as CommitAlertEvaluation makes it.
WebhookDelivery Pending(int64_t webhook_id, const AlertEvent& event) {
  WebhookDelivery delivery;
  delivery.webhook_id = webhook_id;
  delivery.event_id = event.id;
  delivery.state = DeliveryState::kPending;
  delivery.attempts = 0;
  delivery.next_attempt_at = event.fired_at;
  delivery.last_error = "";
  delivery.updated_at = event.fired_at;
  return delivery;
}

template <typename T>
std::vector<int64_t> IdsOf(const std::vector<T>& rows) {
  std::vector<int64_t> ids;
  for (const T& row : rows) ids.push_back(row.id);
  return ids;
}

class AlertEngineContractTest : public AlertContractTest {
 protected:
  void SetUp() override {
    AlertContractTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(rule_a_, store_->CreateAlertRule(MakeRule(brand_a_.id, "of a")));
    ASSERT_OK_AND_ASSIGN(rule_b_, store_->CreateAlertRule(MakeRule(brand_b_.id, "of b")));
  }

  static AlertState State(int64_t rule_id, int64_t creator_id, UnixSeconds updated_at) {
    AlertState state;
    state.rule_id = rule_id;
    state.creator_id = creator_id;
    state.inside = true;
    state.reference = 1234.5678901234567;
    state.last_fired_at = updated_at - 60;
    state.updated_at = updated_at;
    return state;
  }

  Webhook CreateWebhookOrDie(const Webhook& webhook) {
    Result<Webhook> created = store_->CreateWebhook(webhook);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? *created : Webhook{};
  }

  std::vector<AlertEvent> Commit(const std::vector<AlertState>& states,
                                 const std::vector<AlertEvent>& events) {
    Result<Store::AlertCommit> commit = store_->CommitAlertEvaluation(states, events);
    EXPECT_TRUE(commit.ok()) << commit.status().ToString();
    if (!commit.ok()) return {};
    EXPECT_THAT(commit->stale, IsEmpty());
    return commit->events;
  }

  std::vector<WebhookDelivery> DeliveriesOf(const Webhook& webhook,
                                            std::optional<DeliveryState> state = std::nullopt) {
    Result<std::vector<WebhookDelivery>> deliveries =
        store_->ListWebhookDeliveries(webhook.owner_user_id, webhook.id, state, 1'000);
    EXPECT_TRUE(deliveries.ok()) << deliveries.status().ToString();
    return deliveries.ok() ? *deliveries : std::vector<WebhookDelivery>{};
  }

  std::vector<AlertEvent> AllEvents() {
    Result<std::vector<AlertEvent>> events = store_->ListAlertEventsAfter(0, 1'000);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? *events : std::vector<AlertEvent>{};
  }

  std::vector<AlertState> StatesOf(int64_t creator_id) {
    Result<std::vector<AlertState>> states = store_->AlertStatesOf(creator_id);
    EXPECT_TRUE(states.ok()) << states.status().ToString();
    return states.ok() ? *states : std::vector<AlertState>{};
  }

  std::vector<Store::DueDelivery> Due(UnixSeconds now, int limit = 1'000) {
    Result<std::vector<Store::DueDelivery>> due = store_->DueWebhookDeliveries(now, limit);
    EXPECT_TRUE(due.ok()) << due.status().ToString();
    return due.ok() ? *due : std::vector<Store::DueDelivery>{};
  }

  // Turns a webhook off behind the Store's back (the Store has no call for it yet).
  void Disable(const Webhook& webhook) {
    const std::string no = GetParam() == "postgres" ? "false" : "0";
    ASSERT_OK(backend_->ExecuteSql("UPDATE webhook SET enabled = " + no +
                                   " WHERE id = " + std::to_string(webhook.id)));
  }

  AlertRule rule_a_;
  AlertRule rule_b_;
};

INSTANTIATE_TEST_SUITE_P(AllBackends, AlertEngineContractTest,
                         ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST_P(AlertEngineContractTest, ListEnabledAlertRulesListsEveryOwnersEnabledRulesInIdOrder) {
  AlertRule off = MakeRule(brand_a_.id, "off");
  off.enabled = false;
  ASSERT_OK(store_->CreateAlertRule(off).status());
  ASSERT_OK_AND_ASSIGN(AlertRule later, store_->CreateAlertRule(MakeRule(brand_b_.id, "later")));

  ASSERT_OK_AND_ASSIGN(std::vector<AlertRule> enabled, store_->ListEnabledAlertRules());
  EXPECT_THAT(IdsOf(enabled), ElementsAre(rule_a_.id, rule_b_.id, later.id));
  ASSERT_THAT(enabled, SizeIs(3));
  EXPECT_EQ(Dump(enabled[0]), Dump(rule_a_));
  EXPECT_EQ(Dump(enabled[2]), Dump(later));
}

TEST_P(AlertEngineContractTest, CommitStoresStatesAndEventsAndQueuesOneDeliveryPerEnabledWebhook) {
  Webhook a1 = CreateWebhookOrDie(MakeWebhook(brand_a_.id, "https://a.example.com/one"));
  Webhook a_off = CreateWebhookOrDie(MakeWebhook(brand_a_.id, "https://a.example.com/off", false));
  Webhook a2 = CreateWebhookOrDie(MakeWebhook(brand_a_.id, "http://a.example.com:8080/two"));
  Webhook b1 = CreateWebhookOrDie(MakeWebhook(brand_b_.id, "https://b.example.com/"));

  AlertState full = State(rule_a_.id, alice_id_, kT0);
  AlertState bare;  // nothing known yet: no reference, never fired
  bare.rule_id = rule_b_.id;
  bare.creator_id = alice_id_;
  bare.updated_at = kT0;
  AlertEvent for_b = Event(rule_b_.id, alice_id_, kT0 + 5);
  AlertEvent for_a = Event(rule_a_.id, alice_id_, kT0 + 7);
  for_a.payload_json = R"({"metric": "followers", "value": 9000000123, "name": "Zoë \"z\" 💄"})";
  for_a.owner_user_id = 424'242;  // ignored on write

  std::vector<AlertEvent> appended = Commit({full, bare}, {for_b, for_a});
  ASSERT_THAT(appended, SizeIs(2));
  EXPECT_GT(appended[0].id, 0);
  EXPECT_GT(appended[1].id, appended[0].id);  // in the order given
  EXPECT_EQ(Dump(appended[0]), Dump(for_b));
  EXPECT_EQ(appended[0].owner_user_id, brand_b_.id);
  EXPECT_EQ(Dump(appended[1]), Dump(for_a));
  EXPECT_EQ(appended[1].payload_json, for_a.payload_json);
  EXPECT_EQ(appended[1].owner_user_id, brand_a_.id);

  EXPECT_THAT(DumpAll(StatesOf(alice_id_)), ElementsAre(Dump(full), Dump(bare)));
  EXPECT_THAT(StatesOf(bob_id_), IsEmpty());

  EXPECT_THAT(DumpAll(DeliveriesOf(a1)), ElementsAre(Dump(Pending(a1.id, appended[1]))));
  EXPECT_THAT(DumpAll(DeliveriesOf(a2)), ElementsAre(Dump(Pending(a2.id, appended[1]))));
  EXPECT_THAT(DeliveriesOf(a_off), IsEmpty());
  EXPECT_THAT(DumpAll(DeliveriesOf(b1)), ElementsAre(Dump(Pending(b1.id, appended[0]))));

  // The events are in both feeds, with their owners.
  ASSERT_OK_AND_ASSIGN(std::vector<AlertEvent> of_a, store_->ListAlertEvents(brand_a_.id, 0, 10));
  ASSERT_THAT(of_a, SizeIs(1));
  EXPECT_EQ(of_a[0].id, appended[1].id);
  EXPECT_EQ(of_a[0].owner_user_id, brand_a_.id);
  EXPECT_EQ(DumpAll(AllEvents()), DumpAll(appended));
}

TEST_P(AlertEngineContractTest, CommitReplacesTheStateOfTheSameRuleAndCreator) {
  Commit({State(rule_a_.id, alice_id_, kT0), State(rule_a_.id, bob_id_, kT0)}, {});
  AlertState left;
  left.rule_id = rule_a_.id;
  left.creator_id = alice_id_;
  left.inside = false;
  left.updated_at = kT0 + 10;
  left.revision = 1;  // the stored one was read
  // Given twice in one evaluation: the last one wins, as if written one after the other.
  AlertState last = State(rule_a_.id, bob_id_, kT0 + 20);
  last.reference = -0.125;
  last.revision = 1;
  EXPECT_THAT(Commit({left, State(rule_a_.id, bob_id_, kT0 + 15), last}, {}), IsEmpty());

  EXPECT_THAT(DumpAll(StatesOf(alice_id_)), ElementsAre(Dump(left)));
  EXPECT_THAT(DumpAll(StatesOf(bob_id_)), ElementsAre(Dump(last)));
  EXPECT_EQ(StatesOf(alice_id_).at(0).revision, 2);
  EXPECT_EQ(StatesOf(bob_id_).at(0).revision, 2);
}

// Two processes read the same state, both see the crossing and both commit: the second one's
// state is stale (the first moved its revision), so neither it nor its event is written.
TEST_P(AlertEngineContractTest, AStateWrittenByAnotherWriterSinceItWasReadIsStale) {
  Webhook a1 = CreateWebhookOrDie(MakeWebhook(brand_a_.id, "https://a.example.com/one"));
  AlertState outside = State(rule_a_.id, alice_id_, kT0);
  outside.inside = false;
  Commit({outside}, {});
  ASSERT_THAT(StatesOf(alice_id_), SizeIs(1));
  const AlertState read = StatesOf(alice_id_)[0];
  EXPECT_EQ(read.revision, 1);

  AlertState first = read;
  first.inside = true;
  first.last_fired_at = kT0 + 10;
  first.updated_at = kT0 + 10;
  std::vector<AlertEvent> fired = Commit({first}, {Event(rule_a_.id, alice_id_, kT0 + 10)});
  ASSERT_THAT(fired, SizeIs(1));

  AlertState second = read;  // read before the first commit
  second.inside = true;
  second.last_fired_at = kT0 + 11;
  second.updated_at = kT0 + 11;
  // In the same evaluation: bob's first state and an event with no state go through.
  AlertState bobs = State(rule_b_.id, bob_id_, kT0 + 11);
  AlertEvent for_bob = Event(rule_b_.id, bob_id_, kT0 + 11);
  AlertEvent stateless = Event(rule_b_.id, alice_id_, kT0 + 12);
  ASSERT_OK_AND_ASSIGN(
      Store::AlertCommit commit,
      store_->CommitAlertEvaluation({second, bobs}, {Event(rule_a_.id, alice_id_, kT0 + 11),
                                                     for_bob, stateless}));
  EXPECT_THAT(commit.stale, ElementsAre(Store::AlertStateKey{rule_a_.id, alice_id_}));
  ASSERT_THAT(commit.events, SizeIs(2));
  EXPECT_EQ(Dump(commit.events[0]), Dump(for_bob));
  EXPECT_EQ(Dump(commit.events[1]), Dump(stateless));

  EXPECT_THAT(DumpAll(StatesOf(alice_id_)), ElementsAre(Dump(first)));
  EXPECT_EQ(StatesOf(alice_id_).at(0).revision, 2);
  EXPECT_THAT(DumpAll(StatesOf(bob_id_)), ElementsAre(Dump(bobs)));
  std::vector<AlertEvent> all = fired;
  all.insert(all.end(), commit.events.begin(), commit.events.end());
  EXPECT_EQ(DumpAll(AllEvents()), DumpAll(all));
  EXPECT_THAT(DeliveriesOf(a1), SizeIs(1));  // the stale event queued nothing
}

// Neither had a state: both insert one, and the second finds the first's.
TEST_P(AlertEngineContractTest, AFirstStateIsStaleWhenAnotherWriterStoredOneMeanwhile) {
  AlertState mine = State(rule_a_.id, alice_id_, kT0);
  std::vector<AlertEvent> fired = Commit({mine}, {Event(rule_a_.id, alice_id_, kT0)});
  ASSERT_THAT(fired, SizeIs(1));
  AlertState theirs = State(rule_a_.id, alice_id_, kT0 + 1);
  ASSERT_EQ(theirs.revision, 0);
  ASSERT_OK_AND_ASSIGN(Store::AlertCommit commit,
                       store_->CommitAlertEvaluation({theirs},
                                                     {Event(rule_a_.id, alice_id_, kT0 + 1)}));
  EXPECT_THAT(commit.stale, ElementsAre(Store::AlertStateKey{rule_a_.id, alice_id_}));
  EXPECT_THAT(commit.events, IsEmpty());
  EXPECT_THAT(DumpAll(StatesOf(alice_id_)), ElementsAre(Dump(mine)));
  EXPECT_EQ(DumpAll(AllEvents()), DumpAll(fired));

  // A revision that was never stored is stale too.
  AlertState invented = State(rule_a_.id, alice_id_, kT0 + 2);
  invented.revision = 7;
  ASSERT_OK_AND_ASSIGN(commit, store_->CommitAlertEvaluation({invented}, {}));
  EXPECT_THAT(commit.stale, ElementsAre(Store::AlertStateKey{rule_a_.id, alice_id_}));
  EXPECT_THAT(DumpAll(StatesOf(alice_id_)), ElementsAre(Dump(mine)));
}

TEST_P(AlertEngineContractTest, AlertStatesOfListsInRuleIdOrder) {
  ASSERT_OK_AND_ASSIGN(AlertRule third, store_->CreateAlertRule(MakeRule(brand_a_.id, "third")));
  Commit({State(third.id, alice_id_, kT0), State(rule_b_.id, alice_id_, kT0),
          State(rule_a_.id, alice_id_, kT0)},
         {});
  std::vector<int64_t> rule_ids;
  for (const AlertState& state : StatesOf(alice_id_)) rule_ids.push_back(state.rule_id);
  EXPECT_THAT(rule_ids, ElementsAre(rule_a_.id, rule_b_.id, third.id));
  ASSERT_OK_AND_ASSIGN(std::vector<AlertState> of_nobody, store_->AlertStatesOf(424'242));
  EXPECT_THAT(of_nobody, IsEmpty());
}

TEST_P(AlertEngineContractTest, StatesAndEventsOfARuleDeletedMeanwhileAreSkipped) {
  Webhook a1 = CreateWebhookOrDie(MakeWebhook(brand_a_.id, "https://a.example.com/one"));
  Webhook b1 = CreateWebhookOrDie(MakeWebhook(brand_b_.id, "https://b.example.com/one"));
  ASSERT_OK(store_->DeleteAlertRule(brand_a_.id, rule_a_.id));

  AlertEvent kept = Event(rule_b_.id, bob_id_, kT0 + 2);
  std::vector<AlertEvent> appended =
      Commit({State(rule_a_.id, alice_id_, kT0), State(rule_b_.id, bob_id_, kT0)},
             {Event(rule_a_.id, alice_id_, kT0 + 1), kept, Event(424'242, bob_id_, kT0 + 3)});
  ASSERT_THAT(appended, SizeIs(1));
  EXPECT_EQ(Dump(appended[0]), Dump(kept));
  EXPECT_EQ(appended[0].owner_user_id, brand_b_.id);

  EXPECT_THAT(StatesOf(alice_id_), IsEmpty());
  EXPECT_THAT(StatesOf(bob_id_), SizeIs(1));
  EXPECT_EQ(DumpAll(AllEvents()), DumpAll(appended));
  EXPECT_THAT(DeliveriesOf(a1), IsEmpty());
  EXPECT_THAT(DeliveriesOf(b1), SizeIs(1));
}

TEST_P(AlertEngineContractTest, UnknownCreatorIsNotFoundAndTheWholeEvaluationIsRolledBack) {
  Webhook a1 = CreateWebhookOrDie(MakeWebhook(brand_a_.id, "https://a.example.com/one"));
  const int64_t unknown = bob_id_ + 1'000;
  const AlertState fine_state = State(rule_a_.id, alice_id_, kT0);
  const AlertEvent fine_event = Event(rule_a_.id, alice_id_, kT0);
  // The unknown creator comes last, after rows that were fine on their own.
  Status in_an_event =
      store_->CommitAlertEvaluation({fine_state}, {fine_event, Event(rule_a_.id, unknown, kT0)})
          .status();
  EXPECT_THAT(in_an_event, IsError(Code::kNotFound, HasSubstr(std::to_string(unknown))));
  Status in_a_state =
      store_->CommitAlertEvaluation({fine_state, State(rule_b_.id, unknown, kT0)}, {fine_event})
          .status();
  EXPECT_THAT(in_a_state, IsError(Code::kNotFound, HasSubstr(std::to_string(unknown))));
  // Even when the unknown creator's rule is gone too.
  ASSERT_OK(store_->DeleteAlertRule(brand_b_.id, rule_b_.id));
  Status with_its_rule_gone =
      store_->CommitAlertEvaluation({fine_state, State(rule_b_.id, unknown, kT0)}, {}).status();
  EXPECT_THAT(with_its_rule_gone, IsError(Code::kNotFound, HasSubstr(std::to_string(unknown))));

  EXPECT_THAT(StatesOf(alice_id_), IsEmpty());
  EXPECT_THAT(AllEvents(), IsEmpty());
  EXPECT_THAT(DeliveriesOf(a1), IsEmpty());
  ASSERT_OK_AND_ASSIGN(StoreStats stats, store_->Stats());
  EXPECT_EQ(stats.alert_events, 0);
}

TEST_P(AlertEngineContractTest, PayloadThatIsNotAJsonObjectIsInvalidArgumentAndWritesNothing) {
  Webhook a1 = CreateWebhookOrDie(MakeWebhook(brand_a_.id, "https://a.example.com/one"));
  for (std::string payload : {"[]", "not json", "{", "", "3.5"}) {
    SCOPED_TRACE(payload);
    AlertEvent bad = Event(rule_a_.id, alice_id_, kT0 + 1);
    bad.payload_json = payload;
    Result<Store::AlertCommit> refused = store_->CommitAlertEvaluation(
        {State(rule_a_.id, alice_id_, kT0)}, {Event(rule_a_.id, alice_id_, kT0), bad});
    EXPECT_THAT(refused.status(), IsError(Code::kInvalidArgument, HasSubstr("payload_json")));
  }
  EXPECT_THAT(StatesOf(alice_id_), IsEmpty());
  EXPECT_THAT(AllEvents(), IsEmpty());
  EXPECT_THAT(DeliveriesOf(a1), IsEmpty());
}

TEST_P(AlertEngineContractTest, NonFiniteReferenceIsInvalidArgumentAndWritesNothing) {
  AlertState state = State(rule_a_.id, alice_id_, kT0);
  state.reference = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT(store_->CommitAlertEvaluation({state}, {Event(rule_a_.id, alice_id_, kT0)}).status(),
              IsError(Code::kInvalidArgument, HasSubstr("reference")));
  EXPECT_THAT(StatesOf(alice_id_), IsEmpty());
  EXPECT_THAT(AllEvents(), IsEmpty());
}

TEST_P(AlertEngineContractTest, EmptyEvaluationWritesNothing) {
  EXPECT_THAT(Commit({}, {}), IsEmpty());
  EXPECT_THAT(AllEvents(), IsEmpty());
}

TEST_P(AlertEngineContractTest, EnabledAlertRulesFingerprintCountsAndSumsTheEnabledIds) {
  ASSERT_OK_AND_ASSIGN(Store::AlertRulesFingerprint two, store_->EnabledAlertRulesFingerprint());
  EXPECT_EQ(two, (Store::AlertRulesFingerprint{2, rule_b_.id, rule_a_.id + rule_b_.id}));
  AlertRule off = MakeRule(brand_a_.id, "off");
  off.enabled = false;
  ASSERT_OK(store_->CreateAlertRule(off).status());
  ASSERT_OK_AND_ASSIGN(Store::AlertRulesFingerprint same, store_->EnabledAlertRulesFingerprint());
  EXPECT_EQ(same, two);
  ASSERT_OK(store_->DeleteAlertRule(brand_a_.id, rule_a_.id));
  ASSERT_OK(store_->DeleteAlertRule(brand_b_.id, rule_b_.id));
  ASSERT_OK_AND_ASSIGN(Store::AlertRulesFingerprint none, store_->EnabledAlertRulesFingerprint());
  EXPECT_EQ(none, (Store::AlertRulesFingerprint{0, 0, 0}));
}

TEST_P(AlertEngineContractTest, LastAlertEventIdIsTheNewestStoredIdOfAnyOwnerOrZero) {
  ASSERT_OK_AND_ASSIGN(int64_t none, store_->LastAlertEventId());
  EXPECT_EQ(none, 0);
  std::vector<AlertEvent> first = Commit({}, {Event(rule_a_.id, alice_id_, kT0)});
  std::vector<AlertEvent> second = Commit({}, {Event(rule_b_.id, bob_id_, kT0 + 1)});
  ASSERT_THAT(first, SizeIs(1));
  ASSERT_THAT(second, SizeIs(1));
  ASSERT_OK_AND_ASSIGN(int64_t last, store_->LastAlertEventId());
  EXPECT_EQ(last, second[0].id);
  // Deleting a rule deletes its events.
  ASSERT_OK(store_->DeleteAlertRule(brand_b_.id, rule_b_.id));
  ASSERT_OK_AND_ASSIGN(last, store_->LastAlertEventId());
  EXPECT_EQ(last, first[0].id);
}

TEST_P(AlertEngineContractTest, ListAlertEventsAfterPagesEveryOwnersEventsOldestFirst) {
  std::vector<AlertEvent> appended;
  for (int i = 0; i < 5; ++i) {
    const AlertRule& rule = i % 2 == 0 ? rule_a_ : rule_b_;
    std::vector<AlertEvent> one = Commit({}, {Event(rule.id, alice_id_, kT0 + i)});
    ASSERT_THAT(one, SizeIs(1));
    appended.push_back(one[0]);
  }
  ASSERT_OK_AND_ASSIGN(AlertEvent direct,
                       store_->AppendAlertEvent(Event(rule_b_.id, bob_id_, kT0 + 9)));
  appended.push_back(direct);

  std::vector<AlertEvent> all = AllEvents();
  EXPECT_EQ(DumpAll(all), DumpAll(appended));
  EXPECT_EQ(IdsOf(all), IdsOf(appended));
  std::vector<int64_t> owners;
  for (const AlertEvent& event : all) owners.push_back(event.owner_user_id);
  EXPECT_THAT(owners, ElementsAre(brand_a_.id, brand_b_.id, brand_a_.id, brand_b_.id, brand_a_.id,
                                  brand_b_.id));

  ASSERT_OK_AND_ASSIGN(std::vector<AlertEvent> page,
                       store_->ListAlertEventsAfter(appended[1].id, 2));
  EXPECT_THAT(IdsOf(page), ElementsAre(appended[2].id, appended[3].id));
  ASSERT_OK_AND_ASSIGN(std::vector<AlertEvent> none,
                       store_->ListAlertEventsAfter(appended.back().id, 10));
  EXPECT_THAT(none, IsEmpty());
}

TEST_P(AlertEngineContractTest, NonPositiveLimitsAreInvalidArgument) {
  Webhook a1 = CreateWebhookOrDie(MakeWebhook(brand_a_.id, "https://a.example.com/one"));
  for (int limit : {0, -1}) {
    SCOPED_TRACE(limit);
    EXPECT_THAT(store_->ListAlertEventsAfter(0, limit).status(),
                IsError(Code::kInvalidArgument, HasSubstr("limit")));
    EXPECT_THAT(store_->DueWebhookDeliveries(kT0, limit).status(),
                IsError(Code::kInvalidArgument, HasSubstr("limit")));
    EXPECT_THAT(store_->ListWebhookDeliveries(brand_a_.id, a1.id, std::nullopt, limit).status(),
                IsError(Code::kInvalidArgument, HasSubstr("limit")));
  }
}

TEST_P(AlertEngineContractTest, WebhookRoundTripsEveryFieldAndListsPerOwnerInIdOrder) {
  Webhook first = MakeWebhook(brand_a_.id, "https://hooks.example.com/a?x=1&y=%20");
  first.secret = std::string(kMaxWebhookSecretBytes, 's');
  first.created_at = kT0 + 5;
  Webhook off = MakeWebhook(brand_a_.id, "http://10.0.0.1:9000/off", false);
  off.secret = std::string(kMinWebhookSecretBytes, 'k');
  Webhook of_b = MakeWebhook(brand_b_.id, "https://b.example.com/" + std::string(2'000, 'p'));
  ASSERT_OK_AND_ASSIGN(Webhook created_first, store_->CreateWebhook(first));
  ASSERT_OK_AND_ASSIGN(Webhook created_off, store_->CreateWebhook(off));
  ASSERT_OK_AND_ASSIGN(Webhook created_b, store_->CreateWebhook(of_b));
  EXPECT_GT(created_first.id, 0);
  EXPECT_GT(created_off.id, created_first.id);
  EXPECT_EQ(Dump(created_first), Dump(first));

  ASSERT_OK_AND_ASSIGN(std::vector<Webhook> of_a, store_->ListWebhooks(brand_a_.id));
  EXPECT_THAT(DumpAll(of_a), ElementsAre(Dump(first), Dump(off)));
  EXPECT_THAT(IdsOf(of_a), ElementsAre(created_first.id, created_off.id));
  ASSERT_OK_AND_ASSIGN(std::vector<Webhook> listed_b, store_->ListWebhooks(brand_b_.id));
  EXPECT_THAT(DumpAll(listed_b), ElementsAre(Dump(of_b)));
  ASSERT_OK_AND_ASSIGN(std::vector<Webhook> of_nobody, store_->ListWebhooks(424'242));
  EXPECT_THAT(of_nobody, IsEmpty());
}

TEST_P(AlertEngineContractTest, WebhookThatValidateWebhookRefusesIsInvalidArgumentNamingTheField) {
  struct Case {
    std::string field;
    std::function<void(Webhook&)> spoil;
  };
  const std::vector<Case> cases = {
      {"url: must start with http:// or https://", [](Webhook& w) { w.url = "ftp://example.com"; }},
      {"url: must start with http:// or https://", [](Webhook& w) { w.url = ""; }},
      {"url: must start with http:// or https://",
       [](Webhook& w) { w.url = "HTTPS://example.com"; }},
      {"url: names no host", [](Webhook& w) { w.url = "https://"; }},
      {"url: must be at most 2048 bytes",
       [](Webhook& w) { w.url = "https://example.com/" + std::string(2'029, 'a'); }},
      {"url: must be printable ASCII", [](Webhook& w) { w.url = "https://example.com/a b"; }},
      {"url: must be printable ASCII",
       [](Webhook& w) { w.url = "https://example.com/\r\nX-Evil: 1"; }},
      {"url: must be printable ASCII", [](Webhook& w) { w.url = "https://zoë.example.com"; }},
      {"secret: must be 16..256 bytes", [](Webhook& w) { w.secret = "short"; }},
      {"secret: must be 16..256 bytes", [](Webhook& w) { w.secret = std::string(257, 's'); }},
      {"secret: must be printable ASCII",
       [](Webhook& w) { w.secret = std::string(20, 's') + "\n"; }},
      {"secret: must be printable ASCII",
       [](Webhook& w) { w.secret = std::string("0123456789abcdef\0x", 18); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    Webhook spoiled = MakeWebhook(brand_a_.id, "https://example.com/hook");
    c.spoil(spoiled);
    EXPECT_THAT(store_->CreateWebhook(spoiled).status(),
                IsError(Code::kInvalidArgument, HasSubstr(c.field)));
  }
  EXPECT_THAT(store_->CreateWebhook(MakeWebhook(424'242, "https://example.com/hook")).status(),
              IsError(Code::kNotFound, HasSubstr("owner_user_id")));
  ASSERT_OK_AND_ASSIGN(std::vector<Webhook> webhooks, store_->ListWebhooks(brand_a_.id));
  EXPECT_THAT(webhooks, IsEmpty());
}

TEST_P(AlertEngineContractTest, SchemaRefusesInvalidWebhooksFromOtherWriters) {
  const std::string yes = GetParam() == "postgres" ? "true" : "1";
  auto insert = [&](const std::string& url, const std::string& secret) {
    return backend_->ExecuteSql(
        "INSERT INTO webhook (owner_user_id, url, secret, enabled, created_at) VALUES (" +
        std::to_string(brand_a_.id) + ", '" + url + "', '" + secret + "', " + yes + ", 0)");
  };
  EXPECT_THAT(insert("ftp://x", "0123456789abcdef"),
              IsError(Code::kInternal, HasSubstr("url must start with http:// or https://")));
  EXPECT_THAT(insert("https://x", "short"),
              IsError(Code::kInternal, HasSubstr("secret must be 16..256 bytes")));
}

TEST_P(AlertEngineContractTest, DeletingAWebhookDeletesItsDeliveriesAndAnotherOwnersIsNotFound) {
  Webhook a1 = CreateWebhookOrDie(MakeWebhook(brand_a_.id, "https://a.example.com/one"));
  Webhook a2 = CreateWebhookOrDie(MakeWebhook(brand_a_.id, "https://a.example.com/two"));
  std::vector<AlertEvent> appended = Commit({}, {Event(rule_a_.id, alice_id_, kT0)});
  ASSERT_THAT(appended, SizeIs(1));
  ASSERT_THAT(Due(kT0), SizeIs(2));

  // Someone else's webhook and a missing one read alike.
  Status of_other = store_->DeleteWebhook(brand_b_.id, a1.id);
  EXPECT_THAT(of_other, IsError(Code::kNotFound, HasSubstr("webhook")));
  EXPECT_THAT(DeliveriesOf(a1), SizeIs(1));
  ASSERT_OK(store_->DeleteWebhook(brand_a_.id, a1.id));
  EXPECT_EQ(store_->DeleteWebhook(brand_b_.id, a1.id).ToString(), of_other.ToString());
  EXPECT_THAT(store_->DeleteWebhook(brand_a_.id, a1.id),
              IsError(Code::kNotFound, HasSubstr("webhook")));

  ASSERT_OK_AND_ASSIGN(std::vector<Webhook> left, store_->ListWebhooks(brand_a_.id));
  EXPECT_THAT(IdsOf(left), ElementsAre(a2.id));
  std::vector<Store::DueDelivery> due = Due(kT0);
  ASSERT_THAT(due, SizeIs(1));
  EXPECT_EQ(due[0].webhook.id, a2.id);
  EXPECT_THAT(store_->ListWebhookDeliveries(brand_a_.id, a1.id, std::nullopt, 10).status(),
              IsError(Code::kNotFound, HasSubstr("webhook")));
  // A deleted webhook gets no more deliveries.
  Commit({}, {Event(rule_a_.id, alice_id_, kT0 + 1)});
  EXPECT_THAT(Due(kT0 + 1), SizeIs(2));
  EXPECT_THAT(DeliveriesOf(a2), SizeIs(2));
}

TEST_P(AlertEngineContractTest, DueDeliveriesAreTheEarliestPendingOnesOfEnabledWebhooks) {
  Webhook a1 = CreateWebhookOrDie(MakeWebhook(brand_a_.id, "https://a.example.com/one"));
  Webhook a2 = CreateWebhookOrDie(MakeWebhook(brand_a_.id, "https://a.example.com/two"));
  Webhook b1 = CreateWebhookOrDie(MakeWebhook(brand_b_.id, "https://b.example.com/one"));
  // Committed out of time order: the queue is ordered by next_attempt_at, then id.
  std::vector<AlertEvent> late = Commit({}, {Event(rule_b_.id, bob_id_, kT0 + 30)});
  std::vector<AlertEvent> early = Commit({}, {Event(rule_a_.id, alice_id_, kT0 + 10)});
  std::vector<AlertEvent> middle = Commit({}, {Event(rule_b_.id, alice_id_, kT0 + 20)});
  ASSERT_THAT(late, SizeIs(1));
  ASSERT_THAT(early, SizeIs(1));
  ASSERT_THAT(middle, SizeIs(1));

  std::vector<Store::DueDelivery> due = Due(kT0 + 30);
  ASSERT_THAT(due, SizeIs(4));
  std::vector<std::pair<int64_t, int64_t>> order;  // (webhook, event)
  for (const Store::DueDelivery& d : due) {
    order.emplace_back(d.delivery.webhook_id, d.delivery.event_id);
    EXPECT_EQ(d.webhook.id, d.delivery.webhook_id);
    EXPECT_EQ(d.event.id, d.delivery.event_id);
  }
  EXPECT_THAT(order, ElementsAre(std::pair(a1.id, early[0].id), std::pair(a2.id, early[0].id),
                                 std::pair(b1.id, middle[0].id), std::pair(b1.id, late[0].id)));
  EXPECT_LT(due[0].delivery.id, due[1].delivery.id);
  // Each comes whole: the delivery, its webhook (with the secret) and its event with owner.
  EXPECT_EQ(Dump(due[0].delivery), Dump(Pending(a1.id, early[0])));
  EXPECT_EQ(Dump(due[0].webhook), Dump(a1));
  EXPECT_EQ(Dump(due[0].event), Dump(early[0]));
  EXPECT_EQ(due[0].event.owner_user_id, brand_a_.id);
  EXPECT_EQ(due[3].event.owner_user_id, brand_b_.id);

  // Not before next_attempt_at, at most `limit`.
  EXPECT_THAT(Due(kT0 + 9), IsEmpty());
  EXPECT_THAT(Due(kT0 + 10), SizeIs(2));
  EXPECT_THAT(Due(kT0 + 29), SizeIs(3));
  std::vector<Store::DueDelivery> first_three = Due(kT0 + 1'000, 3);
  ASSERT_THAT(first_three, SizeIs(3));
  EXPECT_EQ(first_three[2].delivery.id, due[2].delivery.id);

  // Delivered and dead ones leave the queue; a disabled webhook's wait.
  WebhookDelivery delivered = due[0].delivery;
  delivered.state = DeliveryState::kDelivered;
  delivered.attempts = 1;
  ASSERT_OK(store_->UpdateWebhookDelivery(delivered));
  WebhookDelivery dead = due[3].delivery;
  dead.state = DeliveryState::kDead;
  ASSERT_OK(store_->UpdateWebhookDelivery(dead));
  Disable(a2);
  std::vector<int64_t> left;
  for (const Store::DueDelivery& d : Due(kT0 + 1'000)) left.push_back(d.delivery.id);
  EXPECT_THAT(left, ElementsAre(due[2].delivery.id));
  // A disabled webhook is not fanned out to either.
  Commit({}, {Event(rule_a_.id, bob_id_, kT0 + 40)});
  EXPECT_THAT(DeliveriesOf(a2), SizeIs(1));
  EXPECT_THAT(DeliveriesOf(a1), SizeIs(2));
}

TEST_P(AlertEngineContractTest, UpdateWebhookDeliveryWritesEveryAttemptField) {
  Webhook a1 = CreateWebhookOrDie(MakeWebhook(brand_a_.id, "https://a.example.com/one"));
  std::vector<AlertEvent> appended = Commit({}, {Event(rule_a_.id, alice_id_, kT0)});
  ASSERT_THAT(appended, SizeIs(1));
  std::vector<WebhookDelivery> queued = DeliveriesOf(a1);
  ASSERT_THAT(queued, SizeIs(1));

  WebhookDelivery retry = queued[0];
  retry.attempts = 3;
  retry.next_attempt_at = kT0 + 240;
  retry.last_status = 503;
  retry.last_error = "HTTP 503: upstream \"busy\" ✗";
  retry.updated_at = kT0 + 120;
  ASSERT_OK(store_->UpdateWebhookDelivery(retry));
  EXPECT_THAT(DumpAll(DeliveriesOf(a1)), ElementsAre(Dump(retry)));

  WebhookDelivery timed_out = retry;
  timed_out.last_status.reset();  // no answer at all
  timed_out.last_error = "timed out after 5 s";
  timed_out.state = DeliveryState::kDead;
  ASSERT_OK(store_->UpdateWebhookDelivery(timed_out));
  EXPECT_THAT(DumpAll(DeliveriesOf(a1)), ElementsAre(Dump(timed_out)));

  WebhookDelivery missing = retry;
  missing.id = queued[0].id + 1'000;
  EXPECT_THAT(store_->UpdateWebhookDelivery(missing),
              IsError(Code::kNotFound, HasSubstr(std::to_string(missing.id))));
  WebhookDelivery negative = retry;
  negative.attempts = -1;
  EXPECT_THAT(store_->UpdateWebhookDelivery(negative),
              IsError(Code::kInvalidArgument, HasSubstr("attempts")));
  EXPECT_THAT(DumpAll(DeliveriesOf(a1)), ElementsAre(Dump(timed_out)));
}

TEST_P(AlertEngineContractTest, ListWebhookDeliveriesIsNewestFirstByStateAndOnlyTheOwners) {
  Webhook a1 = CreateWebhookOrDie(MakeWebhook(brand_a_.id, "https://a.example.com/one"));
  Webhook a2 = CreateWebhookOrDie(MakeWebhook(brand_a_.id, "https://a.example.com/two"));
  std::vector<AlertEvent> appended =
      Commit({}, {Event(rule_a_.id, alice_id_, kT0), Event(rule_a_.id, bob_id_, kT0 + 1),
                  Event(rule_a_.id, alice_id_, kT0 + 2)});
  ASSERT_THAT(appended, SizeIs(3));
  std::vector<WebhookDelivery> all = DeliveriesOf(a1);
  ASSERT_THAT(all, SizeIs(3));
  EXPECT_GT(all[0].id, all[1].id);
  EXPECT_GT(all[1].id, all[2].id);
  EXPECT_THAT(DumpAll(all),
              ElementsAre(Dump(Pending(a1.id, appended[2])), Dump(Pending(a1.id, appended[1])),
                          Dump(Pending(a1.id, appended[0]))));
  EXPECT_THAT(DeliveriesOf(a2), SizeIs(3));

  WebhookDelivery dead = all[1];
  dead.state = DeliveryState::kDead;
  dead.attempts = 8;
  ASSERT_OK(store_->UpdateWebhookDelivery(dead));
  EXPECT_THAT(DumpAll(DeliveriesOf(a1, DeliveryState::kDead)), ElementsAre(Dump(dead)));
  EXPECT_THAT(IdsOf(DeliveriesOf(a1, DeliveryState::kPending)), ElementsAre(all[0].id, all[2].id));
  EXPECT_THAT(DeliveriesOf(a1, DeliveryState::kDelivered), IsEmpty());
  ASSERT_OK_AND_ASSIGN(std::vector<WebhookDelivery> newest,
                       store_->ListWebhookDeliveries(brand_a_.id, a1.id, std::nullopt, 2));
  EXPECT_THAT(IdsOf(newest), ElementsAre(all[0].id, all[1].id));

  // Someone else's webhook and a missing one read alike.
  Result<std::vector<WebhookDelivery>> of_other =
      store_->ListWebhookDeliveries(brand_b_.id, a1.id, std::nullopt, 10);
  EXPECT_THAT(of_other.status(), IsError(Code::kNotFound, HasSubstr("webhook")));
  ASSERT_OK(store_->DeleteWebhook(brand_a_.id, a1.id));
  EXPECT_EQ(store_->ListWebhookDeliveries(brand_b_.id, a1.id, std::nullopt, 10).status().ToString(),
            of_other.status().ToString());
}

TEST_P(AlertEngineContractTest, RequeueResetsAttemptsKeepsTheErrorAndOnlyTheOwnerMayDoIt) {
  Webhook a1 = CreateWebhookOrDie(MakeWebhook(brand_a_.id, "https://a.example.com/one"));
  std::vector<AlertEvent> appended = Commit({}, {Event(rule_a_.id, alice_id_, kT0)});
  ASSERT_THAT(appended, SizeIs(1));
  std::vector<WebhookDelivery> queued = DeliveriesOf(a1);
  ASSERT_THAT(queued, SizeIs(1));
  WebhookDelivery dead = queued[0];
  dead.state = DeliveryState::kDead;
  dead.attempts = 8;
  dead.next_attempt_at = kT0 + 3'600;
  dead.last_status = 500;
  dead.last_error = "HTTP 500";
  dead.updated_at = kT0 + 3'600;
  ASSERT_OK(store_->UpdateWebhookDelivery(dead));
  EXPECT_THAT(Due(kT0 + 10 * kDay), IsEmpty());

  // Someone else's delivery and a missing one read alike.
  Result<WebhookDelivery> of_other =
      store_->RequeueWebhookDelivery(brand_b_.id, dead.id, kT0 + kDay);
  EXPECT_THAT(of_other.status(), IsError(Code::kNotFound, HasSubstr("delivery")));
  Result<WebhookDelivery> missing =
      store_->RequeueWebhookDelivery(brand_b_.id, dead.id + 1'000, kT0 + kDay);
  EXPECT_THAT(missing.status(), IsError(Code::kNotFound, HasSubstr("delivery")));
  EXPECT_THAT(DumpAll(DeliveriesOf(a1)), ElementsAre(Dump(dead)));

  ASSERT_OK_AND_ASSIGN(WebhookDelivery requeued,
                       store_->RequeueWebhookDelivery(brand_a_.id, dead.id, kT0 + kDay));
  WebhookDelivery expected = dead;
  expected.state = DeliveryState::kPending;
  expected.attempts = 0;
  expected.next_attempt_at = kT0 + kDay;
  expected.updated_at = kT0 + kDay;
  EXPECT_EQ(requeued.id, dead.id);
  EXPECT_EQ(Dump(requeued), Dump(expected));
  EXPECT_THAT(DumpAll(DeliveriesOf(a1)), ElementsAre(Dump(expected)));
  EXPECT_THAT(Due(kT0 + kDay - 1), IsEmpty());
  std::vector<Store::DueDelivery> due = Due(kT0 + kDay);
  ASSERT_THAT(due, SizeIs(1));
  EXPECT_EQ(due[0].delivery.id, dead.id);

  ASSERT_OK(store_->DeleteWebhook(brand_a_.id, a1.id));
  EXPECT_EQ(store_->RequeueWebhookDelivery(brand_b_.id, dead.id, kT0 + kDay).status().ToString(),
            of_other.status().ToString());
}

TEST_P(AlertEngineContractTest, DeletingARuleDeletesItsStatesEventsAndDeliveries) {
  Webhook a1 = CreateWebhookOrDie(MakeWebhook(brand_a_.id, "https://a.example.com/one"));
  ASSERT_OK_AND_ASSIGN(AlertRule keep, store_->CreateAlertRule(MakeRule(brand_a_.id, "keep")));
  std::vector<AlertEvent> appended =
      Commit({State(rule_a_.id, alice_id_, kT0), State(keep.id, alice_id_, kT0)},
             {Event(rule_a_.id, alice_id_, kT0), Event(keep.id, alice_id_, kT0)});
  ASSERT_THAT(appended, SizeIs(2));
  ASSERT_THAT(DeliveriesOf(a1), SizeIs(2));

  ASSERT_OK(store_->DeleteAlertRule(brand_a_.id, rule_a_.id));
  std::vector<AlertState> states = StatesOf(alice_id_);
  ASSERT_THAT(states, SizeIs(1));
  EXPECT_EQ(states[0].rule_id, keep.id);
  EXPECT_THAT(IdsOf(AllEvents()), ElementsAre(appended[1].id));
  std::vector<WebhookDelivery> deliveries = DeliveriesOf(a1);
  ASSERT_THAT(deliveries, SizeIs(1));
  EXPECT_EQ(deliveries[0].event_id, appended[1].id);
}

// ---------------------------------------------------------------------------------------
// Models

TEST_P(StoreContractTest, SavedModelRoundTripsEveryField) {
  ModelRecord model = MakeModel("plep", "2024-05-01.1", kT0);
  ASSERT_OK_AND_ASSIGN(ModelRecord saved, store_->SaveModel(model));
  EXPECT_GT(saved.id, 0);
  EXPECT_EQ(Dump(saved), Dump(model));

  ASSERT_OK_AND_ASSIGN(std::optional<ModelRecord> latest, store_->LatestModel("plep"));
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->id, saved.id);
  EXPECT_EQ(Dump(*latest), Dump(model));
}

TEST_P(StoreContractTest, DuplicateModelVersionIsAlreadyExists) {
  ASSERT_OK(store_->SaveModel(MakeModel("plep", "v1", kT0)).status());
  EXPECT_THAT(store_->SaveModel(MakeModel("plep", "v1", kT0 + 1)).status(),
              IsError(Code::kAlreadyExists, AllOf(HasSubstr("plep"), HasSubstr("v1"))));
  // The version is unique per kind only.
  ASSERT_OK(store_->SaveModel(MakeModel("market_value", "v1", kT0)).status());
  ASSERT_OK_AND_ASSIGN(std::vector<ModelRecord> plep, store_->ListModels("plep"));
  ASSERT_THAT(plep, SizeIs(1));
  EXPECT_EQ(plep[0].created_at, kT0);
}

TEST_P(StoreContractTest, LatestModelIsTheLastCreatedThenTheLastSaved) {
  ASSERT_OK(store_->SaveModel(MakeModel("plep", "v1", kT0 + 10)).status());
  ASSERT_OK(store_->SaveModel(MakeModel("plep", "v0-backfilled", kT0 + 5)).status());
  ASSERT_OK(store_->SaveModel(MakeModel("niche", "n9", kT0 + 99)).status());
  ASSERT_OK_AND_ASSIGN(std::optional<ModelRecord> latest, store_->LatestModel("plep"));
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->version, "v1");

  // Same created_at: the one saved later wins.
  ASSERT_OK(store_->SaveModel(MakeModel("plep", "v1-retry", kT0 + 10)).status());
  ASSERT_OK_AND_ASSIGN(latest, store_->LatestModel("plep"));
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->version, "v1-retry");
}

TEST_P(StoreContractTest, LatestModelOfAnUnknownKindIsNothing) {
  ASSERT_OK(store_->SaveModel(MakeModel("plep", "v1", kT0)).status());
  ASSERT_OK_AND_ASSIGN(std::optional<ModelRecord> latest, store_->LatestModel("market_value"));
  EXPECT_FALSE(latest.has_value());
  ASSERT_OK_AND_ASSIGN(std::vector<ModelRecord> none, store_->ListModels("market_value"));
  EXPECT_THAT(none, IsEmpty());
}

TEST_P(StoreContractTest, ListModelsListsOnlyThatKind) {
  ModelRecord v1 = MakeModel("plep", "v1", kT0);
  ModelRecord v2 = MakeModel("plep", "v2", kT0 + kDay);
  ASSERT_OK(store_->SaveModel(v1).status());
  ASSERT_OK(store_->SaveModel(MakeModel("niche", "n1", kT0)).status());
  ASSERT_OK(store_->SaveModel(v2).status());

  ASSERT_OK_AND_ASSIGN(std::vector<ModelRecord> plep, store_->ListModels("plep"));
  std::vector<std::string> listed = DumpAll(plep);
  std::sort(listed.begin(), listed.end());
  std::vector<std::string> expected = {Dump(v1), Dump(v2)};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(listed, expected);
}

// ---------------------------------------------------------------------------------------
// Inferred niches

InferredNiche Inferred(int64_t creator_id, std::string niche, double confidence,
                       std::string method = "classifier") {
  InferredNiche n;
  n.creator_id = creator_id;
  n.niche = std::move(niche);
  n.confidence = confidence;
  n.method = std::move(method);
  n.model_version = n.method == "classifier" ? "niche-20240501T000000Z" : "";
  n.inferred_at = kT0;
  return n;
}

TEST_P(StoreContractTest, InferredNicheRoundTripsEveryField) {
  Write(Batch({FullCreator("alice"), FullCreator("bob")}, {}, {}));
  const int64_t alice = Stored(Platform::kInstagram, "alice").id;
  const int64_t bob = Stored(Platform::kInstagram, "bob").id;
  InferredNiche by_model = Inferred(alice, "home", 0.8125);
  InferredNiche by_category = Inferred(bob, "beauty", 0.5, "category");
  ASSERT_OK(store_->WriteInferredNiches({by_model, by_category}));

  ASSERT_OK_AND_ASSIGN(std::optional<InferredNiche> read, store_->InferredNicheOf(alice));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, by_model);
  ASSERT_OK_AND_ASSIGN(read, store_->InferredNicheOf(bob));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, by_category);
}

TEST_P(StoreContractTest, CreatorWithoutInferenceHasNoInferredNiche) {
  Write(Batch({FullCreator("alice")}, {}, {}));
  ASSERT_OK_AND_ASSIGN(std::optional<InferredNiche> read,
                       store_->InferredNicheOf(Stored(Platform::kInstagram, "alice").id));
  EXPECT_FALSE(read.has_value());
  ASSERT_OK_AND_ASSIGN(read, store_->InferredNicheOf(987'654));
  EXPECT_FALSE(read.has_value());
}

TEST_P(StoreContractTest, NewerInferenceReplacesTheOlderOne) {
  Write(Batch({FullCreator("alice")}, {}, {}));
  const int64_t alice = Stored(Platform::kInstagram, "alice").id;
  ASSERT_OK(store_->WriteInferredNiches({Inferred(alice, "food", 0.4)}));
  InferredNiche newer = Inferred(alice, "travel", 0.9, "category");
  newer.inferred_at = kT0 + kDay;
  ASSERT_OK(store_->WriteInferredNiches({newer}));
  ASSERT_OK_AND_ASSIGN(std::optional<InferredNiche> read, store_->InferredNicheOf(alice));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, newer);
}

TEST_P(StoreContractTest, InferenceForAnUnknownCreatorIsNotFoundAndWritesNothing) {
  Write(Batch({FullCreator("alice")}, {}, {}));
  const int64_t alice = Stored(Platform::kInstagram, "alice").id;
  const int64_t unknown = alice + 1'000;
  EXPECT_THAT(
      store_->WriteInferredNiches({Inferred(alice, "food", 0.4), Inferred(unknown, "pets", 1)}),
      IsError(Code::kNotFound, HasSubstr(std::to_string(unknown))));
  // One transaction: alice's row, written before the failure, is rolled back too.
  ASSERT_OK_AND_ASSIGN(std::optional<InferredNiche> read, store_->InferredNicheOf(alice));
  EXPECT_FALSE(read.has_value());
}

TEST_P(StoreContractTest, InvalidInferenceIsInvalidArgumentNamingTheField) {
  Write(Batch({FullCreator("alice")}, {}, {}));
  const int64_t alice = Stored(Platform::kInstagram, "alice").id;
  EXPECT_THAT(store_->WriteInferredNiches({Inferred(alice, "interior", 0.4)}),
              IsError(Code::kInvalidArgument, HasSubstr("niche")));
  EXPECT_THAT(store_->WriteInferredNiches({Inferred(alice, "home", 1.5)}),
              IsError(Code::kInvalidArgument, HasSubstr("confidence")));
  EXPECT_THAT(store_->WriteInferredNiches({Inferred(alice, "home", std::nan(""))}),
              IsError(Code::kInvalidArgument, HasSubstr("confidence")));
  EXPECT_THAT(store_->WriteInferredNiches({Inferred(alice, "home", 0.5, "guess")}),
              IsError(Code::kInvalidArgument, HasSubstr("method")));
  ASSERT_OK_AND_ASSIGN(std::optional<InferredNiche> read, store_->InferredNicheOf(alice));
  EXPECT_FALSE(read.has_value());
}

TEST_P(StoreContractTest, EveryInferenceMethodRoundTrips) {
  Write(Batch({FullCreator("alice"), FullCreator("bob"), FullCreator("carol")}, {}, {}));
  const int64_t ids[] = {Stored(Platform::kInstagram, "alice").id,
                         Stored(Platform::kInstagram, "bob").id,
                         Stored(Platform::kInstagram, "carol").id};
  const char* methods[] = {"classifier", "category", "profile"};
  std::vector<InferredNiche> written;
  for (int i = 0; i < 3; ++i) written.push_back(Inferred(ids[i], "food", 0.25, methods[i]));
  ASSERT_OK(store_->WriteInferredNiches(written));
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(std::optional<InferredNiche> read, store_->InferredNicheOf(ids[i]));
    ASSERT_TRUE(read.has_value()) << methods[i];
    EXPECT_EQ(*read, written[i]) << methods[i];
  }
  ASSERT_OK_AND_ASSIGN(StoreStats stats, store_->Stats());
  EXPECT_EQ(stats.creators_by_inferred_niche,
            (std::map<std::string, int64_t>{
                {"food/category", 1}, {"food/classifier", 1}, {"food/profile", 1}}));
}

TEST_P(StoreContractTest, ReimportKeepsInferredNiches) {
  Creator alice = FullCreator("alice");
  ImportBatch batch = Batch({alice}, {FullPost(alice, "p1")}, {FullSnapshot(alice, kT0)});
  Write(batch);
  const int64_t id = Stored(alice).id;
  ASSERT_OK(store_->WriteInferredNiches({Inferred(id, "beauty", 0.7)}));

  Write(batch);
  Creator newer = alice;
  newer.stats_as_of = kT0 + kDay;
  newer.niche = "fashion";
  newer.followers = 10;
  Write(Batch({newer}, {}, {}));

  ASSERT_OK_AND_ASSIGN(std::optional<InferredNiche> read, store_->InferredNicheOf(id));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, Inferred(id, "beauty", 0.7));
}

// What undoes migration 5 (alert states, webhooks and their deliveries), for the upgrade tests.
constexpr std::string_view kDropMigration5 =
    "DROP TABLE webhook_delivery; DROP TABLE webhook; DROP TABLE alert_state; ";
// What undoes migrations 5 and 4 (creator notes, ingestions, drafts).
constexpr std::string_view kDropMigration4 =
    "DROP TABLE webhook_delivery; DROP TABLE webhook; DROP TABLE alert_state; "
    "DROP TABLE draft; DROP TABLE ingestion; DROP TABLE creator_note; ";

TEST_P(StoreContractTest, UpgradeFromSchemaVersion1AddsInferredNichesAndKeepsData) {
  Creator alice = FullCreator("alice");
  Write(Batch({alice}, {FullPost(alice, "p1")}, {}));
  store_.reset();
  // What a database written by a build before inferred niches looks like.
  ASSERT_OK(backend_->ExecuteSql(std::string(kDropMigration4) +
                                 "DROP TABLE market_value; DROP TABLE inferred_niche; "
                                 "DELETE FROM schema_migrations WHERE version >= 2"));
  Reopen();
  ASSERT_OK_AND_ASSIGN(int version, store_->SchemaVersion());
  EXPECT_GE(version, 2);
  EXPECT_EQ(Dump(Stored(alice)), Dump(alice));
  EXPECT_THAT(PostsOf(alice), SizeIs(1));
  const int64_t id = Stored(alice).id;
  ASSERT_OK(store_->WriteInferredNiches({Inferred(id, "beauty", 0.7)}));
  ASSERT_OK_AND_ASSIGN(std::optional<InferredNiche> read, store_->InferredNicheOf(id));
  EXPECT_TRUE(read.has_value());
}

// ---------------------------------------------------------------------------------------
// Market values

// What the store reads back for `value`: platform and handle come from the creator row.
MarketValue AsStored(MarketValue value, const Creator& creator) {
  value.platform = creator.platform;
  value.creator_handle = creator.handle;
  return value;
}

std::vector<MarketValue> LatestValues(Store& store) {
  std::vector<MarketValue> values;
  EXPECT_OK(store.ForEachLatestMarketValue([&](const MarketValue& value) {
    values.push_back(value);
    return Status::Ok();
  }));
  return values;
}

std::vector<double> FeesOf(const std::vector<MarketValue>& values) {
  std::vector<double> fees;
  for (const MarketValue& value : values) fees.push_back(value.fee_mid);
  return fees;
}

TEST_P(StoreContractTest, MarketValueRoundTripsEveryField) {
  Write(Batch({FullCreator("alice", Platform::kYouTube)}));
  const Creator alice = Stored(Platform::kYouTube, "alice");
  MarketValue value = FullValue(alice.id, kT0);
  // Ignored on write: the store reads them from the creator row.
  value.platform = Platform::kTikTok;
  value.creator_handle = "someone_else";
  ASSERT_OK(store_->WriteMarketValues({value}));

  ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> history, store_->MarketValuesOf(alice.id));
  ASSERT_THAT(history, SizeIs(1));
  EXPECT_GT(history[0].id, 0);
  EXPECT_EQ(history[0].platform, Platform::kYouTube);
  EXPECT_EQ(history[0].creator_handle, "alice");
  EXPECT_EQ(Dump(history[0]), Dump(AsStored(value, alice)));

  std::vector<MarketValue> latest = LatestValues(*store_);
  ASSERT_THAT(latest, SizeIs(1));
  EXPECT_EQ(latest[0].id, history[0].id);
  EXPECT_EQ(Dump(latest[0]), Dump(AsStored(value, alice)));
}

TEST_P(StoreContractTest, MarketValueWithoutOptionalFieldsReadsBackEmpty) {
  Write(Batch({BareCreator("bob", Platform::kTikTok)}));
  const Creator bob = Stored(Platform::kTikTok, "bob");
  const MarketValue value = BareValue(bob.id, kT0);
  ASSERT_OK(store_->WriteMarketValues({value}));

  ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> history, store_->MarketValuesOf(bob.id));
  ASSERT_THAT(history, SizeIs(1));
  EXPECT_EQ(Dump(history[0]), Dump(AsStored(value, bob)));
  EXPECT_FALSE(history[0].followers.has_value());
  EXPECT_FALSE(history[0].views_per_post.has_value());
  EXPECT_FALSE(history[0].niche_score.has_value());
  EXPECT_EQ(history[0].niche, "");
  EXPECT_EQ(history[0].tier, "");
}

TEST_P(StoreContractTest, ValuingAgainReplacesTheValueWithTheSameKey) {
  Write(Batch({FullCreator("alice")}));
  const Creator alice = Stored(Platform::kInstagram, "alice");
  ASSERT_OK(store_->WriteMarketValues({FullValue(alice.id, kT0)}));
  ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> first, store_->MarketValuesOf(alice.id));
  ASSERT_THAT(first, SizeIs(1));

  // Same (creator, as_of, horizon_days, model_version): every other field is replaced,
  // optional fields that are now unknown included.
  MarketValue again = BareValue(alice.id, kT0);
  again.computed_at = kT0 + kDay;
  again.fee_mid = 99.5;
  again.evidence_json = R"({"rerun": true})";
  ASSERT_OK(store_->WriteMarketValues({again}));
  ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> history, store_->MarketValuesOf(alice.id));
  ASSERT_THAT(history, SizeIs(1));
  EXPECT_EQ(history[0].id, first[0].id);
  EXPECT_EQ(Dump(history[0]), Dump(AsStored(again, alice)));

  // Twice in one call: the last one wins.
  MarketValue last = again;
  last.fee_mid = 1.25;
  last.niche = "food";
  ASSERT_OK(store_->WriteMarketValues({FullValue(alice.id, kT0), last}));
  ASSERT_OK_AND_ASSIGN(history, store_->MarketValuesOf(alice.id));
  ASSERT_THAT(history, SizeIs(1));
  EXPECT_EQ(history[0].id, first[0].id);
  EXPECT_EQ(Dump(history[0]), Dump(AsStored(last, alice)));

  ASSERT_OK_AND_ASSIGN(StoreStats stats, store_->Stats());
  EXPECT_EQ(stats.market_values, 1);
}

TEST_P(StoreContractTest, ValuesOfOtherModelVersionsHorizonsAndDatesCoexist) {
  Write(Batch({FullCreator("alice")}));
  const Creator alice = Stored(Platform::kInstagram, "alice");
  MarketValue v1 = FullValue(alice.id, kT0, "value-v1");
  MarketValue v2 = FullValue(alice.id, kT0, "value-v2");
  v2.fee_mid = 10;
  MarketValue over_90_days = FullValue(alice.id, kT0, "value-v1");
  over_90_days.horizon_days = 90;
  over_90_days.fee_mid = 20;
  MarketValue next_day = FullValue(alice.id, kT0 + kDay, "value-v1");
  next_day.fee_mid = 30;
  ASSERT_OK(store_->WriteMarketValues({v1, v2}));
  ASSERT_OK(store_->WriteMarketValues({over_90_days, next_day}));

  ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> history, store_->MarketValuesOf(alice.id));
  std::vector<std::string> stored = DumpAll(history);
  std::vector<std::string> expected = {Dump(AsStored(v1, alice)), Dump(AsStored(v2, alice)),
                                       Dump(AsStored(over_90_days, alice)),
                                       Dump(AsStored(next_day, alice))};
  std::sort(stored.begin(), stored.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(stored, expected);
}

TEST_P(StoreContractTest, MarketValuesOfListsByAsOfThenComputedAtThenId) {
  Write(Batch({FullCreator("alice"), FullCreator("bob")}));
  const int64_t alice = Stored(Platform::kInstagram, "alice").id;
  const int64_t bob = Stored(Platform::kInstagram, "bob").id;
  // fee_mid is each value's expected place in the history.
  auto value = [&](UnixSeconds as_of, UnixSeconds computed_at, int32_t horizon_days, double place) {
    MarketValue v = BareValue(alice, as_of);
    v.computed_at = computed_at;
    v.horizon_days = horizon_days;
    v.fee_mid = place;
    return v;
  };
  // Neither the write order nor the key order (horizon_days, model_version) is the answer:
  // 3 and 4 tie on as_of and computed_at, and 3 was written first but has the larger horizon.
  ASSERT_OK(store_->WriteMarketValues(
      {value(kT0 + 2 * kDay, kT0, 30, 5), value(kT0, kT0 + 9, 30, 2), BareValue(bob, kT0)}));
  ASSERT_OK(store_->WriteMarketValues({value(kT0, kT0 + 5, 90, 1), value(kT0 + kDay, kT0, 30, 3)}));
  ASSERT_OK(store_->WriteMarketValues({value(kT0 + kDay, kT0, 7, 4)}));

  ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> history, store_->MarketValuesOf(alice));
  EXPECT_THAT(FeesOf(history), ElementsAre(1, 2, 3, 4, 5));
  ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> none, store_->MarketValuesOf(bob + 1'000));
  EXPECT_THAT(none, IsEmpty());
}

TEST_P(StoreContractTest, LatestMarketValueIsTheNewestComputedAtThenTheHighestId) {
  Write(Batch({FullCreator("alice"), BareCreator("bob", Platform::kTikTok),
               FullCreator("carol", Platform::kYouTube), FullCreator("dave")}));
  const Creator alice = Stored(Platform::kInstagram, "alice");
  const Creator bob = Stored(Platform::kTikTok, "bob");
  const Creator carol = Stored(Platform::kYouTube, "carol");
  auto value = [](const Creator& creator, UnixSeconds as_of, UnixSeconds computed_at, double tag) {
    MarketValue v = FullValue(creator.id, as_of);
    v.computed_at = computed_at;
    v.fee_mid = tag;
    return v;
  };
  // alice: the newest computation wins even though another value has a later as_of.
  // bob: two values computed at the same second, in two calls: the later call's wins.
  // carol: three computed at the same second: the highest id wins. dave has no value.
  // carol's come first, so that the visit order is not the write order.
  ASSERT_OK(store_->WriteMarketValues(
      {value(carol, kT0, kT0, 30), value(alice, kT0 + 2 * kDay, kT0 + 1, 10),
       value(alice, kT0, kT0 + 50, 11), value(alice, kT0 + kDay, kT0 + 20, 12),
       value(bob, kT0, kT0 + 7, 20)}));
  ASSERT_OK(store_->WriteMarketValues({value(bob, kT0 + kDay, kT0 + 7, 21),
                                       value(carol, kT0 + kDay, kT0, 31),
                                       value(carol, kT0 + 2 * kDay, kT0, 32)}));

  ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> carols, store_->MarketValuesOf(carol.id));
  ASSERT_THAT(carols, SizeIs(3));
  const MarketValue& carols_last =
      *std::max_element(carols.begin(), carols.end(),
                        [](const MarketValue& a, const MarketValue& b) { return a.id < b.id; });
  EXPECT_NE(carols_last.fee_mid, 30) << "written in an earlier call, so an older id";

  std::vector<MarketValue> latest = LatestValues(*store_);
  ASSERT_THAT(latest, SizeIs(3));
  EXPECT_THAT(FeesOf(latest), ElementsAre(11, 21, carols_last.fee_mid));
  EXPECT_EQ(Dump(latest[0]), Dump(AsStored(value(alice, kT0, kT0 + 50, 11), alice)));
  EXPECT_EQ(Dump(latest[1]), Dump(AsStored(value(bob, kT0 + kDay, kT0 + 7, 21), bob)));
  EXPECT_EQ(latest[2].id, carols_last.id);
  EXPECT_EQ(latest[2].creator_handle, "carol");
  EXPECT_EQ(latest[2].platform, Platform::kYouTube);
}

TEST_P(StoreContractTest, LatestMarketValuesStreamInCreatorOrderWhileTheVisitorReadsTheStore) {
  constexpr int kCreators = 4'500;  // more than two pages of a backend that reads in pages
  ImportBatch batch;
  for (int i = 0; i < kCreators; ++i)
    batch.creators.push_back(BareCreator("c" + std::to_string(i)));
  Write(batch);
  std::vector<Creator> creators = AllCreators();
  ASSERT_THAT(creators, SizeIs(kCreators));
  std::vector<MarketValue> values;
  for (const Creator& creator : creators) {
    MarketValue newer = BareValue(creator.id, kT0 - kDay);
    newer.computed_at = kT0 + 20;
    newer.fee_mid = static_cast<double>(creator.id);
    MarketValue older = BareValue(creator.id, kT0);
    older.computed_at = kT0 + 10;
    values.push_back(newer);
    values.push_back(older);
  }
  ASSERT_OK(store_->WriteMarketValues(values));

  int64_t visited = 0;
  int64_t last_creator = 0;
  bool ordered = true;
  bool newest = true;
  int64_t histories_read = 0;
  ASSERT_OK(store_->ForEachLatestMarketValue([&](const MarketValue& value) -> Status {
    ordered = ordered && value.creator_id > last_creator;
    last_creator = value.creator_id;
    newest = newest && value.computed_at == kT0 + 20 &&
             value.fee_mid == static_cast<double>(value.creator_id);
    if (visited++ % 1'000 == 0) {
      SPHERE_ASSIGN_OR_RETURN(std::vector<MarketValue> history,
                              store_->MarketValuesOf(value.creator_id));
      if (history.size() != 2) return Internal("history of " + std::to_string(history.size()));
      ++histories_read;
    }
    return Status::Ok();
  }));
  EXPECT_EQ(visited, kCreators);
  EXPECT_TRUE(ordered);
  EXPECT_TRUE(newest);
  EXPECT_EQ(histories_read, 5);
}

TEST_P(StoreContractTest, ForEachLatestMarketValueStopsAtVisitorError) {
  Write(Batch({FullCreator("a"), FullCreator("b"), FullCreator("c")}));
  std::vector<MarketValue> values;
  for (const Creator& creator : AllCreators()) values.push_back(BareValue(creator.id, kT0));
  ASSERT_OK(store_->WriteMarketValues(values));
  int visited = 0;
  Status status = store_->ForEachLatestMarketValue([&](const MarketValue&) {
    return ++visited == 2 ? Internal("visitor gave up at 2") : Status::Ok();
  });
  EXPECT_THAT(status, IsError(Code::kInternal, ::testing::Eq("visitor gave up at 2")));
  EXPECT_EQ(visited, 2);
}

TEST_P(StoreContractTest, MarketValueOfAnUnknownCreatorIsNotFoundAndWritesNothing) {
  Write(Batch({FullCreator("alice")}));
  const int64_t alice = Stored(Platform::kInstagram, "alice").id;
  const int64_t unknown = alice + 1'000;
  EXPECT_THAT(store_->WriteMarketValues({FullValue(alice, kT0), FullValue(unknown, kT0)}),
              IsError(Code::kNotFound, HasSubstr(std::to_string(unknown))));
  EXPECT_THAT(store_->WriteMarketValues({FullValue(unknown, kT0), FullValue(alice, kT0 + 1)}),
              IsError(Code::kNotFound, HasSubstr(std::to_string(unknown))));
  // One transaction: alice's values, written before or after the failure, are not kept.
  ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> history, store_->MarketValuesOf(alice));
  EXPECT_THAT(history, IsEmpty());
  EXPECT_THAT(LatestValues(*store_), IsEmpty());
  ASSERT_OK_AND_ASSIGN(StoreStats stats, store_->Stats());
  EXPECT_EQ(stats.market_values, 0);
}

TEST_P(StoreContractTest, InvalidMarketValueIsInvalidArgumentNamingTheField) {
  Write(Batch({FullCreator("alice")}));
  const int64_t alice = Stored(Platform::kInstagram, "alice").id;
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    std::string field;
    std::function<void(MarketValue&)> spoil;
  };
  const std::vector<Case> cases = {
      {"fee_mid", [&](MarketValue& v) { v.fee_mid = nan; }},
      {"fee_low", [&](MarketValue& v) { v.fee_low = -inf; }},
      {"fee_high", [&](MarketValue& v) { v.fee_high = inf; }},
      {"engagement_per_post", [&](MarketValue& v) { v.engagement_per_post = nan; }},
      {"engagement_low", [&](MarketValue& v) { v.engagement_low = inf; }},
      {"engagement_high", [&](MarketValue& v) { v.engagement_high = nan; }},
      {"views_per_post", [&](MarketValue& v) { v.views_per_post = nan; }},
      {"views_low", [&](MarketValue& v) { v.views_low = -inf; }},
      {"views_high", [&](MarketValue& v) { v.views_high = inf; }},
      {"follower_gain", [&](MarketValue& v) { v.follower_gain = nan; }},
      {"follower_gain_low", [&](MarketValue& v) { v.follower_gain_low = -inf; }},
      {"follower_gain_high", [&](MarketValue& v) { v.follower_gain_high = nan; }},
      {"score", [&](MarketValue& v) { v.score = nan; }},
      {"niche_score", [&](MarketValue& v) { v.niche_score = nan; }},
      {"momentum", [&](MarketValue& v) { v.momentum = -inf; }},
      {"evidence_json", [](MarketValue& v) { v.evidence_json = "[]"; }},
      {"evidence_json", [](MarketValue& v) { v.evidence_json = "{not json"; }},
      {"evidence_json", [](MarketValue& v) { v.evidence_json = ""; }},
      {"evidence_json", [](MarketValue& v) { v.evidence_json = "\"text\""; }},
      {"horizon_days", [](MarketValue& v) { v.horizon_days = 0; }},
      {"horizon_days", [](MarketValue& v) { v.horizon_days = -30; }},
      {"model_version", [](MarketValue& v) { v.model_version = ""; }},
      {"followers", [](MarketValue& v) { v.followers = -1; }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    MarketValue spoiled = FullValue(alice, kT0);
    c.spoil(spoiled);
    // A valid value first: the refused one must take it down too.
    EXPECT_THAT(store_->WriteMarketValues({FullValue(alice, kT0 - kDay), spoiled}),
                IsError(Code::kInvalidArgument, HasSubstr(c.field + " must")));
    ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> history, store_->MarketValuesOf(alice));
    EXPECT_THAT(history, IsEmpty()) << "the refused call must leave nothing behind";
  }
}

TEST_P(StoreContractTest, SchemaRefusesInvalidMarketValuesFromOtherWriters) {
  Write(Batch({FullCreator("alice")}));
  const int64_t alice = Stored(Platform::kInstagram, "alice").id;
  // What a writer that bypasses the Store would run.
  auto insert = [&](std::string_view horizon_days, std::string_view model_version,
                    std::string_view evidence_json) {
    return backend_->ExecuteSql(
        "INSERT INTO market_value (creator_id, as_of, horizon_days, model_version, computed_at, "
        "engagement_per_post, engagement_low, engagement_high, fee_low, fee_mid, fee_high, score, "
        "momentum, evidence_json) VALUES (" +
        std::to_string(alice) + ", " + std::to_string(kT0) + ", " + std::string(horizon_days) +
        ", '" + std::string(model_version) + "', " + std::to_string(kT0) +
        ", 1.5, 1, 2, 100, 200, 300, 50, 0.5, '" + std::string(evidence_json) + "')");
  };
  EXPECT_THAT(insert("0", "v-zero", "{}"),
              IsError(Code::kInternal, HasSubstr("horizon_days must be positive")));
  EXPECT_THAT(insert("30", "", "{}"),
              IsError(Code::kInternal, HasSubstr("model_version must not be empty")));
  EXPECT_THAT(insert("30", "v-array", "[1]"),
              IsError(Code::kInternal, HasSubstr("evidence_json must be a JSON object")));
  // The same statement with valid values is accepted and reads back.
  ASSERT_OK(insert("30", "v-ok", R"({"by": "hand"})"));
  ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> history, store_->MarketValuesOf(alice));
  ASSERT_THAT(history, SizeIs(1));
  EXPECT_EQ(history[0].model_version, "v-ok");
  EXPECT_EQ(history[0].fee_mid, 200);
  EXPECT_FALSE(history[0].views_per_post.has_value());
}

TEST_P(StoreContractTest, ReimportKeepsMarketValues) {
  Creator alice = FullCreator("alice");
  ImportBatch batch = Batch({alice}, {FullPost(alice, "p1")}, {FullSnapshot(alice, kT0)});
  Write(batch);
  const Creator stored = Stored(alice);
  const MarketValue value = FullValue(stored.id, kT0);
  ASSERT_OK(store_->WriteMarketValues({value}));

  Write(batch);
  Creator newer = alice;
  newer.stats_as_of = kT0 + kDay;
  newer.followers = 10;
  Write(Batch({newer}));

  ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> history, store_->MarketValuesOf(stored.id));
  ASSERT_THAT(history, SizeIs(1));
  EXPECT_EQ(Dump(history[0]), Dump(AsStored(value, stored)));
}

TEST_P(StoreContractTest, UpgradeFromSchemaVersion2AddsMarketValuesAndKeepsData) {
  Creator alice = FullCreator("alice");
  Write(Batch({alice}, {FullPost(alice, "p1")}, {FullSnapshot(alice, kT0)}));
  const int64_t id = Stored(alice).id;
  ASSERT_OK(store_->WriteInferredNiches({Inferred(id, "beauty", 0.7)}));
  store_.reset();
  // What a database written by a build before market values looks like.
  ASSERT_OK(backend_->ExecuteSql(std::string(kDropMigration4) +
                                 "DROP TABLE market_value; "
                                 "DELETE FROM schema_migrations WHERE version >= 3"));
  Reopen();
  ASSERT_OK_AND_ASSIGN(int version, store_->SchemaVersion());
  EXPECT_GE(version, 3);
  EXPECT_EQ(Dump(Stored(alice)), Dump(alice));
  EXPECT_THAT(PostsOf(alice), SizeIs(1));
  EXPECT_THAT(SnapshotsOf(alice), SizeIs(1));
  ASSERT_OK_AND_ASSIGN(std::optional<InferredNiche> niche, store_->InferredNicheOf(id));
  ASSERT_TRUE(niche.has_value());
  EXPECT_EQ(*niche, Inferred(id, "beauty", 0.7));

  const MarketValue value = FullValue(id, kT0);
  ASSERT_OK(store_->WriteMarketValues({value}));
  ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> history, store_->MarketValuesOf(id));
  ASSERT_THAT(history, SizeIs(1));
  EXPECT_EQ(Dump(history[0]), Dump(AsStored(value, Stored(alice))));
}

TEST_P(StoreContractTest, LatestMarketValuesWithoutEvidenceAreTheSameValuesWithEmptyEvidence) {
  Write(Batch({FullCreator("alice"), FullCreator("bob", Platform::kTikTok)}));
  const Creator alice = Stored(Platform::kInstagram, "alice");
  const Creator bob = Stored(Platform::kTikTok, "bob");
  MarketValue newer = FullValue(alice.id, kT0 + kDay);
  newer.fee_mid = 9'999;
  ASSERT_OK(store_->WriteMarketValues(
      {FullValue(alice.id, kT0), newer, BareValue(bob.id, kT0), FullValue(bob.id, kT0 + 1)}));

  const std::vector<MarketValue> with_evidence = LatestValues(*store_);
  std::vector<MarketValue> without_evidence;
  ASSERT_OK(store_->ForEachLatestMarketValue(
      [&](const MarketValue& value) {
        without_evidence.push_back(value);
        return Status::Ok();
      },
      Store::EvidenceColumn::kSkip));

  ASSERT_THAT(with_evidence, SizeIs(2));
  ASSERT_THAT(without_evidence, SizeIs(2));
  for (size_t i = 0; i < with_evidence.size(); ++i) {
    EXPECT_EQ(without_evidence[i].id, with_evidence[i].id);
    EXPECT_NE(with_evidence[i].evidence_json, "");
    EXPECT_EQ(without_evidence[i].evidence_json, "");
    MarketValue expected = with_evidence[i];
    expected.evidence_json = "";
    EXPECT_EQ(Dump(without_evidence[i]), Dump(expected));
  }
  EXPECT_EQ(without_evidence[0].fee_mid, 9'999);
  // Skipping the evidence stops at a visitor's error like reading it does.
  int visited = 0;
  Status stopped = store_->ForEachLatestMarketValue(
      [&](const MarketValue&) { return ++visited == 1 ? Internal("stop") : Status::Ok(); },
      Store::EvidenceColumn::kSkip);
  EXPECT_THAT(stopped, IsError(Code::kInternal, ::testing::Eq("stop")));
  EXPECT_EQ(visited, 1);
}

// ---------------------------------------------------------------------------------------
// Users and alert rules read one at a time (the API server's needs)

TEST_P(StoreContractTest, ListUsersListsEveryUserInIdOrderAndGetUserFindsOne) {
  ASSERT_OK_AND_ASSIGN(std::vector<User> none, store_->ListUsers());
  EXPECT_THAT(none, IsEmpty());
  std::vector<User> created;
  for (Role role : {Role::kAdmin, Role::kBrand, Role::kCreator}) {
    ASSERT_OK_AND_ASSIGN(User user,
                         store_->CreateUser(MakeUser("Ünïcode " + std::string(ToString(role)),
                                                     "hash-" + std::string(ToString(role)), role)));
    created.push_back(user);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<User> users, store_->ListUsers());
  ASSERT_THAT(users, SizeIs(3));
  for (size_t i = 0; i < users.size(); ++i) {
    EXPECT_EQ(users[i].id, created[i].id);
    EXPECT_EQ(Dump(users[i]), Dump(created[i]));
  }
  ASSERT_OK_AND_ASSIGN(std::optional<User> found, store_->GetUser(created[1].id));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, created[1].id);
  EXPECT_EQ(Dump(*found), Dump(created[1]));
  ASSERT_OK_AND_ASSIGN(std::optional<User> missing, store_->GetUser(created[2].id + 1'000));
  EXPECT_FALSE(missing.has_value());
  ASSERT_OK_AND_ASSIGN(missing, store_->GetUser(0));
  EXPECT_FALSE(missing.has_value());
}

TEST_P(AlertContractTest, GetAlertRuleFindsOnlyTheOwnersRule) {
  AlertRule rule = MakeRule(brand_a_.id, "Rising beauty creators 💄");
  rule.enabled = false;
  ASSERT_OK_AND_ASSIGN(AlertRule created, store_->CreateAlertRule(rule));
  ASSERT_OK_AND_ASSIGN(AlertRule read, store_->GetAlertRule(brand_a_.id, created.id));
  EXPECT_EQ(read.id, created.id);
  EXPECT_EQ(Dump(read), Dump(rule));

  // Someone else's rule and a missing one read alike.
  Result<AlertRule> of_other = store_->GetAlertRule(brand_b_.id, created.id);
  EXPECT_THAT(of_other.status(), IsError(Code::kNotFound, HasSubstr("alert rule")));
  Result<AlertRule> missing = store_->GetAlertRule(brand_b_.id, created.id + 1'000);
  EXPECT_THAT(missing.status(), IsError(Code::kNotFound, HasSubstr("alert rule")));

  ASSERT_OK(store_->DeleteAlertRule(brand_a_.id, created.id));
  EXPECT_THAT(store_->GetAlertRule(brand_a_.id, created.id).status(),
              IsError(Code::kNotFound, ::testing::_));
}

// ---------------------------------------------------------------------------------------
// Creator notes

std::string Dump(const CreatorNote& n) {
  std::string tags;
  for (const std::string& tag : n.niche_tags) tags += "[" + tag + "]";
  return Fields()
      .Add("creator_id", n.creator_id)
      .Add("niche_tags", tags)
      .Add("manual_notes", n.manual_notes)
      .Add("bio", n.bio)
      .Add("updated_by_user_id", n.updated_by_user_id)
      .Add("updated_at", n.updated_at)
      .str();
}

CreatorNote FullNote(int64_t creator_id, int64_t user_id) {
  CreatorNote note;
  note.creator_id = creator_id;
  note.niche_tags = {"beauty", "skin care", "Zoë's picks 🌸", "\"quoted\", [json]", "\\"};
  note.manual_notes = "Line one\nline two\twith a tab; 'quotes' and \"double\" ✓";
  note.bio = "Paris-based ✨ creator — DM for collabs";
  note.updated_by_user_id = user_id;
  note.updated_at = kT0 + 60;
  return note;
}

class UserDataContractTest : public StoreContractTest {
 protected:
  void SetUp() override {
    StoreContractTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(brand_, store_->CreateUser(MakeUser("Brand", "key-brand")));
    Write(Batch({FullCreator("alice"), FullCreator("bob")}));
    alice_ = Stored(Platform::kInstagram, "alice").id;
    bob_ = Stored(Platform::kInstagram, "bob").id;
  }

  User brand_;
  int64_t alice_ = 0;
  int64_t bob_ = 0;
};

INSTANTIATE_TEST_SUITE_P(AllBackends, UserDataContractTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST_P(UserDataContractTest, ForEachCreatorNoteVisitsEveryNoteInCreatorOrder) {
  CreatorNote for_bob;
  for_bob.creator_id = bob_;
  for_bob.niche_tags = {"coffee"};
  ASSERT_OK(store_->PutCreatorNote(for_bob));
  ASSERT_OK(store_->PutCreatorNote(FullNote(alice_, brand_.id)));
  std::vector<CreatorNote> seen;
  ASSERT_OK(store_->ForEachCreatorNote([&](const CreatorNote& n) {
    seen.push_back(n);
    return Status::Ok();
  }));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_LT(seen[0].creator_id, seen[1].creator_id);
  const CreatorNote& of_alice = seen[0].creator_id == alice_ ? seen[0] : seen[1];
  EXPECT_EQ(Dump(of_alice), Dump(FullNote(alice_, brand_.id)));
  int visits = 0;
  EXPECT_THAT(store_->ForEachCreatorNote([&](const CreatorNote&) {
    ++visits;
    return NotFound("stop here");
  }),
              IsError(Code::kNotFound, HasSubstr("stop here")));
  EXPECT_EQ(visits, 1);
}

TEST_P(UserDataContractTest, CreatorNoteRoundTripsEveryField) {
  const CreatorNote note = FullNote(alice_, brand_.id);
  ASSERT_OK(store_->PutCreatorNote(note));
  ASSERT_OK_AND_ASSIGN(std::optional<CreatorNote> read, store_->CreatorNoteOf(alice_));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(Dump(*read), Dump(note));
  ASSERT_OK_AND_ASSIGN(std::optional<CreatorNote> of_bob, store_->CreatorNoteOf(bob_));
  EXPECT_FALSE(of_bob.has_value()) << "only alice has a note";
}

TEST_P(UserDataContractTest, NoteWithNothingInItRoundTrips) {
  CreatorNote note;
  note.creator_id = bob_;  // no tags, no text, written by the CLI
  ASSERT_OK(store_->PutCreatorNote(note));
  ASSERT_OK_AND_ASSIGN(std::optional<CreatorNote> read, store_->CreatorNoteOf(bob_));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(Dump(*read), Dump(note));
}

TEST_P(UserDataContractTest, CreatorWithoutNoteOrNoCreatorAtAllHasNoNote) {
  ASSERT_OK_AND_ASSIGN(std::optional<CreatorNote> none, store_->CreatorNoteOf(alice_));
  EXPECT_FALSE(none.has_value());
  ASSERT_OK_AND_ASSIGN(none, store_->CreatorNoteOf(bob_ + 1'000));
  EXPECT_FALSE(none.has_value());
}

TEST_P(UserDataContractTest, PuttingANoteAgainReplacesItWhole) {
  ASSERT_OK(store_->PutCreatorNote(FullNote(alice_, brand_.id)));
  CreatorNote second;
  second.creator_id = alice_;
  second.niche_tags = {"fitness"};
  second.bio = "new bio";
  second.updated_at = kT0 + 120;  // notes emptied, written by the CLI
  ASSERT_OK(store_->PutCreatorNote(second));
  ASSERT_OK_AND_ASSIGN(std::optional<CreatorNote> read, store_->CreatorNoteOf(alice_));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(Dump(*read), Dump(second));
}

TEST_P(UserDataContractTest, NoteForAnUnknownCreatorIsNotFound) {
  const int64_t unknown = bob_ + 1'000;
  EXPECT_THAT(store_->PutCreatorNote(FullNote(unknown, brand_.id)),
              IsError(Code::kNotFound, HasSubstr(std::to_string(unknown))));
  ASSERT_OK_AND_ASSIGN(std::optional<CreatorNote> none, store_->CreatorNoteOf(unknown));
  EXPECT_FALSE(none.has_value());
}

TEST_P(UserDataContractTest, NoteByAnUnknownUserIsInvalidArgumentAndKeepsTheOldNote) {
  const CreatorNote first = FullNote(alice_, brand_.id);
  ASSERT_OK(store_->PutCreatorNote(first));
  CreatorNote by_nobody = FullNote(alice_, brand_.id + 1'000);
  by_nobody.bio = "should not land";
  EXPECT_THAT(store_->PutCreatorNote(by_nobody),
              IsError(Code::kInvalidArgument, HasSubstr("updated_by_user_id")));
  ASSERT_OK_AND_ASSIGN(std::optional<CreatorNote> read, store_->CreatorNoteOf(alice_));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(Dump(*read), Dump(first));
}

TEST_P(UserDataContractTest, InvalidNoteIsInvalidArgumentNamingTheField) {
  struct Case {
    std::string field;
    std::function<void(CreatorNote&)> spoil;
  };
  const std::vector<Case> cases = {
      {"niche_tags must hold at most 50", [](CreatorNote& n) { n.niche_tags.assign(51, "tag"); }},
      {"niche_tags[1] must not be empty",
       [](CreatorNote& n) {
         n.niche_tags = {"ok", ""};
       }},
      {"niche_tags[0] must be at most 64 bytes",
       [](CreatorNote& n) { n.niche_tags = {std::string(65, 't')}; }},
      // 17 characters but 68 bytes: the limit counts bytes.
      {"niche_tags[0] must be at most 64 bytes",
       [](CreatorNote& n) { n.niche_tags = {"🌸🌸🌸🌸🌸🌸🌸🌸🌸🌸🌸🌸🌸🌸🌸🌸🌸"}; }},
      {"niche_tags[0] must not contain control",
       [](CreatorNote& n) { n.niche_tags = {"new\nline"}; }},
      {"niche_tags[0] must not contain control",
       [](CreatorNote& n) { n.niche_tags = {"tab\there"}; }},
      {"niche_tags[0] must not contain control",
       [](CreatorNote& n) { n.niche_tags = {"del\x7f"}; }},
      {"niche_tags[0] must not contain control",
       [](CreatorNote& n) { n.niche_tags = {"next line \xc2\x85"}; }},
      {"niche_tags[2] must not contain NUL",
       [](CreatorNote& n) {
         n.niche_tags = {"a", "b", std::string("n\0l", 3)};
       }},
      {"niche_tags[0] must be UTF-8", [](CreatorNote& n) { n.niche_tags = {"\xff\xfe"}; }},
      {"manual_notes must be at most 10000 bytes",
       [](CreatorNote& n) { n.manual_notes = std::string(10'001, 'n'); }},
      {"manual_notes must not contain NUL",
       [](CreatorNote& n) { n.manual_notes = std::string("a\0b", 3); }},
      {"manual_notes must be UTF-8", [](CreatorNote& n) { n.manual_notes = "caf\xe9"; }},
      {"bio must be at most 10000 bytes", [](CreatorNote& n) { n.bio = std::string(10'001, 'b'); }},
      {"bio must not contain NUL", [](CreatorNote& n) { n.bio = std::string(1, '\0'); }},
      {"bio must be UTF-8", [](CreatorNote& n) { n.bio = "\xed\xa0\x80"; }},  // a surrogate
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    CreatorNote spoiled = FullNote(alice_, brand_.id);
    c.spoil(spoiled);
    EXPECT_THAT(store_->PutCreatorNote(spoiled),
                IsError(Code::kInvalidArgument, HasSubstr(c.field)));
    ASSERT_OK_AND_ASSIGN(std::optional<CreatorNote> read, store_->CreatorNoteOf(alice_));
    EXPECT_FALSE(read.has_value()) << "a refused note must not be written";
  }
}

TEST_P(UserDataContractTest, NoteAtEveryLimitIsAccepted) {
  CreatorNote note = FullNote(alice_, brand_.id);
  note.niche_tags.clear();
  for (int i = 0; i < 50; ++i) note.niche_tags.push_back("t" + std::to_string(i));
  note.niche_tags[7] = std::string(64, 'x');
  note.niche_tags[8] = "🌸🌸🌸🌸🌸🌸🌸🌸🌸🌸🌸🌸🌸🌸🌸🌸";  // 64 bytes
  note.manual_notes = std::string(10'000, 'n');
  note.bio = std::string(9'998, 'b') + "é";  // 10,000 bytes
  ASSERT_OK(store_->PutCreatorNote(note));
  ASSERT_OK_AND_ASSIGN(std::optional<CreatorNote> read, store_->CreatorNoteOf(alice_));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(Dump(*read), Dump(note));
}

TEST_P(UserDataContractTest, ReimportKeepsCreatorNotes) {
  const CreatorNote note = FullNote(alice_, brand_.id);
  ASSERT_OK(store_->PutCreatorNote(note));
  Creator newer = FullCreator("alice");
  newer.stats_as_of = kT0 + kDay;
  newer.display_name = "Renamed";
  newer.niche = "fitness";
  Write(Batch({newer}));
  ASSERT_OK_AND_ASSIGN(std::optional<CreatorNote> read, store_->CreatorNoteOf(alice_));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(Dump(*read), Dump(note));
}

// ---------------------------------------------------------------------------------------
// Ingestions

std::string Dump(const Ingestion& i) {
  return Fields()
      .Add("user_id", i.user_id)
      .Add("creator_id", i.creator_id)
      .AddJson("payload_json", i.payload_json)
      .Add("received_at", i.received_at)
      .str();
}

Ingestion MakeIngestion(int64_t user_id, int64_t creator_id, UnixSeconds received_at) {
  Ingestion ingestion;
  ingestion.user_id = user_id;
  ingestion.creator_id = creator_id;
  ingestion.payload_json =
      R"({"influencer_id": 7, "bio": "Zoë 🌸", "posts": [{"likes": 12, "caption": "a\"b"}],)"
      R"( "unknown_field": {"nested": [1, 2.5, null, true]}})";
  ingestion.received_at = received_at;
  return ingestion;
}

TEST_P(UserDataContractTest, IngestionRoundTripsWithIncreasingIds) {
  ASSERT_OK_AND_ASSIGN(Ingestion first,
                       store_->RecordIngestion(MakeIngestion(brand_.id, alice_, kT0)));
  Ingestion from_cli = MakeIngestion(0, bob_, kT0 + 1);
  from_cli.payload_json = "{}";
  ASSERT_OK_AND_ASSIGN(Ingestion second, store_->RecordIngestion(from_cli));
  EXPECT_GT(first.id, 0);
  EXPECT_GT(second.id, first.id);
  EXPECT_EQ(Dump(first), Dump(MakeIngestion(brand_.id, alice_, kT0)));

  ASSERT_OK_AND_ASSIGN(std::optional<Ingestion> read, store_->GetIngestion(first.id));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->id, first.id);
  EXPECT_EQ(Dump(*read), Dump(first));
  // The payload is kept byte for byte, not re-formatted.
  EXPECT_EQ(read->payload_json, first.payload_json);
  ASSERT_OK_AND_ASSIGN(read, store_->GetIngestion(second.id));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(Dump(*read), Dump(from_cli));
  EXPECT_EQ(read->user_id, 0);
}

TEST_P(UserDataContractTest, UnknownIngestionIsNothing) {
  ASSERT_OK_AND_ASSIGN(std::optional<Ingestion> none, store_->GetIngestion(1));
  EXPECT_FALSE(none.has_value());
  ASSERT_OK_AND_ASSIGN(Ingestion recorded,
                       store_->RecordIngestion(MakeIngestion(brand_.id, alice_, kT0)));
  ASSERT_OK_AND_ASSIGN(none, store_->GetIngestion(recorded.id + 1));
  EXPECT_FALSE(none.has_value());
}

TEST_P(UserDataContractTest, IngestionForAnUnknownCreatorIsNotFoundAndUnknownUserIsInvalid) {
  const int64_t unknown = bob_ + 1'000;
  EXPECT_THAT(store_->RecordIngestion(MakeIngestion(brand_.id, unknown, kT0)).status(),
              IsError(Code::kNotFound, HasSubstr(std::to_string(unknown))));
  EXPECT_THAT(store_->RecordIngestion(MakeIngestion(brand_.id + 1'000, alice_, kT0)).status(),
              IsError(Code::kInvalidArgument, HasSubstr("user_id")));
  ASSERT_OK_AND_ASSIGN(Ingestion recorded,
                       store_->RecordIngestion(MakeIngestion(brand_.id, alice_, kT0)));
  // The refused ones left nothing behind that a later id would skip past... or show.
  ASSERT_OK_AND_ASSIGN(std::optional<Ingestion> read, store_->GetIngestion(recorded.id));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->creator_id, alice_);
}

TEST_P(UserDataContractTest, IngestionPayloadMustBeAJsonObject) {
  for (std::string payload :
       {std::string("[]"), std::string("{"), std::string(""), std::string("\"text\""),
        std::string("42"), std::string("{\"a\": \"\0\"}", 10), std::string("{\"a\": \"\xff\"}")}) {
    SCOPED_TRACE(payload);
    Ingestion ingestion = MakeIngestion(brand_.id, alice_, kT0);
    ingestion.payload_json = payload;
    EXPECT_THAT(store_->RecordIngestion(ingestion).status(),
                IsError(Code::kInvalidArgument, HasSubstr("payload_json")));
  }
}

// ---------------------------------------------------------------------------------------
// Drafts

std::string Dump(const Draft& d) {
  return Fields()
      .Add("owner_user_id", d.owner_user_id)
      .Add("creator_id", d.creator_id)
      .Add("caption", d.caption)
      .Add("media_type", d.media_type)
      .Add("sponsored", d.sponsored)
      .Add("planned_at", d.planned_at)
      .Add("image_content_type", d.image_content_type)
      .Add("image_size", d.image_size)
      .Add("created_at", d.created_at)
      .Add("updated_at", d.updated_at)
      .str();
}

// Every byte value, several times over, with the bytes that break text handling (NUL,
// backslash, quote, invalid UTF-8) all in it.
std::string EveryByte(size_t size = 3 * 256 + 17) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(i % 256);
  return bytes;
}

Draft FullDraft(int64_t owner, std::optional<int64_t> creator_id, UnixSeconds created_at) {
  Draft draft;
  draft.owner_user_id = owner;
  draft.creator_id = creator_id;
  draft.caption = "New drop 🌸 tomorrow!\nLink in bio #ad @brand \"quoted\" \\ backslash";
  draft.media_type = MediaType::kCarousel;
  draft.sponsored = true;
  draft.planned_at = created_at + 2 * kDay;
  draft.image_bytes = EveryByte();
  draft.image_content_type = "image/png";
  draft.image_size = static_cast<int64_t>(draft.image_bytes.size());
  draft.created_at = created_at;
  draft.updated_at = created_at + 5;
  return draft;
}

class DraftContractTest : public UserDataContractTest {
 protected:
  void SetUp() override {
    UserDataContractTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_OK_AND_ASSIGN(other_, store_->CreateUser(MakeUser("Creator", "key-creator")));
  }

  // Compares everything, the image bytes without printing megabytes on failure.
  static void ExpectSameDraft(const Draft& actual, const Draft& expected) {
    EXPECT_EQ(Dump(actual), Dump(expected));
    EXPECT_EQ(actual.image_bytes.size(), expected.image_bytes.size());
    EXPECT_TRUE(actual.image_bytes == expected.image_bytes) << "image bytes differ";
  }

  User other_;
};

INSTANTIATE_TEST_SUITE_P(AllBackends, DraftContractTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST_P(DraftContractTest, DraftRoundTripsEveryFieldAndEveryImageByte) {
  const Draft draft = FullDraft(brand_.id, alice_, kT0);
  ASSERT_OK_AND_ASSIGN(Draft created, store_->CreateDraft(draft));
  EXPECT_GT(created.id, 0);
  ExpectSameDraft(created, draft);

  ASSERT_OK_AND_ASSIGN(Draft read, store_->GetDraft(brand_.id, created.id));
  EXPECT_EQ(read.id, created.id);
  ExpectSameDraft(read, draft);
}

TEST_P(DraftContractTest, DraftWithoutOptionalFieldsReadsBackEmpty) {
  Draft draft;
  draft.owner_user_id = brand_.id;
  draft.created_at = kT0;
  draft.updated_at = kT0;
  ASSERT_OK_AND_ASSIGN(Draft created, store_->CreateDraft(draft));
  ASSERT_OK_AND_ASSIGN(Draft read, store_->GetDraft(brand_.id, created.id));
  ExpectSameDraft(read, draft);
  EXPECT_FALSE(read.creator_id.has_value());
  EXPECT_FALSE(read.planned_at.has_value());
  EXPECT_EQ(read.image_size, 0);
}

TEST_P(DraftContractTest, ImageOfTenMebibytesIsAcceptedAndOneByteMoreIsNot) {
  Draft draft = FullDraft(brand_.id, std::nullopt, kT0);
  draft.image_bytes = EveryByte(kMaxDraftImageBytes);
  draft.image_size = static_cast<int64_t>(kMaxDraftImageBytes);
  draft.caption = std::string(9'999, 'c') + "!";  // 10,000 bytes
  ASSERT_OK_AND_ASSIGN(Draft created, store_->CreateDraft(draft));
  ASSERT_OK_AND_ASSIGN(Draft read, store_->GetDraft(brand_.id, created.id));
  ExpectSameDraft(read, draft);

  draft.image_bytes.push_back('\x42');
  EXPECT_THAT(store_->CreateDraft(draft).status(),
              IsError(Code::kInvalidArgument, HasSubstr("image_bytes must be at most")));
  draft.id = created.id;
  EXPECT_THAT(store_->UpdateDraft(draft).status(),
              IsError(Code::kInvalidArgument, HasSubstr("image_bytes must be at most")));
  ASSERT_OK_AND_ASSIGN(std::vector<Draft> drafts, store_->ListDrafts(brand_.id));
  ASSERT_THAT(drafts, SizeIs(1));
  EXPECT_EQ(drafts[0].image_size, static_cast<int64_t>(kMaxDraftImageBytes));
}

TEST_P(DraftContractTest, ListDraftsIsNewestFirstWithSizesButNoImageBytes) {
  ASSERT_OK_AND_ASSIGN(Draft oldest, store_->CreateDraft(FullDraft(brand_.id, alice_, kT0)));
  Draft no_image = FullDraft(brand_.id, bob_, kT0 + kDay);
  no_image.image_bytes.clear();
  no_image.image_content_type.clear();
  no_image.image_size = 0;
  ASSERT_OK_AND_ASSIGN(Draft newest, store_->CreateDraft(no_image));
  // Same created_at as `newest`: the higher id comes first.
  ASSERT_OK_AND_ASSIGN(Draft tie,
                       store_->CreateDraft(FullDraft(brand_.id, std::nullopt, kT0 + kDay)));
  ASSERT_OK(store_->CreateDraft(FullDraft(other_.id, alice_, kT0 + 2 * kDay)).status());

  ASSERT_OK_AND_ASSIGN(std::vector<Draft> drafts, store_->ListDrafts(brand_.id));
  ASSERT_THAT(drafts, SizeIs(3));
  EXPECT_EQ(drafts[0].id, tie.id);
  EXPECT_EQ(drafts[1].id, newest.id);
  EXPECT_EQ(drafts[2].id, oldest.id);
  for (const Draft& listed : drafts) {
    EXPECT_THAT(listed.image_bytes, IsEmpty());
  }
  EXPECT_EQ(drafts[0].image_size, static_cast<int64_t>(EveryByte().size()));
  EXPECT_EQ(drafts[1].image_size, 0);
  EXPECT_EQ(Dump(drafts[2]), Dump(FullDraft(brand_.id, alice_, kT0)));

  ASSERT_OK_AND_ASSIGN(std::vector<Draft> of_nobody, store_->ListDrafts(424'242));
  EXPECT_THAT(of_nobody, IsEmpty());
}

TEST_P(DraftContractTest, AnotherOwnersDraftIsNotFoundEverywhere) {
  ASSERT_OK_AND_ASSIGN(Draft mine, store_->CreateDraft(FullDraft(brand_.id, alice_, kT0)));
  Result<Draft> got = store_->GetDraft(other_.id, mine.id);
  Result<Draft> missing = store_->GetDraft(other_.id, mine.id + 1'000);
  EXPECT_THAT(got.status(), IsError(Code::kNotFound, HasSubstr("draft")));
  EXPECT_THAT(missing.status(), IsError(Code::kNotFound, HasSubstr("draft")));

  Draft hijack = FullDraft(other_.id, bob_, kT0 + kDay);
  hijack.id = mine.id;
  hijack.caption = "hijacked";
  EXPECT_THAT(store_->UpdateDraft(hijack).status(), IsError(Code::kNotFound, HasSubstr("draft")));
  EXPECT_THAT(store_->DeleteDraft(other_.id, mine.id),
              IsError(Code::kNotFound, HasSubstr("draft")));
  ASSERT_OK_AND_ASSIGN(std::vector<Draft> of_other, store_->ListDrafts(other_.id));
  EXPECT_THAT(of_other, IsEmpty());

  ASSERT_OK_AND_ASSIGN(Draft still_mine, store_->GetDraft(brand_.id, mine.id));
  ExpectSameDraft(still_mine, FullDraft(brand_.id, alice_, kT0));
}

TEST_P(DraftContractTest, UpdateReplacesEveryFieldButCreatedAt) {
  ASSERT_OK_AND_ASSIGN(Draft created, store_->CreateDraft(FullDraft(brand_.id, alice_, kT0)));
  Draft change;
  change.id = created.id;
  change.owner_user_id = brand_.id;
  change.creator_id = bob_;
  change.caption = "Rewritten ✍️";
  change.media_type = MediaType::kVideo;
  change.sponsored = false;
  change.planned_at = std::nullopt;
  change.image_bytes = std::string("\x00\xff\x00", 3);
  change.image_content_type = "image/webp";
  change.created_at = kT0 + 999;  // ignored: created_at stays
  change.updated_at = kT0 + kDay;
  ASSERT_OK_AND_ASSIGN(Draft updated, store_->UpdateDraft(change));

  Draft expected = change;
  expected.created_at = kT0;
  expected.image_size = 3;
  EXPECT_EQ(updated.id, created.id);
  ExpectSameDraft(updated, expected);
  ASSERT_OK_AND_ASSIGN(Draft read, store_->GetDraft(brand_.id, created.id));
  ExpectSameDraft(read, expected);

  // An empty image removes the image; no creator unsets it.
  change.image_bytes.clear();
  change.image_content_type.clear();
  change.creator_id = std::nullopt;
  ASSERT_OK_AND_ASSIGN(updated, store_->UpdateDraft(change));
  EXPECT_EQ(updated.image_size, 0);
  ASSERT_OK_AND_ASSIGN(read, store_->GetDraft(brand_.id, created.id));
  EXPECT_THAT(read.image_bytes, IsEmpty());
  EXPECT_EQ(read.image_size, 0);
  EXPECT_FALSE(read.creator_id.has_value());
  EXPECT_EQ(read.created_at, kT0);
}

TEST_P(DraftContractTest, UpdatingAMissingDraftIsNotFound) {
  Draft draft = FullDraft(brand_.id, alice_, kT0);
  draft.id = 424'242;
  EXPECT_THAT(store_->UpdateDraft(draft).status(), IsError(Code::kNotFound, HasSubstr("draft")));
  ASSERT_OK_AND_ASSIGN(std::vector<Draft> drafts, store_->ListDrafts(brand_.id));
  EXPECT_THAT(drafts, IsEmpty());
}

TEST_P(DraftContractTest, DeletedDraftIsGoneAndItsIdIsNeverReused) {
  ASSERT_OK_AND_ASSIGN(Draft keep, store_->CreateDraft(FullDraft(brand_.id, alice_, kT0)));
  ASSERT_OK_AND_ASSIGN(Draft drop, store_->CreateDraft(FullDraft(brand_.id, alice_, kT0 + 1)));
  ASSERT_OK(store_->DeleteDraft(brand_.id, drop.id));
  EXPECT_THAT(store_->GetDraft(brand_.id, drop.id).status(),
              IsError(Code::kNotFound, ::testing::_));
  EXPECT_THAT(store_->DeleteDraft(brand_.id, drop.id), IsError(Code::kNotFound, ::testing::_));
  ASSERT_OK_AND_ASSIGN(std::vector<Draft> drafts, store_->ListDrafts(brand_.id));
  ASSERT_THAT(drafts, SizeIs(1));
  EXPECT_EQ(drafts[0].id, keep.id);

  // A client holding the deleted id must never reach someone's new draft through it.
  ASSERT_OK_AND_ASSIGN(Draft next, store_->CreateDraft(FullDraft(other_.id, alice_, kT0 + 2)));
  EXPECT_GT(next.id, drop.id);
}

TEST_P(DraftContractTest, DraftForAnUnknownCreatorIsNotFoundAndForAnUnknownOwnerInvalid) {
  const int64_t unknown = bob_ + 1'000;
  EXPECT_THAT(store_->CreateDraft(FullDraft(brand_.id, unknown, kT0)).status(),
              IsError(Code::kNotFound, HasSubstr(std::to_string(unknown))));
  EXPECT_THAT(store_->CreateDraft(FullDraft(other_.id + 1'000, alice_, kT0)).status(),
              IsError(Code::kInvalidArgument, HasSubstr("owner_user_id")));

  ASSERT_OK_AND_ASSIGN(Draft created, store_->CreateDraft(FullDraft(brand_.id, alice_, kT0)));
  Draft moved = created;
  moved.creator_id = unknown;
  EXPECT_THAT(store_->UpdateDraft(moved).status(),
              IsError(Code::kNotFound, HasSubstr(std::to_string(unknown))));
  ASSERT_OK_AND_ASSIGN(Draft read, store_->GetDraft(brand_.id, created.id));
  EXPECT_EQ(read.creator_id, alice_);
  ASSERT_OK_AND_ASSIGN(std::vector<Draft> drafts, store_->ListDrafts(brand_.id));
  EXPECT_THAT(drafts, SizeIs(1));
}

TEST_P(DraftContractTest, InvalidDraftIsInvalidArgumentNamingTheField) {
  struct Case {
    std::string field;
    std::function<void(Draft&)> spoil;
  };
  const std::vector<Case> cases = {
      {"caption must be at most 10000 bytes",
       [](Draft& d) { d.caption = std::string(10'001, 'c'); }},
      {"caption must not contain NUL", [](Draft& d) { d.caption = std::string("a\0b", 3); }},
      {"caption must be UTF-8", [](Draft& d) { d.caption = "\xc3"; }},
      {"media_type", [](Draft& d) { d.media_type = static_cast<MediaType>(17); }},
      {"image_content_type must be given", [](Draft& d) { d.image_content_type.clear(); }},
      {"image_content_type must be given", [](Draft& d) { d.image_bytes.clear(); }},
      {"image_content_type must be printable ASCII",
       [](Draft& d) { d.image_content_type = "image/png\r\nX-Evil: 1"; }},
      {"image_content_type must be at most 255 bytes",
       [](Draft& d) { d.image_content_type = "image/" + std::string(250, 'x'); }},
  };
  ASSERT_OK_AND_ASSIGN(Draft stored, store_->CreateDraft(FullDraft(brand_.id, alice_, kT0)));
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    Draft spoiled = FullDraft(brand_.id, alice_, kT0 + 1);
    c.spoil(spoiled);
    EXPECT_THAT(store_->CreateDraft(spoiled).status(),
                IsError(Code::kInvalidArgument, HasSubstr(c.field)));
    spoiled.id = stored.id;
    EXPECT_THAT(store_->UpdateDraft(spoiled).status(),
                IsError(Code::kInvalidArgument, HasSubstr(c.field)));
  }
  ASSERT_OK_AND_ASSIGN(std::vector<Draft> drafts, store_->ListDrafts(brand_.id));
  ASSERT_THAT(drafts, SizeIs(1));
  ASSERT_OK_AND_ASSIGN(Draft read, store_->GetDraft(brand_.id, stored.id));
  ExpectSameDraft(read, FullDraft(brand_.id, alice_, kT0));
}

TEST_P(DraftContractTest, SchemaRefusesOversizedRowsFromOtherWriters) {
  // What a writer that bypasses the Store would run, in each backend's SQL dialect.
  const bool postgres = GetParam() == "postgres";
  const std::string big_caption = "repeat('c', 10001)";
  const std::string sqlite_caption = "replace(hex(zeroblob(10001)), '00', 'c')";
  EXPECT_THAT(backend_->ExecuteSql(
                  "INSERT INTO draft (owner_user_id, caption, media_type, sponsored, "
                  "image_content_type, created_at, updated_at, image) VALUES (" +
                  std::to_string(brand_.id) + ", " + (postgres ? big_caption : sqlite_caption) +
                  ", 'image', " + (postgres ? "false" : "0") + ", '', 0, 0, " +
                  (postgres ? "'\\x00'::bytea" : "x'00'") + ")"),
              IsError(Code::kInternal, HasSubstr("caption must be at most 10000 bytes")));
  EXPECT_THAT(backend_->ExecuteSql("INSERT INTO creator_note (creator_id, niche_tags, "
                                   "manual_notes, bio, updated_at) VALUES (" +
                                   std::to_string(alice_) + ", '{\"a\": 1}', '', '', 0)"),
              IsError(Code::kInternal, HasSubstr("niche_tags must be a JSON array")));
  EXPECT_THAT(backend_->ExecuteSql("INSERT INTO ingestion (creator_id, payload_json, "
                                   "received_at) VALUES (" +
                                   std::to_string(alice_) + ", '[1]', 0)"),
              IsError(Code::kInternal, HasSubstr("payload_json must be a JSON object")));
}

TEST_P(StoreContractTest, UpgradeFromSchemaVersion3AddsNotesIngestionsAndDraftsAndKeepsData) {
  Creator alice = FullCreator("alice");
  Write(Batch({alice}, {FullPost(alice, "p1")}, {FullSnapshot(alice, kT0)}));
  const int64_t id = Stored(alice).id;
  ASSERT_OK(store_->WriteMarketValues({FullValue(id, kT0)}));
  ASSERT_OK_AND_ASSIGN(User user, store_->CreateUser(MakeUser("brand", "key")));
  store_.reset();
  // What a database written by a build before migration 4 looks like.
  ASSERT_OK(backend_->ExecuteSql(std::string(kDropMigration4) +
                                 "DELETE FROM schema_migrations WHERE version >= 4"));
  Reopen();
  ASSERT_OK_AND_ASSIGN(int version, store_->SchemaVersion());
  EXPECT_GE(version, 4);
  EXPECT_EQ(Dump(Stored(alice)), Dump(alice));
  EXPECT_THAT(PostsOf(alice), SizeIs(1));
  EXPECT_THAT(SnapshotsOf(alice), SizeIs(1));
  ASSERT_OK_AND_ASSIGN(std::vector<MarketValue> values, store_->MarketValuesOf(id));
  EXPECT_THAT(values, SizeIs(1));

  ASSERT_OK(store_->PutCreatorNote(FullNote(id, user.id)));
  ASSERT_OK_AND_ASSIGN(Ingestion ingestion,
                       store_->RecordIngestion(MakeIngestion(user.id, id, kT0)));
  ASSERT_OK_AND_ASSIGN(Draft draft, store_->CreateDraft(FullDraft(user.id, id, kT0)));
  ASSERT_OK_AND_ASSIGN(std::optional<CreatorNote> note, store_->CreatorNoteOf(id));
  EXPECT_TRUE(note.has_value());
  ASSERT_OK_AND_ASSIGN(std::optional<Ingestion> read, store_->GetIngestion(ingestion.id));
  EXPECT_TRUE(read.has_value());
  ASSERT_OK(store_->GetDraft(user.id, draft.id).status());
}

TEST_P(StoreContractTest, UpgradeFromSchemaVersion4AddsAlertStatesAndWebhooksAndKeepsData) {
  Write(Batch({FullCreator("alice")}));
  const int64_t alice = Stored(Platform::kInstagram, "alice").id;
  ASSERT_OK_AND_ASSIGN(User user, store_->CreateUser(MakeUser("brand", "key")));
  ASSERT_OK_AND_ASSIGN(AlertRule rule, store_->CreateAlertRule(MakeRule(user.id, "r")));
  ASSERT_OK_AND_ASSIGN(AlertEvent event,
                       store_->AppendAlertEvent(AlertEvent{0, rule.id, alice, kT0, "{}"}));
  store_.reset();
  // What a database written by a build before migration 5 looks like.
  ASSERT_OK(backend_->ExecuteSql(std::string(kDropMigration5) +
                                 "DELETE FROM schema_migrations WHERE version >= 5"));
  Reopen();
  ASSERT_OK_AND_ASSIGN(int version, store_->SchemaVersion());
  EXPECT_GE(version, 5);
  ASSERT_OK_AND_ASSIGN(std::vector<AlertEvent> events, store_->ListAlertEventsAfter(0, 10));
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].id, event.id);
  EXPECT_EQ(events[0].owner_user_id, user.id);

  ASSERT_OK_AND_ASSIGN(Webhook webhook,
                       store_->CreateWebhook(MakeWebhook(user.id, "https://example.com/hook")));
  AlertState state;
  state.rule_id = rule.id;
  state.creator_id = alice;
  ASSERT_OK_AND_ASSIGN(
      Store::AlertCommit commit,
      store_->CommitAlertEvaluation({state}, {AlertEvent{0, rule.id, alice, kT0 + 1, "{}"}}));
  ASSERT_THAT(commit.events, SizeIs(1));
  ASSERT_OK_AND_ASSIGN(std::vector<AlertState> states, store_->AlertStatesOf(alice));
  EXPECT_THAT(states, SizeIs(1));
  ASSERT_OK_AND_ASSIGN(std::vector<Store::DueDelivery> due,
                       store_->DueWebhookDeliveries(kT0 + 1, 10));
  ASSERT_THAT(due, SizeIs(1));
  EXPECT_EQ(due[0].webhook.id, webhook.id);
}

TEST_P(StoreContractTest, UpgradeFromSchemaVersion5CountsStoredAlertStatesAsWrittenOnce) {
  Write(Batch({FullCreator("alice")}));
  const int64_t alice = Stored(Platform::kInstagram, "alice").id;
  ASSERT_OK_AND_ASSIGN(User user, store_->CreateUser(MakeUser("brand", "key")));
  ASSERT_OK_AND_ASSIGN(AlertRule rule, store_->CreateAlertRule(MakeRule(user.id, "r")));
  AlertState state;
  state.rule_id = rule.id;
  state.creator_id = alice;
  state.updated_at = kT0;
  ASSERT_OK(store_->CommitAlertEvaluation({state}, {}).status());
  store_.reset();
  // What a database written by a build before migration 6 looks like.
  ASSERT_OK(backend_->ExecuteSql(
      "ALTER TABLE alert_state DROP COLUMN revision; "
      "DELETE FROM schema_migrations WHERE version >= 6"));
  Reopen();
  ASSERT_OK_AND_ASSIGN(int version, store_->SchemaVersion());
  EXPECT_GE(version, 6);
  ASSERT_OK_AND_ASSIGN(std::vector<AlertState> states, store_->AlertStatesOf(alice));
  ASSERT_THAT(states, SizeIs(1));
  EXPECT_EQ(states[0].revision, 1);
  states[0].inside = true;
  ASSERT_OK_AND_ASSIGN(Store::AlertCommit commit, store_->CommitAlertEvaluation(states, {}));
  EXPECT_THAT(commit.stale, IsEmpty());
}

}  // namespace
}  // namespace sphere
