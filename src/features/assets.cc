#include "features/assets.h"

#include <cstdlib>
#include <system_error>

namespace sphere::features {

AssetDir AssetDir::Locate(std::string_view explicit_dir) {
  if (!explicit_dir.empty()) return AssetDir(std::filesystem::path(explicit_dir));
  if (const char* env = std::getenv("SPHERE_ASSETS"); env != nullptr && *env != '\0') {
    return AssetDir(std::filesystem::path(env));
  }
  return AssetDir(std::filesystem::path("var/assets"));
}

Result<std::filesystem::path> AssetDir::Find(std::string_view package,
                                             std::string_view file) const {
  std::filesystem::path path = root_ / std::string(package) / std::string(file);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return NotFound("asset " + path.string() +
                    " is missing; run scripts/fetch_assets.sh (or set SPHERE_ASSETS)");
  }
  return path;
}

}  // namespace sphere::features
