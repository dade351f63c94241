// What only the SQLite backend promises: the file on disk, WAL, waiting for locks, and
// migrations that are safe when several processes open a new file at once. The behaviour
// every backend shares is tested by ../store_contract_test.cc.
#include "store/sqlite/sqlite_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "testing/testing.h"

namespace sphere {
namespace {

using ::testing::HasSubstr;

// A plain connection to the same file, standing in for another process.
class RawConnection {
 public:
  explicit RawConnection(const std::filesystem::path& path) {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
    db_.reset(raw);
    EXPECT_EQ(rc, SQLITE_OK) << path;
  }

  void Exec(const std::string& sql) {
    EXPECT_EQ(sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db_.get());
  }

  // The rows of a query, each as its columns joined by '|'.
  std::vector<std::string> Query(const std::string& sql) {
    std::vector<std::string> rows;
    auto collect = [](void* out, int columns, char** values, char**) {
      std::string row;
      for (int i = 0; i < columns; ++i) {
        if (i > 0) row += "|";
        row += values[i] != nullptr ? values[i] : "NULL";
      }
      static_cast<std::vector<std::string>*>(out)->push_back(row);
      return 0;
    };
    EXPECT_EQ(sqlite3_exec(db_.get(), sql.c_str(), collect, &rows, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db_.get());
    return rows;
  }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
};

std::unique_ptr<Store> OpenOrFail(const std::filesystem::path& path) {
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(path);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

ImportBatch OneCreator(const std::string& handle) {
  Creator creator;
  creator.handle = handle;
  creator.stats_as_of = 1'600'000'000;
  ImportBatch batch;
  batch.creators.push_back(creator);
  return batch;
}

TEST(SqliteStore, OpeningCreatesTheParentDirectories) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "a" / "b" / "sphere.db";
  ASSERT_NE(OpenOrFail(path), nullptr);
  EXPECT_TRUE(std::filesystem::is_regular_file(path));
}

TEST(SqliteStore, DatabaseFileIsInWriteAheadLogMode) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "sphere.db";
  ASSERT_NE(OpenOrFail(path), nullptr);
  RawConnection other(path);
  EXPECT_THAT(other.Query("PRAGMA journal_mode"), ::testing::ElementsAre("wal"));
}

TEST(SqliteStore, MigrationsRecordEachVersionOnceWithItsTime) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "sphere.db";
  std::unique_ptr<Store> store = OpenOrFail(path);
  ASSERT_NE(store, nullptr);
  Result<int> version = store->SchemaVersion();
  ASSERT_TRUE(version.ok());
  store.reset();
  ASSERT_NE(OpenOrFail(path), nullptr);

  RawConnection other(path);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  std::vector<std::string> rows =
      other.Query("SELECT version, applied_at BETWEEN " + std::to_string(now - 600) + " AND " +
                  std::to_string(now + 600) + " FROM schema_migrations ORDER BY version");
  ASSERT_EQ(rows.size(), static_cast<size_t>(*version));
  for (int v = 1; v <= *version; ++v) EXPECT_EQ(rows[v - 1], std::to_string(v) + "|1");
}

TEST(SqliteStore, FileThatIsNotADatabaseIsUnavailable) {
  testing::TempDir dir;
  std::filesystem::path path = dir.Write("notes.db", std::string(4096, 'x'));
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(path);
  EXPECT_EQ(store.status().code(), Code::kUnavailable) << store.status().ToString();
  EXPECT_THAT(store.status().message(), HasSubstr(path.string()));
}

TEST(SqliteStore, WriterWaitsForAnotherConnectionsLockInsteadOfFailing) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "sphere.db";
  std::unique_ptr<Store> store = OpenOrFail(path);
  ASSERT_NE(store, nullptr);

  RawConnection other(path);
  other.Exec("BEGIN IMMEDIATE");  // another process is in the middle of a write
  constexpr auto kHeldFor = std::chrono::milliseconds(400);
  std::future<void> release = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(kHeldFor);
    other.Exec("COMMIT");
  });

  auto start = std::chrono::steady_clock::now();
  Result<WriteCounts> counts = store->WriteBatch(OneCreator("alice"));
  auto waited = std::chrono::steady_clock::now() - start;
  release.wait();
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(counts->creators_written, 1);
  EXPECT_GE(waited, kHeldFor / 2);
}

TEST(SqliteStore, ReadersAreNotBlockedByAnUncommittedWrite) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "sphere.db";
  std::unique_ptr<Store> store = OpenOrFail(path);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->WriteBatch(OneCreator("alice")).ok());

  RawConnection other(path);
  other.Exec("BEGIN IMMEDIATE");
  other.Exec("INSERT INTO creator (platform, handle, stats_as_of) VALUES ('instagram', 'bob', 0)");

  auto start = std::chrono::steady_clock::now();
  Result<std::optional<Creator>> alice = store->FindCreator(Platform::kInstagram, "alice");
  Result<std::optional<Creator>> bob = store->FindCreator(Platform::kInstagram, "bob");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  ASSERT_TRUE(alice.ok() && bob.ok());
  EXPECT_TRUE(alice->has_value());
  EXPECT_FALSE(bob->has_value()) << "an uncommitted row must not be visible";
  other.Exec("ROLLBACK");
}

TEST(SqliteStore, ConcurrentOpenersOfANewFileMigrateItOnce) {
  testing::TempDir dir;
  std::filesystem::path path = dir.path() / "sphere.db";
  constexpr int kOpeners = 4;
  std::vector<std::future<Status>> openers;
  for (int i = 0; i < kOpeners; ++i) {
    openers.push_back(std::async(std::launch::async, [&path, i]() -> Status {
      SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenSqliteStore(path));
      return store->WriteBatch(OneCreator("opener" + std::to_string(i))).status();
    }));
  }
  for (std::future<Status>& opener : openers) {
    Status status = opener.get();
    EXPECT_TRUE(status.ok()) << status.ToString();
  }

  std::unique_ptr<Store> store = OpenOrFail(path);
  ASSERT_NE(store, nullptr);
  Result<int> version = store->SchemaVersion();
  ASSERT_TRUE(version.ok());
  RawConnection other(path);
  EXPECT_THAT(other.Query("SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations"),
              ::testing::ElementsAre(std::to_string(*version) + "|" + std::to_string(*version)));
  EXPECT_THAT(other.Query("SELECT COUNT(*) FROM creator"),
              ::testing::ElementsAre(std::to_string(kOpeners)));
}

}  // namespace
}  // namespace sphere
