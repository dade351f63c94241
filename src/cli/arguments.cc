#include "cli/arguments.h"

#include "core/time.h"

namespace sphere::cli {

Result<UnixSeconds> ParseAt(const std::string& text, std::string_view flag) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos &&
      text.size() <= 12) {
    return static_cast<UnixSeconds>(std::stoll(text));
  }
  Result<UnixSeconds> t = ParseIsoTime(text);
  if (!t.ok()) return InvalidArgument(std::string(flag) + ": " + t.status().message());
  return t;
}

}  // namespace sphere::cli
