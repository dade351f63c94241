#include "store/sqlite/sqlite_db.h"

#include <climits>
#include <cstdint>

namespace sphere::sqlite {
namespace {

Code CodeFor(int result_code) {
  if (result_code == SQLITE_CONSTRAINT_UNIQUE || result_code == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Code::kAlreadyExists;
  }
  switch (result_code & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return Code::kInvalidArgument;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_NOTADB:
    case SQLITE_NOLFS:
    case SQLITE_PROTOCOL:
      return Code::kUnavailable;
    case SQLITE_CORRUPT:
      return Code::kDataLoss;
    default:
      return Code::kInternal;
  }
}

std::string Describe(sqlite3* db, int result_code) {
  // The connection's message is about the latest call, which need not be this one (a
  // bind error is reported at the next step), so fall back to the generic text.
  std::string_view message = db != nullptr && sqlite3_extended_errcode(db) == result_code
                                 ? sqlite3_errmsg(db)
                                 : sqlite3_errstr(result_code);
  constexpr std::string_view kCheckPrefix = "CHECK constraint failed: ";
  if (result_code == SQLITE_CONSTRAINT_CHECK && message.starts_with(kCheckPrefix)) {
    message.remove_prefix(kCheckPrefix.size());
  }
  return std::string(message);
}

}  // namespace

Status ErrorStatus(sqlite3* db, int result_code, std::string_view context) {
  std::string message = Describe(db, result_code);
  if (!context.empty()) message = std::string(context) + ": " + message;
  return Status(CodeFor(result_code), std::move(message));
}

Status Exec(sqlite3* db, const char* sql) {
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return ErrorStatus(db, sqlite3_extended_errcode(db));
  return Status::Ok();
}

Result<StatementHandle> Prepare(sqlite3* db, std::string_view sql, bool persistent) {
  if (sql.size() > INT_MAX) return InvalidArgument("SQL statement too long");
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              persistent ? SQLITE_PREPARE_PERSISTENT : 0, &raw, nullptr);
  StatementHandle stmt(raw);
  if (rc != SQLITE_OK) {
    return ErrorStatus(db, sqlite3_extended_errcode(db),
                       "preparing '" + std::string(sql.substr(0, 80)) + "'");
  }
  if (stmt == nullptr) return Internal("preparing an SQL text that holds no statement");
  return stmt;
}

Statement::Statement(sqlite3_stmt* stmt, bool* in_use) : stmt_(stmt), in_use_(in_use) {}

Statement::Statement(StatementHandle owned) : stmt_(owned.get()), owned_(std::move(owned)) {}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      owned_(std::move(other.owned_)),
      in_use_(std::exchange(other.in_use_, nullptr)),
      next_parameter_(other.next_parameter_),
      column_(other.column_),
      bind_error_(other.bind_error_),
      last_error_(other.last_error_) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  if (in_use_ != nullptr) *in_use_ = false;
}

