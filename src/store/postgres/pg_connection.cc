#include "store/postgres/pg_connection.h"

#include <charconv>
#include <cstring>
#include <string>
#include <utility>

namespace sphere::postgres {
namespace {

// libpq messages end in newlines and indent hints with tabs; a Status is one line.
std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    if (c == '\n' || c == '\t' || c == '\r' || c == ' ') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

bool HasPrefix(const char* text, std::string_view prefix) {
  return text != nullptr && std::string_view(text).starts_with(prefix);
}

// Every spelling of the password a libpq message could echo: the raw and the decoded
// userinfo password and a raw `password=` query value.
std::vector<std::string> SecretsOf(std::string_view uri, const PQconninfoOption* parsed) {
  std::vector<std::string> secrets;
  for (const PQconninfoOption* option = parsed; option != nullptr && option->keyword != nullptr;
       ++option) {
    if (std::strcmp(option->keyword, "password") == 0 && option->val != nullptr &&
        *option->val != '\0') {
      secrets.emplace_back(option->val);
    }
  }
  if (size_t scheme_end = uri.find("://"); scheme_end != std::string_view::npos) {
    std::string_view rest = uri.substr(scheme_end + 3);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
      std::string_view userinfo = authority.substr(0, at);
      if (size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
        secrets.emplace_back(userinfo.substr(colon + 1));
      }
    }
  }
  for (size_t at = uri.find("password="); at != std::string_view::npos;
       at = uri.find("password=", at + 1)) {
    std::string_view value = uri.substr(at + std::string_view("password=").size());
    secrets.emplace_back(value.substr(0, value.find_first_of("& ")));
  }
  std::erase_if(secrets, [](const std::string& s) { return s.empty(); });
  return secrets;
}

std::string Redact(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

}  // namespace

std::optional<std::string> TextProblem(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  size_t i = 0;
  while (i < size) {
    // Most text is ASCII: skip eight NUL-free ASCII bytes at a time.
    if (i + 8 <= size) {
      uint64_t word;
      std::memcpy(&word, bytes + i, 8);
      const uint64_t has_high_bit = word & 0x8080808080808080ULL;
      const uint64_t has_zero = (word - 0x0101010101010101ULL) & ~word & 0x8080808080808080ULL;
      if ((has_high_bit | has_zero) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned char lead = bytes[i];
    if (lead < 0x80) {
      if (lead == 0) {
        return "contains a NUL byte (offset " + std::to_string(i) + "), which text cannot hold";
      }
      ++i;
      continue;
    }
    size_t length;
    uint32_t code_point;
    uint32_t smallest;  // below it the encoding is overlong
    if ((lead & 0xE0) == 0xC0) {
      length = 2, code_point = lead & 0x1F, smallest = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, code_point = lead & 0x0F, smallest = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, code_point = lead & 0x07, smallest = 0x10000;
    } else {
      length = 0, code_point = 0, smallest = 1;
    }
    bool valid = length != 0 && i + length <= size;
    for (size_t k = 1; valid && k < length; ++k) {
      const unsigned char continuation = bytes[i + k];
      valid = (continuation & 0xC0) == 0x80;
      code_point = (code_point << 6) | (continuation & 0x3F);
    }
    valid = valid && code_point >= smallest && code_point <= 0x10FFFF &&
            !(code_point >= 0xD800 && code_point <= 0xDFFF);
    if (!valid) return "is not valid UTF-8 (offset " + std::to_string(i) + ")";
    i += length;
  }
  return std::nullopt;
}

// ---- PgParams ----

PgParams& PgParams::AddNull() {
  values_.emplace_back(std::nullopt);
  formats_.push_back(0);
  return *this;
}

PgParams& PgParams::Add(std::string_view text) {
  values_.emplace_back(std::string(text));
  formats_.push_back(0);
  return *this;
}

PgParams& PgParams::AddBinary(std::string_view bytes) {
  values_.emplace_back(std::string(bytes));
  formats_.push_back(1);
  has_binary_ = true;
  return *this;
}

std::vector<int> PgParams::Lengths() const {
  std::vector<int> lengths;
  lengths.reserve(values_.size());
  for (const auto& value : values_) lengths.push_back(value ? static_cast<int>(value->size()) : 0);
  return lengths;
}

std::vector<int> PgParams::Formats() const { return formats_; }

PgParams& PgParams::AddTextOrNull(std::string_view text) {
  return text.empty() ? AddNull() : Add(text);
}

PgParams& PgParams::Add(int64_t value) { return Add(std::string_view(std::to_string(value))); }

PgParams& PgParams::Add(int32_t value) { return Add(static_cast<int64_t>(value)); }

PgParams& PgParams::Add(double value) {
  char buffer[32];
  // Shortest text that reads back as the same double; PostgreSQL parses it exactly.
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return Add(std::string_view(buffer, ec == std::errc() ? end : buffer));
}

PgParams& PgParams::Add(bool value) { return Add(std::string_view(value ? "t" : "f")); }

std::vector<const char*> PgParams::Pointers() const {
  std::vector<const char*> pointers;
  pointers.reserve(values_.size());
  for (const auto& value : values_) pointers.push_back(value ? value->c_str() : nullptr);
  return pointers;
}

// ---- errors ----

Status StatusFromResult(const PGconn* conn, const PGresult* result, std::string_view context) {
  const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const char* detail = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL) : nullptr;
  std::string message;
  if (primary != nullptr) {
    message = primary;
  } else if (result != nullptr && *PQresultErrorMessage(result) != '\0') {
    message = PQresultErrorMessage(result);
  } else {
    message = PQerrorMessage(conn);
  }
  if (message.empty()) message = "unknown libpq failure";
  std::string prefix = "postgres: " + std::string(context) + ": ";

  // Connection gone (08), out of resources (53), shutting down or cancelled (57),
  // deadlock or serialisation conflict (40): the work may succeed when retried.
  if (PQstatus(conn) == CONNECTION_BAD || HasPrefix(sqlstate, "08") || HasPrefix(sqlstate, "53") ||
      HasPrefix(sqlstate, "57") || HasPrefix(sqlstate, "40")) {
    return Unavailable(prefix + OneLine(message));
  }
  if (HasPrefix(sqlstate, "23505")) {
    return AlreadyExists(prefix + OneLine(message) + (detail ? " (" + OneLine(detail) + ")" : ""));
  }
  // Data exceptions (22) and integrity violations (23): the value is at fault. The
  // detail of a foreign-key violation names the column and value; the context of a
  // COPY failure names the line and column.
  if (HasPrefix(sqlstate, "22") || HasPrefix(sqlstate, "23")) {
    const char* column = PQresultErrorField(result, PG_DIAG_COLUMN_NAME);
    const char* constraint = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
    const char* where = PQresultErrorField(result, PG_DIAG_CONTEXT);
    std::string field = column ? column : constraint ? constraint : "";
    std::string explanation = HasPrefix(sqlstate, "23503") && detail ? detail
                              : HasPrefix(sqlstate, "22") && where   ? where
                                                                     : "";
    return InvalidArgument(prefix + (field.empty() ? "" : field + ": ") + OneLine(message) +
                           (explanation.empty() ? "" : " (" + OneLine(explanation) + ")"));
  }
  return Internal(prefix + OneLine(message) +
                  (sqlstate ? " (SQLSTATE " + std::string(sqlstate) + ")" : ""));
}

// ---- PgConnection ----

Result<PgConnection> PgConnection::Connect(const std::string& uri) {
  // Parsing first tells a malformed URI apart from an unreachable server and yields
  // the password, which no message may contain.
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(uri.c_str(), &parse_error);
  std::vector<std::string> secrets = SecretsOf(uri, parsed);
  if (parsed == nullptr) {
    std::string why = parse_error ? OneLine(parse_error) : "out of memory";
    PQfreemem(parse_error);
    return InvalidArgument("postgres: malformed connection URI: " + Redact(why, secrets));
  }
  PQconninfoFree(parsed);

  // Later entries override the expanded URI, earlier ones are defaults it may override.
  const char* keywords[] = {"connect_timeout", "fallback_application_name", "dbname",
                            "client_encoding", nullptr};
  const char* values[] = {"10", "influencersphere", uri.c_str(), "UTF8", nullptr};
  PgConnPtr conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (conn == nullptr) return Unavailable("postgres: cannot connect: libpq is out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Unavailable(
        Redact("postgres: cannot connect: " + OneLine(PQerrorMessage(conn.get())), secrets));
  }
  PQsetNoticeProcessor(conn.get(), IgnoreNotice, nullptr);
  return PgConnection(std::move(conn), std::move(secrets));
}

Status PgConnection::EnsureConnected() {
  if (PQstatus(conn_.get()) == CONNECTION_OK) return Status::Ok();
  PQreset(conn_.get());
  prepared_.clear();
  ++session_number_;
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    return Redacted(
        Unavailable("postgres: connection lost: " + OneLine(PQerrorMessage(conn_.get()))));
  }
  PQsetNoticeProcessor(conn_.get(), IgnoreNotice, nullptr);
  return Status::Ok();
}

