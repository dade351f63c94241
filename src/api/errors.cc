#include "api/errors.h"

#include <nlohmann/json.hpp>

namespace sphere::api {
namespace {

std::string_view CodeWord(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalid_argument";
    case Code::kNotFound:
      return "not_found";
    case Code::kAlreadyExists:
      return "already_exists";
    case Code::kFailedPrecondition:
      return "failed_precondition";
    case Code::kPermissionDenied:
      return "permission_denied";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kDataLoss:
      return "data_loss";
    case Code::kInternal:
      return "internal";
  }
  return "internal";
}

bool LooksLikeFieldPath(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '[' || c == ']' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

int HttpStatusOf(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
      return 409;
    case Code::kFailedPrecondition:
      return 409;
    case Code::kUnavailable:
      return 503;
    case Code::kDataLoss:
      return 500;
    case Code::kInternal:
      return 500;
  }
  return 500;
}

Response ErrorResponse(int http_status, std::string_view code, std::string_view message,
                       std::string_view field) {
  nlohmann::json error = {{"code", code}, {"message", message}};
  error["field"] = field.empty() ? nlohmann::json(nullptr) : nlohmann::json(field);
  Response response;
  response.status = http_status;
  // Invalid UTF-8 in a message (echoed input) is replaced, never a throw.
  response.body = nlohmann::json{{"error", std::move(error)}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

Response ErrorResponse(const Status& status, std::string_view field) {
  std::string_view message = status.message();
  if (field.empty()) {
    const size_t colon = message.find(": ");
    if (colon != std::string_view::npos && LooksLikeFieldPath(message.substr(0, colon))) {
      field = message.substr(0, colon);
    }
  }
  return ErrorResponse(HttpStatusOf(status.code()), CodeWord(status.code()), message, field);
}

}  // namespace sphere::api
