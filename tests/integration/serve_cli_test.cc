// `sphere serve` as an operator runs it: a real process on 127.0.0.1, API keys from `sphere
// users add`, the seed's route over TCP, hot model swap on SIGHUP (a new version is taken, a
// broken one refused while the old keeps serving), a graceful SIGTERM, and an access log
// without secrets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "serve_client.h"
#include "store/store.h"
#include "testing/api_world.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere {
namespace {

using testing::Call;
using ::testing::HasSubstr;
using testing::HttpReply;
using ::testing::Not;
using testing::SphereProcess;
using testing::TempDir;
using testing::WaitForOutput;

// Registers a copy of the served PLEP model under a new version; `damage` breaks its forest.
std::string RegisterPlepCopy(Store& store, const std::filesystem::path& root,
                             const std::string& version, bool damage) {
  auto latest = store.LatestModel("plep");
  EXPECT_TRUE(latest.ok() && latest->has_value());
  const std::filesystem::path from = (*latest)->artifact_path;
  const std::filesystem::path to = root / version;
  std::filesystem::create_directories(to);
  for (const auto& entry : std::filesystem::directory_iterator(from)) {
    std::filesystem::copy_file(entry.path(), to / entry.path().filename());
  }
  nlohmann::json manifest = nlohmann::json::parse(std::ifstream(to / "manifest.json"));
  manifest["version"] = version;
  std::ofstream(to / "manifest.json") << manifest.dump();
  if (damage) std::ofstream(to / "engagement.json") << "{\"learner\": 7";
  ModelRecord record = **latest;
  record.id = 0;
  record.version = version;
  record.artifact_path = to.string();
  record.created_at = (*latest)->created_at + (damage ? 2 : 1);
  EXPECT_OK(store.SaveModel(record).status());
  return version;
}

TEST(ServeCli, ServesTheSeedRouteSwapsModelsOnHangupAndStopsGracefully) {
  TempDir dir;
  std::filesystem::copy_file(testing::ApiWorldDir() / "sphere.db", dir.path() / "sphere.db");
  const std::string store_url = "sqlite:" + (dir.path() / "sphere.db").string();
  const testing::ProcessResult added = testing::RunSphere(
      {"--store", store_url, "users", "add", "--name", "ops", "--role", "admin"});
  ASSERT_EQ(added.exit_code, 0) << added.output;
  std::smatch key_match;
  const std::string added_output = added.output;
  ASSERT_TRUE(std::regex_search(added_output, key_match, std::regex("(sk_[A-Za-z0-9_-]{43})")));
  const std::string key = key_match[1];

  const std::filesystem::path access_log = dir.path() / "access.log";
  SphereProcess server({"--store", store_url, "serve", "--port", "0", "--threads", "2",
                        "--access-log", access_log.string(), "--assets",
                        (testing::SourceDir() / "var/assets").string(), "--rate-card",
                        (testing::SourceDir() / "config/rate_card.json").string()});
  std::string output;
  const std::smatch serving =
      WaitForOutput(server, std::regex(R"(serving on http://127\.0\.0\.1:(\d+))"), output);
  ASSERT_FALSE(serving.empty()) << output;
  const int port = std::stoi(serving[1]);

  EXPECT_EQ(Call(port, "GET", "/healthz").status, 200);
  EXPECT_EQ(Call(port, "GET", "/readyz").status, 200);
  EXPECT_EQ(Call(port, "GET", "/api/v1/alerts").status, 401);
  std::unique_ptr<Store> store;
  ASSERT_OK_AND_ASSIGN(store, OpenStore(store_url));
  // A creator with posts: the first Kim creator the world stored.
  std::string creator;
  ASSERT_OK(store->ForEachPost([&](const Post& p) {
    if (creator.empty()) creator = "instagram/" + p.creator_handle;
    return Status::Ok();
  }));
  const std::string draft = nlohmann::json{
      {"influencer_id", creator},
      {"post_text", "Sunday long run done #running"},
      {"mock_image_path",
       nullptr}}.dump();
  const HttpReply first = Call(port, "POST", "/api/v1/realtime-plep", draft, key);
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string served_before =
      nlohmann::json::parse(first.body)["niche_diagnostics"]["model_version"];

  // A newer version: SIGHUP takes it.
  const std::string newer =
      RegisterPlepCopy(*store, dir.path() / "models", "plep-swap-test", false);
  server.Signal(SIGHUP);
  ASSERT_FALSE(
      WaitForOutput(server, std::regex("models plep \\S+ -> plep-swap-test"), output).empty())
      << output;
  const HttpReply swapped = Call(port, "POST", "/api/v1/realtime-plep", draft, key);
  ASSERT_EQ(swapped.status, 200) << swapped.body;
  EXPECT_EQ(nlohmann::json::parse(swapped.body)["niche_diagnostics"]["model_version"], newer);
  EXPECT_NE(served_before, newer);

  // A broken newer version: refused, the loaded one stays.
  RegisterPlepCopy(*store, dir.path() / "models", "plep-broken-test", true);
  server.Signal(SIGHUP);
  ASSERT_FALSE(WaitForOutput(server, std::regex("reload refused"), output).empty()) << output;
  const HttpReply kept = Call(port, "POST", "/api/v1/realtime-plep", draft, key);
  ASSERT_EQ(kept.status, 200) << kept.body;
  EXPECT_EQ(nlohmann::json::parse(kept.body)["niche_diagnostics"]["model_version"], newer);

  server.Signal(SIGTERM);
  const testing::ProcessResult stopped = server.Wait();
  EXPECT_EQ(stopped.exit_code, 0) << stopped.output;
  EXPECT_THAT(stopped.output, HasSubstr("sphere serve: stopped"));

  std::ifstream log(access_log);
  std::string line;
  int lines = 0;
  while (std::getline(log, line)) {
    ++lines;
    const nlohmann::json entry = nlohmann::json::parse(line);
    EXPECT_TRUE(entry.contains("route") && entry.contains("status") && entry.contains("us"))
        << line;
    EXPECT_THAT(line, Not(HasSubstr(key)));
    EXPECT_THAT(line, Not(HasSubstr("Sunday long run")));
  }
  EXPECT_EQ(lines, 6);  // healthz, readyz, the 401 and three drafts
}

}  // namespace
}  // namespace sphere
