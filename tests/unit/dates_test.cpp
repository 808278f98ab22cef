// Calendar arithmetic: the rules of LANGUAGE.md for years, months, month ends and leap days.
#include <doctest/doctest.h>

#include "runtime/core/dates.h"

using namespace lawful;

static Days d(const char* s) { return *parse_date(s); }

TEST_CASE("dates parse strictly") {
  CHECK(parse_date("2024-02-29").has_value());
  CHECK_FALSE(parse_date("2023-02-29").has_value());
  CHECK_FALSE(parse_date("2024-13-01").has_value());
  CHECK_FALSE(parse_date("2024-1-01").has_value());
  CHECK_FALSE(parse_date("24-01-01").has_value());
  CHECK_FALSE(parse_date("2024-01-01x").has_value());
  CHECK(format_date(d("1970-01-01")) == "1970-01-01");
  CHECK(d("1970-01-02") == 1);
  CHECK(format_date(d("0001-01-01")) == "0001-01-01");
  CHECK(format_date(d("9999-12-31")) == "9999-12-31");
}

TEST_CASE("years and months are calendar units, clamped at month ends") {
  CHECK(format_date(*add_duration(d("2023-12-01"), {36, 0})) == "2026-12-01");
  CHECK(format_date(*add_duration(d("2024-02-29"), {12, 0})) == "2025-02-28");
  CHECK(format_date(*add_duration(d("2024-02-29"), {48, 0})) == "2028-02-29");
  CHECK(format_date(*add_duration(d("2024-01-31"), {1, 0})) == "2024-02-29");
  CHECK(format_date(*add_duration(d("2023-01-31"), {1, 0})) == "2023-02-28");
  CHECK(format_date(*add_duration(d("2024-03-31"), {1, 0}, -1)) == "2024-02-29");
  CHECK(format_date(*add_duration(d("2024-12-31"), {0, 1})) == "2025-01-01");
  CHECK(format_date(*add_duration(d("2024-01-01"), {-1, 0})) == "2023-12-01");
}

TEST_CASE("dates outside years 1..9999 are refused") {
  CHECK_FALSE(add_duration(d("9999-06-01"), {12, 0}).has_value());
  CHECK_FALSE(add_duration(d("0001-01-01"), {0, 1}, -1).has_value());
  CHECK_FALSE(add_duration(kDateNever, {0, 1}).has_value());
}
