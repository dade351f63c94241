#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/progress.h"
#include "ingest/canonical/canonical_writer.h"
#include "service/synth_service.h"
#include "store/store.h"

namespace sphere::cli {
namespace {

struct SynthArgs {
  int64_t creators = 0;
  int posts_per_creator = 0;
  int snapshot_months = 12;
  uint64_t seed = 1;
  std::string out;
  std::string format = "csv";
  std::string profile_in;
  std::string profile_out;
};

// Passes records on and advances a progress bar by creator.
class ProgressSink : public ingest::RecordSink {
 public:
  ProgressSink(ingest::RecordSink& next, Progress& progress) : next_(next), progress_(progress) {}
  Status Accept(Creator c) override {
    progress_.Update(++creators_);
    return next_.Accept(std::move(c));
  }
  Status Accept(Post p) override { return next_.Accept(std::move(p)); }
  Status Accept(Snapshot s) override { return next_.Accept(std::move(s)); }

 private:
  ingest::RecordSink& next_;
  Progress& progress_;
  int64_t creators_ = 0;
};

Result<synth::SynthProfile> LoadOrFitProfile(const GlobalOptions& global, const SynthArgs& args) {
  if (!args.profile_in.empty()) {
    std::ifstream in(args.profile_in);
    if (!in) return NotFound(args.profile_in + ": cannot open the profile");
    std::stringstream text;
    text << in.rdbuf();
    auto profile = synth::SynthProfile::FromJson(text.str());
    if (!profile.ok()) return profile.error().WithContext(args.profile_in);
    return profile;
  }
  SPHERE_ASSIGN_OR_RETURN(auto store, OpenStore(global.store_url));
  fmt::print("fitting the profile to the real data in {}\n", RedactStoreUrl(global.store_url));
  return service::FitSynthProfile(*store);
}

Status RunSynth(const GlobalOptions& global, const SynthArgs& args) {
  SPHERE_ASSIGN_OR_RETURN(synth::SynthProfile profile, LoadOrFitProfile(global, args));
  fmt::print("profile: {} creators, {} posts, {} snapshots fitted\n", profile.fitted_creators,
             profile.fitted_posts, profile.fitted_snapshots);
  if (!args.profile_out.empty()) {
    std::ofstream out(args.profile_out);
    out << profile.ToJson();
    if (!out) return Unavailable(args.profile_out + ": cannot write the profile");
  }

  synth::SynthOptions options;
  options.creators = args.creators;
  options.posts_per_creator = args.posts_per_creator;
  options.snapshot_months = args.snapshot_months;
  options.seed = args.seed;

  std::error_code ec;
  std::filesystem::create_directories(args.out, ec);
  if (ec) return Unavailable(args.out + ": cannot create: " + ec.message());
  Progress progress("generating creators", args.creators);
  if (args.format == "jsonl") {
    SPHERE_ASSIGN_OR_RETURN(auto writer, ingest::CanonicalJsonlWriter::Open(
                                             std::filesystem::path(args.out) / "synth.jsonl"));
    ProgressSink sink(*writer, progress);
    SPHERE_RETURN_IF_ERROR(synth::Generate(profile, options, sink));
    SPHERE_RETURN_IF_ERROR(writer->Close());
  } else {
    SPHERE_ASSIGN_OR_RETURN(auto writer, ingest::CanonicalCsvWriter::Open(args.out));
    ProgressSink sink(*writer, progress);
    SPHERE_RETURN_IF_ERROR(synth::Generate(profile, options, sink));
    SPHERE_RETURN_IF_ERROR(writer->Close());
  }
  progress.Finish();
  fmt::print("wrote {} creators, {} posts, {} snapshots to {} ({})\n", WithThousands(args.creators),
             WithThousands(args.creators * args.posts_per_creator),
             WithThousands(args.creators * args.snapshot_months), args.out, args.format);
  return Status::Ok();
}

}  // namespace

void AddSynthCommand(CLI::App& app, const GlobalOptions& global, Action& action) {
  auto args = std::make_shared<SynthArgs>();
  CLI::App* cmd = app.add_subcommand(
      "synth",
      "Generate synthetic creators, posts and snapshots whose distributions are fitted to the "
      "real data in the store (import it first), as canonical files for scale tests. "
      "Deterministic for a seed.");
  cmd->add_option("--creators", args->creators, "Creators to generate")
      ->required()
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}));
  cmd->add_option("--posts-per-creator", args->posts_per_creator, "Posts per creator")
      ->required()
      ->check(CLI::Range(0, 100'000));
  cmd->add_option("--snapshot-months", args->snapshot_months, "Monthly snapshots per creator")
      ->check(CLI::Range(0, 1'200))
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Random seed")->capture_default_str();
  cmd->add_option("--out", args->out, "Output directory")->required();
  cmd->add_option("--format", args->format, "csv (creators/posts/snapshots.csv) or jsonl")
      ->check(CLI::IsMember({"csv", "jsonl"}))
      ->capture_default_str();
  cmd->add_option("--profile", args->profile_in,
                  "Use a saved profile (JSON) instead of fitting the store");
  cmd->add_option("--save-profile", args->profile_out, "Write the fitted profile (JSON) here");
  cmd->callback(
      [&global, &action, args] { action = [&global, args] { return RunSynth(global, *args); }; });
}

}  // namespace sphere::cli
