#include "cli/cli.h"

#include <fmt/format.h>

#include "cli/commands.h"

namespace sphere::cli {

int Run(int argc, char** argv) {
  CLI::App app{"sphere: InfluencerSphere's command line (import, stats, synth, features, train, diagnose, value, rank, serve, users)",
               "sphere"};
  GlobalOptions global;
  app.add_option("--store", global.store_url,
                 "Store URL: sqlite:PATH (default sqlite:var/sphere.db) or postgresql://...")
      ->envname("SPHERE_STORE")
      ->capture_default_str();
  app.require_subcommand(1);

  Action action;
  AddImportCommand(app, global, action);
  AddStatsCommand(app, global, action);
  AddSynthCommand(app, global, action);
  AddTrainCommand(app, global, action);
  AddFeaturesCommand(app, global, action);
  AddPlepCommands(app, global, action);
  AddValueCommands(app, global, action);
  AddServeCommands(app, global, action);
  AddAlertsCommands(app, global, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  Status status = action();
  if (!status.ok()) {
    std::fflush(stdout);
    fmt::print(stderr, "sphere: error: {}\n", status.ToString());
    return 1;
  }
  return 0;
}

}  // namespace sphere::cli
