#include "core/time.h"

#include <charconv>
#include <cstdio>

namespace sphere {
namespace {

bool ParseFixed(std::string_view text, size_t pos, size_t len, int& out) {
  if (pos + len > text.size()) return false;
  const char* first = text.data() + pos;
  auto [ptr, ec] = std::from_chars(first, first + len, out);
  return ec == std::errc() && ptr == first + len;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

// Howard Hinnant's days_from_civil.
UnixSeconds DaysFromCivil(int year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int era = (year >= 0 ? year : year - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (static_cast<int64_t>(era) * 146097 + static_cast<int64_t>(doe) - 719468) * kSecondsPerDay;
}

Result<UnixSeconds> ParseIsoTime(std::string_view text) {
  auto bad = [&] {
    return InvalidArgument("'" + std::string(text) +
                           "' is not a date (YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[Z])");
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (text.size() < 10 || text[4] != '-' || text[7] != '-' || !ParseFixed(text, 0, 4, y) ||
      !ParseFixed(text, 5, 2, mo) || !ParseFixed(text, 8, 2, d)) {
    return bad();
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) return bad();
  std::string_view rest = text.substr(10);
  if (!rest.empty()) {
    if (rest.back() == 'Z') rest.remove_suffix(1);
    if (rest.size() != 9 || (rest[0] != 'T' && rest[0] != ' ') || rest[3] != ':' ||
        rest[6] != ':' || !ParseFixed(rest, 1, 2, h) || !ParseFixed(rest, 4, 2, mi) ||
        !ParseFixed(rest, 7, 2, s) || h > 23 || mi > 59 || s > 60) {
      return bad();
    }
  }
  return DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) + h * 3600 +
         mi * 60 + s;
}

namespace {
struct Civil {
  int year;
  unsigned month, day, hour, minute, second;
};
Civil CivilFromUnix(UnixSeconds t) {
  int64_t days = t / kSecondsPerDay;
  int64_t secs = t % kSecondsPerDay;
  if (secs < 0) {
    secs += kSecondsPerDay;
    --days;
  }
  // Howard Hinnant's civil_from_days.
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int y = static_cast<int>(yoe + era * 400) + (m <= 2);
  return {y,
          m,
          d,
          static_cast<unsigned>(secs / 3600),
          static_cast<unsigned>(secs / 60 % 60),
          static_cast<unsigned>(secs % 60)};
}

void AppendTwoDigits(std::string& out, unsigned v) {
  out += static_cast<char>('0' + v / 10);
  out += static_cast<char>('0' + v % 10);
}
}  // namespace

void AppendIsoTime(std::string& out, UnixSeconds t) {
  Civil c = CivilFromUnix(t);
  if (c.year < 0 || c.year > 9999) {
    // Years that do not fit four digits are rare; printf spells them out.
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02uZ", c.year, c.month, c.day, c.hour,
                  c.minute, c.second);
    out += buf;
    return;
  }
  // Digit by digit rather than snprintf: exporters write millions of times.
  const unsigned year = static_cast<unsigned>(c.year);
  AppendTwoDigits(out, year / 100);
  AppendTwoDigits(out, year % 100);
  out += '-';
  AppendTwoDigits(out, c.month);
  out += '-';
  AppendTwoDigits(out, c.day);
  out += 'T';
  AppendTwoDigits(out, c.hour);
  out += ':';
  AppendTwoDigits(out, c.minute);
  out += ':';
  AppendTwoDigits(out, c.second);
  out += 'Z';
}

std::string FormatIsoTime(UnixSeconds t) {
  std::string out;
  AppendIsoTime(out, t);
  return out;
}

std::string FormatIsoDate(UnixSeconds t) { return FormatIsoTime(t).substr(0, 10); }

}  // namespace sphere
