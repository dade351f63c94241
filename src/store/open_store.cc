#include <filesystem>

#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace sphere {

Result<std::unique_ptr<Store>> OpenStore(std::string_view url) {
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return OpenPostgresStore(std::string(url));
  }
  std::string_view path = url;
  if (url.starts_with("sqlite:")) {
    path.remove_prefix(std::string_view("sqlite:").size());
  } else if (url.find("://") != std::string_view::npos) {
    return InvalidArgument("store url '" + std::string(url) +
                           "': unknown scheme (use sqlite:PATH or postgresql://...)");
  }
  if (path.empty()) return InvalidArgument("store url '" + std::string(url) + "': empty path");
  return OpenSqliteStore(std::filesystem::path(path));
}

std::string RedactStoreUrl(std::string_view url) {
  std::string out(url);
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t authority = scheme + 3;
    size_t authority_end = out.find_first_of("/?", authority);
    size_t at = out.rfind('@', authority_end == std::string::npos ? out.size() : authority_end);
    if (at != std::string::npos && at >= authority) {
      size_t colon = out.find(':', authority);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=... as a query parameter (URI) or a key=value pair.
  for (size_t pos = out.find("password="); pos != std::string::npos;
       pos = out.find("password=", pos + 1)) {
    size_t value = pos + std::string_view("password=").size();
    size_t end = out.find_first_of("& ", value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
  }
  return out;
}

}  // namespace sphere
