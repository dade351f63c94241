// PostgreSQL-specific behaviour; the shared behaviour is in ../store_contract_test.cc.
// Tests that need a server skip unless SPHERE_TEST_POSTGRES_URL names one (an admin
// URL, as scripts/postgres.sh prints); each creates and drops its own database.
#include "store/postgres/postgres_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "store/postgres/copy_text.h"
#include "store/postgres/migrations.h"
#include "store/postgres/pg_connection.h"
#include "testing/testing.h"

namespace sphere {
namespace {

using postgres::CopyTextEncoder;
using postgres::PgConnection;
using postgres::TextProblem;
using ::testing::HasSubstr;
using ::testing::Not;

// ---- without a server ----

TEST(CopyTextEncoder, EscapesTheFourSpecialBytesAndWritesNullAsBackslashN) {
  CopyTextEncoder out;
  out.Text("a\tb\nc\rd\\e");
  out.Null();
  out.TextOrNull("");
  out.Text("\\N");
  out.Int64(-42);
  out.Bool(true);
  out.EndRow();
  EXPECT_EQ(out.data(), "a\\tb\\nc\\rd\\\\e\t\\N\t\\N\t\\\\N\t-42\tt\n");
}

TEST(CopyTextEncoder, DoublesAreShortestRoundTripText) {
  CopyTextEncoder out;
  out.Double(0.0139);
  out.Optional(std::optional<double>());
  out.Optional(std::optional<double>(1e300));
  out.EndRow();
  EXPECT_EQ(out.data(), "0.0139\t\\N\t1e+300\n");
}

TEST(TextProblem, AcceptsUtf8AndRefusesNulAndBrokenSequences) {
  EXPECT_EQ(TextProblem("plain ascii, long enough to take the fast path"), std::nullopt);
  EXPECT_EQ(TextProblem("caf\xc3\xa9 \xf0\x9f\x92\x84 \xe2\x9c\xa8"), std::nullopt);
  EXPECT_THAT(TextProblem(std::string_view("abc\0def", 7)).value_or(""), HasSubstr("NUL"));
  EXPECT_THAT(TextProblem(std::string_view("0123456789\0", 11)).value_or(""), HasSubstr("NUL"));
  EXPECT_THAT(TextProblem("\xff").value_or(""), HasSubstr("UTF-8"));
  EXPECT_THAT(TextProblem("\xc0\xaf").value_or(""), HasSubstr("UTF-8"));      // overlong
  EXPECT_THAT(TextProblem("\xed\xa0\x80").value_or(""), HasSubstr("UTF-8"));  // surrogate
  EXPECT_THAT(TextProblem("truncated \xe2\x9c").value_or(""), HasSubstr("UTF-8"));
}

TEST(OpenPostgresStore, UnreachableServerIsUnavailableAndNeverShowsThePassword) {
  // Port 1 on loopback refuses connections on any ordinary machine.
  auto store = OpenPostgresStore("postgresql://sphere:Sekr1tPassw0rd@127.0.0.1:1/sphere");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), Code::kUnavailable) << store.error().ToString();
  EXPECT_THAT(store.error().message(), HasSubstr("127.0.0.1"));
  EXPECT_THAT(store.error().message(), Not(HasSubstr("Sekr1tPassw0rd")));

  auto with_query_password =
      OpenPostgresStore("postgresql://sphere@127.0.0.1:1/sphere?password=Sekr1tPassw0rd");
  ASSERT_FALSE(with_query_password.ok());
  EXPECT_EQ(with_query_password.error().code(), Code::kUnavailable);
  EXPECT_THAT(with_query_password.error().message(), Not(HasSubstr("Sekr1tPassw0rd")));
}

TEST(OpenPostgresStore, MalformedUriIsInvalidArgumentAndNeverShowsThePassword) {
  // libpq quotes the bad percent-escape, which here is inside the password.
  auto store = OpenPostgresStore("postgresql://sphere:Sekr1t%zzPassw0rd@127.0.0.1:1/sphere");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), Code::kInvalidArgument) << store.error().ToString();
  EXPECT_THAT(store.error().message(), Not(HasSubstr("Sekr1t")));
  EXPECT_THAT(store.error().message(), Not(HasSubstr("Passw0rd")));
}

