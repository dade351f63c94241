#include "service/model_registry.h"

#include <fstream>
#include <string>

namespace sphere::service {

Result<std::optional<ModelRecord>> LoadableModel(
    Store& store, std::string_view kind,
    const std::function<bool(const std::filesystem::path&)>& loads) {
  SPHERE_ASSIGN_OR_RETURN(std::optional<ModelRecord> latest, store.LatestModel(kind));
  if (latest && loads(latest->artifact_path)) return latest;
  return std::optional<ModelRecord>();
}

Result<std::filesystem::path> NewModelDir(const std::filesystem::path& dir, std::string_view what,
                                          std::string_view version) {
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(dir, error);
  if (error) return Unavailable(dir.string() + ": " + error.message());
  if (std::filesystem::exists(absolute / "manifest.json", error)) {
    return AlreadyExists(std::string(what) + " " + std::string(version) + " already exists at " +
                         absolute.string());
  }
  return absolute;
}

Status WriteModelText(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) return Unavailable(path.string() + ": write failed");
  return Status::Ok();
}

}  // namespace sphere::service
