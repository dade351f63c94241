#include "testing/api_world.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>

#include "core/time.h"
#include "market/rate_card.h"
#include "service/import_service.h"
#include "service/plep_service.h"
#include "service/user_service.h"
#include "service/value_service.h"
#include "testing/kim_subset.h"
#include "testing/testing.h"

namespace sphere::testing {
namespace {

// Bump when what the world holds changes, so an old build tree rebuilds it.
constexpr std::string_view kLayout = "api-world-1";
constexpr UnixSeconds kTrainedAt = 1'764'115'200;  // 2025-11-26

std::filesystem::path StorePath(const std::filesystem::path& dir) { return dir / "sphere.db"; }

Status Fail(const Status& s, std::string_view what) {
  return s.ok() ? s : s.WithContext(std::string("api world: ") + std::string(what));
}

}  // namespace

std::filesystem::path ApiWorldDir() {
  if (const char* env = std::getenv("SPHERE_API_WORLD"); env != nullptr && *env != '\0') return env;
  return BinaryDir() / "test_worlds" / "api";
}

Status BuildApiWorld(const std::filesystem::path& dir) {
  const std::filesystem::path stamp = dir / "COMPLETE";
  {
    std::ifstream in(stamp);
    std::string layout;
    if (in && std::getline(in, layout) && layout == kLayout) return Status::Ok();
  }
  std::error_code error;
  std::filesystem::remove_all(dir, error);
  std::filesystem::create_directories(dir, error);
  if (error)
    return Unavailable("api world: cannot create " + dir.string() + ": " + error.message());
  {
    SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                            OpenStore("sqlite:" + StorePath(dir).string()));
    // A tenth of the Kim creators (bucket 3), plus the time series the value model needs.
    SPHERE_ASSIGN_OR_RETURN(KimSubset kim, WriteKimSubset(dir / "kim_subset.jsonl", 10, 3));
    std::vector<std::filesystem::path> inputs = {kim.file};
    SPHERE_ASSIGN_OR_RETURN(
        std::vector<std::filesystem::path> series,
        service::ExpandImportPaths({SourceDir() / "data/multi/smi2022",
                                    SourceDir() / "data/youtube/socialblade_weekly.csv",
                                    SourceDir() / "data/youtube/socialblade_channels.csv"}));
    inputs.insert(inputs.end(), series.begin(), series.end());
    for (const auto& file : inputs) {
      SPHERE_RETURN_IF_ERROR(Fail(service::ImportFile(*store, file, {}).status(), file.string()));
    }
    SPHERE_ASSIGN_OR_RETURN(
        std::unique_ptr<features::PostFeaturizer> featurizer,
        features::PostFeaturizer::Create(features::AssetDir(SourceDir() / "var/assets")));
    service::TrainPlepOptions plep;
    plep.models_dir = dir / "models";
    plep.train.grid = "small";
    plep.train.threads = 1;
    plep.train.max_rounds = 300;
    plep.train.early_stopping_rounds = 30;
    plep.train.now = kTrainedAt;
    SPHERE_RETURN_IF_ERROR(
        Fail(service::TrainPlep(*store, *featurizer, plep).status(), "train plep"));
    service::TrainValueOptions value;
    value.models_dir = dir / "models";
    value.train.max_rounds = 120;
    value.train.now = kTrainedAt;
    SPHERE_RETURN_IF_ERROR(Fail(service::TrainValueModel(*store, value).status(), "train value"));
    SPHERE_ASSIGN_OR_RETURN(std::shared_ptr<const value::ValueModel> model,
                            service::LoadCurrentValueModel(*store));
    SPHERE_ASSIGN_OR_RETURN(market::RateCard card,
                            market::LoadRateCard(SourceDir() / "config/rate_card.json"));
    service::ValueOptions options;
    options.now = kTrainedAt;
    SPHERE_RETURN_IF_ERROR(
        Fail(service::ValueCreators(*store, *model, card, options).status(), "value"));
  }  // the store closes here: its WAL is checkpointed into the file copies read
  std::ofstream out(stamp);
  out << kLayout << "\n";
  if (!out) return Unavailable("api world: cannot write " + stamp.string());
  return Status::Ok();
}