// ---- against a server ----

// A database of its own on the server SPHERE_TEST_POSTGRES_URL names, dropped at the end.
class ScratchDatabase : public testing::ScratchPostgresDatabase {
 public:
  ScratchDatabase() : testing::ScratchPostgresDatabase(testing::PostgresUrl()) {}

  std::unique_ptr<Store> Open() const {
    auto store = OpenPostgresStore(url());
    if (!store.ok()) {
      ADD_FAILURE() << store.error().ToString();
      return nullptr;
    }
    return std::move(store).value();
  }
};

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::PostgresUrl().empty()) {
      GTEST_SKIP() << "SPHERE_TEST_POSTGRES_URL is not set (scripts/postgres.sh start DIR)";
    }
  }
};

Creator MakeCreator(std::string handle, UnixSeconds as_of) {
  Creator c;
  c.platform = Platform::kInstagram;
  c.handle = std::move(handle);
  c.stats_as_of = as_of;
  return c;
}

Post MakePost(std::string handle, std::string external_id) {
  Post p;
  p.platform = Platform::kInstagram;
  p.creator_handle = std::move(handle);
  p.external_id = std::move(external_id);
  return p;
}

TEST_F(PostgresStoreTest, ConcurrentOpensMigrateOnce) {
  ScratchDatabase db;
  const std::string url = db.url();
  std::vector<Status> outcomes(4);
  std::vector<std::thread> openers;
  for (Status& outcome : outcomes) {
    openers.emplace_back([&url, &outcome] {
      auto store = OpenPostgresStore(url);
      outcome = store.ok() ? Status::Ok() : store.error();
    });
  }
  for (std::thread& opener : openers) opener.join();
  for (const Status& outcome : outcomes) EXPECT_TRUE(outcome.ok()) << outcome.ToString();

  auto store = db.Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->SchemaVersion(), postgres::LatestSchemaVersion());
  auto conn = PgConnection::Connect(db.url());
  ASSERT_TRUE(conn.ok());
  auto applied = conn->Exec("count", "SELECT count(*) FROM schema_migrations");
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(std::string(PQgetvalue(applied->get(), 0, 0)),
            std::to_string(postgres::LatestSchemaVersion()));
}

TEST_F(PostgresStoreTest, SchemaNewerThanTheBuildIsFailedPrecondition) {
  ScratchDatabase db;
  ASSERT_NE(db.Open(), nullptr);
  auto conn = PgConnection::Connect(db.url());
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(conn->Exec("bump", "INSERT INTO schema_migrations (version) VALUES (9999)").ok());
  auto store = OpenPostgresStore(db.url());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), Code::kFailedPrecondition) << store.error().ToString();
  EXPECT_THAT(store.error().message(), HasSubstr("9999"));
}

