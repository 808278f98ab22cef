// Conversions of a mapping's cells; see mapping.h.
#include "runtime/facts/mapping.h"

#include <charconv>

#include <fmt/format.h>

#include "runtime/core/countries.h"
#include "runtime/facts/csv_binder.h"

namespace lawful {

namespace {

bool iequals(std::string_view a, std::string_view b) { return ascii_iequals(a, b); }

// Reads 1 to `most` digits at s[*i]; false if there is none.
bool digits(std::string_view s, size_t* i, size_t most, int64_t* out) {
  size_t start = *i;
  int64_t v = 0;
  while (*i < s.size() && *i - start < most && s[*i] >= '0' && s[*i] <= '9') v = v * 10 + (s[(*i)++] - '0');
  *out = v;
  return *i > start;
}

constexpr const char* kMonths[] = {"january", "february", "march",     "april",   "may",      "june",
                                   "july",    "august",   "september", "october", "november", "december"};

}  // namespace

std::string DateFormat::compile(std::string_view format, size_t* at) {
  items_.clear();
  text_ = std::string(format);
  bool year = false, month = false, day = false, epoch = false, h12 = false, ampm = false;
  for (size_t i = 0; i < format.size(); ++i) {
    *at = i;
    if (format[i] != '%') {
      items_.push_back({Piece::Literal, format[i]});
      continue;
    }
    if (i + 1 >= format.size()) return "a format cannot end with '%'";
    char c = format[++i];
    Piece p;
    switch (c) {
      case 'Y': p = Piece::Year; year = true; break;
      case 'm': p = Piece::Month; month = true; break;
      case 'b': case 'B': p = Piece::MonthName; month = true; break;
      case 'd': p = Piece::Day; day = true; break;
      case 'H': p = Piece::Hour24; break;
      case 'I': p = Piece::Hour12; h12 = true; break;
      case 'M': p = Piece::Minute; break;
      case 'S': p = Piece::Second; break;
      case 'p': p = Piece::AmPm; ampm = true; break;
      case 'f': p = Piece::Fraction; break;
      case 'z': p = Piece::Offset; break;
      case 's': p = Piece::Epoch; epoch = true; break;
      case '%': items_.push_back({Piece::Literal, '%'}); continue;
      case 'y': return "'%y' is a two-digit year, whose century would be a guess; write the export's years with %Y";
      default: return fmt::format("'%{}' is not a directive of a date format (%Y %m %d %b %H %I %M %S %p %f %z %s)", c);
    }
    items_.push_back({p, 0});
  }
  *at = 0;
  if (epoch) {
    if (items_.size() != 1) return "'%s' (seconds since 1970) stands alone in a format";
    return {};
  }
  if (!year || !month || !day) return "a date format needs a year (%Y), a month (%m or %b) and a day (%d)";
  if (h12 != ampm) return "%I (a 12-hour clock) and %p (AM or PM) go together";
  return {};
}

std::optional<Days> DateFormat::parse(std::string_view s) const {
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offset = 0, v = 0;
  bool pm = false, has_ampm = false;
  size_t i = 0;
  for (const Item& it : items_) {
    switch (it.piece) {
      case Piece::Literal:
        if (i >= s.size() || s[i] != it.literal) return std::nullopt;
        ++i;
        break;
      case Piece::Year: {
        size_t start = i;
        if (!digits(s, &i, 4, &year) || i - start != 4) return std::nullopt;
        break;
      }
      case Piece::Month: if (!digits(s, &i, 2, &month)) return std::nullopt; break;
      case Piece::Day: if (!digits(s, &i, 2, &day)) return std::nullopt; break;
      case Piece::Hour24: case Piece::Hour12: if (!digits(s, &i, 2, &hour)) return std::nullopt; break;
      case Piece::Minute: if (!digits(s, &i, 2, &minute)) return std::nullopt; break;
      case Piece::Second: if (!digits(s, &i, 2, &second)) return std::nullopt; break;
      case Piece::Fraction: if (!digits(s, &i, 9, &v)) return std::nullopt; break;
      case Piece::MonthName: {
        size_t start = i;
        while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
        std::string_view word = s.substr(start, i - start);
        month = 0;
        for (int m = 0; m < 12; ++m) {
          std::string_view full = kMonths[m];
          if (iequals(word, full) || iequals(word, full.substr(0, 3))) month = m + 1;
        }
        if (!month) return std::nullopt;
        break;
      }
      case Piece::AmPm:
        if (i + 2 > s.size()) return std::nullopt;
        if (iequals(s.substr(i, 2), "am")) pm = false;
        else if (iequals(s.substr(i, 2), "pm")) pm = true;
        else return std::nullopt;
        has_ampm = true;
        i += 2;
        break;
      case Piece::Offset: {
        if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
          ++i;
          break;
        }
        if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return std::nullopt;
        int sign = s[i++] == '-' ? -1 : 1;
        int64_t oh = 0, om = 0;
        size_t start = i;
        if (!digits(s, &i, 2, &oh) || i - start != 2) return std::nullopt;
        if (i < s.size() && s[i] == ':') ++i;
        start = i;
        if (i < s.size() && digits(s, &i, 2, &om) && i - start != 2) return std::nullopt;
        if (oh > 23 || om > 59) return std::nullopt;
        offset = sign * (oh * 60 + om);
        break;
      }
      case Piece::Epoch: {
        bool neg = i < s.size() && s[i] == '-';
        if (neg) ++i;
        size_t start = i;
        if (!digits(s, &i, 12, &v)) return std::nullopt;
        if (i != s.size() || i - start > 11) return std::nullopt;
        int64_t secs = neg ? -v : v;
        int64_t d = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
        return static_cast<Days>(d);
      }
    }
  }
  if (i != s.size()) return std::nullopt;
  if (has_ampm) {
    if (hour < 1 || hour > 12) return std::nullopt;
    hour = hour % 12 + (pm ? 12 : 0);
  }
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
  if (!is_valid_civil(static_cast<int32_t>(year), static_cast<uint32_t>(month), static_cast<uint32_t>(day)))
    return std::nullopt;
  Days d = days_from_civil(static_cast<int32_t>(year), static_cast<uint32_t>(month), static_cast<uint32_t>(day));
  int64_t minutes = hour * 60 + minute - offset;  // UTC, when an offset was given (else 0)
  if (minutes < 0) d -= 1;
  else if (minutes >= 24 * 60) d += 1;
  return d;
}

