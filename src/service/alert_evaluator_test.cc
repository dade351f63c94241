#include "service/alert_evaluator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/postgres/pg_connection.h"
#include "store/store.h"
#include "testing/alert_seed.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::service {
namespace {

using ::testing::SizeIs;
using postgres::PgConnection;
using postgres::PgResultPtr;

constexpr UnixSeconds kStart = 1'700'000'000;

// Two processes (a server and `sphere import`) evaluating the same creator at the same
// instant: here two evaluators, each with its own store connection, that both read the
// creator's states before either commits. PostgreSQL makes the interleaving certain: a third
// session holds the alert_state table while both evaluations reach their commit.
class AlertEvaluatorRaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string admin_url = testing::PostgresUrl();
    if (admin_url.empty()) {
      GTEST_SKIP() << "SPHERE_TEST_POSTGRES_URL is not set, so the race of two processes is "
                      "NOT tested; scripts/test.sh starts a server and sets it";
    }
    postgres_ = std::make_unique<testing::ScratchPostgresDatabase>(admin_url);
    ASSERT_OK_AND_ASSIGN(store_a_, OpenStore(postgres_->url()));
    ASSERT_OK_AND_ASSIGN(store_b_, OpenStore(postgres_->url()));
    // ana has 12,000 followers; the rule is "above 10,000".
    ASSERT_OK_AND_ASSIGN(testing::AlertSeed seed, testing::SeedCreatorRule(*store_a_, kStart));
    creator_id_ = seed.creator_id;
    rule_id_ = seed.rule.id;
    ASSERT_OK_AND_ASSIGN(evaluator_a_, AlertEvaluator::Open(*store_a_));
    ASSERT_OK_AND_ASSIGN(evaluator_b_, AlertEvaluator::Open(*store_b_));
  }

  // Runs both evaluations while `holder` keeps alert_state locked, and releases it once both
  // wait on it (so both have read the states the lock now guards).
  void RaceBothEvaluations(Result<AlertEvaluationReport>* a, Result<AlertEvaluationReport>* b) {
    ASSERT_OK_AND_ASSIGN(PgConnection holder, PgConnection::Connect(postgres_->url()));
    ASSERT_OK(holder.Exec("lock", "BEGIN; LOCK TABLE alert_state IN EXCLUSIVE MODE").status());
    const std::vector<int64_t> ids = {creator_id_};
    std::thread first([&] { *a = evaluator_a_->Evaluate(*store_a_, ids, {}, kStart + 60); });
    std::thread second([&] { *b = evaluator_b_->Evaluate(*store_b_, ids, {}, kStart + 60); });
    ASSERT_OK_AND_ASSIGN(PgConnection watcher, PgConnection::Connect(postgres_->url()));
    bool both_wait = false;
    for (int poll = 0; poll < 6'000 && !both_wait; ++poll) {
      ASSERT_OK_AND_ASSIGN(PgResultPtr waiting,
                           watcher.Exec("waiting sessions",
                                        "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                        "current_database() AND wait_event_type = 'Lock'"));
      both_wait = std::string(PQgetvalue(waiting.get(), 0, 0)) == "2";
      if (!both_wait) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(both_wait) << "the two evaluations never both waited at their commit";
    ASSERT_OK(holder.Exec("unlock", "COMMIT").status());
    first.join();
    second.join();
  }

  // Races both evaluations; exactly one fires, and the state is inside at `revision`.
  void ExpectOneFiringFromARace(int64_t revision) {
    Result<AlertEvaluationReport> a = InvalidArgument("not run");
    Result<AlertEvaluationReport> b = InvalidArgument("not run");
    RaceBothEvaluations(&a, &b);
    ASSERT_OK(a.status());
    ASSERT_OK(b.status());
    // One of them fired; the other found the state written under it and, evaluating again
    // from the new state, saw the rule already inside.
    EXPECT_EQ(a->events.size() + b->events.size(), 1u);
    ASSERT_OK_AND_ASSIGN(std::vector<AlertEvent> stored, store_a_->ListAlertEventsAfter(0, 10));
    EXPECT_THAT(stored, SizeIs(1));
    ASSERT_OK_AND_ASSIGN(std::vector<AlertState> states, store_a_->AlertStatesOf(creator_id_));
    ASSERT_THAT(states, SizeIs(1));
    EXPECT_TRUE(states[0].inside);
    EXPECT_EQ(states[0].revision, revision);
  }

  std::unique_ptr<testing::ScratchPostgresDatabase> postgres_;
  std::unique_ptr<Store> store_a_;
  std::unique_ptr<Store> store_b_;
  std::unique_ptr<AlertEvaluator> evaluator_a_;
  std::unique_ptr<AlertEvaluator> evaluator_b_;
  int64_t creator_id_ = 0;
  int64_t rule_id_ = 0;
};

TEST_F(AlertEvaluatorRaceTest, TwoProcessesCrossingTogetherFireOnce) {
  ExpectOneFiringFromARace(/*revision=*/1);
}

TEST_F(AlertEvaluatorRaceTest, ARaceOnAStoredStateFiresOnceToo) {
  // The rule was outside (a stored state), and both processes see the crossing.
  AlertState outside{.rule_id = rule_id_, .creator_id = creator_id_, .updated_at = kStart};
  ASSERT_OK(store_a_->CommitAlertEvaluation({outside}, {}).status());
  ExpectOneFiringFromARace(/*revision=*/2);
}

// A server indexes the rules it loaded at start and those its own API creates; a rule another
// replica creates or deletes reaches it through the store's fingerprint.
class AlertEvaluatorReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store_, OpenStore("sqlite:" + (dir_.path() / "sphere.db").string()));
    // Starts with no rule: the seed's is deleted before any evaluator exists.
    ASSERT_OK_AND_ASSIGN(testing::AlertSeed seed, testing::SeedCreatorRule(*store_, kStart, 9000));
    owner_ = seed.brand.id;
    creator_id_ = seed.creator_id;
    ASSERT_OK(store_->DeleteAlertRule(owner_, seed.rule.id));
  }

  void SetFollowers(int64_t followers) {
    ImportBatch batch;
    batch.creators.push_back(Creator{.platform = Platform::kInstagram,
                                     .handle = "ana",
                                     .followers = followers,
                                     .stats_as_of = kStart + followers,
                                     .source = "test"});
    batch.snapshots.push_back(Snapshot{.platform = Platform::kInstagram,
                                       .creator_handle = "ana",
                                       .taken_at = kStart + followers,
                                       .source = "test",
                                       .followers = followers});
    ASSERT_OK(store_->WriteBatch(batch).status());
  }

  // What another replica's API does: the rule is in the store, this evaluator was not told.
  AlertRule CreateRuleElsewhere(int64_t threshold) {
    Result<AlertRule> rule = store_->CreateAlertRule(AlertRule{
        .owner_user_id = owner_,
        .name = "ana above " + std::to_string(threshold),
        .condition_json = testing::FollowerRuleJson(creator_id_, threshold),
        .created_at = kStart});
    EXPECT_TRUE(rule.ok()) << rule.status().ToString();
    return rule.ok() ? *rule : AlertRule{};
  }

  size_t Fired(AlertEvaluator& evaluator, UnixSeconds now) {
    const std::vector<int64_t> ids = {creator_id_};
    Result<AlertEvaluationReport> report = evaluator.Evaluate(*store_, ids, {}, now);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? report->events.size() : 0;
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  int64_t owner_ = 0;
  int64_t creator_id_ = 0;
};

