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

}  // namespace sphere