Statement& Statement::RecordBind(int result_code) {
  if (result_code != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = result_code;
  ++next_parameter_;
  return *this;
}

Statement& Statement::BindInt(int64_t value) {
  return RecordBind(sqlite3_bind_int64(stmt_, next_parameter_, value));
}

Statement& Statement::BindDouble(double value) {
  return RecordBind(sqlite3_bind_double(stmt_, next_parameter_, value));
}

Statement& Statement::BindNull() { return RecordBind(sqlite3_bind_null(stmt_, next_parameter_)); }

Statement& Statement::BindText(std::string_view value) {
  // A default string_view has a null data(), which SQLite would store as NULL.
  const char* data = value.data() != nullptr ? value.data() : "";
  return RecordBind(
      sqlite3_bind_text64(stmt_, next_parameter_, data, value.size(), SQLITE_STATIC, SQLITE_UTF8));
}

Statement& Statement::BindTextOrNull(std::string_view value) {
  return value.empty() ? BindNull() : BindText(value);
}

Statement& Statement::BindBlob(std::string_view bytes) {
  // A null pointer would bind NULL instead of an empty BLOB.
  const char* data = bytes.data() != nullptr ? bytes.data() : "";
  return RecordBind(sqlite3_bind_blob64(stmt_, next_parameter_, data, bytes.size(), SQLITE_STATIC));
}

Result<bool> Statement::Step() {
  column_ = 0;
  if (bind_error_ != SQLITE_OK) {
    last_error_ = bind_error_;
    return ErrorStatus(db(), bind_error_, "binding parameter");
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  last_error_ = sqlite3_extended_errcode(db());
  if ((last_error_ & 0xff) != (rc & 0xff)) last_error_ = rc;
  return ErrorStatus(db(), last_error_);
}

Status Statement::Run() { return Step().status(); }

int64_t Statement::Changes() const { return sqlite3_changes64(db()); }

void Statement::Reset() {
  sqlite3_reset(stmt_);
  next_parameter_ = 1;
  column_ = 0;
  bind_error_ = SQLITE_OK;
  last_error_ = SQLITE_OK;
}

int64_t Statement::ReadInt() { return sqlite3_column_int64(stmt_, column_++); }

std::optional<int64_t> Statement::ReadOptionalInt() {
  if (NextColumnIsNull()) {
    ++column_;
    return std::nullopt;
  }
  return ReadInt();
}

std::optional<int32_t> Statement::ReadOptionalInt32() {
  std::optional<int64_t> value = ReadOptionalInt();
  if (!value) return std::nullopt;
  return static_cast<int32_t>(*value);
}

std::optional<bool> Statement::ReadOptionalBool() {
  std::optional<int64_t> value = ReadOptionalInt();
  if (!value) return std::nullopt;
  return *value != 0;
}

double Statement::ReadDouble() { return sqlite3_column_double(stmt_, column_++); }

std::optional<double> Statement::ReadOptionalDouble() {
  if (NextColumnIsNull()) {
    ++column_;
    return std::nullopt;
  }
  return sqlite3_column_double(stmt_, column_++);
}

std::string Statement::ReadText() {
  // column_text before column_bytes: the byte count is of the UTF-8 form text() made.
  const unsigned char* text = sqlite3_column_text(stmt_, column_);
  int size = sqlite3_column_bytes(stmt_, column_);
  ++column_;
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

std::string Statement::ReadBlob() {
  // column_blob before column_bytes, as for text.
  const void* bytes = sqlite3_column_blob(stmt_, column_);
  int size = sqlite3_column_bytes(stmt_, column_);
  ++column_;
  if (bytes == nullptr) return {};
  return std::string(static_cast<const char*>(bytes), static_cast<size_t>(size));
}

std::optional<std::string> Statement::ReadOptionalText() {
  if (NextColumnIsNull()) {
    ++column_;
    return std::nullopt;
  }
  return ReadText();
}

Result<Statement> StatementCache::Use(std::string_view sql) {
  auto it = entries_.find(sql);
  if (it == entries_.end()) {
    SPHERE_ASSIGN_OR_RETURN(StatementHandle handle, Prepare(db_, sql, /*persistent=*/true));
    it = entries_.emplace(std::string(sql), Entry{std::move(handle)}).first;
  }
  Entry& entry = it->second;
  if (entry.in_use) {
    SPHERE_ASSIGN_OR_RETURN(StatementHandle one_off, Prepare(db_, sql, /*persistent=*/false));
    return Statement(std::move(one_off));
  }
  entry.in_use = true;
  return Statement(entry.handle.get(), &entry.in_use);
}

Result<Transaction> Transaction::Begin(sqlite3* db, Kind kind) {
  SPHERE_RETURN_IF_ERROR(Exec(db, kind == Kind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED"));
  return Transaction(db);
}

Transaction::~Transaction() { Rollback(); }

Status Transaction::Commit() {
  Status status = Exec(db_, "COMMIT");
  if (!status.ok()) {
    Rollback();
    return status;
  }
  db_ = nullptr;
  return Status::Ok();
}

void Transaction::Rollback() {
  // SQLite may already have rolled back by itself (e.g. after SQLITE_FULL); a second
  // ROLLBACK would only fail with "no transaction is active".
  if (db_ != nullptr && sqlite3_get_autocommit(db_) == 0) {
    Status ignored = Exec(db_, "ROLLBACK");
    (void)ignored;
  }
  db_ = nullptr;
}

}  // namespace sphere::sqlite
