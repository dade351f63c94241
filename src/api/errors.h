// The one place that maps a Status to an HTTP status and the one JSON error body:
//   {"error": {"code": "invalid_argument", "message": "...", "field": "post_text"}}
// `field` is the JSON path, query parameter, header or multipart part that is wrong, or
// null when no single input is to blame.
#pragma once

#include <string>
#include <string_view>

#include "api/message.h"
#include "core/status.h"

namespace sphere::api {

// kInvalidArgument 400, kPermissionDenied 403, kNotFound 404, kAlreadyExists 409,
// kFailedPrecondition 409, kUnavailable 503, kDataLoss and kInternal 500.
int HttpStatusOf(Code code);

// The error body for any HTTP status: `code` is a stable snake_case word
// ("invalid_argument", "payload_too_large", "method_not_allowed", "rate_limited"...).
Response ErrorResponse(int http_status, std::string_view code, std::string_view message,
                       std::string_view field = {});

// A Status as a response. When `field` is empty and the message starts with "NAME: " where
// NAME looks like a field path (letters, digits, '_', '.', '[', ']'), NAME is the field.
Response ErrorResponse(const Status& status, std::string_view field = {});

}  // namespace sphere::api
