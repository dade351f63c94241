// A thin RAII layer over libpq: owned PGconn*/PGresult*, text-format parameters,
// lazily prepared statements, COPY FROM STDIN, transactions, and one mapping from
// libpq/SQLSTATE failures to Status. Nothing outside src/store/postgres includes it.
//
// Thread safety: a PgConnection is used by one thread at a time (like the Store).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/status.h"

namespace sphere::postgres {

struct PgConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

// Why `text` cannot be stored in a PostgreSQL text column (it holds a NUL byte or is
// not valid UTF-8), or nullopt when it can.
std::optional<std::string> TextProblem(std::string_view text);

// Positional text-format query parameters; AddNull() is SQL NULL. Strings are copied,
// so the arguments may be temporaries. Text must be NUL-free (see TextProblem).
class PgParams {
 public:
  PgParams& AddNull();
  PgParams& Add(std::string_view text);
  PgParams& Add(const char* text) { return Add(std::string_view(text)); }
  PgParams& Add(int64_t value);
  PgParams& Add(int32_t value);
  PgParams& Add(double value);
  PgParams& Add(bool value);
  // "" becomes NULL: the schema stores an unknown string as NULL.
  PgParams& AddTextOrNull(std::string_view text);
  // Bytes sent in binary format (for a bytea parameter): any byte, NUL included.
  PgParams& AddBinary(std::string_view bytes);
  template <typename T>
  PgParams& Add(const std::optional<T>& value) {
    return value ? Add(*value) : AddNull();
  }

  int size() const { return static_cast<int>(values_.size()); }
  // Pointers into this object, valid until the next Add.
  std::vector<const char*> Pointers() const;
  // Whether any parameter is binary; then Lengths() and Formats() describe them all.
  bool has_binary() const { return has_binary_; }
  std::vector<int> Lengths() const;
  std::vector<int> Formats() const;

 private:
  std::vector<std::optional<std::string>> values_;
  std::vector<int> formats_;  // 0 text, 1 binary, one per value
  bool has_binary_ = false;
};

// A statement prepared once per session under `name` and then executed by name.
struct PgStatement {
  std::string name;
  std::string sql;
};

// Turns a failed libpq call into a Status: kUnavailable when the server is gone or
// refuses work, kAlreadyExists for unique violations, kInvalidArgument for values the
// schema refuses (naming the column or constraint), kInternal otherwise. The message
// starts with "postgres: <context>: ".
Status StatusFromResult(const PGconn* conn, const PGresult* result, std::string_view context);

class PgConnection {
 public:
  // Connects with a libpq connection URI (client_encoding is forced to UTF8). A
  // malformed URI is InvalidArgument; an unreachable server is Unavailable. Messages
  // name host, port, database and user but never the password.
  static Result<PgConnection> Connect(const std::string& uri);

  PgConnection(PgConnection&&) = default;
  PgConnection& operator=(PgConnection&&) = default;

  PGconn* raw() const { return conn_.get(); }

  // Reconnects when the connection was lost (e.g. the server restarted). A new session
  // has no prepared statements or temporary tables; session_number() then changes.
  Status EnsureConnected();
  uint64_t session_number() const { return session_number_; }

  // Runs SQL without parameters; it may hold several statements (migrations do).
  Result<PgResultPtr> Exec(std::string_view context, const std::string& sql);
  // Prepares `statement` on first use in this session, then executes it.
  Result<PgResultPtr> Run(const PgStatement& statement, const PgParams& params = {});

  // COPY ... FROM STDIN: Begin, then Put the encoded data in any number of pieces, then
  // End. After a failed Put, End must not be called; Abort ends the COPY instead.
  Status BeginCopy(std::string_view context, const std::string& copy_sql);
  Status PutCopyData(std::string_view context, std::string_view data);
  // Returns the number of rows copied.
  Result<int64_t> EndCopy(std::string_view context);
  void AbortCopy(std::string_view reason);

 private:
  PgConnection(PgConnPtr conn, std::vector<std::string> secrets)
      : conn_(std::move(conn)), secrets_(std::move(secrets)) {}

  Status Failure(const PGresult* result, std::string_view context) const;
  Status Redacted(Status status) const;

  PgConnPtr conn_;
  std::vector<std::string> secrets_;  // never to appear in a message (the password)
  std::unordered_set<std::string> prepared_;
  uint64_t session_number_ = 1;
};

// BEGIN ... COMMIT; rolls back on destruction unless committed.
class PgTransaction {
 public:
  static Result<PgTransaction> Begin(PgConnection& conn, const char* begin_sql = "BEGIN");
  PgTransaction(PgTransaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  PgTransaction& operator=(PgTransaction&&) = delete;
  ~PgTransaction();

  Status Commit();

 private:
  explicit PgTransaction(PgConnection* conn) : conn_(conn) {}
  PgConnection* conn_;  // null once committed, rolled back or moved from
};

// The number PQcmdTuples reports (rows an INSERT/UPDATE/DELETE affected).
int64_t AffectedRows(const PGresult* result);

// Reads one result row column by column, in order. A value that does not parse is
// recorded; the caller checks status() after reading the row.
class PgRowReader {
 public:
  PgRowReader(const PGresult* result, int row) : result_(result), row_(row) {}

  bool NextIsNull() const;
  std::string Text();  // "" for NULL
  std::optional<std::string> OptionalText();
  int64_t Int64();
  std::optional<int64_t> OptionalInt64();
  std::optional<int32_t> OptionalInt32();
  double Double();
  std::optional<double> OptionalDouble();
  bool Bool();
  std::optional<bool> OptionalBool();
  // A bytea column in the text result format (backslash, x, hex digits) as its bytes.
  std::string Bytea();
  // Parses text with one of core's parsers (ParsePlatform, ...).
  template <typename T>
  T Enum(Result<T> (*parse)(std::string_view)) {
    std::string text = Text();
    Result<T> parsed = parse(text);
    if (parsed.ok()) return *parsed;
    Fail(parsed.error().message());
    return T{};
  }

  const Status& status() const { return status_; }

 private:
  const char* NextRaw();  // nullptr for NULL; advances
  void Fail(std::string_view what);

  const PGresult* result_;
  int row_;
  int column_ = 0;
  Status status_;
};

}  // namespace sphere::postgres