std::vector<std::string> Mapping::columns() const {
  std::vector<std::string> out;
  auto add = [&](const MappedSource& s) {
    if (s.constant || s.column.empty()) return;
    for (const std::string& c : out)
      if (c == s.column) return;
    out.push_back(s.column);
  };
  for (const MappedRecord& r : records) {
    if (r.when) add(*r.when);
    for (const MappedField& f : r.fields) add(f.source);
    if (r.confirmed) add(*r.confirmed);
  }
  return out;
}

bool convert_cell(const MappedSource& src, const Schema& schema, std::string_view cell, Value* out,
                  std::string_view* text, std::string* why) {
  switch (src.conversion) {
    case Conversion::Bool:
      for (const std::string& w : src.true_words)
        if (iequals(cell, w)) return *out = kTrue, true;
      for (const std::string& w : src.false_words)
        if (iequals(cell, w)) return *out = kFalse, true;
      *why = "is not a yes or no of this column";
      return false;
    case Conversion::Date: {
      auto d = src.date.parse(cell);
      if (!d) {
        *why = fmt::format("is not a date in the format {}", src.date.text());
        return false;
      }
      *out = *d;
      return true;
    }
    case Conversion::Country: {
      std::string_view a2 = country_alpha2(cell);
      if (a2.empty()) {
        *why = "is not a country (a name, or an ISO 3166 code of two or three letters)";
        return false;
      }
      *text = a2;
      return true;
    }
    case Conversion::Table: {
      const MappedSource::Entry* hit = nullptr;
      for (const MappedSource::Entry& e : src.table)
        if (iequals(cell, e.from)) {
          hit = &e;
          break;
        }
      if (!hit && src.has_otherwise) hit = &src.otherwise;
      if (!hit) {
        *why = "is not in the value table of this column";
        return false;
      }
      if (src.kind == TypeKind::String) *text = hit->text;
      else *out = hit->to;
      return true;
    }
    case Conversion::Split:
      *text = cell;
      return true;
    case Conversion::AsIs:
      break;
  }
  switch (src.kind) {
    case TypeKind::Bool:
      if (iequals(cell, "true")) *out = kTrue;
      else if (iequals(cell, "false")) *out = kFalse;
      else {
        *why = "is not true or false";
        return false;
      }
      return true;
    case TypeKind::Int: {
      int64_t x = 0;
      auto r = std::from_chars(cell.data(), cell.data() + cell.size(), x);
      if (r.ec != std::errc() || r.ptr != cell.data() + cell.size() || x == kUnknown) {
        *why = "is not a whole number";
        return false;
      }
      *out = x;
      return true;
    }
    case TypeKind::String:
      *text = cell;
      return true;
    case TypeKind::Date: {
      auto d = parse_date(cell);
      if (!d) {
        *why = "is not a date (YYYY-MM-DD)";
        return false;
      }
      *out = *d;
      return true;
    }
    case TypeKind::Enum: {
      const EnumDef& e = schema.enums[src.ref];
      for (size_t k = 0; k < e.members.size(); ++k)
        if (e.members[k] == cell) return *out = static_cast<Value>(k), true;
      *why = fmt::format("is not a value of {}", e.name);
      return false;
    }
    default:
      *why = fmt::format("cannot be read as a {}", schema.type_name(src.type));
      return false;
  }
}

}  // namespace lawful
