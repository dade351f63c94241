// `sphere train value`, `sphere value` and `sphere rank`: the Market Value from the command
// line, thin over service/value_service (docs/market-value.md).
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "core/niche.h"
#include "core/time.h"
#include "market/rank_index.h"
#include "market/rate_card.h"
#include "model/explain/drivers.h"
#include "service/value_service.h"
#include "store/store.h"

namespace sphere::cli {
namespace {

using json = nlohmann::json;

struct TrainValueArgs {
  std::string models_dir = "var/models";
  int seed = 1;
  int threads = 1;
  int max_rounds = 2000;
  bool if_absent = false;
};

Status RunTrainValue(const GlobalOptions& global, const TrainValueArgs& args) {
  SPHERE_ASSIGN_OR_RETURN(auto store, OpenStore(global.store_url));
  service::TrainValueOptions options;
  options.models_dir = args.models_dir;
  options.if_absent = args.if_absent;
  options.train.seed = args.seed;
  options.train.threads = args.threads;
  options.train.max_rounds = args.max_rounds;
  options.train.now = static_cast<UnixSeconds>(std::time(nullptr));
  const auto started = std::chrono::steady_clock::now();
  fmt::print("training the Market Value model on {}\n", RedactStoreUrl(global.store_url));
  StageProgress progress;
  Result<service::TrainValueReport> result = service::TrainValueModel(
      *store, options,
      [&](std::string_view stage, int64_t done, int64_t total) { progress(stage, done, total); });
  progress.Finish();
  SPHERE_RETURN_IF_ERROR(result.status());
  const service::TrainValueReport& r = *result;
  if (r.skipped) {
    fmt::print("Market Value model {} already exists at {}; nothing to do (--if-absent)\n",
               r.version, r.model_dir.string());
    return Status::Ok();
  }
  fmt::print("{} creator histories, {} examples\n\n{}\n", WithThousands(r.histories),
             WithThousands(r.examples), r.report);
  fmt::print("model {} saved to {} and registered\n", r.version, r.model_dir.string());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print("done in {:.1f}s, peak memory {:.1f} MiB\n", seconds, PeakMiB());
  return Status::Ok();
}

struct ValueArgs {
  std::string creator;
  std::string as_of;
  int horizon = 30;
  std::string out;
  std::string rate_card = "config/rate_card.json";
  bool json = false;
  bool no_store = false;
  bool history = false;
};

// `sphere value --creator H --history`: the stored values of one creator, oldest as-of first
// (what a value chart plots). Reads the store only: no model is needed.
Status PrintHistory(const GlobalOptions& global, const ValueArgs& args) {
  if (args.creator.empty()) return InvalidArgument("--history: needs --creator");
  std::string handle = args.creator;
  std::vector<Platform> platforms = {Platform::kInstagram, Platform::kTikTok, Platform::kYouTube};
  if (const size_t slash = handle.find('/'); slash != std::string::npos) {
    Result<Platform> platform = ParsePlatform(handle.substr(0, slash));
    if (!platform.ok()) return InvalidArgument("--creator: " + platform.status().message());
    platforms = {*platform};
    handle = handle.substr(slash + 1);
  }
  SPHERE_ASSIGN_OR_RETURN(auto store, OpenStore(global.store_url));
  std::vector<Creator> found;
  for (Platform p : platforms) {
    SPHERE_ASSIGN_OR_RETURN(std::optional<Creator> c, store->FindCreator(p, NormalizeHandle(handle)));
    if (c) found.push_back(*c);
  }
  if (found.empty()) return NotFound("--creator: '" + args.creator + "' is not in the store");
  if (found.size() > 1) {
    return InvalidArgument("--creator: '" + args.creator +
                           "' is on more than one platform; write PLATFORM/HANDLE");
  }
  SPHERE_ASSIGN_OR_RETURN(std::vector<MarketValue> values, store->MarketValuesOf(found[0].id));
  if (args.json) {
    json out = json::array();
    for (const MarketValue& v : values) {
      out.push_back({{"as_of", FormatIsoTime(v.as_of)}, {"computed_at", FormatIsoTime(v.computed_at)},
                     {"model_version", v.model_version}, {"horizon_days", v.horizon_days},
                     {"fee", {v.fee_low, v.fee_mid, v.fee_high}}, {"score", v.score},
                     {"momentum", v.momentum}, {"engagement_per_post", v.engagement_per_post}});
    }
    fmt::print("{}\n", out.dump(2));
    return Status::Ok();
  }
  fmt::print("{} @{}: {} stored values\n", ToString(found[0].platform), found[0].handle,
             values.size());
  fmt::print("{:<11} {:<21} {:>4} {:>12} {:>22} {:>6} {:>9}  {}\n", "as of", "computed", "days",
             "fee", "range", "score", "momentum", "model");
  for (const MarketValue& v : values) {
    fmt::print("{:<11} {:<21} {:>4} {:>12} {:>22} {:>6.1f} {:>+8.1f}%  {}\n",
               FormatIsoTime(v.as_of).substr(0, 10), FormatIsoTime(v.computed_at),
               v.horizon_days, fmt::format("${:.0f}", v.fee_mid),
               fmt::format("${:.0f}..${:.0f}", v.fee_low, v.fee_high), v.score, 100 * v.momentum,
               v.model_version);
  }
  return Status::Ok();
}

std::string Money(double v, const std::string& currency) {
  return currency == "USD" ? fmt::format("${:.0f}", v) : fmt::format("{:.0f} {}", v, currency);
}

void PrintOne(const MarketValue& v, const std::string& currency) {
  const json evidence = json::parse(v.evidence_json);
  fmt::print("{} @{} as of {} ({}-day horizon), model {}\n", ToString(v.platform),
             v.creator_handle, FormatIsoTime(v.as_of), v.horizon_days, v.model_version);
  fmt::print("  niche {}, tier {}, followers {}\n", v.niche.empty() ? "unknown" : v.niche,
             v.tier.empty() ? "unknown" : v.tier,
             v.followers ? explain::FormatCount(static_cast<double>(*v.followers)) : "unknown");
  fmt::print("  engagement per post  {} (80%: {} .. {})\n", explain::FormatCount(v.engagement_per_post),
             explain::FormatCount(v.engagement_low), explain::FormatCount(v.engagement_high));
  if (v.views_per_post) {
    fmt::print("  views per post       {} (80%: {} .. {})\n", explain::FormatCount(*v.views_per_post),
               explain::FormatCount(*v.views_low), explain::FormatCount(*v.views_high));
  }
  if (v.follower_gain) {
    fmt::print("  follower gain        {:+.0f} (80%: {:+.0f} .. {:+.0f})\n", *v.follower_gain,
               *v.follower_gain_low, *v.follower_gain_high);
  }
  const json& fee = evidence["fee"];
  fmt::print("  fee per sponsored {}  {} (range {} .. {}), {} at {} x niche {}\n", v.format,
             Money(v.fee_mid, currency), Money(v.fee_low, currency), Money(v.fee_high, currency),
             fee["basis"].get<std::string>(), fee["rate"].get<double>(),
             fee["multiplier"].get<double>());
  fmt::print("  score {:.1f}/100 on {}{}, momentum {:+.1f}%\n", v.score, ToString(v.platform),
             v.niche_score ? fmt::format(", {:.1f} within {}", *v.niche_score, v.niche) : "",
             100 * v.momentum);
  fmt::print("  inputs:\n");
  for (const json& o : evidence["inputs"]["observations"]) {
    std::string line = "    " + o["at"].get<std::string>().substr(0, 10) + " " +
                       o["source"].get<std::string>();
    for (const char* field : {"followers", "engagement_per_post", "views_per_post", "followers_gain"}) {
      if (o.contains(field)) line += fmt::format(" {}={}", field, explain::FormatCount(o[field].get<double>()));
    }
    fmt::print("{}\n", line);
  }
  if (evidence["inputs"].contains("posts")) {
    fmt::print("    {} posts\n", evidence["inputs"]["posts"]["count"].get<int>());
  }
  fmt::print("  comparable creators (same platform and niche):\n");
  for (const json& c : evidence["comparables"]) {
    fmt::print("    @{:<28} fee {:>8}  score {:5.1f}  followers {}\n", c["handle"].get<std::string>(),
               Money(c["fee_mid"].get<double>(), currency), c["score"].get<double>(),
               c["followers"].is_null() ? "?" : explain::FormatCount(c["followers"].get<double>()));
  }
  fmt::print("  what moves the engagement forecast:\n");
  for (const json& c : evidence["contributions"]) {
    fmt::print("    {:<30} {}\n", c["feature"].get<std::string>(), c["effect"].get<std::string>());
  }
}

Status RunValue(const GlobalOptions& global, const ValueArgs& args) {
  if (args.history) return PrintHistory(global, args);
  // Flags first: a typo is reported before the store or the model is touched.
  service::ValueOptions options;
  if (!args.creator.empty()) options.creator = args.creator;
  if (!args.as_of.empty()) {
    SPHERE_ASSIGN_OR_RETURN(UnixSeconds at, ParseAt(args.as_of, "--as-of"));
    options.as_of = at;
  }
  SPHERE_ASSIGN_OR_RETURN(market::RateCard card, market::LoadRateCard(args.rate_card));
  SPHERE_ASSIGN_OR_RETURN(auto store, OpenStore(global.store_url));
  SPHERE_ASSIGN_OR_RETURN(auto model, service::LoadCurrentValueModel(*store));
  options.horizon_days = args.horizon;
  options.write_store = !args.no_store;
  options.now = static_cast<UnixSeconds>(std::time(nullptr));
  const auto started = std::chrono::steady_clock::now();

  // Every creator without --json: the values stream into the CSV (or are only counted) as
  // the service stores them, rather than all being held (1M values with evidence are GBs).
  // The CSV is written beside --out and renamed at the end, so a failed run leaves no
  // truncated file that looks complete.
  const bool stream = !options.creator && !args.json;
  const std::string partial = args.out + ".partial";
  std::ofstream csv;
  std::string buffer;
  int64_t rows = 0;
  auto flush_csv = [&]() -> Status {
    csv.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    buffer.clear();
    return csv ? Status::Ok() : Unavailable(partial + ": cannot write");
  };
  if (stream) {
    if (!args.out.empty()) {
      csv.open(partial, std::ios::binary | std::ios::trunc);
      if (!csv) return Unavailable(partial + ": cannot write");
      buffer = service::ValuesCsvHeader();
    }
    options.on_value = [&](const MarketValue& v) -> Status {
      ++rows;
      if (args.out.empty()) return Status::Ok();
      service::AppendValuesCsvRow(buffer, v);
      return buffer.size() >= (1 << 20) ? flush_csv() : Status::Ok();
    };
  }
  StageProgress progress;
  Result<service::ValueRun> result = service::ValueCreators(
      *store, *model, card, options, [&](std::string_view stage, int64_t done, int64_t total) {
        if (!options.creator && !args.json) progress(stage, done, total);
      });
  progress.Finish();
  if (!result.ok()) {
    if (csv.is_open()) {
      csv.close();
      std::error_code ignored;
      std::filesystem::remove(partial, ignored);
    }
    return result.status();
  }
  const service::ValueRun& run = *result;
  if (!args.out.empty()) {
    if (stream) {
      SPHERE_RETURN_IF_ERROR(flush_csv());
      csv.close();
      if (!csv) return Unavailable(partial + ": cannot write");
      std::error_code error;
      std::filesystem::rename(partial, args.out, error);
      if (error) return Unavailable(args.out + ": cannot write: " + error.message());
    } else {
      std::ofstream out(args.out, std::ios::binary | std::ios::trunc);
      out << service::ValuesCsv(run.values);
      if (!out) return Unavailable(args.out + ": cannot write");
      rows = static_cast<int64_t>(run.values.size());
    }
  }
  if (args.json) {
    json values = json::array();
    for (const MarketValue& v : run.values) {
      values.push_back({{"platform", ToString(v.platform)}, {"handle", v.creator_handle},
                        {"as_of", FormatIsoTime(v.as_of)}, {"horizon_days", v.horizon_days},
                        {"model_version", v.model_version}, {"niche", v.niche},
                        {"tier", v.tier}, {"format", v.format},
                        {"engagement_per_post", {v.engagement_low, v.engagement_per_post, v.engagement_high}},
                        {"fee", {v.fee_low, v.fee_mid, v.fee_high}}, {"score", v.score},
                        {"momentum", v.momentum}, {"evidence", json::parse(v.evidence_json)}});
    }
    fmt::print("{}\n", values.dump(2));
    return Status::Ok();
  }
  if (options.creator) {
    PrintOne(run.values.front(), card.currency);
  } else {
    int64_t skipped = 0;
    for (const auto& [reason, n] : run.skipped) skipped += n;
    fmt::print("{} creators valued with model {} ({} left out)\n", WithThousands(run.valued),
               model->version(), WithThousands(skipped));
    for (const auto& [reason, n] : run.skipped) fmt::print("  {}: {}\n", reason, WithThousands(n));
    for (const auto& [platform, r] : run.fee_followers_r) {
      fmt::print("  {}: ln(fee) vs ln(followers) r = {:.3f} over {} creators (followers explain "
                 "{:.0f}% of the variance)\n",
                 platform, r.first, WithThousands(r.second), 100 * r.first * r.first);
    }
    for (const service::CrossCheck& c : run.cross_checks) {
      fmt::print("  cross-check {}: Spearman {:.3f} (followers alone {:.3f}) over {} creators\n",
                 c.name, c.value_spearman, c.followers_spearman, WithThousands(c.n));
    }
  }
  if (!args.out.empty()) fmt::print("{} rows written to {}\n", WithThousands(rows), args.out);
  if (options.write_store && !options.creator) {
    fmt::print("values stored with model {} ({})\n", model->version(), RedactStoreUrl(global.store_url));
  }
  if (!options.creator) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    fmt::print("done in {:.1f}s, peak memory {:.1f} MiB\n", seconds, PeakMiB());
  }
  return Status::Ok();
}

struct RankArgs {
  std::string platform;
  std::string niche;
  std::optional<int64_t> min_followers, max_followers;
  std::string sort = "value";
  int limit = 20;
  bool json = false;
};

Status RunRank(const GlobalOptions& global, const RankArgs& args) {
  market::RankQuery query;
  if (!args.platform.empty()) {
    Result<Platform> platform = ParsePlatform(args.platform);
    if (!platform.ok()) return InvalidArgument("--platform: " + platform.status().message());
    query.platform = *platform;
  }
  if (!args.niche.empty()) query.niche = args.niche;
  query.min_followers = args.min_followers;
  query.max_followers = args.max_followers;
  query.sort = args.sort == "momentum" ? market::RankSort::kMomentum : market::RankSort::kValue;
  query.limit = args.limit;
  SPHERE_ASSIGN_OR_RETURN(auto store, OpenStore(global.store_url));
  SPHERE_ASSIGN_OR_RETURN(std::vector<MarketValue> values, service::RankStoredValues(*store, query));
  if (args.json) {
    json out = json::array();
    for (const MarketValue& v : values) {
      out.push_back({{"platform", ToString(v.platform)}, {"handle", v.creator_handle},
                     {"niche", v.niche}, {"followers", v.followers ? json(*v.followers) : json(nullptr)},
                     {"fee_mid", v.fee_mid}, {"score", v.score}, {"momentum", v.momentum},
                     {"as_of", FormatIsoTime(v.as_of)}, {"model_version", v.model_version}});
    }
    fmt::print("{}\n", out.dump(2));
    return Status::Ok();
  }
  if (values.empty()) {
    fmt::print("no stored value matches (run `sphere value` first if none are stored)\n");
    return Status::Ok();
  }
  fmt::print("{:>3}  {:<10} {:<30} {:<22} {:>10} {:>10} {:>6} {:>9}\n", "#", "platform", "handle",
             "niche", "followers", "fee", "score", "momentum");
  int rank = 0;
  for (const MarketValue& v : values) {
    fmt::print("{:>3}  {:<10} {:<30} {:<22} {:>10} {:>10} {:>6.1f} {:>+8.1f}%\n", ++rank,
               ToString(v.platform), v.creator_handle, v.niche,
               v.followers ? explain::FormatCount(static_cast<double>(*v.followers)) : "?",
               fmt::format("${:.0f}", v.fee_mid), v.score, 100 * v.momentum);
  }
  return Status::Ok();
}

}  // namespace

