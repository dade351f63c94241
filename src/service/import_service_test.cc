#include "service/import_service.h"

#include <gtest/gtest.h>

#include "testing/testing.h"

namespace sphere::service {
namespace {

using sphere::testing::DataFile;
using sphere::testing::TempDir;

std::unique_ptr<Store> OpenTempStore(const TempDir& dir) {
  auto store = OpenStore("sqlite:" + (dir.path() / "sphere.db").string());
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return std::move(store).value();
}

TEST(ImportFile, LoadsARealFileAndRecordsTheImport) {
  TempDir dir;
  auto store = OpenTempStore(dir);
  auto result = ImportFile(*store, DataFile("instagram/instagram_reach.csv"), {});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->report.format(), "instagram_reach");
  EXPECT_EQ(result->report.rows_loaded() + result->report.rows_rejected(), 100);
  EXPECT_GT(result->written.posts_written, 0);
  EXPECT_EQ(result->sha256.size(), 64u);

  auto imports = store->ListImports();
  ASSERT_TRUE(imports.ok());
  ASSERT_EQ(imports->size(), 1u);
  EXPECT_EQ((*imports)[0].sha256, result->sha256);
  EXPECT_EQ((*imports)[0].rows_loaded, result->report.rows_loaded());
}

TEST(ImportFile, ReimportingTheSameFileWritesNothing) {
  TempDir dir;
  auto store = OpenTempStore(dir);
  ImportOptions small_batches;
  small_batches.batch_records = 7;  // many transactions, same outcome
  ASSERT_TRUE(ImportFile(*store, DataFile("instagram/instagram_reach.csv"), small_batches).ok());
  auto before = store->Stats();
  auto again = ImportFile(*store, DataFile("instagram/instagram_reach.csv"), {});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->written.creators_written, 0);
  EXPECT_EQ(again->written.posts_written, 0);
  EXPECT_EQ(again->written.snapshots_written, 0);
  auto after = store->Stats();
  EXPECT_EQ(before->by_platform.at("instagram").posts, after->by_platform.at("instagram").posts);
  EXPECT_EQ(store->ListImports()->size(), 1u);
}

TEST(ImportFile, ProgressIsReportedAfterEveryBatch) {
  TempDir dir;
  auto store = OpenTempStore(dir);
  ImportOptions options;
  options.batch_records = 50;
  int calls = 0;
  int64_t last = 0;
  auto result = ImportFile(*store, DataFile("instagram/instagram_reach.csv"), options,
                           [&](const ImportProgress& p) {
                             ++calls;
                             EXPECT_GT(p.records, last);
                             last = p.records;
                           });
  ASSERT_TRUE(result.ok());
  EXPECT_GE(calls, 2);
}

TEST(ImportFile, UnrecognisedFileIsAnErrorNamingIt) {
  TempDir dir;
  auto store = OpenTempStore(dir);
  auto file = dir.Write("mystery.csv", "a,b,c\n1,2,3\n");
  auto result = ImportFile(*store, file, {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), Code::kInvalidArgument);
  EXPECT_NE(result.error().message().find("mystery.csv"), std::string::npos);
}

TEST(ImportFile, UnknownForcedFormatListsTheKnownOnes) {
  TempDir dir;
  auto store = OpenTempStore(dir);
  ImportOptions options;
  options.format = "excel97";
  auto result = ImportFile(*store, DataFile("instagram/instagram_reach.csv"), options);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("kim_posts"), std::string::npos);
}

TEST(ExpandImportPaths, WalksDirectoriesSortedAndSkipsDocumentation) {
  TempDir dir;
  dir.Write("b/2.csv", "x");
  dir.Write("a/1.csv", "x");
  dir.Write("a/SOURCES.md", "x");
  dir.Write("a/.hidden", "x");
  auto files = ExpandImportPaths({dir.path()});
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0], dir.path() / "a/1.csv");
  EXPECT_EQ((*files)[1], dir.path() / "b/2.csv");
}

TEST(ExpandImportPaths, MissingPathIsNotFound) {
  auto files = ExpandImportPaths({"/no/such/place"});
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.error().code(), Code::kNotFound);
}

}  // namespace
}  // namespace sphere::service
