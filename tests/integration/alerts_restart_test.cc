// Alerts as an operator runs them, through the real `sphere serve` process: a rule created
// over HTTP fires when an ingestion crosses it, reaches a connected stream and a webhook; the
// server is killed with SIGKILL while a webhook delivery is still failing and while a stream
// client is away; after the restart the delivery is made and the stream resumes from the last
// event id, so nothing is lost. An ingest by `sphere import` (another process) reaches the
// running server's streams too.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "http/server.h"
#include "serve_client.h"
#include "service/webhook_sender.h"
#include "testing/api_world.h"
#include "testing/http_peers.h"
#include "testing/status_matchers.h"
#include "testing/testing.h"

namespace sphere {
namespace {

using testing::Call;
using testing::EventStreamClient;
using ::testing::HasSubstr;
using testing::HttpReply;
using testing::SphereProcess;
using testing::TempDir;
using testing::WaitForOutput;

template <typename F>
bool Eventually(F done, std::chrono::milliseconds limit = std::chrono::milliseconds(30000)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

class Serving {
 public:
  Serving(const std::string& store_url, const std::filesystem::path& dir)
      : process_({"--store", store_url, "serve", "--port", "0", "--threads", "2", "--access-log",
                  "off", "--assets", (testing::SourceDir() / "var/assets").string(), "--rate-card",
                  (testing::SourceDir() / "config/rate_card.json").string(),
                  "--webhook-first-retry", "1", "--webhook-attempts", "50", "--alert-poll-ms",
                  "100"}) {
    (void)dir;
    std::string output;
    const std::smatch serving =
        WaitForOutput(process_, std::regex(R"(serving on http://127\.0\.0\.1:(\d+))"), output);
    EXPECT_FALSE(serving.empty()) << output;
    if (!serving.empty()) port_ = std::stoi(serving[1]);
  }
  int port() const { return port_; }
  SphereProcess& process() { return process_; }

 private:
  SphereProcess process_;
  int port_ = 0;
};

TEST(AlertsRestart, NothingIsLostAcrossAKillAndAnImportReachesTheStream) {
  TempDir dir;
  std::filesystem::copy_file(testing::ApiWorldDir() / "sphere.db", dir.path() / "sphere.db");
  const std::string store_url = "sqlite:" + (dir.path() / "sphere.db").string();
  const testing::ProcessResult added = testing::RunSphere(
      {"--store", store_url, "users", "add", "--name", "scout", "--role", "admin"});
  ASSERT_EQ(added.exit_code, 0) << added.output;
  std::smatch key_match;
  const std::string added_output = added.output;
  ASSERT_TRUE(std::regex_search(added_output, key_match, std::regex("(sk_[A-Za-z0-9_-]{43})")));
  const std::string key = key_match[1];

  testing::HttpReceiver receiver;
  receiver.Answer(503);  // down for now
  auto server = std::make_unique<Serving>(store_url, dir.path());
  ASSERT_GT(server->port(), 0);
  const HttpReply hook = Call(server->port(), "POST", "/api/v1/webhooks",
                              nlohmann::json{{"url", receiver.Url("/in")}}.dump(), key);
  ASSERT_EQ(hook.status, 201) << hook.body;
  const std::string secret = nlohmann::json::parse(hook.body)["secret"];

  auto ingest = [&](const std::string& handle, int64_t followers) {
    const HttpReply r =
        Call(server->port(), "POST", "/api/v1/data-ingestion",
             nlohmann::json{
                 {"username", handle}, {"platform", "instagram"}, {"follower_count", followers}}
                 .dump(),
             key);
    EXPECT_EQ(r.status, 202) << r.body;
    return r.status == 202 ? nlohmann::json::parse(r.body)["influencer_id"].get<int64_t>() : 0;
  };
  auto rule_on = [&](int64_t creator) {
    const HttpReply r = Call(server->port(), "POST", "/api/v1/alert-rules",
                             nlohmann::json{{"type", "creator"},
                                            {"creator_id", creator},
                                            {"metric", "follower_count"},
                                            {"condition", "above"},
                                            {"threshold", 5000}}
                                 .dump(),
                             key);
    EXPECT_EQ(r.status, 201) << r.body;
  };

  const int64_t first = ingest("restart_one", 1000);
  const int64_t second = ingest("restart_two", 1000);
  rule_on(first);
  rule_on(second);

  // Live: a connected stream gets the event; the webhook is tried and fails.
  auto live = std::make_unique<EventStreamClient>(server->port(), key);
  ASSERT_TRUE(live->connected());
  ASSERT_THAT(live->ReadUntil("retry:", std::chrono::seconds(20)), HasSubstr("200 OK"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the hub registers it
  ingest("restart_one", 8000);
  const std::string& seen = live->ReadUntil("event: alert", std::chrono::seconds(20));
  std::smatch id_match;
  ASSERT_TRUE(std::regex_search(seen, id_match, std::regex(R"(id: (\d+)\n)"))) << seen;
  const int64_t first_event = std::stoll(id_match[1]);
  ASSERT_TRUE(Eventually([&] { return !receiver.requests().empty(); }));

  // The stream client goes away; another event fires while it is gone.
  live.reset();
  ingest("restart_two", 9000);

  // SIGKILL: no shutdown, no flush.
  server->process().Kill();
  server->process().Wait();
  server.reset();
  const size_t failed_attempts = receiver.requests().size();
  receiver.Answer(200);  // the receiver is back

  server = std::make_unique<Serving>(store_url, dir.path());
  ASSERT_GT(server->port(), 0);
  // The stream resumes after the last event it saw: the second event, not the first again.
  EventStreamClient resumed(server->port(), key, first_event);
  const std::string& replay =
      resumed.ReadUntil("\"creator_id\":" + std::to_string(second), std::chrono::seconds(20));
  EXPECT_THAT(replay, HasSubstr("\"creator_id\":" + std::to_string(second)));
  EXPECT_THAT(replay, ::testing::Not(HasSubstr("id: " + std::to_string(first_event) + "\n")));
  // Both events reach the webhook after the restart, signed.
  ASSERT_TRUE(Eventually([&] {
    std::set<std::string> events;
    const auto all = receiver.requests();
    for (size_t i = failed_attempts; i < all.size(); ++i) {
      events.insert(std::string(all[i].Header("x-sphere-event-id")));
    }
    return events.size() == 2;
  }));
  for (const api::Request& r : receiver.requests()) {
    EXPECT_TRUE(service::VerifyWebhookSignature(secret, r.Header("x-sphere-signature"), r.body,
                                                std::time(nullptr)));
  }

  // `sphere import` in another process crosses a third rule; the running server's stream
  // hears of it through its poll of the store.
  const int64_t third = ingest("restart_three", 1000);
  rule_on(third);
  const std::filesystem::path snapshots = dir.path() / "snapshots.jsonl";
  std::ofstream(snapshots) << nlohmann::json{{"type", "snapshot"},
                                             {"platform", "instagram"},
                                             {"handle", "restart_three"},
                                             {"taken_at", std::time(nullptr) + 86400},
                                             {"source", "operator_import"},
                                             {"followers", 7000}}
                                  .dump()
                           << "\n";
  const testing::ProcessResult imported =
      testing::RunSphere({"--store", store_url, "import", snapshots.string(), "--rate-card",
                          (testing::SourceDir() / "config/rate_card.json").string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.output;
  EXPECT_THAT(imported.output, HasSubstr("1 events"));
  EXPECT_THAT(
      resumed.ReadUntil("\"creator_id\":" + std::to_string(third), std::chrono::seconds(20)),
      HasSubstr("\"creator_id\":" + std::to_string(third)));

  server->process().Signal(SIGTERM);
  EXPECT_EQ(server->process().Wait().exit_code, 0);
}

}  // namespace
}  // namespace sphere
