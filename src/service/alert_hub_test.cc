#include "service/alert_hub.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "service/store_pool.h"
#include "store/store.h"
#include "testing/alert_seed.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere::service {
namespace {

using ::testing::ElementsAre;

constexpr UnixSeconds kStart = 1'700'000'000;

// The live fan-out over a real SQLite store. Ids that commit out of order (what PostgreSQL's
// sequences allow) are made by inserting events with explicit ids behind the Store's back.
class AlertHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = "sqlite:" + (dir_.path() / "sphere.db").string();
    ASSERT_OK_AND_ASSIGN(pool_, StorePool::Open(url_));
    ASSERT_OK_AND_ASSIGN(StorePool::Lease store, pool_->Acquire());
    ASSERT_OK_AND_ASSIGN(testing::AlertSeed seed, testing::SeedCreatorRule(*store, kStart));
    owner_ = seed.brand.id;
    creator_id_ = seed.creator_id;
    rule_id_ = seed.rule.id;
  }

  void StartHub(AlertHubOptions options) {
    ASSERT_OK_AND_ASSIGN(hub_, AlertHub::Start(*pool_, options));
    hub_->Subscribe(owner_, 0, [this](const AlertEvent* event) {
      if (event != nullptr) {
        std::lock_guard lock(mutex_);
        received_.push_back(event->id);
      }
      return true;
    });
  }

  // An event with this id, committed now, as a transaction that took its id earlier would.
  void CommitEventWithId(int64_t id) {
    ASSERT_OK(testing::ExecuteSqliteSql(
        dir_.path() / "sphere.db",
        "INSERT INTO alert_event (id, rule_id, creator_id, fired_at, payload_json) VALUES (" +
            std::to_string(id) + ", " + std::to_string(rule_id_) + ", " +
            std::to_string(creator_id_) + ", " + std::to_string(kStart + id) + ", '{}')"));
  }

  // Waits (up to 20 s) until the hub delivered `count` events in all.
  void WaitForDelivered(int64_t count) {
    for (int i = 0; i < 2'000 && hub_->delivered() < count; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(hub_->delivered(), count);
  }

  std::vector<int64_t> Received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

  testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<StorePool> pool_;
  std::unique_ptr<AlertHub> hub_;
  int64_t owner_ = 0, creator_id_ = 0, rule_id_ = 0;
  std::mutex mutex_;
  std::vector<int64_t> received_;
};

TEST_F(AlertHubTest, ALowerIdThatCommitsLateIsDeliveredInOrderAndNotSkipped) {
  // No polling: only Notify() makes a pass, so what a pass saw is certain.
  StartHub({.poll_interval = std::chrono::hours(1), .gap_grace = std::chrono::minutes(10)});
  CommitEventWithId(1);
  CommitEventWithId(3);  // 2 is still "committing"
  hub_->Notify();
  WaitForDelivered(1);
  EXPECT_THAT(Received(), ElementsAre(1));
  EXPECT_EQ(hub_->high_water(), 1);

  CommitEventWithId(2);
  hub_->Notify();
  WaitForDelivered(3);
  EXPECT_THAT(Received(), ElementsAre(1, 2, 3));
  EXPECT_EQ(hub_->high_water(), 3);
}

TEST_F(AlertHubTest, AGapThatOutlivesTheGraceIsPassed) {
  // An id that never commits (a rolled-back transaction): after the grace the newer events go.
  StartHub({.poll_interval = std::chrono::milliseconds(20),
            .gap_grace = std::chrono::milliseconds(200)});
  CommitEventWithId(1);
  CommitEventWithId(3);
  CommitEventWithId(4);
  hub_->Notify();
  WaitForDelivered(3);
  EXPECT_THAT(Received(), ElementsAre(1, 3, 4));
  EXPECT_EQ(hub_->high_water(), 4);
}

}  // namespace
}  // namespace sphere::service
