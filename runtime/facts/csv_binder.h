// CSV contacts to fact slots. The header row names the contact's scalar fields
// (`id,country,entity,objected`), and with a dot the scalar fields of its records
// (`customer.opt_out_offered`); each later row is one contact. An empty cell is an
// absent fact; a column the schema does not know is ignored (and counted, or refused when
// strict: Binder::set_strict_fields), as a JSON key would be; a
// column naming a list cannot be read from one cell and is refused at the header.
// Fields are separated by commas and may be quoted as RFC 4180 says ("a ""b"", c"); a
// row is one line (a quoted field cannot hold a line break).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/facts/binder.h"

namespace lawful {

// ASCII letters compared without regard to case (header names, words of a cell).
inline bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}
// Without the spaces and tabs around it (and a carriage return at its end).
inline std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// One CSV row's cells, unquoted ("" is a quote; a cell with one goes to the store's
// scratch memory, the others are views of the line), spaces around unquoted cells
// trimmed. False with `*error` for a quoted field not closed or text after one.
// `separator`: a comma, or what an export uses instead (a semicolon, a tab). A row is one
// line: a quoted cell with a line break in it (RFC 4180 allows one) is not read; its
// first line fails as not closed. `strict_quotes`: a quote inside an unquoted cell fails
// too (RFC 4180 has none there), which is how the last line of such a cell shows; mapped
// exports are read so (docs/mappings.md, "Cells spanning lines").
bool split_csv_row(std::string_view line, FactStore& fs, std::vector<std::string_view>& cells, std::string* error,
                   char separator = ',', bool strict_quotes = false);

class CsvBinder {
 public:
  // `binder` supplies the absent state of the contact (defaults); it must outlive this.
  CsvBinder(const Program& prog, Binder& binder);

  // Reads the header row. Returns "" or why the header cannot be used.
  std::string set_header(std::string_view line);
  // One row, on top of the bound campaign (as Binder::bind_contact). The line's text
  // must stay valid until the decision is made.
  BindResult bind_row(FactStore& fs, std::string_view line);

  size_t columns() const { return cols_.size(); }

 private:
  struct Column {
    std::string name;       // as the header says
    int32_t slot = -1;      // -1: ignored
    TypeId type = 0;
    TypeKind kind = TypeKind::Bool;  // the type's, found once here
    uint32_t ref = 0;                // the enumeration, for an Enum
    int32_t presence = -1;  // an optional record's presence slot, set when the cell is given
    int32_t unknown = -1;   // a column the schema does not know: its id among the binder's unknown fields
  };
  bool split(std::string_view line, FactStore& fs, std::string* error);

  const Program& prog_;
  Binder& binder_;
  int contact_root_ = -1;
  int id_col_ = -1;
  std::vector<Column> cols_;
  std::vector<std::string_view> cells_;  // the current row, unquoted
};

}  // namespace lawful
