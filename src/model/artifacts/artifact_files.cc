#include "model/artifacts/artifact_files.h"

#include <fstream>
#include <sstream>

namespace sphere::model {

Result<std::string> ReadArtifact(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return DataLoss(path.string() + ": cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return DataLoss(path.string() + ": read failed");
  return text.str();
}

Status WriteArtifact(const std::filesystem::path& path, std::string_view contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Unavailable(path.string() + ": cannot write");
  out << contents;
  out.close();
  if (!out) return Unavailable(path.string() + ": write failed");
  return Status::Ok();
}

}  // namespace sphere::model
