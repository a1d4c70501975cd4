#include "common/time.hpp"

#include <gtest/gtest.h>

namespace ats {
namespace {

using namespace std::chrono;
using std::chrono::sys_days;

SystemTime At(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return time_point_cast<SystemTime::duration>(sys_days{year{y} / month{mo} / day{d}} + hours{h} +
                                               minutes{mi} + seconds{s});
}

TEST(TimeTest, ParsesUtcZ) {
  auto t = ParseRfc3339("2026-07-23T18:58:18Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, At(2026, 7, 23, 18, 58, 18));
  auto lower = ParseRfc3339("2026-07-23t18:58:18z");
  ASSERT_TRUE(lower.has_value());
  EXPECT_EQ(*lower, *t);
}

TEST(TimeTest, ParsesOffsets) {
  auto plus = ParseRfc3339("2026-07-23T20:58:18+02:00");
  auto minus = ParseRfc3339("2026-07-23T13:28:18-05:30");
  auto zero = ParseRfc3339("2026-07-23T18:58:18+00:00");
  ASSERT_TRUE(plus && minus && zero);
  EXPECT_EQ(*plus, At(2026, 7, 23, 18, 58, 18));
  EXPECT_EQ(*minus, At(2026, 7, 23, 18, 58, 18));
  EXPECT_EQ(*zero, At(2026, 7, 23, 18, 58, 18));
}

TEST(TimeTest, OffsetCrossesDateAndYear) {
  auto t = ParseRfc3339("2027-01-01T01:00:00+02:00");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, At(2026, 12, 31, 23, 0, 0));
}

TEST(TimeTest, ParsesFractions) {
  auto half = ParseRfc3339("2026-07-23T18:58:18.5Z");
  auto millis = ParseRfc3339("2026-07-23T18:58:18.123Z");
  auto nanos = ParseRfc3339("2026-07-23T18:58:18.123456789+01:00");
  auto excess = ParseRfc3339("2026-07-23T18:58:18.1234567899Z");  // beyond ns: truncated
  ASSERT_TRUE(half && millis && nanos && excess);
  const auto base = At(2026, 7, 23, 18, 58, 18);
  EXPECT_EQ(*half - base, milliseconds(500));
  EXPECT_EQ(*millis - base, milliseconds(123));
  EXPECT_EQ(*nanos - (base - hours(1)), duration_cast<SystemTime::duration>(nanoseconds(123456789)));
  EXPECT_EQ(*excess - base, duration_cast<SystemTime::duration>(nanoseconds(123456789)));
}

TEST(TimeTest, AcceptsLeapDayRejectsImpossibleDates) {
  EXPECT_TRUE(ParseRfc3339("2024-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(ParseRfc3339("2026-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(ParseRfc3339("2026-02-30T00:00:00Z").has_value());
  EXPECT_FALSE(ParseRfc3339("2026-04-31T00:00:00Z").has_value());
}

TEST(TimeTest, RejectsInvalidInputs) {
  for (const char* bad : {
           "",
           "2026",
           "2026-07-23",
           "2026-07-23T18:58:18",        // no zone
           "2026-07-23T18:58Z",          // no seconds
           "2026-7-23T18:58:18Z",        // one-digit month
           "2026-07-23X18:58:18Z",       // bad separator
           "2026-13-01T00:00:00Z",       // month 13
           "2026-00-01T00:00:00Z",       // month 0
           "2026-07-00T00:00:00Z",       // day 0
           "2026-07-23T24:00:00Z",       // hour 24
           "2026-07-23T18:60:00Z",       // minute 60
           "2026-07-23T18:58:18.Z",      // empty fraction
           "2026-07-23T18:58:18+0200",   // offset without colon
           "2026-07-23T18:58:18+02",     // truncated offset
           "2026-07-23T18:58:18+24:00",  // offset hour out of range
           "2026-07-23T18:58:18+02:60",  // offset minute out of range
           "2026-07-23T18:58:18Zjunk",   // trailing text
           "2026-07-23T18:58:18Z ",      // trailing space
           " 2026-07-23T18:58:18Z",      // leading space
           "2026-07-23T18:58:1aZ",       // non-digit
           "+026-07-23T18:58:18Z",       // sign in year
       }) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

TEST(TimeTest, Formats) {
  EXPECT_EQ(FormatRfc3339(SystemTime{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(At(2026, 7, 23, 18, 58, 18)), "2026-07-23T18:58:18Z");
  EXPECT_EQ(FormatRfc3339Millis(At(2026, 7, 23, 18, 58, 18) + milliseconds(7)), "2026-07-23T18:58:18.007Z");
  // Sub-second parts are truncated, never rounded up into the next second.
  EXPECT_EQ(FormatRfc3339(At(2026, 7, 23, 18, 58, 18) + milliseconds(999)), "2026-07-23T18:58:18Z");
  // Before the epoch the second is floored, so the fraction stays positive.
  EXPECT_EQ(FormatRfc3339Millis(SystemTime{} - milliseconds(1)), "1969-12-31T23:59:59.999Z");
}

TEST(TimeTest, RoundTrips) {
  const auto t = At(2031, 3, 9, 4, 5, 6) + milliseconds(789);
  auto seconds_back = ParseRfc3339(FormatRfc3339(t));
  auto millis_back = ParseRfc3339(FormatRfc3339Millis(t));
  ASSERT_TRUE(seconds_back && millis_back);
  EXPECT_EQ(*seconds_back, floor<seconds>(t));
  EXPECT_EQ(*millis_back, t);
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2026-07-23T20:58:18+02:00")), "2026-07-23T18:58:18Z");
}

}  // namespace
}  // namespace ats
