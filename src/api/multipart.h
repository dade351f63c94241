// Decoding multipart/form-data request bodies (RFC 7578 over RFC 2046's framing), for the
// draft image upload. Pure functions, no I/O; the parts point into the body passed in.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sphere::api {

struct MultipartLimits {
  size_t max_parts = 16;
  size_t max_part_header_bytes = 8 << 10;  // each part's header block, final CRLFCRLF included
};

struct MultipartPart {
  std::string name;          // from Content-Disposition: form-data; name="..."
  std::string filename;      // "" when not a file
  std::string content_type;  // "" when absent (text/plain by the RFC); as sent, trimmed
  std::string_view data;     // points into the body passed in
};

// The parts of `body`, in order. `content_type` is the request's Content-Type header value:
// it must be multipart/form-data with a valid boundary parameter, else InvalidArgument
// "Content-Type: ...". Lines end in CRLF as the RFCs require; the preamble and the epilogue
// are ignored. Errors (InvalidArgument) name the part ("image: ...") when its name is known,
// else "body: ...": no boundary, junk after a boundary, a part header that is malformed,
// too long or lacks Content-Disposition form-data with a non-empty UTF-8 name, a
// Content-Transfer-Encoding other than 7bit/8bit/binary, a missing closing boundary, more
// than `limits.max_parts` parts, and a name given twice.
Result<std::vector<MultipartPart>> ParseMultipart(std::string_view content_type,
                                                  std::string_view body,
                                                  const MultipartLimits& limits = {});

// The boundary of a multipart/form-data Content-Type value (unquoted), or the
// "Content-Type: ..." error ParseMultipart would return.
Result<std::string> MultipartBoundary(std::string_view content_type);

}  // namespace sphere::api
