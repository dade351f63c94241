// RAII and Status around the SQLite C API, shared by the SQLite store and its migrations.
//
// Every sqlite3* and sqlite3_stmt* lives in a unique_ptr; every failing call becomes a
// Status (see ErrorStatus for the mapping). Nothing here throws.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/status.h"

namespace sphere::sqlite {

struct DatabaseCloser {
  // close_v2 defers the close until every statement is finalized, so destruction order
  // between a database and its statements never leaks or crashes.
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DatabaseHandle = std::unique_ptr<sqlite3, DatabaseCloser>;

struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StatementHandle = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// The Status for a failed call that returned `result_code` (an extended code):
//   constraint, type and size errors  -> InvalidArgument (UNIQUE -> AlreadyExists)
//   cannot open, I/O, busy, read-only -> Unavailable
//   corrupt file                      -> DataLoss
//   anything else                     -> Internal
// The message is "context: what SQLite said"; a named CHECK constraint is reported by its
// name alone, which the schema words as the rule ("likes must not be negative").
Status ErrorStatus(sqlite3* db, int result_code, std::string_view context = {});

// Runs SQL that returns no rows; `sql` may hold several statements.
Status Exec(sqlite3* db, const char* sql);

// Compiles one statement. `persistent` tells SQLite it will be reused many times.
Result<StatementHandle> Prepare(sqlite3* db, std::string_view sql, bool persistent);

// One use of a prepared statement: bind parameters left to right, step, read columns
// left to right. Going out of scope resets the statement, so a cached statement never
// keeps a read transaction open or a dangling parameter bound.
//
// Text is bound without copying: bound text must outlive the next Step()/Run().
class Statement {
 public:
  // Borrows a cached statement; `*in_use` is cleared when this object is done with it.
  Statement(sqlite3_stmt* stmt, bool* in_use);
  // Owns a one-off statement.
  explicit Statement(StatementHandle owned);
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& BindInt(int64_t value);
  Statement& BindBool(bool value) { return BindInt(value ? 1 : 0); }
  Statement& BindDouble(double value);
  Statement& BindNull();
  // Never NULL: "" is stored as "".
  Statement& BindText(std::string_view value);
  // "" is stored as NULL: for optional text whose empty value means "unknown".
  Statement& BindTextOrNull(std::string_view value);
  // Bytes as a BLOB, never NULL: "" is stored as an empty BLOB. Bound without copying.
  Statement& BindBlob(std::string_view bytes);

  template <typename Int>
  Statement& BindOptionalInt(const std::optional<Int>& value) {
    return value ? BindInt(static_cast<int64_t>(*value)) : BindNull();
  }
  Statement& BindOptionalBool(const std::optional<bool>& value) {
    return value ? BindBool(*value) : BindNull();
  }
  Statement& BindOptionalDouble(const std::optional<double>& value) {
    return value ? BindDouble(*value) : BindNull();
  }
  // nullopt and "" are both stored as NULL.
  Statement& BindOptionalText(const std::optional<std::string>& value) {
    return value ? BindTextOrNull(*value) : BindNull();
  }

  // Advances to the next row: true when there is one, false when the statement is done.
  Result<bool> Step();
  // Executes a statement that returns no rows (or whose rows are not wanted).
  Status Run();
  // Rows the last Run()/Step() of an INSERT, UPDATE or DELETE inserted, changed or deleted.
  int64_t Changes() const;
  // The extended result code of the last failed Step()/Run() (SQLITE_OK when none failed).
  int last_error() const { return last_error_; }
  // Makes the statement ready to bind and run again (keeps it prepared).
  void Reset();

  // Reads the current row's columns in order; Reset() and each Step() restart at column 0.
  int64_t ReadInt();
  std::optional<int64_t> ReadOptionalInt();
  std::optional<int32_t> ReadOptionalInt32();
  std::optional<bool> ReadOptionalBool();
  double ReadDouble();
  std::optional<double> ReadOptionalDouble();
  // NULL reads as "".
  std::string ReadText();
  // NULL reads as nullopt.
  std::optional<std::string> ReadOptionalText();
  // A BLOB (or any value) as its bytes; NULL reads as "".
  std::string ReadBlob();

  // Whether the column the next Read*() reads is NULL (without reading it).
  bool NextColumnIsNull() const { return sqlite3_column_type(stmt_, column_) == SQLITE_NULL; }

  sqlite3* db() const { return sqlite3_db_handle(stmt_); }

 private:
  Statement& RecordBind(int result_code);

  sqlite3_stmt* stmt_;
  StatementHandle owned_;
  bool* in_use_ = nullptr;
  int next_parameter_ = 1;
  int column_ = 0;
  int bind_error_ = SQLITE_OK;
  int last_error_ = SQLITE_OK;
};

// Statements compiled once per connection and reused: the bulk write path binds and
// steps the same few statements for every row.
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}

  // The cached statement for `sql`, compiled on first use. When that statement is
  // already in use further up the call stack (a ForEach visitor calling back into the
  // store), a one-off statement is returned instead so the outer use is not disturbed.
  Result<Statement> Use(std::string_view sql);

 private:
  struct Entry {
    StatementHandle handle;
    bool in_use = false;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  sqlite3* db_;
  // Node-based, so an Entry's address (held by a borrowing Statement) never moves.
  std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> entries_;
};

// An explicit transaction that rolls back unless Commit() succeeds.
class Transaction {
 public:
  enum class Kind {
    kRead,   // BEGIN DEFERRED: one consistent snapshot for several reads
    kWrite,  // BEGIN IMMEDIATE: takes the write lock up front (waiting up to busy_timeout)
  };
  static Result<Transaction> Begin(sqlite3* db, Kind kind);

  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status Commit();

 private:
  explicit Transaction(sqlite3* db) : db_(db) {}
  void Rollback();

  sqlite3* db_;  // null once committed or rolled back
};

}  // namespace sphere::sqlite
