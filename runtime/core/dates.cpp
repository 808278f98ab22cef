// Civil-date conversions (proleptic Gregorian) and calendar arithmetic; see dates.h.
#include "runtime/core/dates.h"

#include <fmt/format.h>

namespace lawful {

// Howard Hinnant's days_from_civil / civil_from_days algorithms (public domain
// description of the arithmetic, written out here).
Days days_from_civil(int32_t y, uint32_t m, uint32_t d) {
  y -= m <= 2;
  const int32_t era = (y >= 0 ? y : y - 399) / 400;
  const uint32_t yoe = static_cast<uint32_t>(y - era * 400);
  const uint32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int32_t>(doe) - 719468;
}

Civil civil_from_days(Days z0) {
  int32_t z = z0 + 719468;
  const int32_t era = (z >= 0 ? z : z - 146096) / 146097;
  const uint32_t doe = static_cast<uint32_t>(z - era * 146097);
  const uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int32_t y = static_cast<int32_t>(yoe) + era * 400;
  const uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const uint32_t mp = (5 * doy + 2) / 153;
  const uint32_t d = doy - (153 * mp + 2) / 5 + 1;
  const uint32_t m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

static bool is_leap(int32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

uint32_t days_in_month(int32_t y, uint32_t m) {
  static const uint8_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

bool is_valid_civil(int32_t y, uint32_t m, uint32_t d) {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

std::optional<Days> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto digits = [&](size_t from, size_t n) -> int {
    int v = 0;
    for (size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  int y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
  if (y < 0 || m < 0 || d < 0) return std::nullopt;
  if (!is_valid_civil(y, static_cast<uint32_t>(m), static_cast<uint32_t>(d))) return std::nullopt;
  return days_from_civil(y, static_cast<uint32_t>(m), static_cast<uint32_t>(d));
}

std::string format_date(Days d) {
  if (d >= kDateNever) return "never";
  Civil c = civil_from_days(d);
  return fmt::format("{:04}-{:02}-{:02}", c.year, c.month, c.day);
}

std::optional<Days> add_duration(Days d, Duration dur, int sign) {
  if (d >= kDateNever || d < kDateMin) return std::nullopt;
  Civil c = civil_from_days(d);
  int64_t months = static_cast<int64_t>(c.year) * 12 + (c.month - 1) + static_cast<int64_t>(sign) * dur.months;
  int64_t y = months >= 0 ? months / 12 : (months - 11) / 12;
  uint32_t m = static_cast<uint32_t>(months - y * 12) + 1;
  if (y < 1 || y > 9999) return std::nullopt;
  uint32_t day = c.day;
  uint32_t dim = days_in_month(static_cast<int32_t>(y), m);
  if (day > dim) day = dim;
  int64_t out = static_cast<int64_t>(days_from_civil(static_cast<int32_t>(y), m, day)) +
                static_cast<int64_t>(sign) * dur.days;
  if (out < kDateMin || out > kDateMax) return std::nullopt;
  return static_cast<Days>(out);
}

}  // namespace lawful
