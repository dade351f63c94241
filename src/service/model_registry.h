// The steps every `sphere train <model>` shares around its own training: skip when a model
// is registered AND loads (--if-absent), pick a fresh directory for a new version, write the
// human-readable files beside it, and register it in the store.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>

#include "core/domain.h"
#include "core/status.h"
#include "store/store.h"

namespace sphere::service {

// The latest registered model of `kind` when `loads(artifact_path)` says its files load
// here (registered is not enough: a store can outlive a models directory, or be shared by
// machines), else nullopt.
Result<std::optional<ModelRecord>> LoadableModel(
    Store& store, std::string_view kind,
    const std::function<bool(const std::filesystem::path&)>& loads);

// `dir` made absolute; AlreadyExists (naming `what` and the version) when a model with a
// manifest is already there, Unavailable when the path cannot be resolved.
Result<std::filesystem::path> NewModelDir(const std::filesystem::path& dir, std::string_view what,
                                          std::string_view version);

// Writes a text file (a model card, a backtest report); Unavailable naming it on failure.
Status WriteModelText(const std::filesystem::path& path, std::string_view text);

}  // namespace sphere::service
