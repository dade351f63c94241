#include "testing/testing.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

namespace sphere::testing {
namespace {

// The environment wins so a test binary can be pointed at another tree; by default the
// paths CMake knew when it configured this build.
std::filesystem::path FromEnvOr(const char* name, const char* configured) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : configured;
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

std::filesystem::path SourceDir() {
  return FromEnvOr("SPHERE_SOURCE_DIR", SPHERE_CONFIGURED_SOURCE_DIR);
}
std::filesystem::path BinaryDir() {
  return FromEnvOr("SPHERE_BINARY_DIR", SPHERE_CONFIGURED_BINARY_DIR);
}
std::filesystem::path DataFile(std::string_view relative) {
  return SourceDir() / "data" / relative;
}

std::string PostgresUrl() {
  const char* url = std::getenv("SPHERE_TEST_POSTGRES_URL");
  return url == nullptr ? "" : url;
}

}  // namespace sphere::testing

#include <fcntl.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <signal.h>
#include <sys/wait.h>

#include <memory>
#include <sstream>

namespace sphere::testing {
namespace {

// Replaces the database name (the path after the last '/', before any '?') of a libpq URL.
std::string WithDatabase(const std::string& url, const std::string& database) {
  size_t query = url.find('?');
  std::string base = url.substr(0, query);
  std::string tail = query == std::string::npos ? "" : url.substr(query);
  size_t scheme_end = base.find("://");
  size_t slash = base.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (slash != std::string::npos) base.resize(slash);
  return base + "/" + database + tail;
}

std::filesystem::path SphereBinary() { return BinaryDir() / "bin" / "sphere"; }

int StartChild(const std::vector<std::string>& args, const std::filesystem::path& output) {
  std::vector<std::string> argv_storage;
  argv_storage.push_back(SphereBinary().string());
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> argv;
    for (std::string& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Status ExecutePostgresSql(const std::string& url, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(url.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return Unavailable("cannot connect to " + url + ": " + PQerrorMessage(conn.get()));
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn.get(), sql.c_str()), &PQclear);
  ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return Internal(sql + ": " + PQresultErrorMessage(result.get()));
  }
  return Status::Ok();
}

Status ExecuteSqliteSql(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* raw = nullptr;
  const int opened = sqlite3_open(file.c_str(), &raw);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  if (opened != SQLITE_OK) return Unavailable("cannot open " + file.string());
  sqlite3_busy_timeout(db.get(), 10000);
  if (sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Internal(sql + ": " + sqlite3_errmsg(db.get()));
  }
  return Status::Ok();
}

ScratchPostgresDatabase::ScratchPostgresDatabase(const std::string& admin_url)
    : admin_url_(admin_url) {
  std::random_device rd;
  name_ = "sphere_test_" + std::to_string(::getpid()) + "_" + std::to_string(rd());
  Status created = ExecutePostgresSql(admin_url_, "CREATE DATABASE " + name_);
  if (!created.ok()) throw std::runtime_error(created.ToString());
  url_ = WithDatabase(admin_url_, name_);
}

ScratchPostgresDatabase::~ScratchPostgresDatabase() {
  Status dropped =
      ExecutePostgresSql(admin_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  if (!dropped.ok()) ADD_FAILURE() << "could not drop " << name_ << ": " << dropped.ToString();
}

ProcessResult RunSphere(const std::vector<std::string>& args) {
  SphereProcess process(args);
  return process.Wait();
}

SphereProcess::SphereProcess(const std::vector<std::string>& args) {
  std::random_device rd;
  output_path_ = std::filesystem::temp_directory_path() /
                 ("sphere-child-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  pid_ = StartChild(args, output_path_);
}

SphereProcess::~SphereProcess() {
  if (pid_ > 0) {
    Kill();
    Wait();
  }
  std::error_code ignored;
  std::filesystem::remove(output_path_, ignored);
}

void SphereProcess::Kill() {
  if (pid_ > 0) ::kill(pid_, SIGKILL);
}

void SphereProcess::Signal(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

std::string SphereProcess::OutputSoFar() const { return ReadFile(output_path_); }

ProcessResult SphereProcess::Wait() {
  ProcessResult result;
  if (pid_ <= 0) return result;
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.output = ReadFile(output_path_);
  return result;
}

}  // namespace sphere::testing