Status PgConnection::Redacted(Status status) const {
  if (status.ok()) return status;
  return Status(status.code(), Redact(status.message(), secrets_));
}

Status PgConnection::Failure(const PGresult* result, std::string_view context) const {
  return Redacted(StatusFromResult(conn_.get(), result, context));
}

Result<PgResultPtr> PgConnection::Exec(std::string_view context, const std::string& sql) {
  PgResultPtr result(PQexec(conn_.get(), sql.c_str()));
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return Failure(result.get(), context);
  }
  return result;
}

Result<PgResultPtr> PgConnection::Run(const PgStatement& statement, const PgParams& params) {
  if (!prepared_.contains(statement.name)) {
    PgResultPtr prepared(PQprepare(conn_.get(), statement.name.c_str(), statement.sql.c_str(),
                                   /*nParams=*/0, /*paramTypes=*/nullptr));
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      return Failure(prepared.get(), statement.name);
    }
    prepared_.insert(statement.name);
  }
  std::vector<const char*> values = params.Pointers();
  // Text parameters are NUL-terminated and need neither; binary ones need both.
  std::vector<int> lengths, formats;
  if (params.has_binary()) {
    lengths = params.Lengths();
    formats = params.Formats();
  }
  PgResultPtr result(PQexecPrepared(conn_.get(), statement.name.c_str(), params.size(),
                                    values.data(), lengths.empty() ? nullptr : lengths.data(),
                                    formats.empty() ? nullptr : formats.data(),
                                    /*resultFormat=*/0));
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return Failure(result.get(), statement.name);
  }
  return result;
}

