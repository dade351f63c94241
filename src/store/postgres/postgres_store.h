// The shared backend: PostgreSQL through libpq, versioned migrations.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace sphere {

// Connects with a libpq connection URI and applies every pending migration (each in
// its own transaction, serialised across processes by an advisory lock).
// Unavailable when the server cannot be reached; FailedPrecondition when its schema
// is newer than this build knows.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& connection_uri);

}  // namespace sphere
