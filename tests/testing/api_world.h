// A small real world for API tests: a store holding a slice of the Kim posts, smi2022 and
// Social Blade, with a small PLEP and Market Value model trained on it and every creator
// valued. Building it takes a minute, so the ctest fixture test `api_world_setup` builds it
// once per build tree (<build>/test_worlds/api) and every test that needs it opens a copy of
// its store (tests may write).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/api.h"
#include "core/status.h"
#include "features/post/post_features.h"
#include "features/visual/visual_features.h"
#include "service/alert_hub.h"
#include "service/alert_service.h"
#include "service/webhook_sender.h"
#include "store/store.h"

namespace sphere::testing {

// Where the world lives: $SPHERE_API_WORLD, else <build>/test_worlds/api.
std::filesystem::path ApiWorldDir();

// Builds the world into `dir` unless a complete one of this layout is there.
Status BuildApiWorld(const std::filesystem::path& dir);

class ApiWorld {
 public:
  // FailedPrecondition naming `api_world_setup` when the world was not built.
  static Result<std::unique_ptr<ApiWorld>> Open(api::ApiOptions options = {});
  ~ApiWorld();

  api::Api& api() { return *api_; }
  Store& store() { return *store_; }  // on the copy, for arranging data
  const std::filesystem::path& dir() const { return copy_dir_; }

  // Creates a user; returns its API key.
  Result<std::string> AddUser(const std::string& name, Role role);

  api::Response Send(api::Method method, const std::string& target, const std::string& body = "",
                     const std::string& key = "",
                     std::vector<std::pair<std::string, std::string>> headers = {});

  // Rules, evaluation after ingests, the live-stream hub (polling every 50 ms) and the webhook
  // sender (first retry after 1 s, 3 attempts), as `sphere serve` wires them.
  service::AlertService& alerts() { return *alerts_; }
  service::AlertHub& alert_hub() { return *hub_; }
  service::WebhookSender& webhooks() { return *webhooks_; }

  // A creator of the world with posts, snapshots and a stored value: "instagram/<handle>".
  std::string CreatorWithHistory() const { return creator_with_history_; }

 private:
  ApiWorld() = default;
  std::filesystem::path copy_dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<service::StorePool> stores_;
  std::unique_ptr<service::ModelSet> models_;
  std::unique_ptr<service::CreatorDirectory> directory_;
  std::unique_ptr<service::ValueRanking> ranking_;
  std::unique_ptr<service::CreatorCache> creators_;
  std::unique_ptr<features::PostFeaturizer> featurizer_;
  std::unique_ptr<features::ImageFeaturizer> images_;
  std::unique_ptr<service::AlertHub> hub_;
  std::unique_ptr<service::WebhookSender> webhooks_;
  std::unique_ptr<service::AlertService> alerts_;
  std::unique_ptr<api::Api> api_;
  std::string creator_with_history_;
};

}  // namespace sphere::testing
