// The embedded backend: one SQLite file in WAL mode, versioned migrations.
#pragma once

#include <filesystem>
#include <memory>

#include "store/store.h"

namespace sphere {

// Opens or creates the database file (and its parent directory), enables WAL and
// foreign keys, and applies every pending migration in one transaction each.
// Unavailable when the file cannot be opened; FailedPrecondition when its schema is
// newer than this build knows.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::filesystem::path& path);

}  // namespace sphere
