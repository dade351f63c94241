// RFC 9110 syntax checks the server (handler headers) and the client (caller headers) share.
#pragma once

#include <string_view>

namespace sphere::http {

// A token: a method or a header name.
inline bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// A header value that cannot split the message (no CR, LF or NUL).
inline bool IsFieldValue(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace sphere::http
