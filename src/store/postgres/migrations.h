// The PostgreSQL schema as an ordered list of migrations. Migration N (counting from 1)
// takes a database from schema version N-1 to N; applied versions are recorded in
// schema_migrations. Append new migrations; never edit one that has shipped.
#pragma once

#include <span>
#include <string_view>

#include "core/status.h"
#include "store/postgres/pg_connection.h"

namespace sphere::postgres {

std::span<const std::string_view> Migrations();
inline int LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

// Applies every pending migration, each in its own transaction. Concurrent callers
// (other processes included) wait on a PostgreSQL advisory lock, so each migration runs
// once. FailedPrecondition when the database is at a version newer than this build.
Status Migrate(PgConnection& conn);

// The last applied migration (0 for a database that has none).
Result<int> AppliedSchemaVersion(PgConnection& conn);

}  // namespace sphere::postgres
