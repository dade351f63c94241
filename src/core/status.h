// The one error vocabulary of InfluencerSphere.
//
// Every fallible function returns a Status (no value) or a Result<T> (a value or a
// Status). Exceptions from libraries are caught at module edges and turned into a
// Status there; they never cross a module boundary. One place (the HTTP layer, later)
// maps a Code to an HTTP status, and the CLI maps any non-OK Status to exit code 1.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sphere {

enum class Code {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong; the message names the field or file:line
  kNotFound,            // the thing asked for does not exist
  kAlreadyExists,       // a create collided with an existing key
  kFailedPrecondition,  // the system is not in a state to do this (e.g. schema too new)
  kPermissionDenied,    // the caller may not do this
  kUnavailable,         // a dependency (database server, file system) cannot be reached
  kDataLoss,            // stored data is damaged
  kInternal,            // a bug or a library failure we did not expect
};

std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "INVALID_ARGUMENT: followers: not a number" (or "OK").
  std::string ToString() const;

  // Returns a copy whose message is "context: message" (no-op on OK).
  Status WithContext(std::string_view context) const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {Code::kFailedPrecondition, std::move(m)};
}
inline Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status DataLoss(std::string m) { return {Code::kDataLoss, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

// A value or the Status that explains why there is none; shaped like std::expected.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(state_).ok() && "a Result needs a value or an error");
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // The error; OK when there is a value.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(state_); }
  const Status& error() const { return std::get<Status>(state_); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace sphere

// Returns early from the enclosing function when `expr` (a Status) is not OK.
#define SPHERE_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::sphere::Status sphere_status_ = (expr);        \
    if (!sphere_status_.ok()) return sphere_status_; \
  } while (0)

#define SPHERE_CONCAT_INNER(a, b) a##b
#define SPHERE_CONCAT(a, b) SPHERE_CONCAT_INNER(a, b)

// `SPHERE_ASSIGN_OR_RETURN(auto x, Fallible());` binds the value or returns the error.
#define SPHERE_ASSIGN_OR_RETURN(lhs, expr) \
  SPHERE_ASSIGN_OR_RETURN_IMPL(SPHERE_CONCAT(sphere_result_, __LINE__), lhs, expr)
#define SPHERE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.error();                 \
  lhs = std::move(tmp).value()