Status PgConnection::BeginCopy(std::string_view context, const std::string& copy_sql) {
  PgResultPtr result(PQexec(conn_.get(), copy_sql.c_str()));
  if (PQresultStatus(result.get()) != PGRES_COPY_IN) return Failure(result.get(), context);
  return Status::Ok();
}

Status PgConnection::PutCopyData(std::string_view context, std::string_view data) {
  if (data.empty()) return Status::Ok();
  if (PQputCopyData(conn_.get(), data.data(), static_cast<int>(data.size())) != 1) {
    return Failure(nullptr, context);
  }
  return Status::Ok();
}

Result<int64_t> PgConnection::EndCopy(std::string_view context) {
  if (PQputCopyEnd(conn_.get(), nullptr) != 1) return Failure(nullptr, context);
  Status status;
  int64_t rows = 0;
  // Drain every result so the connection is ready for the next command.
  while (PgResultPtr result{PQgetResult(conn_.get())}) {
    if (PQresultStatus(result.get()) == PGRES_COMMAND_OK) {
      rows = AffectedRows(result.get());
    } else if (status.ok()) {
      status = Failure(result.get(), context);
    }
  }
  if (!status.ok()) return status;
  return rows;
}

void PgConnection::AbortCopy(std::string_view reason) {
  std::string message(reason);
  PQputCopyEnd(conn_.get(), message.c_str());
  while (PgResultPtr result{PQgetResult(conn_.get())}) {
  }
}

// ---- PgTransaction ----

Result<PgTransaction> PgTransaction::Begin(PgConnection& conn, const char* begin_sql) {
  SPHERE_ASSIGN_OR_RETURN(PgResultPtr ignored, conn.Exec("begin transaction", begin_sql));
  return PgTransaction(&conn);
}

Status PgTransaction::Commit() {
  PgConnection* conn = std::exchange(conn_, nullptr);
  if (conn == nullptr) return Internal("postgres: commit of a finished transaction");
  Result<PgResultPtr> committed = conn->Exec("commit", "COMMIT");
  return committed.status();
}

