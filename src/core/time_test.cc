#include "core/time.h"

#include <gtest/gtest.h>

#include <string>

namespace sphere {
namespace {

TEST(ParseIsoTime, DatesAndDateTimes) {
  EXPECT_EQ(*ParseIsoTime("1970-01-01"), 0);
  EXPECT_EQ(*ParseIsoTime("2019-05-26"), 1558828800);
  EXPECT_EQ(*ParseIsoTime("2019-05-26T01:02:03Z"), 1558828800 + 3723);
  EXPECT_EQ(*ParseIsoTime("2019-05-26 01:02:03"), 1558828800 + 3723);
  EXPECT_EQ(*ParseIsoTime("2020-02-29"), 1582934400);
}

TEST(ParseIsoTime, RejectsImpossibleDates) {
  for (const char* bad : {"", "2019-5-26", "2019-13-01", "2019-02-29", "2019-05-26T25:00:00",
                          "2019-05-26X", "yesterday"}) {
    EXPECT_FALSE(ParseIsoTime(bad).ok()) << bad;
  }
}

TEST(FormatIsoTime, RoundTrips) {
  for (UnixSeconds t : {0LL, 1558828800LL + 3723, 1582934400LL, -86400LL}) {
    EXPECT_EQ(*ParseIsoTime(FormatIsoTime(t)), t);
  }
  EXPECT_EQ(FormatIsoDate(1558828800), "2019-05-26");
}

TEST(FormatIsoTime, PadsToFourDigitYearsAndSpellsOutLongerOnes) {
  EXPECT_EQ(FormatIsoTime(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatIsoTime(1558828800 + 3723), "2019-05-26T01:02:03Z");
  EXPECT_EQ(FormatIsoTime(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatIsoTime(DaysFromCivil(999, 3, 4)), "0999-03-04T00:00:00Z");
  EXPECT_EQ(FormatIsoTime(253'402'300'799), "9999-12-31T23:59:59Z");
  EXPECT_EQ(FormatIsoTime(253'402'300'800), "10000-01-01T00:00:00Z");
}

TEST(AppendIsoTime, AppendsWhatFormatIsoTimeReturns) {
  std::string out = "t=";
  AppendIsoTime(out, 1582934400);
  EXPECT_EQ(out, "t=2020-02-29T00:00:00Z");
}

}  // namespace
}  // namespace sphere
