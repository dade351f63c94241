#include "testing/testing.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

namespace sphere::testing {
namespace {

std::filesystem::path FromEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    throw std::runtime_error(std::string(name) + " is not set; run the tests through ctest");
  }
  return value;
}

}  // namespace

TempDir::TempDir() {
  std::random_device rd;
  std::filesystem::path base = std::filesystem::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::filesystem::path candidate =
        base / ("sphere-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    if (std::filesystem::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory under " + base.string());
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TempDir::Write(std::string_view name, std::string_view contents) const {
  std::filesystem::path file = path_ / name;
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  if (!out) throw std::runtime_error("cannot write " + file.string());
  return file;
}

std::filesystem::path SourceDir() { return FromEnv("SPHERE_SOURCE_DIR"); }
std::filesystem::path BinaryDir() { return FromEnv("SPHERE_BINARY_DIR"); }
std::filesystem::path DataFile(std::string_view relative) { return SourceDir() / "data" / relative; }

std::string PostgresUrl() {
  const char* url = std::getenv("SPHERE_TEST_POSTGRES_URL");
  return url == nullptr ? "" : url;
}

}  // namespace sphere::testing
