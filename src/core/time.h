// Calendar helpers on UTC unix seconds. Pure functions, no time zones.
#pragma once

#include <string>
#include <string_view>

#include "core/domain.h"

namespace sphere {

// "2019-05-26" or "2019-05-26T13:04:05Z" (also with a space instead of 'T', and
// without the trailing 'Z') -> unix seconds UTC. Anything else is InvalidArgument.
Result<UnixSeconds> ParseIsoTime(std::string_view text);

// Unix seconds -> "2019-05-26T13:04:05Z".
std::string FormatIsoTime(UnixSeconds t);
// Appends FormatIsoTime(t) to `out` without a temporary string, for writers that format
// a time on every row.
void AppendIsoTime(std::string& out, UnixSeconds t);
// Unix seconds -> "2019-05-26".
std::string FormatIsoDate(UnixSeconds t);

// Seconds since the epoch at midnight UTC of the given civil date (proleptic Gregorian).
UnixSeconds DaysFromCivil(int year, unsigned month, unsigned day);

inline constexpr UnixSeconds kSecondsPerDay = 86'400;

}  // namespace sphere