PgTransaction::~PgTransaction() {
  // A failed ROLLBACK leaves nothing to undo: the server discards the transaction when
  // the connection drops, and the next call reconnects.
  if (conn_ != nullptr) PgResultPtr rollback(PQexec(conn_->raw(), "ROLLBACK"));
}

int64_t AffectedRows(const PGresult* result) {
  const char* text = PQcmdTuples(const_cast<PGresult*>(result));
  int64_t rows = 0;
  std::from_chars(text, text + std::strlen(text), rows);
  return rows;
}

// ---- PgRowReader ----

const char* PgRowReader::NextRaw() {
  const int column = column_++;
  if (column >= PQnfields(result_)) {
    Fail("fewer columns than read");
    return nullptr;
  }
  if (PQgetisnull(result_, row_, column)) return nullptr;
  return PQgetvalue(result_, row_, column);
}

bool PgRowReader::NextIsNull() const {
  return column_ >= PQnfields(result_) || PQgetisnull(result_, row_, column_);
}

void PgRowReader::Fail(std::string_view what) {
  if (!status_.ok()) return;
  const char* name = PQfname(result_, column_ - 1);
  status_ = DataLoss("postgres: column " + std::string(name ? name : "?") + " of row " +
                     std::to_string(row_) + ": " + std::string(what));
}

std::string PgRowReader::Text() {
  const char* raw = NextRaw();
  return raw ? std::string(raw) : std::string();
}

std::optional<std::string> PgRowReader::OptionalText() {
  const char* raw = NextRaw();
  if (raw == nullptr) return std::nullopt;
  return std::string(raw);
}

std::optional<int64_t> PgRowReader::OptionalInt64() {
  const char* raw = NextRaw();
  if (raw == nullptr) return std::nullopt;
  int64_t value = 0;
  const char* end = raw + std::strlen(raw);
  auto [stop, ec] = std::from_chars(raw, end, value);
  if (ec != std::errc() || stop != end) Fail("'" + std::string(raw) + "' is not an integer");
  return value;
}

int64_t PgRowReader::Int64() {
  const bool was_null = NextIsNull();
  std::optional<int64_t> value = OptionalInt64();
  if (was_null) Fail("unexpected NULL");
  return value.value_or(0);
}

std::optional<int32_t> PgRowReader::OptionalInt32() {
  std::optional<int64_t> value = OptionalInt64();
  if (!value) return std::nullopt;
  return static_cast<int32_t>(*value);
}

std::optional<double> PgRowReader::OptionalDouble() {
  const char* raw = NextRaw();
  if (raw == nullptr) return std::nullopt;
  double value = 0;
  const char* end = raw + std::strlen(raw);
  auto [stop, ec] = std::from_chars(raw, end, value);
  if (ec != std::errc() || stop != end) Fail("'" + std::string(raw) + "' is not a number");
  return value;
}

double PgRowReader::Double() {
  const bool was_null = NextIsNull();
  std::optional<double> value = OptionalDouble();
  if (was_null) Fail("unexpected NULL");
  return value.value_or(0);
}

std::optional<bool> PgRowReader::OptionalBool() {
  const char* raw = NextRaw();
  if (raw == nullptr) return std::nullopt;
  if (raw[0] == 't' && raw[1] == '\0') return true;
  if (raw[0] == 'f' && raw[1] == '\0') return false;
  Fail("'" + std::string(raw) + "' is not a boolean");
  return false;
}

std::string PgRowReader::Bytea() {
  const char* raw = NextRaw();
  if (raw == nullptr) {
    Fail("unexpected NULL");
    return {};
  }
  const std::string_view text(raw);
  // PostgreSQL's default bytea_output since 9.0.
  if (!text.starts_with("\\x") || text.size() % 2 != 0) {
    Fail("bytea is not in hex output format");
    return {};
  }
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string bytes;
  bytes.resize((text.size() - 2) / 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    const int high = nibble(text[2 + 2 * i]);
    const int low = nibble(text[3 + 2 * i]);
    if (high < 0 || low < 0) {
      Fail("bytea holds a character that is not a hex digit");
      return {};
    }
    bytes[i] = static_cast<char>((high << 4) | low);
  }
  return bytes;
}

bool PgRowReader::Bool() {
  const bool was_null = NextIsNull();
  std::optional<bool> value = OptionalBool();
  if (was_null) Fail("unexpected NULL");
  return value.value_or(false);
}

}  // namespace sphere::postgres
