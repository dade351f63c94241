// `sphere train niche`: train and evaluate the niche classifier, save and register it,
// then infer a niche for every creator in the store.
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "cli/progress.h"
#include "features/assets.h"
#include "features/post/post_features.h"
#include "service/niche_service.h"
#include "service/plep_service.h"
#include "store/store.h"

namespace sphere::cli {
namespace {

struct TrainNicheArgs {
  std::string models_dir = "var/models";
  int seed = 1;
  bool if_absent = false;
  std::string grid = "full";
  int max_epochs = 0;
  int threads = 1;
};

Status RunTrainNiche(const GlobalOptions& global, const TrainNicheArgs& args) {
  SPHERE_ASSIGN_OR_RETURN(auto store, OpenStore(global.store_url));
  service::TrainNicheOptions options;
  options.models_dir = args.models_dir;
  options.seed = args.seed;
  options.if_absent = args.if_absent;
  options.grid = args.grid;
  options.max_epochs = args.max_epochs;
  options.threads = args.threads;
  options.now = static_cast<UnixSeconds>(std::time(nullptr));

  const auto started = std::chrono::steady_clock::now();
  fmt::print("training the niche classifier on {}\n", RedactStoreUrl(global.store_url));
  StageProgress progress;
  Result<service::TrainNicheReport> result = service::TrainNiche(
      *store, options,
      [&](std::string_view stage, int64_t done, int64_t total) { progress(stage, done, total); });
  progress.Finish();
  SPHERE_RETURN_IF_ERROR(result.status());
  const service::TrainNicheReport& r = *result;
  if (r.skipped) {
    fmt::print("niche model {} already exists at {}; nothing to do (--if-absent)\n", r.version,
               r.model_dir.string());
    return Status::Ok();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print("trained on {} posts of {} creators (Kim et al.), split by creator\n",
             WithThousands(r.training_posts), WithThousands(r.training_creators));
  fmt::print("{}", r.metrics_table);
  fmt::print("model {} saved to {} and registered\n", r.version, r.model_dir.string());
  const service::NicheCoverage& c = r.coverage;
  fmt::print(
      "inferred niches: {} creators: {} by the classifier (captions/descriptions), {} from "
      "their source category, {} from their handle and display name (neither posts nor a "
      "category)\n",
      WithThousands(c.creators), WithThousands(c.by_classifier), WithThousands(c.by_category),
      WithThousands(c.by_profile));
  for (const auto& [niche, n] : c.by_niche)
    fmt::print("  {:<16} {:>10}\n", niche, WithThousands(n));
  fmt::print("done in {:.1f}s, peak memory {:.1f} MiB\n", seconds, PeakMiB());
  return Status::Ok();
}

struct TrainPlepArgs {
  std::string models_dir = "var/models";
  std::string assets;
  int seed = 1;
  // XGBoost's OpenMP threads spin while they wait: beside any other busy process on a
  // 2-core machine, 2 threads ran 8x slower than 1 here. One is the safe default.
  int threads = 1;
  bool if_absent = false;
  std::string grid = "full";
  int max_rounds = 3000;
};

Status RunTrainPlep(const GlobalOptions& global, const TrainPlepArgs& args) {
  SPHERE_ASSIGN_OR_RETURN(auto store, OpenStore(global.store_url));
  const features::AssetDir assets = features::AssetDir::Locate(args.assets);
  SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<features::PostFeaturizer> featurizer,
                          features::PostFeaturizer::Create(assets));
  service::TrainPlepOptions options;
  options.models_dir = args.models_dir;
  options.if_absent = args.if_absent;
  options.train.seed = args.seed;
  options.train.threads = args.threads;
  options.train.grid = args.grid;
  options.train.max_rounds = args.max_rounds;
  options.train.now = static_cast<UnixSeconds>(std::time(nullptr));

  const auto started = std::chrono::steady_clock::now();
  fmt::print("training the PLEP model on {}\n", RedactStoreUrl(global.store_url));
  StageProgress progress;
  Result<service::TrainPlepReport> result = service::TrainPlep(
      *store, *featurizer, options,
      [&](std::string_view stage, int64_t done, int64_t total) { progress(stage, done, total); });
  progress.Finish();
  SPHERE_RETURN_IF_ERROR(result.status());
  const service::TrainPlepReport& r = *result;
  if (r.skipped) {
    fmt::print("PLEP model {} already exists at {}; nothing to do (--if-absent)\n", r.version,
               r.model_dir.string());
    return Status::Ok();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print(
      "{} posts with a time, likes and comments ({} without a time and {} without counts left "
      "out); features in {:.1f}s\n",
      WithThousands(r.posts), WithThousands(r.skipped_undated), WithThousands(r.skipped_unscored),
      r.feature_seconds);
  fmt::print("{}", r.metrics_table);
  fmt::print("model {} saved to {} and registered\n", r.version, r.model_dir.string());
  fmt::print("done in {:.1f}s, peak memory {:.1f} MiB\n", seconds, PeakMiB());
  return Status::Ok();
}

}  // namespace

void AddTrainCommand(CLI::App& app, const GlobalOptions& global, Action& action) {
  CLI::App* train = app.add_subcommand("train", "Train a model (niche, plep, value)");
  train->require_subcommand(1);
  auto args = std::make_shared<TrainNicheArgs>();
  CLI::App* cmd = train->add_subcommand(
      "niche",
      "Train the niche classifier on the store's Kim et al. posts (split by creator, tuned on "
      "validation, scored once on test against two baselines), save it under "
      "MODELS/niche/<version>, register it, and infer a niche for every creator "
      "(docs/niche-classifier.md)");
  cmd->add_option("--models", args->models_dir, "Models directory")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Random seed of fastText")->capture_default_str();
  cmd->add_flag("--if-absent", args->if_absent,
                "Do nothing (exit 0) when a niche model is already registered and loads");
  cmd->add_option("--grid", args->grid,
                  "Hyper-parameter grid: full (the model card's) or small (one fastText "
                  "configuration, for smoke runs and tests)")
      ->check(CLI::IsMember({"full", "small"}))
      ->capture_default_str();
  cmd->add_option("--max-epochs", args->max_epochs, "Cap fastText's epochs (0: no cap)")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  cmd->add_option("--threads", args->threads,
                  "fastText training threads; more than 1 is faster but not reproducible")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->callback([&global, &action, args] {
    action = [&global, args] { return RunTrainNiche(global, *args); };
  });

  auto plep_args = std::make_shared<TrainPlepArgs>();
  CLI::App* plep = train->add_subcommand(
      "plep",
      "Train the PLEP model (XGBoost) on the store's posts with likes and comments: split by "
      "creator (and by time for a second score), early stopping on validation, an 80% "
      "conformal range, scored once on held-out creators against naive baselines; saved "
      "under MODELS/plep/<version> and registered (docs/plep-model-card.md)");
  plep->add_option("--models", plep_args->models_dir, "Models directory")->capture_default_str();
  plep->add_option("--assets", plep_args->assets,
                   "Asset directory (default: $SPHERE_ASSETS, else var/assets)");
  plep->add_option("--seed", plep_args->seed, "Random seed of XGBoost's sampling")
      ->capture_default_str();
  plep->add_option("--threads", plep_args->threads,
                   "XGBoost threads (the model does not depend on it; more is faster only on "
                   "otherwise idle cores)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  plep->add_flag("--if-absent", plep_args->if_absent,
                 "Do nothing (exit 0) when a PLEP model is already registered and loads");
  plep->add_option("--grid", plep_args->grid,
                   "Hyper-parameter grid: full (the model card's) or small (one configuration)")
      ->check(CLI::IsMember({"full", "small"}))
      ->capture_default_str();
  plep->add_option("--max-rounds", plep_args->max_rounds,
                   "Cap on boosting rounds (early stopping usually ends sooner)")
      ->check(CLI::Range(10, 100000))
      ->capture_default_str();
  plep->callback([&global, &action, plep_args] {
    action = [&global, plep_args] { return RunTrainPlep(global, *plep_args); };
  });
}

}  // namespace sphere::cli
