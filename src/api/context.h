// What every handler reaches: the stores, the models, the creator directory and cache, the
// featurizers and the server's options. Owned by app wiring (cli/serve_command.cc); handlers
// hold references for the length of one call.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>

#include "core/time.h"
#include "features/post/post_features.h"
#include "features/visual/visual_features.h"
#include "service/alert_service.h"
#include "service/creator_cache.h"
#include "service/creator_directory.h"
#include "service/model_set.h"
#include "service/store_pool.h"
#include "service/value_ranking.h"

namespace sphere::api {

struct ApiOptions {
  double rate_limit_per_second = 50;  // per API key; <= 0: no limit
  double rate_limit_burst = 100;
  std::chrono::seconds auth_ttl{30};  // how long a resolved key is trusted before re-reading
  // Where the seed's mock_image_path may point (paths are taken relative to it and may not
  // leave it); empty: the server reads no image paths.
  std::filesystem::path image_root;
  size_t image_limit = 10 << 20;  // bytes of one image (upload or file)
};

class Metrics;

class ApiContext {
 public:
  service::StorePool& stores;
  service::ModelSet& models;
  service::CreatorDirectory& directory;
  service::ValueRanking& ranking;
  service::CreatorCache& creators;
  const features::PostFeaturizer& featurizer;
  const features::ImageFeaturizer* images;  // null when image features could not load
  ApiOptions options;
  std::function<UnixSeconds()> clock = [] {
    return static_cast<UnixSeconds>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
  };
  Metrics* metrics = nullptr;  // set by Api
  // Rules, evaluation after ingests, live streams and webhooks; null on a server without
  // alerts (the alert routes then answer 503).
  service::AlertService* alerts = nullptr;
};

}  // namespace sphere::api