Result<std::unique_ptr<ApiWorld>> ApiWorld::Open(api::ApiOptions options) {
  const std::filesystem::path dir = ApiWorldDir();
  if (!std::filesystem::exists(dir / "COMPLETE")) {
    return FailedPrecondition("the API test world is not built at " + dir.string() +
                              ": run the ctest fixture test api_world_setup (ctest runs it "
                              "before any test that needs it)");
  }
  std::unique_ptr<ApiWorld> w(new ApiWorld());
  std::random_device seed;
  w->copy_dir_ = std::filesystem::temp_directory_path() /
                 ("sphere-api-world-" + std::to_string(seed()) + std::to_string(seed()));
  std::error_code error;
  std::filesystem::create_directories(w->copy_dir_, error);
  if (error) return Unavailable("cannot create " + w->copy_dir_.string());
  std::filesystem::copy_file(StorePath(dir), w->copy_dir_ / "sphere.db", error);
  if (error) return Unavailable("cannot copy the world's store: " + error.message());
  const std::string url = "sqlite:" + (w->copy_dir_ / "sphere.db").string();

  SPHERE_ASSIGN_OR_RETURN(w->store_, OpenStore(url));
  SPHERE_ASSIGN_OR_RETURN(w->stores_, service::StorePool::Open(url));
  SPHERE_ASSIGN_OR_RETURN(w->models_, service::ModelSet::Load(*w->store_, kTrainedAt));
  SPHERE_ASSIGN_OR_RETURN(w->directory_, service::CreatorDirectory::Build(*w->store_));
  SPHERE_ASSIGN_OR_RETURN(w->ranking_, service::ValueRanking::Build(*w->store_));
  w->creators_ = std::make_unique<service::CreatorCache>(256);
  const features::AssetDir assets(SourceDir() / "var/assets");
  SPHERE_ASSIGN_OR_RETURN(w->featurizer_, features::PostFeaturizer::Create(assets));
  SPHERE_ASSIGN_OR_RETURN(w->images_, features::ImageFeaturizer::Create(assets));
  api::ApiContext context{*w->stores_,   *w->models_,     *w->directory_,   *w->ranking_,
                          *w->creators_, *w->featurizer_, w->images_.get(), std::move(options)};
  w->api_ = std::make_unique<api::Api>(std::move(context), nullptr);
  service::AlertHubOptions hub_options;
  hub_options.poll_interval = std::chrono::milliseconds(50);
  SPHERE_ASSIGN_OR_RETURN(w->hub_, service::AlertHub::Start(*w->stores_, hub_options));
  service::WebhookSenderOptions webhook_options;
  webhook_options.first_retry = std::chrono::seconds(1);
  webhook_options.max_attempts = 3;
  webhook_options.poll_interval = std::chrono::milliseconds(50);
  SPHERE_ASSIGN_OR_RETURN(w->webhooks_,
                          service::WebhookSender::Start(*w->stores_, webhook_options));
  SPHERE_ASSIGN_OR_RETURN(market::RateCard card,
                          market::LoadRateCard(SourceDir() / "config/rate_card.json"));
  SPHERE_ASSIGN_OR_RETURN(
      w->alerts_,
      service::AlertService::Open(*w->store_, std::move(card), w->hub_.get(), w->webhooks_.get()));
  w->api_->context().alerts = w->alerts_.get();

  // The Kim creator with the most posts that has a stored value.
  int64_t best_posts = -1;
  SPHERE_RETURN_IF_ERROR(w->store_->ForEachLatestMarketValue([&](const MarketValue& v) {
    if (v.platform != Platform::kInstagram) return Status::Ok();
    Result<std::vector<Post>> posts = w->store_->PostsOf(v.creator_id);
    if (!posts.ok()) return posts.status();
    if (static_cast<int64_t>(posts->size()) > best_posts) {
      best_posts = static_cast<int64_t>(posts->size());
      w->creator_with_history_ = "instagram/" + v.creator_handle;
    }
    return Status::Ok();
  }));
  if (best_posts <= 0)
    return FailedPrecondition("the API test world has no valued Instagram creator with posts");
  return w;
}

ApiWorld::~ApiWorld() {
  api_.reset();
  alerts_.reset();
  if (webhooks_) webhooks_->Stop();
  if (hub_) hub_->Stop();
  webhooks_.reset();
  hub_.reset();
  store_.reset();
  stores_.reset();
  std::error_code error;
  if (!copy_dir_.empty()) std::filesystem::remove_all(copy_dir_, error);
}

Result<std::string> ApiWorld::AddUser(const std::string& name, Role role) {
  SPHERE_ASSIGN_OR_RETURN(service::NewUser user, service::AddUser(*store_, name, role, kTrainedAt));
  return user.api_key;
}

api::Response ApiWorld::Send(api::Method method, const std::string& target, const std::string& body,
                             const std::string& key,
                             std::vector<std::pair<std::string, std::string>> headers) {
  api::Request request;
  request.method = method;
  request.method_text = std::string(api::MethodName(method));
  request.target = target;
  const size_t q = target.find('?');
  request.path = target.substr(0, q);
  request.query = q == std::string::npos ? "" : target.substr(q + 1);
  request.body = body;
  request.remote_address = "127.0.0.1";
  bool has_type = false;
  for (auto& [name, value] : headers) {
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    has_type = has_type || name == "content-type";
    request.headers.emplace_back(name, value);
  }
  if (!body.empty() && !has_type) request.headers.emplace_back("content-type", "application/json");
  if (!key.empty()) request.headers.emplace_back("authorization", "Bearer " + key);
  return api_->Handle(request);
}

}  // namespace sphere::testing
