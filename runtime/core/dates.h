// Calendar dates as day numbers, and the calendar arithmetic the language promises:
// years and months are calendar units (2024-02-29 + 1 year = 2025-02-28, clamped to the
// end of the month), days are days.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lawful {

// Days since 1970-01-01. Valid dates lie in years 1..9999.
using Days = int32_t;
// The date that never comes: `withdrawn_at: date default never`.
inline constexpr Days kDateNever = 2932897;  // 9999-12-31 + 1 day
inline constexpr Days kDateMin = -719162;    // 0001-01-01
inline constexpr Days kDateMax = 2932896;     // 9999-12-31

struct Civil {
  int32_t year;
  uint32_t month;  // 1..12
  uint32_t day;    // 1..31
};

Days days_from_civil(int32_t y, uint32_t m, uint32_t d);
Civil civil_from_days(Days z);
bool is_valid_civil(int32_t y, uint32_t m, uint32_t d);
uint32_t days_in_month(int32_t y, uint32_t m);

// Strict YYYY-MM-DD; nullopt for anything else, 2023-02-29 included.
std::optional<Days> parse_date(std::string_view s);
std::string format_date(Days d);

// A calendar duration: months (years are 12 months) then days.
struct Duration {
  int32_t months = 0;
  int32_t days = 0;
};
// d + dur, with the day clamped to the end of the target month; nullopt when the result
// leaves years 1..9999 (or d is `never`).
std::optional<Days> add_duration(Days d, Duration dur, int sign = 1);

}  // namespace lawful