TEST_F(PostgresStoreTest, CopyRoundTripsTabsNewlinesBackslashesAndEmoji) {
  ScratchDatabase db;
  auto store = db.Open();
  ASSERT_NE(store, nullptr);
  ImportBatch batch;
  Creator creator = MakeCreator("tricky", 100);
  creator.display_name = "Tab\there \\ and \"quotes\" \xf0\x9f\x98\x80";
  creator.niche = "beauty";
  batch.creators.push_back(creator);
  const std::vector<std::string> captions = {
      "line one\nline two\r\nwindows line",
      "tab\tseparated\tcaption",
      "back\\slash \\N \\. \\t literally",
      "\\",
      "emoji \xf0\x9f\x92\x84\xe2\x9c\xa8 and \xe4\xb8\xad\xe6\x96\x87",
      "\\.\n",
  };
  for (size_t i = 0; i < captions.size(); ++i) {
    Post post = MakePost("tricky", "p" + std::to_string(i));
    post.posted_at = static_cast<UnixSeconds>(i);
    post.caption = captions[i];
    post.image_description = "Image may contain:\t" + captions[i];
    post.extra_json = R"({"raw": "a\tb\\n", "n": [1, 2]})";
    post.location = "S\xc3\xa3o Paulo";
    batch.posts.push_back(post);
  }
  auto written = store->WriteBatch(batch);
  ASSERT_TRUE(written.ok()) << written.error().ToString();
  EXPECT_EQ(written->posts_written, static_cast<int64_t>(captions.size()));

  auto found = store->FindCreator(Platform::kInstagram, "tricky");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->display_name, creator.display_name);
  auto posts = store->PostsOf((*found)->id);
  ASSERT_TRUE(posts.ok());
  ASSERT_EQ(posts->size(), captions.size());
  for (size_t i = 0; i < captions.size(); ++i) {
    EXPECT_EQ((*posts)[i].caption, captions[i]);
    EXPECT_EQ((*posts)[i].image_description, "Image may contain:\t" + captions[i]);
    EXPECT_EQ((*posts)[i].extra_json, batch.posts[i].extra_json);
    EXPECT_EQ((*posts)[i].location, batch.posts[i].location);
  }
  // Writing the same rows again changes nothing.
  auto again = store->WriteBatch(batch);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->creators_written, 0);
  EXPECT_EQ(again->posts_written, 0);
}

TEST_F(PostgresStoreTest, TextPostgresCannotHoldIsInvalidArgumentNamingTheField) {
  ScratchDatabase db;
  auto store = db.Open();
  ASSERT_NE(store, nullptr);
  ImportBatch batch;
  batch.creators.push_back(MakeCreator("someone", 1));
  Post post = MakePost("someone", "ABC123");
  post.caption = std::string("before\0after", 12);
  batch.posts.push_back(post);
  auto written = store->WriteBatch(batch);
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code(), Code::kInvalidArgument);
  EXPECT_THAT(written.error().message(), HasSubstr("ABC123"));
  EXPECT_THAT(written.error().message(), HasSubstr("caption"));

  batch.posts[0].caption = "fine";
  batch.creators[0].country = "\xff\xfe";
  written = store->WriteBatch(batch);
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code(), Code::kInvalidArgument);
  EXPECT_THAT(written.error().message(), HasSubstr("country"));
  EXPECT_THAT(written.error().message(), HasSubstr("someone"));
  EXPECT_FALSE(store->FindCreator(Platform::kInstagram, "someone")->has_value());
}

TEST_F(PostgresStoreTest, MarketValueTextPostgresCannotHoldIsInvalidArgumentNamingTheField) {
  ScratchDatabase db;
  auto store = db.Open();
  ASSERT_NE(store, nullptr);
  ImportBatch batch;
  batch.creators.push_back(MakeCreator("someone", 1));
  ASSERT_TRUE(store->WriteBatch(batch).ok());
  const int64_t id = (*store->FindCreator(Platform::kInstagram, "someone"))->id;
  MarketValue value;
  value.creator_id = id;
  value.model_version = "v1";
  value.niche = std::string("be\0auty", 7);
  Status written = store->WriteMarketValues({value});
  EXPECT_EQ(written.code(), Code::kInvalidArgument) << written.ToString();
  EXPECT_THAT(written.message(), HasSubstr("niche"));

  value.niche = "beauty";
  value.model_version = "\xff\xfe";
  written = store->WriteMarketValues({value});
  EXPECT_EQ(written.code(), Code::kInvalidArgument) << written.ToString();
  EXPECT_THAT(written.message(), HasSubstr("model_version"));
  EXPECT_TRUE(store->MarketValuesOf(id)->empty());
}

