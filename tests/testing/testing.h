// Helpers shared by every test suite.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace sphere::testing {

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `contents` to path()/name (creating parent folders) and returns the full path.
  std::filesystem::path Write(std::string_view name, std::string_view contents) const;

 private:
  std::filesystem::path path_;
};

// The repository root (from $SPHERE_SOURCE_DIR, set by CTest).
std::filesystem::path SourceDir();
// The build directory (from $SPHERE_BINARY_DIR, set by CTest).
std::filesystem::path BinaryDir();
// SourceDir()/data/<relative>.
std::filesystem::path DataFile(std::string_view relative);

// The PostgreSQL URL the contract suite runs against ($SPHERE_TEST_POSTGRES_URL), or "".
std::string PostgresUrl();

}  // namespace sphere::testing
