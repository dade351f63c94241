// An import killed midway (SIGKILL, no chance to clean up) keeps what it committed, and
// running it again completes the store with no duplicates — on every backend.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "store/store.h"
#include "testing/testing.h"

namespace sphere {
namespace {

using testing::RunSphere;
using testing::SourceDir;
using testing::SphereProcess;
using testing::TempDir;

int64_t PostCount(const std::string& store_url) {
  auto store = OpenStore(store_url);
  if (!store.ok()) return -1;
  auto stats = (*store)->Stats();
  if (!stats.ok()) return -1;
  int64_t posts = 0;
  for (const auto& [platform, counts] : stats->by_platform) posts += counts.posts;
  return posts;
}

void InterruptAndResume(const std::string& store_url) {
  TempDir dir;
  // Fit the synthetic generator to real data, then make a file large enough that the
  // import is still running when it is killed.
  auto real =
      RunSphere({"--store", store_url, "import", (SourceDir() / "data" / "instagram").string()});
  ASSERT_EQ(real.exit_code, 0) << real.output;
  const int64_t real_posts = PostCount(store_url);
  ASSERT_GT(real_posts, 0);
  constexpr int64_t kCreators = 2'000, kPostsPerCreator = 40;
  auto synth = RunSphere({"--store", store_url, "synth", "--creators", std::to_string(kCreators),
                          "--posts-per-creator", std::to_string(kPostsPerCreator), "--seed", "7",
                          "--snapshot-months", "0", "--out", (dir.path() / "synth").string()});
  ASSERT_EQ(synth.exit_code, 0) << synth.output;
  const int64_t expected = real_posts + kCreators * kPostsPerCreator;
  const std::vector<std::string> import = {"--store", store_url, "import",
                                           "--batch", "500",     (dir.path() / "synth").string()};
  {
    SphereProcess running(import);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
    while (PostCount(store_url) <= real_posts + 1'000 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    running.Kill();
    auto killed = running.Wait();
    ASSERT_EQ(killed.exit_code, 128 + 9) << "the import finished before it could be killed:\n"
                                         << killed.output;
  }
  const int64_t after_kill = PostCount(store_url);
  EXPECT_GT(after_kill, real_posts) << "committed batches must survive the kill";
  EXPECT_LT(after_kill, expected) << "the kill must have interrupted the import";

  auto resumed = RunSphere(import);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(PostCount(store_url), expected);

  auto again = RunSphere(import);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("written 0 creators, 0 posts, 0 snapshots"), std::string::npos)
      << again.output;
  EXPECT_EQ(PostCount(store_url), expected);
}

TEST(InterruptedImport, RerunCompletesTheSqliteStoreWithoutDuplicates) {
  TempDir dir;
  InterruptAndResume("sqlite:" + (dir.path() / "sphere.db").string());
}

TEST(InterruptedImport, RerunCompletesThePostgresStoreWithoutDuplicates) {
  if (testing::PostgresUrl().empty()) {
    GTEST_SKIP() << "SPHERE_TEST_POSTGRES_URL is not set (scripts/test.sh sets it)";
  }
  testing::ScratchPostgresDatabase db(testing::PostgresUrl());
  InterruptAndResume(db.url());
}

}  // namespace
}  // namespace sphere
