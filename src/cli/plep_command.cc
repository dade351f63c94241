// `sphere predict-posts` (score a post file with the PLEP model) and `sphere diagnose`
// (one draft: prediction, range, drivers, what-ifs). Thin over service/plep_service.
#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "core/time.h"
#include "features/assets.h"
#include "features/post/post_features.h"
#include "model/explain/drivers.h"
#include "service/plep_service.h"
#include "store/store.h"

namespace sphere::cli {
namespace {

// The model: --model DIR, else the store's latest registered one.
Result<std::shared_ptr<const plep::PlepModel>> LoadModel(Store& store, const std::string& dir) {
  if (!dir.empty()) {
    Result<std::shared_ptr<const plep::PlepModel>> model = plep::PlepModel::Load(dir);
    if (!model.ok()) return model.status().WithContext("--model " + dir);
    return model;
  }
  return service::LoadCurrentPlep(store);
}

struct PredictPostsFlags {
  std::string in;
  std::string out;
  std::string format;
  std::string model;
  std::string assets;
};

Status RunPredictPosts(const GlobalOptions& global, const PredictPostsFlags& flags) {
  SPHERE_ASSIGN_OR_RETURN(auto store, OpenStore(global.store_url));
  SPHERE_ASSIGN_OR_RETURN(std::shared_ptr<const plep::PlepModel> model,
                          LoadModel(*store, flags.model));
  const features::AssetDir assets = features::AssetDir::Locate(flags.assets);
  SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<features::PostFeaturizer> featurizer,
                          features::PostFeaturizer::Create(assets));
  Result<service::PredictPostsReport> result = service::PredictPostsFile(
      *model, *featurizer, store.get(), flags.in, flags.out, flags.format);
  if (!result.ok()) return result.status().WithContext("--in " + flags.in);
  const service::PredictPostsReport& r = *result;
  for (const std::string& reject : r.rejects) fmt::print(stderr, "rejected: {}\n", reject);
  fmt::print("scored {} posts of {} with PLEP model {} in {:.1f}s -> {}\n", WithThousands(r.posts),
             flags.in, model->version(), r.seconds, flags.out);
  if (r.without_time > 0) {
    fmt::print("  {} posts have no time: scored without history (nothing is 'before' them)\n",
               WithThousands(r.without_time));
  }
  if (r.rows_rejected > 0) {
    fmt::print("  {} rows of the file were rejected by the importer (listed on stderr)\n",
               WithThousands(r.rows_rejected));
  }
  if (r.scored_with_actuals > 0) {
    fmt::print(
        "  on the {} posts with likes and comments in the file: Spearman {:.3f}, MAE {:.3f} of "
        "ln(1 + likes + comments), {:.1f}% inside the {:.0f}% range\n"
        "  (when the file holds posts the model was trained on, such as the bundled Kim posts, "
        "these figures flatter it: the model card's held-out figures are the honest ones)\n",
        WithThousands(r.scored_with_actuals), r.spearman, r.mae, r.coverage * 100,
        model->range_level() * 100);
  }
  return Status::Ok();
}

struct DiagnoseFlags {
  DraftArgs draft = [] {
    DraftArgs d;
    d.age_days = service::kSettledAgeDays;
    return d;
  }();
  std::string model;
  bool json = false;
};

nlohmann::ordered_json DriverJson(const explain::Driver& d) {
  return {{"group", d.group},
          {"label", d.label},
          {"contribution", d.contribution},
          {"effect", explain::FormatEffect(d.contribution)}};
}

void PrintDiagnosis(const service::Diagnosis& d, const service::DraftRequest& request,
                    double range_level) {
  const plep::PlepPrediction& p = d.explanation.prediction;
  fmt::print("PLEP for {} on {}, posted {}, counted {:.0f} days later (model {})\n", request.handle,
             ToString(*request.platform), FormatIsoTime(request.at),
             request.draft.age_days.value_or(0), d.model_version);
  fmt::print("  predicted engagement  {} (likes {}, comments {})\n",
             explain::FormatCount(std::round(p.engagement)),
             explain::FormatCount(std::round(p.likes)),
             explain::FormatCount(std::round(p.comments)));
  fmt::print("  {:.0f}% range           {} .. {}\n", range_level * 100,
             explain::FormatCount(std::round(p.low)), explain::FormatCount(std::round(p.high)));
  if (p.engagement_rate) {
    fmt::print("  engagement rate       {:.2f}%\n", *p.engagement_rate * 100);
  }
  for (const std::string& warning : d.warnings) fmt::print("  note: {}\n", warning);
  const explain::TopDrivers top = explain::Top(d.drivers, 4);
  fmt::print("what raises it\n");
  for (const explain::Driver& driver : top.positive) {
    fmt::print("  {:>7}  {}\n", explain::FormatEffect(driver.contribution), driver.label);
  }
  fmt::print("what holds it back\n");
  for (const explain::Driver& driver : top.negative) {
    fmt::print("  {:>7}  {}\n", explain::FormatEffect(driver.contribution), driver.label);
  }
  fmt::print("what-ifs (each re-scored by the model)\n");
  for (const service::WhatIf& w : d.what_ifs) {
    fmt::print("  {:>+6.1f}%  {:>8}  {}\n", w.change * 100,
               explain::FormatCount(std::round(w.engagement)), w.description);
  }
}

Status RunDiagnose(const GlobalOptions& global, const DiagnoseFlags& flags) {
  const features::AssetDir assets = features::AssetDir::Locate(flags.draft.assets);
  SPHERE_ASSIGN_OR_RETURN(service::DraftRequest request, DraftRequestOf(flags.draft, assets));
  SPHERE_ASSIGN_OR_RETURN(auto store, OpenStore(global.store_url));
  SPHERE_ASSIGN_OR_RETURN(std::shared_ptr<const plep::PlepModel> model,
                          LoadModel(*store, flags.model));
  SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<features::PostFeaturizer> featurizer,
                          features::PostFeaturizer::Create(assets));
  SPHERE_ASSIGN_OR_RETURN(service::Diagnosis d,
                          service::Diagnose(*store, *model, *featurizer, request));
  if (!flags.json) {
    PrintDiagnosis(d, request, model->range_level());
    return Status::Ok();
  }
  const plep::PlepPrediction& p = d.explanation.prediction;
  nlohmann::ordered_json j;
  j["creator"] = request.handle;
  j["platform"] = ToString(*request.platform);
  j["at"] = FormatIsoTime(request.at);
  j["model_version"] = d.model_version;
  j["prediction"] = {{"engagement", p.engagement},
                     {"likes", p.likes},
                     {"comments", p.comments},
                     {"range", {{"level", model->range_level()}, {"low", p.low}, {"high", p.high}}},
                     {"log_engagement", p.log_engagement}};
  if (p.engagement_rate) j["prediction"]["engagement_rate"] = *p.engagement_rate;
  j["bias"] = d.explanation.bias;
  j["warnings"] = d.warnings;
  const explain::TopDrivers top = explain::Top(d.drivers, 4);
  j["top_positive"] = nlohmann::ordered_json::array();
  for (const auto& driver : top.positive) j["top_positive"].push_back(DriverJson(driver));
  j["top_negative"] = nlohmann::ordered_json::array();
  for (const auto& driver : top.negative) j["top_negative"].push_back(DriverJson(driver));
  j["drivers"] = nlohmann::ordered_json::array();
  for (const auto& driver : d.drivers) j["drivers"].push_back(DriverJson(driver));
  j["what_ifs"] = nlohmann::ordered_json::array();
  for (const service::WhatIf& w : d.what_ifs) {
    j["what_ifs"].push_back({{"edit", w.edit},
                             {"description", w.description},
                             {"engagement", w.engagement},
                             {"change", w.change}});
  }
  fmt::print("{}\n", j.dump(2));
  return Status::Ok();
}

}  // namespace

