// Hot model swap under load: requests in flight while new model versions are registered and
// reloaded through the admin route all succeed, each answered by one whole model.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "testing/api_world.h"
#include "testing/status_matchers.h"

namespace sphere::api {
namespace {

using testing::ApiWorld;

// Registers a copy of the newest PLEP model under `version` (a newer created_at).
void RegisterCopy(Store& store, const std::filesystem::path& root, const std::string& version,
                  UnixSeconds created_at) {
  ASSERT_OK_AND_ASSIGN(std::optional<ModelRecord> latest, store.LatestModel("plep"));
  ASSERT_TRUE(latest.has_value());
  const std::filesystem::path to = root / version;
  std::filesystem::create_directories(to);
  for (const auto& entry : std::filesystem::directory_iterator(latest->artifact_path)) {
    std::filesystem::copy_file(entry.path(), to / entry.path().filename());
  }
  nlohmann::json manifest = nlohmann::json::parse(std::ifstream(to / "manifest.json"));
  manifest["version"] = version;
  std::ofstream(to / "manifest.json") << manifest.dump();
  ModelRecord record = *latest;
  record.id = 0;
  record.version = version;
  record.artifact_path = to.string();
  record.created_at = created_at;
  ASSERT_OK(store.SaveModel(record).status());
}

TEST(HotReload, RequestsInFlightDuringReloadsAllSucceed) {
  ApiOptions options;
  options.rate_limit_per_second = 0;  // two clients as fast as they go
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ApiWorld> world, ApiWorld::Open(options));
  ASSERT_OK_AND_ASSIGN(const std::string admin, world->AddUser("ops", Role::kAdmin));
  ASSERT_OK_AND_ASSIGN(const std::string brand, world->AddUser("acme", Role::kBrand));
  const std::string body = nlohmann::json{
      {"creator", world->CreatorWithHistory()},
      {"caption", "Morning ride #cycling"},
      {"posted_at", "2026-11-26T18:00:00Z"},
      {"explain", true}}.dump();
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0}, failed{0};
  std::mutex seen_mutex;
  std::set<std::string> versions_seen;
  auto client = [&] {
    while (!stop.load()) {
      const Response r = world->Send(Method::kPost, "/api/v1/plep", body, brand);
      if (r.status != 200) {
        ++failed;
        continue;
      }
      ++answered;
      const nlohmann::json j = nlohmann::json::parse(r.body);
      // One whole model per answer: its contributions and bias add up to its prediction.
      double sum = j["bias"].get<double>();
      for (const auto& c : j["contributions"]) sum += c["contribution"].get<double>();
      if (std::abs(sum - j["prediction"]["log_engagement"].get<double>()) > 1e-3) ++failed;
      std::lock_guard lock(seen_mutex);
      versions_seen.insert(j["model_version"].get<std::string>());
    }
  };
  std::thread a(client), b(client);
  const std::filesystem::path root = world->dir() / "models";
  std::string last;
  for (int i = 0; i < 3; ++i) {
    last = "plep-reload-" + std::to_string(i);
    RegisterCopy(world->store(), root, last, 2'000'000'000 + i);
    const Response reloaded =
        world->Send(Method::kPost, "/api/v1/admin/models/reload", "{}", admin);
    ASSERT_EQ(reloaded.status, 200) << reloaded.body;
    EXPECT_EQ(nlohmann::json::parse(reloaded.body)["plep"]["after"], last);
  }
  while (answered.load() < 20) std::this_thread::yield();
  stop = true;
  a.join();
  b.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GE(answered.load(), 20);
  const Response after = world->Send(Method::kPost, "/api/v1/plep", body, brand);
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(nlohmann::json::parse(after.body)["model_version"], last);
  EXPECT_GE(versions_seen.size(), 1u);
}

}  // namespace
}  // namespace sphere::api
