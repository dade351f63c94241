// sphere serve: the HTTP API on Boost.Beast over the store chosen at start, until SIGTERM or
// SIGINT (graceful: requests in flight finish). SIGHUP reloads the models (a model that does
// not load is refused and the served one stays) and rebuilds the creator directory.
// sphere users add|list: API keys for it.
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <thread>

#include "api/api.h"
#include "cli/commands.h"
#include "features/assets.h"
#include "http/server.h"
#include "market/rate_card.h"
#include "service/alert_hub.h"
#include "service/alert_service.h"
#include "service/model_admin_service.h"
#include "service/user_service.h"
#include "service/webhook_sender.h"

namespace sphere::cli {
namespace {

struct ServeFlags {
  std::string address = "127.0.0.1";
  int port = 8080;
  int threads = 2;
  double rate_limit = 50;
  double rate_burst = 100;
  std::string image_root;
  std::string access_log = "-";
  std::string assets;
  size_t creator_cache = 4096;
  size_t body_limit_mib = 16;
  std::string rate_card = "config/rate_card.json";
  int webhook_attempts = 8;
  int webhook_first_retry_seconds = 10;
  int alert_poll_ms = 1000;
};

UnixSeconds Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// SIGHUP, waited for on a thread of its own (the signal is blocked everywhere else).
class ReloadOnHangup {
 public:
  explicit ReloadOnHangup(api::Api& api) : api_(api) {
    thread_ = std::thread([this] { Run(); });
  }
  ~ReloadOnHangup() {
    stop_ = true;
    thread_.join();
  }

 private:
  void Run() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    const timespec tick{0, 200'000'000};
    while (!stop_) {
      if (sigtimedwait(&set, nullptr, &tick) != SIGHUP) continue;
      Reload();
    }
  }
  void Reload() {
    api::ApiContext& ctx = api_.context();
    Result<service::StorePool::Lease> store = ctx.stores.Acquire();
    if (!store.ok()) {
      fmt::print(stderr, "sphere serve: reload: {}\n", store.status().ToString());
      return;
    }
    Result<service::ServingReload> reloaded = service::ReloadServing(
        **store, ctx.models, ctx.creators, ctx.directory, ctx.ranking, Now());
    if (!reloaded.ok()) {
      fmt::print(stderr, "sphere serve: reload refused: {}\n", reloaded.status().ToString());
      return;
    }
    if (ctx.alerts) {
      if (Status scores = ctx.alerts->ReloadScores(**store); !scores.ok()) {
        fmt::print(stderr, "sphere serve: reload: alert scores: {}\n", scores.ToString());
      }
    }
    const service::ReloadReport& r = reloaded->models;
    fmt::print(stderr, "sphere serve: models plep {} -> {}, market_value {} -> {}; {} creators\n",
               r.plep_before, r.plep_after, r.value_before, r.value_after,
               reloaded->directory_creators);
  }

  api::Api& api_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

Status RunServe(const GlobalOptions& global, const ServeFlags& flags) {
  // Block SIGHUP before any thread starts, so only the reload thread receives it.
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &hup, nullptr);

  const auto started = std::chrono::steady_clock::now();
  SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<service::StorePool> stores,
                          service::StorePool::Open(global.store_url));
  std::unique_ptr<service::ModelSet> models;
  std::unique_ptr<service::CreatorDirectory> directory;
  std::unique_ptr<service::ValueRanking> ranking;
  {
    SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, stores->Acquire());
    SPHERE_ASSIGN_OR_RETURN(models, service::ModelSet::Load(*store, Now()));
    SPHERE_ASSIGN_OR_RETURN(directory, service::CreatorDirectory::Build(*store));
    SPHERE_ASSIGN_OR_RETURN(ranking, service::ValueRanking::Build(*store));
  }
  const features::AssetDir assets = features::AssetDir::Locate(flags.assets);
  SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<features::PostFeaturizer> featurizer,
                          features::PostFeaturizer::Create(assets));
  SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<features::ImageFeaturizer> images,
                          features::ImageFeaturizer::Create(assets));
  service::CreatorCache creators(flags.creator_cache);

  api::ApiOptions options;
  options.rate_limit_per_second = flags.rate_limit;
  options.rate_limit_burst = std::max(flags.rate_burst, 1.0);
  options.image_root = flags.image_root;
  SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<api::AccessLog> access_log,
                          api::AccessLog::Open(flags.access_log));
  api::Api api(api::ApiContext{*stores, *models, *directory, *ranking, creators, *featurizer,
                               images.get(), options},
               std::move(access_log));

  // Alerts: rules evaluated after each ingest, events streamed to connected users and POSTed
  // to their webhooks. Deliveries live in the store, so what a crash interrupted resumes here.
  SPHERE_ASSIGN_OR_RETURN(market::RateCard card, market::LoadRateCard(flags.rate_card));
  service::AlertHubOptions hub_options;
  hub_options.poll_interval = std::chrono::milliseconds(flags.alert_poll_ms);
  SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<service::AlertHub> hub,
                          service::AlertHub::Start(*stores, hub_options));
  service::WebhookSenderOptions webhook_options;
  webhook_options.max_attempts = flags.webhook_attempts;
  webhook_options.first_retry = std::chrono::seconds(flags.webhook_first_retry_seconds);
  SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<service::WebhookSender> webhooks,
                          service::WebhookSender::Start(*stores, webhook_options));
  std::unique_ptr<service::AlertService> alerts;
  {
    SPHERE_ASSIGN_OR_RETURN(service::StorePool::Lease store, stores->Acquire());
    SPHERE_ASSIGN_OR_RETURN(
        alerts, service::AlertService::Open(*store, std::move(card), hub.get(), webhooks.get()));
  }
  for (const std::string& skipped : alerts->evaluator().skipped_rules()) {
    fmt::print(stderr, "sphere serve: alert rule left out: {}\n", skipped);
  }
  api.context().alerts = alerts.get();

  http::ServerOptions server_options;
  server_options.address = flags.address;
  server_options.port = static_cast<uint16_t>(flags.port);
  server_options.threads = flags.threads;
  server_options.body_limit = flags.body_limit_mib << 20;
  SPHERE_ASSIGN_OR_RETURN(
      std::unique_ptr<http::Server> server,
      http::Server::Start(server_options, [&api](const api::Request& r) { return api.Handle(r); }));
  ReloadOnHangup reload(api);

  const std::shared_ptr<const service::Models> loaded = models->Current();
  // stderr: stdout may carry the access log.
  fmt::print(stderr,
             "sphere serve: {} creators, models plep {} and market_value {}, {} alert rules, "
             "store {}, ready in {:.1f} s\n",
             directory->size(), loaded->plep->version(), loaded->value->version(),
             alerts->evaluator().rules(), RedactStoreUrl(global.store_url),
             std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  fmt::print(stderr,
             "serving on http://{}:{} (docs at /docs; SIGHUP reloads models, SIGTERM stops)\n",
             flags.address, server->port());
  std::fflush(stderr);
  server->WaitForSignal();
  webhooks->Stop();
  hub->Stop();
  if (api.access_log() != nullptr) api.access_log()->Flush();
  fmt::print(stderr, "sphere serve: stopped\n");
  return Status::Ok();
}

