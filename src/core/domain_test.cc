#include "core/domain.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace sphere {
namespace {

TEST(NormalizeHandle, StripsSpaceAndAtAndLowercasesAscii) {
  EXPECT_EQ(NormalizeHandle("  @Cristiano "), "cristiano");
  EXPECT_EQ(NormalizeHandle("MrBeast6000"), "mrbeast6000");
  EXPECT_EQ(NormalizeHandle("@"), "");
  EXPECT_EQ(NormalizeHandle("Ünïcode"), "Ünïcode");  // non-ASCII bytes are left alone
}

// Found by fuzz/fuzz_formats: "@@ana" became the key "@ana", which the store, normalising
// the handle it is asked for, looks up as "ana".
TEST(NormalizeHandle, ANormalisedHandleNormalisesToItself) {
  EXPECT_EQ(NormalizeHandle("@@Ana"), "ana");
  EXPECT_EQ(NormalizeHandle(" @ @ana "), "ana");
  EXPECT_EQ(NormalizeHandle("@\t@"), "");
  for (std::string_view raw : {"@@Ana", " @ x", "@ @ Bob ", "a@b", "ana@", "@@"}) {
    std::string once = NormalizeHandle(raw);
    EXPECT_EQ(NormalizeHandle(once), once) << "raw: '" << raw << "'";
  }
}

TEST(TierOf, BoundariesAreLowerBounds) {
  EXPECT_EQ(TierOf(0), FollowerTier::kNano);
  EXPECT_EQ(TierOf(9'999), FollowerTier::kNano);
  EXPECT_EQ(TierOf(10'000), FollowerTier::kMicro);
  EXPECT_EQ(TierOf(100'000), FollowerTier::kMid);
  EXPECT_EQ(TierOf(500'000), FollowerTier::kMacro);
  EXPECT_EQ(TierOf(1'000'000), FollowerTier::kMega);
}

TEST(ParsePlatform, AcceptsAnyCaseAndRejectsUnknownNamingTheValue) {
  EXPECT_EQ(*ParsePlatform("TikTok"), Platform::kTikTok);
  Result<Platform> bad = ParsePlatform("myspace");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "platform: 'myspace' is not one of instagram|tiktok|youtube");
}

TEST(ParseMediaTypeAndRole, RoundTripEveryValue) {
  for (MediaType m : {MediaType::kImage, MediaType::kVideo, MediaType::kCarousel}) {
    EXPECT_EQ(*ParseMediaType(ToString(m)), m);
  }
  for (Role r : {Role::kBrand, Role::kCreator, Role::kAdmin}) EXPECT_EQ(*ParseRole(ToString(r)), r);
}

TEST(ParseDeliveryState, RoundTripsEveryStateInAnyCaseAndRejectsUnknownNamingTheField) {
  for (DeliveryState s :
       {DeliveryState::kPending, DeliveryState::kDelivered, DeliveryState::kDead}) {
    ASSERT_TRUE(ParseDeliveryState(ToString(s)).ok()) << ToString(s);
    EXPECT_EQ(*ParseDeliveryState(ToString(s)), s);
  }
  EXPECT_EQ(ToString(DeliveryState::kPending), "pending");
  EXPECT_EQ(ToString(DeliveryState::kDelivered), "delivered");
  EXPECT_EQ(ToString(DeliveryState::kDead), "dead");
  EXPECT_EQ(*ParseDeliveryState("DEAD"), DeliveryState::kDead);
  for (std::string_view bad : {"", "failed", "pending "}) {
    Result<DeliveryState> parsed = ParseDeliveryState(bad);
    ASSERT_FALSE(parsed.ok()) << "'" << bad << "'";
    EXPECT_EQ(parsed.error().code(), Code::kInvalidArgument);
    EXPECT_EQ(parsed.error().message(),
              "state: '" + std::string(bad) + "' is not one of pending|delivered|dead");
  }
}

TEST(ParseTier, RoundTripsEveryTierInAnyCaseAndRejectsUnknownNamingTheField) {
  for (FollowerTier t : {FollowerTier::kNano, FollowerTier::kMicro, FollowerTier::kMid,
                         FollowerTier::kMacro, FollowerTier::kMega}) {
    ASSERT_TRUE(ParseTier(ToString(t)).ok()) << ToString(t);
    EXPECT_EQ(*ParseTier(ToString(t)), t);
  }
  EXPECT_EQ(*ParseTier("Mega"), FollowerTier::kMega);
  Result<FollowerTier> bad = ParseTier("giga");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.error().message(), "tier: 'giga' is not one of nano|micro|mid|macro|mega");
}

}  // namespace
}  // namespace sphere
