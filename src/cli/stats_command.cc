#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/progress.h"
#include "core/time.h"
#include "store/store.h"

namespace sphere::cli {
namespace {

std::string Range(const TimeRange& r) {
  if (!r.first || !r.last) return "-";
  return FormatIsoDate(*r.first) + " .. " + FormatIsoDate(*r.last);
}

nlohmann::json RangeJson(const TimeRange& r) {
  if (!r.first || !r.last) return nullptr;
  return {{"first", FormatIsoTime(*r.first)}, {"last", FormatIsoTime(*r.last)}};
}

void PrintCounts(std::string_view title, const std::map<std::string, int64_t>& counts) {
  fmt::print("\n{}\n", title);
  for (const auto& [key, n] : counts) fmt::print("  {:<28} {:>12}\n", key, WithThousands(n));
}

Status RunStats(const GlobalOptions& global, bool as_json) {
  SPHERE_ASSIGN_OR_RETURN(auto store, OpenStore(global.store_url));
  SPHERE_ASSIGN_OR_RETURN(StoreStats stats, store->Stats());
  SPHERE_ASSIGN_OR_RETURN(int schema, store->SchemaVersion());
  if (as_json) {
    nlohmann::json j;
    j["schema_version"] = schema;
    for (const auto& [platform, c] : stats.by_platform) {
      j["platforms"][platform] = {{"creators", c.creators},
                                  {"posts", c.posts},
                                  {"snapshots", c.snapshots},
                                  {"posted", RangeJson(c.posted)},
                                  {"snapshots_taken", RangeJson(c.snapshots_taken)}};
    }
    j["creators_by_niche"] = stats.creators_by_niche;
    j["creators_by_inferred_niche"] = stats.creators_by_inferred_niche;
    j["creators_by_tier"] = stats.creators_by_tier;
    j["snapshots_by_source"] = stats.snapshots_by_source;
    j["users"] = stats.users;
    j["alert_rules"] = stats.alert_rules;
    j["alert_events"] = stats.alert_events;
    j["models"] = stats.models;
    j["market_values"] = stats.market_values;
    fmt::print("{}\n", j.dump(2));
    return Status::Ok();
  }
  fmt::print("store {} (schema version {})\n\n", RedactStoreUrl(global.store_url), schema);
  fmt::print("{:<10} {:>10} {:>10} {:>10}  {:<24}  {:<24}\n", "platform", "creators", "posts",
             "snapshots", "posted", "snapshots taken");
  for (const auto& [platform, c] : stats.by_platform) {
    fmt::print("{:<10} {:>10} {:>10} {:>10}  {:<24}  {:<24}\n", platform, WithThousands(c.creators),
               WithThousands(c.posts), WithThousands(c.snapshots), Range(c.posted),
               Range(c.snapshots_taken));
  }
  PrintCounts("creators by source category", stats.creators_by_niche);
  if (!stats.creators_by_inferred_niche.empty()) {
    PrintCounts("creators by inferred niche (docs/niches.md) / how it was inferred",
                stats.creators_by_inferred_niche);
  }
  PrintCounts("creators by follower tier (nano <10k, micro <100k, mid <500k, macro <1M, mega)",
              stats.creators_by_tier);
  PrintCounts("snapshots by source", stats.snapshots_by_source);
  fmt::print("\nusers {}, alert rules {}, alert events {}, models {}, market values {}\n",
             WithThousands(stats.users), WithThousands(stats.alert_rules),
             WithThousands(stats.alert_events), WithThousands(stats.models),
             WithThousands(stats.market_values));
  return Status::Ok();
}

}  // namespace

void AddStatsCommand(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto as_json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "stats", "Counts per platform, niche and follower tier, date ranges, snapshot counts");
  cmd->add_flag("--json", *as_json, "Print JSON instead of tables");
  cmd->callback([&global, &action, as_json] {
    action = [&global, as_json] { return RunStats(global, *as_json); };
  });
}

}  // namespace sphere::cli