// A login role for one test, dropped with its privileges at the end.
class ScratchRole {
 public:
  ScratchRole(const ScratchDatabase& db, std::string name) : db_(db), name_(std::move(name)) {
    Status created =
        testing::ExecutePostgresSql(testing::PostgresUrl(), "CREATE ROLE " + name_ + " LOGIN");
    EXPECT_TRUE(created.ok()) << created.ToString();
  }
  ~ScratchRole() {
    Status revoked = testing::ExecutePostgresSql(db_.url(), "DROP OWNED BY " + name_);
    EXPECT_TRUE(revoked.ok()) << revoked.ToString();
    Status dropped = testing::ExecutePostgresSql(testing::PostgresUrl(), "DROP ROLE " + name_);
    EXPECT_TRUE(dropped.ok()) << dropped.ToString();
  }
  ScratchRole(const ScratchRole&) = delete;
  ScratchRole& operator=(const ScratchRole&) = delete;

  // The scratch database's URL with this role as the user (the test server trusts
  // 127.0.0.1, so no password is needed).
  std::string Url() const {
    const std::string& url = db_.url();
    const size_t user_start = url.find("://") + 3;
    const size_t at = url.find('@', user_start);
    return url.substr(0, user_start) + name_ + url.substr(at);
  }

 private:
  const ScratchDatabase& db_;
  std::string name_;
};

// The rank and the server's directory read a million latest values and drop the evidence:
// the query must not fetch that column at all. A role that may read every column but
// evidence_json proves it: the query that skips the evidence runs, the other is refused.
TEST_F(PostgresStoreTest, LatestMarketValuesWithoutEvidenceNeverReadTheEvidenceColumn) {
  ScratchDatabase db;
  {
    auto store = db.Open();
    ASSERT_NE(store, nullptr);
    ImportBatch batch;
    batch.creators.push_back(MakeCreator("someone", 1));
    ASSERT_TRUE(store->WriteBatch(batch).ok());
    MarketValue value;
    value.creator_id = (*store->FindCreator(Platform::kInstagram, "someone"))->id;
    value.model_version = "v1";
    value.fee_mid = 1234.5;
    value.evidence_json = R"({"secret": "not for this role"})";
    ASSERT_TRUE(store->WriteMarketValues({value}).ok());
  }
  ScratchRole role(db, "no_evidence_" + db.name());
  Status granted = testing::ExecutePostgresSql(
      db.url(), "GRANT USAGE, CREATE ON SCHEMA public TO no_evidence_" + db.name() +
                    "; GRANT SELECT ON schema_migrations, creator TO no_evidence_" + db.name() +
                    "; GRANT SELECT (id, creator_id, as_of, horizon_days, model_version, "
                    "computed_at, niche, followers, format, engagement_per_post, "
                    "engagement_low, engagement_high, views_per_post, views_low, views_high, "
                    "follower_gain, follower_gain_low, follower_gain_high, fee_low, fee_mid, "
                    "fee_high, score, niche_score, tier, momentum) ON market_value TO "
                    "no_evidence_" +
                    db.name());
  ASSERT_TRUE(granted.ok()) << granted.ToString();
  {
    auto store = OpenPostgresStore(role.Url());
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    std::vector<MarketValue> seen;
    Status skipped = (*store)->ForEachLatestMarketValue(
        [&](const MarketValue& v) {
          seen.push_back(v);
          return Status::Ok();
        },
        Store::EvidenceColumn::kSkip);
    ASSERT_TRUE(skipped.ok()) << skipped.ToString();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].fee_mid, 1234.5);
    EXPECT_EQ(seen[0].evidence_json, "");

    Status read = (*store)->ForEachLatestMarketValue(
        [](const MarketValue&) { return Status::Ok(); }, Store::EvidenceColumn::kRead);
    EXPECT_FALSE(read.ok());
    EXPECT_THAT(read.message(), HasSubstr("permission denied"));
  }
}