void AddValueCommands(CLI::App& app, const GlobalOptions& global, Action& action) {
  CLI::App* train = app.get_subcommand("train");
  auto train_args = std::make_shared<TrainValueArgs>();
  CLI::App* t = train->add_subcommand(
      "value",
      "Train the Market Value forecaster (XGBoost) on the store's time series (smi2022 months, "
      "Social Blade weeks, creators' posts): a rolling-origin backtest held out by creator and "
      "time against naive baselines, an 80% conformal range; saved under "
      "MODELS/value/<version> with backtest.md and registered (docs/market-value.md)");
  t->add_option("--models", train_args->models_dir, "Models directory")->capture_default_str();
  t->add_option("--seed", train_args->seed, "Random seed of XGBoost's sampling")->capture_default_str();
  t->add_option("--threads", train_args->threads, "XGBoost threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  t->add_option("--max-rounds", train_args->max_rounds, "Cap on boosting rounds")
      ->check(CLI::Range(10, 100000))
      ->capture_default_str();
  t->add_flag("--if-absent", train_args->if_absent,
              "Do nothing (exit 0) when a Market Value model is already registered and loads");
  t->callback([&global, &action, train_args] {
    action = [&global, train_args] { return RunTrainValue(global, *train_args); };
  });

  auto value_args = std::make_shared<ValueArgs>();
  CLI::App* v = app.add_subcommand(
      "value",
      "Value every creator in the store (or one) as of a date: forecast engagement/views per "
      "post and follower gain over the horizon with 80% ranges, the fee per sponsored post from "
      "the rate card, a 0-100 score within platform and niche, tier, momentum, and evidence "
      "(inputs, 5 comparable creators, contributions). Values are stored with the model "
      "version (docs/market-value.md)");
  v->add_option("--creator", value_args->creator,
                "One creator: HANDLE or PLATFORM/HANDLE (scores still rank against everyone)");
  v->add_option("--as-of", value_args->as_of,
                "Cut every history here (2022-09-15, ISO time or unix seconds); default: each "
                "creator's latest observation");
  v->add_option("--horizon", value_args->horizon, "Forecast horizon in days")
      ->check(CLI::Range(1, 365))
      ->capture_default_str();
  v->add_option("--out", value_args->out, "Write the values as CSV, one row per creator");
  v->add_option("--rate-card", value_args->rate_card, "Rate card (docs/rate-card.md)")
      ->capture_default_str();
  v->add_flag("--json", value_args->json, "Print the values with their evidence as JSON");
  v->add_flag("--no-store", value_args->no_store, "Do not store the values");
  v->add_flag("--history", value_args->history,
              "With --creator: print the creator's stored values over time (no model needed)");
  v->callback([&global, &action, value_args] {
    action = [&global, value_args] { return RunValue(global, *value_args); };
  });

  auto rank_args = std::make_shared<RankArgs>();
  CLI::App* r = app.add_subcommand(
      "rank", "Rank creators by their latest stored Market Value or momentum (a scout's query)");
  r->add_option("--platform", rank_args->platform, "instagram | tiktok | youtube");
  r->add_option("--niche", rank_args->niche, "A niche id (docs/niches.md)");
  r->add_option("--min-followers", rank_args->min_followers, "Inclusive lower bound");
  r->add_option("--max-followers", rank_args->max_followers, "Inclusive upper bound");
  r->add_option("--sort", rank_args->sort, "value | momentum")
      ->check(CLI::IsMember({"value", "momentum"}))
      ->capture_default_str();
  r->add_option("--limit", rank_args->limit, "How many (1-1000)")->capture_default_str();
  r->add_flag("--json", rank_args->json, "Print JSON");
  r->callback([&global, &action, rank_args] {
    action = [&global, rank_args] { return RunRank(global, *rank_args); };
  });
}

}  // namespace sphere::cli