Status RunUsersAdd(const GlobalOptions& global, const std::string& name,
                   const std::string& role_text) {
  SPHERE_ASSIGN_OR_RETURN(Role role, ParseRole(role_text));
  SPHERE_ASSIGN_OR_RETURN(auto store, OpenStore(global.store_url));
  SPHERE_ASSIGN_OR_RETURN(service::NewUser created, service::AddUser(*store, name, role, Now()));
  fmt::print("created user {} (id {}, role {}). Its API key, shown only now:\n{}\n",
             created.user.name, created.user.id, ToString(created.user.role), created.api_key);
  return Status::Ok();
}

Status RunUsersList(const GlobalOptions& global) {
  SPHERE_ASSIGN_OR_RETURN(auto store, OpenStore(global.store_url));
  SPHERE_ASSIGN_OR_RETURN(std::vector<User> users, store->ListUsers());
  fmt::print("{:>5}  {:<8}  {:<20}  {}\n", "id", "role", "created", "name");
  for (const User& u : users) {
    fmt::print("{:>5}  {:<8}  {:<20}  {}\n", u.id, ToString(u.role), FormatIsoTime(u.created_at),
               u.name);
  }
  return Status::Ok();
}

}  // namespace

void AddServeCommands(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* serve = app.add_subcommand(
      "serve", "Serve the HTTP API and docs (the seed's /api/v1 contract and the product API)");
  serve->add_option("--address", flags->address, "Address to listen on")->capture_default_str();
  serve->add_option("--port", flags->port, "Port (0: any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  serve->add_option("--threads", flags->threads, "Threads serving requests")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  serve
      ->add_option("--rate-limit", flags->rate_limit,
                   "Requests per second per API key (0: no limit)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  serve->add_option("--rate-burst", flags->rate_burst, "Burst size of the per-key limit")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve->add_option("--image-root", flags->image_root,
                    "Directory the seed's mock_image_path is read from (default: none)");
  serve
      ->add_option("--access-log", flags->access_log,
                   "Access log: - (stdout), off, or a file (JSON lines)")
      ->capture_default_str();
  serve->add_option("--assets", flags->assets,
                    "Directory of the pinned assets (default $SPHERE_ASSETS or var/assets)");
  serve
      ->add_option("--creator-cache", flags->creator_cache,
                   "Creators kept in memory for draft scoring")
      ->capture_default_str();
  serve->add_option("--body-limit-mib", flags->body_limit_mib, "Largest request body, MiB")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  serve->add_option("--rate-card", flags->rate_card, "Rate card alerts value creators with")
      ->capture_default_str();
  serve
      ->add_option("--webhook-attempts", flags->webhook_attempts,
                   "Attempts before a webhook delivery is dead")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  serve
      ->add_option("--webhook-first-retry", flags->webhook_first_retry_seconds,
                   "Seconds before the first retry (doubling after each failure)")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  serve
      ->add_option("--alert-poll-ms", flags->alert_poll_ms,
                   "How often streams look for events written by other processes")
      ->check(CLI::Range(10, 60000))
      ->capture_default_str();
  serve->callback([&global, &action, flags] {
    action = [&global, flags] { return RunServe(global, *flags); };
  });

  CLI::App* users = app.add_subcommand("users", "API users and keys");
  users->require_subcommand(1);
  auto name = std::make_shared<std::string>();
  auto role = std::make_shared<std::string>();
  CLI::App* add = users->add_subcommand("add", "Create a user and print its API key (once)");
  add->add_option("--name", *name, "Who the key is for")->required();
  add->add_option("--role", *role, "brand | creator | admin")
      ->required()
      ->check(CLI::IsMember({"brand", "creator", "admin"}));
  add->callback([&global, &action, name, role] {
    action = [&global, name, role] { return RunUsersAdd(global, *name, *role); };
  });
  CLI::App* list = users->add_subcommand("list", "List users (never their keys)");
  list->callback([&global, &action] { action = [&global] { return RunUsersList(global); }; });
}

}  // namespace sphere::cli
