// The SQLite schema as an ordered list of migrations; version N is migration N applied.
//
// A migration is never edited once released: a schema change is a new migration
// appended to the list (sqlite_migrations.cc).
#pragma once

#include <sqlite3.h>

#include "core/status.h"

namespace sphere::sqlite {

// The number of the newest migration this build knows.
int LatestSchemaVersion();

// The highest version recorded in schema_migrations (0 for a database never migrated).
Result<int> ReadSchemaVersion(sqlite3* db);

// Creates schema_migrations when missing and applies every pending migration, each in
// its own IMMEDIATE transaction together with its schema_migrations row, so a crash or a
// concurrent opener never leaves a half-applied version. FailedPrecondition when the
// database is at a version newer than this build knows.
Status Migrate(sqlite3* db);

}  // namespace sphere::sqlite
