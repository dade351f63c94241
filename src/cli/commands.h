// Each subcommand registers itself on the app and, when chosen, sets the action to run.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "core/status.h"

namespace sphere::cli {

struct GlobalOptions {
  std::string store_url = "sqlite:var/sphere.db";
};

using Action = std::function<Status()>;

void AddImportCommand(CLI::App& app, const GlobalOptions& global, Action& action);
void AddStatsCommand(CLI::App& app, const GlobalOptions& global, Action& action);
void AddSynthCommand(CLI::App& app, const GlobalOptions& global, Action& action);
void AddTrainCommand(CLI::App& app, const GlobalOptions& global, Action& action);
void AddFeaturesCommand(CLI::App& app, const GlobalOptions& global, Action& action);
void AddPlepCommands(CLI::App& app, const GlobalOptions& global, Action& action);
// `train value` (under the train command: call after AddTrainCommand), `value`, `rank`.
void AddValueCommands(CLI::App& app, const GlobalOptions& global, Action& action);
// `serve` and `users add|list`.
void AddServeCommands(CLI::App& app, const GlobalOptions& global, Action& action);
// `alerts backtest` (docs/alerts-backtest.md).
void AddAlertsCommands(CLI::App& app, const GlobalOptions& global, Action& action);

}  // namespace sphere::cli
