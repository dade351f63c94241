#include <gtest/gtest.h>

#include "store/store.h"
#include "testing/testing.h"

namespace sphere {
namespace {

TEST(RedactStoreUrl, HidesPasswordsAndKeepsTheRest) {
  EXPECT_EQ(RedactStoreUrl("postgresql://sphere:s3cret@db.local:5432/sphere"),
            "postgresql://sphere:***@db.local:5432/sphere");
  EXPECT_EQ(RedactStoreUrl("postgres://u@h/db?password=s3cret&sslmode=require"),
            "postgres://u@h/db?password=***&sslmode=require");
  EXPECT_EQ(RedactStoreUrl("postgresql://postgres@127.0.0.1:5432/postgres"),
            "postgresql://postgres@127.0.0.1:5432/postgres");
  EXPECT_EQ(RedactStoreUrl("sqlite:var/sphere.db"), "sqlite:var/sphere.db");
}

TEST(OpenStore, UnknownSchemeIsInvalidArgument) {
  auto store = OpenStore("mysql://root@localhost/sphere");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), Code::kInvalidArgument);
  EXPECT_NE(store.error().message().find("unknown scheme"), std::string::npos);
}

TEST(OpenStore, PathWithoutSchemeIsAnSqliteFile) {
  testing::TempDir dir;
  auto store = OpenStore((dir.path() / "plain.db").string());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "plain.db"));
}

}  // namespace
}  // namespace sphere
