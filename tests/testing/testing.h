// Helpers shared by every test suite.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

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

// The repository root ($SPHERE_SOURCE_DIR, else the one this build was configured from).
std::filesystem::path SourceDir();
// The build directory ($SPHERE_BINARY_DIR, else this build's).
std::filesystem::path BinaryDir();
// SourceDir()/data/<relative>.
std::filesystem::path DataFile(std::string_view relative);

// The PostgreSQL URL the contract suite runs against ($SPHERE_TEST_POSTGRES_URL), or "".
std::string PostgresUrl();

}  // namespace sphere::testing

namespace sphere::testing {

// Runs one SQL command on the database `url` names, over a connection of its own:
// the side door for tests that must reach a state the Store interface cannot.
Status ExecutePostgresSql(const std::string& url, const std::string& sql);
// The same for a SQLite database file (waits up to 10 s for a writer to finish).
Status ExecuteSqliteSql(const std::filesystem::path& file, const std::string& sql);

// A PostgreSQL database created for one test on the server that `admin_url` names and
// dropped (WITH FORCE, so a leaked connection cannot keep it) on destruction.
// Throws std::runtime_error when the server refuses.
class ScratchPostgresDatabase {
 public:
  explicit ScratchPostgresDatabase(const std::string& admin_url);
  ~ScratchPostgresDatabase();
  ScratchPostgresDatabase(const ScratchPostgresDatabase&) = delete;
  ScratchPostgresDatabase& operator=(const ScratchPostgresDatabase&) = delete;

  // A libpq URL for the scratch database.
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

// The output and exit code of a finished child process.
struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string output;  // stdout and stderr, interleaved
};

// Runs the built `sphere` binary with `args` and waits for it.
ProcessResult RunSphere(const std::vector<std::string>& args);

// A `sphere` child process running in the background; killed (SIGKILL) and reaped on
// destruction if still running.
class SphereProcess {
 public:
  explicit SphereProcess(const std::vector<std::string>& args);
  ~SphereProcess();
  SphereProcess(const SphereProcess&) = delete;
  SphereProcess& operator=(const SphereProcess&) = delete;

  // Sends SIGKILL: the harshest interruption, no chance to clean up.
  void Kill();
  // Sends any signal (SIGTERM, SIGHUP...) to the running process.
  void Signal(int signal);
  // What it has written to stdout and stderr so far.
  std::string OutputSoFar() const;
  // Waits for the process and returns its result.
  ProcessResult Wait();

 private:
  int pid_ = -1;
  std::filesystem::path output_path_;
};

}  // namespace sphere::testing
