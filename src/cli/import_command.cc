#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "cli/progress.h"
#include "market/rate_card.h"
#include "service/alert_service.h"
#include "service/import_service.h"
#include "service/value_service.h"

namespace sphere::cli {
namespace {

struct ImportArgs {
  std::vector<std::string> paths = {"data"};
  std::string format;
  size_t batch_records = 10'000;
  int show_rejects = 10;
  bool list_formats = false;
  std::string rate_card = "config/rate_card.json";  // what alert rules value creators with
};

void PrintFormats() {
  for (const ingest::Format& f : ingest::Formats()) {
    fmt::print("{:<24} {}\n", f.name, f.description);
  }
}

void PrintIssues(const ingest::ImportReport& report, const std::vector<ingest::RowIssue>& issues,
                 std::string_view kind, int limit) {
  int shown = 0;
  for (const ingest::RowIssue& issue : issues) {
    if (limit >= 0 && shown == limit) {
      fmt::print("    ... {} more {} rows (--show-rejects -1 lists all)\n",
                 WithThousands(static_cast<int64_t>(issues.size()) - shown), kind);
      break;
    }
    fmt::print("    {}: {}\n", kind, report.Describe(issue));
    ++shown;
  }
}

// The alert rules the imported creators can affect, evaluated once the import is done. Events
// land in the store; a running server's streams and webhook sender pick them up from there.
Status EvaluateAlerts(Store& store, const std::set<std::pair<Platform, std::string>>& touched,
                      const std::string& rate_card) {
  std::vector<int64_t> ids;
  ids.reserve(touched.size());
  for (const auto& [platform, handle] : touched) {
    SPHERE_ASSIGN_OR_RETURN(std::optional<Creator> creator, store.FindCreator(platform, handle));
    if (creator) ids.push_back(creator->id);
  }
  std::shared_ptr<const value::ValueModel> model;
  Result<std::shared_ptr<const value::ValueModel>> loaded = service::LoadCurrentValueModel(store);
  if (loaded.ok()) {
    model = *loaded;
  } else if (loaded.status().code() == Code::kNotFound) {
    fmt::print(
        "alerts: no Market Value model yet ({}): rules on value, score, growth and "
        "momentum see those numbers as unknown\n",
        loaded.status().message());
  } else {
    return loaded.status();
  }
  SPHERE_ASSIGN_OR_RETURN(market::RateCard card, market::LoadRateCard(rate_card));
  SPHERE_ASSIGN_OR_RETURN(std::unique_ptr<service::AlertService> alerts,
                          service::AlertService::Open(store, std::move(card), nullptr, nullptr));
  const auto started = std::chrono::steady_clock::now();
  SPHERE_ASSIGN_OR_RETURN(
      service::AlertEvaluationReport report,
      alerts->AfterIngest(
          store, ids, model,
          static_cast<UnixSeconds>(std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count())));
  fmt::print(
      "alerts: {} rules; {} creators touched, {} evaluated ({} without a value), {} "
      "events; {:.2f}s\n",
      alerts->evaluator().rules(), WithThousands(report.creators), WithThousands(report.evaluated),
      WithThousands(report.unvalued), report.events.size(),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return Status::Ok();
}

Status RunImport(const GlobalOptions& global, const ImportArgs& args) {
  if (args.list_formats) {
    PrintFormats();
    return Status::Ok();
  }
  std::vector<std::filesystem::path> roots(args.paths.begin(), args.paths.end());
  SPHERE_ASSIGN_OR_RETURN(auto files, service::ExpandImportPaths(roots));
  if (files.empty()) return InvalidArgument("no files to import under the given paths");
  SPHERE_ASSIGN_OR_RETURN(auto store, OpenStore(global.store_url));

  service::ImportOptions options;
  options.format = args.format;
  options.batch_records = args.batch_records;
  // Alert rules are evaluated for the creators whose posts or snapshots the import wrote; with
  // no rule stored, nothing is collected.
  SPHERE_ASSIGN_OR_RETURN(std::vector<AlertRule> rules, store->ListEnabledAlertRules());
  std::set<std::pair<Platform, std::string>> touched;
  if (!rules.empty()) {
    options.on_written = [&touched](const ImportBatch& batch) {
      for (const Post& p : batch.posts) touched.emplace(p.platform, p.creator_handle);
      for (const Snapshot& s : batch.snapshots) touched.emplace(s.platform, s.creator_handle);
    };
  }

  auto started = std::chrono::steady_clock::now();
  int64_t total_loaded = 0, total_rejected = 0;
  WriteCounts total_written;
  std::vector<std::string> failed;
  fmt::print("importing {} file(s) into {}\n", files.size(), RedactStoreUrl(global.store_url));
  for (const auto& file : files) {
    Progress progress("  " + file.filename().string() + ": records", 0);
    auto result = service::ImportFile(*store, file, options, [&](const service::ImportProgress& p) {
      progress.Update(p.records);
    });
    progress.Finish();
    if (!result.ok()) {
      fmt::print("  FAILED {}: {}\n", file.string(), result.error().ToString());
      failed.push_back(file.string());
      continue;
    }
    const ingest::ImportReport& r = result->report;
    const WriteCounts& w = result->written;
    fmt::print(
        "  {} [{}]: loaded {} rows, rejected {}, repaired {} -> {} creators, {} posts, "
        "{} snapshots; written (new or changed) {}/{}/{}; {:.2f}s\n",
        file.string(), r.format(), WithThousands(r.rows_loaded()), WithThousands(r.rows_rejected()),
        WithThousands(static_cast<int64_t>(r.repaired().size())), WithThousands(r.creators()),
        WithThousands(r.posts()), WithThousands(r.snapshots()), WithThousands(w.creators_written),
        WithThousands(w.posts_written), WithThousands(w.snapshots_written), result->seconds);
    PrintIssues(r, r.rejected(), "rejected", args.show_rejects);
    PrintIssues(r, r.repaired(), "repaired", args.show_rejects);
    total_loaded += r.rows_loaded();
    total_rejected += r.rows_rejected();
    total_written += w;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print(
      "done: {} rows loaded, {} rejected, {} files failed; written {} creators, {} posts, "
      "{} snapshots; {:.2f}s ({:.0f} rows/s), peak memory {:.1f} MiB\n",
      WithThousands(total_loaded), WithThousands(total_rejected), failed.size(),
      WithThousands(total_written.creators_written), WithThousands(total_written.posts_written),
      WithThousands(total_written.snapshots_written), seconds,
      seconds > 0 ? static_cast<double>(total_loaded + total_rejected) / seconds : 0.0,
      static_cast<double>(usage.ru_maxrss) / 1024.0);
  if (!touched.empty()) SPHERE_RETURN_IF_ERROR(EvaluateAlerts(*store, touched, args.rate_card));
  if (!failed.empty()) {
    return InvalidArgument(fmt::format("{} file(s) could not be imported: {}", failed.size(),
                                       fmt::join(failed, ", ")));
  }
  return Status::Ok();
}

}  // namespace

void AddImportCommand(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto args = std::make_shared<ImportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "import",
      "Import data files (every format of data/SOURCES.md and the canonical formats of "
      "docs/data-formats.md). Re-importing a file changes nothing; an interrupted import "
      "is finished by running it again.");
  cmd->add_option("paths", args->paths, "Files or directories (recursively)")
      ->capture_default_str();
  cmd->add_option("--format", args->format,
                  "Force a format instead of detecting it (see --list-formats)");
  cmd->add_option("--rate-card", args->rate_card,
                  "Rate card the alert rules value imported creators with")
      ->capture_default_str();
  cmd->add_option("--batch", args->batch_records, "Records per transaction")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  cmd->add_option("--show-rejects", args->show_rejects,
                  "Rejected/repaired rows to list per file (-1: all)")
      ->capture_default_str();
  cmd->add_flag("--list-formats", args->list_formats, "List the known formats and exit");
  cmd->callback(
      [&global, &action, args] { action = [&global, args] { return RunImport(global, *args); }; });
}

}  // namespace sphere::cli