TEST_F(PostgresStoreTest, DraftImageBytesTravelAsBinaryWhateverTheyHold) {
  ScratchDatabase db;
  auto store = db.Open();
  ASSERT_NE(store, nullptr);
  User user;
  user.name = "brand";
  user.api_key_hash = "hash";
  auto created_user = store->CreateUser(user);
  ASSERT_TRUE(created_user.ok()) << created_user.error().ToString();
  // Bytes that a text parameter would cut (NUL) or refuse (not UTF-8), and a lone backslash
  // and "\x" that bytea's text input would take as escapes.
  for (std::string image : {std::string("\\x00", 4), std::string("\0\\", 2),
                            std::string("\0\xff\0", 3), std::string(1, '\\')}) {
    Draft draft;
    draft.owner_user_id = created_user->id;
    draft.image_bytes = image;
    draft.image_content_type = "application/octet-stream";
    auto created = store->CreateDraft(draft);
    ASSERT_TRUE(created.ok()) << created.error().ToString();
    auto read = store->GetDraft(created_user->id, created->id);
    ASSERT_TRUE(read.ok()) << read.error().ToString();
    EXPECT_EQ(read->image_bytes, image);
    EXPECT_EQ(read->image_size, static_cast<int64_t>(image.size()));
  }
}

TEST_F(PostgresStoreTest, PostOfAnUnknownCreatorRollsBackTheWholeBatch) {
  ScratchDatabase db;
  auto store = db.Open();
  ASSERT_NE(store, nullptr);
  ImportBatch batch;
  batch.creators.push_back(MakeCreator("known", 1));
  batch.posts.push_back(MakePost("known", "ok1"));
  batch.posts.push_back(MakePost("ghost", "orphan7"));
  auto written = store->WriteBatch(batch);
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code(), Code::kInvalidArgument);
  EXPECT_THAT(written.error().message(), HasSubstr("instagram"));
  EXPECT_THAT(written.error().message(), HasSubstr("ghost"));
  EXPECT_THAT(written.error().message(), HasSubstr("orphan7"));
  EXPECT_FALSE(store->FindCreator(Platform::kInstagram, "known")->has_value());
  auto stats = store->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_TRUE(stats->by_platform.empty());

  // The session is still usable after the rollback.
  batch.posts.pop_back();
  written = store->WriteBatch(batch);
  ASSERT_TRUE(written.ok()) << written.error().ToString();
  EXPECT_EQ(written->posts_written, 1);
}

