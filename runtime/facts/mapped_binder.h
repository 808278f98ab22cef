// A CRM export's rows to fact slots through a mapping (mapping.h, docs/mappings.md): CSV
// rows under the export's own header, or JSON Lines objects whose keys are its columns.
// Each mapped field's cell is converted as the mapping says; an empty cell (or a JSON
// null) is an absent fact; a cell that cannot be converted fails the row with
// "column NAME: 'VALUE' is not ...", which `lawful check`'s summary counts by column.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/facts/binder.h"
#include "runtime/facts/mapping.h"

namespace lawful {

class MappedBinder {
 public:
  // `binder` supplies absent states; it and `mapping` must outlive this.
  MappedBinder(const Program& prog, const Binder& binder, std::shared_ptr<const Mapping> mapping);

  // CSV: the export's header row. "" or why it cannot be used (a column the mapping
  // reads is missing: "the header has no column 'Email' (hubspot.toml:9:9)").
  std::string set_header(std::string_view line);
  // One CSV row, on top of the bound campaign. The line must stay valid until the
  // decision is made.
  BindResult bind_row(FactStore& fs, std::string_view line);
  // One JSON object whose keys are the export's columns (a JSON Lines export).
  BindResult bind_json(FactStore& fs, std::string_view line);

  const Mapping& mapping() const { return *mapping_; }

 private:
  BindResult bind_cells(FactStore& fs, BindResult& res);
  // Record r's fields (and a consent's confirmation) into the slots from `base`.
  bool fill(FactStore& fs, size_t r, size_t base, std::string* error);
  // The last values a source converted (a country, a table's word, a yes or no), by a hash of
  // the cell: exports repeat them, and a hit costs a comparison.
  struct Memo {
    struct Entry {
      std::string cell;
      Value value = kUnknown;
      std::string_view text;  // static (a country) or the mapping's (a table's text)
      bool used = false;
    };
    Entry entries[16];
  };
  bool value_of(FactStore& fs, const MappedSource& src, int col, Value* out, std::string* error, Memo* memo);
  // Whether the row implies record r (its `when` cell, else any of its cells, is given).
  bool exists(size_t r) const;

  const Program& prog_;
  const Binder& binder_;
  std::shared_ptr<const Mapping> mapping_;
  std::vector<std::string> columns_;  // the mapping's columns
  std::unordered_map<std::string, int> column_index_;
  // For each (record, field) and each record's `when` and `confirmed`: its column's
  // index in columns_, or -1 (a constant).
  std::vector<std::vector<int>> field_col_;
  std::vector<int> when_col_, confirmed_col_;
  std::vector<std::vector<Memo>> memo_;  // by (record, field), as field_col_
  std::vector<Memo> confirmed_memo_;
  std::string why_;  // why convert_cell refused a cell (kept, so as not to make a string a cell)
  std::vector<bool> optional_;        // columns_[i] may be missing from the header
  int id_col_ = -1;                    // the column of contact.id, for error records
  size_t header_size_ = 0;
  std::vector<int> header_pos_;       // columns_[i]'s position in the header row, or -1
  std::vector<std::string_view> row_;   // the current row's cells, by header position
  std::vector<std::string_view> cells_; // the mapping's cells, by columns_ index ("" when absent)
  std::vector<std::string> json_cells_;  // a JSON line's values as text
  int contact_root_ = -1;
};

}  // namespace lawful
