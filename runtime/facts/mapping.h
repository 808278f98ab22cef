// A mapping: how the columns of a CRM export become facts (docs/mappings.md). The file
// is read and checked against the schema by compiler/mapping/ (with positions for its
// diagnostics); what it gives is this, with every field resolved to its slot, for
// MappedBinder (mapped_binder.h), which binds a row through it. Nothing here guesses: a
// cell a conversion cannot read is an error of its row, an empty cell an absent fact.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/dates.h"
#include "runtime/core/schema.h"
#include "runtime/core/value.h"

namespace lawful {

// A date or date-time format, as strftime writes it: %Y (four digits), %m, %d, %H, %I,
// %M, %S (one or two digits), %b (a month's English name or its first three letters),
// %p (AM or PM), %f (digits of a fraction of a second), %z (Z, +hh:mm, +hhmm or +hh),
// %s (seconds since 1970-01-01 UTC), %% and literal text. Only the date is kept; with %z
// it is the UTC date. No two-digit years (%y): their century would be a guess. Compiled
// once, when the mapping is loaded.
class DateFormat {
 public:
  // "" or why `format` cannot be used; `*at` is the offending byte of it.
  std::string compile(std::string_view format, size_t* at);
  // The date of `text`, or nothing when it does not follow the format exactly.
  std::optional<Days> parse(std::string_view text) const;
  const std::string& text() const { return text_; }

 private:
  enum class Piece : uint8_t { Literal, Year, Month, MonthName, Day, Hour24, Hour12, Minute, Second, AmPm,
                               Fraction, Offset, Epoch };
  struct Item {
    Piece piece;
    char literal = 0;
  };
  std::vector<Item> items_;
  std::string text_;
};

enum class Conversion : uint8_t {
  AsIs,     // the field's type as a CSV cell is read (text, a whole number, YYYY-MM-DD, a member's name)
  Bool,     // words for true and false (MappedSource::true_words, false_words)
  Date,     // a declared format (MappedSource::date)
  Country,  // a name, alpha-2 or alpha-3 code to alpha-2 (runtime/core/countries.h)
  Table,    // a value table (MappedSource::table)
  Split,    // a list of strings: the cell split at MappedSource::separator
};

// Where one field's value comes from: a column and its conversion, or a constant.
struct MappedSource {
  std::string column;   // "" for a constant
  bool optional = false;  // the column may be missing from the header (its cells are then empty)
  Conversion conversion = Conversion::AsIs;
  TypeId type = types::kError;  // the field's
  TypeKind kind = TypeKind::Error;
  uint32_t ref = 0;      // the enumeration, for an Enum
  DateFormat date;
  std::vector<std::string> true_words, false_words;  // lower case
  struct Entry {
    std::string from;  // the cell's text, compared ignoring case
    Value to = kUnknown;
    std::string text;  // a string field's value
  };
  std::vector<Entry> table;
  bool has_otherwise = false;
  Entry otherwise;      // a table's value for any other text
  std::string separator;
  bool constant = false;
  Value constant_value = kUnknown;
  std::string constant_text;  // a string constant
};

struct MappedField {
  std::string path;      // "contact.country", as the mapping names it
  uint32_t offset = 0;   // from its record's base
  MappedSource source;
};

// The contact itself, or a record a row implies: `customer` or `supporter` (an optional
// record), or one consent of `consents`.
struct MappedRecord {
  enum class Kind : uint8_t { Contact, Optional, ListElement };
  Kind kind = Kind::Contact;
  std::string path;         // "contact", "contact.customer", "contact.consents"
  uint32_t record = 0;      // RecordDef index
  uint32_t slot = 0;        // Contact, Optional: the fields' base; ListElement: the list's slot
  int32_t presence = -1;    // Optional: its presence slot
  std::vector<MappedField> fields;
  // When the record exists: `when` (a column's non-empty cell), else any of its
  // fields' columns non-empty. Constants are then added; alone they imply nothing.
  std::optional<MappedSource> when;
  // A consent: when this date (a confirmation time) is there, `method` is double_opt_in.
  std::optional<MappedSource> confirmed;
  int32_t method_offset = -1;
  Value double_opt_in = kUnknown;
};

struct Mapping {
  std::string path;         // the mapping file, for messages
  std::string name;
  std::string format = "csv";  // the input: csv or jsonl
  char separator = ',';        // between a CSV row's cells
  std::vector<MappedRecord> records;  // the contact first

  // Every column the mapping reads, once each, in the order first named.
  std::vector<std::string> columns() const;
};

// The value of one cell through a source's conversion. False with `*why` ("is not a
// country (a name, or an ISO 3166 alpha-2 or alpha-3 code)") when it cannot be read;
// `*text` is set for a string value (the caller stores it), else `*out`.
bool convert_cell(const MappedSource& src, const Schema& schema, std::string_view cell, Value* out,
                  std::string_view* text, std::string* why);

}  // namespace lawful