TEST_F(AlertEvaluatorReplicaTest, ARuleAnotherReplicaCreatedOrDeletedReachesThisIndex) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<AlertEvaluator> evaluator, AlertEvaluator::Open(*store_));
  evaluator->set_rules_recheck(std::chrono::milliseconds(0));
  EXPECT_EQ(evaluator->rules(), 0u);

  const AlertRule above_10k = CreateRuleElsewhere(10'000);
  SetFollowers(12'000);
  EXPECT_EQ(Fired(*evaluator, kStart + 100), 1u);
  EXPECT_EQ(evaluator->rules(), 1u);

  // Deleted elsewhere: the next crossing fires nothing here.
  ASSERT_OK(store_->DeleteAlertRule(owner_, above_10k.id));
  SetFollowers(9'500);
  EXPECT_EQ(Fired(*evaluator, kStart + 200), 0u);
  EXPECT_EQ(evaluator->rules(), 0u);

  // The index knows one rule and the store holds one, but not the same: the ids tell.
  const AlertRule told = CreateRuleElsewhere(20'000);
  ASSERT_OK(evaluator->AddRule(told));
  ASSERT_OK(store_->DeleteAlertRule(owner_, told.id));
  const AlertRule elsewhere = CreateRuleElsewhere(11'000);
  SetFollowers(11'500);
  EXPECT_EQ(Fired(*evaluator, kStart + 300), 1u);
  EXPECT_EQ(evaluator->rules(), 1u);
  ASSERT_OK_AND_ASSIGN(std::vector<AlertEvent> events, store_->ListAlertEventsAfter(0, 10));
  ASSERT_THAT(events, SizeIs(1));  // the deleted rule's event went with it
  EXPECT_EQ(events[0].rule_id, elsewhere.id);
}

}  // namespace
}  // namespace sphere::service