void AddPlepCommands(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto predict = std::make_shared<PredictPostsFlags>();
  CLI::App* cmd = app.add_subcommand(
      "predict-posts",
      "Score every post of a file the importer reads with the PLEP model; each post's history "
      "is its creator's EARLIER posts in the file. Writes CSV: post_id, platform, creator, "
      "posted_at, predicted likes/comments/engagement/engagement rate, range low/high, and "
      "the file's own likes/comments");
  cmd->add_option("--in", predict->in, "A post file (any format `sphere import` reads)")
      ->required();
  cmd->add_option("--out", predict->out, "The CSV to write")->required();
  cmd->add_option("--format", predict->format, "Force the input format (default: detect)");
  cmd->add_option("--model", predict->model,
                  "A PLEP model directory (default: the store's latest registered model)");
  cmd->add_option("--assets", predict->assets,
                  "Asset directory (default: $SPHERE_ASSETS, else var/assets)");
  cmd->callback([&global, &action, predict] {
    action = [&global, predict] { return RunPredictPosts(global, *predict); };
  });

  auto diagnose = std::make_shared<DiagnoseFlags>();
  CLI::App* d = app.add_subcommand(
      "diagnose",
      "A draft post for a creator in the store: predicted engagement with its range, the "
      "drivers that raise and lower it, and what-ifs re-scored by the model");
  AddDraftOptions(d, diagnose->draft, "Handle of a creator in the store (required)");
  d->add_option("--model", diagnose->model, "A PLEP model directory (default: the latest)");
  d->add_flag("--json", diagnose->json, "Print JSON");
  d->callback([&global, &action, diagnose] {
    if (diagnose->draft.creator.empty()) throw CLI::RequiredError("--creator");
    if (diagnose->draft.caption.empty() && diagnose->draft.image.empty() &&
        diagnose->draft.image_description.empty()) {
      throw CLI::RequiredError("--caption (or --image / --image-description)");
    }
    action = [&global, diagnose] { return RunDiagnose(global, *diagnose); };
  });
}

}  // namespace sphere::cli