TEST_F(PostgresStoreTest, DuplicatesInOneBatchKeepTheLastValuesAndCountOnce) {
  ScratchDatabase db;
  auto store = db.Open();
  ASSERT_NE(store, nullptr);
  ImportBatch batch;
  batch.creators.push_back(MakeCreator("dup", 1));
  Post first = MakePost("dup", "same");
  first.likes = 1;
  Post other = MakePost("dup", "other");
  Post last = MakePost("dup", "same");
  last.likes = 3;
  batch.posts = {first, other, last};
  Snapshot snapshot;
  snapshot.creator_handle = "dup";
  snapshot.source = "socialblade";
  snapshot.taken_at = 1000;
  snapshot.followers = 10;
  batch.snapshots.push_back(snapshot);
  snapshot.followers = 20;
  batch.snapshots.push_back(snapshot);

  auto written = store->WriteBatch(batch);
  ASSERT_TRUE(written.ok()) << written.error().ToString();
  EXPECT_EQ(written->creators_written, 1);
  EXPECT_EQ(written->posts_written, 2);
  EXPECT_EQ(written->snapshots_written, 1);

  std::vector<Post> visited;
  ASSERT_TRUE(store
                  ->ForEachPost([&](const Post& p) {
                    visited.push_back(p);
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(visited.size(), 2u);
  EXPECT_EQ(visited[0].external_id, "same");  // the place of the first occurrence
  EXPECT_EQ(visited[0].likes, 3);             // the values of the last
  EXPECT_EQ(visited[1].external_id, "other");
  auto creator = store->FindCreator(Platform::kInstagram, "dup");
  auto snapshots = store->SnapshotsOf((*creator)->id);
  ASSERT_TRUE(snapshots.ok());
  ASSERT_EQ(snapshots->size(), 1u);
  EXPECT_EQ((*snapshots)[0].followers, 20);
}

// Merging a batch's creators at once must equal merging them one record at a time,
// whatever the mix of timestamps and empty fields.
TEST_F(PostgresStoreTest, CreatorsInOneBatchMergeAsIfWrittenOneByOne) {
  ScratchDatabase at_once_db;
  ScratchDatabase one_by_one_db;
  auto at_once = at_once_db.Open();
  auto one_by_one = one_by_one_db.Open();
  ASSERT_NE(at_once, nullptr);
  ASSERT_NE(one_by_one, nullptr);

  // Compares every creator after every batch, so a difference cannot be hidden by
  // newer data that a later batch brings.
  auto expect_same_creators = [&](const std::vector<std::string>& handles) {
    for (const std::string& handle : handles) {
      auto expected = one_by_one->FindCreator(Platform::kInstagram, handle);
      auto actual = at_once->FindCreator(Platform::kInstagram, handle);
      ASSERT_TRUE(expected.ok() && actual.ok());
      ASSERT_EQ(expected->has_value(), actual->has_value()) << handle;
      if (!expected->has_value()) continue;
      const Creator& e = **expected;
      const Creator& a = **actual;
      EXPECT_EQ(a.display_name, e.display_name) << handle;
      EXPECT_EQ(a.niche, e.niche) << handle;
      EXPECT_EQ(a.followers, e.followers) << handle;
      EXPECT_EQ(a.following, e.following) << handle;
      EXPECT_EQ(a.posts_count, e.posts_count) << handle;
      EXPECT_EQ(a.country, e.country) << handle;
      EXPECT_EQ(a.verified, e.verified) << handle;
      EXPECT_EQ(a.source, e.source) << handle;
      EXPECT_EQ(a.stats_as_of, e.stats_as_of) << handle;
    }
  };

  // Few records per creator and batch, timestamps that overlap between batches and
  // many unknown fields: every case of the merge (fill, replace, keep) comes up.
  std::mt19937 random(20240601);
  auto maybe = [&random] { return random() % 3 == 0; };
  const std::vector<std::string> handles = {"a", "b", "c", "d", "e", "f"};
  for (int round = 0; round < 30; ++round) {
    SCOPED_TRACE("batch " + std::to_string(round));
    ImportBatch batch;
    for (int i = 0; i < 15; ++i) {
      Creator c = MakeCreator(handles[random() % handles.size()], round + random() % 8);
      if (maybe()) c.display_name = "name" + std::to_string(random() % 3);
      if (maybe()) c.niche = "niche" + std::to_string(random() % 3);
      if (maybe()) c.followers = random() % 1000;
      if (maybe()) c.following = random() % 1000;
      if (maybe()) c.posts_count = random() % 1000;
      if (maybe()) c.country = maybe() ? "BR" : "";
      if (maybe()) c.verified = maybe();
      // A batch comes from one file, so its records share a source; which source ends
      // up stored then follows whether the profile changed (see store.h).
      c.source = "source" + std::to_string(round % 3);
      batch.creators.push_back(c);
    }
    ASSERT_TRUE(at_once->WriteBatch(batch).ok());
    for (const Creator& c : batch.creators) {
      ImportBatch single;
      single.creators.push_back(c);
      ASSERT_TRUE(one_by_one->WriteBatch(single).ok());
    }
    expect_same_creators(handles);
  }
}

TEST_F(PostgresStoreTest, ReconnectsAfterTheServerDropsTheSession) {
  ScratchDatabase db;
  auto store = db.Open();
  ASSERT_NE(store, nullptr);
  ImportBatch batch;
  batch.creators.push_back(MakeCreator("before", 1));
  ASSERT_TRUE(store->WriteBatch(batch).ok());  // creates this session's staging tables

  // From another connection: every session on this database but that one is killed.
  ASSERT_TRUE(testing::ExecutePostgresSql(
                  testing::PostgresUrl(),
                  "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                      db.name() + "' AND pid <> pg_backend_pid()")
                  .ok());

  // The call that meets the dead connection may fail as Unavailable; the next reconnects.
  auto first = store->SchemaVersion();
  if (!first.ok()) {
    EXPECT_EQ(first.error().code(), Code::kUnavailable) << first.error().ToString();
  }
  batch.creators[0].handle = "after";
  auto written = store->WriteBatch(batch);
  ASSERT_TRUE(written.ok()) << written.error().ToString();
  EXPECT_EQ(written->creators_written, 1);
}

// A rule deleted by another session after an evaluation's snapshot was taken but before its
// foreign keys were checked: the evaluation runs again and skips the rule instead of failing.
TEST_F(PostgresStoreTest, EvaluationRacingARuleDeleteSkipsTheRule) {
  ScratchDatabase db;
  auto store = db.Open();
  ASSERT_NE(store, nullptr);
  ImportBatch batch;
  batch.creators.push_back(MakeCreator("watched", 1));
  ASSERT_TRUE(store->WriteBatch(batch).ok());
  auto creator = store->FindCreator(Platform::kInstagram, "watched");
  ASSERT_TRUE(creator.ok() && creator->has_value());
  User user;
  user.name = "brand";
  user.api_key_hash = "key";
  auto owner = store->CreateUser(user);
  ASSERT_TRUE(owner.ok()) << owner.error().ToString();
  AlertRule rule;
  rule.owner_user_id = owner->id;
  rule.condition_json = "{}";
  auto created = store->CreateAlertRule(rule);
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  Webhook webhook;
  webhook.owner_user_id = owner->id;
  webhook.url = "https://example.com/hook";
  webhook.secret = "0123456789abcdef";
  ASSERT_TRUE(store->CreateWebhook(webhook).ok());

  // The delete holds the rule's row lock until it commits; the evaluation still sees the
  // rule, so it inserts and then waits in the foreign-key check for that lock.
  auto deleter = PgConnection::Connect(db.url());
  ASSERT_TRUE(deleter.ok());
  ASSERT_TRUE(deleter->Exec("begin", "BEGIN").ok());
  ASSERT_TRUE(
      deleter
          ->Exec("delete rule", "DELETE FROM alert_rule WHERE id = " + std::to_string(created->id))
          .ok());
  AlertState state;
  state.rule_id = created->id;
  state.creator_id = (*creator)->id;
  state.inside = true;
  AlertEvent event;
  event.rule_id = created->id;
  event.creator_id = (*creator)->id;
  std::optional<Result<Store::AlertCommit>> appended;
  std::thread evaluation([&] { appended = store->CommitAlertEvaluation({state}, {event}); });

  auto watcher = PgConnection::Connect(db.url());
  ASSERT_TRUE(watcher.ok());
  bool waiting = false;
  for (int poll = 0; poll < 6'000 && !waiting; ++poll) {
    auto blocked = watcher->Exec("waiting sessions",
                                 "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                 "current_database() AND wait_event_type = 'Lock'");
    ASSERT_TRUE(blocked.ok()) << blocked.error().ToString();
    waiting = std::string(PQgetvalue(blocked->get(), 0, 0)) != "0";
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(waiting) << "the evaluation never waited for the deleted rule's lock";
  ASSERT_TRUE(deleter->Exec("commit", "COMMIT").ok());
  evaluation.join();

  ASSERT_TRUE(appended.has_value());
  ASSERT_TRUE(appended->ok()) << appended->error().ToString();
  EXPECT_TRUE((*appended)->events.empty());
  EXPECT_TRUE((*appended)->stale.empty());
  auto states = store->AlertStatesOf((*creator)->id);
  ASSERT_TRUE(states.ok());
  EXPECT_TRUE(states->empty());
  auto events = store->ListAlertEventsAfter(0, 10);
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->empty());
  auto due = store->DueWebhookDeliveries(1'000, 10);
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->empty());
}

}  // namespace
}  // namespace sphere
